/* SPDX-License-Identifier: MIT
 * Copyright (c) 2026 The libmsrp authors */
/* The notification centre (include/msrp/notification.h).
 *
 * Observers live in one array in the order they were added; tokens grow
 * with it, so the array is also sorted by token and removal finds its entry
 * by binary search. While any post is delivering, entries never move:
 * a post walks indices up to the count it saw when it began (so observers
 * appended meanwhile are not called), removal only clears the entry's
 * callback (so later indices stay put for every delivery in progress), and
 * the cleared entries are squeezed out when the outermost post returns.
 * A free requested during delivery waits for that moment too. */
#include <msrp/notification.h>

#include "core/util.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

typedef struct observer {
  msrp_notification_token token;
  char *name;              /* NULL: every name */
  uint32_t hash;           /* of name, to skip most strcmp calls */
  const void *sender;      /* NULL: any sender */
  msrp_notification_cb cb; /* NULL: removed, waiting to be squeezed out */
  void *user_data;
} observer;

struct msrp_notification_center {
  observer *obs;
  size_t n; /* entries in obs, removed ones included */
  size_t cap;
  size_t live;    /* entries with a callback */
  unsigned depth; /* posts in progress, nested */
  int freeing;    /* free was called during delivery */
  msrp_notification_token next_token;
};

static _Thread_local msrp_notification_center *default_center;

/* FNV-1a */
static uint32_t name_hash(const char *s) {
  uint32_t h = 2166136261u;
  for (; *s; s++) {
    h ^= (unsigned char)*s;
    h *= 16777619u;
  }
  return h;
}

static void destroy(msrp_notification_center *c) {
  for (size_t i = 0; i < c->n; i++)
    free(c->obs[i].name);
  free(c->obs);
  free(c);
}

/* Squeeze out removed entries, keeping the order. */
static void compact(msrp_notification_center *c) {
  size_t j = 0;
  for (size_t i = 0; i < c->n; i++) {
    if (c->obs[i].cb != NULL)
      c->obs[j++] = c->obs[i];
  }
  c->n = j;
}

int msrp_notification_center_new(msrp_notification_center **out) {
  if (out == NULL)
    return MSRP_ERR_INVALID_ARGUMENT;
  msrp_notification_center *c = calloc(1, sizeof *c);
  if (c == NULL)
    return MSRP_ERR_NOMEM;
  c->next_token = 1;
  *out = c;
  return 0;
}

void msrp_notification_center_free(msrp_notification_center *center) {
  if (center == NULL)
    return;
  if (default_center == center)
    default_center = NULL;
  if (center->depth > 0) {
    center->freeing = 1;
    return;
  }
  destroy(center);
}

int msrp_notification_center_add_observer(msrp_notification_center *center,
                                          const char *name, const void *sender,
                                          msrp_notification_cb cb,
                                          void *user_data,
                                          msrp_notification_token *token) {
  if (center == NULL || cb == NULL || center->freeing)
    return MSRP_ERR_INVALID_ARGUMENT;
  if (center->n == center->cap) {
    observer *obs = msrp__grow_array(center->obs, &center->cap, sizeof *obs, 8);
    if (obs == NULL)
      return MSRP_ERR_NOMEM;
    center->obs = obs;
  }
  observer o = {0};
  if (name != NULL) {
    size_t len = strlen(name);
    o.name = malloc(len + 1);
    if (o.name == NULL)
      return MSRP_ERR_NOMEM;
    memcpy(o.name, name, len + 1);
    o.hash = name_hash(name);
  }
  o.token = center->next_token++;
  o.sender = sender;
  o.cb = cb;
  o.user_data = user_data;
  center->obs[center->n++] = o;
  center->live++;
  if (token != NULL)
    *token = o.token;
  return 0;
}

int msrp_notification_center_remove_observer(msrp_notification_center *center,
                                             msrp_notification_token token) {
  if (center == NULL)
    return MSRP_ERR_INVALID_ARGUMENT;
  size_t lo = 0, hi = center->n;
  while (lo < hi) {
    size_t mid = lo + (hi - lo) / 2;
    if (center->obs[mid].token < token)
      lo = mid + 1;
    else
      hi = mid;
  }
  if (lo == center->n || center->obs[lo].token != token ||
      center->obs[lo].cb == NULL)
    return MSRP_ERR_NOT_FOUND;
  observer *o = &center->obs[lo];
  free(o->name);
  o->name = NULL;
  o->cb = NULL;
  o->user_data = NULL;
  center->live--;
  if (center->depth == 0) {
    memmove(o, o + 1, (center->n - lo - 1) * sizeof *o);
    center->n--;
  }
  return 0;
}

int msrp_notification_center_post(msrp_notification_center *center,
                                  const char *name, const void *sender,
                                  const char *payload_type,
                                  const void *payload) {
  if (center == NULL || name == NULL || center->freeing ||
      center->depth >= MSRP_NOTIFICATION_MAX_DEPTH)
    return MSRP_ERR_INVALID_ARGUMENT;
  const msrp_notification n = {name, sender, payload_type, payload};
  uint32_t hash = name_hash(name);
  size_t end = center->n; /* later additions are not for this post */
  center->depth++;
  for (size_t i = 0; i < end && !center->freeing; i++) {
    /* re-read every time: a callback may have grown (moved) the array */
    const observer *o = &center->obs[i];
    if (o->cb == NULL)
      continue;
    if (o->sender != NULL && o->sender != sender)
      continue;
    if (o->name != NULL && (o->hash != hash || strcmp(o->name, name) != 0))
      continue;
    o->cb(center, &n, o->user_data);
  }
  if (--center->depth == 0) {
    if (center->freeing)
      destroy(center);
    else if (center->live != center->n)
      compact(center);
  }
  return 0;
}

size_t msrp_notification_center_count(const msrp_notification_center *center) {
  return center == NULL ? 0 : center->live;
}

msrp_notification_center *msrp_notification_center_default(void) {
  if (default_center == NULL &&
      msrp_notification_center_new(&default_center) != 0)
    return NULL;
  return default_center;
}
