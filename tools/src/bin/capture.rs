//! `capture`: live capture from the Harrier kernel module into a scap file.
//!
//! `capture --driver kmod -w FILE [--duration S] [--snaplen N] [--syscalls a,b] [-- CMD ARGS]`
//!
//! Data flow: `scapfile::ring::Device` maps the module's per-CPU rings and merges them by
//! timestamp; each record is written as-is (it is already a scap event record) through
//! `scapfile::file::CaptureWriter` (zstd by default). Capture runs until CMD exits, the
//! duration elapses, or both when both are given (whichever comes first). At the end
//! capture is stopped (the module waits for in-flight probes), the rings are drained,
//! and the per-CPU counters are printed with the balance check
//! `produced = consumed + dropped` (produced = events the probes attempted).

use std::path::PathBuf;
use std::process::Command;
use std::time::{Duration, Instant};

use anyhow::{bail, Context, Result};
use clap::{Parser, ValueEnum};

use scapfile::file::meta::MachineInfo;
use scapfile::file::{CaptureWriter, Compression, WriterOptions};
use scapfile::ring::{Device, DEVICE_PATH};
use scap_abi::ring::SYSCALL_MASK_BITS;

#[derive(Clone, Copy, Debug, ValueEnum)]
enum Driver {
    /// The Harrier kernel module (/dev/harrier).
    Kmod,
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
    about = "Capture system calls into a scap file",
    after_help = "Examples:\n  capture --driver kmod -w trace.scap -- make -j2\n  \
                  capture --driver kmod -w trace.scap --duration 10 --compress gzip"
)]
struct Cli {
    /// Event source.
    #[arg(long, value_enum, default_value = "kmod")]
    driver: Driver,
    /// Output capture file.
    #[arg(short = 'w', long = "write")]
    write: PathBuf,
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
        max_pid: read("/proc/sys/kernel/pid_max").trim().parse().unwrap_or(32768),
        hostname: read("/proc/sys/kernel/hostname").trim().to_string(),
        reserved: [0; 4],
    }
}

fn main() -> Result<()> {
    let cli = Cli::parse();
    let Driver::Kmod = cli.driver;
    if cli.cmd.is_empty() && cli.duration.is_none() {
        bail!("give --duration S or a command after `--` (capture stops when it exits)");
    }
    let mut dev = Device::open(&cli.dev)
        .with_context(|| format!("is the module loaded? (insmod harrier.ko); {}", cli.dev.display()))?;
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
    let n_cpus = dev.n_cpus() as u32;
    let compression = match cli.compress {
        Compress::None => Compression::None,
        Compress::Gzip => Compression::Gzip,
        Compress::Zstd => Compression::Zstd,
    };
    let mut w = CaptureWriter::create(&cli.write, WriterOptions { compression, ..Default::default() })
        .with_context(|| format!("creating {}", cli.write.display()))?;
    w.machine_info(&machine_info(n_cpus))?;

    dev.start()?;
    let t0 = Instant::now();
    let mut child = match cli.cmd.split_first() {
        Some((prog, args)) => Some(
            Command::new(prog).args(args).spawn().with_context(|| format!("starting {prog}"))?,
        ),
        None => None,
    };
    let deadline = cli.duration.map(|s| t0 + Duration::from_secs_f64(s.max(0.0)));
    let mut written = 0u64;
    let mut invalid = 0u64;
    let mut status = None;
    let delay = Duration::from_micros(cli.read_delay_us);
    loop {
        let mut n = 0u32;
        while let Some(rec) = dev.next_record() {
            match w.event(rec.bytes, rec.cpu, 0) {
                Ok(()) => written += 1,
                Err(scapfile::file::WriteError::BadEvent(_)) => invalid += 1,
                Err(e) => return Err(e).context("writing the capture"),
            }
            n += 1;
            if n % 64 == 0 && !delay.is_zero() {
                std::thread::sleep(delay);
            }
            if n >= 16384 {
                break;
            }
        }
        if let Some(c) = child.as_mut() {
            if let Some(s) = c.try_wait()? {
                status = Some(s);
                break;
            }
        }
        if deadline.is_some_and(|d| Instant::now() >= d) {
            break;
        }
        if n == 0 {
            std::thread::sleep(Duration::from_millis(2));
        }
    }
    // STOP waits for in-flight probes: after it, the rings hold everything produced.
    dev.stop()?;
    while let Some(rec) = dev.next_record() {
        match w.event(rec.bytes, rec.cpu, 0) {
            Ok(()) => written += 1,
            Err(scapfile::file::WriteError::BadEvent(_)) => invalid += 1,
            Err(e) => return Err(e).context("writing the capture"),
        }
    }
    let elapsed = t0.elapsed().as_secs_f64();
    w.finish().context("closing the capture")?;
    if let Some(mut c) = child {
        if status.is_none() {
            status = Some(c.wait()?);
        }
    }

    let (mut seen, mut evts, mut buf, mut big, mut pf, mut consumed, mut corrupt) =
        (0u64, 0u64, 0u64, 0u64, 0u64, 0u64, 0u64);
    eprintln!("capture: cpu  produced  written  consumed  drop_full  drop_big  pf_truncated");
    for cpu in 0..n_cpus {
        let s = dev.stats(cpu)?;
        let c = dev.consumer_stats(cpu as usize);
        eprintln!(
            "capture: {cpu:>3} {:>9} {:>8} {:>9} {:>10} {:>9} {:>13}",
            s.n_seen, s.n_evts, c.consumed, s.n_drops_buffer, s.n_drops_too_big, s.n_drops_pf
        );
        seen += s.n_seen;
        evts += s.n_evts;
        buf += s.n_drops_buffer;
        big += s.n_drops_too_big;
        pf += s.n_drops_pf;
        consumed += c.consumed;
        corrupt += c.corrupt;
    }
    let dropped = buf + big;
    let balanced = seen == consumed + dropped && evts == consumed;
    eprintln!(
        "capture: stats produced={seen} consumed={consumed} dropped={dropped} (ring_full={buf} \
         too_big={big}) pf_truncated={pf} written={written} invalid={invalid} corrupt={corrupt} \
         seconds={elapsed:.3} events_per_s={:.0} balance={}",
        consumed as f64 / elapsed.max(1e-9),
        if balanced { "ok" } else { "MISMATCH" }
    );
    if let Some(s) = status {
        eprintln!("capture: command exited with {s}");
    }
    if !balanced || corrupt > 0 || invalid > 0 {
        bail!("ring counters do not balance or records were malformed");
    }
    Ok(())
}
