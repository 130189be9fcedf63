// Ed25519 signing of firmware images (trailer layout: the header comment of image/image.ts).
// node:crypto does the maths; this module adds key handling with clear errors, the key id, and
// the sign / verify steps on image bytes.
import { createHash, createPrivateKey, createPublicKey, generateKeyPairSync, sign, verify } from 'node:crypto';
import type { KeyObject } from 'node:crypto';
import { ImageError, KEY_ID_BYTES, SIGNATURE_MAGIC, TRAILER_BYTES, readImage } from './image.ts';
import type { ReadImage } from './image.ts';

// The board config's key format is pure code (the host shell validates configs in QuickJS).
export { PUBLIC_KEY_BYTES, decodePublicKey } from './public-key.ts';

/** A key that cannot be used; the message says why. */
export class SigningKeyError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SigningKeyError';
  }
}

export interface GeneratedKeyPair {
  /** PKCS#8 PEM: keep secret. */
  privateKeyPem: string;
  /** SPKI PEM. */
  publicKeyPem: string;
  /** The raw 32-byte public key, base64: what a board config's update.publicKey holds. */
  publicKeyBase64: string;
  keyId: string;
}

/** The key id (16 hex digits) of a raw 32-byte public key: the first 8 bytes of its SHA-256. */
export function keyIdOf(rawPublicKey: Uint8Array): string {
  return createHash('sha256').update(rawPublicKey).digest().subarray(0, KEY_ID_BYTES).toString('hex');
}

function rawPublicKey(key: KeyObject): Uint8Array {
  const jwk = key.export({ format: 'jwk' });
  return new Uint8Array(Buffer.from(jwk.x ?? '', 'base64url'));
}

export function generateKeyPair(): GeneratedKeyPair {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  const raw = rawPublicKey(publicKey);
  return {
    privateKeyPem: privateKey.export({ format: 'pem', type: 'pkcs8' }).toString(),
    publicKeyPem: publicKey.export({ format: 'pem', type: 'spki' }).toString(),
    publicKeyBase64: Buffer.from(raw).toString('base64'),
    keyId: keyIdOf(raw),
  };
}

/** An Ed25519 private key from PEM text; `source` names it in errors. */
export function loadPrivateKey(pem: string, source = 'the key'): KeyObject {
  let key: KeyObject;
  try {
    key = createPrivateKey(pem);
  } catch (err) {
    throw new SigningKeyError(`${source} is not a PEM private key (${(err as Error).message})`);
  }
  if (key.asymmetricKeyType !== 'ed25519') {
    throw new SigningKeyError(`${source} is a ${key.asymmetricKeyType ?? 'unknown'} key; firmware images are signed with Ed25519 (quip keygen)`);
  }
  return key;
}

/** The raw public key that belongs to a private key (for its key id). */
export function publicKeyOf(privateKey: KeyObject): Uint8Array {
  return rawPublicKey(createPublicKey(privateKey));
}

function publicKeyObject(raw: Uint8Array): KeyObject {
  return createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x: Buffer.from(raw).toString('base64url') }, format: 'jwk' });
}

/**
 * Signs an image: checks it like a boot loader would (readImage), then appends the trailer. An
 * already signed image is signed afresh (its old trailer replaced).
 */
export function signImage(image: Uint8Array, privateKey: KeyObject): Uint8Array {
  if (privateKey.asymmetricKeyType !== 'ed25519' || privateKey.type !== 'private') {
    throw new SigningKeyError('firmware images are signed with an Ed25519 private key (quip keygen)');
  }
  const { signature } = readImage(image);
  const body = signature ? image.subarray(0, image.byteLength - TRAILER_BYTES) : image;
  const keyId = Buffer.from(keyIdOf(publicKeyOf(privateKey)), 'hex');
  const signed = new Uint8Array(body.byteLength + TRAILER_BYTES);
  signed.set(body);
  signed.set(new TextEncoder().encode(SIGNATURE_MAGIC), body.byteLength);
  signed.set(keyId, body.byteLength + SIGNATURE_MAGIC.length);
  const messageEnd = body.byteLength + SIGNATURE_MAGIC.length + KEY_ID_BYTES;
  signed.set(sign(null, signed.subarray(0, messageEnd), privateKey), messageEnd);
  return signed;
}

/**
 * Verifies a read image's signature against a raw public key; throws ImageError saying what is
 * wrong (unsigned, another key, or bytes changed after signing).
 */
export function verifyImageSignature(read: ReadImage, rawKey: Uint8Array): void {
  const expectedId = keyIdOf(rawKey);
  if (!read.signature) throw new ImageError(`unsigned image refused: this board only accepts images signed by key ${expectedId}`);
  if (read.signature.keyId !== expectedId) {
    throw new ImageError(`image signed by key ${read.signature.keyId}, but this board only accepts images signed by key ${expectedId}`);
  }
  if (!verify(null, read.signature.signed, publicKeyObject(rawKey), read.signature.signature)) {
    throw new ImageError(`bad signature: the image was changed after it was signed (key ${expectedId})`);
  }
}
