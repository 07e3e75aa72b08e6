/* SPDX-License-Identifier: MIT
 * Copyright (c) 2026 The libmsrp authors */
/* What the loopback tests share: one libuv loop per test, waits that run
 * the loop until something has happened (bounded by a watchdog, so a test
 * fails instead of hanging), and a set-up/teardown pair that checks every
 * handle was closed. No sleeping anywhere. */
#ifndef MSRP_TEST_LOOP_H
#define MSRP_TEST_LOOP_H

#include <msrp/connect.h>
#include <msrp/log.h>

#include <stdbool.h>
#include <uv.h>

extern uv_loop_t loop;
extern bool expired; /* the last wait's watchdog fired */

/* Run the loop until cond(ctx) holds; fail the test after `seconds`. */
void wait_until_for(bool (*cond)(const void *), const void *ctx, int seconds);
/* The same, without failing: whether `cond` held in time. */
bool wait_until_for_quiet(bool (*cond)(const void *), const void *ctx,
                          int seconds);
void wait_until(bool (*cond)(const void *), const void *ctx); /* 20 s */
void wait_for(const bool *flag);                              /* 20 s */

/* cmocka set-up and teardown: a fresh loop; at the end every handle must
 * be closed (uv_loop_close succeeds). */
int loop_setup(void **state);
int loop_teardown(void **state);

/* MSRP_TEST_LOG=1 in the environment: log and trace to stderr; else NULL. */
const msrp_logger *test_logger(void);

/* MSRP_TEST_FILTER=name runs only the tests whose names match it. */
void apply_test_filter(void);

/* What a connector's prepare() or complete() reported. */
typedef struct result {
  bool done;
  int status;
  msrp_transport *t; /* complete(): the bound transport */
  msrp_path path;    /* prepare(): a copy of the full local path */
} result;

void on_prepared(msrp_connector *c, int status, const msrp_path *p, void *ud);
void on_completed(msrp_connector *c, int status, msrp_transport *t, void *ud);

/* prepare() with `uri`, wait for it, and require success. */
void prepare(msrp_connector *c, msrp_uri *uri, result *r);

/* A ConnectorDirect bound to an AcceptorDirect on 127.0.0.1, plain TCP:
 * the connector's transport is cr.t, the acceptor's ar.t (the caller's).
 * `con_logger`: the connector's logger (NULL: test_logger()). */
typedef struct bound_pair {
  msrp_connector *acc, *con;
  msrp_uri au, cu;
  result ap, cp, ar, cr;
} bound_pair;
void bound_pair_open(bound_pair *p, const msrp_logger *con_logger);
/* Free the connectors and the paths (not the transports). */
void bound_pair_close(bound_pair *p);

#endif
