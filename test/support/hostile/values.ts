/**
 * Hostile values for the HTTP fuzz suite: strings, numbers, JSON shapes,
 * base64, PEM and DER that a careless parser could trip on. All drawn from a
 * seeded PRNG, so a failing case is reproducible from its seed and number.
 */
import { pick, randomBytesFrom, intBetween, type Rng } from '../prng.js';

/** Strings that break naive parsers: empty, whitespace, control and format characters, lone surrogates, huge, injection-shaped. */
export const HOSTILE_STRINGS: readonly string[] = [
  '',
  ' ',
  '\t\n\r',
  '\u0000',
  'a\u0000b',
  '\ud800',
  '\udfff\ud800',
  '\u202e' + 'abc',
  '\ufeff' + '0',
  '💥'.repeat(100),
  'A'.repeat(70_000),
  '0'.repeat(80),
  'g'.repeat(64),
  'G'.repeat(80),
  'ff'.repeat(31) + 'f',
  'ff'.repeat(33),
  '0x' + 'ab'.repeat(31),
  '-1',
  '+1',
  '1e3',
  '1.5',
  '0001',
  ' 7',
  '7 ',
  '9007199254740993',
  '99999999999999999999999999',
  'NaN',
  'Infinity',
  'null',
  'true',
  '[]',
  '{}',
  '__proto__',
  'constructor',
  '../../../../etc/passwd',
  '..\\..\\windows',
  '%00',
  '%zz',
  '%',
  "' OR 1=1 --",
  '"; DROP TABLE entries; --',
  '<script>alert(1)</script>',
  '${jndi:ldap://x}',
  '-----BEGIN PUBLIC KEY-----',
  '====',
  'sha256:',
  ':',
  'a@b',
  '@',
];

/** Numbers (as JSON text) that are out of range, not integers, or not numbers at all in JS. */
export const HOSTILE_NUMBER_TEXTS: readonly string[] = [
  '-1', '-0', '0', '1e308', '1e309', '-1e309', '9007199254740992', '9007199254740993', '18446744073709551616',
  '1.5', '0.0000001', '-9007199254740993', '1E2', '123456789012345678901234567890',
];

/** Query/path parameter texts for an integer parameter. */
export const HOSTILE_INTEGER_PARAMS: readonly string[] = [
  ...HOSTILE_NUMBER_TEXTS, '', 'abc', '0x10', '1,2', '١', '½', '1 ', ' 1', '+5', '01', '%31', '1%00', 'Infinity', 'NaN', 'true',
];

/** A random string: one of the hostile ones, or random code units (including unpaired surrogates and controls). */
export function hostileString(rnd: Rng): string {
  if (rnd() < 0.6) return pick(rnd, HOSTILE_STRINGS);
  const n = intBetween(rnd, 0, 300);
  let s = '';
  for (let i = 0; i < n; i++) s += String.fromCharCode(rnd() < 0.8 ? intBetween(rnd, 0, 127) : intBetween(rnd, 0, 0xffff));
  return s;
}

/** A random JSON value of bounded size: any type, any nesting up to `depth`. */
export function hostileJson(rnd: Rng, depth = 4): unknown {
  const r = rnd();
  if (depth <= 0 || r < 0.35) {
    return pick(rnd, [null, true, false, 0, -1, 1e308, -1e-308, 2 ** 53 + 2, 0.5, hostileString(rnd), '', [], {}]);
  }
  if (r < 0.65) return Array.from({ length: intBetween(rnd, 0, 4) }, () => hostileJson(rnd, depth - 1));
  const o: Record<string, unknown> = {};
  const keys = ['kind', 'apiVersion', 'spec', 'content', 'publicKey', 'signature', 'data', 'hash', 'value', 'algorithm', '__proto__', 'constructor', hostileString(rnd)];
  for (let i = intBetween(rnd, 0, 5); i > 0; i--) o[pick(rnd, keys)] = hostileJson(rnd, depth - 1);
  return o;
}

/** JSON text nested `depth` levels deep: arrays, objects, or a mix. */
export function deepJsonText(depth: number, shape: 'array' | 'object' | 'mixed'): string {
  if (shape === 'array') return '['.repeat(depth) + ']'.repeat(depth);
  if (shape === 'object') return '{"a":'.repeat(depth) + '1' + '}'.repeat(depth);
  let open = '';
  let close = '';
  for (let i = 0; i < depth; i++) {
    if (i % 2 === 0) {
      open += '[';
      close = ']' + close;
    } else {
      open += '{"k":';
      close = '}' + close;
    }
  }
  return open + '0' + close;
}

/** Invalid or odd base64: bad alphabet, bad padding, whitespace, base64url, truncated. */
export function badBase64(rnd: Rng): string {
  const valid = randomBytesFrom(rnd, intBetween(rnd, 1, 90)).toString('base64');
  return pick(rnd, [
    valid.slice(0, -1),
    valid + '=',
    valid + '===',
    '=' + valid,
    valid.replace(/[A-Za-z]/, '*'),
    valid.replace(/\+/g, '-').replace(/\//g, '_'),
    valid.slice(0, 4) + ' \n\t' + valid.slice(4),
    valid + '\u0000',
    '!!!!',
    'a',
    'ab=c',
    '////',
    '\u00e9\u00e9\u00e9\u00e9',
  ]);
}

/** Random DER-shaped garbage: random bytes, absurd lengths, indefinite lengths, deep nesting. */
export function garbageDer(rnd: Rng): Buffer {
  return pick(rnd, [
    () => randomBytesFrom(rnd, intBetween(rnd, 0, 400)),
    () => Buffer.from([0x30, 0x84, 0xff, 0xff, 0xff, 0xff, 0x02, 0x01, 0x01]),
    () => Buffer.from([0x30, 0x89, 1, 2, 3, 4, 5, 6, 7, 8, 9]),
    () => Buffer.from([0x30, 0x80, 0x02, 0x01, 0x01, 0x00, 0x00]),
    () => Buffer.concat([Buffer.alloc(2000, 0x30).map((_, i) => (i % 2 === 0 ? 0x30 : 0x81)), Buffer.from([0])]),
    () => Buffer.from('30' + '82ffff' + '00'.repeat(10), 'hex'),
    () => Buffer.from([0x06, 0x00]),
    () => Buffer.from([0x03, 0x01, 0x09]),
  ])();
}

/** `der` with a few random bytes changed, truncated, or extended. */
export function mutateDer(rnd: Rng, der: Uint8Array): Buffer {
  const b = Buffer.from(der);
  switch (intBetween(rnd, 0, 3)) {
    case 0:
      for (let i = intBetween(rnd, 1, 4); i > 0; i--) b[intBetween(rnd, 0, b.length - 1)] = intBetween(rnd, 0, 255);
      return b;
    case 1:
      return b.subarray(0, intBetween(rnd, 0, b.length - 1));
    case 2:
      return Buffer.concat([b, randomBytesFrom(rnd, intBetween(rnd, 1, 16))]);
    default:
      if (b.length > 0) {
        const at = intBetween(rnd, 0, Math.min(6, b.length - 1));
        b[at] = (b[at] ?? 0) ^ 0x80; // a length or tag byte
      }
      return b;
  }
}

/** PEM text around `der` with odd framing: wrong labels, CRLF, missing END, stray text, several blocks. */
export function pemAround(rnd: Rng, der: Uint8Array): string {
  const body = (Buffer.from(der).toString('base64').match(/.{1,64}/g) ?? ['']).join('\n');
  const label = pick(rnd, ['PUBLIC KEY', 'CERTIFICATE', 'PRIVATE KEY', 'EC PRIVATE KEY', 'RSA PUBLIC KEY', 'X', '', 'CERTIFICATE REQUEST']);
  return pick(rnd, [
    `-----BEGIN ${label}-----\n${body}\n-----END ${label}-----\n`,
    `-----BEGIN ${label}-----\r\n${body.replace(/\n/g, '\r\n')}\r\n-----END ${label}-----\r\n`,
    `-----BEGIN ${label}-----\n${body}\n`,
    `junk before\n-----BEGIN ${label}-----\n${body}\n-----END ${label}-----\njunk after`,
    `-----BEGIN ${label}-----\n${body}\n-----END OTHER-----\n`,
    `-----BEGIN ${label}-----\nProc-Type: 4,ENCRYPTED\n\n${body}\n-----END ${label}-----\n`,
    `-----BEGIN ${label}-----\n${body}\n-----END ${label}-----\n`.repeat(intBetween(rnd, 2, 40)),
    `-----BEGIN ${label}-----\n${badBase64(rnd)}\n-----END ${label}-----\n`,
  ]);
}
