// SPDX-License-Identifier: GPL-2.0-only
/*
 * Harrier eBPF probe: the same scap events as the kernel module (kmod/), for hosts that
 * cannot load modules.
 *
 * Programs (tp_btf, BTF-typed raw tracepoints, kernel >= 5.8 for the ring buffer):
 *   harrier_sys_enter / harrier_sys_exit  raw_syscalls dispatchers
 *   harrier_proc_exit                     sched_process_exit -> procexit (186)
 *   harrier_proc_fork / harrier_proc_exec user tasks forked by kernel threads (clone
 *                                         exit, child side) and kernel_execve (execve
 *                                         exit): the cases no sys_exit reports
 *   f_<event>                             fillers, reached by tail call through
 *                                         enter_fillers / exit_fillers[event id]
 *
 * Hot path: own process? (one compare) -> syscall in the interest mask (cfg.mask, a bit
 * test) -> generic events (0/1) are reserved and written in place in the ring; dedicated
 * events get the syscall facts in this CPU's scratch slot and tail-call their filler, or,
 * without one, get the "skeleton" (result / fd, zero values: as the kmod's fill_skeleton).
 *
 * Records are complete scap event records (26-byte header, u16 length array, values),
 * built in the per-CPU scratch buffer and copied with bpf_ringbuf_output into this CPU's
 * ring buffer (ringbufs[cpu], created by userspace), always with BPF_RB_NO_WAKEUP: the
 * consumer drains on a timer (wakeups cost ~14x on a getppid loop, see ebpf-notes.md).
 *
 * Counters (per CPU, `stats`): every attempted event counts in n_seen, then in exactly one
 * of n_evts (in the ring), n_drops_buffer (ring full), n_drops_too_big (record over
 * HARRIER_MAX_RECORD or a filler bug); n_drops_pf counts events with a user-memory read
 * that failed (the parameter is then empty).
 *
 * Facts and encodings: harrier_abi.h, generated from the scap-abi crate.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_endian.h>
#include "harrier_abi.h"

char LICENSE[] SEC("license") = "GPL";

#define HDR HARRIER_EVT_HDR_LEN
#define HARRIER_MAX_RECORD (64 * 1024) /* largest record; also the u16 length limit */
#define REC_MASK (HARRIER_MAX_RECORD - 1)
#define SCRATCH_LEN (2 * HARRIER_MAX_RECORD) /* masked offset + bounded size stay inside */
#define MAX_STR 4096                          /* paths and strings (PATH_MAX) */
#define MAX_AREA 4096                         /* argv / environment areas */
#define MAX_DATA 32768                        /* I/O data, further bounded by the snaplen */
#define MAX_CG_DEPTH 16
#define CG_NAME_MAX 256

/* Loader-set configuration (a frozen .rodata section: the verifier folds it). */
struct harrier_cfg {
	__u64 mask[HARRIER_SYSCALL_TABLE_SIZE / 64]; /* syscall interest bitmap */
	__u64 boot_to_epoch_ns; /* CLOCK_REALTIME - CLOCK_BOOTTIME at load */
	__u64 self_ns_dev;      /* /proc/self/ns/pid st_dev, when use_ns */
	__u64 self_ns_ino;      /* its st_ino */
	__u32 self_tgid;        /* our host tgid (0 inside a pid namespace) */
	__u32 self_ns_pid;      /* our pid inside that namespace, when use_ns */
	__u32 use_ns;
	__u32 snaplen;
};
const volatile struct harrier_cfg cfg SEC(".rodata.cfg") = {
	.snaplen = HARRIER_DEFAULT_SNAPLEN,
};

/* Our host tgid once found through the pid namespace (use_ns). */
__u32 self_host_tgid = 0;

struct scratch {
	__u8 buf[SCRATCH_LEN];
	__u8 tmp[128]; /* sockaddr copies */
	__u64 args[6];
	__s64 ret;
	__u64 ts;
	__u64 tid;
	__u32 nr;
	__u32 off;    /* next value byte; = record length so far */
	__u32 idx;    /* parameters pushed */
	__u32 nparams;
	__u32 evt;
	__u32 pf;
	__u32 bad;
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1); /* set to the number of possible CPUs by the loader */
	__type(key, __u32);
	__type(value, struct scratch);
} scratch_map SEC(".maps");

struct harrier_stats {
	__u64 n_seen;
	__u64 n_evts;
	__u64 n_drops_buffer;
	__u64 n_drops_pf;
	__u64 n_drops_too_big;
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct harrier_stats);
} stats SEC(".maps");

#define HARRIER_RING_SIZE (8 * 1024 * 1024) /* per CPU; userspace creates the rings */
struct ringbuf_map {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, HARRIER_RING_SIZE);
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY_OF_MAPS);
	__uint(max_entries, 1); /* set to the number of possible CPUs by the loader */
	__type(key, __u32);
	__array(values, struct ringbuf_map);
} ringbufs SEC(".maps");

/* ------------------------------------------------------------------ helpers */

static __always_inline struct scratch *get_scratch(void)
{
	__u32 cpu = bpf_get_smp_processor_id();
	return bpf_map_lookup_elem(&scratch_map, &cpu);
}

static __always_inline bool is_self(__u32 tgid)
{
	if (tgid == cfg.self_tgid)
		return true;
	if (cfg.use_ns) {
		__u32 cached = self_host_tgid;
		struct bpf_pidns_info ns = {};

		if (cached)
			return tgid == cached;
		if (!bpf_get_ns_current_pid_tgid(cfg.self_ns_dev, cfg.self_ns_ino, &ns, sizeof(ns)) &&
		    ns.tgid == cfg.self_ns_pid) {
			self_host_tgid = tgid;
			return true;
		}
	}
	return false;
}

static __always_inline bool interesting(__u32 nr)
{
	return cfg.mask[(nr >> 6) & (HARRIER_SYSCALL_TABLE_SIZE / 64 - 1)] & (1ULL << (nr & 63));
}

static __always_inline void start(struct scratch *s, __u32 evt, __u64 tid)
{
	__u32 np = 0;

	if (evt < HARRIER_NUM_EVENTS)
		np = harrier_nparams[evt];
	s->evt = evt;
	s->nparams = np;
	s->idx = 0;
	s->off = HDR + 2 * np;
	s->pf = 0;
	s->bad = evt >= HARRIER_NUM_EVENTS;
	s->tid = tid;
	s->ts = bpf_ktime_get_boot_ns() + cfg.boot_to_epoch_ns;
}

static __always_inline void set_len(struct scratch *s, __u32 len)
{
	__u32 i = s->idx;

	if (i >= HARRIER_MAX_PARAMS || i >= s->nparams) {
		s->bad = 1;
		return;
	}
	*(__u16 *)&s->buf[(HDR + 2 * i) & REC_MASK] = len;
	s->idx = i + 1;
}

/* Reserves n bytes (n <= MAX_STR) and returns their offset, or -1 (record too big). */
static __always_inline long room(struct scratch *s, __u32 n)
{
	__u32 off = s->off;

	if (off + n > HARRIER_MAX_RECORD) {
		s->bad = 1;
		return -1;
	}
	barrier_var(off); /* keep the mask: the verifier needs it, clang would drop it */
	return off & REC_MASK;
}

#define DEFINE_PUSH(name, type)                                           \
	static __always_inline void name(struct scratch *s, type v)       \
	{                                                                  \
		long o = room(s, sizeof(type));                            \
		if (o < 0)                                                 \
			return;                                            \
		*(type *)&s->buf[o] = v;                                   \
		s->off += sizeof(type);                                    \
		set_len(s, sizeof(type));                                  \
	}
DEFINE_PUSH(push_u8, __u8)
DEFINE_PUSH(push_u16, __u16)
DEFINE_PUSH(push_u32, __u32)
DEFINE_PUSH(push_u64, __u64)

static __always_inline void push_s64(struct scratch *s, __s64 v)
{
	push_u64(s, (__u64)v);
}

static __always_inline void push_empty(struct scratch *s)
{
	set_len(s, 0);
}

/* The fd in argument i: an int, sign-extended (AT_FDCWD = -100). */
static __always_inline void push_fd(struct scratch *s, int i)
{
	push_s64(s, (__s64)(int)s->args[i < 6 ? i : 5]);
}

static __always_inline void push_res(struct scratch *s)
{
	push_s64(s, s->ret);
}

/* Copies the NUL-terminated user string at p (CHARBUF/FSPATH/FSRELPATH; "(NULL)" for a
 * NULL pointer; empty when unreadable). */
static __always_inline void push_user_str(struct scratch *s, __u64 p)
{
	long o = room(s, MAX_STR), n;

	if (o < 0)
		return;
	if (!p)
		n = bpf_probe_read_kernel_str(&s->buf[o], 7, "(NULL)");
	else
		n = bpf_probe_read_user_str(&s->buf[o], MAX_STR, (const void *)p);
	if (n <= 0) {
		s->pf = 1;
		n = 0;
	}
	n &= (MAX_STR * 2 - 1);
	s->off += n;
	set_len(s, n);
}

static __always_inline void push_kernel_str(struct scratch *s, const void *p, __u32 max)
{
	long o = room(s, CG_NAME_MAX), n;

	if (o < 0)
		return;
	n = bpf_probe_read_kernel_str(&s->buf[o], max & (CG_NAME_MAX - 1), p);
	if (n <= 0) {
		s->buf[o] = 0;
		n = 1;
	}
	n &= (CG_NAME_MAX * 2 - 1);
	s->off += n;
	set_len(s, n);
}

/* len bytes of user memory at p, bounded by MAX_DATA (callers bound by the snaplen). */
static __always_inline void push_user_bytes(struct scratch *s, __u64 p, __u64 len)
{
	long o;

	if (len > MAX_DATA)
		len = MAX_DATA;
	if (!p || !len) {
		push_empty(s);
		return;
	}
	o = room(s, len);
	if (o < 0)
		return;
	barrier_var(len);
	if (len > MAX_DATA)
		return;
	if (bpf_probe_read_user(&s->buf[o], len, (const void *)p)) {
		s->pf = 1;
		len = 0;
	}
	s->off += len;
	set_len(s, len);
}

/* I/O data of a read/write-like exit: buffer argument i, length = result, snaplen. */
static __always_inline void push_io_data(struct scratch *s, int i)
{
	__u64 n = s->ret > 0 ? (__u64)s->ret : 0;

	if (n > cfg.snaplen)
		n = cfg.snaplen;
	push_user_bytes(s, s->args[i < 6 ? i : 5], n);
}

static __always_inline __u32 new_encode_dev(__u32 dev)
{
	__u32 major = dev >> 20, minor = dev & 0xfffff;

	return (minor & 0xff) | (major << 8) | ((minor & ~0xffU) << 12);
}

static __always_inline struct task_struct *cur(void)
{
	return (struct task_struct *)bpf_get_current_task();
}

static __always_inline struct file *fd_file(__s64 fd)
{
	struct task_struct *t = cur();
	struct fdtable *fdt;
	struct file **fds;
	struct file *f = NULL;

	if (fd < 0)
		return NULL;
	fdt = BPF_CORE_READ(t, files, fdt);
	if (!fdt || fd >= BPF_CORE_READ(fdt, max_fds))
		return NULL;
	fds = BPF_CORE_READ(fdt, fd);
	bpf_probe_read_kernel(&f, sizeof(f), &fds[fd]);
	return f;
}

static __always_inline void push_fd_dev(struct scratch *s, __s64 fd)
{
	struct file *f = fd_file(fd);
	__u32 dev = 0;

	if (f)
		dev = new_encode_dev(BPF_CORE_READ(f, f_inode, i_sb, s_dev));
	push_u32(s, dev);
}

/* A user struct sockaddr of len bytes as a SOCKADDR parameter (§5). */
static __always_inline void push_sockaddr(struct scratch *s, __u64 uaddr, __u64 len)
{
	__u8 *t = s->tmp;
	__u16 fam;
	long o;

	if (len > 112)
		len = 112;
	if (!uaddr || len < 2) {
		push_empty(s);
		return;
	}
	barrier_var(len);
	if (len > 112)
		return;
	if (bpf_probe_read_user(t, len, (const void *)uaddr)) {
		s->pf = 1;
		push_empty(s);
		return;
	}
	fam = *(__u16 *)t;
	o = room(s, 128);
	if (o < 0)
		return;
	if (fam == 2 && len >= 8) { /* AF_INET */
		s->buf[o] = PPM_AF_INET;
		__builtin_memcpy(&s->buf[o + 1], t + 4, 4);
		*(__u16 *)&s->buf[o + 5] = bpf_ntohs(*(__u16 *)(t + 2));
		s->off += 7;
		set_len(s, 7);
	} else if (fam == 10 && len >= 24) { /* AF_INET6 */
		s->buf[o] = PPM_AF_INET6;
		__builtin_memcpy(&s->buf[o + 1], t + 8, 16);
		*(__u16 *)&s->buf[o + 17] = bpf_ntohs(*(__u16 *)(t + 2));
		s->off += 19;
		set_len(s, 19);
	} else if (fam == 1) { /* AF_UNIX: path, abstract as @name */
		long n;

		s->buf[o] = PPM_AF_UNIX;
		if (t[2] == 0 && len > 3) {
			s->buf[o + 1] = '@';
			n = bpf_probe_read_kernel_str(&s->buf[o + 2], 108, t + 3);
			n = n > 0 ? n + 1 : 2;
		} else {
			n = bpf_probe_read_kernel_str(&s->buf[o + 1], 109, t + 2);
		}
		if (n <= 0) {
			s->buf[o + 1] = 0;
			n = 1;
		}
		n &= 255;
		s->off += 1 + n;
		set_len(s, 1 + n);
	} else {
		push_empty(s);
	}
}

static __always_inline struct sock *fd_sock(__s64 fd)
{
	struct file *f = fd_file(fd);
	struct socket *sock;

	if (!f || (BPF_CORE_READ(f, f_inode, i_mode) & 0170000) != 0140000)
		return NULL;
	sock = BPF_CORE_READ(f, private_data);
	return sock ? BPF_CORE_READ(sock, sk) : NULL;
}

#define GOLDEN_RATIO_64 0x61C8864680B583EBULL

/* Copies the bound path of unix socket sk to dst (NUL-terminated, abstract as @);
 * returns the bytes written including the NUL, 0 when unbound. */
static __always_inline long unix_path(struct sock *sk, __u8 *dst)
{
	struct unix_address *addr;
	long n;

	if (!sk)
		return 0;
	addr = BPF_CORE_READ((struct unix_sock *)sk, addr);
	if (!addr)
		return 0;
	n = BPF_CORE_READ(addr, len) - 2;
	if (n <= 0)
		return 0;
	if (n > 107)
		n = 107;
	barrier_var(n);
	if (n <= 0 || n > 107)
		return 0;
	bpf_probe_read_kernel(dst, n, (void *)addr + bpf_core_field_offset(struct unix_address, name) + 2);
	if (dst[0] == 0)
		dst[0] = '@';
	dst[n & 127] = 0;
	n = bpf_probe_read_kernel_str(dst, n + 1, dst);
	return n > 0 ? n : 0;
}

/* SOCKTUPLE of socket fd: local side first when outbound, peer first otherwise. */
static __always_inline void push_tuple(struct scratch *s, __s64 fd, bool outbound)
{
	struct sock *sk = fd_sock(fd);
	__u16 fam;
	long o;

	if (!sk) {
		push_empty(s);
		return;
	}
	o = room(s, 160);
	if (o < 0)
		return;
	fam = BPF_CORE_READ(sk, __sk_common.skc_family);
	if (fam == 2) {
		__u32 la = BPF_CORE_READ((struct inet_sock *)sk, inet_saddr);
		__u32 ra = BPF_CORE_READ(sk, __sk_common.skc_daddr);
		__u16 lp = bpf_ntohs(BPF_CORE_READ((struct inet_sock *)sk, inet_sport));
		__u16 rp = bpf_ntohs(BPF_CORE_READ(sk, __sk_common.skc_dport));

		if (!la)
			la = BPF_CORE_READ(sk, __sk_common.skc_rcv_saddr);
		s->buf[o] = PPM_AF_INET;
		*(__u32 *)&s->buf[o + 1] = outbound ? la : ra;
		*(__u16 *)&s->buf[o + 5] = outbound ? lp : rp;
		*(__u32 *)&s->buf[o + 7] = outbound ? ra : la;
		*(__u16 *)&s->buf[o + 11] = outbound ? rp : lp;
		s->off += 13;
		set_len(s, 13);
	} else if (fam == 10) {
		__u16 lp = bpf_ntohs(BPF_CORE_READ((struct inet_sock *)sk, inet_sport));
		__u16 rp = bpf_ntohs(BPF_CORE_READ(sk, __sk_common.skc_dport));
		void *la = (void *)sk + bpf_core_field_offset(struct sock, __sk_common.skc_v6_rcv_saddr);
		void *ra = (void *)sk + bpf_core_field_offset(struct sock, __sk_common.skc_v6_daddr);

		s->buf[o] = PPM_AF_INET6;
		bpf_probe_read_kernel(&s->buf[o + 1], 16, outbound ? la : ra);
		*(__u16 *)&s->buf[o + 17] = outbound ? lp : rp;
		bpf_probe_read_kernel(&s->buf[o + 19], 16, outbound ? ra : la);
		*(__u16 *)&s->buf[o + 35] = outbound ? rp : lp;
		s->off += 37;
		set_len(s, 37);
	} else if (fam == 1) {
		struct sock *peer = BPF_CORE_READ((struct unix_sock *)sk, peer);
		__u64 l = (__u64)sk * GOLDEN_RATIO_64, r = peer ? (__u64)peer * GOLDEN_RATIO_64 : 0;
		long n;

		s->buf[o] = PPM_AF_UNIX;
		*(__u64 *)&s->buf[o + 1] = outbound ? l : r;
		*(__u64 *)&s->buf[o + 9] = outbound ? r : l;
		n = unix_path(peer, &s->buf[o + 17]);
		if (n <= 1)
			n = unix_path(sk, &s->buf[o + 17]);
		if (n <= 0) {
			s->buf[o + 17] = 0;
			n = 1;
		}
		n &= 127;
		s->off += 17 + n;
		set_len(s, 17 + n);
	} else {
		push_empty(s);
	}
}

/* Dedicated events without a filler: result / fd, zero values (kmod fill_skeleton). */
static __always_inline void skeleton(struct scratch *s)
{
	__u32 evt = s->evt;

	if (evt >= HARRIER_NUM_EVENTS)
		return;
	for (int i = 0; i < HARRIER_MAX_PARAMS; i++) {
		__u8 c;
		long o;

		if (i >= s->nparams)
			break;
		c = harrier_skel[evt][i];
		if (c & HARRIER_SK_RES) {
			push_res(s);
		} else if (c & HARRIER_SK_FD0) {
			push_fd(s, 0);
		} else if ((c & HARRIER_SK_WIDTH) == 0) {
			push_empty(s);
		} else {
			__u32 w = c & HARRIER_SK_WIDTH;

			o = room(s, 16);
			if (o < 0)
				return;
			*(__u64 *)&s->buf[o] = 0;
			*(__u64 *)&s->buf[o + 8] = 0;
			s->off += w & 31;
			set_len(s, w & 31);
		}
	}
}

static __always_inline void submit(struct scratch *s)
{
	__u32 zero = 0, cpu, len;
	struct harrier_stats *st = bpf_map_lookup_elem(&stats, &zero);
	void *rb;

	if (!st)
		return;
	st->n_seen++;
	len = s->off;
	if (s->bad || s->idx != s->nparams || len > HARRIER_MAX_RECORD) {
		st->n_drops_too_big++;
		return;
	}
	*(__u64 *)&s->buf[0] = s->ts;
	*(__u64 *)&s->buf[8] = s->tid;
	*(__u32 *)&s->buf[16] = len;
	*(__u16 *)&s->buf[20] = s->evt;
	*(__u32 *)&s->buf[22] = s->nparams;
	if (s->pf)
		st->n_drops_pf++;
	cpu = bpf_get_smp_processor_id();
	rb = bpf_map_lookup_elem(&ringbufs, &cpu);
	if (!rb || bpf_ringbuf_output(rb, s->buf, len, BPF_RB_NO_WAKEUP))
		st->n_drops_buffer++;
	else
		st->n_evts++;
}

/* ------------------------------------------------------------------ dispatchers */

/* Generic events (0/1), reserved and written in place in the ring. */
struct generic_e {
	__u64 ts;
	__u64 tid;
	__u32 len;
	__u16 type;
	__u32 nparams;
	__u16 lens[2];
	__u16 ppm_sc;
	__u16 native;
} __attribute__((packed));

struct generic_x {
	__u64 ts;
	__u64 tid;
	__u32 len;
	__u16 type;
	__u32 nparams;
	__u16 lens[1];
	__u16 ppm_sc;
} __attribute__((packed));

static __always_inline void emit_generic(__u32 nr, __u64 tid, bool exit)
{
	__u32 zero = 0, cpu = bpf_get_smp_processor_id();
	struct harrier_stats *st = bpf_map_lookup_elem(&stats, &zero);
	__u16 sc = harrier_syscalls[nr & (HARRIER_SYSCALL_TABLE_SIZE - 1)].ppm_sc;
	__u64 ts = bpf_ktime_get_boot_ns() + cfg.boot_to_epoch_ns;
	void *rb;

	if (!st)
		return;
	st->n_seen++;
	rb = bpf_map_lookup_elem(&ringbufs, &cpu);
	if (!rb) {
		st->n_drops_buffer++;
		return;
	}
	if (exit) {
		struct generic_x *r = bpf_ringbuf_reserve(rb, sizeof(*r), 0);

		if (!r) {
			st->n_drops_buffer++;
			return;
		}
		r->ts = ts;
		r->tid = tid;
		r->len = sizeof(*r);
		r->type = HE_GENERIC_X;
		r->nparams = 1;
		r->lens[0] = 2;
		r->ppm_sc = sc;
		bpf_ringbuf_submit(r, BPF_RB_NO_WAKEUP);
	} else {
		struct generic_e *r = bpf_ringbuf_reserve(rb, sizeof(*r), 0);

		if (!r) {
			st->n_drops_buffer++;
			return;
		}
		r->ts = ts;
		r->tid = tid;
		r->len = sizeof(*r);
		r->type = HE_GENERIC_E;
		r->nparams = 2;
		r->lens[0] = 2;
		r->lens[1] = 2;
		r->ppm_sc = sc;
		r->native = nr;
		bpf_ringbuf_submit(r, BPF_RB_NO_WAKEUP);
	}
	st->n_evts++;
}

static __always_inline struct scratch *begin(struct pt_regs *regs, long nr_or_ret, bool exit, __u32 *evt)
{
	__u64 pt = bpf_get_current_pid_tgid();
	struct scratch *s;
	__u32 nr;
	long id = exit ? regs->orig_ax : nr_or_ret; /* tp_btf: direct BTF loads */

	if (is_self(pt >> 32))
		return NULL;
	if (id < 0 || id >= HARRIER_SYSCALL_TABLE_SIZE)
		return NULL;
	nr = id;
	if (!interesting(nr))
		return NULL;
	/* 32-bit (ia32) syscalls use another numbering: not captured (TS_COMPAT) */
	if (BPF_CORE_READ(cur(), thread_info.status) & 0x0002)
		return NULL;
	if (!harrier_syscalls[nr & (HARRIER_SYSCALL_TABLE_SIZE - 1)].enter) {
		emit_generic(nr, (__u32)pt, exit); /* fast path: no scratch, no copy */
		return NULL;
	}
	s = get_scratch();
	if (!s)
		return NULL;
	s->nr = nr;
	s->ret = exit ? nr_or_ret : 0;
	s->args[0] = regs->di;
	s->args[1] = regs->si;
	s->args[2] = regs->dx;
	s->args[3] = regs->r10;
	s->args[4] = regs->r8;
	s->args[5] = regs->r9;
	*evt = harrier_syscalls[nr & (HARRIER_SYSCALL_TABLE_SIZE - 1)].enter + (exit ? 1 : 0);
	start(s, *evt, (__u32)pt);
	return s;
}

/* ------------------------------------------------------------------ process facts */

struct kernfs_node___old {
	struct kernfs_node *parent;
} __attribute__((preserve_access_index));

/* cgroups BYTEBUF: "cpuset=<path on the unified hierarchy>\0", as the kmod writes it. */
static __always_inline void push_cgroups(struct scratch *s, struct task_struct *t)
{
	struct kernfs_node *kn = BPF_CORE_READ(t, cgroups, dfl_cgrp, kn);
	const char *names[MAX_CG_DEPTH] = {};
	__u32 depth = 0, start;
	long o;

	for (int i = 0; i < MAX_CG_DEPTH; i++) {
		struct kernfs_node *parent;

		if (!kn)
			break;
		if (bpf_core_field_exists(struct kernfs_node___old, parent))
			parent = BPF_CORE_READ((struct kernfs_node___old *)kn, parent);
		else
			parent = BPF_CORE_READ(kn, __parent);
		if (!parent)
			break; /* the root's name is not part of the path */
		names[i] = BPF_CORE_READ(kn, name);
		depth = i + 1;
		kn = parent;
	}
	o = room(s, 8 + MAX_CG_DEPTH * CG_NAME_MAX);
	if (o < 0)
		return;
	start = s->off;
	__builtin_memcpy(&s->buf[o], "cpuset=/", 8);
	s->off += 8;
	for (int i = MAX_CG_DEPTH - 1; i >= 0; i--) {
		long n;
		__u32 off;

		if (i >= depth)
			continue;
		off = s->off & REC_MASK;
		n = bpf_probe_read_kernel_str(&s->buf[off], CG_NAME_MAX, names[i]);
		if (n <= 1)
			continue;
		n &= (CG_NAME_MAX - 1);
		s->off += n; /* the NUL becomes the next '/' */
		s->buf[(s->off - 1) & REC_MASK] = '/';
	}
	if (depth)
		s->off -= 1; /* no trailing '/' */
	s->buf[s->off & REC_MASK] = 0;
	s->off += 1;
	set_len(s, s->off - start);
}

static __always_inline __s64 pid_nr_at(struct pid *p, __u32 level)
{
	int nr = 0;

	if (!p)
		return 0;
	bpf_probe_read_kernel(&nr, sizeof(nr),
			      (void *)p + bpf_core_field_offset(struct pid, numbers) +
				      (level & 31) * bpf_core_type_size(struct upid));
	return nr;
}

/* exe (first string of the argument area) and args (the rest, each string NUL-ended),
 * or comm + empty when the area is unreadable (kmod behaviour). */
static __always_inline void push_exe_args(struct scratch *s, struct task_struct *t)
{
	struct mm_struct *mm = BPF_CORE_READ(t, mm);
	__u64 as = 0, ae = 0, len;
	long o, n = -1;

	if (mm) {
		as = BPF_CORE_READ(mm, arg_start);
		ae = BPF_CORE_READ(mm, arg_end);
	}
	len = ae > as ? ae - as : 0;
	if (len > MAX_AREA)
		len = MAX_AREA;
	o = room(s, MAX_STR);
	if (o < 0)
		return;
	if (len)
		n = bpf_probe_read_user_str(&s->buf[o], MAX_STR, (const void *)as);
	if (n <= 0) {
		s->pf |= len != 0;
		push_kernel_str(s, &t->comm, 16);
		push_empty(s);
		return;
	}
	n &= (MAX_STR * 2 - 1);
	s->off += n;
	set_len(s, n);
	len = len > (__u64)n ? len - n : 0;
	if (!len) {
		push_empty(s);
		return;
	}
	o = room(s, MAX_AREA);
	if (o < 0)
		return;
	barrier_var(len);
	if (len > MAX_AREA)
		return;
	if (bpf_probe_read_user(&s->buf[o], len, (const void *)(as + n))) {
		s->pf = 1;
		push_empty(s);
		return;
	}
	s->buf[(o + len - 1) & (SCRATCH_LEN - 1)] = 0; /* a truncated area still ends with NUL */
	s->off += len;
	set_len(s, len);
}

static __always_inline void push_env(struct scratch *s, struct task_struct *t)
{
	struct mm_struct *mm = BPF_CORE_READ(t, mm);
	__u64 es = 0, ee = 0, len;
	long o;

	if (mm) {
		es = BPF_CORE_READ(mm, env_start);
		ee = BPF_CORE_READ(mm, env_end);
	}
	len = ee > es ? ee - es : 0;
	if (len > MAX_AREA)
		len = MAX_AREA;
	if (!len) {
		push_empty(s);
		return;
	}
	o = room(s, MAX_AREA);
	if (o < 0)
		return;
	barrier_var(len);
	if (len > MAX_AREA || !len)
		return;
	if (bpf_probe_read_user(&s->buf[o], len, (const void *)es)) {
		s->pf = 1;
		push_empty(s);
		return;
	}
	s->buf[(o + len - 1) & (SCRATCH_LEN - 1)] = 0;
	s->off += len;
	set_len(s, len);
}

/* Parameters 2..=15 shared by execve and clone exits (exe .. cgroups). */
static __always_inline void push_proc_common(struct scratch *s, struct task_struct *t, bool fdlimit_signed)
{
	struct mm_struct *mm = BPF_CORE_READ(t, mm);
	__u64 vm = 0, rss = 0, swap = 0;

	push_exe_args(s, t);
	push_s64(s, BPF_CORE_READ(t, pid));
	push_s64(s, BPF_CORE_READ(t, tgid));
	push_s64(s, BPF_CORE_READ(t, real_parent, tgid));
	/* cwd: the e5c53d64 driver (and the kmod) write it empty */
	s->buf[room(s, 1) & REC_MASK] = 0;
	s->off += 1;
	set_len(s, 1);
	push_u64(s, BPF_CORE_READ(t, signal, rlim[7].rlim_cur)); /* RLIMIT_NOFILE */
	push_u64(s, BPF_CORE_READ(t, maj_flt));
	push_u64(s, BPF_CORE_READ(t, min_flt));
	if (mm) {
		vm = BPF_CORE_READ(mm, total_vm) << 2;
		rss = (BPF_CORE_READ(mm, rss_stat[0].count) + BPF_CORE_READ(mm, rss_stat[1].count) +
		       BPF_CORE_READ(mm, rss_stat[3].count)) << 2;
		swap = BPF_CORE_READ(mm, rss_stat[2].count) << 2;
		if ((__s64)rss < 0)
			rss = 0;
		if ((__s64)swap < 0)
			swap = 0;
	}
	push_u32(s, vm);
	push_u32(s, rss);
	push_u32(s, swap);
	push_kernel_str(s, &t->comm, 16);
	push_cgroups(s, t);
}

static __always_inline void push_tty(struct scratch *s, struct task_struct *t)
{
	struct tty_struct *tty = BPF_CORE_READ(t, signal, tty);
	__u32 dev = 0;

	if (tty) {
		__u32 major = BPF_CORE_READ(tty, driver, major);
		__u32 minor = BPF_CORE_READ(tty, driver, minor_start) + BPF_CORE_READ(tty, index);

		dev = new_encode_dev((major << 20) | minor);
	}
	push_u32(s, dev);
}

/* ------------------------------------------------------------------ fillers */

#define FILLER(name, dir)                                                      \
	static __always_inline void name##_body(struct scratch *s);           \
	SEC("tp_btf/sys_" #dir)                                                \
	int BPF_PROG(name, struct pt_regs *regs, long v)                      \
	{                                                                      \
		struct scratch *s = get_scratch();                             \
		if (!s)                                                        \
			return 0;                                              \
		name##_body(s);                                                \
		submit(s);                                                     \
		return 0;                                                      \
	}                                                                      \
	static __always_inline void name##_body(struct scratch *s)

#define A(i) (s->args[i])

/* open family */
FILLER(f_open_e, enter)
{
	push_user_str(s, A(0));
	push_u32(s, harrier_open_flags(A(1)));
	push_u32(s, (A(1) & (HARRIER_O_CREAT | HARRIER_O_TMPFILE)) ? (A(2) & 07777) : 0);
}
FILLER(f_open_x, exit)
{
	push_res(s);
	push_user_str(s, A(0));
	push_u32(s, harrier_open_flags(A(1)));
	push_u32(s, (A(1) & (HARRIER_O_CREAT | HARRIER_O_TMPFILE)) ? (A(2) & 07777) : 0);
	push_fd_dev(s, s->ret);
}
FILLER(f_openat_e, enter)
{
	push_fd(s, 0);
	push_user_str(s, A(1));
	push_u32(s, harrier_open_flags(A(2)));
	push_u32(s, (A(2) & (HARRIER_O_CREAT | HARRIER_O_TMPFILE)) ? (A(3) & 07777) : 0);
}
FILLER(f_openat_x, exit)
{
	push_res(s);
	push_fd(s, 0);
	push_user_str(s, A(1));
	push_u32(s, harrier_open_flags(A(2)));
	push_u32(s, (A(2) & (HARRIER_O_CREAT | HARRIER_O_TMPFILE)) ? (A(3) & 07777) : 0);
	push_fd_dev(s, s->ret);
}

static __always_inline void openat2_common(struct scratch *s, bool exit)
{
	__u64 how[3] = {};

	if (A(2) && bpf_probe_read_user(how, sizeof(how), (const void *)A(2)))
		s->pf = 1;
	if (exit)
		push_res(s);
	push_fd(s, 0);
	push_user_str(s, A(1));
	push_u32(s, harrier_open_flags(how[0]));
	push_u32(s, (how[0] & (HARRIER_O_CREAT | HARRIER_O_TMPFILE)) ? (how[1] & 07777) : 0);
	push_u32(s, harrier_openat2_resolve(how[2]));
}
FILLER(f_openat2_e, enter) { openat2_common(s, false); }
FILLER(f_openat2_x, exit) { openat2_common(s, true); }
FILLER(f_creat_e, enter)
{
	push_user_str(s, A(0));
	push_u32(s, A(1) & 07777);
}
FILLER(f_creat_x, exit)
{
	push_res(s);
	push_user_str(s, A(0));
	push_u32(s, A(1) & 07777);
	push_fd_dev(s, s->ret);
}

/* fd I/O */
FILLER(f_fd0_e, enter) { push_fd(s, 0); } /* close, fchdir, dup family */
FILLER(f_rw_e, enter)
{
	push_fd(s, 0);
	push_u32(s, A(2));
}
FILLER(f_rw_x, exit)
{
	push_res(s);
	push_io_data(s, 1);
}

/* sockets */
FILLER(f_socket_e, enter)
{
	push_u32(s, harrier_socket_family(A(0)));
	push_u32(s, A(1));
	push_u32(s, A(2));
}
FILLER(f_bind_x, exit)
{
	push_res(s);
	push_sockaddr(s, A(1), A(2));
}
FILLER(f_connect_e, enter)
{
	push_fd(s, 0);
	push_sockaddr(s, A(1), A(2));
}
FILLER(f_connect_x, exit)
{
	push_res(s);
	push_tuple(s, (int)A(0), true);
}
FILLER(f_listen_e, enter)
{
	push_fd(s, 0);
	push_u32(s, A(1));
}
FILLER(f_accept4_e, enter) { push_u32(s, (__u32)(int)A(3)); }

static __always_inline void accept_exit(struct scratch *s)
{
	struct sock *lsk = fd_sock((int)A(0));
	__u32 q = 0, qmax = 0;

	push_res(s);
	push_tuple(s, s->ret, false);
	if (lsk) {
		q = BPF_CORE_READ(lsk, sk_ack_backlog);
		qmax = BPF_CORE_READ(lsk, sk_max_ack_backlog);
	}
	push_u8(s, qmax ? (q * 100 / qmax > 100 ? 100 : q * 100 / qmax) : 0);
	push_u32(s, q);
	push_u32(s, qmax);
}
FILLER(f_accept_x, exit) { accept_exit(s); }
FILLER(f_sendto_e, enter)
{
	push_fd(s, 0);
	push_u32(s, A(2));
	push_tuple(s, (int)A(0), true);
}
FILLER(f_recvfrom_e, enter)
{
	push_fd(s, 0);
	push_u32(s, A(2));
}
FILLER(f_recvfrom_x, exit)
{
	push_res(s);
	push_io_data(s, 1);
	push_tuple(s, (int)A(0), false);
}

/* sendmsg/recvmsg: first iovec (base, len) and the total of up to 8 iovecs of the user
 * struct msghdr at msg (x86_64: name 0, namelen 8, iov 16, iovlen 24). */
static __always_inline void msg_iov(struct scratch *s, __u64 msg, __u64 *base0, __u64 *len0, __u64 *total)
{
	__u64 h[4] = {};

	if (!msg || bpf_probe_read_user(h, sizeof(h), (const void *)msg)) {
		s->pf = 1;
		return;
	}
	for (int i = 0; i < 8; i++) {
		__u64 v[2] = {};

		if (i >= h[3])
			break;
		if (bpf_probe_read_user(v, sizeof(v), (const void *)(h[2] + i * 16)))
			break;
		if (i == 0) {
			*base0 = v[0];
			*len0 = v[1];
		}
		*total += v[1];
	}
}
FILLER(f_sendmsg_e, enter)
{
	__u64 b = 0, l = 0, total = 0;

	msg_iov(s, A(1), &b, &l, &total);
	push_fd(s, 0);
	push_u32(s, total);
	push_tuple(s, (int)A(0), true);
}
FILLER(f_sendmsg_x, exit)
{
	__u64 b = 0, l = 0, total = 0, n;

	msg_iov(s, A(1), &b, &l, &total);
	n = s->ret > 0 ? (__u64)s->ret : 0;
	if (n > l)
		n = l;
	if (n > cfg.snaplen)
		n = cfg.snaplen;
	push_res(s);
	push_user_bytes(s, b, n);
}
FILLER(f_recvmsg_x, exit)
{
	__u64 b = 0, l = 0, total = 0, n;

	msg_iov(s, A(1), &b, &l, &total);
	n = s->ret > 0 ? (__u64)s->ret : 0;
	push_res(s);
	push_u32(s, n);
	if (n > l)
		n = l;
	if (n > cfg.snaplen)
		n = cfg.snaplen;
	push_user_bytes(s, b, n);
	push_tuple(s, (int)A(0), false);
}

/* pipe, pipe2: the two fds from user memory, the inode of the first */
FILLER(f_pipe_x, exit)
{
	int fds[2] = { -1, -1 };
	struct file *f;
	__u64 ino = 0;

	if (s->ret >= 0 && A(0) && bpf_probe_read_user(fds, sizeof(fds), (const void *)A(0))) {
		s->pf = 1;
		fds[0] = fds[1] = -1;
	}
	push_res(s);
	push_s64(s, fds[0]);
	push_s64(s, fds[1]);
	f = fds[0] >= 0 ? fd_file(fds[0]) : NULL;
	if (f)
		ino = BPF_CORE_READ(f, f_inode, i_ino);
	push_u64(s, ino);
}

FILLER(f_socketpair_x, exit)
{
	int fds[2] = { -1, -1 };

	if (s->ret >= 0 && A(3) && bpf_probe_read_user(fds, sizeof(fds), (const void *)A(3))) {
		s->pf = 1;
		fds[0] = fds[1] = -1;
	}
	push_res(s);
	push_s64(s, fds[0]);
	push_s64(s, fds[1]);
	push_u64(s, 0); /* source, peer: not derived (as the kmod) */
	push_u64(s, 0);
}

/* file system */
FILLER(f_res_path0_path1_x, exit) /* rename, link, symlink */
{
	push_res(s);
	push_user_str(s, A(0));
	push_user_str(s, A(1));
}
FILLER(f_renameat_x, exit) /* renameat, renameat2, linkat */
{
	push_res(s);
	push_fd(s, 0);
	push_user_str(s, A(1));
	push_fd(s, 2);
	push_user_str(s, A(3));
	if (s->evt == HE_SYS_RENAMEAT2_X)
		push_u32(s, harrier_renameat2_flags(A(4)));
	else if (s->evt == HE_SYS_LINKAT_X)
		push_u32(s, harrier_linkat_flags(A(4)));
}
FILLER(f_res_path0_x, exit) /* unlink, rmdir, chroot, mkdir, chdir */
{
	push_res(s);
	push_user_str(s, A(0));
}
FILLER(f_unlinkat_x, exit)
{
	push_res(s);
	push_fd(s, 0);
	push_user_str(s, A(1));
	push_u32(s, harrier_unlinkat_flags(A(2)));
}
FILLER(f_mkdir_e, enter) { push_u32(s, A(1)); } /* raw, as the kmod */
FILLER(f_mkdirat_x, exit)
{
	push_res(s);
	push_fd(s, 0);
	push_user_str(s, A(1));
	push_u32(s, A(2)); /* raw, as the kmod */
}
FILLER(f_symlinkat_x, exit)
{
	push_res(s);
	push_user_str(s, A(0));
	push_fd(s, 1);
	push_user_str(s, A(2));
}
FILLER(f_chmod_x, exit)
{
	push_res(s);
	push_user_str(s, A(0));
	push_u32(s, A(1) & 07777);
}
FILLER(f_fchmod_x, exit)
{
	push_res(s);
	push_fd(s, 0);
	push_u32(s, A(1) & 07777);
}
FILLER(f_fchmodat_x, exit)
{
	push_res(s);
	push_fd(s, 0);
	push_user_str(s, A(1));
	push_u32(s, A(2) & 07777);
}

/* credentials, signals, tracing, memory */
FILLER(f_u32a0_e, enter) { push_u32(s, A(0)); } /* setuid, setgid */
FILLER(f_setres_e, enter)
{
	push_u32(s, A(0));
	push_u32(s, A(1));
	push_u32(s, A(2));
}
FILLER(f_kill_e, enter)
{
	push_s64(s, (int)A(0));
	push_u8(s, A(1));
}
FILLER(f_ptrace_e, enter)
{
	push_u16(s, harrier_ptrace_request(A(0)));
	push_s64(s, (int)A(1));
}
FILLER(f_ptrace_x, exit)
{
	long o;

	push_res(s);
	for (int i = 2; i < 4; i++) { /* addr, data: DYN index 0 (UINT64) */
		o = room(s, 9);
		if (o < 0)
			return;
		s->buf[o] = 0;
		*(__u64 *)&s->buf[o + 1] = A(i);
		s->off += 9;
		set_len(s, 9);
	}
}
FILLER(f_mmap_e, enter)
{
	push_u64(s, A(0));
	push_u64(s, A(1));
	push_u32(s, harrier_prot_flags(A(2)));
	push_u32(s, harrier_mmap_flags(A(3)));
	push_fd(s, 4);
	push_u64(s, A(5));
}
FILLER(f_mmap_x, exit)
{
	struct mm_struct *mm = BPF_CORE_READ(cur(), mm);
	__u64 vm = 0, rss = 0, swap = 0;

	push_u64(s, s->ret);
	if (mm) {
		vm = BPF_CORE_READ(mm, total_vm) << 2;
		rss = (BPF_CORE_READ(mm, rss_stat[0].count) + BPF_CORE_READ(mm, rss_stat[1].count) +
		       BPF_CORE_READ(mm, rss_stat[3].count)) << 2;
		swap = BPF_CORE_READ(mm, rss_stat[2].count) << 2;
		if ((__s64)rss < 0)
			rss = 0;
		if ((__s64)swap < 0)
			swap = 0;
	}
	push_u32(s, vm);
	push_u32(s, rss);
	push_u32(s, swap);
}
FILLER(f_mprotect_e, enter)
{
	push_u64(s, A(0));
	push_u64(s, A(1));
	push_u32(s, harrier_prot_flags(A(2)));
}
FILLER(f_setns_e, enter)
{
	push_fd(s, 0);
	push_u32(s, harrier_clone_flags(A(1)));
}
FILLER(f_unshare_e, enter) { push_u32(s, harrier_clone_flags(A(0))); }
FILLER(f_mount_e, enter) { push_u32(s, A(3)); }
FILLER(f_mount_x, exit)
{
	push_res(s);
	push_user_str(s, A(0));
	push_user_str(s, A(1));
	push_user_str(s, A(2));
}
FILLER(f_umount_e, enter) { push_u32(s, harrier_umount_flags(A(1))); }

FILLER(f_bpf_e, enter) { push_s64(s, A(0)); }
FILLER(f_bpf_x, exit) /* res_or_fd: DYN index 0 = FD, 1 = ERRNO */
{
	long o = room(s, 9);

	if (o < 0)
		return;
	s->buf[o] = s->ret >= 0 ? 0 : 1;
	*(__s64 *)&s->buf[o + 1] = s->ret;
	s->off += 9;
	set_len(s, 9);
}
FILLER(f_userfaultfd_x, exit)
{
	push_res(s);
	push_u32(s, A(0));
}

/* exec and clone */
FILLER(f_execve_e, enter) { push_user_str(s, A(0)); }
FILLER(f_execveat_e, enter)
{
	push_fd(s, 0);
	push_user_str(s, A(1));
	push_u32(s, harrier_execveat_flags(A(4)));
}
FILLER(f_execve_x, exit)
{
	struct task_struct *t = cur();

	push_res(s);
	push_proc_common(s, t, false);
	push_env(s, t);
	push_tty(s, t);
	push_s64(s, pid_nr_at(BPF_CORE_READ(t, signal, pids[PIDTYPE_PGID]), 0));
	push_u32(s, BPF_CORE_READ(t, loginuid.val));
	push_u32(s, 0); /* flags: PPM_EXE_* not derived (as the kmod) */
}
FILLER(f_clone_x, exit)
{
	struct task_struct *t = cur();
	struct pid *tp = BPF_CORE_READ(t, thread_pid);
	struct pid *gp = BPF_CORE_READ(t, group_leader, thread_pid);
	__u32 level = tp ? BPF_CORE_READ(tp, level) : 0;
	__u64 raw = 0;
	__u32 flags;

	if (s->evt == HE_SYS_CLONE_X)
		raw = A(0);
	else if (s->evt == HE_SYS_CLONE3_X && A(0))
		bpf_probe_read_user(&raw, sizeof(raw), (const void *)A(0)); /* clone_args.flags */
	else if (s->evt == HE_SYS_VFORK_X)
		raw = 0x100 | 0x4000; /* CLONE_VM | CLONE_VFORK */
	flags = harrier_clone_flags(raw);
	if (level > 0 || (raw & 0x20000000)) /* in a child pid namespace, or CLONE_NEWPID */
		flags |= PPM_CL_CHILD_IN_PIDNS;
	push_res(s);
	push_proc_common(s, t, true);
	push_u32(s, flags);
	push_u32(s, BPF_CORE_READ(t, cred, euid.val));
	push_u32(s, BPF_CORE_READ(t, cred, egid.val));
	push_s64(s, pid_nr_at(tp, level));
	push_s64(s, pid_nr_at(gp, level));
}

#define PF_KTHREAD 0x00200000

/* A user task created by a kernel thread (user-mode helper) never returns from a clone
 * syscall: report its child-side clone exit here, as the kmod does. Its memory map is not
 * ours, so exe falls back to comm and args/env are empty. Always captured. */
SEC("tp_btf/sched_process_fork")
int BPF_PROG(harrier_proc_fork, struct task_struct *parent, struct task_struct *child)
{
	struct scratch *s;
	struct pid *tp, *gp;
	__u32 level;

	if (!(BPF_CORE_READ(parent, flags) & PF_KTHREAD) || (BPF_CORE_READ(child, flags) & PF_KTHREAD))
		return 0;
	s = get_scratch();
	if (!s)
		return 0;
	start(s, HE_SYS_CLONE_X, BPF_CORE_READ(child, pid));
	s->ret = 0;
	tp = BPF_CORE_READ(child, thread_pid);
	gp = BPF_CORE_READ(child, group_leader, thread_pid);
	level = tp ? BPF_CORE_READ(tp, level) : 0;
	push_res(s);
	push_proc_common(s, child, true);
	push_u32(s, level > 0 ? PPM_CL_CHILD_IN_PIDNS : 0);
	push_u32(s, BPF_CORE_READ(child, cred, euid.val));
	push_u32(s, BPF_CORE_READ(child, cred, egid.val));
	push_s64(s, pid_nr_at(tp, level));
	push_s64(s, pid_nr_at(gp, level));
	submit(s);
	return 0;
}

/* kernel_execve() (init, user-mode helpers) has no execve sys_exit: report it here as a
 * successful execve exit, as the kmod does. Execs by syscall are left to sys_exit. */
SEC("tp_btf/sched_process_exec")
int BPF_PROG(harrier_proc_exec, struct task_struct *p)
{
	struct task_struct *t = bpf_get_current_task_btf();
	struct pt_regs *regs = (struct pt_regs *)bpf_task_pt_regs(t);
	long nr = regs ? BPF_CORE_READ(regs, orig_ax) : -1;
	struct scratch *s;

	if (nr == 59 || nr == 322 || is_self(bpf_get_current_pid_tgid() >> 32))
		return 0;
	s = get_scratch();
	if (!s)
		return 0;
	start(s, HE_SYS_EXECVE_X, BPF_CORE_READ(t, pid));
	s->ret = 0;
	f_execve_x_body(s);
	submit(s);
	return 0;
}

/* procexit (not a syscall): status, ret, sig, core. Always captured. */
SEC("tp_btf/sched_process_exit")
int BPF_PROG(harrier_proc_exit, struct task_struct *p)
{
	__u64 pt = bpf_get_current_pid_tgid();
	struct scratch *s;
	int code;

	if (is_self(pt >> 32))
		return 0;
	s = get_scratch();
	if (!s)
		return 0;
	start(s, HE_PROCEXIT_E, BPF_CORE_READ(p, pid));
	code = BPF_CORE_READ(p, exit_code);
	push_s64(s, code);
	push_s64(s, (code >> 8) & 0xff);
	push_u8(s, code & 0x7f);
	push_u8(s, (code & 0x80) != 0);
	submit(s);
	return 0;
}

/* The filler tables: every event id with a filler above. */
struct {
	__uint(type, BPF_MAP_TYPE_PROG_ARRAY);
	__uint(max_entries, HARRIER_NUM_EVENTS);
	__type(key, __u32);
	__array(values, int(void *));
} enter_fillers SEC(".maps") = {
	.values = {
		[HE_SYS_OPEN_E] = (void *)&f_open_e,
		[HE_SYS_OPENAT_E] = (void *)&f_openat_e,
		[HE_SYS_OPENAT2_E] = (void *)&f_openat2_e,
		[HE_SYS_CREAT_E] = (void *)&f_creat_e,
		[HE_SYS_CLOSE_E] = (void *)&f_fd0_e,
		[HE_SYS_FCHDIR_E] = (void *)&f_fd0_e,
		[HE_SYS_DUP_E] = (void *)&f_fd0_e,
		[HE_SYS_READ_E] = (void *)&f_rw_e,
		[HE_SYS_WRITE_E] = (void *)&f_rw_e,
		[HE_SYS_SOCKET_E] = (void *)&f_socket_e,
		[HE_SYS_SOCKETPAIR_E] = (void *)&f_socket_e,
		[HE_SYS_BIND_E] = (void *)&f_fd0_e,
		[HE_SYS_CONNECT_E] = (void *)&f_connect_e,
		[HE_SYS_LISTEN_E] = (void *)&f_listen_e,
		[HE_SYS_ACCEPT4_E] = (void *)&f_accept4_e,
		[HE_SYS_SENDTO_E] = (void *)&f_sendto_e,
		[HE_SYS_RECVFROM_E] = (void *)&f_recvfrom_e,
		[HE_SYS_SENDMSG_E] = (void *)&f_sendmsg_e,
		[HE_SYS_RECVMSG_E] = (void *)&f_fd0_e,
		[HE_SYS_MKDIR_E] = (void *)&f_mkdir_e,
		[HE_SYS_SETUID_E] = (void *)&f_u32a0_e,
		[HE_SYS_SETGID_E] = (void *)&f_u32a0_e,
		[HE_SYS_SETRESUID_E] = (void *)&f_setres_e,
		[HE_SYS_SETRESGID_E] = (void *)&f_setres_e,
		[HE_SYS_KILL_E] = (void *)&f_kill_e,
		[HE_SYS_PTRACE_E] = (void *)&f_ptrace_e,
		[HE_SYS_MMAP_E] = (void *)&f_mmap_e,
		[HE_SYS_MPROTECT_E] = (void *)&f_mprotect_e,
		[HE_SYS_SETNS_E] = (void *)&f_setns_e,
		[HE_SYS_UNSHARE_E] = (void *)&f_unshare_e,
		[HE_SYS_MOUNT_E] = (void *)&f_mount_e,
		[HE_SYS_UMOUNT2_E] = (void *)&f_umount_e,
		[HE_SYS_EXECVE_E] = (void *)&f_execve_e,
		[HE_SYS_BPF_E] = (void *)&f_bpf_e,
		[HE_SYS_EXECVEAT_E] = (void *)&f_execveat_e,
	},
};

struct {
	__uint(type, BPF_MAP_TYPE_PROG_ARRAY);
	__uint(max_entries, HARRIER_NUM_EVENTS);
	__type(key, __u32);
	__array(values, int(void *));
} exit_fillers SEC(".maps") = {
	.values = {
		[HE_SYS_OPEN_X] = (void *)&f_open_x,
		[HE_SYS_OPENAT_X] = (void *)&f_openat_x,
		[HE_SYS_OPENAT2_X] = (void *)&f_openat2_x,
		[HE_SYS_CREAT_X] = (void *)&f_creat_x,
		[HE_SYS_READ_X] = (void *)&f_rw_x,
		[HE_SYS_WRITE_X] = (void *)&f_rw_x,
		[HE_SYS_BIND_X] = (void *)&f_bind_x,
		[HE_SYS_CONNECT_X] = (void *)&f_connect_x,
		[HE_SYS_ACCEPT_X] = (void *)&f_accept_x,
		[HE_SYS_ACCEPT4_X] = (void *)&f_accept_x,
		[HE_SYS_RECVFROM_X] = (void *)&f_recvfrom_x,
		[HE_SYS_SENDTO_X] = (void *)&f_rw_x,
		[HE_SYS_SENDMSG_X] = (void *)&f_sendmsg_x,
		[HE_SYS_RECVMSG_X] = (void *)&f_recvmsg_x,
		[HE_SYS_PIPE_X] = (void *)&f_pipe_x,
		[HE_SYS_SOCKETPAIR_X] = (void *)&f_socketpair_x,
		[HE_SYS_BPF_X] = (void *)&f_bpf_x,
		[HE_SYS_USERFAULTFD_X] = (void *)&f_userfaultfd_x,
		[HE_SYS_RENAME_X] = (void *)&f_res_path0_path1_x,
		[HE_SYS_LINK_X] = (void *)&f_res_path0_path1_x,
		[HE_SYS_SYMLINK_X] = (void *)&f_res_path0_path1_x,
		[HE_SYS_RENAMEAT_X] = (void *)&f_renameat_x,
		[HE_SYS_RENAMEAT2_X] = (void *)&f_renameat_x,
		[HE_SYS_LINKAT_X] = (void *)&f_renameat_x,
		[HE_SYS_UNLINK_X] = (void *)&f_res_path0_x,
		[HE_SYS_RMDIR_X] = (void *)&f_res_path0_x,
		[HE_SYS_CHROOT_X] = (void *)&f_res_path0_x,
		[HE_SYS_MKDIR_X] = (void *)&f_res_path0_x,
		[HE_SYS_CHDIR_X] = (void *)&f_res_path0_x,
		[HE_SYS_UNLINKAT_X] = (void *)&f_unlinkat_x,
		[HE_SYS_MKDIRAT_X] = (void *)&f_mkdirat_x,
		[HE_SYS_SYMLINKAT_X] = (void *)&f_symlinkat_x,
		[HE_SYS_CHMOD_X] = (void *)&f_chmod_x,
		[HE_SYS_FCHMOD_X] = (void *)&f_fchmod_x,
		[HE_SYS_FCHMODAT_X] = (void *)&f_fchmodat_x,
		[HE_SYS_PTRACE_X] = (void *)&f_ptrace_x,
		[HE_SYS_MMAP_X] = (void *)&f_mmap_x,
		[HE_SYS_MOUNT_X] = (void *)&f_mount_x,
		[HE_SYS_EXECVE_X] = (void *)&f_execve_x,
		[HE_SYS_EXECVEAT_X] = (void *)&f_execve_x,
		[HE_SYS_CLONE_X] = (void *)&f_clone_x,
		[HE_SYS_FORK_X] = (void *)&f_clone_x,
		[HE_SYS_VFORK_X] = (void *)&f_clone_x,
		[HE_SYS_CLONE3_X] = (void *)&f_clone_x,
	},
};

/* ------------------------------------------------------------------ dispatchers */

SEC("tp_btf/sys_enter")
int BPF_PROG(harrier_sys_enter, struct pt_regs *regs, long id)
{
	__u32 evt = 0;
	struct scratch *s = begin(regs, id, false, &evt);

	if (!s)
		return 0;
	/* dedicated event: its filler, or the skeleton when it has none */
	bpf_tail_call(ctx, &enter_fillers, evt);
	skeleton(s);
	submit(s);
	return 0;
}

SEC("tp_btf/sys_exit")
int BPF_PROG(harrier_sys_exit, struct pt_regs *regs, long ret)
{
	__u32 evt = 0;
	struct scratch *s = begin(regs, ret, true, &evt);

	if (!s)
		return 0;
	/* dedicated event: its filler, or the skeleton when it has none */
	bpf_tail_call(ctx, &exit_fillers, evt);
	skeleton(s);
	submit(s);
	return 0;
}

