/* SPDX-License-Identifier: MIT
 * Copyright (c) 2026 The libmsrp authors */
/* Session throughput, two processes over loopback TCP, side by side with a
 * raw TCP pump on the same event loop with the same buffer size (64 KiB
 * writes, one in flight), so the ratio says what MSRP costs:
 *
 *   - bulk: one message of 1 MiB and one of 1 GiB (the body pulled from a
 *     provider, chunks of 64 KiB), MB/s at the receiver, against the pump;
 *   - small: 100-byte messages on one session, each answered 200, with and
 *     without Success-Report (then each also gets a REPORT), messages/s.
 *
 *   bench_session [--quick]     (--quick: 64 MiB instead of 1 GiB, fewer
 *                                small messages)
 *
 * Prints figures; asserts nothing. */
#include <msrp/connect.h>
#include <msrp/session.h>

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define BUF 65536

static double now_s(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void die(const char *what, int rc) {
  fprintf(stderr, "bench_session: %s: %s\n", what, msrp_strerror(rc));
  exit(1);
}

static void write_all(int fd, const void *p, size_t n) {
  if (write(fd, p, n) != (ssize_t)n)
    exit(1);
}

static void read_all(int fd, void *p, size_t n) {
  size_t got = 0;
  while (got < n) {
    ssize_t r = read(fd, (char *)p + got, n - got);
    if (r <= 0)
      exit(1);
    got += (size_t)r;
  }
}

static uint8_t pattern[BUF];

/* ---- the raw pump -------------------------------------------------------- */

typedef struct pump {
  uv_tcp_t tcp, srv;
  uv_write_t wr;
  uv_connect_t conn;
  uint64_t total, moved;
  double t0, t1;
  bool done;
} pump;

static void pump_write(pump *p);

static void on_pump_written(uv_write_t *req, int status) {
  pump *p = req->data;
  if (status)
    exit(2);
  pump_write(p);
}

static void pump_write(pump *p) {
  if (p->moved >= p->total) {
    uv_close((uv_handle_t *)&p->tcp, NULL);
    p->done = true;
    return;
  }
  size_t n = p->total - p->moved < BUF ? (size_t)(p->total - p->moved) : BUF;
  uv_buf_t b = uv_buf_init((char *)pattern, (unsigned)n);
  p->moved += n;
  p->wr.data = p;
  uv_write(&p->wr, (uv_stream_t *)&p->tcp, &b, 1, on_pump_written);
}

static void on_pump_connected(uv_connect_t *req, int status) {
  if (status)
    exit(2);
  pump_write(req->data);
}

static char rxbuf[BUF];

static void pump_alloc(uv_handle_t *h, size_t n, uv_buf_t *b) {
  (void)h;
  (void)n;
  *b = uv_buf_init(rxbuf, BUF);
}

static void pump_read(uv_stream_t *s, ssize_t n, const uv_buf_t *b) {
  (void)b;
  pump *p = s->data;
  if (n < 0) {
    uv_close((uv_handle_t *)s, NULL);
    p->done = true;
    return;
  }
  if (p->moved == 0)
    p->t0 = now_s();
  p->moved += (uint64_t)n;
  if (p->moved >= p->total)
    p->t1 = now_s();
}

static void on_pump_conn(uv_stream_t *srv, int status) {
  pump *p = srv->data;
  if (status)
    exit(2);
  uv_tcp_init(srv->loop, &p->tcp);
  p->tcp.data = p;
  uv_accept(srv, (uv_stream_t *)&p->tcp);
  uv_read_start((uv_stream_t *)&p->tcp, pump_alloc, pump_read);
  uv_close((uv_handle_t *)srv, NULL);
}

/* MB/s of the raw pump for `total` bytes, sender in a child process. */
static double raw_pump(uint64_t total) {
  uv_loop_t loop;
  uv_loop_init(&loop);
  pump rx = {.total = total};
  uv_tcp_init(&loop, &rx.srv);
  rx.srv.data = &rx;
  struct sockaddr_in sa;
  uv_ip4_addr("127.0.0.1", 0, &sa);
  uv_tcp_bind(&rx.srv, (struct sockaddr *)&sa, 0);
  uv_listen((uv_stream_t *)&rx.srv, 1, on_pump_conn);
  int len = sizeof sa;
  uv_tcp_getsockname(&rx.srv, (struct sockaddr *)&sa, &len);
  fflush(NULL);
  pid_t pid = fork();
  if (pid == 0) {
    uv_loop_t l2;
    uv_loop_init(&l2);
    pump tx = {.total = total};
    uv_tcp_init(&l2, &tx.tcp);
    uv_tcp_nodelay(&tx.tcp, 1);
    tx.conn.data = &tx;
    uv_tcp_connect(&tx.conn, &tx.tcp, (struct sockaddr *)&sa,
                   on_pump_connected);
    uv_run(&l2, UV_RUN_DEFAULT);
    _exit(0);
  }
  uv_run(&loop, UV_RUN_DEFAULT);
  waitpid(pid, NULL, 0);
  uv_loop_close(&loop);
  return (double)total / 1e6 / (rx.t1 - rx.t0);
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

/* Connect and bind; the receiver accepts. Paths go through the pipes. */
static void pair_setup(pair *p, bool receiver, int rfd, int wfd,
                       const msrp_session_callbacks *cbs, void *ud) {
  uv_loop_init(&p->loop);
  int rc = receiver ? msrp_get_acceptor(&p->c, &p->loop, NULL)
                    : msrp_get_connector(&p->c, &p->loop, NULL);
  if (rc)
    die("connector", rc);
  p->uri = (msrp_uri)MSRP_URI_INIT;
  p->local = (msrp_path)MSRP_PATH_INIT;
  p->remote = (msrp_path)MSRP_PATH_INIT;
  msrp_uri_init(&p->uri, 0, "127.0.0.1", 0, NULL, NULL);
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

/* ---- bulk ---------------------------------------------------------------- */

typedef struct bulk_rx {
  double t0, t1;
  uint64_t got;
  bool ended;
} bulk_rx;

static void bulk_start(msrp_session *s, const msrp_message_info *m, void *ud) {
  (void)s;
  (void)m;
  ((bulk_rx *)ud)->t0 = now_s();
}

static void bulk_data(msrp_session *s, const msrp_message_info *m, uint64_t off,
                      const uint8_t *d, size_t n, void *ud) {
  (void)s;
  (void)m;
  (void)off;
  (void)d;
  ((bulk_rx *)ud)->got += n;
}

static void bulk_end(msrp_session *s, const msrp_message_info *m, int status,
                     void *ud) {
  (void)s;
  (void)m;
  bulk_rx *r = ud;
  r->t1 = now_s();
  r->ended = status == 0;
  if (status)
    exit(3);
}

static ssize_t provide(uint64_t off, uint8_t *buf, size_t len, void *ud) {
  (void)ud;
  size_t at = (size_t)(off % BUF);
  size_t n = len < BUF - at ? len : BUF - at;
  memcpy(buf, pattern + at, n);
  return (ssize_t)n;
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

static double msrp_bulk(uint64_t total) {
  int up[2], down[2];
  if (pipe(up) || pipe(down))
    exit(1);
  fflush(NULL);
  pid_t pid = fork();
  if (pid == 0) {
    pair p;
    pair_setup(&p, false, down[0], up[1], NULL, NULL);
    bool sent = false;
    msrp_message_params mp = {.content_type = "application/octet-stream",
                              .provider = provide,
                              .size = total};
    if (msrp_session_send_message(p.s, &mp, sent_flag, &sent, NULL))
      exit(5);
    run_until(&p.loop, &sent);
    pair_end(&p);
    _exit(0);
  }
  pair p;
  bulk_rx r = {0};
  msrp_session_callbacks cbs = {.on_message_start = bulk_start,
                                .on_message_data = bulk_data,
                                .on_message_end = bulk_end};
  pair_setup(&p, true, up[0], down[1], &cbs, &r);
  run_until(&p.loop, &r.ended);
  pair_end(&p);
  waitpid(pid, NULL, 0);
  close(up[0]);
  close(up[1]);
  close(down[0]);
  close(down[1]);
  return (double)total / 1e6 / (r.t1 - r.t0);
}

/* ---- many small messages ------------------------------------------------- */

typedef struct small_tx {
  pair *p;
  unsigned total, queued, answered, window;
  msrp_message_params mp;
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
  s->answered++;
  small_pump(s);
}

/* Keep `window` messages in flight. */
static void small_pump(small_tx *s) {
  while (s->queued < s->total && s->queued - s->answered < s->window) {
    if (msrp_session_send_message(s->p->s, &s->mp, small_sent, s, NULL))
      return; /* queue full: the next answer pumps again */
    s->queued++;
  }
}

typedef struct small_rx {
  unsigned want, got;
  double t0, t1;
} small_rx;

static void small_message(msrp_session *s, const msrp_message_info *m,
                          const uint8_t *body, size_t len, void *ud) {
  (void)s;
  (void)m;
  (void)body;
  small_rx *r = ud;
  if (len != 100)
    exit(7);
  if (r->got++ == 0)
    r->t0 = now_s();
  if (r->got == r->want)
    r->t1 = now_s();
}

static double msrp_small(unsigned count, bool success_report) {
  int up[2], down[2];
  if (pipe(up) || pipe(down))
    exit(1);
  fflush(NULL);
  pid_t pid = fork();
  if (pid == 0) {
    pair p;
    pair_setup(&p, false, down[0], up[1], NULL, NULL);
    small_tx s = {.p = &p, .total = count, .window = 200};
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
    _exit(s.answered == s.total ? 0 : 8);
  }
  pair p;
  small_rx r = {.want = count};
  msrp_session_callbacks cbs = {.on_message = small_message};
  pair_setup(&p, true, up[0], down[1], &cbs, &r);
  while (r.got < r.want)
    if (uv_run(&p.loop, UV_RUN_ONCE) == 0)
      break;
  int status;
  /* keep answering until the sender has all its responses */
  while (waitpid(pid, &status, WNOHANG) == 0)
    uv_run(&p.loop, UV_RUN_NOWAIT);
  pair_end(&p);
  close(up[0]);
  close(up[1]);
  close(down[0]);
  close(down[1]);
  if (!WIFEXITED(status) || WEXITSTATUS(status))
    exit(9);
  return (double)count / (r.t1 - r.t0);
}

int main(int argc, char **argv) {
  bool quick = argc > 1 && strcmp(argv[1], "--quick") == 0;
  for (size_t i = 0; i < BUF; i++)
    pattern[i] = (uint8_t)('a' + i % 26);
  const char *only = getenv("BENCH_ONLY"); /* "bulk" or "small" */
  uint64_t sizes[] = {1u << 20, quick ? 64u << 20 : 1u << 30};
  for (int i = 0; i < 2 && !(only && strcmp(only, "bulk")); i++) {
    double raw = raw_pump(sizes[i]);
    double m = msrp_bulk(sizes[i]);
    printf("bulk %5llu MiB: msrp %8.1f MB/s | raw TCP pump %8.1f MB/s | "
           "ratio %.2f\n",
           (unsigned long long)(sizes[i] >> 20), m, raw, m / raw);
    fflush(stdout);
  }
  if (only && strcmp(only, "small"))
    return 0;
  unsigned n = quick ? 20000 : 200000;
  double plain = msrp_small(n, false);
  double rep = msrp_small(n, true);
  printf("small: %u x 100-byte messages, 200 responses, 200 in flight: "
         "%.0f msg/s; with Success-Report: %.0f msg/s\n",
         n, plain, rep);
  return 0;
}
