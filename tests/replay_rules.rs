//! The default ruleset's data-driven suite: every scenario of rules/tests/scenarios.yaml is
//! built into a capture (replay::script), replayed by the real `replay` binary with
//! rules/harrier_rules.yaml and JSON output, and the alerts per rule are compared with
//! rules/tests/expected.yaml. Every rule must have a positive and a negative scenario.

#[path = "replay_support.rs"]
mod support;

use std::collections::BTreeMap;
use std::fmt::Write as _;

use engine::rules::yaml::parse_documents;

fn expected() -> BTreeMap<String, BTreeMap<String, u64>> {
    let text = std::fs::read_to_string(support::root().join("rules/tests/expected.yaml"))
        .expect("expected.yaml");
    let docs = parse_documents(&text).expect("expected.yaml parses");
    let mut out = BTreeMap::new();
    for (k, v) in docs[0].map().expect("a map of cases") {
        let mut rules = BTreeMap::new();
        for (r, n) in v.map().unwrap_or_default() {
            rules.insert(
                r.scalar().expect("rule name").to_string(),
                n.scalar().and_then(|s| s.parse().ok()).expect("count"),
            );
        }
        out.insert(k.scalar().expect("case name").to_string(), rules);
    }
    out
}

#[test]
fn default_rules_scenarios() {
    let root = support::root();
    let text = std::fs::read_to_string(root.join("rules/tests/scenarios.yaml")).expect("scenarios");
    let cases = replay::script::load(&text).expect("scenarios build");
    let expected = expected();
    let dir = support::tmpdir("rules");
    let rules = root.join("rules/harrier_rules.yaml");
    let mut failures = String::new();
    let mut seen = Vec::new();
    for case in &cases {
        let cap = dir.join(format!("{}.scap", case.name));
        case.capture.write(&cap).expect("write capture");
        let mut args: Vec<String> = vec![
            cap.display().to_string(),
            "--rules".into(),
            rules.display().to_string(),
            "-o".into(),
            "json_output=true".into(),
            "-q".into(),
        ];
        if !case.hosts.is_empty() {
            let hosts = dir.join(format!("{}.hosts", case.name));
            let body: String = case
                .hosts
                .iter()
                .map(|(ip, n)| format!("{ip} {n}\n"))
                .collect();
            std::fs::write(&hosts, body).expect("hosts");
            args.push("--hosts".into());
            args.push(hosts.display().to_string());
        }
        let argv: Vec<&str> = args.iter().map(String::as_str).collect();
        let out = support::replay(&argv);
        assert!(
            out.status.success(),
            "{}: replay failed: {}",
            case.name,
            support::stderr(&out)
        );
        let got = support::count_by_rule(&support::json_alerts(&out));
        let Some(want) = expected.get(&case.name) else {
            let _ = writeln!(failures, "{}: no entry in expected.yaml", case.name);
            continue;
        };
        if &got != want {
            let _ = writeln!(failures, "{}: expected {want:?}, got {got:?}", case.name);
        }
        seen.push(case.name.clone());
    }
    for name in expected.keys() {
        if !seen.contains(name) {
            let _ = writeln!(failures, "{name}: in expected.yaml but no such scenario");
        }
    }
    assert!(failures.is_empty(), "rule scenario failures:\n{failures}");

    // Coverage: every rule of the default ruleset has a positive and a negative case.
    let rules_text = std::fs::read_to_string(&rules).expect("rules");
    let docs = parse_documents(&rules_text).expect("rules parse");
    for item in docs[0].seq().expect("rules list") {
        let Some(name) = item.get("rule").and_then(|n| n.scalar()) else {
            continue;
        };
        let pos = expected
            .iter()
            .any(|(c, m)| c.ends_with("_pos") && m.get(name).is_some_and(|n| *n > 0));
        assert!(pos, "rule `{name}` has no positive scenario");
        let neg_of_same: Vec<&String> = expected
            .iter()
            .filter(|(c, m)| c.ends_with("_pos") && m.contains_key(name))
            .map(|(c, _)| c)
            .collect();
        for p in neg_of_same {
            let neg = p.replace("_pos", "_neg");
            assert!(
                expected.contains_key(&neg),
                "rule `{name}`: `{p}` has no `{neg}`"
            );
        }
    }
}
