//! Rules sources: `--rules` paths (files, or directories loaded in name order), the
//! default ruleset embedded in the binary, loading into the engine's [`Loader`], `-V`
//! validation output and the `-L` listing.

use std::path::{Path, PathBuf};

use anyhow::{bail, Context, Result};
use comfy_table::{presets::UTF8_FULL_CONDENSED, Cell, Table};
use engine::rules::compile::CompileOutput;
use engine::rules::result::LoadResult;
use engine::rules::ruleset::RuleSet;
use engine::rules::Loader;

use engine::pipeline::{rules_paths, DEFAULT_RULES, DEFAULT_RULES_NAME};

/// One rules source, in load order.
#[derive(Debug, Clone)]
pub(crate) enum RulesSource {
    /// A file on disk.
    File(PathBuf),
    /// The embedded default ruleset.
    Default,
}

/// Expand `--rules` arguments: a directory contributes its `*.yaml`/`*.yml` files in name
/// order; a file is taken as is. No path at all means the default ruleset.
pub(crate) fn expand(paths: &[PathBuf]) -> Result<Vec<RulesSource>> {
    if paths.is_empty() {
        return Ok(vec![RulesSource::Default]);
    }
    Ok(rules_paths(paths)?
        .into_iter()
        .map(RulesSource::File)
        .collect())
}

/// Load one source into the loader.
pub(crate) fn load_one(loader: &mut Loader<'_>, src: &RulesSource) -> LoadResult {
    match src {
        RulesSource::File(p) => loader.load_file(p),
        RulesSource::Default => loader.load(DEFAULT_RULES_NAME, DEFAULT_RULES),
    }
}

/// Load every source in order. Warnings are printed to stderr (Falco logs them); the
/// first invalid file ends the load with its verbose report (file:line:col + snippet).
pub(crate) fn load_all<'r>(
    loader: &mut Loader<'r>,
    sources: &[RulesSource],
    quiet: bool,
) -> Result<()> {
    for src in sources {
        let res = load_one(loader, src);
        if !res.successful() {
            bail!("{}", res.verbose_text(&loader.contents).trim_end());
        }
        if res.has_warnings() && !quiet {
            eprintln!("{}", res.verbose_text(&loader.contents).trim_end());
        }
    }
    let plugin_errs = loader.check_plugin_requirements();
    if let Some(e) = plugin_errs.first() {
        bail!("{e}");
    }
    Ok(())
}

/// `--validate FILE...`: load each file in order into one loader and print Falco's
/// per-file status. Returns whether every file is valid.
pub(crate) fn validate(loader: &mut Loader<'_>, files: &[PathBuf], json: bool) -> bool {
    let mut results = Vec::new();
    for f in files {
        let res = loader.load_file(f);
        results.push(res);
    }
    let ok = results.iter().all(LoadResult::successful);
    if json {
        let j = engine::rules::result::load_results_json(&results, &loader.contents);
        crate::app::out(&format!("{j}\n"));
    } else {
        for r in &results {
            if r.successful() && !r.has_warnings() {
                crate::app::out(&format!("{}: Ok\n", r.name));
            } else if r.successful() {
                crate::app::out(&format!("{}: Ok, with warnings\n", r.name));
                eprintln!("{}", r.verbose_text(&loader.contents).trim_end());
            } else {
                crate::app::out(&format!(
                    "{}\n",
                    r.verbose_text(&loader.contents).trim_end()
                ));
            }
        }
    }
    ok
}

/// Event-type names of a rule's set, compacted.
fn evttype_names(set: &engine_filter::EventSet) -> String {
    if set.len() >= usize::from(engine::rules::ruleset::EVENT_CODES as u16) {
        return "(all)".to_string();
    }
    let mut names: Vec<&str> = set
        .iter()
        .filter_map(|c| scap_abi::event::info(c).map(|i| i.name))
        .collect();
    names.sort_unstable();
    names.dedup();
    names.join(" ")
}

/// `-L`: the enabled rules with priority, tags and event types (a table, or JSON lines
/// with `json_output`).
pub(crate) fn list(set: &RuleSet, compiled: Option<&CompileOutput>, json: bool) -> String {
    let _ = compiled;
    if json {
        let rules: Vec<serde_json::Value> = set
            .rules
            .iter()
            .zip(&set.enabled)
            .map(|(r, en)| {
                serde_json::json!({
                    "name": r.name, "priority": r.priority.name(), "enabled": en,
                    "tags": r.tags, "source": r.source, "description": r.description,
                    "condition": r.condition, "output": r.output,
                    "event_types": evttype_names(&r.evttypes)
                        .split(' ').collect::<Vec<_>>(),
                })
            })
            .collect();
        return format!("{}\n", serde_json::json!({ "rules": rules }));
    }
    let mut t = Table::new();
    t.load_preset(UTF8_FULL_CONDENSED);
    t.set_header(vec!["Rule", "Priority", "Enabled", "Tags", "Event types"]);
    for (r, en) in set.rules.iter().zip(&set.enabled) {
        let tags: Vec<&str> = r.tags.iter().map(String::as_str).collect();
        t.add_row(vec![
            Cell::new(&r.name),
            Cell::new(r.priority.name()),
            Cell::new(if *en { "yes" } else { "no" }),
            Cell::new(tags.join(" ")),
            Cell::new(evttype_names(&r.evttypes)),
        ]);
    }
    format!(
        "{t}\n{} rules, {} enabled\n",
        set.rules.len(),
        set.enabled.iter().filter(|e| **e).count()
    )
}

/// Is `p` a readable file (for early, clear errors on capture paths)?
pub(crate) fn check_readable(p: &Path) -> Result<()> {
    std::fs::metadata(p)
        .with_context(|| format!("{}: cannot open capture file", p.display()))
        .and_then(|m| {
            if m.is_dir() {
                bail!("{}: is a directory, not a capture file", p.display())
            }
            Ok(())
        })
}

/// falco.yaml `append_output` entries as the loader's extra outputs. Like Falco, a
/// configured list replaces the default; `suggested_output: true` brings back the container
/// plugin's suggested fields. (`extra_fields`, which only feed JSON `output_fields`, are not
/// supported by the loader yet.)
pub(crate) fn extra_outputs(
    entries: &[engine::config::AppendOutput],
) -> Vec<engine::rules::compile::ExtraOutput> {
    use engine::rules::compile::{ExtraOutput, CONTAINER_SUGGESTED_OUTPUT};
    let mut out = Vec::new();
    for e in entries {
        let base = ExtraOutput {
            format: String::new(),
            source: e.source.clone().unwrap_or_default(),
            tags: e.tags.iter().cloned().collect(),
            rule: e.rule.clone().unwrap_or_default(),
        };
        if e.suggested_output {
            out.push(ExtraOutput {
                format: CONTAINER_SUGGESTED_OUTPUT.to_string(),
                source: if base.source.is_empty() {
                    "syscall".into()
                } else {
                    base.source.clone()
                },
                ..base.clone()
            });
        }
        if let Some(f) = &e.extra_output {
            out.push(ExtraOutput {
                format: f.clone(),
                ..base
            });
        }
    }
    out
}
