//! `scap`: capture files, event views and the ring consumer.
//!
//! Principal types and data flow:
//!
//! ```text
//!  file (plain | gzip | zstd) --CaptureReader--> Record: Section | MachineInfo | Proc | Fd
//!                                                        | Interface | User | Event
//!  Event = EventRef (zero-copy record view) + cpuid + dump flags + evt.num + file offset
//!  EventRef --param(i)/params()/for_each_param(f)--> Param (typed PT_* value, borrowing
//!           the record)
//!  EventBuilder / scap_abi::encode::EventWriter --> record bytes --CaptureWriter--> file
//! ```
//!
//! * [`event::EventRef`]: a validated zero-copy view over one event record
//!   (`EventRef::parse` checks `26 + nparams*w + sum(len) <= len <= buffer`); `ts()`,
//!   `tid()`, `ty()`, `nparams()`, `info()`, `name()`/`type_name()`, `param_bytes(i)`,
//!   `param(i)` / `param_by_name(name)` returning [`event::Param`] (one variant per PT_*
//!   encoding: ints, errno, fd, pid, strings without their NUL, bytebuf, sockaddr and
//!   socktuple v4/v6/unix, fdlist, DYN with its sub-type, ip addresses, flags, uid/gid...).
//!   `for_each_param(f)` is the fast way to consume every value: it calls `f` from inside
//!   the per-type dispatch ([`event::Param::decode_with`]), so an inlined consumer's match
//!   on the variant folds away (one type dispatch per parameter instead of two).
//!   Decoding uses the libs-master table (a superset of what sysdig 0.29.3 knows, with
//!   FSRELPATH dirfd and DYN sub-types merged from the e5c53d64 table).
//! * [`event::EventBuilder`]: builds owned records through the `no_std` encoder
//!   `scap_abi::encode::EventWriter` (the one the kernel module uses).
//! * [`file::CaptureReader`]: the reader. `open(path)` sniffs the compression by magic
//!   bytes; plain files are memory-mapped (the crate's one `unsafe` outside `ring`, in
//!   `file::reader::map_file`), gzip (multi-member) and zstd (multi-frame) are streamed
//!   through one reused block buffer, so memory stays bounded by the largest block.
//!   `next_record()` lends one [`file::Record`] at a time, in file order:
//!   `Section(SectionHeader)` starts a section (a later one means: drop all state),
//!   `MachineInfo`, then one `Proc(ProcEntry)` per PL thread (all PL V1-V9 fields,
//!   version-dependent ones as `Option`), one `Fd(FdEntry)` per FDL fd (typed by fd type
//!   in [`file::FdInfo`]), `Interface`, `User(UserListEntry)`, and `Event(file::Event)`.
//!   `next_event()` skips metadata. Unknown block types and unknown event types are
//!   skipped and counted in `stats()`. EV v1 blocks are converted to v2 records (nparams
//!   inferred). Errors ([`file::ReadError`]) carry the byte offset (of the decompressed
//!   stream for compressed files), the block number and the event number; every whole
//!   record before the damage is returned first, and the reader is finished after one.
//!   Container events stay events (types 228/272/324).
//! * [`file::CaptureWriter`]: writes what `sysdig -w` writes (SHB 1.2, MI, IL_V2, UL_V2,
//!   PL_V9 with the 0.29.3 tail, FDL_V2, EV_V2/EVF_V2 and their LARGE variants), zstd by
//!   default, or gzip or plain; each flush (timer, explicit, close) ends a zstd frame/gzip
//!   member so a killed writer leaves every flushed block readable. `copy_from` rewrites
//!   a whole capture (used by `scap convert`).
//! * [`render`]: sysdig-compatible `evt.args` rendering; [`text`]: a plain rendering for
//!   `scap cat` of generic events; [`codec::Reader`]: the bounds-checked cursor all
//!   decoders use; [`fuzz`]: entry points of the fuzz targets.
#![deny(missing_docs)]

pub mod codec;
pub mod event;
pub mod file;
pub mod fuzz;
pub mod render;
#[allow(unsafe_code)]
pub mod ring;
pub mod text;

pub use event::{EventBuilder, EventError, EventRef, Param};
