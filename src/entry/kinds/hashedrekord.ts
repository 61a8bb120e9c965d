/**
 * hashedrekord v0.0.1 (Rekor pkg/types/hashedrekord/v0.0.1): a signature over
 * an artifact digest the client supplies, verified over that digest
 * (prehashed), with the key-and-hash pairings of Rekor's default
 * `--client-signing-algorithms`.
 *
 * Canonical spec: `data.hash` {algorithm, value as lowercase hex};
 * `signature.content` the signature bytes re-encoded as standard base64;
 * `signature.publicKey.content` base64 of the canonical PEM.
 * Search keys: `sha256:<hex of canonical PEM>`, `<alg>:<digest hex>`, leaf SANs.
 */
import { LogError } from '../../errors.js';
import { DIGEST_BYTES, type HashAlgorithm } from '../digest.js';
import { decodeBase64Std, decodeHex, encodeBase64, toHex } from '../encoding.js';
import { invalid, reqObject, reqString, type JsonObject } from '../fields.js';
import { parseVerifier } from '../keys.js';
import { hashKey } from '../search-keys.js';
import type { PublicKeyInfo } from '../spki.js';
import type { KindContext, KindHandler } from '../types.js';
import { verifyDigestSignature } from '../verify/signature.js';

const HASH_FIELD = 'spec.data.hash.algorithm';

export const hashedrekordV001: KindHandler = {
  kind: 'hashedrekord',
  apiVersion: '0.0.1',
  prepare(spec: JsonObject, ctx: KindContext) {
    const signature = reqObject(spec, 'signature', 'spec.signature');
    const sig = decodeBase64Std(reqString(signature, 'content', 'spec.signature.content'), 'spec.signature.content');
    const publicKey = reqObject(signature, 'publicKey', 'spec.signature.publicKey');
    const keyText = reqString(publicKey, 'content', 'spec.signature.publicKey.content');
    const hash = reqObject(reqObject(spec, 'data', 'spec.data'), 'hash', 'spec.data.hash');
    const alg = reqString(hash, 'algorithm', HASH_FIELD);
    if (alg !== 'sha256' && alg !== 'sha384' && alg !== 'sha512') {
      throw invalid(HASH_FIELD, 'must be one of sha256, sha384, sha512');
    }
    const digest = decodeHex(reqString(hash, 'value', 'spec.data.hash.value'), DIGEST_BYTES[alg], 'spec.data.hash.value');
    const verifier = parseVerifier(keyText, 'spec.signature.publicKey.content', ctx.limits.maxChainLength);
    checkPairing(verifier.key, alg);
    const digestHex = toHex(digest);
    const body = ctx.encodeBody({
      data: { hash: { algorithm: alg, value: digestHex } },
      signature: { content: encodeBase64(sig), publicKey: { content: verifier.canonicalBase64 } },
    });
    if (!verifyDigestSignature(verifier.key, alg, digest, sig)) {
      throw new LogError('SIGNATURE_INVALID', 'spec.signature.content: signature does not verify over spec.data.hash with the given key');
    }
    return { body, searchKeys: [`sha256:${verifier.keyHash}`, hashKey(alg, digestHex), ...verifier.subjects] };
  },
};

/** Rekor's default allow-list: RSA+sha256, P-256+sha256, P-384+sha384, P-521+sha512, Ed25519(ph)+sha512. */
function checkPairing(key: PublicKeyInfo, alg: HashAlgorithm): void {
  let required: HashAlgorithm;
  let name: string;
  switch (key.family) {
    case 'rsa':
      [required, name] = ['sha256', `RSA-${key.rsaBits ?? 0}`];
      break;
    case 'ecdsa':
      required = key.curve === 'P-384' ? 'sha384' : key.curve === 'P-521' ? 'sha512' : 'sha256';
      name = `ECDSA ${key.curve ?? ''}`;
      break;
    case 'ed25519':
      [required, name] = ['sha512', 'Ed25519'];
      break;
  }
  if (alg !== required) {
    throw new LogError('ALGORITHM_NOT_ALLOWED', `${HASH_FIELD}: ${name} keys require ${required}, got ${alg}`);
  }
}
