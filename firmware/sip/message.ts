// A SIP request or response (RFC 3261 §7). Headers are kept as raw, unfolded text in
// arrival order so a proxy forwards what it does not touch byte for byte; typed views are
// parsed on first use and cached until that header changes.

import { decodeUtf8 } from '../util/utf8.ts';
import { parseCredentials } from './auth-header.ts';
import { isContactWildcard, parseContacts } from './contact.ts';
import { parseContentType } from './content-type.ts';
import { badHeader } from './errors.ts';
import { parseEvent, parseSubscriptionState } from './event-headers.ts';
import { SINGLE_VALUED, canonicalName, isListHeader } from './header-names.ts';
import { MAX_LIST_ITEMS, MAX_UINT32 } from './limits.ts';
import { parseNameAddr } from './name-addr.ts';
import {
  parseCSeq, parseCallId, parseDate, parseNumberHeader, parseRAck, parseRetryAfter, parseTokenList,
} from './scalars.ts';
import { splitList } from './scanner.ts';
import { parseUri } from './uri.ts';
import { parseSessionExpires } from './session-expires.ts';
import { parseVia } from './via.ts';
import type {
  AddressHeader, CSeq, Contact, ContentType, Credentials, EventHeader, NameAddr, RAck,
  SessionExpires, SubscriptionState, Uri, Via,
} from './types.ts';

export interface HeaderField {
  /** Canonical long name for known headers; extension headers as received. */
  name: string;
  /** Unfolded value text. */
  value: string;
}

export type AuthHeaderName = 'WWW-Authenticate' | 'Proxy-Authenticate' | 'Authorization' | 'Proxy-Authorization';

export class SipMessage {
  kind: 'request' | 'response';
  /** Request method; for a response, empty (use cseq().method). */
  method = '';
  /** Request-URI text; empty for a response. */
  uri = '';
  status = 0;
  reason = '';
  headers: HeaderField[] = [];
  /** Body octets as a byte string (one char per octet). */
  body = '';
  /** Octets that followed this message in the same datagram (RFC 4475 §3.1.1.8). */
  trailingBytes = 0;
  /** Framing doubts found while parsing, e.g. conflicting Content-Length values. */
  framingProblems: string[] = [];
  private cache: Map<string, unknown> | null = null;

  constructor(kind: 'request' | 'response') {
    this.kind = kind;
  }

  static request(method: string, uri: string): SipMessage {
    const m = new SipMessage('request');
    m.method = method;
    m.uri = uri;
    return m;
  }

  static response(status: number, reason: string): SipMessage {
    const m = new SipMessage('response');
    m.status = status;
    m.reason = reason;
    return m;
  }

  isRequest(): boolean {
    return this.kind === 'request';
  }

  // ---- raw header access -------------------------------------------------------------

  /** Value of the first header with this name (any case, long or compact form). */
  get(name: string): string | undefined {
    return this.first(canonicalName(name));
  }

  /** All values: for list headers every comma-separated element, else one per header line. */
  getAll(name: string): string[] {
    return this.values(canonicalName(name));
  }

  has(name: string): boolean {
    return this.first(canonicalName(name)) !== undefined;
  }

  /** Number of header lines with this name. */
  count(name: string): number {
    const c = canonicalName(name);
    let n = 0;
    for (const h of this.headers) if (h.name === c) n++;
    return n;
  }

  /** Replaces every header of this name by one (placed where the first one was). */
  set(name: string, value: string): this {
    const c = canonicalName(name);
    const i = this.headers.findIndex((h) => h.name === c);
    this.removeCanonical(c);
    if (i === -1) this.headers.push({ name: c, value });
    else this.headers.splice(i, 0, { name: c, value });
    return this;
  }

  /** Appends a header line after the existing ones. */
  add(name: string, value: string): this {
    const c = canonicalName(name);
    this.headers.push({ name: c, value });
    this.invalidate(c);
    return this;
  }

  /** Inserts a header line before the first of its name (a new top Via or Route). */
  prepend(name: string, value: string): this {
    const c = canonicalName(name);
    const i = this.headers.findIndex((h) => h.name === c);
    this.headers.splice(i === -1 ? this.headers.length : i, 0, { name: c, value });
    this.invalidate(c);
    return this;
  }

  remove(name: string): this {
    this.removeCanonical(canonicalName(name));
    return this;
  }

  /** Removes the first element of a list header (the top Via or Route), dropping an emptied line. */
  removeFirst(name: string): this {
    const c = canonicalName(name);
    const i = this.headers.findIndex((h) => h.name === c);
    if (i === -1) return this;
    const items = splitList(this.headers[i]!.value, c);
    if (items.length <= 1) this.headers.splice(i, 1);
    else this.headers[i] = { name: c, value: items.slice(1).join(', ') };
    this.invalidate(c);
    return this;
  }

  /** Replaces the first element of a list header (the top Via), keeping the others. */
  replaceFirst(name: string, value: string): this {
    const c = canonicalName(name);
    const i = this.headers.findIndex((h) => h.name === c);
    if (i === -1) return this.add(c, value);
    const items = splitList(this.headers[i]!.value, c);
    items[0] = value;
    this.headers[i] = { name: c, value: items.join(', ') };
    this.invalidate(c);
    return this;
  }

  /** Body decoded as UTF-8 text. */
  bodyText(): string {
    return decodeUtf8(this.body);
  }

  // ---- typed views ------------------------------------------------------------------

  vias(): Via[] {
    return (this.hit('Via') as Via[] | undefined) ?? this.typed('Via', () => this.list('Via').map(parseVia));
  }

  topVia(): Via | undefined {
    return this.vias()[0];
  }

  from(): AddressHeader | undefined {
    return (this.hit('From') as AddressHeader | undefined) ?? this.typed('From', () => this.address('From'));
  }

  to(): AddressHeader | undefined {
    return (this.hit('To') as AddressHeader | undefined) ?? this.typed('To', () => this.address('To'));
  }

  callId(): string | undefined {
    return (this.hit('Call-ID') as string | undefined) ?? this.single('Call-ID', parseCallId);
  }

  cseq(): CSeq | undefined {
    return (this.hit('CSeq') as CSeq | undefined) ?? this.single('CSeq', parseCSeq);
  }

  maxForwards(): number | undefined {
    return (this.hit('Max-Forwards') as number | undefined) ?? this.typed('Max-Forwards', () => this.number('Max-Forwards', 255));
  }

  expires(): number | undefined {
    return this.typed('Expires', () => this.number('Expires', MAX_UINT32));
  }

  minExpires(): number | undefined {
    return this.typed('Min-Expires', () => this.number('Min-Expires', MAX_UINT32));
  }

  contentLength(): number | undefined {
    return (this.hit('Content-Length') as number | undefined) ?? this.typed('Content-Length', () => this.number('Content-Length', MAX_UINT32));
  }

  rseq(): number | undefined {
    return this.typed('RSeq', () => this.number('RSeq', MAX_UINT32));
  }

  retryAfter(): number | undefined {
    return this.single('Retry-After', parseRetryAfter);
  }

  rack(): RAck | undefined {
    return this.single('RAck', parseRAck);
  }

  /** Date as milliseconds since the epoch. */
  date(): number | undefined {
    return this.single('Date', parseDate);
  }

  /** Contact bindings; `*` (unregister all) is reported by contactIsWildcard(). */
  contacts(): Contact[] {
    return this.typed('Contact', () => parseContacts(this.list('Contact')));
  }

  contactIsWildcard(): boolean {
    return isContactWildcard(this.list('Contact'));
  }

  routes(): NameAddr[] {
    return this.typed('Route', () => this.list('Route').map((v) => parseNameAddr(v, 'Route')));
  }

  recordRoutes(): NameAddr[] {
    return this.typed('Record-Route', () => this.list('Record-Route').map((v) => parseNameAddr(v, 'Record-Route')));
  }

  contentType(): ContentType | undefined {
    return this.single('Content-Type', parseContentType);
  }

  /** Challenges or credentials, one per header line (several realms are allowed). */
  auth(name: AuthHeaderName): Credentials[] {
    return this.typed(name, () => this.lines(name).map((v) => parseCredentials(v, name)));
  }

  allow(): string[] {
    return this.typed('Allow', () => parseTokenList(this.list('Allow'), 'Allow'));
  }

  supported(): string[] {
    return this.typed('Supported', () => parseTokenList(this.list('Supported'), 'Supported'));
  }

  require(): string[] {
    return this.typed('Require', () => parseTokenList(this.list('Require'), 'Require'));
  }

  proxyRequire(): string[] {
    return this.typed('Proxy-Require', () => parseTokenList(this.list('Proxy-Require'), 'Proxy-Require'));
  }

  unsupported(): string[] {
    return this.typed('Unsupported', () => parseTokenList(this.list('Unsupported'), 'Unsupported'));
  }

  event(): EventHeader | undefined {
    return this.single('Event', parseEvent);
  }

  subscriptionState(): SubscriptionState | undefined {
    return this.single('Subscription-State', parseSubscriptionState);
  }

  sessionExpires(): SessionExpires | undefined {
    return this.single('Session-Expires', parseSessionExpires);
  }

  /** Refer-To (RFC 3515): one name-addr; REFER handling checks that there is exactly one. */
  referTo(): NameAddr | undefined {
    return this.single('Refer-To', (v) => parseNameAddr(v, 'Refer-To'));
  }

  /** The Request-URI, parsed. */
  requestUri(): Uri {
    const c = this.typed('@ruri', () => ({ text: this.uri, uri: parseUri(this.uri) }));
    if (c.text === this.uri) return c.uri;
    this.invalidate('@ruri');
    return this.requestUri();
  }

  // ---- checks -------------------------------------------------------------------------

  /**
   * Parses every header quip knows and throws the first SipParseError. parseMessage()
   * already checked the headers every element needs; this covers the rest.
   */
  validate(): void {
    this.vias();
    this.from();
    this.to();
    this.callId();
    this.cseq();
    this.maxForwards();
    this.expires();
    this.minExpires();
    this.contentLength();
    this.rseq();
    this.rack();
    this.retryAfter();
    this.date();
    this.contacts();
    this.routes();
    this.recordRoutes();
    this.contentType();
    for (const n of ['WWW-Authenticate', 'Proxy-Authenticate', 'Authorization', 'Proxy-Authorization'] as const) this.auth(n);
    this.allow();
    this.supported();
    this.require();
    this.proxyRequire();
    this.unsupported();
    this.event();
    this.subscriptionState();
  }

  /**
   * Semantic defects that are not syntax errors (RFC 4475 §3.3): missing mandatory
   * headers, repeated single-value headers, ambiguous framing. An element answers a
   * request that has any with 400.
   */
  problems(): string[] {
    const out = this.framingProblems.slice();
    const required = this.kind === 'request'
      ? ['Via', 'To', 'From', 'Call-ID', 'CSeq', 'Max-Forwards']
      : ['Via', 'To', 'From', 'Call-ID', 'CSeq'];
    for (const name of required) {
      // Max-Forwards is optional for RFC 2543 peers (RFC 4475 §3.4.1) and for ACK/CANCEL repeats
      if (this.first(name) === undefined && name !== 'Max-Forwards') out.push(`missing ${name}`);
    }
    for (const name of SINGLE_VALUED) {
      if (name === 'Content-Length') continue; // reported as a framing problem
      if (this.count(name) > 1) out.push(`more than one ${name}`);
    }
    return out;
  }

  // ---- internals ----------------------------------------------------------------------

  private first(canonical: string): string | undefined {
    const hs = this.headers;
    for (let i = 0; i < hs.length; i++) if (hs[i]!.name === canonical) return hs[i]!.value;
    return undefined;
  }

  // Indexed loops over the headers, not for-of: QuickJS runs for-of through an iterator, about
  // twice the cost per header, and these run several times per message.
  private lines(canonical: string): string[] {
    const out: string[] = [];
    const hs = this.headers;
    for (let i = 0; i < hs.length; i++) if (hs[i]!.name === canonical) out.push(hs[i]!.value);
    return out;
  }

  private values(canonical: string): string[] {
    return isListHeader(canonical) ? this.list(canonical) : this.lines(canonical);
  }

  private list(canonical: string): string[] {
    const out: string[] = [];
    const hs = this.headers;
    for (let i = 0; i < hs.length; i++) {
      const h = hs[i]!;
      if (h.name !== canonical) continue;
      if (h.value.length === 0 && MAY_BE_EMPTY.indexOf(canonical) !== -1) continue;
      const items = splitList(h.value, canonical);
      for (let j = 0; j < items.length; j++) {
        const item = items[j]!;
        if (item.length === 0) throw badHeader(canonical, 'empty list element');
        if (out.length >= MAX_LIST_ITEMS) throw badHeader(canonical, 'too many elements');
        out.push(item);
      }
    }
    return out;
  }

  /** The typed view of a single-value header, parsed by `parse` on first use. */
  private single<T>(canonical: string, parse: (value: string) => T): T | undefined {
    return this.typed(canonical, () => {
      const v = this.first(canonical);
      return v === undefined ? undefined : parse(v);
    });
  }

  private number(canonical: string, max: number): number | undefined {
    const v = this.first(canonical);
    return v === undefined ? undefined : parseNumberHeader(v, canonical, max);
  }

  private address(canonical: string): AddressHeader | undefined {
    const v = this.first(canonical);
    if (v === undefined) return undefined;
    const na = parseNameAddr(v, canonical);
    const tag = na.params.get('tag');
    return {
      displayName: na.displayName, uri: na.uri, uriText: na.uriText, params: na.params,
      tag: tag === undefined || tag === null ? null : tag,
    };
  }

  /**
   * The cached view under `key`, or undefined (also for a cached undefined: the caller then
   * takes typed(), which knows). Lets hot getters skip allocating their compute closure.
   */
  private hit(key: string): unknown {
    return this.cache === null ? undefined : this.cache.get(key);
  }

  private typed<T>(key: string, compute: () => T): T {
    if (this.cache === null) this.cache = new Map();
    else if (this.cache.has(key)) return this.cache.get(key) as T;
    const v = compute();
    this.cache.set(key, v);
    return v;
  }

  private invalidate(canonical: string): void {
    if (this.cache !== null) this.cache.delete(canonical);
  }

  private removeCanonical(c: string): void {
    let w = 0;
    const hs = this.headers;
    for (let r = 0; r < hs.length; r++) if (hs[r]!.name !== c) hs[w++] = hs[r]!;
    hs.length = w;
    this.invalidate(c);
  }
}

/** List headers whose grammar allows an empty value (RFC 3261 §20.1, §20.5, §20.37). */
const MAY_BE_EMPTY = ['Accept', 'Accept-Encoding', 'Accept-Language', 'Allow', 'Supported'];

