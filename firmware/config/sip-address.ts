// The SIP addresses a config holds: an account's address of record `sip:user@domain[:port]` and
// a server's `host[:port]`. Checked on their own grammar (RFC 3261 §25.1 hosts, IP literals as
// the SIP stack parses them) so that a problem is named before the phone tries to use them.
import { isIpv4, isIpv6 } from '../util/ip-literal.ts';
import { describe } from './checker.ts';

export const ACCOUNT_URI_FORM = 'sip:user@domain[:port]';
// RFC 3261 user: unreserved / escaped / user-unreserved.
const SIP_USER = /^(?:[A-Za-z0-9\-_.!~*'()&=+$,;?/]|%[0-9A-Fa-f]{2})+$/;
const HOST_LABEL = /^[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?$/;

/** A SIP URI's user part: non-empty, only the characters RFC 3261 allows. */
export function isSipUser(user: string): boolean {
  return SIP_USER.test(user);
}

function isHost(host: string): boolean {
  if (host.startsWith('[') && host.endsWith(']')) return isIpv6(host.slice(1, -1));
  if (/^[0-9.]+$/.test(host)) return isIpv4(host);
  const name = host.endsWith('.') ? host.slice(0, -1) : host;
  return name.length > 0 && name.length <= 253 && name.split('.').every((label) => HOST_LABEL.test(label));
}

/** `host[:port]` (IPv6 in brackets) split apart, or null when malformed. */
export function splitHostPort(text: string): { host: string; port: number | null } | null {
  const close = text.startsWith('[') ? text.indexOf(']') : -1;
  const colon = text.indexOf(':', close + 1);
  const host = colon < 0 ? text : text.slice(0, colon);
  const portText = colon < 0 ? null : text.slice(colon + 1);
  if (!isHost(host)) return null;
  if (portText === null) return { host, port: null };
  const port = /^\d{1,5}$/.test(portText) ? Number(portText) : NaN;
  return port >= 1 && port <= 65535 ? { host, port } : null;
}

/** What is wrong with an account URI `sip:user@host[:port]` (as an error message), or null. */
export function accountUriProblem(uri: string): string | null {
  const expected = `expected ${ACCOUNT_URI_FORM}`;
  const at = uri.lastIndexOf('@');
  const user = uri.slice(4, at);
  // A URI with a password in it is not echoed: error messages end up in logs.
  if (uri.startsWith('sip:') && user.includes(':')) return `${expected} without a password (put that in "password")`;
  const got = `${expected}, got ${describe(uri)}`;
  if (!uri.startsWith('sip:')) return `${got}, which does not start with "sip:"`;
  if (at < 0) return `${got}, which has no "@domain"`;
  if (!isSipUser(user)) return `${got}, whose user part is empty or invalid`;
  if (!splitHostPort(uri.slice(at + 1))) return `${got}, whose domain or port is invalid`;
  return null;
}
