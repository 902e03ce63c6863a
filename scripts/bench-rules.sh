#!/usr/bin/env bash
# Rules benchmark (issue 3): the WHOLE upstream stable ruleset (falco_rules.yaml, as copied
# into the repo) evaluated by `replay` over a realistic generated 1 M-event capture, beside
# sysdig 0.29.3 evaluating ONE comparable filter on the same file, in the same run.
# Prints events/s for both and the ratio (target: ours >= 2x sysdig's).
#
#   scripts/bench-rules.sh [EVENTS]          (default 1000000; mean of RUNS=5 runs each)
#
# The capture comes from `replay-gen bench` (the generator of scripts/bench-replay.sh; the
# same cached file is shared). It is written uncompressed: sysdig cannot read zstd.
# Environment: RULES (rules file), FILTER (sysdig's filter), RUNS, BENCH_DIR (capture
# cache, default target/bench), CARGO_TARGET_DIR (binaries).
set -euo pipefail
cd "$(dirname "$0")/.."
N=${1:-1000000}
RUNS=${RUNS:-5}
DIR=${BENCH_DIR:-target/bench}
RULES=${RULES:-engine/tests/data/rules/upstream/falco_rules.yaml}
FILTER=${FILTER:-"evt.type in (open,openat,openat2,execve) and proc.name=nonexistent"}
mkdir -p "$DIR"
command -v sysdig >/dev/null || { echo "sysdig not installed (apt-get install -y sysdig)" >&2; exit 1; }
[ -x /usr/bin/time ] || { echo "/usr/bin/time missing (apt-get install -y time)" >&2; exit 1; }
[ -f "$RULES" ] || { echo "rules file $RULES not found" >&2; exit 1; }

cargo build --release -q -p replay --bins
BIN="${CARGO_TARGET_DIR:-target}/release"
F="$DIR/replay-bench-$N.scap"
[ -s "$F" ] || "$BIN/replay-gen" bench "$F" "$N" 2> "$DIR/gen.txt"
case "$(head -c 4 "$F" | od -An -tx1 | tr -d ' ')" in
    0a0d0d0a|1f8b*) ;;                      # pcapng-style scap section header, or gzip
    *) echo "$F is neither a plain nor a gzip capture (sysdig cannot read it)" >&2; exit 1 ;;
esac

# The ruleset must load without errors; count its enabled rules for the report.
NRULES=$("$BIN/replay" -L --rules "$RULES" 2>/dev/null | grep -c '^[^ -]' || true)
NRULES=$((NRULES > 0 ? NRULES - 1 : 0))     # minus the header line
EVENTS=$("$BIN/replay" "$F" --rules "$RULES" -q --summary -o stdout_output.enabled=false 2>/dev/null \
    | awk -F'┆' '/events read/ {gsub(/[^0-9]/, "", $2); print $2}')
ALERTS=$("$BIN/replay" "$F" --rules "$RULES" -q --json 2>/dev/null | grep -c '^{' || true)
MATCHED=$(sysdig -r "$F" -p '%evt.num' "$FILTER" 2>/dev/null | wc -l)

# Mean of $RUNS runs of "$@" (stdout to /dev/null), timed together by one /usr/bin/time so
# its centisecond resolution is divided by $RUNS: "wall_seconds cpu_seconds" per run. The
# CPU figure (user + sys) is the fair one on a shared, loaded machine; both are printed.
fastest() {
    local w u s
    /usr/bin/time -f "%e %U %S" -o "$DIR/time.txt" \
        sh -c 'n=$1; shift; for _ in $(seq "$n"); do "$@" > /dev/null 2>&1; done' sh "$RUNS" "$@"
    read -r w u s < "$DIR/time.txt"
    awk "BEGIN{printf \"%.3f %.3f\\n\", $w / $RUNS, ($u + $s) / $RUNS}"
}

read -r OW OC < <(fastest "$BIN/replay" "$F" --rules "$RULES" -q)
read -r SW SC < <(fastest sysdig -r "$F" "$FILTER")

eps() { awk "BEGIN{ if ($2 > 0) printf \"%.0f\", $1 / $2; else print \"inf\" }"; }
printf 'capture: %s (%s events, %s bytes)\n' "$F" "$EVENTS" "$(stat -c %s "$F")"
printf 'rules:   %s (%s rules listed, %s alerts over the capture)\n' "$RULES" "$NRULES" "$ALERTS"
printf 'sysdig filter: %s (%s events match)\n' "$FILTER" "$MATCHED"
printf '%-44s %7s s wall %11s ev/s %7s s CPU %11s ev/s(CPU)\n' \
    "replay --rules (whole ruleset, to /dev/null)" "$OW" "$(eps "$EVENTS" "$OW")" "$OC" "$(eps "$EVENTS" "$OC")"
printf '%-44s %7s s wall %11s ev/s %7s s CPU %11s ev/s(CPU)\n' \
    "sysdig 0.29.3 -r, one filter" "$SW" "$(eps "$EVENTS" "$SW")" "$SC" "$(eps "$EVENTS" "$SC")"
awk "BEGIN{ printf \"ruleset / sysdig speed: %.2fx wall, %.2fx CPU (target >= 2x); load average %s\n\", $SW / $OW, $SC / $OC, \"$(cut -d' ' -f1 /proc/loadavg)\" }"
