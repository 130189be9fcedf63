// Random numbers for the user agent (CSeq starts, RSeq, glare back-off, SRV weights) from the
// host's entropy (CryptoHal.randomBytes), not Math.random. Bytes are drawn a few dozen at a
// time so a draw costs no host call most of the time.

const POOL_BYTES = 48;
const DRAW_BYTES = 3; // 24 bits: plenty for a delay or a start value

export class RandomPool {
  private pool = '';
  private at = 0;

  constructor(private readonly randomBytes: (n: number) => string) {}

  /** Uniform in [0, 1). */
  unit(): number {
    if (this.at + DRAW_BYTES > this.pool.length) {
      this.pool = this.randomBytes(POOL_BYTES);
      this.at = 0;
    }
    const p = this.pool;
    const i = this.at;
    this.at += DRAW_BYTES;
    return (((p.charCodeAt(i) & 0xff) << 16) | ((p.charCodeAt(i + 1) & 0xff) << 8) | (p.charCodeAt(i + 2) & 0xff)) / 0x1000000;
  }

  /** Uniform integer in [min, max]. */
  int(min: number, max: number): number {
    return min + Math.floor(this.unit() * (max - min + 1));
  }
}
