/**
 * The checkpoint notifications of PostgresStore.appendBatch on a real
 * PostgreSQL server (src/storage/postgres/notify.ts): a committed batch is
 * announced once, with its size, on the channel of its log's schema only;
 * a batch that rolls back after its compare-and-swap (a duplicate entry),
 * or that loses the compare-and-swap, announces nothing; a freeze is
 * announced as a batch is. Channel names fit
 * the server's 63 bytes and differ for every schema.
 */
import assert from 'node:assert/strict';
import pg from 'pg';
import { checkpointChannel, openPostgresStore, type PostgresStore } from '../../src/storage/index.js';
import { usePostgres } from '../support/postgres.js';
import { batch, entry } from './fixtures.js';
import { assertRejected } from './store.contract.js';

/** A session LISTENing on `channels`, keeping what it hears. */
async function listen(url: string, channels: readonly string[]): Promise<{ heard: Array<{ channel: string; payload: string | undefined }>; end(): Promise<void> }> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  const heard: Array<{ channel: string; payload: string | undefined }> = [];
  client.on('notification', (n) => heard.push({ channel: n.channel, payload: n.payload }));
  for (const c of channels) await client.query(`LISTEN ${client.escapeIdentifier(c)}`);
  return { heard, end: () => client.end() };
}

/** Let anything the server sent arrive: a round trip on `url` after the commits (notifications go out at each commit). */
async function settle(url: string): Promise<void> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  await c.query('SELECT 1');
  await c.end();
  await new Promise((resolve) => setTimeout(resolve, 50));
}

describe('PostgresStore checkpoint notifications', () => {
  const server = usePostgres();
  const opened: PostgresStore[] = [];
  afterEach(async () => {
    for (const s of opened.splice(0)) await s.close();
  });
  async function store(url: string, schema?: string): Promise<PostgresStore> {
    const s = await openPostgresStore({ url, ...(schema === undefined ? {} : { schema }) });
    opened.push(s);
    return s;
  }

  it("announces each committed batch's size on its own schema's channel, once", async () => {
    const url = await server().createDatabase();
    const v1 = await store(url);
    const v2 = await store(url, 'cairn_rekor_v2');
    assert.equal(v1.checkpointChannel, 'cairn_checkpoint.public');
    assert.equal(v2.checkpointChannel, 'cairn_checkpoint.cairn_rekor_v2');
    const ear = await listen(url, [v1.checkpointChannel, v2.checkpointChannel]);
    try {
      await v1.appendBatch(0, batch(0, 3));
      await v1.appendBatch(3, batch(3, 2));
      await v2.appendBatch(0, batch(0, 1));
      await settle(url);
      assert.deepEqual(ear.heard, [
        { channel: 'cairn_checkpoint.public', payload: '3' },
        { channel: 'cairn_checkpoint.public', payload: '5' },
        { channel: 'cairn_checkpoint.cairn_rekor_v2', payload: '1' },
      ]);
    } finally {
      await ear.end();
    }
  });

  it('announces nothing for a batch rolled back after its compare-and-swap, nor for one that lost it', async () => {
    const url = await server().createDatabase();
    const s = await store(url);
    await s.appendBatch(0, batch(0, 4));
    const ear = await listen(url, [s.checkpointChannel as string]);
    try {
      // The swap (which queues the notification) succeeds; the duplicate entry then aborts the transaction.
      await assertRejected(s.appendBatch(4, batch(4, 2, { entries: [entry(4), { ...entry(2), index: 5 }] })), 'INCONSISTENT');
      await assertRejected(s.appendBatch(3, batch(3, 1)), 'INCONSISTENT');
      await s.appendBatch(4, batch(4, 1));
      await settle(url);
      assert.deepEqual(ear.heard, [{ channel: 'cairn_checkpoint.public', payload: '5' }], 'only the batch that committed');
    } finally {
      await ear.end();
    }
  });

  it('announces a freeze with its size', async () => {
    const url = await server().createDatabase();
    const s = await store(url);
    await s.addFirstShard({ treeId: '7', publicKeyPem: 'PEM', noteKeyPem: undefined, createdMs: 1 });
    await s.appendBatch(0, batch(0, 2));
    const ear = await listen(url, [s.checkpointChannel as string]);
    try {
      await s.freeze(2, 5);
      await settle(url);
      assert.deepEqual(ear.heard, [{ channel: 'cairn_checkpoint.public', payload: '2' }]);
    } finally {
      await ear.end();
    }
  });

  it('names a channel for every schema within 63 bytes, a long name by its hash', () => {
    const long = `s${'x'.repeat(62)}`;
    const longer = `s${'x'.repeat(61)}y`;
    for (const c of [checkpointChannel(long), checkpointChannel(longer)]) {
      assert.ok(Buffer.byteLength(c) <= 63, c);
      assert.match(c, /^cairn_checkpoint#[0-9a-f]{40}$/);
    }
    assert.notEqual(checkpointChannel(long), checkpointChannel(longer));
    assert.equal(checkpointChannel('cairn_admin_log'), 'cairn_checkpoint.cairn_admin_log');
  });
});
