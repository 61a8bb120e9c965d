/** `cairn signing-config` (src/cli/signing-config.ts): what it prints and its refusals; a real server's config is read by sigstore-js in test/interop/sigstore/rekor-v2.test.ts. */
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { signingConfigMain } from '../../src/cli/signing-config.js';
import { signingConfig } from '../../src/log/index.js';
import { freePort } from '../support/registry.js';
import { testIdentity } from '../support/test-log.js';

async function run(argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await signingConfigMain(argv, (t) => (out += t), (t) => (err += t));
  return { code, out, err };
}

describe('cairn signing-config', () => {
  let server: Server | undefined;
  afterEach(() => new Promise<void>((r) => (server === undefined ? r() : server.close(() => r()))));

  async function serve(body: string, status = 200): Promise<string> {
    server = createServer((req, res) => {
      res.statusCode = req.url === '/api/v1/log/signing-config' ? status : 404;
      res.end(body);
    });
    await new Promise<void>((r) => server!.listen(0, '127.0.0.1', () => r()));
    return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  }

  it('prints the config naming the v2 and v1 endpoints, newest first', async () => {
    const id = testIdentity('ecdsa-p256', 'https://log.example.org/');
    const url = await serve(JSON.stringify(signingConfig(id, 1_700_000_000_500, 1_800_000_000_000)));
    const r = await run(['--url', `${url}/`]);
    assert.equal(r.code, 0, r.err);
    const printed = JSON.parse(r.out);
    assert.equal(printed.mediaType, 'application/vnd.dev.sigstore.signingconfig.v0.2+json');
    assert.deepEqual(printed.rekorTlogUrls.map((s: { url: string; majorApiVersion: number }) => [s.url, s.majorApiVersion]), [
      ['https://log.example.org', 2],
      ['https://log.example.org', 1],
    ]);
    assert.equal(printed.rekorTlogUrls[1].validFor.start, '2023-11-14T22:13:20.000Z');
    assert.equal(printed.rekorTlogUrls[0].operator, 'log.example.org');
  });

  it('refuses (exit 1) what is not a signing config, and exits 2 on bad usage, 3 when unreachable', async () => {
    const notJson = await serve('hello');
    assert.match((await run(['--url', notJson])).err, /not JSON/);
    await new Promise<void>((res) => server!.close(() => res()));
    const other = await serve(JSON.stringify({ mediaType: 'application/vnd.dev.sigstore.signingconfig.v0.2+json', rekorTlogUrls: [] }));
    const r = await run(['--url', other]);
    assert.equal(r.code, 1);
    assert.match(r.err, /names no transparency log/);
    assert.equal((await run([])).code, 2);
    assert.equal((await run(['--url', 'ftp://x'])).code, 2);
    assert.equal((await run(['--url', `http://127.0.0.1:${await freePort()}`])).code, 3);
  });
});
