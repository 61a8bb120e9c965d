/**
 * POST /api/v1/log/entries/retrieve (Rekor searchLogQuery): the published
 * entries named by `entryUUIDs` (64 or 80 hex), by proposed `entries`
 * (canonicalised and verified like a submission, then looked up by leaf hash)
 * and by `logIndexes`, in that order, each proven against the same latest
 * checkpoint. Absent ones are left out. More than maxSearchItems items in all
 * → 422 TOO_MANY, with Rekor's message.
 */
import { prepareEntry } from '../../entry/index.js';
import { LogError } from '../../errors.js';
import type { Shard } from '../../log/index.js';
import type { RouteContext } from '../context.js';
import { logEntryText, type EntryFacts } from '../log-entry.js';
import { jsonTextReply } from '../reply.js';
import { post, type Route } from '../route.js';
import { lookupEntryId } from './entries.js';

interface SearchLogQuery {
  entryUUIDs?: string[];
  logIndexes?: number[];
  entries?: unknown[];
}

export function retrieveRoutes({ log, api, limits }: RouteContext): Route[] {
  return [
    post('/api/v1/log/entries/retrieve', 'json', async (req) => {
      // Count first: an oversized query gets Rekor's answer, not a schema error deep inside it.
      const total = countItems(req.body);
      if (total > limits.maxSearchItems) {
        throw new LogError('TOO_MANY', `more than max allowed ${limits.maxSearchItems} entries in request`, {
          details: { items: total, max: limits.maxSearchItems },
        });
      }
      const q = api.checkRequest('searchLogQuery', req).body as SearchLogQuery;
      const found: { entry: EntryFacts; shard: Shard }[] = [];
      const add = (f: { entry: EntryFacts; shard: Shard } | undefined): void => void (f !== undefined && found.push(f));
      for (const id of q.entryUUIDs ?? []) add(await lookupEntryId(log, id));
      for (const proposed of q.entries ?? []) {
        const p = prepareEntry(proposed, { maxBodyBytes: limits.maxEntryBytes, maxChainLength: limits.maxChainLength });
        add(await log.entryByLeafHash(p.leafHash));
      }
      for (const index of q.logIndexes ?? []) add(await log.entryByIndex(index));
      // Each tree's entries proven against one checkpoint of it, read once.
      const checkpoints = new Map<Shard, ReturnType<Shard['reader']['latest']>>();
      const at = (s: Shard) => checkpoints.get(s) ?? checkpoints.set(s, s.reader.latest()).get(s)!;
      const texts = await Promise.all(found.map((f) => logEntryText(f.shard, f.entry, at(f.shard))));
      return jsonTextReply(`[${texts.join(',')}]`, { 'Cache-Control': 'no-cache' });
    }),
  ];
}

function countItems(body: unknown): number {
  if (typeof body !== 'object' || body === null) return 0;
  const b = body as Record<string, unknown>;
  let n = 0;
  for (const k of ['entryUUIDs', 'logIndexes', 'entries']) {
    const v = b[k];
    if (Array.isArray(v)) n += v.length;
  }
  return n;
}
