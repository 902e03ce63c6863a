//! Compilation of everything collected (§1.10): lists, macros, then rules, with Falco's
//! visibility rules, exceptions, textual list substitution, macro resolution, the warning
//! pass, field compilation against the registry, output validation and event-type sets.

use super::collector::{Collector, SourceCatalog};
use super::exceptions::build_exceptions_condition;
use super::result::{
    deprecated_field_desc, Context, ErrorCode, LoadResult, WarningCode, DEPRECATED_FIELDS,
};
use super::{LoadErr, Priority};
use crate::output::OutputFormat;
use engine_filter::{
    const_value_warnings, deprecated_fields, infer_event_types, substitute_lists_used,
    unsafe_na_checks, EventSet, Expr, FieldRegistry, InferOptions, ParserOptions, Program,
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
            Ok(e) if matches!(&e, Expr::Check(c) if c.rhs.is_none()) => {
                let mut ok = true;
                // The probe has no right-hand side: these are the left-hand fields.
                e.visit_fields(&mut |f| {
                    if self.registry.lookup(&f.name, f.arg.as_deref()).is_err() {
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

fn err_is_unknown_type_or_field(err: &str) -> bool {
    err.contains("nonexistent field")
        || err.contains("invalid formatting token")
        || err.contains("unknown event type")
        || err.contains("unknown filter:")
}

/// Resolves macro references with `engine_filter::resolve_macros` (Falco's order of
/// errors: a loop before an undefined macro; expansion bounded by the default
/// `ExpansionLimits`); errors become LOAD_ERR_VALIDATE with a condition context over
/// `condition`. Adds the macros used (directly or not) to `used`.
fn resolve_macros(
    ast: &mut Expr,
    visible: &HashMap<&str, &Expr>,
    condition: &str,
    ctx: &Context,
    used: &mut BTreeSet<String>,
) -> Result<(), LoadErr> {
    let lookup = |name: &str| visible.get(name).copied();
    match engine_filter::resolve_macros(ast, &lookup) {
        Ok((expanded, names)) => {
            *ast = expanded;
            used.extend(names);
            Ok(())
        }
        Err(e) => {
            let pos = e.pos();
            Err(LoadErr::new(
                ErrorCode::Validate,
                e.to_string(),
                ctx.condition(pos.idx, pos.line as usize, pos.col as usize, condition),
            ))
        }
    }
}

/// Substitutes every list (as text, `engine_filter::substitute_lists_used`) and parses.
fn parse_condition(
    condition: &str,
    lists: &mut [CompiledList],
    ctx: &Context,
) -> Result<Expr, LoadErr> {
    let (text, used) = substitute_lists_used(
        condition,
        lists.iter().map(|l| (l.name.as_str(), l.items.as_slice())),
    );
    for i in used {
        if let Some(l) = lists.get_mut(i) {
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

/// The warning pass (LOAD_UNSAFE_NA_CHECK, deprecated fields in the condition), with
/// `engine_filter::{unsafe_na_checks, deprecated_fields}`; one warning per kind.
fn warning_pass(ast: &Expr, ctx: &Context, res: &mut LoadResult) {
    if !unsafe_na_checks(ast).is_empty() {
        res.warn(WarningCode::UnsafeNaCheck, "", ctx);
    }
    let deprecated: BTreeSet<usize> = deprecated_fields(ast)
        .into_iter()
        .filter_map(|(f, _)| DEPRECATED_FIELDS.iter().position(|d| *d == f))
        .collect();
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
