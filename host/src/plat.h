/* The operating-system layer of quip-host: everything that differs between POSIX and Win32.
 * One implementation per OS (plat_posix.c, plat_win32.c); the rest of the host is portable C99. */
#ifndef QUIP_PLAT_H
#define QUIP_PLAT_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* ---- time and entropy ------------------------------------------------------------------ */

/** Monotonic milliseconds (arbitrary origin, never jumps). */
double plat_monotonic_ms(void);
/** Wall-clock milliseconds since the epoch. */
double plat_wall_ms(void);
/** Fills buf with n random bytes from the OS; 0 on success, -1 on failure. */
int plat_random(uint8_t *buf, size_t n);
/** CPU time (user + system) this process has used, in milliseconds. */
double plat_cpu_ms(void);
/** CPU time the calling thread has used, in milliseconds (what the firmware watchdog counts). */
double plat_thread_cpu_ms(void);

/* ---- files ------------------------------------------------------------------------------ */

/** Flushes stdio buffers and forces the file's data to stable storage; 0 on success. */
int plat_file_sync(FILE *f);
/** Atomically replaces dst with src (rename over an existing file); 0 on success. */
int plat_replace_file(const char *src, const char *dst);
/** Makes a directory's entries (renames, unlinks) durable; 0 on success (no-op where not needed). */
int plat_sync_dir(const char *dir);
/** Creates dir and missing parents; 0 when it exists afterwards. */
int plat_mkdir_p(const char *dir);
/** Calls cb for each entry name in dir but "." and ".."; stops early when cb returns non-zero. */
int plat_list_dir(const char *dir, int (*cb)(const char *name, void *ctx), void *ctx);
/** Deletes a file; 0 on success. */
int plat_remove(const char *path);
/** Process id, for unique temp file names. */
long plat_pid(void);

/* ---- sockets (non-blocking) ------------------------------------------------------------- */

typedef intptr_t plat_sock;
#define PLAT_NO_SOCK ((plat_sock)-1)

/** Starts the socket library (WSAStartup on Win32); 0 on success. */
int plat_net_init(void);
/** The last socket error as a short code ("EADDRINUSE", "ECONNREFUSED", ...). */
const char *plat_sock_error(void);
/** True when addr is an IPv4 (4) or IPv6 (6) literal; 0 otherwise. */
int plat_ip_family(const char *addr);

/** A bound UDP socket (port 0 = any); the real port in *bound. PLAT_NO_SOCK with errno code in err. */
plat_sock plat_udp_open(const char *bind_addr, int port, int *bound, const char **err);
/** Sends one datagram; 0 when handed to the OS, -1 otherwise. */
int plat_udp_send(plat_sock s, const uint8_t *data, size_t len, const char *addr, int port);
/** Receives one datagram: its length, PLAT_AGAIN when none is waiting, PLAT_FAIL on error. */
long plat_udp_recv(plat_sock s, uint8_t *buf, size_t cap, char addr[64], int *port);

#define PLAT_AGAIN (-1)
#define PLAT_FAIL (-2)
#define PLAT_EOF (-3)

/** Starts a non-blocking connect; writable readiness then plat_tcp_connect_result tells the outcome. */
plat_sock plat_tcp_connect(const char *bind_addr, const char *addr, int port, const char **err);
/** After writability: NULL when connected, else the error code. */
const char *plat_tcp_connect_result(plat_sock s);
plat_sock plat_tcp_listen(const char *bind_addr, int port, int *bound, const char **err);
/** Accepts one connection: PLAT_NO_SOCK when none is waiting. */
plat_sock plat_tcp_accept(plat_sock listener, char addr[64], int *port);
/** Bytes sent (maybe fewer than len), PLAT_AGAIN when the buffer is full, PLAT_FAIL on error. */
long plat_tcp_send(plat_sock s, const uint8_t *data, size_t len);
/** Bytes received, PLAT_AGAIN, PLAT_EOF on an orderly close, PLAT_FAIL on error. */
long plat_tcp_recv(plat_sock s, uint8_t *buf, size_t cap);
/** The local address and port of a connected socket; 0 on success. */
int plat_sock_name(plat_sock s, char addr[64], int *port);
/** Half-closes the sending side (FIN after queued data). */
void plat_tcp_shutdown(plat_sock s);
void plat_close(plat_sock s);

/* ---- readiness -------------------------------------------------------------------------- */

#define PLAT_IN 1
#define PLAT_OUT 2
#define PLAT_ERR 4

typedef struct {
  plat_sock sock;
  int want;  /* PLAT_IN | PLAT_OUT */
  int ready; /* set by plat_poll: PLAT_IN | PLAT_OUT | PLAT_ERR */
} plat_pollfd;

/** Waits up to timeout_ms (-1 = forever) for readiness; the number ready, 0 on timeout, -1 on error. */
int plat_poll(plat_pollfd *fds, int n, int timeout_ms);

/* ---- the control channel (stdin) -------------------------------------------------------- */

/** A socket that becomes readable when stdin has data (stdin itself on POSIX; a pipe from a reader thread on Win32). */
plat_sock plat_stdin_open(void);
/** Reads what stdin has: bytes, PLAT_AGAIN, or PLAT_EOF when stdin is closed. */
long plat_stdin_read(uint8_t *buf, size_t cap);

/** The OS's DNS resolver configuration as resolv.conf text ("nameserver <ip>" lines) into buf:
 *  /etc/resolv.conf on POSIX, the adapters' DNS servers (GetNetworkParams) on Win32. 0 on success. */
int plat_resolver_config(char *buf, size_t cap);

/** The first non-loopback IPv4 address of this machine, or NULL. */
const char *plat_first_external_ipv4(char buf[64]);

/** Installs SIGINT/SIGTERM (console Ctrl-C/close on Win32) handlers; then plat_quit_requested() turns true. */
void plat_catch_quit_signals(void);
int plat_quit_requested(void);

/** Peak resident memory (VmHWM) in kilobytes, or -1 where the OS does not say. */
long plat_peak_rss_kb(void);

#endif
