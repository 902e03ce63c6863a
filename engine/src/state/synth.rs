//! Synthetic captures for tests and benchmarks, written with the scap crate's writer and
//! event builder in the layouts sysdig 0.29.3 reads (SHB, MI, IL, UL, PL_V9, FDL_V2,
//! container events, EV_V2 enter/exit pairs).
//!
//! [`Synth`] offers one helper per syscall family (each writes the enter and the exit);
//! [`transitions`] builds a capture exercising every state transition the engine
//! implements, and [`realistic`] a large mixed workload for benchmarks.

use scap::file::{
    CaptureWriter, Compression, FdEntry, FdInfo as MFd, Interface, MachineInfo, ProcEntry,
    User as MUser, UserListEntry, WriteError, WriterOptions,
};
use scap::EventBuilder;

/// PPM open flags used by the helpers.
pub mod o {
    /// O_RDONLY.
    pub const RDONLY: u32 = 1;
    /// O_WRONLY.
    pub const WRONLY: u32 = 2;
    /// O_RDWR.
    pub const RDWR: u32 = 3;
    /// O_CREAT.
    pub const CREAT: u32 = 4;
    /// O_DIRECTORY.
    pub const DIRECTORY: u32 = 0x400;
    /// O_CLOEXEC.
    pub const CLOEXEC: u32 = 0x1000;
}

/// A synthetic capture being written.
pub struct Synth {
    w: CaptureWriter,
    /// Current timestamp (ns); every event advances it.
    pub ts: u64,
    /// Events written so far.
    pub count: u64,
    buf: Vec<u8>,
}

impl std::fmt::Debug for Synth {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Synth").field("ts", &self.ts).finish()
    }
}

/// A process of the initial process list.
#[derive(Clone, Debug)]
pub struct Proc<'a> {
    /// tid.
    pub tid: i64,
    /// pid.
    pub pid: i64,
    /// ptid.
    pub ptid: i64,
    /// comm.
    pub comm: &'a str,
    /// exe.
    pub exe: &'a str,
    /// exepath.
    pub exepath: &'a str,
    /// args, NUL-separated with a trailing NUL.
    pub args: &'a str,
    /// cwd.
    pub cwd: &'a str,
    /// uid.
    pub uid: u32,
    /// cgroups, NUL-separated.
    pub cgroups: &'a str,
    /// env, NUL-separated.
    pub env: &'a str,
}

type R<T> = Result<T, WriteError>;

fn err(e: impl std::fmt::Display) -> WriteError {
    WriteError::from(std::io::Error::other(e.to_string()))
}

impl Synth {
    /// Creates `path` (plain, so sysdig 0.29.3 reads it) with MI, IL, UL, PL and FDL.
    pub fn create(
        path: &str,
        procs: &[Proc<'_>],
        fds: &[(i64, i64, MFd<'_>)],
        users: &[(u32, &str)],
    ) -> R<Synth> {
        let opts = WriterOptions {
            compression: Compression::None,
            level: None,
            flush_interval: None,
        };
        let mut w = CaptureWriter::create(path, opts)?;
        let mi = MachineInfo {
            num_cpus: 2,
            memory_size_bytes: 1 << 30,
            max_pid: 0,
            hostname: "synth".into(),
            reserved: [0; 4],
        };
        w.machine_info(&mi)?;
        w.interfaces(&[
            Interface::V4 {
                addr: [127, 0, 0, 1],
                netmask: [255, 0, 0, 0],
                bcast: [127, 0, 0, 1],
                linkspeed: Some(0),
                name: b"lo",
            },
            Interface::V4 {
                addr: [172, 17, 0, 2],
                netmask: [255, 255, 0, 0],
                bcast: [172, 17, 255, 255],
                linkspeed: Some(0),
                name: b"eth0",
            },
        ])?;
        let ul: Vec<UserListEntry<'_>> = users
            .iter()
            .map(|(uid, n)| {
                UserListEntry::User(MUser {
                    uid: *uid,
                    gid: *uid,
                    name: n.as_bytes(),
                    homedir: b"/home",
                    shell: b"/bin/sh",
                })
            })
            .collect();
        w.users(&ul)?;
        let pl: Vec<ProcEntry<'_>> = procs
            .iter()
            .map(|p| ProcEntry {
                version: 9,
                tid: p.tid,
                pid: p.pid,
                ptid: p.ptid,
                sid: Some(p.pid),
                vpgid: Some(p.pid),
                comm: p.comm.as_bytes(),
                exe: p.exe.as_bytes(),
                exepath: Some(p.exepath.as_bytes()),
                args: p.args.as_bytes(),
                cwd: p.cwd.as_bytes(),
                fdlimit: 1024,
                flags: if p.tid == p.pid { 0 } else { 0x2001 },
                uid: p.uid,
                gid: p.uid,
                vmsize_kb: Some(0),
                vmrss_kb: Some(0),
                vmswap_kb: Some(0),
                pfmajor: Some(0),
                pfminor: Some(0),
                env: Some(p.env.as_bytes()),
                vtid: Some(p.tid),
                vpid: Some(p.pid),
                cgroups: Some(p.cgroups.as_bytes()),
                root: Some(b"/"),
                loginuid: Some(u32::MAX),
                exe_writable: Some(0),
                ..Default::default()
            })
            .collect();
        w.proc_list(&pl)?;
        for p in procs {
            let list: Vec<FdEntry<'_>> = fds
                .iter()
                .filter(|(t, _, _)| *t == p.tid)
                .map(|(t, fd, info)| FdEntry {
                    tid: *t as u64,
                    fd: *fd,
                    ino: 0,
                    info: *info,
                })
                .collect();
            w.fd_list(p.tid as u64, &list)?;
        }
        Ok(Synth {
            w,
            ts: 1_700_000_000_000_000_000,
            count: 0,
            buf: Vec::with_capacity(4096),
        })
    }

    /// Writes one event built by `f`.
    pub fn ev(&mut self, tid: i64, ty: u16, f: impl FnOnce(EventBuilder) -> EventBuilder) -> R<()> {
        self.ts += 1000;
        self.count += 1;
        let b = f(EventBuilder::new(self.ts, tid as u64, ty));
        self.buf.clear();
        b.build_into(&mut self.buf)
            .map_err(|e| err(format!("{e:?}")))?;
        self.w.event(&self.buf, 0, 0)
    }

    /// Writes a state-only event (EVF with flag 1).
    pub fn ev_state_only(
        &mut self,
        tid: i64,
        ty: u16,
        f: impl FnOnce(EventBuilder) -> EventBuilder,
    ) -> R<()> {
        self.ts += 1000;
        self.count += 1;
        let b = f(EventBuilder::new(self.ts, tid as u64, ty));
        self.buf.clear();
        b.build_into(&mut self.buf)
            .map_err(|e| err(format!("{e:?}")))?;
        self.w.event(&self.buf, 0, 1)
    }

    /// Closes the file.
    pub fn finish(self) -> R<()> {
        self.w.finish()
    }

    /// The 20 clone-exit parameters (layout CLONE_20).
    #[allow(clippy::too_many_arguments)]
    fn clone_params(
        b: EventBuilder,
        res: i64,
        exe: &str,
        args: &str,
        tid: i64,
        pid: i64,
        ptid: i64,
        comm: &str,
        cgroups: &str,
        flags: u32,
        uid: u32,
        vtid: i64,
        vpid: i64,
    ) -> EventBuilder {
        b.i64(res)
            .str(exe)
            .bytes(args.as_bytes())
            .i64(tid)
            .i64(pid)
            .i64(ptid)
            .str("")
            .i64(1024)
            .u64(0)
            .u64(0)
            .u32(0)
            .u32(0)
            .u32(0)
            .str(comm)
            .bytes(cgroups.as_bytes())
            .u32(flags)
            .u32(uid)
            .u32(uid)
            .i64(vtid)
            .i64(vpid)
    }

    /// clone(): parent exit then child exit (`child_first` writes the child side first).
    #[allow(clippy::too_many_arguments)]
    pub fn clone(
        &mut self,
        ty: u16,
        parent: i64,
        pid_of_parent: i64,
        child: i64,
        comm: &str,
        exe: &str,
        args: &str,
        cgroups: &str,
        flags: u32,
        uid: u32,
        child_first: bool,
    ) -> R<()> {
        let ppid_of_parent = 1;
        let child_pid = if flags & 0x2000 != 0 {
            pid_of_parent
        } else {
            child
        };
        let parent_side = |s: &mut Synth| -> R<()> {
            s.ev(parent, ty - 1, |b| b)?;
            s.ev(parent, ty, |b| {
                Synth::clone_params(
                    b,
                    child,
                    exe,
                    args,
                    parent,
                    pid_of_parent,
                    ppid_of_parent,
                    comm,
                    cgroups,
                    flags,
                    uid,
                    parent,
                    pid_of_parent,
                )
            })
        };
        let child_side = |s: &mut Synth| -> R<()> {
            s.ev(child, ty, |b| {
                Synth::clone_params(
                    b, 0, exe, args, child, child_pid, parent, comm, cgroups, flags, uid, child,
                    child_pid,
                )
            })
        };
        if child_first {
            child_side(self)?;
            parent_side(self)
        } else {
            parent_side(self)?;
            child_side(self)
        }
    }

    /// execve(filename) by `tid`, enter and exit.
    #[allow(clippy::too_many_arguments)]
    pub fn execve(
        &mut self,
        tid: i64,
        pid: i64,
        ptid: i64,
        filename: &str,
        exe: &str,
        args: &str,
        comm: &str,
        cgroups: &str,
        env: &str,
        res: i64,
    ) -> R<()> {
        self.ev(tid, 292, |b| b.str(filename))?;
        self.ev(tid, 293, |b| {
            b.i64(res)
                .str(exe)
                .bytes(args.as_bytes())
                .i64(tid)
                .i64(pid)
                .i64(ptid)
                .str("")
                .u64(1024)
                .u64(0)
                .u64(0)
                .u32(0)
                .u32(0)
                .u32(0)
                .str(comm)
                .bytes(cgroups.as_bytes())
                .bytes(env.as_bytes())
                .i32(34816)
                .i64(pid)
                .i32(1000)
                .u32(0)
        })
    }

    /// openat(dirfd, name) returning `fd`.
    pub fn openat(&mut self, tid: i64, dirfd: i64, name: &str, flags: u32, fd: i64) -> R<()> {
        self.ev(tid, 306, |b| b.fd(dirfd).str(name).u32(flags).u32(0o644))?;
        self.ev(tid, 307, |b| {
            b.fd(fd)
                .fd(dirfd)
                .str(name)
                .u32(flags)
                .u32(0o644)
                .u32(0x803)
        })
    }

    /// open(name) returning `fd`.
    pub fn open(&mut self, tid: i64, name: &str, flags: u32, fd: i64) -> R<()> {
        self.ev(tid, 2, |b| b.str(name).u32(flags).u32(0))?;
        self.ev(tid, 3, |b| b.fd(fd).str(name).u32(flags).u32(0).u32(0x803))
    }

    /// read(fd) returning `res` bytes.
    pub fn read(&mut self, tid: i64, fd: i64, res: i64) -> R<()> {
        self.ev(tid, 6, |b| b.fd(fd).u32(4096))?;
        self.ev(tid, 7, |b| b.i64(res).bytes(b"data"))
    }

    /// write(fd).
    pub fn write(&mut self, tid: i64, fd: i64, res: i64) -> R<()> {
        self.ev(tid, 8, |b| b.fd(fd).u32(4))?;
        self.ev(tid, 9, |b| b.i64(res).bytes(b"data"))
    }

    /// close(fd).
    pub fn close(&mut self, tid: i64, fd: i64, res: i64) -> R<()> {
        self.ev(tid, 4, |b| b.fd(fd))?;
        self.ev(tid, 5, |b| b.i64(res))
    }

    /// socket(domain, type, proto) returning `fd`.
    pub fn socket(&mut self, tid: i64, domain: u32, ty: u32, proto: u32, fd: i64) -> R<()> {
        self.ev(tid, 18, |b| b.u32(domain).u32(ty).u32(proto))?;
        self.ev(tid, 19, |b| b.fd(fd))
    }

    /// connect(fd) to an IPv4 address from a local address.
    pub fn connect4(
        &mut self,
        tid: i64,
        fd: i64,
        src: ([u8; 4], u16),
        dst: ([u8; 4], u16),
        res: i64,
    ) -> R<()> {
        let mut sa = vec![2u8];
        sa.extend_from_slice(&dst.0);
        sa.extend_from_slice(&dst.1.to_le_bytes());
        self.ev(tid, 22, |b| b.fd(fd).bytes(&sa))?;
        let mut tu = vec![2u8];
        tu.extend_from_slice(&src.0);
        tu.extend_from_slice(&src.1.to_le_bytes());
        tu.extend_from_slice(&dst.0);
        tu.extend_from_slice(&dst.1.to_le_bytes());
        self.ev(tid, 23, |b| b.i64(res).bytes(&tu))
    }
}

/// Builds an IPv4 socktuple value.
pub fn tuple4(src: ([u8; 4], u16), dst: ([u8; 4], u16)) -> Vec<u8> {
    let mut tu = vec![2u8];
    tu.extend_from_slice(&src.0);
    tu.extend_from_slice(&src.1.to_le_bytes());
    tu.extend_from_slice(&dst.0);
    tu.extend_from_slice(&dst.1.to_le_bytes());
    tu
}

/// Builds an IPv4 sockaddr value.
pub fn sockaddr4(a: ([u8; 4], u16)) -> Vec<u8> {
    let mut sa = vec![2u8];
    sa.extend_from_slice(&a.0);
    sa.extend_from_slice(&a.1.to_le_bytes());
    sa
}

const DOCKER_ID: &str = "3f2a1b4c5d6e7f8091a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d5e6f70a";

/// A capture exercising every state transition: PL/FDL/UL/IL metadata, container
/// events (324, 272, 228), clone parent-first and child-first, threads, a pid-namespace
/// clone, execve with and without its enter, execveat, failed exec, procexit with delayed
/// removal, the setuid family, chdir/fchdir/chroot, the open family with relative paths and
/// dirfds, failed opens, sockets (bind/listen/accept/accept4/connect/sendto/recvfrom),
/// socketpair, pipe, dup, eventfd, signalfd, timerfd, inotify, fcntl(F_DUPFD), close (also
/// failed and exit-only), a state-only event, generic events and an unknown tid.
pub fn transitions(path: &str) -> R<()> {
    let cg_docker = format!("cpuset=/docker/{DOCKER_ID}\0cpu=/docker/{DOCKER_ID}\0");
    let procs = [
        Proc {
            tid: 1,
            pid: 1,
            ptid: 0,
            comm: "systemd",
            exe: "/sbin/init",
            exepath: "/lib/systemd/systemd",
            args: "",
            cwd: "/",
            uid: 0,
            cgroups: "cpu=/\0",
            env: "HOME=/\0",
        },
        Proc {
            tid: 100,
            pid: 100,
            ptid: 1,
            comm: "bash",
            exe: "-bash",
            exepath: "/bin/bash",
            args: "-l\0",
            cwd: "/home/alice",
            uid: 1000,
            cgroups: "cpu=/user.slice\0",
            env: "HOME=/home/alice\0SHELL=/bin/bash\0",
        },
        Proc {
            tid: 101,
            pid: 100,
            ptid: 1,
            comm: "bash",
            exe: "-bash",
            exepath: "/bin/bash",
            args: "-l\0",
            cwd: "",
            uid: 1000,
            cgroups: "cpu=/user.slice\0",
            env: "",
        },
        Proc {
            tid: 200,
            pid: 200,
            ptid: 1,
            comm: "nginx",
            exe: "nginx",
            exepath: "/usr/sbin/nginx",
            args: "-g\0daemon off;\0",
            cwd: "/",
            uid: 33,
            cgroups: &cg_docker,
            env: "PATH=/usr/bin\0",
        },
    ];
    let fds = [
        (
            100,
            0,
            MFd::Named {
                ty: 7,
                name: b"pipe:[1234]",
            },
        ),
        (
            100,
            1,
            MFd::File {
                open_flags: 2,
                name: b"/dev/pts/0",
                dev: Some(0x88),
            },
        ),
        (
            100,
            3,
            MFd::Ipv4Sock {
                sip: [172, 17, 0, 2],
                dip: [10, 0, 0, 5],
                sport: 40000,
                dport: 443,
                l4proto: 2,
            },
        ),
        (
            100,
            4,
            MFd::UnixSock {
                source: 0xffff8800aaaa0000,
                dest: 0xffff8800bbbb0000,
                path: b"/run/dbus/system_bus_socket",
            },
        ),
        (
            100,
            5,
            MFd::Named {
                ty: 2,
                name: b"/home/alice/proj",
            },
        ),
        (
            200,
            6,
            MFd::Ipv4ServSock {
                ip: [0, 0, 0, 0],
                port: 80,
                l4proto: 2,
            },
        ),
        (
            200,
            7,
            MFd::Ipv4Sock {
                sip: [10, 0, 0, 9],
                dip: [172, 17, 0, 2],
                sport: 51000,
                dport: 80,
                l4proto: 2,
            },
        ),
        (
            200,
            8,
            MFd::Ipv6Sock {
                sip: [0x20, 1, 0xd, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1],
                dip: [0x20, 1, 0xd, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2],
                sport: 8080,
                dport: 5555,
                l4proto: 2,
            },
        ),
        (200, 9, MFd::Named { ty: 9, name: b"" }),
    ];
    let mut s = Synth::create(
        path,
        &procs,
        &fds,
        &[(0, "root"), (1000, "alice"), (33, "www-data")],
    )?;
    // Container metadata first (324 with u32 lengths, tid -1), plus the older 272 / 228.
    let json = format!(
        r#"{{"container":{{"id":"{}","type":0,"name":"web","image":"nginx:1.25","imagerepo":"nginx","imagetag":"1.25","lookup_state":1,"privileged":false,"labels":{{"io.kubernetes.pod.namespace":"prod","io.kubernetes.pod.name":"web-7d9"}}}}}}"#,
        &DOCKER_ID[..12]
    );
    s.ev(-1, 324, |b| b.str(&json))?;
    s.ev(-1, 272, |b| b.str(r#"{"container":{"id":"aaaaaaaaaaaa","type":7,"name":"db","image":"postgres:16","lookup_state":1}}"#))?;
    s.ev(-1, 228, |b| {
        b.str("bbbbbbbbbbbb").u32(8).str("cache").str("redis:7")
    })?;
    // bash works with its PL fds.
    s.read(100, 0, 10)?;
    s.write(100, 1, 4)?;
    s.write(100, 3, 4)?;
    s.write(100, 4, 4)?;
    s.write(101, 1, 4)?; // thread shares the process fd table
                         // fork (parent side first) then exec of cat with a relative path.
    s.clone(
        225,
        100,
        100,
        300,
        "bash",
        "-bash",
        "-l\0",
        "cpu=/user.slice\0",
        0,
        1000,
        false,
    )?;
    s.execve(
        300,
        300,
        100,
        "../../bin/cat",
        "/bin/cat",
        "/etc/passwd\0",
        "cat",
        "cpu=/user.slice\0",
        "HOME=/home/alice\0",
        0,
    )?;
    s.open(300, "/etc/passwd", o::RDONLY | o::CLOEXEC, 3)?;
    s.read(300, 3, 100)?;
    s.open(300, "missing.txt", o::RDONLY, -2)?;
    s.openat(300, -100, "notes/a.txt", o::RDWR | o::CREAT, 4)?;
    s.openat(300, 5, "b.txt", o::RDONLY, 6)?; // dirfd 5 = /home/alice/proj (inherited)
    s.openat(300, 5, "/abs/c.txt", o::RDONLY, -13)?;
    s.ev(300, 326, |b| {
        b.fd(-100).str("d.txt").u32(o::RDONLY).u32(0).u32(0)
    })?;
    s.ev(300, 327, |b| {
        b.fd(7).fd(-100).str("d.txt").u32(o::RDONLY).u32(0).u32(0)
    })?;
    s.ev(300, 58, |b| b.str("new.log").u32(0o600))?;
    s.ev(300, 59, |b| b.fd(8).str("new.log").u32(0o600).u32(0x803))?;
    s.ev(300, 2, |b| {
        b.str("/etc").u32(o::RDONLY | o::DIRECTORY).u32(0)
    })?;
    s.ev(300, 3, |b| {
        b.fd(9)
            .str("/etc")
            .u32(o::RDONLY | o::DIRECTORY)
            .u32(0)
            .u32(0)
    })?;
    s.write(300, 4, 4)?;
    s.close(300, 4, 0)?;
    s.write(300, 4, -9)?; // fd gone
    s.close(300, 99, -9)?; // failed close
    s.ev(300, 5, |b| b.i64(0))?; // close exit without enter
    s.write(300, 6, 4)?;
    // cwd changes.
    s.ev(300, 94, |b| b)?;
    s.ev(300, 95, |b| b.i64(0).str("/tmp"))?;
    s.open(300, "x.txt", o::RDONLY, 10)?;
    s.ev(300, 96, |b| b.fd(9))?;
    s.ev(300, 97, |b| b.i64(0))?;
    s.open(300, "hosts", o::RDONLY, 11)?;
    s.ev(300, 266, |b| b)?;
    s.ev(300, 267, |b| b.i64(0).str("/srv/jail"))?;
    // credentials.
    s.ev(300, 198, |b| b.u32(0))?;
    s.ev(300, 199, |b| b.i64(0))?;
    s.open(300, "/etc/shadow", o::RDONLY, 12)?;
    s.ev(300, 200, |b| b.u32(33))?;
    s.ev(300, 201, |b| b.i64(0))?;
    s.ev(300, 192, |b| b.u32(u32::MAX).u32(33).u32(u32::MAX))?;
    s.ev(300, 193, |b| b.i64(0))?;
    s.ev(300, 194, |b| b.u32(u32::MAX).u32(0).u32(u32::MAX))?;
    s.ev(300, 195, |b| b.i64(0))?;
    s.ev(300, 198, |b| b.u32(1000))?;
    s.ev(300, 199, |b| b.i64(-1))?; // failed setuid: no change
                                    // pipes, socketpair, dup, eventfd & co.
    s.ev(300, 60, |b| b)?;
    s.ev(300, 61, |b| b.i64(0).fd(13).fd(14).u64(77777))?;
    s.write(300, 14, 4)?;
    s.ev(300, 42, |b| b.u32(1).u32(1).u32(0))?;
    s.ev(300, 43, |b| {
        b.i64(0)
            .fd(15)
            .fd(16)
            .u64(0xffff8800cccc0000)
            .u64(0xffff8800dddd0000)
    })?;
    s.write(300, 16, 4)?;
    s.ev(300, 124, |b| b.fd(13))?;
    s.ev(300, 125, |b| b.fd(20))?;
    s.read(300, 20, 4)?;
    s.ev(300, 124, |b| b.fd(3))?;
    s.ev(300, 125, |b| b.fd(1))?; // dup2 over stdout
    s.write(300, 1, 4)?;
    s.ev(300, 62, |b| b.u64(0).u32(0))?;
    s.ev(300, 63, |b| b.fd(21))?;
    s.ev(300, 126, |b| b.fd(-1).u32(0).u8(0))?;
    s.ev(300, 127, |b| b.fd(22))?;
    s.ev(300, 136, |b| b.u8(1).u8(0))?;
    s.ev(300, 137, |b| b.fd(23))?;
    s.ev(300, 138, |b| b.u8(0))?;
    s.ev(300, 139, |b| b.fd(24))?;
    s.ev(300, 150, |b| b.fd(21).u8(1))?;
    s.ev(300, 151, |b| b.fd(25))?;
    s.read(300, 21, 8)?;
    s.read(300, 22, 8)?;
    s.read(300, 23, 8)?;
    s.read(300, 24, 8)?;
    s.read(300, 25, 8)?;
    // A TCP client: socket, connect, write, read, close.
    s.socket(300, 2, 1, 0, 26)?;
    s.connect4(
        300,
        26,
        ([172, 17, 0, 2], 41000),
        ([93, 184, 216, 34], 80),
        0,
    )?;
    s.write(300, 26, 4)?;
    s.read(300, 26, 10)?;
    s.socket(300, 2, 1, 6, 27)?;
    s.connect4(300, 27, ([172, 17, 0, 2], 41001), ([10, 0, 0, 7], 22), -111)?; // refused
    s.socket(300, 2, 2, 0, 28)?;
    let t = tuple4(([0, 0, 0, 0], 0), ([8, 8, 8, 8], 53));
    s.ev(300, 30, |b| b.fd(28).u32(30).bytes(&t))?;
    s.ev(300, 31, |b| b.i64(30).bytes(b"query"))?;
    s.ev(300, 34, |b| b.fd(28).u32(512))?;
    let t2 = tuple4(([8, 8, 8, 8], 53), ([172, 17, 0, 2], 33333));
    s.ev(300, 35, |b| b.i64(60).bytes(b"answer").bytes(&t2))?;
    s.socket(300, 1, 1, 0, 29)?;
    s.ev(300, 22, |b| b.fd(29).bytes(b"\x01/var/run/docker.sock\0"))?;
    let mut ut = vec![1u8];
    ut.extend_from_slice(&0xffff8800eeee0000u64.to_le_bytes());
    ut.extend_from_slice(&0xffff8800ffff0000u64.to_le_bytes());
    ut.extend_from_slice(b"/var/run/docker.sock\0");
    s.ev(300, 23, |b| b.i64(0).bytes(&ut))?;
    s.write(300, 29, 4)?;
    // socket family the engine does not track (AF_PACKET): no fd.
    s.socket(300, 17, 3, 768, 30)?;
    s.write(300, 30, 4)?;
    // Server side in the container: accept on the FDL listening socket, accept4, bind/listen.
    s.ev(200, 246, |b| b)?;
    let at = tuple4(([10, 0, 0, 9], 52000), ([172, 17, 0, 2], 80));
    s.ev(200, 247, |b| b.fd(10).bytes(&at).u8(0).u32(0).u32(128))?;
    s.read(200, 10, 100)?;
    s.write(200, 10, 100)?;
    s.ev(200, 248, |b| b.i32(0))?;
    let at6 = {
        let mut v = vec![10u8];
        v.extend_from_slice(&[0x20, 1, 0xd, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 9]);
        v.extend_from_slice(&40404u16.to_le_bytes());
        v.extend_from_slice(&[0x20, 1, 0xd, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1]);
        v.extend_from_slice(&8443u16.to_le_bytes());
        v
    };
    s.ev(200, 249, |b| b.fd(11).bytes(&at6).u8(0).u32(0).u32(128))?;
    s.read(200, 11, 100)?;
    s.read(200, 7, 100)?;
    s.write(200, 8, 100)?;
    s.write(200, 9, 8)?;
    s.socket(200, 2, 1, 0, 12)?;
    s.ev(200, 20, |b| b.fd(12))?;
    s.ev(200, 21, |b| {
        b.i64(0).bytes(&sockaddr4(([0, 0, 0, 0], 8080)))
    })?;
    s.ev(200, 24, |b| b.fd(12).u32(128))?;
    s.ev(200, 25, |b| b.i64(0))?;
    // nginx forks a worker (child first = inverted clone) and a thread (CLONE_THREAD).
    s.clone(
        223,
        200,
        200,
        201,
        "nginx",
        "nginx",
        "-g\0daemon off;\0",
        &cg_docker,
        0,
        33,
        true,
    )?;
    s.read(201, 6, 10)?;
    s.clone(
        223,
        201,
        201,
        202,
        "nginx",
        "nginx",
        "-g\0daemon off;\0",
        &cg_docker,
        0x2000 | 0x1 | 0x8000,
        33,
        false,
    )?;
    s.write(202, 7, 10)?;
    // A clone into a new pid namespace: the parent side is ignored, the child side creates.
    s.ev(100, 222, |b| b)?;
    s.ev(100, 223, |b| {
        Synth::clone_params(
            b,
            400,
            "-bash",
            "-l\0",
            100,
            100,
            1,
            "bash",
            "cpu=/user.slice\0",
            0x2000_0000,
            1000,
            100,
            100,
        )
    })?;
    s.ev(400, 223, |b| {
        Synth::clone_params(
            b,
            0,
            "-bash",
            "-l\0",
            400,
            400,
            100,
            "bash",
            &format!("cpu=/kubepods/besteffort/pod1/{DOCKER_ID}\0"),
            0x2000_0000,
            1000,
            1,
            1,
        )
    })?;
    s.write(400, 1, 4)?;
    // execve without its enter: exepath keeps the parent's.
    s.ev(400, 293, |b| {
        b.i64(0)
            .str("/usr/bin/curl")
            .bytes(b"-s\0http://example.com\0")
            .i64(400)
            .i64(400)
            .i64(100)
            .str("")
            .u64(1024)
            .u64(0)
            .u64(0)
            .u32(0)
            .u32(0)
            .u32(0)
            .str("curl")
            .bytes(format!("cpu=/kubepods/besteffort/pod1/{DOCKER_ID}\0").as_bytes())
            .bytes(b"A=1\0")
            .i32(0)
            .i64(400)
            .i32(-1)
            .u32(1)
    })?;
    s.write(400, 1, 4)?;
    // Failed exec changes nothing.
    s.execve(300, 300, 100, "/nonexistent", "", "", "", "", "", -2)?;
    s.write(300, 1, 4)?;
    // Generic event and a state-only event (hidden, but applied).
    s.ev(300, 0, |b| b.u16(76).u16(175))?;
    s.ev(300, 1, |b| b.u16(76))?;
    s.ev_state_only(300, 2, |b| b.str("/hidden").u32(o::RDONLY).u32(0))?;
    s.ev_state_only(300, 3, |b| {
        b.fd(31).str("/hidden").u32(o::RDONLY).u32(0).u32(0)
    })?;
    s.read(300, 31, 1)?;
    // Unknown thread: a fake <NA> thread is created.
    s.write(777, 1, 4)?;
    s.clone(
        225,
        777,
        777,
        778,
        "mystery",
        "/opt/mystery",
        "--x\0",
        "cpu=/\0",
        0,
        0,
        false,
    )?;
    s.write(778, 1, 4)?;
    // procexit: the thread disappears after the next event.
    s.ev(300, 186, |b| b.i64(0).i64(0).u8(0).u8(0))?;
    s.write(100, 1, 4)?;
    s.write(300, 3, 4)?;
    s.ev(202, 186, |b| b.i64(0).i64(0).u8(0).u8(0))?;
    s.write(201, 7, 4)?;
    s.ev(201, 186, |b| b.i64(0).i64(0).u8(0).u8(0))?;
    s.write(201, 7, 4)?;
    s.finish()
}

/// execveat with a dirfd-relative path (sysdig 0.29.3 crashes on this one: its
/// execveat parser writes into the event buffer; kept separate so the crash does not hide
/// the other transitions).
pub fn execveat(path: &str) -> R<()> {
    let procs = [Proc {
        tid: 100,
        pid: 100,
        ptid: 1,
        comm: "bash",
        exe: "-bash",
        exepath: "/bin/bash",
        args: "-l\0",
        cwd: "/home/alice",
        uid: 1000,
        cgroups: "cpu=/\0",
        env: "",
    }];
    let fds = [(
        100,
        5,
        MFd::Named {
            ty: 2,
            name: b"/home/alice/proj",
        },
    )];
    let mut s = Synth::create(path, &procs, &fds, &[(1000, "alice")])?;
    s.clone(
        225, 100, 100, 300, "bash", "-bash", "-l\0", "cpu=/\0", 0, 1000, false,
    )?;
    // execveat with a dirfd.
    s.ev(300, 330, |b| b.fd(5).str("tool").u32(0))?;
    s.ev(300, 331, |b| {
        b.i64(0)
            .str("./tool")
            .bytes(b"--run\0")
            .i64(300)
            .i64(300)
            .i64(100)
            .str("")
            .u64(1024)
            .u64(0)
            .u64(0)
            .u32(0)
            .u32(0)
            .u32(0)
            .str("tool")
            .bytes(b"cpu=/user.slice\0")
            .bytes(b"X=1\0")
            .i32(0)
            .i64(300)
            .i32(1000)
            .u32(0)
    })?;
    s.ev(300, 8, |b| b.fd(5).u32(1))?;
    s.ev(300, 9, |b| b.i64(1).bytes(b"x"))?;
    s.finish()
}

/// A realistic mixed workload of about `n` events for benchmarks: `workers` long-lived
/// processes that open/read/write/close files, talk over TCP and UDP, plus short-lived
/// children (clone + execve + a few opens + procexit).
pub fn realistic(path: &str, n: u64) -> R<()> {
    let procs: Vec<Proc<'_>> = vec![
        Proc {
            tid: 1,
            pid: 1,
            ptid: 0,
            comm: "systemd",
            exe: "/sbin/init",
            exepath: "/lib/systemd/systemd",
            args: "",
            cwd: "/",
            uid: 0,
            cgroups: "cpu=/\0",
            env: "",
        },
        Proc {
            tid: 10,
            pid: 10,
            ptid: 1,
            comm: "supervisor",
            exe: "supervisor",
            exepath: "/usr/bin/supervisor",
            args: "",
            cwd: "/srv/",
            uid: 1000,
            cgroups: "cpu=/\0",
            env: "HOME=/srv\0",
        },
    ];
    let mut s = Synth::create(path, &procs, &[], &[(0, "root"), (1000, "app")])?;
    let names = [
        "worker0", "worker1", "worker2", "worker3", "worker4", "worker5", "worker6", "worker7",
    ];
    for (i, nm) in names.iter().enumerate() {
        let tid = 100 + i as i64;
        s.clone(
            225,
            10,
            10,
            tid,
            "supervisor",
            "supervisor",
            "",
            "cpu=/\0",
            0,
            1000,
            false,
        )?;
        s.execve(
            tid,
            tid,
            10,
            &format!("/usr/bin/{nm}"),
            &format!("/usr/bin/{nm}"),
            "--serve\0",
            nm,
            "cpu=/\0",
            "HOME=/srv\0",
            0,
        )?;
    }
    let mut k: u64 = 0;
    let mut next_child = 10_000i64;
    while s.count < n {
        k += 1;
        let w = (k % 8) as i64;
        let tid = 100 + w;
        let fd = 3 + (k % 5) as i64;
        match k % 10 {
            0..=5 => {
                s.openat(
                    tid,
                    -100,
                    &format!("data/file-{}.txt", k % 17),
                    o::RDONLY,
                    fd,
                )?;
                s.read(tid, fd, 512)?;
                s.read(tid, fd, 0)?;
                s.close(tid, fd, 0)?;
            }
            6 => {
                s.open(
                    tid,
                    &format!("/var/log/app-{w}.log"),
                    o::WRONLY | o::CREAT,
                    fd,
                )?;
                s.write(tid, fd, 128)?;
                s.close(tid, fd, 0)?;
            }
            7 => {
                s.socket(tid, 2, 1, 0, fd)?;
                s.connect4(
                    tid,
                    fd,
                    ([172, 17, 0, 2], 30000 + (k % 20000) as u16),
                    ([10, 0, 0, (k % 200) as u8], 443),
                    0,
                )?;
                s.write(tid, fd, 200)?;
                s.read(tid, fd, 1000)?;
                s.close(tid, fd, 0)?;
            }
            8 => {
                s.socket(tid, 2, 2, 0, fd)?;
                let t = tuple4(([0, 0, 0, 0], 0), ([8, 8, 4, 4], 53));
                s.ev(tid, 30, |b| b.fd(fd).u32(40).bytes(&t))?;
                s.ev(tid, 31, |b| b.i64(40).bytes(b"q"))?;
                s.close(tid, fd, 0)?;
            }
            _ => {
                let c = next_child;
                next_child += 1;
                s.clone(
                    225,
                    tid,
                    tid,
                    c,
                    names[w as usize],
                    names[w as usize],
                    "",
                    "cpu=/\0",
                    0,
                    1000,
                    false,
                )?;
                s.execve(
                    c,
                    c,
                    tid,
                    "/bin/sh",
                    "/bin/sh",
                    "-c\0true\0",
                    "sh",
                    "cpu=/\0",
                    "HOME=/srv\0",
                    0,
                )?;
                s.open(c, "/etc/ld.so.cache", o::RDONLY | o::CLOEXEC, 3)?;
                s.close(c, 3, 0)?;
                s.ev(c, 186, |b| b.i64(0).i64(0).u8(0).u8(0))?;
            }
        }
    }
    s.finish()
}
