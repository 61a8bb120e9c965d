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
import type { LogService } from '../../log/index.js';
import type { RouteContext } from '../context.js';
import { parseEntryId } from '../entry-id.js';
import { currentLogEntryText, type EntryFacts } from '../log-entry.js';
import { missingBody } from '../../api/index.js';
import { jsonTextReply, type Reply } from '../reply.js';
import { get, post, type Route } from '../route.js';
import { ENTRIES_PATH, admitAndSubmit } from '../submit.js';

export function entryRoutes({ log, api, limits, admission, timings }: RouteContext): Route[] {
  const entryLimits = { maxBodyBytes: limits.maxEntryBytes, maxChainLength: limits.maxChainLength };
  return [
    // The body's bytes go to admission, which parses and checks them against createLogEntry's schema off the event loop.
    post(ENTRIES_PATH, 'json-bytes', (req) => {
      const raw = req.raw;
      if (raw === undefined) throw missingBody();
      return admitAndSubmit(log, timings, () => admission.admit(raw, entryLimits));
    }),

    get(ENTRIES_PATH, (req) => {
      const { params } = api.checkRequest('getLogEntryByIndex', req);
      return entryByIndexReply(log, params['logIndex'] as number);
    }),

    get(`${ENTRIES_PATH}/{entryUUID}`, (req) => {
      const { params } = api.checkRequest('getLogEntryByUUID', req);
      const entry = lookupEntryId(log, params['entryUUID'] as string);
      if (entry === undefined) throw notFound(`no entry with ID ${String(params['entryUUID'])}`);
      return publishedEntryReply(log, entry);
    }),
  ];
}

/**
 * The published entry named by a 64- or 80-hex ID; undefined when absent or
 * when an 80-hex ID names another tree. Throws BAD_REQUEST for a malformed ID.
 */
export function lookupEntryId(log: LogService, id: string): ReturnType<LogService['reader']['entryByLeafHash']> {
  const parsed = parseEntryId(id);
  if (parsed.treeIdHex !== undefined && parsed.treeIdHex !== log.identity.treeIdHex) return undefined;
  return log.reader.entryByLeafHash(parsed.leafHash);
}

function notFound(message: string): LogError {
  return new LogError('NOT_FOUND', message);
}

/** 200 with the published entry at `index` proven against the latest checkpoint; NOT_FOUND beyond the log. */
function entryByIndexReply(log: LogService, index: number): Reply {
  const entry = log.reader.entryByIndex(index);
  if (entry === undefined) throw notFound(`no entry at index ${index} (the log holds ${log.reader.latest().size})`);
  return publishedEntryReply(log, entry);
}

/** 200 with the LogEntry of a published entry, proven against the latest checkpoint (never cached: the proof changes). */
function publishedEntryReply(log: LogService, entry: EntryFacts): Reply {
  return jsonTextReply(currentLogEntryText(log, entry), { 'Cache-Control': 'no-cache' });
}
