#!/usr/bin/env bash
# Runs a command while other work keeps every core busy, to prove the tests hold on a loaded
# machine (a board's CPU is slow too): starts N busy-looping node processes (default: one per
# core), runs the command, then stops them, whatever the command's outcome.
#
#   bash scripts/cpu-hog.sh [-n N] -- <command> [args...]      e.g.  bash scripts/cpu-hog.sh -- bash .ci/run
# Exits with the command's exit code.
set -u
n=$(nproc 2>/dev/null || echo 2)
if [ "${1:-}" = "-n" ]; then n=$2; shift 2; fi
[ "${1:-}" = "--" ] && shift
if [ $# -eq 0 ]; then
  echo "usage: bash scripts/cpu-hog.sh [-n N] -- <command> [args...]" >&2
  exit 2
fi
pids=()
stop() { [ ${#pids[@]} -gt 0 ] && kill "${pids[@]}" 2>/dev/null; wait "${pids[@]}" 2>/dev/null; pids=(); }
trap stop EXIT INT TERM
for _ in $(seq 1 "$n"); do
  node -e 'for (;;) {}' &
  pids+=($!)
done
echo "cpu-hog: $n busy processes (${pids[*]}) while running: $*" >&2
"$@"
rc=$?
stop
echo "cpu-hog: stopped; the command exited $rc" >&2
exit $rc
