/**
 * From the verifier's per-signature reports to a policy reason: which stage
 * refused (src/signing's VerifyReason), in the policy's codes. The signing
 * layer checks, in containers/image's order, the container (blob, manifest),
 * the log evidence (SET, inclusion proof, checkpoint, witnesses), then the
 * signer, then what the payload says; so a refusal at the log stage comes
 * before the signer is known.
 */
import type { SignatureReport } from '../verifier/index.js';
import type { PolicyReasonCode } from './types.js';

/** The policy code of one refused signature; undefined for one that is about something else (another predicate type). */
export function codeOfReport(report: SignatureReport): PolicyReasonCode | undefined {
  switch (report.reason) {
    case 'PREDICATE_TYPE_MISMATCH':
      return undefined;
    case 'TOO_FEW_WITNESSES':
      return 'INSUFFICIENT_WITNESSES';
    case 'TLOG_ENTRY_MISSING':
    case 'TLOG_ENTRY_MALFORMED':
    case 'UNKNOWN_LOG':
    case 'SET_INVALID':
    case 'INCLUSION_PROOF_MISSING':
    case 'INCLUSION_PROOF_INVALID':
    case 'CHECKPOINT_INVALID':
    case 'UNSUPPORTED_ENTRY_KIND':
    case 'BODY_MISMATCH':
      return 'NOT_LOGGED';
    case 'SIGNATURE_INVALID':
    case 'CERTIFICATE_UNSUPPORTED':
      return 'UNTRUSTED_SIGNER';
    default:
      return 'INVALID_SIGNATURE';
  }
}

/** Most telling first: the further verification got, the more a person can act on it. */
const ORDER: readonly PolicyReasonCode[] = ['INSUFFICIENT_WITNESSES', 'NOT_LOGGED', 'UNTRUSTED_SIGNER', 'INVALID_SIGNATURE'];

/** The refused reports grouped by policy code, most telling first; reports about something else are dropped. */
export function groupRefusals(reports: readonly SignatureReport[]): Array<{ code: PolicyReasonCode; reports: SignatureReport[] }> {
  const groups = new Map<PolicyReasonCode, SignatureReport[]>();
  for (const r of reports) {
    if (r.ok) continue;
    const code = codeOfReport(r);
    if (code === undefined) continue;
    const list = groups.get(code) ?? [];
    list.push(r);
    groups.set(code, list);
  }
  return [...groups.entries()].sort((a, b) => ORDER.indexOf(a[0]) - ORDER.indexOf(b[0])).map(([code, list]) => ({ code, reports: list }));
}

/** `legacy sha256-….sig#0: UNKNOWN_LOG: entry is from log …`, for messages. */
export function describeReport(r: SignatureReport): string {
  return `${r.format} ${r.where}: ${r.reason ?? ''}: ${r.message}`;
}
