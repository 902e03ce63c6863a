//! `capture --driver ebpf`: the eBPF probe as an [`EventSource`] (the loop itself is
//! `capture_loop::run`, shared with the kernel module).
//!
//! `harrier_ebpf::Probe` loads the checked-in probe, which writes scap event records into
//! one BPF ring buffer per CPU without waking us; `poll` drains the rings and merges the
//! CPUs by timestamp. Stopping detaches the programs, lets in-flight ones finish and
//! drains what is left.

use std::time::Duration;

use anyhow::{anyhow, Context, Result};
use harrier_ebpf::{Config, Probe};

use super::capture_loop::{CpuCounters, EventSource};
use super::Cli;

/// The loaded, attached probe.
pub(crate) struct Ebpf {
    probe: Probe,
}

/// Checks that eBPF can run here and loads the probe with `cli`'s settings.
pub(crate) fn open(cli: &Cli) -> Result<Ebpf> {
    harrier_ebpf::availability().map_err(|e| anyhow!("the eBPF driver cannot run here: {e}"))?;
    let mut cfg = Config {
        snaplen: cli.snaplen,
        ..Default::default()
    };
    if !cli.syscalls.is_empty() {
        cfg.interest(cli.syscalls.iter().map(String::as_str))
            .context("--syscalls")?;
    }
    let probe = Probe::open(&cfg).context("loading the eBPF probe")?;
    Ok(Ebpf { probe })
}

impl EventSource for Ebpf {
    fn driver(&self) -> &'static str {
        "ebpf"
    }
    fn n_cpus(&self) -> usize {
        self.probe.n_cpus()
    }
    fn start(&mut self) -> Result<()> {
        // The programs produce from the moment they are attached (in `open`).
        Ok(())
    }
    fn poll(&mut self, f: &mut dyn FnMut(&[u8], u16)) -> Result<usize> {
        Ok(self.probe.poll(f)?)
    }
    fn stop(&mut self, f: &mut dyn FnMut(&[u8], u16)) -> Result<usize> {
        // Detach, let in-flight programs finish, then take everything that is left.
        self.probe.detach();
        std::thread::sleep(Duration::from_millis(20));
        Ok(self.probe.stop(f)?)
    }
    fn counters(&self) -> Result<Vec<CpuCounters>> {
        let consumed = self.probe.consumed();
        Ok(self
            .probe
            .stats()?
            .iter()
            .enumerate()
            .map(|(cpu, s)| CpuCounters {
                produced: s.seen,
                in_ring: s.evts,
                consumed: consumed.get(cpu).copied().unwrap_or(0),
                drop_full: s.drops_buffer,
                drop_big: s.drops_too_big,
                pf_truncated: s.drops_pf,
            })
            .collect())
    }
    fn corrupt(&self) -> u64 {
        self.probe.malformed()
    }
    fn idle(&self) -> Duration {
        Duration::from_millis(1)
    }
}
