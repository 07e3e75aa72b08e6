/* SPDX-License-Identifier: MIT
 * Copyright (c) 2026 The libmsrp authors */
/* MSRP over WebSocket (RFC 7977), the client side, sans I/O: the HTTP
 * upgrade (RFC 6455 section 4) built and checked strictly, and the framing
 * (wslay's event API on memory: bytes in, MSRP bytes out; MSRP bytes in,
 * frames out). Each MSRP chunk we write goes out as one WebSocket message:
 * an MSRP parser over our own output finds where chunks end. Internal to
 * the library (the io layer's WebSocket layer, and the fuzz target). */
#ifndef MSRP_CORE_WEBSOCKET_H
#define MSRP_CORE_WEBSOCKET_H

#include <msrp/uri.h>

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <sys/uio.h>

typedef struct msrp__ws msrp__ws;

/* The most bytes of one incoming message (an MSRP chunk) and of the
 * upgrade response's headers. */
#define MSRP__WS_MAX_MESSAGE (1u << 20)
#define MSRP__WS_MAX_RESPONSE 8192

/* A client for ws://host:port/path (`host` as the Host header has it).
 * The upgrade request is ready to send at once (msrp__ws_take_output).
 * MSRP_ERR_NOMEM, MSRP_ERR_RANDOM, MSRP_ERR_INVALID_ARGUMENT. */
int msrp__ws_client_new(msrp__ws **out, const char *host, int port,
                        const char *path, int secure);
void msrp__ws_free(msrp__ws *w);

/* Bytes from the server. Before the upgrade is done they are its response
 * (then, perhaps, the first frames); after, frames. 0, or
 * MSRP_ERR_WEBSOCKET with the reason in msrp__ws_error(), MSRP_ERR_NOMEM.
 */
int msrp__ws_feed(msrp__ws *w, const uint8_t *data, size_t len);
/* 1 once the server accepted the upgrade. */
int msrp__ws_open(const msrp__ws *w);
/* Why the last call failed. */
const char *msrp__ws_error(const msrp__ws *w);

/* MSRP bytes that came in messages, taken in order: up to `size` into
 * `buf`; the count (0 when there are none now). */
size_t msrp__ws_read(msrp__ws *w, uint8_t *buf, size_t size);
/* 1 when the server closed the WebSocket (everything before it has been
 * read); its status code into *code when not NULL. */
int msrp__ws_closed(const msrp__ws *w, int *code);

/* Our MSRP bytes, in any pieces: each chunk, once its end-line is in,
 * becomes one message (binary, or text when the whole of it is UTF-8).
 * 0, MSRP_ERR_WEBSOCKET (our output is not MSRP, or a chunk is larger than
 * MSRP__WS_MAX_MESSAGE), MSRP_ERR_NOMEM, MSRP_ERR_CLOSED (after close). */
int msrp__ws_write(msrp__ws *w, const struct iovec *iov, int n);
/* Say goodbye (a close frame, 1000) once; 1 when that queued bytes. */
int msrp__ws_close(msrp__ws *w);
/* Bytes to send (the request, frames, pongs, the close): *out malloc'd
 * (NULL when none; a NUL after the bytes), *len. MSRP_ERR_NOMEM. */
int msrp__ws_take_output(msrp__ws *w, char **out, size_t *len);
size_t msrp__ws_pending(const msrp__ws *w);

/* A relay's WebSocket URL, "ws://host[:port][/path]" or "wss://...": 0 and
 * its parts (host without brackets, 80 or 443 for no port, "/" for no
 * path), or MSRP_ERR_INVALID_ARGUMENT (another scheme, no host, a bad
 * port, userinfo, a query or fragment, spaces or control characters, parts
 * longer than the buffers: host 256, path 512). */
typedef struct msrp__ws_url {
  int secure;
  char host[256];
  int port;
  char path[512];
} msrp__ws_url;
int msrp__ws_url_parse(const char *url, msrp__ws_url *out);
/* Whether `uri` is a WebSocket URL (its scheme, case-insensitively). */
int msrp__ws_is_url(const char *uri);

/* RFC 7977's MSRP URIs of a WebSocket session: the relay's, for the AUTH
 * (msrp[s]://host:port;ws from its URL), and ours, which names no address a
 * peer could reach (msrp[s]://<random>.invalid:2855/<session_id>;ws;
 * `session_id` NULL: none yet). `*out` is initialised here. Errors: those
 * of msrp_uri_init(), MSRP_ERR_RANDOM. */
int msrp__ws_relay_uri(const msrp__ws_url *url, msrp_uri *out);
int msrp__ws_local_uri(int secure, const char *session_id, msrp_uri *out);

/* RFC 6455's accept value for a key (base64 of SHA-1 of key + GUID),
 * into `out` (29 bytes). */
void msrp__ws_accept_for(const char *key, char out[29]);

#endif
