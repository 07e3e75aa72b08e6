/* SPDX-License-Identifier: MIT
 * Copyright (c) 2026 The libmsrp authors */
/* libFuzzer target for the streaming parser. Besides "no crash, no leak,
 * no undefined behaviour", it checks a property: the events do not depend
 * on how the input is split. The input is parsed whole and in pieces of a
 * size taken from its first byte; a digest of the events (body bytes merged,
 * serialized heads, chunk errors, flags, ranges, the error and where it
 * happened) must be the same both ways. */
#include <msrp/parser.h>

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

typedef struct digest {
  uint64_t h;
  int err;
  uint64_t err_pos;
  msrp_event_type last;
} digest;

static void mix(digest *d, const void *p, size_t n) {
  const uint8_t *b = p;
  for (size_t i = 0; i < n; i++)
    d->h = (d->h ^ b[i]) * 0x100000001b3ull;
}

static void mix_u64(digest *d, uint64_t v) {
  mix(d, &v, sizeof v);
}

static void run(const uint8_t *data, size_t len, size_t piece, size_t seg,
                digest *d) {
  memset(d, 0, sizeof *d);
  d->h = 0xcbf29ce484222325ull;
  msrp_parser *p;
  if (msrp_parser_new(&p, NULL))
    abort();
  if (seg)
    msrp_parser_set_segment_size(p, seg);
  for (size_t off = 0; off < len; off += piece) {
    size_t left = len - off < piece ? len - off : piece;
    const uint8_t *in = data + off;
    for (;;) {
      size_t used;
      msrp_event ev;
      int rc = msrp_parser_execute(p, in, left, &used, &ev);
      if (rc) {
        d->err = rc;
        d->err_pos = msrp_parser_position(p);
        msrp_parser_free(p);
        return;
      }
      in += used;
      left -= used;
      if (ev.type == MSRP_EVENT_NONE)
        break;
      if (ev.type == MSRP_EVENT_BODY) {
        /* body slices merge: only their bytes count, not their cut */
        mix(d, ev.data, ev.len);
        continue;
      }
      mix_u64(d, ev.type);
      mix_u64(d, (uint64_t)ev.flag);
      mix_u64(d, ev.segment);
      mix_u64(d, ev.range.start);
      mix_u64(d, ev.range.end);
      mix_u64(d, ev.range.total);
      if (ev.type == MSRP_EVENT_HEADERS) {
        struct iovec head;
        if (msrp_chunk_serialize_head(ev.chunk, &head))
          abort();
        mix(d, head.iov_base, head.iov_len);
        mix_u64(d, (uint64_t)(int64_t)msrp_chunk_error(ev.chunk));
      }
    }
  }
  msrp_parser_free(p);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t len);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t len) {
  if (len < 2)
    return 0;
  size_t piece = 1 + data[0] % 23;
  size_t seg = data[1] % 4 == 0 ? 0 : (size_t)(data[1] % 64) + 1;
  data += 2;
  len -= 2;
  digest whole, split;
  run(data, len, len ? len : 1, seg, &whole);
  run(data, len, piece, seg, &split);
  if (whole.h != split.h || whole.err != split.err ||
      whole.err_pos != split.err_pos)
    abort();
  return 0;
}
