/**
 * The policy evaluator: one image reference → one verdict.
 *
 * 1. An exempt namespace is allowed without verification (`exempt: true`).
 * 2. The reference is parsed and normalized (src/oci); the first rule whose
 *    `images` match `registry/repository` decides; none: the policy's default.
 * 3. The reference is resolved to its manifest digest in its registry (a
 *    digest reference names its digest); the verdict is about that digest,
 *    and an admitted image is pinned to it.
 * 4. A (rule, repository, digest) verified less than `cacheTtlMs` ago is
 *    allowed again without verifying (`cached: true`). Only passes are
 *    cached. The repository is part of the key: signatures are attached per
 *    repository and name it, so one digest in two repositories is two checks.
 * 5. Otherwise the signatures attached to the digest are verified
 *    (verify-rule.ts). Failures are `deny`, or `warn` under a warn-mode rule.
 *
 * Tags: by default a tag is resolved on every evaluation (`tagTtlMs` 0), so
 * a moved tag is seen at once. With `tagTtlMs` > 0 a tag's digest is reused
 * for that long; the verdict still names the digest that was verified, so
 * what is admitted is pinned to a verified digest either way.
 *
 * The signal aborts registry and log calls; the verdict is then TIMEOUT,
 * returned as soon as the signal fires. Registry and log failures are
 * REGISTRY_ERROR and LOG_ERROR verdicts; `evaluate` rejects only on a bug.
 */
import { RekorClient } from '../client/index.js';
import { systemClock, type Clock } from '../clock.js';
import { describeError, isLogError } from '../errors.js';
import {
  RegistryClient,
  environmentCredentials,
  formatReference,
  parseImageReference,
  repositoryName,
  type CredentialSource,
  type ImageReference,
} from '../oci/index.js';
import { TtlCache } from './cache.js';
import type { Policy, PolicyRule } from './policy.js';
import type { EvaluateOptions, ImageVerdict, PolicyEvaluator, PolicyReason } from './types.js';
import { verifyUnderRule } from './verify-rule.js';

export interface EvaluatorOptions {
  /** Time source of the caches. Default: the system clock. */
  readonly clock?: Clock;
  /** How long a verified (rule, repository, digest) is allowed without verifying again, ms. Default 300 000 (5 min); 0 disables. */
  readonly cacheTtlMs?: number;
  /** How long a tag's resolved digest is reused, ms. Default 0: every evaluation resolves the tag. */
  readonly tagTtlMs?: number;
  /** Most entries in each cache. Default 10 000. */
  readonly cacheMaxEntries?: number;
  /** Registry credentials. Default: CAIRN_REGISTRY_USERNAME/PASSWORD, then the docker config (src/oci/credentials.ts). */
  readonly credentials?: CredentialSource;
  /** Socket inactivity limit per registry request, ms. Default 10 000. */
  readonly registryTimeoutMs?: number;
  /** Registry retries after the first attempt (429/5xx/broken connections). Default 1. */
  readonly registryRetries?: number;
  /** Per-attempt limit of log requests, ms. Default 10 000. */
  readonly logTimeoutMs?: number;
  /** Bearer token for the logs (a log with read auth). */
  readonly logToken?: string;
}

/** A {@link PolicyEvaluator} that holds registry connections: close() it when the policy is replaced. */
export interface Evaluator extends PolicyEvaluator {
  readonly policy: Policy;
  /** Closes idle registry connections. Evaluations after close() fail. */
  close(): void;
}

export const DEFAULT_CACHE_TTL_MS = 300_000;
export const DEFAULT_CACHE_MAX_ENTRIES = 10_000;

/** The evaluator of `policy` (see the module comment). */
export function createEvaluator(policy: Policy, options: EvaluatorOptions = {}): Evaluator {
  return new PolicyEvaluation(policy, options);
}

type Decided = { verdict: ImageVerdict } | { rule: PolicyRule; ref: ImageReference };

class PolicyEvaluation implements Evaluator {
  readonly policy: Policy;
  readonly #opts: EvaluatorOptions;
  readonly #verified: TtlCache<true>;
  readonly #tags: TtlCache<string>;
  readonly #registries = new Map<string, RegistryClient>();
  readonly #credentials: CredentialSource;

  constructor(policy: Policy, opts: EvaluatorOptions) {
    this.policy = policy;
    this.#opts = opts;
    const clock = opts.clock ?? systemClock();
    const max = opts.cacheMaxEntries ?? DEFAULT_CACHE_MAX_ENTRIES;
    this.#verified = new TtlCache(opts.cacheTtlMs ?? DEFAULT_CACHE_TTL_MS, max, clock);
    this.#tags = new TtlCache(opts.tagTtlMs ?? 0, max, clock);
    this.#credentials = opts.credentials ?? environmentCredentials(process.env);
  }

  async evaluate(image: string, options: EvaluateOptions = {}): Promise<ImageVerdict> {
    const decided = this.#decide(image, options);
    if ('verdict' in decided) return decided.verdict;
    const { rule, ref } = decided;
    const signal = options.signal;
    const timeout = (): ImageVerdict => failed(image, rule, undefined, [timeoutReason(image)]);
    if (signal?.aborted === true) return timeout();
    const work = this.#verify(image, rule, ref, signal);
    if (signal === undefined) return work;
    let onAbort: () => void = () => undefined;
    const aborted = new Promise<ImageVerdict>((resolve) => {
      onAbort = () => resolve(timeout());
      signal.addEventListener('abort', onAbort, { once: true });
    });
    work.catch(() => undefined); // after an abort nobody awaits it
    try {
      return await Promise.race([work, aborted]);
    } finally {
      signal.removeEventListener('abort', onAbort);
    }
  }

  close(): void {
    for (const c of this.#registries.values()) c.close();
    this.#registries.clear();
  }

  /** Steps 1–2: exemption, reference, rule; a verdict when no verification is needed. */
  #decide(image: string, options: EvaluateOptions): Decided {
    if (options.namespace !== undefined && this.policy.exemptNamespaces.includes(options.namespace)) {
      return { verdict: { image, decision: 'allow', exempt: true, reasons: [], cached: false } };
    }
    let ref: ImageReference;
    try {
      ref = parseImageReference(image);
    } catch (err) {
      return { verdict: { image, decision: 'deny', reasons: [{ code: 'INVALID_REFERENCE', message: describeError(err) }], cached: false } };
    }
    const name = repositoryName(ref);
    const rule = this.policy.rules.find((r) => r.images.some((p) => p.matches(name)));
    if (rule !== undefined) return { rule, ref };
    if (this.policy.default === 'allow') return { verdict: { image, decision: 'allow', reasons: [], cached: false } };
    const message = `no rule of ${this.policy.source} matches ${image} (${name}), and the default is deny`;
    return { verdict: { image, decision: 'deny', reasons: [{ code: 'NO_MATCHING_RULE', message }], cached: false } };
  }

  /** Steps 3–5. */
  async #verify(image: string, rule: PolicyRule, ref: ImageReference, signal: AbortSignal | undefined): Promise<ImageVerdict> {
    const registry = this.#registryFor(rule);
    let digest: string | undefined = ref.digest;
    try {
      digest ??= await this.#resolveTag(rule, registry, ref, signal);
      // What verified is the digest in this repository (signatures are attached per repository, and a
      // legacy payload names it): the same digest elsewhere is verified on its own.
      const verifiedKey = `${rule.index} ${repositoryName(ref)}@${digest}`;
      if (this.#verified.get(verifiedKey) === true) return { image, decision: 'allow', rule: rule.index, digest, reasons: [], cached: true };
      const reasons = await verifyUnderRule(rule, { registry, ref, digest, image, log: this.#logFor(rule, signal), signal });
      if (reasons.length > 0) return failed(image, rule, digest, reasons);
      this.#verified.set(verifiedKey, true);
      return { image, decision: 'allow', rule: rule.index, digest, reasons: [], cached: false };
    } catch (err) {
      return failed(image, rule, digest, [reasonOfError(err, image, signal)]);
    }
  }

  async #resolveTag(rule: PolicyRule, registry: RegistryClient, ref: ImageReference, signal: AbortSignal | undefined): Promise<string> {
    const key = `${clientKey(rule)} ${formatReference(ref)}`;
    const known = this.#tags.get(key);
    if (known !== undefined) return known;
    const { digest } = await registry.resolve(ref, { signal });
    this.#tags.set(key, digest);
    return digest;
  }

  /** One client per (plain HTTP, CA file): connections and tokens are shared across evaluations. */
  #registryFor(rule: PolicyRule): RegistryClient {
    const key = clientKey(rule);
    let client = this.#registries.get(key);
    if (client === undefined) {
      client = new RegistryClient({
        insecure: rule.insecureRegistry,
        caFile: rule.registryCA,
        credentials: this.#credentials,
        retries: this.#opts.registryRetries ?? 1,
        timeoutMs: this.#opts.registryTimeoutMs ?? 10_000,
        userAgent: 'cairn-policy',
      });
      this.#registries.set(key, client);
    }
    return client;
  }

  /** The rule's log for online proofs, its requests bound to `signal`; undefined: offline. */
  #logFor(rule: PolicyRule, signal: AbortSignal | undefined): RekorClient | undefined {
    if (rule.log.url === undefined) return undefined;
    const token = this.#opts.logToken;
    return new RekorClient(rule.log.url, {
      timeoutMs: this.#opts.logTimeoutMs ?? 10_000,
      retries: 1,
      userAgent: 'cairn-policy',
      ...(token === undefined ? {} : { token }),
      ...(signal === undefined ? {} : { fetch: (url, init) => fetch(url, { ...init, signal: AbortSignal.any([signal, ...(init?.signal ? [init.signal] : [])]) }) }),
    });
  }
}

/** Rules with equal registry settings share a client. */
function clientKey(rule: PolicyRule): string {
  return rule.insecureRegistry ? 'http' : `https ${rule.registryCA ?? ''}`;
}

/** A refusal under `rule`: deny, or warn in warn mode. */
function failed(image: string, rule: PolicyRule, digest: string | undefined, reasons: PolicyReason[]): ImageVerdict {
  return { image, decision: rule.mode === 'warn' ? 'warn' : 'deny', rule: rule.index, ...(digest === undefined ? {} : { digest }), reasons, cached: false };
}

function timeoutReason(image: string): PolicyReason {
  return { code: 'TIMEOUT', message: `couldn't verify ${image} in time: the evaluation was cut short before its registry and log calls finished` };
}

/** A thrown failure as a reason; anything that is not a LogError is a bug and is rethrown. */
function reasonOfError(err: unknown, image: string, signal: AbortSignal | undefined): PolicyReason {
  if (signal?.aborted === true) return timeoutReason(image);
  if (!isLogError(err)) throw err;
  if (err.code.startsWith('LOG_')) return { code: 'LOG_ERROR', message: `couldn't confirm the signatures of ${image} with the log: ${err.message}` };
  if (err.code === 'REGISTRY_NOT_FOUND') return { code: 'IMAGE_NOT_FOUND', message: `${image} is not in its registry: ${err.message}` };
  return { code: 'REGISTRY_ERROR', message: `couldn't read ${image} from its registry: ${err.message}` };
}
