// x86_64 syscall number -> (PPM_SC code, enter/exit event ids, UF_* flags), as the kernel
// module of falcosecurity/libs e5c53d64 (sysdig 0.29.3) emits them. Included into
// `pub mod syscall { }` by defs.rs: core only, no `mod`, no unsafe.
//
// Data flow: the drivers look a raw syscall number up with [`info`] to pick the event id
// (dedicated pair, or generic 0/1 carrying [`SyscallInfo::ppm_sc`]); the rule engine turns
// the `evt.type` names its rules need into a syscall-number mask with [`mask_add_event_type`]
// and pushes it down with `ring::ioctl::SET_SYSCALL_MASK`.

/// Number of syscall numbers covered (x86_64 `SYSCALL_TABLE_SIZE`).
pub const TABLE_SIZE: usize = 512;

/// `UF_USED`: the syscall has a table entry; without it the driver emits a generic event.
pub const UF_USED: u8 = 1 << 0;
/// `UF_NEVER_DROP`: kept even when the driver sheds load by sampling.
pub const UF_NEVER_DROP: u8 = 1 << 1;
/// `UF_ALWAYS_DROP`: dropped first when the driver sheds load by sampling.
pub const UF_ALWAYS_DROP: u8 = 1 << 2;
/// `UF_SIMPLEDRIVER_KEEP`: kept in "simple driver" mode (process, fd and network lifecycle).
pub const UF_SIMPLEDRIVER_KEEP: u8 = 1 << 3;

/// Event id of a generic enter event (`PPME_GENERIC_E`).
pub const GENERIC_E: u16 = 0;
/// Event id of a generic exit event (`PPME_GENERIC_X`).
pub const GENERIC_X: u16 = 1;

/// How the e5c53d64 kernel module handles one x86_64 syscall number.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SyscallInfo {
    /// Kernel name without `__NR_` (empty for numbers x86_64 does not define).
    pub name: &'static str,
    /// PPM_SC code (`ID` parameter of generic events; 0 = `<unknown>`).
    pub ppm_sc: u16,
    /// Enter event id (even); [`GENERIC_E`] when the syscall has no dedicated event.
    pub enter: u16,
    /// Exit event id (`enter + 1`).
    pub exit: u16,
    /// `UF_*` flags of the table entry (0 when the syscall has no entry).
    pub flags: u8,
}

impl SyscallInfo {
    /// Whether the driver emits the generic pair 0/1 for this syscall.
    pub const fn is_generic(&self) -> bool {
        self.enter == GENERIC_E
    }

    /// Whether x86_64 defines this syscall number at all.
    pub const fn is_defined(&self) -> bool {
        !self.name.is_empty()
    }

    /// The drop flags the driver applies: the entry's flags, or `UF_ALWAYS_DROP` for
    /// syscalls without an entry (the kmod records those as generic, always-drop events).
    pub const fn drop_flags(&self) -> u8 {
        if self.flags & UF_USED != 0 {
            self.flags
        } else {
            UF_ALWAYS_DROP
        }
    }

    /// The name `evt.type` shows for this syscall: the dedicated event's name, or the
    /// PPM_SC name for generic events (`<unknown>` for code 0).
    pub fn event_type_name(&self) -> &'static str {
        if self.is_generic() {
            match super::event::ppm_sc_name(self.ppm_sc) {
                Some(n) => n,
                None => "<unknown>",
            }
        } else {
            match super::event::info_e5c53d64(self.enter) {
                Some(e) => e.name,
                None => "<unknown>",
            }
        }
    }
}

const UNKNOWN: SyscallInfo = SyscallInfo {
    name: "",
    ppm_sc: 0,
    enter: GENERIC_E,
    exit: GENERIC_X,
    flags: 0,
};

include!("syscall_table_gen.rs");

/// The table entry of x86_64 syscall `nr`, or `None` when `nr >= TABLE_SIZE`.
pub const fn info(nr: u32) -> Option<&'static SyscallInfo> {
    if (nr as usize) < TABLE_SIZE {
        Some(&SYSCALLS_X86_64[nr as usize])
    } else {
        None
    }
}

/// Enter and exit event ids the driver emits for syscall `nr` (generic 0/1 when unknown).
pub const fn event_pair(nr: u32) -> (u16, u16) {
    match info(nr) {
        Some(s) => (s.enter, s.exit),
        None => (GENERIC_E, GENERIC_X),
    }
}

/// PPM_SC code of syscall `nr` (0 when libs e5c53d64 has none).
pub const fn ppm_sc(nr: u32) -> u16 {
    match info(nr) {
        Some(s) => s.ppm_sc,
        None => 0,
    }
}

const fn str_eq(a: &str, b: &str) -> bool {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    if a.len() != b.len() {
        return false;
    }
    let mut i = 0;
    while i < a.len() {
        if a[i] != b[i] {
            return false;
        }
        i += 1;
    }
    true
}

/// x86_64 number of the syscall called `name` (kernel spelling, e.g. `"openat"`).
pub const fn nr_by_name(name: &str) -> Option<u32> {
    if name.is_empty() {
        return None;
    }
    let mut i = 0;
    while i < TABLE_SIZE {
        if str_eq(SYSCALLS_X86_64[i].name, name) {
            return Some(i as u32);
        }
        i += 1;
    }
    None
}

/// A syscall interest mask in the layout of `ring::ioctl::SET_SYSCALL_MASK`
/// (bit `n` of word `n / 64` = syscall number `n`).
pub type SyscallMask = [u64; TABLE_SIZE / 64];

/// Sets in `mask` every syscall whose events have `evt.type == name` and returns how many
/// syscall numbers matched. A name matches a syscall when it is the syscall's own name,
/// the name of the dedicated event it emits (so `"dup"` covers dup, dup2 and dup3 and
/// `"umount"` covers umount2), or, for generic syscalls, its PPM_SC name.
pub fn mask_add_event_type(mask: &mut SyscallMask, name: &str) -> usize {
    let mut n = 0;
    for (nr, s) in SYSCALLS_X86_64.iter().enumerate() {
        if !s.is_defined() {
            continue;
        }
        let hit = s.name == name
            || (!s.is_generic() && s.event_type_name() == name)
            || (s.is_generic() && s.ppm_sc != 0 && s.event_type_name() == name);
        if hit {
            mask[nr / 64] |= 1u64 << (nr % 64);
            n += 1;
        }
    }
    n
}

/// Sets in `mask` every syscall whose dedicated enter or exit event id is `id` and returns
/// how many matched. For the generic ids 0 and 1 this selects every defined syscall the
/// driver reports generically (use [`mask_add_event_type`] with PPM_SC names to be narrower).
pub fn mask_add_event_id(mask: &mut SyscallMask, id: u16) -> usize {
    let mut n = 0;
    for (nr, s) in SYSCALLS_X86_64.iter().enumerate() {
        if s.is_defined() && (s.enter == id || s.exit == id) {
            mask[nr / 64] |= 1u64 << (nr % 64);
            n += 1;
        }
    }
    n
}

/// Iterator over the syscall numbers set in a [`SyscallMask`].
#[derive(Clone, Debug)]
pub struct MaskIter<'a> {
    mask: &'a SyscallMask,
    next: usize,
}

impl Iterator for MaskIter<'_> {
    type Item = u32;
    fn next(&mut self) -> Option<u32> {
        while self.next < TABLE_SIZE {
            let i = self.next;
            self.next += 1;
            if self.mask[i / 64] & (1u64 << (i % 64)) != 0 {
                return Some(i as u32);
            }
        }
        None
    }
}

/// The syscall numbers set in `mask`, ascending.
pub fn mask_iter(mask: &SyscallMask) -> MaskIter<'_> {
    MaskIter { mask, next: 0 }
}
