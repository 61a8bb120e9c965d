import assert from 'node:assert/strict';
import { isLogError } from '../../src/errors.js';
import { parseManifests, workloadImages } from '../../src/kube/index.js';

describe('parseManifests', () => {
  it('reads every document, skips empty ones, flattens Lists, and keeps names, namespaces and lines', () => {
    const text = [
      '# a comment only document',
      '---',
      'apiVersion: apps/v1',
      'kind: Deployment',
      'metadata: {name: web, namespace: prod}',
      'spec: {template: {spec: {containers: [{name: app, image: "r/web:1"}]}}}',
      '---',
      '---',
      'apiVersion: v1',
      'kind: List',
      'items:',
      '  - {apiVersion: v1, kind: Pod, metadata: {generateName: job-}, spec: {containers: [{name: a, image: "r/a:1"}]}}',
      '  - {apiVersion: v1, kind: ConfigMap, metadata: {name: cfg}}',
      '---',
      '{"apiVersion": "batch/v1", "kind": "CronJob", "metadata": {"name": "nightly"}, "spec": {"jobTemplate": {"spec": {"template": {"spec": {"containers": [{"name": "c", "image": "r/c:1"}]}}}}}}',
    ].join('\n');
    const objects = parseManifests(text, 'all.yaml');
    assert.deepEqual(
      objects.map((o) => [o.kind, o.name, o.namespace, o.line, o.source]),
      [
        ['Deployment', 'web', 'prod', 3, 'all.yaml'],
        ['Pod', 'job-', undefined, 9, 'all.yaml'],
        ['ConfigMap', 'cfg', undefined, 9, 'all.yaml'],
        ['CronJob', 'nightly', undefined, 15, 'all.yaml'],
      ],
    );
    assert.deepEqual(objects.flatMap((o) => workloadImages(o.object, o.kind).map((w) => w.image)), ['r/web:1', 'r/a:1', 'r/c:1']);
  });

  describe('when given what kubectl would not apply', () => {
    const cases: Array<[string, string, RegExp]> = [
      ['broken YAML', 'kind: Pod\nspec: [\n', /couldn't read m.yaml: line \d+/],
      ['a scalar document', 'just text\n', /line 1 is not a Kubernetes object/],
      ['a sequence document', '- a\n- b\n', /is not a Kubernetes object/],
      ['an object without kind', 'apiVersion: v1\nmetadata: {name: x}\n', /has no kind/],
      ['a List item without kind', 'kind: List\nitems: [{apiVersion: v1}]\n', /has no kind/],
    ];
    for (const [what, text, message] of cases) {
      it(`refuses ${what} with BAD_REQUEST naming the file`, () => {
        assert.throws(() => parseManifests(text, 'm.yaml'), (err: unknown) => isLogError(err, 'BAD_REQUEST') && message.test(err.message));
      });
    }
    it('refuses a billion-laughs alias bomb instead of expanding it', () => {
      const bomb = ['a: &a ["x","x","x","x","x","x","x","x","x","x"]', ...Array.from({ length: 8 }, (_, i) => `${String.fromCharCode(98 + i)}: &${String.fromCharCode(98 + i)} [*${String.fromCharCode(97 + i)},*${String.fromCharCode(97 + i)},*${String.fromCharCode(97 + i)},*${String.fromCharCode(97 + i)},*${String.fromCharCode(97 + i)},*${String.fromCharCode(97 + i)},*${String.fromCharCode(97 + i)},*${String.fromCharCode(97 + i)},*${String.fromCharCode(97 + i)},*${String.fromCharCode(97 + i)}]`), 'kind: Pod'].join('\n');
      assert.throws(() => parseManifests(bomb, 'bomb.yaml'), (err: unknown) => err instanceof Error);
    });
  });
});
