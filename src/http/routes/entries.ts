/**
 * Rekor v1 entry routes (rekor-v1.md §1):
 * - POST /api/v1/log/entries: admit (schema, then the entry kind's validation,
 *   signature check and canonicalisation — all CPU work, before the
 *   sequencer), submit, and answer 201 only once the entry is durably
 *   committed, with a proof against the checkpoint that first includes it.
 *   A duplicate answers 409 with the existing entry's Location.
 * - GET /api/v1/log/entries?logIndex=N and GET /api/v1/log/entries/{id}:
 *   the published entry with a proof against the latest checkpoint.
 */
import { LogError } from '../../errors.js';
import type { LogService, Shard } from '../../log/index.js';
import type { RouteContext } from '../context.js';
import { parseEntryId } from '../entry-id.js';
import { currentLogEntryText, type EntryFacts } from '../log-entry.js';
import { missingBody } from '../../api/index.js';
import { jsonTextReply, type Reply } from '../reply.js';
import { get, post, type Route } from '../route.js';
import { ENTRIES_PATH, admitAndSubmit } from '../submit.js';

export function entryRoutes({ log, api, limits, admission, timings, cluster }: RouteContext): Route[] {
  const entryLimits = { maxBodyBytes: limits.maxEntryBytes, maxChainLength: limits.maxChainLength };
  return [
    // The body's bytes go to admission, which parses and checks them against createLogEntry's schema off the event loop.
    post(ENTRIES_PATH, 'json-bytes', (req) => {
      const raw = req.raw;
      if (raw === undefined) throw missingBody();
      return admitAndSubmit(log, timings, () => admission.admit(raw, entryLimits), cluster);
    }),

    get(ENTRIES_PATH, (req) => {
      const { params } = api.checkRequest('getLogEntryByIndex', req);
      return entryByIndexReply(log, params['logIndex'] as number);
    }),

    get(`${ENTRIES_PATH}/{entryUUID}`, async (req) => {
      const { params } = api.checkRequest('getLogEntryByUUID', req);
      const found = await lookupEntryId(log, params['entryUUID'] as string);
      if (found === undefined) throw notFound(`no entry with ID ${String(params['entryUUID'])}`);
      return publishedEntryReply(found.shard, found.entry);
    }),
  ];
}

/**
 * The published entry named by a 64- or 80-hex ID, and its tree: an 80-hex
 * ID is looked up in the tree it names only (undefined for a tree the log
 * does not have), a 64-hex UUID in every tree (rekor-v1.md §3). Throws
 * BAD_REQUEST for a malformed ID.
 */
export async function lookupEntryId(log: LogService, id: string): ReturnType<LogService['entryByIndex']> {
  const parsed = parseEntryId(id);
  if (parsed.treeIdHex === undefined) return log.entryByLeafHash(parsed.leafHash);
  const shard = log.shardByTreeIdHex(parsed.treeIdHex);
  const entry = await shard?.reader.entryByLeafHash(parsed.leafHash);
  return shard === undefined || entry === undefined ? undefined : { entry, shard };
}

function notFound(message: string): LogError {
  return new LogError('NOT_FOUND', message);
}

/** 200 with the published entry at global index `index`, proven against its tree's latest checkpoint; NOT_FOUND beyond the log. */
async function entryByIndexReply(log: LogService, index: number): Promise<Reply> {
  const found = await log.entryByIndex(index);
  if (found === undefined) {
    const active = log.reader;
    throw notFound(`no entry at index ${index} (the log holds ${active.firstIndex + active.latest().size})`);
  }
  return publishedEntryReply(found.shard, found.entry);
}

/** 200 with the LogEntry of a published entry, proven against its tree's latest checkpoint (never cached: the proof changes). */
async function publishedEntryReply(shard: Shard, entry: EntryFacts): Promise<Reply> {
  return jsonTextReply(await currentLogEntryText(shard, entry), { 'Cache-Control': 'no-cache' });
}
