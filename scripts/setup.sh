#!/usr/bin/env bash
# Installs the host packages the test suite needs (idempotent; safe to run repeatedly).
#   sysdig 0.29.3: the reference reader for the differential tests (read-only use: offline
#   `sysdig -r`, so its DKMS driver, a mere recommendation, is not installed).
set -euo pipefail

need=()
command -v sysdig >/dev/null 2>&1 || need+=(sysdig)
command -v cargo-nextest >/dev/null 2>&1 || true
# eBPF driver (harrier-ebpf): libbpf-sys builds its vendored libbpf against libelf/zlib;
# clang-16, llvm-16 and libbpf-dev rebuild the probe (scripts/ebpf-build.sh), bpftool
# dumps vmlinux.h.
for p in clang-16 llvm-16 libelf-dev zlib1g-dev pkg-config libbpf-dev make bpftool; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || need+=("$p")
done

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
