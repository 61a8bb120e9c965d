/**
 * The request guards createApp puts in front of every route, before the body
 * is parsed: the per-client rate limit (when configured), then access control
 * (when a policy is given). With neither, there are none: a public log
 * answers every client as Rekor does.
 */
import type { Request, RequestHandler } from 'express';
import { accessControl, principalOf, type AccessPolicy } from './auth.js';
import { rateLimit, type RateLimitOptions } from './rate-limit.js';

export interface GuardOptions {
  readonly access?: AccessPolicy;
  readonly rateLimit?: RateLimitOptions;
}

/** The client a rate limit applies to: the token's name when the request carries a valid one, else its address (`req.ip`, which honours express's `trust proxy`). */
export function clientKey(access: AccessPolicy | undefined, req: Request): string {
  const who = access === undefined ? undefined : principalOf(access, req);
  return who ? `token:${who.name}` : `ip:${req.ip ?? req.socket.remoteAddress ?? '?'}`;
}

export function requestGuards(o: GuardOptions): RequestHandler[] {
  const guards: RequestHandler[] = [];
  if (o.rateLimit !== undefined) guards.push(rateLimit(o.rateLimit, (req) => clientKey(o.access, req)));
  if (o.access !== undefined) guards.push(accessControl(o.access));
  return guards;
}
