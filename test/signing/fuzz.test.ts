/**
 * Attacker-controlled input never escapes as an exception: random byte
 * flips and structural replacements (null, numbers, arrays, objects, empty
 * strings at random places) in bundles, cosign bundle annotations and log
 * responses give a refusal verdict (or ARTIFACT_INVALID from the parsers),
 * never a TypeError. Seeded, so failures reproduce.
 */
import assert from 'node:assert/strict';
import { parseLogEntry } from '../../src/client/index.js';
import { isLogError } from '../../src/errors.js';
import {
  ANNOTATION_BUNDLE,
  COSIGN_SIGN_PREDICATE_TYPE,
  buildBundle,
  bundleBytes,
  describe as describeBlob,
  inTotoStatement,
  publicKeyHint,
  verifyBundle,
  verifyLegacySignature,
} from '../../src/signing/index.js';
import { loadRekorCosignFixture } from '../support/cosign-fixtures.js';
import { intBetween, pick, prng, type Rng } from '../support/prng.js';
import { logStatement, startCairn, testSigner, type CairnServer } from '../support/signing-log.js';
import { createTrust } from '../../src/verifier/index.js';

const ROUNDS = 300;
const REPLACEMENTS: readonly unknown[] = [null, 0, -1, 1e300, '', 'x', [], {}, [1], { a: 1 }, true, '0', 'AAAA'];

/** A copy of `value` with one randomly chosen node replaced or removed. */
function mutateTree(value: unknown, rnd: Rng): unknown {
  const copy = structuredClone(value) as Record<string, unknown>;
  const paths: Array<{ parent: Record<string, unknown> | unknown[]; key: string | number }> = [];
  const walk = (v: unknown): void => {
    if (Array.isArray(v)) v.forEach((x, i) => (paths.push({ parent: v, key: i }), walk(x)));
    else if (v !== null && typeof v === 'object') for (const [k, x] of Object.entries(v)) (paths.push({ parent: v as Record<string, unknown>, key: k }), walk(x));
  };
  walk(copy);
  const p = pick(rnd, paths);
  if (rnd() < 0.2 && !Array.isArray(p.parent)) delete (p.parent as Record<string, unknown>)[p.key as string];
  else (p.parent as Record<string | number, unknown>)[p.key] = structuredClone(pick(rnd, REPLACEMENTS));
  return copy;
}

function flipBytes(bytes: Uint8Array, rnd: Rng): Uint8Array {
  const out = new Uint8Array(bytes);
  const at = new Set<number>();
  for (let n = intBetween(rnd, 1, 3); n > 0; n--) at.add(intBetween(rnd, 0, out.length - 1));
  for (const i of at) out[i] = (out[i] ?? 0) ^ (1 << intBetween(rnd, 0, 7));
  return out;
}

describe('verification never throws on malformed input', () => {
  let cairn: CairnServer;
  let bundle: Record<string, unknown>;
  let response: unknown;
  const signer = testSigner();
  const D = `sha256:${'6e'.repeat(32)}`;

  before(async () => {
    cairn = await startCairn();
    const { envelope, entry, uuid } = await logStatement(cairn.url, signer, inTotoStatement(D, COSIGN_SIGN_PREDICATE_TYPE, {}));
    bundle = buildBundle({ entry, content: { dsseEnvelope: envelope }, publicKeyHint: publicKeyHint(signer.spkiDer) });
    response = await (await fetch(`${cairn.url}/api/v1/log/entries/${uuid}`)).json();
  });
  after(async () => {
    await cairn?.close();
  });

  it('bundles: structural mutations and byte flips give verdicts', async () => {
    const trust = createTrust({ signerKeys: [signer.publicKey], logKeys: [cairn.identity.publicKey] });
    assert.ok((await verifyBundle({ bundle: bundleBytes(bundle), imageDigest: D }, trust)).ok);
    const rnd = prng(11);
    for (let i = 0; i < ROUNDS; i++) {
      const bytes = rnd() < 0.5 ? bundleBytes(mutateTree(bundle, rnd) as Record<string, unknown>) : flipBytes(bundleBytes(bundle), rnd);
      const v = await verifyBundle({ bundle: bytes, imageDigest: D }, trust);
      assert.ok(typeof v.ok === 'boolean');
    }
  });

  it('cosign bundle annotations and payloads: mutations give verdicts, flips in signed bytes refuse', async () => {
    const fx = loadRekorCosignFixture();
    const trust = createTrust({ signerKeys: [fx.signerKey], logKeys: [fx.rekorKey] });
    const annotation = JSON.parse(fx.annotations[ANNOTATION_BUNDLE]!) as unknown;
    const rnd = prng(12);
    for (let i = 0; i < ROUNDS; i++) {
      const text = rnd() < 0.5 ? JSON.stringify(mutateTree(annotation, rnd)) : Buffer.from(flipBytes(Buffer.from(fx.annotations[ANNOTATION_BUNDLE]!), rnd)).toString('latin1');
      const descriptor = describeBlob(fx.descriptor.mediaType, fx.payload, { ...fx.annotations, [ANNOTATION_BUNDLE]: text });
      const v = await verifyLegacySignature({ descriptor, blob: fx.payload, imageDigest: fx.imageDigest, repository: fx.repository }, trust);
      if (v.ok) assert.deepEqual(JSON.parse(text), annotation, 'only an equivalent annotation may verify');
      const blob = flipBytes(fx.payload, rnd);
      const tampered = await verifyLegacySignature(
        { descriptor: describeBlob(fx.descriptor.mediaType, blob, fx.annotations), blob, imageDigest: fx.imageDigest, repository: fx.repository },
        trust,
      );
      assert.equal(tampered.ok, false);
    }
  });

  it('log responses: mutations parse or fail with LOG_RESPONSE_INVALID (the client library\'s reader)', async () => {
    const rnd = prng(13);
    for (let i = 0; i < ROUNDS; i++) {
      try {
        parseLogEntry(JSON.stringify(mutateTree(response, rnd)), 'the fuzzed answer');
      } catch (err) {
        assert.ok(isLogError(err, 'LOG_RESPONSE_INVALID'), String(err));
      }
    }
  });
});
