/* SPDX-License-Identifier: MIT
 * Copyright (c) 2026 The libmsrp authors */
/* Byte-range sets; see ranges.h. */
#include "core/ranges.h"

#include "core/util.h"

#include <msrp/common.h>

#include <stdlib.h>
#include <string.h>

int msrp__ranges_add(msrp__ranges *r, uint64_t lo, uint64_t hi) {
  if (hi <= lo)
    return 0;
  if (r->n >= MSRP__RANGES_MAX)
    return MSRP_ERR_NOMEM;
  if (r->n == r->cap) {
    void *p = msrp__grow_array(r->iv, &r->cap, sizeof *r->iv, 4);
    if (!p)
      return MSRP_ERR_NOMEM;
    r->iv = p;
  }
  size_t i = 0;
  while (i < r->n && r->iv[i][1] < lo)
    i++;
  /* merge every interval that touches [lo, hi) */
  size_t j = i;
  while (j < r->n && r->iv[j][0] <= hi) {
    if (r->iv[j][0] < lo)
      lo = r->iv[j][0];
    if (r->iv[j][1] > hi)
      hi = r->iv[j][1];
    j++;
  }
  if (j == i) {
    memmove(&r->iv[i + 1], &r->iv[i], (r->n - i) * sizeof *r->iv);
    r->n++;
  } else {
    memmove(&r->iv[i + 1], &r->iv[j], (r->n - j) * sizeof *r->iv);
    r->n -= j - i - 1;
  }
  r->iv[i][0] = lo;
  r->iv[i][1] = hi;
  return 0;
}

/* Whether adding [lo, hi) would need one interval more than allowed. */
bool msrp__ranges_full(const msrp__ranges *r, uint64_t lo, uint64_t hi) {
  if (r->n < MSRP__RANGES_MAX)
    return false;
  for (size_t i = 0; i < r->n; i++)
    if (r->iv[i][0] <= hi && r->iv[i][1] >= lo)
      return false; /* it merges with one that is there */
  return true;
}

bool msrp__ranges_cover(const msrp__ranges *r, uint64_t total) {
  return total == 0 || (r->n == 1 && r->iv[0][0] == 0 && r->iv[0][1] >= total);
}

void msrp__ranges_free(msrp__ranges *r) {
  free(r->iv);
  memset(r, 0, sizeof *r);
}
