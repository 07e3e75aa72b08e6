#!/bin/bash
# SPDX-License-Identifier: MIT
# Copyright (c) 2026 The libmsrp authors
# Build the API reference (the `docs` target: Doxygen over the headers and
# docs/guide.md) and fail on any Doxygen warning, printing them.
#
#   docs_check.sh BUILD_DIR
set -euo pipefail
build=$1
rm -f "$build/docs/warnings.log"
cmake --build "$build" --target docs
[ -e "$build/docs/warnings.log" ] || { echo "Doxygen did not run (no warnings.log)" >&2; exit 1; }
if [ -s "$build/docs/warnings.log" ]; then
  echo "Doxygen warned:" >&2
  cat "$build/docs/warnings.log" >&2
  exit 1
fi
[ -s "$build/docs/html/index.html" ] || { echo "no index.html" >&2; exit 1; }
grep -q "msrp_chat_start" "$build/docs/html/chat_8h.html" ||
  { echo "chat.h's reference lacks msrp_chat_start" >&2; exit 1; }
echo "the reference built without a warning: $build/docs/html/index.html"
