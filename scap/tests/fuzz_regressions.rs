//! Replays the fuzz regression inputs (`scap/tests/fuzz-regressions/{reader,event}/*`:
//! crash inputs of `cargo fuzz run scap_reader|scap_event`, kept after their fix, and small
//! coverage-rich inputs from the fuzzers' corpora) and the real samples through the same
//! entry points the fuzz targets use. Must never panic. This also makes the targets'
//! code paths runnable without nightly.

use std::path::Path;

fn files(dir: &Path) -> Vec<std::path::PathBuf> {
    let mut v: Vec<_> = std::fs::read_dir(dir)
        .map(|d| {
            d.filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|p| p.is_file())
                .collect()
        })
        .unwrap_or_default();
    v.sort();
    v
}

#[test]
fn replay_reader_regressions() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fuzz-regressions/reader");
    for f in files(&dir) {
        let data = std::fs::read(&f).unwrap();
        scap::fuzz::read_capture(&data);
    }
}

#[test]
fn replay_event_regressions() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fuzz-regressions/event");
    for f in files(&dir) {
        let data = std::fs::read(&f).unwrap();
        scap::fuzz::decode_event(&data);
    }
}

#[test]
fn samples_through_the_fuzz_entry_points() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/fixtures/scap");
    let samples = files(&dir);
    assert!(samples.len() >= 5);
    for f in samples
        .iter()
        .filter(|p| p.extension().is_some_and(|e| e == "scap"))
    {
        let data = std::fs::read(f).unwrap();
        assert!(scap::fuzz::read_capture(&data) > 100, "{}", f.display());
    }
}
