// SIP over the HAL network (RFC 3261 §18): one UDP socket and, optionally, a TCP listener
// on the same port plus outbound TCP connections, each framed by a StreamFramer; what a
// connection cannot take yet waits, bounded, for tcp_connected or tcp_writable. Malformed
// requests are answered statelessly (400/505/501/513); malformed responses are dropped.

import type { HalEvent, NetHal } from '../../../hal/contract.ts';
import { SipParseError } from '../errors.ts';
import type { SipMessage } from '../message.ts';
import { parseMessage } from '../parser.ts';
import { createResponse } from '../response.ts';
import { serializeMessage } from '../serializer.ts';
import { StreamFramer } from '../stream-framer.ts';
import { peerKey, viaTransport } from './peer.ts';
import type { Peer, TransportName } from './peer.ts';
import { UnsentBytes } from './unsent-bytes.ts';
import { responseDestination, stampVia } from './via-stamp.ts';

/** What the transaction layer needs from a transport; tests substitute their own. */
export interface Transport {
  send(msg: SipMessage, dest: Peer): boolean;
  /** Sends a response where RFC 3261 §18.2.2 says, given where its request came from. */
  sendResponse(res: SipMessage, source: Peer): boolean;
  /** A Via header value for a request we send: our sent-by, the branch, rport. */
  via(transport: TransportName, branch: string): string;
  /** Whether this request (still without our Via) is too big for UDP and should go over TCP. */
  preferTcp(req: SipMessage): boolean;
}

export interface TransportOptions {
  /** UDP port, and TCP listen port when `tcp` is on; 0 = any free port. */
  port: number;
  tcp: boolean;
  /** The address peers reach us at (Via sent-by, Contact). */
  localAddress(): string;
  /** RFC 3261 §18.1.1: requests larger than this go over TCP when TCP is on. */
  maxUdpBytes?: number;
  maxConnections?: number;
  /** Unsent stream bytes one connection may hold before it is dropped (default MAX_UNSENT_BYTES). */
  maxUnsentBytes?: number;
}

export interface TransportEvents {
  onMessage(msg: SipMessage, source: Peer): void;
  /** The UDP socket is bound (and the TCP listener, when asked for). */
  onReady?(port: number): void;
  /** Something failed that the user should hear about (bind refused, ...). */
  onError?(message: string): void;
  /** A TCP connection we opened failed or closed before our messages went out. */
  onConnectionFailed?(peer: Peer): void;
  /** A problem for the device log rather than the user (a peer that stopped reading, ...). */
  onWarning?(message: string): void;
  /** A malformed message arrived (requests were already answered). */
  onBadMessage?(error: SipParseError, source: Peer): void;
}

/** Room for the Via the transaction layer adds after the size check. */
const VIA_ALLOWANCE = 120;

interface Connection {
  id: number;
  peer: Peer;
  framer: StreamFramer;
  connected: boolean;
  /** What tcpWrite has not taken yet: before tcp_connected, or since a refusal until tcp_writable. */
  unsent: UnsentBytes;
  /** Closed for holding too much unsent data; its tcp_closed (still to come) reports the failure. */
  dropped: boolean;
  lastUsed: number;
}

export class SipTransport implements Transport {
  private udp = -1;
  private listener = -1;
  private boundPort = 0;
  private readonly conns = new Map<number, Connection>();
  /** Outbound (and reusable inbound) connections by "tcp:address:port". */
  private readonly byPeer = new Map<string, Connection>();
  private useCounter = 0;

  constructor(
    private readonly net: NetHal,
    private readonly options: TransportOptions,
    private readonly events: TransportEvents,
  ) {}

  get port(): number {
    return this.boundPort;
  }

  start(): void {
    this.udp = this.net.udpOpen(this.options.port);
  }

  stop(): void {
    if (this.udp >= 0) this.net.udpClose(this.udp);
    if (this.listener >= 0) this.net.tcpStopListening(this.listener);
    for (const c of this.conns.values()) this.net.tcpClose(c.id);
    this.udp = -1;
    this.listener = -1;
    this.conns.clear();
    this.byPeer.clear();
  }

  /** Takes the network events that belong to this transport; returns false for others. */
  handleEvent(ev: HalEvent): boolean {
    switch (ev.type) {
      case 'udp_bound':
        if (ev.socket !== this.udp) return false;
        this.boundPort = ev.port;
        if (this.options.tcp) this.listener = this.net.tcpListen(ev.port);
        else this.events.onReady?.(ev.port);
        return true;
      case 'udp_error':
        if (ev.socket !== this.udp) return false;
        this.events.onError?.(`SIP UDP socket: ${ev.error}`);
        return true;
      case 'udp':
        if (ev.socket !== this.udp) return false;
        this.receive(ev.data, { transport: 'udp', address: ev.address, port: ev.port });
        return true;
      case 'tcp_listening':
        if (ev.listener !== this.listener) return false;
        this.events.onReady?.(this.boundPort);
        return true;
      case 'tcp_listen_error':
        if (ev.listener !== this.listener) return false;
        this.events.onError?.(`SIP TCP listener: ${ev.error}`);
        this.events.onReady?.(this.boundPort); // UDP still works
        return true;
      case 'tcp_accepted': {
        if (ev.listener !== this.listener) return false;
        this.adopt(ev.conn, { transport: 'tcp', address: ev.address, port: ev.port, conn: ev.conn }, true);
        return true;
      }
      case 'tcp_connected': {
        const c = this.conns.get(ev.conn);
        if (c === undefined) return false;
        c.connected = true;
        this.flush(c);
        return true;
      }
      case 'tcp_writable': {
        const c = this.conns.get(ev.conn);
        if (c === undefined) return false;
        this.flush(c);
        return true;
      }
      case 'tcp_data': {
        const c = this.conns.get(ev.conn);
        if (c === undefined) return false;
        c.lastUsed = ++this.useCounter;
        let frames;
        try {
          frames = c.framer.push(ev.data);
        } catch {
          this.net.tcpClose(c.id); // a framing error is unrecoverable on a stream
          return true;
        }
        if (frames.pings > 0) this.write(c, '\r\n'); // RFC 5626 pong
        for (const m of frames.messages) this.receive(m, c.peer);
        return true;
      }
      case 'tcp_closed': {
        const c = this.conns.get(ev.conn);
        if (c === undefined) return false;
        this.forget(c);
        if (!c.connected || !c.unsent.empty || c.dropped) this.events.onConnectionFailed?.(c.peer);
        return true;
      }
      default:
        return false;
    }
  }

  send(msg: SipMessage, dest: Peer): boolean {
    return this.sendBytes(serializeMessage(msg), dest);
  }

  sendResponse(res: SipMessage, source: Peer): boolean {
    const dest = responseDestination(res, source);
    if (dest === null) return false;
    if (dest.transport === 'tcp' && dest.conn !== undefined && !this.conns.has(dest.conn)) {
      // The connection is gone: open a new one to the sent-by (RFC 3261 §18.2.2).
      const top = res.topVia()!;
      const again: Peer = { transport: 'tcp', address: top.received ?? top.host, port: top.port ?? 5060 };
      return this.sendBytes(serializeMessage(res), again);
    }
    return this.sendBytes(serializeMessage(res), dest);
  }

  via(transport: TransportName, branch: string): string {
    const address = this.options.localAddress();
    const host = address.indexOf(':') !== -1 ? `[${address}]` : address;
    return `SIP/2.0/${viaTransport(transport)} ${host}:${this.boundPort};branch=${branch};rport`;
  }

  /**
   * A keep-alive toward a server we registered with: CRLFCRLF (RFC 5626 §3.5.1 on TCP; on UDP
   * it refreshes the NAT binding, and SIP servers ignore it between messages).
   */
  keepAlive(dest: Peer): boolean {
    return this.sendBytes('\r\n\r\n', dest);
  }

  preferTcp(req: SipMessage): boolean {
    // Only measured when TCP is there to move to; VIA_ALLOWANCE stands for the Via still to come.
    return this.options.tcp && serializeMessage(req).length + VIA_ALLOWANCE > (this.options.maxUdpBytes ?? 1300);
  }

  private sendBytes(data: string, dest: Peer): boolean {
    if (dest.transport === 'udp') {
      if (this.udp < 0) return false;
      return this.net.udpSend(this.udp, data, dest.address, dest.port);
    }
    let c = dest.conn !== undefined ? this.conns.get(dest.conn) : this.byPeer.get(peerKey(dest));
    if (c === undefined) {
      if (!this.options.tcp) return false;
      const id = this.net.tcpConnect(dest.address, dest.port);
      c = this.adopt(id, { transport: 'tcp', address: dest.address, port: dest.port, conn: id }, false);
    }
    c.lastUsed = ++this.useCounter;
    return this.write(c, data);
  }

  /**
   * Writes to a stream in order: at once when nothing waits, else after what waits. True when
   * written or queued; a failure from here on is reported by onConnectionFailed.
   */
  private write(c: Connection, data: string): boolean {
    if (c.dropped) return true;
    if (c.connected && c.unsent.empty && this.net.tcpWrite(c.id, data)) return true;
    if (c.unsent.add(data)) return true;
    // Like a real stack whose send buffer stays full: give up on the connection.
    this.events.onWarning?.(
      `SIP over TCP to ${c.peer.address}:${c.peer.port}: ${c.unsent.size + data.length} bytes unsent, the peer is not reading; connection dropped`,
    );
    c.dropped = true;
    this.net.tcpClose(c.id);
    return true;
  }

  /** Writes what waits until the HAL refuses again (then tcp_writable comes back). */
  private flush(c: Connection): void {
    if (c.dropped || !c.connected) return;
    c.unsent.flush((data) => this.net.tcpWrite(c.id, data));
  }

  private adopt(id: number, peer: Peer, connected: boolean): Connection {
    const c: Connection = { id, peer, framer: new StreamFramer(), connected, unsent: new UnsentBytes(this.options.maxUnsentBytes), dropped: false, lastUsed: ++this.useCounter };
    this.conns.set(id, c);
    this.byPeer.set(peerKey(peer), c);
    const max = this.options.maxConnections ?? 256;
    if (this.conns.size > max) this.closeLeastRecentlyUsed(id);
    return c;
  }

  private closeLeastRecentlyUsed(keep: number): void {
    let oldest: Connection | null = null;
    for (const c of this.conns.values()) if (c.id !== keep && (oldest === null || c.lastUsed < oldest.lastUsed)) oldest = c;
    if (oldest !== null) {
      this.net.tcpClose(oldest.id);
      this.forget(oldest);
    }
  }

  private forget(c: Connection): void {
    this.conns.delete(c.id);
    const k = peerKey(c.peer);
    if (this.byPeer.get(k) === c) this.byPeer.delete(k);
  }

  private receive(data: string, source: Peer): void {
    if (data === '\r\n' || data === '\r\n\r\n') return; // keep-alives on UDP
    let msg: SipMessage | undefined;
    try {
      msg = parseMessage(data);
      msg.validate();
    } catch (e) {
      if (!(e instanceof SipParseError)) throw e;
      if (e.partial === undefined && msg !== undefined) {
        e.partial = msg; // a lazily parsed header was bad: the rest is usable for the 400
        if (msg.kind === 'response') e.status = 0;
      }
      this.answerBadRequest(e, source);
      this.events.onBadMessage?.(e, source);
      return;
    }
    if (msg.kind === 'request') {
      const problems = msg.problems();
      if (problems.length > 0) {
        const err = new SipParseError('header-value', problems.join(', '), { reason: badReason(problems[0]!) });
        err.partial = msg;
        this.answerBadRequest(err, source);
        this.events.onBadMessage?.(err, source);
        return;
      }
      stampVia(msg, source);
    } else if (msg.problems().length > 0) {
      return; // a broken response: nobody to tell
    }
    this.events.onMessage(msg, source);
  }

  /** Answers a malformed request statelessly when enough of it parsed to route a response. */
  private answerBadRequest(e: SipParseError, source: Peer): void {
    const req = e.partial;
    if (e.status === 0 || req === undefined || req.kind !== 'request' || req.method === 'ACK') return;
    if (req.get('Via') === undefined || req.get('CSeq') === undefined) return;
    const res = createResponse(req, e.status, e.reason);
    let viaParses = true;
    try {
      stampVia(res, source);
    } catch {
      viaParses = false;
    }
    // A Via too broken to route by (RFC 4475 §3.1.2.1): answer where the datagram came from.
    if (viaParses) this.sendResponse(res, source);
    else if (source.transport === 'udp') this.send(res, source);
    else this.sendBytes(serializeMessage(res), source);
  }
}

function badReason(problem: string): string {
  return problem.startsWith('missing ') ? `Missing ${problem.slice(8)}` : 'Bad Request';
}
