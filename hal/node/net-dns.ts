// DNS for the emulator's NetHal: static hosts map, IP literals, a node:dns Resolver and, for
// A/AAAA, the OS resolver (dns.lookup) as a fallback so a loopback lab works without a DNS
// server. Every answer is a promise the NodeNet turns into one `dns` event.
import { promises as dnsPromises } from 'node:dns';
import { isIP } from 'node:net';
import type { DnsRecord, DnsType } from '../contract.ts';

/** The subset of node:dns/promises `Resolver` used here; tests can inject a fake. */
export interface DnsResolverLike {
  resolve4(name: string, options: { ttl: true }): Promise<{ address: string; ttl: number }[]>;
  resolve6(name: string, options: { ttl: true }): Promise<{ address: string; ttl: number }[]>;
  resolveSrv(name: string): Promise<{ priority: number; weight: number; port: number; name: string }[]>;
  resolveNaptr(name: string): Promise<
    { flags: string; service: string; regexp: string; replacement: string; order: number; preference: number }[]
  >;
  cancel?(): void;
}

/** OS name lookup (getaddrinfo: /etc/hosts, mDNS, …): all addresses of one family. */
export type HostLookup = (name: string, family: 4 | 6) => Promise<string[]>;

export interface DnsOptions {
  /** Static names, e.g. { 'lab.example': '127.0.0.1' }; checked before anything else. */
  hosts?: Record<string, string | string[]>;
  /** DNS servers for the resolver ('1.2.3.4' or '127.0.0.1:5353'); default: the OS's. */
  servers?: string[];
  /** Per-try timeout of the resolver in ms (the resolver tries twice). */
  timeoutMs?: number;
  resolver?: DnsResolverLike;
  lookup?: HostLookup;
}

/** A failed query; `code` is what the dns event's `error` carries (e.g. 'ENOTFOUND'). */
export class DnsQueryError extends Error {
  constructor(readonly code: string) {
    super(code);
  }
}

const DNS_TYPES: readonly string[] = ['A', 'AAAA', 'SRV', 'NAPTR'];

export class DnsClient {
  private readonly hosts = new Map<string, string[]>();
  private readonly resolver: DnsResolverLike;
  private readonly lookup: HostLookup;

  constructor(options: DnsOptions = {}) {
    for (const [name, value] of Object.entries(options.hosts ?? {})) {
      this.hosts.set(normalizeName(name), Array.isArray(value) ? value : [value]);
    }
    this.resolver = options.resolver ?? makeResolver(options);
    this.lookup = options.lookup ?? osLookup;
  }

  /** Resolves to at least one record or rejects with a DnsQueryError. */
  async query(name: unknown, type: unknown): Promise<DnsRecord[]> {
    if (typeof type !== 'string' || !DNS_TYPES.includes(type)) throw new DnsQueryError('EBADQUERY');
    if (!isValidName(name)) throw new DnsQueryError('EBADNAME');
    const records = await this.answer(normalizeName(name), type as DnsType);
    if (records.length === 0) throw new DnsQueryError('ENODATA');
    return records;
  }

  /** Aborts resolver queries in flight (OS lookups cannot be aborted; callers drop them). */
  cancel(): void {
    try {
      this.resolver.cancel?.();
    } catch {
      // a fake resolver may not support it
    }
  }

  private async answer(name: string, type: DnsType): Promise<DnsRecord[]> {
    if (type === 'SRV') {
      const srv = await wrap(this.resolver.resolveSrv(name));
      return srv.map((r) => ({ type: 'SRV', priority: r.priority, weight: r.weight, port: r.port, target: r.name, ttl: 0 }));
    }
    if (type === 'NAPTR') {
      const naptr = await wrap(this.resolver.resolveNaptr(name));
      return naptr.map((r) => ({
        type: 'NAPTR',
        order: r.order,
        preference: r.preference,
        flags: r.flags,
        service: r.service,
        regexp: r.regexp,
        replacement: r.replacement,
        ttl: 0,
      }));
    }
    return this.answerAddress(name, type);
  }

  private async answerAddress(name: string, type: 'A' | 'AAAA'): Promise<DnsRecord[]> {
    const family = type === 'A' ? 4 : 6;
    const literal = name.startsWith('[') && name.endsWith(']') ? name.slice(1, -1) : name;
    const literalFamily = isIP(literal);
    if (literalFamily !== 0) return literalFamily === family ? [{ type, address: literal, ttl: 0 }] : [];

    const fromHosts = this.hosts.get(name);
    if (fromHosts) return addressRecords(type, fromHosts.filter((a) => isIP(a) === family), 0);

    let resolverError: unknown;
    try {
      const found = await (type === 'A' ? this.resolver.resolve4(name, { ttl: true }) : this.resolver.resolve6(name, { ttl: true }));
      if (found.length > 0) return found.map((r) => ({ type, address: r.address, ttl: r.ttl }));
    } catch (err) {
      resolverError = err;
      // a cancelled query must not fall through to a fresh lookup
      if (errorCode(err) === 'ECANCELLED') throw new DnsQueryError('ECANCELLED');
    }
    try {
      return addressRecords(type, await this.lookup(name, family), 0);
    } catch {
      throw new DnsQueryError(resolverError === undefined ? 'ENOTFOUND' : errorCode(resolverError));
    }
  }
}

function makeResolver(options: DnsOptions): DnsResolverLike {
  const resolver = new dnsPromises.Resolver({ timeout: options.timeoutMs ?? 2000, tries: 2 });
  if (options.servers && options.servers.length > 0) resolver.setServers(options.servers);
  return resolver;
}

const osLookup: HostLookup = async (name, family) => {
  const found = await dnsPromises.lookup(name, { family, all: true });
  return found.map((a) => a.address);
};

function addressRecords(type: 'A' | 'AAAA', addresses: string[], ttl: number): DnsRecord[] {
  return [...new Set(addresses)].map((address) => ({ type, address, ttl }));
}

async function wrap<T>(promise: Promise<T>): Promise<T> {
  try {
    return await promise;
  } catch (err) {
    throw new DnsQueryError(errorCode(err));
  }
}

function errorCode(err: unknown): string {
  if (err instanceof DnsQueryError) return err.code;
  const code = (err as { code?: unknown } | null)?.code;
  if (typeof code === 'string') return code;
  return err instanceof Error ? err.message : String(err);
}

function normalizeName(name: string): string {
  const lower = name.toLowerCase();
  return lower.length > 1 && lower.endsWith('.') ? lower.slice(0, -1) : lower;
}

function isValidName(name: unknown): name is string {
  return typeof name === 'string' && name.length > 0 && name.length <= 255 && !/[\s\x00-\x1f\x7f]/.test(name);
}
