/**
 * Every way `cairn verify` must refuse, each with its reason code and exit
 * status, against real parts (docker-registry, a `cairn serve` log): wrong
 * key, tampered payload, a payload for another digest, the tag moved to
 * other content, a flipped SET, an entry from another log, a logged body
 * that does not match the signature, no signatures, a bundle for another
 * subject, the registry down (3), the log down when online (3).
 */
import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { generateSigningKeyFiles } from '../../../src/keys/index.js';
import { OCI_MANIFEST, parseImageReference, sha256Digest, type ImageReference } from '../../../src/oci/index.js';
import { ANNOTATION_BUNDLE, signatureTag } from '../../../src/signing/index.js';
import { describeRun } from '../../support/cairn-cli.js';
import { requirePartOrSkip } from '../../support/parts.js';
import { freePort, hasRegistry } from '../../support/registry.js';
import { startSigningWorld, type SigningWorld } from '../../support/image-signing.js';

interface Report {
  format: string;
  ok: boolean;
  reason?: string;
}

describe('cairn verify refuses', function () {
  this.timeout(120_000);
  let w: SigningWorld;

  before(async function () {
    requirePartOrSkip(this, 'REGISTRY', hasRegistry());
    w = await startSigningWorld();
  });
  after(async () => {
    await w?.stop();
  });

  /** Pushes and signs an image (both formats unless given); returns its reference and digest. */
  async function signed(repo: string, format = 'both'): Promise<{ ref: string; image: ImageReference; digest: string }> {
    const { ref, image } = await w.push(repo);
    const r = await w.run(['sign', ref, ...w.signFlags(), '--format', format]);
    assert.equal(r.status, 0, describeRun(r));
    return { ref, image: parseImageReference(ref), digest: image.digest };
  }

  async function verify(ref: string, flags: readonly string[] = w.verifyFlags()): Promise<{ status: number | null; reports: Report[]; stdout: string; stderr: string }> {
    const r = await w.run(['verify', ref, ...flags, '--output', 'json']);
    const json = r.stdout.trim() === '' ? {} : (JSON.parse(r.stdout) as { signatures?: Report[] });
    return { status: r.status, reports: json.signatures ?? [], stdout: r.stdout, stderr: r.stderr };
  }

  /** Rewrites the `.sig` manifest of `digest` in place: `edit` changes its JSON (and may push new blobs). */
  async function editSignatureManifest(image: ImageReference, digest: string, edit: (m: { layers: Array<Record<string, unknown>> }) => Promise<void>): Promise<void> {
    const tag = signatureTag(digest);
    const { bytes } = await w.client.getManifest(image, tag);
    const json = JSON.parse(new TextDecoder().decode(bytes)) as { layers: Array<Record<string, unknown>> };
    await edit(json);
    await w.client.putManifest(image, tag, new TextEncoder().encode(JSON.stringify(json)), OCI_MANIFEST);
  }

  function reasons(reports: readonly Report[]): string[] {
    return reports.map((r) => `${r.format}:${r.ok ? 'ok' : r.reason ?? '?'}`);
  }

  it('a signature by another key (SIGNATURE_INVALID), exit 1', async () => {
    const { ref } = await signed('refuse/wrong-key');
    const other = generateSigningKeyFiles(join(w.dir, 'other-signer.pem'));
    const { status, reports } = await verify(ref, ['--key', other.publicPath, '--log-key', w.logKeyFile, '--insecure-registry']);
    assert.equal(status, 1);
    assert.deepEqual(reasons(reports), ['legacy:SIGNATURE_INVALID', 'bundle:SIGNATURE_INVALID']);
  });

  it('a tampered payload (its blob and descriptor changed, the signature and log entry kept)', async () => {
    const { ref, image, digest } = await signed('refuse/tampered', 'legacy');
    await editSignatureManifest(image, digest, async (m) => {
      const layer = m.layers[0]!;
      const payload = JSON.parse(new TextDecoder().decode(await w.client.getBlob(image, layer as never))) as { optional: unknown };
      payload.optional = { tampered: 'yes' };
      const bytes = new TextEncoder().encode(JSON.stringify(payload));
      await w.client.putBlob(image, bytes);
      layer['digest'] = sha256Digest(bytes);
      layer['size'] = bytes.length;
    });
    const { status, reports } = await verify(ref);
    assert.equal(status, 1);
    assert.equal(reports.length, 1);
    assert.ok(['BODY_MISMATCH', 'SIGNATURE_INVALID'].includes(reports[0]?.reason ?? ''), JSON.stringify(reports));
  });

  it('a layer whose blob is not its descriptor\'s (the registry answers other bytes)', async () => {
    const { ref, image, digest } = await signed('refuse/blob', 'legacy');
    await editSignatureManifest(image, digest, async (m) => {
      m.layers[0]!['size'] = Number(m.layers[0]!['size']) + 1;
    });
    const { status, reports } = await verify(ref);
    assert.equal(status, 1);
    assert.equal(reports.length, 1);
    assert.equal(reports[0]?.ok, false);
  });

  it('a signature whose payload is for another digest (DIGEST_MISMATCH)', async () => {
    const a = await signed('refuse/copied', 'legacy');
    const { ref: refB, image: b } = await w.push('refuse/copied', { tag: 'other' });
    const sig = await w.client.getManifest(a.image, signatureTag(a.digest));
    await w.client.putManifest(a.image, signatureTag(b.digest), sig.bytes, OCI_MANIFEST);
    const { status, reports } = await verify(refB);
    assert.equal(status, 1);
    assert.deepEqual(reasons(reports), ['legacy:DIGEST_MISMATCH']);
  });

  it('the tag moved to other content after signing: no signature for what it names now', async () => {
    const { ref } = await signed('refuse/moved');
    assert.equal((await verify(ref)).status, 0);
    await w.push('refuse/moved');
    const { status, reports, stdout } = await verify(ref);
    assert.equal(status, 1);
    assert.equal(reports.length, 0);
    assert.match(stdout, /"verified":false/);
  });

  it('a flipped SET (SET_INVALID)', async () => {
    const { ref, image, digest } = await signed('refuse/set', 'legacy');
    await editSignatureManifest(image, digest, async (m) => {
      const annotations = m.layers[0]!['annotations'] as Record<string, string>;
      const bundle = JSON.parse(annotations[ANNOTATION_BUNDLE]!) as { SignedEntryTimestamp: string };
      const set = Buffer.from(bundle.SignedEntryTimestamp, 'base64');
      set[10] = (set[10] ?? 0) ^ 1;
      bundle.SignedEntryTimestamp = set.toString('base64');
      annotations[ANNOTATION_BUNDLE] = JSON.stringify(bundle);
    });
    const { status, reports } = await verify(ref);
    assert.equal(status, 1);
    assert.deepEqual(reasons(reports), ['legacy:SET_INVALID']);
  });

  it('an entry from a log the verifier does not trust (UNKNOWN_LOG)', async () => {
    const { ref } = await signed('refuse/other-log');
    const otherLog = join(w.dir, 'other-log.pub');
    writeFileSync(otherLog, generateKeyPairSync('ed25519').publicKey.export({ type: 'spki', format: 'pem' }));
    const { status, reports } = await verify(ref, ['--key', w.pubFile, '--log-key', otherLog, '--insecure-registry']);
    assert.equal(status, 1);
    assert.deepEqual(reasons(reports), ['legacy:UNKNOWN_LOG', 'bundle:UNKNOWN_LOG']);
  });

  it('a logged body that does not match the signature (BODY_MISMATCH)', async () => {
    const { ref, image, digest } = await signed('refuse/body', 'legacy');
    // A second, valid signature of the same image: its log entry is genuine, for another signature.
    const again = await w.run(['sign', ref, ...w.signFlags(), '--format', 'legacy', '--annotation', 'n=2']);
    assert.equal(again.status, 0, describeRun(again));
    await editSignatureManifest(image, digest, async (m) => {
      const first = m.layers[0]!['annotations'] as Record<string, string>;
      const second = m.layers[1]!['annotations'] as Record<string, string>;
      first[ANNOTATION_BUNDLE] = second[ANNOTATION_BUNDLE]!;
      m.layers = [m.layers[0]!];
    });
    const { status, reports } = await verify(ref);
    assert.equal(status, 1);
    assert.deepEqual(reasons(reports), ['legacy:BODY_MISMATCH']);
  });

  it('an image with no signatures, saying so', async () => {
    const { ref } = await w.push('refuse/unsigned');
    const r = await w.run(['verify', ref, ...w.verifyFlags()]);
    assert.equal(r.status, 1, describeRun(r));
    assert.match(r.stdout, /^no signatures for /m);
    assert.match(r.stdout, /^not verified: /m);
  });

  it('an entry the log does not hold, online (TLOG_ENTRY_MISSING), though it verifies offline', async () => {
    const { ref } = await signed('refuse/not-in-log', 'legacy');
    // Another log process with its own key: its SETs verify with its key, but the serving log never saw the entry.
    const { startServer } = await import('../../support/server-process.js');
    const other = await startServer(['--data-dir', join(w.dir, 'log-2')]);
    try {
      const otherKey = join(w.dir, 'log-2.pub');
      writeFileSync(otherKey, await (await fetch(`${other.url}/api/v1/log/publicKey`)).text());
      const flags = ['--key', w.pubFile, '--log-key', w.logKeyFile, '--log-key', otherKey, '--insecure-registry'];
      assert.equal((await verify(ref, flags)).status, 0);
      const online = await verify(ref, [...flags, '--log-url', other.url]);
      assert.equal(online.status, 1);
      assert.deepEqual(reasons(online.reports), ['legacy:TLOG_ENTRY_MISSING']);
    } finally {
      await other.stop();
    }
  });

  it('a bundle referrer whose subject is another image (SUBJECT_MISMATCH)', async () => {
    const a = await signed('refuse/subject', 'bundle');
    const { ref: refB, image: b } = await w.push('refuse/subject', { tag: 'b' });
    // List A's bundle under B's fallback tag, as a registry or a writer might.
    const [bundle] = await w.client.referrers(a.image, a.digest);
    const index = { schemaVersion: 2, mediaType: 'application/vnd.oci.image.index.v1+json', manifests: [bundle] };
    await w.client.putManifest(a.image, `sha256-${b.digest.slice(7)}`, new TextEncoder().encode(JSON.stringify(index)), 'application/vnd.oci.image.index.v1+json');
    const { status, reports } = await verify(refB);
    assert.equal(status, 1);
    assert.deepEqual(reasons(reports), ['bundle:SUBJECT_MISMATCH']);
  });

  it('exit 3 when the registry is down', async () => {
    const port = await freePort();
    const r = await w.run(['verify', `127.0.0.1:${port}/refuse/down:latest`, ...w.verifyFlags()]);
    assert.equal(r.status, 3, describeRun(r));
    const s = await w.run(['sign', `127.0.0.1:${port}/refuse/down:latest`, ...w.signFlags()]);
    assert.equal(s.status, 3, describeRun(s));
  });

  it('exit 3 when the log is down, online (and sign cannot log)', async () => {
    const { ref } = await signed('refuse/log-down', 'legacy');
    const dead = `http://127.0.0.1:${await freePort()}`;
    const r = await w.run(['verify', ref, ...w.verifyFlags(), '--log-url', dead]);
    assert.equal(r.status, 3, describeRun(r));
    assert.match(r.stderr, /couldn't reach the log/);
    const offline = await w.run(['verify', ref, ...w.verifyFlags(), '--log-url', dead, '--offline']);
    assert.equal(offline.status, 0, describeRun(offline));
    const s = await w.run(['sign', ref, '--key', w.keyFile, '--log-url', dead, '--insecure-registry']);
    assert.equal(s.status, 3, describeRun(s));
  });
});
