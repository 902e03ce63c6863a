//! Compilation of everything collected (§1.10): lists, macros, then rules, with Falco's
//! visibility rules, exceptions, textual list substitution, macro resolution, the warning
//! pass, field compilation against the registry, output validation and event-type sets.

use super::collector::{Collector, SourceCatalog};
use super::exceptions::{build_exceptions_condition, resolve_list};
use super::result::{
    deprecated_field_desc, Context, ErrorCode, LoadResult, WarningCode, DEPRECATED_FIELDS,
};
use super::{LoadErr, Priority};
use crate::output::OutputFormat;
use engine_filter::{
    const_value_warnings, infer_event_types, EventSet, Expr, FieldRegistry, InferOptions, Operand,
    ParserOptions, Pos, Program, Rhs, TArg, Transformer,
};
use std::collections::{BTreeSet, HashMap};
use std::sync::Arc;

/// Sources we compile and the registry their fields resolve against.
pub struct Catalog<'r> {
    pub registry: &'r dyn FieldRegistry,
    /// Extra output appended to matching rules' outputs (falco.yaml `append_output`);
    /// by default the container plugin's suggested fields.
    pub extra_outputs: Vec<ExtraOutput>,
}

impl std::fmt::Debug for Catalog<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Catalog")
            .field("extra_outputs", &self.extra_outputs)
            .finish_non_exhaustive()
    }
}

/// One `append_output` entry: appended (with one space) to the outputs of the rules that
/// match source (empty = any), all tags, and rule name (empty = any).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExtraOutput {
    pub format: String,
    pub source: String,
    pub tags: BTreeSet<String>,
    pub rule: String,
}

/// The suggested output fields of the (built-in) container plugin.
pub const CONTAINER_SUGGESTED_OUTPUT: &str =
    "container_id=%container.id container_name=%container.name";

impl<'r> Catalog<'r> {
    pub fn new(registry: &'r dyn FieldRegistry) -> Catalog<'r> {
        Catalog {
            registry,
            extra_outputs: vec![ExtraOutput {
                format: CONTAINER_SUGGESTED_OUTPUT.into(),
                source: "syscall".into(),
                tags: BTreeSet::new(),
                rule: String::new(),
            }],
        }
    }
}

impl SourceCatalog for Catalog<'_> {
    fn is_known_source(&self, source: &str) -> bool {
        source == "syscall"
    }
    fn is_valid_lhs_field(&self, source: &str, text: &str) -> bool {
        if source != "syscall" {
            return false;
        }
        let probe = format!("{text} exists");
        match engine_filter::parse_with(&probe, ParserOptions::falco()) {
            Ok(Expr::Check(c)) if c.rhs.is_none() => {
                let mut ok = true;
                visit_operand_fields(&c.lhs, &mut |name, arg, _| {
                    if self.registry.lookup(name, arg).is_err() {
                        ok = false;
                    }
                });
                ok
            }
            _ => false,
        }
    }
}

/// A list after nested-list expansion.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CompiledList {
    pub name: String,
    pub items: Vec<String>,
    pub used: bool,
}

/// A macro with its resolved AST.
#[derive(Debug, Clone, PartialEq)]
pub struct CompiledMacro {
    pub name: String,
    pub ast: Expr,
    pub used: bool,
}

/// A compiled rule.
#[derive(Debug, Clone)]
pub struct CompiledRule {
    /// Position in rule order (first definition across files).
    pub id: usize,
    pub name: String,
    pub source: String,
    pub description: String,
    pub priority: Priority,
    pub tags: BTreeSet<String>,
    /// The rule's condition as written (after appends/overrides), without exceptions.
    pub condition: String,
    /// The rule's output as written.
    pub output: String,
    /// The output after `append_output` and `%container.info` handling.
    pub output_compiled: String,
    pub output_format: OutputFormat,
    /// The resolved condition AST (exceptions included, lists substituted, macros inlined).
    pub ast: Expr,
    pub exception_fields: BTreeSet<String>,
    pub enabled: bool,
    pub capture: bool,
    pub capture_duration: u32,
    /// Event codes on which the rule can match (§3.9).
    pub evttypes: EventSet,
    /// The compiled condition (shared: rule sets clone rules cheaply).
    pub program: Arc<Program>,
}

impl CompiledRule {
    /// The canonical print of the resolved condition (`details.condition_compiled`).
    pub fn condition_compiled(&self) -> String {
        self.ast.to_string()
    }
}

/// Everything compiled from the collection.
#[derive(Debug, Clone, Default)]
pub struct CompileOutput {
    pub lists: Vec<CompiledList>,
    pub macros: Vec<CompiledMacro>,
    pub rules: Vec<CompiledRule>,
}

impl CompileOutput {
    pub fn rule(&self, name: &str) -> Option<&CompiledRule> {
        self.rules.iter().find(|r| r.name == name)
    }
}

/// Calls `f(name, arg, pos)` for every field of an operand (transformer arguments included).
pub fn visit_operand_fields(op: &Operand, f: &mut impl FnMut(&str, Option<&str>, Pos)) {
    match op {
        Operand::Field(fr) => f(&fr.name, fr.arg.as_deref(), fr.pos),
        Operand::Transformer(t) => visit_transformer_fields(t, f),
    }
}

fn visit_transformer_fields(t: &Transformer, f: &mut impl FnMut(&str, Option<&str>, Pos)) {
    fn targ(a: &TArg, f: &mut impl FnMut(&str, Option<&str>, Pos)) {
        match a {
            TArg::Field(fr) => f(&fr.name, fr.arg.as_deref(), fr.pos),
            TArg::Transformer(t) => visit_transformer_fields(t, f),
            TArg::List(v, _) => v.iter().for_each(|x| targ(x, f)),
            TArg::Value(_) => {}
        }
    }
    for a in &t.args {
        targ(a, f);
    }
}

fn err_is_unknown_type_or_field(err: &str) -> bool {
    err.contains("nonexistent field")
        || err.contains("invalid formatting token")
        || err.contains("unknown event type")
        || err.contains("unknown filter:")
}

/// Maximum number of macro substitutions in one condition (guards exponential inputs).
const MAX_MACRO_EXPANSIONS: usize = 100_000;
/// Maximum number of AST nodes macro substitution may add to one condition.
const MAX_EXPANDED_NODES: usize = 100_000;
/// Maximum depth of an expanded condition (the parser's own limit is 1000 per text).
const MAX_EXPANDED_DEPTH: usize = 1_000;

#[derive(Default)]
struct ResolveState {
    errors: Vec<(String, Pos)>,
    unknown: Vec<(String, Pos)>,
    resolved: Vec<String>,
    expansions: usize,
    nodes: usize,
    aborted: bool,
}

/// (nodes, depth) of an expression; callers only pass trees already bounded in depth.
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

fn resolve(
    e: &mut Expr,
    macros: &HashMap<&str, &Expr>,
    path: &mut Vec<String>,
    st: &mut ResolveState,
    depth: usize,
) {
    if st.aborted {
        return;
    }
    match e {
        Expr::And { children, .. } | Expr::Or { children, .. } => {
            for c in children.iter_mut() {
                resolve(c, macros, path, st, depth + 1);
            }
        }
        Expr::Not { child, .. } => resolve(child, macros, path, st, depth + 1),
        Expr::Check(_) => {}
        Expr::Macro { pos, name } => {
            let pos = *pos;
            match macros.get(name.as_str()) {
                Some(body) => {
                    if path.iter().any(|p| p == name) {
                        st.errors
                            .push((format!("reference loop in macro '{name}'"), pos));
                        st.unknown.push((name.clone(), pos));
                        return;
                    }
                    // Guards against inputs that expand exponentially or very deep
                    // (macro bodies here are already expanded).
                    let (nodes, body_depth) = size_and_depth(body);
                    st.expansions += 1;
                    st.nodes += nodes;
                    if st.expansions > MAX_MACRO_EXPANSIONS
                        || st.nodes > MAX_EXPANDED_NODES
                        || depth + body_depth > MAX_EXPANDED_DEPTH
                    {
                        st.errors.push((
                            format!("expansion of macro '{name}' is too large (more than {MAX_EXPANDED_NODES} nodes or {MAX_EXPANDED_DEPTH} levels)"),
                            pos,
                        ));
                        st.aborted = true;
                        return;
                    }
                    let name = name.clone();
                    path.push(name.clone());
                    let mut new = (*body).clone();
                    resolve(&mut new, macros, path, st, depth);
                    *e = new;
                    st.resolved.push(name);
                    path.pop();
                }
                None => st.unknown.push((name.clone(), pos)),
            }
        }
    }
}

/// Resolves macro references; on failure, Falco's first error (a loop, else the first
/// undefined macro) with a condition context over `condition`.
fn resolve_macros(
    ast: &mut Expr,
    visible: &HashMap<&str, &Expr>,
    condition: &str,
    ctx: &Context,
    used: &mut BTreeSet<String>,
) -> Result<(), LoadErr> {
    let mut st = ResolveState::default();
    resolve(ast, visible, &mut Vec::new(), &mut st, 1);
    let first = st.errors.first().cloned().or_else(|| {
        st.unknown
            .first()
            .map(|(n, p)| (format!("Undefined macro '{n}' used in filter."), *p))
    });
    if let Some((msg, pos)) = first {
        return Err(LoadErr::new(
            ErrorCode::Validate,
            msg,
            ctx.condition(pos.idx, pos.line as usize, pos.col as usize, condition),
        ));
    }
    used.extend(st.resolved);
    Ok(())
}

/// Substitutes every list (as text) and parses.
fn parse_condition(
    condition: &str,
    lists: &mut [CompiledList],
    ctx: &Context,
) -> Result<Expr, LoadErr> {
    let mut text = condition.to_string();
    for l in lists.iter_mut() {
        if resolve_list(&mut text, &l.name, &l.items) {
            l.used = true;
        }
    }
    engine_filter::parse_with(&text, ParserOptions::falco()).map_err(|e| {
        LoadErr::new(
            ErrorCode::CompileCondition,
            e.message,
            ctx.condition(e.pos.idx, e.pos.line as usize, e.pos.col as usize, &text),
        )
    })
}

/// The warning pass (LOAD_UNSAFE_NA_CHECK, deprecated fields in the condition).
fn warning_pass(ast: &Expr, ctx: &Context, res: &mut LoadResult) {
    let mut unsafe_na = false;
    let mut deprecated: BTreeSet<usize> = BTreeSet::new();
    ast.walk(&mut |e| {
        if let Expr::Check(c) = e {
            let mut last_unsafe = false;
            visit_operand_fields(&c.lhs, &mut |name, _, _| {
                last_unsafe = name.starts_with("ka.") || name.starts_with("jevt.");
                if let Some(i) = DEPRECATED_FIELDS.iter().position(|d| *d == name) {
                    deprecated.insert(i);
                }
            });
            if last_unsafe && c.op.is_equality_like() {
                match &c.rhs {
                    Some(Rhs::Value(v)) if v.text == "<NA>" => unsafe_na = true,
                    Some(Rhs::List(l)) if l.items.iter().any(|v| v.text == "<NA>") => {
                        unsafe_na = true
                    }
                    _ => {}
                }
            }
        }
    });
    if unsafe_na {
        res.warn(WarningCode::UnsafeNaCheck, "", ctx);
    }
    for i in deprecated {
        let f = DEPRECATED_FIELDS[i];
        res.warn_deprecated(f, deprecated_field_desc(f).to_string(), ctx);
    }
}

fn check_deprecated_in_output(fmt: &str, ctx: &Context, res: &mut LoadResult) {
    for f in DEPRECATED_FIELDS {
        if fmt.contains(f) {
            res.warn_deprecated(
                f,
                format!("usage of deprecated field '{f}' has been detected in the rule output"),
                ctx,
            );
        }
    }
}

/// Compiles the whole collection. Warnings go to `res`; the first error is returned.
pub fn compile(
    col: &Collector,
    catalog: &Catalog<'_>,
    res: &mut LoadResult,
) -> Result<CompileOutput, LoadErr> {
    let mut out = CompileOutput::default();

    // Lists: expand items naming an earlier list (one level, raw items).
    let mut used_lists: Vec<String> = Vec::new();
    for l in col.lists.iter() {
        let mut items = Vec::with_capacity(l.items.len());
        for it in &l.items {
            match col.lists.get(it) {
                Some(r) if r.index < l.visibility => {
                    used_lists.push(r.name.clone());
                    items.extend(r.items.iter().cloned());
                }
                _ => items.push(it.clone()),
            }
        }
        out.lists.push(CompiledList {
            name: l.name.clone(),
            items,
            used: false,
        });
    }
    for n in used_lists {
        if let Some(l) = out.lists.iter_mut().find(|l| l.name == n) {
            l.used = true;
        }
    }

    // Macros: parse all, then resolve each against the macros visible to it.
    let mut used_macros: BTreeSet<String> = BTreeSet::new();
    let mut asts: Vec<Expr> = Vec::with_capacity(col.macros.len());
    for m in col.macros.iter() {
        asts.push(parse_condition(&m.cond, &mut out.lists, &m.cond_ctx)?);
    }
    for (i, m) in col.macros.iter().enumerate() {
        let mut ast = asts[i].clone();
        {
            let visible: HashMap<&str, &Expr> = col
                .macros
                .iter()
                .zip(asts.iter())
                .filter(|(mi, _)| mi.index < m.visibility)
                .map(|(mi, a)| (mi.name.as_str(), a))
                .collect();
            resolve_macros(&mut ast, &visible, &m.cond, &m.ctx, &mut used_macros)?;
        }
        asts[i] = ast;
    }
    for (m, ast) in col.macros.iter().zip(asts.iter()) {
        out.macros.push(CompiledMacro {
            name: m.name.clone(),
            ast: ast.clone(),
            used: false,
        });
    }
    let all_macros: HashMap<&str, &Expr> = col
        .macros
        .iter()
        .zip(asts.iter())
        .map(|(m, a)| (m.name.as_str(), a))
        .collect();

    // Rules.
    for r in col.rules.iter() {
        if r.unknown_source {
            continue;
        }
        let mut exception_fields = BTreeSet::new();
        let condition = if r.exceptions.is_empty() {
            r.cond.clone()
        } else {
            build_exceptions_condition(&r.cond, &r.exceptions, &mut exception_fields)?
        };

        let mut output = r.output.clone();
        for x in &catalog.extra_outputs {
            if (!x.source.is_empty() && x.source != r.source)
                || !x.tags.is_subset(&r.tags)
                || (!x.rule.is_empty() && x.rule != r.name)
            {
                continue;
            }
            output.push(' ');
            output.push_str(&x.format);
        }
        if output.contains("%container.info") {
            res.warn(
                WarningCode::DeprecatedItem,
                "%container.info is deprecated and no more useful, and will be dropped by Falco 1.0.0. The container plugin will automatically add required fields to the output message.",
                &r.ctx,
            );
            output = output.replace("%container.info", "");
        }
        let output_format = match OutputFormat::parse(&output, catalog.registry) {
            Ok(f) => f,
            Err(e) => {
                if err_is_unknown_type_or_field(&e) && r.skip_if_unknown_filter {
                    res.warn(WarningCode::UnknownFilter, e, &r.output_ctx);
                    continue;
                }
                return Err(LoadErr::new(
                    ErrorCode::CompileOutput,
                    e,
                    r.output_ctx.clone(),
                ));
            }
        };
        check_deprecated_in_output(&output, &r.output_ctx, res);

        let mut ast = parse_condition(&condition, &mut out.lists, &r.cond_ctx)?;
        resolve_macros(&mut ast, &all_macros, &condition, &r.ctx, &mut used_macros)?;
        warning_pass(&ast, &r.cond_ctx.condition(0, 0, 0, &condition), res);
        let compiled =
            engine_filter::compile(&ast, catalog.registry).map_err(|e| (e.message, e.pos));
        let program = match compiled {
            Ok(p) => Arc::new(p),
            Err((msg, pos)) => {
                let ctx =
                    r.cond_ctx
                        .condition(pos.idx, pos.line as usize, pos.col as usize, &condition);
                if err_is_unknown_type_or_field(&msg) && r.skip_if_unknown_filter {
                    res.warn(WarningCode::UnknownFilter, msg, &ctx);
                    continue;
                }
                return Err(LoadErr::new(ErrorCode::CompileCondition, msg, ctx));
            }
        };
        for (msg, pos) in
            const_value_warnings(&ast, &|name| catalog.registry.lookup(name, None).is_ok())
        {
            let ctx =
                r.cond_ctx
                    .condition(pos.idx, pos.line as usize, pos.col as usize, &condition);
            res.warn(WarningCode::CompileCondition, msg, &ctx);
        }
        let evttypes = infer_event_types(&ast, InferOptions::default()).map_err(|e| {
            LoadErr::new(
                ErrorCode::CompileCondition,
                e.message,
                r.cond_ctx.condition(
                    e.pos.idx,
                    e.pos.line as usize,
                    e.pos.col as usize,
                    &condition,
                ),
            )
        })?;
        // Falco 0.44.1: warn on an empty set too ([master] only on > 100 codes).
        if (evttypes.is_empty() || evttypes.len() > 100) && r.warn_evttypes {
            res.warn(
                WarningCode::NoEvttype,
                "Rule matches too many evt.type values. This has a significant performance penalty.",
                &r.ctx,
            );
        }
        out.rules.push(CompiledRule {
            id: out.rules.len(),
            name: r.name.clone(),
            source: r.source.clone(),
            description: r.desc.clone(),
            priority: r.priority,
            tags: r.tags.clone(),
            condition: r.cond.clone(),
            output: r.output.clone(),
            output_compiled: output,
            output_format,
            ast,
            exception_fields,
            enabled: r.enabled,
            capture: r.capture,
            capture_duration: r.capture_duration,
            evttypes,
            program,
        });
    }

    for m in out.macros.iter_mut() {
        m.used = used_macros.contains(&m.name);
    }
    for m in out.macros.iter().filter(|m| !m.used) {
        if let Some(info) = col.macros.get(&m.name) {
            res.warn(
                WarningCode::UnusedMacro,
                "Macro not referred to by any other rule/macro",
                &info.ctx,
            );
        }
    }
    for l in out.lists.iter().filter(|l| !l.used) {
        if let Some(info) = col.lists.get(&l.name) {
            res.warn(
                WarningCode::UnusedList,
                "List not referred to by any other rule/macro",
                &info.ctx,
            );
        }
    }
    Ok(out)
}
