/* The OS layer on Win32: Winsock 2 with select(), QueryPerformanceCounter, BCryptGenRandom, and a
 * reader thread that turns stdin (a pipe or console, which Winsock cannot wait on) into a socket.
 * Links with -lws2_32 -lbcrypt only. */
#if defined(_WIN32)
#ifndef _WIN32_WINNT
#define _WIN32_WINNT 0x0601 /* Windows 7: K32GetProcessMemoryInfo lives in kernel32 */
#endif
#define WIN32_LEAN_AND_MEAN
#define FD_SETSIZE 1024 /* before winsock2.h: the size of select()'s sets */
#include "plat.h"

#include <winsock2.h>
#include <ws2tcpip.h>
#include <windows.h>
#include <bcrypt.h>
#include <io.h>
#include <iphlpapi.h>
#include <psapi.h>
#include <stdlib.h>
#include <string.h>

#ifndef SIO_UDP_CONNRESET
#define SIO_UDP_CONNRESET _WSAIOW(IOC_VENDOR, 12)
#endif

/* ---- time and entropy ------------------------------------------------------------------ */

double plat_monotonic_ms(void) {
  static LARGE_INTEGER freq;
  LARGE_INTEGER now;
  if (freq.QuadPart == 0) QueryPerformanceFrequency(&freq);
  QueryPerformanceCounter(&now);
  /* Whole seconds and the remainder apart, so a large counter loses no precision. */
  long long f = freq.QuadPart > 0 ? freq.QuadPart : 1, c = now.QuadPart;
  return (double)(c / f) * 1000.0 + (double)(c % f) * 1000.0 / (double)f;
}

/* 100-ns ticks since 1601 (a FILETIME) as one number. */
static unsigned long long filetime_ticks(FILETIME t) { return ((unsigned long long)t.dwHighDateTime << 32) | t.dwLowDateTime; }

double plat_wall_ms(void) {
  FILETIME ft;
  GetSystemTimeAsFileTime(&ft);
  unsigned long long t = filetime_ticks(ft);
  const unsigned long long epoch = 116444736000000000ULL; /* 1970-01-01 in FILETIME ticks */
  return t < epoch ? 0 : (double)((t - epoch) / 10000ULL);
}

int plat_random(uint8_t *buf, size_t n) {
  while (n > 0) {
    ULONG chunk = n > 0x10000000u ? 0x10000000u : (ULONG)n;
    if (!BCRYPT_SUCCESS(BCryptGenRandom(NULL, buf, chunk, BCRYPT_USE_SYSTEM_PREFERRED_RNG))) {
      /* Before Windows 7 the system RNG must be opened by name. */
      BCRYPT_ALG_HANDLE alg;
      if (!BCRYPT_SUCCESS(BCryptOpenAlgorithmProvider(&alg, BCRYPT_RNG_ALGORITHM, NULL, 0))) return -1;
      NTSTATUS st = BCryptGenRandom(alg, buf, chunk, 0);
      BCryptCloseAlgorithmProvider(alg, 0);
      if (!BCRYPT_SUCCESS(st)) return -1;
    }
    buf += chunk;
    n -= chunk;
  }
  return 0;
}

double plat_cpu_ms(void) {
  FILETIME created, exited, kernel, user;
  if (!GetProcessTimes(GetCurrentProcess(), &created, &exited, &kernel, &user)) return 0;
  return (double)(filetime_ticks(kernel) + filetime_ticks(user)) / 10000.0;
}

double plat_thread_cpu_ms(void) {
  FILETIME created, exited, kernel, user;
  if (!GetThreadTimes(GetCurrentThread(), &created, &exited, &kernel, &user)) return plat_monotonic_ms();
  return (double)(filetime_ticks(kernel) + filetime_ticks(user)) / 10000.0;
}

/* ---- files ------------------------------------------------------------------------------ */

int plat_file_sync(FILE *f) {
  if (fflush(f) != 0) return -1;
  intptr_t h = _get_osfhandle(_fileno(f));
  if (h == -1) return -1;
  return FlushFileBuffers((HANDLE)h) ? 0 : -1;
}

int plat_replace_file(const char *src, const char *dst) {
  /* A virus scanner or indexer may hold dst open for a moment: retry briefly. */
  for (int attempt = 0; attempt < 10; attempt++) {
    if (MoveFileExA(src, dst, MOVEFILE_REPLACE_EXISTING | MOVEFILE_WRITE_THROUGH)) return 0;
    DWORD e = GetLastError();
    if (e != ERROR_ACCESS_DENIED && e != ERROR_SHARING_VIOLATION) return -1;
    Sleep(10);
  }
  return -1;
}

/* MOVEFILE_WRITE_THROUGH already made the rename durable; directories cannot be flushed. */
int plat_sync_dir(const char *dir) {
  (void)dir;
  return 0;
}

static int is_sep(char c) { return c == '/' || c == '\\'; }

static int is_dir(const char *path) {
  DWORD a = GetFileAttributesA(path);
  return a != INVALID_FILE_ATTRIBUTES && (a & FILE_ATTRIBUTE_DIRECTORY) != 0;
}

int plat_mkdir_p(const char *dir) {
  char path[4096];
  size_t n = strlen(dir);
  if (n == 0 || n >= sizeof path) return -1;
  memcpy(path, dir, n + 1);
  /* Keep a root ("/", "C:\") but drop other trailing separators. */
  while (n > 1 && is_sep(path[n - 1]) && !(n == 3 && path[1] == ':')) path[--n] = '\0';
  /* Create every prefix ending before a separator; failures on the way ("C:", a UNC share,
   * one that exists) do not matter, only whether the whole path is a directory at the end. */
  for (size_t i = 1; i <= n; i++) {
    if (path[i] == '\0' || is_sep(path[i])) {
      char c = path[i];
      path[i] = '\0';
      if (!(i == 2 && path[1] == ':')) CreateDirectoryA(path, NULL);
      path[i] = c;
    }
  }
  return is_dir(path) ? 0 : -1;
}

int plat_list_dir(const char *dir, int (*cb)(const char *name, void *ctx), void *ctx) {
  char pattern[4100];
  size_t n = strlen(dir);
  if (n == 0 || n + 3 > sizeof pattern) return -1;
  memcpy(pattern, dir, n);
  if (!is_sep(pattern[n - 1])) pattern[n++] = '\\';
  pattern[n++] = '*';
  pattern[n] = '\0';
  WIN32_FIND_DATAA fd;
  HANDLE h = FindFirstFileA(pattern, &fd);
  if (h == INVALID_HANDLE_VALUE) return GetLastError() == ERROR_FILE_NOT_FOUND && is_dir(dir) ? 0 : -1;
  do {
    if (strcmp(fd.cFileName, ".") == 0 || strcmp(fd.cFileName, "..") == 0) continue;
    if (cb(fd.cFileName, ctx) != 0) break;
  } while (FindNextFileA(h, &fd));
  FindClose(h);
  return 0;
}

int plat_remove(const char *path) { return DeleteFileA(path) ? 0 : -1; }

long plat_pid(void) { return (long)GetCurrentProcessId(); }

/* ---- addresses: strict parsing and printing, the same as glibc's inet_pton/inet_ntop ------- */

static int parse_ipv4(const char *s, uint8_t out[4]) {
  int parts = 0;
  while (parts < 4) {
    if (*s < '0' || *s > '9') return 0;
    if (*s == '0' && s[1] >= '0' && s[1] <= '9') return 0; /* no leading zeros (octal) */
    unsigned v = 0;
    while (*s >= '0' && *s <= '9') {
      v = v * 10 + (unsigned)(*s++ - '0');
      if (v > 255) return 0;
    }
    out[parts++] = (uint8_t)v;
    if (parts < 4 && *s++ != '.') return 0;
  }
  return *s == '\0';
}

static int hex_digit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

static int parse_ipv6(const char *s, uint8_t out[16]) {
  uint8_t b[16];
  int n = 0, gap = -1; /* bytes so far; where "::" stands */
  const char *p = s;
  memset(b, 0, sizeof b);
  if (*p == ':') {
    if (p[1] != ':') return 0;
    p += 2;
    gap = 0;
  }
  while (*p != '\0') {
    const char *q = p;
    unsigned v = 0;
    int digits = 0;
    while (digits < 5 && hex_digit(*q) >= 0) {
      v = v * 16 + (unsigned)hex_digit(*q++);
      digits++;
    }
    if (*q == '.') { /* a dotted IPv4 tail fills the last 32 bits */
      if (n > 12 || !parse_ipv4(p, b + n)) return 0;
      n += 4;
      break;
    }
    if (digits == 0 || digits > 4 || n > 14) return 0;
    b[n++] = (uint8_t)(v >> 8);
    b[n++] = (uint8_t)v;
    p = q;
    if (*p == '\0') break;
    if (*p++ != ':' || *p == '\0') return 0; /* a lone trailing ':' */
    if (*p == ':') {
      if (gap >= 0) return 0;
      gap = n;
      p++;
    }
  }
  if (gap >= 0) {
    if (n == 16) return 0; /* "::" must stand for at least one group */
    int tail = n - gap;
    memmove(b + 16 - tail, b + gap, (size_t)tail);
    memset(b + gap, 0, (size_t)(16 - tail - gap));
  } else if (n != 16) {
    return 0;
  }
  memcpy(out, b, 16);
  return 1;
}

static void format_ipv4(const uint8_t b[4], char *out) {
  char *o = out;
  for (int i = 0; i < 4; i++) {
    unsigned v = b[i];
    if (i > 0) *o++ = '.';
    if (v >= 100) *o++ = (char)('0' + v / 100);
    if (v >= 10) *o++ = (char)('0' + v / 10 % 10);
    *o++ = (char)('0' + v % 10);
  }
  *o = '\0';
}

/* RFC 5952 form as glibc writes it: the first longest run of 2+ zero groups becomes "::". */
static void format_ipv6(const uint8_t b[16], char *out) {
  static const char hex[] = "0123456789abcdef";
  unsigned w[8];
  int best = -1, best_len = 0;
  for (int i = 0; i < 8; i++) w[i] = (unsigned)b[2 * i] << 8 | b[2 * i + 1];
  for (int i = 0; i < 8;) {
    int j = i;
    while (j < 8 && w[j] == 0) j++;
    if (j - i > best_len) {
      best = i;
      best_len = j - i;
    }
    i = j > i ? j : i + 1;
  }
  if (best_len < 2) best = -1;
  char *o = out;
  for (int i = 0; i < 8; i++) {
    if (best >= 0 && i >= best && i < best + best_len) {
      if (i == best) *o++ = ':';
      continue;
    }
    if (i != 0) *o++ = ':';
    if (i == 6 && best == 0 && (best_len == 6 || (best_len == 5 && w[5] == 0xffff))) {
      format_ipv4(b + 12, o);
      return;
    }
    int started = 0;
    for (int shift = 12; shift >= 0; shift -= 4) {
      unsigned d = (w[i] >> shift) & 15;
      if (d != 0 || started || shift == 0) {
        *o++ = hex[d];
        started = 1;
      }
    }
  }
  if (best >= 0 && best + best_len == 8) *o++ = ':';
  *o = '\0';
}

/* ---- sockets ----------------------------------------------------------------------------- */

static int net_started = 0;

int plat_net_init(void) {
  WSADATA wsa;
  if (net_started) return 0;
  if (WSAStartup(MAKEWORD(2, 2), &wsa) != 0) return -1;
  net_started = 1;
  return 0;
}

static const char *wsa_code(int e) {
  switch (e) {
    case WSAEADDRINUSE: return "EADDRINUSE";
    case WSAEADDRNOTAVAIL: return "EADDRNOTAVAIL";
    case WSAEACCES: return "EACCES";
    case WSAECONNREFUSED: return "ECONNREFUSED";
    case WSAECONNRESET:
    case WSAECONNABORTED: return "ECONNRESET";
    case WSAETIMEDOUT: return "ETIMEDOUT";
    case WSAEHOSTUNREACH: return "EHOSTUNREACH";
    case WSAENETUNREACH: return "ENETUNREACH";
    case WSAESHUTDOWN: return "EPIPE";
    case WSAEINVAL: return "EINVAL";
    case WSAEMFILE: return "EMFILE";
    case WSAENOBUFS: return "ENOBUFS";
    case WSAEAFNOSUPPORT:
    case WSAEPFNOSUPPORT: return "EAFNOSUPPORT";
    default: return "EIO";
  }
}

const char *plat_sock_error(void) { return wsa_code(WSAGetLastError()); }

int plat_ip_family(const char *addr) {
  uint8_t buf[16];
  if (addr == NULL) return 0;
  if (parse_ipv4(addr, buf)) return 4;
  if (parse_ipv6(addr, buf)) return 6;
  return 0;
}

typedef union {
  struct sockaddr sa;
  struct sockaddr_in in4;
  struct sockaddr_in6 in6;
  struct sockaddr_storage ss;
} any_addr;

static int make_addr(any_addr *a, const char *addr, int port) {
  uint8_t b[16];
  memset(a, 0, sizeof *a);
  if (addr == NULL) return 0;
  if (parse_ipv4(addr, b)) {
    a->in4.sin_family = AF_INET;
    a->in4.sin_port = htons((u_short)port);
    memcpy(&a->in4.sin_addr, b, 4);
    return (int)sizeof a->in4;
  }
  if (parse_ipv6(addr, b)) {
    a->in6.sin6_family = AF_INET6;
    a->in6.sin6_port = htons((u_short)port);
    memcpy(&a->in6.sin6_addr, b, 16);
    return (int)sizeof a->in6;
  }
  return 0;
}

static void addr_text(const any_addr *a, char out[64], int *port) {
  out[0] = '\0';
  if (a->sa.sa_family == AF_INET) {
    format_ipv4((const uint8_t *)&a->in4.sin_addr, out);
    *port = ntohs(a->in4.sin_port);
  } else if (a->sa.sa_family == AF_INET6) {
    format_ipv6((const uint8_t *)&a->in6.sin6_addr, out);
    *port = ntohs(a->in6.sin6_port);
    if (strncmp(out, "::ffff:", 7) == 0 && strchr(out + 7, '.') != NULL) memmove(out, out + 7, strlen(out + 7) + 1);
  } else {
    *port = 0;
  }
}

static int set_nonblocking(SOCKET s) {
  u_long one = 1;
  return ioctlsocket(s, FIONBIO, &one) == 0 ? 0 : -1;
}

static void set_opt(SOCKET s, int level, int name, int value) { setsockopt(s, level, name, (const char *)&value, (int)sizeof value); }

static SOCKET open_socket(int family, int type) {
  SOCKET s = socket(family, type, 0);
  if (s == INVALID_SOCKET) return INVALID_SOCKET;
  if (set_nonblocking(s) != 0) {
    closesocket(s);
    return INVALID_SOCKET;
  }
  SetHandleInformation((HANDLE)s, HANDLE_FLAG_INHERIT, 0); /* not into child processes */
  /* "::" takes IPv4 too, as on Linux (Windows defaults to IPv6 only). */
  if (family == AF_INET6) set_opt(s, IPPROTO_IPV6, IPV6_V6ONLY, 0);
  if (type == SOCK_STREAM) {
    set_opt(s, IPPROTO_TCP, TCP_NODELAY, 1);
    /* Urgent data inline: otherwise it would keep select()'s error set signalled. */
    set_opt(s, SOL_SOCKET, SO_OOBINLINE, 1);
  }
  return s;
}

static int bound_port(SOCKET s) {
  any_addr a;
  int len = (int)sizeof a;
  int port = 0;
  char text[64];
  if (getsockname(s, &a.sa, &len) != 0) return 0;
  addr_text(&a, text, &port);
  return port;
}

plat_sock plat_udp_open(const char *bind_addr, int port, int *bound, const char **err) {
  any_addr a;
  int len = make_addr(&a, bind_addr, port);
  if (len == 0) {
    *err = "EINVAL";
    return PLAT_NO_SOCK;
  }
  SOCKET s = open_socket(a.sa.sa_family, SOCK_DGRAM);
  if (s == INVALID_SOCKET || bind(s, &a.sa, len) != 0) {
    *err = plat_sock_error();
    if (s != INVALID_SOCKET) closesocket(s);
    return PLAT_NO_SOCK;
  }
  /* An ICMP "port unreachable" for an earlier send must not fail later receives. */
  BOOL off = FALSE;
  DWORD got = 0;
  WSAIoctl(s, SIO_UDP_CONNRESET, &off, sizeof off, NULL, 0, &got, NULL, NULL);
  *bound = bound_port(s);
  return (plat_sock)s;
}

int plat_udp_send(plat_sock s, const uint8_t *data, size_t len, const char *addr, int port) {
  any_addr a;
  int alen = make_addr(&a, addr, port);
  if (alen == 0 || len > 0x7fffffff) return -1;
  return sendto((SOCKET)s, (const char *)data, (int)len, 0, &a.sa, alen) == SOCKET_ERROR ? -1 : 0;
}

long plat_udp_recv(plat_sock s, uint8_t *buf, size_t cap, char addr[64], int *port) {
  any_addr a;
  int alen = (int)sizeof a;
  int n = cap > 0x7fffffff ? 0x7fffffff : (int)cap;
  memset(&a, 0, sizeof a);
  int r = recvfrom((SOCKET)s, (char *)buf, n, 0, &a.sa, &alen);
  if (r == SOCKET_ERROR) {
    int e = WSAGetLastError();
    /* Too big for buf: Winsock fails where POSIX returns the truncated datagram. */
    if (e == WSAEMSGSIZE) r = n;
    else if (e == WSAEWOULDBLOCK || e == WSAEINTR) return PLAT_AGAIN;
    /* ICMP errors from an earlier send are not the socket's failure. */
    else if (e == WSAECONNRESET || e == WSAECONNREFUSED || e == WSAEHOSTUNREACH || e == WSAENETUNREACH || e == WSAENETRESET) return PLAT_AGAIN;
    else return PLAT_FAIL;
  }
  addr_text(&a, addr, port);
  return (long)r;
}

plat_sock plat_tcp_connect(const char *bind_addr, const char *addr, int port, const char **err) {
  any_addr a;
  int len = make_addr(&a, addr, port);
  if (len == 0) {
    *err = "EINVAL";
    return PLAT_NO_SOCK;
  }
  SOCKET s = open_socket(a.sa.sa_family, SOCK_STREAM);
  if (s == INVALID_SOCKET) {
    *err = plat_sock_error();
    return PLAT_NO_SOCK;
  }
  if (bind_addr != NULL && strcmp(bind_addr, "0.0.0.0") != 0 && strcmp(bind_addr, "::") != 0) {
    any_addr b;
    int blen = make_addr(&b, bind_addr, 0);
    if (blen != 0 && b.sa.sa_family == a.sa.sa_family && bind(s, &b.sa, blen) != 0) {
      *err = plat_sock_error();
      closesocket(s);
      return PLAT_NO_SOCK;
    }
  }
  if (connect(s, &a.sa, len) != 0 && WSAGetLastError() != WSAEWOULDBLOCK) {
    *err = plat_sock_error();
    closesocket(s);
    return PLAT_NO_SOCK;
  }
  return (plat_sock)s;
}

const char *plat_tcp_connect_result(plat_sock s) {
  int e = 0;
  int len = (int)sizeof e;
  if (getsockopt((SOCKET)s, SOL_SOCKET, SO_ERROR, (char *)&e, &len) != 0) return plat_sock_error();
  return e == 0 ? NULL : wsa_code(e);
}

plat_sock plat_tcp_listen(const char *bind_addr, int port, int *bound, const char **err) {
  any_addr a;
  int len = make_addr(&a, bind_addr, port);
  if (len == 0) {
    *err = "EINVAL";
    return PLAT_NO_SOCK;
  }
  SOCKET s = open_socket(a.sa.sa_family, SOCK_STREAM);
  if (s == INVALID_SOCKET) {
    *err = plat_sock_error();
    return PLAT_NO_SOCK;
  }
  /* Not SO_REUSEADDR: on Windows it lets a second listener share the port. Exclusive use
   * keeps "port in use" an error, as it is on POSIX. */
  set_opt(s, SOL_SOCKET, SO_EXCLUSIVEADDRUSE, 1);
  if (bind(s, &a.sa, len) != 0 || listen(s, 16) != 0) {
    *err = plat_sock_error();
    closesocket(s);
    return PLAT_NO_SOCK;
  }
  *bound = bound_port(s);
  return (plat_sock)s;
}

plat_sock plat_tcp_accept(plat_sock listener, char addr[64], int *port) {
  any_addr a;
  int alen = (int)sizeof a;
  SOCKET s = accept((SOCKET)listener, &a.sa, &alen);
  if (s == INVALID_SOCKET) return PLAT_NO_SOCK;
  if (set_nonblocking(s) != 0) {
    closesocket(s);
    return PLAT_NO_SOCK;
  }
  SetHandleInformation((HANDLE)s, HANDLE_FLAG_INHERIT, 0);
  set_opt(s, IPPROTO_TCP, TCP_NODELAY, 1);
  set_opt(s, SOL_SOCKET, SO_OOBINLINE, 1);
  addr_text(&a, addr, port);
  return (plat_sock)s;
}

long plat_tcp_send(plat_sock s, const uint8_t *data, size_t len) {
  int n = len > 0x7fffffff ? 0x7fffffff : (int)len;
  int r = send((SOCKET)s, (const char *)data, n, 0);
  if (r == SOCKET_ERROR) return WSAGetLastError() == WSAEWOULDBLOCK ? PLAT_AGAIN : PLAT_FAIL;
  return (long)r;
}

long plat_tcp_recv(plat_sock s, uint8_t *buf, size_t cap) {
  int n = cap > 0x7fffffff ? 0x7fffffff : (int)cap;
  int r = recv((SOCKET)s, (char *)buf, n, 0);
  if (r == 0) return PLAT_EOF;
  if (r == SOCKET_ERROR) return WSAGetLastError() == WSAEWOULDBLOCK ? PLAT_AGAIN : PLAT_FAIL;
  return (long)r;
}

int plat_sock_name(plat_sock s, char addr[64], int *port) {
  any_addr a;
  int len = (int)sizeof a;
  if (getsockname((SOCKET)s, &a.sa, &len) != 0) return -1;
  addr_text(&a, addr, port);
  return 0;
}

void plat_tcp_shutdown(plat_sock s) { shutdown((SOCKET)s, SD_SEND); }

void plat_close(plat_sock s) {
  if (s != PLAT_NO_SOCK) closesocket((SOCKET)s);
}

/* select(), not WSAPoll: WSAPoll misses failed non-blocking connects on some Windows versions.
 * A failed connect shows in the error set, which is only asked for sockets that want PLAT_OUT
 * (urgent data, its other meaning, is inline on our TCP sockets). */
int plat_poll(plat_pollfd *fds, int n, int timeout_ms) {
  fd_set rd, wr, ex;
  int used = 0;
  FD_ZERO(&rd);
  FD_ZERO(&wr);
  FD_ZERO(&ex);
  if (n < 0 || n > FD_SETSIZE) return -1;
  for (int i = 0; i < n; i++) {
    SOCKET s = (SOCKET)fds[i].sock;
    fds[i].ready = 0;
    if (fds[i].sock == PLAT_NO_SOCK || (fds[i].want & (PLAT_IN | PLAT_OUT)) == 0) continue;
    if (fds[i].want & PLAT_IN) FD_SET(s, &rd);
    if (fds[i].want & PLAT_OUT) {
      FD_SET(s, &wr);
      FD_SET(s, &ex);
    }
    used++;
  }
  if (used == 0) { /* Winsock refuses a select() on empty sets */
    Sleep(timeout_ms < 0 ? INFINITE : (DWORD)timeout_ms);
    return 0;
  }
  struct timeval tv;
  tv.tv_sec = timeout_ms / 1000;
  tv.tv_usec = (timeout_ms % 1000) * 1000;
  int r = select(0, &rd, &wr, &ex, timeout_ms < 0 ? NULL : &tv);
  if (r == SOCKET_ERROR) {
    int e = WSAGetLastError();
    if (e == WSAEINTR) return 0;
    if (e != WSAENOTSOCK) return -1;
    /* An entry is not (or no longer) a socket: select() refuses them all, where poll() flags
     * just that one (POLLNVAL). Do the same: flag it, and ask once more about the rest. */
    int bad = 0;
    for (int i = 0; i < n; i++) {
      int type = 0, len = (int)sizeof type;
      if (fds[i].sock == PLAT_NO_SOCK || (fds[i].want & (PLAT_IN | PLAT_OUT)) == 0) continue;
      if (getsockopt((SOCKET)fds[i].sock, SOL_SOCKET, SO_TYPE, (char *)&type, &len) != 0) {
        fds[i].ready = PLAT_ERR; /* marks it for the loops below */
        bad++;
      }
    }
    if (bad == 0) return -1;
    int wants[FD_SETSIZE];
    for (int i = 0; i < n; i++) {
      wants[i] = fds[i].want;
      if (fds[i].ready == PLAT_ERR) fds[i].want = 0;
    }
    int rest = used > bad ? plat_poll(fds, n, 0) : 0; /* the bad ones are skipped now: no recursion beyond this */
    for (int i = 0; i < n; i++) {
      if (fds[i].want == 0 && wants[i] != 0) fds[i].ready = PLAT_ERR;
      fds[i].want = wants[i];
    }
    return bad + (rest > 0 ? rest : 0);
  }
  if (r == 0) return 0;
  int ready = 0;
  for (int i = 0; i < n; i++) {
    if (fds[i].sock == PLAT_NO_SOCK) continue;
    SOCKET s = (SOCKET)fds[i].sock;
    int got = 0;
    if ((fds[i].want & PLAT_IN) && FD_ISSET(s, &rd)) got |= PLAT_IN;
    if (fds[i].want & PLAT_OUT) {
      if (FD_ISSET(s, &wr)) got |= PLAT_OUT;
      if (FD_ISSET(s, &ex)) got |= PLAT_OUT | PLAT_ERR;
    }
    fds[i].ready = got;
    if (got != 0) ready++;
  }
  return ready;
}

/* ---- the control channel: a thread pumps stdin into a loopback TCP connection ------------ */

static SOCKET stdin_rd = INVALID_SOCKET; /* ours: non-blocking, polled with the other sockets */

/* A connected pair of loopback TCP sockets; the thread writes one, the loop reads the other. */
static int loopback_pair(SOCKET *rd, SOCKET *wr) {
  any_addr a, peer, mine;
  int alen = (int)sizeof a, plen = (int)sizeof peer, mlen = (int)sizeof mine;
  SOCKET l = socket(AF_INET, SOCK_STREAM, 0), c = INVALID_SOCKET, s = INVALID_SOCKET;
  if (l == INVALID_SOCKET) return -1;
  make_addr(&a, "127.0.0.1", 0);
  set_opt(l, SOL_SOCKET, SO_EXCLUSIVEADDRUSE, 1);
  if (bind(l, &a.sa, (int)sizeof a.in4) != 0 || listen(l, 1) != 0 || getsockname(l, &a.sa, &alen) != 0) goto fail;
  c = socket(AF_INET, SOCK_STREAM, 0);
  if (c == INVALID_SOCKET || connect(c, &a.sa, alen) != 0) goto fail;
  s = accept(l, &peer.sa, &plen);
  if (s == INVALID_SOCKET || getsockname(c, &mine.sa, &mlen) != 0) goto fail;
  /* Someone else may have connected to our listener first: it must be our own socket. */
  if (peer.in4.sin_port != mine.in4.sin_port || peer.in4.sin_addr.s_addr != mine.in4.sin_addr.s_addr) goto fail;
  closesocket(l);
  set_opt(c, IPPROTO_TCP, TCP_NODELAY, 1); /* a short line must not wait for an ACK */
  SetHandleInformation((HANDLE)c, HANDLE_FLAG_INHERIT, 0);
  SetHandleInformation((HANDLE)s, HANDLE_FLAG_INHERIT, 0);
  if (set_nonblocking(s) != 0) {
    closesocket(s);
    closesocket(c);
    return -1;
  }
  *rd = s;
  *wr = c;
  return 0;
fail:
  if (s != INVALID_SOCKET) closesocket(s);
  if (c != INVALID_SOCKET) closesocket(c);
  closesocket(l);
  return -1;
}

static int send_all(SOCKET s, const char *p, size_t n) {
  while (n > 0) {
    int r = send(s, p, n > 65536 ? 65536 : (int)n, 0);
    if (r == SOCKET_ERROR || r == 0) return -1;
    p += r;
    n -= (size_t)r;
  }
  return 0;
}

/* A console gives UTF-16 through ReadConsoleW (ReadFile would give the OEM code page): sent on as UTF-8. */
static void pump_console(HANDLE in, SOCKET out) {
  WCHAR w[1024];
  char u[sizeof w / sizeof w[0] * 3 + 4];
  DWORD carry = 0, got;
  int line_start = 1;
  for (;;) {
    if (!ReadConsoleW(in, w + carry, (DWORD)(sizeof w / sizeof w[0]) - carry, &got, NULL)) return;
    if (got == 0) { /* Ctrl-C: the console control handler decides */
      Sleep(1);
      continue;
    }
    if (line_start && carry == 0 && w[0] == 0x1a) return; /* Ctrl-Z at the start of a line: end of input */
    DWORD total = carry + got;
    carry = 0;
    line_start = w[total - 1] == L'\n';
    if (w[total - 1] >= 0xd800 && w[total - 1] <= 0xdbff) { /* half a surrogate pair: keep for the next read */
      total--;
      carry = 1;
    }
    int len = total > 0 ? WideCharToMultiByte(CP_UTF8, 0, w, (int)total, u, (int)sizeof u, NULL, NULL) : 0;
    if (carry) w[0] = w[total];
    if (len > 0 && send_all(out, u, (size_t)len) != 0) return;
  }
}

static DWORD WINAPI stdin_pump(LPVOID arg) {
  SOCKET out = (SOCKET)(uintptr_t)arg;
  HANDLE in = GetStdHandle(STD_INPUT_HANDLE);
  DWORD mode;
  if (in != NULL && in != INVALID_HANDLE_VALUE) {
    if (GetConsoleMode(in, &mode)) {
      pump_console(in, out);
    } else {
      /* A file ends with a zero-byte read; a Windows pipe with ERROR_BROKEN_PIPE, while a
       * zero-byte read there may be an empty write, and then the pipe still answers a peek.
       * (Wine's pipes from Unix end with a zero-byte read and cannot be peeked.) */
      int pipe = GetFileType(in) == FILE_TYPE_PIPE;
      char buf[4096];
      DWORD got, avail;
      for (;;) {
        if (!ReadFile(in, buf, sizeof buf, &got, NULL)) break;
        if (got == 0) {
          if (pipe && PeekNamedPipe(in, NULL, 0, NULL, &avail, NULL)) continue;
          break;
        }
        if (send_all(out, buf, got) != 0) break;
      }
    }
  }
  /* End of input (or a read error): the loop's recv() sees the orderly close. */
  shutdown(out, SD_SEND);
  closesocket(out);
  return 0;
}

plat_sock plat_stdin_open(void) {
  SOCKET wr;
  if (stdin_rd != INVALID_SOCKET) return (plat_sock)stdin_rd;
  if (plat_net_init() != 0 || loopback_pair(&stdin_rd, &wr) != 0) {
    stdin_rd = INVALID_SOCKET;
    return PLAT_NO_SOCK;
  }
  HANDLE t = CreateThread(NULL, 64 * 1024, stdin_pump, (LPVOID)(uintptr_t)wr, 0, NULL);
  if (t == NULL) {
    closesocket(wr);
    closesocket(stdin_rd);
    stdin_rd = INVALID_SOCKET;
    return PLAT_NO_SOCK;
  }
  CloseHandle(t); /* it runs until end of input or process exit */
  return (plat_sock)stdin_rd;
}

long plat_stdin_read(uint8_t *buf, size_t cap) {
  if (stdin_rd == INVALID_SOCKET) return PLAT_EOF;
  int n = cap > 0x7fffffff ? 0x7fffffff : (int)cap;
  int r = recv(stdin_rd, (char *)buf, n, 0);
  if (r > 0) return (long)r;
  if (r == SOCKET_ERROR && WSAGetLastError() == WSAEWOULDBLOCK) return PLAT_AGAIN;
  return PLAT_EOF; /* the thread closed its end: end of input or a read error */
}

/* ---- the rest --------------------------------------------------------------------------- */

/* SIO_GET_INTERFACE_LIST: IPv4 interfaces with their flags, from ws2_32 alone. */
int plat_resolver_config(char *buf, size_t cap) {
  ULONG size = 0;
  if (cap == 0 || GetNetworkParams(NULL, &size) != ERROR_BUFFER_OVERFLOW) return -1;
  FIXED_INFO *info = malloc(size);
  if (info == NULL) return -1;
  if (GetNetworkParams(info, &size) != NO_ERROR) {
    free(info);
    return -1;
  }
  size_t n = 0;
  buf[0] = '\0';
  for (IP_ADDR_STRING *a = &info->DnsServerList; a != NULL; a = a->Next) {
    int w = snprintf(buf + n, cap - n, "nameserver %s\n", a->IpAddress.String);
    if (w < 0 || (size_t)w >= cap - n) break;
    n += (size_t)w;
  }
  free(info);
  return 0;
}

const char *plat_first_external_ipv4(char buf[64]) {
  INTERFACE_INFO list[64];
  DWORD got = 0;
  const char *found = NULL;
  if (plat_net_init() != 0) return NULL;
  SOCKET s = socket(AF_INET, SOCK_DGRAM, 0);
  if (s == INVALID_SOCKET) return NULL;
  if (WSAIoctl(s, SIO_GET_INTERFACE_LIST, NULL, 0, list, sizeof list, &got, NULL, NULL) == 0) {
    size_t count = got / sizeof list[0];
    for (size_t i = 0; i < count && found == NULL; i++) {
      if (!(list[i].iiFlags & IFF_UP) || (list[i].iiFlags & IFF_LOOPBACK)) continue;
      const struct sockaddr_in *in = &list[i].iiAddress.AddressIn;
      const uint8_t *b = (const uint8_t *)&in->sin_addr;
      if (in->sin_family != AF_INET || b[0] == 127 || (b[0] | b[1] | b[2] | b[3]) == 0) continue;
      format_ipv4(b, buf);
      found = buf;
    }
  }
  closesocket(s);
  return found;
}

static volatile LONG quit_flag = 0;

static BOOL WINAPI on_console_event(DWORD type) {
  switch (type) {
    case CTRL_C_EVENT:
    case CTRL_BREAK_EVENT:
    case CTRL_CLOSE_EVENT:
    case CTRL_SHUTDOWN_EVENT:
      InterlockedExchange(&quit_flag, 1);
      /* After a close the process ends when this returns: give the loop time to finish. */
      if (type == CTRL_CLOSE_EVENT || type == CTRL_SHUTDOWN_EVENT) Sleep(2000);
      return TRUE;
    default:
      return FALSE;
  }
}

void plat_catch_quit_signals(void) { SetConsoleCtrlHandler(on_console_event, TRUE); }

int plat_quit_requested(void) { return InterlockedCompareExchange(&quit_flag, 0, 0) != 0; }

long plat_peak_rss_kb(void) {
  PROCESS_MEMORY_COUNTERS pmc;
  memset(&pmc, 0, sizeof pmc);
  pmc.cb = sizeof pmc;
  if (!GetProcessMemoryInfo(GetCurrentProcess(), &pmc, sizeof pmc)) return -1;
  return (long)(pmc.PeakWorkingSetSize / 1024);
}
#endif
