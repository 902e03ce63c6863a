//! State-tracking benchmark (rerunnable): `cargo bench -p engine --bench state`.
//!
//! Generates (once, cached under `target/bench-data/`) a realistic 1 M-event capture with
//! the scap writer, then in the same run:
//! * harrier: state tracking + one simple filter over every event (the dump engine's
//!   evaluation path, output discarded), events/s and peak RSS of a child process;
//! * sysdig 0.29.3: `sysdig -r FILE FILTER` with output to /dev/null, same file, same
//!   filter, events/s and peak RSS (`/usr/bin/time -f %M` when present, else ru_maxrss of
//!   the children via `/proc/self/status` of a wrapper is not available: shown as `?`).
//!
//! Environment: `STATE_BENCH_EVENTS` (default 1000000), `STATE_BENCH_FILTER` (default
//! `proc.name=worker3 and evt.type=openat and fd.name contains file-3`), `STATE_BENCH_RUNS`
//! (default 3, the median is reported), `STATE_BENCH_STREAM=1` (read through the scap
//! reader's streaming source instead of its memory map of the plain file).
//!
//! The harrier side reads with `scap::file::CaptureReader` (plain files are memory-mapped,
//! so its peak RSS includes the capture's mapped pages; the anonymous part is shown too).
//!
//! The harrier side runs in a child process of this binary (`--child FILE FILTER`) so its
//! peak RSS is measured exactly like sysdig's.

use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::Instant;

use engine::fields::dump::{EventFilter, SimpleFilter};
use engine::fields::Ctx;
use engine::state::feed::Feeder;
use engine::state::{Evt, State};

fn child(file: &str, filter: &str) {
    let mut st = State::new();
    let (mut r, mut feed) = Feeder::open(file).expect("open");
    if std::env::var_os("STATE_BENCH_STREAM").is_some() {
        // The reader's streaming source instead of the memory map of a plain file.
        r = scap::file::CaptureReader::from_reader(std::fs::File::open(file).expect("open"))
            .expect("open");
    }
    let mut flt = SimpleFilter::compile(filter).expect("filter");
    let (mut n, mut hits) = (0u64, 0u64);
    // State tracking + the filter, in sysdig's order (events that do not modify state are
    // filtered before their parser runs).
    let mut step = |st: &mut State, e: &Evt<'_>| {
        n += 1;
        st.begin(e);
        if !st.modifies_state(e) {
            let mut c = Ctx::new(st, e);
            if !flt.matches(&mut c) {
                st.reject_unparsed(e);
                return;
            }
            hits += 1;
            st.parse(e);
        } else {
            st.parse(e);
            let mut c = Ctx::new(st, e);
            if flt.matches(&mut c) {
                hits += 1;
            }
        }
        st.end_event(e);
    };
    feed.run(&mut r, &mut st, |st, e, _| {
        step(st, e);
        std::ops::ControlFlow::Continue(())
    })
    .expect("event");
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let field = |k: &str| {
        status
            .lines()
            .find(|l| l.starts_with(k))
            .and_then(|l| l.split_whitespace().nth(1).map(str::to_owned))
            .unwrap_or_else(|| "?".into())
    };
    // CPU time on the scheduler's nanosecond clock (first field of schedstat): /usr/bin/time
    // prints centiseconds, 5% of a 0.2 s run.
    let cpu_ns = std::fs::read_to_string("/proc/self/schedstat")
        .ok()
        .and_then(|s| s.split_whitespace().next().map(str::to_owned))
        .unwrap_or_else(|| "?".into());
    // Peak RSS (what is compared with sysdig) and the anonymous part at the end.
    println!(
        "{n} {hits} {} {} {cpu_ns}",
        field("VmHWM:"),
        field("RssAnon:")
    );
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(|a, b| a.partial_cmp(b).unwrap_or(std::cmp::Ordering::Equal));
    v[v.len() / 2]
}

/// User + system seconds from the last line of `/usr/bin/time -f "%U %S ..."`.
fn cpu_of(stderr: &[u8]) -> Option<f64> {
    let s = String::from_utf8_lossy(stderr);
    let mut f = s.lines().last()?.split_whitespace();
    Some(f.next()?.parse::<f64>().ok()? + f.next()?.parse::<f64>().ok()?)
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if args.get(1).map(String::as_str) == Some("--child") {
        child(&args[2], &args[3]);
        return;
    }
    let n: u64 = std::env::var("STATE_BENCH_EVENTS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(1_000_000);
    let filter = std::env::var("STATE_BENCH_FILTER").unwrap_or_else(|_| {
        "proc.name=worker3 and evt.type=openat and fd.name contains file-3".into()
    });
    let runs: usize = std::env::var("STATE_BENCH_RUNS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(3)
        .max(1);
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../target/bench-data");
    std::fs::create_dir_all(&dir).expect("bench dir");
    let file = dir.join(format!("state-realistic-{n}.scap"));
    let file_s = file.to_string_lossy().into_owned();
    if !file.exists() {
        let t = Instant::now();
        let tmp = dir.join(format!("state-realistic-{n}.scap.tmp"));
        engine::state::synth::realistic(&tmp.to_string_lossy(), n).expect("generate");
        std::fs::rename(&tmp, &file).expect("rename");
        eprintln!(
            "generated {} in {:.1} s",
            file.display(),
            t.elapsed().as_secs_f64()
        );
    }
    let size = std::fs::metadata(&file).map(|m| m.len()).unwrap_or(0);
    let exe = std::env::current_exe().expect("exe");
    let time = std::path::Path::new("/usr/bin/time").exists();

    // Interleaved runs (ours, sysdig, ours, ...) so machine load hits both alike.
    let mut ours = Vec::new();
    let mut ours_rss = String::new();
    let mut ours_anon = String::new();
    let mut events = 0u64;
    let mut hits = 0u64;
    let mut theirs = Vec::new();
    // CPU seconds (user + system) per run, from /usr/bin/time: the fair figure on a
    // shared machine, where wall time also counts waiting for a core.
    let mut ours_cpu = Vec::new();
    let mut theirs_cpu = Vec::new();
    let mut their_rss = String::from("?");
    let mut sysdig_lines = 0usize;
    let mut sysdig_ok = true;
    for _ in 0..runs {
        let t = Instant::now();
        let out = if time {
            Command::new("/usr/bin/time")
                .args(["-f", "%U %S"])
                .arg(&exe)
                .args(["--child", &file_s, &filter])
                .output()
        } else {
            Command::new(&exe)
                .args(["--child", &file_s, &filter])
                .output()
        }
        .expect("run child");
        ours.push(t.elapsed().as_secs_f64());
        let s = String::from_utf8_lossy(&out.stdout);
        match s
            .split_whitespace()
            .nth(4)
            .and_then(|x| x.parse::<f64>().ok())
        {
            Some(ns) => ours_cpu.push(ns / 1e9),
            None => {
                if let Some(c) = cpu_of(&out.stderr) {
                    ours_cpu.push(c);
                }
            }
        }
        let s = String::from_utf8_lossy(&out.stdout);
        let f: Vec<&str> = s.split_whitespace().collect();
        events = f.first().and_then(|x| x.parse().ok()).unwrap_or(0);
        hits = f.get(1).and_then(|x| x.parse().ok()).unwrap_or(0);
        ours_rss = f.get(2).unwrap_or(&"?").to_string();
        ours_anon = f.get(3).unwrap_or(&"?").to_string();
        if !sysdig_ok {
            continue;
        }
        let t = Instant::now();
        let out = if time {
            Command::new("/usr/bin/time")
                .args(["-f", "%U %S %M", "sysdig", "-r", &file_s, &filter])
                .stdout(Stdio::piped())
                .output()
        } else {
            Command::new("sysdig")
                .args(["-r", &file_s, &filter])
                .stdout(Stdio::piped())
                .output()
        };
        theirs.push(t.elapsed().as_secs_f64());
        match out {
            Ok(o) => {
                sysdig_lines = String::from_utf8_lossy(&o.stdout).lines().count();
                if time {
                    let err = String::from_utf8_lossy(&o.stderr);
                    let last = err.lines().last().unwrap_or("?");
                    their_rss = last.split_whitespace().nth(2).unwrap_or("?").to_string();
                    if let Some(c) = cpu_of(&o.stderr) {
                        theirs_cpu.push(c);
                    }
                }
            }
            Err(e) => {
                println!("sysdig not runnable: {e}");
                sysdig_ok = false;
                theirs.clear();
            }
        }
    }
    let (a, b) = (
        median(ours),
        if theirs.is_empty() {
            f64::NAN
        } else {
            median(theirs)
        },
    );
    println!(
        "state bench: {} ({} bytes, {events} events), filter: {filter}",
        file.display(),
        size
    );
    println!(
        "  harrier  : {a:.3} s  {:>12.0} events/s  peak RSS {ours_rss} kB (anon {ours_anon} kB)  ({hits} matches)",
        events as f64 / a
    );
    println!(
        "  sysdig   : {b:.3} s  {:>12.0} events/s  peak RSS {their_rss} kB  ({sysdig_lines} lines)",
        events as f64 / b
    );
    if !ours_cpu.is_empty() && !theirs_cpu.is_empty() {
        let (c, d) = (median(ours_cpu), median(theirs_cpu));
        println!(
            "  CPU      : harrier {c:.3} s ({:.0} events/s), sysdig {d:.3} s ({:.0} events/s): {:.2}x",
            events as f64 / c,
            events as f64 / d,
            d / c
        );
    }
    println!(
        "  speedup  : {:.2}x wall (target >= 4x); RSS ratio {}",
        b / a,
        match (ours_rss.parse::<f64>(), their_rss.parse::<f64>()) {
            (Ok(x), Ok(y)) => format!("{:.2} (target <= 1)", x / y),
            _ => "?".into(),
        }
    );
}
