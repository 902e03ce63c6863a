//! The userspace side of the kernel module's per-CPU rings (`scap_abi::ring`).
//!
//! * [`Device`] opens `/dev/harrier`, checks the interface version (`GET_INFO`), maps
//!   every CPU's ring (header page read-only, consumer page read-write, data read-only)
//!   and wraps the ioctls (start/stop, snaplen, syscall mask, statistics).
//! * [`Device::next_record`] merges the per-CPU streams by timestamp (a k-way merge over the
//!   records visible at the last refresh) and yields zero-copy [`RingRecord`]s that
//!   borrow the mapped data; the space of a record is handed back to the kernel when
//!   the next record is requested.
//!
//! The ring bytes are hostile: every header read is bounds-checked against the data
//! area and the producer position; a malformed ring is skipped up to the producer
//! position and counted in [`ConsumerStats::corrupt`], never trusted. This module holds
//! the only `unsafe` code of userspace (mmap and ioctl), each block with its reason.

use std::fs::{File, OpenOptions};
use std::os::fd::AsRawFd;
use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};

use memmap2::{Mmap, MmapMut, MmapOptions};
use scap_abi::event::{hdr, HEADER_LEN};
use scap_abi::ring::{
    ioctl, record_space, CpuStats, DriverInfo, RingHeader, CONSUMER_OFFSET, CPU_MMAP_STRIDE,
    DATA_OFFSET, HEADER_OFFSET, MAX_DATA_SIZE, MIN_RECORD, PAD_EVENT_TYPE, PAGE_SIZE,
    PRODUCER_POS_OFFSET, RING_MAGIC, SYSCALL_MASK_BITS,
};

/// Default device path.
pub const DEVICE_PATH: &str = "/dev/harrier";

/// Why the ring device could not be used.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum RingError {
    /// Opening, mapping or an ioctl failed.
    #[error("{what}: {source}")]
    Io {
        /// The operation, with the device path or CPU.
        what: String,
        /// The OS error.
        source: std::io::Error,
    },
    /// The module speaks another interface version, or its header is not a ring header.
    #[error("{0}")]
    Incompatible(String),
}

fn io_err(what: impl Into<String>, source: std::io::Error) -> RingError {
    RingError::Io {
        what: what.into(),
        source,
    }
}

/// Consumer-side counters of one CPU.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ConsumerStats {
    /// Records handed out by [`Device::next_record`].
    pub consumed: u64,
    /// Times a malformed record made the consumer skip to the producer position.
    pub corrupt: u64,
}

/// One event record read from a ring: the bytes of a complete scap event record
/// (`scap_abi::event::HEADER_LEN` header, lengths, values), borrowed from the mapping.
#[derive(Clone, Copy, Debug)]
pub struct RingRecord<'a> {
    /// CPU whose ring held the record.
    pub cpu: u16,
    /// Event timestamp (ns since the epoch), from the record header.
    pub ts: u64,
    /// The record bytes.
    pub bytes: &'a [u8],
}

/// Read access to a ring's data area (the mapping, or a buffer in tests).
trait RingBytes {
    /// Bytes at `[off, off + len)` of the data area, if inside it.
    fn bytes(&self, off: usize, len: usize) -> Option<&[u8]>;
}

/// Where the next record of a ring is.
#[derive(Debug, PartialEq, Eq)]
enum Next {
    /// A record at `pos` (data offset `off`, `len` bytes, timestamp `ts`).
    Record {
        pos: u64,
        off: usize,
        len: usize,
        ts: u64,
    },
    /// No record before `limit`; pads were skipped up to `pos`.
    Empty { pos: u64 },
    /// A header that cannot be right (bad length, pad in the wrong place, past `limit`).
    Corrupt,
}

fn le32_at<B: RingBytes + ?Sized>(b: &B, off: usize) -> Option<u32> {
    let v = b.bytes(off, 4)?;
    Some(u32::from_le_bytes([v[0], v[1], v[2], v[3]]))
}

/// Finds the next record at or after `pos` and before `limit` in a data area of `size`
/// bytes (a power of two), following the framing of `scap_abi::ring`.
fn locate_next<B: RingBytes + ?Sized>(b: &B, size: u64, mut pos: u64, limit: u64) -> Next {
    loop {
        if pos >= limit {
            return Next::Empty { pos };
        }
        let off = (pos % size) as usize;
        let to_end = size as usize - off;
        if to_end < MIN_RECORD {
            pos += to_end as u64; // implicit pad
            continue;
        }
        let avail = (limit - pos) as usize;
        let (Some(len), Some(ty)) = (le32_at(b, off + hdr::LEN), b.bytes(off + hdr::TYPE, 2))
        else {
            return Next::Corrupt;
        };
        let len = len as usize;
        let ty = u16::from_le_bytes([ty[0], ty[1]]);
        if ty == PAD_EVENT_TYPE {
            if len < MIN_RECORD || len != to_end || len > avail {
                return Next::Corrupt;
            }
            pos += len as u64;
            continue;
        }
        let space = record_space(len);
        if len < HEADER_LEN || space > to_end || space > avail {
            return Next::Corrupt;
        }
        let Some(t) = b.bytes(off, 8) else {
            return Next::Corrupt;
        };
        let mut ts = [0u8; 8];
        ts.copy_from_slice(t);
        return Next::Record {
            pos,
            off,
            len,
            ts: u64::from_le_bytes(ts),
        };
    }
}

struct CpuRing {
    cpu: u16,
    header: Mmap,
    consumer: MmapMut,
    data: Mmap,
    size: u64,
    /// Our consumer position (published to the consumer page on refresh/release).
    pos: u64,
    /// Producer position seen at the last refresh.
    limit: u64,
    /// The next record, once located: (position, offset in data, length, timestamp).
    head: Option<(u64, usize, usize, u64)>,
    stats: ConsumerStats,
}

impl CpuRing {
    fn producer_pos(&self) -> u64 {
        // SAFETY: the header mapping is PAGE_SIZE bytes, page-aligned, and
        // PRODUCER_POS_OFFSET is an 8-byte aligned u64 field inside it that the kernel
        // updates atomically; an atomic load through a shared reference is sound.
        let a = unsafe { &*(self.header.as_ptr().add(PRODUCER_POS_OFFSET) as *const AtomicU64) };
        a.load(Ordering::Acquire)
    }

    fn publish(&mut self) {
        // SAFETY: the consumer mapping is one writable page; offset 0 holds the u64
        // consumer position, 8-byte aligned, read by the kernel atomically.
        let a = unsafe { &*(self.consumer.as_mut_ptr() as *const AtomicU64) };
        a.store(self.pos, Ordering::Release);
    }
}

impl RingBytes for CpuRing {
    fn bytes(&self, off: usize, len: usize) -> Option<&[u8]> {
        let end = off.checked_add(len)?;
        if end > self.data.len() {
            return None;
        }
        // SAFETY: the range is inside the data mapping and lies in
        // [consumer_pos, producer_pos), which the kernel does not write until we publish
        // a consumer position past it (ring protocol), so the bytes are stable while
        // borrowed.
        Some(unsafe { std::slice::from_raw_parts(self.data.as_ptr().add(off), len) })
    }
}

impl CpuRing {
    /// Locates the next record in `[pos, limit)`, skipping pads; None when empty.
    fn locate(&mut self) -> Option<(u64, usize, usize, u64)> {
        match locate_next(&*self, self.size, self.pos, self.limit) {
            Next::Record { pos, off, len, ts } => {
                self.pos = pos;
                Some((pos, off, len, ts))
            }
            Next::Empty { pos } => {
                self.pos = pos;
                None
            }
            Next::Corrupt => self.corrupt(),
        }
    }

    fn corrupt(&mut self) -> Option<(u64, usize, usize, u64)> {
        self.stats.corrupt += 1;
        self.pos = self.limit;
        self.publish();
        None
    }
}

/// An open `/dev/harrier` with every CPU's ring mapped.
pub struct Device {
    file: File,
    info: DriverInfo,
    rings: Vec<CpuRing>,
    /// Index of the ring whose head was handed out last (released on the next call).
    pending: Option<usize>,
}

impl std::fmt::Debug for Device {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Device")
            .field("info", &self.info)
            .field("cpus", &self.rings.len())
            .finish()
    }
}

fn ioctl_ptr(file: &File, cmd: u32, arg: *mut u8, what: &str) -> Result<(), RingError> {
    // SAFETY: `arg` points to a buffer at least as large as the size encoded in `cmd`
    // (the callers pass arrays of exactly that size), or is null for commands without an
    // argument; the kernel validates everything else.
    let r = unsafe { libc::ioctl(file.as_raw_fd(), cmd as libc::c_ulong, arg) };
    if r < 0 {
        return Err(io_err(what, std::io::Error::last_os_error()));
    }
    Ok(())
}

fn le_u64(b: &[u8], at: usize) -> u64 {
    let mut v = [0u8; 8];
    if let Some(s) = b.get(at..at + 8) {
        v.copy_from_slice(s);
    }
    u64::from_le_bytes(v)
}

fn le_u32(b: &[u8], at: usize) -> u32 {
    let mut v = [0u8; 4];
    if let Some(s) = b.get(at..at + 4) {
        v.copy_from_slice(s);
    }
    u32::from_le_bytes(v)
}

impl Device {
    /// Opens the device (one reader at a time: a second open fails with EBUSY) and maps
    /// every CPU's ring. Capture is stopped until [`Device::start`].
    pub fn open(path: impl AsRef<Path>) -> Result<Device, RingError> {
        let path = path.as_ref();
        let file = OpenOptions::new()
            .read(true)
            .write(true)
            .open(path)
            .map_err(|e| io_err(format!("open {}", path.display()), e))?;
        let mut b = [0u8; 40];
        ioctl_ptr(&file, ioctl::GET_INFO, b.as_mut_ptr(), "GET_INFO")?;
        let info = DriverInfo {
            api_version: le_u64(&b, 0),
            schema_version: le_u64(&b, 8),
            n_cpus: le_u32(&b, 16),
            snaplen: le_u32(&b, 20),
            data_size: le_u64(&b, 24),
            capturing: le_u32(&b, 32),
            reserved: le_u32(&b, 36),
        };
        let major = (info.api_version >> 24) as u32;
        if major != scap_abi::API_VERSION.major {
            return Err(RingError::Incompatible(format!(
                "{}: module API major {major}, this reader speaks {}",
                path.display(),
                scap_abi::API_VERSION.major
            )));
        }
        if !info.data_size.is_power_of_two()
            || info.data_size > MAX_DATA_SIZE as u64
            || info.n_cpus == 0
            || info.n_cpus > 4096
        {
            return Err(RingError::Incompatible(format!(
                "{}: implausible {info:?}",
                path.display()
            )));
        }
        let mut rings = Vec::with_capacity(info.n_cpus as usize);
        for cpu in 0..info.n_cpus {
            let base = cpu as u64 * CPU_MMAP_STRIDE;
            let what = |r: &str| format!("mmap {r} of CPU {cpu}");
            // SAFETY: mapping a device region; the kernel validates offset, length and
            // protection. The mappings live in `CpuRing` and are only read through the
            // bounds-checked accessors above.
            let header = unsafe {
                MmapOptions::new()
                    .offset(base + HEADER_OFFSET)
                    .len(PAGE_SIZE)
                    .map(&file)
            }
            .map_err(|e| io_err(what("header"), e))?;
            // SAFETY: as above; the consumer page is the one writable region.
            let consumer = unsafe {
                MmapOptions::new()
                    .offset(base + CONSUMER_OFFSET)
                    .len(PAGE_SIZE)
                    .map_mut(&file)
            }
            .map_err(|e| io_err(what("consumer page"), e))?;
            // SAFETY: as above, read-only data area.
            let data = unsafe {
                MmapOptions::new()
                    .offset(base + DATA_OFFSET)
                    .len(info.data_size as usize)
                    .map(&file)
            }
            .map_err(|e| io_err(what("data"), e))?;
            let magic = le_u32(&header, 0);
            let hsize = le_u64(&header, std::mem::offset_of!(RingHeader, data_size));
            if magic != RING_MAGIC || hsize != info.data_size {
                return Err(RingError::Incompatible(format!(
                    "CPU {cpu}: bad ring header (magic {magic:#x}, size {hsize})"
                )));
            }
            let mut r = CpuRing {
                cpu: cpu as u16,
                header,
                consumer,
                data,
                size: info.data_size,
                pos: 0,
                limit: 0,
                head: None,
                stats: ConsumerStats::default(),
            };
            // Start where the producer is (the kernel resets both at open).
            r.pos = r.producer_pos();
            r.limit = r.pos;
            r.publish();
            rings.push(r);
        }
        Ok(Device {
            file,
            info,
            rings,
            pending: None,
        })
    }

    /// What the module reported at open.
    pub fn info(&self) -> &DriverInfo {
        &self.info
    }

    /// Number of rings (possible CPUs).
    pub fn n_cpus(&self) -> usize {
        self.rings.len()
    }

    /// Starts capture.
    pub fn start(&self) -> Result<(), RingError> {
        ioctl_ptr(&self.file, ioctl::START, std::ptr::null_mut(), "START")
    }

    /// Stops capture; when it returns no probe is still writing, so a final drain sees
    /// every event and the counters are final.
    pub fn stop(&self) -> Result<(), RingError> {
        ioctl_ptr(&self.file, ioctl::STOP, std::ptr::null_mut(), "STOP")
    }

    /// Sets the bytes captured from I/O buffers (1..=MAX_SNAPLEN).
    pub fn set_snaplen(&self, snaplen: u32) -> Result<(), RingError> {
        let mut b = snaplen.to_le_bytes();
        ioctl_ptr(
            &self.file,
            ioctl::SET_SNAPLEN,
            b.as_mut_ptr(),
            "SET_SNAPLEN",
        )
    }

    /// Sets the syscall interest mask (bit n = syscall number n).
    pub fn set_syscall_mask(&self, mask: &[u64; SYSCALL_MASK_BITS / 64]) -> Result<(), RingError> {
        let mut b = [0u8; SYSCALL_MASK_BITS / 8];
        for (c, w) in b.chunks_exact_mut(8).zip(mask) {
            c.copy_from_slice(&w.to_le_bytes());
        }
        ioctl_ptr(
            &self.file,
            ioctl::SET_SYSCALL_MASK,
            b.as_mut_ptr(),
            "SET_SYSCALL_MASK",
        )
    }

    /// The kernel's counters of one CPU (`GET_STATS`).
    pub fn stats(&self, cpu: u32) -> Result<CpuStats, RingError> {
        let mut b = [0u8; 56];
        b[..4].copy_from_slice(&cpu.to_le_bytes());
        ioctl_ptr(&self.file, ioctl::GET_STATS, b.as_mut_ptr(), "GET_STATS")?;
        Ok(CpuStats {
            n_evts: le_u64(&b, 0),
            n_drops_buffer: le_u64(&b, 8),
            n_drops_pf: le_u64(&b, 16),
            n_drops_too_big: le_u64(&b, 24),
            n_seen: le_u64(&b, 32),
            n_filtered: le_u64(&b, 40),
            n_drops_stopped: le_u64(&b, 48),
        })
    }

    /// Our counters of one CPU.
    pub fn consumer_stats(&self, cpu: usize) -> ConsumerStats {
        self.rings.get(cpu).map(|r| r.stats).unwrap_or_default()
    }

    /// Re-reads every producer position; returns whether any ring has new data.
    fn refresh(&mut self) -> bool {
        let mut any = false;
        for r in &mut self.rings {
            r.publish();
            let p = r.producer_pos();
            // A producer behind us or more than a ring ahead is corrupt.
            if p < r.pos || p - r.pos > r.size {
                r.stats.corrupt += 1;
                r.pos = p;
                r.limit = p;
                r.head = None;
                r.publish();
                continue;
            }
            r.limit = p;
            if r.head.is_none() {
                r.head = r.locate();
            }
            any |= r.head.is_some();
        }
        any
    }

    /// The next record in timestamp order among the records visible now, or `None`
    /// when every ring is empty (poll again later). The previous record's space is
    /// returned to the kernel.
    pub fn next_record(&mut self) -> Option<RingRecord<'_>> {
        if let Some(i) = self.pending.take() {
            if let Some(r) = self.rings.get_mut(i) {
                if let Some((pos, _, len, _)) = r.head.take() {
                    r.pos = pos + record_space(len) as u64;
                    r.stats.consumed += 1;
                }
                r.head = r.locate();
                if r.head.is_none() {
                    r.publish();
                }
            }
        }
        let mut best: Option<(usize, u64)> = None;
        for (i, r) in self.rings.iter().enumerate() {
            if let Some((_, _, _, ts)) = r.head {
                if best.is_none_or(|(_, b)| ts < b) {
                    best = Some((i, ts));
                }
            }
        }
        if best.is_none() && self.refresh() {
            for (i, r) in self.rings.iter().enumerate() {
                if let Some((_, _, _, ts)) = r.head {
                    if best.is_none_or(|(_, b)| ts < b) {
                        best = Some((i, ts));
                    }
                }
            }
        }
        let (i, ts) = best?;
        self.pending = Some(i);
        let r = self.rings.get(i)?;
        let (_, off, len, _) = r.head?;
        Some(RingRecord {
            cpu: r.cpu,
            ts,
            bytes: r.bytes(off, len)?,
        })
    }
}

impl Drop for Device {
    fn drop(&mut self) {
        for r in &mut self.rings {
            r.publish();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A ring in a buffer, with the producer algorithm of `kmod/ring.rs` (`Ring::push`).
    struct TestRing {
        data: Vec<u8>,
        prod: u64,
        cons: u64,
    }

    impl RingBytes for TestRing {
        fn bytes(&self, off: usize, len: usize) -> Option<&[u8]> {
            self.data.get(off..off.checked_add(len)?)
        }
    }

    impl TestRing {
        fn new(size: usize) -> Self {
            TestRing {
                data: vec![0; size],
                prod: 0,
                cons: 0,
            }
        }
        fn size(&self) -> u64 {
            self.data.len() as u64
        }
        fn push(&mut self, rec: &[u8]) -> bool {
            let size = self.size();
            let space = record_space(rec.len()) as u64;
            let used = self.prod - self.cons;
            let free = size - used;
            let off = self.prod & (size - 1);
            let to_end = size - off;
            let (pad, need) = if space > to_end {
                (to_end, to_end + space)
            } else {
                (0, space)
            };
            if need > free {
                return false;
            }
            if pad >= MIN_RECORD as u64 {
                let o = off as usize;
                self.data[o..o + 26].fill(0);
                self.data[o + 16..o + 20].copy_from_slice(&(pad as u32).to_le_bytes());
                self.data[o + 20..o + 22].copy_from_slice(&PAD_EVENT_TYPE.to_le_bytes());
            }
            let w = ((self.prod + pad) & (size - 1)) as usize;
            self.data[w..w + rec.len()].copy_from_slice(rec);
            self.prod += pad + space;
            true
        }
    }

    fn record(ts: u64, len: usize) -> Vec<u8> {
        let mut r = vec![0xA5; len];
        r[0..8].copy_from_slice(&ts.to_le_bytes());
        r[16..20].copy_from_slice(&(len as u32).to_le_bytes());
        r[20..22].copy_from_slice(&7u16.to_le_bytes());
        r[22..26].copy_from_slice(&0u32.to_le_bytes());
        r
    }

    #[test]
    fn records_round_trip_across_many_wraps_with_drops_counted() {
        let mut ring = TestRing::new(4096);
        let (mut pushed, mut dropped, mut read) = (0u64, 0u64, Vec::new());
        let mut expect = std::collections::VecDeque::new();
        for i in 0..5000u64 {
            // sizes from the header size up, not multiples of 8, some near the ring size
            let len = HEADER_LEN + ((i * 37) % 300) as usize + if i % 97 == 0 { 1500 } else { 0 };
            let rec = record(i, len);
            if ring.push(&rec) {
                pushed += 1;
                expect.push_back(rec);
            } else {
                dropped += 1;
            }
            // the consumer drains every 13th step: the ring fills up now and then
            if i % 13 == 0 {
                loop {
                    match locate_next(&ring, ring.size(), ring.cons, ring.prod) {
                        Next::Record { pos, off, len, ts } => {
                            let got = ring.bytes(off, len).unwrap().to_vec();
                            assert_eq!(Some(&got), expect.front(), "record ts {ts}");
                            expect.pop_front();
                            read.push(ts);
                            ring.cons = pos + record_space(len) as u64;
                        }
                        Next::Empty { pos } => {
                            ring.cons = pos;
                            break;
                        }
                        Next::Corrupt => panic!("corrupt ring at {}", ring.cons),
                    }
                }
            }
        }
        assert!(
            dropped > 0 && pushed > 1000,
            "pushed {pushed} dropped {dropped}"
        );
        assert_eq!(pushed, read.len() as u64 + expect.len() as u64);
        assert!(read.windows(2).all(|w| w[0] < w[1]));
    }

    #[test]
    fn short_tail_is_an_implicit_pad() {
        let mut ring = TestRing::new(4096);
        // leave 16 bytes (< MIN_RECORD) before the end
        assert!(ring.push(&record(1, 4096 - 16)));
        ring.cons = ring.prod;
        assert!(ring.push(&record(2, 40)));
        match locate_next(&ring, 4096, ring.cons, ring.prod) {
            Next::Record { pos, off, ts, .. } => {
                assert_eq!((pos, off, ts), (4096, 0, 2));
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn hostile_headers_are_corrupt_not_panics() {
        let mut ring = TestRing::new(4096);
        assert!(ring.push(&record(1, 64)));
        // length below the header size
        let mut bad = TestRing {
            data: ring.data.clone(),
            prod: ring.prod,
            cons: 0,
        };
        bad.data[16..20].copy_from_slice(&3u32.to_le_bytes());
        assert_eq!(locate_next(&bad, 4096, 0, bad.prod), Next::Corrupt);
        // length past the producer position
        bad.data[16..20].copy_from_slice(&1000u32.to_le_bytes());
        assert_eq!(locate_next(&bad, 4096, 0, bad.prod), Next::Corrupt);
        // length past the end of the data area
        bad.data[16..20].copy_from_slice(&u32::MAX.to_le_bytes());
        assert_eq!(locate_next(&bad, 4096, 0, 4096), Next::Corrupt);
        // a pad that does not reach the end of the area
        bad.data[16..20].copy_from_slice(&64u32.to_le_bytes());
        bad.data[20..22].copy_from_slice(&PAD_EVENT_TYPE.to_le_bytes());
        assert_eq!(locate_next(&bad, 4096, 0, bad.prod), Next::Corrupt);
        // random bytes never panic
        let mut seed = 0x1234_5678u64;
        for _ in 0..2000 {
            for b in bad.data.iter_mut().take(256) {
                seed = seed
                    .wrapping_mul(6364136223846793005)
                    .wrapping_add(1442695040888963407);
                *b = (seed >> 33) as u8;
            }
            let _ = locate_next(&bad, 4096, 0, (seed >> 40) % 8192);
        }
        // the good ring still reads
        assert!(matches!(
            locate_next(&ring, 4096, 0, ring.prod),
            Next::Record { ts: 1, .. }
        ));
    }
}
