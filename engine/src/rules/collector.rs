//! The collector: every list, macro and rule definition read from all files so far, with
//! Falco's define / append / selective-replace semantics, indexes and visibilities (§1.7,
//! §1.9). It holds text only; compilation happens afterwards over the whole collection.

use super::result::{Context, ErrorCode, LoadResult, WarningCode};
use super::{LoadErr, Priority, Version};
use std::collections::{BTreeSet, HashMap};

/// One exception entry: a scalar, or a list of entries (values may nest once more).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Entry {
    pub is_list: bool,
    pub item: String,
    pub items: Vec<Entry>,
}

impl Entry {
    pub fn scalar(s: &str) -> Entry {
        Entry {
            is_list: false,
            item: s.to_string(),
            items: Vec::new(),
        }
    }
    /// Falco's notion of "present": a non-empty list or a non-empty scalar.
    pub fn is_valid(&self) -> bool {
        if self.is_list {
            !self.items.is_empty()
        } else {
            !self.item.is_empty()
        }
    }
}

/// An exception of a rule (§2).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExceptionInfo {
    pub name: String,
    pub fields: Entry,
    pub comps: Entry,
    pub values: Vec<Entry>,
    pub ctx: Context,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ListInfo {
    pub name: String,
    pub items: Vec<String>,
    pub ctx: Context,
    pub index: u32,
    pub visibility: u32,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MacroInfo {
    pub name: String,
    pub cond: String,
    pub ctx: Context,
    pub cond_ctx: Context,
    pub index: u32,
    pub visibility: u32,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RuleInfo {
    pub name: String,
    pub cond: String,
    pub cond_ctx: Context,
    pub output: String,
    pub output_ctx: Context,
    pub desc: String,
    pub priority: Priority,
    pub source: String,
    pub unknown_source: bool,
    pub enabled: bool,
    pub tags: BTreeSet<String>,
    pub exceptions: Vec<ExceptionInfo>,
    pub capture: bool,
    pub capture_duration: u32,
    pub warn_evttypes: bool,
    pub skip_if_unknown_filter: bool,
    pub ctx: Context,
    pub index: u32,
    pub visibility: u32,
}

/// An append or selective replace of a rule: only the keys present are applied.
#[derive(Debug, Clone, Default)]
pub struct RuleUpdate {
    pub name: String,
    pub source: String,
    pub cond: Option<String>,
    pub output: Option<String>,
    pub desc: Option<String>,
    pub tags: Option<BTreeSet<String>>,
    pub exceptions: Option<Vec<ExceptionInfo>>,
    pub priority: Option<Priority>,
    pub enabled: Option<bool>,
    pub capture: Option<bool>,
    pub capture_duration: Option<u32>,
    pub warn_evttypes: Option<bool>,
    pub skip_if_unknown_filter: Option<bool>,
}

impl RuleUpdate {
    fn has_any_value(&self) -> bool {
        self.cond.is_some()
            || self.output.is_some()
            || self.desc.is_some()
            || self.tags.is_some()
            || self.exceptions.is_some()
            || self.priority.is_some()
            || self.enabled.is_some()
            || self.capture.is_some()
            || self.capture_duration.is_some()
            || self.warn_evttypes.is_some()
            || self.skip_if_unknown_filter.is_some()
    }
}

/// One group of alternative plugin requirements (`name >= version`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PluginRequirement {
    pub name: String,
    pub version: String,
}

/// A vector of named items keeping insertion order, with a name index.
#[derive(Debug, Clone)]
pub struct Indexed<T> {
    items: Vec<T>,
    by_name: HashMap<String, usize>,
}

impl<T> Default for Indexed<T> {
    fn default() -> Self {
        Indexed {
            items: Vec::new(),
            by_name: HashMap::new(),
        }
    }
}

impl<T> Indexed<T> {
    pub fn get(&self, name: &str) -> Option<&T> {
        self.by_name.get(name).and_then(|&i| self.items.get(i))
    }
    pub fn get_mut(&mut self, name: &str) -> Option<&mut T> {
        match self.by_name.get(name) {
            Some(&i) => self.items.get_mut(i),
            None => None,
        }
    }
    pub fn position(&self, name: &str) -> Option<usize> {
        self.by_name.get(name).copied()
    }
    pub fn insert(&mut self, name: &str, v: T) -> usize {
        let i = self.items.len();
        self.items.push(v);
        self.by_name.insert(name.to_string(), i);
        i
    }
    pub fn iter(&self) -> std::slice::Iter<'_, T> {
        self.items.iter()
    }
    pub fn len(&self) -> usize {
        self.items.len()
    }
    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }
}

/// What the collector needs to know about the environment while reading.
pub trait SourceCatalog {
    /// Whether rules of this source can be compiled (`syscall`).
    fn is_known_source(&self, source: &str) -> bool;
    /// Whether `text` is a valid left-hand side (field or transformer) for the source.
    fn is_valid_lhs_field(&self, source: &str, text: &str) -> bool;
}

const ERROR_NO_PREVIOUS_MACRO: &str =
    "Macro uses 'append' or 'override.condition: append' but no macro by that name already exists";
const ERROR_NO_PREVIOUS_LIST: &str =
    "List uses 'append' or 'override.items: append' but no list by that name already exists";
const ERROR_NO_PREVIOUS_RULE_APPEND: &str =
    "Rule uses 'append' or 'override.<key>: append' but no rule by that name already exists";
const ERROR_NO_PREVIOUS_RULE_REPLACE: &str =
    "An 'override.<key>: replace' to a rule was requested but no rule by that name already exists";

fn validate_err(msg: impl Into<String>, ctx: &Context) -> LoadErr {
    LoadErr::new(ErrorCode::Validate, msg, ctx.clone())
}

/// Operators accepted in exception comps (libsinsp's list of check operators).
pub const SUPPORTED_OPERATORS: [&str; 20] = [
    "=",
    "==",
    "!=",
    "<=",
    ">=",
    "<",
    ">",
    "contains",
    "icontains",
    "bcontains",
    "glob",
    "iglob",
    "bstartswith",
    "startswith",
    "endswith",
    "in",
    "intersects",
    "pmatch",
    "exists",
    "regex",
];

/// Operators that take a list on the right-hand side.
pub fn is_list_operator(op: &str) -> bool {
    matches!(op, "in" | "intersects" | "pmatch") || is_str_operator_with_modifier(op)
}

/// `startswith oneof`, `= anyof`, `contains allof`...: a string operator and a modifier.
pub fn is_str_operator_with_modifier(op: &str) -> bool {
    let mut it = op.split_whitespace();
    let (Some(base), Some(m), None) = (it.next(), it.next(), it.next()) else {
        return false;
    };
    matches!(m, "oneof" | "anyof" | "allof")
        && matches!(
            base,
            "=" | "=="
                | "!="
                | "contains"
                | "icontains"
                | "bcontains"
                | "startswith"
                | "bstartswith"
                | "endswith"
                | "glob"
                | "iglob"
                | "regex"
        )
}

fn validate_exception(
    sources: &dyn SourceCatalog,
    source: Option<&str>,
    ex: &mut ExceptionInfo,
) -> Result<(), LoadErr> {
    if ex.fields.is_list {
        if !ex.comps.is_valid() {
            ex.comps.is_list = true;
            ex.comps.items = ex.fields.items.iter().map(|_| Entry::scalar("=")).collect();
        }
        if ex.fields.items.len() != ex.comps.items.len() {
            return Err(validate_err(
                "Fields and comps lists must have equal length",
                &ex.ctx,
            ));
        }
        for c in &mut ex.comps.items {
            c.item = c.item.trim_matches([' ', '\t', '\r', '\n']).to_string();
            if !SUPPORTED_OPERATORS.contains(&c.item.as_str())
                && !is_str_operator_with_modifier(&c.item)
            {
                return Err(validate_err(
                    format!("'{}' is not a supported comparison operator", c.item),
                    &ex.ctx,
                ));
            }
        }
        if let Some(src) = source {
            for f in &ex.fields.items {
                if !sources.is_valid_lhs_field(src, &f.item) {
                    return Err(validate_err(
                        format!("'{}' is not a supported filter field", f.item),
                        &ex.ctx,
                    ));
                }
            }
        }
    } else {
        if !ex.comps.is_valid() {
            ex.comps.is_list = false;
            ex.comps.item = "in".into();
        }
        if ex.comps.is_list {
            return Err(validate_err(
                "Fields and comps must both be strings",
                &ex.ctx,
            ));
        }
        ex.comps.item = ex
            .comps
            .item
            .trim_matches([' ', '\t', '\r', '\n'])
            .to_string();
        let c = ex.comps.item.as_str();
        if c != "in" && c != "pmatch" && c != "intersects" && !is_str_operator_with_modifier(c) {
            return Err(validate_err(
                "When fields is a single value, comps must be one of (in, pmatch, intersects) or a modifier operator (e.g. startswith oneof)",
                &ex.ctx,
            ));
        }
        if let Some(src) = source {
            if !sources.is_valid_lhs_field(src, &ex.fields.item) {
                return Err(validate_err(
                    format!("'{}' is not a supported filter field", ex.fields.item),
                    &ex.ctx,
                ));
            }
        }
    }
    Ok(())
}

/// All definitions collected so far, across files.
#[derive(Debug, Clone)]
pub struct Collector {
    cur_index: u32,
    pub lists: Indexed<ListInfo>,
    pub macros: Indexed<MacroInfo>,
    pub rules: Indexed<RuleInfo>,
    pub required_engine_version: Option<Version>,
    pub required_plugin_versions: Vec<Vec<PluginRequirement>>,
    /// The engine version we announce.
    pub engine_version: Version,
}

impl Collector {
    pub fn new(engine_version: Version) -> Collector {
        Collector {
            cur_index: 0,
            lists: Indexed::default(),
            macros: Indexed::default(),
            rules: Indexed::default(),
            required_engine_version: None,
            required_plugin_versions: Vec::new(),
            engine_version,
        }
    }

    fn next_index(&mut self) -> u32 {
        let i = self.cur_index;
        self.cur_index += 1;
        i
    }

    pub fn define_engine_version(&mut self, v: Version, ctx: &Context) -> Result<(), LoadErr> {
        if !self.engine_version.compatible_with(&v) {
            return Err(validate_err(
                format!(
                    "Rules require engine version {v}, but engine version is {}",
                    self.engine_version
                ),
                ctx,
            ));
        }
        if self
            .required_engine_version
            .as_ref()
            .is_none_or(|cur| *cur < v)
        {
            self.required_engine_version = Some(v);
        }
        Ok(())
    }

    pub fn define_plugin_versions(
        &mut self,
        alternatives: Vec<PluginRequirement>,
        ctx: &Context,
    ) -> Result<(), LoadErr> {
        let mut names = BTreeSet::new();
        for r in &alternatives {
            if Version::parse(&r.version).is_none() {
                return Err(validate_err(
                    format!(
                        "Invalid required version '{}' for plugin '{}'",
                        r.version, r.name
                    ),
                    ctx,
                ));
            }
            if !names.insert(r.name.clone()) {
                return Err(validate_err(
                    format!(
                        "Defined multiple alternative version requirements for plugin '{}'",
                        r.name
                    ),
                    ctx,
                ));
            }
        }
        self.required_plugin_versions.push(alternatives);
        Ok(())
    }

    pub fn define_list(&mut self, name: &str, items: Vec<String>, ctx: &Context) {
        let id = self.next_index();
        match self.lists.get_mut(name) {
            Some(prev) => {
                prev.items = items;
                prev.ctx = ctx.clone();
                prev.visibility = id;
            }
            None => {
                self.lists.insert(
                    name,
                    ListInfo {
                        name: name.to_string(),
                        items,
                        ctx: ctx.clone(),
                        index: id,
                        visibility: id,
                    },
                );
            }
        }
    }

    pub fn append_list(
        &mut self,
        name: &str,
        items: Vec<String>,
        ctx: &Context,
    ) -> Result<(), LoadErr> {
        let id = self.cur_index;
        let prev = self
            .lists
            .get_mut(name)
            .ok_or_else(|| validate_err(ERROR_NO_PREVIOUS_LIST, ctx))?;
        prev.items.extend(items);
        prev.visibility = id;
        self.cur_index += 1;
        Ok(())
    }

    pub fn define_macro(&mut self, name: &str, cond: String, ctx: &Context, cond_ctx: &Context) {
        let id = self.next_index();
        match self.macros.get_mut(name) {
            Some(prev) => {
                prev.cond = cond;
                prev.ctx = ctx.clone();
                prev.cond_ctx = cond_ctx.clone();
                prev.visibility = id;
            }
            None => {
                self.macros.insert(
                    name,
                    MacroInfo {
                        name: name.to_string(),
                        cond,
                        ctx: ctx.clone(),
                        cond_ctx: cond_ctx.clone(),
                        index: id,
                        visibility: id,
                    },
                );
            }
        }
    }

    pub fn append_macro(&mut self, name: &str, cond: &str, ctx: &Context) -> Result<(), LoadErr> {
        let id = self.cur_index;
        let prev = self
            .macros
            .get_mut(name)
            .ok_or_else(|| validate_err(ERROR_NO_PREVIOUS_MACRO, ctx))?;
        prev.cond.push(' ');
        prev.cond.push_str(cond);
        prev.visibility = id;
        self.cur_index += 1;
        Ok(())
    }

    fn check_prev_source(&self, name: &str, source: &str, ctx: &Context) -> Result<(), LoadErr> {
        if let Some(prev) = self.rules.get(name) {
            if !prev.source.is_empty() && !source.is_empty() && prev.source != source {
                return Err(validate_err(
                    "Rule has been re-defined with a different source",
                    ctx,
                ));
            }
        }
        Ok(())
    }

    pub fn define_rule(
        &mut self,
        sources: &dyn SourceCatalog,
        res: &mut LoadResult,
        mut info: RuleInfo,
    ) -> Result<(), LoadErr> {
        self.check_prev_source(&info.name, &info.source, &info.ctx)?;
        let known = sources.is_known_source(&info.source);
        if !known {
            info.unknown_source = true;
            res.warn(
                WarningCode::UnknownSource,
                format!("Unknown source {}, skipping", info.source),
                &info.ctx,
            );
        }
        let src = if known {
            Some(info.source.clone())
        } else {
            None
        };
        for ex in &mut info.exceptions {
            if !ex.fields.is_valid() {
                return Err(validate_err(
                    "Rule exception item must have fields property with a list of fields",
                    &ex.ctx,
                ));
            }
            validate_exception(sources, src.as_deref(), ex)?;
        }
        let id = self.next_index();
        match self.rules.get_mut(&info.name) {
            Some(prev) => {
                info.index = prev.index;
                info.visibility = id;
                *prev = info;
            }
            None => {
                info.index = id;
                info.visibility = id;
                let name = info.name.clone();
                self.rules.insert(&name, info);
            }
        }
        Ok(())
    }

    fn prev_rule_source<'a>(
        &self,
        sources: &dyn SourceCatalog,
        prev: &'a RuleInfo,
        ctx: &Context,
    ) -> Result<Option<&'a str>, LoadErr> {
        if prev.unknown_source {
            return Ok(None);
        }
        if !sources.is_known_source(&prev.source) {
            return Err(validate_err(format!("Unknown source {}", prev.source), ctx));
        }
        Ok(Some(&prev.source))
    }

    pub fn append_rule(
        &mut self,
        sources: &dyn SourceCatalog,
        info: RuleUpdate,
        ctx: &Context,
    ) -> Result<(), LoadErr> {
        self.check_prev_source(&info.name, &info.source, ctx)?;
        let Some(prev) = self.rules.get(&info.name) else {
            return Err(validate_err(ERROR_NO_PREVIOUS_RULE_APPEND, ctx));
        };
        if !info.has_any_value() {
            return Err(validate_err(
                "Appended rule must have exceptions or condition property",
                ctx,
            ));
        }
        let source = self
            .prev_rule_source(sources, prev, ctx)?
            .map(str::to_string);
        let id = self.cur_index;
        let Some(prev) = self.rules.get_mut(&info.name) else {
            return Err(validate_err(ERROR_NO_PREVIOUS_RULE_APPEND, ctx));
        };
        if let Some(c) = info.cond.as_deref().filter(|c| !c.is_empty()) {
            prev.cond.push(' ');
            prev.cond.push_str(c);
        }
        if let Some(c) = info.output.as_deref().filter(|c| !c.is_empty()) {
            prev.output.push(' ');
            prev.output.push_str(c);
        }
        if let Some(c) = info.desc.as_deref().filter(|c| !c.is_empty()) {
            prev.desc.push(' ');
            prev.desc.push_str(c);
        }
        if let Some(t) = info.tags {
            prev.tags.extend(t);
        }
        if let Some(exs) = info.exceptions {
            for mut ex in exs {
                match prev.exceptions.iter_mut().find(|e| e.name == ex.name) {
                    None => {
                        if !ex.fields.is_valid() {
                            return Err(validate_err(
                                "Rule exception must have fields property with a list of fields",
                                &ex.ctx,
                            ));
                        }
                        if ex.values.is_empty() {
                            return Err(validate_err(
                                "Rule exception must have values property with a list of values",
                                &ex.ctx,
                            ));
                        }
                        validate_exception(sources, source.as_deref(), &mut ex)?;
                        prev.exceptions.push(ex);
                    }
                    Some(pe) => {
                        if ex.fields.is_valid() {
                            return Err(validate_err(
                                "Can not append exception fields to existing exception, only values",
                                &ex.ctx,
                            ));
                        }
                        if ex.comps.is_valid() {
                            return Err(validate_err(
                                "Can not append exception comps to existing exception, only values",
                                &ex.ctx,
                            ));
                        }
                        pe.values.extend(ex.values);
                    }
                }
            }
        }
        prev.visibility = id;
        self.cur_index += 1;
        Ok(())
    }

    pub fn replace_rule(
        &mut self,
        sources: &dyn SourceCatalog,
        info: RuleUpdate,
        ctx: &Context,
    ) -> Result<(), LoadErr> {
        self.check_prev_source(&info.name, &info.source, ctx)?;
        let Some(prev) = self.rules.get(&info.name) else {
            return Err(validate_err(ERROR_NO_PREVIOUS_RULE_REPLACE, ctx));
        };
        if !info.has_any_value() {
            return Err(validate_err(
                "The rule must have at least one field that can be replaced",
                ctx,
            ));
        }
        self.prev_rule_source(sources, prev, ctx)?;
        let id = self.cur_index;
        let Some(prev) = self.rules.get_mut(&info.name) else {
            return Err(validate_err(ERROR_NO_PREVIOUS_RULE_REPLACE, ctx));
        };
        if let Some(v) = info.cond {
            prev.cond = v;
        }
        if let Some(v) = info.output {
            prev.output = v;
        }
        if let Some(v) = info.desc {
            prev.desc = v;
        }
        if let Some(v) = info.tags {
            prev.tags = v;
        }
        if let Some(v) = info.exceptions {
            prev.exceptions = v;
        }
        if let Some(v) = info.priority {
            prev.priority = v;
        }
        if let Some(v) = info.capture {
            prev.capture = v;
        }
        if let Some(v) = info.capture_duration {
            prev.capture_duration = v;
        }
        if let Some(v) = info.enabled {
            prev.enabled = v;
        }
        if let Some(v) = info.warn_evttypes {
            prev.warn_evttypes = v;
        }
        if let Some(v) = info.skip_if_unknown_filter {
            prev.skip_if_unknown_filter = v;
        }
        prev.visibility = id;
        self.cur_index += 1;
        Ok(())
    }

    pub fn enable_rule(&mut self, name: &str, enabled: bool, ctx: &Context) -> Result<(), LoadErr> {
        let prev = self.rules.get_mut(name).ok_or_else(|| {
            validate_err(
                "Rule has 'enabled' key but no rule by that name already exists",
                ctx,
            )
        })?;
        prev.enabled = enabled;
        Ok(())
    }
}
