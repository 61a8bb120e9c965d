/**
 * The guard chain the dispatcher runs in front of every route, before the
 * body is read: the per-client rate limit (when configured), then access
 * control (when a policy is given). With neither, there are none: a public
 * log answers every client as Rekor does. A guard answers with a Reply to
 * refuse the request, or undefined to let it through.
 */
import type { IncomingHttpHeaders } from 'node:http';
import { accessGuard, authenticate, type AccessPolicy, type TokenRecord } from './auth.js';
import { rateLimitGuard, type RateLimitOptions } from './rate-limit.js';
import type { Reply } from './reply.js';

/** What a guard sees of a request. */
export interface GuardRequest {
  readonly method: string;
  /** The path as sent, without the query. */
  readonly path: string;
  readonly headers: IncomingHttpHeaders;
  /** The client's address (clientAddress). */
  readonly address: string;
  /** The token the request authenticates as (authenticate: undefined without credentials, null when they match none), computed once. */
  principal(): TokenRecord | null | undefined;
  /** Headers a guard adds to the answer, whether it lets the request through or not (the rate limit's RateLimit-*). */
  readonly answerHeaders: Record<string, string>;
}

export type Guard = (req: GuardRequest) => Reply | undefined;

export interface GuardOptions {
  readonly access?: AccessPolicy;
  readonly rateLimit?: RateLimitOptions;
}

/** The client a rate limit applies to: the token's name when the request carries a valid one, else its address. */
export function clientKey(req: GuardRequest): string {
  const who = req.principal();
  return who ? `token:${who.name}` : `ip:${req.address}`;
}

export function requestGuards(o: GuardOptions): Guard[] {
  const guards: Guard[] = [];
  if (o.rateLimit !== undefined) guards.push(rateLimitGuard(o.rateLimit, clientKey));
  if (o.access !== undefined) guards.push(accessGuard(o.access));
  return guards;
}

/** A GuardRequest whose principal is authenticated against `tokens` on first use. */
export function guardRequest(method: string, path: string, headers: IncomingHttpHeaders, address: string, tokens: readonly TokenRecord[]): GuardRequest {
  let memo: { who: TokenRecord | null | undefined } | undefined;
  return {
    method,
    path,
    headers,
    address,
    answerHeaders: {},
    principal: () => (memo ??= { who: authenticate(tokens, headers.authorization) }).who,
  };
}

/**
 * The client's address: the TCP peer, or, behind `trustedHops` proxies, the
 * address that many hops back in X-Forwarded-For (the right-most entries are
 * the nearest proxies'); a shorter header gives its left-most entry. This is
 * the rule of express's `trust proxy` set to a hop count.
 */
export function clientAddress(peer: string | undefined, forwardedFor: string | undefined, trustedHops: number): string {
  const addrs = [peer ?? '?'];
  if (trustedHops > 0 && forwardedFor !== undefined) {
    for (const a of forwardedFor.split(',').reverse()) {
      const t = a.trim();
      if (t !== '') addrs.push(t);
    }
  }
  return addrs[Math.min(trustedHops, addrs.length - 1)]!;
}
