/**
 * The policy evaluator against real parts: Debian's docker-registry, a
 * `cairn serve` log (and a second one whose entries the policy does not
 * trust), images signed and attested by the real `cairn sign` / `cairn
 * attest` processes. Every verdict comes from verifying what is in the
 * registry and the log.
 */
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ManualClock } from '../../src/clock.js';
import { generateSigningKeyFiles } from '../../src/keys/index.js';
import { parseImageReference } from '../../src/oci/index.js';
import { createEvaluator, parsePolicy, type Evaluator, type EvaluatorOptions, type ImageVerdict } from '../../src/policy/index.js';
import { parseImageManifest, signatureTag } from '../../src/signing/index.js';
import { describeRun } from '../support/cairn-cli.js';
import { startFaultProxy, type FaultProxy } from '../support/fault-proxy.js';
import { startSigningWorld, type SigningWorld } from '../support/image-signing.js';
import { requirePartOrSkip } from '../support/parts.js';
import { freePort, hasRegistry } from '../support/registry.js';
import { startServer, type ServerProcess } from '../support/server-process.js';
import { testWitness } from '../support/signing-log.js';

const PROVENANCE = 'https://slsa.dev/provenance/v1';

describe('policy evaluator', function () {
  this.timeout(180_000);
  let w: SigningWorld;
  let otherLog: ServerProcess;
  let stranger: string;
  const evaluators: Evaluator[] = [];

  before(async function () {
    requirePartOrSkip(this, 'REGISTRY', hasRegistry());
    w = await startSigningWorld();
    otherLog = await startServer(['--data-dir', join(w.dir, 'other-log'), '--batch-max-age-ms', '1']);
    stranger = generateSigningKeyFiles(join(w.dir, 'stranger.pem')).privatePath;
    writeFileSync(join(w.dir, 'provenance.json'), JSON.stringify({ builder: { id: 'https://ci.example/builder' } }));
  });
  after(async () => {
    for (const e of evaluators) e.close();
    await otherLog?.stop();
    await w?.stop();
  });

  /** Pushes `repo:v1` and returns its reference. */
  async function push(repo: string): Promise<{ ref: string; digest: string }> {
    const { ref, image } = await w.push(repo, { tag: 'v1' });
    return { ref, digest: image.digest };
  }
  async function sign(ref: string, flags: readonly string[] = w.signFlags()): Promise<void> {
    const r = await w.run(['sign', ref, ...flags]);
    assert.equal(r.status, 0, describeRun(r));
  }
  async function attest(ref: string, type: string): Promise<void> {
    const r = await w.run(['attest', ref, '--predicate', join(w.dir, 'provenance.json'), '--type', type, ...w.signFlags()]);
    assert.equal(r.status, 0, describeRun(r));
  }

  /** A policy (YAML text) in the world's directory; paths in it are relative to that directory. */
  function evaluator(yaml: string, opts: EvaluatorOptions = {}): Evaluator {
    const e = createEvaluator(parsePolicy(yaml, join(w.dir, 'policy.yaml')), opts);
    evaluators.push(e);
    return e;
  }
  /** One rule over this registry's `team/**`, trusting the world's key and log, plus `extra` YAML lines for the rule. */
  function rule(extra = '', images = `${w.registry.host}/team/**`): string {
    return `  - images: ["${images}"]
    keys: [signer.pub]
    log: {publicKey: log.pub, url: "${w.logUrl}"}
    insecureRegistry: true
${extra}`;
  }
  function codes(v: ImageVerdict): string[] {
    return v.reasons.map((r) => r.code);
  }

  describe('when the image is signed by a trusted key and logged', () => {
    it('allows it, pinned to the digest it verified', async () => {
      const { ref, digest } = await push('team/signed');
      await sign(ref);
      const v = await evaluator(`rules:\n${rule()}`).evaluate(ref);
      assert.deepEqual(v, { image: ref, decision: 'allow', rule: 0, digest, reasons: [], cached: false });
    });

    it('allows it offline too (SET and the bundle\'s proof, no log URL)', async () => {
      const { ref, digest } = await push('team/offline');
      await sign(ref);
      const v = await evaluator(`rules:\n${rule().replace(`, url: "${w.logUrl}"`, '')}`).evaluate(`${ref}@${digest}`);
      assert.equal(v.decision, 'allow', JSON.stringify(v));
      assert.equal(v.digest, digest);
    });

    it('allows a legacy-only or a bundle-only signature', async () => {
      const e = evaluator(`rules:\n${rule()}`);
      for (const format of ['legacy', 'bundle']) {
        const { ref } = await push(`team/only-${format}`);
        await sign(ref, [...w.signFlags(), '--format', format]);
        assert.equal((await e.evaluate(ref)).decision, 'allow', format);
      }
    });
  });

  describe('when the image is not signed', () => {
    it('denies it as UNSIGNED, naming the image and digest', async () => {
      const { ref, digest } = await push('team/unsigned');
      const v = await evaluator(`rules:\n${rule()}`).evaluate(ref);
      assert.equal(v.decision, 'deny');
      assert.equal(v.digest, digest);
      assert.deepEqual(codes(v), ['UNSIGNED']);
      assert.ok(v.reasons[0]?.message.includes(ref) && v.reasons[0].message.includes(digest), v.reasons[0]?.message);
    });
  });

  describe('when the image is signed by a key the rule does not trust', () => {
    it('denies it as UNTRUSTED_SIGNER', async () => {
      const { ref } = await push('team/stranger');
      await sign(ref, ['--key', stranger, '--log-url', w.logUrl, '--insecure-registry']);
      const v = await evaluator(`rules:\n${rule()}`).evaluate(ref);
      assert.equal(v.decision, 'deny');
      assert.deepEqual(codes(v), ['UNTRUSTED_SIGNER']);
      assert.match(v.reasons[0]?.message ?? '', /none by a key the rule trusts.*SIGNATURE_INVALID/);
    });

    it('the first matching rule decides, even when a later one would allow', async () => {
      const { ref } = await push('team/special');
      await sign(ref);
      const policy = `rules:\n  - images: ["${w.registry.host}/team/special"]\n    keys: [stranger.pub]\n    log: {publicKey: log.pub}\n    insecureRegistry: true\n${rule()}`;
      const v = await evaluator(policy).evaluate(ref);
      assert.equal(v.rule, 0);
      assert.deepEqual(codes(v), ['UNTRUSTED_SIGNER']);
      assert.equal((await evaluator(`rules:\n${rule()}`).evaluate(ref)).decision, 'allow');
    });

    it('says certificate identities are not supported when the rule trusts only identities', async () => {
      const { ref } = await push('team/identities');
      await sign(ref);
      const policy = `rules:\n  - images: ["${w.registry.host}/team/**"]\n    identities: [{issuer: "https://issuer.example", subject: "ci@example.com"}]\n    log: {publicKey: log.pub}\n    insecureRegistry: true\n`;
      const v = await evaluator(policy).evaluate(ref);
      assert.equal(v.decision, 'deny');
      assert.ok(v.reasons.every((r) => r.code === 'UNTRUSTED_SIGNER'), JSON.stringify(v.reasons));
      assert.ok(v.reasons.some((r) => /certificate-based signatures are not supported/.test(r.message)), JSON.stringify(v.reasons));
    });
  });

  describe('when the image is signed but not in the trusted log', () => {
    it('denies it as NOT_LOGGED (logged in another log, whose key the rule does not trust)', async () => {
      const { ref } = await push('team/other-log');
      await sign(ref, ['--key', w.keyFile, '--log-url', otherLog.url, '--insecure-registry']);
      for (const online of [true, false]) {
        const r = online ? rule() : rule().replace(`, url: "${w.logUrl}"`, '');
        const v = await evaluator(`rules:\n${r}`).evaluate(ref);
        assert.equal(v.decision, 'deny', `online ${online}`);
        assert.deepEqual(codes(v), ['NOT_LOGGED'], `online ${online}: ${JSON.stringify(v.reasons)}`);
      }
    });
  });

  describe('when the signature attached is not about this image', () => {
    it('denies it as INVALID_SIGNATURE (a signature copied from another repository names that repository)', async () => {
      const seed = `copied ${Math.random()}`;
      const original = await w.push('team/copy-from', { tag: 'v1', seed });
      const copy = await w.push('team/copy-to', { tag: 'v1', seed });
      assert.equal(copy.image.digest, original.image.digest);
      await sign(original.ref, [...w.signFlags(), '--format', 'legacy']);
      // Copy the .sig manifest and its blobs, as a mirror that copies tags would.
      const from = parseImageReference(original.ref);
      const to = parseImageReference(copy.ref);
      const tag = signatureTag(original.image.digest);
      const sig = await w.client.getManifest(from, tag);
      const parsed = parseImageManifest(sig.bytes);
      for (const d of [parsed.config, ...parsed.layers]) await w.client.putBlob(to, await w.client.getBlob(from, d), d.mediaType);
      await w.client.putManifest(to, tag, sig.bytes, sig.descriptor.mediaType);

      // One evaluator for both: the original's verified digest must not stand for the copy's.
      const e = evaluator(`rules:\n${rule()}`);
      assert.equal((await e.evaluate(original.ref)).decision, 'allow');
      const v = await e.evaluate(copy.ref);
      assert.equal(v.decision, 'deny');
      assert.deepEqual(codes(v), ['INVALID_SIGNATURE']);
      assert.match(v.reasons[0]?.message ?? '', /REFERENCE_MISMATCH/);
    });
  });

  describe('when the log cannot be reached for an online proof', () => {
    it('denies with LOG_ERROR', async () => {
      const { ref } = await push('team/log-down');
      await sign(ref);
      const down = `http://127.0.0.1:${await freePort()}`;
      const v = await evaluator(`rules:\n${rule().replace(w.logUrl, down)}`).evaluate(ref);
      assert.equal(v.decision, 'deny');
      assert.deepEqual(codes(v), ['LOG_ERROR']);
      assert.match(v.reasons[0]?.message ?? '', /couldn't confirm the signatures of .* with the log/);
    });
  });

  describe('when the rule requires witness cosignatures', () => {
    it('denies it as INSUFFICIENT_WITNESSES when the witness never cosigned', async () => {
      const { ref } = await push('team/witnessed');
      await sign(ref);
      const witness = testWitness('never.example');
      for (const online of [true, false]) {
        const r = (online ? rule() : rule().replace(`, url: "${w.logUrl}"`, '')) + `    witnesses: ["${witness.vkey}"]\n    minWitnesses: 1\n`;
        const v = await evaluator(`rules:\n${r}`).evaluate(ref);
        assert.equal(v.decision, 'deny', `online ${online}`);
        assert.deepEqual(codes(v), ['INSUFFICIENT_WITNESSES'], `online ${online}: ${JSON.stringify(v.reasons)}`);
      }
    });
  });

  describe('when the rule requires an attestation', () => {
    it('denies a signed image without it as MISSING_ATTESTATION, and allows it once attested', async () => {
      const { ref, digest } = await push('team/attested');
      await sign(ref);
      const e = evaluator(`rules:\n${rule(`    attestations: ["${PROVENANCE}"]\n`)}`);
      const before = await e.evaluate(ref);
      assert.equal(before.decision, 'deny');
      assert.deepEqual(codes(before), ['MISSING_ATTESTATION']);
      assert.ok(before.reasons[0]?.message.includes(PROVENANCE) && before.reasons[0].message.includes(digest));

      await attest(ref, 'https://example.com/other-predicate');
      assert.deepEqual(codes(await e.evaluate(ref)), ['MISSING_ATTESTATION'], 'another predicate type does not count');

      await attest(ref, PROVENANCE);
      const after = await e.evaluate(ref);
      assert.equal(after.decision, 'allow', JSON.stringify(after.reasons));
    });

    it('checks the attestation with its own keys when the rule gives them', async () => {
      const { ref } = await push('team/attested-keys');
      await sign(ref);
      await attest(ref, PROVENANCE);
      const v = await evaluator(`rules:\n${rule(`    attestations: [{predicateType: "${PROVENANCE}", keys: [stranger.pub]}]\n`)}`).evaluate(ref);
      assert.deepEqual(codes(v), ['MISSING_ATTESTATION']);
      assert.match(v.reasons[0]?.message ?? '', /UNTRUSTED_SIGNER/);
    });
  });

  describe('when no rule matches', () => {
    it('denies with NO_MATCHING_RULE under default: deny (the default)', async () => {
      const { ref } = await push('elsewhere/app');
      const v = await evaluator(`rules:\n${rule()}`).evaluate(ref);
      assert.deepEqual(v, { image: ref, decision: 'deny', reasons: v.reasons, cached: false });
      assert.deepEqual(codes(v), ['NO_MATCHING_RULE']);
      assert.ok(v.reasons[0]?.message.includes(ref));
    });

    it('allows without verifying under default: allow', async () => {
      const ref = `${w.registry.host}/elsewhere/not-even-pushed:v1`;
      const v = await evaluator(`rules:\n${rule()}default: allow\n`).evaluate(ref);
      assert.deepEqual(v, { image: ref, decision: 'allow', reasons: [], cached: false });
    });
  });

  describe('when the namespace is exempt', () => {
    it('allows any image without verification, and only in that namespace', async () => {
      const { ref } = await push('team/exempt');
      const e = evaluator(`rules:\n${rule()}exemptNamespaces: [kube-system]\n`);
      assert.deepEqual(await e.evaluate(ref, { namespace: 'kube-system' }), { image: ref, decision: 'allow', exempt: true, reasons: [], cached: false });
      assert.equal((await e.evaluate(ref, { namespace: 'default' })).decision, 'deny');
      assert.equal((await e.evaluate(ref)).decision, 'deny');
    });
  });

  describe('when the rule is in warn mode', () => {
    it('answers warn with the reasons instead of deny', async () => {
      const { ref, digest } = await push('team/warned');
      const v = await evaluator(`rules:\n${rule('    mode: warn\n')}`).evaluate(ref);
      assert.equal(v.decision, 'warn');
      assert.equal(v.digest, digest);
      assert.deepEqual(codes(v), ['UNSIGNED']);
    });
  });

  describe('when the reference is not one', () => {
    it('denies with INVALID_REFERENCE', async () => {
      const v = await evaluator(`rules:\n${rule()}`).evaluate('Registry.Example/UPPER/case::x');
      assert.equal(v.decision, 'deny');
      assert.deepEqual(codes(v), ['INVALID_REFERENCE']);
    });
  });

  describe('when the registry cannot be reached', () => {
    it('denies with REGISTRY_ERROR (warn in warn mode)', async () => {
      const host = `127.0.0.1:${await freePort()}`;
      const ref = `${host}/team/app:v1`;
      const v = await evaluator(`rules:\n${rule('', `${host}/**`)}`).evaluate(ref);
      assert.equal(v.decision, 'deny');
      assert.deepEqual(codes(v), ['REGISTRY_ERROR']);
      assert.match(v.reasons[0]?.message ?? '', /couldn't read .* from its registry/);
      assert.equal((await evaluator(`rules:\n${rule('    mode: warn\n', `${host}/**`)}`).evaluate(ref)).decision, 'warn');
    });

    it('denies an image its registry does not have with IMAGE_NOT_FOUND', async () => {
      const v = await evaluator(`rules:\n${rule()}`).evaluate(`${w.registry.host}/team/never-pushed:v1`);
      assert.deepEqual(codes(v), ['IMAGE_NOT_FOUND']);
      assert.match(v.reasons[0]?.message ?? '', /is not in its registry/);
    });
  });

  describe('through a registry front that counts and holds requests', () => {
    let proxy: FaultProxy;
    before(async () => {
      proxy = await startFaultProxy(w.registry.host);
    });
    after(async () => {
      await proxy?.close();
    });
    function proxied(repo: string): string {
      return `${proxy.host}/${repo}:v1`;
    }
    async function pushAndSign(repo: string): Promise<string> {
      const { ref } = await w.push(repo, { tag: 'v1' });
      const via = ref.replace(w.registry.host, proxy.host);
      await sign(via);
      return via;
    }

    it('aborts the registry call and answers TIMEOUT when the signal fires', async () => {
      const ref = proxied('team/slow');
      const controller = new AbortController();
      let held = 0;
      proxy.fault = () => {
        held++;
        setImmediate(() => controller.abort());
        return { kind: 'hang' };
      };
      try {
        const v = await evaluator(`rules:\n${rule('', `${proxy.host}/**`)}`).evaluate(ref, { signal: controller.signal });
        assert.equal(v.decision, 'deny');
        assert.deepEqual(codes(v), ['TIMEOUT']);
        assert.equal(held, 1);
      } finally {
        proxy.fault = () => undefined;
      }
    });

    it('answers TIMEOUT without any request when the signal has already fired', async () => {
      const seen = proxy.seen.length;
      const v = await evaluator(`rules:\n${rule('    mode: warn\n', `${proxy.host}/**`)}`).evaluate(proxied('team/late'), { signal: AbortSignal.abort() });
      assert.equal(v.decision, 'warn');
      assert.deepEqual(codes(v), ['TIMEOUT']);
      assert.equal(proxy.seen.length, seen);
    });

    it('skips verification of a (rule, repository, digest) verified within the TTL, resolving the tag each time; verifies again after it', async () => {
      const ref = await pushAndSign('team/cached');
      const clock = new ManualClock();
      const e = evaluator(`rules:\n${rule('', `${proxy.host}/**`)}`, { clock, cacheTtlMs: 60_000 });
      const first = await e.evaluate(ref);
      assert.equal(first.decision, 'allow', JSON.stringify(first.reasons));
      assert.equal(first.cached, false);

      let from = proxy.seen.length;
      clock.advance(59_999);
      const second = await e.evaluate(ref);
      assert.deepEqual(second, { ...first, cached: true });
      assert.deepEqual(proxy.seen.slice(from).map((r) => `${r.method} ${r.url}`), ['HEAD /v2/team/cached/manifests/v1'], 'only the tag was resolved');

      from = proxy.seen.length;
      clock.advance(1);
      const third = await e.evaluate(ref);
      assert.deepEqual(third, first);
      assert.ok(proxy.seen.slice(from).some((r) => /\.sig$|referrers/.test(r.url)), 'the signatures were read again');
    });

    it('a tag moved within the TTL is verified anew: the verdict stays pinned to what was verified', async () => {
      const ref = await pushAndSign('team/moved');
      const e = evaluator(`rules:\n${rule('', `${proxy.host}/**`)}`, { clock: new ManualClock(), cacheTtlMs: 60_000 });
      const signed = await e.evaluate(ref);
      assert.equal(signed.decision, 'allow');
      const { image } = await w.push('team/moved', { tag: 'v1', seed: `moved ${Math.random()}` });
      const moved = await e.evaluate(ref);
      assert.equal(moved.digest, image.digest);
      assert.notEqual(moved.digest, signed.digest);
      assert.deepEqual(codes(moved), ['UNSIGNED']);
    });

    it('with tagTtlMs, reuses the tag\'s digest too: a repeat makes no request at all', async () => {
      const ref = await pushAndSign('team/tag-cached');
      const clock = new ManualClock();
      const e = evaluator(`rules:\n${rule('', `${proxy.host}/**`)}`, { clock, cacheTtlMs: 60_000, tagTtlMs: 5_000 });
      const first = await e.evaluate(ref);
      assert.equal(first.decision, 'allow');
      const from = proxy.seen.length;
      assert.equal((await e.evaluate(ref)).cached, true);
      assert.equal(proxy.seen.length, from);
      clock.advance(5_000);
      assert.equal((await e.evaluate(ref)).cached, true);
      assert.deepEqual(proxy.seen.slice(from).map((r) => r.method), ['HEAD']);
    });
  });
});
