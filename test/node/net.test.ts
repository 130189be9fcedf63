// Real sockets on 127.0.0.1. DNS uses a tiny DNS server in this file (A, SRV, NAPTR, NXDOMAIN).
import { spawn } from 'node:child_process';
import dgram from 'node:dgram';
import { promises as dnsPromises } from 'node:dns';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import test from 'ava';
import type { ExecutionContext } from 'ava';
import type { DnsRecord, HalEvent } from '../../hal/contract.ts';
import { NodeNet } from '../../hal/node/net.ts';
import type { NodeNetOptions } from '../../hal/node/net.ts';
import type { DnsResolverLike } from '../../hal/node/net-dns.ts';
import { stalledPeer } from '../helpers/stalled-peer.ts';

type EventOf<K extends HalEvent['type']> = Extract<HalEvent, { type: K }>;

/** Collects a NodeNet's events and waits for particular ones. */
class Recorder {
  readonly events: HalEvent[] = [];
  private waiters: { match: (e: HalEvent) => boolean; resolve: (e: HalEvent) => void }[] = [];

  readonly deliver = (event: HalEvent): void => {
    this.events.push(event);
    this.waiters = this.waiters.filter((w) => {
      if (!w.match(event)) return true;
      w.resolve(event);
      return false;
    });
  };

  /** The first event (already seen or still to come) of `type` that satisfies `match`. */
  next<K extends HalEvent['type']>(type: K, match: (e: EventOf<K>) => boolean = () => true, ms = 3000): Promise<EventOf<K>> {
    const test = (e: HalEvent): e is EventOf<K> => e.type === type && match(e as EventOf<K>);
    const seen = this.events.find(test);
    if (seen) return Promise.resolve(seen);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no ${type} event within ${ms} ms`)), ms);
      this.waiters.push({
        match: test,
        resolve: (e) => {
          clearTimeout(timer);
          resolve(e as EventOf<K>);
        },
      });
    });
  }

  count(match: (e: HalEvent) => boolean): number {
    return this.events.filter(match).length;
  }
}

function phone(t: ExecutionContext, options: NodeNetOptions = {}): { net: NodeNet; rec: Recorder } {
  const rec = new Recorder();
  const n = new NodeNet(rec.deliver, { bindAddress: '127.0.0.1', ...options });
  t.teardown(() => n.close());
  return { net: n, rec };
}

const pause = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

async function boundUdp(p: { net: NodeNet; rec: Recorder }): Promise<{ socket: number; port: number }> {
  const socket = p.net.udpOpen(0);
  const bound = await p.rec.next('udp_bound', (e) => e.socket === socket);
  return { socket, port: bound.port };
}

/** A port nothing listens on (it was free a moment ago). */
async function closedTcpPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as net.AddressInfo).port;
  await new Promise<void>((r) => server.close(() => r()));
  return port;
}

// ---- UDP ----------------------------------------------------------------------------

test('UDP: port 0 binds a real port; all 256 byte values round-trip between two NodeNets', async (t) => {
  const a = phone(t);
  const b = phone(t);
  const [ua, ub] = await Promise.all([boundUdp(a), boundUdp(b)]);
  t.true(ua.port > 0 && ub.port > 0 && ua.port !== ub.port);

  const bytes = Array.from({ length: 256 }, (_, i) => String.fromCharCode(i)).join('');
  t.true(a.net.udpSend(ua.socket, bytes, '127.0.0.1', ub.port));
  const got = await b.rec.next('udp', (e) => e.socket === ub.socket);
  t.is(got.data, bytes);
  t.is(got.address, '127.0.0.1');
  t.is(got.port, ua.port);

  t.true(b.net.udpSend(ub.socket, '\u00ff\u0000reply', got.address, got.port));
  t.is((await a.rec.next('udp', (e) => e.socket === ua.socket)).data, '\u00ff\u0000reply');
});

test('UDP: a send issued before udp_bound is still delivered', async (t) => {
  const a = phone(t);
  const b = phone(t);
  const ub = await boundUdp(b);
  const early = a.net.udpOpen(0);
  t.true(a.net.udpSend(early, 'early bird', '127.0.0.1', ub.port));
  t.is((await b.rec.next('udp')).data, 'early bird');
});

test('UDP: a port in use gives udp_error; bad arguments return false and never throw', async (t) => {
  const a = phone(t);
  const b = phone(t);
  const ua = await boundUdp(a);
  const clash = b.net.udpOpen(ua.port);
  t.is((await b.rec.next('udp_error', (e) => e.socket === clash)).error, 'EADDRINUSE');
  t.false(b.net.udpSend(clash, 'x', '127.0.0.1', ua.port), 'the failed socket is closed');

  const bad = a.net.udpOpen(70000);
  t.is((await a.rec.next('udp_error', (e) => e.socket === bad)).error, 'EINVAL');
  t.false(a.net.udpSend(9999, 'x', '127.0.0.1', 5060), 'unknown socket');
  t.false(a.net.udpSend(ua.socket, 'x'.repeat(65508), '127.0.0.1', 5060), 'too large');
  t.true(a.net.udpSend(ua.socket, 'x'.repeat(65507), '127.0.0.1', ua.port), 'largest datagram');
  t.false(a.net.udpSend(ua.socket, '\u0100', '127.0.0.1', 5060), 'not a byte string');
  t.false(a.net.udpSend(ua.socket, 'x', 'localhost', 5060), 'names are resolved by the firmware, not here');
  t.false(a.net.udpSend(ua.socket, 'x', '::1', 5060), 'IPv6 on an IPv4 socket');
  t.false(a.net.udpSend(ua.socket, 'x', '127.0.0.1', 0));
  const loose = a.net as unknown as { udpSend(...args: unknown[]): boolean };
  t.false(loose.udpSend(ua.socket, null, '127.0.0.1', 5060));
  t.false(loose.udpSend(ua.socket, 'x', 42, '5060'));
});

test('UDP: udpClose stops delivery; ids are never reused', async (t) => {
  const a = phone(t);
  const b = phone(t);
  const [ua, ub] = await Promise.all([boundUdp(a), boundUdp(b)]);
  b.net.udpClose(ub.socket);
  b.net.udpClose(ub.socket);
  t.false(b.net.udpSend(ub.socket, 'x', '127.0.0.1', ua.port));
  a.net.udpSend(ua.socket, 'into the void', '127.0.0.1', ub.port);
  await pause(50);
  t.is(b.rec.count((e) => e.type === 'udp'), 0);
  const ids = [b.net.udpOpen(0), b.net.tcpListen(0), b.net.dnsQuery('127.0.0.1', 'A')];
  t.true(ids.every((id) => id > ub.socket));
  t.is(new Set(ids).size, 3);
});

// ---- TCP ----------------------------------------------------------------------------

async function connectedPair(t: ExecutionContext): Promise<{
  client: { net: NodeNet; rec: Recorder };
  server: { net: NodeNet; rec: Recorder };
  conn: number;
  peer: number;
}> {
  const server = phone(t);
  const client = phone(t);
  const listener = server.net.tcpListen(0);
  const { port } = await server.rec.next('tcp_listening', (e) => e.listener === listener);
  const conn = client.net.tcpConnect('127.0.0.1', port);
  const connected = await client.rec.next('tcp_connected', (e) => e.conn === conn);
  t.is(connected.localAddress, '127.0.0.1');
  const accepted = await server.rec.next('tcp_accepted', (e) => e.listener === listener);
  t.is(accepted.address, '127.0.0.1');
  t.is(accepted.port, connected.localPort);
  return { client, server, conn, peer: accepted.conn };
}

/** Everything received on a connection so far, in order. */
function received(rec: Recorder, conn: number): string {
  return rec.events.map((e) => (e.type === 'tcp_data' && e.conn === conn ? e.data : '')).join('');
}

async function receivedAtLeast(rec: Recorder, conn: number, length: number): Promise<string> {
  for (let waited = 0; received(rec, conn).length < length && waited < 3000; waited += 10) await pause(10);
  return received(rec, conn);
}

test('TCP: connect, binary data both ways, close → exactly one tcp_closed on each side', async (t) => {
  const { client, server, conn, peer } = await connectedPair(t);
  const bytes = Array.from({ length: 256 }, (_, i) => String.fromCharCode(i)).join('');
  t.true(client.net.tcpWrite(conn, bytes));
  const response = 'SIP/2.0 200 OK\r\n\r\n';
  t.true(server.net.tcpWrite(peer, response));
  t.is(await receivedAtLeast(server.rec, peer, bytes.length), bytes);
  t.is(await receivedAtLeast(client.rec, conn, response.length), response);

  client.net.tcpWrite(conn, 'last words');
  client.net.tcpClose(conn);
  client.net.tcpClose(conn);
  t.false(client.net.tcpWrite(conn, 'too late'));
  t.is((await client.rec.next('tcp_closed', (e) => e.conn === conn)).error, null);
  t.is((await server.rec.next('tcp_closed', (e) => e.conn === peer)).error, null);
  t.true(received(server.rec, peer).endsWith('last words'), 'writes before tcpClose are flushed');
  await pause(50);
  t.is(client.rec.count((e) => e.type === 'tcp_closed'), 1);
  t.is(server.rec.count((e) => e.type === 'tcp_closed'), 1);
});

test('TCP: the server closing ends the client connection too', async (t) => {
  const { client, server, conn, peer } = await connectedPair(t);
  server.net.tcpClose(peer);
  t.is((await client.rec.next('tcp_closed', (e) => e.conn === conn)).error, null);
  t.is((await server.rec.next('tcp_closed', (e) => e.conn === peer)).error, null);
  t.false(client.net.tcpWrite(conn, 'x'));
});

test('TCP: connecting to a closed port ends in tcp_closed with ECONNREFUSED', async (t) => {
  const { net: n, rec } = phone(t);
  const conn = n.tcpConnect('127.0.0.1', await closedTcpPort());
  t.false(n.tcpWrite(conn, 'not yet connected'));
  t.is((await rec.next('tcp_closed', (e) => e.conn === conn)).error, 'ECONNREFUSED');
  await pause(30);
  t.is(rec.count((e) => e.type === 'tcp_closed'), 1);
  t.is(rec.count((e) => e.type === 'tcp_connected'), 0);
});

test('TCP: a connect that never completes times out', async (t) => {
  // A socket that is never connected stands in for a peer that drops our SYNs.
  const { net: n, rec } = phone(t, { connectTimeoutMs: 50, createConnection: () => new net.Socket() });
  const conn = n.tcpConnect('192.0.2.1', 5060);
  t.is((await rec.next('tcp_closed', (e) => e.conn === conn)).error, 'timeout');
  await pause(30);
  t.is(rec.count((e) => e.type === 'tcp_closed'), 1);
});

test('TCP: bad arguments end in tcp_closed EINVAL, never a throw or a synchronous event', async (t) => {
  const { net: n, rec } = phone(t);
  const a = n.tcpConnect('pbx.example', 5060);
  const b = n.tcpConnect('127.0.0.1', 0);
  const c = (n as unknown as { tcpConnect(...args: unknown[]): number }).tcpConnect(undefined, 'x');
  t.is(rec.events.length, 0, 'nothing is delivered from inside the call');
  for (const conn of [a, b, c]) t.is((await rec.next('tcp_closed', (e) => e.conn === conn)).error, 'EINVAL');
  t.false(n.tcpWrite(12345, 'x'));
  t.notThrows(() => {
    n.tcpClose(12345);
    n.tcpStopListening(12345);
    n.udpClose(12345);
  });
});

test('TCP: a used port gives tcp_listen_error; after tcpStopListening new connections are refused', async (t) => {
  const server = phone(t);
  const client = phone(t);
  const listener = server.net.tcpListen(0);
  const { port } = await server.rec.next('tcp_listening', (e) => e.listener === listener);
  const clash = client.net.tcpListen(port);
  t.is((await client.rec.next('tcp_listen_error', (e) => e.listener === clash)).error, 'EADDRINUSE');

  const first = client.net.tcpConnect('127.0.0.1', port);
  await client.rec.next('tcp_connected', (e) => e.conn === first);
  const accepted = await server.rec.next('tcp_accepted');
  server.net.tcpStopListening(listener);
  const second = client.net.tcpConnect('127.0.0.1', port);
  t.is((await client.rec.next('tcp_closed', (e) => e.conn === second)).error, 'ECONNREFUSED');
  t.true(client.net.tcpWrite(first, 'still here'), 'accepted connections outlive the listener');
  t.is(await receivedAtLeast(server.rec, accepted.conn, 10), 'still here');
});


test('TCP: a write refused for a full backlog is followed by one tcp_writable when it drains; every byte arrives in order', async (t) => {
  const peer = await stalledPeer(t);
  const { net: n, rec } = phone(t);
  const conn = n.tcpConnect('127.0.0.1', peer.port);
  await rec.next('tcp_connected', (e) => e.conn === conn);
  let sent = '';
  let refused = false;
  for (let i = 0; !refused && sent.length < 256 << 20; i++) {
    const chunk = `${i}:`.padEnd(65536, String.fromCharCode(i % 256));
    if (n.tcpWrite(conn, chunk)) sent += chunk;
    else refused = true;
    await new Promise((r) => setImmediate(r)); // let the kernel buffers fill
  }
  t.true(refused, 'the HAL says "retry later" once the kernel and its own backlog are full');
  await pause(50);
  t.is(rec.count((e) => e.type === 'tcp_writable'), 0, 'not while the peer reads nothing');
  peer.resume();
  await rec.next('tcp_writable', (e) => e.conn === conn, 10000);
  await peer.received(sent.length);
  t.is(peer.bytes(), sent.length);
  t.true(peer.data() === sent, 'the bytes arrive in order');
  t.true(n.tcpWrite(conn, 'more'), 'the connection takes data again');
  await pause(30);
  t.is(rec.count((e) => e.type === 'tcp_writable'), 1, 'once per refusal');
});

test('TCP: a write refused while the link is down is followed by tcp_writable when it comes back', async (t) => {
  const { client, server, conn, peer } = await connectedPair(t);
  client.net.setLink(false);
  t.false(client.net.tcpWrite(conn, 'queued by the firmware'));
  await pause(30);
  t.is(client.rec.count((e) => e.type === 'tcp_writable'), 0);
  client.net.setLink(true);
  t.deepEqual(await client.rec.next('tcp_writable'), { type: 'tcp_writable', conn });
  t.true(client.net.tcpWrite(conn, 'queued by the firmware'));
  t.is(await receivedAtLeast(server.rec, peer, 22), 'queued by the firmware');
});

// ---- DNS ----------------------------------------------------------------------------

type FakeRecord =
  | { type: 'A'; address: string; ttl: number }
  | { type: 'SRV'; priority: number; weight: number; port: number; target: string }
  | { type: 'NAPTR'; order: number; preference: number; flags: string; service: string; regexp: string; replacement: string };

const TYPE_CODES = { A: 1, SRV: 33, NAPTR: 35 } as const;

/** A minimal authoritative DNS server: answers from `zone`, NXDOMAIN for unknown names. */
async function fakeDnsServer(t: ExecutionContext, zone: Record<string, FakeRecord[]>): Promise<string> {
  const socket = dgram.createSocket('udp4');
  socket.on('message', (query, peer) => {
    let offset = 12;
    const labels: string[] = [];
    while (query[offset]! > 0) {
      labels.push(query.toString('latin1', offset + 1, offset + 1 + query[offset]!));
      offset += query[offset]! + 1;
    }
    const qtype = query.readUInt16BE(offset + 1);
    const question = query.subarray(12, offset + 5);
    const name = labels.join('.').toLowerCase();
    const records = (zone[name] ?? []).filter((r) => TYPE_CODES[r.type] === qtype);
    const header = Buffer.alloc(12);
    header.writeUInt16BE(query.readUInt16BE(0), 0);
    header.writeUInt16BE(0x8400 | (query.readUInt16BE(2) & 0x0100) | (zone[name] ? 0 : 3), 2); // QR AA RD, NXDOMAIN
    header.writeUInt16BE(1, 4);
    header.writeUInt16BE(records.length, 6);
    const answers = records.map((r) => {
      const rdata = encodeRdata(r);
      const fixed = Buffer.alloc(12);
      fixed.writeUInt16BE(0xc00c, 0); // pointer to the question's name
      fixed.writeUInt16BE(TYPE_CODES[r.type], 2);
      fixed.writeUInt16BE(1, 4);
      fixed.writeUInt32BE(r.type === 'A' ? r.ttl : 60, 6);
      fixed.writeUInt16BE(rdata.length, 10);
      return Buffer.concat([fixed, rdata]);
    });
    socket.send(Buffer.concat([header, question, ...answers]), peer.port, peer.address);
  });
  await new Promise<void>((r) => socket.bind(0, '127.0.0.1', r));
  t.teardown(() => socket.close());
  return `127.0.0.1:${socket.address().port}`;
}

function encodeRdata(r: FakeRecord): Buffer {
  const u16 = (n: number): Buffer => Buffer.from([n >> 8, n & 0xff]);
  const text = (s: string): Buffer => Buffer.concat([Buffer.from([s.length]), Buffer.from(s, 'latin1')]);
  const name = (s: string): Buffer => Buffer.concat([...s.split('.').filter(Boolean).map(text), Buffer.from([0])]);
  switch (r.type) {
    case 'A':
      return Buffer.from(r.address.split('.').map(Number));
    case 'SRV':
      return Buffer.concat([u16(r.priority), u16(r.weight), u16(r.port), name(r.target)]);
    case 'NAPTR':
      return Buffer.concat([u16(r.order), u16(r.preference), text(r.flags), text(r.service), text(r.regexp), name(r.replacement)]);
  }
}

const ZONE: Record<string, FakeRecord[]> = {
  'pbx.lab.test': [{ type: 'A', address: '127.0.0.2', ttl: 300 }],
  '_sip._udp.lab.test': [
    { type: 'SRV', priority: 10, weight: 60, port: 5060, target: 'pbx.lab.test' },
    { type: 'SRV', priority: 20, weight: 0, port: 5070, target: 'backup.lab.test' },
  ],
  'lab.test': [{ type: 'NAPTR', order: 50, preference: 50, flags: 's', service: 'SIP+D2U', regexp: '', replacement: '_sip._udp.lab.test' }],
};

/** OS lookup, except for the reserved .invalid names, which must fail fast even without a network. */
async function lookupExceptInvalid(name: string, family: 4 | 6): Promise<string[]> {
  if (name.endsWith('.invalid')) throw Object.assign(new Error('not found'), { code: 'ENOTFOUND' });
  return (await dnsPromises.lookup(name, { family, all: true })).map((a) => a.address);
}

async function answer(p: { net: NodeNet; rec: Recorder }, name: string, type: 'A' | 'AAAA' | 'SRV' | 'NAPTR'): Promise<EventOf<'dns'>> {
  const query = p.net.dnsQuery(name, type);
  if (p.rec.events.some((e) => e.type === 'dns' && e.query === query)) throw new Error('dns answered inside dnsQuery');
  return p.rec.next('dns', (e) => e.query === query);
}

test('DNS: IP literals, a hosts-map name and localhost answer without any DNS server', async (t) => {
  const server = await fakeDnsServer(t, ZONE);
  const p = phone(t, { dns: { servers: [server], hosts: { 'Lab.Example': '127.0.0.1', 'v6.example': ['::1', '127.0.0.3'] }, lookup: lookupExceptInvalid } });
  const literal = await answer(p, '192.0.2.7', 'A');
  t.deepEqual(literal.records, [{ type: 'A', address: '192.0.2.7', ttl: 0 }]);
  t.is(literal.error, null);
  t.deepEqual((await answer(p, '[::1]', 'AAAA')).records, [{ type: 'AAAA', address: '::1', ttl: 0 }]);
  t.is((await answer(p, '192.0.2.7', 'AAAA')).error, 'ENODATA');
  t.deepEqual((await answer(p, 'lab.example.', 'A')).records, [{ type: 'A', address: '127.0.0.1', ttl: 0 }]);
  t.deepEqual((await answer(p, 'v6.example', 'AAAA')).records, [{ type: 'AAAA', address: '::1', ttl: 0 }]);
  const localhost = await answer(p, 'localhost', 'A');
  t.is(localhost.error, null);
  t.true(localhost.records.some((r) => r.type === 'A' && r.address === '127.0.0.1'));
});

test('DNS: A with TTL, SRV and NAPTR from a DNS server; unknown names fail with an error', async (t) => {
  const server = await fakeDnsServer(t, ZONE);
  const p = phone(t, { dns: { servers: [server], lookup: lookupExceptInvalid } });
  t.deepEqual((await answer(p, 'pbx.lab.test', 'A')).records, [{ type: 'A', address: '127.0.0.2', ttl: 300 }]);
  const srv = await answer(p, '_sip._udp.lab.test', 'SRV');
  t.is(srv.error, null);
  const bySort = (a: DnsRecord, b: DnsRecord): number => (a.type === 'SRV' && b.type === 'SRV' ? a.priority - b.priority : 0);
  t.deepEqual([...srv.records].sort(bySort), [
    { type: 'SRV', priority: 10, weight: 60, port: 5060, target: 'pbx.lab.test', ttl: 0 },
    { type: 'SRV', priority: 20, weight: 0, port: 5070, target: 'backup.lab.test', ttl: 0 },
  ]);
  t.deepEqual((await answer(p, 'lab.test', 'NAPTR')).records, [
    { type: 'NAPTR', order: 50, preference: 50, flags: 's', service: 'SIP+D2U', regexp: '', replacement: '_sip._udp.lab.test', ttl: 0 },
  ]);
  const missing = await answer(p, 'no-such-host.invalid', 'A');
  t.deepEqual(missing.records, []);
  t.is(missing.error, 'ENOTFOUND');
  t.is((await answer(p, '_sip._tcp.nowhere.test', 'SRV')).error, 'ENOTFOUND');
  t.is((await answer(p, '', 'A')).error, 'EBADNAME');
  t.is((await answer(p, 'a b', 'A')).error, 'EBADNAME');
  t.is((await answer(p, 'lab.test', 'MX' as never)).error, 'EBADQUERY');
});

test('DNS: an injected resolver object is used for SRV and NAPTR', async (t) => {
  const resolver: DnsResolverLike = {
    resolve4: async () => [],
    resolve6: async () => [],
    resolveSrv: async (name) => (name === '_sips._tcp.x.test' ? [{ priority: 1, weight: 2, port: 5061, name: 'tls.x.test' }] : []),
    resolveNaptr: async () => {
      throw Object.assign(new Error('queryNaptr ENODATA'), { code: 'ENODATA' });
    },
  };
  const p = phone(t, { dns: { resolver } });
  t.deepEqual((await answer(p, '_sips._tcp.x.test', 'SRV')).records, [
    { type: 'SRV', priority: 1, weight: 2, port: 5061, target: 'tls.x.test', ttl: 0 },
  ]);
  const empty = await answer(p, '_sip._udp.x.test', 'SRV');
  t.deepEqual([empty.records, empty.error], [[], 'ENODATA'], 'no records is an error, never an empty success');
  t.is((await answer(p, 'x.test', 'NAPTR')).error, 'ENODATA');
});

// ---- link, addresses, close ---------------------------------------------------------

test('setLink: while down, sends fail and arriving data is dropped; localAddress follows', async (t) => {
  const a = phone(t, { advertisedAddress: '198.51.100.7' });
  const b = phone(t);
  const [ua, ub] = await Promise.all([boundUdp(a), boundUdp(b)]);
  t.is(a.net.localAddress(), '198.51.100.7');
  a.net.setLink(false);
  t.deepEqual(a.rec.events.at(-1), { type: 'link', up: false, address: null });
  t.is(a.net.localAddress(), null);
  t.false(a.net.udpSend(ua.socket, 'x', '127.0.0.1', ub.port));
  b.net.udpSend(ub.socket, 'dropped', '127.0.0.1', ua.port);
  const refused = a.net.tcpConnect('127.0.0.1', 5060);
  t.is((await a.rec.next('tcp_closed', (e) => e.conn === refused)).error, 'ENETUNREACH');
  await pause(30);
  a.net.setLink(true);
  t.deepEqual(a.rec.events.at(-1), { type: 'link', up: true, address: '198.51.100.7' });
  b.net.udpSend(ub.socket, 'delivered', '127.0.0.1', ua.port);
  t.is((await a.rec.next('udp')).data, 'delivered');
  t.is(a.rec.count((e) => e.type === 'udp'), 1);
});

test('localAddress without an advertised address is a non-internal IPv4 or 127.0.0.1', (t) => {
  const { net: n } = phone(t);
  const address = n.localAddress();
  t.true(typeof address === 'string' && net.isIPv4(address));
});

test('close() releases everything: no event arrives afterwards and later calls are harmless', async (t) => {
  const silentDns = dgram.createSocket('udp4'); // swallows queries, so the DNS query stays pending
  await new Promise<void>((r) => silentDns.bind(0, '127.0.0.1', r));
  t.teardown(() => silentDns.close());
  const { client, server, conn, peer } = await connectedPair(t);
  const other = phone(t);
  const uo = await boundUdp(other);
  const us = await boundUdp(server);
  const pendingConnect = client.net.tcpConnect('127.0.0.1', await closedTcpPort());
  const slow = new NodeNet(client.rec.deliver, { bindAddress: '127.0.0.1', dns: { servers: [`127.0.0.1:${silentDns.address().port}`] } });
  slow.dnsQuery('pending.test', 'SRV');

  const before = { client: client.rec.events.length, server: server.rec.events.length };
  client.net.close();
  slow.close();
  server.net.close();
  client.net.close();
  t.false(client.net.tcpWrite(conn, 'x'));
  t.false(server.net.udpSend(us.socket, 'x', '127.0.0.1', uo.port));
  t.notThrows(() => {
    client.net.udpOpen(0);
    client.net.tcpConnect('127.0.0.1', 1);
    client.net.dnsQuery('localhost', 'A');
    client.net.setLink(false);
  });
  other.net.udpSend(uo.socket, 'anyone?', '127.0.0.1', us.port);
  await pause(100);
  t.is(client.rec.events.length, before.client, `client: ${JSON.stringify(client.rec.events.slice(before.client))}`);
  t.is(server.rec.events.length, before.server);
  t.true(pendingConnect > 0 && peer > 0);
});

test('after close() a Node process with sockets, a connection and a DNS query exits by itself', async (t) => {
  const here = path.dirname(fileURLToPath(import.meta.url));
  const moduleUrl = pathToFileURL(path.join(here, '..', '..', 'hal', 'node', 'net.ts')).href;
  const script = `
    import { NodeNet } from ${JSON.stringify(moduleUrl)};
    const n = new NodeNet((e) => {
      if (e.type === 'tcp_listening') n.tcpConnect('127.0.0.1', e.port);
      if (e.type === 'tcp_accepted') { n.dnsQuery('_sip._udp.example.test', 'SRV'); n.close(); console.log('closed'); }
    }, { bindAddress: '127.0.0.1' });
    n.udpOpen(0);
    n.tcpListen(0);
  `;
  const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '--eval', script], {
    cwd: path.join(here, '..', '..'),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr.on('data', (d: Buffer) => (output += d.toString()));
  const exited = await Promise.race([
    new Promise<number | null>((r) => child.on('exit', (code) => r(code))),
    pause(5000).then(() => 'hung' as const),
  ]);
  if (exited === 'hung') child.kill();
  t.is(exited, 0, output);
  t.is(output.trim(), 'closed');
});
