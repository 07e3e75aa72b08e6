/* SPDX-License-Identifier: MIT
 * Copyright (c) 2026 The libmsrp authors */
/** @file
 * libmsrp — multi-party chat (RFC 7701), sans I/O: the a=chatroom
 * capabilities, and nicknames as the NICKNAME request carries them
 * (Use-Nickname) and as a room compares them (RFC 8266, the PRECIS
 * nickname profile: spaces mapped and collapsed, NFKC, case-insensitive
 * comparison; through libunistring).
 *
 * A client asks for a nickname with msrp_chat_set_nickname() (chat.h). An
 * application that hosts a room takes NICKNAME requests through the engine's
 * or session's on_nickname callback: the engine checks the request with
 * msrp_nickname_check() first (400 or 424 for a bad one, without asking),
 * and answers with the code the callback returns (200, 425 when another
 * participant has it, 403, ...).
 */
#ifndef MSRP_CHATROOM_H
#define MSRP_CHATROOM_H

#include <msrp/chunk.h>
#include <msrp/common.h>

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/** a=chatroom values, as flags. */
enum {
  MSRP_CHATROOM_NICKNAME = 1,        /**< "nickname" */
  MSRP_CHATROOM_PRIVATE_MESSAGES = 2 /**< "private-messages" */
};

/** The most bytes of a prepared nickname (UTF-8); longer ones are
 * malformed. */
#define MSRP_NICKNAME_MAX 128

/** Prepare a nickname as RFC 8266 enforces it: `len` bytes of UTF-8 ->
 * every Unicode space becomes U+0020, spaces at either end go, runs of them
 * become one, then NFKC. Into `out` (`size` bytes, NUL-terminated).
 * Returns its length, or MSRP_ERR_INVALID_ARGUMENT: not UTF-8, a control
 * or unassigned code point, empty after preparation, longer than
 * MSRP_NICKNAME_MAX or `size` - 1. */
MSRP_API int msrp_nickname_prepare(const char *in, size_t len, char *out,
                                   size_t size);

/** RFC 8266 comparison: both prepared, then compared case-insensitively
 * (Unicode case folding). 1 when they are the same nickname, 0 when not,
 * MSRP_ERR_INVALID_ARGUMENT when either is not a nickname. */
MSRP_API int msrp_nickname_equal(const char *a, const char *b);

/** The Use-Nickname value for `nickname`: a quoted-string (RFC 4975), '"'
 * and '\' escaped. Returns the length written (NUL-terminated), or
 * MSRP_ERR_INVALID_ARGUMENT (not a nickname, or `size` too small). */
MSRP_API int msrp_nickname_quote(const char *nickname, char *buf, size_t size);

/** Check a NICKNAME request as a room does before it decides: returns 200
 * with the prepared nickname in `out` (`size` bytes; MSRP_NICKNAME_MAX + 1
 * always do); 400 when it carries no Use-Nickname, or more than one, or a
 * body; 424 when the value is not a quoted-string (a bare value, as some
 * clients send it, is taken as it is) or not a nickname after
 * preparation; MSRP_ERR_INVALID_ARGUMENT for a chunk that is not a
 * NICKNAME request. */
MSRP_API int msrp_nickname_check(const msrp_chunk *request, char *out,
                                 size_t size);

#ifdef __cplusplus
}
#endif
#endif
