// The mangle plan: each rule that keeps a name long is shown on a small project, and a bundle
// built with the plan still speaks the outside world's names.
import test from 'ava';
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { runInNewContext } from 'node:vm';
import { bundle } from '../../build/bundle.ts';
import { FIRMWARE_PROJECT, computeMangleableNames, firmwareManglePlan, patternFor } from '../../build/mangle-plan.ts';
import type { MangleProject } from '../../build/mangle-plan.ts';

const CONTRACT = `
export interface Net { send(packet: { address: string; port: number }): void }
export interface NetEvent { type: 'udp'; remoteAddress: string }
`;

const FIRMWARE = `
import type { Net, NetEvent } from '../hal/contract.ts';
declare const globalThis: { __hostHook?: () => void };

export interface Settings { volumeLevel: number; ringTone: string }
interface Wire { wireField: number; nested: { deepField: string } }
interface Table { tableKey: number }
const TABLE: Table = { tableKey: 1 };

class Counter {
  private countedSoFar = 0;
  private readonly stepSize: number;
  constructor(step: number, private readonly labelText: string) { this.stepSize = step; }
  bump(): number { this.countedSoFar += this.stepSize; return this.countedSoFar; }
  describe(): string { return this.labelText + this.countedSoFar; }
}

function anything(value: unknown): string { return String(value); }
function generic<T>(value: T): T { return value; }
function emitEvent(ev: { event: string; [k: string]: unknown }): string { return ev.event; }

export function run(net: Net, ev: NetEvent, raw: string, loose: any): string {
  const c = new Counter(2, 'n=');
  c.bump();
  net.send({ address: ev.remoteAddress, port: 5060 });
  const s: Settings = { volumeLevel: 3, ringTone: 'a' };
  const key: keyof Settings = raw === 'v' ? 'volumeLevel' : 'ringTone';
  anything({ unknownArg: 1 });
  generic({ genericArg: 1 });
  emitEvent({ event: 'e', indexedKey: 1 });
  const parsed = JSON.parse(raw) as Wire;
  const hasProbe = 'probedName' in loose;
  globalThis.__hostHook?.();
  const iter = { next: () => ({ done: true, value: 0 }) };
  return JSON.stringify({ described: c.describe(), setting: s[key], keys: Object.keys(TABLE), parsed: parsed.wireField,
    deep: parsed.nested.deepField, viaAny: loose.anyField, hasProbe, iter: typeof iter.next });
}
`;

function fixture(t: { teardown(fn: () => void): void }): MangleProject {
  const dir = mkdtempSync(path.join(tmpdir(), 'quip-mangle-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  mkdirSync(path.join(dir, 'fw'));
  mkdirSync(path.join(dir, 'hal'));
  writeFileSync(path.join(dir, 'hal', 'contract.ts'), CONTRACT);
  writeFileSync(path.join(dir, 'fw', 'main.ts'), FIRMWARE);
  writeFileSync(path.join(dir, 'fw', 'tsconfig.json'), JSON.stringify({
    compilerOptions: { target: 'ES2020', module: 'ESNext', moduleResolution: 'Bundler', lib: ['ES2020'], types: [],
      strict: true, noEmit: true, allowImportingTsExtensions: true, useDefineForClassFields: false },
    include: ['.'],
  }));
  return { tsconfig: path.join(dir, 'fw', 'tsconfig.json'), entry: path.join(dir, 'fw', 'main.ts'), contract: path.join(dir, 'hal', 'contract.ts') };
}

test('the firmware\'s own members are shortened; every name the outside can see is kept', (t) => {
  const names = new Set(computeMangleableNames(fixture(t)));
  for (const own of ['countedSoFar', 'stepSize', 'labelText', 'bump', 'describe']) t.true(names.has(own), own);
  const kept: Array<[string, string]> = [
    ['address', 'declared by the HAL contract'],
    ['port', 'declared by the HAL contract'],
    ['remoteAddress', 'declared by the HAL contract'],
    ['volumeLevel', 'a key of a keyof-typed index'],
    ['ringTone', 'a key of a keyof-typed index'],
    ['unknownArg', 'passed as unknown'],
    ['genericArg', 'passed as a type parameter'],
    ['indexedKey', 'let through by an index signature'],
    ['tableKey', 'enumerated by Object.keys'],
    ['wireField', 'the type JSON.parse is cast to'],
    ['deepField', 'nested in that type'],
    ['described', 'a key JSON.stringify writes'],
    ['anyField', 'read from any'],
    ['probedName', 'tested with in'],
    ['__hostHook', 'declared ambient: the host provides it'],
    ['run', 'exported by the entry'],
    ['next', 'an iterator protocol name'],
    ['done', 'an iterator protocol name'],
  ];
  for (const [name, why] of kept) t.false(names.has(name), `${name} must be kept: ${why}`);
});

test('a bundle built with the plan still reads and writes the outside names', async (t) => {
  const project = fixture(t);
  const names = computeMangleableNames(project);
  const plain = await bundle({ entry: project.entry, globalName: 'fw', minify: true });
  const mangled = await bundle({ entry: project.entry, globalName: 'fw', minify: true, mangleProps: patternFor(names) });
  t.true(mangled.bytes < plain.bytes);
  t.false(mangled.code.includes('countedSoFar'));
  const runBundle = (code: string): { out: string; sent: unknown[] } => {
    const sent: unknown[] = [];
    const g: { fw?: { run: (...a: unknown[]) => string } } = {};
    runInNewContext(code, g);
    const net = { send: (p: unknown) => sent.push(p) };
    const out = g.fw!.run(net, { type: 'udp', remoteAddress: '10.0.0.9' }, '{"wireField":7,"nested":{"deepField":"d"}}', { anyField: 'x', probedName: 1 });
    return { out, sent };
  };
  const a = runBundle(plain.code);
  const b = runBundle(mangled.code);
  t.deepEqual(b, a);
  t.deepEqual(JSON.parse(b.out), { described: 'n=2', setting: 'a', keys: ['tableKey'], parsed: 7, deep: 'd', viaAny: 'x', hasProbe: true, iter: 'function' });
  t.deepEqual(b.sent, [{ address: '10.0.0.9', port: 5060 }]);
});

test('the firmware plan keeps the HAL contract\'s names and caches by source hash', (t) => {
  const plan = firmwareManglePlan();
  t.true(plan.names.length > 100);
  for (const name of ['localAddress', 'socket', 'address', 'port', 'data', 'type', 'state', 'start', 'event']) t.false(plan.names.includes(name), name);
  t.true(plan.pattern.test(plan.names[0]!));
  t.false(plan.pattern.test('localAddress'));
  t.deepEqual(firmwareManglePlan().names, plan.names);
  t.is(FIRMWARE_PROJECT.entry.endsWith(path.join('firmware', 'boot.ts')), true);
});
