// Bundles a TypeScript/JavaScript entry with esbuild into one script that QuickJS can evaluate.
//
// The output is an IIFE that assigns the entry's exports to one global (`globalName`), so a host
// evaluates it with plain `evalCode(code)` and then reaches the exports as `globalThis[globalName]`.
// Used by `quip bench` (parsers in QuickJS) and meant for `quip build` (firmware images).
import { builtinModules } from 'node:module';
import path from 'node:path';
import * as esbuild from 'esbuild';

export interface BundleOptions {
  /** Path of the entry module (.ts or .js). Relative paths resolve against the current directory. */
  entry: string;
  /** Global variable that receives the entry's exports (a valid JS identifier). */
  globalName: string;
  /** Minify whitespace, identifiers and syntax. Default false. */
  minify?: boolean;
  /**
   * Fail the build when anything in the module graph imports a Node builtin (`node:*`, `fs`, `net`,
   * ...). Set it for firmware code: QuickJS on the phone has no Node APIs. Default false.
   */
  forbidNodeBuiltins?: boolean;
  /** Compile-time substitutions, as esbuild `define` (values are JS expressions, e.g. '"production"'). */
  define?: Record<string, string>;
  /** Module substitutions, as esbuild `alias` (e.g. stub a dependency: { debug: '/abs/stub.ts' }). */
  alias?: Record<string, string>;
  /** Files whose exports replace free globals, as esbuild `inject` (shims for missing globals). */
  inject?: string[];
  /** Property names esbuild may shorten (esbuild `mangleProps`); see build/mangle-plan.ts. */
  mangleProps?: RegExp;
  /** esbuild target. Default 'es2020'. */
  target?: string;
}

export interface BundleResult {
  /** The script text. */
  code: string;
  /** Size of `code` in bytes (UTF-8). */
  bytes: number;
}

/** Thrown when esbuild reports errors; `message` lists every error with its file and line. */
export class BundleError extends Error {
  constructor(
    message: string,
    readonly errors: esbuild.Message[],
  ) {
    super(message);
    this.name = 'BundleError';
  }
}

const IDENTIFIER = /^[A-Za-z_$][A-Za-z0-9_$]*$/;
const builtins = new Set(builtinModules.map((m) => m.replace(/^node:/, '')));

/** True when an import specifier names a Node builtin module (or a subpath of one, e.g. fs/promises). */
export function isNodeBuiltin(specifier: string): boolean {
  if (specifier.startsWith('node:')) return true;
  return builtins.has(specifier) || builtins.has(specifier.split('/')[0]!);
}

function forbidNodeBuiltinsPlugin(): esbuild.Plugin {
  return {
    name: 'quip-forbid-node-builtins',
    setup(build) {
      // Bare specifiers only: relative and absolute paths are never builtins.
      build.onResolve({ filter: /^[^./]/ }, (args) => {
        if (!isNodeBuiltin(args.path)) return undefined;
        // esbuild adds the importing file and line to the message.
        return {
          errors: [
            {
              text: `Node builtin '${args.path}' is not allowed: firmware code runs in QuickJS, which has no Node APIs`,
            },
          ],
        };
      });
    },
  };
}

function formatMessage(m: esbuild.Message): string {
  const where = m.location ? `${m.location.file}:${m.location.line}:${m.location.column + 1}: ` : '';
  return `${where}${m.text}`;
}

/** Bundles `entry` for QuickJS. Rejects with a BundleError listing every problem. */
export async function bundle(options: BundleOptions): Promise<BundleResult> {
  if (!IDENTIFIER.test(options.globalName)) {
    throw new BundleError(`globalName '${options.globalName}' is not a JS identifier`, []);
  }
  const entry = path.resolve(options.entry);
  let result: esbuild.BuildResult<{ write: false }>;
  try {
    result = await esbuild.build({
      entryPoints: [entry],
      bundle: true,
      write: false,
      format: 'iife',
      globalName: options.globalName,
      platform: 'neutral',
      // platform 'neutral' has no main fields by default; packages that only have "main" need it.
      mainFields: ['module', 'main'],
      target: options.target ?? 'es2020',
      minify: options.minify ?? false,
      charset: 'ascii',
      legalComments: 'none',
      logLevel: 'silent',
      define: options.define ?? {},
      alias: options.alias ?? {},
      inject: options.inject ?? [],
      ...(options.mangleProps === undefined ? {} : { mangleProps: options.mangleProps }),
      plugins: options.forbidNodeBuiltins ? [forbidNodeBuiltinsPlugin()] : [],
    });
  } catch (err) {
    const failure = err as Partial<esbuild.BuildFailure>;
    if (Array.isArray(failure.errors)) {
      const lines = failure.errors.map((m) => '  ' + formatMessage(m));
      throw new BundleError(
        `bundling ${path.relative(process.cwd(), entry)} failed:\n${lines.join('\n')}`,
        failure.errors,
      );
    }
    throw err;
  }
  const file = result.outputFiles[0];
  if (!file) throw new BundleError(`bundling ${entry} produced no output`, []);
  const code = file.text;
  return { code, bytes: Buffer.byteLength(code, 'utf8') };
}
