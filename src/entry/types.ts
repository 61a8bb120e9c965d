/** Types shared by the entry layer and its callers. */
import type { Json, JsonObject } from './fields.js';

/** The result of admitting a proposed entry: everything the sequencer and the store need. */
export interface PreparedEntry {
  /** Kind and version, e.g. 'hashedrekord/0.0.1' | 'dsse/0.0.1' | 'intoto/0.0.2'. */
  readonly kind: string;
  /** Canonical body: RFC 8785 JSON of the server-trusted fields, incl. kind and apiVersion. */
  readonly body: Uint8Array;
  /** SHA-256(0x00 ‖ body). */
  readonly leafHash: Uint8Array;
  /** Search keys: lowercased, deduplicated, in first-seen order. */
  readonly searchKeys: string[];
}

/** Size limits applied while preparing an entry. */
export interface EntryLimits {
  /** Largest canonical body in bytes; default and hard maximum 65,535 (uint16 entry bundles). */
  readonly maxBodyBytes: number;
  /** Longest certificate chain; default and hard maximum 10 (as Rekor). */
  readonly maxChainLength: number;
}

/** Defaults, which are also the hard maxima. */
export const DEFAULT_ENTRY_LIMITS: EntryLimits = Object.freeze({ maxBodyBytes: 65535, maxChainLength: 10 });

/** What a kind handler gets besides the spec. */
export interface KindContext {
  readonly limits: EntryLimits;
  /**
   * The canonical body for `spec` of this kind and version (kind and
   * apiVersion added). Throws TOO_LARGE above `limits.maxBodyBytes`, so
   * handlers call it before verifying signatures where they can.
   */
  encodeBody(spec: Json): Uint8Array;
}

/** One entry kind at one version. Implementations are pure. */
export interface KindHandler {
  readonly kind: string;
  readonly apiVersion: string;
  /**
   * Validate `spec` (attacker-controlled), verify its signatures and return
   * the canonical body (from `ctx.encodeBody`) and raw search keys. Throws
   * LogError only.
   */
  prepare(spec: JsonObject, ctx: KindContext): { body: Uint8Array; searchKeys: string[] };
}
