/* SPDX-License-Identifier: MIT
 * Copyright (c) 2026 The libmsrp authors */
/* Two chats in one process, the way a SIP client uses one: Alice makes the
 * offer, Bob answers, each gives the other its SDP (here directly; a SIP
 * client puts it in the INVITE and the 200 OK). Alice says hello, Bob
 * answers once he has read it, and Alice ends the chat when she has the
 * answer; each message is reported delivered. docs/guide.md walks through
 * it.
 *
 *   chat_pair
 */
#include <msrp/msrp.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct party {
  const char *name;
  msrp_chat *chat;
  char *sdp; /* our SDP media, once initialized */
  struct party *other;
  int ended;
} party;

static void observe(msrp_notification_center *nc, const msrp_notification *n,
                    void *ud) {
  (void)nc;
  party *p = ud;
  if (!strcmp(n->name, MSRP_CHAT_DID_INITIALIZE)) {
    const msrp_chat_did_initialize *init = n->payload;
    p->sdp = strdup(init->sdp);
    printf("%s: ready, SDP media:\n%s", p->name, p->sdp);
    if (p->other->sdp) { /* the offer and the answer have crossed */
      msrp_chat_start(p->chat, p->other->sdp);
      msrp_chat_start(p->other->chat, p->sdp);
    }
  } else if (!strcmp(n->name, MSRP_CHAT_DID_START)) {
    printf("%s: connected\n", p->name);
  } else if (!strcmp(n->name, MSRP_CHAT_GOT_MESSAGE)) {
    const msrp_chat_got_message *m = n->payload;
    printf("%s: got \"%.*s\" (%s)\n", p->name, (int)m->len,
           (const char *)m->content, m->content_type);
    if (!strcmp(p->name, "bob"))
      msrp_chat_send_message(p->chat, "Hi Alice!", 9, NULL, NULL, 0, NULL);
    else /* Alice has her answer: she hangs up (her REPORT for it goes
            first, and the end waits for what she sent) */
      msrp_chat_end(p->chat);
  } else if (!strcmp(n->name, MSRP_CHAT_DID_DELIVER_MESSAGE)) {
    const msrp_chat_delivery *d = n->payload;
    printf("%s: message %s delivered (%d)\n", p->name, d->message_id, d->code);
  } else if (!strcmp(n->name, MSRP_CHAT_DID_NOT_DELIVER_MESSAGE)) {
    const msrp_chat_delivery *d = n->payload;
    printf("%s: message %s NOT delivered: %d %s\n", p->name, d->message_id,
           d->code, d->reason);
  } else if (!strcmp(n->name, MSRP_CHAT_DID_FAIL)) {
    const msrp_chat_did_fail *f = n->payload;
    printf("%s: %s failed: %s\n", p->name, f->context, f->reason);
    msrp_chat_end(p->chat);
  } else if (!strcmp(n->name, MSRP_CHAT_DID_END)) {
    printf("%s: ended\n", p->name);
    p->ended = 1;
    if (!p->other->ended)
      msrp_chat_end(p->other->chat); /* a SIP BYE would say so */
    else
      uv_stop(uv_default_loop()); /* both are over */
  }
}

int main(void) {
  uv_loop_t *loop = uv_default_loop();
  msrp_notification_center *nc;
  if (msrp_notification_center_new(&nc))
    return 1;
  party alice = {.name = "alice"}, bob = {.name = "bob"};
  alice.other = &bob;
  bob.other = &alice;
  msrp_account a = {.uri = "sip:alice@example.com", .local_host = "127.0.0.1"};
  msrp_account b = {.uri = "sip:bob@example.com", .local_host = "127.0.0.1"};
  int rc;
  if ((rc = msrp_chat_new(&alice.chat, loop, nc, &a, "sip:bob@example.com",
                          1)) ||
      (rc = msrp_chat_new(&bob.chat, loop, nc, &b, "sip:alice@example.com",
                          0))) {
    fprintf(stderr, "chat: %s\n", msrp_strerror(rc));
    return 1;
  }
  /* each party observes its own chat: the chat is the sender */
  msrp_notification_center_add_observer(nc, NULL, alice.chat, observe, &alice,
                                        NULL);
  msrp_notification_center_add_observer(nc, NULL, bob.chat, observe, &bob,
                                        NULL);

  /* the offer and the answer: each side's SDP media, when it is ready
   * (MSRPChatDidInitialize), goes to the other side's msrp_chat_start() */
  msrp_chat_initialize(alice.chat);
  msrp_chat_initialize(bob.chat);

  /* sent before the chat has started: it waits, and goes out on start */
  const char *id;
  msrp_chat_send_message(alice.chat, "Hello Bob", 9, NULL, NULL, 0, &id);
  printf("alice: sending %s\n", id);

  uv_run(loop, UV_RUN_DEFAULT); /* until both have ended (uv_stop) */
  msrp_chat_free(alice.chat);
  msrp_chat_free(bob.chat);
  uv_run(loop, UV_RUN_DEFAULT); /* let the closes finish */
  msrp_notification_center_free(nc);
  free(alice.sdp);
  free(bob.sdp);
  return alice.ended && bob.ended ? 0 : 1;
}
