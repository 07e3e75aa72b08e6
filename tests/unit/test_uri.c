/* SPDX-License-Identifier: MIT
 * Copyright (c) 2026 The libmsrp authors */
/* Unit tests for MSRP URIs and paths (src/core/uri.c). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <msrp/uri.h>

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

static int parse_str(msrp_uri *u, const char *s) {
  return msrp_uri_parse(u, s, strlen(s));
}

static int path_parse_str(msrp_path *p, const char *s, size_t max) {
  return msrp_path_parse(p, s, strlen(s), max);
}

/* NULL-safe string check: want NULL means the member must be NULL. */
static void check_str(const char *got, const char *want) {
  if (want == NULL)
    assert_null(got);
  else
    assert_string_equal(got, want);
}

typedef struct valid_case {
  const char *text;
  int use_tls;
  const char *scheme;
  const char *user;
  const char *host;
  msrp_host_type host_type;
  int port;
  const char *session_id;
  const char *transport;
  const char *params;
} valid_case;

static const valid_case valid_cases[] = {
    /* RFC 4975 section 7.1.1 and 7.3 examples */
    {"msrp://atlanta.example.com:7654/jshA7weztas;tcp", 0, "msrp", NULL,
     "atlanta.example.com", MSRP_HOST_NAME, 7654, "jshA7weztas", "tcp", NULL},
    {"msrp://biloxi.example.com:12763/kjhd37s2s20w2a;tcp", 0, "msrp", NULL,
     "biloxi.example.com", MSRP_HOST_NAME, 12763, "kjhd37s2s20w2a", "tcp",
     NULL},
    {"msrps://bob.example.com:8888/9di4eae923wzd;tcp", 1, "msrps", NULL,
     "bob.example.com", MSRP_HOST_NAME, 8888, "9di4eae923wzd", "tcp", NULL},
    {"msrp://alice.example.com:7394/2s93i93idz;tcp", 0, "msrp", NULL,
     "alice.example.com", MSRP_HOST_NAME, 7394, "2s93i93idz", "tcp", NULL},
    /* relays (RFC 4976) have no session-id */
    {"msrps://relay.example.com:2855;tcp", 1, "msrps", NULL,
     "relay.example.com", MSRP_HOST_NAME, 2855, NULL, "tcp", NULL},
    {"msrps://alice@intra.example.com;tcp", 1, "msrps", "alice",
     "intra.example.com", MSRP_HOST_NAME, 0, NULL, "tcp", NULL},
    {"msrp://[2001:db8::1]:2855/abc;tcp", 0, "msrp", NULL, "2001:db8::1",
     MSRP_HOST_IPV6, 2855, "abc", "tcp", NULL},
    {"msrp://[::1]/x;tcp", 0, "msrp", NULL, "::1", MSRP_HOST_IPV6, 0, "x",
     "tcp", NULL},
    {"msrps://bob@[2001:DB8::1];tcp;a=b", 1, "msrps", "bob", "2001:DB8::1",
     MSRP_HOST_IPV6, 0, NULL, "tcp", "a=b"},
    {"msrp://[::ffff:192.0.2.1]:1/s;tcp", 0, "msrp", NULL, "::ffff:192.0.2.1",
     MSRP_HOST_IPV6, 1, "s", "tcp", NULL},
    {"msrp://192.0.2.1:2855/abc;tcp", 0, "msrp", NULL, "192.0.2.1",
     MSRP_HOST_IPV4, 2855, "abc", "tcp", NULL},
    {"msrp://0.0.0.0;tcp", 0, "msrp", NULL, "0.0.0.0", MSRP_HOST_IPV4, 0, NULL,
     "tcp", NULL},
    {"msrp://255.255.255.255:65535/z;tcp", 0, "msrp", NULL, "255.255.255.255",
     MSRP_HOST_IPV4, 65535, "z", "tcp", NULL},
    /* not dec-octets, so reg-names by RFC 3986 */
    {"msrp://256.1.1.1;tcp", 0, "msrp", NULL, "256.1.1.1", MSRP_HOST_NAME, 0,
     NULL, "tcp", NULL},
    {"msrp://010.0.0.1;tcp", 0, "msrp", NULL, "010.0.0.1", MSRP_HOST_NAME, 0,
     NULL, "tcp", NULL},
    {"msrp://1.2.3;tcp", 0, "msrp", NULL, "1.2.3", MSRP_HOST_NAME, 0, NULL,
     "tcp", NULL},
    {"msrp://host.example.com/s1;tcp;foo=bar;baz", 0, "msrp", NULL,
     "host.example.com", MSRP_HOST_NAME, 0, "s1", "tcp", "foo=bar;baz"},
    {"MSRPS://Relay.Example.COM;TCP", 1, "MSRPS", NULL, "Relay.Example.COM",
     MSRP_HOST_NAME, 0, NULL, "TCP", NULL},
    {"Msrp://h;tcp", 0, "Msrp", NULL, "h", MSRP_HOST_NAME, 0, NULL, "tcp",
     NULL},
    {"msrps://a%20b:pw@host/a+b=c/d-._~9;ws", 1, "msrps", "a%20b:pw", "host",
     MSRP_HOST_NAME, 0, "a+b=c/d-._~9", "ws", NULL},
    {"msrp://a;b@h;tcp", 0, "msrp", "a;b", "h", MSRP_HOST_NAME, 0, NULL, "tcp",
     NULL},
    {"msrp://@h;tcp", 0, "msrp", "", "h", MSRP_HOST_NAME, 0, NULL, "tcp", NULL},
    {"msrp://ex%41mple.com;tcp", 0, "msrp", NULL, "ex%41mple.com",
     MSRP_HOST_NAME, 0, NULL, "tcp", NULL},
    {"msrp://a!$&'()*+,=b;tcp", 0, "msrp", NULL, "a!$&'()*+,=b", MSRP_HOST_NAME,
     0, NULL, "tcp", NULL},
    {"msrp://example.com;sctp", 0, "msrp", NULL, "example.com", MSRP_HOST_NAME,
     0, NULL, "sctp", NULL},
    {"msrp://h:1/s;tcp;x;y=z;-.!%*_+`'~=a", 0, "msrp", NULL, "h",
     MSRP_HOST_NAME, 1, "s", "tcp", "x;y=z;-.!%*_+`'~=a"},
};

static bool same_str(const char *got, const char *want) {
  return got == want || (got && want && strcmp(got, want) == 0);
}

static void check_case(const msrp_uri *u, const valid_case *c) {
  /* name the failing row; the asserts below name the member */
  if (u->use_tls != c->use_tls || !same_str(u->scheme, c->scheme) ||
      !same_str(u->user, c->user) || !same_str(u->host, c->host) ||
      u->host_type != c->host_type || u->port != c->port ||
      !same_str(u->session_id, c->session_id) ||
      !same_str(u->transport, c->transport) || !same_str(u->params, c->params))
    print_message("case: %s\n", c->text);
  assert_int_equal(u->use_tls, c->use_tls);
  check_str(u->scheme, c->scheme);
  check_str(u->user, c->user);
  check_str(u->host, c->host);
  assert_int_equal(u->host_type, c->host_type);
  assert_int_equal(u->port, c->port);
  check_str(u->session_id, c->session_id);
  check_str(u->transport, c->transport);
  check_str(u->params, c->params);
  assert_non_null(u->mem_);
}

static void test_parse_valid(void **state) {
  (void)state;
  for (size_t i = 0; i < sizeof valid_cases / sizeof valid_cases[0]; i++) {
    const valid_case *c = &valid_cases[i];
    msrp_uri u = MSRP_URI_INIT;
    int rc = parse_str(&u, c->text);
    if (rc != 0)
      print_message("case: %s\n", c->text);
    assert_int_equal(rc, 0);
    check_case(&u, c);
    msrp_uri_clear(&u);
  }
}

static void test_format_round_trip(void **state) {
  (void)state;
  for (size_t i = 0; i < sizeof valid_cases / sizeof valid_cases[0]; i++) {
    const valid_case *c = &valid_cases[i];
    msrp_uri u = MSRP_URI_INIT;
    char buf[256];
    int n = (int)strlen(c->text);
    assert_int_equal(parse_str(&u, c->text), 0);
    assert_int_equal(msrp_uri_format(&u, buf, sizeof buf), n);
    assert_string_equal(buf, c->text);
    /* sizing call, then an exact-size buffer */
    assert_int_equal(msrp_uri_format(&u, NULL, 0), n);
    char *exact = malloc((size_t)n + 1);
    assert_non_null(exact);
    assert_int_equal(msrp_uri_format(&u, exact, (size_t)n + 1), n);
    assert_string_equal(exact, c->text);
    free(exact);
    msrp_uri_clear(&u);
  }
}

/* The parser must not read past `len` or need a NUL. */
static void test_parse_not_nul_terminated(void **state) {
  (void)state;
  static const char text[] = "msrp://h.example.com:99/abc;tcp GARBAGE";
  size_t len = strlen("msrp://h.example.com:99/abc;tcp");
  char *copy = malloc(len); /* exactly len bytes: ASan catches overreads */
  assert_non_null(copy);
  memcpy(copy, text, len);
  msrp_uri u = MSRP_URI_INIT;
  assert_int_equal(msrp_uri_parse(&u, copy, len), 0);
  assert_string_equal(u.host, "h.example.com");
  assert_int_equal(u.port, 99);
  assert_string_equal(u.session_id, "abc");
  assert_string_equal(u.transport, "tcp");
  assert_null(u.params);
  msrp_uri_clear(&u);
  free(copy);
}

static void test_port_leading_zeros(void **state) {
  (void)state;
  msrp_uri u = MSRP_URI_INIT;
  char buf[64];
  assert_int_equal(parse_str(&u, "msrp://h:02855/s;tcp"), 0);
  assert_int_equal(u.port, 2855);
  assert_int_equal(msrp_uri_format(&u, buf, sizeof buf), 19);
  assert_string_equal(buf, "msrp://h:2855/s;tcp");
  msrp_uri_clear(&u);
  assert_int_equal(parse_str(&u, "msrp://h:000000000000000000001;tcp"), 0);
  assert_int_equal(u.port, 1);
  msrp_uri_clear(&u);
}

/* Every failing parse must leave *out exactly as it was. */
static void expect_error(const char *text, int want) {
  msrp_uri u, before;
  memset(&u, 0xA5, sizeof u);
  memcpy(&before, &u, sizeof u);
  int rc = parse_str(&u, text);
  if (rc != want)
    print_message("case: %s\n", text);
  assert_int_equal(rc, want);
  assert_memory_equal(&u, &before, sizeof u);
}

static void test_error_scheme(void **state) {
  (void)state;
  expect_error("sip://h;tcp", MSRP_ERR_URI_SCHEME);
  expect_error("http://h/s;tcp", MSRP_ERR_URI_SCHEME);
  expect_error("msrpx://h;tcp", MSRP_ERR_URI_SCHEME);
  expect_error("msr://h;tcp", MSRP_ERR_URI_SCHEME);
  expect_error("sip:alice@example.com", MSRP_ERR_URI_SCHEME);
}

static void test_error_syntax(void **state) {
  (void)state;
  expect_error("", MSRP_ERR_URI_SYNTAX);
  expect_error("msrp", MSRP_ERR_URI_SYNTAX);
  expect_error("msrp:h;tcp", MSRP_ERR_URI_SYNTAX);
  expect_error("msrp:/h;tcp", MSRP_ERR_URI_SYNTAX);
  expect_error("msrp:", MSRP_ERR_URI_SYNTAX);
  expect_error("://h;tcp", MSRP_ERR_URI_SYNTAX);
  expect_error("1msrp://h;tcp", MSRP_ERR_URI_SYNTAX);
  expect_error("msrp://h;tcp ", MSRP_ERR_URI_SYNTAX);
  expect_error(" msrp://h;tcp", MSRP_ERR_URI_SYNTAX);
  expect_error("msrp://h s;tcp", MSRP_ERR_URI_SYNTAX);
  expect_error("msrp://h;\ttcp", MSRP_ERR_URI_SYNTAX);
  expect_error("msrp://h;tcp\r\n", MSRP_ERR_URI_SYNTAX);
  expect_error("msrp://h/\x7f;tcp", MSRP_ERR_URI_SYNTAX);
  expect_error("msrp://h\xc3\xa9;tcp", MSRP_ERR_URI_SYNTAX);
  expect_error("msrp://[::1]x;tcp", MSRP_ERR_URI_SYNTAX);
  /* an embedded NUL inside len */
  msrp_uri u = MSRP_URI_INIT;
  assert_int_equal(msrp_uri_parse(&u, "msrp://h\0;tcp", 13),
                   MSRP_ERR_URI_SYNTAX);
  assert_int_equal(msrp_uri_parse(&u, NULL, 0), MSRP_ERR_URI_SYNTAX);
  assert_null(u.mem_);
}

static void test_error_userinfo(void **state) {
  (void)state;
  expect_error("msrp://a%zz@h;tcp", MSRP_ERR_URI_USERINFO);
  expect_error("msrp://a%2@h;tcp", MSRP_ERR_URI_USERINFO);
  expect_error("msrp://a%@h;tcp", MSRP_ERR_URI_USERINFO);
  expect_error("msrp://a\"b@h;tcp", MSRP_ERR_URI_USERINFO);
  expect_error("msrp://a[b@h;tcp", MSRP_ERR_URI_USERINFO);
  expect_error("msrp://a@b@h;tcp", MSRP_ERR_URI_USERINFO);
}

static void test_error_host(void **state) {
  (void)state;
  expect_error("msrp://;tcp", MSRP_ERR_URI_HOST);
  expect_error("msrp://", MSRP_ERR_URI_HOST);
  expect_error("msrp://@;tcp", MSRP_ERR_URI_HOST);
  expect_error("msrp://:2855;tcp", MSRP_ERR_URI_HOST);
  expect_error("msrp:///s;tcp", MSRP_ERR_URI_HOST);
  expect_error("msrp://u@/s;tcp", MSRP_ERR_URI_HOST);
  expect_error("msrp://h%g0;tcp", MSRP_ERR_URI_HOST);
  expect_error("msrp://h%4;tcp", MSRP_ERR_URI_HOST);
  expect_error("msrp://a\"b;tcp", MSRP_ERR_URI_HOST);
  expect_error("msrp://a]b;tcp", MSRP_ERR_URI_HOST);
  expect_error("msrp://a<b>;tcp", MSRP_ERR_URI_HOST);
}

static void test_error_ipv6(void **state) {
  (void)state;
  expect_error("msrp://[2001:db8::1;tcp", MSRP_ERR_URI_IPV6);
  expect_error("msrp://[2001:db8::1/s;tcp", MSRP_ERR_URI_IPV6);
  expect_error("msrp://[2001:db8::1", MSRP_ERR_URI_IPV6);
  expect_error("msrp://[2001:db8::g]:1;tcp", MSRP_ERR_URI_IPV6);
  expect_error("msrp://[];tcp", MSRP_ERR_URI_IPV6);
  expect_error("msrp://[v1.fe80::a]/s;tcp", MSRP_ERR_URI_IPV6);
  expect_error("msrp://[192.0.2.1];tcp", MSRP_ERR_URI_IPV6);
  expect_error("msrp://[1:2:3:4:5:6:7:8:9];tcp", MSRP_ERR_URI_IPV6);
  expect_error("msrp://[fe80::1%25eth0];tcp", MSRP_ERR_URI_IPV6);
}

static void test_error_port(void **state) {
  (void)state;
  expect_error("msrp://h:;tcp", MSRP_ERR_URI_PORT);
  expect_error("msrp://h:/s;tcp", MSRP_ERR_URI_PORT);
  expect_error("msrp://h:0;tcp", MSRP_ERR_URI_PORT);
  expect_error("msrp://h:00;tcp", MSRP_ERR_URI_PORT);
  expect_error("msrp://h:65536;tcp", MSRP_ERR_URI_PORT);
  expect_error("msrp://h:99999999999999999999999;tcp", MSRP_ERR_URI_PORT);
  expect_error("msrp://h:12a;tcp", MSRP_ERR_URI_PORT);
  expect_error("msrp://h:-1;tcp", MSRP_ERR_URI_PORT);
  expect_error("msrp://h:1:2;tcp", MSRP_ERR_URI_PORT);
  expect_error("msrp://[::1]:;tcp", MSRP_ERR_URI_PORT);
  expect_error("msrp://h:", MSRP_ERR_URI_PORT);
}

static void test_error_session_id(void **state) {
  (void)state;
  expect_error("msrp://h/;tcp", MSRP_ERR_URI_SESSION_ID);
  expect_error("msrp://h:1/;tcp", MSRP_ERR_URI_SESSION_ID);
  expect_error("msrp://h/a%20b;tcp", MSRP_ERR_URI_SESSION_ID);
  expect_error("msrp://h/a@b;tcp", MSRP_ERR_URI_SESSION_ID);
  expect_error("msrp://h/a,b;tcp", MSRP_ERR_URI_SESSION_ID);
  expect_error("msrp://h/a:b;tcp", MSRP_ERR_URI_SESSION_ID);
  expect_error("msrp://h/a?b;tcp", MSRP_ERR_URI_SESSION_ID);
}

static void test_error_transport(void **state) {
  (void)state;
  expect_error("msrp://h", MSRP_ERR_URI_TRANSPORT);
  expect_error("msrp://h/abc", MSRP_ERR_URI_TRANSPORT);
  expect_error("msrp://h:80", MSRP_ERR_URI_TRANSPORT);
  expect_error("msrp://[::1]", MSRP_ERR_URI_TRANSPORT);
  expect_error("msrp://h;", MSRP_ERR_URI_TRANSPORT);
  expect_error("msrp://h;;tcp", MSRP_ERR_URI_TRANSPORT);
  expect_error("msrp://h;t-p", MSRP_ERR_URI_TRANSPORT);
  expect_error("msrp://h;tcp=1", MSRP_ERR_URI_TRANSPORT);
}

static void test_error_param(void **state) {
  (void)state;
  expect_error("msrp://h;tcp;", MSRP_ERR_URI_PARAM);
  expect_error("msrp://h;tcp;;a", MSRP_ERR_URI_PARAM);
  expect_error("msrp://h;tcp;a;", MSRP_ERR_URI_PARAM);
  expect_error("msrp://h;tcp;=b", MSRP_ERR_URI_PARAM);
  expect_error("msrp://h;tcp;a=", MSRP_ERR_URI_PARAM);
  expect_error("msrp://h;tcp;a=b=c", MSRP_ERR_URI_PARAM);
  expect_error("msrp://h;tcp;a:b", MSRP_ERR_URI_PARAM);
  expect_error("msrp://h;tcp;a/b", MSRP_ERR_URI_PARAM);
}

static void test_error_invalid_argument(void **state) {
  (void)state;
  msrp_uri u = MSRP_URI_INIT;
  assert_int_equal(msrp_uri_parse(NULL, "msrp://h;tcp", 12),
                   MSRP_ERR_INVALID_ARGUMENT);
  assert_int_equal(msrp_uri_parse(&u, NULL, 12), MSRP_ERR_INVALID_ARGUMENT);
  assert_null(u.mem_);
}

static int eq(const char *a, const char *b) {
  msrp_uri x = MSRP_URI_INIT, y = MSRP_URI_INIT;
  assert_int_equal(parse_str(&x, a), 0);
  assert_int_equal(parse_str(&y, b), 0);
  int r = msrp_uri_equal(&x, &y);
  /* equality is symmetric */
  assert_int_equal(msrp_uri_equal(&y, &x), r);
  msrp_uri_clear(&x);
  msrp_uri_clear(&y);
  return r;
}

static void test_equal(void **state) {
  (void)state;
  const char *base = "msrp://atlanta.example.com:7654/jshA7weztas;tcp";
  assert_int_equal(eq(base, base), 1);
  /* scheme case-insensitive, but msrp is not msrps */
  assert_int_equal(eq(base, "MSRP://atlanta.example.com:7654/jshA7weztas;tcp"),
                   1);
  assert_int_equal(eq(base, "msrps://atlanta.example.com:7654/jshA7weztas;tcp"),
                   0);
  /* host case-insensitive */
  assert_int_equal(eq(base, "msrp://ATLANTA.Example.COM:7654/jshA7weztas;tcp"),
                   1);
  assert_int_equal(eq(base, "msrp://atlanta.example.org:7654/jshA7weztas;tcp"),
                   0);
  /* escaped unreserved characters decoded before comparing */
  assert_int_equal(
      eq(base, "msrp://%61tlanta.ex%41mple.com:7654/jshA7weztas;tcp"), 1);
  assert_int_equal(eq("msrp://a%2Db;tcp", "msrp://a-b;tcp"), 1);
  /* an escaped reserved character is not the literal one */
  assert_int_equal(eq("msrp://a%21b;tcp", "msrp://a!b;tcp"), 0);
  assert_int_equal(eq("msrp://a%21b;tcp", "msrp://a%21B;tcp"), 1);
  assert_int_equal(eq("msrp://a%2ab;tcp", "msrp://a%2Ab;tcp"), 1);
  /* userinfo not considered */
  assert_int_equal(
      eq(base, "msrp://alice@atlanta.example.com:7654/jshA7weztas;tcp"), 1);
  assert_int_equal(eq("msrp://bob@h/s;tcp", "msrp://carol@h/s;tcp"), 1);
  /* port present in one only, or different */
  assert_int_equal(eq(base, "msrp://atlanta.example.com/jshA7weztas;tcp"), 0);
  assert_int_equal(eq("msrp://h:2855/s;tcp", "msrp://h/s;tcp"), 0);
  assert_int_equal(eq(base, "msrp://atlanta.example.com:7655/jshA7weztas;tcp"),
                   0);
  assert_int_equal(eq(base, "msrp://atlanta.example.com:07654/jshA7weztas;tcp"),
                   1);
  /* session-id case-sensitive, present in both or absent in both */
  assert_int_equal(eq(base, "msrp://atlanta.example.com:7654/JSHA7WEZTAS;tcp"),
                   0);
  assert_int_equal(eq(base, "msrp://atlanta.example.com:7654;tcp"), 0);
  assert_int_equal(eq("msrp://h:1;tcp", "msrp://h:1;tcp"), 1);
  /* transport case-insensitive and must match */
  assert_int_equal(eq(base, "msrp://atlanta.example.com:7654/jshA7weztas;TCP"),
                   1);
  assert_int_equal(eq(base, "msrp://atlanta.example.com:7654/jshA7weztas;sctp"),
                   0);
  /* other parameters ignored */
  assert_int_equal(
      eq(base, "msrp://atlanta.example.com:7654/jshA7weztas;tcp;foo=bar"), 1);
  /* IPv6 by value */
  assert_int_equal(eq("msrp://[2001:db8::1]:2855/abc;tcp",
                      "msrp://[2001:DB8:0:0:0:0:0:1]:2855/abc;tcp"),
                   1);
  assert_int_equal(eq("msrp://[2001:db8::1]:2855/abc;tcp",
                      "msrp://[2001:db8:0::0:1]:2855/abc;tcp"),
                   1);
  assert_int_equal(eq("msrp://[2001:db8::1]:2855/abc;tcp",
                      "msrp://[2001:db8::2]:2855/abc;tcp"),
                   0);
  assert_int_equal(
      eq("msrp://[::ffff:192.0.2.1]/s;tcp", "msrp://192.0.2.1/s;tcp"), 0);
  /* IPv4 */
  assert_int_equal(eq("msrp://192.0.2.1:9/s;tcp", "msrp://192.0.2.1:9/s;tcp"),
                   1);
  assert_int_equal(eq("msrp://192.0.2.1:9/s;tcp", "msrp://192.0.2.10:9/s;tcp"),
                   0);
  assert_int_equal(eq("msrp://192.0.2.1/s;tcp", "msrp://192.0.2.%31/s;tcp"), 1);
  assert_int_equal(eq("msrp://010.0.0.1/s;tcp", "msrp://10.0.0.1/s;tcp"), 0);

  /* NULL and empty URIs are never equal to anything */
  msrp_uri a = MSRP_URI_INIT, empty = MSRP_URI_INIT;
  assert_int_equal(parse_str(&a, base), 0);
  assert_int_equal(msrp_uri_equal(&a, NULL), 0);
  assert_int_equal(msrp_uri_equal(NULL, &a), 0);
  assert_int_equal(msrp_uri_equal(&a, &empty), 0);
  msrp_uri_clear(&a);
}

static void test_init(void **state) {
  (void)state;
  msrp_uri u = MSRP_URI_INIT;
  char buf[128];

  assert_int_equal(msrp_uri_init(&u, 0, "bob.example.com", 8888, "abc", NULL),
                   0);
  assert_int_equal(u.use_tls, 0);
  assert_string_equal(u.scheme, "msrp");
  assert_null(u.user);
  assert_string_equal(u.host, "bob.example.com");
  assert_int_equal(u.host_type, MSRP_HOST_NAME);
  assert_int_equal(u.port, 8888);
  assert_string_equal(u.session_id, "abc");
  assert_string_equal(u.transport, "tcp");
  assert_null(u.params);
  assert_int_equal(msrp_uri_format(&u, buf, sizeof buf), 35);
  assert_string_equal(buf, "msrp://bob.example.com:8888/abc;tcp");
  msrp_uri_clear(&u);

  assert_int_equal(msrp_uri_init(&u, 7, "[2001:db8::1]", 0, NULL, "sctp"), 0);
  assert_int_equal(u.use_tls, 1);
  assert_string_equal(u.scheme, "msrps");
  assert_string_equal(u.host, "2001:db8::1");
  assert_int_equal(u.host_type, MSRP_HOST_IPV6);
  assert_int_equal(u.port, 0);
  assert_null(u.session_id);
  assert_string_equal(u.transport, "sctp");
  assert_int_equal(msrp_uri_format(&u, buf, sizeof buf), 26);
  assert_string_equal(buf, "msrps://[2001:db8::1];sctp");
  msrp_uri_clear(&u);

  assert_int_equal(msrp_uri_init(&u, 0, "2001:db8::1", 2855, "x", NULL), 0);
  assert_string_equal(u.host, "2001:db8::1");
  assert_int_equal(u.host_type, MSRP_HOST_IPV6);
  assert_int_equal(msrp_uri_format(&u, buf, sizeof buf), 31);
  assert_string_equal(buf, "msrp://[2001:db8::1]:2855/x;tcp");
  msrp_uri_clear(&u);

  assert_int_equal(msrp_uri_init(&u, 0, "192.0.2.7", 65535, NULL, NULL), 0);
  assert_int_equal(u.host_type, MSRP_HOST_IPV4);
  assert_int_equal(msrp_uri_format(&u, buf, sizeof buf), 26);
  assert_string_equal(buf, "msrp://192.0.2.7:65535;tcp");
  msrp_uri_clear(&u);
}

static void expect_init_error(const char *host, int port, const char *sid,
                              const char *transport, int want) {
  msrp_uri u, before;
  memset(&u, 0x5A, sizeof u);
  memcpy(&before, &u, sizeof u);
  assert_int_equal(msrp_uri_init(&u, 0, host, port, sid, transport), want);
  assert_memory_equal(&u, &before, sizeof u);
}

static void test_init_errors(void **state) {
  (void)state;
  expect_init_error(NULL, 0, NULL, NULL, MSRP_ERR_INVALID_ARGUMENT);
  expect_init_error("", 0, NULL, NULL, MSRP_ERR_URI_HOST);
  expect_init_error("a b", 0, NULL, NULL, MSRP_ERR_URI_HOST);
  expect_init_error("h/x", 0, NULL, NULL, MSRP_ERR_URI_HOST);
  expect_init_error("h;x", 0, NULL, NULL, MSRP_ERR_URI_HOST);
  expect_init_error("u@h", 0, NULL, NULL, MSRP_ERR_URI_HOST);
  expect_init_error("[2001:db8::1", 0, NULL, NULL, MSRP_ERR_URI_IPV6);
  expect_init_error("[]", 0, NULL, NULL, MSRP_ERR_URI_IPV6);
  expect_init_error("[", 0, NULL, NULL, MSRP_ERR_URI_IPV6);
  expect_init_error("[h.example.com]", 0, NULL, NULL, MSRP_ERR_URI_IPV6);
  expect_init_error("2001:db8::g", 0, NULL, NULL, MSRP_ERR_URI_IPV6);
  expect_init_error("h", -1, NULL, NULL, MSRP_ERR_URI_PORT);
  expect_init_error("h", 65536, NULL, NULL, MSRP_ERR_URI_PORT);
  expect_init_error("h", 1, "", NULL, MSRP_ERR_URI_SESSION_ID);
  expect_init_error("h", 1, "a;b", NULL, MSRP_ERR_URI_SESSION_ID);
  expect_init_error("h", 1, "a b", NULL, MSRP_ERR_URI_SESSION_ID);
  expect_init_error("h", 1, "s", "", MSRP_ERR_URI_TRANSPORT);
  expect_init_error("h", 1, "s", "tcp;x", MSRP_ERR_URI_TRANSPORT);
  expect_init_error("h", 1, "s", "t-p", MSRP_ERR_URI_TRANSPORT);
  assert_int_equal(msrp_uri_init(NULL, 0, "h", 0, NULL, NULL),
                   MSRP_ERR_INVALID_ARGUMENT);
}

static void test_init_random(void **state) {
  (void)state;
  msrp_uri a = MSRP_URI_INIT, b = MSRP_URI_INIT;
  assert_int_equal(msrp_uri_init_random(&a, 1, "relay.example.com", 2855), 0);
  assert_int_equal(msrp_uri_init_random(&b, 1, "relay.example.com", 2855), 0);
  assert_int_equal(a.use_tls, 1);
  assert_string_equal(a.scheme, "msrps");
  assert_string_equal(a.host, "relay.example.com");
  assert_int_equal(a.port, 2855);
  assert_string_equal(a.transport, "tcp");
  assert_non_null(a.session_id);
  assert_non_null(b.session_id);
  assert_int_equal(strlen(a.session_id), 20);
  assert_int_equal(strlen(b.session_id), 20);
  for (size_t i = 0; i < 20; i++) {
    char c = a.session_id[i];
    assert_true((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                (c >= '0' && c <= '9'));
  }
  assert_string_not_equal(a.session_id, b.session_id);
  assert_int_equal(msrp_uri_equal(&a, &b), 0);

  /* what it formats parses back to an equal URI */
  char buf[128];
  msrp_uri c = MSRP_URI_INIT;
  int n = msrp_uri_format(&a, buf, sizeof buf);
  assert_int_equal(n, (int)strlen("msrps://relay.example.com:2855/") + 20 + 4);
  assert_int_equal(parse_str(&c, buf), 0);
  assert_int_equal(msrp_uri_equal(&a, &c), 1);
  msrp_uri_clear(&c);

  msrp_uri_clear(&a);
  msrp_uri_clear(&b);

  msrp_uri u = MSRP_URI_INIT;
  assert_int_equal(msrp_uri_init_random(&u, 0, "bad host", 0),
                   MSRP_ERR_URI_HOST);
  assert_null(u.mem_);
  assert_int_equal(msrp_uri_init_random(&u, 0, NULL, 0),
                   MSRP_ERR_INVALID_ARGUMENT);
  assert_int_equal(msrp_uri_init_random(&u, 0, "h", 70000), MSRP_ERR_URI_PORT);
  assert_null(u.mem_);
}

static void expect_text(const msrp_uri *u, const char *want) {
  char buf[256];
  assert_int_equal(msrp_uri_format(u, buf, sizeof buf), (int)strlen(want));
  assert_string_equal(buf, want);
}

static void test_setters(void **state) {
  (void)state;
  msrp_uri u = MSRP_URI_INIT;
  assert_int_equal(parse_str(&u, "msrp://h.example.com:99/abc;tcp;x=y"), 0);

  assert_int_equal(msrp_uri_set_host(&u, "other.example.com"), 0);
  assert_string_equal(u.host, "other.example.com");
  assert_int_equal(u.host_type, MSRP_HOST_NAME);
  expect_text(&u, "msrp://other.example.com:99/abc;tcp;x=y");

  assert_int_equal(msrp_uri_set_host(&u, "[::1]"), 0);
  assert_string_equal(u.host, "::1");
  assert_int_equal(u.host_type, MSRP_HOST_IPV6);
  expect_text(&u, "msrp://[::1]:99/abc;tcp;x=y");

  assert_int_equal(msrp_uri_set_host(&u, "fe80::2"), 0);
  assert_int_equal(u.host_type, MSRP_HOST_IPV6);
  expect_text(&u, "msrp://[fe80::2]:99/abc;tcp;x=y");

  assert_int_equal(msrp_uri_set_host(&u, "10.1.2.3"), 0);
  assert_int_equal(u.host_type, MSRP_HOST_IPV4);
  expect_text(&u, "msrp://10.1.2.3:99/abc;tcp;x=y");

  /* the new value may point into the URI's own block */
  assert_int_equal(msrp_uri_set_host(&u, u.host), 0);
  assert_string_equal(u.host, "10.1.2.3");
  assert_int_equal(msrp_uri_set_session_id(&u, u.session_id), 0);
  assert_string_equal(u.session_id, "abc");

  assert_int_equal(msrp_uri_set_session_id(&u, "New/Id+="), 0);
  expect_text(&u, "msrp://10.1.2.3:99/New/Id+=;tcp;x=y");
  assert_int_equal(msrp_uri_set_session_id(&u, NULL), 0);
  assert_null(u.session_id);
  expect_text(&u, "msrp://10.1.2.3:99;tcp;x=y");

  assert_int_equal(msrp_uri_set_user(&u, "alice"), 0);
  assert_string_equal(u.user, "alice");
  expect_text(&u, "msrp://alice@10.1.2.3:99;tcp;x=y");
  assert_int_equal(msrp_uri_set_user(&u, "a%40b:c"), 0);
  expect_text(&u, "msrp://a%40b:c@10.1.2.3:99;tcp;x=y");
  assert_int_equal(msrp_uri_set_user(&u, NULL), 0);
  assert_null(u.user);
  expect_text(&u, "msrp://10.1.2.3:99;tcp;x=y");

  /* the port may be assigned directly */
  u.port = 0;
  expect_text(&u, "msrp://10.1.2.3;tcp;x=y");
  assert_int_equal(msrp_uri_effective_port(&u), MSRP_DEFAULT_PORT);
  u.port = 12;
  assert_int_equal(msrp_uri_effective_port(&u), 12);

  /* failures leave the URI unchanged */
  msrp_uri before = u;
  assert_int_equal(msrp_uri_set_host(&u, "bad host"), MSRP_ERR_URI_HOST);
  assert_int_equal(msrp_uri_set_host(&u, "[::g]"), MSRP_ERR_URI_IPV6);
  assert_int_equal(msrp_uri_set_host(&u, ""), MSRP_ERR_URI_HOST);
  assert_int_equal(msrp_uri_set_host(&u, "h;x"), MSRP_ERR_URI_HOST);
  assert_int_equal(msrp_uri_set_host(&u, NULL), MSRP_ERR_INVALID_ARGUMENT);
  assert_int_equal(msrp_uri_set_session_id(&u, ""), MSRP_ERR_URI_SESSION_ID);
  assert_int_equal(msrp_uri_set_session_id(&u, "a;b"), MSRP_ERR_URI_SESSION_ID);
  assert_int_equal(msrp_uri_set_user(&u, "a@b"), MSRP_ERR_URI_USERINFO);
  assert_int_equal(msrp_uri_set_user(&u, "a%4"), MSRP_ERR_URI_USERINFO);
  assert_memory_equal(&u, &before, sizeof u);
  expect_text(&u, "msrp://10.1.2.3:12;tcp;x=y");
  msrp_uri_clear(&u);

  /* setters need a URI that holds something */
  msrp_uri empty = MSRP_URI_INIT;
  assert_int_equal(msrp_uri_set_host(&empty, "h"), MSRP_ERR_INVALID_ARGUMENT);
  assert_int_equal(msrp_uri_set_session_id(&empty, "s"),
                   MSRP_ERR_INVALID_ARGUMENT);
  assert_int_equal(msrp_uri_set_user(&empty, "u"), MSRP_ERR_INVALID_ARGUMENT);
  assert_int_equal(msrp_uri_set_host(NULL, "h"), MSRP_ERR_INVALID_ARGUMENT);
  assert_null(empty.mem_);
  assert_int_equal(msrp_uri_effective_port(NULL), MSRP_ERR_INVALID_ARGUMENT);
}

static void test_copy(void **state) {
  (void)state;
  msrp_uri a = MSRP_URI_INIT, b = MSRP_URI_INIT;
  const char *text = "msrps://u@[2001:db8::1]:7/s;tcp;k=v";
  assert_int_equal(parse_str(&a, text), 0);
  assert_int_equal(msrp_uri_copy(&b, &a), 0);
  assert_ptr_not_equal(a.mem_, b.mem_);
  msrp_uri_clear(&a);
  expect_text(&b, text);
  assert_int_equal(b.use_tls, 1);
  assert_int_equal(b.host_type, MSRP_HOST_IPV6);
  assert_int_equal(b.port, 7);
  assert_int_equal(msrp_uri_copy(&b, &b), MSRP_ERR_INVALID_ARGUMENT);
  assert_int_equal(msrp_uri_copy(NULL, &b), MSRP_ERR_INVALID_ARGUMENT);
  assert_int_equal(msrp_uri_copy(&a, NULL), MSRP_ERR_INVALID_ARGUMENT);
  msrp_uri_clear(&b);
  /* a cleared URI copies to a cleared URI */
  assert_int_equal(msrp_uri_copy(&b, &a), 0);
  assert_null(b.mem_);
  assert_null(b.host);
}

static void test_truncation(void **state) {
  (void)state;
  msrp_uri u = MSRP_URI_INIT;
  const char *text = "msrp://bob.example.com:8888/9di4eae923wzd;tcp";
  int n = (int)strlen(text);
  char buf[16];
  assert_int_equal(parse_str(&u, text), 0);

  memset(buf, 'X', sizeof buf);
  assert_int_equal(msrp_uri_format(&u, buf, 10), n);
  assert_string_equal(buf, "msrp://bo");
  assert_int_equal(buf[10], 'X'); /* nothing written past size */

  memset(buf, 'X', sizeof buf);
  assert_int_equal(msrp_uri_format(&u, buf, 1), n);
  assert_int_equal(buf[0], '\0');
  assert_int_equal(buf[1], 'X');

  memset(buf, 'X', sizeof buf);
  assert_int_equal(msrp_uri_format(&u, buf, 0), n);
  assert_int_equal(buf[0], 'X');
  assert_int_equal(msrp_uri_format(&u, NULL, 0), n);

  /* one byte short of the whole text */
  char *almost = malloc((size_t)n);
  assert_non_null(almost);
  assert_int_equal(msrp_uri_format(&u, almost, (size_t)n), n);
  assert_int_equal(strlen(almost), (size_t)n - 1);
  assert_memory_equal(almost, text, (size_t)n - 1);
  free(almost);

  assert_int_equal(msrp_uri_format(&u, NULL, 5), MSRP_ERR_INVALID_ARGUMENT);
  assert_int_equal(msrp_uri_format(NULL, buf, sizeof buf),
                   MSRP_ERR_INVALID_ARGUMENT);
  u.port = 70000;
  assert_int_equal(msrp_uri_format(&u, buf, sizeof buf),
                   MSRP_ERR_INVALID_ARGUMENT);
  msrp_uri_clear(&u);
  assert_int_equal(msrp_uri_format(&u, buf, sizeof buf),
                   MSRP_ERR_INVALID_ARGUMENT);

  /* the same rules for paths */
  msrp_path p = MSRP_PATH_INIT;
  const char *path = "msrp://a:1;tcp msrp://b:2/s;tcp";
  assert_int_equal(path_parse_str(&p, path, 0), 0);
  memset(buf, 'X', sizeof buf);
  assert_int_equal(msrp_path_format(&p, buf, 12), (int)strlen(path));
  assert_string_equal(buf, "msrp://a:1;");
  assert_int_equal(buf[12], 'X');
  assert_int_equal(msrp_path_format(&p, NULL, 0), (int)strlen(path));
  msrp_path_clear(&p);
}

static void test_clear(void **state) {
  (void)state;
  msrp_uri u = MSRP_URI_INIT;
  msrp_uri_clear(NULL);
  msrp_uri_clear(&u);
  assert_int_equal(parse_str(&u, "msrp://h/s;tcp"), 0);
  msrp_uri_clear(&u);
  assert_null(u.mem_);
  assert_null(u.scheme);
  assert_null(u.host);
  assert_null(u.session_id);
  assert_null(u.transport);
  assert_int_equal(u.port, 0);
  assert_int_equal(u.use_tls, 0);
  msrp_uri_clear(&u);

  msrp_path p = MSRP_PATH_INIT;
  msrp_path_clear(NULL);
  msrp_path_clear(&p);
  assert_int_equal(path_parse_str(&p, "msrp://h/s;tcp", 0), 0);
  msrp_path_clear(&p);
  assert_int_equal(p.count, 0);
  assert_null(p.uris);
  msrp_path_clear(&p);
}

static void test_path_parse(void **state) {
  (void)state;
  msrp_path p = MSRP_PATH_INIT;
  const char *text = "msrps://alice@relay1.example.com:2855;tcp "
                     "msrps://relay2.example.com;tcp "
                     "msrp://bob.example.com:8888/9di4eae923wzd;tcp";
  assert_int_equal(path_parse_str(&p, text, 0), 0);
  assert_int_equal(p.count, 3);
  assert_string_equal(p.uris[0].user, "alice");
  assert_string_equal(p.uris[0].host, "relay1.example.com");
  assert_int_equal(p.uris[0].port, 2855);
  assert_null(p.uris[0].session_id);
  assert_int_equal(p.uris[0].use_tls, 1);
  assert_null(p.uris[1].user);
  assert_string_equal(p.uris[1].host, "relay2.example.com");
  assert_int_equal(p.uris[1].port, 0);
  assert_string_equal(p.uris[2].host, "bob.example.com");
  assert_int_equal(p.uris[2].port, 8888);
  assert_string_equal(p.uris[2].session_id, "9di4eae923wzd");
  assert_int_equal(p.uris[2].use_tls, 0);

  char buf[256];
  assert_int_equal(msrp_path_format(&p, buf, sizeof buf), (int)strlen(text));
  assert_string_equal(buf, text);

  /* exactly at the limit is fine */
  msrp_path q = MSRP_PATH_INIT;
  assert_int_equal(path_parse_str(&q, text, 3), 0);
  assert_int_equal(q.count, 3);
  assert_int_equal(msrp_path_equal(&p, &q), 1);
  msrp_path_clear(&q);
  msrp_path_clear(&p);

  /* one URI */
  assert_int_equal(path_parse_str(&p, "msrp://h/s;tcp", 1), 0);
  assert_int_equal(p.count, 1);
  assert_string_equal(p.uris[0].session_id, "s");
  msrp_path_clear(&p);

  /* many URIs: the array grows past its first size */
  char big[20 * 16];
  size_t off = 0;
  for (int i = 0; i < 20; i++) {
    memcpy(big + off, "msrp://h/s;tcp ", 15);
    off += 15;
  }
  assert_int_equal(msrp_path_parse(&p, big, off, 0), 0);
  assert_int_equal(p.count, 20);
  assert_int_equal(msrp_path_format(&p, NULL, 0), 20 * 15 - 1);
  msrp_path_clear(&p);
}

static void test_path_spaces(void **state) {
  (void)state;
  msrp_path p = MSRP_PATH_INIT;
  char buf[128];
  assert_int_equal(
      path_parse_str(&p, "   msrp://a;tcp    msrp://b/s;tcp  msrp://c;tcp ", 0),
      0);
  assert_int_equal(p.count, 3);
  assert_string_equal(p.uris[0].host, "a");
  assert_string_equal(p.uris[1].host, "b");
  assert_string_equal(p.uris[2].host, "c");
  const char *want = "msrp://a;tcp msrp://b/s;tcp msrp://c;tcp";
  assert_int_equal(msrp_path_format(&p, buf, sizeof buf), (int)strlen(want));
  assert_string_equal(buf, want);
  msrp_path_clear(&p);

  /* only SP separates; a tab is part of a (broken) URI */
  msrp_path before;
  memset(&p, 0x77, sizeof p);
  before = p;
  assert_int_equal(path_parse_str(&p, "msrp://a;tcp\tmsrp://b;tcp", 0),
                   MSRP_ERR_URI_SYNTAX);
  assert_memory_equal(&p, &before, sizeof p);
}

static void test_path_errors(void **state) {
  (void)state;
  msrp_path p, before;
  memset(&p, 0x77, sizeof p);
  before = p;

  assert_int_equal(path_parse_str(&p, "", 0), MSRP_ERR_URI_SYNTAX);
  assert_int_equal(path_parse_str(&p, "    ", 0), MSRP_ERR_URI_SYNTAX);
  assert_int_equal(msrp_path_parse(&p, NULL, 0, 0), MSRP_ERR_URI_SYNTAX);
  assert_int_equal(msrp_path_parse(&p, NULL, 3, 0), MSRP_ERR_INVALID_ARGUMENT);
  assert_int_equal(msrp_path_parse(NULL, "msrp://h;tcp", 12, 0),
                   MSRP_ERR_INVALID_ARGUMENT);
  /* limit */
  assert_int_equal(path_parse_str(&p, "msrp://a;tcp msrp://b;tcp", 1),
                   MSRP_ERR_LIMIT_PATH_LENGTH);
  assert_int_equal(
      path_parse_str(&p, "msrp://a;tcp msrp://b;tcp msrp://c;tcp msrp://d;tcp",
                     3),
      MSRP_ERR_LIMIT_PATH_LENGTH);
  /* the broken URI's own code, after good ones were parsed (no leak) */
  assert_int_equal(path_parse_str(&p, "msrp://a;tcp msrp://b:0;tcp", 0),
                   MSRP_ERR_URI_PORT);
  assert_int_equal(path_parse_str(&p, "msrp://a;tcp msrp://b/s", 0),
                   MSRP_ERR_URI_TRANSPORT);
  assert_int_equal(path_parse_str(&p, "msrp://a;tcp sip://b;tcp", 0),
                   MSRP_ERR_URI_SCHEME);
  assert_int_equal(path_parse_str(&p, "msrp://a;tcp msrp://[::1;tcp", 0),
                   MSRP_ERR_URI_IPV6);
  assert_memory_equal(&p, &before, sizeof p);
}

static int path_eq(const char *a, const char *b) {
  msrp_path x = MSRP_PATH_INIT, y = MSRP_PATH_INIT;
  assert_int_equal(path_parse_str(&x, a, 0), 0);
  assert_int_equal(path_parse_str(&y, b, 0), 0);
  int r = msrp_path_equal(&x, &y);
  assert_int_equal(msrp_path_equal(&y, &x), r);
  msrp_path_clear(&x);
  msrp_path_clear(&y);
  return r;
}

static void test_path_equal(void **state) {
  (void)state;
  const char *a = "msrps://r.example.com;tcp msrp://b.example.com:9/s;tcp";
  assert_int_equal(path_eq(a, a), 1);
  assert_int_equal(
      path_eq(a, "MSRPS://x@R.example.com;TCP  msrp://B.EXAMPLE.com:9/s;tcp"),
      1);
  /* order matters */
  assert_int_equal(
      path_eq(a, "msrp://b.example.com:9/s;tcp msrps://r.example.com;tcp"), 0);
  /* length matters */
  assert_int_equal(path_eq(a, "msrp://b.example.com:9/s;tcp"), 0);
  /* one element differs */
  assert_int_equal(
      path_eq(a, "msrps://r.example.com;tcp msrp://b.example.com:9/S;tcp"), 0);

  msrp_path e1 = MSRP_PATH_INIT, e2 = MSRP_PATH_INIT;
  assert_int_equal(msrp_path_equal(&e1, &e2), 1);
  assert_int_equal(msrp_path_equal(&e1, NULL), 0);
  assert_int_equal(msrp_path_format(&e1, NULL, 0), 0);
}

static void test_path_append_copy(void **state) {
  (void)state;
  msrp_path p = MSRP_PATH_INIT, q = MSRP_PATH_INIT;
  msrp_uri u = MSRP_URI_INIT;
  char buf[128];
  const char *want =
      "msrps://relay.example.com;tcp msrp://b.example.com:9/s;tcp";

  assert_int_equal(parse_str(&u, "msrps://relay.example.com;tcp"), 0);
  assert_int_equal(msrp_path_append(&p, &u), 0);
  msrp_uri_clear(&u);
  assert_int_equal(msrp_uri_init(&u, 0, "b.example.com", 9, "s", NULL), 0);
  assert_int_equal(msrp_path_append(&p, &u), 0);
  msrp_uri_clear(&u);
  assert_int_equal(p.count, 2);
  assert_int_equal(msrp_path_format(&p, buf, sizeof buf), (int)strlen(want));
  assert_string_equal(buf, want);

  /* an empty URI is refused and the path keeps its length */
  assert_int_equal(msrp_path_append(&p, &u), MSRP_ERR_INVALID_ARGUMENT);
  assert_int_equal(msrp_path_append(NULL, &u), MSRP_ERR_INVALID_ARGUMENT);
  assert_int_equal(p.count, 2);

  assert_int_equal(msrp_path_copy(&q, &p), 0);
  assert_int_equal(q.count, 2);
  assert_ptr_not_equal(q.uris, p.uris);
  assert_ptr_not_equal(q.uris[0].mem_, p.uris[0].mem_);
  msrp_path_clear(&p);
  assert_int_equal(msrp_path_format(&q, buf, sizeof buf), (int)strlen(want));
  assert_string_equal(buf, want);

  /* appending a path's own element is safe even if the array moves */
  for (int i = 0; i < 10; i++)
    assert_int_equal(msrp_path_append(&q, &q.uris[0]), 0);
  assert_int_equal(q.count, 12);
  assert_int_equal(msrp_uri_equal(&q.uris[11], &q.uris[0]), 1);

  assert_int_equal(msrp_path_copy(&q, &q), MSRP_ERR_INVALID_ARGUMENT);
  msrp_path_clear(&q);

  /* an empty path copies to an empty path */
  assert_int_equal(msrp_path_copy(&q, &p), 0);
  assert_int_equal(q.count, 0);
  assert_null(q.uris);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_parse_valid),
      cmocka_unit_test(test_format_round_trip),
      cmocka_unit_test(test_parse_not_nul_terminated),
      cmocka_unit_test(test_port_leading_zeros),
      cmocka_unit_test(test_error_scheme),
      cmocka_unit_test(test_error_syntax),
      cmocka_unit_test(test_error_userinfo),
      cmocka_unit_test(test_error_host),
      cmocka_unit_test(test_error_ipv6),
      cmocka_unit_test(test_error_port),
      cmocka_unit_test(test_error_session_id),
      cmocka_unit_test(test_error_transport),
      cmocka_unit_test(test_error_param),
      cmocka_unit_test(test_error_invalid_argument),
      cmocka_unit_test(test_equal),
      cmocka_unit_test(test_init),
      cmocka_unit_test(test_init_errors),
      cmocka_unit_test(test_init_random),
      cmocka_unit_test(test_setters),
      cmocka_unit_test(test_copy),
      cmocka_unit_test(test_truncation),
      cmocka_unit_test(test_clear),
      cmocka_unit_test(test_path_parse),
      cmocka_unit_test(test_path_spaces),
      cmocka_unit_test(test_path_errors),
      cmocka_unit_test(test_path_equal),
      cmocka_unit_test(test_path_append_copy),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
