// The shape every `quip <command>` module exports, so cli.ts can list and run them.
export interface Command {
  /** Name typed after `quip`. */
  name: string;
  /** One line for `quip --help`. */
  summary: string;
  /** Full text for `quip <name> --help`. */
  help: string;
  /** Runs the command; resolves to the process exit code. */
  run(args: string[]): Promise<number>;
}

/** True when the arguments ask for help. */
export function wantsHelp(args: string[]): boolean {
  return args.includes('--help') || args.includes('-h');
}

/** Writes a one-line error and the hint to use --help; returns exit code 2 (usage error). */
export function usageError(command: string, message: string): number {
  process.stderr.write(`quip ${command}: ${message}\nRun 'quip ${command} --help' for usage.\n`);
  return 2;
}
