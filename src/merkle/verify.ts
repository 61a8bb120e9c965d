/**
 * RFC 9162 proof verification (rfc9162.ts) with node:crypto hashing, for the
 * server and the CLI. See rfc9162.ts for the contracts: every failure throws
 * LogError('PROOF_INVALID') saying what failed.
 */
import { nodeHasher } from './hash.js';
import { proofVerifier } from './rfc9162.js';

export type { TreeIndex } from './rfc9162.js';

const verifier = proofVerifier(nodeHasher);

/** The root implied by an inclusion proof (RFC 9162 §2.1.3.2 steps 1–5); throws PROOF_INVALID. */
export const rootFromInclusionProof = verifier.rootFromInclusionProof;
/** RFC 9162 §2.1.3.2: `leafHash` is at `index` in the tree of `size` with root `root`; throws PROOF_INVALID. */
export const verifyInclusion = verifier.verifyInclusion;
/** RFC 9162 §2.1.4.2: the tree of `oldSize` is a prefix of the one of `newSize`; throws PROOF_INVALID. */
export const verifyConsistency = verifier.verifyConsistency;
