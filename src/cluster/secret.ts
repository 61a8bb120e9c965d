/**
 * The cluster secret: 32 random bytes kept in the database's meta table,
 * made once by whichever node needs it first, so every node of the log has
 * it and no setting has to be copied between them. Nodes authenticate the
 * entries they forward to each other with it (HMAC-SHA256 of the request
 * body, src/http/cluster.ts): the secret itself never crosses the network,
 * so a peer's request seen on the wire can at most be replayed (the log then
 * answers 409: it holds the entry already), never altered.
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { LogError } from '../errors.js';
import { metaOnce, type AsyncLogStore } from '../storage/index.js';

/** The meta key holding the secret (hex). */
export const CLUSTER_SECRET_META = 'clusterSecret';

/**
 * The log's cluster secret, made and stored now if the database has none.
 * Several nodes starting at once agree on one: the first stored wins
 * (setMeta refuses a second value) and the others read it.
 */
export async function clusterSecret(store: Pick<AsyncLogStore, 'getMeta' | 'setMeta'>, random: (n: number) => Uint8Array = randomBytes): Promise<Buffer> {
  return parse(await metaOnce(store, CLUSTER_SECRET_META, () => Buffer.from(random(32)).toString('hex')));
}

/** Hex HMAC-SHA256 of `body` under `secret`. */
export function clusterMac(secret: Uint8Array, body: Uint8Array): string {
  return createHmac('sha256', secret).update(body).digest('hex');
}

/** Whether `mac` is `body`'s HMAC under `secret` (constant time in the MAC's value). */
export function checkClusterMac(secret: Uint8Array, body: Uint8Array, mac: string | undefined): boolean {
  if (mac === undefined || !/^[0-9a-f]{64}$/.test(mac)) return false;
  return timingSafeEqual(Buffer.from(clusterMac(secret, body), 'hex'), Buffer.from(mac, 'hex'));
}

function parse(hex: string): Buffer {
  if (!/^[0-9a-f]{64}$/.test(hex)) throw new LogError('CORRUPT', `the database's ${CLUSTER_SECRET_META} is not 32 bytes of hex`);
  return Buffer.from(hex, 'hex');
}
