/**
 * Test-only X.509 v3 certificate builder on the DER encoder and node:crypto
 * signing: self-signed roots, intermediates and leaves with SAN emails/URIs.
 */
import { generateKeyPairSync, sign, type KeyObject } from 'node:crypto';
import { bitString, bool, explicit, implicitPrimitive, integer, nameCN, nullValue, octets, oid, seq, utcTime } from './der.js';

export interface CertOptions {
  subject: string;
  issuer: string;
  subjectKey: KeyObject;
  issuerKey: KeyObject;
  ca?: boolean;
  emails?: string[];
  uris?: string[];
  serial?: number;
  /** Override the signature algorithm OID written in the certificate (the real signature is unchanged). */
  signatureOid?: string;
}

/** DER certificate for `opts`, signed by `opts.issuerKey`. */
export function buildCertificate(opts: CertOptions): Buffer {
  const { algId, hash } = signatureAlgorithm(opts.issuerKey, opts.signatureOid);
  const extensions: Buffer[] = [];
  if (opts.ca) extensions.push(seq(oid('2.5.29.19'), bool(true), octets(seq(bool(true)))));
  const names = [
    ...(opts.emails ?? []).map((e) => implicitPrimitive(1, Buffer.from(e, 'ascii'))),
    ...(opts.uris ?? []).map((u) => implicitPrimitive(6, Buffer.from(u, 'ascii'))),
  ];
  if (names.length > 0) extensions.push(seq(oid('2.5.29.17'), octets(seq(...names))));
  const spki = opts.subjectKey.export({ type: 'spki', format: 'der' });
  const tbs = seq(
    explicit(0, integer(2)),
    integer(opts.serial ?? 1),
    algId,
    nameCN(opts.issuer),
    seq(utcTime(new Date('2024-01-01T00:00:00Z')), utcTime(new Date('2034-01-01T00:00:00Z'))),
    nameCN(opts.subject),
    spki,
    ...(extensions.length > 0 ? [explicit(3, seq(...extensions))] : []),
  );
  const signature = sign(hash, tbs, opts.issuerKey);
  return seq(tbs, algId, bitString(signature));
}

function signatureAlgorithm(key: KeyObject, override?: string): { algId: Buffer; hash: string | null } {
  const type = key.asymmetricKeyType;
  if (type === 'ed25519') return { algId: seq(oid(override ?? '1.3.101.112')), hash: null };
  if (type === 'rsa') return { algId: seq(oid(override ?? '1.2.840.113549.1.1.11'), nullValue()), hash: 'sha256' };
  const curve = key.asymmetricKeyDetails?.namedCurve;
  if (curve === 'secp384r1') return { algId: seq(oid(override ?? '1.2.840.10045.4.3.3')), hash: 'sha384' };
  if (curve === 'secp521r1') return { algId: seq(oid(override ?? '1.2.840.10045.4.3.4')), hash: 'sha512' };
  return { algId: seq(oid(override ?? '1.2.840.10045.4.3.2')), hash: 'sha256' };
}

/** A chain of `length` certificates (leaf first) ending in a self-signed root; the leaf key is `leaf`. */
export function buildChain(length: number, leaf: { privateKey: KeyObject; publicKey: KeyObject }, leafOpts: Partial<CertOptions> = {}): Buffer[] {
  // CA keys: P-256, generated once per call.
  const cas = Array.from({ length: length - 1 }, () => generateKeyPairSync('ec', { namedCurve: 'P-256' }));
  const certs: Buffer[] = [];
  const keys = [leaf, ...cas];
  for (let i = 0; i < length; i++) {
    const self = keys[i] as { privateKey: KeyObject; publicKey: KeyObject };
    const issuer = (i === length - 1 ? self : keys[i + 1]) as { privateKey: KeyObject; publicKey: KeyObject };
    const issuerName = i === length - 1 ? `ca-${i}` : `ca-${i + 1}`;
    certs.push(
      buildCertificate({
        subject: i === 0 ? 'leaf' : `ca-${i}`,
        issuer: issuerName,
        subjectKey: self.publicKey,
        issuerKey: issuer.privateKey,
        ca: i > 0,
        serial: i + 1,
        ...(i === 0 ? leafOpts : {}),
      }),
    );
  }
  return certs;
}

/** PEM text of DER certificates, concatenated. */
export function certsPem(certs: Buffer[], lineEnd = '\n'): string {
  return certs
    .map((der) => {
      const b64 = der.toString('base64').match(/.{1,64}/g) ?? [];
      return ['-----BEGIN CERTIFICATE-----', ...b64, '-----END CERTIFICATE-----', ''].join(lineEnd);
    })
    .join('');
}
