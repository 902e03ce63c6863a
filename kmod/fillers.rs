//! Syscall events: the parameters of every event type the module writes, encoded with
//! the shared `abi::encode::EventWriter` into the per-CPU scratch buffer.
//!
//! The parameter lists follow scap-format.md §7 (libs e5c53d64, what sysdig 0.29.3
//! reads). Syscalls without a dedicated event become generic events (0/1: PPM_SC code and
//! native number). Dedicated events that have no filler below still carry their own
//! type with the return value (and the fd of fd-first calls); their other parameters
//! are written as zero values of their type, never omitted, since readers index
//! parameters by position. User memory is read with the nofault accessors; a failed
//! read gives an empty parameter and counts in `n_drops_pf`.

use crate::abi::encode::{EncodeError, EventWriter};
use crate::abi::event::{self, ParamType};
use crate::abi::flags as fl;
use crate::abi::syscall;
use crate::ffi::{self, SockInfo};
use crate::proc;

/// Longest path or string read from user memory (PATH_MAX).
pub(crate) const MAX_PATH: usize = 4096;

const AF_UNIX: u32 = 1;
const AF_INET: u32 = 2;
const AF_INET6: u32 = 10;

/// Everything a filler needs: the writer over the scratch buffer and the syscall facts.
pub(crate) struct Ctx<'a> {
    pub(crate) w: EventWriter<'a>,
    pub(crate) args: [u64; 6],
    pub(crate) ret: i64,
    pub(crate) nr: u32,
    pub(crate) snaplen: usize,
    /// Set when a user-memory read failed (counted as `n_drops_pf`).
    pub(crate) pf: bool,
    /// Per-CPU temporary buffer (`ring::TMP_LEN` bytes).
    pub(crate) tmp: &'a mut [u8],
}

type R = Result<(), EncodeError>;

impl Ctx<'_> {
    pub(crate) fn a(&self, i: usize) -> u64 {
        self.args.get(i).copied().unwrap_or(0)
    }
    /// A file-descriptor argument: an `int`, sign-extended (AT_FDCWD = -100).
    pub(crate) fn fd(&mut self, i: usize) -> R {
        let v = self.a(i) as i32 as i64;
        self.w.push_i64(v)
    }
    pub(crate) fn u32a(&mut self, i: usize) -> R {
        let v = self.a(i) as u32;
        self.w.push_u32(v)
    }
    pub(crate) fn u64a(&mut self, i: usize) -> R {
        let v = self.a(i);
        self.w.push_u64(v)
    }
    pub(crate) fn res(&mut self) -> R {
        let v = self.ret;
        self.w.push_i64(v)
    }

    /// A NUL-terminated user string at `addr` (CHARBUF/FSPATH/FSRELPATH); "(NULL)" for a
    /// NULL pointer, empty when unreadable.
    pub(crate) fn user_str(&mut self, addr: u64) -> R {
        if addr == 0 {
            return self.w.push_str_nul(b"(NULL)");
        }
        let max = MAX_PATH.min(self.w.remaining());
        let mut failed = false;
        let r = self.w.push_with(max, |dst| {
            // SAFETY: `dst` is a writable buffer of `dst.len()` bytes; the source is
            // read with strncpy_from_user_nofault, which checks and never faults.
            let n = unsafe {
                ffi::harrier_read_user_str(dst.as_mut_ptr() as _, addr as _, dst.len() as _)
            };
            if n <= 0 {
                failed = true;
                0
            } else {
                n as usize
            }
        });
        self.pf |= failed;
        r
    }
    pub(crate) fn path(&mut self, i: usize) -> R {
        let p = self.a(i);
        self.user_str(p)
    }

    /// `len` bytes of user memory at `addr` (BYTEBUF), bounded by the snaplen.
    pub(crate) fn user_bytes(&mut self, addr: u64, len: usize) -> R {
        let len = len.min(self.snaplen).min(self.w.remaining());
        if addr == 0 || len == 0 {
            return self.w.push_empty();
        }
        let mut failed = false;
        let r = self.w.push_with(len, |dst| {
            // SAFETY: `dst` holds `len` writable bytes; copy_from_user_nofault checks the
            // user range and never faults.
            let e = unsafe { ffi::harrier_read_user(dst.as_mut_ptr() as _, addr as _, len as _) };
            if e != 0 {
                failed = true;
                0
            } else {
                len
            }
        });
        self.pf |= failed;
        r
    }
    /// I/O data of a read/write-like exit: buffer argument `i`, length = the result.
    fn io_data(&mut self, i: usize) -> R {
        let n = if self.ret > 0 { self.ret as usize } else { 0 };
        let p = self.a(i);
        self.user_bytes(p, n)
    }

    /// A user `struct sockaddr` of `len` bytes as a SOCKADDR parameter.
    pub(crate) fn sockaddr(&mut self, addr: u64, len: u64) -> R {
        let mut sa = [0u8; 112];
        let n = (len as usize).min(sa.len());
        if addr == 0 || n < 2 {
            return self.w.push_empty();
        }
        // SAFETY: `sa` has `n` writable bytes; nofault user copy.
        if unsafe { ffi::harrier_read_user(sa.as_mut_ptr() as _, addr as _, n as _) } != 0 {
            self.pf = true;
            return self.w.push_empty();
        }
        let fam = u16::from_le_bytes([sa[0], sa[1]]) as u32;
        let port = u16::from_be_bytes([sa[2], sa[3]]);
        match fam {
            AF_INET if n >= 8 => self.w.push_sockaddr_inet([sa[4], sa[5], sa[6], sa[7]], port),
            AF_INET6 if n >= 24 => {
                let mut a = [0u8; 16];
                a.copy_from_slice(&sa[8..24]);
                self.w.push_sockaddr_inet6(a, port)
            }
            AF_UNIX => {
                let path = &mut sa[2..n];
                let end = if path.first() == Some(&0) {
                    // abstract socket: the name is the rest of the address, shown as @name
                    path[0] = b'@';
                    path.iter().skip(1).position(|&b| b == 0).map_or(path.len(), |p| p + 1)
                } else {
                    path.iter().position(|&b| b == 0).unwrap_or(path.len())
                };
                let end = end.min(path.len());
                self.w.push_sockaddr_unix(&path[..end])
            }
            _ => self.w.push_empty(),
        }
    }

    /// SOCKTUPLE of socket `fd`: local side first when `outbound`, the peer first
    /// otherwise (accept, recvfrom). Empty when `fd` is not a socket.
    pub(crate) fn tuple(&mut self, fd: i64, outbound: bool) -> R {
        let mut si = SockInfo::zeroed();
        // SAFETY: `si` is a valid out-parameter; the helper only reads kernel state.
        if fd < 0 || unsafe { ffi::harrier_fd_sock(fd as i32, &mut si) } != 0 {
            return self.w.push_empty();
        }
        let (sa, sp, da, dp) = if outbound {
            (si.laddr, si.lport, si.raddr, si.rport)
        } else {
            (si.raddr, si.rport, si.laddr, si.lport)
        };
        match si.family {
            AF_INET => self.w.push_socktuple_inet(
                [sa[0], sa[1], sa[2], sa[3]],
                sp,
                [da[0], da[1], da[2], da[3]],
                dp,
            ),
            AF_INET6 => self.w.push_socktuple_inet6(sa, sp, da, dp),
            AF_UNIX => {
                let n = si.unix_path.iter().position(|&b| b == 0).unwrap_or(si.unix_path.len());
                let (s, d) = if outbound { (si.lptr, si.rptr) } else { (si.rptr, si.lptr) };
                self.w.push_socktuple_unix(s, d, &si.unix_path[..n])
            }
            _ => self.w.push_empty(),
        }
    }

    fn fd_dev(&mut self, fd: i64) -> R {
        let (mut dev, mut ino) = (0u32, 0u64);
        if fd >= 0 {
            // SAFETY: valid out-parameters; fget/fput on the current task's table.
            unsafe { ffi::harrier_fd_dev_ino(fd as i32, &mut dev, &mut ino) };
        }
        self.w.push_u32(dev)
    }

    /// Two `int`s at user address `addr` (pipe, socketpair results).
    fn int_pair(&mut self, addr: u64) -> (i64, i64) {
        let mut b = [0u8; 8];
        if self.ret < 0 || addr == 0 {
            return (-1, -1);
        }
        // SAFETY: 8 writable bytes; nofault user copy.
        if unsafe { ffi::harrier_read_user(b.as_mut_ptr() as _, addr as _, 8) } != 0 {
            self.pf = true;
            return (-1, -1);
        }
        (
            i32::from_le_bytes([b[0], b[1], b[2], b[3]]) as i64,
            i32::from_le_bytes([b[4], b[5], b[6], b[7]]) as i64,
        )
    }

    /// A user `u64` at `addr + off` (struct fields: open_how, clone_args, msghdr).
    pub(crate) fn user_u64(&mut self, addr: u64, off: u64) -> Option<u64> {
        let mut b = [0u8; 8];
        if addr == 0 {
            return None;
        }
        // SAFETY: 8 writable bytes; nofault user copy.
        if unsafe { ffi::harrier_read_user(b.as_mut_ptr() as _, addr.wrapping_add(off) as _, 8) }
            != 0
        {
            self.pf = true;
            return None;
        }
        Some(u64::from_le_bytes(b))
    }

    /// A zero value of the declared type (for parameters without a filler).
    fn zero(&mut self, ty: ParamType) -> R {
        match ty.fixed_len() {
            Some(n) => self.w.push_bytes(&[0u8; 16][..n.min(16)]),
            None => self.w.push_empty(),
        }
    }
}

/// `sendmsg`/`recvmsg`: (first iovec base, first iovec length, total length of up to 16
/// iovecs, msg_name, msg_namelen) of the user `struct msghdr` at `msg`.
fn msghdr(c: &mut Ctx<'_>, msg: u64) -> (u64, u64, u64, u64, u64) {
    let name = c.user_u64(msg, 0).unwrap_or(0);
    let namelen = c.user_u64(msg, 8).unwrap_or(0) & 0xffff_ffff;
    let iov = c.user_u64(msg, 16).unwrap_or(0);
    let iovlen = c.user_u64(msg, 24).unwrap_or(0).min(16);
    let (mut base0, mut len0, mut total) = (0, 0, 0u64);
    for i in 0..iovlen {
        let b = c.user_u64(iov, i * 16).unwrap_or(0);
        let l = c.user_u64(iov, i * 16 + 8).unwrap_or(0);
        if i == 0 {
            base0 = b;
            len0 = l;
        }
        total = total.saturating_add(l);
    }
    (base0, len0, total, name, namelen)
}

/// Encodes the event `id` of syscall `c.nr` (enter when `id` is even). Fills exactly the
/// parameters the e5c53d64 table declares for `id`.
pub(crate) fn fill(c: &mut Ctx<'_>, id: u16) -> R {
    use crate::abi::event::ids as e;
    let a = c.args;
    match id {
        e::SYSCALL_E => {
            let sc = syscall::ppm_sc(c.nr);
            c.w.push_u16(sc)?;
            c.w.push_u16(c.nr as u16)
        }
        e::SYSCALL_X => c.w.push_u16(syscall::ppm_sc(c.nr)),
        // open family
        2 => {
            c.path(0)?;
            c.w.push_u32(fl::open_flags_to_scap(a[1]))?;
            c.w.push_u32(fl::open_mode_to_scap(a[1], a[2]))
        }
        3 => {
            c.res()?;
            c.path(0)?;
            c.w.push_u32(fl::open_flags_to_scap(a[1]))?;
            c.w.push_u32(fl::open_mode_to_scap(a[1], a[2]))?;
            c.fd_dev(c.ret)
        }
        306 => {
            c.fd(0)?;
            c.path(1)?;
            c.w.push_u32(fl::open_flags_to_scap(a[2]))?;
            c.w.push_u32(fl::open_mode_to_scap(a[2], a[3]))
        }
        307 => {
            c.res()?;
            c.fd(0)?;
            c.path(1)?;
            c.w.push_u32(fl::open_flags_to_scap(a[2]))?;
            c.w.push_u32(fl::open_mode_to_scap(a[2], a[3]))?;
            c.fd_dev(c.ret)
        }
        326 | 327 => {
            // struct open_how { u64 flags, mode, resolve }
            let flags = c.user_u64(a[2], 0).unwrap_or(0);
            let mode = c.user_u64(a[2], 8).unwrap_or(0);
            let resolve = c.user_u64(a[2], 16).unwrap_or(0);
            if id == 327 {
                c.res()?;
            }
            c.fd(0)?;
            c.path(1)?;
            c.w.push_u32(fl::open_flags_to_scap(flags))?;
            c.w.push_u32(fl::open_mode_to_scap(flags, mode))?;
            c.w.push_u32(fl::openat2_resolve_to_scap(resolve))
        }
        58 => {
            c.path(0)?;
            c.w.push_u32(fl::chmod_mode_to_scap(a[1]))
        }
        59 => {
            c.res()?;
            c.path(0)?;
            c.w.push_u32(fl::chmod_mode_to_scap(a[1]))?;
            c.fd_dev(c.ret)
        }
        // fd I/O
        4 | 96 | 124 => c.fd(0),
        6 | 8 => {
            c.fd(0)?;
            c.u32a(2)
        }
        7 | 9 => {
            c.res()?;
            c.io_data(1)
        }
        // sockets
        18 | 42 => {
            c.w.push_u32(fl::socket_family_to_scap(a[0]) as u32)?;
            c.u32a(1)?;
            c.u32a(2)
        }
        19 => c.res(),
        20 => c.fd(0),
        21 => {
            c.res()?;
            c.sockaddr(a[1], a[2])
        }
        22 => {
            c.fd(0)?;
            c.sockaddr(a[1], a[2])
        }
        23 => {
            c.res()?;
            c.tuple(a[0] as i32 as i64, true)
        }
        24 => {
            c.fd(0)?;
            c.u32a(1)
        }
        246 => Ok(()),
        248 => c.w.push_i32(a[3] as i32),
        247 | 249 => {
            c.res()?;
            c.tuple(c.ret, false)?;
            let mut si = SockInfo::zeroed();
            // SAFETY: valid out-parameter; reads the listening socket's backlog.
            unsafe { ffi::harrier_fd_sock(a[0] as i32, &mut si) };
            let pct = if si.max_ack_backlog > 0 {
                (si.ack_backlog as u64 * 100 / si.max_ack_backlog as u64).min(100) as u8
            } else {
                0
            };
            c.w.push_u8(pct)?;
            c.w.push_u32(si.ack_backlog)?;
            c.w.push_u32(si.max_ack_backlog)
        }
        30 => {
            c.fd(0)?;
            c.u32a(2)?;
            c.tuple(a[0] as i32 as i64, true)
        }
        31 | 49 => {
            c.res()?;
            if id == 31 {
                c.io_data(1)
            } else {
                let (b, l, _, _, _) = msghdr(c, a[1]);
                let n = if c.ret > 0 { (c.ret as u64).min(l) as usize } else { 0 };
                c.user_bytes(b, n)
            }
        }
        34 => {
            c.fd(0)?;
            c.u32a(2)
        }
        35 => {
            c.res()?;
            c.io_data(1)?;
            c.tuple(a[0] as i32 as i64, false)
        }
        48 => {
            let (_, _, total, _, _) = msghdr(c, a[1]);
            c.fd(0)?;
            c.w.push_u32(total as u32)?;
            c.tuple(a[0] as i32 as i64, true)
        }
        52 => c.fd(0),
        53 => {
            let (b, l, _, _, _) = msghdr(c, a[1]);
            c.res()?;
            c.w.push_u32(if c.ret > 0 { c.ret as u32 } else { 0 })?;
            let n = if c.ret > 0 { (c.ret as u64).min(l) as usize } else { 0 };
            c.user_bytes(b, n)?;
            c.tuple(a[0] as i32 as i64, false)
        }
        43 => {
            let (f1, f2) = c.int_pair(a[3]);
            c.res()?;
            c.w.push_i64(f1)?;
            c.w.push_i64(f2)?;
            c.w.push_u64(0)?;
            c.w.push_u64(0)
        }
        61 => {
            let (f1, f2) = c.int_pair(a[0]);
            c.res()?;
            c.w.push_i64(f1)?;
            c.w.push_i64(f2)?;
            let (mut dev, mut ino) = (0u32, 0u64);
            if f1 >= 0 {
                // SAFETY: valid out-parameters.
                unsafe { ffi::harrier_fd_dev_ino(f1 as i32, &mut dev, &mut ino) };
            }
            c.w.push_u64(ino)
        }
        // file system
        175 | 309 => {
            c.res()?;
            c.path(0)?;
            c.path(1)
        }
        177 | 319 | 311 => {
            c.res()?;
            c.fd(0)?;
            c.path(1)?;
            c.fd(2)?;
            c.path(3)?;
            if id != 177 {
                c.u32a(4)?;
            }
            Ok(())
        }
        301 | 279 | 267 | 95 => {
            c.res()?;
            c.path(0)
        }
        303 => {
            c.res()?;
            c.fd(0)?;
            c.path(1)?;
            c.u32a(2)
        }
        276 => c.u32a(1),
        277 => {
            c.res()?;
            c.path(0)
        }
        305 => {
            c.res()?;
            c.fd(0)?;
            c.path(1)?;
            c.u32a(2)
        }
        179 => {
            c.res()?;
            c.path(0)?;
            c.path(1)
        }
        181 => {
            c.res()?;
            c.path(0)?;
            c.fd(1)?;
            c.path(2)
        }
        315 => {
            c.res()?;
            c.path(0)?;
            c.w.push_u32(fl::chmod_mode_to_scap(a[1]))
        }
        317 => {
            c.res()?;
            c.fd(0)?;
            c.w.push_u32(fl::chmod_mode_to_scap(a[1]))
        }
        313 => {
            c.res()?;
            c.fd(0)?;
            c.path(1)?;
            c.w.push_u32(fl::chmod_mode_to_scap(a[2]))
        }
        256 => c.u32a(3),
        257 => {
            c.res()?;
            c.path(0)?;
            c.path(1)?;
            c.path(2)
        }
        258 => c.u32a(1),
        259 => {
            c.res()?;
            c.path(0)
        }
        // credentials and processes
        198 | 200 => c.u32a(0),
        192 | 194 => {
            c.u32a(0)?;
            c.u32a(1)?;
            c.u32a(2)
        }
        128 => {
            c.w.push_i64(a[0] as i32 as i64)?;
            c.w.push_u8(a[1] as u8)
        }
        240 => {
            c.fd(0)?;
            c.w.push_u32(fl::clone_flags_to_scap(a[1]))
        }
        284 => c.w.push_u32(fl::clone_flags_to_scap(a[0])),
        321 => {
            c.res()?;
            c.u32a(0)
        }
        // memory
        160 => {
            c.u64a(0)?;
            c.u64a(1)?;
            c.w.push_u32(fl::prot_flags_to_scap(a[2]))?;
            c.w.push_u32(fl::mmap_flags_to_scap(a[3]))?;
            c.fd(4)?;
            c.u64a(5)
        }
        161 => {
            c.w.push_u64(c.ret as u64)?;
            let ti = proc::current_info();
            c.w.push_u32(ti.vm_size_kb)?;
            c.w.push_u32(ti.vm_rss_kb)?;
            c.w.push_u32(ti.vm_swap_kb)
        }
        328 => {
            c.u64a(0)?;
            c.u64a(1)?;
            c.w.push_u32(fl::prot_flags_to_scap(a[2]))
        }
        296 => c.w.push_i64(a[0] as i64),
        297 => {
            let r = c.ret;
            if r >= 0 {
                c.w.push_dyn(0, &r.to_le_bytes())
            } else {
                c.w.push_dyn(1, &r.to_le_bytes())
            }
        }
        168 => {
            c.w.push_u16(ptrace_req(a[0]))?;
            c.w.push_i64(a[1] as i32 as i64)
        }
        169 => {
            c.res()?;
            c.w.push_dyn(0, &a[2].to_le_bytes())?;
            c.w.push_dyn(0, &a[3].to_le_bytes())
        }
        // exec and clone
        292 => c.path(0),
        330 => {
            c.fd(0)?;
            c.path(1)?;
            let f = a[4];
            let mut v = 0u32;
            if f & 0x1000 != 0 {
                v |= 1; // PPM_EXVAT_AT_EMPTY_PATH
            }
            if f & 0x100 != 0 {
                v |= 2; // PPM_EXVAT_AT_SYMLINK_NOFOLLOW
            }
            c.w.push_u32(v)
        }
        293 | 331 => proc::fill_exec_exit(c),
        222 | 224 | 226 | 334 => Ok(()),
        223 | 225 | 227 | 335 => proc::fill_clone_exit(c, id),
        _ => fill_skeleton(c, id),
    }
}

/// `PTRACE_*` request -> `PPM_PTRACE_*` (a renumbered enum).
fn ptrace_req(r: u64) -> u16 {
    match r {
        0 => 1,                      // TRACEME
        1 => 2,                      // PEEKTEXT
        2 => 3,                      // PEEKDATA
        3 => 4,                      // PEEKUSR
        4 => 5,                      // POKETEXT
        5 => 6,                      // POKEDATA
        6 => 7,                      // POKEUSR
        7 => 8,                      // CONT
        8 => 9,                      // KILL
        9 => 10,                     // SINGLESTEP
        16 => 11,                    // ATTACH
        17 => 12,                    // DETACH
        24 => 13,                    // SYSCALL
        0x4200 => 14,                // SETOPTIONS
        0x4201 => 15,                // GETEVENTMSG
        0x4202 => 16,                // GETSIGINFO
        _ => 0,                      // PPM_PTRACE_UNKNOWN
    }
}

/// Dedicated events without a filler: the result (exit) or the fd of fd-first calls
/// (enter), zero values of the declared types for the rest.
fn fill_skeleton(c: &mut Ctx<'_>, id: u16) -> R {
    let Some(info) = event::info_e5c53d64(id) else { return Ok(()) };
    for (i, p) in info.params.iter().enumerate() {
        let exit = id & 1 == 1;
        match p.ty {
            ParamType::Errno | ParamType::Fd | ParamType::Pid if exit && i == 0 => c.res()?,
            ParamType::Fd if !exit && i == 0 && p.name == "fd" => c.fd(0)?,
            ty => c.zero(ty)?,
        }
    }
    Ok(())
}
