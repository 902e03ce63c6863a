//! A compact capture-file loader for the state engine and the dump mode: SHB sections,
//! MI (hostname), PL V1-V9 (both V9 tails), FDL V1/V2, UL V1/V2, and EV/EVF v1/v2 (plus
//! LARGE) event blocks, plain, gzip or zstd. Events are handed out as [`Evt`] views in file
//! order with libsinsp's numbering. (The scap crate's reader is the general-purpose one;
//! this one feeds [`State`] directly and keeps one reusable record buffer.)

use std::io::{BufReader, Read};

use super::evt::Evt;
use super::fd::{FdInfo, FdType};
use super::{Group, ProcEntry, State, User};

/// Loader errors: where and why.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum CaptureError {
    /// I/O failure.
    #[error("{path}: {source}")]
    Io {
        /// File.
        path: String,
        /// Cause.
        source: std::io::Error,
    },
    /// Malformed block.
    #[error("{path}: byte offset {offset}: {msg}")]
    Format {
        /// File.
        path: String,
        /// Offset of the block.
        offset: u64,
        /// What is wrong.
        msg: String,
    },
}

/// An open capture.
pub struct Capture {
    path: String,
    r: Box<dyn Read>,
    /// Stream offset of `buf[0]`.
    base: u64,
    /// Decompressed stream window: unread bytes are `buf[pos..end]`.
    buf: Vec<u8>,
    pos: usize,
    end: usize,
    eof: bool,
    /// Stream offset of the current block (for errors).
    off: u64,
    rec: Vec<u8>,
    /// Block type of a metadata block seen after events (starts a new section).
    pending: Option<(u32, u32)>,
    in_events: bool,
    /// Event blocks skipped because their type is unknown to sysdig 0.29.3 (>= 336).
    pub skipped_unknown: u64,
    /// Events returned.
    pub nevts: u64,
    /// Skip event types sysdig 0.29.3 does not know (ids >= 336), as it does (default, so
    /// `evt.num` matches sysdig). Turn off to process newer libs' events (exit-only
    /// layouts, dup2/dup3, memfd_create, close_range, prctl...).
    pub skip_newer_events: bool,
}

impl std::fmt::Debug for Capture {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Capture")
            .field("path", &self.path)
            .field("off", &self.off)
            .finish()
    }
}

const SHB: u32 = 0x0A0D_0D0A;

fn le32(b: &[u8], o: usize) -> u32 {
    b.get(o..o + 4)
        .map(|x| u32::from_le_bytes([x[0], x[1], x[2], x[3]]))
        .unwrap_or(0)
}

struct Cur<'a> {
    b: &'a [u8],
    p: usize,
}
impl<'a> Cur<'a> {
    fn take(&mut self, n: usize) -> Option<&'a [u8]> {
        let s = self.b.get(self.p..self.p.checked_add(n)?)?;
        self.p += n;
        Some(s)
    }
    fn u8(&mut self) -> Option<u8> {
        self.take(1).map(|b| b[0])
    }
    fn u16(&mut self) -> Option<u16> {
        self.take(2).map(|b| u16::from_le_bytes([b[0], b[1]]))
    }
    fn u32(&mut self) -> Option<u32> {
        self.take(4)
            .map(|b| u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
    }
    fn u64(&mut self) -> Option<u64> {
        self.take(8)
            .map(|b| u64::from_le_bytes(b.try_into().unwrap_or([0; 8])))
    }
    fn i64(&mut self) -> Option<i64> {
        self.u64().map(|v| v as i64)
    }
    fn str16(&mut self) -> Option<&'a [u8]> {
        let n = self.u16()? as usize;
        self.take(n)
    }
    fn left(&self) -> usize {
        self.b.len().saturating_sub(self.p)
    }
}

impl Capture {
    /// Opens `path` (plain or gzip, sniffed by magic).
    pub fn open(path: &str) -> Result<Capture, CaptureError> {
        let io = |source| CaptureError::Io {
            path: path.to_string(),
            source,
        };
        let mut f = BufReader::with_capacity(1 << 20, std::fs::File::open(path).map_err(io)?);
        let mut magic = [0u8; 2];
        let n = {
            use std::io::BufRead;
            let b = f.fill_buf().map_err(io)?;
            let n = b.len().min(2);
            magic[..n].copy_from_slice(&b[..n]);
            n
        };
        let r: Box<dyn Read> = if n == 2 && magic == [0x1f, 0x8b] {
            Box::new(BufReader::with_capacity(
                1 << 20,
                flate2::read::MultiGzDecoder::new(f),
            ))
        } else if Self::is_zstd(&mut f) {
            // zstd (what our writer produces by default), frames concatenated.
            let d = zstd::stream::read::Decoder::with_buffer(f).map_err(io)?;
            Box::new(BufReader::with_capacity(1 << 20, d))
        } else {
            Box::new(f)
        };
        Ok(Capture {
            path: path.to_string(),
            r,
            base: 0,
            buf: vec![0; 4 << 20],
            pos: 0,
            end: 0,
            eof: false,
            off: 0,
            rec: Vec::with_capacity(1 << 16),
            pending: None,
            in_events: false,
            skipped_unknown: 0,
            nevts: 0,
            skip_newer_events: true,
        })
    }

    /// Does the buffered input start with the zstd frame magic?
    fn is_zstd(f: &mut BufReader<std::fs::File>) -> bool {
        use std::io::BufRead;
        f.fill_buf()
            .map(|b| b.starts_with(&[0x28, 0xb5, 0x2f, 0xfd]))
            .unwrap_or(false)
    }

    /// Bytes of (decompressed) capture consumed so far: the offset of the next block.
    pub fn offset(&self) -> u64 {
        self.off
    }

    fn err(&self, offset: u64, msg: impl Into<String>) -> CaptureError {
        CaptureError::Format {
            path: self.path.clone(),
            offset,
            msg: msg.into(),
        }
    }

    /// Makes at least `n` unread bytes available (fewer only at EOF).
    fn fill(&mut self, n: usize) -> Result<(), CaptureError> {
        if self.end - self.pos >= n || self.eof {
            return Ok(());
        }
        if self.pos > 0 {
            self.buf.copy_within(self.pos..self.end, 0);
            self.base += self.pos as u64;
            self.end -= self.pos;
            self.pos = 0;
        }
        if self.buf.len() < n {
            self.buf.resize(n.next_power_of_two(), 0);
        }
        while self.end < n {
            let got = self
                .r
                .read(&mut self.buf[self.end..])
                .map_err(|e| CaptureError::Io {
                    path: self.path.clone(),
                    source: e,
                })?;
            if got == 0 {
                self.eof = true;
                break;
            }
            self.end += got;
        }
        Ok(())
    }

    /// Reads the next block header; `None` at a clean EOF.
    fn read_hdr(&mut self) -> Result<Option<(u32, u32)>, CaptureError> {
        if let Some(h) = self.pending.take() {
            return Ok(Some(h));
        }
        self.fill(8)?;
        let avail = self.end - self.pos;
        self.off = self.base + self.pos as u64;
        if avail == 0 {
            return Ok(None);
        }
        if avail < 8 {
            return Err(self.err(self.off, "truncated block header"));
        }
        let h = &self.buf[self.pos..self.pos + 8];
        let ty = le32(h, 0);
        let len = le32(h, 4);
        if len < 12 || len > (256 << 20) {
            return Err(self.err(self.off, format!("bad block length {len}")));
        }
        Ok(Some((ty, len)))
    }

    /// Consumes the block whose header was just read; returns the range of its body
    /// (after the 8-byte header, including padding and trailer) in `self.buf`.
    fn read_body(&mut self, len: u32) -> Result<(usize, usize), CaptureError> {
        self.fill(len as usize)?;
        if self.end - self.pos < len as usize {
            return Err(self.err(self.off, "truncated block"));
        }
        let r = (self.pos + 8, self.pos + len as usize);
        self.pos += len as usize;
        Ok(r)
    }

    /// Loads metadata blocks into `st` until the first event block (left pending).
    pub fn load_metadata(&mut self, st: &mut State) -> Result<(), CaptureError> {
        loop {
            let Some((ty, len)) = self.read_hdr()? else {
                return Ok(());
            };
            if is_event_block(ty) {
                self.pending = Some((ty, len));
                self.in_events = true;
                st.finish_proclist();
                return Ok(());
            }
            let boff = self.off;
            let (a, b) = self.read_body(len)?;
            let body = std::mem::take(&mut self.buf);
            let r = self.meta_block(st, ty, &body[a..b.saturating_sub(4).max(a)], boff);
            self.buf = body;
            r?;
        }
    }

    fn meta_block(
        &mut self,
        st: &mut State,
        ty: u32,
        b: &[u8],
        boff: u64,
    ) -> Result<(), CaptureError> {
        match ty {
            SHB => {
                if le32(b, 0) != 0x1A2B_3C4D {
                    return Err(self.err(boff, "invalid magic number"));
                }
            }
            0x201 | 0x8002_ABCD => {
                if let Some(h) = b.get(20..148) {
                    st.hostname = String::from_utf8_lossy(super::evt::cstr(h)).into_owned();
                }
            }
            0x202 | 0x8000_ABCD => self.pl(st, b, 1, boff)?,
            0x207 | 0x8013_ABCD => self.pl(st, b, 2, boff)?,
            0x209 | 0x8014_ABCD => self.pl(st, b, 3, boff)?,
            0x210..=0x215 => self.pl(st, b, (ty - 0x210 + 4) as u8, boff)?,
            0x203 | 0x8001_ABCD => self.fdl(st, b, false, boff)?,
            0x218 => self.fdl(st, b, true, boff)?,
            0x206 | 0x8012_ABCD => self.ul(st, b, false),
            0x205 | 0x8011_ABCD => il(st, b, false),
            0x219 => il(st, b, true),
            0x220 => self.ul(st, b, true),
            _ => {}
        }
        Ok(())
    }

    fn pl(&self, st: &mut State, b: &[u8], v: u8, boff: u64) -> Result<(), CaptureError> {
        let mut c = Cur { b, p: 0 };
        while c.left() >= 4 {
            let start = c.p;
            let elen = if v >= 9 {
                c.u32().unwrap_or(0) as usize
            } else {
                0
            };
            let bad = || self.err(boff, "corrupted process list entry");
            let mut p = ProcEntry {
                tid: c.i64().ok_or_else(bad)?,
                sid: -1,
                vpgid: -1,
                ..Default::default()
            };
            p.pid = c.i64().ok_or_else(bad)?;
            p.ptid = c.i64().ok_or_else(bad)?;
            if v >= 6 {
                p.sid = c.i64().ok_or_else(bad)?;
            }
            if v >= 8 {
                p.vpgid = c.i64().ok_or_else(bad)?;
            }
            p.comm = c.str16().ok_or_else(bad)?.to_vec();
            p.exe = c.str16().ok_or_else(bad)?.to_vec();
            if v >= 7 {
                p.exepath = c.str16().ok_or_else(bad)?.to_vec();
            }
            p.args = c.str16().ok_or_else(bad)?.to_vec();
            p.cwd = c.str16().ok_or_else(bad)?.to_vec();
            p.fdlimit = c.i64().ok_or_else(bad)?;
            p.flags = c.u32().ok_or_else(bad)?;
            p.uid = c.u32().ok_or_else(bad)?;
            p.gid = c.u32().ok_or_else(bad)?;
            if v >= 2 {
                p.vmsize_kb = c.u32().ok_or_else(bad)?;
                p.vmrss_kb = c.u32().ok_or_else(bad)?;
                p.vmswap_kb = c.u32().ok_or_else(bad)?;
                p.pfmajor = c.u64().ok_or_else(bad)?;
                p.pfminor = c.u64().ok_or_else(bad)?;
            }
            if v >= 3 {
                p.env = c.str16().ok_or_else(bad)?.to_vec();
            }
            p.vtid = p.tid;
            p.vpid = p.pid;
            if v >= 4 {
                p.vtid = c.i64().ok_or_else(bad)?;
                p.vpid = c.i64().ok_or_else(bad)?;
                p.cgroups = c.str16().ok_or_else(bad)?.to_vec();
            }
            if v >= 5 {
                p.root = c.str16().ok_or_else(bad)?.to_vec();
            }
            p.loginuid = u32::MAX;
            if v >= 9 {
                let end = start + elen;
                let remaining = end.saturating_sub(c.p);
                if remaining <= 29 {
                    if c.p + 4 <= end {
                        p.loginuid = c.u32().unwrap_or(u32::MAX);
                    }
                    if c.p < end {
                        p.exe_writable = c.u8().unwrap_or(0) != 0;
                    }
                } else {
                    let _pidns = c.u64();
                    p.tty = c.u32().unwrap_or(0);
                    p.loginuid = c.u32().unwrap_or(u32::MAX);
                    p.exe_writable = c.u8().unwrap_or(0) != 0;
                }
                if end < c.p || end > b.len() {
                    return Err(self.err(boff, "process list entry length mismatch"));
                }
                c.p = end;
            }
            st.add_proc(&p);
        }
        Ok(())
    }

    fn fdl(&self, st: &mut State, b: &[u8], v2: bool, boff: u64) -> Result<(), CaptureError> {
        let mut c = Cur { b, p: 0 };
        let tid = c.i64().ok_or_else(|| self.err(boff, "truncated fd list"))?;
        if !st.threads.contains_key(&tid) {
            return Err(self.err(
                boff,
                format!("FD block references TID {tid}, which doesn't exist"),
            ));
        }
        while c.left() >= 4 {
            let start = c.p;
            let elen = if v2 { c.u32().unwrap_or(0) as usize } else { 0 };
            let bad = || self.err(boff, "corrupted fd list entry");
            let fdn = c.i64().ok_or_else(bad)?;
            let ino = c.u64().ok_or_else(bad)?;
            let t = c.u8().ok_or_else(bad)?;
            let ty =
                FdType::from_u8(t).ok_or_else(|| self.err(boff, format!("wrong fd type {t}")))?;
            let mut f = FdInfo::new(ty);
            f.ino = ino;
            match ty {
                FdType::Ipv4Sock => {
                    let s = c.take(4).ok_or_else(bad)?;
                    let d = c.take(4).ok_or_else(bad)?;
                    f.sock.sip[..4].copy_from_slice(s);
                    f.sock.dip[..4].copy_from_slice(d);
                    f.sock.sport = c.u16().ok_or_else(bad)?;
                    f.sock.dport = c.u16().ok_or_else(bad)?;
                    f.sock.l4proto = c.u8().ok_or_else(bad)?;
                    if f.sock.l4proto == super::fd::l4::TCP {
                        f.flags |= super::fd::role::CONNECTED;
                    }
                    st.infer_local_address(&mut f);
                    super::fd::ipv4tuple_to_string(&f.sock, &mut f.name);
                }
                FdType::Ipv6Sock => {
                    f.sock.sip.copy_from_slice(c.take(16).ok_or_else(bad)?);
                    f.sock.dip.copy_from_slice(c.take(16).ok_or_else(bad)?);
                    f.sock.sport = c.u16().ok_or_else(bad)?;
                    f.sock.dport = c.u16().ok_or_else(bad)?;
                    f.sock.l4proto = c.u8().ok_or_else(bad)?;
                    if f.sock.l4proto == super::fd::l4::TCP {
                        f.flags |= super::fd::role::CONNECTED;
                    }
                    if super::fd::is_v4_mapped(&f.sock.sip) && super::fd::is_v4_mapped(&f.sock.dip)
                    {
                        let (s, d) = (f.sock.sip, f.sock.dip);
                        f.ty = FdType::Ipv4Sock;
                        f.sock.sip = [0; 16];
                        f.sock.dip = [0; 16];
                        f.sock.sip[..4].copy_from_slice(&s[12..]);
                        f.sock.dip[..4].copy_from_slice(&d[12..]);
                        st.infer_local_address(&mut f);
                        super::fd::ipv4tuple_to_string(&f.sock, &mut f.name);
                    } else {
                        super::fd::ipv6tuple_to_string(&f.sock, &mut f.name);
                    }
                }
                FdType::Ipv4ServSock => {
                    f.sock.sip[..4].copy_from_slice(c.take(4).ok_or_else(bad)?);
                    f.sock.sport = c.u16().ok_or_else(bad)?;
                    f.sock.l4proto = c.u8().ok_or_else(bad)?;
                    let mut n = String::new();
                    super::fd::push_ipv4(&mut n, &f.sock.sip);
                    n.push(':');
                    n.push_str(&f.sock.sport.to_string());
                    f.name = n;
                    st.server_ports.push(f.sock.sport);
                }
                FdType::Ipv6ServSock => {
                    f.sock.sip.copy_from_slice(c.take(16).ok_or_else(bad)?);
                    f.sock.sport = c.u16().ok_or_else(bad)?;
                    f.sock.l4proto = c.u8().ok_or_else(bad)?;
                    let mut n = String::new();
                    super::fd::push_ipv6(&mut n, &f.sock.sip);
                    n.push(':');
                    n.push_str(&f.sock.sport.to_string());
                    f.name = n;
                    st.server_ports.push(f.sock.sport);
                }
                FdType::UnixSock => {
                    f.sock.usrc = c.u64().ok_or_else(bad)?;
                    f.sock.udst = c.u64().ok_or_else(bad)?;
                    f.name = String::from_utf8_lossy(c.str16().ok_or_else(bad)?).into_owned();
                    if f.name.is_empty() {
                        f.set_client();
                    } else {
                        f.set_server();
                    }
                }
                FdType::FileV2 => {
                    f.openflags = c.u32().ok_or_else(bad)?;
                    f.name = String::from_utf8_lossy(c.str16().ok_or_else(bad)?).into_owned();
                    if v2 && c.p + 4 <= start + elen {
                        f.dev = c.u32().unwrap_or(0);
                    }
                }
                FdType::Unknown => {}
                _ => {
                    f.name = String::from_utf8_lossy(c.str16().ok_or_else(bad)?).into_owned();
                }
            }
            if v2 {
                let end = start + elen;
                if end < c.p || end > b.len() {
                    return Err(self.err(boff, "fd list entry length mismatch"));
                }
                c.p = end;
            }
            st.add_fd(tid, fdn, f);
        }
        Ok(())
    }

    fn ul(&self, st: &mut State, b: &[u8], v2: bool) {
        let mut c = Cur { b, p: 0 };
        while c.left() >= 4 {
            let start = c.p;
            let elen = if v2 { c.u32().unwrap_or(0) as usize } else { 0 };
            let Some(kind) = c.u8() else { return };
            if kind == 0 {
                let (Some(uid), Some(gid), Some(n), Some(h), Some(s)) =
                    (c.u32(), c.u32(), c.str16(), c.str16(), c.str16())
                else {
                    return;
                };
                let ls = |x: &[u8]| String::from_utf8_lossy(x).into_owned();
                st.add_user(User {
                    uid,
                    gid,
                    name: ls(n),
                    homedir: ls(h),
                    shell: ls(s),
                });
            } else {
                let (Some(gid), Some(n)) = (c.u32(), c.str16()) else {
                    return;
                };
                st.add_group(Group {
                    gid,
                    name: String::from_utf8_lossy(n).into_owned(),
                });
            }
            if v2 {
                let end = start + elen;
                if end < c.p || end > b.len() {
                    return;
                }
                c.p = end;
            }
        }
    }

    /// The next event, with metadata of new sections loaded into `st` (a new SHB resets
    /// it). `None` at EOF.
    pub fn next<'s>(&'s mut self, st: &mut State) -> Result<Option<Evt<'s>>, CaptureError> {
        // Fast path: a whole EV_V2 block of a known type already in the window.
        if self.pending.is_none() && self.in_events && self.end - self.pos >= 36 {
            let p = self.pos;
            let ty = le32(&self.buf, p);
            let len = le32(&self.buf, p + 4) as usize;
            if ty == 0x216 && len >= 36 && len <= self.end - p {
                let rs = p + 10;
                let elen = le32(&self.buf, rs + 16) as usize;
                let etype = u16::from_le_bytes([self.buf[rs + 20], self.buf[rs + 21]]);
                let known = if self.skip_newer_events {
                    (etype as usize) < scap_abi::event::EVENTS_E5C53D64.len()
                } else {
                    scap_abi::event::info(etype).is_some()
                };
                if known && elen >= 26 && rs + elen <= p + len {
                    let cpu = u16::from_le_bytes([self.buf[p + 8], self.buf[p + 9]]);
                    self.off = self.base + p as u64;
                    self.pos += len;
                    self.nevts += 1;
                    let num = self.nevts;
                    let off = self.off;
                    return match Evt::parse(&self.buf[rs..rs + elen], num, cpu, 0) {
                        Some(e) => Ok(Some(e)),
                        None => Err(CaptureError::Format {
                            path: self.path.clone(),
                            offset: off,
                            msg: format!("malformed event (event {num})"),
                        }),
                    };
                }
            }
        }
        loop {
            let Some((ty, len)) = self.read_hdr()? else {
                return Ok(None);
            };
            if !is_event_block(ty) {
                if ty == SHB && self.in_events {
                    st.reset();
                    self.pending = Some((ty, len));
                    self.in_events = false;
                    self.load_metadata(st)?;
                    continue;
                }
                let boff = self.off;
                self.read_body(len)?;
                if self.in_events {
                    return Err(self.err(boff, "could not restart capture: invalid block type"));
                }
                continue;
            }
            self.in_events = true;
            let boff = self.off;
            let (ba, bb) = self.read_body(len)?;
            let flags_len = if ty == 0x217 || ty == 0x222 || ty == 0x208 {
                4
            } else {
                0
            };
            let b = &self.buf[ba..bb];
            if b.len() < 2 + flags_len + 22 {
                return Err(self.err(boff, "event block too short"));
            }
            let cpu = u16::from_le_bytes([b[0], b[1]]);
            let dflags = if flags_len == 4 { le32(b, 2) } else { 0 };
            let r = &b[2 + flags_len..];
            let v1 = matches!(ty, 0x204 | 0x8010_ABCD | 0x208);
            let etype = if v1 {
                u16::from_le_bytes([r[20], r[21]])
            } else {
                u16::from_le_bytes([r[20], r[21]])
            };
            let known = if self.skip_newer_events {
                (etype as usize) < scap_abi::event::EVENTS_E5C53D64.len()
            } else {
                scap_abi::event::info(etype).is_some()
            };
            if !known {
                self.skipped_unknown += 1;
                continue;
            }
            if v1 {
                self.rec.clear();
                // Insert nparams inferred from the table (largest count whose lengths fit).
                let elen = le32(r, 16) as usize;
                let rec = r.get(..elen.min(r.len())).unwrap_or(r);
                if rec.len() < 22 {
                    return Err(self.err(boff, "event record shorter than its header"));
                }
                let info = scap_abi::event::info_e5c53d64(etype);
                let max = info.map(|i| i.params.len()).unwrap_or(0);
                let w = info.map(|i| i.len_width()).unwrap_or(2);
                let mut np = 0usize;
                for n in (0..=max).rev() {
                    let lens_end = 22 + n * w;
                    if lens_end > rec.len() {
                        continue;
                    }
                    let mut sum = 0usize;
                    for i in 0..n {
                        let o = 22 + i * w;
                        sum += if w == 4 {
                            le32(rec, o) as usize
                        } else {
                            u16::from_le_bytes([rec[o], rec[o + 1]]) as usize
                        };
                    }
                    if lens_end + sum == rec.len() {
                        np = n;
                        break;
                    }
                }
                self.rec.extend_from_slice(&rec[..22]);
                self.rec.extend_from_slice(&(np as u32).to_le_bytes());
                self.rec.extend_from_slice(&rec[22..]);
                let l = self.rec.len() as u32;
                self.rec[16..20].copy_from_slice(&l.to_le_bytes());
                self.nevts += 1;
                let num = self.nevts;
                return match Evt::parse(&self.rec, num, cpu, dflags) {
                    Some(e) => Ok(Some(e)),
                    None => Err(self.err(boff, format!("malformed event (event {num})"))),
                };
            }
            // v2: zero-copy view into the read window.
            let elen = le32(r, 16) as usize;
            let start = ba + 2 + flags_len;
            let stop = (start + elen).min(bb);
            self.nevts += 1;
            let num = self.nevts;
            return match Evt::parse(&self.buf[start..stop], num, cpu, dflags) {
                Some(e) => Ok(Some(e)),
                None => Err(CaptureError::Format {
                    path: self.path.clone(),
                    offset: boff,
                    msg: format!("malformed event (event {num})"),
                }),
            };
        }
    }
}

/// IL block: interface addresses (entry_len of V2 does not count itself).
fn il(st: &mut State, b: &[u8], v2: bool) {
    let mut c = Cur { b, p: 0 };
    while c.left() >= 4 {
        let start = c.p;
        let elen = if v2 { c.u32().unwrap_or(0) as usize } else { 0 };
        let (Some(ty), Some(nl)) = (c.u16(), c.u16()) else {
            return;
        };
        match ty {
            1 | 3 => {
                let (Some(a), Some(m), Some(_bc)) = (c.take(4), c.take(4), c.take(4)) else {
                    return;
                };
                if ty == 1 && c.take(8).is_none() {
                    return;
                }
                st.ifaces_v4
                    .push(([a[0], a[1], a[2], a[3]], [m[0], m[1], m[2], m[3]]));
            }
            2 | 4 => {
                let (Some(a), Some(_m), Some(_bc)) = (c.take(16), c.take(16), c.take(16)) else {
                    return;
                };
                if ty == 2 && c.take(8).is_none() {
                    return;
                }
                let mut x = [0u8; 16];
                x.copy_from_slice(a);
                st.ifaces_v6.push(x);
            }
            _ => return,
        }
        if c.take(nl as usize).is_none() {
            return;
        }
        if v2 {
            c.p = start + 4 + elen;
        }
    }
}

fn is_event_block(ty: u32) -> bool {
    matches!(
        ty,
        0x204 | 0x8010_ABCD | 0x208 | 0x216 | 0x217 | 0x221 | 0x222
    )
}
