// The import rules of quip's tree, checked by `npm run typecheck` (docs/architecture.md, "Layers"):
// the firmware's layers point one way, the firmware reaches the outside only through the HAL
// contract, the hosts reach the firmware only through its bundle, and the lab server does not
// reach into the emulator. Every relative import, re-export and literal dynamic import counts.
//   node --import tsx scripts/check-layers.ts [--root DIR]
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, posix, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

export interface Violation {
  file: string;
  line: number;
  target: string;
  rule: string;
}

/** Firmware layers and what each may import (besides itself), lowest first. A folder that is not
 *  here is an error: a new layer is placed on purpose. */
const SIP_STACK = ['util', 'net', 'sip', 'sip/transport', 'sip/transaction', 'sip/dialog'];
const MEDIA = ['util', 'codec', 'rtp', 'sdp', 'media'];
export const LAYERS: Record<string, readonly string[]> = {
  util: [],
  net: ['util'],
  sip: ['util', 'net'],
  'sip/transport': ['util', 'net', 'sip'],
  'sip/transaction': ['util', 'net', 'sip', 'sip/transport'],
  'sip/dialog': ['util', 'net', 'sip', 'sip/transport', 'sip/transaction'],
  sdp: ['util'],
  codec: ['util'],
  rtp: ['util', 'codec'],
  media: ['util', 'codec', 'rtp', 'sdp'],
  config: ['util', 'codec'],
  ua: [...SIP_STACK, ...MEDIA, 'config'],
  app: [...SIP_STACK, ...MEDIA, 'config', 'ua'],
};
/** The entry files at firmware/'s top (boot.ts, firmware.ts, hal-binding.ts) may use every layer. */
const ENTRY = '(entry)';

/** The only firmware modules hal/ may import directly, each with the reason; the rest of the
 *  firmware reaches a host only as the bundle it loads. */
export const HAL_USES_FIRMWARE: readonly { from: RegExp; to: RegExp; why: string }[] = [
  { from: /^hal\/emulator\/web\/sip-log\.ts$/, to: /^firmware\/sip\/(parser|stream-framer)\.ts$/, why: 'the web ladder decodes the SIP it shows with the firmware parser' },
  { from: /^hal\/board-[a-z-]+\.ts$/, to: /^firmware\/config\//, why: "a board config is checked by the phone's own config schema" },
];

function layerOf(path: string): string | null {
  const rest = path.slice('firmware/'.length);
  if (!rest.includes('/')) return ENTRY;
  const parts = rest.split('/');
  const two = parts.length > 2 ? `${parts[0]}/${parts[1]}` : null;
  if (two !== null && two in LAYERS) return two;
  return parts[0]! in LAYERS ? parts[0]! : null;
}

function firmwareRule(file: string, target: string | null, spec: string): string | null {
  if (target === null) return `firmware imports '${spec}': the firmware runs in QuickJS and uses no packages or Node modules`;
  if (target === 'hal/contract.ts') return null;
  if (!target.startsWith('firmware/')) return 'firmware imports only firmware/ and hal/contract.ts (its types and tables)';
  const from = layerOf(file);
  const to = layerOf(target);
  if (from === null) return `${posix.dirname(file)} is in no firmware layer: add it to LAYERS in scripts/check-layers.ts`;
  if (to === null) return `${posix.dirname(target)} is in no firmware layer: add it to LAYERS in scripts/check-layers.ts`;
  if (from === ENTRY || from === to) return null;
  if (to === ENTRY) return `firmware/${from} imports an entry file: entries sit above every layer`;
  if (!LAYERS[from]!.includes(to)) return `firmware/${from} may not import firmware/${to} (it may use: ${LAYERS[from]!.join(', ') || 'nothing'})`;
  return null;
}

/** The rule an import breaks, or null. `target` is repo-relative, null for a bare specifier. */
export function ruleFor(file: string, target: string | null, spec: string): string | null {
  if (file.startsWith('firmware/')) return firmwareRule(file, target, spec);
  if (target === null) return null;
  if (file.startsWith('hal/') && target.startsWith('firmware/')) {
    if (HAL_USES_FIRMWARE.some((e) => e.from.test(file) && e.to.test(target))) return null;
    return 'hal/ reaches the firmware only through its bundle (named exceptions: HAL_USES_FIRMWARE)';
  }
  if (file.startsWith('server/') && target.startsWith('hal/emulator/')) return 'the lab server does not use the emulator: shared Node code lives in hal/node/';
  if (file.startsWith('image/') && !target.startsWith('image/')) return 'image/ (the firmware image format) stands alone: Node built-ins only';
  return null;
}

const IMPORT = /(?<=^|[\s;}])(?:import|export)\s[^'";]*?from\s*(['"])([^'"]+)\1|(?<=^|[\s;(=])import\s*\(\s*(['"])([^'"]+)\3\s*\)|(?<=^[ \t]*)import\s+(['"])([^'"]+)\5/gm;
const SOURCE = /\.(ts|mts|mjs)$/;
const CHECKED = ['firmware', 'hal', 'image', 'server'];

function sources(root: string, dir: string, out: string[]): string[] {
  for (const name of readdirSync(join(root, dir))) {
    if (name === 'node_modules' || name.startsWith('.')) continue;
    const rel = dir === '' ? name : `${dir}/${name}`;
    if (statSync(join(root, rel)).isDirectory()) sources(root, rel, out);
    else if (SOURCE.test(name)) out.push(rel);
  }
  return out;
}

/** Checks every source file under root's checked folders; the violations, in file order. */
export function checkLayers(root: string): { files: number; imports: number; violations: Violation[] } {
  const files: string[] = [];
  for (const d of CHECKED) {
    try {
      if (statSync(join(root, d)).isDirectory()) sources(root, d, files);
    } catch {
      // a tree without this folder
    }
  }
  const violations: Violation[] = [];
  let imports = 0;
  for (const file of files.sort()) {
    const text = readFileSync(join(root, file), 'utf8');
    for (const m of text.matchAll(IMPORT)) {
      const spec = m[2] ?? m[4] ?? m[6]!;
      imports++;
      const target = spec.startsWith('.') ? relative(root, resolve(root, dirname(file), spec)).split(sep).join('/') : null;
      const rule = ruleFor(file, target, spec);
      if (rule !== null) violations.push({ file, line: text.slice(0, m.index).split('\n').length, target: target ?? spec, rule });
    }
  }
  return { files: files.length, imports, violations };
}

const USAGE = `usage: check-layers [--root DIR]

Checks quip's import rules (docs/architecture.md, "Layers") on firmware/, hal/, image/, server/:
  firmware layers import downwards only (${Object.keys(LAYERS).join(', ')});
  firmware imports nothing outside firmware/ but hal/contract.ts, and no packages;
  hal/ imports firmware only where HAL_USES_FIRMWARE names it; server/ never hal/emulator/;
  image/ imports only image/ and Node built-ins.
Prints each violation as file:line, the import and the rule; exits 1 when there is one.`;

function main(argv: string[]): number {
  let root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--help' || argv[i] === '-h') {
      console.log(USAGE);
      return 0;
    }
    if (argv[i] === '--root' && argv[i + 1] !== undefined) root = resolve(argv[++i]!);
    else {
      console.error(`check-layers: unknown argument ${argv[i]}\n${USAGE}`);
      return 2;
    }
  }
  const r = checkLayers(root);
  for (const v of r.violations) console.error(`${v.file}:${v.line}: imports ${v.target}: ${v.rule}`);
  console.log(`check-layers: ${r.files} files, ${r.imports} imports, ${r.violations.length} violation${r.violations.length === 1 ? '' : 's'}`);
  return r.violations.length > 0 ? 1 : 0;
}

if (process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) process.exitCode = main(process.argv.slice(2));
