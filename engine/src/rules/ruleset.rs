//! The rule set: compiled rules selected (priority threshold, `enabled`, `rules:`
//! enable/disable by name wildcard or tag, §7) and indexed by event code. Only exit events
//! are evaluated (Falco ≥ 0.42); `rule_matching: first|all`.

use super::compile::{CompileOutput, CompiledRule};
use super::Priority;
use engine_filter::{
    event_ids_for_name, EventSet, Expr, FieldSource, Op, Operand, Rhs, Scratch, Specialized,
};
use scap_abi::syscall::{self, SyscallMask};
use std::collections::BTreeSet;

/// `rule_matching`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum RuleMatching {
    #[default]
    First,
    All,
}

impl RuleMatching {
    pub fn parse(s: &str) -> Option<RuleMatching> {
        if s.eq_ignore_ascii_case("first") {
            Some(RuleMatching::First)
        } else if s.eq_ignore_ascii_case("all") {
            Some(RuleMatching::All)
        } else {
            None
        }
    }
}

/// One entry of falco.yaml's `rules:` selection.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Selection {
    EnableRule(String),
    DisableRule(String),
    EnableTag(String),
    DisableTag(String),
}

/// `*` is the only metacharacter; without `*` the match is exact.
pub fn wildcard_match(pattern: &str, name: &str) -> bool {
    let p = pattern.as_bytes();
    let s = name.as_bytes();
    let (mut pi, mut si) = (0usize, 0usize);
    let (mut star, mut mark) = (usize::MAX, 0usize);
    while si < s.len() {
        if pi < p.len() && p[pi] == b'*' {
            star = pi;
            pi += 1;
            mark = si;
        } else if pi < p.len() && p[pi] == s[si] {
            pi += 1;
            si += 1;
        } else if star != usize::MAX {
            pi = star + 1;
            mark += 1;
            si = mark;
        } else {
            return false;
        }
    }
    while pi < p.len() && p[pi] == b'*' {
        pi += 1;
    }
    pi == p.len()
}

/// Number of event codes (PPM_EVENT_MAX).
pub const EVENT_CODES: usize = 454;

/// Compiled rules indexed by event code.
#[derive(Debug, Clone)]
pub struct RuleSet {
    /// Rules admitted by the priority threshold, in rule order.
    pub rules: Vec<CompiledRule>,
    /// Whether each rule (same index) is enabled.
    pub enabled: Vec<bool>,
    /// For each event code, the indexes of enabled rules that can match it.
    by_code: Vec<Vec<u32>>,
    /// Same shape: each rule's program specialised for the code (`evt.type` decided).
    special: Vec<Vec<Option<Specialized>>>,
    pub matching: RuleMatching,
}

impl RuleSet {
    /// Builds the set: rules less severe than `min_priority` are left out entirely; then the
    /// files' `enabled` flags apply, then `selection` in order.
    pub fn new(
        out: &CompileOutput,
        min_priority: Priority,
        selection: &[Selection],
        matching: RuleMatching,
    ) -> RuleSet {
        let rules: Vec<CompiledRule> = out
            .rules
            .iter()
            .filter(|r| r.priority <= min_priority)
            .cloned()
            .collect();
        let mut enabled: Vec<bool> = rules.iter().map(|r| r.enabled).collect();
        for sel in selection {
            for (i, r) in rules.iter().enumerate() {
                match sel {
                    Selection::EnableRule(p) if wildcard_match(p, &r.name) => enabled[i] = true,
                    Selection::DisableRule(p) if wildcard_match(p, &r.name) => enabled[i] = false,
                    Selection::EnableTag(t) if r.tags.contains(t) => enabled[i] = true,
                    Selection::DisableTag(t) if r.tags.contains(t) => enabled[i] = false,
                    _ => {}
                }
            }
        }
        let mut set = RuleSet {
            rules,
            enabled,
            by_code: Vec::new(),
            special: Vec::new(),
            matching,
        };
        set.reindex();
        set
    }

    fn reindex(&mut self) {
        let generic_in_driver = driver_generic_codes();
        let mut by_code = vec![Vec::new(); EVENT_CODES];
        for (i, r) in self.rules.iter().enumerate() {
            if !self.enabled[i] {
                continue;
            }
            let mut set = r.evttypes;
            // Syscalls our driver schema reports with the generic events but that have
            // dedicated events in the table rules are indexed on (finit_module...): their
            // events arrive as GENERIC with the syscall name in evt.type.
            if !set.intersection(&generic_in_driver).is_empty() {
                set.insert(syscall::GENERIC_E);
                set.insert(syscall::GENERIC_X);
            }
            for c in set.iter() {
                if !is_evaluated_code(c) {
                    continue;
                }
                if let Some(v) = by_code.get_mut(c as usize) {
                    v.push(i as u32);
                }
            }
        }
        // Programs specialised per event code: checks on fields the code alone decides
        // (evt.type) are folded away.
        let special = by_code
            .iter()
            .enumerate()
            .map(|(code, idxs)| {
                idxs.iter()
                    .map(|&i| {
                        self.rules.get(i as usize).map(|r| {
                            r.program.specialize(&mut |id, arg, out| {
                                crate::fields::static_value(code as u16, id, arg, out)
                            })
                        })
                    })
                    .collect()
            })
            .collect();
        self.by_code = by_code;
        self.special = special;
    }

    /// Enables or disables rules by name wildcard (after construction).
    pub fn set_enabled_by_name(&mut self, pattern: &str, on: bool) {
        for (i, r) in self.rules.iter().enumerate() {
            if wildcard_match(pattern, &r.name) {
                self.enabled[i] = on;
            }
        }
        self.reindex();
    }

    /// Enables or disables rules having `tag`.
    pub fn set_enabled_by_tag(&mut self, tag: &str, on: bool) {
        for (i, r) in self.rules.iter().enumerate() {
            if r.tags.contains(tag) {
                self.enabled[i] = on;
            }
        }
        self.reindex();
    }

    /// Indexes of the rules to evaluate for an event code (none for the enter half of a
    /// syscall pair: see [`is_evaluated_code`]).
    pub fn candidates(&self, code: u16) -> &[u32] {
        self.by_code
            .get(code as usize)
            .map(Vec::as_slice)
            .unwrap_or(&[])
    }

    /// The enabled rules.
    pub fn enabled_rules(&self) -> impl Iterator<Item = &CompiledRule> {
        self.rules
            .iter()
            .zip(self.enabled.iter())
            .filter(|(_, e)| **e)
            .map(|(r, _)| r)
    }

    /// The union of the event codes (libs-master table) the enabled rules can match.
    pub fn needed_event_codes(&self) -> BTreeSet<u16> {
        self.enabled_rules()
            .flat_map(|r| r.evttypes.iter())
            .collect()
    }

    /// The x86_64 syscall numbers the enabled rules need, as a driver interest mask
    /// (`ring::ioctl::SET_SYSCALL_MASK` layout). Dedicated event codes map to their
    /// syscalls; for the generic events, a rule that only names syscalls positively
    /// (`evt.type = x`, `in (...)`, outside any `not`) contributes those syscalls, any
    /// other rule whose set holds the generic events contributes every generic syscall.
    /// The state engine's own needs (clone, execve, close...) are not included.
    pub fn needed_syscalls(&self) -> SyscallMask {
        let mut mask: SyscallMask = [0; syscall::TABLE_SIZE / 64];
        // Union of the dedicated codes, and the generic-event needs.
        let mut codes = EventSet::empty();
        let mut all_generic = false;
        let mut generic_names: BTreeSet<String> = BTreeSet::new();
        for r in self.enabled_rules() {
            codes = codes.union(&r.evttypes);
            if r.evttypes.contains(syscall::GENERIC_X) || r.evttypes.contains(syscall::GENERIC_E) {
                let mut names = Vec::new();
                if positive_evt_type_names(&r.ast, false, &mut names) {
                    generic_names.extend(names);
                } else {
                    all_generic = true;
                }
            }
        }
        for nr in 0..syscall::TABLE_SIZE as u32 {
            let Some(s) = syscall::info(nr) else { continue };
            if !s.is_defined() {
                continue;
            }
            let needed = if !s.is_generic() {
                codes.contains(s.enter) || codes.contains(s.exit)
            } else {
                let name = s.event_type_name();
                // A syscall the driver reports generically may have dedicated events in
                // the newer table the rules are indexed on (e.g. finit_module).
                let dedicated = event_ids_for_name(name)
                    .or_else(|| event_ids_for_name(s.name))
                    .map(|ids| {
                        let mut d = ids;
                        d.remove(syscall::GENERIC_E);
                        d.remove(syscall::GENERIC_X);
                        d
                    })
                    .unwrap_or_else(EventSet::empty);
                !dedicated.intersection(&codes).is_empty()
                    || all_generic
                    || generic_names.contains(name)
                    || generic_names.contains(s.name)
            };
            if needed {
                mask[nr as usize / 64] |= 1u64 << (nr % 64);
            }
        }
        mask
    }

    /// Evaluates the enabled rules indexed under `code` (an exit event) against `src`,
    /// honouring `rule_matching`; calls `on_match` for each matching rule, in rule order.
    /// Returns the number of matches. No allocation once `scratch` has grown.
    pub fn evaluate(
        &self,
        code: u16,
        src: &mut dyn FieldSource,
        scratch: &mut Scratch,
        mut on_match: impl FnMut(&CompiledRule),
    ) -> usize {
        let mut n = 0;
        let candidates = self.candidates(code);
        if candidates.is_empty() {
            return 0;
        }
        let special = self
            .special
            .get(code as usize)
            .map(Vec::as_slice)
            .unwrap_or(&[]);
        // Rules share extracted fields and the results of identical checks and macro
        // bodies on this event.
        scratch.share_checks();
        for (k, &i) in candidates.iter().enumerate() {
            let Some(r) = self.rules.get(i as usize) else {
                continue;
            };
            let hit = match special.get(k) {
                Some(Some(s)) => r.program.eval_specialized(s, src, scratch),
                _ => r.program.eval_with(src, scratch),
            };
            if hit {
                n += 1;
                on_match(r);
                if self.matching == RuleMatching::First {
                    break;
                }
            }
        }
        scratch.unshare_checks();
        n
    }
}

/// Whether rules see events of this code: exit events, and events without an exit
/// counterpart (meta-events); the enter half of a syscall pair is never evaluated
/// (Falco ≥ 0.42 drops enter events and merges their parameters into the exit).
pub fn is_evaluated_code(code: u16) -> bool {
    use scap_abi::event::{info, Direction};
    match info(code) {
        Some(i) if i.dir == Direction::Exit => true,
        Some(i) => !info(code.wrapping_add(1))
            .is_some_and(|x| x.dir == Direction::Exit && x.name == i.name),
        None => false,
    }
}

/// Dedicated event codes (in the libs-master table) of the syscalls the e5c53d64 driver
/// schema reports with the generic events.
fn driver_generic_codes() -> EventSet {
    let mut set = EventSet::empty();
    for nr in 0..syscall::TABLE_SIZE as u32 {
        let Some(s) = syscall::info(nr) else { continue };
        if !s.is_defined() || !s.is_generic() {
            continue;
        }
        if let Some(ids) =
            event_ids_for_name(s.event_type_name()).or_else(|| event_ids_for_name(s.name))
        {
            set = set.union(&ids);
        }
    }
    set.remove(syscall::GENERIC_E);
    set.remove(syscall::GENERIC_X);
    set
}

/// Collects the `evt.type` names of `e`; false if some `evt.type` check is not a
/// positive `=`/`==`/`in` with literal names outside `not`.
fn positive_evt_type_names(e: &Expr, negated: bool, out: &mut Vec<String>) -> bool {
    match e {
        Expr::And { children, .. } | Expr::Or { children, .. } => children
            .iter()
            .all(|c| positive_evt_type_names(c, negated, out)),
        Expr::Not { child, .. } => positive_evt_type_names(child, !negated, out),
        Expr::Macro { .. } => false,
        Expr::Check(c) => {
            let on_evt_type = matches!(&c.lhs, Operand::Field(f) if f.name == "evt.type" || f.name == "syscall.type");
            if !on_evt_type {
                return true;
            }
            if negated || !matches!(c.op, Op::Eq | Op::EqEq | Op::In) || c.modifier.is_some() {
                return false;
            }
            match &c.rhs {
                Some(Rhs::Value(v)) => out.push(v.text.clone()),
                Some(Rhs::List(l)) => out.extend(l.items.iter().map(|v| v.text.clone())),
                _ => return false,
            }
            true
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wildcards() {
        assert!(wildcard_match("*", "anything"));
        assert!(wildcard_match("Read*", "Read sensitive file"));
        assert!(wildcard_match("*shell*", "Run shell untrusted"));
        assert!(!wildcard_match("Read", "Read sensitive file"));
        assert!(wildcard_match("a*b*c", "aXXbYYc"));
        assert!(!wildcard_match("a*b*c", "aXXbYY"));
    }
}
