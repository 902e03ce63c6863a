//! Field extraction over [`State`] and the current [`Evt`]: the sysdig/Falco field catalogue
//! (`evt.*`, `proc.*`, `thread.*`, `fd.*`, `user.*`, `group.*`, `container.*`, `k8s.*`,
//! `fs.path.*`), the [`FieldRegistry`] / [`FieldSource`] implementations the condition
//! compiler uses, and sysdig-exact text rendering for `%field` outputs (`<NA>` when a field
//! has no value).
//!
//! Principal types: [`Registry`] (compile-time lookup, zero-sized), [`Ctx`] (per-event
//! source: state + event + optional DNS oracle), [`FieldDesc`] / [`CATALOG`] (the
//! catalogue for `--list-fields`), [`Format`] (a compiled `%field` format string) and the
//! [`dump`] module (the `replay FILE -p FORMAT [FILTER]` engine).

pub mod dump;

use std::cell::Cell;
use std::fmt::Write as _;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use engine_filter::{
    FieldArg, FieldDef, FieldFlags, FieldId, FieldRegistry, FieldSource, FieldType, Value, Values,
};

use crate::state::evt::{cstr, Evt};
use crate::state::fd::{self, FdInfo, FdType};
use crate::state::thread::Thread;
use crate::state::State;

/// How a field takes an argument.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ArgKind {
    /// No argument.
    None,
    /// Optional numeric index (`proc.aname[2]`).
    Index,
    /// Required numeric index.
    IndexRequired,
    /// Textual argument (`proc.env[HOME]`), optional.
    Name,
    /// Parameter name or index (`evt.arg.NAME`, `evt.arg[N]`), required.
    Param,
}

/// One catalogue entry.
#[derive(Clone, Copy, Debug)]
pub struct FieldDesc {
    /// Name.
    pub name: &'static str,
    /// Value type.
    pub ty: FieldType,
    /// Flags.
    pub flags: FieldFlags,
    /// Argument form.
    pub arg: ArgKind,
    /// Description.
    pub desc: &'static str,
}

const N: FieldFlags = FieldFlags::NONE;
const FO: FieldFlags =
    FieldFlags(FieldFlags::FILTER_ONLY.0 | FieldFlags::EITHER_END.0 | FieldFlags::NO_RHS.0);
const ANC: FieldFlags = FieldFlags(FieldFlags::NO_RHS.0 | FieldFlags::NO_TRANSFORMER.0);

macro_rules! catalog {
    ($( $id:ident = $name:literal, $ty:ident, $fl:expr, $arg:ident, $desc:literal; )*) => {
        /// Field ids (index into [`CATALOG`]).
        #[derive(Clone, Copy, Debug, PartialEq, Eq)]
        #[allow(non_camel_case_types, missing_docs)]
        #[repr(u32)]
        pub enum F { $($id,)* }
        /// The field catalogue.
        pub static CATALOG: &[FieldDesc] = &[
            $(FieldDesc { name: $name, ty: FieldType::$ty, flags: $fl, arg: ArgKind::$arg, desc: $desc },)*
        ];
        const ALL: &[F] = &[$(F::$id,)*];
    };
}

catalog! {
    EvtNum = "evt.num", Uint64, N, None, "event number.";
    EvtTime = "evt.time", Charbuf, N, None, "event timestamp as a time string (HH:MM:SS.nnnnnnnnn).";
    EvtDatetime = "evt.datetime", Charbuf, N, None, "event timestamp as a date and time string.";
    EvtRawtime = "evt.rawtime", AbsTime, N, None, "absolute event timestamp, ns from epoch.";
    EvtRawtimeS = "evt.rawtime.s", AbsTime, N, None, "integer part of the event timestamp (seconds).";
    EvtRawtimeNs = "evt.rawtime.ns", AbsTime, N, None, "fractional part of the event timestamp (ns).";
    EvtReltime = "evt.reltime", RelTime, N, None, "ns from the beginning of the capture.";
    EvtDir = "evt.dir", Charbuf, N, None, "event direction: '>' enter, '<' exit.";
    EvtType = "evt.type", Charbuf, N, None, "event name (the syscall name for generic events).";
    SyscallType = "syscall.type", Charbuf, N, None, "syscall name for syscall events.";
    EvtCategory = "evt.category", Charbuf, N, None, "event category (file, net, process...).";
    EvtCpu = "evt.cpu", Int16, N, None, "CPU the event was captured on.";
    EvtArgs = "evt.args", Charbuf, N, None, "all the event arguments as name=value pairs.";
    EvtArg = "evt.arg", Charbuf, N, Param, "one argument by name (evt.arg.fd) or index (evt.arg[0]), rendered.";
    EvtRawarg = "evt.rawarg", Int64, N, Param, "one argument, raw (numbers unrendered).";
    EvtInfo = "evt.info", Charbuf, N, None, "the arguments, or a summary for I/O events.";
    EvtBuffer = "evt.buffer", Bytebuf, N, None, "the binary data buffer of I/O events.";
    EvtBuflen = "evt.buflen", Uint64, N, None, "length of the data buffer of I/O events.";
    EvtRes = "evt.res", Charbuf, N, None, "SUCCESS or the errno name of a failed exit.";
    EvtRawres = "evt.rawres", Int64, N, None, "raw return value.";
    EvtFailed = "evt.failed", Bool, N, None, "true for events that returned an error.";
    EvtIsIo = "evt.is_io", Bool, N, None, "true for events that read or write fds.";
    EvtIsIoRead = "evt.is_io_read", Bool, N, None, "true for events that read from fds.";
    EvtIsIoWrite = "evt.is_io_write", Bool, N, None, "true for events that write to fds.";
    EvtIsOpenRead = "evt.is_open_read", Bool, N, None, "open events whose flags include read.";
    EvtIsOpenWrite = "evt.is_open_write", Bool, N, None, "open events whose flags include write.";
    EvtIsOpenExec = "evt.is_open_exec", Bool, N, None, "open events creating an executable file.";
    EvtSource = "evt.source", Charbuf, N, None, "event source (syscall).";
    EvtAbspath = "evt.abspath", Charbuf, N, None, "absolute path of the file-path argument of the event.";
    ProcPid = "proc.pid", Int64, N, None, "process id.";
    ProcExe = "proc.exe", Charbuf, N, None, "first command-line argument (argv[0]).";
    ProcName = "proc.name", Charbuf, N, None, "process name (comm).";
    ProcArgs = "proc.args", Charbuf, N, Index, "command-line arguments (argv[1..]) joined by spaces.";
    ProcEnv = "proc.env", Charbuf, N, Name, "environment, or one variable with proc.env[NAME].";
    ProcCmdline = "proc.cmdline", Charbuf, N, None, "comm followed by the arguments.";
    ProcExeline = "proc.exeline", Charbuf, N, None, "exe followed by the arguments.";
    ProcExepath = "proc.exepath", Charbuf, N, None, "full executable path.";
    ProcCwd = "proc.cwd", Charbuf, N, None, "current working directory.";
    ProcNthreads = "proc.nthreads", Uint32, N, None, "number of threads of the process.";
    ProcNchilds = "proc.nchilds", Uint32, N, None, "number of child threads.";
    ProcPpid = "proc.ppid", Int64, N, None, "parent process id.";
    ProcPname = "proc.pname", Charbuf, N, None, "parent process name.";
    ProcPcmdline = "proc.pcmdline", Charbuf, N, None, "parent command line.";
    ProcPexe = "proc.pexe", Charbuf, N, None, "parent argv[0].";
    ProcPexepath = "proc.pexepath", Charbuf, N, None, "parent executable path.";
    ProcApid = "proc.apid", Int64, ANC, Index, "ancestor pid: [N] walks N parents; no index matches any ancestor.";
    ProcAname = "proc.aname", Charbuf, ANC, Index, "ancestor name.";
    ProcAexe = "proc.aexe", Charbuf, ANC, Index, "ancestor argv[0].";
    ProcAexepath = "proc.aexepath", Charbuf, ANC, Index, "ancestor executable path.";
    ProcAcmdline = "proc.acmdline", Charbuf, ANC, Index, "ancestor command line.";
    ProcAenv = "proc.aenv", Charbuf, ANC, Name, "environment variable of the process or its ancestors.";
    ProcLoginshellid = "proc.loginshellid", Int64, N, None, "pid of the oldest shell ancestor.";
    ProcDuration = "proc.duration", RelTime, N, None, "ns since the process started.";
    ProcFdopencount = "proc.fdopencount", Uint64, N, None, "open fds of the process.";
    ProcFdlimit = "proc.fdlimit", Int64, N, None, "fd limit.";
    ProcVmsize = "proc.vmsize", Uint64, N, None, "virtual memory (kB).";
    ProcVmrss = "proc.vmrss", Uint64, N, None, "resident memory (kB).";
    ProcVmswap = "proc.vmswap", Uint64, N, None, "swapped memory (kB).";
    ProcSid = "proc.sid", Int64, N, None, "session id.";
    ProcSname = "proc.sname", Charbuf, N, None, "session leader name.";
    ProcVpgid = "proc.vpgid", Int64, N, None, "process group id (namespace view).";
    ProcTty = "proc.tty", Uint32, N, None, "controlling terminal.";
    ProcVpid = "proc.vpid", Int64, N, None, "pid inside the pid namespace.";
    ProcPvpid = "proc.pvpid", Int64, N, None, "parent vpid.";
    ProcIsExeWritable = "proc.is_exe_writable", Bool, N, None, "the executable is writable by the process user.";
    ProcIsExeUpperLayer = "proc.is_exe_upper_layer", Bool, N, None, "the executable is in an overlayfs upper layer.";
    ProcIsExeFromMemfd = "proc.is_exe_from_memfd", Bool, N, None, "the executable is a memfd.";
    ProcIsVpgidLeader = "proc.is_vpgid_leader", Bool, N, None, "the process leads its process group.";
    ProcIsContainerHealthcheck = "proc.is_container_healthcheck", Bool, N, None, "container health check.";
    ThreadTid = "thread.tid", Int64, N, None, "thread id.";
    ThreadVtid = "thread.vtid", Int64, N, None, "thread id inside the pid namespace.";
    ThreadIsmain = "thread.ismain", Bool, N, None, "main thread of its process.";
    ThreadCapEffective = "thread.cap_effective", Charbuf, N, None, "effective capabilities.";
    ThreadCapPermitted = "thread.cap_permitted", Charbuf, N, None, "permitted capabilities.";
    ThreadCapInheritable = "thread.cap_inheritable", Charbuf, N, None, "inheritable capabilities.";
    FdNum = "fd.num", Int64, N, None, "fd number.";
    FdType_ = "fd.type", Charbuf, N, None, "fd type: file, directory, ipv4, ipv6, unix, pipe, event, signalfd, eventpoll, inotify, timerfd, netlink...";
    FdTypechar = "fd.typechar", Charbuf, N, None, "fd type as one character.";
    FdName = "fd.name", Charbuf, N, None, "full fd name: path, connection tuple or unix path.";
    FdDirectory = "fd.directory", Charbuf, N, None, "directory of a file fd.";
    FdFilename = "fd.filename", Charbuf, N, None, "file name without the path.";
    FdNameraw = "fd.nameraw", Charbuf, N, None, "fd name as passed to the syscall.";
    FdIp = "fd.ip", IpAddr, FO, None, "client or server ip (filter only).";
    FdCip = "fd.cip", IpAddr, N, None, "client ip.";
    FdSip = "fd.sip", IpAddr, N, None, "server ip.";
    FdLip = "fd.lip", IpAddr, N, None, "local ip.";
    FdRip = "fd.rip", IpAddr, N, None, "remote ip.";
    FdPort = "fd.port", Port, FO, None, "client or server port (filter only).";
    FdCport = "fd.cport", Port, N, None, "client port.";
    FdSport = "fd.sport", Port, N, None, "server port.";
    FdLport = "fd.lport", Port, N, None, "local port.";
    FdRport = "fd.rport", Port, N, None, "remote port.";
    FdL4proto = "fd.l4proto", Charbuf, N, None, "ip protocol: tcp, udp, icmp, raw.";
    FdSockfamily = "fd.sockfamily", Charbuf, N, None, "socket family: ip or unix.";
    FdIsServer = "fd.is_server", Bool, N, None, "this process is the server end.";
    FdUid = "fd.uid", Charbuf, N, None, "fd number and tid chained.";
    FdContainername = "fd.containername", Charbuf, N, None, "container id and fd name chained.";
    FdContainerdirectory = "fd.containerdirectory", Charbuf, N, None, "container id and directory chained.";
    FdNet = "fd.net", IpNet, FO, None, "client or server ip in a network (filter only).";
    FdCnet = "fd.cnet", IpNet, FO, None, "client ip in a network.";
    FdSnet = "fd.snet", IpNet, FO, None, "server ip in a network.";
    FdLnet = "fd.lnet", IpNet, FO, None, "local ip in a network.";
    FdRnet = "fd.rnet", IpNet, FO, None, "remote ip in a network.";
    FdConnected = "fd.connected", Bool, N, None, "socket connected.";
    FdNameChanged = "fd.name_changed", Bool, N, None, "this event changed the fd name.";
    FdCipName = "fd.cip.name", Charbuf, FieldFlags(FieldFlags::NO_RHS.0 | FieldFlags::NO_TRANSFORMER.0), None, "domain name of the client ip.";
    FdSipName = "fd.sip.name", Charbuf, FieldFlags(FieldFlags::NO_RHS.0 | FieldFlags::NO_TRANSFORMER.0), None, "domain name of the server ip.";
    FdLipName = "fd.lip.name", Charbuf, FieldFlags(FieldFlags::NO_RHS.0 | FieldFlags::NO_TRANSFORMER.0), None, "domain name of the local ip.";
    FdRipName = "fd.rip.name", Charbuf, FieldFlags(FieldFlags::NO_RHS.0 | FieldFlags::NO_TRANSFORMER.0), None, "domain name of the remote ip.";
    FdDev = "fd.dev", Int32, N, None, "device number of the file.";
    FdDevMajor = "fd.dev.major", Int32, N, None, "major device number.";
    FdDevMinor = "fd.dev.minor", Int32, N, None, "minor device number.";
    FdIno = "fd.ino", Int64, N, None, "inode number.";
    UserUid = "user.uid", Uint32, N, None, "effective user id.";
    UserName = "user.name", Charbuf, N, None, "user name.";
    UserHomedir = "user.homedir", Charbuf, N, None, "home directory.";
    UserShell = "user.shell", Charbuf, N, None, "shell.";
    UserLoginuid = "user.loginuid", Int64, N, None, "audit login uid (-1 if unset).";
    UserLoginname = "user.loginname", Charbuf, N, None, "name of the login user.";
    GroupGid = "group.gid", Uint64, N, None, "group id.";
    GroupName = "group.name", Charbuf, N, None, "group name.";
    ContainerId = "container.id", Charbuf, N, None, "container id (12 chars), 'host' for host processes.";
    ContainerFullId = "container.full_id", Charbuf, N, None, "full container id.";
    ContainerName = "container.name", Charbuf, N, None, "container name, 'host' for host processes.";
    ContainerImage = "container.image", Charbuf, N, None, "container image.";
    ContainerImageId = "container.image.id", Charbuf, N, None, "image id.";
    ContainerImageRepository = "container.image.repository", Charbuf, N, None, "image repository.";
    ContainerImageTag = "container.image.tag", Charbuf, N, None, "image tag.";
    ContainerImageDigest = "container.image.digest", Charbuf, N, None, "image digest.";
    ContainerType = "container.type", Charbuf, N, None, "container runtime type.";
    ContainerPrivileged = "container.privileged", Bool, N, None, "privileged container.";
    ContainerMounts = "container.mounts", Charbuf, N, None, "container mounts.";
    ContainerMountDest = "container.mount.dest", Charbuf, N, Name, "mount source of a destination path.";
    ContainerStartTs = "container.start_ts", AbsTime, N, None, "container start time.";
    K8sNsName = "k8s.ns.name", Charbuf, N, None, "Kubernetes namespace (io.kubernetes.pod.namespace label).";
    K8sPodName = "k8s.pod.name", Charbuf, N, None, "Kubernetes pod name (io.kubernetes.pod.name label).";
    K8sPodId = "k8s.pod.id", Charbuf, N, None, "Kubernetes pod uid (io.kubernetes.pod.uid label).";
    K8sPodLabel = "k8s.pod.label", Charbuf, N, Name, "a container label.";
    FsPathName = "fs.path.name", Charbuf, N, None, "resolved path of file-system events.";
    FsPathNameraw = "fs.path.nameraw", Charbuf, N, None, "path as given to file-system events.";
    FsPathSource = "fs.path.source", Charbuf, N, None, "source path of rename/link events.";
    FsPathTarget = "fs.path.target", Charbuf, N, None, "target path of rename/link events.";
}

impl F {
    fn from_id(id: u32) -> Option<F> {
        ALL.get(id as usize).copied()
    }
}

/// The registry: resolves `name[arg]` to a [`FieldDef`].
#[derive(Debug, Default, Clone, Copy)]
pub struct Registry;

impl Registry {
    /// Resolves a field; `arg` is the bracket text. The dotted forms `evt.arg.NAME`,
    /// `evt.rawarg.NAME` are split here.
    pub fn resolve(&self, name: &str, arg: Option<&str>) -> Result<FieldDef, String> {
        let (base, arg) = if let Some(rest) = name.strip_prefix("evt.arg.") {
            ("evt.arg", Some(rest))
        } else if let Some(rest) = name.strip_prefix("evt.rawarg.") {
            ("evt.rawarg", Some(rest))
        } else {
            (name, arg)
        };
        let Some(idx) = CATALOG.iter().position(|d| d.name == base) else {
            return Err(format!("filter_check called with nonexistent field {name}"));
        };
        let d = &CATALOG[idx];
        let parsed = match (d.arg, arg) {
            (ArgKind::None, Some(_)) => {
                return Err(format!("field {base} does not accept an argument"))
            }
            (_, None) if matches!(d.arg, ArgKind::IndexRequired | ArgKind::Param) => {
                return Err(format!("field {base} requires an argument"))
            }
            (_, None) => FieldArg::None,
            (ArgKind::Index | ArgKind::IndexRequired, Some(a)) => match a.parse::<i64>() {
                Ok(n) if n >= 0 => FieldArg::Index(n),
                _ => return Err(format!("wrong argument '{a}' for field {base}")),
            },
            (ArgKind::Param, Some(a)) => match a.parse::<i64>() {
                Ok(n) => FieldArg::Index(n),
                Err(_) => FieldArg::Name(a.into()),
            },
            (_, Some(a)) => FieldArg::Name(a.into()),
        };
        let mut flags = d.flags;
        let mut ty = d.ty;
        // Ancestor fields with an index are plain single values.
        if matches!(idx as u32, x if x == F::ProcApid as u32 || x == F::ProcAname as u32 || x == F::ProcAexe as u32 || x == F::ProcAexepath as u32 || x == F::ProcAcmdline as u32)
            && parsed == FieldArg::None
        {
            flags = flags | FieldFlags::ANY_VALUE;
        }
        if idx as u32 == F::EvtRawarg as u32 {
            ty = rawarg_type(&parsed);
        }
        Ok(FieldDef {
            id: FieldId(idx as u32),
            arg: parsed,
            ty,
            flags,
            name: base.into(),
        })
    }
}

impl FieldRegistry for Registry {
    fn lookup(&self, name: &str, arg: Option<&str>) -> Result<FieldDef, String> {
        self.resolve(name, arg)
    }

    /// Relative extraction costs (only the order of `and`/`or` operands depends on them):
    /// event header and flags 1-2, thread table lookups 3-6, fd lookups 5-8, parent and
    /// ancestor walks, rendering through scap's renderer and path resolution 10-40.
    fn cost(&self, def: &FieldDef) -> u32 {
        let Some(f) = F::from_id(def.id.0) else {
            return 4;
        };
        let n = |a: &FieldArg| match a {
            FieldArg::Index(i) => (*i).clamp(0, 16) as u32,
            _ => 0,
        };
        match f {
            F::EvtNum | F::EvtRawtime | F::EvtRawtimeS | F::EvtRawtimeNs | F::EvtReltime => 1,
            F::EvtDir | F::EvtType | F::SyscallType | F::EvtCpu | F::EvtSource | F::ThreadTid => 1,
            F::EvtCategory | F::EvtIsIo | F::EvtIsIoRead | F::EvtIsIoWrite => 2,
            F::EvtIsOpenRead | F::EvtIsOpenWrite | F::EvtIsOpenExec => 2,
            F::EvtRawres | F::EvtFailed | F::EvtBuflen | F::EvtBuffer | F::EvtRawarg => 3,
            F::EvtArg | F::EvtRes | F::EvtArgs | F::EvtInfo => 30,
            F::EvtTime | F::EvtDatetime => 20,
            F::EvtAbspath | F::FsPathName | F::FsPathSource | F::FsPathTarget => 25,
            F::FsPathNameraw => 4,
            F::ProcCmdline | F::ProcExeline | F::ProcArgs | F::ProcEnv => 6,
            F::ProcPname | F::ProcPexe | F::ProcPexepath | F::ProcPvpid | F::ProcPpid => 6,
            F::ProcPcmdline | F::ProcNthreads | F::ProcFdopencount => 8,
            F::ProcApid | F::ProcAname | F::ProcAexe | F::ProcAexepath | F::ProcAcmdline => {
                if def.arg == FieldArg::None {
                    30
                } else {
                    4 + 3 * n(&def.arg)
                }
            }
            F::ProcAenv | F::ProcLoginshellid | F::ProcSname => 20,
            _ if is_thread_field(f) => 3,
            F::FdName | F::FdContainername | F::FdDirectory | F::FdContainerdirectory => 7,
            F::FdCipName | F::FdSipName | F::FdLipName | F::FdRipName => 12,
            F::FdLip | F::FdRip | F::FdLnet | F::FdRnet | F::FdLport | F::FdRport => 8,
            F::FdIsServer | F::FdUid => 8,
            _ if is_fd_field(f) => 5,
            F::UserUid | F::GroupGid | F::UserLoginuid => 3,
            F::UserName | F::UserHomedir | F::UserShell | F::UserLoginname | F::GroupName => 5,
            F::ContainerId => 3,
            F::ContainerMounts | F::ContainerMountDest => 20,
            _ => 6,
        }
    }
}

fn rawarg_type(arg: &FieldArg) -> FieldType {
    use scap_abi::event::ParamType as P;
    let FieldArg::Name(n) = arg else {
        return FieldType::Int64;
    };
    // The first parameter with that name in the e5c53d64 table decides the type.
    for ei in scap_abi::event::EVENTS_E5C53D64.iter() {
        for p in ei.params {
            if p.name == &**n {
                return match p.ty {
                    P::Charbuf | P::Fspath | P::Fsrelpath => FieldType::Charbuf,
                    P::Bytebuf => FieldType::Bytebuf,
                    P::Uint8
                    | P::Uint16
                    | P::Uint32
                    | P::Flags8
                    | P::Flags16
                    | P::Flags32
                    | P::Uid
                    | P::Gid
                    | P::Mode => FieldType::Uint32,
                    P::Uint64 | P::Reltime | P::Abstime => FieldType::Uint64,
                    P::Port => FieldType::Port,
                    _ => FieldType::Int64,
                };
            }
        }
    }
    FieldType::Int64
}

/// Resolves IP addresses to names offline (`fd.sip.name` & co.). Falco asks live DNS; an
/// offline engine injects a table.
pub trait DnsOracle: std::fmt::Debug {
    /// The name an address is known under, if any (libsinsp's DNS cache lookup).
    fn name_of(&self, ip: IpAddr) -> Option<&str>;
    /// Whether `name` resolves to `ip` (Falco's fallback for `fd.sip.name = NAME` when the
    /// cache has no name for the address: resolve the right-hand side and compare).
    fn resolves_to(&self, name: &str, ip: IpAddr) -> bool {
        self.name_of(ip) == Some(name)
    }
}

/// A fixed address -> name table.
#[derive(Debug, Default, Clone)]
pub struct StaticDns {
    /// (address, name) pairs.
    pub entries: Vec<(IpAddr, String)>,
}

impl DnsOracle for StaticDns {
    fn name_of(&self, ip: IpAddr) -> Option<&str> {
        self.entries
            .iter()
            .find(|(a, _)| *a == ip)
            .map(|(_, n)| n.as_str())
    }
    fn resolves_to(&self, name: &str, ip: IpAddr) -> bool {
        self.entries.iter().any(|(a, n)| *a == ip && n == name)
    }
}

impl StaticDns {
    /// Parses `hosts`-style lines (`ADDRESS NAME [NAME...]`, `#` comments).
    pub fn from_hosts(text: &str) -> StaticDns {
        let mut entries = Vec::new();
        for l in text.lines() {
            let l = l.split('#').next().unwrap_or("");
            let mut it = l.split_whitespace();
            let Some(a) = it.next().and_then(|a| a.parse::<IpAddr>().ok()) else {
                continue;
            };
            for n in it {
                entries.push((a, n.to_string()));
            }
        }
        StaticDns { entries }
    }
}

/// The server address of the current event's socket (for `fd.sip.name` evaluation by the
/// condition engine through [`DnsOracle::resolves_to`]).
pub fn server_ip(c: &Ctx<'_>) -> Option<IpAddr> {
    let (_, f) = fd_ctx(c)?;
    let f = f?;
    match f.ty {
        FdType::Ipv4Sock | FdType::Ipv6Sock if !f.role_none() => Some(ip_of(f.ty, &f.sock.dip)),
        FdType::Ipv4ServSock | FdType::Ipv6ServSock if !f.role_none() => {
            Some(ip_of(f.ty, &f.sock.sip))
        }
        _ => None,
    }
}

/// Per-event field source: the state after [`State::process`] and the same event.
#[derive(Debug)]
pub struct Ctx<'a> {
    /// State.
    pub st: &'a State,
    /// Event.
    pub evt: &'a Evt<'a>,
    /// DNS oracle for `*.name` fields.
    pub dns: Option<&'a dyn DnsOracle>,
    /// Scratch.
    pub tmp: String,
    /// The event's thread, looked up once (`None` until the first field asks).
    thread: Cell<Option<Option<&'a Thread>>>,
    /// The event's thread and fd ([`fd_ctx`]), looked up once.
    fdc: Cell<Option<FdCtx<'a>>>,
}

/// What [`fd_ctx`] finds: `None` when the event has no fd or no thread.
type FdCtx<'a> = Option<(&'a Thread, Option<&'a FdInfo>)>;

impl<'a> Ctx<'a> {
    /// A context for one event.
    pub fn new(st: &'a State, evt: &'a Evt<'a>) -> Ctx<'a> {
        Ctx {
            st,
            evt,
            dns: None,
            tmp: String::new(),
            thread: Cell::new(None),
            fdc: Cell::new(None),
        }
    }

    /// The event's thread (`State::cur_thread`), cached for the event: a rule set asks
    /// for it once per field.
    #[inline]
    pub fn thread(&self) -> Option<&'a Thread> {
        if let Some(t) = self.thread.get() {
            return t;
        }
        let t = self.st.cur_thread();
        self.thread.set(Some(t));
        t
    }
}

impl FieldSource for Ctx<'_> {
    fn extract(&mut self, id: FieldId, arg: &FieldArg, out: &mut Values) -> bool {
        match F::from_id(id.0) {
            Some(f) => extract(self, f, arg, out),
            None => false,
        }
    }
}

/// The state as scap's parameter renderer sees it (fd names, cwd, comms, user names).
struct StateResolver<'a> {
    st: &'a State,
    t: Option<&'a Thread>,
}

impl scap::render::Resolver for StateResolver<'_> {
    fn has_thread(&self) -> bool {
        self.t.is_some()
    }
    fn fd(&self, fdn: i64) -> Option<scap::render::FdName<'_>> {
        let t = self.t?;
        let f = self.st.get_fd(t.tid, fdn)?;
        let l4 = match f.ty {
            FdType::Ipv4Sock | FdType::Ipv6Sock | FdType::Ipv4ServSock | FdType::Ipv6ServSock => {
                match f.l4proto() {
                    fd::l4::TCP => Some(b't'),
                    fd::l4::UDP => Some(b'u'),
                    fd::l4::ICMP => Some(b'i'),
                    fd::l4::RAW => Some(b'r'),
                    _ => None,
                }
            }
            _ => None,
        };
        Some(scap::render::FdName {
            typechar: f.ty.typechar(),
            l4,
            name: &f.name,
        })
    }
    fn cwd(&self) -> &str {
        self.t
            .and_then(|t| std::str::from_utf8(self.st.cwd_of(t)).ok())
            .unwrap_or("")
    }
    fn thread_comm(&self, tid: i64) -> Option<&str> {
        self.st
            .threads
            .get(&tid)
            .and_then(|t| std::str::from_utf8(&t.comm).ok())
    }
    fn user_name(&self, uid: u32) -> Option<&str> {
        self.st.users.get(&uid).map(|u| u.name.as_str())
    }
    fn group_name(&self, gid: u32) -> Option<&str> {
        self.st.groups.get(&gid).map(|g| g.name.as_str())
    }
}

thread_local! {
    static RENDERER: std::cell::RefCell<scap::render::Renderer> = std::cell::RefCell::new(scap::render::Renderer::new());
}

/// Renders with scap's sysdig-compatible parameter renderer; `f` appends to `out`.
fn with_renderer(
    c: &Ctx<'_>,
    out: &mut Values,
    f: impl FnOnce(
        &mut scap::render::Renderer,
        &scap::EventRef<'_>,
        &dyn scap::render::Resolver,
        &mut Vec<u8>,
    ) -> bool,
) -> bool {
    let Ok(ev) = scap::EventRef::parse(c.evt.raw()) else {
        return false;
    };
    let r = StateResolver {
        st: c.st,
        t: c.thread(),
    };
    RENDERER.with(|cell| {
        let Ok(mut rd) = cell.try_borrow_mut() else {
            return false;
        };
        let mut ok = false;
        out.push_with(|v| ok = f(&mut rd, &ev, &r, v));
        ok
    })
}

fn push_blist(v: &mut Vec<u8>, l: &[Box<[u8]>]) {
    for (i, a) in l.iter().enumerate() {
        if i > 0 {
            v.push(b' ');
        }
        v.extend_from_slice(a);
    }
}

fn cmdline(v: &mut Vec<u8>, t: &Thread) {
    v.extend_from_slice(&t.comm);
    for a in t.args.iter() {
        v.push(b' ');
        v.extend_from_slice(a);
    }
}

fn fd_uses(ty: u16) -> bool {
    let fl = crate::state::parse::eflags(ty);
    use scap_abi::event::flags as ef;
    fl & (ef::EF_CREATES_FD | ef::EF_USES_FD | ef::EF_DESTROYS_FD) != 0
}

/// The (thread, fd) pair the fd.* fields read (`extract_fd`).
/// The event's thread and fd (`evt->m_fdinfo`, else the thread's last event fd), cached
/// for the event; `None` when the event type uses no fd or has no thread.
fn fd_ctx<'a>(c: &Ctx<'a>) -> FdCtx<'a> {
    if let Some(r) = c.fdc.get() {
        return r;
    }
    let r = if fd_uses(c.evt.ty) {
        c.thread().map(|t| {
            let mut f = c.st.cur_fd();
            if f.is_none() && t.lastevent_fd != -1 {
                f = c.st.get_fd(t.tid, t.lastevent_fd);
            }
            (t, f)
        })
    } else {
        None
    };
    c.fdc.set(Some(r));
    r
}

fn ip_of(ty: FdType, b: &[u8; 16]) -> IpAddr {
    match ty {
        FdType::Ipv4Sock | FdType::Ipv4ServSock => {
            IpAddr::V4(Ipv4Addr::new(b[0], b[1], b[2], b[3]))
        }
        _ => IpAddr::V6(Ipv6Addr::from(*b)),
    }
}

/// `extract_fdname_from_creator`: the fd name of a failed creating exit.
fn fdname_from_creator(c: &Ctx<'_>, out: &mut String) -> bool {
    let e = c.evt;
    if e.is_enter() {
        return false;
    }
    match e.ty {
        3 | 27 | 57 | 247 | 249 | 59 | 23 => {
            // open, accept (all versions), creat, connect: param 1 rendered.
            render_param_simple(c, 1, out);
            true
        }
        103 | 307 | 327 => {
            let (name, dirfd) = if e.ty == 103 {
                // needs the enter event; libsinsp re-reads it (only possible before cleanup)
                let Some(t) = c.thread() else {
                    return false;
                };
                if !t.lastevent_valid {
                    return false;
                }
                let Some(en) = Evt::parse(&t.lastevent_data, 0, 0, 0) else {
                    return false;
                };
                (
                    en.param(1).unwrap_or(&[]).to_vec(),
                    en.p_i64(0).unwrap_or(-100),
                )
            } else {
                (
                    e.param(2).unwrap_or(&[]).to_vec(),
                    e.p_i64(1).unwrap_or(-100),
                )
            };
            let sdir = dirfd_dir_ro(c, &name, dirfd);
            fd::concatenate_paths(out, &sdir, &name);
            true
        }
        _ => true,
    }
}

fn dirfd_dir_ro(c: &Ctx<'_>, name: &[u8], dirfd: i64) -> Vec<u8> {
    if name.first() == Some(&b'/') {
        return b".".to_vec();
    }
    let Some(t) = c.thread() else {
        return b"<UNKNOWN>".to_vec();
    };
    if dirfd == -100 {
        return c.st.cwd_of(t).to_vec();
    }
    match c.st.get_fd(t.tid, dirfd) {
        None => b"<UNKNOWN>".to_vec(),
        Some(f) => {
            let mut s = f.name.as_bytes().to_vec();
            s.push(b'/');
            s
        }
    }
}

/// Renders parameter `i` as libsinsp's PF_SIMPLE/resolved form would for fd names:
/// sockaddr/socktuple text, or paths resolved against the cwd.
fn render_param_simple(c: &Ctx<'_>, i: usize, out: &mut String) {
    let e = c.evt;
    let Some(info) = scap_abi::event::info_e5c53d64(e.ty).or_else(|| e.info()) else {
        return;
    };
    let Some(pi) = info.params.get(i) else { return };
    let Some(p) = e.param(i) else { return };
    use scap_abi::event::ParamType as P;
    match pi.ty {
        P::Sockaddr => fd::render_sockaddr(p, out),
        P::Socktuple => fd::render_socktuple(p, out),
        P::Fspath => {
            // resolved form when relative, else the plain string
            let s = cstr(p);
            if let Some(t) = c.thread() {
                if !s.is_empty() && s[0] != b'/' {
                    fd::concatenate_paths(out, c.st.cwd_of(t), s);
                    return;
                }
            }
            fd::push_sanitized(out, s);
        }
        _ => fd::push_sanitized(out, cstr(p)),
    }
}

fn typechar_from_evt(ty: u16) -> u8 {
    let en = ty & !1;
    let name = scap_abi::event::info_e5c53d64(en)
        .map(|i| i.name)
        .unwrap_or("");
    match name {
        "open" | "openat" | "openat2" | "creat" => b'f',
        "socket" | "accept" => b'4',
        "pipe" => b'p',
        "eventfd" => b'e',
        "signalfd" => b's',
        "timerfd_create" => b't',
        "inotify_init" => b'i',
        _ => b'o',
    }
}

/// `evt.type` of a non-generic event code (generic events, codes 0 and 1, name their
/// syscall in a parameter).
fn event_type_name(code: u16) -> &'static str {
    scap_abi::event::info_e5c53d64(code)
        .or_else(|| scap_abi::event::info(code))
        .map(|i| i.name)
        .unwrap_or("<unknown>")
}

/// The value of a field on every event of code `code`, when the code alone decides it
/// (`evt.type`/`syscall.type` of non-generic events): pushes it into `out` and returns
/// `Some(has_value)`; `None` when the value depends on the event. Used to specialise
/// rule programs per event code ([`engine_filter::Program::specialize`]); must agree
/// with [`extract`].
pub fn static_value(code: u16, id: FieldId, arg: &FieldArg, out: &mut Values) -> Option<bool> {
    match F::from_id(id.0)? {
        F::EvtType | F::SyscallType if code > 1 && *arg == FieldArg::None => {
            out.push_str(event_type_name(code));
            Some(true)
        }
        _ => None,
    }
}

/// Extracts field `f` into `out`. Returns false when the field has no value.
pub fn extract(c: &mut Ctx<'_>, f: F, arg: &FieldArg, out: &mut Values) -> bool {
    let e = c.evt;
    let st = c.st;
    match f {
        F::EvtNum => {
            out.push_u64(e.num);
            true
        }
        F::EvtTime | F::EvtDatetime => {
            // Local time, as sysdig and Falco (localtime_r); no allocation.
            let (y, m, d, hh, mm, ss, ns) = crate::output::LocalZone::system().parts(e.ts);
            out.push_with(|v| {
                if f == F::EvtDatetime {
                    let _ = std::io::Write::write_fmt(v, format_args!("{y:04}-{m:02}-{d:02} "));
                }
                let _ =
                    std::io::Write::write_fmt(v, format_args!("{hh:02}:{mm:02}:{ss:02}.{ns:09}"));
            });
            true
        }
        F::EvtRawtime => {
            out.push_u64(e.ts);
            true
        }
        F::EvtRawtimeS => {
            out.push_u64(e.ts / 1_000_000_000);
            true
        }
        F::EvtRawtimeNs => {
            out.push_u64(e.ts % 1_000_000_000);
            true
        }
        F::EvtReltime => {
            out.push_u64(e.ts.saturating_sub(st.first_ts));
            true
        }
        F::EvtDir => {
            out.push_str(if e.is_enter() { ">" } else { "<" });
            true
        }
        F::EvtType | F::SyscallType => {
            if e.ty <= 1 {
                let code = e.p_u64(0).unwrap_or(0) as u16;
                out.push_str(scap_abi::event::ppm_sc_name(code).unwrap_or("<unknown>"));
            } else {
                out.push_str(event_type_name(e.ty));
            }
            true
        }
        F::EvtCategory => {
            let cat = scap_abi::event::info_e5c53d64(e.ty)
                .map(|i| i.category)
                .unwrap_or(0);
            out.push_str(category_name(cat));
            true
        }
        F::EvtCpu => {
            out.push_i64(e.cpu as i64);
            true
        }
        F::EvtSource => {
            out.push_str("syscall");
            true
        }
        F::EvtArgs | F::EvtInfo => with_renderer(c, out, |rd, ev, r, v| {
            rd.args(ev, r, v);
            true
        }),
        F::EvtArg | F::EvtRawarg => {
            let Some(i) = param_index(e, arg) else {
                return false;
            };
            let Some(p) = e.param(i) else { return false };
            if f == F::EvtRawarg {
                let info = scap_abi::event::info_e5c53d64(e.ty).or_else(|| e.info());
                let pt = info.and_then(|x| x.params.get(i)).map(|p| p.ty);
                use scap_abi::event::ParamType as P;
                match pt {
                    Some(P::Charbuf | P::Fspath | P::Fsrelpath) => out.push_bytes(cstr(p)),
                    Some(P::Bytebuf) => out.push_bytes(p),
                    Some(P::Int8 | P::Int16 | P::Int32 | P::Int64 | P::Errno | P::Fd | P::Pid) => {
                        out.push_i64(e.p_i64(i).unwrap_or(0))
                    }
                    _ => match e.p_u64(i) {
                        Some(v) => out.push_u64(v),
                        None => out.push_bytes(p),
                    },
                }
                return true;
            }
            let _ = p;
            with_renderer(c, out, |rd, ev, r, v| rd.arg_at(ev, i, r, v))
        }
        F::EvtBuffer | F::EvtBuflen => {
            let idx = match e.ty {
                7 | 9 | 29 | 31 | 33 | 35 | 49 | 113 | 115 => 1,
                117 | 121 | 53 => 2,
                119 | 123 => 1,
                _ => return false,
            };
            let Some(p) = e.param(idx) else { return false };
            if f == F::EvtBuffer {
                out.push_bytes(p);
            } else {
                out.push_u64(p.len() as u64);
            }
            true
        }
        F::EvtFailed => {
            let info = scap_abi::event::info_e5c53d64(e.ty).or_else(|| e.info());
            let idx = |n: &str| info.and_then(|i| i.params.iter().position(|p| p.name == n));
            let fl = crate::state::parse::eflags(e.ty);
            let failed = if let Some(i) = idx("res") {
                e.p_i64(i).map(|v| v < 0).unwrap_or(false)
            } else if fl & scap_abi::event::flags::EF_CREATES_FD != 0 && !e.is_enter() {
                idx("fd")
                    .and_then(|i| e.p_i64(i))
                    .map(|v| v < 0)
                    .unwrap_or(false)
            } else {
                false
            };
            out.push_bool(failed);
            true
        }
        F::EvtRes => with_renderer(c, out, |rd, ev, r, v| rd.res(ev, r, v)),
        F::EvtRawres => {
            if e.is_enter() {
                return false;
            }
            let info = scap_abi::event::info_e5c53d64(e.ty).or_else(|| e.info());
            let first = info.and_then(|i| i.params.first());
            let Some(first) = first else { return false };
            if !(first.name == "res" || first.name == "fd") {
                return false;
            }
            let Some(res) = e.p_i64(0) else { return false };
            match f {
                F::EvtRawres => out.push_i64(res),
                _ => {
                    if res >= 0 {
                        out.push_str("SUCCESS");
                    } else {
                        out.push_str(errno_name(-res));
                    }
                }
            }
            true
        }
        F::EvtIsIo | F::EvtIsIoRead | F::EvtIsIoWrite => {
            use scap_abi::event::flags as ef;
            let fl = crate::state::parse::eflags(e.ty);
            let v = match f {
                F::EvtIsIo => fl & (ef::EF_READS_FROM_FD | ef::EF_WRITES_TO_FD) != 0,
                F::EvtIsIoRead => fl & ef::EF_READS_FROM_FD != 0,
                _ => fl & ef::EF_WRITES_TO_FD != 0,
            };
            out.push_bool(v);
            true
        }
        F::EvtIsOpenRead | F::EvtIsOpenWrite | F::EvtIsOpenExec => {
            let flags_idx = match e.ty {
                3 => Some(2),
                307 | 327 => Some(3),
                103 => None,
                _ => {
                    out.push_bool(false);
                    return true;
                }
            };
            let flags = match flags_idx {
                Some(i) => e.p_u32(i).unwrap_or(0),
                None => 0,
            };
            let v = match f {
                F::EvtIsOpenRead => flags & 1 != 0,
                F::EvtIsOpenWrite => flags & 2 != 0,
                _ => {
                    let mode_idx = if e.ty == 3 { 3 } else { 4 };
                    flags & 4 != 0 && e.p_u32(mode_idx).unwrap_or(0) & 0o111 != 0
                }
            };
            out.push_bool(v);
            true
        }
        F::EvtAbspath | F::FsPathName | F::FsPathNameraw | F::FsPathSource | F::FsPathTarget => {
            fs_path(c, f, out)
        }
        // ---------------- proc / thread
        F::ThreadTid => {
            out.push_i64(e.tid);
            true
        }
        _ if is_thread_field(f) => {
            let Some(t) = c.thread() else {
                return false;
            };
            proc_field(c, t, f, arg, out)
        }
        // ---------------- fd
        _ if is_fd_field(f) => fd_field(c, f, out),
        // ---------------- user / group
        F::UserUid
        | F::UserName
        | F::UserHomedir
        | F::UserShell
        | F::UserLoginuid
        | F::UserLoginname => {
            let Some(t) = c.thread() else {
                return false;
            };
            match f {
                F::UserUid => {
                    out.push_u64(t.uid as u64);
                    true
                }
                F::UserLoginuid => {
                    out.push_i64(t.loginuid as i32 as i64);
                    true
                }
                F::UserLoginname => match st.users.get(&t.loginuid) {
                    Some(u) => {
                        out.push_str(&u.name);
                        true
                    }
                    None => false,
                },
                _ => match st.users.get(&t.uid) {
                    Some(u) => {
                        out.push_str(match f {
                            F::UserName => &u.name,
                            F::UserHomedir => &u.homedir,
                            _ => &u.shell,
                        });
                        true
                    }
                    None => false,
                },
            }
        }
        F::GroupGid | F::GroupName => {
            let Some(t) = c.thread() else {
                return false;
            };
            if f == F::GroupGid {
                out.push_u64(t.gid as u64);
                return true;
            }
            match st.groups.get(&t.gid) {
                Some(g) => {
                    out.push_str(&g.name);
                    true
                }
                None => false,
            }
        }
        // ---------------- container / k8s
        _ => container_field(c, f, arg, out),
    }
}

fn is_thread_field(f: F) -> bool {
    (f as u32) >= F::ProcPid as u32 && (f as u32) <= F::ThreadCapInheritable as u32
}

fn is_fd_field(f: F) -> bool {
    (f as u32) >= F::FdNum as u32 && (f as u32) <= F::FdIno as u32
}

fn ancestors<'a>(st: &'a State, t: &'a Thread) -> Option<&'a Thread> {
    st.main_thread(t)
}

fn proc_field(c: &mut Ctx<'_>, t: &Thread, f: F, arg: &FieldArg, out: &mut Values) -> bool {
    let st = c.st;
    match f {
        F::ProcPid => out.push_i64(t.pid),
        F::ProcExe => out.push_bytes(&t.exe),
        F::ProcName => out.push_bytes(&t.comm),
        F::ProcArgs => match arg {
            FieldArg::Index(i) => match t.args.get(*i as usize) {
                Some(a) => out.push_bytes(a),
                None => return false,
            },
            _ => out.push_with(|v| push_blist(v, &t.args)),
        },
        F::ProcEnv => {
            let m = st.main_thread(t).unwrap_or(t);
            match arg {
                FieldArg::Name(n) => match env_get(&m.env, n) {
                    Some(v) => out.push_bytes(v),
                    None => return false,
                },
                _ => out.push_with(|v| push_blist(v, &m.env)),
            }
        }
        F::ProcAenv => {
            let FieldArg::Name(n) = arg else {
                let m = st.main_thread(t).unwrap_or(t);
                out.push_with(|v| push_blist(v, &m.env));
                return true;
            };
            let mut cur = st.main_thread(t);
            let mut depth = 0;
            while let Some(m) = cur {
                if let Some(v) = env_get(&m.env, n) {
                    out.push_bytes(v);
                    return true;
                }
                depth += 1;
                if depth > 20 || m.ptid == -1 {
                    break;
                }
                cur = st.threads.get(&m.ptid);
            }
            return false;
        }
        F::ProcCmdline => out.push_with(|v| cmdline(v, t)),
        F::ProcExeline => out.push_with(|v| {
            v.extend_from_slice(&t.exe);
            v.push(b' ');
            push_blist(v, &t.args);
        }),
        F::ProcExepath => out.push_bytes(&t.exepath),
        F::ProcCwd => out.push_bytes(st.cwd_of(t)),
        F::ProcNthreads => match st.main_thread(t) {
            Some(m) => out.push_u64(m.nchilds + 1),
            None => return false,
        },
        F::ProcNchilds => out.push_u64(t.nchilds),
        F::ProcPpid => match st.main_thread(t) {
            Some(m) => out.push_i64(m.ptid),
            None => return false,
        },
        F::ProcPname | F::ProcPcmdline | F::ProcPexe | F::ProcPexepath | F::ProcPvpid => {
            let Some(p) = st.threads.get(&t.ptid) else {
                return false;
            };
            match f {
                F::ProcPname => out.push_bytes(&p.comm),
                F::ProcPcmdline => out.push_with(|v| cmdline(v, p)),
                F::ProcPexe => out.push_bytes(&p.exe),
                F::ProcPvpid => out.push_i64(p.vpid),
                _ => out.push_bytes(&p.exepath),
            }
        }
        F::ProcApid | F::ProcAname | F::ProcAexe | F::ProcAexepath | F::ProcAcmdline => {
            let Some(mut mt) = ancestors(st, t) else {
                return false;
            };
            let push = |out: &mut Values, m: &Thread| match f {
                F::ProcApid => out.push_i64(m.pid),
                F::ProcAname => out.push_bytes(&m.comm),
                F::ProcAexe => out.push_bytes(&m.exe),
                F::ProcAexepath => out.push_bytes(&m.exepath),
                _ => out.push_with(|v| cmdline(v, m)),
            };
            match arg {
                FieldArg::Index(n) => {
                    for _ in 0..*n {
                        match st.threads.get(&mt.ptid) {
                            Some(p) => mt = p,
                            None => return false,
                        }
                    }
                    push(out, mt);
                }
                _ => {
                    // Every ancestor, from the parent up (loop-safe).
                    let mut seen = 0;
                    let mut cur = st.threads.get(&mt.ptid);
                    while let Some(p) = cur {
                        push(out, p);
                        seen += 1;
                        if seen > 256 || p.ptid == -1 || p.ptid == p.tid {
                            break;
                        }
                        cur = st.threads.get(&p.ptid);
                    }
                    if seen == 0 {
                        return false;
                    }
                }
            }
        }
        F::ProcLoginshellid => {
            let Some(mt) = st.main_thread(t) else {
                return false;
            };
            let mut res = None;
            let mut cur = Some(mt);
            let mut n = 0;
            while let Some(p) = cur {
                if p.comm.len() >= 2 && p.comm.ends_with(b"sh") {
                    res = Some(p.pid);
                }
                n += 1;
                if n > 256 || p.ptid == -1 {
                    break;
                }
                cur = st.threads.get(&p.ptid);
            }
            match res {
                Some(p) => out.push_i64(p),
                None => return false,
            }
        }
        F::ProcDuration => {
            if t.clone_ts == 0 {
                return false;
            }
            out.push_u64(c.evt.ts.saturating_sub(t.clone_ts));
        }
        F::ProcFdopencount => {
            let n = st
                .fd_owner(t.tid)
                .and_then(|o| st.threads.get(&o))
                .map(|o| o.fds.len())
                .unwrap_or(0);
            out.push_u64(n as u64)
        }
        F::ProcFdlimit => out.push_i64(st.main_thread(t).map(|m| m.fdlimit).unwrap_or(t.fdlimit)),
        F::ProcVmsize => out.push_u64(t.vmsize_kb as u64),
        F::ProcVmrss => out.push_u64(t.vmrss_kb as u64),
        F::ProcVmswap => out.push_u64(t.vmswap_kb as u64),
        F::ProcSid => out.push_i64(t.sid),
        F::ProcSname => {
            if let Some(s) = st.threads.get(&t.sid) {
                out.push_bytes(&s.comm);
            } else {
                let Some(mut mt) = st.main_thread(t) else {
                    return false;
                };
                let sid = mt.sid;
                let mut n = 0;
                while let Some(p) = st.threads.get(&mt.ptid) {
                    if p.sid != sid || n > 256 {
                        break;
                    }
                    mt = p;
                    n += 1;
                }
                out.push_bytes(&mt.comm);
            }
        }
        F::ProcVpgid => out.push_i64(t.vpgid),
        F::ProcTty => out.push_u64(t.tty as u64),
        F::ProcVpid => {
            if t.vpid == -1 {
                return false;
            }
            out.push_i64(t.vpid)
        }
        F::ProcIsExeWritable => out.push_bool(t.exe_writable),
        F::ProcIsExeUpperLayer | F::ProcIsExeFromMemfd | F::ProcIsContainerHealthcheck => {
            out.push_bool(false)
        }
        F::ProcIsVpgidLeader => out.push_bool(t.vpgid != 0 && t.vpid == t.vpgid),
        F::ThreadVtid => {
            if t.vtid == -1 {
                return false;
            }
            out.push_i64(t.vtid)
        }
        F::ThreadIsmain => out.push_bool(t.is_main()),
        F::ThreadCapEffective | F::ThreadCapPermitted | F::ThreadCapInheritable => return false,
        _ => return false,
    }
    true
}

fn env_get<'a>(env: &'a [Box<[u8]>], name: &str) -> Option<&'a [u8]> {
    for kv in env {
        if kv.len() > name.len() && kv.starts_with(name.as_bytes()) && kv[name.len()] == b'=' {
            return Some(&kv[name.len() + 1..]);
        }
    }
    None
}

fn fd_field(c: &mut Ctx<'_>, f: F, out: &mut Values) -> bool {
    let st = c.st;
    let e = c.evt;
    if f == F::FdNum {
        // Only the thread is needed (no fd lookup).
        if !fd_uses(e.ty) {
            return false;
        }
        let Some(t) = c.thread() else {
            return false;
        };
        out.push_i64(t.lastevent_fd);
        return true;
    }
    let Some((t, fdi)) = fd_ctx(c) else {
        return false;
    };
    let Some(fdi) = fdi else {
        // extract_from_null_fd
        let mut s = std::mem::take(&mut c.tmp);
        s.clear();
        let r = match f {
            F::FdName | F::FdContainername if fdname_from_creator(c, &mut s) => {
                if f == F::FdContainername {
                    out.push_with(|v| {
                        v.extend_from_slice(&t.container_id);
                        v.push(b':');
                        v.extend_from_slice(s.as_bytes());
                    });
                } else {
                    out.push_str(&s);
                }
                true
            }
            F::FdDirectory | F::FdContainerdirectory if fdname_from_creator(c, &mut s) => {
                match s.rfind('/') {
                    Some(p) if p != 0 => {
                        if p < s.len() - 1 {
                            s.truncate(p);
                        }
                    }
                    _ => {
                        s.clear();
                        s.push('/');
                    }
                }
                out.push_str(&s);
                true
            }
            F::FdFilename => {
                if !matches!(e.ty, 2 | 102 | 306 | 326 | 58) {
                    false
                } else if fdname_from_creator(c, &mut s) {
                    out.push_str(&s);
                    true
                } else {
                    false
                }
            }
            F::FdTypechar => {
                let ch = typechar_from_evt(e.ty);
                out.push_bytes(&[ch]);
                true
            }
            _ => false,
        };
        c.tmp = s;
        return r;
    };
    let ty = fdi.ty;
    let s = &fdi.sock;
    let is_sock = matches!(ty, FdType::Ipv4Sock | FdType::Ipv6Sock);
    match f {
        F::FdName | F::FdContainername => {
            if e.ty == 23 && e.p_i64(0).unwrap_or(0) < 0 {
                let mut st = String::new();
                fdname_from_creator(c, &mut st);
                out.push_str(&st);
                return true;
            }
            if f == F::FdContainername {
                out.push_with(|v| {
                    v.extend_from_slice(&t.container_id);
                    v.push(b':');
                    fd::push_sanitized_bytes(v, fdi.name.as_bytes());
                });
            } else {
                out.push_with(|v| fd::push_sanitized_bytes(v, fdi.name.as_bytes()));
            }
        }
        // nameraw is stored only when it differs from the resolved name.
        F::FdNameraw => out.push_str(if fdi.nameraw.is_empty() {
            &fdi.name
        } else {
            &fdi.nameraw
        }),
        F::FdType_ => out.push_str(ty.typestr()),
        F::FdTypechar => out.push_bytes(&[ty.typechar()]),
        F::FdDirectory | F::FdContainerdirectory => {
            if !(ty.is_file() || ty == FdType::Directory) {
                return false;
            }
            let mut n = fdi.name.as_bytes();
            if ty.is_file() {
                match last_slash(n) {
                    Some(p) if p != 0 => {
                        if p < n.len() - 1 {
                            n = &n[..p];
                        }
                    }
                    _ => n = b"/",
                }
            }
            if f == F::FdContainerdirectory {
                out.push_with(|v| {
                    v.extend_from_slice(&t.container_id);
                    v.push(b':');
                    v.extend_from_slice(n);
                });
            } else {
                out.push_bytes(n);
            }
        }
        F::FdFilename => {
            if !ty.is_file() {
                return false;
            }
            let n = fdi.name.as_bytes();
            match last_slash(n) {
                Some(p) if p < n.len() - 1 => out.push_bytes(&n[p + 1..]),
                Some(_) => out.push_bytes(n),
                None => out.push_str("/"),
            }
        }
        F::FdCip | F::FdCnet => {
            if fdi.role_none() || !is_sock {
                return false;
            }
            push_ip(out, f, ip_of(ty, &s.sip));
        }
        F::FdSip | F::FdSnet => match ty {
            FdType::Ipv4Sock | FdType::Ipv6Sock => {
                if fdi.role_none() {
                    return false;
                }
                push_ip(out, f, ip_of(ty, &s.dip));
            }
            FdType::Ipv4ServSock | FdType::Ipv6ServSock => {
                if fdi.role_none() {
                    return false;
                }
                push_ip(out, f, ip_of(ty, &s.sip));
            }
            _ => return false,
        },
        F::FdIp | F::FdNet => match ty {
            FdType::Ipv4Sock | FdType::Ipv6Sock => {
                push_ip(out, f, ip_of(ty, &s.sip));
                push_ip(out, f, ip_of(ty, &s.dip));
            }
            FdType::Ipv4ServSock | FdType::Ipv6ServSock => push_ip(out, f, ip_of(ty, &s.sip)),
            _ => return false,
        },
        F::FdLip | F::FdRip | F::FdLnet | F::FdRnet | F::FdLipName | F::FdRipName => {
            if !is_sock || fdi.role_none() {
                return false;
            }
            let local = if ty == FdType::Ipv4Sock {
                st.is_local_v4(&s.sip, t)
            } else {
                st.is_local_v6(&s.sip, t)
            };
            let (l, r) = if local {
                (s.sip, s.dip)
            } else {
                (s.dip, s.sip)
            };
            let want_local = matches!(f, F::FdLip | F::FdLnet | F::FdLipName);
            let ip = ip_of(ty, if want_local { &l } else { &r });
            if matches!(f, F::FdLipName | F::FdRipName) {
                let Some(n) = c.dns.and_then(|d| d.name_of(ip)) else {
                    return false;
                };
                out.push_str(n);
            } else {
                push_ip(out, f, ip);
            }
        }
        F::FdCipName | F::FdSipName => {
            if !is_sock || fdi.role_none() {
                return false;
            }
            // libsinsp quirk: both look up the server address slot in current libs; in
            // 0.29.3 cip uses the source. We follow 0.29.3.
            let ip = ip_of(ty, if f == F::FdCipName { &s.sip } else { &s.dip });
            let Some(n) = c.dns.and_then(|d| d.name_of(ip)) else {
                return false;
            };
            out.push_str(n);
        }
        F::FdPort => match ty {
            FdType::Ipv4Sock | FdType::Ipv6Sock => {
                out.push_u64(s.sport as u64);
                out.push_u64(s.dport as u64);
            }
            FdType::Ipv4ServSock | FdType::Ipv6ServSock => out.push_u64(s.sport as u64),
            _ => return false,
        },
        F::FdCport => {
            if fdi.role_none() {
                return false;
            }
            if is_sock {
                out.push_u64(s.sport as u64);
            } else {
                // libsinsp falls through to the client-protocol string, rendered as a
                // port: 0.
                out.push_u64(0);
            }
        }
        F::FdSport => match ty {
            FdType::Ipv4Sock | FdType::Ipv6Sock => {
                if fdi.role_none() {
                    return false;
                }
                out.push_u64(s.dport as u64);
            }
            FdType::Ipv4ServSock | FdType::Ipv6ServSock => out.push_u64(s.sport as u64),
            _ => return false,
        },
        F::FdLport | F::FdRport => {
            if !is_sock || fdi.role_none() {
                return false;
            }
            let local = if ty == FdType::Ipv4Sock {
                st.is_local_v4(&s.sip, t)
            } else {
                st.is_local_v6(&s.sip, t)
            };
            let (l, r) = if local {
                (s.sport, s.dport)
            } else {
                (s.dport, s.sport)
            };
            out.push_u64(if f == F::FdLport { l } else { r } as u64);
        }
        F::FdL4proto => {
            let p = fdi.l4proto();
            out.push_str(match p {
                fd::l4::TCP => "tcp",
                fd::l4::UDP => "udp",
                fd::l4::ICMP => "icmp",
                fd::l4::RAW => "raw",
                _ => "<NA>",
            });
        }
        F::FdSockfamily => match ty {
            FdType::Ipv4Sock | FdType::Ipv6Sock | FdType::Ipv4ServSock | FdType::Ipv6ServSock => {
                out.push_str("ip")
            }
            FdType::UnixSock => out.push_str("unix"),
            _ => return false,
        },
        F::FdIsServer => out.push_bool(match ty {
            FdType::Ipv4ServSock | FdType::Ipv6ServSock => true,
            FdType::Ipv4Sock => st.is_local_v4(&s.dip, t),
            FdType::Ipv6Sock => st.is_local_v6(&s.dip, t),
            _ => false,
        }),
        F::FdUid => out.push_with(|v| {
            let _ = std::io::Write::write_fmt(v, format_args!("{}{}", t.tid, t.lastevent_fd));
        }),
        F::FdConnected => out.push_bool(fdi.flags & fd::role::CONNECTED != 0),
        F::FdNameChanged => out.push_bool(c.st.fd_name_changed()),
        F::FdDev => out.push_i64(fdi.dev as i32 as i64),
        F::FdDevMajor => out.push_i64(((fdi.dev >> 20) & 0xfff) as i64),
        F::FdDevMinor => out.push_i64((fdi.dev & 0xfffff) as i64),
        F::FdIno => out.push_i64(fdi.ino as i64),
        _ => return false,
    }
    true
}

/// Index of the last `/` (scanning from the end: file names are short).
fn last_slash(b: &[u8]) -> Option<usize> {
    b.iter().rposition(|&c| c == b'/')
}

fn push_ip(out: &mut Values, f: F, ip: IpAddr) {
    if matches!(f, F::FdNet | F::FdCnet | F::FdSnet | F::FdLnet | F::FdRnet) {
        let pl = if ip.is_ipv4() { 32 } else { 128 };
        out.push_net(ip, pl);
    } else {
        out.push_ip(ip);
    }
}

fn container_field(c: &mut Ctx<'_>, f: F, arg: &FieldArg, out: &mut Values) -> bool {
    let st = c.st;
    let Some(t) = c.thread() else {
        return false;
    };
    let host = t.container_id.is_empty();
    if f == F::ContainerId {
        // The most used container field needs no container record.
        if host {
            out.push_str("host");
        } else {
            out.push_bytes(&t.container_id);
        }
        return true;
    }
    let ci = st.container_of(t);
    let s: Option<&str> = match f {
        F::ContainerName => {
            if host {
                Some("host")
            } else {
                ci.map(|c| c.name.as_str()).filter(|s| !s.is_empty())
            }
        }
        F::ContainerType => {
            if host {
                Some("host")
            } else {
                ci.map(|c| c.type_name())
            }
        }
        F::ContainerFullId => ci.map(|c| c.full_id.as_str()).filter(|s| !s.is_empty()),
        F::ContainerImage => ci.map(|c| c.image.as_str()).filter(|s| !s.is_empty()),
        F::ContainerImageId => ci.map(|c| c.imageid.as_str()).filter(|s| !s.is_empty()),
        F::ContainerImageRepository => ci.map(|c| c.imagerepo.as_str()).filter(|s| !s.is_empty()),
        F::ContainerImageTag => ci.map(|c| c.imagetag.as_str()).filter(|s| !s.is_empty()),
        F::ContainerImageDigest => ci.map(|c| c.imagedigest.as_str()).filter(|s| !s.is_empty()),
        F::ContainerPrivileged => {
            let Some(p) = ci.and_then(|c| c.privileged) else {
                return false;
            };
            out.push_bool(p);
            return true;
        }
        F::ContainerStartTs => {
            let Some(c) = ci else { return false };
            out.push_u64((c.created_time as u64).saturating_mul(1_000_000_000));
            return true;
        }
        F::ContainerMounts => {
            let Some(c) = ci else { return false };
            let mut s = String::new();
            for (i, m) in c.mounts.iter().enumerate() {
                if i > 0 {
                    s.push(',');
                }
                let _ = write!(s, "{}:{}:{}:{}:{}", m.0, m.1, m.2, m.3, m.4);
            }
            out.push_str(&s);
            return true;
        }
        F::ContainerMountDest => {
            let Some(c) = ci else { return false };
            let FieldArg::Name(d) = arg else { return false };
            match c
                .mounts
                .iter()
                .find(|m| glob_match(d.as_bytes(), m.1.as_bytes()))
            {
                Some(m) => Some(m.0.as_str()),
                None => None,
            }
        }
        F::K8sNsName => ci.and_then(|c| c.label("io.kubernetes.pod.namespace")),
        F::K8sPodName => ci.and_then(|c| c.label("io.kubernetes.pod.name")),
        F::K8sPodId => ci.and_then(|c| c.label("io.kubernetes.pod.uid")),
        F::K8sPodLabel => {
            let FieldArg::Name(k) = arg else { return false };
            ci.and_then(|c| c.label(k))
        }
        _ => None,
    };
    match s {
        Some(s) => {
            out.push_str(s);
            true
        }
        None => false,
    }
}

/// Minimal glob (`*`, `?`) over bytes.
pub fn glob_match(p: &[u8], s: &[u8]) -> bool {
    let (mut pi, mut si, mut star, mut mark) = (0usize, 0usize, None::<usize>, 0usize);
    while si < s.len() {
        if pi < p.len() && (p[pi] == b'?' || p[pi] == s[si]) {
            pi += 1;
            si += 1;
        } else if pi < p.len() && p[pi] == b'*' {
            star = Some(pi);
            mark = si;
            pi += 1;
        } else if let Some(st) = star {
            pi = st + 1;
            mark += 1;
            si = mark;
        } else {
            return false;
        }
    }
    while pi < p.len() && p[pi] == b'*' {
        pi += 1;
    }
    pi == p.len()
}

fn fs_path(c: &mut Ctx<'_>, f: F, out: &mut Values) -> bool {
    let e = c.evt;
    if e.is_enter() {
        return false;
    }
    // (path param, dirfd param) for the file-system events.
    let (pi, di): (usize, Option<usize>) = match e.ty {
        3 | 59 => (1, None),
        307 | 327 => (2, Some(1)),
        301 | 277 | 279 | 315 | 267 => (1, None),
        303 | 305 | 313 => (2, Some(1)),
        175 | 309 => (if f == F::FsPathTarget { 2 } else { 1 }, None),
        177 | 319 | 311 => (
            if f == F::FsPathTarget { 4 } else { 2 },
            Some(if f == F::FsPathTarget { 3 } else { 1 }),
        ),
        179 => (if f == F::FsPathSource { 1 } else { 2 }, None),
        181 => (if f == F::FsPathSource { 1 } else { 3 }, Some(2)),
        _ => return false,
    };
    let Some(raw) = e.param(pi) else { return false };
    let raw = cstr(raw);
    if f == F::FsPathNameraw {
        out.push_bytes(raw);
        return true;
    }
    if matches!(f, F::FsPathSource | F::FsPathTarget)
        && !matches!(e.ty, 175 | 177 | 319 | 309 | 311 | 179 | 181)
    {
        return false;
    }
    let dirfd = di.and_then(|d| e.p_i64(d)).unwrap_or(-100);
    let dir = dirfd_dir_ro(c, raw, dirfd);
    let mut s = String::new();
    fd::concatenate_paths(&mut s, &dir, raw);
    out.push_str(&s);
    true
}

fn param_index(e: &Evt<'_>, arg: &FieldArg) -> Option<usize> {
    match arg {
        FieldArg::Index(i) => usize::try_from(*i).ok(),
        FieldArg::Name(n) => {
            let info = scap_abi::event::info_e5c53d64(e.ty).or_else(|| e.info())?;
            info.params.iter().position(|p| p.name == &**n)
        }
        FieldArg::None => None,
    }
}

fn category_name(c: u32) -> &'static str {
    match c & 0xff {
        1 => "other",
        2 => "file",
        3 => "net",
        4 => "ipc",
        5 => "memory",
        6 => "process",
        7 => "sleep",
        8 => "system",
        9 => "signal",
        10 => "user",
        11 => "time",
        12 => "processing",
        32..=34 => "file",
        64 => "wait",
        128 => "scheduler",
        _ => {
            if c & 256 != 0 {
                "internal"
            } else {
                "unknown"
            }
        }
    }
}

/// Errno names as `evt.res` renders them (Linux x86_64): the names of
/// [`scap_abi::flags::errno_name`] (the one errno table; `evt.args` uses it as is) for
/// codes up to `ESTALE` (116) and the kernel-internal 512..=516, `SUCCESS` for 0, `E41` and
/// `E58` for the two unassigned codes below 116, and `E?` for the rest.
pub fn errno_name(e: i64) -> &'static str {
    match e {
        0 => "SUCCESS",
        41 => "E41",
        58 => "E58",
        1..=116 | 512..=516 => scap_abi::flags::errno_name(e as u32).unwrap_or("E?"),
        _ => "E?",
    }
}

/// Appends the text rendering of extracted values (sysdig's output conventions; several
/// values are joined by spaces, as Falco renders ancestor lists).
pub fn render_values(vals: &Values, out: &mut Vec<u8>) {
    for (i, v) in vals.iter().enumerate() {
        if i > 0 {
            out.push(b' ');
        }
        match v {
            Value::I64(x) => {
                let _ = std::io::Write::write_fmt(out, format_args!("{x}"));
            }
            Value::U64(x) => {
                let _ = std::io::Write::write_fmt(out, format_args!("{x}"));
            }
            Value::Bool(b) => out.extend_from_slice(if b { b"true" } else { b"false" }),
            Value::Ip(ip) => {
                let mut s = String::new();
                match ip {
                    IpAddr::V4(a) => fd::push_ipv4(&mut s, &a.octets()),
                    IpAddr::V6(a) => fd::push_ipv6(&mut s, &a.octets()),
                }
                out.extend_from_slice(s.as_bytes());
            }
            Value::Net(ip, p) => {
                let _ = std::io::Write::write_fmt(out, format_args!("{ip}/{p}"));
            }
            Value::Bytes(b) => out.extend_from_slice(b),
        }
    }
}

/// A compiled output format: literal text and `%field` references.
#[derive(Debug, Clone)]
pub struct Format {
    parts: Vec<Part>,
    /// sysdig prints a line only when every field has a value, unless the format starts
    /// with `*`.
    pub all_required: bool,
}

#[derive(Debug, Clone)]
enum Part {
    Lit(Vec<u8>),
    Field(FieldDef),
}

impl Format {
    /// Compiles `%field` / `%field[arg]` / `%evt.arg.name` references; unknown fields are
    /// an error naming the field.
    pub fn compile(fmt: &str) -> Result<Format, String> {
        let (all_required, body) = match fmt.strip_prefix('*') {
            Some(rest) => (false, rest),
            None => (true, fmt),
        };
        let b = body.as_bytes();
        let mut parts = Vec::new();
        let mut lit = Vec::new();
        let mut i = 0;
        while i < b.len() {
            if b[i] == b'%'
                && i + 1 < b.len()
                && (b[i + 1].is_ascii_alphabetic() || b[i + 1] == b'{')
            {
                let braced = b[i + 1] == b'{';
                let mut j = if braced { i + 2 } else { i + 1 };
                let start = j;
                while j < b.len() && (b[j].is_ascii_alphanumeric() || matches!(b[j], b'.' | b'_')) {
                    j += 1;
                }
                let mut name = &body[start..j];
                let mut arg = None;
                if j < b.len() && b[j] == b'[' {
                    if let Some(k) = body[j..].find(']') {
                        arg = Some(&body[j + 1..j + k]);
                        j += k + 1;
                    }
                }
                if braced && j < b.len() && b[j] == b'}' {
                    j += 1;
                }
                // Longest known field prefix (sysdig stops at the first non-field char).
                while name.ends_with('.') {
                    name = &name[..name.len() - 1];
                    j -= 1;
                }
                let def = Registry.resolve(name, arg)?;
                if !lit.is_empty() {
                    parts.push(Part::Lit(std::mem::take(&mut lit)));
                }
                parts.push(Part::Field(def));
                i = j;
            } else {
                lit.push(b[i]);
                i += 1;
            }
        }
        if !lit.is_empty() {
            parts.push(Part::Lit(lit));
        }
        Ok(Format {
            parts,
            all_required,
        })
    }

    /// Renders the format for the current event into `out` (cleared first). Returns false
    /// when the line must be skipped (a field without value while `all_required`).
    pub fn render(&self, c: &mut Ctx<'_>, vals: &mut Values, out: &mut Vec<u8>) -> bool {
        out.clear();
        for p in &self.parts {
            match p {
                Part::Lit(l) => out.extend_from_slice(l),
                Part::Field(d) => {
                    vals.clear();
                    let Some(f) = F::from_id(d.id.0) else {
                        continue;
                    };
                    if extract(c, f, &d.arg, vals) && !vals.is_empty() {
                        render_values(vals, out);
                    } else {
                        if self.all_required {
                            return false;
                        }
                        out.extend_from_slice(b"<NA>");
                    }
                }
            }
        }
        true
    }

    /// The field definitions referenced.
    pub fn fields(&self) -> impl Iterator<Item = &FieldDef> {
        self.parts.iter().filter_map(|p| match p {
            Part::Field(d) => Some(d),
            _ => None,
        })
    }
}

/// The catalogue as `--list-fields` text.
pub fn list_fields() -> String {
    let mut s = String::new();
    for d in CATALOG {
        let arg = match d.arg {
            ArgKind::None => "",
            ArgKind::Index => "[N]",
            ArgKind::IndexRequired => "[N]",
            ArgKind::Name => "[NAME]",
            ArgKind::Param => ".NAME / [N]",
        };
        let _ = writeln!(
            s,
            "{}{:<w$} {:<8} {}",
            d.name,
            arg,
            d.ty.name(),
            d.desc,
            w = 36usize.saturating_sub(d.name.len())
        );
    }
    s
}

#[cfg(test)]
mod tests {
    use super::errno_name;

    #[test]
    fn evt_res_errno_names() {
        let cases = [
            (0, "SUCCESS"),
            (1, "EPERM"),
            (2, "ENOENT"),
            (11, "EAGAIN"),
            (41, "E41"),
            (58, "E58"),
            (116, "ESTALE"),
            (117, "E?"),
            (125, "E?"),
            (512, "ERESTARTSYS"),
            (516, "ERESTART_RESTARTBLOCK"),
            (517, "E?"),
            (521, "E?"),
            (-1, "E?"),
        ];
        for (code, name) in cases {
            assert_eq!(errno_name(code), name, "errno {code}");
        }
    }
}
