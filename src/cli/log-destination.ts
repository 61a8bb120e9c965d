/**
 * An asynchronous destination for log lines (logger.ts), for a server that
 * writes a line per request: those lines are queued in memory and written to
 * a file descriptor (stderr) off the event loop, in one `write` per turn of
 * the event loop at most, so a request costs no system call and a slow or
 * absent reader of stderr never blocks the server.
 *
 * - Two ways in, one order: `write` queues a line (the access log's);
 *   `urgent.write` (every other line: start-up, shutdown, errors) is written
 *   at once, synchronously, when nothing is queued or being written, so it is
 *   out before anything that follows it; otherwise it takes its place in the
 *   queue and the queue is written without waiting for the end of the turn.
 *   Lines come out in the order they were logged.
 * - Bounded: at most `maxQueuedChars` characters wait in memory; a line that
 *   would pass the bound is dropped and counted, and the next write says how
 *   many were dropped in a `warn` line (with pino's standard fields) after
 *   the lines it carries.
 * - Queued lines go through libuv's thread pool (`fs.write`), one write at a
 *   time. A reader that stops reading a pipe blocks that one write (one pool
 *   thread), never the event loop; lines then queue up to the bound.
 * - `flush()` resolves once everything logged before it is written (or the
 *   descriptor failed): the server awaits it before a clean exit (signals.ts).
 * - On process exit (`exit` event: process.exit, an uncaught exception, the
 *   end of the event loop) what is still queued is written synchronously; a
 *   write then in flight in the thread pool was already handed to the kernel
 *   or is lost with the process. A SIGKILL loses what is queued and not yet
 *   written: the lines of the last turn or so of the event loop (one write's
 *   worth, usually well under a millisecond of requests).
 * - A descriptor that fails (EPIPE: nobody will ever read) stops the writing;
 *   later lines are dropped without a word (there is nowhere to say it).
 */
import { hostname } from 'node:os';
import { write, writeSync } from 'node:fs';

export interface AsyncLogDestination {
  /** Queue one or more complete lines (pino calls this once per line). */
  write(lines: string): void;
  /** The way in for lines that should be out at once: written now when nothing waits, else queued in order. */
  readonly urgent: { write(lines: string): void };
  /** Resolves when every line queued before the call is written, or the descriptor has failed. */
  flush(): Promise<void>;
  /** Write what is queued now, synchronously (for process exit). */
  flushSync(): void;
  /** Lines dropped so far because the queue was full. */
  readonly dropped: number;
}

/** Default bound of the queue: 8 Mi characters (tens of thousands of access-log lines). */
export const DEFAULT_MAX_QUEUED_CHARS = 8 * 2 ** 20;

/** How long to wait before retrying a write the descriptor refused with EAGAIN (a non-blocking pipe that is full). */
const RETRY_MS = 20;

export function asyncLogDestination(fd = 2, maxQueuedChars = DEFAULT_MAX_QUEUED_CHARS): AsyncLogDestination {
  let queue: string[] = [];
  let queued = 0;
  /** Bytes handed to fs.write and not yet confirmed written. */
  let writing: Buffer | undefined;
  let scheduled = false;
  let failed = false;
  let dropped = 0;
  /** Dropped lines not yet reported. */
  let unreported = 0;
  let waiters: Array<() => void> = [];

  const idle = (): boolean => writing === undefined && queue.length === 0;
  const settle = (): void => {
    if (!idle() && !failed) return;
    const w = waiters;
    waiters = [];
    for (const resolve of w) resolve();
  };
  const take = (): Buffer | undefined => {
    // The queue is about to empty: the lines dropped so far are reported after the ones it holds.
    if (unreported > 0) {
      queue.push(droppedLine(unreported));
      unreported = 0;
    }
    if (queue.length === 0) return undefined;
    const chunk = Buffer.from(queue.length === 1 ? queue[0]! : queue.join(''), 'utf8');
    queue = [];
    queued = 0;
    return chunk;
  };
  const writeNext = (): void => {
    scheduled = false;
    if (writing !== undefined || failed) return;
    writing = take();
    if (writing === undefined) return settle();
    send(writing);
  };
  const send = (chunk: Buffer): void => {
    write(fd, chunk, 0, chunk.length, null, (err, n) => {
      if (err !== null) {
        if (err.code === 'EAGAIN') {
          setTimeout(() => send(chunk), RETRY_MS).unref();
          return;
        }
        fail();
        return;
      }
      if (n < chunk.length) {
        writing = chunk.subarray(n);
        send(writing);
        return;
      }
      writing = undefined;
      writeNext();
    });
  };
  const fail = (): void => {
    failed = true;
    writing = undefined;
    queue = [];
    queued = 0;
    settle();
  };

  const onExit = (): void => dest.flushSync();
  process.once('exit', onExit);

  const dest: AsyncLogDestination = {
    write(lines) {
      if (failed) return;
      if (queued + lines.length > maxQueuedChars) {
        dropped++;
        unreported++;
        return;
      }
      queue.push(lines);
      queued += lines.length;
      if (!scheduled && writing === undefined) {
        scheduled = true;
        setImmediate(writeNext);
      }
    },
    urgent: {
      write(lines) {
        if (failed) return;
        if (!idle()) {
          queue.push(lines); // in order, and beyond the bound if need be: these lines are few
          queued += lines.length;
          if (writing === undefined) writeNext();
          return;
        }
        queue.push(lines);
        dest.flushSync();
      },
    },
    flush() {
      if (idle() || failed) return Promise.resolve();
      return new Promise((resolve) => {
        waiters.push(resolve);
        if (scheduled || writing !== undefined) return;
        writeNext();
      });
    },
    flushSync() {
      if (failed) return;
      const chunk = take();
      if (chunk === undefined) return;
      let off = 0;
      for (let tries = 0; off < chunk.length && tries < 1000; tries++) {
        try {
          off += writeSync(fd, chunk, off, chunk.length - off);
        } catch (err) {
          if ((err as NodeJS.ErrnoException).code !== 'EAGAIN') return;
          Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 1);
        }
      }
    },
    get dropped() {
      return dropped;
    },
  };
  return dest;
}

/** The line that reports `n` dropped lines, with pino's standard fields (level 40: warn). */
function droppedLine(n: number): string {
  return `${JSON.stringify({ level: 40, time: Date.now(), pid: process.pid, hostname: hostname(), dropped: n, msg: 'log lines dropped: the log queue was full (stderr not read fast enough)' })}\n`;
}
