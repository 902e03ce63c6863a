//! Shared helpers of the rules test suites: a field table standing in for `engine::fields`
//! until that registry lands (it only answers "does this field exist, with what type";
//! conditions are compiled and checked by the real loader code).

#![allow(dead_code)]

use engine_filter::{FieldArg, FieldDef, FieldFlags, FieldId, FieldRegistry, FieldType};

/// (name, type, flags) of the fields the upstream rules and the conformance cases use.
const FIELDS: &[(&str, FieldType, u32)] = &[
    ("evt.type", FieldType::Charbuf, 0),
    ("evt.num", FieldType::Uint64, 0),
    ("evt.time", FieldType::AbsTime, 0),
    ("evt.time.iso8601", FieldType::AbsTime, 0),
    ("evt.dir", FieldType::Charbuf, 0),
    ("evt.res", FieldType::Charbuf, 0),
    ("evt.rawres", FieldType::Int64, 0),
    ("evt.args", FieldType::Charbuf, 0),
    ("evt.buffer", FieldType::Bytebuf, 0),
    ("evt.is_open_read", FieldType::Bool, 0),
    ("evt.is_open_write", FieldType::Bool, 0),
    ("evt.is_open_exec", FieldType::Bool, 0),
    ("evt.source", FieldType::Charbuf, 0),
    ("syscall.type", FieldType::Charbuf, 0),
    ("proc.name", FieldType::Charbuf, 0),
    ("proc.pname", FieldType::Charbuf, 0),
    ("proc.cmdline", FieldType::Charbuf, 0),
    ("proc.pcmdline", FieldType::Charbuf, 0),
    ("proc.args", FieldType::Charbuf, 0),
    ("proc.exe", FieldType::Charbuf, 0),
    ("proc.pexe", FieldType::Charbuf, 0),
    ("proc.exepath", FieldType::Charbuf, 0),
    ("proc.pexepath", FieldType::Charbuf, 0),
    ("proc.cwd", FieldType::Charbuf, 0),
    ("proc.tty", FieldType::Uint32, 0),
    ("proc.pid", FieldType::Int64, 0),
    ("proc.ppid", FieldType::Int64, 0),
    ("proc.vpid", FieldType::Int64, 0),
    ("proc.sid", FieldType::Int64, 0),
    ("proc.sname", FieldType::Charbuf, 0),
    ("proc.duration", FieldType::RelTime, 0),
    ("proc.env", FieldType::Charbuf, 0),
    ("proc.is_exe_from_memfd", FieldType::Bool, 0),
    ("proc.is_exe_upper_layer", FieldType::Bool, 0),
    ("proc.is_vpgid_leader", FieldType::Bool, 0),
    ("proc.vpgid.name", FieldType::Charbuf, 0),
    ("proc.exe_ino.ctime", FieldType::AbsTime, 0),
    ("proc.exe_ino.mtime", FieldType::AbsTime, 0),
    ("proc.exe_ino.ctime_duration_proc_start", FieldType::RelTime, 0),
    ("proc.aname", FieldType::Charbuf, 1 << 2 | 1 << 3 | 1 << 4),
    ("proc.apid", FieldType::Int64, 1 << 2 | 1 << 3 | 1 << 4),
    ("proc.aexe", FieldType::Charbuf, 1 << 2 | 1 << 3 | 1 << 4),
    ("proc.aexepath", FieldType::Charbuf, 1 << 2 | 1 << 3 | 1 << 4),
    ("proc.acmdline", FieldType::Charbuf, 1 << 2 | 1 << 3 | 1 << 4),
    ("thread.cap_effective", FieldType::Charbuf, 0),
    ("thread.cap_permitted", FieldType::Charbuf, 0),
    ("user.name", FieldType::Charbuf, 0),
    ("user.uid", FieldType::Uint32, 0),
    ("user.loginuid", FieldType::Int64, 0),
    ("user.loginname", FieldType::Charbuf, 0),
    ("group.gid", FieldType::Uint32, 0),
    ("group.name", FieldType::Charbuf, 0),
    ("fd.num", FieldType::Int64, 0),
    ("fd.name", FieldType::Charbuf, 0),
    ("fd.nameraw", FieldType::Charbuf, 0),
    ("fd.type", FieldType::Charbuf, 0),
    ("fd.typechar", FieldType::Charbuf, 0),
    ("fd.directory", FieldType::Charbuf, 0),
    ("fd.filename", FieldType::Charbuf, 0),
    ("fd.l4proto", FieldType::Charbuf, 0),
    ("fd.sockfamily", FieldType::Charbuf, 0),
    ("fd.connected", FieldType::Bool, 0),
    ("fd.name_changed", FieldType::Bool, 0),
    ("fd.sip", FieldType::IpAddr, 0),
    ("fd.cip", FieldType::IpAddr, 0),
    ("fd.rip", FieldType::IpAddr, 0),
    ("fd.lip", FieldType::IpAddr, 0),
    ("fd.sport", FieldType::Port, 0),
    ("fd.cport", FieldType::Port, 0),
    ("fd.lport", FieldType::Port, 0),
    ("fd.rport", FieldType::Port, 0),
    ("fd.ip", FieldType::IpAddr, 1 << 1 | 1 << 3 | 1 << 5),
    ("fd.port", FieldType::Port, 1 << 1 | 1 << 3 | 1 << 5),
    ("fd.net", FieldType::IpNet, 1 << 1 | 1 << 2 | 1 << 3 | 1 << 5),
    ("fd.snet", FieldType::IpNet, 1 << 1 | 1 << 2 | 1 << 3),
    ("fd.cnet", FieldType::IpNet, 1 << 1 | 1 << 2 | 1 << 3),
    ("fd.rnet", FieldType::IpNet, 1 << 1 | 1 << 2 | 1 << 3),
    ("fd.sip.name", FieldType::Charbuf, 1 << 2 | 1 << 3),
    ("fd.cip.name", FieldType::Charbuf, 1 << 2 | 1 << 3),
    ("fd.lip.name", FieldType::Charbuf, 1 << 2 | 1 << 3),
    ("fd.rip.name", FieldType::Charbuf, 1 << 2 | 1 << 3),
    ("container.id", FieldType::Charbuf, 0),
    ("container.name", FieldType::Charbuf, 0),
    ("container.image.repository", FieldType::Charbuf, 0),
    ("container.privileged", FieldType::Bool, 0),
    ("container.start_ts", FieldType::AbsTime, 0),
    ("container.mount.dest", FieldType::Charbuf, 0),
    ("container.mounts", FieldType::Charbuf, 0),
    ("k8s.ns.name", FieldType::Charbuf, 0),
    ("k8s.pod.name", FieldType::Charbuf, 0),
];

/// The field table as a [`FieldRegistry`].
#[derive(Debug, Default, Clone, Copy)]
pub(crate) struct TableRegistry;

impl FieldRegistry for TableRegistry {
    fn lookup(&self, name: &str, arg: Option<&str>) -> Result<FieldDef, String> {
        // evt.arg.NAME / evt.rawarg.NAME dot forms, and evt.arg[N].
        for fam in ["evt.arg", "evt.rawarg"] {
            if let Some(rest) = name.strip_prefix(fam) {
                if let Some(n) = rest.strip_prefix('.') {
                    if !n.is_empty() && !n.contains('.') {
                        return Ok(def(900, name, FieldType::Charbuf, 0, FieldArg::Name(n.into())));
                    }
                } else if rest.is_empty() {
                    if let Some(a) = arg {
                        return Ok(def(901, name, FieldType::Charbuf, 0, FieldArg::Name(a.into())));
                    }
                }
            }
        }
        let Some(i) = FIELDS.iter().position(|(n, _, _)| *n == name) else {
            return Err(format!("filter_check called with nonexistent field {name}"));
        };
        let (n, ty, flags) = FIELDS[i];
        let arg = match arg {
            None => FieldArg::None,
            Some(a) => match a.parse::<i64>() {
                Ok(v) => FieldArg::Index(v),
                Err(_) => FieldArg::Name(a.into()),
            },
        };
        Ok(def(i as u32, n, ty, flags, arg))
    }
}

fn def(id: u32, name: &str, ty: FieldType, flags: u32, arg: FieldArg) -> FieldDef {
    FieldDef {
        id: FieldId(id),
        arg,
        ty,
        flags: FieldFlags(flags),
        name: name.into(),
    }
}
