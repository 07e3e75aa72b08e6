/* SPDX-License-Identifier: MIT
 * Copyright (c) 2026 The libmsrp authors */
/** @file
 * libmsrp — an MSRP relay (RFC 4976) on a libuv loop: the object the
 * `msrp-relay` daemon wraps, and that an application or a test can run
 * in-process.
 *
 * Clients reserve a session with AUTH (HTTP Digest against the relay's
 * users, a Use-Path and an Expires back); chunks are forwarded as they
 * arrive (cut-through: a chunk is never held whole, so there is no size
 * cap), To-Path and From-Path rewritten hop by hop, each hop answered by
 * the relay itself, and a failure further on (an error response, no
 * response in time) reported back to the sender with a REPORT when it
 * asked for one. A connection whose next hop backs up is not read until
 * the next hop has taken its bytes; a long chunk is cut ('+') and
 * continued so that answers and other senders pass.
 */
#ifndef MSRP_RELAY_SERVER_H
#define MSRP_RELAY_SERVER_H

#include <msrp/common.h>
#include <msrp/log.h>
#include <msrp/tls.h>

#include <uv.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct msrp_relay_server msrp_relay_server;

typedef struct msrp_relay_server_config {
  /** Where to listen: URIs such as "msrp://127.0.0.1:2855;tcp" or
   * "msrps://[::1]:2856;tcp" (port 0: any free port; see
   * msrp_relay_server_uri()). Addresses, not names. At least one. */
  const char *const *listen;
  size_t nlisten;
  /** The host written in the Use-Path URIs the relay hands out (the name
   * clients and other relays reach this node by); NULL: each listener's
   * own address. */
  const char *host;
  /** Certificate and key for msrps listeners; its ca_file (or the
   * system's) checks the relays we connect to over TLS. */
  const msrp_tls_config *tls;
  /** The Digest realm; NULL: the host. */
  const char *realm;
  /** Credentials: lines "user:realm:HA1" (msrp_digest_ha1()). */
  const char *users_file;
  /** ... and/or in PostgreSQL (libpq conninfo, e.g. "host=db1
   * dbname=kamailio user=relay"), asked when the file has no line for the
   * user: `db_query` with $1 the user and $2 the realm, the HA1 first;
   * NULL: "SELECT ha1 FROM subscriber WHERE username = $1 AND domain =
   * $2", Kamailio's and OpenSIPS's table. Asked without blocking, one
   * query at a time; answers kept 30 s (5 s for an unknown user). While
   * the database cannot be reached, AUTHs that need it get "500
   * Credentials database unavailable"; sessions already up go on. */
  const char *db_conninfo;
  const char *db_query;
  /** Expires (seconds) granted when the client asks for none, and the
   * bounds (423 with Min-Expires / Max-Expires outside them); 0: 1800,
   * 60, 7200. */
  uint32_t expires_default, expires_min, expires_max;
  /** How long a nonce is good for; 0: 60 s. */
  uint32_t nonce_lifetime_s;
  /** AUTHs with wrong credentials a connection may send before it is
   * closed; 0: 3. */
  unsigned max_auth_failures;
  /** A connection that neither reserved a session nor sent a request the
   * relay forwarded within this time is closed; 0: 10000 ms. */
  uint64_t unauth_timeout_ms;
  /** A connection without a reservation and without traffic for this long
   * is closed; 0: 600000 ms. */
  uint64_t idle_timeout_ms;
  /** Connections at most, in all and from one address; 0: 10000 and
   * 1000. Past them a new connection is closed at once. */
  size_t max_connections, max_per_address;
  /** Bytes waiting to be written to one connection before whoever feeds
   * it is no longer read; 0: 1 MiB. Past four times this the connection is
   * closed (a peer that does not read). */
  size_t max_queue_bytes;
  /** Time for a next hop to answer a forwarded request; 0: 30000 ms.
   * Past it the sender gets a 408 REPORT when it asked for failures. */
  uint64_t response_timeout_ms;
  const msrp_logger *logger;
  /** The clock (milliseconds) for nonces, Expires and timeouts; NULL: the
   * loop's (uv_now). For tests: time moves when they say so; the relay
   * looks at it four times a second. */
  uint64_t (*clock_ms)(void *clock_ud);
  void *clock_ud;
} msrp_relay_server_config;

/** Listen and serve. Errors: MSRP_ERR_INVALID_ARGUMENT (no listen URI, a
 * URI that is not an address, msrps without a certificate),
 * MSRP_ERR_ADDRESS_IN_USE, MSRP_ERR_TLS_CONFIG, MSRP_ERR_FILE_IO (the
 * users file), MSRP_ERR_NOMEM. */
MSRP_API int msrp_relay_server_new_sized(msrp_relay_server **out,
                                         uv_loop_t *loop,
                                         const msrp_relay_server_config *config,
                                         size_t config_size);
/** msrp_relay_server_new_sized() with this program's struct size. */
#define msrp_relay_server_new(...)                                             \
  msrp_relay_server_new_sized(__VA_ARGS__, sizeof(msrp_relay_server_config))

/** The i-th listener as a URI with its real port (snprintf-style), or
 * MSRP_ERR_NOT_FOUND. */
MSRP_API int msrp_relay_server_uri(const msrp_relay_server *r, size_t i,
                                   char *buf, size_t size);

/** Read the users file again (SIGHUP): sessions stay; a file that cannot
 * be read leaves the old users in place and says MSRP_ERR_FILE_IO. */
MSRP_API int msrp_relay_server_reload_users(msrp_relay_server *r);

typedef struct msrp_relay_server_stats {
  size_t connections;  /**< open now */
  size_t reservations; /**< sessions reserved now */
  uint64_t forwarded_chunks, forwarded_bytes;
  uint64_t auth_ok, auth_failed, refused_481;
  size_t queued_bytes; /**< waiting to be written, over all connections */
  size_t held_back;    /**< connections not read now: what they send has
                          nowhere to go yet (backpressure) */
  uint64_t forwarded_in_place; /**< of forwarded_bytes, those written on
                                  from the buffer they were read into, with
                                  no copy (large body slices, plain TCP
                                  and TLS alike on the reading side) */
} msrp_relay_server_stats;

/** The counters into `out`, of which `size` bytes are the caller's (a
 * program built with an older header gets the fields it knows). */
MSRP_API void msrp_relay_server_stats_get_sized(const msrp_relay_server *r,
                                                msrp_relay_server_stats *out,
                                                size_t size);
/** msrp_relay_server_stats_get_sized() with this program's struct size. */
#define msrp_relay_server_stats_get(...)                                       \
  msrp_relay_server_stats_get_sized(__VA_ARGS__,                               \
                                    sizeof(msrp_relay_server_stats))

/** Stop accepting; connections with sessions stay until they close or
 * their reservations lapse, then `cb` runs (drain, SIGTERM). */
MSRP_API void
msrp_relay_server_drain(msrp_relay_server *r,
                        void (*cb)(msrp_relay_server *r, void *ud), void *ud);

/** Close everything at once; the memory goes once libuv has closed the
 * handles. */
MSRP_API void msrp_relay_server_free(msrp_relay_server *r);

#ifdef __cplusplus
}
#endif
#endif
