// A board config's update.publicKey: base64 of the raw 32-byte Ed25519 key. Pure (no Buffer, no
// Node imports), so the board config validator runs unchanged in the host shell's QuickJS.

export const PUBLIC_KEY_BYTES = 32;

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';

/** Standard base64 with `=` padding (RFC 4648 §4). */
export function encodeBase64(bytes: Uint8Array): string {
  let out = '';
  for (let i = 0; i < bytes.length; i += 3) {
    const n = (bytes[i]! << 16) | ((bytes[i + 1] ?? 0) << 8) | (bytes[i + 2] ?? 0);
    out += ALPHABET[(n >> 18) & 63]! + ALPHABET[(n >> 12) & 63]!;
    out += i + 1 < bytes.length ? ALPHABET[(n >> 6) & 63]! : '=';
    out += i + 2 < bytes.length ? ALPHABET[n & 63]! : '=';
  }
  return out;
}

/**
 * Decodes text already known to match /^[A-Za-z0-9+/]*={0,2}$/ with a length that is a multiple
 * of 4, as Buffer.from(text, 'base64') does: leftover bits of a partial last byte are dropped.
 */
function decodeBase64(text: string): Uint8Array {
  const digits = text.replace(/=+$/, '');
  const out = new Uint8Array(Math.floor((digits.length * 6) / 8));
  let acc = 0;
  let bits = 0;
  let o = 0;
  for (let i = 0; i < digits.length; i++) {
    acc = ((acc << 6) | ALPHABET.indexOf(digits[i]!)) & 0xffffff;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out[o++] = (acc >> bits) & 0xff;
    }
  }
  return out;
}

/**
 * Decodes a board config's base64 public key to its 32 raw bytes, or returns the problem.
 * Strict: canonical base64 only, so a typo cannot silently decode to another key.
 */
export function decodePublicKey(base64: string): Uint8Array | string {
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(base64) || base64.length % 4 !== 0) return 'expected base64 (A-Z a-z 0-9 + /, padded with =)';
  const raw = decodeBase64(base64);
  if (raw.byteLength !== PUBLIC_KEY_BYTES) return `expected a raw Ed25519 public key of ${PUBLIC_KEY_BYTES} bytes, got ${raw.byteLength} bytes`;
  if (encodeBase64(raw) !== base64) return 'expected canonical base64';
  return raw;
}
