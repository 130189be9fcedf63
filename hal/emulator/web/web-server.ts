// The web UI's HTTP side: the page's three static files (main.ts bundled by esbuild when the
// server starts — nothing comes from a CDN, so the page works offline) and a WebSocket
// endpoint at /ws. Binds to 127.0.0.1 unless told otherwise; a WebSocket from a page of
// another origin is refused, so a web site the user visits cannot press the phone's keys.

import { readFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { WebSocketServer } from 'ws';
import type { WebSocket } from 'ws';
import { MAX_CLIENT_MESSAGE } from './protocol.ts';

const PAGE = join(dirname(fileURLToPath(import.meta.url)), 'page');

export interface WebServer {
  url: string;
  port: number;
  close(): Promise<void>;
}

export interface WebServerOptions {
  host?: string;
  /** 0 = any free port. */
  port: number;
  onConnection(ws: WebSocket): void;
}

interface Asset {
  type: string;
  body: string | Uint8Array;
}

/** The page's files, read and bundled once. */
export async function pageAssets(): Promise<Map<string, Asset>> {
  const bundle = await build({
    entryPoints: [join(PAGE, 'main.ts')],
    bundle: true,
    write: false,
    format: 'iife',
    target: 'es2020',
    minify: false,
    sourcemap: false,
    logLevel: 'silent',
  });
  const text = (name: string): string => readFileSync(join(PAGE, name), 'utf8');
  return new Map<string, Asset>([
    ['/', { type: 'text/html; charset=utf-8', body: text('index.html') }],
    ['/style.css', { type: 'text/css; charset=utf-8', body: text('style.css') }],
    ['/main.js', { type: 'text/javascript; charset=utf-8', body: bundle.outputFiles[0]!.contents }],
    ['/mic-worklet.js', { type: 'text/javascript; charset=utf-8', body: text('mic-worklet.js') }],
  ]);
}

export async function startWebServer(options: WebServerOptions): Promise<WebServer> {
  const assets = await pageAssets();
  const server = http.createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0]!;
    if (path === '/favicon.ico') {
      res.writeHead(204).end(); // no icon, and no 404 in the console
      return;
    }
    const asset = req.method === 'GET' || req.method === 'HEAD' ? assets.get(path === '/index.html' ? '/' : path) : undefined;
    if (asset === undefined) {
      res.writeHead(req.method === 'GET' || req.method === 'HEAD' ? 404 : 405, { 'content-type': 'text/plain' });
      res.end('not here\n');
      return;
    }
    res.writeHead(200, {
      'content-type': asset.type,
      'cache-control': 'no-store',
      'x-content-type-options': 'nosniff',
      'content-security-policy': "default-src 'self'; connect-src 'self'; img-src 'self' data:; object-src 'none'; base-uri 'none'",
    });
    res.end(req.method === 'HEAD' ? undefined : asset.body);
  });
  const wss = new WebSocketServer({ noServer: true, maxPayload: MAX_CLIENT_MESSAGE });
  server.on('upgrade', (req, socket, head) => {
    const path = (req.url ?? '').split('?')[0];
    if (path !== '/ws' || !sameOrigin(req)) {
      socket.end('HTTP/1.1 403 Forbidden\r\nConnection: close\r\n\r\n');
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => options.onConnection(ws));
  });
  const host = options.host ?? '127.0.0.1';
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  const shown = host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host.includes(':') ? `[${host}]` : host;
  return {
    url: `http://${shown}:${port}/`,
    port,
    close: () =>
      new Promise<void>((resolve) => {
        for (const ws of wss.clients) ws.terminate();
        wss.close();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** A browser always sends Origin on a WebSocket; it must name this server (tools send none). */
function sameOrigin(req: http.IncomingMessage): boolean {
  const origin = req.headers.origin;
  if (origin === undefined) return true;
  try {
    return new URL(origin).host === req.headers.host;
  } catch {
    return false;
  }
}
