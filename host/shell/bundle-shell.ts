// Bundles the host shell (shell.ts) for the C host's QuickJS: one minified IIFE script that
// defines the global `quipShell`, with no Node APIs in it (platform neutral, Node builtins
// refused), ES2020 like the firmware. package.json's version is baked in as
// QUIP_PACKAGE_VERSION (esbuild define): the firmware version of boards that pin none.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { bundle } from '../../build/bundle.ts';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const REPO_ROOT = path.resolve(HERE, '..', '..');

/** The global the bundle assigns shell.ts's exports to. */
export const SHELL_GLOBAL = 'quipShell';
export const SHELL_ENTRY = path.join(HERE, 'shell.ts');

export interface BundleShellOptions {
  /** Default true. */
  minify?: boolean;
  /** Default: package.json's version. */
  version?: string;
}

/** The shell bundle's JavaScript text (ASCII only); rejects with a BundleError when bundling fails. */
export async function bundleShell(options: BundleShellOptions = {}): Promise<string> {
  const version = options.version ?? (JSON.parse(readFileSync(path.join(REPO_ROOT, 'package.json'), 'utf8')) as { version: string }).version;
  const { code } = await bundle({
    entry: SHELL_ENTRY,
    globalName: SHELL_GLOBAL,
    minify: options.minify ?? true,
    forbidNodeBuiltins: true,
    target: 'es2020',
    define: { QUIP_PACKAGE_VERSION: JSON.stringify(version) },
  });
  return code;
}
