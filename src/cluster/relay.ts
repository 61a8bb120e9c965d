/**
 * The relaying side of admin operations run by the sequencing node
 * (src/http/admin-relay.ts for the wire format and the receiving side): a
 * follower whose gate allowed such an operation sends it, stamped and
 * authenticated by the cluster secret, to the node its lease view names,
 * and answers with that node's answer.
 *
 * An admin operation is not idempotent (a second rotation is another
 * rotation), so it is sent again only when it certainly did not run: the
 * connection failed before the request was written, or the node refused
 * it before running anything with 503 NOT_SEQUENCER (it lost the lease, or
 * sequences under another epoch than the one stamped); then the lease is
 * read again and it goes, with a new nonce, to the node the lease names
 * now, at most {@link MAX_ATTEMPTS} times in all. Once a request may have
 * arrived and no answer came, it is never sent again: the client is told
 * it may have run.
 */
import { randomBytes } from 'node:crypto';
import { LogError, describeError } from '../errors.js';
import { ADMIN_RELAY_PATH, decodeForwardedReplies, encodeAdminRelay, type RelayedAdmin, type Reply } from '../http/index.js';
import type { ClusterCoordinator } from './coordinator.js';
import type { Forwarder } from './forward.js';

/** Sends of one operation, the first included. */
const MAX_ATTEMPTS = 3;

/** The answer of the sequencing node to `request` (ClusterHooks.relayAdmin's contract). */
export async function relayAdmin(coordinator: ClusterCoordinator, forwarder: Forwarder, request: RelayedAdmin, now: () => number = Date.now): Promise<Reply> {
  let why = 'no node sequences now';
  let tried: string | undefined;
  for (let attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
    if (attempt > 1) await coordinator.recheck();
    const url = coordinator.leaderUrl();
    const view = coordinator.status();
    if (url === undefined) {
      if (coordinator.sequencing) throw notRun(view.nodeUrl, 'this node took the sequencer lease meanwhile; retry');
      why = 'no node holds the sequencer lease now (a takeover is in progress)';
      continue;
    }
    tried = url;
    const body = encodeAdminRelay(request, { node: view.nodeId, epoch: view.epoch, nonce: randomBytes(16).toString('hex'), time: now() });
    let answer: { status: number; headers: Record<string, string>; text: string };
    try {
      answer = await forwarder.post(url, ADMIN_RELAY_PATH, body);
    } catch (err) {
      const cause = err instanceof LogError && err.cause !== undefined ? describeError(err.cause) : describeError(err);
      if (!(err instanceof LogError) || err.details?.['sent'] !== false) {
        throw new LogError('UPSTREAM_FAILED', `the admin operation was relayed to the sequencing node ${url}, but no answer came (${cause}): it may have run; check the admin log (GET /api/v1/admin-log) before asking again`, {
          cause: err,
          details: { sequencer: url, ran: 'unknown' },
        });
      }
      why = `the sequencing node ${url} could not be reached (${cause})`;
      continue;
    }
    if (answer.status === 200) {
      const reply = decodeForwardedReplies(answer.text, 1)?.[0];
      if (reply === undefined) {
        throw new LogError('UPSTREAM_FAILED', `the sequencing node ${url} answered the relayed admin operation with something else than its reply: it may have run; check the admin log (GET /api/v1/admin-log) before asking again`, {
          details: { sequencer: url, ran: 'unknown' },
        });
      }
      return reply;
    }
    const refusal = errorOf(answer.text);
    if (answer.status === 503 && refusal.code === 'NOT_SEQUENCER') {
      why = `the node at ${url} no longer sequences (${refusal.message})`;
      continue;
    }
    throw new LogError('UPSTREAM_FAILED', `the sequencing node ${url} refused the relayed admin operation (${answer.status}${refusal.message === '' ? '' : `: ${refusal.message}`}); it did not run`, {
      details: { sequencer: url, ran: false, status: answer.status },
    });
  }
  throw notRun(tried, `${why}; retry`);
}

function notRun(sequencer: string | undefined, message: string): LogError {
  return new LogError('NOT_SEQUENCER', `couldn't relay the admin operation to the sequencing node, so it did not run: ${message}`, {
    details: { ran: false, ...(sequencer === undefined ? {} : { sequencer }) },
  });
}

/** The code and message of one of our JSON error bodies (src/http/errors.ts), as far as there are any. */
function errorOf(text: string): { code: string | undefined; message: string } {
  try {
    const v = JSON.parse(text) as { error?: unknown; message?: unknown };
    return { code: typeof v.error === 'string' ? v.error : undefined, message: typeof v.message === 'string' ? v.message.slice(0, 512) : '' };
  } catch {
    return { code: undefined, message: '' };
  }
}
