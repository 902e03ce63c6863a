//! `engine-filter`: the Falco condition language: parse, resolve, compile, evaluate.
//!
//! Data flow: condition text → [`parser`] → [`ast::Expr`] (positions on every node,
//! canonical printer) → macro resolution. The [`field`] module is the contract with the
//! field layer (`FieldRegistry` at compile time, `FieldSource` at evaluation time).
#![forbid(unsafe_code)]

pub mod ast;
pub mod evttype;
pub mod field;
pub mod macros;
pub mod ops;
pub mod parser;
pub mod program;

pub use ast::{
    Check, Expr, FieldRef, ListLit, Modifier, Op, Operand, Pos, Rhs, TArg, Transformer,
    TransformerKind, ValueLit,
};
pub use evttype::{event_ids_for_name, infer_event_types, EventSet, EvttypeError, InferOptions};
pub use field::{
    FieldArg, FieldDef, FieldFlags, FieldId, FieldRegistry, FieldSource, FieldType, Value, Values,
};
pub use macros::{
    const_value_warnings, macro_refs, resolve_macros, substitute_lists, substitute_lists_used,
    unsafe_na_checks, MacroError,
};
pub use parser::{parse, parse_with, ParseError, Parser, ParserOptions, FALCO_MAX_DEPTH};
pub use program::{compile, CompileError, Program, Scratch};
