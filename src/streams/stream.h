/* SPDX-License-Identifier: MIT
 * Copyright (c) 2026 The libmsrp authors */
/* What the streams (chat, file transfer, ...) share: their copy of the
 * account, the connector configuration made from it, and the SDP steps
 * every MSRP media stream takes (RFC 4975 section 8, RFC 6135, RFC 8122).
 * Not part of the API. */
#ifndef MSRP_STREAMS_STREAM_H
#define MSRP_STREAMS_STREAM_H

#include <msrp/chat.h>
#include <msrp/connect.h>
#include <msrp/sdp.h>

#include <stdbool.h>

/* A stream's own copy of an msrp_account (the strings are owned). */
typedef struct msrp__account {
  char *display_name, *uri, *local_host;
  char *advertised_host; /* NULL: local_host */
  char *dns_servers;     /* NULL: the system's */
  int use_tls;
  msrp_tls_config tls;
  char *tls_strings[5];
  bool has_tls;
  msrp_relay_config *relays;
  size_t nrelays;
  msrp_logger logger;
  bool has_logger;
  uint64_t response_timeout_ms;
  msrp_sdp_setup offer_setup;
  bool cema; /* offer a=msrp-cema (RFC 6714) */
} msrp__account;

/* Copy what every stream uses of `a` (uri and local_host required; an
 * offer_setup other than ABSENT, ACTIVE or PASSIVE is invalid). Errors:
 * MSRP_ERR_INVALID_ARGUMENT, MSRP_ERR_NOMEM (`dst` is then cleared). */
int msrp__account_copy(msrp__account *dst, const msrp_account *a);
void msrp__account_clear(msrp__account *a);

/* The connector configuration of an account (pointing into it). */
msrp_connect_config msrp__account_connect_config(const msrp__account *a);

/* An msrp_account as the application's headers sized it (and the relays
 * and TLS config it points to), as ours: `in->acc`. Free in->relays. */
typedef struct msrp__account_in {
  msrp_account acc;
  msrp_tls_config tls;
  msrp_relay_config *relays;
} msrp__account_in;
int msrp__account_in_init(msrp__account_in *in, const msrp_account *a,
                          size_t account_size, size_t relay_size,
                          size_t tls_size);

/* The remote's MSRP section: a whole SDP body may carry other media first
 * (audio, video, another MSRP stream); ours is its first m=message MSRP
 * section, or with `application` its first m=application one (desktop
 * sharing). */
int msrp__parse_remote_media(const char *sdp, bool application,
                             msrp_sdp_media **out);

/* Finish our media section on `m` (owned by the caller): a=setup, and our
 * certificate's a=fingerprint over TLS; then format it into a new string
 * (*sdp, malloc'd). */
int msrp__finish_local_media(msrp_sdp_media *m, const msrp__account *a,
                             const msrp_path *path, msrp_sdp_setup setup,
                             char **sdp);

/* msrp__finish_local_media, and on success `m` replaces *keep (the
 * stream's local media); on failure `m` is freed. */
int msrp__keep_local_media(msrp_sdp_media *m, const msrp__account *a,
                           const msrp_path *path, msrp_sdp_setup setup,
                           char **sdp, msrp_sdp_media **keep);

/* A stream's initialize: a connector (or an acceptor) for the account, our
 * URI on its local host, and prepare() with `cb`; `*pending` counts the
 * callback owed. On failure nothing is left (*con NULL). */
int msrp__stream_prepare(uv_loop_t *loop, const msrp__account *a, bool connects,
                         msrp_connector **con, msrp_uri *local_uri,
                         msrp_prepare_cb cb, void *ud, int *pending);

/* RFC 6135 for an answer to `offer`: whether we connect (an offer that
 * waits, or lets us choose, is answered active) and the a=setup we say.
 * MSRP_ERR_NOT_SUPPORTED for holdconn. */
int msrp__answer_setup(const msrp_sdp_media *offer, bool *connects,
                       msrp_sdp_setup *setup);

/* At start: who connects must be what we prepared for (RFC 6135 / RFC
 * 4975). MSRP_ERR_NOT_SUPPORTED when it is not. */
int msrp__check_setup(bool offerer, bool connects, const msrp_sdp_media *local,
                      const msrp_sdp_media *remote);

/* Before complete(): directly over TLS, pin the remote certificate its
 * SDP names; when both SDPs say a=msrp-cema (RFC 6714), connect to the
 * remote's c= and m= (if we connect) and match paths by session id. */
int msrp__before_complete(msrp_connector *con, const msrp__account *a,
                          const msrp_sdp_media *local,
                          const msrp_sdp_media *remote, bool connects);

/* "text/plain" for the space-separated list of `n` types. */
int msrp__join_types(char **out, char *const *types, size_t n);

#endif
