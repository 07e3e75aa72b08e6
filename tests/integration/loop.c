/* SPDX-License-Identifier: MIT
 * Copyright (c) 2026 The libmsrp authors */
#include "loop.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

uv_loop_t loop;
bool expired;
static uv_timer_t watchdog;
static uv_prepare_t stopper;
static bool (*await_fn)(const void *);
static const void *await_ctx;

static void on_watchdog(uv_timer_t *h) {
  (void)h;
  expired = true;
}

/* Before the loop polls: stop it once what we wait for holds (libuv runs
 * due timers before it polls, so a flag set by one would otherwise wait
 * for the poll to time out). */
static void on_stopper(uv_prepare_t *h) {
  if (expired || (await_fn && await_fn(await_ctx)))
    uv_stop(h->loop);
}

bool wait_until_for_quiet(bool (*cond)(const void *), const void *ctx,
                          int seconds) {
  expired = false;
  await_fn = cond;
  await_ctx = ctx;
  uv_timer_start(&watchdog, on_watchdog, (uint64_t)seconds * 1000, 0);
  while (!cond(ctx) && !expired)
    uv_run(&loop, UV_RUN_ONCE);
  uv_timer_stop(&watchdog);
  await_fn = NULL;
  return cond(ctx);
}

void wait_until_for(bool (*cond)(const void *), const void *ctx, int seconds) {
  if (!wait_until_for_quiet(cond, ctx, seconds))
    fail_msg("timed out waiting for an event");
}

void wait_until(bool (*cond)(const void *), const void *ctx) {
  wait_until_for(cond, ctx, 20);
}

static bool flag_set(const void *p) {
  return *(const bool *)p;
}

void wait_for(const bool *flag) {
  wait_until(flag_set, flag);
}

int loop_setup(void **state) {
  (void)state;
  uv_loop_init(&loop);
  uv_timer_init(&loop, &watchdog);
  uv_prepare_init(&loop, &stopper);
  uv_prepare_start(&stopper, on_stopper);
  uv_unref((uv_handle_t *)&stopper);
  return 0;
}

static bool loop_idle(const void *ctx) {
  (void)ctx;
  /* alive only for the watchdog and the stopper (unreferenced) */
  return !uv_loop_alive(&loop);
}

int loop_teardown(void **state) {
  (void)state;
  /* what was freed finishes closing, and work in the thread pool (a file
   * read, a hash) comes back: waited for, 10 s at most (the watchdog is
   * no reason to stay alive) */
  uv_unref((uv_handle_t *)&watchdog);
  if (!wait_until_for_quiet(loop_idle, NULL, 10)) {
    uv_print_active_handles(&loop, stderr);
    fail_msg("the loop still has active handles or requests after 10 s");
  }
  uv_close((uv_handle_t *)&watchdog, NULL);
  uv_close((uv_handle_t *)&stopper, NULL);
  for (int i = 0; i < 1000 && uv_run(&loop, UV_RUN_NOWAIT); i++)
    ;
  assert_int_equal(uv_loop_close(&loop), 0);
  return 0;
}

const msrp_logger *test_logger(void) {
  static msrp_logger lg;
  if (!getenv("MSRP_TEST_LOG"))
    return NULL;
  lg = msrp_logger_stderr(MSRP_LOG_DEBUG, 1);
  return &lg;
}

void apply_test_filter(void) {
  if (getenv("MSRP_TEST_FILTER"))
    cmocka_set_test_filter(getenv("MSRP_TEST_FILTER"));
}

void on_prepared(msrp_connector *c, int status, const msrp_path *p, void *ud) {
  (void)c;
  result *r = ud;
  r->done = true;
  r->status = status;
  if (!status)
    assert_int_equal(msrp_path_copy(&r->path, p), 0);
}

void on_completed(msrp_connector *c, int status, msrp_transport *t, void *ud) {
  (void)c;
  result *r = ud;
  r->done = true;
  r->status = status;
  r->t = t;
}

void prepare(msrp_connector *c, msrp_uri *uri, result *r) {
  memset(r, 0, sizeof *r);
  assert_int_equal(msrp_connector_prepare(c, uri, on_prepared, r), 0);
  wait_for(&r->done);
  assert_int_equal(r->status, 0);
}

void bound_pair_open(bound_pair *p, const msrp_logger *con_logger) {
  memset(p, 0, sizeof *p);
  p->au = (msrp_uri)MSRP_URI_INIT;
  p->cu = (msrp_uri)MSRP_URI_INIT;
  msrp_connect_config acfg = {.logger = test_logger()};
  msrp_connect_config ccfg = {.logger =
                                  con_logger ? con_logger : test_logger()};
  assert_int_equal(msrp_get_acceptor(&p->acc, &loop, &acfg), 0);
  assert_int_equal(msrp_get_connector(&p->con, &loop, &ccfg), 0);
  assert_int_equal(msrp_uri_init(&p->au, 0, "127.0.0.1", 0, NULL, NULL), 0);
  assert_int_equal(msrp_uri_init(&p->cu, 0, "127.0.0.1", 0, NULL, NULL), 0);
  prepare(p->acc, &p->au, &p->ap);
  prepare(p->con, &p->cu, &p->cp);
  assert_int_equal(
      msrp_connector_complete(p->acc, &p->cp.path, on_completed, &p->ar), 0);
  assert_int_equal(
      msrp_connector_complete(p->con, &p->ap.path, on_completed, &p->cr), 0);
  wait_for(&p->ar.done);
  wait_for(&p->cr.done);
  assert_int_equal(p->ar.status, 0);
  assert_int_equal(p->cr.status, 0);
}

void bound_pair_close(bound_pair *p) {
  msrp_connector_free(p->acc);
  msrp_connector_free(p->con);
  msrp_path_clear(&p->ap.path);
  msrp_path_clear(&p->cp.path);
  msrp_uri_clear(&p->au);
  msrp_uri_clear(&p->cu);
}
