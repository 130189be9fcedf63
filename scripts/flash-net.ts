// The client side of a network firmware update (`quip flash --to http://host:port` or
// `--to udp://host:port`): uploads an image to a phone's update endpoint
// (hal/emulator/update-server.ts) and returns the phone's answer, or throws its refusal.
import dgram from 'node:dgram';
import { lookup } from 'node:dns/promises';
import http from 'node:http';
import {
  DEFAULT_BLKSIZE,
  OP,
  TFTP_ERROR,
  TftpPacketError,
  decodePacket,
  encodeData,
  encodeError,
  encodeRequest,
} from '../hal/emulator/tftp.ts';
import type { TftpPacket } from '../hal/emulator/tftp.ts';

export interface UploadResult {
  /** The slot the phone wrote (HTTP only: TFTP has no way to say). */
  slot?: string;
  message: string;
}

export interface UploadOptions {
  /** TFTP retransmission timeout; default 1000 ms. */
  timeoutMs?: number;
  /** TFTP retransmissions of one packet before giving up; default 5. */
  retries?: number;
  /** How long the phone may take to check and install once it has the image; default 120 s. */
  installTimeoutMs?: number;
  /** TFTP block size asked for; default 1428 (fits a 1500-byte Ethernet MTU). */
  blksize?: number;
}

/** The phone refused the image, or could not be reached; the message says which and why. */
export class UploadError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UploadError';
  }
}

export type Progress = (sent: number, total: number) => void;

/** Uploads `image` to `url` (http://host:port[/path] or udp://host:port, also tftp://host[:port]). */
export async function uploadFirmware(url: string, image: Uint8Array, onProgress: Progress = () => {}, options: UploadOptions = {}): Promise<UploadResult> {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new UploadError(`not a URL: ${url} (expected http://host:port or udp://host:port)`);
  }
  const host = parsed.hostname.replace(/^\[(.*)\]$/, '$1');
  if (!host) throw new UploadError(`no host in ${url}`);
  switch (parsed.protocol) {
    case 'http:':
      return uploadHttp(parsed, host, image, onProgress, options);
    case 'udp:':
    case 'tftp:': {
      const port = parsed.port ? Number(parsed.port) : parsed.protocol === 'tftp:' ? 69 : NaN;
      if (!port) throw new UploadError(`no port in ${url} (expected udp://host:port)`);
      return uploadTftp(host, port, image, onProgress, options);
    }
    default:
      throw new UploadError(`cannot upload to ${parsed.protocol}// URLs (expected http://host:port or udp://host:port)`);
  }
}

// ---- HTTP ---------------------------------------------------------------------------------

const CHUNK = 64 * 1024;
/** Servers that ignore Expect: 100-continue get the body anyway after this long (as curl does). */
const CONTINUE_WAIT_MS = 1000;

function uploadHttp(url: URL, host: string, image: Uint8Array, onProgress: Progress, options: UploadOptions): Promise<UploadResult> {
  const where = `${host}:${url.port || 80}`;
  return new Promise((resolve, reject) => {
    let settled = false;
    let answered = false;
    const settle = (fn: () => void): void => {
      if (settled) return;
      settled = true;
      clearTimeout(continueTimer);
      fn();
    };
    const req = http.request({
      host,
      port: url.port || 80,
      method: 'POST',
      path: url.pathname === '/' ? '/firmware' : url.pathname,
      headers: { 'Content-Type': 'application/octet-stream', 'Content-Length': image.byteLength, Expect: '100-continue' },
      // One inactivity limit for upload and install alike.
      timeout: options.installTimeoutMs ?? 120_000,
      agent: false, // a fresh connection: a pooled one may be stale after the phone rebooted
    });
    let sending = false;
    const sendBody = async (): Promise<void> => {
      if (sending || answered) return;
      sending = true;
      clearTimeout(continueTimer);
      for (let at = 0; at < image.byteLength && !answered; at += CHUNK) {
        const chunk = image.subarray(at, Math.min(at + CHUNK, image.byteLength));
        if (!req.write(chunk)) await new Promise<void>((next) => { req.once('drain', next); req.once('close', next); });
        onProgress(Math.min(at + CHUNK, image.byteLength), image.byteLength);
      }
      if (!answered) req.end();
    };
    const continueTimer = setTimeout(() => void sendBody(), CONTINUE_WAIT_MS);
    req.on('continue', () => void sendBody());
    req.on('response', (res) => {
      answered = true;
      const chunks: Buffer[] = [];
      let size = 0;
      res.on('data', (chunk: Buffer) => {
        size += chunk.byteLength;
        if (size <= 64 * 1024) chunks.push(chunk);
      });
      res.on('error', () => {}); // the socket may reset after the answer; the answer is what counts
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        let body: { ok?: unknown; error?: unknown; message?: unknown; slot?: unknown } = {};
        try {
          body = JSON.parse(text) as typeof body;
        } catch {
          // not JSON: reported below with the status
        }
        const status = res.statusCode ?? 0;
        if (status >= 200 && status < 300 && body.ok === true) {
          settle(() =>
            resolve({
              ...(typeof body.slot === 'string' ? { slot: body.slot } : {}),
              message: typeof body.message === 'string' ? body.message : `HTTP ${status}`,
            }),
          );
        } else {
          const error = typeof body.error === 'string' ? body.error : `unexpected answer: ${text.slice(0, 200).trim() || '(empty)'}`;
          settle(() => reject(new UploadError(`the phone at ${where} refused the image: ${error} (HTTP ${status})`)));
        }
        req.destroy();
      });
    });
    req.on('timeout', () => req.destroy(new Error('no answer in time')));
    req.on('error', (err) => {
      if (!answered) settle(() => reject(new UploadError(`cannot upload to ${where}: ${err.message}`)));
    });
    req.flushHeaders();
  });
}

// ---- TFTP ---------------------------------------------------------------------------------

async function uploadTftp(host: string, port: number, image: Uint8Array, onProgress: Progress, options: UploadOptions): Promise<UploadResult> {
  const timeoutMs = options.timeoutMs ?? 1000;
  const retries = options.retries ?? 5;
  const installTimeoutMs = options.installTimeoutMs ?? 120_000;
  const where = `${host}:${port}`;
  let address: string;
  let family: number;
  try {
    ({ address, family } = await lookup(host));
  } catch (err) {
    throw new UploadError(`cannot upload to ${where}: ${(err as Error).message}`);
  }
  const socket = dgram.createSocket(family === 6 ? 'udp6' : 'udp4');
  await new Promise<void>((resolve, reject) => {
    socket.once('error', reject);
    socket.bind(0, () => {
      socket.off('error', reject);
      resolve();
    });
  });

  /** Packets from the phone, in arrival order; `wait` takes the next one that `accept` likes. */
  let serverPort: number | null = null;
  let waiter: ((p: TftpPacket) => void) | null = null;
  let phoneEnded = false;
  socket.on('error', () => {}); // e.g. ICMP port unreachable: shows as silence, then a timeout
  socket.on('message', (msg, rinfo) => {
    if (rinfo.address !== address) return;
    if (serverPort !== null && rinfo.port !== serverPort) {
      socket.send(encodeError(TFTP_ERROR.unknownTid, 'unknown transfer ID'), rinfo.port, rinfo.address);
      return;
    }
    let packet: TftpPacket;
    try {
      packet = decodePacket(new Uint8Array(msg.buffer, msg.byteOffset, msg.byteLength));
    } catch (err) {
      if (err instanceof TftpPacketError) return;
      throw err;
    }
    if (serverPort === null) serverPort = rinfo.port; // the phone's transfer id, fixed from its first answer
    waiter?.(packet);
  });

  /** Sends `packet` until `wanted` matches an answer; resends every timeoutMs, `tries` times in all. */
  const exchange = (packet: Uint8Array, wanted: (p: TftpPacket) => boolean, tries: number, what: string): Promise<TftpPacket> =>
    new Promise((resolve, reject) => {
      let left = tries;
      let timer: NodeJS.Timeout;
      const send = (): void => {
        if (left-- <= 0) {
          waiter = null;
          reject(new UploadError(`no answer from the phone at ${where} while ${what}`));
          return;
        }
        socket.send(packet, serverPort ?? port, address);
        timer = setTimeout(send, timeoutMs);
      };
      waiter = (p) => {
        if (p.op === OP.ERROR) {
          phoneEnded = true;
          clearTimeout(timer);
          waiter = null;
          reject(new UploadError(`the phone at ${where} refused the image: ${p.message || `TFTP error ${p.code}`}`));
        } else if (wanted(p)) {
          clearTimeout(timer);
          waiter = null;
          resolve(p);
        }
        // anything else (a duplicate ACK) is ignored: resending on it is the Sorcerer's Apprentice bug
      };
      send();
    });

  try {
    const asked = Math.max(DEFAULT_BLKSIZE, Math.min(options.blksize ?? 1428, 65464));
    const wrq = encodeRequest(OP.WRQ, 'firmware.qfw', 'octet', { blksize: String(asked), tsize: String(image.byteLength) });
    const first = await exchange(wrq, (p) => p.op === OP.OACK || (p.op === OP.ACK && p.block === 0), retries + 1, 'asking to upload');
    let blksize = DEFAULT_BLKSIZE;
    if (first.op === OP.OACK && first.options['blksize'] !== undefined) {
      const agreed = Number(first.options['blksize']);
      if (!Number.isInteger(agreed) || agreed < 8 || agreed > asked) {
        socket.send(encodeError(TFTP_ERROR.badOptions, 'bad blksize'), serverPort ?? port, address);
        throw new UploadError(`the phone at ${where} answered a block size of ${first.options['blksize']}, asked for at most ${asked}`);
      }
      blksize = agreed;
    }
    // Blocks 1..n; the last is shorter than blksize (empty when the image is a multiple of it).
    const blocks = Math.floor(image.byteLength / blksize) + 1;
    for (let n = 1; n <= blocks; n++) {
      const data = image.subarray((n - 1) * blksize, Math.min(n * blksize, image.byteLength));
      const last = n === blocks;
      // The last block is answered only after the phone checked and installed the image.
      const tries = last ? Math.max(retries + 1, Math.ceil(installTimeoutMs / timeoutMs)) : retries + 1;
      await exchange(encodeData(n, data), (p) => p.op === OP.ACK && p.block === (n & 0xffff), tries, last ? 'it checks and installs the image' : `sending block ${n}`);
      onProgress(Math.min(n * blksize, image.byteLength), image.byteLength);
    }
    return { message: `installed ${image.byteLength} bytes over TFTP; the phone reboots into it` };
  } catch (err) {
    // Tell the phone we gave up, so it frees its update slot now rather than after its timeout.
    if (serverPort !== null && !phoneEnded) {
      socket.send(encodeError(TFTP_ERROR.undefined, 'client gave up'), serverPort, address);
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    throw err;
  } finally {
    waiter = null;
    socket.close();
  }
}
