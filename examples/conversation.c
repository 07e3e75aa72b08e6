/* SPDX-License-Identifier: MIT
 * Copyright (c) 2026 The libmsrp authors */
/* A short MSRP conversation between Alice and Bob, built with the chunk
 * builder, serialized to wire bytes, then parsed back by the streaming
 * parser fed a few bytes at a time, and printed as it is understood.
 *
 *   ./conversation          print the conversation
 *   ./conversation --wire   also print the wire bytes
 */
#include <msrp/chunk.h>
#include <msrp/parser.h>
#include <msrp/uri.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void die(const char *what, int rc) {
  fprintf(stderr, "conversation: %s: %s\n", what, msrp_strerror(rc));
  exit(1);
}

#define CHECK(call)                                                            \
  do {                                                                         \
    int rc_ = (call);                                                          \
    if (rc_ < 0)                                                               \
      die(#call, rc_);                                                         \
  } while (0)

typedef struct wire {
  char *data;
  size_t len;
} wire;

static void put(wire *w, msrp_chunk *c) {
  char *bytes;
  size_t n;
  CHECK(msrp_chunk_to_bytes(c, &bytes, &n));
  w->data = realloc(w->data, w->len + n);
  memcpy(w->data + w->len, bytes, n);
  w->len += n;
  free(bytes);
  msrp_chunk_free(c);
}

static msrp_chunk *send_text(const msrp_path *to, const msrp_path *from,
                             const char *message_id, const char *text,
                             uint64_t start, uint64_t total) {
  msrp_chunk *c;
  CHECK(msrp_chunk_make(&c, &(msrp_chunk_params){
                                .to_path = to,
                                .from_path = from,
                                .message_id = message_id,
                                .data = text,
                                .data_len = strlen(text),
                                .content_type = "text/plain",
                                .start = start,
                                .length = total,
                            }));
  return c;
}

/* Build the conversation: Alice greets Bob and asks for a report, Bob
 * answers 200 and reports delivery, then Alice sends a longer message in
 * two chunks. */
static wire build(void) {
  msrp_uri alice = MSRP_URI_INIT, bob = MSRP_URI_INIT;
  CHECK(msrp_uri_init_random(&alice, 0, "alice.example.com", 7777));
  CHECK(msrp_uri_init_random(&bob, 0, "bob.example.com", 8888));
  msrp_path a = {1, &alice}, b = {1, &bob};
  wire w = {0};

  msrp_chunk *hello = send_text(&b, &a, NULL, "Hi Bob, are you there?", 0, 0);
  CHECK(msrp_chunk_set_header(hello, "Success-Report", "yes"));
  char message_id[64];
  snprintf(message_id, sizeof message_id, "%s", msrp_chunk_message_id(hello));

  msrp_chunk *ok;
  CHECK(msrp_chunk_make_response(&ok, hello, 200, NULL));
  msrp_chunk *report;
  CHECK(msrp_chunk_make(&report, &(msrp_chunk_params){
                                     .method = "REPORT",
                                     .to_path = &a,
                                     .from_path = &b,
                                 }));
  CHECK(msrp_chunk_set_header(report, "Message-ID", message_id));
  CHECK(msrp_chunk_set_byte_range(report, 1, 22, 22));
  CHECK(msrp_chunk_set_header(report, "Status", "000 200 OK"));
  put(&w, hello);
  put(&w, ok);
  put(&w, report);

  const char *part1 = "Yes! This message comes ", *part2 = "in two chunks.";
  uint64_t total = strlen(part1) + strlen(part2);
  put(&w, send_text(&a, &b, "long-1", part1, 1, total));
  put(&w, send_text(&a, &b, "long-1", part2, 1 + strlen(part1), total));

  msrp_uri_clear(&alice);
  msrp_uri_clear(&bob);
  return w;
}

static const char *who(const msrp_chunk *c) {
  const msrp_path *from = msrp_chunk_from_path(c);
  return strncmp(from->uris[0].host, "alice", 5) == 0 ? "alice" : "bob";
}

int main(int argc, char **argv) {
  int show_wire = argc > 1 && strcmp(argv[1], "--wire") == 0;
  wire w = build();
  if (show_wire)
    printf("---- %zu bytes on the wire ----\n%.*s---- parsed ----\n", w.len,
           (int)w.len, w.data);

  msrp_parser *p;
  CHECK(msrp_parser_new(&p, NULL));
  /* feed 7 bytes at a time, as a slow network might deliver them */
  char body[256];
  size_t body_len = 0;
  for (size_t off = 0; off < w.len; off += 7) {
    size_t left = w.len - off < 7 ? w.len - off : 7;
    const uint8_t *in = (const uint8_t *)w.data + off;
    for (;;) {
      size_t used;
      msrp_event ev;
      CHECK(msrp_parser_execute(p, in, left, &used, &ev));
      in += used;
      left -= used;
      if (ev.type == MSRP_EVENT_NONE)
        break;
      if (ev.type == MSRP_EVENT_HEADERS)
        body_len = 0;
      if (ev.type == MSRP_EVENT_BODY && body_len + ev.len <= sizeof body) {
        memcpy(body + body_len, ev.data, ev.len);
        body_len += ev.len;
      }
      if (ev.type != MSRP_EVENT_END)
        continue;
      const msrp_chunk *c = ev.chunk;
      msrp_byte_range r;
      msrp_status_header st;
      if (!msrp_chunk_is_request(c)) {
        printf("%-5s  %d %s  (transaction %s)\n", who(c), msrp_chunk_code(c),
               msrp_chunk_comment(c), msrp_chunk_transaction_id(c));
      } else if (msrp_chunk_method_id(c) == MSRP_METHOD_REPORT &&
                 msrp_chunk_status(c, &st) == 0) {
        printf("%-5s  REPORT: message delivered, status %d\n", who(c), st.code);
      } else if (msrp_chunk_byte_range(c, &r) == 0) {
        printf("%-5s  SEND bytes %llu-%llu of %llu%s: \"%.*s\"\n", who(c),
               (unsigned long long)r.start, (unsigned long long)r.end,
               (unsigned long long)r.total,
               ev.flag == '+' ? " (more follows)" : "", (int)body_len, body);
      }
    }
  }
  msrp_parser_free(p);
  free(w.data);
  return 0;
}
