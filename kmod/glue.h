/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Harrier kmod: declarations shared by the C glue objects and mirrored, field for field,
 * by `kmod/ffi.rs` (#[repr(C)]). The glue exists only where Linux 6.12 has no Rust
 * binding (misc devices, mmap, module parameters, tracepoint lookup) or where the kernel
 * function is a static inline (current task fields, preemption, syscall registers).
 */
#ifndef HARRIER_GLUE_H
#define HARRIER_GLUE_H

#include <linux/types.h>

/* Process facts for clone/execve exit events, read from a task (see glue_task.c). */
struct harrier_task_info {
	s64 tid, pid, ptid, vtid, vpid, pgid;
	u32 uid, gid;          /* effective ids */
	s32 loginuid;          /* -1 without CONFIG_AUDIT */
	s32 tty;               /* encoded dev_t of the controlling tty, 0 if none */
	u64 fdlimit;           /* RLIMIT_NOFILE soft limit */
	u64 pgft_maj, pgft_min;
	u32 vm_size_kb, vm_rss_kb, vm_swap_kb;
	u32 in_child_pidns;    /* task is in a pid namespace other than the initial one */
	u64 arg_start, arg_end, env_start, env_end; /* user addresses (current's mm only) */
	u32 is_kthread;
	char comm[16];
};

/* A socket's endpoints as the scap SOCKTUPLE wants them (see glue_net.c). */
struct harrier_sock_info {
	u32 family;            /* AF_INET, AF_INET6, AF_UNIX, 0 if not a socket */
	u8 laddr[16], raddr[16];
	u16 lport, rport;      /* host order */
	u64 lptr, rptr;        /* AF_UNIX: socket identities (hashed kernel pointers) */
	u32 ack_backlog, max_ack_backlog;
	char unix_path[108];   /* AF_UNIX: bound path of the peer, or of ourselves */
};

struct tracepoint;
struct task_struct;
struct pt_regs;

/* glue_trace.c: parameters, tracepoints, static inlines of the probe path */
unsigned int harrier_param_bufsize_kb(void);
unsigned int harrier_param_snaplen(void);
struct tracepoint *harrier_tp_find(const char *name);
void harrier_tp_sync(void);
void harrier_preempt_disable(void);
void harrier_preempt_enable(void);
unsigned int harrier_cpu(void);
unsigned int harrier_nr_cpu_ids(void);
u64 harrier_now_ns(void);
long harrier_syscall_nr(struct pt_regs *regs);
long harrier_syscall_regs(struct pt_regs *regs, unsigned long args[6]);
long harrier_exec_syscall_nr(void);
struct linux_binprm;
const char *harrier_bprm_filename(struct linux_binprm *bprm);
int harrier_task_is_kthread(struct task_struct *t);
long harrier_task_tid(struct task_struct *t);

/* glue_dev.c: the misc device and ring memory */
int harrier_dev_register(void);
void harrier_dev_unregister(void);
void *harrier_vmalloc_user(unsigned long size);
void *harrier_vmalloc(unsigned long size);

/* glue_task.c: task facts and user memory */
long harrier_read_user(void *dst, unsigned long src, unsigned long n);
long harrier_read_user_str(char *dst, unsigned long src, unsigned long n);
struct task_struct *harrier_current(void);
void harrier_task_info(struct task_struct *t, struct harrier_task_info *out);
long harrier_task_cgroup(struct task_struct *t, char *buf, unsigned long len);
int harrier_task_exit_code(struct task_struct *t);
int harrier_fd_dev_ino(int fd, u32 *dev, u64 *ino);

/* glue_net.c: socket endpoints */
int harrier_fd_sock(int fd, struct harrier_sock_info *out);

/* implemented in Rust (device.rs), called by glue_dev.c */
int harrier_rs_open(void);
void harrier_rs_release(void);
long harrier_rs_ioctl(unsigned int cmd, unsigned long arg);
void *harrier_rs_mmap_target(unsigned long pgoff, unsigned long len,
			     unsigned long *page_in_ring, int *writable);

#endif
