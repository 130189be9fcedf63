// Stand-in for the `debug` package inside QuickJS (the real one probes process/tty). Loggers are
// disabled no-ops, as in a production phone; warnings and errors are remembered so a parser that
// rejects a message can say why.
let lastWarning = '';

/** Returns the last warning/error logged since the previous call, and forgets it. */
export function takeLastWarning(): string {
  const w = lastWarning;
  lastWarning = '';
  return w;
}

interface DebugFn {
  (...args: unknown[]): void;
  enabled: boolean;
  namespace: string;
  log: (...args: unknown[]) => void;
}

export default function createDebug(namespace: string): DebugFn {
  const loud = /:(WARN|ERROR)\b/.test(namespace);
  const fn = ((...args: unknown[]) => {
    if (loud) lastWarning = args.map(String).join(' ');
  }) as DebugFn;
  fn.enabled = false;
  fn.namespace = namespace;
  fn.log = () => {};
  return fn;
}
