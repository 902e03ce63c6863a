//! The `replay` package's library: what its binaries and the integration tests share.
//!
//! * [`script`]: YAML scenario scripts built with `synth` (the data-driven rules tests).
//! * [`synth`]: synthetic captures (a scripted system: process table, users, containers and
//!   syscalls) for the rules tests, the bundled demo capture and the benchmark.
//!
//! The `replay` binary itself (`src/main.rs`) is argument parsing plus composition.

pub mod script;
pub mod synth;
