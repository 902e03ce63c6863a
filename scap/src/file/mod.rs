//! Capture files: the reader ([`CaptureReader`]), the writer, and the metadata records
//! ([`meta`]).

pub mod meta;
mod prefetch;
mod reader;
pub mod writer;

pub use meta::{
    block, fd_type, FdEntry, FdInfo, Group, Interface, MachineInfo, ProcEntry, SectionHeader, User,
    UserListEntry,
};
pub use reader::{CaptureReader, Compression, ErrorKind, Event, ReadError, ReadStats, Record};
pub use writer::{CaptureWriter, CopyError, WriteError, WriterOptions};
