/* SPDX-License-Identifier: MIT
 * Copyright (c) 2026 The libmsrp authors */
/** @file
 * libmsrp — everything, in one include: the core (URIs, chunks, the
 * parser, the session engine, binding, relay AUTH, SDP, CPIM, Digest), the
 * connections on libuv (transports, connectors, MSRPServer, sessions), and
 * the chat with its notification centre. */
#ifndef MSRP_MSRP_H
#define MSRP_MSRP_H

#include <msrp/version.h>

#include <msrp/common.h>

#include <msrp/auth.h>
#include <msrp/binding.h>
#include <msrp/chatroom.h>
#include <msrp/chunk.h>
#include <msrp/cpim.h>
#include <msrp/engine.h>
#include <msrp/file_selector.h>
#include <msrp/imdn.h>
#include <msrp/iscomposing.h>
#include <msrp/mediatype.h>
#include <msrp/parser.h>
#include <msrp/relay_auth.h>
#include <msrp/sdp.h>
#include <msrp/uri.h>

#include <msrp/connect.h>
#include <msrp/log.h>
#include <msrp/session.h>
#include <msrp/tls.h>
#include <msrp/transport.h>

#include <msrp/chat.h>
#include <msrp/file_transfer.h>
#include <msrp/notification.h>

#endif
