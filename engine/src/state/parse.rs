//! The per-event state machine: libsinsp 0.29.3's `sinsp::next` bookkeeping, `reset()` and
//! the `parse_*` handlers, re-expressed over [`State`]. Facts, not code, were taken from
//! libsinsp; see `docs/scap-format.md` §6 for the behaviour summary.

use std::sync::Arc;

use scap_abi::event;

use super::evt::{cstr, Evt, Kind};
use super::fd::{self, l4, role, FdInfo, FdType, CANCELED_FD_NUMBER};
use super::thread::{self, cl, Thread};
use super::{container, set_cwd_on, Cur, NameCheck, State};

const EF_CREATES_FD: u32 = event::flags::EF_CREATES_FD;
const EF_USES_FD: u32 = event::flags::EF_USES_FD;
const EF_DESTROYS_FD: u32 = event::flags::EF_DESTROYS_FD;
const EF_READS_FROM_FD: u32 = event::flags::EF_READS_FROM_FD;
const CLONE_STALE_TIME_NS: u64 = 2_000_000_000;
const PPM_O_DIRECTORY: u32 = 1 << 10;
const PPM_AT_FDCWD: i64 = -100;
const PPM_EXVAT_AT_EMPTY_PATH: u32 = 1;

/// Per-type facts the hot path needs, computed once: the parser kind, the flags and
/// whether the first parameter is named `res`/`fd` (errno detection).
#[derive(Clone, Copy, Debug)]
pub(crate) struct TypeFacts {
    pub(crate) kind: Kind,
    pub(crate) flags: u32,
    pub(crate) first_res: bool,
}

const NO_FACTS: TypeFacts = TypeFacts {
    kind: Kind::Other,
    flags: 0,
    first_res: false,
};

/// The [`TypeFacts`] of every event id below 512.
pub(crate) fn type_facts() -> &'static [TypeFacts] {
    static T: std::sync::OnceLock<Vec<TypeFacts>> = std::sync::OnceLock::new();
    T.get_or_init(|| {
        (0..512u16)
            .map(|ty| {
                let i = event::info_e5c53d64(ty).or_else(|| event::info(ty));
                let flags = i.map(|i| i.flags).unwrap_or(0);
                let first_res = i
                    .and_then(|i| i.params.first())
                    .map(|p| p.name == "res" || p.name == "fd")
                    .unwrap_or(false);
                TypeFacts {
                    kind: super::evt::kind_of(ty),
                    flags,
                    first_res,
                }
            })
            .collect()
    })
}

/// Event flags (e5c53d64 table for the ids it knows, libs master beyond).
#[inline]
pub fn eflags(ty: u16) -> u32 {
    type_facts().get(ty as usize).map(|f| f.flags).unwrap_or(0)
}

impl State {
    /// The facts of event type `ty` (from the table the state holds: no lazy-init check).
    #[inline]
    pub(crate) fn facts(&self, ty: u16) -> TypeFacts {
        self.facts.get(ty as usize).copied().unwrap_or(NO_FACTS)
    }

    /// Processes one event: delayed removals, reset, parser. Afterwards [`State::cur`]
    /// describes the event for field extraction.
    pub fn process(&mut self, e: &Evt<'_>) {
        self.begin(e);
        self.parse(e);
    }

    /// First half of [`State::process`]: event counting, the delayed removals and
    /// libsinsp's `reset()` (thread lookup, enter/exit pairing, fd resolution). A filter
    /// evaluated "before parsing", as sysdig evaluates `-r FILE FILTER` on events that do
    /// not modify state, runs between [`State::begin`] and [`State::parse`].
    pub fn begin(&mut self, e: &Evt<'_>) {
        self.nevts += 1;
        let ty = e.ty;
        if self.first_ts == 0 && !matches!(ty, 272 | 324) {
            self.first_ts = e.ts;
        }
        self.last_ts = e.ts;
        if self.tid_to_remove != -1 {
            let t = self.tid_to_remove;
            self.tid_to_remove = -1;
            self.remove_thread(t, false);
        }
        if !self.fds_to_remove.is_empty() {
            let tid = self.tid_of_fd_to_remove;
            let fds = std::mem::take(&mut self.fds_to_remove);
            if let Some(owner) = self.fd_owner(tid) {
                if let Some(t) = self.threads.get_mut(&owner) {
                    for f in &fds {
                        if let Some(old) = t.fds.remove(*f) {
                            if self.spare_strings.len() < 4096 {
                                if old.name.capacity() > 0 {
                                    self.spare_strings.push(old.name);
                                }
                                if old.nameraw.capacity() > 0 {
                                    self.spare_strings.push(old.nameraw);
                                }
                            }
                        }
                    }
                }
            }
            self.fds_to_remove = fds;
            self.fds_to_remove.clear();
        }
        self.reset_evt(e);
    }

    /// Whether libsinsp parses this event before filtering it (`EF_MODIFIES_STATE`).
    pub fn modifies_state(&self, e: &Evt<'_>) -> bool {
        self.facts(e.ty).flags & event::flags::EF_MODIFIES_STATE != 0
    }

    /// An event rejected by a pre-parse filter: libsinsp skips its parser and breaks the
    /// enter/exit pairing of its thread (`m_lastevent_type = PPM_EVENT_MAX`).
    pub fn reject_unparsed(&mut self, e: &Evt<'_>) {
        let fl = self.facts(e.ty).flags;
        if fl & event::flags::EF_SKIPPARSERESET == 0 && e.ty != 152 {
            if let Some(t) = self.threads.get_mut(&e.tid) {
                if self.cur.has_thread {
                    t.lastevent_type = u16::MAX;
                }
            }
        }
        self.cur.filtered_out = true;
    }

    /// Second half of [`State::process`]: the event's parser.
    pub fn parse(&mut self, e: &Evt<'_>) {
        let ty = e.ty;
        let kind = self.facts(ty).kind;
        // Only the rename-capable parsers (bind, connect, read/write exits, sendto enter)
        // can change an existing fd's name; they call `snapshot_name` before they may
        // write it, so the fingerprint is only taken when a rename can happen. The others
        // create fds (a new fd counts as renamed, as in libsinsp where a fresh fdinfo has
        // an empty old name).
        self.cur.name_check = NameCheck::Unchanged;
        self.dispatch(kind, e);
        if e.dump_flags & 1 != 0 {
            self.cur.filtered_out = true;
        }
        if kind_creates(kind) && !matches!(kind, Kind::DupX | Kind::FcntlX) {
            // A fresh fdinfo's old name is empty; dup/fcntl copy the old name along.
            self.cur.name_check = NameCheck::Fresh;
        }
    }

    /// Records the current fd's name before a parser may rename it (resolved lazily by
    /// [`State::fd_name_changed`]); only the first call of an event counts.
    fn snapshot_name(&mut self) {
        if self.cur.name_check == NameCheck::Unchanged {
            self.cur.name_check =
                NameCheck::Compare(self.cur_fd().map(|f| name_fingerprint(&f.name)));
        }
    }

    /// `fd.name_changed`: whether this event changed the name of its fd.
    pub fn fd_name_changed(&self) -> bool {
        let Some(f) = self.cur_fd() else { return false };
        match self.cur.name_check {
            NameCheck::Compare(before) => before != Some(name_fingerprint(&f.name)),
            NameCheck::Fresh => !f.name.is_empty(),
            NameCheck::Unchanged => false,
        }
    }

    /// Cleanup after an event has been consumed (`event_cleanup`): an exit event drops the
    /// stored enter event of its thread. Call after field extraction.
    pub fn end_event(&mut self, e: &Evt<'_>) {
        if !e.is_enter() && self.cur.has_thread && self.cur.enter_stored {
            if let Some(t) = self.threads.get_mut(&self.cur.tid) {
                t.lastevent_data.clear();
                t.lastevent_valid = false;
            }
        }
    }

    /// `get_thread_ref(tid, query_os, lookup_only=false)` in offline mode: finds the
    /// thread or, when `create`, adds a fake `<NA>` one.
    fn thread_ref(&mut self, tid: i64, create: bool) -> bool {
        if self.threads.contains_key(&tid) {
            return true;
        }
        if !create {
            return false;
        }
        if self.threads.len() >= self.max_threads && !(self.evict_when_full && self.evict()) {
            self.dropped_threads += 1;
            return false;
        }
        let mut t = Thread::new(tid);
        t.loginuid = u32::MAX;
        t.nchilds = self.threads.values().filter(|x| x.pid == tid).count() as u64;
        self.threads.insert(tid, t);
        true
    }

    fn reset_evt(&mut self, e: &Evt<'_>) {
        self.cur = Cur {
            tid: e.tid,
            enter_stored: true,
            ..Cur::default()
        };
        let ty = e.ty;
        let facts = self.facts(ty);
        let (fl, kind) = (facts.flags, facts.kind);
        if kind == Kind::SkipReset {
            if ty == 234 {
                self.cur.has_thread = self.threads.contains_key(&e.tid);
            }
            return;
        }
        if matches!(kind, Kind::ContainerJson) {
            return;
        }
        let tid = e.tid;
        // One lookup in the common case (the thread exists); a missing thread is created
        // (or not) by `thread_ref` and looked up again.
        let t = match self.threads.get_mut(&tid) {
            Some(t) => t,
            None => {
                let query_os = !matches!(kind, Kind::CloneX(_)) && ty != 152;
                if !self.thread_ref(tid, query_os) {
                    return;
                }
                match self.threads.get_mut(&tid) {
                    Some(t) => t,
                    None => return,
                }
            }
        };
        self.cur.has_thread = true;
        if ty == 152 {
            return;
        }
        t.lastaccess_ts = e.ts;
        // The thread owns the fd table it uses (`get_fd_table` without a lookup).
        let owns = t.flags & cl::CLONE_FILES == 0 || t.is_main();
        let pid = t.pid;
        if e.is_enter() {
            let mut lfd = -1;
            if fl & EF_USES_FD != 0 {
                lfd = e.p_i64(0).unwrap_or(-1);
            }
            t.lastevent_fd = lfd;
            t.lastevent_type = ty;
            if lfd >= 0 {
                if owns {
                    if t.fds.get(lfd).is_some() {
                        self.cur.fd = Some((tid, lfd));
                    }
                } else if self.threads.contains_key(&pid)
                    && self
                        .threads
                        .get(&pid)
                        .and_then(|t| t.fds.get(lfd))
                        .is_some()
                {
                    self.cur.fd = Some((pid, lfd));
                }
            }
            return;
        }
        if ty == t.lastevent_type.wrapping_add(1) {
            t.lastevent_valid = true;
        } else {
            t.lastevent_valid = false;
            if t.lastevent_type != 268 {
                self.cur.enter_stored = !t.lastevent_data.is_empty();
                // Newer libs write exit events only, with the enter parameters
                // appended: take the fd from the exit itself.
                if fl & EF_USES_FD != 0 {
                    if let Some(fdn) = exit_fd_param(e) {
                        t.lastevent_fd = fdn;
                        let o = if owns {
                            Some(tid)
                        } else if self.threads.contains_key(&pid) {
                            Some(pid)
                        } else {
                            None
                        };
                        if let Some(o) = o {
                            if self.threads.get(&o).and_then(|x| x.fds.get(fdn)).is_some() {
                                self.cur.fd = Some((o, fdn));
                            }
                        }
                    }
                }
                return;
            }
        }
        self.cur.enter_stored = t.lastevent_valid || !t.lastevent_data.is_empty();
        let mut lfd = t.lastevent_fd;
        if facts.first_res && e.nparams() > 0 {
            if let Some(res) = e.p_i64(0) {
                if res < 0 {
                    self.cur.errorcode = (-res) as i32;
                }
            }
        }
        if fl & EF_USES_FD == 0 {
            return;
        }
        if ty == 333 {
            lfd = e.p_i64(1).unwrap_or(-1);
            t.lastevent_fd = lfd;
        }
        let o = if owns {
            tid
        } else if self.threads.contains_key(&pid) {
            pid
        } else {
            return;
        };
        let Some(f) = self.threads.get_mut(&o).and_then(|t| t.fds.get_mut(lfd)) else {
            return;
        };
        self.cur.fd = Some((o, lfd));
        if f.flags & role::CLOSE_CANCELED != 0 {
            f.flags &= !role::CLOSE_CANCELED;
            self.erase_fd(tid, CANCELED_FD_NUMBER);
        }
    }

    fn erase_fd(&mut self, tid: i64, fd: i64) {
        self.tid_of_fd_to_remove = tid;
        self.fds_to_remove.push(fd);
    }

    fn store_event(&mut self, e: &Evt<'_>) {
        if !self.cur.has_thread {
            return;
        }
        if let Some(t) = self.threads.get_mut(&e.tid) {
            t.lastevent_data.clear();
            t.lastevent_data.extend_from_slice(e.raw());
            t.lastevent_cpu = e.cpu;
        }
    }

    /// Copies the stored enter event of the current thread into `self.tmp_enter` when it
    /// matches `exit` (`retrieve_enter_event`).
    fn retrieve_enter(&mut self, exit: &Evt<'_>) -> bool {
        if !self.cur.has_thread {
            return false;
        }
        let Some(t) = self.threads.get_mut(&exit.tid) else {
            return false;
        };
        if !t.lastevent_valid || t.lastevent_data.len() < event::HEADER_LEN {
            return false;
        }
        let ety = u16::from_le_bytes([t.lastevent_data[20], t.lastevent_data[21]]);
        if ety != exit.ty.wrapping_sub(1) {
            t.lastevent_valid = false;
            return false;
        }
        self.tmp_enter.clear();
        self.tmp_enter.extend_from_slice(&t.lastevent_data);
        true
    }

    fn add_fd_cur(&mut self, fd: i64, fdi: FdInfo) {
        let tid = self.cur.tid;
        // Fast path: the thread owns the table it uses (one lookup).
        if let Some(t) = self.threads.get_mut(&tid) {
            if t.flags & cl::CLONE_FILES == 0 || t.is_main() {
                let ok = t.fds.add(fd, fdi);
                t.lastevent_fd = fd;
                self.cur.fd = if ok { Some((tid, fd)) } else { None };
                return;
            }
        }
        let Some(o) = self.fd_owner(tid) else { return };
        let ok = self
            .threads
            .get_mut(&o)
            .map(|t| t.fds.add(fd, fdi))
            .unwrap_or(false);
        if let Some(t) = self.threads.get_mut(&tid) {
            t.lastevent_fd = fd;
        }
        self.cur.fd = if ok { Some((o, fd)) } else { None };
    }

    fn cur_fd_mut(&mut self) -> Option<&mut FdInfo> {
        let (o, fd) = self.cur.fd?;
        self.threads.get_mut(&o)?.fds.get_mut(fd)
    }

    fn cwd_bytes(&self, tid: i64) -> Vec<u8> {
        match self.threads.get(&tid) {
            Some(t) => self.cwd_of(t).to_vec(),
            None => b"./".to_vec(),
        }
    }

    /// `parse_dirfd`: the directory a relative path resolves against.
    fn dirfd_dir(&mut self, name: &[u8], dirfd: i64) -> Vec<u8> {
        let mut v = Vec::new();
        self.dirfd_dir_into(name, dirfd, &mut v);
        v
    }

    /// [`Self::dirfd_dir`] into a reusable buffer (appends).
    fn dirfd_dir_into(&mut self, name: &[u8], dirfd: i64, out: &mut Vec<u8>) {
        if name.first() == Some(&b'/') {
            out.push(b'.');
            return;
        }
        let tid = self.cur.tid;
        if dirfd == PPM_AT_FDCWD {
            match self.threads.get(&tid) {
                Some(t) => out.extend_from_slice(self.cwd_of(t)),
                None => out.extend_from_slice(b"./"),
            }
            return;
        }
        let owner = self.fd_owner(tid);
        match owner.and_then(|o| {
            self.threads
                .get(&o)
                .and_then(|t| t.fds.get(dirfd))
                .map(|f| (o, f))
        }) {
            None => out.extend_from_slice(b"<UNKNOWN>"),
            Some((o, f)) => {
                out.extend_from_slice(f.name.as_bytes());
                out.push(b'/');
                self.cur.fd = Some((o, dirfd));
            }
        }
    }

    fn dispatch(&mut self, kind: Kind, e: &Evt<'_>) {
        match kind {
            Kind::StoreEnter => self.store_event(e),
            Kind::SendtoE => {
                if self.cur.fd.is_none() && self.cur.has_thread {
                    self.snapshot_name();
                    self.infer_sendto_fdinfo(e);
                }
                self.store_event(e);
            }
            Kind::RwX => self.parse_rw_exit(e),
            Kind::OpenX | Kind::CreatX | Kind::OpenatOldX | Kind::Openat2X => {
                self.parse_open_exit(kind, e)
            }
            Kind::CloneX(v) => self.parse_clone_exit(v, e),
            Kind::ExecveX(v) => self.parse_execve_exit(v, e),
            Kind::ProcExit => {
                if self.cur.has_thread {
                    if let Some(t) = self.threads.get_mut(&e.tid) {
                        t.flags |= cl::CLOSED;
                    }
                    self.tid_to_remove = e.tid;
                }
            }
            Kind::PipeX => {
                if e.p_i64(0).unwrap_or(-1) < 0 || !self.cur.has_thread {
                    return;
                }
                let (f1, f2, ino) = (
                    e.p_i64(1).unwrap_or(-1),
                    e.p_i64(2).unwrap_or(-1),
                    e.p_u64(3).unwrap_or(0),
                );
                for f in [f1, f2] {
                    let mut fdi = FdInfo::new(FdType::Fifo);
                    fdi.ino = ino;
                    self.add_fd_cur(f, fdi);
                }
            }
            Kind::SocketX => self.parse_socket_exit(e),
            Kind::BindX => self.parse_bind_exit(e),
            Kind::ConnectE => self.parse_connect_enter(e),
            Kind::ConnectX => self.parse_connect_exit(e),
            Kind::AcceptX => self.parse_accept_exit(e),
            Kind::CloseE => {
                if !self.cur.has_thread {
                    return;
                }
                let lfd = self
                    .threads
                    .get(&e.tid)
                    .map(|t| t.lastevent_fd)
                    .unwrap_or(-1);
                let o = self.fd_owner(e.tid);
                self.cur.fd = None;
                if let Some(o) = o {
                    if let Some(f) = self.threads.get_mut(&o).and_then(|t| t.fds.get_mut(lfd)) {
                        f.flags |= role::CLOSE_IN_PROGRESS;
                        self.cur.fd = Some((o, lfd));
                    }
                }
            }
            Kind::CloseX => {
                let res = e.p_i64(0).unwrap_or(-1);
                if res >= 0 {
                    if self.cur.fd.is_none() || !self.cur.has_thread {
                        return;
                    }
                    let canceled = self
                        .cur_fd()
                        .map(|f| f.flags & role::CLOSE_CANCELED != 0)
                        .unwrap_or(false);
                    if canceled {
                        if let Some(f) = self.cur_fd_mut() {
                            f.flags &= !role::CLOSE_CANCELED;
                        }
                        if self.get_fd(e.tid, CANCELED_FD_NUMBER).is_some() {
                            self.erase_fd(e.tid, CANCELED_FD_NUMBER);
                        }
                    } else {
                        let lfd = self
                            .threads
                            .get(&e.tid)
                            .map(|t| t.lastevent_fd)
                            .unwrap_or(-1);
                        self.erase_fd(e.tid, lfd);
                    }
                } else if let Some(f) = self.cur_fd_mut() {
                    f.flags &= !role::CLOSE_IN_PROGRESS;
                }
            }
            Kind::SocketpairX => {
                if e.p_i64(0).unwrap_or(-1) < 0 || !self.cur.has_thread {
                    return;
                }
                let mut fdi = FdInfo::new(FdType::UnixSock);
                fdi.sock.usrc = e.p_u64(3).unwrap_or(0);
                fdi.sock.udst = e.p_u64(4).unwrap_or(0);
                let (f1, f2) = (e.p_i64(1).unwrap_or(-1), e.p_i64(2).unwrap_or(-1));
                self.add_fd_cur(f1, fdi.clone());
                let keep = self.cur.fd;
                self.add_fd_cur(f2, fdi);
                self.cur.fd = keep;
                if let (Some(t), Some((_, f))) = (self.threads.get_mut(&e.tid), keep) {
                    t.lastevent_fd = f;
                }
                // libsinsp leaves m_lastevent_fd at fd2 (add_fd of the second).
                if let Some(t) = self.threads.get_mut(&e.tid) {
                    t.lastevent_fd = f2;
                }
            }
            Kind::EventfdX | Kind::SignalfdX | Kind::TimerfdX | Kind::InotifyX => {
                if !self.cur.has_thread {
                    return;
                }
                let fdn = e.p_i64(0).unwrap_or(-1);
                if fdn < 0 {
                    return;
                }
                let ty = match kind {
                    Kind::EventfdX => FdType::Event,
                    Kind::SignalfdX => FdType::Signalfd,
                    Kind::TimerfdX => FdType::Timerfd,
                    _ => FdType::Inotify,
                };
                self.add_fd_cur(fdn, FdInfo::new(ty));
            }
            Kind::DupX => {
                if !self.cur.has_thread {
                    return;
                }
                let res = e.p_i64(0).unwrap_or(-1);
                if res < 0 {
                    return;
                }
                if let Some(t) = self.threads.get_mut(&e.tid) {
                    if res == 0 {
                        t.flags |= cl::PIPE_DST;
                    }
                    if res == 1 {
                        t.flags |= cl::PIPE_SRC;
                    }
                }
                let src = match self.cur_fd() {
                    Some(f) => Some(f.clone()),
                    // Newer layouts (dup2/dup3/dup_1 exits): oldfd is parameter 1.
                    None if e.nparams() >= 2 => {
                        e.p_i64(1).and_then(|o| self.get_fd(e.tid, o)).cloned()
                    }
                    None => None,
                };
                let Some(src) = src else { return };
                self.add_fd_cur(res, src);
            }
            Kind::MemfdX | Kind::PidfdX => {
                let fdn = e.p_i64(0).unwrap_or(-1);
                if fdn < 0 || !self.cur.has_thread {
                    return;
                }
                let mut fdi = FdInfo::new(if kind == Kind::MemfdX {
                    FdType::Memfd
                } else {
                    FdType::Pidfd
                });
                if kind == Kind::MemfdX {
                    fdi.name = format!(
                        "memfd:{}",
                        String::from_utf8_lossy(e.p_str(1).unwrap_or(&[]))
                    );
                }
                self.add_fd_cur(fdn, fdi);
            }
            Kind::CloseRangeX => {
                if e.p_i64(0).unwrap_or(-1) < 0 || !self.cur.has_thread {
                    return;
                }
                let (first, last, flags) = (
                    e.p_u32(1).unwrap_or(0) as i64,
                    e.p_u32(2).unwrap_or(0) as i64,
                    e.p_u32(3).unwrap_or(0),
                );
                // CLOSE_RANGE_CLOEXEC (4) only marks the fds.
                if flags & 4 != 0 {
                    return;
                }
                if let Some(o) = self.fd_owner(e.tid) {
                    let doomed: Vec<i64> = self
                        .threads
                        .get(&o)
                        .map(|t| t.fds.keys().filter(|f| *f >= first && *f <= last).collect())
                        .unwrap_or_default();
                    for f in doomed {
                        self.erase_fd(e.tid, f);
                    }
                }
            }
            Kind::PrctlX => {
                // PR_SET_NAME (15) renames the thread.
                if e.p_i64(0).unwrap_or(-1) < 0 || e.p_u32(1) != Some(15) {
                    return;
                }
                let name = e.p_str(2).unwrap_or(&[]).to_vec();
                if let Some(t) = self.threads.get_mut(&e.tid) {
                    t.comm = Arc::from(&name[..]);
                }
            }
            Kind::FcntlE => {
                if !self.cur.has_thread {
                    return;
                }
                // PPM_FCNTL_F_DUPFD = 1, PPM_FCNTL_F_DUPFD_CLOEXEC = 26: store on dup commands.
                let cmd = e.param(1).and_then(|b| b.first().copied()).unwrap_or(0);
                if cmd == 1 || cmd == 26 {
                    self.store_event(e);
                }
            }
            Kind::FcntlX => {
                if !self.retrieve_enter(e) {
                    return;
                }
                let res = e.p_i64(0).unwrap_or(-1);
                if res >= 0 {
                    let Some(src) = self.cur_fd().cloned() else {
                        return;
                    };
                    self.add_fd_cur(res, src);
                }
            }
            Kind::ChdirX => {
                if !self.cur.has_thread || e.p_i64(0).unwrap_or(-1) < 0 {
                    return;
                }
                let p = e.param(1).unwrap_or(&[]).to_vec();
                self.set_cwd(e.tid, &p);
            }
            Kind::FchdirX => {
                if e.p_i64(0).unwrap_or(-1) < 0 || !self.cur.has_thread {
                    return;
                }
                let Some(name) = self.cur_fd().map(|f| f.name.clone().into_bytes()) else {
                    return;
                };
                self.set_cwd(e.tid, &name);
            }
            Kind::GetcwdX => {
                if e.p_i64(0).unwrap_or(-1) < 0 || !self.cur.has_thread {
                    return;
                }
                let p = e.param(1).unwrap_or(&[]).to_vec();
                self.set_cwd(e.tid, &p);
            }
            Kind::ChrootX => {
                if e.p_i64(0).unwrap_or(-1) < 0 || !self.cur.has_thread {
                    return;
                }
                let p = e.p_str(1).unwrap_or(&[]);
                if let Some(t) = self.threads.get_mut(&e.tid) {
                    t.root = Arc::from(p);
                }
            }
            Kind::SetsidX => {
                let res = e.p_i64(0).unwrap_or(-1);
                if res >= 0 && self.cur.has_thread {
                    if let Some(t) = self.threads.get_mut(&e.tid) {
                        t.sid = res;
                    }
                }
            }
            Kind::SetuidX | Kind::SetgidX | Kind::SetresuidX | Kind::SetresgidX => {
                let res = e.p_i64(0).unwrap_or(-1);
                if res < 0 {
                    return;
                }
                let idx = if matches!(kind, Kind::SetresuidX | Kind::SetresgidX) {
                    1
                } else {
                    0
                };
                let v = if self.retrieve_enter(e) {
                    let buf = std::mem::take(&mut self.tmp_enter);
                    let v = Evt::parse(&buf, 0, 0, 0).and_then(|en| en.p_u32(idx));
                    self.tmp_enter = buf;
                    v
                } else if e.nparams() > idx + 1 {
                    // Newer libs: the enter arguments follow `res` in the exit.
                    e.p_u32(idx + 1)
                } else {
                    None
                };
                let Some(v) = v else { return };
                if matches!(kind, Kind::SetresuidX | Kind::SetresgidX) && v == u32::MAX {
                    return;
                }
                if let Some(t) = self.threads.get_mut(&e.tid) {
                    if matches!(kind, Kind::SetuidX | Kind::SetresuidX) {
                        t.uid = v;
                    } else {
                        t.gid = v;
                    }
                }
            }
            Kind::ContainerJson => {
                // libsinsp looks the event's thread up with query_os: a fake thread for
                // tid -1 appears (visible as the ancestor of parentless threads).
                self.thread_ref(e.tid, true);
                if let Some(c) = e.param(0).and_then(container::parse_json) {
                    if c.lookup_state != 1 {
                        self.cur.filtered_out = true;
                    }
                    let id: Arc<str> = Arc::from(c.id.as_str());
                    self.containers.insert(id, c);
                }
            }
            Kind::ContainerOld => {
                self.thread_ref(e.tid, true);
                let c = container::Container {
                    id: String::from_utf8_lossy(e.p_str(0).unwrap_or(&[])).into_owned(),
                    ty: e.p_u32(1).unwrap_or(0),
                    name: String::from_utf8_lossy(e.p_str(2).unwrap_or(&[])).into_owned(),
                    image: String::from_utf8_lossy(e.p_str(3).unwrap_or(&[])).into_owned(),
                    lookup_state: 1,
                    ..Default::default()
                };
                let id: Arc<str> = Arc::from(c.id.as_str());
                self.containers.insert(id, c);
            }
            Kind::Other | Kind::SkipReset => {
                // Newer libs layouts: exit-only events carry their own fd/name; a few
                // state changes need handling even without an enter.
            }
        }
    }

    fn set_cwd(&mut self, tid: i64, path: &[u8]) {
        let main = match self.threads.get(&tid) {
            Some(t) if t.is_main() => tid,
            Some(t) if self.threads.contains_key(&t.pid) => t.pid,
            _ => return,
        };
        let mut buf = std::mem::take(&mut self.name_buf);
        if let Some(m) = self.threads.get_mut(&main) {
            set_cwd_on(&mut m.cwd, &mut buf, path);
        }
        self.name_buf = buf;
    }

    /// `remove_thread(tid, force)`.
    pub fn remove_thread(&mut self, tid: i64, force: bool) {
        let Some(t) = self.threads.get(&tid) else {
            return;
        };
        let nchilds = t.nchilds;
        if nchilds != 0 && !force {
            return;
        }
        if t.flags & cl::CLONE_THREAD != 0 {
            let pid = t.pid;
            if let Some(m) = self.threads.get_mut(&pid) {
                m.nchilds = m.nchilds.saturating_sub(1);
            }
        }
        self.threads.remove(&tid);
        if nchilds != 0 {
            self.recreate_child_dependencies();
        }
    }

    fn recreate_child_dependencies(&mut self) {
        for t in self.threads.values_mut() {
            t.nchilds = 0;
        }
        let pids: Vec<i64> = self
            .threads
            .values()
            .filter(|t| t.flags & cl::CLONE_THREAD != 0)
            .map(|t| t.pid)
            .collect();
        for p in pids {
            if let Some(m) = self.threads.get_mut(&p) {
                m.nchilds += 1;
            }
        }
    }

    fn add_thread(&mut self, t: Thread) -> bool {
        if self.threads.len() >= self.max_threads && !(self.evict_when_full && self.evict()) {
            self.dropped_threads += 1;
            return false;
        }
        if t.flags & cl::CLONE_THREAD != 0 {
            let pid = t.pid;
            // get_thread_ref(pid, query_os=true, lookup_only=true): creates a fake main.
            if self.thread_ref(pid, true) {
                if let Some(m) = self.threads.get_mut(&pid) {
                    m.nchilds += 1;
                }
            }
        }
        self.threads.insert(t.tid, t);
        true
    }

    fn parse_clone_exit(&mut self, ver: u8, e: &Evt<'_>) {
        let mut tid = e.tid;
        let mut childtid = e.p_i64(0).unwrap_or(-1);
        let flags_idx = match ver {
            11 => 8,
            16 => 13,
            17 => 14,
            _ => 15,
        };
        let flags = e.p_u32(flags_idx).unwrap_or(0);
        if childtid < 0 {
            return;
        }
        let (mut vtid, mut vpid) = (tid, -1i64);
        if ver >= 20 {
            vtid = e.p_i64(18).unwrap_or(tid);
            vpid = e.p_i64(19).unwrap_or(-1);
        }
        let in_container = flags & cl::CHILD_IN_PIDNS != 0 || tid != vtid;
        let mut inverted = false;
        if childtid == 0 {
            let mut has = self.cur.has_thread;
            if has {
                let stale = self.threads.get(&tid).map(|t| {
                    t.clone_ts != 0 && e.ts.saturating_sub(t.clone_ts) > CLONE_STALE_TIME_NS
                });
                if stale == Some(true) {
                    self.remove_thread(tid, true);
                    self.cur.has_thread = false;
                    has = false;
                }
            }
            let parenttid = if flags & cl::CLONE_THREAD != 0 {
                e.p_i64(4).unwrap_or(-1)
            } else {
                e.p_i64(5).unwrap_or(-1)
            };
            if !has {
                inverted = true;
                childtid = tid;
                tid = parenttid;
            } else {
                if in_container {
                    if let Some(t) = self.threads.get_mut(&tid) {
                        t.vtid = vtid;
                        t.vpid = vpid;
                    }
                }
                return;
            }
        } else if in_container {
            return;
        }
        // Parent lookup (query_os=true, lookup_only=true): a fake parent is created.
        if !self.thread_ref(tid, true) {
            return;
        }
        let mut valid_parent = self
            .threads
            .get(&tid)
            .map(|p| !p.is_invalid())
            .unwrap_or(false);
        let mut tid_collision = false;
        if let Some(c) = self.threads.get(&childtid) {
            if c.flags & cl::CLONE_INVERTED != 0 {
                return;
            }
            self.remove_thread(childtid, true);
            tid_collision = true;
        }
        let mut t = Thread::new(childtid);
        t.ptid = tid;
        let exe = e.p_str(1).unwrap_or(&[]);
        let comm_ev: &[u8] = if matches!(ver, 11 | 16) {
            exe
        } else {
            e.p_str(13).unwrap_or(&[])
        };
        let args_ev = e.param(2).unwrap_or(&[]);
        if valid_parent {
            let p = &self.threads[&tid];
            t.comm = p.comm.clone();
            t.exe = p.exe.clone();
            t.exepath = p.exepath.clone();
            t.exe_writable = p.exe_writable;
            t.args = p.args.clone();
            t.root = p.root.clone();
            t.sid = p.sid;
            t.vpgid = p.vpgid;
            t.tty = p.tty;
            t.loginuid = p.loginuid;
            if flags & cl::CLONE_THREAD == 0 {
                t.env = p.env.clone();
            }
        } else {
            // Remove the invalid parent and look it up again: offline this recreates a
            // fake one, which is then filled from the event.
            self.remove_thread(tid, true);
            tid_collision = true;
            if !self.thread_ref(tid, true) {
                return;
            }
            valid_parent = false;
            let _ = valid_parent;
            t.exe = Arc::from(exe);
            t.comm = Arc::from(comm_ev);
            t.args = thread::split_list(args_ev);
            if let Some(p) = self.threads.get_mut(&tid) {
                p.comm = t.comm.clone();
                p.exe = t.exe.clone();
                p.exepath = t.exepath.clone();
                p.args = t.args.clone();
            }
        }
        t.pid = e.p_i64(4).unwrap_or(-1);
        t.flags = flags;
        if flags & cl::CLONE_THREAD == 0 {
            t.pid = childtid;
            // Copy the parent's fd table (as seen through the parent) and its cwd.
            if let Some(o) = self.fd_owner(tid) {
                if let Some(pt) = self.threads.get(&o) {
                    t.fds = pt.fds.clone();
                    for f in t.fds.values_mut() {
                        f.flags |= role::CLONED;
                    }
                }
            }
            t.cwd = self.cwd_bytes(tid);
        }
        if inverted {
            t.flags |= cl::CLONE_INVERTED;
        }
        // Shared with the parent when equal (no allocation, nothing to free later).
        thread::set_bstr(&mut t.exe, exe);
        thread::set_bstr(&mut t.comm, comm_ev);
        thread::set_list(&mut t.args, args_ev);
        t.fdlimit = e.p_i64(7).unwrap_or(0);
        if ver != 11 {
            t.pfmajor = e.p_u64(8).unwrap_or(0);
            t.pfminor = e.p_u64(9).unwrap_or(0);
            t.vmsize_kb = e.p_u32(10).unwrap_or(0);
            t.vmrss_kb = e.p_u32(11).unwrap_or(0);
            t.vmswap_kb = e.p_u32(12).unwrap_or(0);
        }
        let (ui, gi) = match ver {
            11 => (9, 10),
            16 => (14, 15),
            17 => (15, 16),
            _ => (16, 17),
        };
        t.uid = e.p_u32(ui).unwrap_or(u32::MAX);
        t.gid = e.p_u32(gi).unwrap_or(u32::MAX);
        if in_container {
            t.vtid = vtid;
            t.vpid = vpid;
        } else {
            t.vtid = t.tid;
            t.vpid = t.pid;
        }
        if ver >= 20 {
            let raw = e.param(14).unwrap_or(&[]);
            // container_id is a function of the cgroups: share the parent's when equal.
            match self.threads.get(&tid) {
                Some(p) if thread::list_matches(&p.cgroups, raw) => {
                    t.cgroups = p.cgroups.clone();
                    t.container_id = p.container_id.clone();
                }
                _ => {
                    t.cgroups = thread::split_list(raw);
                    t.container_id = container::resolve(&t.cgroups);
                }
            }
        }
        t.clone_ts = e.ts;
        self.add_thread(t);
        if tid_collision {
            // libsinsp re-runs reset() for the event: the caller may have gone away.
            self.cur.has_thread = self.threads.contains_key(&e.tid);
        }
    }

    fn parse_execve_exit(&mut self, ver: u8, e: &Evt<'_>) {
        if e.p_i64(0).unwrap_or(-1) < 0 || !self.cur.has_thread {
            return;
        }
        let tid = e.tid;
        let have_enter = if ver >= 18 {
            self.retrieve_enter(e)
        } else {
            false
        };
        let Some(t) = self.threads.get_mut(&tid) else {
            return;
        };
        thread::set_bstr(&mut t.exe, e.p_str(1).unwrap_or(&[]));
        if ver <= 14 {
            t.comm = t.exe.clone();
        } else {
            thread::set_bstr(&mut t.comm, e.p_str(13).unwrap_or(&[]));
        }
        thread::set_list(&mut t.args, e.param(2).unwrap_or(&[]));
        t.pid = e.p_i64(4).unwrap_or(t.pid);
        if t.ptid == -1 {
            t.ptid = e.p_i64(5).unwrap_or(-1);
        }
        t.fdlimit = e.p_i64(7).unwrap_or(0);
        if ver >= 13 {
            t.pfmajor = e.p_u64(8).unwrap_or(0);
            t.pfminor = e.p_u64(9).unwrap_or(0);
            t.vmsize_kb = e.p_u32(10).unwrap_or(0);
            t.vmrss_kb = e.p_u32(11).unwrap_or(0);
            t.vmswap_kb = e.p_u32(12).unwrap_or(0);
        }
        match ver {
            14 => {
                thread::set_list(&mut t.env, e.param(13).unwrap_or(&[]));
            }
            15 => {
                thread::set_list(&mut t.env, e.param(14).unwrap_or(&[]));
            }
            v if v >= 16 => {
                thread::set_list(&mut t.env, e.param(15).unwrap_or(&[]));
                if thread::set_list(&mut t.cgroups, e.param(14).unwrap_or(&[])) {
                    t.container_id = container::resolve(&t.cgroups);
                }
            }
            _ => {}
        }
        if ver >= 17 {
            t.tty = e.p_u32(16).unwrap_or(0);
        }
        let own_cwd = t.cwd.clone();
        if have_enter {
            let buf = std::mem::take(&mut self.tmp_enter);
            if let Some(en) = Evt::parse(&buf, 0, 0, 0) {
                let mut out = String::new();
                if ver == 20 {
                    let dirfd = en.p_i64(0).unwrap_or(PPM_AT_FDCWD);
                    let path = en.p_str(1).unwrap_or(&[]);
                    if path.starts_with(b"<NA>") {
                        out.push_str("<NA>");
                    } else {
                        let flags = en.p_u32(2).unwrap_or(0);
                        let sdir = self.dirfd_dir(path, dirfd);
                        if flags & PPM_EXVAT_AT_EMPTY_PATH != 0 && path.is_empty() {
                            fd::concatenate_paths(&mut out, &sdir, &sdir);
                        } else {
                            fd::concatenate_paths(&mut out, &sdir, path);
                        }
                    }
                } else {
                    let path = en.param(0).unwrap_or(&[]);
                    if path.starts_with(b"<NA>") {
                        out.push_str("<NA>");
                    } else {
                        fd::concatenate_paths(&mut out, &own_cwd, path);
                    }
                }
                if let Some(t) = self.threads.get_mut(&tid) {
                    t.exepath = Arc::from(out.as_bytes());
                }
            }
            self.tmp_enter = buf;
        }
        if !have_enter && e.nparams() > 27 {
            // Newer libs: trusted_exepath (27) or filename (30) in the exit.
            let trusted = e.p_str(27).unwrap_or(&[]);
            let mut out = String::new();
            if !trusted.is_empty() {
                fd::push_sanitized(&mut out, trusted);
            } else if let Some(fname) = e.param(30) {
                fd::concatenate_paths(&mut out, &own_cwd, fname);
            }
            if !out.is_empty() {
                if let Some(t) = self.threads.get_mut(&tid) {
                    t.exepath = Arc::from(out.as_bytes());
                }
            }
        }
        let cloexec = self.cloexec_on_execve;
        let Some(t) = self.threads.get_mut(&tid) else {
            return;
        };
        if ver >= 19 {
            t.vpgid = e.p_i64(17).unwrap_or(t.vpgid);
        }
        if e.nparams() > 18 {
            t.loginuid = e.p_u32(18).unwrap_or(t.loginuid);
        }
        if e.nparams() > 19 {
            t.exe_writable = e.p_u32(19).unwrap_or(0) & 1 != 0;
        }
        if cloexec {
            // Newer libsinsp drops O_CLOEXEC fds at a successful exec (0.29.3 keeps them).
            t.fds.retain(|f| f.openflags & 0x1000 == 0);
        }
        let spf = t.flags & (cl::PIPE_SRC | cl::PIPE_DST | cl::IS_MAIN_THREAD);
        let inverted = t.flags & cl::CLONE_INVERTED;
        t.flags = cl::ACTIVE | spf | inverted | cl::NAME_CHANGED;
    }

    fn parse_open_exit(&mut self, kind: Kind, e: &Evt<'_>) {
        if !self.cur.has_thread {
            return;
        }
        let have_enter = self.retrieve_enter(e);
        let buf = std::mem::take(&mut self.tmp_enter);
        let en = if have_enter {
            Evt::parse(&buf, 0, 0, 0)
        } else {
            None
        };
        let fdn = e.p_i64(0).unwrap_or(-1);
        let mut dev = 0u32;
        // (name, flags, dirfd; None = relative to the cwd)
        let (name, flags, dirfd): (&[u8], u32, Option<i64>) = match kind {
            Kind::OpenX | Kind::CreatX => {
                let mut n = e.param(1).unwrap_or(&[]);
                let mut f = if kind == Kind::OpenX {
                    e.p_u32(2).unwrap_or(0)
                } else {
                    0
                };
                let di = if kind == Kind::OpenX { 4 } else { 3 };
                if e.nparams() > di {
                    dev = e.p_u32(di).unwrap_or(0);
                }
                let need = if kind == Kind::OpenX { 2 } else { 1 };
                if let Some(en) = en.as_ref().filter(|en| en.nparams() >= need) {
                    let en_name = en.param(0).unwrap_or(&[]);
                    if !en_name.is_empty() && cstr(en_name) != b"(NULL)" {
                        n = en_name;
                        f = if kind == Kind::OpenX {
                            en.p_u32(1).unwrap_or(0)
                        } else {
                            0
                        };
                    }
                }
                (n, f, None)
            }
            Kind::OpenatOldX => {
                let Some(en) = en.as_ref() else {
                    self.tmp_enter = buf;
                    return;
                };
                (
                    en.param(1).unwrap_or(&[]),
                    en.p_u32(2).unwrap_or(0),
                    Some(en.p_i64(0).unwrap_or(PPM_AT_FDCWD)),
                )
            }
            _ => {
                let mut n = e.param(2).unwrap_or(&[]);
                let mut f = e.p_u32(3).unwrap_or(0);
                let mut dirfd = e.p_i64(1).unwrap_or(PPM_AT_FDCWD);
                if e.ty == 307 && e.nparams() > 5 {
                    dev = e.p_u32(5).unwrap_or(0);
                }
                if let Some(en) = en.as_ref().filter(|en| en.nparams() >= 3) {
                    let en_name = en.param(1).unwrap_or(&[]);
                    if !en_name.is_empty() && cstr(en_name) != b"(NULL)" {
                        n = en_name;
                        f = en.p_u32(2).unwrap_or(0);
                        dirfd = en.p_i64(0).unwrap_or(PPM_AT_FDCWD);
                    }
                }
                (n, f, Some(dirfd))
            }
        };
        let mut sdir = std::mem::take(&mut self.dir_buf);
        sdir.clear();
        match dirfd {
            None => sdir.extend_from_slice(
                self.threads
                    .get(&e.tid)
                    .map(|t| self.cwd_of(t))
                    .unwrap_or(b"./"),
            ),
            Some(d) => self.dirfd_dir_into(name, d, &mut sdir),
        }
        if fdn >= 0 {
            let mut full = self.take_string();
            fd::concatenate_paths(&mut full, &sdir, name);
            let mut fdi = FdInfo::new(if flags & PPM_O_DIRECTORY != 0 {
                FdType::Directory
            } else {
                FdType::FileV2
            });
            fdi.openflags = flags;
            fdi.dev = dev;
            fdi.name = full;
            let raw = cstr(name);
            if raw != fdi.name.as_bytes() {
                let mut nr = self.take_string();
                fd::push_sanitized(&mut nr, raw);
                fdi.nameraw = nr;
            }
            self.add_fd_cur(fdn, fdi);
        }
        self.dir_buf = sdir;
        self.tmp_enter = buf;
    }

    /// A cleared string from the recycling pool (names of closed fds).
    fn take_string(&mut self) -> String {
        let mut s = self.spare_strings.pop().unwrap_or_default();
        s.clear();
        s
    }

    fn add_socket(&mut self, fdn: i64, domain: u32, ty: u32, proto: u32) {
        let mut fdi = FdInfo::new(FdType::Unknown);
        match domain {
            1 => fdi.ty = FdType::UnixSock,
            2 | 10 => {
                fdi.ty = if domain == 2 {
                    FdType::Ipv4Sock
                } else {
                    FdType::Ipv6Sock
                };
                const SOCK_RAW: u32 = 3;
                fdi.sock.l4proto = match proto {
                    6 => {
                        if ty == SOCK_RAW {
                            l4::RAW
                        } else {
                            l4::TCP
                        }
                    }
                    17 => {
                        if ty == SOCK_RAW {
                            l4::RAW
                        } else {
                            l4::UDP
                        }
                    }
                    0 => match ty & 0xff {
                        1 => l4::TCP,
                        2 => l4::UDP,
                        _ => l4::UNKNOWN,
                    },
                    1 => {
                        if ty == SOCK_RAW {
                            l4::RAW
                        } else {
                            l4::ICMP
                        }
                    }
                    255 => l4::RAW,
                    _ => l4::UNKNOWN,
                };
            }
            16 => fdi.ty = FdType::Netlink,
            _ => {}
        }
        // sysdig's build keeps sockets of unknown families (INCLUDE_UNKNOWN_SOCKET_FDS).
        self.add_fd_cur(fdn, fdi);
    }

    fn infer_sendto_fdinfo(&mut self, e: &Evt<'_>) {
        let fdn = e.p_i64(0).unwrap_or(-1);
        if fdn < 0 {
            return;
        }
        let fam = e.param(2).and_then(|b| b.first().copied()).unwrap_or(0);
        if fam == 2 || fam == 10 {
            self.add_socket(fdn, fam as u32, 2, 17);
        }
    }

    fn parse_socket_exit(&mut self, e: &Evt<'_>) {
        let fdn = e.p_i64(0).unwrap_or(-1);
        if fdn < 0 || !self.cur.has_thread {
            return;
        }
        let args = if self.retrieve_enter(e) {
            let buf = std::mem::take(&mut self.tmp_enter);
            let a = Evt::parse(&buf, 0, 0, 0).map(|en| {
                (
                    en.p_u32(0).unwrap_or(0),
                    en.p_u32(1).unwrap_or(0),
                    en.p_u32(2).unwrap_or(0),
                )
            });
            self.tmp_enter = buf;
            a
        } else if e.nparams() >= 4 {
            // Newer libs: domain, type, proto appended to the exit.
            Some((
                e.p_u32(1).unwrap_or(0),
                e.p_u32(2).unwrap_or(0),
                e.p_u32(3).unwrap_or(0),
            ))
        } else {
            None
        };
        if let Some((d, t, p)) = args {
            self.add_socket(fdn, d, t, p);
        }
    }

    fn parse_bind_exit(&mut self, e: &Evt<'_>) {
        if self.cur.fd.is_none() || e.p_i64(0).unwrap_or(-1) < 0 {
            return;
        }
        let Some(p) = e.param(1) else { return };
        if p.is_empty() {
            return;
        }
        self.snapshot_name();
        let mut name = std::mem::take(&mut self.name_buf);
        name.clear();
        let Some(f) = self.cur_fd_mut() else {
            return;
        };
        match p[0] {
            2 if p.len() >= 7 => {
                let port = u16::from_le_bytes([p[5], p[6]]);
                if port > 0 {
                    f.ty = FdType::Ipv4ServSock;
                    f.sock.sip = [0; 16];
                    f.sock.sip[..4].copy_from_slice(&p[1..5]);
                    f.sock.sport = port;
                    f.set_server();
                }
            }
            10 if p.len() >= 19 => {
                let port = u16::from_le_bytes([p[17], p[18]]);
                if port > 0 {
                    if fd::is_v4_mapped(&p[1..17]) {
                        f.ty = FdType::Ipv4ServSock;
                        f.sock.sip = [0; 16];
                        f.sock.sip[..4].copy_from_slice(&p[13..17]);
                    } else {
                        f.ty = FdType::Ipv6ServSock;
                        f.sock.sip.copy_from_slice(&p[1..17]);
                    }
                    f.sock.sport = port;
                    f.set_server();
                }
            }
            _ => {}
        }
        fd::render_sockaddr(p, &mut name);
        f.name.clear();
        f.name.push_str(&name);
        self.name_buf = name;
    }

    fn parse_connect_enter(&mut self, e: &Evt<'_>) {
        if self.cur.fd.is_none() || e.nparams() < 2 {
            return;
        }
        let Some(p) = e.param(1) else { return };
        if p.is_empty() {
            return;
        }
        self.snapshot_name();
        let mut name = std::mem::take(&mut self.name_buf);
        name.clear();
        let Some(f) = self.cur_fd_mut() else { return };
        match p[0] {
            2 if p.len() >= 7 => {
                f.ty = FdType::Ipv4Sock;
                f.sock.dip = [0; 16];
                f.sock.dip[..4].copy_from_slice(&p[1..5]);
                f.sock.dport = u16::from_le_bytes([p[5], p[6]]);
            }
            10 if p.len() >= 19 => {
                let port = u16::from_le_bytes([p[17], p[18]]);
                if fd::is_v4_mapped(&p[1..17]) {
                    f.ty = FdType::Ipv4Sock;
                    f.sock.dip = [0; 16];
                    f.sock.dip[..4].copy_from_slice(&p[13..17]);
                } else {
                    f.ty = FdType::Ipv6Sock;
                    f.sock.dip.copy_from_slice(&p[1..17]);
                }
                f.sock.dport = port;
            }
            _ => {
                fd::render_sockaddr(p, &mut name);
                f.name.clear();
                f.name.push_str(&name);
                // set_unix_info reads the sockaddr bytes as if they were a tuple.
                (f.sock.usrc, f.sock.udst) = unix_ptrs(p);
            }
        }
        self.name_buf = name;
    }

    fn parse_connect_exit(&mut self, e: &Evt<'_>) {
        if self.cur.fd.is_none() {
            return;
        }
        let res = e.p_i64(0).unwrap_or(-1);
        if res < 0 && res != -115 {
            return;
        }
        if let Some(f) = self.cur_fd_mut() {
            f.flags |= role::CONNECTED;
        }
        let Some(p) = e.param(1) else { return };
        if p.is_empty() {
            return;
        }
        self.fill_client_socket_info(p);
    }

    fn fill_client_socket_info(&mut self, p: &[u8]) {
        self.snapshot_name();
        let mut name = std::mem::take(&mut self.name_buf);
        name.clear();
        if let Some(f) = self.cur_fd_mut() {
            let fam = p[0];
            if fam == 2 || fam == 10 {
                let changed = if fam == 10 {
                    if p.len() < 37 {
                        false
                    } else if !(fd::is_v4_mapped(&p[1..17]) && fd::is_v4_mapped(&p[19..35])) {
                        f.ty = FdType::Ipv6Sock;
                        set_v6(f, p)
                    } else {
                        f.ty = FdType::Ipv4Sock;
                        set_v4(f, &p[13..17], &p[17..19], &p[31..35], &p[35..37])
                    }
                } else if p.len() >= 13 {
                    f.ty = FdType::Ipv4Sock;
                    set_v4(f, &p[1..5], &p[5..7], &p[7..11], &p[11..13])
                } else {
                    false
                };
                if changed && f.is_server() && f.is_udp() {
                    f.swap_addresses();
                }
                f.render_tuple_name();
            } else {
                if f.ty != FdType::UnixSock {
                    // Not a unix socket: only the name is taken.
                }
                fd::render_socktuple(p, &mut name);
                f.name.clear();
                f.name.push_str(&name);
                (f.sock.usrc, f.sock.udst) = unix_ptrs(p);
            }
            if f.role_none() {
                f.set_client();
            }
        }
        self.name_buf = name;
    }

    fn parse_accept_exit(&mut self, e: &Evt<'_>) {
        if !self.cur.has_thread {
            return;
        }
        let fdn = e.p_i64(0).unwrap_or(-1);
        if fdn < 0 {
            return;
        }
        if let Some(t) = self.threads.get_mut(&e.tid) {
            t.lastevent_fd = fdn;
        }
        let Some(p) = e.param(1) else { return };
        if p.is_empty() {
            return;
        }
        let mut fdi = FdInfo::default();
        match p[0] {
            2 if p.len() >= 13 => {
                set_v4(&mut fdi, &p[1..5], &p[5..7], &p[7..11], &p[11..13]);
                fdi.ty = FdType::Ipv4Sock;
                fdi.sock.l4proto = l4::TCP;
            }
            10 if p.len() >= 37 => {
                if fd::is_v4_mapped(&p[1..17]) && fd::is_v4_mapped(&p[19..35]) {
                    set_v4(&mut fdi, &p[13..17], &p[17..19], &p[31..35], &p[35..37]);
                    fdi.ty = FdType::Ipv4Sock;
                } else {
                    set_v6(&mut fdi, p);
                    fdi.ty = FdType::Ipv6Sock;
                }
                fdi.sock.l4proto = l4::TCP;
            }
            1 => {
                fdi.ty = FdType::UnixSock;
                fdi.sock.usrc = p
                    .get(1..9)
                    .map(|b| u64::from_le_bytes(b.try_into().unwrap_or([0; 8])))
                    .unwrap_or(0);
                fdi.sock.udst = p
                    .get(9..17)
                    .map(|b| u64::from_le_bytes(b.try_into().unwrap_or([0; 8])))
                    .unwrap_or(0);
            }
            _ => return,
        }
        // The name is the parameter rendered with the (not yet known) fd: l4 unknown.
        let mut name = String::new();
        fd::render_socktuple(p, &mut name);
        fdi.name = name;
        fdi.flags = role::SERVER | role::CONNECTED;
        self.add_fd_cur(fdn, fdi);
    }

    fn parse_rw_exit(&mut self, e: &Evt<'_>) {
        if self.cur.fd.is_none() {
            return;
        }
        let res = e.p_i64(0).unwrap_or(-1);
        if res < 0 {
            return;
        }
        let ty = e.ty;
        let fl = eflags(ty);
        if let Some(f) = self.cur_fd_mut() {
            if matches!(f.ty, FdType::Ipv4Sock | FdType::Ipv6Sock) {
                f.flags |= role::CONNECTED;
            }
        }
        let (tuple, incoming): (Option<Vec<u8>>, bool) = if fl & EF_READS_FROM_FD != 0 {
            let tp = match ty {
                35 => Some(2),
                53 => Some(3),
                _ => None,
            };
            (tp.and_then(|i| e.param(i)).map(|b| b.to_vec()), true)
        } else {
            let tp = matches!(ty, 31 | 49);
            if !tp {
                return;
            }
            let f = self.cur_fd();
            let needs = f.map(|f| f.name.is_empty() || !f.is_tcp()).unwrap_or(false);
            if !needs {
                return;
            }
            if self.retrieve_enter(e) {
                let buf = std::mem::take(&mut self.tmp_enter);
                let t = Evt::parse(&buf, 0, 0, 0).and_then(|en| en.param(2).map(|b| b.to_vec()));
                self.tmp_enter = buf;
                (t, false)
            } else if e.nparams() >= 5 {
                // Newer libs: fd, size, tuple appended to the exit.
                (e.param(4).map(|b| b.to_vec()), false)
            } else {
                return;
            }
        };
        let Some(tuple) = tuple else { return };
        let needs = self
            .cur_fd()
            .map(|f| f.name.is_empty() || !f.is_tcp())
            .unwrap_or(false);
        if !needs {
            return;
        }
        self.snapshot_name();
        if !self.update_fd(&tuple) {
            return;
        }
        let Some(f) = self.cur_fd_mut() else { return };
        if matches!(f.ty, FdType::Ipv4Sock | FdType::Ipv6Sock) {
            if f.role_none() {
                // set_net_role_by_guessing without the bound-port knowledge: libsinsp
                // falls back to the direction of the first packet.
                if incoming {
                    f.set_server();
                } else {
                    f.set_client();
                }
            }
            if (incoming && f.is_client()) || (!incoming && f.is_server()) {
                f.swap_addresses();
            }
            f.render_tuple_name();
        } else {
            let mut name = String::new();
            fd::render_socktuple(&tuple, &mut name);
            f.name = name;
        }
    }

    /// `update_fd`: takes a tuple into the current fd. Returns whether it changed.
    fn update_fd(&mut self, p: &[u8]) -> bool {
        if p.is_empty() {
            return false;
        }
        let Some(f) = self.cur_fd_mut() else {
            return false;
        };
        match p[0] {
            2 => {
                if p.len() < 13 {
                    return false;
                }
                if f.ty == FdType::Ipv4ServSock {
                    // l4proto stays (shared storage in libsinsp).
                }
                f.ty = FdType::Ipv4Sock;
                if !set_v4(f, &p[1..5], &p[5..7], &p[7..11], &p[11..13]) {
                    return false;
                }
            }
            10 => {
                if p.len() < 37 {
                    return false;
                }
                if fd::is_v4_mapped(&p[1..17]) && fd::is_v4_mapped(&p[19..35]) {
                    f.ty = FdType::Ipv4Sock;
                    if !set_v4(f, &p[13..17], &p[17..19], &p[31..35], &p[35..37]) {
                        return false;
                    }
                } else if !set_v6(f, p) {
                    return false;
                }
            }
            1 => {
                f.ty = FdType::UnixSock;
                (f.sock.usrc, f.sock.udst) = unix_ptrs(p);
                f.name = String::from_utf8_lossy(cstr(p.get(17..).unwrap_or(&[]))).into_owned();
                return true;
            }
            _ => return false,
        }
        if matches!(f.ty, FdType::Ipv4Sock | FdType::Ipv6Sock) && f.sock.l4proto == l4::UNKNOWN {
            f.sock.l4proto = l4::UDP;
        }
        let mut tmp = f.clone();
        self.infer_local_address(&mut tmp);
        if let Some(f) = self.cur_fd_mut() {
            f.sock = tmp.sock;
        }
        true
    }
}

/// Parsers that create (or replace) an fd.
fn kind_creates(k: Kind) -> bool {
    matches!(
        k,
        Kind::OpenX
            | Kind::CreatX
            | Kind::OpenatOldX
            | Kind::Openat2X
            | Kind::SocketX
            | Kind::AcceptX
            | Kind::PipeX
            | Kind::SocketpairX
            | Kind::EventfdX
            | Kind::SignalfdX
            | Kind::TimerfdX
            | Kind::InotifyX
            | Kind::DupX
            | Kind::FcntlX
            | Kind::MemfdX
            | Kind::PidfdX
    )
}

/// A cheap fingerprint of an fd name (length + FNV-1a), to detect renames without copying.
fn name_fingerprint(s: &str) -> (usize, u64) {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for &b in s.as_bytes() {
        h = (h ^ b as u64).wrapping_mul(0x0000_0100_0000_01b3);
    }
    (s.len(), h)
}

/// The fd parameter a newer-libs exit event carries (the first parameter named `fd` after
/// position 0), when the record has more parameters than the e5c53d64 layout.
fn exit_fd_param(e: &Evt<'_>) -> Option<i64> {
    let old = event::info_e5c53d64(e.ty)
        .map(|i| i.params.len())
        .unwrap_or(0);
    if e.nparams() <= old && e.ty < 336 {
        return None;
    }
    let info = event::info(e.ty)?;
    let i = info.params.iter().skip(1).position(|p| p.name == "fd")? + 1;
    e.p_i64(i)
}

fn set_v4(f: &mut FdInfo, sip: &[u8], sport: &[u8], dip: &[u8], dport: &[u8]) -> bool {
    let (mut s, mut d) = ([0u8; 16], [0u8; 16]);
    s[..4].copy_from_slice(&sip[..4]);
    d[..4].copy_from_slice(&dip[..4]);
    let sp = u16::from_le_bytes([sport[0], sport[1]]);
    let dp = u16::from_le_bytes([dport[0], dport[1]]);
    set_tuple(f, FdType::Ipv4Sock, s, sp, d, dp)
}

fn set_v6(f: &mut FdInfo, p: &[u8]) -> bool {
    let (mut s, mut d) = ([0u8; 16], [0u8; 16]);
    s.copy_from_slice(&p[1..17]);
    d.copy_from_slice(&p[19..35]);
    let sp = u16::from_le_bytes([p[17], p[18]]);
    let dp = u16::from_le_bytes([p[35], p[36]]);
    set_tuple(f, FdType::Ipv6Sock, s, sp, d, dp)
}

/// `update_ipv{4,6}_addresses_and_ports`.
fn set_tuple(f: &mut FdInfo, want: FdType, s: [u8; 16], sp: u16, d: [u8; 16], dp: u16) -> bool {
    let k = &mut f.sock;
    if f.ty == want
        && ((s == k.sip && sp == k.sport && d == k.dip && dp == k.dport)
            || (d == k.sip && dp == k.sport && s == k.dip && sp == k.dport))
    {
        return false;
    }
    let mut changed = false;
    if k.sip != s {
        k.sip = s;
        changed = true;
    }
    if k.sport != sp {
        k.sport = sp;
        changed = true;
    }
    if k.dip == [0; 16] {
        k.dip = d;
        changed = true;
    }
    if k.dport == 0 {
        k.dport = dp;
        changed = true;
    }
    changed
}

/// Unused flag names kept for documentation of the dispatch.
#[allow(dead_code)]
const _FLAGS: [u32; 2] = [EF_CREATES_FD, EF_DESTROYS_FD];

/// The two kernel socket pointers after the family byte of a unix sockaddr/tuple value (0
/// where the value is too short), as `set_unix_info` reads them.
fn unix_ptrs(p: &[u8]) -> (u64, u64) {
    let at = |r: std::ops::Range<usize>| {
        p.get(r)
            .and_then(|b| b.try_into().ok())
            .map(u64::from_le_bytes)
            .unwrap_or(0)
    };
    (at(1..9), at(9..17))
}
