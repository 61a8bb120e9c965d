/**
 * One exchange with a witness (c2sp.org/tlog-witness "add-checkpoint", as the
 * log side): send the checkpoint with `old <size the witness last cosigned>`
 * and the consistency proof from that size; on 409 learn the witness's size
 * from the `text/x.tlog.size` body and try again from it; on 200 keep the
 * lines that verify with the witness's key.
 */
import { LogError } from '../errors.js';
import { formatAddCheckpoint, parseNote, type NoteVerifier } from '../note/index.js';
import type { CheckpointRow } from '../storage/types.js';
import type { LogReader } from './reader.js';
import { witnessLinesOf, type VerifiedWitnessLine } from './witness-signature.js';

/** What a transport returns: status, Content-Type and body text. */
export interface WitnessResponse {
  readonly status: number;
  readonly contentType: string;
  readonly body: string;
}

/**
 * POSTs `body` to `url`; resolves with the response whatever its status,
 * rejects only for network errors, timeouts and aborts (`signal`).
 */
export type WitnessTransport = (url: string, body: string, signal: AbortSignal) => Promise<WitnessResponse>;

/** Largest response body read from a witness (a few signature lines). */
const MAX_RESPONSE_CHARS = 64 * 1024;

/** The transport over the global fetch (keep-alive by default in Node's undici). */
export const fetchTransport: WitnessTransport = async (url, body, signal) => {
  const res = await fetch(url, { method: 'POST', body, signal, headers: { 'Content-Type': 'text/plain; charset=utf-8' } });
  const text = await res.text();
  return { status: res.status, contentType: res.headers.get('content-type') ?? '', body: text.slice(0, MAX_RESPONSE_CHARS) };
};

/** Most 409 answers followed in one exchange before giving up (a witness state that keeps moving). */
const MAX_CONFLICTS = 3;

export interface ExchangeResult {
  /** Verified cosignature lines for `checkpoint` (at least one). */
  readonly lines: readonly VerifiedWitnessLine[];
  /** 409 answers followed on the way. */
  readonly conflicts: number;
}

/**
 * Submits `checkpoint` (a published one) to the witness at `url` (its
 * submission prefix), starting from `knownSize` (the size the witness is
 * believed to have cosigned, 0 if unknown). `onSize` is told every size the
 * witness reports in a 409. Throws LogError: INCONSISTENT when the witness
 * reports a size beyond the checkpoint (it saw a bigger tree: a fork or a
 * rolled-back log), PROOF_REJECTED when it refuses the proof (422),
 * NOTE_INVALID when a 200 carries no valid cosignature, UPSTREAM_FAILED for
 * any other answer; or the transport's error (network, timeout, abort).
 */
export async function exchange(
  reader: LogReader,
  url: string,
  verifier: NoteVerifier,
  checkpoint: CheckpointRow,
  knownSize: number,
  transport: WitnessTransport,
  signal: AbortSignal,
  onSize: (size: number) => void,
): Promise<ExchangeResult> {
  const endpoint = `${url.replace(/\/+$/, '')}/add-checkpoint`;
  const text = parseNote(checkpoint.note).text;
  let old = knownSize;
  for (let conflicts = 0; ; conflicts++) {
    if (old > checkpoint.size) {
      throw new LogError(
        'INCONSISTENT',
        `witness ${verifier.name} has cosigned size ${old} of this log, beyond its published size ${checkpoint.size}: a fork or a rolled-back log`,
        { details: { witness: verifier.name, witnessSize: old, size: checkpoint.size } },
      );
    }
    const proof = await reader.consistencyProof(old, checkpoint.size);
    const res = await transport(endpoint, formatAddCheckpoint({ oldSize: old, proof, checkpoint: checkpoint.note }), signal);
    if (res.status === 200) {
      const { verified, rejected } = witnessLinesOf(verifier, text, res.body);
      if (verified.length === 0) {
        throw new LogError('NOTE_INVALID', `witness ${verifier.name} answered 200 without a valid cosignature (${rejected.length} lines rejected)`);
      }
      return { lines: verified, conflicts };
    }
    if (res.status === 409) {
      const size = parseSizeBody(res.body);
      if (size === undefined) throw new LogError('UPSTREAM_FAILED', `witness ${verifier.name} answered 409 without a size`);
      onSize(size);
      if (conflicts + 1 >= MAX_CONFLICTS) {
        throw new LogError('UPSTREAM_FAILED', `witness ${verifier.name} answered 409 ${MAX_CONFLICTS} times in a row (last size ${size})`);
      }
      old = size;
      continue;
    }
    const why = `witness ${verifier.name} answered ${res.status}: ${firstLine(res.body)}`;
    throw new LogError(res.status === 422 ? 'PROOF_REJECTED' : 'UPSTREAM_FAILED', why, { details: { status: res.status } });
  }
}

/** A text/x.tlog.size body: a decimal size and a newline. */
function parseSizeBody(body: string): number | undefined {
  const m = /^(0|[1-9][0-9]{0,15})\n?$/.exec(body);
  const n = m === null ? NaN : Number(m[1]);
  return Number.isSafeInteger(n) ? n : undefined;
}

function firstLine(body: string): string {
  const line = body.split('\n', 1)[0] ?? '';
  return line.length > 200 ? `${line.slice(0, 200)}…` : line;
}
