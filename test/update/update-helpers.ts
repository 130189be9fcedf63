// Shared by the update endpoint tests: keys, images, a recording installer, a running server.
import { createImage } from '../../image/image.ts';
import { generateKeyPair, loadPrivateKey, signImage } from '../../image/signing.ts';
import { startUpdateServer } from '../../hal/emulator/update-server.ts';
import type { UpdateServer, UpdateServerOptions } from '../../hal/emulator/update-server.ts';

export const KEY = generateKeyPair();
export const OTHER = generateKeyPair();
export const privateKey = loadPrivateKey(KEY.privateKeyPem);
export const otherKey = loadPrivateKey(OTHER.privateKeyPem);
/** A board that only takes images signed by KEY. */
export const BOARD = { id: 'small2', update: { publicKey: KEY.publicKeyBase64 } };

/** An unsigned image of about `payloadBytes` bytes of payload. */
export function unsignedImage(board = 'small2', payloadBytes = 20_000, version = '1.2.3'): Uint8Array {
  const line = 'var quipFirmware=(()=>({start(){}}))();//padding\n';
  const text = line.repeat(Math.ceil(payloadBytes / line.length)).slice(0, payloadBytes);
  return createImage({ board, version, payload: new TextEncoder().encode(text), entry: 'quipFirmware', buildTime: '2025-01-02T03:04:05Z' });
}

export function signedImage(board = 'small2', payloadBytes = 20_000): Uint8Array {
  return signImage(unsignedImage(board, payloadBytes), privateKey);
}

export function flipped(image: Uint8Array, offset: number, mask = 0x01): Uint8Array {
  const copy = image.slice();
  copy[offset]! ^= mask;
  return copy;
}

/** What the injected installer and reboot saw. */
export interface Recorder {
  installs: Uint8Array[];
  reboots: number;
  /** Resolves at the next reboot. */
  rebooted(): Promise<void>;
  install: UpdateServerOptions['install'];
  reboot: UpdateServerOptions['reboot'];
  /** Holds installs until released (for "busy" tests). */
  hold(): () => void;
  failWith: string | null;
}

export function recorder(): Recorder {
  let rebootWaiters: (() => void)[] = [];
  let gate: Promise<void> | null = null;
  const r: Recorder = {
    installs: [],
    reboots: 0,
    failWith: null,
    rebooted: () => new Promise((resolve) => rebootWaiters.push(resolve)),
    install: async (image, onProgress) => {
      r.installs.push(image.slice());
      onProgress(0, image.byteLength);
      if (gate) await gate;
      if (r.failWith) throw new Error(r.failWith);
      onProgress(image.byteLength, image.byteLength);
      return { slot: 'b' };
    },
    reboot: () => {
      r.reboots++;
      const waiters = rebootWaiters;
      rebootWaiters = [];
      for (const w of waiters) w();
    },
    hold: () => {
      let release!: () => void;
      gate = new Promise((resolve) => (release = resolve));
      return () => {
        gate = null;
        release();
      };
    },
  };
  return r;
}

export async function startServer(
  rec: Recorder,
  extra: Partial<UpdateServerOptions> = {},
): Promise<{ server: UpdateServer; log: string[] }> {
  const log: string[] = [];
  const server = await startUpdateServer({
    board: BOARD,
    install: rec.install,
    reboot: rec.reboot,
    status: () => ({ version: '1.0.0', slot: 'a' }),
    httpPort: 0,
    tftpPort: 0,
    tftpTimeoutMs: 200,
    tftpRetries: 3,
    log: (line) => log.push(line),
    ...extra,
  });
  return { server, log };
}

export const delay = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Polls `check` until it holds (loaded machines are slow); fails after `ms`. */
export async function eventually(check: () => boolean, ms = 10_000): Promise<boolean> {
  const until = Date.now() + ms;
  while (!check()) {
    if (Date.now() > until) return false;
    await delay(20);
  }
  return true;
}
