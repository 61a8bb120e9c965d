/**
 * Kubernetes: the images of workload objects (workloads.ts), manifests
 * (manifests.ts), AdmissionReview (admission-review.ts) and the answer to it
 * (review.ts, json-patch.ts), and the admission webhook's HTTPS surface
 * (app.ts, server.ts, metrics.ts, file-watch.ts). Import from outside
 * `src/kube/` only through this file.
 */
export { POD_SPEC_PATHS, describeContainer, hasPodSpec, workloadImages } from './workloads.js';
export type { ContainerField, WorkloadImage } from './workloads.js';
export { parseManifests } from './manifests.js';
export type { ManifestObject } from './manifests.js';
export { ADMISSION_API_VERSION, admissionReviewResponse, parseAdmissionReview, parseAdmissionReviewText } from './admission-review.js';
export type { AdmissionRequest, AdmissionResponse, Operation } from './admission-review.js';
export { evaluateImages, isOperationalFailure, OPERATIONAL_REASONS } from './evaluate-images.js';
export type { EvaluateImagesOptions, ImageOutcome } from './evaluate-images.js';
export { digestPinPatch, encodePatch, isDigestPinned, pinnedReference } from './json-patch.js';
export type { ReplaceOperation } from './json-patch.js';
export { describeOutcome, respond, reviewAdmission } from './review.js';
export type { AdmissionVerdict, Review, ReviewOptions } from './review.js';
export { DEFAULT_MAX_BODY_BYTES, createWebhookApp, defaultMarginMs } from './app.js';
export type { WebhookAppDeps } from './app.js';
export { LATENCY_BUCKETS, WebhookMetrics } from './metrics.js';
export type { Endpoint } from './metrics.js';
export { checkTls, createWebhookServer, replaceTls } from './server.js';
export type { TlsPem } from './server.js';
export { watchFiles } from './file-watch.js';
export type { WatchedFiles } from './file-watch.js';
