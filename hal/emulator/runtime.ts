// Runs a firmware bundle inside QuickJS (quickjs-emscripten) with the board's memory limit
// and an interrupt-handler watchdog. The heap limit is enforced here, by measuring: the
// WebAssembly build of QuickJS cannot see allocation sizes (no malloc_usable_size), so its
// own JS_SetMemoryLimit never fires. One FirmwareVm is one boot: a fatal fault (a handler
// that runs past the watchdog, memory exhausted, a broken bundle) ends it, and the host
// boots a fresh one.

import { getQuickJS } from 'quickjs-emscripten';
import type { QuickJSContext, QuickJSHandle, QuickJSRuntime } from 'quickjs-emscripten';
import type { Hal, HalEvent } from '../contract.ts';
import { binaryArgument, callHost, encodeEvent } from './vm-bridge.ts';
import type { Primitive } from './vm-bridge.ts';

export interface VmOptions {
  /** The bundle's JavaScript text (an IIFE that assigns its exports to `globalName`). */
  code: string;
  globalName: string;
  heapLimitBytes: number;
  stackLimitBytes: number;
  /** Longest time one call into the firmware may run before the watchdog stops it. */
  watchdogMs: number;
  hal: Hal;
}

/** How often the heap is measured between calls, and during a long call. */
const MEMORY_CHECK_MS = 100;
const MEMORY_CHECK_IN_CALL_MS = 20;

export type FaultKind = 'watchdog' | 'out-of-memory' | 'exception';

export class FirmwareFault extends Error {
  constructor(
    readonly kind: FaultKind,
    message: string,
    readonly during: string,
  ) {
    super(message);
    this.name = 'FirmwareFault';
  }
}

export class FirmwareVm {
  private runtime: QuickJSRuntime;
  private vm: QuickJSContext;
  private eventFn: QuickJSHandle | null = null;
  private deadline = Infinity;
  private disposed = false;
  private hostError: unknown = null;
  private lastMemoryCheck = 0;
  private overLimit = false;

  private constructor(
    runtime: QuickJSRuntime,
    private readonly options: VmOptions,
  ) {
    this.runtime = runtime;
    this.vm = runtime.newContext();
  }

  /** Creates the VM, evaluates the bundle and calls its start(). Throws FirmwareFault. */
  static async boot(options: VmOptions): Promise<FirmwareVm> {
    const QuickJS = await getQuickJS();
    const runtime = QuickJS.newRuntime();
    runtime.setMemoryLimit(options.heapLimitBytes);
    runtime.setMaxStackSize(options.stackLimitBytes);
    const fw = new FirmwareVm(runtime, options);
    runtime.setInterruptHandler(() => {
      const now = Date.now();
      if (now > fw.deadline) return true;
      // While a call runs, measure the heap now and then; stop a runaway allocation early.
      if (now - fw.lastMemoryCheck >= MEMORY_CHECK_IN_CALL_MS) fw.checkMemory(now);
      return fw.overLimit;
    });
    try {
      fw.install();
      fw.guarded('load', () => fw.vm.evalCode(options.code, 'firmware.js'));
      const exportsH = fw.vm.getProp(fw.vm.global, options.globalName);
      const startFn = fw.vm.getProp(exportsH, 'start');
      fw.eventFn = fw.vm.getProp(exportsH, 'event');
      exportsH.dispose();
      if (fw.vm.typeof(startFn) !== 'function' || fw.vm.typeof(fw.eventFn) !== 'function') {
        startFn.dispose();
        throw new FirmwareFault('exception', `bundle does not export start() and event() on ${options.globalName}`, 'load');
      }
      try {
        fw.guarded('start', () => fw.vm.callFunction(startFn, fw.vm.undefined));
      } finally {
        startFn.dispose();
      }
      return fw;
    } catch (e) {
      fw.dispose();
      throw e;
    }
  }

  /** Delivers one event. Throws FirmwareFault when the firmware faults; the VM is then dead. */
  dispatch(ev: HalEvent): void {
    if (this.disposed || this.eventFn === null) return;
    const args = encodeEvent(ev).map((v) => this.toHandle(v));
    try {
      this.guarded(ev.type, () => this.vm.callFunction(this.eventFn!, this.vm.undefined, ...args));
    } finally {
      for (const h of args) h.dispose();
    }
  }

  /** Bytes the firmware's heap uses now (objects, strings, arrays, shapes, atoms). */
  memoryUsed(): number {
    return this.disposed ? 0 : heapUsedBytes(this.runtime, this.vm);
  }

  private checkMemory(now: number): void {
    this.lastMemoryCheck = now;
    try {
      if (this.memoryUsed() > this.options.heapLimitBytes) this.overLimit = true;
    } catch {
      // measuring failed (the runtime itself is out of memory): treat as over the limit
      this.overLimit = true;
    }
  }

  get alive(): boolean {
    return !this.disposed;
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.eventFn?.dispose();
    this.eventFn = null;
    this.vm.dispose();
    this.runtime.dispose();
  }

  private install(): void {
    const vm = this.vm;
    const fn = vm.newFunction('__hal', (opH, ...argHs) => {
      const op = vm.getString(opH);
      const bin = binaryArgument(op);
      const args = argHs.map((h, i) => (i === bin ? this.bytesOf(h) : (vm.dump(h) as Primitive)));
      let r: Primitive;
      try {
        r = callHost(this.options.hal, op, args);
      } catch (e) {
        // A host bug must not look like a firmware fault; remember it and stop the call.
        this.hostError = e;
        return { error: vm.newError(`host: ${(e as Error).message}`) };
      }
      return this.toHandle(r);
    });
    vm.setProp(vm.global, '__hal', fn);
    fn.dispose();
  }

  /** Octets from an ArrayBuffer argument (a string is taken as a byte string for robustness). */
  private bytesOf(h: QuickJSHandle): Primitive {
    if (this.vm.typeof(h) === 'string') return this.vm.getString(h);
    try {
      const lifetime = this.vm.getArrayBuffer(h);
      const copy = lifetime.value.slice(); // out of the VM's memory before the lifetime ends
      lifetime.dispose();
      return copy;
    } catch {
      return '';
    }
  }

  private toHandle(v: Primitive): QuickJSHandle {
    const vm = this.vm;
    if (v instanceof Uint8Array) {
      // newArrayBuffer copies into the VM; a view of the whole buffer needs no copy of its own first
      const whole = v.byteOffset === 0 && v.byteLength === v.buffer.byteLength;
      return vm.newArrayBuffer(whole ? (v.buffer as ArrayBuffer) : v.buffer.slice(v.byteOffset, v.byteOffset + v.byteLength));
    }
    if (typeof v === 'string') return vm.newString(v);
    if (typeof v === 'number') return vm.newNumber(v);
    if (v === true) return vm.true;
    if (v === false) return vm.false;
    if (v === null) return vm.null;
    return vm.undefined;
  }

  /** Runs a call into the VM under the watchdog, then drains promise jobs. */
  private guarded(during: string, call: () => { error?: QuickJSHandle; value?: QuickJSHandle }): void {
    this.deadline = Date.now() + this.options.watchdogMs;
    try {
      const r = call();
      if (r.error !== undefined) throw this.fault(r.error, during);
      r.value?.dispose();
      if (this.runtime.hasPendingJob()) {
        const jobs = this.runtime.executePendingJobs();
        if (jobs.error !== undefined) throw this.fault(jobs.error, during);
      }
      const now = Date.now();
      if (now - this.lastMemoryCheck >= MEMORY_CHECK_MS) this.checkMemory(now);
      if (this.overLimit) throw this.outOfMemory(during);
    } finally {
      this.deadline = Infinity;
    }
  }

  private fault(errorH: QuickJSHandle, during: string): FirmwareFault {
    let message: string;
    try {
      const e = this.vm.dump(errorH) as { name?: string; message?: string } | string;
      message = typeof e === 'string' ? e : `${e.name ?? 'Error'}: ${e.message ?? ''}`;
    } catch {
      message = 'unknown error';
    } finally {
      errorH.dispose();
    }
    if (this.hostError !== null) {
      const e = this.hostError;
      this.hostError = null;
      throw e;
    }
    if (this.overLimit || /out of memory/i.test(message)) return this.outOfMemory(during);
    if (/interrupted/i.test(message)) {
      return new FirmwareFault('watchdog', `firmware ran longer than ${this.options.watchdogMs} ms handling '${during}'`, during);
    }
    return new FirmwareFault('exception', message, during);
  }

  private outOfMemory(during: string): FirmwareFault {
    this.overLimit = true;
    return new FirmwareFault('out-of-memory', `firmware exceeded its ${this.options.heapLimitBytes} byte heap handling '${during}'`, during);
  }
}

/**
 * Bytes a QuickJS runtime's heap holds now. The WebAssembly build cannot report allocation
 * sizes as they happen, so hosts (the emulator, the fuzz sandbox) poll this.
 */
export function heapUsedBytes(runtime: QuickJSRuntime, vm: QuickJSContext): number {
  const h = runtime.computeMemoryUsage(); // lives in the runtime's service context
  try {
    const used = vm.getProp(h, 'memory_used_size');
    const n = vm.getNumber(used);
    used.dispose();
    return n;
  } finally {
    h.dispose();
  }
}
