//! Process, fd, user and container state rebuilt from capture metadata and events, the way
//! libsinsp 0.29.3 rebuilds it (`docs/scap-format.md` §6).
//!
//! Principal types: [`State`] (the thread table plus users, groups and containers),
//! [`thread::Thread`], [`fd::FdInfo`], [`evt::Evt`] (zero-copy event view) and [`Cur`] (what
//! the last processed event resolved: its thread, its fd, whether it is hidden).
//!
//! Data flow: [`feed::Feeder`] applies the records of `scap::file::CaptureReader` (the one
//! capture-file reader) in file order: metadata ([`State::add_proc`], [`State::add_fd`],
//! [`State::add_user`]...), then every event as an [`Evt`] view to [`State::process`], which
//! applies libsinsp's per-event reset (thread lookup or fake `<NA>` thread, enter/exit
//! pairing, fd resolution), the event's parser, and the delayed removals (a closed fd or an
//! exited thread disappears when the *next* event arrives). Field extractors
//! (`crate::fields`) then read [`State`] and [`Cur`] for the same event.
//!
//! Bounded memory: exited threads are dropped as libsinsp drops them (one event after
//! procexit, kept while child threads reference them), fds on close, and the thread table
//! is capped ([`State::max_threads`], default 131072 like libsinsp; new threads beyond the
//! cap are not tracked). Steady-state processing reuses buffers: enter events are copied
//! into a per-thread buffer, names are rebuilt in place.

pub mod container;
pub mod evt;
pub mod fd;
pub mod feed;
pub mod parse;
pub mod synth;
pub mod thread;

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};
use std::sync::Arc;

pub use container::{Container, ContainerTable};
pub use evt::{Evt, Kind};
pub use fd::{FdInfo, FdTable, FdType};
pub use thread::{Thread, ThreadTable};

/// A fast, deterministic hasher for integer keys (tids, fds, uids).
#[derive(Default, Clone, Copy, Debug)]
pub struct IntHasher(u64);

impl Hasher for IntHasher {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = (self.0.rotate_left(8) ^ b as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15);
        }
    }
    fn write_u64(&mut self, v: u64) {
        self.0 = (v ^ (v >> 29)).wrapping_mul(0x9E37_79B9_7F4A_7C15);
    }
    fn write_i64(&mut self, v: i64) {
        self.write_u64(v as u64);
    }
    fn write_u32(&mut self, v: u32) {
        self.write_u64(v as u64);
    }
}

/// `BuildHasher` for [`IntHasher`].
pub type FastHash = BuildHasherDefault<IntHasher>;

/// A user from a UL block or /etc/passwd.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct User {
    /// uid.
    pub uid: u32,
    /// Primary gid.
    pub gid: u32,
    /// Login name.
    pub name: String,
    /// Home directory.
    pub homedir: String,
    /// Shell.
    pub shell: String,
}

/// A group.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Group {
    /// gid.
    pub gid: u32,
    /// Name.
    pub name: String,
}

/// A process entry from a PL block (or /proc), before it becomes a [`Thread`].
#[derive(Clone, Debug, Default)]
pub struct ProcEntry {
    /// tid.
    pub tid: i64,
    /// pid.
    pub pid: i64,
    /// ptid.
    pub ptid: i64,
    /// sid.
    pub sid: i64,
    /// vpgid.
    pub vpgid: i64,
    /// comm.
    pub comm: Vec<u8>,
    /// exe (argv[0]).
    pub exe: Vec<u8>,
    /// exepath.
    pub exepath: Vec<u8>,
    /// args, NUL-separated.
    pub args: Vec<u8>,
    /// cwd.
    pub cwd: Vec<u8>,
    /// fdlimit.
    pub fdlimit: i64,
    /// PPM_CL flags.
    pub flags: u32,
    /// uid.
    pub uid: u32,
    /// gid.
    pub gid: u32,
    /// vm size.
    pub vmsize_kb: u32,
    /// rss.
    pub vmrss_kb: u32,
    /// swap.
    pub vmswap_kb: u32,
    /// major faults.
    pub pfmajor: u64,
    /// minor faults.
    pub pfminor: u64,
    /// env, NUL-separated.
    pub env: Vec<u8>,
    /// vtid.
    pub vtid: i64,
    /// vpid.
    pub vpid: i64,
    /// cgroups, NUL-separated `subsys=path`.
    pub cgroups: Vec<u8>,
    /// root.
    pub root: Vec<u8>,
    /// loginuid.
    pub loginuid: u32,
    /// tty.
    pub tty: u32,
    /// exe_writable.
    pub exe_writable: bool,
}

/// How [`State::fd_name_changed`] decides for the current event.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum NameCheck {
    /// The parser cannot rename the fd.
    #[default]
    Unchanged,
    /// The parser created the fd: changed when it has a name.
    Fresh,
    /// Compare with the fingerprint taken before parsing.
    Compare(Option<(usize, u64)>),
}

/// What the last processed event resolved.
#[derive(Clone, Copy, Debug, Default)]
pub struct Cur {
    /// The event's thread is in the table.
    pub has_thread: bool,
    /// Its tid.
    pub tid: i64,
    /// The event's fd (`evt->m_fdinfo`): (tid owning the table, fd number).
    pub fd: Option<(i64, i64)>,
    /// Hidden from output (state-only events, failed container lookups).
    pub filtered_out: bool,
    /// How to tell whether this event changed its fd's name ([`State::fd_name_changed`]).
    pub name_check: NameCheck,
    /// Errno of a failed exit (positive), 0 otherwise.
    pub errorcode: i32,
    /// The thread may hold a stored enter event that [`State::end_event`] must drop
    /// (false only when the reset saw none: saves a lookup per exit event).
    pub enter_stored: bool,
}

/// The whole state.
#[derive(Debug)]
pub struct State {
    /// Thread table.
    pub threads: thread::ThreadTable,
    /// Users by uid.
    pub users: HashMap<u32, User, FastHash>,
    /// Groups by gid.
    pub groups: HashMap<u32, Group, FastHash>,
    /// Containers by id.
    pub containers: ContainerTable,
    /// Cap of the thread table.
    pub max_threads: usize,
    /// Threads not added because the table was full (eviction disabled).
    pub dropped_threads: u64,
    /// Evict old threads when the table is full instead of refusing new ones.
    pub evict_when_full: bool,
    /// Threads evicted to make room.
    pub evicted_threads: u64,
    /// Events processed (sysdig's `evt.num`).
    pub nevts: u64,
    /// Timestamp of the last event.
    pub last_ts: u64,
    /// Timestamp of the first event (not counting container meta-events).
    pub first_ts: u64,
    /// Resolution of the last event.
    pub cur: Cur,
    /// Hostname from the MI block.
    pub hostname: String,
    /// Drop O_CLOEXEC fds at execve (newer libsinsp; sysdig 0.29.3 keeps them: off).
    pub cloexec_on_execve: bool,
    /// IPv4 interfaces (address, netmask), network byte order, from IL blocks.
    pub ifaces_v4: Vec<([u8; 4], [u8; 4])>,
    /// IPv6 interface addresses from IL blocks.
    pub ifaces_v6: Vec<[u8; 16]>,
    /// Server ports of listening sockets from FDL blocks (`m_server_ports`).
    pub server_ports: Vec<u16>,
    pub(crate) facts: &'static [parse::TypeFacts],
    pub(crate) tid_to_remove: i64,
    pub(crate) tid_of_fd_to_remove: i64,
    pub(crate) fds_to_remove: Vec<i64>,
    pub(crate) name_buf: String,
    pub(crate) tmp_enter: Vec<u8>,
    pub(crate) dir_buf: Vec<u8>,
    pub(crate) spare_strings: Vec<String>,
}

impl Default for State {
    fn default() -> Self {
        State::new()
    }
}

/// Default thread-table cap (libsinsp `m_thread_table_absolute_max_size`).
pub const DEFAULT_MAX_THREADS: usize = 131_072;

impl State {
    /// An empty state.
    pub fn new() -> State {
        State {
            threads: thread::ThreadTable::default(),
            users: HashMap::default(),
            groups: HashMap::default(),
            containers: ContainerTable::default(),
            max_threads: DEFAULT_MAX_THREADS,
            dropped_threads: 0,
            evict_when_full: true,
            evicted_threads: 0,
            nevts: 0,
            last_ts: 0,
            first_ts: 0,
            cur: Cur::default(),
            hostname: String::new(),
            cloexec_on_execve: false,
            ifaces_v4: Vec::new(),
            ifaces_v6: Vec::new(),
            server_ports: Vec::new(),
            facts: parse::type_facts(),
            tid_to_remove: -1,
            tid_of_fd_to_remove: -1,
            fds_to_remove: Vec::new(),
            name_buf: String::new(),
            tmp_enter: Vec::new(),
            dir_buf: Vec::new(),
            spare_strings: Vec::new(),
        }
    }

    /// Forgets everything (a new section of a concatenated file restarts the capture).
    pub fn reset(&mut self) {
        let max = self.max_threads;
        let cloexec = self.cloexec_on_execve;
        *self = State::new();
        self.max_threads = max;
        self.cloexec_on_execve = cloexec;
    }

    /// Makes room in a full thread table: drops exited threads, then the least recently
    /// active childless threads, 1/16 of the cap at a time (amortised). Returns whether
    /// there is room now. libsinsp instead refuses new threads when full; eviction keeps
    /// long live runs tracking the processes that are active now.
    pub fn evict(&mut self) -> bool {
        if self.threads.len() < self.max_threads {
            return true;
        }
        let target = self
            .max_threads
            .saturating_sub((self.max_threads / 16).max(1));
        let closed: Vec<i64> = self
            .threads
            .values()
            .filter(|t| t.flags & thread::cl::CLOSED != 0 && t.nchilds == 0)
            .map(|t| t.tid)
            .collect();
        for t in closed {
            self.threads.remove(&t);
            self.evicted_threads += 1;
        }
        if self.threads.len() > target {
            let mut by_age: Vec<(u64, i64)> = self
                .threads
                .values()
                .filter(|t| t.nchilds == 0 && t.tid != self.cur.tid)
                .map(|t| (t.lastaccess_ts, t.tid))
                .collect();
            by_age.sort_unstable();
            let n = self.threads.len() - target;
            for (_, tid) in by_age.into_iter().take(n) {
                self.threads.remove(&tid);
                self.evicted_threads += 1;
            }
        }
        self.threads.len() < self.max_threads
    }

    /// Live-mode housekeeping (libsinsp's `remove_inactive_threads`): drops exited threads
    /// and threads without events for `timeout_ns` before `now_ns`.
    pub fn purge_inactive(&mut self, now_ns: u64, timeout_ns: u64) -> usize {
        let dead: Vec<i64> = self
            .threads
            .values()
            .filter(|t| {
                t.flags & thread::cl::CLOSED != 0
                    || now_ns > t.lastaccess_ts.saturating_add(timeout_ns)
            })
            .map(|t| t.tid)
            .collect();
        let n = dead.len();
        for t in dead {
            self.remove_thread(t, true);
        }
        n
    }

    /// Adds a thread from a PL entry (`sinsp_threadinfo::init(scap_threadinfo*)`).
    pub fn add_proc(&mut self, p: &ProcEntry) {
        let mut t = Thread::new(p.tid);
        t.pid = p.pid;
        t.ptid = p.ptid;
        t.sid = p.sid;
        t.vpgid = p.vpgid;
        t.comm = Arc::from(&p.comm[..]);
        t.exe = Arc::from(&p.exe[..]);
        t.exepath = Arc::from(&p.exepath[..]);
        t.exe_writable = p.exe_writable;
        t.args = thread::split_list(&p.args);
        t.flags = p.flags | thread::cl::ACTIVE;
        if t.is_main() {
            t.env = thread::split_list(&p.env);
            let mut s = String::new();
            set_cwd_on(&mut t.cwd, &mut s, &p.cwd);
        }
        t.fdlimit = p.fdlimit;
        t.uid = p.uid;
        t.gid = p.gid;
        t.vmsize_kb = p.vmsize_kb;
        t.vmrss_kb = p.vmrss_kb;
        t.vmswap_kb = p.vmswap_kb;
        t.pfmajor = p.pfmajor;
        t.pfminor = p.pfminor;
        t.vtid = p.vtid;
        t.vpid = p.vpid;
        t.tty = p.tty;
        t.loginuid = p.loginuid;
        t.cgroups = thread::split_list(&p.cgroups);
        t.root = Arc::from(&p.root[..]);
        t.container_id = container::resolve(&t.cgroups);
        if self.threads.len() >= self.max_threads && !(self.evict_when_full && self.evict()) {
            self.dropped_threads += 1;
            return;
        }
        self.threads.insert(t.tid, t);
    }

    /// Fills an empty source/destination address of a socket from the interface list
    /// (`sinsp_network_interfaces::update_fd`).
    pub fn infer_local_address(&self, f: &mut FdInfo) {
        match f.ty {
            FdType::Ipv4Sock => {
                let (s, d) = (&mut f.sock.sip, &mut f.sock.dip);
                let zs = s[..4] == [0; 4];
                let zd = d[..4] == [0; 4];
                if !zs && !zd {
                    return;
                }
                let other: [u8; 4] = if zs {
                    [d[0], d[1], d[2], d[3]]
                } else {
                    [s[0], s[1], s[2], s[3]]
                };
                let newaddr = self.infer_v4(other);
                if newaddr == other && f.sock.sport == f.sock.dport {
                    return;
                }
                if zs {
                    f.sock.sip[..4].copy_from_slice(&newaddr);
                } else {
                    f.sock.dip[..4].copy_from_slice(&newaddr);
                }
            }
            FdType::Ipv6Sock => {
                let zs = f.sock.sip == [0; 16];
                let zd = f.sock.dip == [0; 16];
                if !zs && !zd {
                    return;
                }
                let other = if zs { f.sock.dip } else { f.sock.sip };
                let newaddr = self.infer_v6(&other);
                if newaddr == other && f.sock.sport == f.sock.dport {
                    return;
                }
                if zs {
                    f.sock.sip = newaddr;
                } else {
                    f.sock.dip = newaddr;
                }
            }
            _ => {}
        }
    }

    /// `is_ipv4addr_in_local_machine`: an address of a container (for container threads)
    /// or of a local interface.
    pub fn is_local_v4(&self, a: &[u8], t: &Thread) -> bool {
        let Some(a4) = a.get(..4) else { return false };
        let v = u32::from_be_bytes([a4[0], a4[1], a4[2], a4[3]]);
        if !t.container_id.is_empty() && self.containers.values().any(|c| c.ip.unwrap_or(0) == v) {
            return true;
        }
        self.ifaces_v4.iter().any(|(x, _)| x[..] == a4[..])
    }

    /// `is_ipv6addr_in_local_machine`: same /64 as a local interface (never for
    /// container threads).
    pub fn is_local_v6(&self, a: &[u8; 16], t: &Thread) -> bool {
        if !t.container_id.is_empty() {
            return false;
        }
        self.ifaces_v6.iter().any(|x| x[..8] == a[..8])
    }

    fn infer_v4(&self, d: [u8; 4]) -> [u8; 4] {
        if let Some((a, _)) = self.ifaces_v4.iter().find(|(a, _)| *a == d) {
            return *a;
        }
        let and = |x: [u8; 4], m: [u8; 4]| [x[0] & m[0], x[1] & m[1], x[2] & m[2], x[3] & m[3]];
        if let Some((a, _)) = self
            .ifaces_v4
            .iter()
            .find(|(a, m)| and(*a, *m) == and(d, *m))
        {
            return *a;
        }
        if let Some((a, _)) = self.ifaces_v4.iter().find(|(a, _)| *a != [127, 0, 0, 1]) {
            return *a;
        }
        [0; 4]
    }

    fn infer_v6(&self, d: &[u8; 16]) -> [u8; 16] {
        if let Some(a) = self.ifaces_v6.iter().find(|a| *a == d) {
            return *a;
        }
        if let Some(a) = self.ifaces_v6.iter().find(|a| a[..8] == d[..8]) {
            return *a;
        }
        let mut lo = [0u8; 16];
        lo[15] = 1;
        if let Some(a) = self.ifaces_v6.iter().find(|a| **a != lo) {
            return *a;
        }
        [0; 16]
    }

    /// Recomputes the child counts after the PL (`create_child_dependencies`) and fixes
    /// the roles of sockets that came from FDL blocks (`fix_sockets_coming_from_proc`).
    pub fn finish_proclist(&mut self) {
        let ports = std::mem::take(&mut self.server_ports);
        for t in self.threads.values_mut() {
            for f in t.fds.values_mut() {
                if f.ty == FdType::Ipv4Sock {
                    if ports.contains(&f.sock.sport) {
                        f.swap_addresses();
                        f.name.clear();
                        fd::ipv4tuple_to_string(&f.sock, &mut f.name);
                        f.set_server();
                    } else {
                        f.set_client();
                    }
                }
            }
        }
        self.server_ports = ports;
        let mut counts: HashMap<i64, u64, FastHash> = HashMap::default();
        for t in self.threads.values() {
            if t.flags & thread::cl::CLONE_THREAD != 0 {
                *counts.entry(t.pid).or_default() += 1;
            }
        }
        for t in self.threads.values_mut() {
            t.nchilds = counts.get(&t.tid).copied().unwrap_or(0);
        }
    }

    /// Adds an fd from an FDL block to thread `tid`'s own table. Returns false when the
    /// thread is unknown (libscap refuses the file in that case).
    pub fn add_fd(&mut self, tid: i64, fd: i64, fdi: FdInfo) -> bool {
        match self.threads.get_mut(&tid) {
            Some(t) => {
                t.fds.add(fd, fdi);
                true
            }
            None => false,
        }
    }

    /// Adds a user (UL block, /etc/passwd).
    pub fn add_user(&mut self, u: User) {
        self.users.insert(u.uid, u);
    }

    /// Adds a group.
    pub fn add_group(&mut self, g: Group) {
        self.groups.insert(g.gid, g);
    }

    /// Loads users and groups from passwd/group files (live mode).
    pub fn load_passwd(&mut self, passwd: &str, group: &str) {
        for l in passwd.lines() {
            let f: Vec<&str> = l.split(':').collect();
            if f.len() >= 7 {
                if let (Ok(uid), Ok(gid)) = (f[2].parse(), f[3].parse()) {
                    self.add_user(User {
                        uid,
                        gid,
                        name: f[0].into(),
                        homedir: f[5].into(),
                        shell: f[6].into(),
                    });
                }
            }
        }
        for l in group.lines() {
            let f: Vec<&str> = l.split(':').collect();
            if f.len() >= 3 {
                if let Ok(gid) = f[2].parse() {
                    self.add_group(Group {
                        gid,
                        name: f[0].into(),
                    });
                }
            }
        }
    }

    /// Loads the host's users and groups (`/etc/passwd`, `/etc/group`) for live capture.
    pub fn load_host_users(&mut self) -> std::io::Result<()> {
        let p = std::fs::read_to_string("/etc/passwd")?;
        let g = std::fs::read_to_string("/etc/group").unwrap_or_default();
        self.load_passwd(&p, &g);
        Ok(())
    }

    /// The thread of the current event (`sinsp_evt::get_thread_info`: the thread resolved
    /// at reset, or a fresh lookup by tid, which finds threads the event itself created).
    pub fn cur_thread(&self) -> Option<&Thread> {
        self.threads.get(&self.cur.tid)
    }

    /// The fd of the current event (`evt->m_fdinfo`).
    pub fn cur_fd(&self) -> Option<&FdInfo> {
        let (owner, fd) = self.cur.fd?;
        self.threads.get(&owner)?.fds.get(fd)
    }

    /// The main thread of `t`'s process.
    pub fn main_thread<'a>(&'a self, t: &'a Thread) -> Option<&'a Thread> {
        if t.is_main() {
            Some(t)
        } else {
            self.threads.get(&t.pid)
        }
    }

    /// The tid whose fd table `tid` uses (`get_fd_table`).
    pub fn fd_owner(&self, tid: i64) -> Option<i64> {
        let t = self.threads.get(&tid)?;
        if t.flags & thread::cl::CLONE_FILES == 0 || t.is_main() {
            Some(tid)
        } else if self.threads.contains_key(&t.pid) {
            Some(t.pid)
        } else {
            None
        }
    }

    /// `tinfo->get_fd(fd)`.
    pub fn get_fd(&self, tid: i64, fd: i64) -> Option<&FdInfo> {
        let o = self.fd_owner(tid)?;
        self.threads.get(&o)?.fds.get(fd)
    }

    /// The parent process of `t` (looked up by the main thread's ptid).
    pub fn parent<'a>(&'a self, t: &'a Thread) -> Option<&'a Thread> {
        let m = self.main_thread(t)?;
        self.threads.get(&m.ptid)
    }

    /// The cwd of `t` (its main thread's).
    pub fn cwd_of<'a>(&'a self, t: &'a Thread) -> &'a [u8] {
        match self.main_thread(t) {
            Some(m) => &m.cwd,
            None => b"./",
        }
    }

    /// Container record of a thread (None for the host or an unknown container).
    pub fn container_of(&self, t: &Thread) -> Option<&Container> {
        if t.container_id.is_empty() {
            None
        } else {
            container::ContainerLookup::get(&self.containers, &t.container_id)
        }
    }
}

/// `set_cwd`: joins `path` onto `cwd` and makes it end with '/'.
pub(crate) fn set_cwd_on(cwd: &mut Vec<u8>, buf: &mut String, path: &[u8]) {
    fd::concatenate_paths(buf, cwd, path);
    cwd.clear();
    cwd.extend_from_slice(buf.as_bytes());
    if cwd.last() != Some(&b'/') {
        cwd.push(b'/');
    }
}
