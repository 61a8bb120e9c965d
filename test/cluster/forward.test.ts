/**
 * Forwarder (src/cluster/forward.ts) against a node that closes each
 * connection after its answer: a relay of an admin operation is sent on a
 * connection of its own, so a kept-alive connection the node closed is
 * never reused for one (the relay would then fail after being written,
 * reported as "may have run"); a forwarded entry written to such a
 * connection is sent once more on a new one.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import { Forwarder } from '../../src/cluster/index.js';

describe('Forwarder, when the node closes each connection after its answer', () => {
  let server: Server;
  let url: string;
  let connections = 0;
  beforeEach(async () => {
    connections = 0;
    // A node that closes each connection as soon as its answer is out, without saying so (no Connection: close);
    // a forwarded batch gets one 201 per entry.
    server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const entries = (JSON.parse(Buffer.concat(chunks).toString('utf8')) as { entries?: unknown[] }).entries ?? [];
        res.on('finish', () => req.socket.destroy());
        res.writeHead(200, { 'Content-Type': 'application/json' }).end(JSON.stringify({ replies: entries.map(() => ({ status: 201, headers: {}, body: '{}' })) }));
      });
    });
    server.on('connection', () => connections++);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const addr = server.address();
    url = `http://127.0.0.1:${typeof addr === 'object' && addr !== null ? addr.port : 0}`;
  });
  afterEach(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it('sends a forwarded entry again on a new connection when the kept-alive one it was written to had been closed by the node', async () => {
    const forwarder = new Forwarder({ secret: Buffer.alloc(32, 1), timeoutMs: 5_000 });
    try {
      for (let i = 0; i < 30; i++) {
        const body = Buffer.from(`entry ${i}`);
        const prepared = { kind: 'raw', body, leafHash: createHash('sha256').update(Buffer.from([0])).update(body).digest(), searchKeys: [] };
        const reply = await forwarder.send(url, prepared);
        assert.equal(reply.status, 201, `entry ${i}`);
      }
    } finally {
      forwarder.close();
    }
  });

  it('sends each relay on a new connection, so a connection the node closed after its last answer is never reused', async () => {
    const forwarder = new Forwarder({ secret: Buffer.alloc(32, 1), timeoutMs: 5_000 });
    try {
      for (let i = 0; i < 30; i++) {
        const answer = await forwarder.post(url, '/internal/v1/cluster/admin', Buffer.from(`{"n":${i}}`));
        assert.equal(answer.status, 200);
      }
      assert.equal(connections, 30);
    } finally {
      forwarder.close();
    }
  });
});
