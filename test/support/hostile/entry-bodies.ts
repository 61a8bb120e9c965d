/**
 * Hostile bodies for POST /api/v1/log/entries (and proposed entries inside
 * searches): valid entries of every kind with one part made hostile (a field
 * replaced, removed, or given a wrong type; bad base64; garbage PEM and DER;
 * odd certificates; signatures of the wrong length; duplicated keys), and
 * hostile JSON text (malformed, deeply nested, oversized). Every body here
 * MUST be refused: the bases are first submitted as they are, so a mutation
 * that changes nothing answers 409, never 201.
 */
import { createHash, sign } from 'node:crypto';
import { b64, dsseEntry, dsseV2, ecKey, hashedRekord, hashedRekordV2, intotoEntry, type TestKey } from '../http.js';
import { buildChain, certsPem } from '../entry/x509.js';
import { intBetween, pick, randomBytesFrom, type Rng } from '../prng.js';
import { oddCertificates } from './certs.js';
import { badBase64, deepJsonText, garbageDer, hostileJson, hostileString, mutateDer, pemAround } from './values.js';

type Path = (string | number)[];

export interface EntryBases {
  readonly key: TestKey;
  /** Valid proposed entries (submitted before the fuzz runs). */
  readonly valid: readonly Record<string, unknown>[];
  readonly spkiDer: Buffer;
  readonly certDer: Buffer;
  /** Odd certificates of `key` (by description). */
  readonly oddCerts: ReadonlyArray<[string, Buffer]>;
  /**
   * A dsse entry whose verifier is another key: its envelope's unsigned parts
   * (keyid, whitespace) may be mutated and it still MUST be refused (a valid
   * envelope with another keyid is a new, valid entry: the envelope hash covers its text).
   */
  readonly dsseWrongVerifier: Record<string, unknown>;
  /** Valid Rekor v2 `CreateEntryRequest`s (submitted to POST /api/v2/log/entries before the fuzz runs). */
  readonly v2Valid: readonly Record<string, unknown>[];
  /** A v2 dsse request whose verifier is another key: any mutation of it MUST be refused. */
  readonly v2DsseWrongVerifier: Record<string, unknown>;
  /** A key whose signatures no base's verifier accepts. */
  readonly otherKey: TestKey;
}

export function makeEntryBases(): EntryBases {
  const key = ecKey('P-256');
  const chain = buildChain(2, key, { emails: ['fuzz@example.com'] });
  const dsse = dsseEntry(key, '{"_type":"https://in-toto.io/Statement/v1","subject":[]}') as { spec: { proposedContent: Record<string, unknown> } };
  const otherKey = ecKey('P-256');
  const dsseWrongVerifier = structuredClone(dsse);
  dsseWrongVerifier.spec.proposedContent['verifiers'] = [b64(ecKey('P-256').pem)];
  return {
    dsseWrongVerifier,
    key,
    valid: [
      hashedRekord(key, 'fuzz base'),
      hashedRekord(key, 'fuzz base chain', { publicKey: b64(certsPem(chain)) }),
      dsseEntry(key, '{"_type":"https://in-toto.io/Statement/v1","subject":[]}'),
      intotoEntry(key, '{"_type":"https://in-toto.io/Statement/v0.1"}'),
    ],
    spkiDer: key.publicKey.export({ type: 'spki', format: 'der' }),
    certDer: chain[0]!,
    oddCerts: oddCertificates(key),
    v2Valid: [
      hashedRekordV2(key, 'fuzz v2 base'),
      hashedRekordV2(key, 'fuzz v2 base cert', { certDer: chain[0]! }),
      hashedRekordV2(key, 'fuzz v2 base spki as cert', { certDer: key.publicKey.export({ type: 'spki', format: 'der' }) }),
      dsseV2(key, '{"_type":"https://in-toto.io/Statement/v1","subject":[]}'),
    ],
    v2DsseWrongVerifier: dsseV2(key, '{"_type":"https://in-toto.io/Statement/v1"}', 'application/vnd.in-toto+json', otherKey),
    otherKey,
  };
}

const V2_SIG: Path = ['hashedRekordRequestV002', 'signature', 'content'];
const V2_DIGEST: Path = ['hashedRekordRequestV002', 'digest'];
const V2_VERIFIER: Path = ['hashedRekordRequestV002', 'signature', 'verifier'];

/** One hostile Rekor v2 CreateEntryRequest (a JS value to be sent as JSON). */
export function hostileV2Value(rnd: Rng, bases: EntryBases): { kind: string; value: unknown } {
  const base = pick(rnd, [...bases.v2Valid, bases.v2DsseWrongVerifier]);
  const hashed = bases.v2Valid[0]!;
  switch (intBetween(rnd, 0, 8)) {
    case 0: {
      // Not the valid dsse: its unsigned keyid may change and still be the same entry (a 409), which is fine, but a
      // field replaced in the wrong-verifier one is always refused.
      return { kind: 'v2 field replaced', value: replaceAt(base, pick(rnd, paths(base)), () => (rnd() < 0.15 ? undefined : hostileJson(rnd))) };
    }
    case 1: {
      const p = pick(rnd, paths(base).filter((q) => q.length > 0));
      return { kind: 'v2 wrong type', value: replaceAt(base, p, (old) => (typeof old === 'string' ? pick(rnd, [0, -1, 1e308, true, null, [old], { old }]) : String(old))) };
    }
    case 2: {
      const len = pick(rnd, [0, 1, 8, 31, 63, 64, 65, 70, 71, 72, 73, 96, 132, 256, 512, 4096, 40_000]);
      return { kind: 'v2 signature of the wrong length', value: replaceAt(hashed, V2_SIG, () => randomBytesFrom(rnd, len).toString('base64')) };
    }
    case 3:
      return { kind: 'v2 invalid base64', value: replaceAt(hashed, pick(rnd, [V2_SIG, V2_DIGEST, [...V2_VERIFIER, 'publicKey', 'rawBytes']]), () => badBase64(rnd)) };
    case 4: {
      const der = pick(rnd, [() => garbageDer(rnd), () => mutateDer(rnd, bases.spkiDer), () => mutateDer(rnd, bases.certDer), () => pick(rnd, bases.oddCerts)[1]])();
      const holder = pick(rnd, ['publicKey', 'x509Certificate']);
      // Signed by another key: a DER that still parses as `key` (an odd or mutated certificate) MUST be refused too.
      const sig = sign('sha256', Buffer.from('fuzz v2 base'), bases.otherKey.privateKey).toString('base64');
      const e = replaceAt(hashed, V2_VERIFIER, () => ({ [holder]: { rawBytes: b64(der) }, keyDetails: 'PKIX_ECDSA_P256_SHA_256' }));
      return { kind: 'v2 garbage DER', value: replaceAt(e, V2_SIG, () => sig) };
    }
    case 5: {
      const keyDetails = pick(rnd, ['PKIX_ECDSA_P384_SHA_384', 'PKIX_ED25519', 'PKIX_ED25519_PH', 'PKIX_RSA_PKCS1V15_2048_SHA256', 'PKIX_ECDSA_P256_SHA_256 ', 'pkix_ecdsa_p256_sha_256', '', '__proto__', 'toString', hostileString(rnd)]);
      return { kind: 'v2 key details', value: replaceAt(hashed, [...V2_VERIFIER, 'keyDetails'], () => keyDetails) };
    }
    case 6: {
      const digest = pick(rnd, [randomBytesFrom(rnd, 32), randomBytesFrom(rnd, 31), randomBytesFrom(rnd, 48), randomBytesFrom(rnd, 64), Buffer.alloc(0)]);
      return { kind: 'v2 bad digest', value: replaceAt(hashed, V2_DIGEST, () => digest.toString('base64')) };
    }
    case 7: {
      const field = pick(rnd, ['hashedRekordRequestV002', 'dsseRequestV002', 'hashedRekordRequestV0_0_2', 'hashed_rekord_request_v002', '__proto__', 'constructor', '']);
      const both = { ...hashed, ...(bases.v2Valid[3] as object) };
      return { kind: 'v2 request kind', value: pick(rnd, [{ [field]: hostileJson(rnd, 3) }, both, {}, hostileJson(rnd, 4)]) };
    }
    default: {
      const env = (bases.v2DsseWrongVerifier as { dsseRequestV002: { envelope: unknown } }).dsseRequestV002.envelope;
      const mutated = replaceAt(env, pick(rnd, paths(env)), () => hostileJson(rnd));
      return { kind: 'v2 DSSE envelope field', value: replaceAt(bases.v2DsseWrongVerifier, ['dsseRequestV002', 'envelope'], () => mutated) };
    }
  }
}

/** Hostile JSON text around a v2 request: malformed, duplicated keys, deeply nested. */
export function hostileV2Text(rnd: Rng, bases: EntryBases): { kind: string; text: string } {
  const valid = JSON.stringify(pick(rnd, [bases.v2Valid[0], bases.v2DsseWrongVerifier]));
  switch (intBetween(rnd, 0, 3)) {
    case 0:
      return { kind: 'v2 truncated JSON', text: valid.slice(0, intBetween(rnd, 0, valid.length - 1)) };
    case 1: {
      const i = intBetween(rnd, 0, valid.length - 1);
      return { kind: 'v2 corrupted JSON', text: valid.slice(0, i) + pick(rnd, ['"', '\\', '{', ']', ',', '\u0000', 'NaN', "'", '/*', '\ud800']) + valid.slice(i + 1) };
    }
    case 2: {
      const deep = deepJsonText(pick(rnd, [1_000, 10_000, 50_000]), pick(rnd, ['array', 'object', 'mixed'] as const));
      return { kind: 'v2 deeply nested JSON', text: rnd() < 0.5 ? deep : valid.replace(/"content":"[^"]*"|"envelope":/, (m) => (m.startsWith('"content"') ? `"content":${deep}` : `"envelope":${deep},"x":`)) };
    }
    default:
      return { kind: 'v2 duplicated keys', text: valid.replace(/}$/, `,"${pick(rnd, ['hashedRekordRequestV002', 'dsseRequestV002'])}":${JSON.stringify(hostileJson(rnd, 2)) ?? 'null'}}`) };
  }
}

function paths(value: unknown, prefix: Path = []): Path[] {
  const out: Path[] = [prefix];
  if (Array.isArray(value)) value.forEach((v, i) => out.push(...paths(v, [...prefix, i])));
  else if (value !== null && typeof value === 'object') for (const [k, v] of Object.entries(value)) out.push(...paths(v, [...prefix, k]));
  return out;
}

/** A copy of `root` with the value at `path` replaced by `make()` (or deleted when it returns undefined). */
function replaceAt(root: unknown, path: Path, make: (old: unknown) => unknown): unknown {
  if (path.length === 0) return make(root);
  const copy = structuredClone(root) as Record<string | number, unknown>;
  let node = copy;
  for (const k of path.slice(0, -1)) node = node[k] as Record<string | number, unknown>;
  const last = path[path.length - 1]!;
  const v = make(node[last]);
  if (v === undefined) delete node[last];
  else node[last] = v;
  return copy;
}

const HASHED_SIG: Path = ['spec', 'signature', 'content'];
const HASHED_KEY: Path = ['spec', 'signature', 'publicKey', 'content'];
const HASHED_DIGEST: Path = ['spec', 'data', 'hash', 'value'];

/** A hashedrekord whose public key field is `content` (base64 of PEM, or whatever the case wants), signed by the base key. */
function withKeyContent(bases: EntryBases, content: unknown): unknown {
  return replaceAt(bases.valid[0], HASHED_KEY, () => content);
}

/** One hostile proposed entry (a JS value to be sent as JSON). */
export function hostileEntryValue(rnd: Rng, bases: EntryBases): { kind: string; value: unknown } {
  const base = pick(rnd, bases.valid);
  switch (intBetween(rnd, 0, 9)) {
    case 0: {
      const all = paths(base);
      return { kind: 'field replaced', value: replaceAt(base, pick(rnd, all), () => (rnd() < 0.15 ? undefined : hostileJson(rnd))) };
    }
    case 1: {
      const all = paths(base).filter((p) => p.length > 0);
      const p = pick(rnd, all);
      return { kind: 'wrong type', value: replaceAt(base, p, (old) => (typeof old === 'string' ? pick(rnd, [0, -1, 1e308, true, null, [old], { old }]) : String(old))) };
    }
    case 2: {
      const len = pick(rnd, [0, 1, 8, 31, 63, 64, 65, 70, 71, 72, 73, 96, 132, 256, 512, 4096, 40_000]);
      return { kind: 'signature of the wrong length', value: replaceAt(bases.valid[0], HASHED_SIG, () => randomBytesFrom(rnd, len).toString('base64')) };
    }
    case 3: {
      const at = pick(rnd, [HASHED_SIG, HASHED_KEY, HASHED_DIGEST]);
      return { kind: 'invalid base64', value: replaceAt(bases.valid[0], at, () => badBase64(rnd)) };
    }
    case 4: {
      const der = pick(rnd, [() => garbageDer(rnd), () => mutateDer(rnd, bases.spkiDer), () => mutateDer(rnd, bases.certDer)])();
      return { kind: 'garbage PEM and DER', value: withKeyContent(bases, b64(rnd() < 0.8 ? pemAround(rnd, der) : der)) };
    }
    case 5: {
      // Odd certificates: the artifact signature is made by another key, so the entry is refused after the certificate is parsed.
      const [, der] = pick(rnd, bases.oddCerts);
      const wrong = ecKey('P-256');
      const sig = sign('sha256', Buffer.from('fuzz base'), wrong.privateKey).toString('base64');
      return { kind: 'odd certificate', value: replaceAt(withKeyContent(bases, b64(certsPem([der]))), HASHED_SIG, () => sig) };
    }
    case 6: {
      const value = pick(rnd, ['', 'zz'.repeat(32), 'AB'.repeat(32) + 'a', 'ab'.repeat(31), 'ab'.repeat(48), 'ab'.repeat(33), hostileString(rnd)]);
      const algorithm = pick(rnd, ['sha256', 'sha384', 'sha512', 'sha1', 'md5', 'SHA256', '', 'sha3-256']);
      const digest = createHash('sha256').update('something else').digest('hex');
      const e = replaceAt(bases.valid[0], ['spec', 'data', 'hash'], () => ({ algorithm, value: rnd() < 0.5 ? value : digest }));
      return { kind: 'bad digest', value: e };
    }
    case 7:
      return { kind: 'random JSON', value: hostileJson(rnd, 6) };
    case 8:
      return { kind: 'kind and version', value: { ...base, kind: pick(rnd, ['rekord', 'hashedrekord ', 'HASHEDREKORD', 'intoto', 'dsse', 'alpine', '']), apiVersion: pick(rnd, ['0.0.1', '0.0.2', '0.0.3', '1', '', 'v0.0.1']) } };
    default: {
      // A nested envelope field (dsse envelope text, intoto signatures) replaced.
      const dsse = bases.dsseWrongVerifier as { spec: { proposedContent: { envelope: string } } };
      const env = JSON.parse(dsse.spec.proposedContent.envelope) as unknown;
      const mutated = replaceAt(env, pick(rnd, paths(env)), () => hostileJson(rnd));
      return { kind: 'DSSE envelope field', value: replaceAt(dsse, ['spec', 'proposedContent', 'envelope'], () => JSON.stringify(mutated) ?? 'null') };
    }
  }
}

/** Hostile JSON text: malformed, duplicated keys, deeply nested, BOM, trailing garbage. */
export function hostileEntryText(rnd: Rng, bases: EntryBases): { kind: string; text: string } {
  // Not the valid dsse: a character changed inside its envelope text can still be a valid, new envelope.
  const valid = JSON.stringify(pick(rnd, [bases.valid[0], bases.valid[1], bases.dsseWrongVerifier, bases.valid[3]]));
  switch (intBetween(rnd, 0, 5)) {
    case 0:
      return { kind: 'truncated JSON', text: valid.slice(0, intBetween(rnd, 0, valid.length - 1)) };
    case 1: {
      const i = intBetween(rnd, 0, valid.length - 1);
      return { kind: 'corrupted JSON', text: valid.slice(0, i) + pick(rnd, ['"', '\\', '{', ']', ',', '\u0000', 'NaN', "'", '/*', '\ud800']) + valid.slice(i + 1) };
    }
    case 2: {
      // Duplicated keys: a valid value first, a hostile one last (JSON.parse keeps the last).
      const key = pick(rnd, ['kind', 'apiVersion', 'spec']);
      const bad = JSON.stringify(hostileJson(rnd, 2)) ?? 'null';
      return { kind: 'duplicated keys', text: valid.replace(/}$/, `,"${key}":${bad}}`) };
    }
    case 3: {
      const inner = valid.replace(/"signature":\{/, `"signature":{"content":"AA==","content":"${badBase64(rnd)}",`);
      return { kind: 'duplicated keys', text: inner.replace(/"publicKey":\{"content":"/, '"publicKey":{"content":"!","content":"') };
    }
    case 4: {
      const depth = pick(rnd, [1_000, 10_000, 50_000]);
      const shape = pick(rnd, ['array', 'object', 'mixed'] as const);
      const deep = deepJsonText(depth, shape);
      const where = intBetween(rnd, 0, 2);
      const text = where === 0 ? deep : where === 1 ? valid.replace(/"spec":/, `"spec":${deep},"x":`) : valid.replace(/"content":"[^"]*"/, `"content":${deep}`);
      return { kind: 'deeply nested JSON', text };
    }
    default:
      return { kind: 'odd JSON text', text: pick(rnd, ['\ufeff' + valid, valid + 'garbage', valid + valid, ' ', 'null', '1', '"x"', 'true', '[]', '{}', "{'kind':'x'}", '{"a":1,}', '{"a":NaN}', '{"a":Infinity}', '{"a":01}', '{"a":"\\x41"}', '{"a":"\\ud800"}']) };
  }
}
