/* SPDX-License-Identifier: MIT
 * Copyright (c) 2026 The libmsrp authors */
/* libFuzzer target for the session engine: whatever a peer sends, the
 * engine answers, reassembles, reports or refuses without crashing,
 * leaking or growing without bound; its own output always parses.
 * The input is fed in pieces whose sizes come from its first byte, and
 * time jumps past the response timeout halfway through. When the first
 * byte is odd the peer never reads: output is not drained after each
 * piece, and what the engine queues must stay within its answer bound
 * (the engine pauses; input it did not take is offered again). */
#include <msrp/engine.h>

#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static size_t delivered;

static void on_message(msrp_engine *e, const msrp_message_info *m,
                       const uint8_t *body, size_t len, void *ud) {
  (void)e;
  (void)ud;
  if (m->total != len)
    abort();
  for (size_t i = 0; i < len; i++)
    delivered += body[i];
}

static void on_data(msrp_engine *e, const msrp_message_info *m, uint64_t off,
                    const uint8_t *d, size_t n, void *ud) {
  (void)e;
  (void)m;
  (void)off;
  (void)ud;
  delivered += n ? d[0] + d[n - 1] : 0;
}

static ssize_t pull(uint64_t off, uint8_t *buf, size_t len, void *ud) {
  (void)ud;
  for (size_t i = 0; i < len; i++)
    buf[i] = (uint8_t)('a' + (off + i) % 26);
  return (ssize_t)len;
}

/* Everything the engine writes must be MSRP our parser understands. */
static void drain(msrp_engine *e, msrp_parser *check, uint64_t now) {
  for (int k = 0; k < 10000; k++) {
    struct iovec iov[64]; /* room for steps of several chunks */
    int n = msrp_engine_output(e, iov, 64);
    if (n <= 0)
      return;
    for (int i = 0; i < n; i++) {
      const uint8_t *p = iov[i].iov_base;
      size_t left = iov[i].iov_len;
      while (left) {
        size_t used;
        msrp_event ev;
        if (msrp_parser_execute(check, p, left, &used, &ev))
          abort();
        p += used;
        left -= used;
      }
    }
    msrp_engine_output_done(e, now);
  }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t len);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t len) {
  if (len < 1)
    return 0;
  size_t piece = 1 + (data[0] >> 1) % 64;
  int stalled = data[0] & 1;
  data++;
  len--;
  static msrp_uri a, b;
  static msrp_path pa, pb;
  if (!a.host) {
    msrp_uri_init(&a, 0, "127.0.0.1", 1001, "aaaa", NULL);
    msrp_uri_init(&b, 0, "127.0.0.1", 2002, "bbbb", NULL);
    pa = (msrp_path){1, &a};
    pb = (msrp_path){1, &b};
  }
  msrp_engine_config cfg = {.local_path = &pa,
                            .remote_path = &pb,
                            .chunk_size = 64,
                            .whole_max = 256,
                            .max_incoming = 4,
                            .max_answer_bytes = 1024,
                            .accept_types = "text/* message/cpim"};
  msrp_engine_callbacks cbs = {.on_message = on_message,
                               .on_message_data = on_data};
  msrp_engine *e;
  msrp_parser *check;
  if (msrp_engine_new(&e, &cfg, &cbs, NULL) || msrp_parser_new(&check, NULL))
    abort();
  /* something of ours in flight, so that responses and REPORTs match */
  msrp_engine_send_message(
      e,
      &(msrp_message_params){.content_type = "text/plain",
                             .data = "0123456789abcdef"
                                     "0123456789abcdef"
                                     "0123456789abcdef"
                                     "0123456789abcdef"
                                     "0123456789",
                             .len = 74,
                             .message_id = "mine1",
                             .success_report = MSRP_REPORT_YES},
      NULL, NULL, NULL);
  /* and a pulled body of many chunks (several to a step), whose chunks'
   * responses the input may bring while a step is still unwritten */
  msrp_engine_send_message(
      e,
      &(msrp_message_params){.content_type = "application/octet-stream",
                             .provider = pull,
                             .size = 1000,
                             .message_id = "mine2",
                             .success_report = MSRP_REPORT_YES},
      NULL, NULL, NULL);
  uint64_t now = 1000;
  drain(e, check, now);
  size_t off = 0;
  bool jumped = false;
  while (off < len) {
    size_t n = len - off < piece ? len - off : piece;
    if (!jumped && off >= len / 2) {
      jumped = true;
      now += 40000;
      msrp_engine_handle_expiry(e, now);
    }
    ssize_t took = msrp_engine_recv(e, data + off, n, now);
    if (took < 0)
      break;
    off += (size_t)took;
    /* an answer may overshoot the bound by one: a 200 and a REPORT */
    if (stalled && msrp_engine_queued_bytes(e) > 4 * 1024 + 74 + 4096)
      abort();
    if (!stalled || ((size_t)took < n && msrp_engine_paused(e))) {
      if (stalled && (size_t)took == 0)
        break; /* a peer that never reads is held here for good */
      drain(e, check, now);
    }
  }
  msrp_engine_free(e);
  msrp_parser_free(check);
  return 0;
}
