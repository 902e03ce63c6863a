#!/usr/bin/env bash
# End-to-end replay benchmark: `replay` with the default ruleset over a realistic generated
# capture (replay-gen bench: nginx workers, an API server, cron jobs, ssh logins, a rare
# intrusion), beside sysdig 0.29.3 reading the same file with one filter that matches
# little (output redirected), in the same run. Prints events/s and peak RSS for both.
#
#   scripts/bench-replay.sh [EVENTS]        (default 1000000; mean of RUNS=5 runs each)
# Honours CARGO_TARGET_DIR (binaries), BENCH_DIR (where the capture is kept) and
# BENCH_NO_BUILD=1 (use the binaries already built).
set -euo pipefail
cd "$(dirname "$0")/.."
N=${1:-1000000}
RUNS=${RUNS:-5}
DIR=${BENCH_DIR:-target/bench}
mkdir -p "$DIR"
command -v sysdig >/dev/null || { echo "sysdig not installed (apt-get install -y sysdig)" >&2; exit 1; }
[ -x /usr/bin/time ] || { echo "/usr/bin/time missing (apt-get install -y time)" >&2; exit 1; }

[ "${BENCH_NO_BUILD:-0}" = 1 ] || cargo build --release -q -p replay --bins
BIN="${CARGO_TARGET_DIR:-target}/release"
F="$DIR/replay-bench-$N.scap"
if [ ! -s "$F" ]; then
    "$BIN/replay-gen" bench "$F" "$N" 2> "$DIR/gen.txt"
fi
EVENTS=$("$BIN/replay" "$F" -q --summary -o stdout_output.enabled=false \
    | awk -F'┆' '/events read/ {gsub(/[^0-9]/, "", $2); print $2}')
ALERTS=$("$BIN/replay" "$F" -q --json 2>/dev/null | grep -c '^{' || true)

# Mean of $RUNS runs (timed together, so /usr/bin/time's centiseconds are divided by
# $RUNS): prints "wall_s cpu_s max_rss_kb" (CPU = user + system, the fair figure on a shared
# machine, where wall time also counts waiting for a core; RSS = the largest of the runs).
best() {
    local w u k rss
    /usr/bin/time -f "%e %U %S %M" -o "$DIR/time.txt" \
        sh -c 'n=$1; shift; for _ in $(seq "$n"); do "$@" > /dev/null 2>&1; done' sh "$RUNS" "$@"
    read -r w u k rss < "$DIR/time.txt"
    awk "BEGIN{printf \"%.3f %.3f %d\\n\", $w / $RUNS, ($u + $k) / $RUNS, $rss}"
}

read -r RS RC RRSS < <(best "$BIN/replay" "$F" -q)
read -r SS SC SRSS < <(best sysdig -r "$F" "proc.name=cat and evt.type=openat")

rate() { awk "BEGIN{ if ($2 > 0) printf \"%.0f\", $1 / $2; else print \"inf\" }"; }
printf 'capture: %s (%s events, %s bytes, %s alerts with the default rules)\n' \
    "$F" "$EVENTS" "$(stat -c %s "$F")" "$ALERTS"
printf '%-52s %6s s wall %10s ev/s %6s s CPU %10s ev/s(CPU) %6s MiB peak RSS\n' \
    "replay (default ruleset, alerts to stdout)" "$RS" "$(rate "$EVENTS" "$RS")" "$RC" \
    "$(rate "$EVENTS" "$RC")" "$(awk "BEGIN{printf \"%.1f\", $RRSS/1024}")"
printf '%-52s %6s s wall %10s ev/s %6s s CPU %10s ev/s(CPU) %6s MiB peak RSS\n' \
    "sysdig 0.29.3 -r (proc.name=cat and evt.type=openat)" "$SS" "$(rate "$EVENTS" "$SS")" "$SC" \
    "$(rate "$EVENTS" "$SC")" "$(awk "BEGIN{printf \"%.1f\", $SRSS/1024}")"
awk "BEGIN{ printf \"replay / sysdig speed: %.2fx wall, %.2fx CPU (target >= 2x); load average %s\n\", $SS / $RS, $SC / $RC, \"$(cut -d' ' -f1 /proc/loadavg)\" }"
