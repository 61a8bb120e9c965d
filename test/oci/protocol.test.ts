import assert from 'node:assert/strict';
import { isLogError } from '../../src/errors.js';
import { parseChallenges } from '../../src/oci/challenge.js';
import { loadCredentials } from '../../src/oci/credentials.js';
import { fallbackTag } from '../../src/oci/index.js';
import { backoffDelay, isRetryableStatus, type RetryPolicy } from '../../src/oci/retry.js';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

describe('parseChallenges', () => {
  it('reads a distribution Bearer challenge with quoted, comma-bearing parameters', () => {
    const [c] = parseChallenges('Bearer realm="https://auth.example/token",service="registry.example",scope="repository:a/b:pull,push",error="insufficient_scope"');
    assert.deepEqual(c, {
      scheme: 'bearer',
      params: { realm: 'https://auth.example/token', service: 'registry.example', scope: 'repository:a/b:pull,push', error: 'insufficient_scope' },
    });
  });

  it('reads several challenges, repeated headers, escapes and unquoted values', () => {
    const got = parseChallenges(['Basic realm="Registry \\"R\\""', 'Bearer realm=https://a/t, service=s']);
    assert.deepEqual(got, [
      { scheme: 'basic', params: { realm: 'Registry "R"' } },
      { scheme: 'bearer', params: { realm: 'https://a/t', service: 's' } },
    ]);
  });

  it('never throws on junk', () => {
    for (const junk of ['', ',,,', '"', 'Bearer realm="unterminated', '=x', '\u0000']) assert.doesNotThrow(() => parseChallenges(junk));
    assert.deepEqual(parseChallenges(undefined), []);
  });
});

describe('backoffDelay', () => {
  const policy = (random: number): RetryPolicy => ({ retries: 4, baseDelayMs: 250, maxDelayMs: 10_000, sleep: async () => {}, random: () => random, now: () => Date.parse('2026-12-02T08:00:00Z') });

  it('doubles the jitter window per attempt, up to the bound', () => {
    assert.deepEqual([0, 1, 2, 3, 10].map((a) => backoffDelay(policy(0.999), a)), [249, 499, 999, 1998, 9990]);
    assert.equal(backoffDelay(policy(0), 3), 0);
  });

  it('honours Retry-After in seconds or as an HTTP-date, bounded', () => {
    assert.equal(backoffDelay(policy(0.5), 0, '2'), 2000);
    assert.equal(backoffDelay(policy(0.5), 0, 'Wed, 02 Dec 2026 08:00:05 GMT'), 5000);
    assert.equal(backoffDelay(policy(0.5), 0, '86400'), 10_000);
    assert.equal(backoffDelay(policy(0.5), 0, 'soon'), 125);
  });

  it('retries 429 and 5xx but not 501, 505 or 4xx', () => {
    assert.deepEqual([429, 500, 502, 503, 504, 501, 505, 400, 404].map(isRetryableStatus), [true, true, true, true, true, false, false, false, false]);
  });
});

describe('fallbackTag', () => {
  it('follows the referrers tag schema: <alg>-<hex>, truncated, bad characters replaced', () => {
    assert.equal(fallbackTag(`sha256:${'a'.repeat(64)}`), `sha256-${'a'.repeat(64)}`);
    assert.equal(fallbackTag(`sha512:${'b'.repeat(128)}`), `sha512-${'b'.repeat(64)}`);
    assert.equal(fallbackTag(`${'x'.repeat(40)}+y:abc`), `${'x'.repeat(32)}-abc`);
    assert.throws(() => fallbackTag('nodigest'), (e: unknown) => isLogError(e, 'REGISTRY_PROTOCOL'));
  });
});

describe('loadCredentials', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'cairn-creds-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('finds Docker Hub credentials under https://index.docker.io/v1/', () => {
    writeFileSync(join(dir, 'config.json'), JSON.stringify({ auths: { 'https://index.docker.io/v1/': { auth: Buffer.from('hub:secret:with:colons').toString('base64') } } }));
    assert.deepEqual(loadCredentials({ DOCKER_CONFIG: dir }, 'docker.io'), { username: 'hub', password: 'secret:with:colons' });
    assert.equal(loadCredentials({ DOCKER_CONFIG: dir }, 'ghcr.io'), undefined);
  });

  it('matches auths keys by exact host only, not by substring', () => {
    writeFileSync(join(dir, 'config.json'), JSON.stringify({ auths: { 'registry.example.com': { auth: Buffer.from('a:b').toString('base64') } } }));
    assert.equal(loadCredentials({ DOCKER_CONFIG: dir }, 'example.com'), undefined);
    assert.equal(loadCredentials({ DOCKER_CONFIG: dir }, 'registry.example.com:5000'), undefined);
  });

  it('prefers CAIRN_REGISTRY_USERNAME/_PASSWORD, and answers undefined without any config', () => {
    writeFileSync(join(dir, 'config.json'), JSON.stringify({ auths: { 'r.example': { auth: Buffer.from('a:b').toString('base64') } } }));
    assert.deepEqual(loadCredentials({ DOCKER_CONFIG: dir, CAIRN_REGISTRY_USERNAME: 'ci', CAIRN_REGISTRY_PASSWORD: 'pw' }, 'r.example'), { username: 'ci', password: 'pw' });
    assert.equal(loadCredentials({ DOCKER_CONFIG: join(dir, 'absent') }, 'r.example'), undefined);
    assert.equal(loadCredentials({}, 'r.example'), undefined);
  });

  it('refuses an "auth" that is not base64 of user:password', () => {
    writeFileSync(join(dir, 'config.json'), JSON.stringify({ auths: { 'r.example': { auth: Buffer.from('nocolon').toString('base64') } } }));
    assert.throws(() => loadCredentials({ DOCKER_CONFIG: dir }, 'r.example'), (e: unknown) => isLogError(e, 'CONFIG_INVALID'));
  });
});
