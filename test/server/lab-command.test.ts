// `quip lab` as a child process: help, one-line errors, the banner, serving, stopping.
import test from 'ava';
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { ROOT } from '../helpers/corpus.ts';
import { RawUdp } from '../helpers/sip-endpoint.ts';
import { USERS_FILE, rawRequest, startLab, statusOf, tempFile } from './lab-fixture.ts';

const QUIP = path.join(ROOT, 'scripts', 'quip.mjs');

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

function run(args: string[]): Promise<Run> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [QUIP, 'lab', ...args], { cwd: ROOT });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('exit', (code) => resolve({ code, stdout, stderr }));
  });
}

test('--help lists the options', async (t) => {
  const r = await run(['--help']);
  t.is(r.code, 0);
  for (const opt of ['--port', '--tcp', '--users', '--mode proxy|redirect', '--domain', '--bind', '--advertise', '--data', '--quiet']) t.true(r.stdout.includes(opt), opt);
});

test('a bad users file, a bad option and a port in use are one-line errors', async (t) => {
  const missing = path.join(ROOT, 'test', 'fixtures', 'server', 'users-missing-password.json');
  const bad = await run(['--users', missing, '--port', '0']);
  t.is(bad.code, 1);
  t.is(bad.stderr, `quip lab: bad users file: ${missing}: users[1].password: missing for user "bob"\n`);

  const mode = await run(['--mode', 'stateless']);
  t.is(mode.code, 2);
  t.regex(mode.stderr, /^quip lab: --mode must be proxy or redirect, not 'stateless'\n/);

  const lab = await startLab(t);
  const busy = await run(['--port', String(lab.server.port), '--bind', '127.0.0.1', '--data', tempFile('l.json')]);
  t.is(busy.code, 1);
  t.is(busy.stderr, `quip lab: port ${lab.server.port} on 127.0.0.1 is already in use (another SIP server or phone?); try --port\n`);
});

test('serves: prints a banner with users and numbers, answers OPTIONS, logs it, stops on SIGTERM', async (t) => {
  const data = tempFile('location.json');
  const child = spawn(process.execPath, [QUIP, 'lab', '--port', '0', '--bind', '127.0.0.1', '--users', USERS_FILE, '--data', data, '--tcp'], { cwd: ROOT });
  t.teardown(() => {
    if (child.exitCode === null) child.kill('SIGKILL');
  });
  const lines: string[] = [];
  let wake: (() => void) | null = null;
  createInterface({ input: child.stdout }).on('line', (l) => {
    lines.push(l);
    wake?.();
  });
  const line = async (re: RegExp): Promise<string> => {
    const deadline = Date.now() + 15_000;
    for (;;) {
      const found = lines.find((l) => re.test(l));
      if (found !== undefined) return found;
      if (Date.now() > deadline) throw new Error(`no line ${re}; got ${lines.join(' | ')}`);
      await new Promise<void>((r) => {
        wake = r;
        setTimeout(r, 200);
      });
    }
  };
  const listening = await line(/^listening on udp\+tcp 127\.0\.0\.1:\d+/);
  const port = Number(/:(\d+),/.exec(listening)![1]);
  t.regex(await line(/^quip lab — /), /proxy mode, domain lab\.example/);
  t.regex(await line(/^ {2}bob /), /2002, \+1-555-0102 {2}Bob/);
  t.regex(await line(/^ {2}carol /), /\(redirect\)/);

  const raw = await RawUdp.open();
  t.teardown(() => raw.close());
  raw.send(rawRequest('OPTIONS', `sip:127.0.0.1:${port}`, raw.port), port);
  t.is(statusOf(await raw.next(3000)), 200);
  t.regex(await line(/ OPTIONS /), /OPTIONS sip:guest@elsewhere\.example → sip:127\.0\.0\.1:\d+ 200 OK \d+ms \(udp 127\.0\.0\.1:\d+\)$/);

  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  child.kill('SIGTERM');
  t.is(await exited, 0);
  t.false(existsSync(`${data}.corrupt`));
});
