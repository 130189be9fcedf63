// The location service (RFC 3261 §10.3): the contacts each address-of-record is registered
// at, kept by the registrar and read by the proxy / redirect server.
//
// update() applies steps 6-8 of §10.3 atomically: every contact of a REGISTER is applied or
// none is. Refusals come back as values (the registrar picks the status code), never throws.
//
// Persistence: with a store (location-store.ts), every change schedules a debounced save. The
// registrar MUST call flush() before it answers 200 OK and answer 500 if flush() fails: then a
// restart never loses a registration the phone was told succeeded.

import { parseUri } from '../firmware/sip/uri.ts';
import { uriEquals } from '../firmware/sip/uri-compare.ts';
import type { Uri } from '../firmware/sip/types.ts';
import type { LocationStore } from './location-store.ts';

/** Where a REGISTER came from: the registrar reaches a NATed phone there, not at its Contact. */
export interface ReceivedFrom {
  transport: string;
  address: string;
  port: number;
}

export interface Binding {
  aor: string;
  /** The Contact URI as registered. */
  contact: string;
  uri: Uri;
  /** Absolute expiry, ms. */
  expiresAt: number;
  /** Contact q; null = none given (ranks as 1.0). */
  q: number | null;
  callId: string;
  cseq: number;
  received: ReceivedFrom | null;
  /** +sip.instance and reg-id (RFC 5626), when the phone sent them. */
  instance: string | null;
  regId: number | null;
  userAgent: string | null;
  /** Last REGISTER that created or refreshed it, ms. */
  updatedAt: number;
}

/** One Contact of a REGISTER, with the expiry the registrar settled on. */
export interface ContactChange {
  /** The Contact URI text (not the whole name-addr). */
  contact: string;
  /** Seconds from now; 0 removes the binding. */
  expires: number;
  q?: number | null;
  instance?: string | null;
  regId?: number | null;
}

export interface RegisterChanges {
  now: number;
  callId: string;
  cseq: number;
  /** The Contacts, or '*' for "remove all" (the registrar has checked Expires: 0). */
  contacts: readonly ContactChange[] | '*';
  received?: ReceivedFrom | null;
  userAgent?: string | null;
}

/**
 * Why an update was refused; the suggested response:
 *   out-of-order      500 Server Internal Error (§10.3 steps 6/7: same Call-ID, CSeq not higher)
 *   too-many-bindings 403 Forbidden (per-AOR cap)
 *   full              503 Service Unavailable (total cap), with Retry-After
 *   bad-contact       400 Bad Request
 */
export type LocationError = 'out-of-order' | 'too-many-bindings' | 'full' | 'bad-contact';

export type UpdateResult =
  | { ok: true; bindings: Binding[] }
  | { ok: false; error: LocationError; message: string };

export type FlushResult = { ok: true } | { ok: false; error: string };

export interface LocationOptions {
  /** Most contacts one AOR may register; default 10. */
  maxPerAor?: number;
  /** Most bindings overall; default 10,000. */
  maxTotal?: number;
  /** Where bindings persist; none = memory only. */
  store?: LocationStore | null;
  /** Delay before a background save; default 100 ms. */
  debounceMs?: number;
  /** Told about background save failures (flush() reports its own). */
  onError?: (message: string) => void;
}

/** Seconds a binding has left, for the expires param of the 200 OK's Contacts. */
export function secondsLeft(b: Binding, now: number): number {
  return Math.max(0, Math.ceil((b.expiresAt - now) / 1000));
}

export class LocationService {
  readonly maxPerAor: number;
  readonly maxTotal: number;
  readonly store: LocationStore | null;
  private readonly debounceMs: number;
  private readonly onError: ((message: string) => void) | null;
  private readonly byAor = new Map<string, Binding[]>();
  private total = 0;
  private dirty = false;
  private timer: ReturnType<typeof setTimeout> | null = null;

  constructor(options: LocationOptions = {}) {
    this.maxPerAor = options.maxPerAor ?? 10;
    this.maxTotal = options.maxTotal ?? 10_000;
    this.store = options.store ?? null;
    this.debounceMs = options.debounceMs ?? 100;
    this.onError = options.onError ?? null;
  }

  /** Number of bindings held (expired ones count until expire() or the AOR's next use). */
  get size(): number {
    return this.total;
  }

  /** AORs with at least one binding held. */
  aors(): string[] {
    return [...this.byAor.keys()];
  }

  /** Unexpired bindings of an AOR: highest q first, then the most recently refreshed. */
  bindings(aor: string, now: number): Binding[] {
    return (this.byAor.get(aor) ?? [])
      .filter((b) => b.expiresAt > now)
      .sort((a, b) => (b.q ?? 1) - (a.q ?? 1) || b.updatedAt - a.updatedAt)
      .map((b) => ({ ...b }));
  }

  /** Number of unexpired bindings of an AOR. */
  count(aor: string, now: number): number {
    let n = 0;
    for (const b of this.byAor.get(aor) ?? []) if (b.expiresAt > now) n++;
    return n;
  }

  /** Applies a REGISTER's Contacts (RFC 3261 §10.3 steps 6-8); on success, the AOR's bindings after it. */
  update(aor: string, ch: RegisterChanges): UpdateResult {
    const now = ch.now;
    const before = (this.byAor.get(aor) ?? []).filter((b) => b.expiresAt > now);

    if (ch.contacts === '*') {
      // Step 6: remove all, unless a binding from this Call-ID is as new as the request.
      for (const b of before) {
        if (b.callId === ch.callId && ch.cseq <= b.cseq) return outOfOrder(b, ch.cseq);
      }
      this.commit(aor, []);
      return { ok: true, bindings: [] };
    }

    const next = before.slice();
    /** Bindings made by this request: a repeated Contact in it just overrides, no CSeq check. */
    const fresh = new Set<Binding>();
    for (const c of ch.contacts) {
      const made = this.makeBinding(aor, c, ch);
      if (typeof made === 'string') return { ok: false, error: 'bad-contact', message: made };
      const i = next.findIndex((b) => sameBinding(b, made));
      if (i !== -1) {
        const old = next[i]!;
        // Step 7: a different Call-ID always wins; the same Call-ID needs a higher CSeq.
        if (!fresh.has(old) && old.callId === ch.callId && ch.cseq <= old.cseq) return outOfOrder(old, ch.cseq);
        if (c.expires === 0) next.splice(i, 1);
        else {
          next[i] = made;
          fresh.add(made);
        }
      } else if (c.expires > 0) {
        next.push(made);
        fresh.add(made);
      }
    }

    const grows = next.length > before.length;
    if (grows && next.length > this.maxPerAor) {
      return { ok: false, error: 'too-many-bindings', message: `${aor} may register at most ${this.maxPerAor} contacts` };
    }
    if (grows && this.total - this.heldFor(aor) + next.length > this.maxTotal) {
      this.expire(now); // make room from the dead before refusing
      if (this.total - this.heldFor(aor) + next.length > this.maxTotal) {
        return { ok: false, error: 'full', message: `the location service is full (${this.maxTotal} bindings)` };
      }
    }
    // Step 8: everything applied, so commit it all at once.
    this.commit(aor, next);
    return { ok: true, bindings: this.bindings(aor, now) };
  }

  /** Drops expired bindings everywhere; returns them (for logs or notifications). */
  expire(now: number): Binding[] {
    const gone: Binding[] = [];
    for (const [aor, list] of this.byAor) {
      const live = list.filter((b) => b.expiresAt > now);
      if (live.length === list.length) continue;
      for (const b of list) if (b.expiresAt <= now) gone.push(b);
      this.commit(aor, live);
    }
    return gone;
  }

  // ---- persistence -----------------------------------------------------------------------

  /**
   * A service holding what the store saved, minus expired bindings and any over the binding
   * limits. The store's own problems (a corrupt file) come back in `warnings`, never thrown.
   */
  static restore(
    store: LocationStore,
    now: number,
    options: Omit<LocationOptions, 'store'> = {},
  ): { service: LocationService; warnings: string[] } {
    const service = new LocationService({ ...options, store });
    const { bindings, warnings } = store.load();
    for (const b of bindings) {
      if (b.expiresAt <= now) continue;
      if (service.heldFor(b.aor) >= service.maxPerAor || service.total >= service.maxTotal) {
        warnings.push(`${store.name}: ${b.contact} for ${b.aor}: over the binding limits; skipped`);
      } else service.commit(b.aor, [...(service.byAor.get(b.aor) ?? []), b], false);
    }
    return { service, warnings };
  }

  /** Writes any pending change now. Call before answering 200 OK to a REGISTER; answer 500 on failure. */
  flush(): FlushResult {
    this.cancelTimer();
    if (!this.dirty || this.store === null) return { ok: true };
    try {
      this.save();
      return { ok: true };
    } catch (e) {
      return { ok: false, error: (e as Error).message };
    }
  }

  /** Hands every binding to the store. Throws on its errors. */
  save(): void {
    if (this.store === null) throw new Error('location service has no store to save to');
    const bindings: Binding[] = [];
    for (const list of this.byAor.values()) bindings.push(...list);
    this.store.save(bindings);
    this.dirty = false;
  }

  /** Flushes and stops the background timer (server shutdown). */
  close(): FlushResult {
    return this.flush();
  }

  // ---- internals -------------------------------------------------------------------------

  private heldFor(aor: string): number {
    return this.byAor.get(aor)?.length ?? 0;
  }

  private commit(aor: string, list: Binding[], persist = true): void {
    const old = this.byAor.get(aor) ?? [];
    if (old.length === list.length && old.every((b, i) => b === list[i])) return; // e.g. a query REGISTER
    this.total += list.length - old.length;
    if (list.length === 0) this.byAor.delete(aor);
    else this.byAor.set(aor, list);
    if (persist) this.changed();
  }

  private changed(): void {
    if (this.store === null) return;
    this.dirty = true;
    if (this.timer !== null) return;
    this.timer = setTimeout(() => {
      this.timer = null;
      const r = this.flush();
      if (!r.ok && this.onError !== null) this.onError(r.error);
    }, this.debounceMs);
    this.timer.unref?.(); // a pending write must not keep the process alive; close() flushes
  }

  private cancelTimer(): void {
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
  }

  /** A binding for one Contact, or why the Contact is unusable. */
  private makeBinding(aor: string, c: ContactChange, ch: RegisterChanges): Binding | string {
    let uri: Uri;
    try {
      uri = parseUri(c.contact);
    } catch (e) {
      return `bad Contact URI: ${(e as Error).message}`;
    }
    if (!Number.isInteger(c.expires) || c.expires < 0) return `bad expires ${c.expires} for ${c.contact}`;
    const q = c.q ?? null;
    if (q !== null && !(q >= 0 && q <= 1)) return `bad q ${q} for ${c.contact}`;
    return {
      aor,
      contact: c.contact,
      uri,
      expiresAt: ch.now + c.expires * 1000,
      q,
      callId: ch.callId,
      cseq: ch.cseq,
      received: ch.received ?? null,
      instance: c.instance ?? null,
      regId: c.regId ?? null,
      userAgent: ch.userAgent ?? null,
      updatedAt: ch.now,
    };
  }
}

/**
 * Same binding: by +sip.instance and reg-id when both sides have them (RFC 5626 §6, so a
 * phone whose address changed replaces its old flow), else by Contact URI (RFC 3261 §19.1.4).
 */
function sameBinding(a: Binding, b: Binding): boolean {
  if (a.instance !== null && a.regId !== null && b.instance !== null && b.regId !== null) {
    return a.instance === b.instance && a.regId === b.regId;
  }
  return uriEquals(a.uri, b.uri);
}

function outOfOrder(b: Binding, cseq: number): UpdateResult {
  return {
    ok: false,
    error: 'out-of-order',
    message: `CSeq ${cseq} is not higher than ${b.cseq} already registered for ${b.contact} by Call-ID ${b.callId}`,
  };
}
