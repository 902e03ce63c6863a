//! [`Thread`]: one entry of the thread table, with the process-level data libsinsp keeps
//! per thread (comm, exe, args, env, cwd, credentials, cgroups, the fd table) and the
//! per-thread enter/exit pairing bookkeeping.

use std::sync::Arc;

use super::fd::FdTable;

/// `PPM_CL_*` flag bits used by the state (driver bits and libsinsp-internal bits).
pub mod cl {
    /// CLONE_FILES.
    pub const CLONE_FILES: u32 = 1 << 0;
    /// CLONE_FS.
    pub const CLONE_FS: u32 = 1 << 1;
    /// CLONE_THREAD.
    pub const CLONE_THREAD: u32 = 1 << 13;
    /// Child-first clone (libsinsp-internal).
    pub const CLONE_INVERTED: u32 = 1 << 16;
    /// comm changed (libsinsp-internal).
    pub const NAME_CHANGED: u32 = 1 << 17;
    /// Exited (libsinsp-internal).
    pub const CLOSED: u32 = 1 << 18;
    /// Seen alive (libsinsp-internal).
    pub const ACTIVE: u32 = 1 << 19;
    /// stdout is a pipe.
    pub const PIPE_SRC: u32 = 1 << 21;
    /// stdin is a pipe.
    pub const PIPE_DST: u32 = 1 << 22;
    /// The child lives in a new pid namespace.
    pub const CHILD_IN_PIDNS: u32 = 1 << 29;
    /// Main thread of its process (libsinsp-internal).
    pub const IS_MAIN_THREAD: u32 = 1 << 30;
}

/// Shared immutable byte string (comm, exe, paths): cloning a thread copies pointers only.
pub type Bstr = Arc<[u8]>;
/// Shared list of byte strings (args, env).
pub type Blist = Arc<Vec<Box<[u8]>>>;

/// The `<NA>` string (one shared allocation).
pub fn na() -> Bstr {
    static NA: std::sync::OnceLock<Bstr> = std::sync::OnceLock::new();
    NA.get_or_init(|| Arc::from(&b"<NA>"[..])).clone()
}

/// The empty string (one shared allocation).
fn empty_bstr() -> Bstr {
    static E: std::sync::OnceLock<Bstr> = std::sync::OnceLock::new();
    E.get_or_init(|| Arc::from(&b""[..])).clone()
}

/// The empty list (one shared allocation).
fn empty_list() -> Blist {
    static E: std::sync::OnceLock<Blist> = std::sync::OnceLock::new();
    E.get_or_init(|| Arc::new(Vec::new())).clone()
}

/// Sets `s` to `b`, keeping the shared string when it already holds these bytes.
#[inline]
pub fn set_bstr(s: &mut Bstr, b: &[u8]) {
    if **s != *b {
        *s = Arc::from(b);
    }
}

/// Whether [`split_list`] of `b` equals `list` (compared without allocating).
pub fn list_matches(list: &[Box<[u8]>], b: &[u8]) -> bool {
    let mut it = list.iter();
    let mut off = 0usize;
    while off < b.len() {
        let rest = &b[off..];
        let end = rest.iter().position(|&c| c == 0).unwrap_or(rest.len());
        match it.next() {
            Some(x) if **x == rest[..end] => {}
            _ => return false,
        }
        off += end + 1;
    }
    it.next().is_none()
}

/// Sets `l` from a NUL-separated list, keeping the shared list when equal. Returns
/// whether it changed.
#[inline]
pub fn set_list(l: &mut Blist, b: &[u8]) -> bool {
    if list_matches(l, b) {
        return false;
    }
    *l = split_list(b);
    true
}

/// One thread.
#[derive(Clone, Debug)]
pub struct Thread {
    /// Host thread id.
    pub tid: i64,
    /// Thread-group id.
    pub pid: i64,
    /// Parent tid.
    pub ptid: i64,
    /// Session id.
    pub sid: i64,
    /// Process group id (virtual).
    pub vpgid: i64,
    /// Namespace tid.
    pub vtid: i64,
    /// Namespace pid.
    pub vpid: i64,
    /// comm (`proc.name`).
    pub comm: Bstr,
    /// argv[0] (`proc.exe`).
    pub exe: Bstr,
    /// Full executable path.
    pub exepath: Bstr,
    /// argv[1..].
    pub args: Blist,
    /// Environment.
    pub env: Blist,
    /// cgroups as `subsys=path` strings.
    pub cgroups: Blist,
    /// Working directory (ends with '/'); only meaningful on main threads.
    pub cwd: Vec<u8>,
    /// Root directory.
    pub root: Bstr,
    /// fd limit.
    pub fdlimit: i64,
    /// Effective uid.
    pub uid: u32,
    /// Effective gid.
    pub gid: u32,
    /// Audit login uid.
    pub loginuid: u32,
    /// Controlling tty.
    pub tty: u32,
    /// `cl::*` flags.
    pub flags: u32,
    /// Number of threads whose pid is this tid (main threads).
    pub nchilds: u64,
    /// Clone timestamp (ns).
    pub clone_ts: u64,
    /// Container id ("" for the host).
    pub container_id: Bstr,
    /// Executable is writable by the user (execve flags).
    pub exe_writable: bool,
    /// vm sizes (kB).
    pub vmsize_kb: u32,
    /// Resident set (kB).
    pub vmrss_kb: u32,
    /// Swap (kB).
    pub vmswap_kb: u32,
    /// Major page faults.
    pub pfmajor: u64,
    /// Minor page faults.
    pub pfminor: u64,
    /// The fd table (used when this is a main thread or a thread without CLONE_FILES).
    pub fds: FdTable,
    /// fd of the last enter event (-1 when none).
    pub lastevent_fd: i64,
    /// Type of the last enter event (`u16::MAX` = none).
    pub lastevent_type: u16,
    /// Record of the last stored enter event (reused buffer).
    pub lastevent_data: Vec<u8>,
    /// CPU of the stored enter event.
    pub lastevent_cpu: u16,
    /// Whether `lastevent_data` holds a usable enter event.
    pub lastevent_valid: bool,
    /// Timestamp of the last event of this thread.
    pub lastaccess_ts: u64,
}

impl Thread {
    /// A fresh thread with libsinsp's defaults (used for fake `<NA>` entries and as the
    /// base for clone children).
    pub fn new(tid: i64) -> Thread {
        let empty = empty_bstr();
        Thread {
            tid,
            pid: tid,
            ptid: -1,
            sid: -1,
            vpgid: -1,
            vtid: -1,
            vpid: -1,
            comm: na(),
            exe: na(),
            exepath: empty.clone(),
            args: empty_list(),
            env: empty_list(),
            cgroups: empty_list(),
            cwd: Vec::new(),
            root: empty.clone(),
            fdlimit: -1,
            uid: u32::MAX,
            gid: u32::MAX,
            loginuid: 0,
            tty: 0,
            flags: 0,
            nchilds: 0,
            clone_ts: 0,
            container_id: empty,
            exe_writable: false,
            vmsize_kb: 0,
            vmrss_kb: 0,
            vmswap_kb: 0,
            pfmajor: 0,
            pfminor: 0,
            fds: FdTable::default(),
            lastevent_fd: -1,
            lastevent_type: u16::MAX,
            lastevent_data: Vec::new(),
            lastevent_cpu: 0,
            lastevent_valid: false,
            lastaccess_ts: 0,
        }
    }

    /// Main thread of its process (`pid == tid` or flagged).
    pub fn is_main(&self) -> bool {
        self.pid == self.tid || self.flags & cl::IS_MAIN_THREAD != 0
    }

    /// A fake `<NA>` entry (unknown thread, created from an event).
    pub fn is_invalid(&self) -> bool {
        &*self.comm == b"<NA>" && self.uid == u32::MAX
    }
}

/// Splits a NUL-separated list (`set_args` / `set_env`): every NUL-terminated string in
/// order; a trailing unterminated string counts too.
pub fn split_list(b: &[u8]) -> Blist {
    let mut v = Vec::new();
    let mut off = 0usize;
    while off < b.len() {
        let rest = &b[off..];
        let end = rest.iter().position(|&c| c == 0).unwrap_or(rest.len());
        v.push(Box::from(&rest[..end]));
        off += end + 1;
    }
    Arc::new(v)
}

/// The thread table: threads in a slab indexed by tid, with a one-entry lookup cache. One
/// event looks its thread up many times (reset, parser, every `proc.*`/`fd.*` field): the
/// repeated lookups skip the hash probe, and threads never move when the table grows.
/// The API is the subset of `HashMap<i64, Thread>` the engine uses.
#[derive(Clone, Debug)]
pub struct ThreadTable {
    slots: Vec<Option<Thread>>,
    index: std::collections::HashMap<i64, u32, super::FastHash>,
    free: Vec<u32>,
    /// (tid, slot) of the last lookup; checked against the slot's tid, so a stale entry
    /// only costs the normal lookup.
    last: std::cell::Cell<(i64, u32)>,
}

impl Default for ThreadTable {
    fn default() -> Self {
        ThreadTable {
            slots: Vec::new(),
            index: Default::default(),
            free: Vec::new(),
            last: std::cell::Cell::new((i64::MIN, 0)),
        }
    }
}

impl ThreadTable {
    #[inline]
    fn slot_of(&self, tid: i64) -> Option<usize> {
        let (ct, ci) = self.last.get();
        if ct == tid && matches!(self.slots.get(ci as usize), Some(Some(t)) if t.tid == tid) {
            return Some(ci as usize);
        }
        let i = *self.index.get(&tid)?;
        self.last.set((tid, i));
        Some(i as usize)
    }

    /// The thread `tid`.
    #[inline]
    pub fn get(&self, tid: &i64) -> Option<&Thread> {
        let i = self.slot_of(*tid)?;
        self.slots.get(i)?.as_ref()
    }

    /// The thread `tid`, mutably.
    #[inline]
    pub fn get_mut(&mut self, tid: &i64) -> Option<&mut Thread> {
        let i = self.slot_of(*tid)?;
        self.slots.get_mut(i)?.as_mut()
    }

    /// Whether `tid` is in the table.
    #[inline]
    pub fn contains_key(&self, tid: &i64) -> bool {
        self.slot_of(*tid).is_some()
    }

    /// Adds or replaces thread `tid`; returns the replaced one.
    pub fn insert(&mut self, tid: i64, t: Thread) -> Option<Thread> {
        if let Some(&i) = self.index.get(&tid) {
            return self.slots.get_mut(i as usize)?.replace(t);
        }
        let i = match self.free.pop() {
            Some(i) => {
                if let Some(s) = self.slots.get_mut(i as usize) {
                    *s = Some(t);
                }
                i
            }
            None => {
                self.slots.push(Some(t));
                (self.slots.len() - 1) as u32
            }
        };
        self.index.insert(tid, i);
        None
    }

    /// Removes thread `tid`.
    pub fn remove(&mut self, tid: &i64) -> Option<Thread> {
        let i = self.index.remove(tid)?;
        let t = self.slots.get_mut(i as usize)?.take();
        self.free.push(i);
        t
    }

    /// Number of threads.
    pub fn len(&self) -> usize {
        self.index.len()
    }

    /// No thread at all.
    pub fn is_empty(&self) -> bool {
        self.index.is_empty()
    }

    /// Every thread (slab order).
    pub fn values(&self) -> impl Iterator<Item = &Thread> {
        self.slots.iter().filter_map(Option::as_ref)
    }

    /// Every thread, mutably.
    pub fn values_mut(&mut self) -> impl Iterator<Item = &mut Thread> {
        self.slots.iter_mut().filter_map(Option::as_mut)
    }
}

impl std::ops::Index<&i64> for ThreadTable {
    type Output = Thread;
    /// Panics when the thread is absent (as `HashMap`'s index does): tests only.
    fn index(&self, tid: &i64) -> &Thread {
        match self.get(tid) {
            Some(t) => t,
            None => panic!("no thread {tid}"),
        }
    }
}
