#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
# Copyright (c) 2026 The libmsrp authors
"""A deliberately broken hop in front of an MSRP relay, for testing that
`msrp load` notices what a broken relay does to messages.

    broken_relay.py MODE RELAY_PORT PORT_FILE

Listens on 127.0.0.1 (a free port, written to PORT_FILE), passes every
connection through to 127.0.0.1:RELAY_PORT, and on the way back to the
client (relay -> client):
    pass     changes nothing
    corrupt  flips one byte in the body of the 50th SEND (over all
             connections)
    drop     leaves out the 50th SEND whole
Runs until killed."""
import re
import select
import socket
import sys

mode, relay_port, port_file = sys.argv[1], int(sys.argv[2]), sys.argv[3]
SEND = re.compile(rb"MSRP ([A-Za-z0-9][A-Za-z0-9.+%=-]{3,31}) SEND\r\n")
NTH = 50
seen = 0  # SENDs passed back, over all connections


class Link:
    def __init__(self, client):
        self.client = client
        self.relay = socket.create_connection(("127.0.0.1", relay_port))
        self.back = bytearray()  # relay -> client, not yet passed on

    def pass_back(self, final=False):
        """Pass on what is complete; SEND chunks are looked at whole."""
        out = bytearray()
        while self.back:
            m = SEND.search(self.back)
            if not m:
                keep = 0 if final else min(len(self.back), 64)
                out += self.back[: len(self.back) - keep]
                del self.back[: len(self.back) - keep]
                break
            out += self.back[: m.start()]
            del self.back[: m.start()]
            end = b"-------" + m.group(1)
            e = self.back.find(end)
            if e < 0 or len(self.back) < e + len(end) + 3:
                break  # the rest of this chunk has not come yet
            chunk = self.back[: e + len(end) + 3]
            del self.back[: len(chunk)]
            global seen
            seen += 1
            if seen == NTH and mode == "drop":
                continue
            if seen == NTH and mode == "corrupt":
                body = chunk.find(b"\r\n\r\n") + 4 + 40
                b = chunk[body]
                chunk[body] = b ^ 0x20 if b ^ 0x20 not in (10, 13, 45) else b ^ 0x40
            out += chunk
        if out:
            self.client.sendall(out)


def main():
    ls = socket.socket()
    ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    ls.bind(("127.0.0.1", 0))
    ls.listen(64)
    with open(port_file + ".tmp", "w") as f:
        f.write(str(ls.getsockname()[1]))
    import os

    os.rename(port_file + ".tmp", port_file)
    links = []
    while True:
        rs = [ls] + [l.client for l in links] + [l.relay for l in links]
        ready, _, _ = select.select(rs, [], [], 0.05)
        if ls in ready:
            c, _ = ls.accept()
            links.append(Link(c))
        for l in list(links):
            try:
                if l.client in ready:
                    d = l.client.recv(65536)
                    if not d:
                        raise ConnectionError
                    l.relay.sendall(d)
                if l.relay in ready:
                    d = l.relay.recv(65536)
                    if not d:
                        raise ConnectionError
                    l.back += d
                l.pass_back(final=l.relay not in ready)
            except OSError:
                l.client.close()
                l.relay.close()
                links.remove(l)


main()
