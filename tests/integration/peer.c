/* SPDX-License-Identifier: MIT
 * Copyright (c) 2026 The libmsrp authors */
#include "peer.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <openssl/err.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "loop.h"

#define READ_TIMEOUT_S 10

static int fail(tpeer *p, const char *what) {
  snprintf(p->error, sizeof p->error, "%s: %s", what,
           errno ? strerror(errno) : "failed");
  return -1;
}

static void set_timeouts(int fd) {
  struct timeval tv = {READ_TIMEOUT_S, 0};
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
  int one = 1;
  setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
}

int tp_connect(tpeer *p, int port) {
  memset(p, 0, sizeof *p);
  p->fd = socket(AF_INET, SOCK_STREAM, 0);
  struct sockaddr_in sa = {.sin_family = AF_INET,
                           .sin_port = htons((uint16_t)port)};
  inet_pton(AF_INET, "127.0.0.1", &sa.sin_addr);
  if (p->fd < 0 || connect(p->fd, (struct sockaddr *)&sa, sizeof sa))
    return fail(p, "connect");
  set_timeouts(p->fd);
  return 0;
}

int tp_listen(int *listen_fd, int *port) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  struct sockaddr_in sa = {.sin_family = AF_INET};
  inet_pton(AF_INET, "127.0.0.1", &sa.sin_addr);
  socklen_t len = sizeof sa;
  if (fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof sa) || listen(fd, 8) ||
      getsockname(fd, (struct sockaddr *)&sa, &len))
    return -1;
  struct timeval tv = {READ_TIMEOUT_S, 0};
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  *listen_fd = fd;
  *port = ntohs(sa.sin_port);
  return 0;
}

int tp_accept(tpeer *p, int listen_fd) {
  memset(p, 0, sizeof *p);
  p->fd = accept(listen_fd, NULL, NULL);
  if (p->fd < 0)
    return fail(p, "accept");
  set_timeouts(p->fd);
  return 0;
}

static int tls_start(tpeer *p, int server, const char *cert, const char *key) {
  p->ctx = SSL_CTX_new(server ? TLS_server_method() : TLS_client_method());
  if (!p->ctx)
    return fail(p, "SSL_CTX_new");
  SSL_CTX_set_verify(p->ctx, SSL_VERIFY_NONE, NULL);
  if (cert && (SSL_CTX_use_certificate_chain_file(p->ctx, cert) != 1 ||
               SSL_CTX_use_PrivateKey_file(p->ctx, key, SSL_FILETYPE_PEM) != 1))
    return fail(p, "certificate");
  p->ssl = SSL_new(p->ctx);
  SSL_set_fd(p->ssl, p->fd);
  int rc = server ? SSL_accept(p->ssl) : SSL_connect(p->ssl);
  if (rc != 1) {
    errno = 0;
    char buf[160];
    ERR_error_string_n(ERR_get_error(), buf, sizeof buf);
    snprintf(p->error, sizeof p->error, "TLS handshake: %s", buf);
    return -1;
  }
  return 0;
}

int tp_tls_client(tpeer *p, const char *cert, const char *key) {
  return tls_start(p, 0, cert, key);
}

int tp_tls_server(tpeer *p, const char *cert, const char *key) {
  return tls_start(p, 1, cert, key);
}

int tp_write(tpeer *p, const char *data, size_t len) {
  while (len) {
    ssize_t n = p->ssl ? SSL_write(p->ssl, data, (int)len)
                       : send(p->fd, data, len, MSG_NOSIGNAL);
    if (n <= 0)
      return fail(p, "write");
    data += n;
    len -= (size_t)n;
  }
  return 0;
}

int tp_writes(tpeer *p, const char *s) {
  return tp_write(p, s, strlen(s));
}

/* More input: > 0 bytes, 0 at the end of the stream, -1 on an error or a
 * timeout. *tls_clean says whether the stream ended cleanly: always for
 * TCP, only with close_notify for TLS. */
static ssize_t more(tpeer *p, bool *tls_clean) {
  if (p->nin + 1 >= sizeof p->in)
    p->nin = 0; /* discard: only the newest bytes matter here */
  size_t room = sizeof p->in - p->nin - 1;
  ssize_t n;
  bool clean = true;
  if (p->ssl) {
    ERR_clear_error();
    errno = 0;
    n = SSL_read(p->ssl, p->in + p->nin, (int)room);
    if (n <= 0) {
      int err = SSL_get_error(p->ssl, (int)n);
      unsigned long e = ERR_peek_error();
      if (err == SSL_ERROR_ZERO_RETURN)
        n = 0; /* close_notify */
      else if ((err == SSL_ERROR_SYSCALL && errno == 0) ||
               (err == SSL_ERROR_SSL &&
                ERR_GET_REASON(e) == SSL_R_UNEXPECTED_EOF_WHILE_READING))
        n = 0, clean = false; /* cut without close_notify */
      else
        n = -1;
    }
  } else {
    n = recv(p->fd, p->in + p->nin, room, 0);
    if (n < 0 && errno == ECONNRESET)
      n = 0; /* closed with our input unread: a reset is a close too */
  }
  if (tls_clean)
    *tls_clean = clean;
  if (n <= 0)
    return n < 0 ? -1 : 0;
  p->nin += (size_t)n;
  p->in[p->nin] = '\0';
  return n;
}

static char *find(char *hay, size_t n, const char *needle) {
  size_t k = strlen(needle);
  for (size_t i = 0; k <= n && i <= n - k; i++)
    if (memcmp(hay + i, needle, k) == 0)
      return hay + i;
  return NULL;
}

int tp_read_until(tpeer *p, const char *needle, char *out, size_t size) {
  for (;;) {
    char *at = find(p->in, p->nin, needle);
    if (at) {
      size_t n = (size_t)(at - p->in) + strlen(needle);
      if (out && size)
        snprintf(out, size, "%.*s", (int)n, p->in);
      memmove(p->in, p->in + n, p->nin - n);
      p->nin -= n;
      p->in[p->nin] = '\0';
      return 0;
    }
    errno = 0;
    ssize_t n = more(p, NULL);
    if (n <= 0) {
      snprintf(p->error, sizeof p->error,
               "waiting for \"%.60s\": %s; have \"%.100s\"", needle,
               n == 0 ? "the connection closed" : "timed out", p->in);
      return -1;
    }
  }
}

int tp_read_n(tpeer *p, size_t n, char *out) {
  while (p->nin < n) {
    errno = 0;
    ssize_t k = more(p, NULL);
    if (k <= 0) {
      snprintf(p->error, sizeof p->error, "waiting for %zu bytes: %s", n,
               k == 0 ? "the connection closed" : "timed out");
      return -1;
    }
  }
  memcpy(out, p->in, n);
  memmove(p->in, p->in + n, p->nin - n);
  p->nin -= n;
  p->in[p->nin] = '\0';
  return 0;
}

int tp_read_close(tpeer *p) {
  for (;;) {
    bool clean = false;
    errno = 0;
    ssize_t n = more(p, &clean);
    if (n == 0)
      return clean ? 1 : 0;
    if (n < 0) {
      snprintf(p->error, sizeof p->error, "waiting for the close: timed out");
      return -1;
    }
    p->nin = 0;
  }
}

void tp_close(tpeer *p) {
  if (p->ssl) {
    SSL_free(p->ssl);
    p->ssl = NULL;
  }
  if (p->ctx) {
    SSL_CTX_free(p->ctx);
    p->ctx = NULL;
  }
  if (p->fd > 0)
    close(p->fd);
  p->fd = -1;
}

/* ---- the thread ----------------------------------------------------- */

static void *run(void *arg) {
  tthread *t = arg;
  t->fn(t);
  atomic_store(&t->done, true);
  uv_async_send(&t->wake);
  return NULL;
}

static void on_wake(uv_async_t *h) {
  (void)h; /* the loop's prepare hook checks what the test waits for */
}

void tt_start(tthread *t, void (*fn)(tthread *), void *arg) {
  memset(t, 0, sizeof *t);
  t->fn = fn;
  t->arg = arg;
  pthread_mutex_init(&t->mu, NULL);
  pthread_cond_init(&t->cv, NULL);
  uv_async_init(&loop, &t->wake, on_wake);
  pthread_create(&t->th, NULL, run, t);
}

void tt_notify(tthread *t) {
  uv_async_send(&t->wake);
}

int tt_wait_step(tthread *t, int n) {
  struct timespec until;
  clock_gettime(CLOCK_REALTIME, &until);
  until.tv_sec += 20;
  pthread_mutex_lock(&t->mu);
  int rc = 0;
  while (t->step < n && rc == 0)
    rc = pthread_cond_timedwait(&t->cv, &t->mu, &until);
  pthread_mutex_unlock(&t->mu);
  return t->step >= n ? 0 : -1;
}

void tt_grant(tthread *t, int n) {
  pthread_mutex_lock(&t->mu);
  t->step = n;
  pthread_cond_broadcast(&t->cv);
  pthread_mutex_unlock(&t->mu);
}

bool tt_is_done(const void *t) {
  return atomic_load(&((const tthread *)t)->done);
}

static void on_wake_closed(uv_handle_t *h) {
  ((tthread *)h->data)->closed = true;
}

void tt_join(tthread *t, int seconds) {
  wait_until_for(tt_is_done, t, seconds);
  pthread_join(t->th, NULL);
  /* the handle may live on the caller's stack: wait for its close */
  t->wake.data = t;
  uv_close((uv_handle_t *)&t->wake, on_wake_closed);
  wait_for(&t->closed);
  pthread_mutex_destroy(&t->mu);
  pthread_cond_destroy(&t->cv);
}

int tp_header(const char *chunk, const char *name, char *out, size_t size) {
  size_t k = strlen(name);
  for (const char *l = chunk; l && *l;
       l = strstr(l, "\r\n") ? strstr(l, "\r\n") + 2 : NULL) {
    if (strncmp(l, name, k) == 0 && l[k] == ':') {
      const char *v = l + k + 1;
      while (*v == ' ')
        v++;
      size_t n = strcspn(v, "\r\n");
      snprintf(out, size, "%.*s", (int)n, v);
      return 0;
    }
  }
  return -1;
}

int tp_tid(const char *chunk, char *out, size_t size) {
  const char *m = strstr(chunk, "MSRP ");
  if (!m)
    return -1;
  m += 5;
  size_t n = strcspn(m, " \r\n");
  snprintf(out, size, "%.*s", (int)n, m);
  return 0;
}

void tt_failed(tthread *t, const tpeer *p) {
  snprintf(t->error, sizeof t->error, "%s", p->error);
  t->result = -1;
}

int tp_write_200(tpeer *p, const char *chunk, const char *to,
                 const char *from) {
  char tid[64], out[2048];
  tp_tid(chunk, tid, sizeof tid);
  snprintf(out, sizeof out,
           "MSRP %s 200 OK\r\nTo-Path: %s\r\nFrom-Path: %s\r\n-------%s$\r\n",
           tid, to, from, tid);
  return tp_writes(p, out);
}
