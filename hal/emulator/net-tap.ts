// A tap on the emulator's network HAL: reports every datagram and TCP chunk the phone sends
// and receives, with the peer's address, so a host-side tool (the web UI's SIP ladder) can
// watch the wire without touching the firmware. It only observes: calls and events pass
// through unchanged.

import type { HalEvent, NetHal } from '../contract.ts';

export interface TappedPacket {
  direction: 'in' | 'out';
  transport: 'udp' | 'tcp';
  /** Octets as a byte string; '' when `closed`. */
  data: string;
  address: string;
  port: number;
  /** The TCP connection id (per-connection framing needs it); 0 for UDP. */
  conn: number;
  /** The TCP connection ended: forget its partial data. */
  closed?: boolean;
}

export type NetTap = (packet: TappedPacket) => void;

/** Wraps a NetHal so what the firmware sends is reported, and returns the matching filter for
 *  what it receives (call it on every event before the firmware sees it). */
export function tapNet(net: NetHal, tap: NetTap): { net: NetHal; incoming(ev: HalEvent): void } {
  const peers = new Map<number, { address: string; port: number }>();
  const report = (p: TappedPacket): void => {
    try {
      tap(p);
    } catch {
      // an observer's bug must never reach the firmware
    }
  };
  const wrapped: NetHal = {
    udpOpen: (port) => net.udpOpen(port),
    udpSend: (socket, data, address, port) => {
      const ok = net.udpSend(socket, data, address, port);
      if (ok) report({ direction: 'out', transport: 'udp', data, address, port, conn: 0 });
      return ok;
    },
    udpClose: (socket) => net.udpClose(socket),
    tcpConnect: (address, port) => {
      const conn = net.tcpConnect(address, port);
      peers.set(conn, { address, port });
      return conn;
    },
    tcpListen: (port) => net.tcpListen(port),
    tcpStopListening: (listener) => net.tcpStopListening(listener),
    tcpWrite: (conn, data) => {
      const ok = net.tcpWrite(conn, data);
      const peer = peers.get(conn);
      if (ok && peer) report({ direction: 'out', transport: 'tcp', data, ...peer, conn });
      return ok;
    },
    tcpClose: (conn) => net.tcpClose(conn),
    dnsQuery: (name, type) => net.dnsQuery(name, type),
    localAddress: () => net.localAddress(),
  };
  const incoming = (ev: HalEvent): void => {
    if (ev.type === 'udp') report({ direction: 'in', transport: 'udp', data: ev.data, address: ev.address, port: ev.port, conn: 0 });
    else if (ev.type === 'tcp_accepted') peers.set(ev.conn, { address: ev.address, port: ev.port });
    else if (ev.type === 'tcp_data') {
      const peer = peers.get(ev.conn);
      if (peer) report({ direction: 'in', transport: 'tcp', data: ev.data, ...peer, conn: ev.conn });
    } else if (ev.type === 'tcp_closed') {
      const peer = peers.get(ev.conn);
      peers.delete(ev.conn);
      if (peer) report({ direction: 'in', transport: 'tcp', data: '', ...peer, conn: ev.conn, closed: true });
    }
  };
  return { net: wrapped, incoming };
}
