//! Fuzz target for the condition parser and everything after it: arbitrary bytes as a
//! condition (lossy UTF-8), list substitution, parse (Falco depth 1000, with and without
//! `\x` escapes), canonical print and reparse of the print, macro resolution against a
//! macro parsed from the same input, event-type inference, compilation against a
//! permissive registry and evaluation. Must never panic; errors are results.
#![no_main]

use engine_filter::*;
use libfuzzer_sys::fuzz_target;

/// Accepts every field; the type is derived from the name so that every type's coercion
/// and every operator check is reached.
struct Permissive;

const TYPES: [FieldType; 10] = [
    FieldType::Charbuf,
    FieldType::Fspath,
    FieldType::Bytebuf,
    FieldType::Int64,
    FieldType::Uint32,
    FieldType::Bool,
    FieldType::Port,
    FieldType::IpAddr,
    FieldType::IpNet,
    FieldType::RelTime,
];

impl FieldRegistry for Permissive {
    fn lookup(&self, name: &str, arg: Option<&str>) -> Result<FieldDef, String> {
        if name.starts_with("no.") {
            return Err(format!("filter_check called with nonexistent field {name}"));
        }
        let h = name
            .bytes()
            .fold(0usize, |a, b| a.wrapping_mul(31).wrapping_add(b as usize));
        let flags = [
            FieldFlags::NONE,
            FieldFlags::IS_LIST,
            FieldFlags::ANY_VALUE,
            FieldFlags::EITHER_END,
        ][(h / 16) % 4];
        Ok(FieldDef {
            id: FieldId(h as u32),
            arg: arg.map_or(FieldArg::None, |a| FieldArg::Name(a.into())),
            ty: if name == "evt.type" {
                FieldType::Charbuf
            } else {
                TYPES[h % TYPES.len()]
            },
            flags,
            name: name.into(),
        })
    }
}

/// Produces values of every kind, chosen from the field id.
struct Source;

impl FieldSource for Source {
    fn extract(&mut self, id: FieldId, _arg: &FieldArg, out: &mut Values) -> bool {
        match id.0 % 8 {
            0 => return false,
            1 => out.push_str("/opt/dir/file.txt"),
            2 => out.push_i64(-22),
            3 => out.push_u64(443),
            4 => out.push_bool(true),
            5 => out.push_ip("142.251.111.147".parse().unwrap()),
            6 => {
                out.push_str("-t");
                out.push_str("value");
            }
            _ => out.push_bytes(b"a\0b"),
        }
        true
    }
}

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    // The part after the first newline-newline is a macro body named `m`.
    let (cond, mac) = text.split_once("\n\n").unwrap_or((&text, "a.b exists"));
    let lists: [(&str, &[&str]); 2] = [("l", &["x y", "'q'", "z"]), ("e", &[])];
    let cond = substitute_lists(cond, lists.iter().map(|(n, v)| (*n, *v)));
    for hex in [false, true] {
        let opts = ParserOptions {
            hex_escapes: hex,
            ..ParserOptions::falco()
        };
        let Ok(e) = parse_with(&cond, opts) else {
            continue;
        };
        let printed = e.to_string();
        let _ = e.shape();
        let _ = parse_with(&printed, opts);
        let m = parse_with(mac, opts).ok();
        let look = |n: &str| if n == "m" { m.as_ref() } else { None };
        let Ok((e, _)) = resolve_macros(&e, &look) else {
            continue;
        };
        let _ = unsafe_na_checks(&e);
        let _ = const_value_warnings(&e, &|n| n.contains('.'));
        let _ = infer_event_types(
            &e,
            InferOptions {
                evt_num_invariants: hex,
            },
        );
        if let Ok(p) = compile(&e, &Permissive) {
            let mut scratch = Scratch::new();
            let a = p.eval_with(&mut Source, &mut scratch);
            let b = p.eval_with(&mut Source, &mut scratch);
            assert_eq!(a, b, "evaluation must be deterministic");
        }
    }
});
