/* SPDX-License-Identifier: MIT
 * Copyright (c) 2026 The libmsrp authors */
/* Reading and writing the small XML documents of chat, with libxml2. */
#include "core/xml.h"

#include <msrp/common.h>

#include "core/util.h"

#include <unistr.h>

#include <stdlib.h>
#include <string.h>

int msrp__xml_read(const void *data, size_t len, xmlDocPtr *out) {
  /* RFC 3994 and RFC 5438 documents are UTF-8; other bytes would only
   * reach libxml2's encoding errors (which it prints) */
  if (!data || len == 0 || len > MSRP__XML_MAX_BYTES ||
      u8_check(data, len) != NULL)
    return MSRP_ERR_XML;
  /* no DTD loading, no network, no entity substitution; errors not
   * printed */
  xmlDocPtr d =
      xmlReadMemory(data, (int)len, NULL, NULL,
                    XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
  if (!d)
    return MSRP_ERR_XML;
  if (d->intSubset || d->extSubset) {
    xmlFreeDoc(d);
    return MSRP_ERR_XML;
  }
  *out = d;
  return 0;
}

bool msrp__xml_named(xmlNodePtr n, const char *ns, const char *name) {
  return n && n->type == XML_ELEMENT_NODE && n->ns && n->ns->href &&
         !strcmp((const char *)n->ns->href, ns) &&
         !strcmp((const char *)n->name, name);
}

bool msrp__xml_text(xmlNodePtr n, char *buf, size_t size) {
  size_t used = 0;
  for (xmlNodePtr c = n->children; c; c = c->next) {
    if (c->type != XML_TEXT_NODE && c->type != XML_CDATA_SECTION_NODE)
      return false;
    size_t l = c->content ? strlen((const char *)c->content) : 0;
    if (used + l >= size)
      return false;
    memcpy(buf + used, c->content, l);
    used += l;
  }
  buf[used] = '\0';
  /* surrounding white space is layout, not value */
  size_t a = 0, b = used;
  while (a < b && strchr(" \t\r\n", buf[a]))
    a++;
  while (b > a && strchr(" \t\r\n", buf[b - 1]))
    b--;
  memmove(buf, buf + a, b - a);
  /* nothing of the untrimmed text stays behind the value */
  memset(buf + (b - a), 0, used + 1 - (b - a));
  return !msrp__has_ctl(buf, b - a);
}

int msrp__xml_new(const char *root, const char *ns, xmlDocPtr *doc,
                  xmlNodePtr *rootp) {
  xmlDocPtr d = xmlNewDoc((const xmlChar *)"1.0");
  xmlNodePtr r = d ? xmlNewNode(NULL, (const xmlChar *)root) : NULL;
  xmlNsPtr n = r ? xmlNewNs(r, (const xmlChar *)ns, NULL) : NULL;
  if (!n) {
    xmlFreeNode(r);
    xmlFreeDoc(d);
    return MSRP_ERR_NOMEM;
  }
  xmlSetNs(r, n);
  xmlDocSetRootElement(d, r);
  *doc = d;
  *rootp = r;
  return 0;
}

int msrp__xml_dump(xmlDocPtr d, char **out, size_t *len) {
  xmlChar *mem = NULL;
  int n = 0;
  xmlDocDumpFormatMemoryEnc(d, &mem, &n, "UTF-8", 1);
  xmlFreeDoc(d);
  if (!mem)
    return MSRP_ERR_NOMEM;
  int rc = 0;
  if (!(*out = malloc((size_t)n + 1))) {
    rc = MSRP_ERR_NOMEM;
  } else {
    memcpy(*out, mem, (size_t)n);
    (*out)[n] = '\0';
    *len = (size_t)n;
  }
  xmlFree(mem);
  return rc;
}
