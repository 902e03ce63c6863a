#!/usr/bin/env bash
# Installs the host packages the test suite needs (idempotent; safe to run repeatedly).
#   sysdig 0.29.3: the reference reader for the differential tests (read-only use: offline
#   `sysdig -r`, so its DKMS driver, a mere recommendation, is not installed).
set -euo pipefail

need=()
command -v sysdig >/dev/null 2>&1 || need+=(sysdig)
command -v cargo-nextest >/dev/null 2>&1 || true

if [ ${#need[@]} -gt 0 ]; then
    if [ "$(id -u)" != 0 ]; then
        echo "setup: need root to apt-get install ${need[*]}" >&2
        exit 1
    fi
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends "${need[@]}"
fi
sysdig --version
