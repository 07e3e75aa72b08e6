#!/bin/bash
# SPDX-License-Identifier: MIT
# Copyright (c) 2026 The libmsrp authors
# Our relay (msrp-relay) and Kamailio's msrp module side by side, on
# loopback, under the same `msrp load` workloads, in one run:
#   - 100-byte messages over 100 sessions; 8 KiB messages; 1 MiB messages
#     (each also direct, without a relay: the baseline);
#   - 10,000 reserved sessions held idle: the relay's RSS per session.
# Prints a table and the ratios. Asserts nothing.
#
#   bench/relay.sh [BUILD_DIR]      (default ./build; needs kamailio)
set -uo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build=$(cd "${1:-$root/build}" && pwd)
msrp=$build/tools/msrp
relaybin=$build/tools/msrp-relay
work=$(mktemp -d "${TMPDIR:-/tmp}/bench-relay-XXXXXX")
ours=$work/ours kam=$work/kam
cleanup() {
  "$root/tests/interop/msrp-relay/relay.sh" stop "$ours" >/dev/null 2>&1
  "$root/tests/interop/kamailio/relay.sh" stop "$kam" >/dev/null 2>&1
  rm -rf "$work"
}
trap cleanup EXIT
RELAY_INI="max_per_address = 30000
max_connections = 30000" \
  "$root/tests/interop/msrp-relay/relay.sh" start "$ours" "$relaybin" ||
  exit 1
"$root/tests/interop/kamailio/relay.sh" start "$kam" >/dev/null || exit 1
our_port=$(. "$ours/ports" && echo "$TCP_PORT")
kam_port=$(. "$kam/ports" && echo "$TCP_PORT")
export MSRP_PASSWORD=msrppass

# run LABEL ARGS...: "msgs/s MB/s p50 p99 status"
run() {
  local out rc=0
  out=$("$msrp" load --user msrpuser --timeout 60 "${@:2}" 2>&1) || rc=$?
  local line
  line=$(grep '^msgs/s' <<<"$out")
  if [ -z "$line" ]; then
    echo "- - - - failed($rc)"
    return
  fi
  read -r _ mps _ _ mbs _ _ _ p50 _ _ p99 _ <<<"$line"
  local st=ok
  [ $rc -eq 0 ] || st="exit$rc:$(grep -o 'failed [0-9]* lost [0-9]* corrupt [0-9]*' <<<"$out" | tr ' ' '_')"
  echo "$mps $mbs $p50 $p99 $st"
}

row() { # NAME ARGS...
  local d o k
  d=$(run direct "${@:2}")
  o=$(run ours "${@:2}" --relay "msrp://127.0.0.1:$our_port;tcp")
  k=$(run kam "${@:2}" --relay "msrp://127.0.0.1:$kam_port;tcp")
  printf '%-28s | %s\n' "$1" "direct: $d"
  printf '%-28s | %s\n' "" "ours:   $o"
  printf '%-28s | %s\n' "" "kamailio: $k"
  local om km dm
  om=$(cut -d' ' -f1 <<<"$o") km=$(cut -d' ' -f1 <<<"$k") dm=$(cut -d' ' -f1 <<<"$d")
  python3 - "$om" "$km" "$dm" "$(cut -d' ' -f2 <<<"$o")" "$(cut -d' ' -f2 <<<"$d")" \
    "$(cut -d' ' -f5 <<<"$k")" <<'PY'
import sys
def f(x):
    try: return float(x)
    except ValueError: return None
om, km, dm, omb, dmb = map(f, sys.argv[1:6])
kam_ok = sys.argv[6] == "ok"
parts = []
if om and km and kam_ok: parts.append("ours/kamailio %.2fx" % (om / km))
elif om: parts.append("kamailio lost or refused messages: no ratio")
if omb and dmb: parts.append("ours/direct %.2fx (MB/s)" % (omb / dmb))
print("%-28s | %s" % ("", "; ".join(parts)))
PY
}

echo "msrp load, columns: msgs/s MB/s latency-p50-ms latency-p99-ms status"
row "100 B x 100 sessions" --sessions 100 --messages 2000 --size 100
row "100 B x 100 sessions, REPORT" --sessions 100 --messages 1000 --size 100 --report
row "8 KiB x 20 sessions" --sessions 20 --messages 500 --size 8192
row "1 MiB x 4 sessions" --sessions 4 --messages 50 --size 1048576 --window 4

# 10,000 reserved sessions, idle: 5,000 pairs, each end reserving
rss() { sed -n 's/^VmRSS:[[:space:]]*\([0-9]*\) kB/\1/p' "/proc/$1/status"; }
kam_rss() {
  local t=0 p
  for p in $(pgrep -f "kamailio.*$kam" || true); do t=$((t + $(rss "$p"))); done
  echo $t
}
hold() { # PORT PIDFILE-OR-kam
  local before after n=5000 out=$work/hold.out
  if [ "$2" = kam ]; then before=$(kam_rss); else before=$(rss "$(cat "$2")"); fi
  "$msrp" load --user msrpuser --sessions $n --hold --timeout 300 \
    --relay "msrp://127.0.0.1:$1;tcp" >"$out" 2>&1 &
  local pid=$!
  # held once every session is set up (the load prints nothing until its
  # stop): wait for the relay's connection count, at most 120 s
  # (or until the count has not grown for 10 s: a relay that takes no more)
  local i c last=0 still=0
  for i in $(seq 600); do
    c=$(ss -Htn state established "( sport = :$1 )" | wc -l)
    [ "$c" -ge $((2 * n)) ] && break
    kill -0 $pid 2>/dev/null || break
    if [ "$c" -le "$last" ]; then
      still=$((still + 1))
      [ $still -ge 50 ] && break
    else
      still=0
    fi
    last=$c
    sleep 0.2
  done
  if [ "$2" = kam ]; then after=$(kam_rss); else after=$(rss "$(cat "$2")"); fi
  local conns
  conns=$(ss -Htn state established "( sport = :$1 )" | wc -l)
  kill -INT $pid 2>/dev/null
  wait $pid
  echo "$conns connections held, RSS $before -> $after KiB: $(( (after - before) * 1024 / (conns > 0 ? conns : 1) )) bytes per session"
}
ulimit -n 20000 2>/dev/null || true
echo "10,000 idle reserved sessions (5,000 pairs):"
echo "  ours:     $(hold "$our_port" "$ours/relay.pid")"
echo "  kamailio: $(hold "$kam_port" kam)"
