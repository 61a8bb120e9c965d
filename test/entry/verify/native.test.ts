import assert from 'node:assert/strict';
import { createECDH, createHash, generateKeyPairSync, sign as signMessage } from 'node:crypto';
import { Worker } from 'node:worker_threads';
import { bigIntToBytes } from '../../../src/entry/verify/bigint.js';
import { CURVES, type CurveName } from '../../../src/entry/verify/curves.js';
import { verifyEcdsaPrehashed, verifyEcdsaPrehashedJs } from '../../../src/entry/verify/ecdsa-prehash.js';
import {
  nativeEcdsaBinding,
  prehashedEcdsaFallbackReason,
  prehashedEcdsaImplementation,
  type NativeEcdsaBinding,
} from '../../../src/entry/verify/native.js';
import { ecdsaCases } from './ecdsa-cases.js';

const REQUIRED = process.env['CAIRN_REQUIRE_NATIVE'] === '1';
let skipNoted = false;

/** The addon, or skip the test (fail it when CAIRN_REQUIRE_NATIVE=1). */
function bindingOrSkip(ctx: Mocha.Context): NativeEcdsaBinding {
  const binding = nativeEcdsaBinding();
  if (binding !== undefined) return binding;
  if (REQUIRED) assert.fail(`CAIRN_REQUIRE_NATIVE=1 but the addon is not loaded: ${prehashedEcdsaFallbackReason()}`);
  if (!skipNoted) process.stderr.write(`  (native ECDSA tests skipped: ${prehashedEcdsaFallbackReason()})\n`);
  skipNoted = true;
  return ctx.skip();
}

describe('prehashedEcdsaImplementation', () => {
  describe('when CAIRN_REQUIRE_NATIVE=1 (CI)', () => {
    it('is native', function () {
      if (!REQUIRED) this.skip();
      assert.equal(prehashedEcdsaImplementation(), 'native', prehashedEcdsaFallbackReason());
      assert.equal(prehashedEcdsaFallbackReason(), undefined);
    });
  });

  describe('when the addon is not loaded', () => {
    it('reports js with a one-line reason', function () {
      if (prehashedEcdsaImplementation() === 'native') this.skip();
      assert.match(prehashedEcdsaFallbackReason() ?? '', /^build\/Release\/ecdsa_prehash\.node: [^\n]+$/);
    });
  });
});

/**
 * Case counts (valid + forged pairs) and how often the JS verifier is asked
 * too. On this 2-core machine JS costs 0.24 / 3.2 / 7.2 ms per P-256 / P-384
 * / P-521 case and native 0.1 / 0.6 / 1.4 ms, so P-384 and P-521 compare
 * with JS on every 3rd pair (3 is prime to the 4 signature sources and the 7
 * forgery kinds, so JS still sees all of them) and check the rest against
 * the known answer.
 */
const PLAN: Record<CurveName, { pairs: number; jsEvery: number }> = {
  'P-256': { pairs: 1000, jsEvery: 1 },
  'P-384': { pairs: 150, jsEvery: 3 },
  'P-521': { pairs: 80, jsEvery: 3 },
};

describe('verifyEcdsaPrehashed (native) against verifyEcdsaPrehashedJs', () => {
  for (const curve of Object.keys(PLAN) as CurveName[]) {
    const { pairs, jsEvery } = PLAN[curve];
    describe(`when given ${2 * pairs} valid and forged ${curve} cases`, () => {
      it(`gives the answer ECDSA requires, and the JS verifier's (on ${jsEvery === 1 ? 'every pair' : `every ${jsEvery}rd pair`})`, function () {
        this.timeout(20_000); // ~1 s here; room for a loaded CI machine
        bindingOrSkip(this);
        const cases = ecdsaCases(curve, pairs);
        let valid = 0;
        cases.forEach((c, i) => {
          const native = verifyEcdsaPrehashed(c.curve, c.point, c.digest, c.sig);
          if (Math.floor(i / 2) % jsEvery === 0) {
            assert.equal(native, verifyEcdsaPrehashedJs(c.curve, c.point, c.digest, c.sig), `native and JS disagree on ${c.what}`);
          }
          assert.equal(native, c.expected, `wrong answer on ${c.what}`);
          if (c.expected) valid++;
        });
        assert.ok(valid > pairs, 'every valid signature plus the n − s and late-bit forgeries');
      });
    });
  }
});

describe('verifyEcdsaPrehashed', () => {
  describe('when r or s is 0 or ≥ n, or the point is malformed', () => {
    it('returns false without calling the addon', function () {
      const binding = bindingOrSkip(this);
      const [c] = ecdsaCases('P-256', 1);
      assert.ok(c);
      const { n } = CURVES['P-256'];
      const original = binding.verify;
      let calls = 0;
      binding.verify = (...args) => {
        calls++;
        return original(...args);
      };
      try {
        assert.equal(verifyEcdsaPrehashed(c.curve, c.point, c.digest, c.sig), true);
        assert.equal(calls, 1);
        for (const sig of [{ r: 0n, s: c.sig.s }, { r: c.sig.r, s: 0n }, { r: n, s: c.sig.s }, { r: c.sig.r, s: n }, { r: c.sig.r + n, s: c.sig.s }]) {
          assert.equal(verifyEcdsaPrehashed(c.curve, c.point, c.digest, sig), false);
        }
        const compressed = Buffer.concat([Buffer.of(2 + ((c.point[64] as number) & 1)), c.point.subarray(1, 33)]);
        assert.equal(verifyEcdsaPrehashed(c.curve, compressed, c.digest, c.sig), false);
        assert.equal(verifyEcdsaPrehashed(c.curve, Buffer.concat([Buffer.of(6), c.point.subarray(1)]), c.digest, c.sig), false);
        assert.equal(calls, 1);
      } finally {
        binding.verify = original;
      }
    });
  });
});

describe('the native binding', () => {
  describe('when given a point that is not on the curve', () => {
    it('returns false', function () {
      const binding = bindingOrSkip(this);
      const point = createECDH('prime256v1').generateKeys();
      point[64] = (point[64] as number) ^ 1;
      assert.equal(binding.verify('P-256', point, Buffer.alloc(32, 1), Buffer.alloc(64, 1)), false);
    });
  });

  describe('when called against its contract', () => {
    it('throws TypeError', function () {
      const binding = bindingOrSkip(this);
      const point = createECDH('prime256v1').generateKeys();
      const rs = Buffer.concat([bigIntToBytes(1n, 32), bigIntToBytes(1n, 32)]);
      const digest = Buffer.alloc(32);
      const call = (...args: unknown[]): unknown => (binding.verify as (...a: unknown[]) => unknown)(...args);
      assert.throws(() => call('P-224', point, digest, rs), TypeError);
      assert.throws(() => call('P-256\u0000', point, digest, rs), TypeError);
      assert.throws(() => call('P-384', point, digest, rs), TypeError); // point of the wrong size
      assert.throws(() => call('P-256', point, digest, rs.subarray(1)), TypeError);
      assert.throws(() => call('P-256', Array.from(point), digest, rs), TypeError);
      assert.throws(() => call('P-256', point, new Uint16Array(16), rs), TypeError);
      assert.throws(() => call('P-256', point, digest), TypeError);
    });
  });

  describe('when the arguments are views into larger buffers', () => {
    it('reads only the viewed bytes', function () {
      const binding = bindingOrSkip(this);
      const [c] = ecdsaCases('P-384', 1);
      assert.ok(c);
      const { bytes } = CURVES['P-384'];
      const view = (b: Buffer): Uint8Array => Buffer.concat([Buffer.alloc(3, 0xff), b, Buffer.alloc(5, 0xff)]).subarray(3, 3 + b.length);
      const rs = Buffer.concat([bigIntToBytes(c.sig.r, bytes), bigIntToBytes(c.sig.s, bytes)]);
      assert.equal(binding.verify('P-384', view(c.point), view(c.digest), view(rs)), true);
    });
  });
});

describe('the native binding\'s key cache', () => {
  /** `count` P-256 keys as uncompressed points, each with a signer of messages: their SHA-256 digest and r ‖ s. */
  function p256Keys(count: number): { point: Uint8Array; sign: (message: string) => { digest: Buffer; rs: Buffer } }[] {
    return Array.from({ length: count }, () => {
      const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
      const jwk = publicKey.export({ format: 'jwk' });
      const point = Buffer.concat([Buffer.of(4), Buffer.from(jwk.x ?? '', 'base64url'), Buffer.from(jwk.y ?? '', 'base64url')]);
      return {
        point,
        sign: (message) => ({
          digest: createHash('sha256').update(message).digest(),
          rs: signMessage('sha256', Buffer.from(message), { key: privateKey, dsaEncoding: 'ieee-p1363' }),
        }),
      };
    });
  }

  describe('when keys repeat, more keys than it holds, valid and forged signatures interleaved', () => {
    it('answers every call as a fresh key would', function () {
      this.timeout(20_000);
      const binding = bindingOrSkip(this);
      const keys = p256Keys(300); // the cache holds 256: later rounds evict and rebuild
      for (let round = 0; round < 3; round++) {
        keys.forEach((k, i) => {
          const { digest, rs } = k.sign(`round ${round} key ${i}`);
          assert.equal(binding.verify('P-256', k.point, digest, rs), true, `valid signature, key ${i}, round ${round}`);
          const forged = Buffer.from(digest);
          forged[i % 32] = (forged[i % 32] as number) ^ 1;
          assert.equal(binding.verify('P-256', k.point, forged, rs), false, `forged digest, key ${i}, round ${round}`);
          const other = keys[(i + 1) % keys.length] as (typeof keys)[number];
          assert.equal(binding.verify('P-256', other.point, digest, rs), false, `another key, key ${i}, round ${round}`);
        });
      }
    });
  });

  describe('when a cached key\'s point is altered off the curve', () => {
    it('refuses the altered point and still accepts the cached one', function () {
      const binding = bindingOrSkip(this);
      const [k] = p256Keys(1);
      assert.ok(k);
      const { digest, rs } = k.sign('cached');
      assert.equal(binding.verify('P-256', k.point, digest, rs), true);
      const altered = Buffer.from(k.point);
      altered[64] = (altered[64] as number) ^ 1;
      assert.equal(binding.verify('P-256', altered, digest, rs), false);
      assert.equal(binding.verify('P-256', k.point, digest, rs), true);
    });
  });
});

describe('the native binding in worker threads', () => {
  describe('when several workers load it at once (as the admission pool does)', () => {
    it('verifies in each, and the workers exit cleanly', async function () {
      this.timeout(20_000);
      bindingOrSkip(this);
      const cases = ecdsaCases('P-256', 40).map((c) => ({ ...c, sig: { r: c.sig.r.toString(), s: c.sig.s.toString() } }));
      const url = new URL('../../../src/entry/verify/ecdsa-prehash.js', import.meta.url).href;
      const body = `
        const { parentPort, workerData } = require('node:worker_threads');
        import(workerData.url).then((m) => import(workerData.nativeUrl).then((n) => {
          const answers = workerData.cases.map((c) => m.verifyEcdsaPrehashed(c.curve, c.point, c.digest, { r: BigInt(c.sig.r), s: BigInt(c.sig.s) }));
          parentPort.postMessage({ impl: n.prehashedEcdsaImplementation(), answers });
        }));`;
      const nativeUrl = new URL('../../../src/entry/verify/native.js', import.meta.url).href;
      const runs = Array.from({ length: 3 }, () => new Promise<{ impl: string; answers: boolean[]; code: number }>((resolve, reject) => {
        let reply: { impl: string; answers: boolean[] } | undefined;
        const w = new Worker(body, { eval: true, workerData: { url, nativeUrl, cases } });
        w.on('message', (m: { impl: string; answers: boolean[] }) => (reply = m));
        w.on('error', reject);
        w.on('exit', (code) => (reply === undefined ? reject(new Error(`worker exited ${code} without a reply`)) : resolve({ ...reply, code })));
      }));
      for (const { impl, answers, code } of await Promise.all(runs)) {
        assert.equal(impl, 'native');
        assert.deepEqual(answers, cases.map((c) => c.expected));
        assert.equal(code, 0);
      }
    });
  });
});
