//! Pre- and post-parse passes the rules loader runs around the parser (falco-rules.md §1.9,
//! §1.10):
//!
//! * [`substitute_lists`]: the **textual** list substitution done before parsing.
//! * [`resolve_macros`]: macro expansion on the AST ("Undefined macro", "reference loop").
//! * [`unsafe_na_checks`] and [`const_value_warnings`]: the warning pass
//!   (LOAD_UNSAFE_NA_CHECK and the compiler's "misused as a const string value" warnings).

use crate::ast::*;
use std::collections::HashSet;
use thiserror::Error;

const BLANKS: &[u8] = b" \t\n\r";

fn is_delim(b: u8) -> bool {
    BLANKS.contains(&b) || matches!(b, b'(' | b')' | b',' | b'=')
}

/// How a list item is written into a condition: wrapped in double quotes when it contains
/// a space and does not start with a quote (`'` or `"`), otherwise as is. The exceptions
/// builder quotes its values the same way.
pub fn quote_item(item: &str) -> std::borrow::Cow<'_, str> {
    if item.contains(' ') && !(item.starts_with('"') || item.starts_with('\'')) {
        std::borrow::Cow::Owned(format!("\"{item}\""))
    } else {
        std::borrow::Cow::Borrowed(item)
    }
}

/// Substitutes list names in a condition, as text, exactly as Falco does before parsing.
///
/// `lists` are `(name, items)` in **index order** (position of first definition). For each
/// list, every occurrence of its name delimited on both sides by start/end of text,
/// whitespace, `(`, `)`, `,` or `=` is replaced, together with the blanks around it, by
/// `" " + items.join(", ") + " "` (no leading space at the start of the text). Items are
/// written by [`quote_item`]. An empty list also removes one adjacent comma (the left one
/// first). Names inside quoted strings are replaced too (an upstream quirk).
///
/// Search positions follow Falco byte for byte, including its quirk at the start of the
/// text: after a substitution the next search starts `len(items text) + 2` bytes after
/// the substitution's start whether or not a leading blank was inserted, so when the
/// name was at offset 0 the byte right after the trailing blank is skipped (`"l l"` with
/// `l = [x]` gives `"x l"`, while `"a l l"` gives `"a x x "`). An empty list name is
/// never substituted.
pub fn substitute_lists<'a, I, S>(text: &str, lists: I) -> String
where
    I: IntoIterator<Item = (&'a str, &'a [S])>,
    S: AsRef<str> + 'a,
{
    substitute_lists_used(text, lists).0
}

/// [`substitute_lists`], also returning the indexes (in `lists` order) of the lists that
/// were substituted at least once (for LOAD_UNUSED_LIST).
pub fn substitute_lists_used<'a, I, S>(text: &str, lists: I) -> (String, Vec<usize>)
where
    I: IntoIterator<Item = (&'a str, &'a [S])>,
    S: AsRef<str> + 'a,
{
    substitute(text, lists, true)
}

/// The substitution; `prefilter: false` searches for every list (the reference the
/// prefiltered form is tested against).
fn substitute<'a, I, S>(text: &str, lists: I, prefilter: bool) -> (String, Vec<usize>)
where
    I: IntoIterator<Item = (&'a str, &'a [S])>,
    S: AsRef<str> + 'a,
{
    let mut cond = text.to_string();
    let mut used = Vec::new();
    let mut sub = String::new();
    // A name is only ever substituted where it is a whole delimited run of the text: a
    // list whose name is no such run is skipped without searching (most lists, for most
    // conditions). Names containing a delimiter take the search.
    let mut runs = delimited_runs(&cond);
    for (index, (name, items)) in lists.into_iter().enumerate() {
        if name.is_empty() {
            continue;
        }
        if prefilter && !name.bytes().any(is_delim) && runs.binary_search(&run_hash(name)).is_err()
        {
            continue;
        }
        let mut hit = false;
        let mut found = cond.find(name);
        while let Some(mut s) = found {
            let bytes = cond.as_bytes();
            let mut e = s + name.len();
            let left_ok = s == 0 || bytes.get(s - 1).copied().is_some_and(is_delim);
            let right_ok = e >= bytes.len() || bytes.get(e).copied().is_some_and(is_delim);
            if left_ok && right_ok {
                while s > 0 && bytes.get(s - 1).is_some_and(|b| BLANKS.contains(b)) {
                    s -= 1;
                }
                while e < bytes.len() && bytes.get(e).is_some_and(|b| BLANKS.contains(b)) {
                    e += 1;
                }
                sub.clear();
                for item in items.iter() {
                    if !sub.is_empty() {
                        sub.push_str(", ");
                    }
                    sub.push_str(&quote_item(item.as_ref()));
                }
                if sub.is_empty() {
                    if s > 0 && bytes.get(s - 1) == Some(&b',') {
                        s -= 1;
                    } else if bytes.get(e) == Some(&b',') {
                        e += 1;
                    }
                }
                // `s` and `e` only moved over ASCII bytes: both are char boundaries.
                let mut next = String::with_capacity(cond.len() + sub.len() + 2);
                if s > 0 {
                    next.push_str(cond.get(..s).unwrap_or(""));
                    next.push(' ');
                }
                next.push_str(&sub);
                next.push(' ');
                next.push_str(cond.get(e..).unwrap_or(""));
                cond = next;
                // Falco's advance, independent of the leading blank (see the doc above).
                s += sub.len() + 1;
                hit = true;
            }
            let mut from = s + 1;
            while from < cond.len() && !cond.is_char_boundary(from) {
                from += 1;
            }
            found = cond
                .get(from..)
                .and_then(|t| t.find(name))
                .map(|i| i + from);
        }
        if hit {
            used.push(index);
            runs = delimited_runs(&cond);
        }
    }
    (cond, used)
}

/// Hashes of the maximal runs of non-delimiter bytes of `text`, sorted (a false match
/// only costs a search).
fn delimited_runs(text: &str) -> Vec<u64> {
    let mut v: Vec<u64> = text
        .as_bytes()
        .split(|&b| is_delim(b))
        .filter(|r| !r.is_empty())
        .map(run_hash)
        .collect();
    v.sort_unstable();
    v.dedup();
    v
}

/// FNV-1a of a run.
fn run_hash(r: impl AsRef<[u8]>) -> u64 {
    r.as_ref().iter().fold(0xcbf2_9ce4_8422_2325u64, |h, &b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    })
}
/// A macro-resolution error, worded as Falco words it.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum MacroError {
    /// A referenced macro is not visible (undefined or defined later).
    #[error("Undefined macro '{name}' used in filter.")]
    Undefined {
        /// Macro name.
        name: String,
        /// Position of the reference.
        pos: Pos,
    },
    /// A macro (indirectly) references itself.
    #[error("reference loop in macro '{name}'")]
    Loop {
        /// Macro name.
        name: String,
        /// Position of the reference.
        pos: Pos,
    },
    /// Expanding this reference would exceed the [`ExpansionLimits`] (hostile input:
    /// exponential or very deep macro chains). Not a Falco error: Falco has no bound.
    #[error("expansion of macro '{name}' is too large (more than {max_nodes} nodes or {max_depth} levels)")]
    TooLarge {
        /// Macro name.
        name: String,
        /// Position of the reference.
        pos: Pos,
        /// [`ExpansionLimits::max_nodes`] in force.
        max_nodes: usize,
        /// [`ExpansionLimits::max_depth`] in force.
        max_depth: usize,
    },
}

impl MacroError {
    /// Position of the offending reference.
    pub fn pos(&self) -> Pos {
        match self {
            MacroError::Undefined { pos, .. }
            | MacroError::Loop { pos, .. }
            | MacroError::TooLarge { pos, .. } => *pos,
        }
    }
}

/// Bounds on what macro resolution may build from one expression. Exceeding any of them
/// fails with [`MacroError::TooLarge`] at the reference that crossed it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ExpansionLimits {
    /// Maximum number of macro references substituted.
    pub max_expansions: usize,
    /// Maximum number of AST nodes added by substitution (each body's nodes, per use).
    pub max_nodes: usize,
    /// Maximum depth of the expanded tree (root = 1). The parser's own limit of 1000
    /// applies per text; this one bounds what chains of macros build.
    pub max_depth: usize,
}

impl Default for ExpansionLimits {
    /// 100 000 expansions, 100 000 nodes, depth 1000 (the upstream ruleset needs a few
    /// hundred nodes per rule at most).
    fn default() -> Self {
        ExpansionLimits {
            max_expansions: 100_000,
            max_nodes: 100_000,
            max_depth: 1_000,
        }
    }
}

/// [`resolve_macros_with`] with the default [`ExpansionLimits`].
pub fn resolve_macros<'m>(
    expr: &Expr,
    lookup: &dyn Fn(&str) -> Option<&'m Expr>,
) -> Result<(Expr, Vec<String>), MacroError> {
    resolve_macros_with(expr, lookup, ExpansionLimits::default())
}

/// Expands every macro reference in `expr`, as libsinsp's macro resolver does. `lookup`
/// returns the body of a visible macro (the loader decides visibility: earlier macros for
/// a macro body, any macro for a rule); a body may itself contain references (unexpanded
/// or already expanded), which are expanded recursively. A macro met again while its own
/// body is being expanded is a loop, and that reference is left in place.
///
/// The whole tree is visited before reporting, and errors are reported in Falco's order:
/// the first loop (or [`MacroError::TooLarge`], which stops the walk) wins over an
/// undefined macro met earlier in the text; otherwise the first undefined macro in text
/// order. Returns the expanded tree and the names of the macros used (directly or
/// indirectly), in first-use order.
pub fn resolve_macros_with<'m>(
    expr: &Expr,
    lookup: &dyn Fn(&str) -> Option<&'m Expr>,
    limits: ExpansionLimits,
) -> Result<(Expr, Vec<String>), MacroError> {
    let mut r = Resolver {
        lookup,
        limits,
        path: Vec::new(),
        used: Vec::new(),
        seen: HashSet::new(),
        errors: Vec::new(),
        undefined: None,
        expansions: 0,
        nodes: 0,
        aborted: false,
    };
    let mut out = expr.clone();
    r.expand(&mut out, 1);
    if let Some(e) = r.errors.into_iter().next().or(r.undefined) {
        return Err(e);
    }
    Ok((out, r.used))
}

struct Resolver<'l, 'm> {
    lookup: &'l dyn Fn(&str) -> Option<&'m Expr>,
    limits: ExpansionLimits,
    /// Macros whose bodies are being expanded (loop detection).
    path: Vec<String>,
    used: Vec<String>,
    seen: HashSet<String>,
    /// Loops and the size error, in the order met.
    errors: Vec<MacroError>,
    /// The first undefined reference.
    undefined: Option<MacroError>,
    expansions: usize,
    nodes: usize,
    aborted: bool,
}

/// (nodes, depth) of an expression; only called on trees already bounded in depth.
fn size_and_depth(e: &Expr) -> (usize, usize) {
    match e {
        Expr::And { children, .. } | Expr::Or { children, .. } => {
            let mut n = 1;
            let mut d = 0;
            for c in children {
                let (cn, cd) = size_and_depth(c);
                n += cn;
                d = d.max(cd);
            }
            (n, d + 1)
        }
        Expr::Not { child, .. } => {
            let (n, d) = size_and_depth(child);
            (n + 1, d + 1)
        }
        Expr::Macro { .. } | Expr::Check(_) => (1, 1),
    }
}

impl Resolver<'_, '_> {
    /// Expands references under `e`, which sits at `depth` in the expanded tree.
    fn expand(&mut self, e: &mut Expr, depth: usize) {
        if self.aborted {
            return;
        }
        match e {
            Expr::And { children, .. } | Expr::Or { children, .. } => {
                for c in children.iter_mut() {
                    self.expand(c, depth + 1);
                }
            }
            Expr::Not { child, .. } => self.expand(child, depth + 1),
            Expr::Check(_) => {}
            Expr::Macro { pos, name } => {
                let pos = *pos;
                let Some(body) = (self.lookup)(name) else {
                    if self.undefined.is_none() {
                        self.undefined = Some(MacroError::Undefined {
                            name: name.clone(),
                            pos,
                        });
                    }
                    return;
                };
                if self.path.iter().any(|p| p == name) {
                    self.errors.push(MacroError::Loop {
                        name: name.clone(),
                        pos,
                    });
                    return;
                }
                let (nodes, body_depth) = size_and_depth(body);
                self.expansions += 1;
                self.nodes = self.nodes.saturating_add(nodes);
                let l = self.limits;
                if self.expansions > l.max_expansions
                    || self.nodes > l.max_nodes
                    || depth + body_depth > l.max_depth + 1
                {
                    self.errors.push(MacroError::TooLarge {
                        name: name.clone(),
                        pos,
                        max_nodes: l.max_nodes,
                        max_depth: l.max_depth,
                    });
                    self.aborted = true;
                    return;
                }
                let name = name.clone();
                if self.seen.insert(name.clone()) {
                    self.used.push(name.clone());
                }
                self.path.push(name);
                let mut new = body.clone();
                self.expand(&mut new, depth);
                *e = new;
                self.path.pop();
            }
        }
    }
}

/// Names and positions of the macro references in `expr` (without expanding them).
pub fn macro_refs(expr: &Expr) -> Vec<(&str, Pos)> {
    let mut v = Vec::new();
    expr.walk(&mut |n| {
        if let Expr::Macro { name, pos } = n {
            v.push((name.as_str(), *pos));
        }
    });
    v
}

/// LOAD_UNSAFE_NA_CHECK: positions of checks comparing a `ka.*` or `jevt.*` field with
/// `<NA>` through an equality-like operator (`=`, `==`, `!=`, `in`, `intersects`, `pmatch`).
/// As in Falco, the field that decides is the **last** one read on the left-hand side
/// (a transformer's arguments are visited in order: `tolower(ka.user.name)` counts).
pub fn unsafe_na_checks(expr: &Expr) -> Vec<Pos> {
    fn targs(args: &[TArg], last: &mut Option<bool>) {
        for a in args {
            match a {
                TArg::Field(f) => *last = Some(is_unsafe_field(&f.name)),
                TArg::Transformer(t) => targs(&t.args, last),
                TArg::List(items, _) => targs(items, last),
                TArg::Value(_) => {}
            }
        }
    }
    fn is_unsafe_field(name: &str) -> bool {
        name.starts_with("ka.") || name.starts_with("jevt.")
    }
    let mut v = Vec::new();
    expr.walk(&mut |n| {
        let Expr::Check(c) = n else { return };
        let mut last = None;
        match &c.lhs {
            Operand::Field(f) => last = Some(is_unsafe_field(&f.name)),
            Operand::Transformer(t) => targs(&t.args, &mut last),
        }
        if last != Some(true) || !c.op.is_equality_like() {
            return;
        }
        let na = match &c.rhs {
            Some(Rhs::Value(val)) => val.text == "<NA>",
            Some(Rhs::List(l)) => l.items.iter().any(|i| i.text == "<NA>"),
            _ => false,
        };
        if na {
            v.push(c.pos);
        }
    });
    v
}

/// Fields deprecated since Falco 0.42 (enter events are gone): `evt.dir`, `evt.latency*`,
/// `evt.wait_latency`.
pub const DEPRECATED_FIELDS: [&str; 6] = [
    "evt.dir",
    "evt.latency",
    "evt.latency.s",
    "evt.latency.ns",
    "evt.latency.human",
    "evt.wait_latency",
];

/// LOAD_DEPRECATED_ITEM: deprecated fields read by the condition, with positions, in order.
pub fn deprecated_fields(expr: &Expr) -> Vec<(&str, Pos)> {
    let mut v = Vec::new();
    expr.visit_fields(&mut |f| {
        if DEPRECATED_FIELDS.contains(&f.name.as_str()) {
            v.push((f.name.as_str(), f.pos));
        }
    });
    v
}

/// The LOAD_UNSAFE_NA_CHECK message, as Falco words it.
pub const UNSAFE_NA_CHECK_MESSAGE: &str = "comparing a field value with <NA> is unsafe and can lead to \
unpredictable behavior of the rule condition. If you need to  check for the existence of a field, consider \
using the 'exists' operator instead.";

/// Whether a regex value could be written with `=`/`contains`/`startswith`/`endswith`
/// (libsinsp's heuristic: no special character except leading `^`, trailing `$`, and a
/// leading or trailing `.*`/`.+`/`.?`).
fn regex_is_plain(v: &[u8]) -> bool {
    let len = v.len();
    let mut i = 0;
    while i < len {
        let c = v[i];
        if (i == 0 && c == b'^') || (i + 1 == len && c == b'$') {
            i += 1;
            continue;
        }
        if ((i == 0 && len > 1) || i + 2 == len)
            && c == b'.'
            && v.get(i + 1).is_some_and(|n| b"+*?".contains(n))
        {
            i += 2;
            continue;
        }
        if b".+*?^$()[]{}|\\".contains(&c) {
            return false;
        }
        i += 1;
    }
    true
}

/// The compiler's const-value warnings (LOAD_COMPILE_CONDITION), as libsinsp emits them
/// for every constant on the right-hand side (each list item too), at the position of the
/// right-hand side, in this order per value:
/// * `regex check with 'v' may be optimized with simpler operators such as '=',
///   'contains', 'startswith', 'endswith'` (regex values without real regex syntax);
/// * `'X' may be a valid field misused as a const string value` when the value with all
///   whitespace removed is a field according to `is_field_name`;
/// * `'f(x)' may be a valid field transformer misused as a const string value` when it
///   reads `tname(...)` (`val` included).
pub fn const_value_warnings(
    expr: &Expr,
    is_field_name: &dyn Fn(&str) -> bool,
) -> Vec<(String, Pos)> {
    let mut out = Vec::new();
    expr.walk(&mut |n| {
        let Expr::Check(c) = n else { return };
        let (values, pos): (Vec<&str>, Pos) = match &c.rhs {
            Some(Rhs::Value(v)) => (vec![v.text.as_str()], v.pos),
            Some(Rhs::List(l)) => (l.items.iter().map(|i| i.text.as_str()).collect(), l.pos),
            _ => return,
        };
        for v in values {
            if c.op == Op::Regex && regex_is_plain(v.as_bytes()) {
                out.push((
                    format!(
                        "regex check with '{v}' may be optimized with simpler operators such as '=', 'contains', \
                         'startswith', 'endswith'"
                    ),
                    pos,
                ));
            }
            let nospaces: String = v.chars().filter(|ch| !ch.is_ascii_whitespace() && *ch != '\u{b}').collect();
            if !nospaces.is_empty() && is_field_name(&nospaces) {
                out.push((format!("'{v}' may be a valid field misused as a const string value"), pos));
            }
            let names = std::iter::once("val").chain(TransformerKind::ALL.iter().map(|k| k.as_str()));
            for t in names {
                if nospaces.len() >= t.len() + 2
                    && nospaces.starts_with(t)
                    && nospaces.as_bytes().get(t.len()) == Some(&b'(')
                    && nospaces.ends_with(')')
                {
                    out.push((format!("'{v}' may be a valid field transformer misused as a const string value"), pos));
                }
            }
        }
    });
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parser::parse;
    use std::collections::HashMap;

    fn sub(text: &str, lists: &[(&str, Vec<&str>)]) -> String {
        substitute_lists(text, lists.iter().map(|(n, v)| (*n, v.as_slice())))
    }

    /// The run prefilter never changes a result: random conditions and lists over a
    /// small alphabet (names recurring inside items, delimiters, quotes, empty lists)
    /// against the plain search.
    #[test]
    fn prefiltered_substitution_matches_the_plain_search() {
        let mut x = 0x9E37_79B9_7F4A_7C15u64;
        let mut rnd = |n: u64| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x % n
        };
        const PIECES: &[&str] = &[
            "a", "b", "ab", "l", "m", " ", "(", ")", ",", "=", "'", "x.y", "in", "\t",
        ];
        let word = |rnd: &mut dyn FnMut(u64) -> u64, max: u64| {
            let n = 1 + rnd(max);
            (0..n)
                .map(|_| PIECES[rnd(PIECES.len() as u64) as usize])
                .collect::<String>()
        };
        for _ in 0..20_000 {
            let text = word(&mut rnd, 12);
            let lists: Vec<(String, Vec<String>)> = (0..rnd(5))
                .map(|_| {
                    let name = ["a", "b", "ab", "l", "m", "l m", "x.y"][rnd(7) as usize];
                    let items = (0..rnd(3)).map(|_| word(&mut rnd, 3)).collect();
                    (name.to_string(), items)
                })
                .collect();
            let it = || lists.iter().map(|(n, v)| (n.as_str(), v.as_slice()));
            assert_eq!(
                substitute(&text, it(), true),
                substitute(&text, it(), false),
                "text {text:?}, lists {lists:?}"
            );
        }
    }

    #[test]
    fn list_substitution_rules() {
        let shells = ("shell_binaries", vec!["ash", "bash"]);
        assert_eq!(
            sub(
                "proc.name in (shell_binaries)",
                std::slice::from_ref(&shells)
            ),
            "proc.name in ( ash, bash )"
        );
        // ListSubBare: `=` is a delimiter.
        assert_eq!(
            sub("proc.name=cat_binaries", &[("cat_binaries", vec!["cat"])]),
            "proc.name= cat "
        );
        // ListSubMid.
        let out = sub(
            "proc.name in (ls, cat_binaries, ps)",
            &[("cat_binaries", vec!["cat"])],
        );
        assert_eq!(
            parse(&out).unwrap().to_string(),
            "proc.name in (ls, cat, ps)"
        );
        // Not delimited: left alone.
        assert_eq!(
            sub(
                "proc.name in (xshell_binaries)",
                std::slice::from_ref(&shells)
            ),
            "proc.name in (xshell_binaries)"
        );
        assert_eq!(
            sub("proc.name in (shell_binaries_x)", &[shells]),
            "proc.name in (shell_binaries_x)"
        );
        // Quoting rule: items with spaces get double quotes unless already quoted.
        let out = sub(
            "x.y in (l)",
            &[("l", vec!["a b", "'c d'", "\"10.0.0.0/8\""])],
        );
        assert_eq!(out, "x.y in ( \"a b\", 'c d', \"10.0.0.0/8\" )");
        assert_eq!(
            parse(&out).unwrap().to_string(),
            "x.y in (\"a b\", \"c d\", 10.0.0.0/8)"
        );
        // Empty list eats one comma (left first), and `in ( )` is valid.
        let e: Vec<&str> = vec![];
        let out = sub("x.y in (a, empty, b)", &[("empty", e.clone())]);
        assert_eq!(parse(&out).unwrap().to_string(), "x.y in (a, b)");
        let out = sub("x.y in (empty, b)", &[("empty", e.clone())]);
        assert_eq!(parse(&out).unwrap().to_string(), "x.y in (b)");
        let out = sub("x.y in (empty)", &[("empty", e)]);
        assert_eq!(parse(&out).unwrap().to_string(), "x.y in ()");
        // Quirk: names inside quoted strings are replaced too.
        assert_eq!(sub("x.y = 'a l b'", &[("l", vec!["z"])]), "x.y = 'a z b'");
        // One level of nesting through index order: a later list's name inside an earlier
        // list's items is replaced when that later list is visited.
        let (out, used) = substitute_lists_used(
            "x.y in (outer)",
            [
                ("outer", &["inner".to_string()][..]),
                ("inner", &["v1".to_string(), "v2".to_string()][..]),
            ],
        );
        assert_eq!(parse(&out).unwrap().to_string(), "x.y in (v1, v2)");
        assert_eq!(used, vec![0, 1]);
        // Unused lists are reported as such.
        let (_, used) = substitute_lists_used("a.b = c", [("l", &["x".to_string()][..])]);
        assert!(used.is_empty());
    }

    #[test]
    fn macro_resolution() {
        let mut m: HashMap<&str, Expr> = HashMap::new();
        m.insert("open_simple", parse("evt.type in (open,openat)").unwrap());
        m.insert("two", parse("open_simple or evt.type = openat2").unwrap());
        m.insert("loop_a", parse("loop_b and a.b = 1").unwrap());
        m.insert("loop_b", parse("loop_a").unwrap());
        let look = |n: &str| m.get(n);
        let (e, used) = resolve_macros(&parse("two and proc.name = cat").unwrap(), &look).unwrap();
        assert_eq!(
            e.to_string(),
            "((evt.type in (open, openat) or evt.type = openat2) and proc.name = cat)"
        );
        assert_eq!(used, vec!["two".to_string(), "open_simple".to_string()]);
        let err = resolve_macros(&parse("a.b = 1 and nope").unwrap(), &look).unwrap_err();
        assert_eq!(err.to_string(), "Undefined macro 'nope' used in filter.");
        assert_eq!(err.pos().idx, 12);
        let err = resolve_macros(&parse("loop_a").unwrap(), &look).unwrap_err();
        assert_eq!(err.to_string(), "reference loop in macro 'loop_a'");
        // The same macro used twice (not a loop).
        let (e, _) =
            resolve_macros(&parse("open_simple or not open_simple").unwrap(), &look).unwrap();
        assert_eq!(
            e.to_string(),
            "(evt.type in (open, openat) or not evt.type in (open, openat))"
        );
        assert_eq!(
            macro_refs(&parse("a and not (b or c.d = 1)").unwrap()).len(),
            2
        );
    }

    #[test]
    fn list_substitution_search_positions_follow_falco() {
        let x = ("l", vec!["x"]);
        // At offset 0 the byte after the trailing blank is skipped (Falco's advance does
        // not account for the missing leading blank) ...
        assert_eq!(sub("l l", std::slice::from_ref(&x)), "x l");
        assert_eq!(sub("l l l", std::slice::from_ref(&x)), "x l x ");
        // ... elsewhere every delimited occurrence is replaced.
        assert_eq!(sub("a l l", std::slice::from_ref(&x)), "a x x ");
        assert_eq!(sub("l,l", std::slice::from_ref(&x)), "x , x ");
        assert_eq!(sub("(l) l", std::slice::from_ref(&x)), "( x ) x ");
        // Empty list at offset 0 eats the right comma; multi-byte text around names.
        let e: Vec<&str> = vec![];
        assert_eq!(sub("e, b", &[("e", e.clone())]), "  b");
        assert_eq!(
            sub("proc.name in (ls, e, ps)", &[("e", e.clone())]),
            "proc.name in (ls  , ps)"
        );
        assert_eq!(
            sub("é in (l, é)", std::slice::from_ref(&x)),
            "é in ( x , é)"
        );
        assert_eq!(sub("x = y", &[("", vec!["z"])]), "x = y");
        assert_eq!(quote_item("a b"), "\"a b\"");
        assert_eq!(quote_item("'a b'"), "'a b'");
        assert_eq!(quote_item("ab"), "ab");
    }

    #[test]
    fn loop_is_reported_before_an_earlier_undefined_macro() {
        let mut m: HashMap<&str, Expr> = HashMap::new();
        m.insert("loop_a", parse("loop_b and a.b = 1").unwrap());
        m.insert("loop_b", parse("loop_a").unwrap());
        let look = |n: &str| m.get(n);
        // `nope` comes first in the text, the loop wins (Falco checks loops first).
        let err = resolve_macros(&parse("nope or loop_a").unwrap(), &look).unwrap_err();
        assert_eq!(err.to_string(), "reference loop in macro 'loop_a'");
        assert_eq!(err.pos().idx, 0, "at the reference inside loop_b's body");
        // Several undefined macros: the first in text order.
        let err = resolve_macros(&parse("a.b = 1 and (nope or zzz)").unwrap(), &look).unwrap_err();
        assert_eq!(err.to_string(), "Undefined macro 'nope' used in filter.");
    }

    #[test]
    fn expansion_limits() {
        // m_i = m_{i-1} and m_{i-1}: exponential.
        let mut m: HashMap<String, Expr> = HashMap::new();
        m.insert("m0".into(), parse("a.b = 1").unwrap());
        for i in 1..30 {
            m.insert(
                format!("m{i}"),
                parse(&format!("m{} and m{}", i - 1, i - 1)).unwrap(),
            );
        }
        let look = |n: &str| m.get(n);
        let err = resolve_macros(&parse("m29").unwrap(), &look).unwrap_err();
        assert!(matches!(err, MacroError::TooLarge { .. }), "{err}");
        assert!(err.to_string().starts_with("expansion of macro '"), "{err}");
        assert!(err
            .to_string()
            .ends_with("is too large (more than 100000 nodes or 1000 levels)"));
        // Small enough: fine, and exact limits are honoured.
        let (e, _) = resolve_macros(&parse("m3").unwrap(), &look).unwrap();
        let checks = e.to_string().matches("a.b = 1").count();
        assert_eq!(checks, 8);
        // m3 expands 1 + 2 + 4 + 8 = 15 references adding 3 + 6 + 12 + 8 = 29 nodes.
        let tight = ExpansionLimits {
            max_nodes: 29,
            ..ExpansionLimits::default()
        };
        assert!(resolve_macros_with(&parse("m3").unwrap(), &look, tight).is_ok());
        let tighter = ExpansionLimits {
            max_nodes: 28,
            ..ExpansionLimits::default()
        };
        assert!(resolve_macros_with(&parse("m3").unwrap(), &look, tighter).is_err());
        let few = ExpansionLimits {
            max_expansions: 15,
            ..ExpansionLimits::default()
        };
        assert!(resolve_macros_with(&parse("m3").unwrap(), &look, few).is_ok());
        let fewer = ExpansionLimits {
            max_expansions: 14,
            ..ExpansionLimits::default()
        };
        assert!(resolve_macros_with(&parse("m3").unwrap(), &look, fewer).is_err());
        // Depth: a chain of negations d_i = not d_{i-1}; depth of the result = i + 1.
        let mut d: HashMap<String, Expr> = HashMap::new();
        d.insert("d0".into(), parse("a.b = 1").unwrap());
        for i in 1..20 {
            d.insert(format!("d{i}"), parse(&format!("not d{}", i - 1)).unwrap());
        }
        let look = |n: &str| d.get(n);
        let depth = |max_depth| ExpansionLimits {
            max_depth,
            ..ExpansionLimits::default()
        };
        assert!(resolve_macros_with(&parse("d19").unwrap(), &look, depth(20)).is_ok());
        assert!(resolve_macros_with(&parse("d19").unwrap(), &look, depth(19)).is_err());
    }

    #[test]
    fn unsafe_na_check_uses_the_last_lhs_field() {
        let e = parse("tolower(ka.user.name) = <NA> or toupper(proc.name) = <NA>").unwrap();
        assert_eq!(unsafe_na_checks(&e).len(), 1);
    }

    #[test]
    fn warnings() {
        let e = parse("ka.user.name = <NA> or jevt.value[/x] in (a, <NA>) or ka.verb contains <NA> or x.y = <NA>").unwrap();
        assert_eq!(unsafe_na_checks(&e).len(), 2);
        let is_field = |n: &str| matches!(n, "proc.pname" | "proc.name");
        let e = parse("proc.name in (a, proc.pname, \"x y\")").unwrap();
        let w = const_value_warnings(&e, &is_field);
        assert_eq!(w.len(), 1);
        assert_eq!(w[0].1.idx, 13, "at the list's position");
        let e = parse("proc.name = proc.pname and proc.name = \"proc.pname \" and proc.name = x")
            .unwrap();
        let w = const_value_warnings(&e, &is_field);
        assert_eq!(w.len(), 2);
        assert_eq!(
            w[0].0,
            "'proc.pname' may be a valid field misused as a const string value"
        );
        assert_eq!(
            w[1].0,
            "'proc.pname ' may be a valid field misused as a const string value"
        );
        let e = parse("proc.name = \"toupper( proc.pname)\" and proc.name = toupper(proc.pname)")
            .unwrap();
        let w = const_value_warnings(&e, &is_field);
        assert_eq!(w.len(), 1);
        assert_eq!(w[0].0, "'toupper( proc.pname)' may be a valid field transformer misused as a const string value");
        let e = parse("evt.dir = < and tolower(evt.latency) > 1 and proc.name = evt.dir").unwrap();
        let d = deprecated_fields(&e);
        assert_eq!(
            d.iter().map(|x| x.0).collect::<Vec<_>>(),
            vec!["evt.dir", "evt.latency"]
        );
        assert_eq!(d[1].1.idx, 24);
        let e = parse(
            "proc.name regex abc and proc.name regex 'a.*' and proc.name regex '^.*b$' and proc.name regex '.*b$' and proc.name regex 'a.b'",
        )
        .unwrap();
        let w = const_value_warnings(&e, &is_field);
        let vals: Vec<&str> = w
            .iter()
            .map(|x| x.0.split('\'').nth(1).unwrap_or(""))
            .collect();
        assert_eq!(vals, vec!["abc", "a.*", ".*b$"]);
        assert_eq!(
            w[0].0,
            "regex check with 'abc' may be optimized with simpler operators such as '=', 'contains', 'startswith', 'endswith'"
        );
    }
}
