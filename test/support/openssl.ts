/** Cross-checks with the OpenSSL command-line tool: software Cairn did not write. */
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** Verifies `sig` over `data` with `openssl dgst` (software we did not write); true when OpenSSL prints "Verified OK". */
export function opensslVerifies(dir: string, publicPem: string, data: Uint8Array, sig: Uint8Array, digest: string | null): boolean {
  writeFileSync(join(dir, 'ossl.pub'), publicPem);
  writeFileSync(join(dir, 'ossl.data'), data);
  writeFileSync(join(dir, 'ossl.sig'), sig);
  const args =
    digest === null
      ? ['pkeyutl', '-verify', '-pubin', '-inkey', join(dir, 'ossl.pub'), '-rawin', '-in', join(dir, 'ossl.data'), '-sigfile', join(dir, 'ossl.sig')]
      : ['dgst', `-${digest}`, '-verify', join(dir, 'ossl.pub'), '-signature', join(dir, 'ossl.sig'), join(dir, 'ossl.data')];
  try {
    return /Verified? (OK|Successfully)/i.test(execFileSync('openssl', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }));
  } catch {
    return false;
  }
}

