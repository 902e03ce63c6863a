#!/usr/bin/env bash
# scap read benchmark: generates a realistic 1 M-event capture (plain and zstd), reads and
# decodes every parameter of every event, runs `sysdig -r FILE evt.num=0` on the same file
# in the same run, and prints events/s (per wall and per CPU second) and file sizes
# (our zstd vs sysdig's own gzip of the same events).
#   scripts/bench-scap.sh [EVENTS]
# Profiling aid: BENCH_READ_ONLY=target/bench-scap/bench.scap scripts/bench-scap.sh
set -euo pipefail
cd "$(dirname "$0")/.."
exec cargo bench -p scap --bench read -- "${1:-1000000}"
