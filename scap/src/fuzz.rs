//! Entry points shared by the cargo-fuzz targets (`fuzz/fuzz_targets/scap_*.rs`) and the
//! regression replay test (`scap/tests/fuzz_regressions.rs`): they exercise every decoder
//! on hostile bytes and must never panic.

use std::hint::black_box;

use crate::event::EventRef;
use crate::file::{CaptureReader, Record};

/// Reads `data` as a capture to the end or the first error, decoding every record and
/// every event parameter. Returns the number of records read.
pub fn read_capture(data: &[u8]) -> u64 {
    let mut r = CaptureReader::from_bytes(data.to_vec());
    let mut n = 0u64;
    let mut events = 0u64;
    let mut line = String::new();
    let mut failed = false;
    loop {
        match r.next_record() {
            Ok(Some(rec)) => {
                n += 1;
                match rec {
                    Record::Event(e) => {
                        events += 1;
                        line.clear();
                        crate::text::format_event_line(&e, &mut line);
                        black_box(&line);
                    }
                    other => {
                        black_box(format!("{other:?}"));
                    }
                }
            }
            Ok(None) => break,
            Err(e) => {
                black_box(e.to_string());
                failed = true;
                // The reader is finished after an error.
                assert!(matches!(r.next_record(), Ok(None)));
                break;
            }
        }
    }
    // The visitor (fast loop + general path) must agree with `next_record`.
    let mut v = CaptureReader::from_bytes(data.to_vec());
    let mut m = 0u64;
    let res = v.for_each_record(|rec| {
        m += 1;
        if let Record::Event(e) = rec {
            let mut k = 0usize;
            e.for_each_param(|_, p| {
                black_box(p);
                k += 1;
            });
            // `next` (external iteration) against the visitor's internal iteration.
            let mut it = e.params();
            let mut via_next = 0usize;
            while it.next().is_some() {
                via_next += 1;
            }
            assert_eq!(k, via_next, "for_each_param and params disagree");
        }
        std::ops::ControlFlow::Continue(())
    });
    assert_eq!(m, n, "visitor and next_record disagree on the record count");
    assert_eq!(
        res.is_err(),
        failed,
        "visitor and next_record disagree on the error"
    );
    assert_eq!(
        r.stats(),
        v.stats(),
        "visitor and next_record disagree on the counters"
    );
    // The event visitor sees exactly the events.
    let mut w = CaptureReader::from_bytes(data.to_vec());
    let mut seen = 0u64;
    let res = w.for_each_event(|_| {
        seen += 1;
        std::ops::ControlFlow::Continue(())
    });
    assert_eq!(seen, events, "for_each_event and next_record disagree");
    assert_eq!(
        res.is_err(),
        failed,
        "for_each_event and next_record disagree"
    );
    n
}

/// Decodes `data` as one event record (any validated view is fully decoded and rendered).
pub fn decode_event(data: &[u8]) {
    if let Ok(ev) = EventRef::parse(data) {
        for i in 0..=ev.nparams() as usize {
            black_box(ev.param(i));
            black_box(ev.param_bytes(i));
        }
        let mut s = String::new();
        // A `for` loop iterates with `next`; the visitor below goes through `fold`.
        let mut all = Vec::new();
        for x in ev.params() {
            all.push(x);
        }
        for (_, p) in &all {
            crate::text::push_param(&mut s, p);
        }
        // The visitor decodes exactly what the iterator does.
        let mut seen = Vec::with_capacity(all.len());
        ev.for_each_param(|pi, p| seen.push((pi, p)));
        assert!(
            seen.len() == all.len()
                && seen
                    .iter()
                    .zip(&all)
                    .all(|(a, b)| a.0 == b.0 && same_param(&a.1, &b.1)),
            "for_each_param and params disagree"
        );
        black_box(ev.type_name());
        let mut out = Vec::new();
        crate::render::Renderer::new().args(&ev, &crate::render::NoState, &mut out);
        black_box(out);
    }
}

/// `Param` equality where NaN doubles compare equal bit for bit.
fn same_param(a: &crate::event::Param<'_>, b: &crate::event::Param<'_>) -> bool {
    use crate::event::Param;
    match (a, b) {
        (Param::Double(x), Param::Double(y)) => x.to_bits() == y.to_bits(),
        _ => a == b,
    }
}
