/* SPDX-License-Identifier: MIT
 * Copyright (c) 2026 The libmsrp authors */
/* The MSRP grammar written out (RFC 4975 section 9): start lines, header
 * lines, Byte-Range, end-lines. The one renderer of the wire format: the
 * chunk serializer (chunk.c) and the session engine's fast paths (SEND
 * heads, 200s, REPORTs) both build from these. Each appends to a buffer and
 * returns 0 or MSRP_ERR_NOMEM. Not part of the API. */
#ifndef MSRP_CORE_WIRE_H
#define MSRP_CORE_WIRE_H

#include "core/util.h"

#include <msrp/uri.h>

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* "MSRP " tid SP method CRLF */
int msrp__wire_request_line(msrp__buf *b, const char *tid, size_t tid_len,
                            const char *method);
/* "MSRP " tid SP code [SP comment] CRLF */
int msrp__wire_response_line(msrp__buf *b, const char *tid, size_t tid_len,
                             int code, const char *comment);
/* name ": " value CRLF */
int msrp__wire_header(msrp__buf *b, const char *name, const char *value);
/* "Byte-Range: " start "-" end "/" total CRLF; MSRP_BYTE_RANGE_UNKNOWN
 * for end or total writes "*" */
int msrp__wire_byte_range(msrp__buf *b, uint64_t start, uint64_t end,
                          uint64_t total);
/* [CRLF, when the chunk has a body] "-------" tid flag CRLF */
int msrp__wire_end_line(msrp__buf *b, bool after_body, const char *tid,
                        size_t tid_len, char flag);
/* "To-Path: " to CRLF "From-Path: " from CRLF, as a malloc'd string (NULL
 * when out of memory). */
char *msrp__wire_paths(const msrp_path *to, const msrp_path *from);

#endif
