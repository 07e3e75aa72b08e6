/* SPDX-License-Identifier: MIT
 * Copyright (c) 2026 The libmsrp authors */
/* Internal helpers shared by the core's files. Not part of the API. */
#ifndef MSRP_CORE_UTIL_H
#define MSRP_CORE_UTIL_H

#include <msrp/common.h>

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

/* Character classes of RFC 4975 section 9 and RFC 3986, from one table
 * (every header byte of every chunk is looked up here). */
enum {
  MSRP__CT_ALNUM = 1,
  MSRP__CT_UPALPHA = 2,
  MSRP__CT_DIGIT = 4,
  MSRP__CT_IDENT = 8,       /* ident-char = ALPHANUM / "." / "-" / "+" /
                               "%" / "=" */
  MSRP__CT_UNRESERVED = 16, /* RFC 3986: ALPHA / DIGIT / "-" / "." / "_" /
                               "~" */
  MSRP__CT_TOKEN = 32,      /* RFC 3261 token chars (URI parameters and
                               header names) */
  MSRP__CT_ALPHA = 64
};
extern const uint8_t msrp__ctype[256];

static inline bool msrp__ctype_is(int c, unsigned bits) {
  return c >= 0 && c < 256 && (msrp__ctype[c] & bits) != 0;
}
static inline bool msrp__is_alnum(int c) {
  return msrp__ctype_is(c, MSRP__CT_ALNUM);
}
static inline bool msrp__is_upalpha(int c) {
  return msrp__ctype_is(c, MSRP__CT_UPALPHA);
}
static inline bool msrp__is_digit(int c) {
  return msrp__ctype_is(c, MSRP__CT_DIGIT);
}
static inline bool msrp__is_ident_char(int c) {
  return msrp__ctype_is(c, MSRP__CT_IDENT);
}
static inline bool msrp__is_unreserved(int c) {
  return msrp__ctype_is(c, MSRP__CT_UNRESERVED);
}
static inline bool msrp__is_token_char(int c) {
  return msrp__ctype_is(c, MSRP__CT_TOKEN);
}
/* The value of a hexadecimal digit (either case), or -1 for any other
 * character. */
int msrp__hex_value(int c);

/* CTL of RFC 5234 but HTAB: 0x00-0x08, 0x0A-0x1F and 0x7F. Bytes of 0x80 and
 * above (UTF-8) are not CTLs. */
bool msrp__is_ctl(int c);
/* Whether any of the `len` bytes at `s` is such a CTL. */
bool msrp__has_ctl(const char *s, size_t len);

/* ASCII case-insensitive comparison of two byte ranges; 1 if equal. */
static inline bool msrp__ieq(const char *a, size_t alen, const char *b,
                             size_t blen) {
  if (alen != blen)
    return false;
  for (size_t i = 0; i < alen; i++) {
    unsigned char x = (unsigned char)a[i], y = (unsigned char)b[i];
    /* letters differ in case by one bit */
    if (x != y && ((x ^ y) != 0x20 || !msrp__ctype_is(x, MSRP__CT_ALPHA)))
      return false;
  }
  return true;
}
/* The same against a NUL-terminated literal. */
bool msrp__ieq_lit(const char *a, size_t alen, const char *lit);
/* The next item of a comma-separated list `v` (`len` bytes) from *pos:
 * false at the end; else [*start, *end) is the item, spaces and tabs
 * around it left out, and *pos is past its comma. */
bool msrp__list_next(const char *v, size_t len, size_t *pos, size_t *start,
                     size_t *end);

/* Parse 1*DIGIT from the whole of [s, s+len) into *out; false on anything
 * else or on a value above `max`. */
bool msrp__parse_uint(const char *s, size_t len, uint64_t max, uint64_t *out);

/* memset(p, 0, n) for a struct of a hundred bytes or more on a hot path:
 * out of line, so the compiler does not see the size and calls the C
 * library's vector memset, where it would otherwise inline `rep stos`
 * (tens of cycles to start on current x86: a parsed 200 spent 2 % of the
 * sender's time there). */
void msrp__zero(void *p, size_t n);

/* Double an array's capacity (to `first` elements when it has none):
 * returns the reallocated array and updates *cap, or NULL on overflow or
 * allocation failure, leaving the array and *cap as they were. */
void *msrp__grow_array(void *items, size_t *cap, size_t elem_size,
                       size_t first);

/* Fill `out` with `len` random characters from [a-zA-Z0-9] and a NUL
 * (out must hold len + 1 bytes). msrp__random_token is for identifiers
 * that must be unique and unpredictable enough (transaction ids,
 * Message-IDs): a fast generator seeded from RAND_bytes. msrp__secret_token
 * is for what must not be guessable even by someone who sees our other
 * identifiers (session-ids, RFC 4975 section 14.1): RAND_bytes each time. */
int msrp__random_token(char *out, size_t len);
int msrp__secret_token(char *out, size_t len);

/* Structs an application passes in, at the size its headers gave them
 * (docs/design.md, Compatibility): `theirs` (their_size bytes) copied into
 * `ours` (our_size bytes), whatever it did not know left zero, which is
 * every field's default. Returns `ours`, or NULL when `theirs` is NULL. */
void *msrp__abi_in(void *ours, size_t our_size, const void *theirs,
                   size_t their_size);
/* A struct the library fills for the application: `ours` (our_size bytes)
 * into `theirs`, no more than the their_size bytes it has room for. */
void msrp__abi_out(void *theirs, size_t their_size, const void *ours,
                   size_t our_size);
/* The same for an array of `n` of them: a new array of ours (free() it),
 * or NULL when there are none (`*out` NULL, 0) or memory ran out
 * (MSRP_ERR_NOMEM). */
int msrp__abi_in_array(void **out, size_t our_size, const void *theirs,
                       size_t their_size, size_t n);

/* A growable byte string. */
typedef struct msrp__buf {
  char *data;
  size_t len;
  size_t cap;
} msrp__buf;

int msrp__buf_reserve(msrp__buf *b, size_t extra);
int msrp__buf_append_slow(msrp__buf *b, const void *data, size_t len);
/* Chunk heads are rendered a few bytes at a time: when they fit, no call. */
static inline int msrp__buf_append(msrp__buf *b, const void *data, size_t len) {
  if (b->cap - b->len <= len || !b->data)
    return msrp__buf_append_slow(b, data, len);
  if (len) /* an empty append may come with no pointer at all */
    memcpy(b->data + b->len, data, len);
  b->len += len;
  b->data[b->len] = '\0';
  return 0;
}
static inline int msrp__buf_append_str(msrp__buf *b, const char *s) {
  return msrp__buf_append(b, s, strlen(s));
}
/* Append a decimal number. */
int msrp__buf_append_u64(msrp__buf *b, uint64_t v);
void msrp__buf_free(msrp__buf *b);

/* strndup that reports NULL on allocation failure. */
char *msrp__strndup(const char *s, size_t len);
/* A copy of a string that may be NULL (then NULL). */
char *msrp__strdup_or_null(const char *s);

/* snprintf-style copy of `len` bytes: writes min(len, size-1) bytes and a
 * NUL when size > 0; returns len. */
int msrp__copy_out(char *buf, size_t size, const char *s, size_t len);

#endif
