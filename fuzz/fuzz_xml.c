/* SPDX-License-Identifier: MIT
 * Copyright (c) 2026 The libmsrp authors */
/* libFuzzer target for the XML and text payloads of chat: the first byte
 * picks the reader, the rest is its input.
 *   0: is-composing (RFC 3994): what parses builds again, and the built
 *      document parses to the same;
 *   1: IMDN (RFC 5438): the same round trip;
 *   2: a Message/CPIM body asking for notifications (msrp_imdn_request);
 *   3: a nickname (RFC 8266): a prepared nickname prepares to itself, is
 *      equal to itself, and quotes to a Use-Nickname value. */
#include <msrp/chatroom.h>
#include <msrp/cpim.h>
#include <msrp/imdn.h>
#include <msrp/iscomposing.h>

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static void composing(const uint8_t *d, size_t n) {
  msrp_iscomposing a, b;
  if (msrp_iscomposing_parse(d, n, &a))
    return;
  char *x;
  size_t xl;
  if (msrp_iscomposing_build(&a, &x, &xl))
    abort();
  if (msrp_iscomposing_parse(x, xl, &b) || a.state != b.state ||
      a.refresh != b.refresh || a.last_active != b.last_active ||
      strcmp(a.content_type, b.content_type))
    abort();
  free(x);
}

static void imdn(const uint8_t *d, size_t n) {
  msrp_imdn a, b;
  if (msrp_imdn_parse(d, n, &a))
    return;
  char *x;
  size_t xl;
  if (msrp_imdn_build(&a, &x, &xl))
    abort();
  if (msrp_imdn_parse(x, xl, &b) || memcmp(&a, &b, sizeof a))
    abort();
  free(x);
}

static void request(const uint8_t *d, size_t n) {
  msrp_cpim *c;
  if (msrp_cpim_parse(&c, d, n))
    return;
  unsigned flags = 0;
  char id[128], dt[64];
  if (msrp_imdn_request(c, &flags, id, sizeof id, dt) == 0 &&
      (!flags || !id[0] || strlen(id) >= sizeof id || !dt[0]))
    abort();
  (void)msrp_imdn_is_notification(c);
  msrp_cpim_free(c);
}

static void nickname(const uint8_t *d, size_t n) {
  char a[MSRP_NICKNAME_MAX + 1], b[MSRP_NICKNAME_MAX + 1];
  int l = msrp_nickname_prepare((const char *)d, n, a, sizeof a);
  if (l < 0)
    return;
  if ((size_t)l != strlen(a) ||
      msrp_nickname_prepare(a, (size_t)l, b, sizeof b) != l || strcmp(a, b) ||
      msrp_nickname_equal(a, a) != 1)
    abort();
  char q[2 * MSRP_NICKNAME_MAX + 3];
  if (msrp_nickname_quote(a, q, sizeof q) < 0)
    abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size < 1)
    return 0;
  switch (data[0] & 3) {
  case 0:
    composing(data + 1, size - 1);
    break;
  case 1:
    imdn(data + 1, size - 1);
    break;
  case 2:
    request(data + 1, size - 1);
    break;
  default:
    nickname(data + 1, size - 1);
  }
  return 0;
}
