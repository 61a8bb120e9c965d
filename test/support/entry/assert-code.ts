/** Assertions on LogError codes (tests assert on codes, never on whole messages). */
import assert from 'node:assert/strict';
import { LogError, type ErrorCode } from '../../../src/errors.js';

/** Run `fn`, expecting a LogError with `code` (and, optionally, a message containing `fragment`). */
export function assertCode(fn: () => unknown, code: ErrorCode, fragment?: string): LogError {
  try {
    fn();
  } catch (err) {
    assert.ok(err instanceof LogError, `expected a LogError, got ${String(err)}`);
    assert.equal(err.code, code, `expected ${code}, got ${err.code}: ${err.message}`);
    if (fragment !== undefined) assert.ok(err.message.includes(fragment), `message "${err.message}" lacks "${fragment}"`);
    return err;
  }
  assert.fail(`expected LogError ${code}, but nothing was thrown`);
}
