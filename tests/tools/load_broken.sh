#!/bin/bash
# SPDX-License-Identifier: MIT
# Copyright (c) 2026 The libmsrp authors
# `msrp load` notices what a broken relay does: our relay (msrp-relay), and
# in front of the callees' side a hop that passes everything (exit 0), flips
# one byte of one message (exit 1, "corrupt 1"), or leaves one message out
# (exit 1, "lost 1").
#
#   load_broken.sh MSRP MSRP-RELAY WORKDIR
set -euo pipefail
msrp=$1 relaybin=$2 dir=$3
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
relay_sh=$here/../interop/msrp-relay/relay.sh
rm -rf "$dir"
mkdir -p "$dir"
proxy=
cleanup() {
  [ -n "$proxy" ] && kill "$proxy" 2>/dev/null || true
  "$relay_sh" stop "$dir/relay" || true
}
trap cleanup EXIT
fail() {
  echo "load_broken: $*" >&2
  cat "$dir"/*.out >&2 || true
  exit 1
}
"$relay_sh" start "$dir/relay" "$relaybin" || fail "the relay did not start"
# shellcheck disable=SC1091
port=$(. "$dir/relay/ports" && echo "$TCP_PORT")
export MSRP_PASSWORD=msrppass

run() { # MODE: prints the exit code
  rm -f "$dir/proxy.port"
  python3 "$here/broken_relay.py" "$1" "$port" "$dir/proxy.port" &
  proxy=$!
  for _ in $(seq 100); do [ -s "$dir/proxy.port" ] && break; sleep 0.05; done
  [ -s "$dir/proxy.port" ] || fail "$1: the broken hop did not start"
  local rc=0
  "$msrp" load --sessions 4 --messages 100 --timeout 5 --user msrpuser \
    --relay "msrp://127.0.0.1:$port;tcp" \
    --callee-relay "msrp://127.0.0.1:$(cat "$dir/proxy.port");tcp" \
    >"$dir/$1.out" 2>&1 || rc=$?
  kill "$proxy"
  wait "$proxy" 2>/dev/null || true
  proxy=
  echo $rc
}

rc=$(run pass)
[ "$rc" = 0 ] || fail "pass: exit $rc"
grep -q "failed 0 lost 0 corrupt 0" "$dir/pass.out" || fail "pass: the counts"
rc=$(run corrupt)
[ "$rc" = 1 ] || fail "corrupt: exit $rc, not 1"
grep -q "corrupt 1" "$dir/corrupt.out" || fail "corrupt: not counted"
grep -q "differs at byte" "$dir/corrupt.out" || fail "corrupt: not said"
rc=$(run drop)
[ "$rc" = 1 ] || fail "drop: exit $rc, not 1"
grep -q "lost 1 corrupt 0" "$dir/drop.out" || fail "drop: not counted"
grep -q "message [0-9]* missing" "$dir/drop.out" || fail "drop: not said"
echo "load_broken: pass 0, corrupt and drop detected"
