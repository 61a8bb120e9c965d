/**
 * The log's trees in SQLite (migrations/0003_shards.sql): the `shards` rows,
 * freezing the active tree by renaming its four tables, and reads of a
 * frozen tree from its renamed tables.
 *
 * Why renaming: a frozen tree's tiles, leaf groups, checkpoints and
 * cosignatures never change again, and the active tree's statements and
 * primary keys stay exactly what they were for a log of one tree. Renaming is
 * a schema change (O(1), no row copied) inside the rotation's transaction,
 * so a crash leaves either the old schema and rows or the new ones.
 */
import type { Database, Statement } from 'better-sqlite3';
import { LogError } from '../../errors.js';
import { LEAF_GROUPS_PER_TILE, tileFromJoinedLeafGroups } from '../../merkle/index.js';
import type { CheckpointRow, CosignatureRow, Rotation, ShardRow, StoredEntry, TileRow, TreeReads } from '../types.js';

type EntryReads = Pick<TreeReads, 'entryByIndex' | 'entriesInRange' | 'entryByLeafHash' | 'indexOfLeafHash' | 'searchKey'>;
import { toShardRow, type ShardSqlRow } from '../shard-row.js';
import { toLogError } from './errors.js';
import { ENTRY_OF, entryAndLeafGroupOf, type EntryAndLeafGroupRow } from './entry-row.js';

/** The tables that belong to one tree; the active tree's carry these names. */
export const TREE_TABLES = ['tiles', 'leaf_groups', 'checkpoints', 'cosignatures'] as const;

/** The name a frozen tree's table gets: `shard_<ordinal>_<table>`. */
export function frozenTableName(ordinal: number, table: (typeof TREE_TABLES)[number]): string {
  if (!Number.isSafeInteger(ordinal) || ordinal < 0) throw new LogError('INTERNAL', `bad shard ordinal ${ordinal}`);
  return `shard_${ordinal}_${table}`;
}

/** Every shard row, oldest first. */
export function readShards(db: Database): ShardRow[] {
  const rows = db.prepare<[], ShardSqlRow>('SELECT * FROM shards ORDER BY ordinal').all();
  return rows.map(toShardRow);
}

type NewShard = Rotation['next'];

/** INSERT one shard row (active: no frozen size). */
export function insertShard(db: Database, ordinal: number, firstIndex: number, row: NewShard): void {
  db.prepare(
    'INSERT INTO shards (ordinal, tree_id, first_index, public_key, note_key, created_ms) VALUES (?, ?, ?, ?, ?, ?)',
  ).run(ordinal, row.treeId, firstIndex, row.publicKeyPem, row.noteKeyPem ?? null, row.createdMs);
}

/** Mark tree `ordinal` frozen at `size`; INCONSISTENT unless it is active (not frozen yet). Inside the caller's transaction. */
export function freezeShard(db: Database, ordinal: number, size: number, atMs: number): void {
  const frozen = db.prepare('UPDATE shards SET frozen_size = ?, frozen_ms = ? WHERE ordinal = ? AND frozen_size IS NULL');
  if (frozen.run(size, atMs, ordinal).changes !== 1) {
    throw new LogError('INCONSISTENT', `couldn't freeze tree ${ordinal}: it is not the active tree, or is frozen already`);
  }
}

/**
 * The rotation's schema and row changes; MUST run inside the caller's
 * transaction (the store's), after its compare-and-swap on the size. Returns
 * the new active shard row.
 */
export function rotateTables(db: Database, active: ShardRow, rotation: Rotation): ShardRow {
  freezeShard(db, active.ordinal, rotation.frozenSize, rotation.frozenMs);
  const schema = db.prepare<[string], { type: string; name: string; sql: string | null }>(
    'SELECT type, name, sql FROM sqlite_schema WHERE tbl_name = ?',
  );
  for (const table of TREE_TABLES) {
    const objects = schema.all(table);
    const ddl = objects.find((o) => o.type === 'table')?.sql;
    // Autoindexes (sql NULL) follow a renamed table; a named index would keep its name and clash with the new table's.
    const named = objects.filter((o) => o.type !== 'table' && o.sql !== null);
    if (ddl == null || named.length > 0) {
      throw new LogError('INTERNAL', `couldn't rotate: table ${table} ${ddl == null ? 'is missing' : `has indexes rotation does not move (${named.map((o) => o.name).join(', ')})`}`);
    }
    db.exec(`ALTER TABLE ${table} RENAME TO ${frozenTableName(active.ordinal, table)}`);
    db.exec(ddl);
  }
  const next: ShardRow = {
    ...rotation.next,
    ordinal: active.ordinal + 1,
    firstIndex: active.firstIndex + rotation.frozenSize,
    frozenSize: undefined,
    frozenMs: undefined,
  };
  insertShard(db, next.ordinal, next.firstIndex, rotation.next);
  return next;
}

/**
 * `SELECT` of a tree's 16 leaf-group rows `grp >= ? AND grp < ?` joined end
 * to end in group order, as one BLOB (NULL when there is none): one value
 * to copy out of SQLite instead of 16. `group_concat` yields TEXT made of
 * the rows' bytes; CAST back to BLOB keeps them (as migrations/0002 does).
 */
export function joinedLeafGroupsSql(table: string): string {
  return `SELECT CAST(group_concat(hashes, x'' ORDER BY grp) AS BLOB) FROM ${table} WHERE grp >= ? AND grp < ?`;
}

/**
 * A tile row from a tree's tables: a full level-0 tile rebuilt from its 16
 * leaf-group rows (byte-identical to what was written; `joinedLeafGroups`
 * runs {@link joinedLeafGroupsSql}), or the row itself. A level-0 tile has
 * either its leaf groups or a row, never both (the groups replace the row in
 * the transaction where the tile becomes full).
 */
export function readTile(
  tiles: Statement<[number, number], TileRow>,
  joinedLeafGroups: Statement<[number, number], Uint8Array | null>,
  level: number,
  index: number,
): TileRow | undefined {
  if (level === 0) {
    const first = index * LEAF_GROUPS_PER_TILE;
    const joined = joinedLeafGroups.get(first, first + LEAF_GROUPS_PER_TILE);
    if (joined != null) return tileFromJoinedLeafGroups(index, joined);
  }
  return tiles.get(level, index);
}

/**
 * Reads of a frozen tree: its checkpoints, cosignatures and tiles from its
 * renamed tables, entries from the log's (every tree's, global indices).
 * Every row it reads is immutable.
 */
export class FrozenTree implements TreeReads {
  /** The log's entry reads (every tree's): the store's own. */
  readonly #entries: EntryReads;
  readonly #closed: () => boolean;
  readonly #q;

  constructor(db: Database, ordinal: number, entries: EntryReads, closed: () => boolean) {
    this.#entries = entries;
    this.#closed = closed;
    const t = (table: (typeof TREE_TABLES)[number]): string => frozenTableName(ordinal, table);
    const CP = 'size, root, time_ms AS time, note';
    this.#q = {
      latest: db.prepare<[], CheckpointRow>(`SELECT ${CP} FROM ${t('checkpoints')} ORDER BY size DESC LIMIT 1`),
      at: db.prepare<[number], CheckpointRow>(`SELECT ${CP} FROM ${t('checkpoints')} WHERE size = ?`),
      list: db.prepare<[number, number], CheckpointRow>(`SELECT ${CP} FROM ${t('checkpoints')} WHERE size >= ? ORDER BY size LIMIT ?`),
      cosignatures: db.prepare<[number], CosignatureRow>(`SELECT size, witness, line FROM ${t('cosignatures')} WHERE size = ? ORDER BY rowid`),
      tile: db.prepare<[number, number], TileRow>(`SELECT level, idx AS "index", width, hashes FROM ${t('tiles')} WHERE level = ? AND idx = ?`),
      leafGroup: db.prepare<[number], Uint8Array>(`SELECT hashes FROM ${t('leaf_groups')} WHERE grp = ?`).pluck(),
      // One row whether or not the entry is stored (the statement of statements.ts over this tree's leaf groups).
      entryAndLeafGroup: db.prepare<[number, number], EntryAndLeafGroupRow>(
        `SELECT ${ENTRY_OF('e')}, (SELECT hashes FROM ${t('leaf_groups')} WHERE grp = ?) AS leafGroup FROM (SELECT 1) LEFT JOIN entries e ON e.idx = ?`,
      ),
      joinedLeafGroups: db.prepare<[number, number], Uint8Array | null>(joinedLeafGroupsSql(t('leaf_groups'))).pluck(),
    };
  }

  latestCheckpoint(): CheckpointRow | undefined {
    return this.#read('read the frozen tree\'s latest checkpoint', () => this.#q.latest.get());
  }

  checkpointAt(size: number): CheckpointRow | undefined {
    return this.#read(`read checkpoint ${size}`, () => this.#q.at.get(size));
  }

  listCheckpoints(fromSize: number, limit: number): CheckpointRow[] {
    const n = limit >= 1 ? Math.min(Math.floor(limit), Number.MAX_SAFE_INTEGER) : 0;
    return n === 0 ? [] : this.#read('list checkpoints', () => this.#q.list.all(fromSize, n));
  }

  cosignatures(size: number): CosignatureRow[] {
    return this.#read(`read cosignatures of ${size}`, () => this.#q.cosignatures.all(size));
  }

  entryByIndex(index: number): StoredEntry | undefined {
    return this.#entries.entryByIndex(index);
  }

  /** The entry at global `index` and this tree's leaf group `group` in one statement (an entry read with its proof). */
  entryAndLeafGroup(index: number, group: number): { entry: StoredEntry | undefined; leafGroup: Uint8Array | undefined } {
    return this.#read(`read entry ${index} and leaf group ${group}`, () => entryAndLeafGroupOf(this.#q.entryAndLeafGroup.get(group, index) as EntryAndLeafGroupRow));
  }

  entriesInRange(start: number, count: number): StoredEntry[] {
    return this.#entries.entriesInRange(start, count);
  }

  entryByLeafHash(leafHash: Uint8Array): StoredEntry | undefined {
    return this.#entries.entryByLeafHash(leafHash);
  }

  indexOfLeafHash(leafHash: Uint8Array): number | undefined {
    return this.#entries.indexOfLeafHash(leafHash);
  }

  searchKey(key: string, limit: number): number[] {
    return this.#entries.searchKey(key, limit);
  }

  tile(level: number, index: number): TileRow | undefined {
    return this.#read(`read tile ${level}/${index}`, () => readTile(this.#q.tile, this.#q.joinedLeafGroups, level, index));
  }

  leafGroup(group: number): Uint8Array | undefined {
    return this.#read(`read leaf group ${group}`, () => this.#q.leafGroup.get(group));
  }

  #read<T>(what: string, read: () => T): T {
    if (this.#closed()) throw new LogError('SHUTTING_DOWN', `couldn't ${what}: the store is closed`);
    try {
      return read();
    } catch (err) {
      throw toLogError(what, err, 'INTERNAL');
    }
  }
}
