//! The per-event rule step shared by offline replay (capture files) and live capture
//! (`capture --rules`): which event types rules see, the rules indexed by event type,
//! and the alert for every rule that matches, as Falco does it.
//!
//! Data flow per event: the caller updates [`State`](crate::state::State) with the event,
//! asks [`RulePipeline::wants`] whether rules see its type (exit events, and enter events
//! without an exit counterpart: Falco >= 0.42 drops the other enter events), builds a
//! [`Ctx`] and calls [`RulePipeline::evaluate`], which hands back one [`Alert`] per
//! matching rule. Also here: [`rules_paths`], the expansion of `--rules` arguments (a
//! directory loads its `*.yaml`/`*.yml` files in name order), and the default ruleset.

use std::path::{Path, PathBuf};

use engine_filter::{Scratch, Values};

use crate::fields::Ctx;
use crate::output::{make_alert, Alert, AlertOptions};
use crate::rules::ruleset::{RuleSet, EVENT_CODES};

/// The default ruleset (`rules/harrier_rules.yaml`), built into the binaries.
pub const DEFAULT_RULES: &str = include_str!("../../rules/harrier_rules.yaml");
/// The name the built-in ruleset is reported under.
pub const DEFAULT_RULES_NAME: &str = "harrier_rules.yaml (built in)";

/// Why `--rules` arguments could not be expanded.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum RulesPathError {
    /// A directory could not be listed.
    #[error("{path}: cannot list rules directory: {source}")]
    List {
        /// The directory.
        path: String,
        /// Cause.
        source: std::io::Error,
    },
    /// A directory holds no rules file.
    #[error("{0}: rules directory holds no *.yaml or *.yml file")]
    Empty(String),
}

/// Expands `--rules` arguments in order: a directory contributes its `*.yaml`/`*.yml`
/// files in name order, a file is taken as is (its errors come from the loader).
pub fn rules_paths(paths: &[PathBuf]) -> Result<Vec<PathBuf>, RulesPathError> {
    let mut out = Vec::new();
    for p in paths {
        if !p.is_dir() {
            out.push(p.clone());
            continue;
        }
        let list = std::fs::read_dir(p).map_err(|source| RulesPathError::List {
            path: p.display().to_string(),
            source,
        })?;
        let mut files: Vec<PathBuf> = list
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|f| f.is_file() && is_yaml(f))
            .collect();
        if files.is_empty() {
            return Err(RulesPathError::Empty(p.display().to_string()));
        }
        files.sort();
        out.extend(files);
    }
    Ok(out)
}

fn is_yaml(f: &Path) -> bool {
    matches!(f.extension().and_then(|x| x.to_str()), Some("yaml" | "yml"))
}

/// Event types rules see: exit events, and enter events without an exit counterpart
/// (procexit, container, ...). Indexed by event type.
pub fn evaluated_types() -> Vec<bool> {
    use scap_abi::event::{info, Direction};
    (0..EVENT_CODES as u16)
        .map(|t| match info(t) {
            Some(i) if i.dir == Direction::Exit => true,
            Some(i) => match info(t.wrapping_add(1)) {
                Some(x) => !(x.dir == Direction::Exit && x.name == i.name),
                None => true,
            },
            None => false,
        })
        .collect()
}

/// Rules over events: the compiled set, its per-event scratch, and the alert options.
/// No allocation per event unless a rule fires.
#[derive(Debug)]
pub struct RulePipeline<'s> {
    /// The rules.
    pub set: &'s RuleSet,
    /// How alerts are formatted.
    pub alert_opts: AlertOptions,
    evaluated: Vec<bool>,
    /// Rule id -> index in `set.rules`.
    id_to_idx: Vec<usize>,
    scratch: Scratch,
    vals: Values,
    matched: Vec<usize>,
}

impl<'s> RulePipeline<'s> {
    /// A pipeline over `set`.
    pub fn new(set: &'s RuleSet, alert_opts: AlertOptions) -> RulePipeline<'s> {
        let max_id = set.rules.iter().map(|r| r.id).max().unwrap_or(0);
        let mut id_to_idx = vec![usize::MAX; max_id + 1];
        for (i, r) in set.rules.iter().enumerate() {
            id_to_idx[r.id] = i;
        }
        RulePipeline {
            set,
            alert_opts,
            evaluated: evaluated_types(),
            id_to_idx,
            scratch: Scratch::new(),
            vals: Values::new(),
            matched: Vec::with_capacity(8),
        }
    }

    /// Whether rules see events of type `ty`.
    #[inline]
    pub fn wants(&self, ty: u16) -> bool {
        self.evaluated
            .get(usize::from(ty))
            .copied()
            .unwrap_or(false)
    }

    /// The scratch shared by the rules (for a caller's own filter on the same event).
    pub fn scratch(&mut self) -> &mut Scratch {
        &mut self.scratch
    }

    /// Evaluates the rules indexed under `ty` on the event in `ctx` and calls
    /// `on_alert(rule index in set.rules, alert, alert options)` for each match, in rule
    /// order. Returns the number of matches.
    pub fn evaluate(
        &mut self,
        ty: u16,
        ts: u64,
        ctx: &mut Ctx<'_>,
        mut on_alert: impl FnMut(usize, Alert, &AlertOptions),
    ) -> usize {
        self.matched.clear();
        let matched = &mut self.matched;
        self.set
            .evaluate(ty, ctx, &mut self.scratch, |r| matched.push(r.id));
        for k in 0..self.matched.len() {
            let id = self.matched[k];
            let Some(&idx) = self.id_to_idx.get(id) else {
                continue;
            };
            let Some(rule) = self.set.rules.get(idx) else {
                continue;
            };
            let a = make_alert(rule, ts, ctx, &mut self.vals, &self.alert_opts);
            on_alert(idx, a, &self.alert_opts);
        }
        self.matched.len()
    }
}
