/* SPDX-License-Identifier: MIT
 * Copyright (c) 2026 The libmsrp authors */
/* Keeping a relay reservation alive (RFC 4976 section 5): AUTH again on
 * the session's connection before it lapses, with the core's AUTH state
 * machine (relay_auth.h). */
#include "core/engine_internal.h"

#include "core/chunk_internal.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void refresh_done(msrp_engine *e, int status, int code,
                         uint32_t granted);
static void on_auth_answer(msrp_engine *e, int status, const msrp_chunk *resp,
                           void *ud);
static int send_auth(msrp_engine *e);

static void schedule_refresh(msrp_engine *e, uint32_t granted) {
  /* at three quarters of the time granted, and no later than 5 s before
   * it lapses */
  uint64_t ms = (uint64_t)granted * 1000;
  uint64_t at = ms * 3 / 4;
  if (ms > 5000 && ms - at < 5000)
    at = ms - 5000;
  e->keep.at = e->now + (at ? at : 1);
}

static void refresh_done(msrp_engine *e, int status, int code,
                         uint32_t granted) {
  e->keep.waiting = false;
  if (e->cb.on_relay_refresh)
    e->cb.on_relay_refresh(e, status, code, granted, e->ud);
}

static void on_auth_answer(msrp_engine *e, int status, const msrp_chunk *resp,
                           void *ud) {
  (void)ud;
  if (status)
    return; /* the engine is going away */
  msrp_relay_auth *a = e->keep.auth;
  msrp_relay_auth_response(a, resp);
  switch (msrp_relay_auth_state_of(a)) {
  case MSRP_RELAY_AUTH_SEND: {
    int rc = send_auth(e);
    if (rc) {
      msrp__engine_log(e, "relay refresh: %s", msrp_strerror(rc));
      refresh_done(e, rc, 0, 0);
    }
    return;
  }
  case MSRP_RELAY_AUTH_DONE:
    schedule_refresh(e, msrp_relay_auth_granted(a));
    refresh_done(e, 0, 200, msrp_relay_auth_granted(a));
    return;
  default:
    msrp__engine_log(e, "relay refresh failed: %d %s", msrp_relay_auth_code(a),
                     msrp_chunk_comment(resp) ? msrp_chunk_comment(resp) : "");
    refresh_done(e, MSRP_ERR_RELAY_AUTH, msrp_relay_auth_code(a), 0);
  }
}

static int send_auth(msrp_engine *e) {
  msrp_chunk *c;
  int rc = msrp_relay_auth_request(e->keep.auth, &c);
  if (rc)
    return rc;
  bool shut = e->shut;
  e->shut = false; /* keeping the reservation is not new traffic */
  rc = msrp_engine_send_chunk(e, c, on_auth_answer, NULL);
  e->shut = shut;
  if (rc)
    msrp_chunk_free(c);
  return rc;
}

void msrp__refresh_now(msrp_engine *e) {
  e->keep.waiting = true;
  e->keep.at = 0;
  msrp_relay_auth_restart(e->keep.auth, 0);
  int rc = send_auth(e);
  if (rc) {
    msrp__engine_log(e, "relay refresh: %s", msrp_strerror(rc));
    refresh_done(e, rc, 0, 0);
  }
}

static int keep_relay(msrp_engine *e, const msrp_relay_refresh *r,
                      uint64_t now) {
  if (!e || !r || !r->relay || !r->local || !r->username || !r->password ||
      !r->expires)
    return MSRP_ERR_INVALID_ARGUMENT;
  msrp_relay_auth *a;
  int rc =
      msrp_relay_auth_new(&a, &(msrp_relay_auth_config){.relay = r->relay,
                                                        .local = r->local,
                                                        .username = r->username,
                                                        .password = r->password,
                                                        .expires = r->expires});
  if (rc)
    return rc;
  msrp_relay_auth_free(e->keep.auth);
  e->keep.auth = a;
  e->keep.waiting = false;
  e->now = now;
  schedule_refresh(e, r->granted ? r->granted : r->expires);
  return 0;
}

int msrp_engine_keep_relay_sized(msrp_engine *e, const msrp_relay_refresh *r,
                                 uint64_t now, size_t refresh_size) {
  msrp_relay_refresh q;
  return keep_relay(e, msrp__abi_in(&q, sizeof q, r, refresh_size), now);
}
