//! `scap`: capture-file inspector.
//!
//! * `scap info FILE`: sections, machine info, block and event-type counts, time span,
//!   thread count, as tables.
//! * `scap cat FILE`: one line per event with decoded parameters.
//! * `scap convert IN OUT --compress none|gzip|zstd`: rewrite a capture (e.g. so a zstd
//!   capture can be handed to sysdig 0.29.3, which reads plain and gzip only).
//!
//! Errors name the file, the byte offset, the block and the event number, and exit 1.

use std::collections::{BTreeMap, HashSet};
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use clap::{Parser, Subcommand, ValueEnum};
use comfy_table::{presets::UTF8_FULL_CONDENSED, Table};

use scapfile::file::{block, CaptureReader, Record};
use scapfile::file::{writer::WriterOptions, CaptureWriter};

#[derive(Parser, Debug)]
#[command(
    name = "scap",
    version,
    about = "Inspect, print and convert scap capture files"
)]
struct Cli {
    #[command(subcommand)]
    cmd: Cmd,
}

#[derive(Subcommand, Debug)]
enum Cmd {
    /// Summarise a capture: sections, machine info, block and event-type counts, time span.
    Info {
        /// Capture file (plain, gzip or zstd).
        file: PathBuf,
    },
    /// Print one line per event with its decoded parameters.
    Cat {
        /// Capture file (plain, gzip or zstd).
        file: PathBuf,
        /// Stop after this many events.
        #[arg(short = 'n', long)]
        count: Option<u64>,
    },
    /// Rewrite a capture with another compression.
    Convert {
        /// Input capture.
        input: PathBuf,
        /// Output capture.
        output: PathBuf,
        /// Output compression.
        #[arg(long, value_enum, default_value_t = Compress::Zstd)]
        compress: Compress,
        /// Compression level: zstd 1-22 (default 9; 19 for the smallest archive at about
        /// 1 MB/s), gzip 0-9 (default 6).
        #[arg(long, value_parser = clap::value_parser!(i32).range(0..=22))]
        level: Option<i32>,
    },
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
enum Compress {
    None,
    Gzip,
    Zstd,
}

fn main() {
    let cli = Cli::parse();
    let res = match &cli.cmd {
        Cmd::Info { file } => info(file),
        Cmd::Cat { file, count } => cat(file, *count),
        Cmd::Convert {
            input,
            output,
            compress,
            level,
        } => convert(input, output, *compress, *level),
    };
    if let Err(e) = res {
        // A closed stdout (e.g. `scap cat f | head`) is not an error worth reporting.
        if let Some(ioe) = e.downcast_ref::<io::Error>() {
            if ioe.kind() == io::ErrorKind::BrokenPipe {
                std::process::exit(0);
            }
        }
        eprintln!("scap: {e:#}");
        std::process::exit(1);
    }
}

fn open(path: &Path) -> Result<CaptureReader> {
    CaptureReader::open(path).map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))
}

fn fmt_ts(ns: u64) -> String {
    let secs = (ns / 1_000_000_000) as i64;
    let nanos = ns % 1_000_000_000;
    let days = secs.div_euclid(86_400);
    let sod = secs.rem_euclid(86_400);
    // Civil date from days since the epoch (Howard Hinnant's algorithm).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!(
        "{y:04}-{m:02}-{d:02} {:02}:{:02}:{:02}.{nanos:09}",
        sod / 3600,
        (sod / 60) % 60,
        sod % 60
    )
}

fn info(path: &Path) -> Result<()> {
    let mut r = open(path)?;
    let compression = r.compression();
    let mut sections = Vec::new();
    let mut machines = Vec::new();
    let mut procs = 0u64;
    let mut fds = 0u64;
    let mut ifaces = 0u64;
    let mut users = 0u64;
    let mut tids = HashSet::new();
    let mut ev_types: BTreeMap<u16, u64> = BTreeMap::new();
    let mut first_ts = None;
    let mut last_ts = 0u64;
    let mut state_only = 0u64;
    let mut failure = None;
    loop {
        match r.next_record() {
            Ok(None) => break,
            Ok(Some(rec)) => match rec {
                Record::Section(h) => sections.push(h),
                Record::MachineInfo(m) => machines.push(m),
                Record::Proc(p) => {
                    procs += 1;
                    tids.insert(p.tid as u64);
                }
                Record::Fd(_) => fds += 1,
                Record::Interface(_) => ifaces += 1,
                Record::User(_) => users += 1,
                Record::Event(e) => {
                    *ev_types.entry(e.ty()).or_insert(0) += 1;
                    if e.tid() != u64::MAX {
                        tids.insert(e.tid());
                    }
                    first_ts.get_or_insert(e.ts());
                    last_ts = last_ts.max(e.ts());
                    if e.flags & 1 != 0 {
                        state_only += 1;
                    }
                }
            },
            Err(e) => {
                failure = Some(e);
                break;
            }
        }
    }
    let stats = r.stats().clone();
    let mut t = Table::new();
    t.load_preset(UTF8_FULL_CONDENSED)
        .set_header(vec!["capture", ""]);
    t.add_row(vec!["file".to_string(), path.display().to_string()]);
    t.add_row(vec!["compression".to_string(), compression.to_string()]);
    t.add_row(vec![
        "bytes (decompressed)".to_string(),
        r.position().to_string(),
    ]);
    for s in &sections {
        t.add_row(vec![
            format!("section {}", s.index),
            format!(
                "version {}.{}, {} option bytes",
                s.major, s.minor, s.options_len
            ),
        ]);
    }
    for m in &machines {
        t.add_row(vec![
            "machine".to_string(),
            format!(
                "host {:?}, {} CPUs, {} MiB memory",
                m.hostname,
                m.num_cpus,
                m.memory_size_bytes >> 20
            ),
        ]);
    }
    t.add_row(vec!["events".to_string(), stats.events.to_string()]);
    t.add_row(vec![
        "state-only events".to_string(),
        state_only.to_string(),
    ]);
    t.add_row(vec![
        "unknown events skipped".to_string(),
        stats.unknown_events.to_string(),
    ]);
    t.add_row(vec![
        "unknown blocks skipped".to_string(),
        stats.unknown_blocks.to_string(),
    ]);
    if let Some(f) = first_ts {
        t.add_row(vec!["first event".to_string(), fmt_ts(f)]);
        t.add_row(vec!["last event".to_string(), fmt_ts(last_ts)]);
        t.add_row(vec![
            "time span".to_string(),
            format!("{:.6} s", (last_ts.saturating_sub(f)) as f64 / 1e9),
        ]);
    }
    t.add_row(vec!["threads".to_string(), tids.len().to_string()]);
    t.add_row(vec!["process-list entries".to_string(), procs.to_string()]);
    t.add_row(vec!["fd-list entries".to_string(), fds.to_string()]);
    t.add_row(vec!["interfaces".to_string(), ifaces.to_string()]);
    t.add_row(vec!["users and groups".to_string(), users.to_string()]);
    println!("{t}");

    let mut bt = Table::new();
    bt.load_preset(UTF8_FULL_CONDENSED)
        .set_header(vec!["block type", "id", "count"]);
    for (ty, n) in &stats.blocks {
        bt.add_row(vec![
            block::name(*ty).to_string(),
            format!("{ty:#x}"),
            n.to_string(),
        ]);
    }
    println!("{bt}");

    let mut et = Table::new();
    et.load_preset(UTF8_FULL_CONDENSED)
        .set_header(vec!["event type", "id", "dir", "count"]);
    for (ty, n) in &ev_types {
        let (name, dir) = match scap_abi::event::info(*ty) {
            Some(i) => (i.name, i.dir.symbol()),
            None => ("unknown", "?"),
        };
        et.add_row(vec![
            name.to_string(),
            ty.to_string(),
            dir.to_string(),
            n.to_string(),
        ]);
    }
    println!("{et}");
    if let Some(e) = failure {
        anyhow::bail!("{}: {e}", path.display());
    }
    Ok(())
}

fn cat(path: &Path, count: Option<u64>) -> Result<()> {
    let mut r = open(path)?;
    let stdout = io::stdout();
    let mut out = BufWriter::with_capacity(1 << 16, stdout.lock());
    let mut line: Vec<u8> = Vec::with_capacity(512);
    let mut text = String::new();
    let mut renderer = scapfile::render::Renderer::new();
    loop {
        if count.is_some_and(|c| r.events_read() >= c) {
            break;
        }
        match r.next_event() {
            Ok(None) => break,
            Ok(Some(e)) => {
                // NUM TS CPU TID DIR TYPE ARGS: arguments rendered as sysdig renders
                // `%evt.args` (without thread state); generic events list ID/nativeID.
                line.clear();
                write!(
                    line,
                    "{} {}.{:09} {} {} {} {} ",
                    e.num,
                    e.ts() / 1_000_000_000,
                    e.ts() % 1_000_000_000,
                    e.cpuid,
                    e.tid() as i64,
                    e.dir().symbol(),
                    e.type_name()
                )?;
                if e.ty() < 2 {
                    text.clear();
                    e.for_each_param(|pi, p| {
                        text.push_str(pi.map_or("?", |p| p.name));
                        text.push('=');
                        scapfile::text::push_param(&mut text, &p);
                        text.push(' ');
                    });
                    line.extend_from_slice(text.as_bytes());
                } else {
                    renderer.args(&e.event, &scapfile::render::NoState, &mut line);
                }
                if line.last() == Some(&b' ') {
                    line.pop();
                }
                line.push(b'\n');
                out.write_all(&line)?;
            }
            Err(e) => {
                out.flush()?;
                anyhow::bail!("{}: {e}", path.display());
            }
        }
    }
    out.flush()?;
    Ok(())
}

fn convert(input: &Path, output: &Path, compress: Compress, level: Option<i32>) -> Result<()> {
    let mut r = open(input)?;
    let compression = match compress {
        Compress::None => scapfile::file::Compression::None,
        Compress::Gzip => scapfile::file::Compression::Gzip,
        Compress::Zstd => scapfile::file::Compression::Zstd,
    };
    if compress == Compress::Gzip && level.is_some_and(|l| l > 9) {
        anyhow::bail!("--level: gzip levels are 0-9");
    }
    let opts = WriterOptions {
        compression,
        level,
        ..WriterOptions::default()
    };
    let mut w = CaptureWriter::create(output, opts)
        .with_context(|| format!("{}: cannot create", output.display()))?;
    let res = w.copy_from(&mut r);
    let closed = w
        .finish()
        .with_context(|| format!("{}: write failed", output.display()));
    res.map_err(|e| anyhow::anyhow!("{}: {e}", input.display()))?;
    closed?;
    Ok(())
}
