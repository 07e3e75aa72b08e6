#!/bin/bash
# SPDX-License-Identifier: MIT
# Copyright (c) 2026 The libmsrp authors
# Running msrp-relay: `passwd` writes and replaces users' lines (HA1 checked
# with Python's hashlib); --check-config says yes, or no with the reason;
# SIGHUP takes a user added since; SIGTERM stops accepting, keeps the
# sessions it has, and exits once they are gone.
#
#   relay_ops.sh MSRP MSRP-RELAY WORKDIR
set -euo pipefail
msrp=$1 relaybin=$2 dir=$3
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
relay_sh=$here/../interop/msrp-relay/relay.sh
rm -rf "$dir"
mkdir -p "$dir"
cd "$dir"
hold=
cleanup() {
  [ -n "$hold" ] && kill "$hold" 2>/dev/null || true
  "$relay_sh" stop "$dir/relay" >/dev/null 2>&1 || true
}
trap cleanup EXIT
fail() {
  echo "relay_ops: $*" >&2
  for f in *.out *.err relay/relay.log; do [ -f "$f" ] && { echo "--- $f"; cat "$f"; }; done >&2
  exit 1
}
ha1() { python3 -c "import hashlib,sys; print(hashlib.md5(sys.argv[1].encode()).hexdigest())" "$1"; }

# ---- passwd
"$relaybin" passwd users alice example.com secret
"$relaybin" passwd users bob example.com hunter2
echo "other" | "$relaybin" passwd users alice example.com
[ "$(wc -l <users)" -eq 2 ] || fail "passwd: $(cat users)"
grep -qx "alice:example.com:$(ha1 alice:example.com:other)" users || fail "passwd: alice"
grep -qx "bob:example.com:$(ha1 bob:example.com:hunter2)" users || fail "passwd: bob"

# ---- --check-config
cat >good.ini <<INI
[relay]
listen = msrp://127.0.0.1:0;tcp
users = $dir/users
expires_min = 30
INI
"$relaybin" --config good.ini --check-config >check.out 2>&1 || fail "check: good config refused"
grep -q "configuration is good" check.out || fail "check: not said"
printf '[relay]\nlisten = msrp://127.0.0.1:0;tcp\nusers = %s\nexpire_min = 30\n' "$dir/users" >bad.ini
rc=0
"$relaybin" --config bad.ini --check-config >bad.out 2>&1 || rc=$?
[ $rc -eq 2 ] || fail "check: a bad key gave $rc"
grep -q "bad.ini:4: not a setting: expire_min" bad.out || fail "check: the bad line"
printf '[relay]\nlisten = msrp://127.0.0.1:0;tcp\nusers = %s/nosuch\n' "$dir" >nousers.ini
rc=0
"$relaybin" --config nousers.ini --check-config >nousers.out 2>&1 || rc=$?
[ $rc -eq 1 ] || fail "check: a missing users file gave $rc"
grep -q "nosuch: No such file" nousers.out || fail "check: the users file's reason"

# ---- SIGHUP: a user added while running
"$relay_sh" start "$dir/relay" "$relaybin" || fail "the relay did not start"
# shellcheck disable=SC1091
port=$(. relay/ports && echo "$TCP_PORT")
pid=$(cat relay/relay.pid)
uri="msrp://127.0.0.1:$port;tcp"
rc=0
MSRP_PASSWORD=carolpw "$msrp" load --sessions 1 --messages 5 --relay "$uri" \
  --user carol >before.out 2>&1 || rc=$?
[ $rc -eq 3 ] || fail "sighup: an unknown user got exit $rc, not 3"
"$relaybin" passwd relay/users carol msrp-relay carolpw
kill -HUP "$pid"
ok=
for _ in $(seq 50); do
  if MSRP_PASSWORD=carolpw "$msrp" load --sessions 1 --messages 5 \
    --relay "$uri" --user carol >after.out 2>&1; then
    ok=1
    break
  fi
  sleep 0.1 # (the signal is handled by the relay's loop, soon)
done
[ -n "$ok" ] || fail "sighup: carol still refused"

# ---- SIGTERM: drain
MSRP_PASSWORD=msrppass "$msrp" load --sessions 1 --hold --relay "$uri" \
  --user msrpuser >hold.out 2>&1 &
hold=$!
for _ in $(seq 100); do
  [ "$(ss -Htn state established "( sport = :$port )" | wc -l)" -ge 2 ] && break
  sleep 0.05
done
[ "$(ss -Htn state established "( sport = :$port )" | wc -l)" -ge 2 ] ||
  fail "drain: the held session did not come up"
kill -TERM "$pid"
for _ in $(seq 100); do
  grep -q "draining" relay/relay.log && break
  sleep 0.05
done
rc=0
MSRP_PASSWORD=msrppass "$msrp" load --sessions 1 --messages 1 --relay "$uri" \
  --user msrpuser --timeout 5 >late.out 2>&1 || rc=$?
[ $rc -eq 3 ] || fail "drain: a new session got exit $rc, not 3"
kill -0 "$pid" 2>/dev/null || fail "drain: the relay left its session"
kill -INT "$hold"
wait "$hold" || true
hold=
for _ in $(seq 100); do
  kill -0 "$pid" 2>/dev/null || break
  sleep 0.05
done
if kill -0 "$pid" 2>/dev/null; then
  fail "drain: the relay is still there once its session is gone"
fi
echo "relay_ops: passwd, --check-config, SIGHUP and SIGTERM as documented"
