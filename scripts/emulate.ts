// `quip emulate`: runs an emulated phone — the firmware in QuickJS on a Node HAL — with a
// terminal UI and/or the JSON-lines control channel.

import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import type { Command } from './command.ts';
import { usageError } from './command.ts';
import { BoardConfigError, loadBoardConfig, parseAccountUri, toBoardInfo } from '../hal/board-config.ts';
import type { BoardConfig } from '../hal/board-config.ts';
import type { BoardInfo, LogLevel } from '../hal/contract.ts';
import { ImageError, javascriptPayload, readImage } from '../image/image.ts';
import { FIRMWARE_GLOBAL, buildFirmware } from '../build/build-firmware.ts';
import { Emulator } from '../hal/emulator/emulator.ts';
import { FlashBoard } from '../hal/emulator/flash-board.ts';
import { boardPublicKey } from '../image/update-check.ts';
import { flashLayout } from '../hal/flash/layout.ts';
import { startFlashUpdates } from '../hal/emulator/flash-update.ts';
import type { UpdateServer } from '../hal/emulator/update-server.ts';
import type { ControlEvent } from '../hal/emulator/emulator.ts';
import { eventWriter, readControl } from '../hal/emulator/control-stdio.ts';
import { Tui } from '../hal/emulator/tui.ts';
import { ImpairmentError, formatImpairment, parseImpairment } from '../hal/node/impairment.ts';
import type { ImpairmentSpec } from '../hal/node/impairment.ts';
import { openSoundDevice } from '../hal/emulator/sound-device.ts';
import { readWav } from '../hal/emulator/wav.ts';
import { DEFAULT_HTTP_PORT, WebSession } from '../hal/emulator/web/web-session.ts';

const help = `Usage: quip emulate [options]

Runs an emulated quip phone: the firmware bundle inside QuickJS with the board's memory
limit and watchdog, on a HAL made of real UDP/TCP sockets, DNS, timers, WAV audio and a
storage directory.

Options:
  --board <name|file>     board config from board-configs/ (default desk6)
  --image <file>          boot this firmware image (quip build); default: build from source
  --flash <file>          boot from an emulated flash (quip flash writes one): the boot loader
                          picks slot A or B (verified: SHA-256, and the signature when the
                          board has update.publicKey), counts boots of a newly flashed slot
                          until the firmware confirms it, and rolls back after the board's
                          flash.maxTrialBoots; settings live in the flash's storage partition
                          (not --data-dir). Not with --image.
  --update-port <n>       with --flash: the update endpoint, POST /firmware over HTTP on
                          127.0.0.1:<n> (0 = any; default the board's update.httpPort, else off)
  --tftp-port <n>         with --flash: the same over TFTP (write request, octet mode)
                          (default the board's update.tftpPort, else off). An uploaded image
                          is checked (layout, board, SHA-256, and the signature when the board
                          has update.publicKey), written to the inactive slot as trial, and the
                          phone reboots into it; a refused one leaves the running firmware.
  --account <uri>         sip:user:password@host[:port] — replaces the board's accounts
                          (with --phones N: once per phone, in order)
  --provisioning-url <u>  fetch accounts/codecs/dial plan from this http URL on boot
                          (replaces the board's provisioningUrl; {board} = board id)
  --sip-port <n>          local SIP port (0 = any free port; default from the board)
  --sip-transport <t>     udp or tcp toward the registrar/proxy (default from the board)
  --accept-direct-calls   ring for calls that do not come through the registrar/proxy
                          (behind a redirect server, or IP direct dial with an account); off by
                          default for a phone with an account; a phone with no account always
                          rings for direct calls
  --audio-in <wav>        what the microphone hears (looped; --audio-once plays it once)
  --audio-out <wav>       records everything the speaker plays
  --audio-once            play --audio-in once, then silence
  --sound auto|on|off     play the speaker through this computer (aplay/paplay/pw-play);
                          auto = with the terminal UI when --audio-out is not given
  --echo                  an echo test line: the microphone hears what the speaker played
  --net-impair <spec>     test impairment of the phone's network interface, like tc netem, on
                          every UDP datagram it sends and receives (SIP, RTP, RTCP), e.g.
                          loss=0.2,dup=0.05,reorder=0.1,jitter=200[,delay=ms][,hold=ms][,seed=N]
                            loss     share dropped (0..1)      dup   share sent twice (0..1)
                            reorder  share held back hold ms (default 100) so later ones overtake
                            jitter   each copy delayed a random 0..jitter ms (this reorders too)
                            delay    fixed extra delay in ms   seed  PRNG seed (default 1)
                          Each direction is impaired on its own, so a phone-to-phone path through
                          one impaired phone sees the figures once, through two about twice.
                          TCP (--sip-transport tcp) is reliable by nature and not impaired,
                          nor is DNS. On quit a "net-impair:" line on stderr counts what was
                          dropped, duplicated and retransmitted.
  --rtp-loss <fraction>   narrower impairment: drop that share of incoming RTP only (0..0.5);
                          not together with --net-impair
  --ui tui|web|none       terminal UI (default: tui on a terminal without --control stdio),
                          or a web page that draws the phone (prints its URL): keys, LCD,
                          LEDs, browser microphone and speaker, SIP ladder, RTP chart, log
  --http-port <n>         the web page's port (default ${DEFAULT_HTTP_PORT}, or any free one if taken)
  --http-bind <address>   the web page's address (default 127.0.0.1: this computer only)
  --phones <n>            with --ui web: n phones on the page (default 1), each with its own
                          --account, any free SIP port and data directory <data-dir>-<i>
  --control stdio|none    JSON lines: commands on stdin, events on stdout (default none)
  --data-dir <dir>        storage directory (default ~/.quip/<board>; unused with --flash)
  --bind <address>        local address for sockets (default 0.0.0.0)
  --advertise <address>   address to tell peers (default: the first non-loopback IPv4)
  --log-level <level>     debug|info|warn|error|none, to stderr (default warn)
  -h, --help              show this help

Control channel input, one JSON object per line:
  {"key":"5"}  {"key":"send"}  {"key":"hook","down":true}  {"dial":"sip:bob@127.0.0.1:5070"}
  {"cmd":"reboot"}  {"cmd":"quit"}  {"cmd":"history"}
"dial" (or digits + send on the keypad) takes a number (sent to the account's domain), user@host,
a SIP URI, or an IP address: 192.168.1.20[:port], or on the keypad with * for dots and a fifth
group for the port, 192*168*1*20 or 127*0*0*1*5070. With no account (IP direct dial) the INVITE
goes straight to the URI's host; a number then cannot be called.
Output events, one per line, each with an "event" field: boot, display, registered,
registration_failed, registrar_lost, incoming, call_state, call_failed, transfer, dtmf,
media_stats, watchdog, reboot, error, provisioned, provisioning_failed, history.
call_failed (target, cause: no_account|bad_target|no_network|in_call|invalid_number, reason as
the LCD shows it) means the call was never placed; a placed call ends with call_state "ended".
With --flash: boot also carries slot, slot_state (good|trial) and, on trial, boot_attempt and
max_trial_boots; boot_confirmed (slot, version) when the firmware confirms a trial boot;
rollback (from, to, from_version, to_version, reason, detail) when the boot loader falls back;
update_endpoint (host, http_port, tftp_port) once the update endpoint listens.
`;

const LEVELS: Array<LogLevel | 'none'> = ['debug', 'info', 'warn', 'error', 'none'];

export const emulateCommand: Command = {
  name: 'emulate',
  summary: 'run an emulated phone (terminal UI or JSON control channel)',
  help,
  async run(args) {
    let values;
    try {
      ({ values } = parseArgs({
        args,
        options: {
          board: { type: 'string', default: 'desk6' },
          image: { type: 'string' },
          flash: { type: 'string' },
          'update-port': { type: 'string' },
          'tftp-port': { type: 'string' },
          account: { type: 'string', multiple: true },
          'provisioning-url': { type: 'string' },
          'sip-port': { type: 'string' },
          'sip-transport': { type: 'string' },
          'accept-direct-calls': { type: 'boolean', default: false },
          'audio-in': { type: 'string' },
          'audio-out': { type: 'string' },
          'audio-once': { type: 'boolean', default: false },
          'rtp-loss': { type: 'string' },
          'net-impair': { type: 'string' },
          sound: { type: 'string', default: 'auto' },
          echo: { type: 'boolean', default: false },
          ui: { type: 'string' },
          control: { type: 'string', default: 'none' },
          'data-dir': { type: 'string' },
          bind: { type: 'string', default: '0.0.0.0' },
          advertise: { type: 'string' },
          'log-level': { type: 'string', default: 'warn' },
          'http-port': { type: 'string' },
          'http-bind': { type: 'string', default: '127.0.0.1' },
          phones: { type: 'string', default: '1' },
        },
        strict: true,
        allowPositionals: false,
      }));
    } catch (e) {
      return usageError('emulate', (e as Error).message);
    }
    const control = values.control;
    if (control !== 'stdio' && control !== 'none') return usageError('emulate', `--control must be stdio or none, not '${control}'`);
    const ui = values.ui ?? (control === 'none' && process.stdout.isTTY ? 'tui' : 'none');
    if (ui !== 'tui' && ui !== 'web' && ui !== 'none') return usageError('emulate', `--ui must be tui, web or none, not '${ui}'`);
    const phones = Number(values.phones);
    if (!Number.isInteger(phones) || phones < 1 || phones > 8) return usageError('emulate', '--phones must be 1..8');
    if (phones > 1 && ui !== 'web') return usageError('emulate', '--phones needs --ui web');
    if (phones > 1 && values.flash !== undefined) return usageError('emulate', '--phones does not combine with --flash (one flash, one phone)');
    if ((values.account?.length ?? 0) > phones) return usageError('emulate', 'one --account per phone (see --phones)');
    const httpPort = values['http-port'] === undefined ? undefined : Number(values['http-port']);
    if (httpPort !== undefined && !(Number.isInteger(httpPort) && httpPort >= 0 && httpPort <= 65535)) return usageError('emulate', '--http-port must be 0..65535');
    if (ui === 'tui' && control === 'stdio') return usageError('emulate', '--ui tui and --control stdio both need the terminal; pick one');
    const logLevel = values['log-level'] as LogLevel | 'none';
    if (!LEVELS.includes(logLevel)) return usageError('emulate', `--log-level must be one of ${LEVELS.join(', ')}`);

    const rtpLoss = values['rtp-loss'] === undefined ? 0 : Number(values['rtp-loss']);
    if (!(rtpLoss >= 0 && rtpLoss <= 0.5)) return usageError('emulate', '--rtp-loss must be a fraction from 0 to 0.5');
    let netImpair: ImpairmentSpec | undefined;
    if (values['net-impair'] !== undefined) {
      if (values['rtp-loss'] !== undefined) return usageError('emulate', '--rtp-loss and --net-impair do not combine; use loss= in --net-impair');
      try {
        netImpair = parseImpairment(values['net-impair']);
      } catch (e) {
        if (e instanceof ImpairmentError) return usageError('emulate', `--net-impair: ${e.message}`);
        throw e;
      }
    }
    const sound = values.sound;
    if (sound !== 'auto' && sound !== 'on' && sound !== 'off') return usageError('emulate', '--sound must be auto, on or off');
    let config: BoardConfig;
    let board: BoardInfo;
    try {
      config = loadBoardConfig(values.board);
      board = toBoardInfo(config);
      if (values.account !== undefined) board = { ...board, accounts: [parseAccountUri(values.account[0]!)] };
      if (values['provisioning-url'] !== undefined) board = { ...board, provisioningUrl: values['provisioning-url'] };
      if (values['sip-port'] !== undefined) {
        const port = Number(values['sip-port']);
        if (!Number.isInteger(port) || port < 0 || port > 65535) return usageError('emulate', '--sip-port must be 0..65535');
        board = { ...board, sip: { ...board.sip, port } };
      }
      if (values['accept-direct-calls']) board = { ...board, sip: { ...board.sip, acceptDirectCalls: true } };
      const transport = values['sip-transport'];
      if (transport !== undefined) {
        if (transport !== 'udp' && transport !== 'tcp') return usageError('emulate', '--sip-transport must be udp or tcp');
        board = { ...board, sip: { ...board.sip, transport } };
      }
    } catch (e) {
      if (e instanceof BoardConfigError) {
        process.stderr.write(`error: ${e.message}\n`);
        return 1;
      }
      throw e;
    }

    const updatePorts: { httpPort?: number; tftpPort?: number } = {};
    for (const [flag, field] of [['update-port', 'httpPort'], ['tftp-port', 'tftpPort']] as const) {
      const v = values[flag];
      if (v === undefined) continue;
      if (values.flash === undefined) return usageError('emulate', `--${flag} needs --flash (an update is written to the flash)`);
      const n = Number(v);
      if (!Number.isInteger(n) || n < 0 || n > 65535) return usageError('emulate', `--${flag} must be 0..65535`);
      updatePorts[field] = n;
    }
    if (values.flash !== undefined && values.image !== undefined) {
      return usageError('emulate', '--flash and --image are exclusive: the flash holds the firmware (write it with quip flash)');
    }
    let firmware: { code: string; globalName: string } | FlashBoard;
    try {
      if (values.flash !== undefined) {
        if (config.flash === undefined) throw new Error(`board ${board.id} has no "flash" section in its config`);
        firmware = new FlashBoard(values.flash, flashLayout(config.flash), board.id, boardPublicKey(config));
      } else {
        const code = values.image !== undefined ? imageCode(values.image, board.id) : await sourceCode(config);
        firmware = { code, globalName: FIRMWARE_GLOBAL };
      }
    } catch (e) {
      process.stderr.write(`error: ${(e as Error).message}\n`);
      return 1;
    }

    // A microphone file that cannot be read is a setup mistake: say so before booting.
    if (values['audio-in'] !== undefined) {
      try {
        readWav(readFileSync(values['audio-in']));
      } catch (e) {
        process.stderr.write(`error: --audio-in ${values['audio-in']}: ${(e as Error).message}\n`);
        return 1;
      }
    }
    const writeEvent = control === 'stdio' ? eventWriter(process.stdout) : null;
    const wantSound = sound === 'on' || (sound === 'auto' && ui === 'tui' && values['audio-out'] === undefined);
    const speaker = wantSound ? openSoundDevice((m) => process.stderr.write(`note: ${m}\n`)) : null;
    if (wantSound && speaker === null && sound === 'on') process.stderr.write('note: no sound player found (aplay, paplay, pw-play); use --audio-out <wav>\n');
    let tui: Tui | null = null;
    const log = (level: LogLevel, message: string): void => {
      if (logLevel === 'none' || LEVELS.indexOf(level) < LEVELS.indexOf(logLevel)) return;
      if (tui !== null) tui.note(`${level}: ${message}`);
      else process.stderr.write(`[${level}] ${message}\n`);
    };
    if (netImpair !== undefined) log('info', `network impairment on all UDP, both ways: ${formatImpairment(netImpair)}`);
    let web: WebSession | null = null;
    try {
      if (ui === 'web') {
        web = new WebSession({
          config, board, phones, moreAccounts: values.account?.slice(1) ?? [], httpHost: values['http-bind'], httpPort,
          dataDir: values['data-dir'] ?? join(homedir(), '.quip', board.id),
          audioIn: { ...(values['audio-in'] ? { input: values['audio-in'] } : {}), loop: !values['audio-once'] },
          onNote: (m) => log('warn', m),
        });
      }
    } catch (e) {
      process.stderr.write(`error: ${(e as Error).message}\n`);
      return 1;
    }
    const emulator = new Emulator({
      board,
      stackLimitBytes: config.memory.stackKB * 1024,
      watchdogMs: config.watchdogMs,
      firmware,
      ...(firmware instanceof FlashBoard ? { storage: firmware.storage } : { dataDir: values['data-dir'] ?? join(homedir(), '.quip', board.id) }),
      net: { bindAddress: values.bind, ...advertised(values.bind, values.advertise) },
      audio: {
        ...(values['audio-in'] ? { input: values['audio-in'] } : {}),
        ...(values['audio-out'] ? { output: values['audio-out'] } : {}),
        loop: !values['audio-once'],
      },
      onEvent: (event: ControlEvent) => {
        writeEvent?.(event);
        web?.ui.event(0, event);
        bootLoaderNote(event);
        if (tui === null) return;
        if (event.event === 'display') tui.show(event as never);
        else tui.note(summarize(event));
      },
      onLog: log,
      rtpLoss,
      ...(netImpair !== undefined ? { netImpair } : {}),
      speaker,
      ...(web?.firstPhone(speaker) ?? {}),
      echo: values.echo === true,
    });

    let updates: UpdateServer | null = null;
    let quitting = false;
    const done = new Promise<number>((resolve) => {
      const quit = (): void => {
        if (quitting) return;
        quitting = true;
        tui?.stop();
        void Promise.all([emulator.shutdown(), web?.close(), updates?.close()]).then(() => {
          speaker?.close();
          // The figures a network-fault test logs; printed whatever the log level.
          if (netImpair !== undefined) process.stderr.write(`net-impair: ${emulator.impairmentTally.summary()}\n`);
          resolve(0);
        });
      };
      process.once('SIGINT', quit);
      process.once('SIGTERM', quit);
      if (control === 'stdio') {
        readControl(
          process.stdin,
          {
            key: (key, down) => emulator.key(key, down),
            dial: (target) => emulator.command({ dial: target }),
            firmware: (command) => emulator.command(command),
            reboot: () => emulator.reboot('control'),
            quit,
          },
          board.keys,
          (message) => writeEvent?.({ event: 'error', where: 'control', message }),
          quit,
        );
      }
      if (ui === 'tui') {
        tui = new Tui(process.stdin, process.stdout, {
          title: `quip — ${config.name}`,
          cols: board.display.cols,
          keymap: config.keymap,
          onKey: (key, down) => emulator.key(key, down),
          onQuit: quit,
        });
        tui.start();
      }
    });
    await emulator.start();
    if (firmware instanceof FlashBoard) {
      try {
        updates = await startFlashUpdates(firmware, config, { ...updatePorts, reboot: () => emulator.reboot('firmware update'), log: (l) => log('info', l) });
        if (updates !== null) {
          const endpoint = { event: 'update_endpoint', host: updates.host, http_port: updates.httpPort, tftp_port: updates.tftpPort };
          writeEvent?.(endpoint);
          if (writeEvent === null) {
            const urls = [updates.httpPort !== null ? `http://${updates.host}:${updates.httpPort}` : null, updates.tftpPort !== null ? `udp://${updates.host}:${updates.tftpPort}` : null];
            process.stderr.write(`update endpoint: ${urls.filter((u) => u !== null).join(' and ')} (quip flash --to <url>)\n`);
          }
        }
      } catch (e) {
        process.stderr.write(`error: update endpoint: ${(e as Error).message}\n`);
        process.kill(process.pid, 'SIGTERM'); // the orderly quit above
      }
    }
    if (web !== null) {
      try {
        (control === 'stdio' ? process.stderr : process.stdout).write(`quip web UI: ${await web.start(emulator)}\n`);
      } catch (e) {
        process.stderr.write(`error: web UI: ${(e as Error).message}\n`);
        process.kill(process.pid, 'SIGTERM'); // the orderly quit above
      }
    }
    return done;
  },
};

function imageCode(file: string, boardId: string): string {
  let bytes: Uint8Array;
  try {
    bytes = readFileSync(file);
  } catch (e) {
    throw new Error(`cannot read image ${file}: ${(e as Error).message}`);
  }
  try {
    return javascriptPayload(readImage(bytes, boardId));
  } catch (e) {
    if (e instanceof ImageError) throw new Error(`refusing image ${file}: ${e.message}`);
    throw e;
  }
}

/** The firmware built from source for a board, as the JavaScript a VM evaluates. */
export async function sourceCode(config: BoardConfig): Promise<string> {
  const built = await buildFirmware({ board: config });
  return javascriptPayload(readImage(built.image, config.id));
}

/** Rollbacks and boot failures go to stderr too: someone flashing a board must see them. */
function bootLoaderNote(event: ControlEvent): void {
  if (event.event === 'rollback') {
    const from = event.from_version === null ? '' : ` (${String(event.from_version)})`;
    process.stderr.write(`rollback: slot ${String(event.from)}${from} → slot ${String(event.to)} (${String(event.to_version)}): ${String(event.detail)}\n`);
  } else if (event.event === 'error' && event.where === 'bootloader') {
    process.stderr.write(`boot loader: ${String(event.message)}\n`);
  }
}

/** Peers must be told an address they can reach: the bind address unless it is a wildcard. */
function advertised(bind: string, advertise: string | undefined): { advertisedAddress?: string } {
  if (advertise !== undefined) return { advertisedAddress: advertise };
  return bind === '0.0.0.0' || bind === '::' ? {} : { advertisedAddress: bind };
}

/** One line for the TUI status area. */
function summarize(event: ControlEvent): string {
  const { event: name, ...rest } = event;
  return `${name} ${JSON.stringify(rest).slice(0, 200)}`;
}
