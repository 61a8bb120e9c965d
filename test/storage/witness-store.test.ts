/**
 * The witness state store: compare-and-swap on (size, root) per origin,
 * durable across reopen, its own application_id (a log database and a
 * witness database are never mixed up).
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isLogError } from '../../src/errors.js';
import { openSqliteStore, openSqliteWitnessStore, type WitnessedCheckpoint } from '../../src/storage/index.js';

const root = (b: number): Uint8Array => new Uint8Array(32).fill(b);
const cp = (origin: string, size: number, r: number): WitnessedCheckpoint => ({ origin, size, root: root(r), note: `${origin}\n${size}\n`, time: 1000 + size });

describe('SqliteWitnessStore', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'cairn-wstore-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  describe('when advancing', () => {
    it('stores the first checkpoint of an origin only when nothing was expected', () => {
      const s = openSqliteWitnessStore({ path: ':memory:' });
      assert.deepEqual(s.advance({ size: 0, root: root(0) }, cp('a', 3, 1)), { ok: false, current: undefined });
      assert.deepEqual(s.advance(undefined, cp('a', 3, 1)), { ok: true });
      assert.deepEqual(s.latest('a'), cp('a', 3, 1));
      assert.equal(s.latest('b'), undefined);
      s.close();
    });

    it('replaces a state only when size and root are the expected ones (compare-and-swap)', () => {
      const s = openSqliteWitnessStore({ path: ':memory:' });
      s.advance(undefined, cp('a', 3, 1));
      const stale = s.advance(undefined, cp('a', 5, 2));
      assert.equal(stale.ok, false);
      assert.equal(!stale.ok && stale.current?.size, 3);
      assert.equal(s.advance({ size: 3, root: root(9) }, cp('a', 5, 2)).ok, false, 'same size, other root');
      assert.equal(s.advance({ size: 3, root: root(1) }, cp('a', 5, 2)).ok, true);
      assert.equal(s.latest('a')?.size, 5);
      assert.throws(() => s.advance({ size: 5, root: root(2) }, cp('a', 4, 3)), (e) => isLogError(e, 'INTERNAL'));
      s.close();
    });

    it('lets only one of two connections advance from the same state', () => {
      const file = join(dir, 'w.db');
      const a = openSqliteWitnessStore({ path: file });
      const b = openSqliteWitnessStore({ path: file });
      a.advance(undefined, cp('log', 1, 1));
      const seen = b.latest('log')!;
      assert.equal(a.advance(seen, cp('log', 2, 2)).ok, true);
      const lost = b.advance(seen, cp('log', 3, 3));
      assert.equal(lost.ok, false);
      assert.equal(!lost.ok && lost.current?.size, 2);
      a.close();
      b.close();
    });
  });

  describe('when reopened', () => {
    it('keeps the state (durable on return)', () => {
      const file = join(dir, 'w.db');
      const s = openSqliteWitnessStore({ path: file });
      s.advance(undefined, cp('x', 7, 7));
      s.close();
      const again = openSqliteWitnessStore({ path: file });
      assert.deepEqual(again.latest('x'), cp('x', 7, 7));
      again.close();
      assert.throws(() => again.latest('x'), (e) => isLogError(e, 'SHUTTING_DOWN'));
    });
  });

  describe('when given the wrong kind of database', () => {
    it('refuses a log database, and a log refuses a witness database', () => {
      const logFile = join(dir, 'log.db');
      openSqliteStore({ path: logFile }).close();
      assert.throws(() => openSqliteWitnessStore({ path: logFile }), (e) => isLogError(e, 'CONFIG_INVALID'));
      const wFile = join(dir, 'w.db');
      openSqliteWitnessStore({ path: wFile }).close();
      assert.throws(() => openSqliteStore({ path: wFile }), (e) => isLogError(e, 'CONFIG_INVALID'));
    });
  });
});
