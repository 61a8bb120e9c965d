/**
 * Defensive reading of Sigstore bundles (attacker-controlled), v0.1 to v0.3
 * in both media-type spellings (oci-signatures.md §5 "Media types"). Never
 * verifies anything; see verify/bundle.ts.
 */
import {
  asRecord,
  b64,
  bad,
  get,
  int64,
  optArr,
  optRecord,
  optStr,
  parseJson,
  reqRecord,
  reqStr,
  toHex,
  type JsonRecord,
} from './json.js';
import { BUNDLE_V03_MEDIA_TYPE } from './media-types.js';
import { parseEnvelope, type DsseEnvelope } from './dsse-envelope.js';
import { MAX_PROOF_HASHES, type InclusionProof, type TlogEntry } from './tlog-entry.js';

/** Bundle versions this reader knows. */
export type BundleVersion = '0.1' | '0.2' | '0.3';

/** Most tlog entries read from one bundle. */
export const MAX_TLOG_ENTRIES = 8;

const LEGACY_MEDIA_TYPE = /^application\/vnd\.dev\.sigstore\.bundle\+json;version=(0\.[123])$/;

/** A bundle's tlog entry with the kind the bundle claims for it. */
export interface BundleTlogEntry extends TlogEntry {
  readonly kind: string;
  readonly kindVersion: string;
}

/** A parsed bundle. */
export interface ParsedBundle {
  readonly mediaType: string;
  readonly version: BundleVersion;
  /** `verificationMaterial.publicKey.hint`, when the signer is a key. */
  readonly publicKeyHint?: string;
  /** DER of the signing certificate (`certificate` or the chain's leaf), when there is one. */
  readonly certificate?: Uint8Array;
  readonly tlogEntries: readonly BundleTlogEntry[];
  /** Number of RFC 3161 timestamps (not verified by Cairn). */
  readonly rfc3161Timestamps: number;
  readonly content:
    | { readonly type: 'dsse'; readonly envelope: DsseEnvelope }
    | { readonly type: 'message'; readonly algorithm: string; readonly digest: Uint8Array; readonly signature: Uint8Array };
}

/** The version a bundle media type names, or undefined for any other media type (v0.4 included). */
export function bundleVersionOf(mediaType: string): BundleVersion | undefined {
  if (mediaType === BUNDLE_V03_MEDIA_TYPE) return '0.3';
  const m = LEGACY_MEDIA_TYPE.exec(mediaType);
  return m === null ? undefined : (m[1] as BundleVersion);
}

/** Reads a bundle from JSON text, bytes or a parsed value. Throws ARTIFACT_INVALID naming the field. */
export function parseBundle(input: string | Uint8Array | unknown): ParsedBundle {
  const value = typeof input === 'string' || input instanceof Uint8Array ? parseJson(input, 'bundle') : input;
  const top = asRecord(value, 'bundle');
  const mediaType = reqStr(top, 'mediaType', 'bundle.mediaType');
  const version = bundleVersionOf(mediaType);
  if (version === undefined) throw bad('bundle.mediaType', `unsupported ${JSON.stringify(mediaType.slice(0, 80))}`);
  const vm = reqRecord(top, 'verificationMaterial', 'bundle.verificationMaterial');
  const tlog = optArr(vm, 'tlogEntries', 'verificationMaterial.tlogEntries', MAX_TLOG_ENTRIES);
  const tsData = optRecord(vm, 'timestampVerificationData', 'verificationMaterial.timestampVerificationData');
  const hint = optRecord(vm, 'publicKey', 'verificationMaterial.publicKey');
  const certificate = readCertificate(vm);
  return {
    mediaType,
    version,
    ...(hint === undefined ? {} : { publicKeyHint: optStr(hint, 'hint', 'verificationMaterial.publicKey.hint') ?? '' }),
    ...(certificate === undefined ? {} : { certificate }),
    tlogEntries: tlog.map((e, i) => readTlogEntry(e, `verificationMaterial.tlogEntries[${i}]`)),
    rfc3161Timestamps: tsData === undefined ? 0 : optArr(tsData, 'rfc3161Timestamps', 'rfc3161Timestamps', 64).length,
    content: readContent(top),
  };
}

function readCertificate(vm: JsonRecord): Uint8Array | undefined {
  const cert = optRecord(vm, 'certificate', 'verificationMaterial.certificate');
  if (cert !== undefined) return b64(reqStr(cert, 'rawBytes', 'certificate.rawBytes'), 'certificate.rawBytes');
  const chain = optRecord(vm, 'x509CertificateChain', 'verificationMaterial.x509CertificateChain');
  if (chain === undefined) return undefined;
  const first = optArr(chain, 'certificates', 'x509CertificateChain.certificates', 10)[0];
  if (first === undefined) throw bad('x509CertificateChain.certificates', 'empty');
  return b64(reqStr(asRecord(first, 'certificates[0]'), 'rawBytes', 'certificates[0].rawBytes'), 'certificates[0].rawBytes');
}

function readContent(top: JsonRecord): ParsedBundle['content'] {
  const env = get(top, 'dsseEnvelope');
  const msg = get(top, 'messageSignature');
  if ((env === undefined) === (msg === undefined)) throw bad('bundle', 'needs exactly one of dsseEnvelope and messageSignature');
  if (env !== undefined) return { type: 'dsse', envelope: parseEnvelope(env, 'bundle.dsseEnvelope') };
  const m = asRecord(msg, 'bundle.messageSignature');
  const md = reqRecord(m, 'messageDigest', 'messageSignature.messageDigest');
  return {
    type: 'message',
    algorithm: reqStr(md, 'algorithm', 'messageDigest.algorithm'),
    digest: b64(reqStr(md, 'digest', 'messageDigest.digest'), 'messageDigest.digest'),
    signature: b64(reqStr(m, 'signature', 'messageSignature.signature'), 'messageSignature.signature'),
  };
}

function readTlogEntry(value: unknown, f: string): BundleTlogEntry {
  const e = asRecord(value, f);
  const kv = reqRecord(e, 'kindVersion', `${f}.kindVersion`);
  const logId = b64(reqStr(reqRecord(e, 'logId', `${f}.logId`), 'keyId', `${f}.logId.keyId`), `${f}.logId.keyId`);
  const promise = optRecord(e, 'inclusionPromise', `${f}.inclusionPromise`);
  const proof = optRecord(e, 'inclusionProof', `${f}.inclusionProof`);
  return {
    kind: reqStr(kv, 'kind', `${f}.kindVersion.kind`),
    kindVersion: reqStr(kv, 'version', `${f}.kindVersion.version`),
    body: b64(reqStr(e, 'canonicalizedBody', `${f}.canonicalizedBody`), `${f}.canonicalizedBody`),
    integratedTime: int64(e, 'integratedTime', `${f}.integratedTime`),
    logIndex: int64(e, 'logIndex', `${f}.logIndex`),
    logId: toHex(logId),
    ...(promise === undefined
      ? {}
      : { signedEntryTimestamp: b64(reqStr(promise, 'signedEntryTimestamp', `${f}.inclusionPromise.signedEntryTimestamp`), `${f}.inclusionPromise`) }),
    ...(proof === undefined ? {} : { inclusionProof: readProof(proof, `${f}.inclusionProof`) }),
  };
}

function readProof(p: JsonRecord, f: string): InclusionProof {
  return {
    logIndex: int64(p, 'logIndex', `${f}.logIndex`),
    treeSize: int64(p, 'treeSize', `${f}.treeSize`),
    rootHash: b64(reqStr(p, 'rootHash', `${f}.rootHash`), `${f}.rootHash`),
    hashes: optArr(p, 'hashes', `${f}.hashes`, MAX_PROOF_HASHES).map((h, i) => b64(typeof h === 'string' ? h : '-', `${f}.hashes[${i}]`)),
    checkpoint: reqStr(reqRecord(p, 'checkpoint', `${f}.checkpoint`), 'envelope', `${f}.checkpoint.envelope`),
  };
}
