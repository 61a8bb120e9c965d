/**
 * C2SP signed notes (c2sp.org/signed-note v1.0.0): parse, sign and open.
 *
 * A note is `<text>\n<signature lines>`, where the text is one or more lines
 * each ending in `\n` and every signature line is
 * `— <key name> <base64(uint32 BE key ID ‖ signature)>\n` (U+2014 EM DASH,
 * space). Pure: no I/O, no clock. Portable: no node: imports.
 */
import { LogError } from '../errors.js';
import {
  concatBytes,
  decodeBase64,
  encodeBase64,
  isUint32,
  isValidKeyName,
  isWellFormed,
  keyIdHex,
  readUint32BE,
  uint32BE,
} from './encoding.js';

/** Something that signs note texts under one key (c2sp.org/signed-note "Signatures"). */
export interface NoteSigner {
  /** Key name: non-empty, no Unicode whitespace, no '+'. */
  readonly name: string;
  /** uint32 key ID written in front of every signature. */
  readonly keyId: number;
  /** Signs exactly `msg` (the note text, final newline included); returns the raw signature bytes. */
  sign(msg: Uint8Array): Uint8Array;
}

/** Something that checks note signatures made under one (name, key ID). */
export interface NoteVerifier {
  readonly name: string;
  /** uint32 key ID this verifier answers for. */
  readonly keyId: number;
  /** True iff `sig` (without the 4-byte key ID) is a valid signature of `msg` (the note text). MUST NOT throw. */
  verify(msg: Uint8Array, sig: Uint8Array): boolean;
}

/** One parsed signature line. */
export interface NoteSignature {
  readonly name: string;
  /** uint32 key ID (the first 4 bytes of the blob, big-endian). */
  readonly keyId: number;
  /** The signature bytes after the key ID (at least 1 byte). */
  readonly sig: Uint8Array;
}

/** A syntactically valid note whose signatures have not been checked. */
export interface ParsedNote {
  /** The note text, final newline included, separating blank line excluded. */
  readonly text: string;
  /** Signature lines in order, identical lines dropped. */
  readonly signatures: readonly NoteSignature[];
}

/** A note with at least one signature from a known key verified. */
export interface OpenedNote {
  readonly text: string;
  /** The distinct verifiers that verified a signature, in signature order; never empty. */
  readonly verifiedBy: readonly NoteVerifier[];
}

/** x/mod's cap: "Avoid spending forever parsing a note with many signatures." The spec requires at least 16. */
export const MAX_NOTE_SIGNATURES = 100;

const SIG_PREFIX = '\u2014 ';
// Any C0 control character other than '\n' (signed-note: "MUST NOT contain any ASCII control characters").
const CONTROL_RE = /[\u0000-\u0009\u000B-\u001F]/;
const utf8Decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
const utf8Encoder = new TextEncoder();

/**
 * Parses a signed note without verifying anything. Accepts the note as a
 * string or as its UTF-8 bytes (rejecting invalid UTF-8). The text/signature
 * split is at the LAST blank line, so the text may itself contain blank lines.
 *
 * Throws LogError('NOTE_INVALID') when: the message has control characters
 * other than '\n' or is not UTF-8; there is no blank line; the signature block
 * is empty or lacks a final newline; a line lacks the "— " prefix, has an
 * invalid key name, bad or non-canonical base64, or a blob under 5 bytes;
 * or there are more than {@link MAX_NOTE_SIGNATURES} signature lines.
 */
export function parseNote(msg: string | Uint8Array): ParsedNote {
  const s = typeof msg === 'string' ? msg : decodeUtf8(msg);
  if (!isWellFormed(s)) throw invalid('not valid UTF-8');
  if (CONTROL_RE.test(s)) throw invalid('control character');
  const split = s.lastIndexOf('\n\n');
  if (split < 0) throw invalid('no blank line before the signatures');
  const text = s.slice(0, split + 1);
  const block = s.slice(split + 2);
  if (block === '' || !block.endsWith('\n')) throw invalid('signature block must end with a newline');
  const lines = block.slice(0, -1).split('\n');
  if (lines.length > MAX_NOTE_SIGNATURES) throw invalid(`more than ${MAX_NOTE_SIGNATURES} signatures`);
  const seen = new Set<string>();
  const signatures: NoteSignature[] = [];
  for (const line of lines) {
    const sig = parseLine(line);
    if (seen.has(line)) continue;
    seen.add(line);
    signatures.push(sig);
  }
  return { text, signatures };
}

/**
 * Parses one signature line, with or without its final '\n' (as in a
 * tlog-witness response body). Throws LogError('NOTE_INVALID') if malformed.
 */
export function parseSignatureLine(line: string): NoteSignature {
  const l = line.endsWith('\n') ? line.slice(0, -1) : line;
  if (l.includes('\n') || CONTROL_RE.test(l) || !isWellFormed(l)) throw invalid('malformed signature line');
  return parseLine(l);
}

/**
 * Formats `— <name> <base64(keyId ‖ sig)>\n` (c2sp.org/signed-note), final
 * newline included. Throws LogError('NOTE_INVALID') for an invalid name, a key
 * ID that is not a uint32 or an empty signature.
 */
export function formatSignatureLine(name: string, keyId: number, sig: Uint8Array): string {
  if (!isValidKeyName(name)) throw new LogError('NOTE_INVALID', `couldn't sign note: invalid key name ${JSON.stringify(name)}`);
  if (!isUint32(keyId)) throw new LogError('NOTE_INVALID', `couldn't sign note: key ID ${keyId} is not a uint32`);
  if (sig.length === 0) throw new LogError('NOTE_INVALID', "couldn't sign note: empty signature");
  return `${SIG_PREFIX}${name} ${encodeBase64(concatBytes(uint32BE(keyId), sig))}\n`;
}

/**
 * Signs `text` with every signer, in order, and returns the whole note:
 * text, blank line, one signature line per signer. `text` MUST be non-empty,
 * end with '\n' and contain no control characters but '\n' (else
 * LogError('NOTE_INVALID')). Signers sign the UTF-8 text bytes, final newline
 * included, separating blank line excluded.
 */
export function signNote(text: string, signers: readonly NoteSigner[]): string {
  if (!text.endsWith('\n')) throw new LogError('NOTE_INVALID', "couldn't sign note: text must end with a newline");
  if (CONTROL_RE.test(text) || !isWellFormed(text)) {
    throw new LogError('NOTE_INVALID', "couldn't sign note: text has control characters or is not UTF-8");
  }
  if (signers.length === 0) throw new LogError('NOTE_INVALID', "couldn't sign note: no signers");
  const bytes = utf8Encoder.encode(text);
  const lines = signers.map((s) => formatSignatureLine(s.name, s.keyId, s.sign(bytes)));
  return `${text}\n${lines.join('')}`;
}

/**
 * Parses `msg` and checks its signatures against `verifiers`, following
 * c2sp.org/signed-note "Verification": a signature whose (name, key ID) no
 * verifier claims is ignored; a signature from a known key MUST verify, or the
 * whole note is rejected; at least one known signature must verify.
 *
 * Throws LogError('NOTE_INVALID') for a malformed note, a failing known
 * signature, no verified signature, or two different verifiers claiming the
 * same (name, key ID) (ambiguous, as x/mod treats it).
 */
export function openNote(msg: string | Uint8Array, verifiers: readonly NoteVerifier[]): OpenedNote {
  const note = parseNote(msg);
  const byKey = new Map<string, NoteVerifier>();
  for (const v of verifiers) {
    const key = verifierKey(v.name, v.keyId);
    const other = byKey.get(key);
    if (other !== undefined && other !== v) {
      throw new LogError('NOTE_INVALID', `couldn't verify note: ambiguous verifiers for ${v.name}+${keyIdHex(v.keyId)}`);
    }
    byKey.set(key, v);
  }
  const textBytes = utf8Encoder.encode(note.text);
  const verifiedBy: NoteVerifier[] = [];
  for (const sig of note.signatures) {
    const v = byKey.get(verifierKey(sig.name, sig.keyId));
    if (v === undefined) continue;
    if (!safeVerify(v, textBytes, sig.sig)) {
      throw new LogError('NOTE_INVALID', `couldn't verify note: invalid signature by ${sig.name}+${keyIdHex(sig.keyId)}`);
    }
    if (!verifiedBy.includes(v)) verifiedBy.push(v);
  }
  if (verifiedBy.length === 0) throw new LogError('NOTE_INVALID', "couldn't verify note: no signature by a known key");
  return { text: note.text, verifiedBy };
}

function parseLine(line: string): NoteSignature {
  if (!line.startsWith(SIG_PREFIX)) throw invalid('signature line must start with "— "');
  const rest = line.slice(SIG_PREFIX.length);
  const space = rest.indexOf(' ');
  const name = space < 0 ? rest : rest.slice(0, space);
  const b64 = space < 0 ? '' : rest.slice(space + 1);
  if (!isValidKeyName(name)) throw invalid(`invalid key name ${JSON.stringify(name)}`);
  const blob = decodeBase64(b64);
  if (blob === undefined) throw invalid(`bad base64 in signature by ${name}`);
  if (blob.length < 5) throw invalid(`signature by ${name} shorter than 5 bytes`);
  return { name, keyId: readUint32BE(blob), sig: blob.slice(4) };
}

function safeVerify(v: NoteVerifier, msg: Uint8Array, sig: Uint8Array): boolean {
  try {
    return v.verify(msg, sig) === true;
  } catch {
    return false;
  }
}

function decodeUtf8(bytes: Uint8Array): string {
  try {
    return utf8Decoder.decode(bytes);
  } catch (err) {
    throw new LogError('NOTE_INVALID', "couldn't parse note: not valid UTF-8", { cause: err });
  }
}

function verifierKey(name: string, keyId: number): string {
  return `${name}+${keyId}`;
}

function invalid(why: string): LogError<'NOTE_INVALID'> {
  return new LogError('NOTE_INVALID', `couldn't parse note: ${why}`);
}
