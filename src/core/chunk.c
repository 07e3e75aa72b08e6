/* SPDX-License-Identifier: MIT
 * Copyright (c) 2026 The libmsrp authors */
#include <msrp/chunk.h>

#include "core/chunk_internal.h"
#include "core/wire.h"
#include "core/util.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

/* Strings of a chunk (start line, header names and values) live in a bump
 * arena freed with the chunk: a parsed chunk costs a handful of
 * allocations, not one per header. A replaced value stays in the arena
 * until the chunk is freed; that is bounded by what the caller sets. */
typedef struct arena_block {
  struct arena_block *next;
  size_t used;
  size_t cap;
  char data[];
} arena_block;

typedef struct header {
  msrp_header_id id;
  const char *name; /* in the arena, or header_names' own spelling */
  char *value;
} header;

enum { EXP_EXPIRES, EXP_MIN, EXP_MAX, EXP_COUNT };

/* The three path headers. A received one is parsed only when something
 * asks for it: the session's hot path compares its bytes with the paths
 * it expects (msrp__chunk_paths_are) and never needs the URIs. */
enum { P_TO, P_FROM, P_USE, P_COUNT };
typedef enum lazy_state {
  LAZY_NONE,    /* `path` and `has` say all there is */
  LAZY_PENDING, /* raw bytes received, not yet looked at */
  LAZY_KNOWN    /* raw bytes equal to a path known to be good */
} lazy_state;

typedef struct path_view {
  msrp_path path;
  bool has;
  lazy_state lazy;
  const char *raw; /* a received header's value in the arena, or NULL */
  size_t raw_len;
  size_t at; /* the header's index, for the order of errors */
} path_view;

struct msrp_chunk {
  char *tid;
  size_t tid_len;
  char *method; /* NULL for a response */
  msrp_method method_id;
  int code;
  char *comment;

  header *hdrs;
  size_t nhdrs;
  size_t hcap;

  /* typed views of the known headers, kept in step with hdrs */
  path_view paths[P_COUNT];
  uint32_t present; /* a bit per known header id present */
  msrp_byte_range range;
  bool has_range;
  msrp_status_header status;
  bool has_status;
  msrp_report_mode success, failure;
  uint32_t expiry[EXP_COUNT];
  bool has_expiry[EXP_COUNT];

  /* the first MSRP_ERR_PARSE_* the parser found in a chunk whose framing
   * was intact (see msrp_chunk_error()), and the index of the header it
   * came from (nhdrs for one about the whole chunk); 0 if none */
  int error;
  size_t error_at;

  const uint8_t *body;
  size_t body_len;
  uint8_t *body_owned;
  bool had_content; /* the parser saw an empty line after the headers */
  char flag;

  msrp__buf wire; /* rendered head, then tail at tail_off */
  size_t tail_off;

  arena_block *arena;
};

/* ---- arena ------------------------------------------------------------- */

static char *arena_alloc(msrp_chunk *c, size_t n) {
  arena_block *b = c->arena;
  if (!b || b->cap - b->used < n) {
    /* a usual chunk's strings fit the first block */
    size_t cap = n > 512 ? n : 512;
    arena_block *nb = malloc(sizeof *nb + cap);
    if (!nb)
      return NULL;
    nb->next = b;
    nb->used = 0;
    nb->cap = cap;
    c->arena = b = nb;
  }
  char *p = b->data + b->used;
  b->used += n;
  return p;
}

static char *arena_strndup(msrp_chunk *c, const char *s, size_t n) {
  char *p = arena_alloc(c, n + 1);
  if (!p)
    return NULL;
  memcpy(p, s, n);
  p[n] = '\0';
  return p;
}

/* ---- header names ------------------------------------------------------ */

_Static_assert(MSRP_HDR_USE_NICKNAME < 32, "a bit per header id in present");

#define NAME(s)                                                                \
  { s, sizeof s - 1 }
static const struct {
  const char *name;
  size_t len;
} header_names[] = {
    [MSRP_HDR_OTHER] = {NULL, 0},
    [MSRP_HDR_TO_PATH] = NAME("To-Path"),
    [MSRP_HDR_FROM_PATH] = NAME("From-Path"),
    [MSRP_HDR_MESSAGE_ID] = NAME("Message-ID"),
    [MSRP_HDR_BYTE_RANGE] = NAME("Byte-Range"),
    [MSRP_HDR_CONTENT_TYPE] = NAME("Content-Type"),
    [MSRP_HDR_SUCCESS_REPORT] = NAME("Success-Report"),
    [MSRP_HDR_FAILURE_REPORT] = NAME("Failure-Report"),
    [MSRP_HDR_STATUS] = NAME("Status"),
    [MSRP_HDR_USE_PATH] = NAME("Use-Path"),
    [MSRP_HDR_EXPIRES] = NAME("Expires"),
    [MSRP_HDR_MIN_EXPIRES] = NAME("Min-Expires"),
    [MSRP_HDR_MAX_EXPIRES] = NAME("Max-Expires"),
    [MSRP_HDR_WWW_AUTHENTICATE] = NAME("WWW-Authenticate"),
    [MSRP_HDR_AUTHORIZATION] = NAME("Authorization"),
    [MSRP_HDR_AUTHENTICATION_INFO] = NAME("Authentication-Info"),
    [MSRP_HDR_USE_NICKNAME] = NAME("Use-Nickname"),
};
#undef NAME
#define NHEADER_NAMES (sizeof header_names / sizeof header_names[0])

const char *msrp_header_name(msrp_header_id id) {
  if ((size_t)id >= NHEADER_NAMES)
    return NULL;
  return header_names[id].name;
}

/* Every header of every chunk comes here. The known names differ in
 * length but for pairs, which one letter tells apart: the candidate is
 * found by length, then compared, first as we spell it (what peers send:
 * *exact says so, and the name need not be copied), then in any case. */
static msrp_header_id lookup(const char *name, size_t len, bool *exact) {
  msrp_header_id c;
  unsigned char first = len ? (unsigned char)(name[0] | 0x20) : 0;
  switch (len) {
  case 6:
    c = MSRP_HDR_STATUS;
    break;
  case 7:
    c = first == 't' ? MSRP_HDR_TO_PATH : MSRP_HDR_EXPIRES;
    break;
  case 8:
    c = MSRP_HDR_USE_PATH;
    break;
  case 9:
    c = MSRP_HDR_FROM_PATH;
    break;
  case 10:
    c = first == 'm' ? MSRP_HDR_MESSAGE_ID : MSRP_HDR_BYTE_RANGE;
    break;
  case 11:
    c = (name[1] | 0x20) == 'i' ? MSRP_HDR_MIN_EXPIRES : MSRP_HDR_MAX_EXPIRES;
    break;
  case 12:
    c = first == 'c' ? MSRP_HDR_CONTENT_TYPE : MSRP_HDR_USE_NICKNAME;
    break;
  case 13:
    c = MSRP_HDR_AUTHORIZATION;
    break;
  case 14:
    c = first == 's' ? MSRP_HDR_SUCCESS_REPORT : MSRP_HDR_FAILURE_REPORT;
    break;
  case 16:
    c = MSRP_HDR_WWW_AUTHENTICATE;
    break;
  case 19:
    c = MSRP_HDR_AUTHENTICATION_INFO;
    break;
  default:
    return MSRP_HDR_OTHER;
  }
  if (header_names[c].len != len) /* the switch and the table disagree */
    return MSRP_HDR_OTHER;
  const char *known = header_names[c].name;
  *exact = memcmp(name, known, len) == 0;
  return *exact || msrp__ieq(name, len, known, len) ? c : MSRP_HDR_OTHER;
}

msrp_header_id msrp_header_lookup(const char *name, size_t len) {
  bool exact;
  return lookup(name, len, &exact);
}

static bool single_valued(msrp_header_id id) {
  return id != MSRP_HDR_OTHER && id != MSRP_HDR_WWW_AUTHENTICATE;
}

/* ---- checks of start-line parts --------------------------------------- */

int msrp__check_tid(const char *tid, size_t len) {
  if (len == 0 || !msrp__is_alnum((unsigned char)tid[0]))
    return MSRP_ERR_PARSE_TRANSACTION_ID;
  for (size_t i = 1; i < len; i++)
    if (!msrp__is_ident_char((unsigned char)tid[i]))
      return MSRP_ERR_PARSE_TRANSACTION_ID;
  return 0;
}

/* What we send: RFC 4975 ident = ALPHANUM 3*31ident-char. */
static int check_tid_strict(const char *tid) {
  size_t len = strlen(tid);
  if (len < 4 || len > 32)
    return MSRP_ERR_PARSE_TRANSACTION_ID;
  return msrp__check_tid(tid, len);
}

/* A Message-ID we send: 1*256ident-char (RFC 4975: ident is at most 32,
 * but peers and relays are known to send longer ones). */
bool msrp__valid_message_id(const char *v, size_t len) {
  if (len == 0 || len > 256)
    return false;
  for (size_t i = 0; i < len; i++)
    if (!msrp__is_ident_char((unsigned char)v[i]))
      return false;
  return true;
}

int msrp__check_method_token(const char *method, size_t len) {
  if (len == 0)
    return MSRP_ERR_PARSE_METHOD;
  for (size_t i = 0; i < len; i++)
    if (!msrp__is_token_char((unsigned char)method[i]))
      return MSRP_ERR_PARSE_METHOD;
  return 0;
}

int msrp__check_method(const char *method, size_t len) {
  if (len == 0)
    return MSRP_ERR_PARSE_METHOD;
  for (size_t i = 0; i < len; i++)
    if (!msrp__is_upalpha((unsigned char)method[i]))
      return MSRP_ERR_PARSE_METHOD;
  return 0;
}

static msrp_method method_id_of(const char *m, size_t len) {
  if (len == 4 && memcmp(m, "SEND", 4) == 0)
    return MSRP_METHOD_SEND;
  if (len == 6 && memcmp(m, "REPORT", 6) == 0)
    return MSRP_METHOD_REPORT;
  if (len == 4 && memcmp(m, "AUTH", 4) == 0)
    return MSRP_METHOD_AUTH;
  if (len == 8 && memcmp(m, "NICKNAME", 8) == 0)
    return MSRP_METHOD_NICKNAME;
  return MSRP_METHOD_OTHER;
}

/* ---- typed header values ---------------------------------------------- */

/* The typed form of one known header value, parsed before it is committed
 * to the chunk so that a bad value leaves the chunk as it was. */
typedef struct typed {
  msrp_path path;
  msrp_byte_range range;
  msrp_status_header status;
  msrp_report_mode report;
  uint32_t number;
} typed;

static int parse_range_end(const char *s, size_t len, uint64_t *out) {
  if (len == 1 && s[0] == '*') {
    *out = MSRP_BYTE_RANGE_UNKNOWN;
    return 0;
  }
  return msrp__parse_uint(s, len, MSRP_BYTE_RANGE_UNKNOWN - 1, out)
             ? 0
             : MSRP_ERR_PARSE_BYTE_RANGE;
}

/* Whether a range can be: it starts at byte 1 or later, does not end
 * before it starts (end = start - 1 is empty), ends within a known total,
 * and starts within a known total; only the empty range just after the last
 * byte ("1-0/0", "4-3/3") may start after it. */
static bool range_ok(const msrp_byte_range *r) {
  const uint64_t unknown = MSRP_BYTE_RANGE_UNKNOWN;
  if (r->start == 0 || r->start == unknown)
    return false;
  if (r->end != unknown && r->end + 1 < r->start)
    return false;
  if (r->total == unknown)
    return true;
  if (r->end != unknown && r->end > r->total)
    return false;
  return r->start <= r->total || (r->end != unknown && r->end + 1 == r->start);
}

/* Byte-Range = range-start "-" range-end "/" total */
static int parse_byte_range(const char *v, size_t len, msrp_byte_range *r) {
  const char *dash = memchr(v, '-', len);
  const char *slash = memchr(v, '/', len);
  if (!dash || !slash || slash < dash)
    return MSRP_ERR_PARSE_BYTE_RANGE;
  if (!msrp__parse_uint(v, (size_t)(dash - v), MSRP_BYTE_RANGE_UNKNOWN - 1,
                        &r->start) ||
      r->start == 0)
    return MSRP_ERR_PARSE_BYTE_RANGE;
  if (parse_range_end(dash + 1, (size_t)(slash - dash - 1), &r->end) ||
      parse_range_end(slash + 1, (size_t)(v + len - slash - 1), &r->total))
    return MSRP_ERR_PARSE_BYTE_RANGE;
  return range_ok(r) ? 0 : MSRP_ERR_PARSE_BYTE_RANGE;
}

/* 1*DIGIT of any length (RFC 4976 sets no bound), clamped to UINT32_MAX. */
static bool parse_seconds(const char *s, size_t len, uint32_t *out) {
  if (len == 0)
    return false;
  uint64_t v = 0;
  for (size_t i = 0; i < len; i++) {
    if (!msrp__is_digit((unsigned char)s[i]))
      return false;
    if (v <= UINT32_MAX)
      v = v * 10 + (uint64_t)(s[i] - '0');
  }
  *out = v > UINT32_MAX ? UINT32_MAX : (uint32_t)v;
  return true;
}

static bool three_digits(const char *s, size_t len, int *out) {
  if (len != 3 || !msrp__is_digit((unsigned char)s[0]) ||
      !msrp__is_digit((unsigned char)s[1]) ||
      !msrp__is_digit((unsigned char)s[2]))
    return false;
  *out = (s[0] - '0') * 100 + (s[1] - '0') * 10 + (s[2] - '0');
  return true;
}

/* Status = namespace SP status-code [SP text-reason]. The reason is left
 * NULL here and pointed into the stored value on commit. */
static int parse_status(const char *v, size_t len, msrp_status_header *st) {
  if (len < 7 || v[3] != ' ' || !three_digits(v, 3, &st->ns) ||
      !three_digits(v + 4, 3, &st->code))
    return MSRP_ERR_PARSE_STATUS_HEADER;
  if (len > 7 && v[7] != ' ')
    return MSRP_ERR_PARSE_STATUS_HEADER;
  st->reason = NULL;
  return 0;
}

static int parse_typed(msrp_header_id id, const char *v, size_t len,
                       size_t max_uris, typed *t) {
  int rc;
  switch (id) {
  case MSRP_HDR_TO_PATH:
  case MSRP_HDR_FROM_PATH:
  case MSRP_HDR_USE_PATH:
    rc = msrp_path_parse(&t->path, v, len, max_uris);
    if (rc == MSRP_ERR_NOMEM || rc == MSRP_ERR_LIMIT_PATH_LENGTH)
      return rc;
    return rc ? MSRP_ERR_PARSE_PATH : 0;
  case MSRP_HDR_BYTE_RANGE:
    return parse_byte_range(v, len, &t->range);
  case MSRP_HDR_STATUS:
    return parse_status(v, len, &t->status);
  case MSRP_HDR_SUCCESS_REPORT:
  case MSRP_HDR_FAILURE_REPORT:
    if (msrp__ieq_lit(v, len, "yes"))
      t->report = MSRP_REPORT_YES;
    else if (msrp__ieq_lit(v, len, "no"))
      t->report = MSRP_REPORT_NO;
    else if (id == MSRP_HDR_FAILURE_REPORT && msrp__ieq_lit(v, len, "partial"))
      t->report = MSRP_REPORT_PARTIAL;
    else
      return MSRP_ERR_PARSE_REPORT_HEADER;
    return 0;
  case MSRP_HDR_EXPIRES:
  case MSRP_HDR_MIN_EXPIRES:
  case MSRP_HDR_MAX_EXPIRES:
    return parse_seconds(v, len, &t->number) ? 0 : MSRP_ERR_PARSE_NUMBER_HEADER;
  case MSRP_HDR_MESSAGE_ID:
    return len == 0 ? MSRP_ERR_PARSE_MESSAGE_ID : 0;
  default:
    return 0;
  }
}

static int expiry_index(msrp_header_id id) {
  switch (id) {
  case MSRP_HDR_EXPIRES:
    return EXP_EXPIRES;
  case MSRP_HDR_MIN_EXPIRES:
    return EXP_MIN;
  case MSRP_HDR_MAX_EXPIRES:
    return EXP_MAX;
  default:
    return -1;
  }
}

static path_view *path_slot(msrp_chunk *c, msrp_header_id id) {
  switch (id) {
  case MSRP_HDR_TO_PATH:
    return &c->paths[P_TO];
  case MSRP_HDR_FROM_PATH:
    return &c->paths[P_FROM];
  case MSRP_HDR_USE_PATH:
    return &c->paths[P_USE];
  default:
    return NULL;
  }
}

static void note_error_at(msrp_chunk *c, int err, size_t at) {
  if (!c->error || at < c->error_at) {
    c->error = err;
    c->error_at = at;
  }
}

/* Parse a received path header that was left for later: what it would
 * have been, typed view or noted error, had it been parsed on arrival. The
 * chunk's cache changes, not what it says; hence the const. */
static const path_view *settle(const msrp_chunk *cc, int k) {
  msrp_chunk *c = (msrp_chunk *)cc;
  path_view *v = &c->paths[k];
  if (v->lazy == LAZY_NONE)
    return v;
  v->lazy = LAZY_NONE;
  int rc = msrp_path_parse(&v->path, v->raw, v->raw_len, 0);
  if (rc) {
    note_error_at(c, rc == MSRP_ERR_NOMEM ? rc : MSRP_ERR_PARSE_PATH, v->at);
    return v;
  }
  v->has = true;
  return v;
}

static const msrp_path *path_of(const msrp_chunk *c, int k) {
  const path_view *v = settle(c, k);
  return v->has ? &v->path : NULL;
}

/* How many URIs a path value lists (space-separated). */
static size_t count_uris(const char *v, size_t len) {
  size_t n = 0, i = 0;
  for (;;) {
    while (i < len && v[i] == ' ')
      i++;
    if (i == len)
      return n;
    n++;
    const char *sp = memchr(v + i, ' ', len - i);
    if (!sp)
      return n;
    i = (size_t)(sp - v);
  }
}

/* Make the typed view of `id` what `t` says (stored_value is the value's
 * copy in the chunk, for pointers into it); consumes t->path. */
static void commit_typed(msrp_chunk *c, msrp_header_id id, typed *t,
                         const char *stored_value) {
  path_view *slot = path_slot(c, id);
  if (slot) {
    msrp_path_clear(&slot->path);
    slot->path = t->path;
    t->path = (msrp_path)MSRP_PATH_INIT;
    slot->has = true;
    slot->lazy = LAZY_NONE;
    slot->raw = NULL; /* set, not received */
    return;
  }
  int ei = expiry_index(id);
  if (ei >= 0) {
    c->expiry[ei] = t->number;
    c->has_expiry[ei] = true;
    return;
  }
  switch (id) {
  case MSRP_HDR_BYTE_RANGE:
    c->range = t->range;
    c->has_range = true;
    break;
  case MSRP_HDR_STATUS:
    c->status = t->status;
    c->status.reason = strlen(stored_value) > 8 ? stored_value + 8 : NULL;
    c->has_status = true;
    break;
  case MSRP_HDR_SUCCESS_REPORT:
    c->success = t->report;
    break;
  case MSRP_HDR_FAILURE_REPORT:
    c->failure = t->report;
    break;
  default:
    break;
  }
}

static void forget_typed(msrp_chunk *c, msrp_header_id id) {
  path_view *slot = path_slot(c, id);
  if (slot) {
    msrp_path_clear(&slot->path);
    slot->has = false;
    slot->lazy = LAZY_NONE;
    slot->raw = NULL;
    return;
  }
  int ei = expiry_index(id);
  if (ei >= 0) {
    c->has_expiry[ei] = false;
    return;
  }
  switch (id) {
  case MSRP_HDR_BYTE_RANGE:
    c->has_range = false;
    break;
  case MSRP_HDR_STATUS:
    c->has_status = false;
    break;
  case MSRP_HDR_SUCCESS_REPORT:
    c->success = MSRP_REPORT_ABSENT;
    break;
  case MSRP_HDR_FAILURE_REPORT:
    c->failure = MSRP_REPORT_ABSENT;
    break;
  default:
    break;
  }
}

/* ---- header storage ---------------------------------------------------- */

/* hname = ALPHA *token-char (RFC 4975 section 9) */
bool msrp__valid_header_name(const char *name, size_t len) {
  if (len == 0 || !msrp__is_alnum((unsigned char)name[0]) ||
      msrp__is_digit((unsigned char)name[0]))
    return false;
  for (size_t i = 0; i < len; i++)
    if (!msrp__is_token_char((unsigned char)name[i]))
      return false;
  return true;
}

static ssize_t find_header(const msrp_chunk *c, const char *name, size_t len) {
  for (size_t i = 0; i < c->nhdrs; i++)
    if (msrp__ieq_lit(name, len, c->hdrs[i].name))
      return (ssize_t)i;
  return -1;
}

static ssize_t find_id(const msrp_chunk *c, msrp_header_id id) {
  for (size_t i = 0; i < c->nhdrs; i++)
    if (c->hdrs[i].id == id)
      return (ssize_t)i;
  return -1;
}

static int grow_headers(msrp_chunk *c) {
  if (c->nhdrs < c->hcap)
    return 0;
  header *h = msrp__grow_array(c->hdrs, &c->hcap, sizeof *h, 8);
  if (!h)
    return MSRP_ERR_NOMEM;
  c->hdrs = h;
  return 0;
}

/* How a header comes in. */
typedef enum put_mode {
  PUT_SET,     /* API: replace the first of the name, or insert a new one */
  PUT_ADD,     /* API: insert a new one; single-valued ones may not repeat */
  PUT_RECEIVED /* as received: append; a bad value is kept and noted */
} put_mode;

/* Put header `h` at position `idx`, moving the ones from there on. */
static int insert_header(msrp_chunk *c, size_t idx, header h) {
  if (grow_headers(c))
    return MSRP_ERR_NOMEM;
  memmove(&c->hdrs[idx + 1], &c->hdrs[idx], (c->nhdrs - idx) * sizeof h);
  c->hdrs[idx] = h;
  c->nhdrs++;
  return 0;
}

/* Set, add or append one header (see put_mode). Through the API a bad
 * value is refused and the chunk stays as it was; as received it is kept
 * verbatim, has no typed view, and is noted as the chunk's error. */
static int put_header(msrp_chunk *c, const char *name, size_t nlen,
                      const char *value, size_t vlen, size_t max_uris,
                      put_mode mode) {
  bool api = mode != PUT_RECEIVED;
  bool exact = false;
  msrp_header_id id = lookup(name, nlen, &exact);
  if (id == MSRP_HDR_OTHER && !msrp__valid_header_name(name, nlen))
    return MSRP_ERR_PARSE_HEADER;
  /* a received value was checked by the parser (or came from a chunk that
   * was): only what the API is given needs looking at */
  if (api && msrp__has_ctl(value, vlen))
    return MSRP_ERR_INVALID_ARGUMENT;
  if (api && id == MSRP_HDR_MESSAGE_ID && !msrp__valid_message_id(value, vlen))
    return MSRP_ERR_INVALID_ARGUMENT;
  /* a known header's name is its id's: whether one is there is a bit */
  bool seen = id != MSRP_HDR_OTHER && (c->present >> id & 1u);
  ssize_t at = mode == PUT_SET ? find_header(c, name, nlen) : seen ? 0 : -1;
  bool replace = mode == PUT_SET && at >= 0;
  int bad = 0;
  if (!replace && at >= 0 && single_valued(id)) {
    if (api)
      return MSRP_ERR_PARSE_DUPLICATE_HEADER;
    bad = MSRP_ERR_PARSE_DUPLICATE_HEADER;
  }

  /* a received path is counted now (too many URIs end the stream, as
   * parsing would) and parsed when first asked for */
  path_view *lazy = mode == PUT_RECEIVED ? path_slot(c, id) : NULL;
  typed t = {.path = MSRP_PATH_INIT};
  int rc;
  if (lazy) {
    size_t n = count_uris(value, vlen);
    rc = max_uris && n > max_uris ? MSRP_ERR_LIMIT_PATH_LENGTH
         : n == 0                 ? MSRP_ERR_PARSE_PATH
                                  : 0;
  } else {
    rc = parse_typed(id, value, vlen, max_uris, &t);
  }
  if (rc == MSRP_ERR_NOMEM || rc == MSRP_ERR_LIMIT_PATH_LENGTH || (rc && api))
    return rc;
  if (!bad)
    bad = rc;
  rc = MSRP_ERR_NOMEM;
  char *v = arena_strndup(c, value, vlen);
  if (!v)
    goto fail;
  size_t idx;
  if (replace) {
    c->hdrs[at].value = v;
    idx = (size_t)at;
  } else {
    /* a known name spelt as we spell it is not copied */
    const char *n =
        exact ? header_names[id].name : arena_strndup(c, name, nlen);
    if (!n)
      goto fail;
    /* Content-Type stays last: it begins content-stuff in the ABNF */
    idx = c->nhdrs;
    ssize_t ct = api && id != MSRP_HDR_CONTENT_TYPE
                     ? find_id(c, MSRP_HDR_CONTENT_TYPE)
                     : -1;
    if (ct >= 0)
      idx = (size_t)ct;
    if (insert_header(c, idx, (header){id, n, v}))
      goto fail;
  }
  /* the typed view follows the first header of its kind, if it is good */
  bool first = id != MSRP_HDR_OTHER &&
               (mode == PUT_RECEIVED ? !seen : find_id(c, id) == (ssize_t)idx);
  if (!bad && first && lazy) {
    msrp_path_clear(&lazy->path);
    *lazy = (path_view){.lazy = LAZY_PENDING,
                        .raw = v,
                        .raw_len = vlen,
                        .at = idx,
                        .path = MSRP_PATH_INIT};
  } else if (!bad && first) {
    commit_typed(c, id, &t, v);
  }
  if (id != MSRP_HDR_OTHER)
    c->present |= 1u << id;
  if (bad)
    note_error_at(c, bad, idx);
  if (t.path.uris)
    msrp_path_clear(&t.path);
  return 0;
fail:
  if (t.path.uris)
    msrp_path_clear(&t.path);
  return rc;
}

/* ---- construction ------------------------------------------------------ */

/* Fill a zeroed chunk's start line. */
static int chunk_init(msrp_chunk *c, const char *tid, size_t tid_len,
                      const char *method, size_t method_len, int code,
                      const char *comment, size_t comment_len) {
  c->flag = MSRP_FLAG_END;
  c->tid = arena_strndup(c, tid, tid_len);
  c->tid_len = tid_len;
  if (!c->tid)
    goto nomem;
  if (method) {
    c->method = arena_strndup(c, method, method_len);
    if (!c->method)
      goto nomem;
    c->method_id = method_id_of(method, method_len);
  } else {
    c->code = code;
    if (comment) {
      c->comment = arena_strndup(c, comment, comment_len);
      if (!c->comment)
        goto nomem;
    }
  }
  return 0;
nomem:
  return MSRP_ERR_NOMEM;
}

int msrp__chunk_new(msrp_chunk **out, const char *tid, size_t tid_len,
                    const char *method, size_t method_len, int code,
                    const char *comment, size_t comment_len) {
  msrp_chunk *c = calloc(1, sizeof *c);
  if (!c)
    return MSRP_ERR_NOMEM;
  int rc = chunk_init(c, tid, tid_len, method, method_len, code, comment,
                      comment_len);
  if (rc) {
    msrp_chunk_free(c);
    return rc;
  }
  *out = c;
  return 0;
}

/* Let go of what a chunk holds but its struct and header array, and the
 * arena block `keep` (NULL: all of them). */
static void teardown(msrp_chunk *c, arena_block *keep) {
  for (int k = 0; k < P_COUNT; k++)
    if (c->paths[k].path.uris)
      msrp_path_clear(&c->paths[k].path);
  free(c->body_owned);
  msrp__buf_free(&c->wire);
  for (arena_block *b = c->arena; b;) {
    arena_block *next = b->next;
    if (b != keep)
      free(b);
    b = next;
  }
}

/* What a chunk keeps for the next one: a header array and a first arena
 * block of the usual sizes (larger ones go back, so one big chunk does not
 * pin its memory to a connection). */
#define KEEP_BYTES 2048

int msrp__chunk_renew(msrp_chunk **io, const char *tid, size_t tid_len,
                      const char *method, size_t method_len, int code,
                      const char *comment, size_t comment_len) {
  msrp_chunk *c = *io;
  arena_block *keep = c->arena && c->arena->cap <= KEEP_BYTES ? c->arena : NULL;
  teardown(c, keep);
  if (keep) {
    keep->next = NULL;
    keep->used = 0;
  }
  header *hdrs = c->hdrs;
  size_t hcap = c->hcap;
  if (hcap * sizeof *hdrs > KEEP_BYTES) {
    free(hdrs);
    hdrs = NULL;
    hcap = 0;
  }
  msrp__zero(c, sizeof *c);
  c->arena = keep;
  c->hdrs = hdrs;
  c->hcap = hcap;
  int rc = chunk_init(c, tid, tid_len, method, method_len, code, comment,
                      comment_len);
  if (rc) {
    msrp_chunk_free(c);
    *io = NULL;
  }
  return rc;
}

int msrp__chunk_append_header(msrp_chunk *c, const char *name, size_t name_len,
                              const char *value, size_t value_len,
                              size_t max_path_uris) {
  return put_header(c, name, name_len, value, value_len, max_path_uris,
                    PUT_RECEIVED);
}

void msrp__chunk_note_error(msrp_chunk *c, int err) {
  note_error_at(c, err, c->nhdrs);
}

void msrp__chunk_set_flag_raw(msrp_chunk *c, char flag) {
  c->flag = flag;
}

void msrp__chunk_set_has_content(msrp_chunk *c) {
  c->had_content = true;
}

size_t msrp__chunk_tid_len(const msrp_chunk *c) {
  return c->tid_len;
}

static int new_tid(char *buf, size_t n, const char *tid, const char **out) {
  if (tid) {
    int rc = check_tid_strict(tid);
    if (rc)
      return rc;
    *out = tid;
    return 0;
  }
  *out = buf;
  return msrp__random_token(buf, n);
}

int msrp_chunk_new_request(msrp_chunk **out, const char *tid,
                           const char *method) {
  char buf[13];
  if (!out || !method)
    return MSRP_ERR_INVALID_ARGUMENT;
  int rc = new_tid(buf, 12, tid, &tid);
  if (rc)
    return rc;
  rc = msrp__check_method(method, strlen(method));
  if (rc)
    return rc;
  return msrp__chunk_new(out, tid, strlen(tid), method, strlen(method), 0, NULL,
                         0);
}

int msrp_chunk_new_response(msrp_chunk **out, const char *tid, int code,
                            const char *comment) {
  char buf[13];
  if (!out || code < 100 || code > 999 ||
      (comment && msrp__has_ctl(comment, strlen(comment))))
    return MSRP_ERR_INVALID_ARGUMENT;
  int rc = new_tid(buf, 12, tid, &tid);
  if (rc)
    return rc;
  return msrp__chunk_new(out, tid, strlen(tid), NULL, 0, code, comment,
                         comment ? strlen(comment) : 0);
}

static int set_path(msrp_chunk *c, msrp_header_id id, const msrp_path *p) {
  if (!p || p->count == 0)
    return MSRP_ERR_INVALID_ARGUMENT;
  int n = msrp_path_format(p, NULL, 0);
  if (n < 0)
    return n;
  char *text = malloc((size_t)n + 1);
  if (!text)
    return MSRP_ERR_NOMEM;
  msrp_path_format(p, text, (size_t)n + 1);
  int rc = msrp_chunk_set_header(c, msrp_header_name(id), text);
  free(text);
  return rc;
}

/* Whether "-------" tid flag stands at `off` of the body. */
static bool end_line_at(const uint8_t *b, size_t len, size_t off,
                        const char *tid, size_t tid_len) {
  if (len - off < 7 + tid_len + 1 || memcmp(b + off, "-------", 7) != 0 ||
      memcmp(b + off + 7, tid, tid_len) != 0)
    return false;
  uint8_t f = b[off + 7 + tid_len];
  return f == MSRP_FLAG_END || f == MSRP_FLAG_MORE || f == MSRP_FLAG_ABORT;
}

/* Whether a body would end its chunk early (RFC 4975 section 7.1): it holds
 * CRLF "-------" tid and a flag, or begins with "-------" tid and a flag,
 * which follows the empty line's CRLF on the wire. */
static bool body_has_end_line(const uint8_t *b, size_t len, const char *tid,
                              size_t tid_len) {
  if (len == 0)
    return false;
  if (end_line_at(b, len, 0, tid, tid_len))
    return true;
  for (const uint8_t *cr = memchr(b, '\r', len); cr;
       cr = memchr(cr + 1, '\r', len - (size_t)(cr + 1 - b))) {
    size_t off = (size_t)(cr - b);
    if (off + 2 <= len && cr[1] == '\n' &&
        end_line_at(b, len, off + 2, tid, tid_len))
      return true;
    if (off + 1 == len)
      break;
  }
  return false;
}

/* The transaction id of a chunk being made: the caller's, which the body
 * may not end early, or random ones until the body holds none. */
#define RANDOM_TID_LEN 12
#define RANDOM_TID_TRIES 16

static int make_tid(const msrp_chunk_params *p, char buf[RANDOM_TID_LEN + 1],
                    int (*random_tid)(char *, size_t), const char **out) {
  const uint8_t *body = p->data;
  if (p->transaction_id) {
    int rc = check_tid_strict(p->transaction_id);
    if (rc)
      return rc;
    if (body_has_end_line(body, p->data_len, p->transaction_id,
                          strlen(p->transaction_id)))
      return MSRP_ERR_INVALID_ARGUMENT;
    *out = p->transaction_id;
    return 0;
  }
  for (int i = 0; i < RANDOM_TID_TRIES; i++) {
    int rc = random_tid(buf, RANDOM_TID_LEN);
    if (rc)
      return rc;
    if (!body_has_end_line(body, p->data_len, buf, RANDOM_TID_LEN)) {
      *out = buf;
      return 0;
    }
  }
  /* 62^-12 per try: a generator that keeps hitting is broken */
  return MSRP_ERR_RANDOM;
}

/* The Byte-Range a chunk being made writes, checked as the parser would
 * check it and against the body it carries. */
static int make_range(const msrp_chunk_params *p, msrp_byte_range *r) {
  r->start = p->start ? p->start : 1;
  if (r->start == MSRP_BYTE_RANGE_UNKNOWN ||
      (uint64_t)p->data_len >= MSRP_BYTE_RANGE_UNKNOWN - (r->start - 1))
    return MSRP_ERR_INVALID_ARGUMENT;
  uint64_t last = r->start - 1 + p->data_len;
  r->end = p->end ? p->end : last;
  r->total = p->length ? p->length : last;
  if (r->end != MSRP_BYTE_RANGE_UNKNOWN) {
    if (r->end + 1 < r->start)
      return MSRP_ERR_INVALID_ARGUMENT;
    /* data_len 0: the body may be streamed after msrp_chunk_serialize_head */
    if (p->data_len > 0 && r->end - (r->start - 1) != p->data_len)
      return MSRP_ERR_INVALID_ARGUMENT;
  }
  return range_ok(r) ? 0 : MSRP_ERR_INVALID_ARGUMENT;
}

int msrp__chunk_make(msrp_chunk **out, const msrp_chunk_params *p,
                     int (*random_tid)(char *out, size_t len)) {
  if (!out || !p || (p->data_len > 0 && (!p->data || !p->content_type)))
    return MSRP_ERR_INVALID_ARGUMENT;
  /* a response has no content-stuff (RFC 4975 section 9) */
  if (p->code && (p->data_len > 0 || p->content_type))
    return MSRP_ERR_INVALID_ARGUMENT;
  char buf[RANDOM_TID_LEN + 1];
  const char *tid;
  int rc = make_tid(p, buf, random_tid, &tid);
  if (rc)
    return rc;
  msrp_chunk *c;
  rc = p->code
           ? msrp_chunk_new_response(&c, tid, p->code, p->comment)
           : msrp_chunk_new_request(&c, tid, p->method ? p->method : "SEND");
  if (rc)
    return rc;
  if (p->to_path && (rc = set_path(c, MSRP_HDR_TO_PATH, p->to_path)))
    goto fail;
  if (p->from_path && (rc = set_path(c, MSRP_HDR_FROM_PATH, p->from_path)))
    goto fail;
  bool send = c->method_id == MSRP_METHOD_SEND;
  char flag = MSRP_FLAG_END;
  if (send || (!p->code && p->message_id)) {
    char mid[17];
    const char *message_id = p->message_id;
    if (!message_id) {
      if ((rc = msrp__random_token(mid, 16)))
        goto fail;
      message_id = mid;
    }
    if ((rc = msrp_chunk_set_header(c, "Message-ID", message_id)))
      goto fail;
  }
  if (send || (!p->code && (p->start || p->end || p->length))) {
    msrp_byte_range r;
    if ((rc = make_range(p, &r)) ||
        (rc = msrp_chunk_set_byte_range(c, r.start, r.end, r.total)))
      goto fail;
    if (send && r.total != MSRP_BYTE_RANGE_UNKNOWN && r.end < r.total)
      flag = MSRP_FLAG_MORE;
  }
  if (p->contflag) {
    if ((rc = msrp_chunk_set_flag(c, p->contflag)))
      goto fail;
  } else {
    c->flag = flag;
  }
  if (p->content_type &&
      (rc = msrp_chunk_set_header(c, "Content-Type", p->content_type)))
    goto fail;
  if (p->data_len > 0 && (rc = msrp_chunk_set_body(c, p->data, p->data_len)))
    goto fail;
  *out = c;
  return 0;
fail:
  msrp_chunk_free(c);
  return rc;
}

int msrp_chunk_make_sized(msrp_chunk **out, const msrp_chunk_params *p,
                          size_t params_size) {
  msrp_chunk_params q;
  return msrp__chunk_make(out, msrp__abi_in(&q, sizeof q, p, params_size),
                          msrp__random_token);
}

int msrp_chunk_make_response(msrp_chunk **out, const msrp_chunk *request,
                             int code, const char *comment) {
  /* REPORT requests get no response (RFC 4975 section 7.1.2) */
  if (!out || !request || !request->method ||
      request->method_id == MSRP_METHOD_REPORT || code < 100 || code > 999)
    return MSRP_ERR_INVALID_ARGUMENT;
  if (!comment)
    comment = msrp_status_comment(code);
  if (msrp__has_ctl(comment, strlen(comment)))
    return MSRP_ERR_INVALID_ARGUMENT;
  /* the request's transaction id as received, which may be shorter or
   * longer than the ids we make ourselves */
  msrp_chunk *c;
  int rc = msrp__chunk_new(&c, request->tid, request->tid_len, NULL, 0, code,
                           comment, strlen(comment));
  if (rc)
    return rc;
  /* hop by hop: back to the previous hop, from this one */
  const msrp_path *req_from = path_of(request, P_FROM);
  const msrp_path *req_to = path_of(request, P_TO);
  if (req_from) {
    msrp_path to = {1, &req_from->uris[0]};
    if ((rc = set_path(c, MSRP_HDR_TO_PATH, &to)))
      goto fail;
  }
  if (req_to) {
    msrp_path from = {1, &req_to->uris[0]};
    if ((rc = set_path(c, MSRP_HDR_FROM_PATH, &from)))
      goto fail;
  }
  *out = c;
  return 0;
fail:
  msrp_chunk_free(c);
  return rc;
}

int msrp_chunk_dup(msrp_chunk **out, const msrp_chunk *src) {
  if (!out || !src)
    return MSRP_ERR_INVALID_ARGUMENT;
  msrp_chunk *c;
  int rc =
      msrp__chunk_new(&c, src->tid, src->tid_len, src->method,
                      src->method ? strlen(src->method) : 0, src->code,
                      src->comment, src->comment ? strlen(src->comment) : 0);
  if (rc)
    return rc;
  /* as received: in order, bad values kept, the same typed views */
  for (size_t i = 0; i < src->nhdrs; i++) {
    const header *h = &src->hdrs[i];
    rc = put_header(c, h->name, strlen(h->name), h->value, strlen(h->value), 0,
                    PUT_RECEIVED);
    if (rc)
      goto fail;
  }
  c->error = src->error;
  c->error_at = src->error_at;
  if (src->body_len && (rc = msrp_chunk_set_body(c, src->body, src->body_len)))
    goto fail;
  c->had_content = src->had_content;
  c->flag = src->flag;
  *out = c;
  return 0;
fail:
  msrp_chunk_free(c);
  return rc;
}

void msrp_chunk_free(msrp_chunk *c) {
  if (!c)
    return;
  teardown(c, NULL);
  free(c->hdrs);
  free(c);
}

/* ---- start line -------------------------------------------------------- */

int msrp_chunk_is_request(const msrp_chunk *c) {
  return c->method != NULL;
}

const char *msrp_chunk_transaction_id(const msrp_chunk *c) {
  return c->tid;
}

const char *msrp_chunk_method(const msrp_chunk *c) {
  return c->method;
}

msrp_method msrp_chunk_method_id(const msrp_chunk *c) {
  return c->method_id;
}

int msrp_chunk_code(const msrp_chunk *c) {
  return c->code;
}

const char *msrp_chunk_comment(const msrp_chunk *c) {
  return c->comment;
}

/* ---- headers ----------------------------------------------------------- */

size_t msrp_chunk_header_count(const msrp_chunk *c) {
  return c->nhdrs;
}

int msrp_chunk_header_at(const msrp_chunk *c, size_t i, msrp_header_id *id,
                         const char **name, const char **value) {
  if (i >= c->nhdrs)
    return MSRP_ERR_NOT_FOUND;
  if (id)
    *id = c->hdrs[i].id;
  if (name)
    *name = c->hdrs[i].name;
  if (value)
    *value = c->hdrs[i].value;
  return 0;
}

const char *msrp_chunk_header(const msrp_chunk *c, const char *name) {
  ssize_t i = find_header(c, name, strlen(name));
  return i >= 0 ? c->hdrs[i].value : NULL;
}

const char *msrp_chunk_header_by_id(const msrp_chunk *c, msrp_header_id id) {
  if (id == MSRP_HDR_OTHER || (unsigned)id >= NHEADER_NAMES ||
      !(c->present >> id & 1u))
    return NULL;
  ssize_t i = find_id(c, id);
  return i >= 0 ? c->hdrs[i].value : NULL;
}

int msrp_chunk_set_header(msrp_chunk *c, const char *name, const char *value) {
  if (!c || !name || !value)
    return MSRP_ERR_INVALID_ARGUMENT;
  return put_header(c, name, strlen(name), value, strlen(value), 0, PUT_SET);
}

int msrp_chunk_add_header(msrp_chunk *c, const char *name, const char *value) {
  if (!c || !name || !value)
    return MSRP_ERR_INVALID_ARGUMENT;
  return put_header(c, name, strlen(name), value, strlen(value), 0, PUT_ADD);
}

int msrp_chunk_remove_header(msrp_chunk *c, const char *name) {
  if (!c || !name)
    return MSRP_ERR_INVALID_ARGUMENT;
  size_t len = strlen(name), kept = 0;
  msrp_header_id id = msrp_header_lookup(name, len);
  for (size_t i = 0; i < c->nhdrs; i++)
    if (!msrp__ieq_lit(name, len, c->hdrs[i].name))
      c->hdrs[kept++] = c->hdrs[i];
  if (kept == c->nhdrs)
    return MSRP_ERR_NOT_FOUND;
  c->nhdrs = kept;
  if (id != MSRP_HDR_OTHER)
    c->present &= ~(1u << id);
  forget_typed(c, id);
  return 0;
}

const msrp_path *msrp_chunk_to_path(const msrp_chunk *c) {
  return path_of(c, P_TO);
}

const msrp_path *msrp_chunk_from_path(const msrp_chunk *c) {
  return path_of(c, P_FROM);
}

const msrp_path *msrp_chunk_use_path(const msrp_chunk *c) {
  return path_of(c, P_USE);
}

static bool raw_is(const path_view *v, const char *s, size_t len) {
  return v->raw && v->raw_len == len && memcmp(v->raw, s, len) == 0;
}

bool msrp__chunk_paths_are(const msrp_chunk *cc, const char *to, size_t to_len,
                           const char *from, size_t from_len) {
  msrp_chunk *c = (msrp_chunk *)cc;
  if (!raw_is(&c->paths[P_TO], to, to_len) ||
      !raw_is(&c->paths[P_FROM], from, from_len))
    return false;
  for (int k = P_TO; k <= P_FROM; k++)
    if (c->paths[k].lazy == LAZY_PENDING)
      c->paths[k].lazy = LAZY_KNOWN;
  return true;
}

size_t msrp__chunk_path_count(const msrp_chunk *c, msrp_header_id id) {
  const path_view *v = path_slot((msrp_chunk *)c, id);
  if (!v)
    return 0;
  if (v->lazy == LAZY_KNOWN)
    return count_uris(v->raw, v->raw_len);
  const msrp_path *p = path_of(c, (int)(v - c->paths));
  return p ? p->count : 0;
}

int msrp_chunk_set_to_path(msrp_chunk *c, const msrp_path *p) {
  return set_path(c, MSRP_HDR_TO_PATH, p);
}

int msrp_chunk_set_from_path(msrp_chunk *c, const msrp_path *p) {
  return set_path(c, MSRP_HDR_FROM_PATH, p);
}

const char *msrp_chunk_message_id(const msrp_chunk *c) {
  return msrp_chunk_header_by_id(c, MSRP_HDR_MESSAGE_ID);
}

const char *msrp_chunk_content_type(const msrp_chunk *c) {
  return msrp_chunk_header_by_id(c, MSRP_HDR_CONTENT_TYPE);
}

int msrp_chunk_byte_range(const msrp_chunk *c, msrp_byte_range *out) {
  if (!c->has_range)
    return MSRP_ERR_NOT_FOUND;
  *out = c->range;
  return 0;
}

static int append_range_part(msrp__buf *b, uint64_t v) {
  return v == MSRP_BYTE_RANGE_UNKNOWN ? msrp__buf_append(b, "*", 1)
                                      : msrp__buf_append_u64(b, v);
}

int msrp_chunk_set_byte_range(msrp_chunk *c, uint64_t start, uint64_t end,
                              uint64_t total) {
  if (start == MSRP_BYTE_RANGE_UNKNOWN)
    return MSRP_ERR_PARSE_BYTE_RANGE;
  msrp__buf b = {0};
  int rc = msrp__buf_append_u64(&b, start);
  if (!rc)
    rc = msrp__buf_append(&b, "-", 1);
  if (!rc)
    rc = append_range_part(&b, end);
  if (!rc)
    rc = msrp__buf_append(&b, "/", 1);
  if (!rc)
    rc = append_range_part(&b, total);
  if (!rc)
    rc = msrp_chunk_set_header(c, "Byte-Range", b.data);
  msrp__buf_free(&b);
  return rc;
}

msrp_report_mode msrp_chunk_success_report(const msrp_chunk *c) {
  return c->success;
}

msrp_report_mode msrp_chunk_failure_report(const msrp_chunk *c) {
  return c->failure;
}

int msrp_chunk_wants_response(const msrp_chunk *c, int code) {
  if (!c || !c->method || c->method_id == MSRP_METHOD_REPORT)
    return 0;
  return !(c->failure == MSRP_REPORT_NO ||
           (c->failure == MSRP_REPORT_PARTIAL && code == MSRP_STATUS_OK));
}

/* The same session id (both absent counts as the same). */
static bool same_session_id(const msrp_uri *a, const msrp_uri *b) {
  if (!a->session_id || !b->session_id)
    return !a->session_id && !b->session_id;
  return strcmp(a->session_id, b->session_id) == 0;
}

bool msrp__paths_same_sessions(const msrp_path *a, const msrp_path *b) {
  if (a->count != b->count)
    return false;
  for (size_t i = 0; i < a->count; i++)
    if (!same_session_id(&a->uris[i], &b->uris[i]))
      return false;
  return true;
}

bool msrp__uri_matches(const msrp_uri *a, const msrp_uri *b,
                       int session_id_only) {
  return session_id_only ? same_session_id(a, b) : msrp_uri_equal(a, b);
}

int msrp_chunk_check_session_mode(const msrp_chunk *c, const msrp_path *local,
                                  const msrp_path *remote,
                                  int session_id_only) {
  const msrp_path *to = c ? path_of(c, P_TO) : NULL;
  const msrp_path *from = c ? path_of(c, P_FROM) : NULL;
  if (!c || !c->method || !to || !from || !local || !remote)
    return MSRP_STATUS_BAD_REQUEST;
  if (local->count == 0 ||
      !msrp__uri_matches(&to->uris[to->count - 1],
                         &local->uris[local->count - 1], session_id_only) ||
      !(session_id_only ? msrp__paths_same_sessions(from, remote)
                        : msrp_path_equal(from, remote)))
    return MSRP_STATUS_NO_SESSION;
  return 0;
}

int msrp_chunk_check_session(const msrp_chunk *c, const msrp_path *local,
                             const msrp_path *remote) {
  return msrp_chunk_check_session_mode(c, local, remote, 0);
}

int msrp_chunk_status(const msrp_chunk *c, msrp_status_header *out) {
  if (!c->has_status)
    return MSRP_ERR_NOT_FOUND;
  *out = c->status;
  return 0;
}

int msrp_chunk_expiry(const msrp_chunk *c, msrp_header_id id, uint32_t *out) {
  int ei = expiry_index(id);
  if (ei < 0)
    return MSRP_ERR_INVALID_ARGUMENT;
  if (!c->has_expiry[ei])
    return MSRP_ERR_NOT_FOUND;
  *out = c->expiry[ei];
  return 0;
}

/* ---- body and flag ----------------------------------------------------- */

int msrp_chunk_set_body(msrp_chunk *c, const void *data, size_t len) {
  uint8_t *copy = NULL;
  if (len) {
    copy = malloc(len);
    if (!copy)
      return MSRP_ERR_NOMEM;
    memcpy(copy, data, len);
  }
  free(c->body_owned);
  c->body_owned = copy;
  c->body = copy;
  c->body_len = len;
  return 0;
}

void msrp__chunk_take_body(msrp_chunk *c, void *data, size_t len) {
  free(c->body_owned);
  c->body_owned = data;
  c->body = len ? data : NULL;
  c->body_len = len;
}

void msrp_chunk_set_body_ref(msrp_chunk *c, const void *data, size_t len) {
  free(c->body_owned);
  c->body_owned = NULL;
  c->body = len ? data : NULL;
  c->body_len = len;
}

int msrp_chunk_error(const msrp_chunk *c) {
  /* what a path not yet parsed would have said */
  for (int k = 0; k < P_COUNT; k++)
    if (c->paths[k].lazy == LAZY_PENDING)
      settle(c, k);
  return c->error;
}

const uint8_t *msrp_chunk_body(const msrp_chunk *c, size_t *len) {
  if (len)
    *len = c->body_len;
  return c->body;
}

int msrp_chunk_has_content(const msrp_chunk *c) {
  return c->had_content || c->body_len > 0 ||
         find_id(c, MSRP_HDR_CONTENT_TYPE) >= 0;
}

char msrp_chunk_flag(const msrp_chunk *c) {
  return c->flag;
}

int msrp_chunk_set_flag(msrp_chunk *c, char flag) {
  if (flag != MSRP_FLAG_END && flag != MSRP_FLAG_MORE &&
      flag != MSRP_FLAG_ABORT)
    return MSRP_ERR_INVALID_ARGUMENT;
  c->flag = flag;
  return 0;
}

/* ---- serialization ----------------------------------------------------- */

static int render_head(msrp_chunk *c, msrp__buf *b) {
  int rc = c->method ? msrp__wire_request_line(b, c->tid, c->tid_len, c->method)
                     : msrp__wire_response_line(b, c->tid, c->tid_len, c->code,
                                                c->comment);
  for (size_t i = 0; i < c->nhdrs && !rc; i++)
    rc = msrp__wire_header(b, c->hdrs[i].name, c->hdrs[i].value);
  if (!rc && msrp_chunk_has_content(c))
    rc = msrp__buf_append(b, "\r\n", 2);
  return rc;
}

static int render_tail(msrp_chunk *c, msrp__buf *b, char flag) {
  return msrp__wire_end_line(b, msrp_chunk_has_content(c), c->tid, c->tid_len,
                             flag);
}

/* Head and tail go into one buffer owned by the chunk, so that the pieces
 * stay valid while the chunk is unchanged. */
static int render(msrp_chunk *c, char flag) {
  c->wire.len = 0;
  int rc = render_head(c, &c->wire);
  if (rc)
    return rc;
  c->tail_off = c->wire.len;
  return render_tail(c, &c->wire, flag);
}

int msrp_chunk_serialize(msrp_chunk *c, struct iovec iov[MSRP_CHUNK_IOV_MAX]) {
  if (body_has_end_line(c->body, c->body_len, c->tid, c->tid_len))
    return MSRP_ERR_BODY_HAS_END_LINE;
  int rc = render(c, c->flag);
  if (rc)
    return rc;
  int n = 0;
  iov[n++] = (struct iovec){c->wire.data, c->tail_off};
  if (c->body_len)
    iov[n++] = (struct iovec){(void *)c->body, c->body_len};
  iov[n++] =
      (struct iovec){c->wire.data + c->tail_off, c->wire.len - c->tail_off};
  return n;
}

int msrp_chunk_serialize_head(msrp_chunk *c, struct iovec *head) {
  int rc = render(c, c->flag);
  if (rc)
    return rc;
  *head = (struct iovec){c->wire.data, c->tail_off};
  return 0;
}

int msrp_chunk_serialize_tail(msrp_chunk *c, char flag, struct iovec *tail) {
  if (flag != MSRP_FLAG_END && flag != MSRP_FLAG_MORE &&
      flag != MSRP_FLAG_ABORT)
    return MSRP_ERR_INVALID_ARGUMENT;
  int rc = render(c, flag);
  if (rc)
    return rc;
  *tail = (struct iovec){c->wire.data + c->tail_off, c->wire.len - c->tail_off};
  return 0;
}

int msrp_chunk_to_bytes(msrp_chunk *c, char **out, size_t *len) {
  struct iovec iov[MSRP_CHUNK_IOV_MAX];
  int n = msrp_chunk_serialize(c, iov);
  if (n < 0)
    return n;
  size_t total = 0;
  for (int i = 0; i < n; i++)
    total += iov[i].iov_len;
  char *p = malloc(total + 1);
  if (!p)
    return MSRP_ERR_NOMEM;
  size_t off = 0;
  for (int i = 0; i < n; i++) {
    memcpy(p + off, iov[i].iov_base, iov[i].iov_len);
    off += iov[i].iov_len;
  }
  p[total] = '\0';
  *out = p;
  if (len)
    *len = total;
  return 0;
}
