// A QuickJS sandbox for the bench: one runtime + context per parser, with a memory limit and stack
// limit, a host clock and a silent console. Code runs via evalCode; results come back as JSON
// strings so the host never holds VM handles across calls (quickjs-emscripten asserts on leaks).
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { getQuickJS } from 'quickjs-emscripten';
import type { QuickJSContext, QuickJSHandle, QuickJSRuntime } from 'quickjs-emscripten';

export interface VmSettings {
  /** QuickJS heap limit (JS_SetMemoryLimit). */
  memoryLimitBytes: number;
  /** QuickJS stack limit (JS_SetMaxStackSize). */
  maxStackBytes: number;
}

/** The same settings for every parser: a budget a desk phone's JS heap could afford. */
export const VM_SETTINGS: VmSettings = { memoryLimitBytes: 32 * 1024 * 1024, maxStackBytes: 512 * 1024 };

/** An exception thrown inside QuickJS (or a VM failure), with the VM's message and stack. */
export class VmError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'VmError';
  }
}

// Installed before any bundle: QuickJS has no console; the libraries only log through it.
const PRELUDE = `
(function () {
  var noop = function () {};
  globalThis.console = { log: noop, info: noop, warn: noop, error: noop, debug: noop, trace: noop };
})();
`;

function describeVmError(dumped: unknown): string {
  if (dumped && typeof dumped === 'object') {
    const e = dumped as { name?: unknown; message?: unknown; stack?: unknown };
    const head = `${typeof e.name === 'string' ? e.name : 'Error'}: ${String(e.message)}`;
    const stack = typeof e.stack === 'string' && e.stack.trim() ? '\n' + e.stack.trimEnd() : '';
    return head + stack;
  }
  return String(dumped);
}

export class QuickJsSession {
  private disposed = false;

  private constructor(
    readonly label: string,
    private readonly runtime: QuickJSRuntime,
    private readonly vm: QuickJSContext,
  ) {}

  /** Creates a fresh runtime and context, installs the prelude and evaluates `code` (a bundle). */
  static async open(label: string, code: string, settings: VmSettings = VM_SETTINGS): Promise<QuickJsSession> {
    const QuickJS = await getQuickJS();
    const runtime = QuickJS.newRuntime();
    runtime.setMemoryLimit(settings.memoryLimitBytes);
    runtime.setMaxStackSize(settings.maxStackBytes);
    const vm = runtime.newContext();
    const session = new QuickJsSession(label, runtime, vm);
    try {
      const now = vm.newFunction('__now', () => vm.newNumber(performance.now()));
      vm.setProp(vm.global, '__now', now);
      now.dispose();
      session.run(PRELUDE, 'prelude.js');
      session.run(code, `${label}.bundle.js`);
    } catch (err) {
      session.dispose();
      throw err;
    }
    return session;
  }

  /** Evaluates `code` and returns the result copied out of the VM (JSON-like values). */
  run(code: string, filename = 'eval.js'): unknown {
    if (this.disposed) throw new VmError(`${this.label}: session already disposed`);
    const result = this.vm.evalCode(code, filename);
    if (result.error) {
      const dumped = this.dumpAndDispose(result.error);
      throw new VmError(describeVmError(dumped));
    }
    return this.dumpAndDispose(result.value);
  }

  /** Evaluates `code`, which must produce a JSON string, and parses it. */
  runJson<T>(code: string): T {
    const text = this.run(code);
    if (typeof text !== 'string') throw new VmError(`${this.label}: expected a JSON string from ${code}`);
    return JSON.parse(text) as T;
  }

  /** Bytes the QuickJS heap holds right now (malloc'd by the runtime). */
  memoryUsedBytes(): number {
    const handle = this.runtime.computeMemoryUsage();
    const usage = this.dumpAndDispose(handle) as { memory_used_size?: number } | undefined;
    return usage?.memory_used_size ?? 0;
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.vm.dispose();
    this.runtime.dispose();
  }

  private dumpAndDispose(handle: QuickJSHandle): unknown {
    try {
      return this.vm.dump(handle);
    } finally {
      handle.dispose();
    }
  }
}

/** Describes the engine for reports. */
export function engineInfo(settings: VmSettings = VM_SETTINGS): Record<string, string | number> {
  let version = 'unknown';
  try {
    const require = createRequire(import.meta.url);
    const main = require.resolve('quickjs-emscripten');
    const pkg = JSON.parse(readFileSync(path.join(path.dirname(main), '..', 'package.json'), 'utf8')) as {
      version?: string;
    };
    version = pkg.version ?? version;
  } catch {
    // Version is informational only.
  }
  return {
    engine: 'QuickJS (bellard) via quickjs-emscripten, wasm RELEASE_SYNC variant',
    quickjs_emscripten_version: version,
    memory_limit_bytes: settings.memoryLimitBytes,
    max_stack_bytes: settings.maxStackBytes,
    host: `node ${process.version} ${process.platform}-${process.arch}`,
  };
}
