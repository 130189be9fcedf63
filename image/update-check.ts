// The one acceptance check every update path runs before a byte reaches flash (network update,
// `quip flash`): layout, board, SHA-256, and the signature against the board's public key.
import { ImageError, readImage } from './image.ts';
import type { ImageManifest } from './image.ts';
import { decodePublicKey, verifyImageSignature } from './signing.ts';

export interface AcceptedImage {
  manifest: ImageManifest;
  /** A view into the image. */
  payload: Uint8Array;
  /** A signature trailer is present. */
  signed: boolean;
  /** The trailer's key id, or null when unsigned. */
  keyId: string | null;
  /** The signature was checked against the board's key (always, when the board has one). */
  verified: boolean;
}

/**
 * Accepts or refuses an update image for a board; throws ImageError with a message fit to show
 * the user. A board with update.publicKey accepts only images signed by that key; a board
 * without one accepts unsigned and signed images alike (the signature then goes unchecked).
 */
/** What of a board config decides which images it takes (hal/board-config.ts's BoardConfig has it). */
export interface UpdateBoard {
  id: string;
  update?: { publicKey?: string };
}

export function checkUpdateImage(bytes: Uint8Array, board: UpdateBoard): AcceptedImage {
  const read = readImage(bytes, board.id);
  const key = boardPublicKey(board);
  if (key !== null) verifyImageSignature(read, key);
  return {
    manifest: read.manifest,
    payload: read.payload,
    signed: read.signature !== null,
    keyId: read.signature?.keyId ?? null,
    verified: key !== null,
  };
}

/**
 * The board's update.publicKey as raw bytes, or null when it has none. An unusable key is an
 * ImageError: the board config validator refuses such keys already, and a hand-made config
 * must not open the door.
 */
export function boardPublicKey(board: Pick<UpdateBoard, 'update'>): Uint8Array | null {
  const base64 = board.update?.publicKey;
  if (base64 === undefined) return null;
  const key = decodePublicKey(base64);
  if (typeof key === 'string') throw new ImageError(`this board's update.publicKey is unusable (${key}), so every image is refused`);
  return key;
}
