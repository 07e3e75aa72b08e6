/* SPDX-License-Identifier: MIT
 * Copyright (c) 2026 The libmsrp authors */
/* String-keyed set of objects; see idmap.h. */
#include "core/idmap.h"

#include <msrp/common.h>

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* Eight bytes at a time, each word mixed in with a multiply (the keys
 * are short ids: two or three rounds), seeded by where this library was
 * loaded, so that slots differ from one process to the next. The keys we
 * store are our own random ids; a peer's lookups cost at most a cluster
 * of them. */
static size_t hash(const char *s) {
  size_t len = strlen(s);
  uint64_t h = (uint64_t)(uintptr_t)&hash * 0x9e3779b97f4a7c15u ^ len;
  for (;;) {
    uint64_t w = 0;
    size_t n = len < 8 ? len : 8;
    memcpy(&w, s, n);
    h = (h ^ w) * 0xbf58476d1ce4e5b9u;
    h ^= h >> 31;
    if (len <= 8)
      break;
    s += 8;
    len -= 8;
  }
  return (size_t)(h ^ (h >> 29));
}

void msrp__idmap_init(msrp__idmap *m, msrp__idmap_key key) {
  memset(m, 0, sizeof *m);
  m->key = key;
}

void msrp__idmap_clear(msrp__idmap *m) {
  free(m->slots);
  free(m->hashes);
  m->slots = NULL;
  m->hashes = NULL;
  m->cap = m->n = 0;
}

static void put(void **slots, size_t *hashes, size_t cap, void *item,
                size_t h) {
  size_t i = h & (cap - 1);
  while (slots[i])
    i = (i + 1) & (cap - 1);
  slots[i] = item;
  hashes[i] = h;
}

/* Room for one more, keeping the load at most 1/2: linear probing's
 * clusters stay short (a lookup that misses probes about 2.5 slots, not
 * 8.5 at 3/4). */
static int reserve(msrp__idmap *m) {
  if ((m->n + 1) * 2 <= m->cap)
    return 0;
  size_t cap = m->cap ? m->cap * 2 : 16;
  if (cap > SIZE_MAX / sizeof(void *))
    return MSRP_ERR_NOMEM;
  void **slots = calloc(cap, sizeof *slots);
  size_t *hashes = malloc(cap * sizeof *hashes);
  if (!slots || !hashes) {
    free(slots);
    free(hashes);
    return MSRP_ERR_NOMEM;
  }
  for (size_t i = 0; i < m->cap; i++)
    if (m->slots[i])
      put(slots, hashes, cap, m->slots[i], m->hashes[i]);
  free(m->slots);
  free(m->hashes);
  m->slots = slots;
  m->hashes = hashes;
  m->cap = cap;
  return 0;
}

int msrp__idmap_add(msrp__idmap *m, void *item) {
  int rc = reserve(m);
  if (rc)
    return rc;
  put(m->slots, m->hashes, m->cap, item, hash(m->key(item)));
  m->n++;
  return 0;
}

int msrp__idmap_add_new(msrp__idmap *m, void *item) {
  int rc = reserve(m);
  if (rc)
    return rc;
  /* one probe: past every member of the key's cluster to its end, where
   * the item goes (deletions leave no tombstones) */
  const char *key = m->key(item);
  size_t h = hash(key), mask = m->cap - 1, i = h & mask;
  for (; m->slots[i]; i = (i + 1) & mask)
    if (m->hashes[i] == h && strcmp(m->key(m->slots[i]), key) == 0)
      return MSRP_ERR_BUSY;
  m->slots[i] = item;
  m->hashes[i] = h;
  m->n++;
  return 0;
}

static size_t slot_of(const msrp__idmap *m, const char *key, const void *item) {
  if (!m->cap)
    return SIZE_MAX;
  size_t h = hash(key);
  for (size_t i = h & (m->cap - 1); m->slots[i]; i = (i + 1) & (m->cap - 1))
    if (item ? m->slots[i] == item
             : m->hashes[i] == h && strcmp(m->key(m->slots[i]), key) == 0)
      return i;
  return SIZE_MAX;
}

void *msrp__idmap_find(const msrp__idmap *m, const char *key) {
  size_t i = slot_of(m, key, NULL);
  return i == SIZE_MAX ? NULL : m->slots[i];
}

/* Empty slot `i`: backward shift moves later members of the cluster
 * into the hole when their home slot is not between the hole and where
 * they are. */
static void remove_at(msrp__idmap *m, size_t i) {
  size_t mask = m->cap - 1, j = i;
  m->slots[i] = NULL;
  for (;;) {
    j = (j + 1) & mask;
    if (!m->slots[j])
      break;
    size_t home = m->hashes[j] & mask;
    int between = i <= j ? (home > i && home <= j) : (home > i || home <= j);
    if (!between) {
      m->slots[i] = m->slots[j];
      m->hashes[i] = m->hashes[j];
      m->slots[j] = NULL;
      i = j;
    }
  }
  m->n--;
}

void msrp__idmap_remove(msrp__idmap *m, const void *item) {
  size_t i = slot_of(m, m->key(item), item);
  if (i != SIZE_MAX)
    remove_at(m, i);
}

void *msrp__idmap_take(msrp__idmap *m, const char *key) {
  size_t i = slot_of(m, key, NULL);
  if (i == SIZE_MAX)
    return NULL;
  void *item = m->slots[i];
  remove_at(m, i);
  return item;
}
