#!/bin/bash
# SPDX-License-Identifier: MIT
# Copyright (c) 2026 The libmsrp authors
# Capture a loopback MSRP exchange (examples/two_endpoints) with tshark and
# check that Wireshark's own MSRP dissector decodes every message the
# example printed, with the same transaction ids, methods, status codes,
# Byte-Range values and continuation flags, and marks nothing malformed.
# Each message travels alone in its TCP segment (the example waits for the
# peer to read each one), because tshark decodes only the first MSRP
# message of a segment.
#
#   tshark_capture.sh PATH-TO-two_endpoints WORKDIR
set -euo pipefail
prog=$1
dir=$2
rm -rf "$dir"
mkdir -p "$dir"

# a free port: ask the kernel for one via a throwaway listener
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')

tshark -i lo -f "tcp port $port" -w "$dir/capture.pcapng" -P -l \
  >"$dir/tshark.out" 2>"$dir/tshark.err" &
tpid=$!
trap 'kill $tpid 2>/dev/null || true' EXIT
# Wait (bounded) until the capture really sees the port: knock on it (a
# refused connection is a packet) until tshark prints a packet.
for _ in $(seq 200); do
  [ -s "$dir/tshark.out" ] && break
  kill -0 $tpid 2>/dev/null || { cat "$dir/tshark.err" >&2; exit 1; }
  (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null || true
  sleep 0.05
done
[ -s "$dir/tshark.out" ] || { echo "tshark captured nothing" >&2; exit 1; }

"$prog" --port "$port" >"$dir/example.out"
# Before stopping tshark, make sure it has taken in the whole exchange: the
# example's last packets close its connections (FIN); knock again until a
# refused knock (RST) shows up after them.
for _ in $(seq 200); do
  (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null || true
  last_fin=$(grep -n "FIN" "$dir/tshark.out" | tail -1 | cut -d: -f1 || true)
  last_rst=$(grep -n "RST" "$dir/tshark.out" | tail -1 | cut -d: -f1 || true)
  [ -n "$last_fin" ] && [ "${last_rst:-0}" -gt "$last_fin" ] && break
  sleep 0.05
done
kill -INT $tpid
wait $tpid || true
trap - EXIT

decode() {
  tshark -r "$dir/capture.pcapng" -d "tcp.port==$port,msrp" "$@"
}
decode -Y msrp -T fields -E separator='|' -e msrp.transaction.id \
  -e msrp.method -e msrp.status.code -e msrp.byte.range -e msrp.cnt.flg \
  >"$dir/decoded-raw.txt"
# tshark reports the transaction id of the start line and of the end-line:
# they must agree; keep one
awk -F'|' -v OFS='|' '{ n = split($1, ids, ",");
  for (i = 2; i <= n; i++) if (ids[i] != ids[1]) ids[1] = "MISMATCH:" $1;
  $1 = ids[1]; print }' "$dir/decoded-raw.txt" >"$dir/decoded.txt"
malformed=$(decode -Y "_ws.malformed" | wc -l)

# what the example says it received, in the same field layout
sed -n 's/^.* got  //p' "$dir/example.out" | awk '
  /^[0-9][0-9][0-9] / { for (i = 2; i <= NF; i++) if ($i ~ /^tid=/) tid = substr($i, 5);
                        printf "%s||%s||$\n", tid, $1; next }
  { m = $1; tid = ""; br = ""; fl = "";
    for (i = 2; i <= NF; i++) {
      if ($i ~ /^tid=/) tid = substr($i, 5);
      if ($i ~ /^Byte-Range=/) br = substr($i, 12);
      if ($i ~ /^flag=/) fl = substr($i, 6);
    }
    printf "%s|%s||%s|%s\n", tid, m, br, fl }' >"$dir/expected.txt"

fail() { echo "tshark check: $*" >&2; echo "--- decoded"; cat "$dir/decoded.txt"; echo "--- expected"; cat "$dir/expected.txt"; exit 1; }
[ "$malformed" -eq 0 ] || fail "$malformed malformed packets"
[ -s "$dir/expected.txt" ] || fail "the example printed nothing"
# the binding: an empty SEND and its 200, first on the wire
bind_tid=$(head -1 "$dir/decoded.txt" | cut -d'|' -f1)
head -1 "$dir/decoded.txt" | grep -qx "$bind_tid|SEND||1-0/0|\\$" || fail "no binding SEND first"
sed -n 2p "$dir/decoded.txt" | grep -qx "$bind_tid||200||\\$" || fail "no 200 for the binding SEND"
# then every message the example received, in order (responses carry no
# Byte-Range, and tshark shows no method for them)
tail -n +3 "$dir/decoded.txt" | grep -v '||200||' >"$dir/decoded-requests.txt" || true
grep -v '||200||' "$dir/expected.txt" >"$dir/expected-requests.txt" || true
diff -u "$dir/expected-requests.txt" "$dir/decoded-requests.txt" || fail "requests differ"
# every 200 the example printed was decoded with its transaction id
for tid in $(grep '||200||' "$dir/expected.txt" | cut -d'|' -f1); do
  grep -qx "$tid||200||\\$" "$dir/decoded.txt" || fail "200 for $tid not decoded"
done
echo "tshark decoded $(wc -l <"$dir/decoded.txt") MSRP messages as expected, none malformed"
