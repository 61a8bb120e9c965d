/**
 * Grow a log through the core append path (in process, no HTTP, no signature
 * checks, no SETs), in windows so memory stays flat. Bodies are unique,
 * about 120 bytes, like a small canonical entry.
 */
import { randomBytes } from 'node:crypto';
import type { LogService, Submission } from '../../src/log/index.js';
import { leafHash } from '../../src/merkle/index.js';

const salt = randomBytes(8).toString('hex');

export function rawSubmission(i: number): Submission {
  const body = Buffer.from(`{"apiVersion":"0.0.1","kind":"bench","spec":{"i":${i},"salt":"${salt}","pad":"${'x'.repeat(60)}"}}`);
  return { kind: 'raw', body, leafHash: leafHash(body), searchKeys: [] };
}

/** Append entries until the log holds `target` entries; `onProgress` sees each window's end size. */
export async function growTo(log: LogService, target: number, windowSize = 16_384, onProgress?: (size: number) => void): Promise<void> {
  let size = log.reader.latest().size;
  while (size < target) {
    const end = Math.min(target, size + windowSize);
    const waits: Promise<unknown>[] = [];
    for (let i = size; i < end; i++) waits.push(log.submit(rawSubmission(i)));
    await Promise.all(waits);
    size = end;
    onProgress?.(size);
  }
}
