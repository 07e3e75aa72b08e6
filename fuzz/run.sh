#!/bin/bash
# Build the fuzzers (the parser, the session engine) with clang's libFuzzer,
# ASan and UBSan, and run each for at most the given number of seconds
# (default 60 in all, shared) from a seed corpus of RFC examples.
set -euo pipefail
cd "$(dirname "$0")/.."
secs=${1:-60}
each=$((secs / 2 > 0 ? secs / 2 : 1))
out=build-fuzz
mkdir -p "$out"
for target in parser engine; do
  clang -g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all \
    -D_POSIX_C_SOURCE=200809L -Iinclude -Isrc \
    src/core/*.c "fuzz/fuzz_$target.c" -lcrypto -o "$out/fuzz_$target"
  corpus="$out/corpus-$target"
  mkdir -p "$corpus"
  # seeds: the target's split settings, then an RFC example
  for f in tests/data/rfc/*.msrp fuzz/corpus/*; do
    [ -f "$f" ] || continue
    if [ "$target" = parser ]; then printf '\x05\x08'; else printf '\x05'; fi \
      >"$corpus/$(basename "$f")"
    cat "$f" >>"$corpus/$(basename "$f")"
  done
  "$out/fuzz_$target" -max_total_time="$each" -max_len=4096 -timeout=10 \
    -print_final_stats=1 "$corpus" 2>"$out/fuzz-$target.log" || {
    tail -40 "$out/fuzz-$target.log"
    exit 1
  }
  runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$out/fuzz-$target.log")
  echo "fuzz_$target: $runs inputs in ${each}s, no failure"
done
