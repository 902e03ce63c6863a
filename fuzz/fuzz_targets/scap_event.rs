//! Fuzz target: the event-record decoder (`EventRef::parse`, every `Param` decoding, the
//! text rendering) over arbitrary bytes.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    scap::fuzz::decode_event(data);
});
