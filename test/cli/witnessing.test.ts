/**
 * Witnessing end to end with real processes: two `cairn witness` processes
 * cosign a log's checkpoints (in-process log, awaiting the collector's
 * events), their keys and state survive a restart, and a real `cairn serve
 * --witness … --witness …` serves its checkpoint with both cosignatures.
 */
import assert from 'node:assert/strict';
import { createPublicKey, type KeyObject } from 'node:crypto';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import request from 'supertest';
import { ManualClock } from '../../src/clock.js';
import { createApp } from '../../src/http/index.js';
import { WitnessCollector } from '../../src/log/index.js';
import { formatAddCheckpoint, parseNote, parseVkey, verifyCosignature, type CosignatureVerifier } from '../../src/note/index.js';
import { ecKey, hashedRekord } from '../support/http.js';
import { startCommand, startServer, type ServerProcess } from '../support/server-process.js';
import { openTestLog, rawEntry } from '../support/test-log.js';
import { checkCosignatureBytes } from '../support/witness.js';
import { requirePartOrSkip } from '../support/parts.js';
import { createSoftToken, softhsmAvailable } from '../support/softhsm.js';

/** The fields of a process's "serving" log line. */
function servingLine(p: ServerProcess): Record<string, any> {
  const line = p.logs.find((l) => l.includes('"msg":"serving"'));
  assert.ok(line, 'a serving line');
  return JSON.parse(line) as Record<string, any>;
}

/** The witness's Ed25519 public key from its vkey (base64 of 0x04 ‖ 32 bytes), with node:crypto only. */
function publicKeyOf(vkey: string): KeyObject {
  // The base64 part may itself contain '+': split on the first two only.
  const raw = Buffer.from(vkey.split('+').slice(2).join('+'), 'base64');
  assert.equal(raw[0], 0x04, 'a cosignature vkey');
  return createPublicKey({ key: Buffer.concat([Buffer.from('302a300506032b6570032100', 'hex'), raw.subarray(1)]), format: 'der', type: 'spki' });
}

describe('cairn witness (real processes)', function () {
  this.timeout(60_000);
  let dir: string;
  const procs: ServerProcess[] = [];
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'cairn-witnessing-'));
  });
  afterEach(async () => {
    await Promise.all(procs.splice(0).map((p) => p.stop()));
    rmSync(dir, { recursive: true, force: true });
  });

  it('two witness processes cosign the published checkpoint; the cosignatures verify, by src/note and byte by byte; key and state survive a restart', async () => {
    const t = await openTestLog();
    const log = `${t.identity.origin}=${t.identity.vkey}`;
    const w1 = await startCommand('witness', ['--data-dir', join(dir, 'w1'), '--name', 'w1.example', '--log', log]);
    procs.push(w1);
    const w2 = await startCommand('witness', ['--data-dir', join(dir, 'w2'), '--name', 'w2.example', '--log', log]);
    procs.push(w2);
    assert.equal(statSync(join(dir, 'w1', 'witness-key.pem')).mode % 0o1000, 0o600, 'key created with mode 0600');
    const vkeys = [servingLine(w1)['vkey'] as string, servingLine(w2)['vkey'] as string];
    const collector = new WitnessCollector(
      t.log,
      [{ url: w1.url, verifier: parseVkey(vkeys[0]!) }, { url: w2.url, verifier: parseVkey(vkeys[1]!) }],
      { clock: new ManualClock(), backoffInitialMs: 20, backoffMaxMs: 100, minIntervalMs: 0 },
    );
    try {
      for (let i = 0; i < 12; i++) await t.log.submit(rawEntry(`real witnesses ${i}`));
      await Promise.all([collector.whenCosigned('w1.example', 12), collector.whenCosigned('w2.example', 12)]);
    } finally {
      await collector.close();
    }

    const note = (await request(createApp({ log: t.log, maxRequestBytes: 1 << 20 })).get('/checkpoint').expect(200)).text;
    const { text, signatures } = parseNote(note);
    assert.equal(text, parseNote(t.store.checkpointAt(12)!.note).text);
    // The log's two signatures first, then the cosignatures in the order they arrived.
    assert.deepEqual(signatures.map((s) => s.name).slice(0, 2), [t.identity.host, t.identity.host]);
    assert.deepEqual(signatures.map((s) => s.name).slice(2).sort(), ['w1.example', 'w2.example']);
    for (const [i, name] of ['w1.example', 'w2.example'].entries()) {
      const line = note.split('\n').find((l) => l.startsWith(`\u2014 ${name} `))!;
      const ts = verifyCosignature(parseVkey(vkeys[i]!) as CosignatureVerifier, text, line);
      assert.ok(Math.abs(ts - Date.now() / 1000) < 120, 'timestamped now');
      assert.equal(checkCosignatureBytes(line, name, publicKeyOf(vkeys[i]!), text), ts);
    }

    // Restart w1 on its data dir: same key, and it remembers size 12 (409 to old 0).
    assert.equal((await w1.stop()).code, 0);
    procs.splice(procs.indexOf(w1), 1);
    const again = await startCommand('witness', ['--data-dir', join(dir, 'w1'), '--name', 'w1.example', '--log', log]);
    procs.push(again);
    assert.equal(servingLine(again)['vkey'], vkeys[0]);
    const res = await fetch(`${again.url}/add-checkpoint`, {
      method: 'POST',
      body: formatAddCheckpoint({ oldSize: 0, proof: [], checkpoint: t.store.checkpointAt(12)!.note }),
    });
    assert.equal(res.status, 409);
    assert.equal(res.headers.get('content-type'), 'text/x.tlog.size');
    assert.equal(await res.text(), '12\n');
  });

  it('a witness whose key is in SoftHSM2 (--key-file pkcs11:…) cosigns the checkpoints of a log with an ECDSA log key', async function () {
    requirePartOrSkip(this, 'HSM', softhsmAvailable());
    const token = createSoftToken();
    try {
      token.pkcs11Tool(['--keypairgen', '--key-type', 'EC:edwards25519', '--label', 'witness', '--id', '03']);
      const t = await openTestLog(undefined, {}, undefined, 'ecdsa-p256');
      const w = await startCommand('witness', ['--data-dir', join(dir, 'hsm'), '--name', 'hsm.example', '--key-file', token.uri('witness'), '--log', `${t.identity.origin}=${t.identity.vkey}`], token.env);
      procs.push(w);
      const vkey = servingLine(w)['vkey'] as string;
      for (let i = 0; i < 3; i++) await t.log.submit(rawEntry(`hsm witness ${i}`));
      const checkpoint = t.store.checkpointAt(3)!.note;
      const res = await fetch(`${w.url}/add-checkpoint`, { method: 'POST', body: formatAddCheckpoint({ oldSize: 0, proof: [], checkpoint }) });
      assert.equal(res.status, 200, await res.clone().text());
      const line = (await res.text()).trim();
      const text = parseNote(checkpoint).text;
      const ts = verifyCosignature(parseVkey(vkey) as CosignatureVerifier, text, line);
      assert.equal(checkCosignatureBytes(line, 'hsm.example', publicKeyOf(vkey), text), ts);
    } finally {
      token.remove();
    }
  });

  it('`cairn serve --witness URL=VKEY` (twice) serves its checkpoint with both witnesses\' cosignatures', async () => {
    const data = join(dir, 'log');
    const url = 'http://log.example.test';
    // First start creates the tree: the witnesses need its origin and vkey.
    const first = await startServer(['--data-dir', data, '--public-url', url]);
    const info = (await (await fetch(`${first.url}/api/v1/log`)).json()) as { treeID: string };
    const vkey = (await (await fetch(`${first.url}/api/v1/log/vkey`)).text()).trim();
    await first.stop();
    const log = `log.example.test - ${info.treeID}=${vkey}`;
    const w1 = await startCommand('witness', ['--data-dir', join(dir, 'w1'), '--name', 'w1.example', '--log', log]);
    procs.push(w1);
    const w2 = await startCommand('witness', ['--data-dir', join(dir, 'w2'), '--name', 'w2.example', '--log', log]);
    procs.push(w2);
    const witnessFlags = [w1, w2].flatMap((w) => ['--witness', `${w.url}=${servingLine(w)['vkey'] as string}`]);
    const cairn = await startServer(['--data-dir', data, '--public-url', url, '--witness-backoff-ms', '20', '--witness-interval-ms', '50', ...witnessFlags]);
    procs.push(cairn);

    const key = ecKey();
    for (const d of ['first', 'second']) {
      const r = await fetch(`${cairn.url}/api/v1/log/entries`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(hashedRekord(key, d)) });
      assert.equal(r.status, 201);
    }
    // Across processes there is no event to await: poll the served checkpoint (bounded).
    let note = '';
    for (let i = 0; i < 200; i++) {
      note = await (await fetch(`${cairn.url}/checkpoint`)).text();
      const p = parseNote(note);
      if (p.text.split('\n')[1] === '2' && p.signatures.length === 4) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    const p = parseNote(note);
    assert.equal(p.text.split('\n')[1], '2');
    assert.deepEqual(p.signatures.map((s) => s.name).slice(2).sort(), ['w1.example', 'w2.example']);
    for (const w of [w1, w2]) {
      const v = parseVkey(servingLine(w)['vkey'] as string) as CosignatureVerifier;
      verifyCosignature(v, p.text, p.signatures.find((s) => s.name === v.name)!);
    }
    const metrics = await (await fetch(`${cairn.url}/metrics`)).text();
    assert.match(metrics, /cairn_witness_cosigned_size\{witness="w1\.example",url="[^"]+"\} 2\n/);
  });
});
