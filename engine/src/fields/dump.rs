//! The dump engine behind `replay FILE -p FORMAT [FILTER]`: reads capture files, rebuilds
//! state, and prints one line per event (enter and exit, as sysdig does) that passes the
//! filter, formatted with `%field` references. Internal events (procinfo, container
//! meta-events...) are not printed, and state-only events are hidden, as in sysdig.
//!
//! ```no_run
//! let mut out = Vec::new();
//! let opts = engine::fields::dump::DumpOptions::new("%evt.num %proc.name %fd.name");
//! engine::fields::dump::dump(&["trace.scap"], &opts, &mut out).unwrap();
//! ```
//!
//! The filter is any [`EventFilter`]; [`SimpleFilter`] compiles a Falco condition with the
//! engine-filter parser and evaluates it directly over the field extractors (the rule
//! engine's compiled programs plug in through the same trait).

use std::io::Write;

use engine_filter::ast::{Check, Expr, Op, Rhs};
use engine_filter::{FieldDef, FieldType, Value, Values};

use super::{extract, Ctx, Format, Registry, F};
use crate::state::feed::{FeedError, Feeder};
use crate::state::State;

/// Dump errors.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum DumpError {
    /// Reading a capture failed.
    #[error(transparent)]
    Capture(#[from] FeedError),
    /// Bad format string.
    #[error("invalid format: {0}")]
    Format(String),
    /// Bad filter.
    #[error("invalid filter: {0}")]
    Filter(String),
    /// Writing the output failed.
    #[error("write error: {0}")]
    Io(#[from] std::io::Error),
}

/// Decides whether an event is printed.
pub trait EventFilter {
    /// True when the event passes.
    fn matches(&mut self, c: &mut Ctx<'_>) -> bool;
}

/// Options of one dump run.
#[derive(Debug, Clone)]
pub struct DumpOptions {
    /// `-p` format (a leading `*` prints lines even when fields are missing).
    pub format: String,
    /// Optional filter condition.
    pub filter: Option<String>,
    /// Stop after this many printed lines.
    pub limit: Option<u64>,
    /// Also process event types sysdig 0.29.3 does not know (newer libs captures);
    /// numbering then differs from sysdig's.
    pub newer_events: bool,
}

impl DumpOptions {
    /// Options with a format and no filter.
    pub fn new(format: &str) -> DumpOptions {
        DumpOptions {
            format: format.to_string(),
            filter: None,
            limit: None,
            newer_events: false,
        }
    }
}

/// Statistics of a run.
#[derive(Debug, Clone, Copy, Default)]
pub struct DumpStats {
    /// Events read.
    pub events: u64,
    /// Lines printed.
    pub lines: u64,
}

/// Internal (EC_INTERNAL) events are never printed by sysdig.
fn is_internal(ty: u16) -> bool {
    scap_abi::event::info_e5c53d64(ty)
        .map(|i| i.category & 256 != 0)
        .unwrap_or(false)
        || matches!(ty, 272 | 273 | 324 | 325)
}

/// Dumps `files` in order (each with fresh state) to `out`.
pub fn dump<W: Write>(
    files: &[&str],
    opts: &DumpOptions,
    out: &mut W,
) -> Result<DumpStats, DumpError> {
    let fmt = Format::compile(&opts.format).map_err(DumpError::Format)?;
    let mut filter = match &opts.filter {
        Some(f) => Some(SimpleFilter::compile(f).map_err(DumpError::Filter)?),
        None => None,
    };
    let mut stats = DumpStats::default();
    let mut line = Vec::with_capacity(512);
    let mut vals = Values::new();
    let mut w = std::io::BufWriter::with_capacity(1 << 16, out);
    for f in files {
        let mut st = State::new();
        let (mut r, mut feed) = Feeder::open(f)?;
        feed.skip_newer_events = !opts.newer_events;
        while let Some(rec) = feed.read(&mut r)? {
            let Some(e) = feed.feed(&mut st, rec)? else {
                continue;
            };
            stats.events += 1;
            // sysdig's order: events that do not modify state are filtered before their
            // parser runs (and a rejected one is not parsed at all, breaking the pairing of
            // its exit); state-changing events are parsed first, then filtered.
            st.begin(&e);
            let mut pass = true;
            if let Some(fl) = filter.as_mut() {
                if !st.modifies_state(&e) {
                    let mut c = Ctx::new(&st, &e);
                    if !fl.matches(&mut c) {
                        st.reject_unparsed(&e);
                        continue;
                    }
                } else {
                    pass = false;
                }
            }
            st.parse(&e);
            if !pass {
                if let Some(fl) = filter.as_mut() {
                    let mut c = Ctx::new(&st, &e);
                    pass = fl.matches(&mut c);
                }
                if !pass {
                    // Filtered out after parsing: libsinsp returns before event_cleanup.
                    continue;
                }
            }
            let print = !st.cur.filtered_out && !is_internal(e.ty);
            if print {
                let mut c = Ctx::new(&st, &e);
                if fmt.render(&mut c, &mut vals, &mut line) {
                    line.push(b'\n');
                    w.write_all(&line)?;
                    stats.lines += 1;
                }
            }
            st.end_event(&e);
            if let Some(l) = opts.limit {
                if stats.lines >= l {
                    break;
                }
            }
        }
    }
    w.flush()?;
    Ok(stats)
}

/// A directly-evaluated Falco condition (macros and lists must already be expanded).
#[derive(Debug)]
pub struct SimpleFilter {
    root: Node,
    vals: Values,
}

#[derive(Debug)]
enum Node {
    And(Vec<Node>),
    Or(Vec<Node>),
    Not(Box<Node>),
    Cmp {
        def: FieldDef,
        op: Op,
        consts: Vec<Vec<u8>>,
    },
    /// `evt.type = X` / `evt.type in (...)` as a precomputed event-id set (generic events,
    /// named by their syscall, are compared by name).
    Types(engine_filter::EventSet, Box<Node>),
}

fn cost(n: &Node) -> u32 {
    match n {
        Node::Types(..) => 0,
        Node::Cmp { .. } => 2,
        Node::Not(x) => cost(x),
        Node::And(v) | Node::Or(v) => v.iter().map(cost).sum::<u32>() + 1,
    }
}

impl SimpleFilter {
    /// Parses and resolves a condition.
    pub fn compile(text: &str) -> Result<SimpleFilter, String> {
        let e = engine_filter::parse(text).map_err(|e| e.to_string())?;
        Ok(SimpleFilter {
            root: build(&e)?,
            vals: Values::new(),
        })
    }
}

fn build(e: &Expr) -> Result<Node, String> {
    Ok(match e {
        // Conditions are side-effect free: cheaper children first.
        Expr::And { children, .. } => {
            let mut v: Vec<Node> = children.iter().map(build).collect::<Result<_, _>>()?;
            v.sort_by_key(cost);
            Node::And(v)
        }
        Expr::Or { children, .. } => {
            let mut v: Vec<Node> = children.iter().map(build).collect::<Result<_, _>>()?;
            v.sort_by_key(cost);
            Node::Or(v)
        }
        Expr::Not { child, .. } => Node::Not(Box::new(build(child)?)),
        Expr::Macro { name, .. } => return Err(format!("undefined macro '{name}'")),
        Expr::Check(c) => build_check(c)?,
    })
}

fn build_check(c: &Check) -> Result<Node, String> {
    let engine_filter::ast::Operand::Field(f) = &c.lhs else {
        return Err("transformers are not supported in dump filters".into());
    };
    let def = Registry.resolve(&f.name, f.arg.as_deref())?;
    let consts = match &c.rhs {
        None => vec![],
        Some(Rhs::Value(v)) => vec![v.text.clone().into_bytes()],
        Some(Rhs::List(l)) => l
            .items
            .iter()
            .map(|v| v.text.clone().into_bytes())
            .collect(),
        Some(_) => return Err("field comparisons are not supported in dump filters".into()),
    };
    if def.name.as_ref() == "evt.type" && matches!(c.op, Op::Eq | Op::EqEq | Op::In) {
        let mut set = engine_filter::EventSet::default();
        for k in &consts {
            let name = std::str::from_utf8(k).unwrap_or("");
            // Our evt.type names come from the e5c53d64 table (generic events by syscall).
            for id in 0..scap_abi::event::EVENTS_E5C53D64.len() as u16 {
                if id > 1 && scap_abi::event::info_e5c53d64(id).map(|i| i.name) == Some(name) {
                    set.insert(id);
                }
            }
        }
        return Ok(Node::Types(
            set,
            Box::new(Node::Cmp {
                def,
                op: c.op,
                consts,
            }),
        ));
    }
    Ok(Node::Cmp {
        def,
        op: c.op,
        consts,
    })
}

impl EventFilter for SimpleFilter {
    fn matches(&mut self, c: &mut Ctx<'_>) -> bool {
        let mut vals = std::mem::take(&mut self.vals);
        let r = eval(&self.root, c, &mut vals);
        self.vals = vals;
        r
    }
}

fn eval(n: &Node, c: &mut Ctx<'_>, vals: &mut Values) -> bool {
    match n {
        Node::And(v) => v.iter().all(|x| eval(x, c, vals)),
        Node::Or(v) => v.iter().any(|x| eval(x, c, vals)),
        Node::Not(x) => !eval(x, c, vals),
        Node::Types(set, generic) => {
            if c.evt.ty <= 1 {
                eval(generic, c, vals)
            } else {
                set.contains(c.evt.ty)
            }
        }
        Node::Cmp { def, op, consts } => {
            vals.clear();
            let Some(f) = F::from_id(def.id.0) else {
                return false;
            };
            if !extract(c, f, &def.arg, vals) {
                return false;
            }
            if *op == Op::Exists {
                return true;
            }
            let ne = *op == Op::Ne;
            let any = vals
                .iter()
                .any(|v| consts.iter().any(|k| cmp(def.ty, *op, &v, k)));
            if ne {
                !vals
                    .iter()
                    .any(|v| consts.iter().any(|k| cmp(def.ty, Op::Eq, &v, k)))
            } else {
                any
            }
        }
    }
}

fn num(v: &Value<'_>) -> Option<i128> {
    v.as_i128()
}

fn cmp(ty: FieldType, op: Op, v: &Value<'_>, k: &[u8]) -> bool {
    if ty.is_numeric() || ty == FieldType::Bool {
        let Some(a) = num(v) else { return false };
        let ks = std::str::from_utf8(k).unwrap_or("");
        let b: i128 = match ks {
            "true" => 1,
            "false" => 0,
            _ => match ks.parse() {
                Ok(x) => x,
                Err(_) => return false,
            },
        };
        return match op {
            Op::Eq | Op::EqEq | Op::In => a == b,
            Op::Ne => a != b,
            Op::Lt => a < b,
            Op::Le => a <= b,
            Op::Gt => a > b,
            Op::Ge => a >= b,
            _ => false,
        };
    }
    if let Value::Ip(ip) = v {
        let ks = std::str::from_utf8(k).unwrap_or("");
        return match op {
            Op::Eq | Op::EqEq | Op::In | Op::Ne => ks
                .parse::<std::net::IpAddr>()
                .map(|x| x == *ip)
                .unwrap_or(false),
            _ => false,
        };
    }
    let Some(a) = v.as_bytes() else { return false };
    match op {
        Op::Eq | Op::EqEq | Op::In | Op::Ne => a == k,
        Op::Contains | Op::BContains => memfind(a, k),
        Op::IContains => memfind(&a.to_ascii_lowercase(), &k.to_ascii_lowercase()),
        Op::StartsWith | Op::BStartsWith => a.starts_with(k),
        Op::EndsWith => a.ends_with(k),
        Op::Glob => super::glob_match(k, a),
        Op::IGlob => super::glob_match(&k.to_ascii_lowercase(), &a.to_ascii_lowercase()),
        Op::PMatch => a == k || (a.starts_with(k) && a.get(k.len()) == Some(&b'/')),
        Op::Lt => a < k,
        Op::Le => a <= k,
        Op::Gt => a > k,
        Op::Ge => a >= k,
        _ => false,
    }
}

fn memfind(h: &[u8], n: &[u8]) -> bool {
    n.is_empty() || h.windows(n.len()).any(|w| w == n)
}
