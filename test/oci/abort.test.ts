/**
 * Registry reads abort on their signal: a request in flight (its socket is
 * closed), the wait between retries, and a signal that fired before the
 * call (nothing is sent). The "registry" is a node:http server that holds
 * or refuses requests, so each step is an event the test awaits.
 */
import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { isLogError } from '../../src/errors.js';
import { RegistryClient, parseImageReference } from '../../src/oci/index.js';

const aborted = (err: unknown): boolean => isLogError(err, 'REGISTRY_UNREACHABLE') && err.details?.['reason'] === 'ABORT_ERR' && err.details['retryable'] === false;

describe('registry reads with an AbortSignal', () => {
  let server: Server;
  let host: string;
  let handle: (req: IncomingMessage, res: ServerResponse) => void;
  let requests = 0;
  before(async () => {
    server = createServer((req, res) => {
      requests++;
      handle(req, res);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    host = `127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(async () => {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });
  beforeEach(() => {
    requests = 0;
  });

  it('aborts a request in flight: the client gives up and closes the connection', async () => {
    const controller = new AbortController();
    const closed = new Promise<void>((resolve) => {
      handle = (req) => {
        req.socket.once('close', () => resolve());
        controller.abort();
      };
    });
    const client = new RegistryClient({ insecure: true });
    try {
      await assert.rejects(client.resolve(parseImageReference(`${host}/team/app:v1`), { signal: controller.signal }), aborted);
      await closed;
    } finally {
      client.close();
    }
  });

  it('aborts the wait between retries, sending nothing more', async () => {
    const controller = new AbortController();
    handle = (_req, res) => {
      res.writeHead(503).end();
    };
    // The first retry waits on a sleep that never ends; the abort cuts it short.
    const client = new RegistryClient({ insecure: true, retries: 4, sleep: () => {
      controller.abort();
      return new Promise<void>(() => undefined);
    } });
    try {
      await assert.rejects(client.getManifest(parseImageReference(`${host}/team/app`), 'v1', { signal: controller.signal }), aborted);
      assert.equal(requests, 1);
    } finally {
      client.close();
    }
  });

  it('sends nothing when the signal fired before the call', async () => {
    handle = (_req, res) => {
      res.writeHead(404).end();
    };
    const client = new RegistryClient({ insecure: true });
    try {
      await assert.rejects(client.referrers(parseImageReference(`${host}/team/app`), `sha256:${'a'.repeat(64)}`, undefined, { signal: AbortSignal.abort() }), aborted);
      assert.equal(requests, 0);
    } finally {
      client.close();
    }
  });
});
