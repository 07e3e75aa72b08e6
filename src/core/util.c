/* SPDX-License-Identifier: MIT
 * Copyright (c) 2026 The libmsrp authors */
#include "core/util.h"

#include <openssl/rand.h>

#include <pthread.h>

#include <limits.h>
#include <stdlib.h>
#include <string.h>

#define ALNUM_BITS                                                             \
  (MSRP__CT_ALNUM | MSRP__CT_IDENT | MSRP__CT_UNRESERVED | MSRP__CT_TOKEN)
#define ALPHA_BITS (ALNUM_BITS | MSRP__CT_ALPHA)
#define ROW10(bits) bits, bits, bits, bits, bits, bits, bits, bits, bits, bits
#define UPPER ALPHA_BITS | MSRP__CT_UPALPHA

const uint8_t msrp__ctype[256] = {
    ['0'] = ROW10(ALNUM_BITS | MSRP__CT_DIGIT),
    ['A'] = ROW10(UPPER),
    ROW10(UPPER),
    UPPER,
    UPPER,
    UPPER,
    UPPER,
    UPPER,
    UPPER,
    ['a'] = ROW10(ALPHA_BITS),
    ROW10(ALPHA_BITS),
    ALPHA_BITS,
    ALPHA_BITS,
    ALPHA_BITS,
    ALPHA_BITS,
    ALPHA_BITS,
    ALPHA_BITS,
    ['.'] = MSRP__CT_IDENT | MSRP__CT_UNRESERVED | MSRP__CT_TOKEN,
    ['-'] = MSRP__CT_IDENT | MSRP__CT_UNRESERVED | MSRP__CT_TOKEN,
    ['+'] = MSRP__CT_IDENT | MSRP__CT_TOKEN,
    ['%'] = MSRP__CT_IDENT | MSRP__CT_TOKEN,
    ['='] = MSRP__CT_IDENT,
    ['_'] = MSRP__CT_UNRESERVED | MSRP__CT_TOKEN,
    ['~'] = MSRP__CT_UNRESERVED | MSRP__CT_TOKEN,
    ['!'] = MSRP__CT_TOKEN,
    ['*'] = MSRP__CT_TOKEN,
    ['`'] = MSRP__CT_TOKEN,
    ['\''] = MSRP__CT_TOKEN,
};

int msrp__hex_value(int c) {
  if (c >= '0' && c <= '9')
    return c - '0';
  if (c >= 'a' && c <= 'f')
    return c - 'a' + 10;
  if (c >= 'A' && c <= 'F')
    return c - 'A' + 10;
  return -1;
}

bool msrp__is_ctl(int c) {
  return (c >= 0 && c < 0x20 && c != '\t') || c == 0x7f;
}

static bool has_ctl_bytes(const unsigned char *p, size_t len) {
  for (size_t i = 0; i < len; i++)
    if ((p[i] < 0x20 && p[i] != '\t') || p[i] == 0x7f)
      return true;
  return false;
}

bool msrp__has_ctl(const char *s, size_t len) {
  /* Every header of every chunk passes here: eight bytes at a time, a
   * word with no byte below 0x20 and none equal to 0x7f is clean (bytes
   * of 0x80 and up, UTF-8, never set the flags); a flagged word is looked
   * at byte by byte, since a tab is allowed. */
  const unsigned char *p = (const unsigned char *)s;
  const uint64_t ones = 0x0101010101010101ull, highs = 0x8080808080808080ull;
  size_t i = 0;
  for (; i + 8 <= len; i += 8) {
    uint64_t x;
    memcpy(&x, p + i, 8);
    uint64_t below20 = (x - ones * 0x20) & ~x & highs;
    uint64_t y = x ^ (ones * 0x7f);
    uint64_t is7f = (y - ones) & ~y & highs;
    if ((below20 | is7f) && has_ctl_bytes(p + i, 8))
      return true;
  }
  return has_ctl_bytes(p + i, len - i);
}

bool msrp__list_next(const char *v, size_t len, size_t *pos, size_t *start,
                     size_t *end) {
  size_t i = *pos;
  if (!v || i >= len)
    return false;
  size_t j = i;
  while (j < len && v[j] != ',')
    j++;
  size_t a = i, b = j;
  while (a < b && (v[a] == ' ' || v[a] == '\t'))
    a++;
  while (b > a && (v[b - 1] == ' ' || v[b - 1] == '\t'))
    b--;
  *start = a;
  *end = b;
  *pos = j + 1;
  return true;
}

bool msrp__ieq_lit(const char *a, size_t alen, const char *lit) {
  return msrp__ieq(a, alen, lit, strlen(lit));
}

bool msrp__parse_uint(const char *s, size_t len, uint64_t max, uint64_t *out) {
  if (len == 0)
    return false;
  uint64_t v = 0;
  for (size_t i = 0; i < len; i++) {
    if (!msrp__is_digit((unsigned char)s[i]))
      return false;
    unsigned d = (unsigned)(s[i] - '0');
    if (v > (max - d) / 10)
      return false;
    v = v * 10 + d;
  }
  *out = v;
  return true;
}

/* Identifiers (transaction ids, Message-IDs, session-ids) need to be
 * unpredictable and unique, not secret: a xorshift generator seeded from
 * OpenSSL's RAND_bytes serves them without a system call each. Reseeded
 * every 2^20 draws and in a forked child (so that parent and child do not
 * draw the same identifiers): the fork handler moves the generation on. */
static _Thread_local uint64_t prng_s[2];
static _Thread_local uint32_t prng_left;
static _Thread_local unsigned prng_gen;
static unsigned fork_gen = 1;
static pthread_once_t fork_once = PTHREAD_ONCE_INIT;

static void on_fork_child(void) {
  fork_gen++;
}

static void watch_forks(void) {
  pthread_atfork(NULL, NULL, on_fork_child);
}

static int prng_next(uint64_t *out) {
  if (prng_left == 0 || prng_gen != fork_gen) {
    pthread_once(&fork_once, watch_forks);
    if (RAND_bytes((unsigned char *)prng_s, sizeof prng_s) != 1)
      return MSRP_ERR_RANDOM;
    prng_s[0] |= 1;
    prng_left = 1u << 20;
    prng_gen = fork_gen;
  }
  prng_left--;
  /* xorshift128+ */
  uint64_t a = prng_s[0], b = prng_s[1];
  prng_s[0] = b;
  a ^= a << 23;
  prng_s[1] = a ^ b ^ (a >> 17) ^ (b >> 26);
  *out = prng_s[1] + b;
  return 0;
}

static const char token_alphabet[] =
    "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";

/* Take bytes below 248 so that each of the 62 symbols is equally likely. */
static size_t take_symbols(char *out, size_t done, size_t len,
                           const unsigned char *rnd, size_t n) {
  for (size_t i = 0; i < n && done < len; i++)
    if (rnd[i] < 248)
      out[done++] = token_alphabet[rnd[i] % 62];
  return done;
}

int msrp__random_token(char *out, size_t len) {
  /* six bits at a time, ten from each draw; the two values past the
   * alphabet (62 and 63) are thrown away, so each symbol is equally
   * likely (one group in 32 is lost) */
  size_t done = 0;
  while (done < len) {
    uint64_t r;
    if (prng_next(&r))
      return MSRP_ERR_RANDOM;
    for (int i = 0; i < 10 && done < len; i++, r >>= 6)
      if ((r & 63) < 62)
        out[done++] = token_alphabet[r & 63];
  }
  out[len] = '\0';
  return 0;
}

int msrp__secret_token(char *out, size_t len) {
  size_t done = 0;
  while (done < len) {
    unsigned char rnd[32];
    if (RAND_bytes(rnd, sizeof rnd) != 1)
      return MSRP_ERR_RANDOM;
    done = take_symbols(out, done, len, rnd, sizeof rnd);
  }
  out[len] = '\0';
  return 0;
}

void msrp__zero(void *p, size_t n) {
  memset(p, 0, n);
}

void *msrp__grow_array(void *items, size_t *cap, size_t elem_size,
                       size_t first) {
  size_t n = *cap ? *cap : first;
  if (*cap && n > SIZE_MAX / 2 / elem_size)
    return NULL;
  if (*cap)
    n *= 2;
  void *p = realloc(items, n * elem_size);
  if (p)
    *cap = n;
  return p;
}

int msrp__buf_reserve(msrp__buf *b, size_t extra) {
  if (extra > SIZE_MAX - b->len - 1)
    return MSRP_ERR_NOMEM;
  size_t need = b->len + extra + 1;
  if (need <= b->cap)
    return 0;
  size_t cap = b->cap ? b->cap : 64;
  while (cap < need)
    cap = cap > SIZE_MAX / 2 ? need : cap * 2;
  char *p = realloc(b->data, cap);
  if (!p)
    return MSRP_ERR_NOMEM;
  b->data = p;
  b->cap = cap;
  return 0;
}

int msrp__buf_append_slow(msrp__buf *b, const void *data, size_t len) {
  int rc = msrp__buf_reserve(b, len);
  if (rc)
    return rc;
  if (len)
    memcpy(b->data + b->len, data, len);
  b->len += len;
  b->data[b->len] = '\0';
  return 0;
}

int msrp__buf_append_u64(msrp__buf *b, uint64_t v) {
  char tmp[24];
  size_t n = 0;
  do {
    tmp[sizeof tmp - 1 - n++] = (char)('0' + v % 10);
    v /= 10;
  } while (v);
  return msrp__buf_append(b, tmp + sizeof tmp - n, n);
}

void msrp__buf_free(msrp__buf *b) {
  free(b->data);
  b->data = NULL;
  b->len = b->cap = 0;
}

char *msrp__strndup(const char *s, size_t len) {
  char *p = malloc(len + 1);
  if (!p)
    return NULL;
  memcpy(p, s, len);
  p[len] = '\0';
  return p;
}

char *msrp__strdup_or_null(const char *s) {
  return s ? msrp__strndup(s, strlen(s)) : NULL;
}

int msrp__copy_out(char *buf, size_t size, const char *s, size_t len) {
  if (size > 0) {
    size_t n = len < size - 1 ? len : size - 1;
    memcpy(buf, s, n);
    buf[n] = '\0';
  }
  return len > INT_MAX ? INT_MAX : (int)len;
}

void *msrp__abi_in(void *ours, size_t our_size, const void *theirs,
                   size_t their_size) {
  if (!theirs)
    return NULL;
  memset(ours, 0, our_size);
  memcpy(ours, theirs, their_size < our_size ? their_size : our_size);
  return ours;
}

void msrp__abi_out(void *theirs, size_t their_size, const void *ours,
                   size_t our_size) {
  memcpy(theirs, ours, their_size < our_size ? their_size : our_size);
}

int msrp__abi_in_array(void **out, size_t our_size, const void *theirs,
                       size_t their_size, size_t n) {
  *out = NULL;
  if (!theirs || n == 0)
    return 0;
  if (their_size == 0 || n > SIZE_MAX / our_size)
    return MSRP_ERR_INVALID_ARGUMENT;
  unsigned char *a = malloc(n * our_size);
  if (!a)
    return MSRP_ERR_NOMEM;
  for (size_t i = 0; i < n; i++)
    msrp__abi_in(a + i * our_size, our_size,
                 (const unsigned char *)theirs + i * their_size, their_size);
  *out = a;
  return 0;
}
