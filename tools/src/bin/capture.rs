//! `capture`: live capture from the Harrier kernel module into a scap file.
//!
//! `capture --driver kmod|ebpf -w FILE [--duration S] [--snaplen N] [--syscalls a,b] [-- CMD ARGS]`
//!
//! Data flow: the driver (`scapfile::ring::Device` over the module's per-CPU rings, or
//! the eBPF probe in `capture_ebpf.rs`) hands over scap event records merged by
//! timestamp; `capture_loop::run` writes each as-is through
//! `scapfile::file::CaptureWriter` (zstd by default). Capture runs until CMD exits, the
//! duration elapses (whichever comes first when both are given), or SIGINT/SIGTERM. At the
//! end the driver is stopped (in-flight probes finish), the rings are drained, the file
//! is closed, and the per-CPU counters are printed with the balance check
//! `produced = consumed + dropped` (produced = events the probes attempted).

use std::path::PathBuf;
use std::time::Duration;

use anyhow::{bail, Context, Result};
use clap::{Parser, ValueEnum};

use scap_abi::ring::SYSCALL_MASK_BITS;
use scapfile::file::meta::{MachineInfo, ProcEntry};
use scapfile::ring::{Device, DEVICE_PATH};

#[path = "../capture_ebpf.rs"]
mod capture_ebpf;
#[path = "../capture_live.rs"]
mod capture_live;
#[path = "../capture_loop.rs"]
mod capture_loop;

use capture_loop::{CpuCounters, EventSource};

#[derive(Clone, Copy, Debug, ValueEnum)]
enum Driver {
    /// The Harrier kernel module (/dev/harrier).
    Kmod,
    /// The eBPF probe (harrier-ebpf), for hosts that cannot load modules.
    Ebpf,
}

#[derive(Clone, Copy, Debug, ValueEnum)]
enum Compress {
    None,
    Gzip,
    Zstd,
}

#[derive(Parser, Debug)]
#[command(
    name = "capture",
    version,
    about = "Capture system calls into a scap file, and/or raise Falco rule alerts live",
    after_help = "Examples:\n  capture --driver kmod -w trace.scap -- make -j2\n  \
                  capture --driver ebpf -w trace.scap --duration 10 --compress gzip\n  \
                  capture --driver ebpf -w trace.scap --duration 3600   (Ctrl-C stops early; \
                  the file is complete)\n  \
                  capture --driver ebpf --rules /etc/falco/falco_rules.yaml --duration 3600   \
                  (live alerts)\n  \
                  capture --driver ebpf -r rules/ -w trace.scap --json -- ./suspicious.sh"
)]
struct Cli {
    /// Event source.
    #[arg(long, value_enum, default_value = "kmod")]
    driver: Driver,
    /// Output capture file (with --rules, optional: alerts only).
    #[arg(short = 'w', long = "write")]
    write: Option<PathBuf>,
    /// Falco rules file or directory of them (repeatable): print alerts live, as Falco.
    #[arg(short = 'r', long = "rules")]
    rules: Vec<PathBuf>,
    /// With --rules: alerts as JSON lines (Falco's json_output).
    #[arg(long)]
    json: bool,
    /// Stop after this many seconds.
    #[arg(long)]
    duration: Option<f64>,
    /// Bytes captured from read/write buffers (1..=65000).
    #[arg(long, default_value_t = 80)]
    snaplen: u32,
    /// Only these syscalls / event types (comma-separated, e.g. `open,openat,execve`);
    /// process events are always captured. Default: every syscall.
    #[arg(long, value_delimiter = ',')]
    syscalls: Vec<String>,
    /// Output compression.
    #[arg(long, value_enum, default_value = "zstd")]
    compress: Compress,
    /// Device node of the kernel module.
    #[arg(long, default_value = DEVICE_PATH)]
    dev: PathBuf,
    /// Test aid: sleep this many microseconds after every 64 records, to simulate a slow
    /// consumer (overload tests).
    #[arg(long, hide = true, default_value_t = 0)]
    read_delay_us: u64,
    /// Command to run while capturing; capture stops when it exits.
    #[arg(last = true)]
    cmd: Vec<String>,
}

fn machine_info(n_cpus: u32) -> MachineInfo {
    let read = |p: &str| std::fs::read_to_string(p).unwrap_or_default();
    let mem_kb = read("/proc/meminfo")
        .lines()
        .find_map(|l| l.strip_prefix("MemTotal:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
        .unwrap_or(0);
    MachineInfo {
        num_cpus: n_cpus,
        memory_size_bytes: mem_kb * 1024,
        max_pid: read("/proc/sys/kernel/pid_max")
            .trim()
            .parse()
            .unwrap_or(32768),
        hostname: read("/proc/sys/kernel/hostname").trim().to_string(),
        reserved: [0; 4],
    }
}

/// One thread read from /proc, owning the bytes a [`ProcEntry`] borrows.
struct ProcSnap {
    tid: i64,
    pid: i64,
    ptid: i64,
    sid: i64,
    pgid: i64,
    comm: Vec<u8>,
    exe: Vec<u8>,
    exepath: Vec<u8>,
    args: Vec<u8>,
    cwd: Vec<u8>,
    env: Vec<u8>,
    cgroups: Vec<u8>,
    uid: u32,
    gid: u32,
    vmsize_kb: u32,
    vmrss_kb: u32,
    pfmajor: u64,
    pfminor: u64,
    vtid: i64,
    vpid: i64,
}

fn read_thread(pid: i64, tid: i64) -> Option<ProcSnap> {
    let dir = format!("/proc/{pid}/task/{tid}");
    let stat = std::fs::read_to_string(format!("{dir}/stat")).ok()?;
    // "tid (comm) state ppid pgrp session ..."; comm may contain spaces and parentheses
    let (head, rest) = stat.rsplit_once(')')?;
    let comm = head.split_once('(')?.1.as_bytes().to_vec();
    let f: Vec<&str> = rest.split_whitespace().collect();
    let num = |i: usize| f.get(i).and_then(|v| v.parse::<i64>().ok()).unwrap_or(0);
    // fields after the comm: 0 state, 1 ppid, 2 pgrp, 3 session, 7 minflt, 9 majflt,
    // 20 vsize (bytes), 21 rss (pages)
    let status = std::fs::read_to_string(format!("{dir}/status")).unwrap_or_default();
    let field = |k: &str| {
        status
            .lines()
            .find_map(|l| l.strip_prefix(k))
            .map(|v| v.split_whitespace().collect::<Vec<_>>())
    };
    let id = |k: &str, i: usize| {
        field(k)
            .and_then(|v| v.get(i).and_then(|x| x.parse::<u32>().ok()))
            .unwrap_or(u32::MAX)
    };
    let last = |k: &str, d: i64| {
        field(k)
            .and_then(|v| v.last().and_then(|x| x.parse::<i64>().ok()))
            .unwrap_or(d)
    };
    let cmdline = std::fs::read(format!("/proc/{pid}/cmdline")).unwrap_or_default();
    let (exe, args) = match cmdline.iter().position(|&b| b == 0) {
        Some(i) => (cmdline[..i].to_vec(), cmdline[i + 1..].to_vec()),
        None => (cmdline.clone(), Vec::new()),
    };
    let link = |p: &str| {
        std::fs::read_link(format!("/proc/{pid}/{p}"))
            .map(|l| l.into_os_string().into_encoded_bytes())
            .unwrap_or_default()
    };
    let mut cwd = link("cwd");
    if !cwd.ends_with(b"/") {
        cwd.push(b'/');
    }
    let cgroups = std::fs::read_to_string(format!("/proc/{pid}/cgroup"))
        .unwrap_or_default()
        .lines()
        .filter_map(|l| {
            let mut it = l.splitn(3, ':');
            let (_, ctrl, path) = (it.next()?, it.next()?, it.next()?);
            let ctrl = if ctrl.is_empty() { "cpuset" } else { ctrl };
            Some(format!("{ctrl}={path}\0"))
        })
        .collect::<String>()
        .into_bytes();
    Some(ProcSnap {
        tid,
        pid,
        ptid: num(1),
        pgid: num(2),
        sid: num(3),
        comm,
        exe,
        exepath: link("exe"),
        args,
        cwd,
        env: std::fs::read(format!("/proc/{pid}/environ")).unwrap_or_default(),
        cgroups,
        uid: id("Uid:", 1),
        gid: id("Gid:", 1),
        vmsize_kb: (num(20) / 1024) as u32,
        vmrss_kb: (num(21) * 4) as u32,
        pfminor: num(7) as u64,
        pfmajor: num(9) as u64,
        vtid: last("NSpid:", tid),
        vpid: last("NStgid:", pid),
    })
}

/// Every thread of every process, for the PL block (so that threads started before the
/// capture have names, parents and cgroups in the reader).
fn proc_snapshot() -> Vec<ProcSnap> {
    let mut out = Vec::new();
    let Ok(dir) = std::fs::read_dir("/proc") else {
        return out;
    };
    for e in dir.flatten() {
        let Some(pid) = e.file_name().to_str().and_then(|n| n.parse::<i64>().ok()) else {
            continue;
        };
        let Ok(tasks) = std::fs::read_dir(format!("/proc/{pid}/task")) else {
            continue;
        };
        for t in tasks.flatten() {
            if let Some(tid) = t.file_name().to_str().and_then(|n| n.parse::<i64>().ok()) {
                out.extend(read_thread(pid, tid));
            }
        }
    }
    out
}

fn main() -> Result<()> {
    let cli = Cli::parse();
    if cli.cmd.is_empty() && cli.duration.is_none() {
        bail!(
            "give --duration S or a command after `--` (capture stops when it exits, or on Ctrl-C)"
        );
    }
    if cli.write.is_none() && cli.rules.is_empty() {
        bail!("give -w FILE (write a capture), --rules R.yaml (live alerts), or both");
    }
    // Rules first, then the driver: a bad rules file or setting starts nothing and leaves
    // no file behind.
    let set = match cli.rules.is_empty() {
        true => None,
        false => Some(capture_live::load_rules(&cli.rules)?),
    };
    let mut live = set.as_ref().map(|s| capture_live::Live::new(s, cli.json));
    match cli.driver {
        Driver::Ebpf => capture_loop::run(&cli, &mut capture_ebpf::open(&cli)?, live.as_mut()),
        Driver::Kmod => capture_loop::run(&cli, &mut Kmod::open(&cli)?, live.as_mut()),
    }
}

/// The kernel module's per-CPU rings as an [`EventSource`].
struct Kmod {
    dev: Device,
}

impl Kmod {
    fn open(cli: &Cli) -> Result<Kmod> {
        let dev = Device::open(&cli.dev).with_context(|| {
            format!(
                "is the module loaded? (insmod harrier.ko); {}",
                cli.dev.display()
            )
        })?;
        dev.set_snaplen(cli.snaplen).context("--snaplen")?;
        if !cli.syscalls.is_empty() {
            let mut mask = [0u64; SYSCALL_MASK_BITS / 64];
            for name in &cli.syscalls {
                if scap_abi::syscall::mask_add_event_type(&mut mask, name) == 0 {
                    bail!("--syscalls: unknown syscall or event type {name:?}");
                }
            }
            dev.set_syscall_mask(&mask)?;
        }
        Ok(Kmod { dev })
    }
}

impl EventSource for Kmod {
    fn driver(&self) -> &'static str {
        "kmod"
    }
    fn n_cpus(&self) -> usize {
        self.dev.n_cpus()
    }
    fn start(&mut self) -> Result<()> {
        Ok(self.dev.start()?)
    }
    fn poll(&mut self, f: &mut dyn FnMut(&[u8], u16)) -> Result<usize> {
        let mut n = 0;
        // Bounded, so the command and the deadline are checked under a flood.
        while n < 16384 {
            let Some(rec) = self.dev.next_record() else {
                break;
            };
            f(rec.bytes, rec.cpu);
            n += 1;
        }
        Ok(n)
    }
    fn stop(&mut self, f: &mut dyn FnMut(&[u8], u16)) -> Result<usize> {
        // STOP waits for in-flight probes: after it, the rings hold everything produced.
        self.dev.stop()?;
        let mut n = 0;
        while let Some(rec) = self.dev.next_record() {
            f(rec.bytes, rec.cpu);
            n += 1;
        }
        Ok(n)
    }
    fn counters(&self) -> Result<Vec<CpuCounters>> {
        (0..self.dev.n_cpus())
            .map(|cpu| {
                let s = self.dev.stats(cpu as u32)?;
                let c = self.dev.consumer_stats(cpu);
                Ok(CpuCounters {
                    produced: s.n_seen,
                    in_ring: s.n_evts,
                    consumed: c.consumed,
                    drop_full: s.n_drops_buffer,
                    drop_big: s.n_drops_too_big,
                    pf_truncated: s.n_drops_pf,
                })
            })
            .collect()
    }
    fn corrupt(&self) -> u64 {
        (0..self.dev.n_cpus())
            .map(|c| self.dev.consumer_stats(c).corrupt)
            .sum()
    }
    fn idle(&self) -> Duration {
        Duration::from_millis(2)
    }
}

/// The PL_V9 entries of a /proc snapshot (written into the file, and fed to the live
/// rules' state).
fn proc_entries(snap: &[ProcSnap]) -> Vec<ProcEntry<'_>> {
    snap.iter()
        .map(|p| ProcEntry {
            version: 9,
            tid: p.tid,
            pid: p.pid,
            ptid: p.ptid,
            sid: Some(p.sid),
            vpgid: Some(p.pgid),
            comm: &p.comm,
            exe: &p.exe,
            exepath: Some(&p.exepath),
            args: &p.args,
            cwd: &p.cwd,
            fdlimit: 1024,
            uid: p.uid,
            gid: p.gid,
            vmsize_kb: Some(p.vmsize_kb),
            vmrss_kb: Some(p.vmrss_kb),
            vmswap_kb: Some(0),
            pfmajor: Some(p.pfmajor),
            pfminor: Some(p.pfminor),
            env: Some(&p.env),
            vtid: Some(p.vtid),
            vpid: Some(p.vpid),
            cgroups: Some(&p.cgroups),
            root: Some(b"/"),
            pgid: Some(p.pgid),
            ..Default::default()
        })
        .collect()
}
