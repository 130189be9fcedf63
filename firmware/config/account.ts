// A SIP account as a board config or a provisioning file gives it: address of record, password,
// optional registrar, outbound proxy, display name and registration lifetime.
import type { AccountConfig } from '../../hal/contract.ts';
import { fieldPath } from './checker.ts';
import type { Checker, IntRange } from './checker.ts';
import { accountUriProblem, splitHostPort } from './sip-address.ts';

export const ACCOUNT_FIELDS = ['uri', 'password', 'registrar', 'outboundProxy', 'displayName', 'expires'] as const;
export const ACCOUNT_REQUIRED = ['uri', 'password'] as const;

/** Lengths and ranges of an account's fields (the JSON Schema reads them too). */
export const ACCOUNT_LIMITS = {
  uri: 256,
  password: 128,
  /** registrar and outboundProxy */
  server: 256,
  displayName: 64,
  expires: { min: 60, max: 86400 } as IntRange,
} as const;

const HOST_PORT = 'host[:port] with a port from 1 to 65535';

function server(c: Checker, value: unknown, field: string): string {
  const text = c.text(value, field, ACCOUNT_LIMITS.server);
  if (!splitHostPort(text)) c.expected(field, HOST_PORT, text);
  return text;
}

export function checkAccount(c: Checker, value: unknown, field: string): AccountConfig {
  const obj = c.object(value, field, ACCOUNT_FIELDS);
  const uri = c.text(obj['uri'], `${field}.uri`, ACCOUNT_LIMITS.uri);
  const uriProblem = accountUriProblem(uri);
  if (uriProblem) c.fail(`${field}.uri`, uriProblem);
  const account: AccountConfig = { uri, password: c.string(obj['password'], `${field}.password`, ACCOUNT_LIMITS.password, true) };
  if (obj['registrar'] !== undefined) account.registrar = server(c, obj['registrar'], `${field}.registrar`);
  if (obj['outboundProxy'] !== undefined) account.outboundProxy = server(c, obj['outboundProxy'], `${field}.outboundProxy`);
  if (obj['displayName'] !== undefined) account.displayName = c.text(obj['displayName'], `${field}.displayName`, ACCOUNT_LIMITS.displayName);
  if (obj['expires'] !== undefined) account.expires = c.int(obj['expires'], `${field}.expires`, ACCOUNT_LIMITS.expires);
  return account;
}

/** `accounts`: none or more, at most the board's `maxAccounts`, no address of record twice. */
export function checkAccounts(c: Checker, value: unknown, maxAccounts: number): AccountConfig[] {
  if (!Array.isArray(value)) c.expected('accounts', 'an array (may be empty)', value);
  if (value.length > maxAccounts) {
    c.fail('accounts', `expected at most ${maxAccounts} (maxAccounts), got ${value.length} accounts`);
  }
  const accounts = value.map((item, i) => checkAccount(c, item, fieldPath('accounts', i)));
  accounts.forEach((account, i) => {
    const first = accounts.findIndex((a) => a.uri === account.uri);
    if (first !== i) c.fail(`accounts[${i}].uri`, `${account.uri} is already accounts[${first}]`);
  });
  return accounts;
}
