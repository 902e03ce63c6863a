//! `engine`: state, fields, rules and outputs.
pub mod sinks;
