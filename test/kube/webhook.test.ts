/**
 * `cairn admit` end to end: the real process over TLS (a client trusting
 * only the test CA), AdmissionReviews shaped as the apiserver sends them for
 * every workload kind, images in a real registry signed by the real
 * `cairn sign` and logged in a real `cairn serve`. Every verdict comes from
 * verifying what is in the registry and the log.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { generateSigningKeyFiles } from '../../src/keys/index.js';
import { workloadImages } from '../../src/kube/index.js';
import { describeRun } from '../support/cairn-cli.js';
import { startAdmissionWorld, httpsCall, type AdmissionWorld } from '../support/admission-world.js';
import { WORKLOAD_KINDS, admissionReview, applyReplacePatch, workload } from '../support/kube-objects.js';
import { requirePartOrSkip } from '../support/parts.js';
import { freePort, hasRegistry } from '../support/registry.js';
import type { ServerProcess } from '../support/server-process.js';

describe('cairn admit', function () {
  this.timeout(180_000);
  let world: AdmissionWorld;
  let admit: ServerProcess;
  let ca: Buffer;
  let signed: { ref: string; digest: string };
  let signed2: { ref: string; digest: string };
  let unsigned: { ref: string; digest: string };
  let warned: { ref: string; digest: string };

  before(async function () {
    requirePartOrSkip(this, 'REGISTRY', hasRegistry());
    world = await startAdmissionWorld();
    ca = readFileSync(world.ca.certFile);
    [signed, signed2, unsigned, warned] = [
      await world.image('team/web', true),
      await world.image('team/sidecar', true),
      await world.image('team/unsigned', false),
      await world.image('trial/app', false),
    ];
    world.writePolicy(`rules:\n${world.rule('team')}${world.rule('trial', '    mode: warn\n')}default: deny\nexemptNamespaces: [kube-system]\n`);
    admit = await world.admit(['--policy', `${world.w.dir}/policy.yaml`]);
  });
  after(async () => {
    await world?.stop();
  });

  async function review(path: '/validate' | '/mutate', body: unknown, url = admit.url): Promise<any> {
    const r = await httpsCall(url, path, ca, { body: JSON.stringify(body) });
    assert.equal(r.status, 200, r.text);
    assert.equal(r.json.apiVersion, 'admission.k8s.io/v1');
    assert.equal(r.json.kind, 'AdmissionReview');
    return r.json.response;
  }

  for (const kind of WORKLOAD_KINDS) {
    describe(`for a ${kind}`, () => {
      for (const operation of ['CREATE', 'UPDATE'] as const) {
        for (const dryRun of [false, true]) {
          it(`${operation}${dryRun ? ' (dry run)' : ''}: allows signed images; denies an unsigned one, naming it`, async () => {
            const good = workload(kind, 'web', 'prod', { containers: [signed.ref, signed2.ref], initContainers: [signed.ref] });
            const ok = await review('/validate', admissionReview(good, { operation, dryRun, uid: `ok-${kind}-${operation}` }));
            assert.deepEqual(ok, { uid: `ok-${kind}-${operation}`, allowed: true });
            const bad = workload(kind, 'web', 'prod', { containers: [signed.ref], initContainers: [unsigned.ref] });
            const no = await review('/validate', admissionReview(bad, { operation, dryRun, uid: `no-${kind}` }));
            assert.equal(no.uid, `no-${kind}`);
            assert.equal(no.allowed, false);
            assert.equal(no.status.code, 403);
            assert.match(no.status.message, new RegExp(`initContainers\\[0\\] "init0" image ${escape(unsigned.ref)}: UNSIGNED`));
            assert.doesNotMatch(no.status.message, new RegExp(`${escape(signed.ref)}:`));
          });
        }
      }

      it('/mutate: the patch, applied to the object, pins every image to the verified digest', async () => {
        const obj = workload(kind, 'web', 'prod', { containers: [signed.ref, `${signed2.ref.replace(/:v1$/, '')}@${signed2.digest}`], initContainers: [signed.ref] });
        const res = await review('/mutate', admissionReview(obj));
        assert.equal(res.allowed, true);
        assert.equal(res.patchType, 'JSONPatch');
        const patched = applyReplacePatch(obj, JSON.parse(Buffer.from(res.patch, 'base64').toString('utf8')));
        assert.deepEqual(workloadImages(patched).map((w) => w.image), [`${signed.ref}@${signed.digest}`, `${signed2.ref.replace(/:v1$/, '')}@${signed2.digest}`, `${signed.ref}@${signed.digest}`]);
        // and the pinned object is admitted as it is
        assert.deepEqual(await review('/mutate', admissionReview(patched as Record<string, unknown>, { uid: 'again' })), { uid: 'again', allowed: true });
      });
    });
  }

  describe('ephemeral containers (kubectl debug: UPDATE of pods/ephemeralcontainers)', () => {
    it('denies an unsigned debug image and admits (and pins) a signed one', async () => {
      const running = workload('Pod', 'p', 'prod', { containers: [`${signed.ref}@${signed.digest}`] });
      const withDebug = (image: string) => workload('Pod', 'p', 'prod', { containers: [`${signed.ref}@${signed.digest}`], ephemeralContainers: [image] });
      const no = await review('/validate', admissionReview(withDebug(unsigned.ref), { operation: 'UPDATE', subResource: 'ephemeralcontainers', oldObject: running }));
      assert.equal(no.allowed, false);
      assert.match(no.status.message, /ephemeralContainers\[0\] "debug0" image .*UNSIGNED/);
      const yes = await review('/mutate', admissionReview(withDebug(signed2.ref), { operation: 'UPDATE', subResource: 'ephemeralcontainers', oldObject: running }));
      assert.equal(yes.allowed, true);
      assert.deepEqual(JSON.parse(Buffer.from(yes.patch, 'base64').toString('utf8')), [{ op: 'replace', path: '/spec/ephemeralContainers/0/image', value: `${signed2.ref}@${signed2.digest}` }]);
    });
  });

  describe('policy outcomes other than allow and deny', () => {
    it('allows a warn-mode rule\'s failures with warnings, and pins them', async () => {
      const res = await review('/mutate', admissionReview(workload('Deployment', 'trial', 'prod', { containers: [warned.ref] })));
      assert.equal(res.allowed, true);
      assert.equal(res.warnings.length, 1);
      assert.match(res.warnings[0], new RegExp(`warn mode.*${escape(warned.ref)}: UNSIGNED`));
      assert.deepEqual(JSON.parse(Buffer.from(res.patch, 'base64').toString('utf8')), [{ op: 'replace', path: '/spec/template/spec/containers/0/image', value: `${warned.ref}@${warned.digest}` }]);
    });
    it('allows anything in an exempt namespace, unpinned', async () => {
      assert.deepEqual(await review('/mutate', admissionReview(workload('DaemonSet', 'd', 'kube-system', { containers: [unsigned.ref] }), { uid: 'x' })), { uid: 'x', allowed: true });
    });
    it('denies an image signed and logged, but by a key the rule does not trust', async () => {
      const other = generateSigningKeyFiles(`${world.w.dir}/other-signer.pem`);
      const { ref } = await world.w.push('team/other-signer', { tag: 'v1' });
      const r = await world.w.run(['sign', ref, '--key', other.privatePath, ...world.w.signFlags().slice(2)]);
      assert.equal(r.status, 0, describeRun(r));
      const res = await review('/validate', admissionReview(workload('StatefulSet', 's', 'prod', { containers: [ref] })));
      assert.equal(res.allowed, false);
      assert.match(res.status.message, new RegExp(`${escape(ref)}: UNTRUSTED_SIGNER`));
    });
    it('denies an image no rule matches (default deny)', async () => {
      const res = await review('/validate', admissionReview(workload('Pod', 'p', 'prod', { containers: [`${world.w.registry.host}/elsewhere/app:v1`] })));
      assert.equal(res.allowed, false);
      assert.match(res.status.message, /NO_MATCHING_RULE/);
    });
    it('allows DELETE and kinds without images without a look', async () => {
      assert.equal((await review('/validate', admissionReview(workload('Pod', 'p', 'prod', { containers: [unsigned.ref] }), { operation: 'DELETE' }))).allowed, true);
      const cm = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c', namespace: 'prod' }, data: { image: unsigned.ref } };
      const body = admissionReview(workload('Pod', 'p', 'prod', { containers: [] }));
      Object.assign(body['request'] as object, { kind: { group: '', version: 'v1', kind: 'ConfigMap' }, resource: { group: '', version: 'v1', resource: 'configmaps' }, object: cm });
      assert.equal((await review('/validate', body)).allowed, true);
    });
  });

  describe('when the request is not an AdmissionReview', () => {
    const cases: Array<[string, string, string | undefined, number, RegExp]> = [
      ['a body that is not JSON', '{"apiVersion":', undefined, 400, /not valid JSON/],
      ['JSON that is not a review', '{"hello":"world"}', undefined, 400, /apiVersion is missing/],
      ['a v1beta1 review', JSON.stringify({ apiVersion: 'admission.k8s.io/v1beta1', kind: 'AdmissionReview', request: {} }), undefined, 400, /apiVersion must be admission.k8s.io\/v1/],
      ['a review without uid', JSON.stringify({ apiVersion: 'admission.k8s.io/v1', kind: 'AdmissionReview', request: { operation: 'CREATE' } }), undefined, 400, /request.uid is missing/],
      ['a body that is not JSON by its content type', '{}', 'text/plain', 400, /expected a JSON body/],
      ['a body beyond the limit', `{"a":"${'x'.repeat(5 * 1024 * 1024)}"}`, undefined, 413, /exceeds the limit/],
    ];
    for (const [what, body, contentType, status, message] of cases) {
      it(`answers ${what} with ${status} and a JSON error`, async () => {
        const r = await httpsCall(admit.url, '/validate', ca, { body, ...(contentType === undefined ? {} : { contentType }) });
        assert.equal(r.status, status, r.text);
        assert.match(r.json.message, message);
        assert.equal(r.json.code, status);
      });
    }
    it('answers 404 for another path, and stays up', async () => {
      assert.equal((await httpsCall(admit.url, '/nope', ca, { body: '{}' })).status, 404);
      assert.equal((await httpsCall(admit.url, '/healthz', ca)).status, 200);
    });
  });

  describe('/metrics', () => {
    it('counts admissions by verdict, latency, cache hits and misses, in the Prometheus text format', async () => {
      const r = await httpsCall(admit.url, '/metrics', ca);
      assert.equal(r.status, 200);
      assert.match(String(r.headers['content-type']), /^text\/plain; version=0\.0\.4/);
      const value = (series: string): number => Number(new RegExp(`^${escape(series)} (\\S+)$`, 'm').exec(r.text)?.[1] ?? NaN);
      assert.ok(value('cairn_admit_requests_total{endpoint="validate",verdict="allow"}') >= 28, r.text);
      assert.ok(value('cairn_admit_requests_total{endpoint="validate",verdict="deny"}') >= 28, r.text);
      assert.ok(value('cairn_admit_requests_total{endpoint="mutate",verdict="warn"}') >= 1, r.text);
      assert.ok(value('cairn_admit_cache_hits_total') > 0 && value('cairn_admit_cache_misses_total') > 0, r.text);
      assert.ok(value('cairn_admit_bad_requests_total') >= 3, r.text);
      const count = value('cairn_admit_request_duration_seconds_count{endpoint="validate"}');
      assert.equal(value('cairn_admit_request_duration_seconds_bucket{endpoint="validate",le="+Inf"}'), count);
      assert.ok(value('cairn_admit_request_duration_seconds_bucket{endpoint="validate",le="10"}') <= count);
    });
  });

  describe('when the registry cannot be reached', () => {
    let dead: string;
    let hanging: Server;
    const sockets: Socket[] = [];
    let hangHost: string;
    let failOpen: ServerProcess;
    let short: ServerProcess;
    before(async () => {
      dead = `127.0.0.1:${await freePort()}`; // nothing listens there
      hanging = createServer((socket) => void sockets.push(socket)); // accepts and never answers
      await new Promise<void>((r) => hanging.listen(0, '127.0.0.1', r));
      hangHost = `127.0.0.1:${(hanging.address() as { port: number }).port}`;
      const rules = (host: string) => `  - images: ["${host}/**"]\n    keys: ["${world.w.pubFile}"]\n    log: {publicKey: "${world.w.logKeyFile}"}\n    insecureRegistry: true\n`;
      const policy = world.writePolicy(`rules:\n${rules(dead)}${rules(hangHost)}${world.rule('team')}`, `${world.w.dir}/unreachable.yaml`);
      failOpen = await world.admit(['--policy', policy, '--fail-open', '--timeout-ms', '3000']);
      short = await world.admit(['--policy', policy, '--timeout-ms', '3000']);
    });
    after(async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((r) => (hanging === undefined ? r() : hanging.close(() => r())));
    });

    it('fails closed by default, naming the error', async () => {
      const res = await review('/validate', admissionReview(workload('Pod', 'p', 'prod', { containers: [`${dead}/app:v1`, signed.ref] })), short.url);
      assert.equal(res.allowed, false);
      assert.match(res.status.message, new RegExp(`could not be checked.*${escape(dead)}/app:v1: REGISTRY_ERROR`));
    });
    it('allows with a warning under --fail-open (and still pins what it verified)', async () => {
      const res = await review('/mutate', admissionReview(workload('Pod', 'p', 'prod', { containers: [`${dead}/app:v1`, signed.ref] })), failOpen.url);
      assert.equal(res.allowed, true);
      assert.match(res.warnings[0], /allowed by --fail-open: .*REGISTRY_ERROR/);
      assert.equal(res.warnings.length, 1, res.warnings.join('\n'));
      assert.deepEqual(JSON.parse(Buffer.from(res.patch, 'base64').toString('utf8')), [{ op: 'replace', path: '/spec/containers/1/image', value: `${signed.ref}@${signed.digest}` }]);
    });
    it('refuses an image its registry does not have even under --fail-open: a tag pushed later must not run unverified', async () => {
      const missing = `${world.w.registry.host}/team/never-pushed:v1`;
      const res = await review('/validate', admissionReview(workload('Pod', 'p', 'prod', { containers: [missing] })), failOpen.url);
      assert.equal(res.allowed, false);
      assert.match(res.status.message, new RegExp(`${escape(missing)}: IMAGE_NOT_FOUND`));
    });
    it('answers before the apiserver\'s timeout when the registry hangs: TIMEOUT, closed or open', async () => {
      for (const [p, allowed] of [[short, false], [failOpen, true]] as const) {
        const t0 = performance.now();
        const res = await review('/validate', admissionReview(workload('Pod', 'p', 'prod', { containers: [`${hangHost}/app:v1`] })), p.url);
        const ms = performance.now() - t0;
        assert.equal(res.allowed, allowed);
        assert.match(allowed ? res.warnings[0] : res.status.message, /TIMEOUT/);
        assert.ok(ms < 3000, `answered after ${ms} ms, beyond --timeout-ms 3000`);
      }
    });
  });
});

function escape(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
