//! `scap`: capture files, event views and the ring consumer.
//!
//! Principal types and data flow:
//!
//! * [`event::EventRef`]: a validated zero-copy view over one event record; typed decoding
//!   of every PT_* encoding as [`event::Param`]; [`event::EventBuilder`] builds owned
//!   records through the `no_std` encoder `scap_abi::encode::EventWriter`.
//! * [`codec::Reader`]: the bounds-checked little-endian cursor all decoders use.
#![deny(missing_docs)]

pub mod codec;
pub mod event;
pub mod render;
#[allow(unsafe_code)]
pub mod ring;
pub mod file;
pub mod text;

pub use event::{EventBuilder, EventError, EventRef, Param};
