//! Steady-state evaluation allocates nothing: a counting global allocator (stats_alloc)
//! watches 1000
//! evaluations of programs covering every operator, modifier and transformer, after one
//! warm-up evaluation.

use engine_filter::*;
use stats_alloc::{Region, StatsAlloc, INSTRUMENTED_SYSTEM};
use std::alloc::System;

#[global_allocator]
static GLOBAL: &StatsAlloc<System> = &INSTRUMENTED_SYSTEM;

struct Reg;
const FIELDS: &[(&str, FieldType, FieldFlags)] = &[
    ("fd.name", FieldType::Charbuf, FieldFlags::NONE),
    ("fd.directory", FieldType::Charbuf, FieldFlags::NONE),
    ("proc.name", FieldType::Charbuf, FieldFlags::NONE),
    (
        "proc.aname",
        FieldType::Charbuf,
        FieldFlags(FieldFlags::ANY_VALUE.0 | FieldFlags::NO_TRANSFORMER.0),
    ),
    ("proc.args", FieldType::Charbuf, FieldFlags::IS_LIST),
    ("evt.rawres", FieldType::Int64, FieldFlags::NONE),
    ("fd.sport", FieldType::Port, FieldFlags::NONE),
    ("fd.sip", FieldType::IpAddr, FieldFlags::NONE),
    (
        "fd.net",
        FieldType::IpNet,
        FieldFlags(FieldFlags::EITHER_END.0 | FieldFlags::NO_RHS.0),
    ),
    ("evt.buffer", FieldType::Bytebuf, FieldFlags::NONE),
    ("evt.is_open_write", FieldType::Bool, FieldFlags::NONE),
];

impl FieldRegistry for Reg {
    fn lookup(&self, name: &str, _arg: Option<&str>) -> Result<FieldDef, String> {
        let i = FIELDS
            .iter()
            .position(|f| f.0 == name)
            .ok_or_else(|| format!("nonexistent field {name}"))?;
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

struct Src;
impl FieldSource for Src {
    fn extract(&mut self, id: FieldId, _arg: &FieldArg, out: &mut Values) -> bool {
        match id.0 {
            0 => out.push_str("/etc/shadow"),
            1 => out.push_str("/etc"),
            2 => out.push_str("bash"),
            3 => {
                for a in ["sshd", "systemd", "init"] {
                    out.push_str(a);
                }
            }
            4 => {
                for a in ["-n", "-t", "value", "file"] {
                    out.push_str(a);
                }
            }
            5 => out.push_i64(-2),
            6 => out.push_u64(22),
            7 | 8 => out.push_ip("10.1.2.3".parse().expect("ip")),
            9 => out.push_bytes(b"hello\0world"),
            10 => out.push_bool(true),
            _ => return false,
        }
        true
    }
}

#[test]
fn steady_state_eval_does_not_allocate() {
    let conds = [
        "fd.name = /etc/shadow and proc.name in (bash, sh) and not proc.name != bash",
        "fd.name pmatch (/etc, /usr/*/bin) and fd.name glob '/etc/*' and fd.name iglob '/ETC/*'",
        "fd.name contains shad or fd.name icontains SHAD or fd.name startswith /etc or fd.name endswith dow",
        "fd.name regex '/etc/[a-z]+' and proc.aname = systemd and proc.aname in (init)",
        "proc.args intersects (-t) and not proc.args in (-n) and evt.rawres < 0 and fd.sport in (ssh, http)",
        "fd.net = 10.0.0.0/8 and fd.net != 192.168.0.0/16 and fd.sip in (10.1.2.3, ::1) and fd.sip != 10.1.2.4",
        "evt.buffer bcontains 776f726c64 and evt.buffer bstartswith 68656c and evt.is_open_write = true",
        "proc.name startswith oneof (ba, sh) and proc.name != allof (sh, zsh) and fd.name glob anyof (/etc/*)",
        "toupper(proc.name) = BASH and tolower(toupper(proc.name)) = bash and basename(fd.name) = shadow",
        "len(fd.name) = 11 and len(proc.args) = 4 and b64(concat(\"YmFz\", \"aA==\")) = bash",
        "join(\"/\", (fd.directory, basename(fd.name))) = val(fd.name) and concat(fd.directory, \"/shadow\") = val(fd.name)",
        "getopt(proc.args, \"nt:\")[t] = value and join(\",\", (evt.rawres, fd.sport, fd.sip)) = \"-2,22,10.1.2.3\"",
        "fd.name startswith val(fd.directory) and evt.rawres <= val(evt.rawres) and fd.name exists",
    ];
    let progs: Vec<Program> = conds
        .iter()
        .map(|c| compile(&parse(c).expect("parse"), &Reg).unwrap_or_else(|e| panic!("{c}: {e}")))
        .collect();
    let mut scratch = Scratch::new();
    for (p, c) in progs.iter().zip(conds) {
        assert!(p.eval_with(&mut Src, &mut scratch), "{c} should be true");
        assert!(
            p.eval(&mut Src),
            "{c} should be true (thread-local scratch)"
        );
    }
    // The allocator is process-wide: the test harness's own threads may allocate now and
    // then. A per-evaluation allocation shows up thousands of times in every round, so
    // take the quietest of three rounds.
    let mut rounds = Vec::new();
    for _ in 0..3 {
        let region = Region::new(GLOBAL);
        let mut trues = 0;
        for _ in 0..1000 {
            for p in &progs {
                trues += usize::from(p.eval_with(&mut Src, &mut scratch));
                trues += usize::from(p.eval(&mut Src));
            }
        }
        let stats = region.change();
        assert_eq!(trues, 2000 * progs.len());
        rounds.push(stats.allocations + stats.reallocations);
    }
    assert_eq!(
        rounds.iter().min(),
        Some(&0),
        "steady-state evaluation allocated: {rounds:?}"
    );
}
