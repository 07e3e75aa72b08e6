#!/bin/bash
# SPDX-License-Identifier: MIT
# Copyright (c) 2026 The libmsrp authors
# Every benchmark in one run, and one table: figure, ours (median and
# min-max of the rounds), the baseline measured beside it in the same run,
# the ratio (median of the per-round ratios, min-max) and the aim. The
# benchmarks print their own lines as they go (they check what they
# measured: a figure that did not hold is not printed); the table comes
# last, headed by the date and the machine.
#
#   bench/run.sh [--quick] [--relay] [BUILD_DIR]
#
# BUILD_DIR (default ./build-bench) is configured as a Release build with
# the benchmarks. --quick: smaller sizes (a smoke run, not for figures).
# --relay: bench/relay.sh too (needs kamailio; its own table).
# Asserts nothing about speed; exits non-zero only if a benchmark failed.
set -uo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
quick=() relay=0 build=
for a in "$@"; do
  case $a in
  --quick) quick=(--quick) ;;
  --relay) relay=1 ;;
  *) build=$a ;;
  esac
done
build=${build:-$root/build-bench}
cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release \
  -DMSRP_BUILD_TESTS=ON >/dev/null || exit 1
cmake --build "$build" --target bench_parser bench_session bench_many \
  bench_file msrp msrp-relay >/dev/null || exit 1

rows=$(mktemp "${TMPDIR:-/tmp}/bench-rows-XXXXXX")
trap 'rm -f "$rows"' EXIT
export BENCH_ROWS=$rows
failed=0
run() {
  echo "\$ $*" | sed "s|$build/||"
  "$@" || { echo "FAILED: $*"; failed=1; }
}
if [ ${#quick[@]} -gt 0 ]; then
  run "$build/bench/bench_parser" 64 16
  run "$build/bench/bench_session" --quick
  run "$build/bench/bench_many" 2000
  run "$build/bench/bench_file" --quick
else
  run "$build/bench/bench_parser"
  run "$build/bench/bench_session"
  run "$build/bench/bench_many" 10000
  run "$build/bench/bench_file"
fi
[ "$relay" = 1 ] && run "$root/bench/relay.sh" "$build"

cpu=$(lscpu 2>/dev/null | sed -n 's/^Model name: *//p' | head -1)
mem=$(awk '/MemTotal/ {printf "%.0f GiB", $2 / 1048576}' /proc/meminfo)
echo
echo "libmsrp $(git -C "$root" describe --always --dirty 2>/dev/null)," \
  "$(date -u +%Y-%m-%d)," "${cpu:-unknown CPU}, $(nproc) cores, $mem," \
  "Linux $(uname -r | cut -d- -f1), $(cc --version | head -1)"
echo
awk -F'|' '
function num(x) {
  if (x == "") return ""
  if (x >= 100000) return sprintf("%.0fk", x / 1000)
  if (x >= 100) return sprintf("%.0f", x)
  return sprintf("%.1f", x)
}
BEGIN {
  print "| figure | ours: median (min-max) | baseline, same run: median | ratio: median (min-max) | aim |"
  print "|---|---|---|---|---|"
}
{
  ours = $2 == $3 && $3 == $4 ? sprintf("%s %s", num($2), $5) \
                              : sprintf("%s %s (%s-%s)", num($2), $5, num($3), num($4))
  base = $6 == "" ? "" : sprintf("%s: %s %s", $6, num($7), $5)
  ratio = $8 == "" ? "" : sprintf("%.2f (%.2f-%.2f)", $8, $9, $10)
  printf "| %s | %s | %s | %s | %s |\n", $1, ours, base, ratio, $11
}' "$rows"
exit $failed
