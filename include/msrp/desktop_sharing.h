/* SPDX-License-Identifier: MIT
 * Copyright (c) 2026 The libmsrp authors */
/** @file
 * libmsrp — desktop sharing: sipsimple's MSRPDesktopSharing. A VNC
 * session (RFB) carried inside an MSRP session, so that a screen crosses
 * NAT through the same relays as chat.
 *
 * One side runs the VNC server (the SERVER role, RFB passive: it shares
 * its screen; it connects to a local VNC server), the other the viewer
 * (the VIEWER role, RFB active: it listens on a loopback port for a local
 * VNC viewer). The RFB bytes each way go in `application/x-rfb` messages,
 * one per read, with Success-Report no and Failure-Report partial, as
 * deployed clients send them. The life is msrp_chat's: initialize (our
 * SDP, DidInitialize), start with the remote SDP (DidStart, then
 * HandlerDidStart once the local VNC side is connected), end (WillEnd,
 * DidEnd). Either side ending, the local VNC side closing or the peer
 * going away ends the share.
 *
 * Memory stays bounded both ways: when the MSRP side backs up, the local
 * socket is not read; when the local socket backs up, the MSRP session is
 * not read.
 */
#ifndef MSRP_DESKTOP_SHARING_H
#define MSRP_DESKTOP_SHARING_H

#include <msrp/chat.h>
#include <msrp/sdp.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct msrp_desktop_sharing msrp_desktop_sharing;

typedef enum msrp_desktop_role {
  MSRP_DESKTOP_SERVER = 1, /**< we share our screen (RFB passive) */
  MSRP_DESKTOP_VIEWER = 2  /**< we view the peer's (RFB active) */
} msrp_desktop_role;

typedef struct msrp_desktop_sharing_config {
  /** Our role in an offer; an answer takes the one the offer leaves. */
  msrp_desktop_role role;
  /** SERVER: the VNC server to connect to; NULL/0: 127.0.0.1:5900. */
  const char *vnc_host;
  int vnc_port;
  /** VIEWER: where to wait for the local viewer; NULL: 127.0.0.1; port 0:
   * any (msrp_desktop_sharing_viewer_port() says which). Loopback unless
   * an address is given on purpose. */
  const char *viewer_host;
  int viewer_port;
  /** Bytes waiting each way before the other side is held back; 0: 1 MiB. */
  size_t max_buffer;
  /** SERVER: start the VNC server with this command line (/bin/sh -c)
   * when the share starts, read its output for "PORT=<n>" (as x11vnc
   * prints it) and connect to that port on vnc_host; it is sent SIGTERM
   * when the share ends. NULL: connect to vnc_port. */
  const char *vnc_command;
  /** VIEWER: once the port is open, run this command line (/bin/sh -c),
   * every "%p" in it replaced by the port (e.g. "vncviewer 127.0.0.1::%p");
   * sent SIGTERM when the share ends. NULL: wait for a viewer. */
  const char *viewer_command;
} msrp_desktop_sharing_config;

#define MSRP_DESKTOP_SHARING_DID_INITIALIZE "MSRPDesktopSharingDidInitialize"
#define MSRP_DESKTOP_SHARING_DID_START "MSRPDesktopSharingDidStart"
#define MSRP_DESKTOP_SHARING_HANDLER_DID_START                                 \
  "MSRPDesktopSharingHandlerDidStart"
#define MSRP_DESKTOP_SHARING_HANDLER_DID_FAIL "MSRPDesktopSharingHandlerDidFail"
#define MSRP_DESKTOP_SHARING_WILL_END "MSRPDesktopSharingWillEnd"
#define MSRP_DESKTOP_SHARING_DID_END "MSRPDesktopSharingDidEnd"
#define MSRP_DESKTOP_SHARING_DID_FAIL "MSRPDesktopSharingDidFail"

typedef struct msrp_desktop_sharing_did_initialize {
  const char *sdp; /**< our media description */
} msrp_desktop_sharing_did_initialize;

/** DidFail (context: "initialize", "sdp_negotiation", "start", "reading")
 * and HandlerDidFail (context "handler": the local VNC side could not be
 * reached or failed). */
typedef struct msrp_desktop_sharing_did_fail {
  const char *context;
  const char *reason;
  int failure;
} msrp_desktop_sharing_did_fail;

/** An offer (`role` as the config says). Errors: MSRP_ERR_INVALID_ARGUMENT,
 * MSRP_ERR_NOMEM. */
MSRP_API int msrp_desktop_sharing_new_sized(
    msrp_desktop_sharing **out, uv_loop_t *loop,
    msrp_notification_center *center, const msrp_account *account,
    const char *remote_uri, const msrp_desktop_sharing_config *config,
    size_t account_size, size_t relay_size, size_t tls_size,
    size_t config_size);
#define msrp_desktop_sharing_new(...)                                          \
  msrp_desktop_sharing_new_sized(                                              \
      __VA_ARGS__, sizeof(msrp_account), sizeof(msrp_relay_config),            \
      sizeof(msrp_tls_config), sizeof(msrp_desktop_sharing_config))

/** An answer to `offer_sdp`: our role is the other of the offer's RFB role
 * (a=rfbsetup, or an older client's a=setup). Errors: as _new, and
 * MSRP_ERR_NOT_SUPPORTED for an offer that is not desktop sharing. */
MSRP_API int msrp_desktop_sharing_new_from_sdp_sized(
    msrp_desktop_sharing **out, uv_loop_t *loop,
    msrp_notification_center *center, const msrp_account *account,
    const char *remote_uri, const char *offer_sdp,
    const msrp_desktop_sharing_config *config, size_t account_size,
    size_t relay_size, size_t tls_size, size_t config_size);
#define msrp_desktop_sharing_new_from_sdp(...)                                 \
  msrp_desktop_sharing_new_from_sdp_sized(                                     \
      __VA_ARGS__, sizeof(msrp_account), sizeof(msrp_relay_config),            \
      sizeof(msrp_tls_config), sizeof(msrp_desktop_sharing_config))

MSRP_API int msrp_desktop_sharing_initialize(msrp_desktop_sharing *ds);
MSRP_API int msrp_desktop_sharing_start(msrp_desktop_sharing *ds,
                                        const char *remote_sdp);
MSRP_API int msrp_desktop_sharing_end(msrp_desktop_sharing *ds);
MSRP_API void msrp_desktop_sharing_free(msrp_desktop_sharing *ds);

MSRP_API msrp_desktop_role
msrp_desktop_sharing_role(const msrp_desktop_sharing *ds);
/** VIEWER, from DidStart on: the loopback port the local viewer connects
 * to; 0 before. */
MSRP_API int msrp_desktop_sharing_viewer_port(const msrp_desktop_sharing *ds);
/** RFB bytes carried so far: to the peer (read from the local VNC side)
 * and from it (written to the local VNC side). */
MSRP_API void msrp_desktop_sharing_counters(const msrp_desktop_sharing *ds,
                                            uint64_t *to_peer,
                                            uint64_t *from_peer);

/** Flow control now (for monitoring and tests): 1 when the local VNC side
 * is not read because the MSRP side backs up; 2 when the peer is not read
 * because the local VNC side backs up; 3 both; 0 neither. */
MSRP_API int msrp_desktop_sharing_held_back(const msrp_desktop_sharing *ds);

#ifdef __cplusplus
}
#endif
#endif
