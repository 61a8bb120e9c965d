/**
 * A body over the limit is answered 413 with a JSON error that the client
 * receives even while it is still sending (lingering close,
 * src/http/lingering-close.ts): raw sockets keep writing a 2 MB or 50 MB
 * body, with Content-Length or chunked, and must read the whole 413
 * response, then the end of the stream, with no reset or broken pipe
 * while they finish sending.
 */
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import { connect, type AddressInfo, type Socket } from 'node:net';
import { httpRequest, keepAliveAgent } from '../support/http-client.js';
import { testApp } from '../support/http.js';

const LIMIT = 262_144;
const CHUNK = Buffer.alloc(64 * 1024, 'a');

interface Outcome {
  /** Everything the server sent, as latin1 text. */
  readonly response: string;
  /** Milliseconds after connecting at which the full response (headers and Content-Length bytes) had arrived; undefined if never. */
  readonly completeAt: number | undefined;
  /** The first socket error (EPIPE, ECONNRESET…) and when it happened. */
  readonly error: { code: string; at: number } | undefined;
  /** Bytes of body the client wrote before it stopped. */
  readonly sent: number;
  /** The server closed its side (FIN) after the response. */
  readonly ended: boolean;
}

/** The length of a complete HTTP response at the start of `text`, or undefined while it is incomplete. */
function completeLength(text: string): number | undefined {
  const head = text.indexOf('\r\n\r\n');
  if (head < 0) return undefined;
  const len = /\r\ncontent-length: *(\d+)/i.exec(text.slice(0, head));
  if (len === null) return undefined;
  const total = head + 4 + Number(len[1]);
  return text.length >= total ? total : undefined;
}

/**
 * Send `head`, then write `bodyBytes` of body (each 64 KiB a chunk when
 * `chunked`) as fast as the socket takes it, whatever the server answers,
 * until everything is written or the socket fails; collect what comes back.
 */
function upload(port: number, head: string, bodyBytes: number, chunked: boolean): Promise<Outcome> {
  return new Promise((resolve) => {
    const t0 = Date.now();
    // allowHalfOpen: a client still uploading keeps writing after the server's FIN, as curl does.
    const socket: Socket = connect({ port, host: '127.0.0.1', allowHalfOpen: true });
    let response = '';
    let completeAt: number | undefined;
    let error: Outcome['error'];
    let sent = 0;
    let ended = false;
    let settled = false;
    const finish = (): void => {
      if (settled) return;
      settled = true;
      socket.destroy();
      resolve({ response, completeAt, error, sent, ended });
    };
    socket.on('data', (b: Buffer) => {
      response += b.toString('latin1');
      if (completeAt === undefined && completeLength(response) !== undefined) completeAt = Date.now() - t0;
    });
    socket.on('end', () => {
      ended = true;
      if (sent >= bodyBytes) finish();
    });
    socket.on('error', (err: NodeJS.ErrnoException) => {
      error ??= { code: err.code ?? err.message, at: Date.now() - t0 };
      finish();
    });
    socket.on('close', finish);
    const pump = (): void => {
      while (!socket.destroyed && sent < bodyBytes) {
        const n = Math.min(CHUNK.length, bodyBytes - sent);
        const piece = CHUNK.subarray(0, n);
        sent += n;
        const more = chunked ? socket.write(Buffer.concat([Buffer.from(`${n.toString(16)}\r\n`), piece, Buffer.from('\r\n')])) : socket.write(piece);
        if (sent >= bodyBytes && chunked) socket.write('0\r\n\r\n');
        if (!more) {
          socket.once('drain', pump);
          return;
        }
      }
      // Everything written: wait for the server's end of stream.
      if (ended) finish();
    };
    socket.once('connect', () => {
      socket.write(head);
      pump();
    });
    setTimeout(finish, 30_000).unref();
  });
}

function headFor(bodyBytes: number, chunked: boolean): string {
  const framing = chunked ? 'Transfer-Encoding: chunked' : `Content-Length: ${bodyBytes}`;
  return `POST /api/v1/log/entries HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n${framing}\r\n\r\n`;
}

describe('an oversized request body', function () {
  this.timeout(60_000);
  let server: Server;
  let port: number;

  before(async () => {
    const { app } = await testApp({ maxRequestBytes: LIMIT });
    server = createServer(app);
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    port = (server.address() as AddressInfo).port;
  });
  after(() => new Promise<void>((r) => server.close(() => r())));

  const cases: Array<[string, number, boolean]> = [
    ['2 MB with Content-Length', 2_000_000, false],
    ['50 MB with Content-Length', 50_000_000, false],
    ['50 MB chunked, without Content-Length', 50_000_000, true],
    ['2 MB chunked, without Content-Length', 2_000_000, true],
  ];
  for (const [what, bytes, chunked] of cases) {
    it(`${what}: the client, still sending, reads the whole 413 JSON answer before any reset`, async () => {
      const out = await upload(port, headFor(bytes, chunked), bytes, chunked);
      assert.ok(out.completeAt !== undefined, `the full response arrived (got ${JSON.stringify(out.response.slice(0, 200))}, error ${JSON.stringify(out.error)})`);
      if (out.error !== undefined) assert.ok(out.error.at >= out.completeAt, `${out.error.code} at ${out.error.at} ms came before the answer (${out.completeAt} ms)`);
      // The server drains up to LINGER_MAX_BYTES (64 MiB) after answering, so these clients finish sending without any error at all.
      assert.equal(out.error, undefined, 'no reset or broken pipe');
      assert.equal(out.sent, bytes);
      assert.ok(out.ended, 'the server half-closed after its answer');
      const text = out.response.slice(0, completeLength(out.response));
      assert.match(text, /^HTTP\/1\.1 413 /);
      assert.match(text, /\r\nconnection: close\r\n/i);
      assert.match(text, /\r\ncontent-type: application\/json; charset=utf-8\r\n/i);
      const body = JSON.parse(text.slice(text.indexOf('\r\n\r\n') + 4)) as { code: number; error: string };
      assert.deepEqual([body.code, body.error], [413, 'TOO_LARGE']);
      assert.equal(out.response.length, text.length, 'nothing follows the answer');
    });
  }

  it('leaves the server serving, with kept-alive connections for bodies within the limit', async () => {
    const agent = keepAliveAgent(1);
    try {
      for (let i = 0; i < 2; i++) {
        const r = await httpRequest(`http://127.0.0.1:${port}`, 'POST', '/api/v1/log/entries', { agent, body: 'x'.repeat(1000) });
        assert.equal(r.status, 400);
        assert.equal(r.headers['connection'], 'keep-alive');
      }
    } finally {
      agent.destroy();
    }
  });
});
