//! `state-bench`: the state-tracking benchmark and a dump driver.
//!
//! * `state-bench dump FILE FORMAT [FILTER]` — prints what `replay FILE -p FORMAT [FILTER]`
//!   prints (the engine's dump mode), for differential runs against `sysdig -r`.
//! * `state-bench gen OUT [EVENTS]` — writes a realistic synthetic capture (default 1 M
//!   events): processes forking and exec'ing, opening/reading/writing/closing files,
//!   sockets connecting and sending, pipes, dups, setuid, chdir, exits.
//! * `state-bench run FILE [FILTER]` — state tracking + one filter over FILE, in this
//!   process; prints events/s and peak RSS, then runs `sysdig -r FILE FILTER` (output to
//!   /dev/null) on the same file and prints its figures beside ours.

use std::io::Write;
use std::time::Instant;

use anyhow::{bail, Context, Result};

fn main() -> Result<()> {
    let args: Vec<String> = std::env::args().collect();
    match args.get(1).map(String::as_str) {
        Some("dump") => {
            let file = args
                .get(2)
                .context("usage: state-bench dump FILE FORMAT [FILTER]")?;
            let fmt = args.get(3).context("missing FORMAT")?;
            let mut opts = engine::fields::dump::DumpOptions::new(fmt);
            opts.filter = args.get(4).cloned();
            let stdout = std::io::stdout();
            let mut lock = stdout.lock();
            engine::fields::dump::dump(&[file.as_str()], &opts, &mut lock)?;
            lock.flush()?;
        }
        Some("gen") => {
            let out = args.get(2).context("usage: state-bench gen OUT [EVENTS]")?;
            let n: u64 = args
                .get(3)
                .map(|s| s.parse())
                .transpose()?
                .unwrap_or(1_000_000);
            engine::state::synth::realistic(out, n)?;
        }
        Some("transitions") => {
            let out = args.get(2).context("usage: state-bench transitions OUT")?;
            engine::state::synth::transitions(out)?;
            if let Some(o2) = args.get(3) {
                engine::state::synth::execveat(o2)?;
            }
        }
        Some("run") => {
            let file = args
                .get(2)
                .context("usage: state-bench run FILE [FILTER]")?;
            let filter = args.get(3).cloned().unwrap_or_else(|| {
                "proc.name=worker3 and evt.type=openat and fd.name contains file-3".into()
            });
            run(file, &filter)?;
        }
        _ => bail!("usage: state-bench dump|gen|run ..."),
    }
    Ok(())
}

fn maxrss_kb() -> i64 {
    // ru_maxrss of this process, read from /proc (no unsafe needed).
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .map(|l| l.to_string())
        })
        .and_then(|l| l.split_whitespace().nth(1).and_then(|v| v.parse().ok()))
        .unwrap_or(-1)
}

fn run(file: &str, filter: &str) -> Result<()> {
    use engine::fields::dump::{EventFilter, SimpleFilter};
    use engine::state::feed::Feeder;
    use engine::state::State;
    let t0 = Instant::now();
    let mut st = State::new();
    let (mut r, mut feed) = Feeder::open(file)?;
    let mut flt = SimpleFilter::compile(filter).map_err(|e| anyhow::anyhow!(e))?;
    let (mut n, mut hits) = (0u64, 0u64);
    while let Some(rec) = feed.read(&mut r)? {
        let Some(e) = feed.feed(&mut st, rec)? else {
            continue;
        };
        n += 1;
        st.process(&e);
        let mut c = engine::fields::Ctx::new(&st, &e);
        if flt.matches(&mut c) {
            hits += 1;
        }
        st.end_event(&e);
    }
    let dt = t0.elapsed().as_secs_f64();
    let ours_rss = maxrss_kb();
    println!(
        "harrier: {n} events, {hits} matched, {dt:.3} s, {:.0} events/s, peak RSS {} kB",
        n as f64 / dt,
        ours_rss
    );
    // sysdig, same file, same filter, output discarded; peak RSS via /usr/bin/time when present.
    let t1 = Instant::now();
    let time = std::path::Path::new("/usr/bin/time").exists();
    let out = if time {
        std::process::Command::new("/usr/bin/time")
            .args(["-f", "%M", "sysdig", "-r", file, filter])
            .stdout(std::process::Stdio::null())
            .output()
    } else {
        std::process::Command::new("sysdig")
            .args(["-r", file, filter])
            .stdout(std::process::Stdio::null())
            .output()
    };
    let dt1 = t1.elapsed().as_secs_f64();
    match out {
        Ok(o) => {
            let rss = String::from_utf8_lossy(&o.stderr)
                .lines()
                .last()
                .unwrap_or("")
                .trim()
                .to_string();
            println!(
                "sysdig 0.29.3: {n} events, {dt1:.3} s, {:.0} events/s, peak RSS {} kB",
                n as f64 / dt1,
                if time { rss.as_str() } else { "?" }
            );
            println!("ratio: {:.2}x events/s", dt1 / dt);
        }
        Err(e) => println!("sysdig not run: {e}"),
    }
    Ok(())
}
