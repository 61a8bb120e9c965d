/**
 * One-time codes for admin operations: HOTP (RFC 4226) and TOTP (RFC 6238)
 * with HMAC-SHA-1, as authenticator apps compute them, and the base32
 * secrets (RFC 4648 §6) those apps read from an `otpauth://` URI.
 *
 * - HOTP(K, C) = Truncate(HMAC-SHA-1(K, C as 8 bytes big-endian)) mod 10^digits,
 *   Truncate being RFC 4226 §5.3's dynamic truncation (offset = low 4 bits of
 *   the last byte, 31 bits from there).
 * - TOTP(K, T) = HOTP(K, floor((T - T0) / X)) with T0 = 0 and X = 30 s
 *   (RFC 6238 §4); the time is given, never read: callers pass their clock's.
 *
 * {@link OneTimeCodes} checks the codes an admin presents: 6 digits, the
 * current 30 s step or one step either side (RFC 6238 §5.2's skew), each
 * accepted once per token (the last accepted step is kept per token name, and
 * a code for that step or an earlier one is refused: RFC 6238 §5.2 "MUST NOT
 * accept the second attempt of the same OTP"), and guessing is throttled per
 * token (RFC 4226 §7.3).
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { LogError } from '../errors.js';

/** TOTP's time step, seconds (RFC 6238 §5.2's recommended default). */
export const TOTP_STEP_SECONDS = 30;
/** Digits in a code (what authenticator apps show by default). */
export const TOTP_DIGITS = 6;
/** Steps either side of the current one whose code is accepted (clock skew and typing time). */
export const TOTP_SKEW_STEPS = 1;

const BASE32 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

/** RFC 4648 §6 base32 without padding (as `otpauth://` URIs carry secrets). */
export function base32Encode(bytes: Uint8Array): string {
  let out = '';
  let acc = 0;
  let bits = 0;
  for (const b of bytes) {
    acc = ((acc << 8) | b) & 0xffff;
    bits += 8;
    while (bits >= 5) {
      out += BASE32[(acc >>> (bits - 5)) & 31];
      bits -= 5;
    }
  }
  if (bits > 0) out += BASE32[(acc << (5 - bits)) & 31];
  return out;
}

/**
 * RFC 4648 §6 base32 as people copy it: case-insensitive, spaces and hyphens
 * between groups ignored, `=` padding optional. Throws BAD_REQUEST on any
 * other character or on trailing bits that are not zero.
 */
export function base32Decode(text: string): Uint8Array {
  const s = text.replace(/[\s-]/g, '').replace(/=+$/, '').toUpperCase();
  const out: number[] = [];
  let acc = 0;
  let bits = 0;
  for (const ch of s) {
    const v = BASE32.indexOf(ch);
    if (v < 0) throw new LogError('BAD_REQUEST', `${JSON.stringify(ch)} is not a base32 character (A-Z, 2-7)`);
    acc = ((acc << 5) | v) & 0xfff;
    bits += 5;
    if (bits >= 8) {
      out.push((acc >>> (bits - 8)) & 0xff);
      bits -= 8;
    }
  }
  if (bits >= 5 || (acc & ((1 << bits) - 1)) !== 0) throw new LogError('BAD_REQUEST', 'the base32 text has a truncated last character');
  return Uint8Array.from(out);
}

/** RFC 4226 HOTP with HMAC-SHA-1: `digits` decimal digits, zero-padded. `counter` is a safe integer ≥ 0. */
export function hotp(secret: Uint8Array, counter: number, digits = TOTP_DIGITS): string {
  const msg = Buffer.alloc(8);
  msg.writeBigUInt64BE(BigInt(counter));
  const mac = createHmac('sha1', secret).update(msg).digest();
  const offset = mac[mac.length - 1]! & 0x0f;
  const binary = mac.readUInt32BE(offset) & 0x7fffffff;
  return (binary % 10 ** digits).toString().padStart(digits, '0');
}

/** The TOTP time step of `timeMs` (ms since the epoch): floor(seconds / 30). */
export function totpStep(timeMs: number): number {
  return Math.floor(timeMs / 1000 / TOTP_STEP_SECONDS);
}

/** RFC 6238 TOTP (SHA-1, 30 s steps, T0 = 0) at `timeMs`. */
export function totp(secret: Uint8Array, timeMs: number, digits = TOTP_DIGITS): string {
  return hotp(secret, totpStep(timeMs), digits);
}

/** Why a presented code was refused (the error code of the refusal). */
export type OtpRefusal = 'OTP_REQUIRED' | 'OTP_INVALID' | 'OTP_REUSED' | 'OTP_LOCKED';

/** Wrong codes in a row, per token, before further codes are refused for a while. */
export const OTP_MAX_FAILURES = 5;

/**
 * The throttle of guessing (RFC 4226 §7.3): after OTP_MAX_FAILURES wrong
 * codes in a row for a token, its codes are refused (OTP_LOCKED, unchecked)
 * for 30 s; each further wrong code once that has passed locks it out again
 * for twice as long as the one before, up to 15 min. An accepted code resets
 * the count.
 */
export const OTP_LOCKOUT = { maxFailures: OTP_MAX_FAILURES, lockMs: 30_000, maxLockMs: 15 * 60_000 } as const;

/** The lockout that `count` wrong codes in a row earn, ms (0: none). */
function lockoutMs(count: number): number {
  return count < OTP_LOCKOUT.maxFailures ? 0 : Math.min(OTP_LOCKOUT.maxLockMs, OTP_LOCKOUT.lockMs * 2 ** (count - OTP_LOCKOUT.maxFailures));
}

/**
 * The one-time-code state of several nodes on one database
 * (PostgresStore.adminOtp, src/storage/postgres/admin-otp.ts): the steps
 * spent, so that a code one node accepted is refused by every other, and the
 * wrong codes in a row and the lockout, counted for all the nodes together.
 * Lockouts are timed by the store's clock. Each call is atomic whatever the
 * other nodes do at the same time, and rejects when the store cannot answer.
 */
export interface SharedOtpState {
  /** How long `token` stays locked out, ms from now (0: it is not). */
  lockedForMs(token: string): Promise<number>;
  /** Counts a wrong code for `token` and locks it out as `rule` says: true when counted, false when it was already locked out. */
  fail(token: string, rule: typeof OTP_LOCKOUT): Promise<boolean>;
  /** Spends `step` for `token` and resets its count, unless it is locked out ('locked') or a step at or beyond it was spent by any node ('reused'). */
  spend(token: string, step: number): Promise<'spent' | 'reused' | 'locked'>;
}

/**
 * The check of admin one-time codes, with the state that makes each code
 * single-use and throttles guessing: per token name, the last step accepted
 * and the wrong codes in a row (OTP_LOCKOUT).
 *
 * Alone (one node), that state is in this process's memory: after a restart
 * a code of the current window that was used just before could be used again
 * within its ±1 step. With `shared` (several nodes on one database) each
 * accepted step is also spent there, so a code is accepted once across the
 * nodes and across restarts, and the wrong codes and the lockout are only
 * there: guessing through several nodes gets no more tries than through one.
 * A store that cannot answer is never replaced by the count in memory.
 */
export class OneTimeCodes {
  readonly #secret: Uint8Array;
  readonly #shared: SharedOtpState | undefined;
  readonly #lastStep = new Map<string, number>();
  readonly #failures = new Map<string, { count: number; lockedUntil: number }>();

  /** `secret`: the shared secret's bytes (at least 16: RFC 4226 §4 R6 asks for 128 bits, recommends 160). */
  constructor(secret: Uint8Array, shared?: SharedOtpState) {
    if (secret.length < 16) throw new LogError('CONFIG_INVALID', `a TOTP secret needs at least 16 bytes (128 bits); this one has ${secret.length}`);
    this.#secret = Uint8Array.from(secret);
    this.#shared = shared;
  }

  /**
   * Checks `code` (the header's value, undefined when absent) for token
   * `who` at `nowMs`; undefined when accepted (from then on that step and
   * the earlier ones are spent for `who`: here, and with shared state for
   * every node), else why not, in this order: OTP_REQUIRED (no code),
   * OTP_LOCKED (the token is locked out: the code is not even compared),
   * OTP_INVALID (wrong: counted), OTP_REUSED (that step or a later one was
   * spent, also by another node or an earlier process). With shared state, a
   * wrong code or an accepted one that finds the token locked out by another
   * node meanwhile is OTP_LOCKED too. Rejects with the shared store's error
   * when it cannot be reached (a right code is then spent here, not there,
   * as is one refused because of a lockout: the admin waits for the next).
   */
  async check(who: string, code: string | undefined, nowMs: number): Promise<OtpRefusal | undefined> {
    if (code === undefined || code.trim() === '') return 'OTP_REQUIRED';
    const shared = this.#shared;
    if (shared === undefined) return this.#checkHere(who, code, nowMs);
    if ((await shared.lockedForMs(who)) > 0) return 'OTP_LOCKED';
    const step = this.#match(code, nowMs);
    if (step === undefined) return (await shared.fail(who, OTP_LOCKOUT)) ? 'OTP_INVALID' : 'OTP_LOCKED';
    if (!this.#spendHere(who, step)) return 'OTP_REUSED';
    const spent = await shared.spend(who, step);
    return spent === 'spent' ? undefined : spent === 'reused' ? 'OTP_REUSED' : 'OTP_LOCKED';
  }

  /**
   * How long `who` stays locked out, ms from `nowMs` (0: it is not): what a
   * refusal's Retry-After tells the client. With shared state, by the
   * store's clock; rejects when the store cannot answer.
   */
  async lockedForMs(who: string, nowMs: number): Promise<number> {
    if (this.#shared !== undefined) return this.#shared.lockedForMs(who);
    return Math.max(0, (this.#failures.get(who)?.lockedUntil ?? 0) - nowMs);
  }

  /** check() with the wrong codes counted in this process. */
  #checkHere(who: string, code: string, nowMs: number): OtpRefusal | undefined {
    const f = this.#failures.get(who);
    if (f !== undefined && f.lockedUntil > nowMs) return 'OTP_LOCKED';
    const step = this.#match(code, nowMs);
    if (step === undefined) {
      const count = (f?.count ?? 0) + 1;
      this.#failures.set(who, { count, lockedUntil: nowMs + lockoutMs(count) });
      return 'OTP_INVALID';
    }
    if (!this.#spendHere(who, step)) return 'OTP_REUSED';
    this.#failures.delete(who);
    return undefined;
  }

  /** The step within ±TOTP_SKEW_STEPS of `nowMs` whose code `code` is, if any. */
  #match(code: string, nowMs: number): number | undefined {
    const presented = Buffer.from(code.trim());
    const now = totpStep(nowMs);
    let matched: number | undefined;
    // Every candidate is compared (no early exit), so timing does not tell which step matched.
    for (let step = now - TOTP_SKEW_STEPS; step <= now + TOTP_SKEW_STEPS; step++) {
      const expected = Buffer.from(hotp(this.#secret, step));
      if (presented.length === expected.length && timingSafeEqual(presented, expected) && matched === undefined) matched = step;
    }
    return matched;
  }

  /** Spends `step` for `who` in this process: false when it or a later step was spent here before. */
  #spendHere(who: string, step: number): boolean {
    const last = this.#lastStep.get(who);
    if (last !== undefined && step <= last) return false;
    this.#lastStep.set(who, step);
    return true;
  }
}
