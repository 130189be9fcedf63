// HTTP Digest for SIP (RFC 2617, RFC 7616, RFC 3261 §22 and §26.3.2.4, RFC 8760): choosing a
// challenge, answering it, and checking an answer. Hashing is injected (CryptoHal on the
// phone, node:crypto on the lab server) so this module stays plain ES2020.
//
// Every hash input is a UTF-8 byte string: header text is decoded text in SipMessage, so it is
// encoded here; a message body is already octets and is hashed as is.

import { encodeUtf8 } from '../util/utf8.ts';
import { parseUri } from './uri.ts';
import { uriEquals } from './uri-compare.ts';
import type { Credentials } from './types.ts';

/** The hash functions Digest needs. */
export type DigestAlgorithm = 'MD5' | 'SHA-256';

/** Lower-case hex digest of a byte string. */
export type DigestHash = (algorithm: DigestAlgorithm, data: string) => string;

export type Qop = 'auth' | 'auth-int';

/** An `algorithm` token understood here (RFC 7616 §3.3, names compared case-insensitively). */
export interface AlgorithmSpec {
  /** Canonical spelling, as written back in credentials. */
  name: 'MD5' | 'MD5-sess' | 'SHA-256' | 'SHA-256-sess';
  hash: DigestAlgorithm;
  /** `-sess`: HA1 also covers nonce and cnonce (RFC 7616 §3.4.2). */
  sess: boolean;
}

const ALGORITHMS: readonly AlgorithmSpec[] = [
  { name: 'SHA-256', hash: 'SHA-256', sess: false },
  { name: 'SHA-256-sess', hash: 'SHA-256', sess: true },
  { name: 'MD5', hash: 'MD5', sess: false },
  { name: 'MD5-sess', hash: 'MD5', sess: true },
];

/** The algorithm named by a token; absent means MD5 (RFC 2617 §3.2.1). Null when unknown. */
export function parseAlgorithm(token: string | undefined): AlgorithmSpec | null {
  if (token === undefined) return ALGORITHMS[2]!;
  const t = token.toLowerCase();
  for (const a of ALGORITHMS) if (a.name.toLowerCase() === t) return a;
  return null;
}

/** The qop options of a challenge (a comma-separated list), lower case. */
export function qopOptions(challenge: Credentials): string[] {
  const v = challenge.params.get('qop');
  if (v === undefined) return [];
  return v.split(',').map((s) => s.trim().toLowerCase()).filter((s) => s.length > 0);
}

/** The qop this module answers a challenge with: auth if offered, else auth-int; null = RFC 2069 style. */
function chooseQop(challenge: Credentials): Qop | null | undefined {
  const offered = qopOptions(challenge);
  if (!challenge.params.has('qop')) return null;
  if (offered.indexOf('auth') !== -1) return 'auth';
  if (offered.indexOf('auth-int') !== -1) return 'auth-int';
  return undefined; // only qop values we do not know: unusable
}

/** Why a challenge cannot be answered, or null when it can. */
function challengeProblem(c: Credentials): string | null {
  if (c.scheme.toLowerCase() !== 'digest') return `scheme ${c.scheme} is not Digest`;
  if (!c.params.has('realm')) return 'no realm';
  if (!c.params.get('nonce')) return 'no nonce';
  const alg = parseAlgorithm(c.params.get('algorithm'));
  if (alg === null) return `unknown algorithm ${c.params.get('algorithm')}`;
  const qop = chooseQop(c);
  if (qop === undefined) return `no supported qop in "${c.params.get('qop')}"`;
  // -sess needs a cnonce, which is only sent with qop (RFC 2617 §3.2.2)
  if (alg.sess && qop === null) return `${alg.name} without qop`;
  return null;
}

/** Rank for choosing among challenges: lower is better (SHA-256 before MD5, plain before -sess). */
function rank(c: Credentials): number {
  return ALGORITHMS.indexOf(parseAlgorithm(c.params.get('algorithm'))!);
}

/**
 * The challenge to answer among several (one per WWW-/Proxy-Authenticate line): usable Digest
 * only, the strongest algorithm winning, the first offered on a tie. RFC 8760 §2.4 says to use
 * the topmost supported one "unless a local policy dictates otherwise": challenges are not
 * integrity-protected, so honouring their order lets an on-path attacker downgrade to MD5 (§3).
 */
export function pickChallenge(challenges: readonly Credentials[]): Credentials | null {
  let best: Credentials | null = null;
  for (const c of challenges) {
    if (challengeProblem(c) !== null) continue;
    if (best === null || rank(c) < rank(best)) best = c;
  }
  return best;
}

/**
 * One challenge per realm, in first-seen order: a forked request can come back with
 * challenges from several proxies, and the retry must answer each (RFC 3261 §22.3).
 */
export function pickChallenges(challenges: readonly Credentials[]): Credentials[] {
  const realms: string[] = [];
  for (const c of challenges) {
    const realm = c.params.get('realm');
    if (realm !== undefined && realms.indexOf(realm) === -1) realms.push(realm);
  }
  const out: Credentials[] = [];
  for (const realm of realms) {
    const best = pickChallenge(challenges.filter((c) => c.params.get('realm') === realm));
    if (best !== null) out.push(best);
  }
  return out;
}

/** stale=true: the nonce expired but the password was right; retry without asking the user. */
export function isStale(challenge: Credentials): boolean {
  return (challenge.params.get('stale') ?? '').toLowerCase() === 'true';
}

/** nc as sent on the wire: 8 lower-case hex digits. */
export function formatNc(nc: number): string {
  if (!Number.isInteger(nc) || nc < 1 || nc > 0xffffffff) throw new RangeError(`nonce count ${nc} out of range`);
  return ('0000000' + nc.toString(16)).slice(-8);
}

/** The number in an nc value, or null unless it is exactly 8 hex digits (RFC 7616 §3.4). */
export function parseNc(text: string): number | null {
  return /^[0-9a-fA-F]{8}$/.test(text) ? parseInt(text, 16) : null;
}

/** Hex of random octets (a byte string, e.g. CryptoHal.randomBytes(16)), for a cnonce. */
export function toHex(bytes: string): string {
  let out = '';
  for (let i = 0; i < bytes.length; i++) out += ('0' + (bytes.charCodeAt(i) & 0xff).toString(16)).slice(-2);
  return out;
}

export interface Ha1Input {
  hash: DigestHash;
  algorithm: DigestAlgorithm;
  username: string;
  realm: string;
  password: string;
}

/** HA1 = H(username ":" realm ":" password), what a server may store instead of the password. */
export function ha1(p: Ha1Input): string {
  return p.hash(p.algorithm, encodeUtf8(`${p.username}:${p.realm}:${p.password}`));
}

export interface ResponseInput {
  hash: DigestHash;
  /** The `algorithm` token; absent means MD5. */
  algorithm?: string;
  /** The plain HA1 (see ha1()); -sess folding happens here. */
  ha1: string;
  nonce: string;
  method: string;
  /** The digest-uri: in SIP the Request-URI (RFC 3261 §22.4). */
  uri: string;
  /** null or absent: RFC 2069 compatibility, no nc/cnonce. */
  qop?: string | null;
  /** 8 hex digits exactly as sent; required with qop. */
  nc?: string;
  /** Required with qop and with -sess. */
  cnonce?: string;
  /** The message body as octets; hashed for auth-int (empty when absent). */
  body?: string;
}

/** The `response` value (RFC 7616 §3.4.1). Throws Error on inputs that cannot make one. */
export function computeResponse(p: ResponseInput): string {
  const alg = parseAlgorithm(p.algorithm);
  if (alg === null) throw new Error(`unknown digest algorithm ${p.algorithm}`);
  const H = (data: string): string => p.hash(alg.hash, data);
  const qop = p.qop === undefined || p.qop === null ? null : p.qop;
  const qopLower = qop === null ? null : qop.toLowerCase();
  if (qopLower !== null && qopLower !== 'auth' && qopLower !== 'auth-int') throw new Error(`unknown qop ${qop}`);
  if ((qop !== null || alg.sess) && !p.cnonce) throw new Error('cnonce required');
  if (qop !== null && (p.nc === undefined || parseNc(p.nc) === null)) throw new Error('nc must be 8 hex digits');

  const a1 = alg.sess ? H(encodeUtf8(`${p.ha1}:${p.nonce}:${p.cnonce}`)) : p.ha1;
  // auth-int: the body hash is over the octets as sent, so no UTF-8 encoding
  const a2 = qopLower === 'auth-int' ? `${p.method}:${p.uri}:${H(p.body ?? '')}` : `${p.method}:${p.uri}`;
  const ha2 = H(encodeUtf8(a2));
  const data = qop === null ? `${p.nonce}:${ha2}` : `${p.nonce}:${p.nc}:${p.cnonce}:${qop}:${ha2}`;
  return H(encodeUtf8(`${a1}:${data}`));
}

export interface AuthorizationInput {
  /** A challenge pickChallenge() accepted. */
  challenge: Credentials;
  method: string;
  /** The Request-URI of the request being authorized. */
  uri: string;
  username: string;
  password: string;
  hash: DigestHash;
  /** Client nonce, e.g. toHex(crypto.randomBytes(16)); used only when the challenge has qop. */
  cnonce: string;
  /** Nonce count for this nonce, from NonceCounter; used only with qop. */
  nc: number;
  /** The body as octets, for auth-int. */
  body?: string;
}

/**
 * The Authorization / Proxy-Authorization credentials answering `challenge`; write them with
 * formatCredentials(c, 'credentials'). Throws Error for a challenge pickChallenge() rejects.
 */
export function buildAuthorization(p: AuthorizationInput): Credentials {
  const ch = p.challenge;
  const problem = challengeProblem(ch);
  if (problem !== null) throw new Error(`unusable digest challenge: ${problem}`);
  const alg = parseAlgorithm(ch.params.get('algorithm'))!;
  const qop = chooseQop(ch)!;
  const realm = ch.params.get('realm')!;
  const nonce = ch.params.get('nonce')!;
  const nc = qop === null ? undefined : formatNc(p.nc);
  const cnonce = qop === null ? undefined : p.cnonce;
  const base = ha1({ hash: p.hash, algorithm: alg.hash, username: p.username, realm, password: p.password });
  const response = computeResponse({
    hash: p.hash, algorithm: alg.name, ha1: base, nonce, method: p.method, uri: p.uri, qop, nc, cnonce, body: p.body,
  });
  const params = new Map<string, string>([
    ['username', p.username],
    ['realm', realm],
    ['nonce', nonce],
    ['uri', p.uri],
    ['response', response],
    ['algorithm', alg.name],
  ]);
  if (qop !== null) params.set('cnonce', cnonce!);
  const opaque = ch.params.get('opaque');
  if (opaque !== undefined) params.set('opaque', opaque); // returned unchanged (RFC 7616 §3.4)
  if (qop !== null) {
    params.set('qop', qop);
    params.set('nc', nc!);
  }
  return { scheme: 'Digest', params };
}

interface VerifyCommon {
  /** Parsed Authorization / Proxy-Authorization. */
  credentials: Credentials;
  method: string;
  hash: DigestHash;
  /** The body as octets, for auth-int. */
  body?: string;
  /** When given, the credentials' uri must match it (RFC 7616 §3.4.6), else a captured answer
   * for one request could be replayed on another. */
  requestUri?: string;
  /** When given, the credentials' realm must be exactly this. */
  realm?: string;
}

export type VerifyInput = VerifyCommon & ({ password: string; ha1?: undefined } | { ha1: string; password?: undefined });

/**
 * True when the credentials prove knowledge of the password. Never throws: malformed
 * credentials are just false. Nonce freshness and nc replay are the caller's (NonceStore).
 */
export function verifyAuthorization(v: VerifyInput): boolean {
  const c = v.credentials;
  if (c.scheme.toLowerCase() !== 'digest') return false;
  const username = c.params.get('username');
  const realm = c.params.get('realm');
  const nonce = c.params.get('nonce');
  const uri = c.params.get('uri');
  const response = c.params.get('response');
  if (username === undefined || realm === undefined || !nonce || uri === undefined || !response) return false;
  if (v.realm !== undefined && realm !== v.realm) return false;
  if (v.requestUri !== undefined && !sameUri(uri, v.requestUri)) return false;
  const alg = parseAlgorithm(c.params.get('algorithm'));
  if (alg === null) return false;
  const qop = c.params.get('qop') ?? null;
  const nc = c.params.get('nc');
  const cnonce = c.params.get('cnonce');
  // qop brings nc and cnonce; without qop neither may appear (RFC 2617 §3.2.2)
  if (qop !== null && (nc === undefined || parseNc(nc) === null || !cnonce)) return false;
  if (qop === null && (nc !== undefined || cnonce !== undefined || alg.sess)) return false;
  const base = v.ha1 !== undefined
    ? v.ha1.toLowerCase()
    : ha1({ hash: v.hash, algorithm: alg.hash, username, realm, password: v.password });
  let expected: string;
  try {
    expected = computeResponse({
      hash: v.hash, algorithm: alg.name, ha1: base, nonce, method: v.method, uri, qop, nc, cnonce, body: v.body,
    });
  } catch {
    return false;
  }
  return constantTimeEqual(expected, response.toLowerCase());
}

/** The digest-uri names the Request-URI: compared as URIs, or as text when either will not parse. */
function sameUri(a: string, b: string): boolean {
  if (a === b) return true;
  try {
    return uriEquals(parseUri(a), parseUri(b));
  } catch {
    return false;
  }
}

/** Compares without an early exit, so timing does not reveal how many leading digits matched. */
export function constantTimeEqual(a: string, b: string): boolean {
  if (a.length !== b.length) return false; // digest lengths are public
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a.charCodeAt(i) ^ b.charCodeAt(i);
  return diff === 0;
}

/**
 * Client nonce counts (RFC 7616 §3.4: nc counts the requests sent with one nonce). Remembers
 * a few recent nonces, as a registrar and an outbound proxy may each have one in play.
 */
export class NonceCounter {
  private readonly counts = new Map<string, number>();

  constructor(private readonly capacity = 8) {}

  /** The nc for the next request using `nonce`: 1 for a new nonce, then 2, 3, ... (formatNc()
   * refuses past 2^32 - 1; a server issues a new nonce long before.) */
  next(nonce: string): number {
    const n = (this.counts.get(nonce) ?? 0) + 1;
    this.counts.delete(nonce); // re-insert so Map order is least recently used first
    this.counts.set(nonce, n);
    while (this.counts.size > this.capacity) this.counts.delete(this.counts.keys().next().value!);
    return n;
  }

  /** Drops a nonce, e.g. after the server called it stale. */
  forget(nonce: string): void {
    this.counts.delete(nonce);
  }
}
