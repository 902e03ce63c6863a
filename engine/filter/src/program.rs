//! Compilation of an expanded AST into an immutable [`Program`], and its evaluation.
//!
//! [`compile`] resolves every field through a [`FieldRegistry`], type-checks operators,
//! transformers and right-hand sides (§3.3–3.5), coerces constants to the field type and
//! prepares them: hash sets for `in`/`intersects`, a component trie for `pmatch`,
//! anchored regexes, memmem finders, decoded hex for the b-ops, CIDR networks. The
//! operands of `and`/`or` are then ordered by cost class (costly checks last, the written
//! order otherwise) and the tree is lowered to jump code ([`Insn`]): the evaluator is a
//! flat loop without recursion.
//!
//! [`Program::eval_with`] evaluates against a [`FieldSource`] using a caller-owned
//! [`Scratch`], reused across events and programs: no allocation per event once it has
//! grown. Per event, the scratch caches every extracted field (one extraction per field
//! and event, whatever the number of checks and programs reading it) and the results of
//! memoized subtrees (costly checks and macro bodies, identified by their canonical
//! structure, so the programs of different rules share them). Field operands and memo
//! cells get process-wide dense indexes at compile time, so the caches are plain arrays
//! indexed without hashing; a generation counter invalidates them per event.
//! `and`/`or` short-circuit; a missing value makes a check false whatever the operator,
//! only `not` flips it. Checks are pure, which is what makes reordering and caching
//! invisible in the results.

use crate::ast::*;
use crate::evttype::event_ids_for_name;
use crate::field::*;
use crate::ops;
use memchr::memmem;
use std::cell::RefCell;
use std::cmp::Ordering;
use std::collections::HashSet;
use std::hash::{BuildHasher, Hasher};
use std::net::IpAddr;
use thiserror::Error;

/// A compile error: libsinsp's wording and the position of the offending node.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[error("{message}")]
pub struct CompileError {
    /// The message.
    pub message: String,
    /// Position (in the text the node was parsed from; macro bodies keep their own).
    pub pos: Pos,
}

fn cerr<T>(pos: Pos, msg: impl Into<String>) -> Result<T, CompileError> {
    Err(CompileError {
        message: msg.into(),
        pos,
    })
}

/// How the values of an operand combine in a check.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mode {
    /// One value.
    Scalar,
    /// A list value (`in`: every element in the set; `intersects`: some).
    List,
    /// Any candidate satisfies the check (`proc.aname`).
    Any,
    /// Either connection end (`fd.ip`): any for `=`, none-equal for `!=`.
    EitherEnd,
}

/// Marks an operand or node without a dense index (the interner is full): fields then
/// use their program slot, nodes are not memoized.
const NO_INDEX: u32 = u32::MAX;

/// A compiled operand producing values. Fields live in the scratch's per-event field
/// cache (one extraction per event and distinct field); transformer results in the
/// program's scratch slots; constants in the program itself.
#[derive(Debug)]
enum Src {
    Field {
        id: FieldId,
        arg: FieldArg,
        /// Dense index in [`Scratch::fields`] (or [`NO_INDEX`]: use `slot`).
        key: u32,
        slot: usize,
    },
    Const(Values),
    /// A transformer list `(a, b, ...)`: the values of every item, as strings.
    List {
        items: Vec<Src>,
        slot: usize,
    },
    /// `opt`: getopt's selector character (0 = list mode); `list_in`: `len` of a list.
    Transform {
        kind: TransformerKind,
        args: Vec<Src>,
        slot: usize,
        opt: u8,
        list_in: bool,
    },
}

/// A small multiplicative hasher (FxHash-style) for the constant sets: keys come from the
/// rules, lookups from events, and lookups never insert, so hash flooding cannot grow work.
#[derive(Debug, Default, Clone, Copy)]
struct FxBuild;

#[derive(Debug, Default)]
struct Fx(u64);

impl Fx {
    #[inline]
    fn add(&mut self, w: u64) {
        self.0 = (self.0.rotate_left(5) ^ w).wrapping_mul(0x517c_c1b7_2722_0a95);
    }
}

impl Hasher for Fx {
    #[inline]
    fn write(&mut self, bytes: &[u8]) {
        let mut chunks = bytes.chunks_exact(8);
        for c in &mut chunks {
            let mut b = [0u8; 8];
            b.copy_from_slice(c);
            self.add(u64::from_le_bytes(b));
        }
        let rest = chunks.remainder();
        if !rest.is_empty() {
            let mut b = [0u8; 8];
            b[..rest.len()].copy_from_slice(rest);
            self.add(u64::from_le_bytes(b));
        }
    }
    #[inline]
    fn write_usize(&mut self, n: usize) {
        self.add(n as u64);
    }
    #[inline]
    fn finish(&self) -> u64 {
        self.0
    }
}

impl BuildHasher for FxBuild {
    type Hasher = Fx;
    fn build_hasher(&self) -> Fx {
        Fx(0)
    }
}

/// A prepared constant.
#[derive(Debug, Clone)]
enum Const {
    Int(i128),
    Bool(bool),
    Ip(IpAddr),
    Net(IpAddr, u8),
    Bytes(Box<[u8]>),
}

/// A prepared single-constant matcher.
#[derive(Debug)]
enum Matcher {
    Eq(Const),
    Ord(Op, Const),
    Contains(Box<memmem::Finder<'static>>),
    IContains(Box<[u8]>),
    StartsWith(Box<[u8]>),
    EndsWith(Box<[u8]>),
    Glob(Box<[u8]>, bool),
    Regex(regex::bytes::Regex),
}

#[derive(Debug)]
enum Rhs2 {
    Exists,
    One(Matcher),
    /// `!=`: the negation of an equality matcher (missing value still false).
    Ne(Const),
    BytesSet(ops::ByteSet),
    IntSet(HashSet<i128, FxBuild>),
    OtherSet(Vec<Const>),
    PMatch(ops::PathSet),
    Modifier(Modifier, Vec<Matcher>, bool),
    Field(Src),
}

/// A compiled check: most are one cached scalar field against a prepared constant test
/// ([`CheckNode::Fast`]); the rest take the general path.
#[derive(Debug)]
enum CheckNode {
    Fast {
        id: FieldId,
        arg: FieldArg,
        /// Dense field-cache index (never [`NO_INDEX`]).
        key: u32,
        test: FastTest,
    },
    General {
        lhs: Src,
        mode: Mode,
        op: Op,
        rhs: Rhs2,
    },
}

/// A right-hand side specialised for one value (same results as the general
/// [`test_const`] on the [`Rhs2`] it comes from).
#[derive(Debug)]
enum FastTest {
    Exists,
    BytesEq(Box<[u8]>),
    BytesNe(Box<[u8]>),
    BytesIn(ops::ByteSet),
    StartsWith(Box<[u8]>),
    EndsWith(Box<[u8]>),
    Contains(Box<memmem::Finder<'static>>),
    IntEq(i128),
    IntNe(i128),
    IntOrd(Op, i128),
    IntIn(HashSet<i128, FxBuild>),
    BoolEq(bool),
}

impl CheckNode {
    /// Specialises a check when its left operand is a plain cached scalar field and its
    /// right-hand side a constant test with a fast form.
    fn new(lhs: Src, mode: Mode, op: Op, rhs: Rhs2) -> CheckNode {
        let (id, arg, key, slot) = match lhs {
            Src::Field { id, arg, key, slot } if key != NO_INDEX && mode == Mode::Scalar => {
                (id, arg, key, slot)
            }
            lhs => return CheckNode::General { lhs, mode, op, rhs },
        };
        let test = match rhs {
            Rhs2::Exists => FastTest::Exists,
            Rhs2::One(Matcher::Eq(Const::Bytes(k))) => FastTest::BytesEq(k),
            Rhs2::One(Matcher::Eq(Const::Int(k))) => FastTest::IntEq(k),
            Rhs2::One(Matcher::Eq(Const::Bool(k))) => FastTest::BoolEq(k),
            Rhs2::One(Matcher::Ord(o, Const::Int(k))) => FastTest::IntOrd(o, k),
            Rhs2::One(Matcher::StartsWith(p)) => FastTest::StartsWith(p),
            Rhs2::One(Matcher::EndsWith(p)) => FastTest::EndsWith(p),
            Rhs2::One(Matcher::Contains(f)) => FastTest::Contains(f),
            Rhs2::Ne(Const::Bytes(k)) => FastTest::BytesNe(k),
            Rhs2::Ne(Const::Int(k)) => FastTest::IntNe(k),
            Rhs2::BytesSet(s) => FastTest::BytesIn(s),
            Rhs2::IntSet(s) => FastTest::IntIn(s),
            rhs => {
                let lhs = Src::Field { id, arg, key, slot };
                return CheckNode::General { lhs, mode, op, rhs };
            }
        };
        CheckNode::Fast { id, arg, key, test }
    }
}

/// [`FastTest`] on one value.
#[inline(always)]
fn fast_test(t: &FastTest, v: Value<'_>) -> bool {
    match (t, v) {
        (FastTest::Exists, _) => true,
        (FastTest::BytesEq(k), Value::Bytes(b)) => ops::short_eq(b, k),
        (FastTest::BytesNe(k), Value::Bytes(b)) => !ops::short_eq(b, k),
        (FastTest::BytesNe(_), _) => true,
        (FastTest::BytesIn(s), Value::Bytes(b)) => s.contains(b),
        (FastTest::StartsWith(p), Value::Bytes(b)) => {
            b.get(..p.len()).is_some_and(|h| ops::short_eq(h, p))
        }
        (FastTest::EndsWith(p), Value::Bytes(b)) => b
            .len()
            .checked_sub(p.len())
            .and_then(|s| b.get(s..))
            .is_some_and(|t| ops::short_eq(t, p)),
        (FastTest::Contains(f), Value::Bytes(b)) => f.find(b).is_some(),
        (FastTest::IntEq(k), v) => v.as_i128() == Some(*k),
        (FastTest::IntNe(k), v) => v.as_i128() != Some(*k),
        (FastTest::IntOrd(o, k), v) => ord_ok(*o, v.as_i128().map(|x| x.cmp(k))),
        (FastTest::IntIn(s), v) => v.as_i128().is_some_and(|i| s.contains(&i)),
        (FastTest::BoolEq(k), Value::Bool(b)) => b == *k,
        _ => false,
    }
}

/// A compiled condition tree (before lowering to [`Insn`]s). `and`/`or` children are
/// ordered by cost class at compile time (checks are pure and a missing value only makes
/// a check false, so the order does not change results); `Memo` nodes keep their result
/// for the current event.
#[derive(Debug)]
enum Node {
    And(Vec<Node>),
    Or(Vec<Node>),
    Not(Box<Node>),
    /// Index into [`Program::checks`].
    Check(u32),
    /// A subtree (a check or a macro body) whose result is kept per event in
    /// [`Scratch::memo`] at this dense index, shared by every program containing the
    /// same subtree (same canonical structure).
    Memo(u32, Box<Node>),
}

/// One instruction of a lowered program: short-circuit evaluation as jumps, so the
/// evaluator is a flat loop. Every jump goes forward, so evaluation always ends.
#[derive(Debug, Clone, Copy)]
enum Insn {
    /// Evaluates check `check`; continues at `t` or `f`.
    Test { check: u32, t: u32, f: u32 },
    /// If memo cell `cell` holds a result for this event, continues at `t` or `f` by it;
    /// otherwise at the next instruction.
    Load { cell: u32, t: u32, f: u32 },
    /// Records `val` in memo cell `cell`, continues at `next`.
    Store { cell: u32, val: bool, next: u32 },
    /// Continues at the target.
    Jump(u32),
    /// The program's result.
    Ret(bool),
}

/// Lowers a [`Node`] tree to [`Insn`]s (jump code with symbolic labels, then resolved).
/// Memo cells are kept only for subtrees that occur more than once among the programs
/// compiled so far ([`intern::shared`]): elsewhere a cell would cost a load and a store
/// for nothing.
struct Lower {
    code: Vec<Insn>,
    /// Label id -> instruction index (u32::MAX until placed).
    labels: Vec<u32>,
    /// Per memo cell: whether it is shared.
    shared: Vec<bool>,
    /// Per check: its result when known in advance (see [`Program::specialize`]).
    folded: Vec<Option<bool>>,
}

impl Lower {
    fn label(&mut self) -> u32 {
        self.labels.push(u32::MAX);
        (self.labels.len() - 1) as u32
    }

    fn place(&mut self, l: u32) {
        let pc = self.code.len() as u32;
        if let Some(x) = self.labels.get_mut(l as usize) {
            *x = pc;
        }
    }

    /// Emits code evaluating `n` that continues at label `t` when true, `f` when false.
    fn gen(&mut self, n: &Node, t: u32, f: u32) {
        match n {
            Node::Check(check) => match self.folded.get(*check as usize).copied().flatten() {
                Some(v) => self.code.push(Insn::Jump(if v { t } else { f })),
                None => self.code.push(Insn::Test {
                    check: *check,
                    t,
                    f,
                }),
            },
            // Vacuous: `and` of nothing is true, `or` of nothing false (the parser never
            // builds these; kept total).
            Node::And(cs) if cs.is_empty() => self.code.push(Insn::Jump(t)),
            Node::Or(cs) if cs.is_empty() => self.code.push(Insn::Jump(f)),
            Node::And(cs) | Node::Or(cs) => {
                // Every child but the last goes on to the next child when it does not
                // decide: on true for `and`, on false for `or`.
                let and = matches!(n, Node::And(_));
                let last = cs.len() - 1;
                for (i, c) in cs.iter().enumerate() {
                    if i == last {
                        self.gen(c, t, f);
                    } else {
                        let next = self.label();
                        if and {
                            self.gen(c, next, f);
                        } else {
                            self.gen(c, t, next);
                        }
                        self.place(next);
                    }
                }
            }
            Node::Not(c) => self.gen(c, f, t),
            Node::Memo(cell, inner)
                if !self.shared.get(*cell as usize).copied().unwrap_or(false) =>
            {
                self.gen(inner, t, f)
            }
            Node::Memo(cell, inner) => {
                let cell = *cell;
                self.code.push(Insn::Load { cell, t, f });
                let (lt, lf) = (self.label(), self.label());
                self.gen(inner, lt, lf);
                self.place(lt);
                self.code.push(Insn::Store {
                    cell,
                    val: true,
                    next: t,
                });
                self.place(lf);
                self.code.push(Insn::Store {
                    cell,
                    val: false,
                    next: f,
                });
            }
        }
    }

    /// The instructions of `root`, labels resolved.
    fn lower(root: &Node, folded: Vec<Option<bool>>) -> Vec<Insn> {
        let l = Lower {
            code: Vec::new(),
            labels: Vec::new(),
            shared: intern::shared(),
            folded,
        };
        l.finish(root)
    }

    fn finish(mut self, root: &Node) -> Vec<Insn> {
        let (t, f) = (self.label(), self.label());
        self.gen(root, t, f);
        self.place(t);
        self.code.push(Insn::Ret(true));
        self.place(f);
        self.code.push(Insn::Ret(false));
        let labels = self.labels;
        let at = |l: u32| labels.get(l as usize).copied().unwrap_or(u32::MAX);
        for insn in &mut self.code {
            match insn {
                Insn::Test { t, f, .. } | Insn::Load { t, f, .. } => {
                    *t = at(*t);
                    *f = at(*f);
                }
                Insn::Store { next, .. } | Insn::Jump(next) => *next = at(*next),
                Insn::Ret(_) => {}
            }
        }
        self.code
    }
}

/// A compiled condition: immutable, shareable across threads; evaluate with
/// [`Program::eval_with`] (explicit scratch) or [`Program::eval`] (thread-local scratch).
#[derive(Debug)]
pub struct Program {
    tree: Node,
    /// The jump code of `tree`, lowered at the first evaluation (when the rules sharing
    /// subtrees with this one have been compiled too).
    code: std::sync::OnceLock<Vec<Insn>>,
    checks: Vec<CheckNode>,
    n_slots: usize,
    /// One more than the largest field-cache index used.
    n_fields: usize,
    /// One more than the largest memo index used.
    n_memo: usize,
    fields: Vec<String>,
}

/// A program's jump code specialised by [`Program::specialize`].
#[derive(Debug, Clone)]
pub struct Specialized {
    code: std::sync::Arc<[Insn]>,
}

/// Per-thread evaluation buffers: scratch slots for transformer results, the per-event
/// field cache and the per-event table of subtree results (see
/// [`Scratch::share_checks`]). Reuse one `Scratch` for every program evaluated on a
/// thread; once grown it is never reallocated.
#[derive(Debug, Default)]
pub struct Scratch {
    slots: Vec<Values>,
    /// Extracted field values, by the dense field index of [`Src::Field`].
    fields: Vec<CachedField>,
    /// Subtree results, by the dense index of [`Node::Memo`].
    memo: Vec<MemoCell>,
    /// Current event generation: cache entries of other generations are stale.
    gen: u32,
    /// Between `share_checks` and `unshare_checks`: one generation for many programs.
    sharing: bool,
}

#[derive(Debug, Default)]
struct CachedField {
    gen: u32,
    ok: bool,
    vals: Values,
}

#[derive(Debug, Default, Clone, Copy)]
struct MemoCell {
    gen: u32,
    val: bool,
}

impl Scratch {
    /// Empty scratch; it grows on first use.
    pub fn new() -> Scratch {
        Scratch::default()
    }

    /// Starts a new event: every cached field value and subtree result becomes stale.
    fn next_gen(&mut self) {
        self.gen = self.gen.wrapping_add(1);
        if self.gen == 0 {
            self.fields.iter_mut().for_each(|f| f.gen = 0);
            self.memo.iter_mut().for_each(|m| m.gen = 0);
            self.gen = 1;
        }
    }

    /// Until [`Scratch::unshare_checks`], programs evaluated with this scratch share
    /// extracted field values and the results of identical subtrees (identical checks,
    /// identical macro bodies), so a field or a macro that many rules use is extracted or
    /// evaluated once. Call it once per event, **before** evaluating that event's
    /// programs, and `unshare_checks` after them: results are only valid for one event
    /// and one [`FieldSource`]. Without sharing, each [`Program::eval_with`] is its own
    /// event.
    pub fn share_checks(&mut self) {
        self.next_gen();
        self.sharing = true;
    }

    /// Ends the sharing started by [`Scratch::share_checks`].
    pub fn unshare_checks(&mut self) {
        self.sharing = false;
    }
}

/// Process-wide dense indexes for field operands and memoized subtrees, so that programs
/// compiled separately (one per rule) agree on them and a [`Scratch`] can be a plain
/// array. Bounded: past the cap, new keys get [`NO_INDEX`] (no caching, same results).
mod intern {
    use super::NO_INDEX;
    use crate::field::{FieldArg, FieldId};
    use std::collections::HashMap;
    use std::sync::{LazyLock, Mutex};

    const FIELD_CAP: usize = 4096;
    const NODE_CAP: usize = 1 << 16;

    static FIELDS: LazyLock<Mutex<HashMap<(FieldId, FieldArg), u32>>> =
        LazyLock::new(|| Mutex::new(HashMap::new()));
    /// Key -> (index, number of uses).
    static NODES: LazyLock<Mutex<HashMap<u64, u32>>> = LazyLock::new(|| Mutex::new(HashMap::new()));
    /// Uses per node index.
    static USES: Mutex<Vec<u32>> = Mutex::new(Vec::new());

    fn get<K: std::hash::Hash + Eq>(m: &Mutex<HashMap<K, u32>>, k: K, cap: usize) -> u32 {
        let mut m = m.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(&i) = m.get(&k) {
            return i;
        }
        if m.len() >= cap {
            return NO_INDEX;
        }
        let i = m.len() as u32;
        m.insert(k, i);
        i
    }

    /// The dense index of field `id` with argument `arg`.
    pub(super) fn field(id: FieldId, arg: &FieldArg) -> u32 {
        get(&FIELDS, (id, arg.clone()), FIELD_CAP)
    }

    /// The dense index of the subtree with structural key `key`; counts one use.
    pub(super) fn node(key: u64) -> u32 {
        let i = get(&NODES, key, NODE_CAP);
        if i != NO_INDEX {
            let mut u = USES.lock().unwrap_or_else(|e| e.into_inner());
            if u.len() <= i as usize {
                u.resize(i as usize + 1, 0);
            }
            if let Some(n) = u.get_mut(i as usize) {
                *n = n.saturating_add(1);
            }
        }
        i
    }

    /// Per node index: whether the subtree was used more than once so far.
    pub(super) fn shared() -> Vec<bool> {
        let u = USES.lock().unwrap_or_else(|e| e.into_inner());
        u.iter().map(|&n| n >= 2).collect()
    }
}

thread_local! {
    static SCRATCH: RefCell<Scratch> = RefCell::new(Scratch::new());
}

impl Program {
    /// Evaluates the program for the current event of `src`.
    pub fn eval_with(&self, src: &mut dyn FieldSource, scratch: &mut Scratch) -> bool {
        self.prepare(scratch);
        let code = self
            .code
            .get_or_init(|| Lower::lower(&self.tree, Vec::new()));
        self.run(code, src, scratch)
    }

    /// Jump code for the events on which some fields have a value known in advance, e.g.
    /// `evt.type` for one event code: `known(id, arg, out)` pushes such a field's value
    /// into `out` and returns `Some(has_value)`, or `None` when the value depends on the
    /// event. Checks on known fields are decided here, once, and vanish from the code.
    /// Evaluate with [`Program::eval_specialized`] on events where `known` holds.
    pub fn specialize(
        &self,
        known: &mut dyn FnMut(FieldId, &FieldArg, &mut Values) -> Option<bool>,
    ) -> Specialized {
        let mut vals = Values::new();
        let folded = self
            .checks
            .iter()
            .map(|c| {
                let CheckNode::Fast { id, arg, test, .. } = c else {
                    return None;
                };
                vals.clear();
                let ok = known(*id, arg, &mut vals)?;
                Some(
                    ok && (matches!(test, FastTest::Exists)
                        || vals.iter().any(|v| fast_test(test, v))),
                )
            })
            .collect();
        Specialized {
            code: Lower::lower(&self.tree, folded).into(),
        }
    }

    /// Evaluates with code from [`Program::specialize`] (of this program; other code gives
    /// meaningless results, never a panic). Same contract as [`Program::eval_with`].
    pub fn eval_specialized(
        &self,
        code: &Specialized,
        src: &mut dyn FieldSource,
        scratch: &mut Scratch,
    ) -> bool {
        self.prepare(scratch);
        self.run(&code.code, src, scratch)
    }

    /// Grows `scratch` to this program's sizes and starts a new event unless checks are
    /// being shared (see [`Scratch::share_checks`]).
    #[inline]
    fn prepare(&self, scratch: &mut Scratch) {
        if scratch.slots.len() < self.n_slots {
            scratch.slots.resize_with(self.n_slots, Values::new);
        }
        if scratch.fields.len() < self.n_fields {
            scratch
                .fields
                .resize_with(self.n_fields, CachedField::default);
        }
        if scratch.memo.len() < self.n_memo {
            scratch.memo.resize(self.n_memo, MemoCell::default());
        }
        if !scratch.sharing {
            scratch.next_gen();
        }
    }

    /// Evaluates with a thread-local scratch (no allocation once warmed up).
    pub fn eval(&self, src: &mut impl FieldSource) -> bool {
        SCRATCH.with(|s| match s.try_borrow_mut() {
            Ok(mut s) => self.eval_with(src, &mut s),
            // Re-entrant use (a source evaluating a program): fall back to a fresh scratch.
            Err(_) => self.eval_with(src, &mut Scratch::new()),
        })
    }

    /// Canonical names of the fields the condition reads (condition_fields), sorted.
    pub fn fields(&self) -> &[String] {
        &self.fields
    }
}

// ---------------------------------------------------------------------------------------
// Compilation
// ---------------------------------------------------------------------------------------

/// Operand description after resolution.
#[derive(Debug, Clone)]
struct OpInfo {
    ty: FieldType,
    mode: Mode,
    flags: FieldFlags,
    name: String,
    /// Estimated cost of producing the operand's values (see [`FieldRegistry::cost`]).
    cost: u32,
}

struct Compiler<'r> {
    reg: &'r dyn FieldRegistry,
    checks: Vec<CheckNode>,
    n_slots: usize,
    n_fields: usize,
    n_memo: usize,
    fields: Vec<String>,
}

/// Compiles an expanded condition (no macro references left) against `registry`.
pub fn compile(expr: &Expr, registry: &dyn FieldRegistry) -> Result<Program, CompileError> {
    let mut c = Compiler {
        reg: registry,
        checks: Vec::new(),
        n_slots: 0,
        n_fields: 0,
        n_memo: 0,
        fields: Vec::new(),
    };
    let (root, _, _) = c.node(expr)?;
    let checks = std::mem::take(&mut c.checks);
    let mut fields = c.fields;
    fields.sort();
    fields.dedup();
    Ok(Program {
        tree: root,
        code: std::sync::OnceLock::new(),
        checks,
        n_slots: c.n_slots,
        n_fields: c.n_fields,
        n_memo: c.n_memo,
        fields,
    })
}

/// `sscanf("%d%c")`-style decimal parsing as libsinsp's `sinsp_numparser` does it:
/// optional blanks and sign, digits, nothing after; the result wraps like the C casts
/// (32-bit parse for types up to 32 bits, then truncation to the field width).
fn parse_int(text: &str, ty: FieldType, pos: Pos) -> Result<i128, CompileError> {
    let bad = || cerr(pos, format!("{text} is not a valid number"));
    let t = text.trim_start_matches([' ', '\t', '\n', '\r', '\u{b}', '\u{c}']);
    let (neg, digits) = match t.as_bytes().first() {
        Some(b'-') => (true, &t[1..]),
        Some(b'+') => (false, &t[1..]),
        _ => (false, t),
    };
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return bad();
    }
    let mut v: u64 = 0;
    for d in digits.bytes() {
        v = v.wrapping_mul(10).wrapping_add(u64::from(d - b'0'));
    }
    if neg {
        v = v.wrapping_neg();
    }
    use FieldType as T;
    Ok(match ty {
        T::Int8 => v as i32 as i8 as i128,
        T::Int16 => v as i32 as i16 as i128,
        T::Int32 | T::Double => v as i32 as i128,
        T::Uint8 => v as u32 as u8 as i128,
        T::Uint16 => v as u32 as u16 as i128,
        T::Uint32 => v as u32 as i128,
        T::Uint64 | T::RelTime | T::AbsTime => v as i128,
        _ => v as i64 as i128,
    })
}

fn parse_net(text: &str, pos: Pos) -> Result<Const, CompileError> {
    let Some((a, m)) = text.split_once('/') else {
        return cerr(pos, format!("unrecognized IP network {text}"));
    };
    if text.contains('.') {
        let Ok(addr) = a.parse::<std::net::Ipv4Addr>() else {
            return cerr(pos, format!("unrecognized IP address {text}"));
        };
        let len = parse_int(m, FieldType::Uint8, pos)?;
        if len > 32 {
            return cerr(pos, format!("invalid netmask {m}"));
        }
        Ok(Const::Net(IpAddr::V4(addr), len as u8))
    } else {
        let Ok(addr) = a.parse::<std::net::Ipv6Addr>() else {
            return cerr(pos, format!("unrecognized IPv6 address {text}"));
        };
        match m.parse::<u8>() {
            Ok(len) if len <= 128 => Ok(Const::Net(IpAddr::V6(addr), len)),
            _ => cerr(pos, format!("invalid netmask {m}")),
        }
    }
}

/// Coerces a constant text to the operand type, as libsinsp's value parser does (§3.5).
fn coerce(text: &str, ty: FieldType, pos: Pos) -> Result<Const, CompileError> {
    use FieldType::*;
    if ty == Bytebuf {
        return Ok(Const::Bytes(text.as_bytes().into()));
    }
    if text.contains('\0') {
        return cerr(
            pos,
            "filter error: filter value cannot contain a NUL byte (\\x00)",
        );
    }
    match ty {
        Charbuf | Fspath => Ok(Const::Bytes(text.as_bytes().into())),
        Bool => match text {
            "true" => Ok(Const::Bool(true)),
            "false" => Ok(Const::Bool(false)),
            _ => cerr(
                pos,
                format!("filter error: unrecognized boolean value {text}"),
            ),
        },
        Port => {
            if text.is_empty() {
                Ok(Const::Int(0))
            } else if text.bytes().all(|b| b.is_ascii_digit()) {
                Ok(Const::Int(parse_int(text, Int32, pos)? as u16 as i128))
            } else {
                match ops::service_port(text) {
                    Some(p) => Ok(Const::Int(p as i128)),
                    None => cerr(pos, format!("unrecognized protocol {text}")),
                }
            }
        }
        IpAddr => {
            if text.contains('.') {
                match text.parse::<std::net::Ipv4Addr>() {
                    Ok(a) => Ok(Const::Ip(std::net::IpAddr::V4(a))),
                    Err(_) => cerr(pos, format!("unrecognized IPv4 address {text}")),
                }
            } else {
                match text.parse::<std::net::Ipv6Addr>() {
                    Ok(a) => Ok(Const::Ip(std::net::IpAddr::V6(a))),
                    Err(_) => cerr(pos, format!("unrecognized IPv6 address {text}")),
                }
            }
        }
        IpNet => parse_net(text, pos),
        _ => parse_int(text, ty, pos).map(Const::Int),
    }
}

fn is_bytes_like(ty: FieldType) -> bool {
    ty.is_string() || ty == FieldType::Bytebuf
}

/// libsinsp's `flt_is_comparable`: which operators each type accepts, with its messages
/// (the operator is named as `cmpop_to_str` names it: `==` is `=`).
fn check_op_type(op: Op, m: Option<Modifier>, info: &OpInfo, pos: Pos) -> Result<(), CompileError> {
    use FieldType as T;
    if op == Op::Exists {
        return Ok(());
    }
    let ty = info.ty;
    let opn = if op == Op::EqEq { "=" } else { op.as_str() };
    let fail = |what: String| cerr(pos, format!("filter error: {what}"));
    if info.mode == Mode::List {
        if !matches!(
            ty,
            T::Charbuf | T::Uint64 | T::RelTime | T::AbsTime | T::Bool | T::IpAddr | T::IpNet
        ) {
            return fail(format!(
                "list filters are not supported for type '{}'",
                ty.name()
            ));
        }
        if !matches!(op, Op::In | Op::Intersects) {
            return fail(format!("'{opn}' operator not supported list filters"));
        }
        return Ok(());
    }
    let base = matches!(op, Op::Eq | Op::EqEq | Op::Ne | Op::In | Op::Intersects);
    let ord = matches!(op, Op::Lt | Op::Le | Op::Gt | Op::Ge);
    let (ok, kind) = match ty {
        T::Bool => (base, "numeric"),
        t if t.is_numeric() => (base || ord, "numeric"),
        T::IpAddr | T::IpNet => {
            if m.is_some() && !base {
                return fail(format!(
                    "'{opn}' with modifier not supported for ip address and network filters"
                ));
            }
            (base, "ip address and network")
        }
        T::Charbuf | T::Fspath => (
            base || ord || !matches!(op, Op::BContains | Op::BStartsWith),
            "string",
        ),
        _ => (
            base || matches!(
                op,
                Op::Contains | Op::StartsWith | Op::EndsWith | Op::BContains | Op::BStartsWith
            ),
            "buffer",
        ),
    };
    if !ok {
        return fail(format!("'{opn}' operator not supported for {kind} filters"));
    }
    Ok(())
}

impl Compiler<'_> {
    fn slot(&mut self) -> usize {
        self.n_slots += 1;
        self.n_slots - 1
    }

    /// Compiles a subtree; returns it with its estimated cost and its structural key
    /// (equal for equal subtrees, whatever program they are compiled in).
    fn node(&mut self, e: &Expr) -> Result<(Node, Est, u64), CompileError> {
        use std::hash::{Hash, Hasher};
        match e {
            Expr::And { children, .. } | Expr::Or { children, .. } => {
                let is_and = matches!(e, Expr::And { .. });
                let mut h = std::hash::DefaultHasher::new();
                is_and.hash(&mut h);
                let mut kids = Vec::with_capacity(children.len());
                for c in children {
                    let (n, est, key) = self.node(c)?;
                    key.hash(&mut h);
                    kids.push((n, est));
                }
                // Rule authors order operands by selectivity (Falco's advice: event type
                // first, then the rarest conditions), which no static estimate knows
                // better. Only the cost class overrides it: operands needing costly
                // work (rendering, ancestor walks, regexes...) go last, and so do
                // subtrees containing such work. Stable sort: within a class, the
                // written order stays.
                kids.sort_by_key(|(_, e)| e.class);
                let class = kids.iter().map(|(_, e)| e.class).max().unwrap_or(0);
                let nodes = kids.into_iter().map(|(n, _)| n).collect();
                let key = h.finish();
                let n = if is_and {
                    Node::And(nodes)
                } else {
                    Node::Or(nodes)
                };
                Ok((
                    if MEMO_COMPOSITE {
                        self.memoize(n, key)
                    } else {
                        n
                    },
                    Est { class },
                    key,
                ))
            }
            Expr::Not { child, .. } => {
                let (n, est, key) = self.node(child)?;
                let mut h = std::hash::DefaultHasher::new();
                "not".hash(&mut h);
                key.hash(&mut h);
                Ok((Node::Not(Box::new(n)), est, h.finish()))
            }
            Expr::Macro { pos, name } => cerr(
                *pos,
                format!("filter error: unexpected identifier '{name}'"),
            ),
            Expr::Check(c) => {
                let (check, cost, worth_memo) = self.check(c)?;
                let est = Est {
                    class: u8::from(cost >= EXPENSIVE),
                };
                // Identity of a check: its canonical print (field, argument, transformers,
                // operator, right-hand side).
                let mut h = std::hash::DefaultHasher::new();
                Expr::Check(c.clone()).to_string().hash(&mut h);
                let key = h.finish();
                let n = Node::Check(self.checks.len() as u32);
                self.checks.push(check);
                let n = if worth_memo { self.memoize(n, key) } else { n };
                Ok((n, est, key))
            }
        }
    }

    /// Wraps `n` in a per-event memo cell shared by every subtree with the same key.
    fn memoize(&mut self, n: Node, key: u64) -> Node {
        let i = intern::node(key);
        if i == NO_INDEX {
            return n;
        }
        self.n_memo = self.n_memo.max(i as usize + 1);
        Node::Memo(i, Box::new(n))
    }

    fn field(&mut self, f: &FieldRef) -> Result<(Src, OpInfo), CompileError> {
        let def = self
            .reg
            .lookup(&f.name, f.arg.as_deref())
            .map_err(|m| CompileError {
                message: m,
                pos: f.pos,
            })?;
        let mode = if def.has(FieldFlags::EITHER_END) {
            Mode::EitherEnd
        } else if def.has(FieldFlags::ANY_VALUE) {
            Mode::Any
        } else if def.has(FieldFlags::IS_LIST) {
            Mode::List
        } else {
            Mode::Scalar
        };
        self.fields.push(def.name.to_string());
        let slot = self.slot();
        let key = intern::field(def.id, &def.arg);
        if key != NO_INDEX {
            self.n_fields = self.n_fields.max(key as usize + 1);
        }
        let info = OpInfo {
            ty: def.ty,
            mode,
            flags: def.flags,
            name: def.name.to_string(),
            cost: self.reg.cost(&def).max(1),
        };
        Ok((
            Src::Field {
                id: def.id,
                arg: def.arg,
                key,
                slot,
            },
            info,
        ))
    }

    fn const_src(&mut self, text: &str) -> (Src, OpInfo) {
        let info = OpInfo {
            ty: FieldType::Charbuf,
            mode: Mode::Scalar,
            flags: FieldFlags::NONE,
            name: text.into(),
            cost: 0,
        };
        let mut vals = Values::new();
        vals.push_bytes(text.as_bytes());
        (Src::Const(vals), info)
    }

    fn targ(&mut self, a: &TArg) -> Result<(Src, OpInfo), CompileError> {
        match a {
            TArg::Field(f) => {
                let (s, i) = self.field(f)?;
                if i.flags.contains(FieldFlags::NO_TRANSFORMER) {
                    return cerr(
                        f.pos,
                        format!("field '{}' does not support transformers", i.name),
                    );
                }
                Ok((s, i))
            }
            TArg::Transformer(t) => self.transformer(t),
            TArg::Value(v) => Ok(self.const_src(&v.text)),
            TArg::List(items, _) => {
                let mut srcs = Vec::new();
                let mut cost = 4u32;
                for it in items {
                    let (s, i) = self.targ(it)?;
                    cost = cost.saturating_add(i.cost);
                    if i.mode == Mode::List {
                        return cerr(
                            it_pos(it),
                            format!("filter error: list field '{}' cannot be nested in a transformer list", i.name),
                        );
                    }
                    srcs.push(s);
                }
                let slot = self.slot();
                let info = OpInfo {
                    ty: FieldType::Charbuf,
                    mode: Mode::List,
                    flags: FieldFlags::NONE,
                    name: "list".into(),
                    cost,
                };
                Ok((Src::List { items: srcs, slot }, info))
            }
        }
    }

    fn transformer(&mut self, t: &Transformer) -> Result<(Src, OpInfo), CompileError> {
        use TransformerKind as K;
        let name = t.kind.as_str();
        let pos = t.pos;
        if t.arg.is_some() && t.kind != K::Getopt {
            return cerr(
                pos,
                format!("filter error: transformer '{name}' does not support field arguments"),
            );
        }
        let type_err = |info: &OpInfo| {
            cerr::<(Src, OpInfo)>(
                pos,
                format!(
                    "can't add field transformer: type '{}' is not supported by '{name}' transformer applied on {}field '{}'",
                    info.ty.name(),
                    if info.mode == Mode::List { "list " } else { "" },
                    info.name
                ),
            )
        };
        match t.kind {
            K::ToLower | K::ToUpper | K::B64 | K::Basename | K::Len => {
                if t.args.len() != 1 {
                    return cerr(
                        pos,
                        format!("filter error: transformer '{name}' expects exactly one argument"),
                    );
                }
                if matches!(t.args[0], TArg::Value(_)) {
                    return cerr(
                        pos,
                        format!("filter error: transformer '{name}' expects a field argument"),
                    );
                }
                let (arg, info) = self.targ(&t.args[0])?;
                let ok = match t.kind {
                    K::ToLower | K::ToUpper | K::Basename => info.ty.is_string(),
                    K::B64 => matches!(info.ty, FieldType::Charbuf | FieldType::Bytebuf),
                    _ => is_bytes_like(info.ty) || info.mode == Mode::List,
                };
                let list_in = t.kind == K::Len && info.mode == Mode::List;
                if !ok {
                    return type_err(&info);
                }
                let (ty, mode) = match t.kind {
                    K::Len => (FieldType::Uint64, Mode::Scalar),
                    _ => (info.ty, info.mode),
                };
                let slot = self.slot();
                let out = OpInfo {
                    ty,
                    mode,
                    flags: info.flags,
                    name: info.name,
                    cost: info.cost.saturating_add(TRANSFORM_COST),
                };
                Ok((
                    Src::Transform {
                        kind: t.kind,
                        args: vec![arg],
                        slot,
                        opt: 0,
                        list_in,
                    },
                    out,
                ))
            }
            K::Join => {
                if t.args.len() != 2 {
                    return cerr(
                        pos,
                        "join() requires exactly 2 arguments: separator and list",
                    );
                }
                let (sep, si) = self.targ(&t.args[0])?;
                if si.mode == Mode::List {
                    return cerr(
                        pos,
                        "join() first argument (separator) must be a single value, not a list",
                    );
                }
                let (list, li) = self.targ(&t.args[1])?;
                if li.mode != Mode::List {
                    return cerr(pos, "join() second argument must be a list");
                }
                Ok(self.string_result(
                    t.kind,
                    vec![sep, list],
                    0,
                    Mode::Scalar,
                    si.cost.saturating_add(li.cost),
                ))
            }
            K::Concat => {
                if t.args.len() < 2 {
                    return cerr(pos, "concat() requires at least 2 arguments");
                }
                let mut args = Vec::new();
                let mut cost = 0u32;
                for it in &t.args {
                    let (s, i) = self.targ(it)?;
                    cost = cost.saturating_add(i.cost);
                    if i.ty != FieldType::Charbuf || i.mode == Mode::List {
                        return cerr(pos, "concat() arguments must be strings");
                    }
                    args.push(s);
                }
                Ok(self.string_result(t.kind, args, 0, Mode::Scalar, cost))
            }
            K::Getopt => {
                if t.args.len() != 2 {
                    return cerr(
                        pos,
                        "getopt() requires exactly 2 arguments: args list and optstring",
                    );
                }
                let (list, li) = self.targ(&t.args[0])?;
                let (optstring, oi) = self.targ(&t.args[1])?;
                if li.mode != Mode::List {
                    return cerr(pos, "getopt() first argument must be a list");
                }
                if oi.mode == Mode::List {
                    return cerr(
                        pos,
                        "getopt() second argument (optstring) must be a single value",
                    );
                }
                if li.ty != FieldType::Charbuf || oi.ty != FieldType::Charbuf {
                    return cerr(pos, "getopt() arguments must be strings");
                }
                let (opt, mode) = match t.arg.as_deref().map(str::as_bytes) {
                    None => (0, Mode::List),
                    Some([c]) if *c != 0 => (*c, Mode::Scalar),
                    Some(_) => {
                        return cerr(
                            pos,
                            "getopt() field argument must be a single option character",
                        )
                    }
                };
                Ok(self.string_result(
                    t.kind,
                    vec![list, optstring],
                    opt,
                    mode,
                    li.cost.saturating_add(oi.cost),
                ))
            }
        }
    }

    fn string_result(
        &mut self,
        kind: TransformerKind,
        args: Vec<Src>,
        opt: u8,
        mode: Mode,
        args_cost: u32,
    ) -> (Src, OpInfo) {
        let slot = self.slot();
        let info = OpInfo {
            ty: FieldType::Charbuf,
            mode,
            flags: FieldFlags::NONE,
            name: kind.as_str().into(),
            cost: args_cost.saturating_add(TRANSFORM_COST),
        };
        (
            Src::Transform {
                kind,
                args,
                slot,
                opt,
                list_in: false,
            },
            info,
        )
    }

    fn operand(&mut self, o: &Operand) -> Result<(Src, OpInfo), CompileError> {
        match o {
            Operand::Field(f) => self.field(f),
            Operand::Transformer(t) => self.transformer(t),
        }
    }

    fn matcher(
        &self,
        op: Op,
        text: &str,
        info: &OpInfo,
        pos: Pos,
    ) -> Result<Matcher, CompileError> {
        Ok(match op {
            Op::Eq | Op::EqEq | Op::Ne => Matcher::Eq(coerce(text, info.ty, pos)?),
            Op::Lt | Op::Le | Op::Gt | Op::Ge => Matcher::Ord(op, coerce(text, info.ty, pos)?),
            Op::Contains => {
                Matcher::Contains(Box::new(memmem::Finder::new(text.as_bytes()).into_owned()))
            }
            Op::IContains => Matcher::IContains(text.to_ascii_lowercase().into_bytes().into()),
            Op::StartsWith => Matcher::StartsWith(text.as_bytes().into()),
            Op::EndsWith => Matcher::EndsWith(text.as_bytes().into()),
            Op::BContains | Op::BStartsWith => {
                let Some(b) = ops::decode_hex(text) else {
                    return cerr(
                        pos,
                        "filter error: bcontains and bstartswith operator support hex strings only",
                    );
                };
                if op == Op::BContains {
                    Matcher::Contains(Box::new(memmem::Finder::new(&b).into_owned()))
                } else {
                    Matcher::StartsWith(b.into())
                }
            }
            Op::Glob => Matcher::Glob(text.as_bytes().into(), false),
            Op::IGlob => Matcher::Glob(text.as_bytes().into(), true),
            // Validate the pattern alone (for the error text), then anchor it: full match.
            Op::Regex => match regex::bytes::Regex::new(&re2_literal_braces(text)).and_then(|_| {
                regex::bytes::Regex::new(&format!("^(?:{})$", re2_literal_braces(text)))
            }) {
                Ok(r) => Matcher::Regex(r),
                Err(e) => return cerr(pos, format!("invalid regex pattern: {e}")),
            },
            Op::In | Op::Intersects | Op::PMatch | Op::Exists => {
                return cerr(
                    pos,
                    format!("internal: no single-value matcher for '{}'", op.as_str()),
                )
            }
        })
    }

    /// Compiles a check; returns it with its estimated cost and whether its result is
    /// worth keeping per event (more than a cheap comparison on a cached field).
    fn check(&mut self, c: &Check) -> Result<(CheckNode, u32, bool), CompileError> {
        let (lhs, info) = self.operand(&c.lhs)?;
        let mut rhs_field_cost = 0u32;
        if let (Operand::Transformer(_), true) =
            (&c.lhs, info.flags.contains(FieldFlags::NO_TRANSFORMER))
        {
            return cerr(
                c.pos,
                format!("field '{}' does not support transformers", info.name),
            );
        }
        check_op_type(c.op, c.modifier, &info, c.pos)?;
        let is_evt_type = matches!(info.name.as_str(), "evt.type" | "syscall.type")
            && matches!(c.lhs, Operand::Field(_));
        let validate_evt = |text: &str, pos: Pos| -> Result<(), CompileError> {
            if is_evt_type
                && matches!(c.op, Op::Eq | Op::EqEq | Op::Ne | Op::In | Op::Intersects)
                && event_ids_for_name(text).is_none()
            {
                return cerr(pos, format!("unknown event type {text}"));
            }
            Ok(())
        };
        // A single value after `in`/`intersects`/`pmatch` or a modifier (a bare identifier,
        // e.g. an unexpanded list name) is a one-element list, as upstream.
        let one_list;
        let rhs_ast = match &c.rhs {
            Some(Rhs::Value(v))
                if c.modifier.is_some() || matches!(c.op, Op::In | Op::Intersects | Op::PMatch) =>
            {
                one_list = Some(Rhs::List(ListLit {
                    pos: v.pos,
                    items: vec![v.clone()],
                }));
                &one_list
            }
            other => other,
        };
        let rhs = match (rhs_ast, c.modifier) {
            (None, _) => Rhs2::Exists,
            (Some(Rhs::Val(_) | Rhs::Transformer(_)), _) => {
                let (rsrc, rinfo) = match rhs_ast {
                    Some(Rhs::Val(f)) => self.field(f)?,
                    Some(Rhs::Transformer(t)) => self.transformer(t)?,
                    _ => unreachable_rhs(c.pos)?,
                };
                rhs_field_cost = rinfo.cost;
                if matches!(c.op, Op::PMatch | Op::Regex) {
                    let name = if c.op == Op::PMatch {
                        "PMATCH"
                    } else {
                        "REGEX"
                    };
                    return cerr(
                        c.pos,
                        format!("operator '{name}' doesn't support right-hand side fields"),
                    );
                }
                if c.modifier.is_some() {
                    return cerr(
                        c.pos,
                        "list modifiers do not support right-hand side fields",
                    );
                }
                if info.ty == FieldType::IpNet {
                    return cerr(
                        c.pos,
                        "field type 'IPNET' doesn't support right-hand side fields",
                    );
                }
                if info.flags.contains(FieldFlags::NO_RHS) {
                    return cerr(
                        c.pos,
                        format!(
                            "field '{}' doesn't support right-hand side fields",
                            info.name
                        ),
                    );
                }
                if rinfo.flags.contains(FieldFlags::NO_RHS) {
                    return cerr(
                        c.pos,
                        format!(
                            "field '{}' can't be used as a right-hand side field",
                            rinfo.name
                        ),
                    );
                }
                let (ll, rl) = (info.mode == Mode::List, rinfo.mode == Mode::List);
                if info.ty != rinfo.ty || ll != rl {
                    let list = |l: bool| if l { " (list)" } else { "" };
                    return cerr(
                        c.pos,
                        format!(
                            "field '{}' has type '{}{}' while the right-hand side field '{}' has incompatible type '{}{}'",
                            info.name,
                            info.ty.name(),
                            list(ll),
                            rinfo.name,
                            rinfo.ty.name(),
                            list(rl)
                        ),
                    );
                }
                Rhs2::Field(rsrc)
            }
            (Some(Rhs::Value(v)), None) => {
                validate_evt(&v.text, v.pos)?;
                match c.op {
                    Op::Ne => Rhs2::Ne(coerce(&v.text, info.ty, v.pos)?),
                    Op::In | Op::Intersects | Op::PMatch => {
                        return cerr(
                            v.pos,
                            format!("'{}' operator requires a list of values", c.op.as_str()),
                        )
                    }
                    op => Rhs2::One(self.matcher(op, &v.text, &info, v.pos)?),
                }
            }
            (Some(Rhs::List(l)), None) => {
                for it in &l.items {
                    validate_evt(&it.text, it.pos)?;
                }
                match c.op {
                    Op::PMatch => {
                        let mut set = ops::PathSet::default();
                        for it in &l.items {
                            set.insert(it.text.as_bytes());
                        }
                        Rhs2::PMatch(set)
                    }
                    Op::In | Op::Intersects => {
                        if is_bytes_like(info.ty) {
                            Rhs2::BytesSet(ops::ByteSet::new(
                                l.items.iter().map(|i| i.text.as_bytes().into()),
                            ))
                        } else {
                            let consts = l
                                .items
                                .iter()
                                .map(|i| coerce(&i.text, info.ty, i.pos))
                                .collect::<Result<Vec<_>, _>>()?;
                            if consts.iter().all(|k| matches!(k, Const::Int(_))) {
                                Rhs2::IntSet(
                                    consts
                                        .iter()
                                        .filter_map(|k| {
                                            if let Const::Int(i) = k {
                                                Some(*i)
                                            } else {
                                                None
                                            }
                                        })
                                        .collect(),
                                )
                            } else {
                                Rhs2::OtherSet(consts)
                            }
                        }
                    }
                    op => {
                        return cerr(
                            l.pos,
                            format!(
                                "'{}' operator does not accept a list of values",
                                op.as_str()
                            ),
                        )
                    }
                }
            }
            (Some(Rhs::Value(v)), Some(_)) => {
                return cerr(v.pos, "internal: modifier value not normalized")
            }
            (Some(Rhs::List(l)), Some(m)) => {
                let mut items = Vec::new();
                for it in &l.items {
                    validate_evt(&it.text, it.pos)?;
                    let op = if c.op == Op::Ne { Op::Eq } else { c.op };
                    items.push(self.matcher(op, &it.text, &info, it.pos)?);
                }
                Rhs2::Modifier(m, items, c.op == Op::Ne)
            }
        };
        let mut op_cost = rhs_cost(&rhs);
        if info.mode != Mode::Scalar {
            op_cost = op_cost.saturating_mul(4);
        }
        let operands_cost = info.cost.saturating_add(rhs_field_cost);
        let worth_memo = op_cost >= MEMO_MIN_OP_COST || !matches!(lhs, Src::Field { .. });
        Ok((
            CheckNode::new(lhs, info.mode, c.op, rhs),
            operands_cost.saturating_add(op_cost),
            worth_memo,
        ))
    }
}

/// Compile-time estimate for a subtree: its cost class (0: cheap, 1: needs costly work
/// somewhere, see [`EXPENSIVE`]).
#[derive(Debug, Clone, Copy)]
struct Est {
    class: u8,
}

/// Checks estimated at this cost or more (unit of [`FieldRegistry::cost`]) are costly:
/// `and`/`or` evaluate them after their cheap operands.
const EXPENSIVE: u32 = 20;

const MEMO_COMPOSITE: bool = true;

/// Cost of a transformer on top of its arguments.
const TRANSFORM_COST: u32 = 8;

/// Checks whose comparison costs at least this much keep their result per event (below,
/// a memo lookup costs about as much as the comparison on the cached field value).
const MEMO_MIN_OP_COST: u32 = 3;

/// Estimated cost of comparing one value against the right-hand side (same unit as
/// [`FieldRegistry::cost`]).
fn rhs_cost(rhs: &Rhs2) -> u32 {
    match rhs {
        Rhs2::Exists => 0,
        Rhs2::One(m) => matcher_cost(m),
        Rhs2::Ne(_) => 1,
        Rhs2::BytesSet(_) | Rhs2::IntSet(_) => 3,
        Rhs2::OtherSet(v) => (v.len() as u32).max(1),
        Rhs2::PMatch(_) => 8,
        Rhs2::Modifier(_, items, _) => items
            .iter()
            .fold(0u32, |a, m| a.saturating_add(matcher_cost(m))),
        Rhs2::Field(_) => 2,
    }
}

fn matcher_cost(m: &Matcher) -> u32 {
    match m {
        Matcher::Eq(_) | Matcher::Ord(..) | Matcher::StartsWith(_) | Matcher::EndsWith(_) => 1,
        Matcher::Contains(_) => 3,
        Matcher::IContains(_) => 6,
        Matcher::Glob(..) => 6,
        Matcher::Regex(_) => 20,
    }
}

fn it_pos(a: &TArg) -> Pos {
    match a {
        TArg::Field(f) => f.pos,
        TArg::Transformer(t) => t.pos,
        TArg::Value(v) => v.pos,
        TArg::List(_, p) => *p,
    }
}

fn unreachable_rhs(pos: Pos) -> Result<(Src, OpInfo), CompileError> {
    cerr(pos, "internal: unexpected right-hand side")
}

// ---------------------------------------------------------------------------------------
// Evaluation
// ---------------------------------------------------------------------------------------

impl Program {
    /// The evaluator: follows the jump code from the first instruction to a `Ret`.
    fn run(&self, code: &[Insn], src: &mut dyn FieldSource, sc: &mut Scratch) -> bool {
        let mut pc = 0usize;
        loop {
            let Some(insn) = code.get(pc) else {
                return false;
            };
            pc = match *insn {
                Insn::Test { check, t, f } => {
                    let Some(c) = self.checks.get(check as usize) else {
                        return false;
                    };
                    if eval_check(c, src, sc) {
                        t
                    } else {
                        f
                    }
                }
                Insn::Load { cell, t, f } => match sc.memo.get(cell as usize) {
                    Some(m) if m.gen == sc.gen => {
                        if m.val {
                            t
                        } else {
                            f
                        }
                    }
                    _ => pc as u32 + 1,
                },
                Insn::Store { cell, val, next } => {
                    if let Some(m) = sc.memo.get_mut(cell as usize) {
                        *m = MemoCell { gen: sc.gen, val };
                    }
                    next
                }
                Insn::Jump(next) => next,
                Insn::Ret(v) => return v,
            } as usize;
        }
    }
}

/// Makes the operand's values available (see [`values`]); returns whether it has a value.
fn fill(s: &Src, src: &mut dyn FieldSource, sc: &mut Scratch) -> bool {
    match s {
        Src::Field { id, arg, key, slot } => {
            if *key != NO_INDEX {
                let gen = sc.gen;
                let Some(e) = sc.fields.get_mut(*key as usize) else {
                    return false;
                };
                if e.gen != gen {
                    e.vals.clear();
                    e.ok = src.extract(*id, arg, &mut e.vals);
                    e.gen = gen;
                }
                return e.ok;
            }
            let Some(v) = sc.slots.get_mut(*slot) else {
                return false;
            };
            v.clear();
            src.extract(*id, arg, v)
        }
        Src::Const(_) => true,
        Src::List { items, slot } => {
            for it in items {
                if !fill(it, src, sc) {
                    return false;
                }
            }
            let Some(out) = sc.slots.get_mut(*slot) else {
                return false;
            };
            let mut out = std::mem::take(out);
            out.clear();
            for it in items {
                if let Some(vals) = values(it, sc) {
                    for v in vals.iter() {
                        out.push_with(|buf| write_value_text(v, buf));
                    }
                }
            }
            if let Some(o) = sc.slots.get_mut(*slot) {
                *o = out;
            }
            true
        }
        Src::Transform {
            kind,
            args,
            slot,
            opt,
            list_in,
        } => {
            for a in args {
                if !fill(a, src, sc) {
                    return false;
                }
            }
            let Some(out) = sc.slots.get_mut(*slot) else {
                return false;
            };
            let mut out = std::mem::take(out);
            out.clear();
            let ok = transform(*kind, args, *opt, *list_in, sc, &mut out);
            if let Some(o) = sc.slots.get_mut(*slot) {
                *o = out;
            }
            ok
        }
    }
}

/// The values of an operand after [`fill`].
fn values<'a>(s: &'a Src, sc: &'a Scratch) -> Option<&'a Values> {
    match s {
        Src::Field { key, slot, .. } => {
            if *key != NO_INDEX {
                sc.fields.get(*key as usize).map(|e| &e.vals)
            } else {
                sc.slots.get(*slot)
            }
        }
        Src::Const(v) => Some(v),
        Src::List { slot, .. } | Src::Transform { slot, .. } => sc.slots.get(*slot),
    }
}

fn write_value_text(v: Value<'_>, buf: &mut Vec<u8>) {
    use std::io::Write;
    match v {
        Value::I64(i) => {
            let _ = write!(buf, "{i}");
        }
        Value::U64(u) => {
            let _ = write!(buf, "{u}");
        }
        Value::Bool(b) => buf.extend_from_slice(if b { b"true" } else { b"false" }),
        Value::Ip(a) => {
            let _ = write!(buf, "{a}");
        }
        Value::Net(a, l) => {
            let _ = write!(buf, "{a}/{l}");
        }
        Value::Bytes(b) => buf.extend_from_slice(b),
    }
}

/// A value as C code sees it: up to the first NUL (join/concat append C strings).
fn c_str(b: &[u8]) -> &[u8] {
    b.iter().position(|&c| c == 0).map_or(b, |p| &b[..p])
}

/// String transformers ignore trailing NULs, as libsinsp does.
fn trim_nul(b: &[u8]) -> &[u8] {
    let mut n = b.len();
    while n > 0 && b[n - 1] == 0 {
        n -= 1;
    }
    &b[..n]
}

fn transform(
    kind: TransformerKind,
    args: &[Src],
    opt: u8,
    list_in: bool,
    sc: &Scratch,
    out: &mut Values,
) -> bool {
    use TransformerKind as K;
    let input = |i: usize| args.get(i).and_then(|a| values(a, sc));
    match kind {
        K::ToLower | K::ToUpper | K::Basename | K::B64 => {
            let Some(inp) = input(0) else { return false };
            for v in inp.iter() {
                let Value::Bytes(b) = v else { return false };
                let b = trim_nul(b);
                let mut ok = true;
                out.push_with(|buf| match kind {
                    K::ToLower => buf.extend(b.iter().map(|c| c.to_ascii_lowercase())),
                    K::ToUpper => buf.extend(b.iter().map(|c| c.to_ascii_uppercase())),
                    K::Basename => buf.extend_from_slice(ops::basename(b)),
                    _ => ok = ops::b64_decode_into(b, buf),
                });
                if !ok {
                    return false;
                }
            }
            true
        }
        K::Len => {
            let Some(inp) = input(0) else { return false };
            if list_in {
                out.push_u64(inp.len() as u64);
            } else {
                match inp.get(0) {
                    Some(Value::Bytes(b)) => out.push_u64(b.len() as u64),
                    _ => return false,
                }
            }
            true
        }
        K::Join => {
            let (Some(sep), Some(list)) = (input(0), input(1)) else {
                return false;
            };
            let Some(sep) = sep.get(0) else { return false };
            out.push_with(|buf| {
                for (i, v) in list.iter().enumerate() {
                    if i > 0 {
                        write_value_text(sep, buf);
                    }
                    match v {
                        Value::Bytes(b) => buf.extend_from_slice(c_str(b)),
                        other => write_value_text(other, buf),
                    }
                }
            });
            true
        }
        K::Concat => {
            out.push_with(|buf| {
                for a in args {
                    if let Some(v) = values(a, sc).and_then(|v| v.get(0)) {
                        match v {
                            Value::Bytes(b) => buf.extend_from_slice(c_str(b)),
                            other => write_value_text(other, buf),
                        }
                    }
                }
            });
            true
        }
        K::Getopt => {
            let (Some(list), Some(optstring)) = (input(0), input(1)) else {
                return false;
            };
            let Some(Value::Bytes(optstring)) = optstring.get(0) else {
                return false;
            };
            let argv = || list.iter().filter_map(|v| v.as_bytes());
            if opt != 0 {
                let mut found = false;
                out.push_with(|buf| found = ops::getopt_select(argv(), optstring, opt, buf));
                found
            } else {
                ops::getopt_list(argv(), optstring, |item| out.push_bytes(item));
                true
            }
        }
    }
}

fn ip_in_net(a: IpAddr, net: IpAddr, len: u8) -> bool {
    match (a, net) {
        (IpAddr::V4(a), IpAddr::V4(n)) => {
            let mask = if len == 0 {
                0
            } else {
                u32::MAX << (32 - len.min(32))
            };
            u32::from(a) & mask == u32::from(n) & mask
        }
        (IpAddr::V6(a), IpAddr::V6(n)) => {
            let mask = if len == 0 {
                0
            } else {
                u128::MAX << (128 - len.min(128))
            };
            u128::from(a) & mask == u128::from(n) & mask
        }
        _ => false,
    }
}

fn eq_const(v: Value<'_>, c: &Const) -> bool {
    match (v, c) {
        (Value::Bytes(b), Const::Bytes(k)) => b == &**k,
        (Value::Bool(b), Const::Bool(k)) => b == *k,
        (Value::Ip(a), Const::Ip(k)) => a == *k,
        (Value::Ip(a), Const::Net(n, l)) => ip_in_net(a, *n, *l),
        // A field value that is a host address (/32, /128: fd.snet & co.) matches a network
        // constant that contains it, as libsinsp compares an address with an IPNET.
        (Value::Net(a, l), Const::Net(n, m)) => l >= *m && ip_in_net(a, *n, *m),
        (Value::Net(n, l), Const::Ip(a)) => ip_in_net(*a, n, l),
        (v, Const::Int(k)) => v.as_i128() == Some(*k),
        _ => false,
    }
}

fn ord_const(v: Value<'_>, c: &Const) -> Option<Ordering> {
    match (v, c) {
        (Value::Bytes(b), Const::Bytes(k)) => Some(b.cmp(k)),
        (v, Const::Int(k)) => v.as_i128().map(|x| x.cmp(k)),
        _ => None,
    }
}

fn ord_ok(op: Op, o: Option<Ordering>) -> bool {
    match (op, o) {
        (Op::Lt, Some(o)) => o == Ordering::Less,
        (Op::Le, Some(o)) => o != Ordering::Greater,
        (Op::Gt, Some(o)) => o == Ordering::Greater,
        (Op::Ge, Some(o)) => o != Ordering::Less,
        _ => false,
    }
}

fn match_one(m: &Matcher, v: Value<'_>) -> bool {
    match m {
        Matcher::Eq(c) => eq_const(v, c),
        Matcher::Ord(op, c) => ord_ok(*op, ord_const(v, c)),
        Matcher::Contains(f) => v.as_bytes().is_some_and(|b| f.find(b).is_some()),
        Matcher::IContains(n) => v.as_bytes().is_some_and(|b| ops::icontains(b, n)),
        Matcher::StartsWith(p) => v.as_bytes().is_some_and(|b| b.starts_with(p)),
        Matcher::EndsWith(p) => v.as_bytes().is_some_and(|b| b.ends_with(p)),
        Matcher::Glob(p, icase) => v.as_bytes().is_some_and(|b| ops::glob_match(p, b, *icase)),
        Matcher::Regex(r) => v.as_bytes().is_some_and(|b| r.is_match(b)),
    }
}

fn in_set(rhs: &Rhs2, v: Value<'_>) -> bool {
    match rhs {
        Rhs2::BytesSet(s) => v.as_bytes().is_some_and(|b| s.contains(b)),
        Rhs2::IntSet(s) => v.as_i128().is_some_and(|i| s.contains(&i)),
        Rhs2::OtherSet(s) => s.iter().any(|c| eq_const(v, c)),
        _ => false,
    }
}

/// Compares two extracted values (RHS-field checks).
fn cmp_values(op: Op, a: Value<'_>, b: Value<'_>) -> bool {
    let eq = || match (a, b) {
        (Value::Bytes(x), Value::Bytes(y)) => x == y,
        (Value::Ip(x), Value::Ip(y)) => x == y,
        (Value::Bool(x), Value::Bool(y)) => x == y,
        (Value::Net(x, l), Value::Net(y, m)) => x == y && l == m,
        _ => a.as_i128().is_some() && a.as_i128() == b.as_i128(),
    };
    let ord = || match (a, b) {
        (Value::Bytes(x), Value::Bytes(y)) => Some(x.cmp(y)),
        _ => Some(a.as_i128()?.cmp(&b.as_i128()?)),
    };
    let bytes = || Some((a.as_bytes()?, b.as_bytes()?));
    match op {
        Op::Eq | Op::EqEq | Op::In | Op::Intersects => eq(),
        Op::Ne => !eq(),
        Op::Lt | Op::Le | Op::Gt | Op::Ge => ord_ok(op, ord()),
        Op::Contains | Op::BContains => bytes().is_some_and(|(x, y)| memmem::find(x, y).is_some()),
        Op::IContains => bytes().is_some_and(|(x, y)| {
            y.len() <= x.len()
                && (y.is_empty() || x.windows(y.len()).any(|w| w.eq_ignore_ascii_case(y)))
        }),
        Op::StartsWith | Op::BStartsWith => bytes().is_some_and(|(x, y)| x.starts_with(y)),
        Op::EndsWith => bytes().is_some_and(|(x, y)| x.ends_with(y)),
        Op::Glob => bytes().is_some_and(|(x, y)| ops::glob_match(y, x, false)),
        Op::IGlob => bytes().is_some_and(|(x, y)| ops::glob_match(y, x, true)),
        Op::PMatch | Op::Regex | Op::Exists => false,
    }
}

#[inline(always)]
fn eval_check(c: &CheckNode, src: &mut dyn FieldSource, sc: &mut Scratch) -> bool {
    match c {
        CheckNode::Fast { id, arg, key, test } => {
            let gen = sc.gen;
            let Some(e) = sc.fields.get_mut(*key as usize) else {
                return false;
            };
            if e.gen != gen {
                e.vals.clear();
                e.ok = src.extract(*id, arg, &mut e.vals);
                e.gen = gen;
            }
            if !e.ok {
                return false;
            }
            if matches!(test, FastTest::Exists) {
                return true;
            }
            let vals = &e.vals;
            if vals.len() == 1 {
                vals.get(0).is_some_and(|v| fast_test(test, v))
            } else {
                vals.iter().any(|v| fast_test(test, v))
            }
        }
        CheckNode::General { lhs, mode, op, rhs } => eval_general(lhs, *mode, *op, rhs, src, sc),
    }
}

#[inline(never)]
fn eval_general(
    lhs: &Src,
    mode: Mode,
    op: Op,
    rhs: &Rhs2,
    src: &mut dyn FieldSource,
    sc: &mut Scratch,
) -> bool {
    if !fill(lhs, src, sc) {
        return false;
    }
    if let Rhs2::Field(r) = rhs {
        if !fill(r, src, sc) {
            return false;
        }
    }
    let sc = &*sc;
    let Some(vals) = values(lhs, sc) else {
        return false;
    };
    let pred = |v: Value<'_>| -> bool {
        match rhs {
            Rhs2::Field(r) => {
                let Some(rv) = values(r, sc) else {
                    return false;
                };
                match op {
                    Op::In | Op::Intersects => rv.iter().any(|x| cmp_values(Op::Eq, v, x)),
                    op => rv.get(0).is_some_and(|x| cmp_values(op, v, x)),
                }
            }
            rhs => test_const(rhs, v),
        }
    };
    if matches!(rhs, Rhs2::Exists) {
        return true;
    }
    match mode {
        Mode::Scalar | Mode::Any => vals.iter().any(pred),
        Mode::List => match op {
            // As libsinsp: every element in the set (vacuously true for an empty list).
            Op::In => vals.iter().all(pred),
            _ => vals.iter().any(pred),
        },
        Mode::EitherEnd => {
            if let Rhs2::Ne(k) = rhs {
                !vals.is_empty() && !vals.iter().any(|v| eq_const(v, k))
            } else {
                vals.iter().any(pred)
            }
        }
    }
}

/// Whether one value satisfies a right-hand side that is not a field.
#[inline]
fn test_const(rhs: &Rhs2, v: Value<'_>) -> bool {
    match rhs {
        Rhs2::Exists => true,
        Rhs2::One(m) => match_one(m, v),
        Rhs2::Ne(k) => !eq_const(v, k),
        Rhs2::BytesSet(_) | Rhs2::IntSet(_) | Rhs2::OtherSet(_) => in_set(rhs, v),
        Rhs2::PMatch(p) => v.as_bytes().is_some_and(|b| p.matches(b)),
        Rhs2::Modifier(m, items, negate) => {
            let hits = items.iter().filter(|it| match_one(it, v) != *negate);
            match m {
                Modifier::AnyOf => !items.is_empty() && hits.count() > 0,
                Modifier::OneOf => hits.count() == 1,
                Modifier::AllOf => !items.is_empty() && hits.count() == items.len(),
            }
        }
        Rhs2::Field(_) => false,
    }
}

/// RE2 (libsinsp's regex engine) takes a `{` that does not open a valid repetition
/// (`{n}`, `{n,}`, `{n,m}`) as a literal, and a lone `}` too; Rust's regex rejects them.
/// Escapes those braces so patterns RE2 accepts compile the same way (e.g. a value
/// `pentest-[0-9]{2` produced by text pasting of an exception list). (Added by the rules
/// engineer for falco-cases C14.)
fn re2_literal_braces(p: &str) -> std::borrow::Cow<'_, str> {
    if !p.contains(['{', '}']) {
        return std::borrow::Cow::Borrowed(p);
    }
    let b = p.as_bytes();
    let mut out = String::with_capacity(p.len() + 4);
    let (mut i, mut in_class) = (0, false);
    while i < b.len() {
        let c = b[i];
        match c {
            b'\\' => {
                let end = (i + 2).min(b.len());
                let end = (end..=b.len())
                    .find(|&e| p.is_char_boundary(e))
                    .unwrap_or(b.len());
                out.push_str(&p[i..end]);
                i = end;
                continue;
            }
            b'[' if !in_class => in_class = true,
            b']' if in_class => in_class = false,
            b'{' if !in_class => {
                let rest = &p[i + 1..];
                let close = rest.find('}');
                let valid = close.is_some_and(|k| {
                    let body = &rest[..k];
                    let (lo, hi) = body.split_once(',').unwrap_or((body, "0"));
                    !lo.is_empty()
                        && lo.bytes().all(|d| d.is_ascii_digit())
                        && hi.bytes().all(|d| d.is_ascii_digit())
                });
                match (valid, close) {
                    (true, Some(k)) => {
                        out.push_str(&p[i..i + k + 2]);
                        i += k + 2;
                        continue;
                    }
                    _ => {
                        out.push_str("\\{");
                        i += 1;
                        continue;
                    }
                }
            }
            b'}' if !in_class => {
                out.push_str("\\}");
                i += 1;
                continue;
            }
            _ => {}
        }
        let ch_end = (i + 1..=b.len())
            .find(|&e| p.is_char_boundary(e))
            .unwrap_or(b.len());
        out.push_str(&p[i..ch_end]);
        i = ch_end;
    }
    std::borrow::Cow::Owned(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn program_is_shareable_across_threads() {
        fn assert_send_sync<T: Send + Sync>() {}
        assert_send_sync::<Program>();
        fn assert_send<T: Send>() {}
        assert_send::<Scratch>();
    }

    #[test]
    fn integer_constants_wrap_like_libsinsp() {
        let p = Pos::default();
        assert_eq!(
            parse_int("-1", FieldType::Uint32, p).unwrap(),
            u32::MAX as i128
        );
        assert_eq!(
            parse_int("-1", FieldType::Uint64, p).unwrap(),
            u64::MAX as i128
        );
        assert_eq!(
            parse_int("70000", FieldType::Int16, p).unwrap(),
            70000i32 as i16 as i128
        );
        assert_eq!(parse_int("+5", FieldType::Int64, p).unwrap(), 5);
        assert_eq!(parse_int(" 7", FieldType::Int64, p).unwrap(), 7);
        for bad in ["", "-", "1.5", "0x10", "1a", "a1"] {
            assert_eq!(
                parse_int(bad, FieldType::Int64, p).unwrap_err().message,
                format!("{bad} is not a valid number")
            );
        }
    }
}
