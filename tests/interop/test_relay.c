/* SPDX-License-Identifier: MIT
 * Copyright (c) 2026 The libmsrp authors */
/* Through a real MSRP relay: Kamailio (Debian's kamailio and its msrp
 * module), started by CTest on loopback with Digest authentication, TCP and
 * TLS (tests/interop/kamailio/relay.sh). ConnectorRelay and AcceptorRelay
 * reserve sessions with AUTH, bind through the relay, and sessions exchange
 * messages both ways, among them 5 MB chunked to the relay's limit with
 * end-to-end success REPORTs; then only one end on the relay; then the
 * failures: a wrong password, and a first relay that cannot be reached. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <openssl/evp.h>

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <msrp/connect.h>
#include <msrp/chat.h>
#include <msrp/file_transfer.h>
#include <msrp/session.h>

#include "integration/loop.h"

#ifndef MSRP_RELAY_DIR
#error MSRP_RELAY_DIR must name the directory relay.sh started Kamailio in
#endif

static int tcp_port, tls_port;
static char relay_tcp[128], relay_tls[128], relay_ca[512];
/* MSRP over WebSocket (RFC 7977) on the same listeners, when the relay
 * serves it (RELAY_WS=yes in its ports file) */
static bool relay_ws;
static char relay_ws_url[128], relay_wss_url[128];

/* ---- an endpoint --------------------------------------------------------- */

typedef struct endpoint {
  msrp_connector *c;
  msrp_uri uri;
  msrp_path path; /* its full path, as SDP would carry it */
  bool prepared, completed;
  int status;
  msrp_transport *t;
  msrp_session *s;
  /* what its session received */
  char last[256];
  size_t last_len;
  int messages;
  uint64_t big_bytes;
  bool big_done;
  EVP_MD_CTX *md;
  int reports_complete;
  int sent_ok;
} endpoint;

static void endpoint_prepared(msrp_connector *c, int status, const msrp_path *p,
                              void *ud) {
  (void)c;
  endpoint *e = ud;
  e->prepared = true;
  e->status = status;
  if (!status)
    assert_int_equal(msrp_path_copy(&e->path, p), 0);
}

static void endpoint_completed(msrp_connector *c, int status, msrp_transport *t,
                               void *ud) {
  (void)c;
  endpoint *e = ud;
  e->completed = true;
  e->status = status;
  e->t = t;
}

/* What start() gives the connectors besides: the DNS server to ask (the
 * SRV tests), and a logger whose lines the test reads. */
static const char *use_dns_servers;
static const msrp_logger *use_logger;

static void start(endpoint *e, bool acceptor, const msrp_relay_config *relays,
                  size_t nrelays, const msrp_tls_config *tls) {
  memset(e, 0, sizeof *e);
  msrp_connect_config cfg = {.relays = relays,
                             .nrelays = nrelays,
                             .tls = tls,
                             .logger = use_logger ? use_logger : test_logger(),
                             .dns_servers = use_dns_servers};
  assert_int_equal(acceptor ? msrp_get_acceptor(&e->c, &loop, &cfg)
                            : msrp_get_connector(&e->c, &loop, &cfg),
                   0);
  e->uri = (msrp_uri)MSRP_URI_INIT;
  assert_int_equal(msrp_uri_init(&e->uri, 0, "127.0.0.1", 0, NULL, NULL), 0);
  assert_int_equal(msrp_connector_prepare(e->c, &e->uri, endpoint_prepared, e),
                   0);
}

static void on_message(msrp_session *en, const msrp_message_info *m,
                       const uint8_t *body, size_t len, void *ud) {
  (void)en;
  (void)m;
  endpoint *e = ud;
  e->messages++;
  e->last_len = len < sizeof e->last ? len : sizeof e->last - 1;
  memcpy(e->last, body, e->last_len);
  e->last[e->last_len] = '\0';
}

static void on_start(msrp_session *en, const msrp_message_info *m, void *ud) {
  (void)en;
  (void)m;
  endpoint *e = ud;
  e->md = EVP_MD_CTX_new();
  EVP_DigestInit_ex(e->md, EVP_sha256(), NULL);
}

static void on_data(msrp_session *en, const msrp_message_info *m, uint64_t off,
                    const uint8_t *d, size_t n, void *ud) {
  (void)en;
  (void)m;
  endpoint *e = ud;
  assert_true(off == e->big_bytes); /* in order through one relay */
  EVP_DigestUpdate(e->md, d, n);
  e->big_bytes += n;
}

static void on_end(msrp_session *en, const msrp_message_info *m, int status,
                   void *ud) {
  (void)en;
  (void)m;
  endpoint *e = ud;
  assert_int_equal(status, 0);
  e->big_done = true;
}

static void on_report(msrp_session *en, const msrp_report_info *r, void *ud) {
  (void)en;
  endpoint *e = ud;
  assert_int_equal(r->code, 200);
  if (r->complete)
    e->reports_complete++;
}

static void on_sent(msrp_session *en, const char *id, int status, int code,
                    const char *comment, void *ud) {
  (void)en;
  (void)id;
  (void)comment;
  endpoint *e = ud;
  assert_int_equal(status, 0);
  assert_int_equal(code, 200);
  e->sent_ok++;
}

static const msrp_session_callbacks cbs = {.on_message = on_message,
                                           .on_message_start = on_start,
                                           .on_message_data = on_data,
                                           .on_message_end = on_end,
                                           .on_report = on_report};

/* Prepare both, exchange paths, complete both, make sessions. */
static void connect_pair(endpoint *a, endpoint *b) {
  wait_for(&a->prepared);
  wait_for(&b->prepared);
  assert_int_equal(a->status, 0);
  assert_int_equal(b->status, 0);
  assert_int_equal(
      msrp_connector_complete(a->c, &b->path, endpoint_completed, a), 0);
  assert_int_equal(
      msrp_connector_complete(b->c, &a->path, endpoint_completed, b), 0);
  wait_for(&a->completed);
  wait_for(&b->completed);
  assert_int_equal(a->status, 0);
  assert_int_equal(b->status, 0);
  assert_int_equal(msrp_session_new(&a->s, a->t, NULL, &cbs, a), 0);
  assert_int_equal(msrp_session_new(&b->s, b->t, NULL, &cbs, b), 0);
}

static void finish(endpoint *e) {
  msrp_session_free(e->s);
  msrp_connector_free(e->c);
  msrp_path_clear(&e->path);
  msrp_uri_clear(&e->uri);
  if (e->md)
    EVP_MD_CTX_free(e->md);
}

typedef struct progress {
  const endpoint *from, *to;
  int messages, reports, sent;
} progress;

/* The peer has one more message, and the sender one more full REPORT and
 * one more message whose transactions are over. */
static bool delivered(const void *p) {
  const progress *g = p;
  return g->to->messages > g->messages &&
         g->from->reports_complete > g->reports && g->from->sent_ok > g->sent;
}

static bool reported(const void *p) {
  const progress *g = p;
  return g->from->reports_complete > g->reports && g->from->sent_ok > g->sent;
}

static void send_text(endpoint *from, endpoint *to, const char *text) {
  progress g = {from, to, to->messages, from->reports_complete, from->sent_ok};
  msrp_message_params p = {.content_type = "text/plain",
                           .data = text,
                           .len = strlen(text),
                           .success_report = MSRP_REPORT_YES,
                           .failure_report = MSRP_REPORT_YES};
  assert_int_equal(msrp_session_send_message(from->s, &p, on_sent, from, NULL),
                   0);
  wait_until(delivered, &g);
  assert_string_equal(to->last, text);
}

/* ---- 5 MB, chunked to the relay's limit ---------------------------------- */

static ssize_t provide(uint64_t off, uint8_t *buf, size_t len, void *ud) {
  EVP_MD_CTX *md = ud;
  for (size_t i = 0; i < len; i++)
    buf[i] = (uint8_t)((off + i) * 7 + ((off + i) >> 12));
  EVP_DigestUpdate(md, buf, len);
  return (ssize_t)len;
}

static void send_big(endpoint *from, endpoint *to) {
  const uint64_t size = 5u * 1000 * 1000;
  EVP_MD_CTX *md = EVP_MD_CTX_new();
  EVP_DigestInit_ex(md, EVP_sha256(), NULL);
  progress g = {from, to, 0, from->reports_complete, from->sent_ok};
  msrp_message_params p = {.content_type = "application/octet-stream",
                           .provider = provide,
                           .provider_ud = md,
                           .size = size,
                           .success_report = MSRP_REPORT_YES};
  assert_int_equal(msrp_session_send_message(from->s, &p, on_sent, from, NULL),
                   0);
  wait_for(&to->big_done);
  wait_until(reported, &g);
  assert_true(to->big_bytes == size);
  unsigned char a[32], b[32];
  unsigned int n;
  EVP_DigestFinal_ex(md, a, &n);
  EVP_DigestFinal_ex(to->md, b, &n);
  EVP_MD_CTX_free(md);
  assert_memory_equal(a, b, 32);
  print_message("5 MB through the relay in chunks of at most %zu bytes: "
                "SHA-256 matches, success REPORT received\n",
                msrp_transport_chunk_limit(msrp_session_transport(from->s)));
}

/* ---- the tests ------------------------------------------------------------
 */

static msrp_relay_config relay(const char *uri) {
  return (msrp_relay_config){
      .uri = uri, .username = "msrpuser", .password = "msrppass"};
}

static void test_both_ends_on_relay(void **state) {
  (void)state;
  msrp_relay_config r = relay(relay_tcp);
  endpoint a, b;
  start(&a, false, &r, 1, NULL);
  start(&b, true, &r, 1, NULL);
  wait_for(&a.prepared);
  wait_for(&b.prepared);
  /* full paths: the relay's Use-Path, then the endpoint */
  assert_int_equal(a.path.count, 2);
  assert_int_equal(b.path.count, 2);
  assert_int_equal(a.path.uris[0].port, tcp_port);
  assert_int_equal(msrp_connector_get_kind(a.c), MSRP_CONNECTOR_RELAY);
  assert_int_equal(msrp_connector_get_kind(b.c), MSRP_ACCEPTOR_RELAY);
  connect_pair(&a, &b);
  send_text(&a, &b, "hello through the relay");
  send_text(&b, &a, "and back again");
  send_big(&a, &b);
  finish(&a);
  finish(&b);
}

static void test_tls_relay(void **state) {
  (void)state;
  msrp_relay_config r = relay(relay_tls);
  msrp_tls_config tls = {.ca_file = relay_ca};
  endpoint a, b;
  start(&a, false, &r, 1, &tls);
  start(&b, true, &r, 1, &tls);
  connect_pair(&a, &b);
  assert_true(msrp_transport_use_tls(msrp_session_transport(a.s)));
  assert_int_equal(a.path.uris[1].use_tls, 1); /* msrps, as the relay */
  send_text(&a, &b, "over TLS, through the relay");
  send_text(&b, &a, "and back over TLS");
  finish(&a);
  finish(&b);
}

/* Only the answering end uses the relay: the caller connects straight to
 * the relay named first in the answerer's path. */
static void test_one_end_on_relay(void **state) {
  (void)state;
  msrp_relay_config r = relay(relay_tcp);
  endpoint a, b;
  start(&a, false, NULL, 0, NULL); /* ConnectorDirect */
  start(&b, true, &r, 1, NULL);    /* AcceptorRelay */
  connect_pair(&a, &b);
  assert_int_equal(msrp_connector_get_kind(a.c), MSRP_CONNECTOR_DIRECT);
  send_text(&a, &b, "direct to your relay");
  send_text(&b, &a, "back through my relay");
  send_big(&b, &a);
  finish(&a);
  finish(&b);
}

/* Only the calling end uses the relay: the relay opens its own connection
 * to the answerer's address (an AcceptorDirect), which sees From-Path
 * <the caller's relay> <the caller>. */
static void test_caller_on_relay(void **state) {
  (void)state;
  msrp_relay_config r = relay(relay_tcp);
  endpoint a, b;
  start(&a, false, &r, 1, NULL);  /* ConnectorRelay */
  start(&b, true, NULL, 0, NULL); /* AcceptorDirect */
  connect_pair(&a, &b);
  assert_int_equal(msrp_connector_get_kind(b.c), MSRP_ACCEPTOR_DIRECT);
  assert_int_equal(
      msrp_transport_remote_path(msrp_session_transport(b.s))->count, 2);
  send_text(&a, &b, "from behind my relay");
  send_text(&b, &a, "straight back to your relay");
  finish(&a);
  finish(&b);
}

static void test_wrong_password(void **state) {
  (void)state;
  msrp_relay_config r = relay(relay_tcp);
  r.password = "not-the-password";
  endpoint a;
  start(&a, false, &r, 1, NULL);
  wait_for(&a.prepared);
  assert_int_equal(a.status, MSRP_ERR_RELAY_AUTH);
  assert_int_equal(a.path.count, 0);
  finish(&a);
}

/* The first relay cannot be reached (a port nothing listens on): the
 * second one is used. */
static void test_fallback(void **state) {
  (void)state;
  uv_tcp_t probe;
  uv_tcp_init(&loop, &probe);
  struct sockaddr_in sa;
  uv_ip4_addr("127.0.0.1", 0, &sa);
  assert_int_equal(uv_tcp_bind(&probe, (struct sockaddr *)&sa, 0), 0);
  int len = sizeof sa;
  uv_tcp_getsockname(&probe, (struct sockaddr *)&sa, &len);
  uv_close((uv_handle_t *)&probe, NULL);
  char dead[128];
  snprintf(dead, sizeof dead, "msrp://127.0.0.1:%d;tcp", ntohs(sa.sin_port));
  msrp_relay_config rs[2] = {relay(dead), relay(relay_tcp)};
  endpoint a, b;
  start(&a, false, rs, 2, NULL);
  start(&b, true, rs, 2, NULL);
  connect_pair(&a, &b);
  assert_int_equal(a.path.uris[0].port, tcp_port);
  send_text(&a, &b, "the second relay works");
  finish(&a);
  finish(&b);
}

/* Expires asked for: the reservation is kept alive by a new AUTH before
 * it lapses (a 4 s reservation: the first refresh comes at 3 s). Kamailio
 * grants it; every AUTH creates a new relay session there, so what this
 * shows is the refresh itself (see tests/interop/kamailio/README.md). */
static int refreshed, refresh_status, refresh_code;
static uint32_t refresh_granted;

static void on_refresh(msrp_session *en, int status, int code, uint32_t granted,
                       void *ud) {
  (void)en;
  (void)ud;
  refreshed++;
  refresh_status = status;
  refresh_code = code;
  refresh_granted = granted;
}

static bool refreshed_twice(const void *p) {
  (void)p;
  return refreshed >= 2;
}

static void test_expires_refresh(void **state) {
  (void)state;
  msrp_relay_config r = relay(relay_tcp);
  r.expires = 1; /* too short: the relay's 423 says at least 2 */
  endpoint a, b;
  start(&a, false, &r, 1, NULL);
  start(&b, true, &r, 1, NULL);
  wait_for(&a.prepared);
  wait_for(&b.prepared);
  assert_int_equal(a.status, 0);
  assert_int_equal(
      msrp_connector_complete(a.c, &b.path, endpoint_completed, &a), 0);
  assert_int_equal(
      msrp_connector_complete(b.c, &a.path, endpoint_completed, &b), 0);
  wait_for(&a.completed);
  wait_for(&b.completed);
  msrp_session_callbacks with_refresh = cbs;
  with_refresh.on_relay_refresh = on_refresh;
  refreshed = 0;
  assert_int_equal(msrp_session_new(&a.s, a.t, NULL, &with_refresh, &a), 0);
  assert_int_equal(msrp_session_new(&b.s, b.t, NULL, &cbs, &b), 0);
  /* two rounds of AUTH, 401, AUTH with the answer, 200: about 1.5 s and
   * 3 s after the reservation */
  wait_until(refreshed_twice, NULL);
  assert_int_equal(refresh_status, 0);
  assert_int_equal(refresh_code, 200);
  assert_int_equal(refresh_granted, 2);
  /* and the session still carries messages */
  send_text(&a, &b, "still here after two refreshes");
  finish(&a);
  finish(&b);
}

/* ---- chat through the relay ------------------------------------------------
 */

typedef struct chat_seen {
  char log[512];
  char *sdp;
  int initialized, started, got, delivered, ended;
  char content[128];
} chat_seen;

static void chat_observe(msrp_notification_center *nc,
                         const msrp_notification *n, void *ud) {
  (void)nc;
  chat_seen *p = ud;
  size_t len = strlen(p->log);
  snprintf(p->log + len, sizeof p->log - len, "%s%s", len ? " " : "",
           n->name + strlen("MSRPChat"));
  if (!strcmp(n->name, MSRP_CHAT_DID_INITIALIZE)) {
    p->sdp = strdup(((const msrp_chat_did_initialize *)n->payload)->sdp);
    p->initialized++;
  } else if (!strcmp(n->name, MSRP_CHAT_DID_START)) {
    p->started++;
  } else if (!strcmp(n->name, MSRP_CHAT_GOT_MESSAGE)) {
    const msrp_chat_got_message *g = n->payload;
    snprintf(p->content, sizeof p->content, "%.*s", (int)g->len,
             (const char *)g->content);
    p->got++;
  } else if (!strcmp(n->name, MSRP_CHAT_DID_DELIVER_MESSAGE)) {
    p->delivered++;
  } else if (!strcmp(n->name, MSRP_CHAT_DID_END)) {
    p->ended++;
  }
}

static bool both(const void *p) {
  const int *const *v = p;
  return *v[0] > 0 && *v[1] > 0;
}

static bool positive(const void *p) {
  return *(const int *)p > 0;
}

static void wait_for_count(const int *n) {
  wait_until(positive, n);
}

static void wait_both(const int *a, const int *b) {
  const int *v[2] = {a, b};
  wait_until(both, v);
}

/* Two chats, both behind the relay: the SDP paths go through it, and
 * messages and their REPORTs cross it both ways. */
static void test_chat_through_relay(void **state) {
  (void)state;
  msrp_notification_center *nc;
  assert_int_equal(msrp_notification_center_new(&nc), 0);
  msrp_relay_config r = relay(relay_tcp);
  msrp_account aa = {.display_name = "Alice",
                     .uri = "sip:alice@example.com",
                     .local_host = "127.0.0.1",
                     .relays = &r,
                     .nrelays = 1,
                     .logger = test_logger()};
  msrp_account ba = aa;
  ba.display_name = "Bob";
  ba.uri = "sip:bob@example.com";
  msrp_chat *alice, *bob;
  chat_seen sa = {0}, sb = {0};
  assert_int_equal(
      msrp_chat_new(&alice, &loop, nc, &aa, "sip:bob@example.com", 1), 0);
  assert_int_equal(
      msrp_chat_new(&bob, &loop, nc, &ba, "sip:alice@example.com", 0), 0);
  msrp_notification_center_add_observer(nc, NULL, alice, chat_observe, &sa,
                                        NULL);
  msrp_notification_center_add_observer(nc, NULL, bob, chat_observe, &sb, NULL);
  assert_int_equal(msrp_chat_initialize(alice), 0);
  assert_int_equal(msrp_chat_initialize(bob), 0);
  wait_both(&sa.initialized, &sb.initialized);
  /* the relay's Use-Path first in each a=path */
  char want[64];
  snprintf(want, sizeof want, "a=path:msrp://127.0.0.1:%d/", tcp_port);
  assert_non_null(strstr(sa.sdp, want));
  assert_non_null(strstr(sb.sdp, want));
  assert_int_equal(msrp_chat_start(bob, sa.sdp), 0);
  assert_int_equal(msrp_chat_start(alice, sb.sdp), 0);
  wait_both(&sa.started, &sb.started);
  assert_int_equal(
      msrp_chat_send_message(alice, "via the relay", 13, NULL, NULL, 0, NULL),
      0);
  wait_both(&sb.got, &sa.delivered);
  assert_string_equal(sb.content, "via the relay");
  assert_int_equal(
      msrp_chat_send_message(bob, "and back", 8, NULL, NULL, 1700000000, NULL),
      0);
  wait_both(&sa.got, &sb.delivered);
  assert_string_equal(sa.content, "and back");
  assert_int_equal(msrp_chat_end(alice), 0);
  assert_int_equal(msrp_chat_end(bob), 0);
  wait_both(&sa.ended, &sb.ended);
  assert_string_equal(sa.log, "DidInitialize DidStart DidDeliverMessage "
                              "GotMessage WillEnd DidEnd");
  assert_string_equal(sb.log, "DidInitialize DidStart GotMessage "
                              "DidDeliverMessage WillEnd DidEnd");
  msrp_chat_free(alice);
  msrp_chat_free(bob);
  free(sa.sdp);
  free(sb.sdp);
  msrp_notification_center_free(nc);
}

/* ---- MSRP over WebSocket (RFC 7977) ---------------------------------------
 *
 * Alice is a WebSocket client of the relay (as a browser would be), Bob a
 * TCP client of the same relay; they chat both ways, each message large
 * enough to need several chunks, hence several WebSocket messages. */

typedef struct ws_seen {
  char *sdp;
  int initialized, started, got, delivered, ended, failed;
  size_t got_len;
  bool got_intact;
  char reason[200];
} ws_seen;

#define WS_BIG 30000

static char ws_text(size_t i, char salt) {
  return (char)('a' + (i * 7 + (size_t)salt) % 26);
}

static void ws_observe(msrp_notification_center *nc, const msrp_notification *n,
                       void *ud) {
  (void)nc;
  ws_seen *p = ud;
  if (!strcmp(n->name, MSRP_CHAT_DID_INITIALIZE)) {
    p->sdp = strdup(((const msrp_chat_did_initialize *)n->payload)->sdp);
    p->initialized++;
  } else if (!strcmp(n->name, MSRP_CHAT_DID_START)) {
    p->started++;
  } else if (!strcmp(n->name, MSRP_CHAT_DID_FAIL)) {
    const msrp_chat_did_fail *f = n->payload;
    snprintf(p->reason, sizeof p->reason, "%s: %s", f->context, f->reason);
    p->failed++;
  } else if (!strcmp(n->name, MSRP_CHAT_GOT_MESSAGE)) {
    const msrp_chat_got_message *g = n->payload;
    p->got_len = g->len;
    p->got_intact = g->len == WS_BIG;
    char salt = g->len ? (char)g->content[0] : 0;
    salt = (char)(salt - 'a');
    for (size_t i = 0; i < g->len && p->got_intact; i++)
      p->got_intact = g->content[i] == (uint8_t)ws_text(i, salt);
    p->got++;
  } else if (!strcmp(n->name, MSRP_CHAT_DID_DELIVER_MESSAGE)) {
    p->delivered++;
  } else if (!strcmp(n->name, MSRP_CHAT_DID_END)) {
    p->ended++;
  }
}

static void ws_chat(const char *ws_url, const msrp_tls_config *tls) {
  if (!relay_ws)
    skip(); /* this relay serves no WebSocket */
  msrp_notification_center *nc;
  assert_int_equal(msrp_notification_center_new(&nc), 0);
  msrp_relay_config rws = relay(ws_url), rtcp = relay(relay_tcp);
  msrp_account aa = {.display_name = "Alice",
                     .uri = "sip:alice@example.com",
                     .local_host = "127.0.0.1",
                     .tls = tls,
                     .relays = &rws,
                     .nrelays = 1,
                     .logger = test_logger()};
  msrp_account ba = {.display_name = "Bob",
                     .uri = "sip:bob@example.com",
                     .local_host = "127.0.0.1",
                     .relays = &rtcp,
                     .nrelays = 1,
                     .logger = test_logger()};
  msrp_chat *alice, *bob;
  ws_seen sa = {0}, sb = {0};
  assert_int_equal(
      msrp_chat_new(&alice, &loop, nc, &aa, "sip:bob@example.com", 1), 0);
  assert_int_equal(
      msrp_chat_new(&bob, &loop, nc, &ba, "sip:alice@example.com", 0), 0);
  msrp_notification_center_add_observer(nc, NULL, alice, ws_observe, &sa, NULL);
  msrp_notification_center_add_observer(nc, NULL, bob, ws_observe, &sb, NULL);
  assert_int_equal(msrp_chat_initialize(alice), 0);
  assert_int_equal(msrp_chat_initialize(bob), 0);
  wait_both(&sa.initialized, &sb.initialized);
  /* Alice's path: the relay's Use-Path on its TCP (or TLS) listener, which
   * Bob can reach, then her own URI: a host nobody resolves, ;ws */
  char want[64];
  snprintf(want, sizeof want, "a=path:%s://127.0.0.1:%d/",
           tls ? "msrps" : "msrp", tls ? tls_port : tcp_port);
  if (!strstr(sa.sdp, want))
    fail_msg("Alice's SDP lacks %s:\n%s", want, sa.sdp);
  const char *inv = strstr(sa.sdp, ".invalid:2855/");
  assert_non_null(inv);
  assert_non_null(strstr(inv, ";ws\r\n"));
  assert_int_equal(msrp_chat_start(bob, sa.sdp), 0);
  assert_int_equal(msrp_chat_start(alice, sb.sdp), 0);
  wait_both(&sa.started, &sb.started);
  static char big[WS_BIG];
  for (size_t i = 0; i < WS_BIG; i++)
    big[i] = ws_text(i, 0);
  assert_int_equal(
      msrp_chat_send_message(alice, big, WS_BIG, NULL, NULL, 0, NULL), 0);
  wait_both(&sb.got, &sa.delivered);
  assert_int_equal(sb.got_len, WS_BIG);
  assert_true(sb.got_intact);
  for (size_t i = 0; i < WS_BIG; i++)
    big[i] = ws_text(i, 3);
  assert_int_equal(
      msrp_chat_send_message(bob, big, WS_BIG, NULL, NULL, 0, NULL), 0);
  wait_both(&sa.got, &sb.delivered);
  assert_int_equal(sa.got_len, WS_BIG);
  assert_true(sa.got_intact);
  assert_int_equal(sa.failed + sb.failed, 0);
  assert_int_equal(msrp_chat_end(alice), 0);
  assert_int_equal(msrp_chat_end(bob), 0);
  wait_both(&sa.ended, &sb.ended);
  msrp_chat_free(alice);
  msrp_chat_free(bob);
  free(sa.sdp);
  free(sb.sdp);
  msrp_notification_center_free(nc);
}

static void test_ws_chat(void **state) {
  (void)state;
  ws_chat(relay_ws_url, NULL);
}

static void test_wss_chat(void **state) {
  (void)state;
  msrp_tls_config tls = {.ca_file = relay_ca};
  ws_chat(relay_wss_url, &tls);
}

/* ---- relays found through DNS SRV (RFC 4976 section 6.3) ---------------
 *
 * A dnsmasq on loopback, started for these tests, serves:
 *   _msrp._tcp.relays.test   SRV 10 dead.relays.test:DEAD (nothing there)
 *                            SRV 20 kam.relays.test:TCP_PORT (Kamailio)
 *   _msrps._tcp.relays.test  SRV 10 kam.relays.test:TLS_PORT
 *   _msrps._tcp.wrong.test   SRV 10 kam.relays.test:TLS_PORT (the relay's
 *                            certificate does not name wrong.test)
 *   _msrp._tcp.closed.test   SRV 0 "." (no such service there)
 *   nosrv.test               an address, no SRV records
 * and answers nothing else under .test (--local): no query leaves the
 * machine. */

static pid_t dns_pid = -1;
static int dns_err = -1; /* its stderr, kept open so that it can log */
static char dns_servers[64];
static int dead_port;

/* A port nothing listens on (bound, then closed), of a socket type. */
static int unused_port(int type) {
  int fd = socket(AF_INET, type, 0);
  struct sockaddr_in sa = {.sin_family = AF_INET,
                           .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
  socklen_t len = sizeof sa;
  if (fd < 0 || bind(fd, (struct sockaddr *)&sa, len) ||
      getsockname(fd, (struct sockaddr *)&sa, &len))
    fail_msg("cannot find a free port: %s", strerror(errno));
  close(fd);
  return ntohs(sa.sin_port);
}

/* Start dnsmasq and wait until it says it started (it binds its sockets
 * before); false with its output when it exits instead, or after 10 s. */
static bool dns_try_start(char *out, size_t out_size) {
  int port = unused_port(SOCK_DGRAM);
  char a_port[32], a_srv[5][160];
  snprintf(a_port, sizeof a_port, "--port=%d", port);
  snprintf(a_srv[0], sizeof a_srv[0],
           "--srv-host=_msrp._tcp.relays.test,dead.relays.test,%d,10,0",
           dead_port);
  snprintf(a_srv[1], sizeof a_srv[1],
           "--srv-host=_msrp._tcp.relays.test,kam.relays.test,%d,20,0",
           tcp_port);
  snprintf(a_srv[2], sizeof a_srv[2],
           "--srv-host=_msrps._tcp.relays.test,kam.relays.test,%d,10,0",
           tls_port);
  snprintf(a_srv[3], sizeof a_srv[3],
           "--srv-host=_msrps._tcp.wrong.test,kam.relays.test,%d,10,0",
           tls_port);
  snprintf(a_srv[4], sizeof a_srv[4], "--srv-host=_msrp._tcp.closed.test");
  char *argv[] = {"dnsmasq",
                  "--keep-in-foreground",
                  "--log-facility=-",
                  "--conf-file=/dev/null",
                  "--no-resolv",
                  "--no-hosts",
                  "--no-poll",
                  "--listen-address=127.0.0.1",
                  "--bind-interfaces",
                  "--pid-file=",
                  "--local=/test/",
                  a_port,
                  a_srv[0],
                  a_srv[1],
                  a_srv[2],
                  a_srv[3],
                  a_srv[4],
                  "--host-record=dead.relays.test,127.0.0.1",
                  "--host-record=kam.relays.test,127.0.0.1",
                  "--host-record=nosrv.test,127.0.0.1",
                  NULL};
  int fds[2];
  if (pipe(fds))
    fail_msg("pipe: %s", strerror(errno));
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_adddup2(&fa, fds[1], 2);
  posix_spawn_file_actions_addclose(&fa, fds[0]);
  posix_spawn_file_actions_addclose(&fa, fds[1]);
  const char *path =
      access("/usr/sbin/dnsmasq", X_OK) == 0 ? "/usr/sbin/dnsmasq" : "dnsmasq";
  int rc = posix_spawnp(&dns_pid, path, &fa, NULL, argv, NULL);
  posix_spawn_file_actions_destroy(&fa);
  close(fds[1]);
  if (rc)
    fail_msg("cannot start dnsmasq: %s", strerror(rc));
  size_t used = 0;
  out[0] = 0;
  struct pollfd pfd = {.fd = fds[0], .events = POLLIN};
  while (!strstr(out, "started, version")) {
    ssize_t n;
    if (poll(&pfd, 1, 10000) != 1 ||
        (n = read(fds[0], out + used, out_size - 1 - used)) <= 0) {
      close(fds[0]);
      kill(dns_pid, SIGTERM);
      waitpid(dns_pid, NULL, 0);
      dns_pid = -1;
      return false;
    }
    used += (size_t)n;
    out[used] = 0;
  }
  dns_err = fds[0];
  snprintf(dns_servers, sizeof dns_servers, "127.0.0.1:%d", port);
  return true;
}

static void dns_start(void) {
  dead_port = unused_port(SOCK_STREAM);
  char out[4096];
  /* another process may take the port between the check and the bind */
  for (int attempt = 0; attempt < 5; attempt++)
    if (dns_try_start(out, sizeof out))
      return;
  fail_msg("dnsmasq did not start; it said:\n%s", out);
}

static void dns_stop(void) {
  if (dns_pid > 0) {
    kill(dns_pid, SIGTERM);
    waitpid(dns_pid, NULL, 0);
    dns_pid = -1;
  }
  if (dns_err >= 0)
    close(dns_err);
  dns_err = -1;
}

/* A logger that keeps the state lines, for the test to read. */
static char log_text[16384];
static size_t log_used;

static void keep_log(msrp_log_level level, const char *message, void *ud) {
  (void)level;
  (void)ud;
  int n = snprintf(log_text + log_used, sizeof log_text - log_used, "%s\n",
                   message);
  if (n > 0 && (size_t)n < sizeof log_text - log_used)
    log_used += (size_t)n;
  if (getenv("MSRP_TEST_LOG"))
    fprintf(stderr, "log: %s\n", message);
}

static const msrp_logger keeping_logger = {.log = keep_log,
                                           .min_level = MSRP_LOG_DEBUG};

static int srv_setup(void **state) {
  loop_setup(state);
  if (dns_pid < 0)
    dns_start();
  use_dns_servers = dns_servers;
  use_logger = &keeping_logger;
  log_used = 0;
  log_text[0] = 0;
  return 0;
}

static int srv_teardown(void **state) {
  use_dns_servers = NULL;
  use_logger = NULL;
  return loop_teardown(state);
}

static void assert_logged(const char *line) {
  if (!strstr(log_text, line))
    fail_msg("the log has no \"%s\"; it is:\n%s", line, log_text);
}

/* SRV gives two relays: the first (priority 10) is down, the second
 * (priority 20) is Kamailio. Both ends reserve there, and talk. */
static void test_srv_fallback(void **state) {
  (void)state;
  msrp_relay_config r = relay("msrp://relays.test;tcp");
  endpoint a, b;
  start(&a, false, &r, 1, NULL);
  start(&b, true, &r, 1, NULL);
  connect_pair(&a, &b);
  assert_int_equal(a.path.uris[0].port, tcp_port);
  assert_int_equal(b.path.uris[0].port, tcp_port);
  send_text(&a, &b, "found through SRV");
  char line[160];
  snprintf(line, sizeof line,
           "relay msrp://relays.test;tcp: SRV gives dead.relays.test:%d, "
           "kam.relays.test:%d",
           dead_port, tcp_port);
  assert_logged(line);
  snprintf(line, sizeof line,
           "relay msrp://relays.test;tcp unreachable at 127.0.0.1:%d",
           dead_port);
  assert_logged(line);
  snprintf(line, sizeof line,
           "connecting to relay msrp://relays.test;tcp at 127.0.0.1:%d",
           tcp_port);
  assert_logged(line);
  finish(&a);
  finish(&b);

  /* freed while its SRV lookup is under way: the prepare is cancelled, and
   * the lookup's sockets and memory go (ASan checks) */
  start(&a, false, &r, 1, NULL);
  assert_false(a.prepared);
  msrp_connector_free(a.c);
  wait_for(&a.prepared);
  assert_int_equal(a.status, MSRP_ERR_CANCELLED);
  a.c = NULL;
  finish(&a);
}

/* msrps: asks for _msrps._tcp, and the relay's certificate is checked
 * against the domain: relays.test is in it, wrong.test is not. */
static void test_srv_tls(void **state) {
  (void)state;
  msrp_relay_config r = relay("msrps://relays.test;tcp");
  msrp_tls_config tls = {.ca_file = relay_ca};
  endpoint a, b;
  start(&a, false, &r, 1, &tls);
  start(&b, true, &r, 1, &tls);
  connect_pair(&a, &b);
  assert_int_equal(a.path.uris[0].port, tls_port);
  send_text(&a, &b, "SRV and TLS");
  finish(&a);
  finish(&b);

  msrp_relay_config w = relay("msrps://wrong.test;tcp");
  start(&a, false, &w, 1, &tls);
  wait_for(&a.prepared);
  assert_int_equal(a.status, MSRP_ERR_TLS_VERIFY);
  finish(&a);
}

/* No SRV records: the domain's own address on port 2855; "." says there
 * is no such service: the next relay is tried (Kamailio, by address). */
static void test_srv_none(void **state) {
  (void)state;
  msrp_relay_config rs[3] = {relay("msrp://closed.test;tcp"),
                             relay("msrp://nosrv.test;tcp"), relay(relay_tcp)};
  endpoint a;
  start(&a, false, rs, 3, NULL);
  wait_for(&a.prepared);
  assert_int_equal(a.status, 0);
  assert_int_equal(a.path.uris[0].port, tcp_port);
  assert_logged("relay msrp://closed.test;tcp: SRV says the service is not "
                "available there");
  assert_logged("relay msrp://nosrv.test;tcp: no SRV records, trying its "
                "address records");
  assert_logged("connecting to relay msrp://nosrv.test;tcp at 127.0.0.1:2855");
  finish(&a);
}

/* ---- a file through the relay (RFC 5547 over RFC 4976) --------------- */

typedef struct file_seen {
  char *sdp;
  int initialized, started, ended, failed;
  char path[1024];
  char reason[256];
} file_seen;

static void file_observe(msrp_notification_center *center,
                         const msrp_notification *n, void *ud) {
  (void)center;
  file_seen *f = ud;
  if (!strcmp(n->name, MSRP_FILE_TRANSFER_DID_INITIALIZE)) {
    f->sdp =
        strdup(((const msrp_file_transfer_did_initialize *)n->payload)->sdp);
    f->initialized++;
  } else if (!strcmp(n->name, MSRP_FILE_TRANSFER_DID_START)) {
    f->started++;
  } else if (!strcmp(n->name, MSRP_FILE_TRANSFER_DID_FAIL)) {
    snprintf(f->reason, sizeof f->reason, "%s",
             ((const msrp_file_transfer_did_fail *)n->payload)->reason);
    f->failed++;
  } else if (!strcmp(n->name, MSRP_FILE_TRANSFER_DID_END)) {
    const msrp_file_transfer_did_end *e = n->payload;
    snprintf(f->path, sizeof f->path, "%s", e->path ? e->path : "");
    f->ended++;
  }
}

/* 20 MB from one end behind the relay to the other behind it too: chunked
 * to the relay's limit, REPORTed back through it, hashed and whole. */
static void test_file_through_relay(void **state) {
  (void)state;
  char dir[] = "/tmp/relay-file-XXXXXX";
  assert_non_null(mkdtemp(dir));
  char src[128], got[160];
  snprintf(src, sizeof src, "%s/twenty.bin", dir);
  FILE *fp = fopen(src, "wb");
  assert_non_null(fp);
  for (uint32_t i = 0; i < 20u * 1000 * 1000 / 4; i++) {
    uint32_t v = i * 2654435761u;
    fwrite(&v, 4, 1, fp);
  }
  fclose(fp);
  char in[96];
  snprintf(in, sizeof in, "%s/in", dir);
  assert_int_equal(mkdir(in, 0700), 0);

  msrp_notification_center *nc;
  assert_int_equal(msrp_notification_center_new(&nc), 0);
  msrp_relay_config r = relay(relay_tcp);
  msrp_account aa = {.uri = "sip:alice@example.com",
                     .local_host = "127.0.0.1",
                     .relays = &r,
                     .nrelays = 1,
                     .logger = test_logger(),
                     .response_timeout_ms = 10000};
  msrp_account ba = aa;
  ba.uri = "sip:bob@example.com";
  msrp_file_transfer_config ac = {.file = src}, bc = {.directory = in};
  msrp_file_transfer *alice, *bob;
  file_seen fa = {0}, fb = {0};
  assert_int_equal(msrp_file_transfer_new(&alice, &loop, nc, &aa,
                                          "sip:bob@example.com", &ac),
                   0);
  msrp_notification_center_add_observer(nc, NULL, alice, file_observe, &fa,
                                        NULL);
  assert_int_equal(msrp_file_transfer_initialize(alice), 0);
  wait_for_count(&fa.initialized);
  assert_int_equal(msrp_file_transfer_new_from_sdp(&bob, &loop, nc, &ba,
                                                   "sip:alice@example.com",
                                                   fa.sdp, &bc),
                   0);
  msrp_notification_center_add_observer(nc, NULL, bob, file_observe, &fb, NULL);
  assert_int_equal(msrp_file_transfer_initialize(bob), 0);
  wait_for_count(&fb.initialized);
  char want[64];
  snprintf(want, sizeof want, "a=path:msrp://127.0.0.1:%d/", tcp_port);
  assert_non_null(strstr(fa.sdp, want));
  assert_non_null(strstr(fb.sdp, want));
  assert_int_equal(msrp_file_transfer_start(bob, fa.sdp), 0);
  assert_int_equal(msrp_file_transfer_start(alice, fb.sdp), 0);
  /* 2,500 chunks through the relay: well under a second on an idle
   * machine, but the relay's share of a loaded one may be small */
  const int *v[2] = {&fa.ended, &fb.ended};
  wait_until_for(both, v, 180);
  if (fa.failed || fb.failed)
    fail_msg("failed: alice \"%s\", bob \"%s\"", fa.reason, fb.reason);
  snprintf(got, sizeof got, "%s/twenty.bin", in);
  assert_string_equal(fb.path, got);
  assert_string_equal(fa.path, src);
  /* the same bytes (the library checked the SHA-1 too) */
  FILE *x = fopen(src, "rb"), *y = fopen(got, "rb");
  assert_non_null(x);
  assert_non_null(y);
  static uint8_t p[65536], q[65536];
  size_t n, total = 0;
  while ((n = fread(p, 1, sizeof p, x)) > 0) {
    assert_int_equal(fread(q, 1, sizeof q, y), n);
    assert_memory_equal(p, q, n);
    total += n;
  }
  assert_int_equal(total, 20u * 1000 * 1000);
  fclose(x);
  fclose(y);
  print_message("20 MB through the relay in chunks of at most %zu bytes\n",
                (size_t)8192);
  msrp_file_transfer_free(alice);
  msrp_file_transfer_free(bob);
  msrp_notification_center_free(nc);
  free(fa.sdp);
  free(fb.sdp);
  unlink(got);
  unlink(src);
  rmdir(in);
  rmdir(dir);
}

/* The relay under test: Kamailio (the directory relay.sh started it in),
 * or, with MSRP_TEST_RELAY_DIR, another relay started the same way (our
 * own msrp-relay: tests/interop/msrp-relay/relay.sh). */
static const char *relay_dir(void) {
  const char *d = getenv("MSRP_TEST_RELAY_DIR");
  return d && *d ? d : MSRP_RELAY_DIR;
}

static void read_ports(void) {
  char pf[600];
  snprintf(pf, sizeof pf, "%s/ports", relay_dir());
  FILE *f = fopen(pf, "r");
  if (!f)
    fail_msg("no %s: the relay was not started", pf);
  char line[128];
  while (fgets(line, sizeof line, f)) {
    sscanf(line, "TCP_PORT=%d", &tcp_port);
    sscanf(line, "TLS_PORT=%d", &tls_port);
    if (!strncmp(line, "RELAY_WS=yes", 12))
      relay_ws = true;
  }
  fclose(f);
  snprintf(relay_tcp, sizeof relay_tcp, "msrp://127.0.0.1:%d;tcp", tcp_port);
  snprintf(relay_tls, sizeof relay_tls, "msrps://127.0.0.1:%d;tcp", tls_port);
  snprintf(relay_ca, sizeof relay_ca, "%s/relay.pem", relay_dir());
  snprintf(relay_ws_url, sizeof relay_ws_url, "ws://127.0.0.1:%d/", tcp_port);
  snprintf(relay_wss_url, sizeof relay_wss_url, "wss://127.0.0.1:%d/",
           tls_port);
}

static int group_setup(void **state) {
  (void)state;
  read_ports();
  return tcp_port && tls_port ? 0 : -1;
}

static int group_teardown(void **state) {
  (void)state;
  dns_stop();
  return 0;
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup_teardown(test_both_ends_on_relay, loop_setup,
                                      loop_teardown),
      cmocka_unit_test_setup_teardown(test_tls_relay, loop_setup,
                                      loop_teardown),
      cmocka_unit_test_setup_teardown(test_one_end_on_relay, loop_setup,
                                      loop_teardown),
      cmocka_unit_test_setup_teardown(test_caller_on_relay, loop_setup,
                                      loop_teardown),
      cmocka_unit_test_setup_teardown(test_wrong_password, loop_setup,
                                      loop_teardown),
      cmocka_unit_test_setup_teardown(test_fallback, loop_setup, loop_teardown),
      cmocka_unit_test_setup_teardown(test_chat_through_relay, loop_setup,
                                      loop_teardown),
      cmocka_unit_test_setup_teardown(test_ws_chat, loop_setup, loop_teardown),
      cmocka_unit_test_setup_teardown(test_wss_chat, loop_setup, loop_teardown),
      cmocka_unit_test_setup_teardown(test_expires_refresh, loop_setup,
                                      loop_teardown),
      cmocka_unit_test_setup_teardown(test_file_through_relay, loop_setup,
                                      loop_teardown),
      cmocka_unit_test_setup_teardown(test_srv_fallback, srv_setup,
                                      srv_teardown),
      cmocka_unit_test_setup_teardown(test_srv_tls, srv_setup, srv_teardown),
      cmocka_unit_test_setup_teardown(test_srv_none, srv_setup, srv_teardown),
  };
  apply_test_filter();
  return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
