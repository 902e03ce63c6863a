// SPDX-License-Identifier: GPL-2.0
/*
 * Harrier kmod: task facts and user memory for the probes (task.rs, usermem.rs).
 * Everything here runs with preemption disabled inside a tracepoint probe: no sleeping,
 * user memory only through the *_nofault accessors (a non-resident page gives -EFAULT).
 */
#include <linux/audit.h>
#include <linux/cgroup.h>
#include <linux/cred.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/kdev_t.h>
#include <linux/mm.h>
#include <linux/pid_namespace.h>
#include <linux/rcupdate.h>
#include <linux/sched.h>
#include <linux/sched/mm.h>
#include <linux/sched/signal.h>
#include <linux/tty.h>
#include <linux/uaccess.h>
#include "glue.h"

/* Copies `n` bytes of the current task's memory; 0 or -EFAULT. */
long harrier_read_user(void *dst, unsigned long src, unsigned long n)
{
	return copy_from_user_nofault(dst, (const void __user *)src, n);
}

/*
 * Copies a NUL-terminated string: the length including the NUL, `n` when truncated
 * (then dst[n-1] is NUL), or -EFAULT. strncpy_from_user_nofault() is not exported to
 * modules, so this copies page by page with copy_from_user_nofault(): a string that ends
 * before a non-resident page is still read.
 */
long harrier_read_user_str(char *dst, unsigned long src, unsigned long n)
{
	unsigned long done = 0;

	if (!n)
		return 0;
	while (done < n) {
		unsigned long addr = src + done;
		unsigned long chunk = PAGE_SIZE - (addr & (PAGE_SIZE - 1));
		char *nul;

		if (chunk > n - done)
			chunk = n - done;
		if (copy_from_user_nofault(dst + done, (const void __user *)addr, chunk))
			return done ? (dst[done - 1] = 0, (long)done) : -EFAULT;
		nul = memchr(dst + done, 0, chunk);
		if (nul)
			return nul - dst + 1;
		done += chunk;
	}
	dst[n - 1] = 0;
	return n;
}

struct task_struct *harrier_current(void)
{
	return current;
}

/* Fills `out` from task `t`. Memory-map facts (arguments, environment, VM sizes) are
 * only taken when `t` is the current task, whose mm cannot go away under us. */
void harrier_task_info(struct task_struct *t, struct harrier_task_info *out)
{
	struct mm_struct *mm = t == current ? t->mm : NULL;
	const struct cred *cred;
	struct pid_namespace *ns;
	struct tty_struct *tty;

	memset(out, 0, sizeof(*out));
	rcu_read_lock();
	out->tid = t->pid;
	out->pid = t->tgid;
	out->ptid = t->real_parent ? rcu_dereference(t->real_parent)->tgid : 0;
	ns = task_active_pid_ns(t);
	if (ns) {
		out->vtid = task_pid_nr_ns(t, ns);
		out->vpid = task_tgid_nr_ns(t, ns);
		out->in_child_pidns = ns != &init_pid_ns;
	} else {
		out->vtid = t->pid;
		out->vpid = t->tgid;
	}
	out->pgid = pid_nr(task_pgrp(t));
	cred = rcu_dereference(t->cred);
	out->uid = from_kuid_munged(&init_user_ns, cred->euid);
	out->gid = from_kgid_munged(&init_user_ns, cred->egid);
	rcu_read_unlock();
	out->loginuid = (s32)from_kuid(&init_user_ns, audit_get_loginuid(t));
	out->fdlimit = t->signal ? READ_ONCE(t->signal->rlim[RLIMIT_NOFILE].rlim_cur) : 0;
	out->pgft_maj = t->maj_flt;
	out->pgft_min = t->min_flt;
	out->is_kthread = !!(t->flags & PF_KTHREAD);
	memcpy(out->comm, t->comm, sizeof(out->comm));
	out->comm[sizeof(out->comm) - 1] = 0;
	if (mm) {
		out->vm_size_kb = mm->total_vm << (PAGE_SHIFT - 10);
		out->vm_rss_kb = get_mm_rss(mm) << (PAGE_SHIFT - 10);
		out->vm_swap_kb = get_mm_counter(mm, MM_SWAPENTS) << (PAGE_SHIFT - 10);
		out->arg_start = mm->arg_start;
		out->arg_end = mm->arg_end;
		out->env_start = mm->env_start;
		out->env_end = mm->env_end;
		/* get_current_tty() only takes the siglock spinlock and a tty reference */
		tty = get_current_tty();
		if (tty) {
			out->tty = new_encode_dev(tty_devnum(tty));
			tty_kref_put(tty);
		}
	}
}

/* Path of task `t`'s cgroup on the unified hierarchy; length without NUL, or <0. */
long harrier_task_cgroup(struct task_struct *t, char *buf, unsigned long len)
{
	long ret;

	rcu_read_lock();
	ret = cgroup_path(task_dfl_cgroup(t), buf, len);
	rcu_read_unlock();
	return ret;
}

/* Exit code of a task leaving (sched_process_exit). */
int harrier_task_exit_code(struct task_struct *t)
{
	return t->exit_code;
}

/* Device (new_encode_dev) and inode number of the current task's open `fd`; -1 if
 * none. fget()/fput() are safe here: fput() defers the final release. */
int harrier_fd_dev_ino(int fd, u32 *dev, u64 *ino)
{
	struct file *f = fget(fd);
	struct inode *inode;

	if (!f)
		return -1;
	inode = file_inode(f);
	*dev = new_encode_dev(inode->i_sb->s_dev);
	*ino = inode->i_ino;
	fput(f);
	return 0;
}
