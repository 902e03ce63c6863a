//! The event tables in `src/event_table.rs` are generated from the libscap TSV dumps in
//! `data/`. This test regenerates the text and fails when the checked-in file differs.
//! Run with `HARRIER_BLESS=1` to rewrite the file after changing the generator or the data.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::PathBuf;

struct Row {
    id: u16,
    dir: char,
    name: String,
    category: u32,
    flags: u32,
    params: Vec<(String, String)>, // (name, type spec)
}

fn data_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("data")
}

fn parse_table(file: &str, with_category: bool) -> Vec<Row> {
    let text = std::fs::read_to_string(data_dir().join(file)).expect("read tsv");
    let mut rows = Vec::new();
    for line in text.lines() {
        if line.starts_with('#') || line.trim().is_empty() {
            continue;
        }
        let cols: Vec<&str> = line.split('\t').collect();
        let (id, dir, name) = (cols[0], cols[1], cols[2]);
        let (category, rest) = if with_category {
            let c = cols[3].strip_prefix("cat=").expect("cat=").parse().unwrap();
            (c, &cols[4..])
        } else {
            (0, &cols[3..])
        };
        let flags = u32::from_str_radix(rest[0].strip_prefix("flags=0x").unwrap(), 16).unwrap();
        let nparams: usize = rest[1].parse().unwrap();
        let pstr = rest.get(2).copied().unwrap_or("").trim();
        let params: Vec<(String, String)> = if pstr.is_empty() {
            Vec::new()
        } else {
            pstr.split(", ")
                .map(|p| {
                    let (n, t) = p.split_once(':').expect("name:type");
                    (n.to_string(), t.to_string())
                })
                .collect()
        };
        assert_eq!(params.len(), nparams, "nparams of {file} id {id}");
        rows.push(Row {
            id: id.parse().unwrap(),
            dir: dir.chars().next().unwrap(),
            name: name.to_string(),
            category,
            flags,
            params,
        });
    }
    for (i, r) in rows.iter().enumerate() {
        assert_eq!(r.id as usize, i, "{file}: ids are dense");
    }
    rows
}

fn variant(t: &str) -> &'static str {
    match t {
        "NONE" => "None",
        "INT8" => "Int8",
        "INT16" => "Int16",
        "INT32" => "Int32",
        "INT64" => "Int64",
        "UINT8" => "Uint8",
        "UINT16" => "Uint16",
        "UINT32" => "Uint32",
        "UINT64" => "Uint64",
        "CHARBUF" => "Charbuf",
        "BYTEBUF" => "Bytebuf",
        "ERRNO" => "Errno",
        "SOCKADDR" => "Sockaddr",
        "SOCKTUPLE" => "Socktuple",
        "FD" => "Fd",
        "PID" => "Pid",
        "FDLIST" => "Fdlist",
        "FSPATH" => "Fspath",
        "SYSCALLID" => "Syscallid",
        "SIGTYPE" => "Sigtype",
        "RELTIME" => "Reltime",
        "ABSTIME" => "Abstime",
        "PORT" => "Port",
        "L4PROTO" => "L4proto",
        "SOCKFAMILY" => "Sockfamily",
        "BOOL" => "Bool",
        "IPV4ADDR" => "Ipv4addr",
        "DYN" => "Dyn",
        "FLAGS8" => "Flags8",
        "FLAGS16" => "Flags16",
        "FLAGS32" => "Flags32",
        "UID" => "Uid",
        "GID" => "Gid",
        "DOUBLE" => "Double",
        "SIGSET" => "Sigset",
        "CHARBUFARRAY" => "Charbufarray",
        "CHARBUF_PAIR_ARRAY" => "CharbufPairArray",
        "IPV4NET" => "Ipv4net",
        "IPV6ADDR" => "Ipv6addr",
        "IPV6NET" => "Ipv6net",
        "IPADDR" => "Ipaddr",
        "IPNET" => "Ipnet",
        "MODE" => "Mode",
        "FSRELPATH" => "Fsrelpath",
        "ENUMFLAGS8" => "Enumflags8",
        "ENUMFLAGS16" => "Enumflags16",
        "ENUMFLAGS32" => "Enumflags32",
        "?" => "Unknown",
        other => panic!("unknown param type {other}"),
    }
}

fn param_expr(name: &str, spec: &str) -> String {
    let (ty, aux) = if let Some(rest) = spec.strip_prefix("DYN[") {
        let inner = rest.strip_suffix(']').expect("DYN[...]");
        let subs: Vec<String> = inner
            .split('|')
            .enumerate()
            .map(|(i, s)| {
                let (idx, t) = s.split_once('=').unwrap();
                assert_eq!(idx.parse::<usize>().unwrap(), i);
                format!("ParamType::{}", variant(t))
            })
            .collect();
        ("Dyn", format!("ParamAux::Dyn(&[{}])", subs.join(", ")))
    } else if let Some(rest) = spec.strip_prefix("FSRELPATH(dirfd=param") {
        let n: u8 = rest.strip_suffix(')').unwrap().parse().unwrap();
        ("Fsrelpath", format!("ParamAux::DirFd({n})"))
    } else {
        (variant(spec), "ParamAux::None".to_string())
    };
    format!("ParamInfo {{ name: {name:?}, ty: ParamType::{ty}, aux: {aux} }}")
}

fn emit_table(out: &mut String, ident: &str, doc: &str, rows: &[Row]) {
    writeln!(out, "/// {doc}").unwrap();
    writeln!(out, "pub static {ident}: [EventInfo; {}] = [", rows.len()).unwrap();
    for r in rows {
        let dir = if r.dir == 'E' { "Enter" } else { "Exit" };
        let params: Vec<String> = r.params.iter().map(|(n, t)| param_expr(n, t)).collect();
        writeln!(
            out,
            "    /* {} */ EventInfo {{ name: {:?}, dir: Direction::{dir}, category: {}, flags: {:#x}, params: &[{}] }},",
            r.id,
            r.name,
            r.category,
            r.flags,
            params.join(", ")
        )
        .unwrap();
    }
    writeln!(out, "];\n").unwrap();
}

fn const_name(name: &str, dir: char) -> Option<String> {
    if name.starts_with("NA") && name[2..].chars().all(|c| c.is_ascii_digit()) {
        return None;
    }
    let mut s: String = name
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c.to_ascii_uppercase() } else { '_' })
        .collect();
    s.push_str(if dir == 'E' { "_E" } else { "_X" });
    Some(s)
}

fn generate() -> String {
    let old = parse_table("scap-event-table-e5c53d64.tsv", true);
    let new = parse_table("scap-event-table-libs-48dfd53cd.tsv", false);
    let mut out = String::new();
    out.push_str(
        "// @generated by scap/abi/tests/schema.rs from scap/abi/data/*.tsv; do not edit.\n\
         // Regenerate with `HARRIER_BLESS=1 cargo test -p scap-abi --test schema`.\n\n",
    );
    emit_table(
        &mut out,
        "EVENTS_E5C53D64",
        "Event table of falcosecurity/libs e5c53d64 (sysdig 0.29.3): the layouts we write.",
        &old,
    );
    emit_table(
        &mut out,
        "EVENTS_MASTER",
        "Event table of falcosecurity/libs master 48dfd53cd: the ids and layouts we can read.",
        &new,
    );
    // PPM_SC names.
    let sc = std::fs::read_to_string(data_dir().join("scap-ppm-sc-table-e5c53d64.tsv")).unwrap();
    let names: Vec<&str> = sc
        .lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
        .enumerate()
        .map(|(i, l)| {
            let (code, name) = l.split_once('\t').unwrap();
            assert_eq!(code.parse::<usize>().unwrap(), i);
            name
        })
        .collect();
    writeln!(out, "/// PPM_SC syscall-code names of libs e5c53d64 (the `ID` of generic events).").unwrap();
    writeln!(out, "pub static PPM_SC_NAMES: [&str; {}] = [", names.len()).unwrap();
    for chunk in names.chunks(8) {
        let items: Vec<String> = chunk.iter().map(|n| format!("{n:?}")).collect();
        writeln!(out, "    {},", items.join(", ")).unwrap();
    }
    writeln!(out, "];\n").unwrap();
    // Event id constants: the newest e5c53d64 id per (name, dir), then master-only names.
    let mut ids: BTreeMap<String, u16> = BTreeMap::new();
    for r in &old {
        if let Some(c) = const_name(&r.name, r.dir) {
            ids.insert(c, r.id);
        }
    }
    let known: std::collections::BTreeSet<String> = ids.keys().cloned().collect();
    for r in &new {
        if let Some(c) = const_name(&r.name, r.dir) {
            if !known.contains(&c) {
                ids.insert(c, r.id);
            }
        }
    }
    writeln!(
        out,
        "/// Event ids by name: the current e5c53d64 id of each event, and libs-master ids for\n\
         /// events sysdig 0.29.3 does not know. Older versions are reachable by number only."
    )
    .unwrap();
    writeln!(out, "pub mod ids {{").unwrap();
    let mut by_id: Vec<(&String, &u16)> = ids.iter().collect();
    by_id.sort_by_key(|(_, id)| **id);
    for (name, id) in by_id {
        writeln!(out, "    /// Event id {id}.\n    pub const {name}: u16 = {id};").unwrap();
    }
    writeln!(out, "}}").unwrap();
    out
}

#[test]
fn generated_tables_match_tsv() {
    let text = generate();
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("src/event_table.rs");
    if std::env::var_os("HARRIER_BLESS").is_some() {
        std::fs::write(&path, &text).unwrap();
        return;
    }
    let current = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        current == text,
        "src/event_table.rs is stale: run HARRIER_BLESS=1 cargo test -p scap-abi --test schema"
    );
}

