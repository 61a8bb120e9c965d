/**
 * Verifying one layer of a legacy `.att` manifest (oci-signatures.md §2
 * "`.att` layers"): the blob is a DSSE envelope with an in-toto statement,
 * the log entry is in the `dev.sigstore.cosign/bundle` annotation (kind
 * intoto or dsse).
 */
import { ANNOTATION_BUNDLE, DSSE_ENVELOPE_MEDIA_TYPE } from '../media-types.js';
import { parseEnvelope } from '../dsse-envelope.js';
import { checkBlob } from './blob.js';
import type { LegacyLayerInput } from './legacy.js';
import { layerEntry } from './logged.js';
import { verifySignedStatement, type StatementVerified } from './statement.js';
import type { Trust } from './trust.js';
import { readOr, refuse, verdictOfAsync, type Verdict } from './verdict.js';

/** A `.att` layer; `repository` is not used (statements name digests, not references). */
export interface LegacyAttestationInput extends LegacyLayerInput {
  /** Required predicate type; any when undefined. */
  readonly predicateType?: string;
}

/** Verifies one `.att` layer. */
export function verifyLegacyAttestation(input: LegacyAttestationInput, trust: Trust): Promise<Verdict<StatementVerified>> {
  return verdictOfAsync(async () => {
    const { descriptor, blob } = input;
    if (descriptor.mediaType !== DSSE_ENVELOPE_MEDIA_TYPE) refuse('SIGNATURE_MISSING', `layer media type ${descriptor.mediaType} is not a DSSE envelope`);
    checkBlob(descriptor, blob, 'the envelope');
    const envelope = readOr('SIGNATURE_MISSING', 'envelope', () => parseEnvelope(blob));
    const entry = layerEntry(descriptor.annotations?.[ANNOTATION_BUNDLE], input.online);
    return verifySignedStatement(envelope, entry, trust, {
      imageDigest: input.imageDigest,
      ...(input.predicateType === undefined ? {} : { predicateType: input.predicateType }),
    });
  });
}
