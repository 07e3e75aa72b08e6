/* SPDX-License-Identifier: MIT
 * Copyright (c) 2026 The libmsrp authors */
/* DNS SRV (RFC 2782) for relay discovery (RFC 4976 section 6.3): which
 * name to ask for, and in which order to try the answers. The lookup itself
 * is the I/O layer's (src/io/dns.c); the decisions are here, testable
 * without a network. Not part of the API. */
#ifndef MSRP_CORE_SRV_H
#define MSRP_CORE_SRV_H

#include <msrp/uri.h>

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* One SRV answer. `target` is borrowed (the caller's storage). */
typedef struct msrp__srv {
  const char *target;
  uint16_t priority;
  uint16_t weight;
  uint16_t port;
} msrp__srv;

/* Whether a relay URI is resolved through SRV: its host is a name (not an
 * IP literal) and it names no port (RFC 4976: a port, or an address, is
 * used as it is). */
bool msrp__srv_applies(const msrp_uri *relay);

/* "_msrps._tcp.HOST" (msrps:) or "_msrp._tcp.HOST" (msrp:) into `out`;
 * MSRP_ERR_INVALID_ARGUMENT when it does not fit in `size` (a DNS name has
 * at most 253 characters). */
int msrp__srv_name(const msrp_uri *relay, char *out, size_t size);

/* Order `n` answers in place as RFC 2782 says they are tried: by priority,
 * lowest first; within one priority, a weighted random order (each next
 * one picked with a probability proportional to its weight, zero-weight
 * answers having a small chance, and first among equals before). `random`
 * returns a uniformly distributed 32-bit value. A single answer whose
 * target is "." means the service is decidedly not available there: the
 * result is then 0 answers. Returns the number of answers to try. */
size_t msrp__srv_order(msrp__srv *srv, size_t n, uint32_t (*random)(void *),
                       void *random_ud);

#endif
