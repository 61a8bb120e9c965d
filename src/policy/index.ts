/**
 * The deploy-time policy room: the policy file (load.ts, schema.ts), image
 * patterns (glob.ts) and the evaluator (evaluator.ts) that decides, per
 * image reference, whether it may run. The contract its users see is
 * types.ts. Import from outside `src/policy/` only through this file.
 */
export type { EvaluateOptions, ImageVerdict, PolicyEvaluator, PolicyReason, PolicyReasonCode } from './types.js';
export { MAX_POLICY_BYTES, loadPolicyFile, parsePolicy } from './load.js';
export type { AttestationRule, Policy, PolicyRule, TrustedKey } from './policy.js';
export { compileImagePattern, normalizePattern } from './glob.js';
export type { ImagePattern } from './glob.js';
export { DEFAULT_CACHE_MAX_ENTRIES, DEFAULT_CACHE_TTL_MS, createEvaluator } from './evaluator.js';
export type { Evaluator, EvaluatorOptions } from './evaluator.js';
