// Locating SIP servers (RFC 3263 §4): from a URI or a configured proxy to the ordered list of
// transport/address/port the client tries in turn. quip speaks UDP and TCP only, so SIPS
// (which needs TLS on every hop) is refused rather than silently downgraded.

import type { DnsRecord } from '../../hal/contract.ts';
import { SipParseError } from '../sip/errors.ts';
import type { SipUri } from '../sip/types.ts';
import { isIpv4, isIpv6, isSipUri, parseUri } from '../sip/uri.ts';
import type { DnsResolver } from '../net/dns-resolver.ts';

export type LocatorTransport = 'udp' | 'tcp';

/** What to locate: the URI's host (or maddr), port and transport parameter. */
export interface ServerTarget {
  host: string;
  port: number | null;
  transport: LocatorTransport | null;
  /** sips: or transport=tls: needs TLS. */
  secure?: boolean;
}

/** One place to send to; `address` is an IP literal (IPv6 without brackets). */
export interface ServerAddress {
  transport: LocatorTransport;
  address: string;
  port: number;
}

/** targets is in failover order and empty exactly when error is set. */
export type LocateCallback = (targets: ServerAddress[], error: string | null) => void;

export interface LocateOptions {
  /** Uniform in [0, 1), for SRV weighted selection: the phone's RandomPool (the host owns entropy). */
  random: () => number;
  /** Also look up AAAA records (default true). */
  ipv6?: boolean;
}

const SIP_PORT = 5060;
// Caps so a hostile or broken DNS answer can't make the phone fan out hundreds of queries.
const MAX_NAPTR = 8;
const MAX_SRV = 16;
const MAX_HOSTS = 12;
const MAX_ADDRESSES = 32;

type SrvRecord = Extract<DnsRecord, { type: 'SRV' }>;

/** A name still to resolve to addresses. */
interface HostPort {
  transport: LocatorTransport;
  name: string;
  port: number;
}

interface SrvQuery {
  transport: LocatorTransport;
  name: string;
}

/**
 * RFC 3263 §4 for `target`. Only transports in `supported` are used; UDP comes before TCP
 * where the RFC leaves the choice open. Calls back exactly once, possibly before returning
 * (IP literals, cached answers).
 */
export function locateServer(
  target: ServerTarget,
  resolver: DnsResolver,
  supported: LocatorTransport[],
  callback: LocateCallback,
  options: LocateOptions,
): void {
  new Locator(resolver, supported, callback, options).start(target);
}

/** The target for a SIP/SIPS URI (maddr wins over host, §4); null for a transport quip lacks (sctp, ws…). */
export function targetFromUri(uri: SipUri): ServerTarget | null {
  const maddr = uri.params.get('maddr');
  const host = maddr !== undefined && maddr !== null && maddr !== '' ? maddr : uri.host;
  let secure = uri.scheme === 'sips';
  let transport: LocatorTransport | null = null;
  const param = uri.params.get('transport');
  if (param !== undefined && param !== null) {
    const t = param.toLowerCase();
    if (t === 'udp' || t === 'tcp') transport = t;
    else if (t === 'tls') {
      transport = 'tcp';
      secure = true;
    } else return null;
  }
  return { host, port: uri.port, transport, secure };
}

const HOSTNAME = /^[A-Za-z0-9]([A-Za-z0-9.-]*[A-Za-z0-9])?\.?$/;
const PORT = /^:[0-9]{1,5}$/;

/**
 * The target for a configured server such as the registrar or outbound proxy field:
 * "host", "host:port", "[v6]", "[v6]:port", a bare IPv6 address, or a full sip:/sips: URI.
 * Null when the text is none of those.
 */
export function targetFromHostPort(text: string): ServerTarget | null {
  const s = text.trim();
  if (/^sips?:/i.test(s)) {
    try {
      const uri = parseUri(s);
      return isSipUri(uri) ? targetFromUri(uri) : null;
    } catch (e) {
      if (e instanceof SipParseError) return null;
      throw e;
    }
  }
  let host = s;
  let rest = '';
  if (s.charCodeAt(0) === 0x5b /* [ */) {
    const close = s.indexOf(']');
    if (close === -1 || !isIpv6(s.slice(1, close))) return null;
    host = s.slice(0, close + 1);
    rest = s.slice(close + 1);
  } else {
    const colon = s.indexOf(':');
    if (colon !== -1 && s.indexOf(':', colon + 1) !== -1) {
      return isIpv6(s) ? { host: s, port: null, transport: null } : null;
    }
    if (colon !== -1) {
      host = s.slice(0, colon);
      rest = s.slice(colon);
    }
    if (!HOSTNAME.test(host)) return null;
  }
  let port: number | null = null;
  if (rest !== '') {
    if (!PORT.test(rest)) return null;
    port = Number(rest.slice(1));
    if (port === 0 || port > 65535) return null;
  }
  return { host, port, transport: null };
}

class Locator {
  private readonly random: () => number;
  private readonly ipv6: boolean;
  /** Supported transports, UDP first. */
  private readonly transports: LocatorTransport[] = [];
  private host = '';
  private lastError: string | null = null;
  private done = false;

  constructor(
    private readonly resolver: DnsResolver,
    supported: LocatorTransport[],
    private readonly callback: LocateCallback,
    options: LocateOptions,
  ) {
    this.random = options.random;
    this.ipv6 = options.ipv6 !== false;
    if (supported.includes('udp')) this.transports.push('udp');
    if (supported.includes('tcp')) this.transports.push('tcp');
  }

  start(target: ServerTarget): void {
    if (target.secure) return this.fail('sips needs TLS, which is not supported');
    if (this.transports.length === 0) return this.fail('no supported transport');
    if (target.transport !== null && !this.transports.includes(target.transport)) {
      return this.fail(`transport ${target.transport} not supported`);
    }
    // §4.1: with no transport parameter, a numeric IP or an explicit port means UDP
    const transport = target.transport ?? this.transports[0]!;
    const literal = ipLiteral(target.host);
    if (literal !== null) return this.finish([{ transport, address: literal, port: target.port ?? SIP_PORT }]);
    this.host = target.host;
    if (target.port !== null) return this.resolveHosts([{ transport, name: this.host, port: target.port }]);
    if (target.transport !== null) return this.lookUpSrv([{ transport, name: srvName(transport, this.host) }], transport);
    this.resolver.query(this.host, 'NAPTR', (records) => this.onNaptr(records));
  }

  private onNaptr(records: DnsRecord[]): void {
    const usable: Array<{ order: number; preference: number; query: SrvQuery }> = [];
    for (const r of records) {
      if (r.type !== 'NAPTR' || usable.length >= MAX_NAPTR) continue;
      const transport = naptrTransport(r.service);
      if (transport === null || !this.transports.includes(transport)) continue;
      // SIP NAPTRs point at SRV names through the replacement ("s" flag, empty regexp)
      if (r.flags.toLowerCase() !== 's' || r.regexp !== '' || r.replacement === '' || r.replacement === '.') continue;
      usable.push({ order: r.order, preference: r.preference, query: { transport, name: r.replacement } });
    }
    if (usable.length === 0) {
      // no (usable) NAPTR: an SRV query per supported transport (§4.1)
      const queries = this.transports.map((t) => ({ transport: t, name: srvName(t, this.host) }));
      return this.lookUpSrv(queries, this.transports[0]!);
    }
    usable.sort((a, b) => a.order - b.order || a.preference - b.preference);
    this.lookUpSrv(usable.map((u) => u.query), usable[0]!.query.transport);
  }

  /** SRV queries in parallel, kept in query order; none found → A/AAAA of the domain on 5060 (§4.2). */
  private lookUpSrv(queries: SrvQuery[], fallback: LocatorTransport): void {
    const found: HostPort[][] = [];
    let anyRecord = false;
    let left = queries.length;
    queries.forEach((q, i) => {
      this.resolver.query(q.name, 'SRV', (records, error) => {
        if (error !== null) this.lastError = error;
        else if (records.length > 0) anyRecord = true;
        found[i] = srvHosts(records, q.transport, this.random);
        if (--left > 0) return;
        const hosts: HostPort[] = [];
        for (const list of found) for (const h of list) hosts.push(h);
        if (hosts.length > 0) return this.resolveHosts(hosts);
        // only "." targets: the service is decidedly not available (RFC 2782)
        if (anyRecord) return this.fail(`${this.host}: SIP service not available`);
        this.resolveHosts([{ transport: fallback, name: this.host, port: SIP_PORT }]);
      });
    });
  }

  /** A then AAAA for every host, in parallel; the answers are assembled in host order. */
  private resolveHosts(all: HostPort[]): void {
    if (all.length === 0) return this.fail(`${this.host}: no servers`);
    const hosts = all.length > MAX_HOSTS ? all.slice(0, MAX_HOSTS) : all;
    const v4: DnsRecord[][] = [];
    const v6: DnsRecord[][] = [];
    let left = hosts.length * (this.ipv6 ? 2 : 1);
    this.lastError = null;
    const settle = (): void => {
      if (--left === 0) this.assemble(hosts, v4, v6);
    };
    hosts.forEach((h, i) => {
      v6[i] = [];
      this.resolver.query(h.name, 'A', (records, error) => {
        v4[i] = records;
        if (error !== null) this.lastError = error; // the A error explains failure best
        settle();
      });
      if (this.ipv6) {
        this.resolver.query(h.name, 'AAAA', (records, error) => {
          v6[i] = records;
          if (error !== null && this.lastError === null) this.lastError = error;
          settle();
        });
      }
    });
  }

  private assemble(hosts: HostPort[], v4: DnsRecord[][], v6: DnsRecord[][]): void {
    const out: ServerAddress[] = [];
    const seen = new Set<string>();
    const add = (h: HostPort, records: DnsRecord[]): void => {
      for (const r of records) {
        if ((r.type !== 'A' && r.type !== 'AAAA') || out.length >= MAX_ADDRESSES) continue;
        const key = h.transport + ' ' + r.address + ' ' + h.port;
        if (seen.has(key)) continue;
        seen.add(key);
        out.push({ transport: h.transport, address: r.address, port: h.port });
      }
    };
    hosts.forEach((h, i) => {
      add(h, v4[i]!);
      add(h, v6[i]!);
    });
    if (out.length === 0) return this.fail(`${this.host}: ${this.lastError ?? 'no addresses'}`);
    this.finish(out);
  }

  private finish(targets: ServerAddress[]): void {
    if (this.done) return;
    this.done = true;
    this.callback(targets, null);
  }

  private fail(error: string): void {
    if (this.done) return;
    this.done = true;
    this.callback([], error);
  }
}

function srvName(transport: LocatorTransport, host: string): string {
  return '_sip._' + transport + '.' + host;
}

function naptrTransport(service: string): LocatorTransport | null {
  const s = service.toUpperCase();
  return s === 'SIP+D2U' ? 'udp' : s === 'SIP+D2T' ? 'tcp' : null;
}

/** The address of an IP literal host ("[v6]" loses its brackets), or null for a name. */
function ipLiteral(host: string): string | null {
  if (isIpv4(host)) return host;
  const bare = host.charCodeAt(0) === 0x5b && host.charCodeAt(host.length - 1) === 0x5d ? host.slice(1, -1) : host;
  return isIpv6(bare) ? bare : null;
}

/** SRV answer → hosts in RFC 2782 order: priority ascending, weighted random within a priority. */
function srvHosts(records: DnsRecord[], transport: LocatorTransport, random: () => number): HostPort[] {
  const srv: SrvRecord[] = [];
  for (const r of records) {
    if (r.type === 'SRV' && r.target !== '' && r.target !== '.' && srv.length < MAX_SRV) srv.push(r);
  }
  srv.sort((a, b) => a.priority - b.priority);
  for (let start = 0; start < srv.length; ) {
    let end = start + 1;
    while (end < srv.length && srv[end]!.priority === srv[start]!.priority) end++;
    weightedOrder(srv, start, end, random);
    start = end;
  }
  return srv.map((r) => ({ transport, name: r.target, port: r.port }));
}

/** Reorders list[start, end) by RFC 2782's weighted selection, in place. */
function weightedOrder(list: SrvRecord[], start: number, end: number, random: () => number): void {
  // weight-0 records go first, so they are chosen only when the draw is 0
  let z = start;
  for (let k = start; k < end; k++) if (list[k]!.weight === 0) moveTo(list, k, z++);
  for (let i = start; i < end - 1; i++) {
    let total = 0;
    for (let k = i; k < end; k++) total += list[k]!.weight;
    const draw = Math.min(total, Math.floor(random() * (total + 1)));
    let running = 0;
    let pick = i;
    for (; pick < end - 1; pick++) {
      running += list[pick]!.weight;
      if (running >= draw) break;
    }
    moveTo(list, pick, i);
  }
}

/** Moves list[from] back to index `to` (≤ from), keeping the others in order. */
function moveTo<T>(list: T[], from: number, to: number): void {
  const item = list[from]!;
  for (let k = from; k > to; k--) list[k] = list[k - 1]!;
  list[to] = item;
}
