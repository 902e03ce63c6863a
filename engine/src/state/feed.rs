//! Feeds [`State`] from the capture-file reader of the `scap` crate.
//!
//! [`scap::file::CaptureReader::next_record`] yields every item of a capture in file order;
//! a [`Feeder`] applies each one the way libsinsp consumes a file:
//! * `Record::Section`: a new section after events restarts the state ([`State::reset`]);
//! * `Record::MachineInfo`, `Proc`, `Fd`, `Interface`, `User`: loaded into [`State`]
//!   (the child counts and socket roles are fixed up when the first event arrives,
//!   [`State::finish_proclist`]); metadata between events without a new section is an
//!   error, as in libscap;
//! * `Record::Event`: turned into an [`Evt`] view over the record bytes, numbered as
//!   libsinsp numbers events (`evt.num`). By default event types sysdig 0.29.3 does not
//!   know (ids >= 336) are skipped and not numbered, so numbers match sysdig's.
//!
//! The reader lends each record from its buffer, so the caller drives the loop:
//!
//! ```no_run
//! use engine::state::{feed::Feeder, State};
//! let mut r = scap::file::CaptureReader::open("trace.scap").unwrap();
//! let (mut st, mut feed) = (State::new(), Feeder::new("trace.scap"));
//! while let Some(rec) = feed.read(&mut r).unwrap() {
//!     let Some(e) = feed.feed(&mut st, rec).unwrap() else { continue };
//!     st.process(&e);
//!     // ... fields of `e` ...
//!     st.end_event(&e);
//! }
//! ```

use std::ops::ControlFlow;

use scap::file::meta::{FdInfo as FdRec, Interface, ProcEntry as ProcRec, UserListEntry};
use scap::file::{CaptureReader, ReadError, Record};

use super::evt::Evt;
use super::fd::{self, FdInfo, FdType};
use super::{Group, ProcEntry, State, User};

/// Why a capture could not be fed: where (file, byte offset or event number) and why.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum FeedError {
    /// The reader failed (I/O, damaged block or event): its error names the byte offset,
    /// block and event number.
    #[error("{path}: {source}")]
    Read {
        /// File.
        path: String,
        /// The reader's error.
        source: ReadError,
    },
    /// The records are well-formed but inconsistent as a capture (libscap refuses them).
    #[error("{path}: {msg} (after event #{after})")]
    Capture {
        /// File.
        path: String,
        /// Events returned before the problem.
        after: u64,
        /// What is wrong.
        msg: String,
    },
}

/// Applies capture records to a [`State`] (see the module docs).
#[derive(Debug)]
pub struct Feeder {
    path: String,
    in_events: bool,
    /// Events returned (the last one's `evt.num`).
    pub nevts: u64,
    /// Events skipped because sysdig 0.29.3 does not know their type (ids >= 336).
    pub skipped_unknown: u64,
    /// Skip event types sysdig 0.29.3 does not know (ids >= 336), as it does (default, so
    /// `evt.num` matches sysdig). Turn off to process newer libs' events (exit-only
    /// layouts, dup2/dup3, memfd_create, close_range, prctl...).
    pub skip_newer_events: bool,
}

impl Feeder {
    /// A feeder for the capture at `path` (named in errors).
    pub fn new(path: impl Into<String>) -> Feeder {
        Feeder {
            path: path.into(),
            in_events: false,
            nevts: 0,
            skipped_unknown: 0,
            skip_newer_events: true,
        }
    }

    /// Opens `path` with the scap reader (plain files are mapped, gzip/zstd streamed).
    pub fn open(path: &str) -> Result<(CaptureReader, Feeder), FeedError> {
        let r = CaptureReader::open(path).map_err(|source| FeedError::Read {
            path: path.to_string(),
            source,
        })?;
        Ok((r, Feeder::new(path)))
    }

    /// The next record of `r`, with its error named after this feeder's file.
    #[inline]
    pub fn read<'r>(&self, r: &'r mut CaptureReader) -> Result<Option<Record<'r>>, FeedError> {
        r.next_record().map_err(|source| FeedError::Read {
            path: self.path.clone(),
            source,
        })
    }

    /// Reads the rest of `r` (the fastest way: the reader's record visitor), loading
    /// metadata into `st` and calling `f(st, evt, offset)` for every event (`offset`: the
    /// byte offset of its block, in the decompressed stream for compressed files). `f`
    /// returns [`ControlFlow::Break`] to stop early. Returns the error that stopped
    /// reading.
    pub fn run<F>(
        &mut self,
        r: &mut CaptureReader,
        st: &mut State,
        mut f: F,
    ) -> Result<(), FeedError>
    where
        F: FnMut(&mut State, &Evt<'_>, u64) -> ControlFlow<()>,
    {
        let mut err = None;
        let res = r.for_each_record(|rec| {
            let res = match rec {
                // Events are viewed in place (no Result/Option of a view to move around).
                Record::Event(ev) => {
                    if !self.admit(st, ev.ty()) {
                        return ControlFlow::Continue(());
                    }
                    match Evt::parse(ev.as_bytes(), self.nevts, ev.cpuid, ev.flags) {
                        Some(e) => return f(st, &e, ev.offset),
                        None => Err(self.malformed(ev.offset)),
                    }
                }
                other => self.meta(st, other),
            };
            match res {
                Ok(()) => ControlFlow::Continue(()),
                Err(e) => {
                    err = Some(e);
                    ControlFlow::Break(())
                }
            }
        });
        if let Some(e) = err {
            return Err(e);
        }
        res.map_err(|source| FeedError::Read {
            path: self.path.clone(),
            source,
        })
    }

    fn bad(&self, msg: impl Into<String>) -> FeedError {
        FeedError::Capture {
            path: self.path.clone(),
            after: self.nevts,
            msg: msg.into(),
        }
    }

    /// Applies one record: metadata goes into `st`; an event comes back as an [`Evt`] for
    /// the caller to process (`None` for metadata and skipped events).
    #[inline]
    pub fn feed<'a>(
        &mut self,
        st: &mut State,
        rec: Record<'a>,
    ) -> Result<Option<Evt<'a>>, FeedError> {
        match rec {
            Record::Event(ev) => {
                if !self.admit(st, ev.ty()) {
                    return Ok(None);
                }
                match Evt::parse(ev.as_bytes(), self.nevts, ev.cpuid, ev.flags) {
                    Some(e) => Ok(Some(e)),
                    None => Err(self.malformed(ev.offset)),
                }
            }
            other => {
                self.meta(st, other)?;
                Ok(None)
            }
        }
    }

    /// Whether an event of type `ty` is returned (numbering it, and finishing the
    /// metadata at the first one).
    #[inline]
    fn admit(&mut self, st: &mut State, ty: u16) -> bool {
        if self.skip_newer_events && ty as usize >= scap_abi::event::EVENTS_E5C53D64.len() {
            self.skipped_unknown += 1;
            return false;
        }
        if !self.in_events {
            self.in_events = true;
            st.finish_proclist();
        }
        self.nevts += 1;
        true
    }

    #[cold]
    fn malformed(&self, offset: u64) -> FeedError {
        self.bad(format!(
            "byte offset {offset}: malformed event {}",
            self.nevts
        ))
    }

    #[cold]
    fn meta(&mut self, st: &mut State, rec: Record<'_>) -> Result<(), FeedError> {
        if let Record::Section(_) = rec {
            if self.in_events {
                st.reset();
                self.in_events = false;
            }
            return Ok(());
        }
        if self.in_events {
            return Err(self.bad("could not restart capture: invalid block type"));
        }
        match rec {
            Record::MachineInfo(mi) => st.hostname = mi.hostname.clone(),
            Record::Proc(p) => st.add_proc(&proc_entry(&p)),
            Record::Fd(f) => self.fd(st, &f)?,
            Record::Interface(Interface::V4 { addr, netmask, .. }) => {
                st.ifaces_v4.push((addr, netmask))
            }
            Record::Interface(Interface::V6 { addr, .. }) => st.ifaces_v6.push(addr),
            Record::User(UserListEntry::User(u)) => st.add_user(User {
                uid: u.uid,
                gid: u.gid,
                name: lossy(u.name),
                homedir: lossy(u.homedir),
                shell: lossy(u.shell),
            }),
            Record::User(UserListEntry::Group(g)) => st.add_group(Group {
                gid: g.gid,
                name: lossy(g.name),
            }),
            _ => {}
        }
        Ok(())
    }

    /// One FDL entry (`scap_fd_read_from_disk` + the socket fix-ups libsinsp applies).
    fn fd(&self, st: &mut State, e: &scap::file::meta::FdEntry<'_>) -> Result<(), FeedError> {
        let tid = e.tid as i64;
        if !st.threads.contains_key(&tid) {
            return Err(self.bad(format!(
                "FD block references TID {tid}, which doesn't exist"
            )));
        }
        let ty = e.info.fd_type();
        let fty = FdType::from_u8(ty).ok_or_else(|| self.bad(format!("wrong fd type {ty}")))?;
        let mut f = FdInfo::new(fty);
        f.ino = e.ino;
        match e.info {
            FdRec::Ipv4Sock {
                sip,
                dip,
                sport,
                dport,
                l4proto,
            } => {
                f.sock.sip[..4].copy_from_slice(&sip);
                f.sock.dip[..4].copy_from_slice(&dip);
                f.sock.sport = sport;
                f.sock.dport = dport;
                f.sock.l4proto = l4proto;
                if l4proto == fd::l4::TCP {
                    f.flags |= fd::role::CONNECTED;
                }
                st.infer_local_address(&mut f);
                fd::ipv4tuple_to_string(&f.sock, &mut f.name);
            }
            FdRec::Ipv6Sock {
                sip,
                dip,
                sport,
                dport,
                l4proto,
            } => {
                f.sock.sport = sport;
                f.sock.dport = dport;
                f.sock.l4proto = l4proto;
                if l4proto == fd::l4::TCP {
                    f.flags |= fd::role::CONNECTED;
                }
                if fd::is_v4_mapped(&sip) && fd::is_v4_mapped(&dip) {
                    f.ty = FdType::Ipv4Sock;
                    f.sock.sip[..4].copy_from_slice(&sip[12..]);
                    f.sock.dip[..4].copy_from_slice(&dip[12..]);
                    st.infer_local_address(&mut f);
                    fd::ipv4tuple_to_string(&f.sock, &mut f.name);
                } else {
                    f.sock.sip = sip;
                    f.sock.dip = dip;
                    fd::ipv6tuple_to_string(&f.sock, &mut f.name);
                }
            }
            FdRec::Ipv4ServSock { ip, port, l4proto } => {
                f.sock.sip[..4].copy_from_slice(&ip);
                server_socket(st, &mut f, port, l4proto, false);
            }
            FdRec::Ipv6ServSock { ip, port, l4proto } => {
                f.sock.sip = ip;
                server_socket(st, &mut f, port, l4proto, true);
            }
            FdRec::UnixSock { source, dest, path } => {
                f.sock.usrc = source;
                f.sock.udst = dest;
                f.name = lossy(path);
                if f.name.is_empty() {
                    f.set_client();
                } else {
                    f.set_server();
                }
            }
            FdRec::File {
                open_flags,
                name,
                dev,
            } => {
                f.openflags = open_flags;
                f.name = lossy(name);
                f.dev = dev.unwrap_or(0);
            }
            FdRec::Named { name, .. } => f.name = lossy(name),
            FdRec::Unknown | FdRec::Other { .. } => {}
        }
        st.add_fd(tid, e.fd, f);
        Ok(())
    }
}

/// A listening socket of the fd list (its address already in `f.sock.sip`): port,
/// protocol, the `ip:port` name, and the port among the server ports.
fn server_socket(st: &mut State, f: &mut FdInfo, port: u16, l4proto: u8, v6: bool) {
    f.sock.sport = port;
    f.sock.l4proto = l4proto;
    if v6 {
        fd::push_ipv6(&mut f.name, &f.sock.sip);
    } else {
        fd::push_ipv4(&mut f.name, &f.sock.sip);
    }
    f.name.push(':');
    fd::push_dec(&mut f.name, port as u64);
    st.server_ports.push(port);
}

fn lossy(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

/// A PL record as the state's [`ProcEntry`] (defaults of older layouts as libscap fills
/// them: no sid/vpgid = -1, vtid/vpid = tid/pid, loginuid = -1).
fn proc_entry(p: &ProcRec<'_>) -> ProcEntry {
    ProcEntry {
        tid: p.tid,
        pid: p.pid,
        ptid: p.ptid,
        sid: p.sid.unwrap_or(-1),
        vpgid: p.vpgid.unwrap_or(-1),
        comm: p.comm.to_vec(),
        exe: p.exe.to_vec(),
        exepath: p.exepath.unwrap_or(&[]).to_vec(),
        args: p.args.to_vec(),
        cwd: p.cwd.to_vec(),
        fdlimit: p.fdlimit,
        flags: p.flags,
        uid: p.uid,
        gid: p.gid,
        vmsize_kb: p.vmsize_kb.unwrap_or(0),
        vmrss_kb: p.vmrss_kb.unwrap_or(0),
        vmswap_kb: p.vmswap_kb.unwrap_or(0),
        pfmajor: p.pfmajor.unwrap_or(0),
        pfminor: p.pfminor.unwrap_or(0),
        env: p.env.unwrap_or(&[]).to_vec(),
        vtid: p.vtid.unwrap_or(p.tid),
        vpid: p.vpid.unwrap_or(p.pid),
        cgroups: p.cgroups.unwrap_or(&[]).to_vec(),
        root: p.root.unwrap_or(&[]).to_vec(),
        loginuid: p.loginuid.unwrap_or(u32::MAX),
        tty: p.tty.unwrap_or(0),
        exe_writable: p.exe_writable.unwrap_or(0) != 0,
    }
}
