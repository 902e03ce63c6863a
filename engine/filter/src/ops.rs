//! Allocation-free operator primitives: fnmatch-style globs, path-prefix sets for `pmatch`,
//! ASCII case-insensitive search, hex and base64 decoding, `getopt`, and the built-in
//! service-name table for port constants.

use std::collections::HashMap;

/// fnmatch(3) without flags, byte-wise: `*`, `?`, `[...]`, `[!...]`/`[^...]`, ranges, `\`
/// escapes; the whole value must match. With `icase`, ASCII letters match either case.
pub fn glob_match(pat: &[u8], s: &[u8], icase: bool) -> bool {
    let eq = |a: u8, b: u8| {
        if icase {
            a.eq_ignore_ascii_case(&b)
        } else {
            a == b
        }
    };
    let (mut p, mut i) = (0usize, 0usize);
    // Backtrack point: (pattern index after '*', value index it matched up to).
    let mut star: Option<(usize, usize)> = None;
    loop {
        if let Some(&pc) = pat.get(p) {
            if pc == b'*' {
                // Collapse runs of '*'.
                while pat.get(p) == Some(&b'*') {
                    p += 1;
                }
                star = Some((p, i));
                continue;
            }
            if let Some(&c) = s.get(i) {
                let step = match pc {
                    b'?' => Some(p + 1),
                    b'[' => match class_match(pat, p, c, icase) {
                        Some((true, next)) => Some(next),
                        Some((false, _)) => None,
                        // Unterminated class: a literal '['.
                        None => eq(b'[', c).then_some(p + 1),
                    },
                    b'\\' if p + 1 < pat.len() => eq(pat[p + 1], c).then_some(p + 2),
                    other => eq(other, c).then_some(p + 1),
                };
                if let Some(np) = step {
                    p = np;
                    i += 1;
                    continue;
                }
            }
        } else if i == s.len() {
            return true;
        }
        // Mismatch: let the last '*' absorb one more byte.
        match star {
            Some((sp, si)) if si < s.len() => {
                star = Some((sp, si + 1));
                p = sp;
                i = si + 1;
            }
            _ => return false,
        }
    }
}

/// Matches `c` against the class starting at `pat[p] == b'['`. Returns (matched, index
/// after the class), or `None` if the class is unterminated.
fn class_match(pat: &[u8], p: usize, c: u8, icase: bool) -> Option<(bool, usize)> {
    let mut j = p + 1;
    let negate = matches!(pat.get(j), Some(b'!' | b'^'));
    if negate {
        j += 1;
    }
    let mut matched = false;
    let mut first = true;
    loop {
        let &b = pat.get(j)?;
        if b == b']' && !first {
            return Some((matched != negate, j + 1));
        }
        first = false;
        let (lo, next) = if b == b'\\' {
            (*pat.get(j + 1)?, j + 2)
        } else {
            (b, j + 1)
        };
        j = next;
        let hi = if pat.get(j) == Some(&b'-') && pat.get(j + 1).is_some_and(|&h| h != b']') {
            let h = pat[j + 1];
            j += 2;
            h
        } else {
            lo
        };
        let in_range = |x: u8| lo <= x && x <= hi;
        if in_range(c)
            || (icase && (in_range(c.to_ascii_lowercase()) || in_range(c.to_ascii_uppercase())))
        {
            matched = true;
        }
    }
}

/// ASCII case-insensitive substring search (`strcasestr`); `needle_lower` is lower-case.
pub fn icontains(hay: &[u8], needle_lower: &[u8]) -> bool {
    if needle_lower.is_empty() {
        return true;
    }
    if needle_lower.len() > hay.len() {
        return false;
    }
    hay.windows(needle_lower.len()).any(|w| {
        w.iter()
            .zip(needle_lower)
            .all(|(a, b)| a.to_ascii_lowercase() == *b)
    })
}

/// Decodes an even-length hex string (either case). `None` on odd length or a bad digit.
pub fn decode_hex(s: &str) -> Option<Vec<u8>> {
    let b = s.as_bytes();
    if b.is_empty() || !b.len().is_multiple_of(2) {
        return None;
    }
    b.chunks(2)
        .map(|c| {
            let h = (c[0] as char).to_digit(16)?;
            let l = (c[1] as char).to_digit(16)?;
            Some((h * 16 + l) as u8)
        })
        .collect()
}

/// Base64 decoding (standard alphabet, padding optional), appended to `out`.
/// Returns `false` (and leaves `out` partially written) on invalid input.
pub fn b64_decode_into(input: &[u8], out: &mut Vec<u8>) -> bool {
    let val = |c: u8| -> Option<u32> {
        Some(match c {
            b'A'..=b'Z' => (c - b'A') as u32,
            b'a'..=b'z' => (c - b'a' + 26) as u32,
            b'0'..=b'9' => (c - b'0' + 52) as u32,
            b'+' => 62,
            b'/' => 63,
            _ => return None,
        })
    };
    let data = match input.iter().position(|&c| c == b'=') {
        Some(p) => {
            if !input[p..].iter().all(|&c| c == b'=') || input.len() - p > 2 {
                return false;
            }
            &input[..p]
        }
        None => input,
    };
    let (mut acc, mut bits) = (0u32, 0u32);
    for &c in data {
        let Some(v) = val(c) else { return false };
        acc = (acc << 6) | v;
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
            acc &= (1 << bits) - 1;
        }
    }
    // A single leftover sextet cannot encode a byte.
    bits < 6
}

/// Final path component (text after the last `/`; the whole text when there is none).
pub fn basename(s: &[u8]) -> &[u8] {
    match s.iter().rposition(|&c| c == b'/') {
        Some(p) => &s[p + 1..],
        None => s,
    }
}

/// A set of byte strings for `in`/`intersects` (no allocation on lookup): a bit set of
/// the lengths present rejects most values without hashing; otherwise a probe in an
/// open-addressing table hashed on the length and the first and last 8 bytes, then one
/// full comparison.
#[derive(Debug, Clone, Default)]
pub struct ByteSet {
    items: Vec<Box<[u8]>>,
    /// Index + 1 into `items`; 0 = empty. Length a power of two, at most half full.
    table: Vec<u32>,
    /// Bit `n` set: some item has length `n` (lengths >= 63 share bit 63).
    lens: u64,
}

impl ByteSet {
    /// The set of `items` (duplicates kept once).
    pub fn new<I: IntoIterator<Item = Box<[u8]>>>(items: I) -> ByteSet {
        let mut s = ByteSet::default();
        let items: Vec<Box<[u8]>> = items.into_iter().collect();
        let cap = (items.len() * 2).next_power_of_two().max(8);
        s.table = vec![0; cap];
        for it in items {
            if !s.contains(&it) {
                s.lens |= Self::len_bit(it.len());
                s.items.push(it);
                let idx = s.items.len() as u32;
                let mask = s.table.len() - 1;
                let mut i = Self::hash(s.items[idx as usize - 1].as_ref()) as usize & mask;
                while s.table[i] != 0 {
                    i = (i + 1) & mask;
                }
                s.table[i] = idx;
            }
        }
        s
    }

    #[inline]
    fn len_bit(n: usize) -> u64 {
        1u64 << n.min(63)
    }

    #[inline]
    fn hash(b: &[u8]) -> u64 {
        // Up to 8 bytes as a little-endian word (no memcpy call for short strings).
        let short = |s: &[u8]| {
            s.iter()
                .enumerate()
                .fold(0u64, |v, (i, &c)| v | (u64::from(c) << (8 * (i & 7))))
        };
        let (head, tail) = match (b.first_chunk::<8>(), b.last_chunk::<8>()) {
            (Some(h), Some(t)) => (u64::from_le_bytes(*h), u64::from_le_bytes(*t)),
            _ => {
                let v = short(b);
                (v, v)
            }
        };
        (head ^ tail.rotate_left(31) ^ (b.len() as u64).wrapping_mul(0x9e37_79b9))
            .wrapping_mul(0x517c_c1b7_2722_0a95)
            >> 17
    }

    /// Whether `b` is in the set.
    #[inline]
    pub fn contains(&self, b: &[u8]) -> bool {
        if self.lens & Self::len_bit(b.len()) == 0 || self.table.is_empty() {
            return false;
        }
        let mask = self.table.len() - 1;
        let mut i = Self::hash(b) as usize & mask;
        // The table is at most half full: an empty slot always ends the probe.
        for _ in 0..self.table.len() {
            match self.table.get(i).copied().unwrap_or(0) {
                0 => return false,
                e => {
                    if self
                        .items
                        .get(e as usize - 1)
                        .is_some_and(|it| short_eq(it, b))
                    {
                        return true;
                    }
                }
            }
            i = (i + 1) & mask;
        }
        false
    }

    /// Number of distinct items.
    pub fn len(&self) -> usize {
        self.items.len()
    }

    /// Whether the set is empty.
    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }
}

/// Byte-string equality without a `memcmp` call for short strings.
#[inline]
pub fn short_eq(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        false
    } else if a.len() <= 16 {
        a.iter().zip(b).all(|(x, y)| x == y)
    } else {
        a == b
    }
}

/// A set of path prefixes for `pmatch`: a trie over `/`-separated components whose edges
/// are literal components (hash lookup) or glob components (fnmatch).
#[derive(Debug, Default, Clone)]
pub struct PathSet {
    root: PathNode,
}

#[derive(Debug, Default, Clone)]
struct PathNode {
    terminal: bool,
    literal: HashMap<Box<[u8]>, PathNode>,
    globs: Vec<(Box<[u8]>, PathNode)>,
}

fn is_glob(c: &[u8]) -> bool {
    c.iter().any(|b| matches!(b, b'*' | b'?' | b'[' | b'\\'))
}

impl PathSet {
    /// Adds a prefix path (a trailing `/` is ignored).
    pub fn insert(&mut self, path: &[u8]) {
        // Trailing slashes are ignored ("/" becomes the root: one empty component).
        let mut p = path;
        while p.ends_with(b"/") {
            p = &p[..p.len() - 1];
        }
        let mut node = &mut self.root;
        for comp in p.split(|&c| c == b'/') {
            node = if is_glob(comp) {
                let idx = match node.globs.iter().position(|(g, _)| &**g == comp) {
                    Some(i) => i,
                    None => {
                        node.globs.push((comp.into(), PathNode::default()));
                        node.globs.len() - 1
                    }
                };
                &mut node.globs[idx].1
            } else {
                node.literal.entry(comp.into()).or_default()
            };
        }
        node.terminal = true;
    }

    /// True if some prefix matches `path` by whole components.
    pub fn matches(&self, path: &[u8]) -> bool {
        fn walk<'a>(node: &PathNode, mut comps: impl Iterator<Item = &'a [u8]> + Clone) -> bool {
            if node.terminal {
                return true;
            }
            let Some(c) = comps.next() else { return false };
            if let Some(n) = node.literal.get(c) {
                if walk(n, comps.clone()) {
                    return true;
                }
            }
            node.globs
                .iter()
                .any(|(g, n)| glob_match(g, c, false) && walk(n, comps.clone()))
        }
        walk(&self.root, path.split(|&c| c == b'/'))
    }
}

/// A parsed getopt(3) optstring: valid option characters and those taking an argument.
struct OptString {
    valid: [bool; 256],
    with_arg: [bool; 256],
}

fn parse_optstring(optstring: &[u8]) -> OptString {
    let mut o = OptString {
        valid: [false; 256],
        with_arg: [false; 256],
    };
    let mut i = usize::from(optstring.first() == Some(&b':'));
    while i < optstring.len() {
        let c = optstring[i];
        if c != b':' {
            o.valid[c as usize] = true;
            if optstring.get(i + 1) == Some(&b':') {
                o.with_arg[c as usize] = true;
                i += 1;
            }
        }
        i += 1;
    }
    o
}

/// Scans argv as libsinsp's `getopt()` transformer does and reports each result through
/// `emit(option, value)`: `--` and the first non-option word stop the scan, `--long`
/// words are skipped, clusters (`-nt`) are expanded, an option's argument is the rest of
/// its word or the next word; unknown options report `(b'?', None)`, a missing argument
/// `(opt, Some(b""))` with `missing = true`.
fn getopt_scan<'a>(
    argv: &[&'a [u8]],
    optstring: &[u8],
    mut emit: impl FnMut(u8, Option<&'a [u8]>, bool),
) {
    let o = parse_optstring(optstring);
    let mut idx = 0;
    while idx < argv.len() {
        let arg = argv[idx];
        if arg == b"--" {
            break;
        }
        if arg.len() > 2 && arg.starts_with(b"--") {
            idx += 1;
            continue;
        }
        if arg.len() < 2 || arg[0] != b'-' {
            break;
        }
        let mut i = 1;
        while i < arg.len() {
            let c = arg[i];
            if c == b':' || !o.valid[c as usize] {
                emit(b'?', None, false);
                i += 1;
                continue;
            }
            if !o.with_arg[c as usize] {
                emit(c, None, false);
                i += 1;
                continue;
            }
            if i + 1 < arg.len() {
                emit(c, Some(&arg[i + 1..]), false);
            } else if idx + 1 < argv.len() {
                idx += 1;
                emit(c, Some(argv[idx]), false);
            } else {
                emit(c, Some(b""), true);
            }
            break;
        }
        idx += 1;
    }
}

/// `getopt(args, optstring)[opt]`: appends to `out` the value of the last occurrence of
/// `opt` (its argument; the option character itself for a flag; empty when its argument
/// is missing). Returns `false` when the option does not occur.
pub fn getopt_select<'a>(
    args: impl Iterator<Item = &'a [u8]>,
    optstring: &[u8],
    opt: u8,
    out: &mut Vec<u8>,
) -> bool {
    let argv: ArgVec<'a> = ArgVec::collect(args);
    let mut sel: Option<(u8, Option<&[u8]>)> = None;
    getopt_scan(argv.as_slice(), optstring, |c, v, _| {
        if c == opt {
            sel = Some((c, v));
        }
    });
    match sel {
        Some((c, None)) => {
            out.push(c);
            true
        }
        Some((_, Some(v))) => {
            out.extend_from_slice(v);
            true
        }
        None => false,
    }
}

/// `getopt(args, optstring)` without selector: the option characters, each followed by
/// its argument when it takes one (`?` for unknown options, empty for a missing argument).
pub fn getopt_list<'a>(
    args: impl Iterator<Item = &'a [u8]>,
    optstring: &[u8],
    mut push: impl FnMut(&[u8]),
) {
    let argv: ArgVec<'a> = ArgVec::collect(args);
    getopt_scan(argv.as_slice(), optstring, |c, v, missing| {
        if missing {
            push(b"");
            return;
        }
        push(&[c]);
        if let Some(v) = v {
            push(v);
        }
    });
}

/// argv views on the stack for the common case (no allocation up to 64 words).
#[allow(clippy::large_enum_variant)] // the inline variant is the point: it lives on the stack
enum ArgVec<'a> {
    Inline([&'a [u8]; 64], usize),
    Heap(Vec<&'a [u8]>),
}

impl<'a> ArgVec<'a> {
    fn collect(it: impl Iterator<Item = &'a [u8]>) -> ArgVec<'a> {
        let mut v = ArgVec::Inline([&[][..]; 64], 0);
        for a in it {
            match &mut v {
                ArgVec::Inline(arr, n) if *n < 64 => {
                    arr[*n] = a;
                    *n += 1;
                }
                ArgVec::Inline(arr, n) => {
                    let mut h = arr[..*n].to_vec();
                    h.push(a);
                    v = ArgVec::Heap(h);
                }
                ArgVec::Heap(h) => h.push(a),
            }
        }
        v
    }
    fn as_slice(&self) -> &[&'a [u8]] {
        match self {
            ArgVec::Inline(arr, n) => &arr[..*n],
            ArgVec::Heap(h) => h,
        }
    }
}

/// Service names accepted for port constants (a subset of /etc/services, TCP).
pub fn service_port(name: &str) -> Option<u16> {
    const SERVICES: &[(&str, u16)] = &[
        ("ftp-data", 20),
        ("ftp", 21),
        ("ssh", 22),
        ("telnet", 23),
        ("smtp", 25),
        ("time", 37),
        ("whois", 43),
        ("tacacs", 49),
        ("domain", 53),
        ("bootps", 67),
        ("bootpc", 68),
        ("tftp", 69),
        ("gopher", 70),
        ("finger", 79),
        ("http", 80),
        ("www", 80),
        ("kerberos", 88),
        ("pop3", 110),
        ("sunrpc", 111),
        ("auth", 113),
        ("nntp", 119),
        ("ntp", 123),
        ("epmap", 135),
        ("netbios-ns", 137),
        ("netbios-dgm", 138),
        ("netbios-ssn", 139),
        ("imap2", 143),
        ("imap", 143),
        ("snmp", 161),
        ("snmp-trap", 162),
        ("bgp", 179),
        ("irc", 194),
        ("ldap", 389),
        ("https", 443),
        ("microsoft-ds", 445),
        ("kpasswd", 464),
        ("submissions", 465),
        ("syslog", 514),
        ("printer", 515),
        ("submission", 587),
        ("ldaps", 636),
        ("rsync", 873),
        ("ftps", 990),
        ("imaps", 993),
        ("pop3s", 995),
        ("socks", 1080),
        ("openvpn", 1194),
        ("ms-sql-s", 1433),
        ("ms-sql-m", 1434),
        ("nfs", 2049),
        ("mysql", 3306),
        ("ms-wbt-server", 3389),
        ("postgresql", 5432),
        ("x11", 6000),
        ("redis", 6379),
        ("http-alt", 8080),
        ("webcache", 8080),
        ("tproxy", 8081),
    ];
    SERVICES.iter().find(|(n, _)| *n == name).map(|(_, p)| *p)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn globs() {
        assert!(glob_match(b"*.log", b"/var/x.log", false));
        assert!(!glob_match(b"*.log", b"/var/x.log2", false));
        assert!(glob_match(b"a?c", b"abc", false));
        assert!(glob_match(b"di[r]", b"dir", false));
        assert!(!glob_match(b"di[!r]", b"dir", false));
        assert!(glob_match(b"di[a-s]", b"dir", false));
        assert!(glob_match(b"[]]x", b"]x", false));
        assert!(glob_match(b"a\\*b", b"a*b", false));
        assert!(!glob_match(b"a\\*b", b"axb", false));
        assert!(glob_match(b"MY*", b"myexe", true));
        assert!(glob_match(b"[A-Z]yexe", b"myexe", true));
        assert!(glob_match(b"*", b"", false));
        assert!(!glob_match(b"?", b"", false));
        assert!(glob_match(b"a[bc", b"a[bc", false));
        assert!(glob_match(b"*a*b*c*", b"xxaxxbxxcxx", false));
        assert!(!glob_match(b"*a*b*c*d", b"xxaxxbxxcxx", false));
    }

    #[test]
    fn byte_sets() {
        let words: Vec<Box<[u8]>> = [
            "a",
            "bash",
            "sh",
            "",
            "/etc/shadow",
            "bash",
            "x".repeat(80).as_str(),
        ]
        .iter()
        .map(|w| w.as_bytes().into())
        .collect();
        let s = ByteSet::new(words.clone());
        assert_eq!(s.len(), 6);
        for w in &words {
            assert!(s.contains(w), "{w:?}");
        }
        for w in [
            "b",
            "bas",
            "bashh",
            "ash",
            "/etc/shadoW",
            "/etc/shadows",
            &"x".repeat(81),
            &"x".repeat(79),
        ] {
            assert!(!s.contains(w.as_bytes()), "{w}");
        }
        // Many items (probe chains), all found, near misses not.
        let many: Vec<Box<[u8]>> = (0..500)
            .map(|i| format!("proc{i}").into_bytes().into())
            .collect();
        let s = ByteSet::new(many.clone());
        assert!(many.iter().all(|w| s.contains(w)));
        assert!((500..1500).all(|i| !s.contains(format!("proc{i}").as_bytes())));
        assert!(!ByteSet::new(Vec::new()).contains(b""));
    }

    #[test]
    fn paths() {
        let mut s = PathSet::default();
        s.insert(b"/opt/dir");
        assert!(s.matches(b"/opt/dir/subdir/file.txt"));
        assert!(s.matches(b"/opt/dir"));
        assert!(!s.matches(b"/opt/dir2/x"));
        let mut g = PathSet::default();
        g.insert(b"/opt/*/subdir/");
        assert!(g.matches(b"/opt/dir/subdir/file.txt"));
        assert!(!g.matches(b"/opt/dir/subdir2/file.txt"));
        let mut r = PathSet::default();
        r.insert(b"/");
        assert!(r.matches(b"/anything"));
    }

    #[test]
    fn codecs() {
        assert_eq!(decode_hex("656c6C").unwrap(), b"ell");
        assert!(
            decode_hex("2").is_none() && decode_hex("2g").is_none() && decode_hex("").is_none()
        );
        let mut o = Vec::new();
        assert!(b64_decode_into(b"YWFhLWJiYg", &mut o));
        assert_eq!(o, b"aaa-bbb");
        o.clear();
        assert!(b64_decode_into(b"YWFhYmJi", &mut o));
        assert_eq!(o, b"aaabbb");
        o.clear();
        assert!(b64_decode_into(b"YQ==", &mut o) && o == b"a");
        o.clear();
        assert!(!b64_decode_into(b"Y", &mut o));
        assert!(!b64_decode_into(b"a*b", &mut o));
        assert_eq!(basename(b"/tmp/file_to_run"), b"file_to_run");
        assert!(icontains(b"/opt/dir/SUBDIR", b"/subdir"));
        assert_eq!(service_port("ssh"), Some(22));
    }

    #[test]
    fn getopt_forms() {
        let args: Vec<&[u8]> = vec![
            b"-n",
            b"--long",
            b"-t",
            b"value",
            b"-xvalue2",
            b"file",
            b"-q",
        ];
        let sel = |opt: u8| {
            let mut o = Vec::new();
            getopt_select(args.iter().copied(), b"nt:x:", opt, &mut o).then_some(o)
        };
        assert_eq!(sel(b't'), Some(b"value".to_vec()));
        assert_eq!(sel(b'x'), Some(b"value2".to_vec()));
        assert_eq!(
            sel(b'n'),
            Some(b"n".to_vec()),
            "a flag selects its own character"
        );
        assert_eq!(
            sel(b'q'),
            None,
            "scanning stops at the first non-option word"
        );
        let mut list = Vec::new();
        getopt_list(args.iter().copied(), b"nt:x:", |v| list.push(v.to_vec()));
        assert_eq!(
            list,
            vec![
                b"n".to_vec(),
                b"t".to_vec(),
                b"value".to_vec(),
                b"x".to_vec(),
                b"value2".to_vec()
            ]
        );
        let args: Vec<&[u8]> = vec![b"-nz", b"-t"];
        let mut list = Vec::new();
        getopt_list(args.iter().copied(), b"nt:", |v| list.push(v.to_vec()));
        assert_eq!(list, vec![b"n".to_vec(), b"?".to_vec(), b"".to_vec()]);
        let mut o = Vec::new();
        assert!(getopt_select(args.iter().copied(), b"nt:", b't', &mut o) && o.is_empty());
    }
}
