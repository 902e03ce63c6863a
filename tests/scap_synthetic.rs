//! A synthetic capture holding every event type we emit (every id of the e5c53d64 table
//! that is neither EF_UNUSED nor EF_OLD_VERSION; tracer events, whose CHARBUFARRAY
//! parameters are in-memory pointers, and EC_INTERNAL meta-events are left out) with known
//! parameter values, encoded by our builder and writer, is read back by sysdig 0.29.3 with
//! exactly those values. sysdig's `%evt.args` is parsed item by item: the value part must
//! equal the value we encoded (decimal integers, strings, `ip:port`, `ip:port->ip:port`;
//! for the few types sysdig prints in another base or shape, and for the resolved part
//! of flags, errnos and signals, what `scap::render` renders for the same bytes).

use std::net::SocketAddrV4;

use harrier_integration::*;
use scap::event::{EventBuilder, Param, SockAddr, SockTuple};
use scap::file::{CaptureWriter, Compression, MachineInfo, ProcEntry, WriterOptions};
use scap_abi::event::{self, flags, ParamAux, ParamType};
use scap_abi::flags::PrintFormat;

/// Splits sysdig's `%evt.args` into `(name, value)` items, knowing the parameter names in
/// order (values may contain spaces, e.g. signal sets).
fn split_args<'a, 'n>(s: &'a str, names: impl Iterator<Item = &'n str>) -> Vec<(&'a str, &'a str)> {
    let names: Vec<&str> = names.collect();
    let mut starts = Vec::new();
    let mut cur = 0;
    for n in &names {
        let pat = format!("{n}=");
        let Some(p) = (cur..s.len())
            .find(|&p| s[p..].starts_with(&pat) && (p == 0 || s.as_bytes()[p - 1] == b' '))
        else {
            break;
        };
        starts.push((p, p + pat.len()));
        cur = p + pat.len();
    }
    (0..starts.len())
        .map(|i| {
            let end = starts.get(i + 1).map_or(s.len(), |n| n.0);
            (
                &s[starts[i].0..starts[i].1 - 1],
                s[starts[i].1..end].trim_end(),
            )
        })
        .collect()
}

const TID: u64 = 4242;

/// libscap's EC_INTERNAL category (procinfo, k8s, mesos, infra, drop, sysdigevent...):
/// meta-events of the old userspace agents, never written by our drivers and never
/// printed by sysdig; left out.
const EC_INTERNAL: u32 = 256;

/// The ids of every event type we emit.
fn emitted_ids() -> Vec<u16> {
    (0..336u16)
        .filter(|&id| {
            let i = event::info_e5c53d64(id).unwrap();
            i.flags & (flags::EF_UNUSED | flags::EF_OLD_VERSION) == 0
                && i.category & EC_INTERNAL == 0
                && !i
                    .params
                    .iter()
                    .any(|p| matches!(p.ty, ParamType::Charbufarray | ParamType::CharbufPairArray))
        })
        .collect()
}

/// The value of parameter `i` of event `id`, and the text sysdig must show for it.
fn value(id: u16, i: usize, ty: ParamType, aux: ParamAux) -> (Vec<u8>, String) {
    let k = id as i64 * 31 + i as i64; // distinct per (event, parameter)
    let mut enc = Vec::new();
    let text = match ty {
        ParamType::Int8 => {
            let v = -((k % 100) as i8) - 1;
            Param::Int8(v).encode_into(&mut enc);
            v.to_string()
        }
        ParamType::Int16 => {
            let v = -1000 - k as i16;
            Param::Int16(v).encode_into(&mut enc);
            v.to_string()
        }
        ParamType::Int32 => {
            let v = -100_000 - k as i32;
            Param::Int32(v).encode_into(&mut enc);
            v.to_string()
        }
        ParamType::Int64 | ParamType::Errno | ParamType::Fd | ParamType::Pid => {
            // Positive values: sysdig resolves negative errnos and known fds/pids to names.
            let v = 1_000_000 + k;
            Param::Int64(v).encode_into(&mut enc);
            v.to_string()
        }
        ParamType::Uint8
        | ParamType::Flags8
        | ParamType::Sigtype
        | ParamType::L4proto
        | ParamType::Sockfamily
        | ParamType::Enumflags8 => {
            let v = 1 + (k % 30) as u8;
            Param::Uint8(v).encode_into(&mut enc);
            v.to_string()
        }
        ParamType::Uint16 | ParamType::Flags16 | ParamType::Port | ParamType::Enumflags16 => {
            let v = 2000 + k as u16;
            Param::Uint16(v).encode_into(&mut enc);
            v.to_string()
        }
        ParamType::Syscallid => {
            let v = 1 + (k % 300) as u16; // a valid PPM_SC code
            Param::Syscallid(v).encode_into(&mut enc);
            v.to_string()
        }
        ParamType::Uint32
        | ParamType::Flags32
        | ParamType::Mode
        | ParamType::Uid
        | ParamType::Gid
        | ParamType::Sigset
        | ParamType::Bool
        | ParamType::Enumflags32 => {
            let v = 300_000 + k as u32;
            Param::Uint32(v).encode_into(&mut enc);
            v.to_string()
        }
        ParamType::Uint64 | ParamType::Reltime | ParamType::Abstime => {
            let v = (1u64 << 35) + k as u64;
            Param::Uint64(v).encode_into(&mut enc);
            v.to_string()
        }
        ParamType::Charbuf | ParamType::Fspath | ParamType::Fsrelpath => {
            let s = format!("/v{id}/p{i}");
            Param::Charbuf(s.as_bytes()).encode_into(&mut enc);
            s
        }
        ParamType::Bytebuf => {
            let s = format!("bytes-{id}-{i}");
            Param::Bytebuf(s.as_bytes()).encode_into(&mut enc);
            s
        }
        ParamType::Sockaddr => {
            let a = SocketAddrV4::new([10, 1, (id >> 8) as u8, id as u8].into(), 1000 + i as u16);
            Param::Sockaddr(SockAddr::Inet(a)).encode_into(&mut enc);
            a.to_string()
        }
        ParamType::Socktuple => {
            let s = SocketAddrV4::new([10, 2, (id >> 8) as u8, id as u8].into(), 2000 + i as u16);
            let d = SocketAddrV4::new([192, 168, 7, i as u8].into(), 443);
            Param::Socktuple(SockTuple::Inet { src: s, dst: d }).encode_into(&mut enc);
            format!("{s}->{d}")
        }
        ParamType::Fdlist => {
            enc.extend_from_slice(&1u16.to_le_bytes());
            enc.extend_from_slice(&(500 + k).to_le_bytes());
            enc.extend_from_slice(&1i16.to_le_bytes());
            format!("{}", 500 + k)
        }
        ParamType::Dyn => {
            // The first 8-byte integer sub-type of the list (UINT64, FD, ERRNO...).
            let ParamAux::Dyn(list) = aux else {
                panic!("DYN without sub-types")
            };
            let idx = list
                .iter()
                .position(|t| t.fixed_len() == Some(8))
                .expect("8-byte sub-type");
            let v = 700_000 + k;
            enc.push(idx as u8);
            enc.extend_from_slice(&v.to_le_bytes());
            v.to_string()
        }
        other => panic!("event {id} param {i}: no test value for {other:?}"),
    };
    (enc, text)
}

#[test]
fn every_emitted_event_type_renders_our_values_in_sysdig() {
    let ids = emitted_ids();
    assert!(ids.len() > 250, "{}", ids.len());
    let dir = scratch_dir("scap_synthetic");
    let path = dir.join("all_events.scap");
    let opts = WriterOptions {
        compression: Compression::None,
        ..Default::default()
    };
    let mut w = CaptureWriter::create(&path, opts).unwrap();
    w.machine_info(&MachineInfo {
        num_cpus: 2,
        memory_size_bytes: 1 << 30,
        max_pid: 0,
        hostname: "synthetic".into(),
        reserved: [0; 4],
    })
    .unwrap();
    let p = ProcEntry {
        version: 9,
        tid: TID as i64,
        pid: TID as i64,
        ptid: 1,
        comm: b"synth",
        exe: b"/bin/synth",
        cwd: b"/",
        ..Default::default()
    };
    w.proc_list(&[p]).unwrap();
    w.fd_list(TID, &[]).unwrap();
    // expected[n] = (id, [(param name, type, text)])
    let mut expected = Vec::new();
    let mut records = Vec::new();
    for (n, &id) in ids.iter().enumerate() {
        let info = event::info_e5c53d64(id).unwrap();
        // Container events need JSON and a tid of -1; everything else runs in our thread.
        let tid = if info.large_payload() || id == 272 {
            u64::MAX
        } else {
            TID
        };
        let mut b = EventBuilder::new(1_700_000_000_000_000_000 + n as u64 * 1000, tid, id);
        let mut params = Vec::new();
        for (i, pi) in info.params.iter().enumerate() {
            let (enc, text) = if matches!(id, 272 | 324) && pi.ty == ParamType::Charbuf {
                let j = format!(
                    "{{\"container\":{{\"id\":\"c{id}\",\"type\":0,\"name\":\"n{id}\",\"image\":\"i{id}\"}}}}"
                );
                let mut e = j.clone().into_bytes();
                e.push(0);
                (e, j)
            } else {
                value(id, i, pi.ty, pi.aux)
            };
            b = b.raw(&enc);
            params.push((pi.name, pi.ty, text));
        }
        let rec = b.build().unwrap();
        w.event(&rec, 0, 0).unwrap();
        records.push(rec);
        expected.push((id, params));
    }
    w.finish().unwrap();

    // One sysdig run; `%evt.args` items are `name=value ` or `name=value(resolved) `.
    let (ok, lines, err) = sysdig_print(&path, "%evt.num\t%evt.type\t%evt.args", None);
    assert!(ok, "sysdig: {err}");
    assert_eq!(lines.len(), expected.len(), "every event printed");
    let mut renderer = scap::render::Renderer::new();
    let mut checked = 0;
    let mut failures = Vec::new();
    for (n, ((id, params), line)) in expected.iter().zip(&lines).enumerate() {
        let info = event::info_e5c53d64(*id).unwrap();
        let cols: Vec<&str> = line.splitn(3, '\t').collect();
        assert_eq!(cols[0], (n + 1).to_string(), "{line}");
        let items = split_args(cols[2], params.iter().map(|p| p.0));
        if *id < 2 {
            // Generic events: sysdig shows no args; their syscall name is evt.type.
            let code = params[0].2.parse::<u16>().unwrap();
            if cols[1] != event::ppm_sc_name(code).unwrap() {
                failures.push(format!("generic {id}: type {} for code {code}", cols[1]));
            }
            checked += 1;
            continue;
        }
        if items.len() != params.len() {
            failures.push(format!(
                "{} ({id}): {} params shown, {} encoded: {line}",
                info.name,
                items.len(),
                params.len()
            ));
            continue;
        }
        let rec = records[n].as_slice();
        let ev = scap::EventRef::parse(rec).unwrap();
        for (i, ((name, ty, text), (sname, shown))) in params.iter().zip(&items).enumerate() {
            let (value, resolved) = match shown.find('(') {
                Some(p) if shown.ends_with(')') => (&shown[..p], &shown[p + 1..shown.len() - 1]),
                _ => (*shown, ""),
            };
            // Our renderer's view of the same bytes (value, resolved), without thread state.
            let (_, rv, rr) = renderer.param(&ev, i, &scap::render::NoState).unwrap();
            let (rv, rr) = (
                String::from_utf8_lossy(rv).into_owned(),
                String::from_utf8_lossy(rr).into_owned(),
            );
            let fmt = scap_abi::flags::param_format(*id, i).map(|f| f.fmt);
            let value_ok = match (ty.fixed_len(), fmt) {
                // Integers printed in hex or octal (per the event's print format): parse
                // them back and compare with what we encoded, at the parameter's width.
                (Some(w), Some(f @ (PrintFormat::Hex | PrintFormat::Oct)))
                    if !matches!(ty, ParamType::Double | ParamType::Sigset) =>
                {
                    let radix = if f == PrintFormat::Hex { 16 } else { 8 };
                    let mask = if w == 8 {
                        u64::MAX
                    } else {
                        (1u64 << (8 * w)) - 1
                    };
                    let enc = text.parse::<i64>().unwrap() as u64 & mask;
                    // (FLAGS are declared hex but printed in decimal by sysdig.)
                    value == text || u64::from_str_radix(value, radix).ok() == Some(enc)
                }
                // Sets, time spans, fd lists, dyn values: sysdig's shape = our renderer's.
                _ if matches!(
                    ty,
                    ParamType::Sigset
                        | ParamType::Dyn
                        | ParamType::Fdlist
                        | ParamType::Reltime
                        | ParamType::Abstime
                        | ParamType::Double
                ) =>
                {
                    value == rv
                }
                _ => value == text,
            };
            let mut bad = sname != name || !value_ok;
            // Resolutions that need no state (flag names, errno names, signals) must match
            // our renderer; fd/pid resolutions depend on the fd table and are not compared.
            if !matches!(ty, ParamType::Fd | ParamType::Pid)
                && !resolved.is_empty()
                && resolved != rr
            {
                bad = true;
            }
            if bad {
                failures.push(format!(
                    "{} ({id}) {name} {ty:?}: encoded {text:?} (renderer {rv:?}/{rr:?}), sysdig shows {sname}={shown}",
                    info.name
                ));
            } else {
                checked += 1;
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} mismatches:\n{}",
        failures.len(),
        failures.join("\n")
    );
    assert!(checked > 600, "{checked}");
}
