/* SPDX-License-Identifier: MIT
 * Copyright (c) 2026 The libmsrp authors */
/* msrp load: N sessions in one process, each a caller and a callee on
 * loopback (directly, or through one relay, or the caller on one relay and
 * the callee on another), messages of a given size at full speed or at a
 * given rate. Every body says which session and which message it is and
 * when it was sent, and carries bytes that follow from those: the callee
 * checks each one whole and in order, and the run fails (exit 1) when a
 * message is lost, corrupt, out of order or refused. */
#include "load.h"

#include <msrp/connect.h>
#include <msrp/session.h>

#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define HEAD 24 /* session, sequence, send time: 8 bytes each */

typedef struct load load;

/* A message being received. */
typedef struct rx {
  char id[72]; /* its Message-ID; empty: a free slot */
  uint64_t seq, sent_at;
  bool bad;
  uint8_t head[HEAD]; /* as it comes */
} rx;

#define PARTS 16

typedef struct pair {
  load *l;
  uint32_t idx;
  msrp_connector *a, *b; /* caller (connects), callee (accepts) */
  msrp_uri au, bu;
  msrp_path ap, bp;
  int prepared, completed;
  msrp_transport *at, *bt;
  msrp_session *as, *bs;
  uint64_t sent, done, inflight; /* caller */
  bool setup_failed;
  /* callee: which messages came (a bit each), and the large ones coming
   * now (the sender interleaves them in chunks) */
  uint8_t *seen;
  rx parts[PARTS];
} pair;

typedef struct outmsg {
  pair *p;
  uint8_t body[];
} outmsg;

struct load {
  uv_loop_t *loop;
  pair *p;
  uint32_t n;
  uint64_t messages, size, rate, window;
  bool report, hold;
  const char *relay_a, *relay_b, *user, *password;
  msrp_relay_config ra, rb;
  uint64_t timeout_s;
  uint32_t setup_left;
  uint64_t setup_failed;
  uint64_t t0, t_start, t_end;
  uint64_t received, corrupt, failed;
  uint64_t *lat; /* microseconds, one per received message (capped) */
  size_t nlat, caplat;
  uint64_t credit; /* --rate: messages allowed now */
  uv_timer_t pace, deadline;
  uv_signal_t stop;
  bool over, timed_out;
};

static uint8_t pattern(uint32_t idx, uint64_t seq, uint64_t i) {
  uint64_t x = (i + 1) * 0x9E3779B97F4A7C15ull ^ seq * 0xC2B2AE3D27D4EB4Full ^
               (uint64_t)idx * 0x165667B19E3779F9ull;
  return (uint8_t)(x >> 56);
}

static void put64(uint8_t *p, uint64_t v) {
  for (int i = 0; i < 8; i++)
    p[i] = (uint8_t)(v >> (8 * i));
}

static uint64_t get64(const uint8_t *p) {
  uint64_t v = 0;
  for (int i = 0; i < 8; i++)
    v |= (uint64_t)p[i] << (8 * i);
  return v;
}

static void check_done(load *l);

/* ---- sending --------------------------------------------------------------
 */

static void pump(pair *p);

static void on_sent(msrp_session *s, const char *id, int status, int code,
                    const char *comment, void *ud) {
  (void)s;
  (void)id;
  outmsg *m = ud;
  pair *p = m->p;
  load *l = p->l;
  free(m);
  p->inflight--;
  p->done++;
  if (status == MSRP_ERR_CANCELLED)
    return;
  if (status || code != 200) {
    l->failed++;
    if (l->failed <= 5)
      fprintf(stderr, "msrp load: session %u: a message failed: %s\n", p->idx,
              status    ? msrp_strerror(status)
              : comment ? comment
                        : "?");
  }
  pump(p);
  check_done(l);
}

static void pump(pair *p) {
  load *l = p->l;
  while (!l->over && p->as && p->sent < l->messages &&
         p->inflight < l->window && (!l->rate || l->credit > 0)) {
    outmsg *m = malloc(sizeof *m + l->size);
    if (!m)
      break;
    m->p = p;
    uint8_t *b = m->body;
    put64(b, p->idx);
    put64(b + 8, p->sent);
    put64(b + 16, uv_hrtime());
    for (uint64_t i = HEAD; i < l->size; i++)
      b[i] = pattern(p->idx, p->sent, i);
    msrp_message_params mp = {.content_type = "application/octet-stream",
                              .data = b,
                              .len = l->size,
                              .success_report = l->report ? MSRP_REPORT_YES
                                                          : MSRP_REPORT_ABSENT};
    int rc = msrp_session_send_message(p->as, &mp, on_sent, m, NULL);
    if (rc == MSRP_ERR_WOULD_BLOCK) {
      free(m);
      break; /* on_writable */
    }
    if (rc) {
      free(m);
      l->failed++;
      fprintf(stderr, "msrp load: session %u: %s\n", p->idx, msrp_strerror(rc));
      break;
    }
    p->sent++;
    p->inflight++;
    if (l->rate)
      l->credit--;
  }
}

static void on_writable(msrp_session *s, void *ud) {
  (void)s;
  pump(ud);
}

static void on_pace(uv_timer_t *t) {
  load *l = t->data;
  /* every 10 ms, a hundredth of the rate, shared out from session 0 on */
  l->credit = l->rate / 100 ? l->rate / 100 : 1;
  for (uint32_t i = 0; i < l->n && l->credit; i++)
    pump(&l->p[i]);
}

/* ---- receiving ------------------------------------------------------------
 */

/* The head of message `x`: which session and message it says it is. */
static void check_head(pair *p, rx *x, const uint8_t *b) {
  load *l = p->l;
  uint32_t idx = (uint32_t)get64(b);
  x->seq = get64(b + 8);
  x->sent_at = get64(b + 16);
  if (idx != p->idx || x->seq >= l->messages ||
      (p->seen[x->seq / 8] & (1u << (x->seq % 8)))) {
    x->bad = true;
    if (l->corrupt < 5)
      fprintf(stderr,
              "msrp load: session %u: message %llu of session %u arrived "
              "(another session's, twice, or never sent)\n",
              p->idx, (unsigned long long)x->seq, idx);
  }
}

static void check_bytes(pair *p, rx *x, uint64_t off, const uint8_t *d,
                        size_t n) {
  for (size_t i = 0; i < n && !x->bad; i++)
    if (off + i >= HEAD && d[i] != pattern(p->idx, x->seq, off + i)) {
      x->bad = true;
      if (p->l->corrupt < 5)
        fprintf(stderr,
                "msrp load: session %u: message %llu differs at byte %llu\n",
                p->idx, (unsigned long long)x->seq,
                (unsigned long long)(off + i));
    }
}

static void arrived(pair *p, rx *x, uint64_t len) {
  load *l = p->l;
  if (len != l->size && !x->bad) {
    x->bad = true;
    fprintf(stderr, "msrp load: session %u: message %llu has %llu bytes\n",
            p->idx, (unsigned long long)x->seq, (unsigned long long)len);
  }
  if (x->bad) {
    l->corrupt++;
  } else {
    p->seen[x->seq / 8] |= (uint8_t)(1u << (x->seq % 8));
    l->received++;
    if (l->nlat < l->caplat)
      l->lat[l->nlat++] = (uv_hrtime() - x->sent_at) / 1000;
  }
  x->id[0] = '\0';
  check_done(l);
}

static void on_message(msrp_session *s, const msrp_message_info *m,
                       const uint8_t *body, size_t len, void *ud) {
  (void)s;
  (void)m;
  pair *p = ud;
  rx x = {.bad = len < HEAD};
  if (!x.bad) {
    check_head(p, &x, body);
    check_bytes(p, &x, 0, body, len);
  }
  arrived(p, &x, len);
}

static rx *part_of(pair *p, const char *id) {
  for (int i = 0; i < PARTS; i++)
    if (p->parts[i].id[0] && !strcmp(p->parts[i].id, id))
      return &p->parts[i];
  return NULL;
}

/* Large messages come in pieces, interleaved: checked as they come. */
static void on_start(msrp_session *s, const msrp_message_info *m, void *ud) {
  (void)s;
  pair *p = ud;
  for (int i = 0; i < PARTS; i++)
    if (!p->parts[i].id[0]) {
      rx *x = &p->parts[i];
      memset(x, 0, sizeof *x);
      snprintf(x->id, sizeof x->id, "%s", m->message_id);
      return;
    }
  fprintf(stderr, "msrp load: session %u: more than %d messages at once\n",
          p->idx, PARTS);
}

static void on_data(msrp_session *s, const msrp_message_info *m, uint64_t off,
                    const uint8_t *d, size_t n, void *ud) {
  (void)s;
  pair *p = ud;
  rx *x = part_of(p, m->message_id);
  if (!x)
    return;
  for (size_t i = 0; i < n && off + i < HEAD; i++)
    x->head[off + i] = d[i];
  if (off < HEAD && off + n >= HEAD)
    check_head(p, x, x->head);
  check_bytes(p, x, off, d, n);
}

static void on_end(msrp_session *s, const msrp_message_info *m, int status,
                   void *ud) {
  (void)s;
  pair *p = ud;
  rx *x = part_of(p, m->message_id);
  rx none = {.bad = true};
  if (!x)
    x = &none;
  if (status)
    x->bad = true;
  arrived(p, x, status ? 0 : m->total);
}

/* The first message of each session that never came. */
static void say_missing(load *l) {
  int said = 0;
  for (uint32_t i = 0; i < l->n && said < 5; i++) {
    pair *p = &l->p[i];
    if (!p->bs)
      continue;
    for (uint64_t q = 0; q < l->messages; q++)
      if (!(p->seen[q / 8] & (1u << (q % 8)))) {
        fprintf(stderr, "msrp load: session %u: message %llu missing\n", p->idx,
                (unsigned long long)q);
        said++;
        break;
      }
  }
}

/* ---- setting up -----------------------------------------------------------
 */

static const msrp_session_callbacks caller_cbs = {.on_writable = on_writable};
static const msrp_session_callbacks callee_cbs = {.on_message = on_message,
                                                  .on_message_start = on_start,
                                                  .on_message_data = on_data,
                                                  .on_message_end = on_end};

static void started(load *l);

static void setup_failed(pair *p, const char *what, int status) {
  load *l = p->l;
  if (p->setup_failed)
    return;
  p->setup_failed = true;
  if (l->setup_failed++ < 5)
    fprintf(stderr, "msrp load: session %u: %s: %s\n", p->idx, what,
            msrp_strerror(status));
  if (--l->setup_left == 0)
    started(l);
}

static void started(load *l) {
  l->t_start = uv_hrtime();
  if (l->rate)
    uv_timer_start(&l->pace, on_pace, 0, 10);
  for (uint32_t i = 0; i < l->n; i++)
    pump(&l->p[i]);
  check_done(l);
}

static void completed(msrp_connector *c, int status, msrp_transport *t,
                      void *ud) {
  pair *p = ud;
  if (status) {
    setup_failed(p, "binding", status);
    return;
  }
  if (c == p->a)
    p->at = t;
  else
    p->bt = t;
  if (++p->completed < 2)
    return;
  msrp_session_config sc = {0};
  int rc = msrp_session_new(&p->as, p->at, &sc, &caller_cbs, p);
  if (!rc)
    rc = msrp_session_new(&p->bs, p->bt, &sc, &callee_cbs, p);
  if (rc) {
    setup_failed(p, "session", rc);
    return;
  }
  p->at = p->bt = NULL;
  if (--p->l->setup_left == 0)
    started(p->l);
}

static void prepared(msrp_connector *c, int status, const msrp_path *path,
                     void *ud) {
  pair *p = ud;
  if (status) {
    setup_failed(p, "reserving", status);
    return;
  }
  if (msrp_path_copy(c == p->a ? &p->ap : &p->bp, path)) {
    setup_failed(p, "reserving", MSRP_ERR_NOMEM);
    return;
  }
  if (++p->prepared < 2)
    return;
  /* the paths, as an offer and an answer would carry them */
  int rc = msrp_connector_complete(p->a, &p->bp, completed, p);
  if (!rc)
    rc = msrp_connector_complete(p->b, &p->ap, completed, p);
  if (rc)
    setup_failed(p, "binding", rc);
}

static int start_pair(load *l, pair *p) {
  msrp_connect_config ca = {.relays = l->relay_a ? &l->ra : NULL,
                            .nrelays = l->relay_a ? 1 : 0};
  msrp_connect_config cb = {.relays = l->relay_b ? &l->rb : NULL,
                            .nrelays = l->relay_b ? 1 : 0};
  int rc = msrp_get_connector(&p->a, l->loop, &ca);
  if (!rc)
    rc = msrp_get_acceptor(&p->b, l->loop, &cb);
  p->au = (msrp_uri)MSRP_URI_INIT;
  p->bu = (msrp_uri)MSRP_URI_INIT;
  if (!rc)
    rc = msrp_uri_init(&p->au, 0, "127.0.0.1", 0, NULL, NULL);
  if (!rc)
    rc = msrp_uri_init(&p->bu, 0, "127.0.0.1", 0, NULL, NULL);
  if (!rc)
    rc = msrp_connector_prepare(p->a, &p->au, prepared, p);
  if (!rc)
    rc = msrp_connector_prepare(p->b, &p->bu, prepared, p);
  return rc;
}

/* ---- the end --------------------------------------------------------------
 */

static void finish(load *l) {
  if (l->over)
    return;
  l->over = true;
  l->t_end = uv_hrtime();
  uv_stop(l->loop);
}

static void check_done(load *l) {
  if (l->over || l->setup_left || l->hold)
    return;
  uint64_t want = (uint64_t)(l->n - l->setup_failed) * l->messages;
  uint64_t done = 0;
  for (uint32_t i = 0; i < l->n; i++)
    done += l->p[i].done;
  if (done >= want && l->received + l->corrupt + l->failed >= want)
    finish(l);
}

static void on_deadline(uv_timer_t *t) {
  load *l = t->data;
  l->timed_out = true;
  finish(l);
}

static void on_stop(uv_signal_t *h, int sig) {
  (void)sig;
  finish(h->data);
}

static int cmp64(const void *a, const void *b) {
  uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
  return x < y ? -1 : x > y;
}

static const char usage_load[] =
    "usage: msrp load [options]\n"
    "  --sessions N       sessions, each a caller and a callee (default 10)\n"
    "  --messages M       messages per session (default 1000)\n"
    "  --size BYTES       of each message (at least 24; default 100)\n"
    "  --rate R           messages per second in all (default: full speed)\n"
    "  --window W         messages in flight per session (default 32)\n"
    "  --report           ask for success REPORTs\n"
    "  --relay URI        both ends reserve on this relay\n"
    "  --callee-relay URI the callee reserves here instead (two relays)\n"
    "  --user NAME        the relays' Digest user (password: MSRP_PASSWORD)\n"
    "  --hold             set up the sessions, then wait for SIGINT/SIGTERM\n"
    "  --timeout S        give up after S seconds (default 120)\n"
    "Exit 0 when every message arrived whole and in order; 1 when one was\n"
    "lost, corrupt, refused or late; 2 for usage; 3 when sessions could not\n"
    "be set up.\n";

int load_main(int argc, char **argv) {
  load l;
  memset(&l, 0, sizeof l);
  l.n = 10;
  l.messages = 1000;
  l.size = 100;
  l.window = 32;
  l.timeout_s = 120;
  enum {
    SESSIONS = 1,
    MESSAGES,
    SIZE,
    RATE,
    WINDOW,
    REPORT,
    RELAY,
    CALLEE,
    USER,
    HOLD,
    TIMEOUT,
    HELP
  };
  static const struct option longs[] = {
      {"sessions", required_argument, 0, SESSIONS},
      {"messages", required_argument, 0, MESSAGES},
      {"size", required_argument, 0, SIZE},
      {"rate", required_argument, 0, RATE},
      {"window", required_argument, 0, WINDOW},
      {"report", no_argument, 0, REPORT},
      {"relay", required_argument, 0, RELAY},
      {"callee-relay", required_argument, 0, CALLEE},
      {"user", required_argument, 0, USER},
      {"hold", no_argument, 0, HOLD},
      {"timeout", required_argument, 0, TIMEOUT},
      {"help", no_argument, 0, HELP},
      {0, 0, 0, 0}};
  int c;
  optind = 1;
  while ((c = getopt_long(argc, argv, "", longs, NULL)) != -1) {
    char *end = NULL;
    unsigned long long v = optarg ? strtoull(optarg, &end, 10) : 0;
    bool num = optarg && end != optarg && !*end;
    switch (c) {
    case SESSIONS:
      l.n = (uint32_t)v;
      break;
    case MESSAGES:
      l.messages = v;
      break;
    case SIZE:
      l.size = v;
      break;
    case RATE:
      l.rate = v;
      break;
    case WINDOW:
      l.window = v;
      break;
    case REPORT:
      l.report = true;
      continue;
    case RELAY:
      l.relay_a = optarg;
      continue;
    case CALLEE:
      l.relay_b = optarg;
      continue;
    case USER:
      l.user = optarg;
      continue;
    case HOLD:
      l.hold = true;
      continue;
    case TIMEOUT:
      l.timeout_s = v;
      break;
    case HELP:
      fputs(usage_load, stdout);
      return 0;
    default:
      fputs(usage_load, stderr);
      return 2;
    }
    if (!num) {
      fprintf(stderr, "msrp load: --%s wants a number\n", longs[c - 1].name);
      return 2;
    }
  }
  if (optind != argc || l.n == 0 || l.size < HEAD || l.window == 0 ||
      l.timeout_s == 0 || (l.relay_b && !l.relay_a)) {
    fputs(usage_load, stderr);
    return 2;
  }
  if (!l.relay_b)
    l.relay_b = l.relay_a;
  if (l.hold)
    l.messages = 0; /* idle sessions */
  l.password = getenv("MSRP_PASSWORD");
  l.ra = (msrp_relay_config){
      .uri = l.relay_a, .username = l.user, .password = l.password};
  l.rb = (msrp_relay_config){
      .uri = l.relay_b, .username = l.user, .password = l.password};
  l.loop = uv_default_loop();
  l.p = calloc(l.n, sizeof *l.p);
  l.caplat = l.n * l.messages < 4000000 ? l.n * l.messages : 4000000;
  l.lat = malloc((l.caplat ? l.caplat : 1) * sizeof *l.lat);
  if (!l.p || !l.lat) {
    fprintf(stderr, "msrp load: out of memory\n");
    return 1;
  }
  uv_timer_init(l.loop, &l.pace);
  uv_timer_init(l.loop, &l.deadline);
  uv_signal_init(l.loop, &l.stop);
  l.pace.data = l.deadline.data = l.stop.data = &l;
  uv_timer_start(&l.deadline, on_deadline, l.timeout_s * 1000, 0);
  uv_signal_start(&l.stop, on_stop, SIGINT);
  l.t0 = uv_hrtime();
  l.setup_left = l.n;
  for (uint32_t i = 0; i < l.n; i++) {
    l.p[i].l = &l;
    l.p[i].idx = i;
    if (!(l.p[i].seen = calloc(l.messages / 8 + 1, 1))) {
      fprintf(stderr, "msrp load: out of memory\n");
      return 1;
    }
    int rc = start_pair(&l, &l.p[i]);
    if (rc)
      setup_failed(&l.p[i], "starting", rc);
  }
  if (l.hold) {
    uv_signal_t term;
    uv_signal_init(l.loop, &term);
    term.data = &l;
    uv_signal_start(&term, on_stop, SIGTERM);
    uv_run(l.loop, UV_RUN_DEFAULT);
    uv_close((uv_handle_t *)&term, NULL);
    printf("sessions %u held (%llu failed to set up)\n", l.n,
           (unsigned long long)l.setup_failed);
  } else {
    uv_run(l.loop, UV_RUN_DEFAULT);
  }
  uint64_t sent = 0;
  for (uint32_t i = 0; i < l.n; i++)
    sent += l.p[i].sent;
  uint64_t want = (uint64_t)(l.n - l.setup_failed) * l.messages;
  uint64_t lost = want > l.received + l.corrupt + l.failed
                      ? want - l.received - l.corrupt - l.failed
                      : 0;
  if (lost)
    say_missing(&l);
  if (!l.hold) {
    double secs = (double)(l.t_end - (l.t_start ? l.t_start : l.t_end)) / 1e9;
    if (secs <= 0)
      secs = 1e-3;
    qsort(l.lat, l.nlat, sizeof *l.lat, cmp64);
    double p50 = l.nlat ? (double)l.lat[l.nlat / 2] / 1e3 : 0;
    double p99 = l.nlat ? (double)l.lat[l.nlat * 99 / 100] / 1e3 : 0;
    printf("sessions %u%s%s%s | set up in %.2f s | %llu messages of %llu "
           "bytes in %.2f s\n",
           l.n, l.relay_a ? " through " : " direct", l.relay_a ? l.relay_a : "",
           l.relay_b != l.relay_a ? " and the callee's relay" : "",
           (double)((l.t_start ? l.t_start : l.t_end) - l.t0) / 1e9,
           (unsigned long long)l.received, (unsigned long long)l.size, secs);
    printf("msgs/s %.0f | MB/s %.1f | latency p50 %.2f ms p99 %.2f ms | "
           "failed %llu lost %llu corrupt %llu%s\n",
           (double)l.received / secs,
           (double)l.received * (double)l.size / secs / 1e6, p50, p99,
           (unsigned long long)l.failed, (unsigned long long)lost,
           (unsigned long long)l.corrupt, l.timed_out ? " (timed out)" : "");
  }
  /* tear down */
  for (uint32_t i = 0; i < l.n; i++) {
    pair *p = &l.p[i];
    msrp_session_free(p->as);
    msrp_session_free(p->bs);
    msrp_transport_free(p->at);
    msrp_transport_free(p->bt);
    msrp_connector_free(p->a);
    msrp_connector_free(p->b);
    msrp_uri_clear(&p->au);
    msrp_uri_clear(&p->bu);
    msrp_path_clear(&p->ap);
    msrp_path_clear(&p->bp);
    free(p->seen);
  }
  uv_close((uv_handle_t *)&l.pace, NULL);
  uv_close((uv_handle_t *)&l.deadline, NULL);
  uv_close((uv_handle_t *)&l.stop, NULL);
  uv_run(l.loop, UV_RUN_DEFAULT);
  free(l.p);
  free(l.lat);
  if (l.setup_failed)
    return 3;
  if (l.hold)
    return 0;
  return l.failed || lost || l.corrupt || l.timed_out ? 1 : 0;
}
