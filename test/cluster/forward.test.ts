/**
 * Forwarder.post (src/cluster/forward.ts), the relay of an admin operation:
 * each relay is sent on a connection of its own, so a kept-alive connection
 * the sequencing node closed meanwhile is never reused for one (the relay
 * would then fail after being written, reported as "may have run").
 */
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import { Forwarder } from '../../src/cluster/index.js';

describe('Forwarder.post', () => {
  let server: Server;
  let url: string;
  let connections = 0;
  beforeEach(async () => {
    connections = 0;
    // A node that closes each connection as soon as its answer is out, without saying so (no Connection: close).
    server = createServer((req, res) => {
      req.resume();
      req.on('end', () => {
        res.on('finish', () => req.socket.destroy());
        res.writeHead(200, { 'Content-Type': 'application/json' }).end('{"replies":[]}');
      });
    });
    server.on('connection', () => connections++);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const addr = server.address();
    url = `http://127.0.0.1:${typeof addr === 'object' && addr !== null ? addr.port : 0}`;
  });
  afterEach(() => new Promise<void>((resolve) => server.close(() => resolve())));

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
