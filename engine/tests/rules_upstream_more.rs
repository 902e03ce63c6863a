//! The incubating and sandbox upstream rulesets (falcosecurity/rules 6.0.1 / 6.1.0, copies
//! under tests/data/rules/upstream): each loads alone with no error and no warning, with
//! the counts and event types of falco-rules.md §5; and stable + incubating + sandbox load
//! in order into one collection (later definitions of shared names win).

use engine::fields::Registry;
use engine::rules::ruleset::{RuleMatching, RuleSet};
use engine::rules::{Loader, Priority};
use engine_filter::{event_ids_for_name, EventSet};
use std::path::PathBuf;

fn path(f: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data/rules/upstream")
        .join(f)
}

fn names(v: &[&str]) -> EventSet {
    v.iter()
        .map(|n| event_ids_for_name(n).unwrap_or_else(|| panic!("event {n}")))
        .fold(EventSet::empty(), |a, s| a.union(&s))
}

fn load_alone(f: &str) -> engine::rules::compile::CompileOutput {
    let reg = Registry;
    let mut l = Loader::new(&reg);
    let r = l.load_file(&path(f));
    println!("{}", r.verbose_text(&l.contents));
    assert!(r.successful(), "{}", r.verbose_text(&l.contents));
    assert!(r.warnings.is_empty(), "{}", r.verbose_text(&l.contents));
    assert_eq!(r.schema_validation(), "ok");
    assert!(l.check_plugin_requirements().is_empty());
    l.compiled().cloned().expect("compiled")
}

#[test]
fn incubating_alone() {
    let out = load_alone("falco-incubating_rules.yaml");
    assert_eq!(
        (out.rules.len(), out.macros.len(), out.lists.len()),
        (31, 82, 54)
    );
    assert!(out
        .rules
        .iter()
        .all(|r| r.enabled && r.tags.contains("maturity_incubating")));
    let set = RuleSet::new(&out, Priority::Debug, &[], RuleMatching::First);
    let want = names(&[
        "accept",
        "accept4",
        "bpf",
        "chmod",
        "connect",
        "creat",
        "execve",
        "execveat",
        "fchmod",
        "fchmodat",
        "listen",
        "open",
        "openat",
        "openat2",
        "rename",
        "renameat",
        "renameat2",
        "rmdir",
        "sendmsg",
        "sendto",
        "setns",
        "setuid",
        "unlink",
        "unlinkat",
        "unshare",
    ]);
    assert_eq!(
        set.needed_event_codes().into_iter().collect::<EventSet>(),
        want
    );
}

#[test]
fn sandbox_alone() {
    let out = load_alone("falco-sandbox_rules.yaml");
    assert_eq!(
        (out.rules.len(), out.macros.len(), out.lists.len()),
        (37, 183, 60)
    );
    let disabled: Vec<&str> = out
        .rules
        .iter()
        .filter(|r| !r.enabled)
        .map(|r| r.name.as_str())
        .collect();
    assert_eq!(disabled.len(), 12, "{disabled:?}");
    for n in [
        "Read Shell Configuration File",
        "Container Drift Detected (chmod)",
        "Modify Container Entrypoint",
    ] {
        assert!(disabled.contains(&n), "{n}");
    }
    let set = RuleSet::new(&out, Priority::Debug, &[], RuleMatching::First);
    assert_eq!(set.enabled_rules().count(), 25);
}

#[test]
fn three_files_in_order() {
    let reg = Registry;
    let mut l = Loader::new(&reg);
    for f in [
        "falco_rules.yaml",
        "falco-incubating_rules.yaml",
        "falco-sandbox_rules.yaml",
    ] {
        let r = l.load_file(&path(f));
        assert!(
            r.successful() && r.warnings.is_empty(),
            "{}",
            r.verbose_text(&l.contents)
        );
    }
    let out = l.compiled().expect("compiled");
    assert_eq!(out.rules.len(), 25 + 31 + 37);
    // Rule order is the order of first definition across the files.
    assert!(out.rules[0].tags.contains("maturity_stable"));
    assert!(out.rules[25].tags.contains("maturity_incubating"));
    assert!(out.rules[56].tags.contains("maturity_sandbox"));
}
