/* SPDX-License-Identifier: MIT
 * Copyright (c) 2026 The libmsrp authors */
/** @file
 * libmsrp — the streaming MSRP parser.
 *
 * The parser takes bytes in pieces of any size, down to one byte, and gives
 * events: the headers of a chunk are complete; a slice of its body; the end
 * of the chunk with its flag. It never holds a body: a body slice points
 * into the caller's input (or, for the few bytes it had to hold back while
 * it looked at a possible end-line, into the parser), and the parser's own
 * memory is bounded by its header limits whatever the body size.
 *
 *     msrp_parser *p;
 *     msrp_parser_new(&p, NULL);
 *     while (len > 0) {
 *       size_t used;
 *       msrp_event ev;
 *       int rc = msrp_parser_execute(p, data, len, &used, &ev);
 *       if (rc < 0) { ... msrp_strerror(rc) ...; break; }
 *       data += used; len -= used;
 *       switch (ev.type) { ... }
 *     }
 *
 * A body ends only at CRLF "-------" transaction-id flag CRLF with this
 * chunk's own transaction id and a valid flag: CRLFs, NUL bytes, other
 * chunks' end-lines and prefixes of its own end-line inside a body are body.
 *
 * Two kinds of errors. When the framing breaks, the stream cannot go on:
 * msrp_parser_execute() fails (a start line that is not "MSRP tid method" or
 * "MSRP tid code [comment]", a bad transaction id, method or status code, a
 * control character in the comment; a header line without "name:" or with
 * a name that is not a token starting with a letter, a control character
 * in a header value, a line starting with '-' that is not an end-line, an
 * end-line in header position with another tid or a bad flag; a line
 * ending other than CRLF; a limit exceeded). When the framing is intact but
 * the chunk is not understood - a known header with a bad value (To-Path,
 * From-Path or Use-Path with a malformed URI, Byte-Range, Status,
 * Success-Report, Failure-Report, Expires, Min-Expires, Max-Expires, an
 * empty Message-ID), a single-valued header twice, To-Path or From-Path
 * missing - parsing goes on: the header is kept verbatim (so the chunk
 * serializes as it was received) without a typed view, the first such
 * error is recorded on the chunk (msrp_chunk_error(), set by the HEADERS
 * event), and the chunk's body and END follow as usual. What to do about it
 * is the consumer's decision: a session answers such a request with 400.
 */
#ifndef MSRP_PARSER_H
#define MSRP_PARSER_H

#include <msrp/chunk.h>
#include <msrp/common.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct msrp_parser msrp_parser;

/** The largest max_tid_length: a larger one is taken as this. */
#define MSRP_PARSER_TID_LENGTH_MAX 256

/** Hard limits; exceeding one is an MSRP_ERR_LIMIT_* error. A value of 0 in
 * a field given to msrp_parser_new() means that field's default. */
typedef struct msrp_parser_limits {
  size_t max_header_bytes;  /**< start line, headers and end-line: 16384 */
  size_t max_header_count;  /**< header lines: 64 */
  size_t max_path_uris;     /**< URIs in one path header: 32 */
  size_t max_tid_length;    /**< transaction id: 64 (RFC 4975 allows 32);
                               at most MSRP_PARSER_TID_LENGTH_MAX */
  size_t max_method_length; /**< method name: 32 */
} msrp_parser_limits;

MSRP_API void msrp_parser_limits_default_sized(msrp_parser_limits *limits,
                                               size_t limits_size);
/** The defaults, into `limits` (msrp_parser_limits_default_sized() with
 * this program's struct size, @ref sized). */
#define msrp_parser_limits_default(...)                                        \
  msrp_parser_limits_default_sized(__VA_ARGS__, sizeof(msrp_parser_limits))

typedef enum msrp_event_type {
  MSRP_EVENT_NONE = 0, /**< all input used; give more */
  MSRP_EVENT_HEADERS,  /**< start line and headers of `chunk` are complete */
  MSRP_EVENT_BODY,     /**< `data`/`len` are the body bytes at `offset` */
  MSRP_EVENT_SEGMENT,  /**< a virtual chunk ends here (see segment size) */
  MSRP_EVENT_END       /**< the chunk ends with `flag` */
} msrp_event_type;

typedef struct msrp_event {
  msrp_event_type type;
  /** The chunk being parsed (all events but NONE). The parser owns it until
   * the next chunk begins, unless msrp_parser_take_chunk() takes it. It has
   * no body: the body comes as BODY events. From HEADERS on,
   * msrp_chunk_error() says whether it was understood. */
  msrp_chunk *chunk;
  /** BODY: the slice, valid until the next call; offset counts from 0 at the
   * first body byte of this chunk. */
  const uint8_t *data;
  size_t len;
  uint64_t offset;
  /** END: the end-line flag. SEGMENT: '+'. */
  char flag;
  /** SEGMENT, and END of a chunk that was cut (had a SEGMENT): the virtual
   * chunk's number (1, 2, ...) and its Byte-Range in the message (the
   * chunk's start, or 1 without a Byte-Range, moved by the bytes before it;
   * end from the bytes in it; the chunk's total, or "*"). END of a chunk
   * that was not cut, with or without a segment size: segment 0 and the
   * chunk's own Byte-Range (all zero when it has none or a bad one). */
  unsigned segment;
  msrp_byte_range range;
} msrp_event;

/** Errors: MSRP_ERR_NOMEM, MSRP_ERR_INVALID_ARGUMENT (`out` NULL). `limits`
 * NULL means all defaults; a max_tid_length above
 * MSRP_PARSER_TID_LENGTH_MAX is lowered to it. */
MSRP_API int msrp_parser_new_sized(msrp_parser **out,
                                   const msrp_parser_limits *limits,
                                   size_t limits_size);
/** msrp_parser_new_sized() with this program's struct size. */
#define msrp_parser_new(...)                                                   \
  msrp_parser_new_sized(__VA_ARGS__, sizeof(msrp_parser_limits))
MSRP_API void msrp_parser_free(msrp_parser *parser);
/** New limits (as msrp_parser_new takes them), between chunks only:
 * MSRP_ERR_BUSY inside one, MSRP_ERR_NOMEM. */
MSRP_API int msrp_parser_set_limits_sized(msrp_parser *parser,
                                          const msrp_parser_limits *limits,
                                          size_t limits_size);
/** msrp_parser_set_limits_sized() with this program's struct size. */
#define msrp_parser_set_limits(...)                                            \
  msrp_parser_set_limits_sized(__VA_ARGS__, sizeof(msrp_parser_limits))

/** Forget any chunk in progress and any failure; start at a start line. */
MSRP_API void msrp_parser_reset(msrp_parser *parser);

/** No segment size (the default): bodies are not cut. */
#define MSRP_PARSER_NO_SEGMENTS SIZE_MAX

/** Cut bodies into virtual chunks of `size` bytes, as the seed's
 * read_chunk(size): after each `size` body bytes, when more body follows,
 * a SEGMENT event marks a virtual chunk that ends with '+'. A size of 0 cuts
 * after every BODY event (so where it cuts depends on how the input was
 * split). A chunk whose body is not longer than `size` is not cut. Takes
 * effect at once when no body byte of the current chunk has been given out
 * yet, else from the next chunk. */
MSRP_API void msrp_parser_set_segment_size(msrp_parser *parser, size_t size);

/** Parse from `in`. Stops at the first event: `*consumed` says how many
 * bytes of `in` were used (possibly 0, for an event the parser had ready)
 * and `*ev` is the event, or MSRP_EVENT_NONE when all `len` bytes were used
 * without one. Returns 0, or a negative error after which the parser stays
 * failed (MSRP_ERR_PARSER_FAILED) until reset: MSRP_ERR_NOMEM, an
 * MSRP_ERR_LIMIT_*, or one of MSRP_ERR_PARSE_START_LINE,
 * MSRP_ERR_PARSE_TRANSACTION_ID, MSRP_ERR_PARSE_METHOD,
 * MSRP_ERR_PARSE_STATUS_CODE, MSRP_ERR_PARSE_HEADER,
 * MSRP_ERR_PARSE_LINE_ENDING, MSRP_ERR_PARSE_END_LINE_TID,
 * MSRP_ERR_PARSE_END_LINE_FLAG (see the top of this file). The other
 * MSRP_ERR_PARSE_* codes are chunk errors, never returned here. Events
 * and errors do not depend on how the input is split, except the SEGMENT
 * events of segment size 0. */
MSRP_API int msrp_parser_execute(msrp_parser *parser, const uint8_t *in,
                                 size_t len, size_t *consumed, msrp_event *ev);

/** Take ownership of the current chunk (valid from its HEADERS event on);
 * free it with msrp_chunk_free(). Later events of the same chunk still point
 * at it, so keep it alive until its END. NULL if there is none. */
MSRP_API msrp_chunk *msrp_parser_take_chunk(msrp_parser *parser);

/** The chunk being parsed, or the last one parsed; NULL before the first.
 * Owned as described for msrp_event.chunk (a taken chunk is the taker's). */
MSRP_API msrp_chunk *msrp_parser_chunk(const msrp_parser *parser);

/** 1 when the parser stands between chunks (nothing of a next chunk read
 * yet), 0 inside one: whether a connection closing now cut a chunk. */
MSRP_API int msrp_parser_between_chunks(const msrp_parser *parser);

/** Between chunks, let go of the memory the parser keeps for the next one
 * (the last chunk, if it is still the parser's, and the line buffer): an
 * idle connection's parser then holds a few hundred bytes. Elsewhere it
 * does nothing. Events' chunks are invalid afterwards, as after the next
 * chunk's start line. */
MSRP_API void msrp_parser_shrink(msrp_parser *parser);

/** Bytes consumed since creation or the last reset: after an error, where
 * the offending input was. */
MSRP_API uint64_t msrp_parser_position(const msrp_parser *parser);

#ifdef __cplusplus
}
#endif
#endif
