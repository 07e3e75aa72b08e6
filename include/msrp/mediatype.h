/* SPDX-License-Identifier: MIT
 * Copyright (c) 2026 The libmsrp authors */
/** @file
 * libmsrp — media-type lists, as a=accept-types and a=accept-wrapped-types
 * write them (RFC 4975 sections 8 and 9), and their wildcard algebra: does
 * a list admit a type, what do two lists both admit. The SDP media
 * description (sdp.h) and the session engine's 415 (engine.h) use them.
 */
#ifndef MSRP_MEDIATYPE_H
#define MSRP_MEDIATYPE_H

#include <msrp/common.h>

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/** A list of media types as a=accept-types writes them: "text/plain",
 * "text/\*" or "*". A plain struct; msrp_media_types_clear() releases it. */
typedef struct msrp_media_types {
  size_t count;
  char **types;
} msrp_media_types;

#define MSRP_MEDIA_TYPES_INIT                                                  \
  { 0, NULL }

/** Release what `t` owns and reset it to MSRP_MEDIA_TYPES_INIT. NULL is
 * ignored. */
MSRP_API void msrp_media_types_clear(msrp_media_types *t);

/** Parse a space-separated list of entries (the value of a=accept-types)
 * into `*out`; a blank text gives an empty list. MSRP_ERR_MEDIA_TYPE for
 * an entry that is not "*", "type/\*" or "type/subtype";
 * MSRP_ERR_INVALID_ARGUMENT, MSRP_ERR_NOMEM. On failure `*out` is empty. */
MSRP_API int msrp_media_types_parse(msrp_media_types *out, const char *text);

/** 1 if an entry of `t` admits the media type `type` ("text/plain"; any
 * ";parameters" are ignored), 0 if not or if `type` is not type/subtype.
 * "*" admits every type (as does a "*" type with a "*" subtype), "text/\*"
 * every text type; case does not count. */
MSRP_API int msrp_media_types_contain(const msrp_media_types *t,
                                      const char *type);

/** The types both lists admit, into a cleared `*out`: for each entry of `a`
 * in order, its meet with each entry of `b` in order ("*" and "text/plain"
 * give "text/plain"; "text/\*" and "text/html" give "text/html"; "text/\*"
 * and "image/\*" give nothing), leaving out an entry another result already
 * covers ("text/plain" goes when "text/\*" is in). A result is spelled as
 * in the list of the narrower entry, `b` when both are equal. Errors:
 * MSRP_ERR_INVALID_ARGUMENT, MSRP_ERR_NOMEM; on failure `*out` stays
 * cleared. */
MSRP_API int msrp_media_types_intersect(msrp_media_types *out,
                                        const msrp_media_types *a,
                                        const msrp_media_types *b);

#ifdef __cplusplus
}
#endif
#endif
