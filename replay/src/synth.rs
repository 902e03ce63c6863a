//! Synthetic captures for tests, the bundled demo and the benchmark.
//!
//! [`Synth`] plays a small, realistic system: a process table at capture start (written as
//! a PL block), users (UL), containers (container JSON meta-events, as sysdig writes them),
//! and syscalls as enter/exit event pairs encoded with [`scap::EventBuilder`] following the
//! event table sysdig 0.29.3 reads (`scap_abi::event::info_e5c53d64`): every parameter of an
//! event is filled, named ones from the caller and the rest with zero/empty values.
//!
//! The result is a [`SynthCapture`] (metadata + event records) that is written to a file by
//! the scap writer ([`SynthCapture::write`]).

use std::collections::HashMap;
use std::net::Ipv4Addr;

use scap::EventBuilder;
use scap_abi::event::{ids, info_e5c53d64, ParamType};

/// PPM open flags (libscap encoding, not the kernel's).
pub mod oflags {
    /// O_RDONLY.
    pub const RDONLY: u32 = 1;
    /// O_WRONLY.
    pub const WRONLY: u32 = 2;
    /// O_RDWR.
    pub const RDWR: u32 = 3;
    /// O_CREAT.
    pub const CREAT: u32 = 4;
    /// O_TRUNC.
    pub const TRUNC: u32 = 256;
    /// O_CLOEXEC.
    pub const CLOEXEC: u32 = 4096;
}

const PPM_AF_INET: u8 = 2;
const SOCK_STREAM: u32 = 1;
const AT_FDCWD: i64 = -100;

/// A parameter value given by name.
#[derive(Debug, Clone)]
pub enum V<'a> {
    /// Any integer type (written at the schema's width, little-endian).
    I(i64),
    /// A string (CHARBUF/FSPATH: NUL-terminated; BYTEBUF: as is).
    S(&'a str),
    /// NUL-separated list (args, env, cgroups), each item NUL-terminated.
    L(&'a [String]),
    /// Pre-encoded bytes.
    B(Vec<u8>),
}

/// One process (single-threaded: tid = pid).
#[derive(Debug, Clone, Default)]
pub struct Proc {
    /// pid (= tid).
    pub pid: i64,
    /// Parent pid.
    pub ppid: i64,
    /// comm (`proc.name`).
    pub comm: String,
    /// argv[0].
    pub exe: String,
    /// Executable path.
    pub exepath: String,
    /// argv[1..].
    pub args: Vec<String>,
    /// Working directory.
    pub cwd: String,
    /// uid / gid.
    pub uid: u32,
    /// gid.
    pub gid: u32,
    /// Container id (12 hex chars) or None for the host.
    pub container: Option<String>,
}

impl Proc {
    /// A host process.
    pub fn new(pid: i64, ppid: i64, exepath: &str, args: &[&str]) -> Proc {
        let comm: String = exepath
            .rsplit('/')
            .next()
            .unwrap_or(exepath)
            .chars()
            .take(15)
            .collect();
        Proc {
            pid,
            ppid,
            comm,
            exe: exepath.to_string(),
            exepath: exepath.to_string(),
            args: args.iter().map(|s| s.to_string()).collect(),
            cwd: "/".to_string(),
            uid: 0,
            gid: 0,
            container: None,
        }
    }

    /// The same process inside a container.
    pub fn in_container(mut self, id: &str) -> Proc {
        self.container = Some(id.to_string());
        self
    }

    /// With a uid/gid.
    pub fn user(mut self, uid: u32, gid: u32) -> Proc {
        self.uid = uid;
        self.gid = gid;
        self
    }

    fn cgroups(&self) -> Vec<String> {
        match &self.container {
            Some(id) => {
                let full = full_id(id);
                ["cpuset", "cpu", "memory", "pids"]
                    .iter()
                    .map(|s| format!("{s}=/docker/{full}"))
                    .collect()
            }
            None => ["cpuset", "cpu", "memory", "pids"]
                .iter()
                .map(|s| format!("{s}=/user.slice"))
                .collect(),
        }
    }
}

/// The 64-hex full id of a 12-hex container id (deterministic padding).
pub fn full_id(id: &str) -> String {
    let mut s = id.to_string();
    while s.len() < 64 {
        s.push_str("0123456789abcdef");
    }
    s.truncate(64);
    s
}

/// A container's metadata (the fields sysdig writes in its container JSON event).
#[derive(Debug, Clone, Default)]
pub struct Container {
    /// 12-hex id.
    pub id: String,
    /// Name.
    pub name: String,
    /// Image repository, e.g. `docker.io/library/nginx`.
    pub repo: String,
    /// Image tag.
    pub tag: String,
    /// Bind mounts (source, destination).
    pub mounts: Vec<(String, String)>,
    /// Privileged.
    pub privileged: bool,
}

impl Container {
    /// `{"container":{...}}` as libsinsp serialises it into a container event.
    pub fn json(&self) -> String {
        let mounts: Vec<serde_json::Value> = self
            .mounts
            .iter()
            .map(|(s, d)| {
                serde_json::json!({"Source": s, "Destination": d, "Mode": "", "RW": true,
                                   "Propagation": "rprivate"})
            })
            .collect();
        serde_json::json!({"container": {
            "id": self.id, "full_id": full_id(&self.id), "type": 0, "name": self.name,
            "image": format!("{}:{}", self.repo, self.tag), "imageid": "",
            "imagerepo": self.repo, "imagetag": self.tag, "imagedigest": "",
            "privileged": self.privileged, "lookup_state": 1, "labels": {},
            "Mounts": mounts, "created_time": 0, "is_pod_sandbox": false
        }})
        .to_string()
    }
}

/// A user of the UL block.
#[derive(Debug, Clone)]
pub struct UserEntry {
    /// uid.
    pub uid: u32,
    /// gid.
    pub gid: u32,
    /// Name.
    pub name: String,
    /// Home.
    pub home: String,
    /// Shell.
    pub shell: String,
}

/// The built capture: metadata and event records, ready for the writer.
#[derive(Debug, Clone, Default)]
pub struct SynthCapture {
    /// Processes alive at capture start (the PL block).
    pub procs: Vec<Proc>,
    /// Users and groups (UL block).
    pub users: Vec<UserEntry>,
    /// Event records (scap event layout), in time order.
    pub events: Vec<Vec<u8>>,
}

/// Builds a synthetic capture.
#[derive(Debug)]
pub struct Synth {
    ts: u64,
    step: u64,
    cap: SynthCapture,
    live: HashMap<i64, Proc>,
    next_fd: HashMap<i64, i64>,
    buf: Vec<u8>,
}

impl Synth {
    /// Start at `start_ns` (epoch ns); each event advances the clock by `step_ns`.
    pub fn new(start_ns: u64, step_ns: u64) -> Synth {
        let mut s = Synth {
            ts: start_ns,
            step: step_ns.max(1),
            cap: SynthCapture::default(),
            live: HashMap::new(),
            next_fd: HashMap::new(),
            buf: Vec::with_capacity(4096),
        };
        for (uid, name, home, shell) in [
            (0, "root", "/root", "/bin/bash"),
            (33, "www-data", "/var/www", "/usr/sbin/nologin"),
            (1000, "alice", "/home/alice", "/bin/bash"),
        ] {
            s.cap.users.push(UserEntry {
                uid,
                gid: uid,
                name: name.into(),
                home: home.into(),
                shell: shell.into(),
            });
        }
        s
    }

    /// Current clock.
    pub fn now(&self) -> u64 {
        self.ts
    }

    /// Advance the clock without an event.
    pub fn sleep(&mut self, ns: u64) {
        self.ts += ns;
    }

    /// Number of events so far.
    pub fn len(&self) -> usize {
        self.cap.events.len()
    }

    /// No events yet.
    pub fn is_empty(&self) -> bool {
        self.cap.events.is_empty()
    }

    /// A process alive at capture start (PL block).
    pub fn initial(&mut self, p: Proc) {
        self.next_fd.insert(p.pid, 3);
        self.live.insert(p.pid, p.clone());
        self.cap.procs.push(p);
    }

    fn proc(&self, pid: i64) -> Proc {
        self.live
            .get(&pid)
            .cloned()
            .unwrap_or_else(|| Proc::new(pid, 1, "/unknown", &[]))
    }

    /// Append one event of type `ty` for `tid`, filling parameters by schema name.
    pub fn event(&mut self, ty: u16, tid: i64, named: &[(&str, V<'_>)]) {
        let Some(info) = info_e5c53d64(ty) else {
            return;
        };
        let mut b = EventBuilder::new(self.ts, tid as u64, ty);
        for p in info.params {
            let given = named.iter().find(|(n, _)| *n == p.name).map(|(_, v)| v);
            self.buf.clear();
            encode(&mut self.buf, p.ty, given);
            b = b.raw(&self.buf);
        }
        if let Ok(rec) = b.build() {
            self.cap.events.push(rec);
        }
        self.ts += self.step;
    }

    fn proc_params<'p>(p: &'p Proc, cg: &'p [String], res: i64) -> Vec<(&'static str, V<'p>)> {
        vec![
            ("res", V::I(res)),
            ("exe", V::S(&p.exe)),
            ("args", V::L(&p.args)),
            ("tid", V::I(p.pid)),
            ("pid", V::I(p.pid)),
            ("ptid", V::I(p.ppid)),
            ("cwd", V::S(&p.cwd)),
            ("fdlimit", V::I(1024)),
            ("comm", V::S(&p.comm)),
            ("cgroups", V::L(cg)),
            ("uid", V::I(i64::from(p.uid))),
            ("gid", V::I(i64::from(p.gid))),
            ("vtid", V::I(p.pid)),
            ("vpid", V::I(p.pid)),
            ("loginuid", V::I(-1)),
            ("env", V::L(&[])),
        ]
    }

    /// Emit a container meta-event (sysdig writes one per container at capture start).
    pub fn container(&mut self, c: &Container) {
        let json = c.json();
        self.event(ids::CONTAINER_E, 0, &[("json", V::S(&json))]);
    }

    /// `parent` forks a child that execs `child` (clone in parent and child, then execve).
    pub fn spawn(&mut self, child: Proc) {
        let parent = self.proc(child.ppid);
        // clone: the parent's side (res = child pid), then the child's (res = 0) with the
        // parent's image; the container is inherited.
        let mut forked = parent.clone();
        forked.pid = child.pid;
        forked.ppid = parent.pid;
        if child.container.is_some() {
            forked.container = child.container.clone();
        }
        let cg = parent.cgroups();
        self.event(ids::CLONE_E, parent.pid, &[]);
        let mut pp = Self::proc_params(&parent, &cg, child.pid);
        pp.retain(|(n, _)| !matches!(*n, "tid" | "pid" | "ptid" | "vtid" | "vpid"));
        pp.extend([
            ("tid", V::I(parent.pid)),
            ("pid", V::I(parent.pid)),
            ("ptid", V::I(parent.ppid)),
        ]);
        self.event(ids::CLONE_X, parent.pid, &pp);
        let fcg = forked.cgroups();
        let cp = Self::proc_params(&forked, &fcg, 0);
        self.event(ids::CLONE_X, child.pid, &cp);
        self.live.insert(child.pid, forked);
        self.next_fd.insert(child.pid, 3);
        self.exec(child);
    }

    /// `p.pid` execs `p` (execve enter + exit).
    pub fn exec(&mut self, p: Proc) {
        self.event(ids::EXECVE_E, p.pid, &[("filename", V::S(&p.exepath))]);
        let cg = p.cgroups();
        let params = Self::proc_params(&p, &cg, 0);
        self.event(ids::EXECVE_X, p.pid, &params);
        self.live.insert(p.pid, p);
    }

    /// The process exits.
    pub fn exit(&mut self, pid: i64) {
        self.event(
            ids::PROCEXIT_E,
            pid,
            &[("status", V::I(0)), ("ret", V::I(0)), ("sig", V::I(0))],
        );
        self.live.remove(&pid);
        self.next_fd.remove(&pid);
    }

    fn alloc_fd(&mut self, pid: i64) -> i64 {
        let n = self.next_fd.entry(pid).or_insert(3);
        let fd = *n;
        *n += 1;
        fd
    }

    /// openat(AT_FDCWD, path, flags) that succeeds; returns the fd.
    pub fn open(&mut self, pid: i64, path: &str, flags: u32) -> i64 {
        let fd = self.alloc_fd(pid);
        self.openat_res(pid, path, flags, fd);
        fd
    }

    /// openat that fails with `-errno`.
    pub fn open_fail(&mut self, pid: i64, path: &str, flags: u32, errno: i64) {
        self.openat_res(pid, path, flags, -errno);
    }

    fn openat_res(&mut self, pid: i64, path: &str, flags: u32, res: i64) {
        let f = i64::from(flags);
        self.event(
            ids::OPENAT_E,
            pid,
            &[
                ("dirfd", V::I(AT_FDCWD)),
                ("name", V::S(path)),
                ("flags", V::I(f)),
                ("mode", V::I(0o644)),
            ],
        );
        self.event(
            ids::OPENAT_X,
            pid,
            &[
                ("fd", V::I(res)),
                ("dirfd", V::I(AT_FDCWD)),
                ("name", V::S(path)),
                ("flags", V::I(f)),
                ("mode", V::I(0o644)),
                ("dev", V::I(0x803)),
                ("ino", V::I(1000 + res)),
            ],
        );
    }

    /// read(fd, n) returning n bytes.
    pub fn read(&mut self, pid: i64, fd: i64, data: &[u8]) {
        let n = data.len() as i64;
        self.event(ids::READ_E, pid, &[("fd", V::I(fd)), ("size", V::I(n))]);
        self.event(
            ids::READ_X,
            pid,
            &[("res", V::I(n)), ("data", V::B(data.to_vec()))],
        );
    }

    /// write(fd, data).
    pub fn write(&mut self, pid: i64, fd: i64, data: &[u8]) {
        let n = data.len() as i64;
        self.event(ids::WRITE_E, pid, &[("fd", V::I(fd)), ("size", V::I(n))]);
        self.event(
            ids::WRITE_X,
            pid,
            &[("res", V::I(n)), ("data", V::B(data.to_vec()))],
        );
    }

    /// close(fd).
    pub fn close(&mut self, pid: i64, fd: i64) {
        self.event(ids::CLOSE_E, pid, &[("fd", V::I(fd))]);
        self.event(ids::CLOSE_X, pid, &[("res", V::I(0))]);
    }

    /// socket(AF_INET, SOCK_STREAM) + connect to `dst:port` from `src:sport`; returns the fd.
    pub fn connect(
        &mut self,
        pid: i64,
        src: Ipv4Addr,
        sport: u16,
        dst: Ipv4Addr,
        dport: u16,
    ) -> i64 {
        let fd = self.alloc_fd(pid);
        self.event(
            ids::SOCKET_E,
            pid,
            &[
                ("domain", V::I(i64::from(PPM_AF_INET))),
                ("type", V::I(i64::from(SOCK_STREAM))),
                ("proto", V::I(0)),
            ],
        );
        self.event(ids::SOCKET_X, pid, &[("fd", V::I(fd))]);
        let mut addr = vec![PPM_AF_INET];
        addr.extend_from_slice(&dst.octets());
        addr.extend_from_slice(&dport.to_le_bytes());
        self.event(
            ids::CONNECT_E,
            pid,
            &[("fd", V::I(fd)), ("addr", V::B(addr))],
        );
        let mut tuple = vec![PPM_AF_INET];
        tuple.extend_from_slice(&src.octets());
        tuple.extend_from_slice(&sport.to_le_bytes());
        tuple.extend_from_slice(&dst.octets());
        tuple.extend_from_slice(&dport.to_le_bytes());
        self.event(
            ids::CONNECT_X,
            pid,
            &[("res", V::I(0)), ("tuple", V::B(tuple)), ("fd", V::I(fd))],
        );
        fd
    }

    /// mount(dev, dir, fstype) (a bind mount when `fstype` is empty).
    pub fn mount(&mut self, pid: i64, dev: &str, dir: &str, fstype: &str) {
        let bind = 0x1000; // PPM_MS_BIND
        self.event(ids::MOUNT_E, pid, &[("flags", V::I(bind))]);
        self.event(
            ids::MOUNT_X,
            pid,
            &[
                ("res", V::I(0)),
                ("dev", V::S(dev)),
                ("dir", V::S(dir)),
                ("type", V::S(fstype)),
            ],
        );
    }

    /// A syscall with no state effect (e.g. `getpid`-like noise via `brk`).
    pub fn brk(&mut self, pid: i64) {
        self.event(ids::BRK_E, pid, &[("addr", V::I(0))]);
        self.event(
            ids::BRK_X,
            pid,
            &[
                ("res", V::I(0x5555_0000)),
                ("vm_size", V::I(4096)),
                ("vm_rss", V::I(1024)),
            ],
        );
    }

    /// Finish.
    pub fn finish(self) -> SynthCapture {
        self.cap
    }
}

fn put_int(out: &mut Vec<u8>, width: usize, v: i64) {
    let b = v.to_le_bytes();
    out.extend_from_slice(&b[..width.min(8)]);
    for _ in 8..width {
        out.push(0);
    }
}

/// Encode a value (or the empty/zero default) for a schema parameter type.
fn encode(out: &mut Vec<u8>, ty: ParamType, v: Option<&V<'_>>) {
    if let Some(w) = ty.fixed_len() {
        let x = match v {
            Some(V::I(i)) => *i,
            _ => 0,
        };
        if let Some(V::B(b)) = v {
            out.extend_from_slice(b);
            return;
        }
        put_int(out, w, x);
        return;
    }
    let nul_terminated = matches!(
        ty,
        ParamType::Charbuf | ParamType::Fspath | ParamType::Fsrelpath
    );
    match v {
        Some(V::S(s)) => {
            out.extend_from_slice(s.as_bytes());
            if nul_terminated {
                out.push(0);
            }
        }
        Some(V::L(items)) => {
            for i in items.iter() {
                out.extend_from_slice(i.as_bytes());
                out.push(0);
            }
        }
        Some(V::B(b)) => out.extend_from_slice(b),
        Some(V::I(i)) => out.extend_from_slice(&i.to_le_bytes()),
        None => {
            if nul_terminated {
                out.push(0);
            }
        }
    }
}

// --- file output ------------------------------------------------------------------------

use scap::file::{
    CaptureWriter, Compression, MachineInfo, ProcEntry, User, UserListEntry, WriterOptions,
};

impl SynthCapture {
    /// Write the capture with the scap writer, laid out as `sysdig -w` does: SHB, MI,
    /// UL_V2, PL_V9, then the events (container events as EV_V2_LARGE).
    pub fn write_with(
        &self,
        path: &std::path::Path,
        compression: Compression,
    ) -> Result<(), scap::file::WriteError> {
        let mut w = CaptureWriter::create(
            path,
            WriterOptions {
                compression,
                level: None,
                flush_interval: None,
            },
        )?;
        w.machine_info(&MachineInfo {
            num_cpus: 2,
            memory_size_bytes: 8 << 30,
            max_pid: 4_194_304,
            hostname: "harrier-synth".to_string(),
            reserved: [0; 4],
        })?;
        let users: Vec<UserListEntry<'_>> = self
            .users
            .iter()
            .map(|u| {
                UserListEntry::User(User {
                    uid: u.uid,
                    gid: u.gid,
                    name: u.name.as_bytes(),
                    homedir: u.home.as_bytes(),
                    shell: u.shell.as_bytes(),
                })
            })
            .collect();
        w.users(&users)?;
        let join = |l: &[String]| {
            let mut v = Vec::new();
            for s in l {
                v.extend_from_slice(s.as_bytes());
                v.push(0);
            }
            v
        };
        let lists: Vec<(Vec<u8>, Vec<u8>)> = self
            .procs
            .iter()
            .map(|p| (join(&p.args), join(&p.cgroups())))
            .collect();
        let procs: Vec<ProcEntry<'_>> = self
            .procs
            .iter()
            .zip(&lists)
            .map(|(p, (args, cgroups))| ProcEntry {
                version: 9,
                tid: p.pid,
                pid: p.pid,
                ptid: p.ppid,
                sid: Some(p.pid),
                vpgid: Some(p.pid),
                comm: p.comm.as_bytes(),
                exe: p.exe.as_bytes(),
                exepath: Some(p.exepath.as_bytes()),
                args,
                cwd: p.cwd.as_bytes(),
                fdlimit: 1024,
                uid: p.uid,
                gid: p.gid,
                vmsize_kb: Some(0),
                vmrss_kb: Some(0),
                vmswap_kb: Some(0),
                pfmajor: Some(0),
                pfminor: Some(0),
                env: Some(b""),
                vtid: Some(p.pid),
                vpid: Some(p.pid),
                cgroups: Some(cgroups),
                root: Some(b"/"),
                loginuid: Some(u32::MAX),
                exe_writable: Some(0),
                ..ProcEntry::default()
            })
            .collect();
        w.proc_list(&procs)?;
        for ev in &self.events {
            w.event(ev, 0, 0)?;
        }
        w.finish()
    }

    /// Write the capture uncompressed (what sysdig 0.29.3 reads directly).
    pub fn write(&self, path: &std::path::Path) -> Result<(), scap::file::WriteError> {
        self.write_with(path, Compression::None)
    }
}

// --- scenarios --------------------------------------------------------------------------

/// 2024-05-01T10:00:00Z, the start of every scripted scenario.
pub const T0: u64 = 1_714_557_600_000_000_000;

/// The host processes every scenario starts with: init, containerd, dockerd, sshd, and a
/// containerd shim per container.
pub fn base_system(s: &mut Synth) {
    s.initial(Proc::new(1, 0, "/sbin/init", &[]));
    s.initial(Proc::new(500, 1, "/usr/bin/containerd", &[]));
    s.initial(Proc::new(510, 1, "/usr/bin/dockerd", &["-H", "fd://"]));
    s.initial(Proc::new(600, 1, "/usr/sbin/sshd", &["-D"]));
    s.initial(Proc::new(700, 1, "/usr/sbin/cron", &["-f"]));
}

/// The nginx container of the demo ("web") and its shim + master process.
pub fn web_container(s: &mut Synth) -> Container {
    let c = Container {
        id: "3ad7b26ded6d".into(),
        name: "web".into(),
        repo: "docker.io/library/nginx".into(),
        tag: "1.25".into(),
        mounts: vec![("/srv/www".into(), "/usr/share/nginx/html".into())],
        privileged: false,
    };
    s.container(&c);
    s.initial(Proc::new(
        1000,
        500,
        "/usr/bin/containerd-shim-runc-v2",
        &["-namespace", "moby"],
    ));
    s.initial(Proc::new(1010, 1000, "/usr/sbin/nginx", &["-g", "daemon off;"]).in_container(&c.id));
    // The worker (www-data) that serves requests.
    s.initial(
        Proc::new(1011, 1010, "/usr/sbin/nginx", &["-g", "daemon off;"])
            .in_container(&c.id)
            .user(33, 33),
    );
    c
}

/// The bundled demo: a day in the life of a host with an nginx container, during which
/// an attacker gets a shell in the container, looks around, reads credentials, plants a
/// binary, phones home, and a privileged helper container mounts the host's /etc.
/// Every default rule fires at least once; benign activity around it does not alert.
pub fn demo() -> SynthCapture {
    let mut s = Synth::new(T0, 50_000);
    base_system(&mut s);
    let web = web_container(&mut s);
    let helper = Container {
        id: "9f1c0e2b7a44".into(),
        name: "debug-helper".into(),
        repo: "docker.io/library/alpine".into(),
        tag: "3.19".into(),
        mounts: vec![("/etc".into(), "/host/etc".into())],
        privileged: true,
    };
    s.container(&helper);

    // Benign: nginx serves files, cron runs a job, an admin logs in over ssh.
    for i in 0..20 {
        let fd = s.open(
            1011,
            &format!("/usr/share/nginx/html/page{}.html", i % 5),
            oflags::RDONLY,
        );
        s.read(1011, fd, b"<html>hello</html>");
        s.close(1011, fd);
    }
    s.spawn(Proc::new(
        2000,
        700,
        "/bin/sh",
        &["-c", "/usr/local/sbin/backup.sh"],
    ));
    s.spawn(Proc::new(
        2001,
        2000,
        "/usr/bin/tar",
        &["czf", "/var/backups/www.tgz", "/srv/www"],
    ));
    let fd = s.open(
        2001,
        "/var/backups/www.tgz",
        oflags::WRONLY | oflags::CREAT | oflags::TRUNC,
    );
    s.write(2001, fd, b"\x1f\x8b...");
    s.close(2001, fd);
    s.exit(2001);
    s.exit(2000);
    // sshd reads /etc/shadow for a password login: allowed reader.
    s.spawn(Proc::new(2100, 600, "/usr/sbin/sshd", &["-D", "-R"]));
    let fd = s.open(2100, "/etc/shadow", oflags::RDONLY);
    s.read(2100, fd, b"root:*:19000:0:99999:7:::");
    s.close(2100, fd);
    s.spawn(Proc::new(2101, 2100, "/bin/bash", &["-l"]).user(1000, 1000));
    s.spawn(Proc::new(
        2102,
        2101,
        "/usr/bin/apt-get",
        &["install", "-y", "jq"],
    ));
    s.spawn(Proc::new(
        2103,
        2102,
        "/usr/bin/dpkg",
        &["--unpack", "jq.deb"],
    ));
    let fd = s.open(
        2103,
        "/usr/bin/jq",
        oflags::WRONLY | oflags::CREAT | oflags::TRUNC,
    );
    s.write(2103, fd, b"\x7fELF");
    s.close(2103, fd);
    s.exit(2103);
    s.exit(2102);
    // A host process connects to an allowed, private address (no alert).
    let fd = s.connect(
        2101,
        Ipv4Addr::new(10, 0, 0, 5),
        40100,
        Ipv4Addr::new(10, 0, 0, 9),
        5432,
    );
    s.close(2101, fd);
    s.sleep(2_000_000_000);

    // The attack: a shell in the nginx container (Shell spawned in a container).
    // (remote code execution in the nginx worker)
    s.spawn(
        Proc::new(3000, 1011, "/bin/bash", &["-i"])
            .in_container(&web.id)
            .user(33, 33),
    );
    // Recon with a network tool (Network tool launched in a container).
    s.spawn(
        Proc::new(3001, 3000, "/usr/bin/nc", &["-zv", "10.0.0.9", "1-1024"])
            .in_container(&web.id)
            .user(33, 33),
    );
    s.exit(3001);
    // A program that does not belong in an nginx container (Process not on allowlist).
    s.spawn(
        Proc::new(3002, 3000, "/usr/bin/python3", &["-c", "import pty"])
            .in_container(&web.id)
            .user(33, 33),
    );
    // Credential theft (Sensitive file read).
    // (after a local privilege escalation, not shown)
    s.spawn(Proc::new(3003, 3002, "/bin/cat", &["/etc/shadow"]).in_container(&web.id));
    let fd = s.open(3003, "/etc/shadow", oflags::RDONLY);
    s.read(3003, fd, b"root:$6$salt$hash:19000:0:99999:7:::");
    s.close(3003, fd);
    s.exit(3003);
    // Plant a binary (Write below binary directory).
    let fd = s.open(
        3002,
        "/usr/bin/.cache-update",
        oflags::WRONLY | oflags::CREAT,
    );
    s.write(3002, fd, b"\x7fELF\x02\x01\x01");
    s.close(3002, fd);
    // Phone home to a public address (Outbound connection to an unlisted domain).
    let fd = s.connect(
        3002,
        Ipv4Addr::new(172, 17, 0, 2),
        45122,
        Ipv4Addr::new(203, 0, 113, 66),
        4444,
    );
    s.write(3002, fd, b"GET /stage2 HTTP/1.1\r\n\r\n");
    s.close(3002, fd);
    s.sleep(1_000_000_000);
    // The helper container bind-mounts the host's /etc (Sensitive host path mounted).
    s.initial(Proc::new(
        4000,
        500,
        "/usr/bin/containerd-shim-runc-v2",
        &["-namespace", "moby"],
    ));
    s.spawn(Proc::new(4001, 4000, "/usr/bin/runc", &["init"]).in_container(&helper.id));
    s.mount(4001, "/etc", "/host/etc", "");
    s.mount(4001, "proc", "/proc", "proc");
    s.exit(4001);
    s.finish()
}

/// A realistic busy host for benchmarks, `n` events long: four nginx workers in a container
/// serving files, an API process on the host talking to a database, cron jobs spawning
/// short-lived shell pipelines, sshd logins, memory-management noise, and, rarely, an
/// intrusion step that the default rules report (about one alert per 50k events).
pub fn bench(n: usize) -> SynthCapture {
    let mut s = Synth::new(T0, 1_000);
    base_system(&mut s);
    let web = web_container(&mut s);
    for w in 0..4 {
        s.initial(
            Proc::new(1020 + w, 1010, "/usr/sbin/nginx", &["-g", "daemon off;"])
                .in_container(&web.id)
                .user(33, 33),
        );
    }
    s.initial(Proc::new(800, 1, "/usr/local/bin/api-server", &["--port", "8080"]).user(1000, 1000));
    let page = [b'x'; 512];
    let mut next_pid: i64 = 10_000;
    let mut tick: u64 = 0;
    while s.len() < n {
        tick += 1;
        // nginx workers serve static files.
        for w in 0..4 {
            let pid = 1020 + w;
            let fd = s.open(
                pid,
                &format!(
                    "/usr/share/nginx/html/assets/{}.css",
                    (tick + w as u64) % 200
                ),
                oflags::RDONLY,
            );
            s.read(pid, fd, &page[..(64 + (tick as usize * 7) % 448)]);
            s.close(pid, fd);
        }
        // the API server queries its database and writes a log line.
        let fd = s.connect(
            800,
            Ipv4Addr::new(10, 0, 0, 5),
            40000 + (tick % 20000) as u16,
            Ipv4Addr::new(10, 0, 0, 9),
            5432,
        );
        s.write(800, fd, b"SELECT * FROM orders WHERE id = $1");
        s.read(800, fd, b"1|widget|4.20");
        s.close(800, fd);
        let fd = s.open(800, "/var/log/api/access.log", oflags::WRONLY);
        s.write(800, fd, b"GET /orders/1 200\n");
        s.close(800, fd);
        s.brk(800);
        // a cron job every 16 ticks: sh -c 'ls /var/spool | grep x'
        if tick.is_multiple_of(16) {
            let sh = next_pid;
            let ls = next_pid + 1;
            next_pid += 2;
            s.spawn(Proc::new(
                sh,
                700,
                "/bin/sh",
                &["-c", "ls /var/spool | grep x"],
            ));
            s.spawn(Proc::new(ls, sh, "/bin/ls", &["/var/spool"]));
            let fd = s.open(ls, "/var/spool", oflags::RDONLY);
            s.read(ls, fd, b"cron\nmail\n");
            s.close(ls, fd);
            s.exit(ls);
            s.exit(sh);
        }
        // an ssh login every 256 ticks (sshd reads /etc/shadow: allowed).
        if tick.is_multiple_of(256) {
            let pid = next_pid;
            next_pid += 1;
            s.spawn(Proc::new(pid, 600, "/usr/sbin/sshd", &["-D", "-R"]));
            let fd = s.open(pid, "/etc/shadow", oflags::RDONLY);
            s.close(pid, fd);
            s.exit(pid);
        }
        // an intrusion step every 2048 ticks: a shell in the web container reading shadow.
        if tick.is_multiple_of(2048) {
            let pid = next_pid;
            next_pid += 1;
            s.spawn(
                Proc::new(pid, 1020, "/bin/sh", &["-c", "cat /etc/shadow"]).in_container(&web.id),
            );
            let fd = s.open(pid, "/etc/shadow", oflags::RDONLY);
            s.close(pid, fd);
            s.exit(pid);
        }
    }
    s.finish()
}
