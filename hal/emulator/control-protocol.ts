// The emulator's control protocol (`--control stdio`, the web page's messages): one JSON object per
// line in — keys, dial, reboot, quit, history — checked and applied to a target. Pure code (no
// Node imports): the Node emulator and the C host's QuickJS shell share it, and with it every
// error message. Bad input gets an error message, never a crash.
import { KEYS } from '../contract.ts';
import type { Key } from '../contract.ts';

export interface ControlTarget {
  key(key: Key, down?: boolean): void;
  dial(target: string): void;
  reboot(): void;
  quit(): void;
  /** Commands the firmware answers itself with an event ({"cmd":"history"}). */
  firmware?(command: { cmd: string }): void;
}

const MAX_LINE = 4096;

/** How a line's JSON is parsed (throws on bad JSON); the C host's shell passes one that accepts exactly what V8 does. */
export type JsonParse = (text: string) => unknown;

/** One JSON object from a control line or a web page's message; a string says what is wrong. */
export function parseJsonObject(text: string, parse: JsonParse = JSON.parse): Record<string, unknown> | string {
  let msg: unknown;
  try {
    msg = parse(text);
  } catch {
    return `not JSON: ${text.slice(0, 80)}`;
  }
  if (typeof msg !== 'object' || msg === null || Array.isArray(msg)) return 'expected a JSON object';
  return msg as Record<string, unknown>;
}

/** Applies one input line to the target; returns an error message or null. */
export function applyControlLine(line: string, target: ControlTarget, boardKeys: readonly Key[], parse: JsonParse = JSON.parse): string | null {
  const text = line.trim();
  if (text === '') return null;
  if (text.length > MAX_LINE) return `input line longer than ${MAX_LINE} characters`;
  const m = parseJsonObject(text, parse);
  if (typeof m === 'string') return m;
  if ('key' in m) {
    if (typeof m.key !== 'string' || !(KEYS as readonly string[]).includes(m.key)) return `unknown key ${JSON.stringify(m.key)}`;
    if (!boardKeys.includes(m.key as Key)) return `this board has no '${m.key}' key`;
    if (m.down !== undefined && typeof m.down !== 'boolean') return '"down" must be true or false';
    target.key(m.key as Key, m.down as boolean | undefined);
    return null;
  }
  if ('dial' in m) {
    if (typeof m.dial !== 'string' || m.dial.length === 0 || m.dial.length > 256) return '"dial" must be a number or URI of 1-256 characters';
    target.dial(m.dial);
    return null;
  }
  if ('cmd' in m) {
    if (m.cmd === 'reboot') target.reboot();
    else if (m.cmd === 'quit') target.quit();
    else if (m.cmd === 'history' && target.firmware) target.firmware({ cmd: m.cmd });
    else return `unknown cmd ${JSON.stringify(m.cmd)}`;
    return null;
  }
  return 'expected "key", "dial" or "cmd"';
}
