//! The capture loop shared by both drivers: one [`EventSource`] trait over the kernel
//! module's rings (`scapfile::ring::Device`) and the eBPF probe (`harrier_ebpf::Probe`),
//! and one [`run`] that writes the file, runs the command, stops on the command's exit,
//! the duration, or SIGINT/SIGTERM (Ctrl-C finishes the file cleanly), drains what the
//! driver still holds and prints the per-CPU counters with the balance check
//! `produced = consumed + dropped`.

use std::process::Command;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{bail, Context, Result};
use scapfile::file::meta::{Group, User, UserListEntry};
use scapfile::file::{CaptureWriter, Compression, WriteError, WriterOptions};

use super::capture_live::Live;
use super::{machine_info, proc_entries, proc_snapshot, Cli, Compress};

/// Counters of one CPU, as both drivers report them.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct CpuCounters {
    /// Events the probes attempted (after self-exclusion and the interest mask).
    pub(crate) produced: u64,
    /// Events written into the ring.
    pub(crate) in_ring: u64,
    /// Records we took out of the ring.
    pub(crate) consumed: u64,
    /// Dropped: ring full.
    pub(crate) drop_full: u64,
    /// Dropped: record too big.
    pub(crate) drop_big: u64,
    /// Written with a user-memory parameter that could not be read.
    pub(crate) pf_truncated: u64,
}

/// A live event source: records arrive already encoded as scap event records.
pub(crate) trait EventSource {
    /// `kmod` or `ebpf`.
    fn driver(&self) -> &'static str;
    /// CPUs with a ring.
    fn n_cpus(&self) -> usize;
    /// Starts producing (no-op for sources that produce once opened).
    fn start(&mut self) -> Result<()>;
    /// Hands the records visible now to `f` in timestamp order; returns how many.
    fn poll(&mut self, f: &mut dyn FnMut(&[u8], u16)) -> Result<usize>;
    /// Stops producing, waits for in-flight probes and hands over everything left.
    fn stop(&mut self, f: &mut dyn FnMut(&[u8], u16)) -> Result<usize>;
    /// Per-CPU counters (after `stop`, they balance).
    fn counters(&self) -> Result<Vec<CpuCounters>>;
    /// Records found malformed in the rings and skipped.
    fn corrupt(&self) -> u64;
    /// How long to sleep when a poll found nothing.
    fn idle(&self) -> Duration;
}

/// Where records go: the capture file and/or the live rules; remembers the first error.
struct Sink<'l, 's> {
    w: Option<CaptureWriter>,
    live: Option<&'l mut Live<'s>>,
    written: u64,
    invalid: u64,
    err: Option<anyhow::Error>,
    delay: Duration,
    n: u64,
}

impl Sink<'_, '_> {
    fn put(&mut self, rec: &[u8], cpu: u16) {
        if self.err.is_some() {
            return;
        }
        if let Some(w) = self.w.as_mut() {
            match w.event(rec, cpu, 0) {
                Ok(()) => self.written += 1,
                Err(WriteError::BadEvent(_)) => self.invalid += 1,
                Err(e) => self.err = Some(anyhow::Error::new(e).context("writing the capture")),
            }
        }
        if let Some(l) = self.live.as_mut() {
            if let Err(e) = l.event(rec, cpu) {
                self.err.get_or_insert(e);
            }
        }
        self.n += 1;
        if self.n.is_multiple_of(64) && !self.delay.is_zero() {
            std::thread::sleep(self.delay);
        }
    }
    fn check(&mut self) -> Result<()> {
        match self.err.take() {
            Some(e) => Err(e),
            None => Ok(()),
        }
    }
}

/// The host's users and groups (`/etc/passwd`, `/etc/group`), for the UL block: readers
/// of the file name users from it, as sysdig's captures do.
struct HostUsers {
    passwd: String,
    group: String,
}

impl HostUsers {
    fn read() -> HostUsers {
        HostUsers {
            passwd: std::fs::read_to_string("/etc/passwd").unwrap_or_default(),
            group: std::fs::read_to_string("/etc/group").unwrap_or_default(),
        }
    }

    fn entries(&self) -> Vec<UserListEntry<'_>> {
        let users = self.passwd.lines().filter_map(|l| {
            let f: Vec<&str> = l.split(':').collect();
            Some(UserListEntry::User(User {
                uid: f.get(2)?.parse().ok()?,
                gid: f.get(3)?.parse().ok()?,
                name: f.first()?.as_bytes(),
                homedir: f.get(5)?.as_bytes(),
                shell: f.get(6)?.as_bytes(),
            }))
        });
        let groups = self.group.lines().filter_map(|l| {
            let f: Vec<&str> = l.split(':').collect();
            Some(UserListEntry::Group(Group {
                gid: f.get(2)?.parse().ok()?,
                name: f.first()?.as_bytes(),
            }))
        });
        users.chain(groups).collect()
    }
}

/// Runs a capture from `src` as `cli` asks, into the file of `-w` and/or the live rules;
/// see the module comment.
pub(crate) fn run(
    cli: &Cli,
    src: &mut dyn EventSource,
    mut live: Option<&mut Live<'_>>,
) -> Result<()> {
    let compression = match cli.compress {
        Compress::None => Compression::None,
        Compress::Gzip => Compression::Gzip,
        Compress::Zstd => Compression::Zstd,
    };
    // SIGINT/SIGTERM only raise a flag: the loop stops, drains and closes the file.
    let stop = Arc::new(AtomicBool::new(false));
    for sig in [signal_hook::consts::SIGINT, signal_hook::consts::SIGTERM] {
        signal_hook::flag::register(sig, Arc::clone(&stop))
            .context("installing signal handlers")?;
    }
    let mut w = match &cli.write {
        Some(path) => Some(
            CaptureWriter::create(
                path,
                WriterOptions {
                    compression,
                    // Live capture: zstd level 3 keeps up with the rings where the file
                    // default (9, for archives) halves the consumer's rate
                    // (scripts/bench-ebpf.sh).
                    level: matches!(compression, Compression::Zstd).then_some(3),
                    ..Default::default()
                },
            )
            .with_context(|| format!("creating {}", path.display()))?,
        ),
        None => None,
    };
    let n_cpus = src.n_cpus() as u32;
    let snap = proc_snapshot();
    let procs = proc_entries(&snap);
    if let Some(w) = w.as_mut() {
        w.machine_info(&machine_info(n_cpus))?;
        let users = HostUsers::read();
        w.users(&users.entries()).context("writing the user list")?;
        w.proc_list(&procs).context("writing the process list")?;
    }
    if let Some(l) = live.as_mut() {
        l.procs(&procs)?;
    }
    let mut sink = Sink {
        w,
        live,
        written: 0,
        invalid: 0,
        err: None,
        delay: Duration::from_micros(cli.read_delay_us),
        n: 0,
    };

    src.start()?;
    let t0 = Instant::now();
    let mut child = match cli.cmd.split_first() {
        Some((prog, args)) => Some(
            Command::new(prog)
                .args(args)
                .spawn()
                .with_context(|| format!("starting {prog}"))?,
        ),
        None => None,
    };
    let deadline = cli
        .duration
        .map(|s| t0 + Duration::from_secs_f64(s.max(0.0)));
    let mut status = None;
    loop {
        let n = src.poll(&mut |rec, cpu| sink.put(rec, cpu))?;
        sink.check()?;
        if let Some(w) = sink.w.as_mut() {
            // Quiet periods still reach the disk within the flush interval.
            w.flush_if_due().context("writing the capture")?;
        }
        if let Some(c) = child.as_mut() {
            if let Some(s) = c.try_wait()? {
                status = Some(s);
                break;
            }
        }
        if deadline.is_some_and(|d| Instant::now() >= d) || stop.load(Ordering::Relaxed) {
            break;
        }
        if n == 0 {
            std::thread::sleep(src.idle());
        }
    }
    let interrupted = stop.load(Ordering::Relaxed);
    src.stop(&mut |rec, cpu| sink.put(rec, cpu))?;
    sink.check()?;
    let elapsed = t0.elapsed().as_secs_f64();
    let (written, mut invalid) = (sink.written, sink.invalid);
    if let Some(w) = sink.w.take() {
        w.finish().context("closing the capture")?;
    }
    let alerts = sink.live.as_ref().map(|l| l.alerts);
    invalid += sink.live.as_ref().map_or(0, |l| l.invalid);
    if let Some(mut c) = child {
        if status.is_none() {
            if interrupted {
                // Interrupted before the command ended: end it rather than wait on it.
                let _ = c.kill();
            }
            status = Some(c.wait()?);
        }
    }

    let counters = src.counters()?;
    let mut t = CpuCounters::default();
    eprintln!("capture: cpu  produced  written  consumed  drop_full  drop_big  pf_truncated");
    for (cpu, c) in counters.iter().enumerate() {
        eprintln!(
            "capture: {cpu:>3} {:>9} {:>8} {:>9} {:>10} {:>9} {:>13}",
            c.produced, c.in_ring, c.consumed, c.drop_full, c.drop_big, c.pf_truncated
        );
        t.produced += c.produced;
        t.in_ring += c.in_ring;
        t.consumed += c.consumed;
        t.drop_full += c.drop_full;
        t.drop_big += c.drop_big;
        t.pf_truncated += c.pf_truncated;
    }
    let dropped = t.drop_full + t.drop_big;
    let corrupt = src.corrupt();
    let balanced = t.produced == t.consumed + dropped && t.in_ring == t.consumed;
    eprintln!(
        "capture: stats driver={} produced={} consumed={} dropped={dropped} (ring_full={} \
         too_big={}) pf_truncated={} written={written} invalid={invalid} corrupt={corrupt} \
         seconds={elapsed:.3} events_per_s={:.0} balance={}",
        src.driver(),
        t.produced,
        t.consumed,
        t.drop_full,
        t.drop_big,
        t.pf_truncated,
        t.consumed as f64 / elapsed.max(1e-9),
        if balanced { "ok" } else { "MISMATCH" }
    );
    if let Some(n) = alerts {
        eprintln!("capture: {n} alerts");
    }
    if interrupted {
        match &cli.write {
            Some(p) => eprintln!("capture: interrupted; {} is complete", p.display()),
            None => eprintln!("capture: interrupted"),
        }
    }
    if let Some(s) = status {
        eprintln!("capture: command exited with {s}");
    }
    if !balanced || corrupt > 0 || invalid > 0 {
        bail!("ring counters do not balance or records were malformed");
    }
    Ok(())
}
