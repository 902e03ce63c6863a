#!/usr/bin/env bash
# Rebuilds the eBPF probe with the pinned compiler and checks it against the checked-in
# object (the object is what harrier-ebpf embeds; no clang is needed to build the crate).
#
#   scripts/ebpf-build.sh           rebuild into a temp dir, `cmp` with ebpf/probe/harrier.bpf.o
#   scripts/ebpf-build.sh --update  rebuild and replace the checked-in object
#
# Also checks that ebpf/probe/harrier_abi.h is what `gen-abi-header` writes from scap-abi.
# Pinned toolchain: Debian bookworm clang-16 / llvm-strip-16, libbpf-dev 1.1 headers
# (scripts/setup.sh installs them). The build is deterministic: same inputs, same bytes.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
probe=$root/ebpf/probe
CLANG=${CLANG:-clang-16}
STRIP=${STRIP:-llvm-strip-16}
mode=${1:-check}

command -v "$CLANG" >/dev/null || { echo "ebpf-build: $CLANG not found (scripts/setup.sh installs it)" >&2; exit 2; }
"$CLANG" --version | head -1 | grep -q 'version 16\.' || {
    echo "ebpf-build: $CLANG is not clang 16: $("$CLANG" --version | head -1)" >&2; exit 2; }
[ -f /usr/include/bpf/bpf_helpers.h ] || { echo "ebpf-build: libbpf-dev headers missing" >&2; exit 2; }

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# 1. the generated header is current
(cd "$root" && cargo run -q -p harrier-tools --bin gen-abi-header -- "$tmp/harrier_abi.h")
if ! cmp -s "$tmp/harrier_abi.h" "$probe/harrier_abi.h"; then
    if [ "$mode" = "--update" ]; then
        cp "$tmp/harrier_abi.h" "$probe/harrier_abi.h"
        echo "ebpf-build: harrier_abi.h regenerated"
    else
        echo "ebpf-build: ebpf/probe/harrier_abi.h is stale (run scripts/ebpf-build.sh --update)" >&2
        exit 1
    fi
fi

# 2. the object. BTF line info records source paths: map the checkout's directory to "."
#    so that every clone builds the same bytes.
(cd "$probe" && "$CLANG" -target bpf -O2 -g -Wall -Werror -D__TARGET_ARCH_x86 \
    -fdebug-prefix-map="$probe"=. -I. -c harrier.bpf.c -o "$tmp/harrier.bpf.o")
"$STRIP" -g "$tmp/harrier.bpf.o"
if [ "$mode" = "--update" ]; then
    cp "$tmp/harrier.bpf.o" "$probe/harrier.bpf.o"
    echo "ebpf-build: ebpf/probe/harrier.bpf.o updated ($(stat -c %s "$probe/harrier.bpf.o") bytes)"
elif cmp "$tmp/harrier.bpf.o" "$probe/harrier.bpf.o"; then
    echo "ebpf-build: ok, the checked-in object matches a fresh $CLANG build ($(sha256sum < "$probe/harrier.bpf.o" | cut -c1-16))"
else
    echo "ebpf-build: the checked-in harrier.bpf.o differs from a fresh build (run scripts/ebpf-build.sh --update)" >&2
    exit 1
fi
