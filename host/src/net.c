#include "net.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dns.h"
#include "file_read.h"

#define MAX_DATAGRAM 65507
#define CONNECT_TIMEOUT_MS 10000.0
#define MAX_TCP_BACKLOG (1u << 20)
#define CLOSE_LINGER_MS 5000.0
#define DNS_TRY_MS 2000.0
#define DNS_TRIES 2
#define DNS_JSON_CAP 16384
#define MAX_DNS_SERVERS 4
#define RECV_BURST 32

typedef enum { K_UDP, K_TCP, K_LISTENER, K_DNS, K_LINGER } sock_kind;

typedef struct nsock {
  struct nsock *next;
  int id;
  sock_kind kind;
  plat_sock s;
  int connected;
  int writable_wanted; /* a tcpWrite was refused: tcp_writable once the send queue is empty */
  double deadline; /* connect timeout, DNS try, linger end; 0 = none */
  uint8_t *out;    /* TCP send queue */
  size_t out_len, out_cap;
  /* DNS */
  char name[256];
  char type[8];
  int qtype, server, tries;
  uint16_t txid;
} nsock;

struct quip_net {
  ev_queue *events;
  nsock *socks;
  int next_id;
  int closed;
  char bind_address[64];
  char advertised[64];
  int has_advertised;
  char local[64];
  char servers[MAX_DNS_SERVERS][64];
  int server_ports[MAX_DNS_SERVERS];
  int nservers;
  char hosts_file[512];
};

static uint8_t recv_buf[65536];

/* ---- helpers ------------------------------------------------------------------------------ */

static int valid_port(double p, int allow_zero) { return p == (double)(int)p && p >= (allow_zero ? 0 : 1) && p <= 65535; }

static nsock *find(quip_net *n, int id, sock_kind kind) {
  for (nsock *s = n->socks; s != NULL; s = s->next)
    if (s->id == id && s->kind == kind) return s;
  return NULL;
}

static nsock *add(quip_net *n, int id, sock_kind kind, plat_sock ps) {
  nsock *s = calloc(1, sizeof *s);
  if (s == NULL) return NULL;
  s->id = id;
  s->kind = kind;
  s->s = ps;
  s->next = n->socks;
  n->socks = s;
  return s;
}

static void drop(quip_net *n, nsock *gone) {
  for (nsock **p = &n->socks; *p != NULL; p = &(*p)->next) {
    if (*p == gone) {
      *p = gone->next;
      break;
    }
  }
  plat_close(gone->s);
  free(gone->out);
  free(gone);
}

static void push(quip_net *n, hal_event *e) {
  if (!n->closed) evq_push(n->events, e);
  else ev_free(e);
}

static void emit_id_error(quip_net *n, const char *type, int id, const char *error) {
  hal_event *e = ev_new(type);
  ev_num(e, id);
  ev_cstr(e, error);
  push(n, e);
}

static void emit_tcp_closed(quip_net *n, int id, const char *error) { emit_id_error(n, "tcp_closed", id, error); }

static void load_dns_servers(quip_net *n, const char *list) {
  char text[8192];
  char found[MAX_DNS_SERVERS][64];
  int count = 0;
  if (list != NULL) {
    const char *p = list;
    while (*p != '\0' && count < MAX_DNS_SERVERS) {
      size_t len = strcspn(p, ",");
      if (len > 0 && len < 64) {
        memcpy(found[count], p, len);
        found[count][len] = '\0';
        count++;
      }
      p += len;
      if (*p == ',') p++;
    }
  } else if (plat_resolver_config(text, sizeof text) == 0) {
    count = dns_parse_resolv_conf(text, found, MAX_DNS_SERVERS);
  }
  for (int i = 0; i < count; i++) {
    /* "1.2.3.4", "1.2.3.4:5353", "::1", "[::1]:5353" */
    char *addr = found[i];
    int port = 53;
    if (addr[0] == '[') {
      char *close = strchr(addr, ']');
      if (close == NULL) continue;
      *close = '\0';
      if (close[1] == ':') port = atoi(close + 2);
      addr++;
    } else if (strchr(addr, ':') == strrchr(addr, ':') && strchr(addr, ':') != NULL) {
      char *colon = strchr(addr, ':');
      *colon = '\0';
      port = atoi(colon + 1);
    }
    if (plat_ip_family(addr) == 0 || port < 1 || port > 65535) continue;
    snprintf(n->servers[n->nservers], 64, "%.63s", addr);
    n->server_ports[n->nservers++] = port;
  }
}

quip_net *net_create(const net_options *o, ev_queue *events) {
  quip_net *n = calloc(1, sizeof *n);
  if (n == NULL) return NULL;
  n->events = events;
  n->next_id = 1;
  snprintf(n->bind_address, sizeof n->bind_address, "%s", o->bind_address != NULL ? o->bind_address : "0.0.0.0");
  if (o->advertised_address != NULL) {
    snprintf(n->advertised, sizeof n->advertised, "%s", o->advertised_address);
    n->has_advertised = 1;
  }
#ifdef _WIN32
  {
    const char *root = getenv("SystemRoot");
    snprintf(n->hosts_file, sizeof n->hosts_file, "%s\\System32\\drivers\\etc\\hosts", root != NULL ? root : "C:\\Windows");
  }
#else
  snprintf(n->hosts_file, sizeof n->hosts_file, "/etc/hosts");
#endif
  if (o->hosts_file != NULL) snprintf(n->hosts_file, sizeof n->hosts_file, "%s", o->hosts_file);
  load_dns_servers(n, o->dns_servers);
  return n;
}

void net_close(quip_net *n) {
  if (n == NULL) return;
  n->closed = 1;
  while (n->socks != NULL) drop(n, n->socks);
  free(n);
}

/* ---- UDP ---------------------------------------------------------------------------------- */

int net_udp_open(quip_net *n, double port) {
  int id = n->next_id++;
  if (n->closed) return id;
  if (!valid_port(port, 1)) {
    emit_id_error(n, "udp_error", id, "EINVAL");
    return id;
  }
  const char *err = NULL;
  int bound = 0;
  plat_sock s = plat_udp_open(n->bind_address, (int)port, &bound, &err);
  if (s == PLAT_NO_SOCK) {
    emit_id_error(n, "udp_error", id, err != NULL ? err : "EIO");
    return id;
  }
  if (add(n, id, K_UDP, s) == NULL) {
    plat_close(s);
    emit_id_error(n, "udp_error", id, "ENOMEM");
    return id;
  }
  hal_event *e = ev_new("udp_bound");
  ev_num(e, id);
  ev_num(e, bound);
  push(n, e);
  return id;
}

int net_udp_send(quip_net *n, int socket, const uint8_t *data, size_t len, const char *address, double port) {
  nsock *s = find(n, socket, K_UDP);
  if (s == NULL || data == NULL || len > MAX_DATAGRAM || !valid_port(port, 0) || address == NULL) return 0;
  int family = plat_ip_family(address);
  if (family == 0 || (family == 6) != (plat_ip_family(n->bind_address) == 6)) return 0;
  /* A failed send (e.g. EHOSTUNREACH) loses the datagram as the network would. */
  plat_udp_send(s->s, data, len, address, (int)port);
  return 1;
}

void net_udp_close(quip_net *n, int socket) {
  nsock *s = find(n, socket, K_UDP);
  if (s != NULL) drop(n, s);
}

/* ---- TCP ---------------------------------------------------------------------------------- */

int net_tcp_connect(quip_net *n, const char *address, double port) {
  int id = n->next_id++;
  if (n->closed) return id;
  if (address == NULL || plat_ip_family(address) == 0 || !valid_port(port, 0)) {
    emit_tcp_closed(n, id, "EINVAL");
    return id;
  }
  const char *err = NULL;
  plat_sock ps = plat_tcp_connect(n->bind_address, address, (int)port, &err);
  if (ps == PLAT_NO_SOCK) {
    emit_tcp_closed(n, id, err != NULL ? err : "EIO");
    return id;
  }
  nsock *s = add(n, id, K_TCP, ps);
  if (s == NULL) {
    plat_close(ps);
    emit_tcp_closed(n, id, "ENOMEM");
    return id;
  }
  s->deadline = plat_monotonic_ms() + CONNECT_TIMEOUT_MS;
  return id;
}

int net_tcp_listen(quip_net *n, double port) {
  int id = n->next_id++;
  if (n->closed) return id;
  if (!valid_port(port, 1)) {
    emit_id_error(n, "tcp_listen_error", id, "EINVAL");
    return id;
  }
  const char *err = NULL;
  int bound = 0;
  plat_sock ps = plat_tcp_listen(n->bind_address, (int)port, &bound, &err);
  if (ps == PLAT_NO_SOCK || add(n, id, K_LISTENER, ps) == NULL) {
    if (ps != PLAT_NO_SOCK) plat_close(ps);
    emit_id_error(n, "tcp_listen_error", id, err != NULL ? err : "ENOMEM");
    return id;
  }
  hal_event *e = ev_new("tcp_listening");
  ev_num(e, id);
  ev_num(e, bound);
  push(n, e);
  return id;
}

void net_tcp_stop_listening(quip_net *n, int listener) {
  nsock *s = find(n, listener, K_LISTENER);
  if (s != NULL) drop(n, s); /* connections already accepted stay open, as with BSD sockets */
}

static int queue_out(nsock *s, const uint8_t *data, size_t len) {
  if (s->out_len + len > s->out_cap) {
    size_t cap = s->out_cap ? s->out_cap : 4096;
    while (cap < s->out_len + len) cap *= 2;
    uint8_t *b = realloc(s->out, cap);
    if (b == NULL) return 0;
    s->out = b;
    s->out_cap = cap;
  }
  memcpy(s->out + s->out_len, data, len);
  s->out_len += len;
  return 1;
}

/* Sends what is queued; -1 when the connection failed. */
static int flush_out(nsock *s) {
  while (s->out_len > 0) {
    long w = plat_tcp_send(s->s, s->out, s->out_len);
    if (w == PLAT_AGAIN) return 0;
    if (w < 0) return -1;
    memmove(s->out, s->out + w, s->out_len - (size_t)w);
    s->out_len -= (size_t)w;
  }
  return 0;
}

/* The tcp_writable a refused tcpWrite asked for, once everything queued has gone out. */
static void check_writable(quip_net *n, nsock *s) {
  if (!s->writable_wanted || s->out_len > 0) return;
  s->writable_wanted = 0;
  hal_event *e = ev_new("tcp_writable");
  ev_num(e, s->id);
  push(n, e);
}

int net_tcp_write(quip_net *n, int conn, const uint8_t *data, size_t len) {
  nsock *s = find(n, conn, K_TCP);
  if (s == NULL || !s->connected || data == NULL) return 0;
  if (s->out_len + len > MAX_TCP_BACKLOG || !queue_out(s, data, len)) {
    /* Retry later: tcp_writable follows when the queue drains (an empty queue would never
     * drain: the data alone is more than the backlog may hold). */
    if (s->out_len > 0) s->writable_wanted = 1;
    return 0;
  }
  /* Errors surface on the next readiness as tcp_closed; the write itself was accepted. */
  flush_out(s);
  check_writable(n, s);
  return 1;
}

void net_tcp_close(quip_net *n, int conn) {
  nsock *s = find(n, conn, K_TCP);
  if (s == NULL) return;
  emit_tcp_closed(n, conn, NULL);
  if (!s->connected) {
    drop(n, s);
    return;
  }
  /* Let queued writes go out (FIN after them); give up if the peer never closes its side. */
  s->kind = K_LINGER;
  s->id = 0;
  s->deadline = plat_monotonic_ms() + CLOSE_LINGER_MS;
  if (flush_out(s) < 0) {
    drop(n, s);
    return;
  }
  if (s->out_len == 0) plat_tcp_shutdown(s->s);
}

/* ---- DNS ---------------------------------------------------------------------------------- */

static void dns_answer(quip_net *n, int id, const char *json, const char *error) {
  hal_event *e = ev_new("dns");
  ev_num(e, id);
  ev_cstr(e, error == NULL ? json : "[]");
  ev_cstr(e, error);
  push(n, e);
}


/* Sends the current try of a DNS query; 0 when sent. */
static int dns_send(quip_net *n, nsock *q) {
  uint8_t pkt[512];
  if (q->s != PLAT_NO_SOCK) plat_close(q->s);
  q->s = PLAT_NO_SOCK;
  const char *server = n->servers[q->server];
  const char *err = NULL;
  int bound = 0;
  q->s = plat_udp_open(plat_ip_family(server) == 6 ? "::" : "0.0.0.0", 0, &bound, &err);
  if (q->s == PLAT_NO_SOCK) return -1;
  uint8_t r[2];
  plat_random(r, 2);
  q->txid = (uint16_t)(r[0] << 8 | r[1]);
  int len = dns_build_query(pkt, sizeof pkt, q->txid, q->name, q->qtype);
  if (len < 0 || plat_udp_send(q->s, pkt, (size_t)len, server, n->server_ports[q->server]) != 0) return -1;
  q->deadline = plat_monotonic_ms() + DNS_TRY_MS;
  return 0;
}

/* The next try: the same server again, then the next one; 0 when one went out. */
static int dns_retry(quip_net *n, nsock *q) {
  for (;;) {
    if (++q->tries >= DNS_TRIES) {
      q->tries = 0;
      if (++q->server >= n->nservers) return -1;
    }
    if (dns_send(n, q) == 0) return 0;
  }
}

int net_dns_query(quip_net *n, const char *name, const char *type) {
  int id = n->next_id++;
  if (n->closed) return id;
  char norm[256];
  static char json[DNS_JSON_CAP];
  int qtype = type != NULL ? dns_type_from_name(type) : 0;
  if (qtype == 0) {
    dns_answer(n, id, NULL, "EBADQUERY");
    return id;
  }
  if (name == NULL || dns_normalize_name(name, norm, sizeof norm) != 0) {
    dns_answer(n, id, NULL, "EBADNAME");
    return id;
  }
  if (qtype == DNS_A || qtype == DNS_AAAA) {
    const char *lerr = NULL;
    if (dns_literal_answer(norm, qtype, json, sizeof json, &lerr) != 0) {
      dns_answer(n, id, json, lerr);
      return id;
    }
    /* The OS's own names first, as getaddrinfo does (no resolver round trip for localhost). */
    size_t hlen;
    char herr[128];
    char *hosts = (char *)read_file(n->hosts_file, 1 << 20, &hlen, herr, sizeof herr);
    int found = dns_hosts_lookup(hosts, norm, qtype, json, sizeof json); /* NULL text: localhost only */
    free(hosts);
    if (found > 0) {
      dns_answer(n, id, json, NULL);
      return id;
    }
  }
  nsock *q = add(n, id, K_DNS, PLAT_NO_SOCK);
  if (q == NULL) {
    dns_answer(n, id, NULL, "ENOMEM");
    return id;
  }
  snprintf(q->name, sizeof q->name, "%s", norm);
  snprintf(q->type, sizeof q->type, "%s", type);
  q->qtype = qtype;
  if (n->nservers == 0 || (dns_send(n, q) != 0 && dns_retry(n, q) != 0)) {
    drop(n, q);
    dns_answer(n, id, NULL, n->nservers == 0 ? "ECONNREFUSED" : "ETIMEOUT");
  }
  return id;
}

static void dns_readable(quip_net *n, nsock *q) {
  static char json[DNS_JSON_CAP];
  for (int i = 0; i < RECV_BURST; i++) {
    char from[64];
    int port = 0;
    long len = plat_udp_recv(q->s, recv_buf, sizeof recv_buf, from, &port);
    if (len < 0) return;
    /* Only the server we asked may answer (a spoofed packet from elsewhere is ignored). */
    if (strcmp(from, n->servers[q->server]) != 0 || port != n->server_ports[q->server]) continue;
    const char *error = NULL;
    int r = dns_parse_response(recv_buf, (size_t)len, q->txid, q->name, q->qtype, json, sizeof json, &error);
    if (r == 1) continue;
    int id = q->id;
    drop(n, q);
    if (r < 0) dns_answer(n, id, NULL, "EBADRESP");
    else dns_answer(n, id, json, error);
    return;
  }
}

/* ---- addresses ---------------------------------------------------------------------------- */

const char *net_local_address(quip_net *n) {
  if (n->has_advertised) return n->advertised;
  const char *b = n->bind_address;
  if (strcmp(b, "0.0.0.0") != 0 && strcmp(b, "::") != 0) return b;
  const char *ext = plat_first_external_ipv4(n->local);
  return ext != NULL ? ext : "127.0.0.1";
}

/* ---- the event loop's side ---------------------------------------------------------------- */

int net_poll_fds(quip_net *n, plat_pollfd *fds, int cap) {
  int k = 0;
  for (nsock *s = n->socks; s != NULL && k < cap; s = s->next) {
    if (s->s == PLAT_NO_SOCK) continue;
    int want = PLAT_IN;
    if (s->kind == K_TCP && !s->connected) want = PLAT_OUT;
    else if ((s->kind == K_TCP || s->kind == K_LINGER) && s->out_len > 0) want |= PLAT_OUT;
    fds[k].sock = s->s;
    fds[k].want = want;
    fds[k].ready = 0;
    k++;
  }
  return k;
}

static void tcp_ready(quip_net *n, nsock *s, int ready) {
  if (!s->connected) {
    if (!(ready & (PLAT_OUT | PLAT_ERR))) return;
    const char *err = plat_tcp_connect_result(s->s);
    if (err != NULL) {
      int id = s->id;
      drop(n, s);
      emit_tcp_closed(n, id, err);
      return;
    }
    s->connected = 1;
    s->deadline = 0;
    char local[64];
    int port = 0;
    plat_sock_name(s->s, local, &port);
    hal_event *e = ev_new("tcp_connected");
    ev_num(e, s->id);
    ev_cstr(e, local);
    ev_num(e, port);
    push(n, e);
    return;
  }
  if ((ready & PLAT_OUT) && flush_out(s) < 0) {
    int id = s->id;
    drop(n, s);
    emit_tcp_closed(n, id, "EPIPE");
    return;
  }
  if (ready & PLAT_OUT) check_writable(n, s);
  if (!(ready & (PLAT_IN | PLAT_ERR))) return;
  long r = plat_tcp_recv(s->s, recv_buf, sizeof recv_buf);
  if (r == PLAT_AGAIN) return;
  if (r < 0) {
    int id = s->id;
    drop(n, s);
    emit_tcp_closed(n, id, r == PLAT_EOF ? NULL : "ECONNRESET");
    return;
  }
  hal_event *e = ev_new("tcp_data");
  ev_num(e, s->id);
  ev_bin(e, recv_buf, (size_t)r);
  push(n, e);
}

static void linger_ready(quip_net *n, nsock *s, int ready) {
  if (ready & PLAT_OUT) {
    if (flush_out(s) < 0) {
      drop(n, s);
      return;
    }
    if (s->out_len == 0) plat_tcp_shutdown(s->s);
  }
  if (ready & (PLAT_IN | PLAT_ERR)) {
    long r = plat_tcp_recv(s->s, recv_buf, sizeof recv_buf);
    if (r == PLAT_EOF || r == PLAT_FAIL) drop(n, s); /* the peer closed its side too */
  }
}

static void udp_ready(quip_net *n, nsock *s) {
  for (int i = 0; i < RECV_BURST; i++) {
    char from[64];
    int port = 0;
    long len = plat_udp_recv(s->s, recv_buf, sizeof recv_buf, from, &port);
    if (len == PLAT_AGAIN) return;
    if (len < 0) {
      int id = s->id;
      const char *err = plat_sock_error();
      drop(n, s);
      emit_id_error(n, "udp_error", id, err);
      return;
    }
    hal_event *e = ev_new("udp");
    ev_num(e, s->id);
    ev_bin(e, recv_buf, (size_t)len);
    ev_cstr(e, from);
    ev_num(e, port);
    push(n, e);
  }
}

static void listener_ready(quip_net *n, nsock *s) {
  for (int i = 0; i < 8; i++) {
    char from[64];
    int port = 0;
    plat_sock c = plat_tcp_accept(s->s, from, &port);
    if (c == PLAT_NO_SOCK) return;
    int id = n->next_id++;
    nsock *conn = add(n, id, K_TCP, c);
    if (conn == NULL) {
      plat_close(c);
      return;
    }
    conn->connected = 1;
    hal_event *e = ev_new("tcp_accepted");
    ev_num(e, s->id);
    ev_num(e, id);
    ev_cstr(e, from);
    ev_num(e, port);
    push(n, e);
  }
}

void net_ready(quip_net *n, const plat_pollfd *fds, int count, double now) {
  /* Match readiness to sockets by handle: a handler may drop sockets from the list. */
  for (int i = 0; i < count; i++) {
    if (fds[i].ready == 0) continue;
    nsock *s = n->socks;
    while (s != NULL && s->s != fds[i].sock) s = s->next;
    if (s == NULL) continue;
    switch (s->kind) {
      case K_UDP: udp_ready(n, s); break;
      case K_TCP: tcp_ready(n, s, fds[i].ready); break;
      case K_LISTENER: listener_ready(n, s); break;
      case K_DNS: dns_readable(n, s); break;
      case K_LINGER: linger_ready(n, s, fds[i].ready); break;
    }
  }
  for (nsock *s = n->socks, *next; s != NULL; s = next) {
    next = s->next;
    if (s->deadline == 0 || s->deadline > now) continue;
    if (s->kind == K_TCP && !s->connected) {
      int id = s->id;
      drop(n, s);
      emit_tcp_closed(n, id, "timeout");
    } else if (s->kind == K_LINGER) {
      drop(n, s);
    } else if (s->kind == K_DNS) {
      if (dns_retry(n, s) != 0) {
        int id = s->id;
        drop(n, s);
        dns_answer(n, id, NULL, "ETIMEOUT");
      }
    }
    next = n->socks; /* the list may have changed: start over (deadlines just handled are cleared) */
  }
}

double net_next_deadline(quip_net *n) {
  double d = -1;
  for (nsock *s = n->socks; s != NULL; s = s->next)
    if (s->deadline > 0 && (d < 0 || s->deadline < d)) d = s->deadline;
  return d;
}
