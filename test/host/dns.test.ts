// quip-host's resolver on the wire (RFC 3263 through the firmware's server locator): a phone
// whose account names a domain, not an address, finds the lab through a real DNS server on
// loopback (NAPTR → SRV → A over UDP, answered by a tiny responder here) and registers there.
import test from 'ava';
import dgram from 'node:dgram';
import type { AddressInfo } from 'node:net';
import { startLabServer } from '../../server/lab-server.ts';
import { defaultUsers } from '../../server/users.ts';
import { EmulatorProcess } from '../helpers/emulator-process.ts';
import { firmwareImage } from '../helpers/lab-phones.ts';

const TYPES: Record<number, string> = { 1: 'A', 28: 'AAAA', 33: 'SRV', 35: 'NAPTR' };

function encodeName(name: string): Buffer {
  const parts = name.split('.').filter((p) => p !== '');
  return Buffer.concat([...parts.map((p) => Buffer.concat([Buffer.from([p.length]), Buffer.from(p, 'ascii')])), Buffer.from([0])]);
}

/** Reads the question of a query: id, name, type. */
function question(q: Buffer): { id: number; name: string; type: number; end: number } {
  let i = 12;
  const labels: string[] = [];
  while (q[i]! !== 0) {
    labels.push(q.subarray(i + 1, i + 1 + q[i]!).toString('ascii'));
    i += 1 + q[i]!;
  }
  return { id: q.readUInt16BE(0), name: labels.join('.').toLowerCase(), type: q.readUInt16BE(i + 1), end: i + 5 };
}

/** An answer with the given records' RDATA (one RR each, owner = the question name), or an rcode. */
function answer(q: Buffer, rdatas: Buffer[], rcode = 0): Buffer {
  const { id, type, end } = question(q);
  const header = Buffer.alloc(12);
  header.writeUInt16BE(id, 0);
  header.writeUInt16BE(0x8180 | rcode, 2);
  header.writeUInt16BE(1, 4);
  header.writeUInt16BE(rdatas.length, 6);
  const rrs = rdatas.map((rd) => {
    const fixed = Buffer.alloc(10);
    fixed.writeUInt16BE(type, 0);
    fixed.writeUInt16BE(1, 2);
    fixed.writeUInt32BE(60, 4);
    fixed.writeUInt16BE(rd.length, 8);
    return Buffer.concat([Buffer.from([0xc0, 12]), fixed, rd]);
  });
  return Buffer.concat([header, q.subarray(12, end), ...rrs]);
}

function srv(priority: number, weight: number, port: number, target: string): Buffer {
  const b = Buffer.alloc(6);
  b.writeUInt16BE(priority, 0);
  b.writeUInt16BE(weight, 2);
  b.writeUInt16BE(port, 4);
  return Buffer.concat([b, encodeName(target)]);
}

test.serial('[x64] an account at a domain name: NAPTR, SRV and A over a real DNS server, then it registers', async (t) => {
  const lab = await startLabServer({ port: 0, users: defaultUsers(), domain: 'voip.test', log: () => {} });
  const asked: string[] = [];
  const dns = dgram.createSocket('udp4');
  dns.on('message', (q, rinfo) => {
    const { name, type } = question(q);
    asked.push(`${TYPES[type] ?? type} ${name}`);
    let reply: Buffer;
    if (type === 35) reply = answer(q, []); // no NAPTR: the locator goes on to SRV (RFC 3263 §4.1)
    else if (type === 33 && name === '_sip._udp.voip.test') reply = answer(q, [srv(10, 5, lab.port, 'pbx.voip.test')]);
    else if (type === 1 && name === 'pbx.voip.test') reply = answer(q, [Buffer.from([127, 0, 0, 1])]);
    else reply = answer(q, [], 3); // NXDOMAIN
    dns.send(reply, rinfo.port, rinfo.address);
  });
  await new Promise<void>((r) => dns.bind(0, '127.0.0.1', () => r()));
  const dnsPort = (dns.address() as AddressInfo).port;
  const phone = new EmulatorProcess(['--board', 'desk6', '--image', await firmwareImage('desk6'), '--account', 'sip:alice:secret@voip.test', '--dns-server', `127.0.0.1:${dnsPort}`], undefined, 'x64');
  try {
    const reg = await phone.waitFor((e) => e.event === 'registered', 60000);
    t.truthy(reg);
    t.true(asked.includes('SRV _sip._udp.voip.test'), asked.join(', '));
    t.true(asked.includes('A pbx.voip.test'), asked.join(', '));
  } finally {
    t.is(await phone.quit(), 0);
    dns.close();
    lab.close();
  }
});
