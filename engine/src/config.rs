//! falco.yaml-style configuration for `replay` (and `capture`): the output keys, rule
//! selection and channels, named as in falco.yaml where Falco has them.
//!
//! Flow: [`ConfigTree::from_yaml`] (a `-c FILE`, parsed with positions by
//! [`crate::rules::yaml`]) → [`ConfigTree::apply_override`] for each `-o key=value` →
//! [`ConfigTree::decode`] → [`Config`]. Decoding errors name the key, the offending value
//! and where it came from (`file:line:col`, or the `-o` option).
//!
//! Keys understood (falco.yaml names; defaults as in Falco unless noted):
//!
//! * `json_output`, `json_include_output_property`, `json_include_message_property`,
//!   `json_include_output_fields_property`, `json_include_tags_property`,
//!   `time_format_iso_8601`, `buffered_outputs`, `output_timeout` (ms)
//! * `priority` (minimum rule priority), `rule_matching: first|all`
//! * `rules_files` (list of paths, loaded before any `--rules`)
//! * `rules:` selection list: `- enable: {rule: <wildcard>}` / `{tag: <tag>}`, `- disable: …`
//! * `append_output: [{match: {source, tags, rule}, extra_output, extra_fields}]`
//! * channels: `stdout_output.enabled`; `file_output {enabled, keep_alive, filename}`;
//!   `program_output {enabled, keep_alive, program}`; `http_output {enabled, url,
//!   user_agent}`; `syslog_output.enabled` plus our `syslog_output.socket` (default
//!   `/dev/log`). Deviation: `syslog_output.enabled` defaults to **false** here, since an
//!   offline replay should not write to the host's log unless asked.
//!
//! Unknown keys are kept in the tree and ignored (falco.yaml has many keys that do not
//! apply to offline replay).
//!
//! `-o` override syntax (Falco's): `a.b.c=value`, `a.b[1]=value` (index into a list; the
//! index equal to the length appends), `rules[].disable.rule=*` (`[]` appends a new
//! element), backslash escapes `\.` `\[` `\]` `\\` in keys, and a value of the form `{…}`
//! or `[…]` is parsed as YAML.

use std::fmt;
use std::path::Path;

use crate::rules::ruleset::{RuleMatching, Selection};
use crate::rules::yaml::{parse_documents, Node, NodeKind, Pos, Style};
use crate::rules::Priority;

/// Where a configuration value came from, for error messages.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Origin {
    /// A file at a position (0-based line/col in [`Pos`], printed 1-based).
    File(String, Pos),
    /// A `-o` option (the whole `key=value` text).
    Override(String),
    /// Built-in default.
    Default,
}

impl fmt::Display for Origin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Origin::File(file, p) => write!(f, "{file}:{}:{}", p.line + 1, p.col + 1),
            Origin::Override(o) => write!(f, "-o {o}"),
            Origin::Default => f.write_str("default"),
        }
    }
}

/// A configuration error.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ConfigError {
    /// The file could not be read.
    #[error("{file}: {message}")]
    Read {
        /// Path.
        file: String,
        /// The I/O error text.
        message: String,
    },
    /// The YAML does not parse.
    #[error("{origin}: YAML error: {message}")]
    Yaml {
        /// Where.
        origin: Origin,
        /// Parser message.
        message: String,
    },
    /// A `-o` option is malformed.
    #[error("-o {option}: {message}")]
    Override {
        /// The option text.
        option: String,
        /// What is wrong.
        message: String,
    },
    /// A key has a value of the wrong type or an unknown value.
    #[error("{origin}: config key `{key}`: {message}")]
    Value {
        /// Where the value came from.
        origin: Origin,
        /// Dotted key path.
        key: String,
        /// What is wrong.
        message: String,
    },
}

/// One `append_output` entry.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct AppendOutput {
    /// `match.source` (None: any).
    pub source: Option<String>,
    /// `match.tags`: the rule must have **all** of them.
    pub tags: Vec<String>,
    /// `match.rule`: exact rule name (None: any).
    pub rule: Option<String>,
    /// `extra_output`: format text appended with one space.
    pub extra_output: Option<String>,
    /// `extra_fields`: `(key, format)`; a bare field name `f` is `(f, "%f")`, raw typed.
    pub extra_fields: Vec<(String, String)>,
    /// `suggested_output`: append the (container plugin's) suggested fields.
    pub suggested_output: bool,
}

impl AppendOutput {
    /// Does this entry apply to a rule?
    pub fn applies<S: AsRef<str>>(&self, source: &str, rule: &str, tags: &[S]) -> bool {
        self.source.as_deref().is_none_or(|s| s == source)
            && self.rule.as_deref().is_none_or(|r| r == rule)
            && self
                .tags
                .iter()
                .all(|t| tags.iter().any(|x| x.as_ref() == t))
    }
}

/// `file_output`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct FileOutput {
    /// `enabled` (false).
    pub enabled: bool,
    /// `keep_alive` (false): keep the file open between alerts.
    pub keep_alive: bool,
    /// `filename`.
    pub filename: String,
}

/// `program_output`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ProgramOutput {
    /// `enabled` (false).
    pub enabled: bool,
    /// `keep_alive` (false): one long-running process instead of one run per alert.
    pub keep_alive: bool,
    /// `program`, run with `sh -c`.
    pub program: String,
}

/// `http_output`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HttpOutput {
    /// `enabled` (false).
    pub enabled: bool,
    /// `url` (`http://` only).
    pub url: String,
    /// `user_agent`.
    pub user_agent: String,
}

impl Default for HttpOutput {
    fn default() -> Self {
        Self {
            enabled: false,
            url: String::new(),
            user_agent: concat!("harrier/", env!("CARGO_PKG_VERSION")).to_string(),
        }
    }
}

/// `syslog_output`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SyslogOutput {
    /// `enabled` (false here; true in Falco).
    pub enabled: bool,
    /// `socket` (our key): the unix datagram socket, `/dev/log` by default.
    pub socket: String,
}

impl Default for SyslogOutput {
    fn default() -> Self {
        Self {
            enabled: false,
            socket: "/dev/log".to_string(),
        }
    }
}

/// The decoded configuration.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Config {
    /// `json_output` (false).
    pub json_output: bool,
    /// `json_include_output_property` (true).
    pub json_include_output_property: bool,
    /// `json_include_message_property` (false).
    pub json_include_message_property: bool,
    /// `json_include_output_fields_property` (true).
    pub json_include_output_fields_property: bool,
    /// `json_include_tags_property` (true).
    pub json_include_tags_property: bool,
    /// `time_format_iso_8601` (false).
    pub time_format_iso_8601: bool,
    /// `buffered_outputs` (false).
    pub buffered_outputs: bool,
    /// `output_timeout` in ms (2000).
    pub output_timeout_ms: u64,
    /// `priority`: minimum rule priority; less severe rules are not loaded. Default Debug
    /// (everything).
    pub priority: Priority,
    /// `rule_matching` (first).
    pub rule_matching: RuleMatching,
    /// `rules_files`.
    pub rules_files: Vec<String>,
    /// `rules:` selection entries, in order.
    pub rules: Vec<Selection>,
    /// `append_output` entries; `None` = not configured (Falco's default: the suggested
    /// container fields on every syscall rule).
    pub append_output: Option<Vec<AppendOutput>>,
    /// `stdout_output.enabled` (true).
    pub stdout_output: bool,
    /// `file_output`.
    pub file_output: FileOutput,
    /// `program_output`.
    pub program_output: ProgramOutput,
    /// `http_output`.
    pub http_output: HttpOutput,
    /// `syslog_output`.
    pub syslog_output: SyslogOutput,
}

impl Default for Config {
    fn default() -> Self {
        Self {
            json_output: false,
            json_include_output_property: true,
            json_include_message_property: false,
            json_include_output_fields_property: true,
            json_include_tags_property: true,
            time_format_iso_8601: false,
            buffered_outputs: false,
            output_timeout_ms: 2000,
            priority: Priority::Debug,
            rule_matching: RuleMatching::First,
            rules_files: Vec::new(),
            rules: Vec::new(),
            append_output: None,
            stdout_output: true,
            file_output: FileOutput::default(),
            program_output: ProgramOutput::default(),
            http_output: HttpOutput::default(),
            syslog_output: SyslogOutput::default(),
        }
    }
}

/// A sentinel position marking nodes that came from `-o` options.
const OVERRIDE_LINE: usize = usize::MAX;

/// The raw configuration tree (one YAML map) with where each value came from.
#[derive(Debug, Clone)]
pub struct ConfigTree {
    file: String,
    root: Node,
    overrides: Vec<String>,
}

impl Default for ConfigTree {
    fn default() -> Self {
        Self {
            file: String::new(),
            root: Node {
                kind: NodeKind::Map(Vec::new()),
                pos: Pos::default(),
            },
            overrides: Vec::new(),
        }
    }
}

fn scalar_node(text: &str, pos: Pos) -> Node {
    Node {
        kind: NodeKind::Scalar {
            text: text.to_string(),
            style: Style::Plain,
        },
        pos,
    }
}

fn empty_map(pos: Pos) -> Node {
    Node {
        kind: NodeKind::Map(Vec::new()),
        pos,
    }
}

/// Set every node's position to `pos` (nodes parsed from a `-o` value).
fn mark(node: &mut Node, pos: Pos) {
    node.pos = pos;
    match &mut node.kind {
        NodeKind::Seq(v) => v.iter_mut().for_each(|n| mark(n, pos)),
        NodeKind::Map(v) => v.iter_mut().for_each(|(k, n)| {
            mark(k, pos);
            mark(n, pos)
        }),
        _ => {}
    }
}

/// One step of an override key path.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Step {
    Key(String),
    Index(usize),
    Append,
}

fn parse_path(key: &str) -> Result<Vec<Step>, String> {
    let mut steps = Vec::new();
    let mut cur = String::new();
    let mut have_key = false;
    let mut chars = key.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\\' => match chars.next() {
                Some(e @ ('.' | '[' | ']' | '\\')) => {
                    cur.push(e);
                    have_key = true;
                }
                Some(e) => return Err(format!("unknown escape `\\{e}`")),
                None => return Err("key ends with `\\`".to_string()),
            },
            '.' => {
                if have_key {
                    steps.push(Step::Key(std::mem::take(&mut cur)));
                    have_key = false;
                } else if !matches!(steps.last(), Some(Step::Index(_) | Step::Append)) {
                    return Err("empty key segment".to_string());
                }
            }
            '[' => {
                if have_key {
                    steps.push(Step::Key(std::mem::take(&mut cur)));
                    have_key = false;
                } else if steps.is_empty() {
                    return Err("index without a key".to_string());
                }
                let mut idx = String::new();
                loop {
                    match chars.next() {
                        Some(']') => break,
                        Some(d) => idx.push(d),
                        None => return Err("unclosed `[`".to_string()),
                    }
                }
                if idx.is_empty() {
                    steps.push(Step::Append);
                } else {
                    let i = idx
                        .parse::<usize>()
                        .map_err(|_| format!("bad list index `{idx}`"))?;
                    steps.push(Step::Index(i));
                }
            }
            ']' => return Err("unbalanced `]`".to_string()),
            c => {
                cur.push(c);
                have_key = true;
            }
        }
    }
    if have_key {
        steps.push(Step::Key(cur));
    } else if !matches!(steps.last(), Some(Step::Index(_) | Step::Append)) {
        return Err("empty key segment".to_string());
    }
    Ok(steps)
}

impl ConfigTree {
    /// An empty configuration (all defaults).
    pub fn new() -> Self {
        Self::default()
    }

    /// Read a YAML configuration file.
    pub fn load(path: &Path) -> Result<Self, ConfigError> {
        let file = path.display().to_string();
        let text = std::fs::read_to_string(path).map_err(|e| ConfigError::Read {
            file: file.clone(),
            message: e.to_string(),
        })?;
        Self::from_yaml(&file, &text)
    }

    /// Parse configuration text; `file` names it in errors. An empty document is an
    /// empty configuration; the first document is used.
    pub fn from_yaml(file: &str, text: &str) -> Result<Self, ConfigError> {
        let docs = parse_documents(text).map_err(|e| ConfigError::Yaml {
            origin: Origin::File(file.to_string(), e.pos),
            message: e.message,
        })?;
        let root = match docs.into_iter().next() {
            None => empty_map(Pos::default()),
            Some(n) if n.is_null() => empty_map(n.pos),
            Some(n) if n.is_map() => n,
            Some(n) => {
                return Err(ConfigError::Yaml {
                    origin: Origin::File(file.to_string(), n.pos),
                    message: "the configuration must be a mapping of keys".to_string(),
                })
            }
        };
        Ok(Self {
            file: file.to_string(),
            root,
            overrides: Vec::new(),
        })
    }

    /// Apply one `-o key=value` option.
    pub fn apply_override(&mut self, option: &str) -> Result<(), ConfigError> {
        let err = |m: String| ConfigError::Override {
            option: option.to_string(),
            message: m,
        };
        let (key, value) = option
            .split_once('=')
            .ok_or_else(|| err("expected key=value".to_string()))?;
        let steps = parse_path(key.trim()).map_err(err)?;
        let idx = self.overrides.len();
        self.overrides.push(option.to_string());
        let pos = Pos {
            line: OVERRIDE_LINE,
            col: idx,
            offset: 0,
        };
        let v = value.trim();
        let mut node = if (v.starts_with('{') && v.ends_with('}'))
            || (v.starts_with('[') && v.ends_with(']'))
        {
            let docs = parse_documents(v).map_err(|e| err(format!("value: {}", e.message)))?;
            docs.into_iter().next().unwrap_or_else(|| empty_map(pos))
        } else {
            scalar_node(value, pos)
        };
        mark(&mut node, pos);
        set_path(&mut self.root, &steps, node, pos).map_err(err)
    }

    fn origin(&self, pos: Pos) -> Origin {
        if pos.line == OVERRIDE_LINE {
            match self.overrides.get(pos.col) {
                Some(o) => Origin::Override(o.clone()),
                None => Origin::Default,
            }
        } else if self.file.is_empty() {
            Origin::Default
        } else {
            Origin::File(self.file.clone(), pos)
        }
    }

    /// The raw node at a dotted path (no indexing), for keys this module does not decode.
    pub fn get(&self, dotted: &str) -> Option<&Node> {
        dotted.split('.').try_fold(&self.root, |n, k| n.get(k))
    }

    /// Decode into a [`Config`], starting from the defaults.
    pub fn decode(&self) -> Result<Config, ConfigError> {
        let mut c = Config::default();
        let d = Decoder { tree: self };
        d.bool("json_output", &mut c.json_output)?;
        d.bool(
            "json_include_output_property",
            &mut c.json_include_output_property,
        )?;
        d.bool(
            "json_include_message_property",
            &mut c.json_include_message_property,
        )?;
        d.bool(
            "json_include_output_fields_property",
            &mut c.json_include_output_fields_property,
        )?;
        d.bool(
            "json_include_tags_property",
            &mut c.json_include_tags_property,
        )?;
        d.bool("time_format_iso_8601", &mut c.time_format_iso_8601)?;
        d.bool("buffered_outputs", &mut c.buffered_outputs)?;
        if let Some((n, s)) = d.string("output_timeout")? {
            c.output_timeout_ms = s
                .parse()
                .map_err(|_| d.value_err(n, "output_timeout", "expected milliseconds"))?;
        }
        if let Some((n, s)) = d.string("priority")? {
            c.priority = Priority::parse(s.trim()).ok_or_else(|| {
                d.value_err(
                    n,
                    "priority",
                    &format!(
                        "unknown priority `{s}` (one of emergency, alert, critical, error, \
                         warning, notice, info, debug)"
                    ),
                )
            })?;
        }
        if let Some((n, s)) = d.string("rule_matching")? {
            c.rule_matching = RuleMatching::parse(s.trim()).ok_or_else(|| {
                d.value_err(
                    n,
                    "rule_matching",
                    &format!("unknown value `{s}` (first or all)"),
                )
            })?;
        }
        if let Some(n) = self.get("rules_files") {
            c.rules_files = d.string_list(n, "rules_files")?;
        }
        if let Some(n) = self.root.get("rules") {
            c.rules = d.rules(n)?;
        }
        if let Some(n) = self.root.get("append_output") {
            c.append_output = Some(d.append_output(n)?);
        }
        d.bool("stdout_output.enabled", &mut c.stdout_output)?;
        d.bool("file_output.enabled", &mut c.file_output.enabled)?;
        d.bool("file_output.keep_alive", &mut c.file_output.keep_alive)?;
        d.str("file_output.filename", &mut c.file_output.filename)?;
        d.bool("program_output.enabled", &mut c.program_output.enabled)?;
        d.bool(
            "program_output.keep_alive",
            &mut c.program_output.keep_alive,
        )?;
        d.str("program_output.program", &mut c.program_output.program)?;
        d.bool("http_output.enabled", &mut c.http_output.enabled)?;
        d.str("http_output.url", &mut c.http_output.url)?;
        d.str("http_output.user_agent", &mut c.http_output.user_agent)?;
        d.bool("syslog_output.enabled", &mut c.syslog_output.enabled)?;
        d.str("syslog_output.socket", &mut c.syslog_output.socket)?;
        for (enabled, key, val) in [
            (
                c.file_output.enabled,
                "file_output.filename",
                &c.file_output.filename,
            ),
            (
                c.program_output.enabled,
                "program_output.program",
                &c.program_output.program,
            ),
            (c.http_output.enabled, "http_output.url", &c.http_output.url),
        ] {
            if enabled && val.is_empty() {
                let origin = self
                    .get(key.split('.').next().unwrap_or(key))
                    .map(|n| self.origin(n.pos))
                    .unwrap_or(Origin::Default);
                return Err(ConfigError::Value {
                    origin,
                    key: key.to_string(),
                    message: "must be set when the channel is enabled".to_string(),
                });
            }
        }
        Ok(c)
    }
}

fn set_path(root: &mut Node, steps: &[Step], value: Node, pos: Pos) -> Result<(), String> {
    let Some((step, rest)) = steps.split_first() else {
        *root = value;
        return Ok(());
    };
    // Children created on the way are maps, or lists when the next step indexes.
    let fresh = |next: Option<&Step>| match next {
        Some(Step::Index(_) | Step::Append) => Node {
            kind: NodeKind::Seq(Vec::new()),
            pos,
        },
        _ => empty_map(pos),
    };
    match step {
        Step::Key(k) => {
            if !root.is_map() {
                *root = empty_map(pos);
            }
            let NodeKind::Map(entries) = &mut root.kind else {
                return Err("internal: not a map".to_string());
            };
            let i = match entries.iter().position(|(kk, _)| kk.scalar() == Some(k)) {
                Some(i) => i,
                None => {
                    entries.push((scalar_node(k, pos), fresh(rest.first())));
                    entries.len() - 1
                }
            };
            let child = &mut entries[i].1;
            set_path(child, rest, value, pos)
        }
        Step::Index(_) | Step::Append => {
            if root.is_null() {
                root.kind = NodeKind::Seq(Vec::new());
            }
            let NodeKind::Seq(items) = &mut root.kind else {
                return Err("cannot index a value that is not a list".to_string());
            };
            let i = match *step {
                Step::Index(i) if i < items.len() => i,
                Step::Index(i) if i > items.len() => {
                    return Err(format!(
                        "list index {i} out of range (the list has {} elements)",
                        items.len()
                    ))
                }
                _ => {
                    items.push(fresh(rest.first()));
                    items.len() - 1
                }
            };
            set_path(&mut items[i], rest, value, pos)
        }
    }
}

struct Decoder<'a> {
    tree: &'a ConfigTree,
}

impl Decoder<'_> {
    fn value_err(&self, n: &Node, key: &str, msg: &str) -> ConfigError {
        ConfigError::Value {
            origin: self.tree.origin(n.pos),
            key: key.to_string(),
            message: msg.to_string(),
        }
    }

    fn scalar_of<'n>(&self, n: &'n Node, key: &str) -> Result<&'n str, ConfigError> {
        match &n.kind {
            NodeKind::Scalar { text, .. } => Ok(text),
            NodeKind::Null => Ok(""),
            _ => Err(self.value_err(n, key, "expected a single value")),
        }
    }

    fn string(&self, key: &str) -> Result<Option<(&Node, String)>, ConfigError> {
        match self.tree.get(key) {
            None => Ok(None),
            Some(n) if n.is_null() => Ok(None),
            Some(n) => Ok(Some((n, self.scalar_of(n, key)?.to_string()))),
        }
    }

    fn str(&self, key: &str, out: &mut String) -> Result<(), ConfigError> {
        if let Some((_, s)) = self.string(key)? {
            *out = s;
        }
        Ok(())
    }

    fn bool(&self, key: &str, out: &mut bool) -> Result<(), ConfigError> {
        if let Some((n, _)) = self.string(key)? {
            *out = n.as_bool().ok_or_else(|| {
                self.value_err(
                    n,
                    key,
                    &format!("expected true or false, got `{}`", n.scalar().unwrap_or("")),
                )
            })?;
        }
        Ok(())
    }

    fn string_list(&self, n: &Node, key: &str) -> Result<Vec<String>, ConfigError> {
        match &n.kind {
            NodeKind::Null => Ok(Vec::new()),
            NodeKind::Scalar { text, .. } => Ok(vec![text.clone()]),
            NodeKind::Seq(items) => items
                .iter()
                .map(|i| self.scalar_of(i, key).map(str::to_string))
                .collect(),
            NodeKind::Map(_) => Err(self.value_err(n, key, "expected a list")),
        }
    }

    fn rules(&self, n: &Node) -> Result<Vec<Selection>, ConfigError> {
        let Some(items) = n.seq() else {
            if n.is_null() {
                return Ok(Vec::new());
            }
            return Err(self.value_err(n, "rules", "expected a list of enable/disable entries"));
        };
        let mut out = Vec::new();
        for (i, item) in items.iter().enumerate() {
            let key = format!("rules[{i}]");
            let Some(map) = item.map() else {
                return Err(self.value_err(item, &key, "expected `enable:` or `disable:`"));
            };
            for (k, v) in map {
                let enable = match k.scalar() {
                    Some("enable") => true,
                    Some("disable") => false,
                    _ => {
                        return Err(self.value_err(
                            k,
                            &key,
                            &format!(
                                "unknown key `{}` (enable or disable)",
                                k.scalar().unwrap_or("?")
                            ),
                        ))
                    }
                };
                let sel = match (v.get("rule"), v.get("tag")) {
                    (Some(r), None) => {
                        let r = self.scalar_of(r, &key)?.to_string();
                        if enable {
                            Selection::EnableRule(r)
                        } else {
                            Selection::DisableRule(r)
                        }
                    }
                    (None, Some(t)) => {
                        let t = self.scalar_of(t, &key)?.to_string();
                        if enable {
                            Selection::EnableTag(t)
                        } else {
                            Selection::DisableTag(t)
                        }
                    }
                    _ => {
                        return Err(self.value_err(
                            v,
                            &key,
                            "expected exactly one of `rule:` or `tag:`",
                        ))
                    }
                };
                out.push(sel);
            }
        }
        Ok(out)
    }

    fn append_output(&self, n: &Node) -> Result<Vec<AppendOutput>, ConfigError> {
        let Some(items) = n.seq() else {
            if n.is_null() {
                return Ok(Vec::new());
            }
            return Err(self.value_err(n, "append_output", "expected a list"));
        };
        let mut out = Vec::new();
        for (i, item) in items.iter().enumerate() {
            let key = format!("append_output[{i}]");
            let mut a = AppendOutput::default();
            if let Some(m) = item.get("match") {
                if let Some(s) = m.get("source") {
                    a.source = Some(self.scalar_of(s, &key)?.to_string());
                }
                if let Some(r) = m.get("rule") {
                    a.rule = Some(self.scalar_of(r, &key)?.to_string());
                }
                if let Some(t) = m.get("tags") {
                    a.tags = self.string_list(t, &key)?;
                }
            }
            if let Some(v) = item.get("suggested_output") {
                a.suggested_output = v
                    .as_bool()
                    .ok_or_else(|| self.value_err(v, &key, "expected true or false"))?;
            }
            if let Some(e) = item.get("extra_output") {
                a.extra_output = Some(self.scalar_of(e, &key)?.to_string());
            }
            if let Some(fields) = item.get("extra_fields") {
                for f in fields.seq().unwrap_or_default() {
                    match &f.kind {
                        NodeKind::Scalar { text, .. } => {
                            a.extra_fields.push((text.clone(), format!("%{text}")))
                        }
                        NodeKind::Map(kv) => {
                            for (k, v) in kv {
                                a.extra_fields.push((
                                    self.scalar_of(k, &key)?.to_string(),
                                    self.scalar_of(v, &key)?.to_string(),
                                ));
                            }
                        }
                        _ => return Err(self.value_err(f, &key, "bad extra_fields entry")),
                    }
                }
            }
            out.push(a);
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn decode(yaml: &str, overrides: &[&str]) -> Result<Config, ConfigError> {
        let mut t = ConfigTree::from_yaml("falco.yaml", yaml)?;
        for o in overrides {
            t.apply_override(o)?;
        }
        t.decode()
    }

    #[test]
    fn defaults() {
        let c = decode("", &[]).unwrap();
        assert_eq!(c, Config::default());
        assert!(c.stdout_output && !c.json_output && c.json_include_output_property);
        assert_eq!(c.priority, Priority::Debug);
    }

    #[test]
    fn falco_yaml_keys() {
        let y = "\
json_output: true
json_include_tags_property: false
priority: warning
rule_matching: all
time_format_iso_8601: true
stdout_output:
  enabled: false
file_output:
  enabled: true
  keep_alive: true
  filename: /tmp/alerts.txt
program_output:
  enabled: true
  program: \"jq '{text: .output}' | cat\"
http_output:
  enabled: true
  url: http://127.0.0.1:2801/
  user_agent: test/1
syslog_output:
  enabled: true
rules:
  - disable:
      rule: '*'
  - enable:
      tag: container
append_output:
  - match:
      tags: [container]
    extra_output: 'img=%container.image.repository'
    extra_fields:
      - proc.name
      - user: '%user.name'
rules_files: [/etc/falco/falco_rules.yaml]
unknown_key: {a: 1}
";
        let c = decode(y, &[]).unwrap();
        assert!(c.json_output && !c.json_include_tags_property && c.time_format_iso_8601);
        assert_eq!(c.priority, Priority::Warning);
        assert_eq!(c.rule_matching, RuleMatching::All);
        assert!(!c.stdout_output);
        assert_eq!(
            c.file_output,
            FileOutput {
                enabled: true,
                keep_alive: true,
                filename: "/tmp/alerts.txt".into()
            }
        );
        assert_eq!(c.program_output.program, "jq '{text: .output}' | cat");
        assert_eq!(c.http_output.url, "http://127.0.0.1:2801/");
        assert_eq!(c.http_output.user_agent, "test/1");
        assert!(c.syslog_output.enabled);
        assert_eq!(
            c.rules,
            vec![
                Selection::DisableRule("*".into()),
                Selection::EnableTag("container".into())
            ]
        );
        let ao = c.append_output.as_ref().expect("append_output");
        assert_eq!(ao[0].tags, vec!["container"]);
        assert!(!ao[0].suggested_output);
        assert_eq!(
            ao[0].extra_fields,
            vec![
                ("proc.name".to_string(), "%proc.name".to_string()),
                ("user".to_string(), "%user.name".to_string())
            ]
        );
        assert!(ao[0].applies("syscall", "x", &["container", "shell"]));
        assert!(!ao[0].applies("syscall", "x", &["shell"]));
        assert_eq!(c.rules_files, vec!["/etc/falco/falco_rules.yaml"]);
    }

    #[test]
    fn overrides() {
        let y = "rules:\n  - disable: {rule: a}\nfile_output: {enabled: false}\n";
        let c = decode(
            y,
            &[
                "json_output=true",
                "rules[].disable.rule=*",
                "rules[].enable.tag=network",
                "rules[0].disable.rule=b*",
                "file_output={enabled: true, filename: /tmp/x}",
                "http_output.url=http://h/",
                "a\\.b.c[0]=x",
                "priority=ERROR",
            ],
        )
        .unwrap();
        assert!(c.json_output);
        assert_eq!(c.priority, Priority::Error);
        assert_eq!(c.rules.len(), 3);
        assert_eq!(c.rules[0], Selection::DisableRule("b*".into()));
        assert_eq!(c.rules[1], Selection::DisableRule("*".into()));
        assert_eq!(c.rules[2], Selection::EnableTag("network".into()));
        assert!(c.file_output.enabled);
        assert_eq!(c.file_output.filename, "/tmp/x");
        assert_eq!(c.http_output.url, "http://h/");
    }

    #[test]
    fn errors_say_where() {
        let e = decode("json_output: maybe\n", &[]).unwrap_err().to_string();
        assert_eq!(
            e,
            "falco.yaml:1:14: config key `json_output`: expected true or false, got `maybe`"
        );
        let e = decode("", &["priority=loud"]).unwrap_err().to_string();
        assert!(
            e.starts_with("-o priority=loud: config key `priority`: unknown priority"),
            "{e}"
        );
        let e = decode("", &["noequals"]).unwrap_err().to_string();
        assert_eq!(e, "-o noequals: expected key=value");
        assert!(decode("", &["a[=1"]).is_err());
        assert!(decode("", &["a..b=1"]).is_err());
        assert!(decode("l: [1]\n", &["l[5]=1"]).is_err());
        let e = decode("a: [\n", &[]).unwrap_err().to_string();
        assert!(e.starts_with("falco.yaml:"), "{e}");
        let e = decode("file_output:\n  enabled: true\n", &[])
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("file_output.filename") && e.contains("falco.yaml:2:3"),
            "{e}"
        );
        assert!(decode("- a\n", &[]).is_err());
    }
}
