import assert from 'node:assert/strict';
import { respond, workloadImages, type ImageOutcome } from '../../src/kube/index.js';
import type { ImageVerdict } from '../../src/policy/index.js';
import { applyReplacePatch, workload } from '../support/kube-objects.js';

const D1 = `sha256:${'1'.repeat(64)}`;
const D2 = `sha256:${'2'.repeat(64)}`;

/** The pod's images, each with the verdict `verdicts[image]` gives. */
function outcomesOf(obj: Record<string, unknown>, verdicts: Record<string, Omit<ImageVerdict, 'image' | 'cached'>>): ImageOutcome[] {
  return workloadImages(obj).map((at) => ({ at, verdict: { image: at.image, cached: false, ...verdicts[at.image]! } }));
}

const allow = (digest: string) => ({ decision: 'allow' as const, digest, reasons: [] });
const deny = (code: 'UNSIGNED' | 'REGISTRY_ERROR' | 'TIMEOUT', message: string) => ({ decision: 'deny' as const, reasons: [{ code, message }] });

describe('respond', () => {
  const pod = workload('Pod', 'p', 'ns', { containers: ['r/a:1', 'r/b:1'], initContainers: [`r/c@${D2}`] });

  it('allows and, for /mutate, pins each verified tag to its digest (applied: every image pinned)', () => {
    const outcomes = outcomesOf(pod, { 'r/a:1': allow(D1), 'r/b:1': { ...allow(D2), decision: 'warn', reasons: [{ code: 'UNSIGNED', message: 'r/b:1 has no signature' }] }, [`r/c@${D2}`]: allow(D2) });
    const { response, verdict } = respond('u1', outcomes, { failOpen: false, mutate: true });
    assert.equal(verdict, 'warn');
    assert.equal(response.allowed, true);
    assert.deepEqual(response.warnings, ['image policy (warn mode) would deny containers[1] "app1" image r/b:1: UNSIGNED: r/b:1 has no signature']);
    assert.equal(response.patchType, 'JSONPatch');
    const patch: unknown = JSON.parse(Buffer.from(response.patch!, 'base64').toString('utf8'));
    assert.deepEqual(patch, [
      { op: 'replace', path: '/spec/containers/0/image', value: `r/a:1@${D1}` },
      { op: 'replace', path: '/spec/containers/1/image', value: `r/b:1@${D2}` },
    ]);
    assert.deepEqual(workloadImages(applyReplacePatch(pod, patch)).map((w) => w.image), [`r/a:1@${D1}`, `r/b:1@${D2}`, `r/c@${D2}`]);
  });

  it('sends no patch from /validate, nor when nothing needs pinning', () => {
    const outcomes = outcomesOf(pod, { 'r/a:1': allow(D1), 'r/b:1': allow(D2), [`r/c@${D2}`]: allow(D2) });
    assert.deepEqual(respond('u', outcomes, { failOpen: false, mutate: false }).response, { uid: 'u', allowed: true });
    const exempt = outcomesOf(pod, Object.fromEntries(['r/a:1', 'r/b:1', `r/c@${D2}`].map((i) => [i, { decision: 'allow' as const, exempt: true, reasons: [] }])));
    assert.deepEqual(respond('u', exempt, { failOpen: false, mutate: true }).response, { uid: 'u', allowed: true });
  });

  it('denies with 403 naming every refused image, its container and reason', () => {
    const outcomes = outcomesOf(pod, { 'r/a:1': deny('UNSIGNED', 'r/a:1: no signature'), 'r/b:1': allow(D2), [`r/c@${D2}`]: deny('REGISTRY_ERROR', 'r/c: connection refused') });
    const { response, verdict } = respond('u2', outcomes, { failOpen: false, mutate: true });
    assert.equal(verdict, 'deny');
    assert.equal(response.allowed, false);
    assert.equal(response.patch, undefined);
    assert.equal(response.status?.code, 403);
    assert.match(response.status!.message, /containers\[0\] "app0" image r\/a:1: UNSIGNED: r\/a:1: no signature/);
    assert.match(response.status!.message, /initContainers\[0\] "init0" image r\/c@sha256:2+: REGISTRY_ERROR: r\/c: connection refused/);
    assert.doesNotMatch(response.status!.message, /r\/b:1/);
  });

  it('fails closed on errors, naming them; --fail-open allows them with a warning but still denies refusals', () => {
    const errors = outcomesOf(pod, { 'r/a:1': deny('TIMEOUT', 'r/a:1: deadline'), 'r/b:1': allow(D2), [`r/c@${D2}`]: allow(D2) });
    const closed = respond('u', errors, { failOpen: false, mutate: true });
    assert.equal(closed.verdict, 'error');
    assert.match(closed.response.status!.message, /could not be checked \(failing closed\).*TIMEOUT/);
    const open = respond('u', errors, { failOpen: true, mutate: true });
    assert.equal(open.verdict, 'fail_open');
    assert.equal(open.response.allowed, true);
    assert.match(open.response.warnings![0]!, /allowed by --fail-open: containers\[0\] "app0" image r\/a:1: TIMEOUT/);
    // the unverified image is left as written; the verified one is pinned
    const patch: unknown = JSON.parse(Buffer.from(open.response.patch!, 'base64').toString('utf8'));
    assert.deepEqual(patch, [{ op: 'replace', path: '/spec/containers/1/image', value: `r/b:1@${D2}` }]);
    const mixed = outcomesOf(pod, { 'r/a:1': deny('TIMEOUT', 'deadline'), 'r/b:1': deny('UNSIGNED', 'no signature'), [`r/c@${D2}`]: allow(D2) });
    assert.equal(respond('u', mixed, { failOpen: true, mutate: false }).response.allowed, false);
  });
});
