/**
 * Just enough DER (X.690) to show who a certificate names: subject and issuer
 * distinguished names (RFC 5280 §4.1.2.4, §4.1.2.6), the subject alternative
 * names (§4.2.1.6: email, URI, DNS) and Fulcio's OIDC issuer extensions
 * (1.3.6.1.4.1.57264.1.1 raw, .1.8 DER UTF8String). For display only: the
 * log checked the certificate when it admitted the entry; nothing here is a
 * trust decision. Malformed input throws an Error.
 */

interface Tlv {
  readonly tag: number;
  readonly value: Uint8Array;
  /** Offset just past this element. */
  readonly end: number;
}

function read(buf: Uint8Array, at: number): Tlv {
  const tag = buf[at];
  let len = buf[at + 1];
  if (tag === undefined || len === undefined) throw new Error('truncated DER');
  let off = at + 2;
  if (len & 0x80) {
    const n = len & 0x7f;
    if (n === 0 || n > 4) throw new Error('unsupported DER length');
    len = 0;
    for (let i = 0; i < n; i++) len = len * 256 + (buf[off + i] ?? 0);
    off += n;
  }
  if (off + len > buf.length) throw new Error('truncated DER');
  return { tag, value: buf.subarray(off, off + len), end: off + len };
}

function children(value: Uint8Array): Tlv[] {
  const out: Tlv[] = [];
  for (let at = 0; at < value.length; ) {
    const t = read(value, at);
    out.push(t);
    at = t.end;
  }
  return out;
}

function oid(value: Uint8Array): string {
  const parts: number[] = [];
  let n = 0;
  for (const b of value) {
    n = n * 128 + (b & 0x7f);
    if (!(b & 0x80)) {
      if (parts.length === 0) parts.push(Math.min(2, Math.floor(n / 40)), n - Math.min(2, Math.floor(n / 40)) * 40);
      else parts.push(n);
      n = 0;
    }
  }
  return parts.join('.');
}

const text = (v: Uint8Array): string => new TextDecoder().decode(v);

const NAMES: Readonly<Record<string, string>> = {
  '2.5.4.3': 'CN',
  '2.5.4.6': 'C',
  '2.5.4.7': 'L',
  '2.5.4.8': 'ST',
  '2.5.4.10': 'O',
  '2.5.4.11': 'OU',
  '1.2.840.113549.1.9.1': 'emailAddress',
};

function dn(name: Tlv): string {
  const parts: string[] = [];
  for (const rdn of children(name.value)) {
    for (const atv of children(rdn.value)) {
      const [type, value] = children(atv.value);
      if (type === undefined || value === undefined) continue;
      const id = oid(type.value);
      parts.push(`${NAMES[id] ?? id}=${text(value.value)}`);
    }
  }
  return parts.join(', ');
}

/** What a certificate names. */
export interface CertificateNames {
  readonly subject: string;
  readonly issuer: string;
  /** `email:…`, `URI:…`, `DNS:…`. */
  readonly sans: readonly string[];
  /** Fulcio's OIDC issuer, when present. */
  readonly oidcIssuer?: string;
}

/** The names in a DER certificate. */
export function certificateNames(der: Uint8Array): CertificateNames {
  const [tbs] = children(read(der, 0).value);
  if (tbs === undefined) throw new Error('not a certificate');
  const f = children(tbs.value);
  const i = f[0]?.tag === 0xa0 ? 1 : 0; // [0] version
  const issuer = f[i + 2];
  const subject = f[i + 4];
  if (issuer === undefined || subject === undefined) throw new Error('not a certificate');
  const sans: string[] = [];
  let oidcIssuer: string | undefined;
  const extsWrapper = f.find((t) => t.tag === 0xa3);
  for (const ext of extsWrapper === undefined ? [] : children(children(extsWrapper.value)[0]?.value ?? new Uint8Array(0))) {
    const parts = children(ext.value);
    const id = oid(parts[0]?.value ?? new Uint8Array(0));
    const value = parts[parts.length - 1]?.value ?? new Uint8Array(0);
    if (id === '2.5.29.17') {
      for (const gn of children(read(value, 0).value)) {
        if (gn.tag === 0x81) sans.push(`email:${text(gn.value)}`);
        else if (gn.tag === 0x86) sans.push(`URI:${text(gn.value)}`);
        else if (gn.tag === 0x82) sans.push(`DNS:${text(gn.value)}`);
      }
    } else if (id === '1.3.6.1.4.1.57264.1.8') {
      oidcIssuer = text(read(value, 0).value);
    } else if (id === '1.3.6.1.4.1.57264.1.1' && oidcIssuer === undefined) {
      oidcIssuer = text(value);
    }
  }
  const names = { subject: dn(subject), issuer: dn(issuer), sans };
  return oidcIssuer === undefined ? names : { ...names, oidcIssuer };
}
