//! `scap-abi`: the one source of truth for Harrier's binary interfaces.
//!
//! * [`event`]: the scap event schema: parameter types ([`event::ParamType`]), event flags,
//!   the generated event tables ([`event::EVENTS_E5C53D64`], what we write and sysdig 0.29.3
//!   reads; [`event::EVENTS_MASTER`], what current libscap writes and we also read), event
//!   ids by name ([`event::ids`]) and the PPM_SC names of generic events.
//! * [`ring`]: the per-CPU ring-buffer protocol between the kernel module and the reader
//!   (`scap::ring`): page layout, record framing, ioctls.
//! * [`API_VERSION`] and [`SCHEMA_VERSION`], kept apart as libscap keeps them.
//!
//! Everything lives in `defs.rs`, which the kernel module includes by path; this file only
//! adds the crate attributes. The crate is `no_std`, has no dependencies and no `unsafe`,
//! and builds with the kernel's rustc (1.85).
#![no_std]
#![forbid(unsafe_code)]
#![deny(missing_docs)]

mod defs;
pub use defs::*;
