/* SPDX-License-Identifier: MIT
 * Copyright (c) 2026 The libmsrp authors */
/* MSRP over WebSocket (RFC 7977, RFC 6455), the core codec: the upgrade
 * request byte for byte and every way a response can be refused; server
 * frames (text, binary, fragmented, ping, close) to MSRP bytes; our MSRP
 * bytes to one masked message per chunk, however they are cut; oversized
 * and malformed frames refused with a reason; the relay's URL. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <msrp/common.h>

#include "core/websocket.h"

/* A client whose upgrade was accepted (unless `response` says otherwise);
 * its key into `key`. */
static msrp__ws *client(char key[25]) {
  msrp__ws *w;
  assert_int_equal(
      msrp__ws_client_new(&w, "relay.example.com", 8080, "/msrp", 0), 0);
  char *out;
  size_t n;
  assert_int_equal(msrp__ws_take_output(w, &out, &n), 0);
  const char *k = strstr(out, "Sec-WebSocket-Key: ");
  assert_non_null(k);
  memcpy(key, k + 19, 24);
  key[24] = '\0';
  free(out);
  return w;
}

static char *response_for(const char *key, const char *extra) {
  char acc[29];
  msrp__ws_accept_for(key, acc);
  static char r[1024];
  snprintf(r, sizeof r,
           "HTTP/1.1 101 Switching Protocols\r\n"
           "Upgrade: websocket\r\n"
           "Connection: upgrade\r\n"
           "Sec-WebSocket-Accept: %s\r\n"
           "%s\r\n",
           acc, extra);
  return r;
}

static msrp__ws *open_client(void) {
  char key[25];
  msrp__ws *w = client(key);
  const char *r = response_for(key, "Sec-WebSocket-Protocol: msrp\r\n");
  assert_int_equal(msrp__ws_feed(w, (const uint8_t *)r, strlen(r)), 0);
  assert_true(msrp__ws_open(w));
  return w;
}

/* A server frame (unmasked). */
static size_t frame(uint8_t *out, int fin, int opcode, const void *payload,
                    size_t len) {
  size_t k = 0;
  out[k++] = (uint8_t)((fin ? 0x80 : 0) | opcode);
  if (len < 126) {
    out[k++] = (uint8_t)len;
  } else if (len < 65536) {
    out[k++] = 126;
    out[k++] = (uint8_t)(len >> 8);
    out[k++] = (uint8_t)len;
  } else {
    out[k++] = 127;
    for (int i = 7; i >= 0; i--)
      out[k++] = (uint8_t)((uint64_t)len >> (8 * i));
  }
  memcpy(out + k, payload, len);
  return k + len;
}

static void test_request_exact(void **state) {
  (void)state;
  char key[25];
  msrp__ws *w = client(key);
  msrp__ws_free(w);
  assert_int_equal(
      msrp__ws_client_new(&w, "relay.example.com", 8080, "/msrp", 0), 0);
  char *out;
  size_t n;
  assert_int_equal(msrp__ws_take_output(w, &out, &n), 0);
  const char *k = strstr(out, "Sec-WebSocket-Key: ") + 19;
  memcpy(key, k, 24);
  char want[512];
  snprintf(want, sizeof want,
           "GET /msrp HTTP/1.1\r\n"
           "Host: relay.example.com:8080\r\n"
           "Upgrade: websocket\r\n"
           "Connection: Upgrade\r\n"
           "Sec-WebSocket-Key: %s\r\n"
           "Sec-WebSocket-Version: 13\r\n"
           "Sec-WebSocket-Protocol: msrp\r\n"
           "\r\n",
           key);
  assert_int_equal(n, strlen(want));
  assert_memory_equal(out, want, n);
  free(out);
  msrp__ws_free(w);
  /* the scheme's own port is left out of Host; IPv6 in brackets */
  assert_int_equal(msrp__ws_client_new(&w, "::1", 443, "/", 1), 0);
  assert_int_equal(msrp__ws_take_output(w, &out, &n), 0);
  assert_non_null(strstr(out, "GET / HTTP/1.1\r\nHost: [::1]\r\n"));
  free(out);
  msrp__ws_free(w);
  /* RFC 6455's own example of an accept value */
  char acc[29];
  msrp__ws_accept_for("dGhlIHNhbXBsZSBub25jZQ==", acc);
  assert_string_equal(acc, "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=");
  assert_int_equal(msrp__ws_client_new(&w, "a b", 80, "/", 0),
                   MSRP_ERR_INVALID_ARGUMENT);
  assert_int_equal(msrp__ws_client_new(&w, "a", 80, "x", 0),
                   MSRP_ERR_INVALID_ARGUMENT);
}

static void refused(const char *response, const char *reason) {
  char key[25];
  msrp__ws *w = client(key);
  char r[1024];
  snprintf(r, sizeof r, "%s", response);
  char *at = strstr(r, "%ACCEPT%");
  if (at) {
    char acc[29], rest[1024];
    msrp__ws_accept_for(key, acc);
    snprintf(rest, sizeof rest, "%s", at + 8);
    snprintf(at, sizeof r - (size_t)(at - r), "%s%s", acc, rest);
  }
  int rc = msrp__ws_feed(w, (const uint8_t *)r, strlen(r));
  if (rc != MSRP_ERR_WEBSOCKET)
    fail_msg("taken: %s", r);
  if (!strstr(msrp__ws_error(w), reason))
    fail_msg("reason \"%s\", not \"%s\"", msrp__ws_error(w), reason);
  assert_false(msrp__ws_open(w));
  /* and it stays refused */
  assert_int_equal(msrp__ws_feed(w, (const uint8_t *)"x", 1),
                   MSRP_ERR_WEBSOCKET);
  msrp__ws_free(w);
}

static void test_response_refused(void **state) {
  (void)state;
#define OK_HEAD "HTTP/1.1 101 Switching Protocols\r\n"
  refused("HTTP/1.1 404 Not Found\r\n\r\n", "refused the WebSocket upgrade");
  refused("HTTP/1.0 101 Switching Protocols\r\n\r\n", "in HTTP/1.1");
  refused(OK_HEAD "Connection: upgrade\r\nSec-WebSocket-Accept: %ACCEPT%\r\n"
                  "Sec-WebSocket-Protocol: msrp\r\n\r\n",
          "Upgrade: websocket");
  refused(OK_HEAD "Upgrade: websocket\r\nSec-WebSocket-Accept: %ACCEPT%\r\n"
                  "Sec-WebSocket-Protocol: msrp\r\n\r\n",
          "Connection: Upgrade");
  refused(OK_HEAD "Upgrade: websocket\r\nConnection: upgrade\r\n"
                  "Sec-WebSocket-Accept: s3pPLMBiTxaQ9kK+xOo=YbB3QQ==\r\n"
                  "Sec-WebSocket-Protocol: msrp\r\n\r\n",
          "Sec-WebSocket-Accept");
  refused(OK_HEAD "Upgrade: websocket\r\nConnection: upgrade\r\n"
                  "Sec-WebSocket-Protocol: msrp\r\n\r\n",
          "Sec-WebSocket-Accept");
  refused(OK_HEAD "Upgrade: websocket\r\nConnection: upgrade\r\n"
                  "Sec-WebSocket-Accept: %ACCEPT%\r\n\r\n",
          "msrp subprotocol");
  refused(OK_HEAD "Upgrade: websocket\r\nConnection: upgrade\r\n"
                  "Sec-WebSocket-Accept: %ACCEPT%\r\n"
                  "Sec-WebSocket-Protocol: sip\r\n\r\n",
          "msrp subprotocol");
  refused(OK_HEAD "Upgrade: websocket\r\nConnection: upgrade\r\n"
                  "Sec-WebSocket-Accept: %ACCEPT%\r\n"
                  "Sec-WebSocket-Protocol: msrp\r\n"
                  "Sec-WebSocket-Extensions: permessage-deflate\r\n\r\n",
          "extensions");
  /* a head that never ends */
  char key[25];
  msrp__ws *w = client(key);
  static char junk[MSRP__WS_MAX_RESPONSE + 100];
  memset(junk, 'x', sizeof junk);
  assert_int_equal(msrp__ws_feed(w, (const uint8_t *)junk, sizeof junk),
                   MSRP_ERR_WEBSOCKET);
  assert_non_null(strstr(msrp__ws_error(w), "passes"));
  msrp__ws_free(w);
}

/* The response cut anywhere, with the first frame right after it. */
static void test_response_in_pieces(void **state) {
  (void)state;
  char key[25];
  msrp__ws *w = client(key);
  const char *r = response_for(key, "Sec-WebSocket-Protocol: MSRP\r\n");
  uint8_t all[2048];
  size_t n = strlen(r);
  memcpy(all, r, n);
  const char *chunk = "MSRP t1 SEND\r\nTo-Path: msrp://a.invalid:2855/x;ws\r\n"
                      "From-Path: msrp://r:1/y;tcp\r\n-------t1$\r\n";
  n += frame(all + n, 1, 1, chunk, strlen(chunk));
  for (size_t i = 0; i < n; i++)
    assert_int_equal(msrp__ws_feed(w, all + i, 1), 0);
  assert_true(msrp__ws_open(w));
  uint8_t out[512];
  size_t got = msrp__ws_read(w, out, sizeof out);
  assert_int_equal(got, strlen(chunk));
  assert_memory_equal(out, chunk, got);
  msrp__ws_free(w);
}

static void test_frames_in(void **state) {
  (void)state;
  msrp__ws *w = open_client();
  uint8_t buf[4096];
  size_t n = 0;
  n += frame(buf + n, 1, 1, "MSRP a", 6);       /* text */
  n += frame(buf + n, 1, 2, "\x00\x01\xff", 3); /* binary */
  n += frame(buf + n, 1, 9, "hi", 2);           /* ping */
  n += frame(buf + n, 0, 1, "frag", 4);         /* fragmented: */
  n += frame(buf + n, 1, 9, "mid", 3);          /* (a ping between) */
  n += frame(buf + n, 0, 0, "men", 3);
  n += frame(buf + n, 1, 0, "ted", 3);
  assert_int_equal(msrp__ws_feed(w, buf, n), 0);
  uint8_t out[64];
  size_t got = msrp__ws_read(w, out, sizeof out);
  assert_int_equal(got, 6 + 3 + 10);
  assert_memory_equal(out,
                      "MSRP a\x00\x01\xff"
                      "fragmented",
                      got);
  assert_false(msrp__ws_closed(w, NULL));
  /* two pongs, masked, with the pings' payloads */
  char *o;
  size_t on;
  assert_int_equal(msrp__ws_take_output(w, &o, &on), 0);
  assert_int_equal(on, 2 * (2 + 4) + 2 + 3);
  assert_int_equal((uint8_t)o[0], 0x8a);
  assert_int_equal((uint8_t)o[1], 0x80 | 2);
  assert_int_equal((uint8_t)(o[6] ^ o[2]), 'h');
  assert_int_equal((uint8_t)(o[7] ^ o[3]), 'i');
  free(o);
  /* the server closes: everything read, then closed, and our close answers
   * it */
  n = frame(buf, 1, 2, "tail", 4);
  n += frame(buf + n, 1, 8, "\x03\xe8", 2);
  assert_int_equal(msrp__ws_feed(w, buf, n), 0);
  assert_false(msrp__ws_closed(w, NULL)); /* "tail" is not read yet */
  assert_int_equal(msrp__ws_read(w, out, sizeof out), 4);
  int code = 0;
  assert_true(msrp__ws_closed(w, &code));
  assert_int_equal(code, 1000);
  assert_int_equal(msrp__ws_take_output(w, &o, &on), 0);
  assert_int_equal((uint8_t)o[0], 0x88);
  free(o);
  msrp__ws_free(w);
}

static void bad_frames(const uint8_t *buf, size_t n, const char *reason) {
  msrp__ws *w = open_client();
  int rc = msrp__ws_feed(w, buf, n);
  if (rc != MSRP_ERR_WEBSOCKET)
    fail_msg("taken (%d): %zu bytes from 0x%02x", rc, n, buf[0]);
  if (!strstr(msrp__ws_error(w), reason))
    fail_msg("reason \"%s\", not \"%s\"", msrp__ws_error(w), reason);
  msrp__ws_free(w);
}

static void test_frames_refused(void **state) {
  (void)state;
  uint8_t buf[64];
  size_t n;
  /* a continuation with no message begun */
  n = frame(buf, 1, 0, "x", 1);
  bad_frames(buf, n, "broke the WebSocket framing");
  /* a new message inside a fragmented one */
  n = frame(buf, 0, 1, "a", 1);
  n += frame(buf + n, 1, 1, "b", 1);
  bad_frames(buf, n, "broke the WebSocket framing");
  /* a masked frame from the server */
  static const uint8_t masked[] = {0x81, 0x81, 1, 2, 3, 4, 'x' ^ 1};
  bad_frames(masked, sizeof masked, "broke the WebSocket framing");
  /* reserved bits, an unknown opcode, a control frame too long */
  static const uint8_t rsv[] = {0xc1, 0x01, 'x'};
  bad_frames(rsv, sizeof rsv, "broke the WebSocket framing");
  static const uint8_t op[] = {0x83, 0x01, 'x'};
  bad_frames(op, sizeof op, "broke the WebSocket framing");
  static const uint8_t fragping[] = {0x09, 0x01, 'x'};
  bad_frames(fragping, sizeof fragping, "broke the WebSocket framing");
  /* a message past the limit: refused from its header on, nothing
   * buffered */
  static const uint8_t huge[] = {0x82, 127, 0, 0, 0, 0, 0x7f, 0, 0, 0, 'x'};
  bad_frames(huge, sizeof huge, "larger than");
  /* the same in fragments that add up past it */
  msrp__ws *w = open_client();
  static uint8_t big[70000];
  uint8_t *f = malloc(80000);
  assert_non_null(f);
  size_t k = frame(f, 0, 2, big, sizeof big);
  assert_int_equal(msrp__ws_feed(w, f, k), 0);
  int rc = 0;
  for (int i = 0; i < 20 && !rc; i++) {
    k = frame(f, 0, 0, big, sizeof big);
    rc = msrp__ws_feed(w, f, k);
  }
  assert_int_equal(rc, MSRP_ERR_WEBSOCKET);
  assert_non_null(strstr(msrp__ws_error(w), "larger than"));
  free(f);
  msrp__ws_free(w);
}

/* Our chunks, cut any way: each becomes one masked message. */
static void test_writes_one_message_per_chunk(void **state) {
  (void)state;
  msrp__ws *w = open_client();
  const char *a = "MSRP t1 SEND\r\nTo-Path: msrp://r:1/s;tcp\r\n"
                  "From-Path: msrp://x.invalid:2855/y;ws\r\nMessage-ID: m\r\n"
                  "Byte-Range: 1-5/5\r\nContent-Type: text/plain\r\n\r\n"
                  "hello\r\n-------t1$\r\n";
  const char *b = "MSRP t2 200 OK\r\nTo-Path: msrp://r:1/s;tcp\r\n"
                  "From-Path: msrp://x.invalid:2855/y;ws\r\n-------t2$\r\n";
  char both[1024];
  snprintf(both, sizeof both, "%s%s", a, b);
  /* byte by byte: nothing goes out before a chunk is whole */
  size_t la = strlen(a);
  for (size_t i = 0; i < strlen(both); i++) {
    struct iovec v = {both + i, 1};
    assert_int_equal(msrp__ws_write(w, &v, 1), 0);
    if (i + 1 < la)
      assert_int_equal(msrp__ws_pending(w), 0);
  }
  char *o;
  size_t n;
  assert_int_equal(msrp__ws_take_output(w, &o, &n), 0);
  /* two text messages, masked (client to server), each a whole chunk */
  size_t off = 0;
  const char *want[2] = {a, b};
  for (int m = 0; m < 2; m++) {
    size_t len = strlen(want[m]);
    assert_int_equal((uint8_t)o[off], 0x81);
    size_t plen = (uint8_t)o[off + 1] & 0x7f, hdr = 2;
    assert_true((uint8_t)o[off + 1] & 0x80);
    if (plen == 126) {
      plen = ((size_t)(uint8_t)o[off + 2] << 8) | (uint8_t)o[off + 3];
      hdr = 4;
    }
    assert_int_equal(plen, len);
    const uint8_t *mask = (const uint8_t *)o + off + hdr;
    for (size_t i = 0; i < len; i++)
      assert_int_equal((uint8_t)o[off + hdr + 4 + i] ^ mask[i % 4],
                       (uint8_t)want[m][i]);
    off += hdr + 4 + len;
  }
  assert_int_equal(off, n);
  free(o);
  /* a body that is not UTF-8 goes in a binary message */
  const char *bin =
      "MSRP t3 SEND\r\nTo-Path: msrp://r:1/s;tcp\r\n"
      "From-Path: msrp://x.invalid:2855/y;ws\r\nMessage-ID: m2\r\n"
      "Byte-Range: 1-2/2\r\nContent-Type: application/x\r\n\r\n"
      "\xff\xfe\r\n-------t3$\r\n";
  struct iovec v = {(void *)bin, strlen(bin)};
  assert_int_equal(msrp__ws_write(w, &v, 1), 0);
  assert_int_equal(msrp__ws_take_output(w, &o, &n), 0);
  assert_int_equal((uint8_t)o[0], 0x82);
  free(o);
  /* not MSRP: refused, with the parser's reason */
  v = (struct iovec){(void *)"GARBAGE\r\n", 9};
  assert_int_equal(msrp__ws_write(w, &v, 1), MSRP_ERR_WEBSOCKET);
  assert_non_null(strstr(msrp__ws_error(w), "not MSRP"));
  msrp__ws_free(w);
  /* close: one frame, once; nothing more may be written */
  w = open_client();
  assert_int_equal(msrp__ws_close(w), 1);
  assert_int_equal(msrp__ws_close(w), 0);
  assert_int_equal(msrp__ws_take_output(w, &o, &n), 0);
  assert_int_equal((uint8_t)o[0], 0x88);
  free(o);
  v = (struct iovec){(void *)b, strlen(b)};
  assert_int_equal(msrp__ws_write(w, &v, 1), MSRP_ERR_CLOSED);
  msrp__ws_free(w);
}

static void test_url(void **state) {
  (void)state;
  msrp__ws_url u;
  assert_int_equal(msrp__ws_url_parse("ws://relay.example.com", &u), 0);
  assert_false(u.secure);
  assert_string_equal(u.host, "relay.example.com");
  assert_int_equal(u.port, 80);
  assert_string_equal(u.path, "/");
  assert_int_equal(msrp__ws_url_parse("WSS://[2001:db8::1]:8443/msrp/x", &u),
                   0);
  assert_true(u.secure);
  assert_string_equal(u.host, "2001:db8::1");
  assert_int_equal(u.port, 8443);
  assert_string_equal(u.path, "/msrp/x");
  assert_int_equal(msrp__ws_url_parse("wss://h:443", &u), 0);
  assert_int_equal(u.port, 443);
  static const char *const bad[] = {
      "msrp://h:1;tcp", "ws://",       "ws://:80/",  "ws://h:0",
      "ws://h:65536",   "ws://h:x",    "ws://u@h/",  "ws://h/?q",
      "ws://h/#f",      "ws://h/a b",  "ws://[::1/", "ws://h:80x",
      "http://h/",      "ws://h\r\n/",
  };
  for (size_t i = 0; i < sizeof bad / sizeof *bad; i++)
    if (msrp__ws_url_parse(bad[i], &u) != MSRP_ERR_INVALID_ARGUMENT)
      fail_msg("taken: %s", bad[i]);
  assert_true(msrp__ws_is_url("Ws://x"));
  assert_false(msrp__ws_is_url("msrp://x"));
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_request_exact),
      cmocka_unit_test(test_response_refused),
      cmocka_unit_test(test_response_in_pieces),
      cmocka_unit_test(test_frames_in),
      cmocka_unit_test(test_frames_refused),
      cmocka_unit_test(test_writes_one_message_per_chunk),
      cmocka_unit_test(test_url),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
