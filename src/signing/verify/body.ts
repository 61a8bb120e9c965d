/**
 * Does the logged body describe this signature? (oci-signatures.md §4 step
 * 5.3; sigstore-js verify/src/tlog/{hashedrekord,dsse,intoto}.ts.) The body
 * is attacker-controlled; reading failures are BODY_MISMATCH or
 * UNSUPPORTED_ENTRY_KIND, never an exception.
 *
 * - hashedrekord 0.0.1: `signature.content` is the signature,
 *   `data.hash` the payload's digest (sha256/384/512), and the key is
 *   `signature.publicKey.content` (base64 PEM of a PUBLIC KEY, or of a
 *   CERTIFICATE whose key is used).
 * - dsse 0.0.1: `payloadHash` is sha256 of the payload, and some
 *   `signatures[]` has the envelope's signature and a verifier key.
 * - intoto 0.0.2: `content.payloadHash` likewise, and some
 *   `content.envelope.signatures[]` has `sig` = base64 of the signature's
 *   base64 text, and a `publicKey`.
 * The result is the key(s) the body names for the signature, as SPKI DER;
 * the caller checks the verified signer is among them.
 */
import { X509Certificate, createHash } from 'node:crypto';
import { decodePem, digest, type HashAlgorithm } from '../../entry/index.js';
import { b64, get, isRecord, parseJson, toB64, toHex, type JsonRecord } from '../json.js';
import { refuse } from './verdict.js';

/** What was signed: a message signature over a payload, or a DSSE signature. */
export type SignedMaterial =
  | { readonly type: 'message'; readonly payload: Uint8Array; readonly signature: Uint8Array }
  | { readonly type: 'dsse'; readonly payload: Uint8Array; readonly signature: Uint8Array };

/** What the body says about the signer. */
export interface BodyMatch {
  readonly kind: string;
  /** SPKI DER of the key(s) the body binds to this signature. */
  readonly keys: readonly Uint8Array[];
  /** The payload digest algorithm (hashedrekord), for the signature check. */
  readonly hashAlgorithm: HashAlgorithm;
}

/** Matches `body` to `material`; refuses BODY_MISMATCH or UNSUPPORTED_ENTRY_KIND. */
export function matchBody(body: Uint8Array, material: SignedMaterial): BodyMatch {
  const obj = readOrMismatch(() => parseJson(body, 'body'));
  if (!isRecord(obj)) refuse('BODY_MISMATCH', 'the logged body is not an object');
  const kind = `${String(get(obj, 'kind'))}/${String(get(obj, 'apiVersion'))}`;
  const spec = get(obj, 'spec');
  if (!isRecord(spec)) refuse('BODY_MISMATCH', 'the logged body has no spec');
  if (kind === 'hashedrekord/0.0.1' && material.type === 'message') return hashedrekord(spec, material);
  if (kind === 'dsse/0.0.1' && material.type === 'dsse') return dsse(spec, material);
  if (kind === 'intoto/0.0.2' && material.type === 'dsse') return intoto(spec, material);
  return refuse('UNSUPPORTED_ENTRY_KIND', `a ${kind} entry cannot log a ${material.type} signature here`);
}

function hashedrekord(spec: JsonRecord, m: SignedMaterial): BodyMatch {
  const sig = field(spec, ['signature', 'content']);
  if (sig !== toB64(m.signature)) refuse('BODY_MISMATCH', 'the logged signature is another signature');
  const alg = field(spec, ['data', 'hash', 'algorithm']);
  if (alg !== 'sha256' && alg !== 'sha384' && alg !== 'sha512') return refuse('BODY_MISMATCH', `unknown hash algorithm ${alg}`);
  if (field(spec, ['data', 'hash', 'value']) !== toHex(digest(alg, m.payload))) {
    refuse('BODY_MISMATCH', 'the logged hash is not the payload\'s');
  }
  return { kind: 'hashedrekord', keys: [keyOfPem(field(spec, ['signature', 'publicKey', 'content']))], hashAlgorithm: alg };
}

function dsse(spec: JsonRecord, m: SignedMaterial): BodyMatch {
  checkPayloadHash(field(spec, ['payloadHash', 'value']), m.payload);
  const sigText = toB64(m.signature);
  const sigs = get(spec, 'signatures');
  const keys = (Array.isArray(sigs) ? sigs : [])
    .filter((s): s is JsonRecord => isRecord(s) && get(s, 'signature') === sigText)
    .map((s) => keyOfPem(String(get(s, 'verifier'))));
  if (keys.length === 0) refuse('BODY_MISMATCH', 'the logged signatures do not include the envelope\'s');
  return { kind: 'dsse', keys, hashAlgorithm: 'sha256' };
}

function intoto(spec: JsonRecord, m: SignedMaterial): BodyMatch {
  const content = get(spec, 'content');
  if (!isRecord(content)) return refuse('BODY_MISMATCH', 'the logged intoto entry has no content');
  checkPayloadHash(field(content, ['payloadHash', 'value']), m.payload);
  const envelope = get(content, 'envelope');
  const sigs = isRecord(envelope) ? get(envelope, 'signatures') : undefined;
  const want = toB64(new TextEncoder().encode(toB64(m.signature)));
  const keys = (Array.isArray(sigs) ? sigs : [])
    .filter((s): s is JsonRecord => isRecord(s) && get(s, 'sig') === want)
    .map((s) => keyOfPem(String(get(s, 'publicKey'))));
  if (keys.length === 0) refuse('BODY_MISMATCH', 'the logged signatures do not include the envelope\'s');
  return { kind: 'intoto', keys, hashAlgorithm: 'sha256' };
}

function checkPayloadHash(value: string, payload: Uint8Array): void {
  if (value !== createHash('sha256').update(payload).digest('hex')) refuse('BODY_MISMATCH', 'the logged payload hash is not the payload\'s');
}

/** The SPKI DER of base64(PEM PUBLIC KEY | CERTIFICATE…), the leaf's for a chain. */
function keyOfPem(base64Pem: string): Uint8Array {
  return readOrMismatch(() => {
    const text = Buffer.from(b64(base64Pem, 'publicKey'))
      .toString('latin1');
    const first = decodePem(text, 'publicKey', 10)[0];
    if (first === undefined) throw new Error('no PEM block');
    if (first.type === 'CERTIFICATE') {
      return new Uint8Array(new X509Certificate(first.der).publicKey.export({ format: 'der', type: 'spki' }));
    }
    if (first.type !== 'PUBLIC KEY') throw new Error(`PEM block ${first.type}`);
    return first.der;
  });
}

/** The string at `path` in `obj`, or "" (which never matches a real value). */
function field(obj: JsonRecord, path: readonly string[]): string {
  let cur: unknown = obj;
  for (const p of path) cur = isRecord(cur) ? get(cur, p) : undefined;
  return typeof cur === 'string' ? cur : '';
}

function readOrMismatch<T>(f: () => T): T {
  try {
    return f();
  } catch (err) {
    return refuse('BODY_MISMATCH', `the logged body cannot be read: ${(err as Error).message}`);
  }
}
