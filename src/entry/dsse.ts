/**
 * DSSE envelopes (secure-systems-lab/dsse `envelope.md`, protocol v1) as the
 * dsse and intoto kinds receive them: payload and signatures in base64
 * (standard or URL-safe, as go-securesystemslib accepts), signatures checked
 * over the pre-authentication encoding.
 */
import { LogError } from '../errors.js';
import { decodeBase64Dsse } from './encoding.js';
import { asObject, invalid, optString, reqArray, reqString, type JsonObject } from './fields.js';

/** Most signatures (and verifiers) an envelope may carry; real envelopes have one. */
export const MAX_DSSE_SIGNATURES = 16;

/** One signature as written in the envelope. */
export interface DsseSignature {
  /** The base64 text exactly as in the envelope. */
  readonly sigText: string;
  readonly sig: Uint8Array;
  readonly keyid: string | undefined;
}

/** A decoded envelope. */
export interface DsseEnvelope {
  readonly payloadType: string;
  readonly payload: Uint8Array;
  readonly signatures: readonly DsseSignature[];
}

/** DSSE v1 PAE: "DSSEv1" SP LEN(type) SP type SP LEN(body) SP body, lengths in ASCII decimal bytes. */
export function pae(payloadType: string, payload: Uint8Array): Buffer {
  const type = Buffer.from(payloadType, 'utf8');
  return Buffer.concat([
    Buffer.from(`DSSEv1 ${type.length} `, 'ascii'),
    type,
    Buffer.from(` ${payload.length} `, 'ascii'),
    payload,
  ]);
}

/** Parse the envelope JSON text (attacker-controlled) read from `field`. */
export function parseEnvelopeText(text: string, field: string): DsseEnvelope {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw invalid(field, 'not valid JSON');
  }
  const env = asObject(value, field);
  const payloadType = reqString(env, 'payloadType', `${field}.payloadType`, false);
  const payload = decodeBase64Dsse(reqString(env, 'payload', `${field}.payload`, false), `${field}.payload`, false);
  const items = reqArray(env, 'signatures', `${field}.signatures`, MAX_DSSE_SIGNATURES);
  const signatures = items.map((item, i) => {
    const path = `${field}.signatures[${i}]`;
    const sigObj = asObject(item, path);
    return readSignature(sigObj, path);
  });
  return { payloadType, payload, signatures };
}

function readSignature(obj: JsonObject, path: string): DsseSignature {
  const sigText = reqString(obj, 'sig', `${path}.sig`);
  const sig = decodeBase64Dsse(sigText, `${path}.sig`);
  return { sigText, sig, keyid: optString(obj, 'keyid', `${path}.keyid`) };
}

/** TOO_LARGE when `bytes` alone exceeds the body limit (cheap check before verifying). */
export function checkRoughSize(bytes: number, maxBodyBytes: number, what: string): void {
  if (bytes > maxBodyBytes) {
    throw new LogError('TOO_LARGE', `${what}: ${bytes} bytes cannot fit in a canonical body of at most ${maxBodyBytes} bytes`);
  }
}
