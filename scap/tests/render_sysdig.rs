//! Differential test: `scap::render` against the installed sysdig 0.29.3.
//!
//! Generates a capture with, for every event id sysdig 0.29.3 prints, several events whose
//! parameters take values chosen per parameter type (every flag table gets single flags,
//! combinations, zero and unknown bits; numbers hit every print format's corner cases;
//! paths, buffers, addresses, fd lists, DYN indexes...), plus a hand-written scenario with
//! state (an opened file, a connected socket). It then runs
//! `sysdig -r F -p "*%evt.num %evt.args"` and `-p "*%evt.num %evt.arg.NAME"` and checks
//! our rendering equals sysdig's line for line.
//!
//! State is kept out of the generated part on purpose: each event runs on its own thread
//! id, fds are negative (so no fd is created or looked up) and pids never name a thread.
//! The scenario part models exactly the state sysdig builds from it.

use std::collections::HashMap;
use std::io::Write as _;
use std::process::Command;

use scap::event::{EventBuilder, EventRef};
use scap::render::{FdName, NoState, Renderer, Resolver};
use scap_abi::event::{self, ParamAux, ParamType};
use scap_abi::flags;

const TS0: u64 = 1_700_000_000_000_000_000;

/// Writes SHB + one EV_V2 block per record (scap-format.md §3.1, §4).
fn write_capture(path: &std::path::Path, records: &[Vec<u8>]) {
    let mut f = Vec::new();
    f.extend_from_slice(&[
        0x0a, 0x0d, 0x0d, 0x0a, 28, 0, 0, 0, 0x4d, 0x3c, 0x2b, 0x1a, 1, 0, 2, 0,
    ]);
    f.extend_from_slice(&[0xff; 8]);
    f.extend_from_slice(&28u32.to_le_bytes());
    for r in records {
        let body = 2 + r.len();
        let pad = (4 - body % 4) % 4;
        let total = (8 + body + pad + 4) as u32;
        f.extend_from_slice(&0x216u32.to_le_bytes());
        f.extend_from_slice(&total.to_le_bytes());
        f.extend_from_slice(&0u16.to_le_bytes());
        f.extend_from_slice(r);
        f.extend(std::iter::repeat_n(0u8, pad));
        f.extend_from_slice(&total.to_le_bytes());
    }
    std::fs::File::create(path)
        .and_then(|mut h| h.write_all(&f))
        .expect("write capture");
}

/// Runs sysdig and returns evt.num -> rendered field (bytes).
fn sysdig(path: &std::path::Path, field: &str) -> HashMap<u64, Vec<u8>> {
    let out = Command::new("sysdig")
        .arg("-r")
        .arg(path)
        .arg("-p")
        .arg(format!("*%evt.num {field}"))
        .output()
        .expect("run sysdig (apt-get install sysdig)");
    assert!(
        out.status.success(),
        "sysdig -r {} failed ({}): {}",
        path.display(),
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    let mut m = HashMap::new();
    for line in out.stdout.split(|&b| b == b'\n') {
        if line.is_empty() {
            continue;
        }
        let sp = line.iter().position(|&b| b == b' ').unwrap_or(line.len());
        let num: u64 = std::str::from_utf8(&line[..sp]).unwrap().parse().unwrap();
        m.insert(num, line.get(sp + 1..).unwrap_or(b"").to_vec());
    }
    m
}

/// Values for one parameter type, variant `k` (callers cycle k).
fn values(ty: ParamType, aux: ParamAux, table: Option<&flags::FlagTable>, k: usize) -> Vec<u8> {
    let pick = |v: &[i64]| v[k % v.len()];
    match ty {
        ParamType::Int8 | ParamType::Uint8 => vec![pick(&[0, 1, 0x7f, -1, 0x80, 8]) as u8],
        ParamType::Int16 | ParamType::Uint16 => (pick(&[0, 1, 0x7fff, -1, 0o644, 300]) as u16)
            .to_le_bytes()
            .to_vec(),
        ParamType::Int32 | ParamType::Uint32 => {
            (pick(&[0, 1, 0o100644, -1, 0x7fff_ffff, 0xdead_beef, 0o777]) as u32)
                .to_le_bytes()
                .to_vec()
        }
        ParamType::Int64 | ParamType::Uint64 => {
            pick(&[0, 1, 0x7f12_3456_789a, -1, -4096, 0o755, i64::MIN])
                .to_le_bytes()
                .to_vec()
        }
        ParamType::Errno => pick(&[0, 5, -2, -13, -512, -41, -100_000, -1])
            .to_le_bytes()
            .to_vec(),
        ParamType::Fd => pick(&[-100, -2, -9, -41, -1, -24]).to_le_bytes().to_vec(),
        ParamType::Pid => pick(&[424242, -1, 0, 1_000_000_007]).to_le_bytes().to_vec(),
        ParamType::Charbuf => {
            let s: &[&[u8]] = &[
                b"hello",
                b"",
                b"a b=c (x)",
                b"caf\xc3\xa9",
                b"tab\there",
                b"/usr/bin/cat",
            ];
            let mut v = s[k % s.len()].to_vec();
            v.push(0);
            v
        }
        ParamType::Fspath | ParamType::Fsrelpath => {
            let s: &[&[u8]] = &[
                b"/etc/passwd",
                b"rel/../x/./y//z/",
                b"..",
                b"<NA>",
                b"a\x01b",
                b"./file.txt",
                b"../../up",
                b"dir/",
                b"//abs//x/",
                b".hidden",
                b"a/..",
                b"a/.",
            ];
            let mut v = s[k % s.len()].to_vec();
            v.push(0);
            v
        }
        ParamType::Bytebuf => {
            let mut long =
                b"GET /index.html HTTP/1.1\r\nHost: example.com\r\nUser-Agent: curl\r\n".to_vec();
            long.extend((0u8..=255).take(40));
            let s: Vec<Vec<u8>> = vec![
                b"hello\n".to_vec(),
                Vec::new(),
                long,
                b"a\0b\0c\0".to_vec(),
                vec![0x41; 80],
                vec![0x42; 81],
                b"\x7f\x80\xfe\xff~ ".to_vec(),
            ];
            s[k % s.len()].clone()
        }
        ParamType::Sockaddr => {
            let s: Vec<Vec<u8>> = vec![
                [&[2u8, 10, 0, 0, 1][..], &80u16.to_le_bytes()].concat(),
                Vec::new(),
                b"\x01/run/docker.sock\0".to_vec(),
                [&[10u8][..], &[0; 15], &[1], &443u16.to_le_bytes()].concat(),
                [
                    &[10u8, 0x20, 0x01, 0x0d, 0xb8][..],
                    &[0; 11],
                    &8080u16.to_le_bytes(),
                ]
                .concat(),
                [
                    &[10u8][..],
                    &[0; 10],
                    &[0xff, 0xff, 192, 168, 1, 1],
                    &53u16.to_le_bytes(),
                ]
                .concat(),
                b"\x11abc".to_vec(),
                vec![2, 1, 2],
                [&[10u8][..], &[0; 12], &[1, 2, 3, 4], &1u16.to_le_bytes()].concat(),
                vec![0xf0, 1],
            ];
            s[k % s.len()].clone()
        }
        ParamType::Socktuple => {
            let v4 = |a: [u8; 4], p: u16| [&a[..], &p.to_le_bytes()].concat();
            let v6 = |a: [u8; 16], p: u16| [&a[..], &p.to_le_bytes()].concat();
            let mut m1 = [0u8; 16];
            m1[10] = 0xff;
            m1[11] = 0xff;
            m1[12..].copy_from_slice(&[10, 1, 2, 3]);
            let mut g = [0u8; 16];
            g[..4].copy_from_slice(&[0xfe, 0x80, 0, 0]);
            g[15] = 9;
            let s: Vec<Vec<u8>> = vec![
                [&[2u8][..], &v4([1, 2, 3, 4], 1234), &v4([5, 6, 7, 8], 80)].concat(),
                Vec::new(),
                [&[10u8][..], &v6(m1, 40000), &v6([0; 16], 22)].concat(),
                [&[10u8][..], &v6(g, 1), &v6(m1, 2)].concat(),
                [
                    &[1u8][..],
                    &0xffff_8880_1234_5678u64.to_le_bytes(),
                    &0u64.to_le_bytes(),
                    b"/tmp/s\0",
                ]
                .concat(),
                vec![2, 1, 2, 3],
                vec![9],
            ];
            s[k % s.len()].clone()
        }
        ParamType::Fdlist => {
            let mut v = Vec::new();
            let n = k % 3;
            v.extend_from_slice(&(n as u16).to_le_bytes());
            for j in 0..n {
                v.extend_from_slice(&(-(j as i64) - 1).to_le_bytes());
                v.extend_from_slice(&[0x01i16, -1, 0x45][j % 3].to_le_bytes());
            }
            v
        }
        ParamType::Syscallid => (pick(&[76, 0, 328, 400, 3]) as u16).to_le_bytes().to_vec(),
        ParamType::Sigtype => vec![pick(&[9, 0, 40, 15, 31, 32]) as u8],
        ParamType::Reltime => (pick(&[
            0,
            1_500_000_000,
            -1,
            123_456_789_012_345,
            42,
            999_999_500,
            5_000_000_000_000_000,
        ]) as u64)
            .to_le_bytes()
            .to_vec(),
        ParamType::Uid | ParamType::Gid => (pick(&[5, -1, 0x8000_0001, 0, 65534]) as u32)
            .to_le_bytes()
            .to_vec(),
        ParamType::Mode => (pick(&[0o644, 0o4755, 0, 0o7777, 0o100600]) as u32)
            .to_le_bytes()
            .to_vec(),
        ParamType::Sigset => (pick(&[0x1 | (1 << 8) | (1 << 31), 0, -1]) as u32)
            .to_le_bytes()
            .to_vec(),
        ParamType::Flags8 | ParamType::Flags16 | ParamType::Flags32 => {
            let width = ty.fixed_len().unwrap_or(4);
            let v: u32 = match table {
                Some(t) if !t.entries.is_empty() => {
                    let e = t.entries;
                    match k % 6 {
                        0 => e[k / 6 % e.len()].value,
                        1 => e[(k * 7) % e.len()].value | e[(k * 3 + 1) % e.len()].value,
                        2 => 0,
                        3 => e.iter().fold(0, |a, x| a | x.value),
                        4 => e[k % e.len()].value | 0x4000_0000,
                        _ => e[e.len() - 1 - k % e.len()].value,
                    }
                }
                _ => [0, 1, 0x80, 0x1234_5678][k % 4],
            };
            v.to_le_bytes()[..width].to_vec()
        }
        ParamType::Dyn => {
            let subs = match aux {
                ParamAux::Dyn(s) => s,
                _ => &[][..],
            };
            let idx = [0usize, 1, 2, 3, 4, 9][k % 6];
            let mut v = vec![idx as u8];
            if let Some(&t) = subs.get(idx) {
                v.extend(values(t, ParamAux::None, None, k / 6 + 1));
            } else {
                v.extend_from_slice(&7u64.to_le_bytes());
            }
            v
        }
        other => panic!("no generator for {other:?}"),
    }
}

/// Event ids excluded from the sweep, with the reason.
fn excluded(id: u16, e: &event::EventInfo) -> bool {
    // Placeholders; in-memory tracer pointers; container/plugin meta events; procinfo
    // (never printed); procexit (removes the thread); events that libsinsp consumes
    // internally without printing.
    e.unused()
        || e.params
            .iter()
            .any(|p| matches!(p.ty, ParamType::Charbufarray | ParamType::CharbufPairArray))
        || e.large_payload()
        || matches!(
            e.name,
            "container"
                | "procinfo"
                | "procexit"
                | "drop"
                | "sysdigevent"
                | "notification"
                | "infra"
                | "cpu_hotplug"
                | "k8s"
                | "mesos"
                | "tracer"
                | "switch"
                | "page_fault"
                | "signaldeliver"
                | "pluginevent"
                | "useradded"
                | "userdeleted"
                | "groupadded"
                | "groupdeleted"
        )
        || id >= 336
}

const ROUNDS: usize = 7;

/// The sweep: every printable event id, ROUNDS variants each, E then X per thread.
fn sweep() -> Vec<Vec<u8>> {
    let mut records = Vec::new();
    let mut n = 0u64;
    // Enter and exit back to back on one thread, as the driver writes them: libsinsp's
    // exit parsers read the enter event (an old openat exit alone crashes sysdig).
    let mut tid = 200_000u64;
    for pair in (0..336u16).step_by(2) {
        for k in 0..ROUNDS {
            tid += 1;
            for id in [pair, pair + 1] {
                let e = event::info_e5c53d64(id).unwrap();
                if excluded(id, e) {
                    continue;
                }
                let mut b = EventBuilder::new(TS0 + n, tid, id);
                for (i, p) in e.params.iter().enumerate() {
                    let table = flags::param_format(id, i).and_then(|f| f.flags);
                    // Clone-family exits: res > 0 would create a thread; use the child side.
                    // Exec exits: only failed ones leave the thread alone (a "successful"
                    // execveat with these made-up values crashes sysdig).
                    let clone = matches!(e.name, "clone" | "fork" | "vfork" | "clone3");
                    let exec = matches!(e.name, "execve" | "execveat");
                    let v = if i == 0 && clone && p.ty == ParamType::Pid {
                        0i64.to_le_bytes().to_vec()
                    } else if i == 0 && exec && p.ty == ParamType::Errno && id % 2 == 1 {
                        [-2i64, -13, -8][k % 3].to_le_bytes().to_vec()
                    } else {
                        values(p.ty, p.aux, table, k + i)
                    };
                    b = b.raw(&v);
                }
                records.push(b.build().expect("encode"));
                n += 1;
            }
        }
    }
    records
}

#[test]
fn evt_args_equal_sysdig_for_every_event_type_and_flag_table() {
    let records = sweep();
    // Every flag table attached to a parameter is exercised (page_fault's pf_flags
    // excepted: sysdig does not print page faults from files).
    let uses = |t: &str, all: bool| {
        (0..336u16).any(|id| {
            let e = event::info_e5c53d64(id).unwrap();
            (all || !excluded(id, e))
                && (0..e.params.len()).any(|i| {
                    flags::param_format(id, i)
                        .and_then(|f| f.flags)
                        .map(|f| f.name)
                        == Some(t)
                })
        })
    };
    let mut attached = 0;
    for t in flags::FLAG_TABLES.iter() {
        if uses(t.name, true) {
            attached += 1;
            assert!(
                uses(t.name, false) || t.name == "pf_flags",
                "flag table {} not covered",
                t.name
            );
        }
    }
    assert!(attached >= 30, "only {attached} attached flag tables");
    let dir = std::env::temp_dir().join(format!("harrier-render-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("sweep.scap");
    write_capture(&path, &records);

    let theirs = sysdig(&path, "%evt.args");
    let mut r = Renderer::new();
    let mut mismatches = Vec::new();
    let mut compared = 0;
    for (i, rec) in records.iter().enumerate() {
        let ev = EventRef::parse(rec).unwrap();
        let Some(want) = theirs.get(&(i as u64 + 1)) else {
            continue;
        };
        let mut ours = Vec::new();
        r.args(&ev, &NoState, &mut ours);
        compared += 1;
        if &ours != want {
            mismatches.push(format!(
                "#{} {}({}):\n  sysdig: {}\n  ours:   {}",
                i + 1,
                ev.name(),
                ev.ty(),
                String::from_utf8_lossy(want),
                String::from_utf8_lossy(&ours)
            ));
        }
    }
    eprintln!(
        "compared {compared} of {} events with sysdig",
        records.len()
    );
    let _ = std::fs::remove_dir_all(&dir);
    assert!(
        compared > 1500,
        "sysdig printed only {compared} of {} events",
        records.len()
    );
    assert!(
        mismatches.is_empty(),
        "{} of {compared} differ:\n{}",
        mismatches.len(),
        mismatches
            .iter()
            .take(40)
            .cloned()
            .collect::<Vec<_>>()
            .join("\n")
    );
}

/// `evt.arg.NAME`, `evt.arg[N]` and `evt.res`: the resolved form when there is one, else the value;
/// `<NA>` when the event has no such parameter.
#[test]
fn evt_arg_fields_equal_sysdig() {
    // sysdig 0.29.3 dereferences a missing `fd` for `evt.res` of fd-creating exits that
    // have neither `res` nor `fd` (bpf's `res_or_fd`) and crashes; leave those out here.
    let crashes = |rec: &Vec<u8>| {
        let ev = EventRef::parse(rec).unwrap();
        let e = event::info_e5c53d64(ev.ty()).unwrap();
        ev.ty() % 2 == 1
            && e.flags & event::flags::EF_CREATES_FD != 0
            && !e.params.iter().any(|p| p.name == "res" || p.name == "fd")
    };
    let records: Vec<Vec<u8>> = sweep().into_iter().filter(|r| !crashes(r)).collect();
    let dir = std::env::temp_dir().join(format!("harrier-render-arg-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("sweep.scap");
    write_capture(&path, &records);
    const SEP: &str = "#~#";
    let names = [
        "flags", "fd", "res", "name", "mode", "request", "domain", "data", "addr", "tuple", "sig",
        "uid", "pid", "dirfd", "ID", "size", "path", "op", "cmd", "how", "prot", "nstype",
        "resource", "whence", "status",
    ];
    let idx = [0usize, 1, 2, 3, 5];
    let fields: Vec<String> = names
        .iter()
        .map(|n| format!("%evt.arg.{n}"))
        .chain(idx.iter().map(|i| format!("%evt.arg[{i}]")))
        .chain(std::iter::once("%evt.res".to_string()))
        .collect();
    let theirs = sysdig(&path, &fields.join(SEP));
    let _ = std::fs::remove_dir_all(&dir);
    let mut r = Renderer::new();
    let mut bad = Vec::new();
    let mut checked = 0;
    for (i, rec) in records.iter().enumerate() {
        let Some(line) = theirs.get(&(i as u64 + 1)) else {
            continue;
        };
        let ev = EventRef::parse(rec).unwrap();
        let mut ours = Vec::new();
        for (j, n) in names
            .iter()
            .map(|n| Some(*n))
            .chain(idx.iter().map(|_| None))
            .enumerate()
        {
            if j > 0 {
                ours.extend_from_slice(SEP.as_bytes());
            }
            let found = match n {
                Some(n) => r.arg(&ev, n, &NoState, &mut ours),
                None => r.arg_at(&ev, idx[j - names.len()], &NoState, &mut ours),
            };
            if !found {
                ours.extend_from_slice(b"<NA>");
            }
        }
        ours.extend_from_slice(SEP.as_bytes());
        if !r.res(&ev, &NoState, &mut ours) {
            ours.extend_from_slice(b"<NA>");
        }
        checked += 1;
        if &ours != line {
            bad.push(format!(
                "#{} {}({}):\n  sysdig: {}\n  ours:   {}",
                i + 1,
                ev.name(),
                ev.ty(),
                String::from_utf8_lossy(line),
                String::from_utf8_lossy(&ours)
            ));
        }
    }
    assert!(checked > 1500, "only {checked} lines");
    assert!(
        bad.is_empty(),
        "{} of {checked} differ:\n{}",
        bad.len(),
        bad.iter().take(30).cloned().collect::<Vec<_>>().join("\n")
    );
}

/// The state sysdig builds from the scenario below, as a [`Resolver`]: threads seen so far
/// (comm `<NA>`), fds created by successful open/openat/socket exits and named by
/// connect, cwd empty.
#[derive(Default)]
struct Model {
    threads: Vec<i64>,
    fds: HashMap<i64, (u8, Option<u8>, String)>,
    cwd: String,
}

impl Resolver for Model {
    fn fd(&self, fd: i64) -> Option<FdName<'_>> {
        self.fds.get(&fd).map(|(t, l4, n)| FdName {
            typechar: *t,
            l4: *l4,
            name: n,
        })
    }
    fn thread_comm(&self, tid: i64) -> Option<&str> {
        self.threads.contains(&tid).then_some("<NA>")
    }
    fn cwd(&self) -> &str {
        &self.cwd
    }
}

#[test]
fn stateful_scenario_equals_sysdig() {
    use scap_abi::event::ids;
    let tid = 4_000_017u64;
    let mut t = TS0;
    let mut recs: Vec<Vec<u8>> = Vec::new();
    let mut ev = |b: EventBuilder| {
        recs.push(b.build().unwrap());
    };
    let mut b = |ty: u16| {
        t += 1000;
        EventBuilder::new(t, tid, ty)
    };
    let o_rdwr_creat = flags::PPM_O_RDWR | flags::PPM_O_CREAT | flags::PPM_O_CLOEXEC;
    // openat a file: fd 3 becomes <f>/etc/shadow.
    ev(b(ids::OPENAT_E)
        .fd(-100)
        .str("/etc/shadow")
        .u32(o_rdwr_creat)
        .u32(0o600));
    ev(b(ids::OPENAT_X)
        .fd(3)
        .fd(-100)
        .str("/etc/shadow")
        .u32(o_rdwr_creat)
        .u32(0o600)
        .u32(0x803));
    ev(b(ids::READ_E).fd(3).u32(4096));
    ev(b(ids::READ_X).i64(11).bytes(b"root:x:0:0\n"));
    // openat relative to a known directory fd: the resolved name uses the fd's path.
    ev(b(ids::OPENAT_E)
        .fd(-100)
        .str("/var/log")
        .u32(flags::PPM_O_RDONLY | flags::PPM_O_DIRECTORY)
        .u32(0));
    ev(b(ids::OPENAT_X)
        .fd(4)
        .fd(-100)
        .str("/var/log")
        .u32(flags::PPM_O_RDONLY | flags::PPM_O_DIRECTORY)
        .u32(0)
        .u32(0));
    ev(b(ids::OPENAT_E)
        .fd(4)
        .str("../log/./syslog")
        .u32(flags::PPM_O_WRONLY | flags::PPM_O_APPEND)
        .u32(0));
    ev(b(ids::OPENAT_X)
        .fd(5)
        .fd(4)
        .str("../log/./syslog")
        .u32(flags::PPM_O_WRONLY | flags::PPM_O_APPEND)
        .u32(0)
        .u32(0));
    ev(b(ids::WRITE_E).fd(5).u32(3));
    ev(b(ids::WRITE_X).i64(3).bytes(b"hi\n"));
    // A TCP socket that connects: fd 6 becomes <4t>1.2.3.4:40000->5.6.7.8:443.
    ev(b(ids::SOCKET_E).u32(flags::PPM_AF_INET).u32(1).u32(0));
    ev(b(ids::SOCKET_X).fd(6));
    let addr = [&[2u8, 5, 6, 7, 8][..], &443u16.to_le_bytes()].concat();
    ev(b(ids::CONNECT_E).fd(6).raw(&addr));
    let tuple = [
        &[2u8, 1, 2, 3, 4][..],
        &40000u16.to_le_bytes(),
        &[5, 6, 7, 8],
        &443u16.to_le_bytes(),
    ]
    .concat();
    ev(b(ids::CONNECT_X).i64(0).raw(&tuple));
    ev(b(ids::SENDTO_E).fd(6).u32(5).raw(&tuple));
    ev(b(ids::SENDTO_X).i64(5).bytes(b"hello"));
    // poll on known and unknown fds; kill of the own thread (pid resolves to its comm).
    let mut fdl = 3u16.to_le_bytes().to_vec();
    for (fd, f) in [(3i64, 1i16), (6, 4), (99, 0x11)] {
        fdl.extend_from_slice(&fd.to_le_bytes());
        fdl.extend_from_slice(&f.to_le_bytes());
    }
    ev(b(ids::POLL_E).raw(&fdl).i64(1000));
    ev(b(ids::POLL_X).i64(2).raw(&fdl));
    ev(b(ids::KILL_E).i64(tid as i64).u8(15));
    ev(b(ids::KILL_X).i64(0));
    ev(b(ids::CLOSE_E).fd(3));
    ev(b(ids::CLOSE_X).i64(0));
    ev(b(ids::READ_E).fd(3).u32(1));
    ev(b(ids::READ_X).i64(-9).bytes(b""));
    // chdir: relative paths then resolve against the new cwd (stored with a trailing '/').
    ev(b(ids::CHDIR_E));
    ev(b(ids::CHDIR_X).i64(0).str("/tmp/work"));
    ev(b(ids::OPEN_E)
        .str("a/../b.txt")
        .u32(flags::PPM_O_RDONLY)
        .u32(0));
    ev(b(ids::OPEN_X)
        .fd(-2)
        .str("a/../b.txt")
        .u32(flags::PPM_O_RDONLY)
        .u32(0)
        .u32(0));
    ev(b(ids::OPENAT_E)
        .fd(-100)
        .str("../etc/./hosts")
        .u32(flags::PPM_O_RDONLY)
        .u32(0));
    ev(b(ids::OPENAT_X)
        .fd(-13)
        .fd(-100)
        .str("../etc/./hosts")
        .u32(flags::PPM_O_RDONLY)
        .u32(0)
        .u32(0));

    let dir = std::env::temp_dir().join(format!("harrier-render-state-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("state.scap");
    write_capture(&path, &recs);
    let theirs = sysdig(&path, "%evt.args");
    let _ = std::fs::remove_dir_all(&dir);

    let mut m = Model::default();
    let mut r = Renderer::new();
    let mut lines = Vec::new();
    for (i, rec) in recs.iter().enumerate() {
        let e = EventRef::parse(rec).unwrap();
        if !m.threads.contains(&(e.tid() as i64)) {
            m.threads.push(e.tid() as i64);
        }
        // Apply the exit's state change before rendering, as libsinsp parses then prints.
        let p64 = |k: usize| i64::from_le_bytes(e.param_bytes(k).unwrap()[..8].try_into().unwrap());
        match e.ty() {
            ids::OPENAT_X if p64(0) >= 0 => {
                let name = String::from_utf8_lossy(
                    &e.param_bytes(2).unwrap()[..e.param_bytes(2).unwrap().len() - 1],
                )
                .into_owned();
                let full = match p64(1) {
                    -100 => name,
                    d => {
                        let base = m.fds.get(&d).map(|f| f.2.clone()).unwrap_or_default();
                        // libsinsp normalises "<base>/<rel>" the way the renderer does.
                        let mut r2 = Renderer::new();
                        let mut v = Vec::new();
                        let mm = Model {
                            threads: vec![],
                            fds: HashMap::from([(d, (b'd', None, base))]),
                            cwd: String::new(),
                        };
                        r2.arg(&e, "name", &mm, &mut v);
                        String::from_utf8(v).unwrap()
                    }
                };
                let tc = if e.param_bytes(3).map(|f| {
                    u32::from_le_bytes(f[..4].try_into().unwrap()) & flags::PPM_O_DIRECTORY != 0
                }) == Some(true)
                {
                    b'd'
                } else {
                    b'f'
                };
                m.fds.insert(p64(0), (tc, None, full));
            }
            ids::SOCKET_X if p64(0) >= 0 => {
                // The l4 protocol is only learnt from the connect tuple.
                m.fds.insert(p64(0), (b'4', None, String::new()));
            }
            ids::CONNECT_X => {
                if let Some(f) = m.fds.get_mut(&6) {
                    f.1 = Some(b't');
                    f.2 = "1.2.3.4:40000->5.6.7.8:443".into();
                }
            }
            ids::CLOSE_X => {
                m.fds.remove(&3);
            }
            ids::CHDIR_X => m.cwd = "/tmp/work/".into(),
            _ => {}
        }
        let mut out = Vec::new();
        r.args(&e, &m, &mut out);
        let want = theirs.get(&(i as u64 + 1)).cloned().unwrap_or_default();
        lines.push((
            i + 1,
            String::from_utf8_lossy(&want).into_owned(),
            String::from_utf8_lossy(&out).into_owned(),
        ));
    }
    let bad: Vec<_> = lines.iter().filter(|(_, a, b)| a != b).collect();
    assert!(bad.is_empty(), "differences (num, sysdig, ours): {bad:#?}");
    // The scenario really exercised the resolved forms.
    let all: String = lines.iter().map(|l| l.2.clone() + "\n").collect();
    for needle in [
        "fd=3(<f>/etc/shadow)",
        "(<4t>1.2.3.4:40000->5.6.7.8:443)",
        "pid=4000017(<NA>)",
        "fd=5(<f>/var/log/syslog)",
        "name=a/../b.txt(/tmp/work/b.txt)",
        "name=../etc/./hosts(/tmp/etc/hosts)",
    ] {
        assert!(all.contains(needle), "missing {needle} in:\n{all}");
    }
}

/// UID/GID parameters render `uid(name)` from the capture's user list (UL block), `<NA>`
/// for unknown ids and `-1(<NONE>)` for `(uid_t)-1`; written with `scap::file`'s writer.
#[test]
fn user_and_group_names_equal_sysdig() {
    use scap::file::{CaptureWriter, Compression, Group, User, UserListEntry, WriterOptions};
    use scap_abi::event::ids;
    struct Users;
    impl Resolver for Users {
        fn user_name(&self, uid: u32) -> Option<&str> {
            [(0, "root"), (5, "test"), (1000, "alice")]
                .iter()
                .find(|u| u.0 == uid)
                .map(|u| u.1)
        }
        fn group_name(&self, gid: u32) -> Option<&str> {
            [(0, "root"), (33, "www-data")]
                .iter()
                .find(|g| g.0 == gid)
                .map(|g| g.1)
        }
        fn thread_comm(&self, _tid: i64) -> Option<&str> {
            Some("<NA>")
        }
    }
    let dir = std::env::temp_dir().join(format!("harrier-render-users-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("users.scap");
    let opts = WriterOptions {
        compression: Compression::None,
        ..WriterOptions::default()
    };
    let mut w = CaptureWriter::create(&path, opts).unwrap();
    w.section_header().unwrap();
    let user = |uid, name: &'static str| {
        UserListEntry::User(User {
            uid,
            gid: uid,
            name: name.as_bytes(),
            homedir: b"/home/x",
            shell: b"/bin/sh",
        })
    };
    w.users(&[
        user(0, "root"),
        user(5, "test"),
        user(1000, "alice"),
        UserListEntry::Group(Group {
            gid: 0,
            name: b"root",
        }),
        UserListEntry::Group(Group {
            gid: 33,
            name: b"www-data",
        }),
    ])
    .unwrap();
    let mut recs = Vec::new();
    let mut add = |b: EventBuilder| recs.push(b.build().unwrap());
    let t = TS0;
    let tid = 5_000_001;
    for (u, g) in [
        (5u32, 33u32),
        (0, 0),
        (1000, 77),
        (77, u32::MAX),
        (u32::MAX, 0x8000_0000),
    ] {
        add(EventBuilder::new(t, tid, ids::SETUID_E).u32(u));
        add(EventBuilder::new(t, tid, ids::SETUID_X).i64(-1));
        add(EventBuilder::new(t, tid, ids::SETRESGID_E)
            .u32(g)
            .u32(g)
            .u32(0));
        add(EventBuilder::new(t, tid, ids::SETRESGID_X).i64(-1));
    }
    for r in &recs {
        w.event(r, 0, 0).unwrap();
    }
    w.finish().unwrap();
    let theirs = sysdig(&path, "%evt.args");
    let _ = std::fs::remove_dir_all(&dir);
    let mut r = Renderer::new();
    let mut all = String::new();
    for (i, rec) in recs.iter().enumerate() {
        let ev = EventRef::parse(rec).unwrap();
        let ours = r.args_string(&ev, &Users);
        let want = String::from_utf8_lossy(
            theirs
                .get(&(i as u64 + 1))
                .map(Vec::as_slice)
                .unwrap_or(b"<missing>"),
        );
        assert_eq!(ours, want, "event {}", i + 1);
        all.push_str(&ours);
    }
    for needle in [
        "uid=5(test)",
        "uid=0(root)",
        "uid=77(<NA>)",
        "uid=-1(<NONE>)",
        "rgid=33(www-data)",
        "rgid=-2147483648(<NA>)",
    ] {
        assert!(all.contains(needle), "missing {needle} in {all}");
    }
}

/// Real captures written by libscap (`tests/fixtures/scap`, copies of the shared samples): every event whose shown
/// parameters need no state (no fd, pid, path, uid/gid or fd-list parameter) renders exactly
/// as sysdig renders it.
#[test]
fn real_samples_stateless_events_equal_sysdig() {
    use scap::file::{CaptureReader, Record};
    let dir = std::path::Path::new(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../tests/fixtures/scap"
    ));
    let stateless = |ev: &EventRef<'_>| {
        let Some(e) = event::info_e5c53d64(ev.ty()) else {
            return false;
        };
        e.params
            .iter()
            .take(ev.nparams() as usize)
            .all(|p| match p.ty {
                ParamType::Fd
                | ParamType::Pid
                | ParamType::Fspath
                | ParamType::Fsrelpath
                | ParamType::Uid
                | ParamType::Gid
                | ParamType::Fdlist => false,
                ParamType::Dyn => !matches!(p.aux, ParamAux::Dyn(s) if s.contains(&ParamType::Fd)),
                _ => true,
            })
    };
    let mut total = 0;
    for name in [
        "libs_e2e_curl_google.scap",
        "libs_e2e_single_ipv6_conn.scap",
        "libs_e2e_test_ipv6_client.scap",
        "libs_sinsp_test_sample.scap",
    ] {
        let path = dir.join(name);
        // sysdig numbers only the events it knows (the 2023 sample has types it skips), so
        // match lines by (timestamp, tid, type) in order instead of by evt.num.
        let mut theirs: HashMap<(u64, i64, String), std::collections::VecDeque<Vec<u8>>> =
            HashMap::new();
        for (_, line) in {
            let mut v: Vec<_> = sysdig(&path, "%evt.rawtime %thread.tid %evt.type %evt.args")
                .into_iter()
                .collect();
            v.sort();
            v
        } {
            let mut it = line.splitn(4, |&b| b == b' ');
            let ts = std::str::from_utf8(it.next().unwrap())
                .unwrap()
                .parse()
                .unwrap();
            let tid = std::str::from_utf8(it.next().unwrap())
                .unwrap()
                .parse()
                .unwrap_or(-1);
            let ty = String::from_utf8_lossy(it.next().unwrap()).into_owned();
            theirs
                .entry((ts, tid, ty))
                .or_default()
                .push_back(it.next().unwrap_or(b"").to_vec());
        }
        let mut rd = CaptureReader::open(&path).unwrap_or_else(|e| panic!("{name}: {e}"));
        let mut r = Renderer::new();
        let mut bad = Vec::new();
        let mut n = 0;
        while let Some(rec) = rd.next_record().unwrap_or_else(|e| panic!("{name}: {e}")) {
            let Record::Event(ev) = rec else { continue };
            let key = (
                ev.event.ts(),
                ev.event.tid() as i64,
                ev.event.type_name().to_string(),
            );
            let Some(want) = theirs.get_mut(&key).and_then(|q| q.pop_front()) else {
                continue;
            };
            if !stateless(&ev.event) {
                continue;
            }
            let mut ours = Vec::new();
            r.args(&ev.event, &NoState, &mut ours);
            n += 1;
            if ours != want {
                bad.push(format!(
                    "{name} #{} {}: sysdig `{}` ours `{}`",
                    ev.num,
                    ev.event.ty(),
                    String::from_utf8_lossy(&want),
                    String::from_utf8_lossy(&ours)
                ));
            }
        }
        assert!(
            bad.is_empty(),
            "{} differ:\n{}",
            bad.len(),
            bad[..bad.len().min(30)].join("\n")
        );
        total += n;
    }
    eprintln!("real samples: {total} stateless events equal sysdig");
    assert!(total > 500, "only {total} stateless events compared");
}
