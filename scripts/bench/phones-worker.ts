// A child process of `quip bench --phones N` (scripts/bench/phones.ts) hosting several emulated
// phones in one Node process: each is an Emulator with its own QuickJS runtime, NodeNet sockets
// (any free SIP port, its own RTP ports) and in-memory settings. Driven over the IPC channel
// (scripts/bench/phones-protocol.ts); forwards only the events the bench waits for.
import { readFileSync } from 'node:fs';
import { loadBoardConfig, toBoardInfo } from '../../hal/board-config.ts';
import { applyBoardOverrides } from '../../hal/board-schema.ts';
import type { Key } from '../../hal/contract.ts';
import { MemoryStorage } from '../../hal/emulator/storage.ts';
import { Emulator } from '../../hal/emulator/emulator.ts';
import { FIRMWARE_GLOBAL } from '../../build/build-firmware.ts';
import { javascriptPayload, readImage } from '../../image/image.ts';
import { FORWARDED_EVENTS } from './phones-protocol.ts';
import type { FromWorker, PhoneSpec, ToWorker } from './phones-protocol.ts';

const phones = new Map<number, Emulator>();

function send(m: FromWorker): void {
  process.send?.(m);
}

async function boot(boardId: string, imageFile: string, specs: PhoneSpec[]): Promise<void> {
  const config = loadBoardConfig(boardId);
  const base = toBoardInfo(config);
  const code = javascriptPayload(readImage(readFileSync(imageFile), base.id));
  // One after another: booting is CPU work in this process anyway, and the lab sees a ramp.
  for (const spec of specs) {
    const board = { ...applyBoardOverrides(base, { account: spec.account, sipPort: 0 }), rtpPorts: { min: spec.rtpMin, max: spec.rtpMin + 3 } };
    const phone = new Emulator({
      board,
      stackLimitBytes: config.memory.stackKB * 1024,
      watchdogMs: config.watchdogMs,
      firmware: { code, globalName: FIRMWARE_GLOBAL },
      storage: new MemoryStorage(),
      net: { bindAddress: '127.0.0.1', advertisedAddress: '127.0.0.1' },
      audio: { input: spec.micWav, loop: true },
      onEvent: (event) => {
        if (FORWARDED_EVENTS.has(event.event)) send({ type: 'event', index: spec.index, event });
      },
    });
    phones.set(spec.index, phone);
    const t0 = performance.now();
    await phone.start();
    send({ type: 'booted', index: spec.index, ms: Math.round(performance.now() - t0) });
  }
}

function usage(): void {
  const cpu = process.cpuUsage();
  let heap = 0;
  for (const p of phones.values()) heap += p.memoryUsed();
  send({ type: 'usage', usage: { cpu_us: cpu.user + cpu.system, rss_bytes: process.memoryUsage.rss(), vm_heap_bytes: heap, phones: phones.size } });
}

async function quit(): Promise<void> {
  await Promise.all([...phones.values()].map((p) => p.shutdown()));
  process.exit(0);
}

process.on('message', (m: ToWorker) => {
  switch (m.type) {
    case 'boot':
      boot(m.board, m.imageFile, m.phones).catch((e: unknown) => send({ type: 'fatal', message: (e as Error)?.stack ?? String(e) }));
      break;
    case 'dial':
      phones.get(m.index)?.command({ dial: m.target });
      break;
    case 'key':
      phones.get(m.index)?.key(m.key as Key);
      break;
    case 'usage':
      usage();
      break;
    case 'quit':
      void quit();
      break;
  }
});
// The parent went away: no phone may outlive the bench.
process.on('disconnect', () => void quit());
