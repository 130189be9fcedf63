/* Unit tests of the host's small portable modules and of the OS layer (plat_posix.c or
 * plat_win32.c): run on linux-x64, linux-armhf (qemu) and win32 (wine).
 *   test_host_units          the tests
 *   test_host_units stdin    reads stdin through plat_stdin_open until end of input and prints
 *                            "bytes N fnv1a XXXXXXXX" (proves the Win32 reader thread with pipes)
 *   test_host_units stdin hex  the same, and each chunk read in hex on stderr */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "events.h"
#include "jsonw.h"
#include "net.h"
#include "plat.h"
#include "storage_dir.h"
#include "timers.h"
#include "utf8.h"

#if defined(_WIN32)
#include <direct.h>
#define remove_dir(p) _rmdir(p)
#else
#define remove_dir(p) remove(p) /* C's remove() takes an empty directory on POSIX */
#endif

static int tests = 0, failures = 0;

#define CHECK(cond, name)                                               \
  do {                                                                  \
    tests++;                                                            \
    if (cond) printf("ok %d - %s\n", tests, name);                      \
    else {                                                              \
      failures++;                                                       \
      printf("not ok %d - %s  (%s:%d: %s)\n", tests, name, __FILE__, __LINE__, #cond); \
    }                                                                   \
  } while (0)

static char base[1024]; /* a fresh directory for this run's files */

static void path_in(char *out, size_t cap, const char *rel) { snprintf(out, cap, "%s/%s", base, rel); }

static int write_text(const char *path, const char *text) {
  FILE *f = fopen(path, "wb");
  if (f == NULL) return -1;
  size_t n = strlen(text);
  int ok = fwrite(text, 1, n, f) == n;
  return fclose(f) == 0 && ok ? 0 : -1;
}

/* The whole file, NUL-terminated, or NULL. */
static char *read_all(const char *path, size_t *len) {
  FILE *f = fopen(path, "rb");
  if (f == NULL) return NULL;
  size_t cap = 1024, n = 0;
  char *buf = malloc(cap);
  size_t r;
  while (buf != NULL && (r = fread(buf + n, 1, cap - n - 1, f)) > 0) {
    n += r;
    if (cap - n - 1 == 0) {
      char *b = realloc(buf, cap * 2);
      if (b == NULL) free(buf);
      buf = b;
      cap *= 2;
    }
  }
  fclose(f);
  if (buf == NULL) return NULL;
  buf[n] = '\0';
  if (len != NULL) *len = n;
  return buf;
}

/* ---- directory listings ------------------------------------------------------------------ */

typedef struct {
  char names[32][260];
  int n;
  int stop_after; /* 0 = never */
} name_list;

static int add_name(const char *name, void *ctx) {
  name_list *l = ctx;
  if (l->n < 32) snprintf(l->names[l->n++], sizeof l->names[0], "%s", name);
  return l->stop_after != 0 && l->n >= l->stop_after;
}

static int has_name(const name_list *l, const char *name) {
  for (int i = 0; i < l->n; i++)
    if (strcmp(l->names[i], name) == 0) return 1;
  return 0;
}

static int list(const char *dir, name_list *l) {
  memset(l, 0, sizeof *l);
  return plat_list_dir(dir, add_name, l);
}

/* ---- plat: time, entropy, files ---------------------------------------------------------- */

static void test_plat_time(void) {
  double t0 = plat_monotonic_ms();
  plat_poll(NULL, 0, 30); /* no sockets: just a sleep */
  double t1 = plat_monotonic_ms();
  double t2 = plat_monotonic_ms();
  CHECK(t1 - t0 >= 20 && t1 - t0 < 5000, "plat_monotonic_ms advances across a 30 ms wait");
  CHECK(t2 >= t1, "plat_monotonic_ms never goes back");
  double w = plat_wall_ms();
  CHECK(w > 1.6e12 && w < 4.1e12 && w == floor(w), "plat_wall_ms is whole milliseconds since 1970");
  CHECK(plat_cpu_ms() >= 0, "plat_cpu_ms is not negative");
  CHECK(plat_pid() > 0, "plat_pid is positive");
  long rss = plat_peak_rss_kb();
  printf("# peak rss %ld kB\n", rss);
  CHECK(rss == -1 || rss > 0, "plat_peak_rss_kb is positive or -1");
}

static void test_plat_random(void) {
  uint8_t a[32], b[32], zero[32];
  memset(a, 0, sizeof a);
  memset(b, 0, sizeof b);
  memset(zero, 0, sizeof zero);
  CHECK(plat_random(a, sizeof a) == 0 && plat_random(b, sizeof b) == 0, "plat_random succeeds");
  CHECK(memcmp(a, b, sizeof a) != 0 && memcmp(a, zero, sizeof a) != 0, "plat_random gives different bytes each time");
  CHECK(plat_random(a, 0) == 0, "plat_random of 0 bytes");
  static uint8_t big[100000];
  int ok = plat_random(big, sizeof big) == 0;
  unsigned counts[256] = {0};
  for (size_t i = 0; i < sizeof big; i++) counts[big[i]]++;
  unsigned lo = 1u << 30, hi = 0;
  for (int i = 0; i < 256; i++) {
    if (counts[i] < lo) lo = counts[i];
    if (counts[i] > hi) hi = counts[i];
  }
  CHECK(ok && lo > 250 && hi < 560, "plat_random fills a large buffer evenly");
}

static void test_plat_files(void) {
  char p[1200], q[1200], r[1200];
  path_in(p, sizeof p, "a/b/c");
  CHECK(plat_mkdir_p(p) == 0, "plat_mkdir_p creates nested directories");
  CHECK(plat_mkdir_p(p) == 0, "plat_mkdir_p of an existing directory");
  path_in(q, sizeof q, "a/b/c/");
  CHECK(plat_mkdir_p(q) == 0, "plat_mkdir_p with a trailing separator");
#if defined(_WIN32)
  path_in(q, sizeof q, "w\\x\\y");
  CHECK(plat_mkdir_p(q) == 0, "plat_mkdir_p with backslashes (win32)");
  path_in(q, sizeof q, "w/x/y");
  name_list wl;
  CHECK(list(q, &wl) == 0 && wl.n == 0, "the backslash path is the same directory");
#endif

  path_in(p, sizeof p, "a/f");
  path_in(q, sizeof q, "a/f.tmp");
  CHECK(write_text(p, "old") == 0, "write a file");
  FILE *f = fopen(q, "wb");
  int ok = f != NULL && fputs("new value", f) >= 0 && plat_file_sync(f) == 0;
  if (f != NULL) ok = fclose(f) == 0 && ok;
  CHECK(ok, "plat_file_sync on a written file");
  CHECK(plat_replace_file(q, p) == 0, "plat_replace_file over an existing file");
  char *text = read_all(p, NULL);
  CHECK(text != NULL && strcmp(text, "new value") == 0, "the replaced file has the new content");
  free(text);
  FILE *gone = fopen(q, "rb");
  CHECK(gone == NULL, "the source name is gone after plat_replace_file");
  if (gone != NULL) fclose(gone);
  path_in(r, sizeof r, "a");
  CHECK(plat_sync_dir(r) == 0, "plat_sync_dir");

  name_list l;
  CHECK(list(r, &l) == 0 && l.n == 2 && has_name(&l, "f") && has_name(&l, "b"), "plat_list_dir sees the file and the subdirectory, not . or ..");
  memset(&l, 0, sizeof l);
  l.stop_after = 1;
  CHECK(plat_list_dir(r, add_name, &l) == 0 && l.n == 1, "plat_list_dir stops when the callback says so");
  path_in(q, sizeof q, "a/b/c");
  CHECK(list(q, &l) == 0 && l.n == 0, "plat_list_dir of an empty directory");
  path_in(q, sizeof q, "no-such-dir");
  CHECK(list(q, &l) != 0, "plat_list_dir of a missing directory fails");

  path_in(q, sizeof q, "a/f/sub");
  CHECK(plat_mkdir_p(q) != 0, "plat_mkdir_p through a file fails");
  CHECK(plat_mkdir_p("") != 0, "plat_mkdir_p of an empty path fails");
  CHECK(plat_remove(p) == 0, "plat_remove");
  CHECK(plat_remove(p) != 0, "plat_remove of a missing file fails");
  CHECK(list(r, &l) == 0 && l.n == 1 && has_name(&l, "b"), "the removed file is gone from the listing");

  path_in(q, sizeof q, "a/b/c");
  remove_dir(q);
  path_in(q, sizeof q, "a/b");
  remove_dir(q);
  remove_dir(r);
#if defined(_WIN32)
  path_in(q, sizeof q, "w/x/y");
  remove_dir(q);
  path_in(q, sizeof q, "w/x");
  remove_dir(q);
  path_in(q, sizeof q, "w");
  remove_dir(q);
#endif
}

/* ---- plat: sockets ----------------------------------------------------------------------- */

/* Polls one socket until it is ready for `want` (or an error) or ms pass; the ready bits. */
static int wait_ready(plat_sock s, int want, int ms) {
  double end = plat_monotonic_ms() + ms;
  for (;;) {
    plat_pollfd p;
    p.sock = s;
    p.want = want;
    p.ready = 0;
    double left = end - plat_monotonic_ms();
    if (left < 0) return 0;
    int r = plat_poll(&p, 1, (int)left + 1);
    if (r < 0) return -1;
    if (r > 0 && p.ready != 0) return p.ready;
  }
}

static void test_ip_family(void) {
  static const struct {
    const char *text;
    int family;
  } cases[] = {
      /* what glibc's inet_pton says; plat_win32.c must agree */
      {"127.0.0.1", 4}, {"0.0.0.0", 4}, {"255.255.255.255", 4}, {"01.2.3.4", 0}, {"1.2.3", 0}, {"1.2.3.4.", 0},
      {"256.1.1.1", 0}, {"1.2.3.04", 0}, {" 1.2.3.4", 0}, {"1.2.3.4 ", 0}, {"", 0}, {"localhost", 0},
      {"::", 6}, {"::1", 6}, {":::", 0}, {"1::", 6}, {"1:::2", 0}, {"1::2::3", 0}, {"1:2:3:4:5:6:7:8", 6},
      {"1:2:3:4:5:6:7:8:9", 0}, {"1:2:3:4:5:6:7::8", 0}, {"::1:2:3:4:5:6:7", 6}, {"1:2:3:4:5:6::1.2.3.4", 0},
      {"1:2:3:4:5:6:7:1.2.3.4", 0}, {"::ffff:1.2.3.4", 6}, {"12345::", 0}, {"0001:2:3:4:5:6:7:8", 6},
      {"00001::", 0}, {"::1.2.3", 0}, {"::1.2.3.4.5", 0}, {"1:", 0}, {"::1:", 0}, {"FE80::A", 6}, {"[::1]", 0},
      {"fe80::1%1", 0}, {":1::", 0},
  };
  int bad = 0;
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    if (plat_ip_family(cases[i].text) != cases[i].family) {
      printf("# plat_ip_family(\"%s\") = %d, want %d\n", cases[i].text, plat_ip_family(cases[i].text), cases[i].family);
      bad++;
    }
  }
  CHECK(bad == 0, "plat_ip_family: strict IPv4 and IPv6 literals, as inet_pton");
  CHECK(plat_ip_family(NULL) == 0, "plat_ip_family(NULL)");
}

static void test_udp(void) {
  int port = 0, port2 = -1;
  const char *err = NULL;
  plat_sock s = plat_udp_open("127.0.0.1", 0, &port, &err);
  CHECK(s != PLAT_NO_SOCK && port > 0 && port < 65536, "UDP socket on 127.0.0.1 port 0 gets a bound port");
  if (s == PLAT_NO_SOCK) return;
  uint8_t buf[256];
  char addr[64];
  int from = 0;
  CHECK(plat_udp_recv(s, buf, sizeof buf, addr, &from) == PLAT_AGAIN, "plat_udp_recv with nothing waiting gives PLAT_AGAIN");
  CHECK(plat_udp_send(s, (const uint8_t *)"ping", 4, "127.0.0.1", port) == 0, "plat_udp_send to itself");
  CHECK(wait_ready(s, PLAT_IN, 3000) == PLAT_IN, "plat_poll reports the datagram readable");
  memset(buf, 0, sizeof buf);
  long n = plat_udp_recv(s, buf, sizeof buf, addr, &from);
  CHECK(n == 4 && memcmp(buf, "ping", 4) == 0, "plat_udp_recv returns the datagram");
  CHECK(strcmp(addr, "127.0.0.1") == 0 && from == port, "plat_udp_recv gives the sender 127.0.0.1 and its port");

  /* A datagram bigger than the buffer arrives truncated, as on POSIX. */
  uint8_t big[100];
  for (int i = 0; i < 100; i++) big[i] = (uint8_t)i;
  plat_udp_send(s, big, sizeof big, "127.0.0.1", port);
  wait_ready(s, PLAT_IN, 3000);
  n = plat_udp_recv(s, buf, 10, addr, &from);
  CHECK(n == 10 && memcmp(buf, big, 10) == 0 && from == port, "an oversized datagram is truncated to the buffer");
  CHECK(plat_udp_recv(s, buf, sizeof buf, addr, &from) == PLAT_AGAIN, "and its rest is dropped");

  plat_sock t = plat_udp_open("127.0.0.1", port, &port2, &err);
  CHECK(t == PLAT_NO_SOCK && err != NULL && strcmp(err, "EADDRINUSE") == 0, "a second UDP bind on the port fails with EADDRINUSE");
  plat_close(t);
  err = NULL;
  CHECK(plat_udp_open("not-an-ip", 0, &port2, &err) == PLAT_NO_SOCK && err != NULL && strcmp(err, "EINVAL") == 0, "plat_udp_open of a bad address: EINVAL");
  CHECK(plat_udp_send(s, buf, 1, "nope", port) == -1, "plat_udp_send to a bad address fails");

  /* A send to a closed port (an ICMP error may come back) does not break the socket. */
  int dead = 0;
  plat_sock d = plat_udp_open("127.0.0.1", 0, &dead, &err);
  plat_close(d);
  plat_udp_send(s, (const uint8_t *)"x", 1, "127.0.0.1", dead);
  plat_poll(NULL, 0, 50);
  CHECK(plat_udp_recv(s, buf, sizeof buf, addr, &from) == PLAT_AGAIN, "an ICMP error after a send is PLAT_AGAIN, not a failure");
  plat_udp_send(s, (const uint8_t *)"again", 5, "127.0.0.1", port);
  wait_ready(s, PLAT_IN, 3000);
  CHECK(plat_udp_recv(s, buf, sizeof buf, addr, &from) == 5, "the socket still receives afterwards");
  plat_close(s);

  plat_sock s6 = plat_udp_open("::1", 0, &port, &err);
  if (s6 == PLAT_NO_SOCK) {
    printf("# no IPv6 loopback here (%s): skipping the IPv6 datagram\n", err);
  } else {
    plat_udp_send(s6, (const uint8_t *)"six", 3, "::1", port);
    wait_ready(s6, PLAT_IN, 3000);
    n = plat_udp_recv(s6, buf, sizeof buf, addr, &from);
    CHECK(n == 3 && strcmp(addr, "::1") == 0 && from == port, "UDP over ::1 names the sender ::1");
    plat_close(s6);
  }
}

static void test_tcp(void) {
  int port = 0, p2 = 0;
  const char *err = NULL;
  char addr[64], local[64];
  plat_sock l = plat_tcp_listen("127.0.0.1", 0, &port, &err);
  CHECK(l != PLAT_NO_SOCK && port > 0, "plat_tcp_listen on 127.0.0.1 port 0");
  if (l == PLAT_NO_SOCK) return;
  CHECK(plat_tcp_accept(l, addr, &p2) == PLAT_NO_SOCK, "plat_tcp_accept with nobody waiting");
  plat_sock l2 = plat_tcp_listen("127.0.0.1", port, &p2, &err);
  CHECK(l2 == PLAT_NO_SOCK && err != NULL && strcmp(err, "EADDRINUSE") == 0, "a second listener on the port fails with EADDRINUSE");
  plat_close(l2);

  err = NULL;
  plat_sock c = plat_tcp_connect(NULL, "127.0.0.1", port, &err);
  CHECK(c != PLAT_NO_SOCK, "plat_tcp_connect starts");
  if (c == PLAT_NO_SOCK) {
    plat_close(l);
    return;
  }
  int ready = wait_ready(c, PLAT_OUT, 3000);
  CHECK(ready & PLAT_OUT, "the non-blocking connect completes with PLAT_OUT readiness");
  CHECK(plat_tcp_connect_result(c) == NULL, "plat_tcp_connect_result is NULL when connected");
  CHECK(wait_ready(l, PLAT_IN, 3000) == PLAT_IN, "the listener is readable");
  int cport = 0, lport = 0;
  plat_sock a = plat_tcp_accept(l, addr, &p2);
  CHECK(a != PLAT_NO_SOCK, "plat_tcp_accept takes the connection");
  CHECK(plat_sock_name(c, local, &cport) == 0 && strcmp(addr, "127.0.0.1") == 0 && p2 == cport && strcmp(local, "127.0.0.1") == 0,
        "accept names the peer as plat_sock_name names the client");
  CHECK(plat_sock_name(a, local, &lport) == 0 && lport == port, "the accepted socket's local port is the listener's");

  uint8_t buf[64];
  CHECK(plat_tcp_recv(a, buf, sizeof buf) == PLAT_AGAIN, "plat_tcp_recv with nothing waiting gives PLAT_AGAIN");
  CHECK(plat_tcp_send(c, (const uint8_t *)"hello", 5) == 5, "plat_tcp_send");
  CHECK(wait_ready(a, PLAT_IN, 3000) == PLAT_IN, "the accepted socket is readable");
  long n = plat_tcp_recv(a, buf, sizeof buf);
  CHECK(n == 5 && memcmp(buf, "hello", 5) == 0, "plat_tcp_recv gets the bytes");
  CHECK(plat_tcp_send(a, (const uint8_t *)"back", 4) == 4 && wait_ready(c, PLAT_IN, 3000) == PLAT_IN && plat_tcp_recv(c, buf, sizeof buf) == 4,
        "and the other way");

  /* Fill the send buffer: the socket must say PLAT_AGAIN rather than block. */
  static uint8_t chunk[65536];
  long sent = 0, r = 0;
  for (int i = 0; i < 10000 && (r = plat_tcp_send(c, chunk, sizeof chunk)) > 0; i++) sent += r;
  CHECK(r == PLAT_AGAIN && sent > 0, "a full send buffer gives PLAT_AGAIN");
  long got = 0;
  double end = plat_monotonic_ms() + 10000;
  while (got < sent && plat_monotonic_ms() < end) {
    if (wait_ready(a, PLAT_IN, 1000) & PLAT_IN) {
      long k;
      while ((k = plat_tcp_recv(a, chunk, sizeof chunk)) > 0) got += k;
    }
  }
  CHECK(got == sent, "everything sent arrives");

  plat_tcp_shutdown(c);
  CHECK(wait_ready(a, PLAT_IN, 3000) == PLAT_IN && plat_tcp_recv(a, buf, sizeof buf) == PLAT_EOF, "plat_tcp_shutdown: the peer sees PLAT_EOF");
  plat_close(a);
  plat_close(c);
  plat_close(l);

  /* A connect to a port nobody listens on. */
  plat_sock gone = plat_tcp_listen("127.0.0.1", 0, &port, &err);
  plat_close(gone);
  err = NULL;
  c = plat_tcp_connect(NULL, "127.0.0.1", port, &err);
  const char *result = err;
  if (c != PLAT_NO_SOCK) {
    ready = wait_ready(c, PLAT_OUT, 5000); /* Windows retries a refused SYN for about 2 s */
    result = ready != 0 ? plat_tcp_connect_result(c) : "timeout";
    printf("# refused connect: ready=%d result=%s\n", ready, result != NULL ? result : "(connected)");
    plat_close(c);
  } else {
    printf("# refused connect failed at once: %s\n", err != NULL ? err : "?");
  }
  CHECK(result != NULL && strcmp(result, "ECONNREFUSED") == 0, "a connect to a closed port gives ECONNREFUSED");
  err = NULL;
  CHECK(plat_tcp_connect(NULL, "bad", 80, &err) == PLAT_NO_SOCK && err != NULL && strcmp(err, "EINVAL") == 0, "plat_tcp_connect to a bad address: EINVAL");
  CHECK(plat_poll(NULL, 0, 0) == 0, "plat_poll of nothing with timeout 0");

  /* A closed socket left in the list is flagged (poll's POLLNVAL), and the others still answer. */
  int up = 0;
  plat_sock live = plat_udp_open("127.0.0.1", 0, &up, &err);
  plat_sock dead = plat_udp_open("127.0.0.1", 0, &port, &err);
  plat_close(dead);
  plat_udp_send(live, (const uint8_t *)"z", 1, "127.0.0.1", up);
  wait_ready(live, PLAT_IN, 3000);
  plat_pollfd two[2] = {{dead, PLAT_IN, 0}, {live, PLAT_IN, 0}};
  int pr = plat_poll(two, 2, 1000);
  printf("# poll with a closed socket: %d, ready %d and %d\n", pr, two[0].ready, two[1].ready);
  CHECK(pr == 2 && two[0].ready == PLAT_ERR && two[1].ready == PLAT_IN, "plat_poll flags a closed socket with PLAT_ERR and still reports the others");
  plat_close(live);
}

/* ---- net: tcp_writable backpressure ------------------------------------------------------- */

/* One turn of the host loop for n's sockets: wait up to ms, handle what is ready. */
static void pump_net(quip_net *n, int ms) {
  plat_pollfd fds[16];
  int k = net_poll_fds(n, fds, 16);
  plat_poll(fds, k, ms);
  net_ready(n, fds, k, plat_monotonic_ms());
}

/* Takes every queued event; how many were of `type` for connection `id`. */
static int count_events(ev_queue *q, const char *type, int id) {
  int found = 0;
  hal_event *e;
  while ((e = evq_pop(q)) != NULL) {
    if (strcmp(e->type, type) == 0 && e->nargs > 0 && e->args[0].num == id) found++;
    ev_free(e);
  }
  return found;
}

/* The i-th byte of the stream: not a multiple of the chunk size, so a chunk out of place shows. */
static uint8_t stream_byte(size_t i) { return (uint8_t)(i % 251); }

static void test_net_backpressure(void) {
  ev_queue q = {0};
  net_options o = {"127.0.0.1", NULL, "127.0.0.1", NULL};
  quip_net *n = net_create(&o, &q);
  int port = 0, from = 0;
  const char *err = NULL;
  char addr[64];
  plat_sock l = plat_tcp_listen("127.0.0.1", 0, &port, &err);
  CHECK(n != NULL && l != PLAT_NO_SOCK, "net_create, and a peer listening");
  if (n == NULL || l == PLAT_NO_SOCK) {
    net_close(n);
    plat_close(l);
    return;
  }
  int conn = net_tcp_connect(n, "127.0.0.1", port);
  int connected = 0;
  for (int i = 0; i < 100 && connected == 0; i++) {
    pump_net(n, 50);
    connected = count_events(&q, "tcp_connected", conn);
  }
  wait_ready(l, PLAT_IN, 3000);
  plat_sock peer = plat_tcp_accept(l, addr, &from);
  CHECK(connected == 1 && peer != PLAT_NO_SOCK, "net_tcp_connect reaches the peer: tcp_connected");

  /* The peer reads nothing: write the numbered stream until the host says "retry later". */
  static uint8_t chunk[16384], got_buf[65536];
  size_t sent = 0;
  int refused = 0;
  while (!refused && sent < ((size_t)256 << 20)) {
    for (size_t i = 0; i < sizeof chunk; i++) chunk[i] = stream_byte(sent + i);
    if (net_tcp_write(n, conn, chunk, sizeof chunk)) sent += sizeof chunk;
    else refused = 1;
    pump_net(n, 0);
  }
  printf("# net_tcp_write refused after %lu bytes\n", (unsigned long)sent);
  CHECK(refused && sent >= ((size_t)1 << 20), "net_tcp_write refuses once the backlog is full");
  pump_net(n, 50);
  CHECK(count_events(&q, "tcp_writable", conn) == 0, "no tcp_writable while the peer reads nothing");

  /* Now it reads: every byte arrives in order, and one tcp_writable says the queue drained. */
  size_t got = 0;
  int writable = 0, in_order = 1;
  double end = plat_monotonic_ms() + 30000;
  while ((got < sent || writable == 0) && plat_monotonic_ms() < end) {
    long k;
    while ((k = plat_tcp_recv(peer, got_buf, sizeof got_buf)) > 0) {
      for (long i = 0; i < k; i++) in_order &= got_buf[i] == stream_byte(got + (size_t)i);
      got += (size_t)k;
    }
    pump_net(n, 2);
    writable += count_events(&q, "tcp_writable", conn);
  }
  pump_net(n, 20);
  writable += count_events(&q, "tcp_writable", conn);
  CHECK(got == sent && in_order, "the peer gets every byte written, in order");
  CHECK(writable == 1, "exactly one tcp_writable follows the refusal");
  CHECK(net_tcp_write(n, conn, chunk, 100) == 1, "after it the connection takes data again");

  net_tcp_close(n, conn);
  net_close(n);
  evq_clear(&q);
  plat_close(peer);
  plat_close(l);
}

static void test_misc_plat(void) {
  char buf[64];
  const char *ip = plat_first_external_ipv4(buf);
  printf("# first external IPv4: %s\n", ip != NULL ? ip : "(none)");
  CHECK(ip == NULL || (plat_ip_family(ip) == 4 && strncmp(ip, "127.", 4) != 0), "plat_first_external_ipv4 is NULL or a non-loopback IPv4");
  plat_catch_quit_signals();
  CHECK(!plat_quit_requested(), "no quit requested after installing the handlers");
}

/* ---- storage_dir --------------------------------------------------------------------------- */

static const struct {
  const char *key;
  size_t len; /* 0: strlen */
  const char *name;
} key_cases[] = {
    /* from encodeKey in hal/emulator/storage.ts */
    {"../x", 0, "%2E.%2Fx"},   {"a/b", 0, "a%2Fb"},           {"..", 0, "%2E%2E"},
    {".", 0, "%2E"},           {".hidden", 0, "%2Ehidden"},   {"trailing.", 0, "trailing%2E"},
    {"a\\b", 0, "a%5Cb"},      {"C:x", 0, "+c%3Ax"},          {"NUL\0", 4, "+n+u+l%00"},
    {" ", 0, "%20"},           {"%41", 0, "%2541"},           {"+a", 0, "%2Ba"},
    {"A", 0, "+a"},            {"a", 0, "a"},                 {"\xE6\x97\xA5\xE6\x9C\xAC", 0, "%E6%97%A5%E6%9C%AC"},
    {"Volume", 0, "+volume"},  {"sip.account.1", 0, "sip.account.1"}, {"a.b", 0, "a.b"},
    {"\xC3\xA9", 0, "%C3%A9"}, {"\xF0\x9F\x93\x9E", 0, "%F0%9F%93%9E"}, {"x.", 0, "x%2E"},
    {"-_", 0, "-_"},           {"~", 0, "%7E"},               {"\xC3\x84.\xC3\xB6", 0, "%C3%84.%C3%B6"},
    {"\x7F", 0, "%7F"},
};

static void test_key_encoding(void) {
  int bad = 0;
  for (size_t i = 0; i < sizeof key_cases / sizeof key_cases[0]; i++) {
    char name[300], key[300];
    size_t len = key_cases[i].len ? key_cases[i].len : strlen(key_cases[i].key);
    if (storage_encode_key(key_cases[i].key, len, name, sizeof name) != 0 || strcmp(name, key_cases[i].name) != 0) {
      printf("# encode case %u gave %s, want %s\n", (unsigned)i, name, key_cases[i].name);
      bad++;
    } else if (storage_decode_key(name, key, sizeof key) != 0 || memcmp(key, key_cases[i].key, len + 1) != 0) {
      printf("# decode of %s is not the key\n", name);
      bad++;
    }
  }
  CHECK(bad == 0, "storage_encode_key/decode_key agree with the TypeScript encodeKey on the emulator's cases");

  static const char *not_keys[] = {"%2e", ".tmp-1-2", "%FF", "+A", "a.", "%61", "%ED%A0%80", "%C0%AF", "A", "a%2e", "%e6%97%a5", "+", "%4", "ab+", "", "stray~file", "%2E.", "a b"};
  bad = 0;
  for (size_t i = 0; i < sizeof not_keys / sizeof not_keys[0]; i++) {
    char key[300];
    if (storage_decode_key(not_keys[i], key, sizeof key) == 0) {
      printf("# %s decoded as a key\n", not_keys[i]);
      bad++;
    }
  }
  CHECK(bad == 0, "non-canonical names, temp files, invalid UTF-8 and CESU surrogates are not keys");
  char key[16];
  CHECK(storage_decode_key("%2E", key, sizeof key) == 0 && strcmp(key, ".") == 0, "%2E is the key \".\"");

  char name[300];
  char k128[129], k129[130];
  memset(k128, 'k', 128);
  k128[128] = '\0';
  memset(k129, 'k', 129);
  k129[129] = '\0';
  CHECK(storage_encode_key(k128, 128, name, sizeof name) == 0, "a 128-unit key is fine");
  CHECK(storage_encode_key(k129, 129, name, sizeof name) != 0, "a 129-unit key is refused");
  CHECK(storage_encode_key("", 0, name, sizeof name) != 0, "the empty key is refused");
  CHECK(storage_encode_key("lone \xED\xA0\x80", 8, name, sizeof name) != 0, "a lone surrogate (CESU bytes ED A0 80) is refused");
  CHECK(storage_encode_key("\xFF", 1, name, sizeof name) != 0, "invalid UTF-8 is refused");
  char wide[400];
  for (int i = 0; i < 30; i++) memcpy(wide + 3 * i, "\xE6\x97\xA5", 3); /* 30 units, 270 bytes of name */
  CHECK(storage_encode_key(wide, 90, name, sizeof name) != 0, "a key whose file name passes 255 characters is refused");
  CHECK(storage_encode_key(wide, 84, name, sizeof name) == 0 && strlen(name) == 252, "one just under 255 is fine");
  CHECK(storage_encode_key("abc", 3, name, 4) != 0, "a too small output buffer is refused, not overrun");

  /* Property: random keys of mixed characters round trip and give safe names. */
  static const char *pieces[] = {"a", "Z", ".", "/", "\\", "%", "+", "-", "_", "0", " ", "\x01", "\xC3\xA9", "\xE2\x98\x8E", "\xF0\x9F\x93\x9E", "\xEF\xBF\xBF", "\x7F", ":"};
  unsigned long seed = 12345;
  bad = 0;
  for (int round = 0; round < 2000; round++) {
    char k[200];
    size_t n = 0;
    seed = seed * 1103515245 + 12345;
    int count = 1 + (int)((seed >> 16) % 20);
    for (int i = 0; i < count; i++) {
      seed = seed * 1103515245 + 12345;
      const char *p = pieces[(seed >> 16) % (sizeof pieces / sizeof pieces[0])];
      memcpy(k + n, p, strlen(p));
      n += strlen(p);
    }
    k[n] = '\0';
    char out[300];
    if (storage_encode_key(k, n, name, sizeof name) != 0 || storage_decode_key(name, out, sizeof out) != 0 || strcmp(out, k) != 0) {
      bad++;
      continue;
    }
    size_t m = strlen(name);
    int safe = name[m - 1] != '.' && name[0] != '.';
    for (size_t i = 0; i < m; i++) {
      char c = name[i];
      if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || (c >= 'A' && c <= 'F') || c == '_' || c == '-' || c == '+' || c == '%' || c == '.')) safe = 0;
    }
    if (!safe) bad++;
  }
  CHECK(bad == 0, "random keys round trip to safe, canonical file names");
}

typedef struct {
  char keys[40][300];
  int n;
} key_set;

static void add_key(const char *key, void *ctx) {
  key_set *k = ctx;
  if (k->n < 40) snprintf(k->keys[k->n++], sizeof k->keys[0], "%s", key);
}

static key_set *keys_of(storage_dir *s) {
  static key_set k;
  memset(&k, 0, sizeof k);
  storage_dir_keys(s, add_key, &k);
  return &k;
}

static int keys_are(storage_dir *s, const char *const *want, int n) {
  key_set *k = keys_of(s);
  if (k->n != n) return 0;
  for (int i = 0; i < n; i++)
    if (strcmp(k->keys[i], want[i]) != 0) return 0;
  return 1;
}

static int value_is(storage_dir *s, const char *key, const char *want, size_t wantlen) {
  char *v = NULL;
  size_t len = 0;
  if (!storage_dir_get(s, key, strlen(key), &v, &len)) return 0;
  int ok = len == wantlen && memcmp(v, want, len) == 0 && v[len] == '\0';
  free(v);
  return ok;
}

static int set(storage_dir *s, const char *key, const char *value) { return storage_dir_set(s, key, strlen(key), value, strlen(value)); }

static void empty_dir(const char *dir) {
  name_list l;
  char p[1600];
  if (list(dir, &l) != 0) return;
  for (int i = 0; i < l.n; i++) {
    snprintf(p, sizeof p, "%s/%s", dir, l.names[i]);
    plat_remove(p);
  }
}

static void test_storage(void) {
  char parent[1200], dir[1300], err[200];
  path_in(parent, sizeof parent, "sp");
  snprintf(dir, sizeof dir, "%s/store", parent);
  storage_dir *s = storage_dir_open(dir, err, sizeof err);
  CHECK(s != NULL, "storage_dir_open creates the directory");
  if (s == NULL) return;
  char *v = NULL;
  size_t len = 0;
  CHECK(!storage_dir_get(s, "nope", 4, &v, &len), "a missing key reads as absent");
  CHECK(set(s, "sip.account.1", "alice") && set(s, "Volume", "7") && set(s, "empty", ""), "set three keys");
  CHECK(value_is(s, "sip.account.1", "alice", 5) && value_is(s, "empty", "", 0), "get them back");
  static const char *const three[] = {"Volume", "empty", "sip.account.1"};
  CHECK(keys_are(s, three, 3), "keys are sorted");
  CHECK(set(s, "Volume", "8") && value_is(s, "Volume", "8", 1), "set overwrites");
  storage_dir_remove(s, "Volume", 6);
  storage_dir_remove(s, "Volume", 6);
  CHECK(!storage_dir_get(s, "Volume", 6, &v, &len), "remove (twice) deletes");
  CHECK(keys_are(s, three + 1, 2), "and the key is gone from keys");
  storage_dir_remove(s, "empty", 5);
  storage_dir_remove(s, "sip.account.1", 13);

  /* values are UTF-8 text and survive reopening */
  const char *greeting = "Gr\xC3\xBC\xC3\x9F" "e \xE2\x98\x8E \xF0\x9F\x93\x9E\nline two";
  CHECK(set(s, "greeting", greeting), "set a UTF-8 value");
  storage_dir_close(s);
  s = storage_dir_open(dir, err, sizeof err);
  static const char *const greet[] = {"greeting"};
  CHECK(s != NULL && value_is(s, "greeting", greeting, strlen(greeting)) && keys_are(s, greet, 1), "it survives reopening");
  char file[1400];
  snprintf(file, sizeof file, "%s/greeting", dir);
  char *raw = read_all(file, &len);
  CHECK(raw != NULL && len == strlen(greeting) && memcmp(raw, greeting, len) == 0, "the file holds exactly the UTF-8 bytes");
  free(raw);
  storage_dir_remove(s, "greeting", 8);

  /* odd keys cannot leave the directory (the TypeScript test's list, but for "NUL\0": see below) */
  static const char *const odd[] = {"../x", "a/b", "..", ".", ".hidden", "trailing.", "a\\b", "C:x", " ", "%41", "+a", "A", "a", "\xE6\x97\xA5\xE6\x9C\xAC"};
  int n_odd = (int)(sizeof odd / sizeof odd[0]);
  int ok = 1;
  for (int i = 0; i < n_odd; i++) {
    char value[64];
    snprintf(value, sizeof value, "v:%s", odd[i]);
    ok = ok && set(s, odd[i], value);
  }
  for (int i = 0; i < n_odd; i++) {
    char value[64];
    snprintf(value, sizeof value, "v:%s", odd[i]);
    ok = ok && value_is(s, odd[i], value, strlen(value));
  }
  CHECK(ok, "odd keys store and read back");
  static const char *const odd_sorted[] = {" ", "%41", "+a", ".", "..", "../x", ".hidden", "A", "C:x", "a", "a/b", "a\\b", "trailing.", "\xE6\x97\xA5\xE6\x9C\xAC"};
  CHECK(keys_are(s, odd_sorted, n_odd), "keys lists them in JavaScript sort order");
  name_list l;
  CHECK(list(parent, &l) == 0 && l.n == 1 && strcmp(l.names[0], "store") == 0, "nothing is written beside the store");
  CHECK(list(dir, &l) == 0 && l.n == n_odd, "one file per key inside it");
  CHECK(value_is(s, "A", "v:A", 3) && value_is(s, "a", "v:a", 3), "upper and lower case stay apart");
  /* A key holding U+0000 stores fine, but storage_dir_keys hands keys out NUL-terminated. */
  CHECK(storage_dir_set(s, "NUL\0", 4, "v", 1), "a key with U+0000 can be set");
  v = NULL;
  CHECK(storage_dir_get(s, "NUL\0", 4, &v, &len) && len == 1 && !storage_dir_get(s, "NUL", 3, &v, &len), "and read back, apart from \"NUL\"");
  free(v);
  storage_dir_remove(s, "NUL\0", 4);
  empty_dir(dir);

  /* UTF-16 order: U+1F4DE (D83D DCDE) sorts before U+FF61 */
  set(s, "\xEF\xBD\xA1", "1");
  set(s, "\xF0\x9F\x93\x9E", "2");
  set(s, "z", "3");
  static const char *const u16[] = {"z", "\xF0\x9F\x93\x9E", "\xEF\xBD\xA1"};
  CHECK(keys_are(s, u16, 3), "keys sort by UTF-16 code units, as JavaScript does");
  empty_dir(dir);

  /* limits */
  char k128[129], k129[130];
  memset(k128, 'k', 128);
  k128[128] = '\0';
  memset(k129, 'k', 129);
  k129[129] = '\0';
  CHECK(set(s, k128, "ok"), "key length 128 is fine");
  CHECK(!set(s, k129, "too long") && !storage_dir_get(s, k129, 129, &v, &len), "key length 129 is refused");
  CHECK(!storage_dir_set(s, "", 0, "empty key", 9), "the empty key is refused");
  size_t max = 256 * 1024;
  char *big = malloc(max + 2);
  char *ee = malloc(2 * (128 * 1024 + 1) + 1);
  if (big == NULL || ee == NULL) {
    free(big);
    free(ee);
    storage_dir_close(s);
    return;
  }
  memset(big, 'x', max + 1);
  CHECK(storage_dir_set(s, "big", 3, big, max), "a 256 KiB value is fine");
  memset(big, 'y', max + 1);
  CHECK(!storage_dir_set(s, "big", 3, big, max + 1), "256 KiB + 1 is refused");
  for (size_t i = 0; i < 128 * 1024 + 1; i++) memcpy(ee + 2 * i, "\xC3\xA9", 2);
  CHECK(!storage_dir_set(s, "big", 3, ee, 2 * (128 * 1024 + 1)), "the limit counts UTF-8 bytes");
  memset(big, 'x', max);
  CHECK(value_is(s, "big", big, max), "a refused set keeps the old value");
  free(big);
  free(ee);
  CHECK(!set(s, "broken", "lone \xED\xA0\x80 surrogate") && !storage_dir_get(s, "broken", 6, &v, &len), "a value with a lone surrogate is refused");
  CHECK(!storage_dir_set(s, "k\xED\xA0\x80", 4, "1", 1), "a key with a lone surrogate is refused");
  empty_dir(dir);

  /* a crash mid-write leaves the old value; leftovers are ignored, then cleaned up on open */
  set(s, "config", "old complete value");
  char leftover[1400], stray[1400];
  snprintf(leftover, sizeof leftover, "%s/.tmp-99999-1", dir);
  snprintf(stray, sizeof stray, "%s/stray~file", dir);
  write_text(leftover, "new compl");
  write_text(stray, "not ours");
  static const char *const config[] = {"config"};
  CHECK(value_is(s, "config", "old complete value", 18) && keys_are(s, config, 1), "temp files and strays are not keys");
  storage_dir_close(s);
  s = storage_dir_open(dir, err, sizeof err);
  FILE *f = fopen(leftover, "rb");
  CHECK(s != NULL && f == NULL, "reopening removes the leftover temp file");
  if (f != NULL) fclose(f);
  if (s == NULL) return;
  CHECK(set(s, "config", "new complete value") && value_is(s, "config", "new complete value", 18), "a later set works");
  CHECK(list(dir, &l) == 0 && l.n == 2 && has_name(&l, "config") && has_name(&l, "stray~file"), "set leaves no temp file");
  empty_dir(dir);
  storage_dir_close(s);
  remove_dir(dir);
  remove_dir(parent);

  /* a store where a file is in the way */
  char blocked[1200];
  path_in(blocked, sizeof blocked, "blocked");
  write_text(blocked, "file");
  snprintf(dir, sizeof dir, "%s/store", blocked);
  err[0] = '\0';
  CHECK(storage_dir_open(dir, err, sizeof err) == NULL && err[0] != '\0', "storage_dir_open fails clearly when it cannot create the directory");
  plat_remove(blocked);
}

/* ---- utf8 ----------------------------------------------------------------------------------- */

static int valid(const char *s, size_t n, size_t want_units) {
  size_t units = 999;
  return utf8_valid_scalar_text((const unsigned char *)s, n, &units) && units == want_units;
}

static int invalid(const char *s, size_t n) {
  size_t units;
  return !utf8_valid_scalar_text((const unsigned char *)s, n, &units);
}

static void test_utf8(void) {
  CHECK(valid("", 0, 0) && valid("abc", 3, 3) && valid("a\0b", 3, 3), "ASCII (with NUL) is valid, one unit a byte");
  CHECK(valid("\xC3\xA9", 2, 1) && valid("\xE6\x97\xA5", 3, 1) && valid("\xEF\xBF\xBF", 3, 1), "2- and 3-byte forms count one unit");
  CHECK(valid("\xF0\x9F\x93\x9E", 4, 2) && valid("\xF4\x8F\xBF\xBF", 4, 2), "4-byte forms count two units");
  CHECK(invalid("\xED\xA0\x80", 3) && invalid("\xED\xBF\xBF", 3), "surrogates (CESU-8) are refused");
  CHECK(invalid("\xC0\x80", 2) && invalid("\xC1\xBF", 2) && invalid("\xE0\x80\x80", 3) && invalid("\xF0\x80\x80\x80", 4), "overlong forms are refused");
  CHECK(invalid("\xF4\x90\x80\x80", 4) && invalid("\xF5\x80\x80\x80", 4) && invalid("\xFF", 1), "beyond U+10FFFF is refused");
  CHECK(invalid("\xE6\x97", 2) && invalid("\xC3", 1) && invalid("\x80", 1) && invalid("\xE6\x41\x41", 3), "truncated and stray continuation bytes are refused");

  CHECK(utf8_compare_as_utf16("a", "b") < 0 && utf8_compare_as_utf16("b", "a") > 0 && utf8_compare_as_utf16("a", "a") == 0, "compare: plain order");
  CHECK(utf8_compare_as_utf16("a", "ab") < 0 && utf8_compare_as_utf16("ab", "a") > 0 && utf8_compare_as_utf16("", "a") < 0, "compare: a prefix sorts first");
  CHECK(utf8_compare_as_utf16("\xF0\x9F\x93\x9E", "\xEF\xBD\xA1") < 0 && utf8_compare_as_utf16("\xEF\xBD\xA1", "\xF0\x9F\x93\x9E") > 0, "compare: astral before U+E000..U+FFFF, as UTF-16");
  CHECK(utf8_compare_as_utf16("\xF0\x9F\x93\x9E", "\xF0\x9F\x93\x9F") < 0 && utf8_compare_as_utf16("\xD7\xBF", "\xF0\x9F\x93\x9E") < 0, "compare: within the astral planes, and below the surrogates");

  unsigned char out[16];
  CHECK(utf8_to_latin1((const unsigned char *)"a\xC3\xA9\xC3\xBF", 5, out) == 3 && out[0] == 'a' && out[1] == 0xE9 && out[2] == 0xFF, "utf8_to_latin1 of byte-string text");
  CHECK(utf8_to_latin1((const unsigned char *)"\xC4\x80", 2, out) == -1 && utf8_to_latin1((const unsigned char *)"\xC3", 1, out) == -1, "code points above U+00FF and bad UTF-8 are refused");
  unsigned char alias[] = "x\xC2\x80y";
  CHECK(utf8_to_latin1(alias, 4, alias) == 3 && alias[0] == 'x' && alias[1] == 0x80 && alias[2] == 'y', "utf8_to_latin1 in place");
}

/* ---- timers and events ---------------------------------------------------------------------- */

/* The ids of the queued timer events, in order, into ids; how many. */
static int fired_ids(ev_queue *q, int *ids, int cap) {
  int n = 0;
  hal_event *e;
  while ((e = evq_pop(q)) != NULL) {
    if (n < cap && strcmp(e->type, "timer") == 0 && e->nargs == 1 && e->args[0].kind == ARG_NUM) ids[n++] = (int)e->args[0].num;
    else if (n < cap) ids[n++] = -1;
    ev_free(e);
  }
  return n;
}

static void test_timers(void) {
  timer_set *t = timers_create();
  ev_queue q = {0};
  int ids[16];
  CHECK(t != NULL && timers_next(t) == -1 && timers_fire(t, 1e9, &q) == 0, "no timers: next is -1, nothing fires");
  int a = timers_set(t, 0, 100), b = timers_set(t, 0, 50), c = timers_set(t, 0, 50), d = timers_set(t, 0, 10);
  CHECK(a == 1 && b == 2 && c == 3 && d == 4, "ids count up from 1");
  CHECK(timers_next(t) == 10, "timers_next is the earliest deadline");
  CHECK(timers_fire(t, 9.5, &q) == 0 && q.count == 0, "nothing fires early");
  CHECK(timers_fire(t, 60, &q) == 3 && fired_ids(&q, ids, 16) == 3 && ids[0] == d && ids[1] == b && ids[2] == c, "due timers fire in deadline order, equal deadlines by id");
  CHECK(timers_next(t) == 100, "fired timers are gone");
  timers_clear(t, a);
  timers_clear(t, a);
  timers_clear(t, 12345);
  CHECK(timers_next(t) == -1 && timers_fire(t, 1e9, &q) == 0, "a cleared timer never fires");

  /* The same deadline reached from different start times still goes by id. */
  int e = timers_set(t, 0, 10), f = timers_set(t, 5, 5), g = timers_set(t, 9, 1);
  timers_fire(t, 10, &q);
  CHECK(fired_ids(&q, ids, 16) == 3 && ids[0] == e && ids[1] == f && ids[2] == g, "equal deadlines by id, whenever set");
  /* Many timers, set in reverse order, fire sorted (and the list grows). */
  int first = timers_set(t, 0, 100);
  for (int i = 1; i < 100; i++) timers_set(t, 0, 100 - i);
  int order_ok = timers_fire(t, 100, &q) == 100;
  int prev_due = -1, n = 0;
  hal_event *ev;
  while ((ev = evq_pop(&q)) != NULL) {
    int id = (int)ev->args[0].num;
    int due = id == first ? 100 : 100 - (id - first);
    if (due < prev_due) order_ok = 0;
    prev_due = due;
    n++;
    ev_free(ev);
  }
  CHECK(order_ok && n == 100, "a hundred timers fire in deadline order");

  /* clamping: negative and NaN are due at once, huge delays stop at 2^31-1 ms */
  int neg = timers_set(t, 1000, -5);
  CHECK(timers_next(t) == 1000, "a negative delay is due at once");
  timers_clear(t, neg);
  int nan_id = timers_set(t, 1000, NAN);
  CHECK(timers_next(t) == 1000, "a NaN delay is due at once");
  timers_clear(t, nan_id);
  int huge = timers_set(t, 1000, 1e15);
  CHECK(timers_next(t) == 1000 + 2147483647.0, "a huge delay is clamped to 2^31-1 ms");
  timers_clear(t, huge);
  int inf = timers_set(t, 0, INFINITY);
  CHECK(timers_next(t) == 0, "an infinite delay is due at once, as in the emulator (host-clock.ts)");
  timers_clear(t, inf);
  timers_set(t, 0, 2147483647.0 + 0.5);
  CHECK(timers_next(t) == 2147483647.0, "just over 2^31-1 is clamped");
  timers_free(t);
  timers_free(NULL);
  evq_clear(&q);
}

static void test_events(void) {
  hal_event *e = ev_new("udp");
  CHECK(e != NULL && strcmp(e->type, "udp") == 0 && e->nargs == 0, "ev_new");
  uint8_t bin[3] = {0, 1, 255};
  char str[] = "10.0.0.1";
  ev_num(e, 7);
  ev_cstr(e, str);
  ev_bin(e, bin, 3);
  ev_bool(e, 42);
  ev_null(e); /* a fifth argument is dropped */
  str[0] = 'X';
  bin[0] = 9;
  CHECK(e->nargs == 4 && e->args[0].kind == ARG_NUM && e->args[0].num == 7, "ev_num");
  CHECK(e->args[1].kind == ARG_STR && e->args[1].len == 8 && strcmp((char *)e->args[1].ptr, "10.0.0.1") == 0, "ev_cstr copies the string");
  CHECK(e->args[2].kind == ARG_BIN && e->args[2].len == 3 && e->args[2].ptr[0] == 0 && e->args[2].ptr[2] == 255, "ev_bin copies the bytes");
  CHECK(e->args[3].kind == ARG_BOOL && e->args[3].num == 1, "ev_bool is 0 or 1");

  hal_event *f = ev_new("a-type-longer-than-fifteen");
  ev_cstr(f, NULL);
  ev_str(f, "a\0b", 3);
  ev_bin(f, NULL, 0);
  CHECK(f != NULL && strlen(f->type) == 15 && f->args[0].kind == ARG_NULL, "long types are cut to 15 characters; ev_cstr(NULL) is null");
  CHECK(f->args[1].len == 3 && f->args[1].ptr[1] == 0 && f->args[2].kind == ARG_BIN && f->args[2].len == 0, "strings may hold NUL; empty binaries");
  ev_num(NULL, 1); /* out-of-memory events are NULL: every call takes that */

  ev_queue q = {0};
  evq_push(&q, e);
  evq_push(&q, NULL);
  evq_push(&q, f);
  CHECK(q.count == 2 && evq_pop(&q) == e && evq_pop(&q) == f && evq_pop(&q) == NULL && q.count == 0 && q.tail == NULL, "the queue is first in, first out");
  evq_push(&q, e);
  evq_push(&q, f);
  evq_push(&q, ev_new("timer"));
  evq_clear(&q);
  CHECK(q.count == 0 && q.head == NULL && evq_pop(&q) == NULL, "evq_clear frees everything");
  ev_free(NULL);
}

/* ---- jsonw ---------------------------------------------------------------------------------- */

static int json_is(void (*build)(jsonw *), const char *want) {
  jsonw w;
  jw_init(&w);
  build(&w);
  int ok = !w.failed && strcmp(jw_text(&w), want) == 0;
  if (!ok) printf("# got %s\n# want %s\n", jw_text(&w), want);
  jw_free(&w);
  return ok;
}

static void build_escapes(jsonw *w) { jw_str(w, "q\"b\\s/n\nr\rt\tb\bf\f\x01\x1f\x7f"); }
static void build_utf8(jsonw *w) { jw_str(w, "Gr\xC3\xBC\xC3\x9F" "e \xF0\x9F\x93\x9E"); }
static void build_nul(jsonw *w) { jw_strn(w, "a\0b", 3); }
static void build_object(jsonw *w) {
  int first = 1;
  jw_raw(w, "{");
  jw_key(w, &first, "event");
  jw_str(w, "error");
  jw_key(w, &first, "n");
  jw_num(w, 42);
  jw_key(w, &first, "x\"y");
  jw_raw(w, "null");
  jw_raw(w, "}");
}
static void build_numbers(jsonw *w) {
  double v[] = {0, -1, 1.5, 9007199254740991.0, 1e21, NAN, INFINITY, -INFINITY, 0.1, -2.5e-7};
  for (size_t i = 0; i < sizeof v / sizeof v[0]; i++) {
    if (i > 0) jw_raw(w, ",");
    jw_num(w, v[i]);
  }
}

static void test_jsonw(void) {
  jsonw w;
  jw_init(&w);
  CHECK(strcmp(jw_text(&w), "") == 0, "an empty writer's text is \"\"");
  jw_free(&w);
  CHECK(json_is(build_escapes, "\"q\\\"b\\\\s/n\\nr\\rt\\tb\\bf\\f\\u0001\\u001f\x7f\""), "jw_str escapes quotes, backslashes and control characters");
  CHECK(json_is(build_utf8, "\"Gr\xC3\xBC\xC3\x9F" "e \xF0\x9F\x93\x9E\""), "UTF-8 passes through");
  CHECK(json_is(build_nul, "\"a\\u0000b\""), "jw_strn escapes NUL");
  CHECK(json_is(build_object, "{\"event\":\"error\",\"n\":42,\"x\\\"y\":null}"), "jw_key puts commas between members and escapes keys");
  CHECK(json_is(build_numbers, "0,-1,1.5,9007199254740991,1e+21,null,null,null,0.10000000000000001,-2.4999999999999999e-07"), "jw_num: integers plainly, others exactly, non-finite as null");
  jw_init(&w);
  jw_num(&w, 0.1);
  CHECK(strtod(jw_text(&w), NULL) == 0.1, "jw_num round-trips a double");
  for (int i = 0; i < 10000; i++) jw_raw(&w, "0123456789");
  CHECK(!w.failed && w.len == strlen(jw_text(&w)) && w.len == 19 + 100000, "the buffer grows");
  jw_free(&w);
}

/* ---- stdin mode ------------------------------------------------------------------------------ */

static int stdin_mode(int hex) {
  if (plat_net_init() != 0) {
    printf("error: plat_net_init\n");
    return 2;
  }
  plat_sock s = plat_stdin_open();
  if (s == PLAT_NO_SOCK) {
    printf("error: plat_stdin_open\n");
    return 2;
  }
  unsigned long total = 0, reads = 0;
  uint32_t h = 2166136261u; /* FNV-1a */
  uint8_t buf[1000];
  for (;;) {
    plat_pollfd p;
    p.sock = s;
    p.want = PLAT_IN;
    p.ready = 0;
    int r = plat_poll(&p, 1, 10000);
    if (r <= 0) {
      printf("error: no input within 10 s (poll %d) after %lu bytes\n", r, total);
      return 2;
    }
    long n;
    while ((n = plat_stdin_read(buf, sizeof buf)) > 0) {
      reads++;
      if (hex) { /* each chunk as it came, to see what a console or pipe delivers */
        fprintf(stderr, "read %ld:", n);
        for (long i = 0; i < n; i++) fprintf(stderr, " %02x", buf[i]);
        fprintf(stderr, "\n");
      }
      for (long i = 0; i < n; i++) h = (h ^ buf[i]) * 16777619u;
      total += (unsigned long)n;
    }
    if (n == PLAT_EOF) break;
    if (n != PLAT_AGAIN) {
      printf("error: plat_stdin_read gave %ld\n", n);
      return 2;
    }
  }
  printf("bytes %lu fnv1a %08lx\n", total, (unsigned long)h);
  fflush(stdout);
  return 0;
}

int main(int argc, char **argv) {
  if (argc > 1 && strcmp(argv[1], "stdin") == 0) return stdin_mode(argc > 2 && strcmp(argv[2], "hex") == 0);
  setvbuf(stdout, NULL, _IONBF, 0); /* a test that dies mid-way still shows how far it got */
  const char *tmp = getenv("TMPDIR");
  if (tmp == NULL || tmp[0] == '\0') tmp = getenv("TEMP");
  if (tmp == NULL || tmp[0] == '\0') tmp = getenv("TMP");
  if (tmp == NULL || tmp[0] == '\0') tmp = ".";
  snprintf(base, sizeof base, "%s/quip-thu-%ld", tmp, plat_pid());
  if (plat_mkdir_p(base) != 0) {
    printf("Bail out! cannot create %s\n", base);
    return 1;
  }
  printf("# scratch directory %s\n", base);
  CHECK(plat_net_init() == 0, "plat_net_init");
  test_plat_time();
  test_plat_random();
  test_plat_files();
  test_ip_family();
  test_udp();
  test_tcp();
  test_net_backpressure();
  test_misc_plat();
  test_key_encoding();
  test_storage();
  test_utf8();
  test_timers();
  test_events();
  test_jsonw();
  remove_dir(base);
  printf("1..%d\n", tests);
  if (failures > 0) printf("# %d of %d failed\n", failures, tests);
  return failures > 0 ? 1 : 0;
}
