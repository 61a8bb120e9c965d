/**
 * An entry's canonical body (`{apiVersion, kind, spec}`, as the log stored
 * it) decoded for display: the artifact digest, the signature, and who signed
 * (a public key's fingerprint, or a certificate's subject, issuer and SANs)
 * for the kinds Cairn logs (hashedrekord, dsse, intoto). Unknown shapes show
 * what can be read; the decoded fields are labels, not verification (the
 * badge is).
 */
import { fromBase64, sha256, toHex } from '../src/client/index.js';
import { certificateNames } from './x509.js';

/** One signer as the body names it. */
export interface Signer {
  readonly kind: 'key' | 'certificate';
  /** Key: `SHA256:<hex of the DER>`; certificate: its subject. */
  readonly label: string;
  readonly issuer?: string;
  readonly sans?: readonly string[];
  readonly oidcIssuer?: string;
  readonly error?: string;
}

export interface DecodedBody {
  readonly kind: string;
  readonly apiVersion: string;
  /** `<algorithm>:<hex>` of the artifact (or payload) the entry is about. */
  readonly digest?: string;
  /** Base64 signature(s). */
  readonly signatures: readonly string[];
  readonly signers: readonly Signer[];
}

type Json = Record<string, unknown>;
const obj = (v: unknown): Json => (typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Json) : {});
const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);

/** Decodes `body` (canonical JSON bytes). Throws an Error when it is not a JSON object. */
export function decodeBody(body: Uint8Array): DecodedBody {
  const top = obj(JSON.parse(new TextDecoder().decode(body)));
  const kind = str(top['kind']) ?? '(unknown)';
  const apiVersion = str(top['apiVersion']) ?? '';
  const spec = obj(top['spec']);
  const signatures: string[] = [];
  const signers: Signer[] = [];
  let digest: string | undefined;
  const hashOf = (h: unknown): string | undefined => {
    const o = obj(h);
    return str(o['algorithm']) !== undefined && str(o['value']) !== undefined ? `${str(o['algorithm'])}:${str(o['value'])}` : undefined;
  };
  if (kind === 'hashedrekord') {
    const sig = obj(spec['signature']);
    digest = hashOf(obj(spec['data'])['hash']);
    const content = str(sig['content']);
    if (content !== undefined) signatures.push(content);
    const key = str(obj(sig['publicKey'])['content']);
    if (key !== undefined) signers.push(signerOf(key));
  } else if (kind === 'dsse') {
    digest = hashOf(spec['payloadHash']);
    for (const s of Array.isArray(spec['signatures']) ? spec['signatures'] : []) {
      const so = obj(s);
      const sigText = str(so['signature']);
      if (sigText !== undefined) signatures.push(sigText);
      const v = str(so['verifier']);
      if (v !== undefined) signers.push(signerOf(v));
    }
  } else if (kind === 'intoto') {
    const content = obj(spec['content']);
    digest = hashOf(content['payloadHash']) ?? hashOf(content['hash']);
    const envelope = obj(content['envelope']);
    for (const s of Array.isArray(envelope['signatures']) ? envelope['signatures'] : []) {
      const so = obj(s);
      const sigText = str(so['sig']);
      if (sigText !== undefined) signatures.push(sigText);
      const k = str(so['publicKey']);
      if (k !== undefined) signers.push(signerOf(k));
    }
    const k = str(spec['publicKey']);
    if (k !== undefined && signers.length === 0) signers.push(signerOf(k));
  }
  return digest === undefined ? { kind, apiVersion, signatures, signers } : { kind, apiVersion, digest, signatures, signers };
}

/** A signer from base64 of a PEM key or certificate (the first block). */
function signerOf(base64Pem: string): Signer {
  const pemBytes = fromBase64(base64Pem);
  const pem = pemBytes === undefined ? base64Pem : new TextDecoder().decode(pemBytes);
  const m = /-----BEGIN ([A-Z ]+)-----([A-Za-z0-9+/=\s]+)-----END \1-----/.exec(pem);
  const der = m === null ? undefined : fromBase64((m[2] ?? '').replace(/\s+/g, ''));
  if (m === null || der === undefined) return { kind: 'key', label: '(unreadable key)', error: 'not a PEM block' };
  if (m[1] === 'CERTIFICATE') {
    try {
      const n = certificateNames(der);
      return { kind: 'certificate', label: n.subject === '' ? '(empty subject)' : n.subject, issuer: n.issuer, sans: n.sans, ...(n.oidcIssuer === undefined ? {} : { oidcIssuer: n.oidcIssuer }) };
    } catch (err) {
      return { kind: 'certificate', label: '(unreadable certificate)', error: (err as Error).message };
    }
  }
  // SHA-256 of the DER SPKI, as cosign and Rekor show key fingerprints.
  return { kind: 'key', label: `SHA256:${toHex(sha256(der))}` };
}
