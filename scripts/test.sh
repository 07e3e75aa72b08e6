#!/bin/bash
# SPDX-License-Identifier: MIT
# Copyright (c) 2026 The libmsrp authors
# Everything CI runs: install what is needed, build the developer build
# (warnings are errors), run every test with CTest, then build and run the
# whole suite again under AddressSanitizer + UndefinedBehaviorSanitizer,
# and give the fuzzers (parser, session engine, URIs, RFC 5547 SDP, chat XML,
# WebSocket) a short run.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/setup.sh test

jobs=$(nproc)
run_suite() { # build-dir extra-cmake-args...
  local dir=$1; shift
  cmake -S . -B "$dir" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    -DMSRP_DEVELOPER=ON -DMSRP_BUILD_TESTS=ON -DMSRP_REQUIRE_INTEROP=ON "$@" >/dev/null
  cmake --build "$dir" -j "$jobs"
  ctest --test-dir "$dir" --output-on-failure -j "$jobs"
}

echo "== formatting (.clang-format)"
git ls-files '*.c' '*.h' | xargs clang-format --dry-run -Werror
echo "== developer build and tests"
run_suite build
echo "== the same tests under ASan + UBSan"
ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 \
UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
  run_suite build-asan -DMSRP_SANITIZE=ON
echo "== fuzzing: parser, engine, URIs, file SDP, XML, WebSocket (libFuzzer, bounded)"
./fuzz/run.sh 60
