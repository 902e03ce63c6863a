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

/// Symbol operators first, then word operators that need a blank after them.
const STR_OPS: [(&str, Op, bool); 12] = [
    ("==", Op::EqEq, false),
    ("=", Op::Eq, false),
    ("!=", Op::Ne, false),
    ("glob", Op::Glob, true),
    ("iglob", Op::IGlob, true),
    ("contains", Op::Contains, true),
    ("icontains", Op::IContains, true),
    ("bcontains", Op::BContains, true),
    ("startswith", Op::StartsWith, true),
    ("bstartswith", Op::BStartsWith, true),
    ("endswith", Op::EndsWith, true),
    ("regex", Op::Regex, true),
];

const NUM_OPS: [(&str, Op); 4] = [("<=", Op::Le), ("<", Op::Lt), (">=", Op::Ge), (">", Op::Gt)];

const LIST_OPS: [(&str, Op); 3] = [
    ("intersects", Op::Intersects),
    ("in", Op::In),
    ("pmatch", Op::PMatch),
];

const OPS_LIST_MSG: &str = "expected a valid check operator: one of 'exists', '<=', '<', '>=', '>', '==', '=', \
'!=', 'glob', 'iglob', 'contains', 'icontains', 'bcontains', 'startswith', 'bstartswith', 'endswith', 'regex', \
'intersects', 'in', 'pmatch'";

const TRANSFORMERS_MSG: &str =
    "'val', 'tolower', 'toupper', 'b64', 'basename', 'len', 'join', 'concat', 'getopt'";

/// Parses `text` with the libs default options (depth 100).
pub fn parse(text: &str) -> Result<Expr, ParseError> {
    Parser::new(text, ParserOptions::default()).parse()
}

/// Parses `text` with explicit options.
pub fn parse_with(text: &str, opts: ParserOptions) -> Result<Expr, ParseError> {
    Parser::new(text, opts).parse()
}

/// A parser over one condition. [`Parser::pos`] tells where it stopped.
///
/// The structure mirrors libsinsp's parser function by function, because the depth limit
/// counts nested grammar functions (not only parentheses: `((a))` costs 5 levels per
/// parenthesis, a check at the bottom 4 to 7), node positions are taken on entry to a
/// function (before skipping blanks), and the "unexpected token after 'X'" message names
/// the last token lexed.
#[derive(Debug)]
pub struct Parser<'a> {
    src: &'a [u8],
    pos: Pos,
    depth: usize,
    opts: ParserOptions,
    last_token: String,
}

/// libsinsp's blank set (`lex_blank`).
fn is_blank(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | 0x08 | b'\r' | b'\n')
}

/// POSIX `[[:space:]]`.
fn is_space(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\n' | 0x0b | 0x0c | b'\r')
}

fn is_bare_string_char(b: u8) -> bool {
    !(matches!(b, b'(' | b')' | b'"' | b'\'' | b'=' | b',') || is_space(b))
}

fn is_field_arg_char(b: u8) -> bool {
    !(matches!(b, b'[' | b']' | b'"' | b'\'') || is_space(b))
}

type Saved = (Pos, String);

impl<'a> Parser<'a> {
    /// A parser for `text`.
    pub fn new(text: &'a str, opts: ParserOptions) -> Parser<'a> {
        Parser {
            src: text.as_bytes(),
            pos: Pos::default(),
            depth: 0,
            opts,
            last_token: String::new(),
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
        let e = self.or_expr()?;
        if self.pos.idx != self.src.len() {
            return Err(self.err(format!(
                "unexpected token after '{}', expecting 'or', 'and'",
                self.last_token
            )));
        }
        Ok(e)
    }

    // ---- cursor helpers ----

    fn err(&self, msg: impl Into<String>) -> ParseError {
        ParseError {
            message: msg.into(),
            pos: self.pos,
        }
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

    fn save(&self) -> Saved {
        (self.pos, self.last_token.clone())
    }

    fn restore(&mut self, s: Saved) {
        self.pos = s.0;
        self.last_token = s.1;
    }

    /// Consumes blanks; the only lexer that leaves `last_token` alone.
    fn lex_blank(&mut self) -> bool {
        let mut found = false;
        while self.peek().is_some_and(is_blank) {
            self.bump();
            found = true;
        }
        found
    }

    /// Consumes `n` bytes as a token.
    fn take(&mut self, n: usize) -> &'a str {
        let start = self.pos.idx;
        for _ in 0..n {
            self.bump();
        }
        // Tokens end at ASCII delimiters or at the end, so the slice is valid UTF-8.
        let t = std::str::from_utf8(self.src.get(start..self.pos.idx).unwrap_or(&[])).unwrap_or("");
        self.last_token.clear();
        self.last_token.push_str(t);
        t
    }

    fn lex_str(&mut self, s: &str) -> bool {
        if self.rest().starts_with(s.as_bytes()) {
            self.take(s.len());
            true
        } else {
            false
        }
    }

    /// An operator; `needs_blank` operators must be followed by blanks (consumed).
    fn lex_op(&mut self, s: &str, needs_blank: bool) -> bool {
        if !needs_blank {
            return self.lex_str(s);
        }
        let saved = self.save();
        if self.lex_str(s) {
            if self.lex_blank() {
                return true;
            }
            self.restore(saved);
        }
        false
    }

    fn enter(&mut self) -> PResult<()> {
        self.depth += 1;
        if self.depth >= self.opts.max_depth {
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

    /// Runs `f` one depth level down (libsinsp's `depth_guard`).
    fn guarded<T>(&mut self, f: impl FnOnce(&mut Self) -> PResult<T>) -> PResult<T> {
        self.enter()?;
        let r = f(self);
        self.leave();
        r
    }

    // ---- lexemes ----

    fn ident_len(r: &[u8]) -> usize {
        let alpha = r.iter().take_while(|b| b.is_ascii_alphabetic()).count();
        if alpha == 0 {
            return 0;
        }
        alpha
            + r[alpha..]
                .iter()
                .take_while(|b| b.is_ascii_alphanumeric() || **b == b'_')
                .count()
    }

    /// `[a-zA-Z]+[a-zA-Z0-9_]*`
    fn lex_identifier(&mut self) -> Option<&'a str> {
        let n = Self::ident_len(self.rest());
        (n > 0).then(|| self.take(n))
    }

    /// `identifier ("." identifier)+`
    fn lex_field_name(&mut self) -> Option<&'a str> {
        let r = self.rest();
        let mut n = Self::ident_len(r);
        if n == 0 {
            return None;
        }
        let mut segments = 1;
        while r.get(n) == Some(&b'.') {
            let m = Self::ident_len(&r[n + 1..]);
            if m == 0 {
                break;
            }
            n += 1 + m;
            segments += 1;
        }
        (segments >= 2).then(|| self.take(n))
    }

    /// `0[xX][0-9a-zA-Z]+` or `[+-]?[0-9]+\.?[0-9]*([eE][+-][0-9]+)?`
    fn lex_number(&mut self) -> Option<&'a str> {
        let r = self.rest();
        if r.len() > 2
            && r[0] == b'0'
            && matches!(r[1], b'x' | b'X')
            && r[2].is_ascii_alphanumeric()
        {
            let n = 2 + r[2..]
                .iter()
                .take_while(|b| b.is_ascii_alphanumeric())
                .count();
            return Some(self.take(n));
        }
        let mut n = usize::from(matches!(r.first(), Some(b'+' | b'-')));
        let digits = r[n..].iter().take_while(|b| b.is_ascii_digit()).count();
        if digits == 0 {
            return None;
        }
        n += digits;
        if r.get(n) == Some(&b'.') {
            n += 1;
            n += r[n..].iter().take_while(|b| b.is_ascii_digit()).count();
        }
        if r.len() > n + 2
            && matches!(r[n], b'e' | b'E')
            && matches!(r[n + 1], b'+' | b'-')
            && r[n + 2].is_ascii_digit()
        {
            n += 2;
            n += r[n..].iter().take_while(|b| b.is_ascii_digit()).count();
        }
        Some(self.take(n))
    }

    fn lex_run(&mut self, pred: fn(u8) -> bool) -> Option<&'a str> {
        let n = self.rest().iter().take_while(|b| pred(**b)).count();
        (n > 0).then(|| self.take(n))
    }

    /// `not` followed by at least one `[[:space:]]`.
    fn lex_not_blank(&mut self) -> bool {
        let r = self.rest();
        if !r.starts_with(b"not") {
            return false;
        }
        let sp = r[3..].iter().take_while(|b| is_space(**b)).count();
        if sp == 0 {
            return false;
        }
        self.take(3 + sp);
        true
    }

    /// A quoted string: it ends at the first delimiter whose preceding character is not a
    /// backslash (so `'a\\'` is not closed by its last quote, as in libsinsp); the content
    /// is then unescaped. `Ok(false)` (nothing consumed) when unterminated; `Err` on a bad
    /// escape, with the cursor after the closing quote.
    fn lex_quoted(&mut self) -> PResult<bool> {
        let Some(q @ (b'"' | b'\'')) = self.peek() else {
            return Ok(false);
        };
        let r = self.rest();
        let mut prev = b'\\';
        let mut end = None;
        for (i, &c) in r.iter().enumerate() {
            if c == 0 {
                break;
            }
            if c == q && prev != b'\\' {
                end = Some(i);
                break;
            }
            prev = c;
        }
        let Some(end) = end else { return Ok(false) };
        for _ in 0..=end {
            self.bump();
        }
        let inner = &r[1..end];
        let value = self.unescape(inner, q)?;
        self.last_token = value;
        Ok(true)
    }

    fn unescape(&self, s: &[u8], q: u8) -> PResult<String> {
        let mut out: Vec<u8> = Vec::with_capacity(s.len());
        let mut i = 0;
        while i < s.len() {
            let c = s[i];
            i += 1;
            if c != b'\\' {
                out.push(c);
                continue;
            }
            // The scan guarantees a character after a backslash inside the string.
            let Some(&e) = s.get(i) else { break };
            i += 1;
            match e {
                b'b' => out.push(0x08),
                b'f' => out.push(0x0c),
                b'n' => out.push(b'\n'),
                b'r' => out.push(b'\r'),
                b't' => out.push(b'\t'),
                b' ' | b'\\' => out.push(b'\\'),
                b'/' => out.push(b'/'),
                b'"' if q == b'"' => out.push(b'"'),
                b'"' => return Err(self.err("invalid \\\" escape in '-quoted string")),
                b'\'' if q == b'\'' => out.push(b'\''),
                b'\'' => return Err(self.err("invalid \\' escape in \"-quoted string")),
                b'x' if self.opts.hex_escapes => {
                    let Some(h) = s.get(i..i + 2) else {
                        return Err(self.err("truncated hex char escape sequence"));
                    };
                    let v = std::str::from_utf8(h)
                        .ok()
                        .filter(|h| h.bytes().all(|c| c.is_ascii_hexdigit()))
                        .and_then(|h| u8::from_str_radix(h, 16).ok());
                    match v {
                        Some(v) => out.push(v),
                        None => {
                            return Err(self.err(format!(
                                "invalid hex char escape sequence: {}",
                                String::from_utf8_lossy(h)
                            )))
                        }
                    }
                    i += 2;
                }
                other => {
                    let shown = match std::str::from_utf8(&s[i - 1..]) {
                        Ok(t) => t.chars().next().map(String::from).unwrap_or_default(),
                        Err(_) => String::from_utf8_lossy(&[other]).into_owned(),
                    };
                    return Err(self.err(format!("unsupported string escape sequence: \\{shown}")));
                }
            }
        }
        // Escapes and delimiters are ASCII, so the result stays valid UTF-8 unless a `\x`
        // escape produced a non-ASCII byte; keep such bytes as U+FFFD.
        Ok(match String::from_utf8(out) {
            Ok(s) => s,
            Err(e) => String::from_utf8_lossy(e.as_bytes()).into_owned(),
        })
    }

    fn lex_transformer_type(&mut self) -> Option<TransformerKind> {
        for k in TransformerKind::ALL {
            let r = self.rest();
            let name = k.as_str().as_bytes();
            if r.starts_with(name) && r.get(name.len()) == Some(&b'(') {
                self.take(name.len() + 1);
                return Some(k);
            }
        }
        None
    }

    // ---- grammar (one function per libsinsp parser function) ----

    fn or_expr(&mut self) -> PResult<Expr> {
        self.guarded(|p| {
            let pos = p.pos;
            p.lex_blank();
            let mut children = vec![p.and_expr()?];
            p.lex_blank();
            while p.lex_str("or") {
                let child = if !p.lex_blank() {
                    if p.lex_str("(") {
                        p.embedded()?
                    } else {
                        return Err(p.err("expected blank or '(' after 'or'"));
                    }
                } else {
                    p.and_expr()?
                };
                children.push(child);
                p.lex_blank();
            }
            Ok(collapse(children, false, pos))
        })
    }

    fn and_expr(&mut self) -> PResult<Expr> {
        self.guarded(|p| {
            let pos = p.pos;
            p.lex_blank();
            let mut children = vec![p.not_expr()?];
            p.lex_blank();
            while p.lex_str("and") {
                let child = if !p.lex_blank() {
                    if p.lex_str("(") {
                        p.embedded()?
                    } else {
                        return Err(p.err("expected blank or '(' after 'and'"));
                    }
                } else {
                    p.not_expr()?
                };
                children.push(child);
                p.lex_blank();
            }
            Ok(collapse(children, true, pos))
        })
    }

    fn not_expr(&mut self) -> PResult<Expr> {
        self.guarded(|p| {
            let pos = p.pos;
            p.lex_blank();
            let mut is_not = false;
            while p.lex_not_blank() {
                is_not = !is_not;
            }
            let child = if p.lex_str("not(") {
                is_not = !is_not;
                p.embedded()?
            } else {
                p.check()?
            };
            Ok(if is_not {
                Expr::Not {
                    pos,
                    child: Box::new(child),
                }
            } else {
                child
            })
        })
    }

    /// After `(`: `blank or_expr blank )`.
    fn embedded(&mut self) -> PResult<Expr> {
        self.guarded(|p| {
            p.lex_blank();
            let child = p.or_expr()?;
            p.lex_blank();
            if !p.lex_str(")") {
                return Err(p.err("expected a ')' token"));
            }
            Ok(child)
        })
    }

    fn check(&mut self) -> PResult<Expr> {
        self.guarded(|p| {
            let pos = p.pos;
            p.lex_blank();
            if p.lex_str("(") {
                return p.embedded();
            }
            if let Some(name) = p.lex_field_name() {
                let left = p.field_remainder(name, pos)?;
                return p.condition(Operand::Field(left), pos);
            }
            if let Some(kind) = p.lex_transformer_type() {
                p.lex_blank();
                let left = p.transformer_remainder(kind, pos)?;
                return p.condition(Operand::Transformer(left), pos);
            }
            if let Some(id) = p.lex_identifier() {
                return Ok(Expr::Macro {
                    pos,
                    name: id.to_string(),
                });
            }
            Err(p.err("expected a '(' token, a field check, or an identifier"))
        })
    }

    fn field_remainder(&mut self, name: &str, pos: Pos) -> PResult<FieldRef> {
        self.guarded(|p| {
            let arg = p.optional_field_arg()?;
            Ok(FieldRef {
                pos,
                name: name.to_string(),
                arg,
            })
        })
    }

    fn optional_field_arg(&mut self) -> PResult<Option<String>> {
        if !self.lex_str("[") {
            return Ok(None);
        }
        if !(self.lex_quoted()? || self.lex_run(is_field_arg_char).is_some()) {
            return Err(
                self.err("expected a valid field argument: a quoted string or a bare string")
            );
        }
        let arg = self.last_token.clone();
        if !self.lex_str("]") {
            return Err(self.err("expected a ']' token"));
        }
        Ok(Some(arg))
    }

    /// After `tname(`: `arg {, arg} )` and an optional `[arg]`.
    fn transformer_remainder(&mut self, kind: TransformerKind, pos: Pos) -> PResult<Transformer> {
        self.guarded(|p| {
            p.lex_blank();
            let mut args = Vec::new();
            loop {
                let apos = p.pos;
                args.push(p.transformer_arg(apos)?);
                p.lex_blank();
                if !p.lex_str(",") {
                    break;
                }
            }
            p.lex_blank();
            if !p.lex_str(")") {
                return Err(p.err("expected a ')' token closing the transformer"));
            }
            let arg = p.optional_field_arg()?;
            Ok(Transformer {
                pos,
                kind,
                args,
                arg,
            })
        })
    }

    fn transformer_arg(&mut self, pos: Pos) -> PResult<TArg> {
        self.guarded(|p| {
            p.lex_blank();
            if let Some(n) = p.lex_number() {
                return Ok(TArg::Value(ValueLit { pos, text: n.to_string() }));
            }
            if p.lex_quoted()? {
                return Ok(TArg::Value(ValueLit { pos, text: p.last_token.clone() }));
            }
            if p.lex_str("(") {
                return p.transformer_list(pos);
            }
            if let Some(kind) = p.lex_transformer_type() {
                return Ok(TArg::Transformer(p.transformer_remainder(kind, pos)?));
            }
            if let Some(name) = p.lex_field_name() {
                return Ok(TArg::Field(p.field_remainder(name, pos)?));
            }
            Err(p.err(
                "expected field transformer argument: field, transformer, quoted string, number, or transformer list",
            ))
        })
    }

    /// After `(` inside a transformer; every item takes the list's position (as upstream).
    fn transformer_list(&mut self, pos: Pos) -> PResult<TArg> {
        let mut items = Vec::new();
        self.lex_blank();
        if self.lex_str(")") {
            return Ok(TArg::List(items, pos));
        }
        items.push(self.transformer_list_arg(pos)?);
        self.lex_blank();
        while self.lex_str(",") {
            self.lex_blank();
            items.push(self.transformer_list_arg(pos)?);
            self.lex_blank();
        }
        if !self.lex_str(")") {
            return Err(self.err("expected ')'"));
        }
        Ok(TArg::List(items, pos))
    }

    fn transformer_list_arg(&mut self, pos: Pos) -> PResult<TArg> {
        if let Some(name) = self.lex_field_name() {
            return Ok(TArg::Field(self.field_remainder(name, pos)?));
        }
        if let Some(kind) = self.lex_transformer_type() {
            self.lex_blank();
            return Ok(TArg::Transformer(self.transformer_remainder(kind, pos)?));
        }
        if self.lex_quoted()? {
            return Ok(TArg::Value(ValueLit {
                pos,
                text: self.last_token.clone(),
            }));
        }
        if let Some(n) = self.lex_number() {
            return Ok(TArg::Value(ValueLit {
                pos,
                text: n.to_string(),
            }));
        }
        Err(self.err(
            "expected transformer list argument: field, transformer, quoted string, or number",
        ))
    }

    fn condition(&mut self, lhs: Operand, pos: Pos) -> PResult<Expr> {
        self.guarded(|p| {
            p.lex_blank();
            if p.lex_op("exists", false) {
                return mk(pos, lhs, Op::Exists, None, None);
            }
            p.lex_blank();
            for (s, op) in NUM_OPS {
                if p.lex_op(s, false) {
                    let rhs = p.num_value_or_transformer()?;
                    return mk(pos, lhs, op, None, Some(rhs));
                }
            }
            for (s, op, needs_blank) in STR_OPS {
                if !p.lex_op(s, needs_blank) {
                    continue;
                }
                // Word operators consumed their blank; symbol operators take it here.
                let had_blank = needs_blank || p.lex_blank();
                let saved = p.save();
                if had_blank {
                    for m in [Modifier::OneOf, Modifier::AnyOf, Modifier::AllOf] {
                        if p.lex_op(m.as_str(), true) {
                            if p.list_value_follows() && !p.bool_keyword_follows() {
                                let rhs = p.list_value()?;
                                return mk(pos, lhs, op, Some(m), Some(rhs));
                            }
                            break;
                        }
                    }
                }
                p.restore(saved);
                let rhs = p.str_value_or_transformer(false)?;
                return mk(pos, lhs, op, None, Some(rhs));
            }
            for (s, op) in LIST_OPS {
                if p.lex_op(s, false) {
                    let rhs = p.list_value_or_transformer()?;
                    return mk(pos, lhs, op, None, Some(rhs));
                }
            }
            Err(p.err(OPS_LIST_MSG))
        })
    }

    fn list_value_follows(&self) -> bool {
        self.peek() == Some(b'(') || Self::ident_len(self.rest()) > 0
    }

    fn bool_keyword_follows(&self) -> bool {
        let r = self.rest();
        ["and", "or", "not"].iter().any(|kw| {
            r.starts_with(kw.as_bytes())
                && r.get(kw.len()).is_none_or(|b| !b.is_ascii_alphanumeric())
        })
    }

    fn num_value_or_transformer(&mut self) -> PResult<Rhs> {
        self.guarded(|p| {
            p.lex_blank();
            let pos = p.pos;
            if let Some(r) = p.try_transformer_or_val()? {
                return Ok(r);
            }
            if let Some(n) = p.lex_number() {
                return Ok(Rhs::Value(ValueLit {
                    pos,
                    text: n.to_string(),
                }));
            }
            Err(p.err(format!(
                "expected a number value or a field with a valid transformer: {TRANSFORMERS_MSG}"
            )))
        })
    }

    fn str_value_or_transformer(&mut self, no_transformer: bool) -> PResult<Rhs> {
        self.guarded(|p| {
            p.lex_blank();
            let pos = p.pos;
            if !no_transformer {
                if let Some(r) = p.try_transformer_or_val()? {
                    return Ok(r);
                }
            }
            if p.lex_quoted()? || p.lex_run(is_bare_string_char).is_some() {
                return Ok(Rhs::Value(ValueLit {
                    pos,
                    text: p.last_token.clone(),
                }));
            }
            if no_transformer {
                return Err(p.err("expected a string value"));
            }
            Err(p.err(format!(
                "expected a string value or a field with a valid transformer: {TRANSFORMERS_MSG}"
            )))
        })
    }

    /// `( [value {, value}] )`, or `None` when not at `(`.
    fn try_list(&mut self) -> PResult<Option<ListLit>> {
        let pos = self.pos;
        if !self.lex_str("(") {
            return Ok(None);
        }
        let mut items = Vec::new();
        self.lex_blank();
        let depth = self.depth;
        // As upstream, a failing first item (even a bad escape) just means "empty list".
        match self.str_value_or_transformer(true) {
            Ok(Rhs::Value(v)) => {
                items.push(v);
                self.lex_blank();
                while self.lex_str(",") {
                    match self.str_value_or_transformer(true)? {
                        Rhs::Value(v) => items.push(v),
                        _ => {
                            return Err(
                                self.err("parser fatal error: null value expr in body of list")
                            )
                        }
                    }
                    self.lex_blank();
                }
            }
            Ok(_) => return Err(self.err("parser fatal error: null value expr in head of list")),
            Err(_) => self.depth = depth,
        }
        if !self.lex_str(")") {
            return Err(self.err("expected a ')' token"));
        }
        Ok(Some(ListLit { pos, items }))
    }

    /// After a modifier: a list or an identifier (a single value).
    fn list_value(&mut self) -> PResult<Rhs> {
        self.guarded(|p| {
            p.lex_blank();
            let pos = p.pos;
            if let Some(l) = p.try_list()? {
                return Ok(Rhs::List(l));
            }
            if let Some(id) = p.lex_identifier() {
                return Ok(Rhs::Value(ValueLit {
                    pos,
                    text: id.to_string(),
                }));
            }
            Err(p.err("expected a list or an identifier"))
        })
    }

    fn list_value_or_transformer(&mut self) -> PResult<Rhs> {
        self.guarded(|p| {
            p.lex_blank();
            let pos = p.pos;
            if let Some(l) = p.try_list()? {
                return Ok(Rhs::List(l));
            }
            if let Some(r) = p.try_transformer_or_val()? {
                return Ok(r);
            }
            if let Some(id) = p.lex_identifier() {
                return Ok(Rhs::Value(ValueLit { pos, text: id.to_string() }));
            }
            Err(p.err(format!(
                "expected a list, an identifier, or a field with a valid transformer: {TRANSFORMERS_MSG}"
            )))
        })
    }

    fn try_transformer_or_val(&mut self) -> PResult<Option<Rhs>> {
        self.guarded(|p| {
            p.lex_blank();
            let pos = p.pos;
            if p.lex_str("val(") {
                p.lex_blank();
                let field_pos = p.pos;
                let Some(name) = p.lex_field_name() else {
                    return Err(p.err("expected a field within 'val' transformer"));
                };
                let f = p.field_remainder(name, field_pos)?;
                p.lex_blank();
                if !p.lex_str(")") {
                    return Err(p.err("expected a ')' token closing the transformer"));
                }
                if p.optional_field_arg()?.is_some() {
                    return Err(
                        p.err("filter error: transformer 'val' does not support field arguments")
                    );
                }
                return Ok(Some(Rhs::Val(f)));
            }
            if let Some(kind) = p.lex_transformer_type() {
                p.lex_blank();
                return Ok(Some(Rhs::Transformer(p.transformer_remainder(kind, pos)?)));
            }
            Ok(None)
        })
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

fn collapse(mut children: Vec<Expr>, and: bool, pos: Pos) -> Expr {
    if children.len() == 1 {
        if let Some(e) = children.pop() {
            return e;
        }
    }
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
