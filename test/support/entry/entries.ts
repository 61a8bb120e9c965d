/** Builders for proposed entries of each kind, as clients send them. */
import { sign } from 'node:crypto';
import { pemBase64, signForHashedrekord, signer, type Hash, type TestSigner } from './signers.js';

/** A hashedrekord request; `keyPem` defaults to the signer's SPKI PEM (pass a certificate chain instead). */
export function hashedrekordEntry(opts: { signer: TestSigner; data?: Uint8Array; hash?: Hash; p1363?: boolean; keyPem?: string }): Record<string, unknown> {
  const data = opts.data ?? Buffer.from('artifact bytes');
  const { digest, sig } = signForHashedrekord(opts.signer, data, opts.hash ?? opts.signer.hash, opts.p1363);
  return {
    apiVersion: '0.0.1',
    kind: 'hashedrekord',
    spec: {
      data: { hash: { algorithm: opts.hash ?? opts.signer.hash, value: digest.toString('hex') } },
      signature: { content: sig.toString('base64'), publicKey: { content: pemBase64(opts.keyPem ?? opts.signer.pem) } },
    },
  };
}

export const IN_TOTO = 'application/vnd.in-toto+json';

/** An in-toto statement naming `subjects` (sha256 hex digests). */
export function statement(subjects: string[]): Buffer {
  return Buffer.from(
    JSON.stringify({
      _type: 'https://in-toto.io/Statement/v1',
      subject: subjects.map((d, i) => ({ name: `artifact-${i}`, digest: { sha256: d } })),
      predicateType: 'https://slsa.dev/provenance/v1',
      predicate: {},
    }),
  );
}

/** DSSE v1 PAE. */
export function paeOf(type: string, payload: Uint8Array): Buffer {
  const t = Buffer.from(type);
  return Buffer.concat([Buffer.from(`DSSEv1 ${t.length} `), t, Buffer.from(` ${payload.length} `), payload]);
}

/** A DSSE signature over the PAE as go-securesystemslib expects: SHA-256 (ECDSA/RSA) or pure Ed25519. */
export function dsseSign(s: TestSigner, type: string, payload: Uint8Array): Buffer {
  return sign(s.name === 'ed25519' ? null : 'sha256', paeOf(type, payload), s.privateKey);
}

/** A DSSE envelope object signed by `signers`. */
export function envelope(signers: TestSigner[], payload: Buffer = statement(['a'.repeat(64)]), type = IN_TOTO): Record<string, unknown> {
  return {
    payloadType: type,
    payload: payload.toString('base64'),
    signatures: signers.map((s) => ({ keyid: '', sig: dsseSign(s, type, payload).toString('base64') })),
  };
}

/** A dsse v0.0.1 request for `env` with `verifiers` (PEM texts). */
export function dsseEntry(env: Record<string, unknown>, verifiers: string[]): Record<string, unknown> {
  return {
    apiVersion: '0.0.1',
    kind: 'dsse',
    spec: { proposedContent: { envelope: JSON.stringify(env), verifiers: verifiers.map(pemBase64) } },
  };
}

/** An intoto v0.0.2 request shaped exactly as sigstore-js builds it (double base64, publicKey per signature). */
export function intotoEntry(s: TestSigner = signer('p256'), payload: Buffer = statement(['b'.repeat(64)]), type = IN_TOTO): Record<string, unknown> {
  const sig = dsseSign(s, type, payload);
  const b64 = (x: string | Buffer): string => Buffer.from(x).toString('base64');
  return {
    apiVersion: '0.0.2',
    kind: 'intoto',
    spec: {
      content: {
        envelope: {
          payloadType: type,
          payload: b64(payload.toString('base64')),
          signatures: [{ sig: b64(sig.toString('base64')), publicKey: b64(s.pem) }],
        },
        hash: { algorithm: 'sha256', value: 'c'.repeat(64) },
        payloadHash: { algorithm: 'sha256', value: 'd'.repeat(64) },
      },
    },
  };
}
