/**
 * Checkpoints (c2sp.org/tlog-checkpoint v1.0.0): the signed-note text
 *
 *   <origin>\n<tree size, decimal, no leading zeroes>\n<base64 32-byte root>\n[<extension line>\n…]
 *
 * Rekor v1 uses the same body with origin `<host> - <treeID>` (rekor-v1 §5).
 * Pure: no I/O, no clock.
 */
import { LogError } from '../errors.js';
import { decodeBase64, encodeBase64, isWellFormed } from './encoding.js';
import { openNote, signNote, type NoteSigner, type NoteVerifier } from './note.js';

/** A log's tree head as a checkpoint states it. */
export interface Checkpoint {
  /** Log identity: non-empty, one line, no control characters. */
  readonly origin: string;
  /** Tree size: a non-negative safe integer. */
  readonly size: number;
  /** RFC 6962 root hash, exactly 32 bytes (SHA-256("") for size 0). */
  readonly root: Uint8Array;
  /** Optional extension lines (each non-empty, without '\n'); absent when there are none. */
  readonly extensions?: readonly string[];
}

/** A checkpoint note opened with openCheckpoint. */
export interface OpenedCheckpoint {
  readonly checkpoint: Checkpoint;
  /** The exact note text (what cosignatures sign). */
  readonly text: string;
  readonly verifiedBy: readonly NoteVerifier[];
}

// Any C0 control character (lines carry no '\n' of their own).
const CONTROL_RE = /[\u0000-\u001F]/;
const SIZE_RE = /^(?:0|[1-9][0-9]*)$/;

/**
 * Formats the checkpoint text (tlog-checkpoint "Note text"). Throws
 * LogError('NOTE_INVALID') for an empty or multi-line origin, a size that is
 * not a non-negative safe integer, a root that is not 32 bytes, or an empty or
 * multi-line extension line.
 */
export function formatCheckpoint(cp: Checkpoint): string {
  if (!isValidLine(cp.origin)) throw bad('format', 'origin must be one non-empty line without control characters');
  if (!Number.isSafeInteger(cp.size) || cp.size < 0) throw bad('format', `size ${cp.size} is not a non-negative safe integer`);
  if (!(cp.root instanceof Uint8Array) || cp.root.length !== 32) throw bad('format', 'root must be 32 bytes');
  const extensions = cp.extensions ?? [];
  for (const line of extensions) {
    if (!isValidLine(line)) throw bad('format', 'extension lines must be non-empty single lines without control characters');
  }
  return [cp.origin, String(cp.size), encodeBase64(cp.root), ...extensions].map((l) => `${l}\n`).join('');
}

/**
 * Parses checkpoint text (the note text, not the whole note). Extension lines
 * are kept in order. Throws LogError('NOTE_INVALID') when the text does not
 * end in '\n', has fewer than three lines, an empty origin, a size with a sign,
 * leading zeroes or beyond 2^53-1, a root that is not canonical base64 of 32
 * bytes, or an empty extension line.
 */
export function parseCheckpoint(text: string): Checkpoint {
  if (!text.endsWith('\n')) throw bad('parse', 'text must end with a newline');
  if (!isWellFormed(text)) throw bad('parse', 'not valid UTF-8');
  const lines = text.slice(0, -1).split('\n');
  const [origin, sizeStr, rootStr, ...extensions] = lines;
  if (origin === undefined || sizeStr === undefined || rootStr === undefined) throw bad('parse', 'fewer than three lines');
  if (!isValidLine(origin)) throw bad('parse', 'empty origin or control characters');
  if (!SIZE_RE.test(sizeStr)) throw bad('parse', 'size must be decimal without leading zeroes');
  const size = Number(sizeStr);
  if (!Number.isSafeInteger(size)) throw bad('parse', `size ${sizeStr} is beyond 2^53-1`);
  const root = decodeBase64(rootStr);
  if (root === undefined || root.length !== 32) throw bad('parse', 'root must be base64 of 32 bytes');
  for (const line of extensions) {
    if (!isValidLine(line)) throw bad('parse', 'empty extension line or control characters');
  }
  return extensions.length === 0 ? { origin, size, root } : { origin, size, root, extensions };
}

/** formatCheckpoint then signNote: the full signed checkpoint note. */
export function signCheckpoint(cp: Checkpoint, signers: readonly NoteSigner[]): string {
  return signNote(formatCheckpoint(cp), signers);
}

/**
 * Opens a checkpoint note (openNote's rules) and parses its text. Throws
 * LogError('NOTE_INVALID') when the note does not verify or the text is not a
 * checkpoint. Origin and key-name policy are the caller's.
 */
export function openCheckpoint(note: string | Uint8Array, verifiers: readonly NoteVerifier[]): OpenedCheckpoint {
  const opened = openNote(note, verifiers);
  return { checkpoint: parseCheckpoint(opened.text), text: opened.text, verifiedBy: opened.verifiedBy };
}

function isValidLine(s: string): boolean {
  return typeof s === 'string' && s !== '' && !CONTROL_RE.test(s) && isWellFormed(s);
}

function bad(verb: 'format' | 'parse', why: string): LogError<'NOTE_INVALID'> {
  return new LogError('NOTE_INVALID', `couldn't ${verb} checkpoint: ${why}`);
}
