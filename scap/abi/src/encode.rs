// The no_std, allocation-free scap event encoder (included into `defs.rs` as `pub mod
// encode`, so no inner attributes here; `super` is the defs module).
//
// Record layout written (all little-endian, packed):
//
//   0  u64 ts | 8 u64 tid | 16 u32 len | 20 u16 type | 22 u32 nparams
//   26 nparams x (u16 | u32) lengths   (u32 when the type has EF_LARGE_PAYLOAD)
//   .. values back to back, no padding
//
// Usage:
//
//   let mut w = EventWriter::new(&mut buf, ts, tid, ids::OPENAT_X, 6)?;
//   w.push_i64(fd)?; w.push_i64(dirfd)?; w.push_str_nul(b"/etc/passwd")?;
//   w.push_u32(flags)?; w.push_u32(mode)?; w.push_u32(dev)?;
//   let len = w.finish()?;            // &buf[..len] is the record
//
// Every push checks the space left and the per-parameter length limit and returns an
// error instead of panicking; the first error is also remembered and returned again by
// `finish`, so a caller may ignore intermediate results and only check `finish`.

use super::event::HEADER_LEN;

/// Why an event could not be encoded.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EncodeError {
    /// The caller buffer is too small: `needed` bytes were required, `have` available.
    BufferTooSmall {
        /// Bytes the record needs so far.
        needed: usize,
        /// Size of the caller buffer.
        have: usize,
    },
    /// The event type is not in the schema, so the length width is unknown
    /// (use [`EventWriter::with_width`]).
    UnknownEventType(u16),
    /// More parameters were pushed than declared in `nparams`.
    TooManyParams {
        /// Declared parameter count.
        declared: u32,
    },
    /// `finish` was called before all declared parameters were pushed.
    MissingParams {
        /// Declared parameter count.
        declared: u32,
        /// Parameters pushed.
        pushed: u32,
    },
    /// A parameter does not fit its length field (`u16` unless EF_LARGE_PAYLOAD).
    ParamTooLong {
        /// Index of the parameter.
        index: u32,
        /// Its length in bytes.
        len: usize,
    },
    /// The record length does not fit the `u32` header field.
    RecordTooLong,
}

impl core::fmt::Display for EncodeError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match *self {
            EncodeError::BufferTooSmall { needed, have } => {
                write!(f, "event buffer too small: need {needed} bytes, have {have}")
            }
            EncodeError::UnknownEventType(t) => write!(f, "unknown event type {t}"),
            EncodeError::TooManyParams { declared } => {
                write!(f, "more parameters pushed than the {declared} declared")
            }
            EncodeError::MissingParams { declared, pushed } => {
                write!(f, "only {pushed} of {declared} declared parameters pushed")
            }
            EncodeError::ParamTooLong { index, len } => {
                write!(f, "parameter {index} is {len} bytes, too long for its length field")
            }
            EncodeError::RecordTooLong => f.write_str("event record longer than u32::MAX"),
        }
    }
}

/// Length of a record with `nparams` parameters of the given total value size.
pub const fn record_len(nparams: usize, width: usize, values: usize) -> usize {
    HEADER_LEN + nparams * width + values
}

/// PPM socket family codes used inside SOCKADDR/SOCKTUPLE values.
pub mod af {
    /// `PPM_AF_UNIX`.
    pub const UNIX: u8 = 1;
    /// `PPM_AF_INET`.
    pub const INET: u8 = 2;
    /// `PPM_AF_INET6`.
    pub const INET6: u8 = 10;
}

/// Writes one event record into a caller buffer (see the module comment for the layout).
#[derive(Debug)]
pub struct EventWriter<'a> {
    buf: &'a mut [u8],
    nparams: u32,
    pushed: u32,
    width: usize,
    pos: usize,
    err: Option<EncodeError>,
}

impl<'a> EventWriter<'a> {
    /// Starts a record of `event_type` with `nparams` parameters. The width of the length
    /// array comes from the type's `EF_LARGE_PAYLOAD` flag (libs master table, a superset
    /// of the e5c53d64 table with the same flags for the shared ids).
    pub fn new(
        buf: &'a mut [u8],
        ts: u64,
        tid: u64,
        event_type: u16,
        nparams: u32,
    ) -> Result<Self, EncodeError> {
        let Some(info) = super::event::info(event_type) else {
            return Err(EncodeError::UnknownEventType(event_type));
        };
        Self::with_width(buf, ts, tid, event_type, nparams, info.large_payload())
    }

    /// Like [`EventWriter::new`] with an explicit length width (`large` = `u32` lengths),
    /// for event types the schema does not know.
    pub fn with_width(
        buf: &'a mut [u8],
        ts: u64,
        tid: u64,
        event_type: u16,
        nparams: u32,
        large: bool,
    ) -> Result<Self, EncodeError> {
        let width = if large { 4 } else { 2 };
        let Some(needed) = (nparams as usize).checked_mul(width).and_then(|n| n.checked_add(HEADER_LEN))
        else {
            return Err(EncodeError::RecordTooLong);
        };
        if needed > buf.len() {
            return Err(EncodeError::BufferTooSmall { needed, have: buf.len() });
        }
        if needed > u32::MAX as usize {
            return Err(EncodeError::RecordTooLong);
        }
        put(buf, 0, &ts.to_le_bytes());
        put(buf, 8, &tid.to_le_bytes());
        put(buf, 16, &(needed as u32).to_le_bytes());
        put(buf, 20, &event_type.to_le_bytes());
        put(buf, 22, &nparams.to_le_bytes());
        if let Some(lens) = buf.get_mut(HEADER_LEN..needed) {
            for b in lens.iter_mut() {
                *b = 0;
            }
        }
        Ok(EventWriter { buf, nparams, pushed: 0, width, pos: needed, err: None })
    }

    /// Bytes written so far (header, length array and the values pushed).
    pub fn len(&self) -> usize {
        self.pos
    }

    /// Always false: a record has at least its header.
    pub fn is_empty(&self) -> bool {
        false
    }

    /// Free bytes left in the caller buffer.
    pub fn remaining(&self) -> usize {
        self.buf.len().saturating_sub(self.pos)
    }

    /// Parameters pushed so far.
    pub fn pushed(&self) -> u32 {
        self.pushed
    }

    /// The first error met so far, if any.
    pub fn error(&self) -> Option<EncodeError> {
        self.err
    }

    fn fail(&mut self, e: EncodeError) -> Result<(), EncodeError> {
        if self.err.is_none() {
            self.err = Some(e);
        }
        Err(e)
    }

    /// Reserves the next parameter of up to `max` bytes, lets `fill` write into the
    /// reserved space and return how many bytes it used (clamped to `max`), and records
    /// that length. This is how a driver copies user memory straight into the record.
    pub fn push_with<F: FnOnce(&mut [u8]) -> usize>(
        &mut self,
        max: usize,
        fill: F,
    ) -> Result<(), EncodeError> {
        if let Some(e) = self.err {
            return Err(e);
        }
        if self.pushed >= self.nparams {
            return self.fail(EncodeError::TooManyParams { declared: self.nparams });
        }
        let limit = if self.width == 2 { u16::MAX as usize } else { u32::MAX as usize };
        let have = self.buf.len();
        let end = match self.pos.checked_add(max) {
            Some(e) if e <= have => e,
            Some(e) => return self.fail(EncodeError::BufferTooSmall { needed: e, have }),
            None => return self.fail(EncodeError::RecordTooLong),
        };
        let used = match self.buf.get_mut(self.pos..end) {
            Some(dst) => fill(dst).min(max),
            None => return self.fail(EncodeError::BufferTooSmall { needed: end, have }),
        };
        let index = self.pushed;
        if used > limit {
            return self.fail(EncodeError::ParamTooLong { index, len: used });
        }
        let new_pos = self.pos + used;
        if new_pos > u32::MAX as usize {
            return self.fail(EncodeError::RecordTooLong);
        }
        let at = HEADER_LEN + index as usize * self.width;
        if self.width == 2 {
            put(self.buf, at, &(used as u16).to_le_bytes());
        } else {
            put(self.buf, at, &(used as u32).to_le_bytes());
        }
        self.pos = new_pos;
        self.pushed += 1;
        Ok(())
    }

    /// Pushes a parameter whose value is the concatenation of `parts`.
    pub fn push_parts(&mut self, parts: &[&[u8]]) -> Result<(), EncodeError> {
        let mut total = 0usize;
        for p in parts {
            total = match total.checked_add(p.len()) {
                Some(t) => t,
                None => return self.fail(EncodeError::RecordTooLong),
            };
        }
        self.push_with(total, |dst| {
            let mut off = 0;
            for p in parts {
                if let Some(d) = dst.get_mut(off..off + p.len()) {
                    d.copy_from_slice(p);
                }
                off += p.len();
            }
            off
        })
    }

    /// Pushes raw bytes (BYTEBUF, or any pre-encoded value).
    pub fn push_bytes(&mut self, v: &[u8]) -> Result<(), EncodeError> {
        self.push_parts(&[v])
    }

    /// Pushes a string followed by a NUL; the NUL is counted in the length (CHARBUF,
    /// FSPATH, FSRELPATH). `s` should not contain a NUL itself.
    pub fn push_str_nul(&mut self, s: &[u8]) -> Result<(), EncodeError> {
        self.push_parts(&[s, &[0]])
    }

    /// Pushes an empty (zero-length) parameter, which readers treat as absent/NULL.
    pub fn push_empty(&mut self) -> Result<(), EncodeError> {
        self.push_parts(&[])
    }

    /// Pushes a `u8` (UINT8, FLAGS8, SIGTYPE, L4PROTO, SOCKFAMILY, ENUMFLAGS8).
    pub fn push_u8(&mut self, v: u8) -> Result<(), EncodeError> {
        self.push_bytes(&[v])
    }
    /// Pushes an `i8` (INT8).
    pub fn push_i8(&mut self, v: i8) -> Result<(), EncodeError> {
        self.push_bytes(&v.to_le_bytes())
    }
    /// Pushes a `u16` (UINT16, FLAGS16, SYSCALLID, PORT, ENUMFLAGS16).
    pub fn push_u16(&mut self, v: u16) -> Result<(), EncodeError> {
        self.push_bytes(&v.to_le_bytes())
    }
    /// Pushes an `i16` (INT16).
    pub fn push_i16(&mut self, v: i16) -> Result<(), EncodeError> {
        self.push_bytes(&v.to_le_bytes())
    }
    /// Pushes a `u32` (UINT32, FLAGS32, MODE, UID, GID, SIGSET, BOOL, ENUMFLAGS32).
    pub fn push_u32(&mut self, v: u32) -> Result<(), EncodeError> {
        self.push_bytes(&v.to_le_bytes())
    }
    /// Pushes an `i32` (INT32).
    pub fn push_i32(&mut self, v: i32) -> Result<(), EncodeError> {
        self.push_bytes(&v.to_le_bytes())
    }
    /// Pushes a `u64` (UINT64, RELTIME, ABSTIME).
    pub fn push_u64(&mut self, v: u64) -> Result<(), EncodeError> {
        self.push_bytes(&v.to_le_bytes())
    }
    /// Pushes an `i64` (INT64, ERRNO, FD, PID).
    pub fn push_i64(&mut self, v: i64) -> Result<(), EncodeError> {
        self.push_bytes(&v.to_le_bytes())
    }
    /// Pushes an `f64` (DOUBLE) as its IEEE-754 bits.
    pub fn push_f64(&mut self, v: f64) -> Result<(), EncodeError> {
        self.push_bytes(&v.to_bits().to_le_bytes())
    }

    /// Pushes a SOCKADDR for AF_INET: family, 4 address bytes (network order), port (LE).
    pub fn push_sockaddr_inet(&mut self, addr: [u8; 4], port: u16) -> Result<(), EncodeError> {
        self.push_parts(&[&[af::INET], &addr, &port.to_le_bytes()])
    }
    /// Pushes a SOCKADDR for AF_INET6: family, 16 address bytes, port (LE).
    pub fn push_sockaddr_inet6(&mut self, addr: [u8; 16], port: u16) -> Result<(), EncodeError> {
        self.push_parts(&[&[af::INET6], &addr, &port.to_le_bytes()])
    }
    /// Pushes a SOCKADDR for AF_UNIX: family, path, NUL.
    pub fn push_sockaddr_unix(&mut self, path: &[u8]) -> Result<(), EncodeError> {
        self.push_parts(&[&[af::UNIX], path, &[0]])
    }
    /// Pushes a SOCKTUPLE for AF_INET: family, sip, sport, dip, dport.
    pub fn push_socktuple_inet(
        &mut self,
        sip: [u8; 4],
        sport: u16,
        dip: [u8; 4],
        dport: u16,
    ) -> Result<(), EncodeError> {
        self.push_parts(&[&[af::INET], &sip, &sport.to_le_bytes(), &dip, &dport.to_le_bytes()])
    }
    /// Pushes a SOCKTUPLE for AF_INET6: family, sip, sport, dip, dport.
    pub fn push_socktuple_inet6(
        &mut self,
        sip: [u8; 16],
        sport: u16,
        dip: [u8; 16],
        dport: u16,
    ) -> Result<(), EncodeError> {
        self.push_parts(&[&[af::INET6], &sip, &sport.to_le_bytes(), &dip, &dport.to_le_bytes()])
    }
    /// Pushes a SOCKTUPLE for AF_UNIX: family, source and destination kernel socket
    /// pointers, path, NUL.
    pub fn push_socktuple_unix(
        &mut self,
        src: u64,
        dst: u64,
        path: &[u8],
    ) -> Result<(), EncodeError> {
        self.push_parts(&[&[af::UNIX], &src.to_le_bytes(), &dst.to_le_bytes(), path, &[0]])
    }
    /// Pushes an FDLIST: `u16 count`, then `(i64 fd, i16 flags)` per entry.
    pub fn push_fdlist(&mut self, fds: &[(i64, i16)]) -> Result<(), EncodeError> {
        let n = fds.len();
        if n > u16::MAX as usize {
            return self.fail(EncodeError::ParamTooLong { index: self.pushed, len: n });
        }
        self.push_with(2 + 10 * n, |dst| {
            let mut off = 0;
            let mut w = |b: &[u8]| {
                if let Some(d) = dst.get_mut(off..off + b.len()) {
                    d.copy_from_slice(b);
                }
                off += b.len();
            };
            w(&(n as u16).to_le_bytes());
            for (fd, fl) in fds {
                w(&fd.to_le_bytes());
                w(&fl.to_le_bytes());
            }
            off
        })
    }
    /// Pushes a DYN parameter: the sub-type index, then the already encoded value.
    pub fn push_dyn(&mut self, index: u8, value: &[u8]) -> Result<(), EncodeError> {
        self.push_parts(&[&[index], value])
    }

    /// Checks that every declared parameter was pushed, writes the final length into the
    /// header and returns it; `&buf[..len]` is the record.
    pub fn finish(self) -> Result<usize, EncodeError> {
        if let Some(e) = self.err {
            return Err(e);
        }
        if self.pushed != self.nparams {
            return Err(EncodeError::MissingParams { declared: self.nparams, pushed: self.pushed });
        }
        put(self.buf, 16, &(self.pos as u32).to_le_bytes());
        Ok(self.pos)
    }
}

// Bounds were checked by the callers; `get_mut` keeps this panic-free regardless.
fn put(buf: &mut [u8], at: usize, v: &[u8]) {
    if let Some(d) = buf.get_mut(at..at + v.len()) {
        d.copy_from_slice(v);
    }
}
