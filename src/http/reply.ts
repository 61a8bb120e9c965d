/** A whole response (status, headers, body) built before it is written, the builders handlers use, and writing it on a node:http response. */
import type { ServerResponse } from 'node:http';

export interface Reply {
  readonly status: number;
  /** Headers other than Content-Length, which writeReply sets. */
  readonly headers: Readonly<Record<string, string>>;
  /** Text is sent as UTF-8. */
  readonly body: string | Uint8Array;
  /** For an error answer, its code (src/errors.ts), for logs and metrics; not sent as a header. */
  readonly code?: string;
}

const JSON_TYPE = 'application/json; charset=utf-8';

/** 200 (or `status`) with `value` as JSON. */
export function jsonReply(value: unknown, headers: Readonly<Record<string, string>> = {}, status = 200): Reply {
  return { status, headers: { 'Content-Type': JSON_TYPE, ...headers }, body: JSON.stringify(value) };
}

/** 200 with JSON text already serialised. */
export function jsonTextReply(text: string, headers: Readonly<Record<string, string>> = {}): Reply {
  return { status: 200, headers: { 'Content-Type': JSON_TYPE, ...headers }, body: text };
}

/** 200 with `body` as `contentType` (give the charset in it for text). */
export function typedReply(contentType: string, body: string | Uint8Array, headers: Readonly<Record<string, string>> = {}): Reply {
  return { status: 200, headers: { 'Content-Type': contentType, ...headers }, body };
}

/**
 * Write `reply` as the whole response; headers already set on `res` are kept
 * unless `reply` names them. A HEAD response gets the headers of the GET
 * (Content-Length included) and no body: node:http drops it (RFC 9110 §9.3.2).
 */
export function writeReply(res: ServerResponse, reply: Reply): void {
  for (const [k, v] of Object.entries(reply.headers)) res.setHeader(k, v);
  res.setHeader('Content-Length', Buffer.byteLength(reply.body));
  res.statusCode = reply.status;
  res.end(reply.body);
}
