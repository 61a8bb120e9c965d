/**
 * One transaction of an import (import.ts, {@link PostgresImport.chunk}):
 * entries at their global indices into one tree, its full level-0 tiles as
 * leaf groups, then its other tiles, its checkpoints and the head, committed
 * together.
 */
import type pg from 'pg';
import { LogError } from '../../errors.js';
import { LEAF_GROUPS_PER_TILE, TILE_WIDTH, leafGroupsOfTile } from '../../merkle/index.js';
import { validateEntries, validateTile } from '../batch.js';
import type { CheckpointRow, StoredEntry, TileRow } from '../types.js';
import { toLogError } from './errors.js';
import { Q, importTreeStatements } from './import-statements.js';
import { SQL, treeStatements } from './statements.js';

/** What the commit of a chunk writes besides its entries. */
export interface ChunkEnd {
  /** The copy's size after the chunk: previous size + entries added. */
  readonly size: number;
  /**
   * The source's checkpoints with previous size ≤ size ≤ `size`, ascending,
   * the last at `size`. One at the previous size replaces the stored one's
   * note and time (same root required; a changed note drops its
   * cosignatures), as a re-signed checkpoint does in the store.
   */
  readonly checkpoints: readonly CheckpointRow[];
  /** The tiles of the tree at `size` changed since the previous size, except full level-0 ones (given to addEntries). */
  readonly tiles: readonly TileRow[];
}

/** One transaction of an import (see {@link PostgresImport.chunk}). Commit or abort it exactly once. */
export class ImportChunk {
  readonly #client: pg.PoolClient;
  readonly #previousSize: number;
  readonly #tree: number;
  /** Global index of the tree's first entry. */
  readonly #firstIndex: number;
  readonly #q: ReturnType<typeof importTreeStatements>;
  readonly #t: ReturnType<typeof treeStatements>;
  #next: number;
  #done = false;

  constructor(client: pg.PoolClient, previousSize: number, tree = 0, firstIndex = 0) {
    this.#client = client;
    this.#previousSize = previousSize;
    this.#tree = tree;
    this.#firstIndex = firstIndex;
    this.#q = importTreeStatements(tree);
    this.#t = treeStatements(tree);
    this.#next = previousSize;
  }

  /**
   * Write entries (dense, continuing the chunk at the tree's global indices:
   * INCONSISTENT otherwise) and
   * the full level-0 tiles they complete (as 16 leaf-group rows each,
   * replacing the tile's partial row). The rows are checked at once, so the
   * next call may be made before this one resolved (its statements queue
   * behind this one's on the chunk's connection): a caller prepares the
   * next rows while the server writes these.
   */
  addEntries(entries: readonly StoredEntry[], fullLevel0: readonly TileRow[]): Promise<void> {
    this.#open();
    const first = this.#next;
    this.#next += entries.length;
    return this.#run('import entries', async (c) => {
      validateEntries(this.#firstIndex + first, entries);
      for (const t of fullLevel0) {
        validateTile(t);
        if (t.level !== 0 || t.width !== TILE_WIDTH) throw new LogError('INCONSISTENT', `couldn't import tile ${t.level}/${t.index} as leaf groups: not a full level-0 tile`);
        if ((t.index + 1) * TILE_WIDTH > this.#next) throw new LogError('INCONSISTENT', `couldn't import full tile 0/${t.index}: its entries are not all in the copy`);
      }
      if (entries.length > 0) {
        await c.query(SQL.insertEntries([entries.map((e) => e.index), entries.map((e) => e.leafHash), entries.map((e) => e.body), entries.map((e) => e.kind), entries.map((e) => e.integratedTime), entries.map((e) => e.set)]));
      }
      if (fullLevel0.length > 0) {
        await c.query(this.#q.deletePartialLevel0([fullLevel0.map((t) => t.index)]));
        const groups = fullLevel0.flatMap((t) => leafGroupsOfTile({ level: 0, index: t.index, width: t.width, hashes: t.hashes }).map((hashes, k) => [t.index * LEAF_GROUPS_PER_TILE + k, hashes] as const));
        await c.query(this.#q.insertLeafGroups([groups.map((g) => g[0]), groups.map((g) => g[1])]));
      }
    });
  }

  /** Move the head to `end.size` of the chunk's tree, write its tiles and checkpoints, and commit. */
  async commit(end: ChunkEnd): Promise<void> {
    this.#open();
    const cps = end.checkpoints;
    await this.#run('commit an import chunk', async (c) => {
      if (end.size !== this.#next) throw refuse(`couldn't commit an import chunk at size ${end.size}: its entries end at ${this.#next}`);
      if (cps[cps.length - 1]?.size !== end.size) throw refuse(`couldn't commit an import chunk at size ${end.size}: no checkpoint at that size`);
      cps.forEach((cp, i) => {
        if (cp.size < this.#previousSize || (i > 0 && cp.size <= (cps[i - 1] as CheckpointRow).size) || cp.root.length !== 32 || !Number.isSafeInteger(cp.time)) {
          throw refuse(`couldn't commit an import chunk: checkpoint ${cp.size} is malformed, out of order or below the previous size ${this.#previousSize}`);
        }
      });
      for (const t of end.tiles) {
        validateTile(t);
        if (t.level === 0 && t.width === TILE_WIDTH) throw refuse(`couldn't commit an import chunk: full tile 0/${t.index} goes with its entries`);
      }
      await c.query(Q.setHead([end.size, this.#tree]));
      const first = cps[0] as CheckpointRow;
      const rest = first.size === this.#previousSize ? cps.slice(1) : cps;
      if (first.size === this.#previousSize) await this.#replaceCheckpoint(c, first);
      if (rest.length > 0) await c.query(this.#q.insertCheckpoints([rest.map((r) => r.size), rest.map((r) => r.root), rest.map((r) => r.time), rest.map((r) => r.note)]));
      if (end.tiles.length > 0) {
        const ts = end.tiles;
        const res = await c.query(this.#t.upsertTiles([ts.map((t) => t.level), ts.map((t) => t.index), ts.map((t) => t.width), ts.map((t) => t.hashes)]));
        if (res.rowCount !== ts.length) throw new LogError('INCONSISTENT', "couldn't commit an import chunk: a tile would narrow or change a stored tile's hashes");
      }
      await c.query('COMMIT');
    });
    this.#done = true;
    this.#client.release();
  }

  /** Roll the chunk back. Idempotent; a no-op after commit. */
  async abort(): Promise<void> {
    if (this.#done) return;
    this.#done = true;
    await this.#client.query('ROLLBACK').catch(() => undefined);
    this.#client.release(true);
  }

  /** The checkpoint at the previous size: inserted when absent, else same root required and the note replaced. */
  async #replaceCheckpoint(c: pg.PoolClient, cp: CheckpointRow): Promise<void> {
    const stored = (await c.query<CheckpointRow>(this.#t.checkpointAt([cp.size]))).rows[0];
    if (stored === undefined) {
      await c.query(this.#q.insertCheckpoints([[cp.size], [cp.root], [cp.time], [cp.note]]));
      return;
    }
    if (Buffer.compare(stored.root, cp.root) !== 0) throw new LogError('INCONSISTENT', `couldn't import: the copy's checkpoint at size ${cp.size} has another root than the source's`);
    if (stored.note === cp.note && stored.time === cp.time) return;
    await c.query(this.#t.resignCheckpoint([cp.time, cp.note, cp.size]));
    if (stored.note !== cp.note) await c.query(this.#t.deleteCosignatures([cp.size]));
  }

  /** Runs `body` in the chunk's transaction; any failure (a refusal of the rows given too) rolls the chunk back and ends it. */
  async #run(what: string, body: (c: pg.PoolClient) => Promise<void>): Promise<void> {
    try {
      await body(this.#client);
    } catch (err) {
      await this.abort();
      throw toLogError(what, err, 'STORE_FAILED');
    }
  }

  #open(): void {
    if (this.#done) throw new LogError('INCONSISTENT', "couldn't use an import chunk: it was committed or aborted");
  }
}

function refuse(message: string): LogError {
  return new LogError('INCONSISTENT', message);
}
