/**
 * Load for the crash harness: `concurrency` clients each POST signed entries
 * back to back over keep-alive connections until told to stop or until the
 * server goes away. Every answer is classified; requests that got no answer
 * (the server died with them in flight) are handed back as `unanswered`.
 */
import type { Agent } from 'node:http';
import type { SignedEntry, SignedEntryFactory } from '../signed-entries.js';
import { httpRequest } from '../http-client.js';
import type { Ledger } from './ledger.js';

export interface LoadOptions {
  readonly url: string;
  readonly agent: Agent;
  readonly concurrency: number;
  readonly factory: SignedEntryFactory;
  readonly ledger: Ledger;
  readonly epoch: number;
  /** Entries to send first (e.g. unanswered ones of the previous lifetime). */
  readonly resend?: SignedEntry[];
  /** Polled between requests: true stops the clients. */
  readonly stopped: () => boolean;
  /** Called after every 201. */
  readonly onCreated?: () => void;
}

export interface LoadResult {
  created: number;
  /** 409: already in the log. */
  duplicates: number;
  /** 503 (pool full, store failed…): retried. */
  retried: number;
  /** Other statuses: a bug under load. */
  unexpected: string[];
  /** Sent, but the server died before answering (or refused the connection). */
  unanswered: SignedEntry[];
}

/** Run the clients; resolves once every client has stopped. */
export async function runLoad(o: LoadOptions): Promise<LoadResult> {
  const result: LoadResult = { created: 0, duplicates: 0, retried: 0, unexpected: [], unanswered: [] };
  const queue = [...(o.resend ?? [])];
  let dead = false;
  const client = async (): Promise<void> => {
    while (!dead && !o.stopped()) {
      const entry = queue.shift() ?? o.factory.next();
      let status: number;
      let body: Buffer;
      try {
        ({ status, body } = await httpRequest(o.url, 'POST', '/api/v1/log/entries', { agent: o.agent, body: entry.json }));
      } catch {
        dead = true;
        result.unanswered.push(entry);
        return;
      }
      if (status === 201) {
        result.created++;
        o.ledger.recordCreated(JSON.parse(body.toString('utf8')), o.epoch);
        o.onCreated?.();
      } else if (status === 409) {
        result.duplicates++;
      } else if (status === 503) {
        result.retried++;
        queue.push(entry);
        await new Promise((r) => setTimeout(r, 20));
      } else {
        result.unexpected.push(`${status} ${body.toString('utf8').slice(0, 200)}`);
      }
    }
  };
  await Promise.all(Array.from({ length: o.concurrency }, client));
  // Whatever is still queued was never answered either.
  result.unanswered.push(...queue);
  return result;
}

/** Poll GET /checkpoint every `everyMs` into the ledger until stopped or the server goes away. */
export async function pollCheckpoints(url: string, agent: Agent, ledger: Ledger, epoch: number, stopped: () => boolean, everyMs = 25): Promise<number> {
  let polls = 0;
  while (!stopped()) {
    try {
      const r = await httpRequest(url, 'GET', '/checkpoint', { agent });
      if (r.status === 200) ledger.recordCheckpoint(r.body.toString('utf8'), epoch);
      polls++;
    } catch {
      return polls;
    }
    await new Promise((r) => setTimeout(r, everyMs));
  }
  return polls;
}
