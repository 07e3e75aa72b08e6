/* SPDX-License-Identifier: MIT
 * Copyright (c) 2026 The libmsrp authors */
/* Unit tests for the notification centre (src/streams/notification.c). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <msrp/notification.h>

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

/* ---- a recorder -------------------------------------------------------- */

#define MAX_LOG 4096

typedef struct entry {
  int id;           /* which observer */
  const char *name; /* the notification's name (the poster's pointer) */
  const void *sender;
  unsigned depth; /* nesting, as the test counts it */
} entry;

typedef struct record {
  entry log[MAX_LOG];
  size_t n;
  unsigned depth; /* maintained by the posting helpers below */
} record;

/* What an observer does when called, after logging. */
typedef enum action {
  ACT_NONE,
  ACT_REMOVE,      /* remove `target` (itself or another) */
  ACT_ADD,         /* add `added` once (all names, any sender) */
  ACT_POST,        /* post `post_name` (nested) */
  ACT_FREE,        /* free the centre */
  ACT_RECURSE,     /* post its own name again, recording the result */
  ACT_ADD_AND_POST /* add `added`, then post `post_name` */
} action;

typedef struct obs {
  record *rec;
  int id;
  action act;
  msrp_notification_token token;  /* its own registration */
  msrp_notification_token target; /* ACT_REMOVE */
  int target_result;              /* what remove returned */
  int remove_count;               /* removals left to do (-1: always) */
  struct obs *added;              /* ACT_ADD */
  int add_done;
  const char *post_name; /* ACT_POST */
  int post_result;
  int recurse_results[MSRP_NOTIFICATION_MAX_DEPTH + 4];
  size_t nrecurse;
} obs;

static void on_note(msrp_notification_center *c, const msrp_notification *n,
                    void *ud) {
  obs *o = ud;
  record *r = o->rec;
  assert_true(r->n < MAX_LOG);
  r->log[r->n++] = (entry){o->id, n->name, n->sender, r->depth};
  switch (o->act) {
  case ACT_NONE:
    break;
  case ACT_REMOVE:
    if (o->remove_count != 0) {
      o->target_result = msrp_notification_center_remove_observer(c, o->target);
      if (o->remove_count > 0)
        o->remove_count--;
    }
    break;
  case ACT_ADD_AND_POST:
  case ACT_ADD:
    if (!o->add_done) {
      o->add_done = 1;
      assert_int_equal(msrp_notification_center_add_observer(
                           c, NULL, NULL, on_note, o->added, &o->added->token),
                       0);
    }
    if (o->act == ACT_ADD)
      break;
    /* fall through */
  case ACT_POST:
    r->depth++;
    o->post_result =
        msrp_notification_center_post(c, o->post_name, NULL, NULL, NULL);
    r->depth--;
    break;
  case ACT_FREE:
    msrp_notification_center_free(c);
    break;
  case ACT_RECURSE: {
    r->depth++;
    int rc = msrp_notification_center_post(c, n->name, n->sender, NULL, NULL);
    r->depth--;
    assert_true(o->nrecurse < MSRP_NOTIFICATION_MAX_DEPTH + 4);
    o->recurse_results[o->nrecurse++] = rc;
    break;
  }
  }
}

static void add(msrp_notification_center *c, const char *name,
                const void *sender, obs *o) {
  assert_int_equal(msrp_notification_center_add_observer(c, name, sender,
                                                         on_note, o, &o->token),
                   0);
  assert_int_not_equal(o->token, 0);
}

static void post(msrp_notification_center *c, const char *name,
                 const void *sender) {
  assert_int_equal(msrp_notification_center_post(c, name, sender, NULL, NULL),
                   0);
}

/* The ids logged since `from`, as a string of digits ("0123"). */
static const char *ids(const record *r, size_t from) {
  static char buf[MAX_LOG + 1];
  size_t k = 0;
  for (size_t i = from; i < r->n; i++)
    buf[k++] = (char)('0' + r->log[i].id);
  buf[k] = '\0';
  return buf;
}

static const char *const START = "MSRPChatDidStart";
static const char *const GOT = "MSRPChatGotMessage";

/* ---- lifetime and arguments -------------------------------------------- */

static void test_new_free(void **state) {
  (void)state;
  msrp_notification_center *c = NULL;
  assert_int_equal(msrp_notification_center_new(NULL),
                   MSRP_ERR_INVALID_ARGUMENT);
  assert_int_equal(msrp_notification_center_new(&c), 0);
  assert_non_null(c);
  assert_int_equal(msrp_notification_center_count(c), 0);
  /* a post nobody listens to */
  post(c, START, NULL);
  msrp_notification_center_free(c);
  msrp_notification_center_free(NULL);

  /* a centre freed with observers still registered (LSan: no leak) */
  record r = {0};
  obs a = {.rec = &r, .id = 0};
  assert_int_equal(msrp_notification_center_new(&c), 0);
  add(c, START, NULL, &a);
  add(c, NULL, NULL, &a);
  msrp_notification_center_free(c);
}

static void test_invalid_arguments(void **state) {
  (void)state;
  msrp_notification_center *c;
  record r = {0};
  obs a = {.rec = &r, .id = 0};
  msrp_notification_token tok = 77;
  assert_int_equal(msrp_notification_center_new(&c), 0);
  assert_int_equal(msrp_notification_center_add_observer(NULL, START, NULL,
                                                         on_note, &a, &tok),
                   MSRP_ERR_INVALID_ARGUMENT);
  assert_int_equal(
      msrp_notification_center_add_observer(c, START, NULL, NULL, &a, &tok),
      MSRP_ERR_INVALID_ARGUMENT);
  assert_int_equal(tok, 77);
  assert_int_equal(msrp_notification_center_post(NULL, START, NULL, NULL, NULL),
                   MSRP_ERR_INVALID_ARGUMENT);
  assert_int_equal(msrp_notification_center_post(c, NULL, NULL, NULL, NULL),
                   MSRP_ERR_INVALID_ARGUMENT);
  assert_int_equal(msrp_notification_center_remove_observer(NULL, 1),
                   MSRP_ERR_INVALID_ARGUMENT);
  assert_int_equal(msrp_notification_center_count(NULL), 0);
  /* a NULL token pointer: registered all the same, gone with the centre */
  assert_int_equal(
      msrp_notification_center_add_observer(c, START, NULL, on_note, &a, NULL),
      0);
  post(c, START, NULL);
  assert_string_equal(ids(&r, 0), "0");
  msrp_notification_center_free(c);
}

static void test_remove_unknown_token(void **state) {
  (void)state;
  msrp_notification_center *c, *other;
  record r = {0};
  obs a = {.rec = &r, .id = 0}, b = {.rec = &r, .id = 1};
  assert_int_equal(msrp_notification_center_new(&c), 0);
  assert_int_equal(msrp_notification_center_new(&other), 0);
  assert_int_equal(msrp_notification_center_remove_observer(c, 0),
                   MSRP_ERR_NOT_FOUND);
  assert_int_equal(msrp_notification_center_remove_observer(c, 12345),
                   MSRP_ERR_NOT_FOUND);
  add(c, NULL, NULL, &a);
  add(c, NULL, NULL, &b);
  assert_int_equal(msrp_notification_center_remove_observer(c, 0),
                   MSRP_ERR_NOT_FOUND);
  assert_int_equal(msrp_notification_center_remove_observer(c, b.token + 1),
                   MSRP_ERR_NOT_FOUND);
  assert_int_equal(msrp_notification_center_remove_observer(c, UINT64_MAX),
                   MSRP_ERR_NOT_FOUND);
  assert_int_equal(msrp_notification_center_remove_observer(other, a.token),
                   MSRP_ERR_NOT_FOUND);
  assert_int_equal(msrp_notification_center_remove_observer(c, a.token), 0);
  assert_int_equal(msrp_notification_center_remove_observer(c, a.token),
                   MSRP_ERR_NOT_FOUND);
  assert_int_equal(msrp_notification_center_count(c), 1);
  /* a token is never given out again */
  obs d = {.rec = &r, .id = 2};
  add(c, NULL, NULL, &d);
  assert_true(d.token != a.token && d.token != b.token);
  assert_int_equal(msrp_notification_center_remove_observer(c, a.token),
                   MSRP_ERR_NOT_FOUND);
  post(c, GOT, NULL);
  assert_string_equal(ids(&r, 0), "12");
  msrp_notification_center_free(c);
  msrp_notification_center_free(other);
}

/* ---- delivery ---------------------------------------------------------- */

static void test_delivery_order(void **state) {
  (void)state;
  msrp_notification_center *c;
  record r = {0};
  obs o[6];
  assert_int_equal(msrp_notification_center_new(&c), 0);
  for (int i = 0; i < 6; i++)
    o[i] = (obs){.rec = &r, .id = i};
  /* interleave name-bound and all-name observers: order is by addition */
  add(c, START, NULL, &o[3]);
  add(c, NULL, NULL, &o[1]);
  add(c, START, NULL, &o[4]);
  add(c, NULL, NULL, &o[0]);
  add(c, START, NULL, &o[5]);
  add(c, NULL, NULL, &o[2]);
  post(c, START, NULL);
  assert_string_equal(ids(&r, 0), "314052");
  size_t mark = r.n;
  post(c, GOT, NULL);
  assert_string_equal(ids(&r, mark), "102");
  assert_int_equal(msrp_notification_center_count(c), 6);

  /* removing from the middle outside delivery keeps the order */
  assert_int_equal(msrp_notification_center_remove_observer(c, o[4].token), 0);
  mark = r.n;
  post(c, START, NULL);
  assert_string_equal(ids(&r, mark), "31052");
  msrp_notification_center_free(c);
}

static void test_same_callback_twice(void **state) {
  (void)state;
  msrp_notification_center *c;
  record r = {0};
  obs a = {.rec = &r, .id = 7};
  msrp_notification_token t1, t2;
  assert_int_equal(msrp_notification_center_new(&c), 0);
  assert_int_equal(
      msrp_notification_center_add_observer(c, START, NULL, on_note, &a, &t1),
      0);
  assert_int_equal(
      msrp_notification_center_add_observer(c, START, NULL, on_note, &a, &t2),
      0);
  assert_int_not_equal(t1, t2);
  assert_int_equal(msrp_notification_center_count(c), 2);
  post(c, START, NULL);
  assert_string_equal(ids(&r, 0), "77");
  /* removing one leaves the other */
  assert_int_equal(msrp_notification_center_remove_observer(c, t1), 0);
  post(c, START, NULL);
  assert_string_equal(ids(&r, 0), "777");
  assert_int_equal(msrp_notification_center_remove_observer(c, t2), 0);
  post(c, START, NULL);
  assert_string_equal(ids(&r, 0), "777");
  assert_int_equal(msrp_notification_center_count(c), 0);
  msrp_notification_center_free(c);
}

static void test_filtering(void **state) {
  (void)state;
  msrp_notification_center *c;
  record r = {0};
  int chat1, chat2; /* two senders: only their addresses matter */
  obs both = {.rec = &r, .id = 1};      /* this name, this sender */
  obs by_name = {.rec = &r, .id = 2};   /* this name, any sender */
  obs by_sender = {.rec = &r, .id = 3}; /* any name, this sender */
  obs all = {.rec = &r, .id = 4};       /* any name, any sender */
  assert_int_equal(msrp_notification_center_new(&c), 0);
  add(c, START, &chat1, &both);
  add(c, START, NULL, &by_name);
  add(c, NULL, &chat1, &by_sender);
  add(c, NULL, NULL, &all);

  size_t mark = r.n;
  post(c, START, &chat1);
  assert_string_equal(ids(&r, mark), "1234");
  mark = r.n;
  post(c, START, &chat2);
  assert_string_equal(ids(&r, mark), "24");
  mark = r.n;
  post(c, GOT, &chat1);
  assert_string_equal(ids(&r, mark), "34");
  mark = r.n;
  post(c, GOT, &chat2);
  assert_string_equal(ids(&r, mark), "4");
  /* no sender: only the any-sender observers */
  mark = r.n;
  post(c, START, NULL);
  assert_string_equal(ids(&r, mark), "24");
  /* names match exactly and case-sensitively: no prefix, no case folding */
  mark = r.n;
  post(c, "msrpchatdidstart", &chat1);
  post(c, "MSRPChatDidStar", &chat1);
  post(c, "MSRPChatDidStartX", &chat1);
  post(c, "", &chat1);
  assert_string_equal(ids(&r, mark), "34343434");
  /* a name equal in content but at another address matches */
  char copy[32];
  strcpy(copy, START);
  mark = r.n;
  post(c, copy, &chat1);
  assert_string_equal(ids(&r, mark), "1234");
  assert_ptr_equal(r.log[mark].name, copy);
  assert_ptr_equal(r.log[mark].sender, &chat1);
  msrp_notification_center_free(c);
}

typedef struct fake_got_message {
  const char *content;
  size_t len;
  const char *content_type;
  int code;
} fake_got_message;

typedef struct payload_seen {
  int calls;
  const msrp_notification_center *center;
  msrp_notification n;
  fake_got_message copy;
  char content[64];
} payload_seen;

static void on_payload(msrp_notification_center *c, const msrp_notification *n,
                       void *ud) {
  payload_seen *s = ud;
  s->calls++;
  s->center = c;
  s->n = *n;
  if (n->payload_type != NULL &&
      strcmp(n->payload_type, "fake_got_message") == 0) {
    const fake_got_message *m = n->payload;
    s->copy = *m;
    assert_true(m->len < sizeof s->content);
    memcpy(s->content, m->content, m->len);
    s->content[m->len] = '\0';
  }
}

static void test_payload(void **state) {
  (void)state;
  msrp_notification_center *c;
  payload_seen seen = {0};
  int chat;
  assert_int_equal(msrp_notification_center_new(&c), 0);
  assert_int_equal(msrp_notification_center_add_observer(
                       c, NULL, NULL, on_payload, &seen, NULL),
                   0);
  const fake_got_message m = {"hello, bob", 10, "text/plain", 200};
  assert_int_equal(
      msrp_notification_center_post(c, GOT, &chat, "fake_got_message", &m), 0);
  assert_int_equal(seen.calls, 1);
  assert_ptr_equal(seen.center, c);
  assert_string_equal(seen.n.name, GOT);
  assert_ptr_equal(seen.n.sender, &chat);
  assert_string_equal(seen.n.payload_type, "fake_got_message");
  assert_ptr_equal(seen.n.payload, &m); /* not copied */
  assert_string_equal(seen.content, "hello, bob");
  assert_int_equal(seen.copy.len, 10);
  assert_string_equal(seen.copy.content_type, "text/plain");
  assert_int_equal(seen.copy.code, 200);

  /* no payload */
  assert_int_equal(msrp_notification_center_post(c, START, &chat, NULL, NULL),
                   0);
  assert_int_equal(seen.calls, 2);
  assert_string_equal(seen.n.name, START);
  assert_null(seen.n.payload_type);
  assert_null(seen.n.payload);
  msrp_notification_center_free(c);
}

/* ---- changes from inside a callback ------------------------------------ */

static void test_remove_self_in_callback(void **state) {
  (void)state;
  msrp_notification_center *c;
  record r = {0};
  obs a = {.rec = &r, .id = 0};
  obs b = {.rec = &r, .id = 1, .act = ACT_REMOVE, .remove_count = 1};
  obs d = {.rec = &r, .id = 2};
  assert_int_equal(msrp_notification_center_new(&c), 0);
  add(c, NULL, NULL, &a);
  add(c, NULL, NULL, &b);
  add(c, NULL, NULL, &d);
  b.target = b.token;
  post(c, START, NULL);
  assert_int_equal(b.target_result, 0);
  assert_string_equal(ids(&r, 0), "012");
  assert_int_equal(msrp_notification_center_count(c), 2);
  size_t mark = r.n;
  post(c, START, NULL);
  assert_string_equal(ids(&r, mark), "02");
  /* gone for good: removing again is not found */
  assert_int_equal(msrp_notification_center_remove_observer(c, b.token),
                   MSRP_ERR_NOT_FOUND);
  msrp_notification_center_free(c);
}

static void test_remove_other_in_callback(void **state) {
  (void)state;
  msrp_notification_center *c;
  record r = {0};
  obs o[4];
  for (int i = 0; i < 4; i++)
    o[i] = (obs){.rec = &r, .id = i};
  assert_int_equal(msrp_notification_center_new(&c), 0);
  for (int i = 0; i < 4; i++)
    add(c, NULL, NULL, &o[i]);

  /* 1 removes 3, which comes after it: 3 is not called in this post */
  o[1].act = ACT_REMOVE;
  o[1].target = o[3].token;
  o[1].remove_count = 1;
  post(c, START, NULL);
  assert_int_equal(o[1].target_result, 0);
  assert_string_equal(ids(&r, 0), "012");

  /* 2 removes 0, which came before it: already called this time, not the
   * next */
  o[2].act = ACT_REMOVE;
  o[2].target = o[0].token;
  o[2].remove_count = 1;
  size_t mark = r.n;
  post(c, START, NULL);
  assert_int_equal(o[2].target_result, 0);
  assert_string_equal(ids(&r, mark), "012");
  mark = r.n;
  post(c, START, NULL);
  assert_string_equal(ids(&r, mark), "12");
  assert_int_equal(msrp_notification_center_count(c), 2);

  /* removing the same one twice during one delivery: the second is not
   * found */
  obs e = {.rec = &r, .id = 5};
  obs x = {.rec = &r, .id = 6, .act = ACT_REMOVE, .remove_count = -1};
  obs y = {.rec = &r, .id = 7, .act = ACT_REMOVE, .remove_count = -1};
  add(c, NULL, NULL, &x);
  add(c, NULL, NULL, &y);
  add(c, NULL, NULL, &e);
  x.target = e.token;
  y.target = e.token;
  mark = r.n;
  post(c, GOT, NULL);
  assert_string_equal(ids(&r, mark), "1267");
  assert_int_equal(x.target_result, 0);
  assert_int_equal(y.target_result, MSRP_ERR_NOT_FOUND);
  msrp_notification_center_free(c);
}

/* The first observer removes the last one, then (later) itself, from
 * inside its callback: the centre ends up empty and silent. */
static void test_remove_all_in_callback(void **state) {
  (void)state;
  msrp_notification_center *c;
  record r = {0};
  obs o[3];
  assert_int_equal(msrp_notification_center_new(&c), 0);
  for (int i = 0; i < 3; i++) {
    o[i] = (obs){.rec = &r, .id = i};
    add(c, NULL, NULL, &o[i]);
  }
  o[0].act = ACT_REMOVE;
  o[0].remove_count = 1;
  o[0].target = o[2].token;
  post(c, START, NULL);
  assert_string_equal(ids(&r, 0), "01");
  assert_int_equal(msrp_notification_center_remove_observer(c, o[1].token), 0);
  o[0].target = o[0].token;
  o[0].remove_count = 1;
  size_t mark = r.n;
  post(c, START, NULL);
  assert_string_equal(ids(&r, mark), "0");
  assert_int_equal(msrp_notification_center_count(c), 0);
  mark = r.n;
  post(c, START, NULL);
  assert_int_equal(r.n, mark);
  msrp_notification_center_free(c);
}

static void test_add_in_callback(void **state) {
  (void)state;
  msrp_notification_center *c;
  record r = {0};
  obs x = {.rec = &r, .id = 9};
  obs a = {.rec = &r, .id = 0, .act = ACT_ADD, .added = &x};
  obs b = {.rec = &r, .id = 1};
  assert_int_equal(msrp_notification_center_new(&c), 0);
  add(c, START, NULL, &a);
  add(c, START, NULL, &b);
  post(c, START, NULL);
  assert_int_equal(a.add_done, 1);
  assert_int_not_equal(x.token, 0);
  /* x was added during the post: not called for it */
  assert_string_equal(ids(&r, 0), "01");
  assert_int_equal(msrp_notification_center_count(c), 3);
  size_t mark = r.n;
  post(c, START, NULL);
  assert_string_equal(ids(&r, mark), "019");
  msrp_notification_center_free(c);
}

/* Many additions from inside a callback make the array grow (and move)
 * while it is being walked. */
typedef struct adder {
  record *rec;
  obs *pool;
  size_t npool;
  size_t added;
} adder;

static void on_add_many(msrp_notification_center *c, const msrp_notification *n,
                        void *ud) {
  (void)n;
  adder *a = ud;
  for (size_t i = 0; i < a->npool; i++)
    assert_int_equal(msrp_notification_center_add_observer(c, NULL, NULL,
                                                           on_note, &a->pool[i],
                                                           &a->pool[i].token),
                     0);
  a->added += a->npool;
}

static void test_add_many_in_callback(void **state) {
  (void)state;
  msrp_notification_center *c;
  record r = {0};
  obs pool[200];
  for (size_t i = 0; i < 200; i++)
    pool[i] = (obs){.rec = &r, .id = 1};
  adder ad = {&r, pool, 200, 0};
  obs after = {.rec = &r, .id = 2};
  assert_int_equal(msrp_notification_center_new(&c), 0);
  assert_int_equal(msrp_notification_center_add_observer(
                       c, START, NULL, on_add_many, &ad, NULL),
                   0);
  add(c, START, NULL, &after);
  post(c, START, NULL);
  assert_string_equal(ids(&r, 0), "2");
  assert_int_equal(msrp_notification_center_count(c), 202);
  /* the adder and 'after' only want START: GOT reaches the pool alone */
  size_t mark = r.n;
  post(c, GOT, NULL);
  assert_int_equal(r.n - mark, 200);
  msrp_notification_center_free(c);
}

static void test_nested_post(void **state) {
  (void)state;
  msrp_notification_center *c;
  record r = {0};
  obs x = {.rec = &r, .id = 9};
  /* a, on START, adds x and posts GOT from inside its callback */
  obs a = {.rec = &r,
           .id = 0,
           .act = ACT_ADD_AND_POST,
           .added = &x,
           .post_name = GOT};
  obs b = {.rec = &r, .id = 1}; /* every name */
  obs d = {.rec = &r, .id = 2}; /* GOT only */
  assert_int_equal(msrp_notification_center_new(&c), 0);
  add(c, START, NULL, &a);
  add(c, NULL, NULL, &b);
  add(c, GOT, NULL, &d);
  post(c, START, NULL);
  assert_int_equal(a.post_result, 0);
  /* a(START), then GOT in full: b, d and x (added before GOT began), then
   * the rest of START: b; never x */
  assert_string_equal(ids(&r, 0), "01291");
  assert_ptr_equal(r.log[0].name, START);
  assert_int_equal(r.log[0].depth, 0);
  for (int i = 1; i <= 3; i++) {
    assert_ptr_equal(r.log[i].name, GOT);
    assert_int_equal(r.log[i].depth, 1);
  }
  assert_ptr_equal(r.log[4].name, START);
  assert_int_equal(r.log[4].depth, 0);
  msrp_notification_center_free(c);
}

/* A removal made in a nested delivery applies to the outer one too. */
static void test_remove_in_nested_post(void **state) {
  (void)state;
  msrp_notification_center *c;
  record r = {0};
  obs a = {.rec = &r, .id = 0, .act = ACT_POST, .post_name = GOT};
  obs killer = {.rec = &r, .id = 1, .act = ACT_REMOVE, .remove_count = -1};
  obs victim = {.rec = &r, .id = 2};
  assert_int_equal(msrp_notification_center_new(&c), 0);
  add(c, START, NULL, &a);
  add(c, GOT, NULL, &killer);
  add(c, START, NULL, &victim);
  killer.target = victim.token;
  post(c, START, NULL);
  assert_string_equal(ids(&r, 0), "01");
  assert_int_equal(killer.target_result, 0);
  assert_int_equal(msrp_notification_center_count(c), 2);
  msrp_notification_center_free(c);
}

static void test_depth_limit(void **state) {
  (void)state;
  msrp_notification_center *c;
  record r = {0};
  obs rec = {.rec = &r, .id = 0, .act = ACT_RECURSE};
  assert_int_equal(msrp_notification_center_new(&c), 0);
  add(c, START, NULL, &rec);
  post(c, START, NULL);
  /* the outermost post and 15 nested ones are delivered; the 16th nested
   * post (depth 17) is refused */
  assert_int_equal(r.n, MSRP_NOTIFICATION_MAX_DEPTH);
  for (unsigned i = 0; i < r.n; i++)
    assert_int_equal(r.log[i].depth, i);
  assert_int_equal(rec.nrecurse, MSRP_NOTIFICATION_MAX_DEPTH);
  /* results come innermost first */
  assert_int_equal(rec.recurse_results[0], MSRP_ERR_INVALID_ARGUMENT);
  for (size_t i = 1; i < rec.nrecurse; i++)
    assert_int_equal(rec.recurse_results[i], 0);

  /* the centre is back at depth 0 and works as before */
  rec.act = ACT_NONE;
  size_t mark = r.n;
  post(c, START, NULL);
  assert_int_equal(r.n - mark, 1);
  msrp_notification_center_free(c);
}

static void test_free_in_callback(void **state) {
  (void)state;
  msrp_notification_center *c;
  record r = {0};
  obs a = {.rec = &r, .id = 0};
  obs f = {.rec = &r, .id = 1, .act = ACT_FREE};
  obs d = {.rec = &r, .id = 2};
  assert_int_equal(msrp_notification_center_new(&c), 0);
  add(c, NULL, NULL, &a);
  add(c, "MSRPChatDidEnd", NULL, &f);
  add(c, NULL, NULL, &d);
  post(c, START, NULL);
  assert_string_equal(ids(&r, 0), "02");
  /* freed here, during delivery: nobody after it is called, the post
   * returns normally, and the memory goes then (ASan/LSan check it) */
  size_t mark = r.n;
  post(c, "MSRPChatDidEnd", NULL);
  assert_string_equal(ids(&r, mark), "01");
}

/* Freed in a nested delivery: the outer delivery stops too, and the
 * memory goes when the outermost post returns. */
static void test_free_in_nested_callback(void **state) {
  (void)state;
  msrp_notification_center *c;
  record r = {0};
  obs a = {.rec = &r, .id = 0, .act = ACT_POST, .post_name = GOT};
  obs f = {.rec = &r, .id = 1, .act = ACT_FREE};
  obs g = {.rec = &r, .id = 2}; /* GOT, after the free */
  obs s = {.rec = &r, .id = 3}; /* START, after a */
  assert_int_equal(msrp_notification_center_new(&c), 0);
  add(c, START, NULL, &a);
  add(c, GOT, NULL, &f);
  add(c, GOT, NULL, &g);
  add(c, START, NULL, &s);
  post(c, START, NULL);
  assert_int_equal(a.post_result, 0);
  assert_string_equal(ids(&r, 0), "01");
}

/* Removed during delivery, then freed in the same delivery: the entries
 * waiting to be squeezed out are released too. */
static void test_remove_then_free_in_callback(void **state) {
  (void)state;
  msrp_notification_center *c;
  record r = {0};
  obs f = {.rec = &r, .id = 1, .act = ACT_FREE};
  obs k = {.rec = &r, .id = 0, .act = ACT_REMOVE, .remove_count = 1};
  assert_int_equal(msrp_notification_center_new(&c), 0);
  add(c, NULL, NULL, &k);
  add(c, NULL, NULL, &f);
  k.target = k.token;
  post(c, START, NULL);
  assert_string_equal(ids(&r, 0), "01");
}

/* ---- scale ------------------------------------------------------------- */

#define MANY 1000

typedef struct counter {
  size_t calls;
  size_t last_post; /* the post number it last saw */
} counter;

typedef struct many_ctx {
  counter c[MANY];
  int idx[MANY];
  size_t order_errors;
  int last_idx;
  size_t post_no;
} many_ctx;

typedef struct many_obs {
  many_ctx *ctx;
  int idx;
} many_obs;

static void on_many(msrp_notification_center *c, const msrp_notification *n,
                    void *ud) {
  (void)c;
  (void)n;
  many_obs *o = ud;
  many_ctx *m = o->ctx;
  if (o->idx <= m->last_idx)
    m->order_errors++;
  m->last_idx = o->idx;
  m->c[o->idx].calls++;
  m->c[o->idx].last_post = m->post_no;
}

static void test_many(void **state) {
  (void)state;
  static many_ctx m;
  static many_obs mo[MANY];
  static msrp_notification_token tok[MANY];
  static const char *const names[4] = {"MSRPChatDidStart", "MSRPChatGotMessage",
                                       "MSRPChatDidEnd", NULL};
  int senders[3];
  memset(&m, 0, sizeof m);
  msrp_notification_center *c;
  assert_int_equal(msrp_notification_center_new(&c), 0);
  /* observer i: name i % 4 (the fourth: all names), sender i % 3 (the
   * third: any) */
  for (int i = 0; i < MANY; i++) {
    mo[i] = (many_obs){&m, i};
    const void *sender = i % 3 == 2 ? NULL : (const void *)&senders[i % 3];
    assert_int_equal(msrp_notification_center_add_observer(
                         c, names[i % 4], sender, on_many, &mo[i], &tok[i]),
                     0);
  }
  assert_int_equal(msrp_notification_center_count(c), MANY);

  const int posts = 3000;
  size_t expected[MANY] = {0};
  for (int p = 0; p < posts; p++) {
    int ni = p % 3, si = (p / 3) % 2;
    m.post_no = (size_t)p;
    m.last_idx = -1;
    post(c, names[ni], &senders[si]);
    for (int i = 0; i < MANY; i++) {
      int name_ok = i % 4 == 3 || i % 4 == ni;
      int sender_ok = i % 3 == 2 || i % 3 == si;
      if (name_ok && sender_ok)
        expected[i]++;
    }
  }
  assert_int_equal(m.order_errors, 0);
  for (int i = 0; i < MANY; i++)
    assert_int_equal(m.c[i].calls, expected[i]);

  /* remove every other observer, then post to all */
  for (int i = 0; i < MANY; i += 2)
    assert_int_equal(msrp_notification_center_remove_observer(c, tok[i]), 0);
  assert_int_equal(msrp_notification_center_count(c), MANY / 2);
  memset(m.c, 0, sizeof m.c);
  for (int p = 0; p < 100; p++) {
    m.post_no = (size_t)p;
    m.last_idx = -1;
    post(c, names[0], &senders[0]);
    m.last_idx = -1;
    post(c, names[1], &senders[1]);
  }
  assert_int_equal(m.order_errors, 0);
  for (int i = 0; i < MANY; i++) {
    int n0 = (i % 4 == 3 || i % 4 == 0) && (i % 3 == 2 || i % 3 == 0);
    int n1 = (i % 4 == 3 || i % 4 == 1) && (i % 3 == 2 || i % 3 == 1);
    size_t want = i % 2 == 0 ? 0 : (size_t)(100 * (n0 + n1));
    assert_int_equal(m.c[i].calls, want);
  }
  /* the remaining tokens still remove, each once */
  for (int i = 1; i < MANY; i += 2)
    assert_int_equal(msrp_notification_center_remove_observer(c, tok[i]), 0);
  for (int i = 0; i < MANY; i++)
    assert_int_equal(msrp_notification_center_remove_observer(c, tok[i]),
                     MSRP_ERR_NOT_FOUND);
  assert_int_equal(msrp_notification_center_count(c), 0);
  msrp_notification_center_free(c);
}

/* Many observers removing themselves and the next one during delivery. */
typedef struct chain_obs {
  msrp_notification_token self, next;
  size_t *calls;
} chain_obs;

static void on_chain(msrp_notification_center *c, const msrp_notification *n,
                     void *ud) {
  (void)n;
  chain_obs *o = ud;
  (*o->calls)++;
  assert_int_equal(msrp_notification_center_remove_observer(c, o->self), 0);
  if (o->next != 0)
    assert_int_equal(msrp_notification_center_remove_observer(c, o->next), 0);
}

static void test_many_removed_in_callbacks(void **state) {
  (void)state;
  static chain_obs ch[MANY];
  size_t calls = 0;
  msrp_notification_center *c;
  assert_int_equal(msrp_notification_center_new(&c), 0);
  for (int i = 0; i < MANY; i++) {
    ch[i].calls = &calls;
    assert_int_equal(msrp_notification_center_add_observer(
                         c, NULL, NULL, on_chain, &ch[i], &ch[i].self),
                     0);
  }
  /* even observers remove themselves and the odd one after them */
  for (int i = 0; i < MANY; i += 2)
    ch[i].next = ch[i + 1].self;
  post(c, START, NULL);
  assert_int_equal(calls, MANY / 2);
  assert_int_equal(msrp_notification_center_count(c), 0);
  post(c, START, NULL);
  assert_int_equal(calls, MANY / 2);
  msrp_notification_center_free(c);
}

/* ---- the default centre ------------------------------------------------ */

static void *thread_default(void *arg) {
  (void)arg;
  msrp_notification_center *c = msrp_notification_center_default();
  msrp_notification_center *again = msrp_notification_center_default();
  if (c == NULL || again != c || msrp_notification_center_count(c) != 0)
    return NULL;
  msrp_notification_center_free(c); /* a thread cleans up before it ends */
  return c;
}

static void test_default_center(void **state) {
  (void)state;
  msrp_notification_center *c = msrp_notification_center_default();
  assert_non_null(c);
  assert_ptr_equal(msrp_notification_center_default(), c);
  record r = {0};
  obs a = {.rec = &r, .id = 0};
  add(c, START, NULL, &a);
  assert_ptr_equal(msrp_notification_center_default(), c);
  assert_int_equal(msrp_notification_center_count(c), 1);

  /* another thread has its own, empty one */
  pthread_t t;
  void *other = NULL;
  assert_int_equal(pthread_create(&t, NULL, thread_default, NULL), 0);
  assert_int_equal(pthread_join(t, &other), 0);
  assert_non_null(other);
  assert_ptr_not_equal(other, c);

  /* freed, the next call makes a fresh one */
  msrp_notification_center_free(c);
  msrp_notification_center *fresh = msrp_notification_center_default();
  assert_non_null(fresh);
  assert_int_equal(msrp_notification_center_count(fresh), 0);
  assert_ptr_equal(msrp_notification_center_default(), fresh);

  /* freed from inside its own callback: deferred, and the thread's default
   * is replaced at once */
  obs f = {.rec = &r, .id = 1, .act = ACT_FREE};
  add(fresh, START, NULL, &f);
  post(fresh, START, NULL);
  assert_string_equal(ids(&r, 0), "1");
  msrp_notification_center *third = msrp_notification_center_default();
  assert_non_null(third);
  assert_int_equal(msrp_notification_center_count(third), 0);
  msrp_notification_center_free(third);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_new_free),
      cmocka_unit_test(test_invalid_arguments),
      cmocka_unit_test(test_remove_unknown_token),
      cmocka_unit_test(test_delivery_order),
      cmocka_unit_test(test_same_callback_twice),
      cmocka_unit_test(test_filtering),
      cmocka_unit_test(test_payload),
      cmocka_unit_test(test_remove_self_in_callback),
      cmocka_unit_test(test_remove_other_in_callback),
      cmocka_unit_test(test_remove_all_in_callback),
      cmocka_unit_test(test_add_in_callback),
      cmocka_unit_test(test_add_many_in_callback),
      cmocka_unit_test(test_nested_post),
      cmocka_unit_test(test_remove_in_nested_post),
      cmocka_unit_test(test_depth_limit),
      cmocka_unit_test(test_free_in_callback),
      cmocka_unit_test(test_free_in_nested_callback),
      cmocka_unit_test(test_remove_then_free_in_callback),
      cmocka_unit_test(test_many),
      cmocka_unit_test(test_many_removed_in_callbacks),
      cmocka_unit_test(test_default_center),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
