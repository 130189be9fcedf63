// Board configs (board-configs/<id>.json): what one phone model has — display, keys, LEDs, memory
// budget, SIP defaults, accounts — handed to the firmware as BoardInfo. This module is the pure
// part: the validator, toBoardInfo and the --account parser, with no Node imports, so the Node
// side (board-config.ts: files, package.json) and the C host's QuickJS shell (host/shell) share
// one implementation and one set of error messages. The validator is hand-written so every
// error names the file, the field path and what was expected; board-configs/schema.json mirrors
// it for editors.
import { KEYS } from './contract.ts';
import { DEFAULT_CONFIRM_AFTER_S, ERASE_KB_CHOICES, flashConfigProblem } from './flash/layout.ts';
import type { FlashConfig } from './flash/layout.ts';
import { decodePublicKey } from '../image/public-key.ts';
import { ipVersion } from './ip-literal.ts';
import { urlProtocol } from './url-syntax.ts';
import type { AccountConfig, BoardInfo, DisplayIcon, Key, LedName } from './contract.ts';

export type { AccountConfig } from './contract.ts';
export type Codec = 'PCMU' | 'PCMA' | 'telephone-event';
export type SipTransport = BoardInfo['sip']['transport'];

export interface BoardConfig {
  /** Equals the config's file name without `.json`. */
  id: string;
  name: string;
  display: { rows: number; cols: number; softkeys: number; icons: DisplayIcon[] };
  leds: LedName[];
  keys: Key[];
  /** Emulator keyboard key name (KeyboardEvent.key) → phone key; every value is in `keys`. */
  keymap: Record<string, Key>;
  /** Codecs in order of preference. */
  codecs: Codec[];
  memory: { heapLimitMB: number; stackKB: number };
  /** Longest time one event may run before the watchdog reboots the phone. */
  watchdogMs: number;
  maxAccounts: number;
  sip: { port: number; transport: SipTransport; acceptDirectCalls?: boolean; serverCheckS?: number };
  /** `digitMap` stays a string here; the SIP user agent interprets it. */
  dialPlan: { digitMap: string; interDigitTimeoutMs: number };
  accounts: AccountConfig[];
  provisioningUrl?: string;
  /** Call-progress tone plan: North American ('na', default) or European/ITU 425 Hz ('eu'). */
  tonePlan?: 'na' | 'eu';
  /** Local RTP port range (RTP on even ports, RTCP on the next); default 16384–32766. */
  rtpPorts?: { min: number; max: number };
  /** Pins the firmware version for this board; absent = package.json's version. */
  firmware?: { version: string };
  /** Network firmware update: the key images must be signed with, and the phone's update endpoints. */
  update?: UpdateConfig;
  /** The board's flash: size, A/B firmware slots, storage partition, trial boots (hal/flash/layout.ts). */
  flash?: FlashConfig;
}

export interface UpdateConfig {
  /** Base64 of the raw 32-byte Ed25519 public key; when set, only images it signed are accepted. */
  publicKey?: string;
  /** HTTP update endpoint port (POST /firmware); 0 = any free port; absent = off. */
  httpPort?: number;
  /** TFTP (WRQ) update endpoint port; 0 = any free port; absent = off. */
  tftpPort?: number;
}

/** A config that cannot be used; the message names the file, the field path and what was expected. */
export class BoardConfigError extends Error {
  constructor(
    /** The file (or other source, e.g. `--account`) the problem is in. */
    readonly source: string,
    /** Dotted field path, e.g. `display.rows` or `keymap[" "]`; '' when the whole file is at fault. */
    readonly field: string,
    readonly problem: string,
  ) {
    super(field ? `${source}: ${field}: ${problem}` : `${source}: ${problem}`);
    this.name = 'BoardConfigError';
  }
}

// ---- runtime lists of the contract's unions -------------------------------------------------

/** Checks at compile time that `list` holds every member of the union T. */
function everyMember<T extends string>() {
  return <const L extends readonly T[]>(list: L & ([T] extends [L[number]] ? unknown : never)): L => list;
}

const DISPLAY_ICONS = everyMember<DisplayIcon>()(['registered', 'message', 'mute', 'hold', 'speaker', 'headset', 'dnd']);
const LEDS = everyMember<LedName>()(['message', 'line1', 'line2']);
const CODECS = everyMember<Codec>()(['PCMU', 'PCMA', 'telephone-event']);
const TRANSPORTS = everyMember<SipTransport>()(['udp', 'tcp']);
const DIAL_PAD: readonly Key[] = ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9', '*', '#'];
const SOFTKEYS: readonly Key[] = ['soft1', 'soft2', 'soft3', 'soft4'];

export const DEFAULT_SIP_PORT = 5060;
const ACCOUNT_URI_FORM = 'sip:user@domain[:port]';
const ID_PATTERN = /^[a-z][a-z0-9-]{0,31}$/;
// RFC 3261 user: unreserved / escaped / user-unreserved.
const SIP_USER = /^(?:[A-Za-z0-9\-_.!~*'()&=+$,;?/]|%[0-9A-Fa-f]{2})+$/;
const HOST_LABEL = /^[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?$/;
const SEMVER = /^\d+\.\d+\.\d+(?:-[0-9A-Za-z.-]+)?(?:\+[0-9A-Za-z.-]+)?$/;

// ---- describing values and field paths ----------------------------------------------------

const IDENTIFIER = /^[A-Za-z_$][A-Za-z0-9_$]*$/;

function fieldPath(parent: string, key: string | number): string {
  if (typeof key === 'number') return `${parent}[${key}]`;
  if (!IDENTIFIER.test(key)) return `${parent}[${JSON.stringify(key)}]`;
  return parent ? `${parent}.${key}` : key;
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'object') return 'an object';
  if (typeof value === 'string') return value.length > 40 ? JSON.stringify(value.slice(0, 40)) + '…' : JSON.stringify(value);
  return String(value);
}

/** For secrets: the type only, never the value. */
function describeType(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return typeof value === 'object' ? 'an object' : `a ${typeof value}`;
}

function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) {
      row[j] = Math.min(prev[j]! + 1, row[j - 1]! + 1, prev[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    prev = row;
  }
  return prev[b.length]!;
}

// ---- the checker: one per source, throws at the first problem -----------------------------

class Checker {
  constructor(readonly source: string) {}

  fail(field: string, problem: string): never {
    throw new BoardConfigError(this.source, field, problem);
  }

  expected(field: string, what: string, value: unknown, secret = false): never {
    if (value === undefined) this.fail(field, `missing, expected ${what}`);
    this.fail(field, `expected ${what}, got ${secret ? describeType(value) : describe(value)}`);
  }

  /** A JSON object with any fields. */
  record(value: unknown, field: string, what = 'an object'): Record<string, unknown> {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) this.expected(field || '(top level)', what, value);
    return value as Record<string, unknown>;
  }

  /** A JSON object with only the listed fields (typos must not pass silently). */
  object(value: unknown, field: string, fields: readonly string[], what = 'an object'): Record<string, unknown> {
    const obj = this.record(value, field, what);
    for (const key of Object.keys(obj)) {
      if (fields.includes(key)) continue;
      const near = fields.find((f) => editDistance(f, key) <= (key.length > 4 ? 2 : 1));
      const hint = near ? ` (did you mean "${near}"?)` : ` (known fields: ${fields.join(', ')})`;
      this.fail(fieldPath(field, key), `unknown field${hint}`);
    }
    return obj;
  }

  int(value: unknown, field: string, min: number, max: number): number {
    if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
      this.expected(field, `an integer from ${min} to ${max}`, value);
    }
    return value;
  }

  string(value: unknown, field: string, maxLength: number, secret = false): string {
    const what = `a string of at most ${maxLength} characters`;
    if (typeof value !== 'string' || value.length > maxLength) this.expected(field, what, value, secret);
    return value;
  }

  text(value: unknown, field: string, maxLength: number): string {
    const what = `a non-empty string of at most ${maxLength} characters`;
    if (typeof value !== 'string' || value.length === 0 || value.length > maxLength) this.expected(field, what, value);
    if (/[\u0000-\u001f\u007f]/.test(value)) this.expected(field, 'text without control characters', value);
    return value;
  }

  oneOf<T extends string>(value: unknown, field: string, allowed: readonly T[]): T {
    if (typeof value !== 'string' || !allowed.includes(value as T)) {
      this.expected(field, `one of ${allowed.map((a) => JSON.stringify(a)).join(', ')}`, value);
    }
    return value as T;
  }

  /** An array of distinct members of `allowed`. */
  setOf<T extends string>(value: unknown, field: string, allowed: readonly T[], minItems = 0): T[] {
    if (!Array.isArray(value) || value.length < minItems) {
      this.expected(field, minItems > 0 ? `an array of at least ${minItems} item(s)` : 'an array', value);
    }
    const items = value.map((item, i) => this.oneOf(item, fieldPath(field, i), allowed));
    items.forEach((item, i) => {
      if (items.indexOf(item) !== i) this.fail(fieldPath(field, i), `${JSON.stringify(item)} is listed twice`);
    });
    return items;
  }
}

// ---- SIP addresses ------------------------------------------------------------------------

function isHost(host: string): boolean {
  if (host.startsWith('[') && host.endsWith(']')) return ipVersion(host.slice(1, -1)) === 6;
  if (/^[0-9.]+$/.test(host)) return ipVersion(host) === 4;
  const name = host.endsWith('.') ? host.slice(0, -1) : host;
  return name.length > 0 && name.length <= 253 && name.split('.').every((label) => HOST_LABEL.test(label));
}

/** `host[:port]` (IPv6 in brackets) split apart, or null when malformed. */
function splitHostPort(text: string): { host: string; port: number | null } | null {
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
function accountUriProblem(uri: string): string | null {
  const expected = `expected ${ACCOUNT_URI_FORM}`;
  const at = uri.lastIndexOf('@');
  const user = uri.slice(4, at);
  // A URI with a password in it is not echoed: error messages end up in logs.
  if (uri.startsWith('sip:') && user.includes(':')) return `${expected} without a password (put that in "password")`;
  const got = `${expected}, got ${describe(uri)}`;
  if (!uri.startsWith('sip:')) return `${got}, which does not start with "sip:"`;
  if (at < 0) return `${got}, which has no "@domain"`;
  if (!SIP_USER.test(user)) return `${got}, whose user part is empty or invalid`;
  if (!splitHostPort(uri.slice(at + 1))) return `${got}, whose domain or port is invalid`;
  return null;
}

// ---- the board config ---------------------------------------------------------------------

const TOP_LEVEL = [
  '$schema', 'id', 'name', 'display', 'leds', 'keys', 'keymap', 'codecs', 'memory', 'watchdogMs',
  'maxAccounts', 'sip', 'dialPlan', 'accounts', 'provisioningUrl', 'firmware', 'tonePlan', 'rtpPorts',
  'update', 'flash',
] as const;

function checkKeys(c: Checker, value: unknown, softkeys: number): Key[] {
  const keys = c.setOf(value, 'keys', KEYS, 1);
  const missing = DIAL_PAD.filter((k) => !keys.includes(k));
  if (missing.length) c.fail('keys', `expected the dial pad 0-9 * #, missing ${missing.map((k) => JSON.stringify(k)).join(', ')}`);
  // The softkeys under the display are soft1..softN, exactly as many as display.softkeys.
  SOFTKEYS.forEach((key, i) => {
    if (i < softkeys && !keys.includes(key)) c.fail('keys', `display.softkeys is ${softkeys}, so expected "${key}"`);
    if (i >= softkeys && keys.includes(key)) c.fail('keys', `display.softkeys is ${softkeys}, so expected no "${key}"`);
  });
  return keys;
}

function checkKeymap(c: Checker, value: unknown, keys: Key[]): Record<string, Key> {
  const map = c.record(value, 'keymap', 'an object of keyboard key name → phone key');
  const keymap: Record<string, Key> = {};
  for (const [name, target] of Object.entries(map)) {
    const field = fieldPath('keymap', name);
    if (name.length === 0 || name.length > 32) c.fail(field, 'expected a keyboard key name of 1 to 32 characters');
    if (typeof target !== 'string' || !keys.includes(target as Key)) {
      c.expected(field, `a key this board has (one of ${keys.join(' ')})`, target);
    }
    keymap[name] = target as Key;
  }
  return keymap;
}

function checkCodecs(c: Checker, value: unknown): Codec[] {
  const codecs = c.setOf(value, 'codecs', CODECS, 1);
  if (!codecs.some((codec) => codec !== 'telephone-event')) c.fail('codecs', 'expected at least one audio codec (PCMU or PCMA)');
  return codecs;
}

function checkAccount(c: Checker, value: unknown, field: string): AccountConfig {
  const obj = c.object(value, field, ['uri', 'password', 'registrar', 'outboundProxy', 'displayName', 'expires']);
  const uri = c.text(obj['uri'], `${field}.uri`, 256);
  const uriProblem = accountUriProblem(uri);
  if (uriProblem) c.fail(`${field}.uri`, uriProblem);
  const account: AccountConfig = { uri, password: c.string(obj['password'], `${field}.password`, 128, true) };
  if (obj['registrar'] !== undefined) {
    const registrar = c.text(obj['registrar'], `${field}.registrar`, 256);
    if (!splitHostPort(registrar)) c.expected(`${field}.registrar`, 'host[:port] with a port from 1 to 65535', registrar);
    account.registrar = registrar;
  }
  if (obj['outboundProxy'] !== undefined) {
    const proxy = c.text(obj['outboundProxy'], `${field}.outboundProxy`, 256);
    if (!splitHostPort(proxy)) c.expected(`${field}.outboundProxy`, 'host[:port] with a port from 1 to 65535', proxy);
    account.outboundProxy = proxy;
  }
  if (obj['displayName'] !== undefined) account.displayName = c.text(obj['displayName'], `${field}.displayName`, 64);
  if (obj['expires'] !== undefined) account.expires = c.int(obj['expires'], `${field}.expires`, 60, 86400);
  return account;
}

function checkAccounts(c: Checker, value: unknown, maxAccounts: number): AccountConfig[] {
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

function checkProvisioningUrl(c: Checker, value: unknown): string {
  const text = c.text(value, 'provisioningUrl', 1024);
  const protocol = urlProtocol(text) ?? '';
  if (!['http:', 'https:', 'tftp:'].includes(protocol)) c.expected('provisioningUrl', 'an http, https or tftp URL', text);
  return text;
}

function checkUpdate(c: Checker, value: unknown): UpdateConfig {
  const u = c.object(value, 'update', ['publicKey', 'httpPort', 'tftpPort']);
  const update: UpdateConfig = {};
  if (u['publicKey'] !== undefined) {
    const text = c.text(u['publicKey'], 'update.publicKey', 64);
    const key = decodePublicKey(text);
    if (typeof key === 'string') c.fail('update.publicKey', `${key} (quip keygen prints the line to paste)`);
    update.publicKey = text;
  }
  if (u['httpPort'] !== undefined) update.httpPort = c.int(u['httpPort'], 'update.httpPort', 0, 65535);
  if (u['tftpPort'] !== undefined) update.tftpPort = c.int(u['tftpPort'], 'update.tftpPort', 0, 65535);
  return update;
}

function checkFlash(c: Checker, value: unknown): FlashConfig {
  const f = c.object(value, 'flash', ['sizeKB', 'slotKB', 'storageKB', 'eraseKB', 'maxTrialBoots', 'confirmAfterS']);
  const flash: FlashConfig = {
    sizeKB: c.int(f['sizeKB'], 'flash.sizeKB', 64, 1024 * 1024),
    slotKB: c.int(f['slotKB'], 'flash.slotKB', 64, 256 * 1024),
    storageKB: c.int(f['storageKB'], 'flash.storageKB', 8, 64 * 1024),
  };
  const erase = f['eraseKB'];
  if (erase !== undefined) {
    if (typeof erase !== 'number' || !(ERASE_KB_CHOICES as readonly number[]).includes(erase)) {
      c.expected('flash.eraseKB', `one of ${ERASE_KB_CHOICES.join(', ')}`, erase);
    }
    flash.eraseKB = erase;
  }
  if (f['maxTrialBoots'] !== undefined) flash.maxTrialBoots = c.int(f['maxTrialBoots'], 'flash.maxTrialBoots', 1, 255);
  if (f['confirmAfterS'] !== undefined) flash.confirmAfterS = c.int(f['confirmAfterS'], 'flash.confirmAfterS', 1, 3600);
  const problem = flashConfigProblem(flash);
  if (problem) c.fail(`flash.${problem[0]}`, problem[1]);
  return flash;
}

/** Validates parsed JSON as a board config; `source` names it in errors (usually the file path). */
export function validateBoardConfig(json: unknown, source: string): BoardConfig {
  const c = new Checker(source);
  const obj = c.object(json, '', TOP_LEVEL, 'a JSON object (a board config)');
  if (obj['$schema'] !== undefined) c.text(obj['$schema'], '$schema', 1024);

  const id = c.text(obj['id'], 'id', 32);
  if (!ID_PATTERN.test(id)) c.expected('id', 'lower-case letters, digits and "-", starting with a letter', id);
  const name = c.text(obj['name'], 'name', 64);

  const d = c.object(obj['display'], 'display', ['rows', 'cols', 'softkeys', 'icons']);
  const display = {
    rows: c.int(d['rows'], 'display.rows', 1, 24),
    cols: c.int(d['cols'], 'display.cols', 8, 80),
    softkeys: c.int(d['softkeys'], 'display.softkeys', 0, 4),
    icons: c.setOf(d['icons'], 'display.icons', DISPLAY_ICONS),
  };
  const leds = c.setOf(obj['leds'], 'leds', LEDS);
  const keys = checkKeys(c, obj['keys'], display.softkeys);
  const keymap = checkKeymap(c, obj['keymap'], keys);
  const codecs = checkCodecs(c, obj['codecs']);

  const m = c.object(obj['memory'], 'memory', ['heapLimitMB', 'stackKB']);
  const memory = {
    heapLimitMB: c.int(m['heapLimitMB'], 'memory.heapLimitMB', 1, 256),
    stackKB: c.int(m['stackKB'], 'memory.stackKB', 16, 4096),
  };
  const watchdogMs = c.int(obj['watchdogMs'], 'watchdogMs', 100, 60000);
  const maxAccounts = c.int(obj['maxAccounts'], 'maxAccounts', 1, 8);

  const s = c.object(obj['sip'], 'sip', ['port', 'transport', 'acceptDirectCalls', 'serverCheckS']);
  const direct = s['acceptDirectCalls'];
  if (direct !== undefined && typeof direct !== 'boolean') c.expected('sip.acceptDirectCalls', 'true or false', direct);
  const sip = {
    port: s['port'] === undefined ? DEFAULT_SIP_PORT : c.int(s['port'], 'sip.port', 0, 65535),
    transport: s['transport'] === undefined ? ('udp' as const) : c.oneOf(s['transport'], 'sip.transport', TRANSPORTS),
    ...(direct === true ? { acceptDirectCalls: true } : {}),
    ...(s['serverCheckS'] !== undefined ? { serverCheckS: c.int(s['serverCheckS'], 'sip.serverCheckS', 0, 3600) } : {}),
  };
  const p = c.object(obj['dialPlan'], 'dialPlan', ['digitMap', 'interDigitTimeoutMs']);
  const dialPlan = {
    digitMap: c.text(p['digitMap'], 'dialPlan.digitMap', 512),
    interDigitTimeoutMs: c.int(p['interDigitTimeoutMs'], 'dialPlan.interDigitTimeoutMs', 500, 30000),
  };
  const accounts = checkAccounts(c, obj['accounts'], maxAccounts);

  const config: BoardConfig = {
    id, name, display, leds, keys, keymap, codecs, memory, watchdogMs, maxAccounts, sip, dialPlan, accounts,
  };
  if (obj['provisioningUrl'] !== undefined) config.provisioningUrl = checkProvisioningUrl(c, obj['provisioningUrl']);
  if (obj['tonePlan'] !== undefined) config.tonePlan = c.oneOf(obj['tonePlan'], 'tonePlan', ['na', 'eu'] as const);
  if (obj['rtpPorts'] !== undefined) {
    const r = c.object(obj['rtpPorts'], 'rtpPorts', ['min', 'max']);
    const min = c.int(r['min'], 'rtpPorts.min', 1024, 65532);
    const max = c.int(r['max'], 'rtpPorts.max', min + 2, 65534);
    if (min % 2 !== 0) c.expected('rtpPorts.min', 'an even port (RTP even, RTCP odd: RFC 3550 §11)', min);
    config.rtpPorts = { min, max };
  }
  if (obj['firmware'] !== undefined) {
    const f = c.object(obj['firmware'], 'firmware', ['version']);
    const version = c.text(f['version'], 'firmware.version', 64);
    if (!SEMVER.test(version)) c.expected('firmware.version', 'a semantic version like 1.2.3', version);
    config.firmware = { version };
  }
  if (obj['update'] !== undefined) config.update = checkUpdate(c, obj['update']);
  if (obj['flash'] !== undefined) config.flash = checkFlash(c, obj['flash']);
  return config;
}

// ---- text to config ------------------------------------------------------------------------

/** JSON.parse's message with a line:column added (Node reports only a character position). */
export function jsonSyntaxProblem(text: string, err: Error): string {
  const position = /at position (\d+)/.exec(err.message);
  if (!position) return `invalid JSON: ${err.message}`;
  const before = text.slice(0, Number(position[1]));
  const line = before.split('\n').length;
  const column = before.length - before.lastIndexOf('\n');
  return `invalid JSON at line ${line} column ${column}: ${err.message}`;
}

/** The id a board config file must have: its file name without `.json` (either separator). */
export function fileBoardId(file: string): string {
  const base = file.slice(Math.max(file.lastIndexOf('/'), file.lastIndexOf('\\')) + 1);
  return base.endsWith('.json') && base !== '.json' ? base.slice(0, -'.json'.length) : base;
}

/** Checks, as loadBoardConfig does, that a config's id is the name of its file (`source`). */
export function checkFileId(config: BoardConfig, source: string): void {
  const fileId = fileBoardId(source);
  if (config.id !== fileId) throw new BoardConfigError(source, 'id', `expected "${fileId}" (the file name), got "${config.id}"`);
}

/**
 * The facts the firmware gets from `hal.system.board()`. `firmwareVersion` is the image's version:
 * the config's firmware.version, else package.json's (board-config.ts toBoardInfo reads that).
 */
export function toBoardInfo(config: BoardConfig, firmwareVersion: string): BoardInfo {
  return {
    id: config.id,
    name: config.name,
    display: { ...config.display, icons: [...config.display.icons] },
    leds: [...config.leds],
    keys: [...config.keys],
    codecs: [...config.codecs],
    heapLimitBytes: config.memory.heapLimitMB * 1024 * 1024,
    maxAccounts: config.maxAccounts,
    firmwareVersion,
    sip: { ...config.sip },
    accounts: config.accounts.map((account) => ({ ...account })),
    dialPlan: { ...config.dialPlan },
    tonePlan: config.tonePlan ?? 'na',
    rtpPorts: config.rtpPorts ? { ...config.rtpPorts } : { min: 16384, max: 32766 },
    ...(config.provisioningUrl !== undefined ? { provisioningUrl: config.provisioningUrl } : {}),
    ...(config.flash !== undefined ? { confirmAfterS: config.flash.confirmAfterS ?? DEFAULT_CONFIRM_AFTER_S } : {}),
  };
}

// ---- the emulator's --account flag --------------------------------------------------------

const ACCOUNT_FLAG_FORM = 'sip:user:password@host[:port]';

function fail(problem: string): never {
  throw new BoardConfigError('--account', '', `expected ${ACCOUNT_FLAG_FORM}: ${problem}`);
}

/**
 * Parses `sip:user:password@host[:port]` into an account. The password runs from the first ':' after
 * the user to the last '@', so it may contain ':' and '@'. Errors never repeat the text (it holds a
 * password).
 */
export function parseAccountUri(text: string): AccountConfig {
  if (!text.startsWith('sip:')) fail('it must start with "sip:"');
  const at = text.lastIndexOf('@');
  if (at < 0) fail('there is no "@host"');
  const userInfo = text.slice(4, at);
  const colon = userInfo.indexOf(':');
  if (colon < 0) fail('there is no ":password" after the user');
  const user = userInfo.slice(0, colon);
  const password = userInfo.slice(colon + 1);
  if (!SIP_USER.test(user)) fail('the user part is empty or has characters a SIP URI does not allow');
  if (password.length === 0) fail('the password is empty');
  if (password.length > 128) fail('the password is longer than 128 characters');
  const hostPort = text.slice(at + 1);
  if (hostPort.length === 0) fail('the host after "@" is missing');
  const parsed = splitHostPort(hostPort);
  if (!parsed) fail(`"${hostPort}" is not a host with an optional port from 1 to 65535`);
  return { uri: `sip:${user}@${parsed.host}`, password, registrar: hostPort };
}
