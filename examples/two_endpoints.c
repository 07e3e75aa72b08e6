/* SPDX-License-Identifier: MIT
 * Copyright (c) 2026 The libmsrp authors */
/* Two MSRP endpoints in one process, over a real loopback connection.
 *
 * Bob listens (an AcceptorDirect), Alice connects (a ConnectorDirect); each
 * puts its full path where SDP's a=path would carry it, they bind, and then
 * exchange a message, its 200, a success REPORT, and a message in two
 * chunks. Every chunk is printed as it is received.
 *
 *   two_endpoints [--port N] [--tls CERT KEY CA] [--trace]
 *
 * --port fixes Bob's port (default: any free port); --tls runs msrps with
 * Bob's certificate and key and the CA Alice trusts; --trace prints the
 * wire on stderr.
 */
#include <msrp/connect.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void check(int rc, const char *what) {
  if (rc < 0) {
    fprintf(stderr, "two_endpoints: %s: %s\n", what, msrp_strerror(rc));
    exit(1);
  }
}

typedef struct completion {
  int done;
  int status;
  msrp_transport *t;
} completion;

static void on_complete(msrp_connector *c, int status, msrp_transport *t,
                        void *ud) {
  (void)c;
  completion *r = ud;
  r->done = 1;
  r->status = status;
  r->t = t;
}

/* Read the next chunk on `t` and print it as `who` received it. */
static msrp_chunk *receive(msrp_transport *t, const char *who) {
  msrp_chunk *c;
  check(msrp_transport_read_chunk_wait(t, MSRP_READ_WHOLE, &c, NULL), "read");
  printf("%-5s got  ", who);
  if (!msrp_chunk_is_request(c)) {
    printf("%d %s  tid=%s\n", msrp_chunk_code(c),
           msrp_chunk_comment(c) ? msrp_chunk_comment(c) : "",
           msrp_chunk_transaction_id(c));
    return c;
  }
  printf("%s tid=%s", msrp_chunk_method(c), msrp_chunk_transaction_id(c));
  const char *range = msrp_chunk_header_by_id(c, MSRP_HDR_BYTE_RANGE);
  if (range)
    printf(" Byte-Range=%s", range);
  const char *status = msrp_chunk_header_by_id(c, MSRP_HDR_STATUS);
  if (status)
    printf(" Status=\"%s\"", status);
  size_t len;
  const uint8_t *body = msrp_chunk_body(c, &len);
  if (len)
    printf(" \"%.*s\"", (int)len, (const char *)body);
  printf(" flag=%c\n", msrp_chunk_flag(c));
  fflush(stdout);
  return c;
}

static void send_chunk(msrp_transport *t, const msrp_chunk_params *p,
                       char *tid_out) {
  msrp_chunk *c;
  check(msrp_transport_make_chunk(&c, t, p), "make_chunk");
  if (tid_out)
    strcpy(tid_out, msrp_chunk_transaction_id(c));
  check(msrp_transport_write_chunk_wait(t, c), "write");
  msrp_chunk_free(c);
}

int main(int argc, char **argv) {
  int port = 0, tls = 0, trace = 0;
  msrp_tls_config bob_tls = {0}, alice_tls = {0};
  for (int i = 1; i < argc; i++) {
    if (strcmp(argv[i], "--port") == 0 && i + 1 < argc) {
      port = atoi(argv[++i]);
    } else if (strcmp(argv[i], "--tls") == 0 && i + 3 < argc) {
      tls = 1;
      bob_tls.cert_file = argv[++i];
      bob_tls.key_file = argv[++i];
      alice_tls.ca_file = argv[++i];
    } else if (strcmp(argv[i], "--trace") == 0) {
      trace = 1;
    } else {
      fprintf(stderr, "usage: %s [--port N] [--tls CERT KEY CA] [--trace]\n",
              argv[0]);
      return 2;
    }
  }

  uv_loop_t *loop = uv_default_loop();
  msrp_logger lg = msrp_logger_stderr(MSRP_LOG_INFO, 1);
  msrp_connect_config bob_cfg = {.tls = tls ? &bob_tls : NULL,
                                 .logger = trace ? &lg : NULL};
  msrp_connect_config alice_cfg = {.tls = tls ? &alice_tls : NULL,
                                   .logger = trace ? &lg : NULL};

  /* prepare(): each side learns the full path it will put in a=path */
  msrp_connector *bob, *alice;
  check(msrp_get_acceptor(&bob, loop, &bob_cfg), "get_acceptor");
  check(msrp_get_connector(&alice, loop, &alice_cfg), "get_connector");
  msrp_uri bob_uri = MSRP_URI_INIT, alice_uri = MSRP_URI_INIT;
  check(msrp_uri_init(&bob_uri, tls, "127.0.0.1", port, NULL, NULL), "uri");
  check(msrp_uri_init(&alice_uri, tls, "127.0.0.1", 0, NULL, NULL), "uri");
  msrp_path bob_path = MSRP_PATH_INIT, alice_path = MSRP_PATH_INIT;
  check(msrp_connector_prepare_wait(bob, &bob_uri, &bob_path), "prepare");
  check(msrp_connector_prepare_wait(alice, &alice_uri, &alice_path), "prepare");
  char text[256];
  msrp_path_format(&bob_path, text, sizeof text);
  printf("bob    a=path:%s\n", text);
  msrp_path_format(&alice_path, text, sizeof text);
  printf("alice  a=path:%s\n", text);

  /* complete(): connect and bind, both at once */
  completion bob_done = {0}, alice_done = {0};
  check(msrp_connector_complete(bob, &alice_path, on_complete, &bob_done),
        "complete");
  check(msrp_connector_complete(alice, &bob_path, on_complete, &alice_done),
        "complete");
  while (!bob_done.done || !alice_done.done)
    uv_run(loop, UV_RUN_ONCE);
  check(bob_done.status, "bob's binding");
  check(alice_done.status, "alice's binding");
  msrp_transport *a = alice_done.t, *b = bob_done.t;
  printf("bound%s\n", tls ? " over TLS" : "");

  /* a message, its 200, and a success REPORT */
  const char *hello = "Hi Bob, are you there?";
  send_chunk(a,
             &(msrp_chunk_params){.data = hello,
                                  .data_len = strlen(hello),
                                  .content_type = "text/plain"},
             NULL);
  msrp_chunk *got = receive(b, "bob");
  msrp_chunk *ok;
  check(msrp_chunk_make_response(&ok, got, 200, NULL), "response");
  check(msrp_transport_write_chunk_wait(b, ok), "write");
  msrp_chunk_free(ok);
  msrp_chunk_free(receive(a, "alice"));
  msrp_chunk *report;
  check(msrp_transport_make_chunk(&report, b,
                                  &(msrp_chunk_params){.method = "REPORT"}),
        "make_chunk");
  check(msrp_chunk_set_header(report, "Message-ID", msrp_chunk_message_id(got)),
        "Message-ID");
  check(msrp_chunk_set_byte_range(report, 1, strlen(hello), strlen(hello)),
        "Byte-Range");
  check(msrp_chunk_set_header(report, "Status", "000 200 OK"), "Status");
  check(msrp_transport_write_chunk_wait(b, report), "write");
  msrp_chunk_free(report);
  msrp_chunk_free(got);
  got = receive(a, "alice");
  msrp_chunk_free(got);

  /* one message in two chunks */
  const char *p1 = "Yes! This one comes ", *p2 = "in two chunks.";
  uint64_t total = strlen(p1) + strlen(p2);
  send_chunk(b,
             &(msrp_chunk_params){.data = p1,
                                  .data_len = strlen(p1),
                                  .content_type = "text/plain",
                                  .message_id = "two-chunks",
                                  .length = total},
             NULL);
  msrp_chunk_free(receive(a, "alice"));
  send_chunk(b,
             &(msrp_chunk_params){.data = p2,
                                  .data_len = strlen(p2),
                                  .content_type = "text/plain",
                                  .message_id = "two-chunks",
                                  .start = strlen(p1) + 1,
                                  .length = total},
             NULL);
  msrp_chunk_free(receive(a, "alice"));

  msrp_transport_free(a);
  msrp_transport_free(b);
  msrp_connector_free(alice);
  msrp_connector_free(bob);
  uv_run(loop, UV_RUN_DEFAULT);
  msrp_path_clear(&bob_path);
  msrp_path_clear(&alice_path);
  msrp_uri_clear(&bob_uri);
  msrp_uri_clear(&alice_uri);
  uv_loop_close(loop);
  return 0;
}
