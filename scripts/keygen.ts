// `quip keygen`: an Ed25519 key pair for signing firmware images (quip build --sign).
import { chmodSync, existsSync, mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Command } from './command.ts';
import { usageError } from './command.ts';
import { lastValue, readArgs } from './cli-args.ts';
import { generateKeyPair } from '../image/signing.ts';

const DEFAULT_DIR = 'keys';
const DEFAULT_NAME = 'quip-signing';
const NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

const help = `Usage: quip keygen [--out <dir>] [--name <name>] [--force]

Generates an Ed25519 key pair for signing firmware images and writes
  <dir>/<name>.pem      the private key (PKCS#8 PEM, file mode 0600): keep it secret,
                        out of version control; quip build --sign <file> uses it
  <dir>/<name>.pub.pem  the public key (SPKI PEM)
then prints the key id and the line to paste into a board config, e.g.
  "update": { "publicKey": "<base64 of the raw 32-byte public key>" }
A board with update.publicKey accepts only images signed by that key.

Options:
  --out <dir>     directory to write to (default ./${DEFAULT_DIR}, created mode 0700)
  --name <name>   file name stem (default ${DEFAULT_NAME})
  --force         overwrite existing key files (default: refuse)
  -h, --help      show this help

Exit codes: 0 keys written; 1 a key file exists (without --force) or cannot be
written; 2 usage error.

Examples:
  quip keygen
  quip keygen --out ~/.quip --name lab
`;

interface KeygenArgs {
  out: string;
  name: string;
  force: boolean;
}

function parseArgs(args: string[]): KeygenArgs | string {
  const read = readArgs(args, { values: ['out', 'name'], flags: ['force'] });
  if (typeof read === 'string') return read;
  const parsed: KeygenArgs = { out: lastValue(read, 'out') ?? DEFAULT_DIR, name: lastValue(read, 'name') ?? DEFAULT_NAME, force: read.flags.has('force') };
  if (!NAME.test(parsed.name)) return `--name must be 1 to 64 letters, digits, '.', '_' or '-', got '${parsed.name}'`;
  return parsed;
}

/** Writes via a temporary file created with `mode`, so a key is never readable by others, even briefly. */
function writeKeyFile(file: string, text: string, mode: number): void {
  const tmp = `${file}.${process.pid}.tmp`;
  try {
    writeFileSync(tmp, text, { mode, flag: 'wx' });
    chmodSync(tmp, mode); // the umask may have removed bits; never added any
    renameSync(tmp, file);
  } catch (err) {
    rmSync(tmp, { force: true });
    throw err;
  }
}

async function run(args: string[]): Promise<number> {
  const options = parseArgs(args);
  if (typeof options === 'string') return usageError('keygen', options);
  const dir = path.resolve(options.out);
  const privateFile = path.join(dir, `${options.name}.pem`);
  const publicFile = path.join(dir, `${options.name}.pub.pem`);
  const existing = [privateFile, publicFile].filter((f) => existsSync(f));
  if (existing.length > 0 && !options.force) {
    process.stderr.write(`error: ${existing.map((f) => path.relative(process.cwd(), f) || f).join(' and ')} already exist${existing.length === 1 ? 's' : ''}; use --force to overwrite (images signed with the old key will no longer verify)\n`);
    return 1;
  }
  const keys = generateKeyPair();
  try {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    writeKeyFile(privateFile, keys.privateKeyPem, 0o600);
    writeKeyFile(publicFile, keys.publicKeyPem, 0o644);
  } catch (err) {
    process.stderr.write(`error: cannot write the keys: ${(err as Error).message}\n`);
    return 1;
  }
  const shown = (f: string): string => path.relative(process.cwd(), f) || f;
  process.stdout.write(
    [
      `private  ${shown(privateFile)} (keep it secret; quip build --sign ${shown(privateFile)})`,
      `public   ${shown(publicFile)}`,
      `key id   ${keys.keyId}`,
      '',
      'Paste into the board config to accept only images signed with this key:',
      `  "update": { "publicKey": "${keys.publicKeyBase64}" }`,
      '',
    ].join('\n'),
  );
  return 0;
}

export const keygenCommand: Command = {
  name: 'keygen',
  summary: 'generate an Ed25519 key pair for signing firmware images',
  help,
  run,
};
