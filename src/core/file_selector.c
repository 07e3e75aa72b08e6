/* SPDX-License-Identifier: MIT
 * Copyright (c) 2026 The libmsrp authors */
/* RFC 5547 in SDP: the file selector and the attributes around it. */
#include <msrp/chunk.h>
#include <msrp/file_selector.h>

#include "core/util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- the selector ------------------------------------------------------ */

void msrp_file_selector_clear(msrp_file_selector *s) {
  if (!s)
    return;
  free(s->name);
  free(s->type);
  *s = (msrp_file_selector)MSRP_FILE_SELECTOR_INIT;
}

static bool starts(const char *p, const char *end, const char *lit) {
  size_t n = strlen(lit);
  return (size_t)(end - p) >= n && msrp__ieq(p, n, lit, n);
}

/* name:"..." with %HH escapes; *p is past "name:". */
static int parse_name(msrp_file_selector *s, const char **p, const char *end) {
  const char *q = *p;
  if (q >= end || *q != '"')
    return MSRP_ERR_SDP_SYNTAX;
  q++;
  const char *start = q;
  while (q < end && *q != '"')
    q++;
  if (q >= end || q == start)
    return MSRP_ERR_SDP_SYNTAX; /* unterminated, or empty */
  char *name = malloc((size_t)(q - start) + 1);
  if (!name)
    return MSRP_ERR_NOMEM;
  size_t n = 0;
  for (const char *c = start; c < q; c++) {
    if (*c == '%') {
      int hi = c + 2 < q ? msrp__hex_value((unsigned char)c[1]) : -1;
      int lo = hi >= 0 ? msrp__hex_value((unsigned char)c[2]) : -1;
      if (lo < 0) {
        free(name);
        return MSRP_ERR_SDP_SYNTAX;
      }
      name[n++] = (char)(hi << 4 | lo);
      c += 2;
    } else {
      name[n++] = *c;
    }
  }
  name[n] = '\0';
  s->name = name;
  s->name_len = n;
  *p = q + 1;
  return 0;
}

/* The end of a selector that is not a name: the next space. */
static const char *word_end(const char *p, const char *end) {
  while (p < end && *p != ' ')
    p++;
  return p;
}

/* type:type/subtype[;attr="value"]... */
static int parse_type(msrp_file_selector *s, const char **p, const char *end) {
  const char *q = *p, *slash = NULL;
  /* the parameters' values are quoted and may hold spaces */
  bool quoted = false;
  while (q < end && (quoted || *q != ' ')) {
    if (*q == '"')
      quoted = !quoted;
    else if (*q == '/' && !slash && !quoted)
      slash = q;
    q++;
  }
  const char *semi = memchr(*p, ';', (size_t)(q - *p));
  const char *sub_end = semi ? semi : q;
  if (quoted || !slash || slash == *p || slash + 1 >= sub_end)
    return MSRP_ERR_SDP_SYNTAX;
  for (const char *c = *p; c < sub_end; c++)
    if (c != slash && !msrp__is_token_char((unsigned char)*c))
      return MSRP_ERR_SDP_SYNTAX;
  if (!(s->type = msrp__strndup(*p, (size_t)(q - *p))))
    return MSRP_ERR_NOMEM;
  *p = q;
  return 0;
}

/* hash:ALGORITHM:XX:XX:... */
static int parse_hash(msrp_file_selector *s, const char **p, const char *end) {
  const char *we = word_end(*p, end);
  const char *colon = memchr(*p, ':', (size_t)(we - *p));
  if (!colon || colon == *p)
    return MSRP_ERR_SDP_SYNTAX;
  for (const char *c = *p; c < colon; c++)
    if (!msrp__is_token_char((unsigned char)*c))
      return MSRP_ERR_SDP_SYNTAX;
  /* hash-value = 2HEX *(":" 2HEX) */
  uint8_t bytes[64];
  size_t n = 0;
  const char *c = colon + 1;
  for (;;) {
    if (we - c < 2 || n == sizeof bytes)
      return MSRP_ERR_SDP_SYNTAX;
    int hi = msrp__hex_value((unsigned char)c[0]);
    int lo = msrp__hex_value((unsigned char)c[1]);
    if (hi < 0 || lo < 0)
      return MSRP_ERR_SDP_SYNTAX;
    bytes[n++] = (uint8_t)(hi << 4 | lo);
    c += 2;
    if (c == we)
      break;
    if (*c != ':')
      return MSRP_ERR_SDP_SYNTAX;
    c++;
  }
  size_t alen = (size_t)(colon - *p);
  if (msrp__ieq(*p, alen, "sha-1", 5) || msrp__ieq(*p, alen, "sha1", 4)) {
    if (n != 20)
      return MSRP_ERR_SDP_SYNTAX;
    memcpy(s->sha1, bytes, 20);
    s->has_sha1 = 1;
  }
  *p = we;
  return 0;
}

int msrp_file_selector_parse(msrp_file_selector *out, const char *value,
                             size_t len) {
  if (!out || (!value && len))
    return MSRP_ERR_INVALID_ARGUMENT;
  for (size_t i = 0; i < len; i++)
    if (value[i] == '\0' || value[i] == '\r' || value[i] == '\n')
      return MSRP_ERR_SDP_SYNTAX;
  msrp_file_selector s = MSRP_FILE_SELECTOR_INIT;
  bool seen_name = false, seen_type = false, seen_size = false,
       seen_hash = false;
  const char *p = value, *end = value + len;
  int rc = 0;
  while (!rc) {
    while (p < end && *p == ' ')
      p++;
    if (p >= end)
      break;
    if (starts(p, end, "name:")) {
      p += 5;
      rc = seen_name ? MSRP_ERR_SDP_DUPLICATE : parse_name(&s, &p, end);
      seen_name = true;
    } else if (starts(p, end, "type:")) {
      p += 5;
      rc = seen_type ? MSRP_ERR_SDP_DUPLICATE : parse_type(&s, &p, end);
      seen_type = true;
    } else if (starts(p, end, "size:")) {
      p += 5;
      const char *we = word_end(p, end);
      if (seen_size)
        rc = MSRP_ERR_SDP_DUPLICATE;
      else if (!msrp__parse_uint(p, (size_t)(we - p), UINT64_MAX - 1, &s.size))
        rc = MSRP_ERR_SDP_SYNTAX;
      s.has_size = 1;
      seen_size = true;
      p = we;
    } else if (starts(p, end, "hash:")) {
      p += 5;
      rc = seen_hash ? MSRP_ERR_SDP_DUPLICATE : parse_hash(&s, &p, end);
      seen_hash = true;
    } else {
      /* a selector of a later extension: skipped (a quoted part may hold
       * spaces) */
      bool quoted = false;
      while (p < end && (quoted || *p != ' ')) {
        if (*p == '"')
          quoted = !quoted;
        p++;
      }
      if (quoted)
        rc = MSRP_ERR_SDP_SYNTAX;
    }
    /* selectors are separated by spaces */
    if (!rc && p < end && *p != ' ')
      rc = MSRP_ERR_SDP_SYNTAX;
  }
  if (rc) {
    msrp_file_selector_clear(&s);
    return rc;
  }
  *out = s;
  return 0;
}

static bool name_needs_escape(unsigned char c) {
  return c < 0x20 || c == 0x7f || c == '"' || c == '%';
}

int msrp_file_selector_format(const msrp_file_selector *s, char *buf,
                              size_t size) {
  if (!s || (!buf && size))
    return MSRP_ERR_INVALID_ARGUMENT;
  size_t n = 0;
  /* as snprintf: the whole length, and a NUL-terminated prefix in buf */
#define PUT(...)                                                               \
  do {                                                                         \
    int w_ = snprintf(n < size ? buf + n : NULL, n < size ? size - n : 0,      \
                      __VA_ARGS__);                                            \
    if (w_ > 0)                                                                \
      n += (size_t)w_;                                                         \
  } while (0)
  if (s->name) {
    PUT("name:\"");
    for (size_t i = 0; i < s->name_len; i++) {
      unsigned char c = (unsigned char)s->name[i];
      if (name_needs_escape(c))
        PUT("%%%02X", c);
      else
        PUT("%c", c);
    }
    PUT("\"");
  }
  if (s->type)
    PUT("%stype:%s", n ? " " : "", s->type);
  if (s->has_size)
    PUT("%ssize:%llu", n ? " " : "", (unsigned long long)s->size);
  if (s->has_sha1) {
    PUT("%shash:sha-1:", n ? " " : "");
    for (int i = 0; i < 20; i++)
      PUT("%s%02X", i ? ":" : "", s->sha1[i]);
  }
#undef PUT
  if (n > INT32_MAX)
    return MSRP_ERR_INVALID_ARGUMENT;
  if (size && n < size)
    buf[n] = '\0';
  return (int)n;
}

int msrp_file_selector_copy(msrp_file_selector *dst,
                            const msrp_file_selector *src) {
  if (!dst || !src)
    return MSRP_ERR_INVALID_ARGUMENT;
  msrp_file_selector s = *src;
  s.name = src->name ? malloc(src->name_len + 1) : NULL;
  s.type = msrp__strdup_or_null(src->type);
  if ((src->name && !s.name) || (src->type && !s.type)) {
    free(s.name);
    free(s.type);
    return MSRP_ERR_NOMEM;
  }
  if (s.name) {
    memcpy(s.name, src->name, src->name_len);
    s.name[src->name_len] = '\0';
  }
  *dst = s;
  return 0;
}

/* "type/subtype" without parameters or spaces */
static size_t bare_type_len(const char *t) {
  size_t n = 0;
  while (t[n] && t[n] != ';' && t[n] != ' ')
    n++;
  return n;
}

int msrp_file_selector_matches(const msrp_file_selector *want,
                               const msrp_file_selector *have) {
  if (!want || !have ||
      (!want->name && !want->type && !want->has_size && !want->has_sha1))
    return 0;
  if (want->name && (!have->name || want->name_len != have->name_len ||
                     memcmp(want->name, have->name, want->name_len)))
    return 0;
  if (want->type &&
      (!have->type || !msrp__ieq(want->type, bare_type_len(want->type),
                                 have->type, bare_type_len(have->type))))
    return 0;
  if (want->has_size && (!have->has_size || want->size != have->size))
    return 0;
  if (want->has_sha1 && (!have->has_sha1 || memcmp(want->sha1, have->sha1, 20)))
    return 0;
  return 1;
}

size_t msrp_file_name_sanitize(const char *name, size_t len, char *out,
                               size_t size) {
  if (!out || size < 8)
    return 0;
  const char *base = name ? name : "";
  if (!name)
    len = 0;
  for (size_t i = 0; i < len; i++)
    if (name[i] == '/' || name[i] == '\\')
      base = name + i + 1;
  size_t blen = len - (size_t)(base - (name ? name : base));
  size_t n = 0;
  for (size_t i = 0; i < blen && n + 1 < size; i++) {
    unsigned char c = (unsigned char)base[i];
    out[n++] = (char)(c < 0x20 || c == 0x7f ? '_' : c);
  }
  /* cut at a character boundary: drop a partial UTF-8 sequence at the end
   * when the name was longer than room */
  if (blen > n) {
    size_t k = n;
    while (k > 0 && ((unsigned char)out[k - 1] & 0xC0) == 0x80)
      k--;
    if (k > 0 && ((unsigned char)out[k - 1] & 0xC0) == 0xC0)
      n = k - 1;
  }
  out[n] = '\0';
  if (n == 0 || !strcmp(out, ".") || !strcmp(out, "..")) {
    strcpy(out, "file");
    n = 4;
  }
  return n;
}

/* ---- the description --------------------------------------------------- */

const char *msrp_sdp_direction_name(msrp_sdp_direction d) {
  switch (d) {
  case MSRP_SDP_SENDRECV:
    return "sendrecv";
  case MSRP_SDP_SENDONLY:
    return "sendonly";
  case MSRP_SDP_RECVONLY:
    return "recvonly";
  case MSRP_SDP_INACTIVE:
    return "inactive";
  default:
    return NULL;
  }
}

void msrp_file_description_clear(msrp_file_description *d) {
  if (!d)
    return;
  msrp_file_selector_clear(&d->selector);
  free(d->transfer_id);
  free(d->disposition);
  free(d->date_creation);
  free(d->date_modification);
  free(d->date_read);
  free(d->icon);
  *d = (msrp_file_description)MSRP_FILE_DESCRIPTION_INIT;
}

static bool is_token(const char *s, size_t len) {
  if (len == 0)
    return false;
  for (size_t i = 0; i < len; i++)
    if (!msrp__is_token_char((unsigned char)s[i]))
      return false;
  return true;
}

/* file-date: "creation:"date" modification:"date" read:"date"" */
static int parse_date(msrp_file_description *d, const char *v) {
  const char *p = v, *end = v + strlen(v);
  while (p < end) {
    while (p < end && *p == ' ')
      p++;
    if (p >= end)
      break;
    char **slot = NULL;
    size_t skip = 0;
    if (starts(p, end, "creation:")) {
      slot = &d->date_creation;
      skip = 9;
    } else if (starts(p, end, "modification:")) {
      slot = &d->date_modification;
      skip = 13;
    } else if (starts(p, end, "read:")) {
      slot = &d->date_read;
      skip = 5;
    } else {
      return MSRP_ERR_SDP_SYNTAX;
    }
    p += skip;
    if (p >= end || *p != '"')
      return MSRP_ERR_SDP_SYNTAX;
    const char *q = memchr(p + 1, '"', (size_t)(end - p - 1));
    if (!q || q == p + 1)
      return MSRP_ERR_SDP_SYNTAX;
    if (*slot)
      return MSRP_ERR_SDP_DUPLICATE;
    if (!(*slot = msrp__strndup(p + 1, (size_t)(q - p - 1))))
      return MSRP_ERR_NOMEM;
    p = q + 1;
    if (p < end && *p != ' ')
      return MSRP_ERR_SDP_SYNTAX;
  }
  return d->date_creation || d->date_modification || d->date_read
             ? 0
             : MSRP_ERR_SDP_SYNTAX;
}

/* file-range: start "-" (stop / "*"), from 1 */
static int parse_range(msrp_file_description *d, const char *v) {
  const char *dash = strchr(v, '-');
  uint64_t start, stop;
  if (!dash ||
      !msrp__parse_uint(v, (size_t)(dash - v), UINT64_MAX - 1, &start) ||
      start == 0)
    return MSRP_ERR_SDP_SYNTAX;
  if (!strcmp(dash + 1, "*"))
    stop = MSRP_BYTE_RANGE_UNKNOWN;
  else if (!msrp__parse_uint(dash + 1, strlen(dash + 1), UINT64_MAX - 1,
                             &stop) ||
           stop < start)
    return MSRP_ERR_SDP_SYNTAX;
  d->range_start = start;
  d->range_stop = stop;
  d->has_range = 1;
  return 0;
}

static int take_string(char **slot, const char *v, bool token) {
  if (*slot)
    return MSRP_ERR_SDP_DUPLICATE;
  size_t len = strlen(v);
  if (token ? !is_token(v, len) : len == 0)
    return MSRP_ERR_SDP_SYNTAX;
  return (*slot = msrp__strndup(v, len)) ? 0 : MSRP_ERR_NOMEM;
}

int msrp_file_description_from_media(msrp_file_description *out,
                                     const msrp_sdp_media *media) {
  if (!out || !media)
    return MSRP_ERR_INVALID_ARGUMENT;
  msrp_file_description d = MSRP_FILE_DESCRIPTION_INIT;
  int rc = 0;
  bool seen_range = false;
  size_t n = msrp_sdp_media_attribute_count(media);
  for (size_t i = 0; i < n && !rc; i++) {
    const char *a = msrp_sdp_media_attribute(media, i);
    const char *colon = strchr(a, ':');
    size_t nlen = colon ? (size_t)(colon - a) : strlen(a);
    const char *v = colon ? colon + 1 : "";
    msrp_sdp_direction dir = MSRP_SDP_DIRECTION_ABSENT;
    if (msrp__ieq(a, nlen, "sendrecv", 8))
      dir = MSRP_SDP_SENDRECV;
    else if (msrp__ieq(a, nlen, "sendonly", 8))
      dir = MSRP_SDP_SENDONLY;
    else if (msrp__ieq(a, nlen, "recvonly", 8))
      dir = MSRP_SDP_RECVONLY;
    else if (msrp__ieq(a, nlen, "inactive", 8))
      dir = MSRP_SDP_INACTIVE;
    if (dir != MSRP_SDP_DIRECTION_ABSENT) {
      if (d.direction != MSRP_SDP_DIRECTION_ABSENT)
        rc = MSRP_ERR_SDP_DUPLICATE;
      d.direction = dir;
    } else if (msrp__ieq(a, nlen, "file-selector", 13)) {
      if (d.has_selector)
        rc = MSRP_ERR_SDP_DUPLICATE;
      else if (!(rc = msrp_file_selector_parse(&d.selector, v, strlen(v))))
        d.has_selector = 1;
    } else if (msrp__ieq(a, nlen, "file-transfer-id", 16)) {
      rc = take_string(&d.transfer_id, v, true);
    } else if (msrp__ieq(a, nlen, "file-disposition", 16)) {
      rc = take_string(&d.disposition, v, true);
    } else if (msrp__ieq(a, nlen, "file-icon", 9)) {
      rc = take_string(&d.icon, v, false);
    } else if (msrp__ieq(a, nlen, "file-date", 9)) {
      rc = d.date_creation || d.date_modification || d.date_read
               ? MSRP_ERR_SDP_DUPLICATE
               : parse_date(&d, v);
    } else if (msrp__ieq(a, nlen, "file-range", 10)) {
      rc = seen_range ? MSRP_ERR_SDP_DUPLICATE : parse_range(&d, v);
      seen_range = true;
    }
  }
  if (rc) {
    msrp_file_description_clear(&d);
    return rc;
  }
  *out = d;
  return 0;
}

static bool is_date_text(const char *s) {
  if (!*s)
    return false;
  for (; *s; s++)
    if (*s == '"' || msrp__is_ctl((unsigned char)*s) || *s == '\t')
      return false;
  return true;
}

int msrp_file_description_to_media(const msrp_file_description *d,
                                   msrp_sdp_media *media) {
  if (!d || !media)
    return MSRP_ERR_INVALID_ARGUMENT;
  if ((d->transfer_id && !is_token(d->transfer_id, strlen(d->transfer_id))) ||
      (d->disposition && !is_token(d->disposition, strlen(d->disposition))) ||
      (d->icon && !is_date_text(d->icon)) ||
      (d->date_creation && !is_date_text(d->date_creation)) ||
      (d->date_modification && !is_date_text(d->date_modification)) ||
      (d->date_read && !is_date_text(d->date_read)) ||
      (d->has_range && (d->range_start == 0 || d->range_stop < d->range_start)))
    return MSRP_ERR_INVALID_ARGUMENT;
  int rc = 0;
  const char *dir = msrp_sdp_direction_name(d->direction);
  if (dir)
    rc = msrp_sdp_media_add_attribute(media, dir);
  if (!rc && d->has_selector) {
    int w = msrp_file_selector_format(&d->selector, NULL, 0);
    char *text = w < 0 ? NULL : malloc((size_t)w + 15);
    if (!text)
      return w < 0 ? w : MSRP_ERR_NOMEM;
    memcpy(text, "file-selector:", 14);
    msrp_file_selector_format(&d->selector, text + 14, (size_t)w + 1);
    rc = msrp_sdp_media_add_attribute(media, text);
    free(text);
  }
  char line[600];
#define ADD(...)                                                               \
  do {                                                                         \
    int w_ = snprintf(line, sizeof line, __VA_ARGS__);                         \
    rc = w_ < 0 || (size_t)w_ >= sizeof line                                   \
             ? MSRP_ERR_INVALID_ARGUMENT                                       \
             : msrp_sdp_media_add_attribute(media, line);                      \
  } while (0)
  if (!rc && d->transfer_id)
    ADD("file-transfer-id:%s", d->transfer_id);
  if (!rc && d->disposition)
    ADD("file-disposition:%s", d->disposition);
  if (!rc && (d->date_creation || d->date_modification || d->date_read)) {
    char c[200] = "", m[200] = "", r[200] = "";
    if (d->date_creation)
      snprintf(c, sizeof c, "creation:\"%s\"", d->date_creation);
    if (d->date_modification)
      snprintf(m, sizeof m, "%smodification:\"%s\"", *c ? " " : "",
               d->date_modification);
    if (d->date_read)
      snprintf(r, sizeof r, "%sread:\"%s\"", *c || *m ? " " : "", d->date_read);
    ADD("file-date:%s%s%s", c, m, r);
  }
  if (!rc && d->icon)
    ADD("file-icon:%s", d->icon);
  if (!rc && d->has_range) {
    if (d->range_stop == MSRP_BYTE_RANGE_UNKNOWN)
      ADD("file-range:%llu-*", (unsigned long long)d->range_start);
    else
      ADD("file-range:%llu-%llu", (unsigned long long)d->range_start,
          (unsigned long long)d->range_stop);
  }
#undef ADD
  return rc;
}

static int dup_opt(char **dst, const char *src) {
  *dst = msrp__strdup_or_null(src);
  return src && !*dst ? MSRP_ERR_NOMEM : 0;
}

int msrp_file_description_copy(msrp_file_description *dst,
                               const msrp_file_description *src) {
  if (!dst || !src)
    return MSRP_ERR_INVALID_ARGUMENT;
  msrp_file_description d = *src;
  d.selector = (msrp_file_selector)MSRP_FILE_SELECTOR_INIT;
  d.transfer_id = d.disposition = d.date_creation = d.date_modification =
      d.date_read = d.icon = NULL;
  int rc = msrp_file_selector_copy(&d.selector, &src->selector);
  if (!rc)
    rc = dup_opt(&d.transfer_id, src->transfer_id);
  if (!rc)
    rc = dup_opt(&d.disposition, src->disposition);
  if (!rc)
    rc = dup_opt(&d.date_creation, src->date_creation);
  if (!rc)
    rc = dup_opt(&d.date_modification, src->date_modification);
  if (!rc)
    rc = dup_opt(&d.date_read, src->date_read);
  if (!rc)
    rc = dup_opt(&d.icon, src->icon);
  if (rc) {
    msrp_file_description_clear(&d);
    return rc;
  }
  *dst = d;
  return 0;
}

int msrp_file_description_answer(msrp_file_description *answer,
                                 const msrp_file_description *offer) {
  if (!answer || !offer || !offer->has_selector ||
      (offer->direction != MSRP_SDP_SENDONLY &&
       offer->direction != MSRP_SDP_RECVONLY))
    return MSRP_ERR_INVALID_ARGUMENT;
  int rc = msrp_file_description_copy(answer, offer);
  if (rc)
    return rc;
  answer->direction = offer->direction == MSRP_SDP_SENDONLY ? MSRP_SDP_RECVONLY
                                                            : MSRP_SDP_SENDONLY;
  return 0;
}
