// A message-summary notifier (RFC 3842 over RFC 6665): the lab's stand-in for a voicemail
// server. Phones SUBSCRIBE to their own AOR; the lab answers 200, sends the current summary
// at once and again whenever setMessages() changes it, and ends subscriptions that expire.

import { SipMessage, uriInBrackets, withoutTag } from '../firmware/sip/index.ts';
import type { SipClock } from '../firmware/sip/index.ts';
import type { Peer } from '../firmware/sip/transport/index.ts';
import type { TransactionLayer } from '../firmware/sip/transaction/index.ts';
import type { Exchange } from './exchange.ts';
import type { LocalIdentity } from './identity.ts';
import { peerForUri } from './next-hop.ts';

interface Subscription {
  user: string;
  callId: string;
  localTag: string;
  remoteTag: string;
  /** To/From of our NOTIFYs. */
  subscriber: string;
  aor: string;
  target: string;
  dest: Peer;
  cseq: number;
  expiresAt: number;
  timer: number;
}

const MAX_SUBSCRIPTIONS = 1000;
const DEFAULT_EXPIRES = 3600;
const MAX_EXPIRES = 7200;

export class Voicemail {
  private readonly subs = new Map<string, Subscription>();
  private readonly boxes = new Map<string, { newVoice: number; oldVoice: number }>();

  constructor(
    private readonly layer: TransactionLayer,
    private readonly clock: SipClock,
    private readonly identity: LocalIdentity,
  ) {}

  /** Is this request part of one of our subscriptions (a refresh or an unsubscribe)? */
  owns(req: SipMessage): boolean {
    return req.method === 'SUBSCRIBE' && req.to()?.tag != null && this.subs.has(req.callId() ?? '');
  }

  /** A SUBSCRIBE for message-summary to `user`'s mailbox, new or refreshing. */
  subscribe(ex: Exchange, user: string, source: Peer): void {
    const req = ex.req;
    const callId = req.callId()!;
    const contact = req.contacts()[0];
    const requested = req.expires() ?? DEFAULT_EXPIRES;
    const expires = Math.min(requested, MAX_EXPIRES);
    let sub = this.subs.get(callId);
    if (sub === undefined) {
      if (contact === undefined) return void ex.reply(400, 'Missing Contact');
      if (this.subs.size >= MAX_SUBSCRIPTIONS) return void ex.reply(503, 'Service Unavailable', [['Retry-After', '60']]);
      const dest = source.transport === 'udp' ? source : peerForUri(contact.uri) ?? source;
      sub = {
        user, callId, localTag: ex.toTag, remoteTag: req.from()!.tag ?? '', subscriber: withoutTag(req.get('From')!),
        aor: withoutTag(req.get('To')!), target: contact.uriText, dest, cseq: 0, expiresAt: 0, timer: -1,
      };
      this.subs.set(callId, sub);
    }
    this.clock.clearTimer(sub.timer);
    ex.reply(200, 'OK', [['Expires', String(expires)], ['Contact', `<sip:voicemail@${this.identity.address}:${this.identity.port}>`]]);
    if (expires === 0) {
      this.subs.delete(callId);
      this.notify(sub, 'terminated;reason=timeout');
      return;
    }
    sub.expiresAt = this.clock.now() + expires * 1000;
    sub.timer = this.clock.setTimer(expires * 1000, () => {
      this.subs.delete(callId);
      this.notify(sub!, 'terminated;reason=timeout');
    });
    this.notify(sub, `active;expires=${expires}`); // RFC 6665 §4.2.1.2: a NOTIFY right away
  }

  /** Changes a mailbox and tells its subscribers. */
  setMessages(user: string, newVoice: number, oldVoice = 0): number {
    this.boxes.set(user, { newVoice, oldVoice });
    let told = 0;
    for (const sub of this.subs.values()) {
      if (sub.user !== user) continue;
      const left = Math.max(0, Math.round((sub.expiresAt - this.clock.now()) / 1000));
      this.notify(sub, `active;expires=${left}`);
      told++;
    }
    return told;
  }

  get size(): number {
    return this.subs.size;
  }

  close(): void {
    for (const s of this.subs.values()) this.clock.clearTimer(s.timer);
    this.subs.clear();
  }

  private notify(sub: Subscription, state: string): void {
    const box = this.boxes.get(sub.user) ?? { newVoice: 0, oldVoice: 0 };
    const m = SipMessage.request('NOTIFY', sub.target);
    m.add('Max-Forwards', '70');
    m.add('From', `${sub.aor};tag=${sub.localTag}`);
    m.add('To', `${sub.subscriber};tag=${sub.remoteTag}`);
    m.add('Call-ID', sub.callId);
    m.add('CSeq', `${++sub.cseq} NOTIFY`);
    m.add('Contact', `<sip:voicemail@${this.identity.address}:${this.identity.port}>`);
    m.add('Event', 'message-summary');
    m.add('Subscription-State', state);
    m.add('Content-Type', 'application/simple-message-summary');
    m.body = `Messages-Waiting: ${box.newVoice > 0 ? 'yes' : 'no'}\r\nMessage-Account: ${uriInBrackets(sub.aor)}\r\nVoice-Message: ${box.newVoice}/${box.oldVoice}\r\n`;
    this.layer.request(m, sub.dest, { onFinal: () => {} });
  }
}
