// An emulated board's flash file, as the emulator boots from it: the boot loader runs before
// every boot (so crash loops count attempts), the storage partition is the settings storage,
// and the firmware's system.bootOk confirms the slot it booted from.
import { existsSync } from 'node:fs';
import type { BootedFirmware, ControlEvent, FirmwareSource } from './emulator.ts';
import type { Slot } from '../flash/boot-record.ts';
import { confirmBoot, selectBoot } from '../flash/bootloader.ts';
import { FileFlash, FlashError } from '../flash/device.ts';
import { FlashStorage } from '../flash/flash-storage.ts';
import { installImage } from '../flash/install.ts';
import type { InstallProgress, InstallResult } from '../flash/install.ts';
import { SLOT_NAMES } from '../flash/layout.ts';
import type { FlashLayout } from '../flash/layout.ts';

export class FlashBoard implements FirmwareSource {
  readonly storage: FlashStorage;
  private readonly device: FileFlash;
  private booted: { slot: Slot; version: string } | null = null;

  /**
   * Opens an existing flash file; FlashError (saying how to make one) when it is missing or
   * wrong. With the board's `publicKey` the boot loader boots only images signed by it.
   */
  constructor(
    readonly file: string,
    readonly layout: FlashLayout,
    readonly board: string,
    private readonly publicKey: Uint8Array | null = null,
  ) {
    if (!existsSync(file)) {
      throw new FlashError(`no flash file ${file}; create one with: npx quip flash --board ${board} --image <image.qfw> --to ${file}`);
    }
    this.device = new FileFlash(file, layout.size);
    this.storage = new FlashStorage(this.device, layout.storage);
  }

  boot(): BootedFirmware {
    const choice = selectBoot(this.device, this.layout, this.board, this.publicKey);
    const version = choice.manifest.version;
    this.booted = { slot: choice.slot, version };
    const notices: ControlEvent[] = [];
    if (choice.rollback !== null) {
      const r = choice.rollback;
      notices.push({
        event: 'rollback',
        from: SLOT_NAMES[r.from],
        to: SLOT_NAMES[r.to],
        from_version: r.fromVersion,
        to_version: version,
        reason: r.reason,
        detail: r.detail,
      });
    }
    if (choice.recovered !== null) notices.push({ event: 'error', where: 'bootloader', message: choice.recovered });
    return {
      code: new TextDecoder().decode(choice.payload),
      globalName: choice.manifest.entry,
      version,
      facts: {
        slot: SLOT_NAMES[choice.slot],
        slot_state: choice.state,
        ...(choice.state === 'trial' ? { boot_attempt: choice.attempt, max_trial_boots: this.layout.maxTrialBoots } : {}),
      },
      notices,
    };
  }

  confirm(): ControlEvent | null {
    if (this.booted === null || !confirmBoot(this.device, this.layout, this.booted.slot)) return null;
    return { event: 'boot_confirmed', slot: SLOT_NAMES[this.booted.slot], version: this.booted.version };
  }

  slotName(slot: Slot): string {
    return SLOT_NAMES[slot];
  }

  /** The running firmware's slot and version, once booted. */
  running(): { slot: string; version: string } | null {
    return this.booted === null ? null : { slot: SLOT_NAMES[this.booted.slot], version: this.booted.version };
  }

  /** Installs an image into the slot not running (see installImage); the next boot tries it. */
  install(image: Uint8Array, onProgress: (p: InstallProgress) => void = () => {}): InstallResult {
    return installImage(this.device, this.layout, image, this.board, onProgress, this.publicKey);
  }

  close(): void {
    this.device.close();
  }
}
