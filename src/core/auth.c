/* SPDX-License-Identifier: MIT
 * Copyright (c) 2026 The libmsrp authors */
/* HTTP Digest (RFC 2617) as RFC 4976 uses it for AUTH. */
#include <msrp/auth.h>

#include "core/util.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <ctype.h>
#include <stdlib.h>

#include <stdio.h>
#include <string.h>

/* Copy a quoted-string or token value starting at *p into out; advance. */
static int take_value(const char **p, char *out, size_t size) {
  const char *s = *p;
  size_t n = 0;
  if (*s == '"') {
    s++;
    while (*s && *s != '"') {
      if (*s == '\\' && s[1])
        s++;
      if (n + 1 >= size)
        return MSRP_ERR_DIGEST_SYNTAX;
      out[n++] = *s++;
    }
    if (*s != '"')
      return MSRP_ERR_DIGEST_SYNTAX;
    s++;
  } else {
    while (*s && *s != ',' && *s != ' ' && *s != '\t') {
      if (n + 1 >= size)
        return MSRP_ERR_DIGEST_SYNTAX;
      out[n++] = *s++;
    }
  }
  out[n] = '\0';
  *p = s;
  return 0;
}

/* The next `name=value` of a Digest header value at *p: 1 with the name
 * (not NUL-terminated) and its value, 0 at the end, or an error. */
static int next_param(const char **p, const char **name, size_t *nlen,
                      char *val, size_t vsize) {
  const char *s = *p;
  while (*s == ' ' || *s == '\t' || *s == ',')
    s++;
  if (!*s)
    return 0;
  *nlen = strcspn(s, "= \t");
  *name = s;
  s += *nlen;
  while (*s == ' ' || *s == '\t')
    s++;
  if (*s != '=' || *nlen == 0)
    return MSRP_ERR_DIGEST_SYNTAX;
  s++;
  while (*s == ' ' || *s == '\t')
    s++;
  int rc = take_value(&s, val, vsize);
  *p = s;
  return rc ? rc : 1;
}

/* Past "Digest" at the start of a header value, or NULL. */
static const char *after_scheme(const char *value) {
  const char *p = value;
  while (*p == ' ')
    p++;
  if (!msrp__ieq(p, strcspn(p, " "), "Digest", 6))
    return NULL;
  return p + 6;
}

int msrp_digest_parse_challenge(const char *value, msrp_digest_challenge *out) {
  if (!value || !out)
    return MSRP_ERR_INVALID_ARGUMENT;
  msrp_digest_challenge ch = {0};
  const char *p = after_scheme(value);
  if (!p)
    return MSRP_ERR_NOT_SUPPORTED;
  bool qop_seen = false;
  const char *name;
  size_t nlen;
  char val[256];
  int rc;
  while ((rc = next_param(&p, &name, &nlen, val, sizeof val)) == 1) {
    if (msrp__ieq_lit(name, nlen, "realm")) {
      memcpy(ch.realm, val, sizeof val);
    } else if (msrp__ieq_lit(name, nlen, "nonce")) {
      memcpy(ch.nonce, val, sizeof val);
    } else if (msrp__ieq_lit(name, nlen, "opaque")) {
      memcpy(ch.opaque, val, sizeof val);
    } else if (msrp__ieq_lit(name, nlen, "stale")) {
      ch.stale = msrp__ieq_lit(val, strlen(val), "true");
    } else if (msrp__ieq_lit(name, nlen, "algorithm")) {
      if (!msrp__ieq_lit(val, strlen(val), "MD5"))
        return MSRP_ERR_NOT_SUPPORTED;
    } else if (msrp__ieq_lit(name, nlen, "qop")) {
      qop_seen = true;
      /* a list such as "auth,auth-int": we speak "auth" */
      for (const char *q = val; *q;) {
        size_t n = strcspn(q, ", ");
        if (msrp__ieq_lit(q, n, "auth"))
          ch.qop_auth = 1;
        q += n;
        while (*q == ',' || *q == ' ')
          q++;
      }
    }
    /* other parameters (domain, ...) are not ours to use */
  }
  if (rc < 0)
    return rc;
  if (!ch.realm[0] || !ch.nonce[0])
    return MSRP_ERR_DIGEST_SYNTAX;
  if (qop_seen && !ch.qop_auth)
    return MSRP_ERR_NOT_SUPPORTED;
  *out = ch;
  return 0;
}

/* Lower-case hex MD5 of the parts joined by ':'. */
static int md5_hex(char out[33], const char *const *parts, size_t n) {
  EVP_MD_CTX *ctx = EVP_MD_CTX_new();
  unsigned char md[16];
  unsigned int len = 0;
  int ok = ctx && EVP_DigestInit_ex(ctx, EVP_md5(), NULL);
  for (size_t i = 0; ok && i < n; i++)
    ok = (i == 0 || EVP_DigestUpdate(ctx, ":", 1)) &&
         EVP_DigestUpdate(ctx, parts[i], strlen(parts[i]));
  ok = ok && EVP_DigestFinal_ex(ctx, md, &len) && len == 16;
  EVP_MD_CTX_free(ctx);
  if (!ok)
    return MSRP_ERR_NOT_SUPPORTED; /* MD5 unavailable (a FIPS provider) */
  for (int i = 0; i < 16; i++)
    snprintf(out + 2 * i, 3, "%02x", md[i]);
  return 0;
}

static bool quotable(const char *s) {
  for (; *s; s++)
    if (*s == '"' || *s == '\\' || msrp__is_ctl((unsigned char)*s))
      return false;
  return true;
}

int msrp_digest_authorization(const msrp_digest_challenge *ch,
                              const char *username, const char *password,
                              const char *method, const char *uri,
                              const char *cnonce, unsigned nc, char *out,
                              size_t size) {
  if (!ch || !username || !password || !method || !uri || !quotable(username) ||
      !quotable(uri) || !quotable(ch->realm) || !quotable(ch->nonce) ||
      !quotable(ch->opaque) || (cnonce && !quotable(cnonce)))
    return MSRP_ERR_INVALID_ARGUMENT;
  char ha1[33], ha2[33], resp[33], cn[17], ncs[9];
  const char *a1[] = {username, ch->realm, password};
  const char *a2[] = {method, uri};
  int rc = md5_hex(ha1, a1, 3);
  if (!rc)
    rc = md5_hex(ha2, a2, 2);
  if (rc)
    return rc;
  if (ch->qop_auth) {
    if (!cnonce) {
      if ((rc = msrp__secret_token(cn, 16)))
        return rc;
      cnonce = cn;
    }
    snprintf(ncs, sizeof ncs, "%08x", nc);
    const char *r[] = {ha1, ch->nonce, ncs, cnonce, "auth", ha2};
    rc = md5_hex(resp, r, 6);
  } else {
    const char *r[] = {ha1, ch->nonce, ha2};
    rc = md5_hex(resp, r, 3);
  }
  if (rc)
    return rc;
  int n = snprintf(out, size,
                   "Digest username=\"%s\", realm=\"%s\", nonce=\"%s\", "
                   "uri=\"%s\", response=\"%s\", algorithm=MD5",
                   username, ch->realm, ch->nonce, uri, resp);
  if (n < 0)
    return MSRP_ERR_INVALID_ARGUMENT;
  size_t k = (size_t)n;
  if (ch->qop_auth)
    k += (size_t)snprintf(k < size ? out + k : NULL, k < size ? size - k : 0,
                          ", cnonce=\"%s\", nc=%s, qop=auth", cnonce, ncs);
  if (ch->opaque[0])
    k += (size_t)snprintf(k < size ? out + k : NULL, k < size ? size - k : 0,
                          ", opaque=\"%s\"", ch->opaque);
  return (int)k;
}

/* ---- the relay's side -------------------------------------------------- */

int msrp_digest_parse_authorization(const char *value,
                                    msrp_digest_credentials *out) {
  if (!value || !out)
    return MSRP_ERR_INVALID_ARGUMENT;
  msrp_digest_credentials c;
  memset(&c, 0, sizeof c);
  const char *p = after_scheme(value);
  if (!p)
    return MSRP_ERR_NOT_SUPPORTED;
  const char *name;
  size_t nlen;
  char val[512];
  int rc;
  bool qop_seen = false;
#define TAKE(field)                                                            \
  do {                                                                         \
    if (strlen(val) >= sizeof c.field)                                         \
      return MSRP_ERR_DIGEST_SYNTAX;                                           \
    memcpy(c.field, val, strlen(val) + 1);                                     \
  } while (0)
  while ((rc = next_param(&p, &name, &nlen, val, sizeof val)) == 1) {
    if (msrp__ieq_lit(name, nlen, "username"))
      TAKE(username);
    else if (msrp__ieq_lit(name, nlen, "realm"))
      TAKE(realm);
    else if (msrp__ieq_lit(name, nlen, "nonce"))
      TAKE(nonce);
    else if (msrp__ieq_lit(name, nlen, "uri"))
      TAKE(uri);
    else if (msrp__ieq_lit(name, nlen, "response"))
      TAKE(response);
    else if (msrp__ieq_lit(name, nlen, "cnonce"))
      TAKE(cnonce);
    else if (msrp__ieq_lit(name, nlen, "nc"))
      TAKE(nc);
    else if (msrp__ieq_lit(name, nlen, "opaque"))
      TAKE(opaque);
    else if (msrp__ieq_lit(name, nlen, "qop")) {
      if (!msrp__ieq_lit(val, strlen(val), "auth"))
        return MSRP_ERR_NOT_SUPPORTED;
      qop_seen = true;
    } else if (msrp__ieq_lit(name, nlen, "algorithm")) {
      if (!msrp__ieq_lit(val, strlen(val), "MD5"))
        return MSRP_ERR_NOT_SUPPORTED;
    }
  }
#undef TAKE
  if (rc < 0)
    return rc;
  if (!c.username[0] || !c.realm[0] || !c.nonce[0] || !c.uri[0] ||
      strlen(c.response) != 32 || (qop_seen && (!c.cnonce[0] || !c.nc[0])))
    return MSRP_ERR_DIGEST_SYNTAX;
  c.qop_auth = qop_seen;
  *out = c;
  return 0;
}

int msrp_digest_ha1(const char *username, const char *realm,
                    const char *password, char out[33]) {
  if (!username || !realm || !password || !out)
    return MSRP_ERR_INVALID_ARGUMENT;
  const char *a1[] = {username, realm, password};
  return md5_hex(out, a1, 3);
}

/* The MAC of a nonce's time and the address it was given to. */
static int nonce_mac(const uint8_t key[32], const char *stamp,
                     const char *bound, char out[33]) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  char msg[320];
  int n = snprintf(msg, sizeof msg, "%s|%s", stamp, bound ? bound : "");
  if (n < 0 || (size_t)n >= sizeof msg)
    return MSRP_ERR_INVALID_ARGUMENT;
  if (!HMAC(EVP_sha256(), key, 32, (const unsigned char *)msg, (size_t)n, md,
            &len) ||
      len < 16)
    return MSRP_ERR_NOT_SUPPORTED;
  for (int i = 0; i < 16; i++)
    snprintf(out + 2 * i, 3, "%02x", md[i]);
  return 0;
}

int msrp_digest_make_nonce(const uint8_t key[32], uint64_t now_s,
                           const char *bound,
                           char out[MSRP_DIGEST_NONCE_SIZE]) {
  if (!key || !out)
    return MSRP_ERR_INVALID_ARGUMENT;
  char stamp[17], mac[33];
  snprintf(stamp, sizeof stamp, "%016llx", (unsigned long long)now_s);
  int rc = nonce_mac(key, stamp, bound, mac);
  if (rc)
    return rc;
  snprintf(out, MSRP_DIGEST_NONCE_SIZE, "%s%s", stamp, mac);
  return 0;
}

int msrp_digest_check_nonce(const uint8_t key[32], const char *nonce,
                            uint64_t now_s, uint64_t lifetime_s,
                            const char *bound) {
  if (!key || !nonce)
    return MSRP_ERR_INVALID_ARGUMENT;
  if (strlen(nonce) != MSRP_DIGEST_NONCE_SIZE - 1)
    return MSRP_ERR_RELAY_AUTH;
  char stamp[17], mac[33];
  memcpy(stamp, nonce, 16);
  stamp[16] = '\0';
  for (int i = 0; i < 16; i++)
    if (!isxdigit((unsigned char)stamp[i]))
      return MSRP_ERR_RELAY_AUTH;
  int rc = nonce_mac(key, stamp, bound, mac);
  if (rc)
    return rc;
  if (CRYPTO_memcmp(mac, nonce + 16, 32) != 0)
    return MSRP_ERR_RELAY_AUTH; /* not one of ours, or not for this peer */
  uint64_t t = strtoull(stamp, NULL, 16);
  if (t > now_s || now_s - t > lifetime_s)
    return MSRP_ERR_DIGEST_STALE;
  return 0;
}

int msrp_digest_check_response(const msrp_digest_credentials *c,
                               const char *ha1, const char *method) {
  if (!c || !ha1 || !method || strlen(ha1) != 32)
    return MSRP_ERR_INVALID_ARGUMENT;
  char ha2[33], resp[33];
  const char *a2[] = {method, c->uri};
  int rc = md5_hex(ha2, a2, 2);
  if (rc)
    return rc;
  char h1[33];
  for (int i = 0; i < 33; i++)
    h1[i] = (char)tolower((unsigned char)ha1[i]);
  if (c->qop_auth) {
    const char *r[] = {h1, c->nonce, c->nc, c->cnonce, "auth", ha2};
    rc = md5_hex(resp, r, 6);
  } else {
    const char *r[] = {h1, c->nonce, ha2};
    rc = md5_hex(resp, r, 3);
  }
  if (rc)
    return rc;
  char given[33];
  for (int i = 0; i < 33; i++)
    given[i] = (char)tolower((unsigned char)c->response[i]);
  return CRYPTO_memcmp(resp, given, 32) == 0 ? 0 : MSRP_ERR_RELAY_AUTH;
}
