//! `capture --driver ebpf`: the eBPF driver's capture loop (owned by the eBPF driver; kept
//! apart from capture.rs, which only branches here).
//!
//! Data flow: `harrier_ebpf::Probe` loads the checked-in probe, which writes scap event
//! records into one BPF ring buffer per CPU without waking us; this loop polls every
//! millisecond (`Probe::poll` drains the rings and merges the CPUs by timestamp), writes
//! each record as-is through `scapfile::file::CaptureWriter`, and at the end detaches the
//! probe, drains what is left and prints the counters with the balance check
//! `produced = consumed + dropped`.

use std::process::Command;
use std::time::{Duration, Instant};

use anyhow::{anyhow, bail, Context, Result};
use harrier_ebpf::{Config, Probe, Stats};
use scapfile::file::{CaptureWriter, Compression, WriteError, WriterOptions};

use super::{machine_info, write_proc_list, Cli, Compress};

/// Writes records into the capture, remembering the first write error.
struct Sink {
    w: CaptureWriter,
    written: u64,
    invalid: u64,
    err: Option<WriteError>,
    delay: Duration,
    n: u64,
}

impl Sink {
    fn put(&mut self, rec: &[u8], cpu: u16) {
        if self.err.is_some() {
            return;
        }
        match self.w.event(rec, cpu, 0) {
            Ok(()) => self.written += 1,
            Err(WriteError::BadEvent(_)) => self.invalid += 1,
            Err(e) => self.err = Some(e),
        }
        self.n += 1;
        if self.n % 64 == 0 && !self.delay.is_zero() {
            std::thread::sleep(self.delay);
        }
    }
    fn check(&mut self) -> Result<()> {
        match self.err.take() {
            Some(e) => Err(e).context("writing the capture"),
            None => Ok(()),
        }
    }
}

pub(super) fn run(cli: &Cli) -> Result<()> {
    if cli.cmd.is_empty() && cli.duration.is_none() {
        bail!("give --duration S or a command after `--` (capture stops when it exits)");
    }
    harrier_ebpf::availability().map_err(|e| anyhow!("the eBPF driver cannot run here: {e}"))?;
    let mut cfg = Config {
        snaplen: cli.snaplen,
        ..Default::default()
    };
    if !cli.syscalls.is_empty() {
        cfg.interest(cli.syscalls.iter().map(String::as_str))
            .context("--syscalls")?;
    }
    let compression = match cli.compress {
        Compress::None => Compression::None,
        Compress::Gzip => Compression::Gzip,
        Compress::Zstd => Compression::Zstd,
    };
    // Load the probe first: a bad setting or a verifier refusal leaves no file behind.
    let mut probe = Probe::open(&cfg).context("loading the eBPF probe")?;
    let w = CaptureWriter::create(
        &cli.write,
        WriterOptions {
            compression,
            // live capture: zstd level 3 keeps up with the rings where the file default (9,
            // for archives) halves the consumer's rate (scripts/bench-ebpf.sh)
            level: matches!(compression, Compression::Zstd).then_some(3),
            ..Default::default()
        },
    )
    .with_context(|| format!("creating {}", cli.write.display()))?;
    let n_cpus = probe.n_cpus() as u32;
    let mut sink = Sink {
        w,
        written: 0,
        invalid: 0,
        err: None,
        delay: Duration::from_micros(cli.read_delay_us),
        n: 0,
    };
    sink.w.machine_info(&machine_info(n_cpus))?;
    write_proc_list(&mut sink.w)?;

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
        let n = probe.poll(&mut |rec, cpu| sink.put(rec, cpu))?;
        sink.check()?;
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
            std::thread::sleep(Duration::from_millis(1));
        }
    }
    // Detach, let in-flight programs finish, then take everything that is left.
    probe.detach();
    std::thread::sleep(Duration::from_millis(20));
    probe.stop(&mut |rec, cpu| sink.put(rec, cpu))?;
    sink.check()?;
    let elapsed = t0.elapsed().as_secs_f64();
    let (written, invalid) = (sink.written, sink.invalid);
    sink.w.finish().context("closing the capture")?;
    if let Some(mut c) = child {
        if status.is_none() {
            status = Some(c.wait()?);
        }
    }

    let stats = probe.stats()?;
    let consumed = probe.consumed();
    let mut total = Stats::default();
    eprintln!("capture: cpu  produced  written  consumed  drop_full  drop_big  pf_truncated");
    for (cpu, s) in stats.iter().enumerate() {
        let c = consumed.get(cpu).copied().unwrap_or(0);
        eprintln!(
            "capture: {cpu:>3} {:>9} {:>8} {:>9} {:>10} {:>9} {:>13}",
            s.seen, s.evts, c, s.drops_buffer, s.drops_too_big, s.drops_pf
        );
        total.add(s);
    }
    let consumed: u64 = consumed.iter().sum();
    let dropped = total.dropped();
    let malformed = probe.malformed();
    let balanced = total.seen == consumed + dropped && total.evts == consumed;
    eprintln!(
        "capture: stats driver=ebpf produced={} consumed={consumed} dropped={dropped} \
         (ring_full={} too_big={}) pf_truncated={} written={written} invalid={invalid} \
         corrupt={malformed} seconds={elapsed:.3} events_per_s={:.0} balance={}",
        total.seen,
        total.drops_buffer,
        total.drops_too_big,
        total.drops_pf,
        consumed as f64 / elapsed.max(1e-9),
        if balanced { "ok" } else { "MISMATCH" }
    );
    if let Some(s) = status {
        eprintln!("capture: command exited with {s}");
    }
    if !balanced || malformed > 0 || invalid > 0 {
        bail!("ring counters do not balance or records were malformed");
    }
    Ok(())
}
