/**
 * Reading a child process's output line by line: its log lines are JSON
 * (src/cli/logger.ts) on stderr, and tests and benchmarks wait for one of
 * them ("serving", "policy reloaded", …).
 */
import type { Readable } from 'node:stream';

export interface LineReader {
  /** Stops listening; no more lines are handed over, even from the chunk being split. */
  stop(): void;
  /** What arrived after the last newline (for error messages). */
  rest(): string;
}

/** Calls `onLine` with each complete line of `stream`, in order, until stopped. */
export function eachLine(stream: Readable | null | undefined, onLine: (line: string) => void): LineReader {
  let buf = '';
  let stopped = false;
  const onData = (b: Buffer): void => {
    buf += b.toString('utf8');
    let nl: number;
    while (!stopped && (nl = buf.indexOf('\n')) >= 0) {
      const line = buf.slice(0, nl);
      buf = buf.slice(nl + 1);
      onLine(line);
    }
  };
  stream?.on('data', onData);
  return {
    stop() {
      stopped = true;
      stream?.off('data', onData);
    },
    rest: () => buf,
  };
}

/** A JSON log line as a record; undefined for any other line. */
export function logRecord(line: string): Record<string, unknown> | undefined {
  try {
    const rec: unknown = JSON.parse(line);
    return typeof rec === 'object' && rec !== null && !Array.isArray(rec) ? (rec as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}
