//! Fuzz target for the falco.yaml-style configuration: arbitrary bytes as the YAML file,
//! then (after the first NUL) one `-o key=value` override per line, then decoding. Must
//! never panic; errors are results.
#![no_main]

use engine::config::ConfigTree;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let (yaml, opts) = text.split_once('\0').unwrap_or((&text, ""));
    let Ok(mut tree) = ConfigTree::from_yaml("falco.yaml", yaml) else {
        return;
    };
    for o in opts.lines() {
        let _ = tree.apply_override(o);
    }
    if let Ok(c) = tree.decode() {
        let _ = format!("{c:?}");
    }
});
