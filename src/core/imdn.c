/* SPDX-License-Identifier: MIT
 * Copyright (c) 2026 The libmsrp authors */
/* IMDN (RFC 5438): the disposition request in CPIM headers and the
 * message/imdn+xml document, with libxml2. */
#include <msrp/imdn.h>

#include "core/util.h"
#include "core/xml.h"

#include <stdio.h>
#include <string.h>

#define NS "urn:ietf:params:xml:ns:imdn"

static const char *const disposition_names[] = {
    "positive-delivery", "negative-delivery", "display", "processing"};

unsigned msrp_imdn_disposition_parse(const char *v, size_t len) {
  unsigned flags = 0;
  size_t pos = 0, a, b;
  while (msrp__list_next(v, len, &pos, &a, &b))
    for (unsigned k = 0; k < 4; k++)
      if (msrp__ieq(v + a, b - a, disposition_names[k],
                    strlen(disposition_names[k])))
        flags |= 1u << k;
  return flags;
}

int msrp_imdn_disposition_format(unsigned flags, char *buf, size_t size) {
  size_t used = 0;
  if (!buf || !size)
    return MSRP_ERR_INVALID_ARGUMENT;
  buf[0] = '\0';
  for (unsigned k = 0; k < 4; k++) {
    if (!(flags & (1u << k)))
      continue;
    int n = snprintf(buf + used, size - used, "%s%s", used ? ", " : "",
                     disposition_names[k]);
    if (n < 0 || (size_t)n >= size - used)
      return MSRP_ERR_INVALID_ARGUMENT;
    used += (size_t)n;
  }
  return used ? (int)used : MSRP_ERR_INVALID_ARGUMENT;
}

static const char *const status_names[] = {
    "delivered", "failed",    "forbidden", "error",
    "displayed", "processed", "stored"};
static const char *const kind_names[] = {
    "delivery-notification", "display-notification", "processing-notification"};

const char *msrp_imdn_status_name(msrp_imdn_status s) {
  return (unsigned)s < 7 ? status_names[s] : NULL;
}

int msrp_imdn_status_kind(msrp_imdn_status s) {
  switch (s) {
  case MSRP_IMDN_DELIVERED:
  case MSRP_IMDN_FAILED:
    return MSRP_IMDN_KIND_DELIVERY;
  case MSRP_IMDN_DISPLAYED:
    return MSRP_IMDN_KIND_DISPLAY;
  case MSRP_IMDN_PROCESSED:
  case MSRP_IMDN_STORED:
    return MSRP_IMDN_KIND_PROCESSING;
  default:
    return -1;
  }
}

static bool status_fits(msrp_imdn_kind kind, msrp_imdn_status s) {
  if ((unsigned)s >= 7 || (unsigned)kind > 2)
    return false;
  int k = msrp_imdn_status_kind(s);
  return k < 0 || k == (int)kind;
}

static bool good_text(const char *s, size_t size) {
  size_t n = strnlen(s, size);
  return n < size && !msrp__has_ctl(s, n);
}

static bool good_time(const char *t) {
  msrp_cpim_time tm;
  return msrp_cpim_time_parse(t, strlen(t), &tm) == 0;
}

static int child(xmlNodePtr parent, const char *name, const char *text,
                 xmlNodePtr *out) {
  xmlNodePtr n = xmlNewTextChild(parent, parent->ns, (const xmlChar *)name,
                                 (const xmlChar *)text);
  if (out)
    *out = n;
  return n ? 0 : MSRP_ERR_NOMEM;
}

int msrp_imdn_build(const msrp_imdn *doc, char **out, size_t *len) {
  if (!doc || !out || !len || !doc->message_id[0] || !doc->datetime[0] ||
      !status_fits(doc->kind, doc->status) ||
      !good_text(doc->message_id, sizeof doc->message_id) ||
      !good_text(doc->datetime, sizeof doc->datetime) ||
      !good_time(doc->datetime) ||
      !good_text(doc->recipient_uri, sizeof doc->recipient_uri) ||
      !good_text(doc->original_recipient_uri,
                 sizeof doc->original_recipient_uri) ||
      !good_text(doc->subject, sizeof doc->subject))
    return MSRP_ERR_INVALID_ARGUMENT;
  xmlDocPtr d;
  xmlNodePtr root, kind = NULL, status = NULL;
  int rc = msrp__xml_new("imdn", NS, &d, &root);
  if (rc)
    return rc;
  rc = child(root, "message-id", doc->message_id, NULL);
  if (!rc)
    rc = child(root, "datetime", doc->datetime, NULL);
  if (!rc && doc->recipient_uri[0])
    rc = child(root, "recipient-uri", doc->recipient_uri, NULL);
  if (!rc && doc->original_recipient_uri[0])
    rc = child(root, "original-recipient-uri", doc->original_recipient_uri,
               NULL);
  if (!rc && doc->subject[0])
    rc = child(root, "subject", doc->subject, NULL);
  if (!rc)
    rc = child(root, kind_names[doc->kind], NULL, &kind);
  if (!rc)
    rc = child(kind, "status", NULL, &status);
  if (!rc)
    rc = child(status, status_names[doc->status], NULL, NULL);
  if (rc) {
    xmlFreeDoc(d);
    return rc;
  }
  return msrp__xml_dump(d, out, len);
}

/* The one element child of a notification's <status>. */
static int read_status(xmlNodePtr kind_node, msrp_imdn *doc) {
  xmlNodePtr status = NULL;
  for (xmlNodePtr n = kind_node->children; n; n = n->next)
    if (msrp__xml_named(n, NS, "status")) {
      if (status)
        return MSRP_ERR_XML;
      status = n;
    }
  if (!status)
    return MSRP_ERR_XML;
  int found = -1;
  for (xmlNodePtr n = status->children; n; n = n->next) {
    if (n->type != XML_ELEMENT_NODE || !n->ns ||
        strcmp((const char *)n->ns->href, NS))
      continue; /* extensions */
    for (int k = 0; k < 7; k++)
      if (!strcmp((const char *)n->name, status_names[k])) {
        if (found >= 0)
          return MSRP_ERR_XML;
        found = k;
      }
  }
  if (found < 0 || !status_fits(doc->kind, (msrp_imdn_status)found))
    return MSRP_ERR_XML;
  doc->status = (msrp_imdn_status)found;
  return 0;
}

int msrp_imdn_parse(const void *data, size_t len, msrp_imdn *out) {
  if (!data || !out)
    return MSRP_ERR_INVALID_ARGUMENT;
  xmlDocPtr d;
  if (msrp__xml_read(data, len, &d))
    return MSRP_ERR_XML;
  static msrp_imdn zero;
  msrp_imdn doc = zero;
  xmlNodePtr root = xmlDocGetRootElement(d);
  int rc = msrp__xml_named(root, NS, "imdn") ? 0 : MSRP_ERR_XML;
  xmlNodePtr kind = NULL;
  struct {
    const char *name;
    char *buf;
    size_t size;
    bool seen;
  } fields[] = {
      {"message-id", doc.message_id, sizeof doc.message_id, false},
      {"datetime", doc.datetime, sizeof doc.datetime, false},
      {"recipient-uri", doc.recipient_uri, sizeof doc.recipient_uri, false},
      {"original-recipient-uri", doc.original_recipient_uri,
       sizeof doc.original_recipient_uri, false},
      {"subject", doc.subject, sizeof doc.subject, false}};
  for (xmlNodePtr n = !rc ? root->children : NULL; n && !rc; n = n->next) {
    if (n->type != XML_ELEMENT_NODE || !n->ns ||
        strcmp((const char *)n->ns->href, NS))
      continue; /* other namespaces: extensions */
    bool matched = false;
    for (size_t f = 0; f < sizeof fields / sizeof *fields && !matched; f++) {
      if (strcmp((const char *)n->name, fields[f].name))
        continue;
      matched = true;
      if (fields[f].seen || !msrp__xml_text(n, fields[f].buf, fields[f].size))
        rc = MSRP_ERR_XML;
      fields[f].seen = true;
    }
    for (int k = 0; k < 3 && !matched; k++) {
      if (strcmp((const char *)n->name, kind_names[k]))
        continue;
      matched = true;
      if (kind)
        rc = MSRP_ERR_XML; /* exactly one notification */
      kind = n;
      doc.kind = (msrp_imdn_kind)k;
    }
  }
  if (!rc && (!doc.message_id[0] || !doc.datetime[0] || !kind ||
              !good_time(doc.datetime)))
    rc = MSRP_ERR_XML;
  if (!rc)
    rc = read_status(kind, &doc);
  xmlFreeDoc(d);
  if (!rc)
    *out = doc;
  return rc;
}

/* The value of the header `name` in the imdn namespace, whatever prefix
 * the message's NS headers give it. */
static const msrp_cpim_header *imdn_header(const msrp_cpim *cpim,
                                           const char *name) {
  size_t n = msrp_cpim_header_count(cpim);
  for (size_t i = 0; i < n; i++) {
    const msrp_cpim_header *h = msrp_cpim_header_at(cpim, i);
    const char *dot = memchr(h->name, '.', h->name_len);
    if (!dot)
      continue;
    size_t plen = (size_t)(dot - h->name), rest = h->name_len - plen - 1;
    if (!msrp__ieq(dot + 1, rest, name, strlen(name)) || plen >= 64)
      continue;
    char prefix[64];
    memcpy(prefix, h->name, plen);
    prefix[plen] = '\0';
    const char *uri;
    size_t ulen;
    if (msrp_cpim_namespace(cpim, prefix, &uri, &ulen) == 0 &&
        ulen == strlen(MSRP_IMDN_CPIM_NS) &&
        !memcmp(uri, MSRP_IMDN_CPIM_NS, ulen))
      return h;
  }
  return NULL;
}

int msrp_imdn_request(const msrp_cpim *cpim, unsigned *flags, char *id,
                      size_t id_size, char *datetime) {
  if (!cpim || !flags)
    return MSRP_ERR_INVALID_ARGUMENT;
  const msrp_cpim_header *dn = imdn_header(cpim, "Disposition-Notification");
  const msrp_cpim_header *mid = imdn_header(cpim, "Message-ID");
  const msrp_cpim_header *dt = msrp_cpim_header_find(cpim, "DateTime", NULL);
  unsigned f = dn ? msrp_imdn_disposition_parse(dn->value, dn->value_len) : 0;
  msrp_cpim_time tm;
  if (!f || !mid || !mid->value_len || !dt ||
      msrp_cpim_time_parse(dt->value, dt->value_len, &tm) ||
      tm.text_len >= 64 || (id && mid->value_len >= id_size))
    return MSRP_ERR_NOT_FOUND;
  *flags = f;
  if (id)
    memcpy(id, mid->value, mid->value_len + 1);
  if (datetime) {
    memcpy(datetime, tm.text, tm.text_len);
    datetime[tm.text_len] = '\0';
  }
  return 0;
}

int msrp_imdn_is_notification(const msrp_cpim *cpim) {
  const char *ct = cpim ? msrp_cpim_content_type(cpim) : NULL;
  size_t n = ct ? strcspn(ct, "; \t") : 0;
  return ct && msrp__ieq(ct, n, MSRP_IMDN_TYPE, strlen(MSRP_IMDN_TYPE));
}
