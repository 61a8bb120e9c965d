/**
 * Verification outcomes: a verdict per signature, with a stable reason code
 * for every refusal (tests and the CLI's JSON output use the codes, never the
 * messages). Inside the verify steps a refusal is thrown as {@link Refusal}
 * and turned into a verdict at the public entry points, so each step stays a
 * straight line.
 */

/** Why a signature, attestation or bundle was refused. */
export type VerifyReason =
  // the container: layer, bundle, artifact manifest
  | 'BLOB_DIGEST_MISMATCH' // the fetched blob does not hash to its descriptor's digest or size
  | 'MANIFEST_INVALID' // the bundle artifact manifest is malformed, not the fetched bytes, or has not exactly one bundle layer
  | 'SUBJECT_MISMATCH' // the bundle artifact manifest's subject is another image
  | 'SIGNATURE_MISSING' // a legacy layer without a decodable signature annotation, or an unexpected layer type
  | 'BUNDLE_INVALID' // the bundle is malformed, or lacks what its version requires
  | 'BUNDLE_MEDIA_TYPE_UNSUPPORTED' // not a sigstore bundle v0.1–v0.3 media type
  | 'BUNDLE_CONTENT_UNSUPPORTED' // a message-signature bundle (needs the artifact; cosign refuses them for images)
  | 'CERTIFICATE_UNSUPPORTED' // a certificate-based (keyless) signer; only trusted keys are supported
  // the transparency log
  | 'TLOG_ENTRY_MISSING' // no SET and no inclusion proof, and the policy requires the log
  | 'TLOG_ENTRY_MALFORMED' // the log entry (bundle annotation, tlog entry) cannot be read
  | 'UNKNOWN_LOG' // the entry's logID is not one of the trusted log keys
  | 'SET_INVALID' // the signed entry timestamp does not verify under the log key
  | 'INCLUSION_PROOF_MISSING' // the policy requires an inclusion proof and there is none
  | 'INCLUSION_PROOF_INVALID' // the proof does not lead from the entry's leaf to its root
  | 'CHECKPOINT_INVALID' // the checkpoint is not signed by the log, or states another size or root than the proof
  | 'TOO_FEW_WITNESSES' // fewer distinct trusted witnesses cosigned the checkpoint than required
  | 'UNSUPPORTED_ENTRY_KIND' // the logged entry is of a kind this verifier cannot match
  | 'BODY_MISMATCH' // the logged body names another signature, key or payload hash
  // the signature and what it says
  | 'SIGNATURE_INVALID' // no trusted key verifies the signature over the payload (or the DSSE PAE)
  | 'PAYLOAD_INVALID' // the verified payload or statement is not what it must be
  | 'PAYLOAD_TYPE_UNSUPPORTED' // a DSSE payload that is not an in-toto statement
  | 'DIGEST_MISMATCH' // the payload (statement subject) is for another image digest
  | 'REFERENCE_MISMATCH' // the payload's docker-reference is another repository
  | 'PREDICATE_TYPE_MISMATCH'; // the statement's predicate type is not the required one

/** Every reason code, for tables and exhaustive tests. */
export const VERIFY_REASONS: readonly VerifyReason[] = [
  'BLOB_DIGEST_MISMATCH',
  'MANIFEST_INVALID',
  'SUBJECT_MISMATCH',
  'SIGNATURE_MISSING',
  'BUNDLE_INVALID',
  'BUNDLE_MEDIA_TYPE_UNSUPPORTED',
  'BUNDLE_CONTENT_UNSUPPORTED',
  'CERTIFICATE_UNSUPPORTED',
  'TLOG_ENTRY_MISSING',
  'TLOG_ENTRY_MALFORMED',
  'UNKNOWN_LOG',
  'SET_INVALID',
  'INCLUSION_PROOF_MISSING',
  'INCLUSION_PROOF_INVALID',
  'CHECKPOINT_INVALID',
  'TOO_FEW_WITNESSES',
  'UNSUPPORTED_ENTRY_KIND',
  'BODY_MISMATCH',
  'SIGNATURE_INVALID',
  'PAYLOAD_INVALID',
  'PAYLOAD_TYPE_UNSUPPORTED',
  'DIGEST_MISMATCH',
  'REFERENCE_MISMATCH',
  'PREDICATE_TYPE_MISMATCH',
];

/** A verified result, or a refusal with its reason. */
export type Verdict<T> =
  | { readonly ok: true; readonly value: T }
  | { readonly ok: false; readonly reason: VerifyReason; readonly message: string };

/** Thrown by verify steps; caught by {@link verdictOf}. */
export class Refusal extends Error {
  readonly reason: VerifyReason;
  constructor(reason: VerifyReason, message: string) {
    super(message);
    this.name = 'Refusal';
    this.reason = reason;
  }
}

/** Refuse with `reason`. */
export function refuse(reason: VerifyReason, message: string): never {
  throw new Refusal(reason, message);
}

/**
 * Runs `steps`; a Refusal becomes a failed verdict. Anything else thrown is a
 * bug in this layer and propagates (verification never turns an internal
 * error into a verdict).
 */
export function verdictOf<T>(steps: () => T): Verdict<T> {
  try {
    return { ok: true, value: steps() };
  } catch (err) {
    return refusalOf(err);
  }
}

/** {@link verdictOf} for steps that wait (the log's evidence is checked asynchronously). */
export async function verdictOfAsync<T>(steps: () => Promise<T>): Promise<Verdict<T>> {
  try {
    return { ok: true, value: await steps() };
  } catch (err) {
    return refusalOf(err);
  }
}

/** A Refusal as a verdict; anything else is rethrown. */
function refusalOf(err: unknown): Verdict<never> {
  if (err instanceof Refusal) return { ok: false, reason: err.reason, message: err.message };
  throw err;
}

/** Runs `read` (a parser throwing ARTIFACT_INVALID) and refuses with `reason` on any LogError. */
export function readOr<T>(reason: VerifyReason, what: string, read: () => T): T {
  try {
    return read();
  } catch (err) {
    if (err instanceof Error && err.name === 'LogError') refuse(reason, `${what}: ${err.message}`);
    throw err;
  }
}
