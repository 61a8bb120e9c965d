/** Assertions on LogErrors (src/errors.ts) thrown by promises. */
import assert from 'node:assert/strict';
import { isLogError, type ErrorCode } from '../../src/errors.js';

/** Asserts that `p` rejects with a LogError with `code` (and a message matching `message`, when given). */
export async function rejectsWith(p: Promise<unknown>, code: ErrorCode, message?: RegExp): Promise<void> {
  await assert.rejects(p, (err: unknown) => {
    assert.ok(isLogError(err, code), `expected ${code}, got ${String(err)}`);
    if (message !== undefined) assert.match(err.message, message);
    return true;
  });
}
