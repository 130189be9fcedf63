// Provisioning, as desk phones do it: on boot, fetch the phone's config (accounts, codecs,
// dial plan, tone plan) from the board's provisioning URL, check it strictly, apply it over
// the board's values and keep the last good one in storage, so a phone whose server is down
// still boots with what it had. A bad or missing config never stops the boot.

import type { AccountConfig, BoardInfo, StorageHal } from '../../hal/contract.ts';
import type { HttpClient } from '../net/http-client.ts';
import { decodeUtf8 } from '../util/utf8.ts';
import { checkAccounts } from '../config/account.ts';
import { Checker, ConfigError } from '../config/checker.ts';
import { checkCodecs } from '../config/codecs.ts';
import { checkDialPlan } from '../config/dial-plan.ts';
import { checkTonePlan } from '../config/tone-plan.ts';
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
/** The board config's fields a provisioning file may override, checked by the same rules. */
const TOP_LEVEL = ['accounts', 'codecs', 'dialPlan', 'tonePlan'] as const;

/** `{board}` in the board's URL becomes the board id (one file per model on the server). */
export function provisioningUrlFor(template: string, board: BoardInfo): string {
  return template.split('{board}').join(encodeURIComponent(board.id));
}

/** A config that fails the checks; the message starts with the field at fault. */
export class ProvisioningError extends ConfigError {
  constructor(source: string, field: string, problem: string) {
    super(source, field, problem);
    this.name = 'ProvisioningError';
  }
}

function digitMapProblem(map: string): string | null {
  try {
    compileDigitMap(map);
    return null;
  } catch (e) {
    return (e as Error).message;
  }
}

/** Checks a parsed provisioning file; throws ProvisioningError naming the field. */
export function validateProvisioning(json: unknown, maxAccounts: number): ProvisionedConfig {
  // No source in the messages: the phone reports them beside the URL it fetched.
  const c = new Checker('', ProvisioningError);
  const o = c.object(json, '', TOP_LEVEL);
  const cfg: ProvisionedConfig = {};
  if (o['accounts'] !== undefined) cfg.accounts = checkAccounts(c, o['accounts'], maxAccounts);
  if (o['codecs'] !== undefined) cfg.codecs = checkCodecs(c, o['codecs']);
  if (o['dialPlan'] !== undefined) cfg.dialPlan = checkDialPlan(c, o['dialPlan'], digitMapProblem);
  if (o['tonePlan'] !== undefined) cfg.tonePlan = checkTonePlan(c, o['tonePlan']);
  return cfg;
}

/** The file's octets → a checked config; throws ProvisioningError. */
export function parseProvisioning(body: string, maxAccounts: number): ProvisionedConfig {
  let json: unknown;
  try {
    json = JSON.parse(decodeUtf8(body));
  } catch (e) {
    throw new ProvisioningError('', '', `not JSON: ${(e as Error).message.slice(0, 80)}`);
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
