/* SPDX-License-Identifier: MIT
 * Copyright (c) 2026 The libmsrp authors */
/* HTTP Digest (RFC 2617) as RFC 4976 uses it for AUTH. */
#include <msrp/auth.h>

#include "core/util.h"

#include <openssl/evp.h>

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

int msrp_digest_parse_challenge(const char *value, msrp_digest_challenge *out) {
  if (!value || !out)
    return MSRP_ERR_INVALID_ARGUMENT;
  msrp_digest_challenge ch = {0};
  const char *p = value;
  while (*p == ' ')
    p++;
  if (!msrp__ieq(p, strcspn(p, " "), "Digest", 6))
    return MSRP_ERR_NOT_SUPPORTED;
  p += 6;
  bool qop_seen = false;
  for (;;) {
    while (*p == ' ' || *p == '\t' || *p == ',')
      p++;
    if (!*p)
      break;
    size_t nlen = strcspn(p, "= \t");
    const char *name = p;
    p += nlen;
    while (*p == ' ' || *p == '\t')
      p++;
    if (*p != '=' || nlen == 0)
      return MSRP_ERR_DIGEST_SYNTAX;
    p++;
    while (*p == ' ' || *p == '\t')
      p++;
    char val[256];
    int rc = take_value(&p, val, sizeof val);
    if (rc)
      return rc;
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
