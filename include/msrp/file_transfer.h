/* SPDX-License-Identifier: MIT
 * Copyright (c) 2026 The libmsrp authors */
/** @file
 * libmsrp — files over MSRP (RFC 5547): the seed's MSRPFileTransfer.
 *
 * Shaped like msrp_chat: new (we offer) or new_from_sdp (we answer), then
 * initialize() → MSRPFileTransferDidInitialize with our SDP media, start()
 * with the peer's, and the transfer runs; end() stops it. Both directions
 * either way round: a push (the offerer sends, a=sendonly) and a pull (the
 * offerer asks for a file the answerer has, a=recvonly, by selector).
 *
 * Sending streams the file from disk in chunks (the session's size, the
 * relay's limit through relays) with Success-Report and Failure-Report
 * yes; memory stays flat whatever the size. Receiving writes each chunk at
 * its place in DIR/NAME.part (success REPORTs every MiB), checks the SHA-1
 * the selector announced, and renames the file into place without
 * replacing one that exists ("NAME (1).ext" then). The name comes from the
 * peer and is made safe first (msrp_file_name_sanitize()): nothing is
 * written outside DIR. A transfer that stops leaves NAME.part and
 * NAME.part.meta behind; with `resume`, the next transfer of the same file
 * (same name, size and hash) asks only for the rest (a=file-range).
 */
#ifndef MSRP_FILE_TRANSFER_H
#define MSRP_FILE_TRANSFER_H

#include <msrp/chat.h>
#include <msrp/file_selector.h>
#include <msrp/notification.h>

#include <uv.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct msrp_file_transfer msrp_file_transfer;

/** What to send or where to receive. Zero-initialise and set what you
 * need. */
typedef struct msrp_file_transfer_config {
  /** Sending: the file (a push we offer, or the answer to a pull that asks
   * for it). */
  const char *file;
  /** Receiving: the directory the file is written to (a push we answer, or
   * a pull we offer). Required to receive. */
  const char *directory;
  /** A pull we offer: the file we ask for (a name and a hash, commonly). */
  const msrp_file_selector *selector;
  /** Sending: its Content-Type; NULL: application/octet-stream. */
  const char *content_type;
  /** Receiving: continue DIR/NAME.part when it holds the start of this
   * very file (name, size and hash as the selector says). */
  int resume;
  /** Body bytes per chunk; 0: 65536 (a relay's limit wins). */
  size_t chunk_size;
  /** Progress and HashProgress at most this often; 0: every 250 ms. */
  uint64_t progress_interval_ms;
  /** Receiving: at most this many bytes per second (reading from the
   * peer pauses while ahead, so TCP holds the sender back); 0: no limit. */
  uint64_t max_rate;
} msrp_file_transfer_config;

/** The notifications (the sender is the msrp_file_transfer). */
#define MSRP_FILE_TRANSFER_DID_INITIALIZE "MSRPFileTransferDidInitialize"
#define MSRP_FILE_TRANSFER_HASH_PROGRESS "MSRPFileTransferHashProgress"
#define MSRP_FILE_TRANSFER_DID_START "MSRPFileTransferDidStart"
#define MSRP_FILE_TRANSFER_PROGRESS "MSRPFileTransferProgress"
#define MSRP_FILE_TRANSFER_WILL_END "MSRPFileTransferWillEnd"
#define MSRP_FILE_TRANSFER_DID_END "MSRPFileTransferDidEnd"
#define MSRP_FILE_TRANSFER_DID_FAIL "MSRPFileTransferDidFail"

typedef struct msrp_file_transfer_did_initialize {
  const char *sdp; /**< our media description (m=, c=, a= lines) */
} msrp_file_transfer_did_initialize;

/** HashProgress (hashing the file before it is offered) and Progress
 * (sending: bytes success REPORTs confirmed; receiving: bytes written),
 * a few times a second at most, and once at the end. */
typedef struct msrp_file_transfer_progress {
  uint64_t done;  /**< bytes, counting those a resumed transfer had */
  uint64_t total; /**< the file's size */
  uint64_t rate;  /**< bytes per second in this transfer so far */
} msrp_file_transfer_progress;

typedef struct msrp_file_transfer_did_end {
  /** The file: the one sent, or the one received, under its final name. */
  const char *path;
  uint64_t size;
} msrp_file_transfer_did_end;

/** context: "initialize", "sdp_negotiation", "start", "transfer", "hash";
 * failure: the MSRP_ERR_* code (MSRP_ERR_FILE_HASH, MSRP_ERR_FILE_IO,
 * MSRP_ERR_FILE_SIZE, MSRP_ERR_FILE_INCOMPLETE, MSRP_ERR_FILE_REFUSED, a
 * connection error when the peer went away, MSRP_ERR_TIMEOUT, ...);
 * reason: a sentence (the system's reason for a disk error). */
typedef struct msrp_file_transfer_did_fail {
  const char *context;
  const char *reason;
  int failure;
} msrp_file_transfer_did_fail;

/** A transfer we offer: a push when `config->file` is set, else a pull of
 * `config->selector` into `config->directory`. Errors:
 * MSRP_ERR_INVALID_ARGUMENT, MSRP_ERR_NOMEM, MSRP_ERR_FILE_IO (the file
 * cannot be read, the directory is not one). */
MSRP_API int msrp_file_transfer_new_sized(
    msrp_file_transfer **out, uv_loop_t *loop, msrp_notification_center *nc,
    const msrp_account *account, const char *remote_uri,
    const msrp_file_transfer_config *config, size_t account_size,
    size_t relay_size, size_t tls_size, size_t config_size);
/** msrp_file_transfer_new_sized() with this program's struct sizes (@ref
 * sized). */
#define msrp_file_transfer_new(...)                                            \
  msrp_file_transfer_new_sized(__VA_ARGS__, MSRP_ACCOUNT_SIZES,                \
                               sizeof(msrp_file_transfer_config))

/** A transfer that answers `offer_sdp` (its file media section alone, or a
 * whole SDP body): a push (sendonly) is received into
 * `config->directory`; a pull (recvonly) is answered with `config->file`,
 * which must be the file its selector asks for (MSRP_ERR_NOT_FOUND if
 * not). Read the offer with msrp_file_description_from_media() first to
 * decide. RFC 6135 applies as for chat. Errors: those of
 * msrp_file_transfer_new(), of the SDP parsers, MSRP_ERR_NOT_SUPPORTED (an
 * offer that is no file transfer). */
MSRP_API int msrp_file_transfer_new_from_sdp_sized(
    msrp_file_transfer **out, uv_loop_t *loop, msrp_notification_center *nc,
    const msrp_account *account, const char *remote_uri, const char *offer_sdp,
    const msrp_file_transfer_config *config, size_t account_size,
    size_t relay_size, size_t tls_size, size_t config_size);
/** msrp_file_transfer_new_from_sdp_sized() with this program's sizes. */
#define msrp_file_transfer_new_from_sdp(...)                                   \
  msrp_file_transfer_new_from_sdp_sized(__VA_ARGS__, MSRP_ACCOUNT_SIZES,       \
                                        sizeof(msrp_file_transfer_config))

/** Hash the file to send (HashProgress), prepare the MSRP side, then post
 * DidInitialize with our SDP media, or DidFail ("initialize"). */
MSRP_API int msrp_file_transfer_initialize(msrp_file_transfer *ft);

/** With the peer's SDP: connect or accept, then DidStart, and the file
 * moves: Progress, then DidEnd once it arrived whole (and, received, its
 * hash matched), or DidFail. A peer that refused (port 0) is a DidFail
 * ("start", MSRP_ERR_FILE_REFUSED). */
MSRP_API int msrp_file_transfer_start(msrp_file_transfer *ft,
                                      const char *remote_sdp);

/** Stop: WillEnd, then DidEnd from the loop. A transfer stopped before it
 * finished keeps NAME.part for a later resume. */
MSRP_API int msrp_file_transfer_end(msrp_file_transfer *ft);

/** Free at any time (no notification after). NULL is ignored. */
MSRP_API void msrp_file_transfer_free(msrp_file_transfer *ft);

/** Whether this side sends the file (1) or receives it (0). */
MSRP_API int msrp_file_transfer_sending(const msrp_file_transfer *ft);
/** The file: the one sent; received, DIR/NAME.part until DidEnd names the
 * final file. Borrowed. */
MSRP_API const char *msrp_file_transfer_path(const msrp_file_transfer *ft);
/** The file's size (0 until known). */
MSRP_API uint64_t msrp_file_transfer_size(const msrp_file_transfer *ft);
/** Where this transfer started in the file: 0, or what a resumed one
 * already had. */
MSRP_API uint64_t msrp_file_transfer_offset(const msrp_file_transfer *ft);
/** Bytes this transfer moved: read from disk and handed to the session
 * (sending), or written to disk (receiving). */
MSRP_API uint64_t msrp_file_transfer_moved(const msrp_file_transfer *ft);

#ifdef __cplusplus
}
#endif
#endif
