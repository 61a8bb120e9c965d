/**
 * RFC 7512 PKCS#11 URIs: `pkcs11:<path attrs ;-separated>[?<query attrs &-separated>]`.
 * Pure: the PIN file named by `pin-source` is read when the key is opened.
 */
import { LogError } from '../errors.js';
import type { Pkcs11Uri } from './types.js';

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

/** Path attributes (RFC 7512 §2.3) → field of {@link Pkcs11Uri}. */
const PATH_ATTRS = {
  token: 'token',
  object: 'object',
  id: 'id',
  'slot-id': 'slotId',
  manufacturer: 'manufacturer',
  serial: 'serial',
  model: 'model',
  type: 'type',
  'slot-description': 'slotDescription',
  'slot-manufacturer': 'slotManufacturer',
  'library-description': 'libraryDescription',
  'library-manufacturer': 'libraryManufacturer',
  'library-version': 'libraryVersion',
} as const;

/** Query attributes (RFC 7512 §2.3) → field of {@link Pkcs11Uri}. */
const QUERY_ATTRS = {
  'module-path': 'modulePath',
  'module-name': 'moduleName',
  'pin-value': 'pinValue',
  'pin-source': 'pinSource',
} as const;

const OBJECT_TYPES = ['private', 'public', 'cert', 'secret-key', 'data'] as const;

/** Characters allowed unencoded in values (RFC 7512 §2.3 pk11-pchar / pk11-qchar, RFC 3986 unreserved). */
const PATH_VALUE = /^(?:[A-Za-z0-9\-._~:[\]@!$'()*+,=&]|%[0-9A-Fa-f]{2})*$/;
const QUERY_VALUE = /^(?:[A-Za-z0-9\-._~:[\]@!$'()*+,=/?|]|%[0-9A-Fa-f]{2})*$/;

/**
 * Parses an RFC 7512 PKCS#11 URI. The scheme is case-insensitive; attribute
 * names are the RFC's (lower case). Values are percent-decoded, `id` to raw
 * bytes and the others as UTF-8. Throws KEY_INVALID, naming the problem, for:
 * another scheme, an unknown attribute (vendor `x-` attributes included: an
 * ignored attribute could select another key), an attribute given twice,
 * characters the RFC requires to be percent-encoded, bad percent-encoding or
 * UTF-8, a non-decimal `slot-id`, an unknown `type`, and both `pin-value` and
 * `pin-source` (RFC 7512 §2.3 says such a URI should be refused).
 */
export function parsePkcs11Uri(uri: string): Pkcs11Uri {
  if (!/^pkcs11:/i.test(uri)) throw invalid(uri, 'it does not start with "pkcs11:"');
  const rest = uri.slice('pkcs11:'.length);
  const q = rest.indexOf('?');
  const path = q < 0 ? rest : rest.slice(0, q);
  const query = q < 0 ? '' : rest.slice(q + 1);
  if (rest.includes('#')) throw invalid(uri, 'a PKCS#11 URI has no fragment ("#" must be written %23)');
  const out: Mutable<Pkcs11Uri> = {};
  const seen = new Set<string>();
  for (const [name, value] of splitAttrs(uri, path, ';')) {
    if (!Object.hasOwn(PATH_ATTRS, name)) {
      throw invalid(uri, `unknown path attribute "${name}" (known: ${Object.keys(PATH_ATTRS).join(', ')}; query attributes follow "?")`);
    }
    if (!PATH_VALUE.test(value)) throw invalid(uri, `the value of "${name}" has characters that must be percent-encoded`);
    once(uri, seen, name);
    setPathAttr(uri, out, name as keyof typeof PATH_ATTRS, value);
  }
  for (const [name, value] of splitAttrs(uri, query, '&')) {
    if (!Object.hasOwn(QUERY_ATTRS, name)) throw invalid(uri, `unknown query attribute "${name}" (known: ${Object.keys(QUERY_ATTRS).join(', ')})`);
    if (!QUERY_VALUE.test(value)) throw invalid(uri, `the value of "${name}" has characters that must be percent-encoded`);
    once(uri, seen, name);
    out[QUERY_ATTRS[name as keyof typeof QUERY_ATTRS]] = decodeText(uri, name, value);
  }
  if (out.pinValue !== undefined && out.pinSource !== undefined) throw invalid(uri, 'give either pin-value or pin-source, not both');
  return out;
}

/** `name=value` pairs of one component; an empty component has none. */
function splitAttrs(uri: string, component: string, sep: string): Array<[string, string]> {
  if (component === '') return [];
  return component.split(sep).map((attr) => {
    const eq = attr.indexOf('=');
    if (eq <= 0) throw invalid(uri, `"${attr}" is not an attribute=value pair`);
    return [attr.slice(0, eq), attr.slice(eq + 1)];
  });
}

function once(uri: string, seen: Set<string>, name: string): void {
  if (seen.has(name)) throw invalid(uri, `attribute "${name}" appears twice`);
  seen.add(name);
}

function setPathAttr(uri: string, out: Mutable<Pkcs11Uri>, name: keyof typeof PATH_ATTRS, value: string): void {
  switch (name) {
    case 'id':
      out.id = decodeBytes(uri, name, value);
      return;
    case 'slot-id': {
      const text = decodeText(uri, name, value);
      if (!/^\d{1,15}$/.test(text)) throw invalid(uri, `slot-id must be a decimal number, not "${text}"`);
      out.slotId = Number(text);
      return;
    }
    case 'type': {
      const text = decodeText(uri, name, value);
      const type = OBJECT_TYPES.find((t) => t === text);
      if (type === undefined) throw invalid(uri, `type must be one of ${OBJECT_TYPES.join(', ')}, not "${text}"`);
      out.type = type;
      return;
    }
    case 'library-version': {
      const m = /^(\d{1,3})(?:\.(\d{1,3}))?$/.exec(decodeText(uri, name, value));
      if (m === null) throw invalid(uri, 'library-version must be M or M.m (decimal)');
      out.libraryVersion = { major: Number(m[1]), minor: Number(m[2] ?? '0') };
      return;
    }
    default:
      out[PATH_ATTRS[name]] = decodeText(uri, name, value);
  }
}

/** Percent-decodes to bytes (RFC 3986 §2.1). */
function decodeBytes(uri: string, name: string, value: string): Uint8Array {
  const bytes: number[] = [];
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if (c === 0x25) {
      const hex = value.slice(i + 1, i + 3);
      if (!/^[0-9A-Fa-f]{2}$/.test(hex)) throw invalid(uri, `bad percent-encoding in "${name}"`);
      bytes.push(parseInt(hex, 16));
      i += 2;
    } else {
      bytes.push(c); // the value pattern admits ASCII only
    }
  }
  return Uint8Array.from(bytes);
}

/** Percent-decodes to a UTF-8 string (RFC 7512 §2.3: values are UTF-8). */
function decodeText(uri: string, name: string, value: string): string {
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(decodeBytes(uri, name, value));
  } catch (err) {
    if (err instanceof LogError) throw err;
    throw invalid(uri, `the value of "${name}" is not UTF-8`);
  }
}

/** KEY_INVALID for `uri`, with the PIN hidden. */
function invalid(uri: string, why: string): LogError {
  return new LogError('KEY_INVALID', `invalid PKCS#11 URI ${redactPin(uri)}: ${why}`);
}

/** `uri` with any pin-value replaced by `***`, for messages and logs. */
export function redactPin(uri: string): string {
  return uri.replace(/([?&]pin-value=)[^&#]*/g, '$1***');
}
