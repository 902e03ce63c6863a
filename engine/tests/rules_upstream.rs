//! The upstream stable ruleset (falco_rules.yaml, rules 5.1.0, a copy under
//! tests/data/rules/upstream) loads with no error and, as in Falco with the container
//! plugin, with no warning; its rules, macros, lists, priorities and inferred event types
//! match falco-rules.md §5.

use engine::fields::Registry;
use engine::rules::ruleset::{RuleMatching, RuleSet, Selection};
use engine::rules::{Loader, Priority};
use engine_filter::{event_ids_for_name, EventSet};

const FILE: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/tests/data/rules/upstream/falco_rules.yaml"
);

fn names(v: &[&str]) -> EventSet {
    v.iter()
        .map(|n| event_ids_for_name(n).expect("known event name"))
        .fold(EventSet::empty(), |a, s| a.union(&s))
}

#[test]
fn stable_rules_load_cleanly() {
    let reg = Registry;
    let mut loader = Loader::new(&reg);
    let res = loader.load_file(std::path::Path::new(FILE));
    // What Falco prints for this file (`-V`): the verbose report.
    println!("{}", res.verbose_text(&loader.contents));
    assert!(res.successful(), "{}", res.verbose_text(&loader.contents));
    assert!(
        res.warnings.is_empty(),
        "{}",
        res.verbose_text(&loader.contents)
    );
    assert!(loader.check_plugin_requirements().is_empty());
    assert_eq!(
        loader
            .collector()
            .required_engine_version
            .map(|v| v.to_string())
            .as_deref(),
        Some("0.57.0")
    );

    let out = loader.compiled().expect("compiled");
    assert_eq!(
        (out.rules.len(), out.macros.len(), out.lists.len()),
        (25, 87, 49)
    );
    assert!(out.rules.iter().all(|r| r.enabled));
    let count = |p: Priority| out.rules.iter().filter(|r| r.priority == p).count();
    assert_eq!(
        [
            count(Priority::Warning),
            count(Priority::Notice),
            count(Priority::Critical),
            count(Priority::Informational)
        ],
        [14, 7, 3, 1]
    );
    assert!(out.rules.iter().all(|r| r.tags.contains("maturity_stable")));

    // Event types inferred per rule (§5 table).
    let open = ["open", "openat", "openat2"];
    let exec = ["execve", "execveat"];
    let expect: &[(&str, &[&str])] = &[
        ("Directory traversal monitored file read", &open),
        ("Read sensitive file untrusted", &open),
        ("Run shell untrusted", &exec),
        ("Contact K8S API Server From Container", &["connect"]),
        (
            "Create Symlink Over Sensitive Files",
            &["symlink", "symlinkat"],
        ),
        ("Create Hardlink Over Sensitive Files", &["link", "linkat"]),
        ("Packet socket created in container", &["socket"]),
        (
            "Redirect STDOUT/STDIN to Network Connection in Container",
            &["dup", "dup2", "dup3"],
        ),
        (
            "Linux Kernel Module Injection Detected",
            &["init_module", "finit_module"],
        ),
        ("PTRACE attached to process", &["ptrace"]),
        (
            "Disallowed SSH Connection Non Standard Port",
            &["connect", "sendto", "sendmsg"],
        ),
        ("Fileless execution via memfd_create", &exec),
    ];
    for (rule, evts) in expect {
        let r = out.rule(rule).unwrap_or_else(|| panic!("rule {rule}"));
        assert_eq!(r.evttypes, names(evts), "event types of {rule}");
    }

    // The whole set needs exactly the 19 syscalls of §5.
    let set = RuleSet::new(out, Priority::Debug, &[], RuleMatching::First);
    let all19 = names(&[
        "connect",
        "dup",
        "dup2",
        "dup3",
        "execve",
        "execveat",
        "finit_module",
        "init_module",
        "link",
        "linkat",
        "open",
        "openat",
        "openat2",
        "ptrace",
        "sendmsg",
        "sendto",
        "socket",
        "symlink",
        "symlinkat",
    ]);
    let needed: EventSet = set.needed_event_codes().into_iter().collect();
    assert_eq!(needed, all19);
    // Only exit events are evaluated: the enter halves have no candidates.
    let openat = event_ids_for_name("openat").expect("openat");
    for c in openat.iter() {
        let exit = c % 2 == 1;
        assert_eq!(!set.candidates(c).is_empty(), exit, "code {c}");
    }
    // finit_module is a generic event in the driver schema: its rule is also indexed
    // under the generic exit event (evt.type then holds the syscall name).
    let fin = scap_abi::syscall::nr_by_name("finit_module").and_then(scap_abi::syscall::info);
    if fin.is_some_and(|s| s.is_generic()) {
        let idx: Vec<&str> = set
            .candidates(scap_abi::syscall::GENERIC_X)
            .iter()
            .map(|&i| set.rules[i as usize].name.as_str())
            .collect();
        assert_eq!(idx, vec!["Linux Kernel Module Injection Detected"]);
    }
    // As a driver syscall mask: the x86_64 syscalls behind those events.
    let mask = set.needed_syscalls();
    let nrs: Vec<u32> = scap_abi::syscall::mask_iter(&mask).collect();
    for name in [
        "execve",
        "execveat",
        "open",
        "openat",
        "openat2",
        "connect",
        "ptrace",
        "dup2",
        "symlinkat",
        "finit_module",
    ] {
        let nr = scap_abi::syscall::nr_by_name(name).expect("syscall nr");
        assert!(nrs.contains(&nr), "{name} ({nr}) missing from {nrs:?}");
    }
    for name in ["read", "write", "close", "clone"] {
        let nr = scap_abi::syscall::nr_by_name(name).expect("syscall nr");
        assert!(!nrs.contains(&nr), "{name} should not be needed");
    }

    // Selection: priority threshold and enable/disable by wildcard and tag.
    let warn = RuleSet::new(out, Priority::Warning, &[], RuleMatching::First);
    assert_eq!(warn.rules.len(), 17);
    let sel = [
        Selection::DisableRule("*".into()),
        Selection::EnableTag("T1611".into()),
        Selection::DisableRule("Debugfs*".into()),
    ];
    let s2 = RuleSet::new(out, Priority::Debug, &sel, RuleMatching::All);
    let names_on: Vec<&str> = s2.enabled_rules().map(|r| r.name.as_str()).collect();
    assert!(!names_on.is_empty());
    assert!(names_on.iter().all(|n| !n.starts_with("Debugfs")));
    assert!(s2.enabled_rules().all(|r| r.tags.contains("T1611")));
}
