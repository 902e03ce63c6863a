//! Micro-benchmark of condition evaluation: compiles a few realistic conditions (shaped like
//! the stable ruleset's after list substitution and macro expansion) against a small
//! in-memory registry and evaluates them N times against a synthetic source. Prints
//! evaluations per second per condition. Run: `cargo run --release -p engine-filter
//! --example bench_eval [N]`.

use engine_filter::*;
use std::time::Instant;

struct Reg;
const FIELDS: &[(&str, FieldType, FieldFlags)] = &[
    ("evt.type", FieldType::Charbuf, FieldFlags::NONE),
    ("fd.name", FieldType::Charbuf, FieldFlags::NONE),
    ("proc.name", FieldType::Charbuf, FieldFlags::NONE),
    ("proc.pname", FieldType::Charbuf, FieldFlags::NONE),
    (
        "proc.aname",
        FieldType::Charbuf,
        FieldFlags(FieldFlags::ANY_VALUE.0 | FieldFlags::NO_TRANSFORMER.0),
    ),
    ("evt.is_open_read", FieldType::Bool, FieldFlags::NONE),
    ("fd.directory", FieldType::Charbuf, FieldFlags::NONE),
    ("proc.cmdline", FieldType::Charbuf, FieldFlags::NONE),
    ("container.id", FieldType::Charbuf, FieldFlags::NONE),
    ("fd.sip", FieldType::IpAddr, FieldFlags::NONE),
    ("fd.snet", FieldType::IpNet, FieldFlags::NONE),
];

impl FieldRegistry for Reg {
    fn lookup(&self, name: &str, _arg: Option<&str>) -> Result<FieldDef, String> {
        let i = FIELDS
            .iter()
            .position(|f| f.0 == name)
            .ok_or_else(|| format!("filter_check called with nonexistent field {name}"))?;
        let (n, ty, flags) = FIELDS[i];
        Ok(FieldDef {
            id: FieldId(i as u32),
            arg: FieldArg::None,
            ty,
            flags,
            name: n.into(),
        })
    }
}

struct Src(u64);
impl FieldSource for Src {
    fn extract(&mut self, id: FieldId, _arg: &FieldArg, out: &mut Values) -> bool {
        let k = self.0;
        match id.0 {
            0 => out.push_str(if k.is_multiple_of(3) {
                "openat"
            } else {
                "read"
            }),
            1 => out.push_str(if k.is_multiple_of(7) {
                "/etc/shadow"
            } else {
                "/usr/lib/x86_64-linux-gnu/libc.so.6"
            }),
            2 => out.push_str(if k.is_multiple_of(5) { "cat" } else { "nginx" }),
            3 => out.push_str("bash"),
            4 => {
                for a in ["bash", "sshd", "systemd"] {
                    out.push_str(a);
                }
            }
            5 => out.push_bool(k.is_multiple_of(2)),
            6 => out.push_str("/etc"),
            7 => out.push_str("cat /etc/shadow"),
            8 => out.push_str("host"),
            9 | 10 => out.push_ip(std::net::IpAddr::V4(std::net::Ipv4Addr::new(
                10,
                1,
                2,
                (k % 250) as u8,
            ))),
            _ => return false,
        }
        true
    }
}

fn main() {
    let n: u64 = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(2_000_000);
    let conds = [
        "evt.type in (open, openat, openat2) and evt.is_open_read = true and fd.name in (/etc/shadow, /etc/sudoers, /etc/pam.conf) and not proc.name in (sshd, sudo, su, login, systemd, passwd) and not proc.pname in (run-parts, cron)",
        "evt.type in (open, openat, openat2) and (fd.directory in (/etc, /root, /var/lib/ssh) or fd.name startswith /etc/ssh/ or fd.name pmatch (/etc/pam.d, /etc/security)) and not proc.aname in (dpkg, rpm, yum)",
        "proc.name in (bash, sh, zsh) and container.id != host and proc.cmdline icontains shadow",
        "fd.snet in (\"10.0.0.0/8\", \"172.16.0.0/12\", \"192.168.0.0/16\") and not fd.sip in (10.1.2.3, 10.1.2.4)",
        "proc.cmdline regex '.*(curl|wget) .*http.*' or proc.cmdline glob '*nc -e*'",
    ];
    let mut scratch = Scratch::new();
    for c in conds {
        let e = parse_with(c, ParserOptions::falco()).expect("parse");
        let p = compile(&e, &Reg).expect("compile");
        let mut src = Src(0);
        let mut hits = 0u64;
        let t = Instant::now();
        for i in 0..n {
            src.0 = i;
            hits += u64::from(p.eval_with(&mut src, &mut scratch));
        }
        let dt = t.elapsed().as_secs_f64();
        println!(
            "{:>6.1} M evals/s  {:>5.1} ns/eval  hits {:>8}  {}",
            n as f64 / dt / 1e6,
            dt * 1e9 / n as f64,
            hits,
            &c[..c.len().min(70)]
        );
    }
}
