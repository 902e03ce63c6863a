//! The module's global capture state: one [`Ring`] per possible CPU, the capture switch,
//! the snaplen and the syscall interest mask. Created by `init`, published through
//! [`STATE`] for the probes and the device callbacks, destroyed by `exit` after the
//! probes are unregistered and synchronised and the device is gone.

use crate::abi::ring::{MAX_DATA_SIZE, MIN_DATA_SIZE, SYSCALL_MASK_BITS};
use crate::ffi;
use crate::ring::Ring;
use core::ptr;
use core::sync::atomic::{AtomicBool, AtomicPtr, AtomicU32, AtomicU64, Ordering};
use kernel::prelude::*;

pub(crate) const MASK_WORDS: usize = SYSCALL_MASK_BITS / 64;

pub(crate) struct State {
    pub(crate) rings: KVec<Ring>,
    pub(crate) data_size: usize,
    /// Probes write events only while this is set (START/STOP ioctls, reader release).
    pub(crate) capturing: AtomicBool,
    /// One reader at a time (open/release).
    pub(crate) opened: AtomicBool,
    pub(crate) snaplen: AtomicU32,
    /// Bit n set = syscall number n is captured. All set by default.
    pub(crate) mask: [AtomicU64; MASK_WORDS],
}

static STATE: AtomicPtr<State> = AtomicPtr::new(ptr::null_mut());

/// The published state, if the module is initialised.
#[inline]
pub(crate) fn get() -> Option<&'static State> {
    let p = STATE.load(Ordering::Acquire);
    // SAFETY: a non-null pointer was published by `create` from a leaked KBox and is only
    // freed by `destroy`, after every user (probes, device callbacks) is gone.
    unsafe { p.as_ref() }
}

/// Allocates and publishes the state from the module parameters.
pub(crate) fn create() -> Result {
    // SAFETY: plain reads of module parameters and of nr_cpu_ids.
    let (kb, snaplen, ncpus) = unsafe {
        (
            ffi::harrier_param_bufsize_kb() as usize,
            ffi::harrier_param_snaplen(),
            ffi::harrier_nr_cpu_ids(),
        )
    };
    let data_size = kb.checked_mul(1024).ok_or(EINVAL)?;
    if !data_size.is_power_of_two() || !(MIN_DATA_SIZE..=MAX_DATA_SIZE).contains(&data_size) {
        pr_err!("bufsize_kb={} must be a power of two in 64..=1048576\n", kb);
        return Err(EINVAL);
    }
    if snaplen == 0 || snaplen > crate::abi::ring::MAX_SNAPLEN {
        pr_err!("snaplen={} out of range\n", snaplen);
        return Err(EINVAL);
    }
    let mut rings = KVec::with_capacity(ncpus as usize, GFP_KERNEL)?;
    for cpu in 0..ncpus {
        rings.push(Ring::new(cpu, data_size)?, GFP_KERNEL)?;
    }
    let st = KBox::new(
        State {
            rings,
            data_size,
            capturing: AtomicBool::new(false),
            opened: AtomicBool::new(false),
            snaplen: AtomicU32::new(snaplen),
            mask: [const { AtomicU64::new(u64::MAX) }; MASK_WORDS],
        },
        GFP_KERNEL,
    )?;
    STATE.store(KBox::into_raw(st), Ordering::Release);
    Ok(())
}

/// Unpublishes and frees the state. The caller guarantees that no probe can run any more
/// (unregistered + `tracepoint_synchronize_unregister`) and the device is unregistered.
pub(crate) fn destroy() {
    let p = STATE.swap(ptr::null_mut(), Ordering::AcqRel);
    if !p.is_null() {
        // SAFETY: `p` came from `KBox::into_raw` in `create` and no reference to it
        // survives (see the caller's guarantee).
        drop(unsafe { KBox::from_raw(p) });
    }
}

impl State {
    /// Whether syscall `nr` is in the interest mask (the whole cost of an unwanted call).
    #[inline(always)]
    pub(crate) fn wants(&self, nr: usize) -> bool {
        match self.mask.get(nr / 64) {
            Some(w) => w.load(Ordering::Relaxed) & (1u64 << (nr % 64)) != 0,
            None => false,
        }
    }
}
