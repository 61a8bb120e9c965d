/**
 * hashedrekord v0.0.2 (rekor-tiles pkg/types/hashedrekord; protobuf-specs
 * rekor/v2/hashedrekord.proto): a signature over an artifact digest.
 *
 * Request (`HashedRekordRequestV002`, protobuf JSON): `digest` (bytes),
 * `signature {content, verifier}`. The digest's hash is the one `keyDetails`
 * names (SHA-256 for P-256 and RSA, SHA-384 for P-384, SHA-512 for P-521 and
 * Ed25519ph) and must have its length; the signature must verify over the
 * digest (prehashed) with the verifier's key. Pure Ed25519 signs messages,
 * not digests, so PKIX_ED25519 is refused here.
 *
 * Canonical spec (`HashedRekordLogEntryV002` under `hashedRekordV002`):
 * `data {algorithm, digest}`, `signature {content, verifier}`, bytes as
 * standard padded base64 and the verifier as verifier-v002.ts stores it.
 */
import { LogError } from '../../errors.js';
import { DIGEST_BYTES } from '../digest.js';
import { decodeBase64Dsse, encodeBase64 } from '../encoding.js';
import { invalid, prop, reqObject, reqString, type JsonObject } from '../fields.js';
import type { KindContext, KindHandler } from '../types.js';
import { verifyDigestSignature } from '../verify/signature.js';
import { HASH_OUTPUT_NAME, onlyFields, parseVerifierV002 } from './verifier-v002.js';

const FIELD = 'hashedRekordRequestV002';

export const hashedrekordV002: KindHandler = {
  kind: 'hashedrekord',
  apiVersion: '0.0.2',
  prepare(request: JsonObject, ctx: KindContext) {
    onlyFields(request, FIELD, ['digest', 'signature']);
    const digest = decodeBase64Dsse(reqString(request, 'digest', `${FIELD}.digest`), `${FIELD}.digest`);
    const signature = reqObject(request, 'signature', `${FIELD}.signature`);
    onlyFields(signature, `${FIELD}.signature`, ['content', 'verifier']);
    const sig = decodeBase64Dsse(reqString(signature, 'content', `${FIELD}.signature.content`), `${FIELD}.signature.content`);
    if (prop(signature, 'verifier') === undefined) throw invalid(`${FIELD}.signature.verifier`, 'missing');
    const verifier = parseVerifierV002(prop(signature, 'verifier'), `${FIELD}.signature.verifier`);
    if (!verifier.rule.prehashed) {
      throw new LogError('ALGORITHM_NOT_ALLOWED', `${FIELD}.signature.verifier.keyDetails: ${verifier.keyDetails} signs messages, not digests; use PKIX_ED25519_PH`);
    }
    const hash = verifier.rule.hash;
    if (digest.length !== DIGEST_BYTES[hash]) {
      throw invalid(`${FIELD}.digest`, `${digest.length} bytes; ${verifier.keyDetails} signs ${hash} digests of ${DIGEST_BYTES[hash]} bytes`);
    }
    const body = ctx.encodeBody({
      hashedRekordV002: {
        data: { algorithm: HASH_OUTPUT_NAME[hash], digest: encodeBase64(digest) },
        signature: { content: encodeBase64(sig), verifier: verifier.stored },
      },
    });
    if (!verifyDigestSignature(verifier.key, hash, digest, sig)) {
      throw new LogError('SIGNATURE_INVALID', `${FIELD}.signature.content: signature does not verify over the digest with the given key`);
    }
    return { body, searchKeys: [] };
  },
};
