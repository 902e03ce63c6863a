//! Event-type inference (falco-rules.md §3.9): the set of event codes on which a condition
//! can be true, used to index rules by event type, to push the needed syscalls down to
//! the drivers, and for LOAD_NO_EVTTYPE.
//!
//! * [`EventSet`]: a 512-bit set of event codes.
//! * [`event_ids_for_name`]: `open` → every event id named `open` in the libs-master table
//!   (enter and exit, old versions included), `ptrace`-like syscalls without a dedicated
//!   event → the generic events, meta events (`container`, `asyncevent`...) by name.
//! * [`infer_event_types`]: the inference over an expanded AST.

use crate::ast::*;
use scap_abi::event::{flags::EF_UNUSED, EVENTS_MASTER, PPM_SC_NAMES};
use std::fmt;
use thiserror::Error;

/// Number of event codes in the libs-master table (PPM_EVENT_MAX).
pub const PPM_EVENT_MAX: usize = EVENTS_MASTER.len();

/// Generic syscall events (`syscall` enter/exit).
pub const GENERIC_E: u16 = 0;
/// Generic syscall exit event.
pub const GENERIC_X: u16 = 1;

/// A set of event codes, 512 bits.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct EventSet([u64; 8]);

impl EventSet {
    /// The empty set.
    pub const fn empty() -> EventSet {
        EventSet([0; 8])
    }
    /// Every code of the libs-master table (`0..PPM_EVENT_MAX`).
    pub fn all() -> EventSet {
        let mut s = EventSet::empty();
        for id in 0..PPM_EVENT_MAX {
            s.insert(id as u16);
        }
        s
    }
    /// Adds a code (codes ≥ 512 are ignored).
    pub fn insert(&mut self, id: u16) {
        if let Some(w) = self.0.get_mut(id as usize / 64) {
            *w |= 1 << (id % 64);
        }
    }
    /// Removes a code.
    pub fn remove(&mut self, id: u16) {
        if let Some(w) = self.0.get_mut(id as usize / 64) {
            *w &= !(1 << (id % 64));
        }
    }
    /// Membership.
    pub fn contains(&self, id: u16) -> bool {
        self.0
            .get(id as usize / 64)
            .is_some_and(|w| w & (1 << (id % 64)) != 0)
    }
    /// Number of codes.
    pub fn len(&self) -> usize {
        self.0.iter().map(|w| w.count_ones() as usize).sum()
    }
    /// Whether the set is empty.
    pub fn is_empty(&self) -> bool {
        self.0.iter().all(|w| *w == 0)
    }
    /// Union.
    pub fn union(&self, o: &EventSet) -> EventSet {
        let mut r = *self;
        r.0.iter_mut().zip(o.0.iter()).for_each(|(a, b)| *a |= b);
        r
    }
    /// Intersection.
    pub fn intersection(&self, o: &EventSet) -> EventSet {
        let mut r = *self;
        r.0.iter_mut().zip(o.0.iter()).for_each(|(a, b)| *a &= b);
        r
    }
    /// Complement within [`EventSet::all`].
    pub fn complement(&self) -> EventSet {
        let all = EventSet::all();
        let mut r = *self;
        r.0.iter_mut()
            .zip(all.0.iter())
            .for_each(|(a, b)| *a = !*a & b);
        r
    }
    /// The codes, ascending.
    pub fn iter(&self) -> impl Iterator<Item = u16> + '_ {
        (0..512u16).filter(move |i| self.contains(*i))
    }
}

impl fmt::Debug for EventSet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_set().entries(self.iter()).finish()
    }
}

impl FromIterator<u16> for EventSet {
    fn from_iter<T: IntoIterator<Item = u16>>(iter: T) -> EventSet {
        let mut s = EventSet::empty();
        iter.into_iter().for_each(|i| s.insert(i));
        s
    }
}

/// The event codes a name used with `evt.type` stands for, or `None` for an unknown name
/// ("unknown event type X"): every used event of the libs-master table with that name
/// (enter, exit and old versions), plus the generic events when the name is a syscall
/// (in `PPM_SC_NAMES`) without a dedicated event.
pub fn event_ids_for_name(name: &str) -> Option<EventSet> {
    let mut s = EventSet::empty();
    for (id, info) in EVENTS_MASTER.iter().enumerate() {
        if info.flags & EF_UNUSED == 0 && info.name == name {
            s.insert(id as u16);
        }
    }
    if s.is_empty() && !name.starts_with('<') && PPM_SC_NAMES.contains(&name) {
        s.insert(GENERIC_E);
        s.insert(GENERIC_X);
    }
    (!s.is_empty()).then_some(s)
}

/// The name of an event code in the libs-master table (`"NA"` when out of range).
pub fn event_name(id: u16) -> &'static str {
    EVENTS_MASTER.get(id as usize).map_or("NA", |i| i.name)
}

/// An error found while inferring event types.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[error("{message}")]
pub struct EvttypeError {
    /// What is wrong.
    pub message: String,
    /// Where.
    pub pos: Pos,
}

/// Inference settings.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct InferOptions {
    /// Libs master only: `evt.num=0`, `<1`, `<=0`, `in (0)`, `in ()` match nothing (0.44.1: neutral).
    pub evt_num_invariants: bool,
}

/// Result of a leaf or subtree: a set, or "neutral" (all codes, unaffected by `not`).
#[derive(Clone, Copy)]
enum Leaf {
    Neutral,
    Set(EventSet),
}

impl Leaf {
    fn set(self) -> EventSet {
        match self {
            Leaf::Neutral => EventSet::all(),
            Leaf::Set(s) => s,
        }
    }
}

/// The event codes on which `expr` (macros already expanded) can be true.
/// `and` intersects, `or` unions, `not` is pushed to the leaves and complements only
/// `evt.type` leaves; every other leaf is neutral (all codes).
pub fn infer_event_types(expr: &Expr, opts: InferOptions) -> Result<EventSet, EvttypeError> {
    Ok(infer(expr, false, opts)?.set())
}

fn infer(e: &Expr, neg: bool, opts: InferOptions) -> Result<Leaf, EvttypeError> {
    match e {
        Expr::And { children, .. } | Expr::Or { children, .. } => {
            // and under `not` becomes or (De Morgan), and vice versa.
            let is_and = matches!(e, Expr::And { .. }) != neg;
            let mut acc: Option<EventSet> = None;
            let mut all_neutral = true;
            for c in children {
                let l = infer(c, neg, opts)?;
                if let Leaf::Set(_) = l {
                    all_neutral = false;
                }
                let s = l.set();
                acc = Some(match acc {
                    None => s,
                    Some(a) if is_and => a.intersection(&s),
                    Some(a) => a.union(&s),
                });
            }
            if all_neutral {
                return Ok(Leaf::Neutral);
            }
            Ok(Leaf::Set(acc.unwrap_or_else(EventSet::all)))
        }
        Expr::Not { child, .. } => infer(child, !neg, opts),
        Expr::Macro { .. } => Ok(Leaf::Neutral),
        Expr::Check(c) => check_leaf(c, neg, opts),
    }
}

fn check_leaf(c: &Check, neg: bool, opts: InferOptions) -> Result<Leaf, EvttypeError> {
    let lhs_name = match &c.lhs {
        Operand::Field(f) => f.name.as_str(),
        Operand::Transformer(t) => {
            let mut on_evt_type = false;
            walk_targs(&t.args, &mut |f| on_evt_type |= is_evt_type(&f.name));
            if on_evt_type {
                return Err(EvttypeError {
                    message: "transformers are not supported on 'evt.type' for event-type indexing"
                        .into(),
                    pos: c.pos,
                });
            }
            return Ok(Leaf::Neutral);
        }
    };
    if opts.evt_num_invariants && lhs_name == "evt.num" {
        if let Some(vals) = rhs_values(c) {
            let nums: Vec<Option<i64>> = vals.iter().map(|v| v.parse::<i64>().ok()).collect();
            let first = nums.first().copied().flatten();
            let empty = match (c.op, c.modifier) {
                (Op::Eq | Op::EqEq, None) => first == Some(0),
                (Op::Lt, None) => first == Some(1),
                (Op::Le, None) => first == Some(0),
                (Op::In, None) => nums.iter().all(|n| *n == Some(0)),
                _ => false,
            };
            if empty {
                return Ok(Leaf::Set(if neg {
                    EventSet::all()
                } else {
                    EventSet::empty()
                }));
            }
        }
        return Ok(Leaf::Neutral);
    }
    if !is_evt_type(lhs_name) {
        return Ok(Leaf::Neutral);
    }
    if matches!(c.rhs, Some(Rhs::Val(_)) | Some(Rhs::Transformer(_))) {
        return Err(EvttypeError {
            message: "fields on the right-hand side of an 'evt.type' comparison are not supported"
                .into(),
            pos: c.pos,
        });
    }
    let names = |vals: &[&str]| -> EventSet {
        vals.iter()
            .filter_map(|v| event_ids_for_name(v))
            .fold(EventSet::empty(), |a, s| a.union(&s))
    };
    let (set, negatable) = match (c.op, c.modifier) {
        (Op::Exists, _) => (EventSet::all(), true),
        (Op::Eq | Op::EqEq | Op::In, None) | (Op::Eq | Op::EqEq, Some(Modifier::AnyOf)) => {
            match rhs_values(c) {
                Some(v) => (names(&v), true),
                None => return Ok(Leaf::Neutral),
            }
        }
        (Op::Ne, None) => match rhs_values(c) {
            Some(v) => (names(&v).complement(), true),
            None => return Ok(Leaf::Neutral),
        },
        _ => (EventSet::all(), false),
    };
    if !negatable {
        return Ok(Leaf::Neutral);
    }
    Ok(Leaf::Set(if neg { set.complement() } else { set }))
}

fn rhs_values(c: &Check) -> Option<Vec<&str>> {
    match &c.rhs {
        Some(Rhs::Value(v)) => Some(vec![v.text.as_str()]),
        Some(Rhs::List(l)) => Some(l.items.iter().map(|i| i.text.as_str()).collect()),
        _ => None,
    }
}

fn is_evt_type(name: &str) -> bool {
    name == "evt.type" || name == "syscall.type"
}

fn walk_targs(args: &[TArg], f: &mut impl FnMut(&FieldRef)) {
    for a in args {
        match a {
            TArg::Field(fr) => f(fr),
            TArg::Transformer(t) => walk_targs(&t.args, f),
            TArg::List(items, _) => walk_targs(items, f),
            TArg::Value(_) => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parser::parse;
    use scap_abi::event::ids;

    fn infer_str(s: &str) -> EventSet {
        infer_event_types(&parse(s).unwrap(), InferOptions::default()).unwrap()
    }

    #[test]
    fn names_map_to_all_versions() {
        let open = event_ids_for_name("open").unwrap();
        assert!(open.contains(ids::OPEN_E) && open.contains(ids::OPEN_X));
        assert_eq!(open.len(), 2);
        let execve = event_ids_for_name("execve").unwrap();
        assert!(
            execve.len() >= 10,
            "execve has many historical versions: {execve:?}"
        );
        assert!(execve
            .iter()
            .all(|i| scap_abi::event::info(i).unwrap().name == "execve"));
        // A syscall without a dedicated event maps to the generic events.
        let g = event_ids_for_name("restart_syscall").unwrap();
        assert_eq!(g.iter().collect::<Vec<_>>(), vec![GENERIC_E, GENERIC_X]);
        assert!(event_ids_for_name("container").is_some());
        assert!(event_ids_for_name("asyncevent").is_some());
        assert!(event_ids_for_name("some_invalid_event").is_none());
        assert!(
            event_ids_for_name("NA").is_none(),
            "unused slots are not names"
        );
    }

    #[test]
    fn inference() {
        let open = event_ids_for_name("open").unwrap();
        let openat = event_ids_for_name("openat").unwrap();
        let both = open.union(&openat);
        assert_eq!(infer_str("evt.type = open"), open);
        assert_eq!(
            infer_str("evt.type in (open, openat) and proc.name = cat"),
            both
        );
        assert_eq!(infer_str("syscall.type = open or evt.type = openat"), both);
        assert_eq!(infer_str("evt.type != open"), open.complement());
        assert_eq!(infer_str("not evt.type = open"), open.complement());
        assert_eq!(infer_str("not evt.type != open"), open);
        assert_eq!(infer_str("proc.name = cat"), EventSet::all());
        // Neutral leaves stay neutral under not.
        assert_eq!(infer_str("not proc.name = cat"), EventSet::all());
        assert_eq!(infer_str("evt.type = open and not proc.name = cat"), open);
        // De Morgan: not (A or B) = not A and not B.
        assert_eq!(
            infer_str("not (evt.type = open or evt.type = openat)"),
            both.complement()
        );
        assert_eq!(
            infer_str("not (evt.type = open and proc.name = x)"),
            EventSet::all()
        );
        assert_eq!(infer_str("evt.type exists"), EventSet::all());
        assert!(infer_str("not evt.type exists").is_empty());
        assert_eq!(infer_str("evt.type startswith open"), EventSet::all());
        assert_eq!(
            infer_str("evt.type = open and evt.type = openat"),
            EventSet::empty()
        );
        assert_eq!(infer_str("evt.num = 0"), EventSet::all());
        let m = InferOptions {
            evt_num_invariants: true,
        };
        assert!(infer_event_types(&parse("evt.num = 0").unwrap(), m)
            .unwrap()
            .is_empty());
        assert_eq!(
            infer_event_types(&parse("not evt.num = 0").unwrap(), m).unwrap(),
            EventSet::all()
        );
        assert!(infer_event_types(
            &parse("tolower(evt.type) = open").unwrap(),
            InferOptions::default()
        )
        .is_err());
        assert!(infer_event_types(
            &parse("evt.type = val(proc.name)").unwrap(),
            InferOptions::default()
        )
        .is_err());
        assert_eq!(EventSet::all().len(), PPM_EVENT_MAX);
    }
}
