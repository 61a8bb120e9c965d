/**
 * The evidence a monitor shows when a log misbehaves: both checkpoints (as
 * signed notes, so anyone can check the log signed both) and what was
 * recomputed. Pure.
 */
import { LogError } from '../errors.js';

/** A checkpoint the monitor knows: size, root and the signed note. */
export interface KnownCheckpoint {
  readonly size: number;
  readonly root: Uint8Array;
  /** The signed note ('' for the empty tree a first run starts from). */
  readonly note: string;
}

/** Recomputed values, as hex strings, keyed by what they are (e.g. `root of the first 5 leaves from the tiles of 8`). */
export type Recomputed = Readonly<Record<string, string | number | boolean>>;

/** `details` of an INCONSISTENT error raised by the monitor. */
export interface InconsistencyEvidence {
  readonly reason: string;
  readonly previous: { readonly size: number; readonly root: string; readonly note: string };
  readonly current: { readonly size: number; readonly root: string; readonly note: string };
  readonly recomputed: Recomputed;
}

export function hex(b: Uint8Array): string {
  return Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('hex');
}

/** An INCONSISTENT LogError whose details are the evidence. */
export function inconsistency(reason: string, previous: KnownCheckpoint, current: KnownCheckpoint, recomputed: Recomputed): LogError<'INCONSISTENT'> {
  const evidence: InconsistencyEvidence = {
    reason,
    previous: { size: previous.size, root: hex(previous.root), note: previous.note },
    current: { size: current.size, root: hex(current.root), note: current.note },
    recomputed,
  };
  return new LogError('INCONSISTENT', `log inconsistency: ${reason}`, { details: { ...evidence } });
}

/** True when `details` look like {@link InconsistencyEvidence}. */
export function isEvidence(details: unknown): details is InconsistencyEvidence {
  const d = details as Partial<InconsistencyEvidence> | undefined;
  return typeof d?.reason === 'string' && typeof d.previous === 'object' && typeof d.current === 'object';
}

/** The human-readable report: reason, both checkpoints (verbatim notes), recomputed values. */
export function formatEvidence(e: InconsistencyEvidence): string {
  // Notes are indented four spaces (non-empty lines only), verbatim otherwise.
  const note = (n: string): string => (n === '' ? '    (none: the empty tree)\n' : n.replace(/^(?=.)/gm, '    '));
  const lines = [
    `INCONSISTENT: ${e.reason}`,
    '',
    `last verified checkpoint: size ${e.previous.size}, root ${e.previous.root}`,
    note(e.previous.note),
    `new checkpoint: size ${e.current.size}, root ${e.current.root}`,
    note(e.current.note),
  ];
  const recomputed = Object.entries(e.recomputed);
  if (recomputed.length > 0) {
    lines.push('recomputed by the monitor:');
    for (const [k, v] of recomputed) lines.push(`    ${k}: ${String(v)}`);
  }
  return `${lines.join('\n')}\n`;
}
