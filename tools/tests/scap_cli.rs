//! End-to-end tests of the `scap` binary: info, cat, convert (through zstd and back to a
//! file sysdig 0.29.3 reads identically), and errors on damaged input.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn scap(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_scap"))
        .args(args)
        .output()
        .expect("run scap")
}

fn sample(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../tests/fixtures/scap")
        .join(name)
}

fn scratch(name: &str) -> PathBuf {
    let d = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../target/test-scratch")
        .join(name);
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

#[test]
fn info_summarises_a_capture() {
    let f = sample("libs_e2e_curl_google_comments.scap");
    let o = scap(&["info", s(&f)]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let out = String::from_utf8_lossy(&o.stdout);
    for want in [
        "gzip",
        "version 1.0, 88 option bytes",
        "1536",
        "PL_V5",
        "0x211",
        "procinfo",
        "threads",
    ] {
        assert!(out.contains(want), "missing {want:?} in:\n{out}");
    }
}

#[test]
fn cat_prints_one_line_per_event() {
    let f = sample("libs_e2e_single_ipv6_conn.scap");
    let o = scap(&["cat", s(&f)]);
    assert!(o.status.success());
    let out = String::from_utf8_lossy(&o.stdout);
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines.len(), 1728);
    // Event 851: bind exit on an IPv6 address.
    let l = lines[850];
    assert!(
        l.starts_with("851 ") && l.contains(" < bind ") && l.contains("res=0"),
        "{l}"
    );
    let o = scap(&["cat", "-n", "5", s(&f)]);
    assert_eq!(String::from_utf8_lossy(&o.stdout).lines().count(), 5);
}

#[test]
fn convert_to_zstd_and_back_reads_identically_in_sysdig() {
    let d = scratch("scap_cli_convert");
    let f = sample("libs_e2e_test_ipv6_client.scap");
    let zst = d.join("c.scap.zst");
    let plain = d.join("c.scap");
    let gz = d.join("c.scap.gz");
    assert!(scap(&["convert", s(&f), s(&zst)]).status.success());
    assert_eq!(
        &std::fs::read(&zst).unwrap()[..4],
        &[0x28, 0xb5, 0x2f, 0xfd]
    );
    assert!(scap(&["convert", s(&zst), s(&plain), "--compress", "none"])
        .status
        .success());
    assert!(scap(&["convert", s(&zst), s(&gz), "--compress", "gzip"])
        .status
        .success());
    let fmt = "%evt.num %evt.type %evt.dir %evt.args";
    let run = |p: &Path| {
        let o = Command::new("/usr/bin/sysdig")
            .arg("-r")
            .arg(p)
            .arg("-p")
            .arg(fmt)
            .output()
            .unwrap();
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        o.stdout
    };
    let want = run(&f);
    assert!(!want.is_empty());
    assert_eq!(want, run(&plain));
    assert_eq!(want, run(&gz));
    // --level: a level-19 zstd file is smaller than the level-1 one and reads the same.
    let (z1, z19, back) = (
        d.join("l1.scap.zst"),
        d.join("l19.scap.zst"),
        d.join("l19.scap"),
    );
    assert!(scap(&["convert", s(&f), s(&z1), "--level", "1"])
        .status
        .success());
    assert!(scap(&["convert", s(&f), s(&z19), "--level", "19"])
        .status
        .success());
    let size = |p: &Path| std::fs::metadata(p).unwrap().len();
    assert!(size(&z19) < size(&z1), "{} vs {}", size(&z19), size(&z1));
    assert!(scap(&["convert", s(&z19), s(&back), "--compress", "none"])
        .status
        .success());
    assert_eq!(want, run(&back));
    // Out-of-range levels are refused with a message.
    let o = scap(&[
        "convert",
        s(&f),
        s(&gz),
        "--compress",
        "gzip",
        "--level",
        "12",
    ]);
    assert_eq!(o.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&o.stderr).contains("gzip levels are 0-9"));
    let o = scap(&["convert", s(&f), s(&z1), "--level", "23"]);
    assert_eq!(o.status.code(), Some(2));
}

#[test]
fn damaged_input_is_reported_with_where_and_no_panic() {
    let d = scratch("scap_cli_damage");
    // A plain copy cut in the middle of an event block.
    let o = scap(&[
        "convert",
        s(&sample("libs_e2e_single_ipv6_conn.scap")),
        s(&d.join("p.scap")),
        "--compress",
        "none",
    ]);
    assert!(o.status.success());
    let bytes = std::fs::read(d.join("p.scap")).unwrap();
    let cut = d.join("cut.scap");
    std::fs::write(&cut, &bytes[..bytes.len() - 30]).unwrap();
    for cmd in ["cat", "info"] {
        let o = scap(&[cmd, s(&cut)]);
        assert_eq!(o.status.code(), Some(1), "{cmd}");
        let err = String::from_utf8_lossy(&o.stderr);
        assert!(!err.contains("panicked"), "{err}");
        assert!(
            err.contains("cut.scap")
                && err.contains("byte offset")
                && err.contains("block")
                && err.contains("event 1728"),
            "{err}"
        );
        assert!(err.contains("truncated"), "{err}");
    }
    // Every whole event before the damage was printed.
    let o = scap(&["cat", s(&cut)]);
    assert_eq!(String::from_utf8_lossy(&o.stdout).lines().count(), 1727);
    // Not a capture at all, and a missing file.
    let junk = d.join("junk.scap");
    std::fs::write(&junk, b"hello world, this is not a capture").unwrap();
    let o = scap(&["info", s(&junk)]);
    assert_eq!(o.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&o.stderr).contains("not a scap capture"));
    let o = scap(&["cat", s(&d.join("missing.scap"))]);
    assert_eq!(o.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&o.stderr).contains("missing.scap"));
}

/// Generic events (types 0 and 1) print the name of the syscall they carry, as sysdig does,
/// and their parameters as `name=value` from the schema: the syscall id and the native
/// number on the enter, the id on the exit.
#[test]
fn cat_prints_generic_event_parameters() {
    use scapfile::event::EventBuilder;
    use scapfile::file::{CaptureWriter, Compression, WriterOptions};
    let d = scratch("cat-generic");
    let f = d.join("generic.scap");
    let opts = WriterOptions {
        compression: Compression::None,
        flush_interval: None,
        level: None,
    };
    let mut w = CaptureWriter::create(&f, opts).unwrap();
    let mut rec = Vec::new();
    for b in [
        EventBuilder::new(1_000, 7, 0).u16(42).u16(272),
        EventBuilder::new(2_000, 7, 1).u16(42),
    ] {
        rec.clear();
        b.build_into(&mut rec).unwrap();
        w.event(&rec, 0, 0).unwrap();
    }
    w.finish().unwrap();
    let name = |ty: u16, i: usize| scap_abi::event::info(ty).unwrap().params[i].name;
    let o = scap(&["cat", s(&f)]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let out = String::from_utf8_lossy(&o.stdout);
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines.len(), 2, "{out}");
    let (id, native) = (name(0, 0), name(0, 1));
    let sc = scap_abi::event::ppm_sc_name(42).unwrap();
    assert!(
        lines[0].ends_with(&format!("> {sc} {id}=42 {native}=272")),
        "{}",
        lines[0]
    );
    assert!(
        lines[1].ends_with(&format!("< {sc} {}=42", name(1, 0))),
        "{}",
        lines[1]
    );
}
