// The emulator's web page in a real browser: Debian's chromium, driven by playwright-core,
// against `quip emulate --ui web --phones 2` (alice and bob) registered on a lab server.
// Screenshots of the idle, ringing and in-call screens go to test-artifacts/web/ on every run,
// and to docs/screenshots/ (embedded in the README) when missing or QUIP_SCREENSHOTS=update.
import type { ExecutionContext } from 'ava';
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { chromium } from 'playwright-core';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { startLabServer } from '../../server/lab-server.ts';
import type { LabServer } from '../../server/lab-server.ts';
import { defaultUsers } from '../../server/users.ts';
import { ROOT } from '../helpers/corpus.ts';
import { withPeer } from '../helpers/interop.ts';

const { test, path: chromiumPath } = withPeer('chromium', 'chromium', ['--version']);

const ARGS = [
  '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
  '--disable-component-update', '--disable-sync',
  // A fake microphone (a beep) that answers getUserMedia once the page has the permission.
  '--use-fake-device-for-media-stream', '--autoplay-policy=no-user-gesture-required',
];
const ARTIFACTS = join(ROOT, 'test-artifacts', 'web');
const DOCS = join(ROOT, 'docs', 'screenshots');
const LONG = 120_000;

let lab: LabServer;
let emulator: ChildProcess;
let browser: Browser;
let context: BrowserContext;
let page: Page;
let url = '';
const output: string[] = [];
const work = mkdtempSync(join(tmpdir(), 'quip-web-'));

test.before(async () => {
  mkdirSync(ARTIFACTS, { recursive: true });
  lab = await startLabServer({ port: 0, users: defaultUsers() });
  const registrar = `127.0.0.1:${lab.port}`;
  emulator = spawn(process.execPath, [
    join(ROOT, 'scripts', 'quip.mjs'), 'emulate', '--ui', 'web', '--phones', '2', '--http-port', '0',
    '--account', `sip:alice:secret@${registrar}`, '--account', `sip:bob:secret@${registrar}`,
    '--bind', '127.0.0.1', '--sip-port', '0', '--data-dir', join(work, 'phone'), '--sound', 'off',
  ], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no URL printed: ${output.join(' | ')}`)), 60_000);
    const onLine = (line: string): void => {
      output.push(line);
      const m = /quip web UI: (http:\/\/\S+)/.exec(line);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]!);
      }
    };
    createInterface({ input: emulator.stdout! }).on('line', onLine);
    createInterface({ input: emulator.stderr! }).on('line', onLine);
    emulator.once('exit', (code) => reject(new Error(`emulator exited (${code}): ${output.join(' | ')}`)));
  });
  // launch() gives the browser a fresh, temporary profile of its own (a fresh --user-data-dir).
  browser = await chromium.launch({ executablePath: chromiumPath, headless: true, args: ARGS });
  context = await browser.newContext({ viewport: { width: 1280, height: 1000 }, permissions: ['microphone'] });
  page = await context.newPage();
  page.on('pageerror', (e) => output.push(`page error: ${e.message}`));
});

test.after.always(async () => {
  await browser?.close();
  if (emulator !== undefined && emulator.exitCode === null) {
    const exited = new Promise((r) => emulator.once('exit', r));
    emulator.kill('SIGTERM');
    await exited;
  }
  lab?.close();
  rmSync(work, { recursive: true, force: true });
});

const screen = (phone: number): ReturnType<Page['locator']> => page.locator(`#phone-${phone} .screen`);
const key = (phone: number, name: string): ReturnType<Page['locator']> =>
  page.locator(`#phone-${phone}`).getByRole('button', { name, exact: true });

async function shoot(t: ExecutionContext, name: string, phone: number): Promise<void> {
  const shot = await page.locator(`#phone-${phone}`).screenshot();
  const { writeFileSync } = await import('node:fs');
  writeFileSync(join(ARTIFACTS, `${name}.png`), shot);
  if (process.env.QUIP_SCREENSHOTS === 'update' || !existsSync(join(DOCS, `${name}.png`))) {
    mkdirSync(DOCS, { recursive: true });
    writeFileSync(join(DOCS, `${name}.png`), shot);
  }
  t.log(`screenshot ${name}.png`);
}

test.serial('the page draws both phones from the board config; the LCD shows the registered account as text', async (t) => {
  t.timeout(LONG);
  await page.goto(url);
  await page.locator('#phone-0 .registration[data-state="registered"]').waitFor({ timeout: 60_000 });
  await page.locator('#phone-1 .registration[data-state="registered"]').waitFor({ timeout: 60_000 });
  await screen(0).filter({ hasText: /Registered/ }).waitFor({ timeout: 30_000 });
  const rows = await screen(0).locator('.row').allTextContents();
  t.is(rows.length, 6, 'desk6: six rows');
  t.true(rows.every((r) => r.length === 32), 'of 32 characters');
  t.regex(rows[0]!, /^alice@127\.0\.0\.1 +\d\d:\d\d$/);
  t.is(rows[1]!.trim(), 'Registered');
  t.regex(await screen(1).innerText(), /bob@127\.0\.0\.1/);
  t.is(await page.locator('#phone-0 .icon[data-icon="registered"]').getAttribute('data-on'), 'true');
  // Every key a button with a name; the board's keys all drawn.
  const buttons = page.locator('#phone-0 .device button');
  const names = await buttons.evaluateAll((bs) => bs.map((b) => b.getAttribute('aria-label') ?? ''));
  t.is(names.length, 33, 'desk6 has 33 keys');
  t.true(names.every((n) => n.length > 0));
  for (const name of ['1', '0', '*', '#', 'Send', 'End', 'Handset', 'Softkey 1', 'Up', 'OK', 'Hold', 'Mute', 'Transfer', 'Redial', 'Volume up', 'Volume down']) {
    await key(0, name).waitFor();
  }
  t.is(await page.locator('#phone-0 .led').count(), 3, 'message, line1, line2 LEDs');
  await shoot(t, 'idle', 0);
});

test.serial('mouse clicks and the computer keyboard press keys; a held key looks pressed', async (t) => {
  t.timeout(LONG);
  for (const d of ['2', '0', '0']) await key(0, d).click();
  await page.keyboard.press('2'); // phone 1 has the keyboard (it is the active phone)
  await screen(0).filter({ hasText: /2002/ }).waitFor({ timeout: 30_000 });
  const rows = await screen(0).locator('.row').allTextContents();
  t.is(rows[0]!.trim(), 'Dial:');
  t.is(rows[1]!.trim(), '2002');
  // Held with the mouse: pressed until released (on a key that does nothing here).
  const hold = key(0, 'Volume up');
  const box = (await hold.boundingBox())!;
  await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
  await page.mouse.down();
  t.true(await hold.evaluate((b) => b.classList.contains('pressed')));
  await page.mouse.up();
  t.false(await hold.evaluate((b) => b.classList.contains('pressed')));
});

test.serial('Send calls bob, whose phone rings and answers; the ladder shows INVITE/180/200/ACK', async (t) => {
  t.timeout(LONG);
  await key(0, 'Send').click();
  await page.locator('#phone-1 .lcd.ringing').waitFor({ timeout: 30_000 });
  t.regex(await screen(1).innerText(), /Incoming call/);
  await shoot(t, 'ringing', 1);
  // Audio on: the fake microphone streams to alice's phone, her speaker plays in the page.
  await page.getByRole('button', { name: 'Turn on audio' }).click();
  await page.locator('#audio-state').filter({ hasText: 'audio on' }).waitFor({ timeout: 30_000 });
  await key(1, 'Send').click();
  await screen(0).filter({ hasText: /Connected/ }).waitFor({ timeout: 30_000 });
  await screen(1).filter({ hasText: /Connected/ }).waitFor({ timeout: 30_000 });
  t.not(await page.locator('#phone-0 .led[data-led="line1"]').getAttribute('data-state'), 'off', 'the line LED is lit in a call');

  const ladder = page.locator('#phone-0 .ladder li.sip');
  await page.locator('#phone-0 .ladder li.sip.out[data-first-line^="ACK "]').last().waitFor({ timeout: 30_000 });
  const lines = await ladder.evaluateAll((lis) => lis.map((li) => `${li.classList.contains('out') ? '>' : '<'} ${li.getAttribute('data-first-line')}`));
  const at = (re: RegExp): number => lines.findIndex((l) => re.test(l));
  const invite = at(/^> INVITE sip:2002@/);
  const ringing = at(/^< SIP\/2\.0 180 /);
  const ok = at(/^< SIP\/2\.0 200 /);
  const ack = lines.findIndex((l, i) => i > ok && /^> ACK /.test(l));
  t.true(invite >= 0 && ringing > invite && ok > ringing && ack > ok, lines.join('\n'));
  // Each message opens to its full text.
  const first = ladder.nth(invite);
  await first.locator('summary').click();
  const text = await first.locator('pre').innerText();
  t.regex(text, /^INVITE sip:2002@/);
  t.regex(text, /Call-ID: /i);
  t.regex(text, /m=audio \d+ RTP\/AVP/, 'with its SDP body');
  await first.locator('summary').click(); // closed again, for the screenshot
  // Bob's phone saw the same call from the other side.
  await page.locator('#phone-1 .ladder li.sip.in[data-first-line^="INVITE "]').first().waitFor({ timeout: 30_000 });

  // RTP statistics arrive (the phone reports every 5 s) and feed the chart.
  await page.locator('#phone-0 .stats').filter({ hasText: /received [1-9]/ }).waitFor({ timeout: 45_000 });
  // Audio both ways through the browser: microphone frames sent, the phone's speaker played.
  const counters = page.locator('#audio-counters');
  await until(async () => Number(await counters.getAttribute('data-sent')) > 10 && Number(await counters.getAttribute('data-played')) > 10, 30_000);
  // A second report, so the chart draws lines rather than single dots.
  await until(async () => (await page.locator('#phone-0 .log li[data-event="media_stats"]').count()) >= 2, 30_000);
  await shoot(t, 'in-call', 0);
});

test.serial('End hangs up and both phones return to idle', async (t) => {
  t.timeout(LONG);
  await key(0, 'End').click();
  for (const phone of [0, 1]) {
    await until(async () => (await screen(phone).locator('.row').nth(1).textContent())?.trim() === 'Registered', 45_000);
  }
  const log = await page.locator('#phone-1 .log li[data-event="call_state"]').allTextContents();
  t.true(log.some((l) => /"state":"ended"/.test(l)), log.join('\n'));
});

test.serial("two people on two browsers talk through the two phones: each page plays the other page's microphone", async (t) => {
  t.timeout(LONG);
  // Two more browser profiles, one per person, each with its own fake microphone (a beep).
  // The phones' own --audio-in is silence, so sound at one page's speaker can only have come
  // from the other page's microphone, through both phones and RTP between them.
  const people = await Promise.all([0, 1].map(() => browser.newContext({ permissions: ['microphone'] })));
  try {
    const pages = await Promise.all(people.map(async (c, i) => {
      const p = await c.newPage();
      p.on('pageerror', (e) => output.push(`page ${i} error: ${e.message}`));
      await p.goto(`${url}?phone=${i}`);
      await p.locator(`#phone-${i}`).waitFor();
      await p.getByRole('button', { name: 'Turn on audio' }).click();
      await p.locator('#audio-state').filter({ hasText: 'audio on' }).waitFor({ timeout: 30_000 });
      return p;
    }));
    // NaN until the page has reported, so no comparison passes by accident.
    const level = async (p: Page, what: 'mic' | 'speaker'): Promise<number> =>
      Number(await p.locator('#audio-counters').getAttribute(`data-${what}-dbfs`) ?? NaN);
    // Idle: the microphones pick up the beep, but no speaker plays anything louder than silence.
    await until(async () => (await level(pages[0]!, 'mic')) > -40 && (await level(pages[1]!, 'mic')) > -40, 30_000);
    // Peaks cover the page's last 500 ms report: take the loudest of three reports.
    let idle = -Infinity;
    for (let k = 0; k < 3; k++) {
      if (k > 0) await new Promise((r) => setTimeout(r, 500));
      idle = Math.max(idle, await level(pages[0]!, 'speaker'), await level(pages[1]!, 'speaker'));
    }
    t.true(idle < -60, `no sound at either speaker before the call (peak ${idle} dBFS)`);

    // Alice dials bob's number on her page; bob answers on his.
    for (const digit of '2002') await pages[0]!.locator('#phone-0').getByRole('button', { name: digit, exact: true }).click();
    await pages[0]!.locator('#phone-0').getByRole('button', { name: 'Send', exact: true }).click();
    await pages[1]!.locator('#phone-1 .lcd.ringing').waitFor({ timeout: 30_000 });
    await pages[1]!.locator('#phone-1').getByRole('button', { name: 'Send', exact: true }).click();
    for (const [i, p] of pages.entries()) await p.locator(`#phone-${i} .screen`).filter({ hasText: /Connected/ }).waitFor({ timeout: 30_000 });
    let peaks = [-99, -99];
    await until(async () => {
      const now = [await level(pages[0]!, 'speaker'), await level(pages[1]!, 'speaker')];
      peaks = peaks.map((was, i) => Math.max(was, now[i]!));
      return peaks.every((p) => p > -40);
    }, 30_000);
    t.log(`speaker peaks in the call: alice's page ${peaks[0]} dBFS (bob's microphone), bob's page ${peaks[1]} dBFS (alice's microphone)`);

    await pages[1]!.locator('#phone-1').getByRole('button', { name: 'End', exact: true }).click();
    for (const [i, p] of pages.entries()) {
      await until(async () => (await p.locator(`#phone-${i} .screen .row`).nth(1).textContent())?.trim() === 'Registered', 45_000);
    }
  } finally {
    await Promise.all(people.map((c) => c.close()));
  }
});

test.serial('without microphone permission the page falls back to speaker only (the phone hears its --audio-in)', async (t) => {
  t.timeout(LONG);
  const denied = await browser.newContext({ permissions: [] });
  try {
    const other = await denied.newPage();
    await other.goto(url + '?phone=1');
    await other.locator('#phone-1').waitFor();
    t.is(await other.locator('#phone-0').count(), 0, '?phone=1 shows only that phone');
    await other.getByRole('button', { name: 'Turn on audio' }).click();
    await other.locator('#audio-state').filter({ hasText: 'no microphone permission' }).waitFor({ timeout: 30_000 });
    t.pass();
  } finally {
    await denied.close();
  }
});

async function until(cond: () => Promise<boolean>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await cond())) {
    if (Date.now() > deadline) throw new Error(`timed out; emulator said: ${output.slice(-5).join(' | ')}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}
