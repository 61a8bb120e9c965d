import assert from 'node:assert/strict';
import { compileImagePattern, normalizePattern } from '../../src/policy/index.js';
import { parseImageReference, repositoryName } from '../../src/oci/index.js';

/** Does `pattern` match the normalized name of reference `ref`? */
function matches(pattern: string, ref: string): boolean {
  return compileImagePattern(pattern).matches(repositoryName(parseImageReference(ref)));
}

describe('image patterns', () => {
  describe('when the pattern has *', () => {
    it('matches within one path segment', () => {
      assert.equal(matches('registry.example:5000/team/*', 'registry.example:5000/team/app:v1'), true);
      assert.equal(matches('registry.example:5000/team/*', 'registry.example:5000/team/app@sha256:' + 'a'.repeat(64)), true);
    });
    it('does not cross a /', () => {
      assert.equal(matches('registry.example:5000/team/*', 'registry.example:5000/team/app/sub'), false);
      assert.equal(matches('registry.example:5000/*', 'registry.example:5000/team/app'), false);
    });
    it('matches part of a segment', () => {
      assert.equal(matches('registry.example/team/app-*', 'registry.example/team/app-web'), true);
      assert.equal(matches('registry.example/team/app-*', 'registry.example/team/web-app'), false);
    });
  });

  describe('when the pattern has **', () => {
    it('matches across segments', () => {
      assert.equal(matches('registry.example/team/**', 'registry.example/team/app'), true);
      assert.equal(matches('registry.example/team/**', 'registry.example/team/a/b/c'), true);
      assert.equal(matches('**', 'registry.example/x'), true);
      assert.equal(matches('registry.example/team/**', 'registry.example/other/app'), false);
    });
  });

  describe('when the pattern has ?', () => {
    it('matches one character, never /', () => {
      assert.equal(matches('registry.example/app?', 'registry.example/app1'), true);
      assert.equal(matches('registry.example/app?', 'registry.example/app12'), false);
    });
  });

  describe('Docker Hub names', () => {
    it('normalizes patterns as references are: docker.io, library/', () => {
      assert.equal(normalizePattern('nginx'), 'docker.io/library/nginx');
      assert.equal(normalizePattern('team/*'), 'docker.io/team/*');
      assert.equal(normalizePattern('index.docker.io/team/app'), 'docker.io/team/app');
      assert.equal(normalizePattern('localhost/app'), 'localhost/app');
      assert.equal(normalizePattern('*/team/app'), '*/team/app');
    });
    it('matches short references against normalized patterns', () => {
      assert.equal(matches('nginx', 'nginx:1.27'), true);
      assert.equal(matches('docker.io/library/*', 'alpine'), true);
      assert.equal(matches('team/*', 'docker.io/team/app'), true);
      assert.equal(matches('team/*', 'registry.example/team/app'), false);
    });
  });

  it('is literal for regular-expression characters', () => {
    assert.equal(matches('registry.example/a.b', 'registry.example/a.b'), true);
    assert.equal(matches('registry.example/a.b', 'registry.example/axb'), false);
  });

  describe('when the pattern is not one', () => {
    for (const [pattern, why] of [
      ['', /empty/],
      ['registry.example/app:v1', /has a tag/],
      ['registry.example/app@sha256:' + 'a'.repeat(64), /digest/],
      ['registry.example/a b', /characters/],
      ['registry.example/[ab]', /characters/],
    ] as const) {
      it(`refuses ${JSON.stringify(pattern)}`, () => {
        assert.throws(() => compileImagePattern(pattern), why);
      });
    }
  });
});
