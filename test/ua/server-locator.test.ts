import test from 'ava';
import type { DnsRecord, DnsType, NetHal } from '../../hal/contract.ts';
import { HalDnsResolver } from '../../firmware/net/dns-resolver.ts';
import type { DnsCallback, DnsResolver } from '../../firmware/net/dns-resolver.ts';
import { locateServer, targetFromHostPort, targetFromUri } from '../../firmware/ua/server-locator.ts';
import type { LocateOptions, LocatorTransport, ServerAddress, ServerTarget } from '../../firmware/ua/server-locator.ts';
import { parseUri } from '../../firmware/sip/index.ts';
import type { SipUri } from '../../firmware/sip/index.ts';

type Zone = Record<string, DnsRecord[] | string>;

/** Answers from a zone table ("TYPE name" → records or an error); asynchronously when asked to. */
class FakeResolver implements DnsResolver {
  readonly asked: string[] = [];
  private readonly queue: Array<() => void> = [];
  constructor(private readonly zone: Zone, private readonly async = false) {}
  query(name: string, type: DnsType, callback: DnsCallback): void {
    const key = `${type} ${name}`;
    this.asked.push(key);
    const entry = this.zone[key] ?? 'ENOTFOUND';
    const answer = (): void => (typeof entry === 'string' ? callback([], entry) : callback(entry, null));
    if (this.async) this.queue.push(answer);
    else answer();
  }
  /** Delivers queued answers (and the ones they cause) in order. */
  flush(): void {
    while (this.queue.length) this.queue.shift()!();
  }
}

const a = (address: string): DnsRecord => ({ type: 'A', address, ttl: 60 });
const aaaa = (address: string): DnsRecord => ({ type: 'AAAA', address, ttl: 60 });
const srv = (priority: number, weight: number, port: number, target: string): DnsRecord => ({
  type: 'SRV', priority, weight, port, target, ttl: 0,
});
const naptr = (order: number, preference: number, service: string, replacement: string, flags = 's'): DnsRecord => ({
  type: 'NAPTR', order, preference, flags, service, regexp: '', replacement, ttl: 0,
});

interface Outcome { targets: ServerAddress[]; error: string | null; calls: number }

function locate(
  target: ServerTarget,
  zone: Zone,
  supported: LocatorTransport[] = ['udp', 'tcp'],
  options: Partial<LocateOptions> = {},
  async = false,
): Outcome & { resolver: FakeResolver } {
  const resolver = new FakeResolver(zone, async);
  const out: Outcome = { targets: [], error: null, calls: 0 };
  locateServer(target, resolver, supported, (targets, error) => {
    out.calls++;
    out.targets = targets;
    out.error = error;
  }, { ipv6: true, random: Math.random, ...options });
  resolver.flush();
  return { ...out, resolver };
}

const short = (list: ServerAddress[]): string[] => list.map((s) => `${s.transport} ${s.address}:${s.port}`);
const name = (host: string, port: number | null = null, transport: LocatorTransport | null = null): ServerTarget => ({ host, port, transport });

// A domain with the full RFC 3263 chain: NAPTR → SRV → A/AAAA.
const EXAMPLE: Zone = {
  'NAPTR example.com': [
    naptr(50, 50, 'SIPS+D2T', '_sips._tcp.example.com'),
    naptr(90, 50, 'SIP+D2T', '_sip._tcp.example.com'),
    naptr(100, 50, 'SIP+D2U', '_sip._udp.example.com'),
  ],
  'SRV _sip._tcp.example.com': [srv(0, 1, 5062, 'tcp1.example.com')],
  'SRV _sip._udp.example.com': [srv(0, 1, 5060, 'udp1.example.com'), srv(1, 1, 5070, 'udp2.example.com')],
  'A tcp1.example.com': [a('192.0.2.10')],
  'AAAA tcp1.example.com': [aaaa('2001:db8::10')],
  'A udp1.example.com': [a('192.0.2.11'), a('192.0.2.12')],
  'A udp2.example.com': [a('192.0.2.13')],
};

test('NAPTR → SRV → A/AAAA: order, then priority; unsupported SIPS skipped; A before AAAA', (t) => {
  const r = locate(name('example.com'), EXAMPLE);
  t.is(r.error, null);
  t.is(r.calls, 1);
  t.deepEqual(short(r.targets), [
    'tcp 192.0.2.10:5062',
    'tcp 2001:db8::10:5062',
    'udp 192.0.2.11:5060',
    'udp 192.0.2.12:5060',
    'udp 192.0.2.13:5070',
  ]);
  t.is(r.resolver.asked[0], 'NAPTR example.com');
  t.false(r.resolver.asked.includes('SRV _sips._tcp.example.com'));
});

test('the same chain with asynchronous answers gives the same list, one callback', (t) => {
  const sync = locate(name('example.com'), EXAMPLE);
  const async = locate(name('example.com'), EXAMPLE, ['udp', 'tcp'], {}, true);
  t.deepEqual(async.targets, sync.targets);
  t.is(async.calls, 1);
});

test('NAPTR preference breaks order ties; transports we do not support are skipped', (t) => {
  const zone: Zone = {
    ...EXAMPLE,
    'NAPTR example.com': [
      naptr(10, 20, 'SIP+D2U', '_sip._udp.example.com'),
      naptr(10, 10, 'SIP+D2T', '_sip._tcp.example.com'),
      naptr(5, 10, 'SIP+D2S', '_sip._sctp.example.com'),
    ],
  };
  t.deepEqual(short(locate(name('example.com'), zone).targets).slice(0, 2), ['tcp 192.0.2.10:5062', 'tcp 2001:db8::10:5062']);
  const udpOnly = locate(name('example.com'), zone, ['udp']);
  t.deepEqual(short(udpOnly.targets), ['udp 192.0.2.11:5060', 'udp 192.0.2.12:5060', 'udp 192.0.2.13:5070']);
  t.false(udpOnly.resolver.asked.some((q) => q.includes('_tcp')));
});

test('NAPTRs with other flags or a regexp are ignored', (t) => {
  const zone: Zone = {
    ...EXAMPLE,
    'NAPTR example.com': [
      naptr(1, 1, 'SIP+D2T', 'tcp1.example.com', 'a'),
      { type: 'NAPTR', order: 2, preference: 1, flags: 's', service: 'SIP+D2T', regexp: '!^.*$!sip:x@y!', replacement: '', ttl: 0 },
      naptr(3, 1, 'sip+d2u', '_sip._udp.example.com', 'S'),
    ],
  };
  t.deepEqual(short(locate(name('example.com'), zone).targets), ['udp 192.0.2.11:5060', 'udp 192.0.2.12:5060', 'udp 192.0.2.13:5070']);
});

test('no NAPTR: SRV for each supported transport, UDP first', (t) => {
  const zone: Zone = { ...EXAMPLE, 'NAPTR example.com': 'ENODATA' };
  const r = locate(name('example.com'), zone, ['tcp', 'udp']);
  t.deepEqual(r.resolver.asked.slice(0, 3), ['NAPTR example.com', 'SRV _sip._udp.example.com', 'SRV _sip._tcp.example.com']);
  t.deepEqual(short(r.targets), [
    'udp 192.0.2.11:5060',
    'udp 192.0.2.12:5060',
    'udp 192.0.2.13:5070',
    'tcp 192.0.2.10:5062',
    'tcp 2001:db8::10:5062',
  ]);
});

test('NAPTRs for transports we lack only: treated as no NAPTR', (t) => {
  const zone: Zone = { ...EXAMPLE, 'NAPTR example.com': [naptr(1, 1, 'SIPS+D2T', '_sips._tcp.example.com')] };
  const r = locate(name('example.com'), zone, ['udp']);
  t.deepEqual(short(r.targets), ['udp 192.0.2.11:5060', 'udp 192.0.2.12:5060', 'udp 192.0.2.13:5070']);
});

test('no NAPTR and no SRV: A/AAAA of the domain, port 5060, UDP', (t) => {
  const zone: Zone = { 'A plain.example': [a('192.0.2.50')], 'AAAA plain.example': [aaaa('2001:db8::50')] };
  const r = locate(name('plain.example'), zone);
  t.deepEqual(r.resolver.asked, [
    'NAPTR plain.example', 'SRV _sip._udp.plain.example', 'SRV _sip._tcp.plain.example', 'A plain.example', 'AAAA plain.example',
  ]);
  t.deepEqual(short(r.targets), ['udp 192.0.2.50:5060', 'udp 2001:db8::50:5060']);
  t.deepEqual(short(locate(name('plain.example'), zone, ['tcp']).targets), ['tcp 192.0.2.50:5060', 'tcp 2001:db8::50:5060']);
});

test('NAPTR whose SRV names all fail: A of the domain with the NAPTR transport', (t) => {
  const zone: Zone = { 'NAPTR d.example': [naptr(1, 1, 'SIP+D2T', '_sip._tcp.d.example')], 'A d.example': [a('192.0.2.60')] };
  t.deepEqual(short(locate(name('d.example'), zone).targets), ['tcp 192.0.2.60:5060']);
});

test('SRV priority ascending, weighted random within a priority (RFC 2782)', (t) => {
  const zone: Zone = {
    'SRV _sip._udp.w.example': [
      srv(20, 0, 5060, 'late.w.example'),
      srv(10, 10, 5060, 'ten.w.example'),
      srv(10, 30, 5060, 'thirty.w.example'),
      srv(10, 60, 5060, 'sixty.w.example'),
      srv(10, 0, 5060, 'zero.w.example'),
    ],
    'A late.w.example': [a('192.0.2.1')],
    'A ten.w.example': [a('192.0.2.10')],
    'A thirty.w.example': [a('192.0.2.30')],
    'A sixty.w.example': [a('192.0.2.60')],
    'A zero.w.example': [a('192.0.2.100')],
  };
  const order = (draws: number[]): string[] => {
    let i = 0;
    const random = (): number => draws[i++ % draws.length]!;
    return locate(name('w.example', null, 'udp'), zone, ['udp'], { random, ipv6: false }).targets.map((s) => s.address);
  };
  // draw 0 picks the zero-weight record (placed first), then the first of the rest
  t.deepEqual(order([0]), ['192.0.2.100', '192.0.2.10', '192.0.2.30', '192.0.2.60', '192.0.2.1']);
  // total 100, draw floor(0.5*101)=50 → running 0,10,40,100 → sixty; then total 40: 20 → thirty; then 10: 5 → ten
  t.deepEqual(order([0.5]), ['192.0.2.60', '192.0.2.30', '192.0.2.10', '192.0.2.100', '192.0.2.1']);
  // a draw near 1 takes the last positive weight each time
  t.deepEqual(order([0.999]), ['192.0.2.60', '192.0.2.30', '192.0.2.10', '192.0.2.100', '192.0.2.1']);
  t.deepEqual(order([0.05, 0.0]), ['192.0.2.10', '192.0.2.100', '192.0.2.30', '192.0.2.60', '192.0.2.1']);
});

test('weighted selection is roughly proportional to weight', (t) => {
  const zone: Zone = {
    'SRV _sip._udp.p.example': [srv(0, 1, 5060, 'light.p.example'), srv(0, 3, 5060, 'heavy.p.example')],
    'A light.p.example': [a('192.0.2.1')],
    'A heavy.p.example': [a('192.0.2.3')],
  };
  let seed = 12345;
  const random = (): number => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648);
  let heavyFirst = 0;
  for (let i = 0; i < 400; i++) {
    const r = locate(name('p.example', null, 'udp'), zone, ['udp'], { random, ipv6: false });
    if (r.targets[0]!.address === '192.0.2.3') heavyFirst++;
  }
  t.true(heavyFirst > 240 && heavyFirst < 360, `heavy first ${heavyFirst}/400`);
});

test('an IP literal is used as is: port or 5060, transport or UDP', (t) => {
  const r = locate(name('192.0.2.5'), {});
  t.deepEqual(short(r.targets), ['udp 192.0.2.5:5060']);
  t.deepEqual(r.resolver.asked, []);
  t.deepEqual(short(locate(name('192.0.2.5', 5080, 'tcp'), {}).targets), ['tcp 192.0.2.5:5080']);
  t.deepEqual(short(locate(name('[2001:db8::5]', 5070), {}).targets), ['udp 2001:db8::5:5070']);
});

test('an explicit port: A/AAAA of the host only, no NAPTR or SRV', (t) => {
  const r = locate(name('example.com', 5099), { ...EXAMPLE, 'A example.com': [a('192.0.2.99')] });
  t.deepEqual(r.resolver.asked, ['A example.com', 'AAAA example.com']);
  t.deepEqual(short(r.targets), ['udp 192.0.2.99:5099']);
  const tcp = locate(name('example.com', 5099, 'tcp'), { 'A example.com': [a('192.0.2.99')] });
  t.deepEqual(short(tcp.targets), ['tcp 192.0.2.99:5099']);
});

test('an explicit transport without port: that SRV, then A on 5060', (t) => {
  const r = locate(name('example.com', null, 'tcp'), EXAMPLE);
  t.deepEqual(r.resolver.asked.slice(0, 1), ['SRV _sip._tcp.example.com']);
  t.false(r.resolver.asked.includes('NAPTR example.com'));
  t.deepEqual(short(r.targets), ['tcp 192.0.2.10:5062', 'tcp 2001:db8::10:5062']);
  const noSrv = locate(name('plain.example', null, 'tcp'), { 'A plain.example': [a('192.0.2.50')] });
  t.deepEqual(noSrv.resolver.asked, ['SRV _sip._tcp.plain.example', 'A plain.example', 'AAAA plain.example']);
  t.deepEqual(short(noSrv.targets), ['tcp 192.0.2.50:5060']);
});

test('unsupported transport, SIPS, and no transports at all are errors', (t) => {
  const tcp = locate(name('example.com', null, 'tcp'), EXAMPLE, ['udp']);
  t.deepEqual(tcp.targets, []);
  t.regex(tcp.error!, /tcp not supported/);
  t.deepEqual(tcp.resolver.asked, []);
  const sips = locate({ host: 'example.com', port: null, transport: null, secure: true }, EXAMPLE);
  t.regex(sips.error!, /TLS/);
  t.regex(locate(name('example.com'), EXAMPLE, []).error!, /no supported transport/);
});

test('failover list: duplicates removed, unresolvable SRV targets skipped', (t) => {
  const zone: Zone = {
    'SRV _sip._udp.f.example': [
      srv(0, 0, 5060, 'one.f.example'),
      srv(1, 0, 5060, 'gone.f.example'),
      srv(2, 0, 5060, 'alias.f.example'),
      srv(3, 0, 5061, 'one.f.example'),
    ],
    'A one.f.example': [a('192.0.2.1'), a('192.0.2.1')],
    'A alias.f.example': [a('192.0.2.1'), a('192.0.2.2')],
  };
  const r = locate(name('f.example', null, 'udp'), zone);
  t.is(r.error, null);
  t.deepEqual(short(r.targets), ['udp 192.0.2.1:5060', 'udp 192.0.2.2:5060', 'udp 192.0.2.1:5061']);
});

test('SRV target "." means the service is not offered: no A fallback', (t) => {
  const r = locate(name('none.example', null, 'udp'), { 'SRV _sip._udp.none.example': [srv(0, 0, 0, '.')], 'A none.example': [a('192.0.2.1')] });
  t.deepEqual(r.targets, []);
  t.regex(r.error!, /not available/);
});

test('everything fails: one callback with an error and no targets', (t) => {
  const r = locate(name('nxdomain.example'), {});
  t.is(r.calls, 1);
  t.deepEqual(r.targets, []);
  t.is(r.error, 'nxdomain.example: ENOTFOUND');
  const timeouts = locate(name('slow.example'), {
    'NAPTR slow.example': 'timeout', 'SRV _sip._udp.slow.example': 'timeout', 'SRV _sip._tcp.slow.example': 'timeout',
    'A slow.example': 'timeout', 'AAAA slow.example': 'timeout',
  }, ['udp', 'tcp'], {}, true);
  t.is(timeouts.calls, 1);
  t.is(timeouts.error, 'slow.example: timeout');
});

test('ipv6: false skips AAAA queries', (t) => {
  const r = locate(name('example.com', null, 'tcp'), EXAMPLE, ['tcp'], { ipv6: false });
  t.false(r.resolver.asked.some((q) => q.startsWith('AAAA')));
  t.deepEqual(short(r.targets), ['tcp 192.0.2.10:5062']);
});

test('targetFromUri: host, port, transport; maddr wins; sips and tls are secure', (t) => {
  const uri = (s: string): SipUri => parseUri(s) as SipUri;
  t.deepEqual(targetFromUri(uri('sip:alice@example.com')), { host: 'example.com', port: null, transport: null, secure: false });
  t.deepEqual(targetFromUri(uri('sip:example.com:5070;transport=TCP')), { host: 'example.com', port: 5070, transport: 'tcp', secure: false });
  t.deepEqual(targetFromUri(uri('sip:bob@example.com;maddr=192.0.2.9;transport=udp')), { host: '192.0.2.9', port: null, transport: 'udp', secure: false });
  t.deepEqual(targetFromUri(uri('sips:bob@example.com')), { host: 'example.com', port: null, transport: null, secure: true });
  t.deepEqual(targetFromUri(uri('sip:bob@example.com;transport=tls')), { host: 'example.com', port: null, transport: 'tcp', secure: true });
  t.is(targetFromUri(uri('sip:bob@example.com;transport=sctp')), null);
  t.deepEqual(targetFromUri(uri('sip:[2001:db8::1]:5080')), { host: '[2001:db8::1]', port: 5080, transport: null, secure: false });
});

test('targetFromHostPort: registrar / outbound proxy fields', (t) => {
  t.deepEqual(targetFromHostPort('lab.example'), { host: 'lab.example', port: null, transport: null });
  t.deepEqual(targetFromHostPort(' lab.example:5070 '), { host: 'lab.example', port: 5070, transport: null });
  t.deepEqual(targetFromHostPort('192.0.2.1:5060'), { host: '192.0.2.1', port: 5060, transport: null });
  t.deepEqual(targetFromHostPort('[2001:db8::1]:5062'), { host: '[2001:db8::1]', port: 5062, transport: null });
  t.deepEqual(targetFromHostPort('2001:db8::1'), { host: '2001:db8::1', port: null, transport: null });
  t.deepEqual(targetFromHostPort('sip:proxy.example;transport=tcp;lr'), { host: 'proxy.example', port: null, transport: 'tcp', secure: false });
  for (const bad of ['', 'lab.example:', 'lab.example:0', 'lab.example:70000', 'lab.example:50x', 'la b.example', '-lab.example', '[2001:db8::1', 'sip:', 'sip:a b', 'tel:+123', '1:2:3']) {
    t.is(targetFromHostPort(bad), null, bad);
  }
});

test('a locator target from a host:port field goes straight to A/AAAA', (t) => {
  const target = targetFromHostPort('registrar.example:5070')!;
  const r = locate(target, { 'A registrar.example': [a('192.0.2.70')] });
  t.deepEqual(short(r.targets), ['udp 192.0.2.70:5070']);
});

test('over the real HalDnsResolver: HAL queries answered by events, shared names coalesced', (t) => {
  const asked: Array<{ id: number; key: string }> = [];
  const net = { dnsQuery: (n: string, type: DnsType) => asked.push({ id: asked.length + 1, key: `${type} ${n}` }) } as unknown as NetHal;
  const timers = { after: () => 1, cancel: () => {} };
  const resolver = new HalDnsResolver(net, timers);
  const zone: Zone = {
    'NAPTR example.com': 'ENODATA',
    'SRV _sip._udp.example.com': [srv(0, 0, 5060, 'both.example.com')],
    'SRV _sip._tcp.example.com': [srv(0, 0, 5060, 'both.example.com')],
    'A both.example.com': [a('192.0.2.1')],
  };
  let result: string[] | string = [];
  locateServer(name('example.com'), resolver, ['udp', 'tcp'], (targets, error) => {
    result = error ?? short(targets);
  }, { ipv6: false, random: Math.random });
  // answer whatever is outstanding until nothing is
  for (let done = 0; done < asked.length; done++) {
    const q = asked[done]!;
    const entry = zone[q.key] ?? 'ENOTFOUND';
    resolver.handleEvent({ type: 'dns', query: q.id, records: typeof entry === 'string' ? [] : entry, error: typeof entry === 'string' ? entry : null });
  }
  t.deepEqual(result, ['udp 192.0.2.1:5060', 'tcp 192.0.2.1:5060']);
  t.deepEqual(asked.map((q) => q.key), ['NAPTR example.com', 'SRV _sip._udp.example.com', 'SRV _sip._tcp.example.com', 'A both.example.com']);
});
