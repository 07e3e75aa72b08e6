/* SPDX-License-Identifier: MIT
 * Copyright (c) 2026 The libmsrp authors */
/* A scripted MSRP peer for loopback tests: plain blocking sockets (and
 * OpenSSL for TLS) in a thread of its own, so that a script reads like the
 * wire: connect, write these bytes, read until that line, expect a clean
 * close. It plays the peers our own code would never be: one that sends
 * its requests before its 200, never reads, sends garbage, or checks that
 * TLS closes with close_notify. Every read is bounded by a timeout; the
 * loop thread waits for the script's end on a uv_async (no sleeping). */
#ifndef MSRP_TEST_PEER_H
#define MSRP_TEST_PEER_H

#include <openssl/ssl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <uv.h>

typedef struct tpeer {
  int fd;
  SSL_CTX *ctx;
  SSL *ssl;
  char in[1 << 17]; /* what was read and not consumed, NUL-terminated */
  size_t nin;
  char error[320]; /* why the script failed, for the test's message */
} tpeer;

/* Each returns 0, or -1 with p->error set. */
int tp_connect(tpeer *p, int port);       /* 127.0.0.1:port */
int tp_listen(int *listen_fd, int *port); /* 127.0.0.1, any port */
int tp_accept(tpeer *p, int listen_fd);
/* TLS over the connection: as client (cert/key may be NULL: none), or as
 * server. Neither side verifies the other. */
int tp_tls_client(tpeer *p, const char *cert, const char *key);
int tp_tls_server(tpeer *p, const char *cert, const char *key);
int tp_write(tpeer *p, const char *data, size_t len);
int tp_writes(tpeer *p, const char *s);
/* Read until `needle` is in the input; the input up to and including it
 * is returned in `out` (NUL-terminated, at most `size`) and consumed. */
int tp_read_until(tpeer *p, const char *needle, char *out, size_t size);
/* Read exactly `n` bytes into `out` (binary input: WebSocket frames). */
int tp_read_n(tpeer *p, size_t n, char *out);
/* Read until the peer closes: 1 for a TLS close_notify (or a plain TCP
 * close), 0 for a TLS connection cut without close_notify, -1 for a
 * timeout or error. Input read on the way is discarded. */
int tp_read_close(tpeer *p);
void tp_close(tpeer *p);

/* The thread a script runs in. */
typedef struct tthread {
  pthread_t th;
  uv_async_t wake;
  atomic_bool done;
  bool closed; /* the async handle is closed */
  int result;  /* the script's return value */
  void (*fn)(struct tthread *);
  void *arg;
  /* steps the loop thread grants the script (tt_wait_step) */
  pthread_mutex_t mu;
  pthread_cond_t cv;
  int step;
  char error[512];
} tthread;

void tt_start(tthread *t, void (*fn)(tthread *), void *arg);
/* From the script: let the loop thread go on (it may be waiting), and wait
 * until it grants step `n` (tt_grant). */
void tt_notify(tthread *t);
int tt_wait_step(tthread *t, int n);
void tt_grant(tthread *t, int n);
/* From the loop thread: run the loop until the script ended (or `seconds`
 * passed: the test fails), join it, close the async. */
void tt_join(tthread *t, int seconds);
bool tt_is_done(const void *t);

/* From the script: it failed, saying why (`p`'s error). */
void tt_failed(tthread *t, const tpeer *p);
/* From the loop thread, after tt_join: fail the test with the script's
 * reason if it failed (cmocka's fail_msg). */
#define assert_script(t)                                                       \
  do {                                                                         \
    if ((t)->result != 0)                                                      \
      fail_msg("peer script: %s", (t)->error);                                 \
  } while (0)

/* From a chunk's text: the value of header `name` ("From-Path"), or the
 * transaction id of its start line. 0, or -1 when absent. */
int tp_header(const char *chunk, const char *name, char *out, size_t size);
int tp_tid(const char *chunk, char *out, size_t size);
/* A 200 to the request whose text is `chunk`, with these paths. */
int tp_write_200(tpeer *p, const char *chunk, const char *to, const char *from);
#endif
