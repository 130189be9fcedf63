// The firmware object a host drives: start() once per boot, then dispatch() per event.
// An exception while handling an event is reported and the phone carries on; a hang is
// the host watchdog's business.

import type { Firmware, Hal, HalEvent } from '../hal/contract.ts';
import { Phone } from './app/phone.ts';

export function createFirmware(): Firmware {
  let phone: Phone | null = null;
  let hal: Hal | null = null;

  function report(where: string, e: unknown): void {
    const message = e instanceof Error ? e.message : String(e);
    // Exhausted memory leaves nothing to carry on with: let the host reboot the phone.
    if (/out of memory/i.test(message)) throw e;
    hal?.system.emit({ event: 'error', where, message: message.slice(0, 500) });
    hal?.system.log('error', `${where}: ${e instanceof Error && e.stack ? e.stack : message}`);
  }

  return {
    start(h: Hal): void {
      hal = h;
      try {
        phone = new Phone(h);
        phone.boot();
      } catch (e) {
        report('boot', e);
      }
    },
    dispatch(ev: HalEvent): void {
      if (phone === null) return;
      try {
        phone.handle(ev);
      } catch (e) {
        report(ev.type, e);
      }
    },
  };
}
