// DNS for the user agent over the HAL: NetHal.dnsQuery answers later with a `dns` event, so
// this pairs answers with callers, bounds every query with a timeout, coalesces identical
// queries in flight, and caches answers for their TTL.

import type { DnsRecord, DnsType, HalEvent, NetHal } from '../../hal/contract.ts';
import { isIpv4, isIpv6 } from '../util/ip-literal.ts';

/** Records is empty exactly when error is set ('ENOTFOUND', 'ENODATA', 'timeout', ...). */
export type DnsCallback = (records: DnsRecord[], error: string | null) => void;

/** What the server locator needs: HalDnsResolver on the phone, a fake in tests. */
export interface DnsResolver {
  query(name: string, type: DnsType, callback: DnsCallback): void;
}

/** The subset of util/timers.ts Timers used here. */
export interface DnsTimers {
  after(ms: number, fn: () => void): number;
  cancel(id: number): void;
}

export interface DnsResolverOptions {
  /** Time to wait for the host's answer before calling back with 'timeout' (default 5000). */
  timeoutMs?: number;
  /** Most answers kept in the cache (default 32; 0 disables caching). */
  cacheMax?: number;
}

const DEFAULT_TIMEOUT_MS = 5000;
const DEFAULT_CACHE_MAX = 32;
/** A day: a bogus huge TTL must not pin a stale address until reboot. */
const MAX_TTL_S = 86400;
/** Timed-out query ids remembered so their late answers are still recognised as ours. */
const ABANDONED_MAX = 8;
const NO_RECORDS: DnsRecord[] = [];

interface Pending {
  key: string;
  callbacks: DnsCallback[];
  timer: number;
}

interface Cached {
  records: DnsRecord[];
  /** Timer that drops the entry when its TTL runs out. */
  expiry: number;
}

/**
 * Callbacks may run before query() returns: IP literals (A/AAAA), bad names and cache hits
 * answer synchronously; everything else answers from handleEvent() or the timeout timer.
 * The records array handed to callbacks is shared (with the cache and other callers): treat it
 * as read-only.
 */
export class HalDnsResolver implements DnsResolver {
  private readonly timeoutMs: number;
  private readonly cacheMax: number;
  /** By HAL query id. */
  private readonly pending = new Map<number, Pending>();
  /** The same entries by "TYPE name", for coalescing. */
  private readonly inFlight = new Map<string, Pending>();
  /** Map order is least recently used first. */
  private readonly cache = new Map<string, Cached>();
  private readonly abandoned: number[] = [];

  constructor(
    private readonly net: NetHal,
    private readonly timers: DnsTimers,
    options: DnsResolverOptions = {},
  ) {
    this.timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    this.cacheMax = Math.max(0, options.cacheMax ?? DEFAULT_CACHE_MAX);
  }

  query(name: string, type: DnsType, callback: DnsCallback): void {
    const host = normalizeName(name);
    if (host.length === 0) return callback(NO_RECORDS, 'EBADNAME');
    if (type === 'A' || type === 'AAAA') {
      const literal = literalAnswer(host, type);
      if (literal !== null) return literal.length ? callback(literal, null) : callback(NO_RECORDS, 'ENODATA');
    }
    const key = type + ' ' + host;
    const cached = this.cache.get(key);
    if (cached !== undefined) {
      this.cache.delete(key); // re-insert: now the most recently used
      this.cache.set(key, cached);
      return callback(cached.records, null);
    }
    const flying = this.inFlight.get(key);
    if (flying !== undefined) {
      flying.callbacks.push(callback);
      return;
    }
    const id = this.net.dnsQuery(host, type);
    const entry: Pending = { key, callbacks: [callback], timer: 0 };
    this.pending.set(id, entry);
    this.inFlight.set(key, entry);
    entry.timer = this.timers.after(this.timeoutMs, () => this.expire(id));
  }

  /** Takes 'dns' events for queries made here (late answers included); false for anything else. */
  handleEvent(ev: HalEvent): boolean {
    if (ev.type !== 'dns') return false;
    const entry = this.pending.get(ev.query);
    if (entry === undefined) {
      const k = this.abandoned.indexOf(ev.query);
      if (k === -1) return false;
      this.abandoned.splice(k, 1); // its caller already heard 'timeout'
      return true;
    }
    this.pending.delete(ev.query);
    this.inFlight.delete(entry.key);
    this.timers.cancel(entry.timer);

    const type = entry.key.slice(0, entry.key.indexOf(' '));
    const records = ofType(ev.records, type);
    if (records.length === 0) {
      deliver(entry.callbacks, NO_RECORDS, ev.error ?? 'ENODATA');
      return true;
    }
    this.remember(entry.key, records);
    deliver(entry.callbacks, records, null);
    return true;
  }

  /** Forgets every cached answer, e.g. when the link comes back on another network. */
  clearCache(): void {
    for (const c of this.cache.values()) this.timers.cancel(c.expiry);
    this.cache.clear();
  }

  private expire(id: number): void {
    const entry = this.pending.get(id);
    if (entry === undefined) return;
    this.pending.delete(id);
    this.inFlight.delete(entry.key);
    if (this.abandoned.length >= ABANDONED_MAX) this.abandoned.shift();
    this.abandoned.push(id);
    deliver(entry.callbacks, NO_RECORDS, 'timeout');
  }

  private remember(key: string, records: DnsRecord[]): void {
    let ttl = MAX_TTL_S;
    for (const r of records) if (r.ttl < ttl) ttl = r.ttl;
    // ttl 0 is "don't cache" (and what the emulator reports for SRV/NAPTR it can't time)
    if (!(ttl > 0) || this.cacheMax === 0) return;
    const old = this.cache.get(key);
    if (old !== undefined) {
      this.timers.cancel(old.expiry);
      this.cache.delete(key);
    } else if (this.cache.size >= this.cacheMax) {
      const oldest = this.cache.keys().next().value as string;
      this.timers.cancel(this.cache.get(oldest)!.expiry);
      this.cache.delete(oldest);
    }
    const expiry = this.timers.after(ttl * 1000, () => this.cache.delete(key));
    this.cache.set(key, { records, expiry });
  }
}

function deliver(callbacks: DnsCallback[], records: DnsRecord[], error: string | null): void {
  for (const cb of callbacks) cb(records, error);
}

/** Lower case without the root dot, so "Example.COM." and "example.com" share a cache entry. */
function normalizeName(name: string): string {
  const lower = name.toLowerCase();
  return lower.length > 1 && lower.charCodeAt(lower.length - 1) === 0x2e ? lower.slice(0, -1) : lower;
}

/** The answer for an IP literal (empty when it is the other family), or null for a name. */
function literalAnswer(host: string, type: 'A' | 'AAAA'): DnsRecord[] | null {
  const bare = host.charCodeAt(0) === 0x5b && host.charCodeAt(host.length - 1) === 0x5d ? host.slice(1, -1) : host;
  if (isIpv4(bare)) return type === 'A' ? [{ type, address: bare, ttl: 0 }] : NO_RECORDS;
  if (isIpv6(bare)) return type === 'AAAA' ? [{ type, address: bare, ttl: 0 }] : NO_RECORDS;
  return null;
}

/** Drops records of another type (a confused host); copies only when it has to. */
function ofType(records: DnsRecord[], type: string): DnsRecord[] {
  if (!Array.isArray(records)) return NO_RECORDS;
  for (let i = 0; i < records.length; i++) {
    if (records[i]!.type !== type) return records.filter((r) => r.type === type);
  }
  return records;
}
