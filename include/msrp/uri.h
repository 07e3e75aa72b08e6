/* SPDX-License-Identifier: MIT
 * Copyright (c) 2026 The libmsrp authors */
/** @file
 * libmsrp — MSRP URIs and paths (RFC 4975 sections 6 and 9).
 *
 *     msrp://bob.example.com:8888/9di4eae923wzd;tcp
 *     msrps://alice@[2001:db8::1]:2855/s.1=x;tcp;foo=bar
 *
 * An msrp_uri is a plain struct the caller owns; its string members point
 * into one block the struct owns, released by msrp_uri_clear(). Read the
 * members freely; change them only through the setters (the integer `port`
 * may be assigned directly).
 */
#ifndef MSRP_URI_H
#define MSRP_URI_H

#include <msrp/common.h>

#ifdef __cplusplus
extern "C" {
#endif

/** The port MSRP uses when a URI names none (RFC 4975 section 15.3). */
#define MSRP_DEFAULT_PORT 2855

typedef enum msrp_host_type {
  MSRP_HOST_NAME = 0, /**< a DNS name (or anything reg-name allows) */
  MSRP_HOST_IPV4 = 1, /**< dotted quad */
  MSRP_HOST_IPV6 = 2  /**< written in brackets in the URI, stored without */
} msrp_host_type;

typedef struct msrp_uri {
  int use_tls;              /**< 1 for msrps:, 0 for msrp: */
  const char *scheme;       /**< as written: "msrp", "MSRPS", ... */
  const char *user;         /**< userinfo as written (no "@"), or NULL */
  const char *host;         /**< host as written; IPv6 without brackets */
  msrp_host_type host_type; /**< what kind of host it is */
  int port;                 /**< 1..65535, or 0 when the URI has none */
  const char *session_id;   /**< after the "/", or NULL if absent */
  const char *transport;    /**< "tcp" or another token, as written */
  const char *params;       /**< further ";name[=value]" params, as written
                               without the leading ";", or NULL */
  char *mem_;               /**< owns the strings above; internal */
} msrp_uri;

/** An all-empty URI; safe to pass to msrp_uri_clear(). */
#define MSRP_URI_INIT                                                          \
  { 0, NULL, NULL, NULL, MSRP_HOST_NAME, 0, NULL, NULL, NULL, NULL }

/** Parse `len` bytes of `text` (no NUL needed) into `*out`, which must be
 * cleared or freshly initialised (its old contents are not released).
 * Errors: MSRP_ERR_URI_* naming the broken rule, MSRP_ERR_NOMEM,
 * MSRP_ERR_INVALID_ARGUMENT. On failure `*out` is untouched. */
MSRP_API int msrp_uri_parse(msrp_uri *out, const char *text, size_t len);

/** Build a URI from parts, copying each string. `host` may be an IPv6
 * address with or without brackets; `session_id` NULL means none;
 * `transport` NULL means "tcp". Errors as msrp_uri_parse(). */
MSRP_API int msrp_uri_init(msrp_uri *out, int use_tls, const char *host,
                           int port, const char *session_id,
                           const char *transport);

/** Like msrp_uri_init() with a fresh random session-id of 80 bits or more,
 * as RFC 4975 section 14.1 asks for a URI that will be put in SDP. */
MSRP_API int msrp_uri_init_random(msrp_uri *out, int use_tls, const char *host,
                                  int port);

/** Release what `uri` owns and reset it to MSRP_URI_INIT. NULL is ignored. */
MSRP_API void msrp_uri_clear(msrp_uri *uri);

/** Deep copy. `*dst` must be cleared; on failure it stays cleared. */
MSRP_API int msrp_uri_copy(msrp_uri *dst, const msrp_uri *src);

/** Replace one part (copying the string). `session_id` and `user` may be
 * NULL to remove that part. Errors as msrp_uri_parse(); on failure the URI
 * is unchanged. */
MSRP_API int msrp_uri_set_host(msrp_uri *uri, const char *host);
MSRP_API int msrp_uri_set_session_id(msrp_uri *uri, const char *session_id);
MSRP_API int msrp_uri_set_user(msrp_uri *uri, const char *user);

/** The port to connect to: `port`, or MSRP_DEFAULT_PORT when absent. */
MSRP_API int msrp_uri_effective_port(const msrp_uri *uri);

/** Write the URI as text, snprintf-style: at most `size` bytes including the
 * terminating NUL; returns the length the whole text needs (without NUL),
 * or a negative error. The text of a parsed URI is what was parsed, except
 * that a port written with leading zeros comes out without them. */
MSRP_API int msrp_uri_format(const msrp_uri *uri, char *buf, size_t size);

/** Equality by RFC 4975 section 6.1: scheme and transport case-insensitive;
 * userinfo ignored; host case-insensitive (IPv6 and IPv4 by address value);
 * a URI with a port never equals one without; session-id case-sensitive, and
 * present in both or absent in both. Returns 1 if equal, 0 if not. */
MSRP_API int msrp_uri_equal(const msrp_uri *a, const msrp_uri *b);

/** A path: the URIs of a To-Path, From-Path or Use-Path header, in order.
 * The caller owns the struct; msrp_path_clear() releases the URIs. */
typedef struct msrp_path {
  size_t count;
  msrp_uri *uris;
} msrp_path;

#define MSRP_PATH_INIT                                                         \
  { 0, NULL }

/** Parse a space-separated list of URIs (one or more spaces between them;
 * leading and trailing spaces ignored). `max_uris` bounds how many are
 * accepted (0 = no bound): more give MSRP_ERR_LIMIT_PATH_LENGTH. An empty
 * list gives MSRP_ERR_URI_SYNTAX. On failure `*out` is untouched. */
MSRP_API int msrp_path_parse(msrp_path *out, const char *text, size_t len,
                             size_t max_uris);

/** Append a copy of `uri`. */
MSRP_API int msrp_path_append(msrp_path *path, const msrp_uri *uri);

/** Deep copy into a cleared `*dst`. */
MSRP_API int msrp_path_copy(msrp_path *dst, const msrp_path *src);

MSRP_API void msrp_path_clear(msrp_path *path);

/** Format as URIs separated by one space; snprintf-style like
 * msrp_uri_format(). */
MSRP_API int msrp_path_format(const msrp_path *path, char *buf, size_t size);

/** 1 if both paths have the same length and equal URIs in order. */
MSRP_API int msrp_path_equal(const msrp_path *a, const msrp_path *b);

#ifdef __cplusplus
}
#endif
#endif
