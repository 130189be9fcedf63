import { parseStructure, checkEssentials } from '/work/main/firmware/sip/parser.ts';
import { SipMessage } from '/work/main/firmware/sip/message.ts';
declare const __now: () => number;
export function run(msgsJson: string, n: number): string {
  const msgs: string[] = JSON.parse(msgsJson);
  const out: Record<string, number> = {};
  const time = (name: string, f: () => void) => { const t0 = __now(); for (let i = 0; i < n; i++) f(); out[name] = Math.round((__now() - t0) / n * 10000)/10; };
  msgs.forEach((s, idx) => {
    time('struct' + idx, () => { parseStructure(s); });
    time('full' + idx, () => { const m = parseStructure(s); checkEssentials(m); });
  });
  time('new', () => { new SipMessage('request'); });
  return JSON.stringify(out);
}
