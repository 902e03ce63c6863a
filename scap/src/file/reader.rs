//! The capture-file reader: a lending record stream over plain (mmap), gzip and zstd files.

use std::collections::BTreeMap;
use std::fmt;
use std::fs::File;
use std::io::{self, BufReader, Read};
use std::ops::{ControlFlow, Deref};
use std::path::Path;

use scap_abi::event::{self as abi_event, HEADER_LEN, HEADER_LEN_V1};

use super::meta::{
    block, FdEntry, Interface, MachineInfo, ProcEntry, SectionHeader, UserListEntry, MI_BODY_LEN,
};
use super::prefetch::Prefetch;
use super::writer::ZSTD_WINDOW_LOG;
use crate::codec::{le_u16, le_u32, le_u64};
use crate::event::{len_width, EventError, EventRef};

/// Compression of a capture file, detected from its first bytes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Compression {
    /// Plain scap blocks.
    None,
    /// gzip (one or several members).
    Gzip,
    /// zstd (one or several frames).
    Zstd,
}

impl Compression {
    /// Detects the compression from the first bytes of a file.
    pub fn sniff(head: &[u8]) -> Compression {
        match head {
            [0x1f, 0x8b, ..] => Compression::Gzip,
            [0x28, 0xb5, 0x2f, 0xfd, ..] => Compression::Zstd,
            _ => Compression::None,
        }
    }
}

impl fmt::Display for Compression {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Compression::None => "none",
            Compression::Gzip => "gzip",
            Compression::Zstd => "zstd",
        })
    }
}

/// What went wrong while reading a capture.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ErrorKind {
    /// An I/O or decompression error.
    #[error("I/O error: {0}")]
    Io(#[from] io::Error),
    /// The stream ends inside a block (or a compressed frame).
    #[error("truncated: the block needs {needed} bytes, only {have} present")]
    Truncated {
        /// Bytes the block needs.
        needed: u64,
        /// Bytes present.
        have: u64,
    },
    /// The file does not start with a section header block.
    #[error("not a scap capture: first block type {0:#x} is not a section header")]
    NotScap(u32),
    /// The SHB byte-order magic is wrong.
    #[error("invalid byte-order magic {0:#010x}")]
    BadMagic(u32),
    /// SHB major version newer than 1.
    #[error("unsupported section version {0}.{1}")]
    BadVersion(u16, u16),
    /// A block length below the 12-byte minimum or too short for its type.
    #[error("invalid length {len} for block type {ty:#x}")]
    BadBlockLength {
        /// Block type.
        ty: u32,
        /// Declared total length.
        len: u32,
    },
    /// The trailing length of a metadata block differs from its header.
    #[error("wrong block total length: header {header}, trailer {trailer}")]
    TrailerMismatch {
        /// Header length.
        header: u32,
        /// Trailer length.
        trailer: u32,
    },
    /// A malformed metadata entry.
    #[error("malformed {0}")]
    Malformed(&'static str),
    /// A malformed event record.
    #[error("bad event: {0}")]
    BadEvent(#[from] EventError),
    /// An EV v1 event whose parameter lengths match no parameter count.
    #[error("v1 event of type {0}: cannot infer the parameter count")]
    V1ParamCount(u16),
    /// The file holds no block at all.
    #[error("empty file")]
    Empty,
}

/// A read error, with where it happened: the byte offset of the damaged block or entry
/// (in the decompressed stream for gzip/zstd files), the 1-based block number and the
/// 1-based number of the event being read (= events returned before it + 1).
#[derive(Debug)]
pub struct ReadError {
    /// Byte offset.
    pub offset: u64,
    /// Block number (1-based).
    pub block: u64,
    /// Event number (1-based) that could not be read.
    pub event: u64,
    /// Whether `offset` is in a decompressed stream.
    pub decompressed: bool,
    /// What went wrong.
    pub kind: ErrorKind,
}

impl fmt::Display for ReadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "byte offset {}{} (block {}, event {}): {}",
            self.offset,
            if self.decompressed {
                " of the decompressed stream"
            } else {
                ""
            },
            self.block,
            self.event,
            self.kind
        )
    }
}

impl std::error::Error for ReadError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        Some(&self.kind)
    }
}

/// An event read from a file: the validated record plus its block context.
#[derive(Clone, Copy, Debug)]
pub struct Event<'a> {
    /// The event record.
    pub event: EventRef<'a>,
    /// CPU the event was captured on (`evt.cpu`).
    pub cpuid: u16,
    /// Dump flags (EVF blocks; 1 = state only, 2 = tracer), 0 otherwise.
    pub flags: u32,
    /// 1-based event number in the file (across sections).
    pub num: u64,
    /// Byte offset of its block (decompressed stream for compressed files).
    pub offset: u64,
    /// Block type it came in.
    pub block_type: u32,
}

impl<'a> Deref for Event<'a> {
    type Target = EventRef<'a>;
    fn deref(&self) -> &EventRef<'a> {
        &self.event
    }
}

/// One item of a capture, in file order.
#[derive(Clone, Debug)]
pub enum Record<'a> {
    /// A section header: a new section starts; state from earlier sections is void.
    Section(SectionHeader),
    /// Machine info (boxed: metadata is rare, and it keeps `Record` small to move).
    MachineInfo(Box<MachineInfo>),
    /// One thread of a process-list block (boxed, as above).
    Proc(Box<ProcEntry<'a>>),
    /// One fd of an fd-list block.
    Fd(FdEntry<'a>),
    /// One network interface.
    Interface(Interface<'a>),
    /// One user or group.
    User(UserListEntry<'a>),
    /// An event.
    Event(Event<'a>),
}

/// Counters kept while reading.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ReadStats {
    /// Blocks seen per block type.
    pub blocks: BTreeMap<u32, u64>,
    /// Blocks of unknown type that were skipped.
    pub unknown_blocks: u64,
    /// Events of types unknown to the schema that were skipped.
    pub unknown_events: u64,
    /// Events returned.
    pub events: u64,
    /// Sections (SHBs) seen.
    pub sections: u32,
    /// Metadata entries of unknown kind that were skipped (IL/UL V2).
    pub skipped_entries: u64,
}

enum Source {
    Mapped(MapWindow),
    Bytes(Vec<u8>),
    Stream(Box<dyn Read + Send>),
}

/// A plain file read through a sliding memory map: `map` covers the file from stream
/// offset `base` (the reader's), [`MAP_WINDOW`] bytes at a time (more for a bigger block),
/// so blocks are read in place without a copy and resident memory stays bounded: moving
/// on drops the old window's pages.
struct MapWindow {
    file: File,
    len: u64,
    map: Option<memmap2::Mmap>,
}

/// Bytes mapped at a time.
const MAP_WINDOW: u64 = 8 << 20;

#[derive(Clone, Copy, Debug)]
enum ListKind {
    Pl(u8),
    Fdl { v2: bool, tid: u64 },
    Il(bool),
    Ul(bool),
}

#[derive(Clone, Copy, Debug)]
struct ListState {
    kind: ListKind,
    pos: usize,
    end: usize,
}

/// Where the current block's body lies.
#[derive(Clone, Copy, Debug)]
struct Block {
    ty: u32,
    total: u32,
    offset: u64,
    /// Index of the body in `data()`.
    start: usize,
    /// End of the body (including padding and trailer) in `data()`.
    end: usize,
}

/// The visitors' tight loop state (see `CaptureReader::run_next`), kept in locals: cursor
/// in `data()`, event numbers, blocks taken per type (EV_V2, EV_V2_LARGE, EVF_V2,
/// EVF_V2_LARGE) and where the last one starts; written back by `run_end`.
#[derive(Clone, Copy)]
struct Run {
    /// Whether the loop applies (false: go through the general path).
    live: bool,
    /// `self.base` (file offset of `data()[0]`).
    base: u64,
    at: usize,
    first_num: u64,
    num: u64,
    taken: [u64; 4],
    /// Start of the last block taken (valid when `num > first_num`).
    last_at: usize,
}

/// Where `fast_event` found an event (see `hit_event`).
#[derive(Clone, Copy)]
struct FastHit {
    start: usize,
    end: usize,
    nparams: u32,
    width: u8,
    ety: u16,
    cpuid: u16,
    flags: u32,
    num: u64,
    offset: u64,
    block_type: u32,
}

enum Action {
    Section(SectionHeader),
    Mi(Box<MachineInfo>),
    Entry(ListKind, usize, usize),
    Event {
        start: usize,
        end: usize,
        cpuid: u16,
        flags: u32,
        block: Block,
        scratch: bool,
    },
}

/// Reads a capture file record by record with bounded memory.
///
/// `next_record` lends each [`Record`] from an internal buffer that the next call reuses
/// (plain files are memory-mapped and records point into the map). After an error the
/// reader is finished: every whole record before the damage has been returned.
pub struct CaptureReader {
    src: Source,
    compression: Compression,
    /// Streams: the window of decompressed bytes; `buf[..whi]` is valid and `buf[0]` is at
    /// stream offset `base`. Blocks are framed and events viewed in place, as in a map.
    buf: Vec<u8>,
    base: u64,
    whi: usize,
    scratch: Vec<u8>,
    pos: u64,
    block_no: u64,
    cur: Option<Block>,
    list: Option<ListState>,
    seen_shb: bool,
    done: std::cell::Cell<bool>,
    /// Per-block-type counters (few distinct types: a linear scan beats a map).
    block_counts: Vec<(u32, u64)>,
    /// Index in `block_counts` of the type counted last (event blocks come in runs).
    last_count: usize,
    /// The last counted event failed validation (not returned).
    failed_event: std::cell::Cell<bool>,
    stats: ReadStats,
}

impl fmt::Debug for CaptureReader {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CaptureReader")
            .field("compression", &self.compression)
            .field("pos", &self.pos)
            .field("block_no", &self.block_no)
            .field("stats", &self.stats)
            .finish()
    }
}

const MAX_READ_CHUNK: u64 = 1 << 20;

impl CaptureReader {
    /// Opens a capture file: plain files are memory-mapped (the fastest read; resident
    /// memory grows with the pages read, which the kernel reclaims as it needs), gzip and
    /// zstd files are decompressed through a window of about a megabyte.
    pub fn open(path: impl AsRef<Path>) -> Result<CaptureReader, ReadError> {
        Self::open_with(path.as_ref(), true)
    }

    /// Opens a capture file read through a window of about a megabyte whatever its
    /// compression (plain files too): bounded resident memory, for long-running readers
    /// such as the state engine.
    pub fn open_streaming(path: impl AsRef<Path>) -> Result<CaptureReader, ReadError> {
        Self::open_with(path.as_ref(), false)
    }

    fn open_with(path: &Path, map: bool) -> Result<CaptureReader, ReadError> {
        let io_err = |e: io::Error| ReadError {
            offset: 0,
            block: 0,
            event: 1,
            decompressed: false,
            kind: ErrorKind::Io(e),
        };
        let mut f = File::open(path).map_err(io_err)?;
        let mut head = [0u8; 4];
        let n = read_full(&mut f, &mut head).map_err(io_err)?;
        let compression = Compression::sniff(&head[..n]);
        match compression {
            Compression::None if map => {
                let len = f.metadata().map_err(io_err)?.len();
                let w = MapWindow {
                    file: f,
                    len,
                    map: None,
                };
                Ok(Self::with_source(Source::Mapped(w), Compression::None))
            }
            _ => {
                let prefix = io::Cursor::new(head[..n].to_vec());
                Ok(Self::from_stream(
                    Box::new(prefix.chain(f)),
                    compression,
                    true,
                ))
            }
        }
    }

    /// Reads a capture from any byte stream (compression is sniffed).
    pub fn from_reader<R: Read + Send + 'static>(mut r: R) -> Result<CaptureReader, ReadError> {
        let mut head = [0u8; 4];
        let n = read_full(&mut r, &mut head).map_err(|e| ReadError {
            offset: 0,
            block: 0,
            event: 1,
            decompressed: false,
            kind: ErrorKind::Io(e),
        })?;
        let compression = Compression::sniff(&head[..n]);
        let prefix = io::Cursor::new(head[..n].to_vec());
        Ok(Self::from_stream(
            Box::new(prefix.chain(r)),
            compression,
            true,
        ))
    }

    /// Reads a capture held in memory (plain bytes are read in place; compressed bytes
    /// are decompressed as a stream).
    pub fn from_bytes(bytes: Vec<u8>) -> CaptureReader {
        let compression = Compression::sniff(&bytes);
        match compression {
            Compression::None => Self::with_source(Source::Bytes(bytes), compression),
            _ => Self::from_stream(Box::new(io::Cursor::new(bytes)), compression, false),
        }
    }

    /// `ahead`: decompress on a helper thread ([`Prefetch`]); files and streams do, bytes
    /// already in memory (tests, the fuzz targets) do not.
    fn from_stream(
        raw: Box<dyn Read + Send>,
        compression: Compression,
        ahead: bool,
    ) -> CaptureReader {
        // The window reads 1 MiB at a time, so plain and decoded streams need no buffer of
        // their own; gzip's decoder reads its input through one.
        let src: Box<dyn Read + Send> = match compression {
            Compression::None => raw,
            Compression::Gzip => Box::new(flate2::read::MultiGzDecoder::new(
                BufReader::with_capacity(128 << 10, raw),
            )),
            Compression::Zstd => match zstd::stream::read::Decoder::new(raw) {
                Ok(mut d) => {
                    // Accept the long windows our writer uses, up to 128 MiB (zstd's own
                    // default limit is 2^27): a frame header is hostile input, and a
                    // larger window would make a few bytes allocate gigabytes. Larger
                    // frames fail with zstd's "requires too much memory" error.
                    let _ = d.window_log_max(ZSTD_MAX_WINDOW_LOG);
                    Box::new(d)
                }
                Err(e) => Box::new(FailingReader(Some(e))),
            },
        };
        // Decompression runs a chunk ahead on its own thread (the same bytes, in order).
        let src = match compression {
            Compression::Gzip | Compression::Zstd if ahead => {
                Prefetch::spawn(src).map_or_else(|src| src, |p| Box::new(p))
            }
            _ => src,
        };
        Self::with_source(Source::Stream(src), compression)
    }

    fn with_source(src: Source, compression: Compression) -> CaptureReader {
        CaptureReader {
            src,
            compression,
            buf: Vec::new(),
            base: 0,
            whi: 0,
            scratch: Vec::new(),
            pos: 0,
            block_no: 0,
            cur: None,
            list: None,
            seen_shb: false,
            done: std::cell::Cell::new(false),
            block_counts: Vec::new(),
            last_count: 0,
            failed_event: std::cell::Cell::new(false),
            stats: ReadStats::default(),
        }
    }

    /// Gives back the buffer of a reader made by [`CaptureReader::from_bytes`] over plain
    /// bytes (`None` for files and streams), e.g. to read it again shorter without a copy.
    pub fn into_bytes(self) -> Option<Vec<u8>> {
        match self.src {
            Source::Bytes(b) => Some(b),
            _ => None,
        }
    }

    /// Compression detected.
    pub fn compression(&self) -> Compression {
        self.compression
    }

    /// Counters so far.
    pub fn stats(&self) -> ReadStats {
        let mut s = self.stats.clone();
        s.events = self.events_read();
        s.blocks = self.block_counts.iter().copied().collect();
        s
    }

    /// Events returned so far.
    pub fn events_read(&self) -> u64 {
        self.stats.events - u64::from(self.failed_event.get())
    }

    /// Byte offset of the next block (decompressed stream for compressed files).
    pub fn position(&self) -> u64 {
        self.pos
    }

    /// Whether the file is read through a memory map.
    pub fn is_mapped(&self) -> bool {
        matches!(self.src, Source::Mapped(_))
    }

    fn data(&self) -> &[u8] {
        match &self.src {
            Source::Mapped(w) => w.map.as_deref().unwrap_or(&[]),
            Source::Bytes(b) => b,
            Source::Stream(_) => self.buf.get(..self.whi).unwrap_or(&[]),
        }
    }

    /// Index in `data()` of the next block.
    #[inline]
    fn cursor(&self) -> usize {
        (self.pos - self.base) as usize
    }

    /// Streams: makes the window hold at least `n` bytes from the cursor (fewer at the end
    /// of the stream). Moves the unread bytes to the front first, so block indices from
    /// before the call are void: only called between blocks. The window grows with the
    /// data actually read (64 KiB, doubling up to 1 MiB at a time), so a hostile length cannot make it allocate
    /// more than the stream holds.
    fn fill(&mut self, n: usize) -> io::Result<()> {
        let r = match &mut self.src {
            Source::Stream(r) => r,
            Source::Mapped(w) => {
                let have = w.map.as_ref().map_or(0, |m| m.len() as u64);
                if self.pos - self.base + n as u64 <= have {
                    return Ok(());
                }
                // Slide: map from the cursor (the old window is unmapped when replaced).
                let want = MAP_WINDOW.max(n as u64).min(w.len.saturating_sub(self.pos));
                w.map = None;
                if want > 0 {
                    w.map = Some(map_window(&w.file, self.pos, want as usize)?);
                }
                self.base = self.pos;
                return Ok(());
            }
            Source::Bytes(_) => return Ok(()),
        };
        let c = (self.pos - self.base) as usize;
        if self.whi - c >= n {
            return Ok(());
        }
        if c > 0 {
            self.buf.copy_within(c..self.whi, 0);
            self.whi -= c;
            self.base += c as u64;
        }
        while self.whi < n {
            if self.buf.len() <= self.whi {
                // Start small (short streams stay cheap), double up to 1 MiB steps.
                let step = self.buf.len().clamp(64 << 10, MAX_READ_CHUNK as usize);
                self.buf.resize(self.whi + step, 0);
            }
            let k = loop {
                match r.read(&mut self.buf[self.whi..]) {
                    Ok(k) => break k,
                    Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                    Err(e) => return Err(e),
                }
            };
            if k == 0 {
                break;
            }
            self.whi += k;
        }
        Ok(())
    }

    fn err_at(&mut self, offset: u64, kind: ErrorKind) -> ReadError {
        self.done.set(true);
        self.list = None;
        ReadError {
            offset,
            block: self.block_no,
            event: self.events_read() + 1,
            decompressed: self.compression != Compression::None,
            kind,
        }
    }

    /// Absolute offset of an index into the current block body.
    fn off_of(&self, idx: usize) -> u64 {
        match self.cur {
            Some(b) => b.offset + 8 + (idx - b.start) as u64,
            None => self.pos,
        }
    }

    /// Reads the next block; `Ok(None)` at a clean end of stream.
    fn read_block(&mut self) -> Result<Option<Block>, ReadError> {
        let offset = self.pos;
        if let Source::Stream(_) | Source::Mapped(_) = self.src {
            // The header, then the whole block, into the window (as much as there is).
            let mut res = self.fill(8);
            let c = self.cursor();
            if let (Ok(()), Some(total)) = (&res, le_u32(self.data(), c + 4)) {
                res = self.fill(total.max(8) as usize);
            }
            if let Err(e) = res {
                self.block_no += 1;
                return Err(self.err_at(offset, ErrorKind::Io(e)));
            }
        }
        let res = slice_block(self.data(), self.cursor() as u64, !self.seen_shb);
        let (ty, total, start, end) = match res {
            Ok(Some(b)) => b,
            Ok(None) => return Ok(None),
            Err(kind) => {
                self.block_no += 1;
                return Err(self.err_at(offset, kind));
            }
        };
        self.block_no += 1;
        self.pos += total as u64;
        self.count_block(ty);
        Ok(Some(Block {
            ty,
            total,
            offset,
            start,
            end,
        }))
    }

    #[inline]
    fn count_block(&mut self, ty: u32) {
        match self.block_counts.get_mut(self.last_count) {
            Some(c) if c.0 == ty => c.1 += 1,
            _ => self.count_blocks(ty, 1),
        }
    }

    fn count_blocks(&mut self, ty: u32, n: u64) {
        match self.block_counts.iter().position(|c| c.0 == ty) {
            Some(i) => {
                self.block_counts[i].1 += n;
                self.last_count = i;
            }
            None => {
                self.last_count = self.block_counts.len();
                self.block_counts.push((ty, n));
            }
        }
    }

    /// The fast path for the common case: the next block of an in-memory capture is a
    /// whole EV_V2/EVF_V2 block (or a LARGE one) holding a valid event of a known type,
    /// and no metadata list is pending. It makes the same checks as the general path and
    /// changes nothing unless it returns the event; anything else (metadata, v1 blocks,
    /// streams, damage) is left to the general path, which reports errors, so the two
    /// cannot disagree on what is accepted.
    #[inline]
    fn fast_event(&mut self) -> Option<FastHit> {
        use block::*;
        if self.list.is_some() || !self.seen_shb || self.done.get() {
            return None;
        }
        let at = self.cursor();
        let data = self.data();
        let head: [u8; 8] = data.get(at..at.checked_add(8)?)?.try_into().ok()?;
        let ty = u32::from_le_bytes([head[0], head[1], head[2], head[3]]);
        let total = u32::from_le_bytes([head[4], head[5], head[6], head[7]]);
        let hdr = match ty {
            EV_V2 | EV_V2_LARGE => 2,
            EVF_V2 | EVF_V2_LARGE => 6,
            _ => return None,
        };
        let end = at.checked_add(total as usize)?;
        // Body: cpuid (+ flags), the record, the 4-byte trailer (which must be there).
        let body = data
            .get(at..end)?
            .get(8..(total as usize).checked_sub(4)?)?;
        let (pre, rec) = body.split_at_checked(hdr)?;
        let ety = le_u16(rec, abi_event::hdr::TYPE)?;
        abi_event::info(ety)?;
        let (nparams, width) = EventRef::parse(rec)
            .ok()
            .map(|e| (e.nparams(), e.len_width()))?;
        let rec_len = le_u32(rec, abi_event::hdr::LEN)? as usize;
        let cpuid = u16::from_le_bytes([pre[0], pre[1]]);
        let flags = match pre.get(2..6) {
            Some(f) => u32::from_le_bytes([f[0], f[1], f[2], f[3]]),
            None => 0,
        };
        let offset = self.pos;
        self.block_no += 1;
        self.pos += total as u64;
        self.stats.events += 1;
        let num = self.stats.events;
        self.count_block(ty);
        self.cur = Some(Block {
            ty,
            total,
            offset,
            start: at + 8,
            end,
        });
        let start = at + 8 + hdr;
        Some(FastHit {
            start,
            end: start + rec_len,
            nparams,
            width: width as u8,
            ety,
            cpuid,
            flags,
            num,
            offset,
            block_type: ty,
        })
    }

    /// The event a [`FastHit`] located (validated by `fast_event`).
    #[inline]
    fn hit_event(&self, h: FastHit) -> Result<Option<Event<'_>>, ReadError> {
        match self.data().get(h.start..h.end) {
            Some(buf) => Ok(Some(Event {
                event: EventRef::from_validated(buf, h.nparams, h.width, h.ety),
                cpuid: h.cpuid,
                flags: h.flags,
                num: h.num,
                offset: h.offset,
                block_type: h.block_type,
            })),
            // Cannot happen: `fast_event` checked this range in the same bytes.
            None => Err(ReadError {
                offset: h.offset,
                block: self.block_no,
                event: h.num,
                decompressed: false,
                kind: ErrorKind::Malformed("event block"),
            }),
        }
    }

    /// Checks the trailer of a metadata block; returns the body without it.
    fn meta_body(&mut self, b: Block) -> Result<(usize, usize), ReadError> {
        let trailer = le_u32(self.data(), b.end - 4).unwrap_or(0);
        if trailer != b.total {
            return Err(self.err_at(
                b.offset,
                ErrorKind::TrailerMismatch {
                    header: b.total,
                    trailer,
                },
            ));
        }
        Ok((b.start, b.end - 4))
    }

    fn next_entry(&mut self, ls: ListState) -> Result<Option<Action>, ReadError> {
        if ls.end.saturating_sub(ls.pos) < 4 {
            self.list = None;
            return Ok(None);
        }
        let data = self.data();
        let b = data.get(ls.pos..ls.end).unwrap_or(&[]);
        let (size, skip, what) = match ls.kind {
            ListKind::Pl(v) => (
                ProcEntry::decode(v, b).map(|(_, n)| n),
                false,
                "process-list entry",
            ),
            ListKind::Fdl { v2, tid } => (
                FdEntry::decode(tid, v2, b).map(|(_, n)| n),
                false,
                "fd-list entry",
            ),
            ListKind::Il(v2) => match Interface::decode(v2, b) {
                Some((e, n)) => (Some(n), e.is_none(), "interface-list entry"),
                None => (None, false, "interface-list entry"),
            },
            ListKind::Ul(v2) => match UserListEntry::decode(v2, b) {
                Some((e, n)) => (Some(n), e.is_none(), "user-list entry"),
                None => (None, false, "user-list entry"),
            },
        };
        match size {
            Some(n) if n > 0 && n <= b.len() => {
                self.list = Some(ListState {
                    pos: ls.pos + n,
                    ..ls
                });
                if skip {
                    self.stats.skipped_entries += 1;
                    Ok(None)
                } else {
                    Ok(Some(Action::Entry(ls.kind, ls.pos, ls.pos + n)))
                }
            }
            _ => {
                let off = self.off_of(ls.pos);
                Err(self.err_at(off, ErrorKind::Malformed(what)))
            }
        }
    }

    fn advance(&mut self) -> Result<Option<Action>, ReadError> {
        use block::*;
        loop {
            if self.done.get() {
                return Ok(None);
            }
            if let Some(ls) = self.list {
                match self.next_entry(ls)? {
                    Some(a) => return Ok(Some(a)),
                    None => continue,
                }
            }
            let Some(b) = self.read_block()? else {
                self.done.set(true);
                if self.block_no == 0 {
                    return Err(self.err_at(0, ErrorKind::Empty));
                }
                return Ok(None);
            };
            self.cur = Some(b);
            if !self.seen_shb && b.ty != SHB {
                return Err(self.err_at(b.offset, ErrorKind::NotScap(b.ty)));
            }
            match b.ty {
                SHB => {
                    let (s, e) = self.meta_body(b)?;
                    let body = self.data().get(s..e).unwrap_or(&[]);
                    let (Some(magic), Some(major), Some(minor), Some(slen)) = (
                        le_u32(body, 0),
                        le_u16(body, 4),
                        le_u16(body, 6),
                        le_u64(body, 8),
                    ) else {
                        return Err(self.err_at(
                            b.offset,
                            ErrorKind::BadBlockLength {
                                ty: b.ty,
                                len: b.total,
                            },
                        ));
                    };
                    if magic != BYTE_ORDER_MAGIC {
                        return Err(self.err_at(b.offset, ErrorKind::BadMagic(magic)));
                    }
                    if major > 1 {
                        return Err(self.err_at(b.offset, ErrorKind::BadVersion(major, minor)));
                    }
                    let options_len = body.len() - 16;
                    self.seen_shb = true;
                    let index = self.stats.sections;
                    self.stats.sections += 1;
                    return Ok(Some(Action::Section(SectionHeader {
                        major,
                        minor,
                        section_length: slen as i64,
                        options_len,
                        index,
                    })));
                }
                MI | MI_INT => {
                    let (s, e) = self.meta_body(b)?;
                    if e - s < MI_BODY_LEN {
                        return Err(self.err_at(
                            b.offset,
                            ErrorKind::BadBlockLength {
                                ty: b.ty,
                                len: b.total,
                            },
                        ));
                    }
                    let mi = MachineInfo::decode(&self.data()[s..e]);
                    match mi {
                        Some(mi) => return Ok(Some(Action::Mi(Box::new(mi)))),
                        None => {
                            return Err(self.err_at(b.offset, ErrorKind::Malformed("machine info")))
                        }
                    }
                }
                FDL_V1 | FDL_V1_INT | FDL_V2 => {
                    let (s, e) = self.meta_body(b)?;
                    let Some(tid) = le_u64(self.data(), s).filter(|_| e - s >= 8) else {
                        return Err(self.err_at(b.offset, ErrorKind::Malformed("fd-list header")));
                    };
                    let v2 = b.ty == FDL_V2;
                    self.list = Some(ListState {
                        kind: ListKind::Fdl { v2, tid },
                        pos: s + 8,
                        end: e,
                    });
                }
                IL_V1 | IL_V1_INT | IL_V2 => {
                    let (s, e) = self.meta_body(b)?;
                    self.list = Some(ListState {
                        kind: ListKind::Il(b.ty == IL_V2),
                        pos: s,
                        end: e,
                    });
                }
                UL_V1 | UL_V1_INT | UL_V2 => {
                    let (s, e) = self.meta_body(b)?;
                    self.list = Some(ListState {
                        kind: ListKind::Ul(b.ty == UL_V2),
                        pos: s,
                        end: e,
                    });
                }
                EV_V2 | EV_V2_LARGE | EVF_V2 | EVF_V2_LARGE | EV_V1 | EV_V1_INT | EVF_V1 => {
                    let with_flags = matches!(b.ty, EVF_V2 | EVF_V2_LARGE | EVF_V1);
                    let v1 = matches!(b.ty, EV_V1 | EV_V1_INT | EVF_V1);
                    let hdr = if with_flags { 6 } else { 2 };
                    let data = self.data();
                    let body = data.get(b.start..b.end).unwrap_or(&[]);
                    let min = hdr + 4 + if v1 { HEADER_LEN_V1 } else { HEADER_LEN };
                    if body.len() < min {
                        return Err(self.err_at(
                            b.offset,
                            ErrorKind::BadBlockLength {
                                ty: b.ty,
                                len: b.total,
                            },
                        ));
                    }
                    let cpuid = le_u16(body, 0).unwrap_or(0);
                    let flags = if with_flags {
                        le_u32(body, 2).unwrap_or(0)
                    } else {
                        0
                    };
                    let rec_start = b.start + hdr;
                    let rec_end = b.end - 4;
                    let ty = le_u16(data, rec_start + abi_event::hdr::TYPE).unwrap_or(u16::MAX);
                    if abi_event::info(ty).is_none() {
                        self.stats.unknown_events += 1;
                        continue;
                    }
                    if v1 {
                        self.convert_v1(rec_start, rec_end, b)?;
                        let end = self.scratch.len();
                        return Ok(Some(Action::Event {
                            start: 0,
                            end,
                            cpuid,
                            flags,
                            block: b,
                            scratch: true,
                        }));
                    }
                    return Ok(Some(Action::Event {
                        start: rec_start,
                        end: rec_end,
                        cpuid,
                        flags,
                        block: b,
                        scratch: false,
                    }));
                }
                _ => {
                    if let Some(v) = pl_version(b.ty) {
                        let (s, e) = self.meta_body(b)?;
                        self.list = Some(ListState {
                            kind: ListKind::Pl(v),
                            pos: s,
                            end: e,
                        });
                    } else {
                        self.stats.unknown_blocks += 1;
                    }
                }
            }
        }
    }

    /// Rewrites a v1 record (22-byte header, no nparams) as a v2 record in `scratch`,
    /// inferring nparams as libscap does: the largest count (at most the table's) whose
    /// lengths add up exactly to the record length.
    fn convert_v1(&mut self, start: usize, end: usize, b: Block) -> Result<(), ReadError> {
        let data = match &self.src {
            Source::Mapped(w) => w.map.as_deref().unwrap_or(&[]),
            Source::Bytes(v) => &v[..],
            Source::Stream(_) => &self.buf[..],
        };
        let rec = data.get(start..end).unwrap_or(&[]);
        let len = le_u32(rec, abi_event::hdr::LEN).unwrap_or(0) as usize;
        let ty = le_u16(rec, abi_event::hdr::TYPE).unwrap_or(0);
        let table_n = abi_event::info_e5c53d64(ty)
            .or_else(|| abi_event::info(ty))
            .map(|i| i.params.len())
            .unwrap_or(0);
        let w = len_width(ty);
        let mut found = None;
        if len >= HEADER_LEN_V1 && len <= rec.len() {
            for n in (0..=table_n).rev() {
                let lens_end = HEADER_LEN_V1 + n * w;
                if lens_end > len {
                    continue;
                }
                let mut sum = 0usize;
                for i in 0..n {
                    let o = HEADER_LEN_V1 + i * w;
                    sum += if w == 2 {
                        le_u16(rec, o).unwrap_or(0) as usize
                    } else {
                        le_u32(rec, o).unwrap_or(0) as usize
                    };
                }
                if lens_end + sum == len {
                    found = Some(n);
                    break;
                }
            }
        }
        let Some(n) = found else {
            return Err(self.err_at(b.offset, ErrorKind::V1ParamCount(ty)));
        };
        self.scratch.clear();
        self.scratch.extend_from_slice(&rec[..HEADER_LEN_V1]);
        self.scratch.extend_from_slice(&(n as u32).to_le_bytes());
        self.scratch.extend_from_slice(&rec[HEADER_LEN_V1..len]);
        let new_len = (len + 4) as u32;
        self.scratch[16..20].copy_from_slice(&new_len.to_le_bytes());
        Ok(())
    }

    /// Returns the next record, `Ok(None)` at the end, or the error that stopped reading
    /// (after which every call returns `Ok(None)`).
    pub fn next_record(&mut self) -> Result<Option<Record<'_>>, ReadError> {
        if let Some(h) = self.fast_event() {
            return self.hit_event(h).map(|e| e.map(Record::Event));
        }
        let Some(action) = self.advance()? else {
            return Ok(None);
        };
        match action {
            Action::Section(h) => Ok(Some(Record::Section(h))),
            Action::Mi(m) => Ok(Some(Record::MachineInfo(m))),
            Action::Entry(kind, s, e) => {
                // Decoding succeeded in `next_entry` on the same bytes, so the `None` arm
                // cannot happen; it still reports an error rather than panicking.
                let unreachable_err = ReadError {
                    offset: self.off_of(s),
                    block: self.block_no,
                    event: self.events_read() + 1,
                    decompressed: self.compression != Compression::None,
                    kind: ErrorKind::Malformed("metadata entry"),
                };
                let b = &self.data()[s..e];
                let rec = match kind {
                    ListKind::Pl(v) => {
                        ProcEntry::decode(v, b).map(|(p, _)| Record::Proc(Box::new(p)))
                    }
                    ListKind::Fdl { v2, tid } => {
                        FdEntry::decode(tid, v2, b).map(|(f, _)| Record::Fd(f))
                    }
                    ListKind::Il(v2) => Interface::decode(v2, b)
                        .and_then(|(i, _)| i)
                        .map(Record::Interface),
                    ListKind::Ul(v2) => UserListEntry::decode(v2, b)
                        .and_then(|(u, _)| u)
                        .map(Record::User),
                };
                rec.map(Some).ok_or(unreachable_err)
            }
            Action::Event {
                start,
                end,
                cpuid,
                flags,
                block,
                scratch,
            } => self
                .event_record(start, end, cpuid, flags, block, scratch)
                .map(|e| e.map(Record::Event)),
        }
    }

    /// Validates and returns the event an `Action::Event` points at.
    fn event_record(
        &mut self,
        start: usize,
        end: usize,
        cpuid: u16,
        flags: u32,
        block: Block,
        scratch: bool,
    ) -> Result<Option<Event<'_>>, ReadError> {
        self.stats.events += 1;
        let num = self.stats.events;
        let err = |kind| ReadError {
            offset: block.offset,
            block: self.block_no,
            event: num,
            decompressed: self.compression != Compression::None,
            kind,
        };
        let bytes = if scratch {
            self.scratch.get(start..end)
        } else {
            self.data().get(start..end)
        };
        match EventRef::parse(bytes.unwrap_or(&[])) {
            Ok(event) => Ok(Some(Event {
                event,
                cpuid,
                flags,
                num,
                offset: block.offset,
                block_type: block.ty,
            })),
            Err(e) => {
                // `done` is a Cell so the reader can be finished while `self` is borrowed.
                self.done.set(true);
                self.failed_event.set(true);
                let e = err(ErrorKind::BadEvent(e));
                Err(e)
            }
        }
    }

    /// Visits every remaining record in file order, the fastest way to read a whole
    /// capture: runs of event blocks in memory-mapped or in-memory files are walked by a
    /// tight loop that keeps its cursor and counters in locals (the same checks as
    /// [`CaptureReader::next_record`]; anything else, and every error, goes through it).
    /// `f` returns [`ControlFlow::Break`] to stop early; reading can then resume with any
    /// of the reader's methods. Returns the error that stopped reading, if any.
    ///
    /// `f` is called from one place for both paths, so the compiler can inline a
    /// consumer into the loop.
    pub fn for_each_record<F>(&mut self, mut f: F) -> Result<(), ReadError>
    where
        F: FnMut(Record<'_>) -> ControlFlow<()>,
    {
        let mut run = self.run_begin();
        // `data()` while the run lasts (the general path may move a mapped window).
        let mut data = self.data();
        loop {
            let fast = if run.live {
                Self::run_next(data, &mut run)
            } else {
                None
            };
            let rec = match fast {
                Some(e) => Record::Event(e),
                None => {
                    data = &[];
                    self.run_end(run);
                    run.live = false;
                    match self.next_record()? {
                        None => return Ok(()),
                        Some(r) => r,
                    }
                }
            };
            if f(rec).is_break() {
                self.run_end(run);
                return Ok(());
            }
            if !run.live {
                run = self.run_begin();
                data = self.data();
            }
        }
    }

    /// Like [`CaptureReader::for_each_record`], for events only (metadata is skipped).
    #[inline]
    pub fn for_each_event<F>(&mut self, mut f: F) -> Result<(), ReadError>
    where
        F: FnMut(Event<'_>) -> ControlFlow<()>,
    {
        self.for_each_record(|r| match r {
            Record::Event(e) => f(e),
            _ => ControlFlow::Continue(()),
        })
    }

    /// Starts a run of the visitors' tight loop at the cursor, if it applies there (no
    /// metadata list pending, a section seen, not finished).
    #[inline]
    fn run_begin(&self) -> Run {
        Run {
            live: self.list.is_none() && self.seen_shb && !self.done.get(),
            base: self.base,
            at: self.cursor(),
            first_num: self.stats.events,
            num: self.stats.events,
            taken: [0; 4],
            last_at: 0,
        }
    }

    /// The tight loop's step: the EV_V2/EVF_V2(/LARGE) block at `run.at` in `data`
    /// (`data()`), if it is whole there and holds a valid event of a known type (`None`
    /// leaves `run` at that block, which the general path then reads after `run_end`).
    #[inline(always)]
    fn run_next<'s>(data: &'s [u8], run: &mut Run) -> Option<Event<'s>> {
        use block::*;
        let at = run.at;
        let head = data.get(at..)?.first_chunk::<8>()?;
        let ty = u32::from_le_bytes([head[0], head[1], head[2], head[3]]);
        let total = u32::from_le_bytes([head[4], head[5], head[6], head[7]]) as usize;
        let (hdr, slot) = if ty == EV_V2 {
            (2, 0)
        } else {
            match ty {
                EV_V2_LARGE => (2, 1),
                EVF_V2 => (6, 2),
                EVF_V2_LARGE => (6, 3),
                _ => return None,
            }
        };
        let end = at.checked_add(total)?;
        // Body: cpuid (+ flags), the record, the 4-byte trailer.
        let body = data
            .get(at..end)?
            .get(8..total.checked_sub(4)?)
            .filter(|b| b.len() >= hdr)?;
        let (pre, rec) = body.split_at(hdr);
        match le_u16(rec, abi_event::hdr::TYPE) {
            Some(ety) if abi_event::info(ety).is_some() => {}
            _ => return None,
        }
        let event = EventRef::parse(rec).ok()?;
        let flags = match pre.get(2..6) {
            Some(x) => u32::from_le_bytes([x[0], x[1], x[2], x[3]]),
            None => 0,
        };
        run.num += 1;
        run.taken[slot] += 1;
        run.last_at = at;
        run.at = end;
        Some(Event {
            event,
            cpuid: u16::from_le_bytes([pre[0], pre[1]]),
            flags,
            num: run.num,
            offset: run.base + at as u64,
            block_type: ty,
        })
    }

    /// Writes a run's cursor and counters back into the reader.
    fn run_end(&mut self, run: Run) {
        use block::*;
        if run.live && run.num > run.first_num {
            let n = run.num - run.first_num;
            // The last block's header, as `run_next` read it.
            let head = self
                .data()
                .get(run.last_at..run.last_at + 8)
                .unwrap_or(&[0; 8]);
            self.cur = Some(Block {
                ty: le_u32(head, 0).unwrap_or(0),
                total: le_u32(head, 4).unwrap_or(0),
                offset: self.base + run.last_at as u64,
                start: run.last_at + 8,
                end: run.at,
            });
            self.pos = self.base + run.at as u64;
            self.block_no += n;
            self.stats.events = run.num;
            for (ty, k) in [EV_V2, EV_V2_LARGE, EVF_V2, EVF_V2_LARGE]
                .into_iter()
                .zip(run.taken)
            {
                if k > 0 {
                    self.count_blocks(ty, k);
                }
            }
        }
    }

    /// Skips metadata and returns the next event (see [`CaptureReader::next_record`]).
    pub fn next_event(&mut self) -> Result<Option<Event<'_>>, ReadError> {
        if let Some(h) = self.fast_event() {
            return self.hit_event(h);
        }
        loop {
            match self.advance()? {
                None => return Ok(None),
                Some(Action::Event {
                    start,
                    end,
                    cpuid,
                    flags,
                    block,
                    scratch,
                }) => {
                    return self.event_record(start, end, cpuid, flags, block, scratch);
                }
                Some(_) => continue,
            }
        }
    }
}

/// Largest zstd window the reader accepts (log2 bytes): ours plus one (128 MiB).
const ZSTD_MAX_WINDOW_LOG: u32 = ZSTD_WINDOW_LOG + 1;

/// Reads until `buf` is full or EOF; returns the bytes read.
fn read_full<R: Read + ?Sized>(r: &mut R, buf: &mut [u8]) -> io::Result<usize> {
    let mut n = 0;
    while n < buf.len() {
        match r.read(&mut buf[n..]) {
            Ok(0) => break,
            Ok(k) => n += k,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(n)
}

type BlockSpan = Option<(u32, u32, usize, usize)>;

/// Frames the block at `offset` of an in-memory capture: (type, total, body start, end).
/// With `expect_shb`, a first block that is not a section header is rejected before its
/// length is looked at (so a non-capture file says so rather than "truncated").
fn slice_block(data: &[u8], offset: u64, expect_shb: bool) -> Result<BlockSpan, ErrorKind> {
    let at = usize::try_from(offset).unwrap_or(usize::MAX);
    let left = data.len().saturating_sub(at);
    if left == 0 {
        return Ok(None);
    }
    if left < 8 {
        return Err(ErrorKind::Truncated {
            needed: 8,
            have: left as u64,
        });
    }
    let ty = le_u32(data, at).unwrap_or(0);
    if expect_shb && ty != block::SHB {
        return Err(ErrorKind::NotScap(ty));
    }
    let total = le_u32(data, at + 4).unwrap_or(0);
    if total < 12 {
        return Err(ErrorKind::BadBlockLength { ty, len: total });
    }
    if total as usize > left {
        return Err(ErrorKind::Truncated {
            needed: total as u64,
            have: left as u64,
        });
    }
    Ok(Some((ty, total, at + 8, at + total as usize)))
}

struct FailingReader(Option<io::Error>);
impl Read for FailingReader {
    fn read(&mut self, _: &mut [u8]) -> io::Result<usize> {
        Err(self
            .0
            .take()
            .unwrap_or_else(|| io::Error::other("decoder failed")))
    }
}

/// Maps `len` bytes (> 0) of a plain capture file from `offset`, read-only.
#[allow(unsafe_code)]
fn map_window(f: &File, offset: u64, len: usize) -> io::Result<memmap2::Mmap> {
    // SAFETY: the map is read-only and only ever read through bounds-checked slices. The
    // one hazard memmap2 documents is another process truncating or rewriting the file
    // while it is mapped (SIGBUS or changing bytes); every byte is treated as hostile
    // input anyway, and capture files are not modified in place by our tools.
    unsafe { memmap2::MmapOptions::new().offset(offset).len(len).map(f) }
}
