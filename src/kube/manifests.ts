/**
 * Kubernetes manifests as `kubectl apply -f` reads them: YAML (JSON is YAML)
 * with any number of documents separated by `---`; empty documents are
 * skipped; a `List` (any kind ending in `List` with an `items` array, e.g.
 * `v1/List`, `DeploymentList`) stands for its items. Every object must be a
 * mapping with a string `kind`. A document YAML cannot parse, or that is
 * not an object, is BAD_REQUEST naming the source and line: the whole file
 * is refused, as kubectl would refuse to apply it.
 */
import { parseAllDocuments } from 'yaml';
import { LogError } from '../errors.js';
import { isRecord } from './workloads.js';

export interface ManifestObject {
  /** Where it came from: the file name. */
  readonly source: string;
  /** 1-based line of the document in the file. */
  readonly line: number;
  readonly kind: string;
  /** metadata.name (or metadata.generateName), '' when neither is set. */
  readonly name: string;
  /** metadata.namespace, undefined when not set. */
  readonly namespace: string | undefined;
  readonly object: Record<string, unknown>;
}

/** The objects in `text` (from `source`), in order, lists flattened. */
export function parseManifests(text: string, source: string): ManifestObject[] {
  const out: ManifestObject[] = [];
  for (const doc of parseAllDocuments(text, { prettyErrors: false })) {
    const line = lineOf(text, doc.contents?.range[0] ?? doc.range[0]);
    const err = doc.errors[0];
    if (err !== undefined) throw new LogError('BAD_REQUEST', `couldn't read ${source}: line ${err.linePos?.[0].line ?? line}: ${err.message}`);
    const value: unknown = doc.toJS({ maxAliasCount: 100 });
    if (value === null || value === undefined) continue;
    flatten(value, source, line, out);
  }
  return out;
}

function flatten(value: unknown, source: string, line: number, out: ManifestObject[]): void {
  if (!isRecord(value)) throw new LogError('BAD_REQUEST', `couldn't read ${source}: the document at line ${line} is not a Kubernetes object (a mapping with apiVersion and kind)`);
  const kind = value['kind'];
  if (typeof kind !== 'string' || kind === '') throw new LogError('BAD_REQUEST', `couldn't read ${source}: the object at line ${line} has no kind`);
  if (kind.endsWith('List') && Array.isArray(value['items'])) {
    for (const item of value['items']) flatten(item, source, line, out);
    return;
  }
  const meta = isRecord(value['metadata']) ? value['metadata'] : {};
  const name = typeof meta['name'] === 'string' ? meta['name'] : typeof meta['generateName'] === 'string' ? meta['generateName'] : '';
  const namespace = typeof meta['namespace'] === 'string' ? meta['namespace'] : undefined;
  out.push({ source, line, kind, name, namespace, object: value });
}

function lineOf(text: string, offset: number): number {
  let n = 1;
  for (let i = 0; i < offset && i < text.length; i++) if (text.charCodeAt(i) === 10) n++;
  return n;
}
