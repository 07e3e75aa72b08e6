/* SPDX-License-Identifier: MIT
 * Copyright (c) 2026 The libmsrp authors */
/** @file
 * libmsrp — establishing and binding connections (the seed's
 * msrplib.connect): connectors and acceptors behind one interface, and the
 * shared listener MSRPServer.
 *
 *     msrp_connector *c;
 *     msrp_get_connector(&c, loop, &config);      // or msrp_get_acceptor
 *     msrp_connector_prepare(c, &local_uri, on_prepared, ud);
 *       ... put the full local path in SDP a=path, get the remote's ...
 *     msrp_connector_complete(c, &full_remote_path, on_complete, ud);
 *       ... on_complete hands over a bound msrp_transport ...
 *     msrp_connector_free(c);                     // the seed's cleanup()
 *
 * Binding (RFC 4975 section 7.1 and the seed): the connecting side sends an
 * empty SEND whose To-Path is the full remote path and whose From-Path is
 * its full local path, and checks the 200 that answers it; the accepting
 * side checks that SEND's To-Path ends with its own URI and that its
 * From-Path is the remote path it was given, and answers 200, or 481 and
 * closes. A first SEND that carries a body binds as well; that chunk is
 * then the first one the transport's reader sees.
 */
#ifndef MSRP_CONNECT_H
#define MSRP_CONNECT_H

#include <msrp/common.h>
#include <msrp/log.h>
#include <msrp/tls.h>
#include <msrp/transport.h>
#include <msrp/uri.h>

#include <uv.h>

#ifdef __cplusplus
extern "C" {
#endif

/** The seed's MSRPBindSessionTimeout.seconds */
#define MSRP_BIND_TIMEOUT_MS 30000

/** An MSRP relay (RFC 4976) and the credentials for it. */
typedef struct msrp_relay_config {
  /** "msrps://192.0.2.1:2855;tcp". A host name with a port is resolved off
   * the loop (getaddrinfo); a host name without one is a domain whose
   * relays DNS SRV names (RFC 4976 section 6.3: `_msrps._tcp.DOMAIN` for
   * msrps:, `_msrp._tcp.DOMAIN` for msrp:), tried in RFC 2782 order
   * (priority, then weight), each target's addresses in turn, the next
   * when one cannot be reached or does not answer in time; a domain
   * without SRV records is tried by its own addresses on port 2855. A
   * certificate is checked against the domain, not the SRV target. */
  const char *uri;
  const char *username; /**< for the Digest challenge */
  const char *password;
  uint32_t expires;      /**< seconds to ask for; 0: no Expires header (the
                            relay's default; see tests/interop/kamailio) */
  size_t max_chunk_size; /**< body bytes per chunk through it; 0: 8192
                            (Kamailio relays frames of about 10 KB) */
} msrp_relay_config;

typedef struct msrp_connect_config {
  const msrp_tls_config *tls;  /**< for msrps: URIs; copied strings kept */
  const msrp_logger *logger;   /**< NULL: no logging; the struct is copied */
  uint64_t bind_timeout_ms;    /**< 0: MSRP_BIND_TIMEOUT_MS */
  uint64_t connect_timeout_ms; /**< 0: 30000 */
  /** Relays to use, in order of preference (copied). With any,
   * msrp_get_connector/msrp_get_acceptor give the relay kinds. */
  const msrp_relay_config *relays;
  size_t nrelays;
  /** Connections accepted but not bound yet, at most, per acceptor or
   * server (each costs a socket and some 70 KB until it binds or its bind
   * timeout passes); more are accepted and closed at once. 0:
   * MSRP_MAX_UNBOUND for an acceptor (one session waits for one peer),
   * MSRP_SERVER_MAX_UNBOUND for a server (many sessions bind at once). */
  size_t max_unbound;
  /** The host our path advertises (a=path), when it is not the address
   * prepare() binds: the public address behind a NAT that forwards the
   * port, or a real address when binding 0.0.0.0 or "::". NULL: the bound
   * host. The direct kinds only (through a relay, the relay's path is what
   * peers reach). Copied. */
  const char *advertise_host;
  /** The DNS servers for relay SRV lookups, as c-ares reads them:
   * "192.0.2.53,[2001:db8::53]:5353" (a port after an address). NULL: the
   * system's (/etc/resolv.conf). Copied. */
  const char *dns_servers;
} msrp_connect_config;

/** The defaults of msrp_connect_config.max_unbound. */
#define MSRP_MAX_UNBOUND 16
#define MSRP_SERVER_MAX_UNBOUND 1024

typedef enum msrp_connector_kind {
  MSRP_CONNECTOR_DIRECT = 0, /**< calling endpoint, no relay */
  MSRP_ACCEPTOR_DIRECT = 1,  /**< answering endpoint, no relay */
  MSRP_CONNECTOR_RELAY = 2,  /**< calling endpoint through a relay */
  MSRP_ACCEPTOR_RELAY = 3    /**< answering endpoint through a relay */
} msrp_connector_kind;

typedef struct msrp_connector msrp_connector;

/** `full_local_path` is valid during the callback (copy it to keep it). */
typedef void (*msrp_prepare_cb)(msrp_connector *c, int status,
                                const msrp_path *full_local_path,
                                void *user_data);
/** On success the caller owns `transport`. */
typedef void (*msrp_complete_cb)(msrp_connector *c, int status,
                                 msrp_transport *transport, void *user_data);

/** The seed's get_connector() / get_acceptor(): the direct kinds (relay
 * kinds come with relay configuration). Errors: MSRP_ERR_NOMEM,
 * MSRP_ERR_TLS_CONFIG. */
MSRP_API int msrp_get_connector_sized(msrp_connector **out, uv_loop_t *loop,
                                      const msrp_connect_config *config,
                                      size_t config_size, size_t relay_size,
                                      size_t tls_size);
/** @copydoc msrp_get_connector_sized */
MSRP_API int msrp_get_acceptor_sized(msrp_connector **out, uv_loop_t *loop,
                                     const msrp_connect_config *config,
                                     size_t config_size, size_t relay_size,
                                     size_t tls_size);
/** The sizes of msrp_connect_config and the structs it points to, as this
 * program's headers have them (@ref sized). */
#define MSRP_CONNECT_CONFIG_SIZES                                              \
  sizeof(msrp_connect_config), sizeof(msrp_relay_config),                      \
      sizeof(msrp_tls_config)
/** msrp_get_connector_sized() with this program's struct sizes. */
#define msrp_get_connector(...)                                                \
  msrp_get_connector_sized(__VA_ARGS__, MSRP_CONNECT_CONFIG_SIZES)
/** msrp_get_acceptor_sized() with this program's struct sizes. */
#define msrp_get_acceptor(...)                                                 \
  msrp_get_acceptor_sized(__VA_ARGS__, MSRP_CONNECT_CONFIG_SIZES)

MSRP_API msrp_connector_kind msrp_connector_get_kind(const msrp_connector *c);

/** prepare(local_uri): `local_uri` names the local host (an IP address, or
 * a host name, resolved off the loop: the socket binds its first address
 * and the URI keeps the name, which peers resolve too),
 * optionally the port and session-id, and msrp: or msrps:. It is updated in
 * place with what is really used: a random session-id when it has none,
 * and the real port when it was 0 (an acceptor listens there; a connector
 * binds its socket there, so the URI names the connection's real address).
 * `local_uri` must stay valid until `cb` has run. */
MSRP_API int msrp_connector_prepare(msrp_connector *c, msrp_uri *local_uri,
                                    msrp_prepare_cb cb, void *user_data);

/** complete(full_remote_path): connect (ConnectorDirect) or wait for the
 * peer (AcceptorDirect), then bind. An AcceptorDirect keeps listening until
 * a connection binds with the right paths (and, over TLS with a pinned
 * fingerprint, the right certificate) or the bind timeout passes: a port
 * scan, a silent connection, garbage or a binding with other paths (481)
 * costs that connection only, never the session; then the port closes. Errors
 * in `cb`: MSRP_ERR_CONNECT, MSRP_ERR_RESOLVE, MSRP_ERR_TIMEOUT,
 * MSRP_ERR_TLS_*, MSRP_ERR_BIND_TIMEOUT, MSRP_ERR_BIND_REFUSED,
 * MSRP_ERR_BIND_PATH, MSRP_ERR_CANCELLED, ... */
MSRP_API int msrp_connector_complete(msrp_connector *c,
                                     const msrp_path *full_remote_path,
                                     msrp_complete_cb cb, void *user_data);

/** Pin the certificate of the remote endpoint over TLS, before complete():
 * typically the remote SDP's a=fingerprint value (RFC 4572/8122),
 * "sha-256 AB:CD:..." or just the hex pairs. The peer is then accepted if
 * and only if its certificate has that SHA-256 digest, which is how
 * self-signed endpoint certificates are authenticated (RFC 4975 section
 * 14.4). A ConnectorDirect checks the server it connects to (this replaces
 * msrp_tls_config.fingerprint); an AcceptorDirect asks the connecting
 * endpoint for its certificate and binds only a connection that presents
 * this one. The relay kinds have a relay, not the endpoint, as their TLS
 * peer: MSRP_ERR_NOT_SUPPORTED. MSRP_ERR_TLS_CONFIG for a malformed
 * value. */
MSRP_API int msrp_connector_set_peer_fingerprint(msrp_connector *c,
                                                 const char *fingerprint);

/** RFC 6714 (CEMA), before complete(), when both SDPs say a=msrp-cema:
 * a middlebox (an SBC) may stand between the endpoints and carry the
 * connection, having rewritten the SDP's c= and m= lines but not a=path.
 * A ConnectorDirect connects to `host` and `port` (the remote SDP's c=
 * address and m= port) instead of its first path URI's host and port;
 * both kinds then match the peer's paths by their session ids alone
 * (msrp_chunk_check_session_mode()): at binding, and in the session made
 * on the transport. `host` NULL: the matching only. The TLS peer is still
 * checked (pin its fingerprint: msrp_connector_set_peer_fingerprint()).
 * The relay kinds: MSRP_ERR_NOT_SUPPORTED. */
MSRP_API int msrp_connector_set_cema(msrp_connector *c, const char *host,
                                     int port);

/** Blocking forms (never from inside a callback). `full_local_path` gets a
 * copy the caller clears with msrp_path_clear(). */
MSRP_API int msrp_connector_prepare_wait(msrp_connector *c, msrp_uri *local_uri,
                                         msrp_path *full_local_path);
MSRP_API int msrp_connector_complete_wait(msrp_connector *c,
                                          const msrp_path *full_remote_path,
                                          msrp_transport **out);

/** The seed's cleanup() and the release in one: pending callbacks run with
 * MSRP_ERR_CANCELLED, the listening port closes. NULL is ignored. */
MSRP_API void msrp_connector_free(msrp_connector *c);

/* ---- MSRPServer: one listening socket shared by many sessions ---------- */

typedef struct msrp_server msrp_server;

/** On success the caller owns `transport`. */
typedef void (*msrp_server_complete_cb)(msrp_server *s, int status,
                                        msrp_transport *transport,
                                        void *user_data);

MSRP_API int msrp_server_new_sized(msrp_server **out, uv_loop_t *loop,
                                   const msrp_connect_config *config,
                                   size_t config_size, size_t relay_size,
                                   size_t tls_size);
/** msrp_server_new_sized() with this program's struct sizes. */
#define msrp_server_new(...)                                                   \
  msrp_server_new_sized(__VA_ARGS__, MSRP_CONNECT_CONFIG_SIZES)

/** prepare(local_uri, logger): listen on local_uri's address unless already
 * listening there, and expect bindings to this URI. Port 0 and a missing
 * session-id are filled in, in place. `logger` (NULL: the server's) is
 * used for the connection that binds to this URI. Errors:
 * MSRP_ERR_ADDRESS_IN_USE, MSRP_ERR_ADDRESS, MSRP_ERR_INVALID_ARGUMENT
 * (the URI is expected already, or its scheme differs from the listener's),
 * MSRP_ERR_TLS_CONFIG. */
MSRP_API int msrp_server_prepare(msrp_server *s, msrp_uri *local_uri,
                                 const msrp_logger *logger);

/** complete(local_uri, full_remote_path): wait until a connection binds to
 * the session `local_uri` names (as prepare() filled it in): a SEND whose
 * To-Path ends with `local_uri` and whose From-Path is `full_remote_path`
 * (RFC 4975 section 5.4: the To-Path names the session, and the From-Path
 * must be that session's remote path). Anything else aimed at that URI
 * gets 481; a URI binds once. `peer_fingerprint` (may be NULL): over TLS,
 * bind only a peer whose certificate has this SHA-256 fingerprint (the
 * remote SDP's a=fingerprint), which the server asks for. Errors:
 * MSRP_ERR_NOT_FOUND (not prepared), MSRP_ERR_BUSY (complete() already
 * called for it), MSRP_ERR_TLS_CONFIG (a malformed fingerprint). In `cb`:
 * MSRP_ERR_BIND_TIMEOUT after the bind timeout, MSRP_ERR_CANCELLED. */
MSRP_API int msrp_server_complete_uri(msrp_server *s, const msrp_uri *local_uri,
                                      const msrp_path *full_remote_path,
                                      const char *peer_fingerprint,
                                      msrp_server_complete_cb cb,
                                      void *user_data);

/** The seed's complete(full_remote_path), kept where it is unambiguous:
 * exactly one prepared URI waits for its complete(), and this is it.
 * Otherwise MSRP_ERR_INVALID_ARGUMENT: say which session with
 * msrp_server_complete_uri(). */
MSRP_API int msrp_server_complete(msrp_server *s,
                                  const msrp_path *full_remote_path,
                                  msrp_server_complete_cb cb, void *user_data);
MSRP_API int msrp_server_complete_wait(msrp_server *s,
                                       const msrp_path *full_remote_path,
                                       msrp_transport **out);

/** cleanup(local_uri): stop expecting this URI; a listener with nothing left
 * to expect closes its port. MSRP_ERR_NOT_FOUND if it was not expected. */
MSRP_API int msrp_server_cleanup(msrp_server *s, const msrp_uri *local_uri);

/** Close every listener and unbound connection; pending completions run with
 * MSRP_ERR_CANCELLED. Bound transports already handed out are not
 * affected. NULL is ignored. */
MSRP_API void msrp_server_free(msrp_server *s);

#ifdef __cplusplus
}
#endif
#endif
