/* SPDX-License-Identifier: MIT
 * Copyright (c) 2026 The libmsrp authors */
/** @file
 * libmsrp — the traffic log (the seed's msrplib.trafficlog.Logger).
 *
 * A logger is two optional callbacks: one for connection state, with a
 * level, and one for the bytes that go in and out (the wire trace). The
 * library copies the struct; `user_data` is passed back untouched.
 */
#ifndef MSRP_LOG_H
#define MSRP_LOG_H

#include <msrp/common.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef enum msrp_log_level {
  MSRP_LOG_DEBUG = 0,
  MSRP_LOG_INFO = 1,
  MSRP_LOG_WARNING = 2,
  MSRP_LOG_ERROR = 3
} msrp_log_level;

typedef enum msrp_trace_dir {
  MSRP_TRACE_IN = 0, /**< received from `peer` */
  MSRP_TRACE_OUT = 1 /**< sent to `peer` */
} msrp_trace_dir;

typedef struct msrp_logger {
  /** Connection state: connecting, TLS, binding, closing, errors. `message`
   * is valid during the call. */
  void (*log)(msrp_log_level level, const char *message, void *user_data);
  /** The wire, one MSRP chunk (or raw write) at a time, as text: the start
   * line and headers as sent or received, then the body, then the end-line.
   * A body whose Content-Type is not text (text/..., message/cpim,
   * application/...+xml, ...) is replaced by "[N bytes of TYPE]" unless
   * `trace_binary` is set. `peer` is "ip:port" of the other end. */
  void (*trace)(msrp_trace_dir dir, const char *peer, const char *data,
                size_t len, void *user_data);
  int trace_binary;
  msrp_log_level min_level; /**< messages below it are not formatted */
  void *user_data;
} msrp_logger;

/** A ready-made logger that writes to stderr: state at `min_level` and up,
 * and, when `trace` is non-zero, the wire trace. */
MSRP_API msrp_logger msrp_logger_stderr(msrp_log_level min_level, int trace);

#ifdef __cplusplus
}
#endif
#endif
