/**
 * Real cosign-made signature data from containers/image's test fixtures
 * (test/fixtures/cosign/, see its README for provenance and license).
 */
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** dist/test/support → the source tree's test/fixtures/cosign. */
export const COSIGN_FIXTURES = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', 'test', 'fixtures', 'cosign');

/** Absolute path of one fixture file. */
export function cosignFixturePath(name: string): string {
  return join(COSIGN_FIXTURES, name);
}
