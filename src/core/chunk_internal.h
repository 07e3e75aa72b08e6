/* What the parser needs from the chunk beyond the public API. */
#ifndef MSRP_CORE_CHUNK_INTERNAL_H
#define MSRP_CORE_CHUNK_INTERNAL_H

#include <msrp/chunk.h>

/* A chunk from start-line parts already checked by the caller. `method`
 * NULL makes a response with `code` and `comment` (clen bytes, may be 0
 * with comment NULL for none). */
int msrp__chunk_new(msrp_chunk **out, const char *tid, size_t tid_len,
                    const char *method, size_t method_len, int code,
                    const char *comment, size_t comment_len);

/* Append a header as the parser found it: known headers are checked (the
 * parser's error codes), single-valued ones may not repeat, paths are
 * bounded by `max_path_uris` (0 = unbounded). */
int msrp__chunk_append_header(msrp_chunk *c, const char *name,
                              size_t name_len, const char *value,
                              size_t value_len, size_t max_path_uris);

/* Check a transaction id: 1*ident-char, starting with ALPHANUM. */
int msrp__check_tid(const char *tid, size_t len);

/* Check a method name: 1*UPALPHA. */
int msrp__check_method(const char *method, size_t len);

/* Set the flag without checking (the parser checked it). */
void msrp__chunk_set_flag_raw(msrp_chunk *c, char flag);

/* Mark that the chunk had content-stuff (an empty line after its headers)
 * even if it carries no Content-Type. */
void msrp__chunk_set_has_content(msrp_chunk *c);

size_t msrp__chunk_tid_len(const msrp_chunk *c);

#endif
