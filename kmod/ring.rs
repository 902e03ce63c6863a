//! One CPU's ring: the producer side of `abi::ring` (see the protocol there).
//!
//! Memory: one `vmalloc_user` area per CPU, `[RingHeader page][RingConsumer page][data]`,
//! zeroed, mapped into the reader by `device.rs`/`glue_dev.c`. Only the CPU that owns a
//! ring writes its data and header, with preemption disabled (probes.rs), so the header
//! fields are single-writer; they are accessed as atomics because the reader reads them
//! concurrently. The consumer page is written by the (untrusted) reader: its value is
//! only ever used to compute free space, and every write offset is reduced modulo
//! `data_size`, so a hostile value can lose events but never corrupt memory.

use crate::abi::ring::{
    record_space, CpuStats, RingHeader, CONSUMER_OFFSET, DATA_OFFSET, MIN_RECORD,
    PAD_EVENT_TYPE, RING_MAGIC,
};
use crate::abi::API_VERSION;
use crate::ffi;
use core::mem::offset_of;
use core::sync::atomic::{AtomicU32, AtomicU64, Ordering};
use kernel::prelude::*;

/// Size of the per-CPU scratch buffer events are encoded into before they are copied
/// into the ring (the largest possible event: read/write data of `MAX_SNAPLEN` bytes plus
/// headers, or execve with its bounded argument, environment and cgroup strings).
pub(crate) const SCRATCH_LEN: usize = 80 << 10;
/// Size of the per-CPU temporary buffer for user strings that are split before encoding.
pub(crate) const TMP_LEN: usize = 4096;

/// Outcome of [`Ring::push`].
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Push {
    /// Written and published.
    Written,
    /// Dropped: not enough free space.
    Full,
    /// Dropped: larger than the whole data area.
    TooBig,
}

pub(crate) struct Ring {
    /// Start of the vmalloc_user area (header page).
    base: *mut u8,
    data_size: usize,
    /// Per-CPU encode buffer (`SCRATCH_LEN` bytes) and string buffer (`TMP_LEN`).
    pub(crate) scratch: *mut u8,
    pub(crate) tmp: *mut u8,
}

// SAFETY: a `Ring` is plain pointers to memory owned by the module state; concurrent use
// is serialised by the single-writer-per-CPU rule above.
unsafe impl Send for Ring {}
// SAFETY: as above: shared access only reads immutable fields or goes through atomics.
unsafe impl Sync for Ring {}

impl Ring {
    /// Allocates the ring of `cpu` with a data area of `data_size` bytes (a power of two).
    pub(crate) fn new(cpu: u32, data_size: usize) -> Result<Ring> {
        let total = DATA_OFFSET as usize + data_size;
        // SAFETY: plain allocation calls; results are checked for NULL below.
        let base = unsafe { ffi::harrier_vmalloc_user(total as _) } as *mut u8;
        // SAFETY: as above.
        let scratch = unsafe { ffi::harrier_vmalloc((SCRATCH_LEN + TMP_LEN) as _) } as *mut u8;
        if base.is_null() || scratch.is_null() {
            // SAFETY: vfree accepts NULL and pointers returned by vmalloc*.
            unsafe {
                ffi::vfree(base as _);
                ffi::vfree(scratch as _);
            }
            return Err(ENOMEM);
        }
        // SAFETY: `scratch` holds SCRATCH_LEN + TMP_LEN bytes.
        let tmp = unsafe { scratch.add(SCRATCH_LEN) };
        let ring = Ring { base, data_size, scratch, tmp };
        ring.u32_at(offset_of!(RingHeader, magic)).store(RING_MAGIC, Ordering::Relaxed);
        ring.u32_at(offset_of!(RingHeader, api_major)).store(API_VERSION.major, Ordering::Relaxed);
        ring.u32_at(offset_of!(RingHeader, cpu)).store(cpu, Ordering::Relaxed);
        ring.u64_at(offset_of!(RingHeader, data_size)).store(data_size as u64, Ordering::Relaxed);
        Ok(ring)
    }

    /// vmalloc base of the whole mappable area and its length (for mmap).
    pub(crate) fn area(&self) -> (*mut u8, usize) {
        (self.base, DATA_OFFSET as usize + self.data_size)
    }

    fn u64_at(&self, off: usize) -> &AtomicU64 {
        // SAFETY: `off` is a field offset inside the header page or the consumer page,
        // 8-byte aligned (page-aligned base, repr(C) u64 fields); the memory lives as long
        // as `self` and is only accessed atomically.
        unsafe { &*(self.base.add(off) as *const AtomicU64) }
    }

    fn u32_at(&self, off: usize) -> &AtomicU32 {
        // SAFETY: as in `u64_at`, for the 4-byte aligned u32 header fields.
        unsafe { &*(self.base.add(off) as *const AtomicU32) }
    }

    /// Adds one to a header counter (single writer: load + store, no locked instruction).
    #[inline]
    pub(crate) fn bump(&self, field: usize) {
        let c = self.u64_at(field);
        c.store(c.load(Ordering::Relaxed).wrapping_add(1), Ordering::Relaxed);
    }

    /// Resets positions and counters. Only while no probe can write (capture stopped
    /// and tracepoints synchronised) and no reader maps the ring.
    pub(crate) fn reset(&self) {
        for f in [
            offset_of!(RingHeader, producer_pos),
            offset_of!(RingHeader, n_evts),
            offset_of!(RingHeader, n_drops_buffer),
            offset_of!(RingHeader, n_drops_pf),
            offset_of!(RingHeader, n_drops_too_big),
            offset_of!(RingHeader, n_seen),
            offset_of!(RingHeader, n_filtered),
            offset_of!(RingHeader, n_drops_stopped),
        ] {
            self.u64_at(f).store(0, Ordering::Relaxed);
        }
        self.u64_at(CONSUMER_OFFSET as usize).store(0, Ordering::Release);
    }

    pub(crate) fn stats(&self) -> CpuStats {
        let g = |f| self.u64_at(f).load(Ordering::Relaxed);
        CpuStats {
            n_evts: g(offset_of!(RingHeader, n_evts)),
            n_drops_buffer: g(offset_of!(RingHeader, n_drops_buffer)),
            n_drops_pf: g(offset_of!(RingHeader, n_drops_pf)),
            n_drops_too_big: g(offset_of!(RingHeader, n_drops_too_big)),
            n_seen: g(offset_of!(RingHeader, n_seen)),
            n_filtered: g(offset_of!(RingHeader, n_filtered)),
            n_drops_stopped: g(offset_of!(RingHeader, n_drops_stopped)),
        }
    }

    /// Copies one encoded record into the ring and publishes it, or drops it. Called by
    /// the owning CPU with preemption disabled. Counts the outcome in the header.
    pub(crate) fn push(&self, rec: &[u8]) -> Push {
        let size = self.data_size as u64;
        let space = record_space(rec.len()) as u64;
        if space > size {
            self.bump(offset_of!(RingHeader, n_drops_too_big));
            return Push::TooBig;
        }
        let prod_a = self.u64_at(offset_of!(RingHeader, producer_pos));
        let prod = prod_a.load(Ordering::Relaxed);
        let cons = self.u64_at(CONSUMER_OFFSET as usize).load(Ordering::Acquire);
        // A consumer ahead of the producer or more than a ring behind is invalid: no space.
        let used = prod.wrapping_sub(cons);
        let free = if used > size { 0 } else { size - used };
        let off = prod & (size - 1);
        let to_end = size - off;
        let (pad, need) = if space > to_end { (to_end, to_end + space) } else { (0, space) };
        if need > free {
            self.bump(offset_of!(RingHeader, n_drops_buffer));
            return Push::Full;
        }
        // SAFETY: `data` is the data area of `data_size` bytes; every range written below
        // lies inside it: [off, off + pad) with pad == size - off, and [woff, woff + len)
        // with woff + space <= size because a record never wraps.
        unsafe {
            let data = self.base.add(DATA_OFFSET as usize);
            if pad >= MIN_RECORD as u64 {
                let mut hdr = [0u8; 26];
                hdr[16..20].copy_from_slice(&(pad as u32).to_le_bytes());
                hdr[20..22].copy_from_slice(&PAD_EVENT_TYPE.to_le_bytes());
                core::ptr::copy_nonoverlapping(hdr.as_ptr(), data.add(off as usize), hdr.len());
            }
            let woff = ((prod + pad) & (size - 1)) as usize;
            core::ptr::copy_nonoverlapping(rec.as_ptr(), data.add(woff), rec.len());
        }
        prod_a.store(prod + pad + space, Ordering::Release);
        self.bump(offset_of!(RingHeader, n_evts));
        Push::Written
    }
}

impl Drop for Ring {
    fn drop(&mut self) {
        // SAFETY: both pointers came from vmalloc* in `new` and are freed once. Pages still
        // mapped by a reader would keep their own references (vm_insert_page), but the
        // module cannot be unloaded while the device is open or mapped (fops owner).
        unsafe {
            ffi::vfree(self.base as _);
            ffi::vfree(self.scratch as _);
        }
    }
}
