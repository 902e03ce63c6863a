//! Every alert channel delivering to a real receiver: a file, a real program (`sh -c`),
//! an HTTP server on 127.0.0.1 (std TcpListener in a thread, parsing the request), and a
//! unix datagram socket standing in for /dev/log.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpListener;
use std::os::unix::net::UnixDatagram;
use std::path::PathBuf;
use std::time::Duration;

use engine::sinks::{Alert, AlertSink, FileSink, HttpSink, ProgramSink, Sinks, SyslogSink};

fn tmpdir(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("harrier-sinks-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

fn alert(line: &str) -> Alert<'_> {
    Alert {
        level: 4,
        rule: "Test rule",
        line,
        json: line.starts_with('{'),
    }
}

#[test]
fn file_appends_one_line_per_alert_and_reopens() {
    let d = tmpdir("file");
    let p = d.join("alerts.txt");
    std::fs::write(&p, "existing\n").unwrap();
    for keep_alive in [false, true] {
        let mut s = FileSink::new(&p, keep_alive);
        s.send(&alert("one")).unwrap();
        s.send(&alert("two")).unwrap();
        // Rotate: move the file away, reopen, the next alert creates a new file.
        if keep_alive {
            let rotated = d.join("alerts.txt.1");
            std::fs::rename(&p, &rotated).unwrap();
            s.send(&alert("to-rotated")).unwrap(); // still the old handle
            s.reopen().unwrap();
            s.send(&alert("three")).unwrap();
            s.close().unwrap();
            assert_eq!(
                std::fs::read_to_string(&rotated).unwrap(),
                "existing\none\ntwo\none\ntwo\nto-rotated\n"
            );
            assert_eq!(std::fs::read_to_string(&p).unwrap(), "three\n");
        } else {
            s.close().unwrap();
            assert_eq!(std::fs::read_to_string(&p).unwrap(), "existing\none\ntwo\n");
        }
    }
}

#[test]
fn file_failure_is_counted_not_fatal() {
    let d = tmpdir("filefail");
    let mut sinks = Sinks::new();
    sinks.push(Box::new(FileSink::new(d.join("no/such/dir/x"), true)));
    let good = d.join("good.txt");
    sinks.push(Box::new(FileSink::new(&good, false)));
    sinks.emit(&alert("a"));
    sinks.emit(&alert("b"));
    let r = sinks.close();
    assert_eq!((r[0].delivered, r[0].failed), (0, 2));
    assert!(r[0].first_error.as_deref().unwrap().contains("no/such/dir"));
    assert_eq!((r[1].delivered, r[1].failed), (2, 0));
    assert_eq!(std::fs::read_to_string(&good).unwrap(), "a\nb\n");
    assert_eq!(sinks.failures(), 2);
}

#[test]
fn program_keep_alive_is_one_process() {
    let d = tmpdir("prog1");
    let out = d.join("out.txt");
    // Each process writes its pid first, then the lines it received.
    let cmd = format!("echo pid=$$ >> {0}; cat >> {0}", out.display());
    let mut s = ProgramSink::new(cmd, true).unwrap();
    for l in ["a", "b", "c"] {
        s.send(&alert(l)).unwrap();
    }
    s.close().unwrap();
    let text = std::fs::read_to_string(&out).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 4, "{text}");
    assert!(lines[0].starts_with("pid="));
    assert_eq!(&lines[1..], ["a", "b", "c"]);
}

#[test]
fn program_without_keep_alive_runs_once_per_alert() {
    let d = tmpdir("prog2");
    let out = d.join("out.txt");
    let cmd = format!("echo pid=$$ >> {0}; cat >> {0}", out.display());
    let mut s = ProgramSink::new(cmd, false).unwrap();
    for l in ["a", "b"] {
        s.send(&alert(l)).unwrap();
    }
    s.close().unwrap();
    let text = std::fs::read_to_string(&out).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 4, "{text}");
    assert!(lines[0].starts_with("pid=") && lines[2].starts_with("pid="));
    assert_ne!(lines[0], lines[2], "two distinct processes");
    assert_eq!((lines[1], lines[3]), ("a", "b"));
}

#[test]
fn program_failures_are_counted() {
    let mut sinks = Sinks::new();
    sinks.push(Box::new(
        ProgramSink::new("cat >/dev/null; exit 3", false).unwrap(),
    ));
    sinks.emit(&alert("x"));
    sinks.emit(&alert("y"));
    let r = sinks.close();
    assert_eq!((r[0].delivered, r[0].failed), (0, 2));
    assert!(
        r[0].first_error.as_deref().unwrap().contains("exit"),
        "{:?}",
        r[0]
    );
    // A kept-alive program that exits at once: writes fail (EPIPE) or its exit status is
    // reported at close; either way nothing is silently lost and nothing panics.
    let mut sinks = Sinks::new();
    sinks.push(Box::new(ProgramSink::new("exit 0", true).unwrap()));
    for _ in 0..5 {
        std::thread::sleep(Duration::from_millis(20));
        sinks.emit(&alert(&"z".repeat(100_000)));
    }
    let r = sinks.close();
    assert!(r[0].failed >= 1, "{:?}", r[0]);
}

/// One parsed HTTP request.
struct Request {
    request_line: String,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

impl Request {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// Accept `n` connections, parse each request, answer with `status`.
fn http_server(n: usize, status: u16) -> (u16, std::thread::JoinHandle<Vec<Request>>) {
    let l = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = l.local_addr().unwrap().port();
    let h = std::thread::spawn(move || {
        let mut got = Vec::new();
        for _ in 0..n {
            let (s, _) = l.accept().unwrap();
            s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
            let mut r = BufReader::new(&s);
            let mut request_line = String::new();
            r.read_line(&mut request_line).unwrap();
            let mut headers = Vec::new();
            loop {
                let mut h = String::new();
                r.read_line(&mut h).unwrap();
                let h = h.trim_end();
                if h.is_empty() {
                    break;
                }
                let (k, v) = h.split_once(':').unwrap();
                headers.push((k.trim().to_string(), v.trim().to_string()));
            }
            let len: usize = headers
                .iter()
                .find(|(k, _)| k.eq_ignore_ascii_case("content-length"))
                .map(|(_, v)| v.parse().unwrap())
                .unwrap();
            let mut body = vec![0; len];
            r.read_exact(&mut body).unwrap();
            write!(&s, "HTTP/1.1 {status} X\r\nContent-Length: 0\r\n\r\n").unwrap();
            got.push(Request {
                request_line: request_line.trim_end().to_string(),
                headers,
                body,
            });
        }
        got
    });
    (port, h)
}

#[test]
fn http_posts_json_alert() {
    let (port, server) = http_server(2, 200);
    let url = format!("http://127.0.0.1:{port}/falco");
    let mut s = HttpSink::new(&url, "harrier/0.1", Duration::from_secs(5)).unwrap();
    let json = r#"{"hostname":"h","output":"x","priority":"Warning","rule":"R","source":"syscall","tags":[],"time":"2016-08-04T16:17:57.881781397Z"}"#;
    s.send(&alert(json)).unwrap();
    s.send(&alert("12:00:00.000000000: Warning text alert"))
        .unwrap();
    let got = server.join().unwrap();
    assert_eq!(got[0].request_line, "POST /falco HTTP/1.1");
    assert_eq!(got[0].header("content-type"), Some("application/json"));
    assert_eq!(got[0].header("user-agent"), Some("harrier/0.1"));
    assert_eq!(
        got[0].header("host"),
        Some(format!("127.0.0.1:{port}").as_str())
    );
    assert_eq!(got[0].body, json.as_bytes());
    assert_eq!(got[1].header("content-type"), Some("text/plain"));
    assert_eq!(got[1].body, b"12:00:00.000000000: Warning text alert");
}

#[test]
fn http_failures_are_counted() {
    let (port, server) = http_server(1, 500);
    let mut sinks = Sinks::new();
    sinks.push(Box::new(
        HttpSink::new(
            &format!("http://127.0.0.1:{port}/"),
            "h",
            Duration::from_secs(5),
        )
        .unwrap(),
    ));
    sinks.emit(&alert("{}"));
    server.join().unwrap();
    // The server is gone now: connection refused.
    sinks.emit(&alert("{}"));
    let r = sinks.close();
    assert_eq!((r[0].delivered, r[0].failed), (0, 2));
    assert!(
        r[0].first_error.as_deref().unwrap().contains("500"),
        "{:?}",
        r[0]
    );
    assert!(HttpSink::new("https://x/", "h", Duration::from_secs(1)).is_err());
}

#[test]
fn syslog_datagrams_reach_a_unix_socket() {
    let d = tmpdir("syslog");
    let path = d.join("log.sock");
    let rx = UnixDatagram::bind(&path).unwrap();
    rx.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    let mut s = SyslogSink::new(&path, "replay");
    s.send(&Alert {
        level: 2,
        rule: "R",
        line: "hello critical",
        json: false,
    })
    .unwrap();
    s.send(&alert("{\"rule\":\"R\"}")).unwrap();
    let mut buf = [0u8; 4096];
    let n = rx.recv(&mut buf).unwrap();
    let msg = std::str::from_utf8(&buf[..n]).unwrap();
    assert!(msg.starts_with("<10>"), "{msg}");
    let suffix = format!(" replay[{}]: hello critical", std::process::id());
    assert!(msg.ends_with(&suffix), "{msg}");
    // "<10>Mmm dd hh:mm:ss " is 4 + 16 bytes.
    assert_eq!(msg.as_bytes()[4 + 15], b' ');
    let n = rx.recv(&mut buf).unwrap();
    let msg = std::str::from_utf8(&buf[..n]).unwrap();
    assert!(
        msg.starts_with("<12>") && msg.ends_with(": {\"rule\":\"R\"}"),
        "{msg}"
    );
    // Receiver gone: failure counted, no panic.
    drop(rx);
    std::fs::remove_file(&path).unwrap();
    let mut sinks = Sinks::new();
    sinks.push(Box::new(s));
    sinks.emit(&alert("lost"));
    assert_eq!(sinks.close()[0].failed, 1);
}
