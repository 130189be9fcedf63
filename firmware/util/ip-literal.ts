// IP address literals as RFC 3261 §25.1 writes them (IPv4address, IPv6address): used by SIP
// URIs, the DNS resolver (a literal needs no query) and the HTTP client.

/** IPv6address (RFC 3261 §25.1 / RFC 4291), optionally ending in an IPv4 part. */
export function isIpv6(a: string): boolean {
  if (a.length < 2 || a.length > 45) return false;
  const dbl = a.indexOf('::');
  if (dbl !== -1 && a.indexOf('::', dbl + 1) !== -1) return false;
  const groups = a.split(':');
  let count = 0;
  for (let k = 0; k < groups.length; k++) {
    const g = groups[k]!;
    if (g.length === 0) continue;
    if (k === groups.length - 1 && g.indexOf('.') !== -1) {
      if (!isIpv4(g)) return false;
      count += 2;
      continue;
    }
    if (!/^[0-9A-Fa-f]{1,4}$/.test(g)) return false;
    count++;
  }
  return dbl === -1 ? count === 8 : count < 8;
}

export function isIpv4(a: string): boolean {
  const parts = a.split('.');
  if (parts.length !== 4) return false;
  for (const p of parts) if (!/^[0-9]{1,3}$/.test(p) || Number(p) > 255) return false;
  return true;
}
