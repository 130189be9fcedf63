// One QuickJS runtime holding the fuzz bundle, with the phone's limits: a heap limit (set in
// the engine and also measured, as the emulator does), a stack limit, and an interrupt-handler
// watchdog per call. A call that faults leaves the sandbox unusable; the caller opens another.

import { newQuickJSWASMModule } from 'quickjs-emscripten';
import type { QuickJSContext, QuickJSHandle, QuickJSRuntime } from 'quickjs-emscripten';
import type { FuzzKind } from './kinds.ts';
import { heapUsedBytes } from '../../hal/emulator/runtime.ts';
import { VM_GLOBAL } from './protocol.ts';
import type { BatchResult } from './protocol.ts';

export interface SandboxLimits {
  heapBytes: number;
  /**
   * QuickJS stack limit. The desk6 board has 512 KiB, but under quickjs-emscripten every JS frame
   * also costs native V8 stack, and Node's default stack overflows first at 512 KiB (the host
   * then dies with a RangeError instead of QuickJS throwing "stack overflow").
   */
  stackBytes: number;
  /** Longest one call into the VM may run. */
  watchdogMs: number;
}

/** The desk6 board's budget (board-configs/desk6.json), stack as explained above. */
export const DEFAULT_LIMITS: SandboxLimits = { heapBytes: 16 * 1024 * 1024, stackBytes: 384 * 1024, watchdogMs: 1000 };

/** How often a running call measures the heap. */
const MEMORY_CHECK_MS = 25;

export type Fault = 'watchdog' | 'out-of-memory' | 'vm-error';

export type CallResult =
  | { ok: true; result: BatchResult; ms: number }
  | { ok: false; fault: Fault; message: string; ms: number };

export class FuzzSandbox {
  private deadline = Infinity;
  private lastMemoryCheck = 0;
  private stopReason: Fault | null = null;
  private disposed = false;

  private constructor(
    private readonly runtime: QuickJSRuntime,
    private readonly vm: QuickJSContext,
    private readonly runFn: QuickJSHandle,
    readonly limits: SandboxLimits,
  ) {}

  /** A fresh WebAssembly module each time: a host-side overflow must not poison later sandboxes. */
  static async open(code: string, limits: SandboxLimits): Promise<FuzzSandbox> {
    const module = await newQuickJSWASMModule();
    const runtime = module.newRuntime();
    runtime.setMemoryLimit(limits.heapBytes);
    runtime.setMaxStackSize(limits.stackBytes);
    const vm = runtime.newContext();
    const loaded = vm.evalCode(code, 'fuzz.bundle.js');
    if (loaded.error) {
      const message = describe(vm.dump(loaded.error));
      loaded.error.dispose();
      vm.dispose();
      runtime.dispose();
      throw new Error(`fuzz bundle failed to load: ${message}`);
    }
    loaded.value.dispose();
    const exportsH = vm.getProp(vm.global, VM_GLOBAL);
    const runFn = vm.getProp(exportsH, 'run');
    exportsH.dispose();
    const box = new FuzzSandbox(runtime, vm, runFn, limits);
    runtime.setInterruptHandler(() => box.shouldStop());
    return box;
  }

  /** Runs one batch under the watchdog. */
  runBatch(kind: FuzzKind, inputs: readonly string[]): CallResult {
    if (this.disposed) throw new Error('sandbox already disposed');
    const vm = this.vm;
    const data = packInputs(inputs);
    const args = [vm.newString(kind), vm.newArrayBuffer(data), vm.newString(JSON.stringify(inputs.map((s) => s.length)))];
    const started = performance.now();
    this.stopReason = null;
    this.lastMemoryCheck = Date.now();
    this.deadline = Date.now() + this.limits.watchdogMs;
    try {
      const r = vm.callFunction(this.runFn, vm.undefined, ...args);
      const ms = performance.now() - started;
      if (r.error) {
        const message = describe(vm.dump(r.error));
        r.error.dispose();
        const fault = this.stopReason ?? (/out of memory/i.test(message) ? 'out-of-memory' : 'vm-error');
        return { ok: false, fault, message, ms };
      }
      const json = vm.getString(r.value);
      r.value.dispose();
      return { ok: true, result: JSON.parse(json) as BatchResult, ms };
    } catch (e) {
      // The host itself failed (e.g. V8's stack overflowed under deep QuickJS recursion).
      return { ok: false, fault: 'vm-error', message: `host: ${(e as Error).message}`, ms: performance.now() - started };
    } finally {
      this.deadline = Infinity;
      for (const h of args) h.dispose();
    }
  }

  /** Bytes the QuickJS heap holds now. */
  heapUsed(): number {
    return heapUsedBytes(this.runtime, this.vm);
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    try {
      this.runFn.dispose();
      this.vm.dispose();
      this.runtime.dispose();
    } catch {
      // A runtime left broken by a fault may refuse to free; the module is dropped anyway.
    }
  }

  private shouldStop(): boolean {
    const now = Date.now();
    if (now > this.deadline) {
      this.stopReason = 'watchdog';
      return true;
    }
    if (now - this.lastMemoryCheck >= MEMORY_CHECK_MS) {
      this.lastMemoryCheck = now;
      let over: boolean;
      try {
        over = this.heapUsed() > this.limits.heapBytes;
      } catch {
        over = true; // measuring failed: the heap is exhausted
      }
      if (over) {
        this.stopReason = 'out-of-memory';
        return true;
      }
    }
    return false;
  }
}

/** All inputs back to back in one ArrayBuffer (byte strings: one char per octet). */
function packInputs(inputs: readonly string[]): ArrayBuffer {
  let total = 0;
  for (const s of inputs) total += s.length;
  const bytes = new Uint8Array(total);
  let o = 0;
  for (const s of inputs) {
    bytes.set(Buffer.from(s, 'latin1'), o);
    o += s.length;
  }
  return bytes.buffer;
}

function describe(dumped: unknown): string {
  if (dumped && typeof dumped === 'object') {
    const e = dumped as { name?: unknown; message?: unknown };
    return `${typeof e.name === 'string' ? e.name : 'Error'}: ${String(e.message)}`;
  }
  return String(dumped);
}
