// NetHal for the desktop emulator: real UDP/TCP sockets and DNS on the Node host.
//
// Rules the firmware relies on: host calls never throw and never deliver an event from inside
// the call (results come later); every TCP connection id ends with exactly one tcp_closed
// (also after tcpClose or a failed connect); a tcpWrite refused on a connected connection is
// followed by one tcp_writable once it takes data again; nothing is delivered after close().
import dgram from 'node:dgram';
import net from 'node:net';
import os from 'node:os';
import type { DnsRecord, DnsType, HalEvent, NetHal } from '../contract.ts';
import { DnsClient } from './net-dns.ts';
import type { DnsOptions } from './net-dns.ts';
import { Impairment, ImpairmentTally, isPassThrough } from './impairment.ts';
import type { ImpairmentSpec } from './impairment.ts';

export type Deliver = (event: HalEvent) => void;

export interface NodeNetOptions {
  /** Address sockets and listeners bind to; default '0.0.0.0'. */
  bindAddress?: string;
  /** What localAddress() reports (e.g. a NAT's public address). */
  advertisedAddress?: string;
  /** A tcpConnect that is not established by then ends with tcp_closed 'timeout'. */
  connectTimeoutMs?: number;
  dns?: DnsOptions;
  /** Opens outgoing TCP sockets; default net.createConnection (tests inject one that never connects). */
  createConnection?: (options: net.NetConnectOpts) => net.Socket;
  /** Test impairment of UDP, both ways (TCP is reliable by nature and never impaired). */
  impair?: NetImpairment;
}

export interface NetImpairment {
  spec: ImpairmentSpec;
  /** Which datagrams it touches; default every one, both ways. */
  applies?: (direction: 'in' | 'out', data: string) => boolean;
  /** Counts what the impairment did (shared across reboots by the emulator). */
  tally?: ImpairmentTally;
}

/** Largest UDP payload over IPv4 (65535 − 8 UDP header − 20 IP header). */
export const MAX_DATAGRAM = 65507;
const DEFAULT_CONNECT_TIMEOUT_MS = 10_000;
/** tcpWrite refuses more once this much is waiting for a slow peer, so memory stays bounded. */
const MAX_TCP_BACKLOG_BYTES = 1 << 20;
/** How long a gracefully closed TCP socket may wait for the peer's FIN before it is destroyed. */
const CLOSE_LINGER_MS = 5_000;

interface TcpConn {
  socket: net.Socket;
  connected: boolean;
  connectTimer: NodeJS.Timeout | null;
  error: string | null;
  /** A tcpWrite was refused: say tcp_writable when the send buffer is empty and the link up. */
  writableWanted: boolean;
}

export class NodeNet implements NetHal {
  private readonly bindAddress: string;
  private readonly advertisedAddress: string | undefined;
  private readonly connectTimeoutMs: number;
  private readonly dns: DnsClient;
  private readonly createConnection: (options: net.NetConnectOpts) => net.Socket;
  private readonly udpSockets = new Map<number, dgram.Socket>();
  private readonly conns = new Map<number, TcpConn>();
  private readonly listeners = new Map<number, net.Server>();
  private readonly pendingDns = new Set<number>();
  /** Sockets closed by tcpClose that are still flushing; destroyed by close(). */
  private readonly lingering = new Set<net.Socket>();
  private readonly immediates = new Set<NodeJS.Immediate>();
  /** Datagrams the impairment is holding back (either way); cleared by close(). */
  private readonly delayed = new Set<NodeJS.Timeout>();
  private readonly impairOut: Impairment | null;
  private readonly impairIn: Impairment | null;
  private readonly impairApplies: ((direction: 'in' | 'out', data: string) => boolean) | undefined;
  private readonly tally: ImpairmentTally | undefined;
  private nextId = 1;
  private linkUp = true;
  private closed = false;

  constructor(
    private readonly deliver: Deliver,
    options: NodeNetOptions = {},
  ) {
    this.bindAddress = options.bindAddress ?? '0.0.0.0';
    this.advertisedAddress = options.advertisedAddress;
    this.connectTimeoutMs = options.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS;
    this.dns = new DnsClient(options.dns);
    this.createConnection = options.createConnection ?? net.createConnection;
    const impair = options.impair;
    const active = impair !== undefined && !isPassThrough(impair.spec);
    // Separate PRNG streams per direction: what is sent does not shift what is received.
    this.impairOut = active ? new Impairment(impair.spec, 0) : null;
    this.impairIn = active ? new Impairment(impair.spec, 1) : null;
    this.impairApplies = impair?.applies;
    this.tally = impair?.tally;
  }

  // ---- UDP ----------------------------------------------------------------------------

  udpOpen(port: number): number {
    const id = this.allocateId();
    if (this.closed) return id;
    if (!isPort(port, true)) {
      this.later(() => this.emit({ type: 'udp_error', socket: id, error: 'EINVAL' }));
      return id;
    }
    const socket = dgram.createSocket(net.isIPv6(this.bindAddress) ? 'udp6' : 'udp4');
    this.udpSockets.set(id, socket);
    socket.on('listening', () => {
      if (this.udpSockets.get(id) === socket) this.emit({ type: 'udp_bound', socket: id, port: socket.address().port });
    });
    socket.on('message', (msg, rinfo) => {
      if (this.udpSockets.get(id) !== socket || !this.linkUp) return;
      const event: HalEvent = { type: 'udp', socket: id, data: msg.toString('latin1'), address: unmapIPv4(rinfo.address), port: rinfo.port };
      if (this.impairIn === null) {
        this.emit(event);
        return;
      }
      this.impaired('in', event.data, () => {
        if (this.udpSockets.get(id) === socket && this.linkUp) this.emit(event);
      });
    });
    socket.on('error', (err) => {
      if (this.udpSockets.get(id) !== socket) return;
      this.udpSockets.delete(id);
      safely(() => socket.close());
      this.emit({ type: 'udp_error', socket: id, error: errorText(err) });
    });
    // Sends issued before 'listening' are queued by dgram itself while the bind is pending.
    socket.bind({ port, address: this.bindAddress, exclusive: true });
    return id;
  }

  udpSend(socket: number, data: string, address: string, port: number): boolean {
    const udp = this.udpSockets.get(socket);
    if (!udp || !this.linkUp) return false;
    if (!isByteString(data) || data.length > MAX_DATAGRAM || !isPort(port, false)) return false;
    const family = typeof address === 'string' ? net.isIP(address) : 0;
    if (family === 0 || (family === 6) !== net.isIPv6(this.bindAddress)) return false;
    const bytes = Buffer.from(data, 'latin1');
    if (this.impairOut !== null) {
      // Accepted like any send; the impairment may lose, copy or hold it back on the "wire".
      this.impaired('out', data, () => {
        if (this.udpSockets.get(socket) === udp && this.linkUp) safely(() => udp.send(bytes, port, address, () => {}));
      });
      return true;
    }
    try {
      // A failed send (e.g. EHOSTUNREACH) loses the datagram like the network would.
      udp.send(bytes, port, address, () => {});
      return true;
    } catch {
      return false;
    }
  }

  udpClose(socket: number): void {
    const udp = this.udpSockets.get(socket);
    if (!udp) return;
    this.udpSockets.delete(socket);
    safely(() => udp.close());
  }

  // ---- TCP ----------------------------------------------------------------------------

  tcpConnect(address: string, port: number): number {
    const id = this.allocateId();
    if (this.closed) return id;
    const refusal = !this.linkUp ? 'ENETUNREACH' : typeof address !== 'string' || net.isIP(address) === 0 || !isPort(port, false) ? 'EINVAL' : null;
    if (refusal) {
      this.later(() => this.emit({ type: 'tcp_closed', conn: id, error: refusal }));
      return id;
    }
    const wildcard = this.bindAddress === '0.0.0.0' || this.bindAddress === '::';
    let socket: net.Socket;
    try {
      socket = this.createConnection({ host: address, port, noDelay: true, ...(wildcard ? {} : { localAddress: this.bindAddress }) });
    } catch (err) {
      this.later(() => this.emit({ type: 'tcp_closed', conn: id, error: errorText(err) }));
      return id;
    }
    const conn = this.track(id, socket, false);
    conn.connectTimer = setTimeout(() => {
      conn.connectTimer = null;
      this.finish(id, 'timeout');
      socket.destroy();
    }, this.connectTimeoutMs);
    socket.on('connect', () => {
      if (this.conns.get(id) !== conn) return;
      this.clearConnectTimer(conn);
      conn.connected = true;
      this.emit({ type: 'tcp_connected', conn: id, localAddress: unmapIPv4(socket.localAddress ?? ''), localPort: socket.localPort ?? 0 });
    });
    return id;
  }

  tcpListen(port: number): number {
    const id = this.allocateId();
    if (this.closed) return id;
    if (!isPort(port, true)) {
      this.later(() => this.emit({ type: 'tcp_listen_error', listener: id, error: 'EINVAL' }));
      return id;
    }
    const server = net.createServer({ noDelay: true });
    this.listeners.set(id, server);
    server.on('listening', () => {
      const bound = server.address();
      if (this.listeners.get(id) === server && bound && typeof bound === 'object') {
        this.emit({ type: 'tcp_listening', listener: id, port: bound.port });
      }
    });
    server.on('error', (err) => {
      if (this.listeners.get(id) !== server) return;
      this.listeners.delete(id);
      safely(() => server.close());
      this.emit({ type: 'tcp_listen_error', listener: id, error: errorText(err) });
    });
    server.on('connection', (socket) => {
      if (this.listeners.get(id) !== server || !this.linkUp) {
        socket.destroy();
        return;
      }
      const connId = this.allocateId();
      this.track(connId, socket, true);
      this.emit({
        type: 'tcp_accepted',
        listener: id,
        conn: connId,
        address: unmapIPv4(socket.remoteAddress ?? ''),
        port: socket.remotePort ?? 0,
      });
    });
    server.listen({ port, host: this.bindAddress, exclusive: true });
    return id;
  }

  tcpStopListening(listener: number): void {
    const server = this.listeners.get(listener);
    if (!server) return;
    this.listeners.delete(listener);
    // Connections already accepted stay open, as with BSD sockets.
    safely(() => server.close());
  }

  tcpWrite(conn: number, data: string): boolean {
    const c = this.conns.get(conn);
    if (!c || !c.connected || !isByteString(data)) return false;
    const backlog = c.socket.writableLength;
    if (!this.linkUp || backlog + data.length > MAX_TCP_BACKLOG_BYTES) {
      // Retry later: tcp_writable follows, unless the data alone is more than the backlog may hold.
      if (!this.linkUp || backlog > 0) c.writableWanted = true;
      return false;
    }
    try {
      c.socket.write(Buffer.from(data, 'latin1'), (err) => {
        if (!err) this.maybeWritable(conn, c);
      });
      return true;
    } catch {
      return false;
    }
  }

  tcpClose(conn: number): void {
    const c = this.conns.get(conn);
    if (!c) return;
    const socket = c.socket;
    this.finish(conn, null);
    if (!c.connected) {
      socket.destroy();
      return;
    }
    // Let queued writes go out (FIN after them); destroy if the peer never closes its side.
    this.lingering.add(socket);
    const linger = setTimeout(() => socket.destroy(), CLOSE_LINGER_MS);
    linger.unref();
    socket.once('close', () => {
      clearTimeout(linger);
      this.lingering.delete(socket);
    });
    safely(() => socket.end());
  }

  // ---- DNS ----------------------------------------------------------------------------

  dnsQuery(name: string, type: DnsType): number {
    const id = this.allocateId();
    if (this.closed) return id;
    this.pendingDns.add(id);
    const answer = (records: DnsRecord[], error: string | null): void => {
      if (!this.pendingDns.delete(id)) return;
      this.emit({ type: 'dns', query: id, records, error });
    };
    // The client awaits at least once before settling, so the event never fires inside this call.
    this.dns.query(name, type).then(
      (records) => answer(records, null),
      (err: unknown) => answer([], (err as { code?: string }).code ?? String(err)),
    );
    return id;
  }

  // ---- addresses and link -------------------------------------------------------------

  localAddress(): string | null {
    if (!this.linkUp) return null;
    return this.advertisedAddress ?? firstExternalIPv4() ?? '127.0.0.1';
  }

  /** Simulates the cable: while down, sends fail and arriving data is dropped. Delivers `link` at once. */
  setLink(up: boolean): void {
    if (this.closed) return;
    this.linkUp = up;
    this.emit({ type: 'link', up, address: this.localAddress() });
    if (up) for (const [id, conn] of this.conns) if (conn.writableWanted) this.later(() => this.maybeWritable(id, conn));
  }

  /** Releases every socket, listener, timer and query; no event is delivered afterwards. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    for (const handle of this.immediates) clearImmediate(handle);
    this.immediates.clear();
    for (const timer of this.delayed) clearTimeout(timer);
    this.delayed.clear();
    for (const socket of this.udpSockets.values()) safely(() => socket.close());
    this.udpSockets.clear();
    for (const server of this.listeners.values()) safely(() => server.close());
    this.listeners.clear();
    for (const conn of this.conns.values()) {
      this.clearConnectTimer(conn);
      conn.socket.destroy();
    }
    this.conns.clear();
    for (const socket of this.lingering) socket.destroy();
    this.lingering.clear();
    this.pendingDns.clear();
    this.dns.cancel();
  }

  // ---- internals ----------------------------------------------------------------------

  private track(id: number, socket: net.Socket, connected: boolean): TcpConn {
    const conn: TcpConn = { socket, connected, connectTimer: null, error: null, writableWanted: false };
    this.conns.set(id, conn);
    socket.on('data', (chunk: Buffer) => {
      if (this.conns.get(id) === conn && this.linkUp) this.emit({ type: 'tcp_data', conn: id, data: chunk.toString('latin1') });
    });
    socket.on('error', (err) => {
      conn.error ??= errorText(err);
    });
    socket.on('close', () => {
      if (this.conns.get(id) === conn) this.finish(id, conn.error);
    });
    return conn;
  }

  /** Delivers the tcp_writable a refused tcpWrite asked for, once the connection can take data. */
  private maybeWritable(id: number, conn: TcpConn): void {
    if (!conn.writableWanted || this.conns.get(id) !== conn || !this.linkUp || conn.socket.writableLength > 0) return;
    conn.writableWanted = false;
    this.emit({ type: 'tcp_writable', conn: id });
  }

  /** Ends a connection's life in the HAL: forget it and deliver its single tcp_closed. */
  private finish(id: number, error: string | null): void {
    const conn = this.conns.get(id);
    if (!conn) return;
    this.clearConnectTimer(conn);
    this.conns.delete(id);
    this.later(() => this.emit({ type: 'tcp_closed', conn: id, error }));
  }

  private clearConnectTimer(conn: TcpConn): void {
    if (conn.connectTimer) clearTimeout(conn.connectTimer);
    conn.connectTimer = null;
  }

  /** Runs `deliver` once per copy the impairment lets through, each after its delay. */
  private impaired(direction: 'in' | 'out', data: string, deliver: () => void): void {
    const impairment = direction === 'in' ? this.impairIn : this.impairOut;
    if (impairment === null || (this.impairApplies !== undefined && !this.impairApplies(direction, data))) {
      deliver();
      return;
    }
    const delays = impairment.decide();
    this.tally?.note(direction, data, delays);
    for (const ms of delays) {
      if (ms <= 0) {
        deliver();
        continue;
      }
      const timer = setTimeout(() => {
        this.delayed.delete(timer);
        if (!this.closed) deliver();
      }, ms);
      this.delayed.add(timer);
    }
  }

  private allocateId(): number {
    return this.nextId++;
  }

  /** Defers work to a later turn so no event is delivered from inside a host call. */
  private later(fn: () => void): void {
    const handle = setImmediate(() => {
      this.immediates.delete(handle);
      fn();
    });
    this.immediates.add(handle);
  }

  private emit(event: HalEvent): void {
    if (!this.closed) this.deliver(event);
  }
}

function isPort(port: unknown, allowZero: boolean): port is number {
  return typeof port === 'number' && Number.isInteger(port) && port >= (allowZero ? 0 : 1) && port <= 65535;
}

/** True for a string of octets only (chars 0..255); anything else would be silently mangled. */
function isByteString(data: unknown): data is string {
  return typeof data === 'string' && !/[^\x00-\xff]/.test(data);
}

function unmapIPv4(address: string): string {
  return address.startsWith('::ffff:') && net.isIPv4(address.slice(7)) ? address.slice(7) : address;
}

function firstExternalIPv4(): string | undefined {
  for (const list of Object.values(os.networkInterfaces())) {
    for (const info of list ?? []) {
      if (info.family === 'IPv4' && !info.internal) return info.address;
    }
  }
  return undefined;
}

function errorText(err: unknown): string {
  const code = (err as { code?: unknown } | null)?.code;
  if (typeof code === 'string') return code;
  return err instanceof Error ? err.message : String(err);
}

function safely(fn: () => void): void {
  try {
    fn();
  } catch {
    // already closed
  }
}
