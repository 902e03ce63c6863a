//! `capture --rules R.yaml`: live alerts. Falco rules files (or directories of them) are
//! loaded and compiled before the driver starts; the /proc snapshot seeds the state (as
//! the process list of a capture file does), the host's passwd/group name the users, and
//! every record from the rings goes through `engine::state::feed::Feeder` into the
//! state, then through `engine::pipeline::RulePipeline`; alerts are printed to stdout as
//! Falco prints them (text, or JSON with `--json`), as they fire.

use std::io::Write;
use std::path::PathBuf;

use anyhow::{anyhow, bail, Context, Result};
use engine::config::Config;
use engine::fields::{Ctx, Registry};
use engine::output::AlertOptions;
use engine::pipeline::{rules_paths, RulePipeline};
use engine::rules::ruleset::RuleSet;
use engine::rules::Loader;
use engine::state::feed::Feeder;
use engine::state::State;
use scapfile::event::EventRef;
use scapfile::file::meta::block;
use scapfile::file::{Event, ProcEntry, Record};

/// Loads and compiles the rules files; errors and warnings are worded as Falco's, with
/// file, line and column.
pub(crate) fn load_rules(paths: &[PathBuf]) -> Result<RuleSet> {
    let files = rules_paths(paths)?;
    let mut loader = Loader::new(&Registry);
    for f in &files {
        let res = loader.load_file(f);
        if !res.successful() {
            bail!("{}", res.verbose_text(&loader.contents).trim_end());
        }
        if res.has_warnings() {
            eprintln!("{}", res.verbose_text(&loader.contents).trim_end());
        }
    }
    let compiled = loader
        .compiled()
        .ok_or_else(|| anyhow!("no rules were compiled"))?;
    let cfg = Config::default();
    Ok(RuleSet::new(
        compiled,
        cfg.priority,
        &cfg.rules,
        cfg.rule_matching,
    ))
}

/// Live rule evaluation over ring records.
pub(crate) struct Live<'s> {
    feeder: Feeder,
    st: State,
    pipe: RulePipeline<'s>,
    json: bool,
    /// Alerts printed.
    pub(crate) alerts: u64,
    /// Ring records that were not valid events (skipped).
    pub(crate) invalid: u64,
    out: std::io::BufWriter<std::io::Stdout>,
    line: String,
}

impl<'s> Live<'s> {
    pub(crate) fn new(set: &'s RuleSet, json: bool) -> Live<'s> {
        let mut st = State::new();
        // Live, user names come from the host (files carry them in their UL block).
        let _ = st.load_host_users();
        Live {
            feeder: Feeder::new("live capture"),
            st,
            pipe: RulePipeline::new(set, AlertOptions::default()),
            json,
            alerts: 0,
            invalid: 0,
            out: std::io::BufWriter::new(std::io::stdout()),
            line: String::with_capacity(512),
        }
    }

    /// Seeds the state with the threads that exist before the capture starts.
    pub(crate) fn procs(&mut self, procs: &[ProcEntry<'_>]) -> Result<()> {
        for p in procs {
            self.feeder
                .feed(&mut self.st, Record::Proc(Box::new(p.clone())))
                .map_err(|e| anyhow!("{e}"))?;
        }
        Ok(())
    }

    /// One record from the rings: state update, then the rules.
    pub(crate) fn event(&mut self, rec: &[u8], cpu: u16) -> Result<()> {
        let Ok(event) = EventRef::parse(rec) else {
            self.invalid += 1;
            return Ok(());
        };
        let ev = Event {
            event,
            cpuid: cpu,
            flags: 0,
            num: 0,
            offset: 0,
            block_type: block::EV_V2,
        };
        let evt = match self.feeder.feed(&mut self.st, Record::Event(ev)) {
            Ok(Some(evt)) => evt,
            Ok(None) => return Ok(()),
            Err(e) => {
                self.invalid += 1;
                eprintln!("capture: {e}");
                return Ok(());
            }
        };
        self.st.process(&evt);
        if self.pipe.wants(evt.ty) && !self.st.cur.filtered_out {
            let mut ctx = Ctx::new(&self.st, &evt);
            let (json, line, out, alerts) =
                (self.json, &mut self.line, &mut self.out, &mut self.alerts);
            let mut err = None;
            self.pipe.evaluate(evt.ty, evt.ts, &mut ctx, |_, a, opts| {
                line.clear();
                if json {
                    line.push_str(&a.json(opts).to_string());
                } else {
                    line.push_str(&a.text(opts));
                }
                *alerts += 1;
                if let Err(e) = writeln!(out, "{line}").and_then(|()| out.flush()) {
                    err.get_or_insert(e);
                }
            });
            if let Some(e) = err {
                return Err(e).context("printing an alert");
            }
        }
        self.st.end_event(&evt);
        Ok(())
    }
}
