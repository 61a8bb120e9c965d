/**
 * The browser-safe client of a Rekor v1 log (global fetch only): submit
 * entries, read entries with fresh inclusion proofs, read the log info.
 * Answers are parsed, never trusted: verification is the caller's, with the
 * configured log key. Import this barrel from outside src/client/.
 */
export { RekorClient } from './rekor.js';
export type { LogInfo, RekorClientOptions, Submitted } from './rekor.js';
export { leafHashOfBody, parseLogEntry } from './log-entry.js';
export type { RekorEntry, RekorInclusionProof } from './log-entry.js';
export type { TransportOptions } from './http.js';
export { fromBase64, fromHex, toBase64, toHex } from './bytes.js';
