//! A small YAML document tree with source positions, built from `saphyr-parser` events.
//!
//! Falco reads rules files with yaml-cpp; what matters for compatibility is:
//! * scalars are kept as their decoded **text** (`0755` stays "0755"); typing happens
//!   only when a key is decoded (bool, uint32, string) — see [`Node::as_bool`] and
//!   [`Node::as_u32`], which follow yaml-cpp's conversion rules (YAML 1.1 booleans);
//! * every node carries a 0-based line/column and a byte offset ([`Pos`]), the positions
//!   Falco prints in its load results;
//! * a stream may hold several documents.
//!
//! Aliases are expanded by copying the anchored node, with a global node budget so that
//! "billion laughs" inputs fail cleanly instead of exhausting memory.

use saphyr_parser::{Event, Parser, ScalarStyle, Span};

/// A position in the source: 0-based line and column (column in bytes) and byte offset.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Pos {
    pub line: usize,
    pub col: usize,
    pub offset: usize,
}

/// How a scalar was written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Style {
    Plain,
    SingleQuoted,
    DoubleQuoted,
    Literal,
    Folded,
}

/// One YAML node.
#[derive(Debug, Clone, PartialEq)]
pub enum NodeKind {
    /// `~`, `null`, an empty value.
    Null,
    Scalar {
        text: String,
        style: Style,
    },
    Seq(Vec<Node>),
    Map(Vec<(Node, Node)>),
}

/// A YAML node with its start position.
#[derive(Debug, Clone, PartialEq)]
pub struct Node {
    pub kind: NodeKind,
    pub pos: Pos,
}

/// A YAML syntax error with its position.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct YamlError {
    pub pos: Pos,
    pub message: String,
}

impl std::fmt::Display for YamlError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Same shape as yaml-cpp's exception text (1-based there).
        write!(
            f,
            "yaml-cpp: error at line {}, column {}: {}",
            self.pos.line + 1,
            self.pos.col + 1,
            self.message
        )
    }
}

/// Maximum number of nodes a stream may expand to (aliases included).
const NODE_BUDGET: usize = 2_000_000;
/// Maximum nesting depth.
const MAX_DEPTH: usize = 512;

impl Node {
    pub fn is_null(&self) -> bool {
        matches!(self.kind, NodeKind::Null)
    }
    pub fn is_scalar(&self) -> bool {
        matches!(self.kind, NodeKind::Scalar { .. })
    }
    pub fn is_seq(&self) -> bool {
        matches!(self.kind, NodeKind::Seq(_))
    }
    pub fn is_map(&self) -> bool {
        matches!(self.kind, NodeKind::Map(_))
    }
    /// The scalar text, if this is a scalar.
    pub fn scalar(&self) -> Option<&str> {
        match &self.kind {
            NodeKind::Scalar { text, .. } => Some(text),
            _ => None,
        }
    }
    pub fn seq(&self) -> Option<&[Node]> {
        match &self.kind {
            NodeKind::Seq(v) => Some(v),
            _ => None,
        }
    }
    pub fn map(&self) -> Option<&[(Node, Node)]> {
        match &self.kind {
            NodeKind::Map(v) => Some(v),
            _ => None,
        }
    }
    /// `item[key]` as yaml-cpp does it: the first entry whose key is the scalar `key`.
    pub fn get(&self, key: &str) -> Option<&Node> {
        self.map()?
            .iter()
            .find(|(k, _)| k.scalar() == Some(key))
            .map(|(_, v)| v)
    }
    /// yaml-cpp's bool conversion: y/yes/true/on and n/no/false/off, each in lower
    /// case, UPPER case or Capitalised form.
    pub fn as_bool(&self) -> Option<bool> {
        parse_yaml_bool(self.scalar()?)
    }
    /// yaml-cpp's uint32 conversion: decimal, `0x` hex or `0o` octal, no sign, no junk.
    pub fn as_u32(&self) -> Option<u32> {
        parse_yaml_u32(self.scalar()?)
    }
}

/// See [`Node::as_bool`].
pub fn parse_yaml_bool(s: &str) -> Option<bool> {
    let flexible = |w: &str| -> bool {
        if s == w {
            return true;
        }
        if s == w.to_ascii_uppercase() {
            return true;
        }
        let mut cap = w.to_string();
        if let Some(first) = cap.get_mut(0..1) {
            first.make_ascii_uppercase();
        }
        s == cap
    };
    for (t, f) in [("y", "n"), ("yes", "no"), ("true", "false"), ("on", "off")] {
        if flexible(t) {
            return Some(true);
        }
        if flexible(f) {
            return Some(false);
        }
    }
    None
}

/// See [`Node::as_u32`].
pub fn parse_yaml_u32(s: &str) -> Option<u32> {
    if let Some(h) = s.strip_prefix("0x") {
        return u32::from_str_radix(h, 16)
            .ok()
            .filter(|_| !h.starts_with('+'));
    }
    if let Some(o) = s.strip_prefix("0o") {
        return u32::from_str_radix(o, 8)
            .ok()
            .filter(|_| !o.starts_with('+'));
    }
    let digits = s.strip_prefix('+').unwrap_or(s);
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    digits.parse::<u32>().ok()
}

/// Maps saphyr's character indices to byte offsets and columns.
struct PosMap<'a> {
    src: &'a str,
    /// byte offset of each char index (only built for non-ASCII input).
    char_to_byte: Option<Vec<usize>>,
    /// byte offset of the start of each line (0-based lines).
    line_starts: Vec<usize>,
}

impl<'a> PosMap<'a> {
    fn new(src: &'a str) -> Self {
        let char_to_byte = if src.is_ascii() {
            None
        } else {
            let mut v: Vec<usize> = src.char_indices().map(|(i, _)| i).collect();
            v.push(src.len());
            Some(v)
        };
        let mut line_starts = vec![0];
        for (i, b) in src.bytes().enumerate() {
            if b == b'\n' {
                line_starts.push(i + 1);
            }
        }
        PosMap {
            src,
            char_to_byte,
            line_starts,
        }
    }
    fn byte_of(&self, char_idx: usize) -> usize {
        match &self.char_to_byte {
            None => char_idx.min(self.src.len()),
            Some(v) => v.get(char_idx).copied().unwrap_or(self.src.len()),
        }
    }
    fn pos(&self, m: &saphyr_parser::Marker) -> Pos {
        let offset = self.byte_of(m.index());
        let line = m.line().saturating_sub(1);
        let line_start = match self.line_starts.get(line) {
            Some(&s) if s <= offset => s,
            _ => {
                // Fall back to searching (saphyr counts some line breaks differently).
                let l = self
                    .line_starts
                    .partition_point(|&s| s <= offset)
                    .saturating_sub(1);
                self.line_starts.get(l).copied().unwrap_or(0)
            }
        };
        Pos {
            line,
            col: offset - line_start,
            offset,
        }
    }
}

/// The position of the `|`/`>` header of a block scalar whose content starts at `content`.
fn block_indicator_pos(src: &str, pm: &PosMap<'_>, content: Pos) -> Pos {
    let b = src.as_bytes();
    let mut i = content.offset.min(b.len());
    // Back over indentation, blank lines and the header's line break.
    while i > 0 && matches!(b[i - 1], b' ' | b'\t' | b'\n' | b'\r') {
        i -= 1;
    }
    let line_start = b[..i]
        .iter()
        .rposition(|c| *c == b'\n')
        .map_or(0, |p| p + 1);
    let line = &src[line_start..i];
    // Drop a trailing comment, then take the last indicator of the header.
    let code = match line.find(" #") {
        Some(c) => &line[..c],
        None => line,
    };
    match code.rfind(['>', '|']) {
        Some(k) => {
            let offset = line_start + k;
            let ln = pm
                .line_starts
                .partition_point(|&s| s <= offset)
                .saturating_sub(1);
            let ls = pm.line_starts.get(ln).copied().unwrap_or(0);
            Pos {
                line: ln,
                col: offset - ls,
                offset,
            }
        }
        None => content,
    }
}

fn is_null_plain(s: &str) -> bool {
    matches!(s, "" | "~" | "null" | "Null" | "NULL")
}

enum Frame {
    Seq(Vec<Node>, Pos, usize),
    Map(Vec<(Node, Node)>, Option<Node>, Pos, usize),
}

/// Parses a whole YAML stream into its documents. An empty document is `Null`.
///
/// yaml-cpp (and libyaml) accept a flow collection whose closing bracket sits at the
/// indentation of its parent block (upstream rules files write `  items: [` … `  ]`);
/// saphyr, following the spec strictly, rejects it. When that is the error, the brackets
/// of that line are moved to the end of the previous content line, keeping every other
/// byte offset and line number unchanged, and parsing is retried.
pub fn parse_documents(src: &str) -> Result<Vec<Node>, YamlError> {
    let mut text: Option<String> = None;
    for _ in 0..1_000 {
        let cur = text.as_deref().unwrap_or(src);
        match parse_strict(cur) {
            Err(e) if e.message == "invalid indentation" => {
                match move_closing_brackets(cur, e.pos.offset) {
                    Some(fixed) => text = Some(fixed),
                    None => return Err(e),
                }
            }
            r => return r,
        }
    }
    parse_strict(text.as_deref().unwrap_or(src))
}

/// See [`parse_documents`]: `at` is the offset of the first bracket of a line holding only
/// blanks and closing brackets. Returns the text with those brackets appended to the
/// previous non-blank line (which must hold no `#`), or `None` if the shape differs.
fn move_closing_brackets(src: &str, at: usize) -> Option<String> {
    let b = src.as_bytes();
    let line_start = b[..at.min(b.len())]
        .iter()
        .rposition(|c| *c == b'\n')
        .map_or(0, |p| p + 1);
    if !b
        .get(line_start..at)?
        .iter()
        .all(|c| *c == b' ' || *c == b'\t')
    {
        return None;
    }
    let n = b
        .get(at..)?
        .iter()
        .take_while(|c| matches!(c, b']' | b'}'))
        .count();
    if n == 0 {
        return None;
    }
    let rest_end = b[at..]
        .iter()
        .position(|c| *c == b'\n')
        .map_or(b.len(), |p| at + p);
    if !b[at + n..rest_end]
        .iter()
        .all(|c| matches!(c, b' ' | b'\t' | b'\r' | b','))
    {
        return None;
    }
    // End of the previous non-blank line (before its line break).
    let mut i = line_start;
    let prev_end = loop {
        if i == 0 {
            return None;
        }
        let end = i - 1; // the '\n' ending the previous line
        let start = b[..end]
            .iter()
            .rposition(|c| *c == b'\n')
            .map_or(0, |p| p + 1);
        let line = &b[start..end];
        if line.iter().any(|c| !c.is_ascii_whitespace()) {
            if line.contains(&b'#') {
                return None;
            }
            let mut e = end;
            while e > start && matches!(b[e - 1], b' ' | b'\t' | b'\r') {
                e -= 1;
            }
            break e;
        }
        i = start;
    };
    let brackets = &src[at..at + n];
    let mut out = String::with_capacity(src.len());
    out.push_str(&src[..prev_end]);
    out.push_str(brackets);
    out.push_str(&src[prev_end..at]);
    out.push_str(&src[at + n..]);
    Some(out)
}

fn parse_strict(src: &str) -> Result<Vec<Node>, YamlError> {
    let pm = PosMap::new(src);
    let mut parser = Parser::new_from_str(src);
    let mut docs = Vec::new();
    let mut stack: Vec<Frame> = Vec::new();
    let mut anchors: std::collections::HashMap<usize, Node> = std::collections::HashMap::new();
    let mut budget: usize = NODE_BUDGET;
    let mut doc_root: Option<Node> = None;
    let mut in_doc = false;

    fn count(n: &Node) -> usize {
        match &n.kind {
            NodeKind::Seq(v) => 1 + v.iter().map(count).sum::<usize>(),
            NodeKind::Map(v) => 1 + v.iter().map(|(k, x)| count(k) + count(x)).sum::<usize>(),
            _ => 1,
        }
    }

    while let Some(ev) = parser.next_event() {
        let (ev, span): (Event, Span) = ev.map_err(|e| YamlError {
            pos: pm.pos(e.marker()),
            message: e.info().to_string(),
        })?;
        let pos = pm.pos(&span.start);
        // A completed node to attach to its parent (with its anchor id).
        let mut done: Option<(Node, usize)> = None;
        match ev {
            Event::StreamStart | Event::Nothing => {}
            Event::StreamEnd => break,
            Event::DocumentStart(_) => {
                in_doc = true;
                doc_root = None;
                anchors.clear();
            }
            Event::DocumentEnd => {
                if in_doc {
                    docs.push(doc_root.take().unwrap_or(Node {
                        kind: NodeKind::Null,
                        pos,
                    }));
                }
                in_doc = false;
            }
            Event::Alias(id) => {
                let Some(n) = anchors.get(&id) else {
                    return Err(YamlError {
                        pos,
                        message: "unknown anchor".into(),
                    });
                };
                let c = count(n);
                if c > budget {
                    return Err(YamlError {
                        pos,
                        message: "document too large after alias expansion".into(),
                    });
                }
                budget -= c;
                let mut n = n.clone();
                n.pos = pos;
                done = Some((n, 0));
            }
            Event::Scalar(text, style, anchor, tag) => {
                budget = budget.checked_sub(1).ok_or_else(|| YamlError {
                    pos,
                    message: "document too large".into(),
                })?;
                let style = match style {
                    ScalarStyle::Plain => Style::Plain,
                    ScalarStyle::SingleQuoted => Style::SingleQuoted,
                    ScalarStyle::DoubleQuoted => Style::DoubleQuoted,
                    ScalarStyle::Literal => Style::Literal,
                    ScalarStyle::Folded => Style::Folded,
                };
                let explicit_str = tag.as_ref().is_some_and(|t| t.suffix == "str");
                // yaml-cpp marks block scalars at their `|`/`>` indicator; saphyr at the
                // first content character.
                let pos = if matches!(style, Style::Literal | Style::Folded) {
                    block_indicator_pos(src, &pm, pos)
                } else {
                    pos
                };
                let kind = if style == Style::Plain && !explicit_str && is_null_plain(&text) {
                    NodeKind::Null
                } else {
                    NodeKind::Scalar {
                        text: text.into_owned(),
                        style,
                    }
                };
                done = Some((Node { kind, pos }, anchor));
            }
            Event::SequenceStart(anchor, _) => {
                if stack.len() >= MAX_DEPTH {
                    return Err(YamlError {
                        pos,
                        message: "maximum nesting depth exceeded".into(),
                    });
                }
                stack.push(Frame::Seq(Vec::new(), pos, anchor));
            }
            Event::MappingStart(anchor, _) => {
                if stack.len() >= MAX_DEPTH {
                    return Err(YamlError {
                        pos,
                        message: "maximum nesting depth exceeded".into(),
                    });
                }
                stack.push(Frame::Map(Vec::new(), None, pos, anchor));
            }
            Event::SequenceEnd => {
                if let Some(Frame::Seq(v, p, a)) = stack.pop() {
                    budget = budget.checked_sub(1).ok_or_else(|| YamlError {
                        pos,
                        message: "document too large".into(),
                    })?;
                    done = Some((
                        Node {
                            kind: NodeKind::Seq(v),
                            pos: p,
                        },
                        a,
                    ));
                }
            }
            Event::MappingEnd => {
                if let Some(Frame::Map(v, _, p, a)) = stack.pop() {
                    budget = budget.checked_sub(1).ok_or_else(|| YamlError {
                        pos,
                        message: "document too large".into(),
                    })?;
                    done = Some((
                        Node {
                            kind: NodeKind::Map(v),
                            pos: p,
                        },
                        a,
                    ));
                }
            }
        }
        if let Some((node, anchor)) = done {
            if anchor != 0 {
                anchors.insert(anchor, node.clone());
            }
            match stack.last_mut() {
                Some(Frame::Seq(v, _, _)) => v.push(node),
                Some(Frame::Map(v, key, _, _)) => match key.take() {
                    None => *key = Some(node),
                    Some(k) => v.push((k, node)),
                },
                None => doc_root = Some(node),
            }
        }
    }
    Ok(docs)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn positions_and_docs() {
        let src = "- rule: a\n  enabled: yes\n---\n- list: l\n  items: [0755, 'x y']\n";
        let docs = parse_documents(src).expect("parse");
        assert_eq!(docs.len(), 2);
        let item = &docs[0].seq().expect("seq")[0];
        assert_eq!(
            item.pos,
            Pos {
                line: 0,
                col: 2,
                offset: 2
            }
        );
        assert_eq!(item.get("enabled").and_then(Node::as_bool), Some(true));
        let items = docs[1].seq().expect("seq")[0].get("items").expect("items");
        let v: Vec<_> = items
            .seq()
            .expect("seq")
            .iter()
            .map(|n| n.scalar())
            .collect();
        assert_eq!(v, vec![Some("0755"), Some("x y")]);
        assert_eq!(items.seq().expect("seq")[0].pos.line, 4);
    }

    #[test]
    fn nulls_and_bools() {
        let docs = parse_documents("a:\nb: ~\nc: ''\nd: Off\ne: TRUE\nf: tRue\n").expect("parse");
        let m = &docs[0];
        assert!(m.get("a").expect("a").is_null());
        assert!(m.get("b").expect("b").is_null());
        assert_eq!(m.get("c").and_then(Node::scalar), Some(""));
        assert_eq!(m.get("d").and_then(Node::as_bool), Some(false));
        assert_eq!(m.get("e").and_then(Node::as_bool), Some(true));
        assert_eq!(m.get("f").and_then(Node::as_bool), None);
        assert_eq!(parse_yaml_u32("26"), Some(26));
        assert_eq!(parse_yaml_u32("0.26.0"), None);
        assert_eq!(parse_yaml_u32("-1"), None);
        assert_eq!(parse_yaml_u32("0x1f"), Some(31));
    }

    #[test]
    fn empty_and_errors() {
        assert_eq!(parse_documents("").expect("empty").len(), 0);
        assert!(parse_documents("this : is : not : yaml").is_err());
        let bomb = "a: &a [x, x, x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]\nc: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]\nd: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c, *c]\ne: &e [*d, *d, *d, *d, *d, *d, *d, *d, *d, *d]\nf: &f [*e, *e, *e, *e, *e, *e, *e, *e, *e, *e]\ng: [*f, *f, *f, *f, *f, *f, *f, *f, *f, *f]\n";
        assert!(parse_documents(bomb).is_err());
    }
}

#[cfg(test)]
mod pos_tests {
    use super::*;

    #[test]
    fn closing_bracket_at_block_indent() {
        let src = "- list: l\n  items: [\n    \"a\",\n    \"b\"\n  ]\n\n- list: m\n  items: [x]\n";
        let docs = parse_documents(src).expect("parse as yaml-cpp does");
        let items = docs[0].seq().expect("seq");
        let l = items[0].get("items").and_then(Node::seq).expect("items");
        assert_eq!(
            l.iter().filter_map(Node::scalar).collect::<Vec<_>>(),
            vec!["a", "b"]
        );
        // Later positions are unchanged.
        let m = &items[1];
        assert_eq!(m.pos.line, 6);
        assert_eq!(&src[m.pos.offset..m.pos.offset + 4], "list");
        // Other indentation errors still fail.
        assert!(parse_documents("a:\n  b: 1\n c: 2\n").is_err());
    }

    #[test]
    fn scalar_start_positions() {
        let src = "- condition: >\n    evt.type = open\n  quoted: 'x y'\n  plain: abc\n  uni: \"é\"\n  after: z\n";
        let docs = parse_documents(src).expect("parse");
        let m = &docs[0].seq().expect("seq")[0];
        // Block scalars are marked at their indicator, as yaml-cpp does.
        assert_eq!(
            m.get("condition").map(|n| n.pos),
            Some(Pos {
                line: 0,
                col: 13,
                offset: 13
            })
        );
        assert_eq!(m.get("quoted").map(|n| n.pos.col), Some(10));
        assert_eq!(
            m.get("plain").map(|n| (n.pos.line, n.pos.col)),
            Some((3, 9))
        );
        // Byte offsets stay right after a multi-byte character.
        let after = m.get("after").expect("after").pos;
        assert_eq!(&src[after.offset..after.offset + 1], "z");
        assert_eq!(after.col, 9);
    }
}
