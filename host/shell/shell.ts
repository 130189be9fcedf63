// The host shell: the trusted JavaScript the native C host (quip-host) runs in a QuickJS runtime
// of its own, apart from the firmware's. It is the Node emulator's own TypeScript — board config
// validation (hal/board-schema.ts), the control protocol (hal/emulator/control-protocol.ts), the
// LCD model (hal/emulator/display.ts) — so the C host checks, parses and prints exactly what
// `quip emulate --control stdio` does, byte for byte. bundle-shell.ts bundles it (no Node APIs).
//
// Everything is on the global `quipShell`; arguments and results are strings and numbers (JSON
// text for structures), so the C side only marshals those. Functions throw only on misuse by the
// host (e.g. lcd() before lcdOpen()), never on bad user input.
//
//   loadBoard(configText, source, optionsJson) → JSON
//       The board config file's text (as Node reads it: UTF-8, BOM kept), `source` as errors name
//       it (what loadBoardConfig prints: the path relative to the current directory, '/'
//       separators, when below it, else absolute; its base name minus ".json" must be the id),
//       and the command line's overrides {"account"?, "sipPort"?, "sipTransport"?,
//       "acceptDirectCalls"?, "provisioningUrl"?, "version"?} applied as quip emulate
//       applies --account, --sip-port, --sip-transport, --accept-direct-calls, --provisioning-url.
//       "version" is the image's version; default the config's firmware.version, else the
//       package.json version baked in at bundle time (see version()).
//       → {"ok":true,"board":BoardInfo,"stackBytes":n,"watchdogMs":n,"flash":FlashLayout|null,
//          "publicKey":base64|null,"config":BoardConfig}
//       → {"ok":false,"exit":1,"error":msg}  a BoardConfigError (emulate.ts prints "error: msg")
//       → {"ok":false,"exit":2,"error":msg}  a usage error (emulate.ts prints
//          "quip emulate: msg\nRun 'quip emulate --help' for usage.")
//   portOption(flag, text) → {"ok":true,"port":n} | {"ok":false,"exit":2,"error":"--flag must be 0..65535"}
//       emulate.ts's check of --update-port, --tftp-port and --http-port values.
//   noSuchBoard(name, source, boardIdsJson) → {"ok":false,"exit":1,"error":msg}
//       loadBoardConfig's error for a board name with no file: boardIdsJson is the ids as
//       listBoards gives them, or null when the boards directory does not exist.
//   listBoards(fileNamesJson) → JSON array: listBoards() from a directory's file names.
//   lcdOpen(rows, cols); lcdReset()   a new LCD; clear it without an event (each boot does that)
//   lcd(op, a?, b?, c?, d?) → the `display` event line, or '' when nothing changed.
//       op: 'write' (row, col, text, inverse?) | 'clear' | 'flush' | 'icon' (icon, on) |
//       'led' (led, 'off'|'on'|'blink') | 'ring' (on): the DisplayHal calls, as the firmware made
//       them (undefined for a missing argument).
//   lcdState() → JSON of the LCD state (lines, inverse, icons, leds, ringing).
//   controlLine(line, boardKeysJson) → JSON of what one stdin line asks:
//       {"key":k,"down"?:bool} | {"dial":target} | {"cmd":"reboot"|"quit"} |
//       {"firmware":{"cmd":"history"}} | {} (blank line) |
//       {"error":msg,"line":'{"event":"error","where":"control","message":msg}'} (line: ready to print)
//       `line` is one line of input without its line end (readline splits at \n, \r\n and \r).
//   firmwareEvent(eventText, factsJson) → '' or {"line":text,"boot":bool}
//       What the emulator does with system.emit(eventText): eventText as the firmware passed it
//       (the JSON text); an object (arrays included, as in the emulator) is printed as `line`;
//       a `boot` event gets the boot loader's facts merged in ({...event, ...facts}) and
//       "boot":true (the emulator then resets its crash back-off). Anything else: ''.
//   withVersion(boardJson, version) → the BoardInfo JSON with firmwareVersion set (the version of
//       the image a boot loader picked: the firmware reports it as its own).
//   jsonLines(arrayJson) → each element of a JSON array as one JSON line ('\n' between): the boot
//       loader's notices (a rollback) as the event lines the emulator prints.
//   errorEvent(where, message) → '{"event":"error","where":...,"message":...}' (e.g. "control").
//   version() → the package.json version baked in.
//
// JSON validity follows V8 (Node's JSON.parse) everywhere, via v8-json-error.ts, and so do the
// words of a config file's JSON syntax error: QuickJS's own JSON.parse only builds the values.
import {
  BoardConfigError,
  applyBoardOverrides,
  checkFileId,
  jsonSyntaxProblem,
  toBoardInfo,
  validateBoardConfig,
} from '../../hal/board-schema.ts';
import type { BoardConfig } from '../../hal/board-schema.ts';
import type { BoardInfo, DisplayIcon, Key, LedName } from '../../hal/contract.ts';
import { applyControlLine } from '../../hal/emulator/control-protocol.ts';
import type { ControlTarget } from '../../hal/emulator/control-protocol.ts';
import { Lcd } from '../../hal/emulator/display.ts';
import { FlashError } from '../../hal/flash/flash-error.ts';
import { flashLayout } from '../../hal/flash/layout.ts';
import { v8JsonParseError } from './v8-json-error.ts';

/** package.json's version, substituted by bundle-shell.ts (esbuild define). */
declare const QUIP_PACKAGE_VERSION: string;
const PACKAGE_VERSION = typeof QUIP_PACKAGE_VERSION === 'string' ? QUIP_PACKAGE_VERSION : '0.0.0';

type Failure = { ok: false; exit: 1 | 2; error: string };

/** JSON.parse, but accepting and rejecting exactly what V8 does (with V8's message). */
function parseJson(text: string): unknown {
  const problem = v8JsonParseError(text);
  if (problem !== null) throw new SyntaxError(problem);
  return JSON.parse(text);
}

function usage(error: string): string {
  return JSON.stringify({ ok: false, exit: 2, error } satisfies Failure);
}

function configError(error: string): string {
  return JSON.stringify({ ok: false, exit: 1, error } satisfies Failure);
}

interface BoardOptions {
  account?: string;
  sipPort?: string;
  sipTransport?: string;
  acceptDirectCalls?: boolean;
  provisioningUrl?: string;
  version?: string;
}

const OPTION_TYPES: Record<keyof BoardOptions, 'string' | 'boolean'> = {
  account: 'string',
  sipPort: 'string',
  sipTransport: 'string',
  acceptDirectCalls: 'boolean',
  provisioningUrl: 'string',
  version: 'string',
};

/** The host's options object, or the problem (a host bug: reported as a usage error). */
function boardOptions(optionsJson: string): BoardOptions | string {
  let options: unknown;
  try {
    options = parseJson(optionsJson === '' ? '{}' : optionsJson);
  } catch (e) {
    return `board options: ${(e as Error).message}`;
  }
  if (typeof options !== 'object' || options === null || Array.isArray(options)) return 'board options: expected a JSON object';
  for (const [name, value] of Object.entries(options)) {
    const type = OPTION_TYPES[name as keyof BoardOptions];
    if (type === undefined) return `board options: unknown option "${name}"`;
    if (value !== undefined && value !== null && typeof value !== type) return `board options: "${name}" must be a ${type}`;
  }
  return options as BoardOptions;
}

export function loadBoard(configText: string, source: string, optionsJson: string): string {
  const options = boardOptions(optionsJson);
  if (typeof options === 'string') return usage(options);
  let config: BoardConfig;
  let board: BoardInfo;
  try {
    // As loadBoardConfig and then quip emulate: parse, validate, the id is the file's name, overrides
    // (applyBoardOverrides, the one both hosts use).
    let json: unknown;
    try {
      json = parseJson(configText);
    } catch (err) {
      throw new BoardConfigError(source, '', jsonSyntaxProblem(configText, err as Error));
    }
    config = validateBoardConfig(json, source);
    checkFileId(config, source);
    board = toBoardInfo(config, options.version ?? config.firmware?.version ?? PACKAGE_VERSION);
    // A bad --account (a config error) is reported before a bad --sip-port or --sip-transport.
    const port = options.sipPort == null ? undefined : Number(options.sipPort);
    const portOk = port === undefined || (Number.isInteger(port) && port >= 0 && port <= 65535);
    const transport = options.sipTransport ?? undefined;
    const transportOk = transport === undefined || transport === 'udp' || transport === 'tcp';
    board = applyBoardOverrides(board, {
      account: options.account ?? undefined,
      provisioningUrl: options.provisioningUrl ?? undefined,
      sipPort: portOk ? port : undefined,
      acceptDirectCalls: options.acceptDirectCalls === true,
      sipTransport: transportOk ? (transport as 'udp' | 'tcp' | undefined) : undefined,
    });
    if (!portOk) return usage('--sip-port must be 0..65535');
    if (!transportOk) return usage('--sip-transport must be udp or tcp');
  } catch (e) {
    if (e instanceof BoardConfigError) return configError(e.message);
    throw e;
  }
  let flash = null;
  try {
    flash = config.flash === undefined ? null : flashLayout(config.flash);
  } catch (e) {
    // validateBoardConfig already refuses a flash section that does not fit; kept for safety.
    if (e instanceof FlashError) return configError(e.message);
    throw e;
  }
  return JSON.stringify({
    ok: true,
    board,
    stackBytes: config.memory.stackKB * 1024,
    watchdogMs: config.watchdogMs,
    flash,
    publicKey: config.update?.publicKey ?? null,
    config,
  });
}

export function portOption(flag: string, text: string): string {
  const n = Number(text);
  if (!Number.isInteger(n) || n < 0 || n > 65535) return usage(`--${flag} must be 0..65535`);
  return JSON.stringify({ ok: true, port: n });
}

export function noSuchBoard(name: string, source: string, boardIdsJson: string): string {
  const ids = parseJson(boardIdsJson) as string[] | null;
  const known = ids === null ? 'none' : ids.join(', ');
  return configError(new BoardConfigError(source, '', `no such board "${name}" (boards: ${known})`).message);
}

export function listBoards(fileNamesJson: string): string {
  const names = parseJson(fileNamesJson) as string[];
  const ids = names.filter((f) => f.endsWith('.json') && f !== 'schema.json').map((f) => f.slice(0, -'.json'.length));
  return JSON.stringify(ids.sort());
}

// ---- the LCD ------------------------------------------------------------------------------

let screen: Lcd | null = null;
let emitted = '';

export function lcdOpen(rows: number, cols: number): void {
  screen = new Lcd(rows, cols, (state) => {
    emitted = JSON.stringify({ event: 'display', ...state });
  });
}

function openLcd(): Lcd {
  if (screen === null) throw new Error('lcdOpen() first');
  return screen;
}

export function lcdReset(): void {
  openLcd().clear();
}

export function lcd(op: string, a?: unknown, b?: unknown, c?: unknown, d?: unknown): string {
  const display = openLcd();
  emitted = '';
  switch (op) {
    case 'write':
      display.write(a as number, b as number, c as string, d as boolean | undefined);
      break;
    case 'clear':
      display.clear();
      break;
    case 'flush':
      display.flush();
      break;
    case 'icon':
      display.icon(a as DisplayIcon, b as boolean);
      break;
    case 'led':
      display.led(a as LedName, b as 'off' | 'on' | 'blink');
      break;
    case 'ring':
      display.ring(a as boolean);
      break;
    default:
      throw new Error(`unknown LCD op '${op}'`);
  }
  return emitted;
}

export function lcdState(): string {
  return JSON.stringify(openLcd().state());
}

// ---- control lines and events -------------------------------------------------------------

export function errorEvent(where: string, message: string): string {
  return JSON.stringify({ event: 'error', where, message });
}

export function controlLine(line: string, boardKeysJson: string): string {
  const keys = parseJson(boardKeysJson) as Key[];
  let action: object = {};
  const target: ControlTarget = {
    key: (key, down) => (action = down === undefined ? { key } : { key, down }),
    dial: (dial) => (action = { dial }),
    reboot: () => (action = { cmd: 'reboot' }),
    quit: () => (action = { cmd: 'quit' }),
    firmware: (command) => (action = { firmware: command }),
  };
  const error = applyControlLine(line, target, keys, parseJson);
  if (error !== null) return JSON.stringify({ error, line: errorEvent('control', error) });
  return JSON.stringify(action);
}

export function firmwareEvent(eventText: unknown, factsJson: string): string {
  // vm-bridge.ts: the argument is JSON text when it parses, else stays as it came.
  let event: unknown = eventText;
  if (typeof eventText === 'string') {
    try {
      event = parseJson(eventText);
    } catch {
      event = eventText;
    }
  }
  // Emulator system.emit: only objects are events.
  if (typeof event !== 'object' || event === null) return '';
  const boot = (event as { event?: unknown }).event === 'boot';
  if (boot) {
    const facts = factsJson === '' ? {} : (parseJson(factsJson) as Record<string, unknown>);
    event = { ...event, ...facts };
  }
  return JSON.stringify({ line: JSON.stringify(event), boot });
}

export function withVersion(boardJson: string, firmwareVersion: string): string {
  return JSON.stringify({ ...(parseJson(boardJson) as BoardInfo), firmwareVersion });
}

export function jsonLines(arrayJson: string): string {
  const list = parseJson(arrayJson);
  return Array.isArray(list) ? list.map((e) => JSON.stringify(e)).join('\n') : '';
}

export function version(): string {
  return PACKAGE_VERSION;
}
