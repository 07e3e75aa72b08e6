/* libmsrp — the MSRP chunk: one request or response (RFC 4975 section 7).
 *
 * A chunk is what the seed calls MSRPData: a start line (transaction id and
 * method, or transaction id, status code and comment), headers in order,
 * an optional body and the end-line's continuation flag.
 *
 * Headers keep their order and the spelling of their names, so a parsed
 * chunk serializes back to the bytes it came from. The headers RFC 4975 and
 * RFC 4976 define are checked when they are set or parsed and can be read
 * typed (paths, Byte-Range, Status, reports, expiry); every other header is
 * kept verbatim.
 */
#ifndef MSRP_CHUNK_H
#define MSRP_CHUNK_H

#include <msrp/common.h>
#include <msrp/uri.h>

#include <sys/uio.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct msrp_chunk msrp_chunk;

typedef enum msrp_method {
  MSRP_METHOD_NONE = 0, /* the chunk is a response */
  MSRP_METHOD_SEND,
  MSRP_METHOD_REPORT,
  MSRP_METHOD_AUTH,     /* RFC 4976 */
  MSRP_METHOD_NICKNAME, /* RFC 7701 */
  MSRP_METHOD_OTHER     /* any other 1*UPALPHA method name */
} msrp_method;

typedef enum msrp_header_id {
  MSRP_HDR_OTHER = 0, /* an extension header, kept verbatim */
  MSRP_HDR_TO_PATH,
  MSRP_HDR_FROM_PATH,
  MSRP_HDR_MESSAGE_ID,
  MSRP_HDR_BYTE_RANGE,
  MSRP_HDR_CONTENT_TYPE,
  MSRP_HDR_SUCCESS_REPORT,
  MSRP_HDR_FAILURE_REPORT,
  MSRP_HDR_STATUS,
  MSRP_HDR_USE_PATH,            /* RFC 4976 */
  MSRP_HDR_EXPIRES,             /* RFC 4976 */
  MSRP_HDR_MIN_EXPIRES,         /* RFC 4976 */
  MSRP_HDR_MAX_EXPIRES,         /* RFC 4976 */
  MSRP_HDR_WWW_AUTHENTICATE,    /* RFC 4976 */
  MSRP_HDR_AUTHORIZATION,       /* RFC 4976 */
  MSRP_HDR_AUTHENTICATION_INFO, /* RFC 4976 */
  MSRP_HDR_USE_NICKNAME         /* RFC 7701 */
} msrp_header_id;

/* The canonical name of a header id ("To-Path"); NULL for MSRP_HDR_OTHER. */
MSRP_API const char *msrp_header_name(msrp_header_id id);
/* The id of a header name, case-insensitively; MSRP_HDR_OTHER if unknown. */
MSRP_API msrp_header_id msrp_header_lookup(const char *name, size_t len);

/* Success-Report and Failure-Report values. */
typedef enum msrp_report_mode {
  MSRP_REPORT_ABSENT = 0, /* no such header: the RFC default applies */
  MSRP_REPORT_YES,
  MSRP_REPORT_NO,
  MSRP_REPORT_PARTIAL /* Failure-Report only */
} msrp_report_mode;

/* "*" in a Byte-Range end or total. */
#define MSRP_BYTE_RANGE_UNKNOWN UINT64_MAX

typedef struct msrp_byte_range {
  uint64_t start; /* first byte, counting from 1 */
  uint64_t end;   /* last byte, or MSRP_BYTE_RANGE_UNKNOWN for "*" */
  uint64_t total; /* whole message, or MSRP_BYTE_RANGE_UNKNOWN for "*" */
} msrp_byte_range;

/* The Status header of a REPORT: "000 200 OK". `reason` points into the
 * chunk and is NULL when absent. */
typedef struct msrp_status_header {
  int ns;   /* namespace, 0 for MSRP */
  int code; /* status code */
  const char *reason;
} msrp_status_header;

/* Continuation flags of the end-line. */
#define MSRP_FLAG_END '$'
#define MSRP_FLAG_MORE '+'
#define MSRP_FLAG_ABORT '#'

/* ---- construction ------------------------------------------------------ */

/* A new request with no headers. `tid` NULL means a random transaction id;
 * `method` is 1*UPALPHA (MSRP_ERR_PARSE_METHOD otherwise). The flag is '$'.
 * Errors: MSRP_ERR_NOMEM, MSRP_ERR_PARSE_TRANSACTION_ID, MSRP_ERR_PARSE_METHOD,
 * MSRP_ERR_INVALID_ARGUMENT. */
MSRP_API int msrp_chunk_new_request(msrp_chunk **out, const char *tid,
                                    const char *method);

/* A new response with no headers. `code` 100..999; `comment` may be NULL
 * (no comment on the start line). */
MSRP_API int msrp_chunk_new_response(msrp_chunk **out, const char *tid,
                                     int code, const char *comment);

/* The defaults of the seed's make_chunk(). Zero-initialise and set what you
 * need (designated initialisers work well). */
typedef struct msrp_chunk_params {
  const char *transaction_id; /* NULL: random, 12 characters */
  const char *method;         /* NULL: "SEND" (ignored for responses) */
  int code;                   /* non-zero: make a response with this code */
  const char *comment;        /* response comment; NULL: none */
  const msrp_path *to_path;   /* copied; NULL: no To-Path header */
  const msrp_path *from_path; /* copied; NULL: no From-Path header */
  const void *data;           /* body, copied; may be NULL with data_len 0 */
  size_t data_len;
  const char *content_type; /* required when data_len > 0 */
  char contflag;            /* 0: '$', or '+' for a partial SEND */
  uint64_t start;           /* Byte-Range start; 0 means 1 */
  uint64_t end;             /* 0: start - 1 + data_len */
  uint64_t length;          /* total; 0: start - 1 + data_len;
                               MSRP_BYTE_RANGE_UNKNOWN writes "*" */
  const char *message_id;   /* SEND: NULL means random, 16 characters */
} msrp_chunk_params;

/* Make a chunk as the seed's make_chunk does: To-Path first, From-Path
 * second; for SEND, Message-ID and Byte-Range; Content-Type when there is a
 * body. The flag is `contflag`, else '+' for a SEND whose range ends before
 * its total, else '$'. Errors: MSRP_ERR_NOMEM, MSRP_ERR_INVALID_ARGUMENT
 * (body without content type, end before start - 1), and the errors of
 * msrp_chunk_new_request()/msrp_chunk_new_response(). */
MSRP_API int msrp_chunk_make(msrp_chunk **out, const msrp_chunk_params *p);

/* The transaction response to `request` (RFC 4975 section 7.2): the same
 * transaction id; To-Path is the first URI of the request's From-Path (the
 * previous hop), From-Path the first URI of its To-Path (this hop).
 * `comment` NULL uses msrp_status_comment(code). */
MSRP_API int msrp_chunk_make_response(msrp_chunk **out,
                                      const msrp_chunk *request, int code,
                                      const char *comment);

/* A deep copy, body included (a borrowed body becomes an owned copy). */
MSRP_API int msrp_chunk_dup(msrp_chunk **out, const msrp_chunk *chunk);

MSRP_API void msrp_chunk_free(msrp_chunk *chunk);

/* ---- the start line ---------------------------------------------------- */

MSRP_API int msrp_chunk_is_request(const msrp_chunk *chunk);
MSRP_API const char *msrp_chunk_transaction_id(const msrp_chunk *chunk);
/* The method as written ("SEND"), or NULL for a response. */
MSRP_API const char *msrp_chunk_method(const msrp_chunk *chunk);
MSRP_API msrp_method msrp_chunk_method_id(const msrp_chunk *chunk);
/* The status code of a response, 0 for a request. */
MSRP_API int msrp_chunk_code(const msrp_chunk *chunk);
/* The comment of a response, or NULL. */
MSRP_API const char *msrp_chunk_comment(const msrp_chunk *chunk);

/* ---- headers ----------------------------------------------------------- */

MSRP_API size_t msrp_chunk_header_count(const msrp_chunk *chunk);
/* The i-th header. Returns MSRP_ERR_NOT_FOUND past the end. The strings are
 * the chunk's, valid until the chunk changes or is freed. */
MSRP_API int msrp_chunk_header_at(const msrp_chunk *chunk, size_t i,
                                  msrp_header_id *id, const char **name,
                                  const char **value);
/* The value of the first header with this name (case-insensitive), or
 * NULL. */
MSRP_API const char *msrp_chunk_header(const msrp_chunk *chunk,
                                       const char *name);
MSRP_API const char *msrp_chunk_header_by_id(const msrp_chunk *chunk,
                                             msrp_header_id id);

/* Set a header: replace the value of the first header with this name, or
 * append one. The value of a header RFC 4975/4976 define is checked and
 * the same MSRP_ERR_PARSE_* error the parser would give is returned; the
 * chunk is unchanged on failure. */
MSRP_API int msrp_chunk_set_header(msrp_chunk *chunk, const char *name,
                                   const char *value);
/* Append a header even if one with this name exists (WWW-Authenticate may
 * repeat). Single-valued known headers give
 * MSRP_ERR_PARSE_DUPLICATE_HEADER. */
MSRP_API int msrp_chunk_add_header(msrp_chunk *chunk, const char *name,
                                   const char *value);
/* Remove every header with this name; MSRP_ERR_NOT_FOUND if none. */
MSRP_API int msrp_chunk_remove_header(msrp_chunk *chunk, const char *name);

/* Typed access. The paths are the chunk's; NULL when the header is absent. */
MSRP_API const msrp_path *msrp_chunk_to_path(const msrp_chunk *chunk);
MSRP_API const msrp_path *msrp_chunk_from_path(const msrp_chunk *chunk);
MSRP_API const msrp_path *msrp_chunk_use_path(const msrp_chunk *chunk);
MSRP_API int msrp_chunk_set_to_path(msrp_chunk *chunk, const msrp_path *p);
MSRP_API int msrp_chunk_set_from_path(msrp_chunk *chunk, const msrp_path *p);

MSRP_API const char *msrp_chunk_message_id(const msrp_chunk *chunk);
MSRP_API const char *msrp_chunk_content_type(const msrp_chunk *chunk);

/* 0 and *out filled, or MSRP_ERR_NOT_FOUND. */
MSRP_API int msrp_chunk_byte_range(const msrp_chunk *chunk,
                                   msrp_byte_range *out);
/* Writes "start-end/total" ("*" for MSRP_BYTE_RANGE_UNKNOWN). */
MSRP_API int msrp_chunk_set_byte_range(msrp_chunk *chunk, uint64_t start,
                                       uint64_t end, uint64_t total);

MSRP_API msrp_report_mode msrp_chunk_success_report(const msrp_chunk *chunk);
MSRP_API msrp_report_mode msrp_chunk_failure_report(const msrp_chunk *chunk);

/* 0 and *out filled, or MSRP_ERR_NOT_FOUND. */
MSRP_API int msrp_chunk_status(const msrp_chunk *chunk,
                               msrp_status_header *out);

/* Expires, Min-Expires or Max-Expires in seconds: 0, or
 * MSRP_ERR_NOT_FOUND, or MSRP_ERR_INVALID_ARGUMENT for another id. */
MSRP_API int msrp_chunk_expiry(const msrp_chunk *chunk, msrp_header_id id,
                               uint32_t *out);

/* ---- body and flag ----------------------------------------------------- */

/* Copy `len` bytes as the body. */
MSRP_API int msrp_chunk_set_body(msrp_chunk *chunk, const void *data,
                                 size_t len);
/* Use `data` as the body without copying: the caller keeps it alive and
 * unchanged until the chunk is freed or given another body. */
MSRP_API void msrp_chunk_set_body_ref(msrp_chunk *chunk, const void *data,
                                      size_t len);
/* The body (NULL with *len 0 when there is none). */
MSRP_API const uint8_t *msrp_chunk_body(const msrp_chunk *chunk, size_t *len);

/* Whether the chunk carries content-stuff: a Content-Type or a body. Such a
 * chunk has an empty line after its headers and CRLF before its end-line. */
MSRP_API int msrp_chunk_has_content(const msrp_chunk *chunk);

MSRP_API char msrp_chunk_flag(const msrp_chunk *chunk);
/* '$', '+' or '#'; MSRP_ERR_INVALID_ARGUMENT otherwise. */
MSRP_API int msrp_chunk_set_flag(msrp_chunk *chunk, char flag);

/* ---- serialization ----------------------------------------------------- */

#define MSRP_CHUNK_IOV_MAX 3

/* The wire bytes of the whole chunk as up to three pieces: head (start
 * line, headers and, with content, the empty line), body, tail (CRLF before
 * the end-line when there is content, and the end-line). The body is not
 * copied: iov[1] points at the chunk's body. Head and tail are rendered into
 * the chunk and stay valid until it changes or is freed. Returns the number
 * of pieces written to `iov` (2 or 3) or a negative error. */
MSRP_API int msrp_chunk_serialize(msrp_chunk *chunk,
                                  struct iovec iov[MSRP_CHUNK_IOV_MAX]);

/* Only the head, for a body streamed by the caller. */
MSRP_API int msrp_chunk_serialize_head(msrp_chunk *chunk, struct iovec *head);

/* Only the tail, with a given flag (e.g. '+' to interrupt a chunk whose
 * head said more, or '#' to abort). */
MSRP_API int msrp_chunk_serialize_tail(msrp_chunk *chunk, char flag,
                                       struct iovec *tail);

/* The whole chunk as one new NUL-terminated string (for logs, tests and
 * small programs); the caller frees *out with free(). */
MSRP_API int msrp_chunk_to_bytes(msrp_chunk *chunk, char **out, size_t *len);

#ifdef __cplusplus
}
#endif
#endif
