/**
 * The cosignatures a finished copy holds that its source does not, and why
 * they are kept.
 *
 * A server started on a finished copy submits its latest checkpoint to every
 * witness it is configured with before it sequences anything
 * (src/log/witness-collector.ts: "they submit the latest checkpoint
 * first"), and stores each line it gets back once it verifies with that
 * witness's key (LogService.attachCosignature, src/log/service.ts). That
 * checkpoint is the source's (the copy's head, the same size, root and signed
 * note byte for byte), so the witness vouches for the source's log as much as
 * for the copy's: no fork. During a cutover (copy, start `cairn serve
 * --database-url`, go back to the SQLite server, copy again) an operator
 * expects such a copy to extend like one the server opened without a witness,
 * and a witness's cosignature, once served, to stay served: the copy keeps
 * them. A row that is not such a cosignature is not kept: the copy is
 * refused as diverged (extend.ts), before anything is written.
 *
 * A row of the copy's tree at size `s` is the source's when the source holds
 * the same (size, witness, line). Otherwise it is kept when:
 * - its line is a signature line (c2sp.org/signed-note) by the witness its
 *   row names;
 * - the copy's checkpoint at `s` is the source's (size, root, signed note
 *   byte for byte: extend.ts for the head's, the proof for every one);
 * - where the source holds a cosignature of the same checkpoint by the same
 *   witness (another line: a cosignature made at another time), the line has
 *   its key ID. The checkpoint then keeps the copy's line and not the
 *   source's: a store holds one cosignature per witness and checkpoint (the
 *   first attached), and both are that witness's over that note. Counted as
 *   `inPlaceOfSource`, so a run reports it.
 * The witness's signature itself is not checked here: its key is a setting
 * of the server that attached it (and checked it), not a row of the log.
 * The source's rows the copy holds are in the source's order at each size.
 */
import { describeError } from '../errors.js';
import { parseSignatureLine } from '../note/index.js';
import type { CosignatureRow } from '../storage/index.js';

export interface CosignatureComparison {
  /** Why the copy's rows are not the source's plus rows it keeps (the first reason); undefined when they are. */
  readonly why: string | undefined;
  /** The copy's rows the source does not hold, kept. */
  readonly kept: readonly CosignatureRow[];
  /** Of the source's rows, those not in the copy because the copy keeps the same witness's cosignature of that checkpoint. */
  readonly inPlaceOfSource: number;
}

/**
 * Compare one tree's cosignatures, the source's (`want`) and the copy's
 * (`found`), each by size and in insertion order, as the module says. With
 * `complete`, every source row must be in the copy too (or in place of it,
 * the same witness's); without, the copy may lack some (an extension adds
 * them). The copy's checkpoints are not read: the caller checks those of
 * `kept`'s sizes. `of` names the tree in reasons (`''` for tree 0).
 */
export function compareCosignatures(want: readonly CosignatureRow[], found: readonly CosignatureRow[], complete: boolean, of: string): CosignatureComparison {
  const source = bySize(want);
  const copy = bySize(found);
  const kept: CosignatureRow[] = [];
  let inPlaceOfSource = 0;
  const result = (why: string | undefined): CosignatureComparison => ({ why, kept, inPlaceOfSource });
  for (const [size, rows] of copy) {
    const theirs = source.get(size) ?? [];
    const differ = (detail: string): CosignatureComparison => result(`the cosignatures of the checkpoint at size ${size}${of} differ from the source's: ${detail}`);
    const same: string[] = [];
    for (const row of rows) {
      const other = theirs.find((r) => r.witness === row.witness);
      if (other?.line === row.line) {
        same.push(row.witness);
        continue;
      }
      const why = keepable(row, other);
      if (why !== undefined) return differ(`the copy's by ${row.witness} ${why}`);
      kept.push(row);
      if (other !== undefined) inPlaceOfSource++;
    }
    const order = theirs.map((r) => r.witness).filter((w) => same.includes(w));
    if (order.join('\n') !== same.join('\n')) return differ("the source's are in another order in the copy");
  }
  if (complete) {
    const missing = want.find((r) => !(copy.get(r.size) ?? []).some((c) => c.witness === r.witness));
    if (missing !== undefined) {
      return result(`the cosignatures of the checkpoint at size ${missing.size}${of} differ from the source's: the source's by ${missing.witness} is missing from the copy`);
    }
  }
  return result(undefined);
}

/** Why `row` (not the source's) cannot be kept beside the source's cosignature `other` by the same witness, if any. */
function keepable(row: CosignatureRow, other: CosignatureRow | undefined): string | undefined {
  let keyId: number;
  try {
    const sig = parseSignatureLine(row.line);
    if (sig.name !== row.witness) return `is a signature line by ${JSON.stringify(sig.name)}`;
    keyId = sig.keyId;
  } catch (err) {
    return `is not a signature line: ${describeError(err)}`;
  }
  if (other === undefined) return undefined;
  try {
    if (parseSignatureLine(other.line).keyId !== keyId) return "is by another key than the source's by that witness";
  } catch {
    return "stands in place of the source's by that witness, which is not a signature line";
  }
  return undefined;
}

function bySize(rows: readonly CosignatureRow[]): Map<number, CosignatureRow[]> {
  const out = new Map<number, CosignatureRow[]>();
  for (const r of rows) {
    const list = out.get(r.size);
    if (list === undefined) out.set(r.size, [r]);
    else list.push(r);
  }
  return out;
}
