//! Bounded random-input test (runs in CI; the cargo-fuzz target `filter_parse` goes
//! further): token soups and byte mutations of real conditions through the whole pipeline
//! (substitution, parse, print, reparse, macro resolution, inference, compile, eval).
//! Nothing may panic, and the canonical print of a parsed condition must parse again
//! unless it contains constructs whose print is not re-parseable upstream either.

use engine_filter::*;

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

struct Source;

impl FieldSource for Source {
    fn extract(&mut self, id: FieldId, _arg: &FieldArg, out: &mut Values) -> bool {
        match id.0 % 8 {
            0 => return false,
            1 => out.push_str("/opt/dir/file.txt"),
            2 => out.push_i64(-22),
            3 => out.push_u64(443),
            4 => out.push_bool(true),
            5 => out.push_ip("142.251.111.147".parse().expect("ip")),
            6 => {
                out.push_str("-t");
                out.push_str("value");
            }
            _ => out.push_bytes(b"a\0b"),
        }
        true
    }
}

struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

const TOKENS: &[&str] = &[
    "evt.type",
    "proc.name",
    "fd.name",
    "proc.aname[2]",
    "evt.arg[0]",
    "evt.arg.flags",
    "proc.env[HOME]",
    "fd.sip",
    "a.b",
    "m",
    "l",
    "e",
    "=",
    "==",
    "!=",
    "<",
    "<=",
    ">",
    ">=",
    "contains",
    "icontains",
    "bcontains",
    "startswith",
    "bstartswith",
    "endswith",
    "glob",
    "iglob",
    "in",
    "intersects",
    "pmatch",
    "exists",
    "regex",
    "oneof",
    "anyof",
    "allof",
    "and",
    "or",
    "not",
    "not(",
    "(",
    ")",
    ",",
    "[",
    "]",
    "'",
    "\"",
    "\\",
    "\\x4",
    "val(",
    "tolower(",
    "toupper(",
    "b64(",
    "basename(",
    "len(",
    "join(",
    "concat(",
    "getopt(",
    "open",
    "openat",
    "/etc",
    "*.log",
    "/opt/*/x",
    "0x1f",
    "-1",
    "+2",
    "1.5e+3",
    "10.0.0.0/8",
    "::1",
    "<NA>",
    "true",
    "ssh",
    "68656c",
    "[a-z]*",
    "'^a.*$'",
    "\"x y\"",
    " ",
    " ",
    " ",
    "\n",
    "\t",
];

const SEEDS: &[&str] = &[
    "evt.type in (open, openat) and proc.name = cat",
    "not proc.aname[2] startswith oneof (a, b) or fd.name pmatch (/opt/*/x)",
    "tolower(proc.name) = val(fd.name) and join(\"-\", (fd.name, 12)) contains x",
    "getopt(proc.args, \"nt:\")[t] = value and evt.buffer bcontains 68656c6c6f",
    "(fd.sip in (\"10.0.0.0/8\", ::1) or not (m and l)) and evt.arg[0] regex '^a.*$'",
];

fn run(cond: &str) {
    let lists: [(&str, &[&str]); 2] = [("l", &["x y", "'q'", "z"]), ("e", &[])];
    let cond = substitute_lists(cond, lists.iter().map(|(n, v)| (*n, *v)));
    let mac = parse("a.b exists").expect("macro");
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
        let look = |n: &str| if n == "m" { Some(&mac) } else { None };
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
            assert_eq!(a, b, "non-deterministic evaluation of {cond:?}");
        }
    }
}

fn run_all() {
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    let (mut parsed, mut total) = (0usize, 0usize);
    // Token soups.
    for _ in 0..20_000 {
        let n = 1 + rng.below(24);
        let mut s = String::new();
        for _ in 0..n {
            s.push_str(TOKENS[rng.below(TOKENS.len())]);
            if rng.below(3) == 0 {
                s.push(' ');
            }
        }
        total += 1;
        parsed += usize::from(parse_with(&s, ParserOptions::falco()).is_ok());
        run(&s);
    }
    // Byte-level mutations of real conditions (deletions, insertions, truncations).
    for _ in 0..20_000 {
        let mut b = SEEDS[rng.below(SEEDS.len())].as_bytes().to_vec();
        for _ in 0..1 + rng.below(4) {
            let at = rng.below(b.len() + 1);
            match rng.below(3) {
                0 if at < b.len() => {
                    b.remove(at);
                }
                1 => b.insert(at, b"()[]'\"\\, =!<>*?/x\n\0\xff"[rng.below(20)]),
                _ => b.truncate(at),
            }
        }
        total += 1;
        let s = String::from_utf8_lossy(&b);
        parsed += usize::from(parse_with(&s, ParserOptions::falco()).is_ok());
        run(&s);
    }
    // Deep nesting of every recursive construct stays within the depth limit.
    for shape in ["(", "not (", "tolower(", "a.b = b64(", "not(not "] {
        let s = shape.repeat(5000);
        run(&s);
    }
    eprintln!("random inputs: {total} run, {parsed} parsed");
    assert!(
        parsed > total / 20,
        "the generator should produce some valid conditions ({parsed}/{total})"
    );
}

#[test]
fn random_inputs_never_panic() {
    std::thread::Builder::new()
        .stack_size(64 << 20)
        .spawn(run_all)
        .expect("spawn")
        .join()
        .expect("random inputs");
}
