//! File descriptors: [`FdInfo`] (type, name, socket tuple, role, flags) and the per-process
//! [`FdTable`], plus the libsinsp rendering helpers for socket names and path resolution.

use std::collections::HashMap;
use std::net::{Ipv4Addr, Ipv6Addr};

use super::FastHash;

/// scap fd types (`scap_fd_type`), numbered as in FDL blocks.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
#[repr(u8)]
#[allow(missing_docs)]
pub enum FdType {
    #[default]
    Unknown = 0,
    File = 1,
    Directory = 2,
    Ipv4Sock = 3,
    Ipv6Sock = 4,
    Ipv4ServSock = 5,
    Ipv6ServSock = 6,
    Fifo = 7,
    UnixSock = 8,
    Event = 9,
    Unsupported = 10,
    Signalfd = 11,
    Eventpoll = 12,
    Inotify = 13,
    Timerfd = 14,
    Netlink = 15,
    FileV2 = 16,
    Bpf = 17,
    Userfaultfd = 18,
    IoUring = 19,
    Memfd = 20,
    Pidfd = 21,
}

impl FdType {
    /// From the FDL byte.
    pub fn from_u8(v: u8) -> Option<FdType> {
        use FdType::*;
        Some(match v {
            0 => Unknown,
            1 => File,
            2 => Directory,
            3 => Ipv4Sock,
            4 => Ipv6Sock,
            5 => Ipv4ServSock,
            6 => Ipv6ServSock,
            7 => Fifo,
            8 => UnixSock,
            9 => Event,
            10 => Unsupported,
            11 => Signalfd,
            12 => Eventpoll,
            13 => Inotify,
            14 => Timerfd,
            15 => Netlink,
            16 => FileV2,
            17 => Bpf,
            18 => Userfaultfd,
            19 => IoUring,
            20 => Memfd,
            21 => Pidfd,
            _ => return None,
        })
    }

    /// `fd.typechar`.
    pub fn typechar(self) -> u8 {
        use FdType::*;
        match self {
            File | FileV2 => b'f',
            Ipv4Sock | Ipv4ServSock => b'4',
            Ipv6Sock | Ipv6ServSock => b'6',
            Directory => b'd',
            Fifo => b'p',
            UnixSock | Userfaultfd => b'u',
            Event => b'e',
            Unknown => b'o',
            Unsupported => b'X',
            Signalfd => b's',
            Eventpoll => b'l',
            Inotify => b'i',
            Timerfd => b't',
            Netlink => b'n',
            Bpf => b'b',
            IoUring => b'r',
            Memfd => b'm',
            Pidfd => b'P',
        }
    }

    /// `fd.type` (`<NA>` for unknown/unsupported, as libsinsp returns it as a value).
    pub fn typestr(self) -> &'static str {
        use FdType::*;
        match self {
            File | FileV2 => "file",
            Directory => "directory",
            Ipv4Sock | Ipv4ServSock => "ipv4",
            Ipv6Sock | Ipv6ServSock => "ipv6",
            UnixSock => "unix",
            Fifo => "pipe",
            Event => "event",
            Signalfd => "signalfd",
            Eventpoll => "eventpoll",
            Inotify => "inotify",
            Timerfd => "timerfd",
            Netlink => "netlink",
            Bpf => "bpf",
            Userfaultfd => "userfaultfd",
            IoUring => "io_uring",
            Memfd => "memfd",
            Pidfd => "pidfd",
            Unknown | Unsupported => "<NA>",
        }
    }

    /// Regular file (either layout).
    pub fn is_file(self) -> bool {
        matches!(self, FdType::File | FdType::FileV2)
    }
}

/// Layer-4 protocol (`scap_l4_proto`).
pub mod l4 {
    /// Unknown.
    pub const UNKNOWN: u8 = 0;
    /// Not applicable.
    pub const NA: u8 = 1;
    /// TCP.
    pub const TCP: u8 = 2;
    /// UDP.
    pub const UDP: u8 = 3;
    /// ICMP.
    pub const ICMP: u8 = 4;
    /// Raw.
    pub const RAW: u8 = 5;
}

/// Socket endpoint data. IPv4 addresses are kept in the low 4 bytes of an IPv6-sized array
/// (`v4` form), mirroring libsinsp's union: tuple fields are source/destination as stored.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct SockInfo {
    /// Source ip (v4: first 4 bytes).
    pub sip: [u8; 16],
    /// Destination ip.
    pub dip: [u8; 16],
    /// Source port.
    pub sport: u16,
    /// Destination port.
    pub dport: u16,
    /// l4 protocol.
    pub l4proto: u8,
    /// Unix: kernel socket pointers.
    pub usrc: u64,
    /// Unix: peer pointer.
    pub udst: u64,
}

/// Role flags.
pub mod role {
    /// Client side.
    pub const CLIENT: u32 = 1 << 0;
    /// Server side.
    pub const SERVER: u32 = 1 << 1;
    /// Close enter seen, exit pending.
    pub const CLOSE_IN_PROGRESS: u32 = 1 << 2;
    /// A new fd with this number was created between close enter and exit.
    pub const CLOSE_CANCELED: u32 = 1 << 3;
    /// Inherited through clone.
    pub const CLONED: u32 = 1 << 4;
    /// Connected.
    pub const CONNECTED: u32 = 1 << 5;
    /// Connect in progress.
    pub const PENDING: u32 = 1 << 6;
    /// Connect failed.
    pub const FAILED: u32 = 1 << 7;
}

/// The fd number libsinsp parks a canceled-close fd under.
pub const CANCELED_FD_NUMBER: i64 = i64::MAX;

/// One file descriptor.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct FdInfo {
    /// Type.
    pub ty: FdType,
    /// Name (path, tuple text, unix path...).
    pub name: String,
    /// Name as given by the syscall (unresolved), when known.
    pub nameraw: String,
    /// PPM_O_* open flags.
    pub openflags: u32,
    /// Device.
    pub dev: u32,
    /// Inode (pipes, FDL).
    pub ino: u64,
    /// Socket data.
    pub sock: SockInfo,
    /// `role::*` bits.
    pub flags: u32,
}

impl FdInfo {
    /// An fd of type `ty` with an empty name.
    pub fn new(ty: FdType) -> FdInfo {
        FdInfo {
            ty,
            ..Default::default()
        }
    }
    /// Neither client nor server.
    pub fn role_none(&self) -> bool {
        self.flags & (role::CLIENT | role::SERVER) == 0
    }
    /// Server role.
    pub fn is_server(&self) -> bool {
        self.flags & role::SERVER != 0
    }
    /// Client role.
    pub fn is_client(&self) -> bool {
        self.flags & role::CLIENT != 0
    }
    /// Sets the server role (clearing client).
    pub fn set_server(&mut self) {
        self.flags = (self.flags & !role::CLIENT) | role::SERVER;
    }
    /// Sets the client role (clearing server).
    pub fn set_client(&mut self) {
        self.flags = (self.flags & !role::SERVER) | role::CLIENT;
    }
    /// l4 protocol (`get_l4proto`: n/a for connected-type sockets without a role).
    pub fn l4proto(&self) -> u8 {
        match self.ty {
            FdType::Ipv4Sock | FdType::Ipv6Sock => {
                if self.sock.l4proto == l4::RAW {
                    l4::RAW
                } else if self.role_none() {
                    l4::NA
                } else {
                    self.sock.l4proto
                }
            }
            FdType::Ipv4ServSock | FdType::Ipv6ServSock => self.sock.l4proto,
            _ => l4::NA,
        }
    }
    /// TCP socket.
    pub fn is_tcp(&self) -> bool {
        matches!(self.ty, FdType::Ipv4Sock | FdType::Ipv6Sock) && self.sock.l4proto == l4::TCP
    }
    /// UDP socket.
    pub fn is_udp(&self) -> bool {
        matches!(self.ty, FdType::Ipv4Sock | FdType::Ipv6Sock) && self.sock.l4proto == l4::UDP
    }
    /// Swaps source and destination.
    pub fn swap_addresses(&mut self) {
        std::mem::swap(&mut self.sock.sip, &mut self.sock.dip);
        std::mem::swap(&mut self.sock.sport, &mut self.sock.dport);
    }
    /// Renders the tuple into `name` as `sockinfo_to_str` does (IPv4/IPv6 sockets).
    pub fn render_tuple_name(&mut self) {
        let mut s = std::mem::take(&mut self.name);
        s.clear();
        sockinfo_to_str(self.ty, &self.sock, &mut s);
        self.name = s;
    }
}

/// The fd table of a process (owned by its main thread, or by a thread without CLONE_FILES).
/// Small fds (the common case) live in a vector indexed by fd; others, and the cancelled
/// close slot, in a hash map.
#[derive(Clone, Debug, Default)]
pub struct FdTable {
    small: Vec<Option<FdInfo>>,
    n_small: usize,
    big: HashMap<i64, FdInfo, FastHash>,
}

/// Most fds one table holds (libsinsp `m_max_fdtable_size` default).
pub const MAX_FDTABLE: usize = 1024 * 1024;

/// fds below this are indexed directly.
const SMALL_FDS: i64 = 256;

impl FdTable {
    /// Looks up an fd.
    #[inline]
    pub fn get(&self, fd: i64) -> Option<&FdInfo> {
        if (0..SMALL_FDS).contains(&fd) {
            return self.small.get(fd as usize)?.as_ref();
        }
        if fd < 0 {
            return None;
        }
        self.big.get(&fd)
    }
    /// Mutable lookup.
    #[inline]
    pub fn get_mut(&mut self, fd: i64) -> Option<&mut FdInfo> {
        if (0..SMALL_FDS).contains(&fd) {
            return self.small.get_mut(fd as usize)?.as_mut();
        }
        if fd < 0 {
            return None;
        }
        self.big.get_mut(&fd)
    }
    /// Number of fds.
    pub fn len(&self) -> usize {
        self.n_small + self.big.len()
    }
    /// Whether the table is empty.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
    /// Every fd number (in no particular order).
    pub fn keys(&self) -> impl Iterator<Item = i64> + '_ {
        let small = self.small.iter().enumerate();
        small
            .filter_map(|(i, f)| f.as_ref().map(|_| i as i64))
            .chain(self.big.keys().copied())
    }
    /// Every fd's info (in no particular order).
    pub fn values_mut(&mut self) -> impl Iterator<Item = &mut FdInfo> {
        self.small.iter_mut().flatten().chain(self.big.values_mut())
    }
    /// Keeps the fds for which `keep` is true.
    pub fn retain(&mut self, mut keep: impl FnMut(&FdInfo) -> bool) {
        for slot in &mut self.small {
            if slot.as_ref().is_some_and(|f| !keep(f)) {
                *slot = None;
                self.n_small -= 1;
            }
        }
        self.big.retain(|_, f| keep(f));
    }
    /// Removes an fd and returns its info.
    pub fn remove(&mut self, fd: i64) -> Option<FdInfo> {
        if (0..SMALL_FDS).contains(&fd) {
            let old = self.small.get_mut(fd as usize)?.take();
            if old.is_some() {
                self.n_small -= 1;
            }
            return old;
        }
        self.big.remove(&fd)
    }
    /// Inserts or replaces without libsinsp's close-in-progress handling.
    fn put(&mut self, fd: i64, fdi: FdInfo) {
        if (0..SMALL_FDS).contains(&fd) {
            let i = fd as usize;
            if self.small.len() <= i {
                self.small.resize_with(i + 1, || None);
            }
            if self.small[i].replace(fdi).is_none() {
                self.n_small += 1;
            }
        } else {
            self.big.insert(fd, fdi);
        }
    }
    /// `sinsp_fdtable::add`: insert or replace, with the close-in-progress cancel dance.
    pub fn add(&mut self, fd: i64, mut fdi: FdInfo) -> bool {
        let canceled = match self.get_mut(fd) {
            None => {
                if self.len() >= MAX_FDTABLE {
                    return false;
                }
                self.put(fd, fdi);
                None
            }
            Some(old) => {
                if old.flags & role::CLOSE_IN_PROGRESS != 0 {
                    fdi.flags &= !role::CLOSE_IN_PROGRESS;
                    fdi.flags |= role::CLOSE_CANCELED;
                    Some(std::mem::replace(old, fdi))
                } else {
                    *old = fdi;
                    None
                }
            }
        };
        if let Some(prev) = canceled {
            self.put(CANCELED_FD_NUMBER, prev);
        }
        true
    }
    /// Removes an fd.
    pub fn erase(&mut self, fd: i64) {
        self.remove(fd);
    }
}

/// Appends a decimal number without going through `fmt`.
#[inline]
pub fn push_dec(out: &mut String, v: u64) {
    let mut tmp = [0u8; 20];
    let i = dec_digits(&mut tmp, v);
    out.push_str(std::str::from_utf8(&tmp[i..]).unwrap_or("0"));
}

/// Writes the digits of `v` at the end of `tmp`; returns where they start.
#[inline]
fn dec_digits(tmp: &mut [u8; 20], mut v: u64) -> usize {
    let mut i = tmp.len();
    loop {
        i -= 1;
        tmp[i] = b'0' + (v % 10) as u8;
        v /= 10;
        if v == 0 {
            break;
        }
    }
    i
}

/// A small stack buffer for rendering ASCII names (tuples) in one `push_str`.
struct AsciiBuf {
    b: [u8; 64],
    n: usize,
}

impl AsciiBuf {
    fn new() -> AsciiBuf {
        AsciiBuf { b: [0; 64], n: 0 }
    }
    #[inline]
    fn bytes(&mut self, s: &[u8]) {
        if let Some(d) = self.b.get_mut(self.n..self.n + s.len()) {
            d.copy_from_slice(s);
            self.n += s.len();
        }
    }
    #[inline]
    fn dec(&mut self, v: u64) {
        let mut tmp = [0u8; 20];
        let i = dec_digits(&mut tmp, v);
        self.bytes(&tmp[i..]);
    }
    #[inline]
    fn ipv4(&mut self, b: &[u8]) {
        if let [a, bb, c, d, ..] = b {
            self.dec(*a as u64);
            self.bytes(b".");
            self.dec(*bb as u64);
            self.bytes(b".");
            self.dec(*c as u64);
            self.bytes(b".");
            self.dec(*d as u64);
        }
    }
    /// `a.b.c.d:p->e.f.g.h:q` (at most 43 bytes: always fits).
    fn v4_tuple(&mut self, sip: &[u8], sport: u16, dip: &[u8], dport: u16) {
        self.ipv4(sip);
        self.bytes(b":");
        self.dec(sport as u64);
        self.bytes(b"->");
        self.ipv4(dip);
        self.bytes(b":");
        self.dec(dport as u64);
    }
    fn flush(&self, out: &mut String) {
        // Only ASCII is ever written.
        out.push_str(std::str::from_utf8(&self.b[..self.n]).unwrap_or(""));
    }
}

/// Appends the decimal port.
#[inline]
fn push_port(out: &mut String, p: u16) {
    push_dec(out, p as u64);
}

/// Appends an IPv4 address from 4 network-order bytes.
pub fn push_ipv4(out: &mut String, b: &[u8]) {
    let mut a = AsciiBuf::new();
    a.ipv4(b);
    a.flush(out);
}

/// Appends `ip:port->ip:port` for IPv4 addresses.
fn push_v4_tuple(out: &mut String, sip: &[u8], sport: u16, dip: &[u8], dport: u16) {
    let mut a = AsciiBuf::new();
    a.v4_tuple(sip, sport, dip, dport);
    a.flush(out);
}

/// Appends an IPv6 address as inet_ntop renders it.
pub fn push_ipv6(out: &mut String, b: &[u8; 16]) {
    use std::fmt::Write;
    let a = Ipv6Addr::from(*b);
    // inet_ntop renders IPv4-compatible (::a.b.c.d, not ::1/::) and mapped addresses
    // with a dotted quad; Rust's Display does the mapped form but not the compatible one.
    let seg = a.segments();
    // (A zero seventh word makes the zero run longer than six words: no dotted form.)
    if seg[..6] == [0, 0, 0, 0, 0, 0] && seg[6] != 0 {
        let _ = write!(out, "::{}", Ipv4Addr::new(b[12], b[13], b[14], b[15]));
    } else {
        let _ = write!(out, "{a}");
    }
}

/// Whether 16 bytes are an IPv4-mapped (or all-zero prefix) IPv6 address, as libsinsp
/// tests it.
pub fn is_v4_mapped(b: &[u8]) -> bool {
    b.len() >= 16
        && b[..10].iter().all(|&x| x == 0)
        && ((b[10] == 0xff && b[11] == 0xff) || b[10..16].iter().all(|&x| x == 0))
}

/// `ipv4tuple_to_string`: `a.b.c.d:p->e.f.g.h:q` whatever the protocol.
pub fn ipv4tuple_to_string(s: &SockInfo, out: &mut String) {
    push_v4_tuple(out, &s.sip, s.sport, &s.dip, s.dport);
}

/// `ipv6tuple_to_string`.
pub fn ipv6tuple_to_string(s: &SockInfo, out: &mut String) {
    push_ipv6(out, &s.sip);
    out.push(':');
    push_port(out, s.sport);
    out.push_str("->");
    push_ipv6(out, &s.dip);
    out.push(':');
    push_port(out, s.dport);
}

/// `sockinfo_to_str`: the fd name of an IPv4/IPv6 socket.
pub fn sockinfo_to_str(ty: FdType, s: &SockInfo, out: &mut String) {
    match ty {
        FdType::Ipv4Sock => match s.l4proto {
            l4::TCP | l4::UDP => push_v4_tuple(out, &s.sip, s.sport, &s.dip, s.dport),
            l4::ICMP | l4::RAW => {
                push_ipv4(out, &s.sip);
                out.push_str("->");
                push_ipv4(out, &s.dip);
            }
            _ => out.push_str("<unknown>"),
        },
        FdType::Ipv6Sock => {
            let mapped = is_v4_mapped(&s.sip) && is_v4_mapped(&s.dip);
            match s.l4proto {
                l4::TCP | l4::UDP => {
                    if mapped {
                        push_v4_tuple(out, &s.sip[12..], s.sport, &s.dip[12..], s.dport);
                    } else {
                        push_ipv6(out, &s.sip);
                        out.push(':');
                        push_port(out, s.sport);
                        out.push_str("->");
                        push_ipv6(out, &s.dip);
                        out.push(':');
                        push_port(out, s.dport);
                    }
                }
                l4::ICMP => {
                    if mapped {
                        push_ipv4(out, &s.sip[12..]);
                        out.push_str("->");
                        push_ipv4(out, &s.dip[12..]);
                    } else {
                        push_ipv6(out, &s.sip);
                        out.push_str("->");
                        push_ipv6(out, &s.dip);
                    }
                }
                _ => out.push_str("<unknown>"),
            }
        }
        _ => {}
    }
}

/// Renders a PT_SOCKADDR parameter as libsinsp's PF_SIMPLE string (bind names).
pub fn render_sockaddr(p: &[u8], out: &mut String) {
    match p.first() {
        None => out.push_str("NULL"),
        Some(1) => push_sanitized(out, super::evt::cstr(&p[1..])),
        Some(2) => {
            if p.len() == 7 {
                push_ipv4(out, &p[1..5]);
                out.push(':');
                push_port(out, u16::from_le_bytes([p[5], p[6]]));
            } else {
                out.push_str("INVALID IPv4");
            }
        }
        Some(10) => {
            if p.len() == 19 {
                let mut a = [0u8; 16];
                a.copy_from_slice(&p[1..17]);
                push_ipv6(out, &a);
                out.push(':');
                push_port(out, u16::from_le_bytes([p[17], p[18]]));
            } else {
                out.push_str("INVALID IPv6");
            }
        }
        Some(f) => {
            use std::fmt::Write;
            let _ = write!(out, "family {f}");
        }
    }
}

/// Renders a PT_SOCKTUPLE parameter as libsinsp's PF_SIMPLE string.
pub fn render_socktuple(p: &[u8], out: &mut String) {
    use std::fmt::Write;
    match p.first() {
        None => out.push_str("NULL"),
        Some(2) => {
            if p.len() == 13 {
                let sport = u16::from_le_bytes([p[5], p[6]]);
                let dport = u16::from_le_bytes([p[11], p[12]]);
                push_v4_tuple(out, &p[1..5], sport, &p[7..11], dport);
            } else {
                out.push_str("INVALID IPv4");
            }
        }
        Some(10) => {
            if p.len() == 37 {
                let (s6, d6) = (&p[1..17], &p[19..35]);
                if is_v4_mapped(s6) && is_v4_mapped(d6) {
                    let sport = u16::from_le_bytes([p[17], p[18]]);
                    let dport = u16::from_le_bytes([p[35], p[36]]);
                    push_v4_tuple(out, &p[13..17], sport, &p[31..35], dport);
                } else {
                    let mut a = [0u8; 16];
                    a.copy_from_slice(s6);
                    push_ipv6(out, &a);
                    out.push(':');
                    push_port(out, u16::from_le_bytes([p[17], p[18]]));
                    out.push_str("->");
                    a.copy_from_slice(d6);
                    push_ipv6(out, &a);
                    out.push(':');
                    push_port(out, u16::from_le_bytes([p[35], p[36]]));
                }
            } else {
                out.push_str("INVALID IPv6");
            }
        }
        Some(1) => {
            if p.len() >= 17 {
                let a = u64::from_le_bytes(p[1..9].try_into().unwrap_or([0; 8]));
                let b = u64::from_le_bytes(p[9..17].try_into().unwrap_or([0; 8]));
                let _ = write!(out, "{a:x}->{b:x} ");
                push_sanitized(out, super::evt::cstr(&p[17..]));
            } else {
                out.push_str("NULL");
            }
        }
        Some(f) => {
            let _ = write!(out, "family {f}");
        }
    }
}

/// Appends `b` to a byte vector with invalid characters removed.
pub fn push_sanitized_bytes(out: &mut Vec<u8>, b: &[u8]) {
    if all_printable(b) {
        out.extend_from_slice(b);
    } else {
        out.extend(b.iter().copied().filter(|&c| !invalid_char(c)));
    }
}

/// Whether no byte is an [`invalid_char`] (a fold without early exit: it vectorises).
#[inline]
pub fn all_printable(b: &[u8]) -> bool {
    !b.iter().fold(false, |bad, &c| bad | invalid_char(c))
}

/// libsinsp's invalid-character test (non-printable or high-bit bytes).
#[inline]
pub fn invalid_char(c: u8) -> bool {
    !(0x20..0x7f).contains(&c)
}

/// Appends `b` with invalid characters removed (`sanitize_string`).
pub fn push_sanitized(out: &mut String, b: &[u8]) {
    if all_printable(b) {
        // Printable ASCII is UTF-8.
        if let Ok(s) = std::str::from_utf8(b) {
            out.push_str(s);
            return;
        }
    }
    for &c in b {
        if !invalid_char(c) {
            out.push(c as char);
        }
    }
}

/// `sinsp_utils::concatenate_paths`: joins `dir` (which must end in '/') and `path`
/// unless `path` is absolute or empty, then normalises `.`/`..`/`//`, replaces invalid
/// characters with '.', and drops a trailing '/'. Writes into `out` (cleared first).
pub fn concatenate_paths(out: &mut String, dir: &[u8], path: &[u8]) {
    let path = super::evt::cstr(path);
    // SCAP_MAX_PATH_SIZE = 1024; len2 counts the NUL in libsinsp.
    if dir.len() + path.len() + 2 > 1024 {
        out.clear();
        out.push_str("/PATH_TOO_LONG");
        return;
    }
    let mut t = std::mem::take(out).into_bytes();
    t.clear();
    let relative = !path.is_empty() && path[0] != b'/';
    if relative {
        t.extend_from_slice(dir);
    }
    // Fast path: nothing to normalise (printable, no "//", no "/." segment, no leading
    // '.', no trailing '/', and a directory that ends with '/').
    let mut simple = !path.is_empty()
        && path[0] != b'.'
        && path[path.len() - 1] != b'/'
        && (!relative || dir.last() == Some(&b'/'));
    if simple {
        // Printable, and no "//" or "/." anywhere: branch-free folds (they vectorise).
        let seg = path
            .iter()
            .zip(path.iter().skip(1))
            .fold(false, |a, (&p, &c)| {
                a | (p == b'/' && (c == b'/' || c == b'.'))
            });
        simple = all_printable(path) && !seg;
    }
    if simple {
        t.extend_from_slice(path);
    } else {
        copy_and_sanitize(&mut t, 0, path);
    }
    // Every byte is printable ASCII ('.' replaces the others) or comes from `dir`, which
    // is produced by this function: the buffer is valid UTF-8.
    *out = match String::from_utf8(t) {
        Ok(s) => s,
        Err(e) => String::from_utf8_lossy(e.as_bytes()).into_owned(),
    };
}

fn rewind(t: &mut Vec<u8>, base: usize) {
    // tc points at t.len(); targetbase at base.
    if t.len() <= base + 1 {
        return;
    }
    t.pop();
    while t.len() > base && !t.is_empty() && t[t.len() - 1] != b'/' {
        t.pop();
    }
}

fn copy_and_sanitize(t: &mut Vec<u8>, base: usize, p: &[u8]) {
    let at = |i: usize| -> u8 { p.get(i).copied().unwrap_or(0) };
    let mut i = 0usize;
    loop {
        let c = at(i);
        if c == 0 {
            if t.len() > base + 1 && t[t.len() - 1] == b'/' {
                t.pop();
            }
            return;
        }
        if invalid_char(c) {
            t.push(b'.');
            i += 1;
        } else if c == b'.' && at(i + 1) == b'.' && at(i + 2) == b'/' {
            rewind(t, base);
            i += 3;
        } else if c == b'.' && at(i + 1) == b'.' {
            if at(i + 2) == 0 {
                rewind(t, base);
                i += 2;
            } else {
                t.extend_from_slice(b"..");
                i += 2;
            }
        } else if c == b'.' && at(i + 1) == b'/' {
            i += 2;
        } else if c == b'.' {
            if at(i + 1) == 0 {
                i += 1;
            } else {
                t.push(c);
                i += 1;
            }
        } else if c == b'/' {
            if t.len() > base && t[t.len() - 1] == b'/' {
                i += 1;
            } else {
                t.push(c);
                i += 1;
            }
        } else {
            t.push(c);
            i += 1;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cat(d: &str, p: &str) -> String {
        let mut s = String::new();
        concatenate_paths(&mut s, d.as_bytes(), p.as_bytes());
        s
    }

    #[test]
    fn paths_resolve_like_libsinsp() {
        assert_eq!(cat("/home/u/", "a.txt"), "/home/u/a.txt");
        assert_eq!(cat("/home/u/", "../b"), "/home/b");
        assert_eq!(cat("/home/u/", "./c/"), "/home/u/c");
        assert_eq!(cat("/home/u/", "/etc//passwd"), "/etc/passwd");
        assert_eq!(cat("/", ".."), "/");
        assert_eq!(cat("/a/", "x\u{1}y"), "/a/x.y");
        assert_eq!(cat("/x/", "a/.b"), "/x/a/.b");
        assert_eq!(cat("/x/", "a//b"), "/x/a/b");
        assert_eq!(cat("/x/", "a/./b"), "/x/a/b");
        assert_eq!(cat("/x/", "/abs/p"), "/abs/p");
        // Past the first vector lanes: the fast-path checks look at every byte.
        let long = "d".repeat(40);
        assert_eq!(cat("/x/", &format!("{long}//b")), format!("/x/{long}/b"));
        assert_eq!(cat("/x/", &format!("{long}/./b")), format!("/x/{long}/b"));
        assert_eq!(cat("/x/", &format!("{long}\u{7f}")), format!("/x/{long}."));
        assert_eq!(cat("/x/", &format!("{long}é")), format!("/x/{long}.."));
    }

    #[test]
    fn sanitizing_drops_invalid_bytes() {
        let long = "n".repeat(40);
        let mut v = Vec::new();
        push_sanitized_bytes(&mut v, format!("{long}\tz\u{80}").as_bytes());
        assert_eq!(v, format!("{long}z").as_bytes());
        let mut s = String::new();
        push_sanitized(&mut s, format!("a\nb{long}").as_bytes());
        assert_eq!(s, format!("ab{long}"));
        assert!(all_printable(long.as_bytes()) && !all_printable(b"\x7f"));
    }

    #[test]
    fn tuples_render() {
        let mut p = vec![2u8, 10, 0, 0, 1];
        p.extend_from_slice(&40000u16.to_le_bytes());
        p.extend_from_slice(&[10, 0, 0, 2]);
        p.extend_from_slice(&80u16.to_le_bytes());
        let mut s = String::new();
        render_socktuple(&p, &mut s);
        assert_eq!(s, "10.0.0.1:40000->10.0.0.2:80");
    }
}
