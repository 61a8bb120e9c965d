/**
 * intoto v0.0.2 (Rekor pkg/types/intoto/v0.0.2), as sigstore-js sends it
 * (packages/sign/src/witness/tlog/entry.ts, entryType 'intoto'):
 *   content.envelope {payloadType, payload: base64(base64 payload),
 *     signatures: [{keyid? (omitted when empty), sig: base64(base64 sig), publicKey: base64 PEM}]},
 *   content.hash {sha256, hex}, content.payloadHash {sha256, hex}.
 * Each signature must verify under its own publicKey over PAE(payloadType,
 * payload). (Rekor tries every key on every signature; Cairn requires the
 * key stored next to a signature to be the one that made it.)
 *
 * Canonical spec, as Rekor's Canonicalize: envelope without payload,
 * signatures in request order with `sig` re-encoded as standard base64 of the
 * same inner text, `publicKey` as base64 of the canonical PEM (the fix Rekor's
 * #1170 test expects), `hash` as sent (lowercased), `payloadHash` computed by
 * the server (a client value is checked for shape and replaced).
 *
 * `content.hash` is not recomputed, as in Rekor: there is no single
 * definition. rekor-cli hashes the raw envelope file it read; sigstore-js
 * hashes the JCS of {payloadType, payload, signatures[{keyid?, sig, publicKey:
 * <PEM text>}]}; Rekor copies the client's value. @sigstore/verify never reads
 * it (it checks the signature count is 1, the double-decoded sig and
 * payloadHash).
 */
import { LogError } from '../../errors.js';
import { sha256Hex } from '../digest.js';
import { checkRoughSize, MAX_DSSE_SIGNATURES, pae } from '../dsse.js';
import { decodeBase64Dsse, decodeBase64Std, decodeHex, encodeBase64 } from '../encoding.js';
import { asObject, invalid, optString, prop, reqArray, reqObject, reqString, type JsonObject } from '../fields.js';
import { parseVerifier, type VerifierKey } from '../keys.js';
import { IN_TOTO_PAYLOAD_TYPE, statementDigestKeys } from '../statement.js';
import type { KindContext, KindHandler } from '../types.js';
import { verifyMessageSignature } from '../verify/signature.js';

const ENV = 'spec.content.envelope';

interface IntotoSignature {
  readonly keyid: string | undefined;
  /** The inner base64 text of the signature (what DSSE calls `sig`). */
  readonly sigText: string;
  readonly sig: Uint8Array;
  readonly verifier: VerifierKey;
}

export const intotoV002: KindHandler = {
  kind: 'intoto',
  apiVersion: '0.0.2',
  prepare(spec: JsonObject, ctx: KindContext) {
    const content = reqObject(spec, 'content', 'spec.content');
    const envelope = reqObject(content, 'envelope', ENV);
    const payloadType = reqString(envelope, 'payloadType', `${ENV}.payloadType`);
    const payloadField = `${ENV}.payload`;
    const payloadText = decodeBase64Std(reqString(envelope, 'payload', payloadField), payloadField).toString('latin1');
    const payload = decodeBase64Std(payloadText, `${payloadField} (inner base64)`, false);
    const items = reqArray(envelope, 'signatures', `${ENV}.signatures`, MAX_DSSE_SIGNATURES);
    const hashHex = readHash(content);
    checkClientPayloadHash(content);
    const outer = items.map((item, i) => asObject(item, `${ENV}.signatures[${i}]`));
    const sigChars = outer.reduce((n, o) => {
      const sig = prop(o, 'sig');
      return n + (typeof sig === 'string' ? sig.length : 0);
    }, 0);
    checkRoughSize(sigChars, ctx.limits.maxBodyBytes, `${ENV}.signatures`);
    const sigs = outer.map((o, i) => readSignature(o, `${ENV}.signatures[${i}]`, ctx.limits.maxChainLength));
    const payloadHash = sha256Hex(payload);
    const body = ctx.encodeBody({
      content: {
        envelope: {
          payloadType,
          signatures: sigs.map((s) => ({
            ...(s.keyid ? { keyid: s.keyid } : {}),
            publicKey: s.verifier.canonicalBase64,
            sig: encodeBase64(Buffer.from(s.sigText, 'latin1')),
          })),
        },
        hash: { algorithm: 'sha256', value: hashHex },
        payloadHash: { algorithm: 'sha256', value: payloadHash },
      },
    });
    const message = pae(payloadType, payload);
    sigs.forEach((s, i) => {
      if (!verifyMessageSignature(s.verifier.key, message, s.sig)) {
        throw new LogError('SIGNATURE_INVALID', `${ENV}.signatures[${i}].sig: does not verify under its publicKey`);
      }
    });
    const searchKeys: string[] = [];
    for (const s of sigs) searchKeys.push(`sha256:${s.verifier.keyHash}`, ...s.verifier.subjects);
    searchKeys.push(`sha256:${payloadHash}`);
    if (payloadType === IN_TOTO_PAYLOAD_TYPE) searchKeys.push(...statementDigestKeys(payload));
    return { body, searchKeys };
  },
};

function readSignature(obj: JsonObject, path: string, maxChainLength: number): IntotoSignature {
  const sigText = decodeBase64Std(reqString(obj, 'sig', `${path}.sig`), `${path}.sig`).toString('latin1');
  const sig = decodeBase64Dsse(sigText, `${path}.sig (inner base64)`);
  const verifier = parseVerifier(reqString(obj, 'publicKey', `${path}.publicKey`), `${path}.publicKey`, maxChainLength);
  return { keyid: optString(obj, 'keyid', `${path}.keyid`), sigText, sig, verifier };
}

/** content.hash: required, sha256, 64 hex characters; returned lowercased. */
function readHash(content: JsonObject): string {
  const hash = reqObject(content, 'hash', 'spec.content.hash');
  if (reqString(hash, 'algorithm', 'spec.content.hash.algorithm') !== 'sha256') {
    throw invalid('spec.content.hash.algorithm', 'must be sha256');
  }
  return decodeHex(reqString(hash, 'value', 'spec.content.hash.value'), 32, 'spec.content.hash.value').toString('hex');
}

/** content.payloadHash is computed by the log; a client value must still be well-formed. */
function checkClientPayloadHash(content: JsonObject): void {
  if (prop(content, 'payloadHash') === undefined) return;
  const hash = reqObject(content, 'payloadHash', 'spec.content.payloadHash');
  if (reqString(hash, 'algorithm', 'spec.content.payloadHash.algorithm') !== 'sha256') {
    throw invalid('spec.content.payloadHash.algorithm', 'must be sha256');
  }
  reqString(hash, 'value', 'spec.content.payloadHash.value');
}
