import assert from 'node:assert/strict';
import { isLogError } from '../../src/errors.js';
import { admissionReviewResponse, parseAdmissionReview, parseAdmissionReviewText } from '../../src/kube/index.js';
import { WORKLOAD_KINDS, admissionReview, workload } from '../support/kube-objects.js';

describe('parseAdmissionReview', () => {
  describe('when given reviews as the apiserver sends them', () => {
    for (const kind of WORKLOAD_KINDS) {
      for (const operation of ['CREATE', 'UPDATE'] as const) {
        it(`reads a ${operation} of a ${kind}`, () => {
          const obj = workload(kind, 'web', 'prod', { containers: ['r/a:1'] });
          const body = admissionReview(obj, { operation, uid: 'u-1', dryRun: operation === 'UPDATE' });
          const req = parseAdmissionReview(JSON.parse(JSON.stringify(body)));
          assert.deepEqual(
            { ...req, object: undefined },
            { uid: 'u-1', kind, resource: (body['request'] as { resource: { resource: string } }).resource.resource, subResource: '', operation, namespace: 'prod', name: 'web', object: undefined, dryRun: operation === 'UPDATE' },
          );
          assert.deepEqual(req.object, obj);
        });
      }
    }
    it('reads the pods/ephemeralcontainers subresource', () => {
      const pod = workload('Pod', 'p', 'ns', { containers: ['r/a:1'], ephemeralContainers: ['r/dbg:1'] });
      const req = parseAdmissionReview(admissionReview(pod, { operation: 'UPDATE', subResource: 'ephemeralcontainers' }));
      assert.equal(req.subResource, 'ephemeralcontainers');
      assert.equal(req.kind, 'Pod');
    });
    it('reads a DELETE without an object', () => {
      const req = parseAdmissionReview(admissionReview(workload('Pod', 'p', 'ns', { containers: [] }), { operation: 'DELETE' }));
      assert.equal(req.object, undefined);
    });
  });

  describe('when given malformed bodies', () => {
    const good = (): Record<string, any> => JSON.parse(JSON.stringify(admissionReview(workload('Pod', 'p', 'ns', { containers: ['r/a:1'] }))));
    const cases: Array<[string, unknown, RegExp]> = [
      ['an array', [], /must be a JSON object/],
      ['null', null, /must be a JSON object/],
      ['v1beta1', { ...good(), apiVersion: 'admission.k8s.io/v1beta1' }, /apiVersion must be admission.k8s.io\/v1/],
      ['another kind', { ...good(), kind: 'Pod' }, /kind must be AdmissionReview/],
      ['no request', { ...good(), request: undefined }, /request is missing/],
      ['a request that is a string', { ...good(), request: 'x' }, /request must be an object/],
      ['no uid', (() => { const b = good(); delete b.request.uid; return b; })(), /request.uid is missing/],
      ['an empty uid', (() => { const b = good(); b.request.uid = ''; return b; })(), /request.uid is empty/],
      ['a numeric uid', (() => { const b = good(); b.request.uid = 5; return b; })(), /request.uid must be a string/],
      ['an unknown operation', (() => { const b = good(); b.request.operation = 'PATCH'; return b; })(), /request.operation must be/],
      ['no kind', (() => { const b = good(); delete b.request.kind; return b; })(), /request.kind is missing/],
      ['a kind without kind', (() => { const b = good(); b.request.kind = {}; return b; })(), /request.kind.kind is missing/],
      ['a CREATE without object', (() => { const b = good(); b.request.object = null; return b; })(), /request.object is missing/],
      ['an object that is an array', (() => { const b = good(); b.request.object = []; return b; })(), /request.object must be an object/],
      ['a string dryRun', (() => { const b = good(); b.request.dryRun = 'true'; return b; })(), /request.dryRun must be a boolean/],
      ['a numeric namespace', (() => { const b = good(); b.request.namespace = 1; return b; })(), /request.namespace must be a string/],
    ];
    for (const [what, body, message] of cases) {
      it(`refuses ${what} with BAD_REQUEST`, () => {
        assert.throws(() => parseAdmissionReview(body), (err: unknown) => isLogError(err, 'BAD_REQUEST') && message.test(err.message));
      });
    }
    it('refuses text that is not JSON with BAD_REQUEST', () => {
      assert.throws(() => parseAdmissionReviewText('{"apiVersion":'), (err: unknown) => isLogError(err, 'BAD_REQUEST') && /not valid JSON/.test(err.message));
    });
  });

  it('answers with apiVersion admission.k8s.io/v1 and kind AdmissionReview', () => {
    assert.deepEqual(admissionReviewResponse({ uid: 'u', allowed: true }), { apiVersion: 'admission.k8s.io/v1', kind: 'AdmissionReview', response: { uid: 'u', allowed: true } });
  });
});
