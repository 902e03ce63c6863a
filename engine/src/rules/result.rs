//! Load results: Falco's error and warning codes, contexts (a stack of locations), snippets,
//! and the three renderings Falco prints (summary, verbose text, `falco_load_results` JSON).

use super::yaml::Pos;
use serde_json::{json, Value as Json};
use std::collections::BTreeMap;

/// Error codes, in Falco's order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ErrorCode {
    FileRead,
    YamlParse,
    YamlValidate,
    CompileCondition,
    CompileOutput,
    Validate,
    Extension,
}

impl ErrorCode {
    /// `LOAD_ERR_*` name.
    pub fn code(self) -> &'static str {
        match self {
            ErrorCode::FileRead => "LOAD_ERR_FILE_READ",
            ErrorCode::YamlParse => "LOAD_ERR_YAML_PARSE",
            ErrorCode::YamlValidate => "LOAD_ERR_YAML_VALIDATE",
            ErrorCode::CompileCondition => "LOAD_ERR_COMPILE_CONDITION",
            ErrorCode::CompileOutput => "LOAD_ERR_COMPILE_OUTPUT",
            ErrorCode::Validate => "LOAD_ERR_VALIDATE",
            ErrorCode::Extension => "LOAD_ERR_EXTENSION",
        }
    }
    /// The short string shown in parentheses (also Falco's JSON `codedesc` for errors).
    pub fn short(self) -> &'static str {
        match self {
            ErrorCode::FileRead => "File read error",
            ErrorCode::YamlParse => "YAML parse error",
            ErrorCode::YamlValidate => "Error validating internal structure of YAML file",
            ErrorCode::CompileCondition => "Error compiling condition",
            ErrorCode::CompileOutput => "Error compiling output",
            ErrorCode::Validate => "Error validating rule/macro/list/exception objects",
            ErrorCode::Extension => "Error in extension item",
        }
    }
}

/// Warning codes, in Falco's order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[non_exhaustive]
pub enum WarningCode {
    UnknownSource,
    UnsafeNaCheck,
    NoEvttype,
    UnknownFilter,
    UnusedMacro,
    UnusedList,
    UnknownItem,
    DeprecatedItem,
    WarningExtension,
    AppendNoValues,
    ExceptionNameNotUnique,
    InvalidMacroName,
    InvalidListName,
    CompileCondition,
    UnknownKey,
}

impl WarningCode {
    pub fn code(self) -> &'static str {
        match self {
            WarningCode::UnknownSource => "LOAD_UNKNOWN_SOURCE",
            WarningCode::UnsafeNaCheck => "LOAD_UNSAFE_NA_CHECK",
            WarningCode::NoEvttype => "LOAD_NO_EVTTYPE",
            WarningCode::UnknownFilter => "LOAD_UNKNOWN_FILTER",
            WarningCode::UnusedMacro => "LOAD_UNUSED_MACRO",
            WarningCode::UnusedList => "LOAD_UNUSED_LIST",
            WarningCode::UnknownItem => "LOAD_UNKNOWN_ITEM",
            WarningCode::DeprecatedItem => "LOAD_DEPRECATED_ITEM",
            WarningCode::WarningExtension => "LOAD_WARNING_EXTENSION",
            WarningCode::AppendNoValues => "LOAD_APPEND_NO_VALUES",
            WarningCode::ExceptionNameNotUnique => "LOAD_EXCEPTION_NAME_NOT_UNIQUE",
            WarningCode::InvalidMacroName => "LOAD_INVALID_MACRO_NAME",
            WarningCode::InvalidListName => "LOAD_INVALID_LIST_NAME",
            WarningCode::CompileCondition => "LOAD_COMPILE_CONDITION",
            WarningCode::UnknownKey => "LOAD_UNKNOWN_KEY",
        }
    }
    pub fn short(self) -> &'static str {
        match self {
            WarningCode::UnknownSource => "Unknown event source",
            WarningCode::UnsafeNaCheck => "Unsafe <NA> comparison in condition",
            WarningCode::NoEvttype => "Condition has no event-type restriction",
            WarningCode::UnknownFilter => "Unknown field or event-type in condition or output",
            WarningCode::UnusedMacro => "Unused macro",
            WarningCode::UnusedList => "Unused list",
            WarningCode::UnknownItem => "Unknown rules file item",
            WarningCode::DeprecatedItem => "Used deprecated item",
            WarningCode::WarningExtension => "Warning in extension item",
            WarningCode::AppendNoValues => "Overriding/appending with no values",
            WarningCode::ExceptionNameNotUnique => "Multiple exceptions defined with the same name",
            WarningCode::InvalidMacroName => "Invalid macro name",
            WarningCode::InvalidListName => "Invalid list name",
            WarningCode::CompileCondition => "Warning in rule condition",
            WarningCode::UnknownKey => "Unknown key in item definition",
        }
    }
    /// Long description (Falco's JSON `codedesc` for warnings); our own wording.
    pub fn desc(self) -> &'static str {
        match self {
            WarningCode::UnknownSource => "A rule has an unknown event source; the rule is ignored.",
            WarningCode::UnsafeNaCheck => "Comparing a field with <NA> is unsafe; use the 'exists' operator to test whether a field has a value.",
            WarningCode::NoEvttype => "A rule condition matches too many evt.type values, which costs performance; restrict it with evt.type.",
            WarningCode::UnknownFilter => "A rule condition or output refers to an unknown field or event type; with skip-if-unknown-filter this is a warning and the rule is dropped.",
            WarningCode::UnusedMacro => "A macro is defined but not used by any macro or rule.",
            WarningCode::UnusedList => "A list is defined but not used by any list, macro or rule.",
            WarningCode::UnknownItem => "An unknown top-level item is in the rules content; it is ignored.",
            WarningCode::DeprecatedItem => "A deprecated item is used by a list, macro or rule.",
            WarningCode::WarningExtension => "An extension item has a warning",
            WarningCode::AppendNoValues => "A rule exception is overridden or appended with no values.",
            WarningCode::ExceptionNameNotUnique => "A rule defines several exceptions with the same name.",
            WarningCode::InvalidMacroName => "A macro is defined with an invalid name.",
            WarningCode::InvalidListName => "A list is defined with an invalid name.",
            WarningCode::CompileCondition => "A rule condition or output was parsed with a warning.",
            WarningCode::UnknownKey => "An item contains an unrecognized key; it is ignored (a typo, or a key on the wrong item type?).",
        }
    }
}

/// Deprecated fields detected in conditions and outputs (Falco 0.42+: enter events
/// dropped); the one list lives in `engine_filter`.
pub use engine_filter::DEPRECATED_FIELDS;

/// Description of a deprecated field (used as the message of condition warnings).
pub fn deprecated_field_desc(f: &str) -> &'static str {
    if f == "evt.dir" {
        "due to the drop of enter events, 'evt.dir = <' always evaluates to true, and 'evt.dir = >' always evaluates to false. The rule expression can be simplified by removing the condition on 'evt.dir'"
    } else {
        "field is not available due to the drop of enter events."
    }
}

/// Item types of a location, as Falco names them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum ItemType {
    ValueFor,
    Exceptions,
    Exception,
    ExceptionValues,
    ExceptionValue,
    RulesContent,
    RulesContentItem,
    RequiredEngineVersion,
    RequiredPluginVersions,
    RequiredPluginVersionsEntry,
    RequiredPluginVersionsAlternative,
    List,
    ListItem,
    Macro,
    MacroCondition,
    Rule,
    RuleCondition,
    ConditionExpression,
    RuleOutput,
    RuleOutputExpression,
    RulePriority,
    Overrides,
    ExtensionItem,
}

impl ItemType {
    pub fn as_str(self) -> &'static str {
        match self {
            ItemType::ValueFor => "value for",
            ItemType::Exceptions => "exceptions",
            ItemType::Exception => "exception",
            ItemType::ExceptionValues => "exception values",
            ItemType::ExceptionValue => "exception value",
            ItemType::RulesContent => "rules content",
            ItemType::RulesContentItem => "rules content item",
            ItemType::RequiredEngineVersion => "required_engine_version",
            ItemType::RequiredPluginVersions => "required plugin versions",
            ItemType::RequiredPluginVersionsEntry => "required plugin versions entry",
            ItemType::RequiredPluginVersionsAlternative => "required plugin versions alternative",
            ItemType::List => "list",
            ItemType::ListItem => "list item",
            ItemType::Macro => "macro",
            ItemType::MacroCondition => "macro condition",
            ItemType::Rule => "rule",
            ItemType::RuleCondition => "rule condition",
            ItemType::ConditionExpression => "condition expression",
            ItemType::RuleOutput => "rule output",
            ItemType::RuleOutputExpression => "rule output expression",
            ItemType::RulePriority => "rule priority",
            ItemType::Overrides => "overrides",
            ItemType::ExtensionItem => "extension item",
        }
    }
}

/// One location of a context: what, which, where.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Location {
    pub item_type: ItemType,
    pub item_name: String,
    /// File name, or for a condition location `"<first 17 chars>..."`.
    pub name: String,
    pub pos: Pos,
}

/// A stack of locations, outermost first; the last one is the precise position.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Context {
    pub locs: Vec<Location>,
    /// For condition contexts, the condition text the snippet is taken from.
    pub alt_content: Option<String>,
}

/// Width of a snippet line (Falco's default).
const SNIPPET_WIDTH: usize = 160;

impl Context {
    /// The root context of a file (position 0:0).
    pub fn root(file: &str) -> Context {
        Context {
            locs: vec![Location {
                item_type: ItemType::RulesContent,
                item_name: String::new(),
                name: file.to_string(),
                pos: Pos::default(),
            }],
            alt_content: None,
        }
    }

    /// The file name (the first location's name).
    pub fn file(&self) -> &str {
        self.locs.first().map(|l| l.name.as_str()).unwrap_or("")
    }

    /// A child context at `pos` in the same file.
    pub fn child(&self, pos: Pos, item_type: ItemType, item_name: &str) -> Context {
        let mut locs = self.locs.clone();
        locs.push(Location {
            item_type,
            item_name: item_name.to_string(),
            name: self.file().to_string(),
            pos,
        });
        Context {
            locs,
            alt_content: None,
        }
    }

    /// A condition-expression context: the parser position (`idx` 0-based, `line`/`col`
    /// 1-based) is added to the last location's YAML position, as Falco does.
    pub fn condition(&self, idx: usize, line: usize, col: usize, condition: &str) -> Context {
        let mut name = if condition.chars().count() > 20 {
            let head: String = condition.chars().take(17).collect();
            format!("\"{head}...\"")
        } else {
            format!("\"{condition}\"")
        };
        name = name.replace(['\n', '\r'], " ");
        let last = self.locs.last().map(|l| l.pos).unwrap_or_default();
        let mut locs = self.locs.clone();
        locs.push(Location {
            item_type: ItemType::ConditionExpression,
            item_name: String::new(),
            name,
            pos: Pos {
                line: last.line + line,
                col: last.col + col,
                offset: last.offset + idx,
            },
        });
        Context {
            locs,
            alt_content: Some(condition.to_string()),
        }
    }

    /// `In rules content: (f:0:0)\n    rule 'x': (f:3:2)\n...`
    pub fn as_text(&self) -> String {
        let mut s = String::new();
        for (i, l) in self.locs.iter().enumerate() {
            s.push_str(if i == 0 { "In " } else { "    " });
            s.push_str(l.item_type.as_str());
            if !l.item_name.is_empty() {
                s.push_str(&format!(" '{}'", l.item_name));
            }
            s.push_str(&format!(": ({}:{}:{})\n", l.name, l.pos.line, l.pos.col));
        }
        s
    }

    pub fn as_json(&self) -> Json {
        let locs: Vec<Json> = self
            .locs
            .iter()
            .map(|l| {
                json!({
                    "item_type": l.item_type.as_str(),
                    "item_name": l.item_name,
                    "position": {"name": l.name, "line": l.pos.line, "column": l.pos.col, "offset": l.pos.offset},
                })
            })
            .collect();
        json!({ "locations": locs })
    }

    /// The source line around the last location with a caret under the position.
    pub fn snippet(&self, contents: &BTreeMap<String, String>) -> String {
        let Some(loc) = self.locs.last() else {
            return "<No context available>\n".into();
        };
        let content: &str = match (&self.alt_content, contents.get(&loc.name)) {
            (Some(a), _) => a,
            (None, Some(c)) => c,
            (None, None) => return format!("<No context for file + {}>\n", loc.name),
        };
        let b = content.as_bytes();
        if b.is_empty() {
            return "<No context available>\n".into();
        }
        let half = SNIPPET_WIDTH / 2;
        let mut pos = loc.pos.offset;
        while pos > 0 && (pos >= b.len() || b[pos] == b'\n') {
            pos -= 1;
        }
        let mut from = pos;
        while from > 0 && b[from] != b'\n' && (pos - from) < half {
            from -= 1;
        }
        let mut to = pos;
        while to + 1 < b.len() && b[to] != b'\n' && (to - pos) < half {
            to += 1;
        }
        if b.get(from) == Some(&b'\n') {
            from += 1;
        }
        if b.get(to) == Some(&b'\n') && to > 0 {
            to -= 1;
        }
        if to + 1 < from {
            return "<No context available>\n".into();
        }
        let mut line: Vec<u8> = b.get(from..=to).unwrap_or(&[]).to_vec();
        if line.is_empty() {
            return "<No context available>\n".into();
        }
        if pos - from >= half && line.len() >= 3 {
            line.splice(0..3, b"...".iter().copied());
        }
        if to - pos >= half && line.len() >= 3 {
            let n = line.len();
            line.splice(n - 3..n, b"...".iter().copied());
        }
        let mut s = String::from_utf8_lossy(&line).into_owned();
        s.push('\n');
        if pos - from < s.len() {
            s.push_str(&" ".repeat(pos - from));
            s.push_str("^\n");
        }
        s
    }
}

/// One load error.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LoadError {
    pub code: ErrorCode,
    pub message: String,
    pub ctx: Context,
}

/// One load warning; `deprecated_field` is set for deprecated-field warnings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LoadWarning {
    pub code: WarningCode,
    pub message: String,
    pub ctx: Context,
    pub deprecated_field: Option<&'static str>,
}

impl LoadWarning {
    fn short(&self) -> String {
        match self.deprecated_field {
            Some(f) => format!("{}: field '{f}'", self.code.short()),
            None => self.code.short().to_string(),
        }
    }
}

/// The result of loading one rules file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LoadResult {
    /// The file name as given to the loader.
    pub name: String,
    pub errors: Vec<LoadError>,
    pub warnings: Vec<LoadWarning>,
    /// Schema validation status (`["ok"]` or the failures); empty when not run (the
    /// file did not parse as YAML).
    pub schema: Vec<String>,
}

impl LoadResult {
    pub fn new(name: &str) -> LoadResult {
        LoadResult {
            name: name.to_string(),
            errors: Vec::new(),
            warnings: Vec::new(),
            schema: Vec::new(),
        }
    }
    /// `ok`, `failed` or `none` (Falco's startup log: `<file> | schema validation: X`).
    pub fn schema_validation(&self) -> &'static str {
        match self.schema.first().map(String::as_str) {
            None => "none",
            Some("ok") => "ok",
            Some(_) => "failed",
        }
    }
    fn schema_failed(&self) -> bool {
        self.schema_validation() == "failed"
    }
    pub fn successful(&self) -> bool {
        self.errors.is_empty()
    }
    pub fn has_warnings(&self) -> bool {
        !self.warnings.is_empty()
    }
    pub(crate) fn error(&mut self, code: ErrorCode, message: impl Into<String>, ctx: Context) {
        self.errors.push(LoadError {
            code,
            message: message.into(),
            ctx,
        });
    }
    pub(crate) fn warn(&mut self, code: WarningCode, message: impl Into<String>, ctx: &Context) {
        self.warnings.push(LoadWarning {
            code,
            message: message.into(),
            ctx: ctx.clone(),
            deprecated_field: None,
        });
    }
    pub(crate) fn warn_deprecated(&mut self, field: &'static str, message: String, ctx: &Context) {
        self.warnings.push(LoadWarning {
            code: WarningCode::DeprecatedItem,
            message,
            ctx: ctx.clone(),
            deprecated_field: Some(field),
        });
    }

    fn status(&self) -> &'static str {
        match (self.successful(), self.has_warnings()) {
            (false, _) => "Invalid",
            (true, true) => "Ok, with warnings",
            (true, false) => "Ok",
        }
    }

    /// `<file>: Ok` / `Invalid` followed by ` N errors: [CODE (short) ...]` lines.
    pub fn summary_text(&self) -> String {
        let mut s = format!("{}: {}", self.name, self.status());
        if self.schema_failed() {
            s.push_str(&format!(
                "\n {} schema warnings: [{}]",
                self.schema.len(),
                self.schema.join(" ")
            ));
        }
        if !self.errors.is_empty() {
            let v: Vec<String> = self
                .errors
                .iter()
                .map(|e| format!("{} ({})", e.code.code(), e.code.short()))
                .collect();
            s.push_str(&format!(
                "\n {} errors: [{}]",
                self.errors.len(),
                v.join(" ")
            ));
        }
        if !self.warnings.is_empty() {
            let v: Vec<String> = self
                .warnings
                .iter()
                .map(|w| format!("{} ({})", w.code.code(), w.short()))
                .collect();
            s.push_str(&format!(
                "\n {} warnings: [{}]",
                self.warnings.len(),
                v.join(" ")
            ));
        }
        s
    }

    /// The verbose report: every error and warning with its context and snippet.
    /// `contents` maps file names to their text (for snippets).
    pub fn verbose_text(&self, contents: &BTreeMap<String, String>) -> String {
        let mut s = format!("{}: {}", self.name, self.status());
        if self.schema_failed() {
            s.push_str(&format!("\n{} Schema warnings:\n", self.schema.len()));
            for w in &self.schema {
                s.push_str("------\n");
                s.push_str(w);
                s.push('\n');
            }
            s.push_str("------\n");
        }
        if !self.errors.is_empty() {
            s.push_str(&format!("\n{} Errors:\n", self.errors.len()));
            for e in &self.errors {
                s.push_str(&e.ctx.as_text());
                s.push_str("------\n");
                s.push_str(&e.ctx.snippet(contents));
                s.push_str("------\n");
                s.push_str(&format!(
                    "{} ({}): {}\n",
                    e.code.code(),
                    e.code.short(),
                    e.message
                ));
            }
        }
        if !self.warnings.is_empty() {
            s.push_str(&format!("\n{} Warnings:\n", self.warnings.len()));
            for w in &self.warnings {
                s.push_str(&w.ctx.as_text());
                s.push_str("------\n");
                s.push_str(&w.ctx.snippet(contents));
                s.push_str("------\n");
                s.push_str(&format!(
                    "{} ({}): {}\n",
                    w.code.code(),
                    w.short(),
                    w.message
                ));
            }
        }
        s
    }

    /// One element of `falco_load_results`.
    pub fn as_json(&self, contents: &BTreeMap<String, String>) -> Json {
        let errors: Vec<Json> = self
            .errors
            .iter()
            .map(|e| {
                let mut ctx = e.ctx.as_json();
                ctx["snippet"] = Json::String(e.ctx.snippet(contents));
                json!({"context": ctx, "code": e.code.code(), "codedesc": e.code.short(), "message": e.message})
            })
            .collect();
        let warnings: Vec<Json> = self
            .warnings
            .iter()
            .map(|w| {
                let mut ctx = w.ctx.as_json();
                ctx["snippet"] = Json::String(w.ctx.snippet(contents));
                let mut j = json!({"context": ctx, "code": w.code.code(), "codedesc": w.code.desc(), "message": w.message});
                if let Some(f) = w.deprecated_field {
                    j["deprecated_field"] = Json::String(f.to_string());
                }
                j
            })
            .collect();
        let mut j = json!({"name": self.name, "successful": self.successful(), "errors": errors, "warnings": warnings});
        if !self.schema.is_empty() {
            j["schema_valid"] = Json::Bool(!self.schema_failed());
            let sw: Vec<Json> = if self.schema_failed() {
                self.schema
                    .iter()
                    .map(|w| Json::String(w.clone()))
                    .collect()
            } else {
                Vec::new()
            };
            j["schema_warnings"] = Json::Array(sw);
        }
        j
    }
}

/// `{"falco_load_results": [...]}` for several files.
pub fn load_results_json(results: &[LoadResult], contents: &BTreeMap<String, String>) -> Json {
    json!({ "falco_load_results": results.iter().map(|r| r.as_json(contents)).collect::<Vec<_>>() })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn snippet_marks_position() {
        let mut c = BTreeMap::new();
        c.insert(
            "f.yaml".to_string(),
            "- rule: x\n  priority: append\n".to_string(),
        );
        let ctx = Context::root("f.yaml").child(
            Pos {
                line: 1,
                col: 2,
                offset: 12,
            },
            ItemType::Rule,
            "x",
        );
        assert_eq!(ctx.snippet(&c), "  priority: append\n  ^\n");
        assert_eq!(
            ctx.as_text(),
            "In rules content: (f.yaml:0:0)\n    rule 'x': (f.yaml:1:2)\n"
        );
        let cc = ctx.condition(0, 1, 1, "evt.type = close and evt.dir = <");
        assert_eq!(cc.locs[2].name, "\"evt.type = close ...\"");
        assert_eq!(cc.locs[2].pos.line, 2);
    }
}
