#!/bin/bash
# SPDX-License-Identifier: MIT
# Copyright (c) 2026 The libmsrp authors
# The progress line of `msrp receive` in a real terminal: tmux runs the
# receiver (at a limited rate, so that there is time to watch), a sender
# runs beside it, and capture-pane reads the screen: the percentage shown
# advances, and the line ends with the file saved.
#
#   cli_file_tmux.sh MSRP WORKDIR
set -euo pipefail
msrp=$1 dir=$2
rm -rf "$dir"
mkdir -p "$dir/in"
cd "$dir"
sock="$dir/tmux.sock"
t() { tmux -S "$sock" "$@"; }
cleanup() { t kill-server 2>/dev/null || true; }
trap cleanup EXIT
head -c 40000000 /dev/urandom >data.bin
mkfifo to-recv to-send
exec 3<>to-recv 4<>to-send

show() {
  echo "--- the receiver's screen:" >&2
  t capture-pane -p -t ft.0 | grep -v '^$' >&2 || true
  for f in send.out send.err; do echo "--- $f" >&2; cat "$f" >&2; done
}
wait_file() { # a file the other side writes, within 10 s; else say which
  for _ in $(seq 200); do [ -s "$1" ] && return 0; sleep 0.05; done
  echo "$1 never appeared (waited 10 s)" >&2
  show
  return 1
}
# the percentage on the receiver's screen now (empty if none yet)
percent() {
  t capture-pane -p -t ft.0 | grep -oE '[0-9]+% ' | tail -1 | tr -dc 0-9 || true
}
# wait (bounded) until the screen shows more than $1 percent
advances_past() {
  for _ in $(seq 300); do
    p=$(percent)
    [ -n "$p" ] && [ "$p" -gt "$1" ] && return 0
    sleep 0.05
  done
  echo "the progress never went past $1% (waited 15 s)" >&2
  show
  return 1
}

# the receiver reads the offer from the FIFO and answers into a file; the
# shell stays after it, so that its last screen can be read
t -f /dev/null new-session -d -s ft -x 120 -y 10 \
  "$msrp receive in --limit-rate 8M --local-file answer.sdp <to-recv; echo \"[receive exited \$?]\"; read _"
"$msrp" send data.bin --local-file offer.sdp <&4 >send.out 2>send.err &
send_pid=$!
wait_file offer.sdp
cat offer.sdp >&3
wait_file answer.sdp
cat answer.sdp >&4
advances_past 0
first=$(percent)
advances_past "$first"
second=$(percent)
t capture-pane -p -t ft.0 | grep -qE '[0-9.]+ MB of 40\.0 MB +[0-9.]+ [kM]?B/s +[0-9:]+ left' || {
  echo "the progress line is not 'N% X MB of 40.0 MB R MB/s T left'" >&2
  show
  exit 1
}
wait $send_pid || { echo "the sender failed" >&2; show; exit 1; }
for _ in $(seq 300); do
  t capture-pane -p -t ft.0 | grep -qF "[receive exited" && break
  sleep 0.05
done
t capture-pane -p -t ft.0 | grep -qF "saved in/data.bin (40000000 bytes)" || {
  echo "the receiver did not say the file was saved" >&2
  show
  exit 1
}
t capture-pane -p -t ft.0 | grep -qF "[receive exited 0]" || { show; exit 1; }
cmp -s data.bin in/data.bin || { echo "the file differs" >&2; exit 1; }
echo "progress seen advancing: $first% then $second%, then saved"
