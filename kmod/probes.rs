//! Tracepoint probes: `raw_syscalls:sys_enter`/`sys_exit`, `sched:sched_process_exit`,
//! `sched_process_fork` and `sched_process_exec`, and their registration.
//!
//! Hot path of a syscall: load the state pointer, test `capturing`, test the syscall's
//! bit in the interest mask; a syscall nobody asked for stops there. Otherwise, with
//! preemption disabled (the per-CPU scratch buffer and ring are then ours alone; none of
//! these tracepoints fires in interrupt context), the event is encoded into the scratch
//! buffer and copied into this CPU's ring, or dropped and counted. Nothing here sleeps.
//!
//! Counters (per CPU, in the ring header): every event attempted counts in `n_seen` and
//! then in exactly one of `n_evts`, `n_drops_buffer`, `n_drops_too_big` (which also
//! counts encoding failures), so `n_seen = n_evts + n_drops_buffer + n_drops_too_big`.

use crate::abi::event;
use crate::abi::ring::{RingHeader, SYSCALL_MASK_BITS};
use crate::abi::syscall;
use crate::ffi::{self, PtRegs, TaskStruct, Tracepoint};
use crate::fillers::Ctx;
use crate::ring::{Push, SCRATCH_LEN, TMP_LEN};
use crate::state::{self, State};
use crate::{abi::encode::EncodeError, abi::encode::EventWriter, proc};
use core::ffi::{c_char, c_int, c_long, c_void};
use core::mem::offset_of;
use core::sync::atomic::{AtomicU32, AtomicU64, Ordering};
use kernel::prelude::*;

/// Events that failed to encode (a filler bug or an oversized parameter), and the event
/// id of the last one; printed at unload so the VM test can require zero.
pub(crate) static ENCODE_ERRORS: AtomicU64 = AtomicU64::new(0);
pub(crate) static LAST_BAD_ID: AtomicU32 = AtomicU32::new(0);

/// Encodes one event with `fill` and pushes it into the current CPU's ring.
#[inline]
fn emit<F>(st: &State, tid: i64, id: u16, nr: u32, args: [u64; 6], ret: i64, fill: F)
where
    F: FnOnce(&mut Ctx<'_>, u16) -> Result<(), EncodeError>,
{
    let nparams = match event::info_e5c53d64(id) {
        Some(i) => i.params.len() as u32,
        None => return,
    };
    // SAFETY: balanced by the enable below; no early return in between.
    unsafe { ffi::harrier_preempt_disable() };
    // SAFETY: plain per-CPU id read, stable while preemption is disabled.
    let cpu = unsafe { ffi::harrier_cpu() } as usize;
    if let Some(ring) = st.rings.get(cpu) {
        ring.bump(offset_of!(RingHeader, n_seen));
        // SAFETY: the scratch and tmp buffers belong to this CPU's ring and, with
        // preemption disabled and no probe running in interrupt context, nothing else
        // uses them until preemption is enabled again.
        let (scratch, tmp) = unsafe {
            (
                core::slice::from_raw_parts_mut(ring.scratch, SCRATCH_LEN),
                core::slice::from_raw_parts_mut(ring.tmp, TMP_LEN),
            )
        };
        // SAFETY: reads the clock.
        let ts = unsafe { ffi::harrier_now_ns() };
        let snaplen = st.snaplen.load(Ordering::Relaxed) as usize;
        let res = EventWriter::new(scratch, ts, tid as u64, id, nparams).and_then(|w| {
            let mut c = Ctx { w, args, ret, nr, snaplen, pf: false, tmp };
            fill(&mut c, id)?;
            let pf = c.pf;
            c.w.finish().map(|len| (len, pf))
        });
        match res {
            Ok((len, pf)) => {
                if pf {
                    ring.bump(offset_of!(RingHeader, n_drops_pf));
                }
                if let Some(rec) = scratch.get(..len) {
                    let _: Push = ring.push(rec);
                }
            }
            Err(_) => {
                ring.bump(offset_of!(RingHeader, n_drops_too_big));
                ENCODE_ERRORS.fetch_add(1, Ordering::Relaxed);
                LAST_BAD_ID.store(id as u32, Ordering::Relaxed);
            }
        }
    }
    // SAFETY: pairs with the disable above.
    unsafe { ffi::harrier_preempt_enable() };
}

#[inline(always)]
fn syscall_event(regs: *mut PtRegs, nr: c_long, ret: i64, exit: bool) {
    let Some(st) = state::get() else { return };
    // The whole cost of an unwanted syscall: the capture switch and one mask bit.
    if !st.capturing.load(Ordering::Relaxed) || nr < 0 || !st.wants(nr as usize) {
        return;
    }
    let mut args = [0u64; 6];
    // SAFETY: `regs` are the saved user registers handed to the probe; `args` has room
    // for the six arguments.
    let nr2 = unsafe { ffi::harrier_syscall_regs(regs, args.as_mut_ptr() as _) };
    if nr2 != nr || nr as usize >= SYSCALL_MASK_BITS {
        return; // compat syscall (other numbering)
    }
    let (e, x) = syscall::event_pair(nr as u32);
    // SAFETY: `current` is valid in a syscall probe.
    let tid = unsafe { ffi::harrier_task_tid(ffi::harrier_current()) } as i64;
    if nr == NR_EXECVE || nr == NR_EXECVEAT {
        // The path argument of an exec often sits on a page the task has not touched
        // since fork (not readable with faults disabled). So the enter event is written
        // when the kernel has read the path itself: by sched_process_exec for a
        // successful exec (from its kernel copy), or here at the exit of a failed one
        // (the page is now resident), right before the exit event.
        if !exit {
            return;
        }
        if ret < 0 {
            emit(st, tid, e, nr as u32, args, 0, crate::fillers::fill);
        }
    }
    let id = if exit { x } else { e };
    emit(st, tid, id, nr as u32, args, ret, crate::fillers::fill);
}

const NR_EXECVE: c_long = 59;
const NR_EXECVEAT: c_long = 322;

unsafe extern "C" fn probe_sys_enter(_data: *mut c_void, regs: *mut PtRegs, id: c_long) {
    syscall_event(regs, id, 0, false);
}

unsafe extern "C" fn probe_sys_exit(_data: *mut c_void, regs: *mut PtRegs, ret: c_long) {
    // SAFETY: `regs` are the saved registers handed to the probe.
    let nr = unsafe { ffi::harrier_syscall_nr(regs) };
    syscall_event(regs, nr, ret as i64, true);
}

unsafe extern "C" fn probe_process_exit(_data: *mut c_void, p: *mut TaskStruct) {
    let Some(st) = state::get() else { return };
    if !st.capturing.load(Ordering::Relaxed) {
        return;
    }
    // SAFETY: `p` is the exiting task, valid for the probe's duration.
    let tid = unsafe { ffi::harrier_task_tid(p) } as i64;
    emit(st, tid, event::ids::PROCEXIT_E, 0, [0; 6], 0, |c, _| proc::fill_procexit(c, p));
}

unsafe extern "C" fn probe_process_fork(
    _data: *mut c_void,
    parent: *mut TaskStruct,
    child: *mut TaskStruct,
) {
    let Some(st) = state::get() else { return };
    if !st.capturing.load(Ordering::Relaxed) {
        return;
    }
    // Forks by syscalls are reported by their sys_exit (both sides). Only a user task
    // created by a kernel thread (user-mode helper) never passes there.
    // SAFETY: both tasks are valid for the probe's duration.
    let from_kernel = unsafe {
        ffi::harrier_task_is_kthread(parent) != 0 && ffi::harrier_task_is_kthread(child) == 0
    };
    if from_kernel {
        // SAFETY: as above.
        let tid = unsafe { ffi::harrier_task_tid(child) } as i64;
        emit(st, tid, 223, 56, [0; 6], 0, |c, _| proc::fill_kernel_fork(c, child));
    }
}

unsafe extern "C" fn probe_process_exec(
    _data: *mut c_void,
    p: *mut TaskStruct,
    _old_pid: c_int,
    bprm: *mut c_void,
) {
    let Some(st) = state::get() else { return };
    if !st.capturing.load(Ordering::Relaxed) {
        return;
    }
    // SAFETY: `p` is the current task, valid for the probe's duration.
    let tid = unsafe { ffi::harrier_task_tid(p) } as i64;
    // SAFETY: reads the current task's saved syscall number.
    let nr = unsafe { ffi::harrier_exec_syscall_nr() };
    // SAFETY: `bprm` is the probe's binprm; its filename is a NUL-terminated kernel string
    // that lives until the exec completes.
    let path = unsafe { core::ffi::CStr::from_ptr(ffi::harrier_bprm_filename(bprm)) }.to_bytes();
    let path = &path[..path.len().min(crate::fillers::MAX_PATH - 1)];
    if nr == NR_EXECVE || nr == NR_EXECVEAT {
        // The enter event of a successful exec syscall (see syscall_event), wanted only if
        // the syscall is in the interest mask.
        if !st.wants(nr as usize) {
            return;
        }
        let id = if nr == NR_EXECVE { 292 } else { 330 };
        emit(st, tid, id, nr as u32, [0; 6], 0, |c, id| {
            if id == 330 {
                // dirfd and flags are gone with the old registers; the path is resolved
                c.w.push_i64(-100)?;
                c.w.push_str_nul(path)?;
                c.w.push_u32(0)
            } else {
                c.w.push_str_nul(path)
            }
        });
        return;
    }
    // kernel_execve() (init, user-mode helpers) has no syscall events: reported here as
    // a successful execve exit.
    emit(st, tid, 293, 59, [0; 6], 0, |c, _| proc::fill_exec_exit(c));
}

struct Probe {
    name: &'static [u8],
    func: *mut c_void,
}

fn probes() -> [Probe; 5] {
    [
        Probe { name: b"sys_enter\0", func: probe_sys_enter as *mut c_void },
        Probe { name: b"sys_exit\0", func: probe_sys_exit as *mut c_void },
        Probe { name: b"sched_process_exit\0", func: probe_process_exit as *mut c_void },
        Probe { name: b"sched_process_fork\0", func: probe_process_fork as *mut c_void },
        Probe { name: b"sched_process_exec\0", func: probe_process_exec as *mut c_void },
    ]
}

fn find(name: &[u8]) -> *mut Tracepoint {
    // SAFETY: `name` is NUL-terminated; the lookup only compares names.
    unsafe { ffi::harrier_tp_find(name.as_ptr() as *const c_char) }
}

/// Registers every probe, or none (rolling back on failure).
pub(crate) fn register() -> Result {
    let ps = probes();
    for (i, p) in ps.iter().enumerate() {
        let tp = find(p.name);
        let err = if tp.is_null() {
            ENOENT.to_errno()
        } else {
            // SAFETY: `tp` is a kernel tracepoint whose prototype matches `p.func`.
            unsafe { ffi::tracepoint_probe_register(tp, p.func, core::ptr::null_mut()) }
        };
        if err != 0 {
            pr_err!("cannot register probe #{}: {}\n", i, err);
            for q in &ps[..i] {
                // SAFETY: `q` was registered above on the same tracepoint.
                unsafe { ffi::tracepoint_probe_unregister(find(q.name), q.func, core::ptr::null_mut()) };
            }
            // SAFETY: process context; waits for running probes.
            unsafe { ffi::harrier_tp_sync() };
            return Err(Error::from_errno(err));
        }
    }
    Ok(())
}

/// Unregisters every probe and waits until none can still be running.
pub(crate) fn unregister() {
    for p in probes().iter() {
        let tp = find(p.name);
        if !tp.is_null() {
            // SAFETY: registered by `register` with the same function and data.
            unsafe { ffi::tracepoint_probe_unregister(tp, p.func, core::ptr::null_mut()) };
        }
    }
    // SAFETY: process context (module exit).
    unsafe { ffi::harrier_tp_sync() };
}
