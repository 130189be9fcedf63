// Which property names the firmware bundle may shorten (esbuild `mangleProps`), proven from the
// types. A board keeps every function's source text for Function.prototype.toString, so long
// member names cost flash and heap several times over. A name is shortened only when every use
// of it is the firmware's own and none can be seen from outside the bundle:
//  - each property access and declaration with the name resolves to a declaration in firmware/
//    (not the ES library, not hal/contract.ts: the host builds and reads those objects);
//  - no object literal key with the name is typed by an outside declaration;
//  - no key of a dynamic access can be it (obj[key], key in obj, computed keys): the key's
//    literal types are reserved, and every key of obj when the key is any string;
//  - it is no property of a type whose keys leave the bundle or are enumerated: arguments of
//    JSON.stringify, Object.keys/entries/…, `in`, for…in, HAL calls, parameters typed unknown,
//    any or a type parameter, and the types JSON.parse results are cast to.
// esbuild renames one name the same everywhere in the bundle, so inside it the names still meet.
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, readdirSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const FIRMWARE = path.join(REPO_ROOT, 'firmware');
const CONTRACT = path.join(REPO_ROOT, 'hal', 'contract.ts');
const CACHE_DIR = path.join(REPO_ROOT, 'node_modules', '.cache', 'quip');

/** Names the engine or a protocol reads without a visible use: never shortened. */
const PROTOCOL_NAMES = [
  'constructor', 'prototype', '__proto__', 'length', 'name', 'message', 'stack', 'cause',
  'toString', 'valueOf', 'toJSON', 'then', 'catch', 'finally', 'next', 'done', 'value',
  'return', 'throw', 'get', 'set', 'enumerable', 'configurable', 'writable', 'default',
];

/** Library calls whose arguments' keys are read or written by name at run time. */
const KEY_EXPOSING_CALLS = new Set([
  'JSON.stringify', 'JSON.parse', 'Object.keys', 'Object.values', 'Object.entries', 'Object.assign',
  'Object.fromEntries', 'Object.getOwnPropertyNames', 'Object.getOwnPropertyDescriptors',
  'Object.defineProperty', 'Object.defineProperties', 'Object.create', 'Reflect.ownKeys',
  'Reflect.get', 'Reflect.set', 'Reflect.has',
]);

export interface ManglePlan {
  /** Names esbuild may shorten, sorted. */
  names: string[];
  /** The esbuild `mangleProps` pattern for them (matches nothing when there are none). */
  pattern: RegExp;
}

/** The plan for the firmware as it is on disk, cached by the hash of its sources. */
export function firmwareManglePlan(): ManglePlan {
  // Everything the analysis reads: the firmware, the contract, and the compiler options.
  const firmwareTs = readdirSync(FIRMWARE, { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.ts'));
  const tsconfigs = [FIRMWARE_PROJECT.tsconfig, path.join(REPO_ROOT, 'tsconfig.json')];
  const sources = [...firmwareTs.map((f) => path.join(FIRMWARE, f)), CONTRACT, ...tsconfigs].sort();
  const hash = createHash('sha256');
  hash.update(ts.version); // the ES library's declarations decide what is "outside" too
  hash.update(readFileSync(path.join(REPO_ROOT, 'build', 'mangle-plan.ts')));
  for (const f of sources) hash.update(f).update(readFileSync(f));
  const cacheFile = path.join(CACHE_DIR, `mangle-${hash.digest('hex').slice(0, 16)}.json`);
  const names = cachedOrComputed(cacheFile, () => computeMangleableNames(FIRMWARE_PROJECT));
  return { names, pattern: patternFor(names) };
}

/** A lock older than this was left by a build that died; the next build takes it over. */
const STALE_LOCK_MS = 120_000;
const LOCK_POLL_MS = 50;

/**
 * The cached names, or computed once: many emulators booting at once on a cold cache would
 * otherwise each build the TypeScript program (seconds of CPU each, on a 2-core machine that
 * adds up past their boot deadlines). A lock directory lets one compute while the rest wait.
 */
function cachedOrComputed(cacheFile: string, compute: () => string[]): string[] {
  mkdirSync(CACHE_DIR, { recursive: true });
  const lock = `${cacheFile}.lock`;
  for (;;) {
    const cached = readCache(cacheFile);
    if (cached !== null) return cached;
    try {
      mkdirSync(lock);
    } catch {
      if (Date.now() - lockTakenAt(lock) > STALE_LOCK_MS) rmSync(lock, { recursive: true, force: true });
      else Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, LOCK_POLL_MS); // a synchronous sleep
      continue;
    }
    try {
      const names = readCache(cacheFile) ?? compute(); // another build may have finished meanwhile
      const tmp = `${cacheFile}.${process.pid}.tmp`;
      writeFileSync(tmp, JSON.stringify(names));
      renameSync(tmp, cacheFile); // atomic: no build reads half a file
      return names;
    } finally {
      rmSync(lock, { recursive: true, force: true });
    }
  }
}

function readCache(file: string): string[] | null {
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as string[];
  } catch {
    return null;
  }
}

/** When the lock was taken (ms since the epoch); now when it has just gone. */
function lockTakenAt(lock: string): number {
  try {
    return statSync(lock).mtimeMs;
  } catch {
    return Date.now();
  }
}

export function patternFor(names: readonly string[]): RegExp {
  return names.length === 0 ? /^$.^/ : new RegExp(`^(?:${names.join('|')})$`);
}

/** Inside a `declare` statement: a description of what the host provides, not firmware code. */
function isAmbient(node: ts.Node): boolean {
  for (let n: ts.Node | undefined = node; n !== undefined; n = n.parent) {
    if (ts.canHaveModifiers(n) && ts.getModifiers(n)?.some((m) => m.kind === ts.SyntaxKind.DeclareKeyword) === true) return true;
  }
  return false;
}

export interface MangleProject {
  /** The firmware's tsconfig; its folder is "inside", everything else is outside. */
  tsconfig: string;
  /** The bundle's entry: its exports are what the host reads by name (quipFirmware.start, .event). */
  entry: string;
  /** The HAL contract: calls declared there hand their arguments to the host. */
  contract: string;
}

export const FIRMWARE_PROJECT: MangleProject = {
  tsconfig: path.join(FIRMWARE, 'tsconfig.json'),
  entry: path.join(FIRMWARE, 'boot.ts'),
  contract: CONTRACT,
};

/** The analysis itself: the names of `project` that may be shortened, sorted. */
export function computeMangleableNames(project: MangleProject): string[] {
  const { tsconfig: tsconfigPath, entry, contract } = project;
  const inside = path.dirname(tsconfigPath) + path.sep;
  const parsed = ts.getParsedCommandLineOfConfigFile(tsconfigPath, {}, {
    ...ts.sys,
    onUnRecoverableConfigFileDiagnostic: (d) => {
      throw new Error(ts.flattenDiagnosticMessageText(d.messageText, '\n'));
    },
  });
  if (parsed === undefined) throw new Error(`cannot read ${tsconfigPath}`);
  const program = ts.createProgram(parsed.fileNames, parsed.options);
  const checker = program.getTypeChecker();
  const isInside = (file: ts.SourceFile): boolean => path.resolve(file.fileName).startsWith(inside);

  const candidates = new Set<string>();
  const reserved = new Set<string>(PROTOCOL_NAMES);
  const seenTypes = new Set<ts.Type>();

  const declaredInside = (sym: ts.Symbol | undefined): boolean => {
    const decls = sym?.declarations;
    if (decls === undefined || decls.length === 0) return false;
    // An ambient declaration (declare const globalThis…) describes what the host provides.
    return decls.every((d) => isInside(d.getSourceFile()) && !isAmbient(d));
  };

  /** Every property name reachable from `type`: its keys can be seen from outside. */
  const reserveKeysOf = (type: ts.Type): void => {
    if (seenTypes.has(type)) return;
    seenTypes.add(type);
    if (type.isUnionOrIntersection()) {
      for (const t of type.types) reserveKeysOf(t);
      return;
    }
    if (type.flags & (ts.TypeFlags.Any | ts.TypeFlags.Unknown | ts.TypeFlags.TypeParameter)) return;
    for (const prop of checker.getPropertiesOfType(type)) {
      reserved.add(prop.name);
      const decl = prop.valueDeclaration ?? prop.declarations?.[0];
      if (decl !== undefined) reserveKeysOf(checker.getTypeOfSymbolAtLocation(prop, decl));
    }
    const ref = type as ts.TypeReference;
    if ((type.flags & ts.TypeFlags.Object) !== 0 && ((type as ts.ObjectType).objectFlags & ts.ObjectFlags.Reference) !== 0) {
      for (const arg of checker.getTypeArguments(ref)) reserveKeysOf(arg);
    }
    const index = checker.getIndexInfosOfType(type);
    for (const info of index) reserveKeysOf(info.type);
  };

  /** A type that does not name all its keys (unknown, object, {}, records, index signatures, type parameters). */
  const opaque = (t: ts.Type): boolean => {
    if (t.isUnion()) return t.types.some(opaque);
    if ((t.flags & (ts.TypeFlags.Any | ts.TypeFlags.Unknown | ts.TypeFlags.TypeParameter | ts.TypeFlags.NonPrimitive)) !== 0) return true;
    if ((t.flags & ts.TypeFlags.Object) === 0) return false;
    // { event: string; [k: string]: unknown } names one key and lets any other through
    if (checker.getIndexInfosOfType(t).some((i) => (i.keyType.flags & ts.TypeFlags.String) !== 0)) return true;
    return checker.getPropertiesOfType(t).length === 0 && t.getCallSignatures().length === 0;
  };

  const useOf = (name: string, sym: ts.Symbol | undefined): void => {
    if (declaredInside(sym)) candidates.add(name);
    else reserved.add(name);
  };

  const visitCall = (call: ts.CallExpression | ts.NewExpression): void => {
    const args = call.arguments ?? ts.factory.createNodeArray();
    const callee = call.expression.getText();
    const sig = checker.getResolvedSignature(call);
    const decl = sig?.getDeclaration();
    const outside = decl === undefined || !isInside(decl.getSourceFile());
    const exposing = KEY_EXPOSING_CALLS.has(callee) || (decl !== undefined && path.resolve(decl.getSourceFile().fileName) === contract);
    args.forEach((arg, i) => {
      const argType = checker.getTypeAtLocation(arg);
      if (exposing) return void (reserveLiterals(argType), reserveKeysOf(argType));
      if (outside) return; // a library call that only stores or compares its arguments (Map.set, push, …)
      // The declared parameter type, not the instantiated one: a generic <T>(x: T) sees no keys.
      const params = decl?.parameters ?? ts.factory.createNodeArray<ts.ParameterDeclaration>();
      const param = params[Math.min(i, params.length - 1)];
      if (param === undefined) return reserveKeysOf(argType);
      let paramType = checker.getTypeAtLocation(param);
      if (i >= params.length - 1 && param.dotDotDotToken !== undefined) {
        paramType = checker.getIndexTypeOfType(paramType, ts.IndexKind.Number) ?? paramType;
      }
      if (opaque(paramType)) reserveKeysOf(argType);
    });
    if (callee === 'JSON.parse') reserveKeysOf(targetTypeOf(call));
  };

  /** The type a JSON.parse result is cast or assigned to. */
  const targetTypeOf = (node: ts.Expression): ts.Type => {
    let n: ts.Node = node;
    while (ts.isParenthesizedExpression(n.parent) || ts.isAsExpression(n.parent) || ts.isSatisfiesExpression(n.parent)) {
      n = n.parent;
      if (ts.isAsExpression(n) || ts.isSatisfiesExpression(n)) return checker.getTypeFromTypeNode(n.type);
    }
    return checker.getContextualType(n as ts.Expression) ?? checker.getTypeAtLocation(n);
  };

  const visit = (node: ts.Node): void => {
    if (ts.isElementAccessExpression(node)) {
      keysUsedBy(node.argumentExpression, node.expression);
    } else if (ts.isComputedPropertyName(node)) {
      reserveLiterals(checker.getTypeAtLocation(node.expression));
    } else if (ts.isPropertyAccessExpression(node) && ts.isIdentifier(node.name)) {
      useOf(node.name.text, checker.getSymbolAtLocation(node.name));
    } else if (
      (ts.isPropertyDeclaration(node) || ts.isMethodDeclaration(node) || ts.isGetAccessor(node) ||
        ts.isSetAccessor(node) || ts.isPropertySignature(node) || ts.isMethodSignature(node)) &&
      ts.isIdentifier(node.name)
    ) {
      const name = node.name.text;
      if (ts.isObjectLiteralExpression(node.parent)) objectKey(node.parent, name);
      else useOf(name, checker.getSymbolAtLocation(node.name));
    } else if ((ts.isPropertyAssignment(node) || ts.isShorthandPropertyAssignment(node)) && ts.isIdentifier(node.name)) {
      objectKey(node.parent, node.name.text);
    } else if (ts.isParameter(node) && ts.isIdentifier(node.name) && ts.isParameterPropertyDeclaration(node, node.parent)) {
      candidates.add(node.name.text); // a parameter property: a class field declared here
    } else if (ts.isBindingElement(node) && ts.isObjectBindingPattern(node.parent)) {
      const key = node.propertyName ?? node.name;
      if (ts.isIdentifier(key)) {
        const owner = checker.getTypeAtLocation(node.parent);
        useOf(key.text, owner.getProperty(key.text));
      }
    } else if (ts.isEnumMember(node) && ts.isIdentifier(node.name)) {
      reserved.add(node.name.text);
    } else if (ts.isCallExpression(node) || ts.isNewExpression(node)) {
      visitCall(node);
    } else if (ts.isBinaryExpression(node) && node.operatorToken.kind === ts.SyntaxKind.InKeyword) {
      keysUsedBy(node.left, node.right);
    } else if (ts.isForInStatement(node)) {
      reserveKeysOf(checker.getTypeAtLocation(node.expression));
    }
    ts.forEachChild(node, visit);
  };

  /** The string literals a key type can be: each names a property read or written by that key. */
  const reserveLiterals = (t: ts.Type): boolean => {
    let general = false;
    for (const part of t.isUnion() ? t.types : [t]) {
      if (part.isStringLiteral()) reserved.add(part.value);
      else if ((part.flags & ts.TypeFlags.NumberLike) === 0) general = true;
    }
    return general;
  };

  /** obj[key] or key in obj: the names key can be; any name of obj when key is any string. */
  const keysUsedBy = (key: ts.Expression, obj: ts.Expression): void => {
    if (reserveLiterals(checker.getTypeAtLocation(key))) reserveKeysOf(checker.getTypeAtLocation(obj));
  };

  /** An object literal key: the firmware's own unless an outside type gives it its meaning. */
  const objectKey = (literal: ts.ObjectLiteralExpression, name: string): void => {
    const contextual = checker.getContextualType(literal);
    if (contextual === undefined) return void candidates.add(name);
    const types = contextual.isUnion() ? contextual.types : [contextual];
    for (const t of types) {
      if (opaque(t)) return reserveKeysOf(checker.getTypeAtLocation(literal));
      const prop = t.getProperty(name);
      if (prop !== undefined && !declaredInside(prop)) return void reserved.add(name);
    }
    candidates.add(name);
  };

  const entryFile = program.getSourceFile(entry);
  const entrySymbol = entryFile === undefined ? undefined : checker.getSymbolAtLocation(entryFile);
  if (entrySymbol === undefined) throw new Error(`${entry} is not a module of ${tsconfigPath}`);
  for (const sym of checker.getExportsOfModule(entrySymbol)) reserved.add(sym.name);
  for (const file of program.getSourceFiles()) {
    if (file.isDeclarationFile) continue;
    if (isInside(file) || path.resolve(file.fileName) === contract) visit(file);
  }
  // A name is shortened everywhere or nowhere: one use that must keep it keeps it for all.
  return [...candidates].filter((n) => !reserved.has(n) && /^[A-Za-z_$][\w$]*$/.test(n)).sort();
}
