//! The contract between the condition compiler and the field implementations.
//!
//! Two traits, implemented by the field layer (`engine::fields`):
//!
//! * [`FieldRegistry`]: consulted **once, at compile time**. It resolves a field name and
//!   its optional argument (`proc.aname[2]`, `evt.arg.name`, `proc.env[HOME]`) into a
//!   [`FieldDef`]: an opaque [`FieldId`], the parsed argument ([`FieldArg`]), the value
//!   type ([`FieldType`]) and behaviour flags ([`FieldFlags`]).
//! * [`FieldSource`]: consulted **per event, at evaluation time**. Given a `FieldId` and the
//!   `FieldArg` the registry produced, it writes the field's value(s) into a caller-owned,
//!   reusable [`Values`] buffer and says whether the field has a value at all. The buffer
//!   is cleared by the caller before each call and keeps its capacity, so steady-state
//!   extraction allocates nothing.
//!
//! Value conventions (what a source must push for each [`FieldType`]):
//!
//! | type | push with |
//! |---|---|
//! | `Int8..Int64` | [`Values::push_i64`] |
//! | `Uint8..Uint64`, `Port`, `RelTime`, `AbsTime`, `Double` (integer part) | [`Values::push_u64`] (a signed push is also accepted) |
//! | `Bool` | [`Values::push_bool`] |
//! | `Charbuf`, `Fspath` | [`Values::push_str`] / [`Values::push_bytes`] (no NUL needed) |
//! | `Bytebuf` | [`Values::push_bytes`] |
//! | `IpAddr` | [`Values::push_ip`] |
//! | `IpNet` | [`Values::push_net`] |
//!
//! A scalar field pushes exactly one value. A field flagged [`FieldFlags::IS_LIST`] pushes
//! 0..n values (an empty list is still "has a value"). A field flagged
//! [`FieldFlags::ANY_VALUE`] (e.g. `proc.aname` without an index: every ancestor) or
//! [`FieldFlags::EITHER_END`] (e.g. `fd.ip`: client and server address) pushes every
//! candidate; the compiler then makes the check true when **any** candidate satisfies it
//! (for `EITHER_END`, `!=` is true only when **no** candidate is equal).
//!
//! Returning `false` from [`FieldSource::extract`] means "no value" (no thread, no fd, wrong
//! event type...): every comparison on it is false, only `not` flips it.

use std::net::IpAddr;

/// Opaque id of a field, chosen by the registry and handed back to the source.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct FieldId(pub u32);

/// A field argument as parsed by the registry at compile time.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub enum FieldArg {
    /// No argument.
    #[default]
    None,
    /// A numeric argument: `proc.aname[2]`, `evt.arg[0]`, `proc.args[1]`, `fd.name[3]`.
    Index(i64),
    /// A textual argument: `evt.arg.name`, `proc.env[HOME]`, `getopt(...)[t]`.
    Name(Box<str>),
}

/// The value type of a field (libsinsp's `PT_*` families, named as libsinsp names them in
/// error messages, see [`FieldType::name`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum FieldType {
    /// Signed 8-bit integer.
    Int8,
    /// Signed 16-bit integer.
    Int16,
    /// Signed 32-bit integer.
    Int32,
    /// Signed 64-bit integer (also fds, pids, errnos).
    Int64,
    /// Unsigned 8-bit integer.
    Uint8,
    /// Unsigned 16-bit integer.
    Uint16,
    /// Unsigned 32-bit integer (also uids, gids, modes, 32-bit flags).
    Uint32,
    /// Unsigned 64-bit integer.
    Uint64,
    /// Boolean: constants are exactly `true` / `false`.
    Bool,
    /// Floating point; constants are integers only (as in libsinsp).
    Double,
    /// Relative time in nanoseconds.
    RelTime,
    /// Absolute time in nanoseconds since the epoch.
    AbsTime,
    /// A TCP/UDP port; constants may be service names (`ssh`).
    Port,
    /// An IPv4 or IPv6 address.
    IpAddr,
    /// An IPv4 or IPv6 network (CIDR).
    IpNet,
    /// A string.
    Charbuf,
    /// A filesystem path (a string).
    Fspath,
    /// Raw bytes (`evt.buffer`, `evt.rawarg.data`).
    Bytebuf,
}

impl FieldType {
    /// The libsinsp name of the type, as used in error messages (`'INT64'`, `'CHARBUF'`).
    pub fn name(self) -> &'static str {
        match self {
            FieldType::Int8 => "INT8",
            FieldType::Int16 => "INT16",
            FieldType::Int32 => "INT32",
            FieldType::Int64 => "INT64",
            FieldType::Uint8 => "UINT8",
            FieldType::Uint16 => "UINT16",
            FieldType::Uint32 => "UINT32",
            FieldType::Uint64 => "UINT64",
            FieldType::Bool => "BOOL",
            FieldType::Double => "DOUBLE",
            FieldType::RelTime => "RELTIME",
            FieldType::AbsTime => "ABSTIME",
            FieldType::Port => "PORT",
            FieldType::IpAddr => "IPADDR",
            FieldType::IpNet => "IPNET",
            FieldType::Charbuf => "CHARBUF",
            FieldType::Fspath => "FSPATH",
            FieldType::Bytebuf => "BYTEBUF",
        }
    }

    /// Integer-like types (numeric comparisons, decimal constants).
    pub fn is_numeric(self) -> bool {
        matches!(
            self,
            FieldType::Int8
                | FieldType::Int16
                | FieldType::Int32
                | FieldType::Int64
                | FieldType::Uint8
                | FieldType::Uint16
                | FieldType::Uint32
                | FieldType::Uint64
                | FieldType::Double
                | FieldType::RelTime
                | FieldType::AbsTime
                | FieldType::Port
        )
    }

    /// Signed integer types (constants are kept signed).
    pub fn is_signed(self) -> bool {
        matches!(
            self,
            FieldType::Int8
                | FieldType::Int16
                | FieldType::Int32
                | FieldType::Int64
                | FieldType::Double
        )
    }

    /// String-like types (`Charbuf`, `Fspath`).
    pub fn is_string(self) -> bool {
        matches!(self, FieldType::Charbuf | FieldType::Fspath)
    }
}

/// Behaviour flags of a field definition (a small bit set).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct FieldFlags(pub u32);

impl FieldFlags {
    /// No flag.
    pub const NONE: FieldFlags = FieldFlags(0);
    /// List-valued (libsinsp `EPF_IS_LIST`, e.g. `fd.types`, `proc.args` in `getopt`):
    /// only `in`, `intersects`, `exists` (and `len`, `join`, `getopt`) apply.
    pub const IS_LIST: FieldFlags = FieldFlags(1 << 0);
    /// Filter-only (`fd.ip`, `fd.net`, `fd.port`, `fd.proto`): not usable in outputs.
    pub const FILTER_ONLY: FieldFlags = FieldFlags(1 << 1);
    /// Rejects transformers (`proc.aname`, `fd.net`, `fd.sip.name`).
    pub const NO_TRANSFORMER: FieldFlags = FieldFlags(1 << 2);
    /// Cannot be a right-hand-side field nor be compared with one (`fd.ip`, `proc.a*`...).
    pub const NO_RHS: FieldFlags = FieldFlags(1 << 3);
    /// Multi-valued "any": the source pushes every candidate (e.g. all ancestors for
    /// `proc.aname` without an index) and a check is true if any candidate satisfies it,
    /// for every operator including `!=`.
    pub const ANY_VALUE: FieldFlags = FieldFlags(1 << 4);
    /// Either end of a connection (`fd.ip`, `fd.net`, `fd.port`, `fd.proto`): `=`/`in` are
    /// true if any candidate matches, `!=` is true if no candidate is equal.
    pub const EITHER_END: FieldFlags = FieldFlags(1 << 5);

    /// Whether all bits of `other` are set.
    pub fn contains(self, other: FieldFlags) -> bool {
        self.0 & other.0 == other.0
    }
}

impl std::ops::BitOr for FieldFlags {
    type Output = FieldFlags;
    fn bitor(self, rhs: FieldFlags) -> FieldFlags {
        FieldFlags(self.0 | rhs.0)
    }
}

/// A resolved field, returned by [`FieldRegistry::lookup`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldDef {
    /// Id passed back to [`FieldSource::extract`].
    pub id: FieldId,
    /// The parsed argument, passed back to [`FieldSource::extract`].
    pub arg: FieldArg,
    /// Value type.
    pub ty: FieldType,
    /// Behaviour flags.
    pub flags: FieldFlags,
    /// Canonical name (e.g. `evt.type`), used for event-type inference and messages.
    pub name: Box<str>,
}

impl FieldDef {
    /// Shorthand for `self.flags.contains(f)`.
    pub fn has(&self, f: FieldFlags) -> bool {
        self.flags.contains(f)
    }
}

/// Resolves field names at compile time.
///
/// `lookup("proc.aname", Some("2"))` for `proc.aname[2]`; `lookup("evt.arg.name", None)` for
/// the dot form (the registry splits the dotted argument itself); `arg` is the raw text
/// between the brackets, unquoted. Errors are reported verbatim to the user, so word them
/// as libsinsp does: `filter_check called with nonexistent field proc.nme`, or a
/// field-specific argument error.
pub trait FieldRegistry {
    /// Resolves `name[arg]`.
    fn lookup(&self, name: &str, arg: Option<&str>) -> Result<FieldDef, String>;

    /// Estimated relative cost of extracting `def` once for an event (1: a number read
    /// from the event; the default, 4: a lookup in the state; tens: rendering or walking
    /// ancestors). The compiler orders the operands of `and`/`or` cheapest first with it;
    /// results never depend on it.
    fn cost(&self, def: &FieldDef) -> u32 {
        let _ = def;
        4
    }
}

impl<R: FieldRegistry + ?Sized> FieldRegistry for &R {
    fn lookup(&self, name: &str, arg: Option<&str>) -> Result<FieldDef, String> {
        (**self).lookup(name, arg)
    }
    fn cost(&self, def: &FieldDef) -> u32 {
        (**self).cost(def)
    }
}

/// Extracts field values for the current event at evaluation time.
pub trait FieldSource {
    /// Writes the value(s) of field `id` (with the registry-parsed `arg`) into `out`, which
    /// the caller has cleared. Returns `false` when the field has no value for this event.
    fn extract(&mut self, id: FieldId, arg: &FieldArg, out: &mut Values) -> bool;
}

impl<S: FieldSource + ?Sized> FieldSource for &mut S {
    fn extract(&mut self, id: FieldId, arg: &FieldArg, out: &mut Values) -> bool {
        (**self).extract(id, arg, out)
    }
}

/// One extracted value; byte payloads live in the owning [`Values`] arena.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Value<'a> {
    /// A signed integer.
    I64(i64),
    /// An unsigned integer.
    U64(u64),
    /// A boolean.
    Bool(bool),
    /// An IP address.
    Ip(IpAddr),
    /// An IP network (address, prefix length).
    Net(IpAddr, u8),
    /// A string or byte buffer.
    Bytes(&'a [u8]),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Slot {
    I64(i64),
    U64(u64),
    Bool(bool),
    Ip(IpAddr),
    Net(IpAddr, u8),
    Bytes(u32, u32),
}

/// A reusable buffer of extracted values: a small vector of scalars plus one byte arena for
/// string and buffer payloads. [`Values::clear`] keeps the capacity, so once warmed up,
/// extraction allocates nothing.
#[derive(Debug, Clone, Default)]
pub struct Values {
    slots: Vec<Slot>,
    arena: Vec<u8>,
}

impl Values {
    /// An empty buffer.
    pub fn new() -> Values {
        Values::default()
    }
    /// Removes every value, keeping the capacity.
    pub fn clear(&mut self) {
        self.slots.clear();
        self.arena.clear();
    }
    /// Number of values.
    #[inline]
    pub fn len(&self) -> usize {
        self.slots.len()
    }
    /// Whether there is no value.
    pub fn is_empty(&self) -> bool {
        self.slots.is_empty()
    }
    /// Appends a signed integer.
    pub fn push_i64(&mut self, v: i64) {
        self.slots.push(Slot::I64(v));
    }
    /// Appends an unsigned integer.
    pub fn push_u64(&mut self, v: u64) {
        self.slots.push(Slot::U64(v));
    }
    /// Appends a boolean.
    pub fn push_bool(&mut self, v: bool) {
        self.slots.push(Slot::Bool(v));
    }
    /// Appends an IP address.
    pub fn push_ip(&mut self, v: IpAddr) {
        self.slots.push(Slot::Ip(v));
    }
    /// Appends an IP network.
    pub fn push_net(&mut self, addr: IpAddr, prefix: u8) {
        self.slots.push(Slot::Net(addr, prefix));
    }
    /// Appends a string.
    pub fn push_str(&mut self, s: &str) {
        self.push_bytes(s.as_bytes());
    }
    /// Appends a byte string.
    pub fn push_bytes(&mut self, b: &[u8]) {
        let start = self.arena.len();
        self.arena.extend_from_slice(b);
        self.slots
            .push(Slot::Bytes(start as u32, self.arena.len() as u32));
    }
    /// Appends a byte string built in place by `f` (which appends to the given vector);
    /// avoids a temporary buffer when a value is formatted.
    pub fn push_with(&mut self, f: impl FnOnce(&mut Vec<u8>)) {
        let start = self.arena.len();
        f(&mut self.arena);
        self.slots
            .push(Slot::Bytes(start as u32, self.arena.len() as u32));
    }
    /// The `i`-th value.
    #[inline]
    pub fn get(&self, i: usize) -> Option<Value<'_>> {
        self.slots.get(i).map(|s| self.view(*s))
    }
    /// Iterates over the values.
    #[inline]
    pub fn iter(&self) -> impl Iterator<Item = Value<'_>> + '_ {
        self.slots.iter().map(|s| self.view(*s))
    }
    #[inline]
    fn view(&self, s: Slot) -> Value<'_> {
        match s {
            Slot::I64(v) => Value::I64(v),
            Slot::U64(v) => Value::U64(v),
            Slot::Bool(v) => Value::Bool(v),
            Slot::Ip(v) => Value::Ip(v),
            Slot::Net(a, p) => Value::Net(a, p),
            Slot::Bytes(a, b) => {
                Value::Bytes(self.arena.get(a as usize..b as usize).unwrap_or(&[]))
            }
        }
    }
}

impl<'a> Value<'a> {
    /// The value as a signed 128-bit integer (numbers and booleans).
    pub fn as_i128(&self) -> Option<i128> {
        match *self {
            Value::I64(v) => Some(v as i128),
            Value::U64(v) => Some(v as i128),
            Value::Bool(v) => Some(v as i128),
            _ => None,
        }
    }
    /// The value's bytes (strings and buffers).
    pub fn as_bytes(&self) -> Option<&'a [u8]> {
        match *self {
            Value::Bytes(b) => Some(b),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_reuse_buffer() {
        let mut v = Values::new();
        v.push_str("abc");
        v.push_u64(7);
        v.push_bytes(b"\0x");
        assert_eq!(v.len(), 3);
        assert_eq!(v.get(0), Some(Value::Bytes(b"abc")));
        assert_eq!(v.get(1), Some(Value::U64(7)));
        assert_eq!(v.get(2), Some(Value::Bytes(b"\0x")));
        let cap = v.arena.capacity();
        v.clear();
        assert!(v.is_empty());
        v.push_with(|b| b.extend_from_slice(b"zz"));
        assert_eq!(
            v.get(0).and_then(|x| x.as_bytes().map(|b| b.to_vec())),
            Some(b"zz".to_vec())
        );
        assert_eq!(v.arena.capacity(), cap);
    }
}
