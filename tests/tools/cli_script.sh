#!/bin/bash
# SPDX-License-Identifier: MIT
# Copyright (c) 2026 The libmsrp authors
# Two `msrp chat --script` processes on loopback: Alice connects and sends
# two messages, Bob listens, expects them, and answers one. Their paths go
# through files and a FIFO, as SIP would carry them. Checks every line
# each prints, and both exit codes.
#
#   cli_script.sh MSRP WORKDIR tcp|tls|relay [CERTDIR|RELAYDIR]
#   cli_script.sh MSRP WORKDIR relay2 RELAYDIR RELAYDIR2   (Bob on the second)
#   cli_script.sh MSRP WORKDIR ws RELAYDIR   (Alice over WebSocket, RFC 7977)
#
# Through Kamailio, a frame the relay's own log shows it received and that
# never reached the other side is the relay's loss, not ours (loopback TCP
# loses nothing): the run says so, with the evidence, and is tried once
# more. Any other failure fails at once.
set -euo pipefail
msrp=$1 dir=$2 mode=$3 extra=${4:-}
rm -rf "$dir"
mkdir -p "$dir"
cd "$dir"
top=$PWD

common=(--script --timeout 20 ${CLI_TRACE:+--trace})
alice=(--connect) bob=(--listen) relay_log=
case $mode in
tcp) # Bob binds every address and advertises loopback
  bob+=(--local-host 0.0.0.0 --advertise 127.0.0.1) ;;
tls)
  bob+=(--tls --cert "$extra/server.pem" --key "$extra/server.key")
  alice+=(--tls --ca "$extra/ca.pem")
  ;;
relay | relay2 | ws)
  source "$extra/ports"
  relay_log=$extra/kamailio.log
  # two relays: Bob on the second (a session across two nodes)
  second=$TCP_PORT
  if [ "$mode" = relay2 ]; then
    second=$(source "${5:?the directory of the second relay}/ports" && echo "$TCP_PORT")
  fi
  # credentials other than the relay's own test user (CLI_USER, CLI_PASS)
  RELAY_USER=${CLI_USER:-$RELAY_USER} RELAY_PASS=${CLI_PASS:-$RELAY_PASS}
  # the password from a file (Alice) and from the environment (Bob)
  printf '%s\n' "$RELAY_PASS" >"$top/relay.pass"
  # Alice names the relay by address, Bob by host name (resolved off the
  # loop)
  relay=(--user "$RELAY_USER")
  alice_relay="msrp://127.0.0.1:$TCP_PORT;tcp"
  [ "$mode" = ws ] && alice_relay="ws://127.0.0.1:$TCP_PORT/"
  alice+=("${relay[@]}" --relay "$alice_relay" --password-file "$top/relay.pass")
  bob+=("${relay[@]}" --relay "msrp://localhost:$second;tcp")
  export MSRP_PASSWORD=$RELAY_PASS
  ;;
*) echo "mode?" >&2; exit 2 ;;
esac

run_pair() { # in a fresh directory
mkfifo to-bob
# Bob reads Alice's path from the FIFO (kept open here so it never blocks)
exec 3<>to-bob
"$msrp" chat "${bob[@]}" "${common[@]}" --expect 2 --local-file bob.path \
  "I am fine" <&3 >bob.out 2>bob.err &
bob_pid=$!
wait_file() { # a file the other side writes, within 10 s; else say which
  for _ in $(seq 200); do [ -s "$1" ] && return 0; sleep 0.05; done
  echo "$1 never appeared (waited 10 s)" >&2
  return 1
}
wait_file bob.path || { cat bob.err; exit 1; }
"$msrp" chat "${alice[@]}" "${common[@]}" --expect 1 --local-file alice.path \
  --remote-file bob.path "hello Bob" "how are you?" </dev/null >alice.out 2>alice.err &
alice_pid=$!
wait_file alice.path || { cat alice.err; exit 1; }
cat alice.path >&3
alice_rc=0 bob_rc=0
wait $alice_pid || alice_rc=$?
wait $bob_pid || bob_rc=$?
exec 3>&-
}

report() { # why: both sides' lines, the relay's log of them, the traces
  echo "cli ($mode): $*" >&2
  # what each printed first (short), then what the relay saw of these two
  # sessions, then the wire traces (long: a CI log may cut their middle)
  for f in alice.out bob.out; do echo "--- $f"; cat $f; done >&2
  if [ -n "$relay_log" ] && [ -f "$relay_log" ]; then
    sids=$(cat alice.path bob.path 2>/dev/null | grep -o '/h[0-9a-f]*;' | tr -d '/;' | sort -u)
    if [ -n "$sids" ]; then
      echo "--- the relay's log of sessions" $sids
      grep -F "$(printf '%s\n' $sids)" "$relay_log" | sed -E 's/^ *[0-9]+\([0-9]+\) //'
    fi >&2
  fi
  for f in alice.err bob.err; do echo "--- $f"; cat $f; done >&2
}

# The REPORTs the relay lost: for each message a side says was not
# delivered, the REPORT the other side wrote about it (its trace), which
# the relay logged as received and the sender never read. Prints them.
relay_lost() {
  [ -n "$relay_log" ] && [ -f "$relay_log" ] || return 1
  local lost=0 side other id tid
  for side in alice bob; do
    other=bob
    [ $side = bob ] && other=alice
    for id in $(sed -n 's/^not-delivered \([A-Za-z0-9]*\) .*/\1/p' $side.out); do
      # the other side's REPORT about it: "MSRP <tid> REPORT" ... "Message-ID: <id>"
      tid=$(tr -d '\r' <$other.err | awk -v id="$id" '/^>>> /{out=1; tid=""; next} /^<<< /{out=0; next}
        out && $1 == "MSRP" && $3 == "REPORT" {tid=$2}
        out && tid != "" && $0 == "Message-ID: " id {print tid; exit}')
      [ -n "$tid" ] || return 1 # never written: not the relay's doing
      grep -q "^MSRP $tid REPORT" $side.err && return 1 # it came after all
      grep -q "MSRP-IN \[REPORT<null>\] tid=$tid " "$relay_log" || return 1
      echo "the relay received $other's REPORT $tid about $id and $side never got it:"
      grep -F "tid=$tid " "$relay_log" | sed -E 's/^ *[0-9]+\([0-9]+\) //'
      lost=1
    done
  done
  [ $lost = 1 ]
}
check() { # sets why and fails at the first thing that is not so
[ $alice_rc -eq 0 ] || { why="alice exited $alice_rc"; return 1; }
[ $bob_rc -eq 0 ] || { why="bob exited $bob_rc"; return 1; }
grep -q '^msrps\?://' alice.path || { why="alice.path is not a path"; return 1; }
if [ "$mode" = tcp ]; then
  grep -q '^msrp://127\.0\.0\.1:[0-9]*/' bob.path ||
    { why="bob.path does not advertise 127.0.0.1: $(cat bob.path)"; return 1; }
fi
# exact lines, message ids aside
norm() { sed -E 's/^(sent|delivered) [A-Za-z0-9]+/\1 ID/' "$1"; }
want_alice=$'started\nsent ID hello Bob\nsent ID how are you?'
[ "$(norm alice.out | head -3)" = "$want_alice" ] || { why="alice's first lines"; return 1; }
[ "$(norm alice.out | grep -c '^delivered ID$')" -eq 2 ] || { why="alice: 2 delivered"; return 1; }
grep -qx 'received I am fine' alice.out || { why="alice did not get the answer"; return 1; }
[ "$(tail -1 alice.out)" = ended ] || { why="alice did not end"; return 1; }
grep -qx 'received hello Bob' bob.out || { why="bob: first message"; return 1; }
grep -qx 'received how are you?' bob.out || { why="bob: second message"; return 1; }
[ "$(grep -n 'received hello Bob' bob.out | cut -d: -f1)" -lt \
  "$(grep -n 'received how are you' bob.out | cut -d: -f1)" ] || { why="bob: order"; return 1; }
grep -qE '^delivered [A-Za-z0-9]+$' bob.out || { why="bob: his answer delivered"; return 1; }
[ "$(tail -1 bob.out)" = ended ] || { why="bob did not end"; return 1; }
}

run_pair
if ! check; then
  if relay_lost >relay-lost.txt; then
    echo "cli ($mode): $why, and the relay lost a frame (its own log):" >&2
    cat relay-lost.txt >&2
    echo "cli ($mode): once more, in $top/again" >&2
    mkdir again
    cd again
    run_pair
    check || { report "$why (the second time)"; exit 1; }
  else
    report "$why"
    exit 1
  fi
fi
echo "cli ($mode): both sides printed what they should and exited 0"
