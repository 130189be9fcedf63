// `quip start` (what `npm start` runs): the newcomer's demo — the lab server, an echo test
// line that answers by itself, and your phone in the terminal, registered and ready to dial.

import { mkdtempSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import type { Command } from './command.ts';
import { usageError } from './command.ts';
import { sourceCode } from './emulate.ts';
import { FIRMWARE_GLOBAL } from '../build/build-firmware.ts';
import { loadBoardConfig, parseAccountUri, toBoardInfo } from '../hal/board-config.ts';
import type { BoardConfig } from '../hal/board-config.ts';
import { Emulator } from '../hal/emulator/emulator.ts';
import type { ControlEvent } from '../hal/emulator/emulator.ts';
import { Tui } from '../hal/emulator/tui.ts';
import { openSoundDevice } from '../hal/emulator/sound-device.ts';
import type { EmulatorOptions } from '../hal/emulator/emulator.ts';
import { WebUi } from '../hal/emulator/web/web-ui.ts';
import { DEFAULT_HTTP_PORT } from '../hal/emulator/web/web-session.ts';
import { startLabServer } from '../server/lab-server.ts';
import { defaultUsers } from '../server/users.ts';

const help = `Usage: quip start [--board desk6] [--port 5060] [--ui tui|web] [--http-port ${DEFAULT_HTTP_PORT}]

Starts everything a newcomer needs on one machine:
  - the lab SIP server (registrar + proxy) on 127.0.0.1 (--port, default 5060, or any free
    port when that one is taken), with the demo users alice/2001, bob/2002, carol/2003,
    dave/2004 (redirects) and echo/2000 — every password is "secret";
  - the echo test line (user echo, number 2000): an emulated phone that answers by itself;
  - your phone (user alice, number 2001) in this terminal, registered on boot.

Dial 2000 and press Enter to call the echo line; Escape hangs up. Ctrl-C quits.

Both phones are also on a web page at http://127.0.0.1:${DEFAULT_HTTP_PORT}/ (or the port printed),
with keys, LCD, browser audio and a developer panel (SIP ladder, RTP chart, event log).
--ui web runs without the terminal phone and only prints the page's address.
`;

export const startCommand: Command = {
  name: 'start',
  summary: 'the demo: lab server + echo line + your phone in the terminal (npm start)',
  help,
  async run(args) {
    let values;
    try {
      ({ values } = parseArgs({ args, options: {
        board: { type: 'string', default: 'desk6' }, port: { type: 'string', default: '5060' },
        ui: { type: 'string', default: 'tui' }, 'http-port': { type: 'string' },
      }, strict: true }));
    } catch (e) {
      return usageError('start', (e as Error).message);
    }
    const wanted = Number(values.port);
    if (!Number.isInteger(wanted) || wanted < 0 || wanted > 65535) return usageError('start', '--port must be 0..65535');
    if (values.ui !== 'tui' && values.ui !== 'web') return usageError('start', '--ui must be tui or web');
    const httpPort = values['http-port'] === undefined ? undefined : Number(values['http-port']);
    if (httpPort !== undefined && !(Number.isInteger(httpPort) && httpPort >= 0 && httpPort <= 65535)) return usageError('start', '--http-port must be 0..65535');
    const config = loadBoardConfig(values.board);
    const echoConfig = loadBoardConfig('small2');
    const lines: string[] = [];
    const lab = await startLabServer({ port: wanted, users: defaultUsers(), log: (l) => lines.push(l) })
      .catch(() => startLabServer({ port: 0, users: defaultUsers(), log: (l) => lines.push(l) }));
    const registrar = `127.0.0.1:${lab.port}`;
    // The same two phones on a web page: yours first, then the echo line.
    const web = new WebUi({ title: `quip — you are alice (2001); dial 2000 for the echo line` });
    web.addPhone(config, `sip:alice@${registrar}`);
    web.addPhone(echoConfig, `sip:echo@${registrar}`);

    const echo = await phone(echoConfig, `sip:echo:secret@${registrar}`, join(mkdtempSync(join(tmpdir(), 'quip-echo-')), 'data'), (e) => {
      web.event(1, e);
      if (e.event === 'incoming') setTimeout(() => echo.key('send'), 1000); // the test line answers by itself
    }, false, true, (speaker) => web.hooks(1, speaker));
    let tui: Tui | null = null;
    const mine = await phone(config, `sip:alice:secret@${registrar}`, join(homedir(), '.quip', `${config.id}-demo`), (e) => {
      web.event(0, e);
      if (tui === null) return;
      if (e.event === 'display') tui.show(e as never);
      else if (e.event === 'registered') tui.note(`Registered as 2001 at ${registrar}. Dial 2000 + Enter for the echo line.`);
      else if (e.event === 'call_state') tui.note(`call ${String(e.state)}${e.reason ? ': ' + String(e.reason) : ''}`);
    }, values.ui === 'tui', false, (speaker) => web.hooks(0, speaker));
    for (const [i, p] of [mine, echo].entries()) {
      web.attach(i, { key: (k, down) => p.key(k, down), dial: (d) => p.command({ dial: d }), reboot: () => p.reboot('web page') });
    }
    const url = await (httpPort !== undefined ? web.listen('127.0.0.1', httpPort) : web.listen('127.0.0.1', DEFAULT_HTTP_PORT).catch(() => web.listen('127.0.0.1', 0)));
    return new Promise<number>((resolve) => {
      let quitting = false;
      const quit = (): void => {
        if (quitting) return;
        quitting = true;
        tui?.stop();
        void Promise.all([mine.shutdown(), echo.shutdown(), web.close()]).then(() => {
          lab.close();
          resolve(0);
        });
      };
      process.once('SIGINT', quit);
      process.once('SIGTERM', quit);
      if (values.ui === 'web') {
        process.stdout.write(`Lab server on ${registrar}; alice (2001) and the echo line (2000) are on the web page:\n  ${url}\nCtrl-C quits.\n`);
        return;
      }
      if (!process.stdout.isTTY || !process.stdin.isTTY) {
        process.stdout.write(`quip start needs a terminal. Lab server on ${registrar}; phones registered as 2001 and 2000.\nWeb page: ${url}\n`);
        process.stdin.on('end', quit);
        return;
      }
      tui = new Tui(process.stdin, process.stdout, {
        title: `quip — ${config.name} — you are alice (2001); dial 2000 for the echo line\r\n also in a web page: ${url}`,
        cols: config.display.cols,
        keymap: config.keymap,
        onKey: (key, down) => mine.key(key, down),
        onQuit: quit,
      });
      tui.start();
      tui.show(mine.lcd.state());
    });
  },
};

type Hooks = (speaker: { write(pcm: string): void } | null) => Partial<EmulatorOptions>;

async function phone(config: BoardConfig, account: string, dataDir: string, onEvent: (e: ControlEvent) => void, sound = false, echo = false, hooks?: Hooks): Promise<Emulator> {
  const speaker = sound ? openSoundDevice(() => {}) : null;
  const code = await sourceCode(config);
  const board = { ...toBoardInfo(config), accounts: [parseAccountUri(account)], sip: { port: 0, transport: 'udp' as const } };
  const emulator = new Emulator({
    board,
    stackLimitBytes: config.memory.stackKB * 1024,
    watchdogMs: config.watchdogMs,
    firmware: { code, globalName: FIRMWARE_GLOBAL },
    dataDir,
    net: { bindAddress: '127.0.0.1', advertisedAddress: '127.0.0.1' },
    onEvent,
    // Your phone's speaker is this computer's, when it has a sound player (aplay, paplay, pw-play).
    speaker,
    ...hooks?.(speaker), // the web page: its SIP ladder, microphone and speaker
    echo, // the echo line sends back what it hears
  });
  await emulator.start();
  return emulator;
}
