/**
 * The answer to one admission request: which images the object runs, their
 * verdicts under the policy, and the response (Kubernetes "Dynamic Admission
 * Control", "Response"):
 *
 * - CREATE and UPDATE of a kind with a pod spec (workloads.ts) are checked;
 *   an UPDATE checks every image of the new object, which covers ephemeral
 *   containers added through `pods/ephemeralcontainers`. Dry-run requests
 *   are answered exactly the same way. DELETE, CONNECT and other kinds are
 *   allowed without a look.
 * - Any image denied by the policy: `allowed: false`, status 403, a message
 *   naming every refused image, its container and the reason.
 * - An image that could not be checked (registry, log, deadline, evaluator
 *   failure): the same denial (fail closed), unless `failOpen`: then allowed
 *   with a warning naming the error.
 * - Images in `warn` mode: allowed, each reason as a warning.
 * - `mutate`: when allowed, a JSONPatch pinning each verified image to its
 *   digest (json-patch.ts).
 */
import type { PolicyEvaluator } from '../policy/index.js';
import type { AdmissionRequest, AdmissionResponse } from './admission-review.js';
import { evaluateImages, isOperationalFailure, type ImageOutcome } from './evaluate-images.js';
import { digestPinPatch, encodePatch } from './json-patch.js';
import { describeContainer, workloadImages } from './workloads.js';

/** How an admission went, for metrics and logs. */
export type AdmissionVerdict = 'allow' | 'warn' | 'deny' | 'error' | 'fail_open';

export interface ReviewOptions {
  readonly evaluator: PolicyEvaluator;
  /** Fires at the deadline (shortly before the apiserver's timeout). */
  readonly signal: AbortSignal;
  /** Evaluations at once per request. */
  readonly concurrency: number;
  /** Allow (with a warning) what could not be checked, instead of denying it. */
  readonly failOpen: boolean;
  /** Add the digest-pinning JSONPatch (the /mutate endpoint). */
  readonly mutate: boolean;
}

export interface Review {
  readonly response: AdmissionResponse;
  readonly verdict: AdmissionVerdict;
  readonly outcomes: readonly ImageOutcome[];
}

/** The response to `req`. Never rejects: every failure is an answer. */
export async function reviewAdmission(req: AdmissionRequest, opts: ReviewOptions): Promise<Review> {
  const checked = (req.operation === 'CREATE' || req.operation === 'UPDATE') && req.object !== undefined;
  const images = checked ? workloadImages(req.object, req.kind) : [];
  if (images.length === 0) return { response: { uid: req.uid, allowed: true }, verdict: 'allow', outcomes: [] };
  const outcomes = await evaluateImages(opts.evaluator, images, {
    ...(req.namespace === '' ? {} : { namespace: req.namespace }),
    signal: opts.signal,
    concurrency: opts.concurrency,
  });
  return { ...respond(req.uid, outcomes, opts), outcomes };
}

/** The response for the outcomes of one request's images. */
export function respond(uid: string, outcomes: readonly ImageOutcome[], opts: Pick<ReviewOptions, 'failOpen' | 'mutate'>): Omit<Review, 'outcomes'> {
  const refused = outcomes.filter((o) => o.verdict.decision === 'deny' && !(opts.failOpen && isOperationalFailure(o)));
  if (refused.length > 0) {
    const errorsOnly = refused.every(isOperationalFailure);
    const message = `${errorsOnly ? 'image policy could not be checked (failing closed)' : 'image policy denied'}: ${refused.map(describeOutcome).join('; ')}`;
    return { response: { uid, allowed: false, status: { code: 403, message } }, verdict: errorsOnly ? 'error' : 'deny' };
  }
  const warnings: string[] = [];
  let failedOpen = false;
  for (const o of outcomes) {
    if (o.verdict.decision === 'warn') warnings.push(`image policy (warn mode) would deny ${describeOutcome(o)}`);
    else if (o.verdict.decision === 'deny') {
      failedOpen = true;
      warnings.push(`image policy could not be checked, allowed by --fail-open: ${describeOutcome(o)}`);
    }
  }
  const ops = opts.mutate ? digestPinPatch(outcomes) : [];
  const response: AdmissionResponse = {
    uid,
    allowed: true,
    ...(warnings.length === 0 ? {} : { warnings }),
    ...(ops.length === 0 ? {} : { patchType: 'JSONPatch' as const, patch: encodePatch(ops) }),
  };
  return { response, verdict: failedOpen ? 'fail_open' : warnings.length > 0 ? 'warn' : 'allow' };
}

/** `containers[0] "app" image registry/x:1: UNSIGNED: …, NOT_LOGGED: …` */
export function describeOutcome(o: ImageOutcome): string {
  const why = o.error ?? (o.verdict.reasons.length === 0 ? 'no reason given' : o.verdict.reasons.map((r) => `${r.code}: ${r.message}`).join(', '));
  return `${describeContainer(o.at)} image ${o.at.image}: ${why}`;
}
