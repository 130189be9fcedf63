// A scripted SIP endpoint for lab-server tests, on the firmware's own transport and
// transaction layer (startNodeSipStack): registers with digest, places and cancels calls,
// answers calls in a chosen way, and records everything that reaches its transaction user.
// Also a raw UDP socket (for malformed input) and a lossy UDP relay (for retransmissions).

import { createHash, randomBytes } from 'node:crypto';
import dgram from 'node:dgram';
import { NonceCounter, SipMessage, buildAuthorization, createResponse, formatCredentials, parseUri, pickChallenge, toHex } from '../../firmware/sip/index.ts';
import type { DigestHash, SipClock } from '../../firmware/sip/index.ts';
import type { Peer, TransportName } from '../../firmware/sip/transport/index.ts';
import type { ClientTransaction, ServerTransaction, TimerConfig, TransactionLayer, TransactionUser } from '../../firmware/sip/transaction/index.ts';
import { startNodeSipStack } from '../../server/node-sip-stack.ts';
import type { NodeSipStack } from '../../server/node-sip-stack.ts';
import { peerForUri } from '../../server/next-hop.ts';

const hash: DigestHash = (algorithm, data) =>
  createHash(algorithm === 'MD5' ? 'md5' : 'sha256').update(Buffer.from(data, 'latin1')).digest('hex');

const tag = (): string => randomBytes(6).toString('hex');

/**
 * How incoming INVITEs are answered:
 *   answer       200 at once
 *   ring-answer  180, then 200 after ringMs
 *   ring         180, then nothing (until CANCEL: 487)
 *   reject       486 Busy Here
 *   decline      603 Decline (a 6xx: "don't try anywhere else")
 */
export type AnswerMode = 'answer' | 'ring-answer' | 'ring' | 'reject' | 'decline';

export interface EndpointOptions {
  user: string;
  password?: string;
  /** Digest username, when not the user (e.g. someone else's credentials). */
  authUser?: string;
  /** Host of the endpoint's AOR (the From/To of its registrations). */
  domain: string;
  /** Where requests go: the lab server, or a relay in front of it. */
  server: { address: string; port: number };
  transport?: TransportName;
  answer?: AnswerMode;
  ringMs?: number;
  /** Contact to register instead of the endpoint's own address (NAT, relays). */
  contactHost?: string;
  contactPort?: number;
  timers?: Partial<TimerConfig>;
  clock?: SipClock;
}

export interface RegisterOptions {
  /** Expires header. */
  expires?: number;
  /** Contact header values (default: this endpoint's contact). */
  contacts?: string[];
  password?: string;
  callId?: string;
  /** CSeq number of this REGISTER (later ones count on from it). */
  cseq?: number;
  headers?: Array<[string, string]>;
}

export interface Received {
  msg: SipMessage;
  source: Peer;
}

export interface Dialog {
  callId: string;
  localTag: string;
  remoteTag: string;
  localUri: string;
  remoteUri: string;
  remoteTarget: string;
  /** In the order this side sends them (Route header values). */
  routeSet: string[];
  localCseq: number;
}

export class SipEndpoint implements TransactionUser {
  readonly received: Received[] = [];
  readonly dialogs: Dialog[] = [];
  answer: AnswerMode;
  private stack!: NodeSipStack;
  private readonly counter = new NonceCounter();
  private readonly waiters: Array<{ pred: (r: Received) => boolean; resolve: (r: Received) => void }> = [];
  /** 2xx we keep retransmitting until the ACK comes (RFC 3261 §13.3.1.4), by Call-ID + CSeq. */
  private readonly unacked = new Map<string, number>();
  private readonly pendingAnswers = new Map<ServerTransaction, number>();
  private cseq = 1;
  readonly callId = `${tag()}@endpoint`;
  /** The status other requests than INVITE get, by method (default 200). */
  readonly statusFor = new Map<string, number>();
  readonly fromTag = tag();

  private constructor(readonly o: EndpointOptions) {
    this.answer = o.answer ?? 'ring-answer';
  }

  static async start(o: EndpointOptions): Promise<SipEndpoint> {
    const ep = new SipEndpoint(o);
    ep.stack = await startNodeSipStack({
      port: 0,
      tcp: o.transport === 'tcp',
      ...(o.clock ? { clock: o.clock } : {}),
      layer: { ...(o.timers ? { timers: o.timers } : {}) },
    }, ep);
    return ep;
  }

  get port(): number {
    return this.stack.port;
  }

  get layer(): TransactionLayer {
    return this.stack.layer;
  }

  get transport(): TransportName {
    return this.o.transport ?? 'udp';
  }

  get aor(): string {
    return `sip:${this.o.user}@${this.o.domain}`;
  }

  get contact(): string {
    const t = this.transport === 'tcp' ? ';transport=tcp' : '';
    return `sip:${this.o.user}@${this.o.contactHost ?? '127.0.0.1'}:${this.o.contactPort ?? this.port}${t}`;
  }

  private get serverPeer(): Peer {
    return { transport: this.transport, address: this.o.server.address, port: this.o.server.port };
  }

  close(): void {
    for (const t of this.unacked.values()) this.stack.clock.clearTimer(t);
    for (const t of this.pendingAnswers.values()) this.stack.clock.clearTimer(t);
    this.stack.close();
  }

  // ---- waiting --------------------------------------------------------------------------

  /** Resolves with the first received message (already or later) matching `pred`. */
  waitFor(pred: (r: Received) => boolean, timeoutMs = 3000, what = 'a message'): Promise<Received> {
    const found = this.received.find(pred);
    if (found) return Promise.resolve(found);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        const i = this.waiters.indexOf(entry);
        if (i !== -1) this.waiters.splice(i, 1);
        reject(new Error(`${this.o.user}: timed out waiting for ${what}; got ${this.received.map((r) => describe(r.msg)).join(', ') || 'nothing'}`));
      }, timeoutMs);
      const entry = { pred, resolve: (r: Received) => { clearTimeout(timer); resolve(r); } };
      this.waiters.push(entry);
    });
  }

  waitForRequest(method: string, timeoutMs = 3000): Promise<Received> {
    return this.waitFor((r) => r.msg.kind === 'request' && r.msg.method === method, timeoutMs, `a ${method}`);
  }

  requests(method: string): SipMessage[] {
    return this.received.filter((r) => r.msg.kind === 'request' && r.msg.method === method).map((r) => r.msg);
  }

  private record(msg: SipMessage, source: Peer): void {
    const r = { msg, source };
    this.received.push(r);
    for (const w of this.waiters.slice()) {
      if (w.pred(r)) {
        this.waiters.splice(this.waiters.indexOf(w), 1);
        w.resolve(r);
      }
    }
  }

  // ---- client side -----------------------------------------------------------------------

  /** REGISTER (answering a digest challenge); resolves with the final response. */
  register(opts: RegisterOptions = {}): Promise<SipMessage> {
    return this.registerCall(opts).final;
  }

  /** REGISTER, keeping the challenges and every response. */
  registerCall(opts: RegisterOptions = {}): OutgoingCall {
    const uri = `sip:${this.o.domain}`;
    const contacts = opts.contacts ?? [`<${this.contact}>`];
    if (opts.cseq !== undefined) this.cseq = opts.cseq;
    return this.send('REGISTER', uri, {
      to: `<${this.aor}>`,
      callId: opts.callId ?? this.callId,
      headers: [...contacts.map((c) => ['Contact', c] as [string, string]), ...(opts.expires !== undefined ? [['Expires', String(opts.expires)] as [string, string]] : []), ...(opts.headers ?? [])],
      password: opts.password,
    });
  }

  /** Any request outside a dialog; resolves with the final response (after one auth retry). */
  request(method: string, uri: string, opts: { to?: string; headers?: Array<[string, string]>; body?: string } = {}): Promise<SipMessage> {
    return this.send(method, uri, { to: opts.to ?? `<${uri}>`, callId: `${tag()}@endpoint`, headers: opts.headers ?? [], body: opts.body }).final;
  }

  /** Places a call. */
  invite(target: string, opts: { headers?: Array<[string, string]>; from?: string } = {}): OutgoingCall {
    return this.send('INVITE', target, { to: `<${target}>`, callId: `${tag()}@endpoint`, headers: opts.headers ?? [], from: opts.from });
  }

  /** BYE in a dialog; resolves with the final response. */
  bye(d: Dialog): Promise<SipMessage> {
    return this.requestInDialog(d, 'BYE');
  }

  /** Any request in a dialog (REFER, INFO, ...); resolves with the final response. */
  requestInDialog(d: Dialog, method: string, headers: Array<[string, string]> = [], body?: string): Promise<SipMessage> {
    d.localCseq++;
    const req = this.inDialog(method, d, d.localCseq);
    for (const [n, v] of headers) req.add(n, v);
    if (body !== undefined) req.body = body;
    return new Promise((resolve) => {
      this.stack.layer.request(req, this.dialogPeer(d), {
        onFinal: (res) => resolve(res),
        onTimeout: () => resolve(createResponse(req, 408)),
        onTransportError: () => resolve(createResponse(req, 503)),
      });
    });
  }

  private send(method: string, uri: string, p: { to: string; callId: string; headers: Array<[string, string]>; body?: string; password?: string; from?: string }): OutgoingCall {
    const call = new OutgoingCall(this);
    const fromTag = method === 'REGISTER' ? this.fromTag : tag();
    let credentials: Array<[string, string]> = [];
    let authTries = 0;
    const attempt = (): void => {
      const cseq = this.cseq++;
      const req = SipMessage.request(method, uri)
        .add('Max-Forwards', '70')
        .add('From', `${p.from ?? `<${this.aor}>`};tag=${fromTag}`)
        .add('To', p.to)
        .add('Call-ID', p.callId)
        .add('CSeq', `${cseq} ${method}`);
      if (method === 'INVITE' || method === 'SUBSCRIBE') req.add('Contact', `<${this.contact}>`);
      // fresh credentials replace any the caller supplied for the first attempt
      for (const [n, v] of p.headers) if (!credentials.some(([c]) => c === n)) req.add(n, v);
      for (const [n, v] of credentials) req.add(n, v);
      if (p.body !== undefined) req.body = p.body;
      const tx = this.stack.layer.request(req, this.serverPeer, {
        onProvisional: (res) => call.provisional(res),
        onFinal: (res) => {
          const challenge = res.status === 401 ? 'WWW-Authenticate' : res.status === 407 ? 'Proxy-Authenticate' : null;
          const password = p.password ?? this.o.password;
          if (challenge !== null && password !== undefined && authTries < 2 && call.finalResponse === null) {
            const ch = pickChallenge(res.auth(challenge));
            if (ch !== null) {
              authTries++;
              call.challenged.push(res);
              const creds = buildAuthorization({
                challenge: ch, method, uri, username: this.o.authUser ?? this.o.user, password, hash,
                cnonce: toHex(randomBytes(8).toString('latin1')), nc: this.counter.next(ch.params.get('nonce')!),
              });
              credentials = [[challenge === 'WWW-Authenticate' ? 'Authorization' : 'Proxy-Authorization', formatCredentials(creds, 'credentials')]];
              attempt();
              return;
            }
          }
          if (method === 'INVITE' && res.status < 300) this.acknowledge(req, res, call);
          call.finished(res);
        },
        onTimeout: () => call.finished(createResponse(req, 408)),
        onTransportError: () => call.finished(createResponse(req, 503)),
      });
      call.tx = tx;
    };
    attempt();
    return call;
  }

  /** ACK for a 2xx (and for each retransmission of it), and the dialog it made. */
  private acknowledge(invite: SipMessage, ok: SipMessage, call: OutgoingCall): void {
    const remoteTag = ok.to()?.tag ?? '';
    let d = this.dialogs.find((x) => x.callId === invite.callId() && x.remoteTag === remoteTag);
    if (d === undefined) {
      d = {
        callId: invite.callId()!,
        localTag: invite.from()!.tag!,
        remoteTag,
        localUri: invite.from()!.uriText,
        remoteUri: invite.to()!.uriText,
        remoteTarget: ok.contacts()[0]?.uriText ?? invite.uri,
        routeSet: ok.getAll('Record-Route').reverse(),
        localCseq: invite.cseq()!.seq,
      };
      this.dialogs.push(d);
      call.dialogs.push(d);
    }
    const ack = this.inDialog('ACK', d, invite.cseq()!.seq);
    this.stack.layer.sendAck(ack, this.dialogPeer(d));
  }

  private inDialog(method: string, d: Dialog, cseq: number): SipMessage {
    const m = SipMessage.request(method, d.remoteTarget);
    for (const r of d.routeSet) m.add('Route', r);
    m.add('Max-Forwards', '70')
      .add('From', `<${d.localUri}>;tag=${d.localTag}`)
      .add('To', `<${d.remoteUri}>;tag=${d.remoteTag}`)
      .add('Call-ID', d.callId)
      .add('CSeq', `${cseq} ${method}`);
    return m;
  }

  private dialogPeer(d: Dialog): Peer {
    const first = d.routeSet[0];
    const uri = first !== undefined ? parseUri(first.slice(first.indexOf('<') + 1, first.indexOf('>'))) : parseUri(d.remoteTarget);
    return peerForUri(uri) ?? this.serverPeer;
  }

  // ---- server side -----------------------------------------------------------------------

  onRequest(req: SipMessage, tx: ServerTransaction, source: Peer): void {
    this.record(req, source);
    if (req.method !== 'INVITE') {
      tx.respond(createResponse(req, this.statusFor.get(req.method) ?? 200, undefined, tag()));
      return;
    }
    const toTag = tag();
    const ok = (): void => {
      this.pendingAnswers.delete(tx);
      const res = createResponse(req, 200, undefined, toTag);
      res.add('Contact', `<${this.contact}>`);
      for (const rr of req.getAll('Record-Route')) res.add('Record-Route', rr);
      tx.respond(res);
      this.dialogs.push({
        callId: req.callId()!, localTag: toTag, remoteTag: req.from()!.tag ?? '', localUri: req.to()!.uriText,
        remoteUri: req.from()!.uriText, remoteTarget: req.contacts()[0]?.uriText ?? '', routeSet: req.getAll('Record-Route'), localCseq: 1,
      });
      this.retransmit2xx(req, tx, res);
    };
    const ringing = (): void => {
      const res = createResponse(req, 180, undefined, toTag);
      res.add('Contact', `<${this.contact}>`);
      tx.respond(res);
    };
    switch (this.answer) {
      case 'answer':
        ok();
        return;
      case 'reject':
        tx.respond(createResponse(req, 486, undefined, toTag));
        return;
      case 'decline':
        tx.respond(createResponse(req, 603, undefined, toTag));
        return;
      case 'ring':
        ringing();
        return;
      case 'ring-answer':
        ringing();
        this.pendingAnswers.set(tx, this.stack.clock.setTimer(this.o.ringMs ?? 20, ok));
        return;
    }
  }

  onAck(ack: SipMessage, source: Peer): void {
    this.record(ack, source);
    const key = `${ack.callId()}|${ack.cseq()?.seq}`;
    const t = this.unacked.get(key);
    if (t !== undefined) this.stack.clock.clearTimer(t);
    this.unacked.delete(key);
  }

  onCancel(invite: ServerTransaction, cancel: SipMessage): void {
    this.record(cancel, invite.source);
    const t = this.pendingAnswers.get(invite);
    if (t !== undefined) this.stack.clock.clearTimer(t);
    this.pendingAnswers.delete(invite);
    invite.respond(createResponse(invite.request, 487, undefined, invite.lastResponse?.to()?.tag ?? tag()));
  }

  onStrayResponse(res: SipMessage, source: Peer): void {
    this.record(res, source);
  }

  /** The UAS core resends its 2xx at T1, 2T1, ... T2 until the ACK (§13.3.1.4). */
  private retransmit2xx(req: SipMessage, tx: ServerTransaction, res: SipMessage): void {
    const key = `${req.callId()}|${req.cseq()?.seq}`;
    const t1 = this.o.timers?.t1 ?? 500;
    const t2 = this.o.timers?.t2 ?? 4000;
    let interval = t1;
    let elapsed = 0;
    const again = (): void => {
      this.unacked.set(key, this.stack.clock.setTimer(interval, () => {
        elapsed += interval;
        if (elapsed >= 64 * t1) {
          this.unacked.delete(key);
          return;
        }
        tx.respond(res);
        interval = Math.min(interval * 2, t2);
        again();
      }));
    };
    again();
  }
}

/** A call placed by an endpoint: every response, the final one, the dialogs made. */
export class OutgoingCall {
  readonly responses: SipMessage[] = [];
  /** 401/407 answered with credentials. */
  readonly challenged: SipMessage[] = [];
  readonly dialogs: Dialog[] = [];
  finalResponse: SipMessage | null = null;
  tx: ClientTransaction | null = null;
  readonly final: Promise<SipMessage>;
  private resolveFinal!: (res: SipMessage) => void;
  private readonly waiters: Array<{ status: number; resolve: (r: SipMessage) => void }> = [];

  constructor(private readonly ep: SipEndpoint) {
    this.final = new Promise((resolve) => (this.resolveFinal = resolve));
  }

  provisional(res: SipMessage): void {
    this.push(res);
  }

  finished(res: SipMessage): void {
    this.push(res);
    if (this.finalResponse === null) {
      this.finalResponse = res;
      this.resolveFinal(res);
    }
  }

  /** Resolves with the first response of this status. */
  waitStatus(status: number, timeoutMs = 3000): Promise<SipMessage> {
    const found = this.responses.find((r) => r.status === status);
    if (found) return Promise.resolve(found);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no ${status}; got ${this.responses.map((r) => r.status).join(', ') || 'nothing'}`)), timeoutMs);
      this.waiters.push({ status, resolve: (r) => { clearTimeout(timer); resolve(r); } });
    });
  }

  cancel(reason?: string): void {
    if (this.tx !== null) this.ep.layer.cancel(this.tx, reason);
  }

  private push(res: SipMessage): void {
    this.responses.push(res);
    for (const w of this.waiters.slice()) {
      if (w.status === res.status) {
        this.waiters.splice(this.waiters.indexOf(w), 1);
        w.resolve(res);
      }
    }
  }
}

function describe(m: SipMessage): string {
  return m.kind === 'request' ? m.method : `${m.status}`;
}

// ---- raw sockets ---------------------------------------------------------------------------

/** A plain UDP socket: send bytes as they are, read whatever comes back. */
export class RawUdp {
  private readonly queue: string[] = [];
  private readonly waiting: Array<(d: string) => void> = [];

  private constructor(private readonly socket: dgram.Socket) {
    socket.on('message', (msg) => {
      const d = msg.toString('latin1');
      const w = this.waiting.shift();
      if (w) w(d);
      else this.queue.push(d);
    });
  }

  static open(): Promise<RawUdp> {
    return new Promise((resolve, reject) => {
      const s = dgram.createSocket('udp4');
      s.once('error', reject);
      s.bind(0, '127.0.0.1', () => resolve(new RawUdp(s)));
    });
  }

  get port(): number {
    return this.socket.address().port;
  }

  send(data: string, port: number, address = '127.0.0.1'): void {
    this.socket.send(Buffer.from(data, 'latin1'), port, address);
  }

  /** The next datagram, or null when none arrives in time. */
  next(timeoutMs = 1000): Promise<string | null> {
    const q = this.queue.shift();
    if (q !== undefined) return Promise.resolve(q);
    return new Promise((resolve) => {
      const w = (d: string): void => {
        clearTimeout(timer);
        resolve(d);
      };
      const timer = setTimeout(() => {
        this.waiting.splice(this.waiting.indexOf(w), 1);
        resolve(null);
      }, timeoutMs);
      this.waiting.push(w);
    });
  }

  close(): void {
    this.socket.close();
  }
}

/**
 * A UDP relay between a server and one endpoint that loses the first copy of every distinct
 * message in both directions, so only retransmissions get through.
 */
export class LossyRelay {
  readonly dropped: string[] = [];
  readonly passed: string[] = [];
  private endpoint: { address: string; port: number } | null = null;
  private readonly seen = new Set<string>();

  private constructor(private readonly socket: dgram.Socket, private readonly server: { address: string; port: number }) {
    socket.on('message', (msg, rinfo) => {
      const data = msg.toString('latin1');
      const fromServer = rinfo.address === server.address && rinfo.port === server.port;
      if (!fromServer) this.endpoint = { address: rinfo.address, port: rinfo.port };
      const to = fromServer ? this.endpoint : this.server;
      if (to === null) return;
      const key = `${fromServer ? '<' : '>'} ${messageKey(data)}`;
      if (!this.seen.has(key)) {
        this.seen.add(key);
        this.dropped.push(key);
        return;
      }
      this.passed.push(key);
      socket.send(msg, to.port, to.address);
    });
  }

  static open(server: { address: string; port: number }): Promise<LossyRelay> {
    return new Promise((resolve, reject) => {
      const s = dgram.createSocket('udp4');
      s.once('error', reject);
      s.bind(0, '127.0.0.1', () => resolve(new LossyRelay(s, server)));
    });
  }

  get port(): number {
    return this.socket.address().port;
  }

  close(): void {
    this.socket.close();
  }
}

/**
 * What makes a datagram "the same message" again: start line, Call-ID and CSeq. The Via
 * branch is left out on purpose: a UAC builds each ACK for a retransmitted 2xx anew.
 */
function messageKey(data: string): string {
  const lines = data.split('\r\n');
  const header = (name: string, compact: string): string => {
    const l = lines.find((x) => x.toLowerCase().startsWith(name + ':') || (compact !== '' && x.toLowerCase().startsWith(compact + ':')));
    return l === undefined ? '' : l.slice(l.indexOf(':') + 1).trim();
  };
  return `${lines[0]} | ${header('call-id', 'i')} | ${header('cseq', '')}`;
}
