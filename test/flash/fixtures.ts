// Shared pieces of the flash tests: a small layout on memory, and small valid images.
import { createImage } from '../../image/image.ts';
import { installImage } from '../../hal/flash/install.ts';
import { MemoryFlash } from '../../hal/flash/device.ts';
import { flashLayout } from '../../hal/flash/layout.ts';
import type { FlashLayout } from '../../hal/flash/layout.ts';
import { confirmBoot, selectBoot } from '../../hal/flash/bootloader.ts';

export const BOARD = 'desk6';

/** 256 KiB: two 4 KiB record blocks, two 64 KiB slots, 16 KiB storage. */
export const LAYOUT: FlashLayout = flashLayout({ sizeKB: 256, slotKB: 64, storageKB: 16, maxTrialBoots: 3 });

/** A valid image whose payload is `bytes` long and says which version it is. */
export function image(version: string, bytes = 20000, board = BOARD): Uint8Array {
  const text = `globalThis.quipFirmware={version:${JSON.stringify(version)}};/*`.padEnd(bytes - 2, version.slice(-1)) + '*/';
  return createImage({ board, version, payload: new TextEncoder().encode(text), entry: 'quipFirmware', buildTime: '2024-01-01T00:00:00Z' });
}

/** A flash with `version` installed in slot A and confirmed good. */
export function flashWithGood(version = '1.0.0'): MemoryFlash {
  const flash = new MemoryFlash(LAYOUT.size);
  installImage(flash, LAYOUT, image(version), BOARD);
  const choice = selectBoot(flash, LAYOUT, BOARD);
  confirmBoot(flash, LAYOUT, choice.slot);
  return flash;
}

/** The version the boot loader boots now (runs it, so it counts attempts). */
export function bootVersion(flash: MemoryFlash): string {
  return selectBoot(flash, LAYOUT, BOARD).manifest.version;
}
