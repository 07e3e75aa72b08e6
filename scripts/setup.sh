#!/bin/bash
# SPDX-License-Identifier: MIT
# Copyright (c) 2026 The libmsrp authors
# Install the Debian 12 packages libmsrp needs:
#
#   setup.sh demo   to build the library and the msrp command (the demo)
#   setup.sh test   also what the tests use: cmocka, clang (fuzzing,
#                   formatting), and the real components the tests start
#                   (tshark, tmux, Kamailio, dnsmasq, GNU time, PostgreSQL,
#                   Xvfb, x11vnc, vncsnapshot) and Doxygen
#                   (the reference)
#
# Idempotent, and quiet when everything is already installed. Kamailio is
# installed without starting the system's Kamailio (the tests start their
# own, on ports of their own): a service left listening on :5060 would be a
# surprise on a developer's machine.
set -euo pipefail
profile=${1:-test}

packages=(
  build-essential cmake ninja-build pkg-config git
  libssl-dev openssl libuv1-dev libxml2-dev libunistring-dev libwslay-dev libc-ares-dev libpq-dev
)
case $profile in
demo) ;;
test)
  packages+=(
    libcmocka-dev
    clang libclang-rt-14-dev clang-format
    tshark python3 tmux doxygen dnsmasq-base time postgresql iperf3
    xvfb x11vnc vncsnapshot x11-xserver-utils libjpeg-turbo-progs
    kamailio kamailio-tls-modules kamailio-websocket-modules
  )
  ;;
*) echo "usage: setup.sh demo|test" >&2; exit 2 ;;
esac

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" ||
    missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" -ne 0 ]; then
  echo "setup: missing packages: ${missing[*]}; run as root or install them" >&2
  exit 1
fi
echo "setup: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
# no service starts while packages are installed (policy-rc.d, as Debian's
# invoke-rc.d reads it), unless one is already there to say otherwise
policy=/usr/sbin/policy-rc.d
own_policy=false
if [ ! -e $policy ]; then
  printf '#!/bin/sh\nexit 101\n' >$policy
  chmod +x $policy
  own_policy=true
fi
trap 'if $own_policy; then rm -f "$policy"; fi' EXIT
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
if printf '%s\n' "${missing[@]}" | grep -qx kamailio; then
  # and it stays off at the next boot
  if command -v systemctl >/dev/null && [ -d /run/systemd/system ]; then
    systemctl disable --now kamailio >/dev/null 2>&1 || true
  else
    update-rc.d kamailio disable >/dev/null 2>&1 || true
  fi
fi
