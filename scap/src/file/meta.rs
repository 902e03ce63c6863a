//! Metadata records of capture files: machine info, process list, fd list, interface list
//! and user/group list entries, with their decoders (every version the format has) and
//! encoders (the versions `sysdig -w` 0.29.3 writes). String fields borrow the block
//! bytes (no NUL terminators; `args`/`env`/`cgroups` are NUL-separated lists).

use crate::codec::Reader;

/// Block type ids (scap-format.md §2). `_INT` suffixes are the pre-release aliases.
#[allow(missing_docs)]
pub mod block {
    pub const SHB: u32 = 0x0A0D_0D0A;
    pub const MI: u32 = 0x201;
    pub const MI_INT: u32 = 0x8002_ABCD;
    pub const PL_V1: u32 = 0x202;
    pub const PL_V1_INT: u32 = 0x8000_ABCD;
    pub const PL_V2: u32 = 0x207;
    pub const PL_V2_INT: u32 = 0x8013_ABCD;
    pub const PL_V3: u32 = 0x209;
    pub const PL_V3_INT: u32 = 0x8014_ABCD;
    pub const PL_V4: u32 = 0x210;
    pub const PL_V5: u32 = 0x211;
    pub const PL_V6: u32 = 0x212;
    pub const PL_V7: u32 = 0x213;
    pub const PL_V8: u32 = 0x214;
    pub const PL_V9: u32 = 0x215;
    pub const FDL_V1: u32 = 0x203;
    pub const FDL_V1_INT: u32 = 0x8001_ABCD;
    pub const FDL_V2: u32 = 0x218;
    pub const EV_V1: u32 = 0x204;
    pub const EV_V1_INT: u32 = 0x8010_ABCD;
    pub const EVF_V1: u32 = 0x208;
    pub const IL_V1: u32 = 0x205;
    pub const IL_V1_INT: u32 = 0x8011_ABCD;
    pub const IL_V2: u32 = 0x219;
    pub const UL_V1: u32 = 0x206;
    pub const UL_V1_INT: u32 = 0x8012_ABCD;
    pub const UL_V2: u32 = 0x220;
    pub const EV_V2: u32 = 0x216;
    pub const EVF_V2: u32 = 0x217;
    pub const EV_V2_LARGE: u32 = 0x221;
    pub const EVF_V2_LARGE: u32 = 0x222;
    /// SHB byte-order magic.
    pub const BYTE_ORDER_MAGIC: u32 = 0x1A2B_3C4D;

    /// Human-readable name of a block type (for `scap info`).
    pub fn name(ty: u32) -> &'static str {
        match ty {
            SHB => "SHB",
            MI | MI_INT => "MI",
            PL_V1 | PL_V1_INT => "PL_V1",
            PL_V2 | PL_V2_INT => "PL_V2",
            PL_V3 | PL_V3_INT => "PL_V3",
            PL_V4 => "PL_V4",
            PL_V5 => "PL_V5",
            PL_V6 => "PL_V6",
            PL_V7 => "PL_V7",
            PL_V8 => "PL_V8",
            PL_V9 => "PL_V9",
            FDL_V1 | FDL_V1_INT => "FDL_V1",
            FDL_V2 => "FDL_V2",
            EV_V1 | EV_V1_INT => "EV",
            EVF_V1 => "EVF",
            IL_V1 | IL_V1_INT => "IL_V1",
            IL_V2 => "IL_V2",
            UL_V1 | UL_V1_INT => "UL_V1",
            UL_V2 => "UL_V2",
            EV_V2 => "EV_V2",
            EVF_V2 => "EVF_V2",
            EV_V2_LARGE => "EV_V2_LARGE",
            EVF_V2_LARGE => "EVF_V2_LARGE",
            _ => "unknown",
        }
    }

    /// PL version (1..=9) of a process-list block id.
    pub fn pl_version(ty: u32) -> Option<u8> {
        Some(match ty {
            PL_V1 | PL_V1_INT => 1,
            PL_V2 | PL_V2_INT => 2,
            PL_V3 | PL_V3_INT => 3,
            PL_V4 => 4,
            PL_V5 => 5,
            PL_V6 => 6,
            PL_V7 => 7,
            PL_V8 => 8,
            PL_V9 => 9,
            _ => return None,
        })
    }
}

/// Section header (SHB) contents.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SectionHeader {
    /// Major version (1).
    pub major: u16,
    /// Minor version (0, 1 or 2).
    pub minor: u16,
    /// Section length (-1 = unspecified).
    pub section_length: i64,
    /// Bytes of pcapng-style options after the 16 fixed bytes (skipped).
    pub options_len: usize,
    /// 0-based section number within the file.
    pub index: u32,
}

/// Machine info (MI block).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MachineInfo {
    /// Number of CPUs.
    pub num_cpus: u32,
    /// Physical memory in bytes.
    pub memory_size_bytes: u64,
    /// Maximum pid.
    pub max_pid: u64,
    /// Host name (NUL padding removed).
    pub hostname: String,
    /// reserved1..4; newer libs store `boot_ts_epoch` in `[0]` and `flags` in `[1]`.
    pub reserved: [u64; 4],
}

/// MI body size (the block must be exactly 192 bytes).
pub const MI_BODY_LEN: usize = 180;

impl MachineInfo {
    /// Decodes an MI body (at least 180 bytes).
    pub fn decode(b: &[u8]) -> Option<MachineInfo> {
        let mut r = Reader::new(b);
        let num_cpus = r.u32()?;
        let memory_size_bytes = r.u64()?;
        let max_pid = r.u64()?;
        let host = r.take(128)?;
        let end = host.iter().position(|&c| c == 0).unwrap_or(128);
        let hostname = String::from_utf8_lossy(&host[..end]).into_owned();
        let reserved = [r.u64()?, r.u64()?, r.u64()?, r.u64()?];
        Some(MachineInfo {
            num_cpus,
            memory_size_bytes,
            max_pid,
            hostname,
            reserved,
        })
    }

    /// Encodes the 180-byte MI body.
    pub fn encode(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(&self.num_cpus.to_le_bytes());
        out.extend_from_slice(&self.memory_size_bytes.to_le_bytes());
        out.extend_from_slice(&self.max_pid.to_le_bytes());
        let mut host = [0u8; 128];
        let h = self.hostname.as_bytes();
        let n = h.len().min(127);
        host[..n].copy_from_slice(&h[..n]);
        out.extend_from_slice(&host);
        for r in self.reserved {
            out.extend_from_slice(&r.to_le_bytes());
        }
    }
}

/// One thread of a process-list (PL) block. Fields a version lacks are `None`
/// (see the "since" column of scap-format.md §3.3).
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct ProcEntry<'a> {
    /// PL version the entry was decoded from (1..=9).
    pub version: u8,
    /// Host thread id.
    pub tid: i64,
    /// Thread-group id.
    pub pid: i64,
    /// Parent thread id.
    pub ptid: i64,
    /// Session id (V6+).
    pub sid: Option<i64>,
    /// Process group id (V8+).
    pub vpgid: Option<i64>,
    /// `proc.name`.
    pub comm: &'a [u8],
    /// argv[0].
    pub exe: &'a [u8],
    /// Executable path (V7+).
    pub exepath: Option<&'a [u8]>,
    /// argv[1..], each NUL-terminated.
    pub args: &'a [u8],
    /// Working directory.
    pub cwd: &'a [u8],
    /// fd limit.
    pub fdlimit: i64,
    /// PPM_CL_* flags.
    pub flags: u32,
    /// uid.
    pub uid: u32,
    /// gid.
    pub gid: u32,
    /// VM size in KiB (V2+).
    pub vmsize_kb: Option<u32>,
    /// RSS in KiB (V2+).
    pub vmrss_kb: Option<u32>,
    /// Swap in KiB (V2+).
    pub vmswap_kb: Option<u32>,
    /// Major page faults (V2+).
    pub pfmajor: Option<u64>,
    /// Minor page faults (V2+).
    pub pfminor: Option<u64>,
    /// Environment, `K=V\0...` (V3+).
    pub env: Option<&'a [u8]>,
    /// Thread id in its pid namespace (V4+).
    pub vtid: Option<i64>,
    /// Process id in its pid namespace (V4+).
    pub vpid: Option<i64>,
    /// `subsys=/path\0...` (V4+).
    pub cgroups: Option<&'a [u8]>,
    /// Root directory (V5+).
    pub root: Option<&'a [u8]>,
    /// Start time of the pid namespace init (V9, libs >= 0.10 layout).
    pub pidns_init_start_ts: Option<u64>,
    /// Controlling tty (V9, libs >= 0.10 layout).
    pub tty: Option<u32>,
    /// Login uid (V9; `u32::MAX` unset).
    pub loginuid: Option<u32>,
    /// Executable is writable (V9).
    pub exe_writable: Option<u8>,
    /// Inheritable capabilities (V9 newer tail).
    pub cap_inheritable: Option<u64>,
    /// Permitted capabilities.
    pub cap_permitted: Option<u64>,
    /// Effective capabilities.
    pub cap_effective: Option<u64>,
    /// Executable on an overlay upper layer.
    pub exe_upper_layer: Option<u8>,
    /// Executable inode.
    pub exe_ino: Option<u64>,
    /// Executable inode ctime.
    pub exe_ino_ctime: Option<u64>,
    /// Executable inode mtime.
    pub exe_ino_mtime: Option<u64>,
    /// Executable from a memfd.
    pub exe_from_memfd: Option<u8>,
    /// Executable on an overlay lower layer.
    pub exe_lower_layer: Option<u8>,
    /// Process group id (newest tail).
    pub pgid: Option<i64>,
}

impl<'a> ProcEntry<'a> {
    /// Decodes one entry of a PL block of `version` from the start of `b`; returns the
    /// entry and the bytes it occupies. For V9 `b` starts with the `u32 entry_len`.
    pub fn decode(version: u8, b: &'a [u8]) -> Option<(ProcEntry<'a>, usize)> {
        let mut outer = Reader::new(b);
        let (mut r, total) = if version >= 9 {
            let len = outer.u32()? as usize;
            if len < 4 {
                return None;
            }
            let body = b.get(4..len)?;
            (Reader::new(body), Some(len))
        } else {
            (Reader::new(b), None)
        };
        let mut e = ProcEntry {
            version,
            ..Default::default()
        };
        e.tid = r.i64()?;
        e.pid = r.i64()?;
        e.ptid = r.i64()?;
        if version >= 6 {
            e.sid = Some(r.i64()?);
        }
        if version >= 8 {
            e.vpgid = Some(r.i64()?);
        }
        e.comm = r.str16()?;
        e.exe = r.str16()?;
        if version >= 7 {
            e.exepath = Some(r.str16()?);
        }
        e.args = r.str16()?;
        e.cwd = r.str16()?;
        e.fdlimit = r.i64()?;
        e.flags = r.u32()?;
        e.uid = r.u32()?;
        e.gid = r.u32()?;
        if version >= 2 {
            e.vmsize_kb = Some(r.u32()?);
            e.vmrss_kb = Some(r.u32()?);
            e.vmswap_kb = Some(r.u32()?);
            e.pfmajor = Some(r.u64()?);
            e.pfminor = Some(r.u64()?);
        }
        if version >= 3 {
            e.env = Some(r.str16()?);
        }
        if version >= 4 {
            e.vtid = Some(r.i64()?);
            e.vpid = Some(r.i64()?);
            e.cgroups = Some(r.str16()?);
        }
        if version >= 5 {
            e.root = Some(r.str16()?);
        }
        if version >= 9 {
            // Tail layouts (§3.3): <= 29 bytes left = the 0.29.3 layout.
            let new_layout = r.left() > 29;
            if new_layout {
                e.pidns_init_start_ts = r.u64();
                e.tty = r.u32();
            }
            e.loginuid = r.u32();
            e.exe_writable = r.u8();
            e.cap_inheritable = r.u64();
            e.cap_permitted = r.u64();
            e.cap_effective = r.u64();
            if new_layout {
                e.exe_upper_layer = r.u8();
                e.exe_ino = r.u64();
                e.exe_ino_ctime = r.u64();
                e.exe_ino_mtime = r.u64();
                e.exe_from_memfd = r.u8();
                e.exe_lower_layer = r.u8();
                e.pgid = r.i64();
            }
        }
        Some((e, total.unwrap_or(r.pos())))
    }

    /// Encodes the entry as a PL_V9 entry with the 0.29.3 tail (`loginuid`,
    /// `exe_writable`), as `sysdig -w` writes it. Strings are capped at 1024 bytes and
    /// lists at 4096, as the 0.29.3 writer caps them.
    pub fn encode_v9(&self, out: &mut Vec<u8>) {
        let start = out.len();
        out.extend_from_slice(&[0; 4]);
        let s16 = |out: &mut Vec<u8>, s: &[u8], max: usize| {
            let s = &s[..s.len().min(max)];
            out.extend_from_slice(&(s.len() as u16).to_le_bytes());
            out.extend_from_slice(s);
        };
        out.extend_from_slice(&self.tid.to_le_bytes());
        out.extend_from_slice(&self.pid.to_le_bytes());
        out.extend_from_slice(&self.ptid.to_le_bytes());
        out.extend_from_slice(&self.sid.unwrap_or(0).to_le_bytes());
        out.extend_from_slice(&self.vpgid.unwrap_or(0).to_le_bytes());
        s16(out, self.comm, 1024);
        s16(out, self.exe, 1024);
        s16(out, self.exepath.unwrap_or(b""), 1024);
        s16(out, self.args, 4096);
        s16(out, self.cwd, 1024);
        out.extend_from_slice(&self.fdlimit.to_le_bytes());
        out.extend_from_slice(&self.flags.to_le_bytes());
        out.extend_from_slice(&self.uid.to_le_bytes());
        out.extend_from_slice(&self.gid.to_le_bytes());
        out.extend_from_slice(&self.vmsize_kb.unwrap_or(0).to_le_bytes());
        out.extend_from_slice(&self.vmrss_kb.unwrap_or(0).to_le_bytes());
        out.extend_from_slice(&self.vmswap_kb.unwrap_or(0).to_le_bytes());
        out.extend_from_slice(&self.pfmajor.unwrap_or(0).to_le_bytes());
        out.extend_from_slice(&self.pfminor.unwrap_or(0).to_le_bytes());
        s16(out, self.env.unwrap_or(b""), 4096);
        out.extend_from_slice(&self.vtid.unwrap_or(self.tid).to_le_bytes());
        out.extend_from_slice(&self.vpid.unwrap_or(self.pid).to_le_bytes());
        s16(out, self.cgroups.unwrap_or(b""), 4096);
        s16(out, self.root.unwrap_or(b"/"), 1024);
        out.extend_from_slice(&self.loginuid.unwrap_or(u32::MAX).to_le_bytes());
        out.push(self.exe_writable.unwrap_or(0));
        let len = (out.len() - start) as u32;
        out[start..start + 4].copy_from_slice(&len.to_le_bytes());
    }
}

/// `scap_fd_type` values of FDL entries.
#[allow(missing_docs)]
pub mod fd_type {
    pub const UNKNOWN: u8 = 0;
    pub const FILE: u8 = 1;
    pub const DIRECTORY: u8 = 2;
    pub const IPV4_SOCK: u8 = 3;
    pub const IPV6_SOCK: u8 = 4;
    pub const IPV4_SERVSOCK: u8 = 5;
    pub const IPV6_SERVSOCK: u8 = 6;
    pub const FIFO: u8 = 7;
    pub const UNIX_SOCK: u8 = 8;
    pub const EVENT: u8 = 9;
    pub const UNSUPPORTED: u8 = 10;
    pub const SIGNALFD: u8 = 11;
    pub const EVENTPOLL: u8 = 12;
    pub const INOTIFY: u8 = 13;
    pub const TIMERFD: u8 = 14;
    pub const NETLINK: u8 = 15;
    pub const FILE_V2: u8 = 16;
    pub const BPF: u8 = 17;
    pub const USERFAULTFD: u8 = 18;
    pub const IOURING: u8 = 19;
    pub const MEMFD: u8 = 20;
    pub const PIDFD: u8 = 21;
}

/// Typed payload of an FDL entry.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FdInfo<'a> {
    /// Types carrying only a name (FILE, DIRECTORY, FIFO, EVENT, SIGNALFD, ..., PIDFD).
    Named {
        /// `scap_fd_type`.
        ty: u8,
        /// Name.
        name: &'a [u8],
    },
    /// FILE_V2.
    File {
        /// PPM_O_* open flags.
        open_flags: u32,
        /// Path.
        name: &'a [u8],
        /// Device, when present.
        dev: Option<u32>,
    },
    /// IPV4_SOCK.
    Ipv4Sock {
        /// Source ip (network order bytes).
        sip: [u8; 4],
        /// Destination ip.
        dip: [u8; 4],
        /// Source port.
        sport: u16,
        /// Destination port.
        dport: u16,
        /// L4 protocol.
        l4proto: u8,
    },
    /// IPV6_SOCK.
    Ipv6Sock {
        /// Source ip.
        sip: [u8; 16],
        /// Destination ip.
        dip: [u8; 16],
        /// Source port.
        sport: u16,
        /// Destination port.
        dport: u16,
        /// L4 protocol.
        l4proto: u8,
    },
    /// IPV4_SERVSOCK.
    Ipv4ServSock {
        /// Bound ip.
        ip: [u8; 4],
        /// Port.
        port: u16,
        /// L4 protocol.
        l4proto: u8,
    },
    /// IPV6_SERVSOCK.
    Ipv6ServSock {
        /// Bound ip.
        ip: [u8; 16],
        /// Port.
        port: u16,
        /// L4 protocol.
        l4proto: u8,
    },
    /// UNIX_SOCK.
    UnixSock {
        /// Source kernel socket pointer.
        source: u64,
        /// Destination kernel socket pointer.
        dest: u64,
        /// Path.
        path: &'a [u8],
    },
    /// UNKNOWN (type 0, no payload).
    Unknown,
    /// A type this reader does not know (V2 entries only; the payload is skipped).
    Other {
        /// `scap_fd_type`.
        ty: u8,
        /// Payload bytes.
        payload: &'a [u8],
    },
}

impl FdInfo<'_> {
    /// The `scap_fd_type` of this payload.
    pub fn fd_type(&self) -> u8 {
        match *self {
            FdInfo::Named { ty, .. } | FdInfo::Other { ty, .. } => ty,
            FdInfo::File { .. } => fd_type::FILE_V2,
            FdInfo::Ipv4Sock { .. } => fd_type::IPV4_SOCK,
            FdInfo::Ipv6Sock { .. } => fd_type::IPV6_SOCK,
            FdInfo::Ipv4ServSock { .. } => fd_type::IPV4_SERVSOCK,
            FdInfo::Ipv6ServSock { .. } => fd_type::IPV6_SERVSOCK,
            FdInfo::UnixSock { .. } => fd_type::UNIX_SOCK,
            FdInfo::Unknown => fd_type::UNKNOWN,
        }
    }
}

/// One fd of an FDL block.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FdEntry<'a> {
    /// Thread the fd table belongs to (from the block header).
    pub tid: u64,
    /// fd number.
    pub fd: i64,
    /// Inode.
    pub ino: u64,
    /// Typed payload.
    pub info: FdInfo<'a>,
}

impl<'a> FdEntry<'a> {
    /// Decodes one FDL entry (V2: with its `u32 entry_len` prefix) at the start of `b`.
    /// Returns the entry and its size; `None` when malformed or, for V1, of unknown type.
    pub fn decode(tid: u64, v2: bool, b: &'a [u8]) -> Option<(FdEntry<'a>, usize)> {
        let mut outer = Reader::new(b);
        let (mut r, total) = if v2 {
            let len = outer.u32()? as usize;
            (Reader::new(b.get(4..len)?), Some(len))
        } else {
            (Reader::new(b), None)
        };
        let fd = r.i64()?;
        let ino = r.u64()?;
        let ty = r.u8()?;
        use fd_type::*;
        let info = match ty {
            FILE | DIRECTORY | FIFO | EVENT | UNSUPPORTED | SIGNALFD | EVENTPOLL | INOTIFY
            | TIMERFD | NETLINK | BPF | USERFAULTFD | IOURING | MEMFD | PIDFD => FdInfo::Named {
                ty,
                name: r.str16()?,
            },
            FILE_V2 => {
                let open_flags = r.u32()?;
                let name = r.str16()?;
                let dev = if v2 { r.u32() } else { None };
                FdInfo::File {
                    open_flags,
                    name,
                    dev,
                }
            }
            IPV4_SOCK => FdInfo::Ipv4Sock {
                sip: r.array()?,
                dip: r.array()?,
                sport: r.u16()?,
                dport: r.u16()?,
                l4proto: r.u8()?,
            },
            IPV6_SOCK => FdInfo::Ipv6Sock {
                sip: r.array()?,
                dip: r.array()?,
                sport: r.u16()?,
                dport: r.u16()?,
                l4proto: r.u8()?,
            },
            IPV4_SERVSOCK => FdInfo::Ipv4ServSock {
                ip: r.array()?,
                port: r.u16()?,
                l4proto: r.u8()?,
            },
            IPV6_SERVSOCK => FdInfo::Ipv6ServSock {
                ip: r.array()?,
                port: r.u16()?,
                l4proto: r.u8()?,
            },
            UNIX_SOCK => FdInfo::UnixSock {
                source: r.u64()?,
                dest: r.u64()?,
                path: r.str16()?,
            },
            UNKNOWN => FdInfo::Unknown,
            _ if v2 => FdInfo::Other {
                ty,
                payload: r.rest(),
            },
            _ => return None,
        };
        Some((FdEntry { tid, fd, ino, info }, total.unwrap_or(r.pos())))
    }

    /// Encodes the entry as an FDL_V2 entry (with its `entry_len`).
    pub fn encode_v2(&self, out: &mut Vec<u8>) {
        let start = out.len();
        out.extend_from_slice(&[0; 4]);
        out.extend_from_slice(&self.fd.to_le_bytes());
        out.extend_from_slice(&self.ino.to_le_bytes());
        out.push(self.info.fd_type());
        let s16 = |out: &mut Vec<u8>, s: &[u8]| {
            let s = &s[..s.len().min(1023)];
            out.extend_from_slice(&(s.len() as u16).to_le_bytes());
            out.extend_from_slice(s);
        };
        match self.info {
            FdInfo::Named { name, .. } => s16(out, name),
            FdInfo::File {
                open_flags,
                name,
                dev,
            } => {
                out.extend_from_slice(&open_flags.to_le_bytes());
                s16(out, name);
                out.extend_from_slice(&dev.unwrap_or(0).to_le_bytes());
            }
            FdInfo::Ipv4Sock {
                sip,
                dip,
                sport,
                dport,
                l4proto,
            } => {
                out.extend_from_slice(&sip);
                out.extend_from_slice(&dip);
                out.extend_from_slice(&sport.to_le_bytes());
                out.extend_from_slice(&dport.to_le_bytes());
                out.push(l4proto);
            }
            FdInfo::Ipv6Sock {
                sip,
                dip,
                sport,
                dport,
                l4proto,
            } => {
                out.extend_from_slice(&sip);
                out.extend_from_slice(&dip);
                out.extend_from_slice(&sport.to_le_bytes());
                out.extend_from_slice(&dport.to_le_bytes());
                out.push(l4proto);
            }
            FdInfo::Ipv4ServSock { ip, port, l4proto } => {
                out.extend_from_slice(&ip);
                out.extend_from_slice(&port.to_le_bytes());
                out.push(l4proto);
            }
            FdInfo::Ipv6ServSock { ip, port, l4proto } => {
                out.extend_from_slice(&ip);
                out.extend_from_slice(&port.to_le_bytes());
                out.push(l4proto);
            }
            FdInfo::UnixSock { source, dest, path } => {
                out.extend_from_slice(&source.to_le_bytes());
                out.extend_from_slice(&dest.to_le_bytes());
                s16(out, path);
            }
            FdInfo::Unknown => {}
            FdInfo::Other { payload, .. } => out.extend_from_slice(payload),
        }
        let len = (out.len() - start) as u32;
        out[start..start + 4].copy_from_slice(&len.to_le_bytes());
    }
}

/// One network interface of an IL block.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Interface<'a> {
    /// IPv4 interface (types 1 and 3).
    V4 {
        /// Interface name.
        name: &'a [u8],
        /// Address (network order).
        addr: [u8; 4],
        /// Netmask.
        netmask: [u8; 4],
        /// Broadcast address.
        bcast: [u8; 4],
        /// Link speed (type 1 only).
        linkspeed: Option<u64>,
    },
    /// IPv6 interface (types 2 and 4).
    V6 {
        /// Interface name.
        name: &'a [u8],
        /// Address.
        addr: [u8; 16],
        /// Netmask.
        netmask: [u8; 16],
        /// Broadcast address.
        bcast: [u8; 16],
        /// Link speed (type 2 only).
        linkspeed: Option<u64>,
    },
}

impl<'a> Interface<'a> {
    /// Decodes one IL entry (V2: `u32 entry_len` not counting itself). Returns the entry
    /// (`None` inside for an unknown interface type, which is skipped) and its size.
    pub fn decode(v2: bool, b: &'a [u8]) -> Option<(Option<Interface<'a>>, usize)> {
        let mut r = Reader::new(b);
        let declared = if v2 { Some(r.u32()? as usize) } else { None };
        let ty = r.u16()?;
        let namelen = r.u16()? as usize;
        let iface = match ty {
            1 | 3 => {
                let addr = r.array()?;
                let netmask = r.array()?;
                let bcast = r.array()?;
                let linkspeed = if ty == 1 { Some(r.u64()?) } else { None };
                Some(Interface::V4 {
                    name: r.take(namelen)?,
                    addr,
                    netmask,
                    bcast,
                    linkspeed,
                })
            }
            2 | 4 => {
                let addr = r.array()?;
                let netmask = r.array()?;
                let bcast = r.array()?;
                let linkspeed = if ty == 2 { Some(r.u64()?) } else { None };
                Some(Interface::V6 {
                    name: r.take(namelen)?,
                    addr,
                    netmask,
                    bcast,
                    linkspeed,
                })
            }
            _ if declared.is_some() => None,
            _ => return None,
        };
        let size = match declared {
            Some(n) => n.checked_add(4)?,
            None => r.pos(),
        };
        if size > b.len() || size < r.pos() {
            return None;
        }
        Some((iface, size))
    }

    /// Encodes an IL_V2 entry.
    pub fn encode_v2(&self, out: &mut Vec<u8>) {
        let start = out.len();
        out.extend_from_slice(&[0; 4]);
        match *self {
            Interface::V4 {
                name,
                addr,
                netmask,
                bcast,
                linkspeed,
            } => {
                out.extend_from_slice(&(if linkspeed.is_some() { 1u16 } else { 3 }).to_le_bytes());
                out.extend_from_slice(&(name.len().min(1023) as u16).to_le_bytes());
                out.extend_from_slice(&addr);
                out.extend_from_slice(&netmask);
                out.extend_from_slice(&bcast);
                if let Some(l) = linkspeed {
                    out.extend_from_slice(&l.to_le_bytes());
                }
                out.extend_from_slice(&name[..name.len().min(1023)]);
            }
            Interface::V6 {
                name,
                addr,
                netmask,
                bcast,
                linkspeed,
            } => {
                out.extend_from_slice(&(if linkspeed.is_some() { 2u16 } else { 4 }).to_le_bytes());
                out.extend_from_slice(&(name.len().min(1023) as u16).to_le_bytes());
                out.extend_from_slice(&addr);
                out.extend_from_slice(&netmask);
                out.extend_from_slice(&bcast);
                if let Some(l) = linkspeed {
                    out.extend_from_slice(&l.to_le_bytes());
                }
                out.extend_from_slice(&name[..name.len().min(1023)]);
            }
        }
        let len = (out.len() - start - 4) as u32;
        out[start..start + 4].copy_from_slice(&len.to_le_bytes());
    }
}

/// A user of a UL block.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct User<'a> {
    /// uid.
    pub uid: u32,
    /// Primary gid.
    pub gid: u32,
    /// Login name.
    pub name: &'a [u8],
    /// Home directory.
    pub homedir: &'a [u8],
    /// Shell.
    pub shell: &'a [u8],
}

/// A group of a UL block.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Group<'a> {
    /// gid.
    pub gid: u32,
    /// Group name.
    pub name: &'a [u8],
}

/// One UL entry.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum UserListEntry<'a> {
    /// A user.
    User(User<'a>),
    /// A group.
    Group(Group<'a>),
}

impl<'a> UserListEntry<'a> {
    /// Decodes one UL entry (V2: `u32 entry_len` including itself). An unknown kind byte
    /// is skipped in V2 (`None` inside) and fails in V1.
    pub fn decode(v2: bool, b: &'a [u8]) -> Option<(Option<UserListEntry<'a>>, usize)> {
        let mut outer = Reader::new(b);
        let (mut r, total) = if v2 {
            let len = outer.u32()? as usize;
            (Reader::new(b.get(4..len)?), Some(len))
        } else {
            (Reader::new(b), None)
        };
        let kind = r.u8()?;
        let e = match kind {
            0 => Some(UserListEntry::User(User {
                uid: r.u32()?,
                gid: r.u32()?,
                name: r.str16()?,
                homedir: r.str16()?,
                shell: r.str16()?,
            })),
            1 => Some(UserListEntry::Group(Group {
                gid: r.u32()?,
                name: r.str16()?,
            })),
            _ if v2 => None,
            _ => return None,
        };
        Some((e, total.unwrap_or(r.pos())))
    }

    /// Encodes a UL_V2 entry (strings capped at 255 bytes).
    pub fn encode_v2(&self, out: &mut Vec<u8>) {
        let start = out.len();
        out.extend_from_slice(&[0; 4]);
        let s16 = |out: &mut Vec<u8>, s: &[u8]| {
            let s = &s[..s.len().min(255)];
            out.extend_from_slice(&(s.len() as u16).to_le_bytes());
            out.extend_from_slice(s);
        };
        match *self {
            UserListEntry::User(u) => {
                out.push(0);
                out.extend_from_slice(&u.uid.to_le_bytes());
                out.extend_from_slice(&u.gid.to_le_bytes());
                s16(out, u.name);
                s16(out, u.homedir);
                s16(out, u.shell);
            }
            UserListEntry::Group(g) => {
                out.push(1);
                out.extend_from_slice(&g.gid.to_le_bytes());
                s16(out, g.name);
            }
        }
        let len = (out.len() - start) as u32;
        out[start..start + 4].copy_from_slice(&len.to_le_bytes());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn proc() -> ProcEntry<'static> {
        ProcEntry {
            version: 9,
            tid: 100,
            pid: 100,
            ptid: 1,
            sid: Some(100),
            vpgid: Some(100),
            comm: b"bash",
            exe: b"/bin/bash",
            exepath: Some(b"/usr/bin/bash"),
            args: b"-c\0ls\0",
            cwd: b"/root/",
            fdlimit: 1024,
            flags: 0,
            uid: 0,
            gid: 0,
            vmsize_kb: Some(1),
            vmrss_kb: Some(2),
            vmswap_kb: Some(3),
            pfmajor: Some(4),
            pfminor: Some(5),
            env: Some(b"HOME=/root\0"),
            vtid: Some(100),
            vpid: Some(100),
            cgroups: Some(b"cpu=/\0"),
            root: Some(b"/"),
            loginuid: Some(1000),
            exe_writable: Some(1),
            ..Default::default()
        }
    }

    #[test]
    fn pl_v9_round_trip_and_old_tail() {
        let p = proc();
        let mut b = Vec::new();
        p.encode_v9(&mut b);
        let (d, n) = ProcEntry::decode(9, &b).unwrap();
        assert_eq!(n, b.len());
        assert_eq!(d, p);
        // Extra unknown bytes at the end of an entry are skipped via entry_len.
        let mut ext = b.clone();
        ext.extend_from_slice(&[0xAB; 12]);
        let l = ext.len() as u32;
        ext[..4].copy_from_slice(&l.to_le_bytes());
        let (d2, n2) = ProcEntry::decode(9, &ext).unwrap();
        assert_eq!(n2, ext.len());
        assert_eq!(d2.loginuid, Some(1000));
        // Truncations of the entry are rejected, never panic.
        for k in 0..b.len() {
            let _ = ProcEntry::decode(9, &b[..k]);
        }
    }

    #[test]
    fn pl_v9_new_tail_layout() {
        let p = proc();
        let mut b = Vec::new();
        p.encode_v9(&mut b);
        // Rebuild with the libs >= 0.10 tail: cut loginuid+exe_writable, append the new tail.
        b.truncate(b.len() - 5);
        b.extend_from_slice(&77u64.to_le_bytes()); // pidns_init_start_ts
        b.extend_from_slice(&34816u32.to_le_bytes()); // tty
        b.extend_from_slice(&1000u32.to_le_bytes()); // loginuid
        b.push(0); // exe_writable
        for c in [1u64, 2, 3] {
            b.extend_from_slice(&c.to_le_bytes());
        }
        b.push(0);
        for c in [9u64, 10, 11] {
            b.extend_from_slice(&c.to_le_bytes());
        }
        b.push(0);
        b.push(1);
        b.extend_from_slice(&55i64.to_le_bytes());
        let l = b.len() as u32;
        b[..4].copy_from_slice(&l.to_le_bytes());
        let (d, _) = ProcEntry::decode(9, &b).unwrap();
        assert_eq!(d.tty, Some(34816));
        assert_eq!(d.loginuid, Some(1000));
        assert_eq!(d.cap_effective, Some(3));
        assert_eq!(d.exe_ino, Some(9));
        assert_eq!(d.exe_lower_layer, Some(1));
        assert_eq!(d.pgid, Some(55));
    }

    #[test]
    fn fdl_il_ul_round_trips() {
        let entries = [
            FdInfo::File {
                open_flags: 3,
                name: b"/tmp/x",
                dev: Some(0x803),
            },
            FdInfo::Named {
                ty: fd_type::DIRECTORY,
                name: b"/",
            },
            FdInfo::Ipv4Sock {
                sip: [1, 2, 3, 4],
                dip: [5, 6, 7, 8],
                sport: 1,
                dport: 2,
                l4proto: 2,
            },
            FdInfo::Ipv6Sock {
                sip: [1; 16],
                dip: [2; 16],
                sport: 1,
                dport: 2,
                l4proto: 3,
            },
            FdInfo::Ipv4ServSock {
                ip: [0; 4],
                port: 80,
                l4proto: 2,
            },
            FdInfo::Ipv6ServSock {
                ip: [0; 16],
                port: 80,
                l4proto: 2,
            },
            FdInfo::UnixSock {
                source: 1,
                dest: 2,
                path: b"/run/s",
            },
            FdInfo::Named {
                ty: fd_type::PIDFD,
                name: b"pidfd",
            },
            FdInfo::Unknown,
        ];
        for (i, info) in entries.into_iter().enumerate() {
            let e = FdEntry {
                tid: 5,
                fd: i as i64,
                ino: 99,
                info,
            };
            let mut b = Vec::new();
            e.encode_v2(&mut b);
            assert_eq!(FdEntry::decode(5, true, &b), Some((e, b.len())));
        }
        let ifs = [
            Interface::V4 {
                name: b"lo",
                addr: [127, 0, 0, 1],
                netmask: [255, 0, 0, 0],
                bcast: [127, 0, 0, 1],
                linkspeed: None,
            },
            Interface::V6 {
                name: b"eth0",
                addr: [1; 16],
                netmask: [2; 16],
                bcast: [3; 16],
                linkspeed: Some(1000),
            },
        ];
        for i in ifs {
            let mut b = Vec::new();
            i.encode_v2(&mut b);
            assert_eq!(Interface::decode(true, &b), Some((Some(i), b.len())));
        }
        let us = [
            UserListEntry::User(User {
                uid: 0,
                gid: 0,
                name: b"root",
                homedir: b"/root",
                shell: b"/bin/bash",
            }),
            UserListEntry::Group(Group {
                gid: 0,
                name: b"root",
            }),
        ];
        for u in us {
            let mut b = Vec::new();
            u.encode_v2(&mut b);
            assert_eq!(UserListEntry::decode(true, &b), Some((Some(u), b.len())));
        }
    }

    #[test]
    fn machine_info_round_trip() {
        let mi = MachineInfo {
            num_cpus: 2,
            memory_size_bytes: 1 << 34,
            max_pid: 0,
            hostname: "box".into(),
            reserved: [1, 2, 3, 4],
        };
        let mut b = Vec::new();
        mi.encode(&mut b);
        assert_eq!(b.len(), MI_BODY_LEN);
        assert_eq!(MachineInfo::decode(&b), Some(mi));
    }
}
