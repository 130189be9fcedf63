// The error of the flash modules, apart from device.ts (which uses node:fs) so that pure code
// such as layout.ts, which the host shell bundles for QuickJS, can throw it too.

/** Anything wrong with a flash device, file or layout; the message says what and where. */
export class FlashError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'FlashError';
  }
}
