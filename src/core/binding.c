/* SPDX-License-Identifier: MIT
 * Copyright (c) 2026 The libmsrp authors */
/* Binding a connection to a session, both sides, with no I/O; see
 * binding.h. */
#include <msrp/binding.h>

#include "core/chunk_internal.h"
#include "core/util.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#define HELD_MAX 64
#define HELD_MAX_BYTES (256u << 10)

typedef struct held {
  msrp_held_request r;
  msrp__buf body;
  struct held *next;
} held;

struct msrp_binding {
  bool active;
  msrp_binding_state state;
  int error;
  msrp_path local, remote;
  char tid[80];  /* active: our binding SEND's */
  bool answer;   /* active: the chunk being read is the answer */
  held *holding; /* active: the request being kept */
  held *held, *held_tail;
  size_t nheld, held_bytes;
  msrp_chunk *request; /* passive: the first request's headers */
  bool await_end;      /* passive: accepted empty SEND, 200 at its end */
  bool on_data;
  char *out; /* bytes to write */
  size_t out_len;
  bool by_session_id; /* RFC 6714 CEMA: paths matched by session id */
};

static void held_free(held *h) {
  if (!h)
    return;
  msrp_chunk_free(h->r.chunk);
  msrp__buf_free(&h->body);
  free(h);
}

void msrp_binding_free(msrp_binding *b) {
  if (!b)
    return;
  held_free(b->holding);
  while (b->held) {
    held *h = b->held;
    b->held = h->next;
    held_free(h);
  }
  msrp_chunk_free(b->request);
  msrp_path_clear(&b->local);
  msrp_path_clear(&b->remote);
  free(b->out);
  free(b);
}

static msrp_binding *binding_new(bool active) {
  msrp_binding *b = calloc(1, sizeof *b);
  if (b) {
    b->active = active;
    b->state = MSRP_BINDING_WAIT;
    b->local = (msrp_path)MSRP_PATH_INIT;
    b->remote = (msrp_path)MSRP_PATH_INIT;
  }
  return b;
}

/* Queue `c` (freed here) as output. */
static int put(msrp_binding *b, msrp_chunk *c) {
  char *bytes;
  size_t len;
  int rc = msrp_chunk_to_bytes(c, &bytes, &len);
  msrp_chunk_free(c);
  if (rc)
    return rc;
  free(b->out);
  b->out = bytes;
  b->out_len = len;
  return 0;
}

int msrp_binding_new_active(msrp_binding **out, const msrp_path *local,
                            const msrp_path *remote) {
  if (!out || !local || !remote || !local->count || !remote->count)
    return MSRP_ERR_INVALID_ARGUMENT;
  msrp_binding *b = binding_new(true);
  if (!b)
    return MSRP_ERR_NOMEM;
  msrp_chunk *c = NULL;
  msrp_chunk_params p = {.to_path = remote, .from_path = local};
  int rc = msrp_path_copy(&b->local, local);
  if (!rc)
    rc = msrp_path_copy(&b->remote, remote);
  if (!rc)
    rc = msrp_chunk_make(&c, &p);
  if (!rc) {
    memcpy(b->tid, msrp_chunk_transaction_id(c),
           strlen(msrp_chunk_transaction_id(c)) + 1);
    rc = put(b, c);
  }
  if (rc) {
    msrp_binding_free(b);
    return rc;
  }
  *out = b;
  return 0;
}

int msrp_binding_new_passive(msrp_binding **out) {
  if (!out)
    return MSRP_ERR_INVALID_ARGUMENT;
  msrp_binding *b = binding_new(false);
  if (!b)
    return MSRP_ERR_NOMEM;
  *out = b;
  return 0;
}

msrp_binding_state msrp_binding_state_of(const msrp_binding *b) {
  return b->state;
}

int msrp_binding_error(const msrp_binding *b) {
  return b->error;
}

int msrp_binding_output(msrp_binding *b, const char **data, size_t *len) {
  if (!b->out)
    return 0;
  *data = b->out;
  *len = b->out_len;
  return 1;
}

void msrp_binding_output_done(msrp_binding *b) {
  free(b->out);
  b->out = NULL;
  b->out_len = 0;
}

static msrp_binding_state fail(msrp_binding *b, int error) {
  held_free(b->holding);
  b->holding = NULL;
  b->state = MSRP_BINDING_FAILED;
  b->error = error;
  return b->state;
}

/* Answer `request` with `code` (if it wants one) and fail with `error`. */
static msrp_binding_state refuse(msrp_binding *b, const msrp_chunk *request,
                                 int code, int error) {
  msrp_chunk *resp;
  if (msrp_chunk_wants_response(request, code) &&
      msrp_chunk_make_response(&resp, request, code, NULL) == 0 &&
      put(b, resp) != 0)
    error = MSRP_ERR_NOMEM;
  return fail(b, error);
}

/* ---- active ----------------------------------------------------------- */

/* Whether the answer to our binding SEND comes back to us from the first
 * hop (RFC 4975 section 7.2). */
static int check_answer(const msrp_binding *b, const msrp_chunk *c) {
  if (msrp_chunk_code(c) != 200)
    return MSRP_ERR_BIND_REFUSED;
  const msrp_path *to = msrp_chunk_to_path(c);
  const msrp_path *from = msrp_chunk_from_path(c);
  if (!to || !from || !to->count || !from->count ||
      !msrp__uri_matches(&to->uris[to->count - 1],
                         &b->local.uris[b->local.count - 1],
                         b->by_session_id) ||
      !msrp__uri_matches(&from->uris[0], &b->remote.uris[0], b->by_session_id))
    return MSRP_ERR_BIND_PATH;
  return 0;
}

static msrp_binding_state active_event(msrp_binding *b, const msrp_event *ev) {
  const msrp_chunk *c = ev->chunk;
  if (ev->type == MSRP_EVENT_HEADERS) {
    if (!msrp_chunk_is_request(c)) {
      if (strcmp(msrp_chunk_transaction_id(c), b->tid) != 0)
        return fail(b, MSRP_ERR_BIND_REFUSED); /* an answer to what? */
      b->answer = true;
      return b->state;
    }
    int code = msrp_chunk_error(c)
                   ? MSRP_STATUS_BAD_REQUEST
                   : msrp_chunk_check_session_mode(c, &b->local, &b->remote,
                                                   b->by_session_id);
    if (code)
      return refuse(b, c, code, MSRP_ERR_BIND_PATH);
    if (b->nheld >= HELD_MAX)
      return fail(b, MSRP_ERR_BIND_BACKLOG);
    held *h = calloc(1, sizeof *h);
    if (!h || msrp_chunk_dup(&h->r.chunk, c)) {
      free(h);
      return fail(b, MSRP_ERR_NOMEM);
    }
    b->holding = h;
    return b->state;
  }
  if (ev->type == MSRP_EVENT_BODY) {
    if (!b->holding)
      return b->state;
    if (b->held_bytes + ev->len > HELD_MAX_BYTES)
      return fail(b, MSRP_ERR_BIND_BACKLOG);
    if (msrp__buf_append(&b->holding->body, ev->data, ev->len))
      return fail(b, MSRP_ERR_NOMEM);
    b->held_bytes += ev->len;
    return b->state;
  }
  if (ev->type != MSRP_EVENT_END)
    return b->state;
  if (b->holding) {
    held *h = b->holding;
    b->holding = NULL;
    h->r.flag = ev->flag;
    h->r.range = ev->range;
    if (b->held_tail)
      b->held_tail->next = h;
    else
      b->held = h;
    b->held_tail = h;
    b->nheld++;
    return b->state;
  }
  if (!b->answer)
    return b->state;
  int rc = check_answer(b, c);
  if (rc)
    return fail(b, rc);
  b->state = MSRP_BINDING_BOUND;
  return b->state;
}

int msrp_binding_take_held(msrp_binding *b, msrp_held_request *out) {
  held *h = b->held;
  if (!h)
    return 0;
  b->held = h->next;
  if (!b->held)
    b->held_tail = NULL;
  b->nheld--;
  b->held_bytes -= h->body.len;
  *out = h->r;
  out->body = (uint8_t *)h->body.data;
  out->len = h->body.len;
  free(h);
  return 1;
}

/* ---- passive ---------------------------------------------------------- */

static msrp_binding_state passive_event(msrp_binding *b, const msrp_event *ev) {
  const msrp_chunk *c = ev->chunk;
  if (b->await_end) {
    if (ev->type != MSRP_EVENT_END)
      return b->state;
    /* the accepted empty SEND is over: its 200 */
    msrp_chunk *resp;
    b->await_end = false;
    int rc = msrp_chunk_wants_response(c, 200)
                 ? msrp_chunk_make_response(&resp, c, 200, NULL)
                 : 0;
    if (!rc && msrp_chunk_wants_response(c, 200))
      rc = put(b, resp);
    if (rc)
      return fail(b, MSRP_ERR_NOMEM);
    b->state = MSRP_BINDING_BOUND;
    return b->state;
  }
  if (ev->type != MSRP_EVENT_HEADERS || b->state != MSRP_BINDING_WAIT)
    return b->state;
  if (!msrp_chunk_is_request(c))
    return fail(b, MSRP_ERR_BIND_PATH); /* a response before any request */
  if (msrp_chunk_method_id(c) != MSRP_METHOD_SEND)
    return refuse(b, c, MSRP_STATUS_NO_SESSION, MSRP_ERR_BIND_PATH);
  if (msrp_chunk_error(c)) /* maybe without the paths to decide on */
    return refuse(b, c, MSRP_STATUS_BAD_REQUEST, MSRP_ERR_BIND_PATH);
  if (msrp_chunk_dup(&b->request, c))
    return fail(b, MSRP_ERR_NOMEM);
  b->state = MSRP_BINDING_DECIDE;
  return b->state;
}

const msrp_chunk *msrp_binding_request(const msrp_binding *b) {
  return b->state == MSRP_BINDING_DECIDE ? b->request : NULL;
}

void msrp_binding_match_session_id_only(msrp_binding *b, int on) {
  if (b)
    b->by_session_id = on != 0;
}

int msrp_binding_decide(msrp_binding *b, int code) {
  if (!b || b->state != MSRP_BINDING_DECIDE)
    return MSRP_ERR_BUSY;
  if (code) {
    refuse(b, b->request, code, MSRP_ERR_BIND_PATH);
    return 0;
  }
  if (msrp_chunk_has_content(b->request)) {
    /* a SEND with data binds too; its events are the session's */
    b->on_data = true;
    b->state = MSRP_BINDING_BOUND;
  } else {
    b->await_end = true;
    b->state = MSRP_BINDING_WAIT;
  }
  return 0;
}

int msrp_binding_bound_on_data(const msrp_binding *b) {
  return b->on_data;
}

msrp_binding_state msrp_binding_event(msrp_binding *b, const msrp_event *ev) {
  if (b->state == MSRP_BINDING_BOUND || b->state == MSRP_BINDING_FAILED)
    return b->state;
  return b->active ? active_event(b, ev) : passive_event(b, ev);
}
