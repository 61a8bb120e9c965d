/**
 * Certificates with odd extensions and fields for the fuzz suite, built with
 * the test DER encoder and signed for real by a P-256 CA, so they get past
 * the outer DER checks and exercise the extension and field parsing behind.
 */
import { generateKeyPairSync, sign, type KeyObject } from 'node:crypto';
import { bitString, bool, explicit, implicitPrimitive, integer, nameCN, octets, oid, seq, set, tlv, utcTime, utf8 } from '../entry/der.js';

const ECDSA_SHA256 = seq(oid('1.2.840.10045.4.3.2'));
const SAN = '2.5.29.17';

interface Parts {
  version?: Buffer | null;
  serial?: Buffer;
  validity?: Buffer;
  subject?: Buffer;
  spki?: Buffer;
  extensions?: Buffer[] | null;
  /** Wrap the extensions in something other than [3] EXPLICIT SEQUENCE. */
  extensionsWrapper?: (exts: Buffer) => Buffer;
}

function certificate(leafKey: KeyObject, caKey: KeyObject, p: Parts): Buffer {
  const exts = p.extensions === null ? [] : (p.extensions ?? []);
  const tbs = seq(
    ...(p.version === null ? [] : [p.version ?? explicit(0, integer(2))]),
    p.serial ?? integer(1),
    ECDSA_SHA256,
    nameCN('odd ca'),
    p.validity ?? seq(utcTime(new Date('2024-01-01T00:00:00Z')), utcTime(new Date('2034-01-01T00:00:00Z'))),
    p.subject ?? nameCN('odd leaf'),
    p.spki ?? leafKey.export({ type: 'spki', format: 'der' }),
    ...(p.extensions === null ? [] : [(p.extensionsWrapper ?? ((e: Buffer) => explicit(3, e)))(seq(...exts))]),
  );
  return seq(tbs, ECDSA_SHA256, bitString(sign('sha256', tbs, caKey)));
}

const ext = (id: string, value: Buffer, critical?: boolean): Buffer =>
  seq(oid(id), ...(critical === undefined ? [] : [bool(critical)]), octets(value));

/** DER certificates for `leafKey` (so a signature by it verifies) with odd extensions and fields. */
export function oddCertificates(leafKey: { privateKey: KeyObject; publicKey: KeyObject }): Array<[string, Buffer]> {
  const ca = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const pub = leafKey.publicKey;
  const c = (p: Parts): Buffer => certificate(pub, ca.privateKey, p);
  const emails = (n: number, make: (i: number) => string): Buffer =>
    seq(...Array.from({ length: n }, (_, i) => implicitPrimitive(1, Buffer.from(make(i), 'latin1'))));
  const secp256k1 = generateKeyPairSync('ec', { namedCurve: 'secp256k1' }).publicKey.export({ type: 'spki', format: 'der' });
  return [
    ['an unknown critical extension', c({ extensions: [ext('1.2.3.4.5.6.7', Buffer.from('garbage'), true)] })],
    ['an unknown extension holding invalid DER', c({ extensions: [ext('1.3.6.1.4.1.57264.1.99', Buffer.from([0x30, 0x84, 0xff]))] })],
    ['a subjectAltName that is not DER', c({ extensions: [ext(SAN, Buffer.from([0x30, 0x05, 0x81, 0x10, 0x61]))] })],
    ['an empty subjectAltName', c({ extensions: [ext(SAN, seq())] })],
    ['two subjectAltName extensions', c({ extensions: [ext(SAN, emails(1, () => 'a@b.c')), ext(SAN, emails(1, () => 'x@y.z'))] })],
    ['2,000 SAN emails', c({ extensions: [ext(SAN, emails(2000, (i) => `user${i}@example.com`))] })],
    ['SAN emails with control and non-ASCII bytes', c({ extensions: [ext(SAN, emails(3, (i) => ['a\u0000@b', '\u00e9@\u00ff', '@@'][i]!))] })],
    ['a 20 KB SAN URI', c({ extensions: [ext(SAN, seq(implicitPrimitive(6, Buffer.alloc(20_000, 0x61))))] })],
    ['a SAN otherName', c({ extensions: [ext(SAN, seq(tlv(0xa0, oid('1.2.3'), explicit(0, utf8('x')))))] })],
    ['critical=FALSE encoded explicitly (not DER)', c({ extensions: [ext(SAN, emails(1, () => 'a@b.c'), false)] })],
    ['basicConstraints with a 20-byte pathLen', c({ extensions: [ext('2.5.29.19', seq(bool(true), integer(2n ** 159n)), true)] })],
    ['keyUsage with odd padding bits', c({ extensions: [ext('2.5.29.15', Buffer.from([0x03, 0x02, 0x09, 0xff]), true)] })],
    ['an empty extensions SEQUENCE', c({ extensions: [] })],
    ['extensions under the wrong tag', c({ extensions: [ext(SAN, emails(1, () => 'a@b.c'))], extensionsWrapper: (e) => explicit(2, e) })],
    ['extensions in a v1 certificate', c({ version: null, extensions: [ext(SAN, emails(1, () => 'a@b.c'))] })],
    ['version 99', c({ version: explicit(0, integer(99)) })],
    ['a negative serial', c({ serial: tlv(0x02, Buffer.from([0xff, 0x01])) })],
    ['a 40-byte serial', c({ serial: integer(2n ** 319n) })],
    ['notBefore after notAfter', c({ validity: seq(utcTime(new Date('2040-01-01T00:00:00Z')), utcTime(new Date('2030-01-01T00:00:00Z'))) })],
    ['GeneralizedTime in year 9999', c({ validity: seq(tlv(0x18, Buffer.from('99991231235959Z')), tlv(0x18, Buffer.from('99991231235959Z'))) })],
    ['a 16 KB common name', c({ subject: nameCN('x'.repeat(16_000)) })],
    ['300 RDNs in the subject', c({ subject: seq(...Array.from({ length: 300 }, (_, i) => set(seq(oid('2.5.4.3'), utf8(`cn${i}`))))) })],
    ['a secp256k1 subject key', c({ spki: secp256k1 })],
    ['an unknown key algorithm', c({ spki: seq(seq(oid('1.2.3.4')), bitString(Buffer.alloc(32, 1))) })],
  ];
}
