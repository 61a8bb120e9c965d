/**
 * `cairn serve`'s integrity audit (src/log/integrity-audit.ts), wired: it
 * reads the opened store, runs at `--audit-rate` entries per second (0: off),
 * and on a mismatch turns the log read-only (GET /readyz then says why)
 * and logs where, with the hashes expected and found.
 */
import type { Config } from '../config/index.js';
import { IntegrityAudit } from '../log/index.js';
import type { Logger } from './logger.js';
import type { OpenedLog } from './open-log.js';

export function startIntegrityAudit(config: Config, opened: OpenedLog, logger: Logger): IntegrityAudit {
  const database = opened.where;
  const audit = new IntegrityAudit({
    store: opened.store,
    latest: () => opened.log.reader.latest(),
    tree: () => ({ id: opened.log.identity.treeId, firstIndex: opened.log.reader.firstIndex, store: opened.log.activeStore }),
    ratePerSecond: config.auditRate,
    now: () => Date.now(),
    onMismatch: (reason, mismatch) => {
      const remedy = opened.postgres === undefined ? `restore ${database} from a backup (cairn restore) or check it (cairn check)` : `restore ${database} from a backup`;
      opened.log.stopWriting(`${reason}; ${remedy}`);
      logger.error('integrity audit: stored data does not match what the log committed to; the log is read-only', { ...mismatch, database });
    },
    onPass: (s) => logger.info('integrity audit: pass complete', { treeSize: s.target, passes: s.passes, entriesChecked: s.entriesChecked }),
  });
  if (config.auditRate > 0) logger.info('integrity audit: on', { entriesPerSecond: config.auditRate });
  audit.start();
  return audit;
}
