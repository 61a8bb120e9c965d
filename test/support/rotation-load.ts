/**
 * Tools for rotating the real `cairn serve` under load: a tokens file with
 * an admin token, closed-loop submitting clients that record every answer,
 * a checkpoint poller, and the after-the-fact checks over HTTP (every
 * acknowledged entry at its global index with a proof that verifies, every
 * checkpoint seen consistent with its tree's final or latest one).
 */
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import type { Agent } from 'node:http';
import { tokenSha256Hex } from '../../src/http/index.js';
import { verifyConsistency, verifyInclusion } from '../../src/merkle/index.js';
import { parseCheckpoint, parseNote } from '../../src/note/index.js';
import { getJson, httpRequest } from './http-client.js';
import { SignedEntryFactory } from './signed-entries.js';

export const LOAD_ADMIN_TOKEN = 'cairn_rotation-admin-token';

/** Write a tokens file whose one token has roles admin and submit. */
export function writeAdminTokens(path: string): void {
  writeFileSync(path, JSON.stringify({ tokens: [{ name: 'ops', sha256: tokenSha256Hex(LOAD_ADMIN_TOKEN), roles: ['admin', 'submit'] }] }));
}

export const AUTH = { authorization: `Bearer ${LOAD_ADMIN_TOKEN}` };

export interface Answer {
  readonly start: number;
  readonly end: number;
  /** HTTP status, or 0 for a transport failure. */
  readonly status: number;
  readonly id: string | undefined;
  readonly index: number | undefined;
  readonly error?: string;
}

/** `clients` closed-loop submitters until `stop()` is true; every answer recorded. */
export async function submitUntil(url: string, agent: Agent, clients: number, stop: () => boolean, answers: Answer[], tag: string): Promise<void> {
  const factory = new SignedEntryFactory(tag);
  const one = async (): Promise<void> => {
    while (!stop()) {
      const start = performance.now();
      try {
        const r = await httpRequest(url, 'POST', '/api/v1/log/entries', { agent, body: factory.next().json, headers: AUTH, timeoutMs: 15_000 });
        let id: string | undefined;
        let index: number | undefined;
        if (r.status === 201) {
          id = String(r.headers['etag']);
          index = (JSON.parse(r.body.toString('utf8')) as Record<string, { logIndex: number }>)[id]!.logIndex;
        }
        answers.push({ start, end: performance.now(), status: r.status, id, index, ...(r.status === 201 ? {} : { error: r.body.toString('utf8').slice(0, 200) }) });
      } catch (err) {
        answers.push({ start, end: performance.now(), status: 0, id: undefined, index: undefined, error: (err as Error).message });
      }
    }
  };
  await Promise.all(Array.from({ length: clients }, () => one()));
}

/** A checkpoint seen at /checkpoint: its origin's tree ID, size and root. */
export interface Seen {
  readonly treeId: string;
  readonly size: number;
  readonly root: Uint8Array;
}

/** Poll /checkpoint until `stop()`, recording each distinct one. */
export async function pollCheckpoints(url: string, agent: Agent, stop: () => boolean, seen: Seen[]): Promise<void> {
  while (!stop()) {
    const r = await httpRequest(url, 'GET', '/checkpoint', { agent });
    if (r.status === 200) {
      const cp = parseCheckpoint(parseNote(r.body.toString('utf8')).text);
      const treeId = cp.origin.slice(cp.origin.lastIndexOf(' - ') + 3);
      const last = seen[seen.length - 1];
      if (last === undefined || last.treeId !== treeId || last.size !== cp.size) seen.push({ treeId, size: cp.size, root: cp.root });
    }
    await new Promise((r) => setTimeout(r, 10));
  }
}

interface LogInfo {
  treeID: string;
  treeSize: number;
  rootHash: string;
  inactiveShards?: Array<{ treeID: string; treeSize: number; rootHash: string }>;
}

const fromHex = (h: string): Buffer => Buffer.from(h, 'hex');

/**
 * The checks after a rotation: every acknowledged entry is at its global
 * index (same entry ID, inclusion proof verifying against its tree's
 * checkpoint); every checkpoint seen is consistent with its tree's current
 * (a frozen tree's final) one. Returns the log info.
 */
export async function checkAfterRotation(url: string, agent: Agent, acked: readonly Answer[], seen: readonly Seen[]): Promise<LogInfo> {
  const info = await getJson<LogInfo>(url, '/api/v1/log', agent);
  const trees = [...(info.inactiveShards ?? []), info];
  for (const a of acked) {
    const r = await httpRequest(url, 'GET', `/api/v1/log/entries?logIndex=${a.index}`, { agent });
    assert.equal(r.status, 200, `entry ${a.index} is readable`);
    const body = JSON.parse(r.body.toString('utf8')) as Record<string, { logIndex: number; verification: { inclusionProof: { logIndex: number; treeSize: number; rootHash: string; hashes: string[] } } }>;
    const e = body[a.id!];
    assert.ok(e, `entry ${a.index} has the ID it was acknowledged with`);
    assert.equal(e.logIndex, a.index);
    const p = e.verification.inclusionProof;
    verifyInclusion(p.logIndex, p.treeSize, fromHex(a.id!.slice(16)), p.hashes.map(fromHex), fromHex(p.rootHash));
  }
  for (const s of seen) {
    const tree = trees.find((t) => t.treeID === s.treeId);
    assert.ok(tree, `the tree of a checkpoint seen (${s.treeId}) is listed`);
    if (s.size === 0) continue;
    const proof = await getJson<{ rootHash: string; hashes: string[] }>(url, `/api/v1/log/proof?treeID=${s.treeId}&firstSize=${s.size}&lastSize=${tree.treeSize}`, agent);
    verifyConsistency(s.size, tree.treeSize, s.root, fromHex(tree.rootHash), proof.hashes.map(fromHex));
  }
  return info;
}
