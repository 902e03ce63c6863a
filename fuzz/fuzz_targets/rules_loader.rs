//! Fuzz target for the rules loader: arbitrary bytes as one or two rules files (split at
//! the first NUL), loaded with the real field registry, then every rendering of the load
//! results. Must never panic; errors are results.
#![no_main]

use engine::fields::Registry;
use engine::rules::result::load_results_json;
use engine::rules::Loader;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let (a, b) = match text.split_once('\0') {
        Some((a, b)) => (a.to_string(), Some(b.to_string())),
        None => (text.to_string(), None),
    };
    let reg = Registry;
    let mut loader = Loader::new(&reg);
    let mut results = vec![loader.load("a.yaml", &a)];
    if let Some(b) = b {
        results.push(loader.load("b.yaml", &b));
    }
    for r in &results {
        let _ = r.summary_text();
        let _ = r.verbose_text(&loader.contents);
    }
    let _ = load_results_json(&results, &loader.contents).to_string();
    let _ = loader.check_plugin_requirements();
});
