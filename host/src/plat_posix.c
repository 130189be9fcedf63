/* The OS layer on POSIX (Linux, BSD, macOS): BSD sockets, poll(), clock_gettime, /dev/urandom. */
#if !defined(_WIN32)
#define _POSIX_C_SOURCE 200809L
#define _DEFAULT_SOURCE 1
/* 64-bit inode numbers and directory offsets even on 32-bit ARM: without it readdir() fails
 * with EOVERFLOW on ext4 under qemu-arm (and any 64-bit file system), and listings come back empty. */
#define _FILE_OFFSET_BITS 64
#include "plat.h"

#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ifaddrs.h>
#include <net/if.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/types.h>
#include <time.h>
#include <unistd.h>

double plat_monotonic_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec * 1000.0 + (double)ts.tv_nsec / 1e6;
}

double plat_wall_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  return (double)ts.tv_sec * 1000.0 + (double)(ts.tv_nsec / 1000000);
}

int plat_random(uint8_t *buf, size_t n) {
  int fd = open("/dev/urandom", O_RDONLY);
  if (fd < 0) return -1;
  size_t got = 0;
  while (got < n) {
    ssize_t r = read(fd, buf + got, n - got);
    if (r <= 0) {
      if (r < 0 && errno == EINTR) continue;
      close(fd);
      return -1;
    }
    got += (size_t)r;
  }
  close(fd);
  return 0;
}

double plat_cpu_ms(void) {
  struct rusage ru;
  if (getrusage(RUSAGE_SELF, &ru) != 0) return 0;
  return (double)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1000.0 + (double)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1000.0;
}

double plat_thread_cpu_ms(void) {
  struct timespec ts;
  if (clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts) != 0) return plat_monotonic_ms();
  return (double)ts.tv_sec * 1000.0 + (double)ts.tv_nsec / 1e6;
}

int plat_file_sync(FILE *f) {
  if (fflush(f) != 0) return -1;
  return fsync(fileno(f));
}

int plat_replace_file(const char *src, const char *dst) { return rename(src, dst); }

int plat_sync_dir(const char *dir) {
  int fd = open(dir, O_RDONLY);
  if (fd < 0) return -1;
  int r = fsync(fd);
  close(fd);
  return r;
}

int plat_mkdir_p(const char *dir) {
  char path[4096];
  size_t n = strlen(dir);
  if (n == 0 || n >= sizeof path) return -1;
  memcpy(path, dir, n + 1);
  for (size_t i = 1; i <= n; i++) {
    if (path[i] == '/' || path[i] == '\0') {
      char c = path[i];
      path[i] = '\0';
      if (mkdir(path, 0777) != 0 && errno != EEXIST) return -1;
      path[i] = c;
    }
  }
  struct stat st;
  return stat(dir, &st) == 0 && S_ISDIR(st.st_mode) ? 0 : -1;
}

int plat_list_dir(const char *dir, int (*cb)(const char *name, void *ctx), void *ctx) {
  DIR *d = opendir(dir);
  if (d == NULL) return -1;
  struct dirent *e;
  while ((e = readdir(d)) != NULL) {
    if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0) continue;
    if (cb(e->d_name, ctx) != 0) break;
  }
  closedir(d);
  return 0;
}

int plat_remove(const char *path) { return unlink(path); }

long plat_pid(void) { return (long)getpid(); }

/* ---- sockets ----------------------------------------------------------------------------- */

int plat_net_init(void) {
  /* A peer that closes while we write must not kill the process with SIGPIPE. */
  signal(SIGPIPE, SIG_IGN);
  return 0;
}

static const char *errno_code(int e) {
  switch (e) {
    case EADDRINUSE: return "EADDRINUSE";
    case EADDRNOTAVAIL: return "EADDRNOTAVAIL";
    case EACCES: return "EACCES";
    case ECONNREFUSED: return "ECONNREFUSED";
    case ECONNRESET: return "ECONNRESET";
    case ETIMEDOUT: return "ETIMEDOUT";
    case EHOSTUNREACH: return "EHOSTUNREACH";
    case ENETUNREACH: return "ENETUNREACH";
    case EPIPE: return "EPIPE";
    case EINVAL: return "EINVAL";
    case EMFILE: return "EMFILE";
    case ENOBUFS: return "ENOBUFS";
    case EAFNOSUPPORT: return "EAFNOSUPPORT";
    default: return "EIO";
  }
}

const char *plat_sock_error(void) { return errno_code(errno); }

int plat_ip_family(const char *addr) {
  unsigned char buf[16];
  if (addr == NULL) return 0;
  if (inet_pton(AF_INET, addr, buf) == 1) return 4;
  if (inet_pton(AF_INET6, addr, buf) == 1) return 6;
  return 0;
}

typedef union {
  struct sockaddr sa;
  struct sockaddr_in in4;
  struct sockaddr_in6 in6;
  struct sockaddr_storage ss;
} any_addr;

static socklen_t make_addr(any_addr *a, const char *addr, int port) {
  memset(a, 0, sizeof *a);
  if (inet_pton(AF_INET, addr, &a->in4.sin_addr) == 1) {
    a->in4.sin_family = AF_INET;
    a->in4.sin_port = htons((uint16_t)port);
    return sizeof a->in4;
  }
  if (inet_pton(AF_INET6, addr, &a->in6.sin6_addr) == 1) {
    a->in6.sin6_family = AF_INET6;
    a->in6.sin6_port = htons((uint16_t)port);
    return sizeof a->in6;
  }
  return 0;
}

static void addr_text(const any_addr *a, char out[64], int *port) {
  out[0] = '\0';
  if (a->sa.sa_family == AF_INET) {
    inet_ntop(AF_INET, &a->in4.sin_addr, out, 64);
    *port = ntohs(a->in4.sin_port);
  } else if (a->sa.sa_family == AF_INET6) {
    inet_ntop(AF_INET6, &a->in6.sin6_addr, out, 64);
    *port = ntohs(a->in6.sin6_port);
    if (strncmp(out, "::ffff:", 7) == 0 && strchr(out + 7, '.') != NULL) memmove(out, out + 7, strlen(out + 7) + 1);
  } else {
    *port = 0;
  }
}

static int set_nonblocking(int fd) {
  int fl = fcntl(fd, F_GETFL, 0);
  if (fl < 0 || fcntl(fd, F_SETFL, fl | O_NONBLOCK) < 0) return -1;
  fcntl(fd, F_SETFD, FD_CLOEXEC);
  return 0;
}

static int open_socket(int family, int type) {
  int fd = socket(family, type, 0);
  if (fd < 0) return -1;
  if (set_nonblocking(fd) != 0) {
    close(fd);
    return -1;
  }
#ifdef SO_NOSIGPIPE
  int one = 1;
  setsockopt(fd, SOL_SOCKET, SO_NOSIGPIPE, &one, sizeof one);
#endif
  return fd;
}

static int bound_port(int fd) {
  any_addr a;
  socklen_t len = sizeof a;
  int port = 0;
  char text[64];
  if (getsockname(fd, &a.sa, &len) != 0) return 0;
  addr_text(&a, text, &port);
  return port;
}

plat_sock plat_udp_open(const char *bind_addr, int port, int *bound, const char **err) {
  any_addr a;
  socklen_t len = make_addr(&a, bind_addr, port);
  if (len == 0) {
    *err = "EINVAL";
    return PLAT_NO_SOCK;
  }
  int fd = open_socket(a.sa.sa_family, SOCK_DGRAM);
  if (fd < 0 || bind(fd, &a.sa, len) != 0) {
    *err = plat_sock_error();
    if (fd >= 0) close(fd);
    return PLAT_NO_SOCK;
  }
  *bound = bound_port(fd);
  return fd;
}

int plat_udp_send(plat_sock s, const uint8_t *data, size_t len, const char *addr, int port) {
  any_addr a;
  socklen_t alen = make_addr(&a, addr, port);
  if (alen == 0) return -1;
  return sendto((int)s, data, len, 0, &a.sa, alen) < 0 ? -1 : 0;
}

long plat_udp_recv(plat_sock s, uint8_t *buf, size_t cap, char addr[64], int *port) {
  any_addr a;
  socklen_t alen = sizeof a;
  ssize_t r = recvfrom((int)s, buf, cap, 0, &a.sa, &alen);
  if (r < 0) {
    if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) return PLAT_AGAIN;
    /* ICMP errors (ECONNREFUSED from an earlier send) are not the socket's failure. */
    if (errno == ECONNREFUSED || errno == EHOSTUNREACH || errno == ENETUNREACH) return PLAT_AGAIN;
    return PLAT_FAIL;
  }
  addr_text(&a, addr, port);
  return (long)r;
}

plat_sock plat_tcp_connect(const char *bind_addr, const char *addr, int port, const char **err) {
  any_addr a;
  socklen_t len = make_addr(&a, addr, port);
  if (len == 0) {
    *err = "EINVAL";
    return PLAT_NO_SOCK;
  }
  int fd = open_socket(a.sa.sa_family, SOCK_STREAM);
  if (fd < 0) {
    *err = plat_sock_error();
    return PLAT_NO_SOCK;
  }
  int one = 1;
  setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  if (bind_addr != NULL && strcmp(bind_addr, "0.0.0.0") != 0 && strcmp(bind_addr, "::") != 0) {
    any_addr b;
    socklen_t blen = make_addr(&b, bind_addr, 0);
    if (blen != 0 && b.sa.sa_family == a.sa.sa_family && bind(fd, &b.sa, blen) != 0) {
      *err = plat_sock_error();
      close(fd);
      return PLAT_NO_SOCK;
    }
  }
  if (connect(fd, &a.sa, len) != 0 && errno != EINPROGRESS) {
    *err = plat_sock_error();
    close(fd);
    return PLAT_NO_SOCK;
  }
  return fd;
}

const char *plat_tcp_connect_result(plat_sock s) {
  int e = 0;
  socklen_t len = sizeof e;
  if (getsockopt((int)s, SOL_SOCKET, SO_ERROR, &e, &len) != 0) return plat_sock_error();
  return e == 0 ? NULL : errno_code(e);
}

plat_sock plat_tcp_listen(const char *bind_addr, int port, int *bound, const char **err) {
  any_addr a;
  socklen_t len = make_addr(&a, bind_addr, port);
  if (len == 0) {
    *err = "EINVAL";
    return PLAT_NO_SOCK;
  }
  int fd = open_socket(a.sa.sa_family, SOCK_STREAM);
  if (fd < 0) {
    *err = plat_sock_error();
    return PLAT_NO_SOCK;
  }
  int one = 1;
  setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  if (bind(fd, &a.sa, len) != 0 || listen(fd, 16) != 0) {
    *err = plat_sock_error();
    close(fd);
    return PLAT_NO_SOCK;
  }
  *bound = bound_port(fd);
  return fd;
}

plat_sock plat_tcp_accept(plat_sock listener, char addr[64], int *port) {
  any_addr a;
  socklen_t alen = sizeof a;
  int fd = accept((int)listener, &a.sa, &alen);
  if (fd < 0) return PLAT_NO_SOCK;
  if (set_nonblocking(fd) != 0) {
    close(fd);
    return PLAT_NO_SOCK;
  }
  int one = 1;
  setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  addr_text(&a, addr, port);
  return fd;
}

long plat_tcp_send(plat_sock s, const uint8_t *data, size_t len) {
#ifdef MSG_NOSIGNAL
  ssize_t r = send((int)s, data, len, MSG_NOSIGNAL);
#else
  ssize_t r = send((int)s, data, len, 0);
#endif
  if (r < 0) return errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR ? PLAT_AGAIN : PLAT_FAIL;
  return (long)r;
}

long plat_tcp_recv(plat_sock s, uint8_t *buf, size_t cap) {
  ssize_t r = recv((int)s, buf, cap, 0);
  if (r == 0) return PLAT_EOF;
  if (r < 0) return errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR ? PLAT_AGAIN : PLAT_FAIL;
  return (long)r;
}

int plat_sock_name(plat_sock s, char addr[64], int *port) {
  any_addr a;
  socklen_t len = sizeof a;
  if (getsockname((int)s, &a.sa, &len) != 0) return -1;
  addr_text(&a, addr, port);
  return 0;
}

void plat_tcp_shutdown(plat_sock s) { shutdown((int)s, SHUT_WR); }

void plat_close(plat_sock s) {
  if (s != PLAT_NO_SOCK) close((int)s);
}

int plat_poll(plat_pollfd *fds, int n, int timeout_ms) {
  struct pollfd stack[64];
  struct pollfd *p = n <= 64 ? stack : malloc(sizeof *p * (size_t)n);
  if (p == NULL) return -1;
  for (int i = 0; i < n; i++) {
    p[i].fd = (int)fds[i].sock;
    p[i].events = (short)(((fds[i].want & PLAT_IN) ? POLLIN : 0) | ((fds[i].want & PLAT_OUT) ? POLLOUT : 0));
    p[i].revents = 0;
  }
  int r = poll(p, (nfds_t)n, timeout_ms);
  if (r < 0 && errno == EINTR) r = 0;
  for (int i = 0; i < n; i++) {
    short re = r > 0 ? p[i].revents : 0;
    fds[i].ready = ((re & POLLIN) ? PLAT_IN : 0) | ((re & POLLOUT) ? PLAT_OUT : 0) | ((re & (POLLERR | POLLHUP | POLLNVAL)) ? PLAT_ERR : 0);
  }
  if (p != stack) free(p);
  return r;
}

plat_sock plat_stdin_open(void) { return 0; }

long plat_stdin_read(uint8_t *buf, size_t cap) {
  ssize_t r = read(0, buf, cap);
  if (r == 0) return PLAT_EOF;
  if (r < 0) return errno == EAGAIN || errno == EINTR ? PLAT_AGAIN : PLAT_EOF;
  return (long)r;
}

int plat_resolver_config(char *buf, size_t cap) {
  FILE *f = fopen("/etc/resolv.conf", "r");
  if (f == NULL || cap == 0) return -1;
  size_t r = fread(buf, 1, cap - 1, f);
  buf[r] = '\0';
  fclose(f);
  return 0;
}

const char *plat_first_external_ipv4(char buf[64]) {
  struct ifaddrs *list = NULL;
  if (getifaddrs(&list) != 0) return NULL;
  const char *found = NULL;
  for (struct ifaddrs *i = list; i != NULL && found == NULL; i = i->ifa_next) {
    if (i->ifa_addr == NULL || i->ifa_addr->sa_family != AF_INET || (i->ifa_flags & IFF_LOOPBACK)) continue;
    struct sockaddr_in *in = (struct sockaddr_in *)(void *)i->ifa_addr;
    if (inet_ntop(AF_INET, &in->sin_addr, buf, 64) != NULL) found = buf;
  }
  freeifaddrs(list);
  return found;
}

static volatile sig_atomic_t quit_flag = 0;

static void on_quit_signal(int sig) {
  (void)sig;
  quit_flag = 1;
}

void plat_catch_quit_signals(void) {
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = on_quit_signal;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGINT, &sa, NULL);
  sigaction(SIGTERM, &sa, NULL);
}

int plat_quit_requested(void) { return quit_flag != 0; }

long plat_peak_rss_kb(void) {
  FILE *f = fopen("/proc/self/status", "r");
  if (f == NULL) return -1;
  char line[256];
  long kb = -1;
  while (fgets(line, sizeof line, f) != NULL) {
    if (strncmp(line, "VmHWM:", 6) == 0) {
      kb = strtol(line + 6, NULL, 10);
      break;
    }
  }
  fclose(f);
  return kb;
}
#endif
