/**
 * OCI content descriptors and manifests as the signature formats write and
 * read them (OCI image-spec "Descriptors", "Image Manifest";
 * oci-signatures.md §1). Reading is defensive: registry content is
 * attacker-controlled.
 */
import { asRecord, bad, get, optRecord, parseJson, reqArr, reqStr, type JsonRecord } from './json.js';
import { isSha256Digest, sha256Digest, type Sha256Digest } from './digest.js';

/** A content descriptor; other fields of a read descriptor are kept in `extra`. */
export interface Descriptor {
  readonly mediaType: string;
  readonly digest: Sha256Digest;
  /** Size in bytes. */
  readonly size: number;
  readonly artifactType?: string;
  readonly annotations?: Readonly<Record<string, string>>;
}

/** A blob to upload: its bytes and the descriptor that names them. */
export interface Blob {
  readonly descriptor: Descriptor;
  readonly bytes: Uint8Array;
}

/** A manifest ready to PUT: exact bytes, digest, media type, and the blobs it references. */
export interface ManifestToPush {
  readonly mediaType: string;
  readonly bytes: Uint8Array;
  readonly digest: Sha256Digest;
  /** Blobs to upload before the manifest (config and layers), in order. */
  readonly blobs: readonly Blob[];
}

/** Most layers a signature manifest may hold (readers cap at 1000, oci-signatures.md §2). */
export const MAX_SIGNATURE_LAYERS = 1000;

/** The descriptor of `bytes` under `mediaType`. */
export function describe(mediaType: string, bytes: Uint8Array, annotations?: Readonly<Record<string, string>>): Descriptor {
  return {
    mediaType,
    digest: sha256Digest(bytes),
    size: bytes.length,
    ...(annotations === undefined ? {} : { annotations }),
  };
}

/** Reads a descriptor (attacker-controlled). Annotations must be string-valued. */
export function parseDescriptor(value: unknown, field: string): Descriptor {
  const d = asRecord(value, field);
  const mediaType = reqStr(d, 'mediaType', `${field}.mediaType`);
  const digest = reqStr(d, 'digest', `${field}.digest`);
  if (!isSha256Digest(digest)) throw bad(`${field}.digest`, 'expected sha256:<64 lowercase hex>');
  const size = get(d, 'size');
  if (typeof size !== 'number' || !Number.isSafeInteger(size) || size < 0) throw bad(`${field}.size`, 'expected a non-negative integer');
  const artifactType = get(d, 'artifactType');
  if (artifactType !== undefined && typeof artifactType !== 'string') throw bad(`${field}.artifactType`, 'expected a string');
  const annotations = readAnnotations(d, `${field}.annotations`);
  return {
    mediaType,
    digest,
    size,
    ...(artifactType === undefined ? {} : { artifactType }),
    ...(annotations === undefined ? {} : { annotations }),
  };
}

/** A manifest's `annotations` (string values only), or undefined. */
export function readAnnotations(obj: JsonRecord, field: string): Record<string, string> | undefined {
  const a = optRecord(obj, 'annotations', field);
  if (a === undefined) return undefined;
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(a)) {
    if (typeof v !== 'string') throw bad(`${field}.${k.slice(0, 64)}`, 'expected a string');
    out[k] = v;
  }
  return out;
}

/** An image manifest read from a registry: its JSON object and its layers. */
export interface ParsedImageManifest {
  readonly json: JsonRecord;
  readonly mediaType: string | undefined;
  readonly artifactType: string | undefined;
  readonly config: Descriptor;
  readonly layers: readonly Descriptor[];
  readonly subject: Descriptor | undefined;
  readonly annotations: Readonly<Record<string, string>> | undefined;
}

/** Reads an image manifest (schemaVersion 2, config, layers ≤ MAX_SIGNATURE_LAYERS). Throws ARTIFACT_INVALID. */
export function parseImageManifest(bytes: Uint8Array): ParsedImageManifest {
  const json = asRecord(parseJson(bytes, 'manifest'), 'manifest');
  if (get(json, 'schemaVersion') !== 2) throw bad('manifest.schemaVersion', 'must be 2');
  const mediaType = get(json, 'mediaType');
  if (mediaType !== undefined && typeof mediaType !== 'string') throw bad('manifest.mediaType', 'expected a string');
  const artifactType = get(json, 'artifactType');
  if (artifactType !== undefined && typeof artifactType !== 'string') throw bad('manifest.artifactType', 'expected a string');
  const layers = reqArr(json, 'layers', 'manifest.layers', MAX_SIGNATURE_LAYERS).map((l, i) => parseDescriptor(l, `manifest.layers[${i}]`));
  const subject = get(json, 'subject');
  return {
    json,
    mediaType,
    artifactType,
    config: parseDescriptor(get(json, 'config'), 'manifest.config'),
    layers,
    subject: subject === undefined ? undefined : parseDescriptor(subject, 'manifest.subject'),
    annotations: readAnnotations(json, 'manifest.annotations'),
  };
}

/** UTF-8 bytes of `value` as compact JSON. */
export function jsonBytes(value: unknown): Uint8Array {
  return new TextEncoder().encode(JSON.stringify(value));
}
