/* SPDX-License-Identifier: MIT
 * Copyright (c) 2026 The libmsrp authors */
/* Many sessions at once: one server process (MSRPServer: one listening
 * socket, every session bound through it) and one client process
 * (ConnectorDirect per session), N sessions bound over loopback TCP.
 * Prints the time to set them all up, the resident memory each idle
 * session costs on either side (RSS after, minus RSS before, over N; and
 * the heap the library holds for it, glibc's bytes in use), and
 * the time for one 100-byte message on every session (each answered 200,
 * each checked by the server: its session, its bytes).
 *
 *   bench_many [N]        (default 10000; needs 2N+ file descriptors on
 *                          the server side, N+ on the client side)
 *
 * Prints figures; asserts nothing. A session that fails to bind, or a
 * message that does not arrive intact, makes it print why and exit 1. */
#include <msrp/connect.h>
#include <msrp/session.h>

#include "bench_util.h"

#include <malloc.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define URI_MAX 128

static long rss_kb(void) {
  FILE *f = fopen("/proc/self/statm", "r");
  long pages = 0, res = 0;
  if (f) {
    if (fscanf(f, "%ld %ld", &pages, &res) != 2)
      res = 0;
    fclose(f);
  }
  return res * (sysconf(_SC_PAGESIZE) / 1024);
}

/* Heap bytes in use (glibc): what the library holds, whatever the
 * allocator keeps cached besides. */
static long heap_kb(void) {
  struct mallinfo2 mi = mallinfo2();
  return (long)(mi.uordblks / 1024);
}

static void fail(const char *who, const char *what, int rc) {
  fprintf(stderr, "bench_many (%s): %s: %s\n", who, what,
          rc ? msrp_strerror(rc) : "");
  exit(1);
}

static void raise_fd_limit(void) {
  struct rlimit rl;
  if (getrlimit(RLIMIT_NOFILE, &rl) == 0) {
    rl.rlim_cur = rl.rlim_max;
    setrlimit(RLIMIT_NOFILE, &rl);
  }
}

typedef struct sess {
  msrp_uri uri;
  msrp_path remote;
  msrp_session *s;
  int got;    /* server: messages received on it */
  bool bound; /* completion came */
  int index;
} sess;

static int bound, failed, received, answered, bad_bodies;

/* The body of session i's message: it names the session. */
static void body_of(int i, char out[101]) {
  snprintf(out, 101, "session %08d ", i);
  for (size_t k = strlen(out); k < 100; k++)
    out[k] = (char)('a' + (i + (int)k) % 26);
  out[100] = '\0';
}

static void on_message(msrp_session *s, const msrp_message_info *m,
                       const uint8_t *body, size_t len, void *ud) {
  (void)s;
  (void)m;
  sess *x = ud;
  char want[101];
  body_of(x->index, want);
  if (len != 100 || memcmp(body, want, 100))
    bad_bodies++;
  x->got++;
  received++;
}

static const msrp_session_callbacks server_cbs = {.on_message = on_message};

static void on_server_bound(msrp_server *srv, int status, msrp_transport *t,
                            void *ud) {
  (void)srv;
  sess *x = ud;
  x->bound = true;
  if (status || msrp_session_new(&x->s, t, NULL, &server_cbs, x)) {
    failed++;
    return;
  }
  bound++;
}

static void on_client_bound(msrp_connector *c, int status, msrp_transport *t,
                            void *ud) {
  (void)c;
  sess *x = ud;
  x->bound = true;
  if (status || msrp_session_new(&x->s, t, NULL, NULL, x)) {
    failed++;
    return;
  }
  bound++;
}

static void on_sent(msrp_session *s, const char *id, int status, int code,
                    const char *comment, void *ud) {
  (void)s;
  (void)id;
  (void)comment;
  (void)ud;
  if (status || code != 200)
    failed++;
  answered++;
}

static void run_until(uv_loop_t *loop, const int *n, int want) {
  while (*n + failed < want)
    if (uv_run(loop, UV_RUN_ONCE) == 0)
      break;
}

/* The server: N URIs prepared on one port, sent to the client; the
 * client's paths read back; every session completed. */
static void server(int n, int rfd, int wfd) {
  uv_loop_t loop;
  uv_loop_init(&loop);
  msrp_connect_config cc = {.max_unbound = (size_t)n};
  msrp_server *srv;
  int rc = msrp_server_new(&srv, &loop, &cc);
  if (rc)
    fail("server", "new", rc);
  long rss0 = rss_kb(), heap0 = heap_kb();
  sess *ss = calloc((size_t)n, sizeof *ss);
  char(*text)[URI_MAX] = calloc((size_t)n, URI_MAX);
  int port = 0;
  for (int i = 0; i < n; i++) {
    ss[i].index = i;
    ss[i].uri = (msrp_uri)MSRP_URI_INIT;
    msrp_uri_init(&ss[i].uri, 0, "127.0.0.1", port, NULL, NULL);
    if ((rc = msrp_server_prepare(srv, &ss[i].uri, NULL)))
      fail("server", "prepare", rc);
    port = ss[i].uri.port;
    msrp_uri_format(&ss[i].uri, text[i], URI_MAX);
  }
  write_all(wfd, text, (size_t)n * URI_MAX);
  read_all(rfd, text, (size_t)n * URI_MAX);
  double t0 = now_s();
  for (int i = 0; i < n; i++) {
    ss[i].remote = (msrp_path)MSRP_PATH_INIT;
    if (msrp_path_parse(&ss[i].remote, text[i], strlen(text[i]), 0) ||
        (rc = msrp_server_complete_uri(srv, &ss[i].uri, &ss[i].remote, NULL,
                                       on_server_bound, &ss[i])))
      fail("server", "complete", rc);
  }
  char go = 1;
  write_all(wfd, &go, 1); /* the client may connect */
  run_until(&loop, &bound, n);
  double t1 = now_s();
  if (failed)
    fail("server", "sessions did not bind", 0);
  long rss1 = rss_kb(), heap1 = heap_kb();
  /* idle: the client measures too, then sends one message on each */
  write_all(wfd, &go, 1);
  double t2 = now_s();
  run_until(&loop, &received, n);
  double t3 = now_s();
  if (bad_bodies || received != n) {
    fprintf(stderr,
            "bench_many (server): %d of %d messages came, %d "
            "altered\n",
            received, n, bad_bodies);
    exit(1);
  }
  for (int i = 0; i < n; i++)
    if (ss[i].got != 1)
      fail("server", "a session got another's message", 0);
  /* let the 200s go out before the client counts them */
  read_all(rfd, &go, 1);
  double per = (double)(rss1 - rss0) / n;
  stat3 one = {per, per, per};
  char fig[64];
  snprintf(fig, sizeof fig, "RSS per idle session, %d sessions (server)", n);
  bench_row(fig, one, "KiB", NULL, NULL, NULL, "<= 8");
  stat3 rate = {n / (t3 - t2), n / (t3 - t2), n / (t3 - t2)};
  snprintf(fig, sizeof fig, "one message on each of %d sessions", n);
  bench_row(fig, rate, "msg/s", NULL, NULL, NULL, NULL);
  printf("server: %d sessions bound in %.2f s; RSS %ld KiB -> %ld KiB: "
         "%.1f KiB per idle session (heap in use %.1f KiB); one message on "
         "each: all %d arrived intact in %.2f s (%.0f msg/s)\n",
         n, t1 - t0, rss0, rss1, (double)(rss1 - rss0) / n,
         (double)(heap1 - heap0) / n, received, t3 - t2, n / (t3 - t2));
  fflush(stdout);
  for (int i = 0; i < n; i++) {
    msrp_session_free(ss[i].s);
    msrp_path_clear(&ss[i].remote);
    msrp_uri_clear(&ss[i].uri);
  }
  msrp_server_free(srv);
  uv_run(&loop, UV_RUN_DEFAULT);
  uv_loop_close(&loop);
  free(ss);
  free(text);
}

static void client(int n, int rfd, int wfd) {
  uv_loop_t loop;
  uv_loop_init(&loop);
  long rss0 = rss_kb(), heap0 = heap_kb();
  sess *ss = calloc((size_t)n, sizeof *ss);
  msrp_connector **cs = calloc((size_t)n, sizeof *cs);
  char(*text)[URI_MAX] = calloc((size_t)n, URI_MAX);
  read_all(rfd, text, (size_t)n * URI_MAX);
  int rc;
  for (int i = 0; i < n; i++) {
    ss[i].remote = (msrp_path)MSRP_PATH_INIT;
    msrp_path_parse(&ss[i].remote, text[i], strlen(text[i]), 0);
    if ((rc = msrp_get_connector(&cs[i], &loop, NULL)))
      fail("client", "connector", rc);
    ss[i].uri = (msrp_uri)MSRP_URI_INIT;
    msrp_uri_init(&ss[i].uri, 0, "127.0.0.1", 0, NULL, NULL);
    msrp_path local = MSRP_PATH_INIT;
    if ((rc = msrp_connector_prepare_wait(cs[i], &ss[i].uri, &local)))
      fail("client", "prepare", rc);
    msrp_path_format(&local, text[i], URI_MAX);
    msrp_path_clear(&local);
  }
  write_all(wfd, text, (size_t)n * URI_MAX);
  char go;
  read_all(rfd, &go, 1);
  for (int i = 0; i < n; i++)
    if ((rc = msrp_connector_complete(cs[i], &ss[i].remote, on_client_bound,
                                      &ss[i])))
      fail("client", "complete", rc);
  run_until(&loop, &bound, n);
  if (failed)
    fail("client", "sessions did not bind", 0);
  for (int i = 0; i < n; i++) {
    msrp_connector_free(cs[i]);
    cs[i] = NULL;
  }
  uv_run(&loop, UV_RUN_NOWAIT);
  long rss1 = rss_kb(), heap1 = heap_kb();
  read_all(rfd, &go, 1);
  /* the session borrows each body until its message is answered */
  char(*bodies)[101] = calloc((size_t)n, 101);
  for (int i = 0; i < n; i++) {
    body_of(i, bodies[i]);
    msrp_message_params mp = {
        .content_type = "text/plain", .data = bodies[i], .len = 100};
    if ((rc = msrp_session_send_message(ss[i].s, &mp, on_sent, NULL, NULL)))
      fail("client", "send", rc);
  }
  run_until(&loop, &answered, n);
  if (failed)
    fail("client", "messages were not answered 200", 0);
  write_all(wfd, &go, 1);
  printf("client: %d sessions; RSS %ld KiB -> %ld KiB: %.1f KiB per idle "
         "session (heap in use %.1f KiB); every message answered 200\n",
         n, rss0, rss1, (double)(rss1 - rss0) / n, (double)(heap1 - heap0) / n);
  fflush(stdout);
  for (int i = 0; i < n; i++) {
    msrp_session_free(ss[i].s);
    msrp_path_clear(&ss[i].remote);
    msrp_uri_clear(&ss[i].uri);
  }
  uv_run(&loop, UV_RUN_DEFAULT);
  uv_loop_close(&loop);
  free(bodies);
  free(ss);
  free(cs);
  free(text);
}

int main(int argc, char **argv) {
  int n = argc > 1 ? atoi(argv[1]) : 10000;
  if (n < 1)
    n = 10000;
  raise_fd_limit();
  int up[2], down[2];
  if (pipe(up) || pipe(down))
    return 1;
  fflush(NULL);
  pid_t pid = fork();
  if (pid == 0) {
    client(n, down[0], up[1]);
    _exit(0);
  }
  server(n, up[0], down[1]);
  int status;
  waitpid(pid, &status, 0);
  return WIFEXITED(status) ? WEXITSTATUS(status) : 1;
}
