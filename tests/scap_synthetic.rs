//! A synthetic capture holding every event type we emit (every id of the e5c53d64 table
//! that is neither EF_UNUSED nor EF_OLD_VERSION; tracer events, whose CHARBUFARRAY
//! parameters are in-memory pointers, are left out) with known parameter values, encoded
//! by our builder and writer, is read back by sysdig 0.29.3 with exactly those values:
//! every parameter is compared through `%evt.rawarg.NAME` (the raw, numeric form for
//! integers and flags), and socket addresses and tuples through `%evt.arg.NAME`.

use std::collections::BTreeSet;
use std::net::SocketAddrV4;

use harrier_integration::*;
use scap::event::{EventBuilder, Param, SockAddr, SockTuple};
use scap::file::{CaptureWriter, Compression, MachineInfo, ProcEntry, WriterOptions};
use scap_abi::event::{self, flags, ParamAux, ParamType};

const TID: u64 = 4242;

/// The ids of every event type we emit.
fn emitted_ids() -> Vec<u16> {
    (0..336u16)
        .filter(|&id| {
            let i = event::info_e5c53d64(id).unwrap();
            i.flags & (flags::EF_UNUSED | flags::EF_OLD_VERSION) == 0
                && !i.params.iter().any(|p| {
                    matches!(p.ty, ParamType::Charbufarray | ParamType::CharbufPairArray)
                })
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
        ParamType::Uint8 | ParamType::Flags8 | ParamType::Sigtype | ParamType::L4proto
        | ParamType::Sockfamily | ParamType::Enumflags8 => {
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
        ParamType::Uint32 | ParamType::Flags32 | ParamType::Mode | ParamType::Uid
        | ParamType::Gid | ParamType::Sigset | ParamType::Bool | ParamType::Enumflags32 => {
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
            // Sub-type 0 of every DYN list in this table is an 8-byte integer.
            let ParamAux::Dyn(list) = aux else { panic!("DYN without sub-types") };
            assert_eq!(list[0].fixed_len(), Some(8), "{id}/{i}");
            let v = 700_000 + k;
            enc.push(0);
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
    let opts = WriterOptions { compression: Compression::None, ..Default::default() };
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
    let mut names = BTreeSet::new();
    for (n, &id) in ids.iter().enumerate() {
        let info = event::info_e5c53d64(id).unwrap();
        // Container events need JSON and a tid of -1; everything else runs in our thread.
        let tid = if info.large_payload() || id == 272 { u64::MAX } else { TID };
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
            names.insert(pi.name);
            params.push((pi.name, pi.ty, text));
        }
        w.event(&b.build().unwrap(), 0, 0).unwrap();
        expected.push((id, params));
    }
    w.finish().unwrap();

    // One sysdig run: evt.num, evt.type, then every parameter name raw and rendered.
    let names: Vec<&str> = names.into_iter().collect();
    let mut fmt = String::from("%evt.num\t%evt.type\t%evt.dir");
    for n in &names {
        fmt.push_str(&format!("\t%evt.rawarg.{n}\t%evt.arg.{n}"));
    }
    let (ok, lines, err) = sysdig_print(&path, &fmt, None);
    assert!(ok, "sysdig: {err}");
    let mut by_num = std::collections::HashMap::new();
    for l in &lines {
        let cols: Vec<&str> = l.split('\t').collect();
        assert_eq!(cols.len(), 3 + 2 * names.len(), "{l}");
        by_num.insert(cols[0].parse::<usize>().unwrap(), cols);
    }
    let mut checked = 0;
    let mut failures = Vec::new();
    for (n, (id, params)) in expected.iter().enumerate() {
        let info = event::info_e5c53d64(*id).unwrap();
        if info.category & 256 != 0 {
            continue; // EC_INTERNAL: sysdig reads but never prints these
        }
        let Some(cols) = by_num.get(&(n + 1)) else {
            failures.push(format!("event {id} ({}) not printed", info.name));
            continue;
        };
        for (name, ty, text) in params {
            // The first parameter of that name in this event type is what evt.arg.NAME shows.
            if params.iter().find(|p| p.0 == *name).unwrap().2 != *text {
                continue;
            }
            let k = names.iter().position(|x| x == name).unwrap();
            let (raw, arg) = (cols[3 + 2 * k], cols[4 + 2 * k]);
            let shown = match ty {
                ParamType::Sockaddr | ParamType::Socktuple | ParamType::Fdlist => arg,
                _ => raw,
            };
            let ok = match ty {
                // FD lists render as "fd:flags" items.
                ParamType::Fdlist => shown.starts_with(&format!("{text}:")),
                _ => shown == text,
            };
            if ok {
                checked += 1;
            } else {
                failures.push(format!(
                    "{} ({id}) {name} {:?}: encoded {text:?}, sysdig shows raw {raw:?} / arg {arg:?}",
                    info.name, ty
                ));
            }
        }
    }
    assert!(failures.is_empty(), "{} mismatches:\n{}", failures.len(), failures.join("\n"));
    assert!(checked > 600, "{checked}");
}
