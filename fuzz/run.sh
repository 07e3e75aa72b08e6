#!/bin/bash
# SPDX-License-Identifier: MIT
# Copyright (c) 2026 The libmsrp authors
# Build the fuzzers (the parser, the session engine, URIs and paths, RFC
# 5547 SDP, chat's XML and nickname payloads, WebSocket framing) with
# clang's libFuzzer, ASan and UBSan, and run each for at most the given
# number of seconds (default 60 in all, shared) from a seed corpus: RFC
# examples for the first two, fuzz/corpus/uri-* for the third,
# fuzz/corpus/sdp-* for the fourth, fuzz/corpus/xml-* and ws-* for the
# last two.
# FUZZ_TARGETS="parser uri" picks targets; FUZZ_EACH=600 gives each that many
# seconds instead of a share.
set -euo pipefail
cd "$(dirname "$0")/.."
secs=${1:-60}
targets=${FUZZ_TARGETS:-parser engine uri file_selector xml ws}
n=$(echo $targets | wc -w)
each=${FUZZ_EACH:-$((secs / n > 0 ? secs / n : 1))}
out=build-fuzz
mkdir -p "$out/include/msrp"
# the version header CMake would generate
version=$(sed -n 's/^project(libmsrp VERSION \([0-9.]*\).*/\1/p' CMakeLists.txt)
IFS=. read -r vmaj vmin vpat <<<"$version"
sed -e "s/@PROJECT_VERSION_MAJOR@/$vmaj/" -e "s/@PROJECT_VERSION_MINOR@/$vmin/" \
  -e "s/@PROJECT_VERSION_PATCH@/$vpat/" -e "s/@PROJECT_VERSION@/$version/" \
  cmake/version.h.in >"$out/include/msrp/version.h"
for target in $targets; do
  clang -g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all \
    -D_POSIX_C_SOURCE=200809L -Iinclude -I"$out/include" -Isrc \
    $(pkg-config --cflags libxml-2.0) \
    src/core/*.c "fuzz/fuzz_$target.c" -lcrypto $(pkg-config --libs libxml-2.0) -lunistring -lwslay \
    -o "$out/fuzz_$target"
  corpus="$out/corpus-$target"
  mkdir -p "$corpus"
  # seeds: the target's split settings, then an RFC example
  if [ "$target" = uri ]; then
    for f in fuzz/corpus/uri-*; do
      { printf '\x00'; cat "$f"; } >"$corpus/$(basename "$f")"
    done
  elif [ "$target" = file_selector ]; then
    cp fuzz/corpus/sdp-* "$corpus/"
  elif [ "$target" = xml ]; then
    cp fuzz/corpus/xml-* "$corpus/"
  elif [ "$target" = ws ]; then
    cp fuzz/corpus/ws-* "$corpus/"
  else
    for f in tests/data/rfc/*.msrp fuzz/corpus/engine-*; do
      [ -f "$f" ] || continue
      if [ "$target" = parser ]; then printf '\x05\x08'; else printf '\x04'; fi \
        >"$corpus/$(basename "$f")"
      cat "$f" >>"$corpus/$(basename "$f")"
      # the engine also as a peer that never reads (odd first byte)
      if [ "$target" = engine ]; then
        { printf '\x05'; cat "$f"; } >"$corpus/stalled-$(basename "$f")"
      fi
    done
  fi
  "$out/fuzz_$target" -max_total_time="$each" -max_len=4096 -timeout=10 \
    -print_final_stats=1 "$corpus" 2>"$out/fuzz-$target.log" || {
    tail -40 "$out/fuzz-$target.log"
    exit 1
  }
  runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$out/fuzz-$target.log")
  echo "fuzz_$target: $runs inputs in ${each}s, no failure"
done
