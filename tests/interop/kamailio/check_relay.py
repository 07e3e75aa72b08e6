#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
# Copyright (c) 2026 The libmsrp authors
"""Check a running Kamailio MSRP relay started by relay.sh, without libmsrp.

    check_relay.py RUNDIR/ports [-q]

Reads the ports file written by ``relay.sh start`` (TCP_PORT, TLS_PORT,
RELAY_CA, RELAY_AUTH, RELAY_REALM, RELAY_USER, RELAY_PASS) and, with plain
sockets (Python standard library only), checks:

  a) AUTH over TCP: 401 with a Digest challenge, then AUTH with an
     RFC 2617 Authorization (MD5, qop=auth, method "AUTH", uri = the
     relay's URI in To-Path) plus Expires -> 200 with Use-Path and Expires;
     Expires out of 60..3600 -> 423 with Min-Expires / Max-Expires
  b) a second client, then SEND client 1 -> client 2 with To-Path UA UB B
     (client 2 sees From-Path UB UA A), the one-relay forms UB B and UA B,
     a 10 KB chunk, Failure-Report: no, and a REPORT back from client 2
  c) a wrong password: 401 again, no Use-Path
  d) AUTH over TLS on the TLS port (no certificate verification), a SEND
     between two TLS clients (UA UB B), then a handshake verifying the
     relay certificate against RELAY_CA
  and that Kamailio is still running (RUNDIR/kamailio.pid).

Starts nothing itself.  Prints every frame exchanged unless -q; exits 0 on
success, 1 with a message on the first failure.
"""

import hashlib
import os
import re
import socket
import ssl
import sys

TIMEOUT = 5.0
VERBOSE = True


class CheckFailed(Exception):
    pass


def fail(msg):
    raise CheckFailed(msg)


def expect(cond, msg):
    if not cond:
        fail(msg)


def rand_hex(n):
    return os.urandom(n).hex()


def show(direction, who, data):
    if not VERBOSE:
        return
    text = data.decode("utf-8", "replace")
    if len(text) > 1500:
        text = text[:700] + "\n[... %d bytes ...]\n" % (len(text) - 1400) + text[-700:]
    print("%s %s:" % (direction, who))
    for line in text.split("\r\n"):
        print("    " + line)


class Frame:
    """One parsed MSRP frame."""

    def __init__(self, raw):
        self.raw = raw
        head, _, rest = raw.partition(b"\r\n")
        parts = head.decode().split(" ", 3)
        expect(len(parts) >= 3 and parts[0] == "MSRP", "bad MSRP start line %r" % head)
        self.tid = parts[1]
        if re.fullmatch(r"\d{3}", parts[2]):
            self.code = int(parts[2])
            self.method = None
        else:
            self.code = None
            self.method = parts[2]
        self.headers = []  # (name, value) in order
        self.body = b""
        end = b"-------" + self.tid.encode()
        header_block, sep, body = rest.partition(b"\r\n\r\n")
        if not sep:  # no body: headers run up to the end-line
            header_block = rest[: rest.rfind(end)]
        else:
            self.body = body[: body.rfind(b"\r\n" + end)]
        for line in header_block.decode().split("\r\n"):
            if line and not line.startswith("-------"):
                name, _, value = line.partition(":")
                self.headers.append((name.strip(), value.strip()))

    def header(self, name):
        for n, v in self.headers:
            if n.lower() == name.lower():
                return v
        return None


class Client:
    """An MSRP endpoint with one connection to the relay."""

    def __init__(self, name, port, use_tls=False):
        self.name = name
        self.use_tls = use_tls
        self.relay_uri = "%s://127.0.0.1:%d;tcp" % ("msrps" if use_tls else "msrp", port)
        sock = socket.create_connection(("127.0.0.1", port), timeout=TIMEOUT)
        if use_tls:
            ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
            ctx.check_hostname = False
            ctx.verify_mode = ssl.CERT_NONE  # this check does not verify
            sock = ctx.wrap_socket(sock)
        self.sock = sock
        self.buf = b""
        lport = sock.getsockname()[1]
        # the client's URI carries the real ip:port of its connection: the
        # relay routes "To-Path: UA B" to B by that address
        self.uri = "%s://127.0.0.1:%d/%s;tcp" % (
            "msrps" if use_tls else "msrp", lport, rand_hex(8))
        self.use_path = None

    def close(self):
        try:
            self.sock.close()
        except OSError:
            pass

    def send(self, data):
        show(">>>", self.name, data)
        self.sock.sendall(data)

    def recv_frame(self, timeout=TIMEOUT):
        """Next complete frame, or None on timeout."""
        self.sock.settimeout(timeout)
        while True:
            m = re.match(rb"MSRP ([A-Za-z0-9.\-+%=]+) ", self.buf)
            if m:
                end = re.search(rb"\r\n-------" + re.escape(m.group(1)) + rb"[$#+]\r\n", self.buf)
                if end:
                    raw, self.buf = self.buf[: end.end()], self.buf[end.end():]
                    show("<<<", self.name, raw)
                    return Frame(raw)
            try:
                chunk = self.sock.recv(65536)
            except (socket.timeout, TimeoutError):
                return None
            except ssl.SSLWantReadError:
                return None
            if not chunk:
                fail("%s: relay closed the connection" % self.name)
            self.buf += chunk

    def request(self, method, to_path, headers=(), body=None, content_type="text/plain"):
        tid = rand_hex(6)
        lines = ["MSRP %s %s" % (tid, method),
                 "To-Path: %s" % to_path,  # To-Path first, always (see README)
                 "From-Path: %s" % self.uri]
        lines += ["%s: %s" % h for h in headers]
        data = "\r\n".join(lines).encode() + b"\r\n"
        if body is not None:
            data += b"Content-Type: " + content_type.encode() + b"\r\n\r\n" + body + b"\r\n"
        data += b"-------" + tid.encode() + b"$\r\n"
        self.send(data)
        return tid

    def respond(self, req, code=200, comment="OK"):
        """Hop-by-hop response: To-Path is the previous hop only."""
        prev_hop = req.header("From-Path").split()[0]
        data = ("MSRP %s %d %s\r\nTo-Path: %s\r\nFrom-Path: %s\r\n-------%s$\r\n" % (
            req.tid, code, comment, prev_hop, self.uri, req.tid)).encode()
        self.send(data)

    def transaction(self, method, to_path, headers=(), body=None):
        tid = self.request(method, to_path, headers, body)
        rsp = self.recv_frame()
        expect(rsp is not None, "%s: no response to %s within %.0f s" % (self.name, method, TIMEOUT))
        expect(rsp.code is not None and rsp.tid == tid,
               "%s: expected the response to %s %s, got %r" % (self.name, method, tid, rsp.raw[:200]))
        return rsp


def parse_challenge(value):
    expect(value is not None, "401 without WWW-Authenticate")
    expect(value.startswith("Digest "), "WWW-Authenticate is not Digest: %r" % value)
    params = dict((k.lower(), v1 if v1 else v2) for k, v1, v2 in
                  re.findall(r'(\w+)=(?:"([^"]*)"|([^\s,]+))', value[7:]))
    expect("nonce" in params and "realm" in params, "challenge lacks realm/nonce: %r" % value)
    return params


def digest_authorization(chal, user, password, uri, method="AUTH"):
    """RFC 2617 Digest, MD5, qop=auth."""
    md5 = lambda s: hashlib.md5(s.encode()).hexdigest()
    realm, nonce = chal["realm"], chal["nonce"]
    qops = [q.strip() for q in chal.get("qop", "").split(",") if q.strip()]
    ha1 = md5("%s:%s:%s" % (user, realm, password))
    ha2 = md5("%s:%s" % (method, uri))
    fields = ['username="%s"' % user, 'realm="%s"' % realm, 'nonce="%s"' % nonce,
              'uri="%s"' % uri]
    if "auth" in qops:
        nc, cnonce = "00000001", rand_hex(8)
        response = md5("%s:%s:%s:%s:auth:%s" % (ha1, nonce, nc, cnonce, ha2))
        fields += ['response="%s"' % response, "qop=auth", "nc=" + nc, 'cnonce="%s"' % cnonce]
    else:
        fields.append('response="%s"' % md5("%s:%s:%s" % (ha1, nonce, ha2)))
    if "opaque" in chal:
        fields.append('opaque="%s"' % chal["opaque"])
    if "algorithm" in chal:
        fields.append("algorithm=%s" % chal["algorithm"])
    return "Digest " + ", ".join(fields)


def authenticate(client, cfg, password=None, expires=None, want=200):
    """AUTH, answer the challenge; return the final response."""
    extra = [("Expires", str(expires))] if expires is not None else []
    rsp = client.transaction("AUTH", client.relay_uri, extra)
    if cfg["RELAY_AUTH"] == "no":
        expect(rsp.code == want, "%s: AUTH without auth: %d" % (client.name, rsp.code))
    else:
        expect(rsp.code == 401, "%s: first AUTH: expected 401, got %d" % (client.name, rsp.code))
        chal = parse_challenge(rsp.header("WWW-Authenticate"))
        expect(chal["realm"] == cfg["RELAY_REALM"], "unexpected realm %r" % chal["realm"])
        auth = digest_authorization(chal, cfg["RELAY_USER"],
                                    cfg["RELAY_PASS"] if password is None else password,
                                    client.relay_uri)
        rsp = client.transaction("AUTH", client.relay_uri, [("Authorization", auth)] + extra)
        if want == 401:  # wrong credentials
            expect(rsp.code in (401, 403), "%s: wrong password: expected 401/403, got %d"
                   % (client.name, rsp.code))
            expect(rsp.header("Use-Path") is None, "%s: Use-Path despite wrong password"
                   % client.name)
            return rsp
        expect(rsp.code == want, "%s: AUTH with credentials: expected %d, got %d"
               % (client.name, want, rsp.code))
    if want == 200:
        use_path = rsp.header("Use-Path")
        expect(use_path, "%s: 200 to AUTH without Use-Path" % client.name)
        scheme = "msrps" if client.use_tls else "msrp"
        expect(re.fullmatch(r"%s://127\.0\.0\.1:\d+/[A-Za-z0-9]+;tcp" % scheme, use_path),
               "%s: unexpected Use-Path %r" % (client.name, use_path))
        exp = rsp.header("Expires")
        expect(exp and exp.isdigit(), "%s: 200 to AUTH without Expires" % client.name)
        if expires is not None:
            expect(int(exp) == expires, "%s: asked Expires %d, got %s" % (client.name, expires, exp))
        client.use_path = use_path
    return rsp


def step(text):
    print("\n=== " + text)


def relay_send(sender, receiver, to_path, want_from_path, body, headers=(), expect_response=True):
    """SEND through the relay; check delivery, From-Path and the hop-by-hop 200."""
    tid = sender.request("SEND", to_path,
                         [("Message-ID", rand_hex(6)),
                          ("Byte-Range", "1-%d/%d" % (len(body), len(body)))] + list(headers),
                         body)
    got = receiver.recv_frame()
    expect(got is not None, "%s did not receive the SEND (To-Path %s)" % (receiver.name, to_path))
    expect(got.method == "SEND", "%s: expected SEND, got %r" % (receiver.name, got.raw[:100]))
    expect(got.body == body, "%s: body changed in transit (%d bytes, want %d)"
           % (receiver.name, len(got.body), len(body)))
    expect(got.header("From-Path") == want_from_path, "%s: From-Path %r, want %r"
           % (receiver.name, got.header("From-Path"), want_from_path))
    expect(got.header("To-Path") == receiver.uri, "%s: To-Path %r, want %r"
           % (receiver.name, got.header("To-Path"), receiver.uri))
    if not (got.header("Failure-Report") or "").lower() == "no":
        receiver.respond(got)
    rsp = sender.recv_frame(TIMEOUT if expect_response else 1.0)
    if expect_response:
        expect(rsp is not None and rsp.tid == tid and rsp.code == 200,
               "%s: no 200 from the relay for its SEND" % sender.name)
    else:
        expect(rsp is None, "%s: got a response despite Failure-Report: no" % sender.name)
    return got


def read_ports(path):
    cfg = {"TLS_PORT": "", "RELAY_CA": "", "RELAY_AUTH": "yes", "RELAY_REALM": "msrp-relay",
           "RELAY_USER": "msrpuser", "RELAY_PASS": "msrppass"}
    with open(path) as f:
        for line in f:
            line = line.strip()
            if line and not line.startswith("#") and "=" in line:
                k, _, v = line.partition("=")
                cfg[k.strip()] = v.strip().strip("'\"")
    expect(cfg.get("TCP_PORT", "").isdigit(), "%s has no TCP_PORT" % path)
    return cfg


def main():
    global VERBOSE
    args = [a for a in sys.argv[1:] if a != "-q"]
    VERBOSE = "-q" not in sys.argv[1:]
    if len(args) != 1:
        print(__doc__, file=sys.stderr)
        return 2
    ports_file = args[0]
    cfg = read_ports(ports_file)
    tcp_port = int(cfg["TCP_PORT"])
    clients = []

    try:
        step("a) client 1: AUTH over TCP to msrp://127.0.0.1:%d;tcp (with Expires: 600)" % tcp_port)
        c1 = Client("client1", tcp_port)
        clients.append(c1)
        authenticate(c1, cfg, expires=600)
        print("--> client1 Use-Path %s" % c1.use_path)

        step("a) Expires out of bounds (with Authorization): 423")
        rsp = authenticate(c1, cfg, expires=30, want=423)
        expect(rsp.header("Min-Expires") == "60", "423 without Min-Expires: 60")
        rsp = authenticate(c1, cfg, expires=7200, want=423)
        expect(rsp.header("Max-Expires") == "3600", "423 without Max-Expires: 3600")

        step("b) client 2: AUTH over TCP (no Expires)")
        c2 = Client("client2", tcp_port)
        clients.append(c2)
        authenticate(c2, cfg)
        print("--> client2 Use-Path %s" % c2.use_path)
        ua, ub, a, b = c1.use_path, c2.use_path, c1.uri, c2.uri

        step("b) SEND client1 -> client2, To-Path: UA UB B")
        relay_send(c1, c2, "%s %s %s" % (ua, ub, b), "%s %s %s" % (ub, ua, a), b"Hello through the relay")

        step("b) REPORT client2 -> client1, To-Path: UB UA A (no response expected)")
        c2.request("REPORT", "%s %s %s" % (ub, ua, a),
                   [("Message-ID", rand_hex(6)), ("Byte-Range", "1-23/23"),
                    ("Status", "000 200 OK")])
        got = c1.recv_frame()
        expect(got is not None and got.method == "REPORT", "client1 did not receive the REPORT")
        expect(got.header("From-Path") == "%s %s %s" % (ua, ub, b),
               "REPORT From-Path %r" % got.header("From-Path"))

        step("b) SEND only the receiver on the relay, To-Path: UB B")
        relay_send(c1, c2, "%s %s" % (ub, b), "%s %s" % (ub, a), b"only B uses the relay")

        step("b) SEND only the sender on the relay, To-Path: UA B")
        relay_send(c1, c2, "%s %s" % (ua, b), "%s %s" % (ua, a), b"only A uses the relay")

        step("b) SEND a 10 KB chunk (10240 bytes), To-Path: UA UB B")
        relay_send(c1, c2, "%s %s %s" % (ua, ub, b), "%s %s %s" % (ub, ua, a),
                   bytes((0x41 + i % 26) for i in range(10240)))

        step("b) SEND with Failure-Report: no: delivered, no response")
        relay_send(c1, c2, "%s %s %s" % (ua, ub, b), "%s %s %s" % (ub, ua, a),
                   b"no report please", [("Failure-Report", "no")], expect_response=False)

        if cfg["RELAY_AUTH"] != "no":
            step("c) client 3: AUTH with a wrong password")
            c3 = Client("client3", tcp_port)
            clients.append(c3)
            authenticate(c3, cfg, password="wrong-" + cfg["RELAY_PASS"], want=401)
            print("--> refused, no Use-Path")
        else:
            step("c) skipped: relay runs without authentication")

        if cfg["TLS_PORT"]:
            tls_port = int(cfg["TLS_PORT"])
            step("d) client 4: AUTH over TLS to msrps://127.0.0.1:%d;tcp (no certificate check)"
                 % tls_port)
            c4 = Client("client4", tls_port, use_tls=True)
            clients.append(c4)
            print("--> TLS %s, %s" % (c4.sock.version(), c4.sock.cipher()[0]))
            authenticate(c4, cfg)
            print("--> client4 Use-Path %s" % c4.use_path)

            step("d) client 5 over TLS, SEND client4 -> client5, To-Path: UA UB B (msrps)")
            c5 = Client("client5", tls_port, use_tls=True)
            clients.append(c5)
            authenticate(c5, cfg)
            relay_send(c4, c5, "%s %s %s" % (c4.use_path, c5.use_path, c5.uri),
                       "%s %s %s" % (c5.use_path, c4.use_path, c4.uri), b"Hello over msrps")
            if cfg["RELAY_CA"]:
                step("d) TLS handshake verifying the relay certificate with RELAY_CA")
                ctx = ssl.create_default_context(cafile=cfg["RELAY_CA"])
                with socket.create_connection(("127.0.0.1", tls_port), timeout=TIMEOUT) as raw:
                    with ctx.wrap_socket(raw, server_hostname="127.0.0.1") as s:
                        print("--> verified: %s" % (s.getpeercert().get("subject"),))
        else:
            step("d) skipped: no TLS_PORT (relay started without --tls)")

        pidfile = os.path.join(os.path.dirname(os.path.abspath(ports_file)), "kamailio.pid")
        if os.path.exists(pidfile):
            with open(pidfile) as f:
                pid = int(f.read().strip())
            expect(os.path.exists("/proc/%d" % pid), "kamailio %d is gone (crashed?)" % pid)
            print("\n--> kamailio %d still running" % pid)
    except CheckFailed as e:
        print("\ncheck_relay: FAILED: %s" % e, file=sys.stderr)
        return 1
    except (OSError, ssl.SSLError) as e:
        print("\ncheck_relay: FAILED: %s: %s" % (type(e).__name__, e), file=sys.stderr)
        return 1
    finally:
        for c in clients:
            c.close()
    print("\ncheck_relay: OK, all checks passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
