/* SPDX-License-Identifier: MIT
 * Copyright (c) 2026 The libmsrp authors */
/* The map of ids (core/idmap.c) that finds transactions and sent messages
 * by their ids: a long random run of adds, refused duplicates, takes,
 * removals and lookups, checked after every step against a plain array of
 * what should be there. Enough items that the table grows several times
 * and its clusters wrap around its end. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include <msrp/common.h>

#include "core/idmap.h"

#define NKEYS 600

typedef struct item {
  char key[24];
} item;

static const char *key_of(const void *it) {
  return ((const item *)it)->key;
}

static uint64_t rng = 0x9e3779b97f4a7c15u;
static unsigned next(unsigned n) {
  rng ^= rng << 13;
  rng ^= rng >> 7;
  rng ^= rng << 17;
  return (unsigned)(rng % n);
}

/* Every key is found as the model says, and the count agrees. */
static void check_all(const msrp__idmap *m, item *items, const bool *in) {
  size_t n = 0;
  for (int k = 0; k < NKEYS; k++) {
    void *found = msrp__idmap_find(m, items[k].key);
    if (in[k]) {
      assert_ptr_equal(found, &items[k]);
      n++;
    } else {
      assert_null(found);
    }
  }
  assert_int_equal(m->n, n);
  assert_true(m->n * 2 <= m->cap || m->cap == 0);
}

static void test_random_run(void **state) {
  (void)state;
  static item items[NKEYS], twins[NKEYS]; /* a twin has its item's key */
  bool in[NKEYS] = {false};
  for (int k = 0; k < NKEYS; k++) {
    /* ids of the lengths we make: 12 (tids) and 16 (Message-IDs) */
    snprintf(items[k].key, sizeof items[k].key, k % 2 ? "%012d" : "m%015d",
             k * 7919);
    twins[k] = items[k];
  }
  msrp__idmap m;
  msrp__idmap_init(&m, key_of);
  assert_null(msrp__idmap_find(&m, "nothing"));
  assert_null(msrp__idmap_take(&m, "nothing"));
  size_t grown = 0, last_cap = 0;
  for (int step = 0; step < 20000; step++) {
    unsigned k = next(NKEYS);
    /* mostly adds early on, mostly removals later: the map fills, then
     * drains, so clusters form and are taken apart */
    bool filling = (step / 5000) % 2 == 0;
    unsigned op = next(6); /* filling: two in three add */
    if (!filling)          /* draining: one in six adds */
      op = op == 0 ? 0 : op % 2 ? 1 : 2;
    switch (op) {
    case 0:
    case 4:
    case 5: {
      int rc = msrp__idmap_add_new(&m, &items[k]);
      assert_int_equal(rc, in[k] ? MSRP_ERR_BUSY : 0);
      in[k] = true;
      /* a twin with the same key is refused, and the map unchanged */
      assert_int_equal(msrp__idmap_add_new(&m, &twins[k]), MSRP_ERR_BUSY);
      assert_ptr_equal(msrp__idmap_find(&m, twins[k].key), &items[k]);
      break;
    }
    case 1:
      assert_ptr_equal(msrp__idmap_take(&m, items[k].key),
                       in[k] ? &items[k] : NULL);
      in[k] = false;
      break;
    case 2:
      /* removal of this very item: its twin (not in the map) removes
       * nothing */
      msrp__idmap_remove(&m, &twins[k]);
      assert_ptr_equal(msrp__idmap_find(&m, items[k].key),
                       in[k] ? &items[k] : NULL);
      msrp__idmap_remove(&m, &items[k]);
      in[k] = false;
      break;
    default:
      if (!in[k]) {
        assert_int_equal(msrp__idmap_add(&m, &items[k]), 0);
        in[k] = true;
      }
      break;
    }
    if (m.cap != last_cap) {
      grown++;
      last_cap = m.cap;
    }
    if (step % 97 == 0)
      check_all(&m, items, in);
  }
  check_all(&m, items, in);
  assert_true(grown >= 6); /* 16 ... 1024 at least */
  for (int k = 0; k < NKEYS; k++)
    if (in[k])
      assert_ptr_equal(msrp__idmap_take(&m, items[k].key), &items[k]);
  assert_int_equal(m.n, 0);
  msrp__idmap_clear(&m);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_random_run),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
