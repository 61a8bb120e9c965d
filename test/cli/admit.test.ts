/**
 * `cairn admit` start-up and shutdown, without a registry: bad flags, a
 * policy that does not load and a certificate that does not match its key
 * exit 2 with a message; a running webhook stops on SIGTERM with exit 0.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describeRun, runCairn } from '../support/cairn-cli.js';
import { testCaAndServer, type CertFiles } from '../support/certs.js';
import { httpsCall } from '../support/admission-world.js';
import { startCommand } from '../support/server-process.js';

describe('cairn admit start-up', function () {
  this.timeout(60_000);
  let dir: string;
  let ca: CertFiles;
  let server: CertFiles;
  let other: CertFiles;
  let policy: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'cairn-admit-'));
    ({ ca, server } = testCaAndServer(dir));
    const dir2 = mkdtempSync(join(dir, 'second-'));
    other = testCaAndServer(dir2).server;
    policy = join(dir, 'policy.yaml');
    writeFileSync(policy, 'rules: []\ndefault: deny\n');
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  const tls = (): string[] => ['--tls-cert', server.certFile, '--tls-key', server.keyFile];

  it('exits 2, saying why, on bad flags, a policy that does not load, or a key that does not match the certificate', async () => {
    const bad = join(dir, 'bad.yaml');
    writeFileSync(bad, 'rules: 7\n');
    const cases: Array<[string[], RegExp]> = [
      [['--policy', policy], /--tls-cert is required/],
      [['--policy', policy, ...tls(), '--timeout-ms', '50'], /--timeout-ms must be between 1000 and 30000/],
      [['--policy', policy, ...tls(), '--port', '70000'], /--port must be at most 65535/],
      [['--policy', policy, ...tls(), '--frobnicate'], /frobnicate/],
      [['--policy', bad, ...tls()], /bad\.yaml/],
      [['--policy', join(dir, 'missing.yaml'), ...tls()], /missing\.yaml/],
      [['--policy', policy, '--tls-cert', server.certFile, '--tls-key', other.keyFile], /couldn't use the TLS certificate and key/],
    ];
    for (const [args, message] of cases) {
      const r = await runCairn(['admit', '--port', '0', ...args]);
      assert.equal(r.status, 2, describeRun(r));
      assert.match(r.stderr, message, describeRun(r));
    }
  });

  it('serves /healthz over TLS and stops on SIGTERM with exit 0', async () => {
    const p = await startCommand('admit', ['--policy', policy, ...tls()]);
    const r = await httpsCall(p.url, '/healthz', readFileSync(ca.certFile));
    assert.equal(r.status, 200);
    assert.deepEqual(r.json, { status: 'ok' });
    assert.deepEqual(await p.stop('SIGTERM'), { code: 0, signal: null });
  });
});
