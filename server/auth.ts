// Digest authentication for the registrar (401 / WWW-Authenticate) and the proxy
// (407 / Proxy-Authenticate): challenges with fresh nonces, and checking an answer against
// the users file and the nonce store.

import { createHash, randomBytes } from 'node:crypto';
import { formatCredentials, parseNc, verifyAuthorization } from '../firmware/sip/index.ts';
import type { Credentials, DigestAlgorithm, DigestHash, SipMessage } from '../firmware/sip/index.ts';
import type { Peer } from '../firmware/sip/transport/index.ts';
import type { AuthThrottle } from './auth-throttle.ts';
import type { NonceStore } from './nonces.ts';
import type { LabUser, UserDirectory } from './users.ts';

export type CredentialsHeader = 'Authorization' | 'Proxy-Authorization';

/**
 * What came of checking a request's credentials:
 *   ok        the user proved the password
 *   missing   no credentials for our realm: challenge
 *   stale     right password, old or unknown nonce: challenge with stale=true
 *   replay    a nonce count already used: challenge again (stale=false)
 *   forbidden wrong password, an unknown user, or credentials of another user: 403
 *   blocked   the source failed too often lately (auth-throttle.ts): 403, nothing computed
 */
export type AuthResult =
  | { ok: true; user: LabUser; credentials: Credentials }
  | { ok: false; why: 'missing' | 'stale' | 'replay' | 'forbidden' | 'blocked'; detail: string };

export const nodeDigestHash: DigestHash = (algorithm: DigestAlgorithm, data: string) =>
  createHash(algorithm === 'MD5' ? 'md5' : 'sha256').update(Buffer.from(data, 'latin1')).digest('hex');

/** Offered in this order: RFC 8760 says the preferred algorithm goes first. */
export const DIGEST_ALGORITHMS: readonly DigestAlgorithm[] = ['SHA-256', 'MD5'];

export class DigestAuth {
  /** Hash computations made checking credentials: the same for every kind of failure. */
  digestWork = 0;
  /** Checked for users the lab does not know, so they cost what a wrong password costs. */
  private readonly dummyPassword = randomBytes(16).toString('hex');
  private readonly countedHash: DigestHash;

  constructor(
    readonly realm: string,
    private readonly users: UserDirectory,
    private readonly nonces: NonceStore,
    private readonly hash: DigestHash = nodeDigestHash,
    /** The challenges offered, most preferred first (see LabServerOptions.digestAlgorithms). */
    private readonly algorithms: readonly DigestAlgorithm[] = DIGEST_ALGORITHMS,
    /** Refuses sources that failed too often; none = no limit. */
    private readonly throttle: AuthThrottle | null = null,
  ) {
    this.countedHash = (algorithm, data) => {
      this.digestWork++;
      return this.hash(algorithm, data);
    };
  }

  /** Challenge header values, one per algorithm, sharing one nonce. */
  challenges(stale = false): string[] {
    const nonce = this.nonces.issue();
    return this.algorithms.map((algorithm) => {
      const params = new Map<string, string>([
        ['realm', this.realm],
        ['nonce', nonce],
        ['algorithm', algorithm],
        ['qop', 'auth'],
      ]);
      if (stale) params.set('stale', 'true');
      return formatCredentials({ scheme: 'Digest', params }, 'challenge');
    });
  }

  /**
   * Checks the request's credentials for our realm; `expected` is the user they must be for,
   * undefined when the lab knows no such user. An unknown user is challenged and refused
   * exactly like a wrong password, with the same digest work, so neither the answers nor
   * their timing tell a scanner (sipvicious svwar) which users exist.
   */
  check(req: SipMessage, header: CredentialsHeader, expected: LabUser | undefined, source: Peer): AuthResult {
    if (this.throttle?.blocked(source.address, source.port) === true) return { ok: false, why: 'blocked', detail: 'too many failed authentications' };
    const ours = req.auth(header).filter((c) => c.scheme.toLowerCase() === 'digest' && c.params.get('realm') === this.realm);
    const c = ours[0];
    if (c === undefined) return { ok: false, why: 'missing', detail: 'no credentials' };
    const username = c.params.get('username') ?? '';
    const user = this.users.byUser(username);
    const match = expected !== undefined && user === expected;
    const verified = verifyAuthorization({
      credentials: c, method: req.method, hash: this.countedHash, password: match ? expected.password : this.dummyPassword,
      requestUri: req.uri, realm: this.realm, body: req.body,
    });
    if (!match || !verified) {
      this.throttle?.failed(source.address, source.port);
      return { ok: false, why: 'forbidden', detail: match ? `wrong password for ${expected.user}` : `credentials of "${username}" used for ${expected?.user ?? 'an unknown user'}` };
    }
    // The digest is right; only now does the nonce's freshness matter (see nonces.ts).
    const nc = c.params.has('qop') ? parseNc(c.params.get('nc') ?? '') : null;
    const verdict = this.nonces.check(c.params.get('nonce') ?? '', nc);
    if (verdict === 'ok') return { ok: true, user: expected, credentials: c };
    if (verdict === 'replay') return { ok: false, why: 'replay', detail: 'nonce count reused' };
    return { ok: false, why: 'stale', detail: `${verdict} nonce` };
  }
}

/**
 * Removes the credentials for `realm` once they are checked: they were for us, and the next
 * hop has no use for them (RFC 3261 §22.3 lets a proxy consume its own).
 */
export function consumeCredentials(req: SipMessage, header: CredentialsHeader, realm: string): void {
  const lines = req.headers.filter((h) => h.name === header).map((h) => h.value);
  const parsed = req.auth(header);
  const keep = lines.filter((_, i) => parsed[i]?.params.get('realm') !== realm);
  if (keep.length === lines.length) return;
  req.remove(header);
  for (const v of keep) req.add(header, v);
}
