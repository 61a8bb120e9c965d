/**
 * DSSE envelopes (secure-systems-lab/dsse `envelope.md`, protocol v1) in the
 * two JSON spellings the formats use: cosign's (legacy `.att` blobs and the
 * envelope text of a proposed `dsse` entry: `payloadType, payload,
 * signatures[{keyid, sig}]`, keyid always written) and the bundle's protojson
 * (`payload, payloadType, signatures[{sig, keyid}]`, an empty keyid omitted)
 * (oci-signatures.md §2, §5). The signature covers PAE(payloadType, payload).
 */
import { pae } from '../entry/index.js';
import { asRecord, b64, bad, get, parseJson, reqArr, reqStr, toB64 } from './json.js';

/** Most signatures read from one envelope. */
export const MAX_ENVELOPE_SIGNATURES = 16;

export interface EnvelopeSignature {
  /** "" when the signer gives none (cosign). */
  readonly keyid: string;
  readonly sig: Uint8Array;
}

/** A decoded DSSE envelope. */
export interface DsseEnvelope {
  readonly payloadType: string;
  readonly payload: Uint8Array;
  readonly signatures: readonly EnvelopeSignature[];
}

/** DSSE v1 pre-authentication encoding: the bytes a DSSE signature covers (oci-signatures.md §5 "DSSE"). */
export function dssePae(payloadType: string, payload: Uint8Array): Uint8Array {
  return new Uint8Array(pae(payloadType, payload));
}

/** cosign's envelope JSON text: `{"payloadType":…,"payload":…,"signatures":[{"keyid":…,"sig":…}]}`. */
export function envelopeJson(env: DsseEnvelope): string {
  return JSON.stringify({
    payloadType: env.payloadType,
    payload: toB64(env.payload),
    signatures: env.signatures.map((s) => ({ keyid: s.keyid, sig: toB64(s.sig) })),
  });
}

/** The bundle's protojson form of the envelope (an empty keyid omitted). */
export function envelopeProtoJson(env: DsseEnvelope): Record<string, unknown> {
  return {
    payload: toB64(env.payload),
    payloadType: env.payloadType,
    signatures: env.signatures.map((s) => (s.keyid === '' ? { sig: toB64(s.sig) } : { sig: toB64(s.sig), keyid: s.keyid })),
  };
}

/**
 * Reads an envelope (attacker-controlled) from JSON text, bytes or an
 * already-parsed value, in either spelling. Base64 must be standard and
 * canonical. Throws ARTIFACT_INVALID naming the field; at least one and at
 * most MAX_ENVELOPE_SIGNATURES signatures.
 */
export function parseEnvelope(input: string | Uint8Array | unknown, field = 'envelope'): DsseEnvelope {
  const value = typeof input === 'string' || input instanceof Uint8Array ? parseJson(input, field) : input;
  const env = asRecord(value, field);
  const payloadType = reqStr(env, 'payloadType', `${field}.payloadType`);
  const payload = b64(reqStr(env, 'payload', `${field}.payload`), `${field}.payload`);
  const items = reqArr(env, 'signatures', `${field}.signatures`, MAX_ENVELOPE_SIGNATURES);
  if (items.length === 0) throw bad(`${field}.signatures`, 'must not be empty');
  const signatures = items.map((item, i) => {
    const s = asRecord(item, `${field}.signatures[${i}]`);
    const keyid = get(s, 'keyid') ?? '';
    if (typeof keyid !== 'string') throw bad(`${field}.signatures[${i}].keyid`, 'expected a string');
    const sig = b64(reqStr(s, 'sig', `${field}.signatures[${i}].sig`), `${field}.signatures[${i}].sig`);
    if (sig.length === 0) throw bad(`${field}.signatures[${i}].sig`, 'must not be empty');
    return { keyid, sig };
  });
  return { payloadType, payload, signatures };
}
