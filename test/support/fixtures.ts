/** Paths of committed test fixtures (test/fixtures/), found from the compiled test file's location. */
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Repo root: this file compiles to <root>/dist/test/support/fixtures.js. */
const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');

/** Absolute path of `test/fixtures/<parts…>`. */
export function fixturePath(...parts: string[]): string {
  return join(ROOT, 'test', 'fixtures', ...parts);
}

/**
 * The Tessera testdata log (transparency-dev/tessera@1811ae1 testdata/log,
 * Apache-2.0, see its LICENSE and README in test/fixtures/tessera-log).
 */
export const TESSERA_DIR = fixturePath('tessera-log');
