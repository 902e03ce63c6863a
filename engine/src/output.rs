//! Rule output formats and alerts, as Falco formats them (falco-rules.md §6).
//!
//! * [`OutputFormat::parse`] splits a format string into literal text and `%field` tokens
//!   (`%field`, `%field[arg]`, `%<width>field`, `%tolower(field)`), resolving each token to
//!   the **longest prefix** the field registry accepts (`%proc.name_foo` is `proc.name`
//!   followed by `_foo`). Errors use libsinsp's words (`invalid formatting token …`).
//! * [`OutputFormat::render`] extracts the fields of the current event through a
//!   [`FieldSource`] into a reused [`Values`] buffer and writes the text, `<NA>` for fields
//!   without a value; [`OutputFormat::json_fields`] gives the typed `output_fields` map.
//! * [`Alert`] holds one alert and renders the text line (`<time>: <Priority> <output>`)
//!   and the JSON object (keys sorted, `time` in UTC with 9 fractional digits and `Z`).

use crate::rules::Priority;
use engine_filter::{
    FieldArg, FieldDef, FieldFlags, FieldRegistry, FieldSource, FieldType, Value, Values,
};
use serde_json::{Map, Value as Json};
use std::collections::BTreeSet;
use std::fmt::Write as _;

/// A transformer applied to a field in an output token.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OutTransform {
    ToLower,
    ToUpper,
    Basename,
    Len,
    B64,
}

/// One piece of a format.
#[derive(Debug, Clone, PartialEq)]
pub enum Token {
    Literal(String),
    Field {
        /// The token text as written after `%` (without the width): the JSON key.
        key: String,
        def: FieldDef,
        /// `%<width>`: pad or truncate to this many bytes (0 = as is).
        width: usize,
        /// Transformers, innermost first.
        transforms: Vec<OutTransform>,
    },
}

/// A parsed output format.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct OutputFormat {
    pub tokens: Vec<Token>,
}

fn is_name_char(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_' || b == b'.'
}

fn transform_of(name: &str) -> Option<OutTransform> {
    Some(match name {
        "tolower" => OutTransform::ToLower,
        "toupper" => OutTransform::ToUpper,
        "basename" => OutTransform::Basename,
        "len" => OutTransform::Len,
        "b64" => OutTransform::B64,
        _ => return None,
    })
}

/// Resolves the longest field-name prefix of `s` (with a `[arg]` on the full name).
/// Returns the definition and the number of bytes consumed.
fn resolve_field(s: &str, registry: &dyn FieldRegistry) -> Result<(FieldDef, usize), String> {
    let b = s.as_bytes();
    let n = b.iter().take_while(|c| is_name_char(**c)).count();
    let mut last_err: Option<String> = None;
    for len in (1..=n).rev() {
        let name = &s[..len];
        if len == n && b.get(n) == Some(&b'[') {
            if let Some(close) = s[n..].find(']') {
                let arg = &s[n + 1..n + close];
                let arg = arg
                    .strip_prefix('"')
                    .and_then(|a| a.strip_suffix('"'))
                    .or_else(|| arg.strip_prefix('\'').and_then(|a| a.strip_suffix('\'')))
                    .unwrap_or(arg);
                match registry.lookup(name, Some(arg)) {
                    Ok(d) => return Ok((d, n + close + 1)),
                    Err(e) => last_err = Some(e),
                }
            }
        }
        match registry.lookup(name, None) {
            Ok(d) => return Ok((d, len)),
            Err(e) => {
                if last_err.is_none() && len == n {
                    last_err = Some(e);
                }
            }
        }
    }
    let _ = last_err;
    Err(format!("invalid formatting token {s}"))
}

impl OutputFormat {
    /// Parses `fmt`, resolving fields against `registry`.
    pub fn parse(fmt: &str, registry: &dyn FieldRegistry) -> Result<OutputFormat, String> {
        if fmt.is_empty() {
            return Err("empty formatting token".into());
        }
        let b = fmt.as_bytes();
        let mut tokens = Vec::new();
        let mut lit_start = 0;
        let mut j = 0;
        while j < b.len() {
            if b[j] != b'%' {
                j += 1;
                continue;
            }
            if lit_start < j {
                tokens.push(Token::Literal(fmt[lit_start..j].to_string()));
            }
            if j + 1 == b.len() {
                return Err("invalid formatting syntax: formatting cannot end with a %".into());
            }
            let mut k = j + 1;
            let wlen = b[k..].iter().take_while(|c| c.is_ascii_digit()).count();
            let width: usize = if wlen > 0 {
                let w = fmt[k..k + wlen].parse().unwrap_or(usize::MAX);
                k += wlen;
                if k == b.len() {
                    return Err(
                        "invalid formatting syntax: formatting cannot end with a number".into(),
                    );
                }
                w.min(1 << 20)
            } else {
                0
            };
            let rest = &fmt[k..];
            // Transformers: tname(...) with one field inside (possibly nested).
            let mut transforms = Vec::new();
            let mut inner = rest;
            let mut closers = 0;
            while let Some((t, open)) = inner
                .find('(')
                .and_then(|o| Some((transform_of(&inner[..o])?, o)))
            {
                transforms.push(t);
                inner = inner[open + 1..].trim_start();
                closers += 1;
            }
            let (def, used) = if closers > 0 {
                let (def, flen) = resolve_field(inner, registry)
                    .map_err(|_| format!("invalid formatting token {rest}"))?;
                let mut after = &inner[flen..];
                for _ in 0..closers {
                    after = after.trim_start();
                    after = after
                        .strip_prefix(')')
                        .ok_or_else(|| format!("invalid formatting token {rest}"))?;
                }
                transforms.reverse();
                (def, rest.len() - after.len())
            } else {
                resolve_field(rest, registry)?
            };
            if def.has(FieldFlags::FILTER_ONLY) {
                return Err(format!(
                    "{} is filter only and cannot be used as a display field",
                    def.name
                ));
            }
            tokens.push(Token::Field {
                key: rest[..used].to_string(),
                def,
                width,
                transforms,
            });
            j = k + used;
            lit_start = j;
        }
        if lit_start < b.len() {
            tokens.push(Token::Literal(fmt[lit_start..].to_string()));
        }
        Ok(OutputFormat { tokens })
    }

    /// The field tokens' keys, in order (duplicates kept).
    pub fn field_keys(&self) -> impl Iterator<Item = &str> {
        self.tokens.iter().filter_map(|t| match t {
            Token::Field { key, .. } => Some(key.as_str()),
            Token::Literal(_) => None,
        })
    }

    /// Renders the format for the current event into `out` (cleared first).
    pub fn render(&self, src: &mut dyn FieldSource, buf: &mut Values, out: &mut String) {
        out.clear();
        for t in &self.tokens {
            match t {
                Token::Literal(s) => out.push_str(s),
                Token::Field {
                    def,
                    width,
                    transforms,
                    ..
                } => {
                    let start = out.len();
                    buf.clear();
                    if src.extract(def.id, &def.arg, buf) {
                        render_values(def, buf, transforms, out);
                    } else {
                        out.push_str("<NA>");
                    }
                    if *width > 0 {
                        pad_or_truncate(out, start, *width);
                    }
                }
            }
        }
    }

    /// The typed `output_fields` of the current event: numbers, strings, booleans, `null`
    /// when missing; absolute times as integer nanoseconds.
    pub fn json_fields(
        &self,
        src: &mut dyn FieldSource,
        buf: &mut Values,
        into: &mut Map<String, Json>,
    ) {
        for t in &self.tokens {
            if let Token::Field {
                key,
                def,
                transforms,
                ..
            } = t
            {
                buf.clear();
                let v = if src.extract(def.id, &def.arg, buf) {
                    json_value(def, buf, transforms)
                } else {
                    Json::Null
                };
                into.insert(key.clone(), v);
            }
        }
    }
}

fn pad_or_truncate(out: &mut String, start: usize, width: usize) {
    let len = out.len() - start;
    if len > width {
        let mut cut = start + width;
        while cut > start && !out.is_char_boundary(cut) {
            cut -= 1;
        }
        out.truncate(cut);
    }
    let len = out.len() - start;
    for _ in len..width {
        out.push(' ');
    }
}

fn b64_decode(s: &[u8]) -> Option<Vec<u8>> {
    let val = |c: u8| -> Option<u32> {
        Some(match c {
            b'A'..=b'Z' => (c - b'A') as u32,
            b'a'..=b'z' => (c - b'a') as u32 + 26,
            b'0'..=b'9' => (c - b'0') as u32 + 52,
            b'+' => 62,
            b'/' => 63,
            _ => return None,
        })
    };
    let s: Vec<u8> = s.iter().copied().filter(|c| *c != b'=').collect();
    let mut out = Vec::with_capacity(s.len() * 3 / 4);
    for chunk in s.chunks(4) {
        let mut acc = 0u32;
        for (i, c) in chunk.iter().enumerate() {
            acc |= val(*c)? << (18 - 6 * i);
        }
        let n = match chunk.len() {
            4 => 3,
            3 => 2,
            2 => 1,
            _ => return None,
        };
        for i in 0..n {
            out.push((acc >> (16 - 8 * i)) as u8);
        }
    }
    Some(out)
}

fn apply_transforms(mut s: Vec<u8>, transforms: &[OutTransform]) -> Result<Vec<u8>, u64> {
    for t in transforms {
        match t {
            OutTransform::ToLower => s.make_ascii_lowercase(),
            OutTransform::ToUpper => s.make_ascii_uppercase(),
            OutTransform::Basename => {
                if let Some(p) = s.iter().rposition(|c| *c == b'/') {
                    s.drain(..=p);
                }
            }
            OutTransform::B64 => s = b64_decode(&s).unwrap_or_default(),
            OutTransform::Len => return Err(s.len() as u64),
        }
    }
    Ok(s)
}

/// Writes one value as libsinsp renders it in text.
pub fn write_value(def: &FieldDef, v: Value<'_>, out: &mut String) {
    match v {
        Value::I64(n) => {
            let _ = write!(out, "{n}");
        }
        Value::U64(n) => match def.ty {
            FieldType::AbsTime => write_abstime(&def.name, n, out),
            _ => {
                let _ = write!(out, "{n}");
            }
        },
        Value::Bool(b) => out.push_str(if b { "true" } else { "false" }),
        Value::Ip(ip) => {
            let _ = write!(out, "{ip}");
        }
        Value::Net(ip, p) => {
            let _ = write!(out, "{ip}/{p}");
        }
        Value::Bytes(b) => out.push_str(&String::from_utf8_lossy(b)),
    }
}

fn render_values(def: &FieldDef, buf: &Values, transforms: &[OutTransform], out: &mut String) {
    if !transforms.is_empty() {
        let mut s = String::new();
        for (i, v) in buf.iter().enumerate() {
            if i > 0 {
                s.push(' ');
            }
            write_value(def, v, &mut s);
        }
        match apply_transforms(s.into_bytes(), transforms) {
            Ok(b) => out.push_str(&String::from_utf8_lossy(&b)),
            Err(n) => {
                let _ = write!(out, "{n}");
            }
        }
        return;
    }
    if def.ty == FieldType::AbsTime {
        for (i, v) in buf.iter().enumerate() {
            if i > 0 {
                out.push(' ');
            }
            write_value(def, v, out);
        }
        return;
    }
    // Everything else as sysdig renders it (shared with `replay -p`).
    let list = def.has(FieldFlags::IS_LIST);
    if list {
        out.push('(');
    }
    let mut bytes = Vec::new();
    if list {
        for (i, v) in buf.iter().enumerate() {
            if i > 0 {
                bytes.push(b',');
            }
            let mut one = Values::new();
            push_value(&mut one, v);
            crate::fields::render_values(&one, &mut bytes);
        }
    } else {
        crate::fields::render_values(buf, &mut bytes);
    }
    out.push_str(&String::from_utf8_lossy(&bytes));
    if list {
        out.push(')');
    }
}

fn push_value(into: &mut Values, v: Value<'_>) {
    match v {
        Value::I64(n) => into.push_i64(n),
        Value::U64(n) => into.push_u64(n),
        Value::Bool(b) => into.push_bool(b),
        Value::Ip(ip) => into.push_ip(ip),
        Value::Net(ip, p) => into.push_net(ip, p),
        Value::Bytes(b) => into.push_bytes(b),
    }
}

fn json_scalar(def: &FieldDef, v: Value<'_>) -> Json {
    match v {
        Value::I64(n) => Json::from(n),
        Value::U64(n) => Json::from(n),
        Value::Bool(b) => Json::from(b),
        Value::Bytes(b) => Json::from(String::from_utf8_lossy(b).into_owned()),
        other => {
            let mut s = String::new();
            write_value(def, other, &mut s);
            Json::from(s)
        }
    }
}

fn json_value(def: &FieldDef, buf: &Values, transforms: &[OutTransform]) -> Json {
    if !transforms.is_empty() {
        let mut s = String::new();
        render_values(def, buf, transforms, &mut s);
        return Json::from(s);
    }
    if def.has(FieldFlags::IS_LIST) {
        return Json::Array(buf.iter().map(|v| json_scalar(def, v)).collect());
    }
    match buf.len() {
        0 => Json::Null,
        1 => buf
            .get(0)
            .map(|v| json_scalar(def, v))
            .unwrap_or(Json::Null),
        _ => {
            let mut s = String::new();
            render_values(def, buf, transforms, &mut s);
            Json::from(s)
        }
    }
}

/// Civil date from days since 1970-01-01 (proleptic Gregorian).
fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (if m <= 2 { y + 1 } else { y }, m, d)
}

/// Broken-down UTC time of `ns` since the epoch: (y, m, d, H, M, S, nanos).
pub fn utc_parts(ns: u64) -> (i64, u32, u32, u32, u32, u32, u32) {
    secs_parts((ns / 1_000_000_000) as i64, (ns % 1_000_000_000) as u32)
}

fn secs_parts(secs: i64, nanos: u32) -> (i64, u32, u32, u32, u32, u32, u32) {
    let days = secs.div_euclid(86_400);
    let sod = secs.rem_euclid(86_400) as u32;
    let (y, m, d) = civil_from_days(days);
    (y, m, d, sod / 3600, (sod / 60) % 60, sod % 60, nanos)
}

/// The local time zone, resolved as glibc's `localtime_r` resolves it for sysdig and Falco
/// (`%evt.time` and `%evt.datetime` are local time, falco-rules.md §6.2): `TZ` if set (an
/// IANA name or `:name` from the zoneinfo database, an absolute TZif path, or a POSIX TZ
/// string such as `EST5EDT,M3.2.0,M11.1.0`; empty = UTC), else `/etc/localtime`, else UTC.
/// Resolving reads files once; [`LocalZone::offset_secs`] is a search over the zone's
/// transitions and rules, without allocation (safe for the per-event path).
///
/// As libsinsp (`ts_to_string` with `gmt2local(0)`), the offset applied to an event is
/// the zone's offset at the moment of printing, not at the event's time: sysdig 0.29.3
/// with `TZ=America/New_York` prints an August event 5 hours behind UTC in November.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LocalZone(jiff::tz::TimeZone);

impl LocalZone {
    /// UTC.
    pub fn utc() -> LocalZone {
        LocalZone(jiff::tz::TimeZone::UTC)
    }

    /// The zone a process with environment `TZ = tz` (`None`: unset) uses. Unknown names
    /// fall back to UTC, as glibc does.
    pub fn from_tz(tz: Option<&str>) -> LocalZone {
        use jiff::tz::TimeZone;
        let tzif = |path: &str| {
            std::fs::read(path)
                .ok()
                .and_then(|b| TimeZone::tzif(path, &b).ok())
        };
        let zone = match tz {
            None => tzif("/etc/localtime"),
            Some("") => None,
            Some(v) => {
                let name = v.strip_prefix(':').unwrap_or(v);
                if name.starts_with('/') {
                    tzif(name)
                } else {
                    TimeZone::get(name)
                        .ok()
                        .or_else(|| TimeZone::posix(name).ok())
                }
            }
        };
        LocalZone(zone.unwrap_or(TimeZone::UTC))
    }

    /// This process's zone (from `TZ` at first use), shared.
    pub fn system() -> &'static LocalZone {
        static ZONE: std::sync::OnceLock<LocalZone> = std::sync::OnceLock::new();
        ZONE.get_or_init(|| LocalZone::from_tz(std::env::var("TZ").ok().as_deref()))
    }

    /// UTC offset in seconds at `secs` since the epoch.
    pub fn offset_secs(&self, secs: i64) -> i64 {
        match jiff::Timestamp::from_second(secs) {
            Ok(ts) => i64::from(self.0.to_offset(ts).seconds()),
            Err(_) => 0,
        }
    }

    /// Broken-down local time of `ns` since the epoch, with the offset in force now
    /// (see the type's docs): (y, m, d, H, M, S, nanos).
    pub fn parts(&self, ns: u64) -> (i64, u32, u32, u32, u32, u32, u32) {
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_secs() as i64);
        self.parts_at(ns, now)
    }

    /// [`LocalZone::parts`] as printed at `now_secs` since the epoch.
    pub fn parts_at(&self, ns: u64, now_secs: i64) -> (i64, u32, u32, u32, u32, u32, u32) {
        let secs = (ns / 1_000_000_000) as i64;
        secs_parts(
            secs + self.offset_secs(now_secs),
            (ns % 1_000_000_000) as u32,
        )
    }

    /// Appends `HH:MM:SS.nnnnnnnnn` (`evt.time`) in this zone.
    pub fn write_time(&self, ns: u64, out: &mut impl std::fmt::Write) {
        let (_, _, _, h, mi, s, n) = self.parts(ns);
        let _ = write!(out, "{h:02}:{mi:02}:{s:02}.{n:09}");
    }

    /// Appends `YYYY-MM-DD HH:MM:SS.nnnnnnnnn` (`evt.datetime`) in this zone.
    pub fn write_datetime(&self, ns: u64, out: &mut impl std::fmt::Write) {
        write_datetime_parts(self.parts(ns), out);
    }
}

fn write_datetime_parts(
    (y, mo, d, h, mi, s, n): (i64, u32, u32, u32, u32, u32, u32),
    out: &mut impl std::fmt::Write,
) {
    let _ = write!(out, "{y:04}-{mo:02}-{d:02} {h:02}:{mi:02}:{s:02}.{n:09}");
}

/// `HH:MM:SS.nnnnnnnnn` in the process's local zone ([`LocalZone::system`]), as Falco.
pub fn format_time_short(ns: u64) -> String {
    let mut s = String::with_capacity(18);
    LocalZone::system().write_time(ns, &mut s);
    s
}

/// `YYYY-MM-DDTHH:MM:SS.nnnnnnnnn+0000` (always UTC, as Falco).
pub fn format_time_iso8601(ns: u64) -> String {
    let (y, mo, d, h, mi, s, n) = utc_parts(ns);
    format!("{y:04}-{mo:02}-{d:02}T{h:02}:{mi:02}:{s:02}.{n:09}+0000")
}

/// `YYYY-MM-DDTHH:MM:SS.nnnnnnnnnZ` (JSON `time`).
pub fn format_time_json(ns: u64) -> String {
    let (y, mo, d, h, mi, s, n) = utc_parts(ns);
    format!("{y:04}-{mo:02}-{d:02}T{h:02}:{mi:02}:{s:02}.{n:09}Z")
}

fn write_abstime(name: &str, ns: u64, out: &mut String) {
    match name {
        "evt.time" => LocalZone::system().write_time(ns, out),
        "evt.time.iso8601" => out.push_str(&format_time_iso8601(ns)),
        "evt.datetime" => LocalZone::system().write_datetime(ns, out),
        _ => {
            let _ = write!(out, "{ns}");
        }
    }
}

/// Alert formatting options (falco.yaml names).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AlertOptions {
    pub time_format_iso_8601: bool,
    pub json_include_output_property: bool,
    pub json_include_message_property: bool,
    pub json_include_output_fields_property: bool,
    pub json_include_tags_property: bool,
    /// `hostname` (env `FALCO_HOSTNAME`, else the host name).
    pub hostname: String,
    /// Zone of the `<time>` of text alerts without `time_format_iso_8601` (default: the
    /// process's local zone, as Falco).
    pub zone: LocalZone,
}

impl Default for AlertOptions {
    fn default() -> Self {
        AlertOptions {
            time_format_iso_8601: false,
            json_include_output_property: true,
            json_include_message_property: false,
            json_include_output_fields_property: true,
            json_include_tags_property: true,
            hostname: default_hostname(),
            zone: LocalZone::system().clone(),
        }
    }
}

/// `FALCO_HOSTNAME`, else `/proc/sys/kernel/hostname`, else `HOSTNAME`.
pub fn default_hostname() -> String {
    if let Ok(h) = std::env::var("FALCO_HOSTNAME") {
        return h;
    }
    if let Ok(h) = std::fs::read_to_string("/proc/sys/kernel/hostname") {
        return h.trim().to_string();
    }
    std::env::var("HOSTNAME").unwrap_or_default()
}

/// One alert, ready to be printed in either form.
#[derive(Debug, Clone, PartialEq)]
pub struct Alert {
    pub time_ns: u64,
    pub rule: String,
    pub priority: Priority,
    pub source: String,
    pub tags: BTreeSet<String>,
    /// The rendered rule output (without the time/priority prefix).
    pub message: String,
    /// `output_fields` (typed values, keys as written in the format).
    pub output_fields: Map<String, Json>,
}

impl Alert {
    /// `<time>: <Priority> <message>`.
    pub fn text(&self, opts: &AlertOptions) -> String {
        let t = if opts.time_format_iso_8601 {
            format_time_iso8601(self.time_ns)
        } else {
            let mut t = String::with_capacity(18);
            opts.zone.write_time(self.time_ns, &mut t);
            t
        };
        format!("{t}: {} {}", self.priority.name(), self.message)
    }

    /// The JSON object Falco emits with `json_output: true` (keys sorted).
    pub fn json(&self, opts: &AlertOptions) -> Json {
        let mut m = Map::new();
        m.insert("hostname".into(), Json::from(opts.hostname.clone()));
        if opts.json_include_output_property {
            m.insert("output".into(), Json::from(self.text(opts)));
        }
        if opts.json_include_message_property {
            m.insert("message".into(), Json::from(self.message.clone()));
        }
        if opts.json_include_output_fields_property {
            m.insert(
                "output_fields".into(),
                Json::Object(self.output_fields.clone()),
            );
        }
        m.insert("priority".into(), Json::from(self.priority.name()));
        m.insert("rule".into(), Json::from(self.rule.clone()));
        m.insert("source".into(), Json::from(self.source.clone()));
        if opts.json_include_tags_property {
            m.insert(
                "tags".into(),
                Json::Array(self.tags.iter().map(|t| Json::from(t.clone())).collect()),
            );
        }
        m.insert("time".into(), Json::from(format_time_json(self.time_ns)));
        Json::Object(m)
    }
}

/// Renders an [`Alert`] for the current event: the rule's format through `src`; the time
/// token (`evt.time` or `evt.time.iso8601`) is added to `output_fields` as integer ns.
pub fn make_alert(
    rule: &crate::rules::compile::CompiledRule,
    time_ns: u64,
    src: &mut dyn FieldSource,
    buf: &mut Values,
    opts: &AlertOptions,
) -> Alert {
    let mut message = String::new();
    rule.output_format.render(src, buf, &mut message);
    let mut fields = Map::new();
    rule.output_format.json_fields(src, buf, &mut fields);
    // The time token of the alert prefix is always there, as integer nanoseconds.
    let tkey = if opts.time_format_iso_8601 {
        "evt.time.iso8601"
    } else {
        "evt.time"
    };
    fields.insert(tkey.into(), Json::from(time_ns));
    Alert {
        time_ns,
        rule: rule.name.clone(),
        priority: rule.priority,
        source: rule.source.clone(),
        tags: rule.tags.clone(),
        message,
        output_fields: fields,
    }
}

/// A `FieldArg` helper for tests and callers building definitions by hand.
pub fn no_arg() -> FieldArg {
    FieldArg::None
}

#[cfg(test)]
mod tests {
    use super::*;
    use engine_filter::FieldId;

    struct Reg;
    impl FieldRegistry for Reg {
        fn lookup(&self, name: &str, arg: Option<&str>) -> Result<FieldDef, String> {
            let (id, ty) = match name {
                "proc.name" => (1, FieldType::Charbuf),
                "proc.pid" => (2, FieldType::Int64),
                "proc.aname" => (3, FieldType::Charbuf),
                "evt.time" => (4, FieldType::AbsTime),
                _ => return Err(format!("filter_check called with nonexistent field {name}")),
            };
            Ok(FieldDef {
                id: FieldId(id),
                arg: match arg {
                    Some(a) => FieldArg::Name(a.into()),
                    None => FieldArg::None,
                },
                ty,
                flags: FieldFlags::NONE,
                name: name.into(),
            })
        }
    }
    struct Src;
    impl FieldSource for Src {
        fn extract(
            &mut self,
            id: engine_filter::FieldId,
            _arg: &FieldArg,
            out: &mut Values,
        ) -> bool {
            match id.0 {
                1 => out.push_str("Bash"),
                2 => out.push_i64(42),
                4 => out.push_u64(1_470_327_477_881_781_397),
                _ => return false,
            }
            true
        }
    }

    #[test]
    fn greedy_tokens_and_render() {
        let f = OutputFormat::parse(
            "x %proc.name_foo (%proc.pid) %proc.aname[2] %5proc.pid|%tolower(proc.name)",
            &Reg,
        )
        .expect("parse");
        let keys: Vec<_> = f.field_keys().collect();
        assert_eq!(
            keys,
            vec![
                "proc.name",
                "proc.pid",
                "proc.aname[2]",
                "proc.pid",
                "tolower(proc.name)"
            ]
        );
        let mut out = String::new();
        f.render(&mut Src, &mut Values::new(), &mut out);
        assert_eq!(out, "x Bash_foo (42) <NA> 42   |bash");
        let mut m = Map::new();
        f.json_fields(&mut Src, &mut Values::new(), &mut m);
        assert_eq!(m.get("proc.pid"), Some(&Json::from(42)));
        assert_eq!(m.get("proc.aname[2]"), Some(&Json::Null));
    }

    #[test]
    fn errors() {
        assert_eq!(
            OutputFormat::parse("An open was seen %not_a_real_field", &Reg).unwrap_err(),
            "invalid formatting token not_a_real_field"
        );
        assert!(OutputFormat::parse("abc %", &Reg)
            .unwrap_err()
            .contains("cannot end with a %"));
    }

    #[test]
    fn alert_text_and_json() {
        let mut fields = Map::new();
        fields.insert("proc.cmdline".into(), Json::from("cat /dev/null"));
        fields.insert(
            "evt.time.iso8601".into(),
            Json::from(1_470_327_477_881_781_397u64),
        );
        let a = Alert {
            time_ns: 1_470_327_477_881_781_397,
            rule: "open_from_cat".into(),
            priority: Priority::Warning,
            source: "syscall".into(),
            tags: ["testing", "filesystem", "process"]
                .iter()
                .map(|t| t.to_string())
                .collect(),
            message: "An open was seen (command=cat /dev/null)".into(),
            output_fields: fields,
        };
        let opts = AlertOptions {
            time_format_iso_8601: true,
            hostname: "test-falco-hostname".into(),
            ..AlertOptions::default()
        };
        assert_eq!(
            a.text(&opts),
            "2016-08-04T16:17:57.881781397+0000: Warning An open was seen (command=cat /dev/null)"
        );
        assert_eq!(
            a.json(&opts).to_string(),
            concat!(
                r#"{"hostname":"test-falco-hostname","#,
                r#""output":"2016-08-04T16:17:57.881781397+0000: Warning An open was seen (command=cat /dev/null)","#,
                r#""output_fields":{"evt.time.iso8601":1470327477881781397,"proc.cmdline":"cat /dev/null"},"#,
                r#""priority":"Warning","rule":"open_from_cat","source":"syscall","#,
                r#""tags":["filesystem","process","testing"],"time":"2016-08-04T16:17:57.881781397Z"}"#
            )
        );
        let short = AlertOptions {
            hostname: "h".into(),
            zone: LocalZone::from_tz(Some("UTC0")),
            json_include_output_property: false,
            json_include_tags_property: false,
            json_include_message_property: true,
            ..AlertOptions::default()
        };
        let j = a.json(&short);
        assert!(j.get("output").is_none() && j.get("tags").is_none());
        assert_eq!(j["message"], "An open was seen (command=cat /dev/null)");
        assert_eq!(
            a.text(&short),
            "16:17:57.881781397: Warning An open was seen (command=cat /dev/null)"
        );
    }

    #[test]
    fn times() {
        let ns = 1_470_327_477_881_781_397;
        assert_eq!(
            format_time_iso8601(ns),
            "2016-08-04T16:17:57.881781397+0000"
        );
        assert_eq!(format_time_json(ns), "2016-08-04T16:17:57.881781397Z");
        // Local time (TZ given explicitly): fixed offsets, and a zone with DST rules.
        let utc = LocalZone::from_tz(Some(""));
        assert_eq!(utc, LocalZone::utc());
        let time = |z: &LocalZone, ns: u64| {
            let mut s = String::new();
            z.write_time(ns, &mut s);
            s
        };
        assert_eq!(time(&utc, ns), "16:17:57.881781397");
        let ist = LocalZone::from_tz(Some("IST-5:30"));
        assert_eq!(time(&ist, ns), "21:47:57.881781397");
        // A zone with DST rules: the offset is the one in force when printing.
        let us = LocalZone::from_tz(Some("EST5EDT,M3.2.0,M11.1.0"));
        let nov_2026 = 1_795_348_800; // 2026-11-22T12:00:00Z, EST
        let jul_2026 = 1_783_944_000; // 2026-07-13T12:00:00Z, EDT
        let hms = |p: (i64, u32, u32, u32, u32, u32, u32)| (p.3, p.4, p.5);
        assert_eq!(hms(us.parts_at(ns, nov_2026)), (11, 17, 57));
        assert_eq!(hms(us.parts_at(ns, jul_2026)), (12, 17, 57));
        assert_eq!(us.offset_secs(jul_2026), -4 * 3600);
        // As sysdig 0.29.3 printed them in November 2026 for libs_e2e_curl_google.scap's
        // first event (August 2018) with TZ=IST-5:30 and TZ=EST5EDT,M3.2.0,M11.1.0
        // (%evt.time | %evt.datetime): the EST offset, although the event is in summer.
        let first = 1_534_527_348_514_632_619;
        let mut b = String::new();
        write_datetime_parts(us.parts_at(first, nov_2026), &mut b);
        assert_eq!(b, "2018-08-17 12:35:48.514632619");
        let mut a = String::new();
        ist.write_time(first, &mut a);
        assert_eq!(a, "23:05:48.514632619");
        // The local date follows the shifted time.
        let mut c = String::new();
        write_datetime_parts(us.parts_at(3_600_000_000_000, nov_2026), &mut c);
        assert_eq!(c, "1969-12-31 20:00:00.000000000");
        // Before the epoch's local midnight and unknown names (UTC, as glibc).
        assert_eq!(time(&ist, 0), "05:30:00.000000000");
        assert_eq!(
            time(&LocalZone::from_tz(Some("Not/AZone")), 0),
            "00:00:00.000000000"
        );
        let west = LocalZone::from_tz(Some("XST10"));
        assert_eq!(time(&west, 0), "14:00:00.000000000");
        // The alert line uses the zone of its options.
        let a = Alert {
            time_ns: ns,
            rule: "r".into(),
            priority: Priority::Warning,
            source: "syscall".into(),
            tags: BTreeSet::new(),
            message: "m".into(),
            output_fields: Map::new(),
        };
        let opts = AlertOptions {
            zone: ist,
            ..AlertOptions::default()
        };
        assert_eq!(a.text(&opts), "21:47:57.881781397: Warning m");
    }
}
