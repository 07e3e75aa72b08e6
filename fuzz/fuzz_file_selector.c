/* SPDX-License-Identifier: MIT
 * Copyright (c) 2026 The libmsrp authors */
/* libFuzzer target for RFC 5547 SDP: the input is a media section's text;
 * whatever parses as a file description is written into a fresh media
 * section and read back, and must come back equal (the selector's bytes,
 * the transfer id, the range, the direction); a selector formats to text
 * that parses again to the same; the sanitised name of any name is a safe
 * file name (no '/', no control character, not "." or ".."). */
#include <msrp/chunk.h>
#include <msrp/file_selector.h>
#include <msrp/sdp.h>

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static void check_name(const msrp_file_selector *s) {
  char out[256];
  size_t n = msrp_file_name_sanitize(s->name, s->name_len, out, sizeof out);
  if (n == 0 || n != strlen(out) || !strcmp(out, ".") || !strcmp(out, ".."))
    abort();
  for (size_t i = 0; i < n; i++)
    if (out[i] == '/' || (unsigned char)out[i] < 0x20 || out[i] == 0x7f)
      abort();
}

static void check_selector(const msrp_file_selector *s) {
  int n = msrp_file_selector_format(s, NULL, 0);
  if (n < 0)
    abort();
  char *text = malloc((size_t)n + 1);
  if (!text || msrp_file_selector_format(s, text, (size_t)n + 1) != n)
    abort();
  msrp_file_selector again = MSRP_FILE_SELECTOR_INIT;
  if (msrp_file_selector_parse(&again, text, (size_t)n) != 0)
    abort(); /* what we write, we must read */
  if ((s->name || s->type || s->has_size || s->has_sha1) &&
      !msrp_file_selector_matches(s, &again))
    abort();
  msrp_file_selector_clear(&again);
  free(text);
  if (s->name)
    check_name(s);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  msrp_sdp_media *m;
  if (msrp_sdp_media_parse(&m, (const char *)data, size, 0, NULL) != 0)
    return 0;
  msrp_file_description d = MSRP_FILE_DESCRIPTION_INIT;
  if (msrp_file_description_from_media(&d, m) == 0) {
    if (d.has_selector)
      check_selector(&d.selector);
    msrp_sdp_media *fresh;
    if (msrp_sdp_media_new(&fresh, msrp_sdp_media_path(m), NULL, 0) == 0) {
      if (msrp_file_description_to_media(&d, fresh) == 0) {
        int n = msrp_sdp_media_format(fresh, NULL, 0);
        char *text = n > 0 ? malloc((size_t)n + 1) : NULL;
        if (!text)
          abort();
        msrp_sdp_media_format(fresh, text, (size_t)n + 1);
        msrp_sdp_media *back;
        msrp_file_description e = MSRP_FILE_DESCRIPTION_INIT;
        if (msrp_sdp_media_parse(&back, text, (size_t)n, 0, NULL) != 0 ||
            msrp_file_description_from_media(&e, back) != 0)
          abort(); /* what we write, we must read */
        if (e.has_selector != d.has_selector || e.direction != d.direction ||
            e.has_range != d.has_range ||
            (d.has_range && (e.range_start != d.range_start ||
                             e.range_stop != d.range_stop)) ||
            (!d.transfer_id) != (!e.transfer_id) ||
            (d.transfer_id && strcmp(d.transfer_id, e.transfer_id)) ||
            (d.has_selector &&
             (d.selector.name_len != e.selector.name_len ||
              (d.selector.name &&
               memcmp(d.selector.name, e.selector.name, d.selector.name_len)))))
          abort();
        msrp_file_description_clear(&e);
        msrp_sdp_media_free(back);
        free(text);
      }
      msrp_sdp_media_free(fresh);
    }
    msrp_file_description answer = MSRP_FILE_DESCRIPTION_INIT;
    if (msrp_file_description_answer(&answer, &d) == 0)
      msrp_file_description_clear(&answer);
    msrp_file_description_clear(&d);
  }
  msrp_sdp_media_free(m);
  return 0;
}
