/* SPDX-License-Identifier: MIT
 * Copyright (c) 2026 The libmsrp authors */
/* Logging helpers and small address utilities of the io layer. */
#include "io/io_internal.h"

#include "core/util.h"

#include <arpa/inet.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void msrp__log(const msrp_logger *lg, msrp_log_level level, const char *fmt,
               ...) {
  if (!lg || !lg->log || level < lg->min_level)
    return;
  char msg[512];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(msg, sizeof msg, fmt, ap);
  va_end(ap);
  lg->log(level, msg, lg->user_data);
}

bool msrp__is_text_type(const char *ct) {
  if (!ct)
    return false;
  size_t n = strcspn(ct, "; \t");
  if (n >= 5 && msrp__ieq(ct, 5, "text/", 5))
    return true;
  static const char *const texts[] = {"message/cpim",
                                      "application/json",
                                      "application/xml",
                                      "application/sdp",
                                      "application/im-iscomposing+xml",
                                      "message/imdn+xml"};
  for (size_t i = 0; i < sizeof texts / sizeof texts[0]; i++)
    if (msrp__ieq_lit(ct, n, texts[i]))
      return true;
  return n > 4 && msrp__ieq(ct + n - 4, 4, "+xml", 4);
}

void msrp__format_addr(const struct sockaddr *sa, char *out, size_t size) {
  char ip[INET6_ADDRSTRLEN] = "?";
  if (sa->sa_family == AF_INET6) {
    const struct sockaddr_in6 *s6 = (const struct sockaddr_in6 *)sa;
    inet_ntop(AF_INET6, &s6->sin6_addr, ip, sizeof ip);
    snprintf(out, size, "[%s]:%u", ip, ntohs(s6->sin6_port));
  } else {
    const struct sockaddr_in *s4 = (const struct sockaddr_in *)sa;
    inet_ntop(AF_INET, &s4->sin_addr, ip, sizeof ip);
    snprintf(out, size, "%s:%u", ip, ntohs(s4->sin_port));
  }
}

int msrp__uri_sockaddr(const msrp_uri *uri, int port,
                       struct sockaddr_storage *out) {
  memset(out, 0, sizeof *out);
  if (uri->host_type == MSRP_HOST_IPV6)
    return uv_ip6_addr(uri->host, port, (struct sockaddr_in6 *)out)
               ? MSRP_ERR_ADDRESS
               : 0;
  if (uri->host_type == MSRP_HOST_IPV4)
    return uv_ip4_addr(uri->host, port, (struct sockaddr_in *)out)
               ? MSRP_ERR_ADDRESS
               : 0;
  return MSRP_ERR_ADDRESS;
}

int msrp__resolve_uri(uv_loop_t *loop, uv_getaddrinfo_t *req,
                      uv_getaddrinfo_cb cb, const msrp_uri *uri, int family) {
  char port[8];
  snprintf(port, sizeof port, "%d", msrp_uri_effective_port(uri));
  struct addrinfo hints = {0};
  hints.ai_family = family == AF_INET6 ? AF_INET6 : AF_INET;
  hints.ai_socktype = SOCK_STREAM;
  return uv_getaddrinfo(loop, req, cb, uri->host, port, &hints)
             ? MSRP_ERR_RESOLVE
             : 0;
}

int msrp__uv_err(int s) {
  switch (s) {
  case 0:
    return 0;
  case UV_ECANCELED:
    return MSRP_ERR_CANCELLED;
  case UV_EADDRINUSE:
    return MSRP_ERR_ADDRESS_IN_USE;
  case UV_EADDRNOTAVAIL:
  case UV_EAFNOSUPPORT:
  case UV_EINVAL:
    return MSRP_ERR_ADDRESS;
  case UV_ECONNREFUSED:
  case UV_ENETUNREACH:
  case UV_EHOSTUNREACH:
  case UV_ETIMEDOUT:
    return MSRP_ERR_CONNECT;
  case UV_ENOMEM:
    return MSRP_ERR_NOMEM;
  default:
    return MSRP_ERR_IO;
  }
}

static const char *level_name(msrp_log_level l) {
  switch (l) {
  case MSRP_LOG_DEBUG:
    return "debug";
  case MSRP_LOG_INFO:
    return "info";
  case MSRP_LOG_WARNING:
    return "warning";
  default:
    return "error";
  }
}

static void stderr_log(msrp_log_level level, const char *msg, void *ud) {
  (void)ud;
  fprintf(stderr, "msrp %s: %s\n", level_name(level), msg);
}

static void stderr_trace(msrp_trace_dir dir, const char *peer, const char *data,
                         size_t len, void *ud) {
  (void)ud;
  fprintf(stderr, "%s %s\n%.*s%s", dir == MSRP_TRACE_IN ? "<<<" : ">>>", peer,
          (int)len, data, len && data[len - 1] == '\n' ? "" : "\n");
}

msrp_logger msrp_logger_stderr(msrp_log_level min_level, int trace) {
  msrp_logger lg = {0};
  lg.log = stderr_log;
  lg.trace = trace ? stderr_trace : NULL;
  lg.min_level = min_level;
  return lg;
}

/* The blocking (_wait) forms. libuv 1.44 runs due timers before it polls,
 * so a callback that sets *done from a timer would still leave uv_run()
 * blocked in the poll; a prepare handle stops the loop before it polls. */
static void stop_if_done(uv_prepare_t *h) {
  if (*(const bool *)h->data)
    uv_stop(h->loop);
}

static void free_handle(uv_handle_t *h) {
  free(h);
}

int msrp__run_until(uv_loop_t *loop, const bool *done) {
  uv_prepare_t *p = malloc(sizeof *p);
  if (!p)
    return MSRP_ERR_NOMEM;
  uv_prepare_init(loop, p);
  p->data = (void *)done;
  uv_prepare_start(p, stop_if_done);
  uv_unref((uv_handle_t *)p); /* it must not keep the loop alive */
  int rc = 0;
  while (!*done)
    if (uv_run(loop, UV_RUN_ONCE) == 0 && !*done) {
      rc = MSRP_ERR_CLOSED; /* nothing left that could complete it */
      break;
    }
  uv_close((uv_handle_t *)p, free_handle);
  return rc;
}
