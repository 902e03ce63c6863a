//! `capture`: live capture to scap files, or live alerts.
fn main() {}
