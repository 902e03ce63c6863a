//! Bad input never panics, errors say where, and nothing before the damage is lost:
//! truncation at every byte offset, random byte flips, truncated gzip/zstd streams, and a
//! zstd writer "killed" between flushes.

use std::io::Read;
use std::path::Path;

use harrier_integration::*;
use scap::event::EventBuilder;
use scap::file::{CaptureReader, CaptureWriter, Compression, ErrorKind, Record, WriterOptions};
use scap_abi::event::ids;

/// The decompressed bytes of a sample.
fn plain_bytes(path: &Path) -> Vec<u8> {
    let raw = std::fs::read(path).unwrap();
    if raw.starts_with(&[0x1f, 0x8b]) {
        let mut v = Vec::new();
        flate2::read::MultiGzDecoder::new(&raw[..])
            .read_to_end(&mut v)
            .unwrap();
        v
    } else {
        raw
    }
}

/// (offset, end) of every block, walking the framing.
fn blocks(b: &[u8]) -> Vec<(usize, usize)> {
    let mut v = Vec::new();
    let mut at = 0;
    while at + 8 <= b.len() {
        let len = u32::from_le_bytes(b[at + 4..at + 8].try_into().unwrap()) as usize;
        v.push((at, at + len));
        at += len;
    }
    assert_eq!(at, b.len());
    v
}

struct Outcome {
    /// (block offset, record bytes) of every event returned.
    events: Vec<(u64, Vec<u8>)>,
    error: Option<scap::file::ReadError>,
}

fn read_all(mut r: CaptureReader) -> Outcome {
    let mut events = Vec::new();
    loop {
        match r.next_record() {
            Ok(None) => {
                return Outcome {
                    events,
                    error: None,
                }
            }
            Ok(Some(Record::Event(e))) => events.push((e.offset, e.as_bytes().to_vec())),
            Ok(Some(_)) => {}
            Err(e) => {
                // The reader is finished after an error.
                assert!(matches!(r.next_record(), Ok(None)));
                return Outcome {
                    events,
                    error: Some(e),
                };
            }
        }
    }
}

/// `read_all` through the visitor (`for_each_record`), stopping after every 7th event and
/// resuming, so the fast loop, its write-back and the general path all take turns.
fn read_all_visit(mut r: CaptureReader) -> Outcome {
    let mut events = Vec::new();
    loop {
        let before = events.len();
        let res = r.for_each_record(|rec| {
            if let Record::Event(e) = rec {
                events.push((e.offset, e.as_bytes().to_vec()));
                if events.len() % 7 == 0 {
                    return std::ops::ControlFlow::Break(());
                }
            }
            std::ops::ControlFlow::Continue(())
        });
        match res {
            Err(e) => {
                assert!(matches!(r.next_record(), Ok(None)));
                assert_eq!(r.events_read(), events.len() as u64);
                return Outcome {
                    events,
                    error: Some(e),
                };
            }
            Ok(()) if events.len() % 7 == 0 && events.len() != before => continue,
            Ok(()) => {
                assert!(matches!(r.next_record(), Ok(None)));
                assert_eq!(r.events_read(), events.len() as u64);
                return Outcome {
                    events,
                    error: None,
                };
            }
        }
    }
}

/// Checks a read of `data[..cut]` against the read of the whole `data`.
fn check_cut(data: &[u8], cut: usize, all: &Outcome, blks: &[(usize, usize)], what: &str) {
    check_read(
        read_all(CaptureReader::from_bytes(data[..cut].to_vec())),
        cut,
        all,
        blks,
        what,
    );
    let r = CaptureReader::from_bytes(data[..cut].to_vec());
    check_read(
        read_all_visit(r),
        cut,
        all,
        blks,
        &format!("{what} (visitor)"),
    );
    // The same bytes as a plain stream: framed in the reader's window, not in place.
    let r = CaptureReader::from_reader(std::io::Cursor::new(data[..cut].to_vec())).unwrap();
    check_read(
        read_all_visit(r),
        cut,
        all,
        blks,
        &format!("{what} (stream)"),
    );
}

/// Checks the outcome `o` of reading the first `cut` bytes against the whole read.
fn check_read(o: Outcome, cut: usize, all: &Outcome, blks: &[(usize, usize)], what: &str) {
    let end_of = |off: u64| blks[blks.binary_search_by_key(&(off as usize), |b| b.0).unwrap()].1;
    let whole: Vec<_> = all
        .events
        .iter()
        .filter(|(off, _)| end_of(*off) <= cut)
        .collect();
    assert_eq!(o.events.len(), whole.len(), "{what}: cut {cut}");
    for (a, b) in o.events.iter().zip(&whole) {
        assert_eq!(&a, b, "{what}: cut {cut}");
    }
    let i = blks.partition_point(|b| b.1 <= cut);
    match (i < blks.len() && blks[i].0 < cut).then_some(i) {
        None if cut == 0 => assert!(matches!(o.error.unwrap().kind, ErrorKind::Empty)),
        None => assert!(
            o.error.is_none(),
            "{what}: cut {cut} at a block boundary: {:?}",
            o.error
        ),
        Some(i) => {
            let e = o
                .error
                .unwrap_or_else(|| panic!("{what}: cut {cut}: no error"));
            assert!(
                matches!(e.kind, ErrorKind::Truncated { .. }),
                "{what}: cut {cut}: {e}"
            );
            assert_eq!(e.offset, blks[i].0 as u64, "{what}: cut {cut}: {e}");
            assert_eq!(e.block, i as u64 + 1, "{what}: cut {cut}: {e}");
            assert_eq!(e.event, whole.len() as u64 + 1, "{what}: cut {cut}");
            let msg = e.to_string();
            let want = format!(
                "byte offset {} (block {}, event {})",
                blks[i].0,
                i + 1,
                whole.len() + 1
            );
            assert!(msg.starts_with(&want), "{msg}");
        }
    }
}

/// Like `read_all`, and gives the reader's buffer back for the next, shorter read.
fn read_all_keep(bytes: Vec<u8>) -> (Outcome, Vec<u8>) {
    let mut r = CaptureReader::from_bytes(bytes);
    let mut events = Vec::new();
    let error = loop {
        match r.next_record() {
            Ok(None) => break None,
            Ok(Some(Record::Event(e))) => events.push((e.offset, e.as_bytes().to_vec())),
            Ok(Some(_)) => {}
            Err(e) => break Some(e),
        }
    };
    (
        Outcome { events, error },
        r.into_bytes().expect("plain bytes"),
    )
}

/// A small capture with every block kind our writer emits (SHB, MI, IL, UL, PL, FDL,
/// container event in a LARGE block, EV_V2, EVF_V2, EV_V2_LARGE) and a second section.
fn synthetic_capture() -> Vec<u8> {
    use scap::file::*;
    let dir = scratch_dir("scap_damage_synth");
    let path = dir.join("synth.scap");
    let opts = WriterOptions {
        compression: Compression::None,
        ..Default::default()
    };
    let mut w = CaptureWriter::create(&path, opts).unwrap();
    for section in 0..2u64 {
        if section == 1 {
            w.section_header().unwrap();
        }
        w.machine_info(&MachineInfo {
            num_cpus: 2,
            memory_size_bytes: 1 << 30,
            max_pid: 0,
            hostname: "h".into(),
            reserved: [0; 4],
        })
        .unwrap();
        w.interfaces(&[Interface::V4 {
            name: b"lo",
            addr: [127, 0, 0, 1],
            netmask: [255, 0, 0, 0],
            bcast: [127, 0, 0, 1],
            linkspeed: None,
        }])
        .unwrap();
        w.users(&[UserListEntry::User(User {
            uid: 0,
            gid: 0,
            name: b"root",
            homedir: b"/root",
            shell: b"/bin/sh",
        })])
        .unwrap();
        let p = ProcEntry {
            version: 9,
            tid: 7,
            pid: 7,
            ptid: 1,
            comm: b"sh",
            exe: b"sh",
            ..Default::default()
        };
        w.proc_list(&[p]).unwrap();
        let fd = FdEntry {
            tid: 7,
            fd: 3,
            ino: 1,
            info: FdInfo::File {
                open_flags: 1,
                name: b"/etc/passwd",
                dev: Some(0),
            },
        };
        w.fd_list(7, &[fd]).unwrap();
        let c = EventBuilder::new(10, u64::MAX, ids::CONTAINER_E)
            .str("{}")
            .build()
            .unwrap();
        w.event(&c, 0, 0).unwrap();
        for i in 0..20u64 {
            let e = EventBuilder::new(100 + i, 7, ids::READ_E)
                .fd(3)
                .u32(10)
                .build()
                .unwrap();
            w.event(&e, 1, if i % 5 == 0 { 1 } else { 0 }).unwrap();
            let x = EventBuilder::new(101 + i, 7, ids::READ_X)
                .i64(4)
                .bytes(b"abcd")
                .build()
                .unwrap();
            w.event(&x, 1, 0).unwrap();
        }
        let big = EventBuilder::new(500, 7, ids::WRITE_X)
            .i64(65530)
            .bytes(&[7u8; 65530])
            .build()
            .unwrap();
        w.event(&big, 0, section as u32).unwrap(); // EV_V2_LARGE, then EVF_V2_LARGE
    }
    w.finish().unwrap();
    std::fs::read(&path).unwrap()
}

#[test]
fn synthetic_capture_truncated_at_every_byte_offset_of_small_blocks() {
    let data = synthetic_capture();
    let blks = blocks(&data);
    let types: std::collections::BTreeSet<u32> = blks
        .iter()
        .map(|b| u32::from_le_bytes(data[b.0..b.0 + 4].try_into().unwrap()))
        .collect();
    assert_eq!(types.len(), 10, "every block kind present: {types:x?}");
    let all = read_all(CaptureReader::from_bytes(data.clone()));
    assert!(all.error.is_none());
    assert_eq!(all.events.len(), 84);
    // The visitor returns the same events, and the same block counts.
    let mut a = CaptureReader::from_bytes(data.clone());
    while a.next_record().unwrap().is_some() {}
    let mut b = CaptureReader::from_bytes(data.clone());
    let visited = read_all_visit(CaptureReader::from_bytes(data.clone()));
    assert_eq!(visited.events, all.events);
    b.for_each_record(|_| std::ops::ControlFlow::Continue(()))
        .unwrap();
    assert_eq!(a.stats(), b.stats());
    assert_eq!(a.position(), b.position());
    // Every offset, except inside the two 64 KiB LARGE payloads, where every 61st and
    // the 16 bytes at each edge (each cut there costs a read of the whole prefix).
    for cut in 0..=data.len() {
        let i = blks.partition_point(|b| b.1 <= cut).min(blks.len() - 1);
        let (s, e) = blks[i];
        if e - s > 4096 && cut - s > 16 && e - cut > 16 && (cut - s) % 61 != 0 {
            continue;
        }
        check_cut(&data, cut, &all, &blks, "synthetic");
    }
}

#[test]
fn real_samples_truncated_at_every_byte_offset() {
    // Every cut of every sample, read from a window: the SHB, then the blocks from a
    // little before the cut up to the cut. The reader's behaviour at a cut only depends
    // on the blocks it has framed so far, and framing a block that is cut short fails
    // before decoding it, so this exercises every offset in linear time. Cuts of the
    // literal prefix (no window) are checked at a stride below.
    for path in scap_samples() {
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        let data = plain_bytes(&path);
        let blks = blocks(&data);
        let shb = &data[..blks[0].1];
        for (i, &(start, end)) in blks.iter().enumerate().skip(1) {
            // Window: the block before block i (if it is not the SHB) and block i.
            let w0 = if i > 1 { i - 1 } else { i };
            let mut win = shb.to_vec();
            win.extend_from_slice(&data[blks[w0].0..end]);
            let shift = blks[w0].0 - shb.len();
            let wblks: Vec<(usize, usize)> = std::iter::once(blks[0])
                .chain(blks[w0..=i].iter().map(|&(s, e)| (s - shift, e - shift)))
                .collect();
            let wall = read_all(CaptureReader::from_bytes(win.clone()));
            assert!(wall.error.is_none(), "{name}: block {i}");
            // Cut from the end down, shortening one buffer in place (no copy per cut).
            let mut buf = win;
            for cut in ((start - shift + 1)..(end - shift)).rev() {
                buf.truncate(cut);
                let (o, back) = read_all_keep(buf);
                check_read(o, cut, &wall, &wblks, &name);
                buf = back;
            }
        }
        // Literal prefixes at a stride.
        let all = read_all(CaptureReader::from_bytes(data.clone()));
        for cut in (0..=data.len())
            .step_by(4099)
            .chain([data.len() - 1, data.len()])
        {
            check_cut(&data, cut, &all, &blks, &name);
        }
    }
}

struct XorShift(u64);
impl XorShift {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
}

#[test]
fn random_byte_flips_never_panic_and_keep_earlier_events() {
    let mut rng = XorShift(0x9E37_79B9_7F4A_7C15);
    for path in scap_samples() {
        let data = plain_bytes(&path);
        let blks = blocks(&data);
        let all = read_all(CaptureReader::from_bytes(data.clone()));
        for _ in 0..100 {
            let mut d = data.clone();
            let nflips = 1 + rng.next() % 4;
            let mut first = usize::MAX;
            for _ in 0..nflips {
                let at = (rng.next() % d.len() as u64) as usize;
                d[at] ^= 1 << (rng.next() % 8);
                first = first.min(at);
            }
            let o = read_all(CaptureReader::from_bytes(d));
            // Every event whose block ends before the first flipped byte is returned intact.
            let intact: Vec<_> = all
                .events
                .iter()
                .filter(|(off, _)| {
                    blks[blks
                        .binary_search_by_key(&(*off as usize), |b| b.0)
                        .unwrap()]
                    .1 <= first
                })
                .collect();
            assert!(
                o.events.len() >= intact.len(),
                "{}: flip at {first}",
                path.display()
            );
            for (a, b) in o.events.iter().zip(intact) {
                assert_eq!(a, b);
            }
            if let Some(e) = o.error {
                let msg = e.to_string();
                assert!(
                    msg.starts_with("byte offset ") && msg.contains("block "),
                    "{msg}"
                );
            }
        }
    }
}

#[test]
fn truncated_gzip_keeps_whole_events() {
    let path = scap_sample("libs_e2e_single_ipv6_conn.scap");
    let raw = std::fs::read(&path).unwrap();
    let all = read_all(CaptureReader::from_bytes(raw.clone()));
    assert_eq!(all.events.len(), 1728);
    let mut last = 0;
    for cut in (0..raw.len()).step_by(499).chain([raw.len() - 1]) {
        let o = read_all(CaptureReader::from_bytes(raw[..cut].to_vec()));
        assert!(
            o.error.is_some(),
            "cut {cut}: a truncated gzip stream must be reported"
        );
        assert!(
            o.events.len() >= last,
            "cut {cut}: fewer events than a shorter cut"
        );
        last = o.events.len();
        for (a, b) in o.events.iter().zip(&all.events) {
            assert_eq!(a, b);
        }
    }
    // Nearly all events come back from a stream cut just before its gzip trailer.
    assert!(last >= 1700, "{last}");
}

/// A zstd capture flushed every 100 events, then "killed": the writer is leaked without
/// closing, and the file is cut at every offset of its tail. Every event flushed before
/// the cut comes back, then a truncation error.
#[test]
fn zstd_writer_killed_mid_way_leaves_every_flushed_event_readable() {
    let dir = scratch_dir("scap_damage_zstd");
    let path = dir.join("killed.scap.zst");
    let opts = WriterOptions {
        compression: Compression::Zstd,
        flush_interval: None,
        level: None,
    };
    let mut w = CaptureWriter::create(&path, opts).unwrap();
    let mut frame_ends = vec![]; // (file length, events flushed)
    for i in 0..1000u64 {
        let rec = EventBuilder::new(1_000 + i, 42, ids::WRITE_X)
            .i64(5)
            .bytes(format!("payload {i} {}", "x".repeat((i % 90) as usize)).as_bytes())
            .build()
            .unwrap();
        w.event(&rec, (i % 2) as u16, 0).unwrap();
        if i % 100 == 99 {
            w.flush().unwrap();
            frame_ends.push((std::fs::metadata(&path).unwrap().len() as usize, i + 1));
        }
    }
    // 50 more events that were never flushed, then the process "dies".
    for i in 0..50u64 {
        let rec = EventBuilder::new(5_000 + i, 42, ids::CLOSE_E)
            .i64(3)
            .build()
            .unwrap();
        w.event(&rec, 0, 0).unwrap();
    }
    std::mem::forget(w);
    let bytes = std::fs::read(&path).unwrap();
    assert!(frame_ends.len() == 10 && frame_ends[9].0 <= bytes.len());
    // Whole file as left behind: all 1000 flushed events (and maybe more).
    let o = read_all(CaptureReader::from_bytes(bytes.clone()));
    assert!(o.events.len() >= 1000, "{}", o.events.len());
    // Cuts anywhere: at least the events of the complete frames before the cut.
    for cut in (0..bytes.len()).step_by(7) {
        let want = frame_ends
            .iter()
            .filter(|f| f.0 <= cut)
            .map(|f| f.1)
            .max()
            .unwrap_or(0);
        let o = read_all(CaptureReader::from_bytes(bytes[..cut].to_vec()));
        assert!(
            o.events.len() as u64 >= want,
            "cut {cut}: {} < {want}",
            o.events.len()
        );
        if !frame_ends.iter().any(|f| f.0 == cut) && cut > 0 {
            assert!(
                o.error.is_some(),
                "cut {cut} inside a frame must be reported"
            );
        }
    }
}

/// Plain files are read through a sliding memory map (8 MiB windows): a capture several
/// windows long, with blocks straddling every window edge and 65 KB blocks, reads the
/// same through the map, in memory and as a stream; cuts around a window edge report the
/// same error at the same place.
#[test]
fn mapped_window_slides_over_large_files() {
    use scap::file::*;
    let dir = scratch_dir("scap_damage_window");
    let path = dir.join("big.scap");
    let opts = WriterOptions {
        compression: Compression::None,
        ..Default::default()
    };
    let mut w = CaptureWriter::create(&path, opts).unwrap();
    let mut n = 0u64;
    // About 26 MB: events of varied sizes so block edges fall everywhere.
    while w.bytes_written() < 26 << 20 {
        let len = 200 + (n * 7919 % 4000) as usize;
        let payload = vec![(n % 251) as u8; len];
        let e = EventBuilder::new(1000 + n, 7, ids::WRITE_X)
            .i64(len as i64)
            .bytes(&payload)
            .build()
            .unwrap();
        w.event(&e, (n % 2) as u16, 0).unwrap();
        if n.is_multiple_of(5000) {
            let big = EventBuilder::new(1000 + n, 7, ids::WRITE_X)
                .i64(65_000)
                .bytes(&[9u8; 65_000])
                .build()
                .unwrap();
            w.event(&big, 0, 0).unwrap();
        }
        n += 1;
    }
    w.finish().unwrap();
    let data = std::fs::read(&path).unwrap();
    let blks = blocks(&data);
    let all = read_all(CaptureReader::from_bytes(data.clone()));
    assert!(all.error.is_none());
    let mapped = CaptureReader::open(&path).unwrap();
    assert!(mapped.is_mapped());
    let m = read_all_visit(mapped);
    assert!(m.error.is_none());
    assert_eq!(m.events, all.events);
    let m = read_all(CaptureReader::open(&path).unwrap());
    assert_eq!(m.events, all.events);
    let s = read_all(CaptureReader::open_streaming(&path).unwrap());
    assert_eq!(s.events, all.events);
    // Cuts around the first window edge (8 MiB), read through the map.
    let edge = 8 << 20;
    let cut_path = dir.join("cut.scap");
    for cut in [edge - 3, edge, edge + 1, edge + 5000, data.len() - 1] {
        std::fs::write(&cut_path, &data[..cut]).unwrap();
        check_read(
            read_all_visit(CaptureReader::open(&cut_path).unwrap()),
            cut,
            &all,
            &blks,
            "mapped",
        );
    }
}
