/* SPDX-License-Identifier: MIT
 * Copyright (c) 2026 The libmsrp authors */
/* Desktop sharing: sipsimple's MSRPDesktopSharing. The RFB byte stream of
 * a local VNC socket (a VNC server we connect to, or a viewer we accept)
 * carried each way in application/x-rfb messages.
 *
 * What is read from the local socket goes out through a data provider
 * rather than as a body in memory: with Failure-Report partial a message
 * is settled only when the response timeout has passed without a failure,
 * so a borrowed body would be held that long; a provider's buffer is let
 * go as soon as the engine has taken its last byte. Our count of bytes not
 * yet taken bounds what is read from the local socket; the local socket's
 * write queue bounds what is read from the peer. */
#include <msrp/desktop_sharing.h>

#include <msrp/engine.h>
#include <msrp/session.h>

#include "core/util.h"
#include "streams/stream.h"

#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define RFB_TYPE "application/x-rfb"
#define READ_SIZE 65536

typedef enum ds_state {
  DS_NEW,
  DS_INITIALIZING,
  DS_INITIALIZED,
  DS_STARTING,
  DS_STARTED,
  DS_ENDED
} ds_state;

/* One read from the local socket, on its way out (the provider's). */
typedef struct piece {
  struct piece *prev, *next;
  msrp_desktop_sharing *ds;
  size_t len;
  uint8_t data[];
} piece;

typedef struct wreq {
  uv_write_t w;
  msrp_desktop_sharing *ds;
  struct wreq *next; /* waiting for the local side to be up */
  size_t len;
  uint8_t data[];
} wreq;

struct msrp_desktop_sharing {
  uv_loop_t *loop;
  msrp_notification_center *nc;
  msrp__account acct;
  char *remote_uri;
  msrp_desktop_role role;
  bool outgoing, connects;
  msrp_sdp_setup local_setup;
  ds_state state;
  msrp_connector *con;
  int con_pending;
  msrp_uri local_uri;
  msrp_sdp_media *local_media;
  char *sdp;
  msrp_session *s;

  /* the local VNC side */
  char *vnc_host, *viewer_host, *vnc_command, *viewer_command;
  uv_process_t proc; /* a VNC server or viewer we started */
  uv_pipe_t proc_out;
  bool proc_open, proc_out_open, port_found;
  char out_line[512];
  size_t out_len;
  int vnc_port, viewer_port;
  size_t max_buffer;
  uv_tcp_t listener;
  uv_tcp_t local;
  uv_connect_t creq;
  bool listener_open, local_open, local_up, local_reading;
  piece *pieces;            /* read, not all taken by the engine yet */
  size_t untaken;           /* their bytes */
  piece *blocked;           /* read, but the session's queue was full */
  bool msrp_paused;         /* the local socket's queue is full */
  wreq *early, *early_tail; /* from the peer before the local side is up */
  size_t early_bytes;
  uint64_t to_peer, from_peer;

  uv_timer_t end_timer;
  bool timer_open, ending, freeing, failed;
  int handles; /* open handles besides the timer */
};

/* ---- notifications ------------------------------------------------------- */

static void post(msrp_desktop_sharing *ds, const char *name, const char *type,
                 const void *payload) {
  msrp_notification_center_post(ds->nc, name, ds, type, payload);
}

static void post_fail(msrp_desktop_sharing *ds, const char *name,
                      const char *context, int failure, const char *why) {
  char reason[512];
  if (why)
    snprintf(reason, sizeof reason, "%s: %s", msrp_strerror(failure), why);
  else
    snprintf(reason, sizeof reason, "%s", msrp_strerror(failure));
  msrp_desktop_sharing_did_fail f = {context, reason, failure};
  post(ds, name, "msrp_desktop_sharing_did_fail", &f);
}

/* ---- life -------------------------------------------------------------------
 */

static void free_pieces(msrp_desktop_sharing *ds) {
  for (piece *p = ds->pieces, *n; p; p = n) {
    n = p->next;
    free(p);
  }
  ds->pieces = NULL;
  ds->untaken = 0;
  free(ds->blocked);
  ds->blocked = NULL;
  for (wreq *r = ds->early, *n; r; r = n) {
    n = r->next;
    free(r);
  }
  ds->early = ds->early_tail = NULL;
  ds->early_bytes = 0;
}

static void release(msrp_desktop_sharing *ds) {
  msrp__account_clear(&ds->acct);
  free(ds->remote_uri);
  msrp_uri_clear(&ds->local_uri);
  msrp_sdp_media_free(ds->local_media);
  free(ds->sdp);
  free(ds->vnc_host);
  free(ds->viewer_host);
  free(ds->vnc_command);
  free(ds->viewer_command);
  free_pieces(ds);
  free(ds);
}

static void maybe_release(msrp_desktop_sharing *ds) {
  if (ds->freeing && !ds->timer_open && ds->con_pending == 0 &&
      ds->handles == 0)
    release(ds);
}

static void on_handle_closed(uv_handle_t *h) {
  msrp_desktop_sharing *ds = h->data;
  ds->handles--;
  maybe_release(ds);
}

static void on_timer_closed(uv_handle_t *h) {
  msrp_desktop_sharing *ds = h->data;
  ds->timer_open = false;
  maybe_release(ds);
}

/* The local side: the viewer's or the VNC server's socket, and the
 * viewer side's listener. */
static void close_local(msrp_desktop_sharing *ds) {
  if (ds->proc_open && !uv_is_closing((uv_handle_t *)&ds->proc)) {
    uv_process_kill(&ds->proc, SIGTERM);
    uv_close((uv_handle_t *)&ds->proc, on_handle_closed);
  }
  if (ds->proc_out_open && !uv_is_closing((uv_handle_t *)&ds->proc_out))
    uv_close((uv_handle_t *)&ds->proc_out, on_handle_closed);
  if (ds->local_open && !uv_is_closing((uv_handle_t *)&ds->local))
    uv_close((uv_handle_t *)&ds->local, on_handle_closed);
  if (ds->listener_open && !uv_is_closing((uv_handle_t *)&ds->listener))
    uv_close((uv_handle_t *)&ds->listener, on_handle_closed);
  ds->local_up = false;
}

static void close_down(msrp_desktop_sharing *ds) {
  msrp_session *s = ds->s;
  ds->s = NULL;
  msrp_session_free(s);
  msrp_connector_free(ds->con);
  ds->con = NULL;
  close_local(ds);
  free_pieces(ds);
}

void msrp_desktop_sharing_free(msrp_desktop_sharing *ds) {
  if (!ds || ds->freeing)
    return;
  ds->freeing = true;
  close_down(ds);
  if (ds->timer_open) {
    uv_timer_stop(&ds->end_timer);
    uv_close((uv_handle_t *)&ds->end_timer, on_timer_closed);
  } else {
    maybe_release(ds);
  }
}

static bool connector_returned(msrp_desktop_sharing *ds) {
  ds->con_pending--;
  if (!ds->freeing)
    return true;
  maybe_release(ds);
  return false;
}

/* ---- end --------------------------------------------------------------------
 */

static void on_end_timer(uv_timer_t *h) {
  msrp_desktop_sharing *ds = h->data;
  close_down(ds);
  ds->state = DS_ENDED;
  ds->ending = false;
  post(ds, MSRP_DESKTOP_SHARING_DID_END, NULL, NULL);
}

int msrp_desktop_sharing_end(msrp_desktop_sharing *ds) {
  if (!ds)
    return MSRP_ERR_INVALID_ARGUMENT;
  if (ds->ending || ds->state == DS_ENDED)
    return MSRP_ERR_BUSY;
  ds->ending = true;
  post(ds, MSRP_DESKTOP_SHARING_WILL_END, NULL, NULL);
  close_local(ds);
  /* no waiting for what is in flight: RFB bytes are of no use once either
   * end is gone (a graceful shutdown would wait out the response timeout
   * of every Failure-Report partial message still open) */
  uv_timer_start(&ds->end_timer, on_end_timer, 0, 0);
  return 0;
}

/* The share is over because of something that happened (the local side
 * closed, the peer went away): ended as if asked, from the loop. */
static void end_now(msrp_desktop_sharing *ds) {
  if (!ds->ending && ds->state != DS_ENDED && !ds->freeing)
    msrp_desktop_sharing_end(ds);
}

/* ---- the local socket to the peer -----------------------------------------
 */

static void update_local_reading(msrp_desktop_sharing *ds);

/* The session's provider: the bytes of one read; the piece goes once the
 * engine has them all. */
static ssize_t provide(uint64_t offset, uint8_t *buf, size_t len, void *ud) {
  piece *p = ud;
  msrp_desktop_sharing *ds = p->ds;
  if (offset >= p->len)
    return 0;
  size_t n = p->len - (size_t)offset < len ? p->len - (size_t)offset : len;
  memcpy(buf, p->data + offset, n);
  if (offset + n == p->len) {
    if (p->prev)
      p->prev->next = p->next;
    else
      ds->pieces = p->next;
    if (p->next)
      p->next->prev = p->prev;
    ds->untaken -= p->len;
    free(p);
    update_local_reading(ds);
  }
  return (ssize_t)n;
}

static void on_sent(msrp_session *s, const char *id, int status, int code,
                    const char *comment, void *ud) {
  (void)s;
  (void)id;
  msrp_desktop_sharing *ds = ud;
  if (ds->freeing || status == MSRP_ERR_CANCELLED || ds->ending)
    return;
  if (status || code >= 300) {
    /* the peer refused RFB (415) or the path broke: the share cannot go on */
    post_fail(ds, MSRP_DESKTOP_SHARING_DID_FAIL, "transfer",
              status ? status : MSRP_ERR_TRANSACTION, status ? NULL : comment);
    end_now(ds);
  }
}

/* Hand a read to the session; false when its queue is full (kept for
 * on_writable). */
static bool send_piece(msrp_desktop_sharing *ds, piece *p) {
  msrp_message_params mp = {.content_type = RFB_TYPE,
                            .provider = provide,
                            .provider_ud = p,
                            .size = p->len,
                            .success_report = MSRP_REPORT_NO,
                            .failure_report = MSRP_REPORT_PARTIAL};
  p->prev = NULL;
  p->next = ds->pieces;
  if (ds->pieces)
    ds->pieces->prev = p;
  ds->pieces = p;
  ds->untaken += p->len;
  int rc = msrp_session_send_message(ds->s, &mp, on_sent, ds, NULL);
  if (rc == 0) {
    ds->to_peer += p->len;
    return true;
  }
  ds->pieces = p->next;
  if (ds->pieces)
    ds->pieces->prev = NULL;
  ds->untaken -= p->len;
  if (rc == MSRP_ERR_WOULD_BLOCK) {
    ds->blocked = p;
    return false;
  }
  free(p);
  post_fail(ds, MSRP_DESKTOP_SHARING_DID_FAIL, "transfer", rc, NULL);
  end_now(ds);
  return false;
}

static void on_alloc(uv_handle_t *h, size_t hint, uv_buf_t *buf) {
  (void)h;
  (void)hint;
  piece *p = malloc(sizeof *p + READ_SIZE);
  *buf = p ? uv_buf_init((char *)p->data, READ_SIZE) : uv_buf_init(NULL, 0);
}

static void on_local_read(uv_stream_t *st, ssize_t n, const uv_buf_t *buf) {
  msrp_desktop_sharing *ds = st->data;
  piece *p = buf->base ? (piece *)(buf->base - offsetof(piece, data)) : NULL;
  if (n <= 0) {
    free(p);
    if (n < 0) {
      /* the viewer closed, or the VNC server went away: the share ends */
      if (n != UV_EOF)
        post_fail(ds, MSRP_DESKTOP_SHARING_HANDLER_DID_FAIL, "handler",
                  MSRP_ERR_IO, uv_strerror((int)n));
      end_now(ds);
    }
    return;
  }
  piece *q = realloc(p, sizeof *p + (size_t)n); /* no more than it holds */
  if (q)
    p = q;
  p->ds = ds;
  p->len = (size_t)n;
  if (!ds->s || ds->ending) {
    free(p);
    return;
  }
  send_piece(ds, p);
  update_local_reading(ds);
}

/* Read the local socket while the session takes what we give it. */
static void update_local_reading(msrp_desktop_sharing *ds) {
  if (!ds->local_up || ds->ending || ds->freeing)
    return;
  bool want = !ds->blocked && ds->untaken <= ds->max_buffer;
  if (want && !ds->local_reading)
    ds->local_reading =
        uv_read_start((uv_stream_t *)&ds->local, on_alloc, on_local_read) == 0;
  else if (!want && ds->local_reading &&
           (ds->blocked || ds->untaken > ds->max_buffer)) {
    uv_read_stop((uv_stream_t *)&ds->local);
    ds->local_reading = false;
  }
}

static void on_writable(msrp_session *s, void *ud) {
  (void)s;
  msrp_desktop_sharing *ds = ud;
  piece *p = ds->blocked;
  if (p) {
    ds->blocked = NULL;
    send_piece(ds, p);
  }
  update_local_reading(ds);
}

/* ---- the peer to the local socket -----------------------------------------
 */

static void update_msrp_reading(msrp_desktop_sharing *ds) {
  if (!ds->s)
    return;
  /* before the local side is up, what comes waits here (a VNC server's
   * greeting), up to the bound; reading goes on, so a peer that leaves
   * meanwhile is noticed */
  size_t q = ds->local_up ? ds->local.write_queue_size : ds->early_bytes;
  bool pause = q > ds->max_buffer;
  bool resume = q <= ds->max_buffer / 2;
  if (pause && !ds->msrp_paused) {
    msrp_session_pause(ds->s);
    ds->msrp_paused = true;
  } else if (resume && ds->msrp_paused) {
    msrp_session_resume(ds->s);
    ds->msrp_paused = false;
  }
}

static void on_local_written(uv_write_t *w, int status) {
  wreq *r = (wreq *)w;
  msrp_desktop_sharing *ds = r->ds;
  free(r);
  if (ds->freeing || ds->ending)
    return;
  if (status) {
    post_fail(ds, MSRP_DESKTOP_SHARING_HANDLER_DID_FAIL, "handler", MSRP_ERR_IO,
              uv_strerror(status));
    end_now(ds);
    return;
  }
  update_msrp_reading(ds);
}

static void write_local(msrp_desktop_sharing *ds, wreq *r) {
  uv_buf_t b = uv_buf_init((char *)r->data, (unsigned)r->len);
  if (uv_write(&r->w, (uv_stream_t *)&ds->local, &b, 1, on_local_written)) {
    free(r);
    end_now(ds);
    return;
  }
  ds->from_peer += r->len;
}

static void on_message(msrp_session *s, const msrp_message_info *m,
                       const uint8_t *body, size_t len, void *ud) {
  (void)s;
  (void)m;
  msrp_desktop_sharing *ds = ud;
  if (ds->ending || !len)
    return;
  wreq *r = malloc(sizeof *r + len);
  if (!r) {
    end_now(ds);
    return;
  }
  r->ds = ds;
  r->next = NULL;
  r->len = len;
  memcpy(r->data, body, len);
  if (!ds->local_up) {
    if (ds->early_tail)
      ds->early_tail->next = r;
    else
      ds->early = r;
    ds->early_tail = r;
    ds->early_bytes += len;
  } else {
    write_local(ds, r);
  }
  update_msrp_reading(ds);
}

static void on_read_end(msrp_session *s, int status, void *ud) {
  (void)s;
  msrp_desktop_sharing *ds = ud;
  if (ds->ending || ds->state != DS_STARTED)
    return;
  if (status != MSRP_ERR_CONNECTION_CLOSED)
    post_fail(ds, MSRP_DESKTOP_SHARING_DID_FAIL, "reading", status, NULL);
  end_now(ds); /* the peer is gone: so is the share */
}

/* ---- the local VNC side ----------------------------------------------------
 */

static void local_up(msrp_desktop_sharing *ds) {
  ds->local_up = true;
  ds->local.data = ds;
  uv_tcp_nodelay(&ds->local, 1);
  post(ds, MSRP_DESKTOP_SHARING_HANDLER_DID_START, NULL, NULL);
  /* what the peer sent before, first */
  while (ds->early && !ds->ending && !ds->freeing) {
    wreq *r = ds->early;
    ds->early = r->next;
    ds->early_bytes -= r->len;
    write_local(ds, r);
  }
  ds->early_tail = ds->early;
  update_local_reading(ds);
  update_msrp_reading(ds);
}

static void on_vnc_connected(uv_connect_t *req, int status) {
  msrp_desktop_sharing *ds = req->data;
  if (ds->freeing || ds->ending)
    return;
  if (status) {
    char why[300];
    snprintf(why, sizeof why, "the VNC server at %s:%d: %s", ds->vnc_host,
             ds->vnc_port, uv_strerror(status));
    post_fail(ds, MSRP_DESKTOP_SHARING_HANDLER_DID_FAIL, "handler",
              MSRP_ERR_CONNECT, why);
    end_now(ds);
    return;
  }
  local_up(ds);
}

static void on_viewer(uv_stream_t *server, int status) {
  msrp_desktop_sharing *ds = server->data;
  if (status || ds->local_open || ds->ending)
    return; /* one viewer: a second connection waits in the backlog */
  uv_tcp_init(ds->loop, &ds->local);
  ds->local.data = ds;
  ds->local_open = true;
  ds->handles++;
  if (uv_accept(server, (uv_stream_t *)&ds->local)) {
    uv_close((uv_handle_t *)&ds->local, on_handle_closed);
    ds->local_open = false;
    return;
  }
  /* no second viewer */
  uv_close((uv_handle_t *)&ds->listener, on_handle_closed);
  ds->listener_open = false;
  local_up(ds);
}

static int connect_vnc(msrp_desktop_sharing *ds);

static void on_proc_exit(uv_process_t *p, int64_t status, int sig) {
  msrp_desktop_sharing *ds = p->data;
  (void)sig;
  if (ds->freeing || ds->ending || ds->port_found ||
      ds->role != MSRP_DESKTOP_SERVER)
    return;
  /* the VNC server went before it said where it listens */
  char why[128];
  snprintf(why, sizeof why, "the VNC server command exited (%lld)",
           (long long)status);
  post_fail(ds, MSRP_DESKTOP_SHARING_HANDLER_DID_FAIL, "handler",
            MSRP_ERR_CONNECT, why);
  end_now(ds);
}

static void on_proc_alloc(uv_handle_t *h, size_t n, uv_buf_t *b) {
  msrp_desktop_sharing *ds = h->data;
  (void)n;
  size_t room = sizeof ds->out_line - 1 - ds->out_len;
  *b = uv_buf_init(ds->out_line + ds->out_len, (unsigned)room);
}

/* The VNC server's output, a line at a time, for "PORT=<n>". */
static void on_proc_read(uv_stream_t *st, ssize_t n, const uv_buf_t *b) {
  msrp_desktop_sharing *ds = st->data;
  (void)b;
  if (n <= 0) {
    if (n < 0)
      uv_read_stop(st);
    return;
  }
  ds->out_len += (size_t)n;
  ds->out_line[ds->out_len] = '\0';
  char *nl;
  while ((nl = strchr(ds->out_line, '\n'))) {
    *nl = '\0';
    int port = 0;
    if (!ds->port_found && sscanf(ds->out_line, "PORT=%d", &port) == 1 &&
        port > 0 && port < 65536) {
      ds->port_found = true;
      ds->vnc_port = port;
      if (connect_vnc(ds)) {
        post_fail(ds, MSRP_DESKTOP_SHARING_HANDLER_DID_FAIL, "handler",
                  MSRP_ERR_CONNECT, "cannot connect to the VNC server");
        end_now(ds);
        return;
      }
    }
    size_t rest = ds->out_len - (size_t)(nl + 1 - ds->out_line);
    memmove(ds->out_line, nl + 1, rest + 1);
    ds->out_len = rest;
  }
  if (ds->out_len == sizeof ds->out_line - 1)
    ds->out_len = 0; /* a line too long to be "PORT=": dropped */
}

/* Run `cmd` with /bin/sh -c; with `read_out`, its standard output comes to
 * on_proc_read (its other output goes to our standard error, never to our
 * standard output). */
static int spawn(msrp_desktop_sharing *ds, const char *cmd, bool read_out) {
  char *args[] = {"/bin/sh", "-c", (char *)cmd, NULL};
  uv_stdio_container_t io[3];
  io[0].flags = UV_IGNORE;
  io[1].flags = UV_INHERIT_FD;
  io[1].data.fd = 2;
  io[2].flags = UV_INHERIT_FD;
  io[2].data.fd = 2;
  if (read_out) {
    uv_pipe_init(ds->loop, &ds->proc_out, 0);
    ds->proc_out.data = ds;
    ds->proc_out_open = true;
    ds->handles++;
    io[1].flags = UV_CREATE_PIPE | UV_WRITABLE_PIPE;
    io[1].data.stream = (uv_stream_t *)&ds->proc_out;
  }
  uv_process_options_t o = {.exit_cb = on_proc_exit,
                            .file = args[0],
                            .args = args,
                            .stdio = io,
                            .stdio_count = 3};
  ds->proc.data = ds;
  if (uv_spawn(ds->loop, &ds->proc, &o))
    return MSRP_ERR_NOT_FOUND;
  ds->proc_open = true;
  ds->handles++;
  if (read_out)
    uv_read_start((uv_stream_t *)&ds->proc_out, on_proc_alloc, on_proc_read);
  return 0;
}

/* The viewer command, "%p" made the port. */
static int start_viewer_command(msrp_desktop_sharing *ds) {
  char cmd[1024], port[8];
  snprintf(port, sizeof port, "%d", ds->viewer_port);
  size_t k = 0;
  for (const char *c = ds->viewer_command; *c && k + 8 < sizeof cmd; c++) {
    if (c[0] == '%' && c[1] == 'p') {
      k += (size_t)snprintf(cmd + k, sizeof cmd - k, "%s", port);
      c++;
    } else {
      cmd[k++] = *c;
    }
  }
  cmd[k] = '\0';
  return spawn(ds, cmd, false);
}

static int start_handler(msrp_desktop_sharing *ds) {

  struct sockaddr_storage sa;
  int rc;
  if (ds->role == MSRP_DESKTOP_SERVER)
    return ds->vnc_command ? spawn(ds, ds->vnc_command, true) : connect_vnc(ds);
  rc = uv_ip4_addr(ds->viewer_host, ds->viewer_port, (struct sockaddr_in *)&sa);
  if (rc)
    rc = uv_ip6_addr(ds->viewer_host, ds->viewer_port,
                     (struct sockaddr_in6 *)&sa);
  if (rc)
    return MSRP_ERR_ADDRESS;
  uv_tcp_init(ds->loop, &ds->listener);
  ds->listener.data = ds;
  ds->listener_open = true;
  ds->handles++;
  rc = uv_tcp_bind(&ds->listener, (const struct sockaddr *)&sa, 0);
  if (!rc)
    rc = uv_listen((uv_stream_t *)&ds->listener, 1, on_viewer);
  int len = sizeof sa;
  if (!rc)
    rc = uv_tcp_getsockname(&ds->listener, (struct sockaddr *)&sa, &len);
  if (rc)
    return rc == UV_EADDRINUSE ? MSRP_ERR_ADDRESS_IN_USE : MSRP_ERR_ADDRESS;
  ds->viewer_port =
      ntohs(sa.ss_family == AF_INET6 ? ((struct sockaddr_in6 *)&sa)->sin6_port
                                     : ((struct sockaddr_in *)&sa)->sin_port);
  return ds->viewer_command ? start_viewer_command(ds) : 0;
}

static int connect_vnc(msrp_desktop_sharing *ds) {
  struct sockaddr_storage sa;
  int rc = uv_ip4_addr(ds->vnc_host, ds->vnc_port, (struct sockaddr_in *)&sa);
  if (rc)
    rc = uv_ip6_addr(ds->vnc_host, ds->vnc_port, (struct sockaddr_in6 *)&sa);
  if (rc)
    return MSRP_ERR_ADDRESS;
  uv_tcp_init(ds->loop, &ds->local);
  ds->local.data = ds;
  ds->local_open = true;
  ds->handles++;
  ds->creq.data = ds;
  rc = uv_tcp_connect(&ds->creq, &ds->local, (const struct sockaddr *)&sa,
                      on_vnc_connected);
  return rc ? MSRP_ERR_CONNECT : 0;
}

/* ---- SDP --------------------------------------------------------------------
 */

/* The remote's desktop-sharing section: the first m=application MSRP
 * section of the body, taking application/x-rfb. */
static int remote_media(const char *sdp, msrp_sdp_media **out) {
  int rc = msrp__parse_remote_media(sdp, true, out);
  if (rc == MSRP_ERR_NOT_FOUND)
    return MSRP_ERR_NOT_SUPPORTED;
  if (!rc && !msrp_sdp_media_accepts(*out, RFB_TYPE)) {
    msrp_sdp_media_free(*out);
    *out = NULL;
    return MSRP_ERR_NOT_SUPPORTED;
  }
  return rc;
}

static int build_sdp(msrp_desktop_sharing *ds, const msrp_path *path) {
  static const char *const types[] = {RFB_TYPE};
  msrp_sdp_media *m;
  int rc = msrp_sdp_media_new(&m, path, types, 1);
  if (!rc)
    rc = msrp_sdp_media_set_application(m, 1);
  if (!rc)
    rc = msrp_sdp_media_set_rfb_role(m, ds->role == MSRP_DESKTOP_SERVER
                                            ? MSRP_RFB_PASSIVE
                                            : MSRP_RFB_ACTIVE);
  if (rc) {
    msrp_sdp_media_free(m);
    return rc;
  }
  return msrp__keep_local_media(m, &ds->acct, path, ds->local_setup, &ds->sdp,
                                &ds->local_media);
}

/* ---- initialize, start -----------------------------------------------------
 */

static void on_prepared(msrp_connector *con, int status, const msrp_path *p,
                        void *ud) {
  (void)con;
  msrp_desktop_sharing *ds = ud;
  if (!connector_returned(ds) || ds->state != DS_INITIALIZING)
    return;
  if (!status)
    status = build_sdp(ds, p);
  if (status) {
    ds->state = DS_NEW;
    post_fail(ds, MSRP_DESKTOP_SHARING_DID_FAIL, "initialize", status, NULL);
    return;
  }
  ds->state = DS_INITIALIZED;
  msrp_desktop_sharing_did_initialize d = {ds->sdp};
  post(ds, MSRP_DESKTOP_SHARING_DID_INITIALIZE,
       "msrp_desktop_sharing_did_initialize", &d);
}

int msrp_desktop_sharing_initialize(msrp_desktop_sharing *ds) {
  if (!ds)
    return MSRP_ERR_INVALID_ARGUMENT;
  if (ds->state != DS_NEW || ds->ending)
    return MSRP_ERR_BUSY;
  int rc =
      msrp__stream_prepare(ds->loop, &ds->acct, ds->connects, &ds->con,
                           &ds->local_uri, on_prepared, ds, &ds->con_pending);
  if (!rc)
    ds->state = DS_INITIALIZING;
  return rc;
}

static void on_completed(msrp_connector *con, int status, msrp_transport *t,
                         void *ud) {
  (void)con;
  msrp_desktop_sharing *ds = ud;
  if (ds->state != DS_STARTING || ds->freeing) {
    msrp_transport_free(t);
    connector_returned(ds);
    return;
  }
  ds->con_pending--;
  if (!status) {
    msrp_session_config sc = {0};
    sc.response_timeout_ms = ds->acct.response_timeout_ms;
    sc.accept_types = RFB_TYPE;
    sc.on_read_end = on_read_end;
    msrp_session_callbacks cbs = {.on_message = on_message,
                                  .on_writable = on_writable};
    status = msrp_session_new(&ds->s, t, &sc, &cbs, ds);
    if (status)
      msrp_transport_free(t);
  }
  if (!status) {
    status = start_handler(ds);
    if (status) {
      ds->state = DS_STARTED;
      post(ds, MSRP_DESKTOP_SHARING_DID_START, NULL, NULL);
      post_fail(ds, MSRP_DESKTOP_SHARING_HANDLER_DID_FAIL, "handler", status,
                NULL);
      end_now(ds);
      return;
    }
  }
  if (status) {
    ds->state = DS_INITIALIZED;
    post_fail(ds, MSRP_DESKTOP_SHARING_DID_FAIL, "start", status, NULL);
    return;
  }
  ds->state = DS_STARTED;
  post(ds, MSRP_DESKTOP_SHARING_DID_START, NULL, NULL);
}

int msrp_desktop_sharing_start(msrp_desktop_sharing *ds,
                               const char *remote_sdp) {
  if (!ds || !remote_sdp)
    return MSRP_ERR_INVALID_ARGUMENT;
  if (ds->state != DS_INITIALIZED || ds->ending)
    return MSRP_ERR_BUSY;
  msrp_sdp_media *remote = NULL;
  int rc = remote_media(remote_sdp, &remote);
  if (!rc && ds->outgoing &&
      (msrp_sdp_media_rfb_role(remote) == MSRP_RFB_PASSIVE) ==
          (ds->role == MSRP_DESKTOP_SERVER))
    rc = MSRP_ERR_NOT_SUPPORTED; /* both would run the server, or the viewer */
  if (!rc)
    rc = msrp__check_setup(ds->outgoing, ds->connects, ds->local_media, remote);
  if (!rc)
    rc = msrp__before_complete(ds->con, &ds->acct, ds->local_media, remote,
                               ds->connects);
  if (rc) {
    msrp_sdp_media_free(remote);
    post_fail(ds, MSRP_DESKTOP_SHARING_DID_FAIL, "sdp_negotiation", rc, NULL);
    return 0;
  }
  ds->state = DS_STARTING;
  ds->con_pending++;
  rc = msrp_connector_complete(ds->con, msrp_sdp_media_path(remote),
                               on_completed, ds);
  msrp_sdp_media_free(remote);
  if (rc) {
    ds->con_pending--;
    ds->state = DS_INITIALIZED;
    post_fail(ds, MSRP_DESKTOP_SHARING_DID_FAIL, "start", rc, NULL);
  }
  return 0;
}

/* ---- making one -------------------------------------------------------------
 */

static int ds_new(msrp_desktop_sharing **out, uv_loop_t *loop,
                  msrp_notification_center *nc, const msrp_account *a,
                  const char *remote_uri, const msrp_desktop_sharing_config *c,
                  msrp_desktop_role role, bool outgoing) {
  if (!out || !loop || !nc || !a || !remote_uri ||
      (role != MSRP_DESKTOP_SERVER && role != MSRP_DESKTOP_VIEWER))
    return MSRP_ERR_INVALID_ARGUMENT;
  msrp_desktop_sharing *ds = calloc(1, sizeof *ds);
  if (!ds)
    return MSRP_ERR_NOMEM;
  int rc = msrp__account_copy(&ds->acct, a);
  if (rc) {
    free(ds);
    return rc;
  }
  ds->loop = loop;
  ds->nc = nc;
  ds->role = role;
  ds->outgoing = outgoing;
  ds->connects = outgoing && a->offer_setup != MSRP_SDP_SETUP_PASSIVE;
  ds->local_setup =
      ds->connects ? MSRP_SDP_SETUP_ACTIVE : MSRP_SDP_SETUP_PASSIVE;
  ds->local_uri = (msrp_uri)MSRP_URI_INIT;
  ds->vnc_port = c && c->vnc_port ? c->vnc_port : 5900;
  ds->viewer_port = c ? c->viewer_port : 0;
  ds->max_buffer = c && c->max_buffer ? c->max_buffer : 1u << 20;
  ds->remote_uri = msrp__strdup_or_null(remote_uri);
  ds->vnc_host =
      msrp__strdup_or_null(c && c->vnc_host ? c->vnc_host : "127.0.0.1");
  ds->viewer_host =
      msrp__strdup_or_null(c && c->viewer_host ? c->viewer_host : "127.0.0.1");
  ds->vnc_command = msrp__strdup_or_null(c ? c->vnc_command : NULL);
  ds->viewer_command = msrp__strdup_or_null(c ? c->viewer_command : NULL);
  if (!ds->remote_uri || !ds->vnc_host || !ds->viewer_host ||
      (c && c->vnc_command && !ds->vnc_command) ||
      (c && c->viewer_command && !ds->viewer_command)) {
    ds->freeing = true;
    release(ds);
    return MSRP_ERR_NOMEM;
  }
  uv_timer_init(loop, &ds->end_timer);
  ds->end_timer.data = ds;
  ds->timer_open = true;
  *out = ds;
  return 0;
}

int msrp_desktop_sharing_new_sized(msrp_desktop_sharing **out, uv_loop_t *loop,
                                   msrp_notification_center *center,
                                   const msrp_account *account,
                                   const char *remote_uri,
                                   const msrp_desktop_sharing_config *config,
                                   size_t account_size, size_t relay_size,
                                   size_t tls_size, size_t config_size) {
  msrp_desktop_sharing_config cfg;
  const msrp_desktop_sharing_config *c =
      msrp__abi_in(&cfg, sizeof cfg, config, config_size);
  if (!c)
    return MSRP_ERR_INVALID_ARGUMENT;
  msrp__account_in in;
  int rc =
      msrp__account_in_init(&in, account, account_size, relay_size, tls_size);
  if (!rc)
    rc = ds_new(out, loop, center, &in.acc, remote_uri, c, c->role, true);
  free(in.relays);
  return rc;
}

int msrp_desktop_sharing_new_from_sdp_sized(
    msrp_desktop_sharing **out, uv_loop_t *loop,
    msrp_notification_center *center, const msrp_account *account,
    const char *remote_uri, const char *offer_sdp,
    const msrp_desktop_sharing_config *config, size_t account_size,
    size_t relay_size, size_t tls_size, size_t config_size) {
  if (!out || !offer_sdp)
    return MSRP_ERR_INVALID_ARGUMENT;
  msrp_desktop_sharing_config cfg;
  const msrp_desktop_sharing_config *c =
      config ? msrp__abi_in(&cfg, sizeof cfg, config, config_size) : NULL;
  msrp_sdp_media *offer;
  int rc = remote_media(offer_sdp, &offer);
  if (rc)
    return rc;
  /* the role the offer leaves us: it runs the server, we view */
  msrp_desktop_role role = msrp_sdp_media_rfb_role(offer) == MSRP_RFB_PASSIVE
                               ? MSRP_DESKTOP_VIEWER
                               : MSRP_DESKTOP_SERVER;
  bool connects = false;
  msrp_sdp_setup result;
  rc = msrp__answer_setup(offer, &connects, &result);
  msrp_sdp_media_free(offer);
  msrp__account_in in;
  if (!rc)
    rc =
        msrp__account_in_init(&in, account, account_size, relay_size, tls_size);
  else
    return rc;
  msrp_desktop_sharing *ds = NULL;
  if (!rc)
    rc = ds_new(&ds, loop, center, &in.acc, remote_uri, c, role, false);
  free(in.relays);
  if (rc)
    return rc;
  ds->connects = connects;
  ds->local_setup = result;
  *out = ds;
  return 0;
}

msrp_desktop_role msrp_desktop_sharing_role(const msrp_desktop_sharing *ds) {
  return ds ? ds->role : 0;
}

int msrp_desktop_sharing_viewer_port(const msrp_desktop_sharing *ds) {
  return ds && ds->role == MSRP_DESKTOP_VIEWER && ds->state == DS_STARTED
             ? ds->viewer_port
             : 0;
}

void msrp_desktop_sharing_counters(const msrp_desktop_sharing *ds,
                                   uint64_t *to_peer, uint64_t *from_peer) {
  if (to_peer)
    *to_peer = ds ? ds->to_peer : 0;
  if (from_peer)
    *from_peer = ds ? ds->from_peer : 0;
}

int msrp_desktop_sharing_held_back(const msrp_desktop_sharing *ds) {
  if (!ds)
    return 0;
  return (ds->local_up && !ds->local_reading ? 1 : 0) |
         (ds->msrp_paused ? 2 : 0);
}
