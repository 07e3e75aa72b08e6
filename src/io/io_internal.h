/* SPDX-License-Identifier: MIT
 * Copyright (c) 2026 The libmsrp authors */
/* What the io layer's files share. Not part of the API. */
#ifndef MSRP_IO_INTERNAL_H
#define MSRP_IO_INTERNAL_H

#include <msrp/connect.h>
#include <msrp/log.h>
#include <msrp/tls.h>
#include <msrp/transport.h>

#include <uv.h>

#include <stdbool.h>

/* ---- config structs, at the application's sizes ------------------------ */

/* A msrp_connect_config as the application's headers sized it (and the
 * relays and TLS config it points to), as ours: what it did not know is
 * zero. `cfg` points into `in`; clear it after use. */
typedef struct msrp__connect_in {
  msrp_connect_config cfg;
  msrp_tls_config tls;
  msrp_relay_config *relays;
} msrp__connect_in;
int msrp__connect_in_init(msrp__connect_in *in, const msrp_connect_config *cfg,
                          size_t cfg_size, size_t relay_size, size_t tls_size);
void msrp__connect_in_clear(msrp__connect_in *in);

/* ---- logging ----------------------------------------------------------- */

/* printf-style message through logger->log, if set and at min_level. */
void msrp__log(const msrp_logger *lg, msrp_log_level level, const char *fmt,
               ...) __attribute__((format(printf, 3, 4)));

/* Whether a Content-Type names text a wire trace may show. */
bool msrp__is_text_type(const char *content_type);

/* "ip:port" of a socket address ("[ip]:port" for IPv6). */
void msrp__format_addr(const struct sockaddr *sa, char *out, size_t size);

/* Fill a sockaddr from a URI's host (an IP literal) and a port. */
int msrp__uri_sockaddr(const msrp_uri *uri, int port,
                       struct sockaddr_storage *out);

/* Resolve a URI whose host is a name, off the loop (libuv's thread pool),
 * for a TCP connection from a local address of `family` (AF_INET6, or
 * else AF_INET); `cb` gets the addresses with the URI's port.
 * MSRP_ERR_RESOLVE if the lookup cannot start. */
int msrp__resolve_uri(uv_loop_t *loop, uv_getaddrinfo_t *req,
                      uv_getaddrinfo_cb cb, const msrp_uri *uri, int family);

/* Relay discovery through DNS SRV (dns.c, with c-ares on the loop), for a
 * relay URI with a host name and no port (msrp__srv_applies): the
 * addresses to try, in order: each SRV target's (RFC 2782 order), or,
 * when the name has no SRV records, the name's own on the default port.
 * `servers` is c-ares's "host[:port],..." list, NULL for the system's.
 * `cb` runs once, from the loop, unless msrp__dns_cancel() comes first;
 * status MSRP_ERR_RESOLVE when there is nothing to try. */
typedef struct msrp__dns msrp__dns;
/* Addresses a relay lookup hands over, at most (SRV targets x theirs). */
#define MSRP__RELAY_ADDRS 32
typedef void (*msrp__dns_cb)(msrp__dns *q, int status,
                             const struct sockaddr_storage *addrs, size_t n,
                             void *ud);
int msrp__dns_relay(msrp__dns **out, uv_loop_t *loop, const char *servers,
                    const msrp_uri *relay, int family, const msrp_logger *lg,
                    msrp__dns_cb cb, void *ud);
/* No callback after this; the query's memory goes once its handles have
 * closed. Not after its callback ran. */
void msrp__dns_cancel(msrp__dns *q);

/* Run `loop` until *done; MSRP_ERR_CLOSED if nothing is left to run. */
int msrp__run_until(uv_loop_t *loop, const bool *done);

/* Map a libuv error to ours. */
int msrp__uv_err(int uv_status);

/* ---- TLS --------------------------------------------------------------- */

/* OpenSSL's context, by name only: TLS itself lives in tls.c (contexts,
 * fingerprints) and tls_conn.c (one connection's layer); nothing else in
 * io calls OpenSSL's TLS functions. */
typedef struct ssl_ctx_st msrp__tls_ctx;
void msrp__tls_ctx_free(msrp__tls_ctx *ctx);

/* A context for one side. Errors: MSRP_ERR_TLS_CONFIG (logged to `lg`:
 * which file, and OpenSSL's reason), MSRP_ERR_NOMEM. */
int msrp__tls_ctx_new(const msrp_tls_config *cfg, int server,
                      const msrp_logger *lg, msrp__tls_ctx **out);

/* 0 when the TLS peer of `t` presented a certificate with this SHA-256
 * digest; else MSRP_ERR_TLS_FINGERPRINT (logged). */
int msrp__transport_check_fingerprint(msrp_transport *t,
                                      const unsigned char fp[32]);

/* Accept a connection waiting on `listener` and close it at once (a
 * listener with no room for more unbound connections). */
void msrp__refuse_connection(uv_stream_t *listener);

/* Parse "sha-256 AB:CD:.." or "AB:CD:.." into 32 bytes. */
int msrp__parse_fingerprint(const char *text, unsigned char out[32]);

/* ---- transport internals ---------------------------------------------- */

/* A transport around a TCP handle that is not connected yet. */
int msrp__transport_new(msrp_transport **out, uv_loop_t *loop,
                        const msrp_logger *logger);
uv_tcp_t *msrp__transport_tcp(msrp_transport *t);
void msrp__transport_set_logger(msrp_transport *t, const msrp_logger *lg);
/* Copy the paths the transport serves (used by make_chunk and checks). */
int msrp__transport_set_paths(msrp_transport *t, const msrp_path *local,
                              const msrp_path *remote);
/* RFC 6714 CEMA: the transport's binding and checks, and the session made
 * on it, match paths by session id alone. */
void msrp__transport_match_session_id_only(msrp_transport *t, int on);
int msrp__transport_session_id_only(const msrp_transport *t);
/* Record the peer address once connected or accepted. */
void msrp__transport_set_peer(msrp_transport *t);

/* Begin on a connected socket: plain TCP is ready at once (`cb` still runs
 * from the loop); TLS runs the handshake first. `verify_name` and
 * `fingerprint` apply to a client (see tls.h). */
typedef void (*msrp__ready_cb)(msrp_transport *t, int status, void *ud);
/* Where a WebSocket connection goes (RFC 7977): the HTTP upgrade's Host
 * and request path. */
typedef struct msrp__ws_target {
  const char *host;
  int port;
  const char *path;
} msrp__ws_target;

/* msrp__transport_start() with MSRP over WebSocket (client side) on top
 * of TCP or TLS when `ws` is not NULL. */
void msrp__transport_start_ws(msrp_transport *t, msrp__tls_ctx *ctx, int server,
                              const char *verify_name,
                              const unsigned char *fingerprint,
                              const msrp__ws_target *ws, msrp__ready_cb cb,
                              void *ud);
void msrp__transport_start(msrp_transport *t, msrp__tls_ctx *ctx, int server,
                           const char *verify_name,
                           const unsigned char *fingerprint, msrp__ready_cb cb,
                           void *ud);

/* Binding. Active: send the empty SEND, check the answer. Passive: read
 * the first chunk's headers and ask `decide` (return 0 to accept, or the
 * status code to refuse with); an accepted empty SEND is answered 200 after
 * its end-line; a SEND with a body is left for the transport's next
 * reader. `done` runs once: 0, MSRP_ERR_BIND_*, or a read error. The owner
 * enforces the bind timeout (by freeing the transport). */
typedef void (*msrp__bind_done_cb)(msrp_transport *t, int status, void *ud);
typedef int (*msrp__bind_decide_cb)(msrp_transport *t, const msrp_chunk *c,
                                    void *ud);
int msrp__bind_active(msrp_transport *t, msrp__bind_done_cb done, void *ud);
int msrp__bind_passive(msrp_transport *t, msrp__bind_decide_cb decide,
                       msrp__bind_done_cb done, void *ud);

/* Forget the owner's internal callbacks (ready, bind) before freeing a
 * transport that was never handed to a user. */
void msrp__transport_detach(msrp_transport *t);

/* Detach and free, but let queued writes (a refusal) go out first. */
void msrp__transport_discard(msrp_transport *t);

/* The owner's late decision about a binding its `decide` parked by
 * returning 1: 0 accepts, a status code refuses. */
void msrp__bind_resolve(msrp_transport *t, int code);

/* The limits of the connection's parser from now on (between chunks:
 * MSRP_ERR_BUSY otherwise). */
int msrp__transport_set_limits(msrp_transport *t,
                               const msrp_parser_limits *limits);

/* Zero copy for a relay: the read buffer that `len` bytes at `data` (a
 * BODY event's, while it is delivered) lie in, kept valid after the event
 * until released; `*cap` is its size (what holding it keeps). NULL when
 * the bytes are not in it (copy them then). The transport reads on into
 * another buffer meanwhile. */
typedef struct msrp__rhold msrp__rhold;
msrp__rhold *msrp__transport_hold(msrp_transport *t, const void *data,
                                  size_t len, size_t *cap);
void msrp__rhold_release(msrp__rhold *h);
/* The largest read buffer the transport has used (reads grow while they
 * fill what they were offered). */
size_t msrp__transport_read_peak(const msrp_transport *t);
/* How many writes were submitted to the transport. */
uint64_t msrp__transport_writes(const msrp_transport *t);

/* End the connection for a reason found above the transport (an engine
 * that must stop): the socket closes and the reader is told `status`. */
void msrp__transport_fail(msrp_transport *t, int status);
/* Write `c` now, traced; the chunk is not needed afterwards (its bytes are
 * encrypted or copied at once). */
int msrp__transport_send_chunk(msrp_transport *t, msrp_chunk *c,
                               msrp_write_cb cb, void *ud);

/* ---- relays (relay.c) --------------------------------------------------- */

typedef struct msrp__relay_entry {
  char *uri;
  char *username;
  char *password;
  uint32_t expires;
  size_t max_chunk_size;
} msrp__relay_entry;

typedef struct msrp__relay_list {
  msrp__relay_entry *entries;
  size_t n;
  char *dns_servers; /* for SRV lookups; NULL: the system's */
} msrp__relay_list;

typedef struct msrp__relay msrp__relay;

/* `t` (on success: the caller's) is connected to the relay that accepted,
 * with `use_path` (valid during the call) and the chunk size it allows. */
typedef void (*msrp__relay_cb)(msrp__relay *r, int status, msrp_transport *t,
                               const msrp_path *use_path, size_t max_chunk,
                               void *ud);

/* Reserve a session at the first relay of `list` that accepts: connect,
 * AUTH with Digest, take the Use-Path. `local_uri` is rewritten in place
 * with the connection's real address, the relay's scheme and (when it had
 * none) a fresh session-id. `list` must outlive the reservation. */
int msrp__relay_reserve(msrp__relay **out, uv_loop_t *loop,
                        const msrp__relay_list *list, msrp__tls_ctx *ctx,
                        const unsigned char *fingerprint, const msrp_logger *lg,
                        uint64_t timeout_ms, msrp_uri *local_uri,
                        msrp__relay_cb cb, void *ud);
/* Stop a reservation under way; its callback will not run. */
void msrp__relay_cancel(msrp__relay *r);

/* The reservation a relay connection carries, for keeping it alive. */
typedef struct msrp__relay_info {
  msrp_uri relay;
  char *username, *password;
  uint32_t expires; /* asked for (0: none: nothing to keep) */
  uint32_t granted; /* what the relay's 200 said */
} msrp__relay_info;

/* Record it (copied) on the transport. */
int msrp__transport_set_relay(msrp_transport *t, const msrp_uri *relay,
                              const char *username, const char *password,
                              uint32_t expires, uint32_t granted);
const msrp__relay_info *msrp__transport_relay(const msrp_transport *t);

/* The most body bytes a chunk may carry on this connection (0: no limit). */
void msrp__transport_set_chunk_limit(msrp_transport *t, size_t bytes);

#endif
