//! `engine-filter`: the Falco condition language: parse, resolve, compile, evaluate.
//!
//! Data flow: condition text → [`field`] contract (`FieldRegistry` at compile time,
//! `FieldSource` at evaluation time). Parser, macro resolver, event-type inference and the
//! compiler are being added on top of this contract.
#![forbid(unsafe_code)]

pub mod field;

pub use field::{
    FieldArg, FieldDef, FieldFlags, FieldId, FieldRegistry, FieldSource, FieldType, Value, Values,
};
