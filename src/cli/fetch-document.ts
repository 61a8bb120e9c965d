/**
 * The shape of the commands that fetch a JSON document from a log and print
 * it (`cairn trust-root`, `cairn signing-config`): `--url URL [--out FILE]`,
 * the document fetched and checked by the command, printed indented (or
 * written to FILE). Exit statuses from exit-codes.ts: 0 printed, 1 the log
 * answered something that is not the document (LOG_RESPONSE_INVALID), 2 bad
 * usage, 3 the log could not be reached.
 */
import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { LogError, describeError } from '../errors.js';
import { EXIT, UsageError, exitStatusOf } from './exit-codes.js';

export interface DocumentCommand {
  /** The command's name, for messages: `trust-root`. */
  readonly name: string;
  /** Fetch and check the document of the log at `base` (no trailing slash). */
  readonly fetch: (base: string) => Promise<unknown>;
}

export async function fetchDocumentMain(
  cmd: DocumentCommand,
  argv: readonly string[],
  out: (text: string) => void,
  err: (text: string) => void,
): Promise<number> {
  const usage = `usage: cairn ${cmd.name} --url URL [--out FILE]`;
  try {
    const { values } = parseArgs({ args: [...argv], options: { url: { type: 'string' }, out: { type: 'string' }, help: { type: 'boolean', short: 'h' } }, strict: true });
    if (values.help === true) {
      out(`${usage}\n`);
      return EXIT.OK;
    }
    if (values.url === undefined || !/^https?:\/\//.test(values.url)) throw new UsageError(`--url URL (http or https) is required\n${usage}`);
    const text = `${JSON.stringify(await cmd.fetch(values.url.replace(/\/+$/, '')), null, 2)}\n`;
    if (values.out === undefined) out(text);
    else writeFileSync(values.out, text);
    return EXIT.OK;
  } catch (e) {
    err(`cairn ${cmd.name}: ${describeError(e)}\n`);
    return exitStatusOf(e);
  }
}

/** The body of a 200 answer to GET `url`: LOG_UNREACHABLE (network, 5xx, 429) or LOG_REJECTED (another status) otherwise. */
export async function fetchText(url: string): Promise<string> {
  let res: Response;
  try {
    res = await fetch(url, { signal: AbortSignal.timeout(10_000) });
  } catch (e) {
    throw new LogError('LOG_UNREACHABLE', `couldn't reach ${url}: ${describeError(e)}`);
  }
  const body = await res.text();
  if (res.status >= 500 || res.status === 429) throw new LogError('LOG_UNREACHABLE', `${url} answered ${res.status}`);
  if (res.status !== 200) throw new LogError('LOG_REJECTED', `${url} answered ${res.status}: ${body.slice(0, 200)}`);
  return body;
}

/** `text` parsed as JSON; LOG_RESPONSE_INVALID naming `what` otherwise. */
export function parseJsonDocument(text: string, what: string): unknown {
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new LogError('LOG_RESPONSE_INVALID', `${what} is not JSON: ${describeError(e)}`);
  }
}
