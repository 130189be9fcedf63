// Bundle entry: what QuickJS evaluates. Binds the host's native `__hal` function, creates
// the firmware, and exposes `quipFirmware.start()` / `quipFirmware.event(type, ...)` for the host to call.

import { bindHal, decodeEvent } from './hal-binding.ts';
import type { NativeHal } from './hal-binding.ts';
import { createFirmware } from './firmware.ts';

declare const globalThis: { __hal?: NativeHal };

const firmware = createFirmware();

/** Boots the phone. The host calls this once after evaluating the bundle. */
export function start(): void {
  const native = globalThis.__hal;
  if (typeof native !== 'function') throw new Error('host did not provide __hal');
  firmware.start(bindHal(native));
}

/** One event from the host, positional arguments per EVENT_FIELDS. */
export function event(type: string, a?: unknown, b?: unknown, c?: unknown, d?: unknown): void {
  const ev = decodeEvent(type, [a, b, c, d]);
  if (ev !== null) firmware.dispatch(ev);
}
