//! Harrier kernel module: syscall and process tracepoints -> scap events -> per-CPU
//! rings that userspace (`scap::ring`) maps read-only through `/dev/harrier`.
//!
//! Code map (one file per concept):
//! * `abi` = `scap/abi/src/defs.rs`, included by path: the event schema, the encoder
//!   (`abi::encode::EventWriter`), the syscall table and flag conversions, and the ring
//!   protocol (`abi::ring`), shared with userspace.
//! * `state`: the global capture state (rings, capture switch, snaplen, syscall mask).
//! * `ring`: one CPU's ring, the producer side of `abi::ring`.
//! * `probes`: the tracepoint probes and their registration.
//! * `fillers`: syscall event parameters; `proc`: clone/execve/procexit parameters.
//! * `device`: `/dev/harrier` open/release/ioctl/mmap (wired up by `glue_dev.c`).
//! * `ffi`: the C glue (`glue_*.c`, only where 6.12 has no Rust binding or the kernel
//!   function is static inline) and exported kernel functions.
//!
//! Lifecycle: init allocates the state, registers the probes (capture stays off until a
//! reader's START ioctl), then the device. Exit removes the device, unregisters the probes,
//! waits for them (`tracepoint_synchronize_unregister`) and frees the rings. The module is
//! pinned while `/dev/harrier` is open or mapped, so rmmod with a reader attached fails
//! with EBUSY instead of pulling memory from under it.

use kernel::prelude::*;

#[allow(dead_code, unused_imports, unreachable_pub, clippy::all)]
#[path = "../scap/abi/src/defs.rs"]
mod abi;
mod device;
mod ffi;
mod fillers;
mod probes;
mod proc;
mod ring;
mod state;

module! {
    type: Harrier,
    name: "harrier",
    author: "Harrier developers",
    description: "Harrier syscall capture: scap events into per-CPU mmap rings",
    license: "GPL",
}

struct Harrier;

impl kernel::Module for Harrier {
    fn init(_module: &'static ThisModule) -> Result<Self> {
        state::create()?;
        if let Err(e) = probes::register() {
            state::destroy();
            return Err(e);
        }
        // SAFETY: registers the static misc device of glue_dev.c once.
        let err = unsafe { ffi::harrier_dev_register() };
        if err != 0 {
            probes::unregister();
            state::destroy();
            return Err(Error::from_errno(err));
        }
        let st = state::get().ok_or(EINVAL)?;
        pr_info!(
            "loaded, {} rings of {} KiB, api {}.{}.{}\n",
            st.rings.len(),
            st.data_size >> 10,
            abi::API_VERSION.major,
            abi::API_VERSION.minor,
            abi::API_VERSION.patch
        );
        Ok(Harrier)
    }
}

impl Drop for Harrier {
    fn drop(&mut self) {
        // SAFETY: registered in init; no file can be open (the module is pinned by it).
        unsafe { ffi::harrier_dev_unregister() };
        probes::unregister();
        let errs = probes::ENCODE_ERRORS.load(core::sync::atomic::Ordering::Relaxed);
        let last = probes::LAST_BAD_ID.load(core::sync::atomic::Ordering::Relaxed);
        state::destroy();
        pr_info!("unloaded, {} encode errors (last event id {})\n", errs, last);
    }
}
