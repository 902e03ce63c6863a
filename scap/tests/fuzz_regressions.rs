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

/// A 94-byte zstd frame whose header asks for a 2 GiB window (found by the reader's fuzz
/// target as an out-of-memory): refused with zstd's memory error before any allocation of
/// that size, instead of allocating it and failing later on the garbage that follows.
#[test]
fn zstd_frame_with_a_huge_window_is_refused() {
    let f = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fuzz-regressions/reader/oom-zstd-2gib-window");
    let data = std::fs::read(f).unwrap();
    let mut r = scap::file::CaptureReader::from_bytes(data);
    let err = r.next_record().expect_err("the frame is refused");
    let msg = err.to_string();
    assert!(msg.contains("memory"), "{msg}");
    assert_eq!(err.offset, 0, "{msg}");
}
