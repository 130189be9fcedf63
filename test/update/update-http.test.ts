// The phone's HTTP update endpoint over real sockets on 127.0.0.1, with a recording installer.
import net from 'node:net';
import test from 'ava';
import { TRAILER_BYTES } from '../../image/image.ts';
import { signImage } from '../../image/signing.ts';
import { UploadError, uploadFirmware } from '../../scripts/flash-net.ts';
import { startUpdateServer } from '../../hal/emulator/update-server.ts';
import { BOARD, KEY, OTHER, eventually, flipped, otherKey, recorder, signedImage, startServer, unsignedImage } from './update-helpers.ts';

function url(port: number | null, path = ''): string {
  return `http://127.0.0.1:${port}${path}`;
}

/** Sends raw bytes, returns everything the server answers until it closes (or `ms` passes). */
function raw(port: number, bytes: string | Uint8Array, { end = true, ms = 5000 } = {}): Promise<string> {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    let answer = '';
    const timer = setTimeout(() => socket.destroy(), ms);
    socket.on('data', (d) => (answer += d.toString('latin1')));
    socket.on('error', () => {});
    socket.on('close', () => {
      clearTimeout(timer);
      resolve(answer);
    });
    socket.write(bytes, () => {
      if (end) socket.end();
    });
  });
}

test('a good signed image is uploaded, installed and the phone reboots', async (t) => {
  const rec = recorder();
  const { server } = await startServer(rec, { tftpPort: null });
  t.teardown(() => server.close());
  t.is(server.host, '127.0.0.1');
  t.is(server.tftpPort, null);
  const image = signedImage('small2', 300_000);
  const progress: number[] = [];
  const rebooted = rec.rebooted();
  const result = await uploadFirmware(url(server.httpPort), image, (sent, total) => {
    t.is(total, image.byteLength);
    progress.push(sent);
  });
  t.deepEqual(result, { slot: 'b', message: 'installed 1.2.3 in slot b; rebooting' });
  t.is(rec.installs.length, 1);
  t.deepEqual(rec.installs[0], image, 'install gets exactly the uploaded bytes');
  await rebooted;
  t.is(rec.reboots, 1);
  t.true(progress.length > 1, 'progress in several steps');
  t.is(progress[progress.length - 1], image.byteLength);
  t.deepEqual(progress, [...progress].sort((a, b) => a - b));
});

test('GET /status names the board, the running firmware and the update state', async (t) => {
  const rec = recorder();
  const { server } = await startServer(rec);
  t.teardown(() => server.close());
  const res = await fetch(url(server.httpPort, '/status'));
  t.is(res.status, 200);
  t.is(res.headers.get('content-type'), 'application/json; charset=utf-8');
  t.deepEqual(await res.json(), { board: 'small2', version: '1.0.0', slot: 'a', update: 'idle', signedOnly: true });
  // After a refusal, the status remembers why.
  await t.throwsAsync(uploadFirmware(url(server.httpPort), unsignedImage()));
  const after = (await (await fetch(url(server.httpPort, '/status'))).json()) as { last: unknown };
  t.deepEqual(after.last, { ok: false, message: `unsigned image refused: this board only accepts images signed by key ${KEY.keyId}` });
});

test('unsigned, corrupt, truncated, tampered, wrong-key and wrong-board images are refused with the clear message; install never runs', async (t) => {
  const rec = recorder();
  const { server } = await startServer(rec);
  t.teardown(() => server.close());
  const good = signedImage();
  const manifestLength = new DataView(good.buffer).getUint32(8, true);
  const cases: [string, Uint8Array, RegExp][] = [
    ['unsigned', unsignedImage(), new RegExp(`refused the image: unsigned image refused: this board only accepts images signed by key ${KEY.keyId} \\(HTTP 422\\)$`)],
    ['corrupt payload', flipped(good, 12 + manifestLength + 100), /refused the image: image corrupt: payload SHA-256 is [0-9a-f]{64}, the manifest says [0-9a-f]{64} \(HTTP 422\)$/],
    ['tampered manifest', flipped(good, 12 + new TextDecoder().decode(good.subarray(12, 12 + manifestLength)).indexOf('1.2.3') + 2), /refused the image: bad signature: the image was changed after it was signed/],
    ['bad signature byte', flipped(good, good.byteLength - 5), /refused the image: bad signature/],
    ['truncated signature', good.subarray(0, good.byteLength - 10), /refused the image: signature truncated: the trailer is 70 of 80 bytes \(HTTP 422\)$/],
    ['truncated payload', good.subarray(0, good.byteLength - TRAILER_BYTES - 1000), /refused the image: image truncated: payload is \d+ bytes, the manifest says \d+ \(HTTP 422\)$/],
    ['wrong key', signImage(unsignedImage(), otherKey), new RegExp(`image signed by key ${OTHER.keyId}, but this board only accepts images signed by key ${KEY.keyId}`)],
    ['wrong board', signedImage('desk6'), /refused the image: image is for desk6, this board is small2 \(HTTP 422\)$/],
    ['not an image', new TextEncoder().encode('<html>firmware</html>'), /refused the image: not a quip firmware image: bad magic/],
    ['empty', new Uint8Array(0), /refused the image: no image: the request body is empty \(HTTP 400\)$/],
  ];
  for (const [what, image, message] of cases) {
    const err = await t.throwsAsync(uploadFirmware(url(server.httpPort), image), { instanceOf: UploadError }, what);
    t.regex(err!.message, message, what);
    t.true(err!.message.startsWith(`the phone at 127.0.0.1:${server.httpPort} refused the image: `), what);
  }
  t.is(rec.installs.length, 0);
  t.is(rec.reboots, 0);
  // And a good one still goes through afterwards.
  t.is((await uploadFirmware(url(server.httpPort), good)).slot, 'b');
});

test('an oversized image is refused with 413 before the body is sent, and when streamed without a length', async (t) => {
  const rec = recorder();
  const { server } = await startServer(rec, { maxImageBytes: 64 * 1024 });
  t.teardown(() => server.close());
  const big = signedImage('small2', 200_000);
  const progress: number[] = [];
  const err = await t.throwsAsync(uploadFirmware(url(server.httpPort), big, (sent) => progress.push(sent)));
  t.regex(err!.message, new RegExp(`refused the image: image too large: ${big.byteLength} bytes, this phone takes at most 65536 \\(HTTP 413\\)$`));
  t.deepEqual(progress, [], 'Expect: 100-continue saved sending the body');
  // Chunked, so the size shows only while streaming.
  const chunk = 'x'.repeat(16 * 1024);
  let body = '';
  for (let i = 0; i < 8; i++) body += `${chunk.length.toString(16)}\r\n${chunk}\r\n`;
  const answer = await raw(server.httpPort!, `POST /firmware HTTP/1.1\r\nHost: phone\r\nContent-Type: application/octet-stream\r\nTransfer-Encoding: chunked\r\n\r\n${body}0\r\n\r\n`);
  t.regex(answer, /^HTTP\/1\.1 413 /);
  t.regex(answer, /"error":"image too large: more than 65536 bytes, this phone takes at most 65536"/);
  t.is(rec.installs.length, 0);
  t.true(await eventually(() => rec.installs.length === 0), 'still nothing installed');
  t.is((await uploadFirmware(url(server.httpPort), signedImage('small2', 10_000))).slot, 'b', 'the next upload works');
});

test('wrong method, path, media type and garbage HTTP get clear JSON errors, never a crash', async (t) => {
  const rec = recorder();
  const { server } = await startServer(rec);
  t.teardown(() => server.close());
  const base = url(server.httpPort);
  const get = await fetch(`${base}/firmware`);
  t.is(get.status, 405);
  t.is(get.headers.get('allow'), 'POST, PUT');
  t.deepEqual(await get.json(), { ok: false, error: 'upload the image with POST /firmware' });
  const missing = await fetch(`${base}/admin`);
  t.is(missing.status, 404);
  t.regex(((await missing.json()) as { error: string }).error, /^no such endpoint \/admin: use POST \/firmware or GET \/status$/);
  const typed = await fetch(`${base}/firmware`, { method: 'POST', body: 'hello', headers: { 'Content-Type': 'text/plain' } });
  t.is(typed.status, 415);
  t.deepEqual(await typed.json(), { ok: false, error: 'the image goes as application/octet-stream, not text/plain' });
  t.regex(await raw(server.httpPort!, 'POST /firmware HTTP/1.1\r\nHost: x\r\n\r\n'), /^HTTP\/1\.1 411 [^]*no image: send the image as the request body/);
  t.regex(await raw(server.httpPort!, '\x16\x03\x01\x02\x00garbage\r\n\r\n'), /^HTTP\/1\.1 400 Bad Request\r\n[^]*"error":"bad HTTP request \(HPE_/);
  t.regex(await raw(server.httpPort!, `GET /status HTTP/1.1\r\nX: ${'a'.repeat(100_000)}\r\n\r\n`), /^HTTP\/1\.1 431 /);
  t.regex(await raw(server.httpPort!, 'POST /firmware HTTP/1.1\r\nContent-Length: abc\r\n\r\n'), /^HTTP\/1\.1 400 /);
  t.is(rec.installs.length, 0);
  t.is((await fetch(`${base}/status`)).status, 200, 'still serving');
});

test('an install failure is reported and nothing reboots', async (t) => {
  const rec = recorder();
  rec.failWith = 'flash write error at 0x40000';
  const { server } = await startServer(rec);
  t.teardown(() => server.close());
  const err = await t.throwsAsync(uploadFirmware(url(server.httpPort), signedImage()));
  t.regex(err!.message, /refused the image: install failed: flash write error at 0x40000; the running firmware stays \(HTTP 500\)$/);
  t.is(rec.installs.length, 1);
  t.is(rec.reboots, 0);
});

test('one update at a time: a second upload while installing is refused as busy', async (t) => {
  const rec = recorder();
  const { server } = await startServer(rec);
  t.teardown(() => server.close());
  const release = rec.hold();
  const first = uploadFirmware(url(server.httpPort), signedImage());
  t.true(await eventually(() => rec.installs.length === 1));
  const status = (await (await fetch(url(server.httpPort, '/status'))).json()) as { update: string; progress: unknown };
  t.is(status.update, 'installing');
  t.truthy(status.progress);
  const err = await t.throwsAsync(uploadFirmware(url(server.httpPort), signedImage()));
  t.regex(err!.message, /refused the image: busy: another update is in progress \(http from [^)]+\) \(HTTP 409\)$/);
  const tftpBusy = await t.throwsAsync(uploadFirmware(`udp://127.0.0.1:${server.tftpPort}`, signedImage()));
  t.regex(tftpBusy!.message, /refused the image: busy: another update is in progress/);
  release();
  t.is((await first).slot, 'b');
  t.is(rec.installs.length, 1);
  t.is((await uploadFirmware(url(server.httpPort), signedImage())).slot, 'b', 'free again');
});

test('a client that stops mid-upload does not leave the phone busy', async (t) => {
  const rec = recorder();
  const { server, log } = await startServer(rec);
  t.teardown(() => server.close());
  const socket = net.connect(server.httpPort!, '127.0.0.1');
  socket.on('error', () => {});
  socket.write('POST /firmware HTTP/1.1\r\nHost: x\r\nContent-Type: application/octet-stream\r\nContent-Length: 100000\r\n\r\n');
  socket.write(Buffer.alloc(5000, 1));
  await new Promise((resolve) => setTimeout(resolve, 100));
  socket.destroy();
  t.true(await eventually(() => log.includes('update: upload aborted by the client')), log.join('\n'));
  t.is((await uploadFirmware(url(server.httpPort), signedImage())).slot, 'b');
  t.is(rec.installs.length, 1);
});

test('a slow client is cut off by the request timeout, and the phone is free again', async (t) => {
  const rec = recorder();
  const { server, log } = await startServer(rec, { requestTimeoutMs: 1000 });
  t.teardown(() => server.close());
  // The 408 is the request timeout's answer; the 30 s is a ceiling on waiting for it, not a budget.
  const answer = await raw(server.httpPort!, 'POST /firmware HTTP/1.1\r\nHost: x\r\nContent-Length: 100000\r\n\r\nQUIPFW01', { end: false, ms: 30_000 });
  t.regex(answer, /^HTTP\/1\.1 408 /);
  t.true(await eventually(() => log.includes('update: upload aborted by the client')), log.join('\n'));
  t.is((await uploadFirmware(url(server.httpPort), signedImage())).slot, 'b');
});

test('without a public key the board takes unsigned images; an unreachable phone is a clear error', async (t) => {
  const rec = recorder();
  const server = await startUpdateServer({ board: { id: 'small2', update: { httpPort: 0 } }, install: rec.install, reboot: rec.reboot });
  t.is(server.tftpPort, null, 'ports come from the board config');
  const result = await uploadFirmware(url(server.httpPort), unsignedImage());
  t.is(result.slot, 'b');
  const port = server.httpPort;
  await server.close();
  const err = await t.throwsAsync(uploadFirmware(url(port), unsignedImage()), { instanceOf: UploadError });
  t.regex(err!.message, new RegExp(`^cannot upload to 127\\.0\\.0\\.1:${port}: connect ECONNREFUSED`));
  await t.throwsAsync(startUpdateServer({ board: { id: 'small2' }, install: rec.install, reboot: rec.reboot }), { message: /no update endpoint to start/ });
  await t.throwsAsync(uploadFirmware('ftp://127.0.0.1:21', unsignedImage()), { message: /cannot upload to ftp:\/\/ URLs \(expected http:\/\/host:port or udp:\/\/host:port\)/ });
  await t.throwsAsync(uploadFirmware('udp://127.0.0.1', unsignedImage()), { message: /no port in udp:\/\/127\.0\.0\.1/ });
  void BOARD;
});
