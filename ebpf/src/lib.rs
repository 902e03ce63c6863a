//! `harrier-ebpf`: Harrier's eBPF driver, for hosts that cannot load kernel modules.
//!
//! The probe (`probe/harrier.bpf.c`, compiled once with clang-16 and checked in as
//! `probe/harrier.bpf.o`, rebuilt and compared by `scripts/ebpf-build.sh`) writes complete
//! scap event records, the same bytes as the kernel module, into one BPF ring buffer per
//! CPU. This crate:
//!
//! * [`Probe::open`] loads the object with libbpf-rs, sets the frozen configuration
//!   ([`Config`]: own tgid / pid namespace for self-exclusion, snaplen, the syscall interest
//!   mask, the boot -> epoch clock offset), creates the per-CPU rings, attaches the
//!   `raw_syscalls` programs and the `sched_process_exit/fork/exec` ones (fork and exec
//!   only report what no syscall exit does: user tasks forked by kernel threads and
//!   `kernel_execve`, as the kmod);
//! * [`Probe::poll`] drains every ring (the probe never wakes the reader: records are
//!   submitted with `BPF_RB_NO_WAKEUP`, so the caller polls on a timer), merges the CPUs'
//!   records by timestamp behind a watermark (records newer than "now - 10 ms" wait for
//!   the next poll, so a late record from another CPU still sorts in), and hands each
//!   record, a `&[u8]` scap event record, with its CPU to a callback;
//! * [`Probe::stop`] detaches the programs and flushes everything; [`Probe::stats`] reads
//!   the per-CPU counters, which balance: `seen = evts + drops_buffer + drops_too_big`,
//!   and `evts` = records the reader consumed ([`Probe::consumed`]).
//!
//! Why per-CPU rings rather than one: the CPU of each record is implicit (the records stay
//! exact scap records, `evt.cpu` is right), and CPUs never contend on one ring's
//! reservation lock; the price is the userspace merge.
//!
//! [`abi_header`] generates the probe's C header from `scap-abi`. [`availability`] tells
//! whether this host can run the probe (root, BPF, BTF), by trying rather than assuming.

pub mod abi_header;

use std::cell::RefCell;
use std::os::fd::AsFd;
use std::os::unix::fs::MetadataExt;
use std::rc::Rc;

use libbpf_rs::{
    Link, MapCore, MapFlags, MapHandle, MapType, Object, ObjectBuilder, RingBuffer,
    RingBufferBuilder,
};
use scap_abi::event::HEADER_LEN;
use scap_abi::syscall::{SyscallMask, TABLE_SIZE};

/// The compiled probe (clang-16, `llvm-strip -g`), checked in beside its source.
pub static PROBE_OBJECT: &[u8] = include_bytes!("../probe/harrier.bpf.o");

/// Default size of each CPU's ring buffer (8 MiB, as the kmod's default).
pub const DEFAULT_RING_BYTES: u32 = 8 << 20;
/// Records newer than this (ns) stay pending until the next poll (cross-CPU merge).
pub const MERGE_WINDOW_NS: u64 = 10_000_000;

/// What went wrong, and where.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// libbpf refused an operation (load, verifier, attach, map update).
    #[error("eBPF {what}: {source}")]
    Bpf {
        /// The step that failed.
        what: String,
        /// libbpf's error.
        #[source]
        source: libbpf_rs::Error,
    },
    /// A configuration value is out of range.
    #[error("eBPF config: {0}")]
    Config(String),
    /// The object does not have the shape this crate expects (stale object?).
    #[error("eBPF object: {0}")]
    Object(String),
    /// A host fact could not be read (clock, /proc).
    #[error("eBPF host: {0}")]
    Host(String),
}

fn bpf(what: impl Into<String>) -> impl FnOnce(libbpf_rs::Error) -> Error {
    let what = what.into();
    move |source| Error::Bpf { what, source }
}

/// Capture settings pushed into the probe before it is loaded.
#[derive(Clone, Debug)]
pub struct Config {
    /// Bytes of read/write data captured (1..=65000; the probe caps at 32768).
    pub snaplen: u32,
    /// Syscall interest mask (bit n = syscall number n); `None` = every syscall.
    pub mask: Option<SyscallMask>,
    /// Size of each CPU's ring buffer in bytes (power of two, >= 4096 * 2).
    pub ring_bytes: u32,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            snaplen: scap_abi::ring::DEFAULT_SNAPLEN,
            mask: None,
            ring_bytes: DEFAULT_RING_BYTES,
        }
    }
}

impl Config {
    /// Restricts capture to the syscalls whose events have one of these `evt.type` names
    /// (what a loaded ruleset needs, or `capture --syscalls`); process events (procexit,
    /// kernel-thread forks, kernel execs) are always captured. Adds to an existing mask.
    pub fn interest<'a>(
        &mut self,
        event_types: impl IntoIterator<Item = &'a str>,
    ) -> Result<(), Error> {
        let mut mask = self.mask.unwrap_or([0; TABLE_SIZE / 64]);
        for name in event_types {
            if scap_abi::syscall::mask_add_event_type(&mut mask, name) == 0 {
                return Err(Error::Config(format!(
                    "unknown syscall or event type {name:?}"
                )));
            }
        }
        self.mask = Some(mask);
        Ok(())
    }
}

/// The probe's `struct harrier_cfg` (.rodata.cfg), little-endian, in field order.
fn cfg_bytes(cfg: &Config, boot_to_epoch: u64) -> Result<Vec<u8>, Error> {
    let mut b = Vec::with_capacity(104);
    let mask = cfg.mask.unwrap_or([u64::MAX; TABLE_SIZE / 64]);
    for w in mask {
        b.extend_from_slice(&w.to_le_bytes());
    }
    b.extend_from_slice(&boot_to_epoch.to_le_bytes());
    // Self-exclusion: the host tgid when we live in the initial pid namespace, else the
    // namespace (dev, ino) and our pid inside it (the probe finds our host tgid).
    let ns = std::fs::metadata("/proc/self/ns/pid")
        .map_err(|e| Error::Host(format!("/proc/self/ns/pid: {e}")))?;
    const PROC_PID_INIT_INO: u64 = 0xEFFF_FFFC;
    let pid = std::process::id();
    let in_init_ns = ns.ino() == PROC_PID_INIT_INO;
    let dev = ns.dev();
    // userspace dev_t -> the kernel's internal (major << 20 | minor) encoding
    let kdev = ((libc::major(dev) as u64) << 20) | libc::minor(dev) as u64;
    b.extend_from_slice(&(if in_init_ns { 0 } else { kdev }).to_le_bytes());
    b.extend_from_slice(&(if in_init_ns { 0 } else { ns.ino() }).to_le_bytes());
    b.extend_from_slice(&(if in_init_ns { pid } else { 0 }).to_le_bytes());
    b.extend_from_slice(&(if in_init_ns { 0 } else { pid }).to_le_bytes());
    b.extend_from_slice(&(u32::from(!in_init_ns)).to_le_bytes());
    b.extend_from_slice(&cfg.snaplen.to_le_bytes());
    Ok(b)
}

fn now_ns(clock: rustix::time::ClockId) -> u64 {
    let t = rustix::time::clock_gettime(clock);
    (t.tv_sec as u64)
        .wrapping_mul(1_000_000_000)
        .wrapping_add(t.tv_nsec as u64)
}

/// Whether the eBPF driver can run here. `Err` carries a human reason; it is decided by
/// trying (create a BPF map, find the kernel BTF), never assumed from the kernel version.
pub fn availability() -> Result<(), String> {
    if rustix::process::geteuid().as_raw() != 0 {
        return Err("not running as root (the probe needs CAP_BPF + CAP_PERFMON)".into());
    }
    if !std::path::Path::new("/sys/kernel/btf/vmlinux").exists() {
        return Err("the kernel has no BTF (/sys/kernel/btf/vmlinux), needed by tp_btf".into());
    }
    let opts = libbpf_rs::libbpf_sys::bpf_map_create_opts {
        sz: std::mem::size_of::<libbpf_rs::libbpf_sys::bpf_map_create_opts>() as _,
        ..Default::default()
    };
    MapHandle::create(MapType::RingBuf, Some("harrier_probe"), 0, 0, 4096, &opts)
        .map(|_| ())
        .map_err(|e| format!("cannot create a BPF ring buffer: {e}"))
}

/// libbpf's messages: warnings to stderr, except the expected BTF-less retry of the
/// prog-array maps (their BTF value type is only there for the static initialisation).
fn libbpf_print(level: libbpf_rs::PrintLevel, msg: String) {
    if level == libbpf_rs::PrintLevel::Warn && !msg.contains("Retrying without BTF") {
        eprint!("libbpf: {msg}");
    }
}

/// Per-CPU (or summed) counters of the probe.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Stats {
    /// Events attempted (after self-exclusion and the interest mask).
    pub seen: u64,
    /// Events written into a ring.
    pub evts: u64,
    /// Events dropped: ring full.
    pub drops_buffer: u64,
    /// Events with a user-memory parameter that could not be read (still written).
    pub drops_pf: u64,
    /// Events dropped: record too big, or a filler bug.
    pub drops_too_big: u64,
}

impl Stats {
    /// Sum of two counter sets.
    pub fn add(&mut self, o: &Stats) {
        self.seen += o.seen;
        self.evts += o.evts;
        self.drops_buffer += o.drops_buffer;
        self.drops_pf += o.drops_pf;
        self.drops_too_big += o.drops_too_big;
    }
    /// Events lost (not written into a ring).
    pub fn dropped(&self) -> u64 {
        self.drops_buffer + self.drops_too_big
    }
}

/// Records drained but not yet handed out (the merge window).
#[derive(Debug, Default)]
struct Pending {
    data: Vec<u8>,
    /// (ts, offset in `data`, length, cpu)
    idx: Vec<(u64, u32, u32, u16)>,
    spare: Vec<u8>,
    spare_idx: Vec<(u64, u32, u32, u16)>,
    consumed: Vec<u64>,
    malformed: u64,
}

impl Pending {
    fn push(&mut self, cpu: u16, rec: &[u8]) {
        if let Some(c) = self.consumed.get_mut(cpu as usize) {
            *c += 1;
        }
        let ts = rec
            .get(0..8)
            .and_then(|b| b.try_into().ok())
            .map(u64::from_le_bytes);
        let len = rec
            .get(16..20)
            .and_then(|b| b.try_into().ok())
            .map(u32::from_le_bytes);
        match (ts, len) {
            (Some(ts), Some(len)) if len as usize == rec.len() && rec.len() >= HEADER_LEN => {
                let off = self.data.len() as u32;
                self.data.extend_from_slice(rec);
                self.idx.push((ts, off, len, cpu));
            }
            _ => self.malformed += 1,
        }
    }

    /// Hands out, in timestamp order, every record with `ts <= limit`; keeps the rest.
    fn emit(&mut self, limit: u64, f: &mut dyn FnMut(&[u8], u16)) -> usize {
        self.idx.sort_by_key(|r| r.0);
        let mut n = 0;
        self.spare.clear();
        self.spare_idx.clear();
        for &(ts, off, len, cpu) in &self.idx {
            let Some(rec) = self.data.get(off as usize..off as usize + len as usize) else {
                continue;
            };
            if ts <= limit {
                f(rec, cpu);
                n += 1;
            } else {
                let noff = self.spare.len() as u32;
                self.spare.extend_from_slice(rec);
                self.spare_idx.push((ts, noff, len, cpu));
            }
        }
        std::mem::swap(&mut self.data, &mut self.spare);
        std::mem::swap(&mut self.idx, &mut self.spare_idx);
        n
    }
}

/// A loaded and attached probe.
pub struct Probe {
    links: Vec<Link>,
    ring: Option<RingBuffer<'static>>,
    pending: Rc<RefCell<Pending>>,
    _rings: Vec<MapHandle>,
    obj: Object,
    n_cpus: usize,
    boot_to_epoch: u64,
}

impl std::fmt::Debug for Probe {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Probe")
            .field("n_cpus", &self.n_cpus)
            .field("links", &self.links.len())
            .finish()
    }
}

impl Probe {
    /// Loads the probe with `cfg`, creates the rings and attaches the programs.
    pub fn open(cfg: &Config) -> Result<Probe, Error> {
        if cfg.snaplen == 0 || cfg.snaplen > scap_abi::ring::MAX_SNAPLEN {
            return Err(Error::Config(format!(
                "snaplen {} not in 1..=65000",
                cfg.snaplen
            )));
        }
        if !cfg.ring_bytes.is_power_of_two() || cfg.ring_bytes < 8192 {
            return Err(Error::Config(format!(
                "ring size {} is not a power of two >= 8192",
                cfg.ring_bytes
            )));
        }
        libbpf_rs::set_print(Some((libbpf_rs::PrintLevel::Warn, libbpf_print)));
        let n_cpus = libbpf_rs::num_possible_cpus().map_err(bpf("counting CPUs"))?;
        let boot_to_epoch = now_ns(rustix::time::ClockId::Realtime)
            .wrapping_sub(now_ns(rustix::time::ClockId::Boottime));
        let cfg_data = cfg_bytes(cfg, boot_to_epoch)?;

        let opts = libbpf_rs::libbpf_sys::bpf_map_create_opts {
            sz: std::mem::size_of::<libbpf_rs::libbpf_sys::bpf_map_create_opts>() as _,
            ..Default::default()
        };
        let mut rings = Vec::with_capacity(n_cpus);
        for cpu in 0..n_cpus {
            let name = format!("harrier_rb{cpu}");
            rings.push(
                MapHandle::create(MapType::RingBuf, Some(&name), 0, 0, cfg.ring_bytes, &opts)
                    .map_err(bpf(format!("creating the ring buffer of CPU {cpu}")))?,
            );
        }

        let mut open = ObjectBuilder::default()
            .open_memory(PROBE_OBJECT)
            .map_err(bpf("opening the object"))?;
        let mut found_cfg = false;
        for mut m in open.maps_mut() {
            let name = m.name().to_string_lossy().into_owned();
            if name.ends_with(".rodata.cfg") {
                let v = m
                    .initial_value_mut()
                    .ok_or_else(|| Error::Object(".rodata.cfg has no data".into()))?;
                if v.len() != cfg_data.len() {
                    return Err(Error::Object(format!(
                        "struct harrier_cfg is {} bytes, expected {} (stale object?)",
                        v.len(),
                        cfg_data.len()
                    )));
                }
                v.copy_from_slice(&cfg_data);
                found_cfg = true;
            } else if name == "scratch_map" {
                m.set_max_entries(n_cpus as u32)
                    .map_err(bpf("sizing scratch_map"))?;
            } else if name == "ringbufs" {
                m.set_max_entries(n_cpus as u32)
                    .map_err(bpf("sizing ringbufs"))?;
                let first = rings
                    .first()
                    .ok_or_else(|| Error::Object("no CPU".into()))?;
                m.set_inner_map_fd(first.as_fd())
                    .map_err(bpf("ringbufs inner map"))?;
            }
        }
        if !found_cfg {
            return Err(Error::Object("no .rodata.cfg section".into()));
        }
        let obj = open.load().map_err(bpf("loading the probe (verifier)"))?;

        let pending = Rc::new(RefCell::new(Pending {
            consumed: vec![0; n_cpus],
            ..Default::default()
        }));
        let mut builder = RingBufferBuilder::new();
        {
            let outer = obj
                .maps()
                .find(|m| m.name() == "ringbufs")
                .ok_or_else(|| Error::Object("no ringbufs map".into()))?;
            for (cpu, r) in rings.iter().enumerate() {
                let fd = std::os::fd::AsRawFd::as_raw_fd(&r.as_fd()) as u32;
                outer
                    .update(
                        &(cpu as u32).to_le_bytes(),
                        &fd.to_le_bytes(),
                        MapFlags::ANY,
                    )
                    .map_err(bpf(format!("installing the ring of CPU {cpu}")))?;
                let p = Rc::clone(&pending);
                builder
                    .add(r, move |rec: &[u8]| {
                        p.borrow_mut().push(cpu as u16, rec);
                        0
                    })
                    .map_err(bpf("adding a ring to the reader"))?;
            }
        }
        let ring = builder.build().map_err(bpf("building the ring reader"))?;

        let mut links = Vec::new();
        for name in [
            "harrier_sys_enter",
            "harrier_sys_exit",
            "harrier_proc_exit",
            "harrier_proc_fork",
            "harrier_proc_exec",
        ] {
            let prog = obj
                .progs_mut()
                .find(|p| p.name() == name)
                .ok_or_else(|| Error::Object(format!("no program {name}")))?;
            links.push(prog.attach().map_err(bpf(format!("attaching {name}")))?);
        }
        Ok(Probe {
            links,
            ring: Some(ring),
            pending,
            _rings: rings,
            obj,
            n_cpus,
            boot_to_epoch,
        })
    }

    /// Number of CPUs (= rings).
    pub fn n_cpus(&self) -> usize {
        self.n_cpus
    }

    /// Current time on the probe's clock (ns since the epoch).
    pub fn now(&self) -> u64 {
        now_ns(rustix::time::ClockId::Boottime).wrapping_add(self.boot_to_epoch)
    }

    fn drain_rings(&mut self) -> Result<(), Error> {
        if let Some(r) = &self.ring {
            let rc = r.consume_raw();
            if rc < 0 && rc != -libc::EINTR {
                return Err(Error::Host(format!("draining the rings: errno {}", -rc)));
            }
        }
        Ok(())
    }

    /// Drains the rings and hands out, in timestamp order, the records older than the
    /// merge window; returns how many were handed out.
    pub fn poll(&mut self, f: &mut dyn FnMut(&[u8], u16)) -> Result<usize, Error> {
        let limit = self.now().saturating_sub(MERGE_WINDOW_NS);
        self.drain_rings()?;
        Ok(self.pending.borrow_mut().emit(limit, f))
    }

    /// Detaches the programs (no new events; programs already running still finish).
    pub fn detach(&mut self) {
        self.links.clear();
    }

    /// Detaches the programs, then drains and hands out everything left.
    pub fn stop(&mut self, f: &mut dyn FnMut(&[u8], u16)) -> Result<usize, Error> {
        self.detach();
        self.drain_rings()?;
        Ok(self.pending.borrow_mut().emit(u64::MAX, f))
    }

    /// Records consumed from each CPU's ring so far.
    pub fn consumed(&self) -> Vec<u64> {
        self.pending.borrow().consumed.clone()
    }

    /// Ring records that were not well-formed scap records (expected 0).
    pub fn malformed(&self) -> u64 {
        self.pending.borrow().malformed
    }

    /// The probe's counters, per CPU.
    pub fn stats(&self) -> Result<Vec<Stats>, Error> {
        let map = self
            .obj
            .maps()
            .find(|m| m.name() == "stats")
            .ok_or_else(|| Error::Object("no stats map".into()))?;
        let vals = map
            .lookup_percpu(&0u32.to_le_bytes(), MapFlags::ANY)
            .map_err(bpf("reading stats"))?
            .unwrap_or_default();
        Ok(vals
            .iter()
            .map(|v| {
                let g = |i: usize| {
                    v.get(i * 8..i * 8 + 8)
                        .and_then(|b| b.try_into().ok())
                        .map(u64::from_le_bytes)
                        .unwrap_or(0)
                };
                Stats {
                    seen: g(0),
                    evts: g(1),
                    drops_buffer: g(2),
                    drops_pf: g(3),
                    drops_too_big: g(4),
                }
            })
            .collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pending_merges_by_timestamp_behind_the_limit() {
        let mut p = Pending {
            consumed: vec![0; 2],
            ..Default::default()
        };
        let rec = |ts: u64| {
            let mut r = vec![0u8; HEADER_LEN];
            r[0..8].copy_from_slice(&ts.to_le_bytes());
            r[16..20].copy_from_slice(&(HEADER_LEN as u32).to_le_bytes());
            r
        };
        p.push(0, &rec(30));
        p.push(1, &rec(10));
        p.push(0, &rec(50));
        p.push(1, &[1, 2, 3]); // malformed
        let mut got = Vec::new();
        assert_eq!(p.emit(40, &mut |r, cpu| got.push((r[0], cpu))), 2);
        assert_eq!(got, vec![(10, 1), (30, 0)]);
        p.push(1, &rec(45));
        got.clear();
        p.emit(u64::MAX, &mut |r, cpu| got.push((r[0], cpu)));
        assert_eq!(got, vec![(45, 1), (50, 0)]);
        assert_eq!(p.malformed, 1);
        assert_eq!(p.consumed, vec![2, 3]);
    }

    /// Ring bytes are hostile: arbitrary records never panic, and only well-formed ones
    /// (length field = record length >= header) are handed out.
    #[test]
    fn pending_survives_arbitrary_records() {
        let mut p = Pending {
            consumed: vec![0; 1],
            ..Default::default()
        };
        let mut x: u64 = 0x2545_F491_4F6C_DD1D;
        let mut handed = 0;
        for i in 0..5000u32 {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            let len = (x % 64) as usize;
            let mut rec: Vec<u8> = (0..len).map(|j| (x >> (j % 56)) as u8).collect();
            if i % 3 == 0 && len >= HEADER_LEN {
                rec[16..20].copy_from_slice(&(len as u32).to_le_bytes());
            }
            p.push(0, &rec);
            handed += p.emit(u64::MAX, &mut |r, _| assert!(r.len() >= HEADER_LEN));
        }
        assert_eq!(p.consumed[0], 5000);
        assert_eq!(handed as u64 + p.malformed, 5000);
        assert!(handed > 0);
    }

    #[test]
    fn interest_sets_the_syscalls_of_event_types() {
        let mut c = Config::default();
        c.interest(["openat", "dup"]).expect("known names");
        let m = c.mask.expect("mask");
        let bit = |nr: usize| m[nr / 64] & (1 << (nr % 64)) != 0;
        assert!(bit(257) && bit(32) && bit(33) && bit(292)); // openat, dup, dup2, dup3
        assert!(!bit(39)); // getpid
        assert!(c.interest(["no_such_syscall"]).is_err());
    }

    #[test]
    fn cfg_layout_matches_the_probe() {
        // struct harrier_cfg: 8 x u64 mask, 3 x u64, 4 x u32 = 104 bytes
        let b = cfg_bytes(&Config::default(), 7).expect("cfg");
        assert_eq!(b.len(), 104);
        assert_eq!(&b[64..72], &7u64.to_le_bytes());
        assert_eq!(&b[100..104], &80u32.to_le_bytes());
    }
}
