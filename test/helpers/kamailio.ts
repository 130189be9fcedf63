// Runs Kamailio (the Debian package) with test/interop/kamailio.cfg on a free loopback port:
// writes its users from a lab UserDirectory, waits until it answers an OPTIONS, keeps its log,
// and stops it with its whole process group (Kamailio forks workers: none may outlive a test).
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import type { UserDirectory } from '../../server/users.ts';
import { ROOT } from './corpus.ts';
import { freePort, sleep } from './interop.ts';
import { RawUdp } from './sip-endpoint.ts';

export const KAMAILIO_CFG = join(ROOT, 'test', 'interop', 'kamailio.cfg');

export interface KamailioServer {
  readonly port: number;
  readonly pid: number;
  /** Everything Kamailio wrote to stderr (-E), one line each. */
  readonly log: string[];
  /** SIGTERM to the process group, SIGKILL after 5 s; resolves when every process is gone. */
  stop(): Promise<void>;
}

/** Where the Debian package keeps its modules (multiarch directory), or null. */
export function kamailioModulesDir(): string | null {
  const candidates = ['/usr/lib/x86_64-linux-gnu/kamailio/modules', '/usr/lib/kamailio/modules', '/usr/local/lib64/kamailio/modules'];
  try {
    for (const d of readdirSync('/usr/lib')) candidates.push(`/usr/lib/${d}/kamailio/modules`);
  } catch {
    // no /usr/lib: only the fixed candidates
  }
  return candidates.find((d) => existsSync(join(d, 'tm.so'))) ?? null;
}

/**
 * The users file kamailio.cfg includes: the lab's users (digest username → password) and
 * aliases (number → user), so both servers serve the same people.
 */
export function kamailioUsersCfg(users: UserDirectory): string {
  const q = (s: string): string => {
    if (!/^[A-Za-z0-9_.+\-]+$/.test(s)) throw new Error(`kamailio users: ${JSON.stringify(s)} needs quoting this helper does not do`);
    return s;
  };
  const lines = ['# written by test/helpers/kamailio.ts', 'event_route[htable:mod-init] {'];
  for (const u of users.users) {
    lines.push(`\t$sht(users=>${q(u.user)}) = "${q(u.password)}";`);
    for (const a of u.aliases) lines.push(`\t$sht(aliases=>${q(a)}) = "${q(u.user)}";`);
  }
  lines.push('}', '');
  return lines.join('\n');
}

/** Starts Kamailio and resolves once it answers OPTIONS; retries a port someone took meanwhile. */
export async function startKamailio(binary: string, users: UserDirectory): Promise<KamailioServer> {
  const modules = kamailioModulesDir();
  if (modules === null) throw new Error('kamailio modules directory (tm.so) not found');
  let lastError: Error | null = null;
  for (let attempt = 0; attempt < 3; attempt++) {
    const dir = mkdtempSync(join(tmpdir(), 'quip-kamailio-'));
    writeFileSync(join(dir, 'kamailio-users.cfg'), kamailioUsersCfg(users));
    const port = await freePort();
    // -DD: no daemon, so the spawned pid is Kamailio's main process and the pid file is written;
    // detached: its own process group, so the workers it forks can all be stopped together.
    const child = spawn(binary, [
      '-f', KAMAILIO_CFG, '-L', modules, '-l', `udp:127.0.0.1:${port}`, '-Y', dir, '-P', join(dir, 'kamailio.pid'),
      '-DD', '-E', '-m', '32', '-M', '4',
    ], { cwd: dir, detached: true, stdio: ['ignore', 'ignore', 'pipe'] });
    const log: string[] = [];
    createInterface({ input: child.stderr! }).on('line', (l) => log.push(l));
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    let gone = false;
    void exited.then(() => (gone = true));
    const server: KamailioServer = {
      port,
      pid: child.pid!,
      log,
      stop: () => stopGroup(child, exited).finally(() => rmSync(dir, { recursive: true, force: true })),
    };
    // A test process that dies without teardown must not leave Kamailio behind.
    const onExit = (): void => killGroup(child, 'SIGKILL');
    process.once('exit', onExit);
    void exited.then(() => process.removeListener('exit', onExit));
    if (await answersOptions(port, () => gone)) return server;
    await server.stop();
    lastError = new Error(`kamailio did not answer on udp 127.0.0.1:${port}; log:\n${log.slice(-20).join('\n')}`);
  }
  throw lastError!;
}

/** Polls with OPTIONS until a 200 comes back (true), the process died or 20 s passed (false). */
async function answersOptions(port: number, dead: () => boolean): Promise<boolean> {
  const raw = await RawUdp.open();
  try {
    const deadline = Date.now() + 20000;
    for (let i = 0; Date.now() < deadline && !dead(); i++) {
      raw.send([
        `OPTIONS sip:127.0.0.1:${port} SIP/2.0`,
        `Via: SIP/2.0/UDP 127.0.0.1:${raw.port};branch=z9hG4bK-probe${i};rport`,
        'Max-Forwards: 70',
        `From: <sip:probe@127.0.0.1>;tag=probe${i}`,
        `To: <sip:127.0.0.1:${port}>`,
        `Call-ID: probe-${i}@quip`,
        `CSeq: ${i + 1} OPTIONS`,
        'Content-Length: 0',
        '', '',
      ].join('\r\n'), port);
      const res = await raw.next(300);
      if (res !== null && res.startsWith('SIP/2.0 200')) return true;
      if (res === null) await sleep(100);
    }
    return false;
  } finally {
    raw.close();
  }
}

function killGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  try {
    process.kill(-child.pid!, signal);
  } catch {
    // ESRCH: the group is already empty
  }
}

function groupAlive(pgid: number): boolean {
  try {
    process.kill(-pgid, 0);
    return true;
  } catch {
    return false;
  }
}

async function stopGroup(child: ChildProcess, exited: Promise<void>): Promise<void> {
  killGroup(child, 'SIGTERM');
  const deadline = Date.now() + 5000;
  await Promise.race([exited, sleep(5000)]);
  // Workers leave after the main process; wait for the whole group, then insist.
  while (groupAlive(child.pid!) && Date.now() < deadline) await sleep(50);
  if (groupAlive(child.pid!)) killGroup(child, 'SIGKILL');
  await exited;
  for (let i = 0; i < 100 && groupAlive(child.pid!); i++) await sleep(50);
}
