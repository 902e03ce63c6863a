//! The evaluation loop: capture files (merged in time order, each with its own state) →
//! state update → time window and `--filter` → rules indexed by event type → alerts to the
//! output channels; plus the counters behind `--summary`, `--process-tree`, the progress
//! bar and Falco's end-of-run lines.

use std::path::PathBuf;
use std::time::Instant;

use anyhow::{anyhow, Result};
use engine::config::Config;
use engine::fields::{Ctx, Format, StaticDns};
use engine::output::AlertOptions;
use engine::pipeline::RulePipeline;
use engine::rules::ruleset::RuleSet;
use engine::rules::Priority;
use engine::sinks::{Alert as SinkAlert, Sinks};
use engine::state::feed::Feeder;
use engine::state::{Evt, State};
use engine_filter::{Program, Values};

use crate::summary::Summary;
use crate::tree::ProcTree;
use crate::window::TimeSpec;

/// What the loop needs besides the rules.
pub(crate) struct EvalOptions {
    pub(crate) files: Vec<PathBuf>,
    pub(crate) from: Option<TimeSpec>,
    pub(crate) to: Option<TimeSpec>,
    pub(crate) filter: Option<Program>,
    pub(crate) summary: bool,
    pub(crate) tree: bool,
    pub(crate) progress: bool,
    pub(crate) dns: Option<StaticDns>,
}

/// What happened.
#[derive(Debug, Default)]
pub(crate) struct Outcome {
    /// Alerts per rule (index into `RuleSet::rules`).
    pub(crate) per_rule: Vec<u64>,
    /// Alerts per priority (index = Priority as usize).
    pub(crate) per_priority: [u64; 8],
    /// Most severe priority that fired.
    pub(crate) worst: Option<Priority>,
    /// Read error that stopped a capture (alerts before it were emitted).
    pub(crate) errors: Vec<String>,
    pub(crate) summary: Option<Summary>,
    pub(crate) tree: Option<ProcTree>,
}

impl Outcome {
    pub(crate) fn alerts(&self) -> u64 {
        self.per_priority.iter().sum()
    }
}

/// One capture file being read: its reader, its own state, and its next event (copied,
/// so several files can be merged by timestamp).
struct Source {
    path: String,
    reader: scap::file::CaptureReader,
    feed: Feeder,
    st: State,
    head: Vec<u8>,
    num: u64,
    cpu: u16,
    flags: u32,
    ts: u64,
    live: bool,
    last_good: u64,
}

impl Source {
    fn open(path: &PathBuf) -> Result<Source> {
        let p = path.display().to_string();
        if std::fs::metadata(path).map(|m| m.len()).unwrap_or(0) == 0 {
            return Err(anyhow!(
                "{p}: empty file, not a capture (no section header block)"
            ));
        }
        let (reader, feed) = Feeder::open(&p).map_err(|e| anyhow!("{e}"))?;
        let st = State::new();
        Ok(Source {
            path: p,
            reader,
            feed,
            st,
            head: Vec::with_capacity(4096),
            num: 0,
            cpu: 0,
            flags: 0,
            ts: 0,
            live: true,
            last_good: 0,
        })
    }

    /// Read the next event into `head`; on EOF or error the source stops.
    fn advance(&mut self) -> Result<(), String> {
        loop {
            let rec = match self.feed.read(&mut self.reader) {
                Ok(Some(rec)) => rec,
                Ok(None) => {
                    self.live = false;
                    return Ok(());
                }
                Err(e) => return Err(self.fail(e)),
            };
            match self.feed.feed(&mut self.st, rec) {
                Ok(Some(e)) => {
                    self.head.clear();
                    self.head.extend_from_slice(e.raw());
                    self.num = e.num;
                    self.cpu = e.cpu;
                    self.flags = e.dump_flags;
                    self.ts = e.ts;
                    self.last_good = e.num;
                    return Ok(());
                }
                Ok(None) => {}
                Err(e) => return Err(self.fail(e)),
            }
        }
    }

    fn fail(&mut self, e: engine::state::feed::FeedError) -> String {
        self.live = false;
        format!(
            "{e} (after event #{}; the events before it were evaluated)",
            self.last_good
        )
    }
}

fn is_proc_event(ty: u16) -> bool {
    matches!(
        scap_abi::event::info(ty).map(|i| i.name),
        Some("execve" | "execveat" | "clone" | "clone3" | "fork" | "vfork")
    )
}

#[derive(Clone, Copy)]
enum Which {
    Pid,
    Ppid,
    Name,
    Cmdline,
    Container,
    FdName,
    FdType,
}

/// Per-event text probes for the summary and the tree.
struct Probes {
    pid: Format,
    ppid: Format,
    name: Format,
    cmdline: Format,
    container: Format,
    fd_name: Format,
    fd_type: Format,
    out: Vec<u8>,
    vals: Values,
}

impl Probes {
    fn new() -> Result<Probes> {
        let f = |s: &str| Format::compile(s).map_err(|e| anyhow!("internal format {s}: {e}"));
        Ok(Probes {
            pid: f("%proc.pid")?,
            ppid: f("%proc.ppid")?,
            name: f("%proc.name")?,
            cmdline: f("%proc.cmdline")?,
            container: f("%container.id")?,
            fd_name: f("%fd.name")?,
            fd_type: f("%fd.typechar")?,
            out: Vec::with_capacity(256),
            vals: Values::new(),
        })
    }

    fn get(&mut self, which: Which, ctx: &mut Ctx<'_>) -> Option<String> {
        let f = match which {
            Which::Pid => &self.pid,
            Which::Ppid => &self.ppid,
            Which::Name => &self.name,
            Which::Cmdline => &self.cmdline,
            Which::Container => &self.container,
            Which::FdName => &self.fd_name,
            Which::FdType => &self.fd_type,
        };
        if f.render(ctx, &mut self.vals, &mut self.out) {
            Some(String::from_utf8_lossy(&self.out).into_owned())
        } else {
            None
        }
    }
}

/// The per-run evaluation context: everything the per-event step needs.
struct Run<'a> {
    /// The rules, indexed by event type, and the alert options.
    pipe: RulePipeline<'a>,
    cfg: &'a Config,
    from: Option<TimeSpec>,
    to: Option<TimeSpec>,
    /// Resolved window (ns), once the capture start is known.
    window: Option<(u64, u64)>,
    filter: Option<Program>,
    dns: Option<StaticDns>,
    line: String,
    summary: Option<Summary>,
    tree: Option<ProcTree>,
    probes: Option<Probes>,
    pb: Option<indicatif::ProgressBar>,
    out: Outcome,
    nread: u64,
    neval: u64,
    first_ts: Option<u64>,
    last_ts: u64,
}

/// What the reader should do after an event.
#[derive(PartialEq, Eq)]
enum Next {
    Go,
    /// Past `--to`: stop reading this file.
    Stop,
}

impl Run<'_> {
    fn resolve_window(&mut self, start: u64) -> (u64, u64) {
        *self.window.get_or_insert_with(|| {
            (
                self.from.map(|t| t.resolve(start)).unwrap_or(0),
                self.to.map(|t| t.resolve(start)).unwrap_or(u64::MAX),
            )
        })
    }

    /// One event: state update, window, filter, rules, alerts, forensics counters.
    fn event(&mut self, st: &mut State, evt: &Evt<'_>, sinks: &mut Sinks) -> Next {
        let (from, to) = self.resolve_window(evt.ts);
        if evt.ts >= to {
            return Next::Stop;
        }
        self.nread += 1;
        st.process(evt);
        let ty = evt.ty;
        if evt.ts >= from && self.pipe.wants(ty) && !st.cur.filtered_out {
            self.evaluate_one(st, evt, sinks);
        }
        st.end_event(evt);
        Next::Go
    }

    fn evaluate_one(&mut self, st: &State, evt: &Evt<'_>, sinks: &mut Sinks) {
        let ty = evt.ty;
        let mut ctx = Ctx::new(st, evt);
        ctx.dns = self
            .dns
            .as_ref()
            .map(|d| d as &dyn engine::fields::DnsOracle);
        if let Some(f) = &self.filter {
            if !f.eval_with(&mut ctx, self.pipe.scratch()) {
                return;
            }
        }
        self.neval += 1;
        self.first_ts.get_or_insert(evt.ts);
        self.last_ts = evt.ts;
        if let (Some(p), Some(sm)) = (self.probes.as_mut(), self.summary.as_mut()) {
            collect_summary(sm, p, &mut ctx, ty);
        }
        let pid = match (self.probes.as_mut(), self.tree.as_mut()) {
            (Some(p), Some(tr)) => see_process(tr, p, &mut ctx, ty),
            _ => None,
        };
        let (json, line, pb, out, tree) = (
            self.cfg.json_output,
            &mut self.line,
            &self.pb,
            &mut self.out,
            &mut self.tree,
        );
        self.pipe.evaluate(ty, evt.ts, &mut ctx, |idx, a, opts| {
            line.clear();
            if json {
                line.push_str(&a.json(opts).to_string());
            } else {
                line.push_str(&a.text(opts));
            }
            let sa = SinkAlert {
                level: a.priority.syslog_level(),
                rule: &a.rule,
                line,
                json,
            };
            match pb {
                Some(pb) => pb.suspend(|| sinks.emit(&sa)),
                None => sinks.emit(&sa),
            }
            if let Some(c) = out.per_rule.get_mut(idx) {
                *c += 1;
            }
            out.per_priority[a.priority as usize] += 1;
            out.worst = Some(out.worst.map_or(a.priority, |w| w.min(a.priority)));
            if let (Some(tr), Some(pid)) = (tree.as_mut(), pid) {
                tr.alert(pid, &a.rule);
            }
        });
    }

    fn tick(&self, bytes: u64) {
        if let Some(pb) = &self.pb {
            pb.set_position(self.nread);
            let secs = pb.elapsed().as_secs_f64().max(1e-3);
            pb.set_message(format!(
                "({}/s), {} read, {} alerts",
                indicatif::HumanCount((self.nread as f64 / secs) as u64),
                indicatif::HumanBytes(bytes),
                self.out.alerts()
            ));
        }
    }
}

/// Run the rules over the capture files. Alerts go to `sinks` as they fire.
pub(crate) fn evaluate(
    set: &RuleSet,
    cfg: &Config,
    opts: EvalOptions,
    sinks: &mut Sinks,
) -> Result<Outcome> {
    let mut sources = Vec::new();
    for f in &opts.files {
        sources.push(Source::open(f)?);
    }
    let pb = opts.progress.then(|| {
        let pb = indicatif::ProgressBar::new_spinner();
        pb.set_style(
            indicatif::ProgressStyle::with_template(
                "{spinner} {elapsed_precise} {human_pos} events {msg}",
            )
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_spinner()),
        );
        pb
    });
    let mut run = Run {
        pipe: RulePipeline::new(
            set,
            AlertOptions {
                time_format_iso_8601: cfg.time_format_iso_8601,
                json_include_output_property: cfg.json_include_output_property,
                json_include_message_property: cfg.json_include_message_property,
                json_include_output_fields_property: cfg.json_include_output_fields_property,
                json_include_tags_property: cfg.json_include_tags_property,
                ..AlertOptions::default()
            },
        ),
        cfg,
        from: opts.from,
        to: opts.to,
        window: None,
        filter: opts.filter,
        dns: opts.dns,
        line: String::with_capacity(1024),
        summary: opts.summary.then(Summary::default),
        tree: opts.tree.then(ProcTree::default),
        probes: if opts.summary || opts.tree {
            Some(Probes::new()?)
        } else {
            None
        },
        pb,
        out: Outcome {
            per_rule: vec![0; set.rules.len()],
            ..Outcome::default()
        },
        nread: 0,
        neval: 0,
        first_ts: None,
        last_ts: 0,
    };
    let t0 = Instant::now();

    if let [src] = sources.as_mut_slice() {
        // One file: events straight from the reader, no copy.
        let Source {
            reader, feed, st, ..
        } = src;
        let mut last_good = 0;
        let res = feed.run(reader, st, |st, e, offset| {
            last_good = e.num;
            if run.event(st, e, sinks) == Next::Stop {
                return std::ops::ControlFlow::Break(());
            }
            if run.nread.is_multiple_of(4096) {
                run.tick(offset);
            }
            std::ops::ControlFlow::Continue(())
        });
        if let Err(e) = res {
            run.out.errors.push(format!(
                "{e} (after event #{last_good}; the events before it were evaluated)"
            ));
        }
    } else {
        // Several files: each keeps its next event; the oldest goes first.
        for s in &mut sources {
            if let Err(e) = s.advance() {
                run.out.errors.push(e);
            }
        }
        let start = sources
            .iter()
            .filter(|s| s.live)
            .map(|s| s.ts)
            .min()
            .unwrap_or(0);
        run.resolve_window(start);
        loop {
            let mut best: Option<usize> = None;
            for (i, s) in sources.iter().enumerate() {
                if s.live && best.is_none_or(|b| s.ts < sources[b].ts) {
                    best = Some(i);
                }
            }
            let Some(i) = best else { break };
            let src = &mut sources[i];
            {
                let Source {
                    st,
                    head,
                    num,
                    cpu,
                    flags,
                    path,
                    live,
                    ..
                } = &mut *src;
                let Some(evt) = Evt::parse(head, *num, *cpu, *flags) else {
                    run.out
                        .errors
                        .push(format!("{path}: event #{num}: malformed event record"));
                    *live = false;
                    continue;
                };
                if run.event(st, &evt, sinks) == Next::Stop {
                    *live = false;
                    continue;
                }
            }
            if let Err(e) = src.advance() {
                run.out.errors.push(e);
            }
            if run.nread.is_multiple_of(4096) {
                run.tick(sources.iter().map(|s| s.reader.position()).sum());
            }
        }
    }
    if let Some(pb) = &run.pb {
        pb.finish_and_clear();
    }
    if let Some(sm) = run.summary.as_mut() {
        sm.files_read = opts.files.len();
        sm.bytes_read = opts
            .files
            .iter()
            .filter_map(|f| std::fs::metadata(f).ok())
            .map(|m| m.len())
            .sum();
        sm.events_read = run.nread;
        sm.events_evaluated = run.neval;
        sm.first_ts = run.first_ts;
        sm.last_ts = Some(run.last_ts);
        sm.elapsed_s = t0.elapsed().as_secs_f64();
    }
    let mut out = run.out;
    out.summary = run.summary;
    out.tree = run.tree;
    Ok(out)
}

fn collect_summary(sm: &mut Summary, p: &mut Probes, ctx: &mut Ctx<'_>, ty: u16) {
    let name = scap_abi::event::info(ty).map(|i| i.name).unwrap_or("?");
    sm.syscalls.add(name);
    let (fmt, out, vals) = (&p.name, &mut p.out, &mut p.vals);
    if fmt.render(ctx, vals, out) {
        if let Ok(s) = std::str::from_utf8(out) {
            sm.processes.add(s);
        }
    }
    let is_open = matches!(
        name,
        "open" | "openat" | "openat2" | "creat" | "open_by_handle_at"
    );
    let is_conn = matches!(name, "connect" | "accept" | "accept4");
    if is_open || is_conn {
        if ctx.evt.p_i64(0).is_some_and(|r| r < 0) {
            return;
        }
        let Some(tc) = p.get(Which::FdType, ctx) else {
            return;
        };
        let want = if is_open {
            tc == "f"
        } else {
            tc == "4" || tc == "6"
        };
        if want {
            if let Some(n) = p.get(Which::FdName, ctx) {
                if is_open {
                    sm.files.add(&n);
                } else {
                    sm.connections.add(&n);
                }
            }
        }
    }
}

/// Record the event's process in the tree (new pid, or a process-changing event).
fn see_process(tr: &mut ProcTree, p: &mut Probes, ctx: &mut Ctx<'_>, ty: u16) -> Option<i64> {
    let pid: i64 = p.get(Which::Pid, ctx)?.parse().ok()?;
    if !tr.knows(pid) || is_proc_event(ty) {
        let ppid: i64 = p
            .get(Which::Ppid, ctx)
            .and_then(|s| s.parse().ok())
            .unwrap_or(0);
        let name = p.get(Which::Name, ctx).unwrap_or_default();
        let cmd = p.get(Which::Cmdline, ctx).unwrap_or_default();
        let cont = p.get(Which::Container, ctx).unwrap_or_default();
        tr.see(pid, ppid, &name, &cmd, &cont);
    }
    Some(pid)
}
