/**
 * dsse v0.0.2 (rekor-tiles pkg/types/dsse; protobuf-specs rekor/v2/dsse.proto):
 * a DSSE envelope and the keys that signed it.
 *
 * Request (`DSSERequestV002`, protobuf JSON): `envelope` (protobuf-specs
 * `io.intoto.Envelope`: `payload` bytes, `payloadType`, `signatures
 * [{sig, keyid}]`) and `verifiers` (verifier-v002.ts). As rekor-tiles (and
 * Rekor v1's dsse): every signature must verify over the PAE under some
 * verifier, and every verifier must verify at least one signature.
 *
 * Canonical spec (`DSSELogEntryV002` under `dsseV002`; the envelope is never
 * stored): `payloadHash {algorithm: SHA2_256, digest}` and `signatures
 * [{content, verifier}]`, one per distinct signature, sorted by content.
 */
import { LogError } from '../../errors.js';
import { digest as hashOf } from '../digest.js';
import { checkRoughSize, MAX_DSSE_SIGNATURES, pae } from '../dsse.js';
import { decodeBase64Dsse, encodeBase64 } from '../encoding.js';
import { asObject, optString, reqArray, reqObject, reqString, type Json, type JsonObject } from '../fields.js';
import type { KindContext, KindHandler } from '../types.js';
import { verifyMessageSignature } from '../verify/signature.js';
import { onlyFields, parseVerifierV002, type VerifierV002 } from './verifier-v002.js';

const FIELD = 'dsseRequestV002';

export const dsseV002: KindHandler = {
  kind: 'dsse',
  apiVersion: '0.0.2',
  prepare(request: JsonObject, ctx: KindContext) {
    onlyFields(request, FIELD, ['envelope', 'verifiers']);
    const env = reqObject(request, 'envelope', `${FIELD}.envelope`);
    onlyFields(env, `${FIELD}.envelope`, ['payload', 'payloadType', 'signatures']);
    const payloadType = reqString(env, 'payloadType', `${FIELD}.envelope.payloadType`, false);
    const payload = decodeBase64Dsse(reqString(env, 'payload', `${FIELD}.envelope.payload`, false), `${FIELD}.envelope.payload`, false);
    const sigs = reqArray(env, 'signatures', `${FIELD}.envelope.signatures`, MAX_DSSE_SIGNATURES).map((item, i) => {
      const path = `${FIELD}.envelope.signatures[${i}]`;
      const s = asObject(item, path);
      onlyFields(s, path, ['sig', 'keyid']);
      optString(s, 'keyid', `${path}.keyid`);
      return decodeBase64Dsse(reqString(s, 'sig', `${path}.sig`), `${path}.sig`);
    });
    checkRoughSize(sigs.reduce((n, s) => n + s.length, 0), ctx.limits.maxBodyBytes, `${FIELD}.envelope.signatures`);
    const verifiers = reqArray(request, 'verifiers', `${FIELD}.verifiers`, MAX_DSSE_SIGNATURES).map((v, i) =>
      parseVerifierV002(v, `${FIELD}.verifiers[${i}]`),
    );
    verifiers.forEach((v, i) => {
      if (v.rule.prehashed && v.rule.family === 'ed25519') {
        throw new LogError('ALGORITHM_NOT_ALLOWED', `${FIELD}.verifiers[${i}].keyDetails: ${v.keyDetails} signs digests; a DSSE envelope is signed as a message (PKIX_ED25519)`);
      }
    });
    const message = pae(payloadType, payload);
    const bySig = new Map<string, VerifierV002>();
    verifiers.forEach((verifier, i) => {
      let verifiedAny = false;
      for (const sig of sigs) {
        if (verifyMessageSignature(verifier.key, message, sig)) {
          bySig.set(encodeBase64(sig), verifier);
          verifiedAny = true;
        }
      }
      if (!verifiedAny) throw new LogError('SIGNATURE_INVALID', `${FIELD}.verifiers[${i}]: verifies none of the envelope's signatures`);
    });
    sigs.forEach((sig, i) => {
      if (!bySig.has(encodeBase64(sig))) {
        throw new LogError('SIGNATURE_INVALID', `${FIELD}.envelope.signatures[${i}]: no verifier verifies this signature`);
      }
    });
    const signatures: Json[] = [...bySig.entries()]
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([content, v]) => ({ content, verifier: v.stored }));
    const body = ctx.encodeBody({
      dsseV002: { payloadHash: { algorithm: 'SHA2_256', digest: encodeBase64(hashOf('sha256', payload)) }, signatures },
    });
    return { body, searchKeys: [] };
  },
};
