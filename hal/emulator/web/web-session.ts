// `quip emulate --ui web`: the web page for the phone the command line set up, plus, with
// --phones N, more phones like it (one --account each, any free SIP port, their own data
// directories) for a two-party demo on one page.

import { parseAccountUri } from '../../board-config.ts';
import type { BoardConfig } from '../../board-config.ts';
import type { AccountConfig, BoardInfo } from '../../contract.ts';
import type { Emulator, EmulatorOptions } from '../emulator.ts';
import { WebUi } from './web-ui.ts';

/** The web UI's port when none is given; any free one when it is taken. */
export const DEFAULT_HTTP_PORT = 8060;

export interface WebSessionOptions {
  config: BoardConfig;
  /** The first phone's board, as the command line shaped it (accounts, SIP port, ...). */
  board: BoardInfo;
  phones: number;
  /** --account values for phones 2..N, in order (a phone without one has the board's accounts). */
  moreAccounts: string[];
  /** The first phone's data directory; phone i uses "<dir>-<i>". */
  dataDir: string;
  /** What phones 2..N hear without a browser microphone (--audio-in); they record nothing. */
  audioIn?: { input?: string; loop?: boolean };
  httpHost: string;
  /** undefined = DEFAULT_HTTP_PORT, or any free port when that one is taken. */
  httpPort: number | undefined;
  onNote(message: string): void;
}

export class WebSession {
  readonly ui: WebUi;
  private readonly accounts: Array<AccountConfig | undefined>;
  private readonly others: Emulator[] = [];

  /** Throws BoardConfigError for a malformed --account. */
  constructor(private readonly options: WebSessionOptions) {
    this.accounts = Array.from({ length: options.phones - 1 }, (_, i) => {
      const uri = options.moreAccounts[i];
      return uri === undefined ? undefined : parseAccountUri(uri);
    });
    const { config } = options;
    this.ui = new WebUi({ title: `quip — ${config.name}${options.phones > 1 ? ` × ${options.phones}` : ''}`, onNote: options.onNote });
    this.ui.addPhone(config, aor(options.board.accounts[0]));
    for (let i = 1; i < options.phones; i++) this.ui.addPhone(config, aor(this.accounts[i - 1] ?? options.board.accounts[0]));
  }

  /** Options for the first phone's Emulator: its packets, microphone and speaker go to the page. */
  firstPhone(speaker: { write(pcm: string): void } | null): Pick<EmulatorOptions, 'netTap' | 'microphone' | 'speaker'> {
    return this.ui.hooks(0, speaker);
  }

  /** Starts the other phones and the web server; returns the page's URL. */
  async start(first: Emulator): Promise<string> {
    this.ui.attach(0, targetOf(first));
    const { board, dataDir } = this.options;
    for (let i = 1; i < this.options.phones; i++) {
      const account = this.accounts[i - 1];
      const phone = first.sibling({
        board: { ...board, ...(account !== undefined ? { accounts: [account] } : {}), sip: { ...board.sip, port: 0 } },
        dataDir: `${dataDir}-${i + 1}`,
        audio: this.options.audioIn ?? {},
        onEvent: (e) => this.ui.event(i, e),
        ...this.ui.hooks(i),
      });
      this.others.push(phone);
      this.ui.attach(i, targetOf(phone));
      await phone.start();
    }
    const host = this.options.httpHost;
    const port = this.options.httpPort;
    if (port !== undefined) return this.ui.listen(host, port);
    return this.ui.listen(host, DEFAULT_HTTP_PORT).catch(() => this.ui.listen(host, 0));
  }

  async close(): Promise<void> {
    await Promise.all([...this.others.map((p) => p.shutdown()), this.ui.close()]);
  }
}

function targetOf(phone: Emulator): { key: Emulator['key']; dial(target: string): void; reboot(): void } {
  return {
    key: (key, down) => phone.key(key, down),
    dial: (target) => phone.command({ dial: target }),
    reboot: () => phone.reboot('web page'),
  };
}

function aor(account: AccountConfig | undefined): string {
  return account === undefined ? '' : account.uri;
}
