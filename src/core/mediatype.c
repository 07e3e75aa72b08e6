/* SPDX-License-Identifier: MIT
 * Copyright (c) 2026 The libmsrp authors */
/* Media-type lists as a=accept-types writes them, and their wildcard
 * algebra (RFC 4975 sections 8 and 9): parse, match, intersect. Used by the
 * SDP media description and by the session engine's 415. */
#include <msrp/mediatype.h>

#include "core/mediatype_internal.h"

#include <stdlib.h>
#include <string.h>

static bool is_star(msrp__span s) {
  return s.n == 1 && s.p[0] == '*';
}

/* format-entry = "*" / (type "/" subtype) / (type "/" "*"), RFC 4975
 * section 9; type and subtype are tokens. */
static bool split_type(msrp__span s, msrp__media_type *out) {
  memset(out, 0, sizeof *out);
  if (is_star(s)) {
    out->any = true;
    return true;
  }
  const char *slash = memchr(s.p, '/', s.n);
  if (!slash)
    return false;
  out->type.p = s.p;
  out->type.n = (size_t)(slash - s.p);
  out->sub.p = slash + 1;
  out->sub.n = s.n - out->type.n - 1;
  if (!msrp__span_is_token(out->type) || !msrp__span_is_token(out->sub))
    return false;
  out->any = is_star(out->type) && is_star(out->sub);
  return true;
}

/* A concrete type to send or look up: type/subtype without wildcards,
 * ";parameters" and blanks around dropped. */
bool msrp__media_type_concrete(const char *text, msrp__media_type *out) {
  msrp__span s = msrp__span_of(text);
  const char *semi = memchr(s.p, ';', s.n);
  if (semi)
    s.n = (size_t)(semi - s.p);
  s = msrp__span_trim(s);
  if (!split_type(s, out) || out->any)
    return false;
  return !memchr(out->type.p, '*', out->type.n) &&
         !memchr(out->sub.p, '*', out->sub.n);
}

/* Whether pattern p admits everything q admits. */
static bool covers(const msrp__media_type *p, const msrp__media_type *q) {
  if (p->any)
    return true;
  if (q->any)
    return false;
  if (!msrp__ieq(p->type.p, p->type.n, q->type.p, q->type.n))
    return false;
  if (is_star(p->sub))
    return true;
  return !is_star(q->sub) && msrp__ieq(p->sub.p, p->sub.n, q->sub.p, q->sub.n);
}

static bool valid_type_entry(const char *s) {
  msrp__media_type t;
  return s && split_type(msrp__span_of(s), &t);
}

void msrp_media_types_clear(msrp_media_types *t) {
  if (!t)
    return;
  for (size_t i = 0; i < t->count; i++)
    free(t->types[i]);
  free(t->types);
  t->types = NULL;
  t->count = 0;
}

/* Copy `n` spans into a cleared list. */
static int types_from_spans(msrp_media_types *out, const msrp__span *s,
                            size_t n) {
  msrp_media_types tmp = MSRP_MEDIA_TYPES_INIT;
  if (n == 0) {
    *out = tmp;
    return 0;
  }
  tmp.types = calloc(n, sizeof(char *));
  if (!tmp.types)
    return MSRP_ERR_NOMEM;
  for (size_t i = 0; i < n; i++) {
    tmp.types[i] = msrp__strndup(s[i].p, s[i].n);
    if (!tmp.types[i]) {
      msrp_media_types_clear(&tmp);
      return MSRP_ERR_NOMEM;
    }
    tmp.count++;
  }
  *out = tmp;
  return 0;
}

/* Check and copy caller-given types into a cleared list. */
int msrp__types_from_array(msrp_media_types *out, const char *const *types,
                           size_t n) {
  if (n > 0 && !types)
    return MSRP_ERR_INVALID_ARGUMENT;
  for (size_t i = 0; i < n; i++)
    if (!valid_type_entry(types[i]))
      return MSRP_ERR_INVALID_ARGUMENT;
  if (n > SIZE_MAX / sizeof(msrp__span))
    return MSRP_ERR_NOMEM;
  msrp__span *s = n ? malloc(n * sizeof *s) : NULL;
  if (n && !s)
    return MSRP_ERR_NOMEM;
  for (size_t i = 0; i < n; i++)
    s[i] = msrp__span_of(types[i]);
  int rc = types_from_spans(out, s, n);
  free(s);
  return rc;
}

/* A space-separated format-list (one or more entries) into a cleared
 * list; MSRP_ERR_MEDIA_TYPE if malformed. */
int msrp__types_parse(msrp_media_types *out, msrp__span v) {
  size_t pos = 0, n = 0;
  msrp__span f;
  while (msrp__span_next_field(v, &pos, &f)) {
    msrp__media_type t;
    if (!split_type(f, &t))
      return MSRP_ERR_MEDIA_TYPE;
    n++;
  }
  if (n == 0)
    return MSRP_ERR_MEDIA_TYPE;
  msrp__span *s = malloc(n * sizeof *s);
  if (!s)
    return MSRP_ERR_NOMEM;
  pos = 0;
  for (size_t i = 0; i < n; i++)
    msrp__span_next_field(v, &pos, &s[i]);
  int rc = types_from_spans(out, s, n);
  free(s);
  return rc;
}

int msrp_media_types_parse(msrp_media_types *out, const char *text) {
  if (!out || !text)
    return MSRP_ERR_INVALID_ARGUMENT;
  *out = (msrp_media_types)MSRP_MEDIA_TYPES_INIT;
  msrp__span v = msrp__span_trim(msrp__span_of(text));
  return v.n ? msrp__types_parse(out, v) : 0;
}

bool msrp__types_admit(const msrp_media_types *t, const msrp__media_type *q) {
  for (size_t i = 0; i < t->count; i++) {
    msrp__media_type p;
    if (split_type(msrp__span_of(t->types[i]), &p) && covers(&p, q))
      return true;
  }
  return false;
}

int msrp_media_types_contain(const msrp_media_types *t, const char *type) {
  msrp__media_type q;
  if (!t || (t->count > 0 && !t->types) || !type ||
      !msrp__media_type_concrete(type, &q))
    return 0;
  return msrp__types_admit(t, &q) ? 1 : 0;
}

int msrp_media_types_intersect(msrp_media_types *out, const msrp_media_types *a,
                               const msrp_media_types *b) {
  if (!out || !a || !b || (a->count > 0 && !a->types) ||
      (b->count > 0 && !b->types))
    return MSRP_ERR_INVALID_ARGUMENT;
  *out = (msrp_media_types)MSRP_MEDIA_TYPES_INIT;
  if (a->count == 0 || b->count == 0)
    return 0;
  if (a->count > SIZE_MAX / b->count / sizeof(msrp__media_type))
    return MSRP_ERR_NOMEM;
  size_t max = a->count * b->count;
  msrp__media_type *meet = malloc(max * sizeof *meet);
  msrp__span *keep = malloc(max * sizeof *keep);
  int rc = MSRP_ERR_NOMEM;
  if (!meet || !keep)
    goto done;
  /* Two patterns of this language overlap only when one covers the other,
   * so their meet is the narrower one. */
  size_t n = 0;
  for (size_t i = 0; i < a->count; i++) {
    msrp__media_type p;
    if (!split_type(msrp__span_of(a->types[i]), &p))
      continue;
    for (size_t j = 0; j < b->count; j++) {
      msrp__media_type q;
      if (!split_type(msrp__span_of(b->types[j]), &q))
        continue;
      if (covers(&p, &q))
        meet[n++] = q;
      else if (covers(&q, &p))
        meet[n++] = p;
    }
  }
  size_t k = 0;
  for (size_t i = 0; i < n; i++) {
    bool dropped = false;
    for (size_t j = 0; j < n && !dropped; j++) {
      if (j == i || !covers(&meet[j], &meet[i]))
        continue;
      /* j covers i: drop i if j is wider, or equal and earlier */
      dropped = !covers(&meet[i], &meet[j]) || j < i;
    }
    if (dropped)
      continue;
    if (meet[i].any) {
      keep[k].p = "*";
      keep[k].n = 1;
    } else {
      /* type and sub are adjacent around the "/" in the source text */
      keep[k].p = meet[i].type.p;
      keep[k].n = meet[i].type.n + 1 + meet[i].sub.n;
    }
    k++;
  }
  rc = types_from_spans(out, keep, k);
done:
  free(meet);
  free(keep);
  return rc;
}
