/** Reading response headers the way the distribution API uses them. */
import type { HttpResponse } from './transport.js';

/** The first value of header `name` (lowercase), if any. */
export function header(res: HttpResponse, name: string): string | undefined {
  const v = res.headers[name];
  return Array.isArray(v) ? v[0] : v;
}

/** The media type of `Content-Type`, without parameters. */
export function contentType(res: HttpResponse): string | undefined {
  return header(res, 'content-type')?.split(';')[0]?.trim();
}
