// The lab SIP server: registrar, forking proxy and redirect server on the firmware's own
// transport and transaction layer (startNodeSipStack), so the phone and its lab share code.

import { Voicemail } from './voicemail.ts';
import { randomBytes } from 'node:crypto';
import type { DigestAlgorithm, SipClock } from '../firmware/sip/index.ts';
import type { TimerConfig, TransactionUser } from '../firmware/sip/transaction/index.ts';
import { DigestAuth } from './auth.ts';
import { AuthThrottle } from './auth-throttle.ts';
import type { ExchangeEnv } from './exchange.ts';
import { LocalIdentity } from './identity.ts';
import { LocationService } from './location.ts';
import { JsonFileStore } from './location-store.ts';
import { startNodeSipStack } from './node-sip-stack.ts';
import type { NodeSipStack } from './node-sip-stack.ts';
import { NonceStore } from './nonces.ts';
import { StatefulProxy } from './proxy.ts';
import { LabRouter } from './router.ts';
import type { LabMode } from './router.ts';
import type { UserDirectory } from './users.ts';

export type { LabMode } from './router.ts';

/** Bounds that keep a flood from exhausting memory, and the registrar's expiry rules. */
export interface LabLimits {
  /** Live transactions; past it requests get 503 (default 4096). */
  maxTransactions: number;
  /** Contacts per AOR (default 10) and bindings overall (default 10,000). */
  maxBindingsPerAor: number;
  maxBindings: number;
  /** Outstanding digest nonces (default 10,000) and how long one is good (default 5 min). */
  maxNonces: number;
  nonceLifetimeMs: number;
  /** REGISTER expiry in seconds: below min → 423, above max → clamped, absent → default. */
  minExpires: number;
  maxExpires: number;
  defaultExpires: number;
  /** Timer C: how long a branch may ring before the proxy cancels it (default 3 min). */
  timerCMs: number;
  /** How often expired bindings and nonces are swept (default 60 s). */
  sweepMs: number;
  /**
   * Failed authentications (wrong password, unknown user) allowed per window from one
   * address:port (default 10) and from one address, any port (default 100); past either the
   * source gets 403 with no digest computed for authBlockMs. 0 = no limit.
   */
  authFailures: number;
  authFailuresPerAddress: number;
  /** Default 60 s each. */
  authFailureWindowMs: number;
  authBlockMs: number;
}

export const DEFAULT_LIMITS: LabLimits = {
  maxTransactions: 4096,
  maxBindingsPerAor: 10,
  maxBindings: 10_000,
  maxNonces: 10_000,
  nonceLifetimeMs: 5 * 60_000,
  minExpires: 60,
  maxExpires: 7200,
  defaultExpires: 3600,
  timerCMs: 3 * 60_000 + 1000, // RFC 3261 §16.6 step 11: greater than 3 minutes
  sweepMs: 60_000,
  authFailures: 10,
  authFailuresPerAddress: 100,
  authFailureWindowMs: 60_000,
  authBlockMs: 60_000,
};

export interface LabServerOptions {
  /** UDP port, and TCP with `tcp`; 0 = any free port. */
  port: number;
  tcp?: boolean;
  /** Default 127.0.0.1; '0.0.0.0' for every interface. */
  bindAddress?: string;
  /** The address written in Via and Record-Route (default: the bind address, or 127.0.0.1). */
  advertisedAddress?: string;
  users: UserDirectory;
  mode?: LabMode;
  /** More host names the server answers for; the first is the realm if the users file names no domain. */
  domain?: string | readonly string[];
  /** Where registrations persist; none = memory only. */
  locationFile?: string;
  /** Timers (tests pass a FakeClock; the sockets stay real). */
  clock?: SipClock;
  /** Wall-clock ms for binding expiry; default follows `clock` from the current time. */
  now?: () => number;
  /** One line per transaction, plus warnings. */
  log?: (line: string) => void;
  limits?: Partial<LabLimits>;
  /** Transaction timers (T1, T2, T4). */
  timers?: Partial<TimerConfig>;
  /**
   * Digest algorithms challenged with, most preferred first (default SHA-256, MD5). ['MD5'] is
   * for clients that fail on any challenge they cannot compute instead of using the one they
   * can, as RFC 8760 §2.4 asks: baresip 1.x (libre < 2.0) gives up with ENOSYS on SHA-256.
   */
  digestAlgorithms?: readonly DigestAlgorithm[];
}

export interface LabServer {
  /** The bound port (UDP, and TCP when on). */
  readonly port: number;
  /** The advertised address. */
  readonly address: string;
  /** Realm and canonical host of every AOR. */
  readonly domain: string;
  readonly mode: LabMode;
  readonly tcp: boolean;
  readonly location: LocationService;
  /** Outstanding digest nonces (bounded by limits.maxNonces). */
  readonly nonces: NonceStore;
  /** Digest challenges and checks (digestWork counts the hashing). */
  readonly auth: DigestAuth;
  /** Sources refused after failed authentications. */
  readonly authThrottle: AuthThrottle;
  readonly identity: LocalIdentity;
  readonly stack: NodeSipStack;
  readonly proxy: StatefulProxy;
  /** The message-summary notifier: setMessages(user, new, old) lights phones' message LEDs. */
  readonly voicemail: Voicemail;
  /** Stops the sockets and timers and saves the registrations. */
  close(): void;
}

export const DEFAULT_DOMAIN = 'lab.example';

export async function startLabServer(o: LabServerOptions): Promise<LabServer> {
  const limits: LabLimits = { ...DEFAULT_LIMITS, ...o.limits };
  const log = o.log ?? (() => {});
  const extraHosts = o.domain === undefined ? [] : typeof o.domain === 'string' ? [o.domain] : [...o.domain];
  const domain = o.users.domain ?? extraHosts[0] ?? DEFAULT_DOMAIN;
  const mode = o.mode ?? 'proxy';

  // The router needs the stack and the stack needs a TU: hand it a forwarder, fill it in after.
  let router: LabRouter | null = null;
  const tu: TransactionUser = {
    onRequest: (req, tx, source) => router?.onRequest(req, tx, source),
    onAck: (ack, source) => router?.onAck(ack, source),
    onCancel: (invite, cancel) => router?.onCancel(invite, cancel),
    onStrayResponse: (res) => router?.onStrayResponse(res),
  };
  const stack = await startNodeSipStack({
    port: o.port,
    tcp: o.tcp === true,
    bindAddress: o.bindAddress ?? '127.0.0.1',
    ...(o.advertisedAddress !== undefined ? { advertisedAddress: o.advertisedAddress } : {}),
    ...(o.clock !== undefined ? { clock: o.clock } : {}),
    layer: { maxTransactions: limits.maxTransactions, ...(o.timers ? { timers: o.timers } : {}) },
  }, tu);
  const clock = stack.clock;
  const epoch = Date.now() - clock.now();
  const now = o.now ?? (() => epoch + clock.now());

  let location: LocationService;
  const locationOptions = { maxPerAor: limits.maxBindingsPerAor, maxTotal: limits.maxBindings, onError: (m: string) => log(`warning: saving registrations: ${m}`) };
  if (o.locationFile !== undefined) {
    const restored = LocationService.restore(new JsonFileStore(o.locationFile), now(), locationOptions);
    for (const w of restored.warnings) log(`warning: ${w}`);
    location = restored.service;
  } else {
    location = new LocationService(locationOptions);
  }

  const identity = new LocalIdentity({
    address: stack.address,
    port: stack.port,
    bindAddress: o.bindAddress ?? '127.0.0.1',
    domain,
    extraHosts,
    users: o.users,
  });
  const nonces = new NonceStore({ now, maxEntries: limits.maxNonces, lifetimeMs: limits.nonceLifetimeMs });
  if (o.digestAlgorithms?.length === 0) throw new Error('digestAlgorithms: name at least one algorithm');
  const authThrottle = new AuthThrottle({
    maxFailures: limits.authFailures, maxFailuresPerAddress: limits.authFailuresPerAddress,
    windowMs: limits.authFailureWindowMs, blockMs: limits.authBlockMs, now, log,
  });
  const auth = new DigestAuth(domain, o.users, nonces, undefined, o.digestAlgorithms, authThrottle);
  const t1 = o.timers?.t1 ?? 500;
  const random = (): string => randomBytes(8).toString('hex');
  const env: ExchangeEnv = {
    clock, now, log, random,
    sendResponse: (res, source) => stack.transport.sendResponse(res, source),
  };
  const proxy = new StatefulProxy({
    layer: stack.layer, transport: stack.transport, clock, identity, timerCMs: limits.timerCMs, cancelGuardMs: 64 * t1, random,
  });
  const voicemail = new Voicemail(stack.layer, clock, identity);
  router = new LabRouter({
    env, layer: stack.layer, transport: stack.transport, identity, users: o.users, location, auth, proxy, mode, voicemail,
    expires: { minExpires: limits.minExpires, maxExpires: limits.maxExpires, defaultExpires: limits.defaultExpires },
  });

  // Expired bindings and nonces would otherwise linger until their AOR is used again.
  let sweep = -1;
  const scheduleSweep = (): void => {
    sweep = clock.setTimer(limits.sweepMs, () => {
      location.expire(now());
      nonces.prune();
      authThrottle.prune();
      scheduleSweep();
    });
  };
  scheduleSweep();

  let closed = false;
  return {
    port: stack.port,
    address: stack.address,
    domain,
    mode,
    tcp: o.tcp === true,
    location,
    nonces,
    auth,
    authThrottle,
    identity,
    stack,
    proxy,
    voicemail,
    close() {
      if (closed) return;
      closed = true;
      clock.clearTimer(sweep);
      voicemail.close();
      stack.close();
      const saved = location.close();
      if (!saved.ok) log(`warning: saving registrations: ${saved.error}`);
    },
  };
}
