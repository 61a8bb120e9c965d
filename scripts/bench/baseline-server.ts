/**
 * The baseline server: express in its own process, doing the framework's
 * share of Cairn's work and nothing else: it parses the same JSON bodies and
 * answers 201 with a small JSON body; it answers GETs with a JSON body or
 * tile of the same size Cairn sends. Prints "listening <port>" on stdout.
 *
 *   baseline-server <entryJsonBytes>
 */
import express from 'express';
import type { AddressInfo } from 'node:net';

const entryBytes = Number(process.argv[2] ?? 1500);
const app = express();
app.disable('x-powered-by');
app.set('etag', false);
app.use(express.json({ limit: 262144 }));
const entryBody = { ['x'.repeat(80)]: { body: 'a'.repeat(Math.max(0, entryBytes - 200)), integratedTime: 1, logID: 'f'.repeat(64), logIndex: 1 } };
const tile = Buffer.alloc(8192, 7);
app.post(['/api/v1/log/entries', '/api/v2/log/entries'], (req, res) => {
  res.status(201).json({ ok: typeof req.body === 'object' });
});
app.get('/api/v1/log/entries', (_req, res) => {
  res.json(entryBody);
});
app.get(/^\/tile\/.*/, (_req, res) => {
  res.set('Content-Type', 'application/octet-stream').send(tile);
});
const server = app.listen(0, '127.0.0.1', () => {
  process.stdout.write(`listening ${(server.address() as AddressInfo).port}\n`);
});
process.on('SIGTERM', () => server.close(() => process.exit(0)));
