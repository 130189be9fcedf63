// Provisioning, as desk phones do it: on boot, fetch the phone's config (accounts, codecs,
// dial plan, tone plan) from the board's provisioning URL, check it strictly, apply it over
// the board's values and keep the last good one in storage, so a phone whose server is down
// still boots with what it had. A bad or missing config never stops the boot.

import type { AccountConfig, BoardInfo, StorageHal } from '../../hal/contract.ts';
import type { HttpClient } from '../net/http-client.ts';
import { decodeUtf8 } from '../util/utf8.ts';
import { isSipUri, parseUri } from '../sip/index.ts';
import { targetFromHostPort } from '../ua/server-locator.ts';
import { compileDigitMap } from './digit-map.ts';

/** What a provisioning file may set; every field is optional. */
export interface ProvisionedConfig {
  accounts?: AccountConfig[];
  codecs?: string[];
  dialPlan?: { digitMap: string; interDigitTimeoutMs: number };
  tonePlan?: 'na' | 'eu';
}

export type ProvisioningSource = 'network' | 'cache';

export interface ProvisioningResult {
  url: string;
  /** null: nothing usable (the board's own values stay). */
  source: ProvisioningSource | null;
  config: ProvisionedConfig | null;
  /** Why the network fetch failed (null when it worked). */
  failure: string | null;
}

const CACHE_KEY = 'provisioning';
const MAX_BODY_BYTES = 64 * 1024;
export const PROVISIONING_TIMEOUT_MS = 5000;
const TOP_LEVEL = ['accounts', 'codecs', 'dialPlan', 'tonePlan'];
const ACCOUNT_FIELDS = ['uri', 'password', 'registrar', 'outboundProxy', 'displayName', 'expires'];
const CODECS = ['PCMU', 'PCMA', 'telephone-event'];

/** `{board}` in the board's URL becomes the board id (one file per model on the server). */
export function provisioningUrlFor(template: string, board: BoardInfo): string {
  return template.split('{board}').join(encodeURIComponent(board.id));
}

/** A config that fails the checks; the message starts with the field at fault. */
export class ProvisioningError extends Error {}

function fail(field: string, problem: string): never {
  throw new ProvisioningError(field ? `${field}: ${problem}` : problem);
}

function object(v: unknown, field: string, allowed: readonly string[]): Record<string, unknown> {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) fail(field || '(top level)', `expected an object, got ${kind(v)}`);
  const o = v as Record<string, unknown>;
  for (const k of Object.keys(o)) if (allowed.indexOf(k) === -1) fail(field ? `${field}.${k}` : k, `unknown field (known: ${allowed.join(', ')})`);
  return o;
}

function text(v: unknown, field: string, max: number, secret = false): string {
  if (typeof v !== 'string' || v.length > max) fail(field, `expected a string of at most ${max} characters, got ${secret ? typeof v : kind(v)}`);
  if (!secret && /[\x00-\x1f\x7f]/.test(v)) fail(field, 'control characters are not allowed');
  return v;
}

function int(v: unknown, field: string, min: number, max: number): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) fail(field, `expected an integer from ${min} to ${max}, got ${kind(v)}`);
  return v;
}

function kind(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  if (typeof v === 'object') return 'an object';
  if (typeof v === 'string') return JSON.stringify(v.length > 30 ? v.slice(0, 30) + '...' : v);
  return String(v);
}

function hostPort(v: unknown, field: string): string {
  const s = text(v, field, 256);
  if (s === '' || /^sips?:/i.test(s) || targetFromHostPort(s) === null) fail(field, `expected host[:port], got ${kind(s)}`);
  return s;
}

function account(v: unknown, field: string): AccountConfig {
  const o = object(v, field, ACCOUNT_FIELDS);
  const uri = text(o.uri, `${field}.uri`, 256);
  let ok = false;
  try {
    const parsed = parseUri(uri);
    ok = /^sip:/i.test(uri) && isSipUri(parsed) && parsed.user !== null && parsed.user !== '' && parsed.password === null;
  } catch {
    ok = false;
  }
  // Not echoed: a malformed URI may carry a password.
  if (!ok) fail(`${field}.uri`, 'expected sip:user@domain[:port] (no password in it)');
  const a: AccountConfig = { uri, password: text(o.password, `${field}.password`, 128, true) };
  if (o.registrar !== undefined) a.registrar = hostPort(o.registrar, `${field}.registrar`);
  if (o.outboundProxy !== undefined) a.outboundProxy = hostPort(o.outboundProxy, `${field}.outboundProxy`);
  if (o.displayName !== undefined) a.displayName = text(o.displayName, `${field}.displayName`, 64);
  if (o.expires !== undefined) a.expires = int(o.expires, `${field}.expires`, 60, 86400);
  return a;
}

/** Checks a parsed provisioning file; throws ProvisioningError naming the field. */
export function validateProvisioning(json: unknown, maxAccounts: number): ProvisionedConfig {
  const o = object(json, '', TOP_LEVEL);
  const cfg: ProvisionedConfig = {};
  if (o.accounts !== undefined) {
    if (!Array.isArray(o.accounts)) fail('accounts', `expected an array, got ${kind(o.accounts)}`);
    if (o.accounts.length > maxAccounts) fail('accounts', `this phone takes at most ${maxAccounts}, got ${o.accounts.length}`);
    cfg.accounts = o.accounts.map((a, i) => account(a, `accounts[${i}]`));
  }
  if (o.codecs !== undefined) {
    const c = o.codecs;
    if (!Array.isArray(c) || c.length === 0) fail('codecs', `expected a non-empty array, got ${kind(c)}`);
    c.forEach((name, i) => {
      if (typeof name !== 'string' || CODECS.indexOf(name) === -1) fail(`codecs[${i}]`, `expected one of ${CODECS.join(', ')}, got ${kind(name)}`);
      if (c.indexOf(name) !== i) fail(`codecs[${i}]`, `${name} is listed twice`);
    });
    if (!c.some((n) => n !== 'telephone-event')) fail('codecs', 'expected at least one audio codec (PCMU or PCMA)');
    cfg.codecs = c.slice() as string[];
  }
  if (o.dialPlan !== undefined) {
    const d = object(o.dialPlan, 'dialPlan', ['digitMap', 'interDigitTimeoutMs']);
    const digitMap = text(d.digitMap, 'dialPlan.digitMap', 512);
    try {
      compileDigitMap(digitMap);
    } catch (e) {
      fail('dialPlan.digitMap', (e as Error).message);
    }
    cfg.dialPlan = { digitMap, interDigitTimeoutMs: int(d.interDigitTimeoutMs, 'dialPlan.interDigitTimeoutMs', 500, 30000) };
  }
  if (o.tonePlan !== undefined) {
    if (o.tonePlan !== 'na' && o.tonePlan !== 'eu') fail('tonePlan', `expected "na" or "eu", got ${kind(o.tonePlan)}`);
    cfg.tonePlan = o.tonePlan;
  }
  return cfg;
}

/** The file's octets → a checked config; throws ProvisioningError. */
export function parseProvisioning(body: string, maxAccounts: number): ProvisionedConfig {
  let json: unknown;
  try {
    json = JSON.parse(decodeUtf8(body));
  } catch (e) {
    throw new ProvisioningError(`not JSON: ${(e as Error).message.slice(0, 80)}`);
  }
  return validateProvisioning(json, maxAccounts);
}

/** Overrides the board's values with the config's; returns the fields it set. */
export function applyProvisioning(board: BoardInfo, cfg: ProvisionedConfig): string[] {
  const fields: string[] = [];
  if (cfg.accounts !== undefined) {
    board.accounts = cfg.accounts.map((a) => ({ ...a }));
    fields.push('accounts');
  }
  if (cfg.codecs !== undefined) {
    board.codecs = cfg.codecs.slice();
    fields.push('codecs');
  }
  if (cfg.dialPlan !== undefined) {
    board.dialPlan = { ...cfg.dialPlan };
    fields.push('dialPlan');
  }
  if (cfg.tonePlan !== undefined) {
    board.tonePlan = cfg.tonePlan;
    fields.push('tonePlan');
  }
  return fields;
}

/** The last good config, checked again (storage may be damaged); null with a log line when unusable. */
export function loadCachedProvisioning(storage: StorageHal, maxAccounts: number, log: (m: string) => void): ProvisionedConfig | null {
  const raw = storage.get(CACHE_KEY);
  if (raw === null) return null;
  try {
    return parseProvisioning(raw, maxAccounts);
  } catch (e) {
    log(`cached provisioning ignored: ${(e as Error).message}`);
    return null;
  }
}

/**
 * Fetches and checks the config at `url`; falls back to the cache. `done` runs once, within
 * the fetch's deadline (plus a DNS or connect answer that the deadline cuts short).
 */
export function provision(
  http: HttpClient,
  storage: StorageHal,
  url: string,
  maxAccounts: number,
  log: (m: string) => void,
  done: (r: ProvisioningResult) => void,
): void {
  http.get(url, (error, res) => {
    let failure = error;
    if (res !== null) {
      if (res.status !== 200) failure = `HTTP ${res.status}${res.reason ? ' ' + res.reason : ''}`;
      else {
        try {
          const config = parseProvisioning(res.body, maxAccounts);
          // Cached as the canonical JSON of what was checked, so the next boot re-checks the same thing.
          if (!storage.set(CACHE_KEY, JSON.stringify(config))) log('provisioning cache not saved (storage refused)');
          return done({ url, source: 'network', config, failure: null });
        } catch (e) {
          failure = (e as Error).message;
        }
      }
    }
    const cached = loadCachedProvisioning(storage, maxAccounts, log);
    done({ url, source: cached !== null ? 'cache' : null, config: cached, failure });
  }, { maxBodyBytes: MAX_BODY_BYTES, timeoutMs: PROVISIONING_TIMEOUT_MS, headers: { Accept: 'application/json' } });
}
