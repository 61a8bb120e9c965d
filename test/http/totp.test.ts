/**
 * One-time codes (src/http/totp.ts): HOTP against RFC 4226 Appendix D, TOTP
 * against RFC 6238 Appendix B (SHA-1, 8 digits), base32 against RFC 4648 §10,
 * and the admin check: ±1 step, each code once per token, guessing throttled.
 */
import assert from 'node:assert/strict';
import { OneTimeCodes, base32Decode, base32Encode, hotp, totp } from '../../src/http/index.js';

const RFC_SECRET = Buffer.from('12345678901234567890', 'ascii');

describe('one-time codes', () => {
  it('HOTP matches RFC 4226 Appendix D', () => {
    const expected = ['755224', '287082', '359152', '969429', '338314', '254676', '287922', '162583', '399871', '520489'];
    assert.deepEqual(expected.map((_, c) => hotp(RFC_SECRET, c)), expected);
  });

  it('TOTP (SHA-1) matches RFC 6238 Appendix B', () => {
    const vectors: Array<[number, string]> = [
      [59, '94287082'],
      [1111111109, '07081804'],
      [1111111111, '14050471'],
      [1234567890, '89005924'],
      [2000000000, '69279037'],
      [20000000000, '65353130'],
    ];
    for (const [seconds, code] of vectors) assert.equal(totp(RFC_SECRET, seconds * 1000, 8), code, `T = ${seconds}`);
    assert.equal(totp(RFC_SECRET, 59_000), '287082'); // 6 digits: the same HOTP value's last six
  });

  it('base32 matches RFC 4648 §10 and reads secrets as apps show them', () => {
    const vectors: Array<[string, string]> = [['', ''], ['f', 'MY'], ['fo', 'MZXQ'], ['foo', 'MZXW6'], ['foob', 'MZXW6YQ'], ['fooba', 'MZXW6YTB'], ['foobar', 'MZXW6YTBOI']];
    for (const [plain, b32] of vectors) {
      assert.equal(base32Encode(Buffer.from(plain)), b32);
      assert.equal(Buffer.from(base32Decode(b32)).toString(), plain);
    }
    assert.equal(Buffer.from(base32Decode('mzxw 6ytb-oi======')).toString(), 'foobar');
    assert.throws(() => base32Decode('MZXW1'), /not a base32 character/);
    assert.throws(() => base32Decode('MZXW6YTBO'), /truncated/);
  });

  describe('OneTimeCodes', () => {
    const T = 1_700_000_000_000; // a step boundary is at every 30 s
    const code = (ms: number): string => totp(RFC_SECRET, ms);

    it('accepts the current code and the ones a step either side, each once', async () => {
      const codes = new OneTimeCodes(RFC_SECRET);
      assert.equal(await codes.check('ops', code(T - 30_000), T), undefined);
      assert.equal(await codes.check('ops', code(T - 30_000), T), 'OTP_REUSED');
      assert.equal(await codes.check('ops', code(T), T + 1_000), undefined);
      assert.equal(await codes.check('ops', code(T), T + 2_000), 'OTP_REUSED'); // even within its window
      assert.equal(await codes.check('ops', code(T + 30_000), T), undefined);
      assert.equal(await codes.check('ops', code(T), T), 'OTP_REUSED'); // an earlier step after a later one
      assert.equal(await codes.check('ops', code(T + 60_000), T), 'OTP_INVALID'); // two steps ahead
      assert.equal(await codes.check('ops', code(T - 60_000), T), 'OTP_INVALID'); // two steps behind
    });

    it('keeps spent steps per token', async () => {
      const codes = new OneTimeCodes(RFC_SECRET);
      assert.equal(await codes.check('a', code(T), T), undefined);
      assert.equal(await codes.check('b', code(T), T), undefined);
      assert.equal(await codes.check('a', code(T), T), 'OTP_REUSED');
    });

    it('refuses missing and malformed codes', async () => {
      const codes = new OneTimeCodes(RFC_SECRET);
      assert.equal(await codes.check('ops', undefined, T), 'OTP_REQUIRED');
      assert.equal(await codes.check('ops', ' ', T), 'OTP_REQUIRED');
      for (const bad of ['12345', '1234567', 'abcdef', `${code(T)}0`, code(T).slice(1)]) assert.equal(await codes.check('ops', bad, T), 'OTP_INVALID', bad);
    });

    it('locks a token out after 5 wrong codes in a row, for 30 s then longer', async () => {
      const codes = new OneTimeCodes(RFC_SECRET);
      const wrong = String((Number(code(T)) + 1) % 1_000_000).padStart(6, '0');
      for (let i = 0; i < 5; i++) assert.equal(await codes.check('ops', wrong, T), 'OTP_INVALID');
      assert.equal(await codes.check('ops', code(T), T + 1_000), 'OTP_LOCKED'); // even the right code
      assert.equal(await codes.lockedForMs('ops', T + 1_000), 29_000);
      assert.equal(await codes.lockedForMs('other', T + 1_000), 0);
      assert.equal(await codes.check('other', code(T), T + 1_000), undefined); // other tokens are not locked
      assert.equal(await codes.check('ops', code(T + 30_000), T + 30_000), undefined); // the lock has passed
      for (let i = 0; i < 5; i++) assert.equal(await codes.check('ops', wrong, T + 60_000), 'OTP_INVALID');
      assert.equal(await codes.check('ops', wrong, T + 90_000), 'OTP_INVALID'); // the 6th in a row, once the lock has passed…
      assert.equal(await codes.check('ops', code(T + 120_000), T + 120_000), 'OTP_LOCKED'); // …locks for 60 s
      assert.equal(await codes.lockedForMs('ops', T + 120_000), 30_000);
      assert.equal(await codes.check('ops', code(T + 150_000), T + 150_000), undefined);
    });

    it('refuses a secret shorter than 128 bits', () => {
      assert.throws(() => new OneTimeCodes(new Uint8Array(15)), /at least 16 bytes/);
    });
  });
});
