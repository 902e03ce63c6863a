//! Exceptions → condition text (§2).
//!
//! Works on text, before parsing, exactly as Falco does, quirks included: values are
//! pasted into the condition and parsed with it, so a bare list name in a value is later
//! substituted (by `engine_filter::substitute_lists`, which also provides the item
//! quoting used here), and a value that looks like a transformer becomes a real
//! transformer.

use super::collector::{is_list_operator, ExceptionInfo};
use super::result::{Context, ErrorCode};
use super::LoadErr;
use std::collections::BTreeSet;

use engine_filter::quote_item;

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
                        let parts: Vec<String> = v
                            .items
                            .iter()
                            .map(|x| quote_item(&x.item).into_owned())
                            .collect();
                        format!("({})", parts.join(", "))
                    } else if is_list_operator(&comp.item) {
                        paren_item(&v.item)
                    } else {
                        quote_item(&v.item).into_owned()
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
