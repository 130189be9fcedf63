// The web UI's server side without a browser: static files, the WebSocket protocol (including
// hostile input), audio both ways, late joiners, and the SIP log fed by the network tap.
import test from 'ava';
import WebSocket from 'ws';
import type { RawData } from 'ws';
import { loadBoardConfig } from '../../hal/board-config.ts';
import type { Key } from '../../hal/contract.ts';
import { WebUi } from '../../hal/emulator/web/web-ui.ts';
import type { ServerMessage } from '../../hal/emulator/web/protocol.ts';
import { SipLog } from '../../hal/emulator/web/sip-log.ts';
import type { SipEntry } from '../../hal/emulator/web/protocol.ts';

interface Pressed {
  key: Key;
  down: boolean | undefined;
}

async function server(): Promise<{ ui: WebUi; url: string; pressed: Pressed[]; dialed: string[]; notes: string[] }> {
  const notes: string[] = [];
  const ui = new WebUi({ title: 'test', onNote: (m) => notes.push(m) });
  ui.addPhone(loadBoardConfig('desk6'), 'sip:alice@lab.example');
  ui.addPhone(loadBoardConfig('small2'), '');
  const pressed: Pressed[] = [];
  const dialed: string[] = [];
  ui.attach(0, { key: (key, down) => pressed.push({ key, down }), dial: (d) => dialed.push(d), reboot: () => {} });
  const url = await ui.listen('127.0.0.1', 0);
  return { ui, url, pressed, dialed, notes };
}

/** A client that queues every message, text parsed as JSON and binary as Buffers. */
class Client {
  readonly ws: WebSocket;
  readonly messages: Array<ServerMessage | Buffer> = [];
  private wake: (() => void) | null = null;

  constructor(url: string, headers: Record<string, string> = {}) {
    this.ws = new WebSocket(url.replace('http:', 'ws:') + 'ws', { headers });
    this.ws.on('message', (data: RawData, binary: boolean) => {
      this.messages.push(binary ? (data as Buffer) : (JSON.parse(data.toString()) as ServerMessage));
      this.wake?.();
    });
  }

  opened(): Promise<void> {
    return new Promise((resolve, reject) => {
      this.ws.once('open', () => resolve());
      this.ws.once('error', reject);
    });
  }

  async next<T>(match: (m: ServerMessage | Buffer) => T | undefined | false, timeoutMs = 10000): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      for (const m of this.messages) {
        const found = match(m);
        if (found !== undefined && found !== false) return found;
      }
      if (Date.now() > deadline) throw new Error(`timed out; got ${JSON.stringify(this.messages.slice(-5))}`);
      await new Promise<void>((r) => {
        const t = setTimeout(r, 100);
        this.wake = () => {
          clearTimeout(t);
          r();
        };
      });
    }
  }

  errors(): string[] {
    return this.messages.filter((m): m is Extract<ServerMessage, { type: 'error' }> => !Buffer.isBuffer(m) && m.type === 'error').map((m) => m.message);
  }
}

test('serves the page offline: html, bundled script, worklet and styles; nothing else', async (t) => {
  const { ui, url } = await server();
  try {
    const page = await fetch(url);
    t.is(page.status, 200);
    t.regex(page.headers.get('content-security-policy') ?? '', /default-src 'self'/);
    const html = await page.text();
    t.regex(html, /<script src="\/main.js">/);
    t.notRegex(html, /https?:\/\//, 'no CDN or other remote resource');
    const js = await (await fetch(url + 'main.js')).text();
    t.regex(js, /new WebSocket/, 'main.ts bundled by esbuild');
    t.notRegex(js, /^\s*import /m, 'one self-contained bundle');
    t.is((await fetch(url + 'style.css')).status, 200);
    t.is((await fetch(url + 'mic-worklet.js')).status, 200);
    t.is((await fetch(url + '../package.json')).status, 404);
    t.is((await fetch(url + 'main.ts')).status, 404);
    t.is((await fetch(url, { method: 'POST' })).status, 405);
  } finally {
    await ui.close();
  }
});

test('hello describes each phone from its board config; keys reach the phone', async (t) => {
  const { ui, url, pressed, dialed } = await server();
  const c = new Client(url);
  try {
    await c.opened();
    const hello = await c.next((m) => !Buffer.isBuffer(m) && m.type === 'hello' && m);
    t.is(hello.phones.length, 2);
    t.like(hello.phones[0], { index: 0, board: 'desk6', name: 'quip Desk 6', account: 'sip:alice@lab.example', display: { rows: 6, cols: 32, softkeys: 4 } });
    t.deepEqual(hello.phones[0]!.leds, ['message', 'line1', 'line2']);
    t.is(hello.phones[0]!.keymap.Enter, 'send');
    t.like(hello.phones[1], { board: 'small2', display: { rows: 2, cols: 16, softkeys: 0 } });
    c.ws.send(JSON.stringify({ phone: 0, key: '5', down: true }));
    c.ws.send(JSON.stringify({ phone: 0, key: '5', down: false }));
    c.ws.send(JSON.stringify({ phone: 0, key: 'send' }));
    c.ws.send(JSON.stringify({ phone: 0, dial: 'sip:bob@127.0.0.1' }));
    await waitUntil(() => dialed.length === 1);
    t.deepEqual(pressed, [{ key: '5', down: true }, { key: '5', down: false }, { key: 'send', down: undefined }]);
    t.deepEqual(dialed, ['sip:bob@127.0.0.1']);
  } finally {
    c.ws.close();
    await ui.close();
  }
});

test('hostile WebSocket input is answered with errors and changes nothing', async (t) => {
  const { ui, url, pressed, notes } = await server();
  const c = new Client(url);
  try {
    await c.opened();
    const bad = [
      'not json', '[1,2]', 'null', '"text"', JSON.stringify({ key: '5' }), JSON.stringify({ phone: 7, key: '5' }),
      JSON.stringify({ phone: -1, key: '5' }), JSON.stringify({ phone: '0', key: '5' }), JSON.stringify({ phone: 0.5, key: '5' }),
      JSON.stringify({ phone: 0, key: 'nope' }), JSON.stringify({ phone: 0, key: '5', down: 'yes' }),
      JSON.stringify({ phone: 0, cmd: 'quit' }), JSON.stringify({ phone: 0, cmd: 'format' }), JSON.stringify({ phone: 0, mic: 'on' }),
      JSON.stringify({ phone: 0, dial: '' }), JSON.stringify({ phone: 0, __proto__: { key: '5' } }), JSON.stringify({ phone: 1, key: '5' }),
      JSON.stringify({ phone: 1, key: 'soft1' }), JSON.stringify({ phone: 0 }),
    ];
    for (const b of bad) c.ws.send(b);
    c.ws.send(Buffer.from([200, 0, 0]), { binary: true });
    c.ws.send(Buffer.alloc(0), { binary: true });
    await waitUntil(() => c.errors().length >= bad.length + 2);
    const errors = c.errors();
    t.true(errors.some((m) => /not JSON/.test(m)));
    t.true(errors.some((m) => /expected a JSON object/.test(m)));
    t.true(errors.some((m) => /no phone/.test(m)));
    t.true(errors.some((m) => /unknown key/.test(m)));
    t.true(errors.some((m) => /cannot quit/.test(m)));
    t.true(errors.some((m) => /not running/.test(m)), 'phone 2 has no target attached');
    t.true(errors.some((m) => /audio for no phone/.test(m)));
    t.deepEqual(pressed, [], 'no key reached the phone');
    t.true(notes.length >= bad.length, 'each problem is noted on the host side too');
    // A message far over the limit closes that connection only; the server carries on.
    const closed = new Promise<number>((r) => c.ws.once('close', (code) => r(code)));
    c.ws.send('x'.repeat(100_000));
    t.is(await closed, 1009);
    const d = new Client(url);
    await d.opened();
    d.ws.send(JSON.stringify({ phone: 0, key: '7' }));
    await waitUntil(() => pressed.length === 1);
    t.deepEqual(pressed, [{ key: '7', down: undefined }]);
    d.ws.close();
  } finally {
    await ui.close();
  }
});

test('a WebSocket from another origin is refused; the same origin is welcome', async (t) => {
  const { ui, url } = await server();
  try {
    const evil = new WebSocket(url.replace('http:', 'ws:') + 'ws', { headers: { origin: 'http://evil.example' } });
    const status = await new Promise<number>((resolve) => {
      evil.once('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
      evil.once('error', () => resolve(-1));
      evil.once('open', () => resolve(101));
    });
    t.not(status, 101);
    const same = new Client(url, { origin: url.replace(/\/$/, '') });
    await same.opened();
    same.ws.close();
    t.pass();
  } finally {
    await ui.close();
  }
});

test('audio: the page microphone feeds the phone while it streams; the speaker goes to the page', async (t) => {
  const { ui, url } = await server();
  const hooks = ui.hooks(0);
  const c = new Client(url);
  try {
    await c.opened();
    t.is(hooks.microphone!(160, 8000), null, 'no page streaming: the WAV file (or silence) is heard');
    c.ws.send(JSON.stringify({ phone: 0, mic: true }));
    const frame = Buffer.alloc(1 + 320);
    frame[0] = 0;
    for (let i = 0; i < 160; i++) frame.writeInt16LE(i * 100 - 8000, 1 + i * 2);
    c.ws.send(frame, { binary: true });
    let heard: Int16Array | null = null;
    await waitUntil(() => {
      const f = hooks.microphone!(160, 8000);
      if (f !== null && f[1] !== 0) heard = f;
      return heard !== null;
    });
    t.is(heard![0], -8000);
    t.is(heard![159], 159 * 100 - 8000);
    t.deepEqual([...hooks.microphone!(160, 8000)!].slice(0, 3), [0, 0, 0], 'an underrun is silence, not the file');
    t.is(hooks.microphone!(320, 16000), null, 'only 8 kHz is bridged');
    const pcm = Buffer.alloc(320, 0x11).toString('latin1');
    hooks.speaker!.write(pcm);
    const out = await c.next((m) => Buffer.isBuffer(m) && m);
    t.is(out[0], 0);
    t.is(out.length, 321);
    t.is(out[1], 0x11);
    c.ws.close();
    await waitUntil(() => hooks.microphone!(160, 8000) === null);
    t.pass('the microphone is released when its page goes away');
  } finally {
    await ui.close();
  }
});

test('a page that connects late gets the screen, recent events and SIP messages first', async (t) => {
  const { ui, url } = await server();
  const hooks = ui.hooks(0);
  ui.event(0, { event: 'registered', aor: 'sip:alice@lab.example', expires: 3600 });
  ui.event(0, { event: 'display', lines: ['hello'], inverse: [], icons: [], leds: {}, ringing: false });
  hooks.netTap!({ direction: 'out', transport: 'udp', data: 'REGISTER sip:lab.example SIP/2.0\r\nCall-ID: r1\r\nCSeq: 1 REGISTER\r\n\r\n', address: '127.0.0.1', port: 5060, conn: 0 });
  const c = new Client(url);
  try {
    await c.opened();
    await c.next((m) => !Buffer.isBuffer(m) && m.type === 'sip' && m);
    const kinds = c.messages.map((m) => (Buffer.isBuffer(m) ? 'bin' : m.type === 'event' ? m.event.event : m.type));
    t.deepEqual(kinds, ['hello', 'registered', 'display', 'sip']);
  } finally {
    c.ws.close();
    await ui.close();
  }
});

test('the SIP log keeps SIP from datagrams and TCP streams, and nothing else', (t) => {
  const seen: SipEntry[] = [];
  const log = new SipLog((e) => seen.push(e));
  const invite = 'INVITE sip:bob@lab.example SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:5062;branch=z9hG4bK1\r\nCall-ID: abc@host\r\nCSeq: 1 INVITE\r\nContent-Length: 4\r\n\r\nv=0\n';
  const ok = 'SIP/2.0 200 OK\r\ni: abc@host\r\nCSeq: 1 INVITE\r\nl: 0\r\n\r\n';
  const base = { address: '127.0.0.1', port: 5060, conn: 0 };
  log.packet({ ...base, direction: 'out', transport: 'udp', data: invite });
  log.packet({ ...base, direction: 'in', transport: 'udp', data: '\x80\x00\x00\x01rtp payload' });
  log.packet({ ...base, direction: 'in', transport: 'udp', data: '\r\n\r\n' });
  // TCP: one message cut in three chunks, then two messages in one chunk.
  const tcp = { ...base, transport: 'tcp' as const, direction: 'in' as const, conn: 9 };
  log.packet({ ...tcp, data: ok.slice(0, 10) });
  log.packet({ ...tcp, data: ok.slice(10, 30) });
  log.packet({ ...tcp, data: ok.slice(30) + ok + ok.slice(0, 5) });
  log.packet({ ...tcp, data: '', closed: true });
  log.packet({ ...tcp, data: ok.slice(5) }); // the rest of a closed stream is garbage now
  t.deepEqual(seen.map((e) => [e.direction, e.transport, e.firstLine, e.callId, e.cseq]), [
    ['out', 'udp', 'INVITE sip:bob@lab.example SIP/2.0', 'abc@host', '1 INVITE'],
    ['in', 'tcp', 'SIP/2.0 200 OK', 'abc@host', '1 INVITE'],
    ['in', 'tcp', 'SIP/2.0 200 OK', 'abc@host', '1 INVITE'],
  ]);
  t.is(seen[0]!.text, invite);
  t.is(seen[0]!.peer, '127.0.0.1:5060');
  t.is(log.all.length, 3);
});

async function waitUntil(cond: () => boolean, timeoutMs = 10000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 20));
  }
}
