// One request the server is answering, through its server transaction: builds our own
// responses (with a stable To tag), forwards downstream ones, and writes the transaction's
// log line when the final response goes out.

import { createResponse, reasonPhrase } from '../firmware/sip/index.ts';
import type { SipClock, SipMessage } from '../firmware/sip/index.ts';
import type { Peer } from '../firmware/sip/transport/index.ts';
import type { ServerTransaction } from '../firmware/sip/transaction/index.ts';

export interface ExchangeEnv {
  clock: SipClock;
  /** Wall-clock milliseconds, for the log's timestamp. */
  now(): number;
  log(line: string): void;
  /** Random hex for To tags. */
  random(): string;
  /** Sends a response outside the transaction (a late 2xx after it ended). */
  sendResponse(res: SipMessage, source: Peer): boolean;
}

export class Exchange {
  readonly toTag: string;
  readonly startedAt: number;
  /** The final status sent (the first one, for forked 2xx), 0 until then. */
  finalStatus = 0;

  constructor(
    readonly req: SipMessage,
    readonly tx: ServerTransaction,
    readonly source: Peer,
    private readonly env: ExchangeEnv,
  ) {
    this.toTag = env.random();
    this.startedAt = env.clock.now();
  }

  /** Answers with our own response; `headers` are added in order. */
  reply(status: number, reason?: string, headers: ReadonlyArray<readonly [string, string]> = []): SipMessage {
    const res = createResponse(this.req, status, reason ?? reasonPhrase(status), this.toTag);
    for (const [name, value] of headers) res.add(name, value);
    this.send(res);
    return res;
  }

  /** Sends a response (ours or forwarded). A 2xx the transaction refuses goes statelessly. */
  send(res: SipMessage): boolean {
    let sent = this.tx.respond(res);
    if (!sent && res.status >= 200 && res.status < 300 && this.req.method === 'INVITE') {
      sent = this.env.sendResponse(res, this.source); // §16.7 step 10: every 2xx goes upstream
    }
    if (res.status >= 200 && this.finalStatus === 0) {
      this.finalStatus = res.status;
      this.logLine(`${res.status} ${res.reason}`);
    }
    return sent;
  }

  /** Ends without a response (RFC 4320: no 408 to a non-INVITE); still logged. */
  abandon(why: string): void {
    if (this.finalStatus !== 0) return;
    this.finalStatus = -1;
    this.logLine(`(no response: ${why})`);
    this.tx.terminate();
  }

  get done(): boolean {
    return this.finalStatus !== 0;
  }

  private logLine(outcome: string): void {
    const ms = Math.round(this.env.clock.now() - this.startedAt);
    this.env.log(transactionLogLine(new Date(this.env.now()), this.req, this.source, outcome, ms));
  }
}

/** `time method from → to outcome duration (source)`: one line per server transaction. */
export function transactionLogLine(at: Date, req: SipMessage, source: Peer, outcome: string, ms: number): string {
  const from = safe(() => req.from()?.uriText) ?? '?';
  const to = safe(() => req.to()?.uriText) ?? '?';
  return `${at.toISOString()} ${req.method} ${from} → ${to} ${outcome} ${ms}ms (${source.transport} ${source.address}:${source.port})`;
}

function safe<T>(f: () => T): T | undefined {
  try {
    return f();
  } catch {
    return undefined;
  }
}
