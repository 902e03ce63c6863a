//! Data-driven conformance suite for the rules loader: every case of falco-cases.md
//! sections A (loader), C (exceptions) and H (structural errors). Inputs are in
//! `tests/data/rules/cases/*.yaml`, expectations in `tests/data/rules/expectations.yaml`
//! (format documented at its top). One runner; all mismatches are reported together.

use engine::fields::Registry;
use engine::rules::result::LoadResult;
use engine::rules::yaml::{parse_documents, Node};
use engine::rules::Loader;
use std::path::PathBuf;

fn data_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/data/rules")
}

fn s<'a>(n: &'a Node, k: &str) -> Option<&'a str> {
    n.get(k).and_then(Node::scalar)
}

fn location_has(
    res_ctx: &engine::rules::result::Context,
    item_type: Option<&str>,
    item_name: Option<&str>,
) -> bool {
    res_ctx.locs.iter().any(|l| {
        item_type.is_none_or(|t| l.item_type.as_str() == t)
            && item_name.is_none_or(|n| l.item_name == n)
    })
}

fn check_case(case: &Node, failures: &mut Vec<String>) -> bool {
    let id = s(case, "case").unwrap_or("?").to_string();
    let mut fail = |m: String| failures.push(format!("{id}: {m}"));
    if let Some(reason) = s(case, "skip") {
        eprintln!("SKIP {id}: {reason}");
        return false;
    }
    let files: Vec<String> = match case.get("files").and_then(Node::seq) {
        Some(v) => v
            .iter()
            .filter_map(Node::scalar)
            .map(str::to_string)
            .collect(),
        None => vec![format!("{id}.yaml")],
    };
    let reg = Registry;
    let mut loader = Loader::new(&reg);
    let mut results: Vec<LoadResult> = Vec::new();
    for f in &files {
        let path = data_dir().join("cases").join(f);
        let text = match std::fs::read_to_string(&path) {
            Ok(t) => t,
            Err(e) => {
                fail(format!("cannot read {}: {e}", path.display()));
                return true;
            }
        };
        results.push(loader.load(f, &text));
    }
    let report: String = results
        .iter()
        .map(|r| r.verbose_text(&loader.contents))
        .collect::<Vec<_>>()
        .join("\n");
    let ok = results.iter().all(LoadResult::successful);
    if let Some(exp) = case.get("ok").and_then(Node::as_bool) {
        if exp != ok {
            fail(format!("expected ok={exp}, got ok={ok}\n{report}"));
        }
    }
    if let Some(want) = s(case, "schema") {
        let got: Vec<&str> = results.iter().map(|r| r.schema_validation()).collect();
        if got.iter().any(|g| *g != want) {
            fail(format!(
                "schema validation: got {got:?}, want {want}\n{report}"
            ));
        }
    }
    let errors: Vec<_> = results.iter().flat_map(|r| r.errors.iter()).collect();
    let warnings: Vec<_> = results.iter().flat_map(|r| r.warnings.iter()).collect();
    for e in case.get("errors").and_then(Node::seq).unwrap_or(&[]) {
        let found = errors.iter().any(|got| {
            s(e, "code").is_none_or(|c| got.code.code() == c)
                && s(e, "message").is_none_or(|m| got.message.contains(m))
                && location_has(&got.ctx, s(e, "item_type"), s(e, "item_name"))
                && s(e, "snippet").is_none_or(|sn| got.ctx.snippet(&loader.contents).contains(sn))
        });
        if !found {
            fail(format!("expected error {e:?} not found\n{report}"));
        }
    }
    if case.get("no_warnings").and_then(Node::as_bool) == Some(true) && !warnings.is_empty() {
        fail(format!("expected no warnings\n{report}"));
    }
    for w in case.get("warnings").and_then(Node::seq).unwrap_or(&[]) {
        let found = warnings.iter().any(|got| {
            let snip = got.ctx.snippet(&loader.contents);
            s(w, "code").is_none_or(|c| got.code.code() == c)
                && s(w, "message").is_none_or(|m| got.message.contains(m))
                && s(w, "snippet").is_none_or(|sn| snip.contains(sn))
                && s(w, "no_snippet").is_none_or(|sn| !snip.contains(sn))
        });
        if !found {
            fail(format!("expected warning {w:?} not found\n{report}"));
        }
    }
    let compiled = loader.compiled();
    if let Some(m) = case.get("compiled").and_then(Node::map) {
        for (k, v) in m {
            let (Some(name), Some(want)) = (k.scalar(), v.scalar()) else {
                continue;
            };
            match compiled.and_then(|c| c.rule(name)) {
                Some(r) => {
                    let got = r.condition_compiled();
                    if got != want {
                        fail(format!(
                            "rule {name}: compiled\n  got:  {got}\n  want: {want}"
                        ));
                    }
                }
                None => fail(format!("rule {name} not compiled\n{report}")),
            }
        }
    }
    if let Some(m) = case.get("info").and_then(Node::map) {
        for (k, v) in m {
            let Some(name) = k.scalar() else { continue };
            let Some(r) = compiled.and_then(|c| c.rule(name)) else {
                fail(format!("rule {name} not compiled\n{report}"));
                continue;
            };
            for (fk, fv) in v.map().unwrap_or(&[]) {
                let key = fk.scalar().unwrap_or("");
                let got = match key {
                    "condition" => r.condition.clone(),
                    "output" => r.output.clone(),
                    "desc" => r.description.clone(),
                    "priority" => r.priority.name().to_string(),
                    "enabled" => r.enabled.to_string(),
                    "capture" => r.capture.to_string(),
                    "capture_duration" => r.capture_duration.to_string(),
                    "tags" => format!("{:?}", r.tags.iter().collect::<Vec<_>>()),
                    other => {
                        fail(format!("unknown info key {other}"));
                        continue;
                    }
                };
                let want = match (key, fv.seq()) {
                    ("tags", Some(items)) => {
                        let mut v: Vec<&str> = items.iter().filter_map(Node::scalar).collect();
                        v.sort();
                        format!("{v:?}")
                    }
                    _ => fv.scalar().unwrap_or("").to_string(),
                };
                let want = match key {
                    "enabled" | "capture" => fv.as_bool().map(|b| b.to_string()).unwrap_or(want),
                    _ => want,
                };
                if got != want {
                    fail(format!(
                        "rule {name}: info.{key}: got {got:?}, want {want:?}"
                    ));
                }
            }
        }
    }
    if let Some(n) = case.get("enabled").and_then(Node::as_u32) {
        let got = compiled
            .map(|c| c.rules.iter().filter(|r| r.enabled).count())
            .unwrap_or(0);
        if got != n as usize {
            fail(format!("enabled rules: got {got}, want {n}\n{report}"));
        }
    }
    if let Some(c) = case.get("counts") {
        let out = compiled.cloned().unwrap_or_default();
        for (k, got) in [
            ("rules", out.rules.len()),
            ("macros", out.macros.len()),
            ("lists", out.lists.len()),
        ] {
            if let Some(w) = c.get(k).and_then(Node::as_u32) {
                if got != w as usize {
                    fail(format!("{k}: got {got}, want {w}"));
                }
            }
        }
    }
    if let Some(m) = case.get("list_items").and_then(Node::map) {
        for (k, v) in m {
            let name = k.scalar().unwrap_or("");
            let want: Vec<&str> = v
                .seq()
                .unwrap_or(&[])
                .iter()
                .filter_map(Node::scalar)
                .collect();
            let got: Vec<String> = compiled
                .and_then(|c| c.lists.iter().find(|l| l.name == name))
                .map(|l| l.items.clone())
                .unwrap_or_default();
            if got != want {
                fail(format!("list {name}: got {got:?}, want {want:?}"));
            }
        }
    }
    true
}

#[test]
fn falco_conformance_sections_a_c_h() {
    let text =
        std::fs::read_to_string(data_dir().join("expectations.yaml")).expect("expectations.yaml");
    let docs = parse_documents(&text).expect("expectations parse");
    let cases = docs
        .first()
        .and_then(Node::seq)
        .expect("a sequence of cases");
    let mut failures = Vec::new();
    let mut run = 0;
    let mut ids = std::collections::BTreeSet::new();
    for c in cases {
        ids.insert(s(c, "case").unwrap_or("?").to_string());
        if check_case(c, &mut failures) {
            run += 1;
        }
    }
    // Every case file has an expectation and vice versa.
    for e in std::fs::read_dir(data_dir().join("cases"))
        .expect("cases dir")
        .flatten()
    {
        let name = e
            .file_name()
            .to_string_lossy()
            .trim_end_matches(".yaml")
            .to_string();
        if !ids.contains(&name) {
            failures.push(format!("{name}: case file without expectation"));
        }
    }
    eprintln!("{run} cases run, {} skipped", cases.len() - run);
    assert!(run >= 100, "too few cases ran: {run}");
    assert!(
        failures.is_empty(),
        "{} failures:\n\n{}",
        failures.len(),
        failures.join("\n\n")
    );
}
