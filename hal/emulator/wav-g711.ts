// G.711 expansion (ITU-T G.711 tables 1a/2a) to 16-bit linear, for µ-law and A-law WAV files.

/** µ-law code → 16-bit sample (the 14-bit G.711 value × 4). */
export function ulawToLinear(code: number): number {
  const u = ~code & 0xff;
  const exponent = (u >> 4) & 0x07;
  const magnitude = ((((u & 0x0f) << 3) + 0x84) << exponent) - 0x84;
  return u & 0x80 ? 0 - magnitude : magnitude; // 0 - 0 is +0, unlike -0
}

/** A-law code → 16-bit sample (the 13-bit G.711 value × 8). */
export function alawToLinear(code: number): number {
  const a = (code ^ 0x55) & 0xff;
  const exponent = (a >> 4) & 0x07;
  const mantissa = a & 0x0f;
  const magnitude = exponent === 0 ? (mantissa << 4) + 8 : ((mantissa << 4) + 0x108) << (exponent - 1);
  return a & 0x80 ? magnitude : 0 - magnitude;
}

function table(expand: (code: number) => number): Int16Array {
  const t = new Int16Array(256);
  for (let code = 0; code < 256; code++) t[code] = expand(code);
  return t;
}

export const ULAW_TABLE = table(ulawToLinear);
export const ALAW_TABLE = table(alawToLinear);
