/** The security settings (access control, rate limits, server limits): defaults that keep a public log open, and parsing. */
import assert from 'node:assert/strict';
import { loadConfig } from '../../src/config/index.js';
import { checkServerLimits } from '../../src/cli/http-server.js';

describe('security and limit settings', () => {
  it('default to an open log without rate limits, with bounded timeouts and connections', () => {
    const c = loadConfig({ argv: [], env: {} });
    assert.equal(c.tokensFile, undefined);
    assert.equal(c.readAuth, false);
    assert.equal(c.rateLimit, 0);
    assert.equal(c.rateLimitBurst, 100);
    assert.equal(c.trustProxy, 0);
    assert.deepEqual([c.headersTimeoutMs, c.requestTimeoutMs, c.keepAliveTimeoutMs, c.maxRequestsPerSocket, c.maxConnections], [20_000, 60_000, 5_000, 1_000, 10_000]);
    checkServerLimits(c);
  });

  it('reads them from flags and environment variables', () => {
    const c = loadConfig({
      argv: ['--tokens-file', '/etc/cairn/tokens.json', '--read-auth', 'true', '--rate-limit', '2.5', '--max-connections', '50'],
      env: { CAIRN_HEADERS_TIMEOUT_MS: '1000', CAIRN_TRUST_PROXY: '1' },
    });
    assert.deepEqual([c.tokensFile, c.readAuth, c.rateLimit, c.maxConnections, c.headersTimeoutMs, c.trustProxy], ['/etc/cairn/tokens.json', true, 2.5, 50, 1000, 1]);
  });

  it('refuses bad values naming the flag', () => {
    assert.throws(() => loadConfig({ argv: ['--rate-limit', '-1'] }), /--rate-limit/);
    assert.throws(() => loadConfig({ argv: ['--read-auth', 'maybe'] }), /--read-auth/);
    assert.throws(() => loadConfig({ argv: ['--headers-timeout-ms', '10'] }), /--headers-timeout-ms/);
    const c = loadConfig({ argv: ['--headers-timeout-ms', '5000', '--request-timeout-ms', '1000'] });
    assert.throws(() => checkServerLimits(c), /--headers-timeout-ms \(5000\) must not exceed --request-timeout-ms \(1000\)/);
  });
});
