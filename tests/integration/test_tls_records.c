/* SPDX-License-Identifier: MIT
 * Copyright (c) 2026 The libmsrp authors */
/* The TLS endpoint's output, record by record: two endpoints on the
 * test's certificates talk through memory; what the client writes is cut
 * into TLS records by their headers and compared with what a step's pieces
 * should make: full 16 KiB records, a chunk's head and end-line gathered
 * with the body, never a small record of their own; and the server reads
 * back exactly the bytes written. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <openssl/ssl.h>

#include "io/tls_conn.h"

#define RECORD 16384
#define OVERHEAD 17 /* TLS 1.3: the inner content type and the AEAD tag */

static SSL_CTX *ctx_new(int server) {
  SSL_CTX *ctx =
      SSL_CTX_new(server ? TLS_server_method() : TLS_client_method());
  assert_non_null(ctx);
  SSL_CTX_set_min_proto_version(ctx, TLS1_3_VERSION);
  SSL_CTX_set_mode(ctx, SSL_MODE_ENABLE_PARTIAL_WRITE |
                            SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
  if (server) {
    assert_int_equal(
        SSL_CTX_use_certificate_chain_file(ctx, MSRP_CERT_DIR "/server.pem"),
        1);
    assert_int_equal(SSL_CTX_use_PrivateKey_file(
                         ctx, MSRP_CERT_DIR "/server.key", SSL_FILETYPE_PEM),
                     1);
  }
  return ctx;
}

/* Move what `from` wrote to `to`. */
static void carry(msrp__tls_conn *from, msrp__tls_conn *to) {
  char *out;
  size_t len;
  assert_int_equal(msrp__tls_conn_take_output(from, &out, &len), 0);
  if (len)
    assert_int_equal(msrp__tls_conn_feed(to, out, len), 0);
  free(out);
}

typedef struct pair {
  SSL_CTX *sctx, *cctx;
  msrp__tls_conn *server, *client;
} pair;

static void handshake(pair *p) {
  p->sctx = ctx_new(1);
  p->cctx = ctx_new(0);
  assert_int_equal(msrp__tls_conn_new(&p->server, p->sctx, 1, NULL, NULL), 0);
  assert_int_equal(msrp__tls_conn_new(&p->client, p->cctx, 0, NULL, NULL), 0);
  char why[256];
  int cs = 0, ss = 0;
  for (int i = 0; i < 10 && (cs != 1 || ss != 1); i++) {
    cs = msrp__tls_conn_handshake(p->client, why, sizeof why);
    assert_true(cs >= 0);
    carry(p->client, p->server);
    ss = msrp__tls_conn_handshake(p->server, why, sizeof why);
    assert_true(ss >= 0);
    carry(p->server, p->client);
  }
  assert_int_equal(cs, 1);
  assert_int_equal(ss, 1);
  /* TLS 1.3 tickets and the like: read them off before counting */
  char buf[64];
  assert_int_equal(msrp__tls_conn_read(p->client, buf, sizeof buf), 0);
  assert_int_equal(msrp__tls_conn_pending(p->client), 0);
}

static void pair_free(pair *p) {
  msrp__tls_conn_free(p->client);
  msrp__tls_conn_free(p->server);
  SSL_CTX_free(p->sctx);
  SSL_CTX_free(p->cctx);
}

/* Write `iov` on the client; the sizes of the records it made, in order,
 * into `rec` (their plaintext sizes); the server must read back the same
 * bytes. Returns the number of records. */
static int write_and_count(pair *p, const struct iovec *iov, int n, size_t *rec,
                           int max) {
  assert_int_equal(msrp__tls_conn_write(p->client, iov, n), 0);
  char *out;
  size_t len;
  assert_int_equal(msrp__tls_conn_take_output(p->client, &out, &len), 0);
  int nrec = 0;
  for (size_t at = 0; at < len;) {
    assert_true(len - at >= 5);
    const uint8_t *h = (const uint8_t *)out + at;
    assert_int_equal(h[0], 23); /* application_data */
    size_t rl = (size_t)h[3] << 8 | h[4];
    assert_true(rl > OVERHEAD && at + 5 + rl <= len);
    assert_true(nrec < max);
    rec[nrec++] = rl - OVERHEAD;
    at += 5 + rl;
  }
  assert_int_equal(msrp__tls_conn_feed(p->server, out, len), 0);
  free(out);
  size_t total = 0;
  for (int i = 0; i < n; i++)
    total += iov[i].iov_len;
  char *got = malloc(total + 1), *want = malloc(total + 1);
  assert_non_null(got);
  assert_non_null(want);
  size_t g = 0, w = 0;
  for (int i = 0; i < n; i++) {
    memcpy(want + w, iov[i].iov_base, iov[i].iov_len);
    w += iov[i].iov_len;
  }
  for (;;) {
    ssize_t r = msrp__tls_conn_read(p->server, got + g, total + 1 - g);
    assert_true(r >= 0);
    if (r == 0)
      break;
    g += (size_t)r;
  }
  assert_int_equal(g, total);
  assert_memory_equal(got, want, total);
  free(got);
  free(want);
  return nrec;
}

/* `iov` makes `full` records of 16 KiB, then one of `last` bytes. */
static void expect_records(pair *p, const struct iovec *iov, int n, int full,
                           size_t last) {
  size_t rec[16];
  assert_int_equal(write_and_count(p, iov, n, rec, 16), full + 1);
  for (int i = 0; i < full; i++)
    assert_int_equal(rec[i], RECORD);
  assert_int_equal(rec[full], last);
}

static void fill(char *b, size_t n, unsigned seed) {
  for (size_t i = 0; i < n; i++)
    b[i] = (char)((i * 131u + seed) >> 3);
}

/* A chunk: head, a 64 KiB body, end-line: four full records and one of
 * what is left, not a record for the head and one for the end-line. */
static void test_chunk_in_full_records(void **state) {
  (void)state;
  pair p;
  handshake(&p);
  static char head[150], body[65536], tail[20];
  fill(head, sizeof head, 1);
  fill(body, sizeof body, 2);
  fill(tail, sizeof tail, 3);
  struct iovec iov[] = {
      {head, sizeof head}, {body, sizeof body}, {tail, sizeof tail}};
  expect_records(&p, iov, 3, 4, 150 + 20);
  pair_free(&p);
}

/* Two chunks of a step: 2 x (150 + 40000 + 20) bytes in five records, four
 * full; small pieces only: one record. */
static void test_step_and_small_pieces(void **state) {
  (void)state;
  pair p;
  handshake(&p);
  static char h1[150], b1[40000], t1[20], h2[150], b2[40000], t2[20];
  fill(b1, sizeof b1, 4);
  fill(b2, sizeof b2, 5);
  struct iovec iov[] = {{h1, sizeof h1}, {b1, sizeof b1}, {t1, sizeof t1},
                        {h2, sizeof h2}, {b2, sizeof b2}, {t2, sizeof t2}};
  expect_records(&p, iov, 6, 4, 2 * (150 + 40000 + 20) - 4 * RECORD);

  static char a[20], b[100], c[30];
  struct iovec small[] = {{a, sizeof a}, {b, sizeof b}, {c, sizeof c}};
  expect_records(&p, small, 3, 0, 150);
  pair_free(&p);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_chunk_in_full_records),
      cmocka_unit_test(test_step_and_small_pieces),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
