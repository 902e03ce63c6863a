//! The three renderings of load results (verbose text, summary, `falco_load_results`
//! JSON), multi-file loading (later files override earlier ones, one collector), file read
//! errors, and alerts built from a compiled rule.

use engine::fields::Registry;
use engine::rules::result::load_results_json;
use engine::rules::Loader;

const H14: &str = "---
- rule: some rule
  desc: some desc
  condition: evt.type = open
  output: some output
  priority: INFO
---
- rule: some rule
  desc: some desc
  condition: bar
  output: some output
  priority: INFO
  append: false
";

#[test]
fn verbose_summary_and_json_layouts() {
    let reg = Registry;
    let mut l = Loader::new(&reg);
    let r = l.load("h14.yaml", H14);
    assert!(!r.successful());
    let want = "h14.yaml: Invalid
1 Errors:
In rules content: (h14.yaml:0:0)
    rule 'some rule': (h14.yaml:7:2)
    condition expression: (\"bar\":8:3)
------
bar
  ^
------
LOAD_ERR_VALIDATE (Error validating rule/macro/list/exception objects): Undefined macro 'bar' used in filter.
";
    assert_eq!(r.verbose_text(&l.contents), want);
    assert_eq!(
        r.summary_text(),
        "h14.yaml: Invalid\n 1 errors: [LOAD_ERR_VALIDATE (Error validating rule/macro/list/exception objects)]"
    );
    let j = load_results_json(std::slice::from_ref(&r), &l.contents);
    let e = &j["falco_load_results"][0];
    assert_eq!(e["name"], "h14.yaml");
    assert_eq!(e["successful"], false);
    assert_eq!(e["schema_valid"], true);
    assert_eq!(e["schema_warnings"].as_array().map(Vec::len), Some(0));
    assert_eq!(e["warnings"].as_array().map(Vec::len), Some(0));
    let err = &e["errors"][0];
    assert_eq!(err["code"], "LOAD_ERR_VALIDATE");
    assert_eq!(
        err["codedesc"],
        "Error validating rule/macro/list/exception objects"
    );
    assert_eq!(err["message"], "Undefined macro 'bar' used in filter.");
    let locs = err["context"]["locations"].as_array().expect("locations");
    assert_eq!(locs.len(), 3);
    assert_eq!(locs[1]["item_type"], "rule");
    assert_eq!(locs[1]["item_name"], "some rule");
    assert_eq!(locs[1]["position"]["line"], 7);
    assert_eq!(locs[1]["position"]["column"], 2);
    assert_eq!(
        locs[1]["position"]["offset"],
        H14.find("- rule: some rule\n  desc: some desc\n  condition: bar")
            .map(|o| o + 2)
            .expect("offset")
    );
    assert_eq!(locs[2]["item_type"], "condition expression");
    assert_eq!(locs[2]["position"]["name"], "\"bar\"");
    assert_eq!(err["context"]["snippet"], "bar\n  ^\n");
}

#[test]
fn warnings_layout_and_deprecated_field_key() {
    let reg = Registry;
    let mut l = Loader::new(&reg);
    let text = "- rule: r\n  desc: d\n  condition: evt.type = close\n  output: dir=%evt.dir\n  priority: INFO\n";
    let r = l.load("w.yaml", text);
    assert!(r.successful());
    let v = r.verbose_text(&l.contents);
    assert!(v.starts_with("w.yaml: Ok, with warnings\n1 Warnings:\nIn rules content: (w.yaml:0:0)\n    rule 'r': (w.yaml:0:2)\n    rule output: (w.yaml:3:10)\n------\n  output: dir=%evt.dir\n          ^\n------\nLOAD_DEPRECATED_ITEM (Used deprecated item: field 'evt.dir'): usage of deprecated field 'evt.dir' has been detected in the rule output\n"), "{v}");
    let j = load_results_json(std::slice::from_ref(&r), &l.contents);
    let w = &j["falco_load_results"][0]["warnings"][0];
    assert_eq!(w["code"], "LOAD_DEPRECATED_ITEM");
    assert_eq!(w["deprecated_field"], "evt.dir");
    assert_eq!(r.summary_text(), "w.yaml: Ok, with warnings\n 1 warnings: [LOAD_DEPRECATED_ITEM (Used deprecated item: field 'evt.dir')]");
}

#[test]
fn several_files_one_collector() {
    let reg = Registry;
    let mut l = Loader::new(&reg);
    let a = "- list: bins\n  items: [cat]\n- macro: opens\n  condition: evt.type in (open, openat)\n- rule: r1\n  desc: d\n  condition: opens and proc.name in (bins)\n  output: o %proc.name\n  priority: WARNING\n";
    let b = "- list: bins\n  items: [tac]\n  override:\n    items: append\n- macro: opens\n  condition: or evt.type = openat2\n  override:\n    condition: append\n- rule: r1\n  enabled: false\n  override:\n    enabled: replace\n";
    let ra = l.load("a.yaml", a);
    assert!(
        ra.successful() && ra.warnings.is_empty(),
        "{}",
        ra.verbose_text(&l.contents)
    );
    let rb = l.load("b.yaml", b);
    assert!(
        rb.successful() && rb.warnings.is_empty(),
        "{}",
        rb.verbose_text(&l.contents)
    );
    let out = l.compiled().expect("compiled");
    let r = out.rule("r1").expect("r1");
    assert_eq!(
        r.condition_compiled(),
        "((evt.type in (open, openat) or evt.type = openat2) and proc.name in (cat, tac))"
    );
    assert!(!r.enabled);
    assert_eq!(
        r.output_compiled,
        "o %proc.name container_id=%container.id container_name=%container.name"
    );

    // A third file with an error leaves the last good compilation in place.
    let rc = l.load("c.yaml", "- rule: r1\n  condition: and\n  append: true\n");
    assert!(!rc.successful());
    assert_eq!(rc.errors[0].code.code(), "LOAD_ERR_COMPILE_CONDITION");
    assert!(l.compiled().and_then(|c| c.rule("r1")).is_some());
}

#[test]
fn file_read_error() {
    let reg = Registry;
    let mut l = Loader::new(&reg);
    let r = l.load_file(std::path::Path::new("/nonexistent/rules.yaml"));
    assert_eq!(r.errors.len(), 1);
    assert_eq!(r.errors[0].code.code(), "LOAD_ERR_FILE_READ");
    assert!(r
        .verbose_text(&l.contents)
        .contains("<No context for file + /nonexistent/rules.yaml>"));
}

#[test]
fn plugin_requirements() {
    let reg = Registry;
    let mut l = Loader::new(&reg);
    let r = l.load(
        "p.yaml",
        "- required_plugin_versions:\n  - name: container\n    version: 0.4.0\n  - name: k8saudit\n    version: 0.1.0\n    alternatives:\n      - name: k8saudit-eks\n        version: 0.1.0\n  - name: container\n    version: 1.0.0\n",
    );
    assert!(r.successful(), "{}", r.verbose_text(&l.contents));
    assert_eq!(
        l.check_plugin_requirements(),
        vec![
            "Plugin requirement not satisfied, must load one of: k8saudit (>= 0.1.0), k8saudit-eks (>= 0.1.0)".to_string(),
            "Plugin 'container' version '0.7.1' is not compatible with required plugin version '1.0.0'".to_string(),
        ]
    );
}

#[test]
fn syscall_mask_for_generic_and_negated_rules() {
    use engine::rules::ruleset::{RuleMatching, RuleSet};
    use engine::rules::Priority;
    use scap_abi::syscall;
    // A syscall the driver reports with the generic events and that has no dedicated
    // event in the newer table either.
    let generic: Vec<(u32, &str)> = (0..syscall::TABLE_SIZE as u32)
        .filter_map(|nr| syscall::info(nr).map(|s| (nr, s)))
        .filter(|(_, s)| s.is_defined() && s.is_generic() && s.ppm_sc != 0)
        .filter(|(_, s)| {
            engine_filter::event_ids_for_name(s.event_type_name())
                .is_some_and(|ids| ids.iter().all(|c| c <= 1))
        })
        .map(|(nr, s)| (nr, s.event_type_name()))
        .collect();
    assert!(generic.len() > 10);
    let (nr0, name0) = generic[0];
    let reg = Registry;
    let rules = |cond: &str| {
        format!("- rule: r\n  desc: d\n  condition: {cond}\n  output: o\n  priority: INFO\n  warn_evttypes: false\n")
    };
    let mask_of = |cond: &str| {
        let mut l = Loader::new(&reg);
        let r = l.load("m.yaml", &rules(cond));
        assert!(r.successful(), "{}", r.verbose_text(&l.contents));
        let set = RuleSet::new(
            l.compiled().expect("compiled"),
            Priority::Debug,
            &[],
            RuleMatching::First,
        );
        syscall::mask_iter(&set.needed_syscalls()).collect::<Vec<u32>>()
    };
    // Positive: only that syscall.
    assert_eq!(
        mask_of(&format!("evt.type = {name0} and proc.name = x")),
        vec![nr0]
    );
    // Negated: every generic syscall (and the dedicated ones except open).
    let neg = mask_of("evt.type != open");
    assert!(generic.iter().all(|(nr, _)| neg.contains(nr)));
    let open_nr = syscall::nr_by_name("open").expect("open");
    assert!(!neg.contains(&open_nr));
    assert!(neg.contains(&syscall::nr_by_name("openat").expect("openat")));
}

#[test]
fn hostile_macro_expansions_fail_cleanly() {
    let reg = Registry;
    // Exponential: each macro uses the previous one twice.
    let mut text = String::from("- macro: m0\n  condition: evt.type = open\n");
    for i in 1..40 {
        text.push_str(&format!(
            "- macro: m{i}\n  condition: m{} and m{}\n",
            i - 1,
            i - 1
        ));
    }
    text.push_str("- rule: r\n  desc: d\n  condition: m39\n  output: o\n  priority: INFO\n");
    let mut l = Loader::new(&reg);
    let r = l.load("exp.yaml", &text);
    assert!(!r.successful());
    assert_eq!(r.errors[0].code.code(), "LOAD_ERR_VALIDATE");
    assert!(
        r.errors[0].message.contains("is too large"),
        "{}",
        r.errors[0].message
    );

    // Deep: a chain of negations through 1100 macros.
    let mut text = String::from("- macro: d0\n  condition: evt.type = open\n");
    for i in 1..1100 {
        text.push_str(&format!("- macro: d{i}\n  condition: not d{}\n", i - 1));
    }
    let mut l = Loader::new(&reg);
    let r = l.load("deep.yaml", &text);
    assert!(!r.successful());
    assert!(
        r.errors[0].message.contains("is too large"),
        "{}",
        r.errors[0].message
    );
}

#[test]
fn macro_loop_is_reported_before_an_earlier_undefined_macro() {
    let reg = Registry;
    // `a` is redefined after `b`, so each sees the other: a -> b -> a. The undefined `nope`
    // comes first in a's text, but Falco reports the loop.
    let text = "- macro: a
  condition: evt.type = open
- macro: b
  condition: a and proc.name = x
- macro: a
  condition: nope or b
- rule: r
  desc: d
  condition: a
  output: o
  priority: INFO
";
    let mut l = Loader::new(&reg);
    let r = l.load("loop.yaml", text);
    assert!(!r.successful());
    assert_eq!(r.errors[0].code.code(), "LOAD_ERR_VALIDATE");
    // Compiling a's body: b -> a -> b, the loop is met at the second b.
    assert_eq!(r.errors[0].message, "reference loop in macro 'b'");

    // Without the loop, the undefined macro is reported.
    let text = text.replace("- macro: b\n  condition: a and", "- macro: b\n  condition:");
    let mut l = Loader::new(&reg);
    let r = l.load("undef.yaml", &text);
    assert!(!r.successful());
    assert_eq!(
        r.errors[0].message,
        "Undefined macro 'nope' used in filter."
    );
}

#[test]
fn list_names_are_substituted_with_falcos_search_positions() {
    let reg = Registry;
    // Lists in `in (...)` (an empty one eating a comma) and right after `=` are
    // substituted and count as used (no LOAD_UNUSED_LIST); the compiled condition shows
    // the items.
    let text = "- list: names
  items: [cat, \"a b\"]
- list: empty
  items: []
- list: one
  items: [bash]
- rule: r
  desc: d
  condition: evt.type = open and (proc.name in (empty, names) or proc.pname=one)
  output: o
  priority: INFO
";
    let mut l = Loader::new(&reg);
    let r = l.load("lists.yaml", text);
    assert!(r.successful(), "{}", r.verbose_text(&l.contents));
    assert!(
        r.warnings
            .iter()
            .all(|w| w.code.code() != "LOAD_UNUSED_LIST"),
        "{}",
        r.verbose_text(&l.contents)
    );
    let out = l.compiled().expect("compiled");
    assert_eq!(
        out.rule("r").expect("rule r").condition_compiled(),
        "(evt.type = open and (proc.name in (cat, \"a b\") or proc.pname = bash))"
    );
}
