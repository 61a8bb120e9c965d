/**
 * Helpers for HTTP tests: a test log behind createApp, client-side builders
 * of proposed entries (signed with keys made here, independently of
 * src/entry), and a checker that verifies a LogEntry response the way a
 * Rekor client does (inclusion proof against the signed checkpoint, SET).
 */
import assert from 'node:assert/strict';
import { createHash, generateKeyPairSync, sign, verify, type KeyObject } from 'node:crypto';
import { createApp, tokenSha256Hex, type AccessPolicy, type AppDeps, type CairnApp } from '../../src/http/index.js';
import { LogService, rekorV2Identity } from '../../src/log/index.js';
import { openSqliteStore, toAsyncStore } from '../../src/storage/index.js';
import { leafHash, verifyInclusion } from '../../src/merkle/index.js';
import { openNote, parseCheckpoint } from '../../src/note/index.js';
import { FAST_OPTIONS, openTestLog, type TestLog } from './test-log.js';

export interface TestApp {
  t: TestLog;
  /** The Rekor v2 tree beside `t` (same keys and clock, origin the host). */
  v2: LogService;
  app: CairnApp;
}

/** The Rekor v2 tree of `t`'s log: an in-memory store, `t`'s keys and clock, no SETs. */
export function openV2TestLog(t: TestLog, opts: { batchMaxAgeMs?: number } = {}): Promise<LogService> {
  return LogService.open(toAsyncStore(openSqliteStore({ path: ':memory:' })), rekorV2Identity(t.identity), t.clock, { ...FAST_OPTIONS, ...opts, signEntryTimestamps: false });
}

/** A fresh in-memory log (and its Rekor v2 tree) and their app; `deps` override the defaults (1 MiB requests). */
export async function testApp(deps: Partial<AppDeps> = {}, log?: TestLog | Promise<TestLog>): Promise<TestApp> {
  const t = await (log ?? openTestLog());
  const v2 = deps.logV2 ?? (await openV2TestLog(t));
  return { t, v2, app: createApp({ log: t.log, logV2: v2, maxRequestBytes: 1 << 20, ...deps }) };
}

/** A bearer token with roles admin and submit, for routes under /api/v1/admin/ (which need role admin). */
export const ADMIN_TOKEN = 'cairn_admin-token-for-tests';

/** Access control holding {@link ADMIN_TOKEN} (reads stay open). */
export function adminAccess(): AccessPolicy {
  return { tokens: [{ name: 'ops', sha256: Buffer.from(tokenSha256Hex(ADMIN_TOKEN), 'hex'), roles: ['admin', 'submit'] }], readAuth: false };
}

/** A Rekor v2 `Verifier` (protobuf JSON) of `key`: its DER SPKI as `publicKey`, or `certDer` as `x509Certificate`. */
export function v2Verifier(key: TestKey, o: { certDer?: Buffer; keyDetails?: string } = {}): Record<string, unknown> {
  const keyDetails = o.keyDetails ?? 'PKIX_ECDSA_P256_SHA_256';
  if (o.certDer !== undefined) return { x509Certificate: { rawBytes: b64(o.certDer) }, keyDetails };
  return { publicKey: { rawBytes: b64(key.publicKey.export({ type: 'spki', format: 'der' })) }, keyDetails };
}

/** A `CreateEntryRequest` with hashedRekordRequestV002: `key` signs the SHA-256 digest of `data` (prehashed). */
export function hashedRekordV2(key: TestKey, data: string, o: { certDer?: Buffer; keyDetails?: string } = {}): Record<string, unknown> {
  const sig = sign('sha256', Buffer.from(data), key.privateKey);
  return { hashedRekordRequestV002: { digest: b64(sha256(data)), signature: { content: b64(sig), verifier: v2Verifier(key, o) } } };
}

/** A `CreateEntryRequest` with dsseRequestV002: an envelope over `payload` signed by `key` (ECDSA-SHA256 over the PAE). */
export function dsseV2(key: TestKey, payload: string, payloadType = 'application/vnd.in-toto+json', verifierKey: TestKey = key): Record<string, unknown> {
  const body = Buffer.from(payload);
  const sig = sign('sha256', pae(payloadType, body), key.privateKey);
  return { dsseRequestV002: { envelope: { payload: b64(body), payloadType, signatures: [{ sig: b64(sig), keyid: '' }] }, verifiers: [v2Verifier(verifierKey)] } };
}

export interface TestKey {
  privateKey: KeyObject;
  publicKey: KeyObject;
  /** SPKI PEM. */
  pem: string;
}

export function ecKey(namedCurve = 'P-256'): TestKey {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve });
  return { privateKey, publicKey, pem: publicKey.export({ type: 'spki', format: 'pem' }).toString() };
}

export const b64 = (b: Uint8Array | string): string => Buffer.from(b).toString('base64');
export const sha256 = (b: Uint8Array | string): Buffer => createHash('sha256').update(b).digest();

/** JSON with object keys sorted: RFC 8785 for the strings and small integers used here. */
export function sortedJson(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(sortedJson).join(',')}]`;
  if (v !== null && typeof v === 'object') {
    const o = v as Record<string, unknown>;
    return `{${Object.keys(o).sort().filter((k) => o[k] !== undefined).map((k) => `${JSON.stringify(k)}:${sortedJson(o[k])}`).join(',')}}`;
  }
  return JSON.stringify(v);
}

export interface HashedRekordOptions {
  algorithm?: 'sha256' | 'sha384' | 'sha512';
  /** Replace the hex digest (e.g. wrong length). */
  digestHex?: string;
  /** Replace the base64 signature. */
  signature?: string;
  /** Replace the base64 public key content. */
  publicKey?: string;
}

/** A hashedrekord 0.0.1 proposed entry: `key` signs the digest of `data` (prehashed, as Rekor verifies). */
export function hashedRekord(key: TestKey, data: string, o: HashedRekordOptions = {}): Record<string, unknown> {
  const algorithm = o.algorithm ?? 'sha256';
  const digest = createHash(algorithm).update(data).digest();
  const sig = sign(algorithm, Buffer.from(data), key.privateKey);
  return {
    apiVersion: '0.0.1',
    kind: 'hashedrekord',
    spec: {
      data: { hash: { algorithm, value: o.digestHex ?? digest.toString('hex') } },
      signature: { content: o.signature ?? sig.toString('base64'), publicKey: { content: o.publicKey ?? b64(key.pem) } },
    },
  };
}

/** DSSE pre-authentication encoding. */
export function pae(payloadType: string, payload: Buffer): Buffer {
  return Buffer.concat([
    Buffer.from(`DSSEv1 ${Buffer.byteLength(payloadType)} ${payloadType} ${payload.length} `),
    payload,
  ]);
}

/** A dsse 0.0.1 proposed entry over `payload`, signed by `key` (ECDSA-SHA256 over the PAE). */
export function dsseEntry(key: TestKey, payload: string, payloadType = 'application/vnd.in-toto+json'): Record<string, unknown> {
  const body = Buffer.from(payload);
  const sig = sign('sha256', pae(payloadType, body), key.privateKey);
  const envelope = JSON.stringify({ payloadType, payload: body.toString('base64'), signatures: [{ keyid: '', sig: sig.toString('base64') }] });
  return { apiVersion: '0.0.1', kind: 'dsse', spec: { proposedContent: { envelope, verifiers: [b64(key.pem)] } } };
}

/** An intoto 0.0.2 proposed entry built exactly as sigstore-js builds one (double-encoded payload and sig). */
export function intotoEntry(key: TestKey, payload: string, payloadType = 'application/vnd.in-toto+json'): Record<string, unknown> {
  const body = Buffer.from(payload);
  const sig = sign('sha256', pae(payloadType, body), key.privateKey);
  const envelopeHash = sha256(
    sortedJson({ payloadType, payload: body.toString('base64'), signatures: [{ sig: sig.toString('base64'), publicKey: key.pem }] }),
  ).toString('hex');
  return {
    apiVersion: '0.0.2',
    kind: 'intoto',
    spec: {
      content: {
        envelope: {
          payloadType,
          payload: b64(body.toString('base64')),
          signatures: [{ sig: b64(sig.toString('base64')), publicKey: b64(key.pem) }],
        },
        hash: { algorithm: 'sha256', value: envelopeHash },
        payloadHash: { algorithm: 'sha256', value: sha256(body).toString('hex') },
      },
    },
  };
}

export interface CheckedEntry {
  id: string;
  body: Buffer;
  logIndex: number;
  treeSize: number;
}

/**
 * Verify a LogEntry response as a Rekor client would: one 80-hex key (tree
 * ID + leaf hash of the body), the checkpoint's signatures, the inclusion
 * proof against the checkpoint's root, and the SET over
 * {body, integratedTime, logID, logIndex}.
 */
export function checkLogEntry(t: Pick<TestLog, 'identity'>, json: unknown): CheckedEntry {
  const keys = Object.keys(json as object);
  assert.equal(keys.length, 1, 'a LogEntry has exactly one key');
  const id = keys[0]!;
  const v = (json as Record<string, any>)[id];
  const body = Buffer.from(v.body, 'base64');
  assert.equal(id, t.identity.treeIdHex + Buffer.from(leafHash(body)).toString('hex'), 'key = tree ID ‖ leaf hash of body');
  assert.equal(v.logID, t.identity.logId);
  const p = v.verification.inclusionProof;
  assert.equal(p.logIndex, v.logIndex);
  const opened = openNote(p.checkpoint, [...t.identity.checkpointVerifiers]);
  const cp = parseCheckpoint(opened.text);
  assert.equal(cp.size, p.treeSize, 'the proof is against the checkpoint it carries');
  assert.equal(Buffer.from(cp.root).toString('hex'), p.rootHash);
  verifyInclusion(v.logIndex, p.treeSize, leafHash(body), p.hashes.map((h: string) => Buffer.from(h, 'hex')), cp.root);
  const setPayload = sortedJson({ body: v.body, integratedTime: v.integratedTime, logID: v.logID, logIndex: v.logIndex });
  assert.ok(
    verify(t.identity.keyType === 'ed25519' ? null : 'sha256', Buffer.from(setPayload), { key: t.identity.publicKey, dsaEncoding: 'der' }, Buffer.from(v.verification.signedEntryTimestamp, 'base64')),
    'the SET verifies with the log key',
  );
  return { id, body, logIndex: v.logIndex, treeSize: p.treeSize };
}
