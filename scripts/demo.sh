#!/bin/bash
# SPDX-License-Identifier: MIT
# Copyright (c) 2026 The libmsrp authors
# The demo: install what is needed, build, and run two `msrp` processes on
# loopback that chat over TLS (msrps) with delivery reports: Bob listens
# with a certificate made for the demo, Alice connects and verifies it;
# their MSRP paths are exchanged through files, as a SIP offer and answer
# would carry them. Each side's client also says when it has shown a message
# (RFC 5438 notifications). Then both transcripts are printed.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/setup.sh demo   # only what the demo needs
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DMSRP_BUILD_TESTS=OFF >/dev/null
cmake --build build -j "$(nproc)" --target msrp_tool >/dev/null
msrp=$PWD/build/tools/msrp
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
tests/integration/make_certs.sh "$work/certs" >/dev/null
cd "$work"
mkfifo to-bob
exec 3<>to-bob

"$msrp" chat --listen --tls --cert certs/server.pem --key certs/server.key \
  --script --expect 2 --local-file bob.path \
  "Hi Alice! Fine, thanks." "And you?" <&3 >bob.out 2>bob.err &
bob=$!
for _ in $(seq 200); do [ -s bob.path ] && break; sleep 0.05; done
"$msrp" chat --connect --tls --ca certs/ca.pem --script --expect 2 \
  --local-file alice.path --remote-file bob.path \
  "Hello Bob, how are you?" "Talking MSRP over TLS here." \
  </dev/null >alice.out 2>alice.err &
alice=$!
for _ in $(seq 200); do [ -s alice.path ] && break; sleep 0.05; done
cat alice.path >&3
rc=0
wait $alice || rc=1
wait $bob || rc=1

show() { # who file
  local who=$1
  while IFS= read -r line; do
    case $line in
    "sent "*) set -- $line; echo "$who  says: ${line#sent $2 }" ;;
    "received "*) echo "$who  reads: ${line#received }" ;;
    "delivered "*) echo "$who  (delivery report: message ${line#delivered } delivered)" ;;
    "not-delivered "*) echo "$who  (NOT delivered: ${line#not-delivered })" ;;
    "notified "*) set -- $line
      echo "$who  (the other side's client says message $2 was $3)" ;;
    started) echo "$who  connected and bound" ;;
    peer-ended) echo "$who  (the other side hung up)" ;;
    ended) echo "$who  hung up" ;;
    *) echo "$who  $line" ;;
    esac
  done <"$2"
}
echo "Bob's MSRP path:   $(cat bob.path)"
echo "Alice's MSRP path: $(cat alice.path)"
echo
show "Alice" alice.out
echo
show "Bob  " bob.out
if [ $rc -ne 0 ]; then
  echo "the demo failed; the programs said:" >&2
  cat alice.err bob.err >&2
  exit 1
fi
