#!/usr/bin/env bash
# Build (or reuse) the Harrier test kernel: Linux 6.12 LTS with CONFIG_RUST, built with
# Debian's rustc-web 1.85 and bindgen 0.69.5, configured from tinyconfig plus
# scripts/kernel/config.fragment (recipe: docs/kernel-vm.md of the team share).
#
# Output, in a cache directory OUTSIDE the repository keyed by the hash of every input
# (kernel source version, rustc version, bindgen version, config fragment, this recipe):
#   $HARRIER_CACHE/kernel-<key>/bzImage     the guest kernel
#   $HARRIER_CACHE/kernel-<key>/build/      the tree subset `make -C ... M=...` needs
#   $HARRIER_CACHE/kernel-<key>/make.env    make variables shared by kernel + modules
#   $HARRIER_CACHE/toolchain-<ver>/         private rustc 1.85 + bindgen prefix
# A warm run (everything cached) only checks and prints `KDIR=...`: seconds.
#
# Usage: scripts/kernel-build.sh            build or reuse; last line "KDIR=<dir>"
#        scripts/kernel-build.sh --print    print the cache dir of the current key, no build
# Env:   HARRIER_CACHE (default /var/cache/harrier), HARRIER_JOBS (default nproc),
#        HARRIER_SKIP_APT=1 (do not call apt-get; packages must already be there).
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
CACHE=${HARRIER_CACHE:-/var/cache/harrier}
JOBS=${HARRIER_JOBS:-$(nproc)}

KVER_PKG=6.12.117-1~deb12u1          # linux-source-6.12 (Debian bookworm)
RUSTC_PKG=1.85.0+dfsg3-1~deb12u3      # rustc-web (Debian bookworm)
BINDGEN_VER=0.69.5                    # bindgen-cli from crates.io
RECIPE=3                              # bump when the steps below change the result
FRAGMENT=$ROOT/scripts/kernel/config.fragment

KEY=$(printf '%s\n' "$KVER_PKG" "$RUSTC_PKG" "$BINDGEN_VER" "$RECIPE" \
        "$(sha256sum <"$FRAGMENT")" | sha256sum | cut -c1-16)
OUT=$CACHE/kernel-$KEY
TC=$CACHE/toolchain-rustc-${RUSTC_PKG%%+*}-bindgen-$BINDGEN_VER

if [[ ${1:-} == --print ]]; then echo "$OUT"; exit 0; fi

log() { printf '[kernel-build %(%H:%M:%S)T] %s\n' -1 "$*" >&2; }

# ---- 1. Debian packages (idempotent: apt-get only runs when something is missing) ------
PKGS=(build-essential bc flex bison libelf-dev libssl-dev cpio kmod xz-utils zstd clang
      llvm lld libclang-dev libllvm19 qemu-system-x86 busybox-static
      "linux-source-6.12=$KVER_PKG")
need_pkgs() {
    local p name st
    for p in "${PKGS[@]}"; do
        name=${p%%=*}
        st=$(dpkg-query -W -f='${Status}|${Version}' "$name" 2>/dev/null || true)
        [[ $st == "install ok installed|"* ]] || return 0
        [[ $p != *=* || ${st#*|} == "${p#*=}" ]] || return 0
    done
    return 1
}
if [[ ${HARRIER_SKIP_APT:-0} != 1 ]] && need_pkgs; then
    log "installing Debian packages"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -q >&2 || true
    apt-get install -y -q --no-install-recommends "${PKGS[@]}" >&2
fi

# ---- 2. private toolchain: rustc-web 1.85 (not installed: it conflicts with rustup's) ---
if [[ ! -x $TC/bin/rustc || ! -x $TC/bin/bindgen ]]; then
    log "preparing toolchain in $TC"
    rm -rf "$TC.tmp"; mkdir -p "$TC.tmp/debs" "$TC.tmp/bin"
    (cd "$TC.tmp/debs" && apt-get download -q \
        "rustc-web=$RUSTC_PKG" "rust-web-src=$RUSTC_PKG" \
        "libstd-rust-web-1.85=$RUSTC_PKG" "libstd-rust-web-dev=$RUSTC_PKG" >&2)
    for d in "$TC.tmp"/debs/*.deb; do dpkg-deb -x "$d" "$TC.tmp"; done
    rm -rf "$TC.tmp/debs"
    for tool in rustc rustdoc; do
        cat >"$TC.tmp/bin/$tool" <<EOF
#!/bin/sh
# Debian rustc-web $RUSTC_PKG from a private prefix (needs libllvm19 installed).
LD_LIBRARY_PATH=$TC/usr/lib/x86_64-linux-gnu\${LD_LIBRARY_PATH:+:\$LD_LIBRARY_PATH} \\
    exec $TC/usr/bin/$tool "\$@"
EOF
        chmod +x "$TC.tmp/bin/$tool"
    done
    # bindgen-cli is built with the machine's cargo (rustup), into the same prefix.
    LIBCLANG_PATH=/usr/lib/llvm-14/lib cargo install bindgen-cli --version "$BINDGEN_VER" \
        --locked --root "$TC.tmp" >&2
    rm -rf "$TC"; mv "$TC.tmp" "$TC"
    # the wrappers embed $TC, so they are written for the final path
fi
"$TC/bin/rustc" --version >&2

# Make variables: identical for the kernel and every module build (a different RUSTC
# string rebuilds the kernel's Rust objects). PATH must not contain rustup's bin dir.
MAKEVARS=(LLVM=1 "RUSTC=$TC/bin/rustc" "HOSTRUSTC=$TC/bin/rustc" "BINDGEN=$TC/bin/bindgen" "RUSTDOC=$TC/bin/rustdoc"
          RUSTFMT=/bin/false)
CLEANPATH=/usr/local/sbin:/usr/sbin:/usr/bin:/sbin:/bin
export LIBCLANG_PATH=/usr/lib/llvm-14/lib

write_env() {
    {
        echo "# sourced by scripts/kmod-build.sh: make variables of this kernel build"
        echo "KDIR=$OUT/build"
        echo "KMAKEVARS=\"${MAKEVARS[*]}\""
        echo "KPATH=$CLEANPATH"
        echo "LIBCLANG_PATH=$LIBCLANG_PATH"
        echo "KEY=$KEY"
    } >"$1"
}

if [[ -f $OUT/.complete ]]; then
    log "cached kernel $OUT"
    echo "KDIR=$OUT/build"
    exit 0
fi

# ---- 3. extract, configure, build -----------------------------------------------------
SRC=$CACHE/src-$KEY
TARBALL=/usr/src/linux-source-6.12.tar.xz
mkdir -p "$CACHE"
if [[ ! -f $SRC/.extracted ]]; then
    log "extracting $TARBALL"
    rm -rf "$SRC"; mkdir -p "$SRC"
    tar -C "$SRC" --strip-components=1 -xf "$TARBALL"
    touch "$SRC/.extracted"
fi
cd "$SRC"
km() { env PATH=$CLEANPATH make -s "${MAKEVARS[@]}" "$@"; }
if [[ ! -f .configured ]]; then
    log "configuring"
    km tinyconfig >/dev/null
    ./scripts/kconfig/merge_config.sh -m .config "$FRAGMENT" >/dev/null
    km olddefconfig >/dev/null
    # every line of the fragment must have survived (a dependency may silently drop one)
    missing=0
    while IFS= read -r line; do
        case $line in
            CONFIG_*=*) grep -qx "$line" .config || { log "config lost: $line"; missing=1; } ;;
            "# CONFIG_"*" is not set")
                opt=${line#\# }; opt=${opt%% *}
                if grep -q "^$opt=" .config; then log "config forced on: $opt"; missing=1; fi ;;
        esac
    done <"$FRAGMENT"
    [[ $missing == 0 ]] || { log "fragment not satisfied"; exit 1; }
    km rustavailable >&2
    touch .configured
fi
log "building bzImage + modules with $JOBS jobs (about 8 min on a quiet 2-core machine)"
start=$SECONDS
km -j"$JOBS" bzImage modules >&2
log "kernel built in $((SECONDS - start)) s"

# ---- 4. package: bzImage + the relocatable subset for out-of-tree module builds --------
log "packaging $OUT"
rm -rf "$OUT.tmp"; mkdir -p "$OUT.tmp/build"
cp arch/x86/boot/bzImage "$OUT.tmp/"
cp samples/rust/rust_minimal.ko "$OUT.tmp/" 2>/dev/null || true
# The kernel's own list for external module builds (Makefiles, Kconfig, include/, scripts/,
# arch headers, objtool, .config, Module.symvers) ...
env PATH=$CLEANPATH srctree=. SRCARCH=x86 KCONFIG_CONFIG=.config MAKE=make \
    CC=clang HOSTCC=clang \
    ./scripts/package/install-extmod-build "$OUT.tmp/build" >&2
# ... plus what Rust modules need: the kernel crates' metadata, the proc-macro library and
# the target specification.
mkdir -p "$OUT.tmp/build/rust"
cp rust/*.rmeta rust/libmacros.so "$OUT.tmp/build/rust/"
for f in rust/target.json scripts/target.json; do [[ ! -f $f ]] || cp $f "$OUT.tmp/build/$f"; done
[[ -f $OUT.tmp/build/Module.symvers ]] || cp Module.symvers "$OUT.tmp/build/"
cp .config "$OUT.tmp/build/.config"
write_env "$OUT.tmp/make.env"
sed -i "s|$OUT.tmp|$OUT|" "$OUT.tmp/make.env"
touch "$OUT.tmp/.complete"
rm -rf "$OUT"; mv "$OUT.tmp" "$OUT"
log "done ($(du -sh "$OUT" | cut -f1)); full tree kept in $SRC for incremental rebuilds"
echo "KDIR=$OUT/build"
