// A small HTTP/1.1 GET client over the HAL's TCP and the firmware's DNS: enough for a phone
// to fetch its provisioning file. One connection per request (Connection: close), bodies by
// Content-Length, chunked or close; a size cap checked before anything is parsed, an overall
// deadline, a few redirects, and errors a person can act on. Plain http only: the HAL offers
// no TLS, so https is refused rather than faked.

import type { HalEvent, NetHal } from '../../hal/contract.ts';
import type { DnsResolver, DnsTimers } from './dns-resolver.ts';
import { isIpv4, isIpv6 } from '../util/ip-literal.ts';

export interface HttpUrl {
  host: string;
  port: number;
  /** Path and query, starting with '/'. */
  path: string;
}

export interface HttpResponse {
  status: number;
  reason: string;
  /** Lower-case names; a repeated header keeps its values joined by ", ". */
  headers: Map<string, string>;
  /** Octets (one char per byte). */
  body: string;
  /** The URL that answered (after redirects). */
  url: string;
}

/** Exactly one of the two is set. */
export type HttpCallback = (error: string | null, res: HttpResponse | null) => void;

export interface HttpGetOptions {
  /** Largest body accepted (default 64 KiB). */
  maxBodyBytes?: number;
  /** Deadline for the whole exchange, redirects included (default 5000 ms). */
  timeoutMs?: number;
  /** Redirects followed (default 3). */
  maxRedirects?: number;
  headers?: Record<string, string>;
}

const DEFAULT_MAX_BODY = 64 * 1024;
const DEFAULT_TIMEOUT_MS = 5000;
const DEFAULT_MAX_REDIRECTS = 3;
const MAX_HEAD_BYTES = 8 * 1024;
/** A chunk-size line longer than this is not HTTP. */
const MAX_CHUNK_LINE = 64;

/** Parses an http URL; throws an Error whose message says what is wrong (https and tftp included). */
export function parseHttpUrl(url: string): HttpUrl {
  const sep = url.indexOf('://');
  const scheme = sep === -1 ? '' : url.slice(0, sep).toLowerCase();
  if (scheme === 'https') throw new Error('https needs TLS, which this HAL does not offer (use http)');
  if (scheme === 'tftp') throw new Error('tftp is not supported (use http)');
  if (scheme !== 'http') throw new Error(`not an http URL: ${url.slice(0, 80)}`);
  const rest = url.slice(sep + 3);
  let end = rest.length;
  for (const c of ['/', '?', '#']) {
    const i = rest.indexOf(c);
    if (i !== -1 && i < end) end = i;
  }
  const authority = rest.slice(0, end);
  let path = rest.slice(end);
  const hash = path.indexOf('#');
  if (hash !== -1) path = path.slice(0, hash);
  if (path === '' || path[0] === '?') path = '/' + path;
  if (authority.indexOf('@') !== -1) throw new Error('credentials in the URL are not supported');
  let host: string;
  let portText = '';
  if (authority[0] === '[') {
    const close = authority.indexOf(']');
    if (close === -1) throw new Error('bad IPv6 literal in the URL');
    host = authority.slice(1, close);
    if (!isIpv6(host)) throw new Error('bad IPv6 literal in the URL');
    if (close + 1 < authority.length) {
      if (authority[close + 1] !== ':') throw new Error('bad host in the URL');
      portText = authority.slice(close + 2);
    }
  } else {
    const colon = authority.indexOf(':');
    host = colon === -1 ? authority : authority.slice(0, colon);
    if (colon !== -1) portText = authority.slice(colon + 1);
    if (!/^[A-Za-z0-9.-]{1,253}$/.test(host)) throw new Error('bad host in the URL');
  }
  let port = 80;
  if (portText !== '') {
    port = /^\d{1,5}$/.test(portText) ? Number(portText) : 0;
    if (port < 1 || port > 65535) throw new Error('bad port in the URL');
  }
  if (/[\s\x00-\x1f\x7f]/.test(path)) throw new Error('spaces or control characters in the URL path');
  return { host, port, path };
}

function formatUrl(u: HttpUrl): string {
  const host = isIpv6(u.host) ? `[${u.host}]` : u.host;
  return `http://${host}${u.port === 80 ? '' : ':' + u.port}${u.path}`;
}

/** A Location header resolved against the URL it came from (absolute, //host, /path or relative). */
export function resolveLocation(base: HttpUrl, location: string): string {
  if (/^[A-Za-z][A-Za-z0-9+.-]*:\/\//.test(location)) return location;
  const host = isIpv6(base.host) ? `[${base.host}]` : base.host;
  const origin = `http://${host}${base.port === 80 ? '' : ':' + base.port}`;
  if (location.startsWith('//')) return 'http:' + location;
  if (location.startsWith('/')) return origin + location;
  const q = base.path.indexOf('?');
  const dir = (q === -1 ? base.path : base.path.slice(0, q)).replace(/[^/]*$/, '');
  return origin + dir + location;
}

type BodyMode = 'length' | 'chunked' | 'close' | 'none';

/** One request on one connection. */
class Exchange {
  conn = -1;
  private buf = '';
  private status = 0;
  private reason = '';
  private headers: Map<string, string> | null = null;
  private mode: BodyMode = 'none';
  private remaining = 0;
  /** Body pieces (joined once at the end: no quadratic string growth). */
  private parts: string[] = [];
  private size = 0;
  /** Chunked: -1 expecting a size line, 0 expecting trailers, >0 octets left in the chunk (+CRLF). */
  private chunkLeft = -1;

  constructor(
    readonly url: HttpUrl,
    private readonly maxBody: number,
    private readonly finish: (error: string | null, res: HttpResponse | null) => void,
  ) {}

  /** New octets from the server. */
  data(data: string): void {
    if (this.headers === null) {
      this.buf += data;
      const end = this.buf.indexOf('\r\n\r\n');
      if (end === -1) {
        if (this.buf.length > MAX_HEAD_BYTES) this.finish('malformed response: headers longer than 8 KiB', null);
        return;
      }
      if (end > MAX_HEAD_BYTES) return this.finish('malformed response: headers longer than 8 KiB', null);
      const head = this.buf.slice(0, end);
      const rest = this.buf.slice(end + 4);
      this.buf = '';
      const problem = this.parseHead(head);
      if (problem !== null) return this.finish(`malformed response: ${problem}`, null);
      if (this.status >= 100 && this.status < 200) {
        // An interim response (100 Continue): the real one follows.
        this.headers = null;
        if (rest !== '') this.data(rest);
        return;
      }
      // A declared body that is too big is refused before a byte of it is read.
      if (this.mode === 'length' && this.remaining > this.maxBody) return this.tooBig();
      if (this.mode === 'none' || (this.mode === 'length' && this.remaining === 0)) return this.done();
      if (rest !== '') this.body(rest);
      return;
    }
    this.body(data);
  }

  /** The server closed the connection. */
  closed(error: string | null): void {
    if (this.headers === null) {
      this.finish(error !== null ? `connection failed: ${error}` : 'the server closed the connection without a response', null);
    } else if (this.mode === 'close') {
      this.done();
    } else {
      this.finish('the server closed the connection before the body was complete', null);
    }
  }

  private parseHead(head: string): string | null {
    const lines = head.split('\r\n');
    const m = /^HTTP\/1\.[01] (\d{3})(?: (.*))?$/.exec(lines[0]!);
    if (m === null) return `bad status line ${JSON.stringify(lines[0]!.slice(0, 40))}`;
    this.status = Number(m[1]);
    this.reason = (m[2] ?? '').slice(0, 80);
    const headers = new Map<string, string>();
    for (let i = 1; i < lines.length; i++) {
      const line = lines[i]!;
      const colon = line.indexOf(':');
      if (colon <= 0) return `bad header line ${JSON.stringify(line.slice(0, 40))}`;
      const name = line.slice(0, colon).trim().toLowerCase();
      const value = line.slice(colon + 1).trim();
      const old = headers.get(name);
      headers.set(name, old === undefined ? value : `${old}, ${value}`);
    }
    this.headers = headers;
    const te = headers.get('transfer-encoding');
    const cl = headers.get('content-length');
    if (this.status === 204 || this.status === 304 || (this.status >= 100 && this.status < 200)) this.mode = 'none';
    else if (te !== undefined) {
      if (te.toLowerCase() !== 'chunked') return `unsupported Transfer-Encoding ${JSON.stringify(te.slice(0, 40))}`;
      this.mode = 'chunked';
    } else if (cl !== undefined) {
      // Repeated identical values ("12, 12") are allowed (RFC 9110 §8.6); different ones are not.
      const values = cl.split(',').map((v) => v.trim());
      if (!values.every((v) => v === values[0]) || !/^\d{1,15}$/.test(values[0]!)) return `bad Content-Length ${JSON.stringify(cl.slice(0, 40))}`;
      this.remaining = Number(values[0]);
      this.mode = 'length';
    } else this.mode = 'close';
    return null;
  }

  private body(data: string): void {
    if (this.mode === 'length') {
      const take = data.length > this.remaining ? data.slice(0, this.remaining) : data;
      this.add(take);
      this.remaining -= take.length;
      if (this.remaining === 0) this.done();
      return;
    }
    if (this.mode === 'close') {
      if (this.size + data.length > this.maxBody) return this.tooBig();
      this.add(data);
      return;
    }
    this.chunked(data);
  }

  private chunked(data: string): void {
    const s = this.buf === '' ? data : this.buf + data;
    this.buf = '';
    let i = 0;
    while (i < s.length) {
      if (this.chunkLeft > 0) {
        // Chunk octets, then its CRLF (counted in chunkLeft as 2 extra).
        const dataLeft = this.chunkLeft - 2;
        if (dataLeft > 0) {
          const take = Math.min(dataLeft, s.length - i);
          this.add(s.slice(i, i + take));
          i += take;
          this.chunkLeft -= take;
          continue;
        }
        if (s.length - i < this.chunkLeft) break; // wait for the CRLF
        if (s.charCodeAt(i) !== 13 || s.charCodeAt(i + 1) !== 10) return this.finish('malformed response: chunk not followed by CRLF', null);
        i += 2;
        this.chunkLeft = -1;
        continue;
      }
      const eol = s.indexOf('\r\n', i);
      if (eol === -1) {
        if (s.length - i > MAX_CHUNK_LINE + MAX_HEAD_BYTES) return this.finish('malformed response: bad chunk framing', null);
        break;
      }
      const line = s.slice(i, eol);
      i = eol + 2;
      if (this.chunkLeft === 0) {
        if (line === '') return this.done(); // end of trailers
        continue; // a trailer header: ignored
      }
      if (line.length > MAX_CHUNK_LINE) return this.finish('malformed response: bad chunk size line', null);
      const semi = line.indexOf(';');
      const hex = (semi === -1 ? line : line.slice(0, semi)).trim();
      if (!/^[0-9A-Fa-f]{1,8}$/.test(hex)) return this.finish(`malformed response: bad chunk size ${JSON.stringify(hex.slice(0, 20))}`, null);
      const n = parseInt(hex, 16);
      if (n === 0) {
        this.chunkLeft = 0;
        continue;
      }
      if (this.size + n > this.maxBody) return this.tooBig();
      this.chunkLeft = n + 2;
    }
    this.buf = i < s.length ? s.slice(i) : '';
  }

  private add(piece: string): void {
    if (piece === '') return;
    this.parts.push(piece);
    this.size += piece.length;
  }

  private tooBig(): void {
    this.finish(`response body larger than ${this.maxBody} bytes`, null);
  }

  private done(): void {
    const body = this.parts.length === 1 ? this.parts[0]! : this.parts.join('');
    this.parts = [];
    this.finish(null, { status: this.status, reason: this.reason, headers: this.headers ?? new Map(), body, url: formatUrl(this.url) });
  }
}

interface Request {
  exchange: Exchange | null;
  deadline: number | null;
  redirects: number;
  done: boolean;
  callback: HttpCallback;
  options: HttpGetOptions;
}

export class HttpClient {
  /** Live exchanges by TCP connection id. */
  private readonly byConn = new Map<number, { req: Request; ex: Exchange }>();

  constructor(
    private readonly net: NetHal,
    private readonly timers: DnsTimers,
    private readonly resolver: DnsResolver,
    private readonly userAgent = 'quip',
  ) {}

  /** Fetches `url`; the callback runs exactly once, never inside this call. */
  get(url: string, callback: HttpCallback, options: HttpGetOptions = {}): void {
    const req: Request = { exchange: null, deadline: null, redirects: 0, done: false, callback, options };
    const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    req.deadline = this.timers.after(timeoutMs, () => {
      req.deadline = null;
      this.end(req, `timed out after ${timeoutMs} ms`, null);
    });
    // Even a bad URL answers later, so callers see one code path.
    this.timers.after(0, () => this.start(req, url));
  }

  /** Takes tcp_* events for this client's connections; false for anything else. */
  handleEvent(ev: HalEvent): boolean {
    if (ev.type !== 'tcp_connected' && ev.type !== 'tcp_data' && ev.type !== 'tcp_closed') return false;
    const entry = this.byConn.get(ev.conn);
    if (entry === undefined) return false;
    const { req, ex } = entry;
    if (ev.type === 'tcp_connected') {
      const u = ex.url;
      const host = isIpv6(u.host) ? `[${u.host}]` : u.host;
      let head = `GET ${u.path} HTTP/1.1\r\nHost: ${host}${u.port === 80 ? '' : ':' + u.port}\r\nUser-Agent: ${this.userAgent}\r\nConnection: close\r\n`;
      for (const [k, v] of Object.entries(req.options.headers ?? {})) head += `${k}: ${v}\r\n`;
      if (!this.net.tcpWrite(ev.conn, head + '\r\n')) this.end(req, 'could not send the request', null);
    } else if (ev.type === 'tcp_data') {
      ex.data(ev.data);
    } else {
      this.byConn.delete(ev.conn);
      ex.conn = -1;
      ex.closed(ev.error);
    }
    return true;
  }

  private start(req: Request, url: string): void {
    if (req.done) return;
    let u: HttpUrl;
    try {
      u = parseHttpUrl(url);
    } catch (e) {
      return this.end(req, (e as Error).message, null);
    }
    const connect = (address: string): void => {
      if (req.done) return;
      const ex = new Exchange(u, req.options.maxBodyBytes ?? DEFAULT_MAX_BODY, (error, res) => this.answered(req, ex, error, res));
      req.exchange = ex;
      ex.conn = this.net.tcpConnect(address, u.port);
      this.byConn.set(ex.conn, { req, ex });
    };
    if (isIpv4(u.host) || isIpv6(u.host)) return connect(u.host);
    this.resolver.query(u.host, 'A', (records, error) => {
      const a = records[0];
      if (a === undefined || a.type !== 'A') return this.end(req, `cannot resolve ${u.host}: ${error ?? 'no address'}`, null);
      connect(a.address);
    });
  }

  private answered(req: Request, ex: Exchange, error: string | null, res: HttpResponse | null): void {
    if (req.done || req.exchange !== ex) return;
    this.close(ex);
    req.exchange = null;
    if (res !== null && res.status >= 300 && res.status < 400 && res.status !== 304) {
      const location = res.headers.get('location');
      if (location === undefined || location === '') return this.end(req, `HTTP ${res.status} without a Location`, null);
      if (req.redirects >= (req.options.maxRedirects ?? DEFAULT_MAX_REDIRECTS)) return this.end(req, `too many redirects (last to ${location.slice(0, 80)})`, null);
      req.redirects++;
      return this.start(req, resolveLocation(ex.url, location));
    }
    this.end(req, error, res);
  }

  private close(ex: Exchange): void {
    if (ex.conn === -1) return;
    this.byConn.delete(ex.conn);
    this.net.tcpClose(ex.conn);
    ex.conn = -1;
  }

  private end(req: Request, error: string | null, res: HttpResponse | null): void {
    if (req.done) return;
    req.done = true;
    if (req.deadline !== null) this.timers.cancel(req.deadline);
    req.deadline = null;
    if (req.exchange !== null) this.close(req.exchange);
    req.exchange = null;
    req.callback(error, res);
  }
}
