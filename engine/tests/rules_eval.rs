//! End to end through the loader: rules compiled by `engine::rules`, indexed by event type
//! in a `RuleSet`, evaluated on the exit events of a real capture (libs' curl_google.scap)
//! with the real state and fields, and alerts rendered by `engine::output` — compared
//! with Debian's sysdig 0.29.3 evaluating the same conditions (`and evt.dir=<`) and
//! printing the same fields.

use engine::fields::{Ctx, Registry};
use engine::output::{make_alert, AlertOptions};
use engine::rules::ruleset::{RuleMatching, RuleSet};
use engine::rules::{Loader, Priority};
use engine::state::capture::Capture;
use engine::state::State;
use engine_filter::{Scratch, Values};
use std::collections::BTreeMap;
use std::process::Command;

const CAPTURE: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../shared/scap-samples/libs_e2e_curl_google.scap"
);

/// (rule name, condition); every rule prints `%evt.num %proc.name %fd.name`.
const RULES: &[(&str, &str)] = &[
    (
        "etc_opens",
        "evt.type in (open, openat, openat2) and fd.name startswith /etc",
    ),
    ("tcp_connect", "evt.type = connect and fd.l4proto = tcp"),
    ("execs", "evt.type = execve"),
    (
        "curl_non_lib_opens",
        "evt.type in (open,openat) and proc.name = curl and not fd.name contains lib",
    ),
    (
        "reads_writes",
        "evt.type in (read, write) and fd.num >= 0 and not fd.typechar = f",
    ),
];

const OUT: &str = "%evt.num %proc.name %fd.name";

fn rules_yaml() -> String {
    let mut s = String::new();
    for (name, cond) in RULES {
        s.push_str(&format!(
            "- rule: {name}\n  desc: d\n  condition: {cond}\n  output: \"{OUT}\"\n  priority: WARNING\n"
        ));
    }
    s
}

fn sysdig_lines(cond: &str) -> Vec<String> {
    let out = Command::new("sysdig")
        .args([
            "-r",
            CAPTURE,
            "-p",
            &format!("*{OUT} container_id=%container.id container_name=%container.name"),
            &format!("({cond}) and evt.dir=<"),
        ])
        .output()
        .expect("sysdig 0.29.3 must be installed (apt-get install sysdig)");
    assert!(
        out.status.success(),
        "sysdig failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(str::to_string)
        .collect()
}

#[test]
fn ruleset_matches_sysdig_on_exit_events() {
    let reg = Registry;
    let mut loader = Loader::new(&reg);
    let res = loader.load("eval.yaml", &rules_yaml());
    assert!(
        res.successful() && res.warnings.is_empty(),
        "{}",
        res.verbose_text(&loader.contents)
    );
    let set = RuleSet::new(
        loader.compiled().expect("compiled"),
        Priority::Debug,
        &[],
        RuleMatching::All,
    );

    let mut ours: BTreeMap<String, Vec<String>> = BTreeMap::new();
    let opts = AlertOptions {
        hostname: "h".into(),
        ..AlertOptions::default()
    };
    let mut st = State::new();
    let mut cap = Capture::open(CAPTURE).expect("open capture");
    cap.load_metadata(&mut st).expect("metadata");
    let mut scratch = Scratch::new();
    let mut vals = Values::new();
    let mut exits = 0u64;
    while let Some(e) = cap.next(&mut st).expect("event") {
        st.process(&e);
        // Only exit events reach the rules (odd event codes are the exit halves).
        if e.ty % 2 == 1 {
            exits += 1;
            let mut ctx = Ctx::new(&st, &e);
            let mut matched = Vec::new();
            set.evaluate(e.ty, &mut ctx, &mut scratch, |r| matched.push(r.clone()));
            for r in matched {
                let mut ctx = Ctx::new(&st, &e);
                let a = make_alert(&r, e.ts, &mut ctx, &mut vals, &opts);
                let j = a.json(&opts);
                assert_eq!(j["rule"], r.name.as_str());
                assert_eq!(j["priority"], "Warning");
                assert!(j["output_fields"]["evt.time"].is_u64());
                ours.entry(r.name.clone())
                    .or_default()
                    .push(a.message.clone());
            }
        }
        st.end_event(&e);
    }
    assert!(exits > 500, "only {exits} exit events");
    for (name, cond) in RULES {
        let want = sysdig_lines(cond);
        let got = ours.remove(*name).unwrap_or_default();
        assert!(
            !want.is_empty(),
            "rule {name}: sysdig matched nothing, the case proves nothing"
        );
        assert_eq!(got, want, "rule {name}: alerts differ from sysdig");
    }
}
