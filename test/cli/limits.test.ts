/**
 * Timeouts and connection limits of the real server
 * (src/cli/http-server.ts), with small timeouts: slowloris clients sending
 * headers a byte at a time cannot hold the server (a normal request is still
 * answered promptly) and are cut off with a JSON 408 soon after the headers
 * timeout; slow bodies after the request timeout; idle keep-alive connections
 * after the keep-alive timeout; connections after max requests; connections
 * beyond max connections are refused; parser errors get JSON bodies.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { httpRequest } from '../support/http-client.js';
import { MAIN_JS, startServer, type ServerProcess } from '../support/server-process.js';

interface Raw {
  readonly socket: Socket;
  /** Everything the server sent, once it closed its side of the connection (FIN or reset); and when (ms after open). */
  readonly closed: Promise<{ data: string; afterMs: number }>;
}

function openRaw(url: string): Promise<Raw> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const started = Date.now();
    const socket = connect(Number(port), hostname);
    const chunks: Buffer[] = [];
    socket.on('data', (b: Buffer) => chunks.push(b));
    const closed = new Promise<{ data: string; afterMs: number }>((r) => {
      const done = (): void => r({ data: Buffer.concat(chunks).toString('latin1'), afterMs: Date.now() - started });
      socket.on('end', done);
      socket.on('close', done);
    });
    socket.on('error', () => undefined); // resets are expected here
    socket.once('connect', () => resolve({ socket, closed }));
    socket.once('error', reject);
  });
}

/** Write `text` one byte every `everyMs` until the socket closes. */
function dribble(socket: Socket, text: string, everyMs: number): NodeJS.Timeout {
  let i = 0;
  const timer = setInterval(() => {
    if (socket.destroyed || i >= text.length) {
      clearInterval(timer);
      return;
    }
    socket.write(text[i++]!);
  }, everyMs);
  return timer;
}

describe('server timeouts and limits (the real process)', function () {
  this.timeout(60_000);
  let dir: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'cairn-limits-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  describe('with a 1 s headers timeout, 2 s request timeout, 500 ms keep-alive', () => {
    let s: ServerProcess;
    before(async () => {
      s = await startServer(['--data-dir', join(dir, 'a'), '--headers-timeout-ms', '1000', '--request-timeout-ms', '2000', '--keep-alive-timeout-ms', '500']);
    });
    after(async () => {
      await s.stop();
    });

    it('keeps answering while 50 slowloris clients dribble headers, and cuts them off with a JSON 408 after the headers timeout', async () => {
      const slow = await Promise.all(Array.from({ length: 50 }, () => openRaw(s.url)));
      const timers = slow.map((r) => {
        r.socket.write('POST /api/v1/log/entries HTTP/1.1\r\nHost: x\r\n');
        return dribble(r.socket, `X-Slow: ${'a'.repeat(1000)}\r\n\r\n`, 50);
      });
      try {
        await new Promise((r) => setTimeout(r, 300));
        const t0 = Date.now();
        const ok = await httpRequest(s.url, 'GET', '/api/v1/log');
        const took = Date.now() - t0;
        assert.equal(ok.status, 200);
        assert.ok(took < 500, `a normal request took ${took} ms while slow clients were connected`);
        const ends = await Promise.all(slow.map((r) => r.closed));
        for (const e of ends) {
          assert.ok(e.afterMs < 2500, `a slow client was held ${e.afterMs} ms (headers timeout 1000 ms)`);
          assert.match(e.data, /^HTTP\/1\.1 408 /);
          assert.match(e.data, /\r\n\r\n\{"code":408,.*"error":"BAD_REQUEST"\}$/);
        }
      } finally {
        timers.forEach(clearInterval);
        slow.forEach((r) => r.socket.destroy());
      }
      assert.equal((await httpRequest(s.url, 'GET', '/healthz')).status, 200);
    });

    it('cuts off a client that sends its body too slowly after the request timeout', async () => {
      const r = await openRaw(s.url);
      r.socket.write('POST /api/v1/log/entries HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n');
      const timer = dribble(r.socket, '{'.repeat(1000), 50);
      try {
        const end = await r.closed;
        assert.ok(end.afterMs >= 1500 && end.afterMs < 3500, `closed after ${end.afterMs} ms (request timeout 2000 ms)`);
      } finally {
        clearInterval(timer);
      }
    });

    it('closes an idle keep-alive connection after the keep-alive timeout', async () => {
      const r = await openRaw(s.url);
      r.socket.write('GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n');
      const end = await r.closed;
      assert.match(end.data, /^HTTP\/1\.1 200 /);
      assert.ok(end.afterMs >= 400 && end.afterMs < 2000, `closed after ${end.afterMs} ms (keep-alive 500 ms)`);
    });

    for (const [what, request, status] of [
      ['oversized headers', `GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`, 431],
      ['a malformed request line', 'GET /healthz HTTP/9.9 junk\r\n\r\n', 400],
      ['Content-Length with Transfer-Encoding (smuggling)', 'POST /api/v1/log/entries HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n', 400],
      ['a bad chunk size', 'POST /api/v1/log/entries HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n', 400],
    ] as const) {
      it(`answers ${what} with a JSON ${status}`, async () => {
        const r = await openRaw(s.url);
        r.socket.write(request);
        const end = await r.closed;
        assert.match(end.data, new RegExp(`^HTTP/1\\.1 ${status} `));
        const body = JSON.parse(end.data.slice(end.data.indexOf('\r\n\r\n') + 4)) as { code: number; error: string };
        assert.equal(body.code, status);
        assert.equal(typeof body.error, 'string');
      });
    }
  });

  describe('with max 2 requests per socket and max 5 connections', () => {
    let s: ServerProcess;
    before(async () => {
      s = await startServer(['--data-dir', join(dir, 'b'), '--max-requests-per-socket', '2', '--max-connections', '5']);
    });
    after(async () => {
      await s.stop();
    });

    it('tells the client to close after its second request, and refuses a third on the same connection', async () => {
      const r = await openRaw(s.url);
      const get = 'GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n';
      r.socket.write(get + get + get);
      const responses: string[] = [];
      await new Promise<void>((resolve) => {
        let data = '';
        r.socket.on('data', (b: Buffer) => {
          data += b.toString('latin1');
          const parts = data.split(/(?=HTTP\/1\.1 )/);
          if (parts.length === 3 && /\r\n\r\n/.test(parts[2]!)) {
            responses.push(...parts);
            resolve();
          }
        });
      });
      r.socket.destroy();
      assert.match(responses[0]!, /^HTTP\/1\.1 200 [\s\S]*Keep-Alive: timeout=\d+, max=2/i);
      assert.match(responses[1]!, /^HTTP\/1\.1 200 [\s\S]*Connection: close/i);
      assert.match(responses[2]!, /^HTTP\/1\.1 503 /, 'node refuses requests beyond the limit');
    });

    it('refuses connections beyond the fifth, and serves again once they close', async () => {
      const held = await Promise.all(Array.from({ length: 5 }, () => openRaw(s.url)));
      try {
        await new Promise((r) => setTimeout(r, 100));
        const sixth = await openRaw(s.url);
        sixth.socket.write('GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n');
        const end = await sixth.closed;
        assert.equal(end.data, '', 'the sixth connection is closed without an answer');
      } finally {
        held.forEach((r) => r.socket.destroy());
      }
      await Promise.all(held.map((r) => r.closed));
      await new Promise((r) => setTimeout(r, 100));
      assert.equal((await httpRequest(s.url, 'GET', '/healthz')).status, 200);
    });
  });

  it('refuses a headers timeout longer than the request timeout, naming both flags', () => {
    const r = spawnSync(process.execPath, [MAIN_JS, 'serve', '--port', '0', '--data-dir', join(dir, 'c'), '--headers-timeout-ms', '5000', '--request-timeout-ms', '1000'], { encoding: 'utf8', timeout: 15_000 });
    assert.equal(r.status, 2);
    assert.match(r.stderr, /--headers-timeout-ms \(5000\) must not exceed --request-timeout-ms \(1000\)/);
  });
});
