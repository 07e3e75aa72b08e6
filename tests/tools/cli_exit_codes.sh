#!/bin/bash
# SPDX-License-Identifier: MIT
# Copyright (c) 2026 The libmsrp authors
# `msrp chat` says what failed and exits with the code docs/msrp.1 gives
# for it: 2 usage, 3 connection, 4 TLS, 5 relay authentication, 6 timeout,
# 7 delivery. With a Kamailio relay directory, also the relay's refusal of
# a wrong password, and a password given by --password-file and by
# MSRP_PASSWORD.
#
#   cli_exit_codes.sh MSRP WORKDIR [RELAYDIR]
set -uo pipefail
msrp=$1 dir=$2 relaydir=${3:-}
rm -rf "$dir"
mkdir -p "$dir"
cd "$dir" || exit 1
failures=0

# expect CODE STDERR-PATTERN -- COMMAND...: the exit code and a line of
# stderr (bounded: `timeout 30` stops a command that would hang)
expect() {
  local want=$1 pattern=$2
  shift 3
  timeout 30 "$@" </dev/null >out 2>err
  local rc=$?
  if [ $rc -ne "$want" ] || ! grep -qE -- "$pattern" err; then
    echo "FAIL: $* exited $rc (want $want), stderr (want /$pattern/):" >&2
    sed 's/^/    /' err >&2
    failures=$((failures + 1))
  else
    echo "ok: exit $rc: $(grep -E -- "$pattern" err | head -1)"
  fi
}

nobody="msrp://127.0.0.1:9/nobody;tcp" # discard port: nothing listens

# 2: usage, and a file that cannot be read (which file, and why)
expect 2 "unrecognized option" -- "$msrp" chat --no-such-option
expect 2 "^msrp: --cert $dir/missing.pem: No such file or directory$" -- \
  "$msrp" chat --tls --cert "$dir/missing.pem" --key "$dir/missing.pem"
expect 2 "^msrp: --password-file $dir/nopass: No such file or directory$" -- \
  "$msrp" chat --password-file "$dir/nopass"
expect 2 "not an MSRP path \(msrp://HOST:PORT/SESSION;tcp.*: hello$" -- \
  "$msrp" chat --connect --script --remote hello hi

# 3: nobody at the peer's address (which address, and the system's reason)
expect 3 "cannot connect to 127.0.0.1:9: connection refused" -- \
  "$msrp" chat --connect --script --remote "$nobody" hi

# 3: a relay whose name does not resolve (.invalid never does, RFC 6761)
expect 3 "cannot resolve relay msrp://no-such-relay.invalid:2855;tcp" -- \
  "$msrp" chat --listen --script --relay "msrp://no-such-relay.invalid:2855;tcp" \
  --user u --password p --remote "$nobody" hi

# 4: an unusable certificate (which file, and OpenSSL's reason)
echo "not a certificate" >bad.pem
expect 4 "TLS: cannot use the certificate file bad.pem: error:[0-9A-F]+:" -- \
  "$msrp" chat --listen --tls --cert bad.pem --key bad.pem --script \
  --remote "$nobody" hi

# 6: the peer never connects within --timeout
expect 6 "gave up after 1 seconds \(--timeout\)" -- \
  "$msrp" chat --listen --script --timeout 1 --remote "$nobody" hi

# 7: the peer hangs up before the message we expect came
mkfifo to-bob
exec 3<>to-bob
"$msrp" chat --script --local-file bob.path "only one" <&3 >bob.out 2>bob.err &
bob=$!
for _ in $(seq 200); do [ -s bob.path ] && break; sleep 0.05; done
[ -s bob.path ] || { echo "bob.path never appeared (waited 10 s)" >&2; exit 1; }
timeout 30 "$msrp" chat --connect --script --expect 2 --local-file alice.path \
  --remote-file bob.path </dev/null >alice.out 2>alice.err &
alice=$!
for _ in $(seq 200); do [ -s alice.path ] && break; sleep 0.05; done
[ -s alice.path ] || { echo "alice.path never appeared (waited 10 s)" >&2; exit 1; }
cat alice.path >&3
wait $alice
alice_rc=$?
wait $bob
bob_rc=$?
exec 3>&-
if [ $alice_rc -ne 7 ] || [ $bob_rc -ne 0 ] ||
  [ "$(cat alice.out)" != $'started\nreceived only one\npeer-ended\nended' ]; then
  echo "FAIL: a hang-up before --expect: alice $alice_rc (want 7), bob $bob_rc (want 0)" >&2
  cat alice.out alice.err bob.out bob.err >&2
  failures=$((failures + 1))
else
  echo "ok: exit 7: the peer ended the chat after 1 of 2 expected messages"
fi

if [ -n "$relaydir" ]; then
  # shellcheck disable=SC1091
  source "$relaydir/ports"
  relay=(--relay "msrp://127.0.0.1:$TCP_PORT;tcp" --user "$RELAY_USER")
  # 5: the relay refuses our credentials
  printf 'wrong-%s\n' "$RELAY_PASS" >wrong.pass
  expect 5 "relay .* refused AUTH: 40[13]" -- \
    "$msrp" chat --listen --script "${relay[@]}" --password-file wrong.pass \
    --remote "$nobody" hi
  # the right password, from a file and from the environment: the relay
  # accepts it and we wait for the peer (6, for nobody comes)
  printf '%s\n' "$RELAY_PASS" >right.pass
  expect 6 "gave up after 2 seconds" -- \
    "$msrp" chat --listen --script --timeout 2 "${relay[@]}" \
    --password-file right.pass --remote "$nobody" hi
  expect 6 "gave up after 2 seconds" -- \
    env MSRP_PASSWORD="$RELAY_PASS" "$msrp" chat --listen --script \
    --timeout 2 "${relay[@]}" --remote "$nobody" hi
fi

[ $failures -eq 0 ] || { echo "$failures exit-code checks failed" >&2; exit 1; }
echo "cli: every failure named its cause and exited with its code"
