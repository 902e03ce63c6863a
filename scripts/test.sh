#!/usr/bin/env bash
# The one test command (README, CI): installs what it needs, then runs every test:
#   1. the Cargo workspace suites (unit, data-driven, sysdig differential, end-to-end);
#   2. the kernel-module VM test (builds or reuses the cached Rust-enabled test kernel).
# Set HARRIER_SKIP_VM=1 to skip step 2 on a machine where it cannot run.
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/setup.sh
scripts/ebpf-build.sh   # the checked-in eBPF object and its generated header are current
cargo test --workspace --locked --no-fail-fast
if [ "${HARRIER_SKIP_VM:-0}" != 1 ]; then
    scripts/vm-test.sh
fi
