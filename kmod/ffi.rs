//! Declarations of the C glue objects (`glue_*.c`, see `glue.h`) and of the exported
//! kernel functions the 6.12 `kernel` crate does not bind. Every function here is called
//! from `unsafe` blocks that state why the call is sound.

use core::ffi::{c_char, c_int, c_long, c_uint, c_ulong, c_void};

/// Opaque `struct tracepoint`.
#[repr(C)]
pub(crate) struct Tracepoint {
    _p: [u8; 0],
}
/// Opaque `struct task_struct`.
#[repr(C)]
pub(crate) struct TaskStruct {
    _p: [u8; 0],
}
/// Opaque `struct pt_regs`.
#[repr(C)]
pub(crate) struct PtRegs {
    _p: [u8; 0],
}

/// Mirror of `struct harrier_task_info` (glue.h).
#[repr(C)]
pub(crate) struct TaskInfo {
    pub(crate) tid: i64,
    pub(crate) pid: i64,
    pub(crate) ptid: i64,
    pub(crate) vtid: i64,
    pub(crate) vpid: i64,
    pub(crate) pgid: i64,
    pub(crate) uid: u32,
    pub(crate) gid: u32,
    pub(crate) loginuid: i32,
    pub(crate) tty: i32,
    pub(crate) fdlimit: u64,
    pub(crate) pgft_maj: u64,
    pub(crate) pgft_min: u64,
    pub(crate) vm_size_kb: u32,
    pub(crate) vm_rss_kb: u32,
    pub(crate) vm_swap_kb: u32,
    pub(crate) in_child_pidns: u32,
    pub(crate) arg_start: u64,
    pub(crate) arg_end: u64,
    pub(crate) env_start: u64,
    pub(crate) env_end: u64,
    pub(crate) is_kthread: u32,
    pub(crate) comm: [u8; 16],
}

/// Mirror of `struct harrier_sock_info` (glue.h).
#[repr(C)]
pub(crate) struct SockInfo {
    pub(crate) family: u32,
    pub(crate) laddr: [u8; 16],
    pub(crate) raddr: [u8; 16],
    pub(crate) lport: u16,
    pub(crate) rport: u16,
    pub(crate) lptr: u64,
    pub(crate) rptr: u64,
    pub(crate) ack_backlog: u32,
    pub(crate) max_ack_backlog: u32,
    pub(crate) unix_path: [u8; 108],
}

impl TaskInfo {
    pub(crate) const fn zeroed() -> Self {
        TaskInfo {
            tid: 0,
            pid: 0,
            ptid: 0,
            vtid: 0,
            vpid: 0,
            pgid: 0,
            uid: 0,
            gid: 0,
            loginuid: -1,
            tty: 0,
            fdlimit: 0,
            pgft_maj: 0,
            pgft_min: 0,
            vm_size_kb: 0,
            vm_rss_kb: 0,
            vm_swap_kb: 0,
            in_child_pidns: 0,
            arg_start: 0,
            arg_end: 0,
            env_start: 0,
            env_end: 0,
            is_kthread: 0,
            comm: [0; 16],
        }
    }
}

impl SockInfo {
    pub(crate) const fn zeroed() -> Self {
        SockInfo {
            family: 0,
            laddr: [0; 16],
            raddr: [0; 16],
            lport: 0,
            rport: 0,
            lptr: 0,
            rptr: 0,
            ack_backlog: 0,
            max_ack_backlog: 0,
            unix_path: [0; 108],
        }
    }
}

extern "C" {
    // glue_trace.c
    pub(crate) fn harrier_param_bufsize_kb() -> c_uint;
    pub(crate) fn harrier_param_snaplen() -> c_uint;
    pub(crate) fn harrier_tp_find(name: *const c_char) -> *mut Tracepoint;
    pub(crate) fn harrier_tp_sync();
    pub(crate) fn harrier_preempt_disable();
    pub(crate) fn harrier_preempt_enable();
    pub(crate) fn harrier_cpu() -> c_uint;
    pub(crate) fn harrier_nr_cpu_ids() -> c_uint;
    pub(crate) fn harrier_now_ns() -> u64;
    pub(crate) fn harrier_syscall_nr(regs: *mut PtRegs) -> c_long;
    pub(crate) fn harrier_syscall_regs(regs: *mut PtRegs, args: *mut c_ulong) -> c_long;
    pub(crate) fn harrier_exec_syscall_nr() -> c_long;
    pub(crate) fn harrier_bprm_filename(bprm: *mut c_void) -> *const c_char;
    pub(crate) fn harrier_task_is_kthread(t: *mut TaskStruct) -> c_int;
    pub(crate) fn harrier_task_tid(t: *mut TaskStruct) -> c_long;

    // glue_dev.c
    pub(crate) fn harrier_dev_register() -> c_int;
    pub(crate) fn harrier_dev_unregister();
    pub(crate) fn harrier_vmalloc_user(size: c_ulong) -> *mut c_void;
    pub(crate) fn harrier_vmalloc(size: c_ulong) -> *mut c_void;
    pub(crate) fn vfree(addr: *const c_void);

    // glue_task.c
    pub(crate) fn harrier_read_user(dst: *mut c_void, src: c_ulong, n: c_ulong) -> c_long;
    pub(crate) fn harrier_read_user_str(dst: *mut c_char, src: c_ulong, n: c_ulong) -> c_long;
    pub(crate) fn harrier_current() -> *mut TaskStruct;
    pub(crate) fn harrier_task_info(t: *mut TaskStruct, out: *mut TaskInfo);
    pub(crate) fn harrier_task_cgroup(t: *mut TaskStruct, buf: *mut c_char, len: c_ulong)
        -> c_long;
    pub(crate) fn harrier_task_exit_code(t: *mut TaskStruct) -> c_int;
    pub(crate) fn harrier_fd_dev_ino(fd: c_int, dev: *mut u32, ino: *mut u64) -> c_int;

    // glue_net.c
    pub(crate) fn harrier_fd_sock(fd: c_int, out: *mut SockInfo) -> c_int;

    // kernel/tracepoint.c (EXPORT_SYMBOL_GPL)
    pub(crate) fn tracepoint_probe_register(
        tp: *mut Tracepoint,
        probe: *mut c_void,
        data: *mut c_void,
    ) -> c_int;
    pub(crate) fn tracepoint_probe_unregister(
        tp: *mut Tracepoint,
        probe: *mut c_void,
        data: *mut c_void,
    ) -> c_int;
}
