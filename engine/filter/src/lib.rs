//! `engine-filter`: the Falco condition language: parse, resolve, compile, evaluate.
//!
//! Pipeline for one rule or macro condition (what `engine::rules` drives):
//!
//! ```text
//!  condition text ──substitute_lists──▶ text ──parse_with(ParserOptions::falco())──▶ ast::Expr
//!      ──resolve_macros(lookup)──▶ Expr (no macro refs) ──┬─ infer_event_types ──▶ EventSet
//!                                                        ├─ unsafe_na_checks / const_value_warnings
//!                                                        └─ compile(&expr, &registry) ──▶ Program
//!  per event:  program.eval_with(&mut field_source, &mut scratch) ──▶ bool
//! ```
//!
//! Modules and principal types:
//! * [`parser`]: [`parse_with`], [`ParserOptions`] (max depth 100 by default as in libs,
//!   [`ParserOptions::falco`] = 1000), [`ParseError`] (libsinsp's message + [`Pos`]).
//! * [`ast`]: [`Expr`] (n-ary `And`/`Or`, `Not`, `Macro`, `Check`), a [`Pos`] (idx 0-based,
//!   line/col 1-based) on every node; `Display` is Falco's canonical `condition_compiled`
//!   print, [`Expr::shape`] a structural print for tests.
//! * [`macros`]: [`substitute_lists`] (textual, before parsing, §1.9, Falco's search
//!   positions included), [`resolve_macros`] / [`resolve_macros_with`] ([`MacroError`]:
//!   "Undefined macro 'X' used in filter." / "reference loop in macro 'X'", a loop reported
//!   before an undefined macro as Falco does, and [`ExpansionLimits`] on node count, depth
//!   and expansions against hostile files), [`unsafe_na_checks`] (LOAD_UNSAFE_NA_CHECK),
//!   [`const_value_warnings`]. The rules loader (`engine::rules`) uses these, no copy.
//! * [`evttype`]: [`EventSet`] (512 bits), [`event_ids_for_name`] (`open` → every `open`
//!   event id of the libs-master table; syscalls without an event → the generic events),
//!   [`infer_event_types`] (§3.9).
//! * [`field`]: **the contract with the field layer** (`engine::fields` implements it):
//!   - [`FieldRegistry::lookup`]`(name, arg)` → [`FieldDef`] `{ id: FieldId, arg: FieldArg,
//!     ty: FieldType, flags: FieldFlags, name }`, called once per field at compile time.
//!     Errors are shown verbatim (word them as libsinsp: `filter_check called with
//!     nonexistent field X`).
//!   - [`FieldSource::extract`]`(id, &arg, &mut Values) -> bool`, called per check per
//!     event; push the value(s) into the cleared, reusable [`Values`]; return `false` for
//!     "no value". See the [`field`] module docs for which push to use per type and for the
//!     flags `IS_LIST` (list fields: `in` = every element, `intersects` = some),
//!     `ANY_VALUE` (`proc.aname`: true if any pushed candidate matches), `EITHER_END`
//!     (`fd.ip`/`fd.net`: `=` any end, `!=` no end), `NO_TRANSFORMER`, `NO_RHS`,
//!     `FILTER_ONLY`.
//! * [`program`]: [`compile`] → [`Program`] (immutable, `Send + Sync`), [`Scratch`] (one per
//!   thread, shared by all programs), [`CompileError`]. Type checks and constant coercion
//!   follow §3.5; constants are prepared once (hash sets, `pmatch` trie, anchored regexes,
//!   memmem finders, decoded hex, CIDR nets). A missing value makes any check false; only
//!   `not` flips it.
//! * Positions: parse errors and AST nodes carry the position inside the text that was
//!   parsed (after list substitution); nodes spliced in by [`resolve_macros`] keep the
//!   positions of their macro's own condition, so the loader should report compile errors
//!   at the rule-level node when it needs file positions.
//! * [`ops`]: allocation-free primitives (fnmatch globs, path-prefix sets, base64, getopt,
//!   service names).
//!
//! Stack: the depth limit counts nested grammar functions as libsinsp does (5 per
//! parenthesis), so Falco's limit of 1000 allows about 200 nested parentheses, which
//! needs under 1 MiB of stack even in debug builds.
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
pub use evttype::{
    event_ids_for_name, event_name, infer_event_types, EventSet, EvttypeError, InferOptions,
};
pub use field::{
    FieldArg, FieldDef, FieldFlags, FieldId, FieldRegistry, FieldSource, FieldType, Value, Values,
};
pub use macros::{
    const_value_warnings, deprecated_fields, macro_refs, quote_item, resolve_macros,
    resolve_macros_with, substitute_lists, substitute_lists_used, unsafe_na_checks,
    ExpansionLimits, MacroError, DEPRECATED_FIELDS, UNSAFE_NA_CHECK_MESSAGE,
};
pub use parser::{parse, parse_with, ParseError, Parser, ParserOptions, FALCO_MAX_DEPTH};
pub use program::{compile, CompileError, Program, Scratch, Specialized};
