/**
 * Hostile requests for every operation of openapi.yaml. `hostileRequest`
 * picks an operation and a case; operations without a dedicated generator
 * (routes added later) still get the generic one: hostile path segments and
 * query parameters, and hostile bodies when the operation takes one.
 */
import { intBetween, pick, randomBytesFrom, type Rng } from '../prng.js';
import type { EntryBases } from './entry-bodies.js';
import { hostileEntryText, hostileEntryValue, hostileV2Text, hostileV2Value } from './entry-bodies.js';
import { HOSTILE_INTEGER_PARAMS, hostileJson, hostileString, badBase64, garbageDer, pemAround } from './values.js';

export interface HostileRequest {
  readonly op: string;
  /** Category, for the counts printed at the end. */
  readonly kind: string;
  readonly method: 'GET' | 'POST' | 'PUT' | 'DELETE' | 'PATCH';
  readonly path: string;
  readonly headers?: Readonly<Record<string, string>>;
  readonly body?: string | Buffer;
  /** The hostile part may be ignored (e.g. an unknown query parameter): 2xx is fine too. */
  readonly mayBeOk?: boolean;
}

export interface Operation {
  readonly operationId: string;
  readonly method: string;
  /** Path template, e.g. `/api/v1/log/entries/{entryUUID}`. */
  readonly path: string;
}

const JSON_TYPE = { 'content-type': 'application/json' };

/** Percent-encoding of the UTF-8 bytes of `s` (lone surrogates become U+FFFD, which encodeURIComponent refuses). */
function pct(s: string): string {
  let out = '';
  for (const b of Buffer.from(s, 'utf8')) {
    const c = String.fromCharCode(b);
    out += /[A-Za-z0-9\-_.~]/.test(c) ? c : `%${b.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}

/** A path segment: a hostile string percent-encoded, or a raw hostile segment. */
function segment(rnd: Rng): string {
  if (rnd() < 0.5) return pct(hostileString(rnd)).slice(0, 5000) || '%20';
  return pick(rnd, ['..', '.', '%2e%2e', '..%2f..%2fetc%2fpasswd', '%', '%zz', '%00', '%c0%ae', ';', '*', '~', 'x'.repeat(3000), '%ff%fe', '😀', 'a/b', '']);
}

function intParam(rnd: Rng): string {
  return pct(pick(rnd, HOSTILE_INTEGER_PARAMS));
}

/** A query string of hostile parameters: known names with hostile values, repeated names, unknown names. */
function query(rnd: Rng, names: readonly string[]): string {
  const parts: string[] = [];
  for (let i = intBetween(rnd, 1, 4); i > 0; i--) {
    const name = rnd() < 0.8 && names.length > 0 ? pick(rnd, names) : pct(hostileString(rnd)).slice(0, 200);
    const value = rnd() < 0.6 ? intParam(rnd) : pct(hostileString(rnd)).slice(0, 2000);
    parts.push(rnd() < 0.1 ? `${name}[]=${value}` : `${name}=${value}`);
  }
  return `?${parts.join('&')}`;
}

function fillTemplate(rnd: Rng, template: string): string {
  return template.replace(/\{[^}]+\}/g, () => segment(rnd));
}

/** Tile paths: traversal, wrong widths, huge indices, malformed groups. */
function tilePath(rnd: Rng): string {
  const level = pick(rnd, ['0', '1', '2', '7', '8', '63', '64', '-1', '00', '01', 'entries', 'data', 'x', '%30', '..', '0/..', '']);
  const index = pick(rnd, ['000', '001', '999', '00', '0000', '1000', 'x000/000', 'x001/000', 'x999/999/999/999/999/999/999', 'x000', 'x1/000', '%2e%2e', '..', '../../../etc/passwd', '000/', '000.p', 'abc', segment(rnd)]);
  const width = pick(rnd, ['', '', '.p/1', '.p/255', '.p/256', '.p/0', '.p/-1', '.p/01', '.p/x', '.p/', '.p/1/2', '.p/1.p/2', '.p/99999999999999999999']);
  return `/tile/${level}/${index}${width}`;
}

function entriesPost(rnd: Rng, bases: EntryBases, op: string, path: string): HostileRequest {
  const r = rnd();
  if (r < 0.55) {
    const { kind, value } = hostileEntryValue(rnd, bases);
    return { op, kind, method: 'POST', path, headers: JSON_TYPE, body: JSON.stringify(value) ?? 'null' };
  }
  if (r < 0.85) {
    const { kind, text } = hostileEntryText(rnd, bases);
    return { op, kind, method: 'POST', path, headers: JSON_TYPE, body: text };
  }
  return bodyFraming(rnd, op, path, JSON.stringify(bases.valid[0]));
}

/** POST /api/v2/log/entries: hostile CreateEntryRequests, hostile JSON text around them, hostile framing. */
function v2EntriesPost(rnd: Rng, bases: EntryBases, op: string, path: string): HostileRequest {
  const r = rnd();
  if (r < 0.6) {
    const { kind, value } = hostileV2Value(rnd, bases);
    return { op, kind, method: 'POST', path, headers: JSON_TYPE, body: JSON.stringify(value) ?? 'null' };
  }
  if (r < 0.85) {
    const { kind, text } = hostileV2Text(rnd, bases);
    return { op, kind, method: 'POST', path, headers: JSON_TYPE, body: text };
  }
  return bodyFraming(rnd, op, path, JSON.stringify(bases.v2Valid[0]));
}

/** Valid JSON sent with hostile framing: content types, charsets, encodings, oversized. */
function bodyFraming(rnd: Rng, op: string, path: string, json: string): HostileRequest {
  const c = intBetween(rnd, 0, 5);
  if (c === 0) {
    const type = pick(rnd, ['text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', 'application/xml', '', 'application/json; charset=utf-16', 'application/json; charset=latin1', 'application/json; charset=nope', 'application/merge-patch+json', 'json']);
    return { op, kind: 'content type', method: 'POST', path, headers: { 'content-type': type }, body: json };
  }
  if (c === 1) {
    const encoding = pick(rnd, ['gzip', 'deflate', 'br', 'compress', 'x-unknown', 'gzip, gzip']);
    return { op, kind: 'content encoding', method: 'POST', path, headers: { ...JSON_TYPE, 'content-encoding': encoding }, body: randomBytesFrom(rnd, intBetween(rnd, 0, 200)) };
  }
  if (c === 2) {
    return { op, kind: 'oversized body', method: 'POST', path, headers: JSON_TYPE, body: `{"kind":"${'a'.repeat(300_000 + intBetween(rnd, 0, 10_000))}"}` };
  }
  if (c === 3) return { op, kind: 'binary body', method: 'POST', path, headers: JSON_TYPE, body: randomBytesFrom(rnd, intBetween(rnd, 1, 500)) };
  if (c === 4) return { op, kind: 'empty body', method: 'POST', path, headers: JSON_TYPE, body: '' };
  return { op, kind: 'random JSON body', method: 'POST', path, headers: JSON_TYPE, body: JSON.stringify(hostileJson(rnd, 5)) ?? 'null' };
}

function searchLogQuery(rnd: Rng, bases: EntryBases, op: string, path: string): HostileRequest {
  const body: Record<string, unknown> = {};
  const n = (): number => intBetween(rnd, 0, 4);
  if (rnd() < 0.5) body['entryUUIDs'] = Array.from({ length: n() }, () => (rnd() < 0.5 ? hostileString(rnd) : hostileJson(rnd, 2)));
  if (rnd() < 0.5) body['logIndexes'] = Array.from({ length: n() }, () => pick(rnd, [-1, -0, 1.5, 1e308, 2 ** 53, 2 ** 53 + 2, '1', null, [], {}, true]));
  if (rnd() < 0.5) body['entries'] = Array.from({ length: n() }, () => hostileEntryValue(rnd, bases).value);
  if (rnd() < 0.1) body[pick(rnd, ['entryUUIDs', 'logIndexes', 'entries'])] = hostileJson(rnd, 3);
  if (rnd() < 0.1) body['entryUUIDs'] = Array.from({ length: 11 + n() }, () => 'ab'.repeat(32));
  if (rnd() < 0.2) return bodyFraming(rnd, op, path, JSON.stringify(body));
  if (Object.keys(body).length === 0) body['unknown'] = hostileJson(rnd, 2);
  return { op, kind: 'search query', method: 'POST', path, headers: JSON_TYPE, body: JSON.stringify(body), mayBeOk: true };
}

function searchIndex(rnd: Rng, op: string, path: string): HostileRequest {
  const body: Record<string, unknown> = {};
  const fields = ['hash', 'email', 'subject', 'operator', 'publicKey'];
  for (const f of fields) {
    if (rnd() > 0.4) continue;
    if (f === 'publicKey') {
      const content = pick(rnd, [() => badBase64(rnd), () => Buffer.from(pemAround(rnd, garbageDer(rnd))).toString('base64'), () => hostileString(rnd), () => hostileJson(rnd, 2)])();
      body[f] = rnd() < 0.8 ? { format: pick(rnd, ['x509', 'pgp', 'ssh', 'minisign', 'tuf', '', hostileString(rnd)]), content } : hostileJson(rnd, 2);
    } else body[f] = rnd() < 0.7 ? hostileString(rnd) : hostileJson(rnd, 2);
  }
  if (Object.keys(body).length === 0) body['hash'] = pick(rnd, ['sha256:', 'sha1:zz', 'md5:' + 'a'.repeat(32), 'a'.repeat(63), 'sha512:' + 'f'.repeat(5000)]);
  if (rnd() < 0.2) return bodyFraming(rnd, op, path, JSON.stringify(body));
  return { op, kind: 'index search', method: 'POST', path, headers: JSON_TYPE, body: JSON.stringify(body), mayBeOk: true };
}

/** A hostile request for `op` (dedicated cases for the known operations, generic ones otherwise). */
export function hostileRequestFor(rnd: Rng, op: Operation, bases: EntryBases): HostileRequest {
  const id = op.operationId;
  if (rnd() < 0.04) {
    const method = pick(rnd, ['PUT', 'DELETE', 'PATCH'] as const);
    return { op: id, kind: 'wrong method', method, path: op.path.replace(/\{[^}]+\}/g, '0'), headers: JSON_TYPE, body: '{}' };
  }
  switch (id) {
    case 'createLogEntry':
      return entriesPost(rnd, bases, id, op.path);
    case 'createRekorV2Entry':
      return v2EntriesPost(rnd, bases, id, op.path);
    case 'searchLogQuery':
      return searchLogQuery(rnd, bases, id, op.path);
    case 'searchIndex':
      return searchIndex(rnd, id, op.path);
    case 'getLogEntryByIndex':
      return { op: id, kind: 'index parameter', method: 'GET', path: `${op.path}${query(rnd, ['logIndex'])}`, mayBeOk: true };
    case 'getLogEntryByUUID':
      return { op: id, kind: 'entry ID', method: 'GET', path: `/api/v1/log/entries/${rnd() < 0.3 ? pick(rnd, ['0'.repeat(80), 'f'.repeat(80), '8' + '0'.repeat(79), 'ab'.repeat(32).toUpperCase() + 'g', 'ab'.repeat(40) + 'ab']) : segment(rnd)}` };
    case 'getLogProof':
      return { op: id, kind: 'proof sizes', method: 'GET', path: `${op.path}${query(rnd, ['firstSize', 'lastSize', 'treeID'])}`, mayBeOk: true };
    case 'listCheckpoints':
      return { op: id, kind: 'checkpoint page', method: 'GET', path: `${op.path}${query(rnd, ['from', 'limit'])}`, mayBeOk: true };
    case 'getCheckpointBySize':
      return { op: id, kind: 'checkpoint size', method: 'GET', path: `/api/v1/log/checkpoints/${rnd() < 0.5 ? intParam(rnd) : segment(rnd)}` };
    case 'getPublicKey':
      return { op: id, kind: 'tree ID', method: 'GET', path: `${op.path}${query(rnd, ['treeID'])}`, mayBeOk: true };
    case 'getTile':
    case 'getPartialTile':
    case 'getEntryBundle':
    case 'getPartialEntryBundle':
      return { op: id, kind: 'tile path', method: 'GET', path: tilePath(rnd), mayBeOk: true };
    case 'rekorV2GetTile':
    case 'rekorV2GetPartialTile':
    case 'rekorV2GetEntryBundle':
    case 'rekorV2GetPartialEntryBundle':
      return { op: id, kind: 'v2 tile path', method: 'GET', path: `/api/v2${tilePath(rnd)}`, mayBeOk: true };
    default:
      return generic(rnd, op, bases);
  }
}

/** Any other operation: hostile path parameters and query, a hostile body for POST/PUT. */
function generic(rnd: Rng, op: Operation, bases: EntryBases): HostileRequest {
  const method = op.method.toUpperCase() as HostileRequest['method'];
  const path = fillTemplate(rnd, op.path) + (rnd() < 0.7 ? query(rnd, ['from', 'limit', 'size', 'treeID', 'logIndex']) : '');
  const templated = op.path.includes('{');
  if (method === 'POST' || method === 'PUT') {
    const r = entriesPost(rnd, bases, op.operationId, path);
    return { ...r, method, kind: `generic ${r.kind}` };
  }
  return { op: op.operationId, kind: 'generic parameters', method, path, mayBeOk: !templated };
}

/** A hostile request outside the documented operations: unknown paths, unknown methods. */
export function strayRequest(rnd: Rng): HostileRequest {
  const path = pick(rnd, ['/', '/api', '/api/v1', '/api/v2/log', '/api/v1/log/', '/api/v1/log/entries/', '/tile', '/tile/', '/.env', '/../../etc/passwd', '/%2e%2e/%2e%2e/etc/passwd', '//checkpoint', '/checkpoint/', '/CHECKPOINT', '/healthz/..', `/${segment(rnd)}`]);
  return { op: '(none)', kind: 'unknown path', method: pick(rnd, ['GET', 'POST', 'PUT', 'DELETE', 'PATCH'] as const), path, headers: JSON_TYPE, body: rnd() < 0.5 ? '{}' : Buffer.from(randomBytesFrom(rnd, 20)) };
}
