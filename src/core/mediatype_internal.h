/* SPDX-License-Identifier: MIT
 * Copyright (c) 2026 The libmsrp authors */
/* What the SDP code shares with the media-type lists. Not part of the API.
 */
#ifndef MSRP_CORE_MEDIATYPE_INTERNAL_H
#define MSRP_CORE_MEDIATYPE_INTERNAL_H

#include <msrp/mediatype.h>

#include "core/span.h"

#include <stdbool.h>

/* A media type or pattern: "*" (any), "type/\*" or "type/subtype". */
typedef struct msrp__media_type {
  bool any;
  msrp__span type;
  msrp__span sub; /* "*" for type/\* */
} msrp__media_type;

/* A concrete type to send or look up: type/subtype without wildcards,
 * ";parameters" and blanks around dropped. */
bool msrp__media_type_concrete(const char *text, msrp__media_type *out);
/* Whether an entry of `t` admits `q`. */
bool msrp__types_admit(const msrp_media_types *t, const msrp__media_type *q);
/* Check and copy caller-given types into a cleared list
 * (MSRP_ERR_INVALID_ARGUMENT for a malformed one). */
int msrp__types_from_array(msrp_media_types *out, const char *const *types,
                           size_t n);
/* A space-separated list (one or more entries) into a cleared list;
 * MSRP_ERR_MEDIA_TYPE if malformed. */
int msrp__types_parse(msrp_media_types *out, msrp__span v);

#endif
