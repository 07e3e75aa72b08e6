/* SPDX-License-Identifier: MIT
 * Copyright (c) 2026 The libmsrp authors */
/** @file
 * libmsrp — the notification centre (python-application's
 * NotificationCenter, through which sipsimple's MSRPChat speaks).
 *
 * Objects post notifications by name ("MSRPChatDidStart",
 * "MSRPChatGotMessage", ...), with themselves as the sender and a payload;
 * observers register for a name or for all names, and for a sender or for
 * any sender:
 *
 *     msrp_notification_center *nc;
 *     msrp_notification_token tok;
 *     msrp_notification_center_new(&nc);
 *     msrp_notification_center_add_observer(nc, MSRP_CHAT_GOT_MESSAGE, chat,
 *                                           on_message, app, &tok);
 *     ...                                  // the chat posts; on_message runs
 *     msrp_notification_center_remove_observer(nc, tok);
 *     msrp_notification_center_free(nc);
 *
 * Payloads. The payload is a pointer to a struct whose type the name
 * implies; the header of the poster documents both (chat.h: the name
 * MSRP_CHAT_GOT_MESSAGE carries a `const msrp_chat_got_message *`). The
 * notification also carries `payload_type`, a string that by convention is
 * the C name of that struct ("msrp_chat_got_message"), or NULL when there
 * is no payload, so that an observer of all names can tell what it holds
 * (compare with strcmp) without a table of names. The centre never looks
 * inside the payload, copies nothing of it, and does not check that type
 * and name agree: that is the poster's contract.
 *
 * Delivery is synchronous: msrp_notification_center_post() calls every
 * matching observer, in the order they were added, before it returns.
 * Inside a callback the observer may
 *  - remove itself or any other observer: one removed before its turn in
 *    the delivery in progress is not called;
 *  - add observers: they are not called for the post in progress (nor for
 *    any post that began before they were added), only for later ones;
 *  - post another notification: it is delivered at once, in full, before
 *    the outer delivery goes on (nested delivery), up to
 *    MSRP_NOTIFICATION_MAX_DEPTH posts deep;
 *  - free the centre: the free is deferred until the outermost post
 *    returns, and no further observer is called.
 *
 * A centre is not thread-safe: use it from one thread (the loop's), or lock
 * around it. msrp_notification_center_default() gives each thread its own.
 */
#ifndef MSRP_NOTIFICATION_H
#define MSRP_NOTIFICATION_H

#include <msrp/common.h>

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/** How deep posts may nest: a post made from inside a callback of a post
 * made from inside a callback ... The outermost post is depth 1; a post
 * that would be deeper than this fails with MSRP_ERR_INVALID_ARGUMENT and
 * delivers nothing. */
#define MSRP_NOTIFICATION_MAX_DEPTH 16

typedef struct msrp_notification_center msrp_notification_center;

/** Names one registration, for msrp_notification_center_remove_observer().
 * Never 0, and never reused by the centre that gave it out, so a stale
 * token is reported as not found instead of removing someone else. */
typedef uint64_t msrp_notification_token;

/** One notification, as an observer sees it. The struct and everything it
 * points to are valid during the callback only (they are the poster's);
 * copy what you keep. */
typedef struct msrp_notification {
  const char *name;         /**< "MSRPChatDidStart": never NULL */
  const void *sender;       /**< the object that posted it; may be NULL */
  const char *payload_type; /**< C name of the payload's struct, or NULL */
  const void *payload;      /**< the struct the name implies, or NULL */
} msrp_notification;

/** An observer. `center` is the centre delivering `n`; it may be used from
 * inside the callback (see above). */
typedef void (*msrp_notification_cb)(msrp_notification_center *center,
                                     const msrp_notification *n,
                                     void *user_data);

/** A new, empty centre in *out (untouched on failure); free it with
 * msrp_notification_center_free(). Errors: MSRP_ERR_INVALID_ARGUMENT (out
 * is NULL), MSRP_ERR_NOMEM. */
MSRP_API int msrp_notification_center_new(msrp_notification_center **out);

/** Free a centre and all its registrations; user_data of the observers is
 * not touched. Called from inside one of the centre's callbacks, it only
 * marks the centre: the callback may return normally (it must not use the
 * centre again), no further observer is called, and the memory goes when
 * the outermost post returns. Freeing the thread's default centre is
 * allowed: the next msrp_notification_center_default() makes a new one.
 * NULL is ignored. */
MSRP_API void msrp_notification_center_free(msrp_notification_center *center);

/** Register `cb` for notifications called `name` (an exact, case-sensitive
 * match; NULL: every name) from `sender` (the same pointer; NULL: any
 * sender). The name is copied; the sender is only compared, never
 * dereferenced. The same cb and user_data may be registered more than
 * once: each registration is called, and each has its own token.
 * `*token` (may be NULL if the observer is never removed on its own) gets
 * the token of the registration. Observers added from inside a callback
 * only see posts that begin afterwards. Errors: MSRP_ERR_INVALID_ARGUMENT
 * (center or cb is NULL, or the centre is being freed), MSRP_ERR_NOMEM
 * (nothing registered, *token untouched). */
MSRP_API int msrp_notification_center_add_observer(
    msrp_notification_center *center, const char *name, const void *sender,
    msrp_notification_cb cb, void *user_data, msrp_notification_token *token);

/** Remove the registration `token`. From inside a callback it works at
 * once: the observer is not called again, even later in the delivery in
 * progress. Errors: MSRP_ERR_INVALID_ARGUMENT (center is NULL),
 * MSRP_ERR_NOT_FOUND (no such registration: never given out by this
 * centre, or already removed). */
MSRP_API int
msrp_notification_center_remove_observer(msrp_notification_center *center,
                                         msrp_notification_token token);

/** Post a notification: call every observer whose name and sender match,
 * in the order they were added, each with a msrp_notification made of
 * these arguments, before returning. Nothing is copied: `name`,
 * `payload_type` and `payload` need only live for the call. Posting from
 * inside a callback delivers the new notification in full before the
 * outer delivery goes on. Returns 0 (also when nobody was listening).
 * Errors: MSRP_ERR_INVALID_ARGUMENT (center or name is NULL, the post
 * would be nested deeper than MSRP_NOTIFICATION_MAX_DEPTH, or the centre
 * is being freed); nothing is delivered then. */
MSRP_API int msrp_notification_center_post(msrp_notification_center *center,
                                           const char *name, const void *sender,
                                           const char *payload_type,
                                           const void *payload);

/** The number of registrations (removed ones not counted); 0 for NULL. */
MSRP_API size_t
msrp_notification_center_count(const msrp_notification_center *center);

/** This thread's default centre, like python-application's singleton: made
 * on the first call in each thread (C11 _Thread_local), the same pointer
 * for every later call in that thread. The user need not free it: it lives
 * until the process ends (a thread that exits without freeing it leaves
 * its memory allocated). It may be freed with
 * msrp_notification_center_free() (before a thread exits, or in tests);
 * the next call then makes a fresh one. Returns NULL only when the
 * allocation fails. */
MSRP_API msrp_notification_center *msrp_notification_center_default(void);

#ifdef __cplusplus
}
#endif
#endif
