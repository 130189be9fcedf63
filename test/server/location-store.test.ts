// The location stores: the JSON file (round trip, atomic writes, corrupt and bad records) and the
// in-memory snapshot, alone and under a LocationService.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import test from 'ava';
import { LocationService } from '../../server/location.ts';
import type { RegisterChanges } from '../../server/location.ts';
import { JsonFileStore, MemoryStore } from '../../server/location-store.ts';

const here = path.dirname(fileURLToPath(import.meta.url));
const AOR = 'sip:alice@lab.example';
const T0 = 1_700_000_000_000;

function reg(contacts: string[], over: Partial<RegisterChanges> = {}): RegisterChanges {
  return {
    now: T0,
    callId: 'call-1',
    cseq: 1,
    contacts: contacts.map((contact) => ({ contact, expires: 3600 })),
    received: { transport: 'UDP', address: '198.51.100.7', port: 40000 },
    userAgent: 'quip/0.1',
    ...over,
  };
}

function tempFile(): string {
  return path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'quip-location-')), 'sub', 'location.json');
}

function restore(file: string, now = T0): ReturnType<typeof LocationService.restore> {
  return LocationService.restore(new JsonFileStore(file), now);
}

test('JsonFileStore: what is saved loads back the same, URI included', (t) => {
  const file = tempFile();
  const loc = new LocationService();
  loc.update(AOR, reg(['sip:alice@192.0.2.1:5062;transport=tcp']));
  loc.update('sip:bob@lab.example', reg(['sip:bob@192.0.2.2'], { received: null, userAgent: null }));
  const bindings = [...loc.bindings(AOR, T0), ...loc.bindings('sip:bob@lab.example', T0)];
  const store = new JsonFileStore(file);
  t.is(store.name, file);
  store.save(bindings);
  t.deepEqual(fs.readdirSync(path.dirname(file)), ['location.json'], 'the directory is made; no temp files left');
  t.deepEqual(new JsonFileStore(file).load(), { bindings, warnings: [] });
  t.is(JSON.parse(fs.readFileSync(file, 'utf8')).version, 1);
});

test('JsonFileStore under a service: flush writes the file, a new service restores it', (t) => {
  const file = tempFile();
  const a = new LocationService({ store: new JsonFileStore(file), debounceMs: 60_000 });
  a.update(AOR, reg(['sip:alice@192.0.2.1']));
  t.false(fs.existsSync(file), 'debounced');
  t.deepEqual(a.flush(), { ok: true });
  const { service, warnings } = restore(file);
  t.deepEqual(warnings, []);
  t.deepEqual(service.bindings(AOR, T0), a.bindings(AOR, T0));
  t.is((service.store as JsonFileStore).path, file);
});

test('MemoryStore: a snapshot, not shared with the service', (t) => {
  const store = new MemoryStore();
  t.deepEqual(store.load(), { bindings: [], warnings: [] });
  const loc = new LocationService({ store });
  loc.update(AOR, reg(['sip:alice@192.0.2.1']));
  loc.save();
  const [saved] = store.load().bindings;
  saved!.received!.port = 1;
  t.is(store.load().bindings[0]!.received!.port, 40000);
});

test('JsonFileStore: a missing file starts empty without warnings', (t) => {
  t.deepEqual(new JsonFileStore(tempFile()).load(), { bindings: [], warnings: [] });
});

test('JsonFileStore: a corrupt file starts empty, warns, and is set aside', (t) => {
  const file = tempFile();
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.copyFileSync(path.resolve(here, '..', 'fixtures', 'server', 'location-corrupt.json'), file);
  fs.writeFileSync(`${file}.tmp-1-1`, 'half a write'); // left by a crash
  const { service, warnings } = restore(file);
  t.is(service.size, 0);
  t.is(warnings.length, 1);
  t.regex(warnings[0]!, /location\.json: corrupt, .*; starting with no registrations \(kept as .*location\.json\.corrupt\)/);
  t.true(fs.existsSync(`${file}.corrupt`));
  t.false(fs.existsSync(`${file}.tmp-1-1`));
  // and it keeps working
  service.update(AOR, reg(['sip:alice@192.0.2.1']));
  t.deepEqual(service.flush(), { ok: true });
  t.is(restore(file).service.size, 1);
});

test('JsonFileStore: wrong shape and bad records are reported, good records kept', (t) => {
  const file = tempFile();
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, JSON.stringify({ version: 99, bindings: [] }));
  t.regex(restore(file).warnings[0]!, /corrupt, expected \{"version": 1/);

  const good = new LocationService({ store: new JsonFileStore(file) });
  good.update(AOR, reg(['sip:alice@192.0.2.1']));
  good.save();
  const data = JSON.parse(fs.readFileSync(file, 'utf8')) as { bindings: Array<Record<string, unknown>> };
  data.bindings.push({ ...data.bindings[0], contact: 'nonsense' }, { ...data.bindings[0], cseq: 'x' }, 'junk' as never);
  fs.writeFileSync(file, JSON.stringify(data));
  const { service, warnings } = restore(file);
  t.is(service.size, 1);
  t.is(warnings.length, 3);
  t.regex(warnings[0]!, /bindings\[1\]: contact: bad URI/);
  t.regex(warnings[1]!, /bindings\[2\]: cseq: expected a number; skipped/);
  t.regex(warnings[2]!, /bindings\[3\]: not an object/);
});

test('JsonFileStore: a failed write throws, and the service reports it from flush', (t) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'quip-location-'));
  const blocker = path.join(dir, 'file');
  fs.writeFileSync(blocker, 'x');
  const store = new JsonFileStore(path.join(blocker, 'location.json')); // parent is a file
  t.throws(() => store.save([]));
  const loc = new LocationService({ store });
  loc.update(AOR, reg(['sip:alice@192.0.2.1']));
  t.false(loc.flush().ok);
});
