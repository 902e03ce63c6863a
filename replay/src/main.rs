//! `replay`: offline rule evaluation over capture files.
fn main() {}
