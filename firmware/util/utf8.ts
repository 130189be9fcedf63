// Byte strings ("binary strings": one char per octet, 0..255) are how the firmware moves
// wire data around: QuickJS has no TextEncoder/TextDecoder, and string slicing by octet
// offset keeps Content-Length framing exact. These helpers convert at the edges.

const CHUNK = 8192;

/** Octets → byte string. */
export function bytesToBinary(bytes: Uint8Array): string {
  if (bytes.length <= CHUNK) return String.fromCharCode.apply(null, bytes as unknown as number[]);
  let out = '';
  for (let i = 0; i < bytes.length; i += CHUNK) {
    out += String.fromCharCode.apply(null, bytes.subarray(i, i + CHUNK) as unknown as number[]);
  }
  return out;
}

/** Byte string → octets (chars above 0xFF are truncated to their low byte). */
export function binaryToBytes(bin: string): Uint8Array {
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

/** True when every char is 7-bit: such a string is the same as text and as bytes. */
export function isAscii(s: string): boolean {
  return !NON_ASCII.test(s); // one native scan beats a JS loop in an interpreter
}

const NON_ASCII = /[^\x00-\x7f]/;

/** Decodes a UTF-8 byte string to text. Invalid sequences become U+FFFD, never an exception. */
export function decodeUtf8(bin: string): string {
  if (isAscii(bin)) return bin;
  let out = '';
  const n = bin.length;
  let i = 0;
  while (i < n) {
    const b0 = bin.charCodeAt(i);
    if (b0 < 0x80) {
      out += bin[i++];
      continue;
    }
    let need = 0;
    let cp = 0;
    let min = 0;
    if (b0 >= 0xc2 && b0 <= 0xdf) {
      need = 1; cp = b0 & 0x1f; min = 0x80;
    } else if (b0 >= 0xe0 && b0 <= 0xef) {
      need = 2; cp = b0 & 0x0f; min = 0x800;
    } else if (b0 >= 0xf0 && b0 <= 0xf4) {
      need = 3; cp = b0 & 0x07; min = 0x10000;
    } else {
      out += '\ufffd';
      i++;
      continue;
    }
    let j = 1;
    for (; j <= need && i + j < n; j++) {
      const b = bin.charCodeAt(i + j);
      if ((b & 0xc0) !== 0x80) break;
      cp = (cp << 6) | (b & 0x3f);
    }
    if (j <= need || cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) {
      out += '\ufffd';
      i += j; // skip the lead byte and the continuation bytes that were consumed
      continue;
    }
    out += String.fromCodePoint(cp);
    i += need + 1;
  }
  return out;
}

/** Encodes text as a UTF-8 byte string. Lone surrogates become U+FFFD. */
export function encodeUtf8(text: string): string {
  if (isAscii(text)) return text;
  let out = '';
  for (let i = 0; i < text.length; i++) {
    let cp = text.charCodeAt(i);
    if (cp < 0x80) {
      out += text[i];
      continue;
    }
    if (cp >= 0xd800 && cp <= 0xdbff && i + 1 < text.length) {
      const lo = text.charCodeAt(i + 1);
      if (lo >= 0xdc00 && lo <= 0xdfff) {
        cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
        i++;
      }
    }
    if (cp >= 0xd800 && cp <= 0xdfff) cp = 0xfffd;
    if (cp < 0x800) {
      out += String.fromCharCode(0xc0 | (cp >> 6), 0x80 | (cp & 0x3f));
    } else if (cp < 0x10000) {
      out += String.fromCharCode(0xe0 | (cp >> 12), 0x80 | ((cp >> 6) & 0x3f), 0x80 | (cp & 0x3f));
    } else {
      out += String.fromCharCode(
        0xf0 | (cp >> 18), 0x80 | ((cp >> 12) & 0x3f), 0x80 | ((cp >> 6) & 0x3f), 0x80 | (cp & 0x3f),
      );
    }
  }
  return out;
}
