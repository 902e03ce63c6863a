//! Every real libscap sample is read by our reader with the events sysdig 0.29.3 shows.
//!
//! sysdig prints every event except: internal ones (category EC_INTERNAL: procinfo 234,
//! sysdigevent 196, drop, ...), events of types its
//! table (ids < 336) does not know, and EVF state-only events (dump flag 1). It numbers
//! events (`evt.num`) over everything it reads, including procinfo, and not counting the
//! unknown types it skips. We predict its `%evt.num %evt.type %evt.dir` lines from our
//! reading and compare them line by line.

use harrier_integration::*;
use scap::file::{CaptureReader, Record};

/// libscap's EC_INTERNAL category: events sysdig reads but does not print (procinfo,
/// sysdigevent, drop, container 228, ...).
const EC_INTERNAL: u32 = 256;

struct Summary {
    events: u64,
    predicted: Vec<String>,
    procs: usize,
}

fn read_ours(path: &std::path::Path) -> Summary {
    let mut r = CaptureReader::open(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let mut s = Summary {
        events: 0,
        predicted: Vec::new(),
        procs: 0,
    };
    let mut sysdig_num = 0u64;
    loop {
        match r.next_record() {
            Ok(None) => break,
            Ok(Some(Record::Proc(_))) => s.procs += 1,
            Ok(Some(Record::Event(e))) => {
                s.events += 1;
                assert_eq!(e.num, s.events);
                if e.ty() >= 336 {
                    continue; // unknown to sysdig 0.29.3: skipped, not numbered
                }
                sysdig_num += 1;
                let old = scap_abi::event::info_e5c53d64(e.ty()).expect("id < 336");
                if old.category & EC_INTERNAL != 0 || e.flags & 1 != 0 {
                    continue; // procinfo etc. / state-only: numbered but not printed
                }
                // sysdig names events with its own (e5c53d64) table; generic events by
                // their PPM_SC code.
                let name = if e.ty() < 2 { e.type_name() } else { old.name };
                s.predicted
                    .push(format!("{} {} {}", sysdig_num, name, e.dir().symbol()));
            }
            Ok(Some(_)) => {}
            Err(e) => panic!("{}: {e}", path.display()),
        }
    }
    s
}

#[test]
fn every_sample_reads_with_sysdigs_event_list() {
    let samples = scap_samples();
    assert!(samples.len() >= 5, "samples missing: {samples:?}");
    for path in samples {
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        let ours = read_ours(&path);
        assert!(ours.events > 0, "{name}: no events");
        assert!(ours.procs > 0, "{name}: no process list");
        let (ok, lines, err) = sysdig_print(&path, "%evt.num %evt.type %evt.dir", None);
        if name == SAMPLE_SYSDIG_REJECTS {
            assert!(
                !ok,
                "{name}: sysdig 0.29.3 was expected to reject SHB options"
            );
            assert!(err.contains("Could not initialize reader"), "{name}: {err}");
            // We read it, and it is the same capture as the option-less sample.
            let twin = read_ours(&scap_sample("libs_e2e_curl_google.scap"));
            assert_eq!(ours.events, twin.events);
            assert_eq!(ours.predicted, twin.predicted);
            continue;
        }
        assert!(ok, "{name}: sysdig failed: {err}");
        assert_eq!(
            ours.predicted.len(),
            lines.len(),
            "{name}: line counts differ"
        );
        for (i, (a, b)) in ours.predicted.iter().zip(&lines).enumerate() {
            assert_eq!(a, b, "{name}: line {i}");
        }
    }
}

#[test]
fn known_event_counts() {
    // Event-block counts from scap-format.md §12.2.
    for (name, n) in [
        ("libs_e2e_curl_google.scap", 1536),
        ("libs_e2e_curl_google_comments.scap", 1536),
        ("libs_e2e_single_ipv6_conn.scap", 1728),
        ("libs_e2e_test_ipv6_client.scap", 326),
        ("libs_sinsp_test_sample.scap", 572),
    ] {
        assert_eq!(read_ours(&scap_sample(name)).events, n, "{name}");
    }
}
