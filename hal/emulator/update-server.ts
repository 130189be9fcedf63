// The emulated phone's firmware update endpoint, like provisioning on real desk phones: an HTTP
// `POST /firmware` and/or a TFTP write server (tftp-server.ts). Every upload goes through the
// same steps: one at a time, size cap, checkUpdateImage (layout, board, SHA-256, signature),
// then the injected `install` (writes the inactive flash slot) and `reboot`. A refused image
// never reaches `install`, so the running firmware stays.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { ImageError } from '../../image/image.ts';
import { checkUpdateImage } from '../../image/update-check.ts';
import type { BoardConfig } from '../board-config.ts';
import { TFTP_ERROR } from './tftp.ts';
import { startTftpServer } from './tftp-server.ts';
import type { TftpServer, UploadSink } from './tftp-server.ts';

export const DEFAULT_MAX_IMAGE_BYTES = 8 * 1024 * 1024;

/** Writes an accepted image to the inactive slot; reports progress; resolves to the slot written. */
export type Installer = (image: Uint8Array, onProgress: (written: number, total: number) => void) => Promise<{ slot: string }>;

export interface UpdateServerOptions {
  /** The running board: its id and update.publicKey decide what is accepted. */
  board: Pick<BoardConfig, 'id' | 'update'>;
  install: Installer;
  /** Called once after an install was reported to the client. */
  reboot: () => void | Promise<void>;
  /** What GET /status reports about the running firmware. */
  status?: () => { version?: string; slot?: string };
  /** Default 127.0.0.1: the endpoint is not exposed unless asked. */
  host?: string;
  /** HTTP port (0 = any); default board.update.httpPort; null = no HTTP endpoint. */
  httpPort?: number | null;
  /** TFTP port (0 = any); default board.update.tftpPort; null = no TFTP endpoint. */
  tftpPort?: number | null;
  /** Largest image accepted (e.g. the flash slot size); default 8 MiB. */
  maxImageBytes?: number;
  /** TFTP retransmission timeout, default 1000 ms, and retransmissions before giving up, default 5. */
  tftpTimeoutMs?: number;
  tftpRetries?: number;
  /** Longest one HTTP request (headers and body) may take; default 60 s. */
  requestTimeoutMs?: number;
  log?: (line: string) => void;
}

export interface UpdateServer {
  host: string;
  /** The bound ports, or null when that endpoint is off. */
  httpPort: number | null;
  tftpPort: number | null;
  close(): Promise<void>;
}

type Phase = 'idle' | 'receiving' | 'installing';

/** An upload refused or failed: the HTTP status and the message for the client. */
class Refusal extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

/** The steps every upload path shares. */
class Updater implements UploadSink {
  phase: Phase = 'idle';
  via = '';
  progress: { written: number; total: number } | null = null;
  lastResult: { ok: boolean; message: string } | null = null;

  constructor(private readonly options: UpdateServerOptions & { log: (line: string) => void }) {}

  claim(via: string): string | null {
    if (this.phase !== 'idle') return `busy: another update is in progress (${this.via})`;
    this.phase = 'receiving';
    this.via = via;
    return null;
  }

  release(): void {
    this.phase = 'idle';
    this.via = '';
    this.progress = null;
  }

  /** Check, then install; throws Refusal. */
  async install(image: Uint8Array): Promise<{ slot: string; version: string; signed: boolean; keyId: string | null }> {
    let accepted;
    try {
      accepted = checkUpdateImage(image, this.options.board);
    } catch (err) {
      if (err instanceof ImageError) {
        this.lastResult = { ok: false, message: err.message };
        throw new Refusal(422, err.message);
      }
      throw err;
    }
    this.phase = 'installing';
    this.progress = { written: 0, total: image.byteLength };
    const { manifest } = accepted;
    this.options.log(`update: installing ${manifest.board} ${manifest.version} (${image.byteLength} bytes, ${accepted.signed ? `signed by ${accepted.keyId}` : 'unsigned'})`);
    let slot: string;
    try {
      ({ slot } = await this.options.install(image, (written, total) => {
        this.progress = { written, total };
      }));
    } catch (err) {
      const message = `install failed: ${(err as Error).message}; the running firmware stays`;
      this.lastResult = { ok: false, message };
      throw new Refusal(500, message);
    }
    this.lastResult = { ok: true, message: `installed ${manifest.version} in slot ${slot}` };
    return { slot, version: manifest.version, signed: accepted.signed, keyId: accepted.keyId };
  }

  async accept(image: Uint8Array): Promise<{ tftpCode: number; message: string } | null> {
    try {
      await this.install(image);
      return null;
    } catch (err) {
      return { tftpCode: TFTP_ERROR.undefined, message: (err as Error).message };
    }
  }

  reboot(): void {
    this.options.log('update: rebooting into the new firmware');
    // Deferred: the answer to the client goes out first.
    setImmediate(() => {
      Promise.resolve()
        .then(() => this.options.reboot())
        .catch((err: unknown) => this.options.log(`update: reboot failed: ${(err as Error).message}`));
    });
  }
}

// ---- HTTP ---------------------------------------------------------------------------------

function sendJson(res: http.ServerResponse, status: number, body: object, close = false, headers: Record<string, string> = {}): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  const text = JSON.stringify(body) + '\n';
  res.writeHead(status, {
    'Content-Type': 'application/json; charset=utf-8',
    'Content-Length': Buffer.byteLength(text),
    'Cache-Control': 'no-store',
    ...(close ? { Connection: 'close' } : {}),
    ...headers,
  });
  res.end(text);
}

const refuse = (res: http.ServerResponse, status: number, error: string, close = false, headers: Record<string, string> = {}): void =>
  sendJson(res, status, { ok: false, error }, close, headers);

function pathOf(req: http.IncomingMessage): string {
  const url = req.url ?? '/';
  const q = url.indexOf('?');
  return q < 0 ? url : url.slice(0, q);
}

/**
 * What is wrong with an upload request before its body is read (status + message), or null.
 * Shared by the Expect: 100-continue path, where a refusal saves sending the body at all.
 */
function precheck(req: http.IncomingMessage, maxBytes: number): [number, string, Record<string, string>?] | null {
  const route = pathOf(req);
  if (route === '/status') return req.method === 'GET' || req.method === 'HEAD' ? null : [405, 'use GET /status', { Allow: 'GET, HEAD' }];
  if (route !== '/firmware') return [404, `no such endpoint ${route.slice(0, 100)}: use POST /firmware or GET /status`];
  if (req.method !== 'POST' && req.method !== 'PUT') return [405, 'upload the image with POST /firmware', { Allow: 'POST, PUT' }];
  const type = req.headers['content-type'];
  const media = type?.split(';')[0]!.trim().toLowerCase();
  if (media !== undefined && media !== 'application/octet-stream') {
    return [415, `the image goes as application/octet-stream, not ${media.slice(0, 100)}`];
  }
  const length = req.headers['content-length'];
  if (length !== undefined && Number(length) > maxBytes) return [413, `image too large: ${length} bytes, this phone takes at most ${maxBytes}`];
  if (length === undefined && req.headers['transfer-encoding'] === undefined) return [411, 'no image: send the image as the request body with a Content-Length'];
  return null;
}

function startHttp(updater: Updater, options: Required<Pick<UpdateServerOptions, 'maxImageBytes' | 'requestTimeoutMs'>> & UpdateServerOptions, host: string, port: number, log: (line: string) => void): Promise<http.Server> {
  const maxBytes = options.maxImageBytes;

  const status = (res: http.ServerResponse): void => {
    const running = options.status?.() ?? {};
    sendJson(res, 200, {
      board: options.board.id,
      ...(running.version !== undefined ? { version: running.version } : {}),
      ...(running.slot !== undefined ? { slot: running.slot } : {}),
      update: updater.phase,
      ...(updater.progress ? { progress: updater.progress } : {}),
      ...(updater.lastResult ? { last: updater.lastResult } : {}),
      signedOnly: options.board.update?.publicKey !== undefined,
    });
  };

  const upload = (req: http.IncomingMessage, res: http.ServerResponse): void => {
    const busy = updater.claim(`http from ${req.socket.remoteAddress ?? '?'}`);
    if (busy !== null) {
      refuse(res, 409, busy, true);
      return;
    }
    let released = false;
    const release = (): void => {
      if (!released) updater.release();
      released = true;
    };
    const chunks: Buffer[] = [];
    let received = 0;
    let done = false;
    req.on('data', (chunk: Buffer) => {
      if (done) return;
      received += chunk.byteLength;
      if (received > maxBytes) {
        done = true;
        release();
        log(`update: refused an upload over ${maxBytes} bytes`);
        refuse(res, 413, `image too large: more than ${maxBytes} bytes, this phone takes at most ${maxBytes}`, true);
        // Stop reading; Node discards the rest until the connection closes.
        req.socket.setTimeout(2000, () => req.socket.destroy());
        return;
      }
      chunks.push(chunk);
    });
    // A client that stops mid-body must not keep the updater busy.
    req.on('close', () => {
      if (!done) {
        done = true;
        log('update: upload aborted by the client');
        release();
      }
    });
    req.on('end', () => {
      if (done) return;
      done = true;
      const image = new Uint8Array(Buffer.concat(chunks, received));
      if (image.byteLength === 0) {
        release();
        refuse(res, 400, 'no image: the request body is empty');
        return;
      }
      updater.install(image).then(
        (result) => {
          release();
          log(`update: ${updater.lastResult?.message}`);
          sendJson(res, 200, { ok: true, board: options.board.id, ...result, message: `installed ${result.version} in slot ${result.slot}; rebooting` });
          res.once('finish', () => updater.reboot());
        },
        (err: unknown) => {
          release();
          const refusal = err instanceof Refusal ? err : new Refusal(500, `update failed: ${(err as Error).message}`);
          log(`update: refused: ${refusal.message}`);
          refuse(res, refusal.status, refusal.message);
        },
      );
    });
  };

  const handle = (req: http.IncomingMessage, res: http.ServerResponse, continued: boolean): void => {
    const problem = precheck(req, maxBytes);
    if (problem) {
      // A refused body is not read: close rather than drain a possibly huge upload.
      refuse(res, problem[0], problem[1], req.method !== 'GET' && req.method !== 'HEAD', problem[2]);
      return;
    }
    if (pathOf(req) === '/status') {
      status(res);
      return;
    }
    if (continued) res.writeContinue();
    upload(req, res);
  };

  const server = http.createServer({
    requestTimeout: options.requestTimeoutMs,
    headersTimeout: Math.min(10_000, options.requestTimeoutMs),
    // Node checks those timeouts only this often (default 30 s).
    connectionsCheckingInterval: Math.max(100, Math.min(5000, options.requestTimeoutMs / 4)),
  });
  server.maxHeadersCount = 50;
  server.maxConnections = 16;
  server.on('request', (req, res) => handle(req, res, false));
  server.on('checkContinue', (req, res) => handle(req, res, true));
  server.on('clientError', (err: NodeJS.ErrnoException, socket) => {
    // Garbage instead of HTTP: a short answer when the socket still takes one, never a crash.
    // (A request cut off by the timeout has a response object that has not started yet.)
    const pending = (socket as { _httpMessage?: { headersSent?: boolean } })._httpMessage;
    if (socket.writable && !pending?.headersSent) {
      const status = err.code === 'ERR_HTTP_REQUEST_TIMEOUT' ? '408 Request Timeout' : err.code === 'HPE_HEADER_OVERFLOW' ? '431 Request Header Fields Too Large' : '400 Bad Request';
      const body = JSON.stringify({ ok: false, error: `bad HTTP request (${err.code ?? err.message})` }) + '\n';
      socket.end(`HTTP/1.1 ${status}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`);
    } else {
      socket.destroy();
    }
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      server.on('error', (err) => log(`update: http server error: ${err.message}`));
      resolve(server);
    });
  });
}

/** Starts the endpoints the options (or the board config) ask for. */
export async function startUpdateServer(options: UpdateServerOptions): Promise<UpdateServer> {
  const host = options.host ?? '127.0.0.1';
  const log = options.log ?? (() => {});
  const httpPort = options.httpPort === undefined ? options.board.update?.httpPort : options.httpPort;
  const tftpPort = options.tftpPort === undefined ? options.board.update?.tftpPort : options.tftpPort;
  if ((httpPort ?? null) === null && (tftpPort ?? null) === null) {
    throw new Error('no update endpoint to start: set update.httpPort or update.tftpPort in the board config');
  }
  const settings = { ...options, maxImageBytes: options.maxImageBytes ?? DEFAULT_MAX_IMAGE_BYTES, requestTimeoutMs: options.requestTimeoutMs ?? 60_000 };
  const updater = new Updater({ ...settings, log });

  const httpServer = httpPort === undefined || httpPort === null ? null : await startHttp(updater, settings, host, httpPort, log);
  let tftp: TftpServer | null = null;
  try {
    tftp =
      tftpPort === undefined || tftpPort === null
        ? null
        : await startTftpServer({
            host,
            port: tftpPort,
            maxBytes: settings.maxImageBytes,
            timeoutMs: options.tftpTimeoutMs ?? 1000,
            retries: options.tftpRetries ?? 5,
            maxTransferMs: 10 * 60_000,
            sink: updater,
            log,
          });
  } catch (err) {
    httpServer?.close();
    throw err;
  }
  return {
    host,
    httpPort: httpServer ? (httpServer.address() as AddressInfo).port : null,
    tftpPort: tftp?.port ?? null,
    close: async () => {
      await tftp?.close();
      if (httpServer) {
        await new Promise<void>((resolve) => {
          httpServer.close(() => resolve());
          httpServer.closeAllConnections();
        });
      }
    },
  };
}
