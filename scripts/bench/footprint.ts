// The firmware's footprint per board, the part of `quip bench` that says what a phone costs:
// the minified bundle `quip build` puts in the image, boot → 'registered' on loopback against the
// lab server, and the QuickJS heap idle (registered) and during a call with media flowing.
// Phones run in this process (inprocess-phone.ts): a boot is timed from the emulator's creation,
// not from Node's start-up, and the heap is the one the emulator holds to the board's limit.
import { getQuickJS } from 'quickjs-emscripten';
import { heapUsedBytes } from '../../hal/emulator/runtime.ts';
import { FIRMWARE_GLOBAL, buildFirmware } from '../../build/build-firmware.ts';
import { listBoards, loadBoardConfig } from '../../hal/board-config.ts';
import type { BoardConfig } from '../../hal/board-config.ts';
import { javascriptPayload, readImage } from '../../image/image.ts';
import { startLabServer } from '../../server/lab-server.ts';
import type { LabServer } from '../../server/lab-server.ts';
import { defaultUsers } from '../../server/users.ts';
import type { Figure } from './figures.ts';
import { ratioOf } from './figures.ts';
import { InProcessPhone } from './inprocess-phone.ts';
import type { TimedEvent } from './inprocess-phone.ts';
import { median } from './measure.ts';

export interface FootprintOptions {
  /** Boards to measure (ids in board-configs/); default every board. */
  boards?: string[];
  /** Timed boots per board (after one untimed warm-up boot); default 5. */
  bootRuns?: number;
  /** Seconds of connected call with media over which the heap is sampled; default 3; 0 skips the call. */
  callSeconds?: number;
  /** Progress lines (stderr in the CLI). */
  progress?: (line: string) => void;
}

export interface BoardFootprint {
  board: string;
  bundle_bytes: number | null;
  image_bytes: number | null;
  heap_limit_bytes: number;
  /** Emulator created → 'registered', each timed run. */
  boot_samples_ms: number[];
  boot_to_registered_ms: number | null;
  /** Heap of each timed boot once registered and settled. */
  heap_idle_samples_bytes: number[];
  heap_idle_bytes: number | null;
  /** Heap of the caller and the callee, sampled through the call. */
  heap_call_samples_bytes: { alice: number[]; bob: number[] };
  heap_call_bytes: number | null;
  /** RTP datagrams each phone received during the call: the proof media flowed. */
  call_rtp_received: { alice: number; bob: number } | null;
  errors: string[];
}

export interface FootprintDetails {
  phones: 'in-process';
  /** memory_used_size of a fresh QuickJS runtime + context: what any firmware starts from. */
  empty_context_heap_bytes: number;
  boot_runs: number;
  call_seconds: number;
  boards: BoardFootprint[];
  notes: string[];
}

const BUNDLE_TARGET_BYTES = 150 * 1024; // desk6: fits its flash slot with room for updates
const HEAP_CALL_TARGET_BYTES = 1024 * 1024;
const BOOT_TARGET_MS = 150;
const WAIT_MS = 20_000;
/** Time for the registration's last timers and log lines to run before the idle heap is read. */
const SETTLE_MS = 300;
const HEAP_SAMPLE_MS = 100;

const NOTES = [
  'footprint: phones run in-process (the emulator on QuickJS/WebAssembly in the bench\'s Node process, lab server in the same process); boot is timed from the emulator\'s creation to the firmware\'s \'registered\' event, after the QuickJS module is loaded and one untimed warm-up boot.',
  'footprint heap: QuickJS memory_used_size (runtime.computeMemoryUsage), as the emulator measures it against the board\'s heap limit; idle = median of the timed boots once registered, call = the larger of caller and callee sampled every 100 ms of a connected G.711 call with tone microphones.',
];

/** Measures the footprint of every board (or `o.boards`) against one lab server in this process. */
export async function runFootprint(o: FootprintOptions = {}): Promise<{ figures: Figure[]; details: FootprintDetails }> {
  const boards = o.boards ?? listBoards();
  const bootRuns = Math.max(1, Math.round(o.bootRuns ?? 5));
  const callSeconds = Math.max(0, o.callSeconds ?? 3);
  const progress = o.progress ?? (() => {});
  const empty = emptyContextHeap(await getQuickJS()); // and the wasm module loads once per process, not per boot
  const lab = await startLabServer({ port: 0, users: defaultUsers(), log: () => {} });
  const results: BoardFootprint[] = [];
  try {
    for (const board of boards) {
      progress(`footprint: ${board}`);
      results.push(await measureBoard(lab, loadBoardConfig(board), bootRuns, callSeconds));
    }
  } finally {
    lab.close();
  }
  return {
    figures: results.flatMap((b) => figuresOf(b, empty)),
    details: { phones: 'in-process', empty_context_heap_bytes: empty, boot_runs: bootRuns, call_seconds: callSeconds, boards: results, notes: NOTES },
  };
}

async function measureBoard(lab: LabServer, config: BoardConfig, bootRuns: number, callSeconds: number): Promise<BoardFootprint> {
  const r: BoardFootprint = {
    board: config.id,
    bundle_bytes: null,
    image_bytes: null,
    heap_limit_bytes: config.memory.heapLimitMB * 1024 * 1024,
    boot_samples_ms: [],
    boot_to_registered_ms: null,
    heap_idle_samples_bytes: [],
    heap_idle_bytes: null,
    heap_call_samples_bytes: { alice: [], bob: [] },
    heap_call_bytes: null,
    call_rtp_received: null,
    errors: [],
  };
  let code: string;
  try {
    const built = await buildFirmware({ board: config }); // as `quip build`: minified, no Node builtins
    r.bundle_bytes = built.bundleBytes;
    r.image_bytes = built.imageBytes;
    code = javascriptPayload(readImage(built.image, config.id));
  } catch (e) {
    r.errors.push(`build: ${(e as Error).message}`);
    return r;
  }
  const phone = (user: string, toneHz: number[] = []): Promise<InProcessPhone> =>
    InProcessPhone.boot({ config, code, globalName: FIRMWARE_GLOBAL, account: `sip:${user}:secret@127.0.0.1:${lab.port}`, toneHz });
  try {
    for (let i = 0; i <= bootRuns; i++) {
      const p = await phone('alice');
      try {
        const registered = await p.waitFor(`${config.id} 'registered'`, isRegistered, WAIT_MS);
        await sleep(SETTLE_MS);
        if (i === 0) continue; // warm-up: Node compiles the emulator's host code on the first boot
        r.boot_samples_ms.push(round1(registered.at - p.createdAt));
        r.heap_idle_samples_bytes.push(p.heapBytes());
      } finally {
        await p.close();
      }
    }
    r.boot_to_registered_ms = round1(median(r.boot_samples_ms));
    r.heap_idle_bytes = Math.round(median(r.heap_idle_samples_bytes));
  } catch (e) {
    r.errors.push(`boot: ${(e as Error).message}`);
  }
  if (callSeconds > 0) {
    try {
      await measureCall(r, await phone('alice', [400, 1000]), await phone('bob', [600, 1400]), callSeconds);
    } catch (e) {
      r.errors.push(`call: ${(e as Error).message}`);
    }
  }
  return r;
}

/** alice calls bob (2002) through the lab; bob answers; the heap of both is sampled while media flows. */
async function measureCall(r: BoardFootprint, alice: InProcessPhone, bob: InProcessPhone, seconds: number): Promise<void> {
  try {
    await Promise.all([alice, bob].map((p) => p.waitFor(`${r.board} 'registered'`, isRegistered, WAIT_MS)));
    alice.dial('2002');
    await bob.waitFor(`${r.board} bob 'incoming'`, (e) => e.event === 'incoming', WAIT_MS);
    bob.key('send');
    await Promise.all([alice, bob].map((p) => p.waitFor(`${r.board} connected`, isConnected, WAIT_MS)));
    const rtp0 = [alice.rtpReceived, bob.rtpReceived];
    const end = performance.now() + seconds * 1000;
    while (performance.now() < end) {
      await sleep(HEAP_SAMPLE_MS);
      r.heap_call_samples_bytes.alice.push(alice.heapBytes());
      r.heap_call_samples_bytes.bob.push(bob.heapBytes());
    }
    const received = { alice: alice.rtpReceived - rtp0[0]!, bob: bob.rtpReceived - rtp0[1]! };
    r.call_rtp_received = received;
    // A call without media is not the call the figure is about.
    if (received.alice === 0 || received.bob === 0) throw new Error(`no RTP received in the call (alice ${received.alice}, bob ${received.bob})`);
    r.heap_call_bytes = Math.max(...r.heap_call_samples_bytes.alice, ...r.heap_call_samples_bytes.bob);
    alice.key('end');
    await alice.waitFor(`${r.board} call ended`, (e) => e.event === 'call_state' && e.state === 'ended', WAIT_MS);
  } finally {
    await Promise.all([alice.close(), bob.close()]);
  }
}

/** The four figures of one board; a figure that could not be measured is null with the reason. */
function figuresOf(b: BoardFootprint, emptyHeap: number): Figure[] {
  const why = (part: string): { note: string } | Record<string, never> => {
    const e = b.errors.find((m) => m.startsWith(`${part}:`)) ?? b.errors.find((m) => m.startsWith('build:'));
    return e === undefined ? {} : { note: e };
  };
  const prefix = `footprint_${b.board}`;
  return [
    {
      field: `${prefix}_bundle_bytes`,
      label: `${b.board}: firmware bundle, minified`,
      value: b.bundle_bytes,
      unit: 'bytes',
      target: b.board === 'desk6' ? { op: '<=', value: BUNDLE_TARGET_BYTES } : null,
      ...why('build'),
    },
    {
      field: `${prefix}_heap_idle_bytes`,
      label: `${b.board}: QuickJS heap, registered and idle`,
      value: b.heap_idle_bytes,
      unit: 'bytes',
      peer: { name: 'empty QuickJS context', value: emptyHeap },
      ratio: ratioOf(b.heap_idle_bytes, emptyHeap),
      ...why('boot'),
    },
    {
      field: `${prefix}_heap_call_bytes`,
      label: `${b.board}: QuickJS heap, in a call with media`,
      value: b.heap_call_bytes,
      unit: 'bytes',
      peer: { name: 'idle', value: b.heap_idle_bytes },
      ratio: ratioOf(b.heap_call_bytes, b.heap_idle_bytes),
      target: { op: '<=', value: HEAP_CALL_TARGET_BYTES },
      ...(b.heap_call_bytes === null && !b.errors.some((m) => m.startsWith('call:') || m.startsWith('build:')) ? { note: 'call skipped (call seconds 0)' } : why('call')),
    },
    {
      field: `${prefix}_boot_to_registered_ms`,
      label: `${b.board}: boot → registered, loopback, in-process`,
      value: b.boot_to_registered_ms,
      unit: 'ms',
      target: { op: '<=', value: BOOT_TARGET_MS },
      ...why('boot'),
    },
  ];
}

/** The heap a runtime and context hold before any code runs (intrinsics, atoms, shapes). */
function emptyContextHeap(quickjs: Awaited<ReturnType<typeof getQuickJS>>): number {
  const runtime = quickjs.newRuntime();
  const vm = runtime.newContext();
  try {
    return heapUsedBytes(runtime, vm);
  } finally {
    vm.dispose();
    runtime.dispose();
  }
}

function isRegistered(e: TimedEvent): boolean {
  return e.event === 'registered';
}

function isConnected(e: TimedEvent): boolean {
  return e.event === 'call_state' && e.state === 'connected';
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

function round1(n: number): number {
  return Math.round(n * 10) / 10;
}
