// Turns the one native function a host provides (`__hal`, see HOST_CALLS in the contract)
// into the typed Hal the firmware uses, and the host's positional event arguments (see
// EVENT_FIELDS) into HalEvent objects.

import { EVENT_FIELDS, HOST_CALLS } from '../hal/contract.ts';
import type { Hal, HalEvent, HostCall } from '../hal/contract.ts';

export type NativeHal = (op: string, a?: unknown, b?: unknown, c?: unknown, d?: unknown) => unknown;

/** Functions whose single object/array argument travels as JSON text. */
const JSON_ARGUMENT: Partial<Record<HostCall, true>> = { 'system.emit': true, 'audio.tone': true };

export function bindHal(native: NativeHal): Hal {
  const groups: Record<string, Record<string, (...args: unknown[]) => unknown>> = {};
  for (const op of Object.keys(HOST_CALLS) as HostCall[]) {
    const dot = op.indexOf('.');
    const group = op.slice(0, dot);
    const name = op.slice(dot + 1);
    const result = HOST_CALLS[op];
    const jsonArg = JSON_ARGUMENT[op] === true;
    (groups[group] ??= {})[name] = (a?: unknown, b?: unknown, c?: unknown, d?: unknown) => {
      const r = native(op, jsonArg ? JSON.stringify(a) : a, b, c, d);
      if (result === 'json') return typeof r === 'string' ? JSON.parse(r) : r;
      return result === 'void' ? undefined : r;
    };
  }
  return groups as unknown as Hal;
}

/** Rebuilds a HalEvent from quip.event(type, a, b, c, d); null for an unknown type. */
export function decodeEvent(type: string, args: unknown[]): HalEvent | null {
  const fields = (EVENT_FIELDS as Record<string, readonly string[] | undefined>)[type];
  if (fields === undefined) return null;
  const ev: Record<string, unknown> = { type };
  for (let i = 0; i < fields.length; i++) {
    const f = fields[i]!;
    const colon = f.indexOf(':');
    if (colon === -1) ev[f] = args[i];
    else ev[f.slice(0, colon)] = typeof args[i] === 'string' ? JSON.parse(args[i] as string) : args[i];
  }
  return ev as unknown as HalEvent;
}
