//! Our writer round-trips real captures: a sample read by our reader and rewritten by our
//! writer (plain and gzip) prints exactly the same `%evt.num %evt.type %evt.dir %evt.args`
//! lines in sysdig 0.29.3 as the original; zstd output (which sysdig 0.29.3 cannot read)
//! round-trips through our reader event for event, and back to plain for sysdig.

use std::path::Path;

use harrier_integration::*;
use scap::file::{CaptureReader, CaptureWriter, Compression, Record, WriterOptions};

const FMT: &str = "%evt.num %evt.type %evt.dir %evt.args";

fn rewrite(input: &Path, output: &Path, compression: Compression) -> u64 {
    let mut r = CaptureReader::open(input).unwrap();
    let opts = WriterOptions {
        compression,
        ..Default::default()
    };
    let mut w = CaptureWriter::create(output, opts).unwrap();
    let n = w.copy_from(&mut r).unwrap();
    w.finish().unwrap();
    n
}

/// (cpuid, flags, record bytes) of every event.
fn events(path: &Path) -> Vec<(u16, u32, Vec<u8>)> {
    let mut r = CaptureReader::open(path).unwrap();
    let mut v = Vec::new();
    while let Some(rec) = r.next_record().unwrap() {
        if let Record::Event(e) = rec {
            v.push((e.cpuid, e.flags, e.as_bytes().to_vec()));
        }
    }
    v
}

#[test]
fn rewritten_samples_print_identically_in_sysdig() {
    let dir = scratch_dir("scap_roundtrip");
    for path in scap_samples() {
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        if name == SAMPLE_SYSDIG_REJECTS {
            continue;
        }
        let (ok, want, err) = sysdig_print(&path, FMT, None);
        assert!(ok, "{name}: {err}");
        assert!(!want.is_empty(), "{name}");
        for (c, ext) in [(Compression::None, "scap"), (Compression::Gzip, "scap.gz")] {
            let out = dir.join(format!("{name}.{ext}"));
            let n = rewrite(&path, &out, c);
            assert_eq!(n as usize, events(&path).len(), "{name}");
            let head = std::fs::read(&out).unwrap();
            assert_eq!(CaptureReader::open(&out).unwrap().compression(), c);
            if c == Compression::None {
                // SHB 1.2, exactly 28 bytes.
                assert_eq!(&head[..8], b"\x0a\x0d\x0d\x0a\x1c\0\0\0");
            }
            let (ok, got, err) = sysdig_print(&out, FMT, None);
            assert!(ok, "{name} {c}: sysdig failed on our file: {err}");
            assert_eq!(want.len(), got.len(), "{name} {c}: line counts");
            for (i, (a, b)) in want.iter().zip(&got).enumerate() {
                assert_eq!(a, b, "{name} {c}: line {i}");
            }
        }
    }
}

#[test]
fn zstd_round_trips_through_our_reader_and_back_to_sysdig() {
    let dir = scratch_dir("scap_roundtrip_zstd");
    for path in scap_samples() {
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        let zst = dir.join(format!("{name}.zst"));
        rewrite(&path, &zst, Compression::Zstd);
        assert_eq!(
            &std::fs::read(&zst).unwrap()[..4],
            &[0x28, 0xb5, 0x2f, 0xfd]
        );
        assert_eq!(events(&path), events(&zst), "{name}");
        if name == SAMPLE_SYSDIG_REJECTS {
            // Our rewrite drops the SHB options, so sysdig now reads it.
            let plain = dir.join(format!("{name}.plain"));
            rewrite(&zst, &plain, Compression::None);
            let (ok, got, err) = sysdig_print(&plain, FMT, None);
            assert!(ok, "{err}");
            let (_, want, _) = sysdig_print(&scap_sample("libs_e2e_curl_google.scap"), FMT, None);
            assert_eq!(want, got);
            continue;
        }
        let plain = dir.join(format!("{name}.plain"));
        rewrite(&zst, &plain, Compression::None);
        let (_, want, _) = sysdig_print(&path, FMT, None);
        let (ok, got, err) = sysdig_print(&plain, FMT, None);
        assert!(ok, "{err}");
        assert_eq!(want, got, "{name}");
    }
}
