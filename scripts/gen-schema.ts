// Writes board-configs/schema.json from the board config validator's own tables
// (hal/board-json-schema.ts); test/config/schema-json.test.ts fails when the file is stale.
//   node --import tsx scripts/gen-schema.ts [--check]
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { boardJsonSchemaText } from '../hal/board-json-schema.ts';

export const SCHEMA_FILE = join(resolve(dirname(fileURLToPath(import.meta.url)), '..'), 'board-configs', 'schema.json');

const HELP = `usage: node --import tsx scripts/gen-schema.ts [--check]

Writes board-configs/schema.json (JSON Schema for editors) from the tables the board config
validator uses (hal/board-schema.ts, firmware/config, the codec registry).
  --check   write nothing; exit 1 when the file is out of date
  --help    this text`;

function main(argv: string[]): number {
  if (argv[0] === '--help' || argv[0] === '-h') {
    console.log(HELP);
    return 0;
  }
  const text = boardJsonSchemaText();
  if (argv[0] === '--check') {
    const current = readFileSync(SCHEMA_FILE, 'utf8');
    if (current === text) return 0;
    console.error('board-configs/schema.json is out of date: run node --import tsx scripts/gen-schema.ts');
    return 1;
  }
  if (argv.length > 0) {
    console.error(HELP);
    return 2;
  }
  writeFileSync(SCHEMA_FILE, text);
  console.log(`wrote ${SCHEMA_FILE}`);
  return 0;
}

if (process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) process.exitCode = main(process.argv.slice(2));
