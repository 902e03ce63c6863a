//! Plain text rendering of events for `scap cat`: numbers in decimal, strings escaped,
//! addresses as `ip:port`. This is a simple, lossless-ish Display; sysdig-style rendering
//! (flag names, fd resolution) lives in `render` when present.

use std::fmt::Write;

use crate::event::{Param, SockAddr, SockTuple};
use crate::file::Event;

/// Appends `b` to `out`: printable ASCII as is, NUL (the separator of argument lists) as
/// a space, newline and tab as `\n`/`\t`, other bytes as `\xNN`.
pub fn push_escaped(out: &mut String, b: &[u8]) {
    for &c in b {
        match c {
            0 => out.push(' '),
            b'\\' => out.push_str("\\\\"),
            0x20..=0x7e => out.push(c as char),
            b'\n' => out.push_str("\\n"),
            b'\t' => out.push_str("\\t"),
            _ => {
                let _ = write!(out, "\\x{c:02x}");
            }
        }
    }
}

/// Appends a textual form of one parameter value.
pub fn push_param(out: &mut String, p: &Param<'_>) {
    match *p {
        Param::Empty => out.push_str("<NA>"),
        Param::Charbuf(s) | Param::Fspath(s) | Param::Fsrelpath { path: s, .. } => {
            push_escaped(out, s)
        }
        Param::Bytebuf(b) => {
            let t = b.strip_suffix(&[0]).unwrap_or(b);
            push_escaped(out, t)
        }
        Param::Sockaddr(a) => match a {
            SockAddr::Inet(s) => {
                let _ = write!(out, "{s}");
            }
            SockAddr::Inet6(s) => {
                let _ = write!(out, "{s}");
            }
            SockAddr::Unix(p) => push_escaped(out, p),
            SockAddr::Other { family, .. } => {
                let _ = write!(out, "family({family})");
            }
        },
        Param::Socktuple(t) => match t {
            SockTuple::Inet { src, dst } => {
                let _ = write!(out, "{src}->{dst}");
            }
            SockTuple::Inet6 { src, dst } => {
                let _ = write!(out, "{src}->{dst}");
            }
            SockTuple::Unix { src, dst, path } => {
                let _ = write!(out, "{src:x}->{dst:x} ");
                push_escaped(out, path);
            }
            SockTuple::Other { family, .. } => {
                let _ = write!(out, "family({family})");
            }
        },
        Param::Fdlist(l) => {
            for (i, (fd, fl)) in l.iter().enumerate() {
                if i > 0 {
                    out.push(' ');
                }
                let _ = write!(out, "{fd}:{fl:#x}");
            }
        }
        Param::Dyn(d) => push_param(out, &d.value()),
        Param::Ipv4addr(a) => {
            let _ = write!(out, "{a}");
        }
        Param::Ipv6addr(a) => {
            let _ = write!(out, "{a}");
        }
        Param::Ipaddr(a) => {
            let _ = write!(out, "{a}");
        }
        Param::Ipnet(b) | Param::Raw { bytes: b, .. } => {
            for c in b {
                let _ = write!(out, "{c:02x}");
            }
        }
        Param::Flags8(_)
        | Param::Flags16(_)
        | Param::Flags32(_)
        | Param::Enumflags8(_)
        | Param::Enumflags16(_)
        | Param::Enumflags32(_)
        | Param::Sigset(_) => {
            let _ = write!(out, "{:#x}", p.as_u64().unwrap_or(0));
        }
        Param::Mode(m) => {
            let _ = write!(out, "{m:#o}");
        }
        Param::Double(d) => {
            let _ = write!(out, "{d}");
        }
        _ => match (p.as_i64(), p.as_u64()) {
            (_, Some(u)) => {
                let _ = write!(out, "{u}");
            }
            (Some(i), None) => {
                let _ = write!(out, "{i}");
            }
            _ => out.push('?'),
        },
    }
}

/// Formats one event as `NUM TS CPU TID DIR TYPE name=value ...` (no newline).
pub fn format_event_line(e: &Event<'_>, out: &mut String) {
    let _ = write!(
        out,
        "{} {}.{:09} {} {} {} {}",
        e.num,
        e.ts() / 1_000_000_000,
        e.ts() % 1_000_000_000,
        e.cpuid,
        e.tid() as i64,
        e.dir().symbol(),
        e.type_name()
    );
    let mut i = 0;
    e.for_each_param(|pi, p| {
        out.push(' ');
        match pi {
            Some(pi) => out.push_str(pi.name),
            None => {
                let _ = write!(out, "arg{i}");
            }
        }
        out.push('=');
        push_param(out, &p);
        i += 1;
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes() {
        let mut s = String::new();
        push_escaped(&mut s, b"a\0b\n\xff\\");
        assert_eq!(s, "a b\\n\\xff\\\\");
        let mut s = String::new();
        push_param(&mut s, &Param::Errno(-2));
        push_param(&mut s, &Param::Flags32(0x2001));
        assert_eq!(s, "-20x2001");
    }
}
