/**
 * X.509 certificates in entries: strict outer DER, node:crypto for the
 * semantic parse and signature checks, and a small DER walk for what node
 * does not expose safely (the SPKI bytes, the signature algorithm OID, the
 * subjectAltName emails and URIs).
 *
 * Chains follow Rekor (pkg/pki/x509 verifyCertChain): the leaf is first and
 * the last certificate is the anchor; each certificate must be issued by, and
 * carry a valid signature from, the next one; intermediates must be CAs.
 * Like Rekor, no trust root, expiry or key-usage policy is applied.
 * Unlike Rekor (Go chain building), order is strict: leaf → … → last.
 */
import { X509Certificate } from 'node:crypto';
import { LogError } from '../errors.js';
import { quote } from './fields.js';
import { childrenOf, contentsOf, encodingOf, expectTag, readBitString, readOid, readWhole, TAG, type DerNode } from './der.js';

/** A parsed certificate. Immutable; safe to cache. */
export interface ParsedCertificate {
  readonly der: Uint8Array;
  readonly cert: X509Certificate;
  /** The certificate's SubjectPublicKeyInfo DER. */
  readonly spkiDer: Uint8Array;
  /** OID of the algorithm the issuer signed this certificate with. */
  readonly signatureAlgorithm: string;
  /** subjectAltName rfc822Name and URI values, lowercased. */
  readonly subjects: readonly string[];
}

const SAN_OID = '2.5.29.17';
const TAG_EXPLICIT_0 = 0xa0;
const TAG_EXPLICIT_3 = 0xa3;
const SAN_EMAIL = 0x81;
const SAN_URI = 0x86;
const PRINTABLE = /^[\x21-\x7e]+$/;
const EMAIL = /^[^@]+@[^@]+$/;

/** Certificate signature algorithms a chain link may use (SHA-1 and MD5 are not among them). */
const CHAIN_SIGNATURE_ALGORITHMS: ReadonlySet<string> = new Set([
  '1.2.840.10045.4.3.2', // ecdsa-with-SHA256
  '1.2.840.10045.4.3.3', // ecdsa-with-SHA384
  '1.2.840.10045.4.3.4', // ecdsa-with-SHA512
  '1.2.840.113549.1.1.11', // sha256WithRSAEncryption
  '1.2.840.113549.1.1.12', // sha384WithRSAEncryption
  '1.2.840.113549.1.1.13', // sha512WithRSAEncryption
  '1.2.840.113549.1.1.10', // RSASSA-PSS
  '1.3.101.112', // Ed25519
]);

/** Parse one DER certificate (attacker-controlled). Throws ENTRY_INVALID without a field prefix. */
export function parseCertificate(der: Uint8Array): ParsedCertificate {
  const top = readWhole(der, TAG.SEQUENCE);
  const [tbsNode, algNode, sigNode, extra] = childrenOf(der, top);
  if (extra !== undefined) throw new LogError('ENTRY_INVALID', 'malformed DER: extra fields in certificate');
  const tbs = expectTag(tbsNode, TAG.SEQUENCE, 'tbsCertificate');
  const [oidNode] = childrenOf(der, expectTag(algNode, TAG.SEQUENCE, 'signatureAlgorithm'));
  const signatureAlgorithm = readOid(der, expectTag(oidNode, TAG.OID, 'signatureAlgorithm OID'));
  readBitString(der, expectTag(sigNode, TAG.BIT_STRING, 'signatureValue'));
  const fields = childrenOf(der, tbs);
  const body = fields[0]?.tag === TAG_EXPLICIT_0 ? fields.slice(1) : fields;
  // serialNumber, signature, issuer, validity, subject, subjectPublicKeyInfo, then optional [1] [2] [3]
  const spkiNode = expectTag(body[5], TAG.SEQUENCE, 'subjectPublicKeyInfo');
  const extensions = body.slice(6).find((n) => n.tag === TAG_EXPLICIT_3);
  let cert: X509Certificate;
  try {
    cert = new X509Certificate(Buffer.from(der));
  } catch (err) {
    throw new LogError('ENTRY_INVALID', `invalid certificate: ${(err as Error).message}`, { cause: err });
  }
  return {
    der,
    cert,
    spkiDer: encodingOf(der, spkiNode),
    signatureAlgorithm,
    subjects: extensions === undefined ? [] : subjectAltNames(der, extensions),
  };
}

/**
 * Check that `chain[i]` is issued and signed by `chain[i + 1]` for every i.
 * Broken links are SIGNATURE_INVALID, disallowed link algorithms
 * ALGORITHM_NOT_ALLOWED, non-CA intermediates ENTRY_INVALID.
 */
export function verifyChain(chain: readonly ParsedCertificate[]): void {
  for (let i = 0; i + 1 < chain.length; i++) {
    const child = chain[i] as ParsedCertificate;
    const parent = chain[i + 1] as ParsedCertificate;
    if (!CHAIN_SIGNATURE_ALGORITHMS.has(child.signatureAlgorithm)) {
      throw new LogError('ALGORITHM_NOT_ALLOWED', `certificate ${i} is signed with ${quote(child.signatureAlgorithm)}, which is not allowed`);
    }
    if (i + 1 < chain.length - 1 && !parent.cert.ca) {
      throw new LogError('ENTRY_INVALID', `certificate ${i + 1} is an intermediate but not a CA`);
    }
    let ok = false;
    try {
      ok = child.cert.checkIssued(parent.cert) && child.cert.verify(parent.cert.publicKey);
    } catch {
      ok = false;
    }
    if (!ok) throw new LogError('SIGNATURE_INVALID', `certificate ${i} is not issued and signed by certificate ${i + 1}`);
  }
}

/** rfc822Name and URI entries of the subjectAltName extension, lowercased; malformed names are skipped. */
function subjectAltNames(der: Uint8Array, extensionsNode: DerNode): string[] {
  const [list] = childrenOf(der, extensionsNode);
  const out: string[] = [];
  for (const ext of childrenOf(der, expectTag(list, TAG.SEQUENCE, 'extensions'))) {
    const parts = childrenOf(der, expectTag(ext, TAG.SEQUENCE, 'extension'));
    if (readOid(der, expectTag(parts[0], TAG.OID, 'extension OID')) !== SAN_OID) continue;
    const value = expectTag(parts[parts.length - 1], TAG.OCTET_STRING, 'extension value');
    const inner = contentsOf(der, value);
    for (const name of childrenOf(inner, readWhole(inner, TAG.SEQUENCE))) {
      if (name.tag !== SAN_EMAIL && name.tag !== SAN_URI) continue;
      const text = Buffer.from(contentsOf(inner, name)).toString('latin1');
      if (!PRINTABLE.test(text) || (name.tag === SAN_EMAIL && !EMAIL.test(text))) continue;
      out.push(text.toLowerCase());
    }
  }
  return out;
}
