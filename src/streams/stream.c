/* SPDX-License-Identifier: MIT
 * Copyright (c) 2026 The libmsrp authors */
#include "streams/stream.h"

#include "core/util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void msrp__account_clear(msrp__account *a) {
  if (!a)
    return;
  free(a->display_name);
  free(a->uri);
  free(a->local_host);
  free(a->advertised_host);
  free(a->dns_servers);
  for (int i = 0; i < 5; i++)
    free(a->tls_strings[i]);
  for (size_t i = 0; a->relays && i < a->nrelays; i++) {
    free((char *)a->relays[i].uri);
    free((char *)a->relays[i].username);
    free((char *)a->relays[i].password);
  }
  free(a->relays);
  memset(a, 0, sizeof *a);
}

int msrp__account_copy(msrp__account *c, const msrp_account *a) {
  memset(c, 0, sizeof *c);
  if (!a || !a->uri || !a->local_host ||
      (a->offer_setup != MSRP_SDP_SETUP_ABSENT &&
       a->offer_setup != MSRP_SDP_SETUP_ACTIVE &&
       a->offer_setup != MSRP_SDP_SETUP_PASSIVE))
    return MSRP_ERR_INVALID_ARGUMENT;
  c->use_tls = a->use_tls;
  c->response_timeout_ms = a->response_timeout_ms;
  c->offer_setup = a->offer_setup;
  c->cema = a->cema != 0;
  int rc = 0;
  c->display_name = msrp__strdup_or_null(a->display_name);
  c->uri = msrp__strdup_or_null(a->uri);
  c->local_host = msrp__strdup_or_null(a->local_host);
  c->advertised_host = msrp__strdup_or_null(a->advertised_host);
  c->dns_servers = msrp__strdup_or_null(a->dns_servers);
  if (!c->uri || !c->local_host || (a->display_name && !c->display_name) ||
      (a->advertised_host && !c->advertised_host) ||
      (a->dns_servers && !c->dns_servers))
    rc = MSRP_ERR_NOMEM;
  if (!rc && a->tls) {
    c->has_tls = true;
    c->tls = *a->tls;
    const char **f[] = {&c->tls.cert_file, &c->tls.key_file, &c->tls.ca_file,
                        &c->tls.fingerprint, &c->tls.server_name};
    for (int i = 0; i < 5 && !rc; i++) {
      c->tls_strings[i] = msrp__strdup_or_null(*f[i]);
      if (*f[i] && !c->tls_strings[i])
        rc = MSRP_ERR_NOMEM;
      *f[i] = c->tls_strings[i];
    }
  }
  if (!rc && a->nrelays) {
    c->relays = calloc(a->nrelays, sizeof *c->relays);
    c->nrelays = a->nrelays;
    if (!c->relays)
      rc = MSRP_ERR_NOMEM;
    for (size_t i = 0; !rc && i < a->nrelays; i++) {
      c->relays[i] = a->relays[i];
      c->relays[i].uri = msrp__strdup_or_null(a->relays[i].uri);
      c->relays[i].username = msrp__strdup_or_null(a->relays[i].username);
      c->relays[i].password = msrp__strdup_or_null(a->relays[i].password);
      if (!c->relays[i].uri)
        rc = MSRP_ERR_NOMEM;
    }
  }
  if (!rc && a->logger) {
    c->logger = *a->logger;
    c->has_logger = true;
  }
  if (rc)
    msrp__account_clear(c);
  return rc;
}

msrp_connect_config msrp__account_connect_config(const msrp__account *a) {
  msrp_connect_config cfg = {0};
  cfg.tls = a->has_tls ? &a->tls : NULL;
  cfg.logger = a->has_logger ? &a->logger : NULL;
  cfg.relays = a->relays;
  cfg.nrelays = a->nrelays;
  cfg.advertise_host = a->advertised_host;
  cfg.dns_servers = a->dns_servers;
  return cfg;
}

int msrp__account_in_init(msrp__account_in *in, const msrp_account *a,
                          size_t account_size, size_t relay_size,
                          size_t tls_size) {
  memset(in, 0, sizeof *in);
  if (!a)
    return MSRP_ERR_INVALID_ARGUMENT;
  msrp__abi_in(&in->acc, sizeof in->acc, a, account_size);
  in->acc.tls = msrp__abi_in(&in->tls, sizeof in->tls, in->acc.tls, tls_size);
  int rc = msrp__abi_in_array((void **)&in->relays, sizeof *in->relays,
                              in->acc.relays, relay_size, in->acc.nrelays);
  in->acc.relays = in->relays;
  return rc;
}

int msrp__parse_remote_media(const char *sdp, bool application,
                             msrp_sdp_media **out) {
  /* the first section of the kind asked for: an m=application one
   * (desktop sharing) and an m=message one in the same body are two
   * streams' */
  size_t len = strlen(sdp), index = 0;
  for (size_t from = 0;; from = index + 1) {
    int rc = msrp_sdp_find_msrp_media(sdp, len, from, &index);
    if (rc)
      return rc;
    msrp_sdp_media *m;
    if ((rc = msrp_sdp_media_parse(&m, sdp, len, index, NULL)))
      return rc;
    if (!msrp_sdp_media_application(m) == !application) {
      *out = m;
      return 0;
    }
    msrp_sdp_media_free(m);
  }
}

int msrp__finish_local_media(msrp_sdp_media *m, const msrp__account *a,
                             const msrp_path *path, msrp_sdp_setup setup,
                             char **sdp) {
  /* RFC 6135: the side that connects says active; the other passive */
  int rc = msrp_sdp_media_set_setup(m, setup);
  /* RFC 6714: a middlebox may carry our connection (direct only: through
   * a relay, the relay is what peers reach) */
  if (!rc && a->cema && !a->nrelays)
    rc = msrp_sdp_media_set_cema(m);
  if (!rc && path->uris[path->count - 1].use_tls && a->has_tls &&
      a->tls.cert_file) {
    char fp[128];
    rc = msrp_tls_fingerprint_file(a->tls.cert_file, fp, sizeof fp);
    if (!rc)
      rc = msrp_sdp_media_add_fingerprint(m, "sha-256", fp + 8);
  }
  int n = rc ? rc : msrp_sdp_media_format(m, NULL, 0);
  if (n < 0)
    return n;
  char *text = malloc((size_t)n + 1);
  if (!text)
    return MSRP_ERR_NOMEM;
  msrp_sdp_media_format(m, text, (size_t)n + 1);
  free(*sdp);
  *sdp = text;
  return 0;
}

int msrp__keep_local_media(msrp_sdp_media *m, const msrp__account *a,
                           const msrp_path *path, msrp_sdp_setup setup,
                           char **sdp, msrp_sdp_media **keep) {
  int rc = msrp__finish_local_media(m, a, path, setup, sdp);
  if (rc) {
    msrp_sdp_media_free(m);
    return rc;
  }
  msrp_sdp_media_free(*keep);
  *keep = m;
  return 0;
}

int msrp__stream_prepare(uv_loop_t *loop, const msrp__account *a, bool connects,
                         msrp_connector **con, msrp_uri *local_uri,
                         msrp_prepare_cb cb, void *ud, int *pending) {
  msrp_connect_config cfg = msrp__account_connect_config(a);
  int rc = connects ? msrp_get_connector(con, loop, &cfg)
                    : msrp_get_acceptor(con, loop, &cfg);
  if (!rc)
    rc = msrp_uri_init(local_uri, a->use_tls, a->local_host, 0, NULL, NULL);
  if (!rc) {
    (*pending)++;
    rc = msrp_connector_prepare(*con, local_uri, cb, ud);
    if (rc)
      (*pending)--;
  }
  if (rc) {
    msrp_connector_free(*con);
    *con = NULL;
  }
  return rc;
}

int msrp__answer_setup(const msrp_sdp_media *offer, bool *connects,
                       msrp_sdp_setup *setup) {
  msrp_sdp_action action;
  int rc =
      msrp_sdp_setup_negotiate(MSRP_SDP_ANSWERER, MSRP_SDP_SETUP_ACTIVE,
                               msrp_sdp_media_setup(offer), &action, setup);
  if (!rc && action == MSRP_SDP_HOLD)
    rc = MSRP_ERR_NOT_SUPPORTED; /* holdconn: nothing to carry */
  if (!rc)
    *connects = action == MSRP_SDP_CONNECT;
  return rc;
}

int msrp__check_setup(bool offerer, bool connects, const msrp_sdp_media *local,
                      const msrp_sdp_media *remote) {
  msrp_sdp_action action;
  msrp_sdp_setup result;
  int rc =
      msrp_sdp_setup_negotiate(offerer ? MSRP_SDP_OFFERER : MSRP_SDP_ANSWERER,
                               msrp_sdp_media_setup(local),
                               msrp_sdp_media_setup(remote), &action, &result);
  if (!rc && action != (connects ? MSRP_SDP_CONNECT : MSRP_SDP_ACCEPT))
    rc = MSRP_ERR_NOT_SUPPORTED;
  return rc;
}

/* Directly over TLS, the remote certificate is the one its SDP names. */
static int pin_remote_certificate(msrp_connector *con, const msrp__account *a,
                                  const msrp_sdp_media *remote) {
  const msrp_path *path = msrp_sdp_media_path(remote);
  if (a->nrelays || (a->has_tls && a->tls.fingerprint) || !path ||
      path->count != 1 || !path->uris[0].use_tls)
    return 0;
  for (size_t i = 0; i < msrp_sdp_media_fingerprint_count(remote); i++) {
    const char *hash, *value;
    if (msrp_sdp_media_fingerprint(remote, i, &hash, &value) == 0 &&
        msrp__ieq_lit(hash, strlen(hash), "sha-256"))
      return msrp_connector_set_peer_fingerprint(con, value);
  }
  return 0;
}

int msrp__before_complete(msrp_connector *con, const msrp__account *a,
                          const msrp_sdp_media *local,
                          const msrp_sdp_media *remote, bool connects) {
  int rc = pin_remote_certificate(con, a, remote);
  /* RFC 6714: both said a=msrp-cema (ours only when we offer it) */
  if (rc || !msrp_sdp_media_cema(local) || !msrp_sdp_media_cema(remote))
    return rc;
  const char *host = msrp_sdp_media_address(remote, NULL);
  int port = msrp_sdp_media_port(remote);
  return msrp_connector_set_cema(
      con, connects && host && port > 0 ? host : NULL, port);
}

int msrp__join_types(char **out, char *const *types, size_t n) {
  msrp__buf b = {0};
  int rc = 0;
  for (size_t i = 0; !rc && i < n; i++) {
    rc = msrp__buf_append_str(&b, i ? " " : "");
    if (!rc)
      rc = msrp__buf_append_str(&b, types[i]);
  }
  if (!rc && !b.data)
    rc = msrp__buf_append_str(&b, "");
  if (rc) {
    msrp__buf_free(&b);
    return rc;
  }
  *out = b.data;
  return 0;
}
