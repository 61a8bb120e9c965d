/**
 * Real cosign-made signature data from containers/image's test fixtures
 * (test/fixtures/cosign/, see its README for provenance and license), loaded
 * as a legacy `.sig` layer would carry it: the payload blob, its descriptor
 * with cosign's annotations, and the keys to verify it with.
 */
import { createPublicKey, X509Certificate, type KeyObject } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ANNOTATION_BUNDLE, ANNOTATION_SIGNATURE, SIMPLE_SIGNING_MEDIA_TYPE, describe, type Descriptor } from '../../src/signing/index.js';

/** dist/test/support → the source tree's test/fixtures/cosign. */
export const COSIGN_FIXTURES = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', 'test', 'fixtures', 'cosign');

/** Absolute path of one fixture file. */
export function cosignFixturePath(name: string): string {
  return join(COSIGN_FIXTURES, name);
}

/** A cosign signature as it sits in a `.sig` manifest, and what verifies it. */
export interface CosignFixture {
  /** The image the signature is for (the payload's docker-manifest-digest). */
  readonly imageDigest: string;
  /** The repository the payload names (cosign writes it without tag). */
  readonly repository: string;
  /** The simple-signing payload: the layer blob. */
  readonly payload: Uint8Array;
  /** The layer descriptor with `dev.cosignproject.cosign/signature` and `dev.sigstore.cosign/bundle`. */
  readonly descriptor: Descriptor;
  readonly annotations: Readonly<Record<string, string>>;
  /** The signer's public key (the key of the Fulcio certificate the log entry names). */
  readonly signerKey: KeyObject;
  /** The public-good Rekor key that signed the SET. */
  readonly rekorKey: KeyObject;
  /** A cosign key that did not make this signature. */
  readonly otherKey: KeyObject;
  /**
   * The image manifest the signature is for, when the fixture has it (it
   * does not: containers/image keeps it only beside the binary signature
   * files); undefined here.
   */
  readonly manifest: Uint8Array | undefined;
}

/** The key-signed, Rekor-logged signature of `192.168.64.2:5000/test-repo-…/alpine@sha256:fa93b016…`. */
export function loadRekorCosignFixture(): CosignFixture {
  const read = (name: string): Buffer => readFileSync(cosignFixturePath(name));
  const payload = new Uint8Array(read('rekor-payload'));
  const annotations = {
    [ANNOTATION_SIGNATURE]: read('rekor-sig').toString('utf8').trim(),
    [ANNOTATION_BUNDLE]: read('rekor-set').toString('utf8').trim(),
  };
  return {
    imageDigest: 'sha256:fa93b01658e3a5a1686dc3ae55f170d8de487006fb53a28efcd12ab0710a2e5f',
    repository: '192.168.64.2:5000/test-repo-2100826901021538654/alpine',
    payload,
    descriptor: describe(SIMPLE_SIGNING_MEDIA_TYPE, payload, annotations),
    annotations,
    signerKey: new X509Certificate(read('fulcio-cert')).publicKey,
    rekorKey: createPublicKey(read('rekor.pub')),
    otherKey: createPublicKey(read('cosign2.pub')),
    manifest: undefined,
  };
}
