/**
 * RekorClient against a real Cairn HTTP server (createApp on a loopback
 * port), and against small hostile servers for the answers Cairn never gives
 * (oversized, lying about the entry, failing then recovering).
 */
import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { RekorClient, leafHashOfBody, parseEntryBundle, toHex } from '../../src/client/index.js';
import { isLogError } from '../../src/errors.js';
import { ecKey, hashedRekord } from '../support/http.js';
import { startCairn, type CairnServer } from '../interop/sigstore/cairn-server.js';

async function listen(handler: (req: IncomingMessage, res: ServerResponse) => void): Promise<{ url: string; server: Server }> {
  const server = createServer(handler);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server };
}

const noSleep = async (): Promise<void> => {};

describe('RekorClient', () => {
  let cairn: CairnServer;
  const key = ecKey('P-256');

  before(async () => {
    cairn = await startCairn();
  });
  after(async () => {
    await cairn?.close();
  });

  describe('submit', () => {
    it('returns the new entry on 201 and the existing one on a repeat (409 + Location)', async () => {
      const client = new RekorClient(`${cairn.url}/`);
      const proposed = hashedRekord(key, 'client submit');
      const first = await client.submit(proposed);
      assert.equal(first.created, true);
      assert.equal(first.entry.logId, cairn.identity.logId);
      assert.equal(first.entry.uuid, toHex(leafHashOfBody(first.entry.body)));
      assert.ok(first.entry.signedEntryTimestamp !== undefined && first.entry.signedEntryTimestamp.length > 0);
      assert.ok(first.entry.inclusionProof !== undefined);
      assert.match(first.entry.inclusionProof.checkpoint, /^127\.0\.0\.1:\d+ - \d+\n/);

      const again = await client.submit(proposed);
      assert.equal(again.created, false);
      assert.equal(again.entry.uuid, first.entry.uuid);
      assert.equal(again.entry.logIndex, first.entry.logIndex);
    });

    it('fails with LOG_REJECTED and the log\'s message when the log refuses the entry', async () => {
      const proposed = hashedRekord(key, 'refused') as { spec: { signature: { content: string } } };
      proposed.spec.signature.content = Buffer.alloc(70, 1).toString('base64');
      await assert.rejects(new RekorClient(cairn.url).submit(proposed), (err: unknown) => {
        assert.ok(isLogError(err, 'LOG_REJECTED'));
        assert.match(err.message, /HTTP 400: .+/);
        return true;
      });
    });
  });

  describe('reads', () => {
    it('reads an entry by 64-hex UUID, 80-hex ID, index and body, each with a proof', async () => {
      const client = new RekorClient(cairn.url);
      const { entry } = await client.submit(hashedRekord(key, 'client reads'));
      const byUuid = await client.entryByUuid(entry.uuid);
      const byId = await client.entryByUuid(entry.entryId);
      const byIndex = await client.entryByIndex(entry.logIndex);
      const byBody = await client.entryByBody(entry.body);
      for (const e of [byUuid, byId, byIndex, byBody]) {
        assert.equal(e?.uuid, entry.uuid);
        assert.ok(e?.inclusionProof !== undefined);
      }
    });

    it('answers undefined for an entry the log does not hold', async () => {
      const client = new RekorClient(cairn.url);
      assert.equal(await client.entryByUuid('ab'.repeat(32)), undefined);
      assert.equal(await client.entryByIndex(1_000_000), undefined);
    });

    it('reads the latest checkpoint note; undefined where the log serves none', async () => {
      const note = await new RekorClient(cairn.url).checkpoint();
      assert.match(note ?? '', /^127\.0\.0\.1:\d+ - \d+\n\d+\n[A-Za-z0-9+/=]+\n\n\u2014 /);
      const { url, server } = await listen((_req, res) => void res.writeHead(404).end());
      try {
        assert.equal(await new RekorClient(url).checkpoint(), undefined);
      } finally {
        server.close();
      }
    });

    it('reads the log info', async () => {
      const info = await new RekorClient(cairn.url).logInfo();
      assert.equal(info.treeId, cairn.identity.treeId);
      assert.ok(info.treeSize >= 0);
    });
  });

  describe('when the log is down or misbehaves', () => {
    it('fails with LOG_UNREACHABLE when nothing listens', async () => {
      const { url, server } = await listen(() => {});
      await new Promise<void>((r) => server.close(() => r()));
      await assert.rejects(new RekorClient(url, { sleep: noSleep }).logInfo(), (err: unknown) => isLogError(err, 'LOG_UNREACHABLE'));
    });

    it('fails with LOG_UNREACHABLE on a timeout', async () => {
      const { url, server } = await listen(() => {
        /* never answers */
      });
      try {
        await assert.rejects(new RekorClient(url, { timeoutMs: 100, retries: 0 }).logInfo(), (err: unknown) => {
          assert.ok(isLogError(err, 'LOG_UNREACHABLE'));
          assert.match(err.message, /timed out/);
          return true;
        });
      } finally {
        server.closeAllConnections();
        server.close();
      }
    });

    it('retries 503 and succeeds when the log recovers; gives up after the retries', async () => {
      let calls = 0;
      const real = cairn.url;
      const { url, server } = await listen((req, res) => {
        calls++;
        if (calls <= 2) {
          res.writeHead(503, { 'Retry-After': '0' }).end();
          return;
        }
        void fetch(`${real}${req.url}`).then(async (r) => res.writeHead(r.status, { 'Content-Type': 'application/json' }).end(await r.text()));
      });
      try {
        const info = await new RekorClient(url, { sleep: noSleep }).logInfo();
        assert.equal(info.treeId, cairn.identity.treeId);
        assert.equal(calls, 3);
        calls = -10;
        await assert.rejects(new RekorClient(url, { sleep: noSleep, retries: 1 }).logInfo(), (err: unknown) => isLogError(err, 'LOG_UNREACHABLE'));
      } finally {
        server.close();
      }
    });

    it('refuses an answer larger than the cap, and an entry that is not the one asked for', async () => {
      const client = new RekorClient(cairn.url);
      const { entry } = await client.submit(hashedRekord(key, 'client liar'));
      const other = await client.submit(hashedRekord(key, 'client liar 2'));
      const { url, server } = await listen((req, res) => {
        if (req.url?.startsWith('/api/v1/log/entries/')) {
          void fetch(`${cairn.url}/api/v1/log/entries/${other.entry.uuid}`).then(async (r) => res.writeHead(200).end(await r.text()));
          return;
        }
        res.writeHead(200, { 'Content-Type': 'application/json' }).end(`{"x":"${'a'.repeat(100_000)}"}`);
      });
      try {
        const liar = new RekorClient(url, { maxResponseBytes: 10_000 });
        await assert.rejects(liar.logInfo(), (err: unknown) => isLogError(err, 'LOG_RESPONSE_INVALID'));
        await assert.rejects(liar.entryByUuid(entry.uuid), (err: unknown) => isLogError(err, 'LOG_RESPONSE_INVALID'));
      } finally {
        server.close();
      }
    });
  });

  describe('tiles and entry bundles (c2sp.org/tlog-tiles)', () => {
    it('reads a partial tile or bundle, and falls back to the full one\'s prefix when the partial is gone', async () => {
      const full = Buffer.alloc(256 * 32, 7);
      const bundle = Buffer.concat(Array.from({ length: 256 }, (_, i) => Buffer.concat([Buffer.from([0, 3]), Buffer.from([i, i, i])])));
      const asked: string[] = [];
      const { url, server } = await listen((req, res) => {
        asked.push(req.url ?? '');
        if (req.url === '/tile/0/000') res.writeHead(200).end(full);
        else if (req.url === '/tile/entries/000') res.writeHead(200).end(bundle);
        else if (req.url === '/tile/1/000.p/2') res.writeHead(200).end(full.subarray(0, 64));
        else res.writeHead(404).end();
      });
      try {
        const client = new RekorClient(url);
        assert.equal((await client.tile(1, 0, 2)).length, 64);
        assert.deepEqual(await client.tile(0, 0, 5), new Uint8Array(full.subarray(0, 5 * 32)));
        assert.deepEqual(parseEntryBundle(await client.entryBundle(0, 3), 3).map((e) => [...e]), [[0, 0, 0], [1, 1, 1], [2, 2, 2]]);
        assert.deepEqual(asked, ['/tile/1/000.p/2', '/tile/0/000.p/5', '/tile/0/000', '/tile/entries/000.p/3', '/tile/entries/000']);
        await assert.rejects(client.tile(2, 0, 256), (err: unknown) => isLogError(err, 'LOG_REJECTED'));
        assert.throws(() => parseEntryBundle(bundle.subarray(0, 9), 2), (err: unknown) => isLogError(err, 'LOG_RESPONSE_INVALID') && /truncated/.test(err.message));
        assert.throws(() => parseEntryBundle(bundle.subarray(0, 10), 3), (err: unknown) => isLogError(err, 'LOG_RESPONSE_INVALID') && /2 entries, expected 3/.test(err.message));
      } finally {
        server.close();
      }
    });
  });

  it('refuses a base URL that is not http(s)', () => {
    assert.throws(() => new RekorClient('ftp://x'), (err: unknown) => isLogError(err, 'BAD_REQUEST'));
    assert.throws(() => new RekorClient('not a url'), (err: unknown) => isLogError(err, 'BAD_REQUEST'));
  });
});
