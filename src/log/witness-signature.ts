/**
 * Checking a witness's signature line over a checkpoint text before the log
 * stores and serves it. Witnesses sign per c2sp.org/tlog-cosignature
 * (type 0x04: timestamped Ed25519 over `cosignature/v1\ntime <t>\n<text>`);
 * a verifier key of type 0x01 (a plain Ed25519 note signature, as some older
 * witnesses make) is accepted too.
 */
import { LogError } from '../errors.js';
import { isCosignatureVerifier, parseSignatureLine, verifyCosignature, type NoteVerifier } from '../note/index.js';

const encoder = new TextEncoder();

/** A verified witness signature line (without its final newline). */
export interface VerifiedWitnessLine {
  readonly line: string;
  /** The cosignature's timestamp (POSIX seconds); undefined for a type-0x01 signature, which has none. */
  readonly timestamp: number | undefined;
}

/**
 * Verifies one signature line (with or without its final '\n') by
 * `verifier` over `checkpointText`. Throws LogError('NOTE_INVALID') when the
 * line is malformed, is by another key, or does not verify.
 */
export function verifyWitnessLine(verifier: NoteVerifier, checkpointText: string, line: string): VerifiedWitnessLine {
  const bare = line.endsWith('\n') ? line.slice(0, -1) : line;
  const sig = parseSignatureLine(bare);
  if (isCosignatureVerifier(verifier)) return { line: bare, timestamp: verifyCosignature(verifier, checkpointText, sig) };
  if (sig.name !== verifier.name || sig.keyId !== verifier.keyId || !verifier.verify(encoder.encode(checkpointText), sig.sig)) {
    throw new LogError('NOTE_INVALID', `couldn't verify witness signature by ${sig.name}: not a valid signature by ${verifier.name}`);
  }
  return { line: bare, timestamp: undefined };
}

/**
 * The lines of a tlog-witness add-checkpoint response that are valid
 * signatures by `verifier` over `checkpointText`. Lines by other keys are
 * ignored (a witness may sign with several keys); malformed or failing lines
 * by this key are reported in `rejected`.
 */
export function witnessLinesOf(
  verifier: NoteVerifier,
  checkpointText: string,
  body: string,
): { verified: VerifiedWitnessLine[]; rejected: string[] } {
  const verified: VerifiedWitnessLine[] = [];
  const rejected: string[] = [];
  for (const line of body.split('\n')) {
    if (line === '') continue;
    let sig;
    try {
      sig = parseSignatureLine(line);
    } catch {
      rejected.push(line);
      continue;
    }
    if (sig.name !== verifier.name || sig.keyId !== verifier.keyId) continue;
    try {
      verified.push(verifyWitnessLine(verifier, checkpointText, line));
    } catch {
      rejected.push(line);
    }
  }
  return { verified, rejected };
}
