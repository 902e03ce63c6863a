//! Composition: configuration → rules → capture readers → engine → sinks → reports.

use std::io::IsTerminal;
use std::time::Duration;

use anyhow::{anyhow, bail, Context, Result};
use engine::config::{Config, ConfigTree};
use engine::fields::{Registry, StaticDns};
use engine::rules::ruleset::RuleSet;
use engine::rules::{Loader, Priority};
use engine::sinks::{FileSink, HttpSink, ProgramSink, Sinks, StdoutSink, SyslogSink};

use crate::eval::{self, EvalOptions};
use crate::flags::{exit, Flags};
use crate::rulesrc::{self, RulesSource};
use crate::window;

/// Write to stdout; a closed pipe (`replay ... | head`) is not an error.
pub(crate) fn out(s: &str) {
    use std::io::Write;
    let mut o = std::io::stdout().lock();
    let _ = o.write_all(s.as_bytes()).and_then(|()| o.flush());
}

/// A failure with its exit code.
struct Fail(u8, anyhow::Error);

fn usage(e: anyhow::Error) -> Fail {
    Fail(exit::USAGE, e)
}
fn error(e: anyhow::Error) -> Fail {
    Fail(exit::ERROR, e)
}

/// Run one invocation; returns the process exit code.
pub(crate) fn run(flags: Flags) -> u8 {
    match run_inner(flags) {
        Ok(code) => code,
        Err(Fail(code, e)) => {
            eprintln!("replay: error: {e:#}");
            code
        }
    }
}

fn config(flags: &Flags) -> Result<Config> {
    let mut tree = match &flags.config {
        Some(p) => ConfigTree::load(p)?,
        None => ConfigTree::new(),
    };
    if flags.json {
        tree.apply_override("json_output=true")?;
    }
    for o in &flags.options {
        tree.apply_override(o)?;
    }
    Ok(tree.decode()?)
}

fn run_inner(flags: Flags) -> Result<u8, Fail> {
    let cfg = config(&flags).map_err(error)?;

    if !flags.validate.is_empty() {
        let mut loader = Loader::new(&Registry);
        let ok = rulesrc::validate(&mut loader, &flags.validate, cfg.json_output);
        if ok && flags.list {
            if let Some(c) = loader.compiled() {
                let set = RuleSet::new(c, cfg.priority, &cfg.rules, cfg.rule_matching);
                out(&rulesrc::list(&set, Some(c), cfg.json_output));
            }
        }
        return Ok(if ok { exit::OK } else { exit::ERROR });
    }
    if flags.list_fields {
        out(&engine::fields::list_fields());
        return Ok(exit::OK);
    }
    if !flags.print.is_empty() {
        return dump(&flags);
    }

    // Rules: falco.yaml rules_files, then --rules, else the built-in default.
    let mut paths: Vec<std::path::PathBuf> = cfg.rules_files.iter().map(Into::into).collect();
    paths.extend(flags.rules.iter().cloned());
    let sources: Vec<RulesSource> = rulesrc::expand(&paths).map_err(error)?;
    let mut loader = Loader::new(&Registry);
    if let Some(entries) = &cfg.append_output {
        loader.set_extra_outputs(rulesrc::extra_outputs(entries));
    }
    rulesrc::load_all(&mut loader, &sources, flags.quiet).map_err(error)?;
    let compiled = loader
        .compiled()
        .ok_or_else(|| error(anyhow!("no rules were compiled")))?;
    let set = RuleSet::new(compiled, cfg.priority, &cfg.rules, cfg.rule_matching);
    if flags.list {
        out(&rulesrc::list(&set, Some(compiled), cfg.json_output));
        return Ok(exit::OK);
    }

    if flags.files.is_empty() {
        return Err(usage(anyhow!(
            "no capture file given (try `replay --help`)"
        )));
    }
    for f in &flags.files {
        rulesrc::check_readable(f).map_err(error)?;
    }
    let fail_on = match &flags.fail_on {
        Some(p) => Some(Priority::parse(p).ok_or_else(|| {
            usage(anyhow!(
                "--fail-on {p}: unknown priority (emergency, alert, critical, error, warning, \
                 notice, info, debug)"
            ))
        })?),
        None => None,
    };
    let from = flags
        .from
        .as_deref()
        .map(window::parse_time)
        .transpose()
        .map_err(|e| usage(e.context("--from")))?;
    let to = flags
        .to
        .as_deref()
        .map(window::parse_time)
        .transpose()
        .map_err(|e| usage(e.context("--to")))?;
    let filter = match &flags.filter {
        Some(f) => Some(compile_filter(f).map_err(usage)?),
        None => None,
    };
    let dns = match &flags.hosts {
        Some(p) => Some(read_hosts(p).map_err(error)?),
        None => None,
    };
    let mut sinks = build_sinks(&cfg).map_err(error)?;
    let progress = flags.progress != "never" && std::io::stderr().is_terminal();
    let opts = EvalOptions {
        files: flags.files.clone(),
        from,
        to,
        filter,
        summary: flags.summary,
        tree: flags.process_tree,
        progress,
        dns,
    };
    let outcome = eval::evaluate(&set, &cfg, opts, &mut sinks);
    let stats = sinks.close();
    let outcome = outcome.map_err(error)?;

    // Falco's end-of-run lines (stderr when stdout carries JSON alerts).
    if !flags.quiet {
        let mut s = format!("Events detected: {}\n", outcome.alerts());
        s.push_str("Rule counts by severity:\n");
        for p in Priority::ALL {
            let n = outcome.per_priority[p as usize];
            if n > 0 {
                s.push_str(&format!("   {}: {n}\n", p.upper_short()));
            }
        }
        s.push_str("Triggered rules by rule name:\n");
        for (r, n) in set.rules.iter().zip(&outcome.per_rule) {
            if *n > 0 {
                s.push_str(&format!("   {}: {n}\n", r.name));
            }
        }
        if cfg.json_output {
            eprint!("{s}");
        } else {
            out(&s);
        }
    }
    for st in &stats {
        if st.failed > 0 {
            eprintln!("replay: output channel {st}");
        }
    }
    if let Some(sm) = &outcome.summary {
        let by_rule: Vec<(String, &'static str, u64)> = set
            .rules
            .iter()
            .zip(&outcome.per_rule)
            .filter(|(_, n)| **n > 0)
            .map(|(r, n)| (r.name.clone(), r.priority.name(), *n))
            .collect();
        let by_prio: Vec<(&'static str, u64)> = Priority::ALL
            .iter()
            .map(|p| (p.name(), outcome.per_priority[*p as usize]))
            .filter(|(_, n)| *n > 0)
            .collect();
        out(&sm.render(&by_rule, &by_prio));
    }
    if let Some(tr) = &outcome.tree {
        out(&tr.render());
    }
    if !outcome.errors.is_empty() {
        for e in &outcome.errors {
            eprintln!("replay: error: {e}");
        }
        return Ok(exit::ERROR);
    }
    if let (Some(limit), Some(worst)) = (fail_on, outcome.worst) {
        if worst <= limit {
            return Ok(exit::ALERT);
        }
    }
    Ok(exit::OK)
}

/// `--filter COND`: a Falco condition (no macros or lists), compiled once.
fn compile_filter(text: &str) -> Result<engine_filter::Program> {
    let ast = engine_filter::parse_with(text, engine_filter::ParserOptions::falco())
        .map_err(|e| anyhow!("--filter: {e}"))?;
    engine_filter::compile(&ast, &Registry).map_err(|e| anyhow!("--filter: {e}"))
}

/// A hosts(5)-style file: `ADDRESS NAME [ALIASES...]`, `#` comments.
fn read_hosts(p: &std::path::Path) -> Result<StaticDns> {
    let text = std::fs::read_to_string(p).with_context(|| format!("{}", p.display()))?;
    let mut dns = StaticDns::default();
    for (n, line) in text.lines().enumerate() {
        let line = line.split('#').next().unwrap_or("").trim();
        if line.is_empty() {
            continue;
        }
        let mut it = line.split_whitespace();
        let (Some(addr), Some(name)) = (it.next(), it.next()) else {
            bail!("{}:{}: expected `ADDRESS NAME`", p.display(), n + 1);
        };
        let ip = addr
            .parse()
            .with_context(|| format!("{}:{}: bad address `{addr}`", p.display(), n + 1))?;
        dns.entries.push((ip, name.to_string()));
    }
    Ok(dns)
}

fn build_sinks(cfg: &Config) -> Result<Sinks> {
    let mut s = Sinks::new();
    if cfg.stdout_output {
        s.push(Box::new(StdoutSink::new(cfg.buffered_outputs)));
    }
    if cfg.file_output.enabled {
        s.push(Box::new(FileSink::new(
            &cfg.file_output.filename,
            cfg.file_output.keep_alive,
        )));
    }
    if cfg.program_output.enabled {
        s.push(Box::new(
            ProgramSink::new(&cfg.program_output.program, cfg.program_output.keep_alive)
                .context("program_output")?,
        ));
    }
    if cfg.http_output.enabled {
        s.push(Box::new(
            HttpSink::new(
                &cfg.http_output.url,
                &cfg.http_output.user_agent,
                Duration::from_millis(cfg.output_timeout_ms.max(1)),
            )
            .context("http_output")?,
        ));
    }
    if cfg.syslog_output.enabled {
        s.push(Box::new(SyslogSink::new(
            &cfg.syslog_output.socket,
            "replay",
        )));
    }
    Ok(s)
}

/// `-p FORMAT [FILTER]`: sysdig-style dump, delegated to the engine's dump mode
/// (`engine::fields::dump`): every event, enter and exit, one line each.
fn dump(flags: &Flags) -> Result<u8, Fail> {
    if flags.files.is_empty() {
        return Err(usage(anyhow!("-p needs a capture file")));
    }
    for f in &flags.files {
        rulesrc::check_readable(f).map_err(error)?;
    }
    let mut opts = engine::fields::dump::DumpOptions::new(&flags.print[0]);
    opts.filter = flags.print.get(1).or(flags.filter.as_ref()).cloned();
    let files: Vec<String> = flags
        .files
        .iter()
        .map(|f| f.display().to_string())
        .collect();
    let refs: Vec<&str> = files.iter().map(String::as_str).collect();
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    match engine::fields::dump::dump(&refs, &opts, &mut out) {
        Ok(_) => Ok(exit::OK),
        Err(
            e @ (engine::fields::dump::DumpError::Format(_)
            | engine::fields::dump::DumpError::Filter(_)),
        ) => Err(usage(anyhow!(e))),
        Err(engine::fields::dump::DumpError::Io(e))
            if e.kind() == std::io::ErrorKind::BrokenPipe =>
        {
            Ok(exit::OK)
        }
        Err(e) => Err(error(anyhow!(e))),
    }
}
