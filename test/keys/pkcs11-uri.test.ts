/**
 * RFC 7512 PKCS#11 URIs (src/keys/pkcs11-uri.ts): the RFC's §3 examples,
 * percent-decoding, and every refusal.
 */
import assert from 'node:assert/strict';
import { isLogError } from '../../src/errors.js';
import { parsePkcs11Uri, redactPin, type Pkcs11Uri } from '../../src/keys/index.js';

const bytes = (...b: number[]) => Uint8Array.from(b);

describe('keys: parsePkcs11Uri', () => {
  describe('the examples of RFC 7512 §3', () => {
    const cases: Array<[string, Pkcs11Uri]> = [
      ['pkcs11:', {}],
      ['pkcs11:object=my-pubkey;type=public', { object: 'my-pubkey', type: 'public' }],
      ['pkcs11:object=my-key;type=private?pin-source=file:/etc/token', { object: 'my-key', type: 'private', pinSource: 'file:/etc/token' }],
      [
        'pkcs11:token=The%20Software%20PKCS%2311%20Softtoken;manufacturer=Snake%20Oil,%20Inc.;model=1.0;object=my-certificate;type=cert;id=%69%95%3E%5C%F4%BD%EC%91;serial=?pin-source=file:/etc/token_pin',
        {
          token: 'The Software PKCS#11 Softtoken',
          manufacturer: 'Snake Oil, Inc.',
          model: '1.0',
          object: 'my-certificate',
          type: 'cert',
          id: bytes(0x69, 0x95, 0x3e, 0x5c, 0xf4, 0xbd, 0xec, 0x91),
          serial: '',
          pinSource: 'file:/etc/token_pin',
        },
      ],
      ['pkcs11:object=my-sign-key;type=private?module-name=mypkcs11', { object: 'my-sign-key', type: 'private', moduleName: 'mypkcs11' }],
      ['pkcs11:object=my-sign-key;type=private?module-path=/mnt/libmypkcs11.so.1', { object: 'my-sign-key', type: 'private', modulePath: '/mnt/libmypkcs11.so.1' }],
      [
        'pkcs11:token=Software%20PKCS%2311%20softtoken;manufacturer=Snake%20Oil,%20Inc.?pin-value=the-pin',
        { token: 'Software PKCS#11 softtoken', manufacturer: 'Snake Oil, Inc.', pinValue: 'the-pin' },
      ],
      ['pkcs11:slot-description=Sun%20Metaslot', { slotDescription: 'Sun Metaslot' }],
      [
        'pkcs11:library-manufacturer=Snake%20Oil,%20Inc.;library-description=Soft%20Token%20Library;library-version=1.23',
        { libraryManufacturer: 'Snake Oil, Inc.', libraryDescription: 'Soft Token Library', libraryVersion: { major: 1, minor: 23 } },
      ],
      ['pkcs11:library-version=3', { libraryVersion: { major: 3, minor: 0 } }],
      [
        'pkcs11:token=A%20name%20with%20a%20substring%20%25%3B;object=my-certificate;type=cert',
        { token: 'A name with a substring %;', object: 'my-certificate', type: 'cert' },
      ],
      ['pkcs11:token=Name%20with%20a%20small%20A%20with%20acute:%20%C3%A1;object=my-certificate;type=cert', { token: 'Name with a small A with acute: á', object: 'my-certificate', type: 'cert' }],
    ];
    for (const [uri, want] of cases) {
      it(uri, () => assert.deepEqual({ ...parsePkcs11Uri(uri) }, want));
    }
  });

  describe('what Cairn uses', () => {
    it('a SoftHSM2 key with slot, serial and a file PIN', () => {
      assert.deepEqual(
        { ...parsePkcs11Uri('PKCS11:token=ci;object=release;id=%01%ab;slot-id=1234567;serial=0a1b2c?module-path=/usr/lib/softhsm/libsofthsm2.so&pin-source=/run/secrets/pin') },
        { token: 'ci', object: 'release', id: bytes(0x01, 0xab), slotId: 1234567, serial: '0a1b2c', modulePath: '/usr/lib/softhsm/libsofthsm2.so', pinSource: '/run/secrets/pin' },
      );
    });
    it('an id of plain characters is their bytes', () => {
      assert.deepEqual(parsePkcs11Uri('pkcs11:id=AB').id, bytes(0x41, 0x42));
    });
  });

  describe('refusals (KEY_INVALID, naming the problem)', () => {
    const cases: Array<[string, RegExp]> = [
      ['pkcs12:object=x', /does not start with "pkcs11:"/],
      ['/path/to/key.pem', /does not start with "pkcs11:"/],
      ['pkcs11:object=a;object=b', /"object" appears twice/],
      ['pkcs11:object=a?pin-value=1&pin-value=2', /"pin-value" appears twice/],
      ['pkcs11:object=a?pin-value=1&pin-source=file:/p', /either pin-value or pin-source/],
      ['pkcs11:objekt=a', /unknown path attribute "objekt"/],
      ['pkcs11:object=a;x-vendor=1', /unknown path attribute "x-vendor"/],
      ['pkcs11:module-path=/lib/x.so', /unknown path attribute "module-path".*query attributes follow "\?"/],
      ['pkcs11:object=a?token=ci', /unknown query attribute "token"/],
      ['pkcs11:object=a b', /must be percent-encoded/],
      ['pkcs11:object=a/b', /must be percent-encoded/],
      ['pkcs11:object=a?module-path=/lib/a;b.so', /must be percent-encoded/],
      ['pkcs11:object=%4', /must be percent-encoded/],
      ['pkcs11:id=%zz', /must be percent-encoded/],
      ['pkcs11:object=%C3%28', /not UTF-8/],
      ['pkcs11:slot-id=0x10', /slot-id must be a decimal number/],
      ['pkcs11:type=secret', /type must be one of/],
      ['pkcs11:library-version=1.2.3', /library-version must be M or M.m/],
      ['pkcs11:object', /"object" is not an attribute=value pair/],
      ['pkcs11:=x', /is not an attribute=value pair/],
      ['pkcs11:object=a;', /"" is not an attribute=value pair/],
      ['pkcs11:object=a#frag', /no fragment/],
    ];
    for (const [uri, re] of cases) {
      it(uri, () => assert.throws(() => parsePkcs11Uri(uri), (err: unknown) => isLogError(err, 'KEY_INVALID') && re.test(err.message)));
    }
    it('never repeats a pin-value in a message', () => {
      assert.throws(
        () => parsePkcs11Uri('pkcs11:object=a;bogus=1?pin-value=hunter2'),
        (err: unknown) => isLogError(err, 'KEY_INVALID') && !err.message.includes('hunter2') && err.message.includes('pin-value=***'),
      );
      assert.equal(redactPin('pkcs11:x=1?a=b&pin-value=s3&c=d'), 'pkcs11:x=1?a=b&pin-value=***&c=d');
    });
  });
});
