import assert from 'node:assert/strict';
import { POD_SPEC_PATHS, describeContainer, workloadImages } from '../../src/kube/index.js';
import { WORKLOAD_KINDS, applyReplacePatch, workload } from '../support/kube-objects.js';

const PREFIX: Record<string, string> = {
  Pod: '/spec',
  Deployment: '/spec/template/spec',
  ReplicaSet: '/spec/template/spec',
  StatefulSet: '/spec/template/spec',
  DaemonSet: '/spec/template/spec',
  Job: '/spec/template/spec',
  CronJob: '/spec/jobTemplate/spec/template/spec',
};

describe('workloadImages', () => {
  it('knows exactly the kinds with a pod spec', () => {
    assert.deepEqual(Object.keys(POD_SPEC_PATHS).sort(), [...WORKLOAD_KINDS].sort());
  });

  for (const kind of WORKLOAD_KINDS) {
    describe(`when given a ${kind}`, () => {
      const obj = workload(kind, 'web', 'prod', { containers: ['r/app:1', 'r/side:2'], initContainers: ['r/init:3'], ephemeralContainers: ['r/debug:4'] });
      const found = workloadImages(obj);

      it('finds containers, then initContainers, then ephemeralContainers, with their pointers', () => {
        const p = PREFIX[kind];
        assert.deepEqual(
          found.map((w) => [w.image, w.path, w.container]),
          [
            ['r/app:1', `${p}/containers/0/image`, 'app0'],
            ['r/side:2', `${p}/containers/1/image`, 'app1'],
            ['r/init:3', `${p}/initContainers/0/image`, 'init0'],
            ['r/debug:4', `${p}/ephemeralContainers/0/image`, 'debug0'],
          ],
        );
      });

      it('gives pointers that address the image fields (a replace at each changes exactly them)', () => {
        const patch = found.map((w) => ({ op: 'replace', path: w.path, value: `${w.image}-x` }));
        const patched = applyReplacePatch(obj, patch);
        assert.deepEqual(workloadImages(patched).map((w) => w.image), found.map((w) => `${w.image}-x`));
      });
    });
  }

  it('takes the kind from the argument over the object (AdmissionReview request.kind)', () => {
    const pod = workload('Pod', 'p', 'ns', { containers: ['r/a:1'] });
    delete pod['kind'];
    assert.equal(workloadImages(pod).length, 0);
    assert.equal(workloadImages(pod, 'Pod').length, 1);
  });

  describe('when given kinds without a pod spec, or malformed objects', () => {
    const cases: Array<[string, unknown, string | undefined]> = [
      ['a ConfigMap', { kind: 'ConfigMap', data: { image: 'r/a:1' } }, undefined],
      ['a custom resource', { kind: 'Rollout', spec: { template: { spec: { containers: [{ image: 'r/a:1' }] } } } }, undefined],
      ['a kind named like an Object prototype key', { kind: 'constructor', spec: {} }, undefined],
      ['null', null, 'Pod'],
      ['a string', 'Pod', 'Pod'],
      ['a Pod without spec', { kind: 'Pod' }, undefined],
      ['a Pod whose containers is an object', { kind: 'Pod', spec: { containers: { image: 'r/a:1' } } }, undefined],
      ['a Deployment whose template is an array', { kind: 'Deployment', spec: { template: [] } }, undefined],
    ];
    for (const [what, obj, kind] of cases) {
      it(`finds no images in ${what}`, () => assert.deepEqual(workloadImages(obj, kind), []));
    }
    it('skips containers without a string image, keeping the others and their indices', () => {
      const found = workloadImages({ kind: 'Pod', spec: { containers: [{ name: 'a' }, 'x', { name: 'b', image: 7 }, { name: 'c', image: 'r/c:1' }] } });
      assert.deepEqual(found.map((w) => [w.path, describeContainer(w)]), [['/spec/containers/3/image', 'containers[3] "c"']]);
    });
  });
});
