/**
 * C2SP tlog-tiles paths: `tile/<L>/<N>[.p/<W>]` and `tile/entries/<N>[.p/<W>]`.
 *
 * - `<L>`: level, decimal 0..63, no leading zeroes.
 * - `<N>`: tile index as zero-padded 3-digit groups, all but the last prefixed
 *   with `x`: 0 → `000`, 1000 → `x001/000`, 1234067 → `x001/x234/067`.
 * - `.p/<W>`: partial tiles only; `<W>` decimal 1..255, no leading zeroes.
 *
 * Parsing is strict (paths come from clients): there is exactly one spelling
 * of each tile, so anything else (a leading `x000` group, `.p/256`, `..`,
 * empty segments, indices above 2^53 − 1) throws LogError('BAD_REQUEST').
 */
import { LogError } from '../errors.js';
import { MAX_TILE_LEVEL, TILE_WIDTH } from './tile-size.js';

/** `entries` names the entry-bundle tiles; a number names a hash-tile level. */
export type TileLevel = number | 'entries';

/** A parsed tile path. `width` is 256 for a full tile, 1..255 for a `.p/<W>` one. */
export interface TilePath {
  readonly level: TileLevel;
  readonly index: number;
  readonly width: number;
}

/** Longest path we bother to parse: 6 index groups, level, `.p/255`, with room to spare. */
const MAX_PATH_LENGTH = 64;
/** 2^53 − 1 has 16 digits: 6 groups of 3. */
const MAX_GROUPS = 6;

const PATH_RE = /^tile\/(entries|0|[1-9][0-9]?)\/((?:x[0-9]{3}\/)*[0-9]{3})(?:\.p\/([1-9][0-9]{0,2}))?$/;
const INDEX_RE = /^(?:x[0-9]{3}\/)*[0-9]{3}$/;

function bad(what: string, why: string): LogError {
  return new LogError('BAD_REQUEST', `couldn't parse tile ${what}: ${why}`);
}

/** Formats a tile index as `x`-prefixed 3-digit groups (`x001/x234/067`). `index` MUST be a safe integer ≥ 0. */
export function formatTileIndex(index: number): string {
  if (!Number.isSafeInteger(index) || index < 0) {
    throw new LogError('BAD_REQUEST', `couldn't format tile index ${index}: not a non-negative safe integer`);
  }
  let digits = String(index);
  digits = digits.padStart(Math.ceil(digits.length / 3) * 3, '0');
  const groups: string[] = [];
  for (let at = 0; at < digits.length; at += 3) groups.push(digits.slice(at, at + 3));
  return groups.map((g, i) => (i < groups.length - 1 ? `x${g}` : g)).join('/');
}

/**
 * Formats `tile/<L>/<N>[.p/<W>]`. `width` defaults to 256 (full tile: no `.p/`);
 * it MUST be 1..256, `level` 0..63 or 'entries'.
 */
export function formatTilePath(level: TileLevel, index: number, width: number = TILE_WIDTH): string {
  if (level !== 'entries' && (!Number.isInteger(level) || level < 0 || level > MAX_TILE_LEVEL)) {
    throw new LogError('BAD_REQUEST', `couldn't format tile path: level ${level} is not in 0..63`);
  }
  if (!Number.isInteger(width) || width < 1 || width > TILE_WIDTH) {
    throw new LogError('BAD_REQUEST', `couldn't format tile path: width ${width} is not in 1..256`);
  }
  const suffix = width === TILE_WIDTH ? '' : `.p/${width}`;
  return `tile/${level}/${formatTileIndex(index)}${suffix}`;
}

/** Parses the `<N>` part of a tile path (`x001/x234/067` → 1234067); strict, see the module comment. */
export function parseTileIndex(text: string): number {
  if (text.length > MAX_PATH_LENGTH || !INDEX_RE.test(text)) {
    throw bad('index', `${JSON.stringify(text.slice(0, MAX_PATH_LENGTH))} is not 3-digit groups like x001/234`);
  }
  const groups = text.split('/');
  if (groups.length > MAX_GROUPS) throw bad('index', `${groups.length} groups is above 2^53`);
  if (groups.length > 1 && groups[0] === 'x000') throw bad('index', `${text} has a leading zero group`);
  const value = BigInt(groups.map((g) => g.replace('x', '')).join(''));
  if (value > BigInt(Number.MAX_SAFE_INTEGER)) throw bad('index', `${text} is above 2^53 − 1`);
  return Number(value);
}

/**
 * Parses `tile/<L>/<N>[.p/<W>]` or `tile/entries/<N>[.p/<W>]` (exactly as
 * formatTilePath writes it, including the leading `tile/`, no leading slash).
 */
export function parseTilePath(path: string): TilePath {
  const m = path.length > MAX_PATH_LENGTH ? null : PATH_RE.exec(path);
  if (m === null) {
    throw bad('path', `${JSON.stringify(path.slice(0, MAX_PATH_LENGTH))} is not tile/<L>/<N>[.p/<W>]`);
  }
  const [, levelText = '', indexText = '', widthText] = m;
  let level: TileLevel = 'entries';
  if (levelText !== 'entries') {
    level = Number(levelText);
    if (level > MAX_TILE_LEVEL) throw bad('path', `level ${level} is above 63`);
  }
  let width = TILE_WIDTH;
  if (widthText !== undefined) {
    width = Number(widthText);
    if (width >= TILE_WIDTH) throw bad('path', `partial width ${width} is not in 1..255`);
  }
  return { level, index: parseTileIndex(indexText), width };
}
