/**
 * `cairn monitor --rotation FILE`: following a rotation the monitor is told
 * about (docs/ARCHITECTURE.md "Shards"). FILE holds the answer of
 * `POST /api/v1/admin/rotate` (`cairn admin rotate`). While the monitor's
 * state is still the frozen tree's, it verifies that tree up to its final
 * checkpoint, served at `<log-url>/shard/<treeID>/` (consistent with the last
 * checkpoint it verified, the tree recomputed from the tiles, signed with the
 * log's vkey), checks that checkpoint is the one FILE names, and then starts
 * the new tree at size 0 with its origin `<host> - <new treeID>`. Without
 * FILE, a new tree's checkpoint has another origin and is flagged.
 */
import { readFileSync } from 'node:fs';
import { LogError, describeError } from '../errors.js';
import { EMPTY_ROOT } from '../merkle/index.js';
import { monitorStep, type KnownCheckpoint, type MonitorDeps, type MonitorState } from '../monitor/index.js';

/** The parts of a rotation's answer the monitor needs. */
export interface ToldRotation {
  readonly frozen: { readonly treeID: string; readonly treeSize: number; readonly rootHash: string };
  readonly active: { readonly treeID: string };
}

/** Reads FILE; CONFIG_INVALID naming what is missing. */
export function readRotation(file: string): ToldRotation {
  let v: unknown;
  try {
    v = JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    throw new LogError('CONFIG_INVALID', `--rotation ${file}: ${describeError(err)}`);
  }
  const r = v as Partial<ToldRotation> | null;
  const id = /^[1-9][0-9]{0,18}$/;
  if (
    typeof r?.frozen?.treeID !== 'string' || !id.test(r.frozen.treeID) || !Number.isSafeInteger(r.frozen.treeSize) ||
    typeof r.frozen.rootHash !== 'string' || !/^[0-9a-f]{64}$/.test(r.frozen.rootHash) ||
    typeof r.active?.treeID !== 'string' || !id.test(r.active.treeID)
  ) {
    throw new LogError('CONFIG_INVALID', `--rotation ${file}: not the answer of POST /api/v1/admin/rotate ({frozen: {treeID, treeSize, rootHash}, active: {treeID}})`);
  }
  return r as ToldRotation;
}

/**
 * When `state` is the frozen tree's: verify it up to its final checkpoint
 * (`deps.client` reads `<log-url>/shard/<treeID>/`) and return the new tree's
 * starting state; otherwise undefined (nothing to do). Throws as monitorStep
 * does (INCONSISTENT with evidence, NOTE_INVALID), INCONSISTENT when the final
 * checkpoint is not the one the rotation names, UPSTREAM_FAILED to retry.
 */
export async function followRotation(rotation: ToldRotation, state: MonitorState, deps: MonitorDeps, now: number): Promise<{ state: MonitorState; frozenSize: number } | undefined> {
  const host = state.origin.slice(0, state.origin.lastIndexOf(' - '));
  if (state.origin !== `${host} - ${rotation.frozen.treeID}`) return undefined;
  const last: KnownCheckpoint = { size: state.size, root: new Uint8Array(Buffer.from(state.root, 'base64')), note: state.note };
  const out = await monitorStep(last, { ...deps, origin: state.origin });
  const cp = out.checkpoint.checkpoint;
  if (out.status === 'awaiting-cosignatures') throw new LogError('UPSTREAM_FAILED', `the frozen tree's final checkpoint awaits ${out.need} cosignatures`);
  if (cp.size !== rotation.frozen.treeSize || Buffer.from(cp.root).toString('hex') !== rotation.frozen.rootHash) {
    throw new LogError('INCONSISTENT', `the frozen tree ${rotation.frozen.treeID} ends at size ${cp.size} root ${Buffer.from(cp.root).toString('hex')}, not at the size ${rotation.frozen.treeSize} and root the rotation names`);
  }
  const next: MonitorState = {
    version: 1,
    origin: `${host} - ${rotation.active.treeID}`,
    size: 0,
    root: Buffer.from(EMPTY_ROOT).toString('base64'),
    note: '',
    verifiedAt: new Date(now).toISOString(),
  };
  return { state: next, frozenSize: cp.size };
}
