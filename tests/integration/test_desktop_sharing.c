/* SPDX-License-Identifier: MIT
 * Copyright (c) 2026 The libmsrp authors */
/* Two msrp_desktop_sharing objects in one process over loopback: Alice
 * offers to share (SERVER: she connects to a local "VNC server" the test
 * runs), Bob answers as the viewer (a local "viewer" the test runs connects
 * to his port). The notifications in order; bytes both ways, intact; the
 * end from the viewer, from the sharing side, and the VNC server dying;
 * and a viewer that stops reading while the server floods: the sharing
 * objects hold back (the server's own queue fills) and memory stays
 * bounded. The RFB stream itself is covered with real x11vnc and
 * vncsnapshot by tests/tools/desktop_share.sh. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <msrp/desktop_sharing.h>

#include "integration/loop.h"

#include <sys/resource.h>

static msrp_notification_center *nc;

typedef struct side {
  msrp_desktop_sharing *ds;
  msrp_notification_token token;
  char log[512];
  char *sdp;
  int initialized, started, handler, handler_failed, ended, failed;
} side;

static side alice, bob;

static void observe(msrp_notification_center *center,
                    const msrp_notification *n, void *ud) {
  (void)center;
  side *s = ud;
  size_t len = strlen(s->log);
  snprintf(s->log + len, sizeof s->log - len, "%s%s", len ? " " : "",
           n->name + strlen("MSRPDesktopSharing"));
  if (!strcmp(n->name, MSRP_DESKTOP_SHARING_DID_INITIALIZE)) {
    free(s->sdp);
    s->sdp =
        strdup(((const msrp_desktop_sharing_did_initialize *)n->payload)->sdp);
    s->initialized++;
  } else if (!strcmp(n->name, MSRP_DESKTOP_SHARING_DID_START)) {
    s->started++;
  } else if (!strcmp(n->name, MSRP_DESKTOP_SHARING_HANDLER_DID_START)) {
    s->handler++;
  } else if (!strcmp(n->name, MSRP_DESKTOP_SHARING_HANDLER_DID_FAIL)) {
    s->handler_failed++;
  } else if (!strcmp(n->name, MSRP_DESKTOP_SHARING_DID_FAIL)) {
    s->failed++;
  } else if (!strcmp(n->name, MSRP_DESKTOP_SHARING_DID_END)) {
    s->ended++;
  }
}

static bool atleast(const void *p) {
  const int *const *v = p;
  return *v[0] >= *v[1];
}

#define until(counter, want) until_((counter), (want), #counter)
static void until_(const int *counter, int want, const char *what) {
  const int *v[2] = {counter, &want};
  if (!wait_until_for_quiet(atleast, v, 20))
    fail_msg("waited 20 s for %s >= %d; alice: %s; bob: %s", what, want,
             alice.log, bob.log);
}

/* ---- the local VNC sides: a "server" and a "viewer" on loopback ---------- */

typedef struct local {
  uv_tcp_t listener, conn;
  bool listening, connected, closed_by_peer, conn_closed, listener_closed;
  int port;
  uint64_t got;        /* bytes read */
  bool reading, flood; /* flood: write whenever the queue is short */
  uint64_t written;    /* bytes queued for writing */
  uint8_t pattern;     /* what it writes */
} local;

static local vnc, viewer;

static void on_alloc(uv_handle_t *h, size_t n, uv_buf_t *b) {
  (void)h;
  (void)n;
  static char buf[65536];
  *b = uv_buf_init(buf, sizeof buf);
}

static void on_read(uv_stream_t *s, ssize_t n, const uv_buf_t *b) {
  local *l = s->data;
  if (n < 0) {
    l->closed_by_peer = true;
    uv_read_stop(s);
    return;
  }
  /* the other local end writes bytes that count up from its pattern */
  for (ssize_t i = 0; i < n; i++)
    if ((uint8_t)b->base[i] != (uint8_t)(l->got + (uint64_t)i))
      fail_msg("byte %llu came as %u", (unsigned long long)(l->got + i),
               (unsigned)(uint8_t)b->base[i]);
  l->got += (uint64_t)n;
}

static void on_written(uv_write_t *w, int status) {
  (void)status;
  free(w);
}

/* `n` bytes counting up from what this end has written so far. */
static void send_bytes(local *l, size_t n) {
  uv_write_t *w = malloc(sizeof *w + n);
  assert_non_null(w);
  uint8_t *d = (uint8_t *)(w + 1);
  for (size_t i = 0; i < n; i++)
    d[i] = (uint8_t)(l->written + i);
  uv_buf_t b = uv_buf_init((char *)d, (unsigned)n);
  assert_int_equal(uv_write(w, (uv_stream_t *)&l->conn, &b, 1, on_written), 0);
  l->written += n;
}

static void start_reading(local *l) {
  l->reading = true;
  uv_read_start((uv_stream_t *)&l->conn, on_alloc, on_read);
}

/* The test's VNC server: Alice's side connects to it. */
static void on_vnc_conn(uv_stream_t *server, int status) {
  (void)status;
  uv_tcp_init(&loop, &vnc.conn);
  vnc.conn.data = &vnc;
  assert_int_equal(uv_accept(server, (uv_stream_t *)&vnc.conn), 0);
  vnc.connected = true;
  start_reading(&vnc);
  send_bytes(&vnc, 12); /* as a VNC server greets: "RFB 003.008\n" */
}

static void vnc_listen(void) {
  memset(&vnc, 0, sizeof vnc);
  uv_tcp_init(&loop, &vnc.listener);
  vnc.listener.data = &vnc;
  struct sockaddr_in sa;
  uv_ip4_addr("127.0.0.1", 0, &sa);
  assert_int_equal(uv_tcp_bind(&vnc.listener, (struct sockaddr *)&sa, 0), 0);
  assert_int_equal(uv_listen((uv_stream_t *)&vnc.listener, 1, on_vnc_conn), 0);
  int len = sizeof sa;
  uv_tcp_getsockname(&vnc.listener, (struct sockaddr *)&sa, &len);
  vnc.port = ntohs(sa.sin_port);
  vnc.listening = true;
}

static uv_connect_t viewer_req;

static void on_viewer_connected(uv_connect_t *r, int status) {
  (void)r;
  assert_int_equal(status, 0);
  viewer.connected = true;
  start_reading(&viewer);
}

static void viewer_connect(int port) {
  memset(&viewer, 0, sizeof viewer);
  uv_tcp_init(&loop, &viewer.conn);
  viewer.conn.data = &viewer;
  struct sockaddr_in sa;
  uv_ip4_addr("127.0.0.1", port, &sa);
  assert_int_equal(uv_tcp_connect(&viewer_req, &viewer.conn,
                                  (struct sockaddr *)&sa, on_viewer_connected),
                   0);
}

static void on_local_closed(uv_handle_t *h) {
  local *l = h->data;
  if (h == (uv_handle_t *)&l->conn)
    l->conn_closed = true;
  else
    l->listener_closed = true;
}

static bool locals_closed(const void *p) {
  (void)p;
  return (!vnc.listening || vnc.listener_closed) &&
         (!vnc.connected || vnc.conn_closed) &&
         (!viewer.connected || viewer.conn_closed);
}

static void close_locals(void) {
  if (vnc.listening && !uv_is_closing((uv_handle_t *)&vnc.listener))
    uv_close((uv_handle_t *)&vnc.listener, on_local_closed);
  if (vnc.connected && !uv_is_closing((uv_handle_t *)&vnc.conn))
    uv_close((uv_handle_t *)&vnc.conn, on_local_closed);
  if (viewer.connected && !uv_is_closing((uv_handle_t *)&viewer.conn))
    uv_close((uv_handle_t *)&viewer.conn, on_local_closed);
  wait_until(locals_closed, NULL);
}

/* ---- the two sharing sides -------------------------------------------------
 */

static msrp_account account(const char *me) {
  return (msrp_account){.uri = me,
                        .local_host = "127.0.0.1",
                        .logger = test_logger(),
                        .response_timeout_ms = 5000};
}

static void watch(side *s) {
  assert_int_equal(msrp_notification_center_add_observer(nc, NULL, s->ds,
                                                         observe, s, &s->token),
                   0);
}

static int ds_setup(void **state) {
  loop_setup(state);
  assert_int_equal(msrp_notification_center_new(&nc), 0);
  memset(&alice, 0, sizeof alice);
  memset(&bob, 0, sizeof bob);
  return 0;
}

static int ds_teardown(void **state) {
  msrp_desktop_sharing_free(alice.ds);
  msrp_desktop_sharing_free(bob.ds);
  close_locals();
  free(alice.sdp);
  free(bob.sdp);
  msrp_notification_center_free(nc);
  return loop_teardown(state);
}

static bool both_connected(const void *p) {
  (void)p;
  return vnc.connected && viewer.connected && alice.handler && bob.handler;
}

/* Alice shares (SERVER, offering), Bob views (answering); the local VNC
 * server greets, the local viewer connects to Bob's port. */
static void share(size_t max_buffer) {
  vnc_listen();
  msrp_account a = account("sip:alice@example.com");
  msrp_desktop_sharing_config ac = {.role = MSRP_DESKTOP_SERVER,
                                    .vnc_port = vnc.port,
                                    .max_buffer = max_buffer};
  assert_int_equal(msrp_desktop_sharing_new(&alice.ds, &loop, nc, &a,
                                            "sip:bob@example.com", &ac),
                   0);
  watch(&alice);
  assert_int_equal(msrp_desktop_sharing_initialize(alice.ds), 0);
  until(&alice.initialized, 1);
  assert_non_null(strstr(alice.sdp, "m=application "));
  assert_non_null(strstr(alice.sdp, "a=rfbsetup:passive\r\n"));
  msrp_account b = account("sip:bob@example.com");
  msrp_desktop_sharing_config bc = {.role = MSRP_DESKTOP_VIEWER,
                                    .max_buffer = max_buffer};
  assert_int_equal(msrp_desktop_sharing_new_from_sdp(&bob.ds, &loop, nc, &b,
                                                     "sip:alice@example.com",
                                                     alice.sdp, &bc),
                   0);
  assert_int_equal(msrp_desktop_sharing_role(bob.ds), MSRP_DESKTOP_VIEWER);
  watch(&bob);
  assert_int_equal(msrp_desktop_sharing_initialize(bob.ds), 0);
  until(&bob.initialized, 1);
  assert_non_null(strstr(bob.sdp, "a=rfbsetup:active\r\n"));
  assert_int_equal(msrp_desktop_sharing_start(bob.ds, alice.sdp), 0);
  assert_int_equal(msrp_desktop_sharing_start(alice.ds, bob.sdp), 0);
  until(&bob.started, 1);
  int port = msrp_desktop_sharing_viewer_port(bob.ds);
  assert_true(port > 0);
  viewer_connect(port);
  wait_until(both_connected, NULL);
}

static bool is_closed_by_peer(const void *p) {
  return ((const local *)p)->closed_by_peer;
}

static bool viewer_got(const void *p) {
  return viewer.got >= *(const uint64_t *)p;
}

static bool vnc_got(const void *p) {
  return vnc.got >= *(const uint64_t *)p;
}

/* Bytes both ways, in order; the viewer ends: everything ends. */
static void test_both_ways_then_viewer_leaves(void **state) {
  (void)state;
  share(0);
  uint64_t want = 12 + 300000;
  send_bytes(&vnc, 300000);
  wait_until(viewer_got, &want);
  send_bytes(&viewer, 4000);
  uint64_t back = 4000;
  wait_until(vnc_got, &back);
  uint64_t out, in;
  msrp_desktop_sharing_counters(alice.ds, &out, &in);
  assert_int_equal(out, 12 + 300000);
  assert_int_equal(in, 4000);
  msrp_desktop_sharing_counters(bob.ds, &out, &in);
  assert_int_equal(out, 4000);
  assert_int_equal(in, 12 + 300000);
  /* the viewer closes */
  uv_close((uv_handle_t *)&viewer.conn, on_local_closed);
  until(&bob.ended, 1);
  until(&alice.ended, 1);
  assert_string_equal(bob.log, "DidInitialize DidStart HandlerDidStart "
                               "WillEnd DidEnd");
  assert_string_equal(alice.log, "DidInitialize DidStart HandlerDidStart "
                                 "WillEnd DidEnd");
  wait_until(is_closed_by_peer, &vnc); /* Alice let go of the VNC server */
}

/* The sharing side ends: the viewer's connection closes too. */
static void test_sharing_side_ends(void **state) {
  (void)state;
  share(0);
  assert_int_equal(msrp_desktop_sharing_end(alice.ds), 0);
  until(&alice.ended, 1);
  until(&bob.ended, 1);
  wait_until(is_closed_by_peer, &viewer);
  wait_until(is_closed_by_peer, &vnc);
  assert_string_equal(alice.log, "DidInitialize DidStart HandlerDidStart "
                                 "WillEnd DidEnd");
  assert_int_equal(bob.failed, 0); /* the peer leaving is no failure */
}

/* The VNC server goes away: the share ends on both sides. */
static void test_vnc_server_dies(void **state) {
  (void)state;
  share(0);
  uv_close((uv_handle_t *)&vnc.conn, on_local_closed);
  until(&alice.ended, 1);
  until(&bob.ended, 1);
  wait_until(is_closed_by_peer, &viewer);
  assert_int_equal(alice.failed, 0);
}

/* No VNC server where the config says: HandlerDidFail, then the end. */
static void test_no_vnc_server(void **state) {
  (void)state;
  vnc_listen();
  int port = vnc.port;
  uv_close((uv_handle_t *)&vnc.listener, on_local_closed);
  wait_until(locals_closed, NULL);
  vnc.listening = false;
  msrp_account a = account("sip:alice@example.com");
  msrp_desktop_sharing_config ac = {.role = MSRP_DESKTOP_SERVER,
                                    .vnc_port = port};
  assert_int_equal(msrp_desktop_sharing_new(&alice.ds, &loop, nc, &a,
                                            "sip:bob@example.com", &ac),
                   0);
  watch(&alice);
  assert_int_equal(msrp_desktop_sharing_initialize(alice.ds), 0);
  until(&alice.initialized, 1);
  msrp_account b = account("sip:bob@example.com");
  assert_int_equal(msrp_desktop_sharing_new_from_sdp(&bob.ds, &loop, nc, &b,
                                                     "sip:alice@example.com",
                                                     alice.sdp, NULL),
                   0);
  watch(&bob);
  assert_int_equal(msrp_desktop_sharing_initialize(bob.ds), 0);
  until(&bob.initialized, 1);
  assert_int_equal(msrp_desktop_sharing_start(bob.ds, alice.sdp), 0);
  assert_int_equal(msrp_desktop_sharing_start(alice.ds, bob.sdp), 0);
  until(&alice.ended, 1);
  assert_string_equal(alice.log, "DidInitialize DidStart HandlerDidFail "
                                 "WillEnd DidEnd");
  until(&bob.ended, 1);
}

/* A viewer that stops reading while the VNC server floods: Bob stops
 * reading Alice (his viewer's socket is full), Alice stops reading the
 * server (her session's queue is full), the server is held back; what the
 * sharing objects hold stays within their bounds, and once the viewer
 * reads again every byte arrives in order. */
static bool held_back(const void *p) {
  (void)p;
  /* the server keeps 1 MiB queued at its socket */
  while (vnc.conn.write_queue_size < (1u << 20) && vnc.written < (256u << 20))
    send_bytes(&vnc, 65536);
  return (msrp_desktop_sharing_held_back(bob.ds) & 2) &&
         (msrp_desktop_sharing_held_back(alice.ds) & 1) &&
         vnc.conn.write_queue_size >= (1u << 20);
}

static long rss_kb(void) {
  struct rusage ru;
  getrusage(RUSAGE_SELF, &ru);
  return ru.ru_maxrss;
}

static void test_stalled_viewer(void **state) {
  (void)state;
  const size_t bound = 256 * 1024;
  share(bound);
  long before = rss_kb();
  uv_read_stop((uv_stream_t *)&viewer.conn); /* the viewer stops reading */
  wait_until(held_back, NULL);
  uint64_t out, got_by_bob;
  msrp_desktop_sharing_counters(alice.ds, &out, NULL);
  msrp_desktop_sharing_counters(bob.ds, NULL, &got_by_bob);
  print_message("held back after the server wrote %llu MB; Alice passed on "
                "%llu KB, Bob wrote %llu KB to the stalled viewer; RSS grew "
                "%ld KiB\n",
                (unsigned long long)(vnc.written >> 20),
                (unsigned long long)(out >> 10),
                (unsigned long long)(got_by_bob >> 10), rss_kb() - before);
  assert_true(vnc.written < (256u << 20));
#ifndef __SANITIZE_ADDRESS__ /* (ASan's quarantine says nothing of ours) */
  assert_true(rss_kb() - before < 32 * 1024);
#endif
  /* the viewer reads again: everything arrives, in order */
  start_reading(&viewer);
  uint64_t want = vnc.written;
  wait_until_for(viewer_got, &want, 60);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup_teardown(test_both_ways_then_viewer_leaves,
                                      ds_setup, ds_teardown),
      cmocka_unit_test_setup_teardown(test_sharing_side_ends, ds_setup,
                                      ds_teardown),
      cmocka_unit_test_setup_teardown(test_vnc_server_dies, ds_setup,
                                      ds_teardown),
      cmocka_unit_test_setup_teardown(test_no_vnc_server, ds_setup,
                                      ds_teardown),
      cmocka_unit_test_setup_teardown(test_stalled_viewer, ds_setup,
                                      ds_teardown),
  };
  apply_test_filter();
  return cmocka_run_group_tests(tests, NULL, NULL);
}
