// The emulated phone's update endpoint over its flash: the HTTP/TFTP server of update-server.ts
// with the flash's installer (inactive slot, verified, trial) and a reboot into the new slot —
// what a real desk phone's update agent does with the files its provisioning server offers.
import type { BoardConfig } from '../board-config.ts';
import type { FlashBoard } from './flash-board.ts';
import { SLOT_HEADER_BYTES } from '../flash/slot-header.ts';
import { startUpdateServer } from './update-server.ts';
import type { UpdateServer } from './update-server.ts';

export interface FlashUpdateOptions {
  /** Ports: a number (0 = any), null = off, undefined = the board config's update section. */
  httpPort?: number | null;
  tftpPort?: number | null;
  host?: string;
  reboot(): void;
  log(line: string): void;
}

/** Starts the endpoint when a port is configured; null when neither HTTP nor TFTP is asked for. */
export async function startFlashUpdates(flash: FlashBoard, config: BoardConfig, o: FlashUpdateOptions): Promise<UpdateServer | null> {
  const httpPort = o.httpPort !== undefined ? o.httpPort : config.update?.httpPort ?? null;
  const tftpPort = o.tftpPort !== undefined ? o.tftpPort : config.update?.tftpPort ?? null;
  if (httpPort === null && tftpPort === null) return null;
  return startUpdateServer({
    board: config,
    httpPort,
    tftpPort,
    ...(o.host !== undefined ? { host: o.host } : {}),
    // An image that cannot fit a slot is refused (413) before it reaches the flash.
    maxImageBytes: flash.layout.slots[0].size - SLOT_HEADER_BYTES,
    install: async (image, onProgress) => {
      const r = flash.install(image, (p) => {
        if (p.phase === 'write') onProgress(p.done, p.total);
      });
      o.log(`update: installed ${r.manifest.version} in slot ${flash.slotName(r.slot)} (trial); rebooting into it`);
      return { slot: flash.slotName(r.slot) };
    },
    reboot: () => o.reboot(),
    status: () => flash.running() ?? {},
    log: o.log,
  });
}
