/**
 * Long-running commands (serve, witness) stop cleanly on SIGTERM/SIGINT:
 * drain, close, exit 0 (1 if stopping fails). The process exits within
 * `graceMs` of the signal whatever happens: if stopping is still under way
 * then, it exits 1. Cutting a commit short is safe: nothing is answered
 * before it is durable, and a restart recovers as after a crash.
 *
 * `running` may still be starting (a promise): the handlers are installed at
 * once, so a signal that arrives as the server announces itself is never
 * met by Node's default action (death without cleanup); it stops the server
 * as soon as start-up completes, within the same grace period.
 *
 * SIGHUP reloads what can be reloaded while serving (the tokens file): a
 * refused file is logged and the old tokens stay in force. Without a handler
 * SIGHUP would kill the process, so serve always installs one.
 */
import type { Logger } from './logger.js';

interface Stoppable {
  stop(): Promise<void>;
}

export function stopOnSignals(running: Stoppable | Promise<Stoppable>, logger: Logger, graceMs = 10_000): void {
  const shutdown = (sig: string): void => {
    logger.info('shutting down', { signal: sig, graceMs });
    const t0 = performance.now();
    setTimeout(() => {
      logger.error('shutdown did not finish within the grace period; exiting', { graceMs });
      process.exit(1);
    }, graceMs).unref();
    // The log's last lines are written before the exit (an asynchronous destination is flushed; within the grace period).
    const exit = (code: number): void => void (logger.flush?.() ?? Promise.resolve()).then(() => process.exit(code));
    Promise.resolve(running).then((r) => r.stop()).then(
      () => {
        logger.info('stopped', { ms: Math.round(performance.now() - t0) });
        exit(0);
      },
      (err: unknown) => {
        logger.error('shutdown failed', { err });
        exit(1);
      },
    );
  };
  process.once('SIGTERM', () => shutdown('SIGTERM'));
  process.once('SIGINT', () => shutdown('SIGINT'));
}

interface Reloadable {
  /** Reloads what SIGHUP reloads, logging and recording the outcome; never rejects for a refused file. */
  hangup(): Promise<void>;
}

/** On SIGHUP: reload the tokens file (logged and recorded in the admin log either way; a refused file keeps the tokens in force). */
export function reloadOnHangup(running: Reloadable | Promise<Reloadable>, logger: Logger): void {
  process.on('SIGHUP', () => {
    Promise.resolve(running).then(
      (r) => r.hangup().catch((err: unknown) => logger.error('SIGHUP: reload failed', { err })),
      () => undefined, // start-up failed: main reports it
    );
  });
}
