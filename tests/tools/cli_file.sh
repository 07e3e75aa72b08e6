#!/bin/bash
# SPDX-License-Identifier: MIT
# Copyright (c) 2026 The libmsrp authors
# `msrp send` and `msrp receive` in script mode, two processes on loopback,
# their SDP passed through FIFOs as SIP would carry it:
#   push   the sender offers, the receiver answers (TCP, then TLS)
#   pull   the receiver asks for the file by name and hash (--pull --hash)
#   resume the receiving process is killed (SIGKILL) after a third of a
#          256 MiB file; a second run with --resume asks for the rest only, and the
#          sender's counters say it sent at most the rest and one chunk
# Each checks the exit codes, the lines printed and the bytes received.
#
# With "big": a 1 GiB file, pushed over TCP and pulled over TLS, arrives
# with the same SHA-256, and the peak RSS of each process is within 32 MiB
# of what it is for a 3 MB file.
#
# With "relay MSRP-RELAY": a 1 GiB file through our relay (msrp-relay, both
# ends reserved on it), then through two relays in a chain (the sender on
# one, the receiver on the other), arrives with the same SHA-256, and the
# peak RSS of each relay grows by less than 32 MiB.
#
#   cli_file.sh MSRP WORKDIR CERTDIR [big | relay MSRP-RELAY]
set -euo pipefail
msrp=$1 dir=$2 certs=$3 big=${4:-} relaybin=${5:-}
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
rm -rf "$dir"
mkdir -p "$dir"
cd "$dir"
mkdir in
head -c 3000017 /dev/urandom >data.bin
size=$(stat -c %s data.bin)
common=(--script --timeout 30)

fail() {
  echo "cli_file: $*" >&2
  for f in *.out *.err; do echo "--- $f"; cat "$f"; done >&2
  exit 1
}
# A file the other process writes, within 10 s; else say which.
wait_file() {
  for _ in $(seq 200); do [ -s "$1" ] && return 0; sleep 0.05; done
  fail "$1 never appeared (waited 10 s)"
}
# A line matching $2 in file $1, within 30 s.
wait_line() {
  for _ in $(seq 600); do grep -qE "$2" "$1" 2>/dev/null && return 0; sleep 0.05; done
  fail "no line like '$2' in $1 (waited 30 s)"
}

# run NAME OFFERER-ARGS -- ANSWERER-ARGS: the offerer writes offer.sdp and
# reads the answer from its standard input; the answerer reads the offer
# from its standard input and writes answer.sdp. Exit codes in $off_rc and
# $ans_rc. With TIMED=1, GNU time records each side's peak RSS in
# NAME-off.rss and NAME-ans.rss.
launch() { # RSS-FILE MSRP-ARGS...
  if [ -n "${TIMED:-}" ]; then
    /usr/bin/time -f "rss %M" -o "$1" "$msrp" "${@:2}"
  else
    "$msrp" "${@:2}"
  fi
}
run() {
  local name=$1
  shift
  local off=() ans=()
  while [ "$1" != -- ]; do off+=("$1"); shift; done
  shift
  ans=("$@")
  rm -f offer.sdp answer.sdp to-off to-ans
  mkfifo to-off to-ans
  exec 3<>to-ans 4<>to-off
  launch "$name-ans.rss" "${ans[@]}" "${common[@]}" --local-file answer.sdp \
    <&3 >"$name-ans.out" 2>"$name-ans.err" &
  local ans_pid=$!
  launch "$name-off.rss" "${off[@]}" "${common[@]}" --local-file offer.sdp \
    <&4 >"$name-off.out" 2>"$name-off.err" &
  local off_pid=$!
  wait_file offer.sdp
  cat offer.sdp >&3
  wait_file answer.sdp
  cat answer.sdp >&4
  off_rc=0 ans_rc=0
  wait $off_pid || off_rc=$?
  wait $ans_pid || ans_rc=$?
  exec 3>&- 4>&-
}

# 1 GiB, made at run time (AES-CTR of zeros: fast, and no two blocks alike)
make_huge() {
  openssl enc -aes-128-ctr -pass pass:libmsrp -nosalt -pbkdf2 </dev/zero 2>/dev/null |
    head -c 1073741824 >huge.bin || true
  [ "$(stat -c %s huge.bin)" -eq 1073741824 ] || fail "could not make huge.bin"
  want=$(sha256sum huge.bin | cut -c1-64)
}

if [ "$big" = relay ]; then
  relay_sh=$here/../interop/msrp-relay/relay.sh
  trap '"$relay_sh" stop "$dir/r1" || true; "$relay_sh" stop "$dir/r2" || true' EXIT
  "$relay_sh" start "$dir/r1" "$relaybin" || fail "relay 1 did not start"
  "$relay_sh" start "$dir/r2" "$relaybin" || fail "relay 2 did not start"
  # shellcheck disable=SC1091
  r1=$(. "$dir/r1/ports" && echo "$TCP_PORT")
  r2=$(. "$dir/r2/ports" && echo "$TCP_PORT")
  hwm() { sed -n 's/^VmHWM:[[:space:]]*\([0-9]*\) kB/\1/p' "/proc/$(cat "$dir/$1/relay.pid")/status"; }
  base1=$(hwm r1) base2=$(hwm r2)
  export MSRP_PASSWORD=msrppass
  auth=(--user msrpuser)
  make_huge
  run via-one send huge.bin --relay "msrp://127.0.0.1:$r1;tcp" "${auth[@]}" \
    --timeout 300 -- receive in --relay "msrp://127.0.0.1:$r1;tcp" \
    "${auth[@]}" --timeout 300
  [ $off_rc -eq 0 ] && [ $ans_rc -eq 0 ] || fail "1 GiB via one relay: $off_rc $ans_rc"
  [ "$(sha256sum in/huge.bin | cut -c1-64)" = "$want" ] || fail "via one relay: SHA-256"
  rm in/huge.bin
  run via-two send huge.bin --relay "msrp://127.0.0.1:$r1;tcp" "${auth[@]}" \
    --timeout 300 -- receive in --relay "msrp://127.0.0.1:$r2;tcp" \
    "${auth[@]}" --timeout 300
  [ $off_rc -eq 0 ] && [ $ans_rc -eq 0 ] || fail "1 GiB via two relays: $off_rc $ans_rc"
  [ "$(sha256sum in/huge.bin | cut -c1-64)" = "$want" ] || fail "via two relays: SHA-256"
  grep -q "^a=path:msrp://127.0.0.1:$r1/" offer.sdp || fail "via two: the offer's path"
  grep -q "^a=path:msrp://127.0.0.1:$r2/" answer.sdp || fail "via two: the answer's path"
  rm -f in/huge.bin huge.bin
  for r in r1 r2; do
    b=base1
    [ $r = r2 ] && b=base2
    p=$(hwm $r)
    echo "relay $r: peak RSS $p KiB (at start ${!b} KiB)"
    [ $((p - ${!b})) -lt 32768 ] || fail "relay $r: RSS grew by $((p - ${!b})) KiB"
  done
  exit 0
fi

if [ "$big" = big ]; then
  command -v /usr/bin/time >/dev/null || fail "GNU time is not installed"
  TIMED=1
  peak() { sed -n 's/^rss //p' "$1"; }
  # the baseline: the same runs with the 3 MB file
  run small-push send data.bin -- receive in
  [ $off_rc -eq 0 ] && [ $ans_rc -eq 0 ] || fail "small push: $off_rc $ans_rc"
  rm in/data.bin
  make_huge
  run huge-push send huge.bin --timeout 300 -- receive in --timeout 300
  [ $off_rc -eq 0 ] && [ $ans_rc -eq 0 ] || fail "1 GiB push: $off_rc $ans_rc"
  [ "$(sha256sum in/huge.bin | cut -c1-64)" = "$want" ] || fail "1 GiB push: SHA-256"
  rm in/huge.bin
  mkdir -p have && mv huge.bin have/huge.bin
  run huge-pull receive in --pull huge.bin --tls --ca "$certs/ca.pem" \
    --timeout 300 -- send have/huge.bin --serve --tls \
    --cert "$certs/server.pem" --key "$certs/server.key" --timeout 300
  [ $off_rc -eq 0 ] && [ $ans_rc -eq 0 ] || fail "1 GiB pull (TLS): $off_rc $ans_rc"
  [ "$(sha256sum in/huge.bin | cut -c1-64)" = "$want" ] || fail "1 GiB pull: SHA-256"
  rm -f in/huge.bin have/huge.bin
  for side in off ans; do
    base=$(peak small-push-$side.rss)
    for run in huge-push huge-pull; do
      p=$(peak $run-$side.rss)
      echo "$run $side: peak RSS $p KiB (3 MB push: $base KiB)"
      [ $((p - base)) -lt 32768 ] || fail "$run $side: RSS grew by $((p - base)) KiB"
    done
  done
  exit 0
fi

# ---- push, TCP and TLS
run push send data.bin -- receive in
[ $off_rc -eq 0 ] || fail "push: the sender exited $off_rc"
[ $ans_rc -eq 0 ] || fail "push: the receiver exited $ans_rc"
cmp -s data.bin in/data.bin || fail "push: the file differs"
grep -q "^a=sendonly" offer.sdp || fail "push: the offer is not sendonly"
grep -q "^a=file-selector:name:\"data.bin\" type:application/octet-stream size:$size hash:sha-1:\([0-9A-F][0-9A-F]:\)\{19\}[0-9A-F][0-9A-F]" offer.sdp ||
  fail "push: the offer's selector: $(grep file-selector offer.sdp)"
grep -q "^a=recvonly" answer.sdp || fail "push: the answer is not recvonly"
[ "$(grep -v '^progress\|^hashing' push-off.out)" = "initialized
started
done data.bin $size 0 $size
ended" ] || fail "push: the sender's lines"
[ "$(grep -v '^progress' push-ans.out)" = "initialized
started
done in/data.bin $size 0 $size
ended" ] || fail "push: the receiver's lines"
grep -q "^progress $size $size$" push-off.out || fail "push: no final progress"
rm in/data.bin

run tls send data.bin --tls --ca "$certs/ca.pem" -- \
  receive in --tls --cert "$certs/server.pem" --key "$certs/server.key"
[ $off_rc -eq 0 ] && [ $ans_rc -eq 0 ] || fail "tls: exits $off_rc $ans_rc"
grep -q "TCP/TLS/MSRP" offer.sdp || fail "tls: not TLS"
cmp -s data.bin in/data.bin || fail "tls: the file differs"
rm in/data.bin

# ---- pull: the receiver asks for data.bin by name and hash
hash=$(sha1sum data.bin | cut -c1-40)
mkdir -p have
cp data.bin have/data.bin
run pull receive in --pull data.bin --hash "$hash" -- send have/data.bin --serve
[ $off_rc -eq 0 ] && [ $ans_rc -eq 0 ] || fail "pull: exits $off_rc $ans_rc"
grep -q "^a=recvonly" offer.sdp || fail "pull: the offer is not recvonly"
cmp -s data.bin in/data.bin || fail "pull: the file differs"
rm in/data.bin
# a hash the file does not have: the sender refuses (7) and answers
# nothing; the receiver, left waiting, is stopped
rm -f offer.sdp answer.sdp
exec 3<>to-ans
# (another last digit than the real one)
[ "${hash: -1}" = 0 ] && other=1 || other=0
"$msrp" receive in --pull data.bin --hash "${hash%?}$other" "${common[@]}" \
  --local-file offer.sdp </dev/null >pull-wrong-off.out 2>pull-wrong-off.err &
off_pid=$!
wait_file offer.sdp
kill $off_pid 2>/dev/null || true # (it may have given up already)
wait $off_pid || true
ans_rc=0
"$msrp" send have/data.bin --serve "${common[@]}" --local-file answer.sdp \
  <offer.sdp >pull-wrong-ans.out 2>pull-wrong-ans.err || ans_rc=$?
exec 3>&-
[ $ans_rc -eq 7 ] || fail "pull-wrong: the sender exited $ans_rc, not 7"
grep -q "^failed initialize not found" pull-wrong-ans.out ||
  fail "pull-wrong: the sender's failure"
[ ! -e answer.sdp ] || fail "pull-wrong: the sender answered"

# ---- resume after a real kill: 256 MiB, the first run at 128 MB/s, so
# that the kill lands in the middle
openssl enc -aes-128-ctr -pass pass:resume -nosalt -pbkdf2 </dev/zero 2>/dev/null |
  head -c 268435456 >big.bin || true
bsize=$(stat -c %s big.bin)
third=$((bsize / 3))
rm -f offer.sdp answer.sdp to-off to-ans
mkfifo to-off to-ans
exec 3<>to-ans 4<>to-off
"$msrp" receive in --resume --limit-rate 128M "${common[@]}" \
  --local-file answer.sdp <&3 >kill-ans.out 2>kill-ans.err &
ans_pid=$!
"$msrp" send big.bin --chunk-size 16384 "${common[@]}" --local-file offer.sdp \
  <&4 >kill-off.out 2>kill-off.err &
off_pid=$!
wait_file offer.sdp
cat offer.sdp >&3
wait_file answer.sdp
cat answer.sdp >&4
# once a third is on disk: SIGKILL, no chance to tidy up
for _ in $(seq 600); do
  done_bytes=$(grep '^progress' kill-ans.out | tail -1 | cut -d' ' -f2 || true)
  [ -n "$done_bytes" ] && [ "$done_bytes" -ge $third ] && break
  sleep 0.02
done
kill -KILL $ans_pid
wait $ans_pid || true
wait $off_pid || true
exec 3>&- 4>&-
[ -e in/big.bin.part ] || fail "resume: no .part after the kill"
[ ! -e in/big.bin ] || fail "resume: the file arrived before the kill"
had=$(stat -c %s in/big.bin.part)
run resume send big.bin --chunk-size 16384 -- receive in --resume
[ $off_rc -eq 0 ] && [ $ans_rc -eq 0 ] || fail "resume: exits $off_rc $ans_rc"
cmp -s big.bin in/big.bin || fail "resume: the file differs"
grep -q "^a=file-range:[0-9]*-\*" answer.sdp || fail "resume: no file-range"
read -r _ _ _ offset moved < <(grep '^done' resume-off.out)
[ "$offset" -ge $third ] || fail "resume: started at $offset, before a third"
[ $((offset + moved)) -eq $bsize ] || fail "resume: $offset + $moved != $bsize"
[ "$moved" -le $((bsize - offset + 16384)) ] || fail "resume: sent $moved"
echo "resume: killed with $had bytes in the .part; the second run started at" \
  "$offset and sent $moved of $bsize bytes"
