// The Matched fields both peers fill the same way: SIP.js and JsSIP share one grammar lineage and
// the same IncomingMessage header store (headers[Name][i].parsed, cached by parseHeader).
import type { Matched } from '../vm/harness.ts';

/** The part of SIP.js's and JsSIP's IncomingMessage the matched readers use. */
export interface PeerMessage {
  getHeaders(name: string): string[];
  parseHeader(name: string, idx?: number): unknown;
}

interface PeerNameAddr {
  uri: { toString(): string };
  getParam(name: string): string | null | undefined;
}

interface PeerChallenge {
  realm?: string;
  nonce?: string;
  algorithm?: string;
}

function expiresOf(na: PeerNameAddr): number | null {
  const e = na.getParam('expires');
  return e === undefined || e === null ? null : Number(e);
}

function numberOf(v: unknown): number | null {
  return typeof v === 'number' ? v : null;
}

/** Contact, Record-Route, Content-Type, Content-Length, Max-Forwards, the auth challenge. */
export function readCommonMatched(msg: PeerMessage, out: Matched): void {
  const contacts = msg.getHeaders('contact');
  for (let i = 0; i < contacts.length; i++) {
    const na = msg.parseHeader('contact', i) as PeerNameAddr;
    out.contacts.push({ uri: String(na.uri), expires: expiresOf(na) });
  }
  const rr = msg.getHeaders('record-route');
  for (let i = 0; i < rr.length; i++) out.record_routes.push(String((msg.parseHeader('record-route', i) as PeerNameAddr).uri));
  const ct = msg.parseHeader('content-type');
  out.content_type = typeof ct === 'string' ? ct.toLowerCase() : null;
  out.content_length = numberOf(msg.parseHeader('content-length'));
  out.max_forwards = numberOf(msg.parseHeader('max-forwards'));
  const ch = (msg.parseHeader('www-authenticate') ?? msg.parseHeader('proxy-authenticate')) as PeerChallenge | undefined;
  out.challenge = ch ? { realm: ch.realm ?? null, nonce: ch.nonce ?? null, algorithm: ch.algorithm ?? null } : null;
}

export function referToOf(msg: PeerMessage): string | null {
  const r = msg.parseHeader('refer-to') as PeerNameAddr | undefined;
  return r ? String(r.uri) : null;
}
