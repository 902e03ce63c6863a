//! Process events: the 20-parameter exits of execve/execveat and clone/fork/vfork/clone3,
//! and procexit. Facts come from `glue_task.c`; the argument and environment areas are
//! read from the current task's memory with nofault copies (bounded by `ring::TMP_LEN`).

use crate::abi::encode::EncodeError;
use crate::abi::flags as fl;
use crate::fillers::Ctx;
use crate::ffi::{self, TaskInfo, TaskStruct};

type R = Result<(), EncodeError>;

/// `PPM_CL_CHILD_IN_PIDNS`.
const PPM_CL_CHILD_IN_PIDNS: u32 = 0x2000_0000;
/// Linux CLONE_VM | CLONE_VFORK (what vfork implies).
const CLONE_VM_VFORK: u64 = 0x100 | 0x4000;
/// Linux CLONE_NEWPID.
const CLONE_NEWPID: u64 = 0x2000_0000;
/// Longest cgroup path written.
const CGROUP_MAX: usize = 1024;

/// Facts of the current task.
pub(crate) fn current_info() -> TaskInfo {
    let mut ti = TaskInfo::zeroed();
    // SAFETY: `current` is always a valid task; `ti` is a valid out-parameter.
    unsafe { ffi::harrier_task_info(ffi::harrier_current(), &mut ti) };
    ti
}

fn comm(ti: &TaskInfo) -> &[u8] {
    let n = ti.comm.iter().position(|&b| b == 0).unwrap_or(ti.comm.len());
    &ti.comm[..n]
}

/// exe (first string of the argument area) and args (the rest), for the current task.
fn exe_and_args(c: &mut Ctx<'_>, ti: &TaskInfo) -> R {
    let len = (ti.arg_end.saturating_sub(ti.arg_start) as usize).min(c.tmp.len());
    let mut ok = false;
    if len > 0 {
        // SAFETY: `tmp` has at least `len` writable bytes; nofault user copy.
        ok = unsafe { ffi::harrier_read_user(c.tmp.as_mut_ptr() as _, ti.arg_start as _, len as _) }
            == 0;
        c.pf |= !ok;
    }
    if !ok {
        let name = comm(ti);
        // Copy out of `ti` first: `c.w` borrows `c` mutably.
        let mut buf = [0u8; 16];
        buf[..name.len()].copy_from_slice(name);
        c.w.push_str_nul(&buf[..name.len()])?;
        return c.w.push_empty();
    }
    let area = &mut c.tmp[..len];
    if let Some(last) = area.last_mut() {
        *last = 0; // a truncated area still ends with a NUL
    }
    let first = area.iter().position(|&b| b == 0).unwrap_or(len - 1);
    let (exe, rest) = area.split_at(first + 1);
    c.w.push_bytes(exe)?;
    c.w.push_bytes(rest)
}

fn env(c: &mut Ctx<'_>, ti: &TaskInfo) -> R {
    let len = (ti.env_end.saturating_sub(ti.env_start) as usize).min(4096);
    if len == 0 {
        return c.w.push_empty();
    }
    let start = ti.env_start;
    let mut failed = false;
    let r = c.w.push_with(len, |dst| {
        // SAFETY: `dst` has `len` writable bytes; nofault user copy.
        if unsafe { ffi::harrier_read_user(dst.as_mut_ptr() as _, start as _, len as _) } != 0 {
            failed = true;
            return 0;
        }
        if let Some(l) = dst.get_mut(len - 1) {
            *l = 0;
        }
        len
    });
    c.pf |= failed;
    r
}

/// cgroups BYTEBUF: `cpuset=<path on the unified hierarchy>\0` (how libsinsp finds
/// container ids; with cgroup v2 every controller shares that one path).
fn cgroups(c: &mut Ctx<'_>, task: *mut TaskStruct) -> R {
    const PREFIX: &[u8] = b"cpuset=";
    let max = (PREFIX.len() + CGROUP_MAX).min(c.w.remaining());
    c.w.push_with(max, |dst| {
        if dst.len() <= PREFIX.len() + 1 {
            return 0;
        }
        dst[..PREFIX.len()].copy_from_slice(PREFIX);
        let room = dst.len() - PREFIX.len();
        // SAFETY: `task` is a live task (current or a probe argument); the buffer has
        // `room` writable bytes and cgroup_path NUL-terminates within it.
        let n = unsafe {
            ffi::harrier_task_cgroup(task, dst[PREFIX.len()..].as_mut_ptr() as _, room as _)
        };
        if n < 0 {
            return 0;
        }
        let n = (n as usize).min(room - 1);
        PREFIX.len() + n + 1
    })
}

/// The fields shared by execve and clone exits, parameters 2..=15 (exe .. cgroups).
fn common(c: &mut Ctx<'_>, ti: &TaskInfo, task: *mut TaskStruct, fdlimit_signed: bool) -> R {
    exe_and_args(c, ti)?;
    c.w.push_i64(ti.tid)?;
    c.w.push_i64(ti.pid)?;
    c.w.push_i64(ti.ptid)?;
    c.w.push_str_nul(b"")?; // cwd: the e5c53d64 driver writes it empty
    if fdlimit_signed {
        c.w.push_i64(ti.fdlimit as i64)?;
    } else {
        c.w.push_u64(ti.fdlimit)?;
    }
    c.w.push_u64(ti.pgft_maj)?;
    c.w.push_u64(ti.pgft_min)?;
    c.w.push_u32(ti.vm_size_kb)?;
    c.w.push_u32(ti.vm_rss_kb)?;
    c.w.push_u32(ti.vm_swap_kb)?;
    let mut name = [0u8; 16];
    let n = comm(ti).len();
    name[..n].copy_from_slice(&ti.comm[..n]);
    c.w.push_str_nul(&name[..n])?;
    cgroups(c, task)
}

/// execve/execveat exit (20 parameters).
pub(crate) fn fill_exec_exit(c: &mut Ctx<'_>) -> R {
    // SAFETY: `current` is always valid.
    let task = unsafe { ffi::harrier_current() };
    let ti = current_info();
    c.res()?;
    common(c, &ti, task, false)?;
    env(c, &ti)?;
    c.w.push_i32(ti.tty)?;
    c.w.push_i64(ti.pgid)?;
    c.w.push_i32(ti.loginuid)?;
    c.w.push_u32(0) // flags: PPM_EXE_* not derived
}

/// clone/fork/vfork/clone3 exit (20 parameters), parent side (res = child tid) or child
/// side (res = 0), both from the current task.
pub(crate) fn fill_clone_exit(c: &mut Ctx<'_>, id: u16) -> R {
    // SAFETY: `current` is always valid.
    let task = unsafe { ffi::harrier_current() };
    let ti = current_info();
    let raw = match id {
        223 => c.a(0),
        335 => c.user_u64(c.a(0), 0).unwrap_or(0), // struct clone_args.flags
        227 => CLONE_VM_VFORK,
        _ => 0,
    };
    c.res()?;
    clone_tail(c, &ti, task, raw)
}

/// Child side of a clone exit for `child`, a user task created by a kernel thread (a
/// user-mode helper), which never returns from a clone syscall (sched_process_fork).
/// Its memory map is not the current one, so exe falls back to comm and args is empty.
pub(crate) fn fill_kernel_fork(c: &mut Ctx<'_>, child: *mut TaskStruct) -> R {
    let mut ti = TaskInfo::zeroed();
    // SAFETY: `child` is the new task handed to the probe; `ti` is an out-parameter.
    unsafe { ffi::harrier_task_info(child, &mut ti) };
    c.w.push_i64(0)?;
    clone_tail(c, &ti, child, 0)
}

fn clone_tail(c: &mut Ctx<'_>, ti: &TaskInfo, task: *mut TaskStruct, raw: u64) -> R {
    let mut flags = fl::clone_flags_to_scap(raw);
    if ti.in_child_pidns != 0 || raw & CLONE_NEWPID != 0 {
        flags |= PPM_CL_CHILD_IN_PIDNS;
    }
    common(c, ti, task, true)?;
    c.w.push_u32(flags)?;
    c.w.push_u32(ti.uid)?;
    c.w.push_u32(ti.gid)?;
    c.w.push_i64(ti.vtid)?;
    c.w.push_i64(ti.vpid)
}

/// procexit (186): status, ret (exit status), sig, core.
pub(crate) fn fill_procexit(c: &mut Ctx<'_>, task: *mut TaskStruct) -> R {
    // SAFETY: `task` is the exiting task handed to the sched_process_exit probe.
    let code = unsafe { ffi::harrier_task_exit_code(task) };
    c.w.push_i64(code as i64)?;
    c.w.push_i64(((code >> 8) & 0xff) as i64)?;
    c.w.push_u8((code & 0x7f) as u8)?;
    c.w.push_u8(((code & 0x80) != 0) as u8)
}
