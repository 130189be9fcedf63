// Firmware images: the byte layout, the round trip, and every corruption refused with the right message.
import { createHash } from 'node:crypto';
import test from 'ava';
import { HEADER_BYTES, IMAGE_MAGIC, ImageError, MAX_MANIFEST_BYTES, createImage, readImage } from '../../image/image.ts';

const PAYLOAD = new TextEncoder().encode('var quipFirmware=(()=>{return{hello:"wörld"}})();\n'.repeat(20));
const BUILD_TIME = '2025-01-02T03:04:05.678Z';

function sample(): Uint8Array {
  return createImage({ board: 'small2', version: '1.2.3', payload: PAYLOAD, entry: 'quipFirmware', buildTime: BUILD_TIME });
}

function manifestLength(image: Uint8Array): number {
  return new DataView(image.buffer, image.byteOffset).getUint32(8, true);
}

/** Offset of the first byte of `text` inside the manifest. */
function offsetOf(image: Uint8Array, text: string): number {
  const manifest = new TextDecoder().decode(image.subarray(HEADER_BYTES, HEADER_BYTES + manifestLength(image)));
  const at = manifest.indexOf(text);
  if (at < 0) throw new Error(`${text} not in manifest`);
  return HEADER_BYTES + new TextEncoder().encode(manifest.slice(0, at)).byteLength;
}

function flipped(image: Uint8Array, offset: number, mask = 0x01): Uint8Array {
  const copy = image.slice();
  copy[offset]! ^= mask;
  return copy;
}

/** An image with a hand-made manifest, for fields createImage would never write. */
function withManifest(manifest: unknown, payload = PAYLOAD): Uint8Array {
  const json = new TextEncoder().encode(JSON.stringify(manifest));
  const image = new Uint8Array(HEADER_BYTES + json.byteLength + payload.byteLength);
  image.set(new TextEncoder().encode(IMAGE_MAGIC));
  new DataView(image.buffer).setUint32(8, json.byteLength, true);
  image.set(json, HEADER_BYTES);
  image.set(payload, HEADER_BYTES + json.byteLength);
  return image;
}

function goodManifest(): Record<string, unknown> {
  return {
    format: 1,
    board: 'small2',
    version: '1.2.3',
    buildTime: BUILD_TIME,
    size: PAYLOAD.byteLength,
    sha256: createHash('sha256').update(PAYLOAD).digest('hex'),
    entry: 'quipFirmware',
  };
}

function refused(t: import('ava').ExecutionContext, image: Uint8Array, message: RegExp, board?: string): void {
  const err = t.throws(() => readImage(image, board), { instanceOf: ImageError });
  t.regex(err!.message, message);
}

test('create → read round trip gives back the payload and the manifest', (t) => {
  const { manifest, payload } = readImage(sample(), 'small2');
  t.deepEqual(payload, PAYLOAD);
  t.deepEqual(manifest, goodManifest());
});

test('the layout is magic, u32 LE manifest length, JSON manifest, payload', (t) => {
  const image = sample();
  t.is(new TextDecoder().decode(image.subarray(0, 8)), 'QUIPFW01');
  const n = manifestLength(image);
  t.deepEqual(JSON.parse(new TextDecoder().decode(image.subarray(12, 12 + n))), goodManifest());
  t.deepEqual(image.subarray(12 + n), PAYLOAD);
  t.is(image.byteLength, 12 + n + PAYLOAD.byteLength);
});

test('createImage defaults buildTime to now and accepts an empty payload', (t) => {
  const before = Date.now();
  const { manifest, payload } = readImage(createImage({ board: 'desk6', version: '0.1.0', payload: new Uint8Array(), entry: 'quipFirmware' }));
  t.is(payload.byteLength, 0);
  t.true(Date.parse(manifest.buildTime) >= before - 1000 && Date.parse(manifest.buildTime) <= Date.now());
});

test('readImage works on a view into a larger buffer', (t) => {
  const image = sample();
  const big = new Uint8Array(image.byteLength + 7);
  big.set(image, 3);
  t.deepEqual(readImage(big.subarray(3, 3 + image.byteLength)).payload, PAYLOAD);
});

test('readers ignore manifest fields they do not know (room for A/B slots, signatures)', (t) => {
  const { manifest } = readImage(withManifest({ ...goodManifest(), slot: 'b', future: { x: 1 } }));
  t.is(manifest.board, 'small2');
});

test('createImage refuses a manifest it could not read back', (t) => {
  const base = { version: '1', payload: PAYLOAD, entry: 'quipFirmware' };
  t.throws(() => createImage({ ...base, board: 'Small 2' }), { instanceOf: ImageError, message: /board: expected a board id/ });
  t.throws(() => createImage({ ...base, board: 'small2', entry: 'not-an-identifier' }), { message: /entry: expected a JS identifier/ });
  t.throws(() => createImage({ ...base, board: 'small2', buildTime: 'yesterday' }), { message: /buildTime: expected an ISO 8601 time/ });
  t.throws(() => createImage({ ...base, board: 'small2', version: 'v'.repeat(MAX_MANIFEST_BYTES) }), { message: /version: expected a version string/ });
});

// ---- corruption ------------------------------------------------------------------------------

test('every flipped byte in the magic is refused as bad magic', (t) => {
  const image = sample();
  for (let i = 0; i < 8; i++) refused(t, flipped(image, i), /^not a quip firmware image: bad magic ".*", expected "QUIPFW01"$/);
  refused(t, flipped(image, 0, 0xff), /bad magic "\\xae/);
});

test('a flipped byte in the manifest length is refused', (t) => {
  const image = sample();
  refused(t, flipped(image, 11), /^manifest length \d+ out of range \(2 to 65536 bytes\)$/);
  refused(t, flipped(image, 10), /^manifest length \d+ out of range/);
  // Off by one: the manifest loses its closing brace or swallows the payload's first byte.
  refused(t, flipped(image, 8), /^manifest is not valid UTF-8 JSON/);
  refused(t, flipped(image, 9), /^image truncated: the manifest needs \d+ bytes|^manifest is not valid UTF-8 JSON/);
});

test('a manifest length of 0 is refused', (t) => {
  const image = sample();
  image.fill(0, 8, 12);
  refused(t, image, /^manifest length 0 out of range/);
});

test('flipped bytes in the manifest are refused with the field that broke', (t) => {
  const image = sample();
  refused(t, flipped(image, HEADER_BYTES), /^manifest is not valid UTF-8 JSON/, 'small2'); // '{' → 'z'
  refused(t, flipped(image, offsetOf(image, '"format"')), /^manifest is not valid UTF-8 JSON/); // quote → '#'
  refused(t, flipped(image, offsetOf(image, '1,"board"')), /^unsupported image format 0 \(this reader knows format 1\)$/);
  refused(t, flipped(image, offsetOf(image, 'small2') + 4, 0x20), /^manifest board: expected a board id, got "smalL2"$/);
  refused(t, flipped(image, offsetOf(image, 'small2') + 5), /^image is for small3, this board is small2$/, 'small2');
  const sizeDigits = String(PAYLOAD.byteLength);
  const lastSizeDigit = offsetOf(image, `"size":${sizeDigits}`) + '"size":'.length + sizeDigits.length - 1;
  refused(t, flipped(image, lastSizeDigit, 0x01), /^image truncated: payload is \d+ bytes, the manifest says \d+$|^image has 1 trailing bytes/);
  refused(t, flipped(image, lastSizeDigit, 0x02), /^image truncated: payload is \d+ bytes, the manifest says \d+$|^image has 2 trailing bytes/);
  const sha = offsetOf(image, createHash('sha256').update(PAYLOAD).digest('hex'));
  refused(t, flipped(image, sha, 0x40), /^manifest sha256: expected 64 lower-case hex digits/);
  refused(t, flipped(image, sha + 10, 0x01), /^image corrupt: payload SHA-256 is [0-9a-f]{64}, the manifest says [0-9a-f]{64}$/);
  refused(t, flipped(image, offsetOf(image, 'T03:04'), 0x20), /^manifest buildTime: expected an ISO 8601 time/);
  refused(t, flipped(image, offsetOf(image, 'quipFirmware'), 0x80), /^manifest is not valid UTF-8 JSON/);
});

test('every flipped byte in the payload is refused as corrupt', (t) => {
  const image = sample();
  const start = HEADER_BYTES + manifestLength(image);
  for (let i = start; i < image.byteLength; i++) {
    refused(t, flipped(image, i, 1 << (i % 8)), /^image corrupt: payload SHA-256 is /);
  }
});

test('an image truncated anywhere is refused', (t) => {
  const image = sample();
  const payloadStart = HEADER_BYTES + manifestLength(image);
  const cases: [number, RegExp][] = [
    [0, /^image too short: 0 bytes, the header alone is 12$/],
    [7, /^image too short: 7 bytes/],
    [11, /^image too short: 11 bytes/],
    [12, /^image truncated: the manifest needs \d+ bytes, only 0 present$/],
    [40, /^image truncated: the manifest needs \d+ bytes, only 28 present$/],
    [payloadStart - 1, /^image truncated: the manifest needs/],
    [payloadStart, new RegExp(`^image truncated: payload is 0 bytes, the manifest says ${PAYLOAD.byteLength}$`)],
    [payloadStart + 100, /^image truncated: payload is 100 bytes/],
    [image.byteLength - 1, new RegExp(`^image truncated: payload is ${PAYLOAD.byteLength - 1} bytes`)],
  ];
  for (const [length, message] of cases) refused(t, image.subarray(0, length), message);
});

test('bytes appended after the payload are refused', (t) => {
  const image = sample();
  const longer = new Uint8Array(image.byteLength + 3);
  longer.set(image);
  refused(t, longer, new RegExp(`^image has 3 trailing bytes after the ${PAYLOAD.byteLength}-byte payload$`));
});

test('an image for another board is refused', (t) => {
  refused(t, sample(), /^image is for small2, this board is desk6$/, 'desk6');
});

test('manifests that are not JSON objects, or miss or mistype fields, are refused', (t) => {
  const { sha256, ...noSha } = goodManifest();
  t.truthy(sha256);
  refused(t, withManifest(noSha), /^manifest sha256: expected 64 lower-case hex digits, it is missing$/);
  refused(t, withManifest({ ...goodManifest(), size: String(PAYLOAD.byteLength) }), /^manifest size: expected a byte count, got "\d+"$/);
  refused(t, withManifest({ ...goodManifest(), size: -1 }), /^manifest size: expected a byte count, got -1$/);
  refused(t, withManifest({ ...goodManifest(), version: 3 }), /^manifest version: expected a version string, got 3$/);
  refused(t, withManifest([1, 2]), /^manifest is not a JSON object$/);
  refused(t, withManifest('QUIP'), /^manifest is not a JSON object$/);
  refused(t, withManifest({ ...goodManifest(), format: '1' }), /^manifest format: expected an integer, got "1"$/);
  refused(t, withManifest({ format: 2, whatever: true }), /^unsupported image format 2 \(this reader knows format 1\)$/);
});

test('a manifest that is not UTF-8 is refused', (t) => {
  const image = sample();
  image[offsetOf(image, '1.2.3')] = 0xff;
  refused(t, image, /^manifest is not valid UTF-8 JSON/);
});
