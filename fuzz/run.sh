#!/bin/bash
# Build the parser fuzzer with clang's libFuzzer, ASan and UBSan, and run it
# for at most the given number of seconds (default 60) from the seed corpus.
set -euo pipefail
cd "$(dirname "$0")/.."
secs=${1:-60}
out=build-fuzz
mkdir -p "$out/corpus"
clang -g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all \
  -D_POSIX_C_SOURCE=200809L -Iinclude -Isrc \
  src/core/*.c fuzz/fuzz_parser.c -lcrypto -o "$out/fuzz_parser"
# seeds: two bytes of split settings, then an RFC example
for f in tests/data/rfc/*.msrp fuzz/corpus/*; do
  [ -f "$f" ] || continue
  { printf '\x05\x08'; cat "$f"; } >"$out/corpus/$(basename "$f")"
done
"$out/fuzz_parser" -max_total_time="$secs" -max_len=4096 -timeout=10 \
  -print_final_stats=1 "$out/corpus" 2>"$out/fuzz.log" || {
  tail -40 "$out/fuzz.log"
  exit 1
}
grep -E "stat::number_of_executed_units|stat::peak_rss_mb" "$out/fuzz.log"
echo "fuzz_parser: no failure in ${secs}s"
