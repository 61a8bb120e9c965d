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
import { Router, type Response } from 'express';
import { LogError, isLogError } from '../../errors.js';
import type { LogService, Sequenced } from '../../log/index.js';
import type { RouteContext } from '../context.js';
import { entryId, parseEntryId } from '../entry-id.js';
import { sendError } from '../errors.js';
import { currentLogEntryText, logEntryText } from '../log-entry.js';

const ENTRIES_PATH = '/api/v1/log/entries';

export function entryRoutes({ log, api, limits, admission }: RouteContext): Router {
  const r = Router();

  r.post(ENTRIES_PATH, async (req, res) => {
    const { body } = api.checkRequest('createLogEntry', req);
    const prepared = await admission.prepare(body, { maxBodyBytes: limits.maxEntryBytes, maxChainLength: limits.maxChainLength });
    const id = entryId(log.identity.treeIdHex, prepared.leafHash);
    let seq: Sequenced;
    try {
      seq = await log.submit({
        kind: prepared.kind,
        body: prepared.body,
        leafHash: prepared.leafHash,
        searchKeys: prepared.searchKeys,
      });
    } catch (err) {
      if (isLogError(err, 'DUPLICATE')) {
        sendDuplicate(res, id, err.details?.['existingIndex']);
        return;
      }
      throw err;
    }
    const entry = { index: seq.index, leafHash: prepared.leafHash, body: prepared.body, integratedTime: seq.integratedTime, set: seq.set };
    res
      .status(201)
      .set('ETag', id)
      .set('Location', `${ENTRIES_PATH}/${id}`)
      .type('application/json')
      .send(logEntryText(log, entry, seq.checkpoint));
  });

  r.get(ENTRIES_PATH, (req, res) => {
    const { params } = api.checkRequest('getLogEntryByIndex', req);
    const index = params['logIndex'] as number;
    const entry = log.reader.entryByIndex(index);
    if (entry === undefined) throw notFound(`no entry at index ${index} (the log holds ${log.reader.latest().size})`);
    res.set('Cache-Control', 'no-cache').type('application/json').send(currentLogEntryText(log, entry));
  });

  r.get(`${ENTRIES_PATH}/:entryUUID`, (req, res) => {
    const { params } = api.checkRequest('getLogEntryByUUID', req);
    const entry = lookupEntryId(log, params['entryUUID'] as string);
    if (entry === undefined) throw notFound(`no entry with ID ${String(params['entryUUID'])}`);
    res.set('Cache-Control', 'no-cache').type('application/json').send(currentLogEntryText(log, entry));
  });

  return r;
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

/** Rekor's 409: message naming the existing entry, Location pointing at it (clients fetch it from there). */
function sendDuplicate(res: Response, id: string, existingIndex: unknown): void {
  res.set('Location', `${ENTRIES_PATH}/${id}`);
  sendError(
    res,
    new LogError('DUPLICATE', `an equivalent entry already exists in the transparency log with UUID ${id}`, {
      details: { entryID: id, ...(typeof existingIndex === 'number' ? { existingIndex } : {}) },
    }),
  );
}
