//! `engine`: state, fields, rules and outputs.
