//! The eBPF driver on the real kernel: `capture --driver ebpf` around a workload (exec with
//! arguments, open/write/read/close of a file, a failing open, a TCP connection on
//! loopback with data both ways, twenty short processes), then the capture is checked
//! with our reader (event by event, parameter by parameter) and with the real sysdig
//! 0.29.3 on a gzip conversion made by `scap convert`.
//!
//! Skipped, with a printed reason, only when the eBPF driver cannot run here: not root,
//! no kernel BTF, or the kernel refuses to create a BPF ring buffer
//! (`harrier_ebpf::availability`, which tries rather than assumes).

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

use harrier_integration::{sysdig_print, workspace_root};
use scap::file::{CaptureReader, Record};

/// `capture` and `scap` of this test's profile, built once.
fn tools_bin(name: &str) -> PathBuf {
    static BUILT: OnceLock<PathBuf> = OnceLock::new();
    let dir = BUILT.get_or_init(|| {
        let exe = std::env::current_exe().expect("test executable");
        let profile_dir = exe
            .parent()
            .and_then(Path::parent)
            .expect("profile dir")
            .to_path_buf();
        let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
        let mut c = Command::new(cargo);
        c.current_dir(workspace_root()).args([
            "build",
            "-q",
            "-p",
            "harrier-tools",
            "--bin",
            "capture",
            "--bin",
            "scap",
        ]);
        if profile_dir.file_name().is_some_and(|n| n == "release") {
            c.arg("--release");
        }
        if let Some(t) = profile_dir.parent() {
            c.env("CARGO_TARGET_DIR", t);
        }
        assert!(
            c.status().expect("cargo build").success(),
            "building capture/scap failed"
        );
        profile_dir
    });
    dir.join(name)
}

/// One decoded event, owned (the reader hands out borrowed views).
#[derive(Debug, Clone)]
struct Ev {
    ty: u16,
    tid: u64,
    params: Vec<Vec<u8>>,
}

impl Ev {
    fn p(&self, i: usize) -> &[u8] {
        self.params.get(i).map(Vec::as_slice).unwrap_or(&[])
    }
    fn i64(&self, i: usize) -> i64 {
        let b = self.p(i);
        b.get(..8)
            .and_then(|b| b.try_into().ok())
            .map(i64::from_le_bytes)
            .unwrap_or(i64::MIN)
    }
    fn str(&self, i: usize) -> String {
        String::from_utf8_lossy(self.p(i).strip_suffix(&[0]).unwrap_or(self.p(i))).into_owned()
    }
}

fn read_events(path: &Path) -> Vec<Ev> {
    let mut r = CaptureReader::open(path).expect("open capture");
    let mut out = Vec::new();
    while let Some(rec) = r.next_record().expect("capture reads without error") {
        if let Record::Event(e) = rec {
            let params = (0..e.nparams() as usize)
                .map(|i| e.param_bytes(i).unwrap_or(&[]).to_vec())
                .collect();
            out.push(Ev {
                ty: e.ty(),
                tid: e.tid(),
                params,
            });
        }
    }
    out
}

const MARKER: &str = "harrier_ebpf_marker";

/// A fresh scratch directory for an eBPF test, or `None` (with the reason printed) when the
/// eBPF driver cannot run on this host.
fn ebpf_test_dir(tag: &str) -> Option<PathBuf> {
    if let Err(why) = harrier_ebpf::availability() {
        println!("SKIP ebpf_capture: the eBPF driver cannot run on this host: {why}");
        return None;
    }
    let dir = std::env::temp_dir().join(format!("{tag}{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("tmpdir");
    Some(dir)
}

/// `scap convert OUT GZ --compress gzip`: sysdig reads gzip, not zstd.
fn to_gzip(out: &Path, gz: &Path) {
    let st = Command::new(tools_bin("scap"))
        .arg("convert")
        .arg(out)
        .arg(gz)
        .args(["--compress", "gzip"])
        .status()
        .expect("scap convert");
    assert!(st.success(), "scap convert failed");
}

/// Creates `<cgroup2 mount>/<name>` and returns it with its `cgroup.procs`, or `None`
/// when there is no cgroup2 mount or it is not writable.
fn cgroup2_child(name: &str) -> Option<(PathBuf, PathBuf)> {
    let mounts = std::fs::read_to_string("/proc/self/mounts").ok()?;
    let mnt = mounts.lines().find_map(|l| {
        let f: Vec<&str> = l.split_whitespace().collect();
        (f.get(2) == Some(&"cgroup2")).then(|| PathBuf::from(f.get(1).copied().unwrap_or("")))
    })?;
    let dir = mnt.join(name);
    std::fs::create_dir(&dir).ok()?;
    let procs = dir.join("cgroup.procs");
    procs.exists().then_some((dir, procs))
}

#[test]
fn ebpf_capture_of_a_workload_reads_in_our_reader_and_in_sysdig() {
    let Some(dir) = ebpf_test_dir("harrier-ebpf-test-") else {
        return;
    };
    let file = dir.join("data.txt");
    let script = dir.join("workload.sh");
    let py = "import socket\n\
              s=socket.socket(); s.bind(('127.0.0.1',0)); s.listen(1)\n\
              port=s.getsockname()[1]; open(__import__('sys').argv[1],'w').write(str(port))\n\
              c=socket.socket(); c.connect(('127.0.0.1',port)); a,_=s.accept()\n\
              c.sendall(b'ping-harrier-ebpf'); a.recv(100); a.sendall(b'pong-harrier-ebpf'); c.recv(100)\n";
    std::fs::write(dir.join("tcp.py"), py).expect("write tcp.py");
    // A child cgroup on the unified (v2) hierarchy, when this host lets us make one: the
    // exec inside it must carry its path in the cgroups parameter.
    let cgroup = cgroup2_child(&format!("harrier-ebpf-{}", std::process::id()));
    let cg_line = match &cgroup {
        Some((_, procs)) => format!(
            "/bin/sh -c 'echo $$ > {}; exec /bin/echo cgroup_marker_ebpf' > /dev/null\n",
            procs.display()
        ),
        None => String::new(),
    };
    std::fs::write(
        &script,
        format!(
            "/bin/echo {MARKER} 'arg with space' > /dev/null\n\
             echo data-written-by-ebpf-test > {f}\n\
             /bin/cat {f} > /dev/null\n\
             /bin/cat /nonexistent/harrier_ebpf_missing 2> /dev/null\n\
             /usr/bin/python3 {d}/tcp.py {d}/port\n\
             i=0; while [ $i -lt 20 ]; do /bin/true; i=$((i+1)); done\n\
             {cg_line}\
             exit 0\n",
            f = file.display(),
            d = dir.display()
        ),
    )
    .expect("write workload");

    let out = dir.join("out.scap");
    let o = Command::new(tools_bin("capture"))
        .args(["--driver", "ebpf", "--compress", "none", "-w"]) // plain: the fastest consumer
        .arg(&out)
        .args(["--", "/bin/sh"])
        .arg(&script)
        .output()
        .expect("run capture");
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert!(o.status.success(), "capture failed: {stderr}");
    assert!(
        stderr.contains("balance=ok"),
        "counters do not balance: {stderr}"
    );
    for l in stderr.lines().filter(|l| l.contains("capture: stats")) {
        println!("{l}");
    }
    let port: u16 = std::fs::read_to_string(dir.join("port"))
        .expect("port")
        .trim()
        .parse()
        .expect("port number");

    // ---- our reader
    let evs = read_events(&out);
    assert!(evs.len() > 1000, "only {} events", evs.len());
    let by = |ty: u16| evs.iter().filter(move |e| e.ty == ty);

    // exec with arguments: enter filename, exit exe + args + comm + cgroups
    let exec_x = by(293)
        .find(|e| e.str(1) == "/bin/echo" && e.i64(0) == 0)
        .expect("execve exit of /bin/echo");
    assert_eq!(
        exec_x.p(2),
        format!("{MARKER}\0arg with space\0").as_bytes(),
        "execve args"
    );
    assert_eq!(exec_x.str(13), "echo", "comm");
    assert!(
        exec_x.str(14).starts_with("cpuset=/"),
        "cgroups {:?}",
        exec_x.str(14)
    );
    assert_eq!(exec_x.i64(3), exec_x.tid as i64, "tid param");
    assert!(
        by(292).any(|e| e.tid == exec_x.tid && e.str(0) == "/bin/echo"),
        "execve enter"
    );
    // the shell was started by capture: capture's own events are excluded
    // (found by its argument: other shells may run on a shared machine)
    let script_arg = format!("{}\0", script.display());
    let sh_exec = by(293)
        .find(|e| e.str(13) == "sh" && e.i64(0) == 0 && e.p(2) == script_arg.as_bytes())
        .expect("execve of sh with the workload script");
    let capture_pid = sh_exec.i64(5) as u64;
    assert!(
        !evs.iter().any(|e| e.tid == capture_pid),
        "capture's own events were recorded"
    );

    // open/write/read/close of the file
    let fname = file.display().to_string();
    let open_w = by(307)
        .find(|e| e.str(2) == fname && e.i64(0) >= 0 && e.p(3).first().is_some_and(|f| f & 2 != 0))
        .expect("openat exit of the data file for writing");
    let wr = by(9)
        .find(|e| e.tid == open_w.tid && e.p(1) == b"data-written-by-ebpf-test\n")
        .expect("write exit with the data");
    assert_eq!(wr.i64(0), 26);
    // flags and mode converted in BPF exactly as scap-abi converts them (O_WRONLY|O_CREAT|O_TRUNC)
    let want_flags = scap_abi::flags::open_flags_to_scap(0o1101);
    assert_eq!(open_w.p(3), want_flags.to_le_bytes(), "openat flags");
    assert_eq!(open_w.p(4), 0o666u32.to_le_bytes(), "openat mode");
    // the shell dup2()s the file onto stdout, then writes 26 bytes
    assert!(
        by(125).any(|e| e.tid == open_w.tid && e.i64(0) == 1),
        "dup exit onto fd 1"
    );
    assert!(
        by(8).any(|e| e.tid == open_w.tid && e.i64(0) == 1 && e.p(1) == 26u32.to_le_bytes()),
        "write enter"
    );
    let cat_tid = by(293)
        .find(|e| e.str(1) == "/bin/cat" && e.p(2).starts_with(fname.as_bytes()))
        .expect("cat exec")
        .tid;
    assert!(
        by(7).any(|e| e.tid == cat_tid && e.p(1) == b"data-written-by-ebpf-test\n"),
        "read exit with the data"
    );
    assert!(
        by(4).any(|e| e.tid == cat_tid) && by(5).any(|e| e.tid == cat_tid),
        "close enter and exit"
    );

    // the cgroup path, when a child cgroup could be made
    match &cgroup {
        Some((dir, _)) => {
            let name = dir.file_name().and_then(|n| n.to_str()).unwrap_or_default();
            let ex = by(293)
                .find(|e| e.str(1) == "/bin/echo" && e.p(2) == b"cgroup_marker_ebpf\0")
                .expect("execve of the echo in the child cgroup");
            assert_eq!(
                ex.str(14),
                format!("cpuset=/{name}"),
                "cgroups of a process in a child cgroup"
            );
            let _ = std::fs::remove_dir(dir);
        }
        None => println!("ebpf_capture: no writable cgroup2 hierarchy, cgroup path not checked"),
    }

    // the failing syscall
    assert!(
        by(307).any(|e| e.str(2) == "/nonexistent/harrier_ebpf_missing" && e.i64(0) == -2),
        "failing openat with ENOENT"
    );

    // TCP on loopback: socket, connect with the tuple, accept, data both ways
    let conn = by(23)
        .find(|e| e.i64(0) == 0 && e.p(1).len() == 13 && e.p(1)[11..13] == port.to_le_bytes())
        .expect("connect exit with an IPv4 tuple to the port");
    assert_eq!(conn.p(1)[0], 2, "AF_INET");
    assert_eq!(&conn.p(1)[7..11], &[127, 0, 0, 1]);
    assert!(
        by(22)
            .any(|e| e.tid == conn.tid && e.p(1).len() == 7 && e.p(1)[5..7] == port.to_le_bytes()),
        "connect enter sockaddr"
    );
    assert!(
        by(19).any(|e| e.tid == conn.tid && e.i64(0) >= 0),
        "socket exit"
    );
    assert!(
        by(249)
            .chain(by(247))
            .any(|e| e.tid == conn.tid && e.i64(0) >= 0 && e.p(1).len() == 13),
        "accept exit with tuple"
    );
    assert!(
        by(31).any(|e| e.tid == conn.tid && e.p(1) == b"ping-harrier-ebpf"),
        "sendto data"
    );
    assert!(
        by(35).any(|e| e.tid == conn.tid && e.p(1) == b"pong-harrier-ebpf"),
        "recvfrom data"
    );

    // short processes: 20 execs of /bin/true, each with its procexit
    let trues: Vec<u64> = by(293)
        .filter(|e| e.str(1) == "/bin/true" && e.i64(0) == 0 && e.i64(5) == sh_exec.tid as i64)
        .map(|e| e.tid)
        .collect();
    assert_eq!(trues.len(), 20, "execs of /bin/true");
    let exits: HashMap<u64, i64> = by(186).map(|e| (e.tid, e.i64(0))).collect();
    for t in &trues {
        assert_eq!(exits.get(t), Some(&0), "procexit of /bin/true {t}");
    }
    // every enter of a thread is followed by its exit (E, X consecutive per thread)
    let mut last: HashMap<u64, u16> = HashMap::new();
    let mut unpaired = 0;
    for e in &evs {
        if e.ty % 2 == 1 && e.ty != 1 && last.get(&e.tid).is_some_and(|&p| p + 1 != e.ty) {
            unpaired += 1;
        }
        last.insert(e.tid, e.ty);
    }
    assert!(
        unpaired * 100 < evs.len(),
        "{unpaired} exits without their enter"
    );

    // ---- the real sysdig, on a gzip conversion
    let gz = dir.join("out.scap.gz");
    to_gzip(&out, &gz);
    // sysdig reads every event we wrote, with no error
    let (ok, all, err) = sysdig_print(&gz, "%evt.num", None);
    assert!(ok, "sysdig failed: {err}");
    assert_eq!(
        all.len(),
        evs.len(),
        "sysdig and our reader disagree on the event count"
    );
    let (ok, lines, err) = sysdig_print(
        &gz,
        "%evt.dir %proc.name %evt.args",
        Some("evt.type=execve and evt.dir=< and proc.name=echo"),
    );
    assert!(ok, "sysdig failed: {err}");
    assert!(
        lines
            .iter()
            .any(|l| l.contains(&format!("args={MARKER}.arg with space."))
                && l.contains("exe=/bin/echo")),
        "sysdig execve lines: {lines:?}"
    );
    let (ok, lines, err) = sysdig_print(
        &gz,
        "%fd.name %evt.arg.data",
        Some("evt.type=write and evt.dir=< and proc.name=sh"),
    );
    assert!(ok, "sysdig failed: {err}");
    assert!(
        lines
            .iter()
            .any(|l| l.starts_with(&fname) && l.contains("data-written-by-ebpf-test")),
        "sysdig write lines: {lines:?}"
    );
    let (_, lines, _) = sysdig_print(
        &gz,
        "%fd.name %evt.res",
        Some("evt.type=connect and evt.dir=<"),
    );
    assert!(
        lines
            .iter()
            .any(|l| l.contains(&format!("->127.0.0.1:{port}")) && l.ends_with("SUCCESS")),
        "sysdig connect lines: {lines:?}"
    );
    let (_, lines, _) = sysdig_print(
        &gz,
        "%evt.res %evt.arg.name",
        Some("evt.type=openat and evt.dir=< and evt.failed=true"),
    );
    assert!(
        lines
            .iter()
            .any(|l| l == "ENOENT /nonexistent/harrier_ebpf_missing"),
        "sysdig failed openat: {lines:?}"
    );
    let (_, lines, _) = sysdig_print(
        &gz,
        "%proc.name %evt.arg.status",
        Some(&format!(
            "evt.type=procexit and proc.name=true and proc.ppid={}",
            sh_exec.tid
        )),
    );
    assert_eq!(lines.len(), 20, "sysdig procexit lines of true: {lines:?}");
    let (_, lines, _) = sysdig_print(
        &gz,
        "%proc.pname %proc.cmdline",
        Some("evt.type=execve and evt.dir=< and proc.name=python3"),
    );
    assert!(
        lines
            .iter()
            .any(|l| l.starts_with("sh ") && l.contains("tcp.py")),
        "sysdig parent/cmdline: {lines:?}"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

/// SIGTERM (as Ctrl-C's SIGINT) stops a long capture early and cleanly: exit status 0,
/// the command it ran is ended, the counters balance, and the zstd file is complete (every
/// event the capture says it wrote reads back, in our reader and in sysdig).
#[test]
fn ebpf_capture_stops_cleanly_on_a_signal() {
    let Some(dir) = ebpf_test_dir("harrier-ebpf-sig-") else {
        return;
    };
    let out = dir.join("sig.scap");
    for (sig, name) in [("-TERM", "SIGTERM"), ("-INT", "SIGINT")] {
        let _ = std::fs::remove_file(&out);
        let child = Command::new(tools_bin("capture"))
            .args(["--driver", "ebpf", "--duration", "300", "-w"])
            .arg(&out)
            .args([
                "--",
                "/bin/sh",
                "-c",
                "while :; do /bin/true; sleep 0.05; done",
            ])
            .stderr(std::process::Stdio::piped())
            .spawn()
            .expect("start capture");
        // Let it capture a little (the probe loads in well under this).
        std::thread::sleep(std::time::Duration::from_secs(3));
        let t = std::time::Instant::now();
        let st = Command::new("kill")
            .arg(sig)
            .arg(child.id().to_string())
            .status()
            .expect("kill");
        assert!(st.success());
        let o = child.wait_with_output().expect("capture ends");
        let err = String::from_utf8_lossy(&o.stderr);
        assert!(o.status.success(), "{name}: capture failed: {err}");
        assert!(
            t.elapsed().as_secs() < 30,
            "{name}: capture took too long to stop"
        );
        assert!(
            err.contains("interrupted;") && err.contains("balance=ok"),
            "{name}: {err}"
        );
        let written: usize = err
            .split_whitespace()
            .find_map(|w| w.strip_prefix("written="))
            .and_then(|n| n.parse().ok())
            .expect("written= in the stats line");
        assert!(written > 0, "{name}: nothing captured: {err}");
        // The zstd file reads to its end with no error and holds every event written.
        let evs = read_events(&out);
        assert_eq!(evs.len(), written, "{name}");
        assert!(
            evs.iter()
                .any(|e| scap_abi::event::info(e.ty).is_some_and(|i| i.name == "execve")),
            "{name}: the command's execs are in the capture"
        );
        let gz = dir.join("sig.scap.gz");
        to_gzip(&out, &gz);
        let (ok, all, err) = sysdig_print(&gz, "%evt.num", None);
        assert!(ok, "{name}: sysdig failed: {err}");
        assert_eq!(all.len(), written, "{name}: sysdig's count");
        // The file carries the host's users (UL block): sysdig names the exec's user.
        let (ok, users, err) = sysdig_print(
            &gz,
            "%user.name",
            Some("evt.type=execve and proc.name=true"),
        );
        assert!(ok, "{name}: sysdig failed: {err}");
        assert!(
            !users.is_empty() && users.iter().all(|u| u == "root"),
            "{name}: {users:?}"
        );
    }
    let _ = std::fs::remove_dir_all(&dir);
}

/// `capture --rules`: live alerts from the eBPF driver, as Falco prints them (JSON here),
/// with state-backed fields (parent name, file name); a rule that must not fire does not;
/// a broken rules file stops before anything starts, naming file, line and column.
#[test]
fn ebpf_capture_rules_raise_live_alerts() {
    let Some(dir) = ebpf_test_dir("harrier-ebpf-live-") else {
        return;
    };
    let target = dir.join("watched.txt");
    let rules = dir.join("live.yaml");
    std::fs::write(
        &rules,
        format!(
            "- list: marker_words\n  items: [harrier_live_marker]\n\
             - macro: marker_exec\n  condition: evt.type = execve and proc.cmdline contains harrier_live_marker\n\
             - rule: Live marker exec\n  desc: an exec carrying the marker\n  condition: marker_exec and proc.name = echo\n  \
               output: live marker (proc=%proc.name parent=%proc.pname cmdline=%proc.cmdline)\n  priority: WARNING\n  tags: [test]\n\
             - rule: Live watched open\n  desc: the watched file is opened\n  condition: evt.type in (open, openat) and fd.name = {t}\n  \
               output: live open (proc=%proc.name file=%fd.name)\n  priority: NOTICE\n\
             - rule: Never fires\n  desc: no process has this name\n  condition: evt.type = execve and proc.name = harrier_no_such_process\n  \
               output: never (proc=%proc.name)\n  priority: CRITICAL\n",
            t = target.display()
        ),
    )
    .expect("write rules");
    let out = dir.join("live.scap");
    let o = Command::new(tools_bin("capture"))
        .args(["--driver", "ebpf", "--json", "--rules"])
        .arg(&rules)
        .arg("-w")
        .arg(&out)
        .args(["--", "/bin/sh", "-c"])
        .arg(format!(
            "/bin/echo harrier_live_marker > /dev/null; echo x > {t}; /bin/cat {t} > /dev/null",
            t = target.display()
        ))
        .output()
        .expect("run capture");
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(o.status.success(), "capture --rules failed: {err}");
    let alerts: Vec<serde_json::Value> = String::from_utf8_lossy(&o.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("not JSON: {l}: {e}")))
        .collect();
    let of = |rule: &str| -> Vec<&serde_json::Value> {
        alerts.iter().filter(|a| a["rule"] == rule).collect()
    };
    let exec = of("Live marker exec");
    assert_eq!(exec.len(), 1, "alerts: {alerts:?}");
    assert_eq!(exec[0]["priority"], "Warning");
    assert_eq!(exec[0]["output_fields"]["proc.name"], "echo");
    assert_eq!(exec[0]["output_fields"]["proc.pname"], "sh");
    assert_eq!(
        exec[0]["output_fields"]["proc.cmdline"],
        "echo harrier_live_marker"
    );
    let opens = of("Live watched open");
    assert!(
        opens.len() >= 2,
        "the sh redirection and cat open it: {alerts:?}"
    );
    assert!(opens
        .iter()
        .any(|a| a["output_fields"]["proc.name"] == "cat"));
    assert!(opens
        .iter()
        .all(|a| a["output_fields"]["fd.name"] == target.display().to_string().as_str()));
    assert!(of("Never fires").is_empty());
    assert!(
        err.contains(&format!("capture: {} alerts", alerts.len())),
        "{err}"
    );
    // The capture written at the same time holds the marker exec.
    let evs = read_events(&out);
    assert!(evs.iter().any(|e| e.ty == scap_abi::event::ids::EXECVE_X
        && e.params
            .iter()
            .any(|p| p.windows(19).any(|w| w == b"harrier_live_marker"))));

    // A broken rules file: nothing starts, no file is left behind, the error says where.
    let bad = dir.join("bad.yaml");
    std::fs::write(&bad, "- rule: Broken\n  desc: d\n  condition: evt.type = execve and (\n  output: x\n  priority: WARNING\n").unwrap();
    let out2 = dir.join("never.scap");
    let o = Command::new(tools_bin("capture"))
        .args(["--driver", "ebpf", "--rules"])
        .arg(&bad)
        .arg("-w")
        .arg(&out2)
        .args(["--duration", "1"])
        .output()
        .expect("run capture");
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(!o.status.success());
    // Falco's layout: 0-based line and column of the condition (line 3, column 14).
    assert!(
        err.contains("bad.yaml: Invalid") && err.contains("bad.yaml:2:13)"),
        "{err}"
    );
    assert!(!out2.exists(), "a file was left behind");
    let _ = std::fs::remove_dir_all(&dir);
}
