/**
 * The body of a tlog-witness `add-checkpoint` request (c2sp.org/tlog-witness
 * v1.0.0, "add-checkpoint"):
 *
 *   old <decimal size of the previous checkpoint, "0" if none>\n
 *   <base64 consistency-proof hash>\n        (0..63 lines, RFC 6962 §2.1.2, old → new)
 *   \n
 *   <checkpoint note: text, blank line, signature lines>
 *
 * Both sides use this module: a log formats the body, a witness parses it.
 * Pure: no I/O, no clock.
 */
import { LogError } from '../errors.js';
import { decodeBase64, encodeBase64, isWellFormed } from './encoding.js';

/** A parsed add-checkpoint request. The note is not parsed or verified here. */
export interface AddCheckpointRequest {
  /** The size of the checkpoint the submitter believes the witness last cosigned (0 if none). */
  readonly oldSize: number;
  /** Consistency proof from `oldSize` to the checkpoint's size, 32-byte hashes, leaf to root. */
  readonly proof: readonly Uint8Array[];
  /** The checkpoint as a signed note (text, blank line, signature lines). */
  readonly checkpoint: string;
}

/** tlog-witness: "The consistency proof lines MUST be … at most 63". */
export const MAX_PROOF_LINES = 63;

const OLD_RE = /^old (0|[1-9][0-9]{0,15})$/;
const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/**
 * Formats an add-checkpoint request body. `oldSize` MUST be a non-negative
 * safe integer, each proof hash 32 bytes, at most 63 of them, and
 * `checkpoint` a signed note ending in '\n' (else LogError('BAD_REQUEST')).
 */
export function formatAddCheckpoint(req: AddCheckpointRequest): string {
  if (!Number.isSafeInteger(req.oldSize) || req.oldSize < 0) throw bad(`old size ${req.oldSize} is not a non-negative integer`);
  if (req.proof.length > MAX_PROOF_LINES) throw bad(`a proof of ${req.proof.length} hashes is longer than ${MAX_PROOF_LINES}`);
  if (req.proof.some((h) => h.length !== 32)) throw bad('proof hashes must be 32 bytes');
  if (!req.checkpoint.endsWith('\n')) throw bad('the checkpoint note must end with a newline');
  return `old ${req.oldSize}\n${req.proof.map((h) => `${encodeBase64(h)}\n`).join('')}\n${req.checkpoint}`;
}

/**
 * Parses an add-checkpoint request body (attacker-controlled). Throws
 * LogError('BAD_REQUEST') when it is not UTF-8, the first line is not
 * `old <size>` (decimal, no leading zeroes, ≤ 2^53 − 1), a proof line is not
 * canonical base64 of 32 bytes, there are more than 63 proof lines, or no
 * blank line separates them from a non-empty checkpoint.
 */
export function parseAddCheckpoint(body: string | Uint8Array): AddCheckpointRequest {
  let text: string;
  if (typeof body === 'string') text = body;
  else {
    try {
      text = utf8.decode(body);
    } catch {
      throw bad('the body is not valid UTF-8');
    }
  }
  if (!isWellFormed(text)) throw bad('the body is not valid UTF-8');
  const firstNl = text.indexOf('\n');
  const m = firstNl < 0 ? null : OLD_RE.exec(text.slice(0, firstNl));
  if (m === null) throw bad('the first line must be "old <size>"');
  const oldSize = Number(m[1]);
  if (!Number.isSafeInteger(oldSize)) throw bad('the old size is beyond 2^53 − 1');
  const proof: Uint8Array[] = [];
  let at = firstNl + 1;
  for (;;) {
    const nl = text.indexOf('\n', at);
    if (nl < 0) throw bad('no blank line before the checkpoint');
    const line = text.slice(at, nl);
    at = nl + 1;
    if (line === '') break;
    if (proof.length === MAX_PROOF_LINES) throw bad(`more than ${MAX_PROOF_LINES} proof lines`);
    const h = decodeBase64(line);
    if (h === undefined || h.length !== 32) throw bad(`proof line ${proof.length + 1} is not base64 of a 32-byte hash`);
    proof.push(h);
  }
  const checkpoint = text.slice(at);
  if (checkpoint === '') throw bad('the checkpoint is missing');
  return { oldSize, proof, checkpoint };
}

function bad(why: string): LogError<'BAD_REQUEST'> {
  return new LogError('BAD_REQUEST', `couldn't parse add-checkpoint request: ${why}`);
}
