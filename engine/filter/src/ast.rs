//! The condition AST, with a position on every node, and its canonical printer.
//!
//! The printer ([`Expr`]'s `Display`) reproduces Falco's `condition_compiled` text:
//! `(a and b)`, `not X`, `field op value`, lists as `(a, b)`, transformers as
//! `f(arg,arg)[arg]` (transformer lists `(a,b)`), values through libsinsp's `escape_str`. [`Expr::shape`] renders
//! the tree structure for tests (`or(and(unary(f, exists), ...))`).

use std::fmt::{self, Write as _};

/// A position in the condition text: byte index (0-based), line and column (1-based).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Pos {
    /// Byte offset, 0-based.
    pub idx: usize,
    /// Line, 1-based (`\r` and `\n` each start a new line, as in libsinsp).
    pub line: u32,
    /// Column, 1-based, in bytes.
    pub col: u32,
}

impl Default for Pos {
    fn default() -> Pos {
        Pos {
            idx: 0,
            line: 1,
            col: 1,
        }
    }
}

impl fmt::Display for Pos {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.line, self.col)
    }
}

/// A boolean expression node.
#[derive(Debug, Clone, PartialEq)]
pub enum Expr {
    /// n-ary `and` (at least two children); `pos` is the first child's.
    And {
        /// Position of the first child.
        pos: Pos,
        /// Operands, in order.
        children: Vec<Expr>,
    },
    /// n-ary `or` (at least two children); `pos` is the first child's.
    Or {
        /// Position of the first child.
        pos: Pos,
        /// Operands, in order.
        children: Vec<Expr>,
    },
    /// `not X` (after parity collapsing: `not not X` is `X`).
    Not {
        /// Position of the first `not` keyword.
        pos: Pos,
        /// Negated expression.
        child: Box<Expr>,
    },
    /// A bare identifier: a macro reference.
    Macro {
        /// Position of the identifier.
        pos: Pos,
        /// Macro name.
        name: String,
    },
    /// A field check (`lhs op [modifier] rhs`, or `lhs exists`).
    Check(Box<Check>),
}

/// A comparison operator.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[allow(missing_docs)]
pub enum Op {
    Eq,
    EqEq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
    Contains,
    IContains,
    BContains,
    StartsWith,
    BStartsWith,
    EndsWith,
    Glob,
    IGlob,
    In,
    Intersects,
    PMatch,
    Exists,
    Regex,
}

impl Op {
    /// The operator as written in conditions.
    pub fn as_str(self) -> &'static str {
        match self {
            Op::Eq => "=",
            Op::EqEq => "==",
            Op::Ne => "!=",
            Op::Lt => "<",
            Op::Le => "<=",
            Op::Gt => ">",
            Op::Ge => ">=",
            Op::Contains => "contains",
            Op::IContains => "icontains",
            Op::BContains => "bcontains",
            Op::StartsWith => "startswith",
            Op::BStartsWith => "bstartswith",
            Op::EndsWith => "endswith",
            Op::Glob => "glob",
            Op::IGlob => "iglob",
            Op::In => "in",
            Op::Intersects => "intersects",
            Op::PMatch => "pmatch",
            Op::Exists => "exists",
            Op::Regex => "regex",
        }
    }

    /// Whether the operator is `=`/`==`/`!=`/`in`/`intersects`/`pmatch` (LOAD_UNSAFE_NA_CHECK).
    pub fn is_equality_like(self) -> bool {
        matches!(
            self,
            Op::Eq | Op::EqEq | Op::Ne | Op::In | Op::Intersects | Op::PMatch
        )
    }
}

/// A list modifier for string operators (libs 0.25 / Falco 0.44).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Modifier {
    /// Exactly one list element matches.
    OneOf,
    /// At least one element matches.
    AnyOf,
    /// Every element matches.
    AllOf,
}

impl Modifier {
    /// The modifier keyword.
    pub fn as_str(self) -> &'static str {
        match self {
            Modifier::OneOf => "oneof",
            Modifier::AnyOf => "anyof",
            Modifier::AllOf => "allof",
        }
    }
}

/// `lhs op [modifier] rhs`; `rhs` is `None` only for `exists`.
#[derive(Debug, Clone, PartialEq)]
pub struct Check {
    /// Position of the left-hand side.
    pub pos: Pos,
    /// Field or transformer.
    pub lhs: Operand,
    /// Operator.
    pub op: Op,
    /// `oneof`/`anyof`/`allof`, if written.
    pub modifier: Option<Modifier>,
    /// Right-hand side (`None` for `exists`).
    pub rhs: Option<Rhs>,
}

/// A field or transformer operand.
#[derive(Debug, Clone, PartialEq)]
pub enum Operand {
    /// `name[arg]`.
    Field(FieldRef),
    /// `tname(args)[arg]`.
    Transformer(Transformer),
}

impl Operand {
    /// Position of the operand.
    pub fn pos(&self) -> Pos {
        match self {
            Operand::Field(f) => f.pos,
            Operand::Transformer(t) => t.pos,
        }
    }
}

/// A field reference `name[arg]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldRef {
    /// Position of the name.
    pub pos: Pos,
    /// Field name (`proc.aname`, `evt.arg.flags`).
    pub name: String,
    /// Bracket argument, unquoted.
    pub arg: Option<String>,
}

/// A transformer kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[allow(missing_docs)]
pub enum TransformerKind {
    ToLower,
    ToUpper,
    B64,
    Basename,
    Len,
    Join,
    Concat,
    Getopt,
}

impl TransformerKind {
    /// All transformer kinds.
    pub const ALL: [TransformerKind; 8] = [
        TransformerKind::ToLower,
        TransformerKind::ToUpper,
        TransformerKind::B64,
        TransformerKind::Basename,
        TransformerKind::Len,
        TransformerKind::Join,
        TransformerKind::Concat,
        TransformerKind::Getopt,
    ];
    /// The transformer's name.
    pub fn as_str(self) -> &'static str {
        match self {
            TransformerKind::ToLower => "tolower",
            TransformerKind::ToUpper => "toupper",
            TransformerKind::B64 => "b64",
            TransformerKind::Basename => "basename",
            TransformerKind::Len => "len",
            TransformerKind::Join => "join",
            TransformerKind::Concat => "concat",
            TransformerKind::Getopt => "getopt",
        }
    }
    /// Looks a transformer up by name.
    pub fn from_name(s: &str) -> Option<TransformerKind> {
        TransformerKind::ALL.into_iter().find(|k| k.as_str() == s)
    }
}

/// A transformer application `tname(arg, ...)[arg]`.
#[derive(Debug, Clone, PartialEq)]
pub struct Transformer {
    /// Position of the transformer name.
    pub pos: Pos,
    /// Which transformer.
    pub kind: TransformerKind,
    /// Arguments as written.
    pub args: Vec<TArg>,
    /// Optional bracket argument (`getopt(...)[t]`).
    pub arg: Option<String>,
}

/// A transformer argument.
#[derive(Debug, Clone, PartialEq)]
pub enum TArg {
    /// A field.
    Field(FieldRef),
    /// A nested transformer.
    Transformer(Transformer),
    /// A quoted string or a number.
    Value(ValueLit),
    /// A parenthesised list of fields, transformers, strings and numbers.
    List(Vec<TArg>, Pos),
}

/// A literal value (quoted or bare string, or number), already unescaped.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValueLit {
    /// Position of the first character (the quote for quoted strings).
    pub pos: Pos,
    /// The value text.
    pub text: String,
}

/// A literal list `(a, b)`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ListLit {
    /// Position of `(`.
    pub pos: Pos,
    /// Items.
    pub items: Vec<ValueLit>,
}

/// The right-hand side of a check.
#[derive(Debug, Clone, PartialEq)]
pub enum Rhs {
    /// A single value (a bare field name here is a string). After `in`/`intersects`/
    /// `pmatch` or a modifier, a bare identifier is such a value, compiled as a
    /// one-element list.
    Value(ValueLit),
    /// A literal list.
    List(ListLit),
    /// `val(field)`: compare with another field.
    Val(FieldRef),
    /// A transformer: compare with a computed value.
    Transformer(Transformer),
}

impl Expr {
    /// Position of the node.
    pub fn pos(&self) -> Pos {
        match self {
            Expr::And { pos, .. }
            | Expr::Or { pos, .. }
            | Expr::Not { pos, .. }
            | Expr::Macro { pos, .. } => *pos,
            Expr::Check(c) => c.pos,
        }
    }

    /// A structural rendering for tests:
    /// `or(and(unary(evt.name, exists), binary(evt.type, in, list[a,b])), binary(proc.name, =, value cat))`.
    pub fn shape(&self) -> String {
        let mut s = String::new();
        shape_into(self, &mut s);
        s
    }

    /// Every field name the condition reads (LHS, `val()`, transformer arguments), with
    /// its bracket argument as written (`proc.aname[2]`), sorted and deduplicated
    /// (`condition_fields` in `-L` JSON).
    pub fn fields(&self) -> Vec<String> {
        let mut out = Vec::new();
        self.visit_fields(&mut |f| out.push(field_text(f)));
        out.sort();
        out.dedup();
        out
    }

    /// Every operator used, as written (`=`, `in`, `startswith oneof`), sorted and
    /// deduplicated (`condition_operators` in `-L` JSON).
    pub fn operators(&self) -> Vec<String> {
        let mut out = Vec::new();
        self.walk(&mut |n| {
            if let Expr::Check(c) = n {
                out.push(match c.modifier {
                    Some(m) => format!("{} {}", c.op.as_str(), m.as_str()),
                    None => c.op.as_str().to_string(),
                });
            }
        });
        out.sort();
        out.dedup();
        out
    }

    /// Calls `f` on every field reference (LHS, `val()`, inside transformers), pre-order.
    pub fn visit_fields<'a>(&'a self, f: &mut impl FnMut(&'a FieldRef)) {
        fn targs<'a>(args: &'a [TArg], f: &mut impl FnMut(&'a FieldRef)) {
            for a in args {
                match a {
                    TArg::Field(fr) => f(fr),
                    TArg::Transformer(t) => targs(&t.args, f),
                    TArg::List(items, _) => targs(items, f),
                    TArg::Value(_) => {}
                }
            }
        }
        self.walk(&mut |n| {
            if let Expr::Check(c) = n {
                match &c.lhs {
                    Operand::Field(fr) => f(fr),
                    Operand::Transformer(t) => targs(&t.args, f),
                }
                match &c.rhs {
                    Some(Rhs::Val(fr)) => f(fr),
                    Some(Rhs::Transformer(t)) => targs(&t.args, f),
                    _ => {}
                }
            }
        });
    }

    /// Visits every node, pre-order.
    pub fn walk<'a>(&'a self, f: &mut impl FnMut(&'a Expr)) {
        f(self);
        match self {
            Expr::And { children, .. } | Expr::Or { children, .. } => {
                children.iter().for_each(|c| c.walk(f))
            }
            Expr::Not { child, .. } => child.walk(f),
            Expr::Macro { .. } | Expr::Check(_) => {}
        }
    }
}

fn shape_into(e: &Expr, s: &mut String) {
    match e {
        Expr::And { children, .. } | Expr::Or { children, .. } => {
            s.push_str(if matches!(e, Expr::And { .. }) {
                "and("
            } else {
                "or("
            });
            for (i, c) in children.iter().enumerate() {
                if i > 0 {
                    s.push_str(", ");
                }
                shape_into(c, s);
            }
            s.push(')');
        }
        Expr::Not { child, .. } => {
            s.push_str("not(");
            shape_into(child, s);
            s.push(')');
        }
        Expr::Macro { name, .. } => {
            let _ = write!(s, "identifier {name}");
        }
        Expr::Check(c) => {
            let lhs = match &c.lhs {
                Operand::Field(f) => field_text(f),
                Operand::Transformer(t) => transformer_text(t),
            };
            match &c.rhs {
                None => {
                    let _ = write!(s, "unary({lhs}, {})", c.op.as_str());
                }
                Some(r) => {
                    let op = match c.modifier {
                        Some(m) => format!("{} {}", c.op.as_str(), m.as_str()),
                        None => c.op.as_str().to_string(),
                    };
                    let rhs = match r {
                        Rhs::Value(v) => format!("value {}", v.text),
                        Rhs::List(l) => {
                            let items: Vec<&str> =
                                l.items.iter().map(|v| v.text.as_str()).collect();
                            format!("list[{}]", items.join(","))
                        }
                        Rhs::Val(f) => format!("field {}", field_text(f)),
                        Rhs::Transformer(t) => format!("transformer {}", transformer_text(t)),
                    };
                    let _ = write!(s, "binary({lhs}, {op}, {rhs})");
                }
            }
        }
    }
}

/// Writes a value as libsinsp's `escape_str` does for the canonical print: bare, unless
/// it contains a blank, `=`, a quote, a backslash or a NUL, in which case it is
/// double-quoted with `\b \f \n \r \t \\ \"` escaped. An empty value prints as nothing.
pub fn write_value(out: &mut String, v: &str) {
    let quote = v.bytes().any(|b| {
        matches!(
            b,
            0x08 | 0x0c | b'\n' | b'\r' | b'\t' | b' ' | b'=' | b'\\' | b'"' | b'\'' | 0
        )
    });
    if quote {
        out.push('"');
    }
    for c in v.chars() {
        match c {
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\\' => out.push_str("\\\\"),
            '"' => out.push_str("\\\""),
            c => out.push(c),
        }
    }
    if quote {
        out.push('"');
    }
}

fn field_text(f: &FieldRef) -> String {
    let mut s = f.name.clone();
    push_arg(&mut s, f.arg.as_deref());
    s
}

/// `[arg]` as upstream prints it: `[""]` for an empty argument.
fn push_arg(s: &mut String, arg: Option<&str>) {
    match arg {
        None => {}
        Some("") => s.push_str("[\"\"]"),
        Some(a) => {
            s.push('[');
            write_value(s, a);
            s.push(']');
        }
    }
}

fn targ_text(a: &TArg, s: &mut String) {
    match a {
        TArg::Field(f) => s.push_str(&field_text(f)),
        TArg::Transformer(t) => s.push_str(&transformer_text(t)),
        TArg::Value(v) => write_value(s, &v.text),
        TArg::List(items, _) => {
            s.push('(');
            for (i, it) in items.iter().enumerate() {
                if i > 0 {
                    s.push(',');
                }
                targ_text(it, s);
            }
            s.push(')');
        }
    }
}

fn transformer_text(t: &Transformer) -> String {
    let mut s = String::from(t.kind.as_str());
    s.push('(');
    for (i, a) in t.args.iter().enumerate() {
        if i > 0 {
            s.push(',');
        }
        targ_text(a, &mut s);
    }
    s.push(')');
    push_arg(&mut s, t.arg.as_deref());
    s
}

fn write_expr(e: &Expr, out: &mut String) {
    match e {
        Expr::And { children, .. } | Expr::Or { children, .. } => {
            let kw = if matches!(e, Expr::And { .. }) {
                " and "
            } else {
                " or "
            };
            if children.len() == 1 {
                write_expr(&children[0], out);
                return;
            }
            out.push('(');
            for (i, c) in children.iter().enumerate() {
                if i > 0 {
                    out.push_str(kw);
                }
                write_expr(c, out);
            }
            out.push(')');
        }
        Expr::Not { child, .. } => {
            out.push_str("not ");
            write_expr(child, out);
        }
        Expr::Macro { name, .. } => out.push_str(name),
        Expr::Check(c) => {
            match &c.lhs {
                Operand::Field(f) => out.push_str(&field_text(f)),
                Operand::Transformer(t) => out.push_str(&transformer_text(t)),
            }
            out.push(' ');
            out.push_str(c.op.as_str());
            if let Some(m) = c.modifier {
                out.push(' ');
                out.push_str(m.as_str());
            }
            match &c.rhs {
                None => {}
                Some(r) => {
                    out.push(' ');
                    match r {
                        Rhs::Value(v) => write_value(out, &v.text),
                        Rhs::List(l) => {
                            out.push('(');
                            for (i, v) in l.items.iter().enumerate() {
                                if i > 0 {
                                    out.push_str(", ");
                                }
                                write_value(out, &v.text);
                            }
                            out.push(')');
                        }
                        Rhs::Val(f) => {
                            out.push_str("val(");
                            out.push_str(&field_text(f));
                            out.push(')');
                        }
                        Rhs::Transformer(t) => out.push_str(&transformer_text(t)),
                    }
                }
            }
        }
    }
}

impl fmt::Display for Expr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut s = String::new();
        write_expr(self, &mut s);
        f.write_str(&s)
    }
}
