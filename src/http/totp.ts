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
/** First lockout after OTP_MAX_FAILURES wrong codes, ms; it doubles with each further wrong code, up to OTP_MAX_LOCK_MS. */
const OTP_LOCK_MS = 30_000;
const OTP_MAX_LOCK_MS = 15 * 60_000;

/**
 * Where the steps spent are recorded for several nodes on one database
 * (PostgresStore.spendOtpStep), so that a code one node accepted is refused
 * by every other.
 */
export interface SharedOtpSteps {
  /** Spend `step` for token `token`: true when no step at or beyond it was spent before, by any node; rejects when it cannot tell. */
  spend(token: string, step: number): Promise<boolean>;
}

/**
 * The check of admin one-time codes, with the state that makes each code
 * single-use: per token name, the last step accepted and the wrong codes in
 * a row. That state is in this process's memory; with `shared` (several nodes
 * on one database) each accepted step is also spent there, so a code is
 * accepted once across the nodes and across restarts. Without it, after a
 * restart a code of the current window that was used just before could be
 * used again within its ±1 step. Wrong codes are counted per process.
 */
export class OneTimeCodes {
  readonly #secret: Uint8Array;
  readonly #shared: SharedOtpSteps | undefined;
  readonly #lastStep = new Map<string, number>();
  readonly #failures = new Map<string, { count: number; lockedUntil: number }>();

  /** `secret`: the shared secret's bytes (at least 16: RFC 4226 §4 R6 asks for 128 bits, recommends 160). */
  constructor(secret: Uint8Array, shared?: SharedOtpSteps) {
    if (secret.length < 16) throw new LogError('CONFIG_INVALID', `a TOTP secret needs at least 16 bytes (128 bits); this one has ${secret.length}`);
    this.#secret = Uint8Array.from(secret);
    this.#shared = shared;
  }

  /**
   * Checks `code` (the header's value, undefined when absent) for token
   * `who` at `nowMs`; undefined when accepted (from then on that step and
   * the earlier ones are spent for `who`: here, and with shared steps for
   * every node), else why not: OTP_REUSED also when another node (or an
   * earlier process) spent that step or a later one. Rejects with the shared
   * store's error when it cannot be reached (the code is then spent here,
   * not there: the admin waits for the next).
   */
  async check(who: string, code: string | undefined, nowMs: number): Promise<OtpRefusal | undefined> {
    const r = this.#match(who, code, nowMs);
    if (typeof r !== 'number') return r;
    if (this.#shared !== undefined && !(await this.#shared.spend(who, r))) return 'OTP_REUSED';
    return undefined;
  }

  /** The step `code` is accepted for (now spent here), or why it is refused. */
  #match(who: string, code: string | undefined, nowMs: number): OtpRefusal | number {
    if (code === undefined || code.trim() === '') return 'OTP_REQUIRED';
    const f = this.#failures.get(who);
    if (f !== undefined && f.lockedUntil > nowMs) return 'OTP_LOCKED';
    const presented = Buffer.from(code.trim());
    const now = totpStep(nowMs);
    let matched: number | undefined;
    // Every candidate is compared (no early exit), so timing does not tell which step matched.
    for (let step = now - TOTP_SKEW_STEPS; step <= now + TOTP_SKEW_STEPS; step++) {
      const expected = Buffer.from(hotp(this.#secret, step));
      if (presented.length === expected.length && timingSafeEqual(presented, expected) && matched === undefined) matched = step;
    }
    if (matched === undefined) {
      const count = (f?.count ?? 0) + 1;
      const lockMs = count < OTP_MAX_FAILURES ? 0 : Math.min(OTP_MAX_LOCK_MS, OTP_LOCK_MS * 2 ** (count - OTP_MAX_FAILURES));
      this.#failures.set(who, { count, lockedUntil: nowMs + lockMs });
      return 'OTP_INVALID';
    }
    const last = this.#lastStep.get(who);
    if (last !== undefined && matched <= last) return 'OTP_REUSED';
    this.#lastStep.set(who, matched);
    this.#failures.delete(who);
    return matched;
  }
}
