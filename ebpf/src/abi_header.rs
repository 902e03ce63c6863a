//! Generation of `ebpf/probe/harrier_abi.h`, the C view of `scap-abi` the BPF probe is
//! compiled against: event ids, parameter counts, per-parameter "skeleton" codes, the
//! x86_64 syscall -> event table, ring/snaplen limits and the Linux -> PPM flag
//! conversions.
//!
//! The conversions are not hand-copied: each Rust conversion function of
//! `scap_abi::flags` is *evaluated* here and turned into a C form the generator can prove
//! equivalent (a per-bit OR table for bit-mapping functions, a `switch` for enumerations,
//! a lookup table for small domains). [`generate`] checks every derived C form against the
//! Rust function on single bits, bit pairs and pseudo-random inputs and fails rather than
//! emit a table that disagrees. The checked-in header is compared with [`generate`]'s
//! output by this module's test, so a schema change without regeneration fails the build.

use core::fmt::Write as _;

use scap_abi::event::{self, ParamType};
use scap_abi::flags as fl;
use scap_abi::syscall;

/// Skeleton code of a parameter: zero value of `code & SK_WIDTH` bytes (0 = empty).
pub const SK_WIDTH: u8 = 0x1f;
/// Skeleton flag: the parameter is the syscall result (first parameter of an exit).
pub const SK_RES: u8 = 0x80;
/// Skeleton flag: the parameter is the fd in argument 0 (first `fd` parameter of an enter).
pub const SK_FD0: u8 = 0x40;

/// Why the header could not be generated (a conversion has no exact C form).
#[derive(Debug, thiserror::Error)]
#[error("gen-abi-header: {0}")]
pub struct GenError(String);

fn cname(name: &str) -> String {
    name.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_uppercase()
            } else {
                '_'
            }
        })
        .collect()
}

/// The event ids the probe names: `HE_SYS_<SYSCALL>_E/X` for every x86_64 syscall with a
/// dedicated event (so dup2 names the dup pair and accept4 the accept4 pair, whatever the
/// event is called), plus generic and procexit.
pub fn event_names() -> Vec<(String, u16)> {
    let mut out: Vec<(String, u16)> = vec![
        ("HE_GENERIC_E".into(), syscall::GENERIC_E),
        ("HE_GENERIC_X".into(), syscall::GENERIC_X),
        ("HE_PROCEXIT_E".into(), event::ids::PROCEXIT_E),
    ];
    for nr in 0..syscall::TABLE_SIZE as u32 {
        let Some(i) = syscall::info(nr) else { continue };
        if !i.is_defined() || i.is_generic() {
            continue;
        }
        out.push((format!("HE_SYS_{}_E", cname(i.name)), i.enter));
        out.push((format!("HE_SYS_{}_X", cname(i.name)), i.exit));
    }
    out
}

/// Skeleton code of parameter `i` of event `id` (mirrors the kmod's `fill_skeleton`).
pub fn skeleton_code(id: u16, i: usize, p: &event::ParamInfo) -> u8 {
    let exit = id & 1 == 1;
    let width = p.ty.fixed_len().unwrap_or(0) as u8;
    match p.ty {
        ParamType::Errno | ParamType::Fd | ParamType::Pid if exit && i == 0 => SK_RES | 8,
        ParamType::Fd if !exit && i == 0 && p.name == "fd" => SK_FD0 | 8,
        _ => width & SK_WIDTH,
    }
}

/// Deterministic pseudo-random inputs (xorshift) for the equivalence checks.
fn samples() -> impl Iterator<Item = u64> {
    let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
    (0..20000).map(move |_| {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        x
    })
}

fn check_inputs() -> impl Iterator<Item = u64> {
    let singles = (0..64).map(|b| 1u64 << b);
    let pairs = (0..64).flat_map(|a| (0..64).map(move |b| (1u64 << a) | (1u64 << b)));
    core::iter::once(0)
        .chain(singles)
        .chain(pairs)
        .chain(samples())
}

/// Emits `static __always_inline __u32 NAME(__u64 v)` for a function that is the OR of
/// per-bit contributions over bits `lo..64`, plus (when `lo == 2`) a table of the low two
/// bits (the open access mode).
fn bitmap_fn(
    out: &mut String,
    name: &str,
    lo: u32,
    f: impl Fn(u64) -> u32,
) -> Result<(), GenError> {
    let base = f(0);
    let low: Vec<u32> = (0..(1u64 << lo)).map(&f).collect();
    let bits: Vec<(u32, u32)> = (lo..64)
        .map(|b| (b, f(1u64 << b) & !base))
        .filter(|&(_, v)| v != 0)
        .collect();
    let model = |x: u64| {
        let mut r = low[(x & ((1u64 << lo) - 1)) as usize];
        for &(b, v) in &bits {
            if x & (1u64 << b) != 0 {
                r |= v;
            }
        }
        r
    };
    for x in check_inputs() {
        if model(x) != f(x) {
            return Err(GenError(format!("{name}: no per-bit form (input {x:#x})")));
        }
    }
    let _ = writeln!(out, "static __always_inline __u32 {name}(__u64 v)\n{{");
    if lo == 0 {
        let _ = writeln!(out, "\t__u32 r = {:#x};", low[0]);
    } else {
        let _ = writeln!(out, "\t__u32 r;");
        let _ = writeln!(out, "\tswitch (v & {:#x}) {{", (1u64 << lo) - 1);
        for (i, v) in low.iter().enumerate() {
            let _ = writeln!(out, "\tcase {i}: r = {v:#x}; break;");
        }
        let _ = writeln!(out, "\tdefault: r = 0; break;\n\t}}");
    }
    for (b, v) in bits {
        let _ = writeln!(out, "\tif (v & {:#x}ULL) r |= {v:#x};", 1u64 << b);
    }
    let _ = writeln!(out, "\treturn r;\n}}\n");
    Ok(())
}

/// Emits a `switch` over the inputs `0..domain` whose result differs from the default
/// (the function's value far outside the domain), checked on the domain and beyond.
fn enum_fn(
    out: &mut String,
    name: &str,
    ty: &str,
    domain: u64,
    f: impl Fn(u64) -> u32,
) -> Result<(), GenError> {
    let dflt = f(u64::MAX);
    for x in (domain..domain + 4096).chain(samples().filter(|&x| x >= domain)) {
        if f(x) != dflt {
            return Err(GenError(format!(
                "{name}: value outside the domain at {x:#x}"
            )));
        }
    }
    let _ = writeln!(
        out,
        "static __always_inline {ty} {name}(__u64 v)\n{{\n\tswitch (v) {{"
    );
    for x in 0..domain {
        let v = f(x);
        if v != dflt {
            let _ = writeln!(out, "\tcase {x:#x}: return {v:#x};");
        }
    }
    let _ = writeln!(out, "\tdefault: return {dflt:#x};\n\t}}\n}}\n");
    Ok(())
}

/// The header text.
pub fn generate() -> Result<String, GenError> {
    let mut o = String::new();
    o.push_str(
        "/* SPDX-License-Identifier: Apache-2.0 */\n\
         /* @generated by `cargo run -p harrier-tools --bin gen-abi-header` from the scap-abi\n \
         * crate (scap/abi/src/defs.rs); do not edit. `cargo test -p harrier-ebpf` fails when\n \
         * this file is stale. Facts: libs e5c53d64 event table (what sysdig 0.29.3 reads),\n \
         * x86_64 syscall table, PPM flag encodings. */\n\
         #ifndef HARRIER_ABI_H\n#define HARRIER_ABI_H\n\n",
    );
    let a = scap_abi::API_VERSION;
    let s = scap_abi::SCHEMA_VERSION;
    let _ = writeln!(o, "#define HARRIER_API_VERSION_MAJOR {}", a.major);
    let _ = writeln!(o, "#define HARRIER_SCHEMA_VERSION {:#x}ULL", s.packed());
    let _ = writeln!(o, "#define HARRIER_EVT_HDR_LEN {}", event::HEADER_LEN);
    let n_events = event::EVENTS_E5C53D64.len();
    let _ = writeln!(o, "#define HARRIER_NUM_EVENTS {n_events}");
    let _ = writeln!(
        o,
        "#define HARRIER_SYSCALL_TABLE_SIZE {}",
        syscall::TABLE_SIZE
    );
    let maxp = event::EVENTS_E5C53D64
        .iter()
        .map(|e| e.params.len())
        .max()
        .unwrap_or(0);
    let _ = writeln!(o, "#define HARRIER_MAX_PARAMS {maxp}");
    let _ = writeln!(
        o,
        "#define HARRIER_DEFAULT_SNAPLEN {}",
        scap_abi::ring::DEFAULT_SNAPLEN
    );
    let _ = writeln!(
        o,
        "#define HARRIER_MAX_SNAPLEN {}",
        scap_abi::ring::MAX_SNAPLEN
    );
    let _ = writeln!(o, "#define HARRIER_SK_WIDTH {SK_WIDTH:#x}");
    let _ = writeln!(o, "#define HARRIER_SK_RES {SK_RES:#x}");
    let _ = writeln!(o, "#define HARRIER_SK_FD0 {SK_FD0:#x}\n");

    o.push_str("/* Event ids (current versions of the e5c53d64 table). */\n");
    for (n, id) in event_names() {
        let _ = writeln!(o, "#define {n} {id}");
    }

    o.push_str("\n/* PPM constants the probe sets itself. */\n");
    for (n, v) in [
        ("PPM_CL_CHILD_IN_PIDNS", fl::PPM_CL_CHILD_IN_PIDNS),
        ("PPM_CL_CLONE_VM", fl::PPM_CL_CLONE_VM),
        ("PPM_CL_CLONE_VFORK", fl::PPM_CL_CLONE_VFORK),
        ("PPM_AF_UNSPEC", fl::PPM_AF_UNSPEC),
        ("PPM_AF_UNIX", fl::PPM_AF_UNIX),
        ("PPM_AF_INET", fl::PPM_AF_INET),
        ("PPM_AF_INET6", fl::PPM_AF_INET6),
    ] {
        let _ = writeln!(o, "#define {n} {v:#x}");
    }
    o.push_str("\n/* Linux values the conversions test (uapi, x86_64). */\n");
    for (n, v) in [
        ("HARRIER_O_CREAT", fl::linux::O_CREAT),
        ("HARRIER_O_TMPFILE", fl::linux::O_TMPFILE),
        ("HARRIER_AT_EMPTY_PATH", fl::linux::AT_EMPTY_PATH),
        (
            "HARRIER_AT_SYMLINK_NOFOLLOW",
            fl::linux::AT_SYMLINK_NOFOLLOW,
        ),
    ] {
        let _ = writeln!(o, "#define {n} {v:#x}");
    }

    // Syscall table: {enter id, PPM_SC}; the exit id is always enter + 1.
    o.push_str(
        "\n/* x86_64 syscall number -> enter event id (exit = enter + 1; 0 = generic) and\n \
         * PPM_SC code (the ID parameter of generic events). */\n\
         struct harrier_sc {\n\t__u16 enter;\n\t__u16 ppm_sc;\n};\n\n\
         static const struct harrier_sc harrier_syscalls[HARRIER_SYSCALL_TABLE_SIZE] = {\n",
    );
    for nr in 0..syscall::TABLE_SIZE as u32 {
        let Some(i) = syscall::info(nr) else { continue };
        if i.exit != i.enter + 1 {
            return Err(GenError(format!("syscall {nr}: exit id is not enter + 1")));
        }
        if i.enter == 0 && i.ppm_sc == 0 {
            continue;
        }
        let _ = writeln!(
            o,
            "\t[{nr}] = {{ {}, {} }}, /* {} */",
            i.enter, i.ppm_sc, i.name
        );
    }
    o.push_str("};\n\n");

    o.push_str(
        "/* Parameter count of every event id, and the skeleton code of each parameter\n \
         * (dedicated events without a filler: zero value of (code & HARRIER_SK_WIDTH)\n \
         * bytes, empty when 0; HARRIER_SK_RES = the result, HARRIER_SK_FD0 = fd arg 0). */\n",
    );
    let _ = writeln!(
        o,
        "static const __u8 harrier_nparams[HARRIER_NUM_EVENTS] = {{"
    );
    for chunk in event::EVENTS_E5C53D64.chunks(16) {
        let line: Vec<String> = chunk.iter().map(|e| e.params.len().to_string()).collect();
        let _ = writeln!(o, "\t{},", line.join(", "));
    }
    o.push_str("};\n\n");
    let _ = writeln!(
        o,
        "static const __u8 harrier_skel[HARRIER_NUM_EVENTS][HARRIER_MAX_PARAMS] = {{"
    );
    for (id, e) in event::EVENTS_E5C53D64.iter().enumerate() {
        if e.params.is_empty() {
            continue;
        }
        let codes: Vec<String> = e
            .params
            .iter()
            .enumerate()
            .map(|(i, p)| format!("{:#x}", skeleton_code(id as u16, i, p)))
            .collect();
        let _ = writeln!(o, "\t[{id}] = {{ {} }}, /* {} */", codes.join(", "), e.name);
    }
    o.push_str("};\n\n");

    o.push_str("/* Linux -> PPM conversions, derived from scap_abi::flags and checked. */\n");
    bitmap_fn(&mut o, "harrier_open_flags", 2, fl::open_flags_to_scap)?;
    bitmap_fn(&mut o, "harrier_clone_flags", 0, fl::clone_flags_to_scap)?;
    bitmap_fn(&mut o, "harrier_prot_flags", 0, fl::prot_flags_to_scap)?;
    bitmap_fn(&mut o, "harrier_mmap_flags", 0, fl::mmap_flags_to_scap)?;
    bitmap_fn(
        &mut o,
        "harrier_openat2_resolve",
        0,
        fl::openat2_resolve_to_scap,
    )?;
    bitmap_fn(
        &mut o,
        "harrier_execveat_flags",
        0,
        fl::execveat_flags_to_scap,
    )?;
    bitmap_fn(
        &mut o,
        "harrier_unlinkat_flags",
        0,
        fl::unlinkat_flags_to_scap,
    )?;
    bitmap_fn(&mut o, "harrier_linkat_flags", 0, fl::linkat_flags_to_scap)?;
    bitmap_fn(
        &mut o,
        "harrier_renameat2_flags",
        0,
        fl::renameat2_flags_to_scap,
    )?;
    bitmap_fn(&mut o, "harrier_umount_flags", 0, |v| {
        fl::umount_flags_to_scap(v & 0xffff_ffff)
    })?;
    enum_fn(&mut o, "harrier_ptrace_request", "__u16", 0x4300, |v| {
        fl::ptrace_request_to_scap(v) as u32
    })?;
    enum_fn(&mut o, "harrier_socket_family", "__u8", 64, |v| {
        fl::socket_family_to_scap(v) as u32
    })?;
    o.push_str("#endif /* HARRIER_ABI_H */\n");
    Ok(o)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The checked-in header is what the generator writes today.
    #[test]
    fn checked_in_header_is_current() {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/probe/harrier_abi.h");
        let have = std::fs::read_to_string(path).unwrap_or_default();
        let want = generate().expect("generate");
        assert!(
            have == want,
            "{path} is stale: run `cargo run -p harrier-tools --bin gen-abi-header -- {path}` \
             and rebuild the probe (scripts/ebpf-build.sh)"
        );
    }

    /// Every syscall with a dedicated event names a current event id.
    #[test]
    fn syscall_events_have_names() {
        let names = event_names();
        for nr in 0..syscall::TABLE_SIZE as u32 {
            let i = syscall::info(nr).expect("in table");
            if i.enter != 0 {
                assert!(
                    names.iter().any(|&(_, id)| id == i.enter),
                    "syscall {nr} enter {}",
                    i.enter
                );
            }
        }
    }

    /// A bit-mapping conversion that is not an OR of bits is refused.
    #[test]
    fn non_bitmap_function_is_refused() {
        let mut s = String::new();
        assert!(bitmap_fn(&mut s, "x", 0, |v| (v as u32).wrapping_mul(3)).is_err());
        assert!(enum_fn(&mut s, "y", "__u8", 4, |v| v as u32).is_err());
    }
}
