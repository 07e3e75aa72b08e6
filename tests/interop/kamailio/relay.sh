#!/bin/bash
# SPDX-License-Identifier: MIT
# Copyright (c) 2026 The libmsrp authors
# Start / stop a loopback Kamailio MSRP relay (RFC 4976) for libmsrp's relay
# tests (a CTest fixture) or by hand.  See README.md in this directory.
#
#   relay.sh start RUNDIR [--tls] [--no-auth] [--ws]
#       Picks free loopback ports, renders relay.cfg.in (and tls.cfg.in)
#       into RUNDIR, starts Kamailio, waits until it accepts connections and
#       writes RUNDIR/ports (shell variable assignments, no quoting needed):
#           TCP_PORT=<port>          msrp://127.0.0.1:<port>;tcp
#           TLS_PORT=<port>          msrps://127.0.0.1:<port>;tcp ("" without --tls)
#           RELAY_CA=<file>          the relay's self-signed certificate ("" without --tls)
#           RELAY_AUTH=yes|no        whether AUTH needs Digest credentials
#           RELAY_WS=yes|no          whether MSRP over WebSocket (RFC 7977)
#                                    is served too (--ws): ws://127.0.0.1:
#                                    TCP_PORT/ and wss://127.0.0.1:TLS_PORT/
#           RELAY_REALM=, RELAY_USER=, RELAY_PASS=   the credentials
#       Exits 0 once the relay is up, non-zero (with the log tail) if not.
#   relay.sh stop RUNDIR
#       Stops the relay started in RUNDIR (TERM, then KILL) and removes
#       RUNDIR/kamailio.pid and RUNDIR/ports.  Safe to call repeatedly.
#       Exits non-zero only if Kamailio processes could not be killed.
#
# Environment:
#   KAMAILIO        binary (default /usr/sbin/kamailio)
#   RELAY_REALM, RELAY_USER, RELAY_PASS
#                   credentials (default msrp-relay / msrpuser / msrppass);
#                   letters, digits, '.', '_' and '-' only
#   KAM_DEBUG       Kamailio log level (default 2 = info; 3 = debug)
#   KAM_EXTRA_ARGS  more kamailio arguments, e.g. "-A TCP_LIFETIME=10"
#   RELAY_START_TIMEOUT  seconds to wait for the listeners (default 15)
set -u
# no job control: the background kamailio must stay in this script's
# process group so that setsid (below) need not fork and $! is Kamailio
set +m

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
KAMAILIO=${KAMAILIO:-/usr/sbin/kamailio}
KAM_DEBUG=${KAM_DEBUG:-2}
START_TIMEOUT=${RELAY_START_TIMEOUT:-15}
RELAY_REALM=${RELAY_REALM:-msrp-relay}
RELAY_USER=${RELAY_USER:-msrpuser}
RELAY_PASS=${RELAY_PASS:-msrppass}
STOP_GRACE=50 # tenths of a second between TERM and KILL

die() {
  echo "relay.sh: ERROR: $*" >&2
  exit 1
}

# Print N free TCP ports on 127.0.0.1, one per line.  Each is checked with a
# throwaway bind (without SO_REUSEADDR, so a port still in TIME_WAIT is
# refused too).  Candidates come from below the kernel's ephemeral range,
# where no outgoing connection (of the tests or of the relay itself) can
# grab the port between this check and Kamailio's bind; should that range
# be too small, the kernel picks (bind to port 0).  Two runs racing for the
# same port are caught by the start loop, which then retries.
pick_ports() {
  python3 - "$1" <<'EOF'
import random, socket, sys

n = int(sys.argv[1])
try:
    with open("/proc/sys/net/ipv4/ip_local_port_range") as f:
        eph_lo = int(f.read().split()[0])
except (OSError, ValueError, IndexError):
    eph_lo = 32768
lo, hi = 10000, eph_lo - 1

def try_bind(port):
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    try:
        s.bind(("127.0.0.1", port))
        return s.getsockname()[1]
    except OSError:
        return None
    finally:
        s.close()

ports = []
for _ in range(1000):
    if len(ports) == n:
        break
    port = try_bind(random.randint(lo, hi)) if hi - lo > 1000 else try_bind(0)
    if port and port not in ports:
        ports.append(port)
if len(ports) != n:
    sys.exit("no free loopback ports found")
print("\n".join(map(str, ports)))
EOF
}

# sed replacement text escaping (for paths in the templates)
sed_escape() { printf '%s' "$1" | sed 's/[\\&|]/\\&/g'; }

render() { # template output
  sed -e "s|@RUN@|$(sed_escape "$RUN")|g" -e "s|@MODDIR@|$(sed_escape "$MODDIR")|g" \
    "$1" >"$2" || die "cannot write $2"
}

# Kamailio's module directory (the Debian package uses the multiarch path)
find_moddir() {
  local d
  for d in /usr/lib/*/kamailio/modules /usr/lib64/kamailio/modules /usr/lib/kamailio/modules; do
    [ -f "$d/msrp.so" ] && { echo "$d"; return 0; }
  done
  return 1
}

# Live (non-zombie) processes of process group $1, one pid per line.  Not
# pgrep -g: it lists zombies too, and orphaned kamailio children are
# zombies until the container's init reaps them, which may take a while.
group_pids() {
  local pgid=$1 f st fields
  for f in /proc/[0-9]*/stat; do
    { read -r st <"$f"; } 2>/dev/null || continue
    # "pid (comm) state ppid pgrp ...": split what follows the comm
    read -r -a fields <<<"${st##*) }"
    [ "${fields[2]:-}" = "$pgid" ] && [ "${fields[0]}" != Z ] && echo "${f//[^0-9]/}"
  done
  return 0
}

# Is process $1 alive (not gone, not a zombie)?
alive() {
  local st fields
  { read -r st <"/proc/$1/stat"; } 2>/dev/null || return 1
  read -r -a fields <<<"${st##*) }"
  [ "${fields[0]}" != Z ]
}

# Is TCP port $1 listening and owned by one of the processes of group $2?
# (Without ss, from iproute2, only the connection test below is made.)
listening_by() {
  local port=$1 pgid=$2 line p
  command -v ss >/dev/null || return 0
  line=$(ss -Hltnp "sport = :$port" 2>/dev/null) || return 1
  [ -n "$line" ] || return 1
  for p in $(group_pids "$pgid"); do
    case "$line" in *"pid=$p,"*) return 0 ;; esac
  done
  return 1
}

# Does a TCP connection to 127.0.0.1:$1 succeed?
accepts() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

log_tail() {
  echo "---- last lines of $RUN/kamailio.log ----" >&2
  tail -n 40 "$RUN/kamailio.log" >&2 2>/dev/null
  echo "---- end of log ----" >&2
}

# Stop the relay whose pid (= process group, it is started with setsid) is
# in RUN/kamailio.pid.  TERM to the main process first (it stops its
# children), then KILL to the whole group: a killed main process would
# leave its children, still holding the listening sockets, behind.
stop_relay() {
  local pidfile="$RUN/kamailio.pid" pid i
  rm -f "$RUN/ports"
  [ -f "$pidfile" ] || return 0
  pid=$(cat "$pidfile")
  if ! [[ "$pid" =~ ^[0-9]+$ ]]; then
    rm -f "$pidfile"
    return 0
  fi
  # a stale pid file may name an unrelated process (pid reuse): only act on
  # a group whose leader is, or whose members are, kamailio
  if [ -z "$(pgrep -g "$pid" -x kamailio 2>/dev/null)" ]; then
    rm -f "$pidfile"
    return 0
  fi
  if alive "$pid"; then
    kill -TERM "$pid" 2>/dev/null
  else
    # main process gone (crashed or killed): TERM its orphaned children
    kill -TERM -- "-$pid" 2>/dev/null
  fi
  for ((i = 0; i < STOP_GRACE; i++)); do
    [ -z "$(group_pids "$pid")" ] && break
    sleep 0.1
  done
  if [ -n "$(group_pids "$pid")" ]; then
    echo "relay.sh: kamailio $pid did not stop on TERM; sending KILL" >&2
    kill -KILL -- "-$pid" 2>/dev/null
    for ((i = 0; i < 50; i++)); do
      [ -z "$(group_pids "$pid")" ] && break
      sleep 0.1
    done
  fi
  if [ -n "$(group_pids "$pid")" ]; then
    echo "relay.sh: ERROR: kamailio processes still running: $(group_pids "$pid" | tr '\n' ' ')" >&2
    return 1
  fi
  rm -f "$pidfile"
  # All dead.  Give init a moment (bounded, best effort) to reap the
  # zombies too, so that a pgrep right after stop finds nothing.
  for ((i = 0; i < 40; i++)); do
    pgrep -g "$pid" >/dev/null 2>&1 || break
    sleep 0.1
  done
  return 0
}

start_relay() {
  local tls=0 auth=1 ws=0 a
  for a in "$@"; do
    case "$a" in
      --tls) tls=1 ;;
      --no-auth) auth=0 ;;
      --ws) ws=1 ;;
      *) die "unknown option '$a' (usage: relay.sh start RUNDIR [--tls] [--no-auth] [--ws])" ;;
    esac
  done

  [ -x "$KAMAILIO" ] ||
    die "$KAMAILIO not found: install Kamailio with scripts/setup.sh (Debian packages kamailio kamailio-tls-modules)"
  MODDIR=$(find_moddir) ||
    die "Kamailio's msrp module (msrp.so) not found: run scripts/setup.sh"
  if ((ws)); then
    [ -f "$MODDIR/websocket.so" ] ||
      die "Kamailio's websocket module not found in $MODDIR: run scripts/setup.sh (package kamailio-websocket-modules)"
  fi
  if ((tls)); then
    [ -f "$MODDIR/tls.so" ] ||
      die "Kamailio's tls module not found in $MODDIR: run scripts/setup.sh (package kamailio-tls-modules)"
    command -v openssl >/dev/null || die "openssl not found: run scripts/setup.sh"
  fi
  command -v python3 >/dev/null || die "python3 not found (needed to pick free ports)"
  local v
  for v in "$RELAY_REALM" "$RELAY_USER" "$RELAY_PASS"; do
    [[ "$v" =~ ^[A-Za-z0-9._-]+$ ]] || die "credentials may only contain letters, digits, '.', '_', '-'"
  done

  # a relay still running from an earlier start in this directory goes first
  stop_relay || die "could not stop the previous relay in $RUN"

  render "$HERE/relay.cfg.in" "$RUN/relay.cfg"
  local defs=(-A "AUTH_REALM=\"$RELAY_REALM\"" -A "AUTH_USER=\"$RELAY_USER\"" -A "AUTH_PASS=\"$RELAY_PASS\"")
  ((auth)) || defs+=(-A WITHOUT_AUTH)
  ((ws)) && defs+=(-A WITH_WS)
  if ((tls)); then
    defs+=(-A WITH_TLS)
    render "$HERE/tls.cfg.in" "$RUN/tls.cfg"
    # a fresh certificate every start: one left in a build tree must not
    # expire under the tests. relays.test: the domain test_relay finds the
    # relay in through DNS SRV (a certificate names the domain, not the
    # SRV target)
    openssl req -x509 -newkey rsa:2048 -nodes -days 30 \
      -keyout "$RUN/relay.key" -out "$RUN/relay.pem" -subj "/CN=127.0.0.1" \
      -addext "subjectAltName=IP:127.0.0.1,DNS:localhost,DNS:relays.test" \
      >"$RUN/openssl.log" 2>&1 ||
      { cat "$RUN/openssl.log" >&2; die "could not create the relay certificate"; }
  fi

  local attempt ports tcp_port tls_port="" pid listens end up extra=()
  # interrupted while starting (Ctrl-C, a test driver's timeout): take the
  # half-started relay down with us
  trap 'echo "relay.sh: interrupted" >&2; stop_relay; exit 1' INT TERM HUP
  # KAM_EXTRA_ARGS is split on whitespace (no quoting inside)
  read -r -a extra <<<"${KAM_EXTRA_ARGS:-}"
  for attempt in 1 2 3; do
    ports=$(pick_ports 2) || die "could not pick free loopback ports"
    tcp_port=$(sed -n 1p <<<"$ports")
    listens=(-l "tcp:127.0.0.1:$tcp_port")
    if ((tls)); then
      tls_port=$(sed -n 2p <<<"$ports")
      listens+=(-l "tls:127.0.0.1:$tls_port")
    fi

    # -DD: stay in the foreground (no daemon, no fork of the creator);
    # -E: log to stderr, i.e. kamailio.log.  setsid gives it a process
    # group of its own (pgid = pid) so stop can reach every child.  A
    # sanitizer LD_PRELOAD from the test environment is not for Kamailio.
    # Inherited descriptors other than 0-2 are closed: a pipe of whoever
    # runs this script (a test driver reading our output) must not be held
    # open by the relay.  The subshell execs, so $! is Kamailio's pid.
    (
      for fd in /proc/self/fd/*; do
        fd=${fd##*/}
        ((fd > 2)) && eval "exec $fd>&-" 2>/dev/null
      done
      exec env -u LD_PRELOAD setsid "$KAMAILIO" -DD -E --atexit=no \
        -f "$RUN/relay.cfg" -Y "$RUN" -w "$RUN" -m 128 -M 8 --debug="$KAM_DEBUG" \
        "${defs[@]}" "${listens[@]}" "${extra[@]}" \
        >"$RUN/kamailio.log" 2>&1 </dev/null
    ) &
    pid=$!
    echo "$pid" >"$RUN/kamailio.pid"

    # wait (bounded) until both listeners are Kamailio's and accept
    up=0
    end=$((SECONDS + START_TIMEOUT))
    while ((SECONDS < end)); do
      alive "$pid" || break
      if listening_by "$tcp_port" "$pid" && accepts "$tcp_port" &&
        { ((!tls)) || { listening_by "$tls_port" "$pid" && accepts "$tls_port"; }; }; then
        up=1
        break
      fi
      sleep 0.1
    done
    if ((up)) && [ "$(ps -o pgid= -p "$pid" | tr -d ' ')" != "$pid" ]; then
      # cannot happen with set +m; stop would not find it by group
      echo "relay.sh: kamailio $pid is not a process group leader" >&2
      kill -KILL "$pid" 2>/dev/null
      up=0
    fi
    ((up)) && break

    if ! alive "$pid" && grep -q "Address already in use" "$RUN/kamailio.log"; then
      echo "relay.sh: port taken between pick and bind (attempt $attempt), retrying" >&2
      stop_relay
      continue
    fi
    break
  done

  if ((!up)); then
    echo "relay.sh: ERROR: ***** Kamailio MSRP relay did NOT start *****" >&2
    echo "relay.sh: ERROR: (ports tcp $tcp_port${tls_port:+ tls $tls_port}, waited up to ${START_TIMEOUT}s)" >&2
    log_tail
    stop_relay
    exit 1
  fi

  if ! {
    echo "TCP_PORT=$tcp_port"
    echo "TLS_PORT=$tls_port"
    if ((tls)); then echo "RELAY_CA=$RUN/relay.pem"; else echo "RELAY_CA="; fi
    if ((auth)); then echo "RELAY_AUTH=yes"; else echo "RELAY_AUTH=no"; fi
    if ((ws)); then echo "RELAY_WS=yes"; else echo "RELAY_WS=no"; fi
    echo "RELAY_REALM=$RELAY_REALM"
    echo "RELAY_USER=$RELAY_USER"
    echo "RELAY_PASS=$RELAY_PASS"
  } >"$RUN/ports.tmp" || ! mv -f "$RUN/ports.tmp" "$RUN/ports"; then
    stop_relay
    die "cannot write $RUN/ports"
  fi
  trap - INT TERM HUP
  echo "relay.sh: kamailio $pid relaying on msrp://127.0.0.1:$tcp_port;tcp${tls_port:+ and msrps://127.0.0.1:$tls_port;tcp} (ports in $RUN/ports)"
}

usage() {
  echo "usage: relay.sh start RUNDIR [--tls] [--no-auth] [--ws] | relay.sh stop RUNDIR" >&2
  exit 2
}

cmd=${1:-}
[ $# -ge 2 ] || usage
shift
case "$cmd" in
  start)
    mkdir -p "$1" || die "cannot create $1"
    RUN=$(cd "$1" && pwd)
    shift
    start_relay "$@"
    ;;
  stop)
    [ $# -eq 1 ] || usage
    [ -d "$1" ] || exit 0
    RUN=$(cd "$1" && pwd)
    stop_relay || exit 1
    ;;
  *) usage ;;
esac
