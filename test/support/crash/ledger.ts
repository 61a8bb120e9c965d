/**
 * What clients of a crash run were told: every acknowledged (201) entry and
 * every checkpoint seen (on /checkpoint or inside a 201's inclusion proof).
 * Each answer is checked when it arrives: the checkpoint's signature against
 * the log's vkey, the entry ID against the body's leaf hash, the inclusion
 * proof against the checkpoint's root. Anything wrong is a `problem`.
 */
import { verifyInclusion } from '../../../src/merkle/index.js';
import { openNote, parseCheckpoint, parseVkey, type NoteVerifier } from '../../../src/note/index.js';
import { refLeafHash } from '../reference-tree.js';

export interface Ack {
  /** Log index the 201 gave. */
  readonly index: number;
  /** Hex leaf hash (the entry UUID). */
  readonly leafHash: string;
  /** Canonical body, as returned base64 in the 201. */
  readonly body: Buffer;
  /** Server lifetime (0-based) in which it was acknowledged. */
  readonly epoch: number;
}

export interface SeenCheckpoint {
  readonly size: number;
  readonly rootHex: string;
  readonly epoch: number;
}

export class Ledger {
  readonly #verifier: NoteVerifier;
  readonly #treeIdHex: string;
  /** Acknowledged entries by log index. */
  readonly acks = new Map<number, Ack>();
  /** Checkpoints seen, by size then root (two roots for one size would be a fork). */
  readonly seen = new Map<number, Map<string, SeenCheckpoint>>();
  /** Broken promises noticed as answers arrived. */
  readonly problems: string[] = [];
  readonly #verifiedNotes = new Map<string, { size: number; rootHex: string }>();

  constructor(vkey: string, treeIdHex: string) {
    this.#verifier = parseVkey(vkey);
    this.#treeIdHex = treeIdHex;
  }

  /** Largest size seen so far (0 if none). */
  maxSeenSize(): number {
    let max = 0;
    for (const size of this.seen.keys()) max = Math.max(max, size);
    return max;
  }

  /** Record a signed checkpoint note seen by a client; returns its size and root, or undefined if it is invalid (a problem). */
  recordCheckpoint(note: string, epoch: number): { size: number; rootHex: string } | undefined {
    let cp = this.#verifiedNotes.get(note);
    if (cp === undefined) {
      try {
        const parsed = parseCheckpoint(openNote(note, [this.#verifier]).text);
        cp = { size: parsed.size, rootHex: Buffer.from(parsed.root).toString('hex') };
      } catch (err) {
        this.problems.push(`a served checkpoint does not verify: ${(err as Error).message}`);
        return undefined;
      }
      this.#verifiedNotes.set(note, cp);
    }
    let bySize = this.seen.get(cp.size);
    if (bySize === undefined) this.seen.set(cp.size, (bySize = new Map()));
    if (!bySize.has(cp.rootHex)) bySize.set(cp.rootHex, { ...cp, epoch });
    if (bySize.size > 1) this.problems.push(`two roots were signed for size ${cp.size}: ${[...bySize.keys()].join(', ')}`);
    return cp;
  }

  /** Record a 201 response body (a Rekor LogEntry); returns the ack, or undefined when the answer is wrong (a problem). */
  recordCreated(json: unknown, epoch: number): Ack | undefined {
    try {
      const keys = Object.keys(json as object);
      if (keys.length !== 1) throw new Error(`LogEntry with ${keys.length} keys`);
      const id = keys[0]!;
      const v = (json as Record<string, any>)[id];
      const body = Buffer.from(String(v.body), 'base64');
      const leaf = Buffer.from(refLeafHash(body));
      if (id !== this.#treeIdHex + leaf.toString('hex')) throw new Error(`entry ID ${id} is not tree ID ‖ leaf hash of the body`);
      const proof = v.verification.inclusionProof;
      const cp = this.recordCheckpoint(String(proof.checkpoint), epoch);
      if (cp === undefined) return undefined;
      if (cp.size !== proof.treeSize || cp.rootHex !== proof.rootHash) throw new Error('inclusion proof and its checkpoint disagree');
      verifyInclusion(v.logIndex, cp.size, leaf, (proof.hashes as string[]).map((h) => Buffer.from(h, 'hex')), Buffer.from(cp.rootHex, 'hex'));
      const ack: Ack = { index: v.logIndex as number, leafHash: leaf.toString('hex'), body, epoch };
      const earlier = this.acks.get(ack.index);
      if (earlier !== undefined && earlier.leafHash !== ack.leafHash) {
        throw new Error(`index ${ack.index} was acknowledged for two different entries`);
      }
      this.acks.set(ack.index, ack);
      return ack;
    } catch (err) {
      this.problems.push(`a 201 answer is wrong: ${(err as Error).message}`);
      return undefined;
    }
  }
}
