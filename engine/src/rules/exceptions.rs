//! Exceptions → condition text (§2), and Falco's textual list substitution (§1.9).
//!
//! Both work on text, before parsing, exactly as Falco does, quirks included: values are
//! pasted into the condition and parsed with it, so a bare list name in a value is later
//! substituted, and a value that looks like a transformer becomes a real transformer.

use super::collector::{is_list_operator, ExceptionInfo};
use super::result::{Context, ErrorCode};
use super::LoadErr;
use std::collections::BTreeSet;

/// Wraps an item in double quotes if it contains a space and does not start with a quote.
pub fn quote_item(e: &str) -> String {
    if e.contains(' ') && !e.starts_with('"') && !e.starts_with('\'') {
        format!("\"{e}\"")
    } else {
        e.to_string()
    }
}

fn paren_item(e: &str) -> String {
    if e.starts_with('(') {
        e.to_string()
    } else {
        format!("({e})")
    }
}

fn verr(msg: &str, ctx: &Context) -> LoadErr {
    LoadErr::new(ErrorCode::Validate, msg, ctx.clone())
}

/// Builds `(<cond>) and not <clause>...` for the rule's exceptions; also returns the
/// exception fields (for `-L` details). Clauses without values add nothing.
pub fn build_exceptions_condition(
    cond: &str,
    exceptions: &[ExceptionInfo],
    fields_out: &mut BTreeSet<String>,
) -> Result<String, LoadErr> {
    let mut condition = format!("({cond})");
    for ex in exceptions {
        let mut icond = String::new();
        if !ex.fields.is_list {
            for val in &ex.values {
                if val.is_list {
                    return Err(verr(
                        "Expected values array to contain a list of strings",
                        &ex.ctx,
                    ));
                }
                if icond.is_empty() {
                    icond = format!("({} {} (", ex.fields.item, ex.comps.item);
                } else {
                    icond.push_str(", ");
                }
                fields_out.insert(ex.fields.item.clone());
                icond.push_str(&quote_item(&val.item));
            }
            if !icond.is_empty() {
                icond.push_str("))");
            }
        } else {
            icond.push('(');
            for values in &ex.values {
                if ex.fields.items.len() != values.items.len() {
                    return Err(verr(
                        "Fields and values lists must have equal length",
                        &ex.ctx,
                    ));
                }
                if icond != "(" {
                    icond.push_str(" or ");
                }
                icond.push('(');
                for (k, field) in ex.fields.items.iter().enumerate() {
                    if k > 0 {
                        icond.push_str(" and ");
                    }
                    let (Some(v), Some(comp)) = (values.items.get(k), ex.comps.items.get(k)) else {
                        return Err(verr(
                            "Fields and values lists must have equal length",
                            &ex.ctx,
                        ));
                    };
                    let istr = if v.is_list {
                        let parts: Vec<String> =
                            v.items.iter().map(|x| quote_item(&x.item)).collect();
                        format!("({})", parts.join(", "))
                    } else if is_list_operator(&comp.item) {
                        paren_item(&v.item)
                    } else {
                        quote_item(&v.item)
                    };
                    icond.push(' ');
                    icond.push_str(&field.item);
                    icond.push(' ');
                    icond.push_str(&comp.item);
                    icond.push(' ');
                    icond.push_str(&istr);
                    fields_out.insert(field.item.clone());
                }
                icond.push(')');
            }
            icond.push(')');
            if icond == "()" {
                icond.clear();
            }
        }
        if !icond.is_empty() {
            condition.push_str(" and not ");
            condition.push_str(&icond);
        }
    }
    Ok(condition)
}

const BLANKS: &[u8] = b" \t\n\r";
const DELIMS: &[u8] = b" \t\n\r(),=";

fn find_from(hay: &str, needle: &str, from: usize) -> Option<usize> {
    hay.get(from..)?.find(needle).map(|i| i + from)
}

/// Substitutes every delimited occurrence of list `name` in `cnd` by its items (quoted by
/// [`quote_item`], joined with `", "`, followed by one space). Returns whether it was used.
pub fn resolve_list(cnd: &mut String, name: &str, items: &[String]) -> bool {
    if name.is_empty() {
        return false;
    }
    let mut used = false;
    let mut start_opt = cnd.find(name);
    while let Some(mut start) = start_opt {
        let b = cnd.as_bytes();
        let mut end = start + name.len();
        let left_ok = start == 0 || DELIMS.contains(&b[start - 1]);
        let right_ok = end >= b.len() || DELIMS.contains(&b[end]);
        if left_ok && right_ok {
            while start > 0 && BLANKS.contains(&b[start - 1]) {
                start -= 1;
            }
            while end < b.len() && BLANKS.contains(&b[end]) {
                end += 1;
            }
            let sub = items
                .iter()
                .map(|v| quote_item(v))
                .collect::<Vec<_>>()
                .join(", ");
            if sub.is_empty() {
                if start > 0 && b[start - 1] == b',' {
                    start -= 1;
                } else if end < b.len() && b[end] == b',' {
                    end += 1;
                }
            }
            let mut new_cnd = String::with_capacity(cnd.len() + sub.len() + 2);
            if start > 0 {
                new_cnd.push_str(&cnd[..start]);
                new_cnd.push(' ');
            }
            new_cnd.push_str(&sub);
            new_cnd.push(' ');
            if end <= cnd.len() {
                new_cnd.push_str(&cnd[end..]);
            }
            *cnd = new_cnd;
            start += sub.len() + 1;
            used = true;
        }
        // Falco searches again from start + 1; keep on a char boundary.
        let mut from = start + 1;
        while from < cnd.len() && !cnd.is_char_boundary(from) {
            from += 1;
        }
        start_opt = find_from(cnd, name, from);
    }
    used
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(v: &[&str]) -> Vec<String> {
        v.iter().map(|x| x.to_string()).collect()
    }

    #[test]
    fn list_substitution() {
        let mut c = "evt.type=open and proc.name in (shell_binaries)".to_string();
        assert!(resolve_list(&mut c, "shell_binaries", &s(&["ash", "bash"])));
        assert_eq!(c, "evt.type=open and proc.name in ( ash, bash )");
        let mut c = "proc.name=cat_binaries".to_string();
        resolve_list(&mut c, "cat_binaries", &s(&["cat"]));
        assert_eq!(c, "proc.name= cat ");
        let mut c = "proc.name in (ls, empty, ps)".to_string();
        resolve_list(&mut c, "empty", &[]);
        assert_eq!(c, "proc.name in (ls  , ps)");
        let mut c = "proc.name in (x_list_y)".to_string();
        assert!(!resolve_list(&mut c, "list", &s(&["a"])));
        let mut c = "fd.name in (l)".to_string();
        resolve_list(&mut c, "l", &s(&["a b", "'c d'"]));
        assert_eq!(c, "fd.name in ( \"a b\", 'c d' )");
    }
}
