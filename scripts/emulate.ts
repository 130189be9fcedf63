// `quip emulate`: runs an emulated phone — the firmware in QuickJS on a Node HAL — with a
// terminal UI and/or the JSON-lines control channel. The command line: emulate-options.ts.

import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import type { Command } from './command.ts';
import { usageError } from './command.ts';
import { BoardConfigError, loadBoardConfig, toBoardInfo } from '../hal/board-config.ts';
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
import { formatImpairment } from '../hal/node/impairment.ts';
import { openSoundDevice } from '../hal/emulator/sound-device.ts';
import { readWav } from '../hal/emulator/wav.ts';
import { WebSession } from '../hal/emulator/web/web-session.ts';
import { EMULATE_HELP, LOG_LEVELS, applyEmulateOverrides, parseEmulateOptions } from './emulate-options.ts';

export const emulateCommand: Command = {
  name: 'emulate',
  summary: 'run an emulated phone (terminal UI or JSON control channel)',
  help: EMULATE_HELP,
  async run(args) {
    const o = parseEmulateOptions(args, { stdoutIsTTY: process.stdout.isTTY === true });
    if (typeof o === 'string') return usageError('emulate', o);
    const { control, ui, logLevel, netImpair } = o;
    let config: BoardConfig;
    let board: BoardInfo;
    try {
      config = loadBoardConfig(o.board);
      board = applyEmulateOverrides(toBoardInfo(config), o);
    } catch (e) {
      if (e instanceof BoardConfigError) {
        process.stderr.write(`error: ${e.message}\n`);
        return 1;
      }
      throw e;
    }
    if (o.deferredError !== null) return usageError('emulate', o.deferredError);

    let firmware: { code: string; globalName: string } | FlashBoard;
    try {
      if (o.flash !== undefined) {
        if (config.flash === undefined) throw new Error(`board ${board.id} has no "flash" section in its config`);
        firmware = new FlashBoard(o.flash, flashLayout(config.flash), board.id, boardPublicKey(config));
      } else {
        const code = o.image !== undefined ? imageCode(o.image, board.id) : await sourceCode(config);
        firmware = { code, globalName: FIRMWARE_GLOBAL };
      }
    } catch (e) {
      process.stderr.write(`error: ${(e as Error).message}\n`);
      return 1;
    }

    // A microphone file that cannot be read is a setup mistake: say so before booting.
    if (o.audioIn !== undefined) {
      try {
        readWav(readFileSync(o.audioIn));
      } catch (e) {
        process.stderr.write(`error: --audio-in ${o.audioIn}: ${(e as Error).message}\n`);
        return 1;
      }
    }
    const writeEvent = control === 'stdio' ? eventWriter(process.stdout) : null;
    const sound = o.sound;
    const wantSound = sound === 'on' || (sound === 'auto' && ui === 'tui' && o.audioOut === undefined);
    const speaker = wantSound ? openSoundDevice((m) => process.stderr.write(`note: ${m}\n`)) : null;
    if (wantSound && speaker === null && sound === 'on') process.stderr.write('note: no sound player found (aplay, paplay, pw-play); use --audio-out <wav>\n');
    let tui: Tui | null = null;
    const log = (level: LogLevel, message: string): void => {
      if (logLevel === 'none' || LOG_LEVELS.indexOf(level) < LOG_LEVELS.indexOf(logLevel)) return;
      if (tui !== null) tui.note(`${level}: ${message}`);
      else process.stderr.write(`[${level}] ${message}\n`);
    };
    if (netImpair !== undefined) log('info', `network impairment on all UDP, both ways: ${formatImpairment(netImpair)}`);
    let web: WebSession | null = null;
    try {
      if (ui === 'web') {
        web = new WebSession({
          config, board, phones: o.phones, moreAccounts: o.accounts.slice(1), httpHost: o.httpBind, httpPort: o.httpPort,
          dataDir: o.dataDir ?? join(homedir(), '.quip', board.id),
          audioIn: { ...(o.audioIn ? { input: o.audioIn } : {}), loop: !o.audioOnce },
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
      ...(firmware instanceof FlashBoard ? { storage: firmware.storage } : { dataDir: o.dataDir ?? join(homedir(), '.quip', board.id) }),
      net: { bindAddress: o.bind, ...advertised(o.bind, o.advertise) },
      audio: {
        ...(o.audioIn ? { input: o.audioIn } : {}),
        ...(o.audioOut ? { output: o.audioOut } : {}),
        loop: !o.audioOnce,
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
      rtpLoss: o.rtpLoss,
      ...(netImpair !== undefined ? { netImpair } : {}),
      speaker,
      ...(web?.firstPhone(speaker) ?? {}),
      echo: o.echo,
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
        updates = await startFlashUpdates(firmware, config, { ...o.updatePorts, reboot: () => emulator.reboot('firmware update'), log: (l) => log('info', l) });
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
