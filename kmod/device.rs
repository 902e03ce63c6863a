//! `/dev/harrier`: the callbacks `glue_dev.c` forwards the file operations to.
//!
//! * open: one reader at a time (`EBUSY` otherwise); rings are reset for the new reader.
//! * release: stops capture and waits for in-flight probes.
//! * ioctl: `abi::ring::ioctl`; every argument is copied with `UserSlice` and validated.
//! * mmap: per CPU, exactly one of the three regions of `abi::ring` (header page
//!   read-only, consumer page writable, data read-only) at `cpu * CPU_MMAP_STRIDE + off`.

use crate::abi::ring::{
    ioctl, DriverInfo, CONSUMER_OFFSET, CPU_MMAP_STRIDE, DATA_OFFSET, HEADER_OFFSET, MAX_SNAPLEN,
    PAGE_SIZE,
};
use crate::abi::{API_VERSION, SCHEMA_VERSION};
use crate::{ffi, state};
use core::ffi::{c_int, c_long, c_uint, c_ulong, c_void};
use core::sync::atomic::Ordering;
use kernel::prelude::*;
use kernel::uaccess::UserSlice;

fn stop_and_sync(st: &state::State) {
    st.capturing.store(false, Ordering::SeqCst);
    // SAFETY: process context (ioctl or release); waits for every running probe.
    unsafe { ffi::harrier_tp_sync() };
}

#[no_mangle]
extern "C" fn harrier_rs_open() -> c_int {
    let Some(st) = state::get() else { return ENODEV.to_errno() };
    if st.opened.swap(true, Ordering::AcqRel) {
        return EBUSY.to_errno();
    }
    // The previous reader's release stopped capture and synchronised the probes, and its
    // mappings are gone (a mapping holds the file open), so nobody touches the rings.
    for r in st.rings.iter() {
        r.reset();
    }
    0
}

#[no_mangle]
extern "C" fn harrier_rs_release() {
    if let Some(st) = state::get() {
        stop_and_sync(st);
        st.opened.store(false, Ordering::Release);
    }
}

fn info_bytes(st: &state::State) -> [u8; 40] {
    let i = DriverInfo {
        api_version: API_VERSION.packed(),
        schema_version: SCHEMA_VERSION.packed(),
        n_cpus: st.rings.len() as u32,
        snaplen: st.snaplen.load(Ordering::Relaxed),
        data_size: st.data_size as u64,
        capturing: st.capturing.load(Ordering::Relaxed) as u32,
        reserved: 0,
    };
    let mut b = [0u8; 40];
    b[0..8].copy_from_slice(&i.api_version.to_le_bytes());
    b[8..16].copy_from_slice(&i.schema_version.to_le_bytes());
    b[16..20].copy_from_slice(&i.n_cpus.to_le_bytes());
    b[20..24].copy_from_slice(&i.snaplen.to_le_bytes());
    b[24..32].copy_from_slice(&i.data_size.to_le_bytes());
    b[32..36].copy_from_slice(&i.capturing.to_le_bytes());
    b
}

fn do_ioctl(st: &state::State, cmd: u32, arg: usize) -> Result<c_long> {
    match cmd {
        ioctl::START => {
            st.capturing.store(true, Ordering::SeqCst);
            Ok(0)
        }
        ioctl::STOP => {
            stop_and_sync(st);
            Ok(0)
        }
        ioctl::SET_SNAPLEN => {
            let mut b = [0u8; 4];
            UserSlice::new(arg, 4).reader().read_slice(&mut b)?;
            let v = u32::from_le_bytes(b);
            if v == 0 || v > MAX_SNAPLEN {
                return Err(EINVAL);
            }
            st.snaplen.store(v, Ordering::Relaxed);
            Ok(0)
        }
        ioctl::SET_SYSCALL_MASK => {
            let mut b = [0u8; state::MASK_WORDS * 8];
            UserSlice::new(arg, b.len()).reader().read_slice(&mut b)?;
            for (w, c) in st.mask.iter().zip(b.chunks_exact(8)) {
                let mut v = [0u8; 8];
                v.copy_from_slice(c);
                w.store(u64::from_le_bytes(v), Ordering::Relaxed);
            }
            Ok(0)
        }
        ioctl::GET_INFO => {
            UserSlice::new(arg, 40).writer().write_slice(&info_bytes(st))?;
            Ok(0)
        }
        ioctl::GET_STATS => {
            let (mut r, mut w) = UserSlice::new(arg, 56).reader_writer();
            let mut b = [0u8; 4];
            r.read_slice(&mut b)?;
            let cpu = u32::from_le_bytes(b) as usize;
            let ring = st.rings.get(cpu).ok_or(EINVAL)?;
            let s = ring.stats();
            let mut out = [0u8; 56];
            for (i, v) in [
                s.n_evts,
                s.n_drops_buffer,
                s.n_drops_pf,
                s.n_drops_too_big,
                s.n_seen,
                s.n_filtered,
                s.n_drops_stopped,
            ]
            .iter()
            .enumerate()
            {
                out[i * 8..i * 8 + 8].copy_from_slice(&v.to_le_bytes());
            }
            w.write_slice(&out)?;
            Ok(0)
        }
        _ => Err(ENOTTY),
    }
}

#[no_mangle]
extern "C" fn harrier_rs_ioctl(cmd: c_uint, arg: c_ulong) -> c_long {
    let Some(st) = state::get() else { return ENODEV.to_errno() as c_long };
    match do_ioctl(st, cmd, arg as usize) {
        Ok(v) => v,
        Err(e) => e.to_errno() as c_long,
    }
}

/// Resolves an mmap request to (ring base, page offset in the ring, writable).
#[no_mangle]
extern "C" fn harrier_rs_mmap_target(
    pgoff: c_ulong,
    len: c_ulong,
    page_in_ring: *mut c_ulong,
    writable: *mut c_int,
) -> *mut c_void {
    let Some(st) = state::get() else { return core::ptr::null_mut() };
    let off = match (pgoff as u64).checked_mul(PAGE_SIZE as u64) {
        Some(o) => o,
        None => return core::ptr::null_mut(),
    };
    let cpu = (off / CPU_MMAP_STRIDE) as usize;
    let inner = off % CPU_MMAP_STRIDE;
    let Some(ring) = st.rings.get(cpu) else { return core::ptr::null_mut() };
    let len = len as u64;
    let (page, w) = match inner {
        HEADER_OFFSET if len == PAGE_SIZE as u64 => (0, 0),
        CONSUMER_OFFSET if len == PAGE_SIZE as u64 => (1, 1),
        DATA_OFFSET if len == st.data_size as u64 => (2, 0),
        _ => return core::ptr::null_mut(),
    };
    // SAFETY: glue_dev.c passes pointers to its own locals.
    unsafe {
        *page_in_ring = page;
        *writable = w;
    }
    ring.area().0 as *mut c_void
}
