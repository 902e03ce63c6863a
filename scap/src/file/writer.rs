//! The capture-file writer: what `sysdig -w` writes (SHB 1.2, MI, IL_V2, UL_V2, PL_V9 with
//! the 0.29.3 tail, one FDL_V2 per thread, container events, EV_V2/EVF_V2/LARGE events),
//! zstd-compressed by default, or gzip, or plain.
//!
//! Durability: [`CaptureWriter::flush`] (called by the writer itself when
//! `flush_interval` has passed since the last flush, at every write, and by
//! [`CaptureWriter::finish`]) ends the current zstd frame or gzip member and flushes the
//! file, so a writer killed at any time leaves a file whose every block written before the
//! last flush decodes; a reader stops at the truncated tail with an error after returning
//! all whole events.

use std::fs::File;
use std::io::{self, BufWriter, Write};
use std::path::Path;
use std::time::{Duration, Instant};

use super::meta::{block, FdEntry, Interface, MachineInfo, ProcEntry, UserListEntry};
use super::reader::{CaptureReader, Compression, ReadError, Record};
use crate::event::{EventError, EventRef};

/// Why a write failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum WriteError {
    /// I/O or compression error.
    #[error("I/O error: {0}")]
    Io(#[from] io::Error),
    /// A metadata block after the first event of a section (sysdig 0.29.3 rejects it).
    #[error("metadata block {0} after the first event of the section")]
    MetadataAfterEvents(&'static str),
    /// The bytes given as an event are not a valid record.
    #[error("invalid event record: {0}")]
    BadEvent(#[from] EventError),
    /// The writer was already finished.
    #[error("writer already finished")]
    Finished,
}

/// Writer settings.
#[derive(Clone, Debug)]
pub struct WriterOptions {
    /// Output compression (default zstd).
    pub compression: Compression,
    /// zstd level (default 9) or gzip level (0-9, default 6).
    pub level: Option<i32>,
    /// Flush (ending a compressed frame) when this much time has passed since the last
    /// flush; checked at every write. `None` = only on explicit flush and close.
    pub flush_interval: Option<Duration>,
}

impl Default for WriterOptions {
    fn default() -> Self {
        WriterOptions {
            compression: Compression::Zstd,
            level: None,
            flush_interval: Some(Duration::from_secs(1)),
        }
    }
}

/// Default zstd level: a good ratio at capture-friendly speed.
pub const DEFAULT_ZSTD_LEVEL: i32 = 9;

/// zstd window (log2 bytes) of the frames we write: 64 MiB. Decoders must accept it
/// (`zstd -d` does by default, up to 2^27; our reader accepts up to 2^27 too).
pub const ZSTD_WINDOW_LOG: u32 = 26;

type Out = Box<dyn Write + Send>;

enum Sink {
    Plain(BufWriter<Out>),
    Gzip(flate2::write::GzEncoder<Out>),
    Zstd(zstd::stream::write::Encoder<'static, Out>),
}

impl Write for Sink {
    fn write(&mut self, b: &[u8]) -> io::Result<usize> {
        match self {
            Sink::Plain(w) => w.write(b),
            Sink::Gzip(w) => w.write(b),
            Sink::Zstd(w) => w.write(b),
        }
    }
    fn write_all(&mut self, b: &[u8]) -> io::Result<()> {
        match self {
            Sink::Plain(w) => w.write_all(b),
            Sink::Gzip(w) => w.write_all(b),
            Sink::Zstd(w) => w.write_all(b),
        }
    }
    fn flush(&mut self) -> io::Result<()> {
        match self {
            Sink::Plain(w) => w.flush(),
            Sink::Gzip(w) => w.flush(),
            Sink::Zstd(w) => w.flush(),
        }
    }
}

/// Writes a capture file block by block.
pub struct CaptureWriter {
    sink: Option<Sink>,
    opts: WriterOptions,
    level: i32,
    /// Block assembly buffer, reused.
    blk: Vec<u8>,
    in_events: bool,
    /// Bytes written since the last flush (uncompressed).
    dirty: bool,
    last_flush: Instant,
    bytes: u64,
    events: u64,
}

impl std::fmt::Debug for CaptureWriter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CaptureWriter")
            .field("compression", &self.opts.compression)
            .field("bytes", &self.bytes)
            .field("events", &self.events)
            .finish()
    }
}

fn pad4(n: usize) -> usize {
    (n + 3) & !3
}

impl CaptureWriter {
    /// Creates `path` and writes the section header.
    pub fn create(path: impl AsRef<Path>, opts: WriterOptions) -> Result<Self, WriteError> {
        let f = File::create(path.as_ref())?;
        Self::new(Box::new(f), opts)
    }

    /// Writes a capture to any byte sink; the section header is written at once.
    pub fn new(out: Box<dyn Write + Send>, opts: WriterOptions) -> Result<Self, WriteError> {
        let level = opts.level.unwrap_or(match opts.compression {
            Compression::Gzip => 6,
            _ => DEFAULT_ZSTD_LEVEL,
        });
        let sink = Self::open_sink(out, opts.compression, level)?;
        let mut w = CaptureWriter {
            sink: Some(sink),
            opts,
            level,
            blk: Vec::with_capacity(64 << 10),
            in_events: false,
            dirty: false,
            last_flush: Instant::now(),
            bytes: 0,
            events: 0,
        };
        w.section_header()?;
        Ok(w)
    }

    fn open_sink(out: Out, c: Compression, level: i32) -> io::Result<Sink> {
        Ok(match c {
            Compression::None => Sink::Plain(BufWriter::with_capacity(256 << 10, out)),
            Compression::Gzip => Sink::Gzip(flate2::write::GzEncoder::new(
                out,
                flate2::Compression::new(level.clamp(0, 9) as u32),
            )),
            Compression::Zstd => {
                let mut e = zstd::stream::write::Encoder::new(out, level)?;
                e.include_checksum(true)?;
                // Captures repeat themselves over long distances (the same syscall
                // sequences, paths and payloads): a 64 MiB window with long-distance
                // matching finds what gzip's 32 KiB window cannot.
                e.window_log(ZSTD_WINDOW_LOG)?;
                e.long_distance_matching(true)?;
                Sink::Zstd(e)
            }
        })
    }

    /// Uncompressed bytes written so far.
    pub fn bytes_written(&self) -> u64 {
        self.bytes
    }

    /// Events written so far.
    pub fn events_written(&self) -> u64 {
        self.events
    }

    /// Writes one block: header, `body`, zero padding, trailer.
    fn put_block(&mut self, ty: u32, body_len: usize) -> Result<(), WriteError> {
        // `self.blk` holds 8 reserved header bytes followed by the body.
        let total = 8 + pad4(body_len) + 4;
        self.blk.resize(8 + pad4(body_len), 0);
        self.blk[0..4].copy_from_slice(&ty.to_le_bytes());
        self.blk[4..8].copy_from_slice(&(total as u32).to_le_bytes());
        self.blk.extend_from_slice(&(total as u32).to_le_bytes());
        let sink = self.sink.as_mut().ok_or(WriteError::Finished)?;
        sink.write_all(&self.blk)?;
        self.bytes += total as u64;
        self.dirty = true;
        Ok(())
    }

    fn begin_block(&mut self) {
        self.blk.clear();
        self.blk.extend_from_slice(&[0; 8]);
    }

    fn meta_check(&self, what: &'static str) -> Result<(), WriteError> {
        if self.in_events {
            return Err(WriteError::MetadataAfterEvents(what));
        }
        Ok(())
    }

    /// Writes an SHB 1.2 (exactly 28 bytes); called by the constructor, and again to start
    /// a new section (after which metadata may follow).
    pub fn section_header(&mut self) -> Result<(), WriteError> {
        self.begin_block();
        self.blk
            .extend_from_slice(&block::BYTE_ORDER_MAGIC.to_le_bytes());
        self.blk.extend_from_slice(&1u16.to_le_bytes());
        self.blk.extend_from_slice(&2u16.to_le_bytes());
        self.blk.extend_from_slice(&(-1i64).to_le_bytes());
        self.put_block(block::SHB, 16)?;
        self.in_events = false;
        Ok(())
    }

    /// Writes the MI block (exactly 192 bytes).
    pub fn machine_info(&mut self, mi: &MachineInfo) -> Result<(), WriteError> {
        self.meta_check("MI")?;
        self.begin_block();
        mi.encode(&mut self.blk);
        self.put_block(block::MI, super::meta::MI_BODY_LEN)
    }

    /// Writes an IL_V2 block (IPv4 entries first, then IPv6, as 0.29.3 orders them).
    pub fn interfaces(&mut self, list: &[Interface<'_>]) -> Result<(), WriteError> {
        self.meta_check("IL")?;
        self.begin_block();
        for i in list.iter().filter(|i| matches!(i, Interface::V4 { .. })) {
            i.encode_v2(&mut self.blk);
        }
        for i in list.iter().filter(|i| matches!(i, Interface::V6 { .. })) {
            i.encode_v2(&mut self.blk);
        }
        let n = self.blk.len() - 8;
        self.put_block(block::IL_V2, n)
    }

    /// Writes a UL_V2 block.
    pub fn users(&mut self, list: &[UserListEntry<'_>]) -> Result<(), WriteError> {
        self.meta_check("UL")?;
        self.begin_block();
        for u in list {
            u.encode_v2(&mut self.blk);
        }
        let n = self.blk.len() - 8;
        self.put_block(block::UL_V2, n)
    }

    /// Writes one PL_V9 block holding every thread (0.29.3 tail).
    pub fn proc_list(&mut self, list: &[ProcEntry<'_>]) -> Result<(), WriteError> {
        self.meta_check("PL")?;
        self.begin_block();
        for p in list {
            p.encode_v9(&mut self.blk);
        }
        let n = self.blk.len() - 8;
        self.put_block(block::PL_V9, n)
    }

    /// Writes the FDL_V2 block of one thread (possibly empty); must follow the PL that
    /// holds `tid`.
    pub fn fd_list(&mut self, tid: u64, fds: &[FdEntry<'_>]) -> Result<(), WriteError> {
        self.meta_check("FDL")?;
        self.begin_block();
        self.blk.extend_from_slice(&tid.to_le_bytes());
        for f in fds {
            f.encode_v2(&mut self.blk);
        }
        let n = self.blk.len() - 8;
        self.put_block(block::FDL_V2, n)
    }

    /// Writes a raw pre-encoded metadata block body of type `ty` (for copying blocks).
    fn raw_meta_block(&mut self, ty: u32, body: &[u8]) -> Result<(), WriteError> {
        self.begin_block();
        self.blk.extend_from_slice(body);
        self.put_block(ty, body.len())
    }

    /// Writes an event record (validated first). Block id: EVF_V2 when `flags` ≠ 0; the
    /// `_LARGE` variant when the block would exceed 65544 bytes or the type has
    /// EF_LARGE_PAYLOAD (container events).
    pub fn event(&mut self, record: &[u8], cpuid: u16, flags: u32) -> Result<(), WriteError> {
        let ev = EventRef::parse(record)?;
        self.event_ref(&ev, cpuid, flags)
    }

    /// Writes an already validated event view.
    pub fn event_ref(
        &mut self,
        ev: &EventRef<'_>,
        cpuid: u16,
        flags: u32,
    ) -> Result<(), WriteError> {
        let rec = ev.as_bytes();
        let hdr = if flags != 0 { 6 } else { 2 };
        let body = hdr + rec.len();
        let total = 8 + pad4(body) + 4;
        let large = total > 65544 || ev.len_width() == 4;
        let ty = match (flags != 0, large) {
            (false, false) => block::EV_V2,
            (true, false) => block::EVF_V2,
            (false, true) => block::EV_V2_LARGE,
            (true, true) => block::EVF_V2_LARGE,
        };
        self.begin_block();
        self.blk.extend_from_slice(&cpuid.to_le_bytes());
        if flags != 0 {
            self.blk.extend_from_slice(&flags.to_le_bytes());
        }
        self.blk.extend_from_slice(rec);
        self.put_block(ty, body)?;
        self.in_events = true;
        self.events += 1;
        if let Some(iv) = self.opts.flush_interval {
            if self.last_flush.elapsed() >= iv {
                self.flush()?;
            }
        }
        Ok(())
    }

    /// Flushes if `flush_interval` has passed since the last flush (for idle ticks of a
    /// capture loop).
    pub fn flush_if_due(&mut self) -> Result<(), WriteError> {
        match self.opts.flush_interval {
            Some(iv) if self.dirty && self.last_flush.elapsed() >= iv => self.flush(),
            _ => Ok(()),
        }
    }

    /// Makes everything written so far durable and decodable: ends the current zstd
    /// frame / gzip member (the next write starts a new one) and flushes the file.
    pub fn flush(&mut self) -> Result<(), WriteError> {
        self.last_flush = Instant::now();
        if !self.dirty {
            return Ok(());
        }
        self.dirty = false;
        let sink = self.sink.take().ok_or(WriteError::Finished)?;
        let out = Self::close_sink(sink)?;
        self.sink = Some(Self::open_sink(out, self.opts.compression, self.level)?);
        Ok(())
    }

    fn close_sink(sink: Sink) -> io::Result<Out> {
        let mut out = match sink {
            Sink::Plain(w) => w.into_inner().map_err(|e| e.into_error())?,
            Sink::Gzip(w) => w.finish()?,
            Sink::Zstd(w) => w.finish()?,
        };
        out.flush()?;
        Ok(out)
    }

    /// Flushes and closes the file.
    pub fn finish(mut self) -> Result<(), WriteError> {
        self.finish_inner()
    }

    fn finish_inner(&mut self) -> Result<(), WriteError> {
        let Some(sink) = self.sink.take() else {
            return Ok(());
        };
        if !self.dirty {
            // Nothing since the last frame: drop the empty encoder without writing an
            // empty frame/member.
            let mut out = match sink {
                Sink::Plain(w) => w.into_inner().map_err(|e| e.into_error())?,
                Sink::Gzip(w) => w.finish()?,
                Sink::Zstd(w) => w.finish()?,
            };
            out.flush()?;
            return Ok(());
        }
        let mut out = Self::close_sink(sink)?;
        out.flush()?;
        Ok(())
    }

    /// Copies a whole capture from a reader: sections, metadata (re-encoded as the newest
    /// block versions: PL_V9, FDL_V2, IL_V2, UL_V2) and every event with its cpu and flags.
    /// Unknown blocks and event types the reader skipped are not copied.
    pub fn copy_from(&mut self, r: &mut CaptureReader) -> Result<u64, CopyError> {
        let mut pending = Pending::None;
        let mut body: Vec<u8> = Vec::new();
        let mut first_section = true;
        let mut n = 0u64;
        loop {
            let rec = match r.next_record() {
                Ok(Some(rec)) => rec,
                Ok(None) => break,
                Err(e) => {
                    // Keep what was read: close the pending block, then report.
                    self.flush_pending(pending.block_type(), &mut body)?;
                    return Err(CopyError::Read(e));
                }
            };
            let this = match &rec {
                Record::Proc(_) => Pending::Pl,
                Record::Fd(f) => Pending::Fdl(f.tid),
                Record::Interface(_) => Pending::Il,
                Record::User(_) => Pending::Ul,
                _ => Pending::None,
            };
            if this != pending {
                self.flush_pending(pending.block_type(), &mut body)?;
                if let Pending::Fdl(tid) = this {
                    body.extend_from_slice(&tid.to_le_bytes());
                }
                pending = this;
            }
            match rec {
                Record::Section(_) => {
                    if !first_section {
                        self.section_header()?;
                    }
                    first_section = false;
                }
                Record::MachineInfo(mi) => self.machine_info(&mi)?,
                Record::Proc(p) => p.encode_v9(&mut body),
                Record::Fd(f) => f.encode_v2(&mut body),
                Record::Interface(i) => i.encode_v2(&mut body),
                Record::User(u) => u.encode_v2(&mut body),
                Record::Event(e) => {
                    self.event_ref(&e.event, e.cpuid, e.flags)?;
                    n += 1;
                }
            }
        }
        self.flush_pending(pending.block_type(), &mut body)?;
        Ok(n)
    }

    fn flush_pending(&mut self, ty: Option<u32>, body: &mut Vec<u8>) -> Result<(), WriteError> {
        if let Some(t) = ty {
            let what = block::name(t);
            self.meta_check(what)?;
            self.raw_meta_block(t, body)?;
        }
        body.clear();
        Ok(())
    }
}

/// The metadata block being assembled by `copy_from`.
#[derive(PartialEq, Clone, Copy)]
enum Pending {
    None,
    Pl,
    Fdl(u64),
    Il,
    Ul,
}

impl Pending {
    fn block_type(self) -> Option<u32> {
        match self {
            Pending::None => None,
            Pending::Pl => Some(block::PL_V9),
            Pending::Fdl(_) => Some(block::FDL_V2),
            Pending::Il => Some(block::IL_V2),
            Pending::Ul => Some(block::UL_V2),
        }
    }
}

/// Error of [`CaptureWriter::copy_from`].
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum CopyError {
    /// Reading the input failed (everything before the damage was written).
    #[error("{0}")]
    Read(ReadError),
    /// Writing the output failed.
    #[error("{0}")]
    Write(#[from] WriteError),
}

impl Drop for CaptureWriter {
    fn drop(&mut self) {
        // Best effort: end the frame so everything written is decodable.
        let _ = self.finish_inner();
    }
}
