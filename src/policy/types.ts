/**
 * The deploy-time policy's contract: which images may run, decided per image
 * reference. Implemented by the policy room (src/policy); used by the
 * Kubernetes admission webhook and `cairn policy check` (src/kube), which
 * only ever see these types.
 *
 * A verdict is reached by resolving the reference in its registry, finding
 * the signatures attached to that digest, verifying them (signer keys or
 * certificate identities, the log's SET and inclusion proof, the checkpoint's
 * witness cosignatures, required attestations) with the one verification
 * library the `cairn verify` command also uses.
 */

/** Why an image was refused or warned about: stable codes, for metrics and tests. */
export type PolicyReasonCode =
  | 'NO_MATCHING_RULE' // no rule's `images` matched and `default: deny`
  | 'UNSIGNED' // no signature attached to the digest
  | 'UNTRUSTED_SIGNER' // signatures present and logged, none by a key the rule trusts (or certificate-based: unsupported)
  | 'NOT_LOGGED' // signatures present, but no valid entry (SET, proof) in the rule's log (checked before the signer)
  | 'INSUFFICIENT_WITNESSES' // logged, but the checkpoint lacks minWitnesses trusted cosignatures
  | 'MISSING_ATTESTATION' // a required predicate type has no verified attestation
  | 'INVALID_SIGNATURE' // signatures present, none well-formed for this image (blob, manifest, payload digest or repository)
  | 'INVALID_REFERENCE' // the image reference cannot be parsed
  | 'IMAGE_NOT_FOUND' // the registry answered that it has no such manifest: a verdict, not an outage (--fail-open does not cover it)
  | 'REGISTRY_ERROR' // the registry could not be reached, refused access or answered wrongly
  | 'LOG_ERROR' // the log could not be reached for an online proof
  | 'TIMEOUT'; // the evaluation's signal fired first

export interface PolicyReason {
  readonly code: PolicyReasonCode;
  /** One line a person can act on, naming the image and what was missing. */
  readonly message: string;
}

/** One image's verdict under the policy. */
export interface ImageVerdict {
  /** The image reference exactly as written in the workload. */
  readonly image: string;
  /**
   * allow: may run. deny: refused (an `enforce` rule, or the default).
   * warn: would be refused, but the matching rule is in `warn` mode: allowed
   * with `reasons` as warnings (for every reason, TIMEOUT and
   * REGISTRY_ERROR included: a warn-mode rule never refuses).
   */
  readonly decision: 'allow' | 'deny' | 'warn';
  /** Index in `rules` of the rule that decided, absent when the default or an exemption did. */
  readonly rule?: number;
  /** Set when the namespace is exempt: allowed without verification. */
  readonly exempt?: boolean;
  /**
   * The manifest digest (`sha256:…`) the verdict is about, when the
   * reference was resolved; an admitted image is pinned to it.
   */
  readonly digest?: string;
  /** Empty for a clean allow. */
  readonly reasons: readonly PolicyReason[];
  /** The verdict came from the verified-digest cache. */
  readonly cached: boolean;
}

export interface EvaluateOptions {
  /** The workload's namespace (exemptions); absent outside a cluster (`cairn policy check`). */
  readonly namespace?: string;
  /** Aborts registry and log calls; the verdict is then `deny` (`warn` under a warn-mode rule) with TIMEOUT. */
  readonly signal?: AbortSignal;
}

export interface PolicyEvaluator {
  /**
   * Never rejects for an image's own problems: every failure is a verdict
   * with a reason. Rejects only on a programming error.
   */
  evaluate(image: string, options?: EvaluateOptions): Promise<ImageVerdict>;
}
