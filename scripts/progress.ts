// Progress of a long write or upload on stderr: a bar redrawn in place on a terminal, and a
// plain line per quarter otherwise, so logs and CI output stay readable.

/** Where progress goes: process.stderr, or a test's capture. */
export interface ProgressOut {
  isTTY?: boolean;
  write(text: string): unknown;
}

export interface ProgressPrinter {
  update(done: number, total: number): void;
  /** Ends the bar's line on a terminal; safe to call more than once. */
  end(): void;
}

const BAR_WIDTH = 30;

export function progressPrinter(what: string, out: ProgressOut): ProgressPrinter {
  const tty = out.isTTY === true;
  let lastShown = -1; // percent on a terminal, quarter otherwise
  let open = false;
  return {
    update(done, total) {
      const share = total <= 0 ? 1 : Math.min(1, Math.max(0, done / total));
      if (tty) {
        const percent = Math.floor(share * 100);
        if (percent === lastShown) return;
        lastShown = percent;
        open = true;
        const filled = Math.round(share * BAR_WIDTH);
        out.write(`\r${what} [${'#'.repeat(filled)}${'.'.repeat(BAR_WIDTH - filled)}] ${percent}%`);
        return;
      }
      const quarter = Math.floor(share * 4);
      if (quarter > lastShown) {
        lastShown = quarter;
        out.write(`${what}: ${quarter * 25}% (${done} of ${total} bytes)\n`);
      }
    },
    end() {
      if (open) out.write('\n');
      open = false;
    },
  };
}
