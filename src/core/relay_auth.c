/* SPDX-License-Identifier: MIT
 * Copyright (c) 2026 The libmsrp authors */
/* The client side of RFC 4976 AUTH as a state machine; see relay_auth.h. */
#include <msrp/relay_auth.h>

#include <msrp/auth.h>

#include "core/util.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define DEFAULT_ATTEMPTS 4

struct msrp_relay_auth {
  msrp_uri relay, local;
  char *user, *pass;
  uint32_t expires, granted;
  int max_attempts, attempts;
  msrp_relay_auth_state state;
  char tid[16];
  msrp_digest_challenge challenge;
  bool challenged; /* `challenge` holds the relay's latest */
  unsigned nc;     /* nonce count of the last Authorization */
  char authorization[1024];
  msrp_path use_path;
  int code, error;
};

static int relay_auth_new(msrp_relay_auth **out,
                          const msrp_relay_auth_config *cfg) {
  if (!out || !cfg || !cfg->relay || !cfg->local)
    return MSRP_ERR_INVALID_ARGUMENT;
  msrp_relay_auth *a = calloc(1, sizeof *a);
  if (!a)
    return MSRP_ERR_NOMEM;
  a->relay = (msrp_uri)MSRP_URI_INIT;
  a->local = (msrp_uri)MSRP_URI_INIT;
  a->use_path = (msrp_path)MSRP_PATH_INIT;
  int rc = msrp_uri_copy(&a->relay, cfg->relay);
  if (!rc)
    rc = msrp_uri_copy(&a->local, cfg->local);
  a->user = msrp__strdup_or_null(cfg->username);
  a->pass = msrp__strdup_or_null(cfg->password);
  if (!rc && ((cfg->username && !a->user) || (cfg->password && !a->pass)))
    rc = MSRP_ERR_NOMEM;
  if (rc) {
    msrp_relay_auth_free(a);
    return rc;
  }
  a->expires = cfg->expires;
  a->max_attempts =
      cfg->max_attempts > 0 ? cfg->max_attempts : DEFAULT_ATTEMPTS;
  a->state = MSRP_RELAY_AUTH_SEND;
  *out = a;
  return 0;
}

void msrp_relay_auth_free(msrp_relay_auth *a) {
  if (!a)
    return;
  msrp_uri_clear(&a->relay);
  msrp_uri_clear(&a->local);
  msrp_path_clear(&a->use_path);
  free(a->user);
  free(a->pass);
  free(a);
}

msrp_relay_auth_state msrp_relay_auth_state_of(const msrp_relay_auth *a) {
  return a->state;
}

const char *msrp_relay_auth_tid(const msrp_relay_auth *a) {
  return a->state == MSRP_RELAY_AUTH_WAIT ? a->tid : "";
}

const msrp_path *msrp_relay_auth_use_path(const msrp_relay_auth *a) {
  return a->state == MSRP_RELAY_AUTH_DONE ? &a->use_path : NULL;
}

uint32_t msrp_relay_auth_granted(const msrp_relay_auth *a) {
  return a->granted;
}

int msrp_relay_auth_code(const msrp_relay_auth *a) {
  return a->code;
}

int msrp_relay_auth_error(const msrp_relay_auth *a) {
  return a->error;
}

void msrp_relay_auth_restart(msrp_relay_auth *a, uint32_t expires) {
  if (expires)
    a->expires = expires;
  a->attempts = 0;
  a->challenged = false;
  a->authorization[0] = '\0';
  a->code = a->error = 0;
  a->state = MSRP_RELAY_AUTH_SEND;
}

static void fail(msrp_relay_auth *a, int code, int error) {
  a->state = MSRP_RELAY_AUTH_FAILED;
  a->code = code;
  a->error = error;
}

/* The Authorization answering the challenge held, with nonce count nc. */
static int authorize(msrp_relay_auth *a, unsigned nc) {
  if (!a->user || !a->pass)
    return MSRP_ERR_RELAY_AUTH;
  char uri[512];
  msrp_uri_format(&a->relay, uri, sizeof uri);
  int n = msrp_digest_authorization(&a->challenge, a->user, a->pass, "AUTH",
                                    uri, NULL, nc, a->authorization,
                                    sizeof a->authorization);
  if (n < 0)
    return n;
  if ((size_t)n >= sizeof a->authorization)
    return MSRP_ERR_INVALID_ARGUMENT;
  a->nc = nc;
  return 0;
}

int msrp_relay_auth_request(msrp_relay_auth *a, msrp_chunk **out) {
  if (!a || !out)
    return MSRP_ERR_INVALID_ARGUMENT;
  if (a->state != MSRP_RELAY_AUTH_SEND)
    return MSRP_ERR_BUSY;
  msrp_chunk *c;
  int rc = msrp_chunk_new_request(&c, NULL, "AUTH");
  if (rc)
    return rc;
  msrp_path to = {1, &a->relay}, from = {1, &a->local};
  char num[16];
  snprintf(num, sizeof num, "%u", (unsigned)a->expires);
  if ((rc = msrp_chunk_set_to_path(c, &to)) ||
      (rc = msrp_chunk_set_from_path(c, &from)) ||
      (a->expires && (rc = msrp_chunk_set_header(c, "Expires", num))) ||
      (a->authorization[0] &&
       (rc = msrp_chunk_set_header(c, "Authorization", a->authorization)))) {
    msrp_chunk_free(c);
    return rc;
  }
  snprintf(a->tid, sizeof a->tid, "%s", msrp_chunk_transaction_id(c));
  a->attempts++;
  a->state = MSRP_RELAY_AUTH_WAIT;
  *out = c;
  return 0;
}

/* Another AUTH, if attempts remain. */
static void again(msrp_relay_auth *a, int code) {
  if (a->attempts >= a->max_attempts)
    fail(a, code, MSRP_ERR_RELAY_AUTH);
  else
    a->state = MSRP_RELAY_AUTH_SEND;
}

int msrp_relay_auth_response(msrp_relay_auth *a, const msrp_chunk *resp) {
  if (!a || !resp || a->state != MSRP_RELAY_AUTH_WAIT ||
      msrp_chunk_is_request(resp) ||
      strcmp(msrp_chunk_transaction_id(resp), a->tid) != 0)
    return 0;
  int code = msrp_chunk_code(resp);
  if (code == 401) {
    /* the first challenge, or a fresh one after a stale nonce */
    const char *www = msrp_chunk_header_by_id(resp, MSRP_HDR_WWW_AUTHENTICATE);
    bool answered = a->challenged;
    int rc = www ? msrp_digest_parse_challenge(www, &a->challenge)
                 : MSRP_ERR_DIGEST_SYNTAX;
    if (!rc && answered && !a->challenge.stale)
      rc = MSRP_ERR_RELAY_AUTH; /* our answer was wrong, not late */
    if (!rc)
      rc = authorize(a, 1);
    if (rc) {
      fail(a, code, rc);
      return 1;
    }
    a->challenged = true;
    again(a, code);
  } else if (code == 423) {
    /* RFC 4976 5.3: the interval is out of bounds; ask for the relay's */
    uint32_t v;
    if (msrp_chunk_expiry(resp, MSRP_HDR_MIN_EXPIRES, &v) == 0 &&
        v > a->expires)
      a->expires = v;
    else if (msrp_chunk_expiry(resp, MSRP_HDR_MAX_EXPIRES, &v) == 0 &&
             v < a->expires)
      a->expires = v;
    else {
      fail(a, code, MSRP_ERR_RELAY_AUTH);
      return 1;
    }
    /* the same nonce once more, with the next count */
    int rc = a->challenged ? authorize(a, a->nc + 1) : 0;
    if (rc)
      fail(a, code, rc);
    else
      again(a, code);
  } else if (code == 200) {
    /* the reservation's Use-Path; a refresh may leave it out */
    const msrp_path *use = msrp_chunk_use_path(resp);
    if (use && use->count) {
      msrp_path copy = MSRP_PATH_INIT;
      if (msrp_path_copy(&copy, use)) {
        fail(a, code, MSRP_ERR_NOMEM);
        return 1;
      }
      msrp_path_clear(&a->use_path);
      a->use_path = copy;
    } else if (a->use_path.count == 0) {
      fail(a, code, MSRP_ERR_RELAY_AUTH); /* a reservation needs one */
      return 1;
    }
    a->granted = a->expires;
    msrp_chunk_expiry(resp, MSRP_HDR_EXPIRES, &a->granted);
    a->code = 200;
    a->state = MSRP_RELAY_AUTH_DONE;
  } else {
    fail(a, code, MSRP_ERR_RELAY_AUTH);
  }
  return 1;
}

/* ---- the path algebra of RFC 4976 section 6 ---------------------------- */

static int concat(msrp_path *out, const msrp_path *a, const msrp_uri *uris,
                  size_t n) {
  if (!out || !a || !uris || !n)
    return MSRP_ERR_INVALID_ARGUMENT;
  msrp_path p = MSRP_PATH_INIT;
  int rc = msrp_path_copy(&p, a);
  for (size_t i = 0; !rc && i < n; i++)
    rc = msrp_path_append(&p, &uris[i]);
  if (rc) {
    msrp_path_clear(&p);
    return rc;
  }
  msrp_path_clear(out);
  *out = p;
  return 0;
}

int msrp_relay_local_path(msrp_path *out, const msrp_path *use_path,
                          const msrp_uri *local) {
  return concat(out, use_path, local, 1);
}

int msrp_relay_to_path(msrp_path *out, const msrp_path *use_path,
                       const msrp_path *remote) {
  return concat(out, use_path, remote ? remote->uris : NULL,
                remote ? remote->count : 0);
}

int msrp_relay_auth_new_sized(msrp_relay_auth **out,
                              const msrp_relay_auth_config *config,
                              size_t config_size) {
  msrp_relay_auth_config c;
  return relay_auth_new(out, msrp__abi_in(&c, sizeof c, config, config_size));
}
