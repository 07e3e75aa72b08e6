/* SPDX-License-Identifier: MIT
 * Copyright (c) 2026 The libmsrp authors */
/** @file
 * libmsrp — Instant Message Disposition Notification (RFC 5438), sans I/O:
 * the request a message carries (CPIM headers) and the message/imdn+xml
 * document that answers it, built and parsed with libxml2.
 *
 * A message that wants notifications is wrapped in Message/CPIM with
 *
 *     NS: imdn <urn:ietf:params:imdn>
 *     imdn.Message-ID: 34jk324j
 *     DateTime: 2008-04-04T12:16:49-05:00
 *     imdn.Disposition-Notification: positive-delivery, display
 *
 * and its recipient answers with a CPIM message of its own (a new
 * imdn.Message-ID, Content-Type message/imdn+xml, Content-Disposition
 * notification) whose body names the message and says what became of it:
 *
 *     <imdn xmlns="urn:ietf:params:xml:ns:imdn">
 *       <message-id>34jk324j</message-id>
 *       <datetime>2008-04-04T12:16:49-05:00</datetime>
 *       <delivery-notification><status><delivered/></status>
 *       </delivery-notification>
 *     </imdn>
 */
#ifndef MSRP_IMDN_H
#define MSRP_IMDN_H

#include <msrp/common.h>
#include <msrp/cpim.h>

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define MSRP_IMDN_TYPE "message/imdn+xml"
/** The CPIM namespace of the imdn. headers, and the usual prefix. */
#define MSRP_IMDN_CPIM_NS "urn:ietf:params:imdn"
#define MSRP_IMDN_CPIM_PREFIX "imdn"

/** What a message asks for (imdn.Disposition-Notification), as flags. */
enum {
  MSRP_IMDN_POSITIVE_DELIVERY = 1, /**< "positive-delivery" */
  MSRP_IMDN_NEGATIVE_DELIVERY = 2, /**< "negative-delivery" */
  MSRP_IMDN_DISPLAY = 4,           /**< "display" */
  MSRP_IMDN_PROCESSING = 8         /**< "processing" */
};

/** The flags of a Disposition-Notification value: a comma-separated list,
 * names compared case-insensitively, spaces around them ignored, names not
 * known ignored (RFC 5438 allows extensions). Returns the flags (0 for a
 * list with none we know). */
MSRP_API unsigned msrp_imdn_disposition_parse(const char *value, size_t len);
/** The value for `flags` ("positive-delivery, display"), NUL-terminated
 * into `buf`. Returns its length, or MSRP_ERR_INVALID_ARGUMENT (no flag
 * known, `buf` too small: 64 bytes always do). */
MSRP_API int msrp_imdn_disposition_format(unsigned flags, char *buf,
                                          size_t size);

/** What a notification is about. */
typedef enum msrp_imdn_kind {
  MSRP_IMDN_KIND_DELIVERY = 0,
  MSRP_IMDN_KIND_DISPLAY = 1,
  MSRP_IMDN_KIND_PROCESSING = 2
} msrp_imdn_kind;

/** What it says. Each kind takes some: delivery delivered, failed,
 * forbidden, error; display displayed, forbidden, error; processing
 * processed, stored, forbidden, error. */
typedef enum msrp_imdn_status {
  MSRP_IMDN_DELIVERED = 0,
  MSRP_IMDN_FAILED = 1,
  MSRP_IMDN_FORBIDDEN = 2,
  MSRP_IMDN_ERROR = 3,
  MSRP_IMDN_DISPLAYED = 4,
  MSRP_IMDN_PROCESSED = 5,
  MSRP_IMDN_STORED = 6
} msrp_imdn_status;

/** The element name of a status ("delivered"), or NULL. */
MSRP_API const char *msrp_imdn_status_name(msrp_imdn_status status);
/** The kind a status goes with when it takes one kind only (delivered,
 * failed: delivery; displayed: display; processed, stored: processing);
 * -1 for forbidden and error, which every kind takes. */
MSRP_API int msrp_imdn_status_kind(msrp_imdn_status status);

/** One message/imdn+xml document. Strings are NUL-terminated; "" when
 * absent (the optional ones). */
typedef struct msrp_imdn {
  char message_id[257]; /**< the imdn.Message-ID of the message */
  char datetime[64];    /**< its DateTime, RFC 3339, as written */
  char recipient_uri[512];
  char original_recipient_uri[512];
  char subject[256];
  msrp_imdn_kind kind;
  msrp_imdn_status status;
} msrp_imdn;

/** The document (UTF-8 XML, RFC 5438 section 9 order); *out is malloc'd
 * (NUL-terminated, `*len` without it). Errors: MSRP_ERR_INVALID_ARGUMENT
 * (no message id or datetime, a datetime that is not RFC 3339, a status
 * the kind does not take, control characters), MSRP_ERR_NOMEM. */
MSRP_API int msrp_imdn_build(const msrp_imdn *doc, char **out, size_t *len);

/** Parse a document: the imdn element in its namespace, message-id and
 * datetime (RFC 3339) present, exactly one of the three notifications with
 * a status its kind takes; values that do not fit the struct are
 * refused. Elements of other namespaces are ignored. Errors: MSRP_ERR_XML
 * (not well-formed, a DOCTYPE, more than 16 KiB, not this document, a bad
 * or missing value), MSRP_ERR_INVALID_ARGUMENT. Nothing is fetched and no
 * entity is expanded. */
MSRP_API int msrp_imdn_parse(const void *data, size_t len, msrp_imdn *out);

/** The request a received CPIM message makes: 0 and the flags of its
 * imdn.Disposition-Notification (whatever prefix its NS header gives
 * urn:ietf:params:imdn), its imdn.Message-ID into `id` (`id_size` bytes)
 * and its DateTime text into `datetime` (64 bytes); MSRP_ERR_NOT_FOUND when
 * it asks for nothing we know, or lacks the Message-ID or DateTime a
 * request needs (RFC 5438 section 6.3), or they do not fit. `id` may be
 * NULL to take the flags alone. */
MSRP_API int msrp_imdn_request(const msrp_cpim *cpim, unsigned *flags, char *id,
                               size_t id_size, char *datetime);

/** Whether a received CPIM message is a notification: its MIME
 * Content-Type is message/imdn+xml. */
MSRP_API int msrp_imdn_is_notification(const msrp_cpim *cpim);

#ifdef __cplusplus
}
#endif
#endif
