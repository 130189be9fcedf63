#!/usr/bin/env node
// Entry point of the `quip` CLI. The commands are TypeScript; tsx compiles them on load.
import { register } from 'tsx/esm/api';

register();
const { main } = await import('./cli.ts');
const code = await main(process.argv.slice(2));
// Exit explicitly once output is flushed: stdin readers and sockets must not keep a finished command alive.
process.stdout.write('', () => process.exit(code));
