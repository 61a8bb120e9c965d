/** `cairn keygen --signing --pkcs11 URI`: an ECDSA P-256 key pair generated inside the token. */
import { randomBytes } from 'node:crypto';
import type * as Pkcs11js from 'pkcs11js';
import { LogError, describeError } from '../errors.js';
import { CURVE_P256, ecSpki } from './ec-encoding.js';
import { describeObject, findObjects } from './pkcs11-objects.js';
import { redactPin, parsePkcs11Uri } from './pkcs11-uri.js';
import { ckr } from './pkcs11-module.js';
import { openTokenSession } from './pkcs11-token.js';
import { spkiToPem } from './public-key.js';

/**
 * Generates an ECDSA P-256 pair in the token the URI selects (CKM_EC_KEY_PAIR_GEN,
 * PKCS#11 v2.40 §2.3.5), labelled `object` (required) with CKA_ID `id` (or 16
 * random bytes). The private key is a token object, private, sensitive and
 * not extractable, usable only to sign; the public key is a token object that
 * verifies. Refuses (KEY_INVALID), creating nothing, when any object with that
 * label or ID exists. Returns the public key PEM; the URI then opens the key
 * with openSigningKey.
 */
export async function generateKeyInToken(uriText: string): Promise<{ publicKeyPem: string }> {
  const uri = parsePkcs11Uri(uriText);
  if (uri.object === undefined || uri.object === '') {
    throw new LogError('KEY_INVALID', `the PKCS#11 URI ${redactPin(uriText)} names no label for the new key: add object=LABEL`);
  }
  if (uri.type !== undefined && uri.type !== 'private') throw new LogError('KEY_INVALID', `type=${uri.type}: keygen makes a key pair; leave type out or use type=private`);
  const token = openTokenSession(uri, true);
  try {
    const b = token.module.binding;
    const id = Buffer.from(uri.id ?? randomBytes(16));
    const clash = [
      ...findObjects(token, [{ type: b.CKA_LABEL, value: uri.object }]),
      ...findObjects(token, [{ type: b.CKA_ID, value: id }]),
    ];
    if (clash.length > 0) throw new LogError('KEY_INVALID', `token "${token.label}" already holds an object ${describeObject({ object: uri.object, id })}; refusing to create another`);
    const common: Pkcs11js.Template = [
      { type: b.CKA_TOKEN, value: true },
      { type: b.CKA_KEY_TYPE, value: b.CKK_EC },
      { type: b.CKA_LABEL, value: uri.object },
      { type: b.CKA_ID, value: id },
    ];
    const publicTemplate: Pkcs11js.Template = [
      ...common,
      { type: b.CKA_CLASS, value: b.CKO_PUBLIC_KEY },
      { type: b.CKA_PRIVATE, value: false },
      { type: b.CKA_VERIFY, value: true },
      { type: b.CKA_ENCRYPT, value: false },
      { type: b.CKA_WRAP, value: false },
      { type: b.CKA_EC_PARAMS, value: Buffer.from(CURVE_P256) },
    ];
    const privateTemplate: Pkcs11js.Template = [
      ...common,
      { type: b.CKA_CLASS, value: b.CKO_PRIVATE_KEY },
      { type: b.CKA_PRIVATE, value: true },
      { type: b.CKA_SENSITIVE, value: true },
      { type: b.CKA_EXTRACTABLE, value: false },
      { type: b.CKA_SIGN, value: true },
      { type: b.CKA_DECRYPT, value: false },
      { type: b.CKA_DERIVE, value: false },
      { type: b.CKA_UNWRAP, value: false },
    ];
    let pair: Pkcs11js.KeyPair;
    try {
      pair = await token.module.p11.C_GenerateKeyPairAsync(token.session, { mechanism: b.CKM_EC_KEY_PAIR_GEN }, publicTemplate, privateTemplate);
    } catch (err) {
      const why = ckr(err) === 'CKR_MECHANISM_INVALID' ? 'the token cannot generate EC keys' : describeError(err).split('\n')[0] ?? '';
      throw new LogError('KEY_UNAVAILABLE', `couldn't generate a P-256 key in token "${token.label}": ${why}`, { cause: err });
    }
    const got = token.module.p11.C_GetAttributeValue(token.session, pair.publicKey, [{ type: b.CKA_EC_PARAMS }, { type: b.CKA_EC_POINT }]);
    const [params, point] = got.map((a) => (Buffer.isBuffer(a.value) ? a.value : Buffer.alloc(0))) as [Buffer, Buffer];
    return { publicKeyPem: spkiToPem(ecSpki(params, point)) };
  } finally {
    token.close();
  }
}
