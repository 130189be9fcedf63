// Message waiting (RFC 3842 over RFC 6665): SUBSCRIBE to message-summary for our AOR after
// registering, refresh it, and take NOTIFYs — in the subscription or unsolicited — to light
// the message LED.

import { SipMessage, createResponse } from '../sip/index.ts';
import type { Peer } from '../sip/transport/index.ts';
import type { ServerTransaction } from '../sip/transaction/index.ts';
import { Authenticator } from './authenticator.ts';
import { aorText } from './context.ts';
import type { Account, UaContext } from './context.ts';
import { parseMessageSummary } from './message-summary.ts';
import type { MessageSummary } from './message-summary.ts';
import { prepareRetry } from './request-retry.ts';

const EXPIRES = 3600;
const RETRY_MS = 300_000;

export class MessageWaiting {
  summary: MessageSummary = { waiting: false, newVoice: 0, oldVoice: 0 };
  readonly callId: string;
  private readonly fromTag: string;
  private cseq = 0;
  private timer: number | null = null;
  private authRounds = 0;
  private readonly auth: Authenticator;

  constructor(
    private readonly ctx: UaContext,
    private readonly account: Account,
    private readonly contact: () => string,
    private readonly target: () => Peer | null,
    private readonly onChange: (s: MessageSummary) => void,
  ) {
    this.callId = `mwi-${ctx.stack.random(10)}@${ctx.stack.localAddress()}`;
    this.fromTag = ctx.stack.random(6);
    this.auth = new Authenticator(ctx.hal);
  }

  subscribe(): void {
    this.ctx.timers.cancel(this.timer);
    const peer = this.target();
    if (peer === null) return;
    const aor = aorText(this.account);
    const req = SipMessage.request('SUBSCRIBE', aor);
    req.add('Max-Forwards', '70');
    req.add('From', `<${aor}>;tag=${this.fromTag}`);
    req.add('To', `<${aor}>`);
    req.add('Call-ID', this.callId);
    req.add('CSeq', `${++this.cseq} SUBSCRIBE`);
    req.add('Contact', `<${this.contact()}>`);
    req.add('Event', 'message-summary');
    req.add('Accept', 'application/simple-message-summary');
    req.add('Expires', String(EXPIRES));
    req.add('User-Agent', this.ctx.userAgent);
    this.send(req, peer);
  }

  stop(): void {
    this.ctx.timers.cancel(this.timer);
    this.timer = null;
  }

  private send(req: SipMessage, peer: Peer): void {
    this.ctx.stack.layer.request(req, peer, {
      onFinal: (res) => {
        const code = res.status;
        if ((code === 401 || code === 407) && this.authRounds++ < 2 &&
            this.auth.authorize(req, res, this.account.user, this.account.password)) {
          prepareRetry(req, ++this.cseq);
          return this.send(req, peer);
        }
        this.authRounds = 0;
        if (code >= 200 && code < 300) {
          const granted = res.expires() ?? EXPIRES;
          this.later(Math.max(30_000, granted * 850)); // refresh at 85 %
        } else {
          // No voicemail server (405/489/404...): try again much later, quietly.
          this.ctx.hal.system.log('info', `message-summary subscription refused: ${code} ${res.reason}`);
          this.later(RETRY_MS * 12);
        }
      },
      onTimeout: () => this.later(RETRY_MS),
      onTransportError: () => this.later(RETRY_MS),
    });
  }

  private later(ms: number): void {
    this.ctx.timers.cancel(this.timer);
    this.timer = this.ctx.timers.after(ms, () => this.subscribe());
  }

  /** An in-dialog request of our subscription: its Call-ID, and our From tag as its To tag. */
  owns(req: SipMessage): boolean {
    return req.callId() === this.callId && req.to()?.tag === this.fromTag;
  }

  /** A NOTIFY for message-summary, ours or unsolicited: always answered. */
  notify(req: SipMessage, tx: ServerTransaction): void {
    tx.respond(createResponse(req, 200));
    const s = parseMessageSummary(req.bodyText());
    if (s !== null) {
      this.summary = s;
      this.onChange(s);
    }
    const state = req.subscriptionState();
    if (state?.state === 'terminated' && req.callId() === this.callId) this.later(RETRY_MS);
  }
}
