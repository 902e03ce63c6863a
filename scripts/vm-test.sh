#!/usr/bin/env bash
# The kernel-module VM test, one command (run by CI through scripts/test.sh):
#
#   1. build or reuse the cached test kernel (scripts/kernel-build.sh; cold: tens of
#      minutes, warm: seconds), build kmod/ against it (scripts/kmod-build.sh),
#   2. build `capture` and `scap` (release; the guest gets capture's ldd closure) and the
#      static C workload,
#   3. pack an initramfs (busybox-static + scripts/guest/{init,test.sh}), boot QEMU under
#      TCG with a 9p share; the guest loads the module, captures the workload, tries rmmod
#      with a reader attached, measures, overloads, runs 20 insmod/rmmod cycles under load,
#      scans for leaks and hands captures, logs and dmesg back through the share,
#   4. check on the host: the guest's CHECK lines, the capture read back by `scap cat` and
#      by sysdig 0.29.3 (after `scap convert` to plain) with the workload's exact
#      arguments, a clean dmesg (no WARNING/BUG/Oops/lockdep/leak), and print the figures.
#
# Env: HARRIER_CACHE (kernel cache, default /var/cache/harrier), HARRIER_VM_TIMEOUT
#      (seconds, default 1500), HARRIER_SKIP_APT=1, HARRIER_VM_PREBUILT=1 (reuse the
#      target/release capture and scap instead of building them: for module iterations).
# Exit status: 0 when every check passed.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
WORK=$ROOT/target/vm-test
SHARE=$WORK/share
TIMEOUT=${HARRIER_VM_TIMEOUT:-1500}
log() { printf '[vm-test %(%H:%M:%S)T] %s\n' -1 "$*" >&2; }

# ---- 1. kernel and module ----------------------------------------------------------------
log "kernel (cached by input hash; the first build takes long)"
KDIR=$("$ROOT/scripts/kernel-build.sh" | tail -n1 | sed 's/^KDIR=//')
KOUT=$(dirname "$KDIR")
log "module"
t=$SECONDS
KO=$("$ROOT/scripts/kmod-build.sh" "$KDIR" | tail -n1)
log "harrier.ko built in $((SECONDS - t)) s"

# ---- 2. userspace for the guest ------------------------------------------------------------
if [[ ${HARRIER_SKIP_APT:-0} != 1 ]] && ! command -v sysdig >/dev/null; then
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q sysdig >&2
fi
log "capture + scap (release; the guest gets them with their shared-library closure)"
if [[ ${HARRIER_VM_PREBUILT:-0} == 1 && -x $ROOT/target/release/capture && -x $ROOT/target/release/scap ]]; then
    log "HARRIER_VM_PREBUILT=1: using the existing target/release binaries"
else
    (cd "$ROOT" && cargo build -q --release -p harrier-tools --bin capture --bin scap)
fi
BIN=$ROOT/target/release
rm -rf "$WORK"; mkdir -p "$WORK/initramfs" "$SHARE"
gcc -static -O2 -Wall -o "$WORK/workload" "$ROOT/scripts/guest/workload.c"

# ---- 3. initramfs and QEMU -----------------------------------------------------------------
log "initramfs"
IR=$WORK/initramfs
mkdir -p "$IR"/{bin,sbin,proc,sys,dev,tmp,mnt,etc}
cp /bin/busybox "$IR/bin/busybox"
for a in $("$IR/bin/busybox" --list); do
    [[ $a == busybox ]] || ln -sf busybox "$IR/bin/$a"
done
cp "$ROOT/scripts/guest/init" "$IR/init"
cp "$ROOT/scripts/guest/test.sh" "$IR/guest-test.sh"
cp "$KO" "$IR/harrier.ko"
cp "$WORK/workload" "$IR/"
# capture links glibc (and libelf/zlib for its eBPF driver): copy the ldd closure
cp "$BIN/capture" "$IR/capture"
for lib in $(ldd "$BIN/capture" | grep -o '/[^ ]*'); do cp -L --parents "$lib" "$IR"; done
chmod +x "$IR/init" "$IR/capture" "$IR/workload"
(cd "$IR" && find . | cpio -o -H newc --quiet | gzip -1) >"$WORK/initramfs.cpio.gz"

log "booting QEMU (TCG, timeout ${TIMEOUT}s)"
t=$SECONDS
set +e
timeout "$TIMEOUT" qemu-system-x86_64 -accel tcg -cpu max -smp 2 -m 1024M \
    -kernel "$KOUT/bzImage" -initrd "$WORK/initramfs.cpio.gz" \
    -append "console=ttyS0 panic=-1 loglevel=6 slub_debug=FZP" \
    -virtfs "local,path=$SHARE,mount_tag=hostshare,security_model=none" \
    -nographic -no-reboot </dev/null >"$WORK/console.log" 2>&1
qemu_rc=$?
set -e
log "guest ran $((SECONDS - t)) s (qemu exit $qemu_rc); console: $WORK/console.log"

# ---- 4. host-side checks -------------------------------------------------------------------
FAIL=0
pass() { printf '  ok    %s\n' "$*"; }
fail() { printf '  FAIL  %s\n' "$*"; FAIL=1; }
check_line() { # NAME EXPECTED: a "CHECK NAME=EXPECTED" line from the guest
    local got
    got=$(grep -m1 "^CHECK $1=" "$SHARE/results.txt" 2>/dev/null | sed "s/^CHECK $1=//")
    if [[ $got == "$2" ]]; then pass "$1=$got"; else fail "$1: expected $2, got '${got:-missing}'"; fi
}
echo "== guest checks"
if grep -q HARRIER-GUEST-DONE "$SHARE/guest.log" 2>/dev/null; then pass "guest finished"
else fail "guest did not finish (see $WORK/console.log)"; tail -30 "$WORK/console.log"; fi
check_line insmod 0
check_line dev_mode 600
check_line main_capture 0
check_line rmmod_attached refused
check_line attached_capture 0
check_line second_reader ebusy
check_line rmmod 0
check_line bad_snaplen einval
check_line mask_capture 0
check_line perf_capture 0
check_line overload_capture 0
check_line cycles 20
check_line kmemleak_reports 0

echo "== capture read back"
OUT=$SHARE/out.scap
written=$(grep -o 'written=[0-9]*' "$SHARE/capture-main.log" | head -1 | cut -d= -f2)
catn=$("$BIN/scap" cat "$OUT" | wc -l) || catn=-1
if [[ -n $written && $catn == "$written" ]]; then pass "scap cat reads all $catn events"
else fail "scap cat read $catn events, capture wrote ${written:-?}"; fi
"$BIN/scap" convert "$OUT" "$WORK/out.plain.scap" --compress none
FMT='%evt.type %evt.dir %proc.name %container.id %evt.args'
sysdig -r "$WORK/out.plain.scap" -p "$FMT" >"$WORK/sysdig.txt" 2>"$WORK/sysdig.err" || true
sysn=$(wc -l <"$WORK/sysdig.txt")
if [[ $sysn -gt 0 && $sysn == "$written" ]]; then pass "sysdig 0.29.3 reads all $sysn events"
else fail "sysdig read $sysn events of ${written:-?} ($(head -c 300 "$WORK/sysdig.err"))"; fi
expect() { # DESCRIPTION ERE: a sysdig line must match
    if grep -Eq -- "$2" "$WORK/sysdig.txt"; then pass "$1"; else fail "$1 (no line matches /$2/)"; fi
}
expect "exec with arguments" \
    '^execve < echo [0-9a-f]{12} res=0 exe=echo args=harrier-arg-1\.--harrier-flag=2\. '
expect "exec enter with the path" '^execve > workload .*filename=/bin/echo'
expect "environment of the exec" '^execve < echo .*env=HARRIER_ENV=on\.PATH=/bin'
expect "container id from the cgroup" '^execve < echo 0123456789ab '
expect "open for write (flags, mode)" \
    '^openat < workload .*name=/tmp/harrier-file.txt flags=[0-9]+\(O_TRUNC\|O_CREAT\|O_WRONLY\) mode=0640'
expect "write data" '^write < workload .*res=15 data=harrier-data-42'
expect "read data" '^read < workload .*res=15 data=harrier-data-42'
expect "close" '^close < workload .*res=0'
expect "socket" '^socket > workload .*domain=2\(AF_INET\) type=1 proto=0'
expect "bind address" '^bind < workload .*res=0 addr=127.0.0.1:7777'
expect "listen" '^listen > workload .*backlog=4'
expect "connect tuple" '^connect < workload .*res=0 tuple=127.0.0.1:[0-9]+->127.0.0.1:7777'
expect "accept tuple" '^accept < workload .*tuple=127.0.0.1:[0-9]+->127.0.0.1:7777'
expect "TCP payload" '^write < workload .*data=ping-harrier'
expect "failing open (ENOENT)" '^openat < workload .*fd=-2\(ENOENT\).*name=/harrier/does-not-exist'
expect "failing kill (ESRCH)" '^kill < workload .*res=-3\(ESRCH\)'
expect "failing exec: enter with the path" '^execve > workload .*filename=/harrier/no-such-binary'
expect "failing exec: exit (ENOENT)" '^execve < workload .*res=-2\(ENOENT\)'
expect "generic syscall events (named by PPM_SC)" '^(arch_prctl|set_tid_address|rt_sigaction|wait4) > '
nprocs=$(grep -Ec '^execve < true ' "$WORK/sysdig.txt" || true)
nexit=$(grep -Ec '^procexit > true ' "$WORK/sysdig.txt" || true)
nclone=$(grep -Ec '^clone < workload .*res=[1-9]' "$WORK/sysdig.txt" || true)
nenter=$(grep -Ec '^execve > workload .*filename=/bin/true' "$WORK/sysdig.txt" || true)
if [[ $nenter -ge 50 ]]; then pass "exec enter events carry the path ($nenter of /bin/true)"
else fail "only $nenter exec enter events with filename=/bin/true (want >= 50)"; fi
if [[ $nprocs -ge 50 && $nexit -ge 50 && $nclone -ge 50 ]]; then
    pass "many short processes: $nclone clones, $nprocs execs, $nexit exits"
else fail "short processes: $nclone clones, $nprocs execs of true, $nexit exits (want >= 50)"; fi

"$BIN/scap" convert "$SHARE/mask.scap" "$WORK/mask.plain.scap" --compress none
sysdig -r "$WORK/mask.plain.scap" -p '%evt.type' 2>/dev/null | sort | uniq -c >"$WORK/mask-types.txt" || true
types=$(awk '{print $2}' "$WORK/mask-types.txt" | sort -u | tr '\n' ' ')
if grep -q ' openat$' "$WORK/mask-types.txt" && [[ -z $(awk '{print $2}' "$WORK/mask-types.txt" | grep -vxE 'openat|execve|procexit') ]]
then pass "interest mask: only [$types] captured with --syscalls openat,execve"
else fail "interest mask: captured [$types] with --syscalls openat,execve"; fi

echo "== kernel log"
if [[ -s $SHARE/dmesg.txt ]]; then
    bad=$(grep -E 'WARNING:|BUG:|Oops|general protection|Call Trace|circular locking|inconsistent lock|sleeping function called|UBSAN|corruption|RCU.*stall|harrier: unloaded, [1-9][0-9]* encode errors|unreferenced object' "$SHARE/dmesg.txt" || true)
    if [[ -z $bad ]]; then pass "dmesg clean: no warning, oops, lockdep report, leak"
    else fail "dmesg:"; echo "$bad" | head -40; fi
    clean=$(grep -c 'harrier: unloaded, 0 encode errors' "$SHARE/dmesg.txt" || true)
    # main + attached (one load), ioctl + mask, perf, overload, 20 cycles
    if [[ $clean == 24 ]]; then pass "24 loads, 24 unloads with 0 encode errors"
    else fail "$clean unloads with 0 encode errors (want 24)"; fi
else fail "no dmesg from the guest"; fi

echo "== figures (guest under TCG software emulation: indicative only)"
grep -h '^FIGURE\|^INFO' "$SHARE/results.txt" 2>/dev/null | sed 's/^/  /'
grep -h 'capture: stats' "$SHARE/capture-main.log" 2>/dev/null | sed 's/^/  main /'
off=$(grep -o 'getppid_ns_off=[0-9.]*' "$SHARE/results.txt" | cut -d= -f2)
on=$(grep -o 'getppid_ns_on=[0-9.]*' "$SHARE/results.txt" | cut -d= -f2)
if [[ -n $off && -n $on ]]; then
    awk -v a="$off" -v b="$on" 'BEGIN { printf "  getppid slowdown with capture on: %.2fx (%.0f -> %.0f ns/call)\n", b / a, a, b }'
fi
ovl=$(grep 'FIGURE overload' "$SHARE/results.txt" || true)
if [[ $ovl == *balance=ok* && $ovl != *dropped=0\ * ]]; then pass "overload: drops happened and produced = consumed + dropped"
else fail "overload run did not drop, or counters did not balance: $ovl"; fi

if [[ $FAIL == 0 ]]; then log "VM test PASSED"; else log "VM test FAILED (artefacts in $WORK)"; fi
exit $FAIL
