//! End-to-end tests of the `replay` binary: the bundled demo, the shared libscap samples,
//! JSON alerts, exit codes, bad input, time windows, filters, several files, summaries, the
//! process tree, dump mode against sysdig, and every output channel delivering to a real
//! receiver (a file, a program, an HTTP server and a syslog socket on this machine).

#[path = "replay_support.rs"]
mod support;

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpListener;
use std::os::unix::net::UnixDatagram;
use std::time::Duration;

use support::{count_by_rule, json_alerts, replay, root, stderr, tmpdir};

fn demo() -> String {
    root()
        .join("tests/fixtures/demo.scap")
        .display()
        .to_string()
}

/// The alerts the demo capture must raise with the default rules.
fn demo_expected() -> BTreeMap<String, u64> {
    [
        ("Shell spawned in a container", 1),
        ("Network tool launched in a container", 1),
        ("Process not on container allowlist", 2),
        ("Sensitive file read", 1),
        ("Write below binary directory", 1),
        ("Outbound connection to an unlisted domain", 1),
        ("Sensitive host path mounted into a container", 1),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v))
    .collect()
}

#[test]
fn demo_raises_every_default_rule() {
    // The README's first command (text output).
    let out = replay(&[&demo()]);
    assert!(out.status.success(), "{}", stderr(&out));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains(": Warning Shell spawned in a container (user=www-data shell=bash"),
        "{text}"
    );
    assert!(
        text.contains("container_id=3ad7b26ded6d container_name=web"),
        "{text}"
    );
    assert!(text.contains("Events detected: 8\n"), "{text}");
    assert!(
        text.contains(
            "Rule counts by severity:\n   CRITICAL: 1\n   ERROR: 3\n   WARNING: 2\n   NOTICE: 2\n"
        ),
        "{text}"
    );
    assert!(text.contains("Triggered rules by rule name:\n"), "{text}");
    assert!(
        text.contains("   Process not on container allowlist: 2\n"),
        "{text}"
    );
    // The same run in JSON.
    let out = replay(&[&demo(), "-o", "json_output=true"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let alerts = json_alerts(&out);
    assert_eq!(count_by_rule(&alerts), demo_expected());
    // Falco's summary lines go to stderr when stdout carries JSON.
    assert!(stderr(&out).contains("Events detected: 8"));
}

#[test]
fn json_alerts_have_falcos_shape() {
    let out = replay(&[&demo(), "--json", "-q", "-o", "time_format_iso_8601=true"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let alerts = json_alerts(&out);
    assert_eq!(alerts.len(), 8);
    for a in &alerts {
        let o = a.as_object().expect("object");
        let keys: Vec<&str> = o.keys().map(String::as_str).collect();
        assert_eq!(
            keys,
            [
                "hostname",
                "output",
                "output_fields",
                "priority",
                "rule",
                "source",
                "tags",
                "time"
            ]
        );
        assert_eq!(a["source"], "syscall");
        let time = a["time"].as_str().expect("time");
        // 2024-05-01T10:00:02.009200000Z
        assert_eq!(time.len(), 30, "{time}");
        assert!(
            time.starts_with("2024-05-01T10:00:0") && time.ends_with('Z'),
            "{time}"
        );
        let output = a["output"].as_str().expect("output");
        assert!(
            output.starts_with("2024-05-01T10:00:0") && output.contains("+0000: "),
            "{output}"
        );
        let tags: Vec<&str> = a["tags"]
            .as_array()
            .expect("tags")
            .iter()
            .filter_map(|t| t.as_str())
            .collect();
        let mut sorted = tags.clone();
        sorted.sort_unstable();
        assert_eq!(tags, sorted);
        let f = a["output_fields"].as_object().expect("output_fields");
        assert!(f["evt.time.iso8601"].is_u64(), "{f:?}");
        assert!(f.contains_key("container.id") && f.contains_key("proc.pid"));
    }
    let shell = alerts
        .iter()
        .find(|a| a["rule"] == "Shell spawned in a container")
        .expect("shell alert");
    assert_eq!(shell["priority"], "Warning");
    assert_eq!(shell["output_fields"]["proc.name"], "bash");
    assert_eq!(shell["output_fields"]["proc.pid"], 3000);
    assert_eq!(shell["output_fields"]["user.name"], "www-data");
    // json_include_*_property switches.
    let out = replay(&[
        &demo(),
        "--json",
        "-q",
        "-o",
        "json_include_output_property=false",
        "-o",
        "json_include_tags_property=false",
    ]);
    for a in json_alerts(&out) {
        assert!(a.get("output").is_none() && a.get("tags").is_none(), "{a}");
    }
}

#[test]
fn shared_samples_replay_with_default_rules() {
    // Expected alerts on the libscap samples: curl connecting to public IPv6 addresses.
    let expect: &[(&str, u64)] = &[
        ("libs_e2e_curl_google.scap", 2),
        ("libs_e2e_curl_google_comments.scap", 2),
        ("libs_e2e_single_ipv6_conn.scap", 1),
        ("libs_e2e_test_ipv6_client.scap", 0),
        ("libs_sinsp_test_sample.scap", 0),
    ];
    let dir = root().join("tests/fixtures/scap");
    for (name, n) in expect {
        let p = dir.join(name);
        let out = replay(&[p.to_str().expect("path"), "--json", "-q"]);
        assert!(out.status.success(), "{name}: {}", stderr(&out));
        let alerts = json_alerts(&out);
        assert_eq!(alerts.len() as u64, *n, "{name}: {alerts:?}");
        for a in &alerts {
            assert_eq!(
                a["rule"], "Outbound connection to an unlisted domain",
                "{name}"
            );
            if name.contains("curl") {
                assert_eq!(a["output_fields"]["proc.name"], "curl", "{name}");
                assert_eq!(
                    a["output_fields"]["proc.cmdline"],
                    "curl -6 http://www.google.com"
                );
            }
        }
    }
    // A hosts file naming Google's resolver as an allowed domain silences that alert.
    let d = tmpdir("hosts");
    let hosts = d.join("hosts");
    std::fs::write(&hosts, "2001:4860:4860::8888 github.com\n").expect("hosts");
    let p = dir.join("libs_e2e_curl_google.scap");
    let out = replay(&[
        p.to_str().expect("path"),
        "--json",
        "-q",
        "--hosts",
        hosts.to_str().expect("p"),
    ]);
    assert_eq!(json_alerts(&out).len(), 1, "{}", stderr(&out));
}

#[test]
fn dump_mode_matches_sysdig() {
    let fmt = "%evt.num %evt.type %evt.dir %proc.name %proc.pid %proc.pname %fd.name %container.id %user.name";
    for cap in [
        root().join("tests/fixtures/demo.scap"),
        root().join("tests/fixtures/scap/libs_e2e_curl_google.scap"),
    ] {
        let c = cap.to_str().expect("path");
        let ours = replay(&[c, "-p", fmt]);
        assert!(ours.status.success(), "{}", stderr(&ours));
        let theirs = std::process::Command::new("sysdig")
            .args(["-r", c, "-p", fmt])
            .output()
            .expect("sysdig (apt-get install -y sysdig)");
        assert!(theirs.status.success());
        assert_eq!(
            String::from_utf8_lossy(&ours.stdout),
            String::from_utf8_lossy(&theirs.stdout),
            "{c}"
        );
    }
    let out = replay(&[
        &demo(),
        "-p",
        "%evt.num %proc.name",
        "evt.type=openat and fd.name=/etc/shadow",
    ]);
    assert_eq!(String::from_utf8_lossy(&out.stdout), "147 sshd\n203 cat\n");
}

#[test]
fn exit_codes_and_fail_on() {
    let off = ["-o", "stdout_output.enabled=false", "-q"];
    let run = |extra: &[&str]| {
        let d = demo();
        let mut a = vec![d.as_str()];
        a.extend_from_slice(&off);
        a.extend_from_slice(extra);
        replay(&a).status.code()
    };
    assert_eq!(run(&[]), Some(0));
    assert_eq!(run(&["--fail-on", "critical"]), Some(3));
    assert_eq!(run(&["--fail-on", "emergency"]), Some(0));
    assert_eq!(run(&["--fail-on", "WARNING"]), Some(3));
    assert_eq!(run(&["--fail-on", "loud"]), Some(2));
    assert_eq!(replay(&["--no-such-flag"]).status.code(), Some(2));
    assert_eq!(replay(&[]).status.code(), Some(2));
    let out = replay(&["/nonexistent/x.scap"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("/nonexistent/x.scap"),
        "{}",
        stderr(&out)
    );
    let help = replay(&["--help"]);
    let h = String::from_utf8_lossy(&help.stdout);
    assert!(
        h.contains("Exit codes:") && h.contains("Examples:") && h.contains("--fail-on"),
        "{h}"
    );
}

#[test]
fn corrupt_capture_reports_where_and_keeps_earlier_alerts() {
    let bytes = std::fs::read(root().join("tests/fixtures/demo.scap")).expect("demo");
    let d = tmpdir("corrupt");
    // Cut in the middle of the last event block: every alert but the mount one (the last
    // events) must still come out, then an error naming the offset and event number.
    let cut = bytes.len() - 30;
    let p = d.join("cut.scap");
    std::fs::write(&p, &bytes[..cut]).expect("write");
    let out = replay(&[p.to_str().expect("p"), "--json", "-q"]);
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    assert!(
        err.contains("cut.scap: byte offset ") && err.contains("after event #"),
        "{err}"
    );
    assert_eq!(
        json_alerts(&out).len(),
        8,
        "alerts before the damage are emitted"
    );
    // Garbage and empty files: clear error, no panic.
    for (name, data) in [
        ("garbage.scap", b"this is not a capture".to_vec()),
        ("empty.scap", Vec::new()),
    ] {
        let p = d.join(name);
        std::fs::write(&p, data).expect("write");
        let out = replay(&[p.to_str().expect("p")]);
        assert_eq!(out.status.code(), Some(1), "{name}");
        assert!(
            stderr(&out).contains(name) && !stderr(&out).contains("panicked"),
            "{}",
            stderr(&out)
        );
    }
    // Every truncation of the demo: never a panic; exit 0 only on whole-block cuts.
    for cut in (0..bytes.len()).step_by(509) {
        let p = d.join("t.scap");
        std::fs::write(&p, &bytes[..cut]).expect("write");
        let out = replay(&[
            p.to_str().expect("p"),
            "-q",
            "-o",
            "stdout_output.enabled=false",
        ]);
        assert!(
            matches!(out.status.code(), Some(0 | 1)),
            "cut {cut}: {:?}",
            out.status
        );
        assert!(
            !stderr(&out).contains("panicked"),
            "cut {cut}: {}",
            stderr(&out)
        );
    }
}

#[test]
fn bad_rules_and_validate() {
    let d = tmpdir("badrules");
    let bad = d.join("bad.yaml");
    std::fs::write(&bad, "- rule: r\n  desc: d\n  condition: evt.type=open and proc.nme=cat\n  output: o\n  priority: WARNING\n").expect("write");
    let out = replay(&[&demo(), "--rules", bad.to_str().expect("p")]);
    assert_eq!(out.status.code(), Some(1));
    let e = stderr(&out);
    assert!(
        e.contains("bad.yaml")
            && e.contains("proc.nme")
            && e.contains("LOAD_ERR_COMPILE_CONDITION"),
        "{e}"
    );
    let rules = root().join("rules/harrier_rules.yaml");
    let out = replay(&["--validate", rules.to_str().expect("p")]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        format!("{}: Ok\n", rules.display())
    );
    let out = replay(&["-V", rules.to_str().expect("p"), bad.to_str().expect("p")]);
    assert_eq!(out.status.code(), Some(1));
    let o = String::from_utf8_lossy(&out.stdout);
    assert!(
        o.contains(": Ok\n") && o.contains("bad.yaml: Invalid"),
        "{o}"
    );
    // YAML syntax error: file:line:col.
    let broken = d.join("broken.yaml");
    std::fs::write(&broken, "- rule: x\n  desc: [unclosed\n").expect("write");
    let out = replay(&["-V", broken.to_str().expect("p")]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stdout).contains("LOAD_ERR_YAML_PARSE"));
    // A directory of rules loads in name order.
    let dir = d.join("rules.d");
    std::fs::create_dir_all(&dir).expect("dir");
    std::fs::copy(&rules, dir.join("10-harrier.yaml")).expect("copy");
    std::fs::write(dir.join("20-local.yml"), "- rule: Shell spawned in a container\n  enabled: false\n  override:\n    enabled: replace\n").expect("write");
    std::fs::write(dir.join("README.txt"), "not rules").expect("write");
    let out = replay(&[&demo(), "--rules", dir.to_str().expect("p"), "--json", "-q"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let got = count_by_rule(&json_alerts(&out));
    assert!(
        !got.contains_key("Shell spawned in a container") && got.len() == 6,
        "{got:?}"
    );
}

#[test]
fn list_and_list_fields() {
    let out = replay(&["-L"]);
    assert!(out.status.success());
    let o = String::from_utf8_lossy(&out.stdout);
    for r in demo_expected().keys() {
        assert!(o.contains(r.as_str()), "{o}");
    }
    assert!(
        o.contains("execve execveat") && o.contains("Critical") && o.contains("7 rules, 7 enabled"),
        "{o}"
    );
    let out = replay(&["-L", "--json"]);
    let j: serde_json::Value = serde_json::from_slice(&out.stdout).expect("-L json");
    assert_eq!(j["rules"].as_array().map(Vec::len), Some(7));
    let out = replay(&["--list-fields"]);
    let o = String::from_utf8_lossy(&out.stdout);
    assert!(
        o.contains("proc.name")
            && o.contains("fd.sip.name")
            && o.contains("container.image.repository")
    );
}

#[test]
fn window_filter_priority_and_selection() {
    let count = |extra: &[&str]| {
        let d = demo();
        let mut a = vec![d.as_str(), "--json", "-q"];
        a.extend_from_slice(extra);
        let out = replay(&a);
        assert!(out.status.success(), "{extra:?}: {}", stderr(&out));
        count_by_rule(&json_alerts(&out))
    };
    // The mount happens at +3s; the rest between +2s and +3s.
    assert_eq!(
        count(&["--from", "+3s"]).keys().collect::<Vec<_>>(),
        ["Sensitive host path mounted into a container"]
    );
    assert_eq!(count(&["--to", "+2s"]).len(), 0);
    assert_eq!(
        count(&[
            "--from",
            "2024-05-01T10:00:02Z",
            "--to",
            "2024-05-01T10:00:03Z"
        ])
        .values()
        .sum::<u64>(),
        7
    );
    assert_eq!(
        count(&["--filter", "proc.name=cat"]).values().sum::<u64>(),
        2
    );
    // priority=error drops the Warning/Notice rules, so the shell and nc execs in the
    // allowlisted nginx image now reach the allowlist rule: 1 + 1 + 4.
    let errs = count(&["-o", "priority=error"]);
    assert_eq!(
        errs.get("Process not on container allowlist"),
        Some(&4),
        "{errs:?}"
    );
    assert_eq!(errs.values().sum::<u64>(), 6);
    assert_eq!(
        count(&["-o", "rules[].disable.tag=container"])
            .values()
            .sum::<u64>(),
        3
    );
    assert_eq!(
        count(&[
            "-o",
            "rules[].disable.rule=*",
            "-o",
            "rules[].enable.rule=Sensitive*"
        ])
        .values()
        .sum::<u64>(),
        2
    );
    // rule_matching: all reports the second rule matching the `cat` exec too... none here,
    // but the shell exec in the allowlisted nginx image also matches the allowlist rule.
    let all = count(&["-o", "rule_matching=all"]);
    assert_eq!(
        all.get("Process not on container allowlist"),
        Some(&4),
        "{all:?}"
    );
    let out = replay(&[&demo(), "--filter", "proc.name = = x"]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
}

#[test]
fn several_files_merge_in_time_order() {
    // Two captures whose events interleave in time: alerts come out in time order.
    use replay::synth::{base_system, oflags, Proc, Synth, T0};
    let d = tmpdir("merge");
    let mut paths = Vec::new();
    for (k, offset) in [(0u64, 0u64), (1, 5_000)] {
        let mut s = Synth::new(T0 + offset, 10_000);
        base_system(&mut s);
        for i in 0..3 {
            let pid = 2000 + i as i64;
            s.spawn(Proc::new(
                pid,
                600,
                "/usr/bin/python3",
                &[&format!("f{k}{i}")],
            ));
            let fd = s.open(pid, "/etc/shadow", oflags::RDONLY);
            s.close(pid, fd);
        }
        let p = d.join(format!("part{k}.scap"));
        s.finish().write(&p).expect("write");
        paths.push(p.display().to_string());
    }
    let out = replay(&[&paths[1], &paths[0], "--json", "-q"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let alerts = json_alerts(&out);
    assert_eq!(alerts.len(), 6);
    let times: Vec<&str> = alerts
        .iter()
        .map(|a| a["time"].as_str().expect("t"))
        .collect();
    let mut sorted = times.clone();
    sorted.sort_unstable();
    assert_eq!(times, sorted);
    let cmd: Vec<&str> = alerts
        .iter()
        .map(|a| a["output_fields"]["proc.cmdline"].as_str().expect("c"))
        .collect();
    assert_eq!(
        cmd,
        [
            "python3 f00",
            "python3 f10",
            "python3 f01",
            "python3 f11",
            "python3 f02",
            "python3 f12"
        ]
    );
}

#[test]
fn summary_and_process_tree() {
    let out = replay(&[
        &demo(),
        "-q",
        "--summary",
        "--process-tree",
        "-o",
        "stdout_output.enabled=false",
    ]);
    assert!(out.status.success());
    let o = String::from_utf8_lossy(&out.stdout);
    for want in [
        "events read",
        "232",
        "Top processes",
        "nginx",
        "Top files",
        "/etc/shadow",
        "Top connections",
        "203.0.113.66:4444",
        "Top syscalls",
        "openat",
        "Sensitive file read",
    ] {
        assert!(o.contains(want), "missing {want}: {o}");
    }
    assert!(o.contains("! └─ 3000 bash (bash -i) [container 3ad7b26ded6d]  <== ALERT Shell spawned in a container"), "{o}");
    assert!(
        o.contains("  └─ 2001 tar (tar czf /var/backups/www.tgz /srv/www)"),
        "{o}"
    );
}

/// One HTTP request parsed by the test server.
struct Req {
    line: String,
    ctype: String,
    body: Vec<u8>,
}

fn http_server(n: usize) -> (u16, std::thread::JoinHandle<Vec<Req>>) {
    let l = TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = l.local_addr().expect("addr").port();
    let h = std::thread::spawn(move || {
        let mut got = Vec::new();
        for _ in 0..n {
            let (s, _) = l.accept().expect("accept");
            s.set_read_timeout(Some(Duration::from_secs(20)))
                .expect("timeout");
            let mut r = BufReader::new(&s);
            let mut line = String::new();
            r.read_line(&mut line).expect("request line");
            let (mut len, mut ctype) = (0usize, String::new());
            loop {
                let mut h = String::new();
                r.read_line(&mut h).expect("header");
                let h = h.trim_end();
                if h.is_empty() {
                    break;
                }
                let (k, v) = h.split_once(':').expect("header colon");
                match k.to_ascii_lowercase().as_str() {
                    "content-length" => len = v.trim().parse().expect("len"),
                    "content-type" => ctype = v.trim().to_string(),
                    _ => {}
                }
            }
            let mut body = vec![0; len];
            r.read_exact(&mut body).expect("body");
            (&s).write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n")
                .expect("respond");
            got.push(Req {
                line: line.trim_end().to_string(),
                ctype,
                body,
            });
        }
        got
    });
    (port, h)
}

#[test]
fn output_channels_deliver_to_real_receivers() {
    let d = tmpdir("channels");
    let file = d.join("alerts.json");
    let prog_out = d.join("program.txt");
    let sock = d.join("log.sock");
    let rx = UnixDatagram::bind(&sock).expect("bind syslog socket");
    rx.set_read_timeout(Some(Duration::from_secs(20)))
        .expect("timeout");
    let (port, server) = http_server(8);
    let cfg = d.join("falco.yaml");
    std::fs::write(
        &cfg,
        format!(
            "json_output: true\nstdout_output:\n  enabled: false\nfile_output:\n  enabled: true\n  keep_alive: true\n  filename: {}\n\
             program_output:\n  enabled: true\n  keep_alive: true\n  program: \"cat >> {}\"\n\
             http_output:\n  enabled: true\n  url: http://127.0.0.1:{port}/falco\n\
             syslog_output:\n  enabled: true\n  socket: {}\n",
            file.display(),
            prog_out.display(),
            sock.display()
        ),
    )
    .expect("config");
    let out = replay(&[&demo(), "-c", cfg.to_str().expect("p")]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(!stderr(&out).contains("output channel"), "{}", stderr(&out));
    let lines = |p: &std::path::Path| -> Vec<serde_json::Value> {
        std::fs::read_to_string(p)
            .expect("read")
            .lines()
            .map(|l| serde_json::from_str(l).expect("JSON line"))
            .collect()
    };
    let via_file = lines(&file);
    assert_eq!(via_file.len(), 8);
    assert_eq!(count_by_rule(&via_file), demo_expected());
    assert_eq!(lines(&prog_out), via_file);
    let reqs = server.join().expect("server");
    assert_eq!(reqs.len(), 8);
    for (r, f) in reqs.iter().zip(&via_file) {
        assert_eq!(r.line, "POST /falco HTTP/1.1");
        assert_eq!(r.ctype, "application/json");
        let v: serde_json::Value = serde_json::from_slice(&r.body).expect("JSON body");
        assert_eq!(&v, f);
    }
    let mut buf = [0u8; 8192];
    let mut prios = Vec::new();
    for _ in 0..8 {
        let n = rx.recv(&mut buf).expect("syslog datagram");
        let m = String::from_utf8_lossy(&buf[..n]).into_owned();
        let pri: u32 = m[1..m.find('>').expect(">")].parse().expect("pri");
        let json = &m[m.find(": {").expect("message") + 2..];
        let v: serde_json::Value = serde_json::from_str(json).expect("JSON in syslog");
        prios.push((pri, v["priority"].as_str().expect("p").to_string()));
    }
    for (pri, name) in prios {
        let level = [
            "Emergency",
            "Alert",
            "Critical",
            "Error",
            "Warning",
            "Notice",
            "Informational",
            "Debug",
        ]
        .iter()
        .position(|p| *p == name)
        .expect("priority name") as u32;
        assert_eq!(pri, 8 + level, "user facility + Falco priority number");
    }
}

#[test]
fn failing_channels_are_counted_not_fatal() {
    let d = tmpdir("failing");
    // Nothing listens on the HTTP port; the program exits non-zero; the file's directory is
    // missing. Evaluation goes on, stdout still gets every alert, failures are reported.
    let l = TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = l.local_addr().expect("addr").port();
    drop(l);
    let url = format!("http_output.url=http://127.0.0.1:{port}/");
    let fname = format!("file_output.filename={}", d.join("missing/dir/x").display());
    let out = replay(&[
        &demo(),
        "--json",
        "-q",
        "-o",
        "http_output.enabled=true",
        "-o",
        &url,
        "-o",
        "program_output.enabled=true",
        "-o",
        "program_output.program=cat >/dev/null; exit 4",
        "-o",
        "file_output.enabled=true",
        "-o",
        &fname,
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(json_alerts(&out).len(), 8);
    let e = stderr(&out);
    assert!(
        e.contains("output channel http_output: 0 delivered, 8 failed"),
        "{e}"
    );
    assert!(
        e.contains("output channel program_output: 0 delivered, 8 failed"),
        "{e}"
    );
    assert!(
        e.contains("output channel file_output: 0 delivered, 8 failed"),
        "{e}"
    );
}

#[test]
fn append_output_from_config() {
    // A configured append_output replaces Falco's default (the container fields) and
    // applies only to rules having all the listed tags.
    let out = replay(&[
        &demo(),
        "-q",
        "--filter",
        "proc.name=cat",
        "-o",
        "append_output[].extra_output=tty=%proc.tty",
        "-o",
        "append_output[0].match.tags[]=filesystem",
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let o = String::from_utf8_lossy(&out.stdout);
    let lines: Vec<&str> = o.lines().collect();
    assert_eq!(lines.len(), 2, "{o}");
    assert!(
        lines[0].contains("allowlist") && lines[0].ends_with("image=docker.io/library/nginx)"),
        "{o}"
    );
    assert!(
        lines[1].contains("Sensitive file opened") && lines[1].ends_with("pid=3003) tty=0"),
        "{o}"
    );
    let out = replay(&[
        &demo(),
        "-q",
        "--filter",
        "proc.name=cat",
        "-o",
        "append_output[]={suggested_output: true}",
    ]);
    let o = String::from_utf8_lossy(&out.stdout);
    assert!(
        o.lines()
            .all(|l| l.ends_with("container_id=3ad7b26ded6d container_name=web")),
        "{o}"
    );
}

#[test]
fn upstream_falco_rules_on_the_demo() {
    // Falco's own stable rules, loaded unchanged, raise their alerts on our demo capture.
    let rules = root().join("engine/tests/data/rules/upstream/falco_rules.yaml");
    let out = replay(&[
        &demo(),
        "--rules",
        rules.to_str().expect("p"),
        "--json",
        "-q",
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let got = count_by_rule(&json_alerts(&out));
    let want: BTreeMap<String, u64> = [
        ("Read sensitive file untrusted", 1),
        ("Run shell untrusted", 1),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v))
    .collect();
    assert_eq!(got, want);
}
