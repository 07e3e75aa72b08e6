#!/bin/bash
# SPDX-License-Identifier: MIT
# Copyright (c) 2026 The libmsrp authors
# Run a program; pass only if it exits 0 AND its output matches a pattern
# (a crash or a sanitizer report after the expected lines fails).
#
#   expect_output.sh PATTERN -- COMMAND...
set -uo pipefail
pattern=$1
shift 2
out=$("$@" 2>&1)
rc=$?
printf '%s\n' "$out"
if [ $rc -ne 0 ]; then
  echo "expect_output: '$1' exited $rc" >&2
  exit 1
fi
if ! printf '%s' "$out" | tr '\n' '\a' | grep -qE "$pattern"; then
  echo "expect_output: the output does not match: $pattern" >&2
  exit 1
fi
echo "expect_output: exit 0 and the expected output"
