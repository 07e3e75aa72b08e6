/* SPDX-License-Identifier: MIT
 * Copyright (c) 2026 The libmsrp authors */
/* MSRP URIs and paths: RFC 4975 sections 6 and 9; the authority follows
 * RFC 3986 section 3.2. */

#include <msrp/uri.h>

#include "core/util.h"

#include <arpa/inet.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

/* A piece of text; `p` is NULL when the part is absent, which is not the
 * same as present and empty. */
typedef struct span {
  const char *p;
  size_t n;
} span;

/* Everything a URI holds, pointing at text owned by someone else, so that
 * the parser, msrp_uri_init() and the setters can share build(). */
typedef struct parts {
  int use_tls;
  span scheme;
  span user;
  span host;
  msrp_host_type host_type;
  int port;
  span session_id;
  span transport;
  span params;
} parts;

static span span_of(const char *s) {
  span r = {s, s ? strlen(s) : 0};
  return r;
}

static int fold(int c) {
  return (c >= 'A' && c <= 'Z') ? c + ('a' - 'A') : c;
}

static bool is_hex(int c) {
  return msrp__hex_value(c) >= 0;
}

static bool is_sub_delim(int c) {
  return c != 0 && strchr("!$&'()*+,;=", c) != NULL;
}

static bool is_userinfo_char(int c) {
  return msrp__is_unreserved(c) || is_sub_delim(c) || c == ':';
}

/* RFC 3986 reg-name less ";": in an MSRP URI a ";" after the host always
 * starts the transport, so a host holding one could not be read back. */
static bool is_reg_name_char(int c) {
  return msrp__is_unreserved(c) || (is_sub_delim(c) && c != ';');
}

static bool is_session_id_char(int c) {
  return msrp__is_unreserved(c) || c == '+' || c == '=' || c == '/';
}

/* Text made of `ok` characters and well-formed "%" HEXDIG HEXDIG escapes. */
static bool valid_escaped(const char *s, size_t n, bool (*ok)(int)) {
  for (size_t i = 0; i < n; i++) {
    int c = (unsigned char)s[i];
    if (c == '%') {
      if (n - i < 3 || !is_hex((unsigned char)s[i + 1]) ||
          !is_hex((unsigned char)s[i + 2]))
        return false;
      i += 2;
    } else if (!ok(c)) {
      return false;
    }
  }
  return true;
}

static bool valid_session_id(const char *s, size_t n) {
  if (n == 0)
    return false;
  for (size_t i = 0; i < n; i++)
    if (!is_session_id_char((unsigned char)s[i]))
      return false;
  return true;
}

/* "tcp" is itself 1*ALPHANUM, so one rule covers both alternatives. */
static bool valid_transport(const char *s, size_t n) {
  if (n == 0)
    return false;
  for (size_t i = 0; i < n; i++)
    if (!msrp__is_alnum((unsigned char)s[i]))
      return false;
  return true;
}

static size_t token_length(const char *s, size_t n) {
  size_t i = 0;
  while (i < n && msrp__is_token_char((unsigned char)s[i]))
    i++;
  return i;
}

/* 1*( token ["=" token] ) separated by ";". */
static bool valid_params(const char *s, size_t n) {
  size_t i = 0;
  for (;;) {
    size_t name = token_length(s + i, n - i);
    if (name == 0)
      return false;
    i += name;
    if (i < n && s[i] == '=') {
      i++;
      size_t value = token_length(s + i, n - i);
      if (value == 0)
        return false;
      i += value;
    }
    if (i == n)
      return true;
    if (s[i] != ';')
      return false;
    i++;
  }
}

/* RFC 3986 dec-octet forbids leading zeros, which keeps IPv4address
 * unambiguous: "010.0.0.1" is a reg-name, not an address. */
static bool parse_ipv4(const char *s, size_t n, unsigned char addr[4]) {
  size_t i = 0;
  for (int k = 0; k < 4; k++) {
    if (k > 0) {
      if (i >= n || s[i] != '.')
        return false;
      i++;
    }
    size_t start = i;
    while (i < n && i - start < 3 && msrp__is_digit((unsigned char)s[i]))
      i++;
    size_t len = i - start;
    uint64_t v;
    if (len == 0 || (len > 1 && s[start] == '0') ||
        !msrp__parse_uint(s + start, len, 255, &v))
      return false;
    addr[k] = (unsigned char)v;
  }
  return i == n;
}

static bool parse_ipv6(const char *s, size_t n, unsigned char addr[16]) {
  char tmp[64]; /* more than the longest IPv6 text form (45 characters) */
  if (n == 0 || n >= sizeof tmp || memchr(s, '\0', n))
    return false;
  memcpy(tmp, s, n);
  tmp[n] = '\0';
  return inet_pton(AF_INET6, tmp, addr) == 1;
}

/* A host written without brackets in a URI: IPv4address or reg-name. */
static int check_plain_host(const char *s, size_t n, msrp_host_type *type) {
  unsigned char addr[4];
  if (n == 0)
    return MSRP_ERR_URI_HOST;
  if (parse_ipv4(s, n, addr)) {
    *type = MSRP_HOST_IPV4;
    return 0;
  }
  if (!valid_escaped(s, n, is_reg_name_char))
    return MSRP_ERR_URI_HOST;
  *type = MSRP_HOST_NAME;
  return 0;
}

/* A host handed to msrp_uri_init() or msrp_uri_set_host(). A ":" is legal
 * in no host but an IPv6 address, so unbracketed text holding one is judged
 * as IPv6. */
static int check_host_arg(const char *host, span *out, msrp_host_type *type) {
  unsigned char addr[16];
  size_t n = strlen(host);
  if (n > 0 && host[0] == '[') {
    if (n < 2 || host[n - 1] != ']' || !parse_ipv6(host + 1, n - 2, addr))
      return MSRP_ERR_URI_IPV6;
    out->p = host + 1;
    out->n = n - 2;
    *type = MSRP_HOST_IPV6;
    return 0;
  }
  if (memchr(host, ':', n)) {
    if (!parse_ipv6(host, n, addr))
      return MSRP_ERR_URI_IPV6;
    *type = MSRP_HOST_IPV6;
  } else {
    int rc = check_plain_host(host, n, type);
    if (rc)
      return rc;
  }
  out->p = host;
  out->n = n;
  return 0;
}

/* RFC 3986 scheme = ALPHA *( ALPHA / DIGIT / "+" / "-" / "." ) */
static bool valid_scheme_syntax(const char *s, size_t n) {
  if (n == 0 || !msrp__is_alnum((unsigned char)s[0]) ||
      msrp__is_digit((unsigned char)s[0]))
    return false;
  for (size_t i = 1; i < n; i++) {
    int c = (unsigned char)s[i];
    if (!msrp__is_alnum(c) && c != '+' && c != '-' && c != '.')
      return false;
  }
  return true;
}

static int parse_scheme(const char *s, size_t n, parts *pt) {
  if (!valid_scheme_syntax(s, n))
    return MSRP_ERR_URI_SYNTAX;
  if (msrp__ieq_lit(s, n, "msrp"))
    pt->use_tls = 0;
  else if (msrp__ieq_lit(s, n, "msrps"))
    pt->use_tls = 1;
  else
    return MSRP_ERR_URI_SCHEME;
  pt->scheme.p = s;
  pt->scheme.n = n;
  return 0;
}

/* Parses host [":" port] from [p, end) and returns where it stopped. */
static int parse_host_port(const char *p, const char *end, parts *pt,
                           const char **stop) {
  if (p < end && *p == '[') {
    unsigned char addr[16];
    const char *q = p + 1;
    while (q < end && *q != ']' && *q != '/' && *q != ';')
      q++;
    if (q == end || *q != ']' || !parse_ipv6(p + 1, (size_t)(q - p - 1), addr))
      return MSRP_ERR_URI_IPV6;
    pt->host.p = p + 1;
    pt->host.n = (size_t)(q - p - 1);
    pt->host_type = MSRP_HOST_IPV6;
    p = q + 1;
    if (p < end && *p != ':' && *p != '/' && *p != ';')
      return MSRP_ERR_URI_SYNTAX;
  } else {
    const char *q = p;
    while (q < end && *q != ':' && *q != '/' && *q != ';')
      q++;
    int rc = check_plain_host(p, (size_t)(q - p), &pt->host_type);
    if (rc)
      return rc;
    pt->host.p = p;
    pt->host.n = (size_t)(q - p);
    p = q;
  }
  if (p < end && *p == ':') {
    const char *q = ++p;
    uint64_t v;
    while (q < end && *q != '/' && *q != ';')
      q++;
    if (!msrp__parse_uint(p, (size_t)(q - p), 65535, &v) || v == 0)
      return MSRP_ERR_URI_PORT;
    pt->port = (int)v;
    p = q;
  }
  *stop = p;
  return 0;
}

static int parse_parts(const char *s, size_t n, parts *pt) {
  const char *end = s + n;
  memset(pt, 0, sizeof *pt);
  if (n == 0)
    return MSRP_ERR_URI_SYNTAX;
  /* No rule admits spaces, controls or non-ASCII bytes, and reporting them
   * as syntax keeps "a URI followed by junk" from reading as a bad part. */
  for (size_t i = 0; i < n; i++)
    if ((unsigned char)s[i] <= 0x20 || (unsigned char)s[i] >= 0x7f)
      return MSRP_ERR_URI_SYNTAX;

  const char *colon = memchr(s, ':', n);
  if (!colon)
    return MSRP_ERR_URI_SYNTAX;
  int rc = parse_scheme(s, (size_t)(colon - s), pt);
  if (rc)
    return rc;
  if (end - colon < 3 || colon[1] != '/' || colon[2] != '/')
    return MSRP_ERR_URI_SYNTAX;
  const char *p = colon + 3;

  /* userinfo may hold ";" and ":", so the only sure end of it is an "@"
   * before the first "/". No part but userinfo admits "@", so with several
   * the last one ends it, and the error then names the userinfo. */
  const char *slash = memchr(p, '/', (size_t)(end - p));
  const char *at = NULL;
  for (const char *q = p; q < (slash ? slash : end); q++)
    if (*q == '@')
      at = q;
  if (at) {
    if (!valid_escaped(p, (size_t)(at - p), is_userinfo_char))
      return MSRP_ERR_URI_USERINFO;
    pt->user.p = p;
    pt->user.n = (size_t)(at - p);
    p = at + 1;
  }

  /* A ";" in a reg-name would be indistinguishable from the one before the
   * transport, so the host ends at the first ";". */
  rc = parse_host_port(p, end, pt, &p);
  if (rc)
    return rc;

  if (p < end && *p == '/') {
    const char *q = ++p;
    while (q < end && *q != ';')
      q++;
    if (!valid_session_id(p, (size_t)(q - p)))
      return MSRP_ERR_URI_SESSION_ID;
    pt->session_id.p = p;
    pt->session_id.n = (size_t)(q - p);
    p = q;
  }

  /* Here p is at the end or at a ";". */
  if (p == end)
    return MSRP_ERR_URI_TRANSPORT;
  const char *q = ++p;
  while (q < end && *q != ';')
    q++;
  if (!valid_transport(p, (size_t)(q - p)))
    return MSRP_ERR_URI_TRANSPORT;
  pt->transport.p = p;
  pt->transport.n = (size_t)(q - p);
  p = q;

  if (p < end) {
    p++;
    if (!valid_params(p, (size_t)(end - p)))
      return MSRP_ERR_URI_PARAM;
    pt->params.p = p;
    pt->params.n = (size_t)(end - p);
  }
  return 0;
}

/* Copies every present part into one block so that msrp_uri_clear() frees
 * a single pointer. The sources may point into out's old block: nothing of
 * *out is touched until the copy is complete. */
static int build(msrp_uri *out, const parts *pt) {
  const span *from[6] = {&pt->scheme,     &pt->user,      &pt->host,
                         &pt->session_id, &pt->transport, &pt->params};
  msrp_uri tmp = MSRP_URI_INIT;
  const char **to[6] = {&tmp.scheme,     &tmp.user,      &tmp.host,
                        &tmp.session_id, &tmp.transport, &tmp.params};
  size_t total = 0;
  for (size_t i = 0; i < 6; i++) {
    if (!from[i]->p)
      continue;
    if (from[i]->n > SIZE_MAX - 1 - total)
      return MSRP_ERR_NOMEM;
    total += from[i]->n + 1;
  }
  char *mem = NULL;
  if (total > 0) {
    mem = malloc(total);
    if (!mem)
      return MSRP_ERR_NOMEM;
  }
  char *w = mem;
  for (size_t i = 0; i < 6; i++) {
    if (!from[i]->p)
      continue;
    memcpy(w, from[i]->p, from[i]->n);
    w[from[i]->n] = '\0';
    *to[i] = w;
    w += from[i]->n + 1;
  }
  tmp.use_tls = pt->use_tls;
  tmp.host_type = pt->host_type;
  tmp.port = pt->port;
  tmp.mem_ = mem;
  *out = tmp;
  return 0;
}

static void parts_of(const msrp_uri *u, parts *pt) {
  pt->use_tls = u->use_tls;
  pt->scheme = span_of(u->scheme);
  pt->user = span_of(u->user);
  pt->host = span_of(u->host);
  pt->host_type = u->host_type;
  pt->port = u->port;
  pt->session_id = span_of(u->session_id);
  pt->transport = span_of(u->transport);
  pt->params = span_of(u->params);
}

/* The parts without which a URI cannot be written or compared. */
static bool usable(const msrp_uri *u) {
  return u->scheme && u->host && u->transport && u->port >= 0 &&
         u->port <= 65535;
}

int msrp_uri_parse(msrp_uri *out, const char *text, size_t len) {
  parts pt;
  if (!out || (!text && len > 0))
    return MSRP_ERR_INVALID_ARGUMENT;
  if (!text)
    return MSRP_ERR_URI_SYNTAX;
  int rc = parse_parts(text, len, &pt);
  if (rc)
    return rc;
  return build(out, &pt);
}

int msrp_uri_init(msrp_uri *out, int use_tls, const char *host, int port,
                  const char *session_id, const char *transport) {
  parts pt;
  if (!out || !host)
    return MSRP_ERR_INVALID_ARGUMENT;
  memset(&pt, 0, sizeof pt);
  pt.use_tls = use_tls != 0;
  pt.scheme = span_of(pt.use_tls ? "msrps" : "msrp");
  int rc = check_host_arg(host, &pt.host, &pt.host_type);
  if (rc)
    return rc;
  if (port < 0 || port > 65535)
    return MSRP_ERR_URI_PORT;
  pt.port = port;
  if (session_id) {
    pt.session_id = span_of(session_id);
    if (!valid_session_id(pt.session_id.p, pt.session_id.n))
      return MSRP_ERR_URI_SESSION_ID;
  }
  pt.transport = span_of(transport ? transport : "tcp");
  if (!valid_transport(pt.transport.p, pt.transport.n))
    return MSRP_ERR_URI_TRANSPORT;
  return build(out, &pt);
}

int msrp_uri_init_random(msrp_uri *out, int use_tls, const char *host,
                         int port) {
  /* 20 characters of [a-zA-Z0-9] carry about 119 bits, above the 80 that
   * RFC 4975 section 14.1 asks for. */
  char session_id[21];
  if (!out || !host)
    return MSRP_ERR_INVALID_ARGUMENT;
  int rc = msrp__secret_token(session_id, 20);
  if (rc)
    return rc;
  return msrp_uri_init(out, use_tls, host, port, session_id, NULL);
}

void msrp_uri_clear(msrp_uri *uri) {
  if (!uri)
    return;
  free(uri->mem_);
  *uri = (msrp_uri)MSRP_URI_INIT;
}

int msrp_uri_copy(msrp_uri *dst, const msrp_uri *src) {
  parts pt;
  /* Copying onto itself would lose the block the source owns. */
  if (!dst || !src || dst == src)
    return MSRP_ERR_INVALID_ARGUMENT;
  parts_of(src, &pt);
  return build(dst, &pt);
}

/* Builds the changed URI aside and swaps it in, so a failure leaves the
 * old one whole. */
static int rebuild(msrp_uri *uri, const parts *pt) {
  msrp_uri tmp;
  int rc = build(&tmp, pt);
  if (rc)
    return rc;
  msrp_uri_clear(uri);
  *uri = tmp;
  return 0;
}

int msrp_uri_set_host(msrp_uri *uri, const char *host) {
  parts pt;
  span h;
  msrp_host_type type;
  if (!uri || !host || !usable(uri))
    return MSRP_ERR_INVALID_ARGUMENT;
  int rc = check_host_arg(host, &h, &type);
  if (rc)
    return rc;
  parts_of(uri, &pt);
  pt.host = h;
  pt.host_type = type;
  return rebuild(uri, &pt);
}

int msrp_uri_set_session_id(msrp_uri *uri, const char *session_id) {
  parts pt;
  if (!uri || !usable(uri))
    return MSRP_ERR_INVALID_ARGUMENT;
  span s = span_of(session_id);
  if (s.p && !valid_session_id(s.p, s.n))
    return MSRP_ERR_URI_SESSION_ID;
  parts_of(uri, &pt);
  pt.session_id = s;
  return rebuild(uri, &pt);
}

int msrp_uri_set_user(msrp_uri *uri, const char *user) {
  parts pt;
  if (!uri || !usable(uri))
    return MSRP_ERR_INVALID_ARGUMENT;
  span s = span_of(user);
  if (s.p && !valid_escaped(s.p, s.n, is_userinfo_char))
    return MSRP_ERR_URI_USERINFO;
  parts_of(uri, &pt);
  pt.user = s;
  return rebuild(uri, &pt);
}

int msrp_uri_effective_port(const msrp_uri *uri) {
  if (!uri)
    return MSRP_ERR_INVALID_ARGUMENT;
  return uri->port ? uri->port : MSRP_DEFAULT_PORT;
}

/* snprintf-style output: copies what fits, counts everything. */
typedef struct writer {
  char *buf;
  size_t size;
  size_t len;
} writer;

static void put(writer *w, const char *s, size_t n) {
  if (w->len < w->size) {
    size_t room = w->size - w->len;
    memcpy(w->buf + w->len, s, n < room ? n : room);
  }
  w->len = n > SIZE_MAX - w->len ? SIZE_MAX : w->len + n;
}

static void put_str(writer *w, const char *s) {
  put(w, s, strlen(s));
}

static void put_port(writer *w, int port) {
  char tmp[8];
  size_t n = 0;
  do {
    tmp[sizeof tmp - 1 - n++] = (char)('0' + port % 10);
    port /= 10;
  } while (port);
  put(w, tmp + sizeof tmp - n, n);
}

static void put_uri(writer *w, const msrp_uri *u) {
  put_str(w, u->scheme);
  put_str(w, "://");
  if (u->user) {
    put_str(w, u->user);
    put_str(w, "@");
  }
  if (u->host_type == MSRP_HOST_IPV6) {
    put_str(w, "[");
    put_str(w, u->host);
    put_str(w, "]");
  } else {
    put_str(w, u->host);
  }
  if (u->port) {
    put_str(w, ":");
    put_port(w, u->port);
  }
  if (u->session_id) {
    put_str(w, "/");
    put_str(w, u->session_id);
  }
  put_str(w, ";");
  put_str(w, u->transport);
  if (u->params) {
    put_str(w, ";");
    put_str(w, u->params);
  }
}

static int finish(writer *w) {
  if (w->size > 0)
    w->buf[w->len < w->size ? w->len : w->size - 1] = '\0';
  /* The return type cannot say more; no real URI or path gets here. */
  if (w->len > INT_MAX)
    return MSRP_ERR_INVALID_ARGUMENT;
  return (int)w->len;
}

int msrp_uri_format(const msrp_uri *uri, char *buf, size_t size) {
  if (!uri || !usable(uri) || (!buf && size > 0))
    return MSRP_ERR_INVALID_ARGUMENT;
  writer w = {buf, size, 0};
  put_uri(&w, uri);
  return finish(&w);
}

/* One character of a host for comparison (RFC 3986 section 6.2.2):
 * an escaped unreserved character stands for itself, any other escape
 * stays distinct from the literal character, and case does not count. */
static int host_unit(const char *s, size_t n, size_t *i) {
  int c = (unsigned char)s[*i];
  if (c == '%' && n - *i >= 3 && is_hex((unsigned char)s[*i + 1]) &&
      is_hex((unsigned char)s[*i + 2])) {
    int v = msrp__hex_value((unsigned char)s[*i + 1]) * 16 +
            msrp__hex_value((unsigned char)s[*i + 2]);
    *i += 3;
    return msrp__is_unreserved(v) ? fold(v) : 256 + v;
  }
  *i += 1;
  return fold(c);
}

static bool host_text_equal(const char *a, const char *b) {
  size_t an = strlen(a), bn = strlen(b), i = 0, j = 0;
  while (i < an && j < bn)
    if (host_unit(a, an, &i) != host_unit(b, bn, &j))
      return false;
  return i == an && j == bn;
}

static bool hosts_equal(const msrp_uri *a, const msrp_uri *b) {
  if (a->host_type == MSRP_HOST_IPV6 || b->host_type == MSRP_HOST_IPV6) {
    unsigned char x[16], y[16];
    return a->host_type == b->host_type &&
           parse_ipv6(a->host, strlen(a->host), x) &&
           parse_ipv6(b->host, strlen(b->host), y) && memcmp(x, y, 16) == 0;
  }
  if (a->host_type == MSRP_HOST_IPV4 && b->host_type == MSRP_HOST_IPV4) {
    unsigned char x[4], y[4];
    if (parse_ipv4(a->host, strlen(a->host), x) &&
        parse_ipv4(b->host, strlen(b->host), y))
      return memcmp(x, y, 4) == 0;
  }
  /* An IPv4 address is written in one way only, so against a reg-name
   * (which may escape its digits) the decoded text decides. */
  return host_text_equal(a->host, b->host);
}

int msrp_uri_equal(const msrp_uri *a, const msrp_uri *b) {
  if (!a || !b || !usable(a) || !usable(b))
    return 0;
  if (!msrp__ieq(a->scheme, strlen(a->scheme), b->scheme, strlen(b->scheme)))
    return 0;
  /* 0 stands for "no port", so this also keeps a URI with a port from
   * equalling one without. */
  if (a->port != b->port)
    return 0;
  if (!hosts_equal(a, b))
    return 0;
  if ((a->session_id == NULL) != (b->session_id == NULL))
    return 0;
  if (a->session_id && strcmp(a->session_id, b->session_id) != 0)
    return 0;
  return msrp__ieq(a->transport, strlen(a->transport), b->transport,
                   strlen(b->transport));
}

int msrp_path_parse(msrp_path *out, const char *text, size_t len,
                    size_t max_uris) {
  if (!out || (!text && len > 0))
    return MSRP_ERR_INVALID_ARGUMENT;
  msrp_path tmp = MSRP_PATH_INIT;
  size_t cap = 0, i = 0;
  int rc = 0;
  for (;;) {
    while (i < len && text[i] == ' ')
      i++;
    if (i == len)
      break;
    size_t start = i;
    while (i < len && text[i] != ' ')
      i++;
    if (max_uris > 0 && tmp.count == max_uris) {
      rc = MSRP_ERR_LIMIT_PATH_LENGTH;
      goto fail;
    }
    if (tmp.count == cap) {
      msrp_uri *p = msrp__grow_array(tmp.uris, &cap, sizeof *p, 4);
      if (!p) {
        rc = MSRP_ERR_NOMEM;
        goto fail;
      }
      tmp.uris = p;
    }
    rc = msrp_uri_parse(&tmp.uris[tmp.count], text + start, i - start);
    if (rc)
      goto fail;
    tmp.count++;
  }
  if (tmp.count == 0)
    return MSRP_ERR_URI_SYNTAX;
  *out = tmp;
  return 0;
fail:
  msrp_path_clear(&tmp);
  return rc;
}

int msrp_path_append(msrp_path *path, const msrp_uri *uri) {
  if (!path || !uri || !usable(uri))
    return MSRP_ERR_INVALID_ARGUMENT;
  if (path->count >= SIZE_MAX / sizeof(msrp_uri) - 1)
    return MSRP_ERR_NOMEM;
  /* Copy before growing: `uri` may be an element of this very path, and
   * realloc would leave it dangling. */
  msrp_uri copy;
  int rc = msrp_uri_copy(&copy, uri);
  if (rc)
    return rc;
  msrp_uri *p = realloc(path->uris, (path->count + 1) * sizeof(msrp_uri));
  if (!p) {
    msrp_uri_clear(&copy);
    return MSRP_ERR_NOMEM;
  }
  path->uris = p;
  p[path->count++] = copy;
  return 0;
}

int msrp_path_copy(msrp_path *dst, const msrp_path *src) {
  if (!dst || !src || dst == src || (src->count > 0 && !src->uris))
    return MSRP_ERR_INVALID_ARGUMENT;
  msrp_path tmp = MSRP_PATH_INIT;
  if (src->count == 0) {
    *dst = tmp;
    return 0;
  }
  tmp.uris = calloc(src->count, sizeof(msrp_uri));
  if (!tmp.uris)
    return MSRP_ERR_NOMEM;
  for (size_t i = 0; i < src->count; i++) {
    int rc = msrp_uri_copy(&tmp.uris[i], &src->uris[i]);
    if (rc) {
      msrp_path_clear(&tmp);
      return rc;
    }
    tmp.count++;
  }
  *dst = tmp;
  return 0;
}

void msrp_path_clear(msrp_path *path) {
  if (!path)
    return;
  for (size_t i = 0; i < path->count; i++)
    msrp_uri_clear(&path->uris[i]);
  free(path->uris);
  path->uris = NULL;
  path->count = 0;
}

int msrp_path_format(const msrp_path *path, char *buf, size_t size) {
  if (!path || (path->count > 0 && !path->uris) || (!buf && size > 0))
    return MSRP_ERR_INVALID_ARGUMENT;
  /* Check all first so that a failure writes nothing. */
  for (size_t i = 0; i < path->count; i++)
    if (!usable(&path->uris[i]))
      return MSRP_ERR_INVALID_ARGUMENT;
  writer w = {buf, size, 0};
  for (size_t i = 0; i < path->count; i++) {
    if (i > 0)
      put_str(&w, " ");
    put_uri(&w, &path->uris[i]);
  }
  return finish(&w);
}

int msrp_path_equal(const msrp_path *a, const msrp_path *b) {
  if (!a || !b || a->count != b->count)
    return 0;
  for (size_t i = 0; i < a->count; i++)
    if (!msrp_uri_equal(&a->uris[i], &b->uris[i]))
      return 0;
  return 1;
}
