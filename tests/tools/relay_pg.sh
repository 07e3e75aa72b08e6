#!/bin/bash
# SPDX-License-Identifier: MIT
# Copyright (c) 2026 The libmsrp authors
# Two msrp-relay nodes whose users are in PostgreSQL, in Kamailio's
# `subscriber` table (username, domain, ha1): a real server, its own
# cluster in a temporary directory, on loopback. A chat with the caller on
# one node and the callee on the other carries messages both ways; then,
# with a session running across the nodes, the database stops: a new AUTH
# is refused with the reason (500 Credentials database unavailable, in the
# relay's log), and the running session delivers every message.
#
#   relay_pg.sh MSRP MSRP-RELAY WORKDIR
set -euo pipefail
msrp=$1 relaybin=$2 dir=$3
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
relay_sh=$here/../interop/msrp-relay/relay.sh
bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)
[ -x "$bin/initdb" ] || { echo "PostgreSQL's initdb not found" >&2; exit 1; }
rm -rf "$dir"
mkdir -p "$dir"
cd "$dir"
# the cluster lives outside the build tree, where its own user can reach it
pg=$(mktemp -d /tmp/msrp-pg-XXXXXX)
as_pg=()
if [ "$(id -u)" = 0 ]; then
  chown postgres: "$pg"
  as_pg=(runuser -u postgres --)
fi
load=
cleanup() {
  [ -n "$load" ] && kill "$load" 2>/dev/null || true
  "$relay_sh" stop "$dir/n1" >/dev/null 2>&1 || true
  "$relay_sh" stop "$dir/n2" >/dev/null 2>&1 || true
  "${as_pg[@]}" "$bin/pg_ctl" -D "$pg/data" -m immediate stop >/dev/null 2>&1 || true
  rm -rf "$pg"
}
trap cleanup EXIT
fail() {
  echo "relay_pg: $*" >&2
  for f in *.out n1/relay.log n2/relay.log "$pg/log"; do [ -f "$f" ] && { echo "--- $f"; cat "$f"; }; done >&2
  exit 1
}
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
"${as_pg[@]}" "$bin/initdb" -D "$pg/data" -A trust -U postgres >initdb.out 2>&1 ||
  fail "initdb"
"${as_pg[@]}" "$bin/pg_ctl" -D "$pg/data" -l "$pg/log" -w -t 30 \
  -o "-p $port -k $pg -c listen_addresses=127.0.0.1" start >pgctl.out 2>&1 ||
  fail "PostgreSQL did not start"
psql=(psql -X -q -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$port" -U postgres postgres)
ha1() { python3 -c "import hashlib,sys; print(hashlib.md5(sys.argv[1].encode()).hexdigest())" "$1"; }
# Kamailio's subscriber table, as its kamdbctl creates it
"${psql[@]}" <<SQL || fail "the subscriber table"
CREATE TABLE subscriber (
  id SERIAL PRIMARY KEY NOT NULL,
  username VARCHAR(64) DEFAULT '' NOT NULL,
  domain VARCHAR(64) DEFAULT '' NOT NULL,
  password VARCHAR(64) DEFAULT '' NOT NULL,
  ha1 VARCHAR(128) DEFAULT '' NOT NULL,
  ha1b VARCHAR(128) DEFAULT '' NOT NULL,
  CONSTRAINT subscriber_account_idx UNIQUE (username, domain)
);
INSERT INTO subscriber (username, domain, password, ha1) VALUES
  ('alice', 'msrp-relay', 'wonderland', '$(ha1 alice:msrp-relay:wonderland)'),
  ('bob', 'msrp-relay', 'builder', '$(ha1 bob:msrp-relay:builder)');
SQL
export RELAY_INI="db = host=127.0.0.1 port=$port user=postgres dbname=postgres"
"$relay_sh" start "$dir/n1" "$relaybin" || fail "node 1 did not start"
"$relay_sh" start "$dir/n2" "$relaybin" || fail "node 2 did not start"
n1=$(. n1/ports && echo "$TCP_PORT")
n2=$(. n2/ports && echo "$TCP_PORT")

# a chat across the two nodes, both ways, users from the database
CLI_USER=alice CLI_PASS=wonderland "$here/cli_script.sh" "$msrp" "$dir/chat" \
  relay2 "$dir/n1" "$dir/n2" >chat.out 2>&1 || fail "the chat across two nodes"

# a session across the nodes goes on while the database stops
export MSRP_PASSWORD=wonderland
"$msrp" load --sessions 1 --messages 60 --rate 20 --user alice \
  --relay "msrp://127.0.0.1:$n1;tcp" --callee-relay "msrp://127.0.0.1:$n2;tcp" \
  >running.out 2>&1 &
load=$!
for _ in $(seq 100); do
  [ "$(ss -Htn state established "( sport = :$n2 )" | wc -l)" -ge 1 ] && break
  sleep 0.05
done
"${as_pg[@]}" "$bin/pg_ctl" -D "$pg/data" -m fast -w stop >>pgctl.out 2>&1 ||
  fail "PostgreSQL did not stop"
rc=0
MSRP_PASSWORD=builder "$msrp" load --sessions 1 --messages 1 --user bob \
  --relay "msrp://127.0.0.1:$n1;tcp" --timeout 10 >refused.out 2>&1 || rc=$?
[ $rc -eq 3 ] || fail "with the database down, a new AUTH got exit $rc, not 3"
grep -q "AUTH of bob: the credentials database is unavailable" n1/relay.log ||
  fail "node 1 did not say why"
rc=0
wait "$load" || rc=$?
load=
[ $rc -eq 0 ] || fail "the running session: exit $rc"
grep -q "failed 0 lost 0 corrupt 0" running.out || fail "the running session's counts"
echo "relay_pg: two nodes on PostgreSQL; a new AUTH refused while it is down, the session went on"
