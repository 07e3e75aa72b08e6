/* SPDX-License-Identifier: MIT
 * Copyright (c) 2026 The libmsrp authors */
/* msrp_relay_server in-process, on the test's loop and clock, talked to by
 * raw TCP clients that write exact bytes and read what comes back: AUTH
 * (the challenge, 200 with Use-Path and Expires, 423 both ways, a stale
 * nonce, a wrong realm or password, too many failures), requests for
 * sessions that do not exist or lapsed (481), a connection that uses
 * another client's reservation to send as it, a receiver that stops
 * reading while its peer sends at full speed (the relay's queues stay
 * bounded, the sender is held back, nothing is lost), and a thousand
 * connections that never authenticate. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <msrp/auth.h>
#include <msrp/relay_server.h>

#include "integration/loop.h"

#include <sys/resource.h>
#include <unistd.h>

/* ---- the relay, on a clock the test moves -------------------------------- */

static uint64_t fake_now = 1000000;

static uint64_t clock_ms(void *ud) {
  (void)ud;
  return fake_now;
}

static msrp_relay_server *relay;
static char relay_uri[128]; /* the relay, as AUTH addresses it */
static char users[256];
static int port, port6;

static void relay_start(size_t max_queue, size_t per_address) {
  snprintf(users, sizeof users, "%s/relay-users-XXXXXX",
           getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
  int fd = mkstemp(users);
  assert_true(fd >= 0);
  char ha1[33], line[128];
  assert_int_equal(msrp_digest_ha1("alice", "test", "secret", ha1), 0);
  int n = snprintf(line, sizeof line, "alice:test:%s\n", ha1);
  assert_int_equal(write(fd, line, (size_t)n), n);
  assert_int_equal(msrp_digest_ha1("bob", "test", "hunter2", ha1), 0);
  n = snprintf(line, sizeof line, "bob:test:%s\n", ha1);
  assert_int_equal(write(fd, line, (size_t)n), n);
  close(fd);
  const char *listen[] = {"msrp://127.0.0.1:0;tcp", "msrp://[::1]:0;tcp"};
  msrp_relay_server_config c = {.listen = listen,
                                .nlisten = 2,
                                .realm = "test",
                                .users_file = users,
                                .expires_min = 60,
                                .expires_max = 3600,
                                .max_queue_bytes = max_queue,
                                .max_per_address = per_address,
                                .logger = test_logger(),
                                .clock_ms = clock_ms};
  assert_int_equal(msrp_relay_server_new(&relay, &loop, &c), 0);
  char uri[128];
  assert_true(msrp_relay_server_uri(relay, 0, uri, sizeof uri) > 0);
  assert_int_equal(sscanf(uri, "msrp://127.0.0.1:%d;tcp", &port), 1);
  snprintf(relay_uri, sizeof relay_uri, "%s", uri);
  assert_true(msrp_relay_server_uri(relay, 1, uri, sizeof uri) > 0);
  assert_int_equal(sscanf(uri, "msrp://[::1]:%d;tcp", &port6), 1);
}

static int setup(void **state) {
  loop_setup(state);
  relay = NULL;
  return 0;
}

static int teardown(void **state) {
  msrp_relay_server_free(relay);
  relay = NULL;
  unlink(users);
  return loop_teardown(state);
}

static msrp_relay_server_stats stats(void) {
  msrp_relay_server_stats s;
  msrp_relay_server_stats_get(relay, &s);
  return s;
}

/* ---- a raw client -------------------------------------------------------- */

typedef struct raw {
  uv_tcp_t tcp;
  uv_connect_t creq;
  bool connected, closed, eof, reading;
  char *in; /* all it read, NUL-terminated (bodies are text here) */
  size_t len, cap;
  uint64_t total_read; /* counted even when not kept */
  bool keep;           /* keep what is read (else only count it) */
  size_t writing;      /* bytes in writes not yet done */
  uint64_t written;    /* bytes whose writes are done */
} raw;

static void raw_alloc(uv_handle_t *h, size_t size, uv_buf_t *b) {
  (void)h;
  static char buf[65536];
  (void)size;
  *b = uv_buf_init(buf, sizeof buf);
}

static void raw_read(uv_stream_t *s, ssize_t n, const uv_buf_t *b) {
  raw *r = s->data;
  if (n < 0) {
    r->eof = true;
    uv_read_stop(s);
    r->reading = false;
    return;
  }
  r->total_read += (uint64_t)n;
  if (!r->keep)
    return;
  if (r->len + (size_t)n + 1 > r->cap) {
    r->cap = (r->len + (size_t)n + 1) * 2;
    r->in = realloc(r->in, r->cap);
    assert_non_null(r->in);
  }
  memcpy(r->in + r->len, b->base, (size_t)n);
  r->len += (size_t)n;
  r->in[r->len] = '\0';
}

static void raw_connected(uv_connect_t *req, int status) {
  raw *r = req->data;
  if (status) {
    r->eof = true;
    return;
  }
  r->connected = true;
  r->reading = true;
  uv_read_start((uv_stream_t *)&r->tcp, raw_alloc, raw_read);
}

static bool use_ipv6; /* raw clients connect to [::1] */

static void raw_open(raw *r) {
  memset(r, 0, sizeof *r);
  r->keep = true;
  uv_tcp_init(&loop, &r->tcp);
  r->tcp.data = r;
  r->creq.data = r;
  struct sockaddr_storage sa;
  if (use_ipv6)
    uv_ip6_addr("::1", port6, (struct sockaddr_in6 *)&sa);
  else
    uv_ip4_addr("127.0.0.1", port, (struct sockaddr_in *)&sa);
  assert_int_equal(uv_tcp_connect(&r->creq, &r->tcp,
                                  (const struct sockaddr *)&sa, raw_connected),
                   0);
}

static void raw_closed(uv_handle_t *h) {
  raw *r = h->data;
  r->closed = true;
  free(r->in);
  r->in = NULL;
}

static void raw_close(raw *r) {
  if (!uv_is_closing((uv_handle_t *)&r->tcp))
    uv_close((uv_handle_t *)&r->tcp, raw_closed);
}

static bool is_closed(const void *p) {
  return ((const raw *)p)->closed;
}

/* Close and wait until libuv has let go of it. */
static void raw_done(raw *r) {
  raw_close(r);
  wait_until(is_closed, r);
}

typedef struct wreq {
  uv_write_t w;
  raw *r;
  size_t len;
  char data[];
} wreq;

static void raw_written(uv_write_t *w, int status) {
  wreq *q = (wreq *)w;
  q->r->writing -= q->len;
  if (!status)
    q->r->written += q->len;
  free(q);
}

static void raw_send(raw *r, const void *data, size_t len) {
  wreq *q = malloc(sizeof *q + len);
  assert_non_null(q);
  q->r = r;
  q->len = len;
  memcpy(q->data, data, len);
  uv_buf_t b = uv_buf_init(q->data, (unsigned)len);
  r->writing += len;
  assert_int_equal(uv_write(&q->w, (uv_stream_t *)&r->tcp, &b, 1, raw_written),
                   0);
}

static void raw_sendf(raw *r, const char *fmt, ...) {
  char buf[4096];
  va_list ap;
  va_start(ap, fmt);
  int n = vsnprintf(buf, sizeof buf, fmt, ap);
  va_end(ap);
  assert_true(n > 0 && (size_t)n < sizeof buf);
  raw_send(r, buf, (size_t)n);
}

typedef struct seek {
  const raw *r;
  const char *text;
  size_t from;
} seek;

static bool has_text(const void *p) {
  const seek *s = p;
  return s->r->in && s->r->len > s->from && strstr(s->r->in + s->from, s->text);
}

/* Wait for `text` in what r read after offset `from`; the text after it. */
static const char *expect(raw *r, size_t from, const char *text) {
  seek s = {r, text, from};
  if (!wait_until_for_quiet(has_text, &s, 10))
    fail_msg("waited 10 s for \"%s\"; the client read:\n%s", text,
             r->in ? r->in + from : "(nothing)");
  return strstr(r->in + from, text);
}

static bool is_eof(const void *p) {
  return ((const raw *)p)->eof;
}

static bool is_connected(const void *p) {
  const raw *r = p;
  return r->connected || r->eof;
}

/* ---- AUTH ---------------------------------------------------------------- */

static void auth_request(raw *r, const char *tid, const char *client,
                         const char *extra) {
  raw_sendf(r,
            "MSRP %s AUTH\r\nTo-Path: %s\r\nFrom-Path: %s\r\n%s"
            "-------%s$\r\n",
            tid, relay_uri, client, extra, tid);
}

/* The nonce of the 401 at or after `from`. */
static void nonce_of(raw *r, size_t from, char *out, size_t size) {
  const char *www = expect(r, from, "WWW-Authenticate: Digest ");
  const char *n = strstr(www, "nonce=\"");
  assert_non_null(n);
  n += 7;
  size_t k = strcspn(n, "\"");
  assert_true(k < size);
  memcpy(out, n, k);
  out[k] = '\0';
}

static void authorization(char *out, size_t size, const char *user,
                          const char *realm, const char *pass,
                          const char *nonce) {
  msrp_digest_challenge ch = {.qop_auth = 1};
  snprintf(ch.realm, sizeof ch.realm, "%s", realm);
  snprintf(ch.nonce, sizeof ch.nonce, "%s", nonce);
  char a[1024];
  assert_true(msrp_digest_authorization(&ch, user, pass, "AUTH", relay_uri,
                                        NULL, 1, a, sizeof a) > 0);
  snprintf(out, size, "Authorization: %s\r\n", a);
}

/* A reservation for `client` on r: the Use-Path URI into `use`. */
static void reserve(raw *r, const char *user, const char *pass,
                    const char *client, unsigned expires, char *use,
                    size_t size) {
  size_t mark = r->len;
  auth_request(r, "a1aa", client, "");
  char nonce[128], hdr[1200];
  nonce_of(r, mark, nonce, sizeof nonce);
  authorization(hdr, sizeof hdr, user, "test", pass, nonce);
  if (expires)
    snprintf(hdr + strlen(hdr), sizeof hdr - strlen(hdr), "Expires: %u\r\n",
             expires);
  mark = r->len;
  auth_request(r, "a2aa", client, hdr);
  const char *u = expect(r, mark, "Use-Path: ");
  u += strlen("Use-Path: ");
  size_t k = strcspn(u, "\r");
  assert_true(k < size);
  memcpy(use, u, k);
  use[k] = '\0';
  expect(r, mark, "-------a2aa$\r\n");
}

static void connect_raw(raw *r) {
  raw_open(r);
  wait_until(is_connected, r);
  assert_true(r->connected);
}

/* Alice and Bob connected, each with a reservation at the relay: the
 * To-Path from Alice through both to Bob, and back. */
#define ALICE "msrp://127.0.0.1:7001/alice;tcp"
#define BOB "msrp://127.0.0.1:7002/bob;tcp"

typedef struct two_ends {
  raw a, b;
  char to_b[512], to_a[512];
} two_ends;

static void two_ends_open(two_ends *e) {
  char ua[128], ub[128];
  connect_raw(&e->a);
  connect_raw(&e->b);
  reserve(&e->a, "alice", "secret", ALICE, 0, ua, sizeof ua);
  reserve(&e->b, "bob", "hunter2", BOB, 0, ub, sizeof ub);
  snprintf(e->to_b, sizeof e->to_b, "%s %s %s", ua, ub, BOB);
  snprintf(e->to_a, sizeof e->to_a, "%s %s %s", ub, ua, ALICE);
}

/* An AUTH with `extra` headers, waited for until `want` comes back;
 * where its answer starts in what r read. */
static size_t auth_expect(raw *r, const char *tid, const char *client,
                          const char *extra, const char *want) {
  size_t mark = r->len;
  auth_request(r, tid, client, extra);
  expect(r, mark, want);
  return mark;
}

/* A connection to the relay and its first challenge's nonce. */
static void challenged(raw *r, const char *client, char *nonce, size_t size) {
  connect_raw(r);
  size_t mark = r->len;
  auth_request(r, "c1aa", client, "");
  nonce_of(r, mark, nonce, size);
}

static void test_auth(void **state) {
  (void)state;
  relay_start(0, 0);
  raw a;
  connect_raw(&a);
  const char *me = "msrp://127.0.0.1:7777/alice1;tcp";
  /* no credentials: 401, the challenge, back to the previous hop */
  auth_request(&a, "t1aa", me, "");
  expect(&a, 0, "MSRP t1aa 401 Unauthorized\r\n");
  char want[256];
  snprintf(want, sizeof want, "To-Path: %s\r\nFrom-Path: %s\r\n", me,
           relay_uri);
  expect(&a, 0, want);
  expect(&a, 0, "WWW-Authenticate: Digest realm=\"test\", nonce=\"");
  expect(&a, 0, "qop=\"auth\", algorithm=MD5\r\n-------t1aa$\r\n");
  char nonce[128], hdr[1200];
  nonce_of(&a, 0, nonce, sizeof nonce);
  /* Expires outside the bounds: 423 naming the bound */
  authorization(hdr, sizeof hdr, "alice", "test", "secret", nonce);
  char extra[1400];
  snprintf(extra, sizeof extra, "%sExpires: 10\r\n", hdr);
  size_t mark = auth_expect(&a, "t2aa", me, extra,
                            "MSRP t2aa 423 Interval Out-of-Bounds\r\n");
  expect(&a, mark, "Min-Expires: 60\r\n");
  snprintf(extra, sizeof extra, "%sExpires: 99999\r\n", hdr);
  mark = auth_expect(&a, "t3aa", me, extra,
                     "MSRP t3aa 423 Interval Out-of-Bounds\r\n");
  expect(&a, mark, "Max-Expires: 3600\r\n");
  /* in bounds: 200, a Use-Path on this relay with a random session id */
  snprintf(extra, sizeof extra, "%sExpires: 600\r\n", hdr);
  mark = auth_expect(&a, "t4aa", me, extra, "MSRP t4aa 200 OK\r\n");
  const char *u = expect(&a, mark, "Use-Path: msrp://127.0.0.1:");
  char id[64];
  assert_int_equal(sscanf(u, "Use-Path: msrp://127.0.0.1:%*d/%63[^;]", id), 1);
  assert_int_equal(strlen(id), 20);
  expect(&a, mark, "Expires: 600\r\n");
  assert_int_equal(stats().reservations, 1);
  assert_int_equal(stats().auth_ok, 1);
  /* a refresh on the same connection renews that reservation */
  mark = auth_expect(&a, "t5aa", me, extra, "MSRP t5aa 200 OK\r\n");
  snprintf(want, sizeof want, "/%s;tcp", id);
  expect(&a, mark, want);
  assert_int_equal(stats().reservations, 1);
  raw_done(&a);
}

/* Over IPv6: the reservation's URI names the listener the client came
 * in on, [::1]. */
static void test_auth_ipv6(void **state) {
  (void)state;
  relay_start(0, 0);
  snprintf(relay_uri, sizeof relay_uri, "msrp://[::1]:%d;tcp", port6);
  use_ipv6 = true;
  raw a;
  connect_raw(&a);
  use_ipv6 = false;
  char use[128];
  reserve(&a, "alice", "secret", "msrp://[::1]:7777/alice6;tcp", 0, use,
          sizeof use);
  char want[64];
  snprintf(want, sizeof want, "msrp://[::1]:%d/", port6);
  assert_memory_equal(use, want, strlen(want));
  assert_int_equal(stats().reservations, 1);
  raw_done(&a);
}

/* A nonce past its lifetime: challenged again with stale=true. */
static void test_auth_stale_nonce(void **state) {
  (void)state;
  relay_start(0, 0);
  raw a;
  const char *me = "msrp://127.0.0.1:7777/alice1;tcp";
  char nonce[128], hdr[1200];
  challenged(&a, me, nonce, sizeof nonce);
  fake_now += 61 * 1000; /* the lifetime is 60 s */
  authorization(hdr, sizeof hdr, "alice", "test", "secret", nonce);
  size_t got =
      auth_expect(&a, "s2aa", me, hdr, "MSRP s2aa 401 Unauthorized\r\n");
  expect(&a, got, ", stale=true\r\n");
  assert_int_equal(stats().reservations, 0);
  assert_int_equal(stats().auth_failed, 0); /* not a wrong password */
  /* the fresh nonce works */
  char fresh[128];
  nonce_of(&a, got, fresh, sizeof fresh);
  assert_string_not_equal(fresh, nonce);
  authorization(hdr, sizeof hdr, "alice", "test", "secret", fresh);
  auth_expect(&a, "s3aa", me, hdr, "MSRP s3aa 200 OK\r\n");
  raw_done(&a);
}

/* A wrong realm, a wrong password, an unknown user: 403 each; the third
 * failure closes the connection. A nonce made up by the client: 403. */
static void test_auth_failures(void **state) {
  (void)state;
  relay_start(0, 0);
  raw a;
  const char *me = "msrp://127.0.0.1:7777/alice1;tcp";
  char nonce[128], hdr[1200];
  challenged(&a, me, nonce, sizeof nonce);
  authorization(hdr, sizeof hdr, "alice", "elsewhere", "secret", nonce);
  auth_expect(&a, "f2aa", me, hdr, "MSRP f2aa 403 Forbidden\r\n");
  authorization(hdr, sizeof hdr, "alice", "test", "wrong", nonce);
  auth_expect(&a, "f3aa", me, hdr, "MSRP f3aa 403 Forbidden\r\n");
  assert_false(a.eof);
  authorization(hdr, sizeof hdr, "mallory", "test", "x",
                "0000000000000000aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa");
  auth_expect(&a, "f4aa", me, hdr, "MSRP f4aa 403 Forbidden\r\n");
  wait_until(is_eof, &a); /* three strikes */
  assert_int_equal(stats().auth_failed, 3);
  assert_int_equal(stats().reservations, 0);
  raw_done(&a);
}

/* ---- forwarding ---------------------------------------------------------- */

static void send_to(raw *r, const char *tid, const char *to, const char *from,
                    const char *mid, const char *body) {
  size_t n = strlen(body);
  raw_sendf(r,
            "MSRP %s SEND\r\nTo-Path: %s\r\nFrom-Path: %s\r\n"
            "Message-ID: %s\r\nByte-Range: 1-%zu/%zu\r\n"
            "Content-Type: text/plain\r\n\r\n%s\r\n-------%s$\r\n",
            tid, to, from, mid, n, n, body, tid);
}

/* The relay's clock looks at reservations four times a second. */
static bool no_reservation_of_bob(const void *p) {
  (void)p;
  return stats().reservations == 2;
}

/* Sessions that do not exist, or lapsed; a client sending as another
 * session's client: 481, and nothing reaches anyone. */
static void test_no_such_session(void **state) {
  (void)state;
  relay_start(0, 0);
  raw a, b, m;
  connect_raw(&a);
  connect_raw(&b);
  connect_raw(&m);
  const char *ac = "msrp://127.0.0.1:7001/alice;tcp";
  const char *bc = "msrp://127.0.0.1:7002/bob;tcp";
  const char *mc = "msrp://127.0.0.1:7003/mallory;tcp";
  char ua[128], ub[128], um[128], to[512], want[600];
  reserve(&a, "alice", "secret", ac, 0, ua, sizeof ua);
  reserve(&b, "bob", "hunter2", bc, 60, ub, sizeof ub);
  reserve(&m, "alice", "secret", mc, 0, um, sizeof um);
  /* a session id nobody was given */
  size_t mark = a.len;
  snprintf(to, sizeof to, "msrp://127.0.0.1:%d/nosuchsession12345;tcp %s", port,
           bc);
  send_to(&a, "n1aa", to, ac, "m1", "hello");
  expect(&a, mark, "MSRP n1aa 481 No Such Session\r\n");
  /* the relay alone, nothing after it */
  mark = a.len;
  send_to(&a, "n2aa", ua, ac, "m2", "hello");
  expect(&a, mark, "MSRP n2aa 481 ");
  /* Mallory uses Bob's reservation to send as Bob: From-Path Bob's URI,
   * To-Path Bob's relay URI, then anyone but Bob */
  mark = m.len;
  snprintf(to, sizeof to, "%s %s", ub, ac);
  send_to(&m, "n3aa", to, bc, "m3", "I am Bob");
  expect(&m, mark, "MSRP n3aa 481 ");
  /* from Alice's own connection, but claiming another From-Path */
  mark = a.len;
  snprintf(to, sizeof to, "%s %s %s", ua, ub, bc);
  send_to(&a, "n4aa", to, mc, "m4", "as mallory");
  expect(&a, mark, "MSRP n4aa 403 ");
  /* and the real thing goes: Alice to Bob through both URIs */
  mark = a.len;
  send_to(&a, "n5aa", to, ac, "m5", "hi bob");
  expect(&a, mark, "MSRP n5aa 200 OK\r\n");
  expect(&b, 0, "hi bob\r\n-------");
  snprintf(want, sizeof want, "To-Path: %s\r\nFrom-Path: %s %s %s\r\n", bc, ub,
           ua, ac);
  expect(&b, 0, want);
  assert_null(strstr(b.in, "I am Bob"));
  assert_null(strstr(b.in, "as mallory"));
  /* Bob's reservation lapses (he asked for 60 s); the SEND he never
   * answered comes back to Alice as a 408 REPORT (30 s) */
  fake_now += 61 * 1000;
  wait_until(no_reservation_of_bob, NULL);
  snprintf(want, sizeof want,
           "REPORT\r\nTo-Path: %s\r\nFrom-Path: %s\r\nMessage-ID: m5\r\n"
           "Byte-Range: 1-6/6\r\nStatus: 000 408 Request Timeout\r\n",
           ac, ua);
  expect(&a, mark, want);
  mark = a.len;
  send_to(&a, "n6aa", to, ac, "m6", "too late");
  expect(&a, mark, "MSRP n6aa 481 ");
  assert_true(stats().refused_481 >= 4);
  raw_done(&a);
  raw_done(&b);
  raw_done(&m);
}

/* A long chunk streams into Bob; Bob sends a request meanwhile: the
 * relay's answer to him does not wait for the chunk. The chunk is cut
 * with '+' where it stands, the 200 goes, and the rest follows in a new
 * chunk whose Byte-Range starts where the first left off. */
static void test_long_chunk_cut_for_an_answer(void **state) {
  (void)state;
  relay_start(0, 0);
  two_ends e;
  two_ends_open(&e);
  raw *a = &e.a, *b = &e.b;
  const char *ac = ALICE, *bc = BOB, *to_b = e.to_b, *to_a = e.to_a;
  size_t bmark = b->len;
  /* Alice: the head and the first 10000 of 20000 bytes, no end-line yet */
  raw_sendf(a,
            "MSRP long1 SEND\r\nTo-Path: %s\r\nFrom-Path: %s\r\n"
            "Message-ID: big\r\nByte-Range: 1-20000/20000\r\n"
            "Content-Type: text/plain\r\n\r\n",
            to_b, ac);
  char half[10001];
  memset(half, 'a', 10000);
  half[10000] = '\0';
  raw_send(a, half, 10000);
  expect(b, bmark, "Byte-Range: 1-*/20000\r\n");
  /* all 10000 at Bob (they may reach the relay in more than one read):
   * the cut comes after them */
  expect(b, bmark, half);
  /* Bob asks something of Alice: his 200 comes now, after a '+' */
  send_to(b, "ping1", to_a, bc, "p1", "ping");
  const char *ok = expect(b, bmark, "MSRP ping1 200 OK\r\n");
  const char *cut = strstr(b->in + bmark, "+\r\n");
  assert_non_null(cut);
  assert_true(cut < ok);
  expect(a, 0, "ping\r\n-------");
  /* the rest of Alice's chunk: a new chunk from byte 10001 on */
  size_t after = b->len;
  memset(half, 'b', 10000);
  raw_send(a, half, 10000);
  raw_sendf(a, "\r\n-------long1$\r\n");
  expect(b, after, "Byte-Range: 10001-*/20000\r\n");
  expect(b, after, "b\r\n-------"); /* all of it */
  const char *body = expect(b, after, "\r\n\r\nbbbb");
  const char *end = strstr(body + 4, "\r\n-------");
  assert_non_null(end);
  assert_int_equal(end - (body + 4), 10000);
  assert_int_equal(end[strlen("\r\n-------") + 12], '$');
  /* Alice's chunk was answered once, at its end */
  expect(a, 0, "MSRP long1 200 OK\r\n");
  raw_done(a);
  raw_done(b);
}

/* ---- large bodies written on from where they were read ------------------- */

#define BIG_BODY (1u << 20)

static char big_byte(int msg, size_t off) {
  return (char)('a' + (off * 11 + off / 4093 + (size_t)msg * 5) % 26);
}

/* Two SENDs of 1 MiB in one chunk each go through the relay: Bob gets
 * every byte as sent, and most of them were written on from the relay's
 * read buffers (no copy), still intact though the relay read on. */
static void test_large_bodies_in_place(void **state) {
  (void)state;
  relay_start(0, 0);
  two_ends e;
  two_ends_open(&e);
  raw *a = &e.a, *b = &e.b;
  const char *ac = ALICE, *to_b = e.to_b;
  size_t bmark = b->len;
  char *body = malloc(BIG_BODY);
  assert_non_null(body);
  for (int m = 0; m < 2; m++) {
    for (size_t i = 0; i < BIG_BODY; i++)
      body[i] = big_byte(m, i);
    raw_sendf(a,
              "MSRP big%d SEND\r\nTo-Path: %s\r\nFrom-Path: %s\r\n"
              "Message-ID: bigm%d\r\nByte-Range: 1-%u/%u\r\n"
              "Content-Type: text/plain\r\n\r\n",
              m, to_b, ac, m, BIG_BODY, BIG_BODY);
    raw_send(a, body, BIG_BODY);
    raw_sendf(a, "\r\n-------big%d$\r\n", m);
  }
  free(body);
  size_t from = bmark;
  for (int m = 0; m < 2; m++) {
    char id[32];
    snprintf(id, sizeof id, "Message-ID: bigm%d\r\n", m);
    /* (offsets: what b read moves as it grows) */
    size_t at = (size_t)(expect(b, from, id) - b->in);
    at = (size_t)(expect(b, at, "\r\n\r\n") - b->in) + 4;
    size_t end = (size_t)(expect(b, at, "\r\n-------") - b->in);
    assert_int_equal(end - at, BIG_BODY);
    const char *start = b->in + at;
    for (size_t i = 0; i < BIG_BODY; i++)
      if (start[i] != big_byte(m, i))
        fail_msg("message %d: byte %zu is '%c', not '%c'", m, i, start[i],
                 big_byte(m, i));
    from = at + BIG_BODY;
  }
  expect(a, 0, "MSRP big1 200 OK\r\n");
  msrp_relay_server_stats st = stats();
  assert_int_equal(st.forwarded_bytes, 2 * BIG_BODY);
  print_message("%llu of %u bytes written on from the read buffers\n",
                (unsigned long long)st.forwarded_in_place, 2 * BIG_BODY);
  assert_true(st.forwarded_in_place > 0);
  assert_true(st.forwarded_in_place <= st.forwarded_bytes);
  raw_done(a);
  raw_done(b);
}

/* ---- a receiver that does not read ----------------------------------------
 */

typedef struct flood {
  raw *a;
  const char *to, *from;
  uint64_t sent, target;
  int seq;
  char *body;
  size_t body_len;
  size_t max_queue;
} flood;

/* Keep 4 MiB queued at Alice's socket, SENDs of 64 KiB, until `target`. */
static void flood_more(flood *f) {
  while (f->a->writing < (4u << 20) && f->sent < f->target) {
    char head[1024], tail[64];
    int hn = snprintf(head, sizeof head,
                      "MSRP f%06d SEND\r\nTo-Path: %s\r\nFrom-Path: %s\r\n"
                      "Message-ID: fm%d\r\nByte-Range: 1-%zu/%zu\r\n"
                      "Content-Type: application/octet-stream\r\n\r\n",
                      f->seq, f->to, f->from, f->seq, f->body_len, f->body_len);
    int tn = snprintf(tail, sizeof tail, "\r\n-------f%06d$\r\n", f->seq);
    raw_send(f->a, head, (size_t)hn);
    raw_send(f->a, f->body, f->body_len);
    raw_send(f->a, tail, (size_t)tn);
    f->sent += f->body_len;
    f->seq++;
  }
}

static size_t max_queued; /* the relay's queues, at their fullest */

static void sample(void) {
  size_t q = stats().queued_bytes;
  if (q > max_queued)
    max_queued = q;
}

static bool held_back(const void *p) {
  flood *f = (flood *)p;
  flood_more(f);
  sample();
  /* Bob's socket is full (the kernel holds what the relay wrote and
   * the relay the rest of its bound), and the relay no longer reads
   * Alice: her bytes have nowhere to go */
  msrp_relay_server_stats st = stats();
  return st.held_back >= 1 && st.queued_bytes >= f->max_queue &&
         f->a->writing > 0;
}

static bool all_arrived(const void *p) {
  flood *f = (flood *)p;
  flood_more(f);
  sample();
  return f->sent >= f->target && f->a->writing == 0 &&
         stats().forwarded_bytes >= f->target;
}

static void test_receiver_stops_reading(void **state) {
  (void)state;
  const size_t max_queue = 256 * 1024;
  relay_start(max_queue, 0);
  two_ends e;
  two_ends_open(&e);
  raw *a = &e.a, *b = &e.b;
  const char *ac = ALICE, *to = e.to_b;
  /* Bob stops reading; Alice sends at full speed */
  uv_read_stop((uv_stream_t *)&b->tcp);
  b->reading = false;
  b->keep = false;
  a->keep = false; /* her 200s only counted */
  flood f = {.a = a,
             .to = to,
             .from = ac,
             .target = 256u << 20,
             .max_queue = max_queue};
  f.body_len = 65536;
  f.body = malloc(f.body_len);
  assert_non_null(f.body);
  memset(f.body, 'x', f.body_len);
  max_queued = 0;
  wait_until(held_back, &f);
  msrp_relay_server_stats st = stats();
  print_message("held back after %llu MB sent; the relay forwarded %llu MB "
                "and queues %zu bytes\n",
                (unsigned long long)(f.sent >> 20),
                (unsigned long long)(st.forwarded_bytes >> 20),
                st.queued_bytes);
  assert_true(f.sent < f.target);
  assert_int_equal(st.connections, 2);
  /* Bob reads again: everything arrives, nothing was dropped */
  b->reading = true;
  uv_read_start((uv_stream_t *)&b->tcp, raw_alloc, raw_read);
  uint64_t before = f.sent;
  f.target = before + (16u << 20); /* and 16 MB more */
  wait_until_for(all_arrived, &f, 60);
  st = stats();
  assert_int_equal(st.forwarded_bytes, f.sent);
  /* the relay held at most its bound and a chunk's worth more per
   * connection, all along; the rest waited in Alice's buffers */
  print_message("the relay's queues peaked at %zu bytes (bound %zu)\n",
                max_queued, max_queue);
  assert_true(max_queued <= 2 * (max_queue + 65536 + 4096));
  free(f.body);
  raw_done(a);
  raw_done(b);
}

/* ---- connections that never authenticate ----------------------------------
 */

#define CROWD 1000

typedef struct crowd {
  raw r[CROWD];
} crowd;

static bool all_settled(const void *p) {
  const crowd *c = p;
  for (int i = 0; i < CROWD; i++)
    if (!c->r[i].connected && !c->r[i].eof)
      return false;
  return true;
}

static bool all_gone(const void *p) {
  const crowd *c = p;
  for (int i = 0; i < CROWD; i++)
    if (!c->r[i].eof)
      return false;
  return true;
}

static bool all_closed(const void *p) {
  const crowd *c = p;
  for (int i = 0; i < CROWD; i++)
    if (!c->r[i].closed)
      return false;
  return true;
}

static void test_crowd_never_authenticates(void **state) {
  (void)state;
  struct rlimit rl;
  getrlimit(RLIMIT_NOFILE, &rl);
  if (rl.rlim_cur < 2 * CROWD + 100) {
    rl.rlim_cur = rl.rlim_max < 2 * CROWD + 100 ? rl.rlim_max : 2 * CROWD + 100;
    setrlimit(RLIMIT_NOFILE, &rl);
  }
  relay_start(0, 100);
  crowd *c = calloc(1, sizeof *c);
  assert_non_null(c);
  for (int i = 0; i < CROWD; i++)
    raw_open(&c->r[i]);
  wait_until_for(all_settled, c, 60);
  /* past 100 from one address, each new one is closed at once */
  msrp_relay_server_stats st = stats();
  assert_true(st.connections <= 101);
  /* the rest, silent, go when their time to reserve has passed */
  fake_now += 10001;
  wait_until_for(all_gone, c, 30);
  assert_int_equal(stats().connections, 0);
  for (int i = 0; i < CROWD; i++)
    raw_close(&c->r[i]);
  wait_until(all_closed, c);
  free(c);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup_teardown(test_auth, setup, teardown),
      cmocka_unit_test_setup_teardown(test_auth_ipv6, setup, teardown),
      cmocka_unit_test_setup_teardown(test_auth_stale_nonce, setup, teardown),
      cmocka_unit_test_setup_teardown(test_auth_failures, setup, teardown),
      cmocka_unit_test_setup_teardown(test_no_such_session, setup, teardown),
      cmocka_unit_test_setup_teardown(test_long_chunk_cut_for_an_answer, setup,
                                      teardown),
      cmocka_unit_test_setup_teardown(test_large_bodies_in_place, setup,
                                      teardown),
      cmocka_unit_test_setup_teardown(test_receiver_stops_reading, setup,
                                      teardown),
      cmocka_unit_test_setup_teardown(test_crowd_never_authenticates, setup,
                                      teardown),
  };
  apply_test_filter();
  return cmocka_run_group_tests(tests, NULL, NULL);
}
