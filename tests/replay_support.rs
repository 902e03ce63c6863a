// Shared by the tests/replay_*.rs suites (included with #[path]): locating (and building)
// the replay binary, running it, and reading JSON alerts.

#![allow(dead_code)]

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::OnceLock;

/// The workspace root.
pub(crate) fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("workspace root")
        .to_path_buf()
}

/// The `replay` binary of the same profile as this test, built once per test process.
pub(crate) fn replay_bin() -> PathBuf {
    static BIN: OnceLock<PathBuf> = OnceLock::new();
    BIN.get_or_init(|| {
        let exe = std::env::current_exe().expect("test executable");
        // target/<profile>/deps/<test> -> target/<profile>
        let profile_dir = exe
            .parent()
            .and_then(Path::parent)
            .expect("target profile dir")
            .to_path_buf();
        let release = profile_dir.file_name().is_some_and(|n| n == "release");
        let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
        let mut c = Command::new(cargo);
        c.current_dir(root())
            .args(["build", "-q", "-p", "replay", "--bins"]);
        if release {
            c.arg("--release");
        }
        if let Some(t) = profile_dir.parent() {
            c.env("CARGO_TARGET_DIR", t);
        }
        let st = c.status().expect("cargo build -p replay");
        assert!(st.success(), "cargo build -p replay failed");
        let bin = profile_dir.join("replay");
        assert!(bin.exists(), "{} missing", bin.display());
        bin
    })
    .clone()
}

/// A fresh temporary directory for one test.
pub(crate) fn tmpdir(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("harrier-replay-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).expect("tmpdir");
    d
}

/// Run replay with arguments.
pub(crate) fn replay(args: &[&str]) -> Output {
    Command::new(replay_bin())
        .args(args)
        .current_dir(root())
        .output()
        .expect("run replay")
}

/// Every stdout line that is a JSON object, parsed (panics on invalid JSON).
pub(crate) fn json_alerts(out: &Output) -> Vec<serde_json::Value> {
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter(|l| l.starts_with('{'))
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("invalid JSON alert {l}: {e}")))
        .collect()
}

/// Alerts per rule name.
pub(crate) fn count_by_rule(alerts: &[serde_json::Value]) -> BTreeMap<String, u64> {
    let mut m = BTreeMap::new();
    for a in alerts {
        let r = a["rule"].as_str().expect("rule key").to_string();
        *m.entry(r).or_insert(0) += 1;
    }
    m
}

/// stderr as text.
pub(crate) fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}
