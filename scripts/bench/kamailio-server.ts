// Kamailio (the Debian package) for the bench: the interop config (test/interop/kamailio.cfg,
// same routing: registrar, digest, stateful Record-Route proxy), with its per-request INFO
// logging off and a users table sized for thousands, on a free loopback port. Stopped with its
// whole process group: Kamailio forks workers and none may outlive the bench.
// (test/helpers/kamailio.ts does the same for the tests but imports ava, so it cannot run here.)
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import dgram from 'node:dgram';
import { REPO_ROOT } from '../../build/host-build.ts';
import { findBinary, freePort } from '../local-programs.ts';

const INTEROP_CFG = path.join(REPO_ROOT, 'test', 'interop', 'kamailio.cfg');

export interface BenchKamailio {
  readonly port: number;
  readonly version: string;
  readonly children: number;
  stop(): Promise<void>;
}

export function findKamailio(): string | null {
  return findBinary('kamailio');
}

/** The interop config with the bench's changes; each must apply, or the config moved on. */
function benchConfig(children: number): string {
  let cfg = readFileSync(INTEROP_CFG, 'utf8');
  const edits: Array<[RegExp, string]> = [
    [/^debug=2\b.*$/m, 'debug=1                  # bench: warnings only, no line per request'],
    [/^children=2\b.*$/m, `children=${children}               # bench: UDP workers`],
    [/"users=>size=6;"/, '"users=>size=12;"'],
    [/"aliases=>size=6;"/, '"aliases=>size=12;"'],
  ];
  for (const [re, to] of edits) {
    if (!re.test(cfg)) throw new Error(`test/interop/kamailio.cfg: expected ${re} to patch for the bench`);
    cfg = cfg.replace(re, to);
  }
  return cfg;
}

function modulesDir(): string | null {
  const candidates = ['/usr/lib/x86_64-linux-gnu/kamailio/modules', '/usr/lib/kamailio/modules'];
  try {
    for (const d of readdirSync('/usr/lib')) candidates.push(`/usr/lib/${d}/kamailio/modules`);
  } catch {
    // no /usr/lib: the fixed candidates only
  }
  return candidates.find((d) => existsSync(path.join(d, 'tm.so'))) ?? null;
}

/** Starts Kamailio with these users (digest name → password) and waits until it answers OPTIONS. */
export async function startBenchKamailio(users: ReadonlyArray<{ user: string; password: string }>, children = 1): Promise<BenchKamailio> {
  const binary = findKamailio();
  const modules = modulesDir();
  if (binary === null || modules === null) throw new Error('kamailio is not installed (scripts/install-test-deps.sh)');
  const dir = mkdtempSync(path.join(tmpdir(), 'quip-bench-kamailio-'));
  writeFileSync(path.join(dir, 'kamailio.cfg'), benchConfig(children));
  const lines = ['event_route[htable:mod-init] {', ...users.map((u) => `\t$sht(users=>${u.user}) = "${u.password}";`), '}', ''];
  writeFileSync(path.join(dir, 'kamailio-users.cfg'), lines.join('\n'));
  const port = await freePort();
  const child = spawn(binary, [
    '-f', path.join(dir, 'kamailio.cfg'), '-L', modules, '-l', `udp:127.0.0.1:${port}`, '-Y', dir, '-P', path.join(dir, 'kamailio.pid'),
    '-DD', '-E', '-m', '256', '-M', '16',
  ], { cwd: dir, detached: true, stdio: ['ignore', 'ignore', 'pipe'] });
  const log: string[] = [];
  createInterface({ input: child.stderr! }).on('line', (l) => log.push(l) > 200 && log.shift());
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const pgid = child.pid!;
  const kill = (sig: NodeJS.Signals): void => {
    try {
      process.kill(-pgid, sig);
    } catch {
      // the group is gone already
    }
  };
  const onExit = (): void => kill('SIGKILL');
  process.once('exit', onExit);
  const stop = async (): Promise<void> => {
    kill('SIGTERM');
    await Promise.race([exited, new Promise((r) => setTimeout(r, 5000))]);
    kill('SIGKILL');
    await exited;
    process.removeListener('exit', onExit);
    rmSync(dir, { recursive: true, force: true });
  };
  if (!(await answersOptions(port))) {
    await stop();
    throw new Error(`kamailio did not answer on udp 127.0.0.1:${port}: ${log.slice(-5).join(' | ')}`);
  }
  return { port, version: kamailioVersion(binary), children, stop };
}

/** `kamailio -v` prints "version: kamailio 5.6.3 (x86_64/linux) ...". */
function kamailioVersion(binary: string): string {
  const r = spawnSync(binary, ['-v'], { encoding: 'utf8', timeout: 5000 });
  return /kamailio (\d+\.\d+\.\d+)/.exec(`${r.stdout}${r.stderr}`)?.[1] ?? 'unknown';
}

async function answersOptions(port: number): Promise<boolean> {
  const s = dgram.createSocket('udp4');
  await new Promise<void>((r) => s.bind(0, '127.0.0.1', () => r()));
  let ok = false;
  s.on('message', (m) => (ok ||= m.toString('latin1').startsWith('SIP/2.0 200')));
  try {
    const local = s.address().port;
    for (let i = 0; i < 100 && !ok; i++) {
      const msg = [
        `OPTIONS sip:127.0.0.1:${port} SIP/2.0`, `Via: SIP/2.0/UDP 127.0.0.1:${local};branch=z9hG4bK-bench${i};rport`, 'Max-Forwards: 70',
        `From: <sip:probe@127.0.0.1>;tag=b${i}`, `To: <sip:127.0.0.1:${port}>`, `Call-ID: bench-probe-${i}`, `CSeq: ${i + 1} OPTIONS`, 'Content-Length: 0', '', '',
      ].join('\r\n');
      s.send(msg, port, '127.0.0.1');
      await new Promise((r) => setTimeout(r, 200));
    }
    return ok;
  } finally {
    s.close();
  }
}
