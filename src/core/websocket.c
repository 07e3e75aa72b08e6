/* SPDX-License-Identifier: MIT
 * Copyright (c) 2026 The libmsrp authors */
/* MSRP over WebSocket (RFC 7977), client side, sans I/O: the upgrade and
 * the framing, with wslay on memory buffers; see websocket.h. */
#include "core/websocket.h"

#include <msrp/common.h>
#include <msrp/parser.h>

#include "core/util.h"

#include <openssl/evp.h>
#include <openssl/rand.h>
#include <openssl/sha.h>
#include <unistr.h>
#include <wslay/wslay.h>

#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define GUID "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"

struct msrp__ws {
  wslay_event_context_ptr ctx;
  char key[25];
  bool open, failed, close_queued;
  bool nomem; /* one of our callbacks ran out of memory */
  char error[200];
  msrp__buf http; /* the upgrade response, until its empty line */
  const uint8_t *feed;
  size_t feed_len;
  msrp__buf in; /* MSRP bytes from messages, read up to in_off */
  size_t in_off;
  msrp__buf out; /* bytes to send */
  /* our output, until each chunk's end-line: one message per chunk */
  msrp_parser *p;
  msrp__buf msg;
  size_t scanned;
};

static int fail(msrp__ws *w, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(w->error, sizeof w->error, fmt, ap);
  va_end(ap);
  w->failed = true;
  return MSRP_ERR_WEBSOCKET;
}

/* ---- wslay on memory ------------------------------------------------------
 */

static ssize_t ws_recv(wslay_event_context_ptr ctx, uint8_t *buf, size_t len,
                       int flags, void *ud) {
  (void)flags;
  msrp__ws *w = ud;
  if (!w->feed_len) {
    wslay_event_set_error(ctx, WSLAY_ERR_WOULDBLOCK);
    return -1;
  }
  size_t n = len < w->feed_len ? len : w->feed_len;
  memcpy(buf, w->feed, n);
  w->feed += n;
  w->feed_len -= n;
  return (ssize_t)n;
}

static ssize_t ws_send(wslay_event_context_ptr ctx, const uint8_t *data,
                       size_t len, int flags, void *ud) {
  (void)flags;
  msrp__ws *w = ud;
  if (msrp__buf_append(&w->out, data, len)) {
    w->nomem = true;
    wslay_event_set_error(ctx, WSLAY_ERR_CALLBACK_FAILURE);
    return -1;
  }
  return (ssize_t)len;
}

static int ws_genmask(wslay_event_context_ptr ctx, uint8_t *buf, size_t len,
                      void *ud) {
  (void)ud;
  if (RAND_bytes(buf, (int)len) != 1) {
    wslay_event_set_error(ctx, WSLAY_ERR_CALLBACK_FAILURE);
    return -1;
  }
  return 0;
}

static void ws_message(wslay_event_context_ptr ctx,
                       const struct wslay_event_on_msg_recv_arg *arg,
                       void *ud) {
  msrp__ws *w = ud;
  if (arg->opcode != WSLAY_TEXT_FRAME && arg->opcode != WSLAY_BINARY_FRAME)
    return;        /* ping, pong, close: wslay answers them */
  if (w->in_off) { /* what was read makes room */
    memmove(w->in.data, w->in.data + w->in_off, w->in.len - w->in_off);
    w->in.len -= w->in_off;
    w->in_off = 0;
  }
  if (msrp__buf_append(&w->in, arg->msg, arg->msg_length)) {
    w->nomem = true;
    wslay_event_set_error(ctx, WSLAY_ERR_CALLBACK_FAILURE);
  }
}

/* ---- the upgrade ----------------------------------------------------------
 */

void msrp__ws_accept_for(const char *key, char out[29]) {
  char cat[64];
  unsigned char sha[SHA_DIGEST_LENGTH];
  int n = snprintf(cat, sizeof cat, "%s" GUID, key);
  SHA1((const unsigned char *)cat, (size_t)n, sha);
  EVP_EncodeBlock((unsigned char *)out, sha, SHA_DIGEST_LENGTH);
}

int msrp__ws_client_new(msrp__ws **out, const char *host, int port,
                        const char *path, int secure) {
  if (!out || !host || !*host || port <= 0 || port > 65535 ||
      msrp__has_ctl(host, strlen(host)) || strchr(host, ' ') ||
      (path && (path[0] != '/' || msrp__has_ctl(path, strlen(path)) ||
                strchr(path, ' '))))
    return MSRP_ERR_INVALID_ARGUMENT;
  msrp__ws *w = calloc(1, sizeof *w);
  if (!w)
    return MSRP_ERR_NOMEM;
  unsigned char raw[16];
  if (RAND_bytes(raw, sizeof raw) != 1) {
    free(w);
    return MSRP_ERR_RANDOM;
  }
  EVP_EncodeBlock((unsigned char *)w->key, raw, sizeof raw);
  struct wslay_event_callbacks cbs = {.recv_callback = ws_recv,
                                      .send_callback = ws_send,
                                      .genmask_callback = ws_genmask,
                                      .on_msg_recv_callback = ws_message};
  if (wslay_event_context_client_init(&w->ctx, &cbs, w) ||
      msrp_parser_new(&w->p, NULL)) {
    msrp__ws_free(w);
    return MSRP_ERR_NOMEM;
  }
  wslay_event_config_set_max_recv_msg_length(w->ctx, MSRP__WS_MAX_MESSAGE);
  /* RFC 6455 4.1: Host with the port unless the scheme implies it */
  bool v6 = strchr(host, ':') != NULL;
  char port_text[8] = "";
  if (port != (secure ? 443 : 80))
    snprintf(port_text, sizeof port_text, ":%d", port);
  char req[1024];
  int n = snprintf(req, sizeof req,
                   "GET %s HTTP/1.1\r\n"
                   "Host: %s%s%s%s\r\n"
                   "Upgrade: websocket\r\n"
                   "Connection: Upgrade\r\n"
                   "Sec-WebSocket-Key: %s\r\n"
                   "Sec-WebSocket-Version: 13\r\n"
                   "Sec-WebSocket-Protocol: msrp\r\n"
                   "\r\n",
                   path ? path : "/", v6 ? "[" : "", host, v6 ? "]" : "",
                   port_text, w->key);
  if (n < 0 || (size_t)n >= sizeof req ||
      msrp__buf_append(&w->out, req, (size_t)n)) {
    msrp__ws_free(w);
    return n < 0 || (size_t)n >= sizeof req ? MSRP_ERR_INVALID_ARGUMENT
                                            : MSRP_ERR_NOMEM;
  }
  *out = w;
  return 0;
}

void msrp__ws_free(msrp__ws *w) {
  if (!w)
    return;
  if (w->ctx)
    wslay_event_context_free(w->ctx);
  msrp_parser_free(w->p);
  msrp__buf_free(&w->http);
  msrp__buf_free(&w->in);
  msrp__buf_free(&w->out);
  msrp__buf_free(&w->msg);
  free(w);
}

/* The value of header `name` in the response head (lines after the status
 * line), trimmed; NULL when absent; *dup set when it appears twice. */
static const char *header(const char *head, const char *name, size_t *len,
                          bool *dup) {
  const char *found = NULL;
  size_t nl = strlen(name);
  for (const char *l = strstr(head, "\r\n"); l && l[2];
       l = strstr(l + 2, "\r\n")) {
    const char *s = l + 2, *e = strstr(s, "\r\n");
    if (!e)
      break;
    const char *colon = memchr(s, ':', (size_t)(e - s));
    if (!colon || !msrp__ieq(s, (size_t)(colon - s), name, nl))
      continue;
    const char *v = colon + 1;
    while (v < e && (*v == ' ' || *v == '\t'))
      v++;
    const char *ve = e;
    while (ve > v && (ve[-1] == ' ' || ve[-1] == '\t'))
      ve--;
    if (found)
      *dup = true;
    found = v;
    *len = (size_t)(ve - v);
  }
  return found;
}

/* Whether a comma-separated header value has `token`. */
static bool has_token(const char *v, size_t len, const char *token) {
  size_t pos = 0, a, b;
  while (msrp__list_next(v, len, &pos, &a, &b))
    if (msrp__ieq_lit(v + a, b - a, token))
      return true;
  return false;
}

/* The response's head is whole (NUL-terminated, its empty line
 * included): the upgrade is accepted or not. */
static int check_response(msrp__ws *w, const char *head) {
  int code = 0;
  if (strncmp(head, "HTTP/1.1 ", 9) != 0 || sscanf(head + 9, "%3d", &code) != 1)
    return fail(w, "the server did not answer the upgrade in HTTP/1.1");
  if (code != 101)
    return fail(w, "the server refused the WebSocket upgrade: %.*s", 60,
                head + 9);
  size_t len = 0;
  bool dup = false;
  const char *v = header(head, "Upgrade", &len, &dup);
  if (!v || dup || !msrp__ieq_lit(v, len, "websocket"))
    return fail(w, "the upgrade response has no \"Upgrade: websocket\"");
  v = header(head, "Connection", &len, &dup);
  if (!v || !has_token(v, len, "upgrade"))
    return fail(w, "the upgrade response has no \"Connection: Upgrade\"");
  char want[29];
  msrp__ws_accept_for(w->key, want);
  dup = false;
  v = header(head, "Sec-WebSocket-Accept", &len, &dup);
  if (!v || dup || len != 28 || memcmp(v, want, 28) != 0)
    return fail(w, "the server's Sec-WebSocket-Accept is not the one for our "
                   "key");
  dup = false;
  v = header(head, "Sec-WebSocket-Protocol", &len, &dup);
  if (!v || dup || !msrp__ieq_lit(v, len, "msrp"))
    return fail(w, "the server did not agree to the msrp subprotocol");
  dup = false;
  if (header(head, "Sec-WebSocket-Extensions", &len, &dup))
    return fail(w, "the server named extensions we did not ask for");
  w->open = true;
  return 0;
}

/* ---- reading ----------------------------------------------------------------
 */

static int frames_in(msrp__ws *w, const uint8_t *data, size_t len) {
  w->feed = data;
  w->feed_len = len;
  int rc = wslay_event_recv(w->ctx);
  w->feed_len = 0;
  if (rc == WSLAY_ERR_NOMEM || w->nomem)
    return MSRP_ERR_NOMEM;
  if (rc)
    return fail(w, "the server broke the WebSocket framing (RFC 6455)");
  /* pongs and the answer to a close */
  if (wslay_event_want_write(w->ctx) && wslay_event_send(w->ctx))
    return MSRP_ERR_NOMEM;
  if (!wslay_event_get_read_enabled(w->ctx) &&
      !wslay_event_get_close_received(w->ctx)) {
    /* wslay refused the input and said why in its close frame */
    int code = wslay_event_get_status_code_sent(w->ctx);
    return fail(w,
                code == WSLAY_CODE_MESSAGE_TOO_BIG
                    ? "a WebSocket message larger than %u bytes"
                    : "the server broke the WebSocket framing (we closed "
                      "with %u)",
                code == WSLAY_CODE_MESSAGE_TOO_BIG ? MSRP__WS_MAX_MESSAGE
                                                   : (unsigned)code);
  }
  return 0;
}

int msrp__ws_feed(msrp__ws *w, const uint8_t *data, size_t len) {
  if (w->failed)
    return MSRP_ERR_WEBSOCKET;
  if (w->open)
    return len ? frames_in(w, data, len) : 0;
  /* the response's head, then perhaps frames already */
  size_t before = w->http.len;
  if (msrp__buf_append(&w->http, data, len) ||
      msrp__buf_append(&w->http, "", 1))
    return MSRP_ERR_NOMEM;
  w->http.len--; /* the NUL stays after the bytes, not counted */
  char *head = w->http.data;
  const char *end = strstr(head, "\r\n\r\n");
  if (memchr(head, '\0', w->http.len))
    return fail(w, "a NUL in the upgrade response");
  if (!end) {
    if (w->http.len > MSRP__WS_MAX_RESPONSE)
      return fail(w, "the upgrade response's head passes %u bytes",
                  MSRP__WS_MAX_RESPONSE);
    return 0;
  }
  size_t head_len = (size_t)(end - head) + 4;
  if (head_len > MSRP__WS_MAX_RESPONSE)
    return fail(w, "the upgrade response's head passes %u bytes",
                MSRP__WS_MAX_RESPONSE);
  head[head_len - 2] = '\0'; /* keep the last header's CRLF */
  int rc = check_response(w, head);
  if (rc)
    return rc;
  size_t rest_at = head_len - before; /* in `data` */
  msrp__buf_free(&w->http);
  return rest_at < len ? frames_in(w, data + rest_at, len - rest_at) : 0;
}

int msrp__ws_open(const msrp__ws *w) {
  return w->open;
}

const char *msrp__ws_error(const msrp__ws *w) {
  return w->error[0] ? w->error : "no error";
}

size_t msrp__ws_read(msrp__ws *w, uint8_t *buf, size_t size) {
  size_t have = w->in.len - w->in_off;
  size_t n = have < size ? have : size;
  if (!n)
    return 0;
  memcpy(buf, w->in.data + w->in_off, n);
  w->in_off += n;
  return n;
}

int msrp__ws_closed(const msrp__ws *w, int *code) {
  if (!w->open || !wslay_event_get_close_received(w->ctx) ||
      w->in.len != w->in_off)
    return 0;
  if (code)
    *code = wslay_event_get_status_code_received(w->ctx);
  return 1;
}

/* ---- writing ----------------------------------------------------------------
 */

/* msg[0, n) is one chunk: one message. */
static int queue_chunk(msrp__ws *w, size_t n) {
  struct wslay_event_msg m = {
      .opcode = u8_check((const uint8_t *)w->msg.data, n) ? WSLAY_BINARY_FRAME
                                                          : WSLAY_TEXT_FRAME,
      .msg = (const uint8_t *)w->msg.data,
      .msg_length = n};
  int rc = wslay_event_queue_msg(w->ctx, &m);
  if (rc == WSLAY_ERR_NOMEM)
    return MSRP_ERR_NOMEM;
  if (rc)
    return MSRP_ERR_CLOSED;
  memmove(w->msg.data, w->msg.data + n, w->msg.len - n);
  w->msg.len -= n;
  w->scanned -= n;
  return 0;
}

int msrp__ws_write(msrp__ws *w, const struct iovec *iov, int n) {
  if (w->failed)
    return MSRP_ERR_WEBSOCKET;
  if (w->close_queued)
    return MSRP_ERR_CLOSED;
  for (int i = 0; i < n; i++)
    if (msrp__buf_append(&w->msg, iov[i].iov_base, iov[i].iov_len))
      return MSRP_ERR_NOMEM;
  /* the parser may hold an event when all input is used: ask until it
   * has none */
  for (;;) {
    size_t used = 0;
    msrp_event ev;
    int rc =
        msrp_parser_execute(w->p, (const uint8_t *)w->msg.data + w->scanned,
                            w->msg.len - w->scanned, &used, &ev);
    if (rc)
      return fail(w, "our own output is not MSRP (%s)", msrp_strerror(rc));
    w->scanned += used;
    if (ev.type == MSRP_EVENT_END) {
      if ((rc = queue_chunk(w, w->scanned)))
        return rc;
    } else if (ev.type == MSRP_EVENT_NONE) {
      break;
    }
  }
  if (w->msg.len > MSRP__WS_MAX_MESSAGE)
    return fail(w, "a chunk of more than %u bytes for one WebSocket message",
                MSRP__WS_MAX_MESSAGE);
  if (wslay_event_want_write(w->ctx) && wslay_event_send(w->ctx))
    return MSRP_ERR_NOMEM;
  return 0;
}

int msrp__ws_close(msrp__ws *w) {
  if (w->close_queued || !w->open || w->failed)
    return 0;
  w->close_queued = true;
  size_t before = w->out.len;
  if (wslay_event_queue_close(w->ctx, WSLAY_CODE_NORMAL_CLOSURE, NULL, 0) ||
      (wslay_event_want_write(w->ctx) && wslay_event_send(w->ctx)))
    return 0;
  return w->out.len > before;
}

int msrp__ws_take_output(msrp__ws *w, char **out, size_t *len) {
  *out = NULL;
  *len = w->out.len;
  if (!*len)
    return 0;
  /* the buffer itself changes hands: no copy of the frames */
  if (msrp__buf_append(&w->out, "", 1))
    return MSRP_ERR_NOMEM;
  *out = w->out.data;
  w->out = (msrp__buf){0};
  return 0;
}

size_t msrp__ws_pending(const msrp__ws *w) {
  return w->out.len;
}

/* ---- the relay's URL
 * ---------------------------------------------------------- */

int msrp__ws_is_url(const char *u) {
  return u && (!strncasecmp(u, "ws://", 5) || !strncasecmp(u, "wss://", 6));
}

int msrp__ws_url_parse(const char *url, msrp__ws_url *out) {
  if (!url || !out || !msrp__ws_is_url(url) ||
      msrp__has_ctl(url, strlen(url)) || strpbrk(url, " ?#@"))
    return MSRP_ERR_INVALID_ARGUMENT;
  msrp__ws_url u = {.secure = url[2] == 's' || url[2] == 'S'};
  const char *h = url + (u.secure ? 6 : 5), *end;
  if (*h == '[') { /* IPv6 */
    end = strchr(h, ']');
    if (!end || end == h + 1 || (size_t)(end - h - 1) >= sizeof u.host)
      return MSRP_ERR_INVALID_ARGUMENT;
    memcpy(u.host, h + 1, (size_t)(end - h - 1));
    end++;
  } else {
    end = h + strcspn(h, ":/");
    if (end == h || (size_t)(end - h) >= sizeof u.host)
      return MSRP_ERR_INVALID_ARGUMENT;
    memcpy(u.host, h, (size_t)(end - h));
  }
  u.port = u.secure ? 443 : 80;
  if (*end == ':') {
    uint64_t port;
    size_t digits = strspn(end + 1, "0123456789");
    if (!digits || !msrp__parse_uint(end + 1, digits, 65535, &port) ||
        port == 0)
      return MSRP_ERR_INVALID_ARGUMENT;
    u.port = (int)port;
    end += 1 + digits;
  }
  if (*end && *end != '/')
    return MSRP_ERR_INVALID_ARGUMENT;
  if (strlen(*end ? end : "/") >= sizeof u.path)
    return MSRP_ERR_INVALID_ARGUMENT;
  snprintf(u.path, sizeof u.path, "%s", *end ? end : "/");
  *out = u;
  return 0;
}

int msrp__ws_relay_uri(const msrp__ws_url *url, msrp_uri *out) {
  *out = (msrp_uri)MSRP_URI_INIT;
  return msrp_uri_init(out, url->secure, url->host, url->port, NULL, "ws");
}

int msrp__ws_local_uri(int secure, const char *session_id, msrp_uri *out) {
  *out = (msrp_uri)MSRP_URI_INIT;
  char host[32];
  int rc = msrp__random_token(host, 12);
  if (rc)
    return rc;
  for (char *h = host; *h; h++) /* a host name in lower case */
    *h = (char)(*h >= 'A' && *h <= 'Z' ? *h - 'A' + 'a' : *h);
  strcat(host, ".invalid");
  return msrp_uri_init(out, secure, host, 2855, session_id, "ws");
}
