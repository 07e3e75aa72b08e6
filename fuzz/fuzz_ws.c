/* SPDX-License-Identifier: MIT
 * Copyright (c) 2026 The libmsrp authors */
/* libFuzzer target for MSRP over WebSocket (RFC 7977), the core codec.
 * The first byte picks what the input is:
 *   0: the server's answer to the upgrade (any bytes, cut where the second
 *      byte says), then frames;
 *   1: frames after a valid upgrade, fed in pieces of the second byte's
 *      size; what comes out is read as it comes, and a codec that failed
 *      stays failed;
 *   2: our own output (MSRP bytes to frame), in such pieces.
 * Nothing may crash, leak or grow past the codec's bounds. */
#include <msrp/common.h>

#include "core/websocket.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static msrp__ws *opened(void) {
  msrp__ws *w;
  if (msrp__ws_client_new(&w, "relay.test", 8080, "/", 0))
    abort();
  char *out;
  size_t n;
  if (msrp__ws_take_output(w, &out, &n))
    abort();
  char key[25] = "", acc[29], resp[256];
  const char *k = strstr(out, "Sec-WebSocket-Key: ");
  memcpy(key, k + 19, 24);
  free(out);
  msrp__ws_accept_for(key, acc);
  int len = snprintf(resp, sizeof resp,
                     "HTTP/1.1 101 Switching Protocols\r\n"
                     "Upgrade: websocket\r\nConnection: Upgrade\r\n"
                     "Sec-WebSocket-Accept: %s\r\n"
                     "Sec-WebSocket-Protocol: msrp\r\n\r\n",
                     acc);
  if (msrp__ws_feed(w, (const uint8_t *)resp, (size_t)len) || !msrp__ws_open(w))
    abort();
  return w;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size < 2)
    return 0;
  int mode = data[0] % 3;
  size_t piece = data[1] ? data[1] : 1;
  data += 2;
  size -= 2;
  msrp__ws *w;
  if (mode == 0) {
    if (msrp__ws_client_new(&w, "relay.test", 8080, "/", 0))
      abort();
  } else {
    w = opened();
  }
  uint8_t out[4096];
  bool failed = false;
  for (size_t off = 0; off < size; off += piece) {
    size_t n = size - off < piece ? size - off : piece;
    int rc;
    if (mode == 2) {
      struct iovec v = {(void *)(data + off), n};
      rc = msrp__ws_write(w, &v, 1);
    } else {
      rc = msrp__ws_feed(w, data + off, n);
      while (msrp__ws_read(w, out, sizeof out) > 0)
        ;
    }
    if (failed && rc != MSRP_ERR_WEBSOCKET)
      abort(); /* a failure is for good */
    failed |= rc == MSRP_ERR_WEBSOCKET;
    char *o;
    size_t on;
    if (msrp__ws_take_output(w, &o, &on))
      abort();
    free(o);
  }
  msrp__ws_close(w);
  msrp__ws_free(w);
  return 0;
}
