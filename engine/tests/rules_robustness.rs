//! Damaged rules files never panic the loader: every conformance case and the upstream
//! stable file, truncated at many offsets and with random byte flips (fixed seed), are
//! loaded and all their results rendered. (The cargo-fuzz target `rules_loader` explores
//! further; this is the deterministic CI slice.)

use engine::fields::Registry;
use engine::rules::result::load_results_json;
use engine::rules::Loader;
use std::path::PathBuf;

struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

fn load_all(text: &[u8]) {
    let reg = Registry;
    let mut l = Loader::new(&reg);
    let s = String::from_utf8_lossy(text);
    let r = l.load("f.yaml", &s);
    let _ = r.summary_text();
    let _ = r.verbose_text(&l.contents);
    let _ = load_results_json(std::slice::from_ref(&r), &l.contents).to_string();
    // A second file on top of the first exercises cross-file overrides.
    let r2 = l.load("g.yaml", &s);
    let _ = r2.verbose_text(&l.contents);
}

const NOISE: &[u8] = b"-:[]{}'\"#>|&*!%,\n \t()=aZ09.\\";

fn mutate(src: &[u8], rng: &mut Rng, rounds: usize) {
    for _ in 0..rounds {
        let mut b = src.to_vec();
        for _ in 0..1 + rng.below(4) {
            let i = rng.below(b.len());
            match rng.below(3) {
                0 => b[i] = NOISE[rng.below(NOISE.len())],
                1 => {
                    b.remove(i.min(b.len().saturating_sub(1)));
                }
                _ => b.insert(i, NOISE[rng.below(NOISE.len())]),
            }
            if b.is_empty() {
                break;
            }
        }
        load_all(&b);
    }
}

#[test]
fn damaged_rules_never_panic() {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/data/rules");
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir.join("cases"))
        .expect("cases")
        .flatten()
        .map(|e| e.path())
        .collect();
    files.sort();
    for p in &files {
        let src = std::fs::read(p).expect("case");
        for cut in (0..src.len()).step_by(13) {
            load_all(&src[..cut]);
        }
        mutate(&src, &mut rng, 12);
    }
    let up = std::fs::read(dir.join("upstream/falco_rules.yaml")).expect("upstream");
    for _ in 0..6 {
        let cut = rng.below(up.len());
        load_all(&up[..cut]);
    }
    mutate(&up, &mut rng, 6);
}
