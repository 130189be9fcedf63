// Dispatches `quip <command> [args]` to the command modules.
import type { Command } from './command.ts';
import { wantsHelp } from './command.ts';
import { parseCommand } from './parse.ts';
import { benchCommand } from './bench.ts';
import { demoCommand } from './demo.ts';
import { emulateCommand } from './emulate.ts';
import { startCommand } from './start.ts';
import { buildCommand } from './build.ts';
import { labCommand } from './lab.ts';
import { fuzzCommand } from './fuzz.ts';
import { keygenCommand } from './keygen.ts';
import { flashCommand } from './flash.ts';
import { buildHostCommand } from './build-host.ts';

const commands: Command[] = [parseCommand, benchCommand, demoCommand, buildCommand, emulateCommand, startCommand, labCommand, fuzzCommand, keygenCommand, flashCommand, buildHostCommand];

function overview(): string {
  const width = Math.max(...commands.map((c) => c.name.length));
  const lines = commands.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`);
  return [
    'quip — SIP desk-phone firmware, emulator and lab tools',
    '',
    'Usage: quip <command> [options]',
    '',
    'Commands:',
    ...lines,
    '',
    "Run 'quip <command> --help' for a command's options.",
    '',
  ].join('\n');
}

export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === 'help' || wantsHelp([name])) {
    process.stdout.write(overview());
    return name === undefined ? 2 : 0;
  }
  const command = commands.find((c) => c.name === name);
  if (!command) {
    process.stderr.write(`quip: unknown command '${name}'\n\n${overview()}`);
    return 2;
  }
  if (wantsHelp(rest)) {
    process.stdout.write(command.help.endsWith('\n') ? command.help : command.help + '\n');
    return 0;
  }
  return command.run(rest);
}
