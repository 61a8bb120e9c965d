/**
 * The web explorer across a rotation of the real `cairn serve` to a staged
 * key, in Debian's chromium (playwright-core): a visitor who pinned the first
 * key and saw the log before the rotation pins the trusted root the log then
 * serves (both keys, confirmed by their fingerprints); an entry of the frozen
 * tree and one of the new tree both show verified, and the log page shows
 * the rotation, not a fork warning. Skipped loudly without chromium unless
 * CAIRN_REQUIRE_BROWSER=1.
 */
import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { LogKey, RekorClient } from '../../src/client/index.js';
import { ecKey, hashedRekord } from '../support/http.js';
import { httpRequest } from '../support/http-client.js';
import { requirePartOrSkip } from '../support/parts.js';
import { AUTH, LOAD_ADMIN_TOKEN, writeAdminTokens } from '../support/rotation-load.js';
import { startServer, type ServerProcess } from '../support/server-process.js';

const CHROMIUM = '/usr/bin/chromium';
const WWW = join(new URL('../../../', import.meta.url).pathname, 'dist/www');

describe('web explorer across a rotation (chromium, the real server)', function () {
  this.timeout(120_000);
  let browser: Browser;
  let dir: string;
  let server: ServerProcess;
  let oldKey: LogKey;
  let newKey: LogKey;

  before(async function () {
    requirePartOrSkip(this, 'BROWSER', existsSync(CHROMIUM));
    assert.ok(existsSync(join(WWW, 'index.html')), 'the explorer is built (npm run build:web writes dist/www)');
    dir = mkdtempSync(join(tmpdir(), 'cairn-web-rotation-'));
    const tokens = join(dir, 'tokens.json');
    writeAdminTokens(tokens);
    const old = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const next = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    oldKey = LogKey.fromPem(old.publicKey.export({ type: 'spki', format: 'pem' }).toString());
    newKey = LogKey.fromPem(next.publicKey.export({ type: 'spki', format: 'pem' }).toString());
    writeFileSync(join(dir, 'key.pem'), old.privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600 });
    writeFileSync(join(dir, 'next-key.pem'), next.privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600 });
    server = await startServer(['--data-dir', join(dir, 'data'), '--tokens-file', tokens, '--key-file', join(dir, 'key.pem'), '--next-key-file', join(dir, 'next-key.pem'), '--verify-workers', '1']);
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
  });
  after(async () => {
    await browser?.close();
    await server?.stop();
    if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
  });

  async function open(page: Page, hash: string): Promise<void> {
    await page.goto('about:blank');
    await page.goto(`${server.url}/#${hash}`);
  }

  async function badgeOf(page: Page): Promise<{ state: string; reason: string }> {
    const badge = page.locator('[data-testid="verification-badge"]:not([data-state="pending"])');
    await badge.waitFor();
    return { state: (await badge.getAttribute('data-state')) ?? '', reason: (await page.getByTestId('verification-reason').textContent()) ?? '' };
  }

  it('shows an entry of the frozen tree verified, and the rotation on the log page with no fork warning', async () => {
    const client = new RekorClient(server.url, { token: LOAD_ADMIN_TOKEN, retries: 0 });
    const key = ecKey('P-256');
    for (let i = 0; i < 3; i++) await client.submit(hashedRekord(key, `before ${i}`));

    const context = await browser.newContext();
    const page = await context.newPage();
    page.on('pageerror', (err) => assert.fail(`page error: ${err.message}`));
    // Before the rotation: the single key pinned, the log seen at size 3.
    await open(page, '/key');
    await page.getByTestId('pin-fetch').click();
    await page.getByTestId('pin-fingerprint').filter({ hasText: oldKey.fingerprint }).waitFor();
    await page.getByTestId('pin-save').click();
    await page.getByTestId('pin-status').filter({ hasText: `Pinned ${oldKey.fingerprint}` }).waitFor();
    await open(page, '/log');
    assert.equal((await badgeOf(page)).state, 'verified');
    assert.equal(await page.getByTestId('consistency').getAttribute('data-state'), 'first-visit');

    const r = await httpRequest(server.url, 'POST', '/api/v1/admin/rotate', { headers: AUTH, body: '{}' });
    assert.equal(r.status, 200, r.body.toString('utf8'));
    for (let i = 0; i < 2; i++) await client.submit(hashedRekord(key, `after ${i}`));

    // The new tree's entries name (and their SETs are signed by) a key the visitor has not pinned.
    await open(page, '/entry/4');
    const unpinned = await badgeOf(page);
    assert.equal(unpinned.state, 'failed', unpinned.reason);
    assert.match(unpinned.reason, /not the pinned/);

    // The trusted root, confirmed by both fingerprints.
    await open(page, '/key');
    await page.getByTestId('pin-fetch-root').click();
    const list = page.getByTestId('pin-root-list');
    await list.filter({ hasText: newKey.fingerprint }).waitFor();
    assert.match((await list.textContent()) ?? '', new RegExp(`${oldKey.fingerprint}.*retired.*${newKey.fingerprint}.*active`));
    await page.getByTestId('pin-save').click();
    await page.getByTestId('pin-status').filter({ hasText: "Pinned the trusted root's 2 keys" }).waitFor();

    await open(page, '/log');
    const log = await badgeOf(page);
    assert.equal(log.state, 'verified', log.reason);
    assert.equal(await page.getByTestId('fork-warning').count(), 0);
    assert.equal(await page.getByTestId('consistency').getAttribute('data-state'), 'rotated');
    assert.match((await page.getByTestId('checkpoint-fields').textContent()) ?? '', new RegExp(newKey.fingerprint));
    for (const index of [0, 4]) {
      await open(page, `/entry/${index}`);
      const b = await badgeOf(page);
      assert.equal(b.state, 'verified', `entry ${index}: ${b.reason}`);
    }

    // Later visits: the new tree is what was seen last; nothing is a fork.
    await open(page, '/log');
    assert.equal((await badgeOf(page)).state, 'verified');
    assert.equal(await page.getByTestId('consistency').getAttribute('data-state'), 'consistent');
    assert.equal(await page.getByTestId('fork-warning').count(), 0);
    await context.close();
  });
});
