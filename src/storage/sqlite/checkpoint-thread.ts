/**
 * The checkpointer's thread (durability.ts): its own connection to the log's
 * database, used for nothing but copying the WAL into the database file, so
 * that the copy (tens of ms every few thousand entries) and the file's sync
 * never run on the event loop.
 *
 * The connection runs with `synchronous=NORMAL`. In WAL mode SQLite then
 * makes a checkpoint safe by itself (https://sqlite.org/wal.html, "Durability";
 * walCheckpoint in sqlite3.c): it syncs the WAL before copying any frame into
 * the database file, and syncs the file before it records a complete
 * checkpoint, so no writer restarts the WAL over frames the file does not
 * durably hold. Writers may commit while it copies: a PASSIVE checkpoint
 * copies only frames committed before it began.
 *
 * Messages in: `{ op: 'checkpoint' }`, `{ op: 'syncFile' }` (fdatasync the
 * database file), `{ op: 'close' }` (close the connection, then set the
 * shared flag and notify: the owner waits for it synchronously). Each op but
 * close is answered with `{ ok: true }` or `{ ok: false, message, code }`.
 */
import { closeSync, fdatasyncSync, openSync, writeFileSync } from 'node:fs';
import { parentPort, workerData } from 'node:worker_threads';
import BetterSqlite3 from 'better-sqlite3';

/** What the owner passes as workerData. */
export interface CheckpointThreadData {
  readonly path: string;
  /** Int32 flag set to 1 once the connection is closed. */
  readonly closed: SharedArrayBuffer;
}

export type CheckpointRequest = { readonly op: 'checkpoint' | 'syncFile' | 'close' };
export type CheckpointReply = { readonly ok: true } | { readonly ok: false; readonly message: string; readonly code?: string };

if (parentPort !== null) serve(parentPort, workerData as CheckpointThreadData);

function serve(port: NonNullable<typeof parentPort>, data: CheckpointThreadData): void {
  try {
    writeFileSync('/proc/thread-self/comm', 'cairn-ckpt'); // visible in top -H and /proc (the benchmark counts it as "other")
  } catch {
    // not Linux, or /proc not mounted: the name is only a convenience
  }
  const closed = new Int32Array(data.closed);
  let db: BetterSqlite3.Database | undefined;
  let fd: number | undefined;
  port.on('message', (m: CheckpointRequest) => {
    if (m.op === 'close') {
      try {
        db?.close();
        if (fd !== undefined) closeSync(fd);
      } finally {
        Atomics.store(closed, 0, 1);
        Atomics.notify(closed, 0);
        port.close();
      }
      return;
    }
    let reply: CheckpointReply;
    try {
      if (m.op === 'checkpoint') {
        db ??= open(data.path);
        db.pragma('wal_checkpoint(PASSIVE)');
      } else {
        fdatasyncSync((fd ??= openSync(data.path, 'r')));
      }
      reply = { ok: true };
    } catch (err) {
      const code = (err as { code?: unknown }).code;
      reply = { ok: false, message: err instanceof Error ? err.message : String(err), ...(typeof code === 'string' ? { code } : {}) };
    }
    port.postMessage(reply);
  });
}

function open(path: string): BetterSqlite3.Database {
  const db = new BetterSqlite3(path, { fileMustExist: true, timeout: 5000 });
  db.pragma('synchronous = NORMAL');
  db.pragma('wal_autocheckpoint = 0');
  return db;
}
