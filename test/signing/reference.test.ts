/**
 * The normalization of docker references that legacy signatures name.
 */
import assert from 'node:assert/strict';
import { normalizeRepository, sameRepository } from '../../src/signing/index.js';

describe('normalizeRepository', () => {
  it('drops tags and digests and spells Docker Hub one way', () => {
    assert.equal(normalizeRepository('registry.example:5000/team/app:v1'), 'registry.example:5000/team/app');
    assert.equal(normalizeRepository(`localhost/app@sha256:${'0'.repeat(64)}`), 'localhost/app');
    assert.equal(normalizeRepository('index.docker.io/library/alpine'), 'docker.io/library/alpine');
    assert.equal(normalizeRepository('alpine:3'), 'docker.io/library/alpine');
    assert.equal(normalizeRepository('user/app'), 'docker.io/user/app');
    assert.equal(normalizeRepository('Registry.Example/app'), 'registry.example/app');
  });

  it('matches repositories, not prefixes', () => {
    assert.ok(sameRepository('index.docker.io/library/alpine', 'alpine'));
    assert.ok(!sameRepository('r.example/app', 'r.example/app2'));
    assert.ok(!sameRepository('r.example/team/app', 'r.example/app'));
    assert.ok(!sameRepository('', 'r.example/app'));
  });
});
