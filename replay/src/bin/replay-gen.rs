//! `replay-gen`: writes the synthetic captures of `replay::synth`.
//!
//! ```text
//! replay-gen demo OUT.scap            the bundled demo (tests/fixtures/demo.scap)
//! replay-gen bench OUT.scap [EVENTS]   the benchmark's busy host (default 1000000 events)
//! ```

use std::path::PathBuf;

use anyhow::{bail, Context, Result};

fn main() -> Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args
        .iter()
        .map(String::as_str)
        .collect::<Vec<_>>()
        .as_slice()
    {
        ["demo", out] => {
            let cap = replay::synth::demo();
            cap.write(&PathBuf::from(out))
                .with_context(|| format!("writing {out}"))?;
            eprintln!("{out}: {} events", cap.events.len());
        }
        ["bench", out, rest @ ..] => {
            let n: usize = match rest {
                [] => 1_000_000,
                [n] => n.parse().context("EVENTS must be a number")?,
                _ => bail!("usage: replay-gen bench OUT.scap [EVENTS]"),
            };
            let cap = replay::synth::bench(n);
            cap.write(&PathBuf::from(out))
                .with_context(|| format!("writing {out}"))?;
            eprintln!("{out}: {} events", cap.events.len());
        }
        _ => bail!("usage: replay-gen demo OUT.scap | replay-gen bench OUT.scap [EVENTS]"),
    }
    Ok(())
}
