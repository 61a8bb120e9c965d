/**
 * Cross-checks src/note against Go's golang.org/x/mod (sumdb/note, sumdb/tlog)
 * through test/support/go.ts, and self-tests that harness.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join, normalize } from 'node:path';
import { pathToFileURL } from 'node:url';
import {
  cosign,
  ed25519Cosigner,
  ed25519NoteSigner,
  ed25519PublicKeyBytes,
  formatVkey,
  signCheckpoint,
  signNote,
} from '../../../src/note/index.js';
import { requireGoOrSkip, runGoTool } from '../../support/go.js';
import { fixedKey, TESSERA_MAX_SIZE, TESSERA_VKEY, tesseraCheckpoint, tesseraDir } from '../../support/note.js';

// RFC 6962 hashing, written out here so this suite does not depend on src/merkle.
const sha256 = (...parts: Uint8Array[]): Buffer => {
  const h = createHash('sha256');
  for (const p of parts) h.update(p);
  return h.digest();
};
const leafHash = (data: string): Buffer => sha256(Buffer.from([0]), Buffer.from(data));
const nodeHash = (l: Uint8Array, r: Uint8Array): Buffer => sha256(Buffer.from([1]), l, r);
const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');
const list = (...hs: Uint8Array[]): string => hs.map(hex).join(',');

describe('Go x/mod interop (test/support/go.ts)', function () {
  before(async function () {
    await requireGoOrSkip(this);
  });

  describe('verify-note', () => {
    describe('when given the Tessera checkpoints', () => {
      it('accepts every one and prints its text', async () => {
        for (let size = 0; size <= TESSERA_MAX_SIZE; size++) {
          const note = tesseraCheckpoint(size);
          const r = await runGoTool(['verify-note', TESSERA_VKEY], note);
          assert.equal(r.code, 0, r.stderr);
          assert.equal(r.stdout, note.slice(0, note.indexOf('\n\n') + 1));
        }
      });
    });

    describe('when a checkpoint carries Rekor-flavor and C2SP-flavor signatures by one key', () => {
      it('accepts it with our formatVkey, ignoring the Rekor line', async () => {
        const key = fixedKey(7);
        const name = 'localhost:3000';
        const note = signCheckpoint({ origin: 'localhost:3000 - 1234567', size: 42, root: new Uint8Array(32).fill(3) }, [
          ed25519NoteSigner(name, key, 'rekor'),
          ed25519NoteSigner(name, key, 'c2sp'),
        ]);
        const r = await runGoTool(['verify-note', formatVkey(name, 0x01, ed25519PublicKeyBytes(key))], note);
        assert.equal(r.code, 0, r.stderr);
        assert.equal(r.stdout, note.slice(0, note.indexOf('\n\n') + 1));
      });
    });

    describe('when the note carries a cosignature after the log signature', () => {
      it('accepts it (the cosignature line is well-formed to x/mod)', async () => {
        const logKey = fixedKey(10);
        const text = 'log.example\n1\nAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n';
        const note = signNote(text, [ed25519NoteSigner('log.example', logKey, 'c2sp')]) + cosign(ed25519Cosigner('w.example', fixedKey(11)), text, 1700000000);
        const r = await runGoTool(['verify-note', formatVkey('log.example', 0x01, ed25519PublicKeyBytes(logKey))], note);
        assert.equal(r.code, 0, r.stderr);
      });
    });

    describe('when the note is forged', () => {
      it('rejects tampered text', async () => {
        const note = tesseraCheckpoint(3).replace('\n3\n', '\n4\n');
        assert.equal((await runGoTool(['verify-note', TESSERA_VKEY], note)).code, 1);
      });

      it('rejects a note signed by another key', async () => {
        const note = signNote('x\n', [ed25519NoteSigner('example.com/log/testdata', fixedKey(12), 'c2sp')]);
        assert.equal((await runGoTool(['verify-note', TESSERA_VKEY], note)).code, 1);
      });
    });
  });

  describe('verify-inclusion and verify-consistency (harness self-test)', () => {
    // Tree of 5 leaves: root = H(H(H(l0,l1),H(l2,l3)), l4).
    const l = ['a', 'b', 'c', 'd', 'e'].map(leafHash) as [Buffer, Buffer, Buffer, Buffer, Buffer];
    const n01 = nodeHash(l[0], l[1]);
    const n23 = nodeHash(l[2], l[3]);
    const root4 = nodeHash(n01, n23);
    const root5 = nodeHash(root4, l[4]);
    const root3 = nodeHash(n01, l[2]);

    describe('when the proofs are right', () => {
      it('accepts inclusion of leaf 2 in size 5', async () => {
        const r = await runGoTool(['verify-inclusion', '2', '5', hex(l[2]), hex(root5), list(l[3], n01, l[4])]);
        assert.equal(r.code, 0, r.stderr);
      });

      it('accepts inclusion of leaf 4 in size 5', async () => {
        const r = await runGoTool(['verify-inclusion', '4', '5', hex(l[4]), hex(root5), list(root4)]);
        assert.equal(r.code, 0, r.stderr);
      });

      it('accepts consistency 3 → 5 and 2 → 5', async () => {
        const r1 = await runGoTool(['verify-consistency', '3', '5', hex(root3), hex(root5), list(l[2], l[3], n01, l[4])]);
        assert.equal(r1.code, 0, r1.stderr);
        const r2 = await runGoTool(['verify-consistency', '2', '5', hex(n01), hex(root5), list(n23, l[4])]);
        assert.equal(r2.code, 0, r2.stderr);
      });

      it('accepts an empty proof from size 0', async () => {
        const r = await runGoTool(['verify-consistency', '0', '5', hex(sha256()), hex(root5), '']);
        assert.equal(r.code, 0, r.stderr);
      });
    });

    describe('when the proofs are wrong', () => {
      it('rejects a wrong root, a wrong order and a short proof', async () => {
        for (const args of [
          ['verify-inclusion', '2', '5', hex(l[2]), hex(root4), list(l[3], n01, l[4])],
          ['verify-inclusion', '2', '5', hex(l[2]), hex(root5), list(n01, l[3], l[4])],
          ['verify-consistency', '3', '5', hex(root3), hex(root5), list(l[2], l[3], n01)],
          ['verify-consistency', '0', '5', hex(sha256()), hex(root5), list(l[4])],
        ]) {
          assert.equal((await runGoTool(args)).code, 1, args.join(' '));
        }
      });
    });
  });

  describe('verify-tiles', () => {
    const oldRoot = (size: number): string =>
      Buffer.from(tesseraCheckpoint(size).split('\n')[2] ?? '', 'base64').toString('hex');

    describe('when reading the Tessera log from file://', () => {
      it('verifies tiles, bundles and consistency from every earlier size', async () => {
        const base = pathToFileURL(tesseraDir()).href;
        for (let old = 0; old <= TESSERA_MAX_SIZE; old++) {
          const r = await runGoTool(['verify-tiles', base, TESSERA_VKEY, '--old-size', String(old), '--old-root', oldRoot(old)]);
          assert.equal(r.code, 0, r.stderr);
          const summary = JSON.parse(r.stdout) as Record<string, unknown>;
          assert.equal(summary['ok'], true);
          assert.equal(summary['size'], 15);
          assert.equal(summary['entries'], 15);
          assert.equal(summary['bundles'], 1);
        }
      });

      it('rejects a wrong old root', async () => {
        const base = pathToFileURL(tesseraDir()).href;
        const r = await runGoTool(['verify-tiles', base, TESSERA_VKEY, '--old-size', '3', '--old-root', oldRoot(4)]);
        assert.equal(r.code, 1);
      });
    });

    describe('when reading it over HTTP', () => {
      let server: Server;
      let base: string;
      let corrupt = false;

      before(async () => {
        const dir = tesseraDir();
        server = createServer((req, res) => {
          const path = normalize(decodeURIComponent((req.url ?? '/').split('?')[0] ?? '/'));
          readFile(join(dir, path)).then(
            (data) => {
              if (corrupt && path.includes('entries')) data.writeUInt8(data.readUInt8(data.length - 1) ^ 1, data.length - 1);
              res.writeHead(200, { 'Content-Type': 'application/octet-stream' }).end(data);
            },
            () => res.writeHead(404).end('not found\n'),
          );
        });
        await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
        base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
      });

      after(async () => {
        await new Promise((ok) => server.close(ok));
      });

      it('verifies the log', async () => {
        corrupt = false;
        const r = await runGoTool(['verify-tiles', base, TESSERA_VKEY]);
        assert.equal(r.code, 0, r.stderr);
      });

      it('rejects an entry bundle that does not match the tiles', async () => {
        corrupt = true;
        const r = await runGoTool(['verify-tiles', base, TESSERA_VKEY]);
        corrupt = false;
        assert.equal(r.code, 1);
        assert.match(r.stderr, /does not hash/);
      });
    });
  });
});
