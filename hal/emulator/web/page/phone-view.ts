// One phone's face, drawn from its board config: LEDs, the LCD (a character grid of real
// text, icons above it), softkeys under it, the navigation cluster, the 12-key pad, the
// call and function keys, and the handset on its hook switch. Keys report presses; a key
// looks pressed while the mouse or the computer keyboard holds it.

import type { PhoneInfo } from '../protocol.ts';
import { h } from './dom.ts';
import { CALL_KEYS, DIAL_PAD, FUNCTION_KEYS, KEY_FACES, LETTERS, NAV, keyLabel } from './keys.ts';

export interface LcdState {
  lines: string[];
  inverse: number[];
  icons: string[];
  leds: Record<string, 'on' | 'blink'>;
  ringing: boolean;
}

const ICON_FACES: Record<string, string> = {
  registered: 'REG', message: 'MSG', mute: 'MUTE', hold: 'HOLD', speaker: 'SPKR', headset: 'HDST', dnd: 'DND',
};

export type KeySender = (key: string, down?: boolean) => void;

export class PhoneView {
  readonly root: HTMLElement;
  private readonly rows: HTMLElement[] = [];
  private readonly icons = new Map<string, HTMLElement>();
  private readonly leds = new Map<string, HTMLElement>();
  private readonly buttons = new Map<string, HTMLButtonElement>();
  private readonly lcd: HTMLElement;
  private offHook = false;

  constructor(readonly info: PhoneInfo, private readonly send: KeySender) {
    const has = (k: string): boolean => info.keys.includes(k);
    const shortcut = new Map<string, string>();
    for (const [kb, key] of Object.entries(info.keymap)) if (!shortcut.has(key)) shortcut.set(key, kb === ' ' ? 'Space' : kb);

    const ledRow = h('div', { class: 'leds' });
    for (const led of info.leds) {
      const el = h('span', { class: 'led', 'data-led': led, 'data-state': 'off', role: 'img', 'aria-label': `${led} LED off` });
      this.leds.set(led, el);
      ledRow.append(h('span', { class: 'led-wrap' }, el, ' ', led === 'message' ? 'Message' : led.replace('line', 'Line ')));
    }

    const iconRow = h('div', { class: 'icons', 'aria-label': 'Display icons' });
    for (const icon of info.display.icons) {
      const el = h('span', { class: 'icon', 'data-icon': icon, 'data-on': 'false', role: 'img', 'aria-label': `${icon} icon off` }, ICON_FACES[icon] ?? icon);
      this.icons.set(icon, el);
      iconRow.append(el);
    }
    const screen = h('div', { class: 'screen', role: 'group', 'aria-label': 'LCD text', 'aria-roledescription': 'display' });
    for (let r = 0; r < info.display.rows; r++) {
      const row = h('div', { class: 'row', 'data-row': r }, ' '.repeat(info.display.cols));
      this.rows.push(row);
      screen.append(row);
    }
    // A character LCD's glyphs are chunky: the fewer columns, the larger each cell.
    const fontPx = Math.min(30, Math.max(14, Math.round(400 / info.display.cols / 0.6)));
    this.lcd = h('div', { class: 'lcd', style: `--cols:${info.display.cols};--font:${fontPx}px` }, iconRow, screen);

    const key = (k: string, face?: Node | string, extra = ''): HTMLButtonElement => {
      const label = keyLabel(k);
      const kb = shortcut.get(k);
      const b = h('button', {
        type: 'button', class: `key ${extra}`.trim(), 'data-key': k, 'aria-label': label,
        title: kb !== undefined ? `${label} (keyboard: ${kb})` : label, 'aria-keyshortcuts': kb,
      }, face ?? KEY_FACES[k] ?? label);
      this.wire(b, k);
      this.buttons.set(k, b);
      return b;
    };

    const softkeys = h('div', { class: 'softkeys', style: `--softkeys:${info.display.softkeys}` });
    for (let i = 1; i <= info.display.softkeys; i++) if (has(`soft${i}`)) softkeys.append(key(`soft${i}`, '', 'soft'));

    const nav = h('div', { class: 'nav', role: 'group', 'aria-label': 'Navigation' });
    for (const k of NAV) if (has(k)) nav.append(key(k, undefined, `nav-${k}`));

    const pad = h('div', { class: 'pad', role: 'group', 'aria-label': 'Dial pad' });
    for (const k of DIAL_PAD) {
      if (has(k)) pad.append(key(k, h('span', { class: 'digit' }, h('b', {}, k), h('small', {}, LETTERS[k] ?? '')), 'digit'));
    }
    const calls = h('div', { class: 'calls' });
    for (const k of CALL_KEYS) if (has(k)) calls.append(key(k, undefined, `call-${k}`));
    const fns = h('div', { class: 'functions', role: 'group', 'aria-label': 'Function keys' });
    for (const k of FUNCTION_KEYS) if (has(k)) fns.append(key(k));

    const hook = has('hook') ? this.hookSwitch(shortcut.get('hook')) : h('div');

    this.root = h('div', { class: 'device', 'data-board': info.board },
      h('div', { class: 'device-head' }, hook, h('div', { class: 'device-top' }, h('div', { class: 'model' }, info.name), ledRow, this.lcd, softkeys)),
      h('div', { class: 'device-body' }, h('div', { class: 'left' }, nav, fns), h('div', { class: 'right' }, pad, calls)),
    );
  }

  /** The firmware's latest screen. */
  show(st: LcdState): void {
    const cols = this.info.display.cols;
    st.lines.forEach((line, r) => {
      const row = this.rows[r];
      if (row === undefined) return;
      const text = line.padEnd(cols).slice(0, cols);
      if (row.textContent !== text) row.textContent = text;
      row.classList.toggle('inverse', st.inverse.includes(r));
    });
    for (const [name, el] of this.icons) {
      const on = st.icons.includes(name);
      el.dataset.on = String(on);
      el.setAttribute('aria-label', `${name} icon ${on ? 'on' : 'off'}`);
    }
    for (const [name, el] of this.leds) {
      const state = st.leds[name] ?? 'off';
      el.dataset.state = state;
      el.setAttribute('aria-label', `${name} LED ${state === 'blink' ? 'blinking' : state}`);
    }
    this.lcd.classList.toggle('ringing', st.ringing);
    this.root.classList.toggle('ringing', st.ringing);
    this.labelSoftkeys(st.lines[st.lines.length - 1] ?? '');
  }

  /** A key of the computer keyboard went down or up (already mapped to a phone key). */
  keyboard(key: string, down: boolean): void {
    if (key === 'hook') {
      if (down) this.toggleHook();
      return;
    }
    this.buttons.get(key)?.classList.toggle('pressed', down);
    this.send(key, down);
  }

  /** Softkey labels live on the LCD's last row, one per equal slice: name each button after its slice. */
  private labelSoftkeys(lastRow: string): void {
    const n = this.info.display.softkeys;
    if (n === 0) return;
    const width = Math.floor(this.info.display.cols / n);
    for (let i = 1; i <= n; i++) {
      const b = this.buttons.get(`soft${i}`);
      const text = lastRow.slice((i - 1) * width, i * width).trim();
      if (b !== undefined) b.title = text === '' ? `Softkey ${i}` : `Softkey ${i}: ${text}`;
    }
  }

  private hookSwitch(kb: string | undefined): HTMLElement {
    const b = h('button', {
      type: 'button', class: 'hook', 'data-key': 'hook', 'aria-label': 'Handset', 'aria-pressed': 'false',
      title: `Handset — lift or hang up${kb !== undefined ? ` (keyboard: ${kb})` : ''}`, 'aria-keyshortcuts': kb,
    }, h('span', { class: 'handset', 'aria-hidden': 'true' }), h('span', { class: 'hook-state' }, 'on hook'));
    b.addEventListener('mousedown', (e) => e.preventDefault()); // keep keyboard focus where it was
    b.addEventListener('click', () => this.toggleHook());
    this.buttons.set('hook', b);
    return h('div', { class: 'cradle' }, b);
  }

  private toggleHook(): void {
    this.offHook = !this.offHook;
    const b = this.buttons.get('hook')!;
    b.setAttribute('aria-pressed', String(this.offHook));
    b.classList.toggle('off-hook', this.offHook);
    b.querySelector('.hook-state')!.textContent = this.offHook ? 'off hook' : 'on hook';
    this.send('hook', this.offHook);
  }

  /** Mouse: down on press, up on release. Keyboard activation (Enter/Space on a focused key): one press. */
  private wire(b: HTMLButtonElement, key: string): void {
    let held = false;
    const release = (): void => {
      if (!held) return;
      held = false;
      b.classList.remove('pressed');
      this.send(key, false);
    };
    b.addEventListener('mousedown', (e) => e.preventDefault()); // keep keyboard focus where it was
    b.addEventListener('pointerdown', (e) => {
      if (e.button !== 0) return;
      held = true;
      b.classList.add('pressed');
      try {
        b.setPointerCapture(e.pointerId); // the release still arrives when the pointer slides off
      } catch {
        // a synthetic pointer cannot be captured; pointerup still releases
      }
      this.send(key, true);
    });
    b.addEventListener('pointerup', release);
    b.addEventListener('pointercancel', release);
    b.addEventListener('lostpointercapture', release);
    b.addEventListener('click', (e) => {
      if (e.detail !== 0) return; // a mouse click was already sent as down + up
      b.classList.add('pressed');
      setTimeout(() => b.classList.remove('pressed'), 120);
      this.send(key);
    });
  }
}
