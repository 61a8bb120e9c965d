/**
 * Every image of one workload through the policy, concurrently (at most
 * `concurrency` evaluations at once; an image written twice is evaluated
 * once) and within a deadline: when `signal` fires, each image still being
 * evaluated gets a TIMEOUT verdict at once, whether or not the evaluator
 * heeds the signal. A rejecting evaluator (a programming error, by the
 * PolicyEvaluator contract) gives that image an `error` outcome, never a
 * rejection here: the caller always has an answer for every image.
 */
import { describeError } from '../errors.js';
import type { ImageVerdict, PolicyEvaluator, PolicyReasonCode } from '../policy/index.js';
import type { WorkloadImage } from './workloads.js';

/** One image's outcome: the verdict, or why there is none. */
export interface ImageOutcome {
  readonly at: WorkloadImage;
  readonly verdict: ImageVerdict;
  /** Set when the evaluator failed (rejected): the verdict is then a `deny` made here. */
  readonly error?: string;
}

/** Reasons that say the policy could not be checked, not that the image failed it. */
export const OPERATIONAL_REASONS: ReadonlySet<PolicyReasonCode> = new Set<PolicyReasonCode>(['REGISTRY_ERROR', 'LOG_ERROR', 'TIMEOUT']);

/**
 * True when a denial is an error (registry, log, deadline, evaluator
 * failure) rather than a refusal by the policy: every reason is operational.
 * Those are what `--fail-open` lets through.
 */
export function isOperationalFailure(o: ImageOutcome): boolean {
  if (o.verdict.decision !== 'deny') return false;
  if (o.error !== undefined) return true;
  return o.verdict.reasons.length > 0 && o.verdict.reasons.every((r) => OPERATIONAL_REASONS.has(r.code));
}

export interface EvaluateImagesOptions {
  readonly namespace?: string;
  /** Fires at the deadline. */
  readonly signal: AbortSignal;
  /** At most this many evaluations at once (≥ 1). */
  readonly concurrency: number;
}

/** The outcome of each of `images`, in their order. Never rejects. */
export async function evaluateImages(evaluator: PolicyEvaluator, images: readonly WorkloadImage[], opts: EvaluateImagesOptions): Promise<ImageOutcome[]> {
  const unique = [...new Set(images.map((w) => w.image))];
  const results = new Map<string, Promise<Omit<ImageOutcome, 'at'>>>();
  let running = 0;
  const queue: Array<() => void> = [];
  const slot = async (): Promise<void> => {
    if (running < opts.concurrency) {
      running++;
      return;
    }
    await new Promise<void>((r) => queue.push(r));
  };
  const release = (): void => {
    const next = queue.shift();
    if (next !== undefined) next();
    else running--;
  };
  for (const image of unique) {
    results.set(
      image,
      (async () => {
        await slot();
        try {
          return await withDeadline(evaluator, image, opts);
        } finally {
          release();
        }
      })(),
    );
  }
  return Promise.all(images.map(async (at) => ({ at, ...(await results.get(at.image)!) })));
}

async function withDeadline(evaluator: PolicyEvaluator, image: string, opts: EvaluateImagesOptions): Promise<Omit<ImageOutcome, 'at'>> {
  const { signal } = opts;
  const timedOut = (): Omit<ImageOutcome, 'at'> => ({
    verdict: { image, decision: 'deny', reasons: [{ code: 'TIMEOUT', message: `${image}: not verified before the webhook's deadline` }], cached: false },
  });
  if (signal.aborted) return timedOut();
  let onAbort: (() => void) | undefined;
  const deadline = new Promise<Omit<ImageOutcome, 'at'>>((resolve) => {
    onAbort = () => resolve(timedOut());
    signal.addEventListener('abort', onAbort, { once: true });
  });
  const evaluated = evaluator.evaluate(image, { ...(opts.namespace === undefined ? {} : { namespace: opts.namespace }), signal }).then(
    (verdict) => ({ verdict }),
    (err: unknown) => ({
      verdict: { image, decision: 'deny' as const, reasons: [], cached: false },
      error: `couldn't evaluate the policy for ${image}: ${describeError(err)}`,
    }),
  );
  try {
    return await Promise.race([evaluated, deadline]);
  } finally {
    if (onAbort !== undefined) signal.removeEventListener('abort', onAbort);
  }
}
