/**
 * Kubernetes objects and AdmissionReview requests for webhook tests, shaped
 * as the apiserver sends them (admission.k8s.io/v1, Kubernetes "Dynamic
 * Admission Control": a request has uid, kind/resource and their
 * requestKind/requestResource twins, subResource, name, namespace,
 * operation, userInfo, object, oldObject, dryRun, options), and RFC 6902
 * `replace` applied to an object, to check what a webhook's JSONPatch does.
 */
import { randomUUID } from 'node:crypto';

export type WorkloadKind = 'Pod' | 'Deployment' | 'ReplicaSet' | 'StatefulSet' | 'DaemonSet' | 'Job' | 'CronJob';

export const WORKLOAD_KINDS: readonly WorkloadKind[] = ['Pod', 'Deployment', 'ReplicaSet', 'StatefulSet', 'DaemonSet', 'Job', 'CronJob'];

/** group, version, plural resource of each kind. */
const GVR: Record<WorkloadKind, [group: string, version: string, resource: string]> = {
  Pod: ['', 'v1', 'pods'],
  Deployment: ['apps', 'v1', 'deployments'],
  ReplicaSet: ['apps', 'v1', 'replicasets'],
  StatefulSet: ['apps', 'v1', 'statefulsets'],
  DaemonSet: ['apps', 'v1', 'daemonsets'],
  Job: ['batch', 'v1', 'jobs'],
  CronJob: ['batch', 'v1', 'cronjobs'],
};

export interface PodSpecImages {
  readonly containers: readonly string[];
  readonly initContainers?: readonly string[];
  readonly ephemeralContainers?: readonly string[];
}

function podSpec(images: PodSpecImages): Record<string, unknown> {
  const list = (prefix: string, xs: readonly string[] | undefined) =>
    xs?.map((image, i) => ({ name: `${prefix}${i}`, image, imagePullPolicy: 'IfNotPresent', resources: {}, terminationMessagePolicy: 'File' }));
  return {
    containers: list('app', images.containers),
    ...(images.initContainers === undefined ? {} : { initContainers: list('init', images.initContainers) }),
    ...(images.ephemeralContainers === undefined ? {} : { ephemeralContainers: list('debug', images.ephemeralContainers) }),
    restartPolicy: 'Always',
    dnsPolicy: 'ClusterFirst',
    securityContext: {},
  };
}

/** A `kind` object named `name` in `namespace` whose pod spec runs `images`. */
export function workload(kind: WorkloadKind, name: string, namespace: string, images: PodSpecImages): Record<string, unknown> {
  const [group, version] = GVR[kind];
  const metadata = { name, namespace, labels: { app: name } };
  const template = { metadata: { labels: { app: name } }, spec: podSpec(images) };
  const spec: Record<WorkloadKind, () => Record<string, unknown>> = {
    Pod: () => podSpec(images),
    Deployment: () => ({ replicas: 1, selector: { matchLabels: { app: name } }, template }),
    ReplicaSet: () => ({ replicas: 1, selector: { matchLabels: { app: name } }, template }),
    StatefulSet: () => ({ replicas: 1, serviceName: name, selector: { matchLabels: { app: name } }, template }),
    DaemonSet: () => ({ selector: { matchLabels: { app: name } }, template }),
    Job: () => ({ backoffLimit: 1, template: { ...template, spec: { ...podSpec(images), restartPolicy: 'Never' } } }),
    CronJob: () => ({ schedule: '*/5 * * * *', jobTemplate: { spec: { template: { ...template, spec: { ...podSpec(images), restartPolicy: 'Never' } } } } }),
  };
  return { apiVersion: group === '' ? version : `${group}/${version}`, kind, metadata, spec: spec[kind]() };
}

export interface ReviewOptions {
  readonly operation?: 'CREATE' | 'UPDATE' | 'DELETE';
  readonly dryRun?: boolean;
  /** `ephemeralcontainers` for `kubectl debug`. */
  readonly subResource?: string;
  readonly oldObject?: Record<string, unknown>;
  readonly uid?: string;
}

/** The AdmissionReview the apiserver posts for `object` (its kind, name and namespace from the object). */
export function admissionReview(object: Record<string, unknown>, o: ReviewOptions = {}): Record<string, unknown> {
  const kind = object['kind'] as WorkloadKind;
  const [group, version, resource] = GVR[kind];
  const meta = object['metadata'] as { name: string; namespace: string };
  const operation = o.operation ?? 'CREATE';
  const gvk = { group, version, kind };
  const gvr = { group, version, resource };
  return {
    apiVersion: 'admission.k8s.io/v1',
    kind: 'AdmissionReview',
    request: {
      uid: o.uid ?? randomUUID(),
      kind: gvk,
      resource: gvr,
      ...(o.subResource === undefined ? {} : { subResource: o.subResource, requestSubResource: o.subResource }),
      requestKind: gvk,
      requestResource: gvr,
      name: meta.name,
      namespace: meta.namespace,
      operation,
      userInfo: { username: 'kubernetes-admin', groups: ['system:masters', 'system:authenticated'] },
      object: operation === 'DELETE' ? null : object,
      oldObject: operation === 'CREATE' ? null : (o.oldObject ?? object),
      dryRun: o.dryRun ?? false,
      options: { apiVersion: 'meta.k8s.io/v1', kind: operation === 'CREATE' ? 'CreateOptions' : operation === 'UPDATE' ? 'UpdateOptions' : 'DeleteOptions' },
    },
  };
}

/** A JSON pointer (RFC 6901) as reference tokens, `~1` and `~0` decoded. */
function tokens(pointer: string): string[] {
  if (!pointer.startsWith('/')) throw new Error(`not a JSON pointer: ${pointer}`);
  return pointer.slice(1).split('/').map((t) => t.replace(/~1/g, '/').replace(/~0/g, '~'));
}

/**
 * Applies an RFC 6902 patch of `replace` operations (§4.3: the target
 * location MUST exist) to a deep copy of `doc`; throws on any other op or
 * a missing target, as the apiserver would refuse the patch.
 */
export function applyReplacePatch(doc: unknown, patch: unknown): unknown {
  const out: unknown = structuredClone(doc);
  if (!Array.isArray(patch)) throw new Error('a JSON patch is an array');
  for (const op of patch as Array<{ op?: unknown; path?: unknown; value?: unknown }>) {
    if (op.op !== 'replace' || typeof op.path !== 'string') throw new Error(`unsupported operation ${JSON.stringify(op)}`);
    const ts = tokens(op.path);
    const last = ts.pop()!;
    let parent: unknown = out;
    for (const t of ts) parent = Array.isArray(parent) ? parent[Number(t)] : (parent as Record<string, unknown>)[t];
    if (typeof parent !== 'object' || parent === null) throw new Error(`no parent for ${op.path}`);
    if (Array.isArray(parent)) {
      const i = Number(last);
      if (!/^(0|[1-9][0-9]*)$/.test(last) || i >= parent.length) throw new Error(`no element at ${op.path}`);
      parent[i] = op.value;
    } else {
      if (!Object.hasOwn(parent, last)) throw new Error(`no member at ${op.path}`);
      (parent as Record<string, unknown>)[last] = op.value;
    }
  }
  return out;
}
