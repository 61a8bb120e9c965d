/**
 * Workload generation for the benchmarks: unique hashedrekord entries signed
 * with ECDSA P-256 (prehashed SHA-256, as Rekor verifies), serialised to JSON
 * request bodies before any clock starts: Rekor v1 proposed entries (0.0.1)
 * or Rekor v2 `CreateEntryRequest`s (0.0.2, the key's DER SPKI sent as
 * `x509Certificate`, as sigstore-js sends it).
 */
import { createHash, generateKeyPairSync, randomBytes, sign } from 'node:crypto';

/** `n` JSON request bodies of unique entries, signed by `keys` distinct P-256 keys in turn; `api` 2 makes Rekor v2 requests. */
export function hashedRekordBodies(n: number, keys = 16, api: 1 | 2 = 1): string[] {
  const signers = Array.from({ length: keys }, () => {
    const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const pem = publicKey.export({ type: 'spki', format: 'pem' }).toString();
    return { privateKey, pemB64: Buffer.from(pem).toString('base64'), spkiB64: publicKey.export({ type: 'spki', format: 'der' }).toString('base64') };
  });
  const salt = randomBytes(16);
  const out: string[] = new Array(n);
  for (let i = 0; i < n; i++) {
    const s = signers[i % keys]!;
    const artifact = Buffer.concat([salt, Buffer.from(String(i))]);
    const digest = createHash('sha256').update(artifact).digest('hex');
    const sig = sign('sha256', artifact, s.privateKey).toString('base64');
    if (api === 2) {
      const verifier = { x509Certificate: { rawBytes: s.spkiB64 }, keyDetails: 'PKIX_ECDSA_P256_SHA_256' };
      out[i] = JSON.stringify({ hashedRekordRequestV002: { digest: Buffer.from(digest, 'hex').toString('base64'), signature: { content: sig, verifier } } });
      continue;
    }
    out[i] = JSON.stringify({
      apiVersion: '0.0.1',
      kind: 'hashedrekord',
      spec: { data: { hash: { algorithm: 'sha256', value: digest } }, signature: { content: sig, publicKey: { content: s.pemB64 } } },
    });
  }
  return out;
}

/** p50 and p99 (nearest rank, {@link percentile}) of durations in ms, rounded to 0.01 ms; NaN when empty. */
export function msPercentiles(ms: readonly number[]): { p50: number; p99: number } {
  const round = (x: number): number => Number(x.toFixed(2));
  return { p50: round(percentile(ms, 50)), p99: round(percentile(ms, 99)) };
}

/** Percentile (0..100) of an unsorted array of numbers; NaN when empty. */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank]!;
}
