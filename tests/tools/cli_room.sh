#!/bin/bash
# SPDX-License-Identifier: MIT
# Copyright (c) 2026 The libmsrp authors
# `msrp chat --script` as a room and its participant (RFC 7701), with
# is-composing (RFC 3994) and IMDN (RFC 5438) on the way: Bob hosts the
# room under the nickname "Bob"; Alice asks for "Alice" (granted), says
# she is typing, then sends a line. A second Alice asks for "BOB" (the
# same nickname by RFC 8266) and is refused with 425, exit 1. A plain peer
# (no room) is not asked at all.
#
#   cli_room.sh MSRP WORKDIR
set -euo pipefail
msrp=$1 dir=$2
rm -rf "$dir"
mkdir -p "$dir"
cd "$dir"
common=(--script --timeout 20)

wait_file() { # a file the other side writes, within 10 s; else say which
  for _ in $(seq 200); do [ -s "$1" ] && return 0; sleep 0.05; done
  echo "$1 never appeared (waited 10 s)" >&2
  return 1
}
fail() {
  echo "cli room: $*" >&2
  for f in *.out *.err; do echo "--- $f"; cat "$f"; done >&2
  exit 1
}

# run N BOB_ARGS -- ALICE_ARGS: Bob listens (reading Alice's path from a
# FIFO), Alice connects with her stdin from alice-N.in; both exit codes go
# to rc-N
run() {
  local n=$1
  shift
  local bob=() alice=()
  while [ "$1" != -- ]; do bob+=("$1"); shift; done
  shift
  alice=("$@")
  mkfifo "to-bob-$n"
  exec 3<>"to-bob-$n"
  "$msrp" chat --listen "${common[@]}" --local-file "bob-$n.path" "${bob[@]}" \
    <&3 >"bob-$n.out" 2>"bob-$n.err" &
  local bob_pid=$!
  wait_file "bob-$n.path" || fail "bob $n never wrote his path"
  "$msrp" chat --connect "${common[@]}" --local-file "alice-$n.path" \
    --remote-file "bob-$n.path" "${alice[@]}" <"alice-$n.in" \
    >"alice-$n.out" 2>"alice-$n.err" &
  local alice_pid=$!
  wait_file "alice-$n.path" || fail "alice $n never wrote her path"
  cat "alice-$n.path" >&3
  local arc=0 brc=0
  wait $alice_pid || arc=$?
  wait $bob_pid || brc=$?
  exec 3>&-
  echo "$arc $brc" >"rc-$n"
}

# 1: a nickname granted; typing, then the line
printf '/typing\nhello room\n' >alice-1.in
run 1 --sdp --room --nickname Bob --expect 1 -- --nickname Alice
read -r arc brc <rc-1
[ "$arc" -eq 0 ] || fail "alice 1 exited $arc"
[ "$brc" -eq 0 ] || fail "bob 1 exited $brc"
grep -qx 'nickname Alice' alice-1.out || fail "alice 1 was not granted her nickname"
grep -qx 'peer-nickname Alice' bob-1.out || fail "bob did not see the nickname"
# Bob saw typing, then (the message ends it) idle, then the message
want=$'typing active\ntyping idle\nreceived hello room'
[ "$(grep -E '^(typing|received)' bob-1.out)" = "$want" ] ||
  fail "bob's typing and message lines"
[ "$(grep -n '^peer-nickname' bob-1.out | cut -d: -f1)" -lt \
  "$(grep -n '^typing active' bob-1.out | cut -d: -f1)" ] ||
  fail "the nickname came after the typing"

# 2: a nickname the room has (compared as RFC 8266 says): 425, exit 1
printf 'hello again\n' >alice-2.in
run 2 --sdp --room --nickname Bob --expect 1 -- --nickname '  BOB '
read -r arc brc <rc-2
[ "$arc" -eq 1 ] || fail "alice 2 exited $arc, not 1"
[ "$brc" -eq 0 ] || fail "bob 2 exited $brc"
grep -qx 'nickname-refused 425 Nickname Reserved or Already in Use' alice-2.out ||
  fail "alice 2 was not refused with 425"
grep -q '^peer-nickname' bob-2.out && fail "bob 2 granted a nickname"

# 3: no room: the nickname is not asked for, the chat goes on
printf 'plain\n' >alice-3.in
run 3 --expect 1 -- --nickname Alice
read -r arc brc <rc-3
[ "$arc" -eq 0 ] || fail "alice 3 exited $arc"
[ "$brc" -eq 0 ] || fail "bob 3 exited $brc"
grep -q '^nickname-unsupported ' alice-3.out || fail "alice 3 asked a plain peer"
grep -qx 'received plain' bob-3.out || fail "bob 3 did not get the line"
echo "cli room: nickname granted, refused (425, exit 1) and not asked of a plain peer; typing shown before the message"
