//! sysdig 0.29.3-compatible text rendering of event parameters: `evt.args`, `evt.arg.NAME`,
//! `evt.arg[N]`.
//!
//! Every parameter renders to two strings, as in libsinsp: the *value* (`3`, `262`,
//! `/etc/passwd`) and an optional *resolved* form (`<f>/etc/passwd`,
//! `O_TRUNC|O_CREAT|O_WRONLY`, `ENOENT`). `evt.args` joins `name=value` or
//! `name=value(resolved)` items, each followed by one space (the trailing space is part of
//! sysdig's output); `evt.arg.NAME` is the resolved form when non-empty, else the value.
//!
//! State that lives elsewhere (fd table, thread cwd and comm, user and group names) is
//! reached through the [`Resolver`] trait; [`NoState`] resolves nothing, like sysdig does
//! for a thread it has just met.
//!
//! Low level: [`render_param`] takes the schema entry, the print format, the raw value bytes
//! and (for FSRELPATH) the dirfd value, and appends to caller buffers. High level:
//! [`Renderer`] works on [`EventRef`]s and reuses its scratch buffers, so steady-state
//! rendering does not allocate.
//!
//! Layouts: events with ids below 336 render with the libs e5c53d64 table (the one sysdig
//! 0.29.3 knows; extra trailing parameters of newer files are not shown, as sysdig does);
//! newer ids render with the libs-master table and decimal formats.

use std::io::Write as _;

use scap_abi::event::{self, ParamAux, ParamInfo, ParamType};
use scap_abi::flags::{self, ParamFormat, PrintFormat};

use crate::event::EventRef;

/// sysdig's default cap on a rendered BYTEBUF (`-v` lifts it): longer data is cut to this
/// many bytes, the last three replaced by `...`.
pub const MAX_BYTEBUF_OUTPUT: usize = 80;

/// libsinsp's initial path buffer: FSPATH values are cut to this many bytes minus one.
const PATH_STORAGE: usize = 1024;

/// `PPM_AT_FDCWD`.
const AT_FDCWD: i64 = -100;

/// What the fd table knows about one file descriptor.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FdName<'a> {
    /// `fd.typechar` (`f` file, `4` IPv4 socket, `u` unix socket, `p` pipe, ...).
    pub typechar: u8,
    /// For IP sockets the layer-4 letter (`t` TCP, `u` UDP, `i` ICMP, `r` raw), else `None`.
    pub l4: Option<u8>,
    /// `fd.name`.
    pub name: &'a str,
}

/// Access to the state the renderer needs; every method has a "nothing known" default.
pub trait Resolver {
    /// Whether the event's thread is known. sysdig creates a thread for every tid it
    /// meets, so this is almost always true; when false, fds and paths are not resolved.
    fn has_thread(&self) -> bool {
        true
    }
    /// The event thread's fd `fd`, if the fd table has it.
    fn fd(&self, _fd: i64) -> Option<FdName<'_>> {
        None
    }
    /// The event thread's cwd as sysdig stores it (with a trailing `/`; empty when unknown).
    fn cwd(&self) -> &str {
        ""
    }
    /// `comm` of thread `tid` if it is known (`PID` parameters render as `pid(comm)`).
    fn thread_comm(&self, _tid: i64) -> Option<&str> {
        None
    }
    /// Name of user `uid` (UID parameters render as `uid(name)`, `<NA>` when unknown).
    fn user_name(&self, _uid: u32) -> Option<&str> {
        None
    }
    /// Name of group `gid`.
    fn group_name(&self, _gid: u32) -> Option<&str> {
        None
    }
}

/// A [`Resolver`] that knows nothing beyond "the thread exists" (sysdig's state for a
/// thread it has not seen clone or exec: comm `<NA>`, empty cwd, no fds).
#[derive(Clone, Copy, Debug, Default)]
pub struct NoState;

impl Resolver for NoState {}

/// One parameter to render.
#[derive(Clone, Copy, Debug)]
pub struct ParamView<'a> {
    /// Schema entry (type, name, DYN sub-types).
    pub info: &'a ParamInfo,
    /// Print format and flag table.
    pub format: ParamFormat,
    /// Raw value bytes.
    pub value: &'a [u8],
    /// For FSRELPATH: the value of the dirfd parameter it refers to.
    pub dirfd: Option<i64>,
}

const DEFAULT_FORMAT: ParamFormat = ParamFormat {
    fmt: PrintFormat::Dec,
    flags: None,
};

fn is_print(b: u8) -> bool {
    (0x20..0x7f).contains(&b)
}

/// Appends the bytes of `s` up to its first NUL, keeping printable ASCII only (libsinsp's
/// `sanitize_string` / `strcpy_sanitized`), at most `max` bytes.
fn push_sanitized(out: &mut Vec<u8>, s: &[u8], max: usize) {
    let mut n = 0;
    for &b in s.iter().take_while(|&&b| b != 0) {
        if n >= max {
            break;
        }
        if is_print(b) {
            out.push(b);
            n += 1;
        }
    }
}

fn cstr(s: &[u8]) -> &[u8] {
    match s.iter().position(|&b| b == 0) {
        Some(i) => &s[..i],
        None => s,
    }
}

fn le<const N: usize>(b: &[u8]) -> Option<[u8; N]> {
    b.get(..N)?.try_into().ok()
}

/// Writes an integer parameter with a libsinsp print format. `dec` is the value as C's
/// `%d` sees it (after integer promotion), `bits` its bit pattern as `%X`/`%o` see it.
fn push_num(out: &mut Vec<u8>, fmt: PrintFormat, dec: i64, bits: u64) {
    // Writing into a Vec cannot fail.
    let _ = match fmt {
        PrintFormat::Oct if bits == 0 => write!(out, "0"),
        PrintFormat::Oct => write!(out, "0{bits:o}"),
        PrintFormat::Hex => write!(out, "{bits:X}"),
        PrintFormat::PaddedDec => write!(out, "{dec:09}"),
        _ => write!(out, "{dec}"),
    };
}

/// Integer rendering for a `w`-byte value read little-endian, `signed` or not.
fn push_int(out: &mut Vec<u8>, fmt: PrintFormat, v: &[u8], w: usize, signed: bool) {
    let (dec, bits): (i64, u64) = match (w, signed) {
        (1, true) => {
            let x = le::<1>(v).map_or(0, |a| a[0] as i8) as i32;
            (x as i64, x as u32 as u64)
        }
        (1, false) => {
            let x = le::<1>(v).map_or(0, |a| a[0]);
            (x as i64, x as u64)
        }
        (2, true) => {
            let x = le::<2>(v).map_or(0, i16::from_le_bytes) as i32;
            (x as i64, x as u32 as u64)
        }
        (2, false) => {
            let x = le::<2>(v).map_or(0, u16::from_le_bytes);
            (x as i64, x as u64)
        }
        (4, _) => {
            let x = le::<4>(v).map_or(0, u32::from_le_bytes);
            (x as i32 as i64, x as u64)
        }
        _ => {
            let x = le::<8>(v).map_or(0, u64::from_le_bytes);
            (x as i64, x)
        }
    };
    push_num(out, fmt, dec, bits);
}

fn i64_of(v: &[u8]) -> i64 {
    le::<8>(v).map_or(0, i64::from_le_bytes)
}

fn push_errno_name(resolved: &mut Vec<u8>, v: i64) {
    let code = (v as i32).wrapping_neg();
    if let Some(n) = flags::errno_name(code as u32) {
        resolved.extend_from_slice(n.as_bytes());
    }
}

/// libsinsp's `render_fd`.
fn render_fd(fd: i64, r: &dyn Resolver, out: &mut Vec<u8>, resolved: &mut Vec<u8>) {
    let _ = write!(out, "{fd}");
    if !r.has_thread() {
        return;
    }
    if fd >= 0 {
        if let Some(f) = r.fd(fd) {
            resolved.push(b'<');
            resolved.push(f.typechar);
            if let Some(l4) = f.l4 {
                resolved.push(l4);
            }
            resolved.push(b'>');
            push_sanitized(resolved, f.name.as_bytes(), usize::MAX);
        }
    } else if fd == AT_FDCWD {
        resolved.extend_from_slice(b"AT_FDCWD");
    } else {
        push_errno_name(resolved, fd);
    }
}

/// libsinsp's `copy_and_sanitize_path`: appends `path` to `target` (whose first
/// `base_len` bytes are the base directory that `..` may climb into), normalising `.`,
/// `..` and repeated `/`, turning non-printable bytes into `.`, dropping a trailing `/`.
fn push_path_sanitized(target: &mut Vec<u8>, base: usize, path: &[u8]) {
    let at = |i: usize| path.get(i).copied().unwrap_or(0);
    let rewind = |target: &mut Vec<u8>| {
        let mut tc = target.len();
        if tc <= base + 1 {
            return;
        }
        tc -= 1;
        while tc > base && tc >= 1 && target[tc - 1] != b'/' {
            tc -= 1;
        }
        target.truncate(tc);
    };
    let mut pc = 0;
    loop {
        let c = at(pc);
        if c == 0 {
            let tc = target.len();
            if tc > base + 1 && target[tc - 1] == b'/' {
                target.pop();
            }
            return;
        }
        if !is_print(c) {
            target.push(b'.');
            pc += 1;
        } else if c == b'.' && at(pc + 1) == b'.' && at(pc + 2) == b'/' {
            rewind(target);
            pc += 3;
        } else if c == b'.' && at(pc + 1) == b'.' {
            if at(pc + 2) == 0 {
                rewind(target);
                pc += 2;
            } else {
                target.extend_from_slice(b"..");
                pc += 2;
            }
        } else if c == b'.' && at(pc + 1) == b'/' {
            pc += 2;
        } else if c == b'.' {
            if at(pc + 1) != 0 {
                target.push(b'.');
            }
            pc += 1;
        } else if c == b'/' {
            if target.len() > base && target.last() == Some(&b'/') {
                pc += 1;
            } else {
                target.push(b'/');
                pc += 1;
            }
        } else {
            target.push(c);
            pc += 1;
        }
    }
}

fn render_path(p: &ParamView<'_>, r: &dyn Resolver, out: &mut Vec<u8>, resolved: &mut Vec<u8>) {
    let v = p.value;
    push_sanitized(out, v, v.len().min(PATH_STORAGE).saturating_sub(1));
    if !r.has_thread() || v.is_empty() || v.starts_with(b"<NA>") {
        return;
    }
    let path = cstr(v);
    if path.first() == Some(&b'/') || path.is_empty() {
        // Absolute paths resolve to nothing: the value already says it all.
        return;
    }
    let start = resolved.len();
    match (p.info.ty, p.dirfd) {
        (ParamType::Fsrelpath, Some(d)) if d != AT_FDCWD => {
            if let Some(f) = r.fd(d) {
                if !f.name.is_empty() {
                    push_sanitized(resolved, f.name.as_bytes(), usize::MAX);
                    resolved.push(b'/');
                }
            }
        }
        _ => resolved.extend_from_slice(r.cwd().as_bytes()),
    }
    push_path_sanitized(resolved, start, path);
    // The whole resolved buffer is this parameter's; `start` is 0 in practice.
}

/// glibc `inet_ntop(AF_INET6)`: longest run (>= 2) of zero groups as `::`, first on ties,
/// embedded IPv4 for `::a.b.c.d` and `::ffff:a.b.c.d`.
fn push_ipv6(out: &mut Vec<u8>, a: &[u8; 16]) {
    let w: [u16; 8] = core::array::from_fn(|i| u16::from_be_bytes([a[2 * i], a[2 * i + 1]]));
    let (mut best, mut best_len, mut cur, mut cur_len) = (usize::MAX, 0, usize::MAX, 0);
    for (i, &g) in w.iter().enumerate() {
        if g == 0 {
            if cur == usize::MAX {
                cur = i;
                cur_len = 1;
            } else {
                cur_len += 1;
            }
            if cur_len > best_len {
                best = cur;
                best_len = cur_len;
            }
        } else {
            cur = usize::MAX;
            cur_len = 0;
        }
    }
    if best_len < 2 {
        best = usize::MAX;
    }
    let mut i = 0;
    while i < 8 {
        if best != usize::MAX && i >= best && i < best + best_len {
            if i == best {
                out.push(b':');
            }
            i += 1;
            continue;
        }
        if i != 0 {
            out.push(b':');
        }
        if i == 6 && best == 0 && (best_len == 6 || (best_len == 5 && w[5] == 0xffff)) {
            let _ = write!(out, "{}.{}.{}.{}", a[12], a[13], a[14], a[15]);
            return;
        }
        let _ = write!(out, "{:x}", w[i]);
        i += 1;
    }
    if best != usize::MAX && best + best_len == 8 {
        out.push(b':');
    }
}

fn push_v4(out: &mut Vec<u8>, a: &[u8], port: u16) {
    let _ = write!(out, "{}.{}.{}.{}:{port}", a[0], a[1], a[2], a[3]);
}

fn port_at(v: &[u8], off: usize) -> u16 {
    v.get(off..off + 2)
        .and_then(le::<2>)
        .map_or(0, u16::from_le_bytes)
}

fn is_v4_mapped(a: &[u8]) -> bool {
    a[..10].iter().all(|&b| b == 0)
        && ((a[10] == 0xff && a[11] == 0xff) || a[10..16].iter().all(|&b| b == 0))
}

fn render_sockaddr(v: &[u8], out: &mut Vec<u8>) {
    match v.first() {
        None => out.extend_from_slice(b"NULL"),
        Some(1) => push_sanitized(out, &v[1..], usize::MAX),
        Some(2) if v.len() == 7 => push_v4(out, &v[1..5], port_at(v, 5)),
        Some(2) => out.extend_from_slice(b"INVALID IPv4"),
        Some(10) if v.len() == 19 => {
            let mut a = [0u8; 16];
            a.copy_from_slice(&v[1..17]);
            push_ipv6(out, &a);
            let _ = write!(out, ":{}", port_at(v, 17));
        }
        Some(10) => out.extend_from_slice(b"INVALID IPv6"),
        Some(&f) => {
            let _ = write!(out, "family {}", f as i8);
        }
    }
}

fn render_socktuple(v: &[u8], out: &mut Vec<u8>) {
    match v.first() {
        None => out.extend_from_slice(b"NULL"),
        Some(2) if v.len() == 13 => {
            push_v4(out, &v[1..5], port_at(v, 5));
            out.extend_from_slice(b"->");
            push_v4(out, &v[7..11], port_at(v, 11));
        }
        Some(2) => out.extend_from_slice(b"INVALID IPv4"),
        Some(10) if v.len() == 37 => {
            let (s, d) = (&v[1..17], &v[19..35]);
            if is_v4_mapped(s) && is_v4_mapped(d) {
                push_v4(out, &s[12..16], port_at(v, 17));
                out.extend_from_slice(b"->");
                push_v4(out, &d[12..16], port_at(v, 35));
            } else {
                let mut a = [0u8; 16];
                a.copy_from_slice(s);
                push_ipv6(out, &a);
                let _ = write!(out, ":{}->", port_at(v, 17));
                a.copy_from_slice(d);
                push_ipv6(out, &a);
                let _ = write!(out, ":{}", port_at(v, 35));
            }
        }
        Some(10) => out.extend_from_slice(b"INVALID IPv6"),
        Some(1) if v.len() >= 17 => {
            let src = le::<8>(&v[1..]).map_or(0, u64::from_le_bytes);
            let dst = le::<8>(&v[9..]).map_or(0, u64::from_le_bytes);
            let _ = write!(out, "{src:x}->{dst:x} ");
            push_sanitized(out, &v[17..], usize::MAX);
        }
        Some(&f) => {
            let _ = write!(out, "family {}", f as i8);
        }
    }
}

fn render_fdlist(v: &[u8], r: &dyn Resolver, out: &mut Vec<u8>) {
    if !r.has_thread() {
        return;
    }
    let n = le::<2>(v).map_or(0, u16::from_le_bytes) as usize;
    for j in 0..n {
        let off = 2 + j * 10;
        let Some(e) = v.get(off..off + 10) else { break };
        let fd = i64_of(e);
        let fl = i16::from_le_bytes([e[8], e[9]]);
        let tch = r.fd(fd).map_or(b'?', |f| f.typechar);
        if j > 0 {
            out.push(b' ');
        }
        let _ = write!(out, "{}:{}{:x}", fd as u64, tch as char, fl as i32 as u32);
    }
}

/// A fixed stack buffer for number formatting (no allocation on the hot path).
struct Stack {
    buf: [u8; 48],
    len: usize,
}

impl Stack {
    fn new() -> Stack {
        Stack {
            buf: [0; 48],
            len: 0,
        }
    }
    fn as_str(&self) -> &str {
        std::str::from_utf8(&self.buf[..self.len]).unwrap_or("")
    }
}

impl std::fmt::Write for Stack {
    fn write_str(&mut self, s: &str) -> std::fmt::Result {
        let b = s.as_bytes();
        let dst = self
            .buf
            .get_mut(self.len..self.len + b.len())
            .ok_or(std::fmt::Error)?;
        dst.copy_from_slice(b);
        self.len += b.len();
        Ok(())
    }
}

fn trim_fraction(s: &str) -> &str {
    if s.contains('.') {
        s.trim_end_matches('0').trim_end_matches('.')
    } else {
        s
    }
}

/// C's `%lg` (6 significant digits, shortest of fixed or exponent form, no trailing zeros).
fn push_g(out: &mut Vec<u8>, x: f64) {
    use std::fmt::Write as _;
    if x == 0.0 {
        out.push(b'0');
        return;
    }
    let mut e = Stack::new();
    let _ = write!(e, "{x:.5e}");
    let (mant, exp) = e.as_str().split_once('e').unwrap_or(("0", "0"));
    let exp: i32 = exp.parse().unwrap_or(0);
    if (-4..6).contains(&exp) {
        let decimals = (5 - exp).max(0) as usize;
        let mut f = Stack::new();
        let _ = write!(f, "{x:.decimals$}");
        out.extend_from_slice(trim_fraction(f.as_str()).as_bytes());
    } else {
        let sign = if exp < 0 { '-' } else { '+' };
        let _ = write!(out, "{}e{sign}{:02}", trim_fraction(mant), exp.abs());
    }
}

fn render_bytebuf(v: &[u8], out: &mut Vec<u8>) {
    let start = out.len();
    out.extend(v.iter().map(|&b| if is_print(b) { b } else { b'.' }));
    if v.len() > MAX_BYTEBUF_OUTPUT {
        out.truncate(start + MAX_BYTEBUF_OUTPUT);
        let n = out.len();
        out[n - 3..].copy_from_slice(b"...");
    }
}

fn render_flags(val: u32, table: Option<&'static flags::FlagTable>, resolved: &mut Vec<u8>) {
    if let Some(t) = table {
        for (i, n) in t.names(val).enumerate() {
            if i > 0 {
                resolved.push(b'|');
            }
            resolved.extend_from_slice(n.as_bytes());
        }
    }
}

/// Renders one parameter as libsinsp 0.29.3 does, appending its value to `out` and its
/// resolved form (possibly nothing) to `resolved`.
pub fn render_param(
    p: &ParamView<'_>,
    r: &dyn Resolver,
    out: &mut Vec<u8>,
    resolved: &mut Vec<u8>,
) {
    let fmt = p.format.fmt;
    let mut ty = p.info.ty;
    let mut v = p.value;
    if ty == ParamType::Dyn {
        if let (ParamAux::Dyn(subs), Some((&idx, rest))) = (p.info.aux, v.split_first()) {
            if let Some(&t) = subs.get(idx as usize) {
                ty = t;
                v = rest;
            }
        }
    }
    match ty {
        ParamType::Int8 => push_int(out, fmt, v, 1, true),
        ParamType::Int16 => push_int(out, fmt, v, 2, true),
        ParamType::Int32 => push_int(out, fmt, v, 4, true),
        ParamType::Int64 => push_int(out, fmt, v, 8, true),
        ParamType::Uint8 => push_int(out, fmt, v, 1, false),
        ParamType::Uint16 => push_int(out, fmt, v, 2, false),
        ParamType::Uint32 => push_int(out, fmt, v, 4, false),
        ParamType::Uint64 => push_int(out, fmt, v, 8, false),
        ParamType::Fd => render_fd(i64_of(v), r, out, resolved),
        ParamType::Pid => {
            let pid = i64_of(v);
            let _ = write!(out, "{pid}");
            if let Some(c) = r.thread_comm(pid) {
                resolved.extend_from_slice(c.as_bytes());
            }
        }
        ParamType::Errno => {
            let e = i64_of(v);
            let _ = write!(out, "{e}");
            if e < 0 {
                push_errno_name(resolved, e);
            }
        }
        ParamType::Charbuf => out.extend_from_slice(cstr(v)),
        ParamType::Fspath | ParamType::Fsrelpath => {
            render_path(&ParamView { value: v, ..*p }, r, out, resolved)
        }
        ParamType::Bytebuf => render_bytebuf(v, out),
        ParamType::Sockaddr => render_sockaddr(v, out),
        ParamType::Socktuple => render_socktuple(v, out),
        ParamType::Fdlist => render_fdlist(v, r, out),
        ParamType::Syscallid => {
            let sc = le::<2>(v).map_or(0, u16::from_le_bytes);
            match event::ppm_sc_name(sc) {
                Some(n) => {
                    let _ = write!(out, "{sc}");
                    resolved.extend_from_slice(n.as_bytes());
                }
                None => out.extend_from_slice(b"<unknown syscall>"),
            }
        }
        ParamType::Sigtype => {
            let s = v.first().copied().unwrap_or(0);
            let _ = write!(out, "{s}");
            if let Some(n) = flags::signal_name(s) {
                resolved.extend_from_slice(n.as_bytes());
            }
        }
        ParamType::Reltime => {
            let t = le::<8>(v).map_or(0, u64::from_le_bytes);
            if t == u64::MAX {
                out.extend_from_slice(b"none");
            } else {
                let _ = write!(out, "{t}");
                push_g(resolved, t as f64 / 1e9);
                resolved.push(b's');
            }
        }
        ParamType::Flags8 | ParamType::Flags16 | ParamType::Flags32 => {
            let val = match ty {
                ParamType::Flags8 => v.first().copied().unwrap_or(0) as u32,
                ParamType::Flags16 => le::<2>(v).map_or(0, u16::from_le_bytes) as u32,
                _ => le::<4>(v).map_or(0, u32::from_le_bytes),
            };
            let _ = write!(out, "{val}");
            render_flags(val, p.format.flags, resolved);
        }
        ParamType::Mode => {
            let val = le::<4>(v).map_or(0, u32::from_le_bytes);
            push_num(out, fmt, val as i32 as i64, val as u64);
            render_flags(val, p.format.flags, resolved);
        }
        ParamType::Uid | ParamType::Gid => {
            let id = le::<4>(v).map_or(0, u32::from_le_bytes);
            if id == u32::MAX {
                out.extend_from_slice(b"-1");
                resolved.extend_from_slice(b"<NONE>");
            } else {
                let _ = write!(out, "{}", id as i32);
                let name = if ty == ParamType::Uid {
                    r.user_name(id)
                } else {
                    r.group_name(id)
                };
                match name {
                    Some(n) => push_sanitized(resolved, n.as_bytes(), usize::MAX),
                    None => resolved.extend_from_slice(b"<NA>"),
                }
            }
        }
        ParamType::Sigset => {
            let set = le::<4>(v).map_or(0, u32::from_le_bytes);
            let mut first = true;
            for sig in 0..32u8 {
                if set & (1 << sig) != 0 {
                    if let Some(n) = flags::signal_name(sig + 1) {
                        if !first {
                            out.push(b' ');
                        }
                        out.extend_from_slice(n.as_bytes());
                        first = false;
                    }
                }
            }
        }
        ParamType::Abstime | ParamType::Dyn => out.extend_from_slice(b"INVALID DYNAMIC PARAMETER"),
        _ => out.extend_from_slice(b"(n.a.)"),
    }
}

/// The schema entry and format sysdig 0.29.3 uses for parameter `i` of `ev`, if shown.
fn schema(ev: &EventRef<'_>, i: usize) -> Option<(&'static ParamInfo, ParamFormat)> {
    let ty = ev.ty();
    match event::info_e5c53d64(ty) {
        Some(e) => {
            let pi = e.params.get(i)?;
            Some((
                pi,
                flags::param_format(ty, i)
                    .copied()
                    .unwrap_or(DEFAULT_FORMAT),
            ))
        }
        None => Some((event::info(ty)?.params.get(i)?, DEFAULT_FORMAT)),
    }
}

/// Number of parameters sysdig shows for `ev`: `min(nparams, table)`.
fn shown(ev: &EventRef<'_>) -> usize {
    let table = match event::info_e5c53d64(ev.ty()) {
        Some(e) => e.params.len(),
        None => event::info(ev.ty()).map_or(0, |e| e.params.len()),
    };
    (ev.nparams() as usize).min(table)
}

/// Event-level rendering with reusable scratch buffers.
#[derive(Debug, Default)]
pub struct Renderer {
    val: Vec<u8>,
    res: Vec<u8>,
}

impl Renderer {
    /// A renderer with empty scratch buffers.
    pub fn new() -> Renderer {
        Renderer::default()
    }

    /// Renders parameter `i` of `ev` into the scratch buffers and returns
    /// `(name, value, resolved)`, or `None` when sysdig would not show it.
    pub fn param<'s>(
        &'s mut self,
        ev: &EventRef<'_>,
        i: usize,
        r: &dyn Resolver,
    ) -> Option<(&'static str, &'s [u8], &'s [u8])> {
        if i >= shown(ev) {
            return None;
        }
        let (info, format) = schema(ev, i)?;
        let value = ev.param_bytes(i)?;
        let dirfd = match info.aux {
            ParamAux::DirFd(d) => ev.param_bytes(d as usize).map(i64_of),
            _ => None,
        };
        self.val.clear();
        self.res.clear();
        let view = ParamView {
            info,
            format,
            value,
            dirfd,
        };
        render_param(&view, r, &mut self.val, &mut self.res);
        Some((info.name, &self.val, &self.res))
    }

    /// Appends `evt.args` of `ev` to `out`: `name=value ` or `name=value(resolved) ` per
    /// shown parameter; nothing for generic events (ids 0 and 1).
    pub fn args(&mut self, ev: &EventRef<'_>, r: &dyn Resolver, out: &mut Vec<u8>) {
        if ev.ty() < 2 {
            return;
        }
        for i in 0..shown(ev) {
            if let Some((name, val, res)) = self.param(ev, i, r) {
                out.extend_from_slice(name.as_bytes());
                out.push(b'=');
                out.extend_from_slice(val);
                if !res.is_empty() {
                    out.push(b'(');
                    out.extend_from_slice(res);
                    out.push(b')');
                }
                out.push(b' ');
            }
        }
    }

    /// Appends `evt.arg[i]` (resolved form if any, else the value); false if absent.
    pub fn arg_at(
        &mut self,
        ev: &EventRef<'_>,
        i: usize,
        r: &dyn Resolver,
        out: &mut Vec<u8>,
    ) -> bool {
        match self.param(ev, i, r) {
            Some((_, val, res)) => {
                out.extend_from_slice(if res.is_empty() { val } else { res });
                true
            }
            None => false,
        }
    }

    /// Appends `evt.arg.NAME` (first parameter called `name`); false if the event has none.
    pub fn arg(
        &mut self,
        ev: &EventRef<'_>,
        name: &str,
        r: &dyn Resolver,
        out: &mut Vec<u8>,
    ) -> bool {
        match (0..shown(ev)).find(|&i| schema(ev, i).is_some_and(|(p, _)| p.name == name)) {
            Some(i) => self.arg_at(ev, i, r, out),
            None => false,
        }
    }

    /// Appends `evt.res`: `SUCCESS` when the `res` parameter (or, for exits of
    /// fd-creating events without one, the `fd` parameter) is >= 0, else its resolved form
    /// (errno name) or its value; false (sysdig shows `<NA>`) when there is neither.
    pub fn res(&mut self, ev: &EventRef<'_>, r: &dyn Resolver, out: &mut Vec<u8>) -> bool {
        let n = shown(ev);
        let find =
            |name: &str| (0..n).find(|&i| schema(ev, i).is_some_and(|(p, _)| p.name == name));
        let creates_fd =
            event::info_e5c53d64(ev.ty()).map_or(0, |e| e.flags) & event::flags::EF_CREATES_FD != 0;
        let idx = match find("res") {
            Some(i) => i,
            None if creates_fd && ev.ty() % 2 == 1 => match find("fd") {
                Some(i) => i,
                None => return false,
            },
            None => return false,
        };
        let v = ev.param_bytes(idx).map_or(0, i64_of);
        if v >= 0 {
            out.extend_from_slice(b"SUCCESS");
            return true;
        }
        self.arg_at(ev, idx, r, out)
    }

    /// `evt.args` as a `String` (lossy for non-UTF-8 bytes), for convenience.
    pub fn args_string(&mut self, ev: &EventRef<'_>, r: &dyn Resolver) -> String {
        let mut out = Vec::new();
        self.args(ev, r, &mut out);
        String::from_utf8_lossy(&out).into_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn one(
        ty: ParamType,
        aux: ParamAux,
        fmt: PrintFormat,
        table: Option<&'static flags::FlagTable>,
        v: &[u8],
    ) -> (String, String) {
        let info = ParamInfo { name: "x", ty, aux };
        let p = ParamView {
            info: &info,
            format: ParamFormat { fmt, flags: table },
            value: v,
            dirfd: None,
        };
        let (mut a, mut b) = (Vec::new(), Vec::new());
        render_param(&p, &NoState, &mut a, &mut b);
        (String::from_utf8(a).unwrap(), String::from_utf8(b).unwrap())
    }

    #[test]
    fn values_seen_from_sysdig() {
        let n = ParamAux::None;
        assert_eq!(
            one(
                ParamType::Uint32,
                n,
                PrintFormat::Oct,
                None,
                &0o644u32.to_le_bytes()
            )
            .0,
            "0644"
        );
        assert_eq!(
            one(
                ParamType::Uint32,
                n,
                PrintFormat::Oct,
                None,
                &0u32.to_le_bytes()
            )
            .0,
            "0"
        );
        assert_eq!(
            one(
                ParamType::Uint32,
                n,
                PrintFormat::Hex,
                None,
                &0x803u32.to_le_bytes()
            )
            .0,
            "803"
        );
        assert_eq!(
            one(
                ParamType::Uint32,
                n,
                PrintFormat::Dec,
                None,
                &u32::MAX.to_le_bytes()
            )
            .0,
            "-1"
        );
        assert_eq!(
            one(
                ParamType::Uint64,
                n,
                PrintFormat::Hex,
                None,
                &0xdead_beefu64.to_le_bytes()
            )
            .0,
            "DEADBEEF"
        );
        let f = one(
            ParamType::Flags32,
            n,
            PrintFormat::Hex,
            Some(&flags::FILE_FLAGS),
            &262u32.to_le_bytes(),
        );
        assert_eq!(f, ("262".into(), "O_TRUNC|O_CREAT|O_WRONLY".into()));
        let e = one(
            ParamType::Errno,
            n,
            PrintFormat::Dec,
            None,
            &(-2i64).to_le_bytes(),
        );
        assert_eq!(e, ("-2".into(), "ENOENT".into()));
        let fd = one(
            ParamType::Fd,
            n,
            PrintFormat::Dec,
            None,
            &(-100i64).to_le_bytes(),
        );
        assert_eq!(fd, ("-100".into(), "AT_FDCWD".into()));
        let six = [&[10u8][..], &[0; 15], &[1], &443u16.to_le_bytes()].concat();
        assert_eq!(
            one(ParamType::Sockaddr, n, PrintFormat::Na, None, &six).0,
            "::1:443"
        );
        let doc = [
            &[10u8, 0x20, 1, 0xd, 0xb8][..],
            &[0; 11],
            &[1],
            &443u16.to_le_bytes(),
        ]
        .concat();
        assert_eq!(
            one(ParamType::Sockaddr, n, PrintFormat::Na, None, &doc).0,
            "2001:db8::1:443"
        );
        let t = [
            &[2u8, 1, 2, 3, 4][..],
            &1234u16.to_le_bytes(),
            &[5, 6, 7, 8],
            &80u16.to_le_bytes(),
        ]
        .concat();
        assert_eq!(
            one(ParamType::Socktuple, n, PrintFormat::Na, None, &t).0,
            "1.2.3.4:1234->5.6.7.8:80"
        );
        assert_eq!(
            one(
                ParamType::Bytebuf,
                n,
                PrintFormat::Na,
                None,
                b"ab\ncd\0\xff"
            )
            .0,
            "ab.cd.."
        );
        let rt = one(
            ParamType::Reltime,
            n,
            PrintFormat::Dec,
            None,
            &1_500_000_000u64.to_le_bytes(),
        );
        assert_eq!(rt, ("1500000000".into(), "1.5s".into()));
        assert_eq!(
            one(
                ParamType::Uid,
                n,
                PrintFormat::Dec,
                None,
                &5u32.to_le_bytes()
            ),
            ("5".into(), "<NA>".into())
        );
    }

    #[test]
    fn path_normalisation() {
        let norm = |base: &str, p: &str| {
            let mut t = base.as_bytes().to_vec();
            push_path_sanitized(&mut t, 0, p.as_bytes());
            String::from_utf8(t).unwrap()
        };
        assert_eq!(norm("/home/u/", "a/../b/./c//d/"), "/home/u/b/c/d");
        assert_eq!(norm("/home/u/", "../../../x"), "/x");
        assert_eq!(norm("", "rel/../x/./y//z/"), "x/y/z");
        assert_eq!(norm("/r/", "a\u{1}b"), "/r/a.b");
    }

    /// Hostile bytes: every parameter of every event type, with values of every length
    /// from 0 to 40 bytes of pseudo-random content, renders without panicking.
    #[test]
    fn never_panics_on_arbitrary_values() {
        let mut seed = 0x2545_f491_4f6c_dd1du64;
        let mut next = || {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed
        };
        let (mut a, mut b) = (Vec::new(), Vec::new());
        for id in 0..event::EVENTS_MASTER.len() as u16 {
            let Some(e) = event::info(id) else { continue };
            for (i, info) in e.params.iter().enumerate() {
                let format = flags::param_format(id, i)
                    .copied()
                    .unwrap_or(DEFAULT_FORMAT);
                for len in 0..40usize {
                    let v: Vec<u8> = (0..len).map(|_| next() as u8).collect();
                    let p = ParamView {
                        info,
                        format,
                        value: &v,
                        dirfd: Some(next() as i64 % 4),
                    };
                    a.clear();
                    b.clear();
                    render_param(&p, &NoState, &mut a, &mut b);
                }
            }
        }
    }
}
