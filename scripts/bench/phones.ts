// `quip bench --phones N`: many emulated phones against one lab server. N phones are spread
// over a few worker processes (scripts/bench/phones-worker.ts, several phones per Node process,
// one process per core by default), all register with digest to the lab (in this process, with
// generated users), then N/2 calls (or fewer) phone(2i) → phone(2i+1) are set up at once,
// answered, carry G.711 both ways for the hold time and are hung up. Figures: phones registered, calls
// connected, failures, resident memory per phone and worker CPU per call.
import { fork } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildFirmware } from '../../build/build-firmware.ts';
import { loadBoardConfig } from '../../hal/board-config.ts';
import { toneWav } from './native-phones.ts';
import { startLabServer } from '../../server/lab-server.ts';
import { validateUsers } from '../../server/users.ts';
import type { Figure } from './figures.ts';
import type { FromWorker, PhoneSpec, ToWorker, WorkerUsage } from './phones-protocol.ts';

const WORKER = path.join(path.dirname(fileURLToPath(import.meta.url)), 'phones-worker.ts');

export interface PhonesBenchOptions {
  /** Phones to boot (an odd last phone just registers). */
  phones: number;
  /** Concurrent calls, phone(2i) → phone(2i+1) for i < calls (default and at most N/2); the
   *  other phones only register. The issue's target: 500 phones, 100 calls. */
  calls?: number;
  /** How long each call is held with media flowing, seconds (default 10). */
  callSeconds?: number;
  /** Worker processes at most (default: the cores). */
  maxProcesses?: number;
  /** Phones per worker process (default: phones spread evenly over the processes). */
  phonesPerProcess?: number;
  board?: string;
  /** First RTP port; phone i owns rtpBase + 4i .. + 4i + 3 (default 20000). */
  rtpBase?: number;
  log?: (line: string) => void;
}

export interface PhonesBenchResult {
  figures: Figure[];
  details: PhonesDetails;
}

export interface PhonesDetails {
  phones: number;
  calls: number;
  processes: number;
  phones_per_process: number[];
  board: string;
  call_seconds: number;
  boot_ms: { median: number; max: number };
  /** First spawn → last 'registered'. */
  all_registered_ms: number | null;
  /** First dial → last call connected. */
  all_connected_ms: number | null;
  /** Whole run, spawn to the last worker gone. */
  total_ms: number;
  calls_with_media_both_ways: number;
  /** RTP packets received per phone over its call (last media_stats), min and median. */
  rtp_received: { min: number; median: number } | null;
  /** The same per second of connected call (50 = every 20 ms packet arrived), min and median. */
  rtp_received_per_s: { min: number; median: number } | null;
  workers: Array<{ phones: number; rss_bytes: number; vm_heap_bytes: number; cpu_percent: number }>;
  /** CPU of this process (the lab server and the bench's bookkeeping) over the call window, % of a core. */
  lab_cpu_percent: number | null;
  failures: { not_registered: number; calls_not_connected: number; calls_without_media: number; faults: string[] };
}

type PhoneEvent = { event: string; at: number; [k: string]: unknown };

/** One worker process and the events of its phones. */
class Worker {
  readonly child: ChildProcess;
  readonly exited: Promise<void>;
  private usageWaiter: ((u: WorkerUsage) => void) | null = null;
  fatal: string | null = null;

  constructor(
    readonly phones: PhoneSpec[],
    private readonly onEvent: (index: number, e: PhoneEvent) => void,
    private readonly onBooted: (index: number, ms: number) => void,
  ) {
    this.child = fork(WORKER, [], { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'ignore', 'inherit', 'ipc'] });
    this.exited = new Promise((resolve) => this.child.once('exit', () => resolve()));
    this.child.on('message', (m: FromWorker) => {
      if (m.type === 'event') this.onEvent(m.index, { ...m.event, at: performance.now() });
      else if (m.type === 'booted') this.onBooted(m.index, m.ms);
      else if (m.type === 'usage') this.usageWaiter?.(m.usage);
      else this.fatal = m.message;
    });
  }

  send(m: ToWorker): void {
    if (this.child.connected) this.child.send(m);
  }

  usage(): Promise<WorkerUsage> {
    return new Promise((resolve, reject) => {
      const t = setTimeout(() => reject(new Error('worker did not report its usage')), 30_000);
      this.usageWaiter = (u) => {
        clearTimeout(t);
        this.usageWaiter = null;
        resolve(u);
      };
      this.send({ type: 'usage' });
    });
  }

  async quit(): Promise<void> {
    this.send({ type: 'quit' });
    const t = setTimeout(() => this.child.kill('SIGKILL'), 15_000);
    await this.exited;
    clearTimeout(t);
  }
}

/** Every phone's events, with waiting on a condition over all of them. */
class Fleet {
  readonly events: PhoneEvent[][];
  readonly bootMs: number[] = [];
  private wakers: Array<() => void> = [];

  constructor(n: number) {
    this.events = Array.from({ length: n }, () => []);
  }

  push(index: number, e: PhoneEvent): void {
    this.events[index]!.push(e);
    this.wake();
  }

  booted(ms: number): void {
    this.bootMs.push(ms);
    this.wake();
  }

  has(index: number, match: (e: PhoneEvent) => boolean): PhoneEvent | undefined {
    return this.events[index]!.find(match);
  }

  /** Resolves when `done()` holds or the deadline passes (returns whether it held). */
  async until(done: () => boolean, timeoutMs: number): Promise<boolean> {
    const deadline = performance.now() + timeoutMs;
    while (!done()) {
      const left = deadline - performance.now();
      if (left <= 0) return false;
      await new Promise<void>((r) => {
        const t = setTimeout(r, Math.min(left, 500));
        this.wakers.push(() => {
          clearTimeout(t);
          r();
        });
      });
    }
    return true;
  }

  private wake(): void {
    const w = this.wakers;
    this.wakers = [];
    for (const f of w) f();
  }
}

const isRegistered = (e: PhoneEvent): boolean => e.event === 'registered';
const isIncoming = (e: PhoneEvent): boolean => e.event === 'incoming';
const isConnected = (e: PhoneEvent): boolean => e.event === 'call_state' && e.state === 'connected';
const isEnded = (e: PhoneEvent): boolean => e.event === 'call_state' && e.state === 'ended';
const isFault = (e: PhoneEvent): boolean => e.event === 'error' || e.event === 'watchdog' || e.event === 'reboot';

export async function runPhonesBench(o: PhonesBenchOptions): Promise<PhonesBenchResult> {
  const log = o.log ?? (() => {});
  const n = o.phones;
  const callSeconds = o.callSeconds ?? 10;
  const boardId = o.board ?? 'desk6';
  const rtpBase = o.rtpBase ?? 20000;
  if (!Number.isInteger(n) || n < 2) throw new Error('--phones needs at least 2 phones');
  if (rtpBase + 4 * n > 65534) throw new Error(`${n} phones do not fit in RTP ports from ${rtpBase}`);
  const cores = o.maxProcesses ?? availableParallelism();
  const perProcess = o.phonesPerProcess ?? Math.ceil(n / cores);
  const processes = Math.min(n, Math.ceil(n / perProcess));
  const calls = Math.min(Math.floor(n / 2), o.calls ?? Math.floor(n / 2));
  if (!Number.isInteger(calls) || calls < 0) throw new Error('--phone-calls must be a whole number ≥ 0');
  const started = performance.now();
  const dir = mkdtempSync(path.join(tmpdir(), 'quip-bench-phones-'));

  // Generated users, each with a 7-digit number the board's dial plan takes as is.
  const users = Array.from({ length: n }, (_, i) => ({
    user: `ph${String(i).padStart(5, '0')}`, password: randomBytes(6).toString('hex'), aliases: [String(5_000_000 + i)],
  }));
  const lab = await startLabServer({ port: 0, users: validateUsers({ users }, 'bench phones'), log: () => {} });
  const imageFile = path.join(dir, `${boardId}.qfw`);
  writeFileSync(imageFile, (await buildFirmware({ board: loadBoardConfig(boardId) })).image);
  const mics = [toneWav(path.join(dir, 'caller.wav'), [400, 1000]), toneWav(path.join(dir, 'callee.wav'), [600, 1400])];

  const fleet = new Fleet(n);
  const specs: PhoneSpec[] = users.map((u, i) => ({
    index: i, account: `sip:${u.user}:${u.password}@127.0.0.1:${lab.port}`, rtpMin: rtpBase + 4 * i, micWav: mics[i % 2]!,
  }));
  // Round-robin: a caller and its callee sit in different workers, so the load is even.
  const workerOf: Worker[] = [];
  const workers = Array.from({ length: processes }, (_, w) => {
    const mine = specs.filter((s) => s.index % processes === w);
    const worker = new Worker(mine, (i, e) => fleet.push(i, e), (_i, ms) => fleet.booted(ms));
    for (const s of mine) workerOf[s.index] = worker;
    return worker;
  });
  const phoneSend = (i: number, m: ToWorker): void => workerOf[i]!.send(m);
  log(`phones: ${n} emulated ${boardId} phones in ${processes} processes, ${calls} calls of ${callSeconds} s`);

  let allRegisteredMs: number | null = null;
  let allConnectedMs: number | null = null;
  let windowUsage: Array<{ before: WorkerUsage; after: WorkerUsage }> = [];
  let windowS = 0;
  let labCpu: number | null = null;
  const connectedCalls: number[] = [];
  try {
    for (const w of workers) w.send({ type: 'boot', board: boardId, imageFile, phones: w.phones });
    // Booting is serial in each worker: allow a generous time per phone.
    const bootBudgetMs = 60_000 + 1500 * perProcess;
    const registered = (): number => fleet.events.filter((ev) => ev.some(isRegistered)).length;
    const okAll = await fleet.until(() => registered() === n || workers.some((w) => w.fatal !== null), bootBudgetMs);
    const fatal = workers.find((w) => w.fatal !== null)?.fatal;
    if (fatal) throw new Error(`phones worker failed: ${fatal}`);
    if (okAll) allRegisteredMs = Math.round(performance.now() - started);
    log(`phones: ${registered()} of ${n} registered${okAll ? ` in ${(allRegisteredMs! / 1000).toFixed(1)} s` : ' (timed out)'}`);

    // All calls at once, dials a few ms apart so the lab sees a burst, not one datagram storm.
    const pairs = Array.from({ length: calls }, (_, c) => [2 * c, 2 * c + 1] as const)
      .filter(([a, b]) => fleet.has(a, isRegistered) && fleet.has(b, isRegistered));
    const dialAt = performance.now();
    for (const [a, b] of pairs) {
      phoneSend(a, { type: 'dial', index: a, target: String(5_000_000 + b) });
      await new Promise((r) => setTimeout(r, 5));
    }
    const answered = new Set<number>();
    const callDeadline = 30_000 + 20 * calls;
    await fleet.until(() => {
      for (const [, b] of pairs) {
        if (!answered.has(b) && fleet.has(b, isIncoming)) {
          answered.add(b);
          phoneSend(b, { type: 'key', index: b, key: 'send' });
        }
      }
      return pairs.every(([a, b]) => fleet.has(a, isConnected) && fleet.has(b, isConnected));
    }, callDeadline);
    for (const [a, b] of pairs) if (fleet.has(a, isConnected) && fleet.has(b, isConnected)) connectedCalls.push(a);
    if (connectedCalls.length === calls) allConnectedMs = Math.round(performance.now() - dialAt);
    log(`phones: ${connectedCalls.length} of ${calls} calls connected; holding ${callSeconds} s`);

    // The measurement window: every call up, media flowing.
    const before = await Promise.all(workers.map((w) => w.usage()));
    const lab0 = process.cpuUsage();
    const t0 = performance.now();
    await new Promise((r) => setTimeout(r, callSeconds * 1000));
    const after = await Promise.all(workers.map((w) => w.usage()));
    windowS = (performance.now() - t0) / 1000;
    const labUs = process.cpuUsage(lab0);
    labCpu = round(((labUs.user + labUs.system) / 1e6 / windowS) * 100, 2);
    windowUsage = workers.map((_, i) => ({ before: before[i]!, after: after[i]! }));

    // Hang up; each side's last media_stats (sent at the end of the stream) says what it got.
    for (const a of connectedCalls) phoneSend(a, { type: 'key', index: a, key: 'end' });
    await fleet.until(() => connectedCalls.every((a) => fleet.has(a, isEnded) && fleet.has(a + 1, isEnded)), 30_000);
    await new Promise((r) => setTimeout(r, 500)); // the final stats events are in flight
  } finally {
    await Promise.all(workers.map((w) => w.quit()));
    lab.close();
    rmSync(dir, { recursive: true, force: true });
  }

  const lastReceived = (i: number): number => {
    const s = [...fleet.events[i]!].reverse().find((e) => e.event === 'media_stats');
    return Number(s?.received ?? 0);
  };
  const received = connectedCalls.flatMap((a) => [lastReceived(a), lastReceived(a + 1)]);
  // RTP received per second of each phone's connected call (G.711 at 20 ms: 50 when all arrive).
  const rate = (i: number): number | null => {
    const up = fleet.has(i, isConnected)?.at;
    const down = fleet.has(i, isEnded)?.at;
    return up === undefined || down === undefined || down <= up ? null : round(lastReceived(i) / ((down - up) / 1000), 1);
  };
  const rates = connectedCalls.flatMap((a) => [rate(a), rate(a + 1)]).filter((r): r is number => r !== null).sort((a, b) => a - b);
  const withMedia = connectedCalls.filter((a) => lastReceived(a) > 0 && lastReceived(a + 1) > 0).length;
  const registeredCount = fleet.events.filter((ev) => ev.some(isRegistered)).length;
  // One fault per phone that had any (a watchdog is followed by its reboot: one failure).
  const faults = fleet.events.flatMap((ev, i) => {
    const e = ev.find(isFault);
    return e === undefined ? [] : [`phone ${i}: ${e.event} ${String(e.message ?? e.reason ?? '')}`.trim()];
  });
  const failures = {
    not_registered: n - registeredCount,
    calls_not_connected: calls - connectedCalls.length,
    calls_without_media: connectedCalls.length - withMedia,
    faults: faults.slice(0, 20),
  };
  const failureCount = failures.not_registered + failures.calls_not_connected + failures.calls_without_media + faults.length;
  const workerFigures = windowUsage.map(({ before, after }) => ({
    phones: after.phones,
    rss_bytes: after.rss_bytes,
    vm_heap_bytes: after.vm_heap_bytes,
    cpu_percent: round(((after.cpu_us - before.cpu_us) / 1e6 / Math.max(windowS, 1e-3)) * 100, 2),
  }));
  const rssTotal = workerFigures.reduce((s, w) => s + w.rss_bytes, 0);
  const cpuTotal = workerFigures.reduce((s, w) => s + w.cpu_percent, 0);
  const measured = workerFigures.length > 0;
  const boot = [...fleet.bootMs].sort((a, b) => a - b);
  const sortedRx = [...received].sort((a, b) => a - b);

  const figures: Figure[] = [
    { field: 'phones_registered', label: `phones registered (of ${n})`, value: registeredCount, unit: 'phones', target: { op: '>=', value: n } },
    { field: 'phone_calls_connected', label: `calls connected with media (of ${calls})`, value: withMedia, unit: 'calls', target: { op: '>=', value: calls },
      note: 'answered, and both phones received RTP (G.711) in the call' },
    { field: 'phone_failures', label: 'phone failures', value: failureCount, unit: 'failures', target: { op: '<=', value: 0 },
      note: 'phones not registered + calls not connected + calls without RTP both ways + phones with a firmware fault (watchdog, error)' },
    { field: 'rss_per_phone_bytes', label: 'resident memory per phone', value: measured ? Math.round(rssTotal / n) : null, unit: 'bytes',
      ...(measured ? { note: `workers' RSS in the call window / phones (${processes} Node processes)` } : { note: 'no call window was measured' }) },
    { field: 'cpu_per_call_percent', label: 'CPU per call (% of a core)', value: measured && connectedCalls.length > 0 ? round(cpuTotal / connectedCalls.length, 3) : null, unit: '%',
      note: measured ? `workers' CPU over the ${round(windowS, 1)} s call window / calls (both phones of a call)` : 'no call window was measured' },
  ];
  const details: PhonesDetails = {
    phones: n,
    calls,
    processes,
    phones_per_process: workers.map((w) => w.phones.length),
    board: boardId,
    call_seconds: callSeconds,
    boot_ms: { median: boot[boot.length >> 1] ?? 0, max: boot[boot.length - 1] ?? 0 },
    all_registered_ms: allRegisteredMs,
    all_connected_ms: allConnectedMs,
    total_ms: Math.round(performance.now() - started),
    calls_with_media_both_ways: withMedia,
    rtp_received: sortedRx.length > 0 ? { min: sortedRx[0]!, median: sortedRx[sortedRx.length >> 1]! } : null,
    rtp_received_per_s: rates.length > 0 ? { min: rates[0]!, median: rates[rates.length >> 1]! } : null,
    workers: workerFigures,
    lab_cpu_percent: labCpu,
    failures,
  };
  log(`phones: ${registeredCount} registered, ${withMedia}/${calls} calls with media, ${failureCount} failures, ${(details.total_ms / 1000).toFixed(1)} s in all`);
  return { figures, details };
}

function round(v: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(v * f) / f;
}
