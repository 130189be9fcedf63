// Failures the fuzzer found, grouped by signature (kind, type, error name and message with
// numbers blanked) so one bug hit a thousand times is one finding with a count. Each keeps
// its shortest input as the reproducer.

import type { FuzzKind } from './kinds.ts';

export type FindingType = 'crash' | 'invariant' | 'hang' | 'out-of-memory';

export interface Finding {
  type: FindingType;
  kind: FuzzKind;
  name: string;
  message: string;
  /** As QuickJS reported it (positions in the minified bundle). */
  stack: string;
  /** The same input run under Node from the TypeScript sources; null when not re-run or not reproduced. */
  sourceStack: string | null;
  /** Inputs that hit this signature. */
  count: number;
  /** The shortest such input, base64. */
  inputBase64: string;
  inputBytes: number;
}

export class FindingLog {
  readonly findings: Finding[] = [];
  readonly counts: Record<FindingType, number> = { crash: 0, invariant: 0, hang: 0, 'out-of-memory': 0 };
  private readonly bySignature = new Map<string, Finding>();

  constructor(private readonly limit: number) {}

  add(type: FindingType, kind: FuzzKind, input: string, name: string, message: string, stack: string): void {
    this.counts[type]++;
    const signature = signatureOf(type, kind, name, message);
    const known = this.bySignature.get(signature);
    if (known !== undefined) {
      known.count++;
      if (input.length < known.inputBytes) {
        known.inputBase64 = toBase64(input);
        known.inputBytes = input.length;
        known.message = message;
        if (stack) known.stack = stack;
      }
      return;
    }
    if (this.findings.length >= this.limit) return;
    const finding: Finding = {
      type, kind, name, message, stack, sourceStack: null, count: 1, inputBase64: toBase64(input), inputBytes: input.length,
    };
    this.findings.push(finding);
    this.bySignature.set(signature, finding);
  }

  /** Takes in a finding from another log (a parallel worker's); its count is already in `counts` there. */
  merge(f: Finding): void {
    this.counts[f.type] += f.count;
    const signature = signatureOf(f.type, f.kind, f.name, f.message);
    const known = this.bySignature.get(signature);
    if (known === undefined) {
      if (this.findings.length >= this.limit) return;
      const copy = { ...f };
      this.findings.push(copy);
      this.bySignature.set(signature, copy);
      return;
    }
    known.count += f.count;
    if (f.inputBytes < known.inputBytes) Object.assign(known, { ...f, count: known.count });
  }

  get total(): number {
    return this.counts.crash + this.counts.invariant + this.counts.hang + this.counts['out-of-memory'];
  }
}

/** Numbers blanked: the same bug at other offsets or values is one finding. */
function signatureOf(type: FindingType, kind: FuzzKind, name: string, message: string): string {
  return `${type}|${kind}|${name}|${message.replace(/\d+/g, '#').slice(0, 100)}`;
}

export function toBase64(input: string): string {
  return Buffer.from(input, 'latin1').toString('base64');
}

export function fromBase64(text: string): string {
  return Buffer.from(text, 'base64').toString('latin1');
}
