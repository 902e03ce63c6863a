#!/usr/bin/env bash
# Rerunnable benchmark of the eBPF driver (needs root and a kernel with BPF + BTF):
#   1. getppid loop (N calls, pinned to CPU 0; CPU ns per call), median of R runs: without capture, with
#      the probe attached but getppid filtered out in BPF (--syscalls openat), and with
#      full capture (capture pinned to CPU 1, plain file); the slowdown is per call.
#   2. the capture's own figures for the full run: events/s consumed, drops, and the
#      counter balance produced = consumed + dropped;
#   3. an overloaded run (slow consumer: --read-delay-us) whose counters must still
#      balance exactly, with drops.
# Usage: scripts/bench-ebpf.sh [N=2000000] [R=3]
set -euo pipefail
cd "$(dirname "$0")/.."
N=${1:-2000000}
R=${2:-3}
[ "$(id -u)" = 0 ] || { echo "bench-ebpf: needs root" >&2; exit 2; }

# CAPTURE=path/to/capture uses that binary instead of building the release one.
if [ -n "${CAPTURE:-}" ]; then
    CAP=$CAPTURE
else
    cargo build -q --release -p harrier-tools --bin capture
    CAP=$PWD/target/release/capture
fi
echo "bench-ebpf: capture binary $CAP"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cat > "$tmp/loop.c" <<'C'
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>
#include <sys/syscall.h>
int main(int argc, char **argv)
{
	long n = argc > 1 ? atol(argv[1]) : 1000000;
	struct timespec a, b;
	/* CPU time of this process (user + system, which includes the BPF programs run in
	 * its syscalls): unlike wall time, it does not count time slices lost to other
	 * processes on a shared, loaded machine. */
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &a);
	for (long i = 0; i < n; i++)
		syscall(SYS_getppid);
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &b);
	printf("%.1f\n", ((b.tv_sec - a.tv_sec) * 1e9 + (b.tv_nsec - a.tv_nsec)) / n);
	return 0;
}
C
gcc -O2 -o "$tmp/loop" "$tmp/loop.c"

median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }

run_plain() { taskset -c 0 "$tmp/loop" "$N"; }
run_cap() { # extra capture args...
    taskset -c 1 "$CAP" --driver ebpf -w "$tmp/b.scap" "$@" -- taskset -c 0 "$tmp/loop" "$N" 2> "$tmp/cap.err"
}

echo "bench-ebpf: getppid x $N, median of $R runs, kernel $(uname -r), $(nproc) CPUs, load $(cut -d' ' -f1 /proc/loadavg)"
base=$(for _ in $(seq "$R"); do run_plain; done | median)
filt=$(for _ in $(seq "$R"); do run_cap --syscalls openat; done | median)
full=$(for _ in $(seq "$R"); do run_cap --compress none; grep 'capture: stats' "$tmp/cap.err" >> "$tmp/stats"; done | median)
printf '%-44s %8s cpu-ns/call  %5s\n' "no capture" "$base" "1.00x"
printf '%-44s %8s cpu-ns/call  %5s\n' "probe attached, getppid filtered in BPF" "$filt" "$(awk -v a="$filt" -v b="$base" 'BEGIN{printf "%.2fx", a/b}')"
printf '%-44s %8s cpu-ns/call  %5s\n' "full capture (2 events per call)" "$full" "$(awk -v a="$full" -v b="$base" 'BEGIN{printf "%.2fx", a/b}')"
echo "full-capture runs, plain file (capture's counters):"
sed 's/^capture: stats /  /' "$tmp/stats"
echo "full capture, zstd file (the default; the writer's compression is then the consumer's limit):"
run_cap > /dev/null
grep 'capture: stats' "$tmp/cap.err" | sed 's/^capture: stats /  /'

echo "overload: consumer sleeps 2 ms every 64 records (drops expected, balance must hold):"
run_cap --read-delay-us 2000 > /dev/null || true
grep 'capture: stats' "$tmp/cap.err" | sed 's/^capture: stats /  /'
grep -q 'balance=ok' "$tmp/cap.err" || { echo "bench-ebpf: counters do not balance" >&2; exit 1; }
