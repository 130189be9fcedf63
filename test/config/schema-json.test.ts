// board-configs/schema.json is generated from the validator's tables (scripts/gen-schema.ts):
// the file must be what the generator writes, and its lists must be the registry's and the
// contract's.
import { readFileSync } from 'node:fs';
import test from 'ava';
import { CODEC_NAMES } from '../../firmware/codec/registry.ts';
import { ACCOUNT_FIELDS } from '../../firmware/config/account.ts';
import { KEYS } from '../../hal/contract.ts';
import { boardJsonSchema, boardJsonSchemaText } from '../../hal/board-json-schema.ts';
import { SCHEMA_FILE } from '../../scripts/gen-schema.ts';

interface Schema {
  properties: Record<string, { items?: { enum?: unknown[] } }>;
  $defs: { key: { enum: unknown[] }; account: { properties: Record<string, unknown>; required: string[] } };
}

test('schema.json is up to date (node --import tsx scripts/gen-schema.ts rewrites it)', (t) => {
  t.is(readFileSync(SCHEMA_FILE, 'utf8'), boardJsonSchemaText());
});

test('the codec enum is the codec registry, the keys are the contract, the account fields the shared rule', (t) => {
  const schema = boardJsonSchema() as unknown as Schema;
  t.deepEqual(schema.properties['codecs']!.items!.enum, [...CODEC_NAMES]);
  t.deepEqual(schema.$defs.key.enum, [...KEYS]);
  t.deepEqual(Object.keys(schema.$defs.account.properties), [...ACCOUNT_FIELDS]);
  t.deepEqual(schema.$defs.account.required, ['uri', 'password']);
});
