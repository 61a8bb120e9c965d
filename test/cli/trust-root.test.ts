/** `cairn trust-root` (src/cli/trust-root.ts): its refusals and exit statuses; its output is verified with sigstore-js in test/interop/sigstore/log-keys.test.ts. */
import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { trustRootMain } from '../../src/cli/trust-root.js';
import { trustedRoot, trustedTlog } from '../../src/log/index.js';
import { freePort } from '../support/registry.js';
import { testIdentity } from '../support/test-log.js';

async function run(argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await trustRootMain(argv, (t) => (out += t), (t) => (err += t));
  return { code, out, err };
}

describe('cairn trust-root', () => {
  let server: Server | undefined;
  afterEach(() => new Promise<void>((r) => (server === undefined ? r() : server.close(() => r()))));

  /** A log that serves `root` as its trusted root and `pem` as its key. */
  async function serve(root: unknown, pem: string): Promise<string> {
    server = createServer((req, res) => res.end(req.url === '/api/v1/log/trusted-root' ? JSON.stringify(root) : pem));
    await new Promise<void>((r) => server!.listen(0, '127.0.0.1', () => r()));
    return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  }

  it('prints the root when it names the key the log serves', async () => {
    const id = testIdentity('ecdsa-p256');
    const url = await serve(trustedRoot([trustedTlog(id, 1_700_000_000_500)]), id.publicKeyPem);
    const r = await run(['--url', url]);
    assert.equal(r.code, 0, r.err);
    const printed = JSON.parse(r.out);
    assert.equal(printed.tlogs[0].publicKey.validFor.start, '2023-11-14T22:13:20.000Z', 'whole seconds: clients compare with integratedTime');
    assert.equal(printed.tlogs[0].logId.keyId, Buffer.from(id.logId, 'hex').toString('base64'));
  });

  it('refuses (exit 1) a root for another key than the log serves, and a root that is not one', async () => {
    const id = testIdentity('ecdsa-p256');
    const other = generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey.export({ type: 'spki', format: 'pem' }).toString();
    const url = await serve(trustedRoot([trustedTlog(id, 0)]), other);
    const r = await run(['--url', url]);
    assert.equal(r.code, 1);
    assert.match(r.err, /not the key the log serves/);
    await new Promise<void>((res) => server!.close(() => res()));
    const notRoot = await serve({ hello: 'world' }, id.publicKeyPem);
    assert.match((await run(['--url', notRoot])).err, /no tlogs list/);
  });

  it('exits 2 on bad usage and 3 when the log cannot be reached', async () => {
    assert.equal((await run([])).code, 2);
    assert.equal((await run(['--url', 'ftp://x'])).code, 2);
    const unreachable = await run(['--url', `http://127.0.0.1:${await freePort()}`]);
    assert.equal(unreachable.code, 3, unreachable.err);
  });
});
