/* SPDX-License-Identifier: MIT
 * Copyright (c) 2026 The libmsrp authors */
/* The MSRP grammar written out; see wire.h. */
#include "core/wire.h"

#include <msrp/chunk.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int msrp__wire_request_line(msrp__buf *b, const char *tid, size_t tid_len,
                            const char *method) {
  int rc = msrp__buf_append(b, "MSRP ", 5);
  rc |= msrp__buf_append(b, tid, tid_len);
  rc |= msrp__buf_append(b, " ", 1);
  rc |= msrp__buf_append_str(b, method);
  rc |= msrp__buf_append(b, "\r\n", 2);
  return rc ? MSRP_ERR_NOMEM : 0;
}

int msrp__wire_response_line(msrp__buf *b, const char *tid, size_t tid_len,
                             int code, const char *comment) {
  char digits[4] = {(char)('0' + code / 100 % 10), (char)('0' + code / 10 % 10),
                    (char)('0' + code % 10), 0};
  int rc = msrp__buf_append(b, "MSRP ", 5);
  rc |= msrp__buf_append(b, tid, tid_len);
  rc |= msrp__buf_append(b, " ", 1);
  rc |= msrp__buf_append(b, digits, 3);
  if (comment) {
    rc |= msrp__buf_append(b, " ", 1);
    rc |= msrp__buf_append_str(b, comment);
  }
  rc |= msrp__buf_append(b, "\r\n", 2);
  return rc ? MSRP_ERR_NOMEM : 0;
}

int msrp__wire_header(msrp__buf *b, const char *name, const char *value) {
  int rc = msrp__buf_append_str(b, name);
  rc |= msrp__buf_append(b, ": ", 2);
  rc |= msrp__buf_append_str(b, value);
  rc |= msrp__buf_append(b, "\r\n", 2);
  return rc ? MSRP_ERR_NOMEM : 0;
}

static int put_bound(msrp__buf *b, uint64_t v) {
  return v == MSRP_BYTE_RANGE_UNKNOWN ? msrp__buf_append(b, "*", 1)
                                      : msrp__buf_append_u64(b, v);
}

int msrp__wire_byte_range(msrp__buf *b, uint64_t start, uint64_t end,
                          uint64_t total) {
  int rc = msrp__buf_append_str(b, "Byte-Range: ");
  rc |= msrp__buf_append_u64(b, start);
  rc |= msrp__buf_append(b, "-", 1);
  rc |= put_bound(b, end);
  rc |= msrp__buf_append(b, "/", 1);
  rc |= put_bound(b, total);
  rc |= msrp__buf_append(b, "\r\n", 2);
  return rc ? MSRP_ERR_NOMEM : 0;
}

int msrp__wire_end_line(msrp__buf *b, bool after_body, const char *tid,
                        size_t tid_len, char flag) {
  int rc = after_body ? msrp__buf_append(b, "\r\n", 2) : 0;
  rc |= msrp__buf_append(b, "-------", 7);
  rc |= msrp__buf_append(b, tid, tid_len);
  rc |= msrp__buf_append(b, &flag, 1);
  rc |= msrp__buf_append(b, "\r\n", 2);
  return rc ? MSRP_ERR_NOMEM : 0;
}

char *msrp__wire_paths(const msrp_path *to, const msrp_path *from) {
  int a = msrp_path_format(to, NULL, 0), c = msrp_path_format(from, NULL, 0);
  if (a < 0 || c < 0)
    return NULL;
  size_t n = (size_t)a + (size_t)c + 32;
  char *s = malloc(n);
  if (!s)
    return NULL;
  size_t k = (size_t)snprintf(s, n, "To-Path: ");
  msrp_path_format(to, s + k, n - k);
  k += (size_t)a;
  k += (size_t)snprintf(s + k, n - k, "\r\nFrom-Path: ");
  msrp_path_format(from, s + k, n - k);
  k += (size_t)c;
  snprintf(s + k, n - k, "\r\n");
  return s;
}
