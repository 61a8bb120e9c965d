/**
 * `cairn verify --witness VKEY --min-witnesses N` with real processes: a
 * `cairn witness` cosigns the checkpoints of a `cairn serve` log; online,
 * the signature's fresh inclusion proof is checked against the log's
 * cosigned checkpoint, so the witness's cosignature counts. Offline (the
 * bundle's checkpoint has the log's signatures only), verification refuses
 * with TOO_FEW_WITNESSES.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateSigningKeyFiles } from '../../../src/keys/index.js';
import { parseNote } from '../../../src/note/index.js';
import { describeRun, runCairn } from '../../support/cairn-cli.js';
import { pushTestImage } from '../../support/images.js';
import { requirePartOrSkip } from '../../support/parts.js';
import { hasRegistry, startRegistry, type TestRegistry } from '../../support/registry.js';
import { startCommand, startServer, type ServerProcess } from '../../support/server-process.js';
import { RegistryClient, parseImageReference } from '../../../src/oci/index.js';

function servingVkey(p: ServerProcess): string {
  const line = p.logs.find((l) => l.includes('"msg":"serving"'));
  assert.ok(line !== undefined, 'a serving line');
  return (JSON.parse(line) as { vkey: string }).vkey;
}

describe('cairn verify with witnesses', function () {
  this.timeout(120_000);
  let dir: string;
  let registry: TestRegistry;
  const procs: ServerProcess[] = [];

  before(async function () {
    requirePartOrSkip(this, 'REGISTRY', hasRegistry());
    dir = mkdtempSync(join(tmpdir(), 'cairn-verify-witness-'));
    registry = await startRegistry();
  });
  after(async () => {
    for (const p of procs.reverse()) await p.stop();
    await registry?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('counts the witness\'s cosignature online, and refuses without it', async () => {
    const data = join(dir, 'log');
    const url = 'http://log.example.test';
    const first = await startServer(['--data-dir', data, '--public-url', url]);
    const info = (await (await fetch(`${first.url}/api/v1/log`)).json()) as { treeID: string };
    const logVkey = (await (await fetch(`${first.url}/api/v1/log/vkey`)).text()).trim();
    await first.stop();
    const witness = await startCommand('witness', ['--data-dir', join(dir, 'w1'), '--name', 'w1.example', '--log', `log.example.test - ${info.treeID}=${logVkey}`]);
    procs.push(witness);
    const vkey = servingVkey(witness);
    const log = await startServer(['--data-dir', data, '--public-url', url, '--witness-backoff-ms', '20', '--witness-interval-ms', '50', '--witness', `${witness.url}=${vkey}`]);
    procs.push(log);
    const logKey = join(dir, 'log.pub');
    writeFileSync(logKey, await (await fetch(`${log.url}/api/v1/log/publicKey`)).text());

    const client = new RegistryClient({ insecure: true });
    const ref = `${registry.host}/witnessed/app:v1`;
    await pushTestImage(client, parseImageReference(ref), { seed: `witnessed ${Math.random()}` });
    client.close();
    const key = generateSigningKeyFiles(join(dir, 'signer.pem'));
    const signed = await runCairn(['sign', ref, '--key', key.privatePath, '--log-url', log.url, '--insecure-registry']);
    assert.equal(signed.status, 0, describeRun(signed));

    // Across processes there is no event to await: poll until the witness has cosigned the latest checkpoint (bounded).
    for (let i = 0; i < 200; i++) {
      const note = parseNote(await (await fetch(`${log.url}/checkpoint`)).text());
      if (note.text.split('\n')[1] === '2' && note.signatures.some((s) => s.name === 'w1.example')) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    const flags = ['--key', key.publicPath, '--log-key', logKey, '--insecure-registry', '--witness', vkey, '--min-witnesses', '1'];
    const online = await runCairn(['verify', ref, ...flags, '--log-url', log.url, '--output', 'json']);
    assert.equal(online.status, 0, describeRun(online));
    const json = JSON.parse(online.stdout) as { signatures: Array<{ ok: boolean; witnesses: number }> };
    assert.deepEqual(json.signatures.map((s) => [s.ok, s.witnesses]), [[true, 1], [true, 1]]);

    const offline = await runCairn(['verify', ref, ...flags, '--output', 'json']);
    assert.equal(offline.status, 1, describeRun(offline));
    assert.match(offline.stdout, /TOO_FEW_WITNESSES/);

    // A malformed witness key is bad usage.
    const bad = await runCairn(['verify', ref, '--key', key.publicPath, '--log-key', logKey, '--insecure-registry', '--witness', 'w2.example+12345678+BA==', '--log-url', log.url]);
    assert.equal(bad.status, 2, describeRun(bad));
  });
});
