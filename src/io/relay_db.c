/* SPDX-License-Identifier: MIT
 * Copyright (c) 2026 The libmsrp authors */
/* The relay's credentials in PostgreSQL, as SIP platforms keep them
 * (Kamailio's `subscriber` table: username, domain, ha1), looked up
 * without blocking the loop: libpq's asynchronous connection and queries
 * on a uv_poll_t, one query at a time in order, answers kept briefly. When
 * the database cannot be reached, every waiting lookup fails at once with
 * MSRP_ERR_IO, and the next one tries to connect again. */
#include "io/relay_db.h"

#include "core/util.h"
#include "io/io_internal.h"

#include <libpq-fe.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CACHE_SLOTS 1024
#define CACHE_OK_MS 30000 /* a found HA1 is good for this long */
#define CACHE_NEG_MS 5000 /* ... and "no such user" for this long */

typedef struct lookup {
  struct lookup *next;
  char user[128], realm[128];
  msrp__ha1_cb cb;
  void *ud;
} lookup;

typedef struct cached {
  char user[128], realm[128];
  char ha1[33]; /* empty: no such user */
  uint64_t until;
} cached;

typedef struct pollh {
  uv_poll_t h; /* first */
  msrp__relay_db *db;
} pollh;

struct msrp__relay_db {
  uv_loop_t *loop;
  msrp_logger logger;
  char *conninfo, *query;
  PGconn *pg;
  pollh *poll;
  bool connected, busy, freeing;
  lookup *q, *q_tail; /* waiting; the head is the one being asked */
  cached cache[CACHE_SLOTS];
  int handles; /* poll handles still closing */
};

static uint64_t hash(const char *a, const char *b) {
  uint64_t h = 1469598103934665603ull;
  for (; *a; a++)
    h = (h ^ (unsigned char)*a) * 1099511628211ull;
  h = (h ^ ':') * 1099511628211ull;
  for (; *b; b++)
    h = (h ^ (unsigned char)*b) * 1099511628211ull;
  return h;
}

static cached *slot(msrp__relay_db *db, const char *user, const char *realm) {
  return &db->cache[hash(user, realm) % CACHE_SLOTS];
}

int msrp__relay_db_cached(msrp__relay_db *db, const char *user,
                          const char *realm, char ha1[33]) {
  cached *c = slot(db, user, realm);
  if (c->until <= uv_now(db->loop) || strcmp(c->user, user) ||
      strcmp(c->realm, realm))
    return MSRP_ERR_WOULD_BLOCK;
  if (!c->ha1[0])
    return MSRP_ERR_NOT_FOUND;
  memcpy(ha1, c->ha1, 33);
  return 0;
}

static void remember(msrp__relay_db *db, const lookup *l, const char *ha1) {
  cached *c = slot(db, l->user, l->realm);
  snprintf(c->user, sizeof c->user, "%s", l->user);
  snprintf(c->realm, sizeof c->realm, "%s", l->realm);
  snprintf(c->ha1, sizeof c->ha1, "%s", ha1 ? ha1 : "");
  c->until = uv_now(db->loop) + (ha1 ? CACHE_OK_MS : CACHE_NEG_MS);
}

/* The head of the queue is answered. */
static void answer(msrp__relay_db *db, int status, const char *ha1) {
  lookup *l = db->q;
  if (!l)
    return;
  db->q = l->next;
  if (!db->q)
    db->q_tail = NULL;
  if (!status || status == MSRP_ERR_NOT_FOUND)
    remember(db, l, ha1);
  if (l->cb)
    l->cb(l->ud, status, ha1);
  free(l);
}

static void on_poll_closed(uv_handle_t *h) {
  pollh *p = (pollh *)h;
  msrp__relay_db *db = p->db;
  free(p);
  if (--db->handles == 0 && db->freeing) {
    free(db->conninfo);
    free(db->query);
    free(db);
  }
}

static void disconnect(msrp__relay_db *db) {
  if (db->poll) {
    uv_poll_stop(&db->poll->h);
    uv_close((uv_handle_t *)&db->poll->h, on_poll_closed);
    db->poll = NULL;
  }
  if (db->pg)
    PQfinish(db->pg);
  db->pg = NULL;
  db->connected = db->busy = false;
}

/* The database is gone: whoever waits hears so, at once. */
static void down(msrp__relay_db *db, const char *why) {
  msrp__log(&db->logger, MSRP_LOG_ERROR, "credentials database: %s", why);
  disconnect(db);
  while (db->q)
    answer(db, MSRP_ERR_IO, NULL);
}

static void on_poll(uv_poll_t *h, int status, int events);

static void watch(msrp__relay_db *db, int events) {
  uv_poll_start(&db->poll->h, events, on_poll);
}

static void ask(msrp__relay_db *db) {
  if (!db->connected || db->busy || !db->q)
    return;
  const char *params[2] = {db->q->user, db->q->realm};
  if (!PQsendQueryParams(db->pg, db->query, 2, NULL, params, NULL, NULL, 0)) {
    down(db, PQerrorMessage(db->pg));
    return;
  }
  db->busy = true;
  watch(db, PQflush(db->pg) == 1 ? UV_READABLE | UV_WRITABLE : UV_READABLE);
}

static void take_results(msrp__relay_db *db) {
  if (!PQconsumeInput(db->pg)) {
    down(db, PQerrorMessage(db->pg));
    return;
  }
  while (db->busy && !PQisBusy(db->pg)) {
    PGresult *res = PQgetResult(db->pg);
    if (!res) {
      db->busy = false;
      break;
    }
    if (PQresultStatus(res) == PGRES_TUPLES_OK) {
      const char *v = PQntuples(res) > 0 ? PQgetvalue(res, 0, 0) : NULL;
      if (v && strlen(v) == 32)
        answer(db, 0, v);
      else
        answer(db, MSRP_ERR_NOT_FOUND, NULL);
    } else {
      msrp__log(&db->logger, MSRP_LOG_ERROR, "credentials query: %s",
                PQresultErrorMessage(res));
      answer(db, MSRP_ERR_IO, NULL);
    }
    PQclear(res);
  }
  if (PQstatus(db->pg) == CONNECTION_BAD) {
    down(db, "the connection was lost");
    return;
  }
  if (!db->busy)
    ask(db);
}

static void connecting(msrp__relay_db *db) {
  switch (PQconnectPoll(db->pg)) {
  case PGRES_POLLING_READING:
    watch(db, UV_READABLE);
    break;
  case PGRES_POLLING_WRITING:
    watch(db, UV_WRITABLE);
    break;
  case PGRES_POLLING_OK:
    db->connected = true;
    watch(db, UV_READABLE);
    ask(db);
    break;
  default:
    down(db, PQerrorMessage(db->pg));
    break;
  }
}

static void on_poll(uv_poll_t *h, int status, int events) {
  msrp__relay_db *db = ((pollh *)h)->db;
  if (status < 0) {
    down(db, uv_strerror(status));
    return;
  }
  if (!db->connected) {
    connecting(db);
    return;
  }
  if ((events & UV_WRITABLE) && PQflush(db->pg) == 0)
    watch(db, UV_READABLE);
  if (events & UV_READABLE)
    take_results(db);
}

static void start_connect(msrp__relay_db *db) {
  db->pg = PQconnectStart(db->conninfo);
  if (!db->pg || PQstatus(db->pg) == CONNECTION_BAD ||
      PQsetnonblocking(db->pg, 1)) {
    down(db, db->pg ? PQerrorMessage(db->pg) : "out of memory");
    return;
  }
  pollh *p = calloc(1, sizeof *p);
  if (!p || uv_poll_init(db->loop, &p->h, PQsocket(db->pg))) {
    free(p);
    down(db, "cannot watch its socket");
    return;
  }
  p->db = db;
  db->poll = p;
  db->handles++;
  watch(db, UV_WRITABLE);
}

void msrp__relay_db_lookup(msrp__relay_db *db, const char *user,
                           const char *realm, msrp__ha1_cb cb, void *ud) {
  lookup *l = calloc(1, sizeof *l);
  if (!l || strlen(user) >= sizeof l->user ||
      strlen(realm) >= sizeof l->realm) {
    free(l);
    cb(ud, l ? MSRP_ERR_NOT_FOUND : MSRP_ERR_NOMEM, NULL);
    return;
  }
  snprintf(l->user, sizeof l->user, "%s", user);
  snprintf(l->realm, sizeof l->realm, "%s", realm);
  l->cb = cb;
  l->ud = ud;
  if (db->q_tail)
    db->q_tail->next = l;
  else
    db->q = l;
  db->q_tail = l;
  if (!db->pg)
    start_connect(db); /* (failing, it answers every lookup, this one too) */
  else
    ask(db);
}

void msrp__relay_db_forget(msrp__relay_db *db, void *ud) {
  for (lookup *l = db->q; l; l = l->next)
    if (l->ud == ud)
      l->cb = NULL; /* answered into the void */
}

int msrp__relay_db_new(msrp__relay_db **out, uv_loop_t *loop,
                       const char *conninfo, const char *query,
                       const msrp_logger *logger) {
  msrp__relay_db *db = calloc(1, sizeof *db);
  if (!db)
    return MSRP_ERR_NOMEM;
  db->loop = loop;
  if (logger)
    db->logger = *logger;
  db->conninfo = msrp__strdup_or_null(conninfo);
  db->query = msrp__strdup_or_null(
      query ? query
            : "SELECT ha1 FROM subscriber WHERE username = $1 AND domain = $2");
  if (!db->conninfo || !db->query) {
    free(db->conninfo);
    free(db->query);
    free(db);
    return MSRP_ERR_NOMEM;
  }
  *out = db;
  return 0;
}

void msrp__relay_db_free(msrp__relay_db *db) {
  if (!db)
    return;
  for (lookup *l = db->q; l; l = l->next)
    l->cb = NULL;
  db->freeing = true;
  disconnect(db);
  while (db->q)
    answer(db, MSRP_ERR_CANCELLED, NULL);
  if (db->handles == 0) {
    free(db->conninfo);
    free(db->query);
    free(db);
  }
}
