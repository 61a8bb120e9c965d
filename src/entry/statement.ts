/**
 * Search keys from an in-toto statement payload (in-toto attestation spec
 * v0.1/v1): `subject[].digest` and, for SLSA v0.2 provenance,
 * `predicate.materials[].digest`, as `<algorithm>:<value>`. Indexing is
 * best-effort as in Rekor: a payload that is not a statement yields no keys
 * and never rejects the entry.
 */
import { isObject, prop } from './fields.js';

/** The DSSE payloadType of in-toto statements. */
export const IN_TOTO_PAYLOAD_TYPE = 'application/vnd.in-toto+json';

/** Most digest keys taken from one statement. */
export const MAX_STATEMENT_KEYS = 1024;

const ALGORITHM = /^[A-Za-z0-9._+-]{1,64}$/;
const VALUE = /^[A-Za-z0-9+/=_.-]{1,512}$/;

/** Digest keys of the statement in `payload` (UTF-8 JSON), at most MAX_STATEMENT_KEYS. */
export function statementDigestKeys(payload: Uint8Array): string[] {
  let statement: unknown;
  try {
    statement = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(payload));
  } catch {
    return [];
  }
  if (!isObject(statement)) return [];
  const keys: string[] = [];
  collect(prop(statement, 'subject'), keys);
  const predicate = prop(statement, 'predicate');
  if (isObject(predicate)) collect(prop(predicate, 'materials'), keys);
  return keys;
}

function collect(list: unknown, keys: string[]): void {
  if (!Array.isArray(list)) return;
  for (const item of list) {
    if (!isObject(item)) continue;
    const digests = prop(item, 'digest');
    if (!isObject(digests)) continue;
    for (const alg of Object.keys(digests)) {
      const value = digests[alg];
      if (keys.length >= MAX_STATEMENT_KEYS) return;
      if (typeof value === 'string' && ALGORITHM.test(alg) && VALUE.test(value)) keys.push(`${alg}:${value}`);
    }
  }
}
