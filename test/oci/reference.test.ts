import assert from 'node:assert/strict';
import { isLogError } from '../../src/errors.js';
import { formatReference, parseImageReference, repositoryName } from '../../src/oci/index.js';

const D = `sha256:${'ab'.repeat(32)}`;

describe('parseImageReference', () => {
  describe('when given valid references', () => {
    const table: Array<[string, { registry: string; repository: string; tag?: string; digest?: string }]> = [
      ['127.0.0.1:5000/app', { registry: '127.0.0.1:5000', repository: 'app' }],
      ['127.0.0.1:5000/team/app:v1.2', { registry: '127.0.0.1:5000', repository: 'team/app', tag: 'v1.2' }],
      [`localhost:5000/app@${D}`, { registry: 'localhost:5000', repository: 'app', digest: D }],
      [`localhost/app:1@${D}`, { registry: 'localhost', repository: 'app', tag: '1', digest: D }],
      ['ghcr.io/org/sub/app:latest', { registry: 'ghcr.io', repository: 'org/sub/app', tag: 'latest' }],
      ['alpine', { registry: 'docker.io', repository: 'library/alpine' }],
      ['alpine:3.20', { registry: 'docker.io', repository: 'library/alpine', tag: '3.20' }],
      ['user/app', { registry: 'docker.io', repository: 'user/app' }],
      ['docker.io/alpine', { registry: 'docker.io', repository: 'library/alpine' }],
      ['index.docker.io/user/app', { registry: 'docker.io', repository: 'user/app' }],
      ['Registry/app', { registry: 'Registry', repository: 'app' }],
      ['[::1]:5000/app', { registry: '[::1]:5000', repository: 'app' }],
      ['example.com/a.b/c_d/e__f/g-h--i', { registry: 'example.com', repository: 'a.b/c_d/e__f/g-h--i' }],
      ['example.com/app:_Tag.-x', { registry: 'example.com', repository: 'app', tag: '_Tag.-x' }],
    ];
    for (const [text, want] of table) {
      it(`parses ${text}`, () => {
        const ref = parseImageReference(text);
        assert.deepEqual({ ...ref }, want);
        assert.deepEqual(parseImageReference(formatReference(ref)), ref);
      });
    }
    it('names the repository without tag or digest', () => {
      assert.equal(repositoryName(parseImageReference(`127.0.0.1:5000/team/app:v1@${D}`)), '127.0.0.1:5000/team/app');
    });
  });

  describe('when given invalid references', () => {
    const bad = [
      '',
      ' app',
      '127.0.0.1:5000/App',
      '127.0.0.1:5000/app:',
      '127.0.0.1:5000/app:-bad',
      `127.0.0.1:5000/app:${'x'.repeat(129)}`,
      '127.0.0.1:5000/app@sha256:abc',
      `127.0.0.1:5000/app@sha512:${'ab'.repeat(64)}`,
      `127.0.0.1:5000/app@SHA256:${'AB'.repeat(32)}`,
      '127.0.0.1:99999/app',
      'bad_host.com/app',
      'example.com/',
      'example.com//app',
      'example.com/app/',
      'example.com/-app',
      'example.com/a...b',
      `example.com/${'a'.repeat(250)}`,
      'http://example.com/app',
    ];
    for (const text of bad) {
      it(`refuses ${JSON.stringify(text.length > 40 ? `${text.slice(0, 40)}…` : text)} with REFERENCE_INVALID`, () => {
        assert.throws(() => parseImageReference(text), (err: unknown) => isLogError(err, 'REFERENCE_INVALID'));
      });
    }
  });
});
