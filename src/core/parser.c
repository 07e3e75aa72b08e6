/* SPDX-License-Identifier: MIT
 * Copyright (c) 2026 The libmsrp authors */
#include <msrp/parser.h>

#include "core/chunk_internal.h"
#include "core/util.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

enum state {
  S_START_LINE,  /* collecting the start line */
  S_HEADERS,     /* collecting header lines */
  S_END_PENDING, /* headers reported; an end-line came right after them */
  S_BODY,        /* streaming the body, looking for the end-line */
  S_FAILED
};

/* "\r\n-------" tid flag "\r\n": the body ends at the first occurrence. */
#define DELIM_PREFIX "\r\n-------"
#define DELIM_PREFIX_LEN 9

struct msrp_parser {
  msrp_parser_limits lim;
  enum state state;
  uint64_t pos;

  msrp_chunk *chunk;
  bool owned;

  /* header phase: one line at a time, bounded by max_header_bytes */
  char *line;
  size_t line_len;
  size_t line_cap;
  size_t header_bytes;
  size_t header_count;
  char pending_flag;

  /* body phase: the end-line matcher. hold[0..m) are the bytes matched so
   * far that came from earlier input; the first `virt` of them are the
   * empty line's CRLF, not body. emit_off..emit_len of hold are confirmed
   * body still to be handed out. */
  const char *tid;
  size_t tid_len;
  size_t delim_len;
  uint8_t *hold;
  size_t m;
  size_t virt;
  size_t emit_off;
  size_t emit_len;
  uint64_t body_off;

  /* virtual chunks */
  size_t seg_size;
  size_t next_seg_size;
  size_t seg_fill;
  uint64_t seg_start;
  unsigned segment;
  bool seg_due;
};

static void limits_default(msrp_parser_limits *l) {
  l->max_header_bytes = 16384;
  l->max_header_count = 64;
  l->max_path_uris = 32;
  l->max_tid_length = 64;
  l->max_method_length = 32;
}

void msrp_parser_limits_default_sized(msrp_parser_limits *limits,
                                      size_t limits_size) {
  msrp_parser_limits l = {0};
  limits_default(&l);
  if (limits) /* no more than the caller's struct holds */
    msrp__abi_out(limits, limits_size, &l, sizeof l);
}

/* Take `limits` (0 fields: defaults) with the end-line buffer they need. */
static int apply_limits(msrp_parser *p, const msrp_parser_limits *limits) {
  msrp_parser_limits lim;
  limits_default(&lim);
  if (limits) {
    if (limits->max_header_bytes)
      lim.max_header_bytes = limits->max_header_bytes;
    if (limits->max_header_count)
      lim.max_header_count = limits->max_header_count;
    if (limits->max_path_uris)
      lim.max_path_uris = limits->max_path_uris;
    if (limits->max_tid_length)
      lim.max_tid_length = limits->max_tid_length;
    if (limits->max_method_length)
      lim.max_method_length = limits->max_method_length;
  }
  /* the end-line matcher holds one end-line: keep its size small */
  if (lim.max_tid_length > MSRP_PARSER_TID_LENGTH_MAX)
    lim.max_tid_length = MSRP_PARSER_TID_LENGTH_MAX;
  uint8_t *hold = malloc(DELIM_PREFIX_LEN + lim.max_tid_length + 3);
  if (!hold)
    return MSRP_ERR_NOMEM;
  free(p->hold);
  p->hold = hold;
  p->lim = lim;
  return 0;
}

static int parser_new(msrp_parser **out, const msrp_parser_limits *limits) {
  if (!out)
    return MSRP_ERR_INVALID_ARGUMENT;
  msrp_parser *p = calloc(1, sizeof *p);
  if (!p)
    return MSRP_ERR_NOMEM;
  if (apply_limits(p, limits)) {
    free(p);
    return MSRP_ERR_NOMEM;
  }
  p->seg_size = p->next_seg_size = MSRP_PARSER_NO_SEGMENTS;
  p->state = S_START_LINE;
  *out = p;
  return 0;
}

static int set_limits(msrp_parser *p, const msrp_parser_limits *limits) {
  if (!p)
    return MSRP_ERR_INVALID_ARGUMENT;
  if (!msrp_parser_between_chunks(p))
    return MSRP_ERR_BUSY;
  return apply_limits(p, limits);
}

static void drop_chunk(msrp_parser *p) {
  if (p->owned)
    msrp_chunk_free(p->chunk);
  p->chunk = NULL;
  p->owned = false;
}

void msrp_parser_free(msrp_parser *p) {
  if (!p)
    return;
  drop_chunk(p);
  free(p->line);
  free(p->hold);
  free(p);
}

static void start_message(msrp_parser *p) {
  p->state = S_START_LINE;
  p->line_len = 0;
  p->header_bytes = 0;
  p->header_count = 0;
  p->m = p->virt = p->emit_off = p->emit_len = 0;
}

void msrp_parser_reset(msrp_parser *p) {
  drop_chunk(p);
  start_message(p);
  p->pos = 0;
}

void msrp_parser_set_segment_size(msrp_parser *p, size_t size) {
  p->next_seg_size = size;
  if (p->state == S_BODY && p->body_off == 0 && !p->seg_due)
    p->seg_size = size;
}

msrp_chunk *msrp_parser_chunk(const msrp_parser *p) {
  return p->chunk;
}

msrp_chunk *msrp_parser_take_chunk(msrp_parser *p) {
  if (!p->chunk || !p->owned)
    return NULL;
  p->owned = false;
  return p->chunk;
}

int msrp_parser_between_chunks(const msrp_parser *p) {
  return p->state == S_START_LINE && p->line_len == 0;
}

void msrp_parser_shrink(msrp_parser *p) {
  if (!p || !msrp_parser_between_chunks(p))
    return;
  drop_chunk(p);
  free(p->line);
  p->line = NULL;
  p->line_cap = 0;
}

uint64_t msrp_parser_position(const msrp_parser *p) {
  return p->pos;
}

/* ---- header phase ------------------------------------------------------ */

/* The next chunk: the last one made new, if it is still ours. */
static int new_chunk(msrp_parser *p, msrp_chunk **c, const char *tid,
                     size_t tid_len, const char *method, size_t method_len,
                     int code, const char *comment, size_t comment_len) {
  if (!p->chunk || !p->owned) {
    drop_chunk(p);
    return msrp__chunk_new(c, tid, tid_len, method, method_len, code, comment,
                           comment_len);
  }
  int rc = msrp__chunk_renew(&p->chunk, tid, tid_len, method, method_len, code,
                             comment, comment_len);
  if (rc) {
    p->chunk = NULL; /* freed */
    p->owned = false;
    return rc;
  }
  *c = p->chunk;
  return 0;
}

static int parse_start_line(msrp_parser *p, const char *s, size_t len) {
  if (len < 5 || memcmp(s, "MSRP ", 5) != 0)
    return MSRP_ERR_PARSE_START_LINE;
  s += 5;
  len -= 5;
  const char *sp = memchr(s, ' ', len);
  if (!sp || sp == s)
    return MSRP_ERR_PARSE_START_LINE;
  size_t tid_len = (size_t)(sp - s);
  if (tid_len > p->lim.max_tid_length)
    return MSRP_ERR_LIMIT_TID_LENGTH;
  int rc = msrp__check_tid(s, tid_len);
  if (rc)
    return rc;
  const char *rest = sp + 1;
  size_t rlen = len - tid_len - 1;
  if (rlen == 0)
    return MSRP_ERR_PARSE_START_LINE;

  msrp_chunk *c;
  if (msrp__is_digit((unsigned char)rest[0])) {
    /* status-code [SP comment] */
    if (rlen < 3 || !msrp__is_digit((unsigned char)rest[1]) ||
        !msrp__is_digit((unsigned char)rest[2]) || (rlen > 3 && rest[3] != ' '))
      return MSRP_ERR_PARSE_STATUS_CODE;
    int code = (rest[0] - '0') * 100 + (rest[1] - '0') * 10 + (rest[2] - '0');
    const char *comment = rlen > 3 ? rest + 4 : NULL;
    if (comment && msrp__has_ctl(comment, rlen - 4))
      return MSRP_ERR_PARSE_START_LINE;
    rc = new_chunk(p, &c, s, tid_len, NULL, 0, code, comment,
                   rlen > 3 ? rlen - 4 : 0);
  } else {
    if (memchr(rest, ' ', rlen))
      return MSRP_ERR_PARSE_START_LINE;
    if (rlen > p->lim.max_method_length)
      return MSRP_ERR_LIMIT_METHOD_LENGTH;
    /* RFC 4975 says 1*UPALPHA; what peers send is looser (one widely
     * used client resumes files with FILE_OFFSET): any token frames, and
     * a method we do not know is answered 501, never a closed
     * connection */
    if ((rc = msrp__check_method_token(rest, rlen)))
      return rc;
    rc = new_chunk(p, &c, s, tid_len, rest, rlen, 0, NULL, 0);
  }
  if (rc)
    return rc;
  p->chunk = c;
  p->owned = true;
  p->tid = msrp_chunk_transaction_id(c);
  p->tid_len = tid_len;
  p->delim_len = DELIM_PREFIX_LEN + tid_len + 3;
  return 0;
}

static int parse_header_line(msrp_parser *p, const char *s, size_t len) {
  if (++p->header_count > p->lim.max_header_count)
    return MSRP_ERR_LIMIT_HEADER_COUNT;
  const char *colon = memchr(s, ':', len);
  if (!colon || colon == s)
    return MSRP_ERR_PARSE_HEADER;
  size_t nlen = (size_t)(colon - s);
  const char *v = colon + 1, *end = s + len;
  if (msrp__has_ctl(v, (size_t)(end - v)))
    return MSRP_ERR_PARSE_HEADER;
  while (v < end && (*v == ' ' || *v == '\t'))
    v++;
  while (end > v && (end[-1] == ' ' || end[-1] == '\t'))
    end--;
  return msrp__chunk_append_header(p->chunk, s, nlen, v, (size_t)(end - v),
                                   p->lim.max_path_uris);
}

/* end-line = "-------" transact-id continuation-flag */
static int parse_end_line(msrp_parser *p, const char *s, size_t len,
                          char *flag) {
  if (len < 7 + p->tid_len || memcmp(s + 7, p->tid, p->tid_len) != 0)
    return MSRP_ERR_PARSE_END_LINE_TID;
  if (len != 7 + p->tid_len + 1)
    return len == 7 + p->tid_len ||
                   !msrp__is_ident_char((unsigned char)s[7 + p->tid_len])
               ? MSRP_ERR_PARSE_END_LINE_FLAG
               : MSRP_ERR_PARSE_END_LINE_TID;
  char f = s[len - 1];
  if (f != MSRP_FLAG_END && f != MSRP_FLAG_MORE && f != MSRP_FLAG_ABORT)
    return msrp__is_ident_char((unsigned char)f) ? MSRP_ERR_PARSE_END_LINE_TID
                                                 : MSRP_ERR_PARSE_END_LINE_FLAG;
  *flag = f;
  return 0;
}

/* SEGMENT and END: segment number and range. A chunk that was never cut
 * (no SEGMENT before its END) reports as if there were no segment size. */
static void fill_range(msrp_parser *p, msrp_event *ev) {
  msrp_byte_range r;
  bool has = msrp_chunk_byte_range(p->chunk, &r) == 0;
  if (p->seg_size == MSRP_PARSER_NO_SEGMENTS ||
      (ev->type == MSRP_EVENT_END && p->segment == 1)) {
    ev->segment = 0;
    if (has)
      ev->range = r;
    return;
  }
  uint64_t base = has ? r.start : 1;
  ev->segment = p->segment;
  ev->range.start = base + p->seg_start;
  ev->range.end = base + p->body_off - 1;
  ev->range.total = has ? r.total : MSRP_BYTE_RANGE_UNKNOWN;
}

static void begin_body(msrp_parser *p) {
  p->state = S_BODY;
  /* The empty line's CRLF may double as the CRLF before the end-line of an
   * empty body written without one; it is held but never body. */
  memcpy(p->hold, "\r\n", 2);
  p->m = p->virt = 2;
  p->emit_off = p->emit_len = 0;
  p->body_off = 0;
  p->seg_size = p->next_seg_size;
  p->seg_fill = 0;
  p->seg_start = 0;
  p->segment = 1;
  p->seg_due = false;
  msrp__chunk_set_has_content(p->chunk);
}

/* The paths are mandatory, but their absence leaves the framing intact:
 * the chunk is parsed to its end and answered (400) by its consumer. */
static void headers_done(msrp_parser *p) {
  if (!msrp_chunk_header_by_id(p->chunk, MSRP_HDR_TO_PATH))
    msrp__chunk_note_error(p->chunk, MSRP_ERR_PARSE_MISSING_TO_PATH);
  if (!msrp_chunk_header_by_id(p->chunk, MSRP_HDR_FROM_PATH))
    msrp__chunk_note_error(p->chunk, MSRP_ERR_PARSE_MISSING_FROM_PATH);
}

/* One line, its LF included, from `s` (the input itself or p->line). */
static int line_content(msrp_parser *p, const char *s, size_t len,
                        msrp_event *ev) {
  if (p->state == S_START_LINE) {
    int rc = parse_start_line(p, s, len);
    if (!rc)
      p->state = S_HEADERS;
    return rc;
  }
  if (len == 0) {
    headers_done(p);
    begin_body(p);
    ev->type = MSRP_EVENT_HEADERS;
    return 0;
  }
  if (s[0] == '-') {
    /* "-x: y" is a header with a bad name, not a bad end-line */
    if (len < 7 || memcmp(s, "-------", 7) != 0)
      return MSRP_ERR_PARSE_HEADER;
    int rc = parse_end_line(p, s, len, &p->pending_flag);
    if (rc)
      return rc;
    headers_done(p);
    p->seg_size = MSRP_PARSER_NO_SEGMENTS;
    p->state = S_END_PENDING;
    ev->type = MSRP_EVENT_HEADERS;
    return 0;
  }
  return parse_header_line(p, s, len);
}

static int process_line(msrp_parser *p, const char *s, size_t len,
                        msrp_event *ev) {
  if (len < 2 || s[len - 2] != '\r')
    return MSRP_ERR_PARSE_LINE_ENDING;
  len -= 2;
  p->line_len = 0;
  int rc = line_content(p, s, len, ev);
  /* a CR inside a line fails whichever check meets it first (none lets
   * one through): the error says it was the line's ending */
  if (rc && memchr(s, '\r', len))
    rc = MSRP_ERR_PARSE_LINE_ENDING;
  return rc;
}

static int header_step(msrp_parser *p, const uint8_t *in, size_t len,
                       size_t *used, msrp_event *ev) {
  const uint8_t *nl = memchr(in, '\n', len);
  size_t take = nl ? (size_t)(nl - in) + 1 : len;
  size_t room = p->lim.max_header_bytes - p->header_bytes;
  /* Errors found before the line is complete name the first offending
   * byte: *used stops just before it, however the input was split. A
   * stream that is not MSRP is refused at its first bytes, not after
   * buffering a whole line of garbage; a byte past the limit comes after
   * the bytes within it. */
  if (p->state == S_START_LINE) {
    for (size_t i = 0; i < take && i < room && p->line_len + i < 5; i++)
      if ((char)in[i] != "MSRP "[p->line_len + i]) {
        *used = i;
        return MSRP_ERR_PARSE_START_LINE;
      }
  }
  if (take > room) {
    *used = room;
    return MSRP_ERR_LIMIT_HEADER_BYTES;
  }
  if (nl && p->line_len == 0) {
    /* a whole line in the input: taken where it is */
    p->header_bytes += take;
    *used = take;
    return process_line(p, (const char *)in, take, ev);
  }
  if (p->line_len + take > p->line_cap) {
    size_t cap = p->line_cap ? p->line_cap : 256;
    while (cap < p->line_len + take)
      cap *= 2;
    if (cap > p->lim.max_header_bytes)
      cap = p->lim.max_header_bytes;
    char *l = realloc(p->line, cap);
    if (!l)
      return MSRP_ERR_NOMEM;
    p->line = l;
    p->line_cap = cap;
  }
  memcpy(p->line + p->line_len, in, take);
  p->line_len += take;
  p->header_bytes += take;
  *used = take;
  return nl ? process_line(p, p->line, p->line_len, ev) : 0;
}

/* ---- body phase -------------------------------------------------------- */

static bool delim_match(const msrp_parser *p, size_t k, uint8_t c) {
  if (k < DELIM_PREFIX_LEN)
    return c == (uint8_t)DELIM_PREFIX[k];
  k -= DELIM_PREFIX_LEN;
  if (k < p->tid_len)
    return c == (uint8_t)p->tid[k];
  k -= p->tid_len;
  if (k == 0)
    return c == MSRP_FLAG_END || c == MSRP_FLAG_MORE || c == MSRP_FLAG_ABORT;
  return c == (k == 1 ? '\r' : '\n');
}

/* Whether the delim_len bytes at `b` are the end-line. */
static bool delim_whole(const msrp_parser *p, const uint8_t *b) {
  const uint8_t *f = b + DELIM_PREFIX_LEN + p->tid_len;
  return memcmp(b, DELIM_PREFIX, DELIM_PREFIX_LEN) == 0 &&
         memcmp(b + DELIM_PREFIX_LEN, p->tid, p->tid_len) == 0 &&
         (f[0] == MSRP_FLAG_END || f[0] == MSRP_FLAG_MORE ||
          f[0] == MSRP_FLAG_ABORT) &&
         f[1] == '\r' && f[2] == '\n';
}

/* After a failed match of m bytes: how many of them are certainly body.
 * Only '\r' can begin an end-line, and within a partial match the only
 * '\r' after the first byte is the one after the flag; if the match got
 * that far, that '\r' may begin the real end-line. */
static size_t body_part(const msrp_parser *p, size_t m) {
  return m == p->delim_len - 1 ? m - 1 : m;
}

static void end_event(msrp_parser *p, char flag, msrp_event *ev) {
  msrp__chunk_set_flag_raw(p->chunk, flag);
  ev->type = MSRP_EVENT_END;
  ev->flag = flag;
  fill_range(p, ev);
  start_message(p);
}

/* Hand out up to `n` body bytes, or the pending virtual-chunk boundary
 * first. Returns how many bytes went into the event. */
static size_t emit_body(msrp_parser *p, const uint8_t *data, size_t n,
                        msrp_event *ev) {
  if (p->seg_due) {
    ev->type = MSRP_EVENT_SEGMENT;
    ev->flag = MSRP_FLAG_MORE;
    fill_range(p, ev);
    p->segment++;
    p->seg_start = p->body_off;
    p->seg_fill = 0;
    p->seg_due = false;
    return 0;
  }
  if (p->seg_size != MSRP_PARSER_NO_SEGMENTS && p->seg_size > 0 &&
      n > p->seg_size - p->seg_fill)
    n = p->seg_size - p->seg_fill;
  ev->type = MSRP_EVENT_BODY;
  ev->data = data;
  ev->len = n;
  ev->offset = p->body_off;
  p->body_off += n;
  if (p->seg_size != MSRP_PARSER_NO_SEGMENTS) {
    p->seg_fill += n;
    if (p->seg_fill >= p->seg_size)
      p->seg_due = true;
  }
  return n;
}

static int body_step(msrp_parser *p, const uint8_t *in, size_t len,
                     size_t *used, msrp_event *ev) {
  *used = 0;
  if (p->emit_off < p->emit_len) {
    p->emit_off +=
        emit_body(p, p->hold + p->emit_off, p->emit_len - p->emit_off, ev);
    return 0;
  }
  if (p->emit_len) {
    /* the confirmed body is out; keep the restart byte, if any */
    size_t rest = p->m - p->emit_len;
    memmove(p->hold, p->hold + p->emit_len, rest);
    p->m = rest;
    p->virt = p->emit_off = p->emit_len = 0;
    return 0;
  }
  if (len == 0)
    return 0;

  if (p->m > 0) {
    /* continue a match that began in earlier input */
    size_t j = 0;
    while (j < len && p->m < p->delim_len && delim_match(p, p->m, in[j]))
      p->hold[p->m++] = in[j++];
    *used = j;
    if (p->m == p->delim_len) {
      end_event(p, (char)p->hold[p->delim_len - 3], ev);
      return 0;
    }
    if (j < len) {
      p->emit_off = p->virt;
      p->emit_len = body_part(p, p->m);
      if (p->emit_len < p->emit_off)
        p->emit_len = p->emit_off;
      if (p->emit_off == p->emit_len) {
        /* nothing held was body (only the empty line's CRLF) */
        size_t rest = p->m - p->emit_len;
        memmove(p->hold, p->hold + p->emit_len, rest);
        p->m = rest;
        p->virt = p->emit_off = p->emit_len = 0;
      }
    }
    return 0;
  }

  /* The body runs up to the first '\r' that begins the end-line, or that
   * might, when the input ends before it can tell. Every other '\r' is
   * body, so one event carries as much of the input as possible. */
  size_t k = len, j = 0;
  for (size_t scan = 0; scan < len;) {
    const uint8_t *cr = memchr(in + scan, '\r', len - scan);
    if (!cr)
      break;
    size_t at = (size_t)(cr - in);
    if (len - at >= p->delim_len) {
      /* the whole end-line could be here: compared at once */
      j = delim_whole(p, in + at) ? p->delim_len : 0;
    } else {
      for (j = 0; at + j < len && delim_match(p, j, in[at + j]); j++)
        ;
    }
    if (j == p->delim_len || at + j == len) {
      k = at;
      break;
    }
    scan = at + 1;
  }
  if (k > 0) {
    *used = emit_body(p, in, k, ev);
    return 0;
  }
  if (j == p->delim_len) {
    *used = j;
    end_event(p, (char)in[j - 3], ev);
    return 0;
  }
  /* the input ends inside what may be the end-line: hold it */
  memcpy(p->hold, in, len);
  p->m = len;
  p->virt = 0;
  *used = len;
  return 0;
}

/* ---- driver ------------------------------------------------------------ */

static bool has_pending(const msrp_parser *p) {
  return p->state == S_END_PENDING || (p->state == S_BODY && (p->emit_len > 0));
}

int msrp_parser_execute(msrp_parser *p, const uint8_t *in, size_t len,
                        size_t *consumed, msrp_event *ev) {
  msrp__zero(ev, sizeof *ev);
  *consumed = 0;
  if (p->state == S_FAILED)
    return MSRP_ERR_PARSER_FAILED;
  size_t total = 0;
  while (total < len || has_pending(p)) {
    size_t used = 0;
    int rc = 0;
    switch (p->state) {
    case S_START_LINE:
    case S_HEADERS:
      rc = header_step(p, in + total, len - total, &used, ev);
      break;
    case S_END_PENDING:
      end_event(p, p->pending_flag, ev);
      break;
    case S_BODY:
      rc = body_step(p, in + total, len - total, &used, ev);
      break;
    case S_FAILED:
      rc = MSRP_ERR_PARSER_FAILED;
      break;
    }
    total += used;
    p->pos += used;
    if (rc < 0) {
      p->state = S_FAILED;
      *consumed = total;
      memset(ev, 0, sizeof *ev);
      return rc;
    }
    if (ev->type != MSRP_EVENT_NONE) {
      ev->chunk = p->chunk;
      break;
    }
  }
  *consumed = total;
  return 0;
}

int msrp_parser_new_sized(msrp_parser **out, const msrp_parser_limits *limits,
                          size_t limits_size) {
  msrp_parser_limits l;
  return parser_new(out, msrp__abi_in(&l, sizeof l, limits, limits_size));
}

int msrp_parser_set_limits_sized(msrp_parser *parser,
                                 const msrp_parser_limits *limits,
                                 size_t limits_size) {
  msrp_parser_limits l;
  return set_limits(parser, msrp__abi_in(&l, sizeof l, limits, limits_size));
}
