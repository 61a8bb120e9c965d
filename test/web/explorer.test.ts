/**
 * The web explorer in a real browser (Debian's chromium, headless, driven by
 * playwright-core) against real Cairn logs behind a fault proxy
 * (test/support/fronted-logs.ts): pin the key, search each way, open an entry
 * and see it verified; a tampered inclusion proof or checkpoint is shown as
 * failed; a log that rewinds or forks under the same URL and keys raises the
 * fork warning. Skipped loudly without chromium unless CAIRN_REQUIRE_BROWSER=1.
 *
 * Screenshots of the three pages are taken every run; with
 * CAIRN_UPDATE_SCREENSHOTS=1 they are written to docs/ (committed, linked from
 * the README), else to a temporary directory.
 */
import assert from 'node:assert/strict';
import { createHash, createPrivateKey, createPublicKey } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { LogKey, RekorClient } from '../../src/client/index.js';
import { parseNote, parseVkey } from '../../src/note/index.js';
import { identityCertP256 } from '../support/certs.js';
import { startFrontedLogs, type FrontedLogs } from '../support/fronted-logs.js';
import { ecKey, hashedRekord, type TestKey } from '../support/http.js';
import { requirePartOrSkip } from '../support/parts.js';
import { testWitness } from '../support/signing-log.js';

const CHROMIUM = '/usr/bin/chromium';
const ROOT = new URL('../../../', import.meta.url).pathname;
const WWW = join(ROOT, 'dist/www');
const EMAIL = 'alice@example.com';
const URI = 'https://github.com/org/repo/.github/workflows/release.yml@refs/heads/main';

/** The data-testid of the focused element (page code as a string: the tests compile without the DOM lib). */
function focused(page: Page): Promise<string | null> {
  return page.evaluate<string | null>("document.activeElement && document.activeElement.getAttribute('data-testid')");
}

describe('web explorer in chromium', function () {
  this.timeout(120_000);
  let browser: Browser;
  let f: FrontedLogs;
  let shots: string;
  const key = ecKey('P-256');
  const witness = testWitness('witness.example/w1');
  const uuids: string[] = [];
  let identityUuid = '';
  let certDir = '';

  before(async function () {
    requirePartOrSkip(this, 'BROWSER', existsSync(CHROMIUM));
    assert.ok(existsSync(join(WWW, 'index.html')), 'the explorer is built (npm run build:web writes dist/www)');
    shots = process.env['CAIRN_UPDATE_SCREENSHOTS'] === '1' ? join(ROOT, 'docs') : mkdtempSync(join(tmpdir(), 'cairn-shots-'));
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
    f = await startFrontedLogs('ecdsa-p256', WWW);
    const client = new RekorClient(f.url);
    for (let i = 0; i < 4; i++) {
      uuids.push((await client.submit(hashedRekord(key, `release ${i}`))).entry.uuid);
      f.clocks[0].advance(3_600_000);
    }
    certDir = mkdtempSync(join(tmpdir(), 'cairn-cert-'));
    const cert = identityCertP256(certDir, 'alice', 'Alice', EMAIL, URI);
    const certPem = readFileSync(cert.certFile, 'utf8');
    const privateKey = createPrivateKey(readFileSync(cert.keyFile));
    const signer: TestKey = { privateKey, publicKey: createPublicKey(privateKey), pem: certPem };
    identityUuid = (await client.submit(hashedRekord(signer, 'signed by alice'))).entry.uuid;
    const latest = f.logs[0].reader.latest();
    await f.logs[0].attachCosignature(latest.size, parseVkey(witness.vkey), witness.cosignLine(parseNote(latest.note).text));
  });
  afterEach(() => {
    if (f !== undefined) {
      f.proxy.fault = () => undefined;
      f.serve(0);
    }
  });
  after(async () => {
    await browser?.close();
    await f?.close();
    if (certDir !== '') rmSync(certDir, { recursive: true, force: true });
    if (shots !== undefined && !shots.endsWith('docs')) rmSync(shots, { recursive: true, force: true });
  });

  /** A fresh visitor: a new browser context (its own localStorage) that pins the log's key on the key page. */
  async function pinnedVisitor(): Promise<{ context: BrowserContext; page: Page }> {
    const context = await browser.newContext({ viewport: { width: 1000, height: 800 } });
    const page = await context.newPage();
    page.on('pageerror', (err) => assert.fail(`page error: ${err.message}`));
    await page.goto(f.url);
    await page.getByTestId('pin-needed').waitFor();
    await page.goto(`${f.url}/#/key`);
    await page.getByTestId('pin-fetch').click();
    const fingerprint = LogKey.fromPem(f.identity.publicKeyPem).fingerprint;
    await page.getByTestId('pin-fingerprint').filter({ hasText: fingerprint }).waitFor();
    await page.getByTestId('pin-witnesses').fill(witness.vkey);
    await page.getByTestId('pin-save').click();
    await page.getByTestId('pin-status').filter({ hasText: `Pinned ${fingerprint}` }).waitFor();
    return { context, page };
  }

  async function search(page: Page, text: string): Promise<string[]> {
    await page.goto(`${f.url}/#/`);
    const box = page.getByTestId('search-input');
    await box.fill(text);
    await box.press('Enter');
    await page.locator('[data-testid="results"], [data-testid="no-results"], [data-testid="search-error"]').first().waitFor();
    return page.getByTestId('result-row').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-uuid') ?? ''));
  }

  async function badgeOf(page: Page): Promise<{ state: string; reason: string }> {
    const badge = page.locator('[data-testid="verification-badge"]:not([data-state="pending"])');
    await badge.waitFor();
    return { state: (await badge.getAttribute('data-state')) ?? '', reason: (await page.getByTestId('verification-reason').textContent()) ?? '' };
  }

  it('finds entries by digest, index, UUID, public key, email and URI, and shows each verified', async () => {
    const { context, page } = await pinnedVisitor();
    const digest = createHash('sha256').update('release 2').digest('hex');
    assert.deepEqual(await search(page, `sha256:${digest}`), [uuids[2]]);
    await page.screenshot({ path: join(shots, 'explorer-search.png'), fullPage: true });
    await page.getByTestId('result-row').first().locator('a').click();
    assert.equal((await badgeOf(page)).state, 'verified');
    assert.equal(await page.getByTestId('entry-digest').textContent(), `sha256:${digest}`);
    await page.screenshot({ path: join(shots, 'explorer-entry.png'), fullPage: true });

    assert.deepEqual(await search(page, '1'), [uuids[1]]);
    assert.deepEqual(await search(page, uuids[3] as string), [uuids[3]]);
    assert.deepEqual(await search(page, `${f.identity.treeIdHex}${uuids[0]}`), [uuids[0]]);
    assert.deepEqual(await search(page, key.pem), uuids);
    assert.deepEqual(await search(page, EMAIL), [identityUuid]);
    assert.deepEqual(await search(page, URI), [identityUuid]);
    assert.deepEqual(await search(page, `sha256:${'0'.repeat(64)}`), []);
    await page.getByTestId('no-results').waitFor();

    await page.goto(`${f.url}/#/entry/${identityUuid}`);
    assert.equal((await badgeOf(page)).state, 'verified');
    assert.match((await page.getByTestId('entry-identity').textContent()) ?? '', new RegExp(`email:${EMAIL}, URI:${URI.replace(/[.?*+^$[\]\\(){}|-]/g, '\\$&')}`));
    await context.close();
  });

  it('is usable with the keyboard alone: skip link, search box, result link', async () => {
    const { context, page } = await pinnedVisitor();
    await page.goto(`${f.url}/#/`);
    await page.getByTestId('search-input').waitFor();
    await page.keyboard.press('Tab'); // skip link
    await page.keyboard.press('Tab'); // brand
    for (let i = 0; i < 10 && (await focused(page)) !== 'search-input'; i++) await page.keyboard.press('Tab');
    assert.equal(await focused(page), 'search-input');
    await page.keyboard.type('3');
    await page.keyboard.press('Enter');
    await page.getByTestId('result-row').waitFor();
    await page.keyboard.press('Tab');
    for (let i = 0; i < 10 && !(await page.evaluate<boolean>("document.activeElement !== null && document.activeElement.closest('[data-testid=\"result-row\"]') !== null")); i++) await page.keyboard.press('Tab');
    await page.keyboard.press('Enter');
    assert.equal((await badgeOf(page)).state, 'verified');
    await context.close();
  });

  it('shows the log: checkpoint size, verified witness cosignature, consistency, tiles, growth', async () => {
    const { context, page } = await pinnedVisitor();
    await page.goto(`${f.url}/#/log`);
    assert.equal((await badgeOf(page)).state, 'verified');
    assert.equal(await page.getByTestId('checkpoint-size').textContent(), String(uuids.length + 1));
    assert.equal(await page.getByTestId('cosignature').getAttribute('data-state'), 'verified');
    assert.equal(await page.getByTestId('consistency').getAttribute('data-state'), 'first-visit');
    await page.locator('[data-testid="tiles-state"][data-state="verified"]').waitFor();
    await page.locator('[data-testid="growth-chart"] svg').waitFor();
    await page.screenshot({ path: join(shots, 'explorer-log.png'), fullPage: true });
    // Readable on a phone: nothing wider than the screen.
    await page.setViewportSize({ width: 390, height: 844 });
    assert.equal(await page.evaluate<boolean>('document.documentElement.scrollWidth <= window.innerWidth'), true);
    // The log grows; the next visit checks the consistency proof.
    await new RekorClient(f.url).submit(hashedRekord(key, 'release later'));
    await page.reload();
    assert.equal(await page.getByTestId('consistency').getAttribute('data-state'), 'consistent');
    await context.close();
  });

  it('says failed when the log serves a tampered inclusion proof or checkpoint', async () => {
    const { context, page } = await pinnedVisitor();
    const uuid = uuids[1] as string;
    f.proxy.fault = (req) =>
      req.url.startsWith(`/api/v1/log/entries/${uuid}`)
        ? {
            kind: 'rewrite',
            body: (b) => {
              const v = JSON.parse(b.toString('utf8')) as Record<string, any>;
              const p = v[Object.keys(v)[0] as string].verification.inclusionProof;
              p.hashes[0] = 'ab'.repeat(32);
              return Buffer.from(JSON.stringify(v));
            },
          }
        : undefined;
    await page.goto(`${f.url}/#/entry/${uuid}`);
    const entry = await badgeOf(page);
    assert.equal(entry.state, 'failed');
    assert.match(entry.reason, /couldn't verify inclusion: computed root/);

    f.proxy.fault = (req) =>
      req.url === '/checkpoint'
        ? {
            kind: 'rewrite',
            body: (b) => {
              const lines = b.toString('utf8').split('\n');
              lines[1] = String(Number(lines[1]) + 1);
              return Buffer.from(lines.join('\n'));
            },
          }
        : undefined;
    await page.goto(`${f.url}/#/log`);
    const log = await badgeOf(page);
    assert.equal(log.state, 'failed');
    assert.match(log.reason, /signature by .* does not verify/);
    await context.close();
  });

  it('warns when the log rewinds or forks under the same URL and keys', async () => {
    const { context, page } = await pinnedVisitor();
    await page.goto(`${f.url}/#/log`);
    assert.equal(await page.getByTestId('consistency').getAttribute('data-state'), 'first-visit');
    const seen = Number(await page.getByTestId('checkpoint-size').textContent());
    // Log 1: the same identity, a shorter history.
    f.serve(1);
    const other = new RekorClient(f.url);
    await other.submit(hashedRekord(key, 'another history 0'));
    await page.reload();
    await page.getByTestId('fork-warning').waitFor();
    assert.match((await page.getByTestId('fork-warning').textContent()) ?? '', new RegExp(`smaller than the ${seen}`));
    // Log 1 grows past what was seen: a longer tree that does not contain it.
    for (let i = 1; i <= seen; i++) await other.submit(hashedRekord(key, `another history ${i}`));
    await page.reload();
    await page.getByTestId('fork-warning').waitFor();
    assert.match((await page.getByTestId('fork-warning').textContent()) ?? '', /couldn't verify consistency/);
    assert.equal((await badgeOf(page)).state, 'failed');
    // An entry page says so too.
    await page.goto(`${f.url}/#/entry/0`);
    assert.match((await badgeOf(page)).reason, /does not extend the one this browser saw/);
    // Back to the log it saw: consistent again.
    f.serve(0);
    await page.goto(`${f.url}/#/log`);
    await page.reload();
    assert.equal(await page.getByTestId('consistency').getAttribute('data-state'), 'consistent');
    await context.close();
  });
});
