/* SPDX-License-Identifier: MIT
 * Copyright (c) 2026 The libmsrp authors */
/* MSRP over WebSocket (RFC 7977) against a scripted relay that breaks the
 * rules: a wrong Sec-WebSocket-Accept, no msrp subprotocol, a frame far
 * larger than a chunk can be, an AUTH answer cut by a close. Each fails
 * the reservation with MSRP_ERR_WEBSOCKET (or a closed connection) and a
 * log line that says why; nothing crashes or waits forever. The good case
 * runs against Kamailio (test_relay). */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <msrp/connect.h>

#include "core/websocket.h"
#include "loop.h"
#include "peer.h"

#include <unistd.h>

static char logged[4096];

static void keep(msrp_log_level level, const char *message, void *ud) {
  (void)level;
  (void)ud;
  size_t n = strlen(logged);
  snprintf(logged + n, sizeof logged - n, "%s\n", message);
}

static const msrp_logger keeping = {.log = keep, .min_level = MSRP_LOG_DEBUG};

typedef enum misdeed {
  WRONG_ACCEPT,
  NO_PROTOCOL,
  HUGE_FRAME,
  CLOSE_MID
} misdeed;

typedef struct script {
  int listen_fd, port;
  misdeed how;
} script;

/* Read the upgrade request; answer it as `how` says. */
static void bad_relay(tthread *t) {
  script *sc = t->arg;
  tpeer p;
  char req[2048];
  if (tp_accept(&p, sc->listen_fd) ||
      tp_read_until(&p, "\r\n\r\n", req, sizeof req)) {
    tt_failed(t, &p);
    goto out;
  }
  char key[64] = "", acc[29];
  const char *k = strstr(req, "Sec-WebSocket-Key: ");
  if (k)
    sscanf(k + 19, "%63[^\r]", key);
  msrp__ws_accept_for(key, acc);
  if (sc->how == WRONG_ACCEPT)
    acc[3] ^= 1;
  char resp[512];
  snprintf(resp, sizeof resp,
           "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n"
           "Connection: Upgrade\r\nSec-WebSocket-Accept: %s\r\n%s\r\n",
           acc,
           sc->how == NO_PROTOCOL ? "" : "Sec-WebSocket-Protocol: msrp\r\n");
  tp_writes(&p, resp);
  if (sc->how == WRONG_ACCEPT || sc->how == NO_PROTOCOL) {
    if (tp_read_close(&p) != 1) /* the client hangs up */
      tt_failed(t, &p);
    goto out;
  }
  /* the AUTH comes in one masked frame: its header, mask and payload */
  char h[8], frame[2048];
  size_t len = 0;
  if (tp_read_n(&p, 2, h) ||
      ((len = (uint8_t)h[1] & 0x7f) == 126 && tp_read_n(&p, 2, h + 2)) ||
      tp_read_n(
          &p,
          4 + (len == 126 ? ((size_t)(uint8_t)h[2] << 8 | (uint8_t)h[3]) : len),
          frame)) {
    tt_failed(t, &p);
    goto out;
  }
  if ((uint8_t)h[0] != 0x81 || !((uint8_t)h[1] & 0x80)) {
    snprintf(t->error, sizeof t->error, "the AUTH is not a masked text frame");
    t->result = -1;
    goto out;
  }
  if (sc->how == HUGE_FRAME) {
    /* a binary message of 16 MiB announced, its first bytes sent */
    static const char huge[] = {(char)0x82, 127, 0, 0,   0,   0,   1,
                                0,          0,   0, 'M', 'S', 'R', 'P'};
    tp_write(&p, huge, sizeof huge);
  } else {
    /* half an answer in one message, then the close */
    static const char half[] = "MSRP x 200 OK\r\nTo-Path: msrp://a";
    char f[64];
    f[0] = (char)0x81;
    f[1] = (char)(sizeof half - 1);
    memcpy(f + 2, half, sizeof half - 1);
    tp_write(&p, f, 2 + sizeof half - 1);
    tp_write(&p, "\x88\x02\x03\xe8", 4);
  }
  if (tp_read_close(&p) != 1)
    tt_failed(t, &p);
out:
  tp_close(&p);
}

static int run(misdeed how, const char *reason) {
  script sc = {.how = how};
  assert_int_equal(tp_listen(&sc.listen_fd, &sc.port), 0);
  tthread th;
  tt_start(&th, bad_relay, &sc);
  char url[64];
  snprintf(url, sizeof url, "ws://127.0.0.1:%d/", sc.port);
  msrp_relay_config r = {.uri = url, .username = "u", .password = "p"};
  msrp_connect_config cfg = {.relays = &r,
                             .nrelays = 1,
                             .logger = &keeping,
                             .connect_timeout_ms = 10000};
  logged[0] = '\0';
  msrp_connector *c;
  assert_int_equal(msrp_get_connector(&c, &loop, &cfg), 0);
  msrp_uri uri = MSRP_URI_INIT;
  assert_int_equal(msrp_uri_init(&uri, 0, "127.0.0.1", 0, NULL, NULL), 0);
  result pr = {0};
  assert_int_equal(msrp_connector_prepare(c, &uri, on_prepared, &pr), 0);
  wait_for(&pr.done);
  tt_join(&th, 20);
  assert_script(&th);
  if (!strstr(logged, reason))
    fail_msg("the log does not say \"%s\":\n%s", reason, logged);
  msrp_connector_free(c);
  msrp_uri_clear(&uri);
  msrp_path_clear(&pr.path);
  close(sc.listen_fd);
  return pr.status;
}

static void test_wrong_accept(void **state) {
  (void)state;
  assert_int_equal(run(WRONG_ACCEPT, "Sec-WebSocket-Accept is not the one"),
                   MSRP_ERR_WEBSOCKET);
}

static void test_no_subprotocol(void **state) {
  (void)state;
  assert_int_equal(run(NO_PROTOCOL, "did not agree to the msrp subprotocol"),
                   MSRP_ERR_WEBSOCKET);
}

static void test_huge_frame(void **state) {
  (void)state;
  assert_int_equal(run(HUGE_FRAME, "WebSocket message larger than"),
                   MSRP_ERR_WEBSOCKET);
}

static void test_close_mid_chunk(void **state) {
  (void)state;
  assert_int_equal(run(CLOSE_MID, "closed the connection in the middle of a "
                                  "chunk"),
                   MSRP_ERR_CLOSED_MID_CHUNK);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup_teardown(test_wrong_accept, loop_setup,
                                      loop_teardown),
      cmocka_unit_test_setup_teardown(test_no_subprotocol, loop_setup,
                                      loop_teardown),
      cmocka_unit_test_setup_teardown(test_huge_frame, loop_setup,
                                      loop_teardown),
      cmocka_unit_test_setup_teardown(test_close_mid_chunk, loop_setup,
                                      loop_teardown),
  };
  apply_test_filter();
  return cmocka_run_group_tests(tests, NULL, NULL);
}
