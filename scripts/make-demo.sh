#!/bin/sh
# Regenerate tests/fixtures/demo.scap, the bundled demo capture (README's first command),
# with our own synthetic-capture generator (replay/src/synth.rs, `demo` scenario).
# The output is deterministic: rerunning yields the same bytes.
set -eu
cd "$(dirname "$0")/.."
cargo run -q -p replay --bin replay-gen -- demo tests/fixtures/demo.scap
