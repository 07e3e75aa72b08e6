/* SPDX-License-Identifier: MIT
 * Copyright (c) 2026 The libmsrp authors */
/* Message/CPIM (RFC 3862): header lists, the wire form both ways, and the
 * typed views of From/To/cc, DateTime, Subject and NS. */
#include <msrp/cpim.h>

#include "core/util.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A header and the one allocation its three strings live in. */
typedef struct hdr {
  msrp_cpim_header pub;
  char *mem;
} hdr;

typedef struct hdr_list {
  hdr *v;
  size_t n;
  size_t cap;
} hdr_list;

struct msrp_cpim {
  hdr_list msg;  /* message headers */
  hdr_list mime; /* MIME headers of the encapsulated object */
  uint8_t *content;
  size_t content_len;
};

/* ---- characters ---------------------------------------------------------- */

/* NAMECHAR of RFC 3862 section 3.3: printable ASCII but the separators. */
static bool is_namechar(int c) {
  return msrp__is_alnum(c) || c == 0x21 || (c >= 0x23 && c <= 0x27) ||
         c == 0x2a || c == 0x2b || c == 0x2d || (c >= 0x5e && c <= 0x60) ||
         c == 0x7c || c == 0x7e;
}

/* TOKENCHAR = NAMECHAR / "." / UCS-high (a byte of a UTF-8 sequence). */
static bool is_tokenchar(int c) {
  return is_namechar(c) || c == '.' || c >= 0x80;
}

static bool is_wsp(int c) {
  return c == ' ' || c == '\t';
}

static bool utf8_valid(const char *str, size_t len) {
  const unsigned char *s = (const unsigned char *)str;
  size_t i = 0;
  while (i < len) {
    unsigned c = s[i];
    if (c < 0x80) {
      i++;
      continue;
    }
    size_t n;
    uint32_t cp;
    if (c >= 0xc2 && c <= 0xdf) {
      n = 1;
      cp = c & 0x1f;
    } else if (c >= 0xe0 && c <= 0xef) {
      n = 2;
      cp = c & 0x0f;
    } else if (c >= 0xf0 && c <= 0xf4) {
      n = 3;
      cp = c & 0x07;
    } else {
      return false;
    }
    if (len - i <= n)
      return false;
    for (size_t k = 1; k <= n; k++) {
      if ((s[i + k] & 0xc0) != 0x80)
        return false;
      cp = (cp << 6) | (s[i + k] & 0x3f);
    }
    if ((n == 2 && cp < 0x800) || (n == 3 && cp < 0x10000) || cp > 0x10ffff ||
        (cp >= 0xd800 && cp <= 0xdfff))
      return false;
    i += n + 1;
  }
  return true;
}

/* Caller text for a header: UTF-8 with no control character but, when
 * allowed, HTAB. This is what keeps CR and LF out of the output. */
static bool good_text(const char *s, size_t len, bool tab) {
  if (msrp__has_ctl(s, len))
    return false;
  if (!tab && memchr(s, '\t', len))
    return false;
  return utf8_valid(s, len);
}

/* Header-name = [ Name-prefix "." ] Name, Name = 1*NAMECHAR. */
static bool is_header_name(const char *s, size_t len) {
  size_t dots = 0, run = 0;
  for (size_t i = 0; i < len; i++) {
    int c = (unsigned char)s[i];
    if (c == '.') {
      if (run == 0 || ++dots > 1)
        return false;
      run = 0;
    } else if (is_namechar(c)) {
      run++;
    } else {
      return false;
    }
  }
  return run > 0;
}

static bool is_name(const char *s, size_t len) {
  if (len == 0)
    return false;
  for (size_t i = 0; i < len; i++)
    if (!is_namechar((unsigned char)s[i]))
      return false;
  return true;
}

/* A MIME field-name (RFC 5322 ftext): printable ASCII but ':'. */
static bool is_mime_name(const char *s, size_t len) {
  if (len == 0)
    return false;
  for (size_t i = 0; i < len; i++) {
    unsigned char c = (unsigned char)s[i];
    if (c < 0x21 || c > 0x7e || c == ':')
      return false;
  }
  return true;
}

/* *( ";" Param-name [ "=" ( 1*TOKENCHAR / String ) ] ) from the start of
 * [s, s+len): the bytes used, or false when a ';' starts a bad one. */
static bool scan_params(const char *s, size_t len, size_t *used) {
  size_t i = 0;
  while (i < len && s[i] == ';') {
    i++;
    size_t start = i;
    while (i < len && is_namechar((unsigned char)s[i]))
      i++;
    if (i == start)
      return false;
    if (i < len && s[i] == '=') {
      i++;
      if (i < len && s[i] == '"') {
        for (i++;; i++) {
          if (i >= len)
            return false;
          if (s[i] == '\\') {
            if (++i >= len)
              return false;
          } else if (s[i] == '"') {
            i++;
            break;
          }
        }
      } else {
        start = i;
        while (i < len && is_tokenchar((unsigned char)s[i]))
          i++;
        if (i == start)
          return false;
      }
    }
  }
  *used = i;
  return true;
}

/* Language-tag = 1*8ALPHA *( "-" 1*8(ALPHA / DIGIT) ). */
static bool is_lang_tag(const char *s, size_t len) {
  size_t run = 0;
  bool first = true;
  for (size_t i = 0; i < len; i++) {
    int c = (unsigned char)s[i];
    if (c == '-') {
      if (run == 0)
        return false;
      run = 0;
      first = false;
    } else if (msrp__is_alnum(c) && (!first || !msrp__is_digit(c))) {
      if (++run > 8)
        return false;
    } else {
      return false;
    }
  }
  return run > 0;
}

static void trim(const char *s, size_t *b, size_t *e) {
  while (*b < *e && is_wsp((unsigned char)s[*b]))
    (*b)++;
  while (*e > *b && is_wsp((unsigned char)s[*e - 1]))
    (*e)--;
}

/* ---- header lists -------------------------------------------------------- */

/* Fill `h` with name, params and value, as one allocation. */
static int hdr_make(hdr *h, const char *name, size_t nlen, const char *params,
                    size_t plen, const char *value, size_t vlen) {
  if (nlen > SIZE_MAX / 4 || plen > SIZE_MAX / 4 || vlen > SIZE_MAX / 4)
    return MSRP_ERR_NOMEM;
  char *mem = malloc(nlen + plen + vlen + 3);
  if (!mem)
    return MSRP_ERR_NOMEM;
  char *p = mem;
  if (nlen)
    memcpy(p, name, nlen);
  p[nlen] = '\0';
  h->pub.name = p;
  h->pub.name_len = nlen;
  p += nlen + 1;
  if (plen)
    memcpy(p, params, plen);
  p[plen] = '\0';
  h->pub.params = p;
  h->pub.params_len = plen;
  p += plen + 1;
  if (vlen)
    memcpy(p, value, vlen);
  p[vlen] = '\0';
  h->pub.value = p;
  h->pub.value_len = vlen;
  h->mem = mem;
  return 0;
}

/* Replace the value of `h`, the name and params kept. */
static int hdr_set_value(hdr *h, const char *value, size_t vlen) {
  hdr n;
  int rc = hdr_make(&n, h->pub.name, h->pub.name_len, h->pub.params,
                    h->pub.params_len, value, vlen);
  if (rc)
    return rc;
  free(h->mem);
  *h = n;
  return 0;
}

static int list_reserve(hdr_list *l) {
  if (l->n < l->cap)
    return 0;
  hdr *v = msrp__grow_array(l->v, &l->cap, sizeof *v, 8);
  if (!v)
    return MSRP_ERR_NOMEM;
  l->v = v;
  return 0;
}

static int list_insert(hdr_list *l, size_t at, const char *name, size_t nlen,
                       const char *params, size_t plen, const char *value,
                       size_t vlen) {
  int rc = list_reserve(l);
  if (rc)
    return rc;
  hdr h;
  rc = hdr_make(&h, name, nlen, params, plen, value, vlen);
  if (rc)
    return rc;
  memmove(l->v + at + 1, l->v + at, (l->n - at) * sizeof *l->v);
  l->v[at] = h;
  l->n++;
  return 0;
}

static int list_append(hdr_list *l, const char *name, size_t nlen,
                       const char *params, size_t plen, const char *value,
                       size_t vlen) {
  return list_insert(l, l->n, name, nlen, params, plen, value, vlen);
}

static void list_free(hdr_list *l) {
  for (size_t i = 0; i < l->n; i++)
    free(l->v[i].mem);
  free(l->v);
  l->v = NULL;
  l->n = l->cap = 0;
}

static hdr *list_find(const hdr_list *l, const char *name, size_t from,
                      size_t *at) {
  if (!name)
    return NULL;
  size_t nlen = strlen(name);
  for (size_t i = from; i < l->n; i++) {
    if (msrp__ieq(l->v[i].pub.name, l->v[i].pub.name_len, name, nlen)) {
      if (at)
        *at = i;
      return &l->v[i];
    }
  }
  return NULL;
}

/* Set the first header `name` of the message headers to `value`, or add
 * it at the end. */
static int msg_set(msrp_cpim *m, const char *name, const char *value,
                   size_t vlen) {
  hdr *h = list_find(&m->msg, name, 0, NULL);
  if (h)
    return hdr_set_value(h, value, vlen);
  return list_append(&m->msg, name, strlen(name), "", 0, value, vlen);
}

/* ---- life ---------------------------------------------------------------- */

int msrp_cpim_new(msrp_cpim **out) {
  if (!out)
    return MSRP_ERR_INVALID_ARGUMENT;
  msrp_cpim *m = calloc(1, sizeof *m);
  if (!m)
    return MSRP_ERR_NOMEM;
  *out = m;
  return 0;
}

void msrp_cpim_free(msrp_cpim *cpim) {
  if (!cpim)
    return;
  list_free(&cpim->msg);
  list_free(&cpim->mime);
  free(cpim->content);
  free(cpim);
}

/* ---- decoding ------------------------------------------------------------ */

/* One message header line (no CRLF, no control character but HTAB). */
static int parse_msg_line(msrp_cpim *m, const char *s, size_t len) {
  const char *colon = memchr(s, ':', len);
  if (!colon)
    return MSRP_ERR_CPIM_SYNTAX;
  size_t nlen = (size_t)(colon - s);
  if (!is_header_name(s, nlen))
    return MSRP_ERR_CPIM_SYNTAX;
  size_t p = nlen + 1, plen;
  if (!scan_params(s + p, len - p, &plen))
    return MSRP_ERR_CPIM_SYNTAX;
  size_t v = p + plen;
  /* after parameters only the SP (or the end) may come */
  if (plen && v < len && s[v] != ' ')
    return MSRP_ERR_CPIM_SYNTAX;
  if (v < len && s[v] == ' ')
    v++;
  return list_append(&m->msg, s, nlen, s + p, plen, s + v, len - v);
}

/* The header line starting at `pos`: 0 and the index of its CR in *cr; or
 * MSRP_ERR_CPIM_SYNTAX (no CRLF: a bare LF, a lone CR, the end of the
 * input) or MSRP_ERR_CPIM_LIMIT (the line would end past the
 * limit). Nothing past the limit is looked at. */
static int next_line(const char *s, size_t len, size_t pos, size_t *cr) {
  size_t limit =
      len < MSRP_CPIM_MAX_HEADER_BYTES ? len : MSRP_CPIM_MAX_HEADER_BYTES;
  size_t e = pos;
  while (e < limit && s[e] != '\r' && s[e] != '\n')
    e++;
  if (e >= limit)
    return len > MSRP_CPIM_MAX_HEADER_BYTES ? MSRP_ERR_CPIM_LIMIT
                                            : MSRP_ERR_CPIM_SYNTAX;
  if (s[e] == '\n' || e + 1 >= len || s[e + 1] != '\n')
    return MSRP_ERR_CPIM_SYNTAX;
  if (e + 2 > MSRP_CPIM_MAX_HEADER_BYTES)
    return MSRP_ERR_CPIM_LIMIT;
  *cr = e;
  return 0;
}

/* A MIME header whose first line is [line, line+llen) and the lines that
 * continue it from *pos on, which is moved past them. Unfolding drops the
 * CRLFs and keeps the rest. */
static int parse_mime_header(msrp_cpim *m, const char *s, size_t len,
                             size_t *pos, const char *line, size_t llen) {
  const char *colon = memchr(line, ':', llen);
  if (!colon)
    return MSRP_ERR_CPIM_SYNTAX;
  size_t nlen = (size_t)(colon - line);
  if (!is_mime_name(line, nlen))
    return MSRP_ERR_CPIM_SYNTAX;
  size_t v = nlen + 1;
  while (v < llen && is_wsp((unsigned char)line[v]))
    v++;
  msrp__buf value = {0};
  int rc = msrp__buf_append(&value, line + v, llen - v);
  while (!rc && *pos < len && is_wsp((unsigned char)s[*pos])) {
    size_t cr;
    if ((rc = next_line(s, len, *pos, &cr)))
      break;
    if (msrp__has_ctl(s + *pos, cr - *pos)) {
      rc = MSRP_ERR_CPIM_SYNTAX;
      break;
    }
    rc = msrp__buf_append(&value, s + *pos, cr - *pos);
    *pos = cr + 2;
  }
  if (!rc)
    rc = list_append(&m->mime, line, nlen, "", 0, value.data, value.len);
  msrp__buf_free(&value);
  return rc;
}

int msrp_cpim_parse(msrp_cpim **out, const void *data, size_t len) {
  if (!out || (!data && len))
    return MSRP_ERR_INVALID_ARGUMENT;
  const char *s = data;
  msrp_cpim *m;
  int rc = msrp_cpim_new(&m);
  if (rc)
    return rc;
  size_t pos = 0, count = 0;
  bool in_mime = false;
  for (;;) {
    size_t cr;
    if ((rc = next_line(s, len, pos, &cr)))
      goto fail;
    const char *line = s + pos;
    size_t llen = cr - pos;
    pos = cr + 2;
    if (llen == 0) {
      if (in_mime)
        break;
      in_mime = true;
      continue;
    }
    /* a line starting with a space continues a MIME header (consumed
     * with it) and is an error anywhere else */
    if (msrp__has_ctl(line, llen) || is_wsp((unsigned char)line[0])) {
      rc = MSRP_ERR_CPIM_SYNTAX;
      goto fail;
    }
    if (++count > MSRP_CPIM_MAX_HEADERS) {
      rc = MSRP_ERR_CPIM_LIMIT;
      goto fail;
    }
    rc = in_mime ? parse_mime_header(m, s, len, &pos, line, llen)
                 : parse_msg_line(m, line, llen);
    if (rc)
      goto fail;
  }
  if (pos < len) {
    m->content = malloc(len - pos);
    if (!m->content) {
      rc = MSRP_ERR_NOMEM;
      goto fail;
    }
    memcpy(m->content, s + pos, len - pos);
    m->content_len = len - pos;
  }
  *out = m;
  return 0;
fail:
  msrp_cpim_free(m);
  return rc;
}

/* ---- headers ------------------------------------------------------------- */

size_t msrp_cpim_header_count(const msrp_cpim *cpim) {
  return cpim ? cpim->msg.n : 0;
}

const msrp_cpim_header *msrp_cpim_header_at(const msrp_cpim *cpim, size_t i) {
  return cpim && i < cpim->msg.n ? &cpim->msg.v[i].pub : NULL;
}

static const msrp_cpim_header *find_in(const hdr_list *l, const char *name,
                                       size_t *pos) {
  size_t at;
  hdr *h = list_find(l, name, pos ? *pos : 0, &at);
  if (!h)
    return NULL;
  if (pos)
    *pos = at + 1;
  return &h->pub;
}

const msrp_cpim_header *msrp_cpim_header_find(const msrp_cpim *cpim,
                                              const char *name, size_t *pos) {
  return cpim ? find_in(&cpim->msg, name, pos) : NULL;
}

size_t msrp_cpim_mime_header_count(const msrp_cpim *cpim) {
  return cpim ? cpim->mime.n : 0;
}

const msrp_cpim_header *msrp_cpim_mime_header_at(const msrp_cpim *cpim,
                                                 size_t i) {
  return cpim && i < cpim->mime.n ? &cpim->mime.v[i].pub : NULL;
}

const msrp_cpim_header *msrp_cpim_mime_header_find(const msrp_cpim *cpim,
                                                   const char *name,
                                                   size_t *pos) {
  return cpim ? find_in(&cpim->mime, name, pos) : NULL;
}

int msrp_cpim_header_param(const msrp_cpim_header *header, const char *name,
                           const char **value, size_t *len) {
  if (!header || !name || !header->params)
    return MSRP_ERR_NOT_FOUND;
  const char *s = header->params;
  size_t n = header->params_len, i = 0, want = strlen(name);
  while (i < n && s[i] == ';') {
    size_t ns = ++i;
    while (i < n && s[i] != '=' && s[i] != ';')
      i++;
    size_t nlen = i - ns, vs = i;
    if (i < n && s[i] == '=') {
      vs = ++i;
      if (i < n && s[i] == '"') {
        for (i++; i < n && s[i] != '"'; i++)
          if (s[i] == '\\' && i + 1 < n)
            i++;
        if (i < n)
          i++;
      } else {
        while (i < n && s[i] != ';')
          i++;
      }
    }
    if (msrp__ieq(s + ns, nlen, name, want)) {
      if (value)
        *value = s + vs;
      if (len)
        *len = i - vs;
      return 0;
    }
  }
  return MSRP_ERR_NOT_FOUND;
}

/* ---- addresses ----------------------------------------------------------- */

static int append_utf8(msrp__buf *b, uint32_t cp) {
  char u[4];
  size_t n;
  if (cp < 0x80) {
    u[0] = (char)cp;
    n = 1;
  } else if (cp < 0x800) {
    u[0] = (char)(0xc0 | (cp >> 6));
    u[1] = (char)(0x80 | (cp & 0x3f));
    n = 2;
  } else if (cp < 0x10000) {
    u[0] = (char)(0xe0 | (cp >> 12));
    u[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
    u[2] = (char)(0x80 | (cp & 0x3f));
    n = 3;
  } else {
    u[0] = (char)(0xf0 | (cp >> 18));
    u[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
    u[2] = (char)(0x80 | ((cp >> 6) & 0x3f));
    u[3] = (char)(0x80 | (cp & 0x3f));
    n = 4;
  }
  return msrp__buf_append(b, u, n);
}

/* "\u" 4HEXDIG at s[i] (the backslash): the code unit, or -1. */
static long read_u_escape(const char *s, size_t i, size_t e) {
  if (e - i < 6 || s[i] != '\\' || s[i + 1] != 'u')
    return -1;
  long v = 0;
  for (size_t k = i + 2; k < i + 6; k++) {
    if (msrp__hex_value((unsigned char)s[k]) < 0)
      return -1;
    v = v * 16 + (long)msrp__hex_value((unsigned char)s[k]);
  }
  return v;
}

/* The escape at s[*i] (the backslash) into `b`; *i moves past it. */
static int decode_escape(const char *s, size_t *i, size_t e, msrp__buf *b) {
  if (*i + 1 >= e)
    return MSRP_ERR_CPIM_SYNTAX;
  int c = (unsigned char)s[*i + 1];
  char out;
  switch (c) {
  case 'b':
    out = '\b';
    break;
  case 't':
    out = '\t';
    break;
  case 'n':
    out = '\n';
    break;
  case 'r':
    out = '\r';
    break;
  case 'u': {
    long hi = read_u_escape(s, *i, e);
    if (hi <= 0 || (hi >= 0xdc00 && hi <= 0xdfff))
      return MSRP_ERR_CPIM_SYNTAX;
    *i += 6;
    uint32_t cp = (uint32_t)hi;
    if (hi >= 0xd800 && hi <= 0xdbff) {
      long lo = read_u_escape(s, *i, e);
      if (lo < 0xdc00 || lo > 0xdfff)
        return MSRP_ERR_CPIM_SYNTAX;
      *i += 6;
      cp = 0x10000 + (((uint32_t)hi - 0xd800) << 10) + ((uint32_t)lo - 0xdc00);
    }
    return append_utf8(b, cp);
  }
  default:
    /* \" \\ \' and, leniently, any other printable character */
    if (msrp__is_ctl(c))
      return MSRP_ERR_CPIM_SYNTAX;
    out = (char)c;
    break;
  }
  *i += 2;
  return msrp__buf_append(b, &out, 1);
}

int msrp_cpim_address_parse(const char *value, size_t len,
                            msrp_cpim_address *out) {
  if (!out || (!value && len))
    return MSRP_ERR_INVALID_ARGUMENT;
  const char *s = value;
  size_t i = 0, e = len;
  trim(s, &i, &e);
  msrp__buf disp = {0};
  bool has_disp = false;
  int rc = MSRP_ERR_CPIM_SYNTAX;
  if (i < e && s[i] == '"') {
    has_disp = true;
    /* an empty quoted name still yields "" rather than NULL */
    if ((rc = msrp__buf_reserve(&disp, 0)))
      goto fail;
    disp.data[0] = '\0';
    rc = MSRP_ERR_CPIM_SYNTAX;
    for (i++;;) {
      if (i >= e)
        goto fail;
      int c = (unsigned char)s[i];
      if (c == '"') {
        i++;
        break;
      }
      if (c == '\\') {
        if ((rc = decode_escape(s, &i, e, &disp)))
          goto fail;
        rc = MSRP_ERR_CPIM_SYNTAX;
        continue;
      }
      if (msrp__is_ctl(c))
        goto fail;
      char ch = (char)c;
      if ((rc = msrp__buf_append(&disp, &ch, 1)))
        goto fail;
      rc = MSRP_ERR_CPIM_SYNTAX;
      i++;
    }
    while (i < e && is_wsp((unsigned char)s[i]))
      i++;
    if (i >= e || s[i] != '<')
      goto fail;
  } else {
    const char *lt = i < e ? memchr(s + i, '<', e - i) : NULL;
    if (!lt)
      goto fail;
    size_t de = (size_t)(lt - s);
    while (de > i && is_wsp((unsigned char)s[de - 1]))
      de--;
    for (size_t k = i; k < de; k++)
      if (s[k] == '"' || s[k] == '>' || msrp__is_ctl((unsigned char)s[k]))
        goto fail;
    if (de > i) {
      has_disp = true;
      if ((rc = msrp__buf_append(&disp, s + i, de - i)))
        goto fail;
      rc = MSRP_ERR_CPIM_SYNTAX;
    }
    i = (size_t)(lt - s);
  }
  /* s[i] == '<' */
  size_t u = ++i;
  while (i < e && s[i] != '>') {
    int c = (unsigned char)s[i];
    if (c == '<' || c == ' ' || msrp__is_ctl(c) || c == '\t')
      goto fail;
    i++;
  }
  if (i >= e || i == u || i + 1 != e)
    goto fail;
  char *uri = msrp__strndup(s + u, i - u);
  if (!uri) {
    rc = MSRP_ERR_NOMEM;
    goto fail;
  }
  out->display_name = has_disp ? disp.data : NULL;
  if (!has_disp)
    msrp__buf_free(&disp);
  out->uri = uri;
  return 0;
fail:
  msrp__buf_free(&disp);
  return rc;
}

void msrp_cpim_address_clear(msrp_cpim_address *addr) {
  if (!addr)
    return;
  free(addr->display_name);
  free(addr->uri);
  addr->display_name = NULL;
  addr->uri = NULL;
}

int msrp_cpim_next_address(const msrp_cpim *cpim, const char *name, size_t *pos,
                           msrp_cpim_address *out) {
  if (!cpim || !name || !out)
    return MSRP_ERR_INVALID_ARGUMENT;
  const msrp_cpim_header *h = msrp_cpim_header_find(cpim, name, pos);
  if (!h)
    return MSRP_ERR_NOT_FOUND;
  return msrp_cpim_address_parse(h->value, h->value_len, out);
}

/* ---- DateTime ------------------------------------------------------------ */

/* Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's
 * days_from_civil). */
static int64_t days_from_civil(int64_t y, int m, int d) {
  y -= m <= 2;
  int64_t era = (y >= 0 ? y : y - 399) / 400;
  int64_t yoe = y - era * 400;
  int64_t doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
  int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + doe - 719468;
}

static void civil_from_days(int64_t z, int64_t *y, int *m, int *d) {
  z += 719468;
  int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  int64_t doe = z - era * 146097;
  int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  int64_t mp = (5 * doy + 2) / 153;
  *d = (int)(doy - (153 * mp + 2) / 5 + 1);
  *m = (int)(mp < 10 ? mp + 3 : mp - 9);
  *y = yoe + era * 400 + (*m <= 2);
}

static int days_in_month(int y, int m) {
  static const int dim[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  if (m == 2 && ((y % 4 == 0 && y % 100 != 0) || y % 400 == 0))
    return 29;
  return dim[m - 1];
}

/* n decimal digits at s, each checked. */
static bool digits(const char *s, size_t n, int *out) {
  int v = 0;
  for (size_t i = 0; i < n; i++) {
    if (!msrp__is_digit((unsigned char)s[i]))
      return false;
    v = v * 10 + (s[i] - '0');
  }
  *out = v;
  return true;
}

int msrp_cpim_time_parse(const char *text, size_t len, msrp_cpim_time *out) {
  if (!out || (!text && len))
    return MSRP_ERR_INVALID_ARGUMENT;
  if (!text)
    return MSRP_ERR_CPIM_SYNTAX;
  size_t b = 0, e = len;
  trim(text, &b, &e);
  const char *s = text + b;
  size_t n = e - b;
  int y, mo, d, h, mi, sec;
  /* "YYYY-MM-DDTHH:MM:SS" then the offset, at least one byte */
  if (n < 20 || !digits(s, 4, &y) || s[4] != '-' || !digits(s + 5, 2, &mo) ||
      s[7] != '-' || !digits(s + 8, 2, &d) || (s[10] != 'T' && s[10] != 't') ||
      !digits(s + 11, 2, &h) || s[13] != ':' || !digits(s + 14, 2, &mi) ||
      s[16] != ':' || !digits(s + 17, 2, &sec))
    return MSRP_ERR_CPIM_SYNTAX;
  if (mo < 1 || mo > 12 || d < 1 || d > days_in_month(y, mo) || h > 23 ||
      mi > 59 || sec > 60)
    return MSRP_ERR_CPIM_SYNTAX;
  size_t i = 19;
  uint32_t ns = 0;
  if (s[i] == '.') {
    size_t start = ++i;
    while (i < n && msrp__is_digit((unsigned char)s[i])) {
      if (i - start < 9)
        ns = ns * 10 + (uint32_t)(s[i] - '0');
      i++;
    }
    if (i == start)
      return MSRP_ERR_CPIM_SYNTAX;
    for (size_t k = i - start; k < 9; k++)
      ns *= 10;
  }
  int off;
  if (i < n && (s[i] == 'Z' || s[i] == 'z')) {
    off = 0;
    i++;
  } else if (i < n && (s[i] == '+' || s[i] == '-')) {
    int oh, om;
    if (n - i < 6 || !digits(s + i + 1, 2, &oh) || s[i + 3] != ':' ||
        !digits(s + i + 4, 2, &om) || oh > 23 || om > 59)
      return MSRP_ERR_CPIM_SYNTAX;
    off = (oh * 60 + om) * (s[i] == '-' ? -1 : 1);
    i += 6;
  } else {
    return MSRP_ERR_CPIM_SYNTAX;
  }
  if (i != n)
    return MSRP_ERR_CPIM_SYNTAX;
  out->seconds = days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + sec -
                 (int64_t)off * 60;
  out->nanoseconds = ns;
  out->offset_minutes = off;
  out->text = s;
  out->text_len = n;
  return 0;
}

int msrp_cpim_time_format(int64_t seconds, char *buf, size_t size) {
  if (!buf || size < MSRP_CPIM_TIME_LEN + 1)
    return MSRP_ERR_INVALID_ARGUMENT;
  int64_t min = days_from_civil(0, 1, 1) * 86400;
  int64_t max = days_from_civil(10000, 1, 1) * 86400 - 1;
  if (seconds < min || seconds > max)
    return MSRP_ERR_INVALID_ARGUMENT;
  int64_t days = seconds / 86400, rem = seconds % 86400;
  if (rem < 0) {
    rem += 86400;
    days--;
  }
  int64_t y;
  int m, d;
  civil_from_days(days, &y, &m, &d);
  int h = (int)(rem / 3600), mi = (int)(rem / 60 % 60), s = (int)(rem % 60);
  snprintf(buf, size, "%04d-%02d-%02dT%02d:%02d:%02dZ", (int)y, m, d, h, mi, s);
  return MSRP_CPIM_TIME_LEN;
}

int msrp_cpim_datetime(const msrp_cpim *cpim, msrp_cpim_time *out) {
  if (!cpim || !out)
    return MSRP_ERR_INVALID_ARGUMENT;
  const msrp_cpim_header *h = msrp_cpim_header_find(cpim, "DateTime", NULL);
  if (!h)
    return MSRP_ERR_NOT_FOUND;
  return msrp_cpim_time_parse(h->value, h->value_len, out);
}

/* ---- Subject, NS, content ------------------------------------------------ */

int msrp_cpim_subject(const msrp_cpim *cpim, const char *lang,
                      const char **text, size_t *len) {
  if (!cpim || !text)
    return MSRP_ERR_INVALID_ARGUMENT;
  size_t pos = 0;
  const msrp_cpim_header *h;
  while ((h = msrp_cpim_header_find(cpim, "Subject", &pos))) {
    const char *v;
    size_t vlen;
    int found = msrp_cpim_header_param(h, "lang", &v, &vlen) == 0;
    if (lang ? found && msrp__ieq(v, vlen, lang, strlen(lang)) : !found) {
      *text = h->value;
      if (len)
        *len = h->value_len;
      return 0;
    }
  }
  return MSRP_ERR_NOT_FOUND;
}

/* NS-value = [ Name-prefix SP ] "<" URI ">" (spaces tolerated). */
static bool parse_ns(const char *s, size_t len, size_t *pb, size_t *pe,
                     size_t *ub, size_t *ue) {
  size_t i = 0, e = len;
  trim(s, &i, &e);
  *pb = i;
  while (i < e && is_namechar((unsigned char)s[i]))
    i++;
  *pe = i;
  if (*pe > *pb) {
    if (i >= e || !is_wsp((unsigned char)s[i]))
      return false;
    while (i < e && is_wsp((unsigned char)s[i]))
      i++;
  }
  if (i >= e || s[i] != '<' || s[e - 1] != '>' || e - i < 3)
    return false;
  *ub = i + 1;
  *ue = e - 1;
  for (size_t k = *ub; k < *ue; k++)
    if (s[k] == '<' || s[k] == '>' || is_wsp((unsigned char)s[k]))
      return false;
  return true;
}

int msrp_cpim_namespace(const msrp_cpim *cpim, const char *prefix,
                        const char **uri, size_t *len) {
  if (!cpim || !uri || !len)
    return MSRP_ERR_INVALID_ARGUMENT;
  size_t want = prefix ? strlen(prefix) : 0, pos = 0;
  const msrp_cpim_header *h;
  while ((h = msrp_cpim_header_find(cpim, "NS", &pos))) {
    size_t pb, pe, ub, ue;
    if (!parse_ns(h->value, h->value_len, &pb, &pe, &ub, &ue))
      continue;
    if (msrp__ieq(h->value + pb, pe - pb, prefix ? prefix : "", want)) {
      *uri = h->value + ub;
      *len = ue - ub;
      return 0;
    }
  }
  if (want)
    return MSRP_ERR_NOT_FOUND;
  *uri = MSRP_CPIM_DEFAULT_NS;
  *len = sizeof MSRP_CPIM_DEFAULT_NS - 1;
  return 0;
}

const char *msrp_cpim_content_type(const msrp_cpim *cpim) {
  const msrp_cpim_header *h =
      msrp_cpim_mime_header_find(cpim, "Content-Type", NULL);
  return h ? h->value : NULL;
}

const uint8_t *msrp_cpim_content(const msrp_cpim *cpim, size_t *len) {
  if (len)
    *len = cpim ? cpim->content_len : 0;
  return cpim ? cpim->content : NULL;
}

/* ---- building ------------------------------------------------------------ */

static bool good_uri(const char *uri) {
  size_t n = strlen(uri);
  if (n == 0 || !utf8_valid(uri, n))
    return false;
  for (size_t i = 0; i < n; i++) {
    unsigned char c = (unsigned char)uri[i];
    if (c <= 0x20 || c == 0x7f || c == '<' || c == '>')
      return false;
  }
  return true;
}

/* 1*( Token SP ) without the last SP: tokens split by single spaces. */
static bool is_token_form(const char *s, size_t n) {
  size_t run = 0;
  for (size_t i = 0; i < n; i++) {
    if (s[i] == ' ') {
      if (run == 0)
        return false;
      run = 0;
    } else if (is_tokenchar((unsigned char)s[i])) {
      run++;
    } else {
      return false;
    }
  }
  return run > 0;
}

/* [Formal-name] "<" URI ">" into `b`. */
static int format_address(msrp__buf *b, const char *display, const char *uri) {
  if (!uri || !good_uri(uri))
    return MSRP_ERR_INVALID_ARGUMENT;
  size_t dn = display ? strlen(display) : 0;
  if (dn && !good_text(display, dn, true))
    return MSRP_ERR_INVALID_ARGUMENT;
  int rc = 0;
  if (dn && is_token_form(display, dn)) {
    if ((rc = msrp__buf_append(b, display, dn)) ||
        (rc = msrp__buf_append(b, " ", 1)))
      return rc;
  } else if (dn) {
    if ((rc = msrp__buf_append(b, "\"", 1)))
      return rc;
    for (size_t i = 0; i < dn && !rc; i++) {
      char c = display[i];
      if (c == '"' || c == '\\') {
        char esc[2] = {'\\', c};
        rc = msrp__buf_append(b, esc, 2);
      } else if (c == '\t') {
        rc = msrp__buf_append(b, "\\t", 2);
      } else {
        rc = msrp__buf_append(b, &c, 1);
      }
    }
    /* String then "<" with no space, as the ABNF has it */
    if (rc || (rc = msrp__buf_append(b, "\"", 1)))
      return rc;
  }
  if ((rc = msrp__buf_append(b, "<", 1)) ||
      (rc = msrp__buf_append_str(b, uri)) || (rc = msrp__buf_append(b, ">", 1)))
    return rc;
  return 0;
}

static int put_address(msrp_cpim *m, const char *name, bool replace,
                       const char *display, const char *uri) {
  if (!m)
    return MSRP_ERR_INVALID_ARGUMENT;
  msrp__buf b = {0};
  int rc = format_address(&b, display, uri);
  if (!rc)
    rc = replace
             ? msg_set(m, name, b.data, b.len)
             : list_append(&m->msg, name, strlen(name), "", 0, b.data, b.len);
  msrp__buf_free(&b);
  return rc;
}

int msrp_cpim_set_from(msrp_cpim *cpim, const char *display_name,
                       const char *uri) {
  return put_address(cpim, "From", true, display_name, uri);
}

int msrp_cpim_add_to(msrp_cpim *cpim, const char *display_name,
                     const char *uri) {
  return put_address(cpim, "To", false, display_name, uri);
}

int msrp_cpim_add_cc(msrp_cpim *cpim, const char *display_name,
                     const char *uri) {
  return put_address(cpim, "cc", false, display_name, uri);
}

int msrp_cpim_set_datetime(msrp_cpim *cpim, int64_t seconds) {
  if (!cpim)
    return MSRP_ERR_INVALID_ARGUMENT;
  char buf[MSRP_CPIM_TIME_LEN + 1];
  int n = msrp_cpim_time_format(seconds, buf, sizeof buf);
  if (n < 0)
    return n;
  return msg_set(cpim, "DateTime", buf, (size_t)n);
}

int msrp_cpim_add_subject(msrp_cpim *cpim, const char *lang, const char *text) {
  if (!cpim || !text)
    return MSRP_ERR_INVALID_ARGUMENT;
  size_t tn = strlen(text);
  if (!good_text(text, tn, true))
    return MSRP_ERR_INVALID_ARGUMENT;
  if (!lang)
    return list_append(&cpim->msg, "Subject", 7, "", 0, text, tn);
  size_t ln = strlen(lang);
  if (!is_lang_tag(lang, ln))
    return MSRP_ERR_INVALID_ARGUMENT;
  msrp__buf p = {0};
  int rc = msrp__buf_append_str(&p, ";lang=");
  if (!rc)
    rc = msrp__buf_append(&p, lang, ln);
  if (!rc)
    rc = list_append(&cpim->msg, "Subject", 7, p.data, p.len, text, tn);
  msrp__buf_free(&p);
  return rc;
}

int msrp_cpim_add_ns(msrp_cpim *cpim, const char *prefix, const char *uri) {
  if (!cpim || !uri || !good_uri(uri))
    return MSRP_ERR_INVALID_ARGUMENT;
  size_t pn = prefix ? strlen(prefix) : 0;
  if (pn && !is_name(prefix, pn))
    return MSRP_ERR_INVALID_ARGUMENT;
  msrp__buf v = {0};
  int rc = 0;
  if (pn)
    rc = msrp__buf_append(&v, prefix, pn);
  if (!rc && pn)
    rc = msrp__buf_append(&v, " ", 1);
  if (!rc)
    rc = msrp__buf_append(&v, "<", 1);
  if (!rc)
    rc = msrp__buf_append_str(&v, uri);
  if (!rc)
    rc = msrp__buf_append(&v, ">", 1);
  if (!rc)
    rc = list_append(&cpim->msg, "NS", 2, "", 0, v.data, v.len);
  msrp__buf_free(&v);
  return rc;
}

int msrp_cpim_add_header(msrp_cpim *cpim, const char *name, const char *params,
                         const char *value) {
  if (!cpim || !name || !value)
    return MSRP_ERR_INVALID_ARGUMENT;
  size_t nn = strlen(name), pn = params ? strlen(params) : 0,
         vn = strlen(value), used;
  if (!is_header_name(name, nn) || !good_text(value, vn, true))
    return MSRP_ERR_INVALID_ARGUMENT;
  if (pn && (!good_text(params, pn, false) || !scan_params(params, pn, &used) ||
             used != pn))
    return MSRP_ERR_INVALID_ARGUMENT;
  return list_append(&cpim->msg, name, nn, pn ? params : "", pn, value, vn);
}

int msrp_cpim_add_mime_header(msrp_cpim *cpim, const char *name,
                              const char *value) {
  if (!cpim || !name || !value)
    return MSRP_ERR_INVALID_ARGUMENT;
  size_t nn = strlen(name), vn = strlen(value);
  if (!is_mime_name(name, nn) || !good_text(value, vn, true))
    return MSRP_ERR_INVALID_ARGUMENT;
  return list_append(&cpim->mime, name, nn, "", 0, value, vn);
}

int msrp_cpim_set_content(msrp_cpim *cpim, const char *content_type,
                          const void *data, size_t len) {
  if (!cpim || (!data && len))
    return MSRP_ERR_INVALID_ARGUMENT;
  size_t cn = content_type ? strlen(content_type) : 0;
  if (content_type && (cn == 0 || !good_text(content_type, cn, true)))
    return MSRP_ERR_INVALID_ARGUMENT;
  uint8_t *copy = NULL;
  if (len) {
    copy = malloc(len);
    if (!copy)
      return MSRP_ERR_NOMEM;
    memcpy(copy, data, len);
  }
  int rc = 0;
  if (content_type) {
    hdr *h = list_find(&cpim->mime, "Content-Type", 0, NULL);
    rc = h ? hdr_set_value(h, content_type, cn)
           : list_insert(&cpim->mime, 0, "Content-Type", 12, "", 0,
                         content_type, cn);
  }
  if (rc) {
    free(copy);
    return rc;
  }
  free(cpim->content);
  cpim->content = copy;
  cpim->content_len = len;
  return 0;
}

/* ---- encoding ------------------------------------------------------------ */

static int put_line(msrp__buf *b, const msrp_cpim_header *h) {
  int rc;
  if ((rc = msrp__buf_append(b, h->name, h->name_len)) ||
      (rc = msrp__buf_append(b, ":", 1)) ||
      (rc = msrp__buf_append(b, h->params, h->params_len)) ||
      (rc = msrp__buf_append(b, " ", 1)) ||
      (rc = msrp__buf_append(b, h->value, h->value_len)) ||
      (rc = msrp__buf_append(b, "\r\n", 2)))
    return rc;
  return 0;
}

int msrp_cpim_to_bytes(const msrp_cpim *cpim, char **out, size_t *len) {
  if (!cpim || !out || !msrp_cpim_content_type(cpim))
    return MSRP_ERR_INVALID_ARGUMENT;
  msrp__buf b = {0};
  int rc = 0;
  for (size_t i = 0; i < cpim->msg.n && !rc; i++)
    rc = put_line(&b, &cpim->msg.v[i].pub);
  if (!rc)
    rc = msrp__buf_append(&b, "\r\n", 2);
  for (size_t i = 0; i < cpim->mime.n && !rc; i++)
    rc = put_line(&b, &cpim->mime.v[i].pub);
  if (!rc)
    rc = msrp__buf_append(&b, "\r\n", 2);
  if (!rc)
    rc = msrp__buf_append(&b, cpim->content, cpim->content_len);
  if (rc) {
    msrp__buf_free(&b);
    return rc;
  }
  *out = b.data;
  if (len)
    *len = b.len;
  return 0;
}
