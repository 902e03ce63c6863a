//! `engine`: state, fields, rules and outputs.
pub mod sinks;
pub mod output;
pub mod rules;
pub mod state;
pub mod fields;
pub mod config;
pub mod pipeline;
