// Builds a firmware image for one board: bundle the firmware entry for QuickJS (no Node builtins),
// then wrap the bundle in an image (image/image.ts) stamped with the board and version.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { firmwareVersion } from '../hal/board-config.ts';
import type { BoardConfig } from '../hal/board-config.ts';
import { BundleError, bundle } from './bundle.ts';
import { firmwareManglePlan } from './mangle-plan.ts';
import { createImage, readImage } from '../image/image.ts';
import type { ImageManifest } from '../image/image.ts';

const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/** The global the bundle assigns the entry's exports to; the host finds the firmware there. */
export const FIRMWARE_GLOBAL = 'quipFirmware';
export const DEFAULT_ENTRY = path.join(REPO_ROOT, 'firmware', 'boot.ts');
/** QuickJS supports ES2020 fully; later syntax is lowered by esbuild. */
const TARGET = 'es2020';

export interface BuildFirmwareOptions {
  board: BoardConfig;
  /** Entry module; relative paths resolve against the repo root. Default firmware/boot.ts. */
  entry?: string;
  /** Default true. */
  minify?: boolean;
  /** ISO 8601 build time for the manifest; default now. */
  buildTime?: string;
  /** Store QuickJS bytecode compiled by quip-host (its engine version only) instead of JavaScript. */
  native?: NativeCompiler;
}

/** quip-host's `--compile`: the binary to run and the engine version its bytecode is for. */
export interface NativeCompiler {
  command: string[];
  engine: string;
}

export interface FirmwareBuild {
  image: Uint8Array;
  manifest: ImageManifest;
  bundleBytes: number;
  imageBytes: number;
}

/** Bundles the firmware and packs it into an image; rejects with a BundleError when bundling fails. */
export async function buildFirmware(options: BuildFirmwareOptions): Promise<FirmwareBuild> {
  const entry = options.entry === undefined ? DEFAULT_ENTRY : path.resolve(REPO_ROOT, options.entry);
  if (!existsSync(entry)) throw new BundleError(`firmware entry ${path.relative(process.cwd(), entry) || entry} does not exist`, []);
  const { code, bytes } = await bundleFirmware(entry, options.minify ?? true);
  const source = new TextEncoder().encode(code);
  const image = createImage({
    board: options.board.id,
    version: firmwareVersion(options.board),
    payload: options.native === undefined ? source : compileNative(source, options.native),
    entry: FIRMWARE_GLOBAL,
    ...(options.buildTime === undefined ? {} : { buildTime: options.buildTime }),
    ...(options.native === undefined ? {} : { bytecodeEngine: options.native.engine }),
  });
  // Read it back as a boot loader would, so a build never hands out an image it would refuse.
  const { manifest } = readImage(image, options.board.id);
  return { image, manifest, bundleBytes: bytes, imageBytes: image.byteLength };
}

/**
 * The firmware bundle as an image carries it: no Node builtins, and when minified, member names
 * shortened where build/mangle-plan.ts proves no one outside the bundle sees them.
 */
export async function bundleFirmware(entry = DEFAULT_ENTRY, minify = true): Promise<{ code: string; bytes: number }> {
  return bundle({
    entry,
    globalName: FIRMWARE_GLOBAL,
    minify,
    forbidNodeBuiltins: true,
    target: TARGET,
    ...(minify ? { mangleProps: firmwareManglePlan().pattern } : {}),
  });
}

/** The bundle as bytecode, compiled by quip-host itself so it matches the engine that runs it. */
function compileNative(source: Uint8Array, compiler: NativeCompiler): Uint8Array {
  const dir = mkdtempSync(path.join(tmpdir(), 'quip-native-'));
  try {
    const input = path.join(dir, 'firmware.js');
    const output = path.join(dir, 'firmware.qbc');
    writeFileSync(input, source);
    const [cmd, ...args] = compiler.command;
    const r = spawnSync(cmd!, [...args, '--compile', input, output], { encoding: 'utf8' });
    if (r.status !== 0) throw new BundleError(`quip-host could not compile the bundle: ${(r.stderr || String(r.error ?? '')).trim()}`, []);
    return new Uint8Array(readFileSync(output));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
