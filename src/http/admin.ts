/**
 * Admin operations: every request whose path starts with `/api/v1/admin/`
 * (compared as the router matches literals: case-insensitively), whatever
 * its method and whether or not a route serves it, goes through this gate
 * instead of the plain guard chain:
 *
 * 1. the guard chain runs as for any request (rate limit, access control);
 * 2. the token must have role `admin` (auth.ts: 401 without a valid token,
 *    403 without the role); a server without tokens (no --tokens-file)
 *    refuses every admin request (403 FORBIDDEN);
 * 3. with one-time codes configured (`--admin-totp-secret-file`), the
 *    request must carry the token's current RFC 6238 code in the
 *    `X-Cairn-OTP` header (totp.ts): none → 401 OTP_REQUIRED, a wrong one →
 *    401 OTP_INVALID, one already spent → 401 OTP_REUSED (all with
 *    `WWW-Authenticate: Bearer realm="cairn", error="insufficient_user_authentication"`,
 *    RFC 9470 §3), after 5 wrong codes in a row → 429 OTP_LOCKED, with
 *    `Retry-After` the seconds until the lockout ends (totp.ts OTP_LOCKOUT). On PostgreSQL a code is spent for every node on
 *    the database, and wrong codes and lockouts are counted there for all the
 *    nodes together (totp.ts SharedOtpState): a code another node accepted is
 *    OTP_REUSED here, a token locked out through other nodes is OTP_LOCKED
 *    here; when the database cannot be reached to tell, 503 STORE_FAILED.
 *
 * Every admin request is recorded in the admin audit log ({@link AdminAudit})
 * before it is answered: a refused one as one `refused` record; an allowed
 * one as an `authorized` record, durable before the operation runs (no
 * operation runs unrecorded), then a `completed` record with the answer's
 * status, durable before the answer is sent. A record that cannot be written
 * turns the answer into 503 STORE_FAILED (for `authorized`: the operation
 * did not run; for `completed`: it ran, `details.status` says how).
 *
 * On a node of several that does not sequence, an allowed operation on the
 * log itself (rotate, freeze: Route.sequencer) is relayed to the sequencing
 * node, which records and runs it (admin-relay.ts); every other admin
 * request is served and recorded where it arrived (its records reach the
 * audit log through the sequencing node, as entries do).
 */
import type { Clock } from '../clock.js';
import type { AdminRecord } from '../log/index.js';
import { LogError, describeError } from '../errors.js';
import { ADMIN_PATH_PREFIX, REALM, checkAccess, refuse } from './auth.js';
import { errorReply } from './errors.js';
import type { GuardRequest } from './guards.js';
import type { Reply } from './reply.js';
import { OTP_LOCKOUT, type OneTimeCodes, type OtpRefusal } from './totp.js';

/** The header carrying an admin request's one-time code. */
export const OTP_HEADER = 'X-Cairn-OTP';

export type { AdminRecord };

/** Where admin records go (the admin audit log, log/admin-log.ts). */
export interface AdminAudit {
  /** Appends `record`; resolves once it is durable, rejects when it cannot be written. */
  record(record: AdminRecord): Promise<void>;
}

export interface AdminOptions {
  /** Whether access control is on (a tokens file): without it no token can hold role admin, and every admin request is refused. */
  readonly tokens: boolean;
  /** One-time codes required on top of the role; absent: the role is enough. */
  readonly otp?: OneTimeCodes;
  /** Where every admin request is recorded; absent: nowhere. */
  readonly audit?: AdminAudit;
  /** Time of records and of one-time codes. */
  readonly clock: Clock;
}

/** Whether `path` (as sent) names an admin operation. */
export function isAdminPath(path: string): boolean {
  return path.toLowerCase().startsWith(ADMIN_PATH_PREFIX);
}

const STEP_UP = `${REALM}, error="insufficient_user_authentication"`;

const OTP_MESSAGES: Readonly<Record<OtpRefusal, string>> = {
  OTP_REQUIRED: `admin operations need a one-time code (RFC 6238 TOTP) in the ${OTP_HEADER} header`,
  OTP_INVALID: `the one-time code in ${OTP_HEADER} is not valid now`,
  OTP_REUSED: `the one-time code in ${OTP_HEADER} was already used; wait for the next one`,
  OTP_LOCKED: 'too many wrong one-time codes for this token; try again later',
};

/** Who an allowed admin request came from, as the gate judged it: what a relay carries (admin-relay.ts). */
export interface AdminVerdict {
  /** The token's name. */
  readonly who: string;
  /** The client's address. */
  readonly client: string;
  /** The request's ID (X-Request-Id). */
  readonly requestId: string;
}

export class AdminGate {
  readonly #o: AdminOptions;

  constructor(options: AdminOptions) {
    this.#o = options;
  }

  /**
   * The refusal of an admin request by role and one-time code (steps 2 and 3
   * of the module comment), or undefined. A one-time code that cannot be
   * checked against the other nodes' (the database is away) is 503
   * STORE_FAILED.
   */
  async refusal(req: GuardRequest): Promise<Reply | undefined> {
    if (!this.#o.tokens) {
      return refuse('FORBIDDEN', REALM, 'admin operations are disabled: the server runs without --tokens-file, so no token has role admin');
    }
    const denied = checkAccess(req, 'admin');
    if (denied !== undefined || this.#o.otp === undefined) return denied;
    const who = req.principal() as NonNullable<ReturnType<GuardRequest['principal']>>;
    const header = req.headers[OTP_HEADER.toLowerCase()];
    let why: OtpRefusal | undefined;
    try {
      why = await this.#o.otp.check(who.name, Array.isArray(header) ? header.join(',') : header, this.#o.clock.now());
    } catch (err) {
      return errorReply(new LogError('STORE_FAILED', `couldn't check the one-time code against the other nodes': ${describeError(err)}; retry with the next code`));
    }
    if (why === undefined) return undefined;
    const r = refuse(why, STEP_UP, OTP_MESSAGES[why]);
    if (why !== 'OTP_LOCKED') return r;
    // RFC 9110 §10.2.3: the seconds until the lockout ends (at least 1); the first lockout's length if the store cannot say.
    const ms = await this.#o.otp.lockedForMs(who.name, this.#o.clock.now()).catch(() => OTP_LOCKOUT.lockMs);
    return { ...r, headers: { ...r.headers, 'Retry-After': String(Math.max(1, Math.ceil(ms / 1000))) } };
  }

  /**
   * Serves an admin request (`requestId` is its ID, served.ts): `guardRefusal` is the guard chain's answer (if
   * it refused), `run` the route's reply (it never rejects: errors are
   * already replies). Records as the module comment says; resolves to the
   * answer to send. With `relay` (an operation the sequencing node runs, on
   * a node that does not sequence), an allowed request is not run here nor
   * recorded as authorized or completed: `relay` passes it on with the
   * verdict, and the node that runs it records it (admin-relay.ts); its
   * answer (never a rejection) is the answer.
   */
  async serve(req: GuardRequest, requestId: string, guardRefusal: Reply | undefined, run: () => Promise<Reply>, relay?: (allowed: AdminVerdict) => Promise<Reply>): Promise<Reply> {
    const refused = guardRefusal ?? (await this.refusal(req));
    const who = req.principal();
    const base = {
      who: who === undefined || who === null ? null : who.name,
      client: req.address,
      operation: `${req.method} ${req.path.slice(0, 512)}`,
      requestId,
    };
    if (refused !== undefined) {
      const failed = await this.#record({ ...base, event: 'refused', time: this.#o.clock.now(), status: refused.status, reason: codeOf(refused) });
      return failed === undefined ? refused : unrecorded(`couldn't record the refused admin request in the admin log: ${failed}`, { status: refused.status });
    }
    if (relay !== undefined && base.who !== null) return relay({ who: base.who, client: base.client, requestId });
    return this.#run(base, run);
  }

  /**
   * Serves an admin request another node's gate allowed and relayed here
   * (admin-relay.ts): recorded as {@link serve} records an allowed one, each
   * record naming the relaying node, and run.
   */
  serveRelayed(base: AdminVerdict & { readonly operation: string; readonly relayedBy: string }, run: () => Promise<Reply>): Promise<Reply> {
    return this.#run(base, run);
  }

  /** Records `authorized`, runs, records `completed` (module comment). */
  async #run(base: Pick<AdminRecord, 'who' | 'client' | 'operation' | 'requestId' | 'relayedBy'>, run: () => Promise<Reply>): Promise<Reply> {
    const authorized = await this.#record({ ...base, event: 'authorized', time: this.#o.clock.now(), status: null, reason: null });
    if (authorized !== undefined) return unrecorded(`couldn't record the admin operation in the admin log, so it was not run: ${authorized}`, {});
    const reply = await run();
    const completed = await this.#record({
      ...base,
      event: 'completed',
      time: this.#o.clock.now(),
      status: reply.status,
      reason: reply.status >= 400 ? codeOf(reply) : null,
    });
    if (completed !== undefined) {
      return unrecorded(`the admin operation ran (status ${reply.status}) but its outcome couldn't be recorded in the admin log: ${completed}`, { status: reply.status });
    }
    return reply;
  }

  /** Undefined once `r` is durable; else why it is not. */
  async #record(r: AdminRecord): Promise<string | undefined> {
    if (this.#o.audit === undefined) return undefined;
    try {
      await this.#o.audit.record(r);
      return undefined;
    } catch (err) {
      return describeError(err);
    }
  }
}

function unrecorded(message: string, details: Record<string, unknown>): Reply {
  return errorReply(new LogError('STORE_FAILED', message, { details }));
}

/** The error code of one of our JSON error replies (errors.ts), else `HTTP_<status>`. */
function codeOf(reply: Reply): string {
  try {
    const body = JSON.parse(typeof reply.body === 'string' ? reply.body : Buffer.from(reply.body).toString('utf8')) as { error?: unknown };
    if (typeof body.error === 'string' && /^[A-Z_]{1,64}$/.test(body.error)) return body.error;
  } catch {
    // not JSON: fall through
  }
  return `HTTP_${reply.status}`;
}
