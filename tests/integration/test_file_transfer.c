/* SPDX-License-Identifier: MIT
 * Copyright (c) 2026 The libmsrp authors */
/* Two msrp_file_transfer instances in one process, over loopback TCP and
 * TLS: push and pull, every notification in order, the file byte for byte;
 * resume by file-range; and the hostile cases: names that try to leave the
 * directory, a hash that does not match, a size that lies, a full disk
 * (RLIMIT_FSIZE), a peer that goes away, a file that exists already. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <msrp/file_transfer.h>

#include "loop.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#define CERT(name) MSRP_CERT_DIR "/" name

/* ---- a transfer and what it posted --------------------------------------- */

static msrp_notification_center *nc;

typedef struct side side;
static side alice, bob; /* alice offers, bob answers */
static void drop(side *s);

struct side {
  msrp_file_transfer *ft;
  msrp_notification_token token;
  char log[4096]; /* notification names, space-separated, repeats folded */
  char *sdp;
  int initialized, started, ended, failed, progress, hash_progress;
  uint64_t last_done;
  char fail_context[32];
  int fail_error;
  char fail_reason[256];
  char end_path[1024];
  uint64_t end_size;
  uint64_t end_after; /* call end() once Progress passes this (0: never) */
};

static void note(side *s, const char *name) {
  size_t len = strlen(s->log);
  /* "Progress Progress Progress" is one "Progress" in the log */
  const char *last = strrchr(s->log, ' ');
  last = last ? last + 1 : s->log;
  if (len && !strcmp(last, name))
    return;
  snprintf(s->log + len, sizeof s->log - len, "%s%s", len ? " " : "", name);
}

static void observe(msrp_notification_center *center,
                    const msrp_notification *n, void *ud) {
  (void)center;
  side *s = ud;
  note(s, n->name + strlen("MSRPFileTransfer"));
  if (!strcmp(n->name, MSRP_FILE_TRANSFER_DID_INITIALIZE)) {
    const msrp_file_transfer_did_initialize *d = n->payload;
    free(s->sdp);
    s->sdp = strdup(d->sdp);
    s->initialized++;
  } else if (!strcmp(n->name, MSRP_FILE_TRANSFER_DID_START)) {
    s->started++;
  } else if (!strcmp(n->name, MSRP_FILE_TRANSFER_PROGRESS) ||
             !strcmp(n->name, MSRP_FILE_TRANSFER_HASH_PROGRESS)) {
    const msrp_file_transfer_progress *p = n->payload;
    assert_true(p->done <= p->total);
    if (!strcmp(n->name, MSRP_FILE_TRANSFER_PROGRESS)) {
      assert_true(p->done >= s->last_done); /* never backwards */
      s->last_done = p->done;
      s->progress++;
      if (s->end_after && p->done >= s->end_after) {
        s->end_after = 0;
        assert_int_equal(msrp_file_transfer_end(s->ft), 0);
      }
    } else {
      s->hash_progress++;
    }
  } else if (!strcmp(n->name, MSRP_FILE_TRANSFER_DID_END)) {
    const msrp_file_transfer_did_end *e = n->payload;
    snprintf(s->end_path, sizeof s->end_path, "%s", e->path ? e->path : "");
    s->end_size = e->size;
    s->ended++;
  } else if (!strcmp(n->name, MSRP_FILE_TRANSFER_DID_FAIL)) {
    const msrp_file_transfer_did_fail *f = n->payload;
    snprintf(s->fail_context, sizeof s->fail_context, "%s", f->context);
    snprintf(s->fail_reason, sizeof s->fail_reason, "%s", f->reason);
    s->fail_error = f->failure;
    s->failed++;
    print_message("%s: DidFail (%s) %s\n", s == &alice ? "alice" : "bob",
                  f->context, f->reason);
  }
}

static char dir[256]; /* a fresh directory per test */
static char src[512]; /* the file a test sends */

static const msrp_tls_config tls_both = {.cert_file = CERT("server.pem"),
                                         .key_file = CERT("server.key"),
                                         .ca_file = CERT("ca.pem")};

static msrp_account account(const char *me, int tls) {
  return (msrp_account){.uri = me,
                        .local_host = "127.0.0.1",
                        .use_tls = tls,
                        .tls = tls ? &tls_both : NULL,
                        .logger = test_logger(),
                        .response_timeout_ms = 5000};
}

static void watch(side *s) {
  assert_int_equal(msrp_notification_center_add_observer(nc, NULL, s->ft,
                                                         observe, s, &s->token),
                   0);
}

/* Free a side's transfer and stop observing it (a later transfer may get
 * the same address). */
static void drop(side *s) {
  if (!s->ft)
    return;
  msrp_notification_center_remove_observer(nc, s->token);
  msrp_file_transfer_free(s->ft);
  s->ft = NULL;
}

/* Alice offers: a push of `file`, or a pull of `want` into DIR/alice. */
static void offer(int tls, const char *file, const msrp_file_selector *want,
                  int resume) {
  msrp_account a = account("sip:alice@example.com", tls);
  char adir[300];
  snprintf(adir, sizeof adir, "%s/alice", dir);
  msrp_file_transfer_config c = {.file = file,
                                 .selector = want,
                                 .directory = adir,
                                 .resume = resume,
                                 .chunk_size = 16384,
                                 .progress_interval_ms = 1};
  drop(&alice);
  free(alice.sdp);
  memset(&alice, 0, sizeof alice);
  assert_int_equal(msrp_file_transfer_new(&alice.ft, &loop, nc, &a,
                                          "sip:bob@example.com", &c),
                   0);
  watch(&alice);
}

/* Bob answers Alice's offer: receives into DIR/bob, or sends `file`. */
static int answer(int tls, const char *offer_sdp, const char *file,
                  int resume) {
  msrp_account a = account("sip:bob@example.com", tls);
  char bdir[300];
  snprintf(bdir, sizeof bdir, "%s/bob", dir);
  msrp_file_transfer_config c = {.file = file,
                                 .directory = bdir,
                                 .resume = resume,
                                 .chunk_size = 16384,
                                 .progress_interval_ms = 1};
  drop(&bob);
  free(bob.sdp);
  memset(&bob, 0, sizeof bob);
  int rc = msrp_file_transfer_new_from_sdp(
      &bob.ft, &loop, nc, &a, "sip:alice@example.com", offer_sdp, &c);
  if (!rc)
    watch(&bob);
  return rc;
}

static bool atleast(const void *p) {
  const int *const *v = p;
  return *v[0] >= *v[1];
}

/* Run the loop until *counter >= want (60 s at most); a timeout says what
 * was awaited and what both sides posted. */
#define until(counter, want) until_((counter), (want), #counter)
static void until_(const int *counter, int want, const char *what) {
  const int *v[2] = {counter, &want};
  for (int s = 0; s < 60 && !atleast(v); s++) {
    /* one second at a time: a failing wait says what it waited for */
    if (*counter >= want)
      break;
    wait_until_for_quiet(atleast, v, 1);
  }
  if (!atleast(v))
    fail_msg("waited 60 s for %s >= %d (it is %d); alice: %s; bob: %s", what,
             want, *counter, alice.log, bob.log);
}

/* ---- files ----------------------------------------------------------------
 */

static uint8_t gen(uint64_t i) {
  return (uint8_t)((i * 2654435761u) >> 13);
}

static void write_file(const char *path, uint64_t size) {
  FILE *f = fopen(path, "wb");
  assert_non_null(f);
  uint8_t buf[65536];
  for (uint64_t off = 0; off < size;) {
    size_t n = size - off < sizeof buf ? (size_t)(size - off) : sizeof buf;
    for (size_t i = 0; i < n; i++)
      buf[i] = gen(off + i);
    assert_int_equal(fwrite(buf, 1, n, f), n);
    off += n;
  }
  assert_int_equal(fclose(f), 0);
}

static void assert_same_file(const char *a, const char *b) {
  FILE *x = fopen(a, "rb"), *y = fopen(b, "rb");
  if (!x || !y)
    fail_msg("cannot open %s or %s", a, b);
  uint8_t p[65536], q[65536];
  uint64_t off = 0;
  for (;;) {
    size_t n = fread(p, 1, sizeof p, x), m = fread(q, 1, sizeof q, y);
    if (n != m || memcmp(p, q, n))
      fail_msg("%s and %s differ near byte %llu", a, b,
               (unsigned long long)off);
    if (n == 0)
      break;
    off += n;
  }
  fclose(x);
  fclose(y);
}

static bool exists(const char *path) {
  struct stat st;
  return stat(path, &st) == 0;
}

/* The names in a directory, sorted, space-separated. */
static void listing(const char *d, char *out, size_t size) {
  char names[32][256];
  int n = 0;
  DIR *dp = opendir(d);
  assert_non_null(dp);
  struct dirent *e;
  while ((e = readdir(dp)) && n < 32)
    if (strcmp(e->d_name, ".") && strcmp(e->d_name, ".."))
      snprintf(names[n++], sizeof names[0], "%s", e->d_name);
  closedir(dp);
  for (int i = 0; i < n; i++)
    for (int j = i + 1; j < n; j++)
      if (strcmp(names[i], names[j]) > 0) {
        char t[256];
        memcpy(t, names[i], sizeof t);
        memcpy(names[i], names[j], sizeof t);
        memcpy(names[j], t, sizeof t);
      }
  out[0] = '\0';
  for (int i = 0; i < n; i++)
    snprintf(out + strlen(out), size - strlen(out), "%s%s", i ? " " : "",
             names[i]);
}

static void rm_tree(const char *d) {
  DIR *dp = opendir(d);
  if (!dp)
    return;
  struct dirent *e;
  while ((e = readdir(dp))) {
    if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
      continue;
    char p[1024];
    snprintf(p, sizeof p, "%s/%s", d, e->d_name);
    struct stat st;
    if (lstat(p, &st) == 0 && S_ISDIR(st.st_mode))
      rm_tree(p);
    else
      unlink(p);
  }
  closedir(dp);
  rmdir(d);
}

static int ft_setup(void **state) {
  loop_setup(state);
  assert_int_equal(msrp_notification_center_new(&nc), 0);
  snprintf(dir, sizeof dir, "%s/ft-XXXXXX",
           getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
  assert_non_null(mkdtemp(dir));
  char p[300];
  snprintf(p, sizeof p, "%s/alice", dir);
  assert_int_equal(mkdir(p, 0700), 0);
  snprintf(p, sizeof p, "%s/bob", dir);
  assert_int_equal(mkdir(p, 0700), 0);
  snprintf(src, sizeof src, "%s/alice/My cool picture.jpg", dir);
  return 0;
}

static int ft_teardown(void **state) {
  drop(&alice);
  drop(&bob);
  free(alice.sdp);
  free(bob.sdp);
  alice.sdp = bob.sdp = NULL;
  msrp_notification_center_free(nc);
  int rc = loop_teardown(state);
  rm_tree(dir);
  return rc;
}

/* Alice pushes `src` (size bytes) to Bob, who receives into DIR/bob. */
static void push(int tls, uint64_t size) {
  write_file(src, size);
  offer(tls, src, NULL, 0);
  assert_int_equal(msrp_file_transfer_initialize(alice.ft), 0);
  until(&alice.initialized, 1);
  assert_int_equal(answer(tls, alice.sdp, NULL, 0), 0);
  assert_int_equal(msrp_file_transfer_initialize(bob.ft), 0);
  until(&bob.initialized, 1);
  assert_int_equal(msrp_file_transfer_start(bob.ft, alice.sdp), 0);
  assert_int_equal(msrp_file_transfer_start(alice.ft, bob.sdp), 0);
}

/* ---- push and pull ---------------------------------------------------------
 */

static void push_whole(int tls) {
  const uint64_t size = 3u * 1000 * 1000 + 17;
  push(tls, size);
  until(&bob.ended, 1);
  until(&alice.ended, 1);
  /* the offer, as RFC 5547 and deployed clients write it */
  assert_non_null(strstr(alice.sdp, "a=sendonly\r\n"));
  assert_non_null(strstr(alice.sdp,
                         "a=file-selector:name:\"My cool picture.jpg\" "
                         "type:application/octet-stream size:3000017 "
                         "hash:sha-1:"));
  assert_non_null(strstr(alice.sdp, "a=file-transfer-id:"));
  assert_non_null(strstr(bob.sdp, "a=recvonly\r\n"));
  assert_null(strstr(bob.sdp, "a=file-range"));
  char path[512];
  snprintf(path, sizeof path, "%s/bob/My cool picture.jpg", dir);
  assert_string_equal(bob.end_path, path);
  assert_int_equal(bob.end_size, size);
  assert_string_equal(alice.end_path, src);
  assert_same_file(src, path);
  char names[512];
  snprintf(path, sizeof path, "%s/bob", dir);
  listing(path, names, sizeof names);
  assert_string_equal(names, "My cool picture.jpg"); /* no .part left */
  assert_int_equal(alice.last_done, size);
  assert_int_equal(bob.last_done, size);
  assert_int_equal(msrp_file_transfer_moved(alice.ft), size);
  assert_int_equal(msrp_file_transfer_moved(bob.ft), size);
  assert_string_equal(alice.log, "HashProgress DidInitialize DidStart "
                                 "Progress DidEnd");
  assert_string_equal(bob.log, "DidInitialize DidStart Progress DidEnd");
  assert_int_equal(alice.failed + bob.failed, 0);
}

static void test_push_tcp(void **state) {
  (void)state;
  push_whole(0);
}

static void test_push_tls(void **state) {
  (void)state;
  push_whole(1);
}

/* Alice asks for a file Bob has, by name and hash (what she knows of it). */
static void test_pull(void **state) {
  (void)state;
  const uint64_t size = 1000 * 1000 + 3;
  char bobs[512];
  snprintf(bobs, sizeof bobs, "%s/bob/report.pdf", dir);
  write_file(bobs, size);
  /* the selector Alice asks with: the name, and the hash as Bob's offer of
   * the same file would say (computed by hashing it here) */
  msrp_file_selector want = MSRP_FILE_SELECTOR_INIT;
  char sel[200];
  {
    /* what a push of it would put in the SDP gives us the hash */
    offer(0, bobs, NULL, 0);
    assert_int_equal(msrp_file_transfer_initialize(alice.ft), 0);
    until(&alice.initialized, 1);
    const char *p = strstr(alice.sdp, "hash:sha-1:");
    assert_non_null(p);
    snprintf(sel, sizeof sel, "name:\"report.pdf\" %.70s", p);
    drop(&alice);
  }
  assert_int_equal(msrp_file_selector_parse(&want, sel, strlen(sel)), 0);
  offer(0, NULL, &want, 0);
  assert_int_equal(msrp_file_transfer_initialize(alice.ft), 0);
  until(&alice.initialized, 1);
  assert_non_null(strstr(alice.sdp, "a=recvonly\r\n"));
  assert_int_equal(answer(0, alice.sdp, bobs, 0), 0);
  assert_int_equal(msrp_file_transfer_initialize(bob.ft), 0);
  until(&bob.initialized, 1);
  assert_non_null(strstr(bob.sdp, "a=sendonly\r\n"));
  assert_non_null(strstr(bob.sdp, "size:1000003"));
  assert_int_equal(msrp_file_transfer_start(bob.ft, alice.sdp), 0);
  assert_int_equal(msrp_file_transfer_start(alice.ft, bob.sdp), 0);
  until(&alice.ended, 1);
  until(&bob.ended, 1);
  char got[512];
  snprintf(got, sizeof got, "%s/alice/report.pdf", dir);
  assert_string_equal(alice.end_path, got);
  assert_same_file(bobs, got);
  assert_int_equal(alice.failed + bob.failed, 0);
  msrp_file_selector_clear(&want);

  /* asked for a file Bob does not have (another hash): refused at
   * initialize, said with DidFail */
  sel[strlen(sel) - 1] = sel[strlen(sel) - 1] == 'A' ? 'B' : 'A';
  assert_int_equal(msrp_file_selector_parse(&want, sel, strlen(sel)), 0);
  offer(0, NULL, &want, 0);
  assert_int_equal(msrp_file_transfer_initialize(alice.ft), 0);
  until(&alice.initialized, 1);
  assert_int_equal(answer(0, alice.sdp, bobs, 0), 0);
  assert_int_equal(msrp_file_transfer_initialize(bob.ft), 0);
  until(&bob.failed, 1);
  assert_string_equal(bob.fail_context, "initialize");
  assert_int_equal(bob.fail_error, MSRP_ERR_NOT_FOUND);
  msrp_file_selector_clear(&want);
}

/* ---- resume ----------------------------------------------------------------
 */

/* Bob stops after a third; the .part stays. A second transfer with resume
 * asks for the rest (a=file-range), Alice reads and sends only that, and
 * the file is whole, its hash checked over all of it. */
static void test_resume(void **state) {
  (void)state;
  /* larger than what loopback buffers hold, so that the end comes first */
  const uint64_t size = 24u * 1000 * 1000;
  write_file(src, size);
  offer(0, src, NULL, 0);
  assert_int_equal(msrp_file_transfer_initialize(alice.ft), 0);
  until(&alice.initialized, 1);
  assert_int_equal(answer(0, alice.sdp, NULL, 1), 0);
  bob.end_after = size / 3;
  assert_int_equal(msrp_file_transfer_initialize(bob.ft), 0);
  until(&bob.initialized, 1);
  assert_int_equal(msrp_file_transfer_start(bob.ft, alice.sdp), 0);
  assert_int_equal(msrp_file_transfer_start(alice.ft, bob.sdp), 0);
  until(&bob.ended, 1);
  until(&alice.failed, 1); /* the receiver went away */
  char part[512];
  snprintf(part, sizeof part, "%s/bob/My cool picture.jpg.part", dir);
  assert_true(exists(part));
  uint64_t had = bob.last_done;
  assert_true(had >= size / 3 && had < size);
  drop(&alice);
  drop(&bob);

  offer(0, src, NULL, 0);
  assert_int_equal(msrp_file_transfer_initialize(alice.ft), 0);
  until(&alice.initialized, 1);
  assert_int_equal(answer(0, alice.sdp, NULL, 1), 0);
  assert_int_equal(msrp_file_transfer_initialize(bob.ft), 0);
  until(&bob.initialized, 1);
  char range[64];
  snprintf(range, sizeof range, "a=file-range:%llu-*\r\n",
           (unsigned long long)msrp_file_transfer_offset(bob.ft) + 1);
  assert_non_null(strstr(bob.sdp, range));
  assert_true(msrp_file_transfer_offset(bob.ft) >= had - 16384);
  assert_int_equal(msrp_file_transfer_start(bob.ft, alice.sdp), 0);
  assert_int_equal(msrp_file_transfer_start(alice.ft, bob.sdp), 0);
  until(&bob.ended, 1);
  until(&alice.ended, 1);
  assert_int_equal(bob.failed + alice.failed, 0);
  uint64_t rest = size - msrp_file_transfer_offset(bob.ft);
  assert_int_equal(msrp_file_transfer_offset(alice.ft),
                   msrp_file_transfer_offset(bob.ft));
  assert_true(msrp_file_transfer_moved(alice.ft) <= rest + 16384);
  char path[512];
  snprintf(path, sizeof path, "%s/bob/My cool picture.jpg", dir);
  assert_same_file(src, path);
  assert_false(exists(part));
}

/* ---- hostile ---------------------------------------------------------------
 */

/* Replace the first `from` in Alice's offer by `to` (a hostile offerer). */
static char *tamper(const char *sdp, const char *from, const char *to) {
  const char *at = strstr(sdp, from);
  assert_non_null(at);
  size_t n = strlen(sdp) - strlen(from) + strlen(to) + 1;
  char *out = malloc(n);
  snprintf(out, n, "%.*s%s%s", (int)(at - sdp), sdp, to, at + strlen(from));
  return out;
}

/* Push with the offer Bob sees tampered; run until both have ended. */
static void push_tampered(uint64_t size, const char *from, const char *to) {
  write_file(src, size);
  offer(0, src, NULL, 0);
  assert_int_equal(msrp_file_transfer_initialize(alice.ft), 0);
  until(&alice.initialized, 1);
  char *evil = tamper(alice.sdp, from, to);
  assert_int_equal(answer(0, evil, NULL, 0), 0);
  assert_int_equal(msrp_file_transfer_initialize(bob.ft), 0);
  until(&bob.initialized, 1);
  assert_int_equal(msrp_file_transfer_start(bob.ft, evil), 0);
  assert_int_equal(msrp_file_transfer_start(alice.ft, bob.sdp), 0);
  free(evil);
  until(&bob.ended, 1);
  until(&alice.ended, 1);
}

static void test_names_stay_in_directory(void **state) {
  (void)state;
  static const struct {
    const char *name, *lands;
  } cases[] = {{"../../x", "x"},
               {"/etc/passwd", "passwd"},
               {"a%00b%2F..%2Fc", "c"},
               {"..", "file"},
               {"nl%0Ain%0Dname", "nl_in_name"}};
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    char to[128];
    snprintf(to, sizeof to, "name:\"%s\"", cases[i].name);
    push_tampered(1000, "name:\"My cool picture.jpg\"", to);
    char path[512], names[512];
    snprintf(path, sizeof path, "%s/bob/%s", dir, cases[i].lands);
    assert_string_equal(bob.end_path, path);
    assert_same_file(src, path);
    snprintf(path, sizeof path, "%s/bob", dir);
    listing(path, names, sizeof names);
    assert_string_equal(names, cases[i].lands);
    unlink(bob.end_path);
    listing(dir, names, sizeof names);
    assert_string_equal(names, "alice bob"); /* nothing beside */
    drop(&alice);
    drop(&bob);
  }
}

/* A file with the name exists: the new one gets "NAME (1).ext", and the
 * old one is untouched. */
static void test_existing_file_kept(void **state) {
  (void)state;
  char old[512];
  snprintf(old, sizeof old, "%s/bob/My cool picture.jpg", dir);
  FILE *f = fopen(old, "w");
  fputs("mine", f);
  fclose(f);
  push(0, 5000);
  until(&bob.ended, 1);
  char path[512];
  snprintf(path, sizeof path, "%s/bob/My cool picture (1).jpg", dir);
  assert_string_equal(bob.end_path, path);
  assert_same_file(src, path);
  struct stat st;
  assert_int_equal(stat(old, &st), 0);
  assert_int_equal(st.st_size, 4);
}

/* The offer's hash is not the file's: Bob fails the transfer and keeps
 * nothing, neither under the name nor as .part. */
static void test_hash_mismatch(void **state) {
  (void)state;
  push_tampered(200000, "hash:sha-1:",
                "hash:sha-1:00:11:22:33:44:55:66:77:"
                "88:99:AA:BB:CC:DD:EE:FF:00:11:22:33 x:");
  assert_int_equal(bob.failed, 1);
  assert_string_equal(bob.fail_context, "hash");
  assert_int_equal(bob.fail_error, MSRP_ERR_FILE_HASH);
  assert_string_equal(bob.end_path, "");
  char path[512], names[512];
  snprintf(path, sizeof path, "%s/bob", dir);
  listing(path, names, sizeof names);
  assert_string_equal(names, "");
}

/* The offer says fewer bytes than come: refused (413), the transfer fails
 * with MSRP_ERR_FILE_SIZE on both sides' terms. */
static void test_size_lies(void **state) {
  (void)state;
  push_tampered(300000, "size:300000", "size:100000");
  assert_int_equal(bob.failed, 1);
  assert_int_equal(bob.fail_error, MSRP_ERR_FILE_SIZE);
  assert_int_equal(alice.failed, 1);
  char path[512];
  snprintf(path, sizeof path, "%s/bob/My cool picture.jpg", dir);
  assert_false(exists(path));
}

/* The disk is full (RLIMIT_FSIZE, with SIGXFSZ ignored as a daemon
 * would): the write error fails the transfer with its reason, the peer is
 * refused, nothing is kept under the name. */
static void test_disk_full(void **state) {
  (void)state;
  const uint64_t size = 2u * 1000 * 1000;
  write_file(src, size); /* written before the limit */
  struct rlimit old, lim;
  getrlimit(RLIMIT_FSIZE, &old);
  lim = old;
  lim.rlim_cur = 500000;
  void (*prev)(int) = signal(SIGXFSZ, SIG_IGN);
  assert_int_equal(setrlimit(RLIMIT_FSIZE, &lim), 0);
  offer(0, src, NULL, 0);
  assert_int_equal(msrp_file_transfer_initialize(alice.ft), 0);
  until(&alice.initialized, 1);
  assert_int_equal(answer(0, alice.sdp, NULL, 0), 0);
  assert_int_equal(msrp_file_transfer_initialize(bob.ft), 0);
  until(&bob.initialized, 1);
  assert_int_equal(msrp_file_transfer_start(bob.ft, alice.sdp), 0);
  assert_int_equal(msrp_file_transfer_start(alice.ft, bob.sdp), 0);
  until(&bob.ended, 1);
  until(&alice.ended, 1);
  setrlimit(RLIMIT_FSIZE, &old);
  signal(SIGXFSZ, prev);
  assert_int_equal(bob.fail_error, MSRP_ERR_FILE_IO);
  assert_non_null(strstr(bob.fail_reason, "File too large"));
  assert_int_equal(alice.failed, 1);
  char path[512];
  snprintf(path, sizeof path, "%s/bob/My cool picture.jpg", dir);
  assert_false(exists(path));
}

/* The file shrinks after its offer (its size and hash are in the SDP):
 * the read ahead of the session comes back short, the sender aborts the
 * message with '#' and fails saying so, the receiver fails, and nothing
 * is kept under the name. */
static void test_file_shrinks(void **state) {
  (void)state;
  const uint64_t size = 3u * 1000 * 1000;
  write_file(src, size);
  offer(0, src, NULL, 0);
  assert_int_equal(msrp_file_transfer_initialize(alice.ft), 0);
  until(&alice.initialized, 1);
  assert_int_equal(truncate(src, 1000 * 1000 + 123), 0);
  assert_int_equal(answer(0, alice.sdp, NULL, 0), 0);
  assert_int_equal(msrp_file_transfer_initialize(bob.ft), 0);
  until(&bob.initialized, 1);
  assert_int_equal(msrp_file_transfer_start(bob.ft, alice.sdp), 0);
  assert_int_equal(msrp_file_transfer_start(alice.ft, bob.sdp), 0);
  until(&alice.ended, 1);
  until(&bob.ended, 1);
  assert_int_equal(alice.failed, 1);
  assert_int_equal(alice.fail_error, MSRP_ERR_FILE_IO);
  assert_non_null(strstr(alice.fail_reason, "shorter than announced"));
  assert_int_equal(bob.failed, 1);
  assert_true(bob.last_done <= 1000 * 1000 + 123);
  char path[512];
  snprintf(path, sizeof path, "%s/bob/My cool picture.jpg", dir);
  assert_false(exists(path));
}

/* The sender goes away in the middle: the receiver fails with
 * MSRP_ERR_FILE_INCOMPLETE and keeps the .part for a resume. */
static void test_peer_gone(void **state) {
  (void)state;
  const uint64_t size = 24u * 1000 * 1000;
  push(0, size);
  /* stop Alice once Bob has a part of it */
  bob.end_after = 0;
  until(&bob.progress, 2);
  drop(&alice);
  until(&bob.failed, 1);
  assert_int_equal(bob.fail_error, MSRP_ERR_FILE_INCOMPLETE);
  assert_string_equal(bob.fail_context, "transfer");
  until(&bob.ended, 1);
  char part[512];
  snprintf(part, sizeof part, "%s/bob/My cool picture.jpg.part", dir);
  assert_true(exists(part));
  strcat(part, ".meta");
  assert_true(exists(part));
}

/* An offer that is no file transfer, or a pull without a file to give. */
static void test_bad_offers(void **state) {
  (void)state;
  static const char chat_offer[] =
      "m=message 7654 TCP/MSRP *\r\nc=IN IP4 127.0.0.1\r\n"
      "a=path:msrp://127.0.0.1:7654/jshA7we;tcp\r\n"
      "a=accept-types:text/plain\r\n";
  assert_int_equal(answer(0, chat_offer, NULL, 0), MSRP_ERR_NOT_SUPPORTED);
  static const char bad_selector[] =
      "m=message 7654 TCP/MSRP *\r\nc=IN IP4 127.0.0.1\r\n"
      "a=path:msrp://127.0.0.1:7654/jshA7we;tcp\r\n"
      "a=accept-types:*\r\na=sendonly\r\na=file-selector:name:\"x\r\n";
  assert_int_equal(answer(0, bad_selector, NULL, 0), MSRP_ERR_SDP_SYNTAX);
  static const char pull[] =
      "m=message 7654 TCP/MSRP *\r\nc=IN IP4 127.0.0.1\r\n"
      "a=path:msrp://127.0.0.1:7654/jshA7we;tcp\r\n"
      "a=accept-types:*\r\na=recvonly\r\na=file-selector:name:\"x\"\r\n";
  assert_int_equal(answer(0, pull, NULL, 0), MSRP_ERR_INVALID_ARGUMENT);
}

int main(void) {
  signal(SIGPIPE, SIG_IGN);
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup_teardown(test_push_tcp, ft_setup, ft_teardown),
      cmocka_unit_test_setup_teardown(test_push_tls, ft_setup, ft_teardown),
      cmocka_unit_test_setup_teardown(test_pull, ft_setup, ft_teardown),
      cmocka_unit_test_setup_teardown(test_resume, ft_setup, ft_teardown),
      cmocka_unit_test_setup_teardown(test_names_stay_in_directory, ft_setup,
                                      ft_teardown),
      cmocka_unit_test_setup_teardown(test_existing_file_kept, ft_setup,
                                      ft_teardown),
      cmocka_unit_test_setup_teardown(test_hash_mismatch, ft_setup,
                                      ft_teardown),
      cmocka_unit_test_setup_teardown(test_size_lies, ft_setup, ft_teardown),
      cmocka_unit_test_setup_teardown(test_disk_full, ft_setup, ft_teardown),
      cmocka_unit_test_setup_teardown(test_file_shrinks, ft_setup, ft_teardown),
      cmocka_unit_test_setup_teardown(test_peer_gone, ft_setup, ft_teardown),
      cmocka_unit_test_setup_teardown(test_bad_offers, ft_setup, ft_teardown),
  };
  apply_test_filter();
  return cmocka_run_group_tests(tests, NULL, NULL);
}
