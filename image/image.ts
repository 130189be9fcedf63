// Firmware images (.qfw): the JS bundle plus a manifest, in a layout a C boot loader reads without a
// JSON library beyond the manifest itself:
//
//   offset 0   8 bytes   magic "QUIPFW01" (ASCII)
//   offset 8   4 bytes   manifest length N, u32 little-endian, 2..65536
//   offset 12  N bytes   manifest, UTF-8 JSON object (below)
//   12 + N     size      payload: the firmware bundle, UTF-8 JavaScript
//
// Manifest: { format: 1, board, version, buildTime (ISO 8601 UTC), size (payload bytes),
// sha256 (lower-case hex of the payload), entry (the global the bundle's exports land on) }.
//
// Signed images (image/signing.ts) append an 80-byte trailer at T = 12 + N + size, so unsigned
// images are unchanged and a reader finds the trailer from the manifest's size alone:
//
//   T       8 bytes   magic "QUIPSIG1" (ASCII)
//   T + 8   8 bytes   key id: the first 8 bytes of SHA-256(the signer's raw 32-byte Ed25519 public key)
//   T + 16  64 bytes  signature R || S: pure Ed25519 (RFC 8032: SHA-512, no prehash, no context)
//                     over bytes 0 .. T + 15 — everything before it: header, manifest, payload,
//                     trailer magic and key id
//
// A signed file is exactly T + 80 bytes. A boot loader checks the layout as for an unsigned image
// (manifest, size, board, SHA-256), then the trailer magic and length, then the signature with the
// board's public key, e.g. Monocypher's crypto_ed25519_check(sig, pub, image, T + 16) from
// src/optional/monocypher-ed25519.c (the core crypto_eddsa_check uses BLAKE2b and does not match).
// The key id only picks the key and names it in messages; the signature is what counts. Whether an
// unsigned image is acceptable is the board's policy (board config update.publicKey), not the image's.
//
// Native images (`quip build --native`) carry QuickJS bytecode instead of JavaScript, marked by two
// optional manifest fields: payload "quickjs-bytecode" and engine (e.g. "quickjs-2021-03-27", the
// engine version the bytecode is valid for: QuickJS bytecode is tied to its exact version). Only
// quip-host (host/) runs them, and only with that engine; JavaScript images omit both fields.
//
// Room to grow: readers ignore manifest fields they do not know, so fields that old boot loaders
// may safely skip (e.g. a target flash slot for A/B updates) can be added within format 1. A change
// old readers must not skip bumps `format`, which they refuse. Readers from before signatures
// refuse a signed image ("trailing bytes"), which fails safe.
import { createHash } from 'node:crypto';

export const IMAGE_MAGIC = 'QUIPFW01';
export const IMAGE_FORMAT = 1;
/** Magic + manifest length. */
export const HEADER_BYTES = 12;
/** Caps what a boot loader must buffer to read the manifest. */
export const MAX_MANIFEST_BYTES = 64 * 1024;
const MIN_MANIFEST_BYTES = 2; // "{}"
export const SIGNATURE_MAGIC = 'QUIPSIG1';
export const KEY_ID_BYTES = 8;
export const SIGNATURE_BYTES = 64;
/** Magic + key id + signature. */
export const TRAILER_BYTES = SIGNATURE_MAGIC.length + KEY_ID_BYTES + SIGNATURE_BYTES;

/** The signature trailer of a signed image, as read (not yet verified: see image/signing.ts). */
export interface ImageSignature {
  /** 16 lower-case hex digits: the first 8 bytes of SHA-256 of the signer's raw public key. */
  keyId: string;
  /** The 64-byte Ed25519 signature (a view into the image). */
  signature: Uint8Array;
  /** The signed message: every byte before the signature (a view into the image). */
  signed: Uint8Array;
}

export interface ImageManifest {
  format: typeof IMAGE_FORMAT;
  /** Board id the image is built for; a boot loader refuses others. */
  board: string;
  version: string;
  buildTime: string;
  /** Payload length in bytes. */
  size: number;
  /** SHA-256 of the payload, lower-case hex. */
  sha256: string;
  /** The global the payload assigns its exports to (e.g. quipFirmware). */
  entry: string;
  /** Absent: the payload is JavaScript. "quickjs-bytecode": compiled for `engine` only. */
  payload?: typeof BYTECODE_PAYLOAD;
  engine?: string;
}

export const BYTECODE_PAYLOAD = 'quickjs-bytecode';

export interface CreateImageOptions {
  board: string;
  version: string;
  payload: Uint8Array;
  entry: string;
  /** ISO 8601; default now. Pass a fixed time for reproducible images. */
  buildTime?: string;
  /** For a bytecode payload: the engine version it was compiled for. */
  bytecodeEngine?: string;
}

/** An image that cannot be used; the message says what is wrong. */
export class ImageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ImageError';
  }
}

const BOARD_ID = /^[a-z][a-z0-9-]{0,31}$/;
const IDENTIFIER = /^[A-Za-z_$][A-Za-z0-9_$]*$/;
const SHA256_HEX = /^[0-9a-f]{64}$/;
const ISO_8601 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d{1,9})?(?:Z|[+-]\d{2}:\d{2})$/;

function sha256Hex(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/** Checks one manifest field; returns the problem, or null. */
function fieldProblem(name: RequiredField, value: unknown): string | null {
  const shown = JSON.stringify(value);
  const got = value === undefined ? 'it is missing' : `got ${shown.length > 60 ? shown.slice(0, 60) + '…' : shown}`;
  switch (name) {
    case 'format':
      return Number.isInteger(value) ? null : `expected an integer, ${got}`;
    case 'board':
      return typeof value === 'string' && BOARD_ID.test(value) ? null : `expected a board id, ${got}`;
    case 'version':
      return typeof value === 'string' && value.length > 0 && value.length <= 64 ? null : `expected a version string, ${got}`;
    case 'buildTime':
      return typeof value === 'string' && ISO_8601.test(value) && !Number.isNaN(Date.parse(value))
        ? null
        : `expected an ISO 8601 time, ${got}`;
    case 'size':
      return Number.isSafeInteger(value) && (value as number) >= 0 ? null : `expected a byte count, ${got}`;
    case 'sha256':
      return typeof value === 'string' && SHA256_HEX.test(value) ? null : `expected 64 lower-case hex digits, ${got}`;
    case 'entry':
      return typeof value === 'string' && IDENTIFIER.test(value) ? null : `expected a JS identifier, ${got}`;
  }
}

type RequiredField = Exclude<keyof ImageManifest, 'payload' | 'engine'>;
const FIELDS: readonly RequiredField[] = ['format', 'board', 'version', 'buildTime', 'size', 'sha256', 'entry'];

/** Builds an image around `payload`. */
export function createImage(options: CreateImageOptions): Uint8Array {
  const manifest: ImageManifest = {
    format: IMAGE_FORMAT,
    board: options.board,
    version: options.version,
    buildTime: options.buildTime ?? new Date().toISOString(),
    size: options.payload.byteLength,
    sha256: sha256Hex(options.payload),
    entry: options.entry,
    ...(options.bytecodeEngine === undefined ? {} : { payload: BYTECODE_PAYLOAD, engine: options.bytecodeEngine }),
  };
  for (const name of FIELDS) {
    const problem = fieldProblem(name, manifest[name]);
    if (problem) throw new ImageError(`cannot create image: ${name}: ${problem}`);
  }
  const manifestBytes = new TextEncoder().encode(JSON.stringify(manifest));
  if (manifestBytes.byteLength > MAX_MANIFEST_BYTES) {
    throw new ImageError(`cannot create image: manifest is ${manifestBytes.byteLength} bytes, the limit is ${MAX_MANIFEST_BYTES}`);
  }
  const image = new Uint8Array(HEADER_BYTES + manifestBytes.byteLength + options.payload.byteLength);
  image.set(new TextEncoder().encode(IMAGE_MAGIC), 0);
  new DataView(image.buffer).setUint32(8, manifestBytes.byteLength, true);
  image.set(manifestBytes, HEADER_BYTES);
  image.set(options.payload, HEADER_BYTES + manifestBytes.byteLength);
  return image;
}

function printable(bytes: Uint8Array): string {
  return Array.from(bytes, (b) => (b >= 0x20 && b < 0x7f ? String.fromCharCode(b) : `\\x${b.toString(16).padStart(2, '0')}`)).join('');
}

function parseManifest(bytes: Uint8Array): ImageManifest {
  let json: unknown;
  try {
    json = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes));
  } catch (err) {
    throw new ImageError(`manifest is not valid UTF-8 JSON (${(err as Error).message})`);
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json)) throw new ImageError('manifest is not a JSON object');
  const manifest = json as Record<string, unknown>;
  // The format decides what the other fields mean, so it is checked first.
  const formatProblem = fieldProblem('format', manifest['format']);
  if (formatProblem) throw new ImageError(`manifest format: ${formatProblem}`);
  if (manifest['format'] !== IMAGE_FORMAT) {
    throw new ImageError(`unsupported image format ${String(manifest['format'])} (this reader knows format ${IMAGE_FORMAT})`);
  }
  for (const name of FIELDS) {
    const problem = fieldProblem(name, manifest[name]);
    if (problem) throw new ImageError(`manifest ${name}: ${problem}`);
  }
  if (manifest['payload'] !== undefined && (manifest['payload'] !== BYTECODE_PAYLOAD || typeof manifest['engine'] !== 'string')) {
    throw new ImageError(`manifest payload: expected "${BYTECODE_PAYLOAD}" with an engine, got ${JSON.stringify(manifest['payload']).slice(0, 60)}`);
  }
  return manifest as unknown as ImageManifest;
}

function hex(bytes: Uint8Array): string {
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}

/** Parses what follows the payload: nothing (unsigned) or exactly one signature trailer. */
function readTrailer(bytes: Uint8Array, trailerStart: number, payloadSize: number): ImageSignature | null {
  const rest = bytes.subarray(trailerStart);
  if (rest.byteLength === 0) return null;
  const magicBytes = rest.subarray(0, SIGNATURE_MAGIC.length);
  if (!SIGNATURE_MAGIC.startsWith(printable(magicBytes))) {
    throw new ImageError(`image has ${rest.byteLength} trailing bytes after the ${payloadSize}-byte payload`);
  }
  if (rest.byteLength < TRAILER_BYTES) {
    throw new ImageError(`signature truncated: the trailer is ${rest.byteLength} of ${TRAILER_BYTES} bytes`);
  }
  if (rest.byteLength > TRAILER_BYTES) {
    throw new ImageError(`image has ${rest.byteLength - TRAILER_BYTES} trailing bytes after the signature`);
  }
  const signatureStart = trailerStart + SIGNATURE_MAGIC.length + KEY_ID_BYTES;
  return {
    keyId: hex(bytes.subarray(trailerStart + SIGNATURE_MAGIC.length, signatureStart)),
    signature: bytes.subarray(signatureStart),
    signed: bytes.subarray(0, signatureStart),
  };
}

export interface ReadImage {
  manifest: ImageManifest;
  /** A view into the image. */
  payload: Uint8Array;
  /** The trailer when the image is signed; its signature is not verified here (image/signing.ts). */
  signature: ImageSignature | null;
}

/**
 * Reads and verifies an image: header, manifest, payload size and SHA-256, the board when
 * `expectedBoard` is given, and the signature trailer's layout when there is one (not the
 * signature itself: that needs a key, see image/signing.ts). Throws ImageError on any problem.
 */
export function readImage(bytes: Uint8Array, expectedBoard?: string): ReadImage {
  if (bytes.byteLength < HEADER_BYTES) {
    throw new ImageError(`image too short: ${bytes.byteLength} bytes, the header alone is ${HEADER_BYTES}`);
  }
  const magic = bytes.subarray(0, IMAGE_MAGIC.length);
  if (printable(magic) !== IMAGE_MAGIC) {
    throw new ImageError(`not a quip firmware image: bad magic "${printable(magic)}", expected "${IMAGE_MAGIC}"`);
  }
  const manifestLength = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getUint32(8, true);
  if (manifestLength < MIN_MANIFEST_BYTES || manifestLength > MAX_MANIFEST_BYTES) {
    throw new ImageError(`manifest length ${manifestLength} out of range (${MIN_MANIFEST_BYTES} to ${MAX_MANIFEST_BYTES} bytes)`);
  }
  const payloadStart = HEADER_BYTES + manifestLength;
  if (bytes.byteLength < payloadStart) {
    throw new ImageError(`image truncated: the manifest needs ${manifestLength} bytes, only ${bytes.byteLength - HEADER_BYTES} present`);
  }
  const manifest = parseManifest(bytes.subarray(HEADER_BYTES, payloadStart));
  const payloadBytes = bytes.byteLength - payloadStart;
  if (payloadBytes < manifest.size) {
    throw new ImageError(`image truncated: payload is ${payloadBytes} bytes, the manifest says ${manifest.size}`);
  }
  const payloadEnd = payloadStart + manifest.size;
  const signature = readTrailer(bytes, payloadEnd, manifest.size);
  // Before hashing: a boot loader rejects another board's image without reading the payload.
  if (expectedBoard !== undefined && manifest.board !== expectedBoard) {
    throw new ImageError(`image is for ${manifest.board}, this board is ${expectedBoard}`);
  }
  const payload = bytes.subarray(payloadStart, payloadEnd);
  const actual = sha256Hex(payload);
  if (actual !== manifest.sha256) {
    throw new ImageError(`image corrupt: payload SHA-256 is ${actual}, the manifest says ${manifest.sha256}`);
  }
  return { manifest, payload, signature };
}

/** The payload as the JavaScript the emulator evaluates; a bytecode image is refused here. */
export function javascriptPayload(read: ReadImage): string {
  if (read.manifest.payload === BYTECODE_PAYLOAD) {
    throw new ImageError(`the payload is QuickJS bytecode for ${read.manifest.engine} (quip build --native): only quip-host runs it; the emulator needs a JavaScript image`);
  }
  return new TextDecoder().decode(read.payload);
}
