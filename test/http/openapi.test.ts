/**
 * openapi.yaml is the contract: every route the app registers is in it, and
 * real responses of every operation (successes and errors) validate against
 * the response schemas it declares, compiled by the same loader the server uses.
 */
import assert from 'node:assert/strict';
import request from 'supertest';
import { STATUS } from '../../src/http/index.js';
import { loadApiSpec } from '../../src/api/index.js';
import { rawEntry } from '../support/test-log.js';
import { createApp } from '../../src/http/index.js';
import { ADMIN_TOKEN, adminAccess, dsseEntry, dsseV2, ecKey, hashedRekord, hashedRekordV2, intotoEntry, testApp } from '../support/http.js';

const api = loadApiSpec();

/** The operation whose path template matches a concrete request path; the most literal template wins. */
function operationFor(method: string, path: string): string | undefined {
  const hits = api.operations().filter((op) => {
    const re = new RegExp(`^${op.path.replace(/\./g, '\\.').replace(/\{N\}/g, '(?:x[0-9]{3}/)*[0-9]{3}').replace(/\{[^}]+\}/g, '[^/]+')}$`);
    return op.method === method.toLowerCase() && re.test(path);
  });
  hits.sort((a, b) => a.path.split('{').length - b.path.split('{').length);
  return hits[0]?.operationId;
}

describe('openapi.yaml', () => {
  describe('the document', () => {
    it('is OpenAPI 3.1 with a unique operationId per operation', () => {
      assert.match(String(api.doc['openapi']), /^3\.1\./);
      const ids = api.operations().map((o) => o.operationId);
      assert.equal(new Set(ids).size, ids.length);
    });

    it('lists exactly the error codes of the status table', () => {
      const schema = (api.doc as any).components.schemas.Error.properties.error.enum as string[];
      assert.deepEqual([...schema].sort(), Object.keys(STATUS).sort());
    });

    it('documents every route the app registers', async () => {
      const { app } = await testApp();
      const documented = new Set(api.operations().map((o) => `${o.method.toUpperCase()} ${o.path}`));
      const routes = app.routes.map((r) => `${r.method} ${r.path}`);
      assert.ok(routes.length >= 12, `found the routes (${routes.length})`);
      const matched = new Set<string>();
      for (const r of routes) {
        // A prefix route (the tiles') must cover documented paths; any other route must be documented as is.
        const prefix = r.endsWith('/*') ? r.slice(0, -1) : undefined;
        const hits = prefix !== undefined ? [...documented].filter((d) => d.startsWith(prefix)) : documented.has(r) ? [r] : [];
        assert.ok(hits.length > 0, `${r} is in openapi.yaml`);
        for (const h of hits) matched.add(h);
      }
      assert.deepEqual([...documented].filter((d) => !matched.has(d)), [], 'and nothing else is');
    });

    it('is served at GET /openapi.yaml', async () => {
      const { app } = await testApp();
      const res = await request(app).get('/openapi.yaml').expect(200).expect('Content-Type', /application\/yaml/);
      assert.equal(res.text, api.text);
    });
  });

  describe('real responses', () => {
    it('validate against the declared response schemas, for every operation', async () => {
      const { t, app } = await testApp({ maxSearchItems: 3 });
      const key = ecKey();
      const created = await request(app).post('/api/v1/log/entries').send(hashedRekord(key, 'doc')).expect(201);
      await request(app).post('/api/v1/log/entries').send(dsseEntry(key, '{"a":1}')).expect(201);
      await request(app).post('/api/v1/log/entries').send(intotoEntry(key, '{"b":2}')).expect(201);
      await t.log.submit(rawEntry('raw'));
      const v2Doc = hashedRekordV2(key, 'v2 doc');
      await request(app).post('/api/v2/log/entries').send(v2Doc).expect(201);
      await request(app).post('/api/v2/log/entries').send(dsseV2(key, '{"v2":1}')).expect(201);
      const id = created.headers['etag']!;
      const digest = (hashedRekord(key, 'doc') as any).spec.data.hash.value as string;

      const calls: Array<[string, string, unknown?]> = [
        ['GET', '/api/v1/log'],
        ['GET', '/api/v1/log/publicKey'],
        ['GET', '/api/v1/log/publicKey?treeID=1'],
        ['GET', '/api/v1/log/vkey'],
        ['GET', '/api/v1/log/trusted-root'],
        ['GET', '/api/v1/log/proof?firstSize=1&lastSize=4'],
        ['GET', '/api/v1/log/proof?firstSize=3&lastSize=2'],
        ['GET', '/api/v1/log/proof'],
        ['POST', '/api/v1/log/entries', hashedRekord(key, 'another')],
        ['POST', '/api/v1/log/entries', hashedRekord(key, 'doc', { signature: (created.body[id] as any).verification.signedEntryTimestamp })],
        ['POST', '/api/v1/log/entries', { kind: 'x' }],
        ['POST', '/api/v1/log/entries', { apiVersion: '1.0.0', kind: 'x', spec: {} }],
        ['GET', '/api/v1/log/entries?logIndex=0'],
        ['GET', '/api/v1/log/entries?logIndex=99'],
        ['GET', '/api/v1/log/entries?logIndex=x'],
        ['GET', `/api/v1/log/entries/${id}`],
        ['GET', `/api/v1/log/entries/${'ab'.repeat(32)}`],
        ['GET', '/api/v1/log/entries/nope'],
        ['POST', '/api/v1/log/entries/retrieve', { entryUUIDs: [id], logIndexes: [1, 3] }],
        ['POST', '/api/v1/log/entries/retrieve', { logIndexes: [0, 1, 2, 3] }],
        ['POST', '/api/v1/index/retrieve', { hash: `sha256:${digest}` }],
        ['POST', '/api/v1/index/retrieve', {}],
        ['GET', '/checkpoint'],
        ['GET', '/api/v1/log/checkpoints?from=1&limit=2'],
        ['GET', '/api/v1/log/checkpoints?limit=0'],
        ['GET', '/api/v1/log/checkpoints/2'],
        ['GET', '/api/v1/log/checkpoints/99'],
        ['GET', '/metrics'],
        ['GET', '/tile/0/000'],
        ['GET', '/tile/0/000.p/4'],
        ['GET', '/tile/0/000.p/300'],
        ['GET', '/tile/entries/000'],
        ['GET', '/tile/entries/000.p/4'],
        ['GET', '/healthz'],
        ['GET', '/readyz'],
        ['GET', '/openapi.yaml'],
        ['GET', '/'],
        ['GET', '/assets/style.css'],
        ['GET', '/assets/nope.css'],
        ['POST', '/api/v1/admin/tokens/reload', {}], // 403: no tokens, so no admin
        ['POST', '/api/v1/admin/witnesses/reload', {}],
        ['GET', '/api/v1/log/signing-config'],
        ['POST', '/api/v2/log/entries', hashedRekordV2(key, 'v2 another')],
        ['POST', '/api/v2/log/entries', v2Doc],
        ['POST', '/api/v2/log/entries', {}],
        ['POST', '/api/v2/log/entries', { hashedRekordRequestV002: { digest: 'AA==', signature: {} } }],
        ['GET', '/api/v2/checkpoint'],
        ['GET', '/api/v2/tile/0/000'],
        ['GET', '/api/v2/tile/0/000.p/2'],
        ['GET', '/api/v2/tile/entries/000'],
        ['GET', '/api/v2/tile/entries/000.p/2'],
        ['GET', '/api/v1/admin-log'], // 404 from here on: this app keeps no admin log
        ['GET', '/api/v1/admin-log/checkpoint'],
        ['GET', '/api/v1/admin-log/tile/0/000'],
        ['GET', '/api/v1/admin-log/tile/0/000.p/4'],
        ['GET', '/api/v1/admin-log/tile/entries/000'],
        ['GET', '/api/v1/admin-log/tile/entries/000.p/4'],
      ];
      // The duplicate needs the exact entry again.
      calls.push(['POST', '/api/v1/log/entries', hashedRekord(key, 'doc', { signature: (JSON.parse(Buffer.from((created.body[id] as any).body, 'base64').toString()) as any).spec.signature.content })]);

      // Then the tree operations, last: they change the log. The frozen tree is read under its prefix.
      const frozenTree = t.log.identity.treeId;
      calls.push(
        ['POST', '/api/v1/admin/rotate', {}],
        ['GET', '/api/v1/log'],
        ['GET', `/shard/${frozenTree}/checkpoint`],
        ['GET', '/shard/1/checkpoint'],
        ['GET', `/shard/${frozenTree}/tile/0/000`],
        ['POST', '/api/v1/admin/freeze', {}],
        ['POST', '/api/v1/admin/rotate', {}],
      );

      const covered = new Set<string>();
      const statuses = new Set<string>();
      // Admin operations need role admin: the same log behind access control, with an admin token.
      const admin = createApp({ log: t.log, maxRequestBytes: 1 << 20, access: adminAccess() });
      for (const [method, url, body] of calls) {
        const req =
          method === 'GET'
            ? request(app).get(url)
            : url.startsWith('/api/v1/admin/') && url !== '/api/v1/admin/tokens/reload'
              ? request(admin).post(url).set('Authorization', `Bearer ${ADMIN_TOKEN}`).send(body as object)
              : request(app).post(url).send(body as object);
        const res = await req;
        const op = operationFor(method, url.split('?')[0]!);
        assert.ok(op, `${method} ${url} is a documented operation`);
        const media = (res.headers['content-type'] ?? '').split(';')[0]!.trim();
        assert.ok(api.documentsResponse(op, res.status, media), `${op} documents ${res.status} ${media}`);
        const validate = api.responseValidator(op, res.status, media);
        if (media !== 'application/octet-stream') {
          assert.ok(validate, `${op} has a schema for ${res.status} ${media}`);
          const value = media === 'application/json' ? res.body : res.text;
          assert.ok(validate(value), `${method} ${url} → ${res.status}: ${JSON.stringify(validate.errors)}`);
        }
        covered.add(op);
        statuses.add(`${op} ${res.status}`);
      }
      for (const op of api.operations()) assert.ok(covered.has(op.operationId), `${op.operationId} was exercised`);
      for (const s of ['createLogEntry 201', 'createLogEntry 409', 'createLogEntry 422', 'createLogEntry 400', 'searchLogQuery 422', 'getLogEntryByUUID 404', 'createRekorV2Entry 201', 'createRekorV2Entry 409', 'createRekorV2Entry 400', 'rotateLog 200', 'rotateLog 503', 'freezeLog 200', 'getShardCheckpoint 200', 'getShardCheckpoint 404']) {
        assert.ok(statuses.has(s), `${s} was exercised`);
      }
    });
  });
});
