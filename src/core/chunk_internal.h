/* SPDX-License-Identifier: MIT
 * Copyright (c) 2026 The libmsrp authors */
/* What the parser and the engine need from the chunk beyond the public API. */
#ifndef MSRP_CORE_CHUNK_INTERNAL_H
#define MSRP_CORE_CHUNK_INTERNAL_H

#include <msrp/chunk.h>

#include <stdbool.h>

/* A chunk from start-line parts already checked by the caller. `method`
 * NULL makes a response with `code` and `comment` (clen bytes, may be 0
 * with comment NULL for none). */
int msrp__chunk_new(msrp_chunk **out, const char *tid, size_t tid_len,
                    const char *method, size_t method_len, int code,
                    const char *comment, size_t comment_len);

/* Append a header as the parser found it, after the others. A bad name
 * gives MSRP_ERR_PARSE_HEADER, a value with a CTL too; a path longer than
 * `max_path_uris` (0 = unbounded) gives MSRP_ERR_LIMIT_PATH_LENGTH; both
 * leave the chunk unchanged. A known header whose value is bad (or that
 * repeats though single-valued, or an empty Message-ID) is appended
 * verbatim without a typed view, and its MSRP_ERR_PARSE_* code becomes the
 * chunk's error if it has none yet; that is not a failure (returns 0). */
/* The same in `*io`, a chunk of ours no one else has, made empty and
 * reused (its memory of the usual sizes kept). On failure *io is freed and
 * NULL. */
int msrp__chunk_renew(msrp_chunk **io, const char *tid, size_t tid_len,
                      const char *method, size_t method_len, int code,
                      const char *comment, size_t comment_len);

int msrp__chunk_append_header(msrp_chunk *c, const char *name, size_t name_len,
                              const char *value, size_t value_len,
                              size_t max_path_uris);

/* Make `err` the chunk's error (msrp_chunk_error()) unless it has one. */
void msrp__chunk_note_error(msrp_chunk *c, int err);

/* Check a transaction id as received: 1*ident-char, starting with
 * ALPHANUM, any length (the parser bounds it). */
int msrp__check_tid(const char *tid, size_t len);

/* Check a method name: 1*UPALPHA. */
int msrp__check_method(const char *method, size_t len);
/* A method as the parser frames it: any token (RFC 3261 token chars). */
int msrp__check_method_token(const char *method, size_t len);

/* Give `data` (malloc'ed, `len` bytes) to the chunk as its body: the chunk
 * frees it. */
void msrp__chunk_take_body(msrp_chunk *c, void *data, size_t len);

/* A Message-ID we may send: 1*256 ident-char. */
bool msrp__valid_message_id(const char *v, size_t len);
/* hname = ALPHA *token-char (RFC 4975 section 9). */
bool msrp__valid_header_name(const char *name, size_t len);

/* Set the flag without checking (the parser checked it). */
void msrp__chunk_set_flag_raw(msrp_chunk *c, char flag);

/* Mark that the chunk had content-stuff (an empty line after its headers)
 * even if it carries no Content-Type. */
void msrp__chunk_set_has_content(msrp_chunk *c);

size_t msrp__chunk_tid_len(const msrp_chunk *c);

/* msrp_chunk_make() with the source of random transaction ids given
 * (msrp__random_token() in msrp_chunk_make()), so that a test can make the
 * first random id collide with the body. */
int msrp__chunk_make(msrp_chunk **out, const msrp_chunk_params *p,
                     int (*random_tid)(char *out, size_t len));

/* Session matching by session id alone (RFC 6714 CEMA): the same ids, in
 * the same number of URIs; one URI against another, or by msrp_uri_equal()
 * when `session_id_only` is 0. */
/* Whether a received chunk's To-Path and From-Path are, byte for byte,
 * `to` and `from` (paths known to be good, formatted): if so they are
 * taken as such and parsed only when asked for. */
bool msrp__chunk_paths_are(const msrp_chunk *c, const char *to, size_t to_len,
                           const char *from, size_t from_len);
/* How many URIs path header `id` has (0 without one), without parsing a
 * path msrp__chunk_paths_are() vouched for. */
size_t msrp__chunk_path_count(const msrp_chunk *c, msrp_header_id id);

bool msrp__paths_same_sessions(const msrp_path *a, const msrp_path *b);
bool msrp__uri_matches(const msrp_uri *a, const msrp_uri *b,
                       int session_id_only);

#endif
