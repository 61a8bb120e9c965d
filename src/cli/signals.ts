/** Long-running commands (serve, witness) stop cleanly on SIGTERM/SIGINT: drain, close, exit 0 (1 if stopping fails). */
import type { Logger } from './logger.js';

export function stopOnSignals(running: { stop(): Promise<void> }, logger: Logger): void {
  const shutdown = (sig: string): void => {
    logger.info('shutting down', { signal: sig });
    running.stop().then(
      () => process.exit(0),
      (err: unknown) => {
        logger.error('shutdown failed', { err });
        process.exit(1);
      },
    );
  };
  process.once('SIGTERM', () => shutdown('SIGTERM'));
  process.once('SIGINT', () => shutdown('SIGINT'));
}
