/* Unit tests for host/src/dns.c: queries, hand-built responses, hostile packets, literals,
 * resolv.conf and hosts parsing. Prints TAP-style "ok N - name" lines. */
#include "../src/dns.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int failures, checks_failed_in_test;

#define CHECK(cond)                                                        \
  do {                                                                     \
    if (!(cond)) {                                                         \
      printf("#   %s:%d: CHECK(%s) failed\n", __FILE__, __LINE__, #cond); \
      checks_failed_in_test++;                                             \
    }                                                                      \
  } while (0)

#define CHECK_STR(got, want)                                                                     \
  do {                                                                                           \
    const char *g_ = (got), *w_ = (want);                                                        \
    if (g_ == NULL || strcmp(g_, w_) != 0) {                                                     \
      printf("#   %s:%d: got  %s\n#   %*swant %s\n", __FILE__, __LINE__, g_ ? g_ : "(null)", 0, \
             "", w_);                                                                            \
      checks_failed_in_test++;                                                                   \
    }                                                                                            \
  } while (0)

static void run(int n, const char *name, void (*fn)(void)) {
  checks_failed_in_test = 0;
  fn();
  printf("%s %d - %s\n", checks_failed_in_test ? "not ok" : "ok", n, name);
  if (checks_failed_in_test) failures++;
}

/* ---- a tiny packet builder ------------------------------------------------------------- */

typedef struct {
  uint8_t b[2048];
  size_t n;
} pkt;

static void u8(pkt *p, unsigned v) { p->b[p->n++] = (uint8_t)v; }
static void u16(pkt *p, unsigned v) { u8(p, v >> 8), u8(p, v & 0xff); }
static void u32(pkt *p, unsigned long v) { u16(p, (unsigned)(v >> 16)), u16(p, (unsigned)(v & 0xffff)); }
static void bytes(pkt *p, const void *s, size_t n) { memcpy(p->b + p->n, s, n), p->n += n; }

/* Uncompressed name ("a.b.c"; "" is the root); optionally end in a pointer instead of 0. */
static void name_ptr(pkt *p, const char *s, int ptr) {
  while (*s) {
    const char *dot = strchr(s, '.');
    size_t n = dot ? (size_t)(dot - s) : strlen(s);
    u8(p, (unsigned)n);
    bytes(p, s, n);
    s += n;
    if (*s == '.') s++;
  }
  if (ptr >= 0) u16(p, 0xc000 | (unsigned)ptr);
  else u8(p, 0);
}
static void name(pkt *p, const char *s) { name_ptr(p, s, -1); }

/* Header + question; flags is the 16-bit flags word (QR etc.). */
static void header(pkt *p, unsigned id, unsigned flags, unsigned an, const char *qname, unsigned qtype) {
  p->n = 0;
  u16(p, id);
  u16(p, flags);
  u16(p, 1);
  u16(p, an);
  u16(p, 0);
  u16(p, 0);
  name(p, qname);
  u16(p, qtype);
  u16(p, 1);
}

/* RR fixed part after the owner name has been written. */
static void rr(pkt *p, unsigned type, unsigned long ttl, unsigned rdlen) {
  u16(p, type);
  u16(p, 1);
  u32(p, ttl);
  u16(p, rdlen);
}

#define RESP 0x8180 /* QR RD RA, NOERROR */

static int parse(const pkt *p, uint16_t id, const char *qname, int qtype, char *json, size_t cap, const char **err) {
  /* an exact-size heap copy, so ASan sees any read past the end */
  uint8_t *copy = malloc(p->n ? p->n : 1);
  int r;
  memcpy(copy, p->b, p->n);
  r = dns_parse_response(copy, p->n, id, qname, qtype, json, cap, err);
  free(copy);
  return r;
}

/* ---- the responses used by several tests -------------------------------------------------- */

/* www.example.com A -> CNAME web.example.net -> CNAME edge.cdn.net -> 2 A; plus an unrelated A. */
static void a_chain(pkt *p, int reversed) {
  header(p, 0xbeef, RESP, 5, "www.example.com", DNS_A);
  if (reversed) { /* addresses first, then the CNAMEs from the far end */
    name(p, "edge.cdn.net"), rr(p, DNS_A, 120, 4), u8(p, 192), u8(p, 0), u8(p, 2), u8(p, 1);
    name(p, "edge.cdn.net"), rr(p, DNS_A, 30, 4), u8(p, 192), u8(p, 0), u8(p, 2), u8(p, 2);
    name(p, "web.example.net"), rr(p, 5, 60, 14), name(p, "edge.cdn.net");
    u16(p, 0xc00c), rr(p, 5, 300, 17), name(p, "web.example.net");
  } else {
    u16(p, 0xc00c), rr(p, 5, 300, 17), name(p, "web.example.net"); /* owner = the question */
    name(p, "web.example.net"), rr(p, 5, 60, 14), name(p, "edge.cdn.net");
    name(p, "edge.cdn.net"), rr(p, DNS_A, 120, 4), u8(p, 192), u8(p, 0), u8(p, 2), u8(p, 1);
    name(p, "edge.cdn.net"), rr(p, DNS_A, 30, 4), u8(p, 192), u8(p, 0), u8(p, 2), u8(p, 2);
  }
  name(p, "other.net"), rr(p, DNS_A, 999, 4), u8(p, 10), u8(p, 0), u8(p, 0), u8(p, 1);
}
static const char A_CHAIN_JSON[] =
  "[{\"type\":\"A\",\"address\":\"192.0.2.1\",\"ttl\":60},{\"type\":\"A\",\"address\":\"192.0.2.2\",\"ttl\":30}]";

/* _sip._udp.example.com SRV: a target compressed into the question, and the root target. */
static void srv(pkt *p) {
  header(p, 7, RESP, 2, "_sip._udp.example.com", DNS_SRV);
  u16(p, 0xc00c), rr(p, DNS_SRV, 3600, 6 + 5 + 2);
  u16(p, 10), u16(p, 60), u16(p, 5060), name_ptr(p, "sip1", 12 + 10); /* -> "example.com" */
  u16(p, 0xc00c), rr(p, DNS_SRV, 3600, 7);
  u16(p, 20), u16(p, 0), u16(p, 5061), u8(p, 0);
}
static const char SRV_JSON[] =
  "[{\"type\":\"SRV\",\"priority\":10,\"weight\":60,\"port\":5060,\"target\":\"sip1.example.com\",\"ttl\":3600},"
  "{\"type\":\"SRV\",\"priority\":20,\"weight\":0,\"port\":5061,\"target\":\"\",\"ttl\":3600}]";

static void cstr(pkt *p, const char *s) { u8(p, (unsigned)strlen(s)), bytes(p, s, strlen(s)); }

/* example.com NAPTR: an S record, and a U record whose regexp has backslashes. */
static void naptr(pkt *p) {
  static const char re[] = "!^\\+1(.*)$!sip:\\1@example.com!";
  static const char svc[] = "E2U+\"sip\"";
  header(p, 0x0102, RESP, 2, "example.com", DNS_NAPTR);
  u16(p, 0xc00c), rr(p, DNS_NAPTR, 86400, (unsigned)(4 + 2 + 8 + 1 + 10 + 2));
  u16(p, 100), u16(p, 10), cstr(p, "S"), cstr(p, "SIP+D2U"), cstr(p, "");
  name_ptr(p, "_sip._udp", 12); /* -> example.com */
  u16(p, 0xc00c), rr(p, DNS_NAPTR, 86400, (unsigned)(4 + 2 + 1 + strlen(svc) + 1 + strlen(re) + 1));
  u16(p, 200), u16(p, 5), cstr(p, "U"), cstr(p, svc), cstr(p, re), u8(p, 0);
}
static const char NAPTR_JSON[] =
  "[{\"type\":\"NAPTR\",\"order\":100,\"preference\":10,\"flags\":\"S\",\"service\":\"SIP+D2U\",\"regexp\":\"\","
  "\"replacement\":\"_sip._udp.example.com\",\"ttl\":86400},"
  "{\"type\":\"NAPTR\",\"order\":200,\"preference\":5,\"flags\":\"U\",\"service\":\"E2U+\\\"sip\\\"\","
  "\"regexp\":\"!^\\\\+1(.*)$!sip:\\\\1@example.com!\",\"replacement\":\"\",\"ttl\":86400}]";

/* ---- tests -------------------------------------------------------------------------------- */

static void test_types(void) {
  CHECK(dns_type_from_name("A") == DNS_A);
  CHECK(dns_type_from_name("AAAA") == DNS_AAAA);
  CHECK(dns_type_from_name("SRV") == DNS_SRV);
  CHECK(dns_type_from_name("NAPTR") == DNS_NAPTR);
  CHECK(dns_type_from_name("a") == 0);
  CHECK(dns_type_from_name("MX") == 0);
  CHECK(dns_type_from_name("") == 0);
  CHECK(dns_type_from_name(NULL) == 0);
  CHECK_STR(dns_type_name(DNS_NAPTR), "NAPTR");
  CHECK(dns_type_name(5) == NULL);
}

static void test_normalize(void) {
  char out[DNS_NAME_BUF], big[1024], s[1100];
  int i;
  CHECK(dns_normalize_name("Example.COM.", out, sizeof out) == 0);
  CHECK_STR(out, "example.com");
  CHECK(dns_normalize_name(".", out, sizeof out) == 0);
  CHECK_STR(out, ".");
  CHECK(dns_normalize_name("a..", out, sizeof out) == 0); /* valid text; encoding fails later */
  CHECK_STR(out, "a.");
  CHECK(dns_normalize_name("_SIP._udp.X", out, sizeof out) == 0);
  CHECK_STR(out, "_sip._udp.x");
  CHECK(dns_normalize_name("", out, sizeof out) == -1);
  CHECK(dns_normalize_name("a b", out, sizeof out) == -1);
  CHECK(dns_normalize_name("a\tb", out, sizeof out) == -1);
  CHECK(dns_normalize_name("ab\n", out, sizeof out) == -1);
  CHECK(dns_normalize_name("a\x7f", out, sizeof out) == -1);
  CHECK(dns_normalize_name("a\x01", out, sizeof out) == -1);
  CHECK(dns_normalize_name("a\xc2\xa0z", out, sizeof out) == -1);     /* U+00A0 */
  CHECK(dns_normalize_name("\xe3\x80\x80", out, sizeof out) == -1);   /* U+3000 */
  CHECK(dns_normalize_name("x\xef\xbb\xbf", out, sizeof out) == -1);  /* U+FEFF */
  CHECK(dns_normalize_name("\xe2\x80\xa8", out, sizeof out) == -1);   /* U+2028 */
  CHECK(dns_normalize_name("caf\xc3\xa9", out, sizeof out) == 0);     /* é is fine (not folded) */
  CHECK_STR(out, "caf\xc3\xa9");
  CHECK(dns_normalize_name(NULL, out, sizeof out) == -1);
  /* 255 characters is the limit (with the trailing dot counted, as JS does) */
  memset(s, 'a', 255), s[255] = '\0';
  CHECK(dns_normalize_name(s, out, sizeof out) == 0);
  s[254] = '.';
  CHECK(dns_normalize_name(s, out, sizeof out) == 0 && strlen(out) == 254);
  memset(s, 'a', 256), s[256] = '\0';
  CHECK(dns_normalize_name(s, out, sizeof out) == -1);
  /* JS counts UTF-16 units: 127 astral characters are 254 units, 128 are 256 */
  for (i = 0; i < 128; i++) memcpy(s + 4 * i, "\xf0\x9f\x93\x9e", 4);
  s[4 * 127] = '\0';
  CHECK(dns_normalize_name(s, big, sizeof big) == 0);
  s[4 * 127] = '\xf0', s[4 * 128] = '\0';
  CHECK(dns_normalize_name(s, big, sizeof big) == -1);
  /* too small an output buffer */
  CHECK(dns_normalize_name("abcd", out, 4) == -1);
  CHECK(dns_normalize_name("abcd", out, 5) == 0);
}

static void test_build_query(void) {
  static const uint8_t want[] = {0x12, 0x34, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0,
                                 4, '_', 's', 'i', 'p', 4, '_', 'u', 'd', 'p', 7, 'e', 'x', 'a', 'm', 'p', 'l', 'e',
                                 3, 'c', 'o', 'm', 0, 0, 33, 0, 1};
  uint8_t buf[DNS_QUERY_MAX];
  char s[300];
  int n;
  n = dns_build_query(buf, sizeof buf, 0x1234, "_sip._udp.example.com", DNS_SRV);
  CHECK(n == (int)sizeof want && memcmp(buf, want, sizeof want) == 0);
  n = dns_build_query(buf, sizeof want, 0x1234, "_sip._udp.example.com", DNS_SRV); /* exact fit */
  CHECK(n == (int)sizeof want);
  CHECK(dns_build_query(buf, sizeof want - 1, 0x1234, "_sip._udp.example.com", DNS_SRV) == -1);
  n = dns_build_query(buf, sizeof buf, 0xffff, ".", DNS_A);
  CHECK(n == 17 && buf[0] == 0xff && buf[1] == 0xff && buf[12] == 0 && buf[14] == 1 && buf[16] == 1);
  n = dns_build_query(buf, sizeof buf, 1, "x", DNS_NAPTR);
  CHECK(n == 19 && buf[12] == 1 && buf[13] == 'x' && buf[14] == 0 && buf[15] == 0 && buf[16] == 35);
  CHECK(dns_build_query(buf, sizeof buf, 1, "", DNS_A) == -1);
  CHECK(dns_build_query(buf, sizeof buf, 1, "a..b", DNS_A) == -1);
  CHECK(dns_build_query(buf, sizeof buf, 1, ".a", DNS_A) == -1);
  CHECK(dns_build_query(buf, sizeof buf, 1, "a.", DNS_A) == -1); /* "a.." normalized */
  memset(s, 'a', 63), strcpy(s + 63, ".com");
  CHECK(dns_build_query(buf, sizeof buf, 1, s, DNS_A) == 12 + 1 + 63 + 1 + 3 + 1 + 4);
  memset(s, 'a', 64), strcpy(s + 64, ".com");
  CHECK(dns_build_query(buf, sizeof buf, 1, s, DNS_A) == -1);
  /* 253 characters (4 x 63-octet labels minus 2) is 255 octets on the wire; 254 is too long */
  memset(s, 'b', 253);
  s[63] = s[127] = s[191] = '.', s[253] = '\0';
  CHECK(dns_build_query(buf, sizeof buf, 1, s, DNS_A) == 12 + 255 + 4);
  s[253] = 'b', s[254] = '\0';
  CHECK(dns_build_query(buf, sizeof buf, 1, s, DNS_A) == -1);
}

static void test_a_chain(void) {
  pkt p;
  char json[512];
  const char *err = "x";
  a_chain(&p, 0);
  CHECK(parse(&p, 0xbeef, "www.example.com", DNS_A, json, sizeof json, &err) == 0 && err == NULL);
  CHECK_STR(json, A_CHAIN_JSON);
  a_chain(&p, 1);
  CHECK(parse(&p, 0xbeef, "www.example.com", DNS_A, json, sizeof json, &err) == 0 && err == NULL);
  CHECK_STR(json, A_CHAIN_JSON);
  /* the question echo's case does not matter (0x20 randomisation); asked in upper case too */
  a_chain(&p, 0);
  memcpy(p.b + 13, "WWW", 3);
  CHECK(parse(&p, 0xbeef, "www.example.com", DNS_A, json, sizeof json, &err) == 0);
  CHECK_STR(json, A_CHAIN_JSON);
  CHECK(parse(&p, 0xbeef, "www.EXAMPLE.com", DNS_A, json, sizeof json, &err) == 0);
  /* the json buffer: exactly big enough, and one byte short */
  a_chain(&p, 0);
  CHECK(parse(&p, 0xbeef, "www.example.com", DNS_A, json, sizeof A_CHAIN_JSON, &err) == 0);
  CHECK_STR(json, A_CHAIN_JSON);
  CHECK(parse(&p, 0xbeef, "www.example.com", DNS_A, json, sizeof A_CHAIN_JSON - 1, &err) == -1);
  CHECK_STR(json, "");
}

static void test_a_plain_and_ttl(void) {
  pkt p;
  char json[256];
  const char *err;
  header(&p, 1, RESP, 2, "h.lab", DNS_A);
  u16(&p, 0xc00c), rr(&p, DNS_A, 0x80000000UL, 4), u8(&p, 1), u8(&p, 2), u8(&p, 3), u8(&p, 4);
  u16(&p, 0xc00c), rr(&p, DNS_A, 0x7fffffffUL, 4), u8(&p, 255), u8(&p, 0), u8(&p, 10), u8(&p, 100);
  CHECK(parse(&p, 1, "h.lab", DNS_A, json, sizeof json, &err) == 0 && err == NULL);
  CHECK_STR(json, "[{\"type\":\"A\",\"address\":\"1.2.3.4\",\"ttl\":2147483648},"
                  "{\"type\":\"A\",\"address\":\"255.0.10.100\",\"ttl\":2147483647}]");
  /* an A record with 5 octets of data: the extra one is ignored (c-ares); with 3 it is malformed */
  header(&p, 1, RESP, 1, "h.lab", DNS_A);
  u16(&p, 0xc00c), rr(&p, DNS_A, 5, 5), u32(&p, 0x0a000001UL), u8(&p, 9);
  CHECK(parse(&p, 1, "h.lab", DNS_A, json, sizeof json, &err) == 0 && err == NULL);
  CHECK_STR(json, "[{\"type\":\"A\",\"address\":\"10.0.0.1\",\"ttl\":5}]");
  header(&p, 1, RESP, 1, "h.lab", DNS_A);
  u16(&p, 0xc00c), rr(&p, DNS_A, 5, 3), u8(&p, 1), u8(&p, 2), u8(&p, 3);
  CHECK(parse(&p, 1, "h.lab", DNS_A, json, sizeof json, &err) == 0);
  CHECK_STR(err, "EBADRESP");
  CHECK_STR(json, "[]");
  /* records of another class are ignored */
  header(&p, 1, RESP, 1, "h.lab", DNS_A);
  u16(&p, 0xc00c), u16(&p, DNS_A), u16(&p, 3), u32(&p, 5), u16(&p, 4), u32(&p, 0);
  CHECK(parse(&p, 1, "h.lab", DNS_A, json, sizeof json, &err) == 0);
  CHECK_STR(err, "ENODATA");
}

static void test_aaaa(void) {
  static const uint8_t a1[16] = {0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1};
  static const uint8_t a2[16] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 192, 0, 2, 1};
  static const uint8_t a3[16] = {0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 1};
  pkt p;
  char json[512];
  const char *err;
  header(&p, 9, RESP, 4, "v6.example", DNS_AAAA);
  u16(&p, 0xc00c), rr(&p, DNS_AAAA, 100, 16), bytes(&p, a1, 16);
  u16(&p, 0xc00c), rr(&p, DNS_AAAA, 100, 16), bytes(&p, a2, 16);
  u16(&p, 0xc00c), rr(&p, DNS_AAAA, 100, 16), bytes(&p, a3, 16);
  u16(&p, 0xc00c), rr(&p, DNS_A, 100, 4), u32(&p, 0x01020304UL); /* not the asked type */
  CHECK(parse(&p, 9, "v6.example", DNS_AAAA, json, sizeof json, &err) == 0 && err == NULL);
  CHECK_STR(json, "[{\"type\":\"AAAA\",\"address\":\"2001:db8::1\",\"ttl\":100},"
                  "{\"type\":\"AAAA\",\"address\":\"::ffff:192.0.2.1\",\"ttl\":100},"
                  "{\"type\":\"AAAA\",\"address\":\"2001:db8:0:1::1\",\"ttl\":100}]");
}

static void test_srv(void) {
  pkt p;
  char json[512];
  const char *err;
  srv(&p);
  CHECK(parse(&p, 7, "_sip._udp.example.com", DNS_SRV, json, sizeof json, &err) == 0 && err == NULL);
  CHECK_STR(json, SRV_JSON);
  /* a target running past its record data is malformed */
  srv(&p);
  p.b[12 + 23 + 4 + 2 + 8 + 1] = 12; /* first rdlength 13 -> 12 */
  CHECK(parse(&p, 7, "_sip._udp.example.com", DNS_SRV, json, sizeof json, &err) == 0);
  CHECK_STR(err, "EBADRESP");
}

static void test_srv_name_escapes(void) {
  pkt p;
  char json[512];
  const char *err;
  static const uint8_t label[] = {6, 'a', '.', 'b', '\\', ' ', 0xff, 3, 'c', '"', '(', 0};
  header(&p, 7, RESP, 1, "s.x", DNS_SRV);
  u16(&p, 0xc00c), rr(&p, DNS_SRV, 5, 6 + sizeof label), u16(&p, 0), u16(&p, 0), u16(&p, 1);
  bytes(&p, label, sizeof label);
  CHECK(parse(&p, 7, "s.x", DNS_SRV, json, sizeof json, &err) == 0 && err == NULL);
  /* c-ares text a\.b\\ \255.c\"\( as a JSON string */
  CHECK_STR(json, "[{\"type\":\"SRV\",\"priority\":0,\"weight\":0,\"port\":1,"
                  "\"target\":\"a\\\\.b\\\\\\\\ \\\\255.c\\\\\\\"\\\\(\",\"ttl\":5}]");
}

static void test_naptr(void) {
  pkt p;
  char json[1024];
  const char *err;
  naptr(&p);
  CHECK(parse(&p, 0x0102, "example.com", DNS_NAPTR, json, sizeof json, &err) == 0 && err == NULL);
  CHECK_STR(json, NAPTR_JSON);
  /* a character-string longer than the record data */
  naptr(&p);
  p.b[12 + 13 + 4 + 12 + 4] = 200; /* the "S" flags length */
  CHECK(parse(&p, 0x0102, "example.com", DNS_NAPTR, json, sizeof json, &err) == 0);
  CHECK_STR(err, "EBADRESP");
  /* a control character or an octet >= 0x80 in a string fails the answer (as c-ares does) */
  naptr(&p);
  p.b[12 + 13 + 4 + 12 + 5] = 0x01; /* "S" -> "\x01" */
  CHECK(parse(&p, 0x0102, "example.com", DNS_NAPTR, json, sizeof json, &err) == 0);
  CHECK_STR(err, "EBADRESP");
  p.b[12 + 13 + 4 + 12 + 5] = 0xe9;
  CHECK(parse(&p, 0x0102, "example.com", DNS_NAPTR, json, sizeof json, &err) == 0);
  CHECK_STR(err, "EBADRESP");
  p.b[12 + 13 + 4 + 12 + 5] = 0x7e;
  CHECK(parse(&p, 0x0102, "example.com", DNS_NAPTR, json, sizeof json, &err) == 0 && err == NULL);
}

static void test_rcodes(void) {
  static const struct {
    unsigned rcode;
    const char *err;
  } cases[] = {{1, "EFORMERR"}, {2, "ESERVFAIL"}, {3, "ENOTFOUND"}, {4, "ENOTIMP"}, {5, "EREFUSED"}};
  pkt p;
  char json[64];
  const char *err;
  size_t i;
  for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    header(&p, 5, 0x8180 | cases[i].rcode, 0, "gone.example", DNS_A);
    CHECK(parse(&p, 5, "gone.example", DNS_A, json, sizeof json, &err) == 0);
    CHECK_STR(err, cases[i].err);
    CHECK_STR(json, "[]");
  }
  /* NXDOMAIN wins even with a CNAME in the answer (c-ares) */
  header(&p, 5, 0x8183, 1, "gone.example", DNS_A);
  u16(&p, 0xc00c), rr(&p, 5, 60, 3), name(&p, "x");
  CHECK(parse(&p, 5, "gone.example", DNS_A, json, sizeof json, &err) == 0);
  CHECK_STR(err, "ENOTFOUND");
  /* "[]" itself must fit */
  header(&p, 5, 0x8183, 0, "gone.example", DNS_A);
  CHECK(parse(&p, 5, "gone.example", DNS_A, json, 2, &err) == -1);
  CHECK(parse(&p, 5, "gone.example", DNS_A, json, 3, &err) == 0);
  CHECK_STR(json, "[]");
}

static void test_nodata(void) {
  pkt p;
  char json[64];
  const char *err;
  /* NOERROR, no answers, an SOA in the authority section */
  header(&p, 5, RESP, 0, "empty.example", DNS_AAAA);
  p.b[9] = 1;
  u16(&p, 0xc00c), rr(&p, 6, 60, 2), u16(&p, 0);
  CHECK(parse(&p, 5, "empty.example", DNS_AAAA, json, sizeof json, &err) == 0);
  CHECK_STR(err, "ENODATA");
  CHECK_STR(json, "[]");
  /* only a CNAME (the target has no AAAA here) */
  header(&p, 5, RESP, 1, "empty.example", DNS_AAAA);
  u16(&p, 0xc00c), rr(&p, 5, 60, 4), name(&p, "xy");
  CHECK(parse(&p, 5, "empty.example", DNS_AAAA, json, sizeof json, &err) == 0);
  CHECK_STR(err, "ENODATA");
  /* a CNAME loop is followed no further, and is not an error */
  header(&p, 5, RESP, 2, "a.x", DNS_A);
  u16(&p, 0xc00c), rr(&p, 5, 60, 5), name(&p, "b.x");
  name(&p, "b.x"), rr(&p, 5, 60, 2), u16(&p, 0xc00c);
  CHECK(parse(&p, 5, "a.x", DNS_A, json, sizeof json, &err) == 0);
  CHECK_STR(err, "ENODATA");
}

static void test_not_ours(void) {
  pkt p;
  char json[512];
  const char *err;
  a_chain(&p, 0);
  CHECK(parse(&p, 0xbeee, "www.example.com", DNS_A, json, sizeof json, &err) == 1 && err == NULL);
  CHECK_STR(json, "");
  CHECK(parse(&p, 0xbeef, "ww.example.com", DNS_A, json, sizeof json, &err) == 1);
  CHECK(parse(&p, 0xbeef, "www.example.com", DNS_AAAA, json, sizeof json, &err) == 1);
  CHECK(parse(&p, 0xbeef, "www.example.com.x", DNS_A, json, sizeof json, &err) == 1);
  p.b[2] &= 0x7f; /* a query, not a response */
  CHECK(parse(&p, 0xbeef, "www.example.com", DNS_A, json, sizeof json, &err) == 1);
  a_chain(&p, 0);
  p.b[2] |= 0x10; /* opcode 2 */
  CHECK(parse(&p, 0xbeef, "www.example.com", DNS_A, json, sizeof json, &err) == 1);
  a_chain(&p, 0);
  p.b[5] = 0; /* no question */
  CHECK(parse(&p, 0xbeef, "www.example.com", DNS_A, json, sizeof json, &err) == 1);
  a_chain(&p, 0);
  p.b[12 + 17 + 3] = 3; /* class CH */
  CHECK(parse(&p, 0xbeef, "www.example.com", DNS_A, json, sizeof json, &err) == 1);
  CHECK(dns_parse_response(p.b, 11, 0xbeef, "www.example.com", DNS_A, json, sizeof json, &err) == 1);
  CHECK(dns_parse_response(p.b, 0, 0xbeef, "www.example.com", DNS_A, json, sizeof json, &err) == 1);
  a_chain(&p, 0);
  CHECK(parse(&p, 0xbeef, "www.example.com", 5, json, sizeof json, &err) == 1); /* no such query type */
}

static void test_compression_abuse(void) {
  pkt p;
  char json[256];
  const char *err;
  size_t at;
  /* an owner name that points at itself */
  header(&p, 3, RESP, 1, "loop.x", DNS_A);
  at = p.n;
  u16(&p, 0xc000 | (unsigned)at), rr(&p, DNS_A, 1, 4), u32(&p, 0);
  CHECK(parse(&p, 3, "loop.x", DNS_A, json, sizeof json, &err) == 0);
  CHECK_STR(err, "EBADRESP");
  /* a forward pointer */
  header(&p, 3, RESP, 1, "loop.x", DNS_A);
  at = p.n;
  u16(&p, 0xc000 | (unsigned)(at + 2)), name(&p, "fwd"), rr(&p, DNS_A, 1, 4), u32(&p, 0);
  CHECK(parse(&p, 3, "loop.x", DNS_A, json, sizeof json, &err) == 0);
  CHECK_STR(err, "EBADRESP");
  /* a label then a pointer back to it: backwards, but a loop nonetheless */
  header(&p, 3, RESP, 1, "loop.x", DNS_A);
  at = p.n;
  u8(&p, 1), u8(&p, 'a'), u16(&p, 0xc000 | (unsigned)at), rr(&p, DNS_A, 1, 4), u32(&p, 0);
  CHECK(parse(&p, 3, "loop.x", DNS_A, json, sizeof json, &err) == 0);
  CHECK_STR(err, "EBADRESP");
  /* a CNAME target that loops */
  header(&p, 3, RESP, 1, "loop.x", DNS_A);
  at = p.n + 12;
  u16(&p, 0xc00c), rr(&p, 5, 1, 4), u8(&p, 1), u8(&p, 'b'), u16(&p, 0xc000 | (unsigned)at);
  CHECK(parse(&p, 3, "loop.x", DNS_A, json, sizeof json, &err) == 0);
  CHECK_STR(err, "EBADRESP");
  /* a pointer to a pointer (both backwards) is fine; a CNAME to itself is just not followed */
  header(&p, 3, RESP, 2, "loop.x", DNS_A);
  at = p.n;
  u16(&p, 0xc00c), rr(&p, 5, 9, 2), u16(&p, 0xc00c); /* CNAME to itself: a loop, ignored */
  u16(&p, 0xc000 | (unsigned)at), rr(&p, DNS_A, 9, 4), u32(&p, 0x0a000001UL);
  CHECK(parse(&p, 3, "loop.x", DNS_A, json, sizeof json, &err) == 0 && err == NULL);
  CHECK_STR(json, "[{\"type\":\"A\",\"address\":\"10.0.0.1\",\"ttl\":9}]");
  /* a pointer loop in the question: not recognisable as ours, so ignored */
  header(&p, 3, RESP, 0, "", DNS_A);
  p.n = 12;
  u16(&p, 0xc00c), u16(&p, DNS_A), u16(&p, 1);
  CHECK(parse(&p, 3, "loop.x", DNS_A, json, sizeof json, &err) == 1);
  /* reserved label types (0x40, 0x80) */
  header(&p, 3, RESP, 1, "loop.x", DNS_A);
  u8(&p, 0x41), u8(&p, 0), rr(&p, DNS_A, 1, 4), u32(&p, 0);
  CHECK(parse(&p, 3, "loop.x", DNS_A, json, sizeof json, &err) == 0);
  CHECK_STR(err, "EBADRESP");
  /* a name expanding past 255 octets through backward pointers: 5 x 63-octet labels, kept in
   * the data of an unknown record, then an A record owned by the last of them */
  header(&p, 3, RESP, 2, "loop.x", DNS_A);
  {
    char l[64];
    int i;
    memset(l, 'z', 63), l[63] = '\0';
    u16(&p, 0xc00c), rr(&p, 99, 1, 65 + 4 * 66);
    at = p.n;
    name(&p, l); /* 63-octet label + root */
    for (i = 0; i < 4; i++) {
      size_t here = p.n;
      u8(&p, 63), bytes(&p, l, 63), u16(&p, 0xc000 | (unsigned)at);
      at = here;
    }
    u16(&p, 0xc000 | (unsigned)at), rr(&p, DNS_A, 1, 4), u32(&p, 0);
  }
  CHECK(parse(&p, 3, "loop.x", DNS_A, json, sizeof json, &err) == 0);
  CHECK_STR(err, "EBADRESP");
  /* the control: 3 such labels (193 octets) are a fine owner, just not ours */
  header(&p, 3, RESP, 2, "loop.x", DNS_A);
  {
    char l[64];
    int i;
    memset(l, 'z', 63), l[63] = '\0';
    u16(&p, 0xc00c), rr(&p, 99, 1, 65 + 2 * 66);
    at = p.n;
    name(&p, l);
    for (i = 0; i < 2; i++) {
      size_t here = p.n;
      u8(&p, 63), bytes(&p, l, 63), u16(&p, 0xc000 | (unsigned)at);
      at = here;
    }
    u16(&p, 0xc000 | (unsigned)at), rr(&p, DNS_A, 1, 4), u32(&p, 0);
  }
  CHECK(parse(&p, 3, "loop.x", DNS_A, json, sizeof json, &err) == 0);
  CHECK_STR(err, "ENODATA");
}

static void test_truncated_tc(void) {
  pkt p;
  char json[256];
  const char *err;
  /* TC with one complete record and one cut off: the complete one answers */
  header(&p, 4, RESP | 0x0200, 2, "big.x", DNS_A);
  u16(&p, 0xc00c), rr(&p, DNS_A, 50, 4), u32(&p, 0xc0000201UL);
  u16(&p, 0xc00c), rr(&p, DNS_A, 50, 4), u8(&p, 192);
  CHECK(parse(&p, 4, "big.x", DNS_A, json, sizeof json, &err) == 0 && err == NULL);
  CHECK_STR(json, "[{\"type\":\"A\",\"address\":\"192.0.2.1\",\"ttl\":50}]");
  /* without TC the same packet is malformed */
  p.b[2] &= (uint8_t)~0x02;
  CHECK(parse(&p, 4, "big.x", DNS_A, json, sizeof json, &err) == 0);
  CHECK_STR(err, "EBADRESP");
  /* TC and nothing usable: 2 */
  header(&p, 4, RESP | 0x0200, 0, "big.x", DNS_A);
  CHECK(parse(&p, 4, "big.x", DNS_A, json, sizeof json, &err) == 2);
  CHECK_STR(err, "EBADRESP");
  CHECK_STR(json, "[]");
}

/* The invariants every answer keeps, whatever the input. */
static int sane(int r, const char *json, const char *err) {
  if (r == 1) return json[0] == '\0' && err == NULL;
  if (r == -1) return json[0] == '\0';
  if (r == 2) return err != NULL && strcmp(json, "[]") == 0;
  if (r != 0) return 0;
  if (err == NULL) return strncmp(json, "[{", 2) == 0 && json[strlen(json) - 1] == ']';
  return strcmp(json, "[]") == 0;
}

static void cut_every_length(const pkt *full, uint16_t id, const char *qname, int qtype) {
  char json[1024];
  const char *err;
  size_t len;
  for (len = 0; len < full->n; len++) {
    pkt p = *full;
    int r;
    p.n = len;
    r = parse(&p, id, qname, qtype, json, sizeof json, &err);
    CHECK(sane(r, json, err));
    CHECK(r == 1 || (r == 0 && err != NULL)); /* never a (partial) success without TC */
  }
  CHECK(parse(full, id, qname, qtype, json, sizeof json, &err) == 0 && err == NULL);
}

static void test_cut_packets(void) {
  pkt p;
  a_chain(&p, 0);
  cut_every_length(&p, 0xbeef, "www.example.com", DNS_A);
  a_chain(&p, 1);
  cut_every_length(&p, 0xbeef, "www.example.com", DNS_A);
  srv(&p);
  cut_every_length(&p, 7, "_sip._udp.example.com", DNS_SRV);
  naptr(&p);
  cut_every_length(&p, 0x0102, "example.com", DNS_NAPTR);
}

/* Random corruption of valid packets: must stay in bounds (ASan) and keep the invariants. */
static void test_fuzz(void) {
  static const struct {
    void (*make)(pkt *);
    uint16_t id;
    const char *name;
    int type;
  } seeds[] = {{srv, 7, "_sip._udp.example.com", DNS_SRV}, {naptr, 0x0102, "example.com", DNS_NAPTR}};
  unsigned long rng = 12345;
  char json[2048];
  const char *err;
  int round, bad = 0;
  for (round = 0; round < 40000; round++) {
    pkt p;
    int flips, k, r, s = round % 3;
    if (s == 2) a_chain(&p, round & 1);
    else seeds[s].make(&p);
    flips = 1 + round % 4;
    for (k = 0; k < flips; k++) {
      size_t at;
      rng = rng * 1103515245UL + 12345UL;
      at = 12 + ((rng >> 8) % (p.n - 12)); /* keep the header so the question still matches */
      rng = rng * 1103515245UL + 12345UL;
      p.b[at] = (uint8_t)(rng >> 16);
    }
    if (round % 7 == 0) p.n -= (size_t)((rng >> 4) % p.n);
    if (s == 2) r = parse(&p, 0xbeef, "www.example.com", DNS_A, json, sizeof json, &err);
    else r = parse(&p, seeds[s].id, seeds[s].name, seeds[s].type, json, sizeof json, &err);
    if (!sane(r, json, err)) bad++;
  }
  CHECK(bad == 0);
}

static void test_literals(void) {
  char json[256];
  const char *err;
  CHECK(dns_literal_answer("192.0.2.1", DNS_A, json, sizeof json, &err) == 1 && err == NULL);
  CHECK_STR(json, "[{\"type\":\"A\",\"address\":\"192.0.2.1\",\"ttl\":0}]");
  CHECK(dns_literal_answer("192.0.2.1", DNS_AAAA, json, sizeof json, &err) == 1);
  CHECK_STR(err, "ENODATA");
  CHECK_STR(json, "[]");
  CHECK(dns_literal_answer("[::1]", DNS_AAAA, json, sizeof json, &err) == 1 && err == NULL);
  CHECK_STR(json, "[{\"type\":\"AAAA\",\"address\":\"::1\",\"ttl\":0}]");
  CHECK(dns_literal_answer("::ffff:1.2.3.4", DNS_A, json, sizeof json, &err) == 1);
  CHECK_STR(err, "ENODATA");
  CHECK(dns_literal_answer("fe80::1%eth0", DNS_AAAA, json, sizeof json, &err) == 1 && err == NULL);
  CHECK_STR(json, "[{\"type\":\"AAAA\",\"address\":\"fe80::1%eth0\",\"ttl\":0}]"); /* as written */
  CHECK(dns_literal_answer("0:0::0001", DNS_AAAA, json, sizeof json, &err) == 1 && err == NULL);
  CHECK_STR(json, "[{\"type\":\"AAAA\",\"address\":\"0:0::0001\",\"ttl\":0}]");
  CHECK(dns_literal_answer("example.com", DNS_A, json, sizeof json, &err) == 0 && err == NULL);
  CHECK(dns_literal_answer("192.0.2.1", DNS_SRV, json, sizeof json, &err) == 0);
  CHECK(dns_literal_answer("192.0.2.1", DNS_A, json, 10, &err) == -1);
  CHECK(dns_literal_answer("[]", DNS_A, json, sizeof json, &err) == 0);
  CHECK(dns_literal_answer("[1.2.3.4]", DNS_A, json, sizeof json, &err) == 1 && err == NULL);
}

/* net.isIP results from Node 20 for the same strings. */
static void test_isip_table(void) {
  static const struct {
    const char *s;
    int family;
  } t[] = {{"1.2.3.4", 4}, {"1.2.3.04", 0}, {"01.2.3.4", 0}, {"255.255.255.255", 4}, {"256.1.1.1", 0},
           {"1.2.3", 0}, {"fe80::1%eth0", 6}, {"::1%", 0}, {"::ffff:1.2.3.4", 6}, {"1::2:3:4:5:6:7", 6},
           {"1:2:3:4:5:6:7::8", 0}, {"::", 6}, {"1::", 6}, {"::1.2.3.4", 6}, {"1:2:3:4:5:6:1.2.3.4", 6},
           {"1:2:3:4:5:6:7:1.2.3.4", 0}, {"0000:0::1", 6}, {"00000::1", 0}, {"::1%a_b", 0},
           {"::1%a.b-c:d", 6}, {"1.2.3.4%x", 0}, {"ABCD::1", 6}, {"1:2:3:4:5:6:7:8", 6}, {":1::2", 0},
           {"1::2::3", 0}, {"1:::2", 0}, {"1:2:3:4:5:6:7:8:9", 0}, {"1:2:3:4:5:6:7", 0}, {"", 0},
           {"1.2.3.4.", 0}, {"::1.2.3", 0}, {"::1.2.3.4:5", 0}, {"1:", 0}, {":", 0}, {"g::1", 0}};
  size_t i;
  char json[256];
  const char *err;
  for (i = 0; i < sizeof t / sizeof t[0]; i++) {
    int a = dns_literal_answer(t[i].s, DNS_A, json, sizeof json, &err);
    int a_ok = a == 1 && err == NULL;
    int aaaa = dns_literal_answer(t[i].s, DNS_AAAA, json, sizeof json, &err);
    int aaaa_ok = aaaa == 1 && err == NULL;
    int family = a_ok ? 4 : aaaa_ok ? 6 : 0;
    if (family != t[i].family) printf("#   isIP(\"%s\"): got %d want %d\n", t[i].s, family, t[i].family);
    CHECK(family == t[i].family);
    CHECK(family == 0 ? a == 0 && aaaa == 0 : a == 1 && aaaa == 1);
  }
}

static void test_resolv_conf(void) {
  static const char text[] =
    "# generated\r\n"
    "search lab.example\n"
    "nameserver 192.0.2.53\r\n"
    "nameserver   2001:db8::53  # v6\n"
    ";nameserver 9.9.9.9\n"
    "#nameserver 8.8.8.8\n"
    "nameserver bogus\n"
    "nameservers 1.1.1.1\n"
    "\tnameserver\tfe80::1%eth0\n"
    "nameserver 10.0.0.1;x\n"
    "options edns0\n"
    "nameserver 10.0.0.2";
  char servers[8][64];
  int n = dns_parse_resolv_conf(text, servers, 8);
  CHECK(n == 5);
  if (n == 5) {
    CHECK_STR(servers[0], "192.0.2.53");
    CHECK_STR(servers[1], "2001:db8::53");
    CHECK_STR(servers[2], "fe80::1%eth0");
    CHECK_STR(servers[3], "10.0.0.1");
    CHECK_STR(servers[4], "10.0.0.2");
  }
  CHECK(dns_parse_resolv_conf(text, servers, 2) == 2);
  CHECK(dns_parse_resolv_conf("", servers, 8) == 0);
  CHECK(dns_parse_resolv_conf(NULL, servers, 8) == 0);
  CHECK(dns_parse_resolv_conf("nameserver", servers, 8) == 0);
}

static void test_hosts(void) {
  static const char hosts[] =
    "127.0.0.1 localhost\n"
    "::1 localhost ip6-localhost\n"
    "# 192.0.2.9 phone.lab\n"
    "192.0.2.5 Phone.Lab phone # the phone\n"
    "192.0.2.6 other.lab\n"
    "192.0.2.5\tphone.lab\r\n"
    "  192.0.2.7 x phone.lab.\n"
    "192.0.2.8 phone.lab#comment glued\n"
    "192.0.2.10 #phone.lab\n"
    "2001:db8:0:0::0001 phone.lab\n"
    "0:0:0:0:0:0:102:304 v4compat\n"
    "1:0:0:2:0:0:3:4 runs\n"
    "fe80::1%lo zoned\n"
    "bogus phone.lab\n"
    "192.0.2.11 notlast";
  char json[512];
  CHECK(dns_hosts_lookup(hosts, "phone.lab", DNS_A, json, sizeof json) == 3);
  CHECK_STR(json, "[{\"type\":\"A\",\"address\":\"192.0.2.5\",\"ttl\":0},{\"type\":\"A\",\"address\":\"192.0.2.7\","
                  "\"ttl\":0},{\"type\":\"A\",\"address\":\"192.0.2.8\",\"ttl\":0}]");
  CHECK(dns_hosts_lookup(hosts, "PHONE", DNS_A, json, sizeof json) == 1);
  CHECK(dns_hosts_lookup(hosts, "phone.lab.", DNS_AAAA, json, sizeof json) == 1);
  CHECK_STR(json, "[{\"type\":\"AAAA\",\"address\":\"2001:db8::1\",\"ttl\":0}]");
  CHECK(dns_hosts_lookup(hosts, "v4compat", DNS_AAAA, json, sizeof json) == 1);
  CHECK_STR(json, "[{\"type\":\"AAAA\",\"address\":\"::1.2.3.4\",\"ttl\":0}]");
  CHECK(dns_hosts_lookup(hosts, "runs", DNS_AAAA, json, sizeof json) == 1);
  CHECK_STR(json, "[{\"type\":\"AAAA\",\"address\":\"1::2:0:0:3:4\",\"ttl\":0}]");
  CHECK(dns_hosts_lookup(hosts, "zoned", DNS_AAAA, json, sizeof json) == 1);
  CHECK_STR(json, "[{\"type\":\"AAAA\",\"address\":\"fe80::1\",\"ttl\":0}]");
  CHECK(dns_hosts_lookup(hosts, "notlast", DNS_A, json, sizeof json) == 1);
  CHECK(dns_hosts_lookup(hosts, "other.lab", DNS_AAAA, json, sizeof json) == 0);
  CHECK_STR(json, "[]");
  CHECK(dns_hosts_lookup(hosts, "missing", DNS_A, json, sizeof json) == 0);
  CHECK_STR(json, "[]");
  CHECK(dns_hosts_lookup(hosts, "phone.lab", DNS_SRV, json, sizeof json) == 0);
  CHECK(dns_hosts_lookup(hosts, "localhost", DNS_AAAA, json, sizeof json) == 1);
  CHECK_STR(json, "[{\"type\":\"AAAA\",\"address\":\"::1\",\"ttl\":0}]");
  /* localhost without a hosts file (Windows ships it commented out) */
  CHECK(dns_hosts_lookup(NULL, "localhost", DNS_A, json, sizeof json) == 1);
  CHECK_STR(json, "[{\"type\":\"A\",\"address\":\"127.0.0.1\",\"ttl\":0}]");
  CHECK(dns_hosts_lookup("", "Box.LocalHost.", DNS_AAAA, json, sizeof json) == 1);
  CHECK_STR(json, "[{\"type\":\"AAAA\",\"address\":\"::1\",\"ttl\":0}]");
  CHECK(dns_hosts_lookup("", "notlocalhost", DNS_A, json, sizeof json) == 0);
  CHECK(dns_hosts_lookup(hosts, "phone.lab", DNS_A, json, 20) == -1);
  CHECK_STR(json, "");
}

static void test_ipv6_format(void) {
  /* uv_inet_ntop results (what node:dns prints), checked against Node 20 */
  static const struct {
    uint8_t a[16];
    const char *text;
  } t[] = {
    {{0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0}, "::"},
    {{0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1}, "::1"},
    {{0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2}, "::2"},
    {{0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 2, 3, 4}, "::1.2.3.4"},
    {{0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 1, 2, 3, 4}, "::ffff:1.2.3.4"},
    {{0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xfe, 1, 2, 3, 4}, "::fffe:102:304"},
    {{0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0}, "::1:0:0:0"},
    {{0, 1, 0, 0, 0, 0, 0, 2, 0, 0, 0, 0, 0, 0, 0, 3}, "1:0:0:2::3"},
    {{0, 1, 0, 0, 0, 0, 0, 2, 0, 0, 0, 0, 0, 3, 0, 4}, "1::2:0:0:3:4"},
    {{0, 1, 0, 2, 0, 3, 0, 4, 0, 5, 0, 6, 0, 7, 0, 0}, "1:2:3:4:5:6:7:0"},
    {{0, 1, 0, 0, 0, 2, 0, 3, 0, 4, 0, 5, 0, 6, 0, 7}, "1:0:2:3:4:5:6:7"},
    {{0xfe, 0x80, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1}, "fe80::1"},
    {{0x20, 0x01, 0x0d, 0xb8, 0xab, 0xcd, 0, 0x12, 0, 0, 0, 0, 0, 0, 0, 0}, "2001:db8:abcd:12::"},
  };
  size_t i;
  for (i = 0; i < sizeof t / sizeof t[0]; i++) {
    pkt p;
    char json[256], want[256];
    const char *err;
    header(&p, 2, RESP, 1, "f", DNS_AAAA);
    u16(&p, 0xc00c), rr(&p, DNS_AAAA, 1, 16), bytes(&p, t[i].a, 16);
    sprintf(want, "[{\"type\":\"AAAA\",\"address\":\"%s\",\"ttl\":1}]", t[i].text);
    CHECK(parse(&p, 2, "f", DNS_AAAA, json, sizeof json, &err) == 0 && err == NULL);
    CHECK_STR(json, want);
  }
}

int main(void) {
  setvbuf(stdout, NULL, _IONBF, 0); /* a test that dies mid-way still shows how far it got */
  int n = 0;
  run(++n, "type names", test_types);
  run(++n, "name validation and normalisation", test_normalize);
  run(++n, "query bytes and name limits", test_build_query);
  run(++n, "A with a CNAME chain (both orders), question case, json cap", test_a_chain);
  run(++n, "A plain, 32-bit TTLs, rdata length, other class", test_a_plain_and_ttl);
  run(++n, "AAAA", test_aaaa);
  run(++n, "SRV with a compressed target and the root target", test_srv);
  run(++n, "SRV target presentation escapes", test_srv_name_escapes);
  run(++n, "NAPTR with regexp escapes", test_naptr);
  run(++n, "rcodes: NXDOMAIN, SERVFAIL, REFUSED, FORMERR, NOTIMP", test_rcodes);
  run(++n, "NOERROR without data", test_nodata);
  run(++n, "not our answer -> 1", test_not_ours);
  run(++n, "compression loops and bad labels -> EBADRESP", test_compression_abuse);
  run(++n, "TC=1", test_truncated_tc);
  run(++n, "every cut length of valid responses", test_cut_packets);
  run(++n, "random corruption", test_fuzz);
  run(++n, "IP literals", test_literals);
  run(++n, "literal rules match node's net.isIP", test_isip_table);
  run(++n, "resolv.conf", test_resolv_conf);
  run(++n, "hosts file", test_hosts);
  run(++n, "IPv6 text as libuv writes it", test_ipv6_format);
  printf("1..%d\n", n);
  return failures ? 1 : 0;
}
