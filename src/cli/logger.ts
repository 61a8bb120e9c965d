/**
 * Structured logs: pino's JSON lines on stderr, one object per line with
 * pino's standard fields first: `level` (pino's numbers: 20 debug, 30 info,
 * 40 warn, 50 error), `time` (milliseconds since the epoch), `pid`,
 * `hostname`, then the call's fields, then `msg`.
 *
 * - A field named like a standard one (`level`, `time`, `msg`, `pid`,
 *   `hostname`) never overwrites it: it is written as `field_<name>`.
 * - A field `err` holding an Error is written by pino's errWithCause
 *   serializer: `type`, `message`, `stack`, its own properties (a LogError's
 *   `code` and `details`) and `cause`, serialized the same way, to any depth.
 * - By default lines are written synchronously: a line logged just before
 *   the process exits is never lost. `cairn serve`, which logs a line per
 *   request, gives an asynchronous destination instead (log-destination.ts):
 *   the access log's lines are queued and written off the event loop
 *   (bounded, flushed before a clean exit and at exit), every other line is
 *   out at once unless access-log lines are still waiting before it.
 *
 * Secrets (keys, tokens) are never passed here.
 */
import { pino, stdSerializers, type DestinationStream, type Logger as Pino } from 'pino';
import type { AsyncLogDestination } from './log-destination.js';

export type Level = 'debug' | 'info' | 'warn' | 'error' | 'silent';

export interface Logger {
  debug(msg: string, fields?: Record<string, unknown>): void;
  info(msg: string, fields?: Record<string, unknown>): void;
  warn(msg: string, fields?: Record<string, unknown>): void;
  error(msg: string, fields?: Record<string, unknown>): void;
  /** Whether a line at `level` is written at the configured level (to skip building costly fields). */
  enabled(level: Exclude<Level, 'silent'>): boolean;
  /** Resolves once every line logged so far is written; absent for a synchronous destination. */
  flush?(): Promise<void>;
  /** The logger for lines written per request (the access log), queued off the event loop; absent: this logger. */
  readonly perRequest?: Logger;
}

/** Fields pino writes itself, which a call's fields must not shadow. */
const STANDARD = new Set(['level', 'time', 'msg', 'pid', 'hostname']);

/**
 * A logger writing at `level` and above to `destination` (default: stderr,
 * synchronously). With an asynchronous destination (log-destination.ts) its
 * lines take the destination's `urgent` way and `perRequest` its queued way;
 * `flush` awaits the destination's.
 */
export function jsonLogger(level: Level, destination?: DestinationStream | AsyncLogDestination): Logger {
  if (destination !== undefined && 'urgent' in destination) {
    return { ...pinoLogger(level, destination.urgent), perRequest: pinoLogger(level, destination), flush: () => destination.flush() };
  }
  return pinoLogger(level, destination ?? pino.destination({ dest: 2, sync: true }));
}

function pinoLogger(level: Level, destination: DestinationStream): Logger {
  const p: Pino = pino(
    {
      level,
      serializers: { err: stdSerializers.errWithCause },
      formatters: { log: renameStandard },
    },
    destination,
  );
  const at =
    (lvl: Exclude<Level, 'silent'>) =>
    (msg: string, fields?: Record<string, unknown>): void => {
      if (fields === undefined) p[lvl](msg);
      else p[lvl](fields, msg);
    };
  return { debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error'), enabled: (lvl) => p.isLevelEnabled(lvl) };
}

/** The call's fields with each standard name `k` written as `field_k`. */
function renameStandard(fields: Record<string, unknown>): Record<string, unknown> {
  let out: Record<string, unknown> | undefined;
  for (const k of Object.keys(fields)) {
    if (!STANDARD.has(k)) continue;
    out ??= { ...fields };
    out[`field_${k}`] = out[k];
    delete out[k];
  }
  return out ?? fields;
}
