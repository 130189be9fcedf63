// Failed-authentication rate limit: a source that keeps sending wrong credentials (a password
// guesser, sipvicious svcrack) is refused with 403 for a while, before any digest is computed.
//
// Counted per source address and port (a misconfigured phone blocks only itself, not the other
// phones on the same host or behind the same NAT), and, with a higher ceiling, per address (a
// guesser that changes ports). Only credentials that fail count: a first 401, a stale nonce
// or a correct answer never do. Windows are fixed, starting at a key's first failure; a
// block ends its window.

export interface AuthThrottleOptions {
  /** Failures from one address:port within the window before it is blocked; 0 = no limit. */
  maxFailures: number;
  /** Failures from one address (any port) within the window before it is blocked; 0 = no limit. */
  maxFailuresPerAddress: number;
  windowMs: number;
  /** How long a blocked source is refused. */
  blockMs: number;
  now(): number;
  log(line: string): void;
  /** Sources tracked at once; the oldest are forgotten first (default 10,000). */
  maxEntries?: number;
}

interface Entry {
  windowStart: number;
  failures: number;
  /** 0 = not blocked. */
  blockedUntil: number;
}

export class AuthThrottle {
  private readonly entries = new Map<string, Entry>();
  private readonly maxEntries: number;

  constructor(private readonly o: AuthThrottleOptions) {
    this.maxEntries = Math.max(2, o.maxEntries ?? 10_000);
  }

  /** Sources tracked (bounded by maxEntries). */
  get size(): number {
    return this.entries.size;
  }

  /** True while this source is refused without looking at its credentials. */
  blocked(address: string, port: number): boolean {
    const now = this.o.now();
    return this.isBlocked(`${address}:${port}`, now) || this.isBlocked(address, now);
  }

  /** Records credentials that failed (wrong password, unknown user, someone else's name). */
  failed(address: string, port: number): void {
    const now = this.o.now();
    this.count(`${address}:${port}`, this.o.maxFailures, now);
    this.count(address, this.o.maxFailuresPerAddress, now);
  }

  /** Forgets sources whose window and block are over; the lab's sweep calls it. */
  prune(now = this.o.now()): void {
    for (const [key, e] of this.entries) if (this.expired(e, now)) this.entries.delete(key);
  }

  private isBlocked(key: string, now: number): boolean {
    const e = this.entries.get(key);
    return e !== undefined && e.blockedUntil > now;
  }

  private count(key: string, max: number, now: number): void {
    if (max <= 0) return;
    let e = this.entries.get(key);
    if (e !== undefined && e.blockedUntil > now) return; // already refused and logged
    if (e === undefined || this.expired(e, now)) {
      if (e === undefined) while (this.entries.size >= this.maxEntries) this.entries.delete(this.entries.keys().next().value!);
      e = { windowStart: now, failures: 0, blockedUntil: 0 };
      this.entries.delete(key); // re-insert: insertion order stays oldest first
      this.entries.set(key, e);
    }
    e.failures++;
    if (e.failures < max) return;
    e.blockedUntil = now + this.o.blockMs;
    // Once per window: the requests refused while blocked are not logged one by one.
    this.o.log(`warning: ${e.failures} failed authentications from ${key} in ${Math.ceil((now - e.windowStart) / 1000)} s: refusing it (403) for ${Math.round(this.o.blockMs / 1000)} s`);
  }

  /** A block ends its window: the source starts over with a clean count. */
  private expired(e: Entry, now: number): boolean {
    return e.blockedUntil !== 0 ? e.blockedUntil <= now : now - e.windowStart >= this.o.windowMs;
  }
}
