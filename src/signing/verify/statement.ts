/**
 * A DSSE-signed in-toto statement about an image (oci-signatures.md §6
 * "Reading" steps 5–6): the log entry, the logged body against the envelope,
 * the signature over PAE(payloadType, payload) under a trusted key, then the
 * statement: payload type in-toto, some subject's sha256 = D, and the
 * predicate type when one is required. Shared by legacy `.att` layers and
 * bundles.
 */
import { digestHex } from '../digest.js';
import { dssePae, type DsseEnvelope } from '../dsse-envelope.js';
import { IN_TOTO_PAYLOAD_TYPE } from '../media-types.js';
import { parseStatement, type Statement } from '../statement.js';
import type { TlogEntry } from '../tlog-entry.js';
import { verifyLogged } from './logged.js';
import { verifyPaeSignature } from './signature.js';
import type { TlogVerified } from './tlog.js';
import type { Trust } from './trust.js';
import { readOr, refuse, Refusal } from './verdict.js';

/** A verified statement about the image. */
export interface StatementVerified {
  readonly signerIndex: number;
  readonly statement: Statement;
  readonly tlog: TlogVerified | undefined;
}

/** What the statement must be about. */
export interface StatementExpectation {
  /** D: the image digest resolved now. */
  readonly imageDigest: string;
  /** Required predicate type (`verify-attestation --type`; cosign's sign/v1 for signatures); any when undefined. */
  readonly predicateType?: string;
}

/**
 * Verifies the envelope's signatures in order until one passes every step;
 * refuses with the first signature's reason when none does.
 */
export async function verifySignedStatement(
  envelope: DsseEnvelope,
  entry: TlogEntry | undefined,
  trust: Trust,
  expect: StatementExpectation,
): Promise<StatementVerified> {
  let first: Refusal | undefined;
  for (const s of envelope.signatures) {
    try {
      return await verifyOne(envelope, s.sig, entry, trust, expect);
    } catch (err) {
      if (!(err instanceof Refusal)) throw err;
      first ??= err;
    }
  }
  throw first ?? new Refusal('SIGNATURE_MISSING', 'the envelope has no signature');
}

async function verifyOne(env: DsseEnvelope, sig: Uint8Array, entry: TlogEntry | undefined, trust: Trust, expect: StatementExpectation): Promise<StatementVerified> {
  const pae = dssePae(env.payloadType, env.payload);
  const { tlog, signer } = await verifyLogged(entry, { type: 'dsse', payload: env.payload, signature: sig }, trust, (key) =>
    verifyPaeSignature(key, pae, sig),
  );
  if (env.payloadType !== IN_TOTO_PAYLOAD_TYPE) refuse('PAYLOAD_TYPE_UNSUPPORTED', `payload type ${env.payloadType} is not an in-toto statement`);
  const statement = readOr('PAYLOAD_INVALID', 'statement', () => parseStatement(env.payload));
  const hex = readOr('DIGEST_MISMATCH', 'image digest', () => digestHex(expect.imageDigest));
  if (!statement.subjectSha256.includes(hex)) refuse('DIGEST_MISMATCH', `no subject of the statement is ${expect.imageDigest}`);
  if (expect.predicateType !== undefined && statement.predicateType !== expect.predicateType) {
    refuse('PREDICATE_TYPE_MISMATCH', `the predicate type is ${statement.predicateType}, not ${expect.predicateType}`);
  }
  return { signerIndex: signer, statement, tlog };
}
