/**
 * Verifying one resolved image digest under one rule, with the image
 * verifier `cairn verify` uses (src/verifier): at least one signature must
 * verify fully (trusted key, the rule's log, its witnesses), and each
 * required attestation must have one verified attestation of its predicate
 * type. Returns the reasons it fails; none means it passes. Registry and log
 * failures are thrown (the evaluator turns them into reasons).
 */
import type { RekorClient } from '../client/index.js';
import { repositoryName, type ImageReference, type RegistryClient } from '../oci/index.js';
import { COSIGN_SIGN_PREDICATE_TYPE } from '../signing/index.js';
import { verifyAll, type SignatureReport, type VerifyContext } from '../verifier/index.js';
import type { PolicyRule } from './policy.js';
import { describeReport, groupRefusals } from './reasons.js';
import type { PolicyReason, PolicyReasonCode } from './types.js';

/** Most refused signatures quoted in one message. */
const MAX_QUOTED = 3;

export interface RuleTarget {
  readonly registry: RegistryClient;
  readonly ref: ImageReference;
  readonly digest: string;
  /** The image as written, for messages. */
  readonly image: string;
  readonly log: RekorClient | undefined;
  readonly signal: AbortSignal | undefined;
}

/** The reasons `target` fails `rule`; empty when it passes. */
export async function verifyUnderRule(rule: PolicyRule, target: RuleTarget): Promise<PolicyReason[]> {
  const ctx: VerifyContext = {
    registry: target.registry,
    ref: target.ref,
    digest: target.digest,
    repository: repositoryName(target.ref),
    trust: rule.trust,
    log: target.log,
    progress: () => undefined,
    signal: target.signal,
  };
  const subject = `${target.image} (${target.digest})`;
  const reasons: PolicyReason[] = [];
  const signatures = await verifyAll(ctx, 'signature', COSIGN_SIGN_PREDICATE_TYPE);
  if (!signatures.some((r) => r.ok)) reasons.push(...signatureReasons(rule, subject, signatures));
  for (const att of rule.attestations) {
    const reports = await verifyAll({ ...ctx, trust: att.trust }, 'attestation', att.predicateType);
    if (reports.some((r) => r.ok)) continue;
    const refused = groupRefusals(reports);
    const found = refused.length === 0 ? 'none is attached' : `found: ${refused.map((g) => `${g.code} (${quote(g.reports)})`).join('; ')}`;
    reasons.push({ code: 'MISSING_ATTESTATION', message: `${subject} has no verified attestation of predicate type ${att.predicateType}: ${found}` });
  }
  return reasons;
}

function signatureReasons(rule: PolicyRule, subject: string, reports: readonly SignatureReport[]): PolicyReason[] {
  const groups = groupRefusals(reports);
  const reasons: PolicyReason[] = groups.length === 0
    ? [{ code: 'UNSIGNED', message: `${subject} is not signed: no cosign signature (.sig tag) or sigstore bundle referrer is attached to the digest` }]
    : groups.map((g) => ({ code: g.code, message: `${subject} ${WHAT[g.code] ?? 'is refused'} under rule ${rule.index} (${quote(g.reports)})` }));
  if (rule.identities.length > 0) {
    const ids = rule.identities.map((i) => `issuer ${i.issuer}, subject ${i.subject}`).join('; ');
    reasons.push({
      code: 'UNTRUSTED_SIGNER',
      message: `${subject}: rule ${rule.index} trusts certificate identities (${ids}), but certificate-based signatures are not supported: Cairn verifies signatures by the rule's keys only`,
    });
  }
  return reasons;
}

const WHAT: Partial<Record<PolicyReasonCode, string>> = {
  INSUFFICIENT_WITNESSES: 'is signed and logged, but the checkpoint lacks the required witness cosignatures',
  NOT_LOGGED: 'has signatures, but none has a valid entry in the rule\'s log',
  UNTRUSTED_SIGNER: 'has logged signatures, but none by a key the rule trusts',
  INVALID_SIGNATURE: 'has signatures, but none is valid for this image',
};

function quote(reports: readonly SignatureReport[]): string {
  const shown = reports.slice(0, MAX_QUOTED).map(describeReport).join('; ');
  return reports.length > MAX_QUOTED ? `${shown}; and ${reports.length - MAX_QUOTED} more` : shown;
}
