/**
 * PEM decoding and canonical re-encoding. Input is attacker-controlled, so the
 * decoder is strict: the text is one or more complete blocks separated only by
 * whitespace, with no headers and strictly valid base64 bodies. (Go's
 * `pem.Decode` also skips leading text; Cairn rejects it instead.)
 * The encoder reproduces Go's `pem.Encode`: 64-column lines, LF endings.
 */
import { invalid } from './fields.js';

/** One PEM block: its label and DER contents. */
export interface PemBlock {
  readonly type: string;
  readonly der: Uint8Array;
}

const BLOCK = /^-----BEGIN ([A-Z0-9 ]{1,64})-----[ \t]*\r?\n([A-Za-z0-9+/=\s]*?)-----END ([A-Z0-9 ]{1,64})-----/;
const BODY = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/**
 * All blocks in `text`, in order, at most `maxBlocks` (more is an error).
 * Throws ENTRY_INVALID naming `field`.
 */
export function decodePem(text: string, field: string, maxBlocks: number): PemBlock[] {
  const blocks: PemBlock[] = [];
  let rest = text.trimStart();
  if (rest.length === 0) throw invalid(field, 'no PEM block found');
  while (rest.length > 0) {
    const m = BLOCK.exec(rest);
    if (m === null) throw invalid(field, 'not a valid PEM block');
    const [whole, type, body, endType] = m as unknown as [string, string, string, string];
    if (type !== endType) throw invalid(field, `PEM block "${type}" ends with "${endType}"`);
    const compact = body.replace(/\s+/g, '');
    if (!BODY.test(compact)) throw invalid(field, `PEM block "${type}" has an invalid base64 body`);
    const der = Buffer.from(compact, 'base64');
    if (der.length === 0) throw invalid(field, `PEM block "${type}" is empty`);
    if (blocks.length === maxBlocks) throw invalid(field, `more than ${maxBlocks} PEM blocks`);
    blocks.push({ type, der: new Uint8Array(der) });
    rest = rest.slice(whole.length).trimStart();
  }
  return blocks;
}

/** Go `pem.Encode` text of one block: BEGIN line, 64-column base64 lines, END line, each ending in LF. */
export function encodePem(type: string, der: Uint8Array): string {
  const b64 = Buffer.from(der.buffer, der.byteOffset, der.byteLength).toString('base64');
  const lines: string[] = [`-----BEGIN ${type}-----`];
  for (let i = 0; i < b64.length; i += 64) lines.push(b64.slice(i, i + 64));
  lines.push(`-----END ${type}-----`, '');
  return lines.join('\n');
}
