// The option reader shared by the hand-written CLIs (build, keygen, flash, bench, fuzz):
// `--name value`, `--name=value` and bare `--flag`s, with the same one-line usage errors
// everywhere. Each command checks and types its own values afterwards.

export interface ArgSpec {
  /** Options that take a value, without the leading `--`. */
  values: readonly string[];
  /** Options that take none. */
  flags?: readonly string[];
}

export interface ReadArgs {
  /** Every value given per option, in order (repeatable options keep them all). */
  values: Map<string, string[]>;
  flags: Set<string>;
}

/** Reads `args` against `spec`: the options, or a one-line usage error. */
export function readArgs(args: readonly string[], spec: ArgSpec): ReadArgs | string {
  const read: ReadArgs = { values: new Map(), flags: new Set() };
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    const eq = arg.startsWith('--') ? arg.indexOf('=') : -1;
    const name = eq > 0 ? arg.slice(2, eq) : arg.slice(2);
    const inline = eq > 0 ? arg.slice(eq + 1) : undefined;
    if (!arg.startsWith('--') || !(spec.values.includes(name) || spec.flags?.includes(name))) {
      return arg.startsWith('-') ? `unknown option '${arg}'` : `unexpected argument '${arg}'`;
    }
    if (spec.flags?.includes(name)) {
      if (inline !== undefined) return `--${name} takes no value`;
      read.flags.add(name);
      continue;
    }
    const value = inline ?? args[++i];
    if (!value || (inline === undefined && value.startsWith('--'))) return `--${name} needs a value`;
    read.values.set(name, [...(read.values.get(name) ?? []), value]);
  }
  return read;
}

/** The last value given for `name` (a repeated option overrides), or undefined. */
export function lastValue(read: ReadArgs, name: string): string | undefined {
  return read.values.get(name)?.at(-1);
}
