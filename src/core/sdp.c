/* SPDX-License-Identifier: MIT
 * Copyright (c) 2026 The libmsrp authors */
/* The MSRP media description of SDP: RFC 4975 section 8 (the media line,
 * path, accept-types, accept-wrapped-types, max-size), RFC 6135 and
 * RFC 4145 (setup, connection), RFC 8122 (fingerprint); the grammar of the
 * lines is RFC 8866's. */

#include <msrp/sdp.h>

#include <msrp/chatroom.h>

#include "core/mediatype_internal.h"
#include "core/span.h"
#include "core/util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct fingerprint {
  char *hash;
  char *value;
} fingerprint;

struct msrp_sdp_media {
  int application; /* m=application (desktop sharing), not m=message */
  int port;
  int use_tls;
  char *address; /* NULL: no c= line */
  int ipv6;
  msrp_path path;
  msrp_media_types accept_types;
  msrp_media_types wrapped_types;
  int has_max_size;
  uint64_t max_size;
  msrp_sdp_setup setup;
  msrp_sdp_connection connection;
  fingerprint *fps;
  size_t nfps;
  char **attrs;
  size_t nattrs;
};

/* ------------------------------------------------------------------ */
/* Setup and connection values                                         */

static const char *const setup_names[] = {NULL, "active", "passive", "actpass",
                                          "holdconn"};

const char *msrp_sdp_setup_name(msrp_sdp_setup setup) {
  if ((int)setup < 0 || (int)setup > MSRP_SDP_SETUP_HOLDCONN)
    return NULL;
  return setup_names[setup];
}

static const char *const connection_names[] = {NULL, "new", "existing"};

static bool setup_valid(msrp_sdp_setup s) {
  return (int)s >= MSRP_SDP_SETUP_ABSENT && (int)s <= MSRP_SDP_SETUP_HOLDCONN;
}

static bool connection_valid(msrp_sdp_connection c) {
  return (int)c >= MSRP_SDP_CONNECTION_ABSENT &&
         (int)c <= MSRP_SDP_CONNECTION_EXISTING;
}

/* ------------------------------------------------------------------ */
/* Fingerprints (RFC 8122 section 5)                                   */

/* The digest length in bytes of the hash names RFC 8122 lists; 0 for
 * another token, whose length is not checked. */
static size_t hash_length(msrp__span hash) {
  static const struct {
    const char *name;
    size_t len;
  } known[] = {{"md2", 16},     {"md5", 16},     {"sha-1", 20},
               {"sha-224", 28}, {"sha-256", 32}, {"sha-384", 48},
               {"sha-512", 64}};
  for (size_t i = 0; i < sizeof known / sizeof known[0]; i++)
    if (msrp__ieq_lit(hash.p, hash.n, known[i].name))
      return known[i].len;
  return 0;
}

/* fingerprint = 2UHEX *(":" 2UHEX); lower-case hex is taken too. */
static bool valid_fingerprint(msrp__span hash, msrp__span fp) {
  if (!msrp__span_is_token(hash))
    return false;
  if (fp.n < 2 || (fp.n + 1) % 3 != 0)
    return false;
  for (size_t i = 0; i < fp.n; i++) {
    if (i % 3 == 2) {
      if (fp.p[i] != ':')
        return false;
    } else if (msrp__hex_value((unsigned char)fp.p[i]) < 0) {
      return false;
    }
  }
  size_t want = hash_length(hash);
  return want == 0 || want == (fp.n + 1) / 3;
}

static int append_fingerprint(msrp_sdp_media *m, msrp__span hash,
                              msrp__span value) {
  if (m->nfps >= SIZE_MAX / sizeof(fingerprint) - 1)
    return MSRP_ERR_NOMEM;
  char *h = msrp__strndup(hash.p, hash.n);
  char *v = msrp__strndup(value.p, value.n);
  fingerprint *p = (h && v) ? realloc(m->fps, (m->nfps + 1) * sizeof *p) : NULL;
  if (!p) {
    free(h);
    free(v);
    return MSRP_ERR_NOMEM;
  }
  m->fps = p;
  m->fps[m->nfps].hash = h;
  m->fps[m->nfps].value = v;
  m->nfps++;
  return 0;
}

static int append_attr(msrp_sdp_media *m, msrp__span text) {
  if (m->nattrs >= SIZE_MAX / sizeof(char *) - 1)
    return MSRP_ERR_NOMEM;
  char *s = msrp__strndup(text.p, text.n);
  char **p = s ? realloc(m->attrs, (m->nattrs + 1) * sizeof *p) : NULL;
  if (!p) {
    free(s);
    return MSRP_ERR_NOMEM;
  }
  m->attrs = p;
  m->attrs[m->nattrs++] = s;
  return 0;
}

/* ------------------------------------------------------------------ */
/* The object                                                          */

void msrp_sdp_media_free(msrp_sdp_media *m) {
  if (!m)
    return;
  free(m->address);
  msrp_path_clear(&m->path);
  msrp_media_types_clear(&m->accept_types);
  msrp_media_types_clear(&m->wrapped_types);
  for (size_t i = 0; i < m->nfps; i++) {
    free(m->fps[i].hash);
    free(m->fps[i].value);
  }
  free(m->fps);
  for (size_t i = 0; i < m->nattrs; i++)
    free(m->attrs[i]);
  free(m->attrs);
  free(m);
}

int msrp_sdp_media_new(msrp_sdp_media **out, const msrp_path *path,
                       const char *const *accept_types,
                       size_t accept_types_count) {
  if (!out || !path || path->count == 0 || !path->uris ||
      accept_types_count == 0)
    return MSRP_ERR_INVALID_ARGUMENT;
  const msrp_uri *first = &path->uris[0];
  if (!first->host)
    return MSRP_ERR_INVALID_ARGUMENT;
  msrp_sdp_media *m = calloc(1, sizeof *m);
  if (!m)
    return MSRP_ERR_NOMEM;
  int rc = msrp__types_from_array(&m->accept_types, accept_types,
                                  accept_types_count);
  if (rc == 0)
    rc = msrp_path_copy(&m->path, path);
  if (rc == 0 &&
      !(m->address = msrp__strndup(first->host, strlen(first->host))))
    rc = MSRP_ERR_NOMEM;
  if (rc) {
    msrp_sdp_media_free(m);
    return rc;
  }
  m->ipv6 = first->host_type == MSRP_HOST_IPV6;
  m->use_tls = first->use_tls ? 1 : 0;
  m->port = msrp_uri_effective_port(first);
  *out = m;
  return 0;
}

int msrp_sdp_media_set_accept_types(msrp_sdp_media *m, const char *const *types,
                                    size_t count) {
  if (!m || count == 0)
    return MSRP_ERR_INVALID_ARGUMENT;
  msrp_media_types tmp;
  int rc = msrp__types_from_array(&tmp, types, count);
  if (rc)
    return rc;
  msrp_media_types_clear(&m->accept_types);
  m->accept_types = tmp;
  return 0;
}

int msrp_sdp_media_set_accept_wrapped_types(msrp_sdp_media *m,
                                            const char *const *types,
                                            size_t count) {
  if (!m)
    return MSRP_ERR_INVALID_ARGUMENT;
  msrp_media_types tmp;
  int rc = msrp__types_from_array(&tmp, types, count);
  if (rc)
    return rc;
  msrp_media_types_clear(&m->wrapped_types);
  m->wrapped_types = tmp;
  return 0;
}

void msrp_sdp_media_set_max_size(msrp_sdp_media *m, uint64_t max_size) {
  if (!m)
    return;
  m->has_max_size = 1;
  m->max_size = max_size;
}

void msrp_sdp_media_remove_max_size(msrp_sdp_media *m) {
  if (!m)
    return;
  m->has_max_size = 0;
  m->max_size = 0;
}

int msrp_sdp_media_set_setup(msrp_sdp_media *m, msrp_sdp_setup setup) {
  if (!m || !setup_valid(setup))
    return MSRP_ERR_INVALID_ARGUMENT;
  m->setup = setup;
  return 0;
}

int msrp_sdp_media_set_connection(msrp_sdp_media *m,
                                  msrp_sdp_connection connection) {
  if (!m || !connection_valid(connection))
    return MSRP_ERR_INVALID_ARGUMENT;
  m->connection = connection;
  return 0;
}

int msrp_sdp_media_add_fingerprint(msrp_sdp_media *m, const char *hash,
                                   const char *value) {
  if (!m || !hash || !value ||
      !valid_fingerprint(msrp__span_of(hash), msrp__span_of(value)))
    return MSRP_ERR_INVALID_ARGUMENT;
  return append_fingerprint(m, msrp__span_of(hash), msrp__span_of(value));
}

/* The attributes this object types; the others are kept verbatim. */
static const char *const typed_attrs[] = {
    "path",  "accept-types", "accept-wrapped-types", "max-size",
    "setup", "connection",   "fingerprint"};

static bool is_typed_attr(msrp__span name) {
  for (size_t i = 0; i < sizeof typed_attrs / sizeof typed_attrs[0]; i++)
    if (msrp__ieq_lit(name.p, name.n, typed_attrs[i]))
      return true;
  return false;
}

/* The name of an attribute: up to the first ":". */
static msrp__span attr_name(msrp__span a) {
  const char *colon = memchr(a.p, ':', a.n);
  msrp__span r = {a.p, colon ? (size_t)(colon - a.p) : a.n};
  return r;
}

int msrp_sdp_media_add_attribute(msrp_sdp_media *m, const char *attribute) {
  if (!m || !attribute)
    return MSRP_ERR_INVALID_ARGUMENT;
  msrp__span a = msrp__span_of(attribute);
  msrp__span name = attr_name(a);
  if (!msrp__span_is_token(name) || is_typed_attr(name) ||
      msrp__has_ctl(a.p, a.n))
    return MSRP_ERR_INVALID_ARGUMENT;
  return append_attr(m, a);
}

/* ------------------------------------------------------------------ */
/* Formatting                                                          */

static int put_types(msrp__buf *b, const char *name,
                     const msrp_media_types *t) {
  int rc = msrp__buf_append_str(b, name);
  for (size_t i = 0; rc == 0 && i < t->count; i++) {
    if (i > 0)
      rc = msrp__buf_append_str(b, " ");
    if (rc == 0)
      rc = msrp__buf_append_str(b, t->types[i]);
  }
  if (rc == 0)
    rc = msrp__buf_append_str(b, "\r\n");
  return rc;
}

static int put_path(msrp__buf *b, const msrp_path *path) {
  int n = msrp_path_format(path, NULL, 0);
  if (n < 0)
    return n;
  int rc = msrp__buf_append_str(b, "a=path:");
  if (rc == 0)
    rc = msrp__buf_reserve(b, (size_t)n);
  if (rc)
    return rc;
  msrp_path_format(path, b->data + b->len, (size_t)n + 1);
  b->len += (size_t)n;
  return msrp__buf_append_str(b, "\r\n");
}

static int format_into(msrp__buf *b, const msrp_sdp_media *m) {
  int rc =
      msrp__buf_append_str(b, m->application ? "m=application " : "m=message ");
  if (rc == 0)
    rc = msrp__buf_append_u64(b, (uint64_t)m->port);
  if (rc == 0)
    rc = msrp__buf_append_str(b, m->use_tls ? " TCP/TLS/MSRP *\r\n"
                                            : " TCP/MSRP *\r\n");
  if (rc == 0 && m->address) {
    rc = msrp__buf_append_str(b, m->ipv6 ? "c=IN IP6 " : "c=IN IP4 ");
    if (rc == 0)
      rc = msrp__buf_append_str(b, m->address);
    if (rc == 0)
      rc = msrp__buf_append_str(b, "\r\n");
  }
  if (rc == 0)
    rc = put_path(b, &m->path);
  if (rc == 0)
    rc = put_types(b, "a=accept-types:", &m->accept_types);
  if (rc == 0 && m->wrapped_types.count > 0)
    rc = put_types(b, "a=accept-wrapped-types:", &m->wrapped_types);
  if (rc == 0 && m->has_max_size) {
    rc = msrp__buf_append_str(b, "a=max-size:");
    if (rc == 0)
      rc = msrp__buf_append_u64(b, m->max_size);
    if (rc == 0)
      rc = msrp__buf_append_str(b, "\r\n");
  }
  if (rc == 0 && m->setup != MSRP_SDP_SETUP_ABSENT) {
    rc = msrp__buf_append_str(b, "a=setup:");
    if (rc == 0)
      rc = msrp__buf_append_str(b, setup_names[m->setup]);
    if (rc == 0)
      rc = msrp__buf_append_str(b, "\r\n");
  }
  if (rc == 0 && m->connection != MSRP_SDP_CONNECTION_ABSENT) {
    rc = msrp__buf_append_str(b, "a=connection:");
    if (rc == 0)
      rc = msrp__buf_append_str(b, connection_names[m->connection]);
    if (rc == 0)
      rc = msrp__buf_append_str(b, "\r\n");
  }
  for (size_t i = 0; rc == 0 && i < m->nfps; i++) {
    rc = msrp__buf_append_str(b, "a=fingerprint:");
    if (rc == 0)
      rc = msrp__buf_append_str(b, m->fps[i].hash);
    if (rc == 0)
      rc = msrp__buf_append_str(b, " ");
    if (rc == 0)
      rc = msrp__buf_append_str(b, m->fps[i].value);
    if (rc == 0)
      rc = msrp__buf_append_str(b, "\r\n");
  }
  for (size_t i = 0; rc == 0 && i < m->nattrs; i++) {
    rc = msrp__buf_append_str(b, "a=");
    if (rc == 0)
      rc = msrp__buf_append_str(b, m->attrs[i]);
    if (rc == 0)
      rc = msrp__buf_append_str(b, "\r\n");
  }
  return rc;
}

int msrp_sdp_media_format(const msrp_sdp_media *m, char *buf, size_t size) {
  if (!m || (!buf && size > 0))
    return MSRP_ERR_INVALID_ARGUMENT;
  msrp__buf b = {NULL, 0, 0};
  int rc = format_into(&b, m);
  if (rc == 0)
    rc = msrp__copy_out(buf, size, b.data, b.len);
  msrp__buf_free(&b);
  return rc;
}

/* ------------------------------------------------------------------ */
/* Parsing                                                             */

/* m=<media> <port> <proto> <fmt> ... */
static int parse_m_line(msrp_sdp_media *m, msrp__span v) {
  msrp__span media, port, proto, fmt;
  size_t pos = 0;
  if (!msrp__span_next_field(v, &pos, &media) ||
      !msrp__span_next_field(v, &pos, &port) ||
      !msrp__span_next_field(v, &pos, &proto) ||
      !msrp__span_next_field(v, &pos, &fmt))
    return MSRP_ERR_SDP_SYNTAX;
  uint64_t p;
  if (!msrp__parse_uint(port.p, port.n, 65535, &p))
    return MSRP_ERR_SDP_SYNTAX;
  /* MSRP is m=message; desktop sharing as deployed is m=application */
  if (msrp__ieq_lit(media.p, media.n, "application"))
    m->application = 1;
  else if (!msrp__ieq_lit(media.p, media.n, "message"))
    return MSRP_ERR_NOT_SUPPORTED;
  if (msrp__ieq_lit(proto.p, proto.n, "TCP/MSRP"))
    m->use_tls = 0;
  else if (msrp__ieq_lit(proto.p, proto.n, "TCP/TLS/MSRP"))
    m->use_tls = 1;
  else
    return MSRP_ERR_NOT_SUPPORTED;
  m->port = (int)p;
  return 0;
}

/* c=IN IP4 <address> / c=IN IP6 <address> */
static int parse_c_line(msrp_sdp_media *lvl, msrp__span v) {
  if (lvl->address)
    return MSRP_ERR_SDP_DUPLICATE;
  msrp__span net, type, addr, extra;
  size_t pos = 0;
  if (!msrp__span_next_field(v, &pos, &net) ||
      !msrp__span_next_field(v, &pos, &type) ||
      !msrp__span_next_field(v, &pos, &addr) ||
      msrp__span_next_field(v, &pos, &extra))
    return MSRP_ERR_SDP_SYNTAX;
  if (!msrp__ieq_lit(net.p, net.n, "IN"))
    return MSRP_ERR_NOT_SUPPORTED;
  int ipv6;
  if (msrp__ieq_lit(type.p, type.n, "IP4"))
    ipv6 = 0;
  else if (msrp__ieq_lit(type.p, type.n, "IP6"))
    ipv6 = 1;
  else
    return MSRP_ERR_NOT_SUPPORTED;
  lvl->address = msrp__strndup(addr.p, addr.n);
  if (!lvl->address)
    return MSRP_ERR_NOMEM;
  lvl->ipv6 = ipv6;
  return 0;
}

static int parse_setup(msrp_sdp_media *lvl, msrp__span v) {
  if (lvl->setup != MSRP_SDP_SETUP_ABSENT)
    return MSRP_ERR_SDP_DUPLICATE;
  v = msrp__span_trim(v);
  for (int i = MSRP_SDP_SETUP_ACTIVE; i <= MSRP_SDP_SETUP_HOLDCONN; i++)
    if (msrp__ieq_lit(v.p, v.n, setup_names[i])) {
      lvl->setup = (msrp_sdp_setup)i;
      return 0;
    }
  return MSRP_ERR_SDP_SYNTAX;
}

static int parse_connection(msrp_sdp_media *lvl, msrp__span v) {
  if (lvl->connection != MSRP_SDP_CONNECTION_ABSENT)
    return MSRP_ERR_SDP_DUPLICATE;
  v = msrp__span_trim(v);
  for (int i = MSRP_SDP_CONNECTION_NEW; i <= MSRP_SDP_CONNECTION_EXISTING; i++)
    if (msrp__ieq_lit(v.p, v.n, connection_names[i])) {
      lvl->connection = (msrp_sdp_connection)i;
      return 0;
    }
  return MSRP_ERR_SDP_SYNTAX;
}

static int parse_fingerprint(msrp_sdp_media *lvl, msrp__span v) {
  msrp__span hash, value, extra;
  size_t pos = 0;
  if (!msrp__span_next_field(v, &pos, &hash) ||
      !msrp__span_next_field(v, &pos, &value) ||
      msrp__span_next_field(v, &pos, &extra) || !valid_fingerprint(hash, value))
    return MSRP_ERR_SDP_SYNTAX;
  return append_fingerprint(lvl, hash, value);
}

static int parse_path(msrp_sdp_media *lvl, msrp__span v) {
  if (lvl->path.count > 0)
    return MSRP_ERR_SDP_DUPLICATE;
  int rc = msrp_path_parse(&lvl->path, v.p, v.n, 0);
  if (rc == MSRP_ERR_NOMEM)
    return rc;
  return rc ? MSRP_ERR_SDP_PATH : 0;
}

static int parse_type_list(msrp_media_types *t, msrp__span v) {
  if (t->count > 0)
    return MSRP_ERR_SDP_DUPLICATE;
  return msrp__types_parse(t, v);
}

static int parse_max_size(msrp_sdp_media *lvl, msrp__span v) {
  if (lvl->has_max_size)
    return MSRP_ERR_SDP_DUPLICATE;
  v = msrp__span_trim(v);
  if (!msrp__parse_uint(v.p, v.n, UINT64_MAX, &lvl->max_size))
    return MSRP_ERR_SDP_SYNTAX;
  lvl->has_max_size = 1;
  return 0;
}

/* One a= line, at the session level (`media_level` false: only setup,
 * connection and fingerprint matter) or in the media section. */
static int parse_a_line(msrp_sdp_media *lvl, bool media_level, msrp__span a,
                        msrp_sdp_field *field) {
  msrp__span name = attr_name(a);
  msrp__span v = {a.p + name.n, 0};
  if (name.n < a.n) {
    v.p++;
    v.n = a.n - name.n - 1;
  }
  bool has_value = name.n < a.n;
  if (name.n == 0) {
    *field = MSRP_SDP_FIELD_ATTRIBUTE;
    return MSRP_ERR_SDP_SYNTAX;
  }
  if (msrp__ieq_lit(name.p, name.n, "setup")) {
    *field = MSRP_SDP_FIELD_SETUP;
    return parse_setup(lvl, v);
  }
  if (msrp__ieq_lit(name.p, name.n, "connection")) {
    *field = MSRP_SDP_FIELD_CONNECTION;
    return parse_connection(lvl, v);
  }
  if (msrp__ieq_lit(name.p, name.n, "fingerprint")) {
    *field = MSRP_SDP_FIELD_FINGERPRINT;
    return parse_fingerprint(lvl, v);
  }
  if (!media_level)
    return 0;
  if (msrp__ieq_lit(name.p, name.n, "path")) {
    *field = MSRP_SDP_FIELD_PATH;
    return has_value ? parse_path(lvl, v) : MSRP_ERR_SDP_PATH;
  }
  if (msrp__ieq_lit(name.p, name.n, "accept-types")) {
    *field = MSRP_SDP_FIELD_ACCEPT_TYPES;
    return parse_type_list(&lvl->accept_types, v);
  }
  if (msrp__ieq_lit(name.p, name.n, "accept-wrapped-types")) {
    *field = MSRP_SDP_FIELD_WRAPPED_TYPES;
    return parse_type_list(&lvl->wrapped_types, v);
  }
  if (msrp__ieq_lit(name.p, name.n, "max-size")) {
    *field = MSRP_SDP_FIELD_MAX_SIZE;
    return parse_max_size(lvl, v);
  }
  *field = MSRP_SDP_FIELD_ATTRIBUTE;
  return append_attr(lvl, a);
}

static bool is_alpha(int c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

/* Session-level values apply where the media section has none. */
static void inherit(msrp_sdp_media *m, msrp_sdp_media *sess) {
  if (!m->address && sess->address) {
    m->address = sess->address;
    m->ipv6 = sess->ipv6;
    sess->address = NULL;
  }
  if (m->setup == MSRP_SDP_SETUP_ABSENT)
    m->setup = sess->setup;
  if (m->connection == MSRP_SDP_CONNECTION_ABSENT)
    m->connection = sess->connection;
  if (m->nfps == 0) {
    m->fps = sess->fps;
    m->nfps = sess->nfps;
    sess->fps = NULL;
    sess->nfps = 0;
  }
}

int msrp_sdp_media_parse(msrp_sdp_media **out, const char *text, size_t len,
                         size_t index, msrp_sdp_where *where) {
  msrp_sdp_where w = {MSRP_SDP_FIELD_NONE, 0};
  if (!out || !text) {
    if (where)
      *where = w;
    return MSRP_ERR_INVALID_ARGUMENT;
  }
  msrp_sdp_media *m = calloc(1, sizeof *m);
  msrp_sdp_media *sess = calloc(1, sizeof *sess);
  int rc = MSRP_ERR_NOMEM;
  if (!m || !sess)
    goto fail;
  rc = 0;
  size_t pos = 0, lineno = 0, sections = 0;
  bool in_session = true, in_target = false;
  while (pos < len) {
    const char *line = text + pos;
    const char *nl = memchr(line, '\n', len - pos);
    size_t n = nl ? (size_t)(nl - line) : len - pos;
    pos += n + (nl ? 1 : 0);
    lineno++;
    if (n > 0 && line[n - 1] == '\r')
      n--;
    while (n > 0 && msrp__is_blank((unsigned char)line[n - 1]))
      n--;
    if (n == 0)
      continue;
    w.line = lineno;
    w.field = MSRP_SDP_FIELD_LINE;
    if (n < 2 || line[1] != '=' || !is_alpha((unsigned char)line[0]) ||
        msrp__has_ctl(line, n)) {
      rc = MSRP_ERR_SDP_SYNTAX;
      goto fail;
    }
    msrp__span v = {line + 2, n - 2};
    if (line[0] == 'm') {
      if (in_target)
        break; /* the next media section */
      in_session = false;
      if (sections++ != index)
        continue;
      in_target = true;
      w.field = MSRP_SDP_FIELD_MEDIA;
      rc = parse_m_line(m, v);
    } else if (!in_session && !in_target) {
      continue; /* another media section */
    } else if (line[0] == 'c') {
      w.field = MSRP_SDP_FIELD_CONNECTION_DATA;
      rc = parse_c_line(in_target ? m : sess, v);
    } else if (line[0] == 'a') {
      rc = parse_a_line(in_target ? m : sess, in_target, v, &w.field);
    }
    if (rc)
      goto fail;
  }
  w.line = 0;
  if (!in_target) {
    w.field = MSRP_SDP_FIELD_MEDIA;
    rc = MSRP_ERR_NOT_FOUND;
  } else if (m->path.count == 0) {
    w.field = MSRP_SDP_FIELD_PATH;
    rc = MSRP_ERR_NOT_FOUND;
  } else if (m->accept_types.count == 0) {
    w.field = MSRP_SDP_FIELD_ACCEPT_TYPES;
    rc = MSRP_ERR_NOT_FOUND;
  }
  if (rc)
    goto fail;
  inherit(m, sess);
  msrp_sdp_media_free(sess);
  *out = m;
  if (where)
    *where = (msrp_sdp_where){MSRP_SDP_FIELD_NONE, 0};
  return 0;
fail:
  if (rc == MSRP_ERR_NOMEM)
    w = (msrp_sdp_where){MSRP_SDP_FIELD_NONE, 0};
  if (where)
    *where = w;
  msrp_sdp_media_free(m);
  msrp_sdp_media_free(sess);
  return rc;
}

int msrp_sdp_find_msrp_media(const char *text, size_t len, size_t from,
                             size_t *index) {
  if (!text || !index)
    return MSRP_ERR_INVALID_ARGUMENT;
  size_t pos = 0, section = 0;
  while (pos < len) {
    const char *line = text + pos;
    const char *nl = memchr(line, '\n', len - pos);
    size_t n = nl ? (size_t)(nl - line) : len - pos;
    pos += n + (nl ? 1 : 0);
    if (n < 2 || line[0] != 'm' || line[1] != '=')
      continue;
    if (n > 0 && line[n - 1] == '\r')
      n--;
    msrp_sdp_media probe;
    memset(&probe, 0, sizeof probe);
    /* MSRP over TCP or TLS, and not a stream the answer turned down
     * (port 0, RFC 3264 section 6) */
    if (section >= from && !msrp__has_ctl(line, n) &&
        parse_m_line(&probe, (msrp__span){line + 2, n - 2}) == 0 &&
        probe.port != 0) {
      *index = section;
      return 0;
    }
    section++;
  }
  return MSRP_ERR_NOT_FOUND;
}

/* ------------------------------------------------------------------ */
/* Getters                                                             */

int msrp_sdp_media_set_application(msrp_sdp_media *m, int application) {
  if (!m)
    return MSRP_ERR_INVALID_ARGUMENT;
  m->application = application != 0;
  return 0;
}

int msrp_sdp_media_application(const msrp_sdp_media *m) {
  return m ? m->application : 0;
}

msrp_rfb_role msrp_sdp_media_rfb_role(const msrp_sdp_media *m) {
  if (!m)
    return MSRP_RFB_ACTIVE;
  const char *v = msrp_sdp_media_find_attribute(m, "rfbsetup");
  if (v) {
    if (msrp__ieq_lit(v, strlen(v), "passive"))
      return MSRP_RFB_PASSIVE;
    if (msrp__ieq_lit(v, strlen(v), "active"))
      return MSRP_RFB_ACTIVE;
  }
  /* older clients put the RFB role in a=setup; none at all: active */
  if (!v && m->setup == MSRP_SDP_SETUP_PASSIVE)
    return MSRP_RFB_PASSIVE;
  return MSRP_RFB_ACTIVE;
}

int msrp_sdp_media_set_rfb_role(msrp_sdp_media *m, msrp_rfb_role role) {
  if (!m || (role != MSRP_RFB_ACTIVE && role != MSRP_RFB_PASSIVE))
    return MSRP_ERR_INVALID_ARGUMENT;
  return msrp_sdp_media_add_attribute(
      m, role == MSRP_RFB_ACTIVE ? "rfbsetup:active" : "rfbsetup:passive");
}

int msrp_sdp_media_set_cema(msrp_sdp_media *m) {
  if (!m)
    return MSRP_ERR_INVALID_ARGUMENT;
  return msrp_sdp_media_cema(m) ? 0
                                : msrp_sdp_media_add_attribute(m, "msrp-cema");
}

int msrp_sdp_media_cema(const msrp_sdp_media *m) {
  return m && msrp_sdp_media_find_attribute(m, "msrp-cema") != NULL;
}

int msrp_sdp_media_set_chatroom(msrp_sdp_media *m, unsigned flags) {
  if (!m || (flags & ~(unsigned)(MSRP_CHATROOM_NICKNAME |
                                 MSRP_CHATROOM_PRIVATE_MESSAGES)))
    return MSRP_ERR_INVALID_ARGUMENT;
  char a[64];
  snprintf(a, sizeof a, "chatroom%s%s%s%s", flags ? ":" : "",
           flags & MSRP_CHATROOM_NICKNAME ? "nickname" : "",
           flags == (MSRP_CHATROOM_NICKNAME | MSRP_CHATROOM_PRIVATE_MESSAGES)
               ? " "
               : "",
           flags & MSRP_CHATROOM_PRIVATE_MESSAGES ? "private-messages" : "");
  return msrp_sdp_media_add_attribute(m, a);
}

int msrp_sdp_media_chatroom(const msrp_sdp_media *m) {
  if (!m)
    return MSRP_ERR_INVALID_ARGUMENT;
  int flags = MSRP_ERR_NOT_FOUND;
  size_t n = msrp_sdp_media_attribute_count(m);
  for (size_t i = 0; i < n; i++) {
    const char *a = msrp_sdp_media_attribute(m, i);
    size_t nl = strcspn(a, ":");
    if (!msrp__ieq_lit(a, nl, "chatroom"))
      continue;
    if (flags < 0)
      flags = 0;
    /* values separated by spaces; unknown ones (extensions) ignored */
    for (const char *v = a + nl + (a[nl] == ':'); *v;) {
      size_t l = strcspn(v, " \t");
      if (msrp__ieq_lit(v, l, "nickname"))
        flags |= MSRP_CHATROOM_NICKNAME;
      else if (msrp__ieq_lit(v, l, "private-messages"))
        flags |= MSRP_CHATROOM_PRIVATE_MESSAGES;
      v += l;
      v += strspn(v, " \t");
    }
  }
  return flags;
}

const msrp_path *msrp_sdp_media_path(const msrp_sdp_media *m) {
  return m ? &m->path : NULL;
}

int msrp_sdp_media_use_tls(const msrp_sdp_media *m) {
  return m ? m->use_tls : 0;
}

int msrp_sdp_media_port(const msrp_sdp_media *m) {
  return m ? m->port : 0;
}

const char *msrp_sdp_media_address(const msrp_sdp_media *m, int *ipv6) {
  if (ipv6)
    *ipv6 = m && m->address ? m->ipv6 : 0;
  return m ? m->address : NULL;
}

const msrp_media_types *msrp_sdp_media_accept_types(const msrp_sdp_media *m) {
  return m ? &m->accept_types : NULL;
}

const msrp_media_types *
msrp_sdp_media_accept_wrapped_types(const msrp_sdp_media *m) {
  return m ? &m->wrapped_types : NULL;
}

int msrp_sdp_media_max_size(const msrp_sdp_media *m, uint64_t *out) {
  if (!m || !out)
    return MSRP_ERR_INVALID_ARGUMENT;
  if (!m->has_max_size)
    return MSRP_ERR_NOT_FOUND;
  *out = m->max_size;
  return 0;
}

msrp_sdp_setup msrp_sdp_media_setup(const msrp_sdp_media *m) {
  return m ? m->setup : MSRP_SDP_SETUP_ABSENT;
}

msrp_sdp_connection msrp_sdp_media_connection(const msrp_sdp_media *m) {
  return m ? m->connection : MSRP_SDP_CONNECTION_ABSENT;
}

size_t msrp_sdp_media_fingerprint_count(const msrp_sdp_media *m) {
  return m ? m->nfps : 0;
}

int msrp_sdp_media_fingerprint(const msrp_sdp_media *m, size_t i,
                               const char **hash, const char **value) {
  if (!m)
    return MSRP_ERR_INVALID_ARGUMENT;
  if (i >= m->nfps)
    return MSRP_ERR_NOT_FOUND;
  if (hash)
    *hash = m->fps[i].hash;
  if (value)
    *value = m->fps[i].value;
  return 0;
}

size_t msrp_sdp_media_attribute_count(const msrp_sdp_media *m) {
  return m ? m->nattrs : 0;
}

const char *msrp_sdp_media_attribute(const msrp_sdp_media *m, size_t i) {
  return m && i < m->nattrs ? m->attrs[i] : NULL;
}

const char *msrp_sdp_media_find_attribute(const msrp_sdp_media *m,
                                          const char *name) {
  if (!m || !name)
    return NULL;
  for (size_t i = 0; i < m->nattrs; i++) {
    msrp__span a = msrp__span_of(m->attrs[i]);
    msrp__span n = attr_name(a);
    if (msrp__ieq_lit(n.p, n.n, name))
      return n.n < a.n ? a.p + n.n + 1 : a.p + a.n;
  }
  return NULL;
}

/* ------------------------------------------------------------------ */
/* Offer and answer                                                    */

static int answer_setup(msrp_sdp_setup prefer, msrp_sdp_setup offer,
                        msrp_sdp_action *action, msrp_sdp_setup *result) {
  if (prefer == MSRP_SDP_SETUP_HOLDCONN || offer == MSRP_SDP_SETUP_HOLDCONN) {
    *action = MSRP_SDP_HOLD;
    *result = MSRP_SDP_SETUP_HOLDCONN;
    return 0;
  }
  bool connect;
  switch (offer) {
  case MSRP_SDP_SETUP_PASSIVE:
    connect = true;
    break;
  case MSRP_SDP_SETUP_ACTPASS:
    connect = prefer != MSRP_SDP_SETUP_PASSIVE;
    break;
  default: /* active, or absent: RFC 4975's offerer connects */
    connect = false;
    break;
  }
  *action = connect ? MSRP_SDP_CONNECT : MSRP_SDP_ACCEPT;
  *result = connect ? MSRP_SDP_SETUP_ACTIVE : MSRP_SDP_SETUP_PASSIVE;
  return 0;
}

static int offer_outcome(msrp_sdp_setup offered, msrp_sdp_setup answer,
                         msrp_sdp_action *action, msrp_sdp_setup *result) {
  if (offered == MSRP_SDP_SETUP_HOLDCONN || answer == MSRP_SDP_SETUP_HOLDCONN) {
    *action = MSRP_SDP_HOLD;
    *result = MSRP_SDP_SETUP_HOLDCONN;
    return 0;
  }
  if (offered == MSRP_SDP_SETUP_ABSENT)
    offered = MSRP_SDP_SETUP_ACTIVE; /* RFC 4975: the offerer connects */
  bool connect;
  switch (answer) {
  case MSRP_SDP_SETUP_ACTIVE:
    if (offered == MSRP_SDP_SETUP_ACTIVE)
      return MSRP_ERR_NOT_SUPPORTED;
    connect = false;
    break;
  case MSRP_SDP_SETUP_PASSIVE:
    if (offered == MSRP_SDP_SETUP_PASSIVE)
      return MSRP_ERR_NOT_SUPPORTED;
    connect = true;
    break;
  case MSRP_SDP_SETUP_ABSENT:
    /* an RFC 4975 answerer listens at its path and waits for us, whatever
     * we offered */
    connect = true;
    break;
  default: /* actpass is not an answer */
    return MSRP_ERR_NOT_SUPPORTED;
  }
  *action = connect ? MSRP_SDP_CONNECT : MSRP_SDP_ACCEPT;
  *result = connect ? MSRP_SDP_SETUP_ACTIVE : MSRP_SDP_SETUP_PASSIVE;
  return 0;
}

int msrp_sdp_setup_negotiate(msrp_sdp_role role, msrp_sdp_setup local,
                             msrp_sdp_setup remote, msrp_sdp_action *action,
                             msrp_sdp_setup *result) {
  if (!action || !result || !setup_valid(local) || !setup_valid(remote) ||
      (role != MSRP_SDP_OFFERER && role != MSRP_SDP_ANSWERER))
    return MSRP_ERR_INVALID_ARGUMENT;
  msrp_sdp_action a;
  msrp_sdp_setup r;
  int rc = role == MSRP_SDP_ANSWERER ? answer_setup(local, remote, &a, &r)
                                     : offer_outcome(local, remote, &a, &r);
  if (rc)
    return rc;
  *action = a;
  *result = r;
  return 0;
}

int msrp_sdp_media_accepts(const msrp_sdp_media *m, const char *type) {
  return m ? msrp_media_types_contain(&m->accept_types, type) : 0;
}

int msrp_sdp_media_accepts_wrapped(const msrp_sdp_media *m, const char *type) {
  return m ? msrp_media_types_contain(&m->wrapped_types, type) : 0;
}

void msrp_sdp_common_types_clear(msrp_sdp_common_types *c) {
  if (!c)
    return;
  msrp_media_types_clear(&c->types);
  msrp_media_types_clear(&c->wrapped_types);
  c->remote_cpim = 0;
  c->cpim = 0;
}

int msrp_sdp_common_types_compute(msrp_sdp_common_types *out,
                                  const msrp_sdp_media *local,
                                  const msrp_sdp_media *remote) {
  if (!out || !local || !remote)
    return MSRP_ERR_INVALID_ARGUMENT;
  msrp_sdp_common_types tmp = MSRP_SDP_COMMON_TYPES_INIT;
  int rc = msrp_media_types_intersect(&tmp.types, &local->accept_types,
                                      &remote->accept_types);
  if (rc)
    return rc;
  tmp.remote_cpim = msrp_sdp_media_accepts(remote, "message/cpim");
  tmp.cpim = tmp.remote_cpim && msrp_sdp_media_accepts(local, "message/cpim");
  if (tmp.cpim) {
    rc = msrp_media_types_intersect(&tmp.wrapped_types, &local->wrapped_types,
                                    &remote->wrapped_types);
    if (rc) {
      msrp_sdp_common_types_clear(&tmp);
      return rc;
    }
  }
  *out = tmp;
  return 0;
}

int msrp_sdp_media_send_mode(const msrp_sdp_media *remote,
                             const char *content_type, int prefer_cpim,
                             msrp_sdp_send_mode *mode) {
  msrp__media_type t;
  if (!remote || !content_type || !mode ||
      !msrp__media_type_concrete(content_type, &t))
    return MSRP_ERR_INVALID_ARGUMENT;
  bool raw = msrp__types_admit(&remote->accept_types, &t);
  bool is_cpim = msrp__ieq_lit(t.type.p, t.type.n, "message") &&
                 msrp__ieq_lit(t.sub.p, t.sub.n, "cpim");
  bool cpim = !is_cpim && msrp_sdp_media_accepts(remote, "message/cpim") &&
              msrp__types_admit(&remote->wrapped_types, &t);
  if (!raw && !cpim)
    return MSRP_ERR_NOT_SUPPORTED;
  if (raw && cpim)
    *mode = prefer_cpim ? MSRP_SDP_SEND_CPIM : MSRP_SDP_SEND_RAW;
  else
    *mode = raw ? MSRP_SDP_SEND_RAW : MSRP_SDP_SEND_CPIM;
  return 0;
}
