/**
 * A strict DER reader for the few structures entries need (SPKI,
 * certificates, ECDSA signatures). Input is attacker-controlled: lengths must
 * be minimal definite-form and inside the buffer, tags single-byte, and
 * INTEGERs minimally encoded. Every failure is `LogError('ENTRY_INVALID')`
 * with a "malformed DER" message; callers prefix the field.
 */
import { LogError } from '../errors.js';

/** ASN.1 universal tags used here. */
export const TAG = {
  INTEGER: 0x02,
  BIT_STRING: 0x03,
  OCTET_STRING: 0x04,
  NULL: 0x05,
  OID: 0x06,
  SEQUENCE: 0x30,
  BOOLEAN: 0x01,
} as const;

/** One TLV: `tag`, and the byte offsets of its contents in the parent buffer. */
export interface DerNode {
  readonly tag: number;
  /** Offset of the tag byte. */
  readonly start: number;
  /** Offset of the first content byte. */
  readonly contentStart: number;
  /** Offset just past the last content byte. */
  readonly end: number;
}

/** Read the TLV starting at `offset`, which MUST end at or before `limit`. */
export function readNode(buf: Uint8Array, offset: number, limit = buf.length): DerNode {
  if (offset + 2 > limit) throw malformed('truncated element');
  const tag = buf[offset] as number;
  if ((tag & 0x1f) === 0x1f) throw malformed('multi-byte tags are not supported');
  const first = buf[offset + 1] as number;
  let length = first;
  let contentStart = offset + 2;
  if (first >= 0x80) {
    const count = first & 0x7f;
    if (count === 0) throw malformed('indefinite length');
    if (count > 4) throw malformed('length too large');
    if (contentStart + count > limit) throw malformed('truncated length');
    length = 0;
    for (let i = 0; i < count; i++) length = length * 256 + (buf[contentStart + i] as number);
    if ((buf[contentStart] as number) === 0 || length < 0x80) throw malformed('non-minimal length');
    contentStart += count;
  }
  const end = contentStart + length;
  if (end > limit) throw malformed('element extends past its container');
  return { tag, start: offset, contentStart, end };
}

/** Read one TLV that MUST span the whole of `buf`, with tag `tag`. */
export function readWhole(buf: Uint8Array, tag: number): DerNode {
  const node = readNode(buf, 0);
  if (node.tag !== tag) throw malformed(`expected tag 0x${tag.toString(16)}, got 0x${node.tag.toString(16)}`);
  if (node.end !== buf.length) throw malformed('trailing data');
  return node;
}

/** The children of a constructed node, in order. */
export function childrenOf(buf: Uint8Array, node: DerNode): DerNode[] {
  const out: DerNode[] = [];
  let offset = node.contentStart;
  while (offset < node.end) {
    const child = readNode(buf, offset, node.end);
    out.push(child);
    offset = child.end;
  }
  return out;
}

/** The contents of `node` (a view, not a copy). */
export function contentsOf(buf: Uint8Array, node: DerNode): Uint8Array {
  return buf.subarray(node.contentStart, node.end);
}

/** The whole encoding of `node`, header included (a view). */
export function encodingOf(buf: Uint8Array, node: DerNode): Uint8Array {
  return buf.subarray(node.start, node.end);
}

/** `node` checked to have tag `tag`. */
export function expectTag(node: DerNode | undefined, tag: number, what: string): DerNode {
  if (node === undefined) throw malformed(`missing ${what}`);
  if (node.tag !== tag) throw malformed(`${what}: unexpected tag 0x${node.tag.toString(16)}`);
  return node;
}

/** A non-negative, minimally encoded INTEGER's value. */
export function readUnsignedInteger(buf: Uint8Array, node: DerNode): bigint {
  const bytes = contentsOf(buf, node);
  if (bytes.length === 0) throw malformed('empty INTEGER');
  const b0 = bytes[0] as number;
  if (b0 & 0x80) throw malformed('negative INTEGER');
  if (bytes.length > 1 && b0 === 0 && ((bytes[1] as number) & 0x80) === 0) throw malformed('non-minimal INTEGER');
  return BigInt('0x' + Buffer.from(bytes).toString('hex'));
}

/** Dotted-decimal form of an OBJECT IDENTIFIER node. */
export function readOid(buf: Uint8Array, node: DerNode): string {
  const bytes = contentsOf(buf, node);
  if (bytes.length === 0) throw malformed('empty OID');
  const arcs: number[] = [];
  let value = 0;
  for (let i = 0; i < bytes.length; i++) {
    const b = bytes[i] as number;
    if (value === 0 && b === 0x80) throw malformed('non-minimal OID arc');
    value = value * 128 + (b & 0x7f);
    if (value > Number.MAX_SAFE_INTEGER / 256) throw malformed('OID arc too large');
    if ((b & 0x80) === 0) {
      arcs.push(value);
      value = 0;
    } else if (i === bytes.length - 1) {
      throw malformed('truncated OID');
    }
  }
  const first = arcs[0] as number;
  const head = first < 40 ? [0, first] : first < 80 ? [1, first - 40] : [2, first - 80];
  return [...head, ...arcs.slice(1)].join('.');
}

/** The contents of a BIT STRING with no unused bits. */
export function readBitString(buf: Uint8Array, node: DerNode): Uint8Array {
  const bytes = contentsOf(buf, node);
  if (bytes.length === 0 || bytes[0] !== 0) throw malformed('BIT STRING with unused bits');
  return bytes.subarray(1);
}

function malformed(reason: string): LogError<'ENTRY_INVALID'> {
  return new LogError('ENTRY_INVALID', `malformed DER: ${reason}`);
}
