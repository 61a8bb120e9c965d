/** A whole response (status, headers, body) built before it is written, and writing it on a bare node:http response (express's res is one too). */
import type { ServerResponse } from 'node:http';

export interface Reply {
  readonly status: number;
  /** Headers other than Content-Length, which writeReply sets. */
  readonly headers: Readonly<Record<string, string>>;
  /** Text is sent as UTF-8. */
  readonly body: string | Uint8Array;
}

/** Write `reply` as the whole response; headers already set on `res` (such as Location) are kept unless `reply` names them. */
export function writeReply(res: ServerResponse, reply: Reply): void {
  for (const [k, v] of Object.entries(reply.headers)) res.setHeader(k, v);
  res.setHeader('Content-Length', Buffer.byteLength(reply.body));
  res.statusCode = reply.status;
  res.end(reply.body);
}
