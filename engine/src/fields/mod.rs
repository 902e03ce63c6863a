//! fields (wip)
