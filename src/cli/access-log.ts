/**
 * The access log: one `info` line `request` per answered request, with its
 * request ID, method, route template, status and duration in milliseconds
 * (src/http/served.ts says what each field is), through the logger's
 * `perRequest` lines when it has them (queued off the event loop, logger.ts).
 */
import type { ServedListener } from '../http/index.js';
import type { Logger } from './logger.js';

export function accessLog(logger: Logger): ServedListener {
  if (!logger.enabled('info')) return () => undefined;
  const lines = logger.perRequest ?? logger;
  return (s) =>
    lines.info('request', { requestId: s.requestId, method: s.method, route: s.route, status: s.status, durationMs: Math.round(s.durationMs * 1000) / 1000 });
}
