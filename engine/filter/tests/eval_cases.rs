//! Data-driven evaluation suite: runs `tests/data/eval_cases.txt` (falco-cases.md section
//! L plus operator and type cases) against a small in-test registry and field source that
//! implement the crate's `FieldRegistry` / `FieldSource` traits.

use engine_filter::{
    compile, parse_with, FieldArg, FieldDef, FieldFlags, FieldId, FieldRegistry, FieldSource,
    FieldType, ParserOptions, Program, Scratch, Values,
};
use std::net::IpAddr;

#[derive(Debug, Clone)]
enum TVal {
    I(i64),
    U(u64),
    B(bool),
    Ip(IpAddr),
    Net(IpAddr, u8),
    Bytes(Vec<u8>),
}

#[derive(Debug)]
struct TField {
    key: String,
    ty: FieldType,
    flags: FieldFlags,
    vals: Option<Vec<TVal>>,
}

#[derive(Debug, Default)]
struct Reg {
    fields: Vec<TField>,
}

impl FieldRegistry for Reg {
    fn lookup(&self, name: &str, arg: Option<&str>) -> Result<FieldDef, String> {
        let key = match arg {
            Some(a) => format!("{name}[{a}]"),
            None => name.to_string(),
        };
        let i = self
            .fields
            .iter()
            .position(|f| f.key == key)
            .ok_or_else(|| format!("filter_check called with nonexistent field {key}"))?;
        let f = &self.fields[i];
        Ok(FieldDef {
            id: FieldId(i as u32),
            arg: FieldArg::None,
            ty: f.ty,
            flags: f.flags,
            name: name.into(),
        })
    }
}

struct Src<'a> {
    reg: &'a Reg,
    extractions: usize,
}

impl FieldSource for Src<'_> {
    fn extract(&mut self, id: FieldId, _arg: &FieldArg, out: &mut Values) -> bool {
        self.extractions += 1;
        let Some(f) = self.reg.fields.get(id.0 as usize) else {
            return false;
        };
        let Some(vals) = &f.vals else { return false };
        for v in vals {
            match v {
                TVal::I(i) => out.push_i64(*i),
                TVal::U(u) => out.push_u64(*u),
                TVal::B(b) => out.push_bool(*b),
                TVal::Ip(a) => out.push_ip(*a),
                TVal::Net(a, l) => out.push_net(*a, *l),
                TVal::Bytes(b) => out.push_bytes(b),
            }
        }
        true
    }
}

fn parse_type(spec: &str) -> Result<(FieldType, FieldFlags), String> {
    let mut parts = spec.split(',');
    let ty = match parts.next().unwrap_or("") {
        "INT8" => FieldType::Int8,
        "INT16" => FieldType::Int16,
        "INT32" => FieldType::Int32,
        "INT64" => FieldType::Int64,
        "UINT8" => FieldType::Uint8,
        "UINT16" => FieldType::Uint16,
        "UINT32" => FieldType::Uint32,
        "UINT64" => FieldType::Uint64,
        "BOOL" => FieldType::Bool,
        "PORT" => FieldType::Port,
        "RELTIME" => FieldType::RelTime,
        "ABSTIME" => FieldType::AbsTime,
        "IPADDR" => FieldType::IpAddr,
        "IPNET" => FieldType::IpNet,
        "CHARBUF" => FieldType::Charbuf,
        "FSPATH" => FieldType::Fspath,
        "BYTEBUF" => FieldType::Bytebuf,
        other => return Err(format!("unknown type {other}")),
    };
    let mut flags = FieldFlags::NONE;
    for f in parts {
        flags = flags
            | match f {
                "list" => FieldFlags::IS_LIST,
                "any" => FieldFlags::ANY_VALUE,
                "either" => FieldFlags::EITHER_END | FieldFlags::FILTER_ONLY,
                "notr" => FieldFlags::NO_TRANSFORMER,
                "norhs" => FieldFlags::NO_RHS,
                other => return Err(format!("unknown flag {other}")),
            };
    }
    Ok((ty, flags))
}

fn unescape_bytes(s: &str) -> Vec<u8> {
    let b = s.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'\\' && b.get(i + 1) == Some(&b'x') {
            if let Some(v) = s
                .get(i + 2..i + 4)
                .and_then(|h| u8::from_str_radix(h, 16).ok())
            {
                out.push(v);
                i += 4;
                continue;
            }
        }
        out.push(b[i]);
        i += 1;
    }
    out
}

fn parse_val(ty: FieldType, s: &str) -> Result<TVal, String> {
    let bad = |e: &dyn std::fmt::Display| format!("bad value {s:?}: {e}");
    Ok(match ty {
        FieldType::Int8 | FieldType::Int16 | FieldType::Int32 | FieldType::Int64 => {
            TVal::I(s.parse().map_err(|e| bad(&e))?)
        }
        FieldType::Bool => TVal::B(s == "true"),
        FieldType::IpAddr | FieldType::IpNet => match s.split_once('/') {
            Some((a, l)) => TVal::Net(
                a.parse().map_err(|e| bad(&e))?,
                l.parse().map_err(|e| bad(&e))?,
            ),
            None => TVal::Ip(s.parse().map_err(|e| bad(&e))?),
        },
        t if t.is_numeric() => TVal::U(s.parse().map_err(|e| bad(&e))?),
        _ if s == "\"\"" => TVal::Bytes(Vec::new()),
        _ => TVal::Bytes(unescape_bytes(s)),
    })
}

fn build(cond: &str, reg: &Reg, opts: ParserOptions) -> Result<Program, String> {
    let e = parse_with(cond, opts).map_err(|e| format!("parse: {e}"))?;
    compile(&e, reg).map_err(|e| e.message)
}

#[test]
fn eval_cases() {
    let data = include_str!("data/eval_cases.txt");
    let mut reg = Reg::default();
    let mut opts = ParserOptions::falco();
    let mut scratch = Scratch::new();
    let (mut passed, mut skipped, mut failures) = (0, 0, Vec::<String>::new());
    for (n, line) in data.lines().enumerate() {
        let lineno = n + 1;
        let line = line.trim_end();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let mut fail = |m: String| failures.push(format!("line {lineno}: {line}\n    -> {m}"));
        if let Some(rest) = line.strip_prefix("skip: ") {
            eprintln!("SKIP {rest}");
            skipped += 1;
        } else if line.starts_with("== ") {
            reg = Reg::default();
            opts = ParserOptions::falco();
        } else if line == "opt hex_escapes" {
            opts.hex_escapes = true;
        } else if let Some(rest) = line
            .strip_prefix("set ")
            .or_else(|| line.strip_prefix("unset "))
        {
            let mut it = rest.splitn(3, ' ');
            let (key, spec) = (it.next().unwrap_or(""), it.next().unwrap_or(""));
            let (ty, flags) = match parse_type(spec) {
                Ok(x) => x,
                Err(e) => {
                    fail(e);
                    continue;
                }
            };
            let vals = if line.starts_with("set ") {
                let raw = it.next().unwrap_or("");
                match raw
                    .split(" | ")
                    .map(|v| parse_val(ty, v))
                    .collect::<Result<Vec<_>, _>>()
                {
                    Ok(v) => Some(v),
                    Err(e) => {
                        fail(e);
                        continue;
                    }
                }
            } else {
                None
            };
            reg.fields.push(TField {
                key: key.to_string(),
                ty,
                flags,
                vals,
            });
        } else if let Some(cond) = line.strip_prefix("T ").or_else(|| line.strip_prefix("F ")) {
            let want = line.starts_with('T');
            match build(cond, &reg, opts) {
                Ok(p) => {
                    let mut src = Src {
                        reg: &reg,
                        extractions: 0,
                    };
                    let got = p.eval_with(&mut src, &mut scratch);
                    // Evaluating twice gives the same answer (scratch reuse).
                    let again = p.eval(&mut src);
                    if got != want || again != want {
                        fail(format!("evaluated to {got} (then {again})"));
                    } else {
                        passed += 1;
                    }
                }
                Err(e) => fail(format!("did not compile: {e}")),
            }
        } else if let Some(rest) = line.strip_prefix("E ") {
            let (cond, sub) = match rest.split_once(" ==> ") {
                Some((c, s)) => (c, Some(s)),
                None => (rest, None),
            };
            match build(cond, &reg, opts) {
                Ok(_) => fail("compiled".into()),
                Err(e) => match sub {
                    Some(s) if !e.contains(s) => fail(format!("error {e:?} lacks {s:?}")),
                    _ => passed += 1,
                },
            }
        } else {
            fail("unknown directive".into());
        }
    }
    eprintln!(
        "eval cases: {passed} passed, {skipped} skipped, {} failed",
        failures.len()
    );
    assert!(
        failures.is_empty(),
        "{} failing cases:\n{}",
        failures.len(),
        failures.join("\n")
    );
    assert!(passed > 240, "suite unexpectedly small: {passed}");
}

#[test]
fn short_circuit_and_or() {
    let mut reg = Reg::default();
    for (k, v) in [("a.x", "1"), ("b.x", "2"), ("c.x", "3")] {
        reg.fields.push(TField {
            key: k.into(),
            ty: FieldType::Int64,
            flags: FieldFlags::NONE,
            vals: Some(vec![TVal::I(v.parse().unwrap())]),
        });
    }
    let count = |cond: &str| {
        let p = build(cond, &reg, ParserOptions::default()).unwrap();
        let mut src = Src {
            reg: &reg,
            extractions: 0,
        };
        let r = p.eval(&mut src);
        (r, src.extractions)
    };
    assert_eq!(count("a.x = 2 and b.x = 2 and c.x = 3"), (false, 1));
    assert_eq!(count("a.x = 1 or b.x = 2 or c.x = 3"), (true, 1));
    assert_eq!(count("a.x = 2 or b.x = 5 or c.x = 3"), (true, 3));
    assert_eq!(count("not a.x = 1 and b.x = 2"), (false, 1));
}
