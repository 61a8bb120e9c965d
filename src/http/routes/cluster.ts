/**
 * The internal route of a node among several on one database (cluster.ts):
 * POST /internal/v1/cluster/entries takes a batch of entries other nodes
 * admitted and sequences them here, answering each exactly as this node
 * answers its own clients (201 with the LogEntry, 409 for a duplicate…). Only
 * peers may call it: a request whose X-Cairn-Cluster-Mac does not
 * authenticate its body under the cluster secret is refused with 401 before
 * anything is read into the log, a malformed one with 400. A node that does
 * not sequence (deposed meanwhile, still taking over) answers each entry 503
 * NOT_SEQUENCER, which the forwarding node passes on (retryable). An entry
 * of the Rekor v2 tree is answered as POST /api/v2/log/entries answers
 * (rekor-v2.ts); a node without that tree answers it 404. A record of the
 * admin audit log (a follower's record of an admin request it served or
 * refused) is appended to this node's and answered 201 `{"index"}` once
 * durable.
 *
 * The entries of a batch are submitted at once, so they pool together and
 * are committed in the same batches, as many clients' entries are.
 * Served only when the node is one of several.
 */
import { LogError, isLogError } from '../../errors.js';
import { STATUS, errorReply, rekorV2ErrorReply, toLogError } from '../errors.js';
import { submitRekorV2 } from '../rekor-v2.js';
import type { LogService } from '../../log/index.js';
import { CLUSTER_ENTRIES_PATH, CLUSTER_MAC_HEADER, MAX_FORWARDED_BODY_BYTES, decodeForwardedBatch, encodeForwardedReplies, type ClusterHooks, type ForwardedEntry } from '../cluster.js';
import { jsonReply, jsonTextReply, type Reply } from '../reply.js';
import { post, type Route } from '../route.js';
import { submitPrepared } from '../submit.js';

/**
 * The route, given `cluster`; `logError` is told of an entry's 5xx cause, as
 * the dispatcher is told of a request's.
 */
export function clusterRoutes(log: LogService, cluster: ClusterHooks | undefined, logV2?: LogService, logError?: (msg: string, err: unknown) => void, adminLog?: LogService): Route[] {
  if (cluster === undefined) return [];
  /** The answer to one entry: what the route answered it alone, a thrown error as its error reply. */
  const answer = async (e: ForwardedEntry): Promise<Reply> => {
    try {
      return await (e.api === 'v2' ? sequenceV2(e) : e.api === 'admin' ? sequenceAdmin(e) : sequenceV1(e));
    } catch (err) {
      const le = toLogError(err);
      if (STATUS[le.code] >= 500) logError?.(`POST ${CLUSTER_ENTRIES_PATH}: a forwarded entry failed with ${le.code}`, le.cause ?? le);
      return errorReply(le);
    }
  };
  const sequenceV1 = (e: ForwardedEntry): Promise<Reply> => {
    refuseUnlessSequencing(cluster);
    return submitPrepared(log, e.prepared);
  };
  const sequenceAdmin = async (e: ForwardedEntry): Promise<Reply> => {
    if (adminLog === undefined) throw new LogError('NOT_FOUND', 'this node keeps no admin log');
    refuseUnlessSequencing(cluster);
    const seq = await adminLog.submit(e.prepared);
    return jsonReply({ index: seq.index }, {}, 201);
  };
  const sequenceV2 = async (e: ForwardedEntry): Promise<Reply> => {
    if (logV2 === undefined) throw new LogError('NOT_FOUND', 'this node does not serve the Rekor v2 tree');
    try {
      refuseUnlessSequencing(cluster);
      return await submitRekorV2(logV2, e.prepared);
    } catch (err) {
      const reply = rekorV2ErrorReply(toLogError(err));
      if (reply.status >= 500 && reply.status !== 503 && !isLogError(err, 'NOT_SEQUENCER')) throw err;
      return reply;
    }
  };
  return [
    post(
      CLUSTER_ENTRIES_PATH,
      'bytes',
      async (req) => {
        const raw = req.raw ?? new Uint8Array(0);
        const mac = req.headers[CLUSTER_MAC_HEADER];
        if (!cluster.authenticates(raw, typeof mac === 'string' ? mac : undefined)) {
          throw new LogError('UNAUTHENTICATED', `${CLUSTER_ENTRIES_PATH} takes entries from the log's own nodes only`);
        }
        const entries = decodeForwardedBatch(raw);
        return jsonTextReply(encodeForwardedReplies(await Promise.all(entries.map(answer))));
      },
      MAX_FORWARDED_BODY_BYTES,
    ),
  ];
}

function refuseUnlessSequencing(cluster: ClusterHooks): void {
  if (cluster.sequencing()) return;
  const s = cluster.status();
  throw new LogError('NOT_SEQUENCER', `node ${s.nodeId} does not sequence now (${s.role}); retry`, { details: { role: s.role } });
}
