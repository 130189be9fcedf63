// The emulated LCD: a character grid with inverse rows, icons, LEDs and the ringer. The
// firmware draws through DisplayHal; on flush (and on icon/LED/ringer changes) the host
// hears about the new state once, if anything changed.

import type { DisplayHal, DisplayIcon, LedName } from '../contract.ts';

export interface LcdState {
  lines: string[];
  /** Rows drawn inverted. */
  inverse: number[];
  icons: DisplayIcon[];
  leds: Partial<Record<LedName, 'on' | 'blink'>>;
  ringing: boolean;
}

export class Lcd implements DisplayHal {
  private cells: string[][];
  private inv: boolean[];
  private readonly iconsOn = new Set<DisplayIcon>();
  private readonly ledState: Partial<Record<LedName, 'on' | 'blink'>> = {};
  private ringing = false;
  private lastEmitted = '';

  constructor(
    readonly rows: number,
    readonly cols: number,
    private readonly onChange: (state: LcdState) => void,
  ) {
    this.cells = [];
    this.inv = [];
    this.clear();
  }

  write(row: number, col: number, text: string, inverse?: boolean): void {
    if (!Number.isInteger(row) || !Number.isInteger(col) || row < 0 || row >= this.rows || col < 0) return;
    const line = this.cells[row]!;
    const s = String(text);
    for (let i = 0; i < s.length && col + i < this.cols; i++) {
      const c = s.charCodeAt(i);
      line[col + i] = c < 0x20 || c === 0x7f ? '?' : s[i]!; // control chars are not glyphs
    }
    if (inverse !== undefined) this.inv[row] = inverse === true;
  }

  clear(): void {
    this.cells = Array.from({ length: this.rows }, () => Array<string>(this.cols).fill(' '));
    this.inv = Array<boolean>(this.rows).fill(false);
  }

  flush(): void {
    this.emitIfChanged();
  }

  icon(icon: DisplayIcon, on: boolean): void {
    if (on) this.iconsOn.add(icon);
    else this.iconsOn.delete(icon);
    this.emitIfChanged();
  }

  led(led: LedName, state: 'off' | 'on' | 'blink'): void {
    if (state === 'off') delete this.ledState[led];
    else this.ledState[led] = state;
    this.emitIfChanged();
  }

  ring(on: boolean): void {
    this.ringing = on === true;
    this.emitIfChanged();
  }

  state(): LcdState {
    const inverse: number[] = [];
    this.inv.forEach((v, i) => v && inverse.push(i));
    return {
      lines: this.cells.map((r) => r.join('')),
      inverse,
      icons: [...this.iconsOn].sort(),
      leds: { ...this.ledState },
      ringing: this.ringing,
    };
  }

  private emitIfChanged(): void {
    const st = this.state();
    const key = JSON.stringify(st);
    if (key === this.lastEmitted) return;
    this.lastEmitted = key;
    this.onChange(st);
  }
}
