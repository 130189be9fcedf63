/* NetHal on the OS's sockets: UDP, TCP (connect, listen, a bounded send queue) and DNS (a
 * non-blocking resolver over UDP, the hosts file, IP literals). The same rules as the emulator's
 * NodeNet (hal/node/net.ts): calls never block and never deliver an event from inside the
 * call; every TCP connection id ends with exactly one tcp_closed; a refused tcpWrite on a
 * connected connection is followed by one tcp_writable once its queue drains; nothing after
 * net_close(). */
#ifndef QUIP_NET_H
#define QUIP_NET_H

#include <stddef.h>
#include <stdint.h>

#include "events.h"
#include "plat.h"

typedef struct quip_net quip_net;

typedef struct {
  const char *bind_address;       /* default "0.0.0.0" */
  const char *advertised_address; /* what localAddress() reports; NULL = derive */
  const char *dns_servers;        /* "ip[:port],..." or NULL = /etc/resolv.conf */
  const char *hosts_file;         /* NULL = the OS's */
} net_options;

quip_net *net_create(const net_options *o, ev_queue *events);
void net_close(quip_net *n);

int net_udp_open(quip_net *n, double port);
int net_udp_send(quip_net *n, int socket, const uint8_t *data, size_t len, const char *address, double port);
void net_udp_close(quip_net *n, int socket);
int net_tcp_connect(quip_net *n, const char *address, double port);
int net_tcp_listen(quip_net *n, double port);
void net_tcp_stop_listening(quip_net *n, int listener);
int net_tcp_write(quip_net *n, int conn, const uint8_t *data, size_t len);
void net_tcp_close(quip_net *n, int conn);
int net_dns_query(quip_net *n, const char *name, const char *type);
/** The address other hosts reach this phone at (owned by n). */
const char *net_local_address(quip_net *n);

/** Adds the sockets to wait on to fds (at most cap); returns how many were added. */
int net_poll_fds(quip_net *n, plat_pollfd *fds, int cap);
/** Handles readiness of the fds net_poll_fds added (same order), and due deadlines. */
void net_ready(quip_net *n, const plat_pollfd *fds, int count, double now);
/** The earliest deadline (connect/DNS timeouts, lingering closes), or -1. */
double net_next_deadline(quip_net *n);

#endif
