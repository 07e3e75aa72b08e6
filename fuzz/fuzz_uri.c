/* SPDX-License-Identifier: MIT
 * Copyright (c) 2026 The libmsrp authors */
/* libFuzzer target for URIs and paths. Besides "no crash, no leak, no
 * undefined behaviour", it checks properties that any caller relies on:
 * a URI that parses formats to text that parses again to an equal URI with
 * the same text; a copy equals its original; equality is reflexive and
 * symmetric; the same holds for a path, whose formatted text parses to an
 * equal path. The first input byte bounds the path length (0 = none). */
#include <msrp/uri.h>

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static char *format_uri(const msrp_uri *u) {
  int n = msrp_uri_format(u, NULL, 0);
  if (n < 0)
    abort();
  char *s = malloc((size_t)n + 1);
  if (s == NULL || msrp_uri_format(u, s, (size_t)n + 1) != n)
    abort();
  return s;
}

static void check_uri(const char *text, size_t len) {
  msrp_uri u = MSRP_URI_INIT;
  if (msrp_uri_parse(&u, text, len) != 0)
    return;
  char *s = format_uri(&u);
  msrp_uri again = MSRP_URI_INIT, copy = MSRP_URI_INIT;
  if (msrp_uri_parse(&again, s, strlen(s)) != 0)
    abort(); /* what we write, we must read */
  char *s2 = format_uri(&again);
  if (strcmp(s, s2) != 0)
    abort(); /* formatting is a fixed point after one round */
  if (!msrp_uri_equal(&u, &u) || !msrp_uri_equal(&u, &again) ||
      !msrp_uri_equal(&again, &u))
    abort();
  if (msrp_uri_copy(&copy, &u) != 0 || !msrp_uri_equal(&copy, &u))
    abort();
  (void)msrp_uri_effective_port(&u);
  free(s);
  free(s2);
  msrp_uri_clear(&u);
  msrp_uri_clear(&again);
  msrp_uri_clear(&copy);
}

static void check_path(const char *text, size_t len, size_t max) {
  msrp_path p = MSRP_PATH_INIT;
  if (msrp_path_parse(&p, text, len, max) != 0)
    return;
  if (p.count == 0 || (max && p.count > max))
    abort();
  int n = msrp_path_format(&p, NULL, 0);
  if (n < 0)
    abort();
  char *s = malloc((size_t)n + 1);
  if (s == NULL || msrp_path_format(&p, s, (size_t)n + 1) != n)
    abort();
  msrp_path again = MSRP_PATH_INIT, copy = MSRP_PATH_INIT;
  if (msrp_path_parse(&again, s, (size_t)n, 0) != 0 ||
      !msrp_path_equal(&p, &again) || again.count != p.count)
    abort();
  if (msrp_path_copy(&copy, &p) != 0 || !msrp_path_equal(&copy, &p))
    abort();
  free(s);
  msrp_path_clear(&p);
  msrp_path_clear(&again);
  msrp_path_clear(&copy);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size == 0)
    return 0;
  size_t max = data[0] & 7;
  const char *text = (const char *)data + 1;
  size_t len = size - 1;
  check_uri(text, len);
  check_path(text, len, max);
  return 0;
}
