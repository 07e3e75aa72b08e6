/* SPDX-License-Identifier: MIT
 * Copyright (c) 2026 The libmsrp authors */
/* The relay's credentials in PostgreSQL (relay_db.c). Not part of the
 * API. */
#ifndef MSRP_IO_RELAY_DB_H
#define MSRP_IO_RELAY_DB_H

#include <msrp/log.h>

#include <uv.h>

typedef struct msrp__relay_db msrp__relay_db;

/* status 0 and the HA1 (32 hex digits), MSRP_ERR_NOT_FOUND (no such user
 * in that realm), MSRP_ERR_IO (the database cannot be reached or the query
 * failed), MSRP_ERR_CANCELLED (freed first). From the loop, never inside
 * msrp__relay_db_lookup unless memory ran out. */
typedef void (*msrp__ha1_cb)(void *ud, int status, const char *ha1);

/* `query` takes the user and the realm ($1, $2) and gives the HA1 in its
 * first column; NULL: Kamailio's subscriber table. */
int msrp__relay_db_new(msrp__relay_db **out, uv_loop_t *loop,
                       const char *conninfo, const char *query,
                       const msrp_logger *logger);
/* 0 with the HA1 from the cache, MSRP_ERR_NOT_FOUND (known not to exist),
 * or MSRP_ERR_WOULD_BLOCK (ask: msrp__relay_db_lookup). */
int msrp__relay_db_cached(msrp__relay_db *db, const char *user,
                          const char *realm, char ha1[33]);
void msrp__relay_db_lookup(msrp__relay_db *db, const char *user,
                           const char *realm, msrp__ha1_cb cb, void *ud);
/* `ud` is going away: its lookups are answered to no one. */
void msrp__relay_db_forget(msrp__relay_db *db, void *ud);
void msrp__relay_db_free(msrp__relay_db *db);

#endif
