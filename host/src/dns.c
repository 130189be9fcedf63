/* DNS wire format (RFC 1035, 2782, 3403) for the host's resolver; see dns.h.
 * Every read from a packet goes through a bounds check against its length; no allocation. */
#include "dns.h"

#include <string.h>

#define CLASS_IN 1
#define TYPE_CNAME 5
#define NAME_MAX_WIRE 255
#define CHAIN_MAX 16 /* CNAME hops followed */

/* ---- small helpers ---------------------------------------------------------------------- */

static unsigned rd16(const uint8_t *p) { return ((unsigned)p[0] << 8) | p[1]; }

static unsigned long rd32(const uint8_t *p) {
  return ((unsigned long)p[0] << 24) | ((unsigned long)p[1] << 16) | ((unsigned long)p[2] << 8) | p[3];
}

static int lower(int c) { return c >= 'A' && c <= 'Z' ? c + ('a' - 'A') : c; }

/* ---- JSON output: appends that stop (and remember) when the buffer is full --------------- */

typedef struct {
  char *p;
  size_t cap, len;
  int full;
} jbuf;

static void jinit(jbuf *b, char *p, size_t cap) {
  b->p = p;
  b->cap = cap;
  b->len = 0;
  b->full = cap == 0;
  if (cap > 0) p[0] = '\0';
}

static void jraw(jbuf *b, const char *s, size_t n) {
  if (b->full) return;
  if (n >= b->cap - b->len) { /* keep room for the NUL */
    b->full = 1;
    return;
  }
  memcpy(b->p + b->len, s, n);
  b->len += n;
  b->p[b->len] = '\0';
}

static void jstr(jbuf *b, const char *s) { jraw(b, s, strlen(s)); }

static void juint(jbuf *b, unsigned long v) {
  char tmp[24];
  size_t i = sizeof tmp;
  do {
    tmp[--i] = (char)('0' + v % 10);
    v /= 10;
  } while (v > 0);
  jraw(b, tmp + i, sizeof tmp - i);
}

/* A JSON string of octets, each one character (octets >= 0x80 as Latin-1 U+0080..U+00FF). */
static void jquoted(jbuf *b, const uint8_t *s, size_t n) {
  static const char hex[] = "0123456789abcdef";
  size_t i;
  jraw(b, "\"", 1);
  for (i = 0; i < n; i++) {
    uint8_t c = s[i];
    if (c == '"' || c == '\\') {
      char e[2];
      e[0] = '\\';
      e[1] = (char)c;
      jraw(b, e, 2);
    } else if (c < 0x20 || c >= 0x80) {
      char e[6] = {'\\', 'u', '0', '0', 0, 0};
      e[4] = hex[c >> 4];
      e[5] = hex[c & 15];
      jraw(b, e, 6);
    } else {
      char e = (char)c;
      jraw(b, &e, 1);
    }
  }
  jraw(b, "\"", 1);
}

/* Finishes the buffer: 0, or -1 (json "") when something did not fit. */
static int jdone(jbuf *b) {
  if (!b->full) return 0;
  if (b->cap > 0) b->p[0] = '\0';
  return -1;
}

/* json = "[]" with *error = code; 0, or -1 when even that does not fit. */
static int jempty(char *json, size_t cap, const char **error, const char *code, int ret) {
  jbuf b;
  jinit(&b, json, cap);
  jstr(&b, "[]");
  *error = code;
  return jdone(&b) < 0 ? -1 : ret;
}

/* ---- types ------------------------------------------------------------------------------ */

int dns_type_from_name(const char *name) {
  if (name == NULL) return 0;
  if (strcmp(name, "A") == 0) return DNS_A;
  if (strcmp(name, "AAAA") == 0) return DNS_AAAA;
  if (strcmp(name, "SRV") == 0) return DNS_SRV;
  if (strcmp(name, "NAPTR") == 0) return DNS_NAPTR;
  return 0;
}

const char *dns_type_name(int qtype) {
  switch (qtype) {
  case DNS_A: return "A";
  case DNS_AAAA: return "AAAA";
  case DNS_SRV: return "SRV";
  case DNS_NAPTR: return "NAPTR";
  default: return NULL;
  }
}

/* ---- names: validation, wire form, presentation ------------------------------------------ */

/* Decodes one UTF-8 sequence at s (n > 0 bytes left) into *cp; returns its length. A byte that
 * does not start a valid sequence counts as one character of its own value. */
static size_t utf8_next(const uint8_t *s, size_t n, unsigned long *cp) {
  size_t len, i;
  unsigned long v;
  uint8_t c = s[0];
  if (c < 0x80) {
    *cp = c;
    return 1;
  }
  if (c >= 0xc2 && c <= 0xdf) len = 2, v = c & 0x1f;
  else if (c >= 0xe0 && c <= 0xef) len = 3, v = c & 0x0f;
  else if (c >= 0xf0 && c <= 0xf4) len = 4, v = c & 0x07;
  else len = 0, v = 0;
  if (len == 0 || len > n) {
    *cp = c;
    return 1;
  }
  for (i = 1; i < len; i++) {
    if ((s[i] & 0xc0) != 0x80) {
      *cp = c;
      return 1;
    }
    v = (v << 6) | (s[i] & 0x3f);
  }
  *cp = v;
  return len;
}

/* JS's \s plus \x00-\x1f and \x7f: what net-dns.ts's isValidName refuses. */
static int js_space_or_control(unsigned long cp) {
  if (cp <= 0x20 || cp == 0x7f || cp == 0xa0 || cp == 0x1680 || cp == 0x2028 || cp == 0x2029) return 1;
  if (cp >= 0x2000 && cp <= 0x200a) return 1;
  return cp == 0x202f || cp == 0x205f || cp == 0x3000 || cp == 0xfeff;
}

int dns_normalize_name(const char *name, char *out, size_t cap) {
  const uint8_t *s = (const uint8_t *)name;
  size_t n, i = 0, units = 0;
  if (name == NULL || out == NULL || cap == 0) return -1;
  n = strlen(name);
  while (i < n) {
    unsigned long cp;
    i += utf8_next(s + i, n - i, &cp);
    if (js_space_or_control(cp)) return -1;
    units += cp >= 0x10000 ? 2 : 1;
  }
  if (units == 0 || units > 255) return -1;
  if (n > 1 && name[n - 1] == '.') n--;
  if (n >= cap) return -1;
  for (i = 0; i < n; i++) out[i] = (char)lower((unsigned char)name[i]);
  out[n] = '\0';
  return 0;
}

/* Dotted text -> wire labels (w, NAME_MAX_WIRE bytes); its length, or 0 when not encodable. */
static size_t name_to_wire(const char *name, uint8_t *w) {
  size_t n = strlen(name), pos = 0, start = 0, i;
  if (n == 0) return 0;
  if (strcmp(name, ".") == 0) {
    w[0] = 0;
    return 1;
  }
  for (i = 0; i <= n; i++) {
    if (i == n || name[i] == '.') {
      size_t label = i - start;
      if (label == 0 || label > 63) return 0;
      if (pos + 1 + label + 1 > NAME_MAX_WIRE) return 0; /* label + the final root byte */
      w[pos++] = (uint8_t)label;
      memcpy(w + pos, name + start, label);
      pos += label;
      start = i + 1;
    }
  }
  w[pos++] = 0;
  return pos;
}

/* Reads the (possibly compressed) name at off into w as uncompressed labels; *end is the
 * offset just past the name where it sits. Pointers must point before themselves and the
 * expanded name stays within 255 octets, which together bound the work. 0 ok, -1 malformed. */
static int read_name(const uint8_t *pkt, size_t len, size_t off, uint8_t *w, size_t *wlen, size_t *end) {
  size_t pos = 0;
  int jumped = 0, hops = 0;
  for (;;) {
    uint8_t c;
    if (off >= len) return -1;
    c = pkt[off];
    if ((c & 0xc0) == 0xc0) {
      size_t target;
      if (off + 1 >= len) return -1;
      target = ((size_t)(c & 0x3f) << 8) | pkt[off + 1];
      if (target >= off || ++hops > 127) return -1;
      if (!jumped) *end = off + 2;
      jumped = 1;
      off = target;
    } else if (c & 0xc0) {
      return -1; /* extended / reserved label types */
    } else if (c == 0) {
      w[pos++] = 0; /* the label check below keeps room for it */
      if (!jumped) *end = off + 1;
      *wlen = pos;
      return 0;
    } else {
      if (off + 1 + c > len || pos + 1 + c + 1 > NAME_MAX_WIRE) return -1;
      memcpy(w + pos, pkt + off, (size_t)c + 1);
      pos += (size_t)c + 1;
      off += (size_t)c + 1;
    }
  }
}

/* Wire names equal ignoring ASCII case (length octets are <= 63, so folding leaves them). */
static int wire_eq(const uint8_t *a, size_t alen, const uint8_t *b, size_t blen) {
  size_t i;
  if (alen != blen) return 0;
  for (i = 0; i < alen; i++)
    if (lower(a[i]) != lower(b[i])) return 0;
  return 1;
}

/* A wire name in c-ares' presentation form as a JSON string. */
static void jname(jbuf *b, const uint8_t *w) {
  uint8_t text[NAME_MAX_WIRE * 4 + 1];
  size_t n = 0, i = 0;
  while (w[i] != 0) {
    size_t label = w[i++], k;
    if (n > 0) text[n++] = '.';
    for (k = 0; k < label; k++, i++) {
      uint8_t c = w[i];
      if (strchr("\".;\\()@$", c) != NULL && c != 0) {
        text[n++] = '\\';
        text[n++] = c;
      } else if (c < 0x20 || c > 0x7e) {
        text[n++] = '\\';
        text[n++] = (uint8_t)('0' + c / 100);
        text[n++] = (uint8_t)('0' + c / 10 % 10);
        text[n++] = (uint8_t)('0' + c % 10);
      } else {
        text[n++] = c;
      }
    }
  }
  jquoted(b, text, n);
}

/* ---- IP literals (node's net.isIP rules) ------------------------------------------------- */

/* Strict dotted quad: four decimals 0..255 without leading zeros. */
static int parse_ipv4(const char *s, size_t n, uint8_t out[4]) {
  size_t i = 0;
  int part;
  for (part = 0; part < 4; part++) {
    size_t start = i;
    unsigned v = 0;
    if (part > 0) {
      if (i >= n || s[i] != '.') return 0;
      start = ++i;
    }
    while (i < n && s[i] >= '0' && s[i] <= '9' && i - start < 3) v = v * 10 + (unsigned)(s[i++] - '0');
    if (i == start || v > 255 || (i - start > 1 && s[start] == '0')) return 0;
    out[part] = (uint8_t)v;
  }
  return i == n;
}

static int hexval(int c) {
  if (c >= '0' && c <= '9') return c - '0';
  c = lower(c);
  return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/* IPv6 text (RFC 4291 2.2, with an optional trailing dotted quad and %zone) -> 16 octets. */
static int parse_ipv6(const char *s, size_t n, uint8_t out[16]) {
  unsigned words[8];
  int nw = 0, gap = -1, k;
  size_t i = 0, z;
  for (z = 0; z < n && s[z] != '%'; z++) {
  }
  if (z < n) { /* zone: [0-9a-zA-Z.:-]+ as node's regex */
    size_t j;
    if (z + 1 == n) return 0;
    for (j = z + 1; j < n; j++) {
      char c = s[j];
      if (!((c >= '0' && c <= '9') || (lower(c) >= 'a' && lower(c) <= 'z') || c == '-' || c == '.' || c == ':'))
        return 0;
    }
    n = z;
  }
  if (n >= 2 && s[0] == ':' && s[1] == ':') {
    gap = 0;
    i = 2;
  } else if (n >= 1 && s[0] == ':') {
    return 0;
  }
  while (i < n) {
    size_t start = i;
    unsigned v = 0;
    while (i < n && hexval(s[i]) >= 0 && i - start < 5) v = (v << 4) | (unsigned)hexval(s[i++]);
    if (i < n && s[i] == '.') { /* embedded IPv4 ends the address */
      uint8_t q[4];
      if (nw > 6 || !parse_ipv4(s + start, n - start, q)) return 0;
      words[nw++] = ((unsigned)q[0] << 8) | q[1];
      words[nw++] = ((unsigned)q[2] << 8) | q[3];
      i = n;
      break;
    }
    if (i == start || i - start > 4 || nw >= 8) return 0;
    words[nw++] = v;
    if (i == n) break;
    if (s[i] != ':') return 0;
    i++;
    if (i < n && s[i] == ':') {
      if (gap >= 0) return 0;
      gap = nw;
      i++;
    } else if (i == n) {
      return 0; /* a single trailing ':' */
    }
  }
  if (gap < 0 ? nw != 8 : nw > 7) return 0;
  for (k = 0; k < 8; k++) out[2 * k] = out[2 * k + 1] = 0;
  {
    int tail = gap < 0 ? 0 : nw - gap, head = nw - tail;
    for (k = 0; k < head; k++) out[2 * k] = (uint8_t)(words[k] >> 8), out[2 * k + 1] = (uint8_t)words[k];
    for (k = 0; k < tail; k++) {
      int at = 8 - tail + k;
      out[2 * at] = (uint8_t)(words[head + k] >> 8);
      out[2 * at + 1] = (uint8_t)words[head + k];
    }
  }
  return 1;
}

/* 4 or 6 when s[0..n) is an IP literal, else 0; its octets in out. */
static int ip_family(const char *s, size_t n, uint8_t out[16]) {
  if (parse_ipv4(s, n, out)) return 4;
  if (parse_ipv6(s, n, out)) return 6;
  return 0;
}

/* Octets -> text as libuv's inet_ntop writes it (what node:dns reports). */
static size_t format_ip(const uint8_t *a, int family, char *out) {
  static const char hex[] = "0123456789abcdef";
  size_t n = 0;
  int i;
  if (family == 4) {
    for (i = 0; i < 4; i++) {
      unsigned v = a[i];
      if (i > 0) out[n++] = '.';
      if (v >= 100) out[n++] = (char)('0' + v / 100);
      if (v >= 10) out[n++] = (char)('0' + v / 10 % 10);
      out[n++] = (char)('0' + v % 10);
    }
  } else {
    unsigned w[8];
    int best = -1, bestlen = 0, cur = -1, curlen = 0;
    for (i = 0; i < 8; i++) w[i] = ((unsigned)a[2 * i] << 8) | a[2 * i + 1];
    for (i = 0; i < 8; i++) { /* the first longest run of >= 2 zero words becomes "::" */
      if (w[i] == 0) {
        if (cur < 0) cur = i, curlen = 0;
        if (++curlen > bestlen) best = cur, bestlen = curlen;
      } else {
        cur = -1;
      }
    }
    if (bestlen < 2) best = -1;
    for (i = 0; i < 8; i++) {
      if (best >= 0 && i >= best && i < best + bestlen) {
        if (i == best) out[n++] = ':';
        continue;
      }
      if (i > 0) out[n++] = ':';
      if (i == 6 && best == 0 && (bestlen == 6 || (bestlen == 5 && w[5] == 0xffff))) {
        n += format_ip(a + 12, 4, out + n); /* ::a.b.c.d and ::ffff:a.b.c.d */
        break;
      }
      {
        int shift, started = 0;
        for (shift = 12; shift >= 0; shift -= 4) {
          unsigned d = (w[i] >> shift) & 15;
          if (d || started || shift == 0) out[n++] = hex[d], started = 1;
        }
      }
    }
    if (best >= 0 && best + bestlen == 8) out[n++] = ':';
  }
  out[n] = '\0';
  return n;
}

static void jaddress(jbuf *b, int qtype, const char *addr, size_t n, unsigned long ttl) {
  jstr(b, "{\"type\":");
  jstr(b, qtype == DNS_A ? "\"A\"" : "\"AAAA\"");
  jstr(b, ",\"address\":");
  jquoted(b, (const uint8_t *)addr, n);
  jstr(b, ",\"ttl\":");
  juint(b, ttl);
  jstr(b, "}");
}

int dns_literal_answer(const char *name, int qtype, char *json, size_t cap, const char **error) {
  uint8_t octets[16];
  size_t n;
  int family;
  jbuf b;
  *error = NULL;
  jinit(&b, json, cap);
  if (name == NULL || (qtype != DNS_A && qtype != DNS_AAAA)) return 0;
  n = strlen(name);
  if (n >= 2 && name[0] == '[' && name[n - 1] == ']') name++, n -= 2;
  family = ip_family(name, n, octets);
  if (family == 0) return 0;
  if (family != (qtype == DNS_A ? 4 : 6)) return jempty(json, cap, error, "ENODATA", 1);
  jstr(&b, "[");
  jaddress(&b, qtype, name, n, 0);
  jstr(&b, "]");
  return jdone(&b) < 0 ? -1 : 1;
}

/* ---- queries ---------------------------------------------------------------------------- */

int dns_build_query(uint8_t *buf, size_t cap, uint16_t id, const char *name, int qtype) {
  uint8_t w[NAME_MAX_WIRE];
  size_t wlen, total;
  if (buf == NULL || name == NULL || qtype <= 0 || qtype > 0xffff) return -1;
  wlen = name_to_wire(name, w);
  if (wlen == 0) return -1;
  total = 12 + wlen + 4;
  if (total > cap) return -1;
  memset(buf, 0, 12);
  buf[0] = (uint8_t)(id >> 8);
  buf[1] = (uint8_t)id;
  buf[2] = 0x01; /* RD */
  buf[5] = 1;    /* QDCOUNT */
  memcpy(buf + 12, w, wlen);
  buf[12 + wlen] = (uint8_t)(qtype >> 8);
  buf[12 + wlen + 1] = (uint8_t)qtype;
  buf[12 + wlen + 2] = 0;
  buf[12 + wlen + 3] = CLASS_IN;
  return (int)total;
}

/* ---- responses -------------------------------------------------------------------------- */

typedef struct {
  uint8_t owner[NAME_MAX_WIRE];
  size_t owner_len;
  unsigned type, klass;
  unsigned long ttl;
  size_t rd, rdlen; /* record data at pkt[rd..rd+rdlen) */
} rr;

/* The resource record at *off; 0 and *off past it, or -1 when it does not fit / is malformed. */
static int read_rr(const uint8_t *pkt, size_t len, size_t *off, rr *r) {
  size_t at;
  if (read_name(pkt, len, *off, r->owner, &r->owner_len, &at) < 0) return -1;
  if (len - at < 10) return -1;
  r->type = rd16(pkt + at);
  r->klass = rd16(pkt + at + 2);
  r->ttl = rd32(pkt + at + 4); /* all 32 bits, as node:dns reports them */
  r->rdlen = rd16(pkt + at + 8);
  r->rd = at + 10;
  if (r->rdlen > len - r->rd) return -1;
  *off = r->rd + r->rdlen;
  return 0;
}

/* A name inside record data: must parse and end within it. */
static int rd_name(const uint8_t *pkt, size_t len, size_t off, size_t rdend, uint8_t *w, size_t *end) {
  size_t wlen;
  if (off >= rdend || read_name(pkt, len, off, w, &wlen, end) < 0 || *end > rdend) return -1;
  return 0;
}

/* A <character-string> at *off within the record data; its bytes at pkt[*s..*s+*n). Only
 * printable ASCII is accepted: c-ares fails the whole answer with EBADRESP otherwise. */
static int rd_string(const uint8_t *pkt, size_t *off, size_t rdend, size_t *s, size_t *n) {
  size_t i;
  if (*off >= rdend) return -1;
  *n = pkt[*off];
  *s = *off + 1;
  if (*n > rdend - *s) return -1;
  for (i = 0; i < *n; i++)
    if (pkt[*s + i] < 0x20 || pkt[*s + i] > 0x7e) return -1;
  *off = *s + *n;
  return 0;
}

/* Writes one record of qtype as JSON; 0, or -1 when its data is malformed. */
static int write_record(jbuf *b, const uint8_t *pkt, size_t len, const rr *r, int qtype, unsigned long ttl) {
  size_t rdend = r->rd + r->rdlen;
  const uint8_t *d = pkt + r->rd;
  uint8_t w[NAME_MAX_WIRE];
  size_t end;
  if (qtype == DNS_A || qtype == DNS_AAAA) {
    char text[48];
    size_t n;
    if (r->rdlen < (qtype == DNS_A ? 4u : 16u)) return -1; /* extra octets ignored, as c-ares */
    n = format_ip(d, qtype == DNS_A ? 4 : 6, text);
    jaddress(b, qtype, text, n, ttl);
  } else if (qtype == DNS_SRV) {
    if (r->rdlen < 7 || rd_name(pkt, len, r->rd + 6, rdend, w, &end) < 0) return -1;
    jstr(b, "{\"type\":\"SRV\",\"priority\":");
    juint(b, rd16(d));
    jstr(b, ",\"weight\":");
    juint(b, rd16(d + 2));
    jstr(b, ",\"port\":");
    juint(b, rd16(d + 4));
    jstr(b, ",\"target\":");
    jname(b, w);
    jstr(b, ",\"ttl\":");
    juint(b, ttl);
    jstr(b, "}");
  } else { /* NAPTR */
    size_t off = r->rd + 4, fs, fn, ss, sn, xs, xn;
    if (r->rdlen < 4 + 3 + 1 || rd_string(pkt, &off, rdend, &fs, &fn) < 0 || rd_string(pkt, &off, rdend, &ss, &sn) < 0 ||
        rd_string(pkt, &off, rdend, &xs, &xn) < 0 || rd_name(pkt, len, off, rdend, w, &end) < 0)
      return -1;
    jstr(b, "{\"type\":\"NAPTR\",\"order\":");
    juint(b, rd16(d));
    jstr(b, ",\"preference\":");
    juint(b, rd16(d + 2));
    jstr(b, ",\"flags\":");
    jquoted(b, pkt + fs, fn);
    jstr(b, ",\"service\":");
    jquoted(b, pkt + ss, sn);
    jstr(b, ",\"regexp\":");
    jquoted(b, pkt + xs, xn);
    jstr(b, ",\"replacement\":");
    jname(b, w);
    jstr(b, ",\"ttl\":");
    juint(b, ttl);
    jstr(b, "}");
  }
  return 0;
}

int dns_parse_response(const uint8_t *pkt, size_t len, uint16_t id, const char *name, int qtype,
                       char *json, size_t cap, const char **error) {
  uint8_t qw[NAME_MAX_WIRE], got[NAME_MAX_WIRE];
  uint8_t chain[CHAIN_MAX + 1][NAME_MAX_WIRE];
  size_t chain_len[CHAIN_MAX + 1];
  size_t qwlen, gotlen, off, answers, first, i;
  unsigned ancount, rcode;
  unsigned long chain_ttl = 0xffffffffUL;
  int tc, nchain = 1, count = 0;
  jbuf b;
  rr r;

  *error = NULL;
  jinit(&b, json, cap);
  if (pkt == NULL || name == NULL || dns_type_name(qtype) == NULL) return 1;
  qwlen = name_to_wire(name, qw);
  if (qwlen == 0) return 1;

  /* Is it the answer to our question? Anything else is somebody else's (or forged). */
  if (len < 12 || rd16(pkt) != id) return 1;
  if (!(pkt[2] & 0x80) || ((pkt[2] >> 3) & 15) != 0 || rd16(pkt + 4) != 1) return 1;
  if (read_name(pkt, len, 12, got, &gotlen, &off) < 0 || len - off < 4) return 1;
  if (!wire_eq(got, gotlen, qw, qwlen) || rd16(pkt + off) != (unsigned)qtype || rd16(pkt + off + 2) != CLASS_IN)
    return 1;
  off += 4;

  tc = (pkt[2] & 0x02) != 0;
  rcode = pkt[3] & 15;
  switch (rcode) { /* c-ares' mapping; other rcodes go on as NOERROR */
  case 1: return jempty(json, cap, error, "EFORMERR", 0);
  case 2: return jempty(json, cap, error, "ESERVFAIL", 0);
  case 3: return jempty(json, cap, error, "ENOTFOUND", 0);
  case 4: return jempty(json, cap, error, "ENOTIMP", 0);
  case 5: return jempty(json, cap, error, "EREFUSED", 0);
  default: break;
  }

  /* The complete answer records; a cut-off one is malformed unless the server said TC. */
  ancount = rd16(pkt + 6);
  first = off;
  for (answers = 0; answers < ancount; answers++) {
    size_t at = off;
    if (read_rr(pkt, len, &at, &r) < 0) {
      if (tc) break;
      return jempty(json, cap, error, "EBADRESP", 0);
    }
    off = at;
  }

  /* Follow CNAMEs from the question name, whatever order the records come in. */
  memcpy(chain[0], qw, qwlen);
  chain_len[0] = qwlen;
  while (nchain <= CHAIN_MAX) {
    int found = 0;
    for (off = first, i = 0; i < answers && !found; i++) {
      uint8_t target[NAME_MAX_WIRE];
      size_t tlen, end, k;
      read_rr(pkt, len, &off, &r);
      if (r.type != TYPE_CNAME || r.klass != CLASS_IN ||
          !wire_eq(r.owner, r.owner_len, chain[nchain - 1], chain_len[nchain - 1]))
        continue;
      if (r.rdlen == 0 || read_name(pkt, len, r.rd, target, &tlen, &end) < 0 || end > r.rd + r.rdlen)
        return jempty(json, cap, error, "EBADRESP", 0);
      for (k = 0; k < (size_t)nchain; k++)
        if (wire_eq(target, tlen, chain[k], chain_len[k])) break;
      if (k < (size_t)nchain) break; /* a CNAME loop: stop following */
      memcpy(chain[nchain], target, tlen);
      chain_len[nchain++] = tlen;
      if (r.ttl < chain_ttl) chain_ttl = r.ttl;
      found = 1;
    }
    if (!found) break;
  }

  jstr(&b, "[");
  for (off = first, i = 0; i < answers; i++) {
    int k, ours = 0;
    read_rr(pkt, len, &off, &r);
    if (r.type != (unsigned)qtype || r.klass != CLASS_IN) continue;
    for (k = 0; k < nchain && !ours; k++) ours = wire_eq(r.owner, r.owner_len, chain[k], chain_len[k]);
    if (!ours) continue;
    if (count > 0) jstr(&b, ",");
    if (write_record(&b, pkt, len, &r, qtype, r.ttl < chain_ttl ? r.ttl : chain_ttl) < 0)
      return jempty(json, cap, error, "EBADRESP", 0);
    count++;
  }
  jstr(&b, "]");
  if (count == 0) return tc ? jempty(json, cap, error, "EBADRESP", 2) : jempty(json, cap, error, "ENODATA", 0);
  return jdone(&b);
}

/* ---- resolv.conf and hosts -------------------------------------------------------------- */

static int is_blank(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\f' || c == '\v'; }

/* The next token of the line at *p (stops at blanks, newline, NUL and any char in stop). */
static size_t token(const char **p, const char *stop) {
  const char *s;
  size_t n = 0;
  while (is_blank(**p)) (*p)++;
  s = *p;
  while (s[n] != '\0' && s[n] != '\n' && !is_blank(s[n]) && strchr(stop, s[n]) == NULL) n++;
  *p = s + n;
  return n;
}

static const char *next_line(const char *p) {
  while (*p != '\0' && *p != '\n') p++;
  return *p == '\n' ? p + 1 : p;
}

int dns_parse_resolv_conf(const char *text, char servers[][64], int max) {
  const char *p = text;
  int count = 0;
  if (text == NULL) return 0;
  while (*p != '\0' && count < max) {
    const char *q = p;
    size_t n = token(&q, "#;"); /* a comment line gives an empty first token */
    if (n == 10 && memcmp(q - n, "nameserver", 10) == 0) {
      uint8_t octets[16];
      const char *word;
      n = token(&q, "#;");
      word = q - n;
      if (n > 0 && n < 64 && ip_family(word, n, octets) != 0) {
        memcpy(servers[count], word, n);
        servers[count][n] = '\0';
        count++;
      }
    }
    p = next_line(p);
  }
  return count;
}

/* Hosts-file name equal to the query name, ignoring ASCII case and a trailing dot on either. */
static int host_name_eq(const char *a, size_t an, const char *b) {
  size_t bn = strlen(b), i;
  if (an > 1 && a[an - 1] == '.') an--;
  if (bn > 1 && b[bn - 1] == '.') bn--;
  if (an != bn) return 0;
  for (i = 0; i < an; i++)
    if (lower((unsigned char)a[i]) != lower((unsigned char)b[i])) return 0;
  return 1;
}

/* "localhost" or "*.localhost" (RFC 6761 6.3), any case, with or without the root dot. */
static int is_localhost(const char *name) {
  size_t n = strlen(name);
  if (n > 1 && name[n - 1] == '.') n--;
  if (n < 9 || (n > 9 && name[n - 10] != '.')) return 0;
  return host_name_eq(name + n - 9, 9, "localhost");
}

#define HOSTS_MAX 64 /* addresses kept for one name */

int dns_hosts_lookup(const char *hosts_text, const char *name, int qtype, char *json, size_t cap) {
  uint8_t seen[HOSTS_MAX][16];
  int family = qtype == DNS_A ? 4 : 6, count = 0, k;
  const char *p = hosts_text;
  size_t alen = family == 4 ? 4 : 16, n;
  int ok = name != NULL && (qtype == DNS_A || qtype == DNS_AAAA);
  jbuf b;
  jinit(&b, json, cap);
  jstr(&b, "[");
  while (ok && p != NULL && *p != '\0' && count < HOSTS_MAX) {
    const char *q = p, *addr;
    uint8_t octets[16];
    size_t an = token(&q, "#");
    int match = 0;
    addr = q - an;
    if (an > 0 && ip_family(addr, an, octets) == family) {
      while ((n = token(&q, "#")) > 0 && !match) match = host_name_eq(q - n, n, name);
    }
    if (match) {
      for (k = 0; k < count && memcmp(seen[k], octets, alen) != 0; k++) {
      }
      if (k == count) {
        char text[48];
        memcpy(seen[count], octets, alen);
        if (count > 0) jstr(&b, ",");
        jaddress(&b, qtype, text, format_ip(octets, family, text), 0);
        count++;
      }
    }
    p = next_line(p);
  }
  if (count == 0 && ok && is_localhost(name)) {
    jaddress(&b, qtype, family == 4 ? "127.0.0.1" : "::1", family == 4 ? 9 : 3, 0);
    count = 1;
  }
  jstr(&b, "]");
  return jdone(&b) < 0 ? -1 : count;
}
