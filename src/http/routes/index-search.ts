/**
 * POST /api/v1/index/retrieve (Rekor searchIndex): 80-hex entry IDs (each
 * with its tree's ID) of the published entries of every tree under the search keys a query names, ascending by log
 * index, at most maxSearchResults. Exact: keys are written with their entry.
 * `operator: and` intersects the criteria, `or` (default) unites them.
 */
import { jsonReply } from '../reply.js';
import { post, type Route } from '../route.js';
import type { RouteContext } from '../context.js';
import { entryId } from '../entry-id.js';
import { searchKeysOf, type SearchIndexQuery } from '../search-keys.js';

/**
 * Most indices read per key for `and`: the intersection may lie past the first
 * maxSearchResults of each key. Beyond this bound an `and` answer may be incomplete.
 */
const AND_SCAN_LIMIT = 100_000;

function scanLimit(q: SearchIndexQuery, maxResults: number): number {
  return q.operator === 'and' ? Math.max(AND_SCAN_LIMIT, maxResults) : maxResults;
}

export function indexRoutes({ log, api, limits }: RouteContext): Route[] {
  return [
    post('/api/v1/index/retrieve', 'json', async (req) => {
      const q = api.checkRequest('searchIndex', req).body as SearchIndexQuery;
      const perCriterion = await Promise.all(searchKeysOf(q).map(async (k) => new Set(await log.reader.search(k, scanLimit(q, limits.maxSearchResults)))));
      let result: Set<number>;
      if (q.operator === 'and') {
        const [first, ...rest] = perCriterion;
        result = new Set([...(first ?? [])].filter((i) => rest.every((s) => s.has(i))));
      } else {
        result = new Set(perCriterion.flatMap((s) => [...s]));
      }
      const indices = [...result].sort((a, b) => a - b).slice(0, limits.maxSearchResults);
      const ids: string[] = [];
      for (const found of await Promise.all(indices.map((i) => log.entryByIndex(i)))) {
        if (found !== undefined) ids.push(entryId(found.shard.identity.treeIdHex, found.entry.leafHash));
      }
      return jsonReply(ids, { 'Cache-Control': 'no-cache' });
    }),
  ];
}
