/* SPDX-License-Identifier: MIT
 * Copyright (c) 2026 The libmsrp authors */
/* A set of objects found by a string key they hold (a Message-ID, a
 * transaction id): open addressing, linear probing, deletion by backward
 * shift, so lookups stay O(1) however many objects are in flight. The map
 * stores pointers and never owns what they point to. Not part of the API. */
#ifndef MSRP_CORE_IDMAP_H
#define MSRP_CORE_IDMAP_H

#include <stddef.h>

typedef const char *(*msrp__idmap_key)(const void *item);

typedef struct msrp__idmap {
  void **slots;
  size_t *hashes; /* each slot's key's hash: compared before the key, and
                     never computed again */
  size_t cap;     /* a power of two, or 0 */
  size_t n;
  msrp__idmap_key key;
} msrp__idmap;

void msrp__idmap_init(msrp__idmap *m, msrp__idmap_key key);
void msrp__idmap_clear(msrp__idmap *m);
/* Add an item whose key is not in the map yet. MSRP_ERR_NOMEM. */
int msrp__idmap_add(msrp__idmap *m, void *item);
/* Add an item unless one with its key is there: MSRP_ERR_BUSY then (the
 * map unchanged), or MSRP_ERR_NOMEM. One probe, not a find and an add. */
int msrp__idmap_add_new(msrp__idmap *m, void *item);
void *msrp__idmap_find(const msrp__idmap *m, const char *key);
/* Remove this very item (a no-op when it is not in the map). */
void msrp__idmap_remove(msrp__idmap *m, const void *item);
/* Find the item of `key` and remove it, in one probe; NULL if none. */
void *msrp__idmap_take(msrp__idmap *m, const char *key);

#endif
