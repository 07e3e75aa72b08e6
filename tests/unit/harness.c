/* SPDX-License-Identifier: MIT
 * Copyright (c) 2026 The libmsrp authors */
#include "harness.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

static rec_event *push(recording *r) {
  if (r->n == r->cap) {
    r->cap = r->cap ? r->cap * 2 : 16;
    r->ev = realloc(r->ev, r->cap * sizeof *r->ev);
    assert_non_null(r->ev);
  }
  rec_event *e = &r->ev[r->n++];
  memset(e, 0, sizeof *e);
  return e;
}

static void record(recording *r, msrp_parser *p, const msrp_event *ev) {
  if (ev->type == MSRP_EVENT_BODY && r->n > 0 &&
      r->ev[r->n - 1].type == MSRP_EVENT_BODY) {
    rec_event *e = &r->ev[r->n - 1];
    assert_int_equal(e->offset + e->len, ev->offset);
    e->text = realloc(e->text, e->len + ev->len + 1);
    assert_non_null(e->text);
    memcpy(e->text + e->len, ev->data, ev->len);
    e->len += ev->len;
    e->text[e->len] = '\0';
    return;
  }
  rec_event *e = push(r);
  e->type = ev->type;
  e->flag = ev->flag;
  e->segment = ev->segment;
  e->range = ev->range;
  e->offset = ev->offset;
  if (ev->type == MSRP_EVENT_HEADERS) {
    msrp_chunk *c = msrp_parser_take_chunk(p);
    assert_non_null(c);
    assert_ptr_equal(c, ev->chunk);
    r->chunks = realloc(r->chunks, (r->nchunks + 1) * sizeof *r->chunks);
    assert_non_null(r->chunks);
    r->chunks[r->nchunks++] = c;
    struct iovec head;
    assert_int_equal(msrp_chunk_serialize_head(c, &head), 0);
    e->text = malloc(head.iov_len + 1);
    memcpy(e->text, head.iov_base, head.iov_len);
    e->text[head.iov_len] = '\0';
    e->len = head.iov_len;
    e->chunk_err = msrp_chunk_error(c);
  } else if (ev->type == MSRP_EVENT_BODY) {
    e->text = malloc(ev->len + 1);
    memcpy(e->text, ev->data, ev->len);
    e->text[ev->len] = '\0';
    e->len = ev->len;
  }
  assert_true(r->nchunks > 0);
  assert_ptr_equal(ev->chunk, r->chunks[r->nchunks - 1]);
  e->chunk_index = r->nchunks - 1;
}

/* The size of the next piece: `step`, or random up to `max_step`. */
typedef struct splitter {
  size_t step;
  size_t max_step;
  uint64_t state;
} splitter;

static size_t next_piece(splitter *sp) {
  if (!sp->max_step)
    return sp->step;
  /* xorshift64 */
  sp->state ^= sp->state << 13;
  sp->state ^= sp->state >> 7;
  sp->state ^= sp->state << 17;
  return 1 + (size_t)(sp->state % sp->max_step);
}

static void feed(const void *in, size_t len, splitter *sp,
                 const parse_opts *opts, recording *out);

void record_parse(const void *in, size_t len, size_t step,
                  const parse_opts *opts, recording *out) {
  splitter sp = {.step = step ? step : (len ? len : 1)};
  feed(in, len, &sp, opts, out);
}

void record_parse_random(const void *in, size_t len, size_t max_step,
                         uint64_t seed, const parse_opts *opts,
                         recording *out) {
  splitter sp = {.max_step = max_step ? max_step : 1,
                 .state = seed ? seed : 0x9e3779b97f4a7c15ull};
  feed(in, len, &sp, opts, out);
}

static void feed(const void *in, size_t len, splitter *sp,
                 const parse_opts *opts, recording *out) {
  memset(out, 0, sizeof *out);
  msrp_parser *p;
  assert_int_equal(msrp_parser_new(&p, opts ? opts->limits : NULL), 0);
  if (opts && (opts->segment_size || opts->segment_zero))
    msrp_parser_set_segment_size(p,
                                 opts->segment_zero ? 0 : opts->segment_size);
  const uint8_t *data = in;
  size_t off = 0;
  while (off < len || len == 0) {
    size_t step = next_piece(sp);
    size_t piece = len - off < step ? len - off : step;
    const uint8_t *cur = data + off;
    size_t left = piece;
    /* keep calling until the piece is used and no event is pending */
    for (;;) {
      size_t used;
      msrp_event ev;
      int rc = msrp_parser_execute(p, cur, left, &used, &ev);
      assert_true(used <= left);
      if (rc < 0) {
        out->err = rc;
        out->err_pos = msrp_parser_position(p);
        /* a failed parser stays failed */
        assert_int_equal(msrp_parser_execute(p, cur, left, &used, &ev),
                         MSRP_ERR_PARSER_FAILED);
        msrp_parser_free(p);
        return;
      }
      cur += used;
      left -= used;
      if (ev.type == MSRP_EVENT_NONE) {
        assert_int_equal(left, 0);
        break;
      }
      record(out, p, &ev);
    }
    off += piece;
    if (len == 0)
      break;
  }
  msrp_parser_free(p);
}

void recording_free(recording *r) {
  for (size_t i = 0; i < r->n; i++)
    free(r->ev[i].text);
  free(r->ev);
  for (size_t i = 0; i < r->nchunks; i++)
    msrp_chunk_free(r->chunks[i]);
  free(r->chunks);
  memset(r, 0, sizeof *r);
}

void assert_recordings_equal(const recording *a, const recording *b) {
  assert_int_equal(a->err, b->err);
  if (a->err)
    assert_int_equal(a->err_pos, b->err_pos);
  assert_int_equal(a->n, b->n);
  for (size_t i = 0; i < a->n; i++) {
    const rec_event *x = &a->ev[i], *y = &b->ev[i];
    assert_int_equal(x->type, y->type);
    assert_string_equal(msrp_errname(x->chunk_err), msrp_errname(y->chunk_err));
    assert_int_equal(x->len, y->len);
    if (x->len)
      assert_memory_equal(x->text, y->text, x->len);
    assert_int_equal(x->offset, y->offset);
    assert_int_equal(x->flag, y->flag);
    assert_int_equal(x->segment, y->segment);
    assert_int_equal(x->range.start, y->range.start);
    assert_int_equal(x->range.end, y->range.end);
    assert_int_equal(x->range.total, y->range.total);
    assert_int_equal(x->chunk_index, y->chunk_index);
  }
}

void parse_both(const void *in, size_t len, const parse_opts *opts,
                recording *out) {
  recording bytewise;
  record_parse(in, len, 0, opts, out);
  record_parse(in, len, 1, opts, &bytewise);
  assert_recordings_equal(out, &bytewise);
  recording_free(&bytewise);
}

char *recording_body(const recording *r, size_t i, size_t *len) {
  size_t total = 0;
  char *body = malloc(1);
  for (size_t k = 0; k < r->n; k++) {
    const rec_event *e = &r->ev[k];
    if (e->chunk_index != i || e->type != MSRP_EVENT_BODY)
      continue;
    body = realloc(body, total + e->len + 1);
    memcpy(body + total, e->text, e->len);
    total += e->len;
  }
  body[total] = '\0';
  *len = total;
  return body;
}

char *reserialize(const recording *r, size_t *len) {
  size_t total = 0;
  char *all = malloc(1);
  for (size_t i = 0; i < r->nchunks; i++) {
    size_t blen;
    char *body = recording_body(r, i, &blen);
    msrp_chunk_set_body_ref(r->chunks[i], body, blen);
    char *bytes;
    size_t n;
    assert_int_equal(msrp_chunk_to_bytes(r->chunks[i], &bytes, &n), 0);
    msrp_chunk_set_body_ref(r->chunks[i], NULL, 0);
    free(body);
    all = realloc(all, total + n + 1);
    memcpy(all + total, bytes, n);
    total += n;
    free(bytes);
  }
  all[total] = '\0';
  *len = total;
  return all;
}

char *read_file(const char *path, size_t *len) {
  FILE *f = fopen(path, "rb");
  if (!f)
    fail_msg("cannot open %s", path);
  fseek(f, 0, SEEK_END);
  long n = ftell(f);
  fseek(f, 0, SEEK_SET);
  char *buf = malloc((size_t)n + 1);
  assert_int_equal(fread(buf, 1, (size_t)n, f), (size_t)n);
  buf[n] = '\0';
  fclose(f);
  *len = (size_t)n;
  return buf;
}
