// The phone's TFTP update endpoint over real UDP sockets on 127.0.0.1: uploads, refusals as TFTP
// ERROR packets, packet loss through a lossy relay, and clients that misbehave or vanish.
import dgram from 'node:dgram';
import type { AddressInfo } from 'node:net';
import test from 'ava';
import { createImage } from '../../image/image.ts';
import { signImage } from '../../image/signing.ts';
import { OP, decodePacket, encodeData, encodeRequest } from '../../hal/emulator/tftp.ts';
import type { TftpPacket } from '../../hal/emulator/tftp.ts';
import { UploadError, uploadFirmware } from '../../scripts/flash-net.ts';
import { KEY, delay, eventually, flipped, privateKey, recorder, signedImage, startServer, unsignedImage } from './update-helpers.ts';

const FAST = { timeoutMs: 100, retries: 8 };

/** A test-side TFTP peer: sends raw packets, reads the answers. */
async function peer(): Promise<{ send(bytes: Uint8Array, port: number): void; next(ms?: number): Promise<{ packet: TftpPacket; port: number } | null>; close(): void }> {
  const socket = dgram.createSocket('udp4');
  const queue: { packet: TftpPacket; port: number }[] = [];
  let wake: (() => void) | null = null;
  socket.on('message', (msg, rinfo) => {
    queue.push({ packet: decodePacket(new Uint8Array(msg)), port: rinfo.port });
    wake?.();
  });
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
  return {
    send: (bytes, port) => socket.send(bytes, port, '127.0.0.1'),
    next: async (ms = 5000) => {
      const until = Date.now() + ms;
      while (queue.length === 0 && Date.now() < until) {
        await new Promise<void>((resolve) => {
          wake = resolve;
          setTimeout(resolve, until - Date.now());
        });
        wake = null;
      }
      return queue.shift() ?? null;
    },
    close: () => socket.close(),
  };
}

/** A UDP relay between client and phone that drops the datagrams `drop` picks, both ways. */
async function lossyRelay(serverPort: number, drop: (direction: 'up' | 'down', n: number) => boolean): Promise<{ port: number; dropped: number; close(): void }> {
  const front = dgram.createSocket('udp4');
  const back = dgram.createSocket('udp4');
  let client: { port: number; address: string } | null = null;
  let transferPort = serverPort;
  let up = 0;
  let down = 0;
  const relay = { port: 0, dropped: 0, close: () => (front.close(), back.close()) };
  front.on('message', (msg, rinfo) => {
    client = rinfo;
    if (drop('up', up++)) return void relay.dropped++;
    const op = msg.readUInt16BE(0);
    // Requests go to the phone's well-known port; everything else to the transfer's port.
    back.send(msg, op === OP.WRQ || op === OP.RRQ ? serverPort : transferPort, '127.0.0.1');
  });
  back.on('message', (msg, rinfo) => {
    transferPort = rinfo.port;
    if (drop('down', down++)) return void relay.dropped++;
    if (client) front.send(msg, client.port, client.address);
  });
  await new Promise<void>((resolve) => front.bind(0, '127.0.0.1', resolve));
  await new Promise<void>((resolve) => back.bind(0, '127.0.0.1', resolve));
  relay.port = (front.address() as AddressInfo).port;
  return relay;
}

test('a good signed image is uploaded over TFTP, installed and the phone reboots', async (t) => {
  const rec = recorder();
  const { server } = await startServer(rec, { httpPort: null });
  t.teardown(() => server.close());
  t.is(server.httpPort, null);
  const image = signedImage('small2', 100_000);
  const progress: number[] = [];
  const rebooted = rec.rebooted();
  const result = await uploadFirmware(`udp://127.0.0.1:${server.tftpPort}`, image, (sent) => progress.push(sent), FAST);
  t.regex(result.message, new RegExp(`^installed ${image.byteLength} bytes over TFTP`));
  t.deepEqual(rec.installs, [image]);
  await rebooted;
  t.is(rec.reboots, 1);
  t.is(progress[progress.length - 1], image.byteLength);
  t.is(progress.length, Math.floor(image.byteLength / 1428) + 1, 'one step per block of the negotiated 1428 bytes');
});

test('an image that is an exact multiple of the block size ends with an empty block', async (t) => {
  const rec = recorder();
  const { server } = await startServer(rec);
  t.teardown(() => server.close());
  // Grow the payload until image + signature is a whole number of 512-byte blocks.
  let image: Uint8Array = new Uint8Array(0);
  for (let extra = 0; extra < 512; extra++) {
    image = signImage(createImage({ board: 'small2', version: '1.2.3', payload: new Uint8Array(4000 + extra).fill(0x20), entry: 'quipFirmware', buildTime: '2025-01-02T03:04:05Z' }), privateKey);
    if (image.byteLength % 512 === 0) break;
  }
  t.is(image.byteLength % 512, 0);
  const progress: number[] = [];
  await uploadFirmware(`tftp://127.0.0.1:${server.tftpPort}`, image, (sent) => progress.push(sent), { ...FAST, blksize: 512 });
  t.deepEqual(rec.installs, [image]);
  t.is(progress.length, image.byteLength / 512 + 1);
});

test('refused images come back as TFTP errors with the clear message; install never runs', async (t) => {
  const rec = recorder();
  const { server } = await startServer(rec, { maxImageBytes: 64 * 1024 });
  t.teardown(() => server.close());
  const to = `udp://127.0.0.1:${server.tftpPort}`;
  const good = signedImage('small2', 10_000);
  const cases: [string, Uint8Array, RegExp][] = [
    ['unsigned', unsignedImage('small2', 10_000), new RegExp(`refused the image: unsigned image refused: this board only accepts images signed by key ${KEY.keyId}$`)],
    ['corrupt', flipped(good, 2000), /refused the image: image corrupt: payload SHA-256 is /],
    ['truncated', good.subarray(0, 5000), /refused the image: image truncated: payload is \d+ bytes, the manifest says 10000$/],
    ['bad signature', flipped(good, good.byteLength - 1), /refused the image: bad signature: the image was changed after it was signed/],
    ['wrong board', signedImage('desk6', 10_000), /refused the image: image is for desk6, this board is small2$/],
    ['oversized', signedImage('small2', 100_000), /refused the image: image too large: \d+ bytes, this phone takes at most 65536$/],
  ];
  for (const [what, image, message] of cases) {
    const err = await t.throwsAsync(uploadFirmware(to, image, () => {}, FAST), { instanceOf: UploadError }, what);
    t.regex(err!.message, message, what);
  }
  t.is(rec.installs.length, 0);
  t.is(rec.reboots, 0);
  await uploadFirmware(to, good, () => {}, FAST);
  t.is(rec.installs.length, 1, 'a good image still goes through');
});

test('an oversized upload without tsize is cut off with a TFTP error once it passes the cap', async (t) => {
  const rec = recorder();
  const { server } = await startServer(rec, { maxImageBytes: 2048 });
  t.teardown(() => server.close());
  const p = await peer();
  t.teardown(() => p.close());
  p.send(encodeRequest(OP.WRQ, 'big.qfw', 'octet'), server.tftpPort!);
  const ack0 = await p.next();
  t.deepEqual(ack0?.packet, { op: OP.ACK, block: 0 }, 'no options asked: a plain ACK 0, blocks of 512');
  let answer: TftpPacket | undefined;
  for (let block = 1; block <= 6; block++) {
    p.send(encodeData(block, new Uint8Array(512)), ack0!.port);
    answer = (await p.next())?.packet;
    if (answer?.op === OP.ERROR) break;
  }
  t.deepEqual(answer, { op: OP.ERROR, code: 3, message: 'image too large: more than 2048 bytes' });
  t.is(rec.installs.length, 0);
});

test('TFTP with packet loss both ways still completes, the image intact', async (t) => {
  const rec = recorder();
  const { server } = await startServer(rec, { tftpTimeoutMs: 150, tftpRetries: 10 });
  t.teardown(() => server.close());
  // The first request, every 4th datagram up and every 5th down are lost (the final block and ACK included, by luck or not).
  const relay = await lossyRelay(server.tftpPort!, (direction, n) => (direction === 'up' ? n === 0 || n % 4 === 3 : n % 5 === 2));
  t.teardown(() => relay.close());
  const image = signedImage('small2', 30_000);
  await uploadFirmware(`udp://127.0.0.1:${relay.port}`, image, () => {}, { timeoutMs: 100, retries: 10, blksize: 512 });
  t.deepEqual(rec.installs, [image], 'installed once, byte for byte');
  t.true(relay.dropped > 20, `${relay.dropped} datagrams dropped`);
  t.true(await eventually(() => rec.reboots === 1));
});

test('a client that stops mid-transfer is given up on; the next upload works', async (t) => {
  const rec = recorder();
  const { server, log } = await startServer(rec, { tftpTimeoutMs: 100, tftpRetries: 2 });
  t.teardown(() => server.close());
  const p = await peer();
  t.teardown(() => p.close());
  p.send(encodeRequest(OP.WRQ, 'firmware.qfw', 'octet', { blksize: '1024', tsize: '50000' }), server.tftpPort!);
  const oack = await p.next();
  t.deepEqual(oack?.packet, { op: OP.OACK, options: { blksize: '1024', tsize: '50000' } });
  p.send(encodeData(1, new Uint8Array(1024)), oack!.port);
  // The phone ACKs, then resends its ACK while waiting, then gives up with an error.
  const answers: TftpPacket[] = [];
  for (let answer = await p.next(); answer; answer = await p.next(2000)) {
    answers.push(answer.packet);
    if (answer.packet.op === OP.ERROR) break;
  }
  t.deepEqual(answers.slice(0, 3), [{ op: OP.ACK, block: 1 }, { op: OP.ACK, block: 1 }, { op: OP.ACK, block: 1 }]);
  t.deepEqual(answers[answers.length - 1], { op: OP.ERROR, code: 0, message: 'timed out waiting for block 2' });
  t.true(log.some((l) => /aborted: client silent, gave up waiting for block 2/.test(l)), log.join('\n'));
  await uploadFirmware(`udp://127.0.0.1:${server.tftpPort}`, signedImage(), () => {}, FAST);
  t.is(rec.installs.length, 1);
});

test('a client that sends an ERROR mid-transfer frees the phone at once', async (t) => {
  const rec = recorder();
  const { server } = await startServer(rec, { tftpTimeoutMs: 5000 });
  t.teardown(() => server.close());
  const client = await peer();
  t.teardown(() => client.close());
  client.send(encodeRequest(OP.WRQ, 'f', 'octet'), server.tftpPort!);
  const ack = await client.next();
  client.send(encodeData(1, new Uint8Array(512)), ack!.port);
  await client.next();
  client.send(new Uint8Array([0, 5, 0, 0, ...new TextEncoder().encode('user pressed Ctrl-C'), 0]), ack!.port);
  await delay(50);
  await uploadFirmware(`udp://127.0.0.1:${server.tftpPort}`, signedImage(), () => {}, FAST);
  t.is(rec.installs.length, 1, 'not busy: the 5 s timeout did not have to run out');
});

test('hostile and unsupported packets get TFTP errors; the server keeps serving', async (t) => {
  const rec = recorder();
  const { server, log } = await startServer(rec);
  t.teardown(() => server.close());
  const p = await peer();
  t.teardown(() => p.close());
  const port = server.tftpPort!;
  const ask = async (bytes: Uint8Array): Promise<TftpPacket | undefined> => {
    p.send(bytes, port);
    return (await p.next())?.packet;
  };
  t.deepEqual(await ask(new Uint8Array([1])), { op: OP.ERROR, code: 4, message: 'illegal TFTP operation: packet too short (1 bytes)' });
  t.deepEqual(await ask(new Uint8Array([0, 9, 1, 2, 3])), { op: OP.ERROR, code: 4, message: 'illegal TFTP operation: unknown opcode 9' });
  t.deepEqual(await ask(new Uint8Array([0, 2, 0x66, 0x77])), { op: OP.ERROR, code: 4, message: 'illegal TFTP operation: write request: a string is not NUL-terminated' });
  t.deepEqual(await ask(encodeRequest(OP.WRQ, 'f', 'octet', { blksize: '512', tsize: '1' }).subarray(0, 28)), { op: OP.ERROR, code: 4, message: 'illegal TFTP operation: write request: option "tsize" has no value' });
  t.deepEqual(await ask(encodeRequest(OP.RRQ, 'firmware.qfw', 'octet')), { op: OP.ERROR, code: 2, message: 'this phone only accepts firmware uploads (write requests)' });
  t.deepEqual(await ask(encodeRequest(OP.WRQ, 'firmware.qfw', 'netascii')), { op: OP.ERROR, code: 4, message: 'firmware goes in octet mode, not netascii' });
  t.deepEqual(await ask(encodeData(1, new Uint8Array(10))), { op: OP.ERROR, code: 4, message: 'illegal TFTP operation: expected a write request' });
  t.deepEqual(await ask(encodeRequest(OP.WRQ, 'f', 'octet', { tsize: String(100 * 1024 * 1024) })), { op: OP.ERROR, code: 3, message: `image too large: ${100 * 1024 * 1024} bytes, this phone takes at most ${8 * 1024 * 1024}` });
  // A tiny block size is not honoured (too many round trips): the option is left out, blocks are 512.
  t.deepEqual(await ask(encodeRequest(OP.WRQ, 'f', 'octet', { blksize: '8' })), { op: OP.ACK, block: 0 });
  // That transfer is abandoned by us and times out on the phone (200 ms × 4).
  t.true(await eventually(() => log.some((l) => l.includes('aborted: client silent'))), log.join('\n'));
  t.is(rec.installs.length, 0);
  await uploadFirmware(`udp://127.0.0.1:${port}`, signedImage(), () => {}, FAST);
  t.is(rec.installs.length, 1);
});

test('a packet from a stranger to a transfer port is answered "unknown transfer ID" and the upload goes on', async (t) => {
  const rec = recorder();
  const { server } = await startServer(rec);
  t.teardown(() => server.close());
  const client = await peer();
  const stranger = await peer();
  t.teardown(() => (client.close(), stranger.close()));
  client.send(encodeRequest(OP.WRQ, 'f', 'octet'), server.tftpPort!);
  const ack0 = await client.next();
  stranger.send(encodeData(1, new Uint8Array(3)), ack0!.port);
  t.deepEqual((await stranger.next())?.packet, { op: OP.ERROR, code: 5, message: 'unknown transfer ID' });
  const image = signedImage('small2', 300);
  client.send(encodeData(1, image.subarray(0, 512)), ack0!.port);
  t.like((await client.next())?.packet, { op: OP.ACK, block: 1 });
  client.send(encodeData(2, image.subarray(512)), ack0!.port);
  t.like((await client.next())?.packet, { op: OP.ACK, block: 2 });
  t.deepEqual(rec.installs, [image]);
});
