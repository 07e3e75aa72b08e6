/* SPDX-License-Identifier: MIT
 * Copyright (c) 2026 The libmsrp authors */
/* Session throughput and latency, a sender and a receiver over loopback
 * (bulk: a sending thread, see raw_tx; the rest: a sending process), side
 * by side with the best raw transfer the machine achieves in the same run,
 * so the ratios say what MSRP costs:
 *
 *   - bulk over TCP: one message of 1 MiB and one of 1 GiB (the body pulled
 *     from a provider), MB/s at the receiver. Baselines: a raw TCP pump
 *     (blocking sockets) at its best write size, and iperf3 between two
 *     processes; the ratio is against the better of the two;
 *   - bulk over TLS: the same message through msrps, against a raw TLS
 *     pump (the same OpenSSL, defaults: the same protocol and cipher, at
 *     the best record/write size); `openssl speed` of that cipher is
 *     printed as a ceiling;
 *   - round-trip latency: one 100-byte message and its 200, one at a time,
 *     p50 and p99 over TCP and TLS;
 *   - small: 100-byte messages, each answered 200, 200 in flight, with and
 *     without Success-Report, messages/s.
 *
 * Every receiver checks what it got: the byte count, and every byte
 * against the sender's pattern (whose period, 65,537, lines up with no
 * chunk or buffer size), msrp and baselines alike; a run that does not
 * check out makes the benchmark print why and exit 1, with no figure.
 * Each figure is taken over REPS interleaved repetitions (the baselines
 * and msrp in turn; a bulk repetition is the best of several transfers on
 * each side, see bulk()) and printed as median (min-max); ratios are
 * medians of the per-repetition ratios.
 *
 *   bench_session [--quick] [--reps N]   (--quick: 64 MiB instead of
 *                                          1 GiB, fewer small messages)
 *   BENCH_ONLY=bulk|tls|latency|small    one part
 *
 * Prints figures; asserts nothing. */
#include <msrp/connect.h>
#include <msrp/session.h>

#include "bench_util.h"

#include <openssl/err.h>
#include <openssl/ssl.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define PERIOD 65537u
#define MAX_WRITE (1u << 20)     /* what msrp is lent at a time */
#define MAX_RAW_WRITE (4u << 20) /* the raw pump's largest write */

/* pattern[i] = f(i % PERIOD): any write of either starts within a period */
static uint8_t pattern[PERIOD + MAX_RAW_WRITE];
static char cert_file[256], key_file[256];

static void die(const char *what, int rc) {
  fprintf(stderr, "bench_session: %s: %s\n", what, msrp_strerror(rc));
  exit(1);
}

/* A receiver got something else than was sent: no figure. */
static void bad(const char *who, const char *what) {
  fprintf(stderr, "bench_session: %s: %s; no figures\n", who, what);
  exit(1);
}

/* The bytes at `off` of any body are the pattern's. */
static bool check(uint64_t off, const uint8_t *d, size_t n) {
  while (n) {
    size_t at = (size_t)(off % PERIOD);
    size_t k = n < PERIOD ? n : PERIOD;
    if (memcmp(d, pattern + at, k))
      return false;
    d += k;
    off += k;
    n -= k;
  }
  return true;
}

/* A result a child process sends its parent. */
typedef struct verdict {
  int ok;
  double mbps;
  char why[120];
} verdict;

/* ---- statistics ------------------------------------------------------------
 */

static void print_stat(const char *label, stat3 s, const char *unit) {
  printf("%s %.1f %s (%.1f-%.1f)", label, s.med, unit, s.min, s.max);
}

/* ---- TCP sockets, for the baselines ----------------------------------------
 */

static int listen_any(int *port) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  struct sockaddr_in a = {.sin_family = AF_INET};
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof a;
  if (fd < 0 || bind(fd, (struct sockaddr *)&a, sizeof a) || listen(fd, 1) ||
      getsockname(fd, (struct sockaddr *)&a, &len))
    exit(1);
  *port = ntohs(a.sin_port);
  return fd;
}

static int connect_to(int port) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(port)};
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  int one = 1;
  setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  if (fd < 0 || connect(fd, (struct sockaddr *)&a, sizeof a))
    exit(1);
  return fd;
}

/* ---- the raw TCP pump, and the raw TLS pump -------------------------------
 */

static SSL_CTX *tls_ctx(bool server) {
  SSL_CTX *ctx =
      SSL_CTX_new(server ? TLS_server_method() : TLS_client_method());
  if (!ctx ||
      (server &&
       (SSL_CTX_use_certificate_file(ctx, cert_file, SSL_FILETYPE_PEM) != 1 ||
        SSL_CTX_use_PrivateKey_file(ctx, key_file, SSL_FILETYPE_PEM) != 1)))
    exit(1);
  /* the raw pump at its best: OpenSSL reads the socket in large reads, not
   * a record header and then its body (two system calls per 16 KiB) */
  SSL_CTX_set_read_ahead(ctx, 1);
  SSL_CTX_set_default_read_buffer_len(ctx, 256 * 1024);
  return ctx;
}

/* TLS over a connected socket (a client or a server), or NULL without
 * `tls` or when the handshake fails (*ok false then). The context goes
 * with the connection: tls_end() frees both. */
static SSL *tls_over(int fd, bool tls, bool server, bool *ok) {
  *ok = true;
  if (!tls)
    return NULL;
  SSL *ssl = SSL_new(tls_ctx(server));
  SSL_set_fd(ssl, fd);
  *ok = (server ? SSL_accept(ssl) : SSL_connect(ssl)) == 1;
  return ssl;
}

static void tls_end(SSL *ssl) {
  if (!ssl)
    return;
  SSL_CTX *ctx = SSL_get_SSL_CTX(ssl);
  SSL_free(ssl);
  SSL_CTX_free(ctx);
}

static char raw_cipher[64];

/* The start of a transfer, the same for every kind: once both sides are
 * connected (and bound), the sender says it is ready and waits; the
 * receiver starts its clock and says go. A transfer is timed from the go
 * to its last byte, so no side's head start counts (a 1 MiB transfer
 * lasts about as long as a loaded machine's scheduling delays). */
static void say(int fd) {
  if (write(fd, "!", 1) != 1)
    exit(1);
}

static void hear(int fd) {
  char c;
  if (read(fd, &c, 1) != 1)
    exit(1);
}

/* A bulk transfer's sending side runs in a thread of its own, pinned to
 * the other core, not in a forked process: while a forked child lives,
 * every page of the parent's heap that the receiver writes is copied on
 * write, which charged msrp's receiver (its read buffers are on the heap)
 * 258 page faults a 1 MiB transfer and the raw pump's (a static buffer,
 * one huge page) 33. A program that receives does not fork a child per
 * message. */
typedef struct raw_tx {
  int port, ready, go; /* the pipe ends it says ready on and hears go from */
  uint64_t total;
  size_t wsize;
  bool tls;
  int failed;
} raw_tx;

static void *raw_sender(void *arg) {
  raw_tx *x = arg;
  bench_pin(0);
  int fd = connect_to(x->port);
  bool ok;
  SSL *ssl = tls_over(fd, x->tls, false, &ok);
  if (!ok) {
    x->failed = 2;
    say(x->ready); /* the receiver finds the handshake failed */
    tls_end(ssl);
    close(fd);
    return NULL;
  }
  say(x->ready);
  hear(x->go);
  for (uint64_t sent = 0; sent < x->total;) {
    size_t n =
        x->total - sent < x->wsize ? (size_t)(x->total - sent) : x->wsize;
    const uint8_t *p = pattern + sent % PERIOD;
    ssize_t w = x->tls ? SSL_write(ssl, p, (int)n) : write(fd, p, n);
    if (w <= 0) {
      x->failed = 3;
      break;
    }
    sent += (uint64_t)w;
  }
  if (x->tls)
    SSL_shutdown(ssl);
  /* wait for the receiver to close: closing with its unread TLS 1.3
   * session tickets in our buffer would reset the connection under it */
  shutdown(fd, SHUT_WR);
  char sink[4096];
  while (read(fd, sink, sizeof sink) > 0)
    ;
  tls_end(ssl);
  close(fd);
  return NULL;
}

/* MB/s of a raw transfer of `total` bytes in writes of `wsize`: blocking
 * sockets, the sender a thread on the other core; over TLS with `tls`.
 * The receiver checks every byte. */
static double raw_pump(uint64_t total, size_t wsize, bool tls) {
  int port, lfd = listen_any(&port);
  int ready[2], go[2];
  if (pipe(ready) || pipe(go))
    exit(1);
  raw_tx x = {.port = port,
              .ready = ready[1],
              .go = go[0],
              .total = total,
              .wsize = wsize,
              .tls = tls};
  pthread_t th;
  if (pthread_create(&th, NULL, raw_sender, &x))
    exit(1);
  int fd = accept(lfd, NULL, NULL);
  close(lfd);
  bool ok;
  SSL *ssl = tls_over(fd, tls, true, &ok);
  if (!ok)
    bad("raw TLS pump", "handshake failed");
  if (ssl)
    snprintf(raw_cipher, sizeof raw_cipher, "%s %s", SSL_get_version(ssl),
             SSL_get_cipher_name(ssl));
  static uint8_t buf[1 << 20];
  uint64_t got = 0;
  hear(ready[0]);
  double t0 = now_s();
  say(go[1]);
  while (got < total) {
    ssize_t r =
        tls ? SSL_read(ssl, buf, sizeof buf) : read(fd, buf, sizeof buf);
    if (r <= 0)
      bad(tls ? "raw TLS pump" : "raw TCP pump", "the stream ended early");
    if (!check(got, buf, (size_t)r))
      bad(tls ? "raw TLS pump" : "raw TCP pump", "bytes differ");
    got += (uint64_t)r;
  }
  double t1 = now_s();
  tls_end(ssl);
  close(fd);
  pthread_join(th, NULL);
  for (int i = 0; i < 2; i++) {
    close(ready[i]);
    close(go[i]);
  }
  if (x.failed)
    bad("raw pump", "the sender failed");
  return (double)total / 1e6 / (t1 - t0);
}

/* iperf3 between two processes, `total` bytes: MB/s the receiver saw, or
 * 0 when iperf3 is not there. */
static double iperf3(uint64_t total) {
  static int absent = -1;
  if (absent < 0)
    absent = system("command -v iperf3 >/dev/null 2>&1") != 0;
  if (absent)
    return 0;
  int port, lfd = listen_any(&port);
  close(lfd); /* a free port for its server */
  char cmd[768], srv_cpu[16] = "", cli_cpu[16] = "";
  if (bench_cpu(1) >= 0) { /* pinned as ours are */
    snprintf(srv_cpu, sizeof srv_cpu, "-A %d", bench_cpu(1));
    snprintf(cli_cpu, sizeof cli_cpu, "-A %d", bench_cpu(0));
  }
  /* the client goes once the server says it listens (at most 5 s); a
   * server that got no client is stopped, never waited for */
  snprintf(cmd, sizeof cmd,
           "log=/tmp/bench-iperf3-%d.log; "
           "iperf3 -s -1 %s -B 127.0.0.1 -p %d >$log 2>&1 & srv=$!; "
           "for i in $(seq 100); do grep -q listening $log && break; "
           "sleep 0.05; done; "
           "iperf3 -c 127.0.0.1 %s -p %d -n %llu -J 2>/dev/null "
           ">/tmp/bench-iperf3.json; rc=$?; "
           "[ $rc = 0 ] || kill $srv 2>/dev/null; wait $srv; rm -f $log; "
           "exit $rc",
           (int)getpid(), srv_cpu, port, cli_cpu, port,
           (unsigned long long)total);
  if (system(cmd) != 0)
    return 0;
  FILE *f = fopen("/tmp/bench-iperf3.json", "r");
  if (!f)
    return 0;
  static char json[1 << 18];
  size_t n = fread(json, 1, sizeof json - 1, f);
  fclose(f);
  json[n] = '\0';
  const char *r = strstr(json, "\"sum_received\"");
  const char *b = r ? strstr(r, "\"bits_per_second\":") : NULL;
  return b ? atof(b + 18) / 8e6 : 0;
}

/* ---- an MSRP session pair across a fork ---------------------------------- */

typedef struct pair {
  uv_loop_t loop;
  msrp_connector *c;
  msrp_session *s;
  msrp_uri uri;
  msrp_path local, remote;
} pair;

typedef struct flag {
  bool done;
  int status;
  msrp_transport *t;
} flag;

static void on_complete(msrp_connector *c, int status, msrp_transport *t,
                        void *ud) {
  (void)c;
  flag *f = ud;
  f->done = true;
  f->status = status;
  f->t = t;
}

static void run_until(uv_loop_t *loop, const bool *f) {
  while (!*f)
    if (uv_run(loop, UV_RUN_ONCE) == 0 && !*f)
      break;
}

/* Connect and bind, over TLS with `tls`; the receiver accepts. Paths go
 * through the pipes. */
static void pair_setup(pair *p, bool receiver, bool tls, int rfd, int wfd,
                       const msrp_session_callbacks *cbs, void *ud) {
  uv_loop_init(&p->loop);
  msrp_tls_config tc = {.cert_file = receiver ? cert_file : NULL,
                        .key_file = receiver ? key_file : NULL,
                        .ca_file = receiver ? NULL : cert_file};
  msrp_connect_config cc = {.tls = tls ? &tc : NULL};
  int rc = receiver ? msrp_get_acceptor(&p->c, &p->loop, &cc)
                    : msrp_get_connector(&p->c, &p->loop, &cc);
  if (rc)
    die("connector", rc);
  p->uri = (msrp_uri)MSRP_URI_INIT;
  p->local = (msrp_path)MSRP_PATH_INIT;
  p->remote = (msrp_path)MSRP_PATH_INIT;
  msrp_uri_init(&p->uri, tls, "127.0.0.1", 0, NULL, NULL);
  if ((rc = msrp_connector_prepare_wait(p->c, &p->uri, &p->local)))
    die("prepare", rc);
  char text[256] = {0}, theirs[256] = {0};
  msrp_path_format(&p->local, text, sizeof text);
  write_all(wfd, text, sizeof text);
  read_all(rfd, theirs, sizeof theirs);
  msrp_path_parse(&p->remote, theirs, strlen(theirs), 0);
  flag f = {0};
  if ((rc = msrp_connector_complete(p->c, &p->remote, on_complete, &f)))
    die("complete", rc);
  run_until(&p->loop, &f.done);
  if (f.status)
    die("binding", f.status);
  /* BENCH_CHUNK=bytes tries another chunk size (default: the library's) */
  msrp_session_config sc = {0};
  if (getenv("BENCH_CHUNK"))
    sc.chunk_size = (size_t)atol(getenv("BENCH_CHUNK"));
  if ((rc = msrp_session_new(&p->s, f.t, &sc, cbs, ud)))
    die("session", rc);
}

static void pair_end(pair *p) {
  msrp_session_free(p->s);
  msrp_connector_free(p->c);
  uv_run(&p->loop, UV_RUN_DEFAULT);
  msrp_path_clear(&p->local);
  msrp_path_clear(&p->remote);
  msrp_uri_clear(&p->uri);
  uv_loop_close(&p->loop);
}

/* Run `sender` in a child and `receiver` here, each with its pair. */
typedef struct two {
  int up[2], down[2];
  pid_t pid;
} two;

static void two_fork(two *t) {
  if (pipe(t->up) || pipe(t->down))
    exit(1);
  fflush(NULL);
  t->pid = fork();
  bench_pin(t->pid == 0 ? 0 : 1); /* the child sends */
}

/* ---- bulk ---------------------------------------------------------------- */

typedef struct bulk_rx {
  double t0, t1;
  uint64_t got, total;
  bool ended, intact;
} bulk_rx;

static void on_ready(uv_poll_t *h, int status, int events) {
  (void)status;
  (void)events;
  uv_poll_stop(h);
  *(bool *)h->data = true;
}

static void bulk_data(msrp_session *s, const msrp_message_info *m, uint64_t off,
                      const uint8_t *d, size_t n, void *ud) {
  (void)s;
  (void)m;
  bulk_rx *r = ud;
  r->got += n;
  r->intact &= check(off, d, n);
}

static void bulk_end(msrp_session *s, const msrp_message_info *m, int status,
                     void *ud) {
  (void)s;
  (void)m;
  bulk_rx *r = ud;
  r->t1 = now_s();
  r->ended = true;
  if (status)
    bad("msrp bulk", msrp_strerror(status));
}

/* The body is lent from the pattern itself (a msrp_data_lender: no copy on
 * our side, as a raw pump writes from its buffer); the engine gives each
 * piece back once written. */
static ssize_t lend(uint64_t off, size_t len, const uint8_t **data, void **ref,
                    void *ud) {
  (void)ud;
  *data = pattern + off % PERIOD;
  *ref = NULL;
  return (ssize_t)(len < MAX_WRITE ? len : MAX_WRITE);
}

static void given_back(void *ref, void *ud) {
  (void)ref;
  (void)ud;
}

static void sent_flag(msrp_session *s, const char *id, int status, int code,
                      const char *comment, void *ud) {
  (void)s;
  (void)id;
  (void)comment;
  (void)code;
  if (status)
    exit(4);
  *(bool *)ud = true;
}

typedef struct bulk_tx {
  int rfd, wfd; /* the pipes to the receiver: paths, ready and go */
  uint64_t total;
  bool tls;
} bulk_tx;

static void *bulk_sender(void *arg) {
  bulk_tx *x = arg;
  bench_pin(0);
  pair p;
  pair_setup(&p, false, x->tls, x->rfd, x->wfd, NULL, NULL);
  say(x->wfd);
  hear(x->rfd);
  bool sent = false;
  msrp_message_params mp = {.content_type = "application/octet-stream",
                            .lender = lend,
                            .release = given_back,
                            .size = x->total};
  if (msrp_session_send_message(p.s, &mp, sent_flag, &sent, NULL))
    exit(5);
  run_until(&p.loop, &sent);
  pair_end(&p);
  return NULL;
}

/* MB/s of one message of `total` bytes, the sender a thread on the other
 * core (see raw_tx). */
static double msrp_bulk(uint64_t total, bool tls) {
  two t;
  if (pipe(t.up) || pipe(t.down))
    exit(1);
  bulk_tx x = {.rfd = t.down[0], .wfd = t.up[1], .total = total, .tls = tls};
  pthread_t th;
  if (pthread_create(&th, NULL, bulk_sender, &x))
    exit(1);
  pair p;
  bulk_rx r = {.total = total, .intact = true};
  msrp_session_callbacks cbs = {.on_message_data = bulk_data,
                                .on_message_end = bulk_end};
  pair_setup(&p, true, tls, t.up[0], t.down[1], &cbs, &r);
  /* the loop runs until the sender is ready: it writes our 200 to its
   * binding SEND */
  uv_poll_t ready;
  bool is_ready = false;
  uv_poll_init(&p.loop, &ready, t.up[0]);
  ready.data = &is_ready;
  uv_poll_start(&ready, UV_READABLE, on_ready);
  run_until(&p.loop, &is_ready);
  uv_close((uv_handle_t *)&ready, NULL);
  hear(t.up[0]);
  r.t0 = now_s();
  say(t.down[1]);
  run_until(&p.loop, &r.ended);
  pair_end(&p);
  pthread_join(th, NULL);
  for (int i = 0; i < 2; i++) {
    close(t.up[i]);
    close(t.down[i]);
  }
  if (r.got != total)
    bad("msrp bulk", "the byte count differs");
  if (!r.intact)
    bad("msrp bulk", "bytes differ from what was sent");
  return (double)total / 1e6 / (r.t1 - r.t0);
}

/* ---- many small messages, and one at a time -------------------------------
 */

typedef struct small_tx {
  pair *p;
  unsigned total, queued, answered, window;
  msrp_message_params mp;
  double sent_at, *rtt; /* window 1: each round trip, in microseconds */
} small_tx;

static void small_pump(small_tx *s);

static void small_sent(msrp_session *sess, const char *id, int status, int code,
                       const char *comment, void *ud) {
  (void)sess;
  (void)id;
  (void)comment;
  small_tx *s = ud;
  if (status || code != 200)
    exit(6);
  if (s->rtt)
    s->rtt[s->answered] = (now_s() - s->sent_at) * 1e6;
  s->answered++;
  small_pump(s);
}

/* Keep `window` messages in flight. */
static void small_pump(small_tx *s) {
  while (s->queued < s->total && s->queued - s->answered < s->window) {
    s->sent_at = now_s();
    if (msrp_session_send_message(s->p->s, &s->mp, small_sent, s, NULL))
      return; /* queue full: the next answer pumps again */
    s->queued++;
  }
}

typedef struct small_rx {
  unsigned want, got;
  bool intact;
  double t0, t1;
} small_rx;

static void small_message(msrp_session *s, const msrp_message_info *m,
                          const uint8_t *body, size_t len, void *ud) {
  (void)s;
  (void)m;
  small_rx *r = ud;
  r->intact &= len == 100 && check(0, body, len);
  if (r->got++ == 0)
    r->t0 = now_s();
  if (r->got == r->want)
    r->t1 = now_s();
}

/* Messages/s for `count` messages, `window` in flight; with `rtt`, the
 * sender's round-trip times (window 1) into the file `rtt_file`. */
static double msrp_small(unsigned count, unsigned window, bool success_report,
                         bool tls, const char *rtt_file) {
  two t;
  two_fork(&t);
  if (t.pid == 0) {
    pair p;
    pair_setup(&p, false, tls, t.down[0], t.up[1], NULL, NULL);
    small_tx s = {.p = &p, .total = count, .window = window};
    if (rtt_file)
      s.rtt = calloc(count, sizeof *s.rtt);
    s.mp = (msrp_message_params){.content_type = "text/plain",
                                 .data = pattern,
                                 .len = 100,
                                 .success_report = success_report
                                                       ? MSRP_REPORT_YES
                                                       : MSRP_REPORT_ABSENT};
    small_pump(&s);
    while (s.answered < s.total)
      if (uv_run(&p.loop, UV_RUN_ONCE) == 0)
        break;
    pair_end(&p);
    if (rtt_file) {
      FILE *f = fopen(rtt_file, "wb");
      if (!f || fwrite(s.rtt, sizeof *s.rtt, count, f) != count)
        _exit(10);
      fclose(f);
    }
    _exit(s.answered == s.total ? 0 : 8);
  }
  pair p;
  small_rx r = {.want = count, .intact = true};
  msrp_session_callbacks cbs = {.on_message = small_message};
  pair_setup(&p, true, tls, t.up[0], t.down[1], &cbs, &r);
  while (r.got < r.want)
    if (uv_run(&p.loop, UV_RUN_ONCE) == 0)
      break;
  int status;
  /* keep answering until the sender has all its responses */
  while (waitpid(t.pid, &status, WNOHANG) == 0)
    uv_run(&p.loop, UV_RUN_NOWAIT);
  pair_end(&p);
  close(t.up[0]);
  close(t.up[1]);
  close(t.down[0]);
  close(t.down[1]);
  if (!WIFEXITED(status) || WEXITSTATUS(status))
    bad("msrp small", "the sending process failed");
  if (r.got != count || !r.intact)
    bad("msrp small", "messages missing or altered");
  return (double)count / (r.t1 - r.t0);
}

/* p50 and p99 of a round trip, in microseconds. */
static void latency(bool tls, unsigned n, double *p50, double *p99) {
  char file[64];
  snprintf(file, sizeof file, "/tmp/bench-rtt-%d", (int)getpid());
  msrp_small(n, 1, false, tls, file);
  double *v = malloc(n * sizeof *v);
  FILE *f = fopen(file, "rb");
  if (!v || !f || fread(v, sizeof *v, n, f) != n)
    bad("latency", "no round-trip times");
  fclose(f);
  unlink(file);
  qsort(v, n, sizeof *v, bench_cmp_d);
  *p50 = v[n / 2];
  *p99 = v[(size_t)n * 99 / 100];
  free(v);
}

/* The same round trip without MSRP: 100 bytes and a 60-byte answer over
 * blocking sockets (TLS with `tls`), p50 and p99 in microseconds. */
static void raw_latency(bool tls, unsigned n, double *p50, double *p99) {
  int port, lfd = listen_any(&port);
  fflush(NULL);
  pid_t pid = fork();
  bench_pin(pid == 0 ? 1 : 0); /* the child answers */
  if (pid == 0) {              /* the answering side */
    int fd = accept(lfd, NULL, NULL), one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    bool ok;
    SSL *ssl = tls_over(fd, tls, true, &ok);
    if (!ok)
      _exit(2);
    uint8_t buf[100];
    for (unsigned i = 0; i < n; i++) {
      size_t got = 0;
      while (got < sizeof buf) {
        ssize_t r = tls ? SSL_read(ssl, buf + got, (int)(sizeof buf - got))
                        : read(fd, buf + got, sizeof buf - got);
        if (r <= 0)
          _exit(3);
        got += (size_t)r;
      }
      if ((tls ? SSL_write(ssl, buf, 60) : write(fd, buf, 60)) != 60)
        _exit(4);
    }
    _exit(0);
  }
  close(lfd);
  int fd = connect_to(port);
  bool ok;
  SSL *ssl = tls_over(fd, tls, false, &ok);
  if (!ok)
    bad("raw latency", "handshake failed");
  double *v = malloc(n * sizeof *v);
  uint8_t buf[100];
  for (unsigned i = 0; i < n; i++) {
    double t0 = now_s();
    if ((tls ? SSL_write(ssl, pattern, 100) : write(fd, pattern, 100)) != 100)
      bad("raw latency", "write failed");
    size_t got = 0;
    while (got < 60) {
      ssize_t r = tls ? SSL_read(ssl, buf + got, (int)(60 - got))
                      : read(fd, buf + got, 60 - got);
      if (r <= 0)
        bad("raw latency", "the answer did not come");
      got += (size_t)r;
    }
    v[i] = (now_s() - t0) * 1e6;
  }
  tls_end(ssl);
  close(fd);
  waitpid(pid, NULL, 0);
  qsort(v, n, sizeof *v, bench_cmp_d);
  *p50 = v[n / 2];
  *p99 = v[(size_t)n * 99 / 100];
  free(v);
}

/* ---- main ------------------------------------------------------------------
 */

static void make_certs(void) {
  snprintf(cert_file, sizeof cert_file, "/tmp/bench-cert-%d.pem",
           (int)getpid());
  snprintf(key_file, sizeof key_file, "/tmp/bench-key-%d.pem", (int)getpid());
  char cmd[768];
  snprintf(cmd, sizeof cmd,
           "openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 "
           "-nodes -keyout %s -out %s -subj /CN=127.0.0.1 "
           "-addext subjectAltName=IP:127.0.0.1 -days 1 >/dev/null 2>&1",
           key_file, cert_file);
  if (system(cmd) != 0)
    bad("setup", "openssl could not make a certificate");
}

/* The raw pump's write sizes: every round tries each. */
static const size_t write_sizes[] = {16384, 65536, 262144, 1048576,
                                     MAX_RAW_WRITE};
#define NSIZES (sizeof write_sizes / sizeof *write_sizes)

/* One bulk size over TCP or TLS, `reps` rounds. This shared machine slows
 * down now and then, for a fraction of a second or for minutes (on one
 * connection, four 256 MiB stretches in a row ran at 1.4-1.9 GB/s and
 * the next four at 4.3-5.3), so a round is the best of several
 * transfers on each side, msrp and the raw pump in turn: a disturbance
 * spoils a round only if it lasts through all of them, and a round's ratio
 * compares the two undisturbed. The pump tries each of its write sizes
 * once a round (a size chosen once, up front, was a guess that moved the
 * baseline by a quarter from one run to the next) and msrp as many
 * times; iperf3 runs once a round beside the large transfer. */
static void bulk(uint64_t total, bool tls, int reps) {
  bool small = total < (64u << 20);
  int shots = (int)NSIZES;
  double m[64], raw[64], ip[64], ratio[64];
  int nip = 0; /* iperf3 runs that gave a figure */
  for (int i = 0; i < reps; i++) {
    raw[i] = m[i] = 0;
    for (int k = 0; k < shots; k++) {
      double r = raw_pump(total, write_sizes[k], tls);
      double o = msrp_bulk(total, tls);
      raw[i] = r > raw[i] ? r : raw[i];
      m[i] = o > m[i] ? o : m[i];
    }
    /* iperf3 beside the pump for the large transfer; for 1 MiB its own
     * start-up is most of what it would time */
    double one = tls || small ? 0 : iperf3(total);
    if (one > 0)
      ip[nip++] = one;
    double base = raw[i] > one ? raw[i] : one;
    ratio[i] = m[i] / base;
  }
  printf("%s %5llu MiB, %d rounds, each the best of %d: ",
         tls ? "TLS bulk" : "bulk", (unsigned long long)(total >> 20), reps,
         shots);
  print_stat("msrp", stats(m, reps), "MB/s");
  printf(" | raw %s pump (each write size once) ", tls ? "TLS" : "TCP");
  print_stat("", stats(raw, reps), "MB/s");
  if (nip) {
    printf(" | iperf3 (once)");
    print_stat("", stats(ip, nip), "MB/s");
    if (nip < reps)
      printf(" [%d of %d runs]", nip, reps);
  }
  stat3 r = stats(ratio, reps);
  printf(" | ratio %.2f (%.2f-%.2f) against the better baseline\n", r.med,
         r.min, r.max);
  fflush(stdout);
  /* the table's baseline: the better of the two, round by round */
  double best[64];
  for (int i = 0; i < reps; i++)
    best[i] = m[i] / ratio[i];
  stat3 b = stats(best, reps);
  char fig[64], base[64];
  snprintf(fig, sizeof fig, "%s %llu MiB", tls ? "TLS bulk" : "bulk",
           (unsigned long long)(total >> 20));
  snprintf(base, sizeof base, "%s",
           tls   ? "raw TLS pump"
           : nip ? "better of raw TCP pump, iperf3"
                 : "raw TCP pump");
  bench_row(fig, stats(m, reps), "MB/s", base, &b, &r,
            total >= (1u << 30) ? (tls ? ">= 0.85" : ">= 0.95") : NULL);
}

int main(int argc, char **argv) {
  bool quick = false;
  /* nine rounds: on a shared machine five let one disturbed hour move a
   * median by a third */
  int reps = 9;
  for (int i = 1; i < argc; i++) {
    if (!strcmp(argv[i], "--quick"))
      quick = true;
    else if (!strcmp(argv[i], "--reps") && i + 1 < argc)
      reps = atoi(argv[++i]);
  }
  if (reps < 1 || reps > 64)
    reps = 9;
  for (size_t i = 0; i < sizeof pattern; i++)
    pattern[i] = (uint8_t)((i % PERIOD) * 2654435761u >> 13);
  make_certs();
  const char *only = getenv("BENCH_ONLY");
  uint64_t big = quick ? 64u << 20 : 1u << 30;
  /* 1 MiB takes milliseconds: seven times the rounds, for a median that
   * holds still (27 let the TLS ratio move by a tenth between runs) */
  int small_reps = reps * 7 > 63 ? 63 : reps * 7;
  if (!only || !strcmp(only, "bulk")) {
    bulk(1u << 20, false, small_reps);
    bulk(big, false, reps);
  }
  if (!only || !strcmp(only, "tls")) {
    bulk(1u << 20, true, small_reps);
    bulk(big, true, reps);
    printf("raw TLS pump negotiated %s; ceiling of that cipher on one core: ",
           raw_cipher);
    fflush(stdout);
    const char *c = strstr(raw_cipher, "AES_128")  ? "aes-128-gcm"
                    : strstr(raw_cipher, "CHACHA") ? "chacha20-poly1305"
                                                   : "aes-256-gcm";
    char cmd[320];
    snprintf(cmd, sizeof cmd,
             "openssl speed -seconds 1 -bytes 16384 -evp %s 2>/dev/null | "
             "awk 'tolower($1) == \"%s\" {printf \"%%.0f MB/s (16 KiB "
             "blocks, openssl speed)\\n\", $NF / 1000}'",
             c, c);
    if (system(cmd) != 0)
      printf("(openssl speed failed)\n");
  }
  if (!only || !strcmp(only, "latency")) {
    unsigned n = quick ? 2000 : 20000;
    for (int tls = 0; tls < 2; tls++) {
      double p50[64], p99[64], r50[64], r99[64], q50[64], q99[64];
      for (int i = 0; i < reps; i++) {
        latency(tls, n, &p50[i], &p99[i]);
        raw_latency(tls, n, &r50[i], &r99[i]);
        q50[i] = p50[i] / r50[i];
        q99[i] = p99[i] / r99[i];
      }
      stat3 a50 = stats(p50, reps), a99 = stats(p99, reps);
      stat3 b50 = stats(r50, reps), b99 = stats(r99, reps);
      stat3 x50 = stats(q50, reps), x99 = stats(q99, reps);
      char fig[64], base[64];
      snprintf(fig, sizeof fig, "latency %s p50", tls ? "TLS" : "TCP");
      snprintf(base, sizeof base, "raw %s ping-pong", tls ? "TLS" : "TCP");
      bench_row(fig, a50, "us", base, &b50, &x50, NULL);
      snprintf(fig, sizeof fig, "latency %s p99", tls ? "TLS" : "TCP");
      bench_row(fig, a99, "us", base, &b99, &x99, "<= 2 (ours/raw)");
      printf("latency %s: one 100-byte message and its 200, %u round trips, "
             "%d rounds: p50 %.1f us (%.1f-%.1f), p99 %.1f us (%.1f-%.1f) | "
             "raw %s ping-pong (blocking sockets): p50 %.1f us, p99 %.1f us "
             "| ratio p50 %.2f, p99 %.2f (%.2f-%.2f)\n",
             tls ? "TLS" : "TCP", n, reps, a50.med, a50.min, a50.max, a99.med,
             a99.min, a99.max, tls ? "TLS" : "TCP", b50.med, b99.med, x50.med,
             x99.med, x99.min, x99.max);
    }
    fflush(stdout);
  }
  if (!only || !strcmp(only, "small")) {
    unsigned n = quick ? 20000 : 200000;
    double plain[64], rep[64];
    for (int i = 0; i < reps; i++) {
      plain[i] = msrp_small(n, 200, false, false, NULL);
      rep[i] = msrp_small(n, 200, true, false, NULL);
    }
    stat3 a = stats(plain, reps), b = stats(rep, reps);
    bench_row("100-byte messages, 200 responses", a, "msg/s", NULL, NULL, NULL,
              ">= 600000");
    bench_row("100-byte messages, Success-Report", b, "msg/s", NULL, NULL, NULL,
              ">= 450000");
    printf("small: %u x 100-byte messages, 200 in flight, %d rounds: %.0f "
           "msg/s (%.0f-%.0f) with 200 responses; %.0f msg/s (%.0f-%.0f) "
           "with Success-Report too\n",
           n, reps, a.med, a.min, a.max, b.med, b.min, b.max);
  }
  unlink(cert_file);
  unlink(key_file);
  return 0;
}
