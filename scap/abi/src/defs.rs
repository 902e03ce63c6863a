// The Harrier ABI: the scap event schema and the kernel <-> user ring protocol.
//
// This file is the single source of truth shared by:
//   * the `scap-abi` crate (`lib.rs` only adds `#![no_std]` and re-exports it),
//   * the kernel module (`kmod/`), which includes it with
//     `#[path = "../scap/abi/src/defs.rs"] mod abi;` because Kbuild crates cannot have
//     Cargo dependencies,
//   * the eBPF C header generator (`tools`, `gen-abi-header`).
//
// Rules for this file (checked by the kmod build with the kernel's rustc 1.85, edition 2021):
//   * `core` only: no `std`, no `alloc`, no external crates, no `unsafe`.
//   * No nested file modules (`mod x;`): everything is inline or `include!`d, because
//     module-path resolution differs between the two builds.
//   * Every `#[repr(C)]` struct has a compile-time size assertion.

/// Version of the kernel <-> userspace interface (ring layout, ioctls, device files).
///
/// Bump `major` on any incompatible change; readers refuse a different major.
pub const API_VERSION: Version = Version { major: 1, minor: 0, patch: 0 };

/// Version of the event schema (the event table below). We write the table of
/// falcosecurity/libs e5c53d64 (libscap SCHEMA_VERSION 1.0.0), the one sysdig 0.29.3 reads.
pub const SCHEMA_VERSION: Version = Version { major: 1, minor: 0, patch: 0 };

/// A semantic version triple.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Version {
    /// Incompatible changes.
    pub major: u32,
    /// Compatible additions.
    pub minor: u32,
    /// Fixes.
    pub patch: u32,
}

impl Version {
    /// Packs the version as libscap does: `major << 24 | minor << 12 | patch`.
    pub const fn packed(self) -> u64 {
        ((self.major as u64) << 24) | ((self.minor as u64) << 12) | (self.patch as u64)
    }
}

/// The event schema: parameter types, event flags, the generated event tables.
pub mod event {
    /// Size of the packed event header (`struct ppm_evt_hdr`):
    /// `u64 ts, u64 tid, u32 len, u16 type, u32 nparams`.
    pub const HEADER_LEN: usize = 26;
    /// Size of the v1 event header (no `nparams`), as in EV/EVF v1 file blocks.
    pub const HEADER_LEN_V1: usize = 22;

    /// Offsets of the header fields inside an event record.
    pub mod hdr {
        /// `u64` timestamp, ns since the epoch.
        pub const TS: usize = 0;
        /// `u64` thread id.
        pub const TID: usize = 8;
        /// `u32` total record length.
        pub const LEN: usize = 16;
        /// `u16` event type.
        pub const TYPE: usize = 20;
        /// `u32` parameter count (absent in v1 headers).
        pub const NPARAMS: usize = 22;
    }

    /// Parameter types (`enum ppm_param_type`), numbered as libscap numbers them.
    #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
    #[repr(u8)]
    pub enum ParamType {
        /// No type.
        None = 0,
        /// `i8`.
        Int8 = 1,
        /// `i16`.
        Int16 = 2,
        /// `i32`.
        Int32 = 3,
        /// `i64`.
        Int64 = 4,
        /// `u8`.
        Uint8 = 5,
        /// `u16`.
        Uint16 = 6,
        /// `u32`.
        Uint32 = 7,
        /// `u64`.
        Uint64 = 8,
        /// NUL-terminated string (the NUL is counted in the length).
        Charbuf = 9,
        /// Raw bytes.
        Bytebuf = 10,
        /// `i64` return value; negative errno on failure.
        Errno = 11,
        /// Socket address: `u8 family` + family-specific payload.
        Sockaddr = 12,
        /// Socket tuple: `u8 family` + source and destination.
        Socktuple = 13,
        /// `i64` file descriptor.
        Fd = 14,
        /// `i64` process or thread id.
        Pid = 15,
        /// `u16 count` + count x (`i64 fd`, `i16 flags`).
        Fdlist = 16,
        /// NUL-terminated absolute or cwd-relative path.
        Fspath = 17,
        /// `u16` PPM_SC syscall code.
        Syscallid = 18,
        /// `u8` signal number.
        Sigtype = 19,
        /// `u64` relative time, ns.
        Reltime = 20,
        /// `u64` absolute time, ns since the epoch.
        Abstime = 21,
        /// `u16` port, host order.
        Port = 22,
        /// `u8` layer-4 protocol.
        L4proto = 23,
        /// `u8` socket family.
        Sockfamily = 24,
        /// `u32` boolean.
        Bool = 25,
        /// 4 raw bytes, network order.
        Ipv4addr = 26,
        /// `u8` index into the parameter's sub-type list, then the value.
        Dyn = 27,
        /// `u8` flags.
        Flags8 = 28,
        /// `u16` flags.
        Flags16 = 29,
        /// `u32` flags.
        Flags32 = 30,
        /// `u32` user id.
        Uid = 31,
        /// `u32` group id.
        Gid = 32,
        /// `f64`.
        Double = 33,
        /// `u32` signal set.
        Sigset = 34,
        /// In-memory array of strings (tracer events only; never meaningful on disk).
        Charbufarray = 35,
        /// In-memory array of string pairs (tracer events only).
        CharbufPairArray = 36,
        /// IPv4 network.
        Ipv4net = 37,
        /// 16 raw bytes.
        Ipv6addr = 38,
        /// IPv6 network.
        Ipv6net = 39,
        /// 4 or 16 raw bytes.
        Ipaddr = 40,
        /// IPv4 or IPv6 network.
        Ipnet = 41,
        /// `u32` file mode bits.
        Mode = 42,
        /// NUL-terminated path relative to a dirfd parameter.
        Fsrelpath = 43,
        /// `u8` enumeration rendered like flags.
        Enumflags8 = 44,
        /// `u16` enumeration rendered like flags.
        Enumflags16 = 45,
        /// `u32` enumeration rendered like flags.
        Enumflags32 = 46,
        /// A type this schema does not know (shown as `?` in the libs table).
        Unknown = 255,
    }

    impl ParamType {
        /// The fixed encoded width of this type, or `None` when variable-length.
        pub const fn fixed_len(self) -> Option<usize> {
            use ParamType::*;
            match self {
                Int8 | Uint8 | Flags8 | Sigtype | L4proto | Sockfamily | Enumflags8 => Some(1),
                Int16 | Uint16 | Flags16 | Syscallid | Port | Enumflags16 => Some(2),
                Int32 | Uint32 | Flags32 | Mode | Uid | Gid | Sigset | Bool | Enumflags32
                | Ipv4addr => Some(4),
                Int64 | Errno | Fd | Pid | Uint64 | Reltime | Abstime | Double => Some(8),
                Ipv6addr => Some(16),
                _ => Option::None,
            }
        }

        /// The libscap name without the `PT_` prefix, as in the TSV tables.
        pub const fn name(self) -> &'static str {
            use ParamType::*;
            match self {
                None => "NONE",
                Int8 => "INT8",
                Int16 => "INT16",
                Int32 => "INT32",
                Int64 => "INT64",
                Uint8 => "UINT8",
                Uint16 => "UINT16",
                Uint32 => "UINT32",
                Uint64 => "UINT64",
                Charbuf => "CHARBUF",
                Bytebuf => "BYTEBUF",
                Errno => "ERRNO",
                Sockaddr => "SOCKADDR",
                Socktuple => "SOCKTUPLE",
                Fd => "FD",
                Pid => "PID",
                Fdlist => "FDLIST",
                Fspath => "FSPATH",
                Syscallid => "SYSCALLID",
                Sigtype => "SIGTYPE",
                Reltime => "RELTIME",
                Abstime => "ABSTIME",
                Port => "PORT",
                L4proto => "L4PROTO",
                Sockfamily => "SOCKFAMILY",
                Bool => "BOOL",
                Ipv4addr => "IPV4ADDR",
                Dyn => "DYN",
                Flags8 => "FLAGS8",
                Flags16 => "FLAGS16",
                Flags32 => "FLAGS32",
                Uid => "UID",
                Gid => "GID",
                Double => "DOUBLE",
                Sigset => "SIGSET",
                Charbufarray => "CHARBUFARRAY",
                CharbufPairArray => "CHARBUF_PAIR_ARRAY",
                Ipv4net => "IPV4NET",
                Ipv6addr => "IPV6ADDR",
                Ipv6net => "IPV6NET",
                Ipaddr => "IPADDR",
                Ipnet => "IPNET",
                Mode => "MODE",
                Fsrelpath => "FSRELPATH",
                Enumflags8 => "ENUMFLAGS8",
                Enumflags16 => "ENUMFLAGS16",
                Enumflags32 => "ENUMFLAGS32",
                Unknown => "?",
            }
        }
    }

    /// Extra information some parameter types need.
    #[derive(Clone, Copy, Debug, PartialEq, Eq)]
    pub enum ParamAux {
        /// Nothing extra.
        None,
        /// `FSRELPATH`: index of the dirfd parameter it is relative to.
        DirFd(u8),
        /// `DYN`: the sub-types selected by the leading index byte.
        Dyn(&'static [ParamType]),
    }

    /// One parameter of an event type.
    #[derive(Clone, Copy, Debug, PartialEq, Eq)]
    pub struct ParamInfo {
        /// Parameter name, as in `evt.arg.NAME`.
        pub name: &'static str,
        /// Encoded type.
        pub ty: ParamType,
        /// Type-specific extra.
        pub aux: ParamAux,
    }

    /// Event direction.
    #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
    pub enum Direction {
        /// Syscall entry (even ids).
        Enter,
        /// Syscall exit (odd ids).
        Exit,
    }

    impl Direction {
        /// Direction of an event id: even ids enter, odd ids exit.
        pub const fn of(id: u16) -> Direction {
            if id & 1 == 0 {
                Direction::Enter
            } else {
                Direction::Exit
            }
        }

        /// `>` for enter and `<` for exit, as `evt.dir` shows it.
        pub const fn symbol(self) -> &'static str {
            match self {
                Direction::Enter => ">",
                Direction::Exit => "<",
            }
        }
    }

    /// One event type.
    #[derive(Clone, Copy, Debug, PartialEq, Eq)]
    pub struct EventInfo {
        /// Event name (`evt.type`); generic events take the name of their syscall.
        pub name: &'static str,
        /// Direction.
        pub dir: Direction,
        /// libscap event category (`EC_*`), only known for the e5c53d64 table (0 otherwise).
        pub category: u32,
        /// `EF_*` flags.
        pub flags: u32,
        /// Parameters in encoding order.
        pub params: &'static [ParamInfo],
    }

    impl EventInfo {
        /// Whether parameter lengths are `u32` (`EF_LARGE_PAYLOAD`) instead of `u16`.
        pub const fn large_payload(&self) -> bool {
            self.flags & flags::EF_LARGE_PAYLOAD != 0
        }

        /// Width in bytes of one entry of the parameter-length array.
        pub const fn len_width(&self) -> usize {
            if self.large_payload() {
                4
            } else {
                2
            }
        }

        /// Whether this id is an unused placeholder slot (`EF_UNUSED`).
        pub const fn unused(&self) -> bool {
            self.flags & flags::EF_UNUSED != 0
        }
    }

    /// `EF_*` event flags.
    pub mod flags {
        /// Creates a file descriptor.
        pub const EF_CREATES_FD: u32 = 1 << 0;
        /// Destroys a file descriptor.
        pub const EF_DESTROYS_FD: u32 = 1 << 1;
        /// Uses the fd of its first parameter.
        pub const EF_USES_FD: u32 = 1 << 2;
        /// Reads from an fd.
        pub const EF_READS_FROM_FD: u32 = 1 << 3;
        /// Writes to an fd.
        pub const EF_WRITES_TO_FD: u32 = 1 << 4;
        /// Modifies process state.
        pub const EF_MODIFIES_STATE: u32 = 1 << 5;
        /// Unused slot.
        pub const EF_UNUSED: u32 = 1 << 6;
        /// Waits.
        pub const EF_WAITS: u32 = 1 << 7;
        /// Skipped by the parser.
        pub const EF_SKIPPARSERESET: u32 = 1 << 8;
        /// Superseded by a newer event id.
        pub const EF_OLD_VERSION: u32 = 1 << 9;
        /// Dropped in simple-consumer mode (retired upstream later).
        pub const EF_DROP_SIMPLE_CONS: u32 = 1 << 10;
        /// Parameter lengths are `u32`.
        pub const EF_LARGE_PAYLOAD: u32 = 1 << 11;
        /// Converted on read by newer libscap.
        pub const EF_CONVERTER_MANAGED: u32 = 1 << 12;
    }

    include!("event_table.rs");

    /// The event table used for decoding: libs master, a superset of what sysdig 0.29.3 knows
    /// (new parameters are appended, so older records decode positionally).
    pub fn info(id: u16) -> Option<&'static EventInfo> {
        EVENTS_MASTER.get(id as usize)
    }

    /// The event table we write: libs e5c53d64, the one sysdig 0.29.3 reads.
    pub fn info_e5c53d64(id: u16) -> Option<&'static EventInfo> {
        EVENTS_E5C53D64.get(id as usize)
    }

    /// Name of a PPM_SC syscall code (the `ID` parameter of generic events).
    pub fn ppm_sc_name(code: u16) -> Option<&'static str> {
        PPM_SC_NAMES.get(code as usize).copied()
    }
}

/// x86_64 syscall numbers -> PPM_SC codes and the event ids the drivers emit for them
/// (the `g_syscall_table` facts of libs e5c53d64).
pub mod syscall {
    include!("syscall_table.rs");
}

/// libscap's normalized flag encodings (`PPM_O_*`, `PPM_MAP_*`, `PPM_CL_*`, ...), their
/// symbolic names for rendering, and Linux -> PPM conversions used by the drivers.
pub mod flags {
    include!("flags_table.rs");
}

/// A `no_std`, allocation-free event encoder writing scap event records into a caller
/// buffer; used by the kernel module, the eBPF test harness and `scap`'s writer.
pub mod encode {
    include!("encode.rs");
}

/// The per-CPU ring-buffer protocol between the kernel module and `scap::ring`.
///
/// ```text
///  device /dev/harrier, one mmap per CPU at offset cpu * CPU_MMAP_STRIDE:
///  +---------------------+  offset 0               read-only: kernel-owned
///  | RingHeader (page 0) |  producer position, counters
///  +---------------------+  offset PAGE_SIZE       read-write: reader-owned
///  | RingConsumer (pg 1) |  consumer position
///  +---------------------+  offset 2 * PAGE_SIZE   read-only
///  | data[data_size]     |  records, each 8-byte aligned
///  +---------------------+
/// ```
///
/// Positions are free-running `u64` byte counters; the byte offset in `data` is
/// `pos % data_size` (`data_size` is a power of two). A record is a complete scap event
/// record (`event::HEADER_LEN` header + lengths + values) and occupies
/// `record_space(len)` bytes. A record never wraps: when fewer than `record_space(len)`
/// bytes remain before the end of `data`, the producer writes a pad record (type
/// [`ring::PAD_EVENT_TYPE`], `len` = bytes to the end) when at least `MIN_RECORD` bytes
/// remain, and otherwise leaves the tail implicit; in both cases the consumer skips to the
/// next multiple of `data_size`.
///
/// Device rules (kmod): one reader at a time (a second `open` fails with `EBUSY`); `open`
/// resets every ring (positions and counters to 0); capture runs between the `START` and
/// `STOP` ioctls, and `release` stops it. Each `mmap` maps exactly one region of one CPU:
/// the header page (`PAGE_SIZE`, read-only: `PROT_WRITE` is refused and `mprotect` cannot
/// add it), the consumer page (`PAGE_SIZE`, read-write), or the data area (`data_size`,
/// read-only). `STOP` returns only when no probe can still be writing, so a drain after it
/// sees every event and final counters. The module cannot be unloaded while the device is
/// open or mapped (`rmmod` fails with `EBUSY`).
///
/// Ordering: the producer writes the record bytes, then stores `producer_pos` with release
/// semantics; the consumer loads `producer_pos` with acquire, reads records, then stores
/// `consumer_pos` with release; the producer loads `consumer_pos` with acquire before
/// reserving. Free space is `data_size - (producer_pos - consumer_pos)`.
pub mod ring {
    /// Page size assumed by the layout (x86_64).
    pub const PAGE_SIZE: usize = 4096;
    /// Magic in `RingHeader::magic`: "HRRB".
    pub const RING_MAGIC: u32 = 0x4252_5248;
    /// Distance between the mmap offsets of two CPUs' rings (1 TiB of offset space).
    pub const CPU_MMAP_STRIDE: u64 = 1 << 40;
    /// Offset of the header page inside one CPU's mapping.
    pub const HEADER_OFFSET: u64 = 0;
    /// Offset of the consumer page inside one CPU's mapping.
    pub const CONSUMER_OFFSET: u64 = PAGE_SIZE as u64;
    /// Offset of the data area inside one CPU's mapping.
    pub const DATA_OFFSET: u64 = 2 * PAGE_SIZE as u64;
    /// Record alignment in the data area.
    pub const RECORD_ALIGN: usize = 8;
    /// Smallest record the producer writes (the event header, aligned).
    pub const MIN_RECORD: usize = record_space(super::event::HEADER_LEN);
    /// Event type of a pad record (never a real event id).
    pub const PAD_EVENT_TYPE: u16 = 0xFFFF;
    /// Default per-CPU data size (8 MiB).
    pub const DEFAULT_DATA_SIZE: usize = 8 << 20;
    /// Smallest accepted per-CPU data size.
    pub const MIN_DATA_SIZE: usize = 64 << 10;
    /// Largest accepted per-CPU data size.
    pub const MAX_DATA_SIZE: usize = 1 << 30;
    /// Default number of bytes captured from I/O buffers (read/write data).
    pub const DEFAULT_SNAPLEN: u32 = 80;
    /// Largest accepted snaplen.
    pub const MAX_SNAPLEN: u32 = 65000;
    /// Number of syscall numbers the interest mask covers.
    pub const SYSCALL_MASK_BITS: usize = 512;

    /// Bytes one record of `len` bytes occupies in the data area.
    pub const fn record_space(len: usize) -> usize {
        (len + RECORD_ALIGN - 1) & !(RECORD_ALIGN - 1)
    }

    /// The kernel-owned header page of one CPU's ring (read-only for the reader).
    #[derive(Clone, Copy, Debug)]
    #[repr(C)]
    pub struct RingHeader {
        /// [`RING_MAGIC`].
        pub magic: u32,
        /// `API_VERSION.major`.
        pub api_major: u32,
        /// CPU this ring belongs to.
        pub cpu: u32,
        /// Reserved, zero.
        pub reserved: u32,
        /// Size of the data area in bytes (power of two).
        pub data_size: u64,
        /// Free-running producer position (bytes). Written with release ordering.
        pub producer_pos: u64,
        /// Events written into the ring.
        pub n_evts: u64,
        /// Events dropped because the ring was full.
        pub n_drops_buffer: u64,
        /// Events written with a parameter truncated or empty because user memory could
        /// not be read (page fault with faults disabled).
        pub n_drops_pf: u64,
        /// Events dropped because they were larger than the data area or failed to
        /// encode (a parameter too long for the per-CPU scratch buffer).
        pub n_drops_too_big: u64,
        /// Events the probes attempted while capturing (after the interest mask). Each
        /// ends in exactly one of `n_evts`, `n_drops_buffer`, `n_drops_too_big`, so
        /// `n_seen = n_evts + n_drops_buffer + n_drops_too_big` ("produced = consumed +
        /// dropped" once the reader has drained the ring).
        pub n_seen: u64,
        /// Reserved, always 0 in the kmod: a syscall outside the interest mask costs one
        /// bit test and is not counted.
        pub n_filtered: u64,
        /// Reserved, always 0 in the kmod: nothing is recorded while capture is stopped.
        pub n_drops_stopped: u64,
    }
    const _: () = assert!(core::mem::size_of::<RingHeader>() == 88);
    const _: () = assert!(core::mem::size_of::<RingHeader>() <= PAGE_SIZE);

    /// Byte offset of `RingHeader::producer_pos` (for atomic access).
    pub const PRODUCER_POS_OFFSET: usize = 24;

    /// The reader-owned consumer page of one CPU's ring.
    #[derive(Clone, Copy, Debug)]
    #[repr(C)]
    pub struct RingConsumer {
        /// Free-running consumer position (bytes). Written with release ordering.
        pub consumer_pos: u64,
    }
    const _: () = assert!(core::mem::size_of::<RingConsumer>() == 8);

    /// Statistics of one CPU, as returned by [`ioctl::GET_STATS`] in an array.
    #[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
    #[repr(C)]
    pub struct CpuStats {
        /// Events written.
        pub n_evts: u64,
        /// Dropped: ring full.
        pub n_drops_buffer: u64,
        /// Truncated user-memory reads.
        pub n_drops_pf: u64,
        /// Dropped: too big.
        pub n_drops_too_big: u64,
        /// Tracepoint invocations seen.
        pub n_seen: u64,
        /// Invocations skipped by the interest mask.
        pub n_filtered: u64,
        /// Dropped while stopped.
        pub n_drops_stopped: u64,
    }
    const _: () = assert!(core::mem::size_of::<CpuStats>() == 56);

    /// Module information returned by [`ioctl::GET_INFO`].
    #[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
    #[repr(C)]
    pub struct DriverInfo {
        /// `API_VERSION.packed()`.
        pub api_version: u64,
        /// `SCHEMA_VERSION.packed()`.
        pub schema_version: u64,
        /// Number of possible CPUs (= number of rings).
        pub n_cpus: u32,
        /// Snaplen in force.
        pub snaplen: u32,
        /// Per-CPU data size in bytes.
        pub data_size: u64,
        /// 1 while capturing.
        pub capturing: u32,
        /// Reserved, zero.
        pub reserved: u32,
    }
    const _: () = assert!(core::mem::size_of::<DriverInfo>() == 40);

    /// The ioctl interface of `/dev/harrier`.
    pub mod ioctl {
        /// ioctl type byte ('h').
        pub const MAGIC: u32 = b'h' as u32;

        const IOC_NONE: u32 = 0;
        const IOC_WRITE: u32 = 1;
        const IOC_READ: u32 = 2;

        const fn ioc(dir: u32, nr: u32, size: u32) -> u32 {
            (dir << 30) | (size << 16) | (MAGIC << 8) | nr
        }

        /// Start capture (no argument).
        pub const START: u32 = ioc(IOC_NONE, 1, 0);
        /// Stop capture (no argument).
        pub const STOP: u32 = ioc(IOC_NONE, 2, 0);
        /// Set the snaplen: pointer to a `u32` in `1..=MAX_SNAPLEN`.
        pub const SET_SNAPLEN: u32 = ioc(IOC_WRITE, 3, 4);
        /// Set the syscall interest mask: pointer to `[u64; SYSCALL_MASK_BITS / 64]`,
        /// bit `n` set = syscall number `n` is captured. Process events (fork, exec, exit)
        /// are always captured.
        pub const SET_SYSCALL_MASK: u32 = ioc(IOC_WRITE, 4, 64);
        /// Read [`super::DriverInfo`].
        pub const GET_INFO: u32 = ioc(IOC_READ, 5, 40);
        /// Read one CPU's [`super::CpuStats`]: pointer to a `u32` CPU number on input,
        /// overwritten with the stats (the buffer must be 56 bytes).
        pub const GET_STATS: u32 = ioc(IOC_READ | IOC_WRITE, 6, 56);
    }
}
