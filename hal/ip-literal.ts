// IP address literals, as node:net's isIP() tells them apart, in pure code (the board config
// validator also runs in the host shell's QuickJS, which has no node:net). Same grammar:
// IPv4 is dotted decimal without leading zeros; IPv6 is RFC 4291 text (one "::" standing for
// at least one zero group, an optional dotted IPv4 tail worth two groups) with an optional
// "%zone" of letters, digits, '-', '.' and ':'.

const V4_PART = /^(?:25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9][0-9]|[0-9])$/;
const V6_GROUP = /^[0-9a-fA-F]{1,4}$/;
const ZONE = /^[0-9a-zA-Z.:-]+$/;

export function isIPv4(text: string): boolean {
  const parts = text.split('.');
  return parts.length === 4 && parts.every((p) => V4_PART.test(p));
}

/** How many 16-bit groups `groups` stand for (an IPv4 tail counts two), or -1 when malformed. */
function groupCount(groups: string[], ipv4Tail: boolean): number {
  let n = 0;
  for (let i = 0; i < groups.length; i++) {
    const g = groups[i]!;
    if (V6_GROUP.test(g)) n += 1;
    else if (ipv4Tail && i === groups.length - 1 && isIPv4(g)) n += 2;
    else return -1;
  }
  return n;
}

export function isIPv6(text: string): boolean {
  const percent = text.indexOf('%');
  if (percent >= 0 && !ZONE.test(text.slice(percent + 1))) return false;
  const address = percent >= 0 ? text.slice(0, percent) : text;
  const gap = address.indexOf('::');
  if (gap < 0) return groupCount(address.split(':'), true) === 8;
  if (address.indexOf('::', gap + 1) >= 0) return false;
  const head = address.slice(0, gap);
  const tail = address.slice(gap + 2);
  const before = head === '' ? 0 : groupCount(head.split(':'), false);
  const after = tail === '' ? 0 : groupCount(tail.split(':'), true);
  return before >= 0 && after >= 0 && before + after <= 7;
}

/** 4, 6 or 0 (not an IP address), like node:net isIP(). */
export function ipVersion(text: string): 0 | 4 | 6 {
  if (isIPv4(text)) return 4;
  if (isIPv6(text)) return 6;
  return 0;
}
