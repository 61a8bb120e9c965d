/**
 * AdmissionReview, `admission.k8s.io/v1`, as the apiserver posts it to a
 * webhook and expects it back (Kubernetes "Dynamic Admission Control",
 * "Request" and "Response"). The request body is attacker-controlled JSON:
 * {@link parseAdmissionReview} checks every field this webhook reads and
 * throws BAD_REQUEST naming the first one that is wrong, never anything else.
 */
import { LogError } from '../errors.js';
import { isRecord } from './workloads.js';

export const ADMISSION_API_VERSION = 'admission.k8s.io/v1';

export type Operation = 'CREATE' | 'UPDATE' | 'DELETE' | 'CONNECT';
const OPERATIONS: ReadonlySet<string> = new Set(['CREATE', 'UPDATE', 'DELETE', 'CONNECT']);

/** The fields of `request` this webhook uses. */
export interface AdmissionRequest {
  /** Echoed in the response; the apiserver matches answers by it. */
  readonly uid: string;
  /** `request.kind.kind` (the object's kind, e.g. Pod for `pods/ephemeralcontainers`). */
  readonly kind: string;
  /** `request.resource.resource`, e.g. `pods`, `deployments`. */
  readonly resource: string;
  /** `request.subResource`, e.g. `ephemeralcontainers`; '' when none. */
  readonly subResource: string;
  readonly operation: Operation;
  /** '' for cluster-scoped objects. */
  readonly namespace: string;
  /** '' when the apiserver has not named the object yet (generateName). */
  readonly name: string;
  /** The object as it would be stored; undefined for DELETE. */
  readonly object: Record<string, unknown> | undefined;
  readonly dryRun: boolean;
}

/** What the webhook answers (`response`). */
export interface AdmissionResponse {
  readonly uid: string;
  readonly allowed: boolean;
  /** Set when denied: shown to the user as "admission webhook … denied the request: <message>". */
  readonly status?: { readonly code: number; readonly message: string };
  /** Shown to the user (kubectl prints each as "Warning: …"). */
  readonly warnings?: readonly string[];
  readonly patchType?: 'JSONPatch';
  /** Base64 of the JSON text of the RFC 6902 patch. */
  readonly patch?: string;
}

function bad(message: string): LogError {
  return new LogError('BAD_REQUEST', `couldn't read the AdmissionReview: ${message}`);
}

function str(o: Record<string, unknown>, key: string, where: string, required: boolean): string {
  const v = o[key];
  if (v === undefined || v === null) {
    if (required) throw bad(`${where}.${key} is missing`);
    return '';
  }
  if (typeof v !== 'string') throw bad(`${where}.${key} must be a string`);
  return v;
}

function obj(o: Record<string, unknown>, key: string, where: string): Record<string, unknown> | undefined {
  const v = o[key];
  if (v === undefined || v === null) return undefined;
  if (!isRecord(v)) throw bad(`${where}.${key} must be an object`);
  return v;
}

/** Parses the JSON text of an AdmissionReview request; throws BAD_REQUEST with the reason. */
export function parseAdmissionReviewText(text: string): AdmissionRequest {
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch (err) {
    throw bad(`the body is not valid JSON: ${(err as Error).message}`);
  }
  return parseAdmissionReview(body);
}

/** Checks `body` is an `admission.k8s.io/v1` AdmissionReview with a usable request; throws BAD_REQUEST. */
export function parseAdmissionReview(body: unknown): AdmissionRequest {
  if (!isRecord(body)) throw bad('the body must be a JSON object');
  const apiVersion = str(body, 'apiVersion', 'AdmissionReview', true);
  if (apiVersion !== ADMISSION_API_VERSION) throw bad(`apiVersion must be ${ADMISSION_API_VERSION} (admissionReviewVersions: [v1]), not ${JSON.stringify(apiVersion)}`);
  const kind = str(body, 'kind', 'AdmissionReview', true);
  if (kind !== 'AdmissionReview') throw bad(`kind must be AdmissionReview, not ${JSON.stringify(kind)}`);
  const req = obj(body, 'request', 'AdmissionReview');
  if (req === undefined) throw bad('request is missing');
  const uid = str(req, 'uid', 'request', true);
  if (uid === '') throw bad('request.uid is empty');
  const operation = str(req, 'operation', 'request', true);
  if (!OPERATIONS.has(operation)) throw bad(`request.operation must be CREATE, UPDATE, DELETE or CONNECT, not ${JSON.stringify(operation)}`);
  const gvk = obj(req, 'kind', 'request');
  if (gvk === undefined) throw bad('request.kind is missing');
  const resource = obj(req, 'resource', 'request');
  const object = obj(req, 'object', 'request');
  if (object === undefined && (operation === 'CREATE' || operation === 'UPDATE')) throw bad(`request.object is missing (operation ${operation})`);
  const dryRun = req['dryRun'];
  if (dryRun !== undefined && dryRun !== null && typeof dryRun !== 'boolean') throw bad('request.dryRun must be a boolean');
  return {
    uid,
    kind: str(gvk, 'kind', 'request.kind', true),
    resource: resource === undefined ? '' : str(resource, 'resource', 'request.resource', false),
    subResource: str(req, 'subResource', 'request', false),
    operation: operation as Operation,
    namespace: str(req, 'namespace', 'request', false),
    name: str(req, 'name', 'request', false),
    object,
    dryRun: dryRun === true,
  };
}

/** The AdmissionReview to send back for `response`. */
export function admissionReviewResponse(response: AdmissionResponse): { apiVersion: string; kind: string; response: AdmissionResponse } {
  return { apiVersion: ADMISSION_API_VERSION, kind: 'AdmissionReview', response };
}
