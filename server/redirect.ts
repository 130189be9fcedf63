// The redirect server (RFC 3261 §8.3, §21.3.3): instead of forwarding, tell the caller
// where the callee is registered — 302 Moved Temporarily with one Contact per binding,
// carrying its q and the seconds the binding has left.

import type { Exchange } from './exchange.ts';
import { secondsLeft } from './location.ts';
import type { Binding } from './location.ts';

export function redirect(ex: Exchange, bindings: readonly Binding[], now: number): void {
  const contacts = bindings.map((b) => {
    let v = `<${b.contact}>`;
    if (b.q !== null) v += `;q=${b.q}`;
    return ['Contact', `${v};expires=${secondsLeft(b, now)}`] as const;
  });
  ex.reply(302, 'Moved Temporarily', contacts);
}
