/**
 * Reading a trusted public key from a PKCS#11 token, for verifiers: the
 * public-key object an RFC 7512 URI names by `object` (CKA_LABEL) and/or `id`
 * (CKA_ID), `type=public` or no type; else, with `type=cert` or when no
 * public-key object matches, a certificate object's key. No PIN is needed
 * when the token lets public objects be read without logging in (PKCS#11
 * v2.40 §4.4: CKA_PRIVATE false); a PIN in the URI is used when given.
 */
import { createPublicKey, type KeyObject } from 'node:crypto';
import { LogError, describeError } from '../errors.js';
import type { Handle } from './pkcs11-module.js';
import { certificateSpki, describeObject, findObjects, keyObjectSpki } from './pkcs11-objects.js';
import { openTokenSession } from './pkcs11-token.js';
import { parsePkcs11Uri, redactPin } from './pkcs11-uri.js';

/** The public key the URI names. Throws KEY_INVALID (no such object, unsupported type) or KEY_UNAVAILABLE. */
export function readTokenPublicKey(uriText: string): KeyObject {
  const uri = parsePkcs11Uri(uriText);
  if (uri.type !== undefined && uri.type !== 'public' && uri.type !== 'cert') {
    throw new LogError('KEY_INVALID', `the PKCS#11 URI names a ${uri.type} object (type=${uri.type}); a trusted key is type=public or type=cert`);
  }
  if (uri.object === undefined && uri.id === undefined) {
    throw new LogError('KEY_INVALID', `the PKCS#11 URI ${redactPin(uriText)} names no key: add object=LABEL and/or id=%XX…`);
  }
  const token = openTokenSession(uri, false, { loginOptional: true });
  try {
    const b = token.module.binding;
    const select = [
      ...(uri.object === undefined ? [] : [{ type: b.CKA_LABEL, value: uri.object }]),
      ...(uri.id === undefined ? [] : [{ type: b.CKA_ID, value: Buffer.from(uri.id) }]),
    ];
    const keys = uri.type === 'cert' ? [] : findObjects(token, [{ type: b.CKA_CLASS, value: b.CKO_PUBLIC_KEY }, ...select]);
    const certs = keys.length > 0 ? [] : findObjects(token, [{ type: b.CKA_CLASS, value: b.CKO_CERTIFICATE }, ...select]);
    const found = keys.length > 0 ? keys : certs;
    if (found.length === 0) throw new LogError('KEY_INVALID', `token "${token.label}" holds no public key or certificate ${describeObject(uri)}`);
    if (found.length > 1) throw new LogError('KEY_INVALID', `token "${token.label}" holds ${found.length} objects matching ${describeObject(uri)}; add id= to pick one`);
    const handle = found[0] as Handle;
    const what = `${describeObject(uri)} in token "${token.label}"`;
    const spki = keys.length > 0 ? keyObjectSpki(token, handle, `the public key ${what}`) : certificateSpki(token, handle, describeObject(uri));
    return createPublicKey({ key: Buffer.from(spki), format: 'der', type: 'spki' });
  } catch (err) {
    if (err instanceof LogError) throw err;
    throw new LogError('KEY_INVALID', `couldn't read the public key ${redactPin(uriText)}: ${describeError(err)}`, { cause: err });
  } finally {
    token.close();
  }
}
