/* SPDX-License-Identifier: MIT
 * Copyright (c) 2026 The libmsrp authors */
/** @file
 * libmsrp — one MSRP connection, TCP or TLS (the seed's MSRPTransport).
 *
 * A transport comes bound from a connector, an acceptor or the server
 * (connect.h): it knows its full local path and the full remote path, reads
 * chunks through the streaming parser and writes bytes. It belongs to the
 * libuv loop it was made on; the application runs that loop.
 *
 * Lifetime: msrp_transport_free() closes the connection. Every callback
 * still owed (a write, a read_chunk, the reader) then runs once, from the
 * loop, with MSRP_ERR_CANCELLED, before the memory goes. Calling
 * msrp_transport_free() from inside one of the transport's callbacks is
 * allowed.
 */
#ifndef MSRP_TRANSPORT_H
#define MSRP_TRANSPORT_H

#include <msrp/chunk.h>
#include <msrp/common.h>
#include <msrp/log.h>
#include <msrp/parser.h>
#include <msrp/uri.h>

#include <uv.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct msrp_transport msrp_transport;

/* ---- paths and chunks -------------------------------------------------- */

MSRP_API const msrp_path *msrp_transport_local_path(const msrp_transport *t);
MSRP_API const msrp_path *msrp_transport_remote_path(const msrp_transport *t);
MSRP_API uv_loop_t *msrp_transport_loop(const msrp_transport *t);
/** "ip:port" of the other end of the connection. */
MSRP_API const char *msrp_transport_peer(const msrp_transport *t);
MSRP_API int msrp_transport_use_tls(const msrp_transport *t);

/** The seed's make_chunk(): msrp_chunk_make() with To-Path set to the full
 * remote path and From-Path to the full local path. `p` may be NULL (an
 * empty SEND); its to_path/from_path are ignored. */
MSRP_API int msrp_transport_make_chunk_sized(msrp_chunk **out,
                                             msrp_transport *t,
                                             const msrp_chunk_params *p,
                                             size_t params_size);
/** msrp_transport_make_chunk_sized() with this program's struct size (@ref
 * sized). */
#define msrp_transport_make_chunk(...)                                         \
  msrp_transport_make_chunk_sized(__VA_ARGS__, sizeof(msrp_chunk_params))

/** The seed's check_incoming_SEND_chunk(): 0 when the chunk's To-Path ends
 * with this session's URI and its From-Path is the remote path; else the
 * MSRP status code to answer with (481 for paths that are not this
 * session's, 400 for a chunk that is not a request or lacks a path) and,
 * in *comment, its comment (msrp_chunk_check_session() does the check). */
MSRP_API int msrp_transport_check_incoming_send(const msrp_transport *t,
                                                const msrp_chunk *chunk,
                                                const char **comment);

/* ---- writing ----------------------------------------------------------- */

/** `status` is 0 once the bytes are handed to the kernel, or an error
 * (MSRP_ERR_CANCELLED when the transport was freed first, MSRP_ERR_IO). */
typedef void (*msrp_write_cb)(msrp_transport *t, int status, void *user_data);

/** Write `len` bytes, copied. The seed's write(bytes). `cb` may be NULL. */
MSRP_API int msrp_transport_write(msrp_transport *t, const void *data,
                                  size_t len, msrp_write_cb cb,
                                  void *user_data);

/** Write the pieces (at most 64) without copying them: the caller keeps
 * them alive and unchanged until `cb` runs. MSRP_ERR_INVALID_ARGUMENT for
 * more pieces. */
MSRP_API int msrp_transport_writev(msrp_transport *t, const struct iovec *iov,
                                   int iovcnt, msrp_write_cb cb,
                                   void *user_data);

/** Serialize and write a chunk (msrp_chunk_serialize(), no copy of the
 * body): the chunk stays alive and unchanged until `cb` runs. The wire
 * trace sees it. */
MSRP_API int msrp_transport_write_chunk(msrp_transport *t, msrp_chunk *chunk,
                                        msrp_write_cb cb, void *user_data);

/** The blocking forms: run the loop until the write completes; return its
 * status. Never from inside a callback. */
MSRP_API int msrp_transport_write_wait(msrp_transport *t, const void *data,
                                       size_t len);
MSRP_API int msrp_transport_write_chunk_wait(msrp_transport *t,
                                             msrp_chunk *chunk);

/** Bytes written but not yet taken by the kernel. */
MSRP_API size_t msrp_transport_write_queue_size(const msrp_transport *t);

/* ---- reading: a stream of parser events -------------------------------- */

/** `ev` is a parser event (HEADERS, BODY, SEGMENT, END) with the rules of
 * parser.h; when `status` is non-zero the reading is over and `ev` is NULL:
 * MSRP_ERR_CONNECTION_CLOSED (the peer closed between chunks),
 * MSRP_ERR_CLOSED_MID_CHUNK, a MSRP_ERR_PARSE_ or MSRP_ERR_LIMIT_ error (the
 * connection is then closed, as RFC 4975 asks for unintelligible input),
 * MSRP_ERR_IO, or MSRP_ERR_CANCELLED. */
typedef void (*msrp_read_cb)(msrp_transport *t, int status,
                             const msrp_event *ev, void *user_data);

/** Deliver every incoming event to `cb` until msrp_transport_read_stop() or
 * the end. Stopping is how a reader that cannot keep up holds the peer
 * back: no more is read from the socket until it starts again. */
MSRP_API int msrp_transport_read_start(msrp_transport *t, msrp_read_cb cb,
                                       void *user_data);
MSRP_API int msrp_transport_read_stop(msrp_transport *t);

/* ---- reading: one chunk at a time (the seed's read_chunk(size)) -------- */

/** No size limit but the transport's own (msrp_transport_set_max_chunk). */
#define MSRP_READ_WHOLE SIZE_MAX

/** `chunk` (owned by the callee: free it) carries its body. With a `size`,
 * once more than `size` body bytes are read a "virtual" chunk is returned:
 * its Byte-Range covers the bytes it holds, its flag is '+', and `segment`
 * counts 1, 2, ... within the real chunk; the last piece of a cut chunk
 * has the real flag. `segment` is 0 for a chunk that was not cut. */
typedef void (*msrp_read_chunk_cb)(msrp_transport *t, int status,
                                   msrp_chunk *chunk, unsigned segment,
                                   void *user_data);

/** Read the next chunk. MSRP_ERR_BUSY while another read is active. */
MSRP_API int msrp_transport_read_chunk(msrp_transport *t, size_t size,
                                       msrp_read_chunk_cb cb, void *user_data);
/** Blocking form: *out gets the chunk, *segment (may be NULL) its segment. */
MSRP_API int msrp_transport_read_chunk_wait(msrp_transport *t, size_t size,
                                            msrp_chunk **out,
                                            unsigned *segment);

/** Bodies bigger than this come in virtual chunks from read_chunk even with
 * MSRP_READ_WHOLE (default 4 MiB), so that a peer cannot make us hold an
 * unbounded body. */
MSRP_API void msrp_transport_set_max_chunk(msrp_transport *t, size_t bytes);

/** The most body bytes one chunk may carry on this connection, 0 for no
 * limit: a relay's limit (msrp_relay_config.max_chunk_size). Sessions
 * chunk to it. */
MSRP_API size_t msrp_transport_chunk_limit(const msrp_transport *t);

/* ---- closing ----------------------------------------------------------- */

typedef void (*msrp_shutdown_cb)(msrp_transport *t, int status,
                                 void *user_data);

/** Finish the writes already queued, close TLS cleanly, and shut the
 * sending side; `cb` runs when that is done. The transport must still be
 * freed. */
MSRP_API int msrp_transport_shutdown(msrp_transport *t, msrp_shutdown_cb cb,
                                     void *user_data);

/** Close at once and release (see "Lifetime" above). NULL is ignored. */
MSRP_API void msrp_transport_free(msrp_transport *t);

#ifdef __cplusplus
}
#endif
#endif
