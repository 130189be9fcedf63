// The LCD as the firmware sees it: whole-screen layouts written through the HAL with only
// the changed rows redrawn, the last row given to softkey labels on boards that have them.

import type { DisplayHal } from '../../hal/contract.ts';

export interface Layout {
  /** Text rows from the top; missing rows are blank. */
  lines: string[];
  /** Rows to draw inverted (selection bar, alerts). */
  inverse?: number[];
  /** Softkey labels, left to right (ignored on boards without softkeys). */
  softkeys?: string[];
}

export class Screen {
  private drawn: string[] = [];
  private drawnInverse: boolean[] = [];

  constructor(
    private readonly display: DisplayHal,
    readonly rows: number,
    readonly cols: number,
    readonly softkeys: number,
  ) {}

  /** Rows available for content (the softkey row is not). */
  get contentRows(): number {
    return this.softkeys > 0 ? this.rows - 1 : this.rows;
  }

  show(layout: Layout): void {
    const rows: string[] = [];
    const content = this.contentRows;
    for (let r = 0; r < content; r++) rows.push(this.fit(layout.lines[r] ?? ''));
    if (this.softkeys > 0) rows.push(this.softkeyRow(layout.softkeys ?? []));
    let changed = false;
    for (let r = 0; r < rows.length; r++) {
      const inv = layout.inverse !== undefined && layout.inverse.indexOf(r) !== -1;
      if (rows[r] === this.drawn[r] && inv === this.drawnInverse[r]) continue;
      this.display.write(r, 0, rows[r]!, inv);
      this.drawn[r] = rows[r]!;
      this.drawnInverse[r] = inv;
      changed = true;
    }
    if (changed) this.display.flush();
  }

  /** Forgets what is on the glass (after the host cleared it, e.g. on boot). */
  reset(): void {
    this.display.clear();
    this.drawn = [];
    this.drawnInverse = [];
  }

  /** Pads or clips to the row width. */
  fit(text: string): string {
    return text.length >= this.cols ? text.slice(0, this.cols) : text + ' '.repeat(this.cols - text.length);
  }

  center(text: string): string {
    if (text.length >= this.cols) return text.slice(0, this.cols);
    const left = Math.floor((this.cols - text.length) / 2);
    return ' '.repeat(left) + text;
  }

  /** Word-wraps text into rows of the screen's width (long words are cut). */
  wrap(text: string): string[] {
    const rows: string[] = [];
    let row = '';
    for (const word of text.split(' ')) {
      const w = word.length > this.cols ? word.slice(0, this.cols) : word;
      if (row === '') row = w;
      else if (row.length + 1 + w.length <= this.cols) row += ' ' + w;
      else {
        rows.push(row);
        row = w;
      }
    }
    if (row !== '') rows.push(row);
    return rows;
  }

  /** Left text and right text on one row, the left clipped to make room. */
  spread(left: string, right: string): string {
    const room = this.cols - right.length - 1;
    if (room <= 0) return right.slice(0, this.cols);
    const l = left.length > room ? left.slice(0, room) : left;
    return l + ' '.repeat(this.cols - l.length - right.length) + right;
  }

  private softkeyRow(labels: string[]): string {
    const width = Math.floor(this.cols / this.softkeys);
    let row = '';
    for (let i = 0; i < this.softkeys; i++) {
      const label = (labels[i] ?? '').slice(0, width);
      const pad = width - label.length;
      row += ' '.repeat(Math.floor(pad / 2)) + label + ' '.repeat(pad - Math.floor(pad / 2));
    }
    return this.fit(row);
  }
}
