#!/usr/bin/env bash
# End-to-end replay benchmark: `replay` with the default ruleset over a realistic generated
# capture (replay-gen bench: nginx workers, an API server, cron jobs, ssh logins, a rare
# intrusion), beside sysdig 0.29.3 reading the same file with one filter that matches
# little (output redirected), in the same run. Prints events/s and peak RSS for both.
#
#   scripts/bench-replay.sh [EVENTS]        (default 1000000; best of RUNS=3 runs each)
# Honours CARGO_TARGET_DIR (binaries), BENCH_DIR (where the capture is kept) and
# BENCH_NO_BUILD=1 (use the binaries already built).
set -euo pipefail
cd "$(dirname "$0")/.."
N=${1:-1000000}
RUNS=${RUNS:-3}
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

# best of $RUNS: prints "seconds max_rss_kb"
best() {
    local best_s="" best_rss=""
    for _ in $(seq "$RUNS"); do
        /usr/bin/time -f "%e %M" -o "$DIR/time.txt" "$@" > /dev/null 2> "$DIR/stderr.txt"
        read -r s rss < "$DIR/time.txt"
        if [ -z "$best_s" ] || awk "BEGIN{exit !($s < $best_s)}"; then best_s=$s; best_rss=$rss; fi
    done
    echo "$best_s $best_rss"
}

read -r RS RRSS < <(best "$BIN/replay" "$F" -q)
read -r SS SRSS < <(best sysdig -r "$F" "proc.name=cat and evt.type=openat")

rate() { awk "BEGIN{ if ($2 > 0) printf \"%.0f\", $1 / $2; else print \"inf\" }"; }
RR=$(rate "$EVENTS" "$RS"); SR=$(rate "$EVENTS" "$SS")
printf 'capture: %s (%s events, %s bytes, %s alerts with the default rules)\n' \
    "$F" "$EVENTS" "$(stat -c %s "$F")" "$ALERTS"
printf '%-44s %8s s %12s ev/s %8s MiB peak RSS\n' \
    "replay (default ruleset, alerts to stdout)" "$RS" "$RR" "$(awk "BEGIN{printf \"%.1f\", $RRSS/1024}")"
printf '%-44s %8s s %12s ev/s %8s MiB peak RSS\n' \
    "sysdig 0.29.3 -r (proc.name=cat and evt.type=openat)" "$SS" "$SR" "$(awk "BEGIN{printf \"%.1f\", $SRSS/1024}")"
awk "BEGIN{ printf \"replay / sysdig speed: %.2fx (target >= 2x)\n\", $SS / $RS }"
