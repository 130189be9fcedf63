// What the user-agent parts share: the stack, the HAL, timers, identity helpers.

import type { AccountConfig, Hal } from '../../hal/contract.ts';
import type { EventRouter } from '../util/event-router.ts';
import type { Timers } from '../util/timers.ts';
import type { SipUri } from '../sip/index.ts';
import { parseUri, isSipUri } from '../sip/index.ts';
import type { PhoneSipStack } from './sip-stack.ts';
import { targetFromHostPort } from './server-locator.ts';

/** "host[:port]" (IPv6 in brackets) from the account settings; null when absent or bad. */
function hostPort(text: string | undefined): { host: string; port: number | null } | null {
  const t = text === undefined || text === '' ? null : targetFromHostPort(text);
  return t === null ? null : { host: t.host, port: t.port };
}

export interface UaContext {
  hal: Hal;
  /** Where the UA's sockets and DNS queries register, so their events come back to it. */
  events: EventRouter;
  timers: Timers;
  stack: PhoneSipStack;
  /** Control/diagnostic events (registered, call_state, ...). */
  emit(event: { event: string; [k: string]: unknown }): void;
  userAgent: string;
}

/** An account as the UA uses it: the AOR parsed, the registrar split. */
export interface Account {
  config: AccountConfig;
  aor: SipUri;
  user: string;
  domain: string;
  /** Where REGISTERs go: host and port or null. */
  registrarHost: string;
  registrarPort: number | null;
  /** Where every request goes first; the registrar unless an outbound proxy is set. */
  proxyHost: string;
  proxyPort: number | null;
  password: string;
  displayName: string | null;
}

export function toAccount(config: AccountConfig): Account | null {
  let aor;
  try {
    aor = parseUri(config.uri);
  } catch {
    return null;
  }
  if (!isSipUri(aor) || aor.user === null) return null;
  const registrar = hostPort(config.registrar) ?? { host: aor.host, port: aor.port };
  const proxy = hostPort(config.outboundProxy) ?? registrar;
  return {
    config,
    aor,
    user: aor.user,
    domain: aor.host,
    registrarHost: registrar.host,
    registrarPort: registrar.port,
    proxyHost: proxy.host,
    proxyPort: proxy.port,
    password: config.password,
    displayName: config.displayName ?? null,
  };
}

/** "sip:alice@lab.example" without params, for To/From. */
export function aorText(a: Account): string {
  return `${a.aor.scheme}:${a.user}@${a.domain}${a.aor.port !== null ? ':' + a.aor.port : ''}`;
}
