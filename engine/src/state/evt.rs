//! [`Evt`]: a zero-copy view over one scap event record (`ppm_evt_hdr` + parameter lengths +
//! values) with O(1) parameter access, plus the event-type classification ([`Kind`]) the
//! state parser dispatches on.
//!
//! The view is built from the raw record bytes (EV_V2 layout, 26-byte header); building it
//! validates the length array once and records each parameter's offset in a fixed array,
//! so access is O(1) and nothing is allocated. Records are hostile input: every accessor is bounds-checked and returns
//! `None` (or a neutral default) instead of panicking.

use scap_abi::event::{self, Direction, EventInfo};

/// Most parameters an event can carry that we index (libs master tops out at 31).
pub const MAX_PARAMS: usize = 32;

/// One event, borrowed from a record buffer.
#[derive(Clone, Copy, Debug)]
pub struct Evt<'a> {
    /// Event number (1-based, counted by the reader over every event block it returns).
    pub num: u64,
    /// Timestamp, ns since the epoch.
    pub ts: u64,
    /// Thread id (-1 for meta-events).
    pub tid: i64,
    /// Event type id.
    pub ty: u16,
    /// CPU the event was captured on.
    pub cpu: u16,
    /// Dump flags of EVF blocks (1 = state only).
    pub dump_flags: u32,
    raw: &'a [u8],
    nparams: u16,
    /// Start offset of each parameter; `offs[nparams]` is the end of the last one. Records
    /// longer than 64 KiB (large container/plugin payloads) are `wide`: their offsets are
    /// recomputed from the length array on access instead.
    offs: [u16; MAX_PARAMS + 1],
    wide: bool,
}

impl<'a> Evt<'a> {
    /// Parses a v2 record (`ts, tid, len, type, nparams`, lengths, values). Returns `None`
    /// when the header or the length array does not fit in `raw`; parameters whose values
    /// run past the end are dropped (with all following ones).
    #[inline]
    pub fn parse(raw: &'a [u8], num: u64, cpu: u16, dump_flags: u32) -> Option<Evt<'a>> {
        let hdr = raw.get(..event::HEADER_LEN)?;
        let ts = u64::from_le_bytes(hdr[0..8].try_into().ok()?);
        let tid = i64::from_le_bytes(hdr[8..16].try_into().ok()?);
        let ty = u16::from_le_bytes(hdr[20..22].try_into().ok()?);
        let np = u32::from_le_bytes(hdr[22..26].try_into().ok()?);
        let large = matches!(ty, 322 | 324 | 402);
        let w = if large { 4 } else { 2 };
        let n = (np as usize).min(MAX_PARAMS);
        let lens = raw.get(event::HEADER_LEN..event::HEADER_LEN + w * np as usize)?;
        let start = event::HEADER_LEN + w * np as usize;
        let mut offs = [0u16; MAX_PARAMS + 1];
        offs[0] = start as u16;
        // Sum without per-parameter checks (offsets are u16, used only when the record
        // fits in 64 KiB, and every access is bounds-checked); only a record whose
        // parameters overrun it takes the slow path that finds how many fit.
        let mut off = start;
        // (`offs[1..]` has MAX_PARAMS slots: the zip stops at min(np, MAX_PARAMS) = n.)
        if large {
            for (o, c) in offs[1..].iter_mut().zip(lens.chunks_exact(4)) {
                off += u32::from_le_bytes([c[0], c[1], c[2], c[3]]) as usize;
                *o = off as u16;
            }
        } else {
            for (o, c) in offs[1..].iter_mut().zip(lens.chunks_exact(2)) {
                off += u16::from_le_bytes([c[0], c[1]]) as usize;
                *o = off as u16;
            }
        }
        let got = if off <= raw.len() {
            n
        } else {
            let mut off = start;
            let mut got = 0usize;
            for c in lens.chunks_exact(w).take(n) {
                let l = if large {
                    u32::from_le_bytes([c[0], c[1], c[2], c[3]]) as usize
                } else {
                    u16::from_le_bytes([c[0], c[1]]) as usize
                };
                if off + l > raw.len() {
                    break;
                }
                off += l;
                got += 1;
            }
            got
        };
        let wide = raw.len() > u16::MAX as usize;
        Some(Evt {
            num,
            ts,
            tid,
            ty,
            cpu,
            dump_flags,
            raw,
            nparams: got as u16,
            offs,
            wide,
        })
    }

    /// The whole record.
    pub fn raw(&self) -> &'a [u8] {
        self.raw
    }
    /// Number of parameters present in the record.
    pub fn nparams(&self) -> usize {
        self.nparams as usize
    }
    /// Direction from the id parity.
    pub fn dir(&self) -> Direction {
        Direction::of(self.ty)
    }
    /// Whether this is an enter event.
    pub fn is_enter(&self) -> bool {
        self.ty & 1 == 0
    }
    /// Schema entry (libs master table, superset of e5c53d64).
    pub fn info(&self) -> Option<&'static EventInfo> {
        event::info(self.ty)
    }
    /// Raw bytes of parameter `i`.
    #[inline]
    pub fn param(&self, i: usize) -> Option<&'a [u8]> {
        if i >= self.nparams as usize {
            return None;
        }
        if self.wide {
            return self.param_slow(i);
        }
        self.raw
            .get(self.offs[i] as usize..self.offs[i + 1] as usize)
    }

    fn param_slow(&self, i: usize) -> Option<&'a [u8]> {
        let np = u32::from_le_bytes(self.raw.get(22..26)?.try_into().ok()?) as usize;
        let w = if matches!(self.ty, 322 | 324 | 402) {
            4
        } else {
            2
        };
        let lens = self
            .raw
            .get(event::HEADER_LEN..event::HEADER_LEN + w * np)?;
        let len_at = |j: usize| -> usize {
            if w == 4 {
                u32::from_le_bytes([
                    lens[j * 4],
                    lens[j * 4 + 1],
                    lens[j * 4 + 2],
                    lens[j * 4 + 3],
                ]) as usize
            } else {
                u16::from_le_bytes([lens[j * 2], lens[j * 2 + 1]]) as usize
            }
        };
        let mut off = event::HEADER_LEN + w * np;
        for j in 0..i {
            off += len_at(j);
        }
        self.raw.get(off..off + len_at(i))
    }
    /// Parameter `i` as a little-endian i64 (8 bytes), u32/u16/u8 widened.
    #[inline]
    pub fn p_i64(&self, i: usize) -> Option<i64> {
        let b = self.param(i)?;
        Some(match b.len() {
            8 => i64::from_le_bytes(b.try_into().ok()?),
            4 => i32::from_le_bytes(b.try_into().ok()?) as i64,
            2 => i16::from_le_bytes(b.try_into().ok()?) as i64,
            1 => b[0] as i8 as i64,
            _ => return None,
        })
    }
    /// Parameter `i` as unsigned.
    #[inline]
    pub fn p_u64(&self, i: usize) -> Option<u64> {
        let b = self.param(i)?;
        Some(match b.len() {
            8 => u64::from_le_bytes(b.try_into().ok()?),
            4 => u32::from_le_bytes(b.try_into().ok()?) as u64,
            2 => u16::from_le_bytes(b.try_into().ok()?) as u64,
            1 => b[0] as u64,
            _ => return None,
        })
    }
    /// Parameter `i` as u32 (the low 32 bits of wider values).
    #[inline]
    pub fn p_u32(&self, i: usize) -> Option<u32> {
        self.p_u64(i).map(|v| v as u32)
    }
    /// Parameter `i` as a string: the bytes up to the first NUL.
    #[inline]
    pub fn p_str(&self, i: usize) -> Option<&'a [u8]> {
        let b = self.param(i)?;
        Some(cstr(b))
    }
}

/// The bytes of `b` up to its first NUL.
#[inline]
pub fn cstr(b: &[u8]) -> &[u8] {
    match b.iter().position(|&c| c == 0) {
        Some(p) => &b[..p],
        None => b,
    }
}

/// What the state parser does with an event type (libsinsp 0.29.3 dispatch, plus the exit
/// events of newer libs that carry the enter parameters).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[allow(missing_docs)]
pub enum Kind {
    Other,
    /// Enter events whose record libsinsp keeps for the exit (`store_event`).
    StoreEnter,
    /// Clone-family exit; payload = table layout version (11, 16, 17, 20).
    CloneX(u8),
    /// Execve-family exit; payload = layout version (8, 13..19, 20 = execveat).
    ExecveX(u8),
    ProcExit,
    OpenX,
    CreatX,
    /// openat exit of the old (102/103) layout: everything from the enter.
    OpenatOldX,
    /// openat (306/307) and openat2 exits: params in the exit, enter preferred.
    Openat2X,
    SocketX,
    BindX,
    ConnectE,
    ConnectX,
    AcceptX,
    CloseE,
    CloseX,
    PipeX,
    SocketpairX,
    EventfdX,
    SignalfdX,
    TimerfdX,
    InotifyX,
    DupX,
    FcntlE,
    FcntlX,
    ChdirX,
    FchdirX,
    GetcwdX,
    ChrootX,
    SetsidX,
    SetuidX,
    SetgidX,
    SetresuidX,
    SetresgidX,
    /// read/write family exits: fd and tuple updates (`parse_rw_exit`).
    RwX,
    SendtoE,
    ContainerOld,
    ContainerJson,
    /// memfd_create exit (newer libs).
    MemfdX,
    /// pidfd_open / pidfd_getfd exits (newer libs).
    PidfdX,
    /// close_range exit (newer libs).
    CloseRangeX,
    /// prctl exit (newer libs): PR_SET_NAME changes comm.
    PrctlX,
    /// Internal events (procinfo, switch...): no pairing bookkeeping.
    SkipReset,
}

const EF_SKIPPARSERESET: u32 = event::flags::EF_SKIPPARSERESET;

/// Classifies event type `ty` (libs e5c53d64 ids; ids >= 336 are the newer libs types).
pub fn kind_of(ty: u16) -> Kind {
    let Some(info) = event::info_e5c53d64(ty).or_else(|| event::info(ty)) else {
        return Kind::Other;
    };
    if info.flags & EF_SKIPPARSERESET != 0 {
        return Kind::SkipReset;
    }
    let np = info.params.len() as u8;
    let exit = ty & 1 == 1;
    match (info.name, exit) {
        ("clone" | "fork" | "vfork" | "clone3", true) => {
            Kind::CloneX(if info.name == "clone3" { 20 } else { np })
        }
        ("execve", true) => Kind::ExecveX(match ty {
            13 => 8,
            155 => 13,
            173 => 14,
            215 => 15,
            231 => 16,
            283 => 17,
            289 => 18,
            _ => 19,
        }),
        ("execveat", true) => Kind::ExecveX(20),
        ("procexit", false) => Kind::ProcExit,
        ("open", true) => Kind::OpenX,
        ("creat", true) => Kind::CreatX,
        ("openat", true) if ty == 103 => Kind::OpenatOldX,
        ("openat" | "openat2", true) => Kind::Openat2X,
        ("socket", true) => Kind::SocketX,
        ("bind", true) => Kind::BindX,
        ("connect", false) => Kind::ConnectE,
        ("connect", true) => Kind::ConnectX,
        ("accept" | "accept4", true) => Kind::AcceptX,
        ("close", false) => Kind::CloseE,
        ("close", true) => Kind::CloseX,
        ("pipe" | "pipe2", true) => Kind::PipeX,
        ("socketpair", true) => Kind::SocketpairX,
        ("eventfd" | "eventfd2", true) => Kind::EventfdX,
        ("signalfd" | "signalfd4", true) => Kind::SignalfdX,
        ("timerfd_create", true) => Kind::TimerfdX,
        ("inotify_init" | "inotify_init1", true) => Kind::InotifyX,
        ("dup" | "dup2" | "dup3", true) => Kind::DupX,
        ("fcntl", false) => Kind::FcntlE,
        ("fcntl", true) => Kind::FcntlX,
        ("chdir", true) => Kind::ChdirX,
        ("fchdir", true) => Kind::FchdirX,
        ("getcwd", true) => Kind::GetcwdX,
        ("chroot", true) => Kind::ChrootX,
        ("setsid", true) => Kind::SetsidX,
        ("setuid", true) => Kind::SetuidX,
        ("setgid", true) => Kind::SetgidX,
        ("setresuid", true) => Kind::SetresuidX,
        ("setresgid", true) => Kind::SetresgidX,
        (
            "read" | "write" | "recv" | "send" | "recvfrom" | "recvmsg" | "sendto" | "sendmsg"
            | "readv" | "writev" | "pread" | "pwrite" | "preadv" | "pwritev",
            true,
        ) if ty < 336 => Kind::RwX,
        ("sendto", false) => Kind::SendtoE,
        ("memfd_create", true) => Kind::MemfdX,
        ("pidfd_open" | "pidfd_getfd", true) => Kind::PidfdX,
        ("close_range", true) => Kind::CloseRangeX,
        ("prctl", true) => Kind::PrctlX,
        ("container", false) if ty == 228 => Kind::ContainerOld,
        ("container", false) => Kind::ContainerJson,
        (
            "open" | "creat" | "openat" | "openat2" | "socket" | "eventfd" | "chdir" | "fchdir"
            | "shutdown" | "getrlimit" | "setrlimit" | "prlimit" | "sendmsg" | "sendfile"
            | "setresuid" | "setresgid" | "setuid" | "setgid" | "execveat" | "setpgid",
            false,
        ) => Kind::StoreEnter,
        // Only the execve enter layouts with a filename parameter (EXECVE_18_E / _19_E).
        ("execve", false) if !info.params.is_empty() => Kind::StoreEnter,
        _ => Kind::Other,
    }
}

/// A precomputed [`kind_of`] table for every event id.
pub fn kind_table() -> Vec<Kind> {
    (0..512u16).map(kind_of).collect()
}
