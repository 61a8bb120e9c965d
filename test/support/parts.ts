/**
 * The policy for tests that need a real outside part (an OCI registry, an
 * HSM, skopeo, …): when the part is missing, `requirePartOrSkip` skips the
 * suite with a loud message, or fails it when `CAIRN_REQUIRE_<PART>=1`
 * (`.ci/run` sets it for every part, so CI never skips).
 */
import { execFileSync } from 'node:child_process';

/** The parts tests may need, each with the Debian package that provides it. */
export const PARTS = {
  REGISTRY: { what: 'the OCI registry (docker-registry)', install: 'apt-get install docker-registry' },
  HSM: { what: 'SoftHSM2 (softhsm2-util and libsofthsm2.so)', install: 'apt-get install softhsm2' },
  SKOPEO: { what: 'skopeo', install: 'apt-get install skopeo' },
  UMOCI: { what: 'umoci', install: 'apt-get install umoci' },
  PG: { what: 'PostgreSQL (initdb and postgres in /usr/lib/postgresql/*/bin)', install: 'apt-get install postgresql' },
  PROMTOOL: { what: "Prometheus's promtool", install: 'apt-get install prometheus' },
  REDOCLY: { what: 'the Redocly CLI (@redocly/cli)', install: 'npm install --no-save @redocly/cli, or CAIRN_REDOCLY=<path to redocly>' },
  BROWSER: { what: 'Chromium (/usr/bin/chromium)', install: 'apt-get install chromium' },
} as const;

export type Part = keyof typeof PARTS;

/** True when `command` is on PATH (it is found by `command -v`). */
export function hasCommand(command: string): boolean {
  try {
    execFileSync('sh', ['-c', `command -v ${command}`], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/**
 * Skips the current suite (from a `before` hook) when `available` is false,
 * loudly; throws instead when CAIRN_REQUIRE_<part>=1.
 */
export function requirePartOrSkip(ctx: Mocha.Context, part: Part, available: boolean): void {
  if (available) return;
  const { what, install } = PARTS[part];
  const missing = `${what} is not installed (${install})`;
  if (process.env[`CAIRN_REQUIRE_${part}`] === '1') throw new Error(`${missing}, and CAIRN_REQUIRE_${part}=1 requires it`);
  console.warn(`\n!!!!!!!! ${missing}: tests that need it SKIPPED !!!!!!!!\n`);
  ctx.skip();
}
