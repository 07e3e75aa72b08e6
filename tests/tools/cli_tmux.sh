#!/bin/bash
# SPDX-License-Identifier: MIT
# Copyright (c) 2026 The libmsrp authors
# The interactive `msrp chat`, driven as a person would in two terminals:
# tmux runs both, send-keys types, capture-pane reads the screens. Bob
# listens and is given Alice's path at his prompt; a line Alice types
# appears on Bob's screen ("typing" while she types), Alice is told it was
# delivered and read, and Bob's answer (edited with Backspace) on Alice's.
#
#   cli_tmux.sh MSRP WORKDIR
set -euo pipefail
msrp=$1 dir=$2
rm -rf "$dir"
mkdir -p "$dir"
cd "$dir"
sock="$dir/tmux.sock"
t() { tmux -S "$sock" "$@"; }
cleanup() { t kill-server 2>/dev/null || true; }
trap cleanup EXIT

# wait (bounded) until pane $1 shows text $2
screen_has() {
  for _ in $(seq 200); do
    t capture-pane -p -t "$1" | grep -qF -- "$2" && return 0
    sleep 0.05
  done
  echo "pane $1 never showed: $2" >&2
  for p in chat.0 chat.1; do
    echo "--- pane $p:" >&2
    t capture-pane -p -t "$p" | grep -v '^$' >&2
  done
  return 1
}
wait_file() { # a file the other side writes, within 10 s; else say which
  for _ in $(seq 200); do [ -s "$1" ] && return 0; sleep 0.05; done
  echo "$1 never appeared (waited 10 s)" >&2
  for p in chat.0 chat.1; do
    echo "--- pane $p:" >&2
    t capture-pane -p -t "$p" 2>&1 | grep -v '^$' >&2 || true
  done
  return 1
}

# Each chat runs under a shell that stays after it (waiting for a line
# nobody types): tmux may lose what a pane's process printed just before
# the pane died, and the shell's own line says how the chat ended.
t -f /dev/null new-session -d -s chat -x 120 -y 30 \
  "$msrp chat --listen --local-file bob.path --timeout 2; echo \"[bob exited \$?]\"; read _"
wait_file bob.path
t split-window -t chat -v \
  "$msrp chat --connect --local-file alice.path --remote-file bob.path --timeout 2; echo \"[alice exited \$?]\"; read _"
wait_file alice.path
screen_has chat.0 "peer's path"
t send-keys -t chat.0 "$(cat alice.path)" Enter
screen_has chat.0 "connected"
screen_has chat.1 "connected"
# --timeout is for connecting: a conversation goes on past it. (Waiting out
# the deadline is the point here, not a synchronisation.)
sleep 3
# typing shows on the other side before the line is sent (RFC 3994)
t send-keys -t chat.1 "hello from the"
screen_has chat.0 "(peer is typing...)"
t send-keys -t chat.1 " other terminal" Enter
screen_has chat.0 "peer> hello from the other terminal"
# Bob's terminal showed it: Alice is told delivered, then read (RFC 5438)
screen_has chat.1 "(delivered: hello from the other terminal)"
screen_has chat.1 "(read: hello from the other terminal)"
t send-keys -t chat.0 "and hello bakk"
t send-keys -t chat.0 BSpace BSpace "ck" Enter
screen_has chat.1 "peer> and hello back"
# Ctrl-D ends Alice's chat; Bob is told the peer ended it, and that is
# not a failure
t send-keys -t chat.1 C-d
screen_has chat.0 "the peer ended the chat"
screen_has chat.0 "[bob exited 0]"
screen_has chat.1 "[alice exited 0]"
if t capture-pane -p -t chat.0 | grep -q "gave up"; then
  echo "bob gave up: the connect deadline ended a conversation" >&2
  exit 1
fi
echo "cli (tmux): lines typed in one terminal appeared in the other, both ways, past --timeout, with typing shown and delivered/read reported; the peer's hang-up ended the other side with 0"
