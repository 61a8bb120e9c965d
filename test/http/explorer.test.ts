/**
 * The explorer's static route (src/http/routes/explorer.ts): `/` and
 * `/assets/*` from a built directory, with ETag revalidation, the content
 * security policy, and nothing outside the directory.
 */
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import request from 'supertest';
import { EXPLORER_CSP } from '../../src/http/routes/explorer.js';
import { testApp } from '../support/http.js';

describe('explorer route', () => {
  let dir: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'cairn-www-'));
    mkdirSync(join(dir, 'web'));
    writeFileSync(join(dir, 'index.html'), '<!doctype html><title>x</title>');
    writeFileSync(join(dir, 'web', 'main.js'), 'export {};\n');
    writeFileSync(join(dir, 'style.css'), 'body{}');
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('serves the page at / and its files under /assets/, with an ETag, no-cache and the CSP', async () => {
    const { app } = await testApp({ explorerDir: dir });
    const page = await request(app).get('/').expect(200);
    assert.match(page.headers['content-type'] ?? '', /^text\/html/);
    assert.equal(page.headers['content-security-policy'], EXPLORER_CSP);
    assert.match(EXPLORER_CSP, /default-src 'none'; script-src 'self'/);
    assert.equal(page.headers['cache-control'], 'no-cache');
    assert.equal(page.headers['x-content-type-options'], 'nosniff');
    const js = await request(app).get('/assets/web/main.js').expect(200);
    assert.match(js.headers['content-type'] ?? '', /^text\/javascript/);
    assert.equal(js.text, 'export {};\n');
    await request(app).get('/assets/style.css').expect(200).expect('Content-Type', /text\/css/);
    const etag = js.headers['etag'] as string;
    await request(app).get('/assets/web/main.js').set('If-None-Match', etag).expect(304);
    await request(app).get('/assets/web/main.js').set('If-None-Match', '"other"').expect(200);
  });

  it('answers 404 JSON for files outside the directory or missing, and when the explorer is not built', async () => {
    const { app } = await testApp({ explorerDir: dir });
    for (const path of ['/assets/../index.html', '/assets/%2e%2e/package.json', '/assets/nope.js', '/assets/', '/assets/web']) {
      const res = await request(app).get(path);
      assert.equal(res.status, 404, path);
      assert.equal(res.body.error, 'NOT_FOUND', path);
    }
    const { app: unbuilt } = await testApp({ explorerDir: join(dir, 'missing') });
    const res = await request(unbuilt).get('/').expect(404);
    assert.match(res.body.message, /not built .*npm run build/);
  });
});
