/* SPDX-License-Identifier: MIT
 * Copyright (c) 2026 The libmsrp authors */
/* A 1 GiB message between two processes over loopback TCP: the sender
 * (a ConnectorDirect) pulls the body from a data provider, the receiver (an
 * AcceptorDirect) gets it as pieces with offsets; both hash it with SHA-256
 * and the hashes must agree. Each process's peak RSS may grow by less than
 * 32 MiB over the transfer: nothing holds the message whole.
 *
 * The two processes are a fork of this one; they exchange their paths
 * (what SDP would carry) and the sender's hash through pipes. Under the
 * sanitizers the message is 256 MiB and the RSS bound is reported, not
 * asserted (ASan's quarantine keeps freed memory on purpose). */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>
#include <openssl/evp.h>

#include <msrp/connect.h>
#include <msrp/session.h>

#if defined(__SANITIZE_ADDRESS__)
#define SANITIZED 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define SANITIZED 1
#endif
#endif
#ifndef SANITIZED
#define SANITIZED 0
#endif

static uint64_t body_size(void) {
  const char *env = getenv("MSRP_BULK_MIB");
  uint64_t mib = env ? strtoull(env, NULL, 10) : (SANITIZED ? 256 : 1024);
  return mib << 20;
}

static long rss_kib(void) {
  struct rusage ru;
  getrusage(RUSAGE_SELF, &ru);
  return ru.ru_maxrss;
}

/* The body: a deterministic stream any offset can be made from. */
static void gen(uint64_t off, uint8_t *buf, size_t len) {
  for (size_t i = 0; i < len; i++) {
    uint64_t x = (off + i) / 8 * 0x9e3779b97f4a7c15ull;
    x ^= x >> 29;
    buf[i] = (uint8_t)(x >> (8 * ((off + i) % 8)));
  }
}

static void write_line(int fd, const char *s) {
  size_t n = strlen(s);
  if (write(fd, s, n) != (ssize_t)n || write(fd, "\n", 1) != 1)
    abort();
}

static void read_line(int fd, char *buf, size_t size) {
  size_t n = 0;
  while (n + 1 < size) {
    ssize_t r = read(fd, buf + n, 1);
    if (r <= 0 || buf[n] == '\n')
      break;
    n++;
  }
  buf[n] = '\0';
}

typedef struct done_flag {
  bool done;
  int status;
  msrp_transport *t;
} done_flag;

static void on_complete(msrp_connector *c, int status, msrp_transport *t,
                        void *ud) {
  (void)c;
  done_flag *d = ud;
  d->done = true;
  d->status = status;
  d->t = t;
}

static void run_until(uv_loop_t *loop, const bool *flag) {
  while (!*flag)
    if (uv_run(loop, UV_RUN_ONCE) == 0 && !*flag)
      break;
}

/* ---- the sender ---------------------------------------------------------- */

typedef struct sender {
  EVP_MD_CTX *md;
  uint64_t hashed;
  bool finished;
  int status, code;
} sender;

static ssize_t provide(uint64_t off, uint8_t *buf, size_t len, void *ud) {
  sender *s = ud;
  gen(off, buf, len);
  if (off == s->hashed) { /* the engine asks for each offset once */
    EVP_DigestUpdate(s->md, buf, len);
    s->hashed += len;
  }
  return (ssize_t)len;
}

static void on_sent(msrp_session *sess, const char *id, int status, int code,
                    const char *comment, void *ud) {
  (void)sess;
  (void)id;
  (void)comment;
  sender *s = ud;
  s->finished = true;
  s->status = status;
  s->code = code;
}

static int run_sender(int to_rx, int from_rx) {
  uv_loop_t loop;
  uv_loop_init(&loop);
  msrp_connector *con;
  msrp_uri uri = MSRP_URI_INIT;
  msrp_path local = MSRP_PATH_INIT, remote = MSRP_PATH_INIT;
  if (msrp_get_connector(&con, &loop, NULL) ||
      msrp_uri_init(&uri, 0, "127.0.0.1", 0, NULL, NULL) ||
      msrp_connector_prepare_wait(con, &uri, &local))
    return 10;
  char text[512];
  msrp_path_format(&local, text, sizeof text);
  write_line(to_rx, text); /* our a=path, as an offer would carry it */
  read_line(from_rx, text, sizeof text);
  if (msrp_path_parse(&remote, text, strlen(text), 0))
    return 11;
  done_flag d = {0};
  if (msrp_connector_complete(con, &remote, on_complete, &d))
    return 12;
  run_until(&loop, &d.done);
  if (d.status)
    return 13;
  msrp_session *s;
  if (msrp_session_new(&s, d.t, NULL, NULL, NULL))
    return 14;
  long rss0 = rss_kib();

  sender snd = {.md = EVP_MD_CTX_new()};
  EVP_DigestInit_ex(snd.md, EVP_sha256(), NULL);
  msrp_message_params p = {.content_type = "application/octet-stream",
                           .provider = provide,
                           .provider_ud = &snd,
                           .size = body_size(),
                           .failure_report = MSRP_REPORT_YES};
  if (msrp_session_send_message(s, &p, on_sent, &snd, NULL))
    return 15;
  run_until(&loop, &snd.finished);
  if (snd.status || snd.code != 200 || snd.hashed != body_size()) {
    fprintf(stderr, "sender: status %d code %d, %llu of %llu bytes hashed\n",
            snd.status, snd.code, (unsigned long long)snd.hashed,
            (unsigned long long)body_size());
    return 16;
  }
  unsigned char md[32];
  unsigned int mdlen;
  EVP_DigestFinal_ex(snd.md, md, &mdlen);
  EVP_MD_CTX_free(snd.md);
  char hex[65];
  for (int i = 0; i < 32; i++)
    snprintf(hex + 2 * i, 3, "%02x", md[i]);
  write_line(to_rx, hex);
  long grown = rss_kib() - rss0;
  snprintf(text, sizeof text, "%ld", grown);
  write_line(to_rx, text);

  msrp_session_shutdown_wait(s);
  msrp_session_free(s);
  msrp_connector_free(con);
  uv_run(&loop, UV_RUN_DEFAULT);
  msrp_path_clear(&local);
  msrp_path_clear(&remote);
  msrp_uri_clear(&uri);
  return uv_loop_close(&loop) ? 17 : 0;
}

/* ---- the receiver -------------------------------------------------------- */

typedef struct receiver {
  EVP_MD_CTX *md;
  uint64_t next;
  bool in_order;
  bool ended;
  int status;
} receiver;

static void on_data(msrp_session *s, const msrp_message_info *m, uint64_t off,
                    const uint8_t *data, size_t len, void *ud) {
  (void)s;
  (void)m;
  receiver *r = ud;
  if (off != r->next)
    r->in_order = false;
  EVP_DigestUpdate(r->md, data, len);
  r->next = off + len;
}

static void on_end(msrp_session *s, const msrp_message_info *m, int status,
                   void *ud) {
  (void)s;
  (void)m;
  receiver *r = ud;
  r->ended = true;
  r->status = status;
}

static void test_1gib_between_processes(void **state) {
  (void)state;
  int up[2], down[2]; /* sender -> receiver, receiver -> sender */
  assert_int_equal(pipe(up), 0);
  assert_int_equal(pipe(down), 0);
  fflush(NULL);
  pid_t pid = fork();
  assert_true(pid >= 0);
  if (pid == 0) {
    close(up[0]);
    close(down[1]);
    _exit(run_sender(up[1], down[0]));
  }
  close(up[1]);
  close(down[0]);

  uv_loop_t loop;
  uv_loop_init(&loop);
  msrp_connector *acc;
  msrp_uri uri = MSRP_URI_INIT;
  msrp_path local = MSRP_PATH_INIT, remote = MSRP_PATH_INIT;
  assert_int_equal(msrp_get_acceptor(&acc, &loop, NULL), 0);
  assert_int_equal(msrp_uri_init(&uri, 0, "127.0.0.1", 0, NULL, NULL), 0);
  char text[512];
  read_line(up[0], text, sizeof text);
  assert_int_equal(msrp_path_parse(&remote, text, strlen(text), 0), 0);
  assert_int_equal(msrp_connector_prepare_wait(acc, &uri, &local), 0);
  msrp_path_format(&local, text, sizeof text);
  write_line(down[1], text); /* the answer's a=path */
  done_flag d = {0};
  assert_int_equal(msrp_connector_complete(acc, &remote, on_complete, &d), 0);
  run_until(&loop, &d.done);
  assert_int_equal(d.status, 0);

  receiver rx = {.md = EVP_MD_CTX_new(), .in_order = true};
  EVP_DigestInit_ex(rx.md, EVP_sha256(), NULL);
  msrp_session_callbacks cbs = {.on_message_data = on_data,
                                .on_message_end = on_end};
  msrp_session *s;
  assert_int_equal(msrp_session_new(&s, d.t, NULL, &cbs, &rx), 0);
  long rss0 = rss_kib();
  run_until(&loop, &rx.ended);
  long grown = rss_kib() - rss0;
  assert_int_equal(rx.status, 0);
  assert_true(rx.in_order);
  assert_true(rx.next == body_size());
  unsigned char md[32];
  unsigned int mdlen;
  EVP_DigestFinal_ex(rx.md, md, &mdlen);
  EVP_MD_CTX_free(rx.md);
  char hex[65];
  for (int i = 0; i < 32; i++)
    snprintf(hex + 2 * i, 3, "%02x", md[i]);

  char sender_hex[80], sender_grown[32];
  read_line(up[0], sender_hex, sizeof sender_hex);
  read_line(up[0], sender_grown, sizeof sender_grown);
  int wstatus;
  /* the sender shuts down once its message is answered; so do we */
  msrp_session_free(s);
  msrp_connector_free(acc);
  uv_run(&loop, UV_RUN_DEFAULT);
  assert_int_equal(waitpid(pid, &wstatus, 0), pid);
  print_message("%llu MiB: sha-256 %s; peak RSS grew by %ld KiB (receiver), "
                "%s KiB (sender)\n",
                (unsigned long long)(body_size() >> 20), hex, grown,
                sender_grown);
  assert_true(WIFEXITED(wstatus));
  assert_int_equal(WEXITSTATUS(wstatus), 0);
  assert_string_equal(sender_hex, hex);
  if (!SANITIZED) {
    assert_true(grown < 32 * 1024);
    assert_true(atol(sender_grown) < 32 * 1024);
  }
  msrp_path_clear(&local);
  msrp_path_clear(&remote);
  msrp_uri_clear(&uri);
  assert_int_equal(uv_loop_close(&loop), 0);
  close(up[0]);
  close(down[1]);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_1gib_between_processes),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
