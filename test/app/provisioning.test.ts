// Provisioning: the file format checks (in the firmware), and emulated phones that fetch their
// account from a provisioning server, fall back to the cached config when it is down, and
// report bad configs clearly while booting with what they had.
import test from 'ava';
import http from 'node:http';
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseProvisioning, provisioningUrlFor, validateProvisioning } from '../../firmware/app/provisioning.ts';
import { loadBoardConfig, toBoardInfo } from '../../hal/board-config.ts';
import { firmwareImage, labWithPhones } from '../helpers/lab-phones.ts';
import { EmulatorProcess } from '../helpers/emulator-process.ts';

const problem = (json: unknown): string => {
  try {
    validateProvisioning(json, 2);
    return 'accepted';
  } catch (e) {
    return (e as Error).message;
  }
};

test('the provisioning file is checked strictly, naming the field', (t) => {
  const ok = validateProvisioning({
    accounts: [{ uri: 'sip:alice@lab.example:5070', password: 'pw', registrar: '10.0.0.1:5070', displayName: 'Alice', expires: 600 }],
    codecs: ['PCMA', 'telephone-event'],
    dialPlan: { digitMap: '[2-9]xxx|0', interDigitTimeoutMs: 2000 },
    tonePlan: 'eu',
  }, 2);
  t.is(ok.accounts![0]!.registrar, '10.0.0.1:5070');
  t.deepEqual(ok.codecs, ['PCMA', 'telephone-event']);
  t.deepEqual(validateProvisioning({}, 1), {});
  t.is(problem([]), '(top level): expected an object, got an array');
  t.regex(problem({ acounts: [] }), /^acounts: unknown field/);
  t.regex(problem({ accounts: {} }), /^accounts: expected an array/);
  t.regex(problem({ accounts: [{ uri: 'sip:a@b', password: 'x' }, { uri: 'sip:c@d', password: 'x' }, { uri: 'sip:e@f', password: 'x' }] }), /^accounts: expected at most 2 \(maxAccounts\), got 3 accounts$/);
  t.regex(problem({ accounts: [{ uri: 'alice', password: 'x' }] }), /^accounts\[0\]\.uri: expected sip:user@domain/);
  t.is(problem({ accounts: [{ uri: 'sip:alice:hunter2@b', password: 'x' }] }).includes('hunter2'), false);
  t.regex(problem({ accounts: [{ uri: 'sip:a@b', password: 5 }] }), /^accounts\[0\]\.password: expected a string .*got a number$/);
  t.regex(problem({ accounts: [{ uri: 'sip:a@b', password: 'x', expires: 5 }] }), /^accounts\[0\]\.expires: expected an integer from 60/);
  t.regex(problem({ accounts: [{ uri: 'sip:a@b', password: 'x', registrar: 'a b' }] }), /^accounts\[0\]\.registrar: expected host\[:port\]/);
  t.regex(problem({ accounts: [{ uri: 'sip:a@b', password: 'x', colour: 'red' }] }), /^accounts\[0\]\.colour: unknown field/);
  t.regex(problem({ codecs: ['G729'] }), /^codecs\[0\]: expected one of "PCMU", "PCMA", "telephone-event", got "G729"$/);
  t.regex(problem({ codecs: ['telephone-event'] }), /^codecs: expected at least one audio codec/);
  t.regex(problem({ codecs: ['PCMU', 'PCMU'] }), /^codecs\[1\]: "PCMU" is listed twice/);
  t.regex(problem({ dialPlan: { digitMap: '[2-', interDigitTimeoutMs: 1000 } }), /^dialPlan\.digitMap: /);
  t.regex(problem({ dialPlan: { digitMap: '[2-9]xxx', interDigitTimeoutMs: 10 } }), /^dialPlan\.interDigitTimeoutMs: expected an integer from 500/);
  t.regex(problem({ tonePlan: 'uk' }), /^tonePlan: expected one of "na", "eu", got "uk"/);
  t.throws(() => parseProvisioning('{"accounts": [', 1), { message: /^not JSON: / });
  t.is(provisioningUrlFor('http://h/{board}.json', toBoardInfo(loadBoardConfig('desk6'))), 'http://h/desk6.json');
});

/** A provisioning server whose answer the test changes between boots. */
async function provisioningServer(): Promise<{ port: number; paths: string[]; answer: (req: http.IncomingMessage, res: http.ServerResponse) => void; close(): Promise<void> }> {
  const paths: string[] = [];
  const state = {
    port: 0,
    paths,
    answer: (_req: http.IncomingMessage, res: http.ServerResponse): void => void res.writeHead(404).end(),
    close: () => Promise.resolve(),
  };
  const server = http.createServer((req, res) => {
    paths.push(req.url ?? '');
    state.answer(req, res);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  state.port = (server.address() as AddressInfo).port;
  state.close = () => new Promise<void>((r) => {
    server.closeAllConnections();
    server.close(() => r());
  });
  return state;
}

function json(res: http.ServerResponse, body: unknown, status = 200): void {
  res.writeHead(status, { 'Content-Type': 'application/json' }).end(typeof body === 'string' ? body : JSON.stringify(body));
}

async function bootPhone(image: string, url: string, dataDir: string, t: { teardown(f: () => Promise<unknown> | void): void }): Promise<EmulatorProcess> {
  const p = new EmulatorProcess(['--board', 'desk6', '--image', image, '--provisioning-url', url], dataDir);
  t.teardown(() => p.quit());
  await p.waitFor((e) => e.event === 'boot', 20000);
  return p;
}

test.serial('a phone with no account is provisioned as alice, then boots from the cache while the server is down', async (t) => {
  const { lab } = await labWithPhones(t);
  const prov = await provisioningServer();
  t.teardown(() => prov.close());
  prov.answer = (_req, res) => json(res, {
    accounts: [{ uri: 'sip:alice@127.0.0.1', password: 'secret', registrar: `127.0.0.1:${lab.port}`, displayName: 'Alice P' }],
    codecs: ['PCMA', 'PCMU', 'telephone-event'],
    dialPlan: { digitMap: '[2-9]xxx', interDigitTimeoutMs: 1500 },
  });
  const image = await firmwareImage('desk6');
  const dataDir = mkdtempSync(join(tmpdir(), 'quip-prov-'));
  const url = `http://127.0.0.1:${prov.port}/cfg/{board}.json`;

  const first = await bootPhone(image, url, dataDir, t);
  const ok = await first.waitFor((e) => e.event === 'provisioned');
  t.deepEqual(ok, { event: 'provisioned', url: `http://127.0.0.1:${prov.port}/cfg/desk6.json`, source: 'network', fields: ['accounts', 'codecs', 'dialPlan'] });
  t.deepEqual(prov.paths, ['/cfg/desk6.json']);
  const reg = await first.waitFor((e) => e.event === 'registered');
  t.is(reg.aor, 'sip:alice@127.0.0.1');
  await first.waitFor((e) => e.event === 'display' && (e.lines as string[])[0]!.startsWith('Config from server'));
  await first.waitForScreen((l) => l[0]!.startsWith('Alice P') && l[1] === 'Registered');
  // The provisioned dial plan is in force: four digits dial at once off-hook.
  first.send({ key: 'hook', down: true });
  for (const d of '2000') first.send({ key: d });
  const call = await first.waitFor((e) => e.event === 'call_state' && e.state === 'ended', 20000);
  t.regex(String(call.remote), /^2000@/);
  first.send({ key: 'hook', down: false });
  t.is(await first.quit(), 0);

  await prov.close(); // the server is down at the next boot
  const second = await bootPhone(image, url, dataDir, t);
  const failed = await second.waitFor((e) => e.event === 'provisioning_failed');
  t.regex(String(failed.reason), /^connection failed: ECONNREFUSED/);
  t.is(failed.fallback, 'cache');
  const cached = await second.waitFor((e) => e.event === 'provisioned');
  t.is(cached.source, 'cache');
  t.deepEqual(cached.fields, ['accounts', 'codecs', 'dialPlan']);
  t.is((await second.waitFor((e) => e.event === 'registered')).aor, 'sip:alice@127.0.0.1');
  await second.waitFor((e) => e.event === 'display' && (e.lines as string[])[0]!.startsWith('Server down: cached config'));
});

test.serial('bad configs are refused with a clear reason; the phone boots with what it had', async (t) => {
  const { lab } = await labWithPhones(t);
  const prov = await provisioningServer();
  t.teardown(() => prov.close());
  const good = { accounts: [{ uri: 'sip:bob@127.0.0.1', password: 'secret', registrar: `127.0.0.1:${lab.port}` }] };
  const silent: net.Socket[] = [];
  prov.answer = (req, res) => {
    switch (req.url) {
      case '/good': return json(res, good);
      case '/type': return json(res, { accounts: [{ uri: 'sip:bob@127.0.0.1', password: 'secret', expires: '3600' }] });
      case '/unknown': return json(res, { ...good, firmwareUrl: 'http://x/' });
      case '/garbage': return json(res, '<html>oops</html>');
      case '/huge': return json(res, JSON.stringify({ accounts: [] }) + ' '.repeat(200 * 1024));
      case '/silent': silent.push(req.socket); return; // never answers
      default: return json(res, 'not here', 404);
    }
  };
  t.teardown(() => silent.forEach((s) => s.destroy()));
  const image = await firmwareImage('desk6');
  const base = `http://127.0.0.1:${prov.port}`;

  // No cache yet: a bad config leaves the board's values (no account).
  const fresh = await bootPhone(image, `${base}/unknown`, mkdtempSync(join(tmpdir(), 'quip-prov-')), t);
  const f0 = await fresh.waitFor((e) => e.event === 'provisioning_failed');
  t.regex(String(f0.reason), /^firmwareUrl: unknown field/);
  t.is(f0.fallback, 'board');
  await fresh.waitFor((e) => e.event === 'display' && (e.lines as string[])[0]!.startsWith('Provisioning failed'));
  await fresh.waitForScreen((l) => l[1] === 'Set up an account', 15000);
  t.false(fresh.events.some((e) => e.event === 'provisioned'));
  await fresh.quit();

  const dataDir = mkdtempSync(join(tmpdir(), 'quip-prov-'));
  const seeded = await bootPhone(image, `${base}/good`, dataDir, t);
  await seeded.waitFor((e) => e.event === 'registered');
  await seeded.quit();

  const cases: Array<[string, RegExp]> = [
    ['/type', /^accounts\[0\]\.expires: expected an integer from 60 to 86400, got "3600"$/],
    ['/garbage', /^not JSON: /],
    ['/missing', /^HTTP 404 Not Found$/],
    ['/huge', /^response body larger than 65536 bytes$/],
    ['/silent', /^timed out after 5000 ms$/],
  ];
  for (const [path, reason] of cases) {
    const p = await bootPhone(image, base + path, dataDir, t);
    const failed = await p.waitFor((e) => e.event === 'provisioning_failed', 20000);
    t.regex(String(failed.reason), reason, path);
    t.is((await p.waitFor((e) => e.event === 'provisioned')).source, 'cache', path);
    t.is((await p.waitFor((e) => e.event === 'registered', 20000)).aor, 'sip:bob@127.0.0.1', path);
    t.false(p.events.some((e) => e.event === 'error' || e.event === 'watchdog'), path);
    await p.quit();
  }
});
