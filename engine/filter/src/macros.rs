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

/// Substitutes list names in a condition, as text, exactly as Falco does before parsing.
///
/// `lists` are `(name, items)` in **index order** (position of first definition). For each
/// list, every occurrence of its name delimited on both sides by start/end of text,
/// whitespace, `(`, `)`, `,` or `=` is replaced, together with the blanks around it, by
/// `" " + items.join(", ") + " "` (no leading space at the start of the text). An item
/// containing a space and not starting with a quote is wrapped in double quotes. An empty
/// list also removes one adjacent comma (the left one first). Names inside quoted strings
/// are replaced too (an upstream quirk).
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
    let mut cond = text.to_string();
    let mut used = Vec::new();
    for (index, (name, items)) in lists.into_iter().enumerate() {
        if name.is_empty() {
            continue;
        }
        let mut start = 0usize;
        let mut hit = false;
        while let Some(off) = cond.get(start..).and_then(|s| s.find(name)) {
            let at = start + off;
            let mut s = at;
            let mut e = at + name.len();
            let bytes = cond.as_bytes();
            let left_ok = s == 0 || bytes.get(s - 1).copied().is_some_and(is_delim);
            let right_ok = e >= bytes.len() || bytes.get(e).copied().is_some_and(is_delim);
            if !(left_ok && right_ok) {
                start = at + name.chars().next().map_or(1, char::len_utf8);
                continue;
            }
            while s > 0 && bytes.get(s - 1).is_some_and(|b| BLANKS.contains(b)) {
                s -= 1;
            }
            while e < bytes.len() && bytes.get(e).is_some_and(|b| BLANKS.contains(b)) {
                e += 1;
            }
            let mut sub = String::new();
            for item in items.iter() {
                let v = item.as_ref();
                if !sub.is_empty() {
                    sub.push_str(", ");
                }
                if v.contains(' ') && !(v.starts_with('"') || v.starts_with('\'')) {
                    sub.push('"');
                    sub.push_str(v);
                    sub.push('"');
                } else {
                    sub.push_str(v);
                }
            }
            if sub.is_empty() {
                if s > 0 && bytes.get(s - 1) == Some(&b',') {
                    s -= 1;
                } else if bytes.get(e) == Some(&b',') {
                    e += 1;
                }
            }
            let mut next = String::with_capacity(cond.len() + sub.len() + 2);
            let mut sub_start = 0;
            if s > 0 {
                next.push_str(&cond[..s]);
                next.push(' ');
                sub_start = s + 1;
            }
            next.push_str(&sub);
            next.push(' ');
            next.push_str(cond.get(e..).unwrap_or(""));
            cond = next;
            start = sub_start + sub.len();
            hit = true;
        }
        if hit {
            used.push(index);
        }
    }
    (cond, used)
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
}

impl MacroError {
    /// Position of the offending reference.
    pub fn pos(&self) -> Pos {
        match self {
            MacroError::Undefined { pos, .. } | MacroError::Loop { pos, .. } => *pos,
        }
    }
}

/// Expands every macro reference in `expr`. `lookup` returns the **parsed, unexpanded**
/// body of a visible macro (the loader decides visibility: earlier macros for a macro
/// body, any macro for a rule). Bodies are expanded recursively; a macro met again while
/// its own body is being expanded is a loop. Returns the expanded tree and the names of
/// the macros used (directly or indirectly), in first-use order.
pub fn resolve_macros<'m>(
    expr: &Expr,
    lookup: &dyn Fn(&str) -> Option<&'m Expr>,
) -> Result<(Expr, Vec<String>), MacroError> {
    let mut stack: Vec<String> = Vec::new();
    let mut used: Vec<String> = Vec::new();
    let mut seen: HashSet<String> = HashSet::new();
    let out = expand(expr, lookup, &mut stack, &mut used, &mut seen)?;
    Ok((out, used))
}

fn expand<'m>(
    e: &Expr,
    lookup: &dyn Fn(&str) -> Option<&'m Expr>,
    stack: &mut Vec<String>,
    used: &mut Vec<String>,
    seen: &mut HashSet<String>,
) -> Result<Expr, MacroError> {
    Ok(match e {
        Expr::And { pos, children } => Expr::And {
            pos: *pos,
            children: children
                .iter()
                .map(|c| expand(c, lookup, stack, used, seen))
                .collect::<Result<_, _>>()?,
        },
        Expr::Or { pos, children } => Expr::Or {
            pos: *pos,
            children: children
                .iter()
                .map(|c| expand(c, lookup, stack, used, seen))
                .collect::<Result<_, _>>()?,
        },
        Expr::Not { pos, child } => Expr::Not {
            pos: *pos,
            child: Box::new(expand(child, lookup, stack, used, seen)?),
        },
        Expr::Check(c) => Expr::Check(c.clone()),
        Expr::Macro { pos, name } => {
            if stack.iter().any(|s| s == name) {
                return Err(MacroError::Loop {
                    name: name.clone(),
                    pos: *pos,
                });
            }
            let Some(body) = lookup(name) else {
                return Err(MacroError::Undefined {
                    name: name.clone(),
                    pos: *pos,
                });
            };
            if seen.insert(name.clone()) {
                used.push(name.clone());
            }
            stack.push(name.clone());
            let r = expand(body, lookup, stack, used, seen);
            stack.pop();
            r?
        }
    })
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
pub fn unsafe_na_checks(expr: &Expr) -> Vec<Pos> {
    let mut v = Vec::new();
    expr.walk(&mut |n| {
        let Expr::Check(c) = n else { return };
        let Operand::Field(f) = &c.lhs else { return };
        if !(f.name.starts_with("ka.") || f.name.starts_with("jevt.")) || !c.op.is_equality_like() {
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
