/* SPDX-License-Identifier: MIT
 * Copyright (c) 2026 The libmsrp authors */
/* Files over MSRP (RFC 5547): sipsimple's MSRPFileTransfer on libmsrp's
 * connectors and sessions. The file is read at the engine's pace through
 * its data provider (memory stays at one chunk), written at each chunk's
 * offset as it comes, and hashed off the loop (libuv's thread pool) where a
 * whole file has to be read. */
#include <msrp/file_transfer.h>

#include <msrp/engine.h>
#include <msrp/sdp.h>
#include <msrp/session.h>

#include "core/ranges.h"
#include "core/util.h"
#include "streams/stream.h"

#include <openssl/evp.h>

#include <errno.h>
#include <fcntl.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define DEFAULT_TYPE "application/octet-stream"
#define PROGRESS_EVERY_MS 250
#define HASH_BUF (1u << 20)

typedef enum ft_state {
  FT_NEW,
  FT_HASHING,
  FT_INITIALIZING,
  FT_INITIALIZED,
  FT_STARTING,
  FT_STARTED,
  FT_FINISHING, /* received whole: the hash is being checked */
  FT_ENDED
} ft_state;

/* Hashing a file in the thread pool. */
/* Hashing a stretch of the file in the thread pool: [from, to) into the
 * transfer's SHA-1 context, which nothing else touches meanwhile. The
 * sender hashes its whole file before the offer; the receiver hashes what
 * has been written, in stretches, while the rest still comes, so that the
 * hash costs the network no time. */
typedef struct hash_job {
  uv_work_t req;
  struct msrp_file_transfer *ft;
  int fd;
  EVP_MD_CTX *md;
  uint64_t from, to;
  atomic_uint_least64_t done; /* up to where, for HashProgress */
  atomic_bool stop;
  int err; /* errno of a read that failed */
} hash_job;

/* The sender reads ahead of the session: READ_SLOTS reads of READ_SIZE
 * bytes each through libuv's file operations (the thread pool), so the
 * loop never waits for the disk; the session borrows what has come (a
 * msrp_data_lender: the bytes go from the slot to the socket with no copy)
 * and hears MSRP_ERR_WOULD_BLOCK until it has. A slot is read into again
 * once all of it was lent and all of it is given back; a session's write
 * step lends up to 1 MiB, so two more slots keep the disk busy meanwhile. */
#define READ_SLOTS 6
#define READ_SIZE (256u << 10)

typedef struct read_slot {
  uv_fs_t req;
  struct msrp_file_transfer *ft;
  uint8_t *buf;
  uint64_t off; /* the file offset of buf[0] */
  size_t len;   /* bytes asked for, then bytes read */
  unsigned gen; /* the read-ahead it belongs to */
  enum { SLOT_EMPTY, SLOT_READING, SLOT_FULL } st;
  int lent;     /* pieces of it the session has not given back */
  bool drained; /* all of it lent: empty once all is back */
} read_slot;

/* The receiver hashes in stretches of at least this much. */
#define HASH_STRETCH (8u << 20)

struct msrp_file_transfer {
  uv_loop_t *loop;
  msrp_notification_center *nc;
  msrp__account acct;
  char *remote_uri;
  bool outgoing; /* we made the offer */
  bool sending;  /* we send the file */
  bool connects;
  msrp_sdp_setup local_setup;
  ft_state state;

  /* the file */
  msrp_file_description desc; /* what our SDP says (or will) */
  msrp_file_selector want;    /* a pull we offer: what we asked for */
  char *content_type;
  char *path;      /* sending: the file; receiving: DIR/NAME.part */
  char *meta_path; /* receiving: DIR/NAME.part.meta */
  char *final_path;
  char *directory;
  int fd, meta_fd;
  bool resume;
  size_t chunk_size;
  uint64_t size; /* 0 until known */
  bool size_known;
  uint64_t offset; /* where this transfer starts */
  uint64_t moved;  /* bytes read and sent, or written */

  /* receiving */
  char *msg_id;        /* the message carrying the file */
  msrp__ranges got;    /* bytes written (with those a resume had) */
  EVP_MD_CTX *md;      /* SHA-1 of the bytes in order from 0 ... */
  uint64_t hashed;     /* ... this far (or as far as the running job goes) */
  uint64_t meta_saved; /* the prefix the meta file says we have */

  /* sending: bytes success REPORTs confirmed */
  uint64_t confirmed;
  bool done_sending;

  hash_job *job; /* a hash in the thread pool */
  int jobs;      /* jobs whose after-work has not run */

  /* sending: reads ahead of the session */
  read_slot slots[READ_SLOTS];
  int lent;           /* pieces of the slots lent to the session */
  uint64_t next_read; /* the offset the next read starts at */
  unsigned read_gen;  /* a new read-ahead leaves older reads' bytes aside */
  int reads;          /* reads under way */
  bool read_waiting;  /* the provider said MSRP_ERR_WOULD_BLOCK */
  int read_err;       /* a read failed (errno; EIO: the file got shorter) */

  msrp_connector *con;
  int con_pending;
  msrp_uri local_uri;
  msrp_sdp_media *local_media;
  char *sdp;
  msrp_session *s;

  uint64_t t0, last_progress, progress_every;
  uv_timer_t timer; /* progress of a hash; DidEnd from the loop */
  bool timer_open, ending, freeing, failed;
  uint64_t max_rate; /* receiving: bytes per second at most (0: any) */
  uv_timer_t pace;   /* ... resumes reading when the rate allows */
  bool pace_open;
  char last_error[160];
};

/* ---- notifications ------------------------------------------------------- */

static void post(msrp_file_transfer *ft, const char *name, const char *type,
                 const void *payload) {
  msrp_notification_center_post(ft->nc, name, ft, type, payload);
}

static void close_down(msrp_file_transfer *ft);
static void schedule_end(msrp_file_transfer *ft);
static void finish_received(msrp_file_transfer *ft, const uint8_t *sha1,
                            int err);

/* A failure, once: the session closes, DidFail, and the transfer is over
 * (DidEnd follows from the loop, as after end()). */
static void fail(msrp_file_transfer *ft, const char *context, int failure,
                 const char *why) {
  if (ft->failed || ft->freeing || ft->state == FT_ENDED)
    return;
  ft->failed = true;
  char reason[256];
  if (why)
    snprintf(reason, sizeof reason, "%s: %s", msrp_strerror(failure), why);
  else
    snprintf(reason, sizeof reason, "%s", msrp_strerror(failure));
  msrp_file_transfer_did_fail f = {context, reason, failure};
  post(ft, MSRP_FILE_TRANSFER_DID_FAIL, "msrp_file_transfer_did_fail", &f);
  if (!ft->freeing)
    schedule_end(ft);
}

static void progress(msrp_file_transfer *ft, const char *name, uint64_t done,
                     bool force) {
  uint64_t now = uv_now(ft->loop);
  if (!force && now - ft->last_progress < ft->progress_every)
    return;
  ft->last_progress = now;
  uint64_t ms = now > ft->t0 ? now - ft->t0 : 1;
  uint64_t moved = done > ft->offset ? done - ft->offset : 0;
  msrp_file_transfer_progress p = {done, ft->size, moved * 1000 / ms};
  post(ft, name, "msrp_file_transfer_progress", &p);
}

/* ---- life ------------------------------------------------------------------
 */

static void release(msrp_file_transfer *ft) {
  msrp__account_clear(&ft->acct);
  free(ft->remote_uri);
  msrp_file_description_clear(&ft->desc);
  msrp_file_selector_clear(&ft->want);
  free(ft->content_type);
  free(ft->path);
  free(ft->meta_path);
  free(ft->final_path);
  free(ft->directory);
  free(ft->msg_id);
  msrp__ranges_free(&ft->got);
  if (ft->md)
    EVP_MD_CTX_free(ft->md);
  msrp_uri_clear(&ft->local_uri);
  msrp_sdp_media_free(ft->local_media);
  free(ft->sdp);
  for (int i = 0; i < READ_SLOTS; i++)
    free(ft->slots[i].buf);
  free(ft);
}

static void maybe_release(msrp_file_transfer *ft) {
  if (ft->freeing && !ft->timer_open && !ft->pace_open &&
      ft->con_pending == 0 && ft->jobs == 0 && ft->reads == 0 && ft->lent == 0)
    release(ft);
}

static void on_pace_closed(uv_handle_t *h) {
  msrp_file_transfer *ft = h->data;
  ft->pace_open = false;
  maybe_release(ft);
}

static void on_timer_closed(uv_handle_t *h) {
  msrp_file_transfer *ft = h->data;
  ft->timer_open = false;
  maybe_release(ft);
}

/* The file (unless a hash or a read in the thread pool still uses it:
 * closed when they are back) and the meta file. */
static void close_files(msrp_file_transfer *ft) {
  if (ft->fd >= 0 && !ft->job && !ft->reads) {
    close(ft->fd);
    ft->fd = -1;
  }
  if (ft->meta_fd >= 0)
    close(ft->meta_fd);
  ft->meta_fd = -1;
}

static void close_down(msrp_file_transfer *ft) {
  msrp_session *s = ft->s;
  ft->s = NULL;
  msrp_session_free(s);
  msrp_connector_free(ft->con);
  ft->con = NULL;
  if (ft->job)
    atomic_store(&ft->job->stop, true);
  close_files(ft);
}

void msrp_file_transfer_free(msrp_file_transfer *ft) {
  if (!ft || ft->freeing)
    return;
  ft->freeing = true;
  close_down(ft);
  if (ft->pace_open) {
    uv_timer_stop(&ft->pace);
    uv_close((uv_handle_t *)&ft->pace, on_pace_closed);
  }
  if (ft->timer_open) {
    uv_timer_stop(&ft->timer);
    uv_close((uv_handle_t *)&ft->timer, on_timer_closed);
  } else {
    maybe_release(ft);
  }
}

static bool connector_returned(msrp_file_transfer *ft) {
  ft->con_pending--;
  if (!ft->freeing)
    return true;
  maybe_release(ft);
  return false;
}

/* ---- the receiving side's files -------------------------------------------
 */

/* DIR/NAME for a peer's name, and the .part and .meta beside it. */
static int receive_paths(msrp_file_transfer *ft, const msrp_file_selector *s) {
  char name[256];
  msrp_file_name_sanitize(s->name, s->name ? s->name_len : 0, name,
                          sizeof name);
  size_t dl = strlen(ft->directory);
  size_t n = dl + strlen(name) + 16;
  free(ft->path);
  free(ft->meta_path);
  ft->path = malloc(n);
  ft->meta_path = malloc(n);
  if (!ft->path || !ft->meta_path)
    return MSRP_ERR_NOMEM;
  snprintf(ft->path, n, "%s/%s.part", ft->directory, name);
  snprintf(ft->meta_path, n, "%s/%s.part.meta", ft->directory, name);
  return 0;
}

/* The meta file: which file the .part is of (its selector) and how much
 * of its start is there. Rewritten in place as the prefix grows. */
#define META_HAVE_WIDTH 20

static int write_meta_have(msrp_file_transfer *ft, uint64_t have) {
  if (ft->meta_fd < 0)
    return 0;
  char line[META_HAVE_WIDTH + 2];
  snprintf(line, sizeof line, "%0*llu\n", META_HAVE_WIDTH,
           (unsigned long long)have);
  if (pwrite(ft->meta_fd, line, META_HAVE_WIDTH + 1, 0) != META_HAVE_WIDTH + 1)
    return MSRP_ERR_FILE_IO;
  ft->meta_saved = have;
  return 0;
}

/* What a meta file says we have of the file `sel` names; 0 when it is of
 * another file or unreadable. */
static uint64_t read_meta_have(const char *meta_path, const char *sel_text) {
  FILE *f = fopen(meta_path, "r");
  if (!f)
    return 0;
  char have_line[64], sel_line[4096];
  uint64_t have = 0;
  if (fgets(have_line, sizeof have_line, f) &&
      fgets(sel_line, sizeof sel_line, f)) {
    sel_line[strcspn(sel_line, "\n")] = '\0';
    have_line[strcspn(have_line, "\n")] = '\0';
    if (!strcmp(sel_line, sel_text) &&
        !msrp__parse_uint(have_line, strlen(have_line), UINT64_MAX - 1, &have))
      have = 0;
  }
  fclose(f);
  return have;
}

static char *selector_text(const msrp_file_selector *s) {
  int n = msrp_file_selector_format(s, NULL, 0);
  char *t = n < 0 ? NULL : malloc((size_t)n + 1);
  if (t)
    msrp_file_selector_format(s, t, (size_t)n + 1);
  return t;
}

/* Open NAME.part for the file `sel` describes: continue it when resuming
 * and the meta file says it is the start of this very file (which needs a
 * name, a size and a hash to tell), else from nothing. */
static int open_part(msrp_file_transfer *ft, const msrp_file_selector *sel) {
  int rc = receive_paths(ft, sel);
  if (rc)
    return rc;
  char *text = selector_text(sel);
  if (!text)
    return MSRP_ERR_NOMEM;
  uint64_t have = 0;
  if (ft->resume && sel->name && sel->has_size && sel->has_sha1)
    have = read_meta_have(ft->meta_path, text);
  if (sel->has_size && have >= sel->size)
    have = 0; /* all there, yet here again: start over */
  ft->fd =
      open(ft->path, O_RDWR | O_CREAT | (have ? 0 : O_TRUNC) | O_CLOEXEC, 0644);
  struct stat st;
  if (ft->fd >= 0 && have &&
      (fstat(ft->fd, &st) || (uint64_t)st.st_size < have))
    have = 0; /* the .part is shorter than its meta says */
  ft->meta_fd = ft->fd < 0 ? -1
                           : open(ft->meta_path,
                                  O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (ft->fd < 0 || ft->meta_fd < 0) {
    snprintf(ft->last_error, sizeof ft->last_error, "%s: %s",
             ft->fd < 0 ? ft->path : ft->meta_path, strerror(errno));
    free(text);
    close_files(ft);
    return MSRP_ERR_FILE_IO;
  }
  /* the meta file: the prefix we have, then the selector */
  rc = write_meta_have(ft, have);
  size_t tl = strlen(text);
  if (!rc &&
      (pwrite(ft->meta_fd, text, tl, META_HAVE_WIDTH + 1) != (ssize_t)tl ||
       pwrite(ft->meta_fd, "\n", 1, META_HAVE_WIDTH + 1 + (off_t)tl) != 1))
    rc = MSRP_ERR_FILE_IO;
  free(text);
  if (rc)
    return rc;
  msrp__ranges_free(&ft->got);
  if (have && (rc = msrp__ranges_add(&ft->got, 0, have)))
    return rc;
  ft->offset = have;
  ft->hashed = 0; /* a resumed start is read back from the file */
  if (!ft->md && !(ft->md = EVP_MD_CTX_new()))
    return MSRP_ERR_NOMEM;
  EVP_DigestInit_ex(ft->md, EVP_sha1(), NULL);
  return 0;
}

/* The final name: DIR/NAME, or "NAME (1).ext" and so on when it exists;
 * link() never replaces a file. */
static int place_file(msrp_file_transfer *ft) {
  size_t plen = strlen(ft->path) - 5; /* without ".part" */
  const char *slash = strrchr(ft->path, '/');
  const char *base = slash ? slash + 1 : ft->path;
  /* "NAME (1).ext": the number goes before the extension of the name (a
   * leading dot is no extension) */
  size_t stem = plen;
  for (const char *c = ft->path + plen - 1; c > base; c--)
    if (*c == '.') {
      stem = (size_t)(c - ft->path);
      break;
    }
  size_t cap = plen + 16;
  char *final = malloc(cap);
  if (!final)
    return MSRP_ERR_NOMEM;
  for (int i = 0; i < 1000; i++) {
    if (i == 0)
      snprintf(final, cap, "%.*s", (int)plen, ft->path);
    else
      snprintf(final, cap, "%.*s (%d)%.*s", (int)stem, ft->path, i,
               (int)(plen - stem), ft->path + stem);
    if (link(ft->path, final) == 0) {
      unlink(ft->path);
      unlink(ft->meta_path);
      free(ft->final_path);
      ft->final_path = final;
      return 0;
    }
    if (errno != EEXIST)
      break;
  }
  snprintf(ft->last_error, sizeof ft->last_error, "%s: %s", final,
           strerror(errno));
  free(final);
  return MSRP_ERR_FILE_IO;
}

/* ---- hashing in the thread pool -----------------------------------------
 */

static void hash_work(uv_work_t *req) {
  hash_job *j = (hash_job *)req;
  uint8_t *buf = malloc(HASH_BUF);
  if (!buf) {
    j->err = ENOMEM;
    return;
  }
  uint64_t off = j->from;
  while (off < j->to && !atomic_load(&j->stop)) {
    size_t want = j->to - off < HASH_BUF ? (size_t)(j->to - off) : HASH_BUF;
    ssize_t n = pread(j->fd, buf, want, (off_t)off);
    if (n <= 0) {
      j->err = n < 0 ? errno : EIO; /* shorter than its size now */
      break;
    }
    EVP_DigestUpdate(j->md, buf, (size_t)n);
    off += (uint64_t)n;
    atomic_store(&j->done, off);
  }
  free(buf);
}

static void hash_done(msrp_file_transfer *ft, hash_job *j, int status);

static void after_hash(uv_work_t *req, int status) {
  hash_job *j = (hash_job *)req;
  msrp_file_transfer *ft = j->ft;
  ft->jobs--;
  if (ft->job == j)
    ft->job = NULL;
  if (ft->freeing || atomic_load(&j->stop)) {
    free(j);
    if (ft->freeing || ft->state == FT_ENDED)
      close_files(ft);
    maybe_release(ft);
    return;
  }
  hash_done(ft, j, status);
  free(j);
}

static void on_hash_tick(uv_timer_t *h) {
  msrp_file_transfer *ft = h->data;
  if (ft->job && ft->sending)
    progress(ft, MSRP_FILE_TRANSFER_HASH_PROGRESS, atomic_load(&ft->job->done),
             true);
}

/* Hash [ft->hashed, to) of the file in the thread pool. */
static int start_hash(msrp_file_transfer *ft, uint64_t to) {
  hash_job *j = calloc(1, sizeof *j);
  if (!j)
    return MSRP_ERR_NOMEM;
  if (!ft->md) {
    if (!(ft->md = EVP_MD_CTX_new())) {
      free(j);
      return MSRP_ERR_NOMEM;
    }
    EVP_DigestInit_ex(ft->md, EVP_sha1(), NULL);
  }
  j->ft = ft;
  j->fd = ft->fd;
  j->md = ft->md;
  j->from = ft->hashed;
  j->to = to;
  atomic_init(&j->done, j->from);
  atomic_init(&j->stop, false);
  if (uv_queue_work(ft->loop, &j->req, hash_work, after_hash)) {
    free(j);
    return MSRP_ERR_NOMEM;
  }
  ft->job = j;
  ft->jobs++;
  ft->hashed = to;
  if (ft->sending && ft->state == FT_NEW) {
    ft->t0 = uv_now(ft->loop);
    uv_timer_start(&ft->timer, on_hash_tick, ft->progress_every,
                   ft->progress_every);
  }
  return 0;
}

/* The SHA-1 of everything hashed. */
static void hash_final(msrp_file_transfer *ft, uint8_t out[20]) {
  unsigned int n = 0;
  EVP_DigestFinal_ex(ft->md, out, &n);
}

/* ---- creation -------------------------------------------------------------
 */

static int ft_new(msrp_file_transfer **out, uv_loop_t *loop,
                  msrp_notification_center *nc, const msrp_account *a,
                  const char *remote_uri, const msrp_file_transfer_config *cfg,
                  bool outgoing) {
  if (!out || !loop || !nc || !a || !remote_uri || !cfg)
    return MSRP_ERR_INVALID_ARGUMENT;
  msrp_file_transfer *ft = calloc(1, sizeof *ft);
  if (!ft)
    return MSRP_ERR_NOMEM;
  ft->fd = ft->meta_fd = -1;
  int rc = msrp__account_copy(&ft->acct, a);
  if (rc) {
    free(ft);
    return rc;
  }
  ft->loop = loop;
  ft->nc = nc;
  ft->outgoing = outgoing;
  ft->connects = outgoing && a->offer_setup != MSRP_SDP_SETUP_PASSIVE;
  ft->local_setup =
      ft->connects ? MSRP_SDP_SETUP_ACTIVE : MSRP_SDP_SETUP_PASSIVE;
  ft->local_uri = (msrp_uri)MSRP_URI_INIT;
  ft->resume = cfg->resume != 0;
  ft->chunk_size = cfg->chunk_size ? cfg->chunk_size : 65536;
  ft->progress_every =
      cfg->progress_interval_ms ? cfg->progress_interval_ms : PROGRESS_EVERY_MS;
  ft->remote_uri = msrp__strdup_or_null(remote_uri);
  ft->content_type = msrp__strdup_or_null(cfg->content_type ? cfg->content_type
                                                            : DEFAULT_TYPE);
  ft->directory = msrp__strdup_or_null(cfg->directory);
  if (!ft->remote_uri || !ft->content_type ||
      (cfg->directory && !ft->directory))
    rc = MSRP_ERR_NOMEM;
  uv_timer_init(loop, &ft->timer);
  ft->timer.data = ft;
  ft->timer_open = true;
  uv_timer_init(loop, &ft->pace);
  ft->pace.data = ft;
  ft->pace_open = true;
  ft->max_rate = cfg->max_rate;
  if (rc) {
    msrp_file_transfer_free(ft);
    return rc;
  }
  *out = ft;
  return 0;
}

/* Sending `file`: open it, know its size; the selector gets its name, type
 * and size now, its hash from the thread pool at initialize(). */
static int open_to_send(msrp_file_transfer *ft, const char *file) {
  ft->sending = true;
  if (!(ft->path = msrp__strdup_or_null(file)))
    return MSRP_ERR_NOMEM;
  struct stat st;
  ft->fd = open(file, O_RDONLY | O_CLOEXEC);
  if (ft->fd < 0 || fstat(ft->fd, &st) || !S_ISREG(st.st_mode)) {
    snprintf(ft->last_error, sizeof ft->last_error, "%s: %s", file,
             ft->fd < 0 ? strerror(errno) : "not a regular file");
    return MSRP_ERR_FILE_IO;
  }
  ft->size = (uint64_t)st.st_size;
  ft->size_known = true;
  msrp_file_selector *s = &ft->desc.selector;
  const char *base = strrchr(file, '/');
  base = base ? base + 1 : file;
  if (!(s->name = msrp__strdup_or_null(base)) ||
      !(s->type = msrp__strdup_or_null(ft->content_type)))
    return MSRP_ERR_NOMEM;
  s->name_len = strlen(base);
  s->size = ft->size;
  s->has_size = 1;
  ft->desc.has_selector = 1;
  return 0;
}

static int random_transfer_id(msrp_file_description *d) {
  char id[33];
  int rc = msrp__random_token(id, 32);
  if (!rc && !(d->transfer_id = msrp__strdup_or_null(id)))
    rc = MSRP_ERR_NOMEM;
  return rc;
}

static bool is_dir(const char *path) {
  struct stat st;
  return path && stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

int msrp_file_transfer_new_sized(msrp_file_transfer **out, uv_loop_t *loop,
                                 msrp_notification_center *nc,
                                 const msrp_account *account,
                                 const char *remote_uri,
                                 const msrp_file_transfer_config *config,
                                 size_t account_size, size_t relay_size,
                                 size_t tls_size, size_t config_size) {
  msrp_file_transfer_config cfg;
  if (!msrp__abi_in(&cfg, sizeof cfg, config, config_size))
    return MSRP_ERR_INVALID_ARGUMENT;
  if (!cfg.file && (!cfg.selector || !cfg.directory))
    return MSRP_ERR_INVALID_ARGUMENT;
  if (!cfg.file && !is_dir(cfg.directory))
    return MSRP_ERR_FILE_IO;
  msrp__account_in in;
  int rc =
      msrp__account_in_init(&in, account, account_size, relay_size, tls_size);
  msrp_file_transfer *ft = NULL;
  if (!rc)
    rc = ft_new(&ft, loop, nc, &in.acc, remote_uri, &cfg, true);
  free(in.relays);
  if (rc)
    return rc;
  if (cfg.file) {
    rc = open_to_send(ft, cfg.file);
    ft->desc.direction = MSRP_SDP_SENDONLY;
  } else {
    /* a pull: we ask for the file the selector names */
    rc = msrp_file_selector_copy(&ft->want, cfg.selector);
    if (!rc)
      rc = msrp_file_selector_copy(&ft->desc.selector, cfg.selector);
    ft->desc.has_selector = 1;
    ft->desc.direction = MSRP_SDP_RECVONLY;
    if (cfg.selector->has_size) {
      ft->size = cfg.selector->size;
      ft->size_known = true;
    }
  }
  if (!rc)
    rc = random_transfer_id(&ft->desc);
  if (rc) {
    msrp_file_transfer_free(ft);
    return rc;
  }
  *out = ft;
  return 0;
}

int msrp_file_transfer_new_from_sdp_sized(
    msrp_file_transfer **out, uv_loop_t *loop, msrp_notification_center *nc,
    const msrp_account *account, const char *remote_uri, const char *offer_sdp,
    const msrp_file_transfer_config *config, size_t account_size,
    size_t relay_size, size_t tls_size, size_t config_size) {
  msrp_file_transfer_config cfg;
  if (!offer_sdp || !msrp__abi_in(&cfg, sizeof cfg, config, config_size))
    return MSRP_ERR_INVALID_ARGUMENT;
  msrp_sdp_media *offer;
  int rc = msrp__parse_remote_media(offer_sdp, false, &offer);
  if (rc)
    return rc;
  msrp_file_description od = MSRP_FILE_DESCRIPTION_INIT;
  bool connects = false;
  msrp_sdp_setup setup;
  rc = msrp_file_description_from_media(&od, offer);
  if (!rc)
    rc = msrp__answer_setup(offer, &connects, &setup);
  msrp_sdp_media_free(offer);
  if (!rc && (!od.has_selector || (od.direction != MSRP_SDP_SENDONLY &&
                                   od.direction != MSRP_SDP_RECVONLY)))
    rc = MSRP_ERR_NOT_SUPPORTED;
  bool pull = !rc && od.direction == MSRP_SDP_RECVONLY;
  if (!rc && ((pull && !cfg.file) || (!pull && !cfg.directory)))
    rc = MSRP_ERR_INVALID_ARGUMENT;
  if (!rc && !pull && !is_dir(cfg.directory))
    rc = MSRP_ERR_FILE_IO;
  msrp__account_in in = {0};
  msrp_file_transfer *ft = NULL;
  if (!rc)
    rc =
        msrp__account_in_init(&in, account, account_size, relay_size, tls_size);
  if (!rc)
    rc = ft_new(&ft, loop, nc, &in.acc, remote_uri, &cfg, false);
  free(in.relays);
  if (rc) {
    msrp_file_description_clear(&od);
    return rc;
  }
  ft->connects = connects;
  ft->local_setup = setup;
  if (pull) {
    /* they ask for a file of ours: this must be the one */
    rc = open_to_send(ft, cfg.file);
    if (!rc)
      rc = msrp_file_selector_copy(&ft->want, &od.selector);
  } else {
    ft->sending = false;
    if (od.selector.has_size) {
      ft->size = od.selector.size;
      ft->size_known = true;
    }
  }
  /* the answer mirrors the offer (RFC 5547 section 8), the direction
   * reversed; a receiver that resumes narrows the range at initialize() */
  msrp_file_description answer = MSRP_FILE_DESCRIPTION_INIT;
  if (!rc)
    rc = msrp_file_description_answer(&answer, &od);
  msrp_file_description_clear(&od);
  if (!rc) {
    msrp_file_selector mine = ft->desc.selector; /* pull: our file's */
    ft->desc.selector = (msrp_file_selector)MSRP_FILE_SELECTOR_INIT;
    msrp_file_description_clear(&ft->desc);
    ft->desc = answer;
    if (pull) {
      /* what we send is checked against what was asked for at initialize
       * (the hash is not known before); keep our file's selector there */
      msrp_file_selector_clear(&ft->want);
      ft->want = ft->desc.selector;
      ft->desc.selector = mine;
    } else {
      msrp_file_selector_clear(&mine);
    }
  } else {
    msrp_file_description_clear(&answer);
  }
  if (rc) {
    msrp_file_transfer_free(ft);
    return rc;
  }
  *out = ft;
  return 0;
}

/* ---- initialize ------------------------------------------------------------
 */

static int build_sdp(msrp_file_transfer *ft, const msrp_path *path) {
  static const char *const any[] = {"*"};
  msrp_sdp_media *m;
  int rc = msrp_sdp_media_new(&m, path, any, 1);
  if (!rc)
    rc = msrp_file_description_to_media(&ft->desc, m);
  if (rc) {
    msrp_sdp_media_free(m);
    return rc;
  }
  return msrp__keep_local_media(m, &ft->acct, path, ft->local_setup, &ft->sdp,
                                &ft->local_media);
}

static void on_prepared(msrp_connector *con, int status, const msrp_path *p,
                        void *ud) {
  (void)con;
  msrp_file_transfer *ft = ud;
  if (!connector_returned(ft) || ft->state != FT_INITIALIZING)
    return;
  if (!status)
    status = build_sdp(ft, p);
  if (status) {
    ft->state = FT_NEW;
    fail(ft, "initialize", status, NULL);
    return;
  }
  ft->state = FT_INITIALIZED;
  msrp_file_transfer_did_initialize d = {ft->sdp};
  post(ft, MSRP_FILE_TRANSFER_DID_INITIALIZE,
       "msrp_file_transfer_did_initialize", &d);
}

static int prepare_connector(msrp_file_transfer *ft) {
  int rc =
      msrp__stream_prepare(ft->loop, &ft->acct, ft->connects, &ft->con,
                           &ft->local_uri, on_prepared, ft, &ft->con_pending);
  if (!rc)
    ft->state = FT_INITIALIZING;
  return rc;
}

/* The hash of the file to send is known: check a pull's request, then on
 * to the MSRP side. */
static void sender_hashed(msrp_file_transfer *ft, const uint8_t sha1[20]) {
  msrp_file_selector *s = &ft->desc.selector;
  memcpy(s->sha1, sha1, 20);
  s->has_sha1 = 1;
  if ((ft->want.name || ft->want.has_sha1 || ft->want.has_size ||
       ft->want.type) &&
      !msrp_file_selector_matches(&ft->want, s)) {
    ft->state = FT_NEW;
    fail(ft, "initialize", MSRP_ERR_NOT_FOUND,
         "the file is not the one the peer asked for");
    return;
  }
  /* a pull's answer describes the file whole (name, type, size, hash): a
   * superset of what was asked, which the asker matches against it */
  int rc = prepare_connector(ft);
  if (rc) {
    ft->state = FT_NEW;
    fail(ft, "initialize", rc, NULL);
  }
}

static void hash_more(msrp_file_transfer *ft);

static void hash_done(msrp_file_transfer *ft, hash_job *j, int status) {
  int err = status ? EIO : j->err;
  if (ft->state == FT_HASHING) {
    uv_timer_stop(&ft->timer);
    if (err) {
      ft->state = FT_NEW;
      fail(ft, "initialize", MSRP_ERR_FILE_IO, strerror(err));
      return;
    }
    progress(ft, MSRP_FILE_TRANSFER_HASH_PROGRESS, ft->size, true);
    uint8_t sha1[20];
    hash_final(ft, sha1);
    sender_hashed(ft, sha1);
    return;
  }
  if (err) {
    fail(ft, "hash", MSRP_ERR_FILE_IO, strerror(err));
    return;
  }
  hash_more(ft);
}

int msrp_file_transfer_initialize(msrp_file_transfer *ft) {
  if (!ft)
    return MSRP_ERR_INVALID_ARGUMENT;
  if (ft->state != FT_NEW || ft->ending || ft->failed)
    return MSRP_ERR_BUSY;
  int rc;
  if (ft->sending) {
    /* the hash is part of the offer: read the whole file first, off the
     * loop */
    if ((rc = start_hash(ft, ft->size)))
      return rc;
    ft->state = FT_HASHING;
    return 0;
  }
  /* receiving: the .part (and what a resume has of it) decides the range
   * we ask for */
  if ((rc = open_part(ft, &ft->desc.selector))) {
    if (rc != MSRP_ERR_FILE_IO)
      return rc;
    /* the directory, its permissions, the disk: said as a failure */
    fail(ft, "initialize", rc, ft->last_error);
    return 0;
  }
  if (ft->offset) {
    ft->desc.has_range = 1;
    ft->desc.range_start = ft->offset + 1;
    ft->desc.range_stop = MSRP_BYTE_RANGE_UNKNOWN;
  }
  return prepare_connector(ft);
}

/* ---- sending ---------------------------------------------------------------
 */

static void on_read(uv_fs_t *req);

/* Start reads into the empty slots, in file order, up to the end. */
static void read_ahead(msrp_file_transfer *ft) {
  for (int i = 0; i < READ_SLOTS && ft->next_read < ft->size; i++) {
    read_slot *sl = &ft->slots[i];
    if (sl->st != SLOT_EMPTY)
      continue;
    if (!sl->buf && !(sl->buf = malloc(READ_SIZE))) {
      if (!ft->reads && !ft->read_err)
        ft->read_err = ENOMEM; /* nothing under way would say so */
      return;
    }
    uint64_t left = ft->size - ft->next_read;
    sl->ft = ft;
    sl->off = ft->next_read;
    sl->len = left < READ_SIZE ? (size_t)left : READ_SIZE;
    sl->gen = ft->read_gen;
    sl->req.data = sl;
    uv_buf_t b = uv_buf_init((char *)sl->buf, (unsigned)sl->len);
    if (uv_fs_read(ft->loop, &sl->req, ft->fd, &b, 1, (int64_t)sl->off,
                   on_read)) {
      if (!ft->reads && !ft->read_err)
        ft->read_err = EIO;
      return;
    }
    sl->st = SLOT_READING;
    ft->reads++;
    ft->next_read += sl->len;
  }
}

static void on_read(uv_fs_t *req) {
  read_slot *sl = req->data;
  msrp_file_transfer *ft = sl->ft;
  ssize_t n = req->result;
  uv_fs_req_cleanup(req);
  ft->reads--;
  sl->st = SLOT_EMPTY;
  if (ft->freeing || ft->state == FT_ENDED) {
    close_files(ft);
    maybe_release(ft);
    return;
  }
  if (sl->gen != ft->read_gen) {
    read_ahead(ft); /* a read-ahead given up: its slot serves the new one */
  } else if (n < 0 || (size_t)n < sl->len) {
    if (!ft->read_err)
      ft->read_err = n < 0 ? (int)-n : EIO;
  } else {
    sl->st = SLOT_FULL;
  }
  if (ft->read_waiting && ft->s) {
    ft->read_waiting = false;
    msrp_session_provider_ready(ft->s);
  }
}

/* A slot whose bytes are all lent and all back is read into again. */
static void slot_done(msrp_file_transfer *ft, read_slot *sl) {
  if (sl->st != SLOT_FULL || !sl->drained || sl->lent)
    return;
  sl->st = SLOT_EMPTY;
  sl->drained = false;
  if (!ft->freeing && ft->state != FT_ENDED)
    read_ahead(ft);
}

static void give_back(void *ref, void *ud) {
  msrp_file_transfer *ft = ud;
  read_slot *sl = ref;
  sl->lent--;
  ft->lent--;
  slot_done(ft, sl);
  maybe_release(ft);
}

/* The session's lender: the file's bytes at `offset`, from the slots read
 * ahead; MSRP_ERR_WOULD_BLOCK while they are still on their way. */
static ssize_t lend(uint64_t offset, size_t len, const uint8_t **data,
                    void **ref, void *ud) {
  msrp_file_transfer *ft = ud;
  if (ft->fd < 0)
    return -1;
  for (int i = 0; i < READ_SLOTS; i++) {
    read_slot *sl = &ft->slots[i];
    if (sl->st != SLOT_FULL || offset < sl->off || offset >= sl->off + sl->len)
      continue;
    size_t at = (size_t)(offset - sl->off);
    size_t n = sl->len - at < len ? sl->len - at : len;
    *data = sl->buf + at;
    *ref = sl;
    sl->lent++;
    ft->lent++;
    if (at + n == sl->len)
      sl->drained = true; /* read further into it once it is back */
    ft->moved += n;
    return (ssize_t)n;
  }
  if (ft->read_err) {
    snprintf(ft->last_error, sizeof ft->last_error, "%s: %s", ft->path,
             ft->read_err == EIO ? "shorter than announced"
                                 : strerror(ft->read_err));
    return -1;
  }
  bool coming = false;
  for (int i = 0; i < READ_SLOTS; i++) {
    read_slot *sl = &ft->slots[i];
    if (sl->st == SLOT_READING && sl->gen == ft->read_gen &&
        offset >= sl->off && offset < sl->off + sl->len)
      coming = true;
  }
  if (!coming) {
    /* the first call, or not where the reads went: read ahead from here */
    ft->read_gen++;
    for (int i = 0; i < READ_SLOTS; i++)
      if (ft->slots[i].st == SLOT_FULL) {
        /* lent pieces stay until they are back */
        if (ft->slots[i].lent)
          ft->slots[i].drained = true;
        else
          ft->slots[i].st = SLOT_EMPTY;
      }
    ft->next_read = offset;
    read_ahead(ft);
    if (ft->read_err)
      return lend(offset, len, data, ref, ud);
  }
  ft->read_waiting = true;
  return MSRP_ERR_WOULD_BLOCK;
}

static void on_sent(msrp_session *s, const char *id, int status, int code,
                    const char *comment, void *ud) {
  (void)s;
  (void)id;
  msrp_file_transfer *ft = ud;
  if (ft->freeing || status == MSRP_ERR_CANCELLED)
    return;
  if (status == MSRP_ERR_MESSAGE_ABORTED)
    fail(ft, "transfer", MSRP_ERR_FILE_IO, ft->last_error);
  else if (status)
    fail(ft, "transfer", status, NULL);
  else if (code == MSRP_STATUS_STOP_SENDING)
    fail(ft, "transfer", MSRP_ERR_FILE_REFUSED, comment);
  else if (code < 200 || code >= 300)
    fail(ft, "transfer", MSRP_ERR_TRANSACTION, comment);
}

static void on_report(msrp_session *s, const msrp_report_info *r, void *ud) {
  (void)s;
  msrp_file_transfer *ft = ud;
  if (ft->failed || ft->done_sending)
    return;
  if (r->status) {
    fail(ft, "transfer", r->status, NULL);
    return;
  }
  if (r->code < 200 || r->code >= 300) {
    fail(ft, "transfer",
         r->code == MSRP_STATUS_STOP_SENDING ? MSRP_ERR_FILE_REFUSED
                                             : MSRP_ERR_TRANSACTION,
         r->comment);
    return;
  }
  if (r->range.end != MSRP_BYTE_RANGE_UNKNOWN && r->range.end >= r->range.start)
    ft->confirmed += r->range.end - r->range.start + 1;
  uint64_t done = ft->offset + ft->confirmed;
  if (done > ft->size)
    done = ft->size;
  if (r->complete) {
    ft->done_sending = true;
    progress(ft, MSRP_FILE_TRANSFER_PROGRESS, ft->size, true);
    schedule_end(ft);
  } else {
    progress(ft, MSRP_FILE_TRANSFER_PROGRESS, done, false);
  }
}

static int send_file(msrp_file_transfer *ft) {
  msrp_message_params p = {.content_type = ft->content_type,
                           .lender = lend,
                           .release = give_back,
                           .provider_ud = ft,
                           .size = ft->size,
                           .offset = ft->offset,
                           .success_report = MSRP_REPORT_YES,
                           .failure_report = MSRP_REPORT_YES};
  if (ft->size == 0) {
    /* an empty file: an empty SEND carries it */
    p.lender = NULL;
    p.release = NULL;
    p.provider_ud = NULL;
    p.data = "";
  }
  return msrp_session_send_message(ft->s, &p, on_sent, ft, NULL);
}

/* ---- receiving ------------------------------------------------------------
 */

static void refuse(msrp_file_transfer *ft, const char *id, int failure,
                   const char *why) {
  if (ft->s && id)
    msrp_session_refuse_message(ft->s, id);
  fail(ft, "transfer", failure, why);
}

static void receive_start(msrp_file_transfer *ft, const msrp_message_info *m) {
  if (ft->msg_id) {
    /* one file per session: another message is not ours to take */
    if (strcmp(ft->msg_id, m->message_id))
      msrp_session_refuse_message(ft->s, m->message_id);
    return;
  }
  if (!(ft->msg_id = msrp__strdup_or_null(m->message_id))) {
    refuse(ft, m->message_id, MSRP_ERR_NOMEM, NULL);
    return;
  }
  if (m->total != MSRP_BYTE_RANGE_UNKNOWN) {
    if (ft->size_known && m->total != ft->size) {
      refuse(ft, m->message_id, MSRP_ERR_FILE_SIZE,
             "the message's size is not the selector's");
      return;
    }
    ft->size = m->total;
    ft->size_known = true;
  }
  /* resumed: the start is here already, and the message completes when
   * the rest has come */
  if (ft->offset &&
      msrp_session_message_have(ft->s, m->message_id, ft->offset) != 0)
    refuse(ft, m->message_id, MSRP_ERR_FILE_SIZE,
           "the message is shorter than what we have of it");
}

static void finish_if_whole(msrp_file_transfer *ft);

static void on_pace(uv_timer_t *h) {
  msrp_file_transfer *ft = h->data;
  if (ft->s)
    msrp_session_resume(ft->s);
}

/* Receiving at a limited rate: ahead of it, stop reading from the peer
 * until the time has caught up (TCP then holds the sender back). */
static void pace(msrp_file_transfer *ft) {
  if (!ft->max_rate || !ft->s)
    return;
  uint64_t due = ft->moved * 1000 / ft->max_rate; /* ms since the start */
  uint64_t now = uv_now(ft->loop) - ft->t0;
  if (due > now + 20) {
    msrp_session_pause(ft->s);
    uv_timer_start(&ft->pace, on_pace, due - now, 0);
  }
}

static void receive_data(msrp_file_transfer *ft, const char *id,
                         uint64_t offset, const uint8_t *data, size_t len) {
  if (ft->failed || !ft->msg_id || strcmp(id, ft->msg_id))
    return;
  if (ft->size_known && (offset > ft->size || len > ft->size - offset)) {
    refuse(ft, id, MSRP_ERR_FILE_SIZE, NULL);
    return;
  }
  size_t done = 0;
  while (done < len) {
    ssize_t n = pwrite(ft->fd, data + done, len - done, (off_t)(offset + done));
    if (n < 0 && errno == EINTR)
      continue;
    if (n <= 0) {
      snprintf(ft->last_error, sizeof ft->last_error, "%s: %s", ft->path,
               n < 0 ? strerror(errno) : "nothing written");
      refuse(ft, id, MSRP_ERR_FILE_IO, ft->last_error);
      return;
    }
    done += (size_t)n;
  }
  ft->moved += len;
  if (msrp__ranges_add(&ft->got, offset, offset + len)) {
    refuse(ft, id, MSRP_ERR_NOMEM, NULL);
    return;
  }
  uint64_t have = ft->got.n && ft->got.iv[0][0] == 0 ? ft->got.iv[0][1] : 0;
  if (have > ft->meta_saved && write_meta_have(ft, have)) {
    snprintf(ft->last_error, sizeof ft->last_error, "%s: %s", ft->meta_path,
             strerror(errno));
    refuse(ft, id, MSRP_ERR_FILE_IO, ft->last_error);
    return;
  }
  progress(ft, MSRP_FILE_TRANSFER_PROGRESS, have, false);
  pace(ft);
  /* the hash follows what is on disk, a stretch at a time, off the loop */
  if (!ft->job && have - ft->hashed >= HASH_STRETCH &&
      ft->desc.selector.has_sha1 && start_hash(ft, have))
    refuse(ft, id, MSRP_ERR_NOMEM, NULL);
  /* done when the engine says the message is whole (on_message_end): by
   * then the last chunk is answered and REPORTed */
}

static void finish_if_whole(msrp_file_transfer *ft) {
  if (ft->state != FT_STARTED || !ft->size_known ||
      !msrp__ranges_cover(&ft->got, ft->size))
    return;
  ft->state = FT_FINISHING;
  progress(ft, MSRP_FILE_TRANSFER_PROGRESS, ft->size, true);
  if (!ft->desc.selector.has_sha1) {
    finish_received(ft, NULL, 0);
    return;
  }
  if (!ft->job)
    hash_more(ft);
}

/* Receiving: the next stretch to hash, or, once the whole file has been
 * hashed and received, the verdict. */
static void hash_more(msrp_file_transfer *ft) {
  if (ft->job || ft->failed)
    return;
  if (ft->state == FT_FINISHING) {
    if (ft->hashed < ft->size) {
      if (start_hash(ft, ft->size))
        finish_received(ft, NULL, ENOMEM);
      return;
    }
    uint8_t sha1[20];
    hash_final(ft, sha1);
    finish_received(ft, sha1, 0);
    return;
  }
  uint64_t have = ft->got.n && ft->got.iv[0][0] == 0 ? ft->got.iv[0][1] : 0;
  if (have - ft->hashed >= HASH_STRETCH && start_hash(ft, have))
    fail(ft, "hash", MSRP_ERR_NOMEM, NULL);
}

static void finish_received(msrp_file_transfer *ft, const uint8_t *sha1,
                            int err) {
  const msrp_file_selector *s = &ft->desc.selector;
  if (err) {
    fail(ft, "hash", MSRP_ERR_FILE_IO, strerror(err));
    return;
  }
  if (s->has_sha1 && (!sha1 || memcmp(sha1, s->sha1, 20))) {
    /* nothing is kept of a file that is not the one announced */
    close_files(ft);
    unlink(ft->path);
    unlink(ft->meta_path);
    fail(ft, "hash", MSRP_ERR_FILE_HASH, NULL);
    return;
  }
  close_files(ft);
  int rc = place_file(ft);
  if (rc) {
    fail(ft, "transfer", rc, ft->last_error);
    return;
  }
  schedule_end(ft);
}

static void on_message_start(msrp_session *s, const msrp_message_info *m,
                             void *ud) {
  (void)s;
  msrp_file_transfer *ft = ud;
  if (ft->sending) {
    msrp_session_refuse_message(ft->s, m->message_id);
    return;
  }
  receive_start(ft, m);
}

static void on_message_data(msrp_session *s, const msrp_message_info *m,
                            uint64_t offset, const uint8_t *data, size_t len,
                            void *ud) {
  (void)s;
  receive_data(ud, m->message_id, offset, data, len);
}

/* A whole message: an empty (or one-byte) file. */
static void on_message(msrp_session *s, const msrp_message_info *m,
                       const uint8_t *body, size_t len, void *ud) {
  (void)s;
  msrp_file_transfer *ft = ud;
  if (ft->sending)
    return;
  receive_start(ft, m);
  if (!ft->failed && len)
    receive_data(ft, m->message_id, 0, body, len);
  else if (!ft->failed)
    finish_if_whole(ft);
}

static void on_message_end(msrp_session *s, const msrp_message_info *m,
                           int status, void *ud) {
  (void)s;
  msrp_file_transfer *ft = ud;
  if (ft->sending || !ft->msg_id || strcmp(ft->msg_id, m->message_id))
    return;
  if (status == 0) {
    /* a sender that said "*" for the total: known now */
    if (!ft->size_known && m->total != MSRP_BYTE_RANGE_UNKNOWN) {
      ft->size = m->total;
      ft->size_known = true;
    }
    finish_if_whole(ft);
  } else if (status == MSRP_ERR_MESSAGE_ABORTED)
    fail(ft, "transfer", MSRP_ERR_FILE_INCOMPLETE, "the sender aborted it");
}

static void on_read_end(msrp_session *s, int status, void *ud) {
  (void)s;
  msrp_file_transfer *ft = ud;
  if (ft->ending || ft->state != FT_STARTED || ft->done_sending)
    return;
  /* the sender gone, between chunks or inside one, or the connection
   * reset (a sender that closes with our REPORTs unread resets it): the
   * file is not whole (its .part stays for a resume), and the reason says
   * how it went */
  bool gone = status == MSRP_ERR_CONNECTION_CLOSED ||
              status == MSRP_ERR_CLOSED_MID_CHUNK || status == MSRP_ERR_IO;
  fail(ft, "transfer", gone && !ft->sending ? MSRP_ERR_FILE_INCOMPLETE : status,
       status == MSRP_ERR_CONNECTION_CLOSED ? "the peer closed the connection"
                                            : msrp_strerror(status));
}

/* ---- start -----------------------------------------------------------------
 */

static void on_completed(msrp_connector *con, int status, msrp_transport *t,
                         void *ud) {
  (void)con;
  msrp_file_transfer *ft = ud;
  if (ft->state != FT_STARTING || ft->freeing) {
    msrp_transport_free(t);
    connector_returned(ft);
    return;
  }
  ft->con_pending--;
  if (!status) {
    msrp_session_config sc = {0};
    sc.response_timeout_ms = ft->acct.response_timeout_ms;
    sc.chunk_size = ft->chunk_size;
    sc.whole_max = 1; /* files stream to disk, whatever their size */
    sc.accept_types = "*";
    /* REPORTs as the file comes, for the sender's progress: every MiB (a
     * REPORT per chunk would double a relay's work) */
    sc.report_every = 1u << 20;
    sc.on_read_end = on_read_end;
    msrp_session_callbacks cbs = {.on_message = on_message,
                                  .on_message_start = on_message_start,
                                  .on_message_data = on_message_data,
                                  .on_message_end = on_message_end,
                                  .on_report = on_report};
    status = msrp_session_new(&ft->s, t, &sc, &cbs, ft);
    if (status)
      msrp_transport_free(t);
  }
  if (status) {
    ft->state = FT_INITIALIZED;
    fail(ft, "start", status, NULL);
    return;
  }
  ft->state = FT_STARTED;
  ft->t0 = ft->last_progress = uv_now(ft->loop);
  post(ft, MSRP_FILE_TRANSFER_DID_START, NULL, NULL);
  if (ft->sending && !ft->failed && !ft->freeing) {
    int rc = send_file(ft);
    if (rc)
      fail(ft, "transfer", rc, NULL);
  }
}

/* What the peer's SDP says about the file, once it answered or offered. */
static int take_remote(msrp_file_transfer *ft, const msrp_sdp_media *remote) {
  msrp_file_description rd = MSRP_FILE_DESCRIPTION_INIT;
  int rc = msrp_file_description_from_media(&rd, remote);
  if (rc)
    return rc;
  if (ft->outgoing && msrp_sdp_media_port(remote) == 0)
    rc = MSRP_ERR_FILE_REFUSED;
  else if (ft->outgoing && rd.transfer_id && ft->desc.transfer_id &&
           strcmp(rd.transfer_id, ft->desc.transfer_id))
    rc = MSRP_ERR_FILE_REFUSED; /* an answer about another transfer */
  if (!rc && ft->sending && rd.has_range && rd.range_start > 1 &&
      rd.range_start - 1 < ft->size)
    ft->offset = rd.range_start - 1; /* the receiver has the start */
  if (!rc && !ft->sending && ft->outgoing && rd.has_selector) {
    /* a pull: the answer describes the file we get */
    const msrp_file_selector *got = &rd.selector;
    if (!msrp_file_selector_matches(&ft->want, got))
      rc = MSRP_ERR_FILE_REFUSED;
    if (!rc && got->has_sha1 && !ft->desc.selector.has_sha1) {
      memcpy(ft->desc.selector.sha1, got->sha1, 20);
      ft->desc.selector.has_sha1 = 1;
    }
    if (!rc && got->has_size && !ft->size_known) {
      ft->size = got->size;
      ft->size_known = true;
    }
  }
  msrp_file_description_clear(&rd);
  return rc;
}

int msrp_file_transfer_start(msrp_file_transfer *ft, const char *remote_sdp) {
  if (!ft || !remote_sdp)
    return MSRP_ERR_INVALID_ARGUMENT;
  if (ft->state != FT_INITIALIZED || ft->ending || ft->failed)
    return MSRP_ERR_BUSY;
  msrp_sdp_media *remote = NULL;
  int rc = msrp__parse_remote_media(remote_sdp, false, &remote);
  if (!rc)
    rc = take_remote(ft, remote);
  if (!rc)
    rc = msrp__check_setup(ft->outgoing, ft->connects, ft->local_media, remote);
  if (!rc)
    rc = msrp__before_complete(ft->con, &ft->acct, ft->local_media, remote,
                               ft->connects);
  if (rc) {
    msrp_sdp_media_free(remote);
    fail(ft, rc == MSRP_ERR_FILE_REFUSED ? "start" : "sdp_negotiation", rc,
         NULL);
    return 0; /* the failure is the notification */
  }
  ft->state = FT_STARTING;
  ft->con_pending++;
  rc = msrp_connector_complete(ft->con, msrp_sdp_media_path(remote),
                               on_completed, ft);
  msrp_sdp_media_free(remote);
  if (rc) {
    ft->con_pending--;
    ft->state = FT_INITIALIZED;
    fail(ft, "start", rc, NULL);
  }
  return 0;
}

/* ---- end -------------------------------------------------------------------
 */

static void on_end_timer(uv_timer_t *h) {
  msrp_file_transfer *ft = h->data;
  bool done = ft->done_sending || ft->final_path;
  close_down(ft);
  ft->state = FT_ENDED;
  ft->ending = false;
  msrp_file_transfer_did_end e = {
      done ? (ft->sending ? ft->path : ft->final_path) : NULL,
      done ? ft->size : 0};
  post(ft, MSRP_FILE_TRANSFER_DID_END, "msrp_file_transfer_did_end", &e);
}

static void on_session_closed(msrp_session *s, void *ud) {
  (void)s;
  msrp_file_transfer *ft = ud;
  if (ft->s)
    uv_timer_start(&ft->timer, on_end_timer, 0, 0);
}

/* The transfer is over (done, failed or ended): what is queued goes out
 * (the last REPORTs), the connection closes, then DidEnd. */
static void schedule_end(msrp_file_transfer *ft) {
  if (ft->ending || ft->state == FT_ENDED)
    return;
  ft->ending = true;
  uv_timer_stop(&ft->timer);
  if (!ft->s || msrp_session_shutdown(ft->s, on_session_closed, ft) != 0)
    uv_timer_start(&ft->timer, on_end_timer, 0, 0);
}

int msrp_file_transfer_end(msrp_file_transfer *ft) {
  if (!ft)
    return MSRP_ERR_INVALID_ARGUMENT;
  if (ft->ending || ft->state == FT_ENDED)
    return MSRP_ERR_BUSY;
  post(ft, MSRP_FILE_TRANSFER_WILL_END, NULL, NULL);
  if (ft->job)
    atomic_store(&ft->job->stop, true);
  schedule_end(ft);
  return 0;
}

/* ---- queries ---------------------------------------------------------------
 */

int msrp_file_transfer_sending(const msrp_file_transfer *ft) {
  return ft && ft->sending;
}

const char *msrp_file_transfer_path(const msrp_file_transfer *ft) {
  if (!ft)
    return NULL;
  return ft->final_path ? ft->final_path : ft->path;
}

uint64_t msrp_file_transfer_size(const msrp_file_transfer *ft) {
  return ft && ft->size_known ? ft->size : 0;
}

uint64_t msrp_file_transfer_offset(const msrp_file_transfer *ft) {
  return ft ? ft->offset : 0;
}

uint64_t msrp_file_transfer_moved(const msrp_file_transfer *ft) {
  return ft ? ft->moved : 0;
}
