// Delivers each HAL event to the part of the firmware that owns its handle. A part gets its
// own view of the network HAL (netFor); every socket, listener, connection and DNS query it
// opens through that view is registered to it, and released when the HAL ends the handle.
// So a new socket user needs no change to the phone's dispatch, and no part sees another's
// events. Device-wide events (keys, audio frames, link, control, shutdown) and timers — the
// Timers table is itself keyed by timer id — go to handlers subscribed by event type.

import type { DnsType, HalEvent, NetHal } from '../../hal/contract.ts';

/** Takes one event for a handle it owns. */
export type EventSink = (ev: HalEvent) => void;

type EventOf<T extends HalEvent['type']> = Extract<HalEvent, { type: T }>;

export class EventRouter {
  private readonly sockets = new Map<number, EventSink>();
  private readonly listeners = new Map<number, EventSink>();
  private readonly conns = new Map<number, EventSink>();
  private readonly queries = new Map<number, EventSink>();
  private readonly byType = new Map<HalEvent['type'], EventSink[]>();

  constructor(private readonly net: NetHal) {}

  /** The network HAL for one owner: what it opens, it alone hears about. */
  netFor(sink: EventSink): NetHal {
    const net = this.net;
    return {
      udpOpen: (port: number) => this.own(this.sockets, net.udpOpen(port), sink),
      udpSend: (socket: number, data: string, address: string, port: number) => net.udpSend(socket, data, address, port),
      udpClose: (socket: number) => {
        this.sockets.delete(socket);
        net.udpClose(socket);
      },
      tcpConnect: (address: string, port: number) => this.own(this.conns, net.tcpConnect(address, port), sink),
      tcpListen: (port: number) => this.own(this.listeners, net.tcpListen(port), sink),
      tcpStopListening: (listener: number) => {
        this.listeners.delete(listener);
        net.tcpStopListening(listener);
      },
      tcpWrite: (conn: number, data: string) => net.tcpWrite(conn, data),
      // The connection stays owned until its tcp_closed, which the HAL still delivers.
      tcpClose: (conn: number) => net.tcpClose(conn),
      dnsQuery: (name: string, type: DnsType) => this.own(this.queries, net.dnsQuery(name, type), sink),
      localAddress: () => net.localAddress(),
    };
  }

  /** Subscribes to every event of one type that no handle owner takes (in subscription order). */
  on<T extends HalEvent['type']>(type: T, handler: (ev: EventOf<T>) => void): void {
    const list = this.byType.get(type);
    const sink = handler as EventSink;
    if (list === undefined) this.byType.set(type, [sink]);
    else list.push(sink);
  }

  /** Delivers one event; false when nobody wanted it. */
  dispatch(ev: HalEvent): boolean {
    const owner = this.ownerOf(ev);
    if (owner !== undefined) {
      owner(ev);
      return true;
    }
    const handlers = this.byType.get(ev.type);
    if (handlers === undefined) return false;
    for (const h of handlers) h(ev);
    return true;
  }

  /** How many handles are owned (for leak checks). */
  get owned(): number {
    return this.sockets.size + this.listeners.size + this.conns.size + this.queries.size;
  }

  private own(table: Map<number, EventSink>, id: number, sink: EventSink): number {
    if (id >= 0) table.set(id, sink);
    return id;
  }

  /** The owner of the event's handle, forgetting handles the event ends. */
  private ownerOf(ev: HalEvent): EventSink | undefined {
    switch (ev.type) {
      case 'udp':
      case 'udp_bound':
        return this.sockets.get(ev.socket);
      case 'udp_error':
        return take(this.sockets, ev.socket); // the HAL closed the socket
      case 'tcp_listening':
        return this.listeners.get(ev.listener);
      case 'tcp_listen_error':
        return take(this.listeners, ev.listener);
      case 'tcp_accepted': {
        const sink = this.listeners.get(ev.listener);
        if (sink !== undefined) this.conns.set(ev.conn, sink); // a listener's connections are its owner's
        return sink;
      }
      case 'tcp_connected':
      case 'tcp_data':
      case 'tcp_writable':
        return this.conns.get(ev.conn);
      case 'tcp_closed':
        return take(this.conns, ev.conn);
      case 'dns':
        return take(this.queries, ev.query);
      default:
        return undefined;
    }
  }
}

function take(table: Map<number, EventSink>, id: number): EventSink | undefined {
  const sink = table.get(id);
  if (sink !== undefined) table.delete(id);
  return sink;
}
