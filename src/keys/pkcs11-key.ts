/**
 * Signing keys held in a PKCS#11 token: the private key signs inside the token
 * and is never read. ECDSA P-256/P-384 (CKM_ECDSA over the digest, PKCS#11
 * v2.40 §2.3.6), RSA (CKM_SHA256_RSA_PKCS, §2.1.11) and Ed25519 (CKM_EDDSA,
 * pure, PKCS#11 v3.0 §2.3.14) keys are supported.
 */
import { createHash, createPublicKey, verify as cryptoVerify } from 'node:crypto';
import type * as Pkcs11js from 'pkcs11js';
import { LogError, describeError } from '../errors.js';
import { algorithmOfKey, digestOf } from './algorithm.js';
import { rawEcdsaToDer } from './ec-encoding.js';
import { CKK_EC_EDWARDS, certificateSpki, describeObject, findObjects, keyObjectSpki, keyTypeOf, readAttributes } from './pkcs11-objects.js';
import { redactPin, parsePkcs11Uri } from './pkcs11-uri.js';
import { openTokenSession, type TokenSession } from './pkcs11-token.js';
import type { Handle } from './pkcs11-module.js';
import { spkiToPem } from './public-key.js';
import type { Pkcs11Uri, SigningAlgorithm, SigningKey } from './types.js';

/** PKCS#11 v3.0 CKM_EDDSA, which pkcs11js (a v2.40 binding) does not name. */
const CKM_EDDSA = 0x1057;

/**
 * Opens the private key the URI names by `object` (CKA_LABEL) and/or `id`
 * (CKA_ID) in the token it selects. The public key comes from the public-key
 * object (else the certificate) with the same CKA_ID, or label when the key
 * has no ID. Every signature is verified with that public key before it is
 * returned, so a public object that does not belong to the private key is
 * caught (KEY_INVALID) at the first signature. Signing calls are serialized on the key's session.
 */
export async function openPkcs11Key(uriText: string): Promise<SigningKey> {
  const uri = parsePkcs11Uri(uriText);
  if (uri.type !== undefined && uri.type !== 'private') throw new LogError('KEY_INVALID', `the PKCS#11 URI names a ${uri.type} object (type=${uri.type}); a signing key is type=private`);
  if (uri.object === undefined && uri.id === undefined) {
    throw new LogError('KEY_INVALID', `the PKCS#11 URI ${redactPin(uriText)} names no key: add object=LABEL and/or id=%XX…`);
  }
  const token = openTokenSession(uri, false);
  try {
    const key = findOne(token, privateKeyTemplate(token, uri), `private key ${describeObject(uri)}`);
    const { spki, algorithm } = publicKeyOf(token, key, uri);
    return tokenSigningKey(token, key, spki, algorithm);
  } catch (err) {
    token.close();
    throw err;
  }
}

function privateKeyTemplate(token: TokenSession, uri: Pkcs11Uri): Pkcs11js.Template {
  const b = token.module.binding;
  const t: Pkcs11js.Template = [{ type: b.CKA_CLASS, value: b.CKO_PRIVATE_KEY }];
  if (uri.object !== undefined) t.push({ type: b.CKA_LABEL, value: uri.object });
  if (uri.id !== undefined) t.push({ type: b.CKA_ID, value: Buffer.from(uri.id) });
  return t;
}

function findOne(token: TokenSession, template: Pkcs11js.Template, what: string): Handle {
  const found = findObjects(token, template);
  if (found.length === 0) throw new LogError('KEY_INVALID', `token "${token.label}" holds no ${what} (or the PIN does not unlock it)`);
  if (found.length > 1) throw new LogError('KEY_INVALID', `token "${token.label}" holds ${found.length} objects matching ${what}; add id= to pick one`);
  return found[0] as Handle;
}

/** The key's SPKI, from its public-key object or certificate (see {@link openPkcs11Key}). */
function publicKeyOf(token: TokenSession, key: Handle, uri: Pkcs11Uri): { spki: Uint8Array; algorithm: SigningAlgorithm } {
  const b = token.module.binding;
  const [id, label] = readAttributes(token, key, [b.CKA_ID, b.CKA_LABEL]) as [Buffer, Buffer];
  const type = keyTypeOf(token, key);
  const peer: Pkcs11js.Template = id.length > 0 ? [{ type: b.CKA_ID, value: id }] : [{ type: b.CKA_LABEL, value: label }];
  let spki: Uint8Array;
  if (type === b.CKK_EC || type === CKK_EC_EDWARDS) {
    // A private EC key holds no point: read it from the public-key object, else the certificate.
    const pub = findObjects(token, [{ type: b.CKA_CLASS, value: b.CKO_PUBLIC_KEY }, ...peer]);
    if (pub.length === 1) {
      spki = keyObjectSpki(token, pub[0] as Handle, `the token key ${describeObject(uri)}`);
    } else {
      const certs = findObjects(token, [{ type: b.CKA_CLASS, value: b.CKO_CERTIFICATE }, ...peer]);
      if (certs.length !== 1) throw new LogError('KEY_INVALID', `token "${token.label}" holds no single public key or certificate for ${describeObject(uri)}; the public key cannot be read`);
      spki = certificateSpki(token, certs[0] as Handle, `beside ${describeObject(uri)}`);
    }
  } else {
    spki = keyObjectSpki(token, key, `the token key ${describeObject(uri)}`);
  }
  let algorithm: SigningAlgorithm;
  try {
    algorithm = algorithmOfKey(createPublicKey({ key: Buffer.from(spki), format: 'der', type: 'spki' }), `the token key ${describeObject(uri)}`);
  } catch (err) {
    if (err instanceof LogError) throw err;
    throw new LogError('KEY_INVALID', `the token's public key for ${describeObject(uri)} does not parse: ${describeError(err)}`);
  }
  return { spki, algorithm };
}

function tokenSigningKey(token: TokenSession, key: Handle, spki: Uint8Array, algorithm: SigningAlgorithm): SigningKey {
  const publicKey = createPublicKey({ key: Buffer.from(spki), format: 'der', type: 'spki' });
  let queue: Promise<unknown> = Promise.resolve();
  let closed = false;
  // Until one signature verified, each is checked: that proves the public object belongs to this private key.
  // After that a check per signature costs the event loop a verification (~50-80 µs) and proves nothing more.
  let matched = false;
  const signOnce = async (message: Uint8Array): Promise<Uint8Array> => {
    if (closed) throw new LogError('KEY_UNAVAILABLE', "couldn't sign: the key was closed");
    const sig = await signInToken(token, key, algorithm, message);
    if (matched) return sig;
    const digest = digestOf(algorithm);
    if (!cryptoVerify(digest, message, { key: publicKey, dsaEncoding: 'der' }, sig)) {
      throw new LogError('KEY_INVALID', `the token's signature does not verify with its public key: the public object with this key's CKA_ID belongs to another key`);
    }
    matched = true;
    return sig;
  };
  return {
    algorithm,
    publicKeySpki: spki,
    publicKeyPem: spkiToPem(spki),
    sign(message: Uint8Array): Promise<Uint8Array> {
      // One operation at a time per session (PKCS#11 v2.40 §5.2): chain the calls.
      const next = queue.then(() => signOnce(message));
      queue = next.catch(() => undefined);
      return next;
    },
    async close(): Promise<void> {
      if (closed) return;
      closed = true;
      await queue;
      token.close();
    },
  };
}

async function signInToken(token: TokenSession, key: Handle, algorithm: SigningAlgorithm, message: Uint8Array): Promise<Uint8Array> {
  const { p11, binding: b } = token.module;
  const rsa = algorithm === 'rsa-pkcs1v15-sha256';
  const digest = digestOf(algorithm);
  try {
    if (rsa) {
      p11.C_SignInit(token.session, { mechanism: b.CKM_SHA256_RSA_PKCS }, key);
      return new Uint8Array(await p11.C_SignAsync(token.session, Buffer.from(message), Buffer.alloc(1024)));
    }
    if (algorithm === 'ed25519') {
      p11.C_SignInit(token.session, { mechanism: CKM_EDDSA }, key);
      return new Uint8Array(await p11.C_SignAsync(token.session, Buffer.from(message), Buffer.alloc(64)));
    }
    p11.C_SignInit(token.session, { mechanism: b.CKM_ECDSA }, key);
    const hashed = createHash(digest ?? 'sha256').update(message).digest();
    return rawEcdsaToDer(new Uint8Array(await p11.C_SignAsync(token.session, hashed, Buffer.alloc(2 * 66))));
  } catch (err) {
    if (err instanceof LogError) throw err;
    throw new LogError('KEY_UNAVAILABLE', `couldn't sign in token "${token.label}": ${describeError(err).split('\n')[0] ?? ''}`, { cause: err });
  }
}
