/* SPDX-License-Identifier: MIT
 * Copyright (c) 2026 The libmsrp authors */
/* A set of byte ranges: which bytes of a message have come in, or have
 * been confirmed by REPORTs. Sorted, disjoint intervals. Not part of the
 * API. */
#ifndef MSRP_CORE_RANGES_H
#define MSRP_CORE_RANGES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Sorted, disjoint [lo, hi) intervals: which bytes of a message are in. */
typedef struct msrp__ranges {
  uint64_t (*iv)[2];
  size_t n, cap;
} msrp__ranges;

#define MSRP__RANGES_MAX 4096 /* a peer cutting a message finer is refused */

/* Add [lo, hi). MSRP_ERR_NOMEM, also when more than MSRP__RANGES_MAX
 * intervals would be needed (a peer cutting a message finer is refused). */
int msrp__ranges_add(msrp__ranges *r, uint64_t lo, uint64_t hi);
/* Whether adding [lo, hi) would need one interval more than allowed. */
bool msrp__ranges_full(const msrp__ranges *r, uint64_t lo, uint64_t hi);
/* Whether [0, total) is covered (always for an empty message). */
bool msrp__ranges_cover(const msrp__ranges *r, uint64_t total);
void msrp__ranges_free(msrp__ranges *r);

#endif
