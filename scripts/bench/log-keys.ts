/**
 * `npm run bench -- --only logkeys`: what a log key in a PKCS#11 token costs,
 * beside the same key type in a file, measured in the same run (SoftHSM2, a
 * token made here in a temp dir; skipped with a message when it is missing).
 *  - sets:   SET signatures per second through the log's KeySigner, in
 *            batches of 256: a file key on one thread (what one worker
 *            thread does) vs the key in the token, signed from the event
 *            loop with 1 and 4 sessions (C_SignInit on the loop, C_SignAsync
 *            on libuv's pool) and from 2 worker threads with a session each
 *            (what `serve` does), Ed25519 and ECDSA P-256; with the event
 *            loop's utilisation while the token signs.
 *  - submit: entries/s of `cairn serve` (64 connections, signed hashedrekord
 *            entries) with an ECDSA P-256 log key in a file vs in the token
 *            (default --verify-workers 1, and 2), alternating rounds.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { openLogKeys } from '../../src/cli/log-keys.js';
import type { KeySigner } from '../../src/log/index.js';
import { createWorkerPool } from '../../src/workers/index.js';
import { generateKeyFile } from '../../src/cli/keyfile.js';
import type { LogKeyType } from '../../src/log/index.js';
import { createSoftToken, softhsmAvailable, type SoftToken } from '../../test/support/softhsm.js';
import { loadgen, startCairn } from './procs.js';

type Figures = Record<string, number | string>;
const round = (x: number, d = 1): number => Number(x.toFixed(d));
const BATCH = 256;

/** SETs/s signing batches of BATCH for `secs`, and the event loop's utilisation meanwhile. */
async function rate(signer: KeySigner, secs: number): Promise<{ perSec: number; elu: number }> {
  const payloads = Array.from({ length: BATCH }, (_, i) => Buffer.from(`{"body":"${'A'.repeat(600)}","integratedTime":1700000000,"logID":"${'ab'.repeat(32)}","logIndex":${i}}`));
  await signer.sign(payloads.slice(0, 16)); // warm up (and open the threads' sessions)
  const elu0 = performance.eventLoopUtilization();
  const t0 = performance.now();
  let n = 0;
  while (performance.now() - t0 < secs * 1000) {
    await signer.sign(payloads);
    n += BATCH;
  }
  const elapsed = (performance.now() - t0) / 1000;
  return { perSec: n / elapsed, elu: performance.eventLoopUtilization(elu0).utilization };
}

/** The key `ref` signing on the event loop (a file key) or in its token through `sessions` sessions. */
async function setsPerSec(ref: string, dataDir: string, sessions: number, secs: number): Promise<{ perSec: number; elu: number }> {
  const keys = await openLogKeys({ dataDir, keyFile: ref, noteKeyFile: undefined }, { tokenSessions: sessions });
  try {
    return await rate(keys.log.signer, secs);
  } finally {
    await keys.close();
  }
}

/** The token key `uri` signing in a worker pool of `threads` threads, a session each. */
async function poolSetsPerSec(uri: string, threads: number, secs: number): Promise<{ perSec: number; elu: number }> {
  const pool = createWorkerPool({ size: threads, signingKeys: { log: uri } });
  try {
    return await rate(pool.keySigner('log') as KeySigner, secs);
  } finally {
    await pool.close();
  }
}

async function submitRound(url: string, secs: number): Promise<number> {
  const r = await loadgen(['submit', url, String(secs), '64', String(Math.ceil(secs * 9000))]);
  return r.ok / r.seconds;
}

export async function logKeysBench(quick: boolean, log: (s: string) => void): Promise<Figures> {
  if (!softhsmAvailable()) {
    log('  logkeys: SoftHSM2 is not installed (apt-get install softhsm2 opensc): skipped');
    return { skipped: 'SoftHSM2 not installed' };
  }
  const secs = quick ? 2 : 5;
  const dir = mkdtempSync(join(tmpdir(), 'cairn-bench-logkeys-'));
  let token: SoftToken | undefined;
  const out: Figures = {};
  try {
    token = createSoftToken('bench');
    token.use(); // this process and the servers it starts find the token through SOFTHSM2_CONF
    for (const type of ['ed25519', 'ecdsa-p256'] as LogKeyType[]) {
      const file = join(dir, `${type}.pem`);
      generateKeyFile(file, type);
      token.pkcs11Tool(['--keypairgen', '--key-type', type === 'ed25519' ? 'EC:edwards25519' : 'EC:prime256v1', '--label', type, '--id', type === 'ed25519' ? '01' : '02']);
      const uri = token.uri(type);
      const f = await setsPerSec(file, dir, 1, secs);
      const t1 = await setsPerSec(uri, dir, 1, secs);
      const t4 = await setsPerSec(uri, dir, 4, secs);
      const p2 = await poolSetsPerSec(uri, 2, secs);
      log(`  logkeys: ${type} SETs/s file ${round(f.perSec)}, token 1 session ${round(t1.perSec)}, 4 sessions ${round(t4.perSec)}, 2 threads ${round(p2.perSec)}`);
      Object.assign(out, {
        [`${type}FileSetsPerSec`]: round(f.perSec),
        [`${type}Token1SetsPerSec`]: round(t1.perSec),
        [`${type}Token4SetsPerSec`]: round(t4.perSec),
        [`${type}Token4LoopUtil`]: round(t4.elu, 2),
        [`${type}TokenThreads2SetsPerSec`]: round(p2.perSec),
        [`${type}TokenThreads2LoopUtil`]: round(p2.elu, 2),
        [`${type}TokenThreads2ToFile`]: round(p2.perSec / f.perSec, 3),
      });
    }
    // The write path: the same ECDSA key type in a file and in the token, alternating rounds.
    const fileServer = await startCairn(join(dir, 'file-data'), ['--key-file', join(dir, 'ecdsa-p256.pem')]);
    const noteFile = join(dir, 'note.pem');
    generateKeyFile(noteFile, 'ed25519');
    const tokenServer = await startCairn(join(dir, 'token-data'), ['--key-file', token.uri('ecdsa-p256'), '--note-key-file', noteFile]);
    const token2Server = await startCairn(join(dir, 'token2-data'), ['--key-file', token.uri('ecdsa-p256'), '--note-key-file', noteFile, '--verify-workers', '2']);
    try {
      const rounds = 2;
      const perRound = (quick ? 6 : 16) / rounds;
      let file = 0;
      let tok = 0;
      let tok2 = 0;
      for (let i = 0; i < rounds; i++) {
        file += await submitRound(fileServer.url, perRound);
        tok += await submitRound(tokenServer.url, perRound);
        tok2 += await submitRound(token2Server.url, perRound);
      }
      out['submitFileKeyPerSec'] = round(file / rounds);
      out['submitTokenKeyPerSec'] = round(tok / rounds);
      out['submitTokenToFile'] = round(tok / file, 3);
      out['submitTokenKey2WorkersPerSec'] = round(tok2 / rounds);
    } finally {
      await fileServer.stop();
      await tokenServer.stop();
      await token2Server.stop();
    }
  } finally {
    token?.remove();
    rmSync(dir, { recursive: true, force: true });
  }
  return out;
}
