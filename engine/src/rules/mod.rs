//! The Falco rules loader: YAML with positions → collector → compiled rule set.
//!
//! Data flow, per file, as in Falco (§1.9): [`yaml::parse_documents`] builds a node tree with
//! positions (yaml-cpp's: 0-based lines/columns, block scalars at their indicator) and
//! [`schema::validate`] runs Falco's informative JSON-schema check; [`reader`] walks the
//! tree and feeds the [`collector::Collector`] (define / append / override, stopping at the
//! first error of the file); then **everything collected so far** is recompiled by
//! [`compile`]: nested lists expanded, exceptions turned into condition text
//! ([`exceptions`]), lists substituted as text, conditions parsed, macros resolved (with
//! visibility, loops, expansion bounds), the warning pass, `engine_filter::compile` against
//! the [`engine_filter::FieldRegistry`], outputs validated ([`crate::output`]), event types
//! inferred. Errors and warnings carry Falco's codes, messages and contexts ([`result`]).
//! Compiled rules are selected and indexed by event code in a [`ruleset::RuleSet`], which
//! evaluates exit events only and exposes the event codes and the x86_64 syscall mask the
//! enabled rules need.
//!
//! Principal types: [`Loader`] (the multi-file entry point), [`result::LoadResult`],
//! [`compile::CompiledRule`], [`ruleset::RuleSet`].

pub mod collector;
pub mod compile;
pub mod exceptions;
pub mod reader;
pub mod result;
pub mod ruleset;
pub mod schema;
pub mod yaml;

use result::{Context, ErrorCode, LoadResult};
use std::collections::BTreeMap;
use std::fmt;

/// The engine version we announce: Falco 0.44.1's engine version.
pub const ENGINE_VERSION: Version = Version {
    major: 0,
    minor: 62,
    patch: 0,
};

/// Plugins whose fields are built in, with the version we report for requirement checks.
pub const BUILTIN_PLUGINS: [(&str, &str); 1] = [("container", "0.7.1")];

/// A rule priority, most severe first (Falco's order).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Priority {
    Emergency,
    Alert,
    Critical,
    Error,
    Warning,
    Notice,
    Informational,
    Debug,
}

impl Priority {
    pub const ALL: [Priority; 8] = [
        Priority::Emergency,
        Priority::Alert,
        Priority::Critical,
        Priority::Error,
        Priority::Warning,
        Priority::Notice,
        Priority::Informational,
        Priority::Debug,
    ];
    /// Case-insensitive; `info` is accepted for Informational.
    pub fn parse(s: &str) -> Option<Priority> {
        if s.eq_ignore_ascii_case("info") {
            return Some(Priority::Informational);
        }
        Priority::ALL
            .into_iter()
            .find(|p| p.name().eq_ignore_ascii_case(s))
    }
    /// `Emergency` … `Informational` … `Debug` (alerts, JSON `priority`).
    pub fn name(self) -> &'static str {
        match self {
            Priority::Emergency => "Emergency",
            Priority::Alert => "Alert",
            Priority::Critical => "Critical",
            Priority::Error => "Error",
            Priority::Warning => "Warning",
            Priority::Notice => "Notice",
            Priority::Informational => "Informational",
            Priority::Debug => "Debug",
        }
    }
    /// `EMERGENCY` … `INFO` … (schema spelling, end-of-run counts).
    pub fn upper_short(self) -> &'static str {
        match self {
            Priority::Emergency => "EMERGENCY",
            Priority::Alert => "ALERT",
            Priority::Critical => "CRITICAL",
            Priority::Error => "ERROR",
            Priority::Warning => "WARNING",
            Priority::Notice => "NOTICE",
            Priority::Informational => "INFO",
            Priority::Debug => "DEBUG",
        }
    }
    /// Syslog severity (0 = emergency … 7 = debug).
    pub fn syslog_level(self) -> u8 {
        self as u8
    }
}

/// A `major.minor.patch` version.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Version {
    pub major: u32,
    pub minor: u32,
    pub patch: u32,
}

impl Version {
    /// `x.y.z` (leading blanks allowed, anything after the patch number ignored, as
    /// libsinsp's scanf-based parser does).
    pub fn parse(s: &str) -> Option<Version> {
        let s = s.trim_start();
        let mut rest = s;
        let mut nums = [0u32; 3];
        for (i, n) in nums.iter_mut().enumerate() {
            if i > 0 {
                rest = rest.strip_prefix('.')?;
            }
            let rest2 = rest.strip_prefix('+').unwrap_or(rest);
            let len = rest2.bytes().take_while(u8::is_ascii_digit).count();
            if len == 0 {
                return None;
            }
            *n = rest2[..len].parse().ok()?;
            rest = &rest2[len..];
        }
        Some(Version {
            major: nums[0],
            minor: nums[1],
            patch: nums[2],
        })
    }
    /// Same major and `self >= required`.
    pub fn compatible_with(&self, required: &Version) -> bool {
        self.major == required.major && self >= required
    }
}

impl fmt::Display for Version {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}.{}", self.major, self.minor, self.patch)
    }
}

/// An error raised while reading or compiling; it ends the file's load.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LoadErr {
    pub code: ErrorCode,
    pub message: String,
    pub ctx: Context,
}

impl LoadErr {
    pub fn new(code: ErrorCode, message: impl Into<String>, ctx: Context) -> LoadErr {
        LoadErr {
            code,
            message: message.into(),
            ctx,
        }
    }
}

/// Loads one or more rules files in order into one collection and compiles them.
///
/// ```text
/// let mut l = Loader::new(&registry);
/// let r = l.load("a.yaml", &text);         // LoadResult: errors + warnings
/// let set = l.ruleset();                   // compiled, enabled rules by event type
/// ```
pub struct Loader<'r> {
    collector: collector::Collector,
    catalog: compile::Catalog<'r>,
    /// Every file's text, by name (for snippets).
    pub contents: BTreeMap<String, String>,
    /// The output of the last successful compilation.
    compiled: Option<compile::CompileOutput>,
}

impl fmt::Debug for Loader<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Loader")
            .field("files", &self.contents.keys().collect::<Vec<_>>())
            .finish_non_exhaustive()
    }
}

impl<'r> Loader<'r> {
    /// A loader compiling `syscall` rules against `registry`.
    pub fn new(registry: &'r dyn engine_filter::FieldRegistry) -> Loader<'r> {
        Loader {
            collector: collector::Collector::new(ENGINE_VERSION),
            catalog: compile::Catalog::new(registry),
            contents: BTreeMap::new(),
            compiled: None,
        }
    }

    /// Replaces the `append_output` entries (falco.yaml); the default appends the
    /// container plugin's suggested fields to every syscall rule
    /// ([`compile::CONTAINER_SUGGESTED_OUTPUT`]). Applies to the next load.
    pub fn set_extra_outputs(&mut self, extra: Vec<compile::ExtraOutput>) {
        self.catalog.extra_outputs = extra;
    }

    /// The collected definitions.
    pub fn collector(&self) -> &collector::Collector {
        &self.collector
    }

    /// The last successful compilation (all files so far).
    pub fn compiled(&self) -> Option<&compile::CompileOutput> {
        self.compiled.as_ref()
    }

    /// Reads a file from disk and loads it (a read failure is `LOAD_ERR_FILE_READ`).
    pub fn load_file(&mut self, path: &std::path::Path) -> LoadResult {
        let name = path.display().to_string();
        match std::fs::read(path) {
            Ok(bytes) => {
                let text = String::from_utf8_lossy(&bytes).into_owned();
                self.load(&name, &text)
            }
            Err(e) => {
                let mut res = LoadResult::new(&name);
                res.error(
                    ErrorCode::FileRead,
                    format!("Could not open file {name} for reading: {e}"),
                    Context::root(&name),
                );
                res
            }
        }
    }

    /// Loads one file's content: read into the collector, then recompile everything.
    pub fn load(&mut self, name: &str, content: &str) -> LoadResult {
        let mut res = LoadResult::new(name);
        self.contents.insert(name.to_string(), content.to_string());
        let root = Context::root(name);
        let docs = match yaml::parse_documents(content) {
            Ok(d) => d,
            Err(e) => {
                let ctx = root.child(e.pos, result::ItemType::ValueFor, "");
                res.error(ErrorCode::YamlParse, e.to_string(), ctx);
                return res;
            }
        };
        res.schema = schema::validate(&docs);
        for doc in &docs {
            if let Err(e) =
                reader::read_document(doc, &root, &mut self.collector, &self.catalog, &mut res)
            {
                res.error(e.code, e.message, e.ctx);
                return res;
            }
        }
        match compile::compile(&self.collector, &self.catalog, &mut res) {
            Ok(out) => {
                if res.successful() {
                    self.compiled = Some(out);
                }
            }
            Err(e) => res.error(e.code, e.message, e.ctx),
        }
        res
    }

    /// After all files: the plugin requirements that are not satisfied by the built-in
    /// plugins, with Falco's messages.
    pub fn check_plugin_requirements(&self) -> Vec<String> {
        let mut errs = Vec::new();
        for alts in &self.collector.required_plugin_versions {
            let mut ok = false;
            let mut msgs = Vec::new();
            for r in alts {
                let Some(&(_, have)) = BUILTIN_PLUGINS.iter().find(|(n, _)| *n == r.name) else {
                    continue;
                };
                let (Some(h), Some(req)) = (Version::parse(have), Version::parse(&r.version))
                else {
                    continue;
                };
                if h.compatible_with(&req) {
                    ok = true;
                } else {
                    msgs.push(format!(
                        "Plugin '{}' version '{have}' is not compatible with required plugin version '{}'",
                        r.name, r.version
                    ));
                }
            }
            if !ok {
                if let Some(m) = msgs.into_iter().next() {
                    errs.push(m);
                } else {
                    let names: Vec<String> = alts
                        .iter()
                        .map(|r| format!("{} (>= {})", r.name, r.version))
                        .collect();
                    errs.push(format!(
                        "Plugin requirement not satisfied, must load one of: {}",
                        names.join(", ")
                    ));
                }
            }
        }
        errs
    }
}
