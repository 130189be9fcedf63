// Signed images: the trailer layout, the round trip, tamper detection and the board's acceptance check.
import { createHash, generateKeyPairSync, sign as edSign, verify as edVerify, createPublicKey } from 'node:crypto';
import { readFileSync } from 'node:fs';
import test from 'ava';
import { HEADER_BYTES, ImageError, SIGNATURE_MAGIC, TRAILER_BYTES, createImage, readImage } from '../../image/image.ts';
import {
  SigningKeyError,
  decodePublicKey,
  generateKeyPair,
  keyIdOf,
  loadPrivateKey,
  publicKeyOf,
  signImage,
  verifyImageSignature,
} from '../../image/signing.ts';
import { checkUpdateImage } from '../../image/update-check.ts';
import type { BoardConfig } from '../../hal/board-config.ts';

const PAYLOAD = new TextEncoder().encode('var quipFirmware=(()=>({start(){}}))();\n'.repeat(50));
const KEY = generateKeyPair();
const OTHER = generateKeyPair();
const privateKey = loadPrivateKey(KEY.privateKeyPem);
const otherKey = loadPrivateKey(OTHER.privateKeyPem);
const rawKey = decodePublicKey(KEY.publicKeyBase64) as Uint8Array;
const BOARD = { id: 'small2', update: { publicKey: KEY.publicKeyBase64 } };
const OPEN_BOARD = { id: 'small2' };

function unsigned(board = 'small2'): Uint8Array {
  return createImage({ board, version: '1.2.3', payload: PAYLOAD, entry: 'quipFirmware', buildTime: '2025-01-02T03:04:05Z' });
}

function flipped(image: Uint8Array, offset: number, mask = 0x01): Uint8Array {
  const copy = image.slice();
  copy[offset]! ^= mask;
  return copy;
}

test('a signed image is the unsigned image plus an 80-byte trailer: magic, key id, Ed25519 signature', (t) => {
  const plain = unsigned();
  const signed = signImage(plain, privateKey);
  t.is(TRAILER_BYTES, 80);
  t.is(signed.byteLength, plain.byteLength + 80);
  t.deepEqual(signed.subarray(0, plain.byteLength), plain, 'the unsigned bytes are untouched');
  const trailer = signed.subarray(plain.byteLength);
  t.is(new TextDecoder().decode(trailer.subarray(0, 8)), SIGNATURE_MAGIC);
  // Key id: the first 8 bytes of SHA-256 of the raw public key.
  const keyId = createHash('sha256').update(rawKey).digest().subarray(0, 8);
  t.deepEqual(Buffer.from(trailer.subarray(8, 16)), keyId);
  t.is(KEY.keyId, keyId.toString('hex'));
  // Pure Ed25519 over every byte before the signature: what a C boot loader checks.
  const spki = createPublicKey(KEY.publicKeyPem);
  t.true(edVerify(null, signed.subarray(0, plain.byteLength + 16), spki, trailer.subarray(16)));
  // Ed25519 is deterministic: signing twice gives the same bytes.
  t.deepEqual(signImage(plain, privateKey), signed);
});

test('readImage accepts unsigned and signed images and says which key signed', (t) => {
  const plain = readImage(unsigned(), 'small2');
  t.is(plain.signature, null);
  const signed = readImage(signImage(unsigned(), privateKey), 'small2');
  t.is(signed.signature?.keyId, KEY.keyId);
  t.is(signed.signature?.signature.byteLength, 64);
  t.deepEqual(signed.payload, PAYLOAD);
  t.is(signed.manifest.version, '1.2.3');
});

test('signing round trip: the key verifies its image; another key does not', (t) => {
  const signed = signImage(unsigned(), privateKey);
  t.notThrows(() => verifyImageSignature(readImage(signed), rawKey));
  const accepted = checkUpdateImage(signed, BOARD);
  t.like(accepted, { signed: true, keyId: KEY.keyId, verified: true });
  t.is(accepted.manifest.board, 'small2');
  const wrong = signImage(unsigned(), otherKey);
  t.throws(() => checkUpdateImage(wrong, BOARD), {
    instanceOf: ImageError,
    message: `image signed by key ${OTHER.keyId}, but this board only accepts images signed by key ${KEY.keyId}`,
  });
});

test('re-signing replaces the old signature', (t) => {
  const resigned = signImage(signImage(unsigned(), otherKey), privateKey);
  t.is(resigned.byteLength, unsigned().byteLength + TRAILER_BYTES);
  t.like(checkUpdateImage(resigned, BOARD), { keyId: KEY.keyId, verified: true });
});

test('a flipped bit anywhere in a signed image is refused', (t) => {
  const signed = signImage(unsigned(), privateKey);
  const manifestLength = new DataView(signed.buffer).getUint32(8, true);
  const payloadStart = HEADER_BYTES + manifestLength;
  const trailer = signed.byteLength - TRAILER_BYTES;
  // The manifest's version is free text: only the signature notices a change there.
  const version = payloadStart - manifestLength + new TextDecoder().decode(signed.subarray(HEADER_BYTES, payloadStart)).indexOf('1.2.3');
  t.throws(() => checkUpdateImage(flipped(signed, version + 2), BOARD), { message: `bad signature: the image was changed after it was signed (key ${KEY.keyId})` });
  t.throws(() => checkUpdateImage(flipped(signed, payloadStart + 7), BOARD), { message: /^image corrupt: payload SHA-256 is / });
  t.throws(() => checkUpdateImage(flipped(signed, trailer + 2), BOARD), { message: /^image has 80 trailing bytes after the \d+-byte payload$/ }, 'trailer magic');
  t.throws(() => checkUpdateImage(flipped(signed, trailer + 9), BOARD), { message: /^image signed by key [0-9a-f]{16}, but this board only accepts images signed by key / }, 'key id');
  for (const at of [trailer + 16, trailer + 50, signed.byteLength - 1]) {
    t.throws(() => checkUpdateImage(flipped(signed, at, 0x80), BOARD), { message: /^bad signature: the image was changed after it was signed/ }, `signature byte ${at - trailer}`);
  }
  // Every byte of the manifest and payload, one bit each: never accepted.
  for (let i = 0; i < trailer; i += 7) {
    t.throws(() => checkUpdateImage(flipped(signed, i, 1 << (i % 8)), BOARD), { instanceOf: ImageError }, `byte ${i}`);
  }
});

test('a truncated signed image is refused with what is missing', (t) => {
  const signed = signImage(unsigned(), privateKey);
  const trailer = signed.byteLength - TRAILER_BYTES;
  t.throws(() => readImage(signed.subarray(0, signed.byteLength - 1)), { message: 'signature truncated: the trailer is 79 of 80 bytes' });
  t.throws(() => readImage(signed.subarray(0, trailer + 8)), { message: 'signature truncated: the trailer is 8 of 80 bytes' });
  t.throws(() => readImage(signed.subarray(0, trailer + 3)), { message: 'signature truncated: the trailer is 3 of 80 bytes' });
  t.throws(() => readImage(signed.subarray(0, trailer - 1)), { message: /^image truncated: payload is \d+ bytes, the manifest says \d+$/ });
  // Cut exactly at the trailer: a valid unsigned image, which a board with a key refuses.
  t.is(readImage(signed.subarray(0, trailer)).signature, null);
  t.throws(() => checkUpdateImage(signed.subarray(0, trailer), BOARD), { message: `unsigned image refused: this board only accepts images signed by key ${KEY.keyId}` });
  const longer = new Uint8Array(signed.byteLength + 2);
  longer.set(signed);
  t.throws(() => readImage(longer), { message: 'image has 2 trailing bytes after the signature' });
});

test('an unsigned image is refused only by a board with a key', (t) => {
  t.throws(() => checkUpdateImage(unsigned(), BOARD), { message: `unsigned image refused: this board only accepts images signed by key ${KEY.keyId}` });
  t.like(checkUpdateImage(unsigned(), OPEN_BOARD), { signed: false, keyId: null, verified: false });
  const endpointsNoKey: Pick<BoardConfig, 'id' | 'update'> = { id: 'small2', update: { httpPort: 0 } };
  t.like(checkUpdateImage(unsigned(), endpointsNoKey), { signed: false });
  // Without a key a signed image is accepted, its signature unchecked (nothing to check it with).
  t.like(checkUpdateImage(signImage(unsigned(), otherKey), OPEN_BOARD), { signed: true, keyId: OTHER.keyId, verified: false });
});

test('the board is checked before the signature: another board\'s signed image says so', (t) => {
  const desk6 = signImage(unsigned('desk6'), privateKey);
  t.throws(() => checkUpdateImage(desk6, BOARD), { message: 'image is for desk6, this board is small2' });
  t.throws(() => checkUpdateImage(new TextEncoder().encode('hello, phone'), BOARD), { message: /^not a quip firmware image: bad magic/ });
  t.throws(() => checkUpdateImage(new Uint8Array(0), BOARD), { message: /^image too short: 0 bytes/ });
});

test('keys: PEM round trip, raw base64 public key, clear errors for unusable keys', (t) => {
  t.deepEqual(publicKeyOf(privateKey), rawKey);
  t.is(keyIdOf(rawKey), KEY.keyId);
  t.regex(KEY.privateKeyPem, /^-----BEGIN PRIVATE KEY-----\n/);
  t.regex(KEY.publicKeyPem, /^-----BEGIN PUBLIC KEY-----\n/);
  t.regex(KEY.publicKeyBase64, /^[A-Za-z0-9+/]{43}=$/);
  t.throws(() => loadPrivateKey('not a key', 'k.pem'), { instanceOf: SigningKeyError, message: /^k\.pem is not a PEM private key/ });
  const rsa = generateKeyPairSync('rsa', { modulusLength: 1024 }).privateKey.export({ format: 'pem', type: 'pkcs8' }).toString();
  t.throws(() => loadPrivateKey(rsa, 'rsa.pem'), { instanceOf: SigningKeyError, message: 'rsa.pem is a rsa key; firmware images are signed with Ed25519 (quip keygen)' });
  t.throws(() => loadPrivateKey(KEY.publicKeyPem, 'pub.pem'), { instanceOf: SigningKeyError, message: /^pub\.pem is not a PEM private key/ });
  t.is(decodePublicKey('abc'), 'expected base64 (A-Z a-z 0-9 + /, padded with =)');
  t.is(decodePublicKey(Buffer.alloc(33).toString('base64')), 'expected a raw Ed25519 public key of 32 bytes, got 33 bytes');
  // The last character carries unused bits: a non-canonical spelling is a typo, not the same key.
  const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
  const last = ALPHABET[ALPHABET.indexOf(KEY.publicKeyBase64[42]!) ^ 1]!;
  t.is(decodePublicKey(KEY.publicKeyBase64.slice(0, 42) + last + '='), 'expected canonical base64');
});

test('the committed lab3 test key matches the lab3 fixture board', (t) => {
  const key = loadPrivateKey(readFileSync(new URL('../fixtures/keys/lab3-test.pem', import.meta.url), 'utf8'));
  const board = JSON.parse(readFileSync(new URL('../fixtures/boards/lab3.json', import.meta.url), 'utf8')) as { update: { publicKey: string } };
  t.is(Buffer.from(publicKeyOf(key)).toString('base64'), board.update.publicKey);
  // And an independent Ed25519 signature check agrees with ours.
  const image = signImage(unsigned('lab3'), key);
  const message = image.subarray(0, image.byteLength - 64);
  t.true(edVerify(null, message, createPublicKey(key), image.subarray(image.byteLength - 64)));
  t.deepEqual(new Uint8Array(edSign(null, message, key)), image.subarray(image.byteLength - 64));
});
