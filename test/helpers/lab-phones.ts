// A lab server in this process plus emulated phones (child processes) registered to it.
import type { ExecutionContext } from 'ava';
import { startLabServer } from '../../server/lab-server.ts';
import type { LabServer, LabServerOptions } from '../../server/lab-server.ts';
import { defaultUsers } from '../../server/users.ts';
import { writeFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildFirmware } from '../../build/build-firmware.ts';
import { loadBoardConfig } from '../../hal/board-config.ts';
import { EmulatorProcess } from './emulator-process.ts';
import type { HostName } from './hosts.ts';

/** One firmware image per board for the whole file: phones boot it instead of bundling again. */
const images = new Map<string, Promise<string>>();
export function firmwareImage(board: string): Promise<string> {
  let p = images.get(board);
  if (p === undefined) {
    p = buildFirmware({ board: loadBoardConfig(board) }).then((b) => {
      const file = join(mkdtempSync(join(tmpdir(), 'quip-img-')), `${board}.qfw`);
      writeFileSync(file, b.image);
      return file;
    });
    images.set(board, p);
  }
  return p;
}

export interface LabPhones {
  lab: LabServer;
  logs: string[];
  /** Boots a phone for a demo user (password "secret") on a host (default the emulator) and waits until it is registered. */
  phone(user: string, board?: string, password?: string, extra?: string[], host?: HostName): Promise<EmulatorProcess>;
}

export async function labWithPhones(t: ExecutionContext, o: Partial<LabServerOptions> = {}): Promise<LabPhones> {
  const logs: string[] = [];
  const lab = await startLabServer({ port: 0, users: defaultUsers(), log: (l) => logs.push(l), ...o });
  const phones: EmulatorProcess[] = [];
  t.teardown(async () => {
    await Promise.all(phones.map((p) => p.quit()));
    lab.close();
    if (!t.passed) for (const l of logs) t.log(`lab: ${l}`); // the lab's side of a failure
  });
  return {
    lab,
    logs,
    async phone(user, board = 'desk6', password = 'secret', extra: string[] = [], host: HostName = 'node') {
      const image = await firmwareImage(board);
      const p = new EmulatorProcess(['--board', board, '--image', image, '--account', `sip:${user}:${password}@127.0.0.1:${lab.port}`, ...extra], undefined, host);
      phones.push(p);
      await p.waitFor((e) => e.event === 'boot');
      if (password === 'secret') await p.waitFor((e) => e.event === 'registered');
      return p;
    },
  };
}

/** The last call_state of a phone, optionally for one state. */
export function callStates(p: EmulatorProcess): string[] {
  return p.events.filter((e) => e.event === 'call_state').map((e) => String(e.state));
}
