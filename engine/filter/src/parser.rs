//! The condition parser: a hand-written, byte-level recursive-descent parser following
//! libsinsp's grammar (falco-rules.md §3.1–3.2): keywords matched as prefixes, n-ary
//! `and`/`or`, `not` collapsed by parity, macros as bare identifiers, field arguments,
//! transformers on both sides, `val()`, list modifiers, a depth limit, and error messages
//! worded as libsinsp words them, each with the position where parsing stopped.

use crate::ast::*;
use thiserror::Error;

/// The depth limit Falco configures (the libs default is [`ParserOptions::default`]'s 100).
pub const FALCO_MAX_DEPTH: usize = 1000;

/// Parser settings.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ParserOptions {
    /// Maximum nesting depth of parentheses and transformers ("exceeded max depth limit").
    pub max_depth: usize,
    /// Accept the `\xHH` escape in quoted strings (libs master only; off in Falco 0.44.1).
    pub hex_escapes: bool,
}

impl Default for ParserOptions {
    fn default() -> ParserOptions {
        ParserOptions {
            max_depth: 100,
            hex_escapes: false,
        }
    }
}

impl ParserOptions {
    /// Falco 0.44.1's settings: depth 1000, no `\x` escapes.
    pub fn falco() -> ParserOptions {
        ParserOptions {
            max_depth: FALCO_MAX_DEPTH,
            hex_escapes: false,
        }
    }
}

/// A parse error: libsinsp's message and the position where parsing stopped.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[error("{message}")]
pub struct ParseError {
    /// The message, as libsinsp words it.
    pub message: String,
    /// Where the parser was when it failed.
    pub pos: Pos,
}

type PResult<T> = Result<T, ParseError>;

const STR_WORD_OPS: [(&str, Op); 9] = [
    ("glob", Op::Glob),
    ("iglob", Op::IGlob),
    ("contains", Op::Contains),
    ("icontains", Op::IContains),
    ("bcontains", Op::BContains),
    ("startswith", Op::StartsWith),
    ("bstartswith", Op::BStartsWith),
    ("endswith", Op::EndsWith),
    ("regex", Op::Regex),
];

const OPS_LIST_MSG: &str = "expected a valid check operator: one of '=', '==', '!=', '<', '<=', '>', '>=', \
'contains', 'icontains', 'bcontains', 'startswith', 'bstartswith', 'endswith', 'glob', 'iglob', 'in', \
'intersects', 'pmatch', 'exists', 'regex'";

const NUM_MSG: &str =
    "expected a number value or a field with a valid transformer: 'val', 'tolower', \
'toupper', 'b64', 'basename', 'len', 'join', 'concat', 'getopt'";

/// Parses `text` with the libs default options (depth 100).
pub fn parse(text: &str) -> Result<Expr, ParseError> {
    Parser::new(text, ParserOptions::default()).parse()
}

/// Parses `text` with explicit options.
pub fn parse_with(text: &str, opts: ParserOptions) -> Result<Expr, ParseError> {
    Parser::new(text, opts).parse()
}

/// A parser over one condition. [`Parser::pos`] tells where it stopped.
#[derive(Debug)]
pub struct Parser<'a> {
    src: &'a [u8],
    pos: Pos,
    depth: usize,
    opts: ParserOptions,
    last_token: (usize, usize),
}

fn is_blank(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | 0x08 | b'\r' | b'\n')
}

fn is_bare_string_char(b: u8) -> bool {
    !(matches!(b, b'(' | b')' | b'"' | b'\'' | b'=' | b',') || b.is_ascii_whitespace() || b == 0x0b)
}

fn is_field_arg_char(b: u8) -> bool {
    !(matches!(b, b'[' | b']' | b'"' | b'\'') || b.is_ascii_whitespace() || b == 0x0b)
}

impl<'a> Parser<'a> {
    /// A parser for `text`.
    pub fn new(text: &'a str, opts: ParserOptions) -> Parser<'a> {
        Parser {
            src: text.as_bytes(),
            pos: Pos::default(),
            depth: 0,
            opts,
            last_token: (0, 0),
        }
    }

    /// The current position (after [`Parser::parse`]: the end of what was consumed).
    pub fn pos(&self) -> Pos {
        self.pos
    }

    /// Parses the whole input.
    pub fn parse(&mut self) -> PResult<Expr> {
        if self.src.is_empty() {
            return Err(self.err("filter input string is empty"));
        }
        self.ws();
        let e = self.or_expr()?;
        self.ws();
        if self.pos.idx < self.src.len() {
            let tok = self.last_token_text();
            return Err(self.err(format!(
                "unexpected token after '{tok}', expecting 'or', 'and'"
            )));
        }
        Ok(e)
    }

    // ---- low-level cursor helpers ----

    fn err(&self, msg: impl Into<String>) -> ParseError {
        ParseError {
            message: msg.into(),
            pos: self.pos,
        }
    }

    fn last_token_text(&self) -> String {
        let (a, b) = self.last_token;
        String::from_utf8_lossy(self.src.get(a..b).unwrap_or(&[])).into_owned()
    }

    fn peek(&self) -> Option<u8> {
        self.src.get(self.pos.idx).copied()
    }

    fn rest(&self) -> &'a [u8] {
        self.src.get(self.pos.idx..).unwrap_or(&[])
    }

    fn bump(&mut self) {
        if let Some(b) = self.peek() {
            self.pos.idx += 1;
            if b == b'\n' || b == b'\r' {
                self.pos.line += 1;
                self.pos.col = 1;
            } else {
                self.pos.col += 1;
            }
        }
    }

    fn bump_n(&mut self, n: usize) {
        for _ in 0..n {
            self.bump();
        }
    }

    fn ws(&mut self) {
        while self.peek().is_some_and(is_blank) {
            self.bump();
        }
    }

    /// At least one blank character.
    fn blank(&mut self) -> bool {
        if self.peek().is_some_and(is_blank) {
            self.ws();
            true
        } else {
            false
        }
    }

    /// Matches `s` as a prefix of the remaining input.
    fn lit(&mut self, s: &str) -> bool {
        if self.rest().starts_with(s.as_bytes()) {
            let start = self.pos.idx;
            self.bump_n(s.len());
            self.last_token = (start, self.pos.idx);
            true
        } else {
            false
        }
    }

    fn token_from(&mut self, start: usize) -> &'a str {
        self.last_token = (start, self.pos.idx);
        // Token boundaries are ASCII delimiters, so the slice is valid UTF-8.
        std::str::from_utf8(self.src.get(start..self.pos.idx).unwrap_or(&[])).unwrap_or("")
    }

    fn enter(&mut self) -> PResult<()> {
        self.depth += 1;
        if self.depth > self.opts.max_depth {
            return Err(self.err(format!(
                "exceeded max depth limit of {}",
                self.opts.max_depth
            )));
        }
        Ok(())
    }

    fn leave(&mut self) {
        self.depth = self.depth.saturating_sub(1);
    }

    // ---- lexemes ----

    /// `[a-zA-Z]+[a-zA-Z0-9_]*`
    fn identifier(&mut self) -> Option<&'a str> {
        let start = self.pos.idx;
        if !self.peek().is_some_and(|b| b.is_ascii_alphabetic()) {
            return None;
        }
        while self
            .peek()
            .is_some_and(|b| b.is_ascii_alphanumeric() || b == b'_')
        {
            self.bump();
        }
        Some(self.token_from(start))
    }

    /// `identifier ("." identifier)+`
    fn field_name(&mut self) -> Option<&'a str> {
        let save = self.pos;
        let start = self.pos.idx;
        self.identifier()?;
        let mut segments = 1;
        loop {
            let before = self.pos;
            if self.peek() == Some(b'.') {
                self.bump();
                if self.identifier().is_some() {
                    segments += 1;
                    continue;
                }
            }
            self.pos = before;
            break;
        }
        if segments < 2 {
            self.pos = save;
            return None;
        }
        Some(self.token_from(start))
    }

    fn number(&mut self) -> Option<String> {
        let start = self.pos.idx;
        let save = self.pos;
        let r = self.rest();
        if r.len() > 2 && r[0] == b'0' && (r[1] == b'x' || r[1] == b'X') && r[2].is_ascii_hexdigit()
        {
            self.bump_n(2);
            while self.peek().is_some_and(|b| b.is_ascii_hexdigit()) {
                self.bump();
            }
            return Some(self.token_from(start).to_string());
        }
        if matches!(self.peek(), Some(b'+' | b'-')) {
            self.bump();
        }
        if !self.peek().is_some_and(|b| b.is_ascii_digit()) {
            self.pos = save;
            return None;
        }
        while self.peek().is_some_and(|b| b.is_ascii_digit()) {
            self.bump();
        }
        if self.peek() == Some(b'.') {
            self.bump();
            while self.peek().is_some_and(|b| b.is_ascii_digit()) {
                self.bump();
            }
        }
        let r = self.rest();
        if r.len() > 2
            && matches!(r[0], b'e' | b'E')
            && matches!(r[1], b'+' | b'-')
            && r[2].is_ascii_digit()
        {
            self.bump_n(2);
            while self.peek().is_some_and(|b| b.is_ascii_digit()) {
                self.bump();
            }
        }
        Some(self.token_from(start).to_string())
    }

    fn bare_string(&mut self) -> Option<String> {
        let start = self.pos.idx;
        while self.peek().is_some_and(is_bare_string_char) {
            self.bump();
        }
        if self.pos.idx == start {
            return None;
        }
        Some(self.token_from(start).to_string())
    }

    /// A quoted string. `Ok(None)` if the input does not start with a quote, or the string
    /// is unterminated (the caller reports a grammar error); `Err` on a bad escape.
    fn quoted(&mut self) -> PResult<Option<String>> {
        let Some(q @ (b'"' | b'\'')) = self.peek() else {
            return Ok(None);
        };
        let save = self.pos;
        let start = self.pos.idx;
        self.bump();
        let mut out: Vec<u8> = Vec::new();
        loop {
            let Some(b) = self.peek() else {
                self.pos = save;
                return Ok(None);
            };
            if b == q {
                self.bump();
                break;
            }
            if b != b'\\' {
                out.push(b);
                self.bump();
                continue;
            }
            let esc_pos = self.pos;
            self.bump();
            let Some(e) = self.peek() else {
                self.pos = save;
                return Ok(None);
            };
            let decoded = match e {
                b'b' => Some(0x08),
                b'f' => Some(0x0c),
                b'n' => Some(b'\n'),
                b'r' => Some(b'\r'),
                b't' => Some(b'\t'),
                b'\\' => Some(b'\\'),
                b'/' => Some(b'/'),
                b' ' => Some(b'\\'),
                b'"' if q == b'"' => Some(b'"'),
                b'\'' if q == b'\'' => Some(b'\''),
                b'x' if self.opts.hex_escapes => {
                    let r = self.rest();
                    let h = r.get(1..3).and_then(|h| std::str::from_utf8(h).ok());
                    match h.and_then(|h| u8::from_str_radix(h, 16).ok()) {
                        Some(v) if h.is_some_and(|h| h.bytes().all(|c| c.is_ascii_hexdigit())) => {
                            self.bump_n(2);
                            Some(v)
                        }
                        _ => None,
                    }
                }
                _ => None,
            };
            match decoded {
                Some(v) => {
                    out.push(v);
                    self.bump();
                }
                None => {
                    let shown = String::from_utf8_lossy(
                        self.src
                            .get(esc_pos.idx + 1..esc_pos.idx + 2)
                            .unwrap_or(&[]),
                    )
                    .into_owned();
                    self.pos = esc_pos;
                    return Err(self.err(format!("unsupported string escape sequence: \\{shown}")));
                }
            }
        }
        self.last_token = (start, self.pos.idx);
        // NUL bytes can only come from `\x00`; keep them (valid UTF-8), the compiler checks.
        Ok(Some(String::from_utf8_lossy(&out).into_owned()))
    }

    /// `[ (quoted | field_arg_bare) ]` after a field or transformer.
    fn field_arg(&mut self) -> PResult<Option<String>> {
        if !self.lit("[") {
            return Ok(None);
        }
        let arg = if let Some(q) = self.quoted()? {
            q
        } else {
            let start = self.pos.idx;
            while self.peek().is_some_and(is_field_arg_char) {
                self.bump();
            }
            if self.pos.idx == start {
                return Err(
                    self.err("expected a valid field argument: a quoted string or a bare string")
                );
            }
            self.token_from(start).to_string()
        };
        if !self.lit("]") {
            return Err(self.err("expected a ']' token"));
        }
        Ok(Some(arg))
    }

    fn field(&mut self) -> PResult<Option<FieldRef>> {
        let pos = self.pos;
        let Some(name) = self.field_name() else {
            return Ok(None);
        };
        let arg = self.field_arg()?;
        Ok(Some(FieldRef {
            pos,
            name: name.to_string(),
            arg,
        }))
    }

    /// A transformer if the input starts with `tname(`; otherwise consumes nothing.
    fn transformer(&mut self) -> PResult<Option<Transformer>> {
        let save = self.pos;
        let saved_tok = self.last_token;
        let Some(id) = self.identifier() else {
            return Ok(None);
        };
        let kind = match TransformerKind::from_name(id) {
            Some(k) if self.peek() == Some(b'(') => k,
            _ => {
                self.pos = save;
                self.last_token = saved_tok;
                return Ok(None);
            }
        };
        self.lit("(");
        self.enter()?;
        let mut args = vec![self.targ()?];
        loop {
            self.ws();
            if self.lit(",") {
                args.push(self.targ()?);
            } else {
                break;
            }
        }
        self.ws();
        if !self.lit(")") {
            return Err(self.err("expected a ')' token"));
        }
        self.leave();
        let arg = self.field_arg()?;
        Ok(Some(Transformer {
            pos: save,
            kind,
            args,
            arg,
        }))
    }

    fn targ(&mut self) -> PResult<TArg> {
        self.ws();
        let pos = self.pos;
        if let Some(n) = self.number() {
            return Ok(TArg::Value(ValueLit { pos, text: n }));
        }
        if let Some(q) = self.quoted()? {
            return Ok(TArg::Value(ValueLit { pos, text: q }));
        }
        if self.lit("(") {
            return self.tlist(pos);
        }
        if let Some(t) = self.transformer()? {
            return Ok(TArg::Transformer(t));
        }
        if let Some(f) = self.field()? {
            return Ok(TArg::Field(f));
        }
        Err(self.err("expected a field, a transformer, a quoted string, a number or a list"))
    }

    fn tlist(&mut self, pos: Pos) -> PResult<TArg> {
        let mut items = Vec::new();
        self.ws();
        if self.lit(")") {
            return Ok(TArg::List(items, pos));
        }
        loop {
            self.ws();
            let ipos = self.pos;
            let item = if let Some(t) = self.transformer()? {
                TArg::Transformer(t)
            } else if let Some(f) = self.field()? {
                TArg::Field(f)
            } else if let Some(q) = self.quoted()? {
                TArg::Value(ValueLit { pos: ipos, text: q })
            } else if let Some(n) = self.number() {
                TArg::Value(ValueLit { pos: ipos, text: n })
            } else {
                return Err(
                    self.err("expected a field, a transformer, a quoted string or a number")
                );
            };
            items.push(item);
            self.ws();
            if self.lit(",") {
                continue;
            }
            if self.lit(")") {
                return Ok(TArg::List(items, pos));
            }
            return Err(self.err("expected a ')' token"));
        }
    }

    // ---- grammar ----

    fn or_expr(&mut self) -> PResult<Expr> {
        self.enter()?;
        let first = self.and_expr()?;
        let mut children = vec![first];
        loop {
            let save = self.pos;
            self.ws();
            if self.lit("or") {
                if self.blank() {
                    children.push(self.and_expr()?);
                } else if self.lit("(") {
                    children.push(self.nested()?);
                } else {
                    return Err(self.err("expected blank or '(' after 'or'"));
                }
            } else {
                self.pos = save;
                break;
            }
        }
        self.leave();
        Ok(collapse(children, false))
    }

    fn and_expr(&mut self) -> PResult<Expr> {
        let first = self.not_expr()?;
        let mut children = vec![first];
        loop {
            let save = self.pos;
            self.ws();
            if self.lit("and") {
                if self.blank() {
                    children.push(self.not_expr()?);
                } else if self.lit("(") {
                    children.push(self.nested()?);
                } else {
                    return Err(self.err("expected blank or '(' after 'and'"));
                }
            } else {
                self.pos = save;
                break;
            }
        }
        Ok(collapse(children, true))
    }

    fn not_expr(&mut self) -> PResult<Expr> {
        self.ws();
        let first_pos = self.pos;
        let mut count = 0usize;
        let inner = loop {
            let save = self.pos;
            let saved_tok = self.last_token;
            if self.lit("not") {
                if self.blank() {
                    count += 1;
                    continue;
                }
                if self.lit("(") {
                    count += 1;
                    break self.nested()?;
                }
                self.pos = save;
                self.last_token = saved_tok;
            }
            break self.check()?;
        };
        if count % 2 == 1 {
            Ok(Expr::Not {
                pos: first_pos,
                child: Box::new(inner),
            })
        } else {
            Ok(inner)
        }
    }

    /// After `(`: `ws or_expr ws )`.
    fn nested(&mut self) -> PResult<Expr> {
        self.ws();
        let e = self.or_expr()?;
        self.ws();
        if !self.lit(")") {
            return Err(self.err("expected a ')' token"));
        }
        Ok(e)
    }

    fn check(&mut self) -> PResult<Expr> {
        self.ws();
        if self.lit("(") {
            return self.nested();
        }
        self.leaf_check()
    }

    /// A check that is not parenthesised: `lhs predicate` or a macro name. Kept out of
    /// [`Parser::check`] so the frames on the parenthesis recursion path stay small.
    #[inline(never)]
    fn leaf_check(&mut self) -> PResult<Expr> {
        let pos = self.pos;
        if let Some(t) = self.transformer()? {
            return self.predicate(Operand::Transformer(t), pos);
        }
        if let Some(f) = self.field()? {
            return self.predicate(Operand::Field(f), pos);
        }
        if let Some(id) = self.identifier() {
            return Ok(Expr::Macro {
                pos,
                name: id.to_string(),
            });
        }
        Err(self.err("expected a '(' token, a field check, or an identifier"))
    }

    /// `val(field)` or a transformer.
    fn rhs_tr(&mut self) -> PResult<Option<Rhs>> {
        if self.lit("val(") {
            self.ws();
            let Some(f) = self.field()? else {
                return Err(self.err("expected a field inside 'val()'"));
            };
            self.ws();
            if !self.lit(")") {
                return Err(self.err("expected a ')' token"));
            }
            return Ok(Some(Rhs::Val(f)));
        }
        Ok(self.transformer()?.map(Rhs::Transformer))
    }

    fn list(&mut self) -> PResult<ListLit> {
        let pos = self.pos;
        // caller checked '('
        self.lit("(");
        let mut items = Vec::new();
        self.ws();
        if self.lit(")") {
            return Ok(ListLit { pos, items });
        }
        loop {
            self.ws();
            let vpos = self.pos;
            let v = match self.quoted()? {
                Some(q) => q,
                None => match self.bare_string() {
                    Some(b) => b,
                    None => {
                        return Err(
                            self.err("expected a list value: a quoted string or a bare string")
                        )
                    }
                },
            };
            items.push(ValueLit { pos: vpos, text: v });
            self.ws();
            if self.lit(",") {
                continue;
            }
            if self.lit(")") {
                return Ok(ListLit { pos, items });
            }
            return Err(self.err("expected a ')' token"));
        }
    }

    fn predicate(&mut self, lhs: Operand, pos: Pos) -> PResult<Expr> {
        self.ws();
        if self.lit("exists") {
            return mk(pos, lhs, Op::Exists, None, None);
        }
        for (s, op) in [("<=", Op::Le), ("<", Op::Lt), (">=", Op::Ge), (">", Op::Gt)] {
            if self.lit(s) {
                self.ws();
                if let Some(r) = self.rhs_tr()? {
                    return mk(pos, lhs, op, None, Some(r));
                }
                let vpos = self.pos;
                return match self.number() {
                    Some(n) => mk(
                        pos,
                        lhs,
                        op,
                        None,
                        Some(Rhs::Value(ValueLit { pos: vpos, text: n })),
                    ),
                    None => Err(self.err(NUM_MSG)),
                };
            }
        }
        let mut str_op = None;
        for (s, op) in [("==", Op::EqEq), ("=", Op::Eq), ("!=", Op::Ne)] {
            if self.lit(s) {
                str_op = Some(op);
                break;
            }
        }
        if str_op.is_none() {
            for (s, op) in STR_WORD_OPS {
                let save = self.pos;
                if self.lit(s) {
                    if self.peek().is_some_and(is_blank) {
                        str_op = Some(op);
                        break;
                    }
                    self.pos = save;
                }
            }
        }
        if let Some(op) = str_op {
            return self.str_rhs(lhs, op, pos);
        }
        for (s, op) in [
            ("intersects", Op::Intersects),
            ("in", Op::In),
            ("pmatch", Op::PMatch),
        ] {
            if self.lit(s) {
                self.ws();
                if self.peek() == Some(b'(') {
                    let l = self.list()?;
                    return mk(pos, lhs, op, None, Some(Rhs::List(l)));
                }
                if let Some(r) = self.rhs_tr()? {
                    return mk(pos, lhs, op, None, Some(r));
                }
                let vpos = self.pos;
                if let Some(id) = self.identifier() {
                    return mk(
                        pos,
                        lhs,
                        op,
                        None,
                        Some(Rhs::Ident(ValueLit {
                            pos: vpos,
                            text: id.to_string(),
                        })),
                    );
                }
                return Err(
                    self.err("expected a list, a list name or a field with a valid transformer")
                );
            }
        }
        Err(self.err(OPS_LIST_MSG))
    }

    fn str_rhs(&mut self, lhs: Operand, op: Op, pos: Pos) -> PResult<Expr> {
        // Modifier form: blank, modifier, blank, then '(' or an identifier that is not a keyword.
        let save = self.pos;
        let saved_tok = self.last_token;
        if self.blank() {
            for m in [Modifier::OneOf, Modifier::AnyOf, Modifier::AllOf] {
                let at_mod = self.pos;
                if self.lit(m.as_str()) {
                    if self.blank() {
                        if self.peek() == Some(b'(') {
                            let l = self.list()?;
                            return mk(pos, lhs, op, Some(m), Some(Rhs::List(l)));
                        }
                        let id_pos = self.pos;
                        if let Some(id) = self.identifier() {
                            if !matches!(id, "and" | "or" | "not") {
                                return mk(
                                    pos,
                                    lhs,
                                    op,
                                    Some(m),
                                    Some(Rhs::Ident(ValueLit {
                                        pos: id_pos,
                                        text: id.to_string(),
                                    })),
                                );
                            }
                        }
                    }
                    self.pos = at_mod;
                    break;
                }
            }
        }
        self.pos = save;
        self.last_token = saved_tok;
        self.ws();
        if let Some(r) = self.rhs_tr()? {
            return mk(pos, lhs, op, None, Some(r));
        }
        let vpos = self.pos;
        if let Some(q) = self.quoted()? {
            return mk(
                pos,
                lhs,
                op,
                None,
                Some(Rhs::Value(ValueLit { pos: vpos, text: q })),
            );
        }
        if let Some(b) = self.bare_string() {
            return mk(
                pos,
                lhs,
                op,
                None,
                Some(Rhs::Value(ValueLit { pos: vpos, text: b })),
            );
        }
        Err(self.err(
            "expected a value: a quoted string, a bare string or a field with a valid transformer",
        ))
    }
}

fn mk(
    pos: Pos,
    lhs: Operand,
    op: Op,
    modifier: Option<Modifier>,
    rhs: Option<Rhs>,
) -> PResult<Expr> {
    Ok(Expr::Check(Box::new(Check {
        pos,
        lhs,
        op,
        modifier,
        rhs,
    })))
}

fn collapse(mut children: Vec<Expr>, and: bool) -> Expr {
    if children.len() == 1 {
        if let Some(e) = children.pop() {
            return e;
        }
    }
    let pos = children.first().map(Expr::pos).unwrap_or_default();
    if and {
        Expr::And { pos, children }
    } else {
        Expr::Or { pos, children }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn smoke() {
        let e = parse("evt.type=open and proc.name in (a, 'b c')").unwrap();
        assert_eq!(
            e.to_string(),
            "(evt.type = open and proc.name in (a, \"b c\"))"
        );
        assert!(parse("a andb").is_err());
        assert_eq!(
            parse("").unwrap_err().message,
            "filter input string is empty"
        );
    }

    #[test]
    fn fields_and_operators() {
        let e = parse(
            "evt.type in (a) and not proc.aname[2] startswith oneof (x) or tolower(fd.name) = val(fd.directory) \
             or join(\"-\", (proc.pid, \"a\")) exists",
        )
        .unwrap();
        assert_eq!(
            e.fields(),
            vec![
                "evt.type",
                "fd.directory",
                "fd.name",
                "proc.aname[2]",
                "proc.pid"
            ]
        );
        assert_eq!(e.operators(), vec!["=", "exists", "in", "startswith oneof"]);
    }
}
