#!/bin/bash
# SPDX-License-Identifier: MIT
# Copyright (c) 2026 The libmsrp authors
# Run a test of a real component only when the component is installed:
#
#   needs.sh TOOL REQUIRED -- COMMAND...
#
# Without TOOL the test is skipped (exit 77, which CTest reports as
# skipped) and says so, unless REQUIRED is ON (CI): then it fails, so that
# an interop test can never silently skip there.
set -euo pipefail
tool=$1 required=$2
shift 3
if ! command -v "$tool" >/dev/null 2>&1 &&
  ! [ -x "/usr/sbin/$tool" ] && ! [ -x "/sbin/$tool" ]; then
  if [ "$required" = ON ]; then
    echo "$tool is not installed, and MSRP_REQUIRE_INTEROP=ON" >&2
    exit 1
  fi
  echo "skipped: $tool not installed"
  exit 77
fi
exec "$@"
