#!/bin/bash
# SPDX-License-Identifier: MIT
# Copyright (c) 2026 The libmsrp authors
# Start / stop our own relay (msrp-relay) on loopback for the relay tests,
# in the same shape as tests/interop/kamailio/relay.sh, so that the same
# test program runs against either:
#
#   relay.sh start RUNDIR MSRP_RELAY_BINARY
#       A certificate for 127.0.0.1 (RUNDIR/relay.pem), a users file with
#       msrpuser/msrppass, msrp-relay listening on msrp://127.0.0.1:0 and
#       msrps://127.0.0.1:0 (the kernel picks the ports: no race), then
#       RUNDIR/ports as relay.sh writes it (TCP_PORT=, TLS_PORT=, ...).
#   relay.sh stop RUNDIR
#       TERM, then KILL after 5 s; removes RUNDIR/ports.
#
# Environment: RELAY_REALM, RELAY_USER, RELAY_PASS (as relay.sh),
# RELAY_MIN_EXPIRES (default 60), RELAY_INI: more lines for its [relay]
# section, RELAY_ARGS: more msrp-relay arguments.
set -u
RELAY_REALM=${RELAY_REALM:-msrp-relay}
RELAY_USER=${RELAY_USER:-msrpuser}
RELAY_PASS=${RELAY_PASS:-msrppass}

die() {
  echo "msrp-relay/relay.sh: ERROR: $*" >&2
  exit 1
}

stop_relay() {
  local run=$1 pid
  [ -f "$run/relay.pid" ] || { rm -f "$run/ports"; return 0; }
  pid=$(cat "$run/relay.pid")
  kill -TERM "$pid" 2>/dev/null
  kill -TERM "$pid" 2>/dev/null # the second one: no draining
  for _ in $(seq 50); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  kill -KILL "$pid" 2>/dev/null
  rm -f "$run/relay.pid" "$run/ports"
  # built with sanitizers: what they found fails the stop
  if grep -q "Sanitizer" "$run/relay.log" 2>/dev/null; then
    cat "$run/relay.log" >&2
    die "msrp-relay: a sanitizer report (above)"
  fi
}

case "${1:-}" in
start)
  RUN=${2:?RUNDIR}
  BIN=${3:?the msrp-relay binary}
  mkdir -p "$RUN"
  stop_relay "$RUN"
  rm -f "$RUN/uris"
  if [ ! -s "$RUN/relay.pem" ]; then
    openssl req -x509 -newkey rsa:2048 -nodes -days 30 \
      -keyout "$RUN/relay.key" -out "$RUN/relay.pem" -subj "/CN=127.0.0.1" \
      -addext "subjectAltName=IP:127.0.0.1,DNS:localhost,DNS:relays.test" \
      >"$RUN/openssl.log" 2>&1 || die "could not create the certificate"
  fi
  "$BIN" passwd "$RUN/users" "$RELAY_USER" "$RELAY_REALM" "$RELAY_PASS" ||
    die "msrp-relay passwd failed"
  cat >"$RUN/relay.ini" <<INI
# written by relay.sh
[relay]
expires_min = ${RELAY_MIN_EXPIRES:-60}
${RELAY_INI:-}
INI
  # shellcheck disable=SC2086
  setsid "$BIN" --config "$RUN/relay.ini" --listen 'msrp://127.0.0.1:0;tcp' \
    --listen 'msrps://127.0.0.1:0;tcp' \
    --tls-cert "$RUN/relay.pem" --tls-key "$RUN/relay.key" \
    --users "$RUN/users" --realm "$RELAY_REALM" --uris-file "$RUN/uris" \
    ${RELAY_ARGS:-} >"$RUN/relay.log" 2>&1 </dev/null &
  echo $! >"$RUN/relay.pid"
  # the file appears once both listeners are up (or the relay has died)
  for _ in $(seq 150); do
    [ -s "$RUN/uris" ] && break
    kill -0 "$(cat "$RUN/relay.pid")" 2>/dev/null ||
      { cat "$RUN/relay.log" >&2; die "msrp-relay exited"; }
    sleep 0.1
  done
  [ -s "$RUN/uris" ] || { cat "$RUN/relay.log" >&2; die "msrp-relay did not start"; }
  tcp=$(sed -n 's|^msrp://127.0.0.1:\([0-9]*\);tcp$|\1|p' "$RUN/uris")
  tls=$(sed -n 's|^msrps://127.0.0.1:\([0-9]*\);tcp$|\1|p' "$RUN/uris")
  cat >"$RUN/ports" <<PORTS
TCP_PORT=$tcp
TLS_PORT=$tls
RELAY_CA=$RUN/relay.pem
RELAY_AUTH=yes
RELAY_REALM=$RELAY_REALM
RELAY_USER=$RELAY_USER
RELAY_PASS=$RELAY_PASS
PORTS
  ;;
stop)
  stop_relay "${2:?RUNDIR}"
  ;;
*)
  echo "usage: relay.sh start RUNDIR BINARY | stop RUNDIR" >&2
  exit 2
  ;;
esac
