//! Helpers shared by the integration tests (fixture paths, locating sysdig and our binaries).

use std::path::{Path, PathBuf};
use std::process::Command;

/// The workspace root.
pub fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("workspace root")
        .to_path_buf()
}

/// Directory of the real libscap capture samples: `tests/fixtures/scap` (checked in),
/// falling back to the shared `../shared/scap-samples`.
pub fn scap_samples_dir() -> PathBuf {
    let local = workspace_root().join("tests/fixtures/scap");
    if local.join("libs_sinsp_test_sample.scap").exists() {
        return local;
    }
    workspace_root().join("../shared/scap-samples")
}

/// Every `*.scap` sample, sorted by name.
pub fn scap_samples() -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(scap_samples_dir())
        .expect("scap samples directory")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "scap"))
        .collect();
    v.sort();
    v
}

/// One sample by file name.
pub fn scap_sample(name: &str) -> PathBuf {
    scap_samples_dir().join(name)
}

/// The sample sysdig 0.29.3 rejects (SHB options).
pub const SAMPLE_SYSDIG_REJECTS: &str = "libs_e2e_curl_google_comments.scap";

/// Path of the reference sysdig (0.29.3 from Debian); fails loudly when missing, since
/// the differential tests need the real thing.
pub fn sysdig() -> PathBuf {
    let p = PathBuf::from(std::env::var_os("SYSDIG").unwrap_or_else(|| "/usr/bin/sysdig".into()));
    assert!(
        p.exists(),
        "sysdig not found at {} (apt-get install -y sysdig)",
        p.display()
    );
    p
}

/// Runs `sysdig -r FILE -p FORMAT [FILTER]`; returns (exit ok, stdout lines, stderr).
pub fn sysdig_print(
    file: &Path,
    format: &str,
    filter: Option<&str>,
) -> (bool, Vec<String>, String) {
    let mut c = Command::new(sysdig());
    c.arg("-r").arg(file).arg("-p").arg(format);
    if let Some(f) = filter {
        c.arg(f);
    }
    let out = c.output().expect("run sysdig");
    let stdout = String::from_utf8_lossy(&out.stdout);
    (
        out.status.success(),
        stdout.lines().map(str::to_owned).collect(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// A fresh scratch directory under the target directory.
pub fn scratch_dir(name: &str) -> PathBuf {
    let d = workspace_root().join("target/test-scratch").join(name);
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).expect("scratch dir");
    d
}

/// Path of a binary of this workspace built by cargo for the tests (`CARGO_BIN_EXE_*` is
/// only set for the package's own bins, so look next to the test executable).
pub fn workspace_bin(name: &str) -> PathBuf {
    let exe = std::env::current_exe().expect("current exe");
    let dir = exe.parent().and_then(|d| d.parent()).expect("target dir");
    dir.join(name)
}
