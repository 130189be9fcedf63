// The lab server's users file: who may register, their passwords, and the numbers they can be
// reached by ("call me at sip:alice@lab.example or just dial 2001").
//
//   {
//     "domain": "lab.example",            optional: the SIP domain; absent = answer for any host
//     "hosts": ["pbx.lab.example"],       optional: more host names the server answers for
//     "users": [
//       { "user": "alice", "password": "secret", "aliases": ["2001", "+1-555-1234"],
//         "displayName": "Alice", "redirect": false }
//     ]
//   }
//
// Names and aliases share one namespace and are matched case-insensitively; aliases that look
// like phone numbers also match without visual separators (RFC 3966 §5.1.1), so "+1-555-1234"
// answers tel:+15551234.

import { parse as parseYamlText } from 'yaml';
import { readFileSync } from 'node:fs';
import { unescapeOnce } from '../firmware/sip/escape.ts';
import { isSipUri, isTelUri, parseUri } from '../firmware/sip/uri.ts';
import type { Uri } from '../firmware/sip/types.ts';

export interface LabUser {
  /** Canonical user name: the digest username and the user part of the AOR. */
  user: string;
  password: string;
  /** Other user parts / numbers that reach this user. */
  aliases: readonly string[];
  displayName: string | null;
  /** Answer INVITEs for this user with 302 and the registered contacts instead of proxying. */
  redirect: boolean;
}

export interface UsersOptions {
  /** Overrides the file's domain (null: answer for any host). */
  domain?: string | null;
  /** Extra host names the server answers for, added to the file's. */
  hosts?: readonly string[];
}

/** A users file that cannot be used; the message names the file, the field and the problem. */
export class UsersFileError extends Error {
  constructor(
    readonly source: string,
    /** e.g. `users[1].aliases[0]`; '' when the whole file is at fault. */
    readonly field: string,
    readonly problem: string,
  ) {
    super(field ? `${source}: ${field}: ${problem}` : `${source}: ${problem}`);
    this.name = 'UsersFileError';
  }
}

/** User parts as written in a file: RFC 3261 user characters, no %-escapes. */
const USER_RE = /^[A-Za-z0-9\-_.!~*'()&=+$,;?/]{1,64}$/;
const HOST_RE = /^(?:[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.?|\[[0-9A-Fa-f:.]+\])$/;
const PHONE_RE = /^\+?[0-9*#][0-9*#\-.()]*$/;
const MAX_USERS = 10_000;

/** Lookup key: lower case; phone numbers without visual separators. */
function userKey(name: string): string {
  const n = name.toLowerCase();
  return PHONE_RE.test(n) ? n.replace(/[-.()]/g, '') : n;
}

function hostKey(host: string): string {
  return host.toLowerCase().replace(/\.$/, '');
}

export class UserDirectory {
  readonly domain: string | null;
  /** Host names the server answers for (lower case); empty = any host. */
  readonly hosts: ReadonlySet<string>;
  readonly users: readonly LabUser[];
  private readonly index = new Map<string, LabUser>();

  /** `users` must already be valid (see parseUsers): names and aliases unique. */
  constructor(users: readonly LabUser[], domain: string | null, hosts: readonly string[] = []) {
    this.users = users;
    this.domain = domain;
    const all = new Set(hosts.map(hostKey));
    if (domain !== null) all.add(hostKey(domain));
    this.hosts = all;
    for (const u of users) {
      for (const name of [u.user, ...u.aliases]) this.index.set(userKey(name), u);
    }
  }

  /** The user whose name or alias is `userPart` (unescaped), if any. */
  byUser(userPart: string): LabUser | undefined {
    return this.index.get(userKey(userPart));
  }

  /** Password for a digest username (a name or an alias). */
  password(user: string): string | undefined {
    return this.byUser(user)?.password;
  }

  /** True when the server answers for this host (any host when the directory names none). */
  servesHost(host: string): boolean {
    return this.hosts.size === 0 || this.hosts.has(hostKey(host));
  }

  /**
   * The user an address-of-record reaches: sip:/sips: with a user part and a host the server
   * answers for (or that `servesHost` accepts, e.g. the server's own IP addresses), or a tel:
   * number matching a name or alias. Unknown or unparsable → undefined.
   */
  resolve(aor: string | Uri, servesHost: (host: string) => boolean = (h) => this.servesHost(h)): LabUser | undefined {
    let uri: Uri;
    try {
      uri = typeof aor === 'string' ? parseUri(aor) : aor;
    } catch {
      return undefined;
    }
    if (isSipUri(uri)) {
      if (uri.user === null || !servesHost(uri.host)) return undefined;
      return this.byUser(unescapeOnce(uri.user));
    }
    if (isTelUri(uri)) return this.byUser(uri.number);
    return undefined;
  }

  /** The canonical AOR of a user, e.g. `sip:alice@lab.example` (host: the domain or `fallbackHost`). */
  aorOf(user: LabUser, fallbackHost: string): string {
    return `sip:${user.user}@${this.domain ?? fallbackHost}`;
  }
}

/** Reads and validates a users file (JSON; YAML by extension once supported). */
export function loadUsers(path: string, options: UsersOptions = {}): UserDirectory {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new UsersFileError(path, '', `cannot read: ${(e as Error).message}`);
  }
  return parseUsers(text, path, options);
}

/** Parses users-file text; `source` names it in errors and picks the format (.yaml/.yml = YAML). */
export function parseUsers(text: string, source: string, options: UsersOptions = {}): UserDirectory {
  const body = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  const data = /\.ya?ml$/i.test(source) ? parseYaml(body, source) : parseJson(body, source);
  return validateUsers(data, source, options);
}

function parseJson(text: string, source: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch (e) {
    throw new UsersFileError(source, '', `not valid JSON: ${(e as Error).message}`);
  }
}

function parseYaml(text: string, source: string): unknown {
  try {
    return parseYamlText(text) as unknown;
  } catch (e) {
    throw new UsersFileError(source, '', `not valid YAML: ${(e as Error).message.split('\n')[0]}`);
  }
}

const TOP_FIELDS = ['domain', 'hosts', 'users'];
const USER_FIELDS = ['user', 'password', 'aliases', 'displayName', 'redirect'];

/** Checks parsed data field by field and builds the directory. */
export function validateUsers(data: unknown, source: string, options: UsersOptions = {}): UserDirectory {
  const fail: Fail = (field, problem) => {
    throw new UsersFileError(source, field, problem);
  };
  const root = asObject(data, '', fail, TOP_FIELDS);

  let domain: string | null = null;
  if (root.domain !== undefined && root.domain !== null) {
    domain = asString(root.domain, 'domain', fail, 'a host name like "lab.example"');
    if (!HOST_RE.test(domain)) fail('domain', `expected a host name like "lab.example", got ${JSON.stringify(domain)}`);
  }
  const hosts: string[] = [];
  if (root.hosts !== undefined) {
    if (!Array.isArray(root.hosts)) fail('hosts', `expected a list of host names, got ${describe(root.hosts)}`);
    (root.hosts as unknown[]).forEach((h, i) => {
      const host = asString(h, `hosts[${i}]`, fail, 'a host name');
      if (!HOST_RE.test(host)) fail(`hosts[${i}]`, `expected a host name, got ${JSON.stringify(host)}`);
      hosts.push(host);
    });
  }

  if (root.users === undefined) fail('users', 'missing, expected a list of users');
  if (!Array.isArray(root.users)) fail('users', `expected a list of users, got ${describe(root.users)}`);
  const list = root.users as unknown[];
  if (list.length > MAX_USERS) fail('users', `at most ${MAX_USERS} users, got ${list.length}`);

  const users: LabUser[] = [];
  /** userKey → where it was first defined, to name both sides of a clash. */
  const seen = new Map<string, string>();
  const claim = (name: string, field: string): void => {
    const key = userKey(name);
    const first = seen.get(key);
    if (first !== undefined) fail(field, `${JSON.stringify(name)} is already used by ${first}`);
    seen.set(key, field);
  };

  list.forEach((item, i) => {
    const at = `users[${i}]`;
    const o = asObject(item, at, fail, USER_FIELDS);
    if (o.user === undefined) fail(`${at}.user`, 'missing, expected a user name like "alice"');
    const user = asString(o.user, `${at}.user`, fail, 'a user name like "alice"');
    if (!USER_RE.test(user)) {
      fail(`${at}.user`, `expected 1-64 SIP user characters (no spaces, "@" or ":"), got ${JSON.stringify(user)}`);
    }
    claim(user, `${at}.user`);
    if (o.password === undefined) fail(`${at}.password`, `missing for user "${user}"`);
    const password = asString(o.password, `${at}.password`, fail, 'a non-empty string', true);
    const aliases: string[] = [];
    if (o.aliases !== undefined) {
      if (!Array.isArray(o.aliases)) fail(`${at}.aliases`, `expected a list like ["2001"], got ${describe(o.aliases)}`);
      (o.aliases as unknown[]).forEach((a, j) => {
        const field = `${at}.aliases[${j}]`;
        // numbers are a natural thing to write unquoted in a users file
        const alias = typeof a === 'number' && Number.isSafeInteger(a) && a >= 0
          ? String(a)
          : asString(a, field, fail, 'a user name or number');
        if (!USER_RE.test(alias)) fail(field, `expected 1-64 SIP user characters, got ${JSON.stringify(alias)}`);
        claim(alias, field);
        aliases.push(alias);
      });
    }
    let displayName: string | null = null;
    if (o.displayName !== undefined && o.displayName !== null) {
      displayName = asString(o.displayName, `${at}.displayName`, fail, 'a string');
    }
    if (o.redirect !== undefined && typeof o.redirect !== 'boolean') {
      fail(`${at}.redirect`, `expected true or false, got ${describe(o.redirect)}`);
    }
    users.push({ user, password, aliases, displayName, redirect: o.redirect === true });
  });

  const finalDomain = options.domain !== undefined ? options.domain : domain;
  return new UserDirectory(users, finalDomain, [...hosts, ...(options.hosts ?? [])]);
}

/**
 * The newcomer demo, matching the README's `sip:alice:secret@127.0.0.1`: every password is
 * "secret". alice 2001, bob 2002, carol 2003, dave 2004 (redirect: calls get a 302), and
 * echo 2000 (the echo test line). No domain, so any host the server is reached by works.
 */
export function defaultUsers(options: UsersOptions = {}): UserDirectory {
  const u = (user: string, number: string, displayName: string, redirect = false): LabUser => ({
    user, password: 'secret', aliases: [number], displayName, redirect,
  });
  return new UserDirectory(
    [
      u('alice', '2001', 'Alice'),
      u('bob', '2002', 'Bob'),
      u('carol', '2003', 'Carol'),
      u('dave', '2004', 'Dave', true),
      u('echo', '2000', 'Echo test'),
    ],
    options.domain ?? null,
    options.hosts ?? [],
  );
}

// ---- small validation helpers ------------------------------------------------------------

type Fail = (field: string, problem: string) => never;

function asObject(v: unknown, field: string, fail: Fail, allowed: readonly string[]): Record<string, unknown> {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) fail(field, `expected an object, got ${describe(v)}`);
  const o = v as Record<string, unknown>;
  for (const key of Object.keys(o)) {
    if (allowed.indexOf(key) === -1) {
      fail(field ? `${field}.${key}` : key, `unknown field (expected one of ${allowed.join(', ')})`);
    }
  }
  return o;
}

/** A non-empty string; `secret` keeps the value itself out of the message. */
function asString(v: unknown, field: string, fail: Fail, what: string, secret = false): string {
  if (typeof v !== 'string') fail(field, `expected ${what}, got ${secret ? typeof v : describe(v)}`);
  if ((v as string).length === 0) fail(field, `expected ${what}, got an empty string`);
  return v as string;
}

function describe(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'a list';
  if (typeof v === 'object') return 'an object';
  if (typeof v === 'string') return JSON.stringify(v.length > 40 ? v.slice(0, 40) + '…' : v);
  return String(v);
}
