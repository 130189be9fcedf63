// The Info screen: firmware version, address, board, SIP port, boots and where the config
// came from.

import type { BoardInfo } from '../../hal/contract.ts';
import type { Layout } from './screen.ts';

export interface PhoneInfo {
  board: BoardInfo;
  address: string | null;
  sipPort: number;
  bootCount: number;
  /** board, network or cache */
  configSource: string;
}

export function infoLayout(i: PhoneInfo): Layout {
  const b = i.board;
  return {
    lines: [`quip v${b.firmwareVersion}`, `IP ${i.address ?? 'no link'}`, `Board ${b.id}`, `SIP port ${i.sipPort}`, `Boots ${i.bootCount}  Config ${i.configSource}`],
    softkeys: ['', '', '', 'Back'],
  };
}
