//! Checks of the syscall table (`scap_abi::syscall`) and the flag tables
//! (`scap_abi::flags`) against the TSV facts in `data/`, against the event table, against
//! scap-format.md §7, and of the Linux -> PPM conversions against the `libc` constants.

use scap_abi::event::{self, ParamType};
use scap_abi::flags::{self, PrintFormat};
use scap_abi::syscall::{self, SyscallMask};
use std::path::PathBuf;

fn tsv(name: &str) -> Vec<Vec<String>> {
    let p = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("data")
        .join(name);
    std::fs::read_to_string(&p)
        .unwrap_or_else(|e| panic!("{}: {e}", p.display()))
        .lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
        .map(|l| l.split('\t').map(str::to_string).collect())
        .collect()
}

#[test]
fn syscall_table_matches_tsv() {
    let rows = tsv("syscalls-x86_64-e5c53d64.tsv");
    assert!(rows.len() > 300, "too few rows: {}", rows.len());
    let mut seen = [false; syscall::TABLE_SIZE];
    for r in &rows {
        let nr: u32 = r[0].parse().unwrap();
        let s = syscall::info(nr).unwrap();
        seen[nr as usize] = true;
        assert_eq!(s.name, r[1], "nr {nr}");
        assert_eq!(s.ppm_sc.to_string(), r[2], "ppm_sc of {}", r[1]);
        assert_eq!(s.enter.to_string(), r[3], "enter of {}", r[1]);
        assert_eq!(s.exit.to_string(), r[4], "exit of {}", r[1]);
        assert_eq!(s.flags.to_string(), r[5], "flags of {}", r[1]);
        assert_eq!(syscall::nr_by_name(&r[1]), Some(nr));
    }
    for (nr, s) in syscall::SYSCALLS_X86_64.iter().enumerate() {
        if !seen[nr] {
            assert!(
                !s.is_defined() && s.is_generic() && s.ppm_sc == 0,
                "nr {nr}"
            );
        }
    }
    assert!(syscall::info(512).is_none());
    assert_eq!(syscall::event_pair(9999), (0, 1));
}

#[test]
fn syscall_table_is_consistent_with_event_and_ppm_sc_tables() {
    let sc_names: Vec<Vec<String>> = tsv("scap-ppm-sc-table-e5c53d64.tsv");
    for (nr, s) in syscall::SYSCALLS_X86_64.iter().enumerate() {
        assert_eq!(s.exit, s.enter + 1, "nr {nr}");
        if !s.is_generic() {
            let e = event::info_e5c53d64(s.enter).unwrap();
            let x = event::info_e5c53d64(s.exit).unwrap();
            assert_eq!(e.dir, event::Direction::Enter);
            assert_eq!(e.name, x.name);
            // The driver only emits the current layouts.
            assert_eq!(
                e.flags & event::flags::EF_OLD_VERSION,
                0,
                "{} uses old {}",
                s.name,
                s.enter
            );
            assert_eq!(e.flags & event::flags::EF_UNUSED, 0);
        }
        if s.ppm_sc != 0 {
            let row = &sc_names[s.ppm_sc as usize];
            assert_eq!(row[0], s.ppm_sc.to_string());
            // The PPM_SC name is the syscall's own name, except that x86_64 routes
            // rt_sigreturn to the `sigreturn` code.
            if s.name == "rt_sigreturn" {
                assert_eq!(row[1], "sigreturn");
            } else {
                assert_eq!(row[1], s.name, "PPM_SC {} of nr {nr}", s.ppm_sc);
            }
            assert_eq!(event::ppm_sc_name(s.ppm_sc), Some(row[1].as_str()));
        }
        // Generic events must carry a code the 0.29.3 reader can index.
        assert!((s.ppm_sc as usize) < 329);
    }
}

#[test]
fn syscall_facts_from_scap_format_section_7() {
    let f = |name: &str| syscall::info(syscall::nr_by_name(name).unwrap()).unwrap();
    let pair = |name: &str| (f(name).enter, f(name).exit);
    assert_eq!(pair("openat"), (306, 307));
    assert_eq!(pair("open"), (2, 3));
    assert_eq!(pair("execve"), (292, 293));
    assert_eq!(pair("execveat"), (330, 331));
    assert_eq!(pair("clone"), (222, 223));
    assert_eq!(pair("fork"), (224, 225));
    assert_eq!(pair("vfork"), (226, 227));
    assert_eq!(pair("clone3"), (334, 335));
    assert_eq!(pair("dup"), (124, 125));
    assert_eq!(pair("dup2"), (124, 125));
    assert_eq!(pair("dup3"), (124, 125));
    assert_eq!(pair("pipe"), (60, 61));
    assert_eq!(pair("pipe2"), (60, 61));
    assert_eq!(pair("umount2"), (258, 259));
    assert_eq!(pair("accept"), (246, 247));
    assert_eq!(pair("accept4"), (248, 249));
    assert_eq!(pair("ptrace"), (168, 169));
    assert_eq!(pair("mmap"), (160, 161));
    assert_eq!(pair("mprotect"), (328, 329));
    assert_eq!(pair("openat2"), (326, 327));
    assert_eq!(pair("renameat2"), (318, 319));
    assert_eq!(pair("setns"), (240, 241));
    assert_eq!(pair("unshare"), (284, 285));
    assert_eq!(pair("userfaultfd"), (320, 321));
    // Generic ones, with the codes listed in §7.
    for (name, code) in [
        ("init_module", 76),
        ("finit_module", 314),
        ("delete_module", 77),
        ("prctl", 106),
        ("capset", 115),
        ("kexec_load", 187),
        ("setreuid", 123),
        ("setregid", 124),
        ("personality", 82),
        ("pivot_root", 137),
        ("process_vm_readv", 301),
        ("process_vm_writev", 302),
        ("chown", 132),
        ("fchown", 127),
        ("lchown", 118),
        ("fchownat", 200),
        ("mknod", 12),
        ("mknodat", 199),
        ("keyctl", 191),
        ("setpgid", 36),
        ("sethostname", 44),
        ("swapon", 53),
        ("reboot", 54),
        ("syslog", 64),
        ("mlock", 91),
    ] {
        let s = f(name);
        assert!(
            s.is_generic() || name == "setpgid" || name == "sendfile",
            "{name} generic"
        );
        assert_eq!(s.ppm_sc, code, "{name}");
    }
    assert_eq!(syscall::nr_by_name("init_module"), Some(175));
    assert_eq!(syscall::nr_by_name("finit_module"), Some(313));
    // memfd_create: no PPM_SC code at e5c53d64, so only generic ID 0 is possible.
    let m = f("memfd_create");
    assert!(m.is_generic());
    assert_eq!(m.ppm_sc, 0);
    assert_eq!(m.drop_flags(), syscall::UF_ALWAYS_DROP);
    assert_eq!(f("open").flags, syscall::UF_USED | syscall::UF_NEVER_DROP);
    assert_eq!(f("umount2").event_type_name(), "umount");
    assert_eq!(f("init_module").event_type_name(), "init_module");
    assert_eq!(f("memfd_create").event_type_name(), "<unknown>");
}

#[test]
fn event_type_masks() {
    let nrs = |names: &[&str]| {
        let mut m: SyscallMask = [0; 8];
        for n in names {
            syscall::mask_add_event_type(&mut m, n);
        }
        syscall::mask_iter(&m).collect::<Vec<u32>>()
    };
    assert_eq!(nrs(&["dup"]), vec![32, 33, 292]);
    assert_eq!(nrs(&["pipe"]), vec![22, 293]);
    assert_eq!(nrs(&["umount"]), vec![166]);
    assert_eq!(nrs(&["umount2"]), vec![166]);
    assert_eq!(nrs(&["init_module", "openat"]), vec![175, 257]);
    assert_eq!(nrs(&["eventfd"]), vec![284, 290]);
    assert_eq!(nrs(&["no_such_event"]), Vec::<u32>::new());
    let by_id = |ids: &[u16]| {
        let mut m: SyscallMask = [0; 8];
        for &id in ids {
            syscall::mask_add_event_id(&mut m, id);
        }
        syscall::mask_iter(&m).collect::<Vec<u32>>()
    };
    assert_eq!(by_id(&[125]), vec![32, 33, 292]);
    assert_eq!(by_id(&[306, 307]), vec![257]);
    assert_eq!(by_id(&[293]), vec![59]);
    assert!(by_id(&[0]).contains(&175));
    assert!(!by_id(&[0]).contains(&257));
    // `<unknown>` must not select every unnamed generic syscall.
    assert_eq!(nrs(&["<unknown>"]), Vec::<u32>::new());
}

#[test]
fn param_formats_match_event_table_and_tsv() {
    let rows = tsv("param-format-e5c53d64.tsv");
    let mut n = 0;
    for id in 0..336u16 {
        let e = event::info_e5c53d64(id).unwrap();
        let pf = flags::PARAM_FORMATS[id as usize];
        assert_eq!(pf.len(), e.params.len(), "event {id}");
        for (i, p) in e.params.iter().enumerate() {
            let f = flags::param_format(id, i).unwrap();
            match p.ty {
                ParamType::Flags8 | ParamType::Flags16 | ParamType::Flags32 => {
                    // eventfd, signalfd, timerfd_create and inotify_init carry bare flags.
                    let bare = matches!(id, 62 | 126 | 136 | 138);
                    assert_eq!(f.flags.is_none(), bare, "event {id} param {}", p.name)
                }
                ParamType::Mode => {}
                _ => assert!(f.flags.is_none(), "event {id} param {}", p.name),
            }
            n += 1;
        }
        assert!(flags::param_format(id, e.params.len()).is_none());
    }
    assert_eq!(n, rows.len());
    for r in &rows {
        let id: u16 = r[0].parse().unwrap();
        let i: usize = r[1].parse().unwrap();
        let e = event::info_e5c53d64(id).unwrap();
        assert_eq!(e.params[i].name, r[2]);
        assert_eq!(
            format!("PT_{}", e.params[i].ty.name()),
            r[3],
            "event {id} param {i}"
        );
        let f = flags::param_format(id, i).unwrap();
        let want = match r[4].as_str() {
            "PF_NA" => PrintFormat::Na,
            "PF_DEC" => PrintFormat::Dec,
            "PF_HEX" => PrintFormat::Hex,
            "PF_OCT" => PrintFormat::Oct,
            other => panic!("unexpected {other}"),
        };
        assert_eq!(f.fmt, want, "event {id} param {i}");
        match f.flags {
            Some(t) => assert_eq!(t.name, r[5]),
            None => assert!(!r
                .get(5)
                .is_some_and(|s| s.ends_with("_flags") || s.ends_with("_mode"))),
        }
    }
    // Spot checks against scap-format.md and event_table facts.
    assert_eq!(
        flags::param_format(307, 3).unwrap().flags.unwrap().name,
        "file_flags"
    );
    assert_eq!(flags::param_format(307, 4).unwrap().fmt, PrintFormat::Oct);
    assert_eq!(
        flags::param_format(18, 0).unwrap().flags.unwrap().name,
        "socket_families"
    );
    assert_eq!(
        flags::param_format(168, 0).unwrap().flags.unwrap().name,
        "ptrace_requests"
    );
    assert_eq!(
        flags::param_format(223, 15).unwrap().flags.unwrap().name,
        "clone_flags"
    );
}

#[test]
fn flag_tables_match_tsv() {
    let rows = tsv("flag-tables-e5c53d64.tsv");
    let mut n = 0;
    for r in &rows {
        let t = flags::table_by_name(&r[0]).unwrap_or_else(|| panic!("table {}", r[0]));
        let pos: usize = r[1].parse().unwrap();
        assert_eq!(t.entries[pos].name, r[2]);
        assert_eq!(t.entries[pos].value.to_string(), r[3], "{}", r[2]);
        n += 1;
    }
    assert_eq!(
        n,
        flags::FLAG_TABLES
            .iter()
            .map(|t| t.entries.len())
            .sum::<usize>()
    );
    // scap-format.md §5 values.
    assert_eq!(flags::PPM_O_RDONLY, 1);
    assert_eq!(flags::PPM_O_TMPFILE, 0x2000);
    assert_eq!(flags::PPM_MAP_LOCKED, 0x4000);
    assert_eq!(flags::PPM_CL_CLONE_THREAD, 0x2000);
    assert_eq!(flags::PPM_CL_CHILD_IN_PIDNS, 0x2000_0000);
    assert_eq!(flags::PPM_PTRACE_ATTACH, 11);
    assert_eq!(flags::PPM_PTRACE_GETSIGINFO, 16);
    assert_eq!(flags::PPM_AF_PACKET, 17);
    assert_eq!(flags::PPM_AT_FDCWD, -100);
}

fn render(t: &flags::FlagTable, v: u32) -> String {
    t.names(v).collect::<Vec<_>>().join("|")
}

#[test]
fn flag_name_scan_follows_libsinsp_rules() {
    let ff = &flags::FILE_FLAGS;
    assert_eq!(render(ff, flags::PPM_O_RDONLY), "O_RDONLY");
    assert_eq!(render(ff, flags::PPM_O_RDWR), "O_RDWR");
    // Table order decides the output order: CREAT is scanned before the access mode.
    assert_eq!(
        render(
            ff,
            flags::PPM_O_WRONLY | flags::PPM_O_CREAT | flags::PPM_O_TRUNC
        ),
        "O_TRUNC|O_CREAT|O_WRONLY"
    );
    assert_eq!(
        render(ff, flags::PPM_O_RDWR | flags::PPM_O_CLOEXEC),
        "O_RDWR|O_CLOEXEC"
    );
    assert_eq!(render(ff, 0), "O_NONE");
    assert_eq!(
        render(&flags::PTRACE_REQUESTS, flags::PPM_PTRACE_ATTACH),
        "PTRACE_ATTACH"
    );
    assert_eq!(
        render(&flags::SOCKET_FAMILIES, flags::PPM_AF_INET),
        "AF_INET"
    );
    // Values without a name render nothing.
    assert_eq!(render(&flags::UNLINKAT_FLAGS, 0), "");
    assert_eq!(ff.value_of("O_CREAT"), Some(flags::PPM_O_CREAT));
}

#[test]
fn errno_signal_capability_names() {
    assert_eq!(flags::errno_name(2), Some("ENOENT"));
    assert_eq!(flags::errno_name(13), Some("EACCES"));
    assert_eq!(flags::errno_name(125), Some("ECANCELED"));
    assert_eq!(flags::errno_name(41), None);
    assert_eq!(flags::errno_name(126), None);
    assert_eq!(flags::errno_name(512), Some("ERESTARTSYS"));
    assert_eq!(flags::errno_name(530), Some("EIOCBRETRY"));
    assert_eq!(flags::errno_name(0), None);
    assert_eq!(flags::errno_by_name("EPERM"), Some(1));
    // Names agree with the host's libc numbering for the classic range.
    for (code, name) in [
        (libc::ENOENT, "ENOENT"),
        (libc::EEXIST, "EEXIST"),
        (libc::ECONNREFUSED, "ECONNREFUSED"),
        (libc::EINPROGRESS, "EINPROGRESS"),
        (libc::ECANCELED, "ECANCELED"),
        (libc::ENOTEMPTY, "ENOTEMPTY"),
    ] {
        assert_eq!(flags::errno_name(code as u32), Some(name));
    }
    assert_eq!(flags::signal_name(libc::SIGKILL as u8), Some("SIGKILL"));
    assert_eq!(flags::signal_name(libc::SIGSYS as u8), Some("SIGSYS"));
    assert_eq!(flags::signal_name(0), None);
    assert_eq!(flags::signal_name(32), None);
    assert_eq!(flags::capability_name(21), Some("CAP_SYS_ADMIN"));
    assert_eq!(flags::capability_name(40), Some("CAP_CHECKPOINT_RESTORE"));
    assert_eq!(flags::capability_name(41), None);
}

#[test]
fn linux_to_ppm_conversions_use_the_real_linux_values() {
    use flags::*;
    let c = |v: libc::c_int| v as u64;
    assert_eq!(open_flags_to_scap(c(libc::O_RDONLY)), PPM_O_RDONLY);
    assert_eq!(
        open_flags_to_scap(c(libc::O_WRONLY | libc::O_CREAT | libc::O_TRUNC)),
        PPM_O_WRONLY | PPM_O_CREAT | PPM_O_TRUNC
    );
    assert_eq!(
        open_flags_to_scap(c(libc::O_RDWR
            | libc::O_APPEND
            | libc::O_EXCL
            | libc::O_NONBLOCK)),
        PPM_O_RDWR | PPM_O_APPEND | PPM_O_EXCL | PPM_O_NONBLOCK
    );
    assert_eq!(
        open_flags_to_scap(c(libc::O_CLOEXEC | libc::O_DIRECT) | linux::O_LARGEFILE),
        PPM_O_RDONLY | PPM_O_CLOEXEC | PPM_O_LARGEFILE | PPM_O_DIRECT
    );
    // Driver quirks kept on purpose (bitwise tests against multi-bit Linux macros).
    assert_eq!(
        open_flags_to_scap(c(libc::O_DIRECTORY)),
        PPM_O_RDONLY | PPM_O_DIRECTORY | PPM_O_TMPFILE
    );
    assert_eq!(
        open_flags_to_scap(c(libc::O_DSYNC)),
        PPM_O_RDONLY | PPM_O_DSYNC | PPM_O_SYNC
    );
    assert_eq!(
        open_flags_to_scap(c(libc::O_SYNC)),
        PPM_O_RDONLY | PPM_O_DSYNC | PPM_O_SYNC
    );
    assert_eq!(linux::O_TMPFILE, c(libc::O_TMPFILE));
    assert_eq!(linux::O_SYNC, c(libc::O_SYNC));
    assert_eq!(open_mode_to_scap(c(libc::O_CREAT), 0o100644), 0o644);
    assert_eq!(open_mode_to_scap(c(libc::O_RDONLY), 0o644), 0);
    let m = |v: libc::c_int| v as u64;
    assert_eq!(
        mmap_flags_to_scap(m(libc::MAP_PRIVATE | libc::MAP_ANONYMOUS)),
        PPM_MAP_PRIVATE | PPM_MAP_ANONYMOUS
    );
    assert_eq!(
        mmap_flags_to_scap(m(libc::MAP_SHARED
            | libc::MAP_FIXED
            | libc::MAP_32BIT
            | libc::MAP_NORESERVE
            | libc::MAP_POPULATE
            | libc::MAP_NONBLOCK
            | libc::MAP_GROWSDOWN
            | libc::MAP_DENYWRITE
            | libc::MAP_EXECUTABLE
            | libc::MAP_LOCKED)),
        PPM_MAP_SHARED
            | PPM_MAP_FIXED
            | PPM_MAP_32BIT
            | PPM_MAP_NORESERVE
            | PPM_MAP_POPULATE
            | PPM_MAP_NONBLOCK
            | PPM_MAP_GROWSDOWN
            | PPM_MAP_DENYWRITE
            | PPM_MAP_EXECUTABLE
            | PPM_MAP_LOCKED
    );
    assert_eq!(
        prot_flags_to_scap(m(libc::PROT_READ | libc::PROT_EXEC | libc::PROT_GROWSDOWN)),
        PPM_PROT_READ | PPM_PROT_EXEC | PPM_PROT_GROWSDOWN
    );
    let cl = [
        (libc::CLONE_FILES, PPM_CL_CLONE_FILES),
        (libc::CLONE_FS, PPM_CL_CLONE_FS),
        (libc::CLONE_IO, PPM_CL_CLONE_IO),
        (libc::CLONE_NEWIPC, PPM_CL_CLONE_NEWIPC),
        (libc::CLONE_NEWNET, PPM_CL_CLONE_NEWNET),
        (libc::CLONE_NEWNS, PPM_CL_CLONE_NEWNS),
        (libc::CLONE_NEWPID, PPM_CL_CLONE_NEWPID),
        (libc::CLONE_NEWUTS, PPM_CL_CLONE_NEWUTS),
        (libc::CLONE_PARENT, PPM_CL_CLONE_PARENT),
        (libc::CLONE_PARENT_SETTID, PPM_CL_CLONE_PARENT_SETTID),
        (libc::CLONE_PTRACE, PPM_CL_CLONE_PTRACE),
        (libc::CLONE_SIGHAND, PPM_CL_CLONE_SIGHAND),
        (libc::CLONE_SYSVSEM, PPM_CL_CLONE_SYSVSEM),
        (libc::CLONE_THREAD, PPM_CL_CLONE_THREAD),
        (libc::CLONE_UNTRACED, PPM_CL_CLONE_UNTRACED),
        (libc::CLONE_VM, PPM_CL_CLONE_VM),
        (libc::CLONE_NEWUSER, PPM_CL_CLONE_NEWUSER),
        (libc::CLONE_CHILD_CLEARTID, PPM_CL_CLONE_CHILD_CLEARTID),
        (libc::CLONE_CHILD_SETTID, PPM_CL_CLONE_CHILD_SETTID),
        (libc::CLONE_SETTLS, PPM_CL_CLONE_SETTLS),
        (libc::CLONE_VFORK, PPM_CL_CLONE_VFORK),
        (libc::CLONE_NEWCGROUP, PPM_CL_CLONE_NEWCGROUP),
    ];
    let mut all_linux = 0u64;
    let mut all_ppm = 0u32;
    for (l, p) in cl {
        assert_eq!(clone_flags_to_scap(l as u32 as u64), p, "clone bit {l:#x}");
        all_linux |= l as u32 as u64;
        all_ppm |= p;
    }
    assert_eq!(
        clone_flags_to_scap(all_linux | libc::SIGCHLD as u64),
        all_ppm
    );
    let pt = [
        (libc::PTRACE_TRACEME, PPM_PTRACE_TRACEME),
        (libc::PTRACE_PEEKTEXT, PPM_PTRACE_PEEKTEXT),
        (libc::PTRACE_PEEKDATA, PPM_PTRACE_PEEKDATA),
        (libc::PTRACE_PEEKUSER, PPM_PTRACE_PEEKUSR),
        (libc::PTRACE_POKETEXT, PPM_PTRACE_POKETEXT),
        (libc::PTRACE_POKEDATA, PPM_PTRACE_POKEDATA),
        (libc::PTRACE_POKEUSER, PPM_PTRACE_POKEUSR),
        (libc::PTRACE_CONT, PPM_PTRACE_CONT),
        (libc::PTRACE_KILL, PPM_PTRACE_KILL),
        (libc::PTRACE_SINGLESTEP, PPM_PTRACE_SINGLESTEP),
        (libc::PTRACE_GETREGS, PPM_PTRACE_GETREGS),
        (libc::PTRACE_SETREGS, PPM_PTRACE_SETREGS),
        (libc::PTRACE_GETFPREGS, PPM_PTRACE_GETFPREGS),
        (libc::PTRACE_SETFPREGS, PPM_PTRACE_SETFPREGS),
        (libc::PTRACE_ATTACH, PPM_PTRACE_ATTACH),
        (libc::PTRACE_DETACH, PPM_PTRACE_DETACH),
        (libc::PTRACE_GETFPXREGS, PPM_PTRACE_GETFPXREGS),
        (libc::PTRACE_SETFPXREGS, PPM_PTRACE_SETFPXREGS),
        (libc::PTRACE_SYSCALL, PPM_PTRACE_SYSCALL),
        (libc::PTRACE_SYSEMU, PPM_PTRACE_SYSEMU),
        (libc::PTRACE_SYSEMU_SINGLESTEP, PPM_PTRACE_SYSEMU_SINGLESTEP),
        (libc::PTRACE_SETOPTIONS, PPM_PTRACE_SETOPTIONS),
        (libc::PTRACE_GETEVENTMSG, PPM_PTRACE_GETEVENTMSG),
        (libc::PTRACE_GETSIGINFO, PPM_PTRACE_GETSIGINFO),
        (libc::PTRACE_SETSIGINFO, PPM_PTRACE_SETSIGINFO),
        (libc::PTRACE_GETREGSET, PPM_PTRACE_GETREGSET),
        (libc::PTRACE_SETREGSET, PPM_PTRACE_SETREGSET),
        (libc::PTRACE_SEIZE, PPM_PTRACE_SEIZE),
        (libc::PTRACE_INTERRUPT, PPM_PTRACE_INTERRUPT),
        (libc::PTRACE_LISTEN, PPM_PTRACE_LISTEN),
        (libc::PTRACE_PEEKSIGINFO, PPM_PTRACE_PEEKSIGINFO),
        (libc::PTRACE_GETSIGMASK, PPM_PTRACE_GETSIGMASK),
        (libc::PTRACE_SETSIGMASK, PPM_PTRACE_SETSIGMASK),
    ];
    for (l, p) in pt {
        assert_eq!(ptrace_request_to_scap(l as u64) as u32, p, "ptrace {l}");
    }
    assert_eq!(ptrace_request_to_scap(0x7777) as u32, PPM_PTRACE_UNKNOWN);
    let fc = [
        (libc::F_DUPFD, PPM_FCNTL_F_DUPFD),
        (libc::F_GETFD, PPM_FCNTL_F_GETFD),
        (libc::F_SETFD, PPM_FCNTL_F_SETFD),
        (libc::F_GETFL, PPM_FCNTL_F_GETFL),
        (libc::F_SETFL, PPM_FCNTL_F_SETFL),
        (libc::F_GETLK, PPM_FCNTL_F_GETLK),
        (libc::F_SETLK, PPM_FCNTL_F_SETLK),
        (libc::F_SETLKW, PPM_FCNTL_F_SETLKW),
        (libc::F_SETOWN, PPM_FCNTL_F_SETOWN),
        (libc::F_GETOWN, PPM_FCNTL_F_GETOWN),
        (libc::F_OFD_GETLK, PPM_FCNTL_F_OFD_GETLK),
        (libc::F_OFD_SETLK, PPM_FCNTL_F_OFD_SETLK),
        (libc::F_OFD_SETLKW, PPM_FCNTL_F_OFD_SETLKW),
        (libc::F_SETLEASE, PPM_FCNTL_F_SETLEASE),
        (libc::F_GETLEASE, PPM_FCNTL_F_GETLEASE),
        (libc::F_NOTIFY, PPM_FCNTL_F_NOTIFY),
        (libc::F_CANCELLK, PPM_FCNTL_F_CANCELLK),
        (libc::F_DUPFD_CLOEXEC, PPM_FCNTL_F_DUPFD_CLOEXEC),
        (libc::F_SETPIPE_SZ, PPM_FCNTL_F_SETPIPE_SZ),
        (libc::F_GETPIPE_SZ, PPM_FCNTL_F_GETPIPE_SZ),
    ];
    for (l, p) in fc {
        assert_eq!(fcntl_cmd_to_scap(l as u64) as u32, p, "fcntl {l}");
    }
    assert_eq!(
        socket_family_to_scap(libc::AF_PACKET as u64) as u32,
        PPM_AF_PACKET
    );
    assert_eq!(
        socket_family_to_scap(libc::AF_INET6 as u64) as u32,
        PPM_AF_INET6
    );
    assert_eq!(
        socket_family_to_scap(libc::AF_NETLINK as u64) as u32,
        PPM_AF_NETLINK
    );
    assert_eq!(
        socket_family_to_scap(libc::AF_VSOCK as u64) as u32,
        PPM_AF_UNSPEC
    );
    let pl = libc::POLLIN | libc::POLLOUT | libc::POLLRDHUP | libc::POLLHUP | libc::POLLWRBAND;
    assert_eq!(
        poll_events_to_scap(pl as u16 as u64) as u32,
        PPM_POLLIN | PPM_POLLOUT | PPM_POLLRDHUP | PPM_POLLHUP | PPM_POLLWRBAND
    );
    assert_eq!(
        futex_op_to_scap((libc::FUTEX_WAKE | libc::FUTEX_PRIVATE_FLAG) as u64) as u32,
        PPM_FU_FUTEX_WAKE | PPM_FU_FUTEX_PRIVATE_FLAG
    );
    assert_eq!(
        access_flags_to_scap((libc::R_OK | libc::W_OK) as u64),
        PPM_R_OK | PPM_W_OK
    );
    assert_eq!(access_flags_to_scap(libc::F_OK as u64), PPM_F_OK);
    assert_eq!(
        rlimit_resource_to_scap(libc::RLIMIT_NOFILE as u64) as u32,
        PPM_RLIMIT_NOFILE
    );
    assert_eq!(
        rlimit_resource_to_scap(libc::RLIMIT_RTTIME as u64) as u32,
        PPM_RLIMIT_RTTIME
    );
    assert_eq!(
        lseek_whence_to_scap(libc::SEEK_END as u64) as u32,
        PPM_SEEK_END
    );
    assert_eq!(
        semop_flags_to_scap((libc::IPC_NOWAIT | libc::SEM_UNDO) as u64) as u32,
        PPM_IPC_NOWAIT | PPM_SEM_UNDO
    );
    assert_eq!(
        semget_flags_to_scap((libc::IPC_CREAT | libc::IPC_EXCL) as u64),
        PPM_IPC_CREAT | PPM_IPC_EXCL
    );
    assert_eq!(
        semctl_cmd_to_scap(libc::IPC_RMID as u64) as u32,
        PPM_IPC_RMID
    );
    assert_eq!(semctl_cmd_to_scap(libc::SETVAL as u64) as u32, PPM_SETVAL);
    assert_eq!(
        flock_flags_to_scap((libc::LOCK_EX | libc::LOCK_NB) as u64),
        PPM_LOCK_EX | PPM_LOCK_NB
    );
    assert_eq!(
        execveat_flags_to_scap((libc::AT_EMPTY_PATH | libc::AT_SYMLINK_NOFOLLOW) as u64),
        PPM_EXVAT_AT_EMPTY_PATH | PPM_EXVAT_AT_SYMLINK_NOFOLLOW
    );
    assert_eq!(
        unlinkat_flags_to_scap(libc::AT_REMOVEDIR as u64),
        PPM_AT_REMOVEDIR
    );
    assert_eq!(
        linkat_flags_to_scap(libc::AT_SYMLINK_FOLLOW as u64),
        PPM_AT_SYMLINK_FOLLOW
    );
    assert_eq!(
        mount_flags_to_scap(0xC0ED_0000 | libc::MS_RDONLY),
        PPM_MS_RDONLY
    );
    assert_eq!(
        mount_flags_to_scap(libc::MS_BIND | libc::MS_REC),
        PPM_MS_BIND | PPM_MS_REC
    );
    assert_eq!(
        umount_flags_to_scap(libc::MNT_DETACH as u64),
        PPM_MNT_DETACH
    );
    assert_eq!(
        quotactl_cmd_to_scap(((0x80_0002u64) << 8) | 1),
        PPM_Q_QUOTAON as u16
    );
    assert_eq!(
        quotactl_type_to_scap(((0x80_0002u64) << 8) | 1),
        PPM_GRPQUOTA as u8
    );
}
