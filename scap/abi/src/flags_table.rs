// libscap's normalized flag encodings (PPM_*), the symbolic tables libsinsp renders them
// with, the print format of every event parameter, errno/signal/capability names, and the
// Linux -> PPM conversions the drivers apply. Facts from falcosecurity/libs e5c53d64.
// Included into `pub mod flags { }` by defs.rs: core only, no `mod`, no unsafe.
//
// Generated part (flags_table_gen.rs): the `PPM_*` constants, one `FlagTable` static per
// libsinsp table (entries in libsinsp's scan order, which decides the rendered text) and
// `PARAM_FORMATS[event id][param index]`.

/// One symbolic name of a flag or enumeration table.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FlagName {
    /// The name libsinsp prints (e.g. `O_CREAT`).
    pub name: &'static str,
    /// The PPM value (not the Linux one).
    pub value: u32,
}

/// A libsinsp flag table (`struct ppm_name_value[]`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FlagTable {
    /// The libs name of the table (e.g. `file_flags`).
    pub name: &'static str,
    /// Entries in the order libsinsp scans them.
    pub entries: &'static [FlagName],
}

impl FlagTable {
    /// The symbolic names libsinsp 0.29.3 renders for the raw value `val`, in order; the
    /// renderer joins them with `|`. Reproduces libsinsp's scan exactly: entries are
    /// visited in table order; a non-zero entry whose bits are all still set in the
    /// remaining value is emitted and its bits removed; a zero entry is emitted only when
    /// the whole value is zero; the scan stops at the first entry equal to the original
    /// value, which is emitted last.
    pub const fn names(&self, val: u32) -> FlagNames {
        FlagNames {
            entries: self.entries,
            initial: val,
            rest: val,
            idx: 0,
            done: false,
        }
    }

    /// The value of the symbolic name `name` (first match in scan order).
    pub fn value_of(&self, name: &str) -> Option<u32> {
        self.entries
            .iter()
            .find(|e| e.name == name)
            .map(|e| e.value)
    }
}

/// Iterator over the rendered symbolic names of one flag value; see [`FlagTable::names`].
#[derive(Clone, Debug)]
pub struct FlagNames {
    entries: &'static [FlagName],
    initial: u32,
    rest: u32,
    idx: usize,
    done: bool,
}

impl Iterator for FlagNames {
    type Item = &'static str;
    fn next(&mut self) -> Option<&'static str> {
        if self.done {
            return None;
        }
        while let Some(e) = self.entries.get(self.idx) {
            if e.value == self.initial {
                self.done = true;
                return Some(e.name);
            }
            self.idx += 1;
            let hit = if e.value == 0 {
                self.initial == 0
            } else {
                self.rest != 0 && self.rest & e.value == e.value
            };
            if hit {
                self.rest &= !e.value;
                return Some(e.name);
            }
        }
        self.done = true;
        None
    }
}

/// Numeric print format of a parameter (`enum ppm_print_format`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[repr(u8)]
pub enum PrintFormat {
    /// Not applicable (strings, buffers, addresses).
    Na = 0,
    /// Decimal.
    Dec = 1,
    /// Upper-case hexadecimal without prefix (`%X`).
    Hex = 2,
    /// Decimal padded to 9 digits (`%09`).
    PaddedDec = 3,
    /// Identifier.
    Id = 4,
    /// Direction.
    Dir = 5,
    /// Octal with a leading `0` (`%#o`).
    Oct = 6,
}

/// How one parameter is rendered: numeric format and, for FLAGS and MODE parameters, the
/// symbolic table.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ParamFormat {
    /// Numeric print format.
    pub fmt: PrintFormat,
    /// Flag table attached to the parameter, if any.
    pub flags: Option<&'static FlagTable>,
}

include!("flags_table_gen.rs");

/// Print format and flag table of parameter `idx` of event `event_id` (libs e5c53d64
/// numbering; `None` for ids >= 336 or indexes past the table's parameters).
pub fn param_format(event_id: u16, idx: usize) -> Option<&'static ParamFormat> {
    PARAM_FORMATS.get(event_id as usize)?.get(idx)
}

/// The flag table called `name` (libs spelling, e.g. `"file_flags"`).
pub fn table_by_name(name: &str) -> Option<&'static FlagTable> {
    FLAG_TABLES.iter().copied().find(|t| t.name == name)
}

/// The name libsinsp 0.29.3 gives errno `code` (positive, e.g. 2 -> `ENOENT`), or `None`
/// when it has none (it then prints only the number).
pub const fn errno_name(code: u32) -> Option<&'static str> {
    const LOW: [&str; 126] = [
        "",
        "EPERM",
        "ENOENT",
        "ESRCH",
        "EINTR",
        "EIO",
        "ENXIO",
        "E2BIG",
        "ENOEXEC",
        "EBADF",
        "ECHILD",
        "EAGAIN",
        "ENOMEM",
        "EACCES",
        "EFAULT",
        "ENOTBLK",
        "EBUSY",
        "EEXIST",
        "EXDEV",
        "ENODEV",
        "ENOTDIR",
        "EISDIR",
        "EINVAL",
        "ENFILE",
        "EMFILE",
        "ENOTTY",
        "ETXTBSY",
        "EFBIG",
        "ENOSPC",
        "ESPIPE",
        "EROFS",
        "EMLINK",
        "EPIPE",
        "EDOM",
        "ERANGE",
        "EDEADLK",
        "ENAMETOOLONG",
        "ENOLCK",
        "ENOSYS",
        "ENOTEMPTY",
        "ELOOP",
        "",
        "ENOMSG",
        "EIDRM",
        "ECHRNG",
        "EL2NSYNC",
        "EL3HLT",
        "EL3RST",
        "ELNRNG",
        "EUNATCH",
        "ENOCSI",
        "EL2HLT",
        "EBADE",
        "EBADR",
        "EXFULL",
        "ENOANO",
        "EBADRQC",
        "EBADSLT",
        "",
        "EBFONT",
        "ENOSTR",
        "ENODATA",
        "ETIME",
        "ENOSR",
        "ENONET",
        "ENOPKG",
        "EREMOTE",
        "ENOLINK",
        "EADV",
        "ESRMNT",
        "ECOMM",
        "EPROTO",
        "EMULTIHOP",
        "EDOTDOT",
        "EBADMSG",
        "EOVERFLOW",
        "ENOTUNIQ",
        "EBADFD",
        "EREMCHG",
        "ELIBACC",
        "ELIBBAD",
        "ELIBSCN",
        "ELIBMAX",
        "ELIBEXEC",
        "EILSEQ",
        "ERESTART",
        "ESTRPIPE",
        "EUSERS",
        "ENOTSOCK",
        "EDESTADDRREQ",
        "EMSGSIZE",
        "EPROTOTYPE",
        "ENOPROTOOPT",
        "EPROTONOSUPPORT",
        "ESOCKTNOSUPPORT",
        "EOPNOTSUPP",
        "EPFNOSUPPORT",
        "EAFNOSUPPORT",
        "EADDRINUSE",
        "EADDRNOTAVAIL",
        "ENETDOWN",
        "ENETUNREACH",
        "ENETRESET",
        "ECONNABORTED",
        "ECONNRESET",
        "ENOBUFS",
        "EISCONN",
        "ENOTCONN",
        "ESHUTDOWN",
        "ETOOMANYREFS",
        "ETIMEDOUT",
        "ECONNREFUSED",
        "EHOSTDOWN",
        "EHOSTUNREACH",
        "EALREADY",
        "EINPROGRESS",
        "ESTALE",
        "EUCLEAN",
        "ENOTNAM",
        "ENAVAIL",
        "EISNAM",
        "EREMOTEIO",
        "EDQUOT",
        "ENOMEDIUM",
        "EMEDIUMTYPE",
        "ECANCELED",
    ];
    const HIGH: [&str; 19] = [
        "ERESTARTSYS",
        "ERESTARTNOINTR",
        "ERESTARTNOHAND",
        "ENOIOCTLCMD",
        "ERESTART_RESTARTBLOCK",
        "",
        "",
        "",
        "",
        "EBADHANDLE",
        "ENOTSYNC",
        "EBADCOOKIE",
        "ENOTSUPP",
        "ETOOSMALL",
        "ESERVERFAULT",
        "EBADTYPE",
        "EJUKEBOX",
        "EIOCBQUEUED",
        "EIOCBRETRY",
    ];
    let s = if (code as usize) < LOW.len() {
        LOW[code as usize]
    } else if code >= 512 && ((code - 512) as usize) < HIGH.len() {
        HIGH[(code - 512) as usize]
    } else {
        ""
    };
    if s.is_empty() {
        None
    } else {
        Some(s)
    }
}

/// Errno number of an errno name (`"ENOENT"` -> 2), the inverse of [`errno_name`].
pub fn errno_by_name(name: &str) -> Option<u32> {
    (1..531).find(|&c| errno_name(c) == Some(name))
}

/// The name libsinsp 0.29.3 gives signal `sig` (x86_64 numbering), or `None`.
pub const fn signal_name(sig: u8) -> Option<&'static str> {
    const NAMES: [&str; 32] = [
        "",
        "SIGHUP",
        "SIGINT",
        "SIGQUIT",
        "SIGILL",
        "SIGTRAP",
        "SIGABRT",
        "SIGBUS",
        "SIGFPE",
        "SIGKILL",
        "SIGUSR1",
        "SIGSEGV",
        "SIGUSR2",
        "SIGPIPE",
        "SIGALRM",
        "SIGTERM",
        "SIGSTKFLT",
        "SIGCHLD",
        "SIGCONT",
        "SIGSTOP",
        "SIGTSTP",
        "SIGTTIN",
        "SIGTTOU",
        "SIGURG",
        "SIGXCPU",
        "SIGXFSZ",
        "SIGVTALRM",
        "SIGPROF",
        "SIGWINCH",
        "SIGIO",
        "SIGPWR",
        "SIGSYS",
    ];
    if (sig as usize) < NAMES.len() && sig != 0 {
        Some(NAMES[sig as usize])
    } else {
        None
    }
}

/// Linux capability names by bit number (`CAP_CHOWN` = 0 ... `CAP_CHECKPOINT_RESTORE` = 40),
/// as Falco prints capability sets (`thread.cap_effective`: names joined by spaces).
pub const CAPABILITY_NAMES: [&str; 41] = [
    "CAP_CHOWN",
    "CAP_DAC_OVERRIDE",
    "CAP_DAC_READ_SEARCH",
    "CAP_FOWNER",
    "CAP_FSETID",
    "CAP_KILL",
    "CAP_SETGID",
    "CAP_SETUID",
    "CAP_SETPCAP",
    "CAP_LINUX_IMMUTABLE",
    "CAP_NET_BIND_SERVICE",
    "CAP_NET_BROADCAST",
    "CAP_NET_ADMIN",
    "CAP_NET_RAW",
    "CAP_IPC_LOCK",
    "CAP_IPC_OWNER",
    "CAP_SYS_MODULE",
    "CAP_SYS_RAWIO",
    "CAP_SYS_CHROOT",
    "CAP_SYS_PTRACE",
    "CAP_SYS_PACCT",
    "CAP_SYS_ADMIN",
    "CAP_SYS_BOOT",
    "CAP_SYS_NICE",
    "CAP_SYS_RESOURCE",
    "CAP_SYS_TIME",
    "CAP_SYS_TTY_CONFIG",
    "CAP_MKNOD",
    "CAP_LEASE",
    "CAP_AUDIT_WRITE",
    "CAP_AUDIT_CONTROL",
    "CAP_SETFCAP",
    "CAP_MAC_OVERRIDE",
    "CAP_MAC_ADMIN",
    "CAP_SYSLOG",
    "CAP_WAKE_ALARM",
    "CAP_BLOCK_SUSPEND",
    "CAP_AUDIT_READ",
    "CAP_PERFMON",
    "CAP_BPF",
    "CAP_CHECKPOINT_RESTORE",
];

/// Name of capability bit `bit`, or `None` past `CAP_CHECKPOINT_RESTORE`.
pub const fn capability_name(bit: u32) -> Option<&'static str> {
    if (bit as usize) < CAPABILITY_NAMES.len() {
        Some(CAPABILITY_NAMES[bit as usize])
    } else {
        None
    }
}

/// Linux x86_64 values the conversions below read (uapi headers).
pub mod linux {
    /// `O_WRONLY`.
    pub const O_WRONLY: u64 = 0o1;
    /// `O_RDWR`.
    pub const O_RDWR: u64 = 0o2;
    /// `O_ACCMODE`.
    pub const O_ACCMODE: u64 = 0o3;
    /// `O_CREAT`.
    pub const O_CREAT: u64 = 0o100;
    /// `O_EXCL`.
    pub const O_EXCL: u64 = 0o200;
    /// `O_TRUNC`.
    pub const O_TRUNC: u64 = 0o1000;
    /// `O_APPEND`.
    pub const O_APPEND: u64 = 0o2000;
    /// `O_NONBLOCK`.
    pub const O_NONBLOCK: u64 = 0o4000;
    /// `O_DSYNC`.
    pub const O_DSYNC: u64 = 0o10000;
    /// `O_DIRECT`.
    pub const O_DIRECT: u64 = 0o40000;
    /// `O_LARGEFILE`.
    pub const O_LARGEFILE: u64 = 0o100000;
    /// `O_DIRECTORY`.
    pub const O_DIRECTORY: u64 = 0o200000;
    /// `O_CLOEXEC`.
    pub const O_CLOEXEC: u64 = 0o2000000;
    /// `O_SYNC` (`__O_SYNC | O_DSYNC`).
    pub const O_SYNC: u64 = 0o4010000;
    /// `O_TMPFILE` (`__O_TMPFILE | O_DIRECTORY`).
    pub const O_TMPFILE: u64 = 0o20200000;
    /// `AT_SYMLINK_NOFOLLOW`.
    pub const AT_SYMLINK_NOFOLLOW: u64 = 0x100;
    /// `AT_REMOVEDIR`.
    pub const AT_REMOVEDIR: u64 = 0x200;
    /// `AT_SYMLINK_FOLLOW`.
    pub const AT_SYMLINK_FOLLOW: u64 = 0x400;
    /// `AT_EMPTY_PATH`.
    pub const AT_EMPTY_PATH: u64 = 0x1000;
}

const fn bit(src: u64, linux: u64, ppm: u32) -> u32 {
    if src & linux != 0 {
        ppm
    } else {
        0
    }
}

/// Linux `open`/`openat` flags -> `PPM_O_*`. The access mode becomes RDONLY (also for
/// Linux 0), WRONLY or RDWR. Like the e5c53d64 driver, bits are tested with `&` against
/// the Linux macros, so `O_DSYNC` alone also yields `PPM_O_SYNC` (Linux `O_SYNC` contains
/// `O_DSYNC`) and `O_DIRECTORY` alone also yields `PPM_O_TMPFILE`: sysdig shows the same.
pub const fn open_flags_to_scap(flags: u64) -> u32 {
    use linux::*;
    let acc = match flags & O_ACCMODE {
        O_WRONLY => PPM_O_WRONLY,
        O_RDWR => PPM_O_RDWR,
        _ => PPM_O_RDONLY,
    };
    acc | bit(flags, O_CREAT, PPM_O_CREAT)
        | bit(flags, O_TMPFILE, PPM_O_TMPFILE)
        | bit(flags, O_APPEND, PPM_O_APPEND)
        | bit(flags, O_DSYNC, PPM_O_DSYNC)
        | bit(flags, O_EXCL, PPM_O_EXCL)
        | bit(flags, O_NONBLOCK, PPM_O_NONBLOCK)
        | bit(flags, O_SYNC, PPM_O_SYNC)
        | bit(flags, O_TRUNC, PPM_O_TRUNC)
        | bit(flags, O_DIRECT, PPM_O_DIRECT)
        | bit(flags, O_DIRECTORY, PPM_O_DIRECTORY)
        | bit(flags, O_LARGEFILE, PPM_O_LARGEFILE)
        | bit(flags, O_CLOEXEC, PPM_O_CLOEXEC)
}

/// The `mode` parameter of open/openat/openat2: the permission bits (`PPM_S_*` equal the
/// Linux bits, 0o7777) when `flags` (Linux) has `O_CREAT` or any bit of `O_TMPFILE`,
/// otherwise 0.
pub const fn open_mode_to_scap(flags: u64, mode: u64) -> u32 {
    if flags & (linux::O_CREAT | linux::O_TMPFILE) == 0 {
        0
    } else {
        (mode & 0o7777) as u32
    }
}

/// Linux mode bits -> `PPM_S_*` (chmod/fchmod/fchmodat `mode`; same bit values).
pub const fn chmod_mode_to_scap(mode: u64) -> u32 {
    (mode & 0o7777) as u32
}

/// openat2 `how.resolve` (`RESOLVE_*`) -> `PPM_RESOLVE_*`.
pub const fn openat2_resolve_to_scap(resolve: u64) -> u32 {
    bit(resolve, 0x01, PPM_RESOLVE_NO_XDEV)
        | bit(resolve, 0x02, PPM_RESOLVE_NO_MAGICLINKS)
        | bit(resolve, 0x04, PPM_RESOLVE_NO_SYMLINKS)
        | bit(resolve, 0x08, PPM_RESOLVE_BENEATH)
        | bit(resolve, 0x10, PPM_RESOLVE_IN_ROOT)
        | bit(resolve, 0x20, PPM_RESOLVE_CACHED)
}

/// Linux `CLONE_*` flags -> `PPM_CL_*`. The exit-signal byte and bits without a PPM
/// counterpart (`CLONE_PIDFD`, `CLONE_DETACHED`) are dropped. `PPM_CL_CHILD_IN_PIDNS` is
/// not derived from the flags: the driver sets it from the child's pid namespace.
pub const fn clone_flags_to_scap(flags: u64) -> u32 {
    bit(flags, 0x400, PPM_CL_CLONE_FILES)
        | bit(flags, 0x200, PPM_CL_CLONE_FS)
        | bit(flags, 0x8000_0000, PPM_CL_CLONE_IO)
        | bit(flags, 0x0800_0000, PPM_CL_CLONE_NEWIPC)
        | bit(flags, 0x4000_0000, PPM_CL_CLONE_NEWNET)
        | bit(flags, 0x0002_0000, PPM_CL_CLONE_NEWNS)
        | bit(flags, 0x2000_0000, PPM_CL_CLONE_NEWPID)
        | bit(flags, 0x0400_0000, PPM_CL_CLONE_NEWUTS)
        | bit(flags, 0x0010_0000, PPM_CL_CLONE_PARENT_SETTID)
        | bit(flags, 0x8000, PPM_CL_CLONE_PARENT)
        | bit(flags, 0x2000, PPM_CL_CLONE_PTRACE)
        | bit(flags, 0x800, PPM_CL_CLONE_SIGHAND)
        | bit(flags, 0x0004_0000, PPM_CL_CLONE_SYSVSEM)
        | bit(flags, 0x0001_0000, PPM_CL_CLONE_THREAD)
        | bit(flags, 0x0080_0000, PPM_CL_CLONE_UNTRACED)
        | bit(flags, 0x100, PPM_CL_CLONE_VM)
        | bit(flags, 0x1000_0000, PPM_CL_CLONE_NEWUSER)
        | bit(flags, 0x0020_0000, PPM_CL_CLONE_CHILD_CLEARTID)
        | bit(flags, 0x0100_0000, PPM_CL_CLONE_CHILD_SETTID)
        | bit(flags, 0x0008_0000, PPM_CL_CLONE_SETTLS)
        | bit(flags, 0x4000, PPM_CL_CLONE_VFORK)
        | bit(flags, 0x0200_0000, PPM_CL_CLONE_NEWCGROUP)
}

/// Linux `AF_*` -> `PPM_AF_*`: the same numbers for the families libs knows (0..=39
/// except 27 and 28), `PPM_AF_UNSPEC` otherwise.
pub const fn socket_family_to_scap(family: u64) -> u8 {
    if family <= 39 && family != 27 && family != 28 {
        family as u8
    } else {
        PPM_AF_UNSPEC as u8
    }
}

/// Linux `PROT_*` -> `PPM_PROT_*`.
pub const fn prot_flags_to_scap(prot: u64) -> u32 {
    bit(prot, 0x1, PPM_PROT_READ)
        | bit(prot, 0x2, PPM_PROT_WRITE)
        | bit(prot, 0x4, PPM_PROT_EXEC)
        | bit(prot, 0x8, PPM_PROT_SEM)
        | bit(prot, 0x0100_0000, PPM_PROT_GROWSDOWN)
        | bit(prot, 0x0200_0000, PPM_PROT_GROWSUP)
}

/// Linux x86_64 `MAP_*` -> `PPM_MAP_*` (`MAP_FILE` is 0 on Linux and never set;
/// `MAP_RENAME` and `MAP_INHERIT` do not exist on Linux).
pub const fn mmap_flags_to_scap(flags: u64) -> u32 {
    bit(flags, 0x01, PPM_MAP_SHARED)
        | bit(flags, 0x02, PPM_MAP_PRIVATE)
        | bit(flags, 0x10, PPM_MAP_FIXED)
        | bit(flags, 0x20, PPM_MAP_ANONYMOUS)
        | bit(flags, 0x40, PPM_MAP_32BIT)
        | bit(flags, 0x4000, PPM_MAP_NORESERVE)
        | bit(flags, 0x8000, PPM_MAP_POPULATE)
        | bit(flags, 0x10000, PPM_MAP_NONBLOCK)
        | bit(flags, 0x100, PPM_MAP_GROWSDOWN)
        | bit(flags, 0x800, PPM_MAP_DENYWRITE)
        | bit(flags, 0x1000, PPM_MAP_EXECUTABLE)
        | bit(flags, 0x2000, PPM_MAP_LOCKED)
}

/// Linux `F_*` fcntl command -> `PPM_FCNTL_*` (`PPM_FCNTL_UNKNOWN` otherwise).
pub const fn fcntl_cmd_to_scap(cmd: u64) -> u8 {
    (match cmd {
        0 => PPM_FCNTL_F_DUPFD,
        1 => PPM_FCNTL_F_GETFD,
        2 => PPM_FCNTL_F_SETFD,
        3 => PPM_FCNTL_F_GETFL,
        4 => PPM_FCNTL_F_SETFL,
        5 => PPM_FCNTL_F_GETLK,
        6 => PPM_FCNTL_F_SETLK,
        7 => PPM_FCNTL_F_SETLKW,
        8 => PPM_FCNTL_F_SETOWN,
        9 => PPM_FCNTL_F_GETOWN,
        10 => PPM_FCNTL_F_SETSIG,
        11 => PPM_FCNTL_F_GETSIG,
        15 => PPM_FCNTL_F_SETOWN_EX,
        16 => PPM_FCNTL_F_GETOWN_EX,
        36 => PPM_FCNTL_F_OFD_GETLK,
        37 => PPM_FCNTL_F_OFD_SETLK,
        38 => PPM_FCNTL_F_OFD_SETLKW,
        1024 => PPM_FCNTL_F_SETLEASE,
        1025 => PPM_FCNTL_F_GETLEASE,
        1026 => PPM_FCNTL_F_NOTIFY,
        1029 => PPM_FCNTL_F_CANCELLK,
        1030 => PPM_FCNTL_F_DUPFD_CLOEXEC,
        1031 => PPM_FCNTL_F_SETPIPE_SZ,
        1032 => PPM_FCNTL_F_GETPIPE_SZ,
        _ => PPM_FCNTL_UNKNOWN,
    }) as u8
}

/// Linux `POLL*` revents/events -> `PPM_POLL*`.
pub const fn poll_events_to_scap(ev: u64) -> u16 {
    (bit(ev, 0x1, PPM_POLLIN)
        | bit(ev, 0x2, PPM_POLLPRI)
        | bit(ev, 0x4, PPM_POLLOUT)
        | bit(ev, 0x2000, PPM_POLLRDHUP)
        | bit(ev, 0x8, PPM_POLLERR)
        | bit(ev, 0x10, PPM_POLLHUP)
        | bit(ev, 0x20, PPM_POLLNVAL)
        | bit(ev, 0x40, PPM_POLLRDNORM)
        | bit(ev, 0x80, PPM_POLLRDBAND)
        | bit(ev, 0x100, PPM_POLLWRNORM)
        | bit(ev, 0x200, PPM_POLLWRBAND)) as u16
}

/// Linux futex op -> `PPM_FU_*` (command in the low 7 bits, plus PRIVATE/CLOCK_REALTIME).
pub const fn futex_op_to_scap(op: u64) -> u16 {
    let cmd = match op & 127 {
        0 => PPM_FU_FUTEX_WAIT,
        1 => PPM_FU_FUTEX_WAKE,
        2 => PPM_FU_FUTEX_FD,
        3 => PPM_FU_FUTEX_REQUEUE,
        4 => PPM_FU_FUTEX_CMP_REQUEUE,
        5 => PPM_FU_FUTEX_WAKE_OP,
        6 => PPM_FU_FUTEX_LOCK_PI,
        7 => PPM_FU_FUTEX_UNLOCK_PI,
        8 => PPM_FU_FUTEX_TRYLOCK_PI,
        9 => PPM_FU_FUTEX_WAIT_BITSET,
        10 => PPM_FU_FUTEX_WAKE_BITSET,
        11 => PPM_FU_FUTEX_WAIT_REQUEUE_PI,
        12 => PPM_FU_FUTEX_CMP_REQUEUE_PI,
        _ => 0,
    };
    (cmd | bit(op, 128, PPM_FU_FUTEX_PRIVATE_FLAG) | bit(op, 256, PPM_FU_FUTEX_CLOCK_REALTIME))
        as u16
}

/// access/faccessat mode -> `PPM_*_OK` (0 = `F_OK`).
pub const fn access_flags_to_scap(mode: u64) -> u32 {
    if mode == 0 {
        PPM_F_OK
    } else {
        bit(mode, 1, PPM_X_OK) | bit(mode, 4, PPM_R_OK) | bit(mode, 2, PPM_W_OK)
    }
}

/// Linux `RLIMIT_*` -> `PPM_RLIMIT_*` (`PPM_RLIMIT_UNKNOWN` past `RLIMIT_RTTIME`).
pub const fn rlimit_resource_to_scap(res: u64) -> u8 {
    (match res {
        0 => PPM_RLIMIT_CPU,
        1 => PPM_RLIMIT_FSIZE,
        2 => PPM_RLIMIT_DATA,
        3 => PPM_RLIMIT_STACK,
        4 => PPM_RLIMIT_CORE,
        5 => PPM_RLIMIT_RSS,
        6 => PPM_RLIMIT_NPROC,
        7 => PPM_RLIMIT_NOFILE,
        8 => PPM_RLIMIT_MEMLOCK,
        9 => PPM_RLIMIT_AS,
        10 => PPM_RLIMIT_LOCKS,
        11 => PPM_RLIMIT_SIGPENDING,
        12 => PPM_RLIMIT_MSGQUEUE,
        13 => PPM_RLIMIT_NICE,
        14 => PPM_RLIMIT_RTPRIO,
        15 => PPM_RLIMIT_RTTIME,
        _ => PPM_RLIMIT_UNKNOWN,
    }) as u8
}

/// shutdown `how` -> `PPM_SHUT_*` (same numbers; other values pass through truncated).
pub const fn shutdown_how_to_scap(how: u64) -> u8 {
    how as u8
}

/// lseek `whence` -> `PPM_SEEK_*` (unknown values become `PPM_SEEK_SET`, 0).
pub const fn lseek_whence_to_scap(whence: u64) -> u8 {
    (match whence {
        1 => PPM_SEEK_CUR,
        2 => PPM_SEEK_END,
        _ => PPM_SEEK_SET,
    }) as u8
}

/// semop `sem_flg` -> `PPM_IPC_NOWAIT` / `PPM_SEM_UNDO`.
pub const fn semop_flags_to_scap(flags: u64) -> u16 {
    (bit(flags, 0o4000, PPM_IPC_NOWAIT) | bit(flags, 0x1000, PPM_SEM_UNDO)) as u16
}

/// semget `semflg` -> `PPM_IPC_CREAT` / `PPM_IPC_EXCL`.
pub const fn semget_flags_to_scap(flags: u64) -> u32 {
    bit(flags, 0o1000, PPM_IPC_CREAT) | bit(flags, 0o2000, PPM_IPC_EXCL)
}

/// semctl `cmd` -> `PPM_*` command (0 when unknown).
pub const fn semctl_cmd_to_scap(cmd: u64) -> u16 {
    (match cmd {
        0 => PPM_IPC_RMID,
        1 => PPM_IPC_SET,
        2 => PPM_IPC_STAT,
        3 => PPM_IPC_INFO,
        11 => PPM_GETPID,
        12 => PPM_GETVAL,
        13 => PPM_GETALL,
        14 => PPM_GETNCNT,
        15 => PPM_GETZCNT,
        16 => PPM_SETVAL,
        17 => PPM_SETALL,
        18 => PPM_SEM_STAT,
        19 => PPM_SEM_INFO,
        _ => 0,
    }) as u16
}

/// flock `operation` -> `PPM_LOCK_*`.
pub const fn flock_flags_to_scap(op: u64) -> u32 {
    bit(op, 2, PPM_LOCK_EX)
        | bit(op, 1, PPM_LOCK_SH)
        | bit(op, 8, PPM_LOCK_UN)
        | bit(op, 4, PPM_LOCK_NB)
}

/// quotactl `cmd` -> `PPM_Q_*` (from `cmd >> 8`; 0 when unknown).
pub const fn quotactl_cmd_to_scap(cmd: u64) -> u16 {
    (match cmd >> 8 {
        0x80_0001 => PPM_Q_SYNC,
        0x80_0002 => PPM_Q_QUOTAON,
        0x80_0003 => PPM_Q_QUOTAOFF,
        0x80_0004 => PPM_Q_GETFMT,
        0x80_0005 => PPM_Q_GETINFO,
        0x80_0006 => PPM_Q_SETINFO,
        0x80_0007 => PPM_Q_GETQUOTA,
        0x80_0008 => PPM_Q_SETQUOTA,
        0x5801 => PPM_Q_XQUOTAON,
        0x5802 => PPM_Q_XQUOTAOFF,
        0x5803 => PPM_Q_XGETQUOTA,
        0x5804 => PPM_Q_XSETQLIM,
        0x5805 => PPM_Q_XGETQSTAT,
        0x5806 => PPM_Q_XQUOTARM,
        0x5807 => PPM_Q_XQUOTASYNC,
        _ => 0,
    }) as u16
}

/// quotactl quota type (`cmd & 0xff`) -> `PPM_USRQUOTA` / `PPM_GRPQUOTA` (0 otherwise).
pub const fn quotactl_type_to_scap(cmd: u64) -> u8 {
    (match cmd & 0xff {
        1 => PPM_GRPQUOTA,
        0 => PPM_USRQUOTA,
        _ => 0,
    }) as u8
}

/// quotactl format id -> `PPM_QFMT_*` (`PPM_QFMT_NOT_USED` otherwise).
pub const fn quotactl_fmt_to_scap(fmt: u64) -> u8 {
    (match fmt {
        1 => PPM_QFMT_VFS_OLD,
        2 => PPM_QFMT_VFS_V0,
        4 => PPM_QFMT_VFS_V1,
        _ => PPM_QFMT_NOT_USED,
    }) as u8
}

/// Linux x86_64 ptrace request -> renumbered `PPM_PTRACE_*` (`PPM_PTRACE_UNKNOWN`
/// otherwise).
pub const fn ptrace_request_to_scap(req: u64) -> u16 {
    (match req {
        0 => PPM_PTRACE_TRACEME,
        1 => PPM_PTRACE_PEEKTEXT,
        2 => PPM_PTRACE_PEEKDATA,
        3 => PPM_PTRACE_PEEKUSR,
        4 => PPM_PTRACE_POKETEXT,
        5 => PPM_PTRACE_POKEDATA,
        6 => PPM_PTRACE_POKEUSR,
        7 => PPM_PTRACE_CONT,
        8 => PPM_PTRACE_KILL,
        9 => PPM_PTRACE_SINGLESTEP,
        12 => PPM_PTRACE_GETREGS,
        13 => PPM_PTRACE_SETREGS,
        14 => PPM_PTRACE_GETFPREGS,
        15 => PPM_PTRACE_SETFPREGS,
        16 => PPM_PTRACE_ATTACH,
        17 => PPM_PTRACE_DETACH,
        18 => PPM_PTRACE_GETFPXREGS,
        19 => PPM_PTRACE_SETFPXREGS,
        21 => PPM_PTRACE_OLDSETOPTIONS,
        24 => PPM_PTRACE_SYSCALL,
        25 => PPM_PTRACE_GET_THREAD_AREA,
        26 => PPM_PTRACE_SET_THREAD_AREA,
        30 => PPM_PTRACE_ARCH_PRCTL,
        31 => PPM_PTRACE_SYSEMU,
        32 => PPM_PTRACE_SYSEMU_SINGLESTEP,
        33 => PPM_PTRACE_SINGLEBLOCK,
        0x4200 => PPM_PTRACE_SETOPTIONS,
        0x4201 => PPM_PTRACE_GETEVENTMSG,
        0x4202 => PPM_PTRACE_GETSIGINFO,
        0x4203 => PPM_PTRACE_SETSIGINFO,
        0x4204 => PPM_PTRACE_GETREGSET,
        0x4205 => PPM_PTRACE_SETREGSET,
        0x4206 => PPM_PTRACE_SEIZE,
        0x4207 => PPM_PTRACE_INTERRUPT,
        0x4208 => PPM_PTRACE_LISTEN,
        0x4209 => PPM_PTRACE_PEEKSIGINFO,
        0x420a => PPM_PTRACE_GETSIGMASK,
        0x420b => PPM_PTRACE_SETSIGMASK,
        _ => PPM_PTRACE_UNKNOWN,
    }) as u16
}

/// execveat flags -> `PPM_EXVAT_*`.
pub const fn execveat_flags_to_scap(flags: u64) -> u32 {
    bit(flags, linux::AT_EMPTY_PATH, PPM_EXVAT_AT_EMPTY_PATH)
        | bit(
            flags,
            linux::AT_SYMLINK_NOFOLLOW,
            PPM_EXVAT_AT_SYMLINK_NOFOLLOW,
        )
}

/// unlinkat flags -> `PPM_AT_REMOVEDIR`.
pub const fn unlinkat_flags_to_scap(flags: u64) -> u32 {
    bit(flags, linux::AT_REMOVEDIR, PPM_AT_REMOVEDIR)
}

/// linkat flags -> `PPM_AT_SYMLINK_FOLLOW` / `PPM_AT_EMPTY_PATH`.
pub const fn linkat_flags_to_scap(flags: u64) -> u32 {
    bit(flags, linux::AT_SYMLINK_FOLLOW, PPM_AT_SYMLINK_FOLLOW)
        | bit(flags, linux::AT_EMPTY_PATH, PPM_AT_EMPTY_PATH)
}

/// renameat2 flags -> `PPM_RENAME_*` (same bits).
pub const fn renameat2_flags_to_scap(flags: u64) -> u32 {
    (flags & 0x7) as u32
}

/// mount flags -> `PPM_MS_*`: the Linux bits, with the legacy magic `0xC0ED` in the top
/// 16 bits removed when present.
pub const fn mount_flags_to_scap(flags: u64) -> u32 {
    let f = flags as u32;
    if f & 0xffff_0000 == 0xC0ED_0000 {
        f & !0xffff_0000
    } else {
        f
    }
}

/// umount2 flags -> `PPM_MNT_*` / `PPM_UMOUNT_NOFOLLOW` (same bits).
pub const fn umount_flags_to_scap(flags: u64) -> u32 {
    flags as u32
}
