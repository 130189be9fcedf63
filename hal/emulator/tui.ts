// The terminal UI (`--ui tui`): draws the LCD, icons and LEDs, and turns keyboard presses
// into phone keys through the board's keymap. The hook key toggles on-hook/off-hook.

import { emitKeypressEvents } from 'node:readline';
import type { ReadStream, WriteStream } from 'node:tty';
import type { Key } from '../contract.ts';
import type { LcdState } from './display.ts';

export interface TuiOptions {
  title: string;
  cols: number;
  /** Keyboard key name (DOM style: "Enter", "F1", "ArrowUp", "a") → phone key. */
  keymap: Record<string, Key>;
  onKey(key: Key, down?: boolean): void;
  onQuit(): void;
}

/** readline's key names → the DOM-style names board keymaps use. */
const NAMED: Record<string, string> = {
  return: 'Enter', enter: 'Enter', escape: 'Escape', space: ' ', backspace: 'Backspace', tab: 'Tab',
  up: 'ArrowUp', down: 'ArrowDown', left: 'ArrowLeft', right: 'ArrowRight', delete: 'Delete',
  f1: 'F1', f2: 'F2', f3: 'F3', f4: 'F4', f5: 'F5', f6: 'F6', f7: 'F7', f8: 'F8',
};

export function keyName(str: string | undefined, key: { name?: string; sequence?: string } | undefined): string | null {
  if (key?.name !== undefined && NAMED[key.name] !== undefined) return NAMED[key.name]!;
  const s = str ?? key?.sequence;
  return s !== undefined && s.length === 1 ? s : null;
}

export class Tui {
  private state: LcdState | null = null;
  private status = '';
  private offHook = false;

  constructor(
    private readonly input: ReadStream,
    private readonly output: WriteStream,
    private readonly options: TuiOptions,
  ) {}

  start(): void {
    emitKeypressEvents(this.input);
    if (this.input.isTTY) this.input.setRawMode(true);
    this.input.on('keypress', (str: string | undefined, key: { name?: string; ctrl?: boolean; sequence?: string }) => {
      if (key?.ctrl && (key.name === 'c' || key.name === 'd')) return this.options.onQuit();
      const name = keyName(str, key);
      const phoneKey = name === null ? undefined : this.options.keymap[name];
      if (phoneKey === undefined) return;
      if (phoneKey === 'hook') {
        this.offHook = !this.offHook;
        this.options.onKey('hook', this.offHook);
      } else {
        this.options.onKey(phoneKey);
      }
      this.render();
    });
    this.output.write('\x1b[?25l'); // hide the cursor while the phone is on screen
    this.render();
  }

  stop(): void {
    if (this.input.isTTY) this.input.setRawMode(false);
    this.input.pause();
    this.output.write('\x1b[?25h\n');
  }

  show(state: LcdState): void {
    this.state = state;
    this.render();
  }

  note(text: string): void {
    this.status = text;
    this.render();
  }

  render(): void {
    this.output.write('\x1b[H\x1b[2J' + renderScreen(this.options, this.state, this.offHook, this.status));
  }
}

/** The whole screen as text (exported for tests). */
export function renderScreen(o: Pick<TuiOptions, 'title' | 'cols' | 'keymap'>, st: LcdState | null, offHook: boolean, status: string): string {
  const w = o.cols;
  const out: string[] = [` ${o.title}`, ` ┌${'─'.repeat(w)}┐`];
  for (let r = 0; r < (st?.lines.length ?? 1); r++) {
    const line = (st?.lines[r] ?? '').padEnd(w).slice(0, w);
    const inv = st?.inverse.includes(r) ?? false;
    out.push(` │${inv ? `\x1b[7m${line}\x1b[0m` : line}│`);
  }
  out.push(` └${'─'.repeat(w)}┘`);
  const leds = Object.entries(st?.leds ?? {}).map(([k, v]) => `${k}:${v}`).join(' ');
  out.push(` ${offHook ? 'OFF-HOOK' : 'on-hook '}  ${st?.ringing ? '((( RINGING )))' : ''}  ${st?.icons.join(' ') ?? ''}  ${leds}`);
  out.push('', ' Keys: ' + legend(o.keymap), ' Ctrl-C quits.', '', ` ${status}`);
  return out.join('\r\n') + '\r\n';
}

function legend(keymap: Record<string, Key>): string {
  const parts: string[] = [];
  for (const [k, v] of Object.entries(keymap)) {
    if (k === v) continue; // digits, * and # map to themselves
    parts.push(`${k === ' ' ? 'Space' : k}=${v}`);
  }
  return '0-9 * #  ' + parts.join('  ');
}
