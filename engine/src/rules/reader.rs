//! The reader: walks the YAML documents of one file and feeds the [`Collector`], with
//! Falco's decoding rules, messages and contexts (§1.1–§1.8, §2).

use super::collector::{
    Collector, Entry, ExceptionInfo, PluginRequirement, RuleInfo, RuleUpdate, SourceCatalog,
};
use super::result::{Context, ErrorCode, ItemType, LoadResult, WarningCode};
use super::yaml::{Node, NodeKind};
use super::{LoadErr, Priority, Version};
use std::collections::BTreeSet;

const WARNING_APPEND: &str =
    "'append' key is deprecated. Add an 'append' entry (e.g. 'condition: append') under 'override' instead.";
const WARNING_ENABLED: &str = "The standalone 'enabled' key usage is deprecated. The correct approach requires also a 'replace' entry under the 'override' key (i.e. 'enabled: replace').";
const ERROR_OVERRIDE_APPEND: &str = "Keys 'override' and 'append: true' cannot be used together. Add an 'append' entry (e.g. 'condition: append') under 'override' instead.";

const RGX_IDENTIFIER: &str = "([a-zA-Z]+[a-zA-Z0-9_]*)";
const RGX_BARESTR: &str = "([^()\"'[:space:]=,]+)";

fn yerr(msg: impl Into<String>, ctx: &Context) -> LoadErr {
    LoadErr::new(ErrorCode::YamlValidate, msg, ctx.clone())
}

/// yaml-cpp's `as<std::string>()`: scalar text, "null" for null, error otherwise.
fn as_string_lenient(n: &Node, ctx: &Context) -> Result<String, LoadErr> {
    match &n.kind {
        NodeKind::Scalar { text, .. } => Ok(text.clone()),
        NodeKind::Null => Ok("null".into()),
        _ => Err(LoadErr::new(
            ErrorCode::Validate,
            "bad conversion",
            ctx.clone(),
        )),
    }
}

fn is_identifier(s: &str) -> bool {
    let b = s.as_bytes();
    let letters = b.iter().take_while(|c| c.is_ascii_alphabetic()).count();
    letters > 0
        && b[letters..]
            .iter()
            .all(|c| c.is_ascii_alphanumeric() || *c == b'_')
}

fn is_bare_string(s: &str) -> bool {
    !s.is_empty()
        && s.bytes().all(|c| {
            !matches!(
                c,
                b'(' | b')'
                    | b'"'
                    | b'\''
                    | b'='
                    | b','
                    | b' '
                    | b'\t'
                    | b'\n'
                    | b'\r'
                    | 0x0b
                    | 0x0c
            )
        })
}

/// Decodes a scalar under `key` with `conv`. `optional`: a missing key gives `None`;
/// `can_be_empty`: a null or empty value gives `None`.
fn decode<T>(
    item: &Node,
    key: &str,
    ctx: &Context,
    optional: bool,
    can_be_empty: bool,
    conv: impl Fn(&str) -> Option<T>,
) -> Result<Option<T>, LoadErr> {
    let Some(val) = item.get(key) else {
        if optional {
            return Ok(None);
        }
        return Err(yerr(format!("Item has no mapping for key '{key}'"), ctx));
    };
    if val.is_null() {
        if can_be_empty {
            return Ok(None);
        }
        return Err(yerr(format!("Mapping for key '{key}' is empty"), ctx));
    }
    let valctx = ctx.child(val.pos, ItemType::ValueFor, key);
    let Some(s) = val.scalar() else {
        return Err(yerr("Value is not a scalar value", &valctx));
    };
    if s.is_empty() {
        if can_be_empty {
            return Ok(None);
        }
        return Err(yerr("Value must be non-empty", &valctx));
    }
    match conv(s) {
        Some(v) => Ok(Some(v)),
        None => Err(yerr("Can't decode YAML scalar value", &valctx)),
    }
}

fn req_str(item: &Node, key: &str, ctx: &Context) -> Result<String, LoadErr> {
    Ok(decode(item, key, ctx, false, false, |s| Some(s.to_string()))?.unwrap_or_default())
}
fn req_bool(item: &Node, key: &str, ctx: &Context) -> Result<bool, LoadErr> {
    Ok(decode(item, key, ctx, false, false, super::yaml::parse_yaml_bool)?.unwrap_or_default())
}
fn req_u32(item: &Node, key: &str, ctx: &Context) -> Result<u32, LoadErr> {
    Ok(decode(item, key, ctx, false, false, super::yaml::parse_yaml_u32)?.unwrap_or_default())
}
fn opt_str(item: &Node, key: &str, ctx: &Context) -> Result<Option<String>, LoadErr> {
    decode(item, key, ctx, true, false, |s| Some(s.to_string()))
}
fn opt_bool(item: &Node, key: &str, ctx: &Context) -> Result<Option<bool>, LoadErr> {
    decode(item, key, ctx, true, false, super::yaml::parse_yaml_bool)
}
fn opt_u32(item: &Node, key: &str, ctx: &Context) -> Result<Option<u32>, LoadErr> {
    decode(item, key, ctx, true, false, super::yaml::parse_yaml_u32)
}

/// A sequence of scalars under `key` (list items, tags).
fn decode_seq(
    item: &Node,
    key: &str,
    ctx: &Context,
    optional: bool,
) -> Result<Option<Vec<String>>, LoadErr> {
    let Some(val) = item.get(key) else {
        if optional {
            return Ok(None);
        }
        return Err(yerr(format!("Item has no mapping for key '{key}'"), ctx));
    };
    let valctx = ctx.child(val.pos, ItemType::ValueFor, key);
    let Some(seq) = val.seq() else {
        return Err(yerr("Value is not a sequence", &valctx));
    };
    let mut out = Vec::with_capacity(seq.len());
    for v in seq {
        let ictx = valctx.child(v.pos, ItemType::ListItem, "");
        match v.scalar() {
            Some(s) => out.push(s.to_string()),
            None => return Err(yerr("sequence value is not scalar", &ictx)),
        }
    }
    Ok(Some(out))
}

fn decode_tags(item: &Node, ctx: &Context) -> Result<Option<BTreeSet<String>>, LoadErr> {
    Ok(decode_seq(item, "tags", ctx, true)?.map(|v| v.into_iter().collect()))
}

/// Reads `override:`; returns (append keys, replace keys).
fn decode_overrides(
    item: &Node,
    appendable: &[&str],
    replaceable: &[&str],
    ctx: &Context,
) -> Result<(BTreeSet<String>, BTreeSet<String>), LoadErr> {
    let mut app = BTreeSet::new();
    let mut rep = BTreeSet::new();
    let Some(val) = item.get("override") else {
        return Ok((app, rep));
    };
    let octx = ctx.child(item.pos, ItemType::Overrides, "");
    for (k, v) in val.map().unwrap_or(&[]) {
        let key = as_string_lenient(k, &octx)?;
        let op = as_string_lenient(v, &octx)?;
        let can_app = appendable.contains(&key.as_str());
        let can_rep = replaceable.contains(&key.as_str());
        let keyctx = octx.child(k.pos, ItemType::Overrides, &key);
        match op.as_str() {
            "append" => {
                if !can_app {
                    return Err(yerr(
                        format!("Key '{key}' cannot be appended to, use 'replace' instead"),
                        &keyctx,
                    ));
                }
                app.insert(key);
            }
            "replace" => {
                if !can_rep {
                    return Err(yerr(format!("Key '{key}' cannot be replaced"), &keyctx));
                }
                rep.insert(key);
            }
            _ => {
                let opctx = octx.child(v.pos, ItemType::ValueFor, &key);
                let mut m = format!(
                    "Invalid override operation for key '{key}': '{op}'. Allowed values are: "
                );
                if can_app {
                    m.push_str("append ");
                }
                if can_rep {
                    m.push_str("replace ");
                }
                return Err(yerr(m, &opctx));
            }
        }
    }
    Ok((app, rep))
}

fn decode_entry(val: &Node, key: &str, ctx: &Context) -> Result<Entry, LoadErr> {
    let valctx = ctx.child(val.pos, ItemType::ValueFor, key);
    let mut out = Entry::default();
    match &val.kind {
        NodeKind::Scalar { text, .. } => {
            if text.is_empty() {
                return Err(yerr("Value must be non-empty", &valctx));
            }
            out.item = text.clone();
        }
        NodeKind::Seq(items) => {
            out.is_list = true;
            for v in items {
                let lctx = valctx.child(v.pos, ItemType::Exception, "");
                out.items.push(decode_entry(v, "", &lctx)?);
            }
        }
        _ => {}
    }
    Ok(out)
}

fn decode_entry_key(
    item: &Node,
    key: &str,
    ctx: &Context,
    optional: bool,
) -> Result<Entry, LoadErr> {
    match item.get(key) {
        None if optional => Ok(Entry::default()),
        None => Err(yerr(format!("Item has no mapping for key '{key}'"), ctx)),
        Some(v) => decode_entry(v, key, ctx),
    }
}

fn read_exceptions(
    res: &mut LoadResult,
    item: &Node,
    parent: &Context,
    append: bool,
) -> Result<Vec<ExceptionInfo>, LoadErr> {
    let mut out: Vec<ExceptionInfo> = Vec::new();
    let Some(exs) = item.get("exceptions") else {
        return Ok(out);
    };
    if exs.is_null() {
        return Ok(out);
    }
    let exes_ctx = parent.child(exs.pos, ItemType::Exceptions, "");
    let Some(seq) = exs.seq() else {
        return Err(yerr("Rule exceptions must be a sequence", &exes_ctx));
    };
    for ex in seq {
        let tmp = exes_ctx.child(ex.pos, ItemType::Exception, "");
        if !ex.is_map() {
            return Err(yerr("Rule exception must be a mapping", &tmp));
        }
        let name = req_str(ex, "name", &tmp)?;
        let ex_ctx = parent.child(ex.pos, ItemType::Exception, &name);
        if out.iter().any(|e| e.name == name) {
            res.warn(
                WarningCode::ExceptionNameNotUnique,
                format!("Multiple definitions of exception '{name}' in the same rule"),
                &ex_ctx,
            );
        }
        let fields = decode_entry_key(ex, "fields", &ex_ctx, append)?;
        let comps = decode_entry_key(ex, "comps", &ex_ctx, true)?;
        let mut values = Vec::new();
        match ex.get("values") {
            Some(vals) => {
                let vals_ctx = ex_ctx.child(vals.pos, ItemType::ExceptionValues, "");
                let Some(vs) = vals.seq() else {
                    return Err(yerr("Rule exception values must be a sequence", &vals_ctx));
                };
                for v in vs {
                    let vctx = vals_ctx.child(v.pos, ItemType::ExceptionValue, "");
                    values.push(decode_entry(v, "", &vctx)?);
                }
            }
            None if append => res.warn(
                WarningCode::AppendNoValues,
                "Overriding/appending exception with no values",
                &ex_ctx,
            ),
            None => {}
        }
        out.push(ExceptionInfo {
            name,
            fields,
            comps,
            values,
            ctx: ex_ctx,
        });
    }
    Ok(out)
}

fn warn_unknown_keys(
    res: &mut LoadResult,
    item: &Node,
    expected: &[&str],
    ctx: &Context,
) -> Result<(), LoadErr> {
    for (k, _) in item.map().unwrap_or(&[]) {
        let key = as_string_lenient(k, ctx)?;
        if !expected.contains(&key.as_str()) {
            res.warn(
                WarningCode::UnknownKey,
                format!("Unknown key '{key}'. The key will be ignored."),
                ctx,
            );
        }
    }
    Ok(())
}

const RULE_APPENDABLE: [&str; 5] = ["condition", "output", "desc", "tags", "exceptions"];
const RULE_REPLACEABLE: [&str; 11] = [
    "condition",
    "output",
    "desc",
    "priority",
    "capture",
    "capture_duration",
    "tags",
    "exceptions",
    "enabled",
    "warn_evttypes",
    "skip-if-unknown-filter",
];

/// Reads one document of a file into the collector. Stops at the first error.
pub fn read_document(
    doc: &Node,
    root: &Context,
    collector: &mut Collector,
    sources: &dyn SourceCatalog,
    res: &mut LoadResult,
) -> Result<(), LoadErr> {
    if doc.is_null() {
        return Ok(());
    }
    if !doc.is_map() && !doc.is_seq() {
        return Err(yerr("Rules content is not yaml", root));
    }
    let Some(items) = doc.seq() else {
        return Err(yerr("Rules content is not yaml array of objects", root));
    };
    for item in items {
        if !item.is_null() {
            read_item(item, root, collector, sources, res)?;
        }
    }
    Ok(())
}

fn read_item(
    item: &Node,
    parent: &Context,
    col: &mut Collector,
    sources: &dyn SourceCatalog,
    res: &mut LoadResult,
) -> Result<(), LoadErr> {
    if !item.is_map() {
        let tmp = parent.child(item.pos, ItemType::RulesContentItem, "");
        return Err(yerr(
            "Unexpected element type. Each element should be a yaml associative array.",
            &tmp,
        ));
    }
    if item.get("required_engine_version").is_some() {
        let ctx = parent.child(item.pos, ItemType::RequiredEngineVersion, "");
        let v = match req_u32(item, "required_engine_version", &ctx) {
            Ok(n) => Version {
                major: 0,
                minor: n,
                patch: 0,
            },
            Err(_) => {
                let s = req_str(item, "required_engine_version", &ctx)?;
                Version::parse(&s).ok_or_else(|| {
                    yerr(
                        format!("Unable to parse engine version '{s}' as a semver string. Expected \"x.y.z\" semver format."),
                        &ctx,
                    )
                })?
            }
        };
        col.define_engine_version(v, &ctx)?;
        warn_unknown_keys(res, item, &["required_engine_version"], &ctx)?;
    } else if let Some(rpv) = item.get("required_plugin_versions") {
        let ctx = parent.child(rpv.pos, ItemType::RequiredPluginVersions, "");
        let Some(plugins) = rpv.seq() else {
            return Err(yerr(
                "Value of required_plugin_versions must be a sequence",
                &ctx,
            ));
        };
        for plugin in plugins {
            let tmp = ctx.child(plugin.pos, ItemType::RequiredPluginVersionsEntry, "");
            if !plugin.is_map() {
                return Err(yerr("Plugin version must be a mapping", &tmp));
            }
            let name = req_str(plugin, "name", &tmp)?;
            let pctx = ctx.child(plugin.pos, ItemType::RequiredPluginVersionsEntry, &name);
            let version = req_str(plugin, "version", &pctx)?;
            let mut alts = vec![PluginRequirement { name, version }];
            if let Some(a) = plugin.get("alternatives") {
                let Some(aseq) = a.seq() else {
                    return Err(yerr(
                        "Value of plugin version alternatives must be a sequence",
                        &pctx,
                    ));
                };
                for req in aseq {
                    let tmp = pctx.child(req.pos, ItemType::RequiredPluginVersionsAlternative, "");
                    if !req.is_map() {
                        return Err(yerr("Plugin version alternative must be a mapping", &tmp));
                    }
                    let name = req_str(req, "name", &tmp)?;
                    let tmp =
                        pctx.child(req.pos, ItemType::RequiredPluginVersionsAlternative, &name);
                    let version = req_str(req, "version", &tmp)?;
                    alts.push(PluginRequirement { name, version });
                }
            }
            col.define_plugin_versions(alts, &pctx)?;
        }
        let rctx = parent.child(item.pos, ItemType::RequiredPluginVersions, "");
        warn_unknown_keys(res, item, &["required_plugin_versions"], &rctx)?;
    } else if item.get("list").is_some() {
        let tmp = parent.child(item.pos, ItemType::List, "");
        let name = req_str(item, "list", &tmp)?;
        let ctx = parent.child(item.pos, ItemType::List, &name);
        if !is_bare_string(&name) {
            res.warn(
                WarningCode::InvalidListName,
                format!("List has an invalid name. List names should match a regular expression: {RGX_BARESTR}"),
                &ctx,
            );
        }
        let items = decode_seq(item, "items", &ctx, false)?.unwrap_or_default();
        let mut append = opt_bool(item, "append", &ctx)?.unwrap_or(false);
        if append {
            res.warn(WarningCode::DeprecatedItem, WARNING_APPEND, &ctx);
        }
        let (oa, or) = decode_overrides(item, &["items"], &["items"], &ctx)?;
        if append && (!oa.is_empty() || !or.is_empty()) {
            return Err(yerr(ERROR_OVERRIDE_APPEND, &ctx));
        }
        append |= oa.contains("items");
        if append {
            col.append_list(&name, items, &ctx)?;
        } else {
            col.define_list(&name, items, &ctx);
        }
        warn_unknown_keys(res, item, &["list", "items", "append", "override"], &ctx)?;
    } else if item.get("macro").is_some() {
        let tmp = parent.child(item.pos, ItemType::Macro, "");
        let name = req_str(item, "macro", &tmp)?;
        let ctx = parent.child(item.pos, ItemType::Macro, &name);
        if !is_identifier(&name) {
            res.warn(
                WarningCode::InvalidMacroName,
                format!("Macro has an invalid name. Macro names should match a regular expression: {RGX_IDENTIFIER}"),
                &ctx,
            );
        }
        let cond = req_str(item, "condition", &ctx)?;
        let cond_pos = item.get("condition").map(|n| n.pos).unwrap_or(item.pos);
        let cond_ctx = ctx.child(cond_pos, ItemType::MacroCondition, "");
        let mut append = opt_bool(item, "append", &ctx)?.unwrap_or(false);
        if append {
            res.warn(WarningCode::DeprecatedItem, WARNING_APPEND, &ctx);
        }
        let (oa, or) = decode_overrides(item, &["condition"], &["condition"], &ctx)?;
        if append && (!oa.is_empty() || !or.is_empty()) {
            return Err(yerr(ERROR_OVERRIDE_APPEND, &ctx));
        }
        append |= oa.contains("condition");
        if append {
            col.append_macro(&name, &cond, &ctx)?;
        } else {
            col.define_macro(&name, cond, &ctx, &cond_ctx);
        }
        warn_unknown_keys(
            res,
            item,
            &["macro", "condition", "append", "override"],
            &ctx,
        )?;
    } else if item.get("rule").is_some() {
        read_rule(item, parent, col, sources, res)?;
    } else {
        let ctx = parent.child(item.pos, ItemType::RulesContentItem, "");
        res.warn(WarningCode::UnknownItem, "Unknown top level item", &ctx);
    }
    Ok(())
}

fn parse_priority(item: &Node, ctx: &Context) -> Result<Priority, LoadErr> {
    let p = req_str(item, "priority", ctx)?;
    let ppos = item.get("priority").map(|n| n.pos).unwrap_or(item.pos);
    let prictx = ctx.child(ppos, ItemType::RulePriority, "");
    Priority::parse(&p).ok_or_else(|| yerr("Invalid priority", &prictx))
}

fn trim_ws(s: &str) -> String {
    s.trim_matches([' ', '\t', '\n', '\r', '\x0c', '\x0b'])
        .to_string()
}

fn read_rule(
    item: &Node,
    parent: &Context,
    col: &mut Collector,
    sources: &dyn SourceCatalog,
    res: &mut LoadResult,
) -> Result<(), LoadErr> {
    let tmp = parent.child(item.pos, ItemType::Rule, "");
    let name = req_str(item, "rule", &tmp)?;
    let ctx = parent.child(item.pos, ItemType::Rule, &name);
    let source =
        decode(item, "source", &ctx, true, true, |s| Some(s.to_string()))?.unwrap_or_default();
    let has_append_flag = opt_bool(item, "append", &ctx)?.unwrap_or(false);
    if has_append_flag {
        res.warn(WarningCode::DeprecatedItem, WARNING_APPEND, &ctx);
    }
    let (oa, or) = decode_overrides(item, &RULE_APPENDABLE, &RULE_REPLACEABLE, &ctx)?;
    let has_overrides = !oa.is_empty() || !or.is_empty();
    if has_append_flag && has_overrides {
        return Err(yerr(ERROR_OVERRIDE_APPEND, &ctx));
    }

    if has_overrides {
        // (appendable ∪ replaceable) ∩ present keys
        let mut expected: BTreeSet<&str> = RULE_APPENDABLE
            .iter()
            .chain(RULE_REPLACEABLE.iter())
            .copied()
            .filter(|k| item.get(k).is_some())
            .collect();
        let mut check = |set: &BTreeSet<String>, kind: &str, key: &str| -> Result<bool, LoadErr> {
            if !set.contains(key) {
                return Ok(false);
            }
            if !expected.remove(key) {
                return Err(yerr(
                    format!(
                        "An {kind} override for '{key}' was specified but '{key}' is not defined"
                    ),
                    &ctx,
                ));
            }
            Ok(true)
        };
        if !oa.is_empty() {
            let mut v = RuleUpdate {
                name: name.clone(),
                ..Default::default()
            };
            if check(&oa, "append", "condition")? {
                v.source = source.clone();
                v.cond = Some(req_str(item, "condition", &ctx)?);
            }
            if check(&oa, "append", "exceptions")? {
                v.exceptions = Some(read_exceptions(res, item, &ctx, true)?);
            }
            if check(&oa, "append", "output")? {
                v.output = Some(req_str(item, "output", &ctx)?);
            }
            if check(&oa, "append", "desc")? {
                v.desc = Some(req_str(item, "desc", &ctx)?);
            }
            if check(&oa, "append", "tags")? {
                v.tags = Some(decode_tags(item, &ctx)?.unwrap_or_default());
            }
            col.append_rule(sources, v, &ctx)?;
        }
        if !or.is_empty() {
            let mut v = RuleUpdate {
                name: name.clone(),
                ..Default::default()
            };
            if check(&or, "replace", "condition")? {
                v.source = source.clone();
                v.cond = Some(req_str(item, "condition", &ctx)?);
            }
            if check(&or, "replace", "exceptions")? {
                v.exceptions = Some(read_exceptions(res, item, &ctx, false)?);
            }
            if check(&or, "replace", "output")? {
                v.output = Some(req_str(item, "output", &ctx)?);
            }
            if check(&or, "replace", "desc")? {
                v.desc = Some(req_str(item, "desc", &ctx)?);
            }
            if check(&or, "replace", "tags")? {
                v.tags = Some(decode_tags(item, &ctx)?.unwrap_or_default());
            }
            if check(&or, "replace", "priority")? {
                v.priority = Some(parse_priority(item, &ctx)?);
            }
            if check(&or, "replace", "capture")? {
                v.capture = Some(req_bool(item, "capture", &ctx)?);
            }
            if check(&or, "replace", "capture_duration")? {
                v.capture_duration = Some(req_u32(item, "capture_duration", &ctx)?);
            }
            if check(&or, "replace", "enabled")? {
                v.enabled = Some(req_bool(item, "enabled", &ctx)?);
            }
            if check(&or, "replace", "warn_evttypes")? {
                v.warn_evttypes = Some(req_bool(item, "warn_evttypes", &ctx)?);
            }
            if check(&or, "replace", "skip-if-unknown-filter")? {
                v.skip_if_unknown_filter = Some(req_bool(item, "skip-if-unknown-filter", &ctx)?);
            }
            col.replace_rule(sources, v, &ctx)?;
        }
        if let Some(key) = expected.iter().next() {
            let kpos = item.get(key).map(|n| n.pos).unwrap_or(item.pos);
            let keyctx = ctx.child(kpos, ItemType::Overrides, key);
            return Err(yerr(
                format!(
                    "Unexpected key '{key}': no corresponding entry under 'override' is defined."
                ),
                &keyctx,
            ));
        }
    } else if has_append_flag {
        let mut v = RuleUpdate {
            name: name.clone(),
            source: source.clone(),
            ..Default::default()
        };
        if item.get("condition").is_some() {
            v.cond = Some(req_str(item, "condition", &ctx)?);
        }
        if item.get("exceptions").is_some() {
            v.exceptions = Some(read_exceptions(res, item, &ctx, true)?);
        }
        col.append_rule(sources, v, &ctx)?;
    } else if item.get("condition").is_none()
        && item.get("output").is_none()
        && item.get("desc").is_none()
        && item.get("priority").is_none()
    {
        let enabled = req_bool(item, "enabled", &ctx)?;
        res.warn(WarningCode::DeprecatedItem, WARNING_ENABLED, &ctx);
        col.enable_rule(&name, enabled, &ctx)?;
    } else {
        let cond = req_str(item, "condition", &ctx)?;
        let cond_ctx = ctx.child(
            item.get("condition").map(|n| n.pos).unwrap_or(item.pos),
            ItemType::RuleCondition,
            "",
        );
        let output = req_str(item, "output", &ctx)?;
        let output_ctx = ctx.child(
            item.get("output").map(|n| n.pos).unwrap_or(item.pos),
            ItemType::RuleOutput,
            "",
        );
        let desc = req_str(item, "desc", &ctx)?;
        let priority = parse_priority(item, &ctx)?;
        let info = RuleInfo {
            name: name.clone(),
            cond,
            cond_ctx,
            output: trim_ws(&output),
            output_ctx,
            desc,
            priority,
            source: opt_str(item, "source", &ctx)?.unwrap_or_else(|| "syscall".into()),
            unknown_source: false,
            enabled: opt_bool(item, "enabled", &ctx)?.unwrap_or(true),
            capture: opt_bool(item, "capture", &ctx)?.unwrap_or(false),
            capture_duration: opt_u32(item, "capture_duration", &ctx)?.unwrap_or(0),
            warn_evttypes: opt_bool(item, "warn_evttypes", &ctx)?.unwrap_or(true),
            skip_if_unknown_filter: opt_bool(item, "skip-if-unknown-filter", &ctx)?
                .unwrap_or(false),
            tags: decode_tags(item, &ctx)?.unwrap_or_default(),
            exceptions: read_exceptions(res, item, &ctx, false)?,
            ctx: ctx.clone(),
            index: 0,
            visibility: 0,
        };
        col.define_rule(sources, res, info)?;
    }
    warn_unknown_keys(
        res,
        item,
        &[
            "rule",
            "condition",
            "output",
            "desc",
            "priority",
            "source",
            "enabled",
            "capture",
            "capture_duration",
            "warn_evttypes",
            "skip-if-unknown-filter",
            "tags",
            "exceptions",
            "override",
            "append",
        ],
        &ctx,
    )
}
