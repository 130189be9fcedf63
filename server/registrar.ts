// The registrar (RFC 3261 §10.3): authenticates a REGISTER, settles each Contact's expiry,
// applies it to the location service atomically, persists it, and answers 200 with every
// binding the address-of-record now has.

import { unquote } from '../firmware/sip/index.ts';
import type { Contact } from '../firmware/sip/index.ts';
import type { Peer } from '../firmware/sip/transport/index.ts';
import type { DigestAuth } from './auth.ts';
import type { Exchange } from './exchange.ts';
import type { LocalIdentity } from './identity.ts';
import { secondsLeft } from './location.ts';
import type { Binding, ContactChange, LocationService } from './location.ts';
import type { UserDirectory } from './users.ts';

export interface ExpiresPolicy {
  /** Below this (and not 0) a REGISTER gets 423 Interval Too Brief. */
  minExpires: number;
  /** Longer requests are shortened to this. */
  maxExpires: number;
  /** When neither the Contact nor the request says. */
  defaultExpires: number;
}

export interface RegistrarDeps {
  users: UserDirectory;
  identity: LocalIdentity;
  location: LocationService;
  auth: DigestAuth;
  expires: ExpiresPolicy;
  /** Wall-clock milliseconds (bindings outlive the process). */
  now(): number;
}

export function handleRegister(d: RegistrarDeps, ex: Exchange): void {
  const req = ex.req;
  const required = req.require();
  if (required.length > 0) {
    ex.reply(420, 'Bad Extension', [['Unsupported', required.join(', ')]]);
    return;
  }
  // §10.3 steps 3-4: only the user may change its bindings. A wrong password is final (403):
  // a phone with a typo then shows an error instead of looping on 401s. A user we do not know
  // is challenged and refused the same way (no 404: that would let a scanner list the users).
  const user = d.users.resolve(req.to()!.uri, (h) => d.identity.servesHost(h));
  const auth = d.auth.check(req, 'Authorization', user, ex.source);
  if (!auth.ok) {
    if (auth.why === 'forbidden' || auth.why === 'blocked') ex.reply(403, 'Forbidden');
    else ex.reply(401, 'Unauthorized', d.auth.challenges(auth.why === 'stale').map((c) => ['WWW-Authenticate', c] as const));
    return;
  }

  const changes = contactChanges(req.contactIsWildcard(), req.contacts(), req.expires(), d.expires);
  if (typeof changes === 'string' && changes !== '*') {
    ex.reply(400, changes);
    return;
  }
  if (typeof changes === 'number') {
    ex.reply(423, 'Interval Too Brief', [['Min-Expires', String(changes)]]);
    return;
  }

  const aor = d.users.aorOf(auth.user, d.identity.domain);
  const now = d.now();
  const result = d.location.update(aor, {
    now,
    callId: req.callId()!,
    cseq: req.cseq()!.seq,
    contacts: changes,
    received: receivedFrom(ex.source),
    userAgent: req.get('User-Agent') ?? null,
  });
  if (!result.ok) {
    switch (result.error) {
      case 'out-of-order':
        ex.reply(500, 'Server Internal Error', [['Warning', `399 lab "${result.message}"`]]);
        return;
      case 'too-many-bindings':
        ex.reply(403, 'Too Many Contacts');
        return;
      case 'full':
        ex.reply(503, 'Service Unavailable', [['Retry-After', '60']]);
        return;
      default:
        ex.reply(400, 'Bad Contact');
        return;
    }
  }
  // Persist before saying yes, so a restart never forgets a registration we confirmed.
  const flushed = d.location.flush();
  if (!flushed.ok) {
    ex.reply(500, 'Server Internal Error', [['Warning', `399 lab "cannot save registrations"`]]);
    return;
  }
  const headers: Array<[string, string]> = result.bindings.map((b) => ['Contact', contactValue(b, now)]);
  headers.push(['Date', new Date(now).toUTCString()]);
  ex.reply(200, 'OK', headers);
}

/**
 * The REGISTER's Contacts with their settled expiry; '*' for remove-all; a number = the
 * Min-Expires to answer 423 with; a string = why the request is bad (400).
 */
export function contactChanges(
  wildcard: boolean, contacts: readonly Contact[], requestExpires: number | undefined, p: ExpiresPolicy,
): readonly ContactChange[] | '*' | number | string {
  if (wildcard) {
    // §10.3 step 6: '*' only with Expires: 0
    return requestExpires === 0 ? '*' : 'Contact * needs Expires: 0';
  }
  const out: ContactChange[] = [];
  for (const c of contacts) {
    const asked = c.expires ?? requestExpires ?? p.defaultExpires;
    if (asked !== 0 && asked < p.minExpires) return p.minExpires;
    const instance = c.params.get('+sip.instance');
    const regId = c.params.get('reg-id');
    out.push({
      contact: c.uriText,
      expires: Math.min(asked, p.maxExpires),
      q: c.q,
      instance: typeof instance === 'string' ? unquote(instance) : null,
      regId: typeof regId === 'string' && /^[0-9]{1,9}$/.test(regId) ? Number(regId) : null,
    });
  }
  return out;
}

/** A binding as a 200 OK Contact: `<uri>;expires=left[;q=..]`. */
export function contactValue(b: Binding, now: number): string {
  let v = `<${b.contact}>;expires=${secondsLeft(b, now)}`;
  if (b.q !== null) v += `;q=${b.q}`;
  if (b.instance !== null) v += `;+sip.instance="${b.instance}"`;
  if (b.regId !== null) v += `;reg-id=${b.regId}`;
  return v;
}

function receivedFrom(p: Peer): { transport: string; address: string; port: number } {
  return { transport: p.transport, address: p.address, port: p.port };
}
