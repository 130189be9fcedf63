// The firmware's HTTP client over the emulator's real Node network HAL, against real Node
// servers: framing (Content-Length, chunked, close), redirects, limits, timeouts, errors.
import test from 'ava';
import http from 'node:http';
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import type { HalEvent } from '../../hal/contract.ts';
import { NodeNet } from '../../hal/node/net.ts';
import { HostClock } from '../../hal/emulator/host-clock.ts';
import { Timers } from '../../firmware/util/timers.ts';
import { HalDnsResolver } from '../../firmware/net/dns-resolver.ts';
import { HttpClient, parseHttpUrl, resolveLocation } from '../../firmware/net/http-client.ts';
import type { HttpGetOptions, HttpResponse } from '../../firmware/net/http-client.ts';

/** A minimal HAL host: Node sockets and timers, events routed as the phone routes them. */
function client(): { http: HttpClient; close(): void; leftover: () => HalEvent[] } {
  const unclaimed: HalEvent[] = [];
  let httpClient: HttpClient | null = null;
  const deliver = (ev: HalEvent): void => {
    if (ev.type === 'timer') return timers.fire(ev.id);
    if (ev.type === 'dns' && resolver.handleEvent(ev)) return;
    if (httpClient !== null && httpClient.handleEvent(ev)) return;
    unclaimed.push(ev);
  };
  const clock = new HostClock(deliver);
  const nodeNet = new NodeNet(deliver, { bindAddress: '127.0.0.1' });
  const timers = new Timers(clock);
  const resolver = new HalDnsResolver(nodeNet, timers);
  httpClient = new HttpClient(nodeNet, timers, resolver, 'quip-test');
  return { http: httpClient, close: () => { nodeNet.close(); clock.close(); }, leftover: () => unclaimed };
}

function get(url: string, options?: HttpGetOptions): Promise<{ error: string | null; res: HttpResponse | null }> {
  const c = client();
  return new Promise((resolve) => {
    let calls = 0;
    c.http.get(url, (error, res) => {
      calls++;
      setTimeout(() => {
        c.close();
        resolve({ error: calls === 1 ? error : `callback ran ${calls} times`, res });
      }, 50);
    }, options);
  });
}

async function serve(handler: http.RequestListener): Promise<{ url: string; close(): void }> {
  const server = http.createServer(handler);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}`, close: () => { server.closeAllConnections(); server.close(); } };
}

/** A raw TCP server that answers each connection with `reply` (then maybe closes). */
async function raw(onConnection: (s: net.Socket) => void): Promise<{ url: string; close(): void }> {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((s) => {
    sockets.add(s);
    s.on('error', () => {});
    onConnection(s);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}`, close: () => { for (const s of sockets) s.destroy(); server.close(); } };
}

test('GET with Content-Length: status, headers, body octets, request line and Host', async (t) => {
  let seen: http.IncomingHttpHeaders = {};
  let path = '';
  const s = await serve((req, res) => {
    seen = req.headers;
    path = req.url ?? '';
    res.setHeader('Content-Type', 'application/json');
    res.end(Buffer.from('{"ok":"é"}', 'utf8'));
  });
  t.teardown(s.close);
  const { error, res } = await get(`${s.url}/cfg/desk6.json?x=1`);
  t.is(error, null);
  t.is(res!.status, 200);
  t.is(res!.headers.get('content-type'), 'application/json');
  t.is(Buffer.from(res!.body, 'latin1').toString('utf8'), '{"ok":"é"}');
  t.is(path, '/cfg/desk6.json?x=1');
  t.is(seen.host, new URL(s.url).host);
  t.is(seen['user-agent'], 'quip-test');
  t.is(seen.connection, 'close');
});

test('chunked bodies are decoded, split anywhere', async (t) => {
  const s = await raw((sock) => {
    const parts = ['HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n4;ext=1\r\nWiki\r', '\n5\r\npedia\r\nE\r\n in\r\n\r\nchunks.\r\n0\r\nX-Trailer: 1\r\n\r\n'];
    sock.write(parts[0]!);
    setTimeout(() => sock.end(parts[1]!), 30);
  });
  t.teardown(s.close);
  const { error, res } = await get(s.url + '/');
  t.is(error, null);
  t.is(res!.body, 'Wikipedia in\r\n\r\nchunks.');
});

test('chunked from Node http (several writes) and a body delimited by close', async (t) => {
  const s = await serve((_req, res) => {
    res.write('a'.repeat(3000));
    setTimeout(() => res.end('b'.repeat(3000)), 20);
  });
  t.teardown(s.close);
  const r1 = await get(s.url);
  t.is(r1.error, null);
  t.is(r1.res!.body, 'a'.repeat(3000) + 'b'.repeat(3000));
  const c = await raw((sock) => sock.end('HTTP/1.0 200 OK\r\n\r\nuntil close'));
  t.teardown(c.close);
  const r2 = await get(c.url);
  t.is(r2.error, null);
  t.is(r2.res!.body, 'until close');
});

test('redirects are followed (relative and absolute), a few only', async (t) => {
  const s = await serve((req, res) => {
    if (req.url === '/a') res.writeHead(302, { Location: 'b' }).end();
    else if (req.url === '/b') res.writeHead(301, { Location: '/c' }).end();
    else if (req.url === '/c') res.end('landed');
    else if (req.url === '/loop') res.writeHead(307, { Location: '/loop' }).end();
    else res.writeHead(404).end('nope');
  });
  t.teardown(s.close);
  const r = await get(`${s.url}/a`);
  t.is(r.error, null);
  t.is(r.res!.body, 'landed');
  t.is(r.res!.url, `${s.url}/c`);
  const loop = await get(`${s.url}/loop`);
  t.regex(String(loop.error), /^too many redirects/);
  const nf = await get(`${s.url}/missing`);
  t.is(nf.error, null);
  t.is(nf.res!.status, 404);
});

test('a body over the cap is refused: declared (before reading it) or streamed', async (t) => {
  const s = await serve((req, res) => {
    if (req.url === '/declared') {
      res.setHeader('Content-Length', String(10 * 1024 * 1024));
      res.write('x'.repeat(1000)); // and never the rest
    } else {
      const chunk = 'y'.repeat(16 * 1024);
      for (let i = 0; i < 8; i++) res.write(chunk);
      res.end();
    }
  });
  t.teardown(s.close);
  const d = await get(`${s.url}/declared`);
  t.is(d.error, 'response body larger than 65536 bytes');
  const c = await get(`${s.url}/chunked`);
  t.is(c.error, 'response body larger than 65536 bytes');
  const small = await get(`${s.url}/chunked`, { maxBodyBytes: 200 * 1024 });
  t.is(small.error, null);
  t.is(small.res!.body.length, 128 * 1024);
});

test('a server that never answers times out; one that closes early is reported', async (t) => {
  const silent = await raw(() => {});
  t.teardown(silent.close);
  const r = await get(silent.url, { timeoutMs: 500 });
  t.is(r.error, 'timed out after 500 ms'); // the firmware's own timer fired: no wall-clock budget here
  const early = await raw((sock) => sock.end('HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nshort'));
  t.teardown(early.close);
  t.is((await get(early.url)).error, 'the server closed the connection before the body was complete');
  const nothing = await raw((sock) => sock.end());
  t.teardown(nothing.close);
  t.is((await get(nothing.url)).error, 'the server closed the connection without a response');
});

test('garbage and hostile responses end in a clear error', async (t) => {
  const replies: Record<string, string> = {
    '/status': 'SSH-2.0-OpenSSH\r\n\r\n',
    '/length': 'HTTP/1.1 200 OK\r\nContent-Length: 5, 6\r\n\r\nhello',
    '/te': 'HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\n',
    '/chunk': 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n',
    '/head': 'HTTP/1.1 200 OK\r\nX: ' + 'h'.repeat(10000),
  };
  const s = await raw((sock) => {
    sock.once('data', (d) => {
      const path = d.toString('latin1').split(' ')[1]!;
      sock.end(replies[path]);
    });
  });
  t.teardown(s.close);
  t.regex(String((await get(`${s.url}/status`)).error), /^malformed response: bad status line/);
  t.regex(String((await get(`${s.url}/length`)).error), /^malformed response: bad Content-Length/);
  t.regex(String((await get(`${s.url}/te`)).error), /unsupported Transfer-Encoding "gzip"/);
  t.regex(String((await get(`${s.url}/chunk`)).error), /bad chunk size "zz"/);
  t.is((await get(`${s.url}/head`)).error, 'malformed response: headers longer than 8 KiB');
});

test('refused connections, unsupported schemes and bad URLs', async (t) => {
  const s = await raw(() => {});
  const port = new URL(s.url).port;
  s.close();
  await new Promise((r) => setTimeout(r, 50));
  t.regex(String((await get(`http://127.0.0.1:${port}/`)).error), /^connection failed: ECONNREFUSED/);
  t.is((await get('https://prov.example/x')).error, 'https needs TLS, which this HAL does not offer (use http)');
  t.is((await get('tftp://10.0.0.1/x')).error, 'tftp is not supported (use http)');
  t.regex(String((await get('http://exa mple/')).error), /bad host/);
  t.regex(String((await get('http://127.0.0.1:99999/')).error), /bad port/);
  t.regex(String((await get('http://nonexistent.invalid/')).error), /^cannot resolve nonexistent\.invalid/);
});

test('a host name is resolved through the firmware resolver', async (t) => {
  const s = await serve((_req, res) => res.end('by name'));
  t.teardown(s.close);
  const r = await get(s.url.replace('127.0.0.1', 'localhost'));
  if (r.error !== null && /cannot resolve/.test(r.error)) return t.pass(`no resolver for localhost here: ${r.error}`);
  t.is(r.error, null);
  t.is(r.res!.body, 'by name');
});

test('URL parsing and Location resolution', (t) => {
  t.deepEqual(parseHttpUrl('http://[::1]:8080/p?q#frag'), { host: '::1', port: 8080, path: '/p?q' });
  t.deepEqual(parseHttpUrl('http://Prov.Example'), { host: 'Prov.Example', port: 80, path: '/' });
  t.deepEqual(parseHttpUrl('HTTP://h?x=1'), { host: 'h', port: 80, path: '/?x=1' });
  t.throws(() => parseHttpUrl('http://user:pw@h/'), { message: /credentials/ });
  const base = parseHttpUrl('http://h:81/dir/file.json?x');
  t.is(resolveLocation(base, 'other.json'), 'http://h:81/dir/other.json');
  t.is(resolveLocation(base, '/root'), 'http://h:81/root');
  t.is(resolveLocation(base, '//k/x'), 'http://k/x');
  t.is(resolveLocation(base, 'http://z/'), 'http://z/');
});
