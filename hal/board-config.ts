// Board configs on the Node side: finding and reading board-configs/<id>.json, and the version
// from package.json. The validator, toBoardInfo and the --account parser are pure code in
// board-schema.ts (shared with the C host's QuickJS shell); they are re-exported from here so
// every import of this module keeps working.
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { BoardConfigError, checkFileId, jsonSyntaxProblem, toBoardInfo as boardInfoOf, validateBoardConfig } from './board-schema.ts';
import type { BoardConfig } from './board-schema.ts';
import type { BoardInfo } from './contract.ts';

export { BoardConfigError, DEFAULT_SIP_PORT, parseAccountUri, validateBoardConfig } from './board-schema.ts';
export type { AccountConfig, BoardConfig, Codec, SipTransport, UpdateConfig } from './board-schema.ts';

// ---- files --------------------------------------------------------------------------------

const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const DEFAULT_BOARDS_DIR = path.join(REPO_ROOT, 'board-configs');

/** A path as the user should read it: relative to the current directory when below it. */
function displayPath(file: string): string {
  const rel = path.relative(process.cwd(), file);
  return rel && !rel.startsWith('..') && !path.isAbsolute(rel) ? rel.split(path.sep).join('/') : file;
}

/** Ids of the boards in `boardsDir` (file names without `.json`), sorted. */
export function listBoards(boardsDir = DEFAULT_BOARDS_DIR): string[] {
  return readdirSync(boardsDir)
    .filter((f) => f.endsWith('.json') && f !== 'schema.json')
    .map((f) => f.slice(0, -'.json'.length))
    .sort();
}

/** Loads a board by name ("desk6", looked up in `boardsDir`) or by path to a JSON file. */
export function loadBoardConfig(nameOrPath: string, boardsDir = DEFAULT_BOARDS_DIR): BoardConfig {
  const isPath = nameOrPath.endsWith('.json') || nameOrPath.includes('/') || nameOrPath.includes(path.sep);
  const file = isPath ? path.resolve(nameOrPath) : path.join(boardsDir, `${nameOrPath}.json`);
  const source = displayPath(file);
  if (!isPath && !existsSync(file)) {
    const known = existsSync(boardsDir) ? listBoards(boardsDir).join(', ') : 'none';
    throw new BoardConfigError(source, '', `no such board "${nameOrPath}" (boards: ${known})`);
  }
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new BoardConfigError(source, '', `cannot read: ${(err as Error).message}`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new BoardConfigError(source, '', jsonSyntaxProblem(text, err as Error));
  }
  const config = validateBoardConfig(json, source);
  checkFileId(config, source);
  return config;
}

/** package.json's version: the firmware version of boards that do not pin one. */
export function packageVersion(): string {
  const pkg = JSON.parse(readFileSync(path.join(REPO_ROOT, 'package.json'), 'utf8')) as { version?: unknown };
  if (typeof pkg.version !== 'string') throw new Error('package.json has no "version"');
  return pkg.version;
}

export function firmwareVersion(config: BoardConfig): string {
  return config.firmware?.version ?? packageVersion();
}

/** The facts the firmware gets from `hal.system.board()`. */
export function toBoardInfo(config: BoardConfig): BoardInfo {
  return boardInfoOf(config, firmwareVersion(config));
}
