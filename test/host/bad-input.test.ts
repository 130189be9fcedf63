// quip-host, the native board host, fed bad input: corrupt flash files, bundles that throw or
// hang at load, broken board configs, garbage on the control channel and on the SIP port,
// stdin closing and SIGTERM. It must report each, keep running (or exit with a clear message),
// and quit cleanly: on x64 it is the ASan/UBSan build, so exit code 0 and no sanitizer report.
// armhf (under qemu) runs the same tests: they are cheap.
import test from 'ava';
import type { ExecutionContext } from 'ava';
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createSocket } from 'node:dgram';
import type { Socket } from 'node:dgram';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadBoardConfig } from '../../hal/board-config.ts';
import { flashLayout } from '../../hal/flash/layout.ts';
import { ROOT } from '../helpers/corpus.ts';
import { EmulatorProcess } from '../helpers/emulator-process.ts';
import { phoneHost } from '../helpers/hosts.ts';
import type { HostName } from '../helpers/hosts.ts';
import { firmwareImage } from '../helpers/lab-phones.ts';

const work = mkdtempSync(join(tmpdir(), 'quip-badinput-'));
const layout = flashLayout(loadBoardConfig('small2').flash!);
const SANITIZER = /ERROR: (AddressSanitizer|LeakSanitizer)|runtime error:/;

/** Ceilings for waits (ASan and qemu are slower than the emulator); ceilings, not budgets. */
const slow = (host: HostName): number => (host === 'x64' ? 2 : 4);

/** A small2 flash written by `quip flash` with the real firmware in slot A. */
async function goodFlash(name: string): Promise<string> {
  const file = join(work, name);
  const r = spawnSync(process.execPath, [join(ROOT, 'scripts', 'quip.mjs'), 'flash', '--board', 'small2', '--image', await firmwareImage('small2'), '--to', file], { cwd: ROOT, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`quip flash failed: ${r.stderr}`);
  return file;
}

/** Overwrites part of a file with random bytes. */
function scribble(file: string, offset: number, length: number): void {
  const bytes = readFileSync(file);
  randomBytes(length).copy(bytes, offset);
  writeFileSync(file, bytes);
}

function bundle(name: string, code: string): string {
  const file = join(work, name);
  writeFileSync(file, code);
  return file;
}

/** The host's command run to completion (it is expected to refuse to start). */
function run(host: HostName, args: string[]): { code: number | null; stderr: string } {
  const { cmd, args: lead, env } = phoneHost(host).command();
  const r = spawnSync(cmd, [...lead, '--control', 'stdio', ...args], { cwd: ROOT, encoding: 'utf8', input: '', timeout: 60000, ...(env ? { env } : {}) });
  return { code: r.status, stderr: r.stderr };
}

for (const host of ['x64', 'armhf'] as const) {
  const k = slow(host);

  /** A serial test (one phone at a time in this file) with room for qemu's slower waits. */
  const hostTest = (name: string, fn: (t: ExecutionContext) => Promise<void> | void) =>
    test.serial(`[${host}] ${name}`, async (t) => {
      t.timeout(60000 * k);
      await fn(t);
    });

  /** A phone on this host; killed at teardown if a test left it running. */
  const phone = (t: ExecutionContext, args: string[]): EmulatorProcess => {
    const p = new EmulatorProcess(args, undefined, host);
    t.teardown(() => p.kill());
    return p;
  };

  /** Quits the phone: exit code 0, and nothing from the sanitizers on stderr. */
  const quitCleanly = async (t: ExecutionContext, p: EmulatorProcess): Promise<void> => {
    t.is(await p.quit(), 0);
    t.notRegex(p.stderr.join('\n'), SANITIZER);
  };

  const image = async (): Promise<string[]> => ['--board', 'small2', '--image', await firmwareImage('small2')];

  hostTest('a flash file of random bytes: the boot loader finds nothing bootable, the board keeps running', async (t) => {
    const file = join(work, `${host}-random.flash`);
    writeFileSync(file, randomBytes(layout.size));
    const p = phone(t, ['--board', 'small2', '--flash', file]);
    const e = await p.waitFor((ev) => ev.event === 'error' && ev.where === 'bootloader', 30000 * k);
    t.regex(String(e.message), /^no bootable firmware: slot A .*; slot B /);
    await p.waitForScreen((l) => l[0] === 'Boot failed', 10000 * k);
    p.send({ key: '5' }); // a halted board: the key reaches no firmware, and nothing breaks
    p.sendRaw('not json');
    await p.waitFor((ev) => ev.event === 'error' && ev.where === 'control', 10000 * k);
    t.false(p.events.some((ev) => ev.event === 'boot'));
    await quitCleanly(t, p);
  });

  hostTest('a flash with a scribbled slot, boot records or storage: reported, and what can boot boots', async (t) => {
    // Slot A's image damaged: it fails verification, and there is nothing else.
    const slot = await goodFlash(`${host}-slot.flash`);
    scribble(slot, layout.slots[0]!.offset + 1000, 4000);
    const p1 = phone(t, ['--board', 'small2', '--flash', slot]);
    const e = await p1.waitFor((ev) => ev.event === 'error' && ev.where === 'bootloader', 30000 * k);
    t.regex(String(e.message), /slot A failed verification: image SHA-256 is [0-9a-f]+…, the slot header says [0-9a-f]+…/);
    await p1.waitForScreen((l) => l[0] === 'Boot failed', 10000 * k);
    await quitCleanly(t, p1);

    // Both boot records garbage: reported, and the valid image in slot A still boots.
    const records = await goodFlash(`${host}-records.flash`);
    scribble(records, layout.bootRecords[0]!.offset, layout.bootRecords[0]!.size + layout.bootRecords[1]!.size);
    const p2 = phone(t, ['--board', 'small2', '--flash', records]);
    const note = await p2.waitFor((ev) => ev.event === 'error' && ev.where === 'bootloader', 30000 * k);
    t.regex(String(note.message), /boot record unreadable; slot A holds a valid image and boots/);
    t.like(await p2.waitFor((ev) => ev.event === 'boot', 30000 * k), { slot: 'A', board: 'small2' });
    p2.send({ key: '5' });
    await p2.waitForScreen((l) => l[1] === '5', 10000 * k);
    await quitCleanly(t, p2);

    // The storage partition garbage: the firmware boots and works.
    const storage = await goodFlash(`${host}-storage.flash`);
    scribble(storage, layout.storage.offset, layout.storage.size);
    const p3 = phone(t, ['--board', 'small2', '--flash', storage]);
    t.like(await p3.waitFor((ev) => ev.event === 'boot', 30000 * k), { slot: 'A', boot_attempt: 1 });
    p3.send({ key: 'vol_up' });
    await p3.waitForScreen((l) => l[0] === 'Volume', 10000 * k);
    await quitCleanly(t, p3);
  });

  hostTest('a flash file of the wrong size or truncated is refused with a clear message', async (t) => {
    const small = join(work, `${host}-small.flash`);
    writeFileSync(small, randomBytes(1000));
    const r1 = run(host, ['--board', 'small2', '--flash', small]);
    t.is(r1.code, 1);
    t.regex(r1.stderr, new RegExp(`small\\.flash is 1000 bytes, this board's flash is ${layout.size} bytes`));
    const truncated = await goodFlash(`${host}-truncated.flash`);
    writeFileSync(truncated, readFileSync(truncated).subarray(0, 500000));
    const r2 = run(host, ['--board', 'small2', '--flash', truncated]);
    t.is(r2.code, 1);
    t.regex(r2.stderr, new RegExp(`truncated\\.flash is 500000 bytes, this board's flash is ${layout.size} bytes`));
    const empty = join(work, `${host}-empty.flash`);
    writeFileSync(empty, '');
    const r3 = run(host, ['--board', 'small2', '--flash', empty]);
    t.is(r3.code, 1);
    t.regex(r3.stderr, /empty\.flash is 0 bytes/);
    for (const r of [r1, r2, r3]) t.notRegex(r.stderr, SANITIZER);
  });

  hostTest('a bundle that throws at load: error events, reboots with back-off, never a crash', async (t) => {
    const p = phone(t, ['--board', 'small2', '--bundle', bundle(`${host}-throws.js`, "throw new Error('bundle broken at load');\n")]);
    await p.waitFor((e) => e.event === 'error' && e.where === 'firmware' && e.reboot_in_ms === 1000, 30000 * k);
    const errors = p.events.filter((e) => e.event === 'error');
    t.true(errors.length >= 3);
    for (const e of errors) t.like(e, { where: 'firmware', kind: 'exception', during: 'load', message: 'Error: bundle broken at load' });
    t.deepEqual(errors.slice(0, 3).map((e) => e.reboot_in_ms), [250, 500, 1000]); // the back-off doubles
    t.true(p.events.filter((e) => e.event === 'reboot').length >= 2);
    t.false(p.events.some((e) => e.event === 'boot'));
    await quitCleanly(t, p); // during the back-off
  });

  hostTest('a bundle that defines no quipFirmware is reported as a load error and retried', async (t) => {
    const p = phone(t, ['--board', 'small2', '--bundle', bundle(`${host}-empty.js`, 'var notTheFirmware = { start: function () {} };\n')]);
    const e = await p.waitFor((ev) => ev.event === 'error' && ev.reboot_in_ms === 500, 30000 * k);
    t.like(e, { where: 'firmware', kind: 'exception', during: 'load' });
    t.regex(String(e.message), /bundle does not export start\(\) and event\(\) on quipFirmware/);
    await quitCleanly(t, p);
  });

  hostTest('a bundle with an endless loop at load is stopped by the watchdog, and retried', async (t) => {
    const p = phone(t, ['--board', 'small2', '--bundle', bundle(`${host}-loop.js`, 'for (;;) {}\n')]);
    const wd = await p.waitFor((e) => e.event === 'watchdog', 30000 * k);
    t.like(wd, { where: 'firmware', kind: 'watchdog', during: 'load' });
    t.regex(String(wd.message), /firmware ran longer than \d+ ms handling 'load'/);
    await p.waitFor((e) => e.event === 'reboot' && e.reason === 'watchdog', 10000 * k);
    await p.waitFor((e) => e.event === 'watchdog' && e.reboot_in_ms === 500, 30000 * k); // the second try hangs too
    await quitCleanly(t, p);
  });

  hostTest('a board config with a wrong field, not JSON, binary or missing is refused with a clear message', async (t) => {
    const small2 = JSON.parse(readFileSync(join(ROOT, 'board-configs', 'small2.json'), 'utf8')) as Record<string, unknown>;
    const fw = ['--image', await firmwareImage('small2')];
    const cases: Array<[string, string | Buffer, RegExp]> = [
      ['unknown-field.json', JSON.stringify({ ...small2, bogus: 1 }), /unknown-field\.json: bogus: unknown field/],
      ['wrong-type.json', JSON.stringify({ ...small2, watchdogMs: 'fast' }), /wrong-type\.json: watchdogMs/],
      ['not-json.json', '{"id": "small2", ', /not-json\.json: invalid JSON/],
      ['binary.json', randomBytes(300), /binary\.json: invalid JSON/],
      ['empty.json', '', /empty\.json: invalid JSON/],
      ['array.json', '[1, 2]', /array\.json/],
    ];
    for (const [name, content, expected] of cases) {
      const file = join(work, `${host}-${name}`);
      writeFileSync(file, content);
      const r = run(host, ['--board', file, ...fw]);
      t.is(r.code, 1, name);
      t.regex(r.stderr, expected);
      t.notRegex(r.stderr, SANITIZER);
    }
    const missing = run(host, ['--board', join(work, 'missing.json'), ...fw]);
    t.is(missing.code, 1);
    t.regex(missing.stderr, /cannot read.*missing\.json/);
    t.notRegex(missing.stderr, SANITIZER);
  });

  hostTest('control lines that are not JSON objects, 100 KB long, binary or with NUL bytes: error events, the phone keeps running', async (t) => {
    const p = phone(t, await image());
    await p.waitFor((e) => e.event === 'boot', 30000 * k);
    const lines = ['not json', '[1,2]', '[]', '"a string"', '42', 'null', '{"key":', '{"key":"hook","down":"yes"}', '{"dial":123}', '{}'];
    for (const l of lines) p.sendRaw(l);
    p.sendRaw(`{"key":"${'5'.repeat(100 * 1024)}"}`);
    p.sendRaw('['.repeat(100 * 1024));
    p.sendBytes(Buffer.from('{"key":"1"}\0junk\n\0\0\0\n{"cmd":"quit\0"}\n', 'latin1'));
    const malformed = Buffer.from([0xff, 0xfe, 0xed, 0xa0, 0x80, 0xc0, 0xaf, 0xf4, 0x90, 0x80, 0x80]); // not UTF-8 (a surrogate, overlong, > U+10FFFF)
    p.sendBytes(Buffer.concat([malformed, Buffer.from('\n')]));
    const garbage = randomBytes(20000).filter((b) => b !== 0x0a && b !== 0x0d);
    p.sendBytes(Buffer.concat([garbage, Buffer.from('\n')]));
    p.sendRaw('{"key":"4"}'); // a good line after all that
    await p.waitForScreen((l) => l[1] === '4', 20000 * k);
    const errors = p.events.filter((e) => e.event === 'error').map((e) => e as { where?: string; message?: string });
    t.true(errors.every((e) => e.where === 'control'), 'control errors only');
    t.false(p.events.some((e) => e.event === 'unparsable'), 'every stdout line is JSON');
    const messages = errors.map((e) => String(e.message));
    t.true(messages.filter((m) => m === 'expected a JSON object').length >= 5);
    t.true(messages.filter((m) => m === 'input line longer than 4096 characters').length >= 2);
    t.true(messages.includes('not JSON: {"key":"1"}\u0000junk'), 'a NUL ends nothing: the line is not JSON'); // as quip emulate says it
    t.true(messages.includes('not JSON: {"cmd":"quit\u0000"}'), 'not a quit');
    // Decoded as Node decodes stdin (WHATWG UTF-8): U+FFFD for each bad sequence, never a lone surrogate.
    t.true(messages.includes(`not JSON: ${new TextDecoder().decode(malformed)}`), 'malformed UTF-8 becomes U+FFFD as in quip emulate');
    t.true(messages.some((m) => /"down" must be true or false/.test(m)));
    t.false(p.events.some((e) => e.event === 'reboot'));
    await quitCleanly(t, p);
  });

  hostTest('stdin closing quits the phone with exit code 0', async (t) => {
    const p = phone(t, await image());
    await p.waitFor((e) => e.event === 'boot', 30000 * k);
    p.sendRaw('{"key":"5"}');
    await p.waitForScreen((l) => l[1] === '5', 10000 * k);
    p.endInput();
    t.is(await p.exited, 0);
    t.notRegex(p.stderr.join('\n'), SANITIZER);
  });

  hostTest('SIGTERM quits the phone cleanly with exit code 0', async (t) => {
    const p = phone(t, await image());
    await p.waitFor((e) => e.event === 'boot', 30000 * k);
    p.signal('SIGTERM');
    t.is(await p.exited, 0);
    t.notRegex(p.stderr.join('\n'), SANITIZER);
  });

  hostTest('garbage UDP datagrams on the SIP port: the phone keeps running and still answers', async (t) => {
    const p = phone(t, await image());
    const boot = await p.waitFor((e) => e.event === 'boot', 30000 * k);
    const port = boot.sip_port as number;
    const sock: Socket = createSocket('udp4');
    t.teardown(() => sock.close());
    const received: Buffer[] = [];
    let wake: () => void = () => {};
    sock.on('message', (m) => {
      received.push(m);
      wake();
    });
    await new Promise<void>((r) => sock.bind(0, '127.0.0.1', r));
    const me = sock.address().port;
    const send = (b: Uint8Array): Promise<void> => new Promise((r, j) => sock.send(b, port, '127.0.0.1', (e) => (e ? j(e) : r())));
    const via = `Via: SIP/2.0/UDP 127.0.0.1:${me};branch=z9hG4bK`;
    const datagrams: Buffer[] = [
      randomBytes(1),
      randomBytes(200),
      randomBytes(1400),
      Buffer.alloc(0),
      Buffer.from(`INVITE sip:alice@127.0.0.1 SIP/2.0\r\n${via}trunc\r\nCont`), // truncated SIP
      Buffer.from(`INVITE sip:alice@127.0.0.1 SIP/2.0\r\n${via}cl\r\nContent-Length: 5000\r\n\r\nv=0\r\n`), // body shorter than said
      Buffer.from(`SIP/2.0 200 OK\r\n${via}nomatch\r\nCSeq: 1 INVITE\r\n\r\n`), // a response to nothing
      Buffer.from('SIP/2.0 999999999999999999999 Huge\r\n\r\n'),
      Buffer.concat([Buffer.from('INVITE sip:a@b SIP/2.0\r\n'), Buffer.from(randomBytes(300).toString('latin1').replace(/\r|\n/g, 'x'), 'latin1'), Buffer.from('\r\n\r\n')]),
      randomBytes(60 * 1024), // a 60 KB datagram
      Buffer.from(`MESSAGE sip:alice@127.0.0.1 SIP/2.0\r\nX-Long: ${'a'.repeat(60 * 1024 - 100)}\r\n\r\n`),
      Buffer.from('\0'.repeat(5000)),
    ];
    for (const d of datagrams) await send(d);
    // A well-formed OPTIONS after the garbage: its answer shows the SIP stack read past it all.
    await send(Buffer.from(`OPTIONS sip:alice@127.0.0.1:${port} SIP/2.0\r\n${via}opt1\r\nFrom: <sip:test@127.0.0.1>;tag=1\r\nTo: <sip:alice@127.0.0.1>\r\nCall-ID: bad-input-options@127.0.0.1\r\nCSeq: 1 OPTIONS\r\nMax-Forwards: 70\r\nContent-Length: 0\r\n\r\n`));
    const deadline = Date.now() + 20000 * k;
    while (!received.some((m) => m.toString('latin1').includes('z9hG4bKopt1')) && Date.now() < deadline) {
      await new Promise<void>((r) => {
        const timer = setTimeout(r, 500);
        wake = () => {
          clearTimeout(timer);
          r();
        };
      });
    }
    const answer = received.find((m) => m.toString('latin1').includes('z9hG4bKopt1'));
    t.truthy(answer, `an answer to the OPTIONS; events: ${JSON.stringify(p.events.slice(-5))}`);
    t.regex(answer!.toString('latin1'), /^SIP\/2\.0 \d{3} /);
    p.send({ key: '7' });
    await p.waitForScreen((l) => l[1] === '7', 10000 * k);
    t.false(p.events.some((e) => e.event === 'reboot' || (e.event === 'error' && e.where === 'firmware')));
    await quitCleanly(t, p);
  });
}
