/**
 * A data dir holding the three logs of `cairn serve` (the Rekor v1 log, the
 * Rekor v2 tree, the admin audit log), each opened the way the server opens
 * it (open-log.ts, open-v2-log.ts, admin-log.ts: pinned meta, the v1 log's
 * record of its v2 tree, the keys created in the data dir) and grown through
 * its LogService directly, much faster than over HTTP: raw v1 and v2
 * entries with search keys, admin records as the server writes them.
 */
import { createHash } from 'node:crypto';
import { openAdminLog } from '../../src/cli/admin-log.js';
import { openLogFromConfig } from '../../src/cli/open-log.js';
import { openV2Log } from '../../src/cli/open-v2-log.js';
import { signerFor } from '../../src/cli/log-keys.js';
import { systemClock } from '../../src/clock.js';
import { loadConfig } from '../../src/config/index.js';
import { adminRecordSubmission, type LogService, type Submission } from '../../src/log/index.js';
import { leafHash } from '../../src/merkle/index.js';

/** Entries per log to add; 0 leaves a log at its size (a new one at 0). */
export interface LogSizes {
  readonly v1: number;
  readonly v2: number;
  readonly admin: number;
}

function entry(api: string, i: number, salt: string): Submission {
  const digest = createHash('sha256').update(`${salt} ${api} artifact ${i}`).digest('hex');
  const body = Buffer.from(JSON.stringify({ api, digest, i, pad: 'x'.repeat(200) }));
  return { kind: 'raw', body, leafHash: leafHash(body), searchKeys: [`sha256:${digest}`] };
}

/** Submit `n` submissions made by `make`, at most `window` waiting at once (one checkpoint per batch). */
async function grow(log: LogService, n: number, make: (i: number) => Submission, window = 256): Promise<void> {
  for (let from = 0; from < n; from += window) {
    const waits: Promise<unknown>[] = [];
    for (let i = from; i < Math.min(n, from + window); i++) waits.push(log.submit(make(i)));
    await Promise.all(waits);
  }
}

/**
 * Open (creating as `cairn serve` does) the three logs of `dataDir` for
 * `publicUrl`, add `sizes` entries to each, close them. Returns the sizes
 * they end at.
 */
export async function growDataDirLogs(dataDir: string, publicUrl: string, sizes: LogSizes, salt = 'data dir'): Promise<LogSizes> {
  const config = loadConfig({ overrides: { dataDir, publicUrl, batchMaxSize: 256, batchMaxAgeMs: 1, poolMaxSize: 65_536 } });
  const clock = systemClock();
  const opened = await openLogFromConfig(config, clock);
  try {
    const admin = await openAdminLog(config, opened.identity, opened.keys, clock);
    try {
      const v2 = await openV2Log(config, opened.primary.identity, opened.store, signerFor(opened.primary.keys), clock);
      if ('unavailable' in v2) throw new Error(`no Rekor v2 tree: ${v2.unavailable}`);
      try {
        await grow(opened.log, sizes.v1, (i) => entry('v1', i, salt));
        await grow(v2.log, sizes.v2, (i) => entry('v2', i, salt));
        await grow(admin.log, sizes.admin, (i) =>
          adminRecordSubmission({ event: 'completed', time: 1_700_000_000_000 + i, who: 'ops', client: '127.0.0.1', operation: `POST /api/v1/admin/tokens/reload`, status: 200, reason: null, requestId: `${salt} ${i}` }),
        );
        return { v1: opened.log.status().size, v2: v2.log.status().size, admin: admin.log.status().size };
      } finally {
        await v2.log.close();
        await v2.store.close();
      }
    } finally {
      await admin.close();
    }
  } finally {
    await opened.log.close();
    await opened.store.close();
    await opened.keys.close();
  }
}
