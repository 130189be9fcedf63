// `quip flash --board <name> --image <img> --to <flash-file | http://… | udp://…>`: installs a
// firmware image on an emulated board's flash the way a device updater does (hal/flash/install.ts):
// into the slot that is not the newest good one, verified by read-back, then made the trial
// slot — or uploads it to a running phone's update endpoint, which does the same and reboots.
import { existsSync, readFileSync, unlinkSync } from 'node:fs';
import type { Command } from './command.ts';
import { usageError } from './command.ts';
import { lastValue, readArgs } from './cli-args.ts';
import { progressPrinter } from './progress.ts';
import { ImageError } from '../image/image.ts';
import { checkUpdateImage } from '../image/update-check.ts';
import { UploadError, uploadFirmware } from './flash-net.ts';
import { BoardConfigError, loadBoardConfig } from '../hal/board-config.ts';
import type { BoardConfig } from '../hal/board-config.ts';
import { FileFlash, FlashError } from '../hal/flash/device.ts';
import { installImage } from '../hal/flash/install.ts';
import { SLOT_NAMES, flashLayout } from '../hal/flash/layout.ts';
import type { FlashLayout } from '../hal/flash/layout.ts';

const help = `Usage: quip flash --board <name|file> --image <file.qfw> --to <flash-file | http://host:port | udp://host:port>

Installs a firmware image on an emulated board's flash (boot with quip emulate --flash):
  1. checks the image (magic, manifest, size, SHA-256, board, and the Ed25519 signature when
     the board config has update.publicKey) — a corrupt, truncated, unsigned or other
     board's image is refused and the flash is not touched;
  2. creates the flash file when it does not exist: erased (0xFF), flash.sizeKB big;
  3. writes the slot that is not the newest good one (A or B): its header is invalidated
     first, then the image, then the header — a power cut at any point leaves the board
     booting its previous firmware;
  4. reads the slot back and verifies it, then switches the boot record to it as "trial".
A trial slot becomes good when the firmware confirms a healthy boot (registered, or running
flash.confirmAfterS seconds); after flash.maxTrialBoots boots without that, the boot loader
rolls back to the other slot. Settings in the storage partition are kept.

Over the network (--to http://host:port or udp://host:port): uploads to a running phone's
update endpoint (quip emulate --flash … --update-port N / --tftp-port N) over HTTP (POST
/firmware) or TFTP; the phone checks the image the same way, writes its inactive slot,
answers, and reboots into it. A refusal is printed with the phone's reason; the phone keeps
running the firmware it had.

Options:
  --board <name|file>  board config with a "flash" section (required)
  --image <file>       firmware image from quip build (required)
  --to <file|url>      the flash file, or a phone's update endpoint (required)
  -h, --help           show this help

Progress goes to stderr: a bar on a terminal, plain lines otherwise.

Exit codes: 0 installed; 1 refused image, bad flash file, write/verify error or a phone that
refused or could not be reached (one line on stderr; the flash still boots what it booted
before); 2 usage error.

Examples:
  quip build --board desk6 --out dist/desk6.qfw
  quip flash --board desk6 --image dist/desk6.qfw --to desk6.flash
  quip emulate --board desk6 --flash desk6.flash --update-port 8080
  quip flash --board desk6 --image dist/desk6-2.qfw --to http://127.0.0.1:8080
`;

interface FlashArgs {
  board: string;
  image: string;
  to: string;
}

function parseArgs(args: string[]): FlashArgs | string {
  const read = readArgs(args, { values: ['board', 'image', 'to'] });
  if (typeof read === 'string') return read;
  const board = lastValue(read, 'board');
  const image = lastValue(read, 'image');
  const to = lastValue(read, 'to');
  if (board === undefined) return '--board is required';
  if (image === undefined) return '--image is required';
  if (to === undefined) return '--to is required';
  return { board, image, to };
}

/** A URL target (http://…, udp://…) is a phone on the network, not a flash file. */
export function isNetworkTarget(to: string): boolean {
  return /^[a-z][a-z0-9+.-]*:\/\//i.test(to);
}

/** Uploads to a running phone's update endpoint; returns the exit code. */
async function flashNetwork(url: string, image: Uint8Array): Promise<number> {
  const printer = progressPrinter(`uploading to ${url}`, process.stderr);
  try {
    const r = await uploadFirmware(url, image, (sent, total) => printer.update(sent, total));
    printer.end();
    process.stdout.write(`${r.message}\n`);
    return 0;
  } catch (e) {
    printer.end();
    if (e instanceof UploadError) {
      process.stderr.write(`error: ${e.message}\n`);
      return 1;
    }
    throw e;
  }
}

/** Installs on a flash file; returns the exit code. */
function flashFile(config: BoardConfig, layout: FlashLayout, image: Uint8Array, file: string): number {
  const created = !existsSync(file);
  if (created) FileFlash.create(file, layout.size);
  let device: FileFlash;
  try {
    device = new FileFlash(file, layout.size);
  } catch (e) {
    if (created) unlinkSync(file);
    throw e;
  }
  try {
    if (created) process.stderr.write(`created ${file}: ${layout.size} bytes, erased\n`);
    let printer: ReturnType<typeof progressPrinter> | null = null;
    const result = installImage(device, layout, image, config.id, (p) => {
      printer ??= progressPrinter(`writing slot ${SLOT_NAMES[p.slot]}`, process.stderr);
      if (p.phase === 'write') printer.update(p.done, p.total);
      if (p.phase === 'verify' && p.done === 0) {
        printer.end();
        process.stderr.write('verifying (read-back)…\n');
      }
    });
    const slot = SLOT_NAMES[result.slot];
    const fallback = result.fallback === null
      ? 'there is no other firmware to fall back to'
      : `after ${layout.maxTrialBoots} unconfirmed boots the board rolls back to slot ${SLOT_NAMES[result.fallback.slot]} (${result.fallback.version})`;
    process.stdout.write(
      [
        `slot ${slot}: ${result.manifest.version} for ${result.manifest.board}, ${result.imageBytes} bytes, verified`,
        `slot ${slot} is now the trial slot: it boots next and becomes good once the firmware confirms a healthy boot;`,
        `${fallback}.`,
        '',
      ].join('\n'),
    );
    return 0;
  } finally {
    device.close();
  }
}

async function run(args: string[]): Promise<number> {
  const options = parseArgs(args);
  if (typeof options === 'string') return usageError('flash', options);
  try {
    const config = loadBoardConfig(options.board);
    if (config.flash === undefined) throw new FlashError(`board ${config.id} has no "flash" section in its config`);
    const layout = flashLayout(config.flash);
    let image: Uint8Array;
    try {
      image = readFileSync(options.image);
    } catch (e) {
      throw new FlashError(`cannot read image ${options.image}: ${(e as Error).message}`);
    }
    // Refuse before touching (or creating, or uploading to) anything: layout, SHA-256, board,
    // and the signature when the board only takes images signed by its update.publicKey.
    try {
      checkUpdateImage(image, config);
    } catch (e) {
      if (e instanceof ImageError) throw new FlashError(`refusing image ${options.image}: ${e.message}`);
      throw e;
    }
    if (isNetworkTarget(options.to)) return await flashNetwork(options.to, image);
    return flashFile(config, layout, image, options.to);
  } catch (e) {
    if (e instanceof FlashError || e instanceof BoardConfigError || e instanceof ImageError) {
      process.stderr.write(`error: ${e.message}\n`);
      return 1;
    }
    throw e;
  }
}

export const flashCommand: Command = {
  name: 'flash',
  summary: 'install a firmware image on an emulated board flash (A/B slots, rollback)',
  help,
  run,
};
