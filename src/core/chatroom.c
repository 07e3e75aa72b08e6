/* SPDX-License-Identifier: MIT
 * Copyright (c) 2026 The libmsrp authors */
/* RFC 7701 nicknames: preparation and comparison by RFC 8266 (with
 * libunistring), the Use-Nickname value, a room's check of NICKNAME. */
#include <msrp/chatroom.h>

#include "core/util.h"

#include <unicase.h>
#include <unictype.h>
#include <uninorm.h>
#include <unistr.h>

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

/* Spaces mapped to U+0020, trimmed and collapsed; control and unassigned
 * code points refused. Writes at most `size` bytes to `out`; -1 when the
 * input is refused, else the length (which may exceed `size`: too long). */
static long map_spaces(const uint8_t *s, size_t n, uint8_t *out, size_t size) {
  if (u8_check(s, n))
    return -1;
  size_t used = 0;
  bool pending_space = false;
  for (size_t i = 0; i < n;) {
    ucs4_t uc;
    int l = u8_mbtouc(&uc, s + i, n - i);
    if (l <= 0)
      return -1;
    i += (size_t)l;
    if (uc_is_general_category(uc, UC_CONTROL) ||
        uc_is_general_category(uc, UC_UNASSIGNED))
      return -1;
    if (uc == ' ' || uc_is_general_category(uc, UC_SPACE_SEPARATOR)) {
      pending_space = used > 0;
      continue;
    }
    if (pending_space) {
      if (used < size)
        out[used] = ' ';
      used++;
      pending_space = false;
    }
    for (int k = 0; k < l; k++, used++)
      if (used < size)
        out[used] = s[i - (size_t)l + (size_t)k];
  }
  return (long)used;
}

int msrp_nickname_prepare(const char *in, size_t len, char *out, size_t size) {
  if (!in || !out || !size || len > 4 * MSRP_NICKNAME_MAX)
    return MSRP_ERR_INVALID_ARGUMENT;
  uint8_t mapped[4 * MSRP_NICKNAME_MAX];
  long m = map_spaces((const uint8_t *)in, len, mapped, sizeof mapped);
  if (m <= 0)
    return MSRP_ERR_INVALID_ARGUMENT;
  size_t nlen = 0;
  uint8_t *norm = u8_normalize(UNINORM_NFKC, mapped, (size_t)m, NULL, &nlen);
  if (!norm)
    return MSRP_ERR_INVALID_ARGUMENT;
  /* NFKC may turn a compatibility character into a space: map again */
  uint8_t again[MSRP_NICKNAME_MAX + 1];
  long a = map_spaces(norm, nlen, again, sizeof again);
  free(norm);
  if (a <= 0 || (size_t)a > MSRP_NICKNAME_MAX || (size_t)a >= size)
    return MSRP_ERR_INVALID_ARGUMENT;
  memcpy(out, again, (size_t)a);
  out[a] = '\0';
  return (int)a;
}

int msrp_nickname_equal(const char *a, const char *b) {
  char pa[MSRP_NICKNAME_MAX + 1], pb[MSRP_NICKNAME_MAX + 1];
  if (!a || !b)
    return MSRP_ERR_INVALID_ARGUMENT;
  int la = msrp_nickname_prepare(a, strlen(a), pa, sizeof pa);
  int lb = msrp_nickname_prepare(b, strlen(b), pb, sizeof pb);
  if (la < 0 || lb < 0)
    return MSRP_ERR_INVALID_ARGUMENT;
  int result = 0;
  if (u8_casecmp((const uint8_t *)pa, (size_t)la, (const uint8_t *)pb,
                 (size_t)lb, NULL, UNINORM_NFKC, &result))
    return MSRP_ERR_INVALID_ARGUMENT;
  return result == 0;
}

int msrp_nickname_quote(const char *nick, char *buf, size_t size) {
  char p[MSRP_NICKNAME_MAX + 1];
  if (!nick || !buf ||
      msrp_nickname_prepare(nick, strlen(nick), p, sizeof p) < 0)
    return MSRP_ERR_INVALID_ARGUMENT;
  size_t used = 0;
  if (size < 3)
    return MSRP_ERR_INVALID_ARGUMENT;
  buf[used++] = '"';
  for (const char *c = p; *c; c++) {
    if (used + 4 > size)
      return MSRP_ERR_INVALID_ARGUMENT;
    if (*c == '"' || *c == '\\')
      buf[used++] = '\\';
    buf[used++] = *c;
  }
  buf[used++] = '"';
  buf[used] = '\0';
  return (int)used;
}

/* A quoted-string (RFC 4975: DQUOTE *(qdtext / qd-esc) DQUOTE) unquoted;
 * a value without quotes is taken as it is. -1 when malformed. */
static long unquote(const char *v, size_t n, char *out, size_t size) {
  if (n == 0 || v[0] != '"') {
    if (n >= size)
      return -1;
    memcpy(out, v, n);
    out[n] = '\0';
    return (long)n;
  }
  size_t used = 0, i = 1;
  for (; i < n && v[i] != '"'; i++) {
    if (v[i] == '\\') {
      if (++i >= n)
        return -1;
    }
    if (used + 1 >= size)
      return -1;
    out[used++] = v[i];
  }
  if (i != n - 1) /* no closing quote, or text after it */
    return -1;
  out[used] = '\0';
  return (long)used;
}

int msrp_nickname_check(const msrp_chunk *request, char *out, size_t size) {
  if (!request || !out || !size || !msrp_chunk_is_request(request) ||
      msrp_chunk_method_id(request) != MSRP_METHOD_NICKNAME)
    return MSRP_ERR_INVALID_ARGUMENT;
  const char *value = NULL;
  int count = 0;
  size_t n = msrp_chunk_header_count(request);
  for (size_t i = 0; i < n; i++) {
    const char *name, *v;
    msrp_header_id id;
    if (msrp_chunk_header_at(request, i, &id, &name, &v) == 0 &&
        msrp__ieq_lit(name, strlen(name), "Use-Nickname")) {
      value = v;
      count++;
    }
  }
  if (count != 1 || msrp_chunk_has_content(request))
    return MSRP_STATUS_BAD_REQUEST;
  char raw[4 * MSRP_NICKNAME_MAX + 1];
  long l = unquote(value, strlen(value), raw, sizeof raw);
  if (l <= 0 || msrp_nickname_prepare(raw, (size_t)l, out, size) < 0)
    return MSRP_STATUS_NICKNAME_MALFORMED;
  return 200;
}
