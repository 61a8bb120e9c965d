/**
 * `cairn verify` on images that cosign itself signed (containers/image's
 * test images, read from ../shared/testvectors/cosign-images: see
 * COSIGN_IMAGES), stored in a real
 * docker-registry with their `.sig` manifests: the key-signed image logged
 * in the public-good Rekor verifies with the fixture's key and Rekor's key;
 * the fixtures meant to fail are refused, each for its reason.
 */
import assert from 'node:assert/strict';
import { requirePartOrSkip } from '../support/parts.js';
import { hasRegistry, startRegistry, type TestRegistry } from '../support/registry.js';
import { COSIGN_IMAGES, hasCosignImages, pushFixtureSignature, readFixtureSignature, storeFixtureManifest } from '../support/cosign-images.js';
import { cosignFixturePath } from '../support/cosign-fixtures.js';
import { describeRun, runCairn } from '../support/cairn-cli.js';
import { RegistryClient } from '../../src/oci/index.js';
import { join } from 'node:path';

describe('cairn verify on cosign-signed images (containers/image fixtures)', function () {
  this.timeout(60_000);
  let reg: TestRegistry;
  let client: RegistryClient;
  // key-rekor-valid was signed with cosign2.pub; cosign.pub is another cosign key.
  const cosignPub = cosignFixturePath('cosign2.pub');
  const otherPub = join(COSIGN_IMAGES, 'cosign.pub');
  const rekorPub = cosignFixturePath('rekor.pub');

  before(async function () {
    requirePartOrSkip(this, 'REGISTRY', hasRegistry());
    if (!hasCosignImages()) {
      console.warn(`\n!!!!!!!! containers/image's cosign-signed images are not in ${COSIGN_IMAGES}: cairn verify on real cosign images SKIPPED !!!!!!!!\n`);
      this.skip();
    }
    reg = await startRegistry();
    client = new RegistryClient({ insecure: true, sleep: async () => {} });
  });
  after(async () => {
    client?.close();
    await reg?.stop();
  });

  async function verify(ref: string, key: string, identity: string): Promise<{ status: number | null; reasons: string[]; text: string }> {
    const r = await runCairn(['verify', ref, '--key', key, '--log-key', rekorPub, '--identity', identity, '--insecure-registry', '--output', 'json']);
    const json = JSON.parse(r.stdout) as { signatures?: Array<{ ok: boolean; reason?: string }> };
    return { status: r.status, reasons: (json.signatures ?? []).map((s) => (s.ok ? 'ok' : s.reason ?? '?')), text: describeRun(r) };
  }

  it('accepts cosign\'s key signature with its Rekor SET (identity: the repository cosign signed)', async () => {
    const { ref, digest } = storeFixtureManifest(reg, 'key-rekor-valid', 'cosign-signed/key-1', 'v1');
    assert.equal(digest, 'sha256:0489474da8ea22426ece86ace6c1c0026ab2fd3cdfbbd62b7e94650266c37d9a');
    await pushFixtureSignature(client, ref, digest, readFixtureSignature('key-rekor-valid'));
    const ok = await verify(ref, cosignPub, '192.168.64.2:5000/cosign-signed/key-1');
    assert.equal(ok.status, 0, ok.text);
    assert.deepEqual(ok.reasons, ['ok']);
    // The payload names its repository: without --identity, this registry's name does not match.
    const r = await verify(ref, cosignPub, ref);
    assert.deepEqual([r.status, r.reasons], [1, ['REFERENCE_MISMATCH']]);
  });

  it('refuses it under another key (cosign.pub)', async () => {
    const { ref, digest } = storeFixtureManifest(reg, 'key-rekor-valid', 'cosign-signed/key-2', 'v1');
    await pushFixtureSignature(client, ref, digest, readFixtureSignature('key-rekor-valid'));
    const r = await verify(ref, otherPub, '192.168.64.2:5000/cosign-signed/key-1');
    assert.deepEqual([r.status, r.reasons], [1, ['SIGNATURE_INVALID']], r.text);
  });

  it('refuses the keyless (Fulcio certificate) signature: trust is in keys', async () => {
    const { ref, digest } = storeFixtureManifest(reg, 'fulcio-rekor-valid', 'cosign-signed/fulcio-rekor-1', 'v1');
    await pushFixtureSignature(client, ref, digest, readFixtureSignature('fulcio-rekor-valid'));
    const r = await verify(ref, cosignPub, '192.168.64.2:5000/cosign-signed/fulcio-rekor-1');
    assert.deepEqual([r.status, r.reasons], [1, ['CERTIFICATE_UNSUPPORTED']], r.text);
  });

  it('refuses a signature without a log entry', async () => {
    const { ref, digest } = storeFixtureManifest(reg, 'valid', 'cosign-signed-single-sample', 'v1');
    await pushFixtureSignature(client, ref, digest, readFixtureSignature('valid'));
    const r = await verify(ref, cosignPub, '192.168.64.2:5000/cosign-signed-single-sample');
    assert.deepEqual([r.status, r.reasons], [1, ['TLOG_ENTRY_MISSING']], r.text);
  });

  it('refuses the signature when the manifest was modified (another digest)', async () => {
    const { ref, digest } = storeFixtureManifest(reg, 'modified-manifest', 'cosign-signed/modified', 'v1');
    assert.notEqual(digest, 'sha256:0489474da8ea22426ece86ace6c1c0026ab2fd3cdfbbd62b7e94650266c37d9a');
    await pushFixtureSignature(client, ref, digest, readFixtureSignature('key-rekor-valid'));
    const r = await verify(ref, cosignPub, '192.168.64.2:5000/cosign-signed/key-1');
    assert.deepEqual([r.status, r.reasons], [1, ['DIGEST_MISMATCH']], r.text);
  });
});
