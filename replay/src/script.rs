//! Scenario scripts: synthetic captures described in YAML, for the data-driven rules
//! tests (`rules/tests/scenarios.yaml`).
//!
//! A script is a list of cases; each case has a `name`, optional `hosts` (address → name,
//! for `fd.sip.name`) and `steps`. Every case starts from [`synth::base_system`] plus the
//! nginx container "web" (`3ad7b26ded6d`, master pid 1010, worker pid 1011 as www-data).
//! Steps (one key each):
//!
//! ```yaml
//! - container: {id: 0123456789ab, name: app, repo: docker.io/library/alpine, tag: "3",
//!               mounts: ["/etc:/host/etc"]}
//! - proc:   {pid: 90, ppid: 1, exe: /usr/sbin/foo, args: [a, b], container: ID, uid: 0}
//! - spawn:  {pid: 200, ppid: 1011, exe: /bin/sh, args: ["-c", "id"], container: ID, uid: 33}
//! - open:   {pid: 200, path: /etc/shadow, mode: r}      # r | w | rw | wc (create+trunc)
//! - open_fail: {pid: 200, path: /etc/shadow, mode: r, errno: 13}
//! - connect: {pid: 200, dst: "203.0.113.5:443", src: "172.17.0.2:40000"}
//! - mount:  {pid: 200, dev: /etc, dir: /host/etc, type: ""}
//! - exit:   {pid: 200}
//! ```

use std::net::{IpAddr, Ipv4Addr};

use engine::rules::yaml::{parse_documents, Node};

use crate::synth::{self, oflags, Container, Proc, Synth, SynthCapture};

/// A parsed case.
#[derive(Debug)]
pub struct Case {
    /// Case name (unique).
    pub name: String,
    /// Address → name pairs for `--hosts`.
    pub hosts: Vec<(IpAddr, String)>,
    /// The built capture.
    pub capture: SynthCapture,
}

fn err(n: &Node, msg: impl std::fmt::Display) -> String {
    format!("line {}:{}: {msg}", n.pos.line + 1, n.pos.col + 1)
}

fn s<'a>(m: &'a Node, k: &str) -> Result<&'a str, String> {
    m.get(k)
        .and_then(Node::scalar)
        .ok_or_else(|| err(m, format!("missing `{k}`")))
}

fn opt_s<'a>(m: &'a Node, k: &str) -> Option<&'a str> {
    m.get(k).and_then(Node::scalar)
}

fn i(m: &Node, k: &str) -> Result<i64, String> {
    s(m, k)?
        .parse()
        .map_err(|_| err(m, format!("`{k}` is not an integer")))
}

fn list(m: &Node, k: &str) -> Vec<String> {
    m.get(k)
        .and_then(Node::seq)
        .map(|v| {
            v.iter()
                .filter_map(|n| n.scalar().map(str::to_string))
                .collect()
        })
        .unwrap_or_default()
}

fn addr(n: &Node, text: &str) -> Result<(Ipv4Addr, u16), String> {
    let (a, p) = text
        .rsplit_once(':')
        .ok_or_else(|| err(n, format!("`{text}`: expected ADDRESS:PORT")))?;
    Ok((
        a.parse()
            .map_err(|_| err(n, format!("bad address `{a}`")))?,
        p.parse().map_err(|_| err(n, format!("bad port `{p}`")))?,
    ))
}

fn proc_of(m: &Node) -> Result<Proc, String> {
    let args = list(m, "args");
    let argv: Vec<&str> = args.iter().map(String::as_str).collect();
    let mut p = Proc::new(i(m, "pid")?, i(m, "ppid")?, s(m, "exe")?, &argv);
    if let Some(c) = opt_s(m, "container") {
        p = p.in_container(c);
    }
    if m.get("uid").is_some() {
        let uid = i(m, "uid")? as u32;
        p = p.user(uid, uid);
    }
    Ok(p)
}

fn flags_of(m: &Node) -> Result<u32, String> {
    Ok(match opt_s(m, "mode").unwrap_or("r") {
        "r" => oflags::RDONLY,
        "w" => oflags::WRONLY,
        "rw" => oflags::RDWR,
        "wc" => oflags::WRONLY | oflags::CREAT | oflags::TRUNC,
        other => return Err(err(m, format!("unknown open mode `{other}`"))),
    })
}

fn step(sy: &mut Synth, st: &Node) -> Result<(), String> {
    let Some([(k, m)]) = st.map() else {
        return Err(err(st, "a step is a map with one key"));
    };
    let key = k.scalar().unwrap_or("");
    match key {
        "container" => {
            let mounts = list(m, "mounts")
                .iter()
                .map(|x| match x.split_once(':') {
                    Some((a, b)) => (a.to_string(), b.to_string()),
                    None => (x.clone(), x.clone()),
                })
                .collect();
            sy.container(&Container {
                id: s(m, "id")?.to_string(),
                name: s(m, "name")?.to_string(),
                repo: s(m, "repo")?.to_string(),
                tag: opt_s(m, "tag").unwrap_or("latest").to_string(),
                mounts,
                privileged: false,
            });
        }
        "proc" => sy.initial(proc_of(m)?),
        "spawn" => sy.spawn(proc_of(m)?),
        "open" => {
            let pid = i(m, "pid")?;
            let fd = sy.open(pid, s(m, "path")?, flags_of(m)?);
            sy.close(pid, fd);
        }
        "open_fail" => {
            let errno = m
                .get("errno")
                .map(|_| i(m, "errno"))
                .transpose()?
                .unwrap_or(2);
            sy.open_fail(i(m, "pid")?, s(m, "path")?, flags_of(m)?, errno);
        }
        "connect" => {
            let pid = i(m, "pid")?;
            let (dip, dport) = addr(m, s(m, "dst")?)?;
            let (sip, sport) = match opt_s(m, "src") {
                Some(t) => addr(m, t)?,
                None => (Ipv4Addr::new(172, 17, 0, 2), 40000),
            };
            let fd = sy.connect(pid, sip, sport, dip, dport);
            sy.close(pid, fd);
        }
        "mount" => sy.mount(
            i(m, "pid")?,
            s(m, "dev")?,
            s(m, "dir")?,
            opt_s(m, "type").unwrap_or(""),
        ),
        "exit" => sy.exit(i(m, "pid")?),
        other => return Err(err(k, format!("unknown step `{other}`"))),
    }
    Ok(())
}

/// Parse a scenario file and build every case's capture.
pub fn load(text: &str) -> Result<Vec<Case>, String> {
    let docs = parse_documents(text).map_err(|e| e.to_string())?;
    let Some(root) = docs.first().and_then(Node::seq) else {
        return Err("a scenario file is a list of cases".to_string());
    };
    let mut out = Vec::new();
    for c in root {
        let name = s(c, "name")?.to_string();
        let mut sy = Synth::new(synth::T0, 10_000);
        synth::base_system(&mut sy);
        synth::web_container(&mut sy);
        for st in c.get("steps").and_then(Node::seq).unwrap_or_default() {
            step(&mut sy, st).map_err(|e| format!("case `{name}`: {e}"))?;
        }
        let mut hosts = Vec::new();
        if let Some(h) = c.get("hosts").and_then(Node::map) {
            for (k, v) in h {
                let (Some(a), Some(n)) = (k.scalar(), v.scalar()) else {
                    continue;
                };
                let ip = a
                    .parse()
                    .map_err(|_| format!("case `{name}`: bad host address `{a}`"))?;
                hosts.push((ip, n.to_string()));
            }
        }
        out.push(Case {
            name,
            hosts,
            capture: sy.finish(),
        });
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builds_cases_and_reports_bad_steps() {
        let cases = load(
            "- name: a\n  hosts: {\"192.0.2.1\": x.example}\n  steps:\n    - spawn: {pid: 9, ppid: 600, exe: /bin/cat}\n    - open: {pid: 9, path: /etc/shadow}\n",
        )
        .expect("load");
        assert_eq!(cases.len(), 1);
        assert_eq!(cases[0].hosts.len(), 1);
        // clone (E, X parent, X child) + execve (E, X) + openat (E, X) + close (E, X)
        let base = load("- name: b\n  steps: []\n").expect("base").remove(0);
        assert_eq!(cases[0].capture.events.len() - base.capture.events.len(), 9);
        let e = load("- name: c\n  steps:\n    - teleport: {pid: 1}\n").unwrap_err();
        assert!(
            e.contains("case `c`") && e.contains("line 3") && e.contains("teleport"),
            "{e}"
        );
        let e = load("- name: d\n  steps:\n    - open: {pid: x, path: /a}\n").unwrap_err();
        assert!(e.contains("`pid` is not an integer"), "{e}");
    }

    #[test]
    fn demo_is_deterministic() {
        let a = crate::synth::demo();
        let b = crate::synth::demo();
        assert_eq!(a.events, b.events);
        assert!(a.events.len() > 200);
    }
}
