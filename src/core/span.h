/* SPDX-License-Identifier: MIT
 * Copyright (c) 2026 The libmsrp authors */
/* A borrowed run of bytes, and the few scans SDP lines and media-type
 * lists need on it. Not part of the API. */
#ifndef MSRP_CORE_SPAN_H
#define MSRP_CORE_SPAN_H

#include "core/util.h"

#include <stdbool.h>
#include <stddef.h>
#include <string.h>

typedef struct msrp__span {
  const char *p;
  size_t n;
} msrp__span;

static inline msrp__span msrp__span_of(const char *s) {
  msrp__span r = {s, strlen(s)};
  return r;
}

static inline bool msrp__is_blank(int c) {
  return c == ' ' || c == '\t';
}

static inline msrp__span msrp__span_trim(msrp__span s) {
  while (s.n > 0 && msrp__is_blank((unsigned char)s.p[0])) {
    s.p++;
    s.n--;
  }
  while (s.n > 0 && msrp__is_blank((unsigned char)s.p[s.n - 1]))
    s.n--;
  return s;
}

/* The next run of non-blank characters at or after *pos; false at the
 * end. */
static inline bool msrp__span_next_field(msrp__span s, size_t *pos,
                                         msrp__span *out) {
  size_t i = *pos;
  while (i < s.n && msrp__is_blank((unsigned char)s.p[i]))
    i++;
  if (i == s.n)
    return false;
  size_t start = i;
  while (i < s.n && !msrp__is_blank((unsigned char)s.p[i]))
    i++;
  out->p = s.p + start;
  out->n = i - start;
  *pos = i;
  return true;
}

/* token of RFC 3261: one or more token characters */
static inline bool msrp__span_is_token(msrp__span s) {
  if (s.n == 0)
    return false;
  for (size_t i = 0; i < s.n; i++)
    if (!msrp__is_token_char((unsigned char)s.p[i]))
      return false;
  return true;
}

#endif
