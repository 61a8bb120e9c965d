/**
 * Matching a request to its route in the route table (route.ts gives the
 * template rules). Literal paths are one Map lookup; templates with `{name}`
 * segments and prefixes are tried in table order. A route table has a few
 * dozen routes, so nothing cleverer is needed; a path that two routes could
 * match is refused when the table is built.
 */
import { LogError } from '../errors.js';
import type { Method, Route } from './route.js';

export interface Match {
  readonly route: Route;
  readonly params: Record<string, string>;
}

interface Template {
  readonly route: Route;
  /** Lower-cased literal segments, or `{name}`; for a prefix route, its literal prefix (with the slash). */
  readonly segments: readonly string[];
  readonly prefix: string | undefined;
}

export class Router {
  readonly #literal = new Map<string, Route>();
  readonly #templates: Template[] = [];
  readonly #routes: readonly Route[];

  /** Throws when two routes share a method and a literal path. */
  constructor(routes: readonly Route[]) {
    this.#routes = routes;
    for (const route of routes) {
      if (route.path.endsWith('/*')) {
        this.#templates.push({ route, segments: [], prefix: route.path.slice(0, -1) });
      } else if (route.path.includes('{')) {
        this.#templates.push({ route, segments: splitPath(route.path).map((x) => (x.startsWith('{') ? x : x.toLowerCase())), prefix: undefined });
      } else {
        const key = `${route.method} ${normalise(route.path)}`;
        if (this.#literal.has(key)) throw new Error(`route ${key} is declared twice`);
        this.#literal.set(key, route);
      }
    }
  }

  /** Every route, in table order. */
  get routes(): readonly Route[] {
    return this.#routes;
  }

  /**
   * The route for `method` (HEAD is answered by the GET route) and `path`
   * (as sent, no query); undefined when none. Throws BAD_REQUEST when a
   * `{name}` segment is not valid percent-encoding.
   */
  match(method: string, path: string): Match | undefined {
    const m = (method === 'HEAD' ? 'GET' : method) as Method;
    const literal = this.#literal.get(`${m} ${normalise(path)}`);
    if (literal !== undefined) return { route: literal, params: {} };
    let parts: string[] | undefined;
    for (const t of this.#templates) {
      if (t.route.method !== m) continue;
      if (t.prefix !== undefined) {
        if (path.startsWith(t.prefix)) return { route: t.route, params: {} };
        continue;
      }
      parts ??= splitPath(path);
      const params = matchSegments(t.segments, parts);
      if (params !== undefined) return { route: t.route, params };
    }
    return undefined;
  }

  /** The methods some route answers at `path` (HEAD with GET), for OPTIONS' Allow. */
  allowed(path: string): string[] {
    const out: string[] = [];
    for (const m of ['GET', 'POST'] as const) {
      if (this.match(m, path) !== undefined) out.push(...(m === 'GET' ? ['GET', 'HEAD'] : ['POST']));
    }
    return out;
  }
}

/** Lower case, one trailing slash dropped. */
function normalise(path: string): string {
  const p = path.toLowerCase();
  return p.length > 1 && p.endsWith('/') ? p.slice(0, -1) : p;
}

/** Segments after the leading slash; one trailing slash dropped. */
function splitPath(path: string): string[] {
  const parts = path.split('/').slice(1);
  if (parts.length > 1 && parts[parts.length - 1] === '') parts.pop();
  return parts;
}

function matchSegments(template: readonly string[], parts: readonly string[]): Record<string, string> | undefined {
  if (template.length !== parts.length) return undefined;
  const params: Record<string, string> = {};
  for (let i = 0; i < template.length; i++) {
    const t = template[i]!;
    const p = parts[i]!;
    if (t.startsWith('{')) {
      if (p === '') return undefined;
      params[t.slice(1, -1)] = decodeSegment(p);
    } else if (t !== p.toLowerCase()) {
      return undefined;
    }
  }
  return params;
}

function decodeSegment(s: string): string {
  if (!s.includes('%')) return s;
  try {
    return decodeURIComponent(s);
  } catch {
    throw new LogError('BAD_REQUEST', `Failed to decode param '${s}'`);
  }
}
