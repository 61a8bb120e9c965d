/**
 * A damaged database is detected at start and never served: the
 * real `cairn serve` exits with status 2 and a message naming the database
 * file. Chosen over starting read-only with /healthz 503: a read-only log
 * would still serve entries and proofs from data that no longer matches what
 * it signed. Damage: pages overwritten in the middle, the file truncated, a
 * few bytes changed inside an entry body or a tile hash (which SQLite's
 * quick_check cannot see: the full start-up check rehashes the content).
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { closeSync, cpSync, mkdtempSync, openSync, readFileSync, rmSync, statSync, truncateSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { httpRequest } from '../support/http-client.js';
import { MAIN_JS, startServer } from '../support/server-process.js';
import { SignedEntryFactory } from '../support/signed-entries.js';

const PAGE = 4096;

describe('cairn serve on a damaged data dir', function () {
  this.timeout(60_000);
  let dir: string;
  let pristine: string;
  let bodies: Buffer[];
  let leafHashes: Buffer[];

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'cairn-damaged-'));
    pristine = join(dir, 'pristine');
    const s = await startServer(['--data-dir', pristine]);
    try {
      const factory = new SignedEntryFactory('damaged data');
      bodies = [];
      leafHashes = [];
      for (let round = 0; round < 6; round++) {
        const answers = await Promise.all(Array.from({ length: 50 }, () => httpRequest(s.url, 'POST', '/api/v1/log/entries', { body: factory.next().json })));
        for (const r of answers) {
          assert.equal(r.status, 201);
          const [id, v] = Object.entries(JSON.parse(r.body.toString('utf8')) as Record<string, { body: string; logIndex: number }>)[0]!;
          bodies[v.logIndex] = Buffer.from(v.body, 'base64');
          leafHashes[v.logIndex] = Buffer.from(id.slice(16), 'hex');
        }
      }
    } finally {
      assert.equal((await s.stop()).code, 0);
    }
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  /** A copy of the pristine data dir with its database damaged by `damage(file)`. */
  function damaged(name: string, damage: (db: string) => void): string {
    const copy = join(dir, name);
    cpSync(pristine, copy, { recursive: true });
    damage(join(copy, 'cairn.db'));
    return copy;
  }

  function serveOnce(dataDir: string, ...args: string[]): { status: number | null; stderr: string } {
    const r = spawnSync(process.execPath, [MAIN_JS, 'serve', '--port', '0', '--data-dir', dataDir, ...args], { encoding: 'utf8', timeout: 15_000 });
    return { status: r.status, stderr: r.stderr };
  }

  function overwrite(file: string, at: number, bytes: Buffer): void {
    const fd = openSync(file, 'r+');
    writeSync(fd, bytes, 0, bytes.length, at);
    closeSync(fd);
  }

  function assertRefused(dataDir: string, why: RegExp, ...args: string[]): void {
    const r = serveOnce(dataDir, ...args);
    assert.equal(r.status, 2, `exit status (stderr: ${r.stderr})`);
    assert.ok(r.stderr.includes(join(dataDir, 'cairn.db')), `the message names the file: ${r.stderr}`);
    assert.match(r.stderr, why);
    assert.doesNotMatch(r.stderr, /"msg":"serving"/);
  }

  it('starts on the undamaged copy (the control)', async () => {
    const s = await startServer(['--data-dir', damaged('control', () => undefined)]);
    try {
      const info = JSON.parse((await httpRequest(s.url, 'GET', '/api/v1/log')).body.toString('utf8')) as { treeSize: number };
      assert.equal(info.treeSize, 300);
    } finally {
      await s.stop();
    }
  });

  it('refuses a database with pages overwritten in the middle', () => {
    const d = damaged('pages', (db) => overwrite(db, Math.floor(statSync(db).size / 2 / PAGE) * PAGE, Buffer.alloc(3 * PAGE, 0xa5)));
    assertRefused(d, /damaged/);
  });

  it('refuses a truncated database', () => {
    const d = damaged('truncated', (db) => truncateSync(db, Math.floor(statSync(db).size / 3)));
    assertRefused(d, /damaged|malformed|truncated|not a database/i);
  });

  it('refuses a database whose entry body has a few bytes changed (invisible to quick_check)', () => {
    const d = damaged('body', (db) => {
      const at = readFileSync(db).indexOf(bodies[150]!);
      assert.ok(at > 0, 'the body is stored verbatim in the file');
      overwrite(db, at + 40, Buffer.from('XXXX'));
    });
    assertRefused(d, /entry 150's body does not hash/);
  });

  it('refuses a database whose tile hash has a byte changed', () => {
    const d = damaged('tile', (db) => {
      // Earlier versions of the tile may linger in free pages: change every copy, so the live one is hit.
      const file = readFileSync(db);
      const pair = Buffer.concat([leafHashes[10]!, leafHashes[11]!]);
      let copies = 0;
      for (let at = file.indexOf(pair); at >= 0; at = file.indexOf(pair, at + 1), copies++) overwrite(db, at + 33, Buffer.of(file[at + 33]! ^ 0xff));
      assert.ok(copies > 0, 'level-0 tile hashes are stored consecutively');
    });
    assertRefused(d, /damaged/);
  });

  it('still refuses it with --startup-check fast when the self-check sees the damage', () => {
    const d = damaged('tile-fast', (db) => {
      const file = readFileSync(db);
      // The right-most entries are in the self-check's reach.
      const at = file.indexOf(bodies[299]!);
      overwrite(db, at + 40, Buffer.from('XXXX'));
    });
    assertRefused(d, /self-check failed/, '--startup-check', 'fast');
  });
});
