// IP direct dial (peer to peer, no registrar): what a typed target means when it names a host
// rather than a number. On the keypad, as on Yealink and Cisco desk phones, '*' stands for the
// dot: 192*168*1*20 is 192.168.1.20 (port 5060), and a fifth group is the port:
// 127*0*0*1*5070 is 127.0.0.1:5070. The dial plan never gives '*' another meaning
// (digit-map.ts: '*' is always the star key), so the digits reach here as typed.

import { isIpv4, isIpv6 } from '../sip/index.ts';

/** "a.b.c.d" or "a.b.c.d:port" for keys typed as an IPv4 address with '*' for dots; else null. */
export function keypadAddress(keys: string): string | null {
  const parts = keys.split('*');
  if (parts.length !== 4 && parts.length !== 5) return null;
  const out: number[] = [];
  for (let i = 0; i < parts.length; i++) {
    const p = parts[i]!;
    const port = i === 4;
    if (p.length === 0 || p.length > (port ? 5 : 3) || !/^[0-9]+$/.test(p)) return null;
    const n = Number(p);
    if (n > (port ? 65535 : 255) || (port && n === 0)) return null;
    out.push(n); // "010" is 10, never octal
  }
  const host = `${out[0]}.${out[1]}.${out[2]}.${out[3]}`;
  return out.length === 5 ? `${host}:${out[4]}` : host;
}

/** "192.168.1.20", "192.168.1.20:5070", "::1" or "[::1]:5070" as a SIP URI; null for anything else. */
export function ipLiteralUri(text: string): string | null {
  let host = text;
  let port = '';
  if (text.startsWith('[')) {
    const close = text.indexOf(']');
    if (close === -1) return null;
    host = text.slice(1, close);
    port = text.slice(close + 1);
    if (!isIpv6(host)) return null;
    host = `[${host}]`;
  } else if (isIpv6(text)) {
    return `sip:[${text}]`;
  } else {
    const colon = text.indexOf(':');
    if (colon !== -1) {
      host = text.slice(0, colon);
      port = text.slice(colon);
    }
    if (!isIpv4(host)) return null;
  }
  if (port !== '' && !/^:[0-9]{1,5}$/.test(port)) return null;
  return `sip:${host}${port}`;
}
