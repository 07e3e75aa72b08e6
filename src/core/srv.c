/* SPDX-License-Identifier: MIT
 * Copyright (c) 2026 The libmsrp authors */
#include "core/srv.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

bool msrp__srv_applies(const msrp_uri *relay) {
  return relay && relay->host_type == MSRP_HOST_NAME && relay->port == 0;
}

int msrp__srv_name(const msrp_uri *relay, char *out, size_t size) {
  if (!relay || !relay->host || !out)
    return MSRP_ERR_INVALID_ARGUMENT;
  int n = snprintf(out, size, "_%s._tcp.%s", relay->use_tls ? "msrps" : "msrp",
                   relay->host);
  return n < 0 || (size_t)n >= size || n > 253 ? MSRP_ERR_INVALID_ARGUMENT : 0;
}

static int by_priority(const void *a, const void *b) {
  const msrp__srv *x = a, *y = b;
  if (x->priority != y->priority)
    return x->priority < y->priority ? -1 : 1;
  /* zero weights first within a priority (RFC 2782), then as given */
  return (x->weight != 0) - (y->weight != 0);
}

/* RFC 2782's selection among answers of one priority, [lo, hi): each next
 * one is the first whose running sum of weights reaches a random number in
 * [0, total]. */
static void order_weighted(msrp__srv *s, size_t lo, size_t hi,
                           uint32_t (*random)(void *), void *ud) {
  for (size_t i = lo; i + 1 < hi; i++) {
    uint64_t total = 0;
    for (size_t j = i; j < hi; j++)
      total += s[j].weight;
    uint64_t pick = total ? random(ud) % (total + 1) : 0, sum = 0;
    size_t chosen = i;
    for (size_t j = i; j < hi; j++) {
      sum += s[j].weight;
      if (sum >= pick) {
        chosen = j;
        break;
      }
    }
    msrp__srv t = s[chosen];
    memmove(&s[i + 1], &s[i], (chosen - i) * sizeof *s);
    s[i] = t;
  }
}

size_t msrp__srv_order(msrp__srv *srv, size_t n, uint32_t (*random)(void *),
                       void *random_ud) {
  /* "." (or the empty name) says: no such service here */
  size_t m = 0;
  for (size_t i = 0; i < n; i++)
    if (srv[i].target && strcmp(srv[i].target, ".") && srv[i].target[0])
      srv[m++] = srv[i];
  if (m == 0)
    return 0;
  /* qsort is not stable; the order within equal keys does not matter, as
   * the weighted pick below decides it */
  qsort(srv, m, sizeof *srv, by_priority);
  for (size_t lo = 0; lo < m;) {
    size_t hi = lo + 1;
    while (hi < m && srv[hi].priority == srv[lo].priority)
      hi++;
    order_weighted(srv, lo, hi, random, random_ud);
    lo = hi;
  }
  return m;
}
