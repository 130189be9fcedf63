// Which scheme a URL has, as `new URL(text).protocol` says, in code that also runs where there
// is no URL class (the host shell's QuickJS). Where URL exists it is used; otherwise a pure
// reading of the WHATWG URL Standard's basic URL parser (no base URL) answers: the same
// protocol, or null where `new URL` would throw. The fallback is exact for http, https and
// non-special schemes such as tftp with ASCII hosts; for internationalised host names it
// approximates UTS #46 (NFKC, lower case, Punycode labels must decode) instead of carrying the
// IDNA tables. Other special schemes (ftp, ws, wss, file) are not validated beyond their scheme.

const SPECIAL_WITH_HOST = ['http', 'https'];
const OTHER_SPECIAL = ['ftp', 'ws', 'wss', 'file'];
// WHATWG "forbidden host code points"; domains also forbid C0 controls, '%' and DEL.
const FORBIDDEN_HOST = /[\u0000\t\n\r #/:<>?@[\\\]^|]/;
const FORBIDDEN_DOMAIN = /[\u0000-\u001f #%/:<>?@[\\\]^|\u007f]/;

/** `new URL(text).protocol`, or null when it would throw. */
export function urlProtocol(text: string): string | null {
  const URLClass = (globalThis as { URL?: typeof URL }).URL;
  if (typeof URLClass !== 'function') return parseUrlProtocol(text);
  try {
    return new URLClass(text).protocol;
  } catch {
    return null;
  }
}

/** The pure fallback of urlProtocol (exported for tests). */
export function parseUrlProtocol(text: string): string | null {
  const input = toUsv(text)
    .replace(/^[\u0000-\u0020]+|[\u0000-\u0020]+$/g, '')
    .replace(/[\t\n\r]/g, '');
  const m = /^([A-Za-z][A-Za-z0-9+.-]*):/.exec(input);
  if (!m) return null; // no scheme, and there is no base URL to resolve against
  const scheme = m[1]!.toLowerCase();
  const rest = input.slice(m[0].length);
  if (SPECIAL_WITH_HOST.includes(scheme)) {
    // Special schemes skip any run of '/' and '\' before the authority.
    return authorityOk(rest.replace(/^[/\\]*/, ''), true) ? `${scheme}:` : null;
  }
  if (OTHER_SPECIAL.includes(scheme)) return `${scheme}:`;
  if (rest.startsWith('//')) return authorityOk(rest.slice(2), false) ? `${scheme}:` : null;
  return `${scheme}:`; // an opaque or plain path: nothing in it can fail
}

/** Lone surrogates become U+FFFD, as the URL constructor's USVString conversion does. */
function toUsv(text: string): string {
  let out = '';
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff && i + 1 < text.length) {
      const d = text.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) {
        out += text[i]! + text[i + 1]!;
        i++;
        continue;
      }
    }
    out += c >= 0xd800 && c <= 0xdfff ? '\ufffd' : text[i]!;
  }
  return out;
}

/** userinfo@host:port up to the path, query or fragment. */
function authorityOk(rest: string, special: boolean): boolean {
  const endMatch = (special ? /[/?#\\]/ : /[/?#]/).exec(rest);
  const authority = endMatch ? rest.slice(0, endMatch.index) : rest;
  const at = authority.lastIndexOf('@');
  if (at >= 0 && at === authority.length - 1) return false; // credentials but no host
  const hostPort = authority.slice(at + 1);
  let inBrackets = false;
  let colon = -1;
  for (let i = 0; i < hostPort.length; i++) {
    const c = hostPort[i];
    if (c === ':' && !inBrackets) {
      colon = i;
      break;
    }
    if (c === '[') inBrackets = true;
    else if (c === ']') inBrackets = false;
  }
  const host = colon < 0 ? hostPort : hostPort.slice(0, colon);
  if (colon >= 0) {
    if (host === '') return false;
    const port = hostPort.slice(colon + 1);
    if (!/^[0-9]*$/.test(port) || (port !== '' && Number(port) > 65535)) return false;
  } else if (special && host === '') {
    return false;
  }
  if (!special && host === '') return true;
  return hostOk(host, !special);
}

function hostOk(input: string, opaque: boolean): boolean {
  if (input.startsWith('[')) return input.endsWith(']') && ipv6Ok(input.slice(1, -1));
  if (opaque) return !FORBIDDEN_HOST.test(input);
  const domain = percentDecode(input);
  if (domain === null) return false;
  const ascii = domainToAscii(domain);
  if (ascii === null || FORBIDDEN_DOMAIN.test(ascii)) return false;
  return endsInNumber(ascii) ? ipv4Ok(ascii) : true;
}

/** Percent-decoded and read as UTF-8; null when the bytes are not UTF-8 (U+FFFD fails later anyway). */
function percentDecode(input: string): string | null {
  if (!input.includes('%')) return input;
  const bytes: number[] = [];
  for (let i = 0; i < input.length; i++) {
    if (input[i] === '%' && /^[0-9A-Fa-f]{2}$/.test(input.slice(i + 1, i + 3))) {
      bytes.push(parseInt(input.slice(i + 1, i + 3), 16));
      i += 2;
      continue;
    }
    const cp = input.codePointAt(i)!;
    if (cp > 0xffff) i++;
    if (cp < 0x80) bytes.push(cp);
    else if (cp < 0x800) bytes.push(0xc0 | (cp >> 6), 0x80 | (cp & 63));
    else if (cp < 0x10000) bytes.push(0xe0 | (cp >> 12), 0x80 | ((cp >> 6) & 63), 0x80 | (cp & 63));
    else bytes.push(0xf0 | (cp >> 18), 0x80 | ((cp >> 12) & 63), 0x80 | ((cp >> 6) & 63), 0x80 | (cp & 63));
  }
  return utf8Decode(bytes);
}

function utf8Decode(bytes: number[]): string | null {
  let out = '';
  for (let i = 0; i < bytes.length; ) {
    const b = bytes[i]!;
    const n = b < 0x80 ? 0 : b >= 0xc2 && b <= 0xdf ? 1 : b >= 0xe0 && b <= 0xef ? 2 : b >= 0xf0 && b <= 0xf4 ? 3 : -1;
    if (n < 0) return null;
    let cp = n === 0 ? b : b & (0x3f >> n);
    for (let k = 1; k <= n; k++) {
      const c = bytes[i + k];
      if (c === undefined || (c & 0xc0) !== 0x80) return null;
      cp = (cp << 6) | (c & 0x3f);
    }
    const min = [0, 0x80, 0x800, 0x10000][n]!;
    if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return null;
    out += String.fromCodePoint(cp);
    i += n + 1;
  }
  return out;
}

/** UTS #46 ToASCII as the URL Standard calls it (exact for ASCII input, see the header). */
function domainToAscii(domain: string): string | null {
  let mapped = domain;
  if (/[^\u0000-\u007f]/.test(domain)) {
    mapped = domain.normalize('NFKC').toLowerCase().replace(/[\u3002\uff0e\uff61]/g, '.').replace(/\u00ad/g, '');
    if (mapped.includes('\ufffd')) return null;
  } else {
    mapped = domain.toLowerCase();
  }
  const labels = mapped.split('.');
  for (const label of labels) {
    if (!label.startsWith('xn--')) continue;
    if (/[^\u0000-\u007f]/.test(label)) return null;
    const decoded = punycodeDecode(label.slice(4));
    // An approximation of "every code point valid": no C1 controls, no upper case, no leading mark.
    if (decoded === null || decoded === '' || /[\u0080-\u009f]/.test(decoded)) return null;
    if (decoded !== decoded.toLowerCase() || /^\p{M}/u.test(decoded)) return null;
  }
  if (mapped === '') return null;
  // Non-ASCII labels would be Punycode-encoded here: "xn--", their ASCII, "-", digits of the rest.
  return labels.map((label) => (/[^\u0000-\u007f]/.test(label) ? `xn--${label.replace(/[^\u0000-\u007f]/g, '')}-a` : label)).join('.');
}

/** RFC 3492 decoding; null when malformed. */
function punycodeDecode(input: string): string | null {
  const base = 36;
  const delimiter = input.lastIndexOf('-');
  const output: number[] = [];
  for (let i = 0; i < Math.max(delimiter, 0); i++) output.push(input.charCodeAt(i));
  let n = 128;
  let i = 0;
  let bias = 72;
  for (let p = delimiter >= 0 ? delimiter + 1 : 0; p < input.length; ) {
    const oldi = i;
    let w = 1;
    for (let k = base; ; k += base) {
      if (p >= input.length) return null;
      const c = input.charCodeAt(p++);
      const digit = c >= 0x30 && c <= 0x39 ? c - 22 : c >= 0x61 && c <= 0x7a ? c - 0x61 : c >= 0x41 && c <= 0x5a ? c - 0x41 : -1;
      if (digit < 0) return null;
      i += digit * w;
      if (i > 0x7fffffff) return null;
      const t = k <= bias ? 1 : k >= bias + 26 ? 26 : k - bias;
      if (digit < t) break;
      w *= base - t;
      if (w > 0x7fffffff) return null;
    }
    const len = output.length + 1;
    let delta = oldi === 0 ? Math.floor((i - oldi) / 700) : Math.floor((i - oldi) / 2);
    delta += Math.floor(delta / len);
    let k = 0;
    while (delta > 455) {
      delta = Math.floor(delta / 35);
      k += base;
    }
    bias = k + Math.floor((36 * delta) / (delta + 38));
    n += Math.floor(i / len);
    i %= len;
    if (n > 0x10ffff) return null;
    output.splice(i, 0, n);
    i++;
  }
  return String.fromCodePoint(...output);
}

function ipv4Number(part: string): number | null {
  if (part === '') return null;
  let radix = 10;
  let digits = part;
  if (/^0[xX]/.test(part)) {
    radix = 16;
    digits = part.slice(2);
  } else if (part.length >= 2 && part[0] === '0') {
    radix = 8;
    digits = part.slice(1);
  }
  if (digits === '') return 0;
  const ok = radix === 16 ? /^[0-9A-Fa-f]+$/ : radix === 8 ? /^[0-7]+$/ : /^[0-9]+$/;
  return ok.test(digits) ? parseInt(digits, radix) : null;
}

function endsInNumber(host: string): boolean {
  const parts = host.split('.');
  if (parts[parts.length - 1] === '') {
    if (parts.length === 1) return false;
    parts.pop();
  }
  const last = parts[parts.length - 1]!;
  return (last !== '' && /^[0-9]+$/.test(last)) || ipv4Number(last) !== null;
}

function ipv4Ok(host: string): boolean {
  const parts = host.split('.');
  if (parts[parts.length - 1] === '' && parts.length > 1) parts.pop();
  if (parts.length > 4) return false;
  const numbers: number[] = [];
  for (const part of parts) {
    const n = ipv4Number(part);
    if (n === null) return false;
    numbers.push(n);
  }
  if (numbers.slice(0, -1).some((n) => n > 255)) return false;
  return numbers[numbers.length - 1]! < 256 ** (5 - numbers.length);
}

/** The URL Standard's IPv6 parser, reduced to whether it succeeds. */
function ipv6Ok(input: string): boolean {
  const hex = /[0-9A-Fa-f]/;
  const digit = /[0-9]/;
  let piece = 0;
  let compress = -1;
  let p = 0;
  const at = (i: number): string => input[i] ?? '';
  if (at(p) === ':') {
    if (at(p + 1) !== ':') return false;
    p += 2;
    piece++;
    compress = piece;
  }
  while (p < input.length) {
    if (piece === 8) return false;
    if (at(p) === ':') {
      if (compress >= 0) return false;
      p++;
      piece++;
      compress = piece;
      continue;
    }
    let length = 0;
    while (length < 4 && hex.test(at(p))) {
      p++;
      length++;
    }
    if (at(p) === '.') {
      if (length === 0) return false;
      p -= length;
      if (piece > 6) return false;
      let seen = 0;
      while (p < input.length) {
        let value = -1;
        if (seen > 0) {
          if (at(p) === '.' && seen < 4) p++;
          else return false;
        }
        if (!digit.test(at(p))) return false;
        while (digit.test(at(p))) {
          const d = Number(at(p));
          if (value < 0) value = d;
          else if (value === 0) return false;
          else value = value * 10 + d;
          if (value > 255) return false;
          p++;
        }
        seen++;
        if (seen === 2 || seen === 4) piece++;
      }
      if (seen !== 4) return false;
      break;
    } else if (at(p) === ':') {
      p++;
      if (p >= input.length) return false;
    } else if (p < input.length) {
      return false;
    }
    piece++;
  }
  return compress >= 0 || piece === 8;
}
