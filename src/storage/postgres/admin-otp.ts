/**
 * The admin one-time-code state that every node on one PostgreSQL database
 * shares (src/http/totp.ts SharedOtpState): per admin token, the last TOTP
 * step accepted (`admin_otp_steps`, migrations/postgres/0005) and the wrong
 * codes in a row with the lockout they earned (`admin_otp_failures`, 0007).
 *
 * Every decision is one statement, atomic and serialised on the token's row
 * whichever node sends it:
 * - a wrong code is counted, and the lockout it earns is set, by one upsert
 *   of the token's `admin_otp_failures` row, which locks that row until the
 *   statement commits; a wrong code that finds the token locked out is not
 *   counted. Of wrong codes sent at once through any nodes, exactly as many
 *   are counted as the rule allows before the lockout, and every later one
 *   finds it (RFC 4226 §7.3);
 * - an accepted code spends its step (RFC 6238 §5.2: one acceptance per step)
 *   and deletes the count, in one statement that first locks the token's
 *   failures row (FOR UPDATE, reading its newest version): when the token is
 *   locked out at that moment nothing is spent nor cleared.
 *
 * Time: lockouts are measured by the database's clock (`clock_timestamp()`),
 * never a node's. Every node then sees a lockout begin and end at the same
 * moment, whatever the skew between their clocks, so a node whose clock runs
 * ahead does not end one early (the sequencer lease is timed the same way:
 * lease.ts). The codes' time steps stay the node's (the caller passes them):
 * a code is the authenticator's time, checked against the node's clock.
 */
import type pg from 'pg';

/** Wrong codes in a row before a lockout, its first length and its longest (src/http/totp.ts OTP_LOCKOUT). */
export interface OtpLockoutRule {
  /** Wrong codes in a row that lock a token out (≥ 1). */
  readonly maxFailures: number;
  /** The first lockout, ms; it doubles with each further wrong code… */
  readonly lockMs: number;
  /** …up to this, ms. */
  readonly maxLockMs: number;
}

/** What an accepted code's spend found: spent now, a step at or beyond it spent before, or the token locked out. */
export type OtpSpend = 'spent' | 'reused' | 'locked';

/** Runs one statement; rejects with STORE_FAILED when the database cannot be reached (the store's #query). */
export type RunStatement = <R extends pg.QueryResultRow>(what: string, query: pg.QueryConfig) => Promise<pg.QueryResult<R>>;

const named = (name: string, text: string) => (values: unknown[]): pg.QueryConfig => ({ name: `cairn_${name}`, text, values });

/** The token's lockout is in force (NULL or past: it is not). */
const LOCKED = 'locked_until > clock_timestamp()';

/**
 * The end of the lockout that `n` wrong codes in a row earn: NULL below $2
 * (maxFailures), else now + min($4, $3 × 2^(n − $2)) ms (the exponent capped,
 * far beyond the longest lockout, so that the product cannot overflow).
 */
const lockedUntil = (n: string): string =>
  `CASE WHEN ${n} < $2::integer THEN NULL ` +
  `ELSE clock_timestamp() + interval '1 millisecond' * least($4::bigint, $3::bigint * power(2, least(${n} - $2::integer, 32))::bigint) END`;

export const OTP_SQL = {
  // the ms token $1 stays locked out (0: not locked out); no row when it has no wrong codes
  lockedFor: named(
    'otp_locked_for',
    `SELECT CASE WHEN ${LOCKED} THEN ceil(extract(epoch FROM locked_until - clock_timestamp()) * 1000)::bigint ELSE 0 END AS ms FROM admin_otp_failures WHERE token = $1`,
  ),
  // one more wrong code for $1, unless it is locked out (then no row is returned); $2-$4 the rule (lockedUntil)
  fail: named(
    'otp_fail',
    `INSERT INTO admin_otp_failures AS f (token, failures, locked_until) VALUES ($1, 1, ${lockedUntil('1')})
     ON CONFLICT (token) DO UPDATE SET failures = f.failures + 1, locked_until = ${lockedUntil('f.failures + 1')}
     WHERE f.locked_until IS NULL OR f.locked_until <= clock_timestamp()
     RETURNING failures`,
  ),
  // spend step $2 for $1 and clear its wrong codes, unless it is locked out or a step at or beyond $2 was spent
  spend: named(
    'otp_spend',
    `WITH lockout AS (SELECT ${LOCKED} AS locked FROM admin_otp_failures WHERE token = $1 FOR UPDATE),
     spent AS (
       INSERT INTO admin_otp_steps (token, step) SELECT $1, $2 WHERE NOT EXISTS (SELECT FROM lockout WHERE locked)
       ON CONFLICT (token) DO UPDATE SET step = EXCLUDED.step WHERE admin_otp_steps.step < EXCLUDED.step
       RETURNING step
     ),
     cleared AS (DELETE FROM admin_otp_failures WHERE token = $1 AND EXISTS (SELECT FROM spent))
     SELECT EXISTS (SELECT FROM lockout WHERE locked) AS locked, EXISTS (SELECT FROM spent) AS spent`,
  ),
};

/**
 * The shared one-time-code state of a {@link PostgresStore} (its adminOtp()).
 * Each call is one statement; each rejects with STORE_FAILED when the
 * database cannot be reached (and then decided nothing the caller may rely on).
 */
export class PostgresAdminOtp {
  readonly #run: RunStatement;

  constructor(run: RunStatement) {
    this.#run = run;
  }

  /** How long `token` stays locked out, ms from now by the database's clock (0: it is not). */
  async lockedForMs(token: string): Promise<number> {
    const res = await this.#run<{ ms: string | null }>(`read the one-time code lockout of token ${JSON.stringify(token)}`, OTP_SQL.lockedFor([token]));
    return Math.max(0, Number(res.rows[0]?.ms ?? 0));
  }

  /**
   * Counts a wrong code for `token` and sets the lockout `rule` says its
   * count earns: true when counted, false when the token was locked out by
   * then (not counted: as on one node, where a code sent during a lockout is
   * refused unchecked).
   */
  async fail(token: string, rule: OtpLockoutRule): Promise<boolean> {
    const res = await this.#run(`count a wrong one-time code of token ${JSON.stringify(token)}`, OTP_SQL.fail([token, rule.maxFailures, rule.lockMs, rule.maxLockMs]));
    return res.rowCount === 1;
  }

  /**
   * Spends TOTP step `step` (≥ 0) for `token` and clears its wrong codes:
   * 'spent' when no step at or beyond it was spent before by any node (of two
   * nodes spending one step at once, one gets 'reused'); 'locked' when the
   * token is locked out (nothing spent); else 'reused' (its wrong codes kept).
   */
  async spend(token: string, step: number): Promise<OtpSpend> {
    const res = await this.#run<{ locked: boolean; spent: boolean }>(`spend a one-time code of token ${JSON.stringify(token)}`, OTP_SQL.spend([token, step]));
    const row = res.rows[0];
    return row?.locked === true ? 'locked' : row?.spent === true ? 'spent' : 'reused';
  }
}
