// Info: what the phone is (version, address, board, SIP port, boots, config source) until
// Back, End, Cancel or left.

import type { Key } from '../../../hal/contract.ts';
import { infoLayout } from '../info-screen.ts';
import type { ModeContext, PhoneMode } from './mode.ts';

/** What the Info screen shows besides the mode context. */
export interface InfoSource {
  readonly sipPort: number;
  readonly provisioning: { readonly source: string };
}

export class InfoMode implements PhoneMode {
  constructor(
    private readonly ctx: ModeContext,
    private readonly source: InfoSource,
  ) {}

  key(key: Key): void {
    if (key === 'end' || key === 'cancel' || key === 'soft4' || key === 'left') this.ctx.enterIdle();
  }

  draw(): void {
    const ctx = this.ctx;
    ctx.screen.show(infoLayout({
      board: ctx.board,
      address: ctx.hal.net.localAddress(),
      sipPort: this.source.sipPort,
      bootCount: ctx.settings.bootCount,
      configSource: this.source.provisioning.source,
    }));
  }
}
