// Board configs (board-configs/<id>.json): what one phone model has — display, keys, LEDs, memory
// budget, SIP defaults, accounts — handed to the firmware as BoardInfo. This module is the pure
// part: the validator, toBoardInfo and the --account parser, with no Node imports, so the Node
// side (board-config.ts: files, package.json) and the C host's QuickJS shell (host/shell) share
// one implementation and one set of error messages. The rules a provisioning file shares with a
// board config (accounts, codecs, dial plan, tone plan) and the generic checker are the phone's
// own, in firmware/config; the board-only rules are here. board-configs/schema.json, for
// editors, is generated from the same tables (board-json-schema.ts, scripts/gen-schema.ts).
import { KEYS } from './contract.ts';
import { DEFAULT_CONFIRM_AFTER_S, ERASE_KB_CHOICES, flashConfigProblem } from './flash/layout.ts';
import type { FlashConfig } from './flash/layout.ts';
import { decodePublicKey } from '../image/public-key.ts';
import { urlProtocol } from './url-syntax.ts';
import { checkAccounts } from '../firmware/config/account.ts';
import { Checker, ConfigError, fieldPath } from '../firmware/config/checker.ts';
import type { IntRange } from '../firmware/config/checker.ts';
import { checkCodecs } from '../firmware/config/codecs.ts';
import type { CodecName } from '../firmware/config/codecs.ts';
import { checkDialPlan } from '../firmware/config/dial-plan.ts';
import { isSipUser, splitHostPort } from '../firmware/config/sip-address.ts';
import { checkTonePlan } from '../firmware/config/tone-plan.ts';
import type { AccountConfig, BoardInfo, DisplayIcon, Key, LedName } from './contract.ts';

export type { AccountConfig } from './contract.ts';
export type Codec = CodecName;
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

/** A board config that cannot be used; the message names the file, the field path and what was expected. */
export class BoardConfigError extends ConfigError {
  constructor(source: string, field: string, problem: string) {
    super(source, field, problem);
    this.name = 'BoardConfigError';
  }
}

// ---- runtime lists of the contract's unions -------------------------------------------------

/** Checks at compile time that `list` holds every member of the union T. */
function everyMember<T extends string>() {
  return <const L extends readonly T[]>(list: L & ([T] extends [L[number]] ? unknown : never)): L => list;
}

export const DISPLAY_ICONS = everyMember<DisplayIcon>()(['registered', 'message', 'mute', 'hold', 'speaker', 'headset', 'dnd']);
export const LEDS = everyMember<LedName>()(['message', 'line1', 'line2']);
export const TRANSPORTS = everyMember<SipTransport>()(['udp', 'tcp']);
export const DIAL_PAD: readonly Key[] = ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9', '*', '#'];
const SOFTKEYS: readonly Key[] = ['soft1', 'soft2', 'soft3', 'soft4'];

export const DEFAULT_SIP_PORT = 5060;
export const ID_PATTERN = /^[a-z][a-z0-9-]{0,31}$/;
export const SEMVER = /^\d+\.\d+\.\d+(?:-[0-9A-Za-z.-]+)?(?:\+[0-9A-Za-z.-]+)?$/;
export const PROVISIONING_PROTOCOLS = ['http:', 'https:', 'tftp:'];

const PORT: IntRange = { min: 0, max: 65535 };
/** The ranges of the board-only integer fields (board-json-schema.ts reads them too). */
export const BOARD_LIMITS = {
  display: { rows: { min: 1, max: 24 }, cols: { min: 8, max: 80 }, softkeys: { min: 0, max: 4 } },
  memory: { heapLimitMB: { min: 1, max: 256 }, stackKB: { min: 16, max: 4096 } },
  watchdogMs: { min: 100, max: 60000 },
  maxAccounts: { min: 1, max: 8 },
  sip: { port: PORT, serverCheckS: { min: 0, max: 3600 } },
  /** rtpPorts.max is also at least rtpPorts.min + 2. */
  rtpPorts: { min: { min: 1024, max: 65532 }, max: { min: 1026, max: 65534 } },
  update: { httpPort: PORT, tftpPort: PORT },
  flash: {
    sizeKB: { min: 64, max: 1024 * 1024 },
    slotKB: { min: 64, max: 256 * 1024 },
    storageKB: { min: 8, max: 64 * 1024 },
    maxTrialBoots: { min: 1, max: 255 },
    confirmAfterS: { min: 1, max: 3600 },
  },
} as const satisfies Record<string, IntRange | Record<string, IntRange>>;

// ---- the board config ---------------------------------------------------------------------

/** Each object's fields, in the order they are checked (board-json-schema.ts lists them so). */
export const BOARD_FIELDS = {
  top: [
    '$schema', 'id', 'name', 'display', 'leds', 'keys', 'keymap', 'codecs', 'memory', 'watchdogMs',
    'maxAccounts', 'sip', 'dialPlan', 'accounts', 'provisioningUrl', 'firmware', 'tonePlan', 'rtpPorts',
    'update', 'flash',
  ],
  display: ['rows', 'cols', 'softkeys', 'icons'],
  memory: ['heapLimitMB', 'stackKB'],
  sip: ['port', 'transport', 'acceptDirectCalls', 'serverCheckS'],
  rtpPorts: ['min', 'max'],
  firmware: ['version'],
  update: ['publicKey', 'httpPort', 'tftpPort'],
  flash: ['sizeKB', 'slotKB', 'storageKB', 'eraseKB', 'maxTrialBoots', 'confirmAfterS'],
} as const;

/** The board-only text fields' maximum lengths. */
export const BOARD_TEXT = { $schema: 1024, id: 32, name: 64, provisioningUrl: 1024, firmwareVersion: 64, publicKey: 64 } as const;

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

function checkSip(c: Checker, value: unknown): BoardConfig['sip'] {
  const s = c.object(value, 'sip', BOARD_FIELDS.sip);
  const direct = c.flag(s['acceptDirectCalls'], 'sip.acceptDirectCalls');
  return {
    port: s['port'] === undefined ? DEFAULT_SIP_PORT : c.int(s['port'], 'sip.port', BOARD_LIMITS.sip.port),
    transport: s['transport'] === undefined ? ('udp' as const) : c.oneOf(s['transport'], 'sip.transport', TRANSPORTS),
    ...(direct === true ? { acceptDirectCalls: true } : {}),
    ...(s['serverCheckS'] !== undefined ? { serverCheckS: c.int(s['serverCheckS'], 'sip.serverCheckS', BOARD_LIMITS.sip.serverCheckS) } : {}),
  };
}

function checkProvisioningUrl(c: Checker, value: unknown): string {
  const text = c.text(value, 'provisioningUrl', BOARD_TEXT.provisioningUrl);
  const protocol = urlProtocol(text) ?? '';
  if (!PROVISIONING_PROTOCOLS.includes(protocol)) c.expected('provisioningUrl', 'an http, https or tftp URL', text);
  return text;
}

function checkRtpPorts(c: Checker, value: unknown): { min: number; max: number } {
  const r = c.object(value, 'rtpPorts', BOARD_FIELDS.rtpPorts);
  const min = c.int(r['min'], 'rtpPorts.min', BOARD_LIMITS.rtpPorts.min);
  const max = c.int(r['max'], 'rtpPorts.max', { min: min + 2, max: BOARD_LIMITS.rtpPorts.max.max });
  if (min % 2 !== 0) c.expected('rtpPorts.min', 'an even port (RTP even, RTCP odd: RFC 3550 §11)', min);
  return { min, max };
}

function checkFirmware(c: Checker, value: unknown): { version: string } {
  const f = c.object(value, 'firmware', BOARD_FIELDS.firmware);
  const version = c.text(f['version'], 'firmware.version', BOARD_TEXT.firmwareVersion);
  if (!SEMVER.test(version)) c.expected('firmware.version', 'a semantic version like 1.2.3', version);
  return { version };
}

function checkUpdate(c: Checker, value: unknown): UpdateConfig {
  const u = c.object(value, 'update', BOARD_FIELDS.update);
  const update: UpdateConfig = {};
  if (u['publicKey'] !== undefined) {
    const text = c.text(u['publicKey'], 'update.publicKey', BOARD_TEXT.publicKey);
    const key = decodePublicKey(text);
    if (typeof key === 'string') c.fail('update.publicKey', `${key} (quip keygen prints the line to paste)`);
    update.publicKey = text;
  }
  if (u['httpPort'] !== undefined) update.httpPort = c.int(u['httpPort'], 'update.httpPort', BOARD_LIMITS.update.httpPort);
  if (u['tftpPort'] !== undefined) update.tftpPort = c.int(u['tftpPort'], 'update.tftpPort', BOARD_LIMITS.update.tftpPort);
  return update;
}

function checkFlash(c: Checker, value: unknown): FlashConfig {
  const f = c.object(value, 'flash', BOARD_FIELDS.flash);
  const limits = BOARD_LIMITS.flash;
  const flash: FlashConfig = {
    sizeKB: c.int(f['sizeKB'], 'flash.sizeKB', limits.sizeKB),
    slotKB: c.int(f['slotKB'], 'flash.slotKB', limits.slotKB),
    storageKB: c.int(f['storageKB'], 'flash.storageKB', limits.storageKB),
  };
  const erase = f['eraseKB'];
  if (erase !== undefined) {
    if (typeof erase !== 'number' || !(ERASE_KB_CHOICES as readonly number[]).includes(erase)) {
      c.expected('flash.eraseKB', `one of ${ERASE_KB_CHOICES.join(', ')}`, erase);
    }
    flash.eraseKB = erase;
  }
  if (f['maxTrialBoots'] !== undefined) flash.maxTrialBoots = c.int(f['maxTrialBoots'], 'flash.maxTrialBoots', limits.maxTrialBoots);
  if (f['confirmAfterS'] !== undefined) flash.confirmAfterS = c.int(f['confirmAfterS'], 'flash.confirmAfterS', limits.confirmAfterS);
  const problem = flashConfigProblem(flash);
  if (problem) c.fail(`flash.${problem[0]}`, problem[1]);
  return flash;
}

/** Validates parsed JSON as a board config; `source` names it in errors (usually the file path). */
export function validateBoardConfig(json: unknown, source: string): BoardConfig {
  const c = new Checker(source, BoardConfigError);
  const obj = c.object(json, '', BOARD_FIELDS.top, 'a JSON object (a board config)');
  if (obj['$schema'] !== undefined) c.text(obj['$schema'], '$schema', BOARD_TEXT.$schema);

  const id = c.text(obj['id'], 'id', BOARD_TEXT.id);
  if (!ID_PATTERN.test(id)) c.expected('id', 'lower-case letters, digits and "-", starting with a letter', id);
  const name = c.text(obj['name'], 'name', BOARD_TEXT.name);

  const d = c.object(obj['display'], 'display', BOARD_FIELDS.display);
  const display = {
    rows: c.int(d['rows'], 'display.rows', BOARD_LIMITS.display.rows),
    cols: c.int(d['cols'], 'display.cols', BOARD_LIMITS.display.cols),
    softkeys: c.int(d['softkeys'], 'display.softkeys', BOARD_LIMITS.display.softkeys),
    icons: c.setOf(d['icons'], 'display.icons', DISPLAY_ICONS),
  };
  const leds = c.setOf(obj['leds'], 'leds', LEDS);
  const keys = checkKeys(c, obj['keys'], display.softkeys);
  const keymap = checkKeymap(c, obj['keymap'], keys);
  const codecs = checkCodecs(c, obj['codecs']);

  const m = c.object(obj['memory'], 'memory', BOARD_FIELDS.memory);
  const memory = {
    heapLimitMB: c.int(m['heapLimitMB'], 'memory.heapLimitMB', BOARD_LIMITS.memory.heapLimitMB),
    stackKB: c.int(m['stackKB'], 'memory.stackKB', BOARD_LIMITS.memory.stackKB),
  };
  const watchdogMs = c.int(obj['watchdogMs'], 'watchdogMs', BOARD_LIMITS.watchdogMs);
  const maxAccounts = c.int(obj['maxAccounts'], 'maxAccounts', BOARD_LIMITS.maxAccounts);
  const sip = checkSip(c, obj['sip']);
  const dialPlan = checkDialPlan(c, obj['dialPlan']);
  const accounts = checkAccounts(c, obj['accounts'], maxAccounts);

  const config: BoardConfig = {
    id, name, display, leds, keys, keymap, codecs, memory, watchdogMs, maxAccounts, sip, dialPlan, accounts,
  };
  if (obj['provisioningUrl'] !== undefined) config.provisioningUrl = checkProvisioningUrl(c, obj['provisioningUrl']);
  if (obj['tonePlan'] !== undefined) config.tonePlan = checkTonePlan(c, obj['tonePlan']);
  if (obj['rtpPorts'] !== undefined) config.rtpPorts = checkRtpPorts(c, obj['rtpPorts']);
  if (obj['firmware'] !== undefined) config.firmware = checkFirmware(c, obj['firmware']);
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
  if (!isSipUser(user)) fail('the user part is empty or has characters a SIP URI does not allow');
  if (password.length === 0) fail('the password is empty');
  if (password.length > 128) fail('the password is longer than 128 characters');
  const hostPort = text.slice(at + 1);
  if (hostPort.length === 0) fail('the host after "@" is missing');
  const parsed = splitHostPort(hostPort);
  if (!parsed) fail(`"${hostPort}" is not a host with an optional port from 1 to 65535`);
  return { uri: `sip:${user}@${parsed.host}`, password, registrar: hostPort };
}

/** What a host's command line may change in a board (quip emulate and quip-host take the same). */
export interface BoardOverrides {
  /** `sip:user:password@host[:port]` (parseAccountUri): replaces the accounts. */
  account?: string;
  provisioningUrl?: string;
  sipPort?: number;
  acceptDirectCalls?: boolean;
  sipTransport?: SipTransport;
}

/** The board with the overrides applied; throws BoardConfigError for a bad account. */
export function applyBoardOverrides(board: BoardInfo, o: BoardOverrides): BoardInfo {
  let b = board;
  if (o.account !== undefined) b = { ...b, accounts: [parseAccountUri(o.account)] };
  if (o.provisioningUrl !== undefined) b = { ...b, provisioningUrl: o.provisioningUrl };
  if (o.sipPort !== undefined) b = { ...b, sip: { ...b.sip, port: o.sipPort } };
  if (o.acceptDirectCalls === true) b = { ...b, sip: { ...b.sip, acceptDirectCalls: true } };
  if (o.sipTransport !== undefined) b = { ...b, sip: { ...b.sip, transport: o.sipTransport } };
  return b;
}
