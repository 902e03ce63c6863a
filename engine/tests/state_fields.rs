//! Field registry and extraction checks that need no sysdig: catalogue, argument forms,
//! ancestor walks, k8s labels, the DNS oracle, users from passwd files.

use engine::fields::{list_fields, Ctx, DnsOracle, Registry, StaticDns};
use engine::state::feed::Feeder;
use engine::state::State;
use engine_filter::{FieldArg, FieldFlags, FieldRegistry, FieldSource, Value, Values};

#[test]
fn registry_resolves_forms() {
    let r = Registry;
    assert_eq!(
        r.lookup("proc.aname", Some("2")).unwrap().arg,
        FieldArg::Index(2)
    );
    assert!(r
        .lookup("proc.aname", None)
        .unwrap()
        .has(FieldFlags::ANY_VALUE));
    assert_eq!(
        r.lookup("evt.arg.name", None).unwrap().arg,
        FieldArg::Name("name".into())
    );
    assert_eq!(
        r.lookup("evt.arg", Some("0")).unwrap().arg,
        FieldArg::Index(0)
    );
    assert_eq!(
        r.lookup("proc.env", Some("HOME")).unwrap().arg,
        FieldArg::Name("HOME".into())
    );
    assert!(r
        .lookup("fd.ip", None)
        .unwrap()
        .has(FieldFlags::FILTER_ONLY));
    let e = r.lookup("proc.nme", None).unwrap_err();
    assert!(e.contains("nonexistent field proc.nme"), "{e}");
    assert!(r.lookup("proc.name", Some("1")).is_err());
    let l = list_fields();
    for f in [
        "fd.sip.name",
        "k8s.ns.name",
        "container.image.repository",
        "proc.aname",
        "fs.path.name",
    ] {
        assert!(l.contains(f), "{f} missing from --list-fields");
    }
}

#[test]
fn stable_rule_fields_resolve() {
    // Every field the stable Falco ruleset uses (falco-rules.md §4).
    let r = Registry;
    for f in [
        "proc.args",
        "proc.cmdline",
        "proc.name",
        "proc.aname",
        "proc.pname",
        "evt.type",
        "proc.pcmdline",
        "fd.name",
        "proc.pexe",
        "container.image.repository",
        "fd.typechar",
        "proc.exe",
        "fd.directory",
        "thread.cap_effective",
        "fd.num",
        "user.name",
        "fd.l4proto",
        "proc.cwd",
        "evt.res",
        "fd.nameraw",
        "evt.rawres",
        "proc.exepath",
        "proc.tty",
        "user.uid",
        "fd.type",
        "container.id",
        "container.privileged",
        "evt.is_open_read",
        "evt.is_open_write",
        "evt.num",
        "fd.connected",
        "fd.filename",
        "fd.ip",
        "fd.name_changed",
        "fd.net",
        "fd.sip.name",
        "fd.snet",
        "fd.sport",
        "k8s.ns.name",
        "proc.duration",
        "proc.is_exe_from_memfd",
        "proc.is_exe_upper_layer",
        "user.loginuid",
        "fd.lport",
        "fd.rport",
        "container.start_ts",
        "group.gid",
        "group.name",
        "proc.pexepath",
        "proc.sname",
        "user.loginname",
        "evt.args",
        "fd.sip",
        "proc.sid",
        "proc.vpgid",
        "fd.cip",
        "proc.env",
        "k8s.pod.name",
        "proc.vpid",
        "proc.is_vpgid_leader",
        "fd.cnet",
        "fd.rnet",
        "fd.sockfamily",
        "thread.cap_permitted",
        "evt.buffer",
        "evt.is_open_exec",
        "fd.cip.name",
        "fd.lip.name",
        "fd.rip.name",
        "container.mounts",
        "fd.rip",
        "fd.port",
    ] {
        assert!(
            r.lookup(f, None).is_ok() || r.lookup(f, Some("1")).is_ok(),
            "{f}"
        );
    }
    for f in [
        "evt.arg.request",
        "evt.arg.target",
        "evt.arg.flags",
        "evt.arg.oldpath",
        "evt.arg.domain",
        "proc.aexepath",
    ] {
        assert!(
            r.lookup(f, None).is_ok() || r.lookup(f, Some("2")).is_ok(),
            "{f}"
        );
    }
}

fn transitions() -> String {
    let p = std::env::temp_dir().join(format!("harrier-fields-{}.scap", std::process::id()));
    let p = p.to_string_lossy().into_owned();
    engine::state::synth::transitions(&p).expect("write");
    p
}

/// Runs the capture and calls `f` on every event with a ready context.
fn each(path: &str, mut f: impl FnMut(&mut Ctx<'_>)) {
    let mut st = State::new();
    let (mut r, mut feed) = Feeder::open(path).expect("open");
    while let Some(rec) = feed.read(&mut r).expect("read") {
        let Some(e) = feed.feed(&mut st, rec).expect("event") else {
            continue;
        };
        st.process(&e);
        let mut c = Ctx::new(&st, &e);
        f(&mut c);
        st.end_event(&e);
    }
}

fn get(c: &mut Ctx<'_>, name: &str, arg: Option<&str>) -> Option<String> {
    let d = Registry.lookup(name, arg).ok()?;
    let mut v = Values::new();
    if !c.extract(d.id, &d.arg, &mut v) {
        return None;
    }
    let mut out = Vec::new();
    engine::fields::render_values(&v, &mut out);
    Some(String::from_utf8_lossy(&out).into_owned())
}

#[test]
fn ancestors_k8s_and_dns() {
    let p = transitions();
    let dns = StaticDns::from_hosts("93.184.216.34 example.com www.example.com\n# c\n");
    let mut saw_curl = false;
    let mut saw_dns = false;
    each(&p, |c| {
        let name = get(c, "proc.name", None);
        if name.as_deref() == Some("curl") && !saw_curl {
            saw_curl = true;
            assert_eq!(get(c, "k8s.ns.name", None).as_deref(), Some("prod"));
            assert_eq!(get(c, "k8s.pod.name", None).as_deref(), Some("web-7d9"));
            assert_eq!(get(c, "proc.aname", Some("1")).as_deref(), Some("bash"));
            assert_eq!(get(c, "proc.aname", Some("2")).as_deref(), Some("systemd"));
            assert_eq!(get(c, "proc.aname", None).as_deref(), Some("bash systemd"));
            assert_eq!(get(c, "proc.env", Some("A")).as_deref(), Some("1"));
        }
        if get(c, "fd.sip", None).as_deref() == Some("93.184.216.34") {
            let ip = engine::fields::server_ip(c).expect("server ip");
            assert!(dns.resolves_to("example.com", ip));
            let mut c2 = Ctx::new(c.st, c.evt);
            c2.dns = Some(&dns);
            assert_eq!(
                get(&mut c2, "fd.sip.name", None).as_deref(),
                Some("example.com")
            );
            saw_dns = true;
        }
    });
    assert!(saw_curl && saw_dns);
}

#[test]
fn users_from_passwd() {
    let mut st = State::new();
    st.load_passwd(
        "root:x:0:0:root:/root:/bin/bash\nalice:x:1000:1000::/home/alice:/bin/zsh\n",
        "root:x:0:\nstaff:x:50:\n",
    );
    assert_eq!(st.users[&1000].name, "alice");
    assert_eq!(st.users[&1000].shell, "/bin/zsh");
    assert_eq!(st.groups[&50].name, "staff");
    let mut v = Values::new();
    v.push_str("x");
    assert!(matches!(v.get(0), Some(Value::Bytes(b"x"))));
}
