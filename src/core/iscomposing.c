/* SPDX-License-Identifier: MIT
 * Copyright (c) 2026 The libmsrp authors */
/* Is-composing (RFC 3994): the document, with libxml2, and the sender's and
 * receiver's state machines on the caller's clock. */
#include <msrp/iscomposing.h>

#include <msrp/cpim.h>

#include "core/util.h"
#include "core/xml.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define NS "urn:ietf:params:xml:ns:im-iscomposing"
#define DEFAULT_IDLE_MS 15000
#define DEFAULT_REFRESH_MS 90000
#define RECEIVER_DEFAULT_S 120 /* RFC 3994 3.3: no refresh given */

/* ---- the document -------------------------------------------------------- */

static int add_text(xmlNodePtr parent, xmlNsPtr ns, const char *name,
                    const char *text) {
  return xmlNewTextChild(parent, ns, (const xmlChar *)name,
                         (const xmlChar *)text)
             ? 0
             : MSRP_ERR_NOMEM;
}

int msrp_iscomposing_build(const msrp_iscomposing *doc, char **out,
                           size_t *len) {
  if (!doc || !out || !len ||
      (doc->state != MSRP_COMPOSING_ACTIVE &&
       doc->state != MSRP_COMPOSING_IDLE) ||
      msrp__has_ctl(doc->content_type, strlen(doc->content_type)))
    return MSRP_ERR_INVALID_ARGUMENT;
  xmlDocPtr d;
  xmlNodePtr root;
  int rc = msrp__xml_new("isComposing", NS, &d, &root);
  if (rc)
    return rc;
  xmlNsPtr ns = root->ns;
  rc = add_text(root, ns, "state",
                doc->state == MSRP_COMPOSING_ACTIVE ? "active" : "idle");
  if (!rc && doc->last_active >= 0) {
    char t[MSRP_CPIM_TIME_LEN + 1];
    rc = msrp_cpim_time_format(doc->last_active, t, sizeof t) < 0
             ? MSRP_ERR_INVALID_ARGUMENT
             : add_text(root, ns, "lastactive", t);
  }
  if (!rc && doc->content_type[0])
    rc = add_text(root, ns, "contenttype", doc->content_type);
  if (!rc && doc->refresh) {
    char r[16];
    snprintf(r, sizeof r, "%u", doc->refresh);
    rc = add_text(root, ns, "refresh", r);
  }
  if (rc) {
    xmlFreeDoc(d);
    return rc;
  }
  return msrp__xml_dump(d, out, len);
}

int msrp_iscomposing_parse(const void *data, size_t len,
                           msrp_iscomposing *out) {
  if (!data || !out)
    return MSRP_ERR_INVALID_ARGUMENT;
  xmlDocPtr d;
  if (msrp__xml_read(data, len, &d))
    return MSRP_ERR_XML;
  msrp_iscomposing doc = {.state = MSRP_COMPOSING_IDLE, .last_active = -1};
  int rc = 0;
  bool has_state = false;
  xmlNodePtr root = xmlDocGetRootElement(d);
  if (!msrp__xml_named(root, NS, "isComposing"))
    rc = MSRP_ERR_XML;
  char t[256];
  for (xmlNodePtr n = !rc ? root->children : NULL; n && !rc; n = n->next) {
    if (n->type != XML_ELEMENT_NODE || !n->ns ||
        strcmp((const char *)n->ns->href, NS))
      continue; /* extensions (RFC 3994 section 4) are ignored */
    bool known = msrp__xml_named(n, NS, "state") ||
                 msrp__xml_named(n, NS, "contenttype") ||
                 msrp__xml_named(n, NS, "refresh") ||
                 msrp__xml_named(n, NS, "lastactive");
    if (!known)
      continue;
    if (!msrp__xml_text(n, t, sizeof t)) {
      rc = MSRP_ERR_XML;
    } else if (msrp__xml_named(n, NS, "state")) {
      if (!strcmp(t, "active"))
        doc.state = MSRP_COMPOSING_ACTIVE;
      else if (!strcmp(t, "idle"))
        doc.state = MSRP_COMPOSING_IDLE;
      else
        rc = MSRP_ERR_XML;
      has_state = true;
    } else if (msrp__xml_named(n, NS, "contenttype")) {
      if (strlen(t) >= sizeof doc.content_type)
        rc = MSRP_ERR_XML;
      else
        snprintf(doc.content_type, sizeof doc.content_type, "%s", t);
    } else if (msrp__xml_named(n, NS, "refresh")) {
      uint64_t r;
      if (!msrp__parse_uint(t, strlen(t), UINT32_MAX, &r) || r == 0)
        rc = MSRP_ERR_XML;
      else
        doc.refresh = (uint32_t)r;
    } else {
      msrp_cpim_time tm;
      if (msrp_cpim_time_parse(t, strlen(t), &tm))
        rc = MSRP_ERR_XML;
      else /* a time before 1970 says nothing useful: as if absent */
        doc.last_active = tm.seconds >= 0 ? tm.seconds : -1;
    }
  }
  xmlFreeDoc(d);
  if (!rc && !has_state)
    rc = MSRP_ERR_XML;
  if (!rc)
    *out = doc;
  return rc;
}

/* ---- the sender ---------------------------------------------------------- */

static uint64_t idle_ms(const msrp_composing_sender *s) {
  return s->idle_ms ? s->idle_ms : DEFAULT_IDLE_MS;
}

static uint64_t refresh_ms(const msrp_composing_sender *s) {
  return s->refresh_ms ? s->refresh_ms : DEFAULT_REFRESH_MS;
}

msrp_composing_action msrp_composing_typed(msrp_composing_sender *s,
                                           uint64_t now) {
  s->last_key = now;
  if (s->state == MSRP_COMPOSING_ACTIVE)
    return MSRP_COMPOSING_SEND_NOTHING;
  s->state = MSRP_COMPOSING_ACTIVE;
  s->next_refresh = now + refresh_ms(s);
  return MSRP_COMPOSING_SEND_ACTIVE;
}

msrp_composing_action msrp_composing_sender_tick(msrp_composing_sender *s,
                                                 uint64_t now) {
  if (s->state != MSRP_COMPOSING_ACTIVE)
    return MSRP_COMPOSING_SEND_NOTHING;
  if (now >= s->last_key + idle_ms(s)) {
    s->state = MSRP_COMPOSING_IDLE;
    return MSRP_COMPOSING_SEND_IDLE;
  }
  if (now >= s->next_refresh) {
    s->next_refresh = now + refresh_ms(s);
    return MSRP_COMPOSING_SEND_ACTIVE;
  }
  return MSRP_COMPOSING_SEND_NOTHING;
}

void msrp_composing_sent_message(msrp_composing_sender *s) {
  s->state = MSRP_COMPOSING_IDLE;
}

uint64_t msrp_composing_sender_deadline(const msrp_composing_sender *s) {
  if (s->state != MSRP_COMPOSING_ACTIVE)
    return UINT64_MAX;
  uint64_t idle = s->last_key + idle_ms(s);
  return idle < s->next_refresh ? idle : s->next_refresh;
}

uint32_t msrp_composing_sender_refresh(const msrp_composing_sender *s) {
  return (uint32_t)((refresh_ms(s) + 999) / 1000);
}

/* ---- the receiver -------------------------------------------------------- */

msrp_composing_state msrp_composing_received(msrp_composing_receiver *r,
                                             const msrp_iscomposing *doc,
                                             uint64_t now) {
  if (doc->state == MSRP_COMPOSING_ACTIVE) {
    r->state = MSRP_COMPOSING_ACTIVE;
    r->until =
        now +
        (uint64_t)(doc->refresh ? doc->refresh : RECEIVER_DEFAULT_S) * 1000;
  } else {
    r->state = MSRP_COMPOSING_IDLE;
  }
  return r->state;
}

void msrp_composing_got_message(msrp_composing_receiver *r) {
  r->state = MSRP_COMPOSING_IDLE;
}

int msrp_composing_receiver_tick(msrp_composing_receiver *r, uint64_t now) {
  if (r->state == MSRP_COMPOSING_ACTIVE && now >= r->until) {
    r->state = MSRP_COMPOSING_IDLE;
    return 1;
  }
  return 0;
}

uint64_t msrp_composing_receiver_deadline(const msrp_composing_receiver *r) {
  return r->state == MSRP_COMPOSING_ACTIVE ? r->until : UINT64_MAX;
}
