/**
 * What `cairn migrate` (migrate.ts) says: progress lines on stderr, and the
 * summary of a run on stdout, as text or as one JSON object.
 *
 * The JSON summary keeps the Rekor v1 log's figures at its top level (as
 * when migrate copied that log alone) and has every copied log, the v1 log
 * first, under `logs`; `absent` names the log files the data dir does not
 * hold (skipped), `notes` what the copy keeps as the data dir had it but a
 * server will not serve (a Rekor v2 tree the v1 log does not name).
 */
import type { CopyProgress } from '../migrate/index.js';

type Out = (text: string) => void;

/** One log's copy and proof. */
export interface LogSummary {
  /** Its file in the data dir (`cairn.db`, `rekor-v2.db`, `admin-log.db`). */
  readonly file: string;
  /** What it is, for people: `the Rekor v1 log`… */
  readonly title: string;
  /** Its schema in the target; null: the one the URL's connection starts in. */
  readonly schema: string | null;
  /** The target as messages name it (URL without password, and schema). */
  readonly to: string;
  readonly alreadyFinished: boolean;
  /** The active (last) tree's size, and its root. */
  readonly size: number;
  readonly root: string;
  /** The log's trees: more than 1 after a rotation. */
  readonly trees: number;
  /** Every tree's entries. */
  readonly entries: number;
  readonly resumedAt: number | undefined;
  readonly entriesCopied: number;
  readonly chunks: number;
  readonly checkpoints: number;
  /** The copy's, kept ones included. */
  readonly cosignatures: number;
  /** Of them, those a server on the copy collected from witnesses, which the source does not hold (src/migrate/kept-cosignatures.ts). */
  readonly keptCosignatures: number;
  /** The source's not copied: the copy holds the same witness's cosignature of that checkpoint in place of each. */
  readonly cosignaturesInPlaceOfSource: number;
  readonly searchKeys: number;
  readonly tiles: number;
  readonly meta: number;
  readonly ms: { readonly copy: number; readonly prove: number };
}

/** A run's summary: the v1 log's figures, every log's, what was absent, times. */
export interface Summary extends Omit<LogSummary, 'file' | 'title' | 'schema' | 'ms'> {
  readonly ok: boolean;
  readonly from: string;
  readonly finished: boolean;
  readonly logs: readonly LogSummary[];
  readonly absent: readonly string[];
  readonly notes: readonly string[];
  readonly ms: { readonly copy: number; readonly prove: number; readonly total: number };
}

/** The summary of a run whose logs are `logs` (the v1 log first). */
export function summarize(from: string, finished: boolean, logs: readonly LogSummary[], absent: readonly string[], notes: readonly string[], totalMs: number): Summary {
  const v1 = logs[0] as LogSummary;
  const sum = (f: (l: LogSummary) => number): number => logs.reduce((n, l) => n + f(l), 0);
  const { file: _file, title: _title, schema: _schema, ms: _ms, ...top } = v1;
  return { ok: finished, from, finished, ...top, logs, absent, notes, ms: { copy: sum((l) => l.ms.copy), prove: sum((l) => l.ms.prove), total: Math.round(totalMs) } };
}

/** The summary as text: the v1 log's lines as they always were, then each other log's, then what was absent. */
export function describeSummary(s: Summary, servedBy: string | undefined): string {
  const sec = (ms: number): string => `${(ms / 1000).toFixed(1)} s`;
  const lines = [`${s.finished ? 'migrated' : 'copied (not finished)'} ${s.from} to ${s.to}: tree size ${s.size}, root ${s.root}`];
  s.logs.forEach((l, i) => {
    const indent = i === 0 ? '  ' : '    ';
    if (i > 0) lines.push(`  and ${l.file} (${l.title}) to ${l.to}: tree size ${l.size}, root ${l.root}`);
    lines.push(
      `${indent}copied ${l.entriesCopied} entries in ${l.chunks} transactions${l.resumedAt === undefined ? '' : ` (resumed at size ${l.resumedAt})`}${l.alreadyFinished ? ' (its finished copy was there already)' : ''}`,
      `${indent}proved: ${l.checkpoints} checkpoints (signed notes byte for byte, signed by the pinned note key, each root recomputed from the copy's leaf hashes), ${l.cosignatures} cosignatures, ${l.entries} entries${l.trees > 1 ? ` in ${l.trees} trees` : ''}, ${l.tiles} tiles, ${l.searchKeys} search keys, ${l.meta} meta rows`,
    );
    if (l.keptCosignatures > 0) {
      const inPlace = l.cosignaturesInPlaceOfSource === 0 ? '' : `, ${l.cosignaturesInPlaceOfSource} of them in place of the same witness's cosignature of the same checkpoint in the source`;
      lines.push(`${indent}kept ${l.keptCosignatures} cosignatures a server on the copy collected from witnesses for checkpoints the source published${inPlace}`);
    }
  });
  if (s.absent.length > 0) lines.push(`  not in the data dir, skipped: ${s.absent.join(', ')}`);
  for (const note of s.notes) lines.push(`  note: ${note}`);
  lines.push(`  time: copy ${sec(s.ms.copy)}, proof ${sec(s.ms.prove)}, total ${sec(s.ms.total)}`);
  const these = s.logs.length === 1 ? 'this log' : `these ${s.logs.length} logs`;
  lines.push(s.finished ? `finished: cairn serve --database-url opens ${these} from this database; their keys are not in it (the server takes the same key files)` : `not finished: ${servedBy ?? ''}`, '');
  return lines.join('\n');
}

/** Least time between two progress lines of one log's phase, ms. */
const PROGRESS_EVERY_MS = 1000;

export type Progress = CopyProgress | { readonly phase: 'proved'; readonly done: number; readonly total: number };

/** Prints a progress line per log and phase at most once a second, and the last of each, naming the log's file. */
export function progressPrinter(err: Out, t0: number): (file: string, p: Progress) => void {
  const last = new Map<string, number>();
  return (file, p) => {
    const now = performance.now();
    const done = p.done >= p.total;
    const key = `${file} ${p.phase}`;
    if (!done && now - (last.get(key) ?? -Infinity) < PROGRESS_EVERY_MS) return;
    last.set(key, now);
    err(`cairn migrate: ${file}: ${p.phase === 'proved' ? 'proved entries' : `copied ${p.phase}`} ${p.done}/${p.total} (${((now - t0) / 1000).toFixed(1)} s)\n`);
  };
}
