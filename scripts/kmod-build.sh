#!/usr/bin/env bash
# Build kmod/ (Rust crate root kmod/harrier_main.rs + C glue, see Kbuild) against the
# cached test kernel: scripts/kernel-build.sh builds or reuses it. Prints the path of
# harrier.ko on its last line.
#
# Usage: scripts/kmod-build.sh [KDIR]      (KDIR: a kernel build tree or the cached subset)
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
if [[ $# -ge 1 ]]; then
    KDIR=$1
else
    KDIR=$("$ROOT/scripts/kernel-build.sh" | tail -n1 | sed 's/^KDIR=//')
fi
ENV_FILE=$(dirname "$KDIR")/make.env
[[ -f $ENV_FILE ]] || { echo "kmod-build: no $ENV_FILE (run scripts/kernel-build.sh)" >&2; exit 1; }
# shellcheck disable=SC1090
source "$ENV_FILE"
# shellcheck disable=SC2086
env PATH="$KPATH" LIBCLANG_PATH="$LIBCLANG_PATH" \
    make -s -C "$KDIR" M="$ROOT" $KMAKEVARS modules >&2
echo "$ROOT/harrier.ko"
