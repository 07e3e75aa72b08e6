/* SPDX-License-Identifier: MIT
 * Copyright (c) 2026 The libmsrp authors */
/** @file
 * libmsrp — Message/CPIM (RFC 3862): the wrapper a chat message travels in
 * when the peer's accept-types ask for it.
 *
 * A CPIM message is three parts, each after the other:
 *
 *     message headers    From, To, cc, DateTime, Subject, NS, Require and any
 *                        other, "Name:" [";" params] SP value CRLF each
 *     CRLF
 *     MIME headers       of the encapsulated object: Content-Type, Content-ID..
 *     CRLF
 *     content            bytes (UTF-8 text or binary), to the end of the body
 *
 * A msrp_cpim holds the two header lists in order and verbatim (names keep
 * their spelling, values are not interpreted) and a copy of the content.
 * It is built header by header and rendered with msrp_cpim_to_bytes(), or
 * read from a received body with msrp_cpim_parse(). Typed views (addresses,
 * DateTime, Subject by language, namespaces) are computed on request, so a
 * bad value in one header does not make the whole message unreadable.
 *
 * Names are compared ASCII case-insensitively everywhere. No function here
 * does I/O or reads the clock.
 */
#ifndef MSRP_CPIM_H
#define MSRP_CPIM_H

#include <msrp/common.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct msrp_cpim msrp_cpim;

/** Parser limits: the two header sections with their line ends and the two
 * empty lines (everything before the content) may hold at most this many
 * bytes, and at most this many headers together. */
#define MSRP_CPIM_MAX_HEADER_BYTES 65536
#define MSRP_CPIM_MAX_HEADERS 100

/** The namespace of the headers without a prefix (RFC 3862). */
#define MSRP_CPIM_DEFAULT_NS "urn:ietf:params:cpim-headers:"

/** One header. All three strings are NUL-terminated, never NULL, and belong
 * to the message: valid until the message changes or is freed. `params` is
 * the parameter text of a message header as written between the colon and
 * the space (";lang=fr"), "" when there is none and always "" for MIME
 * headers, whose parameters are part of the value. */
typedef struct msrp_cpim_header {
  const char *name;
  size_t name_len;
  const char *params;
  size_t params_len;
  const char *value;
  size_t value_len;
} msrp_cpim_header;

/* ---- life ---------------------------------------------------------------- */

/** A new message with no headers and no content. Errors: MSRP_ERR_NOMEM,
 * MSRP_ERR_INVALID_ARGUMENT (`out` NULL). *out is untouched on failure. */
MSRP_API int msrp_cpim_new(msrp_cpim **out);

/** Frees the message and everything it owns; NULL does nothing. */
MSRP_API void msrp_cpim_free(msrp_cpim *cpim);

/* ---- decoding ------------------------------------------------------------ */

/** Read a Message/CPIM body: `len` bytes at `data` (not NUL-terminated; the
 * content may hold any byte, NUL included). Everything is copied: the
 * message does not refer to `data` afterwards.
 *
 * Lines end in CRLF. A message header is Header-name ":" *(";" Parameter)
 * [SP] value, Header-name being [prefix "."] name of RFC 3862 NAMECHARs;
 * the one SP after the colon or the parameters is not part of the value,
 * further spaces are; a missing SP is tolerated. Message headers are never
 * folded. A MIME header is a field-name (printable ASCII but ':'), ':', and
 * a value whose leading spaces and tabs are dropped; folded MIME headers
 * (a line starting with SP or HTAB) are unfolded by removing the CRLF.
 * Values are not interpreted or checked beyond holding no control
 * character (HTAB is allowed); header counts and order are not checked
 * either (a message with no From, or without MIME headers, is read).
 *
 * Errors: MSRP_ERR_CPIM_SYNTAX for malformed input (empty, no empty line
 * after either header section, a line without ':' or with a bad name or
 * parameter, a control character in a header, a CR not before LF or a bare
 * LF in the headers, a message header starting with a space);
 * MSRP_ERR_CPIM_LIMIT or MSRP_ERR_CPIM_LIMIT past the
 * limits above; MSRP_ERR_NOMEM; MSRP_ERR_INVALID_ARGUMENT (`out` NULL, or
 * `data` NULL with `len` > 0). *out is untouched on failure. */
MSRP_API int msrp_cpim_parse(msrp_cpim **out, const void *data, size_t len);

/* ---- headers ------------------------------------------------------------- */

MSRP_API size_t msrp_cpim_header_count(const msrp_cpim *cpim);
/** The i-th message header, or NULL past the end. */
MSRP_API const msrp_cpim_header *msrp_cpim_header_at(const msrp_cpim *cpim,
                                                     size_t i);
/** The first message header named `name` (case-insensitively, the prefix
 * included: "MyFeatures.VitalMessageOption") at index *pos or later, or
 * NULL. With `pos` non-NULL the search starts at *pos and, on a hit, *pos
 * is set just past it, so that a loop visits every To:
 *   size_t pos = 0;
 *   while ((h = msrp_cpim_header_find(m, "To", &pos))) ...
 * With `pos` NULL, the first such header. */
MSRP_API const msrp_cpim_header *
msrp_cpim_header_find(const msrp_cpim *cpim, const char *name, size_t *pos);

/** The same for the MIME headers of the encapsulated object. */
MSRP_API size_t msrp_cpim_mime_header_count(const msrp_cpim *cpim);
MSRP_API const msrp_cpim_header *msrp_cpim_mime_header_at(const msrp_cpim *cpim,
                                                          size_t i);
MSRP_API const msrp_cpim_header *
msrp_cpim_mime_header_find(const msrp_cpim *cpim, const char *name,
                           size_t *pos);

/** The value of parameter `name` (case-insensitively) of a message header:
 * 0 and *value / *len set to the text after "=" as written (quotes
 * included for a quoted string; length 0 for a parameter without "="),
 * pointing into the header's params and not NUL-terminated; or
 * MSRP_ERR_NOT_FOUND (also for NULL `header` or `name`). `value` and `len`
 * may be NULL. */
MSRP_API int msrp_cpim_header_param(const msrp_cpim_header *header,
                                    const char *name, const char **value,
                                    size_t *len);

/* ---- typed views --------------------------------------------------------- */

/** A From, To or cc value: [Formal-name] "<" URI ">". */
typedef struct msrp_cpim_address {
  char *display_name; /**< UTF-8, unquoted and unescaped; NULL when absent */
  char *uri;          /**< what is between "<" and ">", never empty */
} msrp_cpim_address;

/** Split an address value into display name and URI. The display name is a
 * quoted string (escapes `\"` `\\` `\'` `\b` `\t` `\n` `\r` and `\uXXXX`,
 * surrogate pairs included, are decoded; another escaped character stands for
 * itself) or the unquoted text before "<" (RFC 3862's 1*(Token SP), spaces and
 * tabs around it dropped); `"" <uri>` gives an empty display name, `<uri>` a
 * NULL one. A space between the quoted name and "<" is allowed. A decoded
 * display name may hold control characters that came from escapes, never
 * NUL. Both strings are new: free them with msrp_cpim_address_clear().
 * Errors: MSRP_ERR_CPIM_SYNTAX (no "<...>", an empty URI or one with a
 * space, "<" or a control character, text after ">", an unterminated
 * string, a bad or NUL `\u` escape, a lone surrogate, a `"` in an unquoted
 * name); MSRP_ERR_NOMEM; MSRP_ERR_INVALID_ARGUMENT (`out` NULL, or `value`
 * NULL with `len` > 0). *out is untouched on failure. */
MSRP_API int msrp_cpim_address_parse(const char *value, size_t len,
                                     msrp_cpim_address *out);
/** Frees both strings and sets them to NULL. NULL does nothing. */
MSRP_API void msrp_cpim_address_clear(msrp_cpim_address *addr);

/** The address of the next message header named `name` ("From", "To",
 * "cc") at or after *pos (0 to start; `pos` NULL: the first), parsed as by
 * msrp_cpim_address_parse() into *out, which the caller clears. On a hit,
 * good or bad, *pos moves past that header, so a loop can step over a bad
 * one. Errors: MSRP_ERR_NOT_FOUND (no more such headers),
 * MSRP_ERR_CPIM_SYNTAX (that header's value is not an address),
 * MSRP_ERR_NOMEM, MSRP_ERR_INVALID_ARGUMENT (a NULL argument but `pos`). */
MSRP_API int msrp_cpim_next_address(const msrp_cpim *cpim, const char *name,
                                    size_t *pos, msrp_cpim_address *out);

/** A DateTime (RFC 3339 date-time). */
typedef struct msrp_cpim_time {
  int64_t seconds;      /**< since 1970-01-01T00:00:00Z, UTC; a leap second
                           (:60) counts as the next second */
  uint32_t nanoseconds; /**< the fraction; digits past the ninth dropped */
  int offset_minutes;   /**< the offset written: -480 for -08:00, 0 for Z */
  const char *text;     /**< the text parsed, as given (not a copy) */
  size_t text_len;
} msrp_cpim_time;

/** Parse "2000-12-13T13:40:00-08:00", "...Z", "...40:00.25+01:00": full-date
 * "T" full-time of RFC 3339 section 5.6 ("t" and "z" accepted), days
 * checked against the month and leap years, years 0000 to 9999. Spaces or
 * tabs around it are ignored (and left out of `text`). Errors:
 * MSRP_ERR_CPIM_SYNTAX (anything else), MSRP_ERR_INVALID_ARGUMENT (`out`
 * NULL, or `text` NULL with `len` > 0). *out is untouched on failure. */
MSRP_API int msrp_cpim_time_parse(const char *text, size_t len,
                                  msrp_cpim_time *out);

/** Bytes msrp_cpim_time_format() writes, without the NUL. */
#define MSRP_CPIM_TIME_LEN 20

/** Write `seconds` since the epoch as "YYYY-MM-DDTHH:MM:SSZ" and a NUL to
 * `buf` (`size` at least MSRP_CPIM_TIME_LEN + 1). Returns
 * MSRP_CPIM_TIME_LEN, or MSRP_ERR_INVALID_ARGUMENT for a small or NULL
 * buffer or a time outside the years 0000 to 9999. */
MSRP_API int msrp_cpim_time_format(int64_t seconds, char *buf, size_t size);

/** The first DateTime header, parsed into *out (`text` pointing into the
 * message). Errors: MSRP_ERR_NOT_FOUND, MSRP_ERR_CPIM_SYNTAX,
 * MSRP_ERR_INVALID_ARGUMENT (a NULL argument). */
MSRP_API int msrp_cpim_datetime(const msrp_cpim *cpim, msrp_cpim_time *out);

/** The Subject in language `lang` (its ";lang=" parameter, compared
 * case-insensitively), or with `lang` NULL the first Subject without a
 * lang parameter. 0 and *text / *len set to its value (the message's,
 * NUL-terminated); or MSRP_ERR_NOT_FOUND; MSRP_ERR_INVALID_ARGUMENT for a
 * NULL `cpim` or `text`. `len` may be NULL. */
MSRP_API int msrp_cpim_subject(const msrp_cpim *cpim, const char *lang,
                               const char **text, size_t *len);

/** The namespace URI an NS header binds `prefix` to ("MyFeatures" for
 * "NS: MyFeatures <mid:MessageFeatures@id.foo.com>"), the first such NS
 * header winning; `prefix` NULL or "" asks for the default namespace,
 * MSRP_CPIM_DEFAULT_NS unless an NS header without a prefix says
 * otherwise. 0 and *uri / *len set (*uri points into the message or at
 * MSRP_CPIM_DEFAULT_NS and is not NUL-terminated at the URI's end); or
 * MSRP_ERR_NOT_FOUND. NS headers whose value is malformed are skipped.
 * MSRP_ERR_INVALID_ARGUMENT for a NULL `cpim`, `uri` or `len`. */
MSRP_API int msrp_cpim_namespace(const msrp_cpim *cpim, const char *prefix,
                                 const char **uri, size_t *len);

/** The value of the first MIME Content-Type header, or NULL. */
MSRP_API const char *msrp_cpim_content_type(const msrp_cpim *cpim);

/** The content: the message's own copy, `*len` bytes (NULL with *len 0
 * when empty). Valid until the message changes or is freed. */
MSRP_API const uint8_t *msrp_cpim_content(const msrp_cpim *cpim, size_t *len);

/* ---- building ------------------------------------------------------------ */

/** Every setter copies its arguments, checks them and leaves the message
 * unchanged when it fails. Text must be UTF-8 without control characters
 * (HTAB allowed where noted), so that no argument can end a header line
 * or add one: a CR or LF anywhere gives MSRP_ERR_INVALID_ARGUMENT, as do
 * NULL required arguments and the other checks listed. MSRP_ERR_NOMEM on
 * allocation failure. Headers are written in the order they were added;
 * RFC 3862 wants an NS header before the headers that use its prefix. */

/** Set From: replace the value of the first From header, or add one at the
 * end. `display_name` NULL or "" means none; written bare when it is
 * tokens separated by single spaces (MR SANDERS <im:...>), else as a
 * quoted string with '"', '\' and HTAB escaped ("A \"B\""<im:...>, with no
 * space before '<', as in RFC 3862's ABNF). `uri` must be non-empty,
 * without spaces, '<', '>' or control characters. */
MSRP_API int msrp_cpim_set_from(msrp_cpim *cpim, const char *display_name,
                                const char *uri);
/** Add a To or a cc header, the address written as for From. */
MSRP_API int msrp_cpim_add_to(msrp_cpim *cpim, const char *display_name,
                              const char *uri);
MSRP_API int msrp_cpim_add_cc(msrp_cpim *cpim, const char *display_name,
                              const char *uri);

/** Set DateTime to `seconds` since the epoch, written in UTC with "Z"
 * (msrp_cpim_time_format()): replace the first DateTime header's value or
 * add one at the end. MSRP_ERR_INVALID_ARGUMENT outside the years 0000 to
 * 9999. To send another offset or a fraction, add the text with
 * msrp_cpim_add_header(). */
MSRP_API int msrp_cpim_set_datetime(msrp_cpim *cpim, int64_t seconds);

/** Add a Subject, with ";lang=`lang`" when `lang` is not NULL (a language
 * tag: 1 to 8 letters, then "-" and 1 to 8 letters or digits, any number
 * of times). `text` may hold HTAB. */
MSRP_API int msrp_cpim_add_subject(msrp_cpim *cpim, const char *lang,
                                   const char *text);

/** Add "NS: [prefix SP] <uri>". `prefix` NULL or "" declares the default
 * namespace; otherwise it is a Name (1*NAMECHAR: no '.', space or
 * separator). `uri` as for From. */
MSRP_API int msrp_cpim_add_ns(msrp_cpim *cpim, const char *prefix,
                              const char *uri);

/** Add any message header, verbatim: "name:params value". `name` is an
 * RFC 3862 Header-name ([prefix "."] name, NAMECHARs only: "Require",
 * "MyFeatures.VitalMessageOption"); `params` NULL, "", or one or more
 * ";" Param-name ["=" (token / quoted string)]; `value` may be empty and
 * may hold HTAB. Nothing else is checked: a From added here is not parsed
 * (use the typed setters for that). */
MSRP_API int msrp_cpim_add_header(msrp_cpim *cpim, const char *name,
                                  const char *params, const char *value);

/** Add a MIME header of the encapsulated object ("Content-ID",
 * "Content-Disposition"): `name` printable ASCII without ':' or space,
 * `value` may hold HTAB. For Content-Type use msrp_cpim_set_content(). */
MSRP_API int msrp_cpim_add_mime_header(msrp_cpim *cpim, const char *name,
                                       const char *value);

/** Set the content: copy `len` bytes (any bytes; `data` may be NULL when
 * `len` is 0) and, when `content_type` is not NULL, set the MIME
 * Content-Type: replace the first one's value (its name keeps its
 * spelling) or insert "Content-Type" as the first MIME header. A NULL
 * `content_type` leaves the MIME headers alone. */
MSRP_API int msrp_cpim_set_content(msrp_cpim *cpim, const char *content_type,
                                   const void *data, size_t len);

/* ---- encoding ------------------------------------------------------------ */

/** The wire form (RFC 3862 section 2): each message header, an empty line,
 * each MIME header as "Name: value", an empty line, the content; every
 * line ending in CRLF. A parsed message renders to the bytes it came from
 * when they followed RFC 3862 exactly (one SP after the colon or the
 * parameters, one after a MIME header's colon, no folding). *out is a new
 * buffer of *len bytes plus a NUL (the content may hold NULs: use *len);
 * the caller frees it with free(). `len` may be NULL. Errors:
 * MSRP_ERR_INVALID_ARGUMENT (no MIME Content-Type header, or a NULL
 * `cpim` or `out`), MSRP_ERR_NOMEM. */
MSRP_API int msrp_cpim_to_bytes(const msrp_cpim *cpim, char **out, size_t *len);

#ifdef __cplusplus
}
#endif
#endif
