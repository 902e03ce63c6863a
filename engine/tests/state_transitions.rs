//! State-engine behaviour that sysdig 0.29.3 cannot check: newer-libs exit-only events,
//! the thread-table cap with eviction, live-mode purging, close-on-exec, close_range,
//! prctl renames, memfd/pidfd fds, and allocation-free steady state bookkeeping.

use engine::fields::dump::{dump, DumpOptions};
use engine::state::feed::Feeder;
use engine::state::synth::{o, Proc, Synth};
use engine::state::State;

fn tmp(name: &str) -> String {
    let d = std::env::temp_dir().join(format!("harrier-state-{}-{name}", std::process::id()));
    d.to_string_lossy().into_owned()
}

fn procs() -> Vec<Proc<'static>> {
    vec![Proc {
        tid: 100,
        pid: 100,
        ptid: 1,
        comm: "app",
        exe: "app",
        exepath: "/usr/bin/app",
        args: "",
        cwd: "/srv",
        uid: 0,
        cgroups: "cpu=/\0",
        env: "",
    }]
}

fn lines(path: &str, fmt: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut opts = DumpOptions::new(fmt);
    opts.newer_events = true;
    dump(&[path], &opts, &mut out).expect("dump");
    String::from_utf8_lossy(&out)
        .lines()
        .map(str::to_owned)
        .collect()
}

/// Replays `path` and returns the final state.
fn replay(path: &str, st: &mut State) {
    let (mut r, mut feed) = Feeder::open(path).expect("open");
    feed.skip_newer_events = false;
    while let Some(rec) = feed.read(&mut r).expect("read") {
        let Some(e) = feed.feed(st, rec).expect("event") else {
            continue;
        };
        st.process(&e);
        st.end_event(&e);
    }
}

#[test]
fn exit_only_newer_layouts() {
    let p = tmp("exitonly.scap");
    let mut s = Synth::create(&p, &procs(), &[], &[(0, "root")]).expect("create");
    // openat exit alone (self-contained), read exit with appended fd/size, close exit with
    // appended fd: the fd must be resolved and removed without any enter event.
    s.ev(100, 307, |b| {
        b.fd(5)
            .fd(-100)
            .str("data.txt")
            .u32(o::RDONLY)
            .u32(0)
            .u32(0)
    })
    .unwrap();
    s.ev(100, 7, |b| b.i64(3).bytes(b"abc").fd(5).u32(3))
        .unwrap();
    s.ev(100, 5, |b| b.i64(0).fd(5)).unwrap();
    s.ev(100, 7, |b| b.i64(3).bytes(b"abc").fd(5).u32(3))
        .unwrap();
    // socket exit with domain/type/proto appended.
    s.ev(100, 19, |b| b.fd(6).u32(2).u32(1).u32(0).u32(0))
        .unwrap();
    // setuid exit with the uid appended.
    s.ev(100, 199, |b| b.i64(0).u32(1000)).unwrap();
    // dup2 (newer id 363): res, oldfd, newfd.
    s.ev(100, 363, |b| b.fd(9).fd(6).fd(9)).unwrap();
    // memfd_create (405), pidfd_open (409), prctl(PR_SET_NAME) (401).
    s.ev(100, 405, |b| b.fd(10).str("payload").u32(0)).unwrap();
    s.ev(100, 409, |b| b.fd(11).i64(4242).u32(0)).unwrap();
    s.ev(100, 401, |b| b.i64(0).u32(15).str("renamed").i64(0))
        .unwrap();
    // close_range(9, 10): fds 9 and 10 go, 11 stays.
    s.ev(100, 451, |b| b.i64(0).u32(9).u32(10).u32(0)).unwrap();
    s.ev(100, 1, |b| b.u16(0)).unwrap();
    s.finish().unwrap();

    let got = lines(
        &p,
        "*%evt.num %evt.type %proc.name %user.uid %fd.num %fd.name %fd.typechar",
    );
    assert!(
        got[0].ends_with("openat app 0 5 /srv/data.txt f"),
        "{:?}",
        got[0]
    );
    assert!(
        got[1].ends_with("read app 0 5 /srv/data.txt f"),
        "{:?}",
        got[1]
    );
    assert!(
        got[2].contains(" close app 0 5 /srv/data.txt f"),
        "{:?}",
        got[2]
    );
    // The fd is gone for the next read (libsinsp renders an unknown fd's name as "").
    assert!(got[3].ends_with("read app 0 5  o"), "{:?}", got[3]);

    let mut st = State::new();
    replay(&p, &mut st);
    let t = &st.threads[&100];
    assert_eq!(&*t.comm, b"renamed");
    assert_eq!(t.uid, 1000);
    let f6 = t.fds.get(6).expect("socket from exit-only event");
    assert_eq!(f6.ty, engine::state::FdType::Ipv4Sock);
    assert!(
        t.fds.get(9).is_none() && t.fds.get(10).is_none(),
        "close_range"
    );
    assert_eq!(
        t.fds.get(11).map(|f| f.ty),
        Some(engine::state::FdType::Pidfd)
    );
}

#[test]
fn memfd_name() {
    let p = tmp("memfd.scap");
    let mut s = Synth::create(&p, &procs(), &[], &[]).expect("create");
    s.ev(100, 405, |b| b.fd(7).str("x").u32(0)).unwrap();
    s.finish().unwrap();
    let mut st = State::new();
    replay(&p, &mut st);
    let f = st.threads[&100].fds.get(7).expect("memfd");
    assert_eq!(f.name, "memfd:x");
    assert_eq!(f.ty.typechar(), b'm');
}

#[test]
fn thread_table_cap_evicts_oldest() {
    let p = tmp("cap.scap");
    let mut s = Synth::create(&p, &procs(), &[], &[]).expect("create");
    for i in 0..200i64 {
        let c = 1000 + i;
        s.clone(225, 100, 100, c, "app", "app", "", "cpu=/\0", 0, 0, false)
            .unwrap();
        s.write(c, 1, 1).unwrap();
    }
    s.finish().unwrap();
    let mut st = State::new();
    st.max_threads = 64;
    replay(&p, &mut st);
    assert!(st.threads.len() <= 64);
    assert!(st.evicted_threads > 0);
    assert_eq!(st.dropped_threads, 0);
    // The most recent children survive.
    assert!(st.threads.contains_key(&1199));
    assert!(!st.threads.contains_key(&1000));

    // libsinsp mode: refuse instead of evicting.
    let mut st2 = State::new();
    st2.max_threads = 64;
    st2.evict_when_full = false;
    replay(&p, &mut st2);
    assert!(st2.threads.len() <= 64);
    assert!(st2.dropped_threads > 0);
    assert!(!st2.threads.contains_key(&1199));
}

#[test]
fn procexit_drops_thread_and_fds_after_next_event() {
    let p = tmp("exit.scap");
    let mut s = Synth::create(&p, &procs(), &[], &[]).expect("create");
    s.clone(225, 100, 100, 300, "app", "app", "", "cpu=/\0", 0, 0, false)
        .unwrap();
    s.open(300, "/etc/hosts", o::RDONLY, 3).unwrap();
    s.ev(300, 186, |b| b.i64(0).i64(0).u8(0).u8(0)).unwrap();
    s.finish().unwrap();
    let mut st = State::new();
    let (mut r, mut feed) = Feeder::open(&p).unwrap();
    let mut seen_after_exit = false;
    while let Some(rec) = feed.read(&mut r).unwrap() {
        let Some(e) = feed.feed(&mut st, rec).unwrap() else {
            continue;
        };
        st.process(&e);
        if e.ty == 186 {
            seen_after_exit = st.threads.contains_key(&300);
        }
        st.end_event(&e);
    }
    assert!(
        seen_after_exit,
        "still there while the procexit event is processed"
    );
    // Removed when the next event arrives: feed one more (a write of the parent).
    let p2 = tmp("exit2.scap");
    let mut s = Synth::create(&p2, &procs(), &[], &[]).expect("create");
    s.clone(225, 100, 100, 300, "app", "app", "", "cpu=/\0", 0, 0, false)
        .unwrap();
    s.ev(300, 186, |b| b.i64(0).i64(0).u8(0).u8(0)).unwrap();
    s.write(100, 1, 1).unwrap();
    s.finish().unwrap();
    let mut st = State::new();
    replay(&p2, &mut st);
    assert!(!st.threads.contains_key(&300));
}

#[test]
fn live_purge_and_cloexec() {
    let p = tmp("cloexec.scap");
    let mut s = Synth::create(&p, &procs(), &[], &[]).expect("create");
    s.open(100, "/etc/keep", o::RDONLY, 3).unwrap();
    s.open(100, "/etc/drop", o::RDONLY | o::CLOEXEC, 4).unwrap();
    s.execve(
        100,
        100,
        1,
        "/bin/true",
        "/bin/true",
        "",
        "true",
        "cpu=/\0",
        "",
        0,
    )
    .unwrap();
    s.finish().unwrap();
    let mut compat = State::new();
    replay(&p, &mut compat);
    assert!(
        compat.threads[&100].fds.get(4).is_some(),
        "0.29.3 keeps CLOEXEC fds"
    );
    let mut newer = State::new();
    newer.cloexec_on_execve = true;
    replay(&p, &mut newer);
    assert!(newer.threads[&100].fds.get(4).is_none());
    assert!(newer.threads[&100].fds.get(3).is_some());
    let now = newer.last_ts + 10_000_000_000;
    let before = newer.threads.len();
    assert_eq!(newer.purge_inactive(now, 5_000_000_000), before);
    assert!(newer.threads.is_empty());
}
