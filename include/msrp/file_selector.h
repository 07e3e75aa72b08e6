/* SPDX-License-Identifier: MIT
 * Copyright (c) 2026 The libmsrp authors */
/** @file
 * libmsrp — files described in SDP (RFC 5547): a=file-selector,
 * a=file-transfer-id, a=file-disposition, a=file-date, a=file-icon,
 * a=file-range and the direction (a=sendonly / a=recvonly), read from and
 * written to an msrp_sdp_media, with the offer/answer rules. No I/O.
 *
 *     a=sendonly
 *     a=file-selector:name:"My cool picture.jpg" type:image/jpeg
 *       size:32349
 * hash:sha-1:72:24:5F:E8:65:3D:DA:F3:71:36:2F:86:D4:71:91:3E:E4:A2:CE:2E
 *     a=file-transfer-id:vBnG916bdberum2fFEABR1FR3ExZMUrd
 *     a=file-range:1-*
 */
#ifndef MSRP_FILE_SELECTOR_H
#define MSRP_FILE_SELECTOR_H

#include <msrp/common.h>
#include <msrp/sdp.h>

#ifdef __cplusplus
extern "C" {
#endif

/** The file a selector names (RFC 5547 section 5). Every part is optional
 * in SDP; the `has_` fields say which were there. */
typedef struct msrp_file_selector {
  /** The name, its %HH escapes undone: `name_len` bytes (UTF-8 as sent; it
   * may hold any byte, a NUL too: msrp_file_name_sanitize() makes a local
   * file name of it). NULL: no name. */
  char *name;
  size_t name_len;
  char *type;    /**< "image/jpeg", parameters as written; NULL: none */
  uint64_t size; /**< when has_size */
  int has_size;
  /** SHA-1 of the whole file, when has_sha1 ("sha-1", or "sha1" as some
   * clients write it; hex in either case). A hash of another algorithm is
   * skipped (has_sha1 stays 0). */
  uint8_t sha1[20];
  int has_sha1;
} msrp_file_selector;

#define MSRP_FILE_SELECTOR_INIT                                                \
  { NULL, 0, NULL, 0, 0, {0}, 0 }

/** Parse the value of a=file-selector (what follows "file-selector:").
 * Selectors are separated by one or more spaces and may come in any order;
 * an unknown one is skipped. `*out` must be cleared (MSRP_FILE_SELECTOR_INIT
 * or msrp_file_selector_clear()); on failure it stays cleared. Errors:
 * MSRP_ERR_SDP_SYNTAX (an unterminated or empty name, a bad escape, a
 * size that is not a number or too large, a type that is not type/subtype,
 * a malformed hash, a NUL or line end in the value), MSRP_ERR_SDP_DUPLICATE
 * (a selector twice), MSRP_ERR_NOMEM, MSRP_ERR_INVALID_ARGUMENT. */
MSRP_API int msrp_file_selector_parse(msrp_file_selector *out,
                                      const char *value, size_t len);

/** Write the value of a=file-selector, as widely deployed clients expect
 * it: name:"..." type:... size:... hash:sha-1:XX:XX:... (upper-case hex),
 * each part only when set. In the name, `"`, `%`, CR, LF, NUL and the
 * other control characters are written %HH (RFC 5547). As snprintf: the
 * length of the whole value is returned, and `buf` gets as much of it as
 * fits, NUL-terminated (`buf` may be NULL when `size` is 0).
 * MSRP_ERR_INVALID_ARGUMENT for a NULL selector. */
MSRP_API int msrp_file_selector_format(const msrp_file_selector *s, char *buf,
                                       size_t size);

MSRP_API int msrp_file_selector_copy(msrp_file_selector *dst,
                                     const msrp_file_selector *src);
MSRP_API void msrp_file_selector_clear(msrp_file_selector *s);

/** Whether `have` (a file we have) is the one `want` (a pull request's
 * selector) asks for: every part `want` gives is equal in `have` (names
 * byte for byte, types case-insensitively without parameters). A `want`
 * with no part at all matches nothing. 1 or 0. */
MSRP_API int msrp_file_selector_matches(const msrp_file_selector *want,
                                        const msrp_file_selector *have);

/** A local file name for a selector's name, safe to create in a directory
 * of our choosing: the part after the last '/' or '\\' (so "../../x" is
 * "x"), control characters (NUL among them) replaced by '_', at most
 * `size` - 1 bytes (cut at a UTF-8 character boundary), and "file" for
 * what is left empty, "." or "..". Returns the length. `size` >= 8. */
MSRP_API size_t msrp_file_name_sanitize(const char *name, size_t len, char *out,
                                        size_t size);

/** The direction attribute of a media section (RFC 4566). */
typedef enum msrp_sdp_direction {
  MSRP_SDP_DIRECTION_ABSENT = 0, /**< none given: sendrecv */
  MSRP_SDP_SENDRECV = 1,
  MSRP_SDP_SENDONLY = 2,
  MSRP_SDP_RECVONLY = 3,
  MSRP_SDP_INACTIVE = 4
} msrp_sdp_direction;

/** The attribute name of a direction ("sendonly", ...; NULL for ABSENT). */
MSRP_API const char *msrp_sdp_direction_name(msrp_sdp_direction d);

/** Everything RFC 5547 says about one media section. Strings are owned
 * (msrp_file_description_clear()). */
typedef struct msrp_file_description {
  msrp_file_selector selector;
  int has_selector;
  char *transfer_id;       /**< a=file-transfer-id (a token); NULL: none */
  char *disposition;       /**< a=file-disposition ("render",
                              "attachment", ...); NULL: none */
  char *date_creation;     /**< a=file-date parts, the RFC 5322 date-time */
  char *date_modification; /**< inside the quotes, as written; NULL: none */
  char *date_read;
  char *icon; /**< a=file-icon, a cid: URL; NULL: none */
  /** a=file-range: the octets offered or wanted, from 1; range_stop is
   * MSRP_BYTE_RANGE_UNKNOWN for "*". has_range 0: the whole file. */
  uint64_t range_start, range_stop;
  int has_range;
  msrp_sdp_direction direction;
} msrp_file_description;

#define MSRP_FILE_DESCRIPTION_INIT                                             \
  {                                                                            \
    MSRP_FILE_SELECTOR_INIT, 0, NULL, NULL, NULL, NULL, NULL, NULL, 0, 0, 0,   \
        MSRP_SDP_DIRECTION_ABSENT                                              \
  }

/** Read a media section's RFC 5547 attributes into a cleared `*out`.
 * Attributes it does not have stay unset; a media without a=file-selector
 * is not a file transfer (has_selector 0). Errors: those of
 * msrp_file_selector_parse(); MSRP_ERR_SDP_SYNTAX for a malformed
 * file-transfer-id, file-disposition, file-date or file-range (start 0, a
 * stop before the start, not numbers), MSRP_ERR_SDP_DUPLICATE for one of
 * them twice or two directions; on failure `*out` stays cleared. */
MSRP_API int msrp_file_description_from_media(msrp_file_description *out,
                                              const msrp_sdp_media *media);

/** Add the description's attributes to a media section (which must not
 * have them yet): the direction, file-selector, file-transfer-id,
 * file-disposition, file-date, file-icon and file-range, each when set.
 * Errors: MSRP_ERR_INVALID_ARGUMENT (a transfer id or disposition that is
 * not a token, a date with a quote or control character), MSRP_ERR_NOMEM. */
MSRP_API int msrp_file_description_to_media(const msrp_file_description *d,
                                            msrp_sdp_media *media);

/** The answer's description for an offer we accept (RFC 5547 section 8):
 * the same selector and transfer id, the direction reversed (sendonly is
 * answered recvonly and the other way round), the disposition, dates and
 * icon mirrored; the range is the offer's (the caller may narrow it, as a
 * receiver that resumes does). `*answer` must be cleared. Errors:
 * MSRP_ERR_INVALID_ARGUMENT (the offer has no selector, or no direction
 * that sends one way), MSRP_ERR_NOMEM. */
MSRP_API int msrp_file_description_answer(msrp_file_description *answer,
                                          const msrp_file_description *offer);

MSRP_API int msrp_file_description_copy(msrp_file_description *dst,
                                        const msrp_file_description *src);
MSRP_API void msrp_file_description_clear(msrp_file_description *d);

#ifdef __cplusplus
}
#endif
#endif
