/**
 * The bounds of a lingering close (src/http/lingering-close.ts): after its
 * answer the server drains a client that keeps sending for at most the given
 * time and bytes, then closes; the client has the whole answer by then.
 */
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import { connect, type AddressInfo } from 'node:net';
import { closeLingering } from '../../src/http/lingering-close.js';

const ANSWER = '{"code":413,"error":"TOO_LARGE"}';

/** A server that answers every request at once, before reading its body, closing lingering with `limits`. */
async function serverWith(limits: { ms: number; bytes: number }): Promise<{ server: Server; port: number }> {
  const server = createServer((req, res) => {
    closeLingering(req, res, limits);
    res.setHeader('Content-Length', ANSWER.length);
    res.statusCode = 413;
    res.end(ANSWER);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { server, port: (server.address() as AddressInfo).port };
}

/** Send a chunked body forever (until the socket fails); resolve with what came back, when, and how much was sent. */
function endlessUpload(port: number): Promise<{ response: string; answeredAt: number; closedAt: number; sent: number }> {
  return new Promise((resolve) => {
    const t0 = performance.now();
    const socket = connect({ port, host: '127.0.0.1', allowHalfOpen: true });
    const chunk = Buffer.concat([Buffer.from('10000\r\n'), Buffer.alloc(0x10000, 'a'), Buffer.from('\r\n')]);
    let response = '';
    let answeredAt = NaN;
    let sent = 0;
    socket.on('data', (b: Buffer) => {
      response += b.toString('latin1');
      if (Number.isNaN(answeredAt) && response.endsWith(ANSWER)) answeredAt = performance.now() - t0;
    });
    socket.on('error', () => undefined);
    socket.once('close', () => resolve({ response, answeredAt, closedAt: performance.now() - t0, sent }));
    const pump = (): void => {
      while (!socket.destroyed && socket.write(chunk)) sent += chunk.length;
      if (!socket.destroyed) socket.once('drain', pump);
    };
    socket.once('connect', () => {
      socket.write('POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n');
      pump();
    });
  });
}

describe('closeLingering', function () {
  this.timeout(30_000);

  it('closes after the byte bound, the answer already read', async () => {
    const { server, port } = await serverWith({ ms: 20_000, bytes: 4 * 1024 * 1024 });
    try {
      const out = await endlessUpload(port);
      assert.match(out.response, /^HTTP\/1\.1 413 [^]*\r\nConnection: close\r\n[^]*\{"code":413/);
      assert.ok(out.answeredAt <= out.closedAt);
      assert.ok(out.closedAt < 15_000, `closed after ${Math.round(out.closedAt)} ms, not at the time bound`);
      assert.ok(out.sent < 64 * 1024 * 1024, `the client sent ${out.sent} bytes before the close`);
    } finally {
      server.close();
    }
  });

  it('closes after the time bound, the answer already read', async () => {
    const { server, port } = await serverWith({ ms: 500, bytes: Number.MAX_SAFE_INTEGER });
    try {
      const out = await endlessUpload(port);
      assert.match(out.response, /\{"code":413,"error":"TOO_LARGE"\}$/);
      assert.ok(out.answeredAt <= out.closedAt);
      assert.ok(out.closedAt >= 450 && out.closedAt < 10_000, `closed after ${Math.round(out.closedAt)} ms (bound 500 ms)`);
    } finally {
      server.close();
    }
  });
});
