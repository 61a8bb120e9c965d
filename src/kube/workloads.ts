/**
 * The container images of a Kubernetes object, each with the JSON pointer
 * (RFC 6901) of its `image` field, so that a verdict can name the container
 * and a JSONPatch (RFC 6902) can replace exactly that field.
 *
 * Kinds and where their pod spec is (Kubernetes API reference, workloads):
 *
 * | kind | pod spec |
 * | --- | --- |
 * | Pod | `/spec` |
 * | Deployment, ReplicaSet, StatefulSet, DaemonSet, Job | `/spec/template/spec` |
 * | CronJob | `/spec/jobTemplate/spec/template/spec` |
 *
 * In a pod spec: `containers`, `initContainers` and `ephemeralContainers`
 * (the last only on Pods, added through the `pods/ephemeralcontainers`
 * subresource), in that order. Any other kind has no images here (a
 * ConfigMap, a Service, and also kinds this table does not know, such as a
 * custom resource that makes pods: its pods are checked when they are
 * created). Input is attacker-controlled JSON: anything not shaped as
 * expected (a missing spec, a container without a string image) is skipped,
 * never thrown on; the apiserver's own validation refuses such objects.
 */

/** The arrays of a pod spec that hold containers. */
export type ContainerField = 'containers' | 'initContainers' | 'ephemeralContainers';

const CONTAINER_FIELDS: readonly ContainerField[] = ['containers', 'initContainers', 'ephemeralContainers'];

/** Kinds with images, and the path of their pod spec. */
export const POD_SPEC_PATHS: Readonly<Record<string, readonly string[]>> = {
  Pod: ['spec'],
  Deployment: ['spec', 'template', 'spec'],
  ReplicaSet: ['spec', 'template', 'spec'],
  StatefulSet: ['spec', 'template', 'spec'],
  DaemonSet: ['spec', 'template', 'spec'],
  Job: ['spec', 'template', 'spec'],
  CronJob: ['spec', 'jobTemplate', 'spec', 'template', 'spec'],
};

/** One container's image in an object. */
export interface WorkloadImage {
  /** The image reference exactly as written. */
  readonly image: string;
  /** JSON pointer of the `image` field, e.g. `/spec/template/spec/containers/0/image`. */
  readonly path: string;
  readonly field: ContainerField;
  /** Index in `field`. */
  readonly index: number;
  /** The container's `name` ('' when it has none). */
  readonly container: string;
}

/** True for the kinds this module finds images in. */
export function hasPodSpec(kind: string): boolean {
  return Object.hasOwn(POD_SPEC_PATHS, kind);
}

/**
 * The images of `object`, a Kubernetes object of `kind` (default: the
 * object's own `kind` field), in document order; empty for kinds without a
 * pod spec.
 */
export function workloadImages(object: unknown, kind?: string): WorkloadImage[] {
  const k = kind ?? (isRecord(object) && typeof object['kind'] === 'string' ? object['kind'] : '');
  const specPath = hasPodSpec(k) ? POD_SPEC_PATHS[k] : undefined;
  if (specPath === undefined) return [];
  let spec: unknown = object;
  for (const key of specPath) spec = isRecord(spec) ? spec[key] : undefined;
  if (!isRecord(spec)) return [];
  const out: WorkloadImage[] = [];
  for (const field of CONTAINER_FIELDS) {
    const list = spec[field];
    if (!Array.isArray(list)) continue;
    list.forEach((c: unknown, index) => {
      if (!isRecord(c) || typeof c['image'] !== 'string') return;
      out.push({
        image: c['image'],
        path: `/${[...specPath, field, String(index), 'image'].join('/')}`,
        field,
        index,
        container: typeof c['name'] === 'string' ? c['name'] : '',
      });
    });
  }
  return out;
}

/** `containers[0] "app"`: where an image is, for messages. */
export function describeContainer(w: WorkloadImage): string {
  return `${w.field}[${w.index}]${w.container === '' ? '' : ` "${w.container}"`}`;
}

export function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
