//! Zero-copy event views ([`EventRef`]), typed parameter decoding ([`Param`]) and an owned
//! event builder ([`EventBuilder`]) on top of the `no_std` encoder in `scap_abi::encode`.
//!
//! An event record is `u64 ts, u64 tid, u32 len, u16 type, u32 nparams`, a length array
//! (`u16` per parameter, `u32` for `EF_LARGE_PAYLOAD` types) and the values back to back.
//! [`EventRef::parse`] validates all of that once; afterwards every accessor is
//! bounds-checked but cannot fail on a valid view.

use std::fmt;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddrV4, SocketAddrV6};

use scap_abi::encode::{EncodeError, EventWriter};
use scap_abi::event::{self, EventInfo, ParamAux, ParamInfo, ParamType, HEADER_LEN};

use crate::codec::{le_u16, le_u32, le_u64, Reader};

/// Why bytes are not a valid event record.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum EventError {
    /// Fewer bytes than the 26-byte header.
    #[error("event truncated: {have} bytes, the header needs 26")]
    ShortHeader {
        /// Bytes available.
        have: usize,
    },
    /// The header `len` is smaller than the header or larger than the bytes available.
    #[error("event length {len} invalid: {have} bytes available")]
    BadLength {
        /// Header `len`.
        len: u32,
        /// Bytes available.
        have: usize,
    },
    /// The length array does not fit the record.
    #[error("event of type {ty} declares {nparams} parameters, which do not fit its {len} bytes")]
    BadParamCount {
        /// Event type.
        ty: u16,
        /// Declared parameter count.
        nparams: u32,
        /// Record length.
        len: u32,
    },
    /// The parameter lengths add up to more than the record.
    #[error("event of type {ty}: parameter lengths add up to {sum} bytes, record holds {room}")]
    ParamsOverflow {
        /// Event type.
        ty: u16,
        /// Sum of the lengths.
        sum: u64,
        /// Bytes after the length array.
        room: usize,
    },
}

/// A validated, zero-copy view over one event record.
#[derive(Clone, Copy)]
pub struct EventRef<'a> {
    /// Exactly `len` bytes.
    buf: &'a [u8],
    nparams: u32,
    width: u8,
    ty: u16,
}

impl fmt::Debug for EventRef<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("EventRef")
            .field("ts", &self.ts())
            .field("tid", &self.tid())
            .field("type", &self.ty())
            .field("name", &self.name())
            .field("nparams", &self.nparams)
            .field("len", &self.buf.len())
            .finish()
    }
}

/// The decoding aux of parameter `i` of event `ty`: the libs-master table does not carry
/// FSRELPATH dirfd indexes or DYN sub-type lists, so take them from the e5c53d64 table
/// when the two agree on the parameter type.
#[inline]
fn merged_aux(ty: u16, i: usize, pi: &ParamInfo) -> ParamAux {
    if pi.aux != ParamAux::None || !matches!(pi.ty, ParamType::Fsrelpath | ParamType::Dyn) {
        return pi.aux;
    }
    match event::info_e5c53d64(ty).and_then(|e| e.params.get(i)) {
        Some(old) if old.ty == pi.ty => old.aux,
        _ => pi.aux,
    }
}

/// Decodes parameter `i` of an event of type `ty` from its raw bytes with the schema.
#[inline]
pub fn decode_param<'a>(ty: u16, i: usize, b: &'a [u8]) -> Param<'a> {
    match event::info(ty).and_then(|inf| inf.params.get(i)) {
        Some(pi) => Param::decode(pi.ty, merged_aux(ty, i, pi), b),
        None => Param::Raw {
            ty: ParamType::Unknown,
            bytes: b,
        },
    }
}

/// Length-array width for an event type: `u32` for `EF_LARGE_PAYLOAD` types (looked up in
/// the libs-master table, a superset of what sysdig 0.29.3 knows), `u16` otherwise.
#[inline]
pub fn len_width(ty: u16) -> usize {
    match event::info(ty) {
        Some(i) => i.len_width(),
        None => 2,
    }
}

impl<'a> EventRef<'a> {
    /// Validates the header, the parameter count and the length array of the record at the
    /// start of `buf` (`buf` may hold more bytes after it) and returns a view over exactly
    /// `len` bytes. Checks `26 + nparams*w + Σlen <= len <= buf.len()`.
    #[inline]
    pub fn parse(buf: &'a [u8]) -> Result<EventRef<'a>, EventError> {
        let Some(hdr) = buf.first_chunk::<HEADER_LEN>() else {
            return Err(EventError::ShortHeader { have: buf.len() });
        };
        let len = u32::from_le_bytes([hdr[16], hdr[17], hdr[18], hdr[19]]);
        let ty = u16::from_le_bytes([hdr[20], hdr[21]]);
        let nparams = u32::from_le_bytes([hdr[22], hdr[23], hdr[24], hdr[25]]);
        let Some(buf) = buf
            .get(..len as usize)
            .filter(|_| len as usize >= HEADER_LEN)
        else {
            return Err(EventError::BadLength {
                len,
                have: buf.len(),
            });
        };
        let width = len_width(ty);
        let lens_end = (nparams as u64) * width as u64 + HEADER_LEN as u64;
        if lens_end > len as u64 {
            return Err(EventError::BadParamCount { ty, nparams, len });
        }
        let lens_end = lens_end as usize;
        let (head, values) = buf.split_at(lens_end);
        let lens = head.get(HEADER_LEN..).unwrap_or(&[]);
        // A plain scalar loop: events have a handful of parameters, where a vectorised
        // sum costs more in set-up than it saves.
        let mut sum = 0usize;
        if width == 2 {
            for c in lens.chunks_exact(2) {
                sum += u16::from_le_bytes([c[0], c[1]]) as usize;
            }
        } else {
            for c in lens.chunks_exact(4) {
                sum += u32::from_le_bytes([c[0], c[1], c[2], c[3]]) as usize;
            }
        }
        if sum > values.len() {
            return Err(EventError::ParamsOverflow {
                ty,
                sum: sum as u64,
                room: values.len(),
            });
        }
        Ok(EventRef {
            buf,
            nparams,
            width: width as u8,
            ty,
        })
    }

    /// A view over bytes [`EventRef::parse`] has already accepted (exactly `len` bytes),
    /// with the count, width and type it found.
    #[inline]
    pub(crate) fn from_validated(buf: &'a [u8], nparams: u32, width: u8, ty: u16) -> Self {
        EventRef {
            buf,
            nparams,
            width,
            ty,
        }
    }

    /// The record bytes (exactly `len`).
    #[inline]
    pub fn as_bytes(&self) -> &'a [u8] {
        self.buf
    }
    /// Timestamp, ns since the epoch.
    #[inline]
    pub fn ts(&self) -> u64 {
        le_u64(self.buf, event::hdr::TS).unwrap_or(0)
    }
    /// Thread id (`u64::MAX` for container meta-events).
    #[inline]
    pub fn tid(&self) -> u64 {
        le_u64(self.buf, event::hdr::TID).unwrap_or(0)
    }
    /// Record length.
    #[inline]
    pub fn len(&self) -> usize {
        self.buf.len()
    }
    /// Always false (a record has at least a header).
    #[inline]
    pub fn is_empty(&self) -> bool {
        false
    }
    /// Event type id (`PPME_*`).
    #[inline]
    pub fn ty(&self) -> u16 {
        self.ty
    }
    /// Parameter count stored in the record (may differ from the table's).
    #[inline]
    pub fn nparams(&self) -> u32 {
        self.nparams
    }
    /// Width of the length array entries (2 or 4).
    #[inline]
    pub fn len_width(&self) -> usize {
        self.width as usize
    }
    /// Schema entry for this type (libs-master table), `None` for unknown types.
    #[inline]
    pub fn info(&self) -> Option<&'static EventInfo> {
        event::info(self.ty)
    }
    /// Event name (`evt.type`; `"syscall"` for generic events), `"unknown"` if unknown.
    pub fn name(&self) -> &'static str {
        self.info().map(|i| i.name).unwrap_or("unknown")
    }
    /// `evt.type` as sysdig shows it: the event name, or for generic events (ids 0 and 1)
    /// the PPM_SC name of their `ID` parameter.
    pub fn type_name(&self) -> &'static str {
        if self.ty < 2 {
            if let Some(Param::Syscallid(code)) = self.param(0) {
                return event::ppm_sc_name(code).unwrap_or("<unknown>");
            }
        }
        self.name()
    }

    /// Direction from the id parity.
    #[inline]
    pub fn dir(&self) -> event::Direction {
        event::Direction::of(self.ty)
    }
    /// Schema entry of parameter `i`, if the table has one.
    #[inline]
    pub fn param_info(&self, i: usize) -> Option<&'static ParamInfo> {
        self.info()?.params.get(i)
    }

    #[inline]
    fn len_at(&self, i: usize) -> usize {
        let off = HEADER_LEN + i * self.width as usize;
        if self.width == 2 {
            le_u16(self.buf, off).unwrap_or(0) as usize
        } else {
            le_u32(self.buf, off).unwrap_or(0) as usize
        }
    }

    /// Byte length of parameter `i`.
    pub fn param_len(&self, i: usize) -> Option<usize> {
        (i < self.nparams as usize).then(|| self.len_at(i))
    }

    /// The raw value bytes of parameter `i` (`None` when `i >= nparams`).
    pub fn param_bytes(&self, i: usize) -> Option<&'a [u8]> {
        if i >= self.nparams as usize {
            return None;
        }
        let mut off = HEADER_LEN + self.nparams as usize * self.width as usize;
        for j in 0..i {
            off += self.len_at(j);
        }
        self.buf.get(off..off + self.len_at(i))
    }

    /// Iterates over the raw values of all parameters in order.
    pub fn raw_params(&self) -> RawParams<'a> {
        RawParams {
            ev: *self,
            i: 0,
            off: HEADER_LEN + self.nparams as usize * self.width as usize,
        }
    }

    /// Iterates over all parameters, decoded with the schema: `(schema entry, value)`.
    /// Parameters beyond the table (newer files) come with `None` info and are `Raw`.
    #[inline]
    pub fn params(&self) -> Params<'a> {
        let lens_end = HEADER_LEN + self.nparams as usize * self.width as usize;
        let (head, vals) = self
            .buf
            .split_at_checked(lens_end)
            .unwrap_or((self.buf, &[]));
        Params {
            lens: head.get(HEADER_LEN..).unwrap_or(&[]),
            vals,
            infos: self.info().map_or(&[], |i| i.params),
            ty: self.ty,
            i: 0,
            wide: self.width == 4,
        }
    }

    /// Decodes every parameter in order and hands each to `f` as `(schema entry, value)`,
    /// exactly what [`EventRef::params`] yields, but from inside the type dispatch (see
    /// [`Param::decode_with`]): the fast way to consume all values of an event. Mark the
    /// closure `#[inline(always)]` in hot loops so that its match on the variant is
    /// resolved in each arm.
    #[inline(always)]
    pub fn for_each_param<F>(&self, mut f: F)
    where
        F: FnMut(Option<&'static ParamInfo>, Param<'a>),
    {
        self.params().fold(
            (),
            #[inline(always)]
            |(), (pi, p)| f(pi, p),
        )
    }

    /// Decodes parameter `i` with its schema type (`None` when `i >= nparams`; `Raw` when
    /// the event type or this position is unknown to the schema).
    pub fn param(&self, i: usize) -> Option<Param<'a>> {
        Some(decode_param(self.ty, i, self.param_bytes(i)?))
    }

    /// Index of the parameter called `name` in this event type's schema.
    pub fn param_index(&self, name: &str) -> Option<usize> {
        self.info()?.params.iter().position(|p| p.name == name)
    }

    /// Decodes the parameter called `name` (as in `evt.arg.NAME`).
    pub fn param_by_name(&self, name: &str) -> Option<Param<'a>> {
        self.param(self.param_index(name)?)
    }
}

/// Iterator over the decoded parameters of an event ([`EventRef::params`]): walks the
/// length array and the values side by side with the schema entries.
#[derive(Debug, Clone)]
pub struct Params<'a> {
    lens: &'a [u8],
    vals: &'a [u8],
    infos: &'static [ParamInfo],
    ty: u16,
    i: usize,
    wide: bool,
}

impl<'a> Iterator for Params<'a> {
    type Item = (Option<&'static ParamInfo>, Param<'a>);

    /// Internal iteration (`for_each`, `fold`, `count`, most `collect`s and
    /// [`EventRef::for_each_param`]) hands each value to `g` from inside the type dispatch
    /// ([`Param::decode_with`]) instead of returning it through `next`.
    #[inline(always)]
    fn fold<B, G>(self, init: B, mut g: G) -> B
    where
        G: FnMut(B, Self::Item) -> B,
    {
        let Params {
            mut lens,
            mut vals,
            infos,
            ty,
            mut i,
            wide,
        } = self;
        let mut acc = init;
        loop {
            let n = if wide {
                let Some((l, rest)) = lens.split_first_chunk::<4>() else {
                    return acc;
                };
                lens = rest;
                u32::from_le_bytes(*l) as usize
            } else {
                let Some((l, rest)) = lens.split_first_chunk::<2>() else {
                    return acc;
                };
                lens = rest;
                u16::from_le_bytes(*l) as usize
            };
            let Some((b, rest)) = vals.split_at_checked(n) else {
                return acc;
            };
            vals = rest;
            acc = match infos.get(i) {
                Some(pi) => Param::decode_with(
                    pi.ty,
                    merged_aux(ty, i, pi),
                    b,
                    #[inline(always)]
                    |p| g(acc, (Some(pi), p)),
                ),
                None => g(
                    acc,
                    (
                        None,
                        Param::Raw {
                            ty: ParamType::Unknown,
                            bytes: b,
                        },
                    ),
                ),
            };
            i += 1;
        }
    }

    #[inline]
    fn next(&mut self) -> Option<Self::Item> {
        let n = if self.wide {
            let (l, rest) = self.lens.split_first_chunk::<4>()?;
            self.lens = rest;
            u32::from_le_bytes(*l) as usize
        } else {
            let (l, rest) = self.lens.split_first_chunk::<2>()?;
            self.lens = rest;
            u16::from_le_bytes(*l) as usize
        };
        let (b, rest) = self.vals.split_at_checked(n)?;
        self.vals = rest;
        let i = self.i;
        self.i += 1;
        let pi = self.infos.get(i);
        let p = match pi {
            Some(pi) => Param::decode(pi.ty, merged_aux(self.ty, i, pi), b),
            None => Param::Raw {
                ty: ParamType::Unknown,
                bytes: b,
            },
        };
        Some((pi, p))
    }
}

/// Iterator over the raw parameter values of an event.
#[derive(Debug, Clone)]
pub struct RawParams<'a> {
    ev: EventRef<'a>,
    i: usize,
    off: usize,
}

impl<'a> Iterator for RawParams<'a> {
    type Item = &'a [u8];
    #[inline]
    fn next(&mut self) -> Option<&'a [u8]> {
        if self.i >= self.ev.nparams as usize {
            return None;
        }
        let n = self.ev.len_at(self.i);
        let s = self.ev.buf.get(self.off..self.off + n)?;
        self.i += 1;
        self.off += n;
        Some(s)
    }
    fn size_hint(&self) -> (usize, Option<usize>) {
        let n = self.ev.nparams as usize - self.i.min(self.ev.nparams as usize);
        (n, Some(n))
    }
}

/// A socket address (PT_SOCKADDR).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SockAddr<'a> {
    /// AF_INET.
    Inet(SocketAddrV4),
    /// AF_INET6.
    Inet6(SocketAddrV6),
    /// AF_UNIX path without the NUL (abstract sockets start with `@`).
    Unix(&'a [u8]),
    /// Another family, or a value too short for its family: raw bytes after the family.
    Other {
        /// PPM_AF_* family byte.
        family: u8,
        /// Remaining bytes.
        data: &'a [u8],
    },
}

/// A socket tuple (PT_SOCKTUPLE).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SockTuple<'a> {
    /// AF_INET source and destination.
    Inet {
        /// Source (local side for outbound calls).
        src: SocketAddrV4,
        /// Destination.
        dst: SocketAddrV4,
    },
    /// AF_INET6 source and destination.
    Inet6 {
        /// Source.
        src: SocketAddrV6,
        /// Destination.
        dst: SocketAddrV6,
    },
    /// AF_UNIX: kernel socket pointers and the path (no NUL).
    Unix {
        /// Source socket pointer.
        src: u64,
        /// Destination socket pointer.
        dst: u64,
        /// Path.
        path: &'a [u8],
    },
    /// Another family or a short value.
    Other {
        /// Family byte.
        family: u8,
        /// Remaining bytes.
        data: &'a [u8],
    },
}

/// A poll fd list (PT_FDLIST): `u16 count` + count × (`i64 fd`, `i16 flags`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FdList<'a> {
    entries: &'a [u8],
}

impl<'a> FdList<'a> {
    /// Number of whole entries present (the stored count, capped by the bytes there).
    pub fn len(&self) -> usize {
        self.entries.len() / 10
    }
    /// No entries.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
    /// `(fd, PPM_POLL* flags)` pairs.
    pub fn iter(&self) -> impl Iterator<Item = (i64, i16)> + 'a {
        self.entries.chunks_exact(10).map(|c| {
            let mut r = Reader::new(c);
            let fd = r.i64().unwrap_or(0);
            let fl = r.u16().unwrap_or(0) as i16;
            (fd, fl)
        })
    }
}

/// A PT_DYN value: the sub-type index and the encoded sub-value.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DynParam<'a> {
    /// Index into the parameter's sub-type list.
    pub index: u8,
    /// The selected sub-type (`Unknown` when the index is out of range).
    pub ty: ParamType,
    /// Encoded sub-value.
    pub bytes: &'a [u8],
}

impl<'a> DynParam<'a> {
    /// Decodes the sub-value with its sub-type.
    pub fn value(&self) -> Param<'a> {
        Param::decode(self.ty, ParamAux::None, self.bytes)
    }
}

/// A decoded parameter value; one variant per PT_* encoding (scap-format.md §5).
/// Strings are returned without their trailing NUL.
#[derive(Clone, Copy, Debug, PartialEq)]
#[non_exhaustive]
pub enum Param<'a> {
    /// A zero-length value (NULL pointer / absent).
    Empty,
    /// PT_INT8.
    Int8(i8),
    /// PT_INT16.
    Int16(i16),
    /// PT_INT32.
    Int32(i32),
    /// PT_INT64.
    Int64(i64),
    /// PT_UINT8.
    Uint8(u8),
    /// PT_UINT16.
    Uint16(u16),
    /// PT_UINT32.
    Uint32(u32),
    /// PT_UINT64.
    Uint64(u64),
    /// PT_ERRNO: a return value, negative errno on failure.
    Errno(i64),
    /// PT_FD.
    Fd(i64),
    /// PT_PID.
    Pid(i64),
    /// PT_CHARBUF (no NUL).
    Charbuf(&'a [u8]),
    /// PT_FSPATH (no NUL).
    Fspath(&'a [u8]),
    /// PT_FSRELPATH (no NUL) and the index of the dirfd parameter it is relative to.
    Fsrelpath {
        /// Path bytes.
        path: &'a [u8],
        /// Index of the dirfd parameter (from the schema), if known.
        dirfd: Option<u8>,
    },
    /// PT_BYTEBUF.
    Bytebuf(&'a [u8]),
    /// PT_SOCKADDR.
    Sockaddr(SockAddr<'a>),
    /// PT_SOCKTUPLE.
    Socktuple(SockTuple<'a>),
    /// PT_FDLIST.
    Fdlist(FdList<'a>),
    /// PT_SYSCALLID (PPM_SC code).
    Syscallid(u16),
    /// PT_SIGTYPE.
    Sigtype(u8),
    /// PT_RELTIME (ns).
    Reltime(u64),
    /// PT_ABSTIME (ns since the epoch).
    Abstime(u64),
    /// PT_PORT.
    Port(u16),
    /// PT_L4PROTO.
    L4proto(u8),
    /// PT_SOCKFAMILY.
    Sockfamily(u8),
    /// PT_BOOL.
    Bool(u32),
    /// PT_IPV4ADDR.
    Ipv4addr(Ipv4Addr),
    /// PT_IPV6ADDR.
    Ipv6addr(Ipv6Addr),
    /// PT_IPADDR (4 or 16 bytes).
    Ipaddr(IpAddr),
    /// PT_IPV4NET / PT_IPV6NET / PT_IPNET: raw bytes.
    Ipnet(&'a [u8]),
    /// PT_DYN.
    Dyn(DynParam<'a>),
    /// PT_FLAGS8.
    Flags8(u8),
    /// PT_FLAGS16.
    Flags16(u16),
    /// PT_FLAGS32.
    Flags32(u32),
    /// PT_ENUMFLAGS8.
    Enumflags8(u8),
    /// PT_ENUMFLAGS16.
    Enumflags16(u16),
    /// PT_ENUMFLAGS32.
    Enumflags32(u32),
    /// PT_UID (`u32::MAX` = unset).
    Uid(u32),
    /// PT_GID.
    Gid(u32),
    /// PT_DOUBLE.
    Double(f64),
    /// PT_SIGSET.
    Sigset(u32),
    /// PT_MODE.
    Mode(u32),
    /// A value whose type has no on-disk meaning (CHARBUFARRAY, NONE), an unknown type,
    /// or a fixed-width value with the wrong length.
    Raw {
        /// Schema type.
        ty: ParamType,
        /// Raw bytes.
        bytes: &'a [u8],
    },
}

#[inline]
fn cstr(b: &[u8]) -> &[u8] {
    match memchr::memchr(0, b) {
        Some(n) => &b[..n],
        None => b,
    }
}

fn v4(b: &[u8]) -> Option<(Ipv4Addr, &[u8])> {
    let (a, rest) = b.split_at_checked(4)?;
    Some((Ipv4Addr::new(a[0], a[1], a[2], a[3]), rest))
}
fn v6(b: &[u8]) -> Option<(Ipv6Addr, &[u8])> {
    let (a, rest) = b.split_at_checked(16)?;
    let a: [u8; 16] = a.try_into().ok()?;
    Some((Ipv6Addr::from(a), rest))
}
fn port(b: &[u8]) -> Option<(u16, &[u8])> {
    let (a, rest) = b.split_at_checked(2)?;
    Some((u16::from_le_bytes([a[0], a[1]]), rest))
}

impl<'a> SockAddr<'a> {
    /// Decodes a SOCKADDR value (non-empty).
    pub fn decode(b: &'a [u8]) -> Option<SockAddr<'a>> {
        let (&family, data) = b.split_first()?;
        let parsed = match family {
            scap_abi::encode::af::INET => v4(data)
                .and_then(|(ip, r)| port(r).map(|(p, _)| SockAddr::Inet(SocketAddrV4::new(ip, p)))),
            scap_abi::encode::af::INET6 => v6(data).and_then(|(ip, r)| {
                port(r).map(|(p, _)| SockAddr::Inet6(SocketAddrV6::new(ip, p, 0, 0)))
            }),
            scap_abi::encode::af::UNIX => Some(SockAddr::Unix(cstr(data))),
            _ => None,
        };
        Some(parsed.unwrap_or(SockAddr::Other { family, data }))
    }
}

impl<'a> SockTuple<'a> {
    /// Decodes a SOCKTUPLE value (non-empty).
    pub fn decode(b: &'a [u8]) -> Option<SockTuple<'a>> {
        let (&family, data) = b.split_first()?;
        let parsed = match family {
            scap_abi::encode::af::INET => (|| {
                let (sip, r) = v4(data)?;
                let (sp, r) = port(r)?;
                let (dip, r) = v4(r)?;
                let (dp, _) = port(r)?;
                Some(SockTuple::Inet {
                    src: SocketAddrV4::new(sip, sp),
                    dst: SocketAddrV4::new(dip, dp),
                })
            })(),
            scap_abi::encode::af::INET6 => (|| {
                let (sip, r) = v6(data)?;
                let (sp, r) = port(r)?;
                let (dip, r) = v6(r)?;
                let (dp, _) = port(r)?;
                Some(SockTuple::Inet6 {
                    src: SocketAddrV6::new(sip, sp, 0, 0),
                    dst: SocketAddrV6::new(dip, dp, 0, 0),
                })
            })(),
            scap_abi::encode::af::UNIX => (|| {
                let mut r = Reader::new(data);
                let src = r.u64()?;
                let dst = r.u64()?;
                Some(SockTuple::Unix {
                    src,
                    dst,
                    path: cstr(r.rest()),
                })
            })(),
            _ => None,
        };
        Some(parsed.unwrap_or(SockTuple::Other { family, data }))
    }
}

impl<'a> Param<'a> {
    /// Decodes `b` as a value of type `ty` (`aux` supplies DYN sub-types and FSRELPATH
    /// dirfd indexes). Never fails: malformed fixed-width values come back as `Raw`.
    #[inline]
    pub fn decode(ty: ParamType, aux: ParamAux, b: &'a [u8]) -> Param<'a> {
        Self::decode_with(ty, aux, b, |p| p)
    }

    /// [`Param::decode`] handing the value to `f` from inside the type dispatch: each arm
    /// calls `f` with a value whose variant is known there, so an inlined consumer that
    /// matches on the variant is resolved at compile time in that arm (one dispatch per
    /// parameter instead of two, and no generic `Param` copy between them).
    #[inline(always)]
    pub fn decode_with<R>(
        ty: ParamType,
        aux: ParamAux,
        b: &'a [u8],
        f: impl FnOnce(Param<'a>) -> R,
    ) -> R {
        use ParamType as T;
        if b.is_empty() {
            return f(Param::Empty);
        }
        // One dispatch on the type; fixed-width types check their width in their arm
        // (a value of the wrong width is returned raw, as `fixed_len` defines it).
        macro_rules! fixed {
            ($n:literal, $conv:expr) => {
                match <[u8; $n]>::try_from(b) {
                    Ok(a) => f($conv(a)),
                    Err(_) => f(Param::Raw { ty, bytes: b }),
                }
            };
        }
        match ty {
            T::Int8 => fixed!(1, |a: [u8; 1]| Param::Int8(a[0] as i8)),
            T::Int16 => fixed!(2, |a| Param::Int16(i16::from_le_bytes(a))),
            T::Int32 => fixed!(4, |a| Param::Int32(i32::from_le_bytes(a))),
            T::Int64 => fixed!(8, |a| Param::Int64(i64::from_le_bytes(a))),
            T::Uint8 => fixed!(1, |a: [u8; 1]| Param::Uint8(a[0])),
            T::Uint16 => fixed!(2, |a| Param::Uint16(u16::from_le_bytes(a))),
            T::Uint32 => fixed!(4, |a| Param::Uint32(u32::from_le_bytes(a))),
            T::Uint64 => fixed!(8, |a| Param::Uint64(u64::from_le_bytes(a))),
            T::Errno => fixed!(8, |a| Param::Errno(i64::from_le_bytes(a))),
            T::Fd => fixed!(8, |a| Param::Fd(i64::from_le_bytes(a))),
            T::Pid => fixed!(8, |a| Param::Pid(i64::from_le_bytes(a))),
            T::Charbuf => f(Param::Charbuf(cstr(b))),
            T::Fspath => f(Param::Fspath(cstr(b))),
            T::Fsrelpath => f(Param::Fsrelpath {
                path: cstr(b),
                dirfd: match aux {
                    ParamAux::DirFd(d) => Some(d),
                    _ => None,
                },
            }),
            T::Bytebuf => f(Param::Bytebuf(b)),
            T::Sockaddr => f(SockAddr::decode(b).map_or(Param::Empty, Param::Sockaddr)),
            T::Socktuple => f(SockTuple::decode(b).map_or(Param::Empty, Param::Socktuple)),
            T::Fdlist => {
                let count = le_u16(b, 0).unwrap_or(0) as usize;
                let body = b.get(2..).unwrap_or(&[]);
                let n = count.min(body.len() / 10);
                f(Param::Fdlist(FdList {
                    entries: body.get(..n * 10).unwrap_or(&[]),
                }))
            }
            T::Syscallid => fixed!(2, |a| Param::Syscallid(u16::from_le_bytes(a))),
            T::Sigtype => fixed!(1, |a: [u8; 1]| Param::Sigtype(a[0])),
            T::Reltime => fixed!(8, |a| Param::Reltime(u64::from_le_bytes(a))),
            T::Abstime => fixed!(8, |a| Param::Abstime(u64::from_le_bytes(a))),
            T::Port => fixed!(2, |a| Param::Port(u16::from_le_bytes(a))),
            T::L4proto => fixed!(1, |a: [u8; 1]| Param::L4proto(a[0])),
            T::Sockfamily => fixed!(1, |a: [u8; 1]| Param::Sockfamily(a[0])),
            T::Bool => fixed!(4, |a| Param::Bool(u32::from_le_bytes(a))),
            T::Ipv4addr => fixed!(4, |a: [u8; 4]| Param::Ipv4addr(Ipv4Addr::from(a))),
            T::Ipv6addr => fixed!(16, |a: [u8; 16]| Param::Ipv6addr(Ipv6Addr::from(a))),
            T::Ipaddr => match b.len() {
                4 => fixed!(4, |a: [u8; 4]| Param::Ipaddr(IpAddr::V4(Ipv4Addr::from(a)))),
                16 => fixed!(16, |a: [u8; 16]| Param::Ipaddr(IpAddr::V6(Ipv6Addr::from(
                    a
                )))),
                _ => f(Param::Raw { ty, bytes: b }),
            },
            T::Ipv4net | T::Ipv6net | T::Ipnet => f(Param::Ipnet(b)),
            T::Dyn => {
                let Some((&index, rest)) = b.split_first() else {
                    return f(Param::Empty);
                };
                let sub = match aux {
                    ParamAux::Dyn(list) => list.get(index as usize).copied(),
                    _ => None,
                };
                f(Param::Dyn(DynParam {
                    index,
                    ty: sub.unwrap_or(ParamType::Unknown),
                    bytes: rest,
                }))
            }
            T::Flags8 => fixed!(1, |a: [u8; 1]| Param::Flags8(a[0])),
            T::Flags16 => fixed!(2, |a| Param::Flags16(u16::from_le_bytes(a))),
            T::Flags32 => fixed!(4, |a| Param::Flags32(u32::from_le_bytes(a))),
            T::Enumflags8 => fixed!(1, |a: [u8; 1]| Param::Enumflags8(a[0])),
            T::Enumflags16 => fixed!(2, |a| Param::Enumflags16(u16::from_le_bytes(a))),
            T::Enumflags32 => fixed!(4, |a| Param::Enumflags32(u32::from_le_bytes(a))),
            T::Uid => fixed!(4, |a| Param::Uid(u32::from_le_bytes(a))),
            T::Gid => fixed!(4, |a| Param::Gid(u32::from_le_bytes(a))),
            T::Double => fixed!(8, |a| Param::Double(f64::from_le_bytes(a))),
            T::Sigset => fixed!(4, |a| Param::Sigset(u32::from_le_bytes(a))),
            T::Mode => fixed!(4, |a| Param::Mode(u32::from_le_bytes(a))),
            T::None | T::Charbufarray | T::CharbufPairArray | T::Unknown => {
                f(Param::Raw { ty, bytes: b })
            }
        }
    }

    /// The value as a signed integer, for every integer-like variant.
    #[inline]
    pub fn as_i64(&self) -> Option<i64> {
        Some(match *self {
            Param::Int8(v) => v as i64,
            Param::Int16(v) => v as i64,
            Param::Int32(v) => v as i64,
            Param::Int64(v) | Param::Errno(v) | Param::Fd(v) | Param::Pid(v) => v,
            _ => self.as_u64()? as i64,
        })
    }

    /// The value as an unsigned integer, for every unsigned integer-like variant.
    #[inline]
    pub fn as_u64(&self) -> Option<u64> {
        Some(match *self {
            Param::Uint8(v)
            | Param::Sigtype(v)
            | Param::L4proto(v)
            | Param::Sockfamily(v)
            | Param::Flags8(v)
            | Param::Enumflags8(v) => v as u64,
            Param::Uint16(v)
            | Param::Syscallid(v)
            | Param::Port(v)
            | Param::Flags16(v)
            | Param::Enumflags16(v) => v as u64,
            Param::Uint32(v)
            | Param::Bool(v)
            | Param::Flags32(v)
            | Param::Enumflags32(v)
            | Param::Uid(v)
            | Param::Gid(v)
            | Param::Sigset(v)
            | Param::Mode(v) => v as u64,
            Param::Uint64(v) | Param::Reltime(v) | Param::Abstime(v) => v,
            _ => return None,
        })
    }

    /// The string bytes of CHARBUF/FSPATH/FSRELPATH values.
    #[inline]
    pub fn as_str_bytes(&self) -> Option<&'a [u8]> {
        match *self {
            Param::Charbuf(s) | Param::Fspath(s) | Param::Fsrelpath { path: s, .. } => Some(s),
            _ => None,
        }
    }

    /// Encodes this value as it is stored in a record (the inverse of [`Param::decode`];
    /// strings get their NUL back).
    pub fn encode_into(&self, out: &mut Vec<u8>) {
        match *self {
            Param::Empty => {}
            Param::Int8(v) => out.push(v as u8),
            Param::Int16(v) => out.extend_from_slice(&v.to_le_bytes()),
            Param::Int32(v) => out.extend_from_slice(&v.to_le_bytes()),
            Param::Int64(v) | Param::Errno(v) | Param::Fd(v) | Param::Pid(v) => {
                out.extend_from_slice(&v.to_le_bytes())
            }
            Param::Charbuf(s) | Param::Fspath(s) | Param::Fsrelpath { path: s, .. } => {
                out.extend_from_slice(s);
                out.push(0);
            }
            Param::Bytebuf(b) | Param::Ipnet(b) | Param::Raw { bytes: b, .. } => {
                out.extend_from_slice(b)
            }
            Param::Sockaddr(a) => match a {
                SockAddr::Inet(s) => {
                    out.push(scap_abi::encode::af::INET);
                    out.extend_from_slice(&s.ip().octets());
                    out.extend_from_slice(&s.port().to_le_bytes());
                }
                SockAddr::Inet6(s) => {
                    out.push(scap_abi::encode::af::INET6);
                    out.extend_from_slice(&s.ip().octets());
                    out.extend_from_slice(&s.port().to_le_bytes());
                }
                SockAddr::Unix(p) => {
                    out.push(scap_abi::encode::af::UNIX);
                    out.extend_from_slice(p);
                    out.push(0);
                }
                SockAddr::Other { family, data } => {
                    out.push(family);
                    out.extend_from_slice(data);
                }
            },
            Param::Socktuple(t) => match t {
                SockTuple::Inet { src, dst } => {
                    out.push(scap_abi::encode::af::INET);
                    out.extend_from_slice(&src.ip().octets());
                    out.extend_from_slice(&src.port().to_le_bytes());
                    out.extend_from_slice(&dst.ip().octets());
                    out.extend_from_slice(&dst.port().to_le_bytes());
                }
                SockTuple::Inet6 { src, dst } => {
                    out.push(scap_abi::encode::af::INET6);
                    out.extend_from_slice(&src.ip().octets());
                    out.extend_from_slice(&src.port().to_le_bytes());
                    out.extend_from_slice(&dst.ip().octets());
                    out.extend_from_slice(&dst.port().to_le_bytes());
                }
                SockTuple::Unix { src, dst, path } => {
                    out.push(scap_abi::encode::af::UNIX);
                    out.extend_from_slice(&src.to_le_bytes());
                    out.extend_from_slice(&dst.to_le_bytes());
                    out.extend_from_slice(path);
                    out.push(0);
                }
                SockTuple::Other { family, data } => {
                    out.push(family);
                    out.extend_from_slice(data);
                }
            },
            Param::Fdlist(l) => {
                out.extend_from_slice(&(l.len() as u16).to_le_bytes());
                out.extend_from_slice(l.entries);
            }
            Param::Uint8(v)
            | Param::Sigtype(v)
            | Param::L4proto(v)
            | Param::Sockfamily(v)
            | Param::Flags8(v)
            | Param::Enumflags8(v) => out.push(v),
            Param::Uint16(v)
            | Param::Syscallid(v)
            | Param::Port(v)
            | Param::Flags16(v)
            | Param::Enumflags16(v) => out.extend_from_slice(&v.to_le_bytes()),
            Param::Uint32(v)
            | Param::Bool(v)
            | Param::Flags32(v)
            | Param::Enumflags32(v)
            | Param::Uid(v)
            | Param::Gid(v)
            | Param::Sigset(v)
            | Param::Mode(v) => out.extend_from_slice(&v.to_le_bytes()),
            Param::Uint64(v) | Param::Reltime(v) | Param::Abstime(v) => {
                out.extend_from_slice(&v.to_le_bytes())
            }
            Param::Ipv4addr(a) => out.extend_from_slice(&a.octets()),
            Param::Ipv6addr(a) => out.extend_from_slice(&a.octets()),
            Param::Ipaddr(IpAddr::V4(a)) => out.extend_from_slice(&a.octets()),
            Param::Ipaddr(IpAddr::V6(a)) => out.extend_from_slice(&a.octets()),
            Param::Dyn(d) => {
                out.push(d.index);
                out.extend_from_slice(d.bytes);
            }
            Param::Double(v) => out.extend_from_slice(&v.to_bits().to_le_bytes()),
        }
    }
}

/// Builds owned event records with a fluent API, encoding through
/// `scap_abi::encode::EventWriter` (the encoder the kernel module uses).
///
/// ```
/// use scap::event::{EventBuilder, EventRef};
/// use scap_abi::event::ids;
/// let rec = EventBuilder::new(1_000, 42, ids::OPENAT_X)
///     .fd(3).fd(-100).str("/etc/passwd").u32(1).u32(0).u32(0)
///     .build().unwrap();
/// let ev = EventRef::parse(&rec).unwrap();
/// assert_eq!(ev.param_by_name("name").unwrap().as_str_bytes(), Some(&b"/etc/passwd"[..]));
/// ```
#[derive(Clone, Debug)]
pub struct EventBuilder {
    ts: u64,
    tid: u64,
    ty: u16,
    large: Option<bool>,
    values: Vec<u8>,
    lens: Vec<usize>,
}

impl EventBuilder {
    /// A new event of type `ty` at `ts` for thread `tid`, with no parameters yet.
    pub fn new(ts: u64, tid: u64, ty: u16) -> Self {
        EventBuilder {
            ts,
            tid,
            ty,
            large: None,
            values: Vec::new(),
            lens: Vec::new(),
        }
    }

    /// Forces the length width (for event types the schema does not know).
    pub fn large_lengths(mut self, large: bool) -> Self {
        self.large = Some(large);
        self
    }

    /// Appends a pre-encoded parameter value.
    pub fn raw(mut self, v: &[u8]) -> Self {
        self.values.extend_from_slice(v);
        self.lens.push(v.len());
        self
    }
    /// Appends a decoded parameter, re-encoded.
    pub fn param(mut self, p: &Param<'_>) -> Self {
        let before = self.values.len();
        p.encode_into(&mut self.values);
        self.lens.push(self.values.len() - before);
        self
    }
    /// Appends a `u8`.
    pub fn u8(self, v: u8) -> Self {
        self.raw(&[v])
    }
    /// Appends a `u16`.
    pub fn u16(self, v: u16) -> Self {
        self.raw(&v.to_le_bytes())
    }
    /// Appends a `u32`.
    pub fn u32(self, v: u32) -> Self {
        self.raw(&v.to_le_bytes())
    }
    /// Appends an `i32`.
    pub fn i32(self, v: i32) -> Self {
        self.raw(&v.to_le_bytes())
    }
    /// Appends a `u64`.
    pub fn u64(self, v: u64) -> Self {
        self.raw(&v.to_le_bytes())
    }
    /// Appends an `i64` (INT64, ERRNO, FD, PID).
    pub fn i64(self, v: i64) -> Self {
        self.raw(&v.to_le_bytes())
    }
    /// Appends an fd (`i64`).
    pub fn fd(self, v: i64) -> Self {
        self.i64(v)
    }
    /// Appends a string plus its NUL.
    pub fn str(self, s: &str) -> Self {
        self.bytes_nul(s.as_bytes())
    }
    /// Appends bytes plus a NUL.
    pub fn bytes_nul(mut self, s: &[u8]) -> Self {
        self.values.extend_from_slice(s);
        self.values.push(0);
        self.lens.push(s.len() + 1);
        self
    }
    /// Appends raw bytes (BYTEBUF).
    pub fn bytes(self, b: &[u8]) -> Self {
        self.raw(b)
    }
    /// Appends an empty parameter.
    pub fn empty(self) -> Self {
        self.raw(&[])
    }

    /// Number of parameters added.
    pub fn nparams(&self) -> usize {
        self.lens.len()
    }

    /// Encodes the record, appending it to `out`; returns its length.
    pub fn build_into(&self, out: &mut Vec<u8>) -> Result<usize, EncodeError> {
        let large = match self.large {
            Some(l) => l,
            None => match event::info(self.ty) {
                Some(i) => i.large_payload(),
                None => return Err(EncodeError::UnknownEventType(self.ty)),
            },
        };
        let width = if large { 4 } else { 2 };
        let total = scap_abi::encode::record_len(self.lens.len(), width, self.values.len());
        let start = out.len();
        out.resize(start + total, 0);
        let dst = &mut out[start..];
        let mut w = EventWriter::with_width(
            dst,
            self.ts,
            self.tid,
            self.ty,
            self.lens.len() as u32,
            large,
        )?;
        let mut off = 0;
        for &n in &self.lens {
            w.push_bytes(&self.values[off..off + n])?;
            off += n;
        }
        match w.finish() {
            Ok(n) => Ok(n),
            Err(e) => {
                out.truncate(start);
                Err(e)
            }
        }
    }

    /// Encodes the record into a new vector.
    pub fn build(&self) -> Result<Vec<u8>, EncodeError> {
        let mut v = Vec::new();
        self.build_into(&mut v)?;
        Ok(v)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use scap_abi::event::ids;

    fn ex_params() -> Vec<(ParamType, ParamAux, Param<'static>)> {
        use ParamType as T;
        static DYN: [ParamType; 2] = [T::Uint64, T::Sigtype];
        let v6a: Ipv6Addr = "fe80::1".parse().unwrap();
        vec![
            (T::Int8, ParamAux::None, Param::Int8(-5)),
            (T::Int16, ParamAux::None, Param::Int16(-300)),
            (T::Int32, ParamAux::None, Param::Int32(-70000)),
            (T::Int64, ParamAux::None, Param::Int64(-1 << 40)),
            (T::Uint8, ParamAux::None, Param::Uint8(200)),
            (T::Uint16, ParamAux::None, Param::Uint16(60000)),
            (T::Uint32, ParamAux::None, Param::Uint32(4_000_000_000)),
            (T::Uint64, ParamAux::None, Param::Uint64(u64::MAX - 1)),
            (T::Errno, ParamAux::None, Param::Errno(-2)),
            (T::Fd, ParamAux::None, Param::Fd(-100)),
            (T::Pid, ParamAux::None, Param::Pid(4242)),
            (T::Charbuf, ParamAux::None, Param::Charbuf(b"hello")),
            (T::Fspath, ParamAux::None, Param::Fspath(b"/etc/passwd")),
            (
                T::Fsrelpath,
                ParamAux::DirFd(1),
                Param::Fsrelpath {
                    path: b"x/y",
                    dirfd: Some(1),
                },
            ),
            (T::Bytebuf, ParamAux::None, Param::Bytebuf(b"a\0b\0")),
            (
                T::Sockaddr,
                ParamAux::None,
                Param::Sockaddr(SockAddr::Inet("10.1.2.3:8080".parse().unwrap())),
            ),
            (
                T::Sockaddr,
                ParamAux::None,
                Param::Sockaddr(SockAddr::Inet6(SocketAddrV6::new(v6a, 443, 0, 0))),
            ),
            (
                T::Sockaddr,
                ParamAux::None,
                Param::Sockaddr(SockAddr::Unix(b"/run/a.sock")),
            ),
            (
                T::Socktuple,
                ParamAux::None,
                Param::Socktuple(SockTuple::Inet {
                    src: "172.17.0.2:40000".parse().unwrap(),
                    dst: "10.0.0.1:80".parse().unwrap(),
                }),
            ),
            (
                T::Socktuple,
                ParamAux::None,
                Param::Socktuple(SockTuple::Inet6 {
                    src: SocketAddrV6::new(v6a, 1, 0, 0),
                    dst: SocketAddrV6::new(Ipv6Addr::LOCALHOST, 2, 0, 0),
                }),
            ),
            (
                T::Socktuple,
                ParamAux::None,
                Param::Socktuple(SockTuple::Unix {
                    src: 0xdead,
                    dst: 0xbeef,
                    path: b"@abs",
                }),
            ),
            (
                T::Fdlist,
                ParamAux::None,
                Param::Fdlist(FdList {
                    entries: b"\x03\0\0\0\0\0\0\0\x01\0\x04\0\0\0\0\0\0\0\x04\0",
                }),
            ),
            (T::Syscallid, ParamAux::None, Param::Syscallid(76)),
            (T::Sigtype, ParamAux::None, Param::Sigtype(9)),
            (T::Reltime, ParamAux::None, Param::Reltime(1_000_000)),
            (
                T::Abstime,
                ParamAux::None,
                Param::Abstime(1_700_000_000_000_000_000),
            ),
            (T::Port, ParamAux::None, Param::Port(443)),
            (T::L4proto, ParamAux::None, Param::L4proto(2)),
            (T::Sockfamily, ParamAux::None, Param::Sockfamily(10)),
            (T::Bool, ParamAux::None, Param::Bool(1)),
            (
                T::Ipv4addr,
                ParamAux::None,
                Param::Ipv4addr(Ipv4Addr::new(127, 0, 0, 1)),
            ),
            (T::Ipv6addr, ParamAux::None, Param::Ipv6addr(v6a)),
            (
                T::Ipaddr,
                ParamAux::None,
                Param::Ipaddr(IpAddr::V4(Ipv4Addr::new(1, 2, 3, 4))),
            ),
            (T::Ipaddr, ParamAux::None, Param::Ipaddr(IpAddr::V6(v6a))),
            (T::Ipnet, ParamAux::None, Param::Ipnet(&[10, 0, 0, 0, 8])),
            (
                T::Dyn,
                ParamAux::Dyn(&DYN),
                Param::Dyn(DynParam {
                    index: 1,
                    ty: T::Sigtype,
                    bytes: &[9],
                }),
            ),
            (T::Flags8, ParamAux::None, Param::Flags8(3)),
            (T::Flags16, ParamAux::None, Param::Flags16(0x101)),
            (T::Flags32, ParamAux::None, Param::Flags32(0x2001)),
            (T::Enumflags8, ParamAux::None, Param::Enumflags8(2)),
            (T::Enumflags16, ParamAux::None, Param::Enumflags16(14)),
            (T::Enumflags32, ParamAux::None, Param::Enumflags32(10)),
            (T::Uid, ParamAux::None, Param::Uid(u32::MAX)),
            (T::Gid, ParamAux::None, Param::Gid(1000)),
            (T::Double, ParamAux::None, Param::Double(3.25)),
            (T::Sigset, ParamAux::None, Param::Sigset(0x4002)),
            (T::Mode, ParamAux::None, Param::Mode(0o100644)),
            (
                T::Charbufarray,
                ParamAux::None,
                Param::Raw {
                    ty: T::Charbufarray,
                    bytes: b"zz",
                },
            ),
        ]
    }

    #[test]
    fn every_param_type_round_trips() {
        for (ty, aux, p) in ex_params() {
            let mut enc = Vec::new();
            p.encode_into(&mut enc);
            if let Some(n) = ty.fixed_len() {
                assert_eq!(enc.len(), n, "{ty:?}");
            }
            assert_eq!(Param::decode(ty, aux, &enc), p, "{ty:?}");
            // And inside an event record, through the builder and the view.
            let rec = EventBuilder::new(5, 6, ids::OPEN_E)
                .param(&p)
                .u8(7)
                .build()
                .unwrap();
            let ev = EventRef::parse(&rec).unwrap();
            assert_eq!(ev.param_bytes(0), Some(&enc[..]));
            assert_eq!(ev.param_bytes(1), Some(&[7u8][..]));
            assert_eq!(Param::decode(ty, aux, ev.param_bytes(0).unwrap()), p);
        }
    }

    #[test]
    fn for_each_param_matches_params() {
        // Every type, a value beyond the table, and a truncated length array (a record
        // whose declared count exceeds what the table knows still decodes the same).
        for (_, _, p) in ex_params() {
            let rec = EventBuilder::new(5, 6, ids::OPENAT_X)
                .param(&p)
                .fd(-100)
                .str("/x")
                .u32(1)
                .u32(0)
                .u32(7)
                .u64(11)
                .u8(9)
                .build()
                .unwrap();
            let ev = EventRef::parse(&rec).unwrap();
            let mut seen = Vec::new();
            ev.for_each_param(|pi, p| seen.push((pi.map(|i| i.name), p)));
            let want: Vec<_> = ev.params().map(|(pi, p)| (pi.map(|i| i.name), p)).collect();
            assert_eq!(seen, want);
            assert_eq!(seen.len(), 8);
            // Internal iteration after a few `next` calls resumes at the right position.
            for k in 0..=8 {
                let mut it = ev.params();
                let head: Vec<_> = it.by_ref().take(k).collect();
                let mut rest = Vec::new();
                it.for_each(|(pi, p)| rest.push((pi.map(|i| i.name), p)));
                assert_eq!(head.len() + rest.len(), 8);
                assert_eq!(&rest[..], &want[k..]);
            }
            assert_eq!(
                seen[7],
                (
                    None,
                    Param::Raw {
                        ty: ParamType::Unknown,
                        bytes: &[9]
                    }
                )
            );
        }
        let rec = EventBuilder::new(0, 1, ids::CONTAINER_E)
            .str("{}")
            .build()
            .unwrap();
        let ev = EventRef::parse(&rec).unwrap();
        let mut seen = Vec::new();
        ev.for_each_param(|_, p| seen.push(p));
        assert_eq!(seen, ev.params().map(|(_, p)| p).collect::<Vec<_>>());
        assert_eq!(seen.len(), 1);
    }

    #[test]
    fn cstr_stops_at_the_first_nul() {
        // Every length up to 80 and every NUL position (and none), against a plain scan.
        for len in 0..80usize {
            for nul in (0..=len).chain([usize::MAX]) {
                let mut v: Vec<u8> = (0..len).map(|i| 1 + (i % 255) as u8).collect();
                if nul < len {
                    v[nul] = 0;
                    // A second NUL further on must not matter.
                    if nul + 3 < len {
                        v[nul + 3] = 0;
                    }
                }
                let want = v.iter().position(|&c| c == 0).unwrap_or(len);
                assert_eq!(cstr(&v), &v[..want], "len {len} nul {nul}");
            }
        }
        // High and low bytes around a NUL.
        let v = [0x80u8, 0x01, 0x00, 0x01, 0x80, 0x00, 0xff, 0x01, 0x01];
        assert_eq!(cstr(&v), &v[..2]);
        let v = [0x01u8, 0x01, 0x01, 0x01, 0x01, 0x01, 0x01, 0x01, 0x00, 0x01];
        assert_eq!(cstr(&v), &v[..8]);
    }

    #[test]
    fn dyn_value_and_fdlist_iter() {
        static DYN: [ParamType; 2] = [ParamType::Fd, ParamType::Errno];
        let p = Param::decode(
            ParamType::Dyn,
            ParamAux::Dyn(&DYN),
            &[1, 0xfe, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff],
        );
        let Param::Dyn(d) = p else { panic!("{p:?}") };
        assert_eq!(d.value(), Param::Errno(-2));
        let l = Param::decode(
            ParamType::Fdlist,
            ParamAux::None,
            b"\x02\0\x03\0\0\0\0\0\0\0\x01\0",
        );
        let Param::Fdlist(l) = l else { panic!() };
        // Count says 2 but only one entry is present: capped.
        assert_eq!(l.iter().collect::<Vec<_>>(), vec![(3, 1)]);
    }

    #[test]
    fn typed_view_over_openat_exit() {
        let rec = EventBuilder::new(1_000, 42, ids::OPENAT_X)
            .fd(3)
            .fd(-100)
            .str("/etc/passwd")
            .u32(1)
            .u32(0)
            .u32(0x803)
            .build()
            .unwrap();
        let ev = EventRef::parse(&rec).unwrap();
        assert_eq!(
            (ev.ts(), ev.tid(), ev.ty(), ev.nparams()),
            (1_000, 42, 307, 6)
        );
        assert_eq!(ev.name(), "openat");
        assert_eq!(ev.param(0), Some(Param::Fd(3)));
        assert_eq!(ev.param(1), Some(Param::Fd(-100)));
        assert_eq!(
            ev.param(2),
            Some(Param::Fsrelpath {
                path: b"/etc/passwd",
                dirfd: Some(1)
            })
        );
        assert_eq!(ev.param_by_name("flags"), Some(Param::Flags32(1)));
        assert_eq!(ev.param_by_name("dev"), Some(Param::Uint32(0x803)));
        assert_eq!(ev.param(6), None);
        assert_eq!(ev.param_by_name("nope"), None);
        let all: Vec<_> = ev.params().map(|(i, _)| i.unwrap().name).collect();
        assert_eq!(all, ["fd", "dirfd", "name", "flags", "mode", "dev"]);
    }

    #[test]
    fn extra_and_missing_params_and_unknown_types() {
        // Fewer params than the table, more params than the table, unknown type.
        let rec = EventBuilder::new(0, 1, ids::OPENAT_X)
            .fd(3)
            .build()
            .unwrap();
        let ev = EventRef::parse(&rec).unwrap();
        assert_eq!(ev.param(1), None);
        let rec = EventBuilder::new(0, 1, ids::CLOSE_X)
            .i64(0)
            .i64(1)
            .u32(9)
            .build()
            .unwrap();
        let ev = EventRef::parse(&rec).unwrap();
        assert_eq!(ev.param(1), Some(Param::Fd(1)));
        assert_eq!(
            ev.param(2),
            Some(Param::Raw {
                ty: ParamType::Unknown,
                bytes: &9u32.to_le_bytes()
            })
        );
        let rec = EventBuilder::new(0, 1, 999)
            .large_lengths(false)
            .u8(1)
            .build()
            .unwrap();
        let ev = EventRef::parse(&rec).unwrap();
        assert_eq!(ev.name(), "unknown");
        assert_eq!(
            ev.param(0),
            Some(Param::Raw {
                ty: ParamType::Unknown,
                bytes: &[1]
            })
        );
        assert!(EventBuilder::new(0, 1, 999).build().is_err());
    }

    #[test]
    fn large_payload_lengths() {
        let json = "x".repeat(70_000);
        let rec = EventBuilder::new(0, u64::MAX, ids::CONTAINER_E)
            .str(&json)
            .build()
            .unwrap();
        let ev = EventRef::parse(&rec).unwrap();
        assert_eq!(ev.len_width(), 4);
        assert_eq!(ev.param(0).unwrap().as_str_bytes().unwrap().len(), 70_000);
    }

    #[test]
    fn parse_rejects_damage_without_panicking() {
        let rec = EventBuilder::new(1, 2, ids::CONNECT_X)
            .i64(0)
            .raw(&[2, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12])
            .build()
            .unwrap();
        assert!(EventRef::parse(&rec).is_ok());
        for n in 0..rec.len() {
            assert!(EventRef::parse(&rec[..n]).is_err(), "prefix {n}");
        }
        // Every single-byte change either parses to a consistent view or errors.
        for i in 0..rec.len() {
            for v in [0u8, 1, 0x7f, 0xff] {
                let mut m = rec.clone();
                m[i] = v;
                if let Ok(ev) = EventRef::parse(&m) {
                    let _ = ev.params().count();
                    for j in 0..ev.nparams() as usize + 1 {
                        let _ = ev.param(j);
                    }
                }
            }
        }
        let mut bad = rec.clone();
        bad[22] = 200; // nparams
        assert!(matches!(
            EventRef::parse(&bad),
            Err(EventError::BadParamCount { .. })
        ));
        let mut bad = rec.clone();
        bad[28] = 0xff; // second length
        assert!(matches!(
            EventRef::parse(&bad),
            Err(EventError::ParamsOverflow { .. })
        ));
        let mut bad = rec.clone();
        bad[16] = 10;
        assert!(matches!(
            EventRef::parse(&bad),
            Err(EventError::BadLength { .. })
        ));
    }

    #[test]
    fn malformed_fixed_width_values_are_raw() {
        assert_eq!(
            Param::decode(ParamType::Fd, ParamAux::None, &[1, 2, 3]),
            Param::Raw {
                ty: ParamType::Fd,
                bytes: &[1, 2, 3]
            }
        );
        assert_eq!(
            Param::decode(ParamType::Fd, ParamAux::None, &[]),
            Param::Empty
        );
        assert_eq!(
            Param::decode(ParamType::Sockaddr, ParamAux::None, &[2, 1]),
            Param::Sockaddr(SockAddr::Other {
                family: 2,
                data: &[1]
            })
        );
        assert_eq!(
            Param::decode(ParamType::Charbuf, ParamAux::None, b"ab\0cd\0"),
            Param::Charbuf(b"ab")
        );
    }
}
