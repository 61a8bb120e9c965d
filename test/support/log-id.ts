/** The logID of a log's public key (hex SHA-256 of its DER SPKI), as the client library computes it. */
import type { KeyObject } from 'node:crypto';
import { LogKey } from '../../src/client/index.js';

export function logIdOfKey(key: KeyObject): string {
  return LogKey.fromSpki(new Uint8Array(key.export({ type: 'spki', format: 'der' }))).logId;
}
