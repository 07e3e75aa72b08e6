#!/bin/bash
# SPDX-License-Identifier: MIT
# Copyright (c) 2026 The libmsrp authors
# Desktop sharing with real components: Xvfb (-noreset) with a red root
# window, x11vnc on it, `msrp share` against x11vnc and `msrp view` on the
# other side (their SDP through FIFOs, as SIP would carry it), and a real
# snapshot through the MSRP tunnel with vncsnapshot; its pixels must be
# the root window's. Then both sides end (the snapshot closes the viewer),
# exit 0, and count RFB bytes both ways.
#
# With "commands": msrp share starts x11vnc itself (--vnc-command, the
# port read from its output) and msrp view starts vncsnapshot itself
# (--viewer-command, "%p" the port).
#
#   desktop_share.sh MSRP WORKDIR tcp|tls|relay|commands [CERTDIR|RELAYDIR]
set -euo pipefail
msrp=$1 dir=$2 mode=$3 extra=${4:-}
rm -rf "$dir"
mkdir -p "$dir"
cd "$dir"
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
}
trap cleanup EXIT
fail() {
  echo "desktop_share ($mode): $*" >&2
  for f in *.out *.err *.log; do [ -f "$f" ] && { echo "--- $f"; cat "$f"; }; done >&2
  exit 1
}
wait_for() { # FILE PATTERN SECONDS
  for _ in $(seq $(($3 * 20))); do grep -qE "$2" "$1" 2>/dev/null && return 0; sleep 0.05; done
  fail "no '$2' in $1 after $3 s"
}

# an X display of its own, its root window red
exec 5>display.txt
Xvfb -displayfd 5 -noreset -screen 0 320x240x24 -nolisten tcp >xvfb.log 2>&1 &
pids+=($!)
exec 5>&-
wait_for display.txt '^[0-9]+' 10
export DISPLAY=:$(head -1 display.txt)
xsetroot -solid red || fail "xsetroot"
# x11vnc on it: loopback only, one client, no password
x11vnc=(x11vnc -display "$DISPLAY" -localhost -once -nopw -noxdamage)
snapshot=(vncsnapshot -allowblank -encodings raw -quality 100)
share=(--script --timeout 30)
view=(--script --timeout 30 --answer)
if [ "$mode" = commands ]; then
  share+=(--vnc-command "${x11vnc[*]}")
  view+=(--viewer-command "${snapshot[*]} 127.0.0.1::%p $dir/snap.jpg")
else
  "${x11vnc[@]}" >x11vnc.log 2>&1 &
  pids+=($!)
  wait_for x11vnc.log '^PORT=[0-9]+' 20 # its port, from its output
  share+=(--vnc "127.0.0.1:$(sed -n 's/^PORT=//p' x11vnc.log | head -1)")
fi
case $mode in
tcp | commands) ;;
tls) # the viewer side listens (it answers an active offer)
  share+=(--tls --ca "$extra/ca.pem")
  view+=(--tls --cert "$extra/server.pem" --key "$extra/server.key")
  ;;
relay)
  # shellcheck disable=SC1091
  source "$extra/ports"
  export MSRP_PASSWORD=$RELAY_PASS
  share+=(--relay "msrp://127.0.0.1:$TCP_PORT;tcp" --user "$RELAY_USER")
  view+=(--relay "msrp://127.0.0.1:$TCP_PORT;tcp" --user "$RELAY_USER")
  ;;
*) fail "mode?" ;;
esac

mkfifo to-share to-view
exec 3<>to-share 4<>to-view
"$msrp" view "${view[@]}" --local-file answer.sdp <&4 >view.out 2>view.err &
view_pid=$!
"$msrp" share "${share[@]}" --local-file offer.sdp <&3 >share.out 2>share.err &
share_pid=$!
wait_for offer.sdp 'rfbsetup:passive' 10
cat offer.sdp >&4
echo >&4
wait_for answer.sdp 'rfbsetup:active' 10
cat answer.sdp >&3
echo >&3
wait_for view.out '^viewer-port [0-9]+' 15
vport=$(sed -n 's/^viewer-port //p' view.out)
wait_for share.out '^handler-started' 15

# a real VNC client through the tunnel (msrp view starts it itself with
# "commands", and ends when it is done)
if [ "$mode" != commands ]; then
  timeout 30 "${snapshot[@]}" "127.0.0.1::$vport" snap.jpg >snap.log 2>&1 ||
    fail "vncsnapshot failed"
else
  for _ in $(seq 600); do grep -q '^ended' view.out && break; sleep 0.05; done
fi
djpeg -pnm snap.jpg >snap.ppm || fail "djpeg"
python3 - snap.ppm <<'PY' || fail "the snapshot is not the red root window"
import sys
data = open(sys.argv[1], "rb").read()
# P6\nW H\n255\n
parts = data.split(b"\n", 3)
w, h = map(int, parts[1].split())
px = parts[3]
assert (w, h) == (320, 240), (w, h)
bad = sum(1 for i in range(0, len(px), 3)
          if not (px[i] > 230 and px[i + 1] < 25 and px[i + 2] < 25))
assert bad == 0, "%d pixels are not red" % bad
PY

# the snapshot closed the viewer: the viewer's side ends; directly, its
# closed connection ends the sharing side too; through a relay, which keeps
# the sharing side's connection, SIP's BYE would: SIGTERM plays it
rc_view=0 rc_share=0
wait $view_pid || rc_view=$?
if [ "$mode" = relay ]; then
  kill -TERM $share_pid
fi
wait $share_pid || rc_share=$?
exec 3>&- 4>&-
[ $rc_view -eq 0 ] || fail "msrp view exited $rc_view"
[ $rc_share -eq 0 ] || fail "msrp share exited $rc_share"
for side in view share; do
  read -r _ out in < <(grep '^bytes ' $side.out) || fail "$side: no byte counts"
  [ "$out" -gt 0 ] && [ "$in" -gt 0 ] || fail "$side: bytes $out out, $in in"
  [ "$(tail -1 $side.out)" = ended ] || fail "$side did not end"
done
# both directions: what one side sent, the other wrote to its VNC socket
read -r _ s_out s_in < <(grep '^bytes ' share.out)
read -r _ v_out v_in < <(grep '^bytes ' view.out)
[ "$s_out" -ge "$((320 * 240 * 4))" ] || fail "share sent only $s_out bytes (a raw 320x240 frame is more)"
echo "desktop_share ($mode): snapshot red through MSRP; share sent $s_out, received $s_in; view sent $v_out, received $v_in"

# no VNC server where --vnc says: the sharing side says why and exits 7;
# the viewer's side, whose peer left before any viewer came, exits 7 too
if [ "$mode" = tcp ]; then
  dead=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
  rm -f offer.sdp answer.sdp
  exec 3<>to-share 4<>to-view
  "$msrp" view --script --timeout 30 --answer --local-file answer.sdp <&4 \
    >view2.out 2>view2.err &
  view_pid=$!
  "$msrp" share --script --timeout 30 --vnc "127.0.0.1:$dead" \
    --local-file offer.sdp <&3 >share2.out 2>share2.err &
  share_pid=$!
  wait_for offer.sdp 'rfbsetup:passive' 10
  { cat offer.sdp; echo; } >&4
  wait_for answer.sdp 'rfbsetup:active' 10
  { cat answer.sdp; echo; } >&3
  rc_share=0 rc_view=0
  wait $share_pid || rc_share=$?
  wait $view_pid || rc_view=$?
  exec 3>&- 4>&-
  [ $rc_share -eq 7 ] || fail "no VNC server: msrp share exited $rc_share, not 7"
  grep -q "^handler-failed handler .*127.0.0.1:$dead" share2.out ||
    fail "no VNC server: not said"
  [ $rc_view -eq 7 ] || fail "no VNC server: msrp view exited $rc_view, not 7"
  echo "desktop_share ($mode): no VNC server: both sides exit 7"
fi
