// Builds a firmware image for one board: bundle the firmware entry for QuickJS (no Node builtins),
// then wrap the bundle in an image (build/image.ts) stamped with the board and version.
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { firmwareVersion } from '../hal/board-config.ts';
import type { BoardConfig } from '../hal/board-config.ts';
import { BundleError, bundle } from './bundle.ts';
import { createImage, readImage } from './image.ts';
import type { ImageManifest } from './image.ts';

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
  const { code, bytes } = await bundle({
    entry,
    globalName: FIRMWARE_GLOBAL,
    minify: options.minify ?? true,
    forbidNodeBuiltins: true,
    target: TARGET,
  });
  const image = createImage({
    board: options.board.id,
    version: firmwareVersion(options.board),
    payload: new TextEncoder().encode(code),
    entry: FIRMWARE_GLOBAL,
    ...(options.buildTime === undefined ? {} : { buildTime: options.buildTime }),
  });
  // Read it back as a boot loader would, so a build never hands out an image it would refuse.
  const { manifest } = readImage(image, options.board.id);
  return { image, manifest, bundleBytes: bytes, imageBytes: image.byteLength };
}
