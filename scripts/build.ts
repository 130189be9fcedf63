// `quip build --board <name>`: bundles the firmware for one board and writes a firmware image.
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import type { KeyObject } from 'node:crypto';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Command } from './command.ts';
import { usageError } from './command.ts';
import { lastValue, readArgs } from './cli-args.ts';
import { BundleError } from '../build/bundle.ts';
import { buildFirmware } from '../build/build-firmware.ts';
import type { NativeCompiler } from '../build/build-firmware.ts';
import { engineVersion, hostBinary } from '../build/host-build.ts';
import { ImageError } from '../image/image.ts';
import { SigningKeyError, keyIdOf, loadPrivateKey, publicKeyOf, signImage } from '../image/signing.ts';
import { checkUpdateImage } from '../image/update-check.ts';
import { BoardConfigError, loadBoardConfig } from '../hal/board-config.ts';

const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

const help = `Usage: quip build --board <name|file> [--entry <file>] [--out <file>] [--sign <key.pem>] [--native] [--no-minify]

Bundles the firmware with esbuild for QuickJS (ES2020, no Node builtins allowed) and
writes a firmware image for one board: the magic "QUIPFW01", a u32 little-endian
manifest length, a JSON manifest (format, board, version, buildTime, size, sha256,
entry) and the bundle; with --sign, an Ed25519 signature trailer ("QUIPSIG1", key
id, signature over every byte before it). The image is read back and verified
before it is written.

The firmware version is the board config's firmware.version, else package.json's.

Options:
  --board <name|file>  board config: a name from board-configs/ (e.g. desk6, small2)
                       or a path to a board JSON file (required)
  --entry <file>       firmware entry module (default firmware/boot.ts in the repo)
  --out <file>         where to write the image (default dist/<board>.qfw in the repo)
  --sign <key.pem>     sign the image with this Ed25519 private key (quip keygen);
                       when the board config has update.publicKey, the key must match
  --native             store QuickJS bytecode for quip-host (the native board host) instead
                       of JavaScript, so a board does not compile the bundle at every boot;
                       compiled by dist/host/linux-x64/quip-host (quip build-host), valid for
                       its engine version only (the manifest says which); the emulator
                       refuses such images
  --no-minify          keep the bundle readable (default: minified)
  -h, --help           show this help

Prints the bundle and image sizes, the payload's SHA-256 and the output path.

Exit codes: 0 image written; 1 broken board config, bundling error (e.g. firmware
importing node:fs), unusable signing key or write error, as one line on stderr;
2 usage error.

Examples:
  quip build --board desk6
  quip build --board small2 --out /tmp/small2.qfw --no-minify
  quip build --board desk6 --sign keys/quip-signing.pem
`;

interface BuildArgs {
  board: string;
  entry?: string;
  out?: string;
  sign?: string;
  minify: boolean;
  native: boolean;
}

function parseArgs(args: string[]): BuildArgs | string {
  const read = readArgs(args, { values: ['board', 'entry', 'out', 'sign'], flags: ['no-minify', 'native'] });
  if (typeof read === 'string') return read;
  const board = lastValue(read, 'board');
  if (board === undefined) return '--board is required (e.g. --board desk6)';
  return { board, entry: lastValue(read, 'entry'), out: lastValue(read, 'out'), sign: lastValue(read, 'sign'), minify: !read.flags.has('no-minify'), native: read.flags.has('native') };
}

function size(bytes: number): string {
  return `${bytes} bytes (${(bytes / 1024).toFixed(1)} KiB)`;
}

function shown(file: string): string {
  const rel = path.relative(process.cwd(), file);
  return rel && !rel.startsWith('..') && !path.isAbsolute(rel) ? rel : file;
}

/** Writes via a temporary file so an interrupted build never leaves a half image behind. */
function writeAtomically(file: string, data: Uint8Array): void {
  mkdirSync(path.dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, data);
  renameSync(tmp, file);
}

/** quip-host of this machine compiles the bytecode (the engine is the same on every target). */
function nativeCompiler(): NativeCompiler {
  const binary = hostBinary('linux-x64');
  if (!existsSync(binary)) throw new BundleError(`--native needs quip-host: ${shown(binary)} is missing (run quip build-host --target linux-x64)`, []);
  return { command: [binary], engine: engineVersion() };
}

function readSigningKey(file: string): KeyObject {
  let pem: string;
  try {
    pem = readFileSync(file, 'utf8');
  } catch (err) {
    throw new SigningKeyError(`cannot read the signing key: ${(err as Error).message}`);
  }
  return loadPrivateKey(pem, shown(path.resolve(file)));
}

function publicKeyBase64(key: KeyObject): string {
  return Buffer.from(publicKeyOf(key)).toString('base64');
}

async function run(args: string[]): Promise<number> {
  const options = parseArgs(args);
  if (typeof options === 'string') return usageError('build', options);
  try {
    const board = loadBoardConfig(options.board);
    // The key first: a bad key should not cost a bundling run.
    const key = options.sign === undefined ? null : readSigningKey(options.sign);
    const boardKey = board.update?.publicKey;
    if (key && boardKey && publicKeyBase64(key) !== boardKey) {
      const boardKeyId = keyIdOf(new Uint8Array(Buffer.from(boardKey, 'base64')));
      throw new SigningKeyError(`${options.sign} is key ${keyIdOf(publicKeyOf(key))}, but ${board.id} only accepts images signed by key ${boardKeyId} (its update.publicKey)`);
    }
    const out = options.out ? path.resolve(options.out) : path.join(REPO_ROOT, 'dist', `${board.id}.qfw`);
    const build = await buildFirmware({
      board,
      minify: options.minify,
      ...(options.native ? { native: nativeCompiler() } : {}),
      ...(options.entry === undefined ? {} : { entry: path.resolve(options.entry) }),
    });
    const image = key ? signImage(build.image, key) : build.image;
    // The phone's own acceptance check with this key: an image it would refuse is never written.
    if (key) checkUpdateImage(image, { id: board.id, update: { publicKey: publicKeyBase64(key) } });
    writeAtomically(out, image);
    process.stdout.write(
      [
        `board    ${board.id} (${board.name}), firmware ${build.manifest.version}`,
        `bundle   ${size(build.bundleBytes)}`,
        ...(options.native ? [`native   QuickJS bytecode for ${build.manifest.engine}, ${size(build.manifest.size)}`] : []),
        `sha256   ${build.manifest.sha256}`, // the bundle's, as the manifest records it
        `image    ${size(image.byteLength)}`,
        ...(key ? [`signed   Ed25519, key ${keyIdOf(publicKeyOf(key))}`] : []),
        `wrote    ${shown(out)}`,
        '',
      ].join('\n'),
    );
    if (!key && board.update?.publicKey) {
      process.stderr.write(`warning: ${board.id} only accepts signed updates; this image is unsigned (use --sign <key.pem>)\n`);
    }
    return 0;
  } catch (err) {
    const known = err instanceof BoardConfigError || err instanceof BundleError || err instanceof ImageError || err instanceof SigningKeyError;
    const text = err instanceof Error ? err.message : String(err);
    const message = known ? text : `cannot build: ${text}`;
    // esbuild errors come one per line; one line keeps the output greppable.
    process.stderr.write(`error: ${message.replace(/\s*\n\s*/g, ' ')}\n`);
    return 1;
  }
}

export const buildCommand: Command = {
  name: 'build',
  summary: 'bundle the firmware for a board into a firmware image (.qfw)',
  help,
  run,
};
