/**
 * `cairn sign` and `cairn verify` end to end, all real parts: Debian's
 * docker-registry, a `cairn serve` process as the log, test images pushed
 * here, the CLI run as its own process. Both formats, single-platform
 * images and a two-platform index with --recursive, offline and online.
 */
import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseImageReference } from '../../../src/oci/index.js';
import { parseBundle, parseImageManifest, signatureTag } from '../../../src/signing/index.js';
import { describeRun } from '../../support/cairn-cli.js';
import { LINUX_AMD64, LINUX_ARM64 } from '../../support/images.js';
import { requirePartOrSkip } from '../../support/parts.js';
import { hasRegistry } from '../../support/registry.js';
import { startSigningWorld, type SigningWorld } from '../../support/image-signing.js';

interface VerifyJson {
  digest: string;
  verified: boolean;
  signatures: Array<{ format: string; ok: boolean; reason?: string; online?: boolean; logIndex?: number }>;
}

describe('cairn sign and cairn verify', function () {
  this.timeout(120_000);
  let w: SigningWorld;

  before(async function () {
    requirePartOrSkip(this, 'REGISTRY', hasRegistry());
    w = await startSigningWorld();
  });
  after(async () => {
    await w?.stop();
  });

  async function verifyJson(ref: string, extra: readonly string[] = []): Promise<{ status: number | null; json: VerifyJson; stderr: string }> {
    const r = await w.run(['verify', ref, ...w.verifyFlags(), '--output', 'json', ...extra]);
    return { status: r.status, json: JSON.parse(r.stdout) as VerifyJson, stderr: r.stderr };
  }

  describe('a single-platform image, both formats', () => {
    let ref: string;
    let digest: string;
    let signJson: { digest: string; signatures: Array<{ format: string; location: string; logIndex: number }> };

    before(async () => {
      const pushed = await w.push('team/app');
      ref = pushed.ref;
      digest = pushed.image.digest;
      const r = await w.run(['sign', ref, ...w.signFlags(), '--output', 'json', '--bundle-out', join(w.dir, 'app.sigstore.json')]);
      assert.equal(r.status, 0, describeRun(r));
      signJson = JSON.parse(r.stdout) as typeof signJson;
    });

    it('prints the digest the tag resolves to, and one legacy and one bundle signature, each logged', () => {
      assert.equal(signJson.digest, digest);
      assert.deepEqual(signJson.signatures.map((s) => s.format), ['legacy', 'bundle']);
      assert.equal(signJson.signatures[0]?.location, signatureTag(digest));
      assert.notEqual(signJson.signatures[0]?.logIndex, signJson.signatures[1]?.logIndex);
    });

    it('attaches the legacy layer at sha256-<hex>.sig and the bundle as a referrer', async () => {
      const image = parseImageReference(ref);
      const sig = parseImageManifest((await w.client.getManifest(image, signatureTag(digest))).bytes);
      assert.equal(sig.layers.length, 1);
      const referrers = await w.client.referrers(image, digest);
      assert.equal(referrers.length, 1);
      assert.match(referrers[0]?.artifactType ?? '', /^application\/vnd\.dev\.sigstore\.bundle\.v0\.3\+json$/);
    });

    it('writes the bundle to --bundle-out: v0.3, DSSE, with SET, inclusion proof and checkpoint', () => {
      const bundle = parseBundle(JSON.parse(readFileSync(join(w.dir, 'app.sigstore.json'), 'utf8')));
      assert.equal(bundle.version, '0.3');
      assert.equal(bundle.content.type, 'dsse');
      const e = bundle.tlogEntries[0];
      assert.ok(e?.signedEntryTimestamp !== undefined && e.inclusionProof !== undefined);
    });

    it('verifies offline (text output: one line per signature) and exits 0', async () => {
      const r = await w.run(['verify', ref, ...w.verifyFlags()]);
      assert.equal(r.status, 0, describeRun(r));
      assert.match(r.stdout, /^VERIFIED legacy sha256-[0-9a-f]{64}\.sig#0: /m);
      assert.match(r.stdout, /^VERIFIED bundle sha256:[0-9a-f]{64}: /m);
      assert.match(r.stdout, new RegExp(`^verified: .*@${digest}$`, 'm'));
    });

    it('verifies online with a fresh inclusion proof from the log', async () => {
      const { status, json } = await verifyJson(ref, ['--log-url', w.logUrl]);
      assert.equal(status, 0);
      assert.equal(json.signatures.length, 2);
      assert.ok(json.signatures.every((s) => s.ok && s.online === true));
    });

    it('verifies by digest reference too', async () => {
      const byDigest = `${parseImageReference(ref).registry}/team/app@${digest}`;
      const { status, json } = await verifyJson(byDigest);
      assert.equal(status, 0);
      assert.equal(json.digest, digest);
    });

    it('signing again appends a second signature, never replacing the first', async () => {
      const r = await w.run(['sign', ref, ...w.signFlags(), '--format', 'legacy', '--annotation', 'build=2']);
      assert.equal(r.status, 0, describeRun(r));
      const sig = parseImageManifest((await w.client.getManifest(parseImageReference(ref), signatureTag(digest))).bytes);
      assert.equal(sig.layers.length, 2);
      const { status, json } = await verifyJson(ref);
      assert.equal(status, 0);
      assert.equal(json.signatures.filter((s) => s.ok).length, 3);
    });
  });

  describe('a two-platform index with --recursive (Docker v2 manifest list)', () => {
    it('signs the index and each platform manifest; each verifies by digest', async () => {
      const { ref, image } = await w.push('team/multi', { platforms: [LINUX_AMD64, LINUX_ARM64], format: 'docker' });
      const r = await w.run(['sign', ref, ...w.signFlags(), '--recursive', '--output', 'json']);
      assert.equal(r.status, 0, describeRun(r));
      const signed = JSON.parse(r.stdout) as { signatures: Array<{ digest: string }> };
      const digests = [image.digest, ...image.manifests.map((m) => m.digest)];
      assert.deepEqual([...new Set(signed.signatures.map((s) => s.digest))], digests);
      const host = parseImageReference(ref).registry;
      for (const d of digests) {
        const { status, json } = await verifyJson(`${host}/team/multi@${d}`);
        assert.equal(status, 0, JSON.stringify(json));
        assert.equal(json.signatures.filter((s) => s.ok).length, 2);
      }
    });

    it('without --recursive signs the index only', async () => {
      const { ref, image } = await w.push('team/multi2', { platforms: [LINUX_AMD64, LINUX_ARM64] });
      const r = await w.run(['sign', ref, ...w.signFlags(), '--format', 'bundle']);
      assert.equal(r.status, 0, describeRun(r));
      const child = `${parseImageReference(ref).registry}/team/multi2@${image.manifests[0]?.digest ?? ''}`;
      const { status, json } = await verifyJson(child);
      assert.equal(status, 1);
      assert.equal(json.signatures.length, 0);
    });
  });

  describe('usage', () => {
    it('exits 2 with a message for missing flags, a bad reference or a bad --format', async () => {
      const { ref } = await w.push('team/usage');
      for (const args of [
        ['sign', ref, '--log-url', w.logUrl, '--insecure-registry'],
        ['sign', 'Bad Ref', ...w.signFlags()],
        ['sign', ref, ...w.signFlags(), '--format', 'xml'],
        ['sign', ref, ...w.signFlags(), '--no-such-flag'],
        ['verify', ref, '--key', w.pubFile, '--insecure-registry'],
        ['verify', ref, '--key', join(w.dir, 'missing.pub'), '--log-key', w.logKeyFile, '--insecure-registry'],
      ]) {
        const r = await w.run(args);
        assert.equal(r.status, 2, `${args.join(' ')}\n${describeRun(r)}`);
        assert.match(r.stderr, /cairn (sign|verify): /);
      }
    });

    it('an encrypted key needs CAIRN_KEY_PASSWORD', async () => {
      const { ref } = await w.push('team/encrypted');
      const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
      const file = join(w.dir, 'encrypted.pem');
      writeFileSync(file, privateKey.export({ type: 'pkcs8', format: 'pem', cipher: 'aes-256-cbc', passphrase: 'hunter2' }), { mode: 0o600 });
      const flags = ['--key', file, '--log-url', w.logUrl, '--insecure-registry', '--format', 'legacy'];
      assert.equal((await w.run(['sign', ref, ...flags])).status, 2);
      assert.equal((await w.run(['sign', ref, ...flags], { CAIRN_KEY_PASSWORD: 'wrong' })).status, 2);
      const ok = await w.run(['sign', ref, ...flags], { CAIRN_KEY_PASSWORD: 'hunter2' });
      assert.equal(ok.status, 0, describeRun(ok));
    });
  });
});
