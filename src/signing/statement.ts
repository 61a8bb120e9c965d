/**
 * in-toto Statement v1 (in-toto/attestation spec v1 "Statement"), as cosign
 * v3 writes it for `sign` and `attest` (oci-signatures.md §6): one subject
 * with only a digest (no `name`), the predicate type, the predicate.
 */
import { bad, get, isRecord, parseJson, utf8Bytes } from './json.js';
import { IN_TOTO_STATEMENT_V1 } from './media-types.js';
import { digestHex } from './digest.js';

/** Statement `_type`s accepted when reading (v1, and v0.1 as older attesters write). */
export const STATEMENT_TYPES: readonly string[] = [IN_TOTO_STATEMENT_V1, 'https://in-toto.io/Statement/v0.1'];

/** A parsed statement: its subjects' sha256 digests, predicate type and predicate. */
export interface Statement {
  readonly type: string;
  /** Lowercase hex sha256 of each subject that names one. */
  readonly subjectSha256: readonly string[];
  readonly predicateType: string;
  readonly predicate: unknown;
}

/**
 * The statement bytes for image `manifestDigest` (`sha256:<hex>`):
 * `{"_type":"https://in-toto.io/Statement/v1","subject":[{"digest":{"sha256":"<hex>"}}],"predicateType":T,"predicate":P}`.
 * `predicate` must be JSON data (cosign `sign` uses `{}`); `subjectAnnotations`
 * (optional) are added to the subject as cosign does. Throws ARTIFACT_INVALID
 * for a malformed digest, an empty predicate type or a predicate that is not an object.
 */
export function inTotoStatement(
  manifestDigest: string,
  predicateType: string,
  predicate: unknown,
  subjectAnnotations?: Readonly<Record<string, string>>,
): Uint8Array {
  const hex = digestHex(manifestDigest);
  if (predicateType === '') throw bad('predicateType', 'must not be empty');
  if (!isRecord(predicate)) throw bad('predicate', 'must be a JSON object');
  const subject: Record<string, unknown> = { digest: { sha256: hex } };
  if (subjectAnnotations !== undefined && Object.keys(subjectAnnotations).length > 0) subject['annotations'] = subjectAnnotations;
  return utf8Bytes(JSON.stringify({ _type: IN_TOTO_STATEMENT_V1, subject: [subject], predicateType, predicate }));
}

/**
 * Parse a VERIFIED statement payload. Throws ARTIFACT_INVALID for non-JSON,
 * an unknown `_type`, a `subject` that is not a non-empty array of objects,
 * or a missing `predicateType`.
 */
export function parseStatement(payload: Uint8Array): Statement {
  const top = parseJson(payload, 'statement');
  if (!isRecord(top)) throw bad('statement', 'expected an object');
  const type = get(top, '_type');
  if (typeof type !== 'string' || !STATEMENT_TYPES.includes(type)) throw bad('statement._type', 'not an in-toto statement type');
  const subjects = get(top, 'subject');
  if (!Array.isArray(subjects) || subjects.length === 0) throw bad('statement.subject', 'expected a non-empty array');
  const subjectSha256: string[] = [];
  subjects.forEach((s, i) => {
    if (!isRecord(s)) throw bad(`statement.subject[${i}]`, 'expected an object');
    const d = get(s, 'digest');
    if (!isRecord(d)) throw bad(`statement.subject[${i}].digest`, 'expected an object');
    const v = get(d, 'sha256');
    if (typeof v === 'string' && /^[0-9a-fA-F]{64}$/.test(v)) subjectSha256.push(v.toLowerCase());
  });
  const predicateType = get(top, 'predicateType');
  if (typeof predicateType !== 'string' || predicateType === '') throw bad('statement.predicateType', 'expected a non-empty string');
  return { type, subjectSha256, predicateType, predicate: get(top, 'predicate') };
}
