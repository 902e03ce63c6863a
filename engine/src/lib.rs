//! `engine`: state, fields, rules and outputs.
pub mod config;
pub mod fields;
pub mod output;
pub mod pipeline;
pub mod rules;
pub mod sinks;
pub mod state;
