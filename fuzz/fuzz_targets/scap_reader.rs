//! Fuzz target: the capture-file reader over arbitrary bytes (plain, or gzip/zstd when the
//! input starts with their magic), decoding every record and every event parameter.
//! Regressions are replayed by `cargo test -p scap --test fuzz_regressions`.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    scap::fuzz::read_capture(data);
});
