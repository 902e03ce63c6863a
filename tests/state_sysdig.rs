//! Differential test of the state engine and field extractors against the real sysdig
//! 0.29.3: for every shared sample and for synthetic captures exercising every state
//! transition, our dump (`engine::fields::dump`, what `replay FILE -p FORMAT [FILTER]`
//! prints) equals `sysdig -r FILE -p FORMAT [FILTER]` line for line.
//!
//! Known sysdig 0.29.3 defects (checked explicitly, not skipped):
//! * `execveat` with a relative path crashes sysdig 0.29.3 (SIGSEGV): its execveat exit
//!   parser resolves the dirfd through the stored *enter* event, whose thread pointer is
//!   null. We print the event and resolve `proc.exepath` against the dirfd.
//! * `libs_e2e_curl_google_comments.scap` is rejected by sysdig (SHB options); we read it
//!   and print the same lines as for `libs_e2e_curl_google.scap`.
//! * `group.gid` is read by sysdig as 8 bytes from a 4-byte gid (the next 4 bytes are the
//!   thread's child count): it prints `gid + (nchilds << 32)`. We print the gid; the
//!   formats below leave `group.gid` out and `group_gid_quirk` checks the relation.
//! * `evt.category` of generic events comes from a syscall table we do not carry; left out.
//! * Fields newer than 0.29.3 (`fd.nameraw`, `fs.path.*`, `proc.is_exe_upper_layer`, ...) do
//!   not exist there (sysdig reads `%fd.nameraw` as `%fd.name` + "raw"); covered by unit tests.
//! * `libs_sinsp_test_sample.scap` has the newer (libs >= 0.10) PL_V9 tail; sysdig 0.29.3
//!   reads `loginuid` from the wrong offset and has no `tty` (`-420151296` / `0`), we read
//!   the real values. `user.loginuid` and `proc.tty` are compared on the other files and
//!   checked separately on this one (`new_pl_tail_loginuid`).

use std::path::Path;

use engine::fields::dump::{dump, DumpOptions};
use harrier_integration::{
    scap_sample, scap_samples, scratch_dir, sysdig_print, SAMPLE_SYSDIG_REJECTS,
};

/// The format of the issue.
const MAIN: &str = "%evt.num %evt.type %evt.dir %proc.name %proc.pid %proc.ppid %proc.pname %proc.cmdline %proc.exepath %user.name %fd.num %fd.name %fd.type %fd.typechar %fd.sip %fd.sport %fd.cip %fd.cport %container.id %container.name %container.image";

/// Further fields sysdig 0.29.3 has.
const EXTRA: &str = "%evt.num %thread.tid %proc.exe %proc.args %proc.cwd %proc.sid %proc.vpid %thread.vtid %user.uid %proc.nthreads %proc.nchilds %proc.apid[2] %proc.aname[2] %proc.pcmdline %evt.res %evt.rawres %evt.failed %evt.cpu %fd.directory %fd.filename %fd.l4proto %fd.sockfamily %fd.is_server %fd.connected %fd.lip %fd.rip %fd.lport %fd.rport %proc.vpgid %container.image.repository %container.image.tag %container.type %evt.is_open_read %evt.is_open_write %fd.name_changed %proc.exeline %proc.loginshellid";

/// Fields sysdig misreads on new-layout process lists (see the module comment).
const PL_TAIL: &str = "%evt.num %user.loginuid %proc.tty";

const NEW_PL_TAIL_SAMPLE: &str = "libs_sinsp_test_sample.scap";

const FILTERS: &[&str] = &[
    "evt.type=write",
    "fd.typechar=4",
    "proc.name=cat and evt.dir=<",
    "fd.name contains passwd or evt.type in (open, openat, close)",
    "not evt.type=read",
    "container.id != host",
];

fn ours(file: &Path, format: &str, filter: Option<&str>) -> Vec<String> {
    let mut opts = DumpOptions::new(format);
    opts.filter = filter.map(str::to_owned);
    let mut out = Vec::new();
    let f = file.to_str().expect("utf-8 path");
    dump(&[f], &opts, &mut out).unwrap_or_else(|e| panic!("dump {f}: {e}"));
    String::from_utf8_lossy(&out)
        .lines()
        .map(str::to_owned)
        .collect()
}

/// Compares; on mismatch reports the first differing lines.
fn same(file: &Path, format: &str, filter: Option<&str>) -> Result<usize, String> {
    let (ok, theirs, err) = sysdig_print(file, format, filter);
    if !ok {
        return Err(format!("sysdig failed on {}: {err}", file.display()));
    }
    let mine = ours(file, format, filter);
    if mine == theirs {
        return Ok(mine.len());
    }
    let mut msg = format!(
        "{} [{format}] [{filter:?}]: sysdig {} lines, ours {}\n",
        file.display(),
        theirs.len(),
        mine.len()
    );
    let mut shown = 0;
    for i in 0..mine.len().max(theirs.len()) {
        let (a, b) = (theirs.get(i), mine.get(i));
        if a != b {
            msg += &format!("  sysdig: {a:?}\n  ours:   {b:?}\n");
            shown += 1;
            if shown == 5 {
                break;
            }
        }
    }
    Err(msg)
}

fn check_all(files: &[std::path::PathBuf]) {
    let mut failures = Vec::new();
    let mut lines = 0;
    for f in files {
        let mut formats = vec![format!("*{MAIN}"), MAIN.to_string(), format!("*{EXTRA}")];
        if f.file_name().is_none_or(|n| n != NEW_PL_TAIL_SAMPLE) {
            formats.push(format!("*{PL_TAIL}"));
        }
        for fmt in formats {
            match same(f, &fmt, None) {
                Ok(n) => lines += n,
                Err(e) => failures.push(e),
            }
        }
        for flt in FILTERS {
            match same(f, &format!("*{MAIN}"), Some(flt)) {
                Ok(n) => lines += n,
                Err(e) => failures.push(e),
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} mismatches:\n{}",
        failures.len(),
        failures.join("\n")
    );
    assert!(lines > 0, "nothing compared");
}

/// Parameter rendering over our state (scap::render with engine::fields' resolver).
const ARGS: &str =
    "*%evt.num %evt.type %evt.dir %evt.args | %evt.res | %evt.arg.fd | %evt.arg[0] | %evt.arg.name";

#[test]
fn samples_match_sysdig() {
    let files: Vec<_> = scap_samples()
        .into_iter()
        .filter(|p| p.file_name().is_some_and(|n| n != SAMPLE_SYSDIG_REJECTS))
        .collect();
    assert!(files.len() >= 4, "samples missing");
    check_all(&files);
    let failures: Vec<String> = files
        .iter()
        .filter_map(|f| same(f, ARGS, None).err())
        .collect();
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn transitions_match_sysdig() {
    let dir = scratch_dir("state_sysdig_transitions");
    let f = dir.join("transitions.scap");
    engine::state::synth::transitions(f.to_str().expect("path")).expect("write synthetic capture");
    check_all(std::slice::from_ref(&f));
    // The capture really exercises the transitions: spot-check lines sysdig agreed on.
    let lines = ours(&f, &format!("*{MAIN}"), None).join("\n");
    for needle in [
        " fork < bash 300 100 bash bash -l /bin/bash alice ", // forked child inherits from its parent
        "/home/alice/notes/a.txt file f",                     // openat relative to cwd
        " execve < cat 300 100 bash cat /etc/passwd /bin/cat alice ", // exepath from the enter filename
        "/home/alice/proj/b.txt file f",                              // openat relative to a dirfd
        "/tmp/x.txt file f",                                          // after chdir
        " root ",                                                     // setuid(0)
        "172.17.0.2:41000->93.184.216.34:80 ipv4 4 93.184.216.34 80", // connect
        "2001:db8::9:40404->2001:db8::1:8443 ipv6 6",                 // accept4 v6
        "3f2a1b4c5d6e web nginx:1.25",                                // container event + cgroup id
        "<NA> 777 -1 <NA>",                                           // fake thread
    ] {
        assert!(lines.contains(needle), "missing {needle:?} in\n{lines}");
    }
}

#[test]
fn execveat_crashes_sysdig_but_not_us() {
    let dir = scratch_dir("state_sysdig_execveat");
    let f = dir.join("execveat.scap");
    engine::state::synth::execveat(f.to_str().expect("path")).expect("write");
    let (ok, theirs, _) = sysdig_print(&f, &format!("*{MAIN}"), None);
    let mine = ours(&f, &format!("*{MAIN}"), None);
    assert!(
        !ok,
        "sysdig 0.29.3 no longer crashes on execveat: move this case to the matching tests"
    );
    // Everything sysdig printed before dying matches.
    assert_eq!(&mine[..theirs.len()], &theirs[..]);
    let exec = mine
        .iter()
        .find(|l| l.contains(" execveat < "))
        .expect("execveat exit line");
    assert!(
        exec.contains(" tool 300 100 bash tool --run /home/alice/proj/tool alice "),
        "{exec}"
    );
}

#[test]
fn comments_sample_reads_like_plain_one() {
    let a = ours(
        &scap_sample("libs_e2e_curl_google.scap"),
        &format!("*{MAIN}"),
        None,
    );
    let b = ours(
        &scap_sample(SAMPLE_SYSDIG_REJECTS),
        &format!("*{MAIN}"),
        None,
    );
    assert_eq!(a.len(), 1221);
    assert_eq!(a, b);
}

#[test]
fn group_gid_quirk() {
    // sysdig prints gid + (nchilds << 32); we print the gid.
    let dir = scratch_dir("state_sysdig_gid");
    let f = dir.join("t.scap");
    engine::state::synth::transitions(f.to_str().expect("path")).expect("write");
    let fmt = "*%evt.num %group.gid %proc.nchilds";
    let (ok, theirs, _) = sysdig_print(&f, fmt, None);
    assert!(ok);
    let mine = ours(&f, fmt, None);
    assert_eq!(theirs.len(), mine.len());
    let mut checked = 0;
    for (a, b) in theirs.iter().zip(&mine) {
        let ta: Vec<&str> = a.split(' ').collect();
        let tb: Vec<&str> = b.split(' ').collect();
        assert_eq!(ta[0], tb[0]);
        if let (Ok(sg), Ok(og), Ok(nc)) = (
            ta[1].parse::<u64>(),
            tb[1].parse::<u64>(),
            tb[2].parse::<u64>(),
        ) {
            assert_eq!(sg, og + (nc << 32), "{a} / {b}");
            checked += 1;
        }
    }
    assert!(checked > 100);
}

#[test]
fn new_pl_tail_loginuid() {
    // sysdig 0.29.3 reads loginuid at the old offset of a newer PL_V9 tail; we decode the
    // newer layout (tty, then loginuid).
    let f = scap_sample(NEW_PL_TAIL_SAMPLE);
    let fmt = format!("*{PL_TAIL}");
    let (ok, theirs, _) = sysdig_print(&f, &fmt, None);
    assert!(ok);
    let mine = ours(&f, &fmt, None);
    assert_eq!(theirs.len(), mine.len());
    let first_t = theirs
        .iter()
        .find(|l| !l.contains("<NA>"))
        .expect("a line with values");
    let first_o = mine
        .iter()
        .find(|l| l.starts_with(first_t.split(' ').next().unwrap_or("?")))
        .expect("same event");
    assert!(first_t.ends_with(" -420151296 0"), "{first_t}");
    assert!(first_o.ends_with(" 1000 34817"), "{first_o}");
}
