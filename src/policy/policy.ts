/**
 * A loaded policy: the file's rules with their patterns compiled, key files
 * read and trust material parsed, ready for {@link createEvaluator}. Built
 * by load.ts; immutable.
 */
import type { KeyObject } from 'node:crypto';
import type { Trust } from '../signing/index.js';
import type { ImagePattern } from './glob.js';

export interface Policy {
  /** The file it was read from (or the name given to parsePolicy), for messages. */
  readonly source: string;
  /** In order: the first rule whose images match decides. */
  readonly rules: readonly PolicyRule[];
  /** For images no rule matches. Default `deny`. */
  readonly default: 'deny' | 'allow';
  /** Workloads in these namespaces are allowed without verification. */
  readonly exemptNamespaces: readonly string[];
}

export interface PolicyRule {
  /** Position in `rules`. */
  readonly index: number;
  readonly images: readonly ImagePattern[];
  /** Signer public keys, as written (paths resolved) and parsed. */
  readonly keys: readonly TrustedKey[];
  /** Certificate identities (accepted, not verifiable: Cairn's verifier supports keyed signatures only). */
  readonly identities: ReadonlyArray<{ readonly issuer: string; readonly subject: string }>;
  /** The log: its public keys, and its URL for online proofs (fresh inclusion proof, cosigned checkpoint). */
  readonly log: { readonly keys: readonly TrustedKey[]; readonly url?: string };
  readonly witnesses: readonly string[];
  readonly minWitnesses: number;
  readonly attestations: readonly AttestationRule[];
  readonly mode: 'enforce' | 'warn';
  /** Plain HTTP to the registry. */
  readonly insecureRegistry: boolean;
  /** PEM file of extra CAs for the registry's TLS. */
  readonly registryCA?: string;
  /** Trust for the image's signatures: the rule's keys, log, witnesses. */
  readonly trust: Trust;
}

export interface AttestationRule {
  readonly predicateType: string;
  /** Its own signer keys, else the rule's. */
  readonly keys: readonly TrustedKey[];
  readonly trust: Trust;
}

export interface TrustedKey {
  /** The file path (resolved) or PKCS#11 URI. */
  readonly source: string;
  readonly key: KeyObject;
}
