//! `scap`: capture-file inspector.
fn main() {}
