// SPDX-License-Identifier: GPL-2.0
/*
 * Harrier kmod: tracepoint lookup and the static inlines the probes need, plus the
 * module parameters (6.12's Rust `module!` has no parameter support).
 *
 * Kernel tracepoint structs are not exported to modules: they are found by name with
 * for_each_kernel_tracepoint() and registered with tracepoint_probe_register().
 */
#include <linux/binfmts.h>
#include <linux/compat.h>
#include <linux/moduleparam.h>
#include <linux/preempt.h>
#include <linux/ptrace.h>
#include <linux/sched.h>
#include <linux/smp.h>
#include <linux/string.h>
#include <linux/timekeeping.h>
#include <linux/sched/task_stack.h>
#include <linux/tracepoint.h>
#include <linux/unistd.h>
#include <asm/syscall.h>
#include "glue.h"

static unsigned int bufsize_kb = 8192;
module_param(bufsize_kb, uint, 0444);
MODULE_PARM_DESC(bufsize_kb, "per-CPU ring data size in KiB (power of two, 64..1048576)");

static unsigned int snaplen = 80;
module_param(snaplen, uint, 0444);
MODULE_PARM_DESC(snaplen, "default bytes captured from I/O buffers (1..65000)");

unsigned int harrier_param_bufsize_kb(void) { return bufsize_kb; }
unsigned int harrier_param_snaplen(void) { return snaplen; }

struct harrier_tp_lookup {
	const char *name;
	struct tracepoint *found;
};

static void harrier_tp_match(struct tracepoint *tp, void *priv)
{
	struct harrier_tp_lookup *l = priv;

	if (!strcmp(tp->name, l->name))
		l->found = tp;
}

/* The kernel tracepoint called `name` (e.g. "sys_enter"), or NULL. */
struct tracepoint *harrier_tp_find(const char *name)
{
	struct harrier_tp_lookup l = { .name = name, .found = NULL };

	for_each_kernel_tracepoint(harrier_tp_match, &l);
	return l.found;
}

/* Waits until no probe of an unregistered tracepoint can still be running. */
void harrier_tp_sync(void)
{
	tracepoint_synchronize_unregister();
}

void harrier_preempt_disable(void) { preempt_disable(); }
void harrier_preempt_enable(void) { preempt_enable(); }
unsigned int harrier_cpu(void) { return raw_smp_processor_id(); }
unsigned int harrier_nr_cpu_ids(void) { return nr_cpu_ids; }
u64 harrier_now_ns(void) { return ktime_get_real_ns(); }

/* The native syscall number of the current syscall, -1 for 32-bit compat syscalls. */
long harrier_syscall_nr(struct pt_regs *regs)
{
	if (in_ia32_syscall())
		return -1;
	return syscall_get_nr(current, regs);
}

/*
 * The native syscall number and arguments of the current syscall, from its saved
 * registers. Returns -1 for 32-bit compat syscalls (another numbering, not captured).
 */
long harrier_syscall_regs(struct pt_regs *regs, unsigned long args[6])
{
	if (in_ia32_syscall())
		return -1;
	syscall_get_arguments(current, regs, args);
	return syscall_get_nr(current, regs);
}

/* The syscall number when the current task is inside an execve/execveat syscall, else 0
 * (sched_process_exec also fires for kernel_execve() of init and user-mode helpers,
 * which have no syscall events). */
long harrier_exec_syscall_nr(void)
{
	long nr = syscall_get_nr(current, task_pt_regs(current));

	return nr == __NR_execve || nr == __NR_execveat ? nr : 0;
}

/* The kernel's copy of the path being executed (sched_process_exec). */
const char *harrier_bprm_filename(struct linux_binprm *bprm)
{
	return bprm->filename;
}

/* Whether `t` is a kernel thread. */
int harrier_task_is_kthread(struct task_struct *t)
{
	return !!(t->flags & PF_KTHREAD);
}

/* Thread id of `t` (the `pid` field). */
long harrier_task_tid(struct task_struct *t)
{
	return t->pid;
}
