/**
 * The crash harness's check of a restarted log against everything clients
 * were told before (the Ledger). It trusts the server as little as possible:
 *
 * 1. the served checkpoint verifies with the log's vkey and is not smaller
 *    than any checkpoint or acknowledgement seen before;
 * 2. every entry bundle is fetched and every leaf rehashed with node:crypto;
 *    each acknowledged entry has the same body (hence leaf hash) at its index,
 *    and no entry is in the log twice;
 * 3. the root at every size a client ever saw a checkpoint for is recomputed
 *    from those leaves (tree.ts, independent of src/merkle) and must equal
 *    the seen root, and the current root too: every old checkpoint is a
 *    prefix of the current tree, i.e. consistent with it;
 * 4. the server's own consistency proofs from the checkpoints seen in the last
 *    lifetime verify (src/merkle verifyConsistency);
 * 5. the entries acknowledged in the last lifetime, and a sample of older
 *    ones, are fetched by log index: same body, same entry ID;
 * 6. Go's x/mod (test/interop/go tlogcheck verify-tiles) recomputes the tree
 *    from the tiles, checks every bundle, and proves consistency itself from
 *    the largest checkpoint seen before the crash.
 */
import type { Agent } from 'node:http';
import { verifyConsistency } from '../../../src/merkle/index.js';
import { openNote, parseCheckpoint, parseVkey } from '../../../src/note/index.js';
import { goToolPath, runGoTool } from '../go.js';
import { pick, type Rng } from '../prng.js';
import { getBytes, getJson, httpRequest } from '../http-client.js';
import type { Ledger } from './ledger.js';
import { ReferenceTree } from '../reference-tree.js';
import { parseBundle, tileIndexPath } from './tiles.js';

export interface VerifyContext {
  readonly url: string;
  readonly agent: Agent;
  readonly vkey: string;
  readonly treeIdHex: string;
  readonly ledger: Ledger;
  /** The lifetime that just ended: its checkpoints and acks get the per-item checks. */
  readonly epoch: number;
  readonly rnd: Rng;
  /** Run the Go check (when Go is installed). */
  readonly go: boolean;
}

export interface VerifyResult {
  /** Acknowledged entries missing or changed. */
  readonly losses: string[];
  /** Seen checkpoints the current tree is not consistent with, bad signatures, proofs that fail. */
  readonly inconsistencies: string[];
  readonly treeSize: number;
  readonly goChecked: boolean;
  readonly proofsChecked: number;
  readonly lookups: number;
}

export async function verifyRestartedLog(c: VerifyContext): Promise<VerifyResult> {
  const losses: string[] = [];
  const inconsistencies: string[] = [];
  const { ledger } = c;

  // 1. The current checkpoint.
  const note = (await getBytes(c.url, '/checkpoint', c.agent)).toString('utf8');
  const cp = parseCheckpoint(openNote(note, [parseVkey(c.vkey)]).text);
  const size = cp.size;
  const root = Buffer.from(cp.root);
  if (size < ledger.maxSeenSize()) inconsistencies.push(`the tree shrank: size ${size} after a checkpoint of size ${ledger.maxSeenSize()} was seen`);

  // 2. Every leaf, from the entry bundles.
  const bodies: Buffer[] = [];
  for (let n = 0; n * 256 < size; n++) {
    const w = Math.min(256, size - n * 256);
    const path = `/tile/entries/${tileIndexPath(n)}${w < 256 ? `.p/${w}` : ''}`;
    const bundle = parseBundle(await getBytes(c.url, path, c.agent));
    if (bundle.length !== w) inconsistencies.push(`${path} holds ${bundle.length} entries, not ${w}`);
    bodies.push(...bundle);
  }
  const reference = new ReferenceTree(bodies);
  const leaves = reference.leafHashes;
  // Every submission is a distinct entry: a leaf found twice was committed twice.
  const firstAt = new Map<string, number>();
  leaves.forEach((leaf, i) => {
    const hex = Buffer.from(leaf).toString('hex');
    const at = firstAt.get(hex);
    if (at !== undefined) inconsistencies.push(`entries ${at} and ${i} are the same entry (committed twice)`);
    else firstAt.set(hex, i);
  });
  for (const ack of ledger.acks.values()) {
    const body = bodies[ack.index];
    if (body === undefined) losses.push(`entry ${ack.index} (acknowledged in lifetime ${ack.epoch}) is beyond the tree size ${size}`);
    else if (!body.equals(ack.body)) losses.push(`entry ${ack.index} (acknowledged in lifetime ${ack.epoch}) has another body now`);
  }

  // 3. Roots at every seen size, recomputed from the leaves.
  const sizes = [...ledger.seen.keys()].filter((s) => s <= leaves.length);
  const roots = new Map([...sizes, size].map((s) => [s, Buffer.from(reference.root(s))]));
  if (!roots.get(size)?.equals(root)) inconsistencies.push(`the current root at size ${size} does not recompute from the entry bundles`);
  for (const [s, bySize] of ledger.seen) {
    for (const seen of bySize.values()) {
      const r = roots.get(s);
      if (r === undefined || r.toString('hex') !== seen.rootHex) {
        inconsistencies.push(`checkpoint ${s}/${seen.rootHex.slice(0, 16)}… (seen in lifetime ${seen.epoch}) is not a prefix of the current tree`);
      }
    }
  }

  // 4. The server's consistency proofs from the last lifetime's checkpoints.
  let proofsChecked = 0;
  for (const [s, bySize] of ledger.seen) {
    for (const seen of bySize.values()) {
      if (seen.epoch !== c.epoch || s === 0 || s > size) continue;
      const p = await getJson<{ rootHash: string; hashes: string[] }>(c.url, `/api/v1/log/proof?firstSize=${s}&lastSize=${size}`, c.agent);
      try {
        if (p.rootHash !== root.toString('hex')) throw new Error('rootHash is not the checkpoint root');
        verifyConsistency(s, size, Buffer.from(seen.rootHex, 'hex'), root, p.hashes.map((h) => Buffer.from(h, 'hex')));
      } catch (err) {
        inconsistencies.push(`consistency proof ${s} → ${size}: ${(err as Error).message}`);
      }
      proofsChecked++;
    }
  }

  // 5. Lookups by log index.
  const all = [...ledger.acks.values()];
  const sample = all.filter((a) => a.epoch === c.epoch);
  for (let i = 0; i < 20 && all.length > 0; i++) sample.push(pick(c.rnd, all));
  for (const ack of sample) {
    const r = await httpRequest(c.url, 'GET', `/api/v1/log/entries?logIndex=${ack.index}`, { agent: c.agent });
    if (r.status !== 200) {
      losses.push(`GET logIndex=${ack.index}: ${r.status}`);
      continue;
    }
    const json = JSON.parse(r.body.toString('utf8')) as Record<string, { body: string }>;
    const [id, v] = Object.entries(json)[0] ?? [];
    if (id !== c.treeIdHex + ack.leafHash || v === undefined || !Buffer.from(v.body, 'base64').equals(ack.body)) {
      losses.push(`GET logIndex=${ack.index} answers another entry`);
    }
  }

  // 6. Go x/mod, from the largest checkpoint seen before the crash.
  let goChecked = false;
  if (c.go && (await goToolPath()) !== undefined) {
    const old = largestSeen(ledger, size);
    const args = ['verify-tiles', c.url, c.vkey, ...(old === undefined ? [] : ['--old-size', String(old.size), '--old-root', old.rootHex])];
    const go = await runGoTool(args);
    if (go.code !== 0) inconsistencies.push(`Go verify-tiles: ${go.stderr.trim()}`);
    goChecked = true;
  }
  return { losses, inconsistencies, treeSize: size, goChecked, proofsChecked, lookups: sample.length };
}

function largestSeen(ledger: Ledger, max: number): { size: number; rootHex: string } | undefined {
  let best: { size: number; rootHex: string } | undefined;
  for (const [s, bySize] of ledger.seen) {
    if (s > max || s === 0 || (best !== undefined && s <= best.size)) continue;
    const first = bySize.values().next().value;
    if (first !== undefined) best = { size: s, rootHex: first.rootHex };
  }
  return best;
}
