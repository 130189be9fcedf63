// NTP timestamps as RTCP carries them (RFC 3550 §4): 32.32 fixed-point seconds since
// 1900, and the "compact" middle 32 bits (16.16) used for LSR, DLSR and round-trip times.

/** Seconds from 1900-01-01 (NTP epoch) to 1970-01-01 (Unix epoch). */
export const NTP_UNIX_OFFSET_S = 2208988800;
const TWO_32 = 4294967296;

export interface NtpTime {
  /** Whole seconds since 1900, mod 2^32. */
  seconds: number;
  /** Fraction of a second in units of 2^-32. */
  fraction: number;
}

/** Wall-clock ms since the Unix epoch → NTP. */
export function ntpFromMs(wallMs: number): NtpTime {
  const s = Math.floor(wallMs / 1000);
  const fraction = Math.floor(((wallMs - s * 1000) / 1000) * TWO_32);
  return { seconds: (s + NTP_UNIX_OFFSET_S) >>> 0, fraction: fraction >>> 0 };
}

/** NTP → wall-clock ms. Seconds with the top bit clear are read as era 1 (2036-2104, RFC 4330 §3). */
export function ntpToMs(seconds: number, fraction: number): number {
  const s = (seconds >>> 0) + (seconds >>> 0 < 0x80000000 ? TWO_32 : 0) - NTP_UNIX_OFFSET_S;
  return s * 1000 + ((fraction >>> 0) * 1000) / TWO_32;
}

/** The middle 32 bits of an NTP timestamp (what LSR carries). */
export function compactNtp(seconds: number, fraction: number): number {
  return (((seconds & 0xffff) << 16) | (fraction >>> 16)) >>> 0;
}

/** Wall-clock ms → compact NTP (16.16 seconds, mod 2^16 s). */
export function compactNtpFromMs(wallMs: number): number {
  const t = ntpFromMs(wallMs);
  return compactNtp(t.seconds, t.fraction);
}

/** A compact NTP duration (DLSR, RTT) → ms. */
export function compactToMs(units: number): number {
  return ((units >>> 0) * 1000) / 65536;
}

/** ms → a compact NTP duration (what DLSR carries), saturating at 2^32 - 1. */
export function msToCompact(ms: number): number {
  const u = Math.round((ms * 65536) / 1000);
  return u <= 0 ? 0 : u >= TWO_32 ? TWO_32 - 1 : u;
}
