// Server nonces for Digest challenges (RFC 7616 §3.3, §5.4): random, time-limited, and
// tracked per nonce so a captured Authorization cannot be replayed.
//
// A nonce is "<issued-ms hex>.<16 random bytes hex>.<HMAC tag>": the tag lets the server tell
// one of its own nonces that has aged out of (or been evicted from) the table — answered
// 'stale', so the phone retries silently with a new nonce — from a forged or foreign one.
//
// How the registrar uses a verdict, after verifyAuthorization() said the digest is right:
//   ok      → accept
//   stale   → 401 with a fresh nonce and stale=true (the password was right)
//   unknown → 401 with a fresh nonce and stale=true as well: after a server restart every old
//             nonce is unknown, and the digest already proved the password
//   replay  → 401 with a fresh nonce, stale=false (someone resent an old Authorization)

import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

export type NonceVerdict = 'ok' | 'stale' | 'unknown' | 'replay';

export interface NonceStoreOptions {
  /** How long a nonce is accepted; default 5 minutes. */
  lifetimeMs?: number;
  /** Most nonces tracked at once; the oldest go first. Default 10,000. */
  maxEntries?: number;
  /** Milliseconds clock; default Date.now. */
  now?: () => number;
  /** Key for the nonce tags; default random per process, so a restart invalidates old nonces. */
  secret?: Buffer;
}

/** Last nc seen for a nonce; 0 = not used yet. */
interface Entry {
  issuedAt: number;
  lastNc: number;
}

const RANDOM_BYTES = 16;
const TAG_HEX = 32; // 128 bits of HMAC-SHA-256 is plenty against guessing

export class NonceStore {
  readonly lifetimeMs: number;
  readonly maxEntries: number;
  private readonly now: () => number;
  private readonly secret: Buffer;
  /** Insertion order is issue order, so the first entry is always the oldest. */
  private readonly entries = new Map<string, Entry>();

  constructor(options: NonceStoreOptions = {}) {
    this.lifetimeMs = options.lifetimeMs ?? 5 * 60_000;
    this.maxEntries = Math.max(1, options.maxEntries ?? 10_000);
    this.now = options.now ?? Date.now;
    this.secret = options.secret ?? randomBytes(32);
  }

  /** Number of nonces tracked. */
  get size(): number {
    return this.entries.size;
  }

  /** A new nonce for a WWW-Authenticate / Proxy-Authenticate challenge. */
  issue(): string {
    const now = this.now();
    this.prune(now);
    const body = `${Math.max(0, Math.floor(now)).toString(16)}.${randomBytes(RANDOM_BYTES).toString('hex')}`;
    const nonce = `${body}.${this.tag(body)}`;
    // A REGISTER flood gets a 401 each: cap the table, dropping the oldest nonce.
    while (this.entries.size >= this.maxEntries) this.entries.delete(this.entries.keys().next().value!);
    this.entries.set(nonce, { issuedAt: now, lastNc: 0 });
    return nonce;
  }

  /**
   * Checks a nonce from credentials. `nc` is the nonce count (parseNc()) when the client used
   * qop, null otherwise. With qop every request must carry a higher nc than the last one
   * accepted; without qop (RFC 2069 clients) nc cannot be checked, so the nonce is reusable
   * within its lifetime — the lab server always offers qop=auth.
   */
  check(nonce: string, nc: number | null): NonceVerdict {
    const now = this.now();
    const issuedAt = this.verifyTag(nonce);
    if (issuedAt === null) return 'unknown';
    if (now - issuedAt > this.lifetimeMs) {
      this.entries.delete(nonce);
      return 'stale';
    }
    const entry = this.entries.get(nonce);
    // Ours and fresh but no longer tracked (evicted): its nc history is lost, so make the
    // client fetch a new nonce instead of risking a replay.
    if (entry === undefined) return 'stale';
    if (nc === null) return 'ok';
    if (!Number.isInteger(nc) || nc <= entry.lastNc) return 'replay';
    entry.lastNc = nc;
    return 'ok';
  }

  /** Forgets expired nonces; issue() does this too, so calling it is optional. */
  prune(now = this.now()): void {
    for (const [nonce, entry] of this.entries) {
      if (now - entry.issuedAt <= this.lifetimeMs) break; // the rest are younger
      this.entries.delete(nonce);
    }
  }

  private tag(body: string): string {
    return createHmac('sha256', this.secret).update(body).digest('hex').slice(0, TAG_HEX);
  }

  /** The issue time of a nonce this store made, or null for anything else. */
  private verifyTag(nonce: string): number | null {
    const m = /^([0-9a-f]{1,13})\.([0-9a-f]{32})\.([0-9a-f]{32})$/.exec(nonce);
    if (m === null) return null;
    const body = `${m[1]}.${m[2]}`;
    const expected = Buffer.from(this.tag(body), 'latin1');
    if (!timingSafeEqual(expected, Buffer.from(m[3]!, 'latin1'))) return null;
    return parseInt(m[1]!, 16);
  }
}
