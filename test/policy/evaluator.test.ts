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
import { createEvaluator, parsePolicy, type Evaluator, type EvaluatorOptions, type ImageVerdict } from '../../src/policy/index.js';
import { describeRun } from '../support/cairn-cli.js';
import { startSigningWorld, type SigningWorld } from '../support/image-signing.js';
import { requirePartOrSkip } from '../support/parts.js';
import { hasRegistry } from '../support/registry.js';
import { startServer, type ServerProcess } from '../support/server-process.js';

describe('policy evaluator', function () {
  this.timeout(180_000);
  let w: SigningWorld;
  let otherLog: ServerProcess;
  const evaluators: Evaluator[] = [];

  before(async function () {
    requirePartOrSkip(this, 'REGISTRY', hasRegistry());
    w = await startSigningWorld();
    otherLog = await startServer(['--data-dir', join(w.dir, 'other-log'), '--batch-max-age-ms', '1']);
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
});
