/**
 * dsse v0.0.1 (Rekor pkg/types/dsse/v0.0.1). The client proposes
 * `spec.proposedContent {envelope: <DSSE envelope JSON text>, verifiers: [base64 PEM]}`;
 * every envelope signature must verify under some verifier over the PAE, and,
 * as in Rekor, every verifier must verify at least one signature (the last
 * verifier that verifies a signature is the one stored with it).
 *
 * Canonical spec (proposedContent dropped; the envelope is never stored):
 * `envelopeHash` sha256 of the exact envelope text, `payloadHash` sha256 of the
 * decoded payload, `signatures[] {signature, verifier: <base64 canonical PEM>}`
 * sorted by signature and deduplicated. `signature` is the signature in
 * standard padded base64: the envelope's text itself for every real client;
 * DSSE also allows URL-safe or unpadded text, which is re-encoded so the body
 * matches the `signature` pattern of Rekor's dsse schema.
 * Search keys: both hashes, each stored verifier's key hash and SANs, in-toto
 * subject and material digests.
 */
import { LogError } from '../../errors.js';
import { sha256Hex } from '../digest.js';
import { encodeBase64 } from '../encoding.js';
import { checkRoughSize, MAX_DSSE_SIGNATURES, pae, parseEnvelopeText } from '../dsse.js';
import { asString, invalid, prop, reqArray, reqObject, reqString, type JsonObject } from '../fields.js';
import { parseVerifier, type VerifierKey } from '../keys.js';
import { IN_TOTO_PAYLOAD_TYPE, statementDigestKeys } from '../statement.js';
import type { KindContext, KindHandler } from '../types.js';
import { verifyMessageSignature } from '../verify/signature.js';

const SERVER_FIELDS = ['envelopeHash', 'payloadHash', 'signatures'] as const;

export const dsseV001: KindHandler = {
  kind: 'dsse',
  apiVersion: '0.0.1',
  prepare(spec: JsonObject, ctx: KindContext) {
    for (const field of SERVER_FIELDS) {
      if (prop(spec, field) !== undefined) throw invalid(`spec.${field}`, 'is computed by the log; send only proposedContent');
    }
    const proposed = reqObject(spec, 'proposedContent', 'spec.proposedContent');
    const envelopeText = reqString(proposed, 'envelope', 'spec.proposedContent.envelope');
    const verifierTexts = reqArray(proposed, 'verifiers', 'spec.proposedContent.verifiers', MAX_DSSE_SIGNATURES).map((v, i) =>
      asString(v, `spec.proposedContent.verifiers[${i}]`),
    );
    const env = parseEnvelopeText(envelopeText, 'spec.proposedContent.envelope');
    const sigBytes = env.signatures.reduce((sum, s) => sum + s.sigText.length, 0);
    checkRoughSize(sigBytes, ctx.limits.maxBodyBytes, 'spec.proposedContent.envelope.signatures');
    const verifiers = verifierTexts.map((text, i) =>
      parseVerifier(text, `spec.proposedContent.verifiers[${i}]`, ctx.limits.maxChainLength),
    );
    const message = pae(env.payloadType, env.payload);
    const bySig = new Map<string, VerifierKey>();
    verifiers.forEach((verifier, i) => {
      let verifiedAny = false;
      for (const s of env.signatures) {
        if (verifyMessageSignature(verifier.key, message, s.sig)) {
          bySig.set(encodeBase64(s.sig), verifier);
          verifiedAny = true;
        }
      }
      if (!verifiedAny) {
        throw new LogError('SIGNATURE_INVALID', `spec.proposedContent.verifiers[${i}]: verifies none of the envelope's signatures`);
      }
    });
    env.signatures.forEach((s, i) => {
      if (!bySig.has(encodeBase64(s.sig))) {
        throw new LogError('SIGNATURE_INVALID', `spec.proposedContent.envelope.signatures[${i}]: no verifier verifies this signature`);
      }
    });
    const stored = [...bySig.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    const payloadHash = sha256Hex(env.payload);
    const envelopeHash = sha256Hex(Buffer.from(envelopeText, 'utf8'));
    const body = ctx.encodeBody({
      envelopeHash: { algorithm: 'sha256', value: envelopeHash },
      payloadHash: { algorithm: 'sha256', value: payloadHash },
      signatures: stored.map(([signature, v]) => ({ signature, verifier: v.canonicalBase64 })),
    });
    const searchKeys = [`sha256:${payloadHash}`, `sha256:${envelopeHash}`];
    for (const [, v] of stored) searchKeys.push(`sha256:${v.keyHash}`, ...v.subjects);
    if (env.payloadType === IN_TOTO_PAYLOAD_TYPE) searchKeys.push(...statementDigestKeys(env.payload));
    return { body, searchKeys };
  },
};
