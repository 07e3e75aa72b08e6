/* SPDX-License-Identifier: MIT
 * Copyright (c) 2026 The libmsrp authors */
/* msrp-relay: the library's MSRP relay (msrp_relay_server) as a daemon.
 *
 *   msrp-relay [--config FILE] [--listen URI]... [--tls-cert F --tls-key F]
 *              [--tls-ca F] [--users FILE] [--realm R] [--host H]
 *              [--uris-file F] [--trace] [--check-config]
 *   msrp-relay passwd FILE USER REALM [PASSWORD]
 *
 * SIGHUP reads the users file again; SIGTERM (or SIGINT) stops accepting
 * and exits once no session is reserved; a second one exits at once. */
#include <msrp/auth.h>
#include <msrp/relay_server.h>

#include <errno.h>
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define MAX_LISTEN 16

typedef struct options {
  const char *listen[MAX_LISTEN];
  size_t nlisten;
  msrp_tls_config tls;
  msrp_relay_server_config rc;
  const char *uris_file;
  bool trace, check;
  char *owned[64]; /* strings read from the config file */
  size_t nowned;
} options;

static void usage(FILE *f) {
  fprintf(f,
          "usage: msrp-relay [options]\n"
          "       msrp-relay passwd FILE USER REALM [PASSWORD]\n"
          "  --config FILE        an INI file ([relay] key = value; see the "
          "example)\n"
          "  --listen URI         msrp://ADDR:PORT;tcp or msrps://...; more "
          "than once\n"
          "  --tls-cert FILE      certificate for msrps listeners\n"
          "  --tls-key FILE       its key\n"
          "  --tls-ca FILE        CAs to check relays we connect to\n"
          "  --users FILE         credentials, user:realm:HA1 per line\n"
          "  --db CONNINFO        ... and in PostgreSQL (Kamailio's subscriber "
          "table)\n"
          "  --realm REALM        the Digest realm (default: the host)\n"
          "  --host NAME          the host in the Use-Path URIs handed out\n"
          "  --uris-file FILE     write the listening URIs there once up\n"
          "  --trace              log every connection event\n"
          "  --check-config       check the configuration and exit\n");
}

static char *keep(options *o, const char *s) {
  if (o->nowned == sizeof o->owned / sizeof o->owned[0])
    return NULL;
  return o->owned[o->nowned++] = strdup(s);
}

static char *trim(char *s) {
  while (*s == ' ' || *s == '\t')
    s++;
  char *e = s + strlen(s);
  while (e > s &&
         (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\r' || e[-1] == '\n'))
    *--e = '\0';
  return s;
}

static bool number(const char *v, uint64_t *out) {
  char *end;
  errno = 0;
  unsigned long long n = strtoull(v, &end, 10);
  if (errno || end == v || *end)
    return false;
  *out = n;
  return true;
}

/* One `key = value`; false for an unknown key or a bad value. */
static bool setting(options *o, const char *k, const char *v) {
  uint64_t n = 0;
  bool num = number(v, &n);
  msrp_relay_server_config *c = &o->rc;
  if (!strcmp(k, "listen")) {
    if (o->nlisten == MAX_LISTEN || !(o->listen[o->nlisten] = keep(o, v)))
      return false;
    o->nlisten++;
  } else if (!strcmp(k, "tls_cert")) {
    o->tls.cert_file = keep(o, v);
  } else if (!strcmp(k, "tls_key")) {
    o->tls.key_file = keep(o, v);
  } else if (!strcmp(k, "tls_ca")) {
    o->tls.ca_file = keep(o, v);
  } else if (!strcmp(k, "users")) {
    c->users_file = keep(o, v);
  } else if (!strcmp(k, "db")) {
    c->db_conninfo = keep(o, v);
  } else if (!strcmp(k, "db_query")) {
    c->db_query = keep(o, v);
  } else if (!strcmp(k, "realm")) {
    c->realm = keep(o, v);
  } else if (!strcmp(k, "host")) {
    c->host = keep(o, v);
  } else if (!strcmp(k, "expires_default") && num) {
    c->expires_default = (uint32_t)n;
  } else if (!strcmp(k, "expires_min") && num) {
    c->expires_min = (uint32_t)n;
  } else if (!strcmp(k, "expires_max") && num) {
    c->expires_max = (uint32_t)n;
  } else if (!strcmp(k, "nonce_lifetime") && num) {
    c->nonce_lifetime_s = (uint32_t)n;
  } else if (!strcmp(k, "max_auth_failures") && num) {
    c->max_auth_failures = (unsigned)n;
  } else if (!strcmp(k, "unauth_timeout_ms") && num) {
    c->unauth_timeout_ms = n;
  } else if (!strcmp(k, "idle_timeout_ms") && num) {
    c->idle_timeout_ms = n;
  } else if (!strcmp(k, "max_connections") && num) {
    c->max_connections = (size_t)n;
  } else if (!strcmp(k, "max_per_address") && num) {
    c->max_per_address = (size_t)n;
  } else if (!strcmp(k, "max_queue_bytes") && num) {
    c->max_queue_bytes = (size_t)n;
  } else if (!strcmp(k, "response_timeout_ms") && num) {
    c->response_timeout_ms = n;
  } else {
    return false;
  }
  return true;
}

static bool read_config(options *o, const char *path) {
  FILE *f = fopen(path, "r");
  if (!f) {
    fprintf(stderr, "msrp-relay: %s: %s\n", path, strerror(errno));
    return false;
  }
  char line[1024];
  bool ok = true, in_relay = true;
  for (int no = 1; fgets(line, sizeof line, f); no++) {
    char *s = trim(line);
    if (!*s || *s == '#' || *s == ';')
      continue;
    if (*s == '[') {
      in_relay = !strcmp(s, "[relay]");
      continue;
    }
    if (!in_relay)
      continue;
    char *eq = strchr(s, '=');
    if (eq)
      *eq = '\0';
    if (!eq || !setting(o, trim(s), trim(eq + 1))) {
      fprintf(stderr, "msrp-relay: %s:%d: not a setting: %s\n", path, no, s);
      ok = false;
    }
  }
  fclose(f);
  return ok;
}

/* `msrp-relay passwd FILE USER REALM [PASSWORD]`: the user's line, new or
 * replacing the old one; the password from the argument or stdin. */
static int passwd(int argc, char **argv) {
  if (argc < 5 || argc > 6) {
    usage(stderr);
    return 2;
  }
  const char *file = argv[2], *user = argv[3], *realm = argv[4];
  char pw[256];
  if (argc == 6) {
    snprintf(pw, sizeof pw, "%s", argv[5]);
  } else if (!fgets(pw, sizeof pw, stdin)) {
    fprintf(stderr, "msrp-relay: no password on stdin\n");
    return 2;
  }
  pw[strcspn(pw, "\r\n")] = '\0';
  if (strchr(user, ':') || strchr(realm, ':')) {
    fprintf(stderr, "msrp-relay: a user or realm with ':'\n");
    return 2;
  }
  char ha1[33];
  if (msrp_digest_ha1(user, realm, pw, ha1)) {
    fprintf(stderr, "msrp-relay: MD5 is not available\n");
    return 1;
  }
  /* the other users' lines stay as they are */
  char tmp[4096];
  snprintf(tmp, sizeof tmp, "%s.new", file);
  FILE *out = fopen(tmp, "w");
  if (!out) {
    fprintf(stderr, "msrp-relay: %s: %s\n", tmp, strerror(errno));
    return 1;
  }
  FILE *in = fopen(file, "r");
  char line[1024], prefix[600];
  snprintf(prefix, sizeof prefix, "%s:%s:", user, realm);
  while (in && fgets(line, sizeof line, in))
    if (strncmp(line, prefix, strlen(prefix)))
      fputs(line, out);
  if (in)
    fclose(in);
  fprintf(out, "%s%s\n", prefix, ha1);
  if (fclose(out) || rename(tmp, file)) {
    fprintf(stderr, "msrp-relay: %s: %s\n", file, strerror(errno));
    return 1;
  }
  return 0;
}

static msrp_relay_server *relay;
static int stops;

static void drained(msrp_relay_server *r, void *ud) {
  (void)r;
  uv_stop(ud);
}

static void on_signal(uv_signal_t *h, int sig) {
  if (sig == SIGHUP) {
    msrp_relay_server_reload_users(relay);
    return;
  }
  if (stops++ == 0) {
    fprintf(stderr, "msrp-relay: draining (again to stop now)\n");
    msrp_relay_server_drain(relay, drained, h->loop);
  } else {
    uv_stop(h->loop);
  }
}

/* Everything but `passwd`; `o` keeps what the config file gave. */
static int run(options *o, int argc, char **argv) {
  enum {
    CONFIG = 256,
    LISTEN,
    CERT,
    KEY,
    CA,
    USERS,
    DB,
    REALM,
    HOST,
    URIS,
    TRACE,
    CHECK,
    HELP
  };
  static const struct option longs[] = {
      {"config", required_argument, 0, CONFIG},
      {"listen", required_argument, 0, LISTEN},
      {"tls-cert", required_argument, 0, CERT},
      {"tls-key", required_argument, 0, KEY},
      {"tls-ca", required_argument, 0, CA},
      {"users", required_argument, 0, USERS},
      {"db", required_argument, 0, DB},
      {"realm", required_argument, 0, REALM},
      {"host", required_argument, 0, HOST},
      {"uris-file", required_argument, 0, URIS},
      {"trace", no_argument, 0, TRACE},
      {"check-config", no_argument, 0, CHECK},
      {"help", no_argument, 0, HELP},
      {0, 0, 0, 0}};
  int opt;
  bool ok = true;
  while ((opt = getopt_long(argc, argv, "", longs, NULL)) != -1) {
    switch (opt) {
    case CONFIG:
      ok &= read_config(o, optarg);
      break;
    case LISTEN:
      ok &= setting(o, "listen", optarg);
      break;
    case CERT:
      o->tls.cert_file = optarg;
      break;
    case KEY:
      o->tls.key_file = optarg;
      break;
    case CA:
      o->tls.ca_file = optarg;
      break;
    case USERS:
      o->rc.users_file = optarg;
      break;
    case DB:
      o->rc.db_conninfo = optarg;
      break;
    case REALM:
      o->rc.realm = optarg;
      break;
    case HOST:
      o->rc.host = optarg;
      break;
    case URIS:
      o->uris_file = optarg;
      break;
    case TRACE:
      o->trace = true;
      break;
    case CHECK:
      o->check = true;
      break;
    case HELP:
      usage(stdout);
      return 0;
    default:
      usage(stderr);
      return 2;
    }
  }
  if (!ok || optind != argc)
    return 2;
  if (!o->nlisten)
    o->listen[o->nlisten++] = "msrp://0.0.0.0:2855;tcp";
  if (!o->rc.users_file && !o->rc.db_conninfo) {
    fprintf(stderr, "msrp-relay: no credentials (--users or --db)\n");
    return 2;
  }
  msrp_logger lg = o->trace ? msrp_logger_stderr(MSRP_LOG_DEBUG, 0)
                            : msrp_logger_stderr(MSRP_LOG_WARNING, 0);
  o->rc.listen = o->listen;
  o->rc.nlisten = o->nlisten;
  o->rc.tls = o->tls.cert_file || o->tls.ca_file ? &o->tls : NULL;
  o->rc.logger = &lg;
  uv_loop_t *loop = uv_default_loop();
  int rc = msrp_relay_server_new(&relay, loop, &o->rc);
  if (rc) {
    fprintf(stderr, "msrp-relay: %s\n", msrp_strerror(rc));
    return 1;
  }
  if (o->check) {
    printf("msrp-relay: the configuration is good\n");
    msrp_relay_server_free(relay);
    uv_run(loop, UV_RUN_DEFAULT);
    return 0;
  }
  /* written whole, then renamed: whoever waits for it reads all of it */
  char tmp[4096];
  snprintf(tmp, sizeof tmp, "%s.tmp", o->uris_file ? o->uris_file : "");
  FILE *uf = o->uris_file ? fopen(tmp, "w") : NULL;
  char uri[300];
  for (size_t i = 0; msrp_relay_server_uri(relay, i, uri, sizeof uri) > 0;
       i++) {
    fprintf(stderr, "msrp-relay: listening on %s\n", uri);
    if (uf)
      fprintf(uf, "%s\n", uri);
  }
  if (uf && (fclose(uf) || rename(tmp, o->uris_file)))
    fprintf(stderr, "msrp-relay: %s: %s\n", o->uris_file, strerror(errno));
  uv_signal_t hup, term, intr;
  uv_signal_init(loop, &hup);
  uv_signal_init(loop, &term);
  uv_signal_init(loop, &intr);
  uv_signal_start(&hup, on_signal, SIGHUP);
  uv_signal_start(&term, on_signal, SIGTERM);
  uv_signal_start(&intr, on_signal, SIGINT);
  uv_run(loop, UV_RUN_DEFAULT);
  msrp_relay_server_free(relay);
  uv_close((uv_handle_t *)&hup, NULL);
  uv_close((uv_handle_t *)&term, NULL);
  uv_close((uv_handle_t *)&intr, NULL);
  uv_run(loop, UV_RUN_DEFAULT);
  uv_loop_close(loop);
  return 0;
}

int main(int argc, char **argv) {
  if (argc > 1 && !strcmp(argv[1], "passwd"))
    return passwd(argc, argv);
  options o;
  memset(&o, 0, sizeof o);
  int rc = run(&o, argc, argv);
  /* the strings the config file gave, whatever the outcome */
  for (size_t i = 0; i < o.nowned; i++)
    free(o.owned[i]);
  return rc;
}
