/* SPDX-License-Identifier: MIT
 * Copyright (c) 2026 The libmsrp authors */
/* The XML bodies chat carries (is-composing, IMDN) read and written the
 * same way, with libxml2. Internal to the core. */
#ifndef MSRP_CORE_XML_H
#define MSRP_CORE_XML_H

#include <libxml/parser.h>
#include <libxml/tree.h>

#include <stdbool.h>
#include <stddef.h>

/* Bytes an XML body may have: the documents are a few hundred bytes; a
 * larger one is refused before libxml2 sees it. */
#define MSRP__XML_MAX_BYTES 16384

/* Parse a body: UTF-8, at most MSRP__XML_MAX_BYTES, no network, no DTD at all
 * (a document with a DOCTYPE is refused: no entity can be declared, so
 * none can expand), errors not printed. 0 and *out, or MSRP_ERR_XML. */
int msrp__xml_read(const void *data, size_t len, xmlDocPtr *out);

/* An element called `name` in namespace `ns`. */
bool msrp__xml_named(xmlNodePtr n, const char *ns, const char *name);

/* The text of an element (no markup inside: a child element or an entity
 * reference makes it NULL), copied into `buf` of `size` bytes; false when
 * it does not fit, holds a control character, or is not text. */
bool msrp__xml_text(xmlNodePtr n, char *buf, size_t size);

/* A new document whose root is `root` in the default namespace `ns`. */
int msrp__xml_new(const char *root, const char *ns, xmlDocPtr *doc,
                  xmlNodePtr *rootp);

/* `doc` as UTF-8 text, indented, into a malloc'd NUL-terminated *out of
 * *len bytes; the document is freed either way. */
int msrp__xml_dump(xmlDocPtr doc, char **out, size_t *len);

#endif
